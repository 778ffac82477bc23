/*
 * fs_int.h - internals shared by the mount's own modules (main.c, fs.c,
 * sessions.c, dbview.c, tread.c). No FUSE types here: dbview.c and tread.c
 * are also linked by the unit tests.
 *
 * Inode numbers (fs.c). ino = (view << 40) | (id << 4) | kind, where view 0
 * is the mount's root and each named session has a small view number, id
 * is a table's objid (stable for the table's life, so an inode number is
 * stable across remounts), a scratch file's number or a session id, and
 * kind says what the node is. The root is 1 (kind JFS_K_DIR, view 0, id 0).
 */
#ifndef JETFS_FS_INT_H
#define JETFS_FS_INT_H

#include <stdint.h>

#include "jetfs.h"

enum jfs_kind {
	JFS_K_DIR = 1,       /* the root of a view (id 0) */
	JFS_K_CSV = 2,       /* table file: id = objid */
	JFS_K_SCHEMA = 3,    /* .schema/NAME: id = objid */
	JFS_K_SCHEMADIR = 4, /* .schema of a view */
	JFS_K_SESSIONS = 5,  /* .sessions (view 0 only) */
	JFS_K_CTL = 6,       /* ctl of a named session (its view) */
	JFS_K_SCRATCH = 7,   /* scratch file: id = scratch number */
	JFS_K_IMPLDIR = 8,   /* .sessions/<id> of an implicit session: id = session id */
	JFS_K_IMPLCTL = 9,   /* its ctl */
	JFS_K_BACKUPDIR = 10,  /* .backup (view 0 only) */
	JFS_K_BACKUPLOGS = 11, /* .backup/DATABASE.jetlog */
	JFS_K_BACKUPFILE = 12, /* a file of the backup: id = its index (backupdir.c) */
};

#define JFS_INO(view, id, kind)                                                                    \
	(((uint64_t)(view) << 40) | ((uint64_t)(id) << 4) | (uint64_t)(kind))
#define JFS_INO_VIEW(ino) ((unsigned)((ino) >> 40))
#define JFS_INO_ID(ino) ((unsigned long)(((ino) >> 4) & 0xFFFFFFFFFull))
#define JFS_INO_KIND(ino) ((int)((ino)&0xF))

/* ---- dbview.c internals ---- */

/* Rendering scratch for one table: value buffers reused from row to row,
 * so rendering allocates nothing per row once warm. */
typedef struct jfs_rowbuf {
	const jfs_table *t;
	csv_field *fields; /* t->ncols */
	size_t *voff;      /* value offsets into data, then pointers */
	size_t *vcb;
	csv_value *vals;
	size_t nvals, capvals;
	size_t *first; /* per column: index of its first value */
	csv_buf data;
	/* single-valued columns: one JetRetrieveColumns per row into fixed
	 * slots of data (slot j at soff[j], scap[j] bytes; grown on
	 * JET_wrnBufferTruncated) */
	JET_RETRIEVECOLUMN *rc;
	int *rccol; /* per column: its rc index, or -1 (multi-valued) */
	size_t *soff, *scap;
	size_t sbytes; /* the slots' total */
	int nrc;
} jfs_rowbuf;

JET_ERR jfs_rowbuf_init(jfs_rowbuf *rb, const jfs_table *t);
void jfs_rowbuf_free(jfs_rowbuf *rb);
/* Appends the current record's row to out; *pcb its length (optional). */
JET_ERR jfs_rowbuf_render(jfs_rowbuf *rb, JET_SESID sesid, JET_TABLEID tableid, csv_buf *out,
			  size_t *pcb);
/* Appends the header row of t to out. */
JET_ERR jfs_render_header(const jfs_table *t, csv_buf *out);

/* The name of the table with this objid as s sees it (name[JET_cbNameMost
 * + 1]); JET_errObjectNotFound if none. */
JET_ERR jfs_table_name_by_objid(jfs_sess *s, unsigned long objid, char *name);
/* A table's objid by name (case-insensitive, as the engine looks names up)
 * and its exact name. */
JET_ERR jfs_table_objid(jfs_sess *s, const char *name, unsigned long *pobjid, char *exact);

/* ---- sessions.c: JET sessions ---- */

/* A new session on the mount's database (JetBeginSession +
 * JetOpenDatabase) with a transaction begun (JetBeginTransaction) when txn;
 * refs = 1. */
JET_ERR jfs_sess_new(jfs *fs, bool txn, jfs_sess **out);
/* Ends the session (rolls back whatever it has not committed). */
void jfs_sess_free(jfs_sess *s);

/* Named sessions (.sessions/NAME): a session with a transaction always
 * open, seen as view number `view` (1 .. JFS_MAX_VIEWS-1). The registry is
 * sessions.c's; lookups take a reference. */
#define JFS_MAX_VIEWS 4096
typedef struct jfs_named {
	jfs_sess *s;
	unsigned view;
	uid_t owner;
	int level; /* transaction level (>= 1 between commands) */
	int refs;  /* registry + users */
	bool gone; /* rmdir'ed: no new users */
} jfs_named;

/* mkdir: JET_errObjectDuplicate if the name is taken, JET_errInvalidName
 * for an empty, over-long or all-digit name (those are implicit sessions'). */
JET_ERR jfs_named_create(jfs *fs, const char *name, uid_t owner, jfs_named **out);
jfs_named *jfs_named_find(const char *name);
jfs_named *jfs_named_by_view(unsigned view);
void jfs_named_put(jfs_named *n);
/* rmdir: ends the session (rolling back) once its last user is done. */
JET_ERR jfs_named_remove(const char *name);
/* Names of the live named sessions (free with jfs_free_names). */
JET_ERR jfs_named_list(char ***pnames, size_t *pn);
/* ctl: its text; a command ("begin", "commit", "rollback"; surrounding
 * whitespace ignored). After the outermost commit or rollback a new
 * transaction begins at once. *pcommitted: a level-0 commit happened. */
JET_ERR jfs_named_ctl_text(jfs_named *n, csv_buf *out);
JET_ERR jfs_named_ctl_cmd(jfs *fs, jfs_named *n, const char *cmd, size_t len, bool *pcommitted);
/* Ends every named session (unmount). */
void jfs_named_end_all(void);

/* ---- backupdir.c: the physical backup behind .backup/ ---- */

/* A file of the current backup: the database (in .backup/), or a log
 * generation or the checkpoint file (in .backup/DATABASE.jetlog/). Sizes
 * are fixed at the backup's start. */
typedef struct jfs_bk_file {
	char name[256];
	bool in_logs;
	uint64_t size;
} jfs_bk_file;

/* The reaper thread that ends abandoned backups; stop ends any backup. */
JET_ERR jfs_bk_start(jfs *fs);
void jfs_bk_stop(void);
/* A reference on the current backup, beginning one when there is none,
 * or when fresh and nobody holds the current one (JET_errNoBackup: nothing
 * to back up, -o ro). Released by jfs_bk_release; the last release of a
 * complete copy ends the backup. */
JET_ERR jfs_bk_acquire(bool fresh);
void jfs_bk_release(void);
/* The current backup's files (free()) and their mtime; the caller holds a
 * reference. */
JET_ERR jfs_bk_files(jfs_bk_file **pfiles, unsigned *pn, struct timespec *pmtime);
/* Reads file i at off (the caller holds a reference); *pgot < size only at
 * its end. */
JET_ERR jfs_bk_read(unsigned i, uint64_t off, char *buf, size_t size, size_t *pgot);

/* ---- fs.c: the mount's life (main.c) ---- */
struct fuse_session;
struct fuse_args;
/* The FUSE session with jetfs's callbacks over fs (fs->priv is set). */
struct fuse_session *jfs_fs_new(jfs *fs, struct fuse_args *args);
/* After the loop: closes what is still open, ends every session (rolling
 * back), drops scratch files. Then jfs_fs_destroy frees the FUSE session. */
void jfs_fs_shutdown(jfs *fs);
void jfs_fs_destroy(jfs *fs);

#endif /* JETFS_FS_INT_H */
