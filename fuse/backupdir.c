/*
 * backupdir.c - the physical backup behind .backup/ (docs/backup.md), on
 * the engine's external backup API (JetBeginExternalBackupInstance ..
 * JetEndExternalBackupInstance2).
 *
 * One backup at a time. A listing of .backup/ itself while nobody holds a
 * backup begins a new one (every copying tool starts so: rsync, cp -a,
 * tar); any other use (a lookup, an open, a listing of the log folder)
 * joins the live backup, or begins one if none lives. A begin checkpoints,
 * fixes the log's end (the moment the copy holds) and hands out the files
 * with their sizes, all fixed from then on: the database file, then the
 * log generations and the checkpoint file that recovery of the copy needs.
 *
 * It ends when nobody holds it and either every byte of every file has been
 * served (a complete copy: the log the copy no longer needs is truncated,
 * JetTruncateLog, before JetEndExternalBackup) or nobody has used it for
 * BK_LINGER_S seconds (abandoned: ended with JET_bitBackupEndAbort, nothing
 * truncated). The linger is what lets rsync or cp list the directory,
 * close it, and open the files afterwards, possibly after checksumming a
 * large old copy, and still read one backup.
 *
 * Every file carries the backup's start time as mtime, always at least one
 * second after the previous backup's, so rsync's quick check (size and
 * mtime, in whole seconds) never takes a newer backup's file for the copy
 * it already has.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fs_int.h"
#include "jet_common.h"

#define BK_LINGER_S 60
#define BK_MAX_SPANS 32

typedef struct bk_span {
	uint64_t from, to;
} bk_span;

typedef struct bk_file {
	jfs_bk_file pub;
	JET_HANDLE h;
	/* what has been served, as disjoint sorted spans (too many: given up,
	 * the copy is then taken as incomplete) */
	bk_span spans[BK_MAX_SPANS];
	int nspans;
	bool overflow;
} bk_file;

static struct {
	jfs *fs;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t reaper;
	bool running, stop;
	bool active;
	int refs;
	struct timespec started; /* the files' mtime */
	time_t last_sec;         /* the previous backup's mtime, seconds */
	time_t idle_since;       /* CLOCK_MONOTONIC seconds, when refs fell to 0 */
	bk_file *files;
	unsigned nfiles;
} g_bk = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

static time_t mono_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

static bool complete_locked(void)
{
	for (unsigned i = 0; i < g_bk.nfiles; i++) {
		const bk_file *f = &g_bk.files[i];
		if (f->pub.size == 0)
			continue;
		if (f->overflow || f->nspans != 1 || f->spans[0].from != 0 ||
		    f->spans[0].to < f->pub.size)
			return false;
	}
	return true;
}

/* Ends the current backup (mu held). A complete copy first truncates the
 * log it made unnecessary, as ESE's JetTruncateLog after a full backup. */
static void end_locked(bool complete)
{
	JET_INSTANCE inst = g_bk.fs->inst;
	for (unsigned i = 0; i < g_bk.nfiles; i++)
		if (g_bk.files[i].h)
			(void)JetCloseFileInstance(inst, g_bk.files[i].h);
	JET_ERR err = JET_errSuccess;
	if (complete)
		err = JetTruncateLogInstance(inst);
	if (err < 0)
		jfs_log(g_bk.fs, NULL, 0, ".backup: JetTruncateLog: %s", JetErrorName(err));
	err = JetEndExternalBackupInstance2(inst, complete ? JET_bitBackupEndNormal
							   : JET_bitBackupEndAbort);
	if (err < 0)
		jfs_log(g_bk.fs, NULL, 0, ".backup: JetEndExternalBackup: %s", JetErrorName(err));
	free(g_bk.files);
	g_bk.files = NULL;
	g_bk.nfiles = 0;
	g_bk.active = false;
}

/* Opens one file of the backup (path as the engine named it). */
static JET_ERR add_file(const char *path, bool in_logs, bk_file **pfiles, unsigned *pn)
{
	unsigned long lo = 0, hi = 0;
	JET_HANDLE h = 0;
	bk_file *nf = realloc(*pfiles, (*pn + 1) * sizeof(*nf));
	if (!nf)
		return JET_errOutOfMemory;
	*pfiles = nf;
	CallR(JetOpenFileInstanceA(g_bk.fs->inst, path, &h, &lo, &hi));
	bk_file *f = &nf[(*pn)++];
	memset(f, 0, sizeof(*f));
	f->h = h;
	f->pub.in_logs = in_logs;
	f->pub.size = ((uint64_t)hi << 32) | lo;
	snprintf(f->pub.name, sizeof(f->pub.name), "%s", base_name(path));
	return JET_errSuccess;
}

/* The engine's list of names (double-NUL terminated) from fn. */
static JET_ERR get_list(JET_ERR (*fn)(JET_INSTANCE, char *, unsigned long, unsigned long *),
			char **out)
{
	unsigned long cb = 0;
	CallR(fn(g_bk.fs->inst, NULL, 0, &cb));
	char *buf = malloc(cb ? cb : 1);
	if (!buf)
		return JET_errOutOfMemory;
	JET_ERR err = fn(g_bk.fs->inst, buf, cb, &cb);
	if (err < 0) {
		free(buf);
		return err;
	}
	*out = buf;
	return JET_errSuccess;
}

static JET_ERR begin_locked(void)
{
	JET_INSTANCE inst = g_bk.fs->inst;
	JET_ERR err = JET_errSuccess;
	char *dbs = NULL, *logs = NULL;
	bk_file *files = NULL;
	unsigned n = 0;

	CallR(JetBeginExternalBackupInstance(inst, 0));
	Call(get_list(JetGetAttachInfoInstanceA, &dbs));
	if (!*dbs)
		Error(JET_errNoBackup); /* nothing attached for writing (-o ro) */
	for (const char *p = dbs; *p; p += strlen(p) + 1)
		Call(add_file(p, false, &files, &n));
	/* The copy lays out as jetfs does: the logs and the checkpoint file in
	 * DATABASE.jetlog/, the database beside that folder. */
	Call(JetSetBackupDatabaseFolderInstance(inst, ".."));
	Call(get_list(JetGetLogInfoInstanceA, &logs));
	for (const char *p = logs; *p; p += strlen(p) + 1)
		Call(add_file(p, true, &files, &n));
	clock_gettime(CLOCK_REALTIME, &g_bk.started);
	if (g_bk.started.tv_sec <= g_bk.last_sec) {
		g_bk.started.tv_sec = g_bk.last_sec + 1;
		g_bk.started.tv_nsec = 0;
	}
	g_bk.last_sec = g_bk.started.tv_sec;
	g_bk.files = files;
	g_bk.nfiles = n;
	g_bk.active = true;
	g_bk.idle_since = mono_now();
	files = NULL;
HandleError:
	if (err < 0) {
		for (unsigned i = 0; i < n; i++)
			(void)JetCloseFileInstance(inst, files[i].h);
		(void)JetEndExternalBackupInstance2(inst, JET_bitBackupEndAbort);
	}
	free(files);
	free(dbs);
	free(logs);
	return err;
}

static void *reaper_main(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&g_bk.mu);
	while (!g_bk.stop) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += 1;
		pthread_cond_timedwait(&g_bk.cv, &g_bk.mu, &ts);
		if (g_bk.active && g_bk.refs == 0 && mono_now() - g_bk.idle_since >= BK_LINGER_S)
			end_locked(false);
	}
	pthread_mutex_unlock(&g_bk.mu);
	return NULL;
}

JET_ERR jfs_bk_start(jfs *fs)
{
	g_bk.fs = fs;
	g_bk.stop = false;
	if (pthread_create(&g_bk.reaper, NULL, reaper_main, NULL) != 0)
		return JET_errOutOfMemory;
	g_bk.running = true;
	return JET_errSuccess;
}

void jfs_bk_stop(void)
{
	if (!g_bk.running)
		return;
	pthread_mutex_lock(&g_bk.mu);
	g_bk.stop = true;
	pthread_cond_broadcast(&g_bk.cv);
	pthread_mutex_unlock(&g_bk.mu);
	pthread_join(g_bk.reaper, NULL);
	g_bk.running = false;
	pthread_mutex_lock(&g_bk.mu);
	if (g_bk.active)
		end_locked(false);
	pthread_mutex_unlock(&g_bk.mu);
}

JET_ERR jfs_bk_acquire(bool fresh)
{
	JET_ERR err = JET_errSuccess;
	pthread_mutex_lock(&g_bk.mu);
	if (g_bk.active && g_bk.refs == 0 &&
	    (fresh || mono_now() - g_bk.idle_since >= BK_LINGER_S))
		end_locked(false); /* abandoned (the reaper may not have come round to it) */
	if (!g_bk.active)
		err = begin_locked();
	if (err >= 0)
		g_bk.refs++;
	pthread_mutex_unlock(&g_bk.mu);
	return err;
}

void jfs_bk_release(void)
{
	pthread_mutex_lock(&g_bk.mu);
	if (g_bk.refs > 0 && --g_bk.refs == 0 && g_bk.active) {
		g_bk.idle_since = mono_now();
		if (complete_locked())
			end_locked(true);
	}
	pthread_mutex_unlock(&g_bk.mu);
}

JET_ERR jfs_bk_files(jfs_bk_file **pfiles, unsigned *pn, struct timespec *pmtime)
{
	pthread_mutex_lock(&g_bk.mu);
	if (!g_bk.active) {
		pthread_mutex_unlock(&g_bk.mu);
		return JET_errNoBackup;
	}
	jfs_bk_file *out = malloc((g_bk.nfiles ? g_bk.nfiles : 1) * sizeof(*out));
	if (!out) {
		pthread_mutex_unlock(&g_bk.mu);
		return JET_errOutOfMemory;
	}
	for (unsigned i = 0; i < g_bk.nfiles; i++)
		out[i] = g_bk.files[i].pub;
	*pfiles = out;
	*pn = g_bk.nfiles;
	if (pmtime)
		*pmtime = g_bk.started;
	pthread_mutex_unlock(&g_bk.mu);
	return JET_errSuccess;
}

/* Adds [from, to) to f's served spans (mu held). */
static void served_locked(bk_file *f, uint64_t from, uint64_t to)
{
	if (f->overflow || from >= to)
		return;
	int i = 0;
	while (i < f->nspans && f->spans[i].to < from)
		i++;
	int j = i;
	while (j < f->nspans && f->spans[j].from <= to) {
		if (f->spans[j].from < from)
			from = f->spans[j].from;
		if (f->spans[j].to > to)
			to = f->spans[j].to;
		j++;
	}
	/* spans[i, j) merge into one */
	if (i == j) {
		if (f->nspans == BK_MAX_SPANS) {
			f->overflow = true;
			return;
		}
		memmove(&f->spans[i + 1], &f->spans[i], (size_t)(f->nspans - i) * sizeof(bk_span));
		f->nspans++;
	} else if (j - i > 1) {
		memmove(&f->spans[i + 1], &f->spans[j], (size_t)(f->nspans - j) * sizeof(bk_span));
		f->nspans -= j - i - 1;
	}
	f->spans[i].from = from;
	f->spans[i].to = to;
}

JET_ERR jfs_bk_read(unsigned i, uint64_t off, char *buf, size_t size, size_t *pgot)
{
	JET_HANDLE h;
	unsigned long got = 0;
	*pgot = 0;
	pthread_mutex_lock(&g_bk.mu);
	if (!g_bk.active || i >= g_bk.nfiles) {
		pthread_mutex_unlock(&g_bk.mu);
		return JET_errNoBackup;
	}
	h = g_bk.files[i].h;
	pthread_mutex_unlock(&g_bk.mu);
	/* Outside the mutex: the caller's reference keeps the backup alive,
	 * and reads of the files may run at once. */
	CallR(JetReadFileAtInstance(g_bk.fs->inst, h, off, buf,
				    (unsigned long)(size > ULONG_MAX ? ULONG_MAX : size), &got));
	pthread_mutex_lock(&g_bk.mu);
	if (g_bk.active && i < g_bk.nfiles)
		served_locked(&g_bk.files[i], off, off + got);
	pthread_mutex_unlock(&g_bk.mu);
	*pgot = got;
	return JET_errSuccess;
}
