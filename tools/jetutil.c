/*
 * jetutil.c - the administration tool for libjet databases, after ESE's
 * esentutl: create, check, dump, recover, compact, backup, restore, info,
 * export, import. One binary; `jetutil COMMAND --help` for each.
 *
 * Files of a database DATABASE (as jetfs lays them out): the database file
 * itself and its log folder DATABASE.jetlog/ (log generations edbXXXXXXXX.log,
 * the checkpoint file edb.chk, and the lock file a running jetfs holds).
 *
 * Reading commands (check, dump, info) never recover and never write: they
 * show the last checkpoint. Writing commands (recover, compact, restore) and
 * backup refuse a mounted database and hold its lock file while they work,
 * so a jetfs cannot start under them.
 *
 * Exit codes: see jetutil.h (0 ok, 1 problems, 2 usage, 3 not supported, 4 error).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "btree.h"
#include "catalog.h"
#include "crc32c.h"
#include "engine_int.h"
#include "jetutil.h"
#include "record.h"
#include "space.h"

/* ------------------------------------------------------------------ */
/* Shared helpers (jetutil.h)                                         */
/* ------------------------------------------------------------------ */

void ju_err(const char *fmt, ...)
{
	va_list ap;
	fputs("jetutil: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void ju_jet_err(JET_ERR err, const char *fmt, ...)
{
	va_list ap;
	fputs("jetutil: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, ": %s (%d): %s\n", JetErrorName(err), (int)err, JetErrorDescription(err));
}

void ju_log_dir(const char *db, char *buf, size_t cb)
{
	if (snprintf(buf, cb, "%s.jetlog/", db) >= (int)cb)
		buf[0] = 0; /* too long: names nothing */
}

/* Opens (creating if needed) DATABASE.jetlog/lock and tries to lock it
 * exclusively: -1 and EWOULDBLOCK when a jetfs holds it. Returns the fd
 * (the lock lives as long as it), or -2 when there is no log folder. */
static int lock_offline(const char *db, bool create)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s.jetlog/lock", db);
	int fd = open(path, O_RDWR | O_CLOEXEC | (create ? O_CREAT : 0), 0644);
	if (fd < 0)
		return errno == ENOENT ? -2 : -1;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

int ju_mounted(const char *db)
{
	int fd = lock_offline(db, false);
	if (fd >= 0) {
		close(fd);
		return 0;
	}
	return fd == -1 && errno == EWOULDBLOCK;
}

int ju_refuse_mounted(const char *db, const char *what)
{
	if (!ju_mounted(db))
		return 0;
	ju_err("%s: database is mounted (a jetfs holds %s.jetlog/lock); %s it through the "
	       "mount's .backup/ instead, or unmount first",
	       db, db, what);
	return 1;
}

/* Holds the lock file for the rest of the process: JU_OK, or an exit code. */
int ju_hold_offline(const char *db, const char *what)
{
	int fd = lock_offline(db, true);
	if (fd >= 0 || fd == -2)
		return JU_OK; /* fd deliberately kept open until exit */
	if (errno == EWOULDBLOCK) {
		ju_err("%s: database is mounted (a jetfs holds %s.jetlog/lock); %s is offline only: "
		       "use the mount's .backup/ (or unmount first)",
		       db, db, what);
		return JU_ERROR;
	}
	ju_err("%s.jetlog/lock: %s", db, strerror(errno));
	return JU_ERROR;
}

JET_ERR ju_db_open(const char *path, uint32_t cache_pages, ju_db *out)
{
	JET_ERR err = JET_errSuccess;
	memset(out, 0, sizeof(*out));
	Call(dbfile_open(os_vfs_posix(), path, true, false, &out->file, &out->hdr));
	out->page_size = dbfile_page_size(out->file);
	out->file_pages = dbfile_page_count(out->file);
	Call(jcache_create(out->file, cache_pages, &out->cache));
	return JET_errSuccess;
HandleError:
	ju_db_close(out);
	return err;
}

void ju_db_close(ju_db *d)
{
	if (d->cache)
		jcache_destroy(d->cache);
	if (d->file)
		dbfile_close(d->file);
	memset(d, 0, sizeof(*d));
}

const char *ju_state_name(uint32_t state)
{
	switch (state) {
	case JET_dbstateJustCreated: return "just-created";
	case JET_dbstateDirtyShutdown: return "dirty";
	case JET_dbstateCleanShutdown: return "clean";
	default: return "unknown";
	}
}

void ju_progress_begin(ju_progress *p, const char *what, uint64_t total)
{
	p->what = what;
	p->total = total ? total : 1;
	p->last_pct = -1;
	p->tty = isatty(STDERR_FILENO);
}

void ju_progress_set(ju_progress *p, uint64_t done)
{
	if (!p->tty)
		return;
	int pct = (int)(done * 100 / p->total);
	if (pct == p->last_pct)
		return;
	p->last_pct = pct;
	int bar = pct / 4;
	fprintf(stderr, "\r%-8s [%.*s%*s] %3d%%", p->what, bar, "#########################", 25 - bar,
		"", pct);
	fflush(stderr);
}

void ju_progress_end(ju_progress *p)
{
	if (p->tty && p->last_pct >= 0)
		fprintf(stderr, "\r%*s\r", 50, "");
}

void ju_json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
		if (*c == '"' || *c == '\\')
			fprintf(f, "\\%c", *c);
		else if (*c < 0x20 || *c == 0x7f)
			fprintf(f, "\\u%04x", *c);
		else
			fputc(*c, f);
	}
	fputc('"', f);
}

void ju_json_hex(FILE *f, const void *pv, size_t cb)
{
	const uint8_t *b = pv;
	for (size_t i = 0; i < cb; i++)
		fprintf(f, "%02x", b[i]);
}

void ju_print_bytes(FILE *f, const void *pv, size_t cb, size_t max)
{
	const uint8_t *b = pv;
	bool text = cb > 0;
	for (size_t i = 0; i < cb; i++)
		if (b[i] < 0x20 || b[i] > 0x7e)
			text = false;
	size_t n = JET_MIN(cb, max);
	if (text)
		fprintf(f, "\"%.*s\"", (int)n, (const char *)b);
	else
		for (size_t i = 0; i < n; i++)
			fprintf(f, "%02x", b[i]);
	if (n < cb)
		fprintf(f, "...(%zu bytes)", cb);
}

const char *ju_coltyp_name(uint32_t t)
{
	static const char *const names[] = {"Nil",	 "Bit",	       "UnsignedByte", "Short",
					    "Long",	 "Currency",   "IEEESingle",   "IEEEDouble",
					    "DateTime",	 "Binary",     "Text",	       "LongBinary",
					    "LongText",	 "SLV",	       "UnsignedLong", "LongLong",
					    "GUID",	 "UnsignedShort", "UnsignedLongLong"};
	return t < sizeof(names) / sizeof(names[0]) ? names[t] : "?";
}

JET_ERR ju_dir_root(ju_db *d, uint32_t dir_root, uint32_t objid, uint32_t *proot)
{
	uint8_t key[4], val[64];
	size_t cb = 0;
	eng_tree_info info;
	*proot = 0;
	key[0] = (uint8_t)(objid >> 24);
	key[1] = (uint8_t)(objid >> 16);
	key[2] = (uint8_t)(objid >> 8);
	key[3] = (uint8_t)objid;
	JET_ERR err = bt_get(d->cache, dir_root, key, 4, val, sizeof(val), &cb);
	if (err == JET_errRecordNotFound)
		return JET_errSuccess;
	CallR(err);
	CallR(eng_dir_decode(val, JET_MIN(cb, sizeof(val)), &info));
	*proot = info.root;
	return JET_errSuccess;
}

static uint32_t rec_u32(const tbl_def *td, const uint8_t *rec, size_t cb, JET_COLUMNID id)
{
	const void *pv = NULL;
	size_t n = 0;
	if (rec_retrieve(&td->schema, rec, cb, id, 1, &pv, &n) < 0 || !pv)
		return 0;
	if (n == 2)
		return get_le16(pv);
	if (n == 4)
		return get_le32(pv);
	return n == 1 ? *(const uint8_t *)pv : 0;
}

JET_ERR ju_catalog_read(ju_db *d, uint32_t root, ju_catrow **prows, size_t *pn)
{
	JET_ERR err = JET_errSuccess;
	tbl_def *td = NULL;
	bt_cursor *cur = NULL;
	ju_catrow *rows = NULL;
	size_t n = 0, cap = 0;
	Call(cat_build_def(d->page_size, &td));
	Call(bt_cursor_open(d->cache, root, &cur));
	for (err = bt_first(cur); err >= 0; err = bt_next(cur)) {
		const void *v;
		size_t cbv;
		Call(bt_cursor_value(cur, &v, &cbv));
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			ju_catrow *p = realloc(rows, cap * sizeof(*p));
			if (!p)
				Error(JET_errOutOfMemory);
			rows = p;
		}
		ju_catrow *r = &rows[n++];
		memset(r, 0, sizeof(*r));
		r->objid_table = rec_u32(td, v, cbv, CAT_COL_OBJIDTABLE);
		r->type = (uint16_t)rec_u32(td, v, cbv, CAT_COL_TYPE);
		r->id = rec_u32(td, v, cbv, CAT_COL_ID);
		r->coltyp = rec_u32(td, v, cbv, CAT_COL_COLTYP);
		r->cbmax = rec_u32(td, v, cbv, CAT_COL_SPACEUSAGE);
		r->flags = rec_u32(td, v, cbv, CAT_COL_FLAGS);
		r->codepage = rec_u32(td, v, cbv, CAT_COL_CODEPAGE);
		const void *pv = NULL;
		size_t cb = 0;
		if (rec_retrieve(&td->schema, v, cbv, CAT_COL_NAME, 1, &pv, &cb) >= 0 && pv)
			snprintf(r->name, sizeof(r->name), "%.*s", (int)JET_MIN(cb, JET_cbNameMost),
				 (const char *)pv);
		if (rec_retrieve(&td->schema, v, cbv, CAT_COL_KEYFLDIDS, 1, &pv, &cb) >= 0 && pv) {
			r->cbkeyflds = (uint32_t)JET_MIN(cb, sizeof(r->keyflds));
			memcpy(r->keyflds, pv, r->cbkeyflds);
		}
	}
	if (err == JET_errNoCurrentRecord || err == JET_errRecordNotFound)
		err = JET_errSuccess;
	Call(err);
	*prows = rows;
	*pn = n;
	rows = NULL;
HandleError:
	free(rows);
	if (cur)
		bt_cursor_close(cur);
	if (td)
		tbl_def_release(td);
	return err;
}

/* ------------------------------------------------------------------ */
/* A JET instance on DATABASE.jetlog/, as jetfs runs one              */
/* ------------------------------------------------------------------ */

JET_ERR ju_jet_open(const char *db, unsigned long page_size, JET_INSTANCE *pinst)
{
	JET_ERR err = JET_errSuccess;
	char logdir[PATH_MAX];
	JET_INSTANCE inst = 0;
	ju_log_dir(db, logdir, sizeof(logdir));
	Call(JetCreateInstance(&inst, "jetutil"));
	Call(JetSetSystemParameter(&inst, 0, JET_paramSystemPath, 0, logdir));
	Call(JetSetSystemParameter(&inst, 0, JET_paramLogFilePath, 0, logdir));
	Call(JetSetSystemParameter(&inst, 0, JET_paramTempPath, 0, logdir));
	Call(JetSetSystemParameter(&inst, 0, JET_paramBaseName, 0, "edb"));
	Call(JetSetSystemParameter(&inst, 0, JET_paramCreatePathIfNotExist, 1, NULL));
	/* As jetfs: import applies a whole table in one transaction, and logs
	 * behind the checkpoint are not kept (an import of 1 GiB left 1 GiB of
	 * log generations without it). */
	(void)JetSetSystemParameter(&inst, 0, JET_paramMaxVerPages, 262144, NULL);
	(void)JetSetSystemParameter(&inst, 0, JET_paramCircularLog, 1, NULL);
	if (page_size)
		Call(JetSetSystemParameter(&inst, 0, JET_paramDatabasePageSize, page_size, NULL));
	Call(JetInit(&inst));
	*pinst = inst;
	return JET_errSuccess;
HandleError:
	if (inst)
		JetTerm2(inst, JET_bitTermAbrupt);
	return err;
}

/* An absolute path for a database file that may not exist yet. */
int ju_abs_path(const char *in, char *out, size_t cb)
{
	char dir[PATH_MAX], base[PATH_MAX], real[PATH_MAX];
	snprintf(dir, sizeof(dir), "%s", in);
	snprintf(base, sizeof(base), "%s", in);
	if (!realpath(dirname(dir), real))
		return -1;
	if (snprintf(out, cb, "%s/%s", strcmp(real, "/") ? real : "", basename(base)) >= (int)cb) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

bool ju_want_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return true;
	return false;
}

/* ------------------------------------------------------------------ */
/* create                                                             */
/* ------------------------------------------------------------------ */

static const char usage_create[] =
	"usage: jetutil create [--page-size N] DATABASE\n"
	"Creates a new, empty database and its log folder DATABASE.jetlog/ (as jetfs\n"
	"uses them). N: 4096, 8192 (default), 16384 or 32768.\n";

int ju_new_db_args(int argc, char **argv, const char *usage, int nargs, const char **args,
		   unsigned long *pps)
{
	int n = 0;
	*pps = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--page-size") && i + 1 < argc) {
			char *end;
			*pps = strtoul(argv[++i], &end, 0);
			if (*end || (*pps != 4096 && *pps != 8192 && *pps != 16384 && *pps != 32768)) {
				fputs(usage, stderr);
				return JU_USAGE;
			}
		} else if (argv[i][0] == '-' || n == nargs) {
			fputs(usage, stderr);
			return JU_USAGE;
		} else {
			args[n++] = argv[i];
		}
	}
	if (n != nargs) {
		fputs(usage, stderr);
		return JU_USAGE;
	}
	return JU_OK;
}

int ju_new_db_prepare(const char *db, char *path, char *logdir, bool *pmade_logdir,
		      const char *what)
{
	*pmade_logdir = false;
	if (ju_abs_path(db, path, PATH_MAX) < 0) {
		ju_err("%s: %s", db, strerror(errno));
		return JU_ERROR;
	}
	if (access(path, F_OK) == 0) {
		ju_err("%s: exists (%s makes a new database)", db, what);
		return JU_ERROR;
	}
	ju_log_dir(path, logdir, PATH_MAX);
	if (mkdir(logdir, 0755) == 0)
		*pmade_logdir = true;
	else if (errno != EEXIST) {
		ju_err("%s: %s", logdir, strerror(errno));
		return JU_ERROR;
	}
	return ju_hold_offline(path, what);
}

static int cmd_create(int argc, char **argv)
{
	unsigned long ps = 0;
	const char *db = NULL;
	char path[PATH_MAX], logdir[PATH_MAX];
	bool made;
	if (ju_want_help(argc, argv)) {
		fputs(usage_create, stdout);
		return JU_OK;
	}
	int rc = ju_new_db_args(argc, argv, usage_create, 1, &db, &ps);
	if (rc)
		return rc;
	rc = ju_new_db_prepare(db, path, logdir, &made, "create");
	if (rc)
		return rc;
	JET_INSTANCE inst = 0;
	JET_SESID sesid = 0;
	JET_DBID dbid = 0;
	JET_ERR err = ju_jet_open(path, ps, &inst);
	if (err >= 0)
		err = JetBeginSession(inst, &sesid, NULL, NULL);
	if (err >= 0)
		err = JetCreateDatabase(sesid, path, NULL, &dbid, 0);
	if (err >= 0)
		err = JetCloseDatabase(sesid, dbid, 0);
	if (err >= 0)
		err = JetDetachDatabase(sesid, path);
	if (sesid)
		JetEndSession(sesid, 0);
	if (inst) {
		JET_ERR e2 = JetTerm(inst);
		if (err >= 0)
			err = e2;
	}
	if (err < 0) {
		ju_jet_err(err, "create %s", db);
		return JU_ERROR;
	}
	printf("%s: created (page size %lu), log folder %s\n", db, ps ? ps : 8192ul, logdir);
	return JU_OK;
}

/* ------------------------------------------------------------------ */
/* recover                                                            */
/* ------------------------------------------------------------------ */

static const char usage_recover[] =
	"usage: jetutil recover DATABASE\n"
	"Soft recovery, offline: replays the committed transactions of DATABASE.jetlog/\n"
	"that the last checkpoint lacks, and leaves the database clean. A clean database\n"
	"is left alone. Refused while a jetfs has the database mounted.\n";

static JET_ERR read_header(const char *db, db_header *h)
{
	ju_db d;
	CallR(ju_db_open(db, 16, &d));
	*h = d.hdr;
	ju_db_close(&d);
	return JET_errSuccess;
}

/* Does DATABASE.jetlog/edb.chk name this database file (path resolved as
 * recovery resolves it, same signature)? Recovery rewrites the checkpoint
 * file without the databases it cannot find, so a mismatch must be caught
 * before JetInit runs. Fills names (a list for the message). */
static bool chk_names_db(const char *db, const db_header *h, char *names, size_t cbNames)
{
	char chk[PATH_MAX], logdir[PATH_MAX], real_db[PATH_MAX];
	bool found = false;
	uint64_t best_seq = 0;
	names[0] = 0;
	ju_log_dir(db, logdir, sizeof(logdir));
	if (snprintf(chk, sizeof(chk), "%sedb.chk", logdir) >= (int)sizeof(chk) ||
	    !realpath(db, real_db))
		return false;
	uint8_t *buf = malloc(32768);
	int fd = open(chk, O_RDONLY | O_CLOEXEC);
	for (int copy = 0; buf && fd >= 0 && copy < 2; copy++) {
		if (pread(fd, buf, 32768, (off_t)copy * 32768) != 32768 ||
		    memcmp(buf, "JETCHK01", 8) != 0 || crc32c(buf, 32768 - 4) != get_le32(buf + 32768 - 4))
			continue;
		uint64_t seq = get_le64(buf + 8);
		if (best_seq && seq <= best_seq)
			continue;
		best_seq = seq;
		found = false;
		names[0] = 0;
		uint32_t ndbs = get_le32(buf + 40);
		size_t off = 44;
		for (uint32_t i = 0; i < ndbs && i < 16 && off + 19 <= 32768 - 4; i++) {
			uint16_t len = get_le16(buf + off + 17);
			if (off + 19 + len > 32768 - 4)
				break;
			char path[PATH_MAX * 2], real[PATH_MAX];
			const char *pp = (const char *)buf + off + 19;
			if (len && pp[0] == '/')
				snprintf(path, sizeof(path), "%.*s", (int)len, pp);
			else
				snprintf(path, sizeof(path), "%s%.*s", logdir, (int)len, pp);
			size_t used = strlen(names);
			if (snprintf(names + used, cbNames - used, "%s%s", used ? ", " : "", path) >=
			    (int)(cbNames - used))
				names[used] = 0;
			if (realpath(path, real) && !strcmp(real, real_db) &&
			    !memcmp(buf + off + 1, h->signature, 16))
				found = true;
			off += 19 + len;
		}
	}
	if (fd >= 0)
		close(fd);
	free(buf);
	return found;
}

static int do_recover(const char *db, bool quiet)
{
	db_header before, after;
	char chk[PATH_MAX];
	JET_ERR err = read_header(db, &before);
	if (err < 0) {
		ju_jet_err(err, "%s", db);
		return JU_ERROR;
	}
	if (before.state != JET_dbstateDirtyShutdown) {
		if (!quiet)
			printf("%s: %s; nothing to recover (checkpoint version %llu)\n", db,
			       ju_state_name(before.state), (unsigned long long)before.ckpt_version);
		return JU_OK;
	}
	if (snprintf(chk, sizeof(chk), "%s.jetlog/edb.chk", db) >= (int)sizeof(chk) ||
	    access(chk, R_OK) < 0) {
		ju_err("%s: dirty, but %s is missing: the log is needed to recover", db, chk);
		return JU_ERROR;
	}
	char names[4096];
	if (!chk_names_db(db, &before, names, sizeof(names))) {
		ju_err("%s: dirty, but %s does not name this database (it names: %s); nothing done",
		       db, chk, names[0] ? names : "none");
		return JU_ERROR;
	}
	JET_INSTANCE inst = 0;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	err = ju_jet_open(db, before.page_size, &inst);
	if (err >= 0)
		err = JetTerm(inst);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (err < 0) {
		ju_jet_err(err, "%s: recovery failed; the database is unchanged", db);
		return JU_ERROR;
	}
	err = read_header(db, &after);
	if (err < 0) {
		ju_jet_err(err, "%s", db);
		return JU_ERROR;
	}
	if (after.state != JET_dbstateCleanShutdown) {
		ju_err("%s: still %s after recovery: the log folder does not name this file "
		       "(was the database moved?)",
		       db, ju_state_name(after.state));
		return JU_ERROR;
	}
	if (!quiet)
		printf("%s: was dirty at checkpoint version %llu; replayed the log to version %llu "
		       "(%llu commits) in %.3f s; now clean\n",
		       db, (unsigned long long)before.ckpt_version, (unsigned long long)after.ckpt_version,
		       (unsigned long long)(after.ckpt_version - before.ckpt_version),
		       (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	return JU_OK;
}

static int cmd_recover(int argc, char **argv)
{
	if (ju_want_help(argc, argv)) {
		fputs(usage_recover, stdout);
		return JU_OK;
	}
	if (argc != 2 || argv[1][0] == '-') {
		fputs(usage_recover, stderr);
		return JU_USAGE;
	}
	char db[PATH_MAX];
	if (ju_abs_path(argv[1], db, sizeof(db)) < 0 || access(db, F_OK) < 0) {
		ju_err("%s: %s", argv[1], strerror(errno));
		return JU_ERROR;
	}
	int rc = ju_hold_offline(db, "recovery");
	return rc ? rc : do_recover(db, false);
}

/* ------------------------------------------------------------------ */
/* Copying files                                                      */
/* ------------------------------------------------------------------ */

static int fsync_dir_of(const char *path)
{
	char dir[PATH_MAX];
	snprintf(dir, sizeof(dir), "%s", path);
	int fd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int r = fsync(fd);
	close(fd);
	return r;
}

/* Copies src to dst through dst.tmp, synced, renamed into place. */
static int copy_file(const char *src, const char *dst, const char *what, uint64_t *pbytes)
{
	char tmp[PATH_MAX + 8];
	int in = -1, out = -1, rc = -1;
	uint8_t *buf = malloc(4u << 20);
	struct stat st;
	snprintf(tmp, sizeof(tmp), "%s.tmp", dst);
	in = open(src, O_RDONLY | O_CLOEXEC);
	if (!buf || in < 0 || fstat(in, &st) < 0) {
		ju_err("%s: %s", src, strerror(errno));
		goto done;
	}
	posix_fadvise(in, 0, 0, POSIX_FADV_SEQUENTIAL);
	out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (out < 0) {
		ju_err("%s: %s", tmp, strerror(errno));
		goto done;
	}
	ju_progress pr;
	ju_progress_begin(&pr, what, (uint64_t)st.st_size);
	uint64_t done_bytes = 0;
	for (;;) {
		ssize_t r = read(in, buf, 4u << 20);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			ju_err("%s: %s", src, strerror(errno));
			goto done;
		}
		if (r == 0)
			break;
		for (ssize_t off = 0; off < r;) {
			ssize_t w = write(out, buf + off, (size_t)(r - off));
			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0) {
				ju_err("%s: %s", tmp, strerror(errno));
				goto done;
			}
			off += w;
		}
		done_bytes += (uint64_t)r;
		ju_progress_set(&pr, done_bytes);
	}
	ju_progress_end(&pr);
	if (fsync(out) < 0 || close(out) < 0) {
		out = -1;
		ju_err("%s: %s", tmp, strerror(errno));
		goto done;
	}
	out = -1;
	if (rename(tmp, dst) < 0) {
		ju_err("rename %s to %s: %s", tmp, dst, strerror(errno));
		goto done;
	}
	fsync_dir_of(dst);
	if (pbytes)
		*pbytes = done_bytes;
	rc = 0;
done:
	if (out >= 0) {
		close(out);
	}
	if (rc < 0)
		unlink(tmp);
	if (in >= 0)
		close(in);
	free(buf);
	return rc;
}

static uint64_t file_size(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (uint64_t)st.st_size : 0;
}

static double elapsed(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* ------------------------------------------------------------------ */
/* backup / restore                                                   */
/* ------------------------------------------------------------------ */

static const char usage_backup[] =
	"usage: jetutil backup DATABASE DEST\n"
	"Offline copy of a cleanly shut down database (just the file is needed) to DEST\n"
	"(a file, or a directory to copy into). A mounted database is refused: copy\n"
	"MOUNTPOINT/.backup/ instead. A dirty database is refused: jetutil recover first.\n";

static const char usage_restore[] =
	"usage: jetutil restore BACKUP DATABASE\n"
	"Checks BACKUP, copies it over DATABASE (atomically, by rename) and checks the\n"
	"result. Refused while DATABASE is mounted, or when BACKUP fails the check.\n";

static int cmd_backup(int argc, char **argv)
{
	if (ju_want_help(argc, argv)) {
		fputs(usage_backup, stdout);
		return JU_OK;
	}
	if (argc != 3 || argv[1][0] == '-' || argv[2][0] == '-') {
		fputs(usage_backup, stderr);
		return JU_USAGE;
	}
	char db[PATH_MAX], dest[PATH_MAX * 2];
	if (ju_abs_path(argv[1], db, sizeof(db)) < 0 || access(db, R_OK) < 0) {
		ju_err("%s: %s", argv[1], strerror(errno));
		return JU_ERROR;
	}
	int rc = ju_hold_offline(db, "jetutil backup");
	if (rc)
		return rc;
	struct stat st;
	if (stat(argv[2], &st) == 0 && S_ISDIR(st.st_mode)) {
		char b[PATH_MAX];
		snprintf(b, sizeof(b), "%s", db);
		snprintf(dest, sizeof(dest), "%s/%s", argv[2], basename(b));
	} else {
		snprintf(dest, sizeof(dest), "%s", argv[2]);
	}
	db_header h;
	JET_ERR err = read_header(db, &h);
	if (err < 0) {
		ju_jet_err(err, "%s", db);
		return JU_ERROR;
	}
	if (h.state == JET_dbstateDirtyShutdown) {
		ju_err("%s: dirty shutdown: run `jetutil recover %s` first (the copy would need "
		       "the log)",
		       argv[1], argv[1]);
		return JU_ERROR;
	}
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	uint64_t bytes = 0;
	if (copy_file(db, dest, "backup", &bytes) < 0)
		return JU_ERROR;
	double s = elapsed(&t0);
	printf("%s: %llu bytes copied to %s in %.3f s (%.1f MiB/s); state %s, checkpoint "
	       "version %llu\n",
	       argv[1], (unsigned long long)bytes, dest, s,
	       s > 0 ? (double)bytes / s / 1048576.0 : 0.0, ju_state_name(h.state),
	       (unsigned long long)h.ckpt_version);
	return JU_OK;
}

static int cmd_restore(int argc, char **argv)
{
	if (ju_want_help(argc, argv)) {
		fputs(usage_restore, stdout);
		return JU_OK;
	}
	if (argc != 3 || argv[1][0] == '-' || argv[2][0] == '-') {
		fputs(usage_restore, stderr);
		return JU_USAGE;
	}
	const char *bk = argv[1];
	char db[PATH_MAX];
	if (ju_abs_path(argv[2], db, sizeof(db)) < 0) {
		ju_err("%s: %s", argv[2], strerror(errno));
		return JU_ERROR;
	}
	int rc = ju_hold_offline(db, "jetutil restore");
	if (rc)
		return rc;
	db_header h;
	JET_ERR err = read_header(bk, &h);
	if (err < 0) {
		ju_jet_err(err, "%s", bk);
		return JU_ERROR;
	}
	if (h.state == JET_dbstateDirtyShutdown) {
		ju_err("%s: a dirty copy: it cannot be restored without its log", bk);
		return JU_ERROR;
	}
	rc = ju_check_db(bk, 0, 0);
	if (rc) {
		ju_err("%s: fails the check; nothing restored", bk);
		return rc;
	}
	uint64_t bytes = 0;
	if (copy_file(bk, db, "restore", &bytes) < 0)
		return JU_ERROR;
	rc = ju_check_db(db, 0, 0);
	if (rc) {
		ju_err("%s: the restored copy fails the check", db);
		return rc;
	}
	printf("%s: restored from %s (%llu bytes); check passed\n", argv[2], bk,
	       (unsigned long long)bytes);
	return JU_OK;
}

/* ------------------------------------------------------------------ */
/* compact                                                            */
/* ------------------------------------------------------------------ */

static const char usage_compact[] =
	"usage: jetutil compact DATABASE\n"
	"Copies every tree of DATABASE (a clean one) into a new, dense file, checks it,\n"
	"and renames it over DATABASE; on any failure DATABASE is left as it was.\n"
	"Refused while a jetfs has the database mounted.\n";

#define COMPACT_BATCH 20000

int ju_rm_dir(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -1;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		char p[PATH_MAX * 2];
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		unlink(p);
	}
	closedir(d);
	return rmdir(dir);
}

/* Copies every tree of src into a new database at dst (engine internals:
 * a replay-mode session writes no log and takes no locks; the final
 * eng_term checkpoints the result clean). */
static JET_ERR compact_copy(ju_db *src, const char *dst, const char *dstlog, uint64_t *prows)
{
	JET_ERR err = JET_errSuccess;
	jinst *inst = NULL;
	jdb *db = NULL;
	jsess *s = NULL;
	bt_cursor *dir = NULL, *cur = NULL;
	bool inited = false;
	uint64_t n = 0, rows = 0;

	Call(eng_inst_create("jetutil-compact", &inst));
	eng_params *p = eng_inst_params(inst);
	if (strlen(dstlog) >= sizeof(p->log_path))
		Error(JET_errInvalidPath);
	strcpy(p->system_path, dstlog);
	strcpy(p->log_path, dstlog);
	strcpy(p->temp_path, dstlog);
	p->page_size = src->page_size;
	p->create_path_if_not_exist = true;
	p->circular_log = true;
	p->cache_size_max = 32768;
	p->vfs = os_vfs_posix();
	Call(eng_init(inst, 0));
	inited = true;
	Call(eng_db_create(inst, dst, true, &db));
	Call(eng_sess_begin_internal(inst, true, &s));

	/* Progress: pages of the original read so far (each is read once: its
	 * cache holds them while a tree is copied) out of the pages it covers. */
	uint64_t total = (uint64_t)src->hdr.page_count;
	jcache_stats cs;
	ju_progress pr;
	ju_progress_begin(&pr, "compact", total);
	Call(bt_cursor_open(src->cache, src->hdr.dir_root, &dir));
	Call(bt_cursor_open(src->cache, src->hdr.dir_root, &cur));
	for (err = bt_first(dir); err >= 0; err = bt_next(dir)) {
		const void *k, *v;
		size_t cbk, cbv;
		eng_tree_info info;
		Call(bt_cursor_key(dir, &k, &cbk));
		Call(bt_cursor_value(dir, &v, &cbv));
		if (cbk != 4)
			Error(JET_errDatabaseCorrupted);
		Call(eng_dir_decode(v, cbv, &info));
		const uint8_t *kb = k;
		uint32_t objid = (uint32_t)kb[0] << 24 | (uint32_t)kb[1] << 16 | (uint32_t)kb[2] << 8 | kb[3];
		Call(eng_txn_begin(s, false));
		if (objid != OBJID_CATALOG && objid != OBJID_CATALOG_NAME)
			Call(txn_create_tree_with_objid(s, db, objid));
		bt_cursor_reset(cur, info.root);
		for (err = bt_first(cur); err >= 0; err = bt_next(cur)) {
			const void *ek, *ev;
			size_t cbek, cbev;
			Call(bt_cursor_key(cur, &ek, &cbek));
			Call(bt_cursor_value(cur, &ev, &cbev));
			Call(eng_put(s, db, objid, ek, cbek, ev, cbev, 0));
			rows++;
			if (++n % COMPACT_BATCH == 0) {
				Call(eng_txn_commit(s, JET_bitCommitLazyFlush));
				Call(eng_txn_begin(s, false));
			}
			if (n % 1024 == 0) {
				jcache_stats_get(src->cache, &cs);
				ju_progress_set(&pr, JET_MIN(cs.reads, total));
			}
		}
		if (err != JET_errNoCurrentRecord && err != JET_errRecordNotFound)
			Call(err);
		Call(txn_set_tree_info(s, db, objid, info.counter, info.changed_ns, info.modifications));
		Call(eng_txn_commit(s, JET_bitCommitLazyFlush));
		jcache_stats_get(src->cache, &cs);
		ju_progress_set(&pr, JET_MIN(cs.reads, total));
	}
	if (err != JET_errNoCurrentRecord && err != JET_errRecordNotFound)
		Call(err);
	err = JET_errSuccess;
	ju_progress_end(&pr);
	/* Tree ids are never reused: the copy hands out what the original would. */
	for (uint32_t o = eng_db_new_objid(db); o + 1 < src->hdr.next_objid; o = eng_db_new_objid(db))
		;
	*prows = rows;
HandleError:
	if (cur)
		bt_cursor_close(cur);
	if (dir)
		bt_cursor_close(dir);
	if (s) {
		if (err < 0 && eng_txn_level(s) > 0)
			eng_txn_rollback(s, true);
		eng_sess_end(s);
	}
	if (inited) {
		JET_ERR e2 = eng_term(inst, err < 0 ? JET_bitTermAbrupt : 0);
		if (err >= 0)
			err = e2;
	}
	if (inst)
		eng_inst_destroy(inst);
	return err;
}

static int cmd_compact(int argc, char **argv)
{
	if (ju_want_help(argc, argv)) {
		fputs(usage_compact, stdout);
		return JU_OK;
	}
	if (argc != 2 || argv[1][0] == '-') {
		fputs(usage_compact, stderr);
		return JU_USAGE;
	}
	char db[PATH_MAX], tmp[PATH_MAX + 16], tmplog[PATH_MAX + 32];
	if (ju_abs_path(argv[1], db, sizeof(db)) < 0 || access(db, R_OK | W_OK) < 0) {
		ju_err("%s: %s", argv[1], strerror(errno));
		return JU_ERROR;
	}
	int rc = ju_hold_offline(db, "compaction");
	if (rc)
		return rc;
	snprintf(tmp, sizeof(tmp), "%s.compact", db);
	snprintf(tmplog, sizeof(tmplog), "%s.compact.jetlog/", db);
	ju_db src;
	JET_ERR err = ju_db_open(db, 8192, &src);
	if (err < 0) {
		ju_jet_err(err, "%s", argv[1]);
		return JU_ERROR;
	}
	if (src.hdr.state == JET_dbstateDirtyShutdown) {
		ju_db_close(&src);
		ju_err("%s: dirty shutdown: run `jetutil recover %s` first", argv[1], argv[1]);
		return JU_ERROR;
	}
	uint64_t before = file_size(db), rows = 0;
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	unlink(tmp);
	ju_rm_dir(tmplog);
	err = compact_copy(&src, tmp, tmplog, &rows);
	ju_db_close(&src);
	ju_rm_dir(tmplog);
	if (err < 0) {
		ju_jet_err(err, "%s: compaction failed; the database is unchanged", argv[1]);
		unlink(tmp);
		return JU_ERROR;
	}
	rc = ju_check_db(tmp, 0, 0);
	if (rc) {
		ju_err("%s: the compacted copy fails the check; the database is unchanged", argv[1]);
		unlink(tmp);
		return JU_ERROR;
	}
	int fd = open(tmp, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) < 0 || rename(tmp, db) < 0) {
		ju_err("%s: cannot replace the database: %s; it is unchanged", argv[1], strerror(errno));
		if (fd >= 0)
			close(fd);
		unlink(tmp);
		return JU_ERROR;
	}
	close(fd);
	fsync_dir_of(db);
	uint64_t after = file_size(db);
	printf("%s: %llu -> %llu bytes (%.1f%%), %llu entries copied in %.3f s\n", argv[1],
	       (unsigned long long)before, (unsigned long long)after,
	       before ? 100.0 * (double)after / (double)before : 0.0, (unsigned long long)rows,
	       elapsed(&t0));
	return JU_OK;
}

/* ------------------------------------------------------------------ */
/* info                                                               */
/* ------------------------------------------------------------------ */

static const char usage_info[] = "usage: jetutil info [--json] DATABASE\n"
				 "Page size, state, sizes, and each table with its row count.\n";

static JET_ERR count_free(void *ctx, uint32_t first, uint32_t count)
{
	(void)first;
	*(uint64_t *)ctx += count;
	return JET_errSuccess;
}

static int cmd_info(int argc, char **argv)
{
	int json = 0;
	const char *path = NULL;
	if (ju_want_help(argc, argv)) {
		fputs(usage_info, stdout);
		return JU_OK;
	}
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = 1;
		else if (argv[i][0] == '-' || path) {
			fputs(usage_info, stderr);
			return JU_USAGE;
		} else
			path = argv[i];
	}
	if (!path) {
		fputs(usage_info, stderr);
		return JU_USAGE;
	}
	if (ju_is_ese(path))
		return ju_ese_info(path, json);
	ju_db d;
	JET_ERR err = ju_db_open(path, 4096, &d);
	if (err < 0) {
		ju_jet_err(err, "%s", path);
		return JU_ERROR;
	}
	uint64_t nfree = 0;
	uint32_t catroot = 0;
	ju_catrow *rows = NULL;
	size_t n = 0;
	if (d.hdr.freelist_head)
		err = space_read_list(d.cache, d.hdr.freelist_head, count_free, &nfree);
	if (err >= 0)
		err = ju_dir_root(&d, d.hdr.dir_root, OBJID_CATALOG, &catroot);
	if (err >= 0)
		err = ju_catalog_read(&d, catroot, &rows, &n);
	if (err < 0) {
		ju_jet_err(err, "%s", path);
		ju_db_close(&d);
		return JU_ERROR;
	}
	uint64_t fbytes = (uint64_t)d.file_pages * d.page_size;
	if (json) {
		printf("{\"database\":");
		ju_json_str(stdout, path);
		printf(",\"page_size\":%u,\"state\":\"%s\",\"file_bytes\":%llu,\"pages\":%u,"
		       "\"free_pages\":%llu,\"checkpoint_version\":%llu,\"tables\":[",
		       d.page_size, ju_state_name(d.hdr.state), (unsigned long long)fbytes,
		       d.file_pages, (unsigned long long)nfree, (unsigned long long)d.hdr.ckpt_version);
	} else {
		printf("database:   %s\npage size:  %u\nstate:      %s\nfile size:  %llu bytes "
		       "(%u pages)\nfree pages: %llu\ncheckpoint: version %llu\ntables:\n",
		       path, d.page_size, ju_state_name(d.hdr.state), (unsigned long long)fbytes,
		       d.file_pages, (unsigned long long)nfree, (unsigned long long)d.hdr.ckpt_version);
	}
	int nt = 0, rc = JU_OK;
	for (size_t i = 0; i < n; i++) {
		if (rows[i].type != 1)
			continue;
		uint32_t root = 0;
		uint64_t cnt = 0;
		err = ju_dir_root(&d, d.hdr.dir_root, rows[i].id, &root);
		if (err >= 0 && root)
			err = bt_count(d.cache, root, &cnt);
		if (err < 0) {
			ju_jet_err(err, "table %s", rows[i].name);
			rc = JU_ERROR;
		}
		if (json) {
			printf("%s{\"name\":", nt++ ? "," : "");
			ju_json_str(stdout, rows[i].name);
			printf(",\"objid\":%u,\"rows\":%llu}", rows[i].id, (unsigned long long)cnt);
		} else {
			printf("  %-32s %12llu rows\n", rows[i].name, (unsigned long long)cnt);
		}
	}
	if (json)
		printf("]}\n");
	free(rows);
	ju_db_close(&d);
	return rc;
}

/* ------------------------------------------------------------------ */
/* main                                                               */
/* ------------------------------------------------------------------ */

/* export of a database written by Microsoft's ESE goes to its own reader
 * (jetutil_ese.c, read-only); any other to the CSV exporter. */
static int cmd_export(int argc, char **argv)
{
	if (argc == 3 && argv[1][0] != '-' && ju_is_ese(argv[1]))
		return ju_ese_export(argv[1], argv[2]);
	return ju_cmd_export(argc, argv);
}

static const struct {
	const char *name;
	int (*fn)(int, char **);
	const char *what;
} commands[] = {
	{"create", cmd_create, "create [--page-size N] DATABASE    a new, empty database"},
	{"check", ju_cmd_check, "check [--json] DATABASE             offline integrity check"},
	{"dump", ju_cmd_dump, "dump [--json] header|space|catalog|log|page N DATABASE"},
	{"recover", cmd_recover, "recover DATABASE                    soft recovery from its log"},
	{"compact", cmd_compact, "compact DATABASE                    copy into a dense file"},
	{"backup", cmd_backup, "backup DATABASE DEST                offline copy"},
	{"restore", cmd_restore, "restore BACKUP DATABASE             copy back and check"},
	{"info", cmd_info, "info [--json] DATABASE              sizes, state, tables, rows"},
	{"export", cmd_export, "export DATABASE DIRECTORY           tables as CSV, with schemas"},
	{"import", ju_cmd_import, "import DIRECTORY DATABASE           a new database from CSV"},
};

static void usage(FILE *f)
{
	fprintf(f, "usage: jetutil COMMAND [ARGS]   (jetutil COMMAND --help)\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %s\n", commands[i].what);
	fprintf(f, "exit: 0 ok, 1 problems found, 2 usage, 3 not supported, 4 error\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return JU_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return JU_OK;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name)) {
			int rc = commands[i].fn(argc - 1, argv + 1);
			if (fflush(stdout) != 0 && rc == JU_OK)
				rc = JU_ERROR;
			return rc;
		}
	ju_err("unknown command: %s", argv[1]);
	usage(stderr);
	return JU_USAGE;
}
