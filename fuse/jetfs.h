/*
 * jetfs.h - the mount's internal contracts: the shared state, the view of a
 * database a session sees, and the interfaces between the FUSE callbacks
 * (fs.c) and the policy modules (reading, staging and applying writes,
 * schema files, scratch files, sessions).
 *
 * Layers: fs.c translates FUSE requests and errno; the modules below it use
 * only the JET API (<esent.h>, with libjet's extensions JetGetTableState /
 * JetAddTableCounter / JetSetTableChangedTime) and csv.h / names.h. Nothing
 * here includes engine headers.
 *
 * Sizes. A table's rendering is its header row plus one row per record. The
 * table's counter 0 (JetAddTableCounter) holds the byte length of all its
 * data rows and counter 1 holds the number of commits jetfs made to it;
 * every jetfs commit that changes a table adds the byte delta to counter 0
 * and 1 to counter 1. When counter 1 equals the table's cModifications, the
 * size is exact without rendering; otherwise another program changed the
 * table and the size is recomputed by rendering it once (and cached by
 * (objid, cModifications)).
 *
 * Times. st_mtime of a table file is JET_TABLESTATE.changedNs; utimes sets
 * it with JetSetTableChangedTime (jfs_table_set_mtime) in its own
 * transaction and, when the file is open for writing, again in the
 * transaction that applies what was written (so cp -p and rsync -a keep
 * their time); a rename of a scratch file onto a table gives the table the
 * scratch's mtime, as a rename keeps a file's.
 *
 * Concurrency. The FUSE loop is multi-threaded. A JET session serves one
 * call at a time: every jfs_sess has a mutex that its users hold across
 * their JET calls.
 */
#ifndef JETFS_H
#define JETFS_H

#include <esent.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "csv.h"
#include "names.h"

#define JFS_MAX_COLS 1024
#define JFS_COUNTER_BYTES 0 /* data-row bytes of the rendering */
#define JFS_COUNTER_MODS 1  /* commits made by jetfs */

/* The mount. */
typedef struct jfs {
	JET_INSTANCE inst;
	char *db_path;      /* absolute */
	char *log_dir;      /* DATABASE.jetlog/ : logs, checkpoint file, temp files */
	bool readonly;      /* -o ro */
	bool foreground;    /* errors to stderr (else syslog) */
	uid_t uid;
	gid_t gid;          /* owner of every node (the mounting user) */
	mode_t file_mode, dir_mode;
	struct timespec mount_time;
	void *priv;         /* fs.c's node registry, sessions, ... */
} jfs;

/* A JET session and, usually, its transaction. */
typedef struct jfs_sess {
	pthread_mutex_t mu;  /* held across every JET call on sesid */
	JET_SESID sesid;
	JET_DBID dbid;
	char name[256];      /* named session: the directory name; "" implicit */
	pid_t owner_pid;     /* implicit sessions: the process that opened the file */
	uint64_t id;         /* unique in this mount, never reused */
	struct timespec started;
	unsigned long changes; /* rows written in the current transaction */
	int refs;
} jfs_sess;

/* Errors. One mapping from JET_ERR to errno, and one log line format:
 * "jetfs: TABLE: line N: REASON" (line 0 = no line). */
int jfs_errno(JET_ERR err);
void jfs_log(const jfs *fs, const char *table, unsigned long line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* ---- dbview.c: what a session sees of the database ---- */

typedef struct jfs_col {
	char name[JET_cbNameMost + 1];
	JET_COLUMNID id;
	JET_COLTYP coltyp;
	unsigned short cp;
	unsigned long cbMax;
	JET_GRBIT grbit;     /* JET_bitColumn* (MultiValued, NotNULL, Autoincrement, ...) */
	void *pvDefault;
	unsigned long cbDefault;
} jfs_col;

typedef struct jfs_index {
	char name[JET_cbNameMost + 1];
	JET_GRBIT grbit;     /* JET_bitIndex* */
	int nseg;
	int seg[16];         /* indices into jfs_table.cols */
	bool desc[16];
} jfs_index;

/* A table's definition as one session's snapshot sees it. Immutable once
 * loaded; refcounted. */
typedef struct jfs_table {
	char name[JET_cbNameMost + 1];
	unsigned long objid;
	int ncols;
	jfs_col *cols;       /* in columnid order (the CSV column order) */
	int nindexes;
	jfs_index *indexes;
	int primary;         /* index of the primary index in indexes, -1: hidden sequential key */
	uint64_t header_len; /* bytes of the header row */
	int refs;
} jfs_table;

/* Table names as the session sees them, sorted; *pn entries. */
JET_ERR jfs_list_tables(jfs_sess *s, char ***pnames, size_t *pn);
void jfs_free_names(char **names, size_t n);
/* Loads a table's definition (JET_errObjectNotFound if none). */
JET_ERR jfs_table_load(jfs_sess *s, const char *name, jfs_table **out);
void jfs_table_put(jfs_table *t);
/* Exact rendered size, change time and a stable id (see "Sizes"). The
 * session must have the table open as tableid. */
typedef struct jfs_stat {
	uint64_t size;
	struct timespec mtime;
	unsigned long objid;
} jfs_stat;
JET_ERR jfs_table_stat(jfs *fs, jfs_sess *s, const jfs_table *t, JET_TABLEID tableid,
		       jfs_stat *out);
/* Makes every table's counters exact (see "Sizes"), one transaction per
 * table whose counter 1 differs from its cModifications (another program
 * changed it): its rows are rendered once and the counters set, so its
 * st_size needs no rendering from then on. Run at mount (not -o ro).
 * *pfixed: tables recounted. A table that fails is logged and skipped; the
 * first such error is returned. */
JET_ERR jfs_sizes_repair(jfs *fs, jfs_sess *s, unsigned long *pfixed);
/* In s's transaction, table open as tableid for writing: the commit records
 * mtime_ns (unix ns) as the table's change time, counted as a jetfs commit
 * (counter 1), so the size stays exact without rendering. */
JET_ERR jfs_table_set_mtime(JET_SESID ses, JET_TABLEID tableid, uint64_t mtime_ns);

/* ---- tread.c: reading a table as CSV ---- */

/* A reader renders one snapshot (the session's transaction) and serves
 * reads at any offset in bounded memory: sequential reads stream forward;
 * a read near the end renders backward from the last record (tail); any
 * other jump restarts from the nearer end. */
typedef struct jfs_reader jfs_reader;
JET_ERR jfs_reader_open(jfs *fs, jfs_sess *s, jfs_table *t, jfs_reader **out);
/* Fills up to size bytes at off; *pgot < size only at the end. */
JET_ERR jfs_reader_read(jfs_reader *r, uint64_t off, char *buf, size_t size, size_t *pgot);
uint64_t jfs_reader_size(const jfs_reader *r);
void jfs_reader_close(jfs_reader *r);
/* Renders one record at the cursor's position into out (with its LF); used
 * by the reader and by apply.c to know a row's length. */
JET_ERR jfs_render_current(jfs_sess *s, const jfs_table *t, JET_TABLEID tableid, csv_buf *out);

/* ---- stage.c + apply.c: writing a table ---- */

/* The text written to a file between open and the last flush/close, kept
 * in memory up to a bound and in a temporary file in fs->log_dir beyond
 * it. Writes may land at any offset (a write past the end leaves zeros...
 * refused: EINVAL). */
typedef struct jfs_stage jfs_stage;
JET_ERR jfs_stage_create(jfs *fs, jfs_stage **out);
JET_ERR jfs_stage_write(jfs_stage *st, uint64_t off, const char *buf, size_t size);
JET_ERR jfs_stage_read(jfs_stage *st, uint64_t off, char *buf, size_t size, size_t *pgot);
JET_ERR jfs_stage_truncate(jfs_stage *st, uint64_t size);
uint64_t jfs_stage_size(const jfs_stage *st);
void jfs_stage_destroy(jfs_stage *st);

enum jfs_write_mode {
	JFS_REPLACE, /* the staged text is the whole new file: header + rows */
	JFS_APPEND,  /* the staged text is rows to insert (no header) */
};

/* A table being written through an open file. Bytes that can be checked as
 * they arrive (CSV syntax, the header's column names, each field's type)
 * are checked by jfs_writer_write, whose error fails that write(2); the
 * rest when jfs_writer_commit applies everything as one transaction of
 * session s: rows matched by primary key (or, for a table with a hidden
 * key, by position), so only changed records are written; the table's
 * counters kept exact. On any error the transaction is rolled back and the
 * table is as it was; reason/line are logged with jfs_log. s may be a named
 * session: then commit only applies within its transaction (no commit). */
typedef struct jfs_writer jfs_writer;
JET_ERR jfs_writer_open(jfs *fs, jfs_sess *s, const char *table, enum jfs_write_mode mode,
			bool start_from_current, jfs_writer **out);
JET_ERR jfs_writer_write(jfs_writer *w, uint64_t off, const char *buf, size_t size);
JET_ERR jfs_writer_read(jfs_writer *w, uint64_t off, char *buf, size_t size, size_t *pgot);
JET_ERR jfs_writer_truncate(jfs_writer *w, uint64_t size);
uint64_t jfs_writer_size(const jfs_writer *w);
/* Applies (idempotent: a second call with nothing new written does
 * nothing). Creates the table from the header row (LongText columns, cp
 * 65001, hidden key) if it does not exist, unless a pending schema says
 * otherwise. */
JET_ERR jfs_writer_commit(jfs_writer *w);
/* utimes while open: the next jfs_writer_commit that applies something
 * records mtime_ns as the table's change time; a later write or truncate
 * forgets it (the commit's own time, as for a file). */
JET_ERR jfs_writer_set_mtime(jfs_writer *w, uint64_t mtime_ns);
void jfs_writer_close(jfs_writer *w);

/* Applies a whole staged text to a table in session s (used for rename of
 * a scratch file onto t.csv). Same rules as jfs_writer_commit; mtime_ns
 * (unless 0) becomes the table's change time even if no row changed. */
JET_ERR jfs_apply_text(jfs *fs, jfs_sess *s, const char *table, jfs_stage *text,
		       uint64_t mtime_ns);

/* ---- schema.c: .schema/NAME ---- */

/* The schema text of a table (see docs/fs.md for the format). */
JET_ERR jfs_schema_render(const jfs_table *t, csv_buf *out);
/* Creates the table, or alters it to match (columns added, dropped,
 * retyped with conversion; indexes created, dropped), in session s's
 * transaction (committed here unless s is a named session). A text that
 * does not parse: JET_errInvalidParameter with line and reason logged. */
JET_ERR jfs_schema_apply(jfs *fs, jfs_sess *s, const char *table, const char *text, size_t len);

#endif
