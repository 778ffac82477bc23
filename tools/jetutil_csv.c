/*
 * jetutil_csv.c - `jetutil export DATABASE DIR` and `jetutil import DIR
 * DATABASE`: a database as a folder of CSV tables with schema files, the
 * layout and bytes of a jetfs mount (docs/fs.md, docs/csv.md).
 *
 * Both run jetfs's own modules (fuse/libjetfs.la) over a JET instance of
 * their own, offline (the lock file held, as jetfs holds it):
 *   export  one transaction (a snapshot): each table's definition rendered
 *           by schema.c, its rows in primary-key order by dbview.c's row
 *           renderer (what tread.c serves as T.csv);
 *   import  into a new database: every .schema/NAME applied first
 *           (schema.c: creates the table with its types and indexes), then
 *           every NAME.csv applied as the mount applies a written file
 *           (apply.c: one transaction per table). A CSV without a schema
 *           file makes a table of LongText columns, as in the mount.
 * So export, import, export gives the same folder byte for byte, with one
 * exception the engine imposes: an autoincrement column cannot be set
 * (JetSetColumn refuses, as ESE does), so import lets the engine number
 * those rows afresh (1, 2, ... in file order): equal only when the values
 * were dense from 1. import counts such tables and says so.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fs_int.h"
#include "jetutil.h"
#include "jetutil_csv.h"
#include "names.h"

#define OUT_FLUSH_BYTES ((size_t)1 << 20)
#define IN_CHUNK ((size_t)1 << 20)

/* ------------------------------------------------------------------ */
/* Writing the folder (jetutil_csv.h)                                 */
/* ------------------------------------------------------------------ */

static JET_ERR io_err(int e)
{
	return (e == ENOSPC || e == EDQUOT) ? JET_errDiskFull : JET_errDiskIO;
}

static JET_ERR write_all(int fd, const char *p, size_t n, const char *path)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			int e = errno;
			ju_err("%s: %s", path, strerror(e));
			return io_err(e);
		}
		p += w;
		n -= (size_t)w;
	}
	return JET_errSuccess;
}

JET_ERR ju_out_dir_create(const char *dir)
{
	char sch[PATH_MAX];
	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		ju_err("%s: %s", dir, strerror(errno));
		return io_err(errno);
	}
	DIR *d = opendir(dir);
	if (!d) {
		ju_err("%s: %s", dir, strerror(errno));
		return JET_errFileAccessDenied;
	}
	struct dirent *e;
	bool empty = true;
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			empty = false;
	closedir(d);
	if (!empty) {
		ju_err("%s: not empty (export writes into a new or empty folder)", dir);
		return JET_errInvalidPath;
	}
	if (snprintf(sch, sizeof(sch), "%s/.schema", dir) >= (int)sizeof(sch))
		return JET_errInvalidPath;
	if (mkdir(sch, 0755) < 0) {
		ju_err("%s: %s", sch, strerror(errno));
		return io_err(errno);
	}
	return JET_errSuccess;
}

JET_ERR ju_csv_out_open(ju_csv_out *o, const char *dir, const char *table)
{
	char file[NAME_FILE_MAX];
	memset(o, 0, sizeof(*o));
	o->fd = -1;
	csv_buf_init(&o->buf);
	CallR(name_table_to_file(table, file, sizeof(file)));
	if (snprintf(o->path, sizeof(o->path), "%s/%s", dir, file) >= (int)sizeof(o->path) ||
	    snprintf(o->tmp, sizeof(o->tmp), "%s/.%s.tmp", dir, file) >= (int)sizeof(o->tmp))
		return JET_errInvalidPath;
	o->fd = open(o->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (o->fd < 0) {
		ju_err("%s: %s", o->tmp, strerror(errno));
		return io_err(errno);
	}
	return JET_errSuccess;
}

JET_ERR ju_csv_out_flush(ju_csv_out *o, bool force)
{
	if (o->buf.len == 0 || (!force && o->buf.len < OUT_FLUSH_BYTES))
		return JET_errSuccess;
	CallR(write_all(o->fd, o->buf.p, o->buf.len, o->tmp));
	o->bytes += o->buf.len;
	o->buf.len = 0;
	return JET_errSuccess;
}

JET_ERR ju_csv_out_close(ju_csv_out *o, bool keep)
{
	JET_ERR err = JET_errSuccess;
	if (o->fd < 0) {
		csv_buf_free(&o->buf);
		return JET_errSuccess;
	}
	if (keep) {
		Call(ju_csv_out_flush(o, true));
		if (fsync(o->fd) < 0) {
			ju_err("%s: %s", o->tmp, strerror(errno));
			Error(io_err(errno));
		}
	}
	if (close(o->fd) < 0 && keep) {
		o->fd = -1;
		ju_err("%s: %s", o->tmp, strerror(errno));
		Error(io_err(errno));
	}
	o->fd = -1;
	if (keep && rename(o->tmp, o->path) < 0) {
		ju_err("rename %s to %s: %s", o->tmp, o->path, strerror(errno));
		Error(io_err(errno));
	}
HandleError:
	if (o->fd >= 0)
		close(o->fd);
	o->fd = -1;
	if (!keep || err < 0)
		unlink(o->tmp);
	csv_buf_free(&o->buf);
	return err;
}

JET_ERR ju_schema_out(const char *dir, const jfs_table *t)
{
	JET_ERR err = JET_errSuccess;
	char file[NAME_FILE_MAX], path[PATH_MAX];
	csv_buf text;
	int fd = -1;
	csv_buf_init(&text);
	Call(name_table_to_schema(t->name, file, sizeof(file)));
	if (snprintf(path, sizeof(path), "%s/.schema/%s", dir, file) >= (int)sizeof(path))
		Error(JET_errInvalidPath);
	Call(jfs_schema_render(t, &text));
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		ju_err("%s: %s", path, strerror(errno));
		Error(io_err(errno));
	}
	Call(write_all(fd, text.p, text.len, path));
	if (fsync(fd) < 0) {
		ju_err("%s: %s", path, strerror(errno));
		Error(io_err(errno));
	}
HandleError:
	if (fd >= 0 && close(fd) < 0 && err >= 0) {
		ju_err("%s: %s", path, strerror(errno));
		err = io_err(errno);
	}
	csv_buf_free(&text);
	return err;
}

/* ------------------------------------------------------------------ */
/* A JET instance and a jetfs view of the database                    */
/* ------------------------------------------------------------------ */

typedef struct ju_mount {
	jfs fs;
	char db[PATH_MAX];
	char logdir[PATH_MAX];
	bool attached;
} ju_mount;

/* create: a new database (it must not exist), else attach an existing one. */
static JET_ERR mount_open(ju_mount *m, const char *db, bool create, bool readonly,
			  unsigned long page_size)
{
	JET_ERR err = JET_errSuccess;
	JET_SESID ses = 0;
	JET_DBID dbid = 0;
	memset(m, 0, sizeof(*m));
	snprintf(m->db, sizeof(m->db), "%s", db);
	ju_log_dir(db, m->logdir, sizeof(m->logdir));
	m->fs.db_path = m->db;
	m->fs.log_dir = m->logdir;
	m->fs.readonly = readonly;
	m->fs.foreground = true; /* apply.c's and schema.c's messages to stderr */
	Call(ju_jet_open(db, page_size, &m->fs.inst));
	Call(JetBeginSession(m->fs.inst, &ses, NULL, NULL));
	if (create) {
		Call(JetCreateDatabase(ses, db, NULL, &dbid, 0));
		Call(JetCloseDatabase(ses, dbid, 0));
	} else {
		Call(JetAttachDatabase(ses, db, readonly ? JET_bitDbReadOnly : 0));
	}
	m->attached = true;
HandleError:
	if (ses)
		JetEndSession(ses, 0);
	return err;
}

static JET_ERR mount_close(ju_mount *m, bool ok)
{
	JET_ERR err = JET_errSuccess;
	if (m->fs.inst)
		err = JetTerm2(m->fs.inst, ok ? JET_bitTermComplete : JET_bitTermAbrupt);
	m->fs.inst = 0;
	return err;
}

/* ------------------------------------------------------------------ */
/* export                                                             */
/* ------------------------------------------------------------------ */

static const char usage_export[] =
	"usage: jetutil export DATABASE DIRECTORY\n"
	"Writes every table of DATABASE as DIRECTORY/NAME.csv and its columns and\n"
	"indexes as DIRECTORY/.schema/NAME: the files a jetfs mount shows, from one\n"
	"snapshot. DIRECTORY must be new or empty. A dirty database is recovered from\n"
	"its log first. Refused while mounted: copy the mount instead (cp -r MOUNT/. DIR).\n"
	"`jetutil import DIRECTORY NEWDATABASE` reads it back.\n";

static JET_ERR export_table(jfs_sess *s, const char *dir, const char *name, uint64_t *prows,
			    uint64_t *pbytes)
{
	JET_ERR err = JET_errSuccess;
	jfs_table *t = NULL;
	JET_TABLEID tid = JET_tableidNil;
	jfs_rowbuf rb;
	bool have_rb = false, have_out = false;
	ju_csv_out o;

	Call(jfs_table_load(s, name, &t));
	Call(ju_schema_out(dir, t));
	Call(ju_csv_out_open(&o, dir, name));
	have_out = true;
	Call(jfs_render_header(t, &o.buf));
	if (t->ncols > 0) { /* a table without columns is an empty file */
		Call(JetOpenTable(s->sesid, s->dbid, name, NULL, 0, JET_bitTableReadOnly, &tid));
		Call(jfs_rowbuf_init(&rb, t));
		have_rb = true;
		for (err = JetMove(s->sesid, tid, JET_MoveFirst, 0); err >= 0;
		     err = JetMove(s->sesid, tid, JET_MoveNext, 0)) {
			Call(jfs_rowbuf_render(&rb, s->sesid, tid, &o.buf, NULL));
			o.rows++;
			Call(ju_csv_out_flush(&o, false));
		}
		if (err != JET_errNoCurrentRecord)
			goto HandleError;
		err = JET_errSuccess;
	}
	*prows = o.rows;
	Call(ju_csv_out_flush(&o, true));
	*pbytes = o.bytes;
	have_out = false;
	Call(ju_csv_out_close(&o, true));
HandleError:
	if (have_out)
		ju_csv_out_close(&o, false);
	if (have_rb)
		jfs_rowbuf_free(&rb);
	if (tid != JET_tableidNil)
		JetCloseTable(s->sesid, tid);
	if (t)
		jfs_table_put(t);
	return err;
}

int ju_cmd_export(int argc, char **argv)
{
	if (ju_want_help(argc, argv)) {
		fputs(usage_export, stdout);
		return JU_OK;
	}
	if (argc != 3 || argv[1][0] == '-' || argv[2][0] == '-') {
		fputs(usage_export, stderr);
		return JU_USAGE;
	}
	char db[PATH_MAX];
	const char *dir = argv[2];
	if (ju_abs_path(argv[1], db, sizeof(db)) < 0 || access(db, R_OK) < 0) {
		ju_err("%s: %s", argv[1], strerror(errno));
		return JU_ERROR;
	}
	int rc = ju_hold_offline(db, "jetutil export");
	if (rc)
		return rc;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ju_mount m;
	jfs_sess *s = NULL;
	char **names = NULL;
	size_t n = 0;
	uint64_t rows = 0, bytes = 0;
	const char *table = NULL;
	JET_ERR err = ju_out_dir_create(dir);
	if (err < 0)
		return JU_ERROR;
	err = mount_open(&m, db, false, true, 0);
	if (err >= 0)
		err = jfs_sess_new(&m.fs, true, &s); /* one snapshot for every table */
	if (err >= 0)
		err = jfs_list_tables(s, &names, &n);
	for (size_t i = 0; err >= 0 && i < n; i++) {
		uint64_t r = 0, b = 0;
		table = names[i];
		err = export_table(s, dir, names[i], &r, &b);
		rows += r;
		bytes += b;
	}
	if (s)
		jfs_sess_free(s);
	JET_ERR e2 = mount_close(&m, err >= 0);
	if (err >= 0)
		err = e2;
	if (err < 0) {
		if (table)
			ju_jet_err(err, "export of %s, table %s", argv[1], table);
		else
			ju_jet_err(err, "export of %s", argv[1]);
		jfs_free_names(names, n);
		return JU_ERROR;
	}
	jfs_free_names(names, n);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("%s: %zu tables, %llu rows, %llu bytes of CSV written to %s in %.3f s\n", argv[1],
	       n, (unsigned long long)rows, (unsigned long long)bytes, dir,
	       (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	return JU_OK;
}

/* ------------------------------------------------------------------ */
/* import                                                             */
/* ------------------------------------------------------------------ */

static const char usage_import[] =
	"usage: jetutil import [--page-size N] DIRECTORY DATABASE\n"
	"Creates DATABASE (it must not exist) from a folder as `jetutil export` or a\n"
	"jetfs mount writes it: each DIRECTORY/.schema/NAME makes table NAME with its\n"
	"types and indexes, then each DIRECTORY/NAME.csv fills its table (one\n"
	"transaction per table). A NAME.csv without a schema file makes a table of\n"
	"LongText columns. Autoincrement columns are numbered by the engine (their\n"
	"values cannot be set, as in ESE). On any error the new DATABASE is removed.\n";

static int name_sort(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/* Reads a whole (small) file. */
static JET_ERR read_small(const char *path, csv_buf *out)
{
	char buf[65536];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ju_err("%s: %s", path, strerror(errno));
		return JET_errFileNotFound;
	}
	for (;;) {
		ssize_t r = read(fd, buf, sizeof(buf));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			ju_err("%s: %s", path, strerror(errno));
			close(fd);
			return JET_errDiskIO;
		}
		if (r == 0)
			break;
		JET_ERR err = csv_buf_append(out, buf, (size_t)r);
		if (err < 0) {
			close(fd);
			return err;
		}
	}
	close(fd);
	return JET_errSuccess;
}

static JET_ERR import_schemas(ju_mount *m, jfs_sess *s, const char *dir, size_t *pn)
{
	JET_ERR err = JET_errSuccess;
	char sch[PATH_MAX], path[PATH_MAX * 2], table[JET_cbNameMost + 1];
	struct dirent **ents = NULL;
	int n;
	csv_buf text;
	csv_buf_init(&text);
	*pn = 0;
	snprintf(sch, sizeof(sch), "%s/.schema", dir);
	n = scandir(sch, &ents, NULL, name_sort);
	if (n < 0)
		return errno == ENOENT ? JET_errSuccess : JET_errFileAccessDenied;
	for (int i = 0; i < n; i++) {
		const char *f = ents[i]->d_name;
		if (f[0] == '.')
			continue; /* ., .., editors' scratch */
		err = name_schema_to_table(f, table);
		if (err < 0) {
			ju_err("%s/%s: not a table's schema file name", sch, f);
			Error(err);
		}
		snprintf(path, sizeof(path), "%s/%s", sch, f);
		text.len = 0;
		Call(read_small(path, &text));
		err = jfs_schema_apply(&m->fs, s, table, text.p ? text.p : "", text.len);
		if (err < 0) {
			ju_jet_err(err, "%s: schema not applied", path);
			goto HandleError;
		}
		(*pn)++;
	}
HandleError:
	for (int i = 0; i < n; i++)
		free(ents[i]);
	free(ents);
	csv_buf_free(&text);
	return err;
}

/* Stages the file's bytes and applies them to the table, as the mount
 * applies a file written in full. */
static JET_ERR import_csv(ju_mount *m, jfs_sess *s, const char *path, const char *table,
			  ju_progress *pr, uint64_t *pdone)
{
	JET_ERR err = JET_errSuccess;
	jfs_stage *st = NULL;
	char *buf = malloc(IN_CHUNK);
	uint64_t off = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ju_err("%s: %s", path, strerror(errno));
		Error(JET_errFileNotFound);
	}
	if (!buf)
		Error(JET_errOutOfMemory);
	posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	Call(jfs_stage_create(&m->fs, &st));
	for (;;) {
		ssize_t r = read(fd, buf, IN_CHUNK);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			ju_err("%s: %s", path, strerror(errno));
			Error(JET_errDiskIO);
		}
		if (r == 0)
			break;
		Call(jfs_stage_write(st, off, buf, (size_t)r));
		off += (uint64_t)r;
		*pdone += (uint64_t)r;
		ju_progress_set(pr, *pdone);
	}
	err = jfs_apply_text(&m->fs, s, table, st, 0);
	if (err < 0) {
		/* apply.c said which line and why (jetfs: TABLE: line N: ...) */
		ju_jet_err(err, "%s: not imported", path);
		goto HandleError;
	}
	*pdone += off;
	ju_progress_set(pr, *pdone);
HandleError:
	jfs_stage_destroy(st);
	if (fd >= 0)
		close(fd);
	free(buf);
	return err;
}

static bool has_autoinc(const jfs_table *t)
{
	for (int i = 0; i < t->ncols; i++)
		if (t->cols[i].grbit & JET_bitColumnAutoincrement)
			return true;
	return false;
}

static JET_ERR import_tables(ju_mount *m, jfs_sess *s, const char *dir, size_t *pn,
			     uint64_t *pbytes, uint64_t *prenumbered)
{
	JET_ERR err = JET_errSuccess;
	char path[PATH_MAX * 2], table[JET_cbNameMost + 1];
	struct dirent **ents = NULL;
	uint64_t total = 0, done = 0;
	int n = scandir(dir, &ents, NULL, name_sort);
	*pn = 0;
	if (n < 0) {
		ju_err("%s: %s", dir, strerror(errno));
		return JET_errFileAccessDenied;
	}
	/* The bytes to read, for the progress bar: each file counts twice
	 * (staged, then applied). */
	for (int i = 0; i < n; i++) {
		struct stat stt;
		snprintf(path, sizeof(path), "%s/%s", dir, ents[i]->d_name);
		if (ents[i]->d_name[0] != '.' && stat(path, &stt) == 0 && S_ISREG(stt.st_mode))
			total += 2 * (uint64_t)stt.st_size;
	}
	ju_progress pr;
	ju_progress_begin(&pr, "import", total);
	for (int i = 0; i < n; i++) {
		const char *f = ents[i]->d_name;
		struct stat stt;
		snprintf(path, sizeof(path), "%s/%s", dir, f);
		if (f[0] == '.' || stat(path, &stt) < 0 || !S_ISREG(stt.st_mode))
			continue; /* .schema, hidden and scratch files, folders */
		err = name_file_to_table(f, table);
		if (err == NAME_errNotTableFile) {
			ju_progress_end(&pr);
			ju_err("%s: not a table file (no .csv suffix); skipped", path);
			err = JET_errSuccess;
			continue;
		}
		if (err < 0) {
			ju_err("%s: not a table file name jetfs would write", path);
			goto HandleError;
		}
		Call(import_csv(m, s, path, table, &pr, &done));
		*pbytes += (uint64_t)stt.st_size;
		(*pn)++;
		/* A table with an autoincrement column: the engine numbered the rows. */
		jfs_table *t = NULL;
		Call(jfs_table_load(s, table, &t));
		bool ai = has_autoinc(t);
		jfs_table_put(t);
		if (ai) {
			ju_progress_end(&pr);
			printf("%s: an autoincrement column: the engine numbered the rows 1, 2, ...\n",
			       table);
			(*prenumbered)++;
		}
	}
HandleError:
	ju_progress_end(&pr);
	for (int i = 0; i < n; i++)
		free(ents[i]);
	free(ents);
	return err;
}

int ju_cmd_import(int argc, char **argv)
{
	unsigned long ps = 0;
	const char *args[2];
	char db[PATH_MAX], logdir[PATH_MAX];
	bool made_logdir;
	struct stat st;
	if (ju_want_help(argc, argv)) {
		fputs(usage_import, stdout);
		return JU_OK;
	}
	int rc = ju_new_db_args(argc, argv, usage_import, 2, args, &ps);
	if (rc)
		return rc;
	const char *dir = args[0];
	if (stat(dir, &st) < 0) {
		ju_err("%s: %s", dir, strerror(errno));
		return JU_ERROR;
	}
	if (!S_ISDIR(st.st_mode)) {
		ju_err("%s: not a folder", dir);
		return JU_ERROR;
	}
	rc = ju_new_db_prepare(args[1], db, logdir, &made_logdir, "jetutil import");
	if (rc)
		return rc;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ju_mount m;
	jfs_sess *s = NULL;
	size_t nschemas = 0, ntables = 0;
	uint64_t bytes = 0, renumbered = 0;
	JET_ERR err = mount_open(&m, db, true, false, ps);
	if (err >= 0)
		err = jfs_sess_new(&m.fs, false, &s);
	if (err >= 0)
		err = import_schemas(&m, s, dir, &nschemas);
	if (err >= 0)
		err = import_tables(&m, s, dir, &ntables, &bytes, &renumbered);
	if (s)
		jfs_sess_free(s);
	JET_ERR e2 = mount_close(&m, err >= 0);
	if (err >= 0)
		err = e2;
	if (err < 0) {
		ju_jet_err(err, "import of %s into %s failed; %s removed", dir, args[1], args[1]);
		unlink(db);
		if (made_logdir)
			ju_rm_dir(logdir);
		return JU_ERROR;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("%s: %zu schemas, %zu table files (%llu bytes) imported from %s in %.3f s\n",
	       args[1], nschemas, ntables, (unsigned long long)bytes, dir,
	       (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	if (renumbered)
		printf("%s: %llu table%s with an autoincrement column: the engine numbered "
		       "their rows\n",
		       args[1], (unsigned long long)renumbered, renumbered == 1 ? "" : "s");
	return JU_OK;
}
