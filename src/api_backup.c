/*
 * api_backup.c - ESE's online backup API (JetBeginExternalBackupInstance ..
 * JetEndExternalBackupInstance2, the old instance-less forms, JetBackup)
 * and JetRestore, over engine.h's eng_backup.
 *
 * Sequence (ESE's, with its errors): begin -> JetGetAttachInfo (database
 * files) -> JetOpenFile/JetReadFile/JetCloseFile for each -> JetGetLogInfo
 * (log generations, then the checkpoint file the copy needs) -> the same for
 * those -> JetTruncateLog (optional) -> JetEndExternalBackup. A call out of
 * this order is JET_errInvalidBackupSequence; without a backup
 * JET_errNoBackup; a second begin JET_errBackupInProgress.
 *
 * The checkpoint file handed out names each database by its file name only,
 * so a backup folder holding the databases, the logs and that file recovers
 * where it lies (JetRestore copies it to its destination and runs recovery
 * there). JetSetBackupDatabaseFolderInstance (libjet extension) puts a
 * relative folder before those names, for a copy laid out as jetfs lays a
 * database out (the logs and checkpoint file in a folder beside it: "..").
 *
 * JetReadFileAtInstance (libjet extension) reads a backup file at an offset
 * without moving its handle's position: a filesystem serving the files
 * (jetfs's .backup/) answers reads at any offset, from several threads.
 */
#include <dirent.h>
#include <libgen.h>
#include <stdio.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "api_int.h"

#define BK_MAX_FILES 64

enum bk_stage { BK_BEGUN = 1, BK_ATTACH_LISTED, BK_LOGS_LISTED };
enum bk_kind { BK_DB, BK_LOG, BK_CHK };

typedef struct bk_file {
	bool used;
	int kind;
	int index;      /* database index, or log generation */
	uint64_t off;
	uint64_t size;
} bk_file;

typedef struct bk_state {
	api_inst *inst;
	eng_backup *b;
	int stage;
	bool incremental;
	bk_file files[BK_MAX_FILES];
	uint8_t *chk;   /* the checkpoint file's bytes */
	size_t cbChk;
	char chk_name[1200];
	char db_folder[256]; /* before each database's name in the checkpoint file */
} bk_state;

static pthread_mutex_t g_bk_mu = PTHREAD_MUTEX_INITIALIZER;
static bk_state *g_bk[64];

static bk_state *bk_find_locked(api_inst *i)
{
	for (size_t k = 0; k < sizeof(g_bk) / sizeof(g_bk[0]); k++)
		if (g_bk[k] && g_bk[k]->inst == i)
			return g_bk[k];
	return NULL;
}

static void find_running(void *obj, void *ctx)
{
	api_inst *i = obj, **found = ctx;
	if (i->state == API_INST_RUNNING && !*found)
		*found = i;
}

/* The running instance named by `instance`, or for the instance-less forms
 * (instance 0) the only running one. */
static JET_ERR bk_inst(JET_INSTANCE instance, api_inst **out)
{
	if (instance)
		return api_inst_get(instance, out);
	int running = atomic_load(&api_running_instances);
	if (running != 1)
		return running ? JET_errInvalidParameter : JET_errNotInitialized;
	*out = NULL;
	handle_foreach(&api_instances, find_running, out);
	return *out ? JET_errSuccess : JET_errNotInitialized;
}

static JET_ERR bk_get(JET_INSTANCE instance, bk_state **out)
{
	api_inst *i;
	CallR(bk_inst(instance, &i));
	pthread_mutex_lock(&g_bk_mu);
	*out = bk_find_locked(i);
	pthread_mutex_unlock(&g_bk_mu);
	return *out ? JET_errSuccess : JET_errNoBackup;
}

JET_ERR JET_API JetBeginExternalBackupInstance(JET_INSTANCE instance, JET_GRBIT grbit)
{
	JET_ERR err = JET_errSuccess;
	api_inst *i;
	bk_state *st = NULL;
	if (grbit & ~(JET_GRBIT)(JET_bitBackupIncremental | JET_bitBackupAtomic | JET_bitBackupSnapshot))
		return JET_errInvalidGrbit;
	CallR(bk_inst(instance, &i));
	if (i->state != API_INST_RUNNING)
		return JET_errNotInitialized;
	pthread_mutex_lock(&g_bk_mu);
	if (bk_find_locked(i))
		Error(JET_errBackupInProgress);
	size_t k;
	for (k = 0; k < sizeof(g_bk) / sizeof(g_bk[0]) && g_bk[k]; k++)
		;
	if (k == sizeof(g_bk) / sizeof(g_bk[0]))
		Error(JET_errOutOfMemory);
	st = jet_calloc(1, sizeof(*st));
	if (!st)
		Error(JET_errOutOfMemory);
	st->inst = i;
	st->incremental = (grbit & JET_bitBackupIncremental) != 0;
	Call(eng_backup_begin(i->eng, &st->b));
	st->stage = BK_BEGUN;
	g_bk[k] = st;
	st = NULL;
HandleError:
	pthread_mutex_unlock(&g_bk_mu);
	jet_free(st);
	return err;
}

JET_ERR JET_API JetBeginExternalBackup(JET_GRBIT grbit)
{
	return JetBeginExternalBackupInstance(0, grbit);
}

/* Appends name and its NUL to a double-NUL list. */
static void szz_add(char *szz, unsigned long cbMax, size_t *pos, const char *name)
{
	size_t n = strlen(name) + 1;
	if (szz && *pos + n < cbMax)
		memcpy(szz + *pos, name, n);
	*pos += n;
}

static JET_ERR szz_finish(char *szz, unsigned long cbMax, size_t pos, unsigned long *pcbActual)
{
	if (szz && pos < cbMax)
		szz[pos] = 0;
	pos++;
	if (pcbActual)
		*pcbActual = (unsigned long)pos;
	if (!szz)
		return pcbActual ? JET_errSuccess : JET_errInvalidParameter;
	return pos > cbMax ? JET_errBufferTooSmall : JET_errSuccess;
}

JET_ERR JET_API JetGetAttachInfoInstanceA(JET_INSTANCE instance, char *szz, unsigned long cbMax,
					  unsigned long *pcbActual)
{
	bk_state *st;
	CallR(bk_get(instance, &st));
	if (st->incremental || st->stage > BK_ATTACH_LISTED)
		return JET_errInvalidBackupSequence;
	size_t pos = 0;
	for (int k = 0; k < eng_backup_ndbs(st->b); k++)
		szz_add(szz, cbMax, &pos, eng_db_path(eng_backup_db(st->b, k)));
	CallR(szz_finish(szz, cbMax, pos, pcbActual));
	st->stage = BK_ATTACH_LISTED;
	return JET_errSuccess;
}

JET_ERR JET_API JetGetAttachInfoA(char *szz, unsigned long cbMax, unsigned long *pcbActual)
{
	return JetGetAttachInfoInstanceA(0, szz, cbMax, pcbActual);
}

static const char *base_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

JET_ERR JET_API JetGetLogInfoInstanceA(JET_INSTANCE instance, char *szz, unsigned long cbMax,
				       unsigned long *pcbActual)
{
	bk_state *st;
	uint32_t first, last;
	CallR(bk_get(instance, &st));
	if (!st->incremental && st->stage < BK_ATTACH_LISTED)
		return JET_errInvalidBackupSequence;
	CallR(eng_backup_logs(st->b, &first, &last));
	if (!st->chk) {
		const char *paths[16];
		char(*names)[1024] = jet_malloc(16 * sizeof(*names));
		int n = eng_backup_ndbs(st->b);
		if (!names)
			return JET_errOutOfMemory;
		for (int k = 0; k < n && k < 16; k++) {
			const char *base = base_of(eng_db_path(eng_backup_db(st->b, k)));
			snprintf(names[k], sizeof(names[k]), "%s%s%s", st->db_folder,
				 *st->db_folder ? "/" : "", base);
			paths[k] = names[k];
		}
		JET_ERR err = eng_backup_chk(st->b, paths, &st->chk, &st->cbChk);
		jet_free(names);
		CallR(err);
		eng_params *p = eng_inst_params(st->inst->eng);
		snprintf(st->chk_name, sizeof(st->chk_name), "%s%s.chk", p->system_path,
			 eng_inst_base_name(st->inst->eng));
	}
	size_t pos = 0;
	char name[2048];
	for (uint32_t g = first; g && g <= last; g++) {
		eng_backup_log_name(st->b, g, name, sizeof(name));
		szz_add(szz, cbMax, &pos, name);
	}
	szz_add(szz, cbMax, &pos, st->chk_name);
	CallR(szz_finish(szz, cbMax, pos, pcbActual));
	st->stage = BK_LOGS_LISTED;
	return JET_errSuccess;
}

JET_ERR JET_API JetSetBackupDatabaseFolderInstance(JET_INSTANCE instance, JET_PCSTR szFolder)
{
	bk_state *st;
	if (!szFolder || szFolder[0] == '/' || strlen(szFolder) >= sizeof(st->db_folder))
		return JET_errInvalidParameter;
	CallR(bk_get(instance, &st));
	if (st->chk)
		return JET_errInvalidBackupSequence; /* the checkpoint file is made */
	snprintf(st->db_folder, sizeof(st->db_folder), "%s", szFolder);
	size_t n = strlen(st->db_folder);
	while (n && st->db_folder[n - 1] == '/')
		st->db_folder[--n] = 0;
	return JET_errSuccess;
}

JET_ERR JET_API JetGetLogInfoA(char *szz, unsigned long cbMax, unsigned long *pcbActual)
{
	return JetGetLogInfoInstanceA(0, szz, cbMax, pcbActual);
}

JET_ERR JET_API JetOpenFileInstanceA(JET_INSTANCE instance, JET_PCSTR szFileName,
				     JET_HANDLE *phfFile, unsigned long *pulFileSizeLow,
				     unsigned long *pulFileSizeHigh)
{
	bk_state *st;
	if (!szFileName || !phfFile || !pulFileSizeLow || !pulFileSizeHigh)
		return JET_errInvalidParameter;
	CallR(bk_get(instance, &st));
	bk_file f = {true, 0, 0, 0, 0};
	bool found = false;
	if (st->stage >= BK_ATTACH_LISTED && !st->incremental)
		for (int k = 0; k < eng_backup_ndbs(st->b) && !found; k++)
			if (strcmp(szFileName, eng_db_path(eng_backup_db(st->b, k))) == 0) {
				f.kind = BK_DB;
				f.index = k;
				f.size = eng_backup_db_size(st->b, k);
				found = true;
			}
	if (!found && st->stage >= BK_LOGS_LISTED) {
		uint32_t first, last;
		char name[2048];
		CallR(eng_backup_logs(st->b, &first, &last));
		for (uint32_t g = first; g && g <= last && !found; g++) {
			eng_backup_log_name(st->b, g, name, sizeof(name));
			if (strcmp(szFileName, name) == 0) {
				f.kind = BK_LOG;
				f.index = (int)g;
				f.size = eng_backup_log_size(st->b, g);
				found = true;
			}
		}
		if (!found && strcmp(szFileName, st->chk_name) == 0) {
			f.kind = BK_CHK;
			f.size = st->cbChk;
			found = true;
		}
	}
	if (!found)
		return st->stage < BK_LOGS_LISTED ? JET_errInvalidBackupSequence : JET_errFileNotFound;
	for (int h = 0; h < BK_MAX_FILES; h++)
		if (!st->files[h].used) {
			st->files[h] = f;
			*phfFile = (JET_HANDLE)(h + 1);
			*pulFileSizeLow = (unsigned long)(f.size & 0xffffffffu);
			*pulFileSizeHigh = (unsigned long)(f.size >> 32);
			return JET_errSuccess;
		}
	return JET_errOutOfFileHandles;
}

JET_ERR JET_API JetOpenFileA(const char *szFileName, JET_HANDLE *phfFile,
			     unsigned long *pulFileSizeLow, unsigned long *pulFileSizeHigh)
{
	return JetOpenFileInstanceA(0, szFileName, phfFile, pulFileSizeLow, pulFileSizeHigh);
}

static JET_ERR bk_file_get(bk_state *st, JET_HANDLE h, bk_file **out)
{
	if (h == 0 || h > BK_MAX_FILES || !st->files[h - 1].used)
		return JET_errInvalidParameter;
	*out = &st->files[h - 1];
	return JET_errSuccess;
}

JET_ERR JET_API JetReadFileInstance(JET_INSTANCE instance, JET_HANDLE hfFile, void *pv,
				    unsigned long cb, unsigned long *pcbActual)
{
	bk_state *st;
	bk_file *f;
	size_t got = 0;
	if (!pv && cb)
		return JET_errInvalidParameter;
	CallR(bk_get(instance, &st));
	CallR(bk_file_get(st, hfFile, &f));
	switch (f->kind) {
	case BK_DB:
		CallR(eng_backup_read_db(st->b, f->index, f->off, pv, cb, &got));
		break;
	case BK_LOG:
		CallR(eng_backup_read_log(st->b, (uint32_t)f->index, f->off, pv, cb, &got));
		break;
	default:
		got = f->off < st->cbChk ? (size_t)JET_MIN((uint64_t)cb, st->cbChk - f->off) : 0;
		memcpy(pv, st->chk + f->off, got);
	}
	f->off += got;
	if (pcbActual)
		*pcbActual = (unsigned long)got;
	return JET_errSuccess;
}

JET_ERR JET_API JetReadFileAtInstance(JET_INSTANCE instance, JET_HANDLE hfFile,
				      unsigned long long ibOffset, void *pv, unsigned long cb,
				      unsigned long *pcbActual)
{
	bk_state *st;
	bk_file *f;
	size_t got = 0;
	if ((!pv && cb) || !pcbActual)
		return JET_errInvalidParameter;
	CallR(bk_get(instance, &st));
	CallR(bk_file_get(st, hfFile, &f));
	switch (f->kind) {
	case BK_DB:
		CallR(eng_backup_read_db(st->b, f->index, ibOffset, pv, cb, &got));
		break;
	case BK_LOG:
		CallR(eng_backup_read_log(st->b, (uint32_t)f->index, ibOffset, pv, cb, &got));
		break;
	default:
		got = ibOffset < st->cbChk ? (size_t)JET_MIN((uint64_t)cb, st->cbChk - ibOffset) : 0;
		memcpy(pv, st->chk + ibOffset, got);
	}
	*pcbActual = (unsigned long)got;
	return JET_errSuccess;
}

JET_ERR JET_API JetReadFile(JET_HANDLE hfFile, void *pv, unsigned long cb, unsigned long *pcbActual)
{
	return JetReadFileInstance(0, hfFile, pv, cb, pcbActual);
}

JET_ERR JET_API JetCloseFileInstance(JET_INSTANCE instance, JET_HANDLE hfFile)
{
	bk_state *st;
	bk_file *f;
	CallR(bk_get(instance, &st));
	CallR(bk_file_get(st, hfFile, &f));
	f->used = false;
	return JET_errSuccess;
}

JET_ERR JET_API JetCloseFile(JET_HANDLE hfFile) { return JetCloseFileInstance(0, hfFile); }

JET_ERR JET_API JetTruncateLogInstance(JET_INSTANCE instance)
{
	bk_state *st;
	CallR(bk_get(instance, &st));
	if (st->stage < BK_LOGS_LISTED)
		return JET_errInvalidBackupSequence;
	return eng_truncate_logs(st->inst->eng);
}

JET_ERR JET_API JetTruncateLog(void) { return JetTruncateLogInstance(0); }

JET_ERR JET_API JetEndExternalBackupInstance2(JET_INSTANCE instance, JET_GRBIT grbit)
{
	bk_state *st;
	if (grbit & ~(JET_GRBIT)(JET_bitBackupEndNormal | JET_bitBackupEndAbort | JET_bitBackupTruncateDone))
		return JET_errInvalidGrbit;
	CallR(bk_get(instance, &st));
	pthread_mutex_lock(&g_bk_mu);
	for (size_t k = 0; k < sizeof(g_bk) / sizeof(g_bk[0]); k++)
		if (g_bk[k] == st)
			g_bk[k] = NULL;
	pthread_mutex_unlock(&g_bk_mu);
	eng_backup_end(st->b);
	jet_free(st->chk);
	jet_free(st);
	return JET_errSuccess;
}

JET_ERR JET_API JetEndExternalBackupInstance(JET_INSTANCE instance)
{
	return JetEndExternalBackupInstance2(instance, JET_bitBackupEndNormal);
}

JET_ERR JET_API JetEndExternalBackup(void) { return JetEndExternalBackupInstance2(0, JET_bitBackupEndNormal); }

/* ---- JetBackup: the whole sequence into a folder ---- */

static JET_ERR copy_out(JET_INSTANCE instance, os_vfs *vfs, const char *name, const char *dir)
{
	JET_ERR err = JET_errSuccess;
	JET_HANDLE h = 0;
	unsigned long lo, hi, got;
	os_file *out = NULL;
	char path[2400];
	uint8_t *buf = jet_malloc(1 << 20);
	if (!buf)
		return JET_errOutOfMemory;
	snprintf(path, sizeof(path), "%s/%s", dir, base_of(name));
	Call(JetOpenFileInstanceA(instance, name, &h, &lo, &hi));
	Call(os_open(vfs, path, OS_OPEN_CREATE | OS_OPEN_TRUNCATE, &out));
	uint64_t off = 0;
	for (;;) {
		Call(JetReadFileInstance(instance, h, buf, 1 << 20, &got));
		if (!got)
			break;
		Call(os_write(out, off, buf, got));
		off += got;
	}
	Call(os_sync(out));
HandleError:
	if (out)
		os_close(out);
	if (h)
		JetCloseFileInstance(instance, h);
	jet_free(buf);
	return err;
}

static JET_ERR copy_list(JET_INSTANCE instance, os_vfs *vfs, const char *szz, const char *dir)
{
	for (const char *p = szz; *p; p += strlen(p) + 1)
		CallR(copy_out(instance, vfs, p, dir));
	return JET_errSuccess;
}

JET_ERR JET_API JetBackupInstanceA(JET_INSTANCE instance, JET_PCSTR szBackupPath, JET_GRBIT grbit,
				   JET_PFNSTATUS pfnStatus)
{
	JET_ERR err = JET_errSuccess;
	char *list = NULL;
	unsigned long cb = 0;
	api_inst *i;
	(void)pfnStatus;
	if (!szBackupPath || !*szBackupPath)
		return JET_errInvalidPath;
	CallR(bk_inst(instance, &i));
	os_vfs *vfs = eng_inst_params(i->eng)->vfs ? eng_inst_params(i->eng)->vfs : os_vfs_posix();
	CallR(vfs->mkdir(vfs, szBackupPath));
	CallR(JetBeginExternalBackupInstance(instance, grbit & JET_bitBackupIncremental));
	if (!(grbit & JET_bitBackupIncremental)) {
		Call(JetGetAttachInfoInstanceA(instance, NULL, 0, &cb));
		list = jet_malloc(cb);
		if (!list)
			Error(JET_errOutOfMemory);
		Call(JetGetAttachInfoInstanceA(instance, list, cb, &cb));
		Call(copy_list(instance, vfs, list, szBackupPath));
		jet_free(list);
		list = NULL;
	}
	Call(JetGetLogInfoInstanceA(instance, NULL, 0, &cb));
	list = jet_malloc(cb);
	if (!list)
		Error(JET_errOutOfMemory);
	Call(JetGetLogInfoInstanceA(instance, list, cb, &cb));
	Call(copy_list(instance, vfs, list, szBackupPath));
	Call(vfs->sync_dir(vfs, szBackupPath));
HandleError:
	jet_free(list);
	CallS(JetEndExternalBackupInstance2(instance, err < 0 ? JET_bitBackupEndAbort : JET_bitBackupEndNormal));
	return err;
}

JET_ERR JET_API JetBackupA(JET_PCSTR szBackupPath, JET_GRBIT grbit, JET_PFNSTATUS pfnStatus)
{
	return JetBackupInstanceA(0, szBackupPath, grbit, pfnStatus);
}

/* ---- restore ---- */

static JET_ERR copy_file(os_vfs *vfs, const char *from, const char *to)
{
	JET_ERR err = JET_errSuccess;
	os_file *in = NULL, *out = NULL;
	uint8_t *buf = jet_malloc(1 << 20);
	if (!buf)
		return JET_errOutOfMemory;
	Call(os_open(vfs, from, OS_OPEN_READONLY, &in));
	Call(os_open(vfs, to, OS_OPEN_CREATE | OS_OPEN_TRUNCATE, &out));
	for (uint64_t off = 0;; ) {
		size_t got = 0;
		Call(os_read(in, off, buf, 1 << 20, &got));
		if (!got)
			break;
		Call(os_write(out, off, buf, got));
		off += got;
	}
	Call(os_sync(out));
HandleError:
	if (in)
		os_close(in);
	if (out)
		os_close(out);
	jet_free(buf);
	return err;
}

typedef struct restore_ctx {
	os_vfs *vfs;
	const char *src, *sys, *logs;
	JET_ERR err;
} restore_ctx;

static JET_ERR restore_one(void *ctx, const char *name)
{
	restore_ctx *r = ctx;
	char from[2400], to[2400];
	size_t n = strlen(name);
	const char *dir = (n > 4 && strcmp(name + n - 4, ".log") == 0) ? r->logs : r->sys;
	snprintf(from, sizeof(from), "%s/%s", r->src, name);
	snprintf(to, sizeof(to), "%s/%s", dir, name);
	return copy_file(r->vfs, from, to);
}

/* Copies a backup folder (databases, logs, checkpoint file) to szDest (or
 * the instance's system and log folders) and recovers it there: the
 * databases come out clean, as of the backup's end. The instance must not
 * be initialized yet (ESE's rule). */
JET_ERR JET_API JetRestoreInstanceA(JET_INSTANCE instance, JET_PCSTR sz, JET_PCSTR szDest,
				    JET_PFNSTATUS pfn)
{
	JET_ERR err = JET_errSuccess;
	api_inst *i;
	jinst *tmp = NULL;
	(void)pfn;
	if (!sz || !*sz)
		return JET_errInvalidPath;
	CallR(api_inst_get(instance, &i));
	if (i->state != API_INST_CREATED)
		return JET_errAlreadyInitialized;
	eng_params *p = eng_inst_params(i->eng);
	os_vfs *vfs = p->vfs ? p->vfs : os_vfs_posix();
	restore_ctx r = {vfs, sz, szDest ? szDest : p->system_path, szDest ? szDest : p->log_path, 0};
	Call(vfs->mkdir(vfs, r.sys));
	Call(vfs->mkdir(vfs, r.logs));
	Call(vfs->list_dir(vfs, sz, restore_one, &r));
	Call(vfs->sync_dir(vfs, r.sys));
	Call(vfs->sync_dir(vfs, r.logs));
	/* Recovery runs as JetInit would, with the destination's folders. */
	Call(eng_inst_create("restore", &tmp));
	eng_params *tp = eng_inst_params(tmp);
	*tp = *p;
	snprintf(tp->system_path, sizeof(tp->system_path), "%s%s", r.sys,
		 r.sys[strlen(r.sys) - 1] == '/' ? "" : "/");
	snprintf(tp->log_path, sizeof(tp->log_path), "%s%s", r.logs,
		 r.logs[strlen(r.logs) - 1] == '/' ? "" : "/");
	tp->recovery = true;
	Call(eng_init(tmp, 0));
	err = eng_term(tmp, 0);
HandleError:
	if (tmp)
		eng_inst_destroy(tmp);
	return err;
}

JET_ERR JET_API JetRestoreA(JET_PCSTR sz, JET_PFNSTATUS pfn)
{
	(void)sz;
	(void)pfn;
	/* The instance-less form restores into the global default folders,
	 * which needs an instance to carry them: use JetRestoreInstance. */
	return JET_wrnNyi;
}
