/*
 * fs.c - the FUSE callbacks (low-level API): they translate requests into
 * the policy modules' calls (dbview.c, tread.c, the writer, schema.c,
 * sessions.c) and JET errors into errno (jfs_errno), and own the mount's
 * in-memory state: the pool of sessions for metadata, the open files, the
 * scratch files and the tables hidden by a rename to a scratch name.
 *
 * Views. View 0 is the root; each named session (.sessions/NAME) is view
 * n->view, showing the tables and .schema as that session sees them. A
 * request in view 0 takes a pooled session and, to read, a transaction of
 * its own (one snapshot per request); a request in a named view runs in the
 * named session's transaction, under its mutex.
 *
 * Inode numbers are computed (fs_int.h), so lookup and forget keep no
 * per-node state: a table's node is its objid, found again from the catalog.
 *
 * Locking order: fs mutex (registries) before no other lock is taken while
 * it is held, except none; a session's mutex is taken alone.
 */
#define FUSE_USE_VERSION 314
#include <errno.h>
#include <fuse_lowlevel.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fs_int.h"

static JET_ERR schema_render(const jfs_table *t, csv_buf *out)
{
	return jfs_schema_render(t, out);
}

static JET_ERR schema_apply(jfs *fs, jfs_sess *s, const char *table, const char *text, size_t len)
{
	return jfs_schema_apply(fs, s, table, text, len);
}

#define ATTR_TIMEOUT 1.0
#define ENTRY_TIMEOUT 1.0
#define READ_MAX ((size_t)1 << 20)

/* ---- state ---- */

typedef struct scratch {
	struct scratch *next;
	fuse_ino_t parent;
	char name[256];
	uint64_t id;
	jfs_stage *st;
	unsigned long hides; /* objid of the table this rename-away hides, or 0 */
	bool modified;
	int opens;
	bool unlinked;
	/* renamed onto a table file: the kernel may still reach the table
	 * through this node until its entry is invalidated */
	bool moved;
	unsigned long moved_to;
	struct timespec mtime;
} scratch;

/* Tables a named session renamed, deleted or rebuilt: at its commit the
 * root's kernel entries for their names are stale (a positive entry of a
 * name now gone, or of an inode no longer the name's). */
typedef struct touched {
	struct touched *next;
	unsigned view;
	char table[JET_cbNameMost + 1];
} touched;

typedef struct hidden {
	struct hidden *next;
	unsigned view;
	unsigned long objid;
} hidden;

enum of_kind { OF_READ, OF_WRITE, OF_SCRATCH, OF_TEXT, OF_SCHEMA_W, OF_CTL, OF_BACKUP };

typedef struct ofile {
	struct ofile *next, *prev;
	enum of_kind kind;
	fuse_ino_t ino;
	unsigned view;
	jfs_sess *s; /* the session used (own or the named one's) */
	bool own_sess;
	jfs_named *named; /* the named session, referenced */
	jfs_table *t;
	jfs_reader *r;
	jfs_writer *w;
	scratch *sc;
	csv_buf text; /* OF_TEXT / OF_SCHEMA_W / OF_CTL contents */
	bool dirty;
	bool written; /* OF_WRITE: a write or truncate came since open */
	bool truncated; /* OF_WRITE: opened with O_TRUNC */
	bool trunc_pending; /* OF_WRITE: opened with O_TRUNC, flushed before any write */
	JET_ERR failed; /* OF_WRITE: the last apply's error, until the next write */
	/* OF_WRITE: a utimes on the file (futimens gives no handle) since the
	 * last write, for the apply to record; 0 none */
	_Atomic uint64_t mtime_ns;
	char table[JET_cbNameMost + 1];
	pid_t pid;
	unsigned bk_index; /* OF_BACKUP: the file of the backup (holds a reference) */
	char *rbuf;
	pthread_mutex_t mu; /* OF_TEXT, OF_SCHEMA_W, OF_CTL */
} ofile;

typedef struct dentry {
	char *name;
	fuse_ino_t ino;
	mode_t mode;
} dentry;

typedef struct dirlist {
	dentry *e;
	size_t n, cap;
	bool bk_ref; /* a listing of .backup holds a reference on the backup */
} dirlist;

typedef struct fsstate {
	jfs *fs;
	struct fuse_session *se;
	pthread_mutex_t mu;
	jfs_sess **pool;
	size_t npool, cappool;
	scratch *scratches;
	uint64_t next_scratch;
	hidden *hidden;
	touched *touched;
	size_t ntouched;
	ofile *ofiles;
	/* invalidation queue (served by a thread: notifying from inside a
	 * request on the same inode can deadlock) */
	pthread_t inval_thread;
	bool inval_running, inval_stop;
	pthread_cond_t inval_cv;
	struct inval {
		fuse_ino_t ino;    /* an inode, or */
		fuse_ino_t parent; /* an entry: parent + name */
		char *name;
	} * invq;
	size_t ninvq, capinvq;
} fsstate;

static fsstate *g_st;

/* ---- helpers ---- */

static int err_reply(fuse_req_t req, JET_ERR err)
{
	return fuse_reply_err(req, jfs_errno(err));
}

static JET_ERR pool_get(jfs_sess **ps)
{
	jfs_sess *s = NULL;
	pthread_mutex_lock(&g_st->mu);
	if (g_st->npool)
		s = g_st->pool[--g_st->npool];
	pthread_mutex_unlock(&g_st->mu);
	if (s) {
		*ps = s;
		return JET_errSuccess;
	}
	return jfs_sess_new(g_st->fs, false, ps);
}

static void pool_put(jfs_sess *s)
{
	pthread_mutex_lock(&g_st->mu);
	if (g_st->npool < 64) {
		if (g_st->npool == g_st->cappool) {
			size_t ncap = g_st->cappool ? 2 * g_st->cappool : 16;
			jfs_sess **np = realloc(g_st->pool, ncap * sizeof(*np));
			if (np) {
				g_st->pool = np;
				g_st->cappool = ncap;
			}
		}
		if (g_st->npool < g_st->cappool) {
			g_st->pool[g_st->npool++] = s;
			s = NULL;
		}
	}
	pthread_mutex_unlock(&g_st->mu);
	if (s)
		jfs_sess_free(s);
}

/* The session of a view for one request. */
typedef struct vctx {
	unsigned view;
	jfs_sess *s;
	jfs_named *n;
	bool pooled, txn;
} vctx;

/* txn: for view 0, run in a transaction of the request's own (reads,
 * single-call writes); false: at level 0 (callers that nest their own). */
static JET_ERR view_enter(unsigned view, bool txn, vctx *v)
{
	JET_ERR err;
	memset(v, 0, sizeof(*v));
	v->view = view;
	if (view == 0) {
		if ((err = pool_get(&v->s)) < 0)
			return err;
		v->pooled = true;
		pthread_mutex_lock(&v->s->mu);
		if (txn) {
			if ((err = JetBeginTransaction(v->s->sesid)) < 0) {
				pthread_mutex_unlock(&v->s->mu);
				pool_put(v->s);
				return err;
			}
			v->txn = true;
		}
		return JET_errSuccess;
	}
	if (!(v->n = jfs_named_by_view(view)))
		return JET_errObjectNotFound;
	v->s = v->n->s;
	pthread_mutex_lock(&v->s->mu);
	return JET_errSuccess;
}

/* Ends the request: commits (commit) or rolls back the request's own
 * transaction; returns the commit's error. */
static JET_ERR view_leave(vctx *v, bool commit)
{
	JET_ERR err = JET_errSuccess;
	if (v->pooled) {
		if (v->txn) {
			if (commit)
				err = JetCommitTransaction(v->s->sesid, 0);
			if (!commit || err < 0)
				(void)JetRollback(v->s->sesid, 0);
		}
		pthread_mutex_unlock(&v->s->mu);
		pool_put(v->s);
	} else if (v->n) {
		pthread_mutex_unlock(&v->s->mu);
		jfs_named_put(v->n);
	}
	memset(v, 0, sizeof(*v));
	return err;
}

static bool is_hidden(unsigned view, unsigned long objid)
{
	bool h = false;
	pthread_mutex_lock(&g_st->mu);
	for (hidden *x = g_st->hidden; x; x = x->next)
		if (x->view == view && x->objid == objid)
			h = true;
	pthread_mutex_unlock(&g_st->mu);
	return h;
}

static void set_hidden(unsigned view, unsigned long objid, bool on)
{
	pthread_mutex_lock(&g_st->mu);
	hidden **pp = &g_st->hidden;
	while (*pp && !((*pp)->view == view && (*pp)->objid == objid))
		pp = &(*pp)->next;
	if (on && !*pp) {
		hidden *x = calloc(1, sizeof(*x));
		if (x) {
			x->view = view;
			x->objid = objid;
			x->next = g_st->hidden;
			g_st->hidden = x;
		}
	} else if (!on && *pp) {
		hidden *x = *pp;
		*pp = x->next;
		free(x);
	}
	pthread_mutex_unlock(&g_st->mu);
}

static void inval_push(fuse_ino_t ino, fuse_ino_t parent, const char *name)
{
	pthread_mutex_lock(&g_st->mu);
	if (g_st->ninvq == g_st->capinvq) {
		size_t ncap = g_st->capinvq ? 2 * g_st->capinvq : 64;
		struct inval *nq = realloc(g_st->invq, ncap * sizeof(*nq));
		if (nq) {
			g_st->invq = nq;
			g_st->capinvq = ncap;
		}
	}
	if (g_st->ninvq < g_st->capinvq) {
		struct inval *q = &g_st->invq[g_st->ninvq];
		q->ino = ino;
		q->parent = parent;
		q->name = name ? strdup(name) : NULL;
		if (!name || q->name)
			g_st->ninvq++;
	}
	pthread_cond_signal(&g_st->inval_cv);
	pthread_mutex_unlock(&g_st->mu);
}

/* The kernel's attributes of ino are stale (a commit changed its size or
 * time). They are dropped before the caller replies: a stat right after
 * `echo commit > ctl` or close(2) must not see the cached size. That is
 * safe from inside any request, as it touches no page (an attribute-only
 * notification takes no page lock). Cached pages (a MAP_PRIVATE mmap; reads
 * use direct I/O) go through the queue. */
static void invalidate(fuse_ino_t ino)
{
	if (g_st->se)
		(void)fuse_lowlevel_notify_inval_inode(g_st->se, ino, -1, 0);
	inval_push(ino, 0, NULL);
}

/* The kernel's entry parent/name is stale (a rename moved another node
 * there). */
static void invalidate_entry(fuse_ino_t parent, const char *name)
{
	inval_push(0, parent, name);
}

/* The kernel's entries for table `table`'s names in view (NAME.csv in the
 * view's root, NAME in its .schema) are stale: a rename, a delete, or a
 * rebuild that gave the table a new objid. Entries in `locked` (the
 * directory the current request holds locked, 0 for none) go through the
 * queue; the others are invalidated now, so the next lookup by the caller
 * already sees the change. */
static void invalidate_table_names(unsigned view, const char *table, fuse_ino_t locked)
{
	char fname[NAME_FILE_MAX];
	struct {
		fuse_ino_t dir;
		bool ok;
	} d[2] = {{JFS_INO(view, 0, JFS_K_DIR), false}, {JFS_INO(view, 0, JFS_K_SCHEMADIR), false}};
	for (int i = 0; i < 2; i++) {
		JET_ERR err = i == 0 ? name_table_to_file(table, fname, sizeof(fname))
				     : name_table_to_schema(table, fname, sizeof(fname));
		if (err < 0)
			continue;
		if (d[i].dir == locked || !g_st->se)
			invalidate_entry(d[i].dir, fname);
		else
			(void)fuse_lowlevel_notify_inval_entry(g_st->se, d[i].dir, fname,
							       strlen(fname));
	}
}

/* A named session changed table's names (see touched). */
static void touch_table(unsigned view, const char *table)
{
	if (view == 0)
		return;
	pthread_mutex_lock(&g_st->mu);
	if (g_st->ntouched < 4096) {
		touched *t = calloc(1, sizeof(*t));
		if (t) {
			t->view = view;
			snprintf(t->table, sizeof(t->table), "%s", table);
			t->next = g_st->touched;
			g_st->touched = t;
			g_st->ntouched++;
		}
	}
	pthread_mutex_unlock(&g_st->mu);
}

/* After view's commit (committed) or rollback: the root's entries of the
 * names it touched are invalidated (commit) and the list dropped. */
static void touched_done(unsigned view, bool committed)
{
	touched *mine = NULL;
	pthread_mutex_lock(&g_st->mu);
	for (touched **pp = &g_st->touched; *pp;) {
		touched *t = *pp;
		if (t->view == view) {
			*pp = t->next;
			t->next = mine;
			mine = t;
			g_st->ntouched--;
		} else {
			pp = &t->next;
		}
	}
	pthread_mutex_unlock(&g_st->mu);
	while (mine) {
		touched *t = mine;
		mine = t->next;
		if (committed)
			invalidate_table_names(0, t->table, 0);
		free(t);
	}
}

static void *inval_main(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&g_st->mu);
	for (;;) {
		while (!g_st->ninvq && !g_st->inval_stop)
			pthread_cond_wait(&g_st->inval_cv, &g_st->mu);
		if (g_st->inval_stop)
			break;
		struct inval q = g_st->invq[0];
		memmove(g_st->invq, g_st->invq + 1, --g_st->ninvq * sizeof(*g_st->invq));
		pthread_mutex_unlock(&g_st->mu);
		if (g_st->se && q.name)
			(void)fuse_lowlevel_notify_inval_entry(g_st->se, q.parent, q.name,
							       strlen(q.name));
		else if (g_st->se)
			(void)fuse_lowlevel_notify_inval_inode(g_st->se, q.ino, 0, 0);
		free(q.name);
		pthread_mutex_lock(&g_st->mu);
	}
	pthread_mutex_unlock(&g_st->mu);
	return NULL;
}

static void fill_attr(struct stat *a, fuse_ino_t ino, bool dir, uint64_t size,
		      struct timespec mtime, bool ro_file)
{
	jfs *fs = g_st->fs;
	memset(a, 0, sizeof(*a));
	a->st_ino = ino;
	a->st_uid = fs->uid;
	a->st_gid = fs->gid;
	if (dir) {
		a->st_mode = S_IFDIR | fs->dir_mode;
		a->st_nlink = 2;
	} else {
		a->st_mode = S_IFREG | (ro_file ? (fs->file_mode & 0444) : fs->file_mode);
		a->st_nlink = 1;
	}
	a->st_size = (off_t)size;
	a->st_blocks = (blkcnt_t)((size + 511) / 512);
	a->st_blksize = 1 << 20; /* cat, cp: 1 MiB requests */
	a->st_mtim = mtime;
	a->st_ctim = mtime;
	a->st_atim = mtime;
}

/* The view a directory inode belongs to, and what it is. */
static bool dir_kind(fuse_ino_t ino, unsigned *pview, int *pkind)
{
	int k = JFS_INO_KIND(ino);
	*pview = JFS_INO_VIEW(ino);
	*pkind = k;
	return k == JFS_K_DIR || k == JFS_K_SCHEMADIR || k == JFS_K_SESSIONS || k == JFS_K_IMPLDIR ||
	       k == JFS_K_BACKUPDIR || k == JFS_K_BACKUPLOGS;
}

static bool is_backup_kind(int k)
{
	return k == JFS_K_BACKUPDIR || k == JFS_K_BACKUPLOGS || k == JFS_K_BACKUPFILE;
}

/* The current backup's files, under a reference held for this request only
 * (a lookup or stat in .backup/ joins the live backup or begins one). */
static JET_ERR bk_peek(jfs_bk_file **pfiles, unsigned *pn, struct timespec *pmtime)
{
	JET_ERR err = jfs_bk_acquire(false);
	if (err < 0)
		return err;
	err = jfs_bk_files(pfiles, pn, pmtime);
	jfs_bk_release();
	return err;
}

/* The name of the backup's log folder: the mount's own (DATABASE.jetlog,
 * main.c), so the copy lies out as the live database does. */
static void bk_logs_name(char *out, size_t cb)
{
	const char *dir = g_st->fs->log_dir, *slash = strrchr(dir, '/');
	snprintf(out, cb, "%s", slash ? slash + 1 : dir);
}

/* Name of the table of a CSV/SCHEMA inode in v, or ObjectNotFound (also
 * for a hidden table's file). */
static uint64_t ts_ns(struct timespec t)
{
	return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

static JET_ERR table_of_ino(vctx *v, fuse_ino_t ino, char *name)
{
	unsigned long objid = JFS_INO_ID(ino);
	if (JFS_INO_KIND(ino) == JFS_K_CSV && is_hidden(v->view, objid))
		return JET_errObjectNotFound;
	return jfs_table_name_by_objid(v->s, objid, name);
}

/* The writer open on ino, if any (its size is the file's while open). */
static bool open_writer_size(fuse_ino_t ino, uint64_t *psize)
{
	bool found = false;
	pthread_mutex_lock(&g_st->mu);
	for (ofile *o = g_st->ofiles; o; o = o->next)
		if (o->kind == OF_WRITE && o->ino == ino && o->w) {
			*psize = jfs_writer_size(o->w);
			found = true;
			break;
		}
	pthread_mutex_unlock(&g_st->mu);
	return found;
}

/* Attributes of a table file or schema file (v entered). */
static JET_ERR stat_table(vctx *v, const char *name, fuse_ino_t ino, struct stat *a)
{
	jfs_table *t = NULL;
	JET_TABLEID tid = 0;
	jfs_stat st;
	JET_ERR err;

	if ((err = jfs_table_load(v->s, name, &t)) < 0)
		return err;
	err = JetOpenTable(v->s->sesid, v->s->dbid, t->name, NULL, 0, JET_bitTableReadOnly, &tid);
	if (err >= 0)
		err = jfs_table_stat(g_st->fs, v->s, t, tid, &st);
	if (tid)
		JetCloseTable(v->s->sesid, tid);
	if (err >= 0 && JFS_INO_KIND(ino) == JFS_K_SCHEMA) {
		csv_buf b;
		csv_buf_init(&b);
		err = schema_render(t, &b);
		st.size = b.len;
		csv_buf_free(&b);
	} else if (err >= 0) {
		uint64_t wsize;
		if (open_writer_size(ino, &wsize))
			st.size = wsize;
	}
	jfs_table_put(t);
	if (err < 0)
		return err;
	fill_attr(a, ino, false, st.size, st.mtime, g_st->fs->readonly);
	return JET_errSuccess;
}

static scratch *scratch_find(fuse_ino_t parent, const char *name)
{
	for (scratch *sc = g_st->scratches; sc; sc = sc->next)
		if (!sc->unlinked && !sc->moved && sc->parent == parent &&
		    strcmp(sc->name, name) == 0)
			return sc;
	return NULL;
}

static scratch *scratch_by_id(uint64_t id)
{
	for (scratch *sc = g_st->scratches; sc; sc = sc->next)
		if (sc->id == id)
			return sc;
	return NULL;
}

static fuse_ino_t scratch_ino(const scratch *sc)
{
	return JFS_INO(JFS_INO_VIEW(sc->parent), sc->id, JFS_K_SCRATCH);
}

/* Removes sc from the registry and frees it unless it is open (the caller
 * holds the fs mutex). */
static void scratch_drop_locked(scratch *sc)
{
	sc->unlinked = true;
	if (sc->opens > 0)
		return;
	for (scratch **pp = &g_st->scratches; *pp; pp = &(*pp)->next)
		if (*pp == sc) {
			*pp = sc->next;
			break;
		}
	jfs_stage_destroy(sc->st);
	free(sc);
}

static JET_ERR scratch_new(fuse_ino_t parent, const char *name, scratch **out)
{
	scratch *sc = calloc(1, sizeof(*sc));
	JET_ERR err;
	if (!sc)
		return JET_errOutOfMemory;
	if ((err = jfs_stage_create(g_st->fs, &sc->st)) < 0) {
		free(sc);
		return err;
	}
	snprintf(sc->name, sizeof(sc->name), "%s", name);
	sc->parent = parent;
	clock_gettime(CLOCK_REALTIME, &sc->mtime);
	pthread_mutex_lock(&g_st->mu);
	scratch *old = scratch_find(parent, name);
	if (old)
		scratch_drop_locked(old);
	sc->id = ++g_st->next_scratch;
	sc->next = g_st->scratches;
	g_st->scratches = sc;
	pthread_mutex_unlock(&g_st->mu);
	*out = sc;
	return JET_errSuccess;
}

static void scratch_attr(scratch *sc, struct stat *a)
{
	fill_attr(a, scratch_ino(sc), false, jfs_stage_size(sc->st), sc->mtime, false);
}

/* The node the kernel means by ino after a rename it knows of: a scratch
 * renamed onto a table is that table's file; a table file renamed away to
 * a scratch name (and hidden) is that scratch. */
static fuse_ino_t alias_of(fuse_ino_t ino)
{
	fuse_ino_t to = ino;
	int kind = JFS_INO_KIND(ino);
	unsigned view = JFS_INO_VIEW(ino);
	if (kind != JFS_K_SCRATCH && kind != JFS_K_CSV)
		return ino;
	pthread_mutex_lock(&g_st->mu);
	if (kind == JFS_K_SCRATCH) {
		scratch *sc = scratch_by_id(JFS_INO_ID(ino));
		if (sc && sc->moved)
			to = JFS_INO(JFS_INO_VIEW(sc->parent), sc->moved_to, JFS_K_CSV);
	} else {
		bool hid = false;
		for (hidden *x = g_st->hidden; x; x = x->next)
			if (x->view == view && x->objid == JFS_INO_ID(ino))
				hid = true;
		for (scratch *sc = g_st->scratches; hid && sc; sc = sc->next)
			if (!sc->unlinked && !sc->moved && sc->hides == JFS_INO_ID(ino) &&
			    JFS_INO_VIEW(sc->parent) == view) {
				to = scratch_ino(sc);
				break;
			}
	}
	pthread_mutex_unlock(&g_st->mu);
	return to;
}

/* ---- implicit sessions (.sessions/<id>) ---- */

static ofile *ofile_by_sess_id(uint64_t id)
{
	for (ofile *o = g_st->ofiles; o; o = o->next)
		if (o->own_sess && o->s && o->s->id == id)
			return o;
	return NULL;
}

static JET_ERR impl_ctl_text(uint64_t id, csv_buf *out)
{
	char text[512];
	int len = 0;
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	pthread_mutex_lock(&g_st->mu);
	ofile *o = ofile_by_sess_id(id);
	if (o)
		len = snprintf(text, sizeof(text),
			       "session %llu\npid %ld\nstate %s\ntable %s\nage %lld\n",
			       (unsigned long long)id, (long)o->pid,
			       o->kind == OF_READ ? "reading" : "writing", o->table,
			       (long long)(now.tv_sec - o->s->started.tv_sec));
	pthread_mutex_unlock(&g_st->mu);
	if (!o)
		return JET_errObjectNotFound;
	return csv_buf_append(out, text, (size_t)len);
}

/* ---- lookup / getattr ---- */

static JET_ERR text_size(fuse_ino_t ino, uint64_t *psize)
{
	csv_buf b;
	JET_ERR err = JET_errSuccess;
	csv_buf_init(&b);
	if (JFS_INO_KIND(ino) == JFS_K_CTL) {
		jfs_named *n = jfs_named_by_view(JFS_INO_VIEW(ino));
		if (!n)
			return JET_errObjectNotFound;
		err = jfs_named_ctl_text(n, &b);
		jfs_named_put(n);
	} else {
		err = impl_ctl_text(JFS_INO_ID(ino), &b);
	}
	*psize = b.len;
	csv_buf_free(&b);
	return err;
}

static JET_ERR do_getattr_node(fuse_ino_t ino, struct stat *a);

/* Attributes of any inode (as the kernel knows it: aliases followed). */
static JET_ERR do_getattr(fuse_ino_t ino, struct stat *a)
{
	JET_ERR err = do_getattr_node(alias_of(ino), a);
	if (err >= 0)
		a->st_ino = ino;
	return err;
}

static JET_ERR do_getattr_node(fuse_ino_t ino, struct stat *a)
{
	int kind = JFS_INO_KIND(ino);
	unsigned view = JFS_INO_VIEW(ino);
	JET_ERR err;
	vctx v;
	char name[JET_cbNameMost + 1];

	switch (kind) {
	case JFS_K_DIR:
	case JFS_K_SCHEMADIR:
		if (view) {
			jfs_named *n = jfs_named_by_view(view);
			if (!n)
				return JET_errObjectNotFound;
			jfs_named_put(n);
		}
		fill_attr(a, ino, true, 0, g_st->fs->mount_time, false);
		return JET_errSuccess;
	case JFS_K_SESSIONS:
		fill_attr(a, ino, true, 0, g_st->fs->mount_time, false);
		return JET_errSuccess;
	case JFS_K_BACKUPDIR:
	case JFS_K_BACKUPLOGS:
		/* The mount's modes, though nothing here can be written (EROFS):
		 * rsync -a and cp -a carry them to the copy, which jetfs must
		 * then be able to open for writing. */
		fill_attr(a, ino, true, 0, g_st->fs->mount_time, false);
		return JET_errSuccess;
	case JFS_K_BACKUPFILE: {
		jfs_bk_file *files;
		unsigned n, i = (unsigned)JFS_INO_ID(ino);
		struct timespec mtime;
		if ((err = bk_peek(&files, &n, &mtime)) < 0)
			return err == JET_errNoBackup ? JET_errObjectNotFound : err;
		if (i < n)
			fill_attr(a, ino, false, files[i].size, mtime, false);
		free(files);
		return i < n ? JET_errSuccess : JET_errObjectNotFound;
	}
	case JFS_K_IMPLDIR: {
		bool ok;
		pthread_mutex_lock(&g_st->mu);
		ok = ofile_by_sess_id(JFS_INO_ID(ino)) != NULL;
		pthread_mutex_unlock(&g_st->mu);
		if (!ok)
			return JET_errObjectNotFound;
		fill_attr(a, ino, true, 0, g_st->fs->mount_time, false);
		a->st_mode = S_IFDIR | (g_st->fs->dir_mode & 0555);
		return JET_errSuccess;
	}
	case JFS_K_CTL:
	case JFS_K_IMPLCTL: {
		uint64_t size;
		struct timespec now;
		if ((err = text_size(ino, &size)) < 0)
			return err;
		clock_gettime(CLOCK_REALTIME, &now);
		fill_attr(a, ino, false, size, now, kind == JFS_K_IMPLCTL);
		return JET_errSuccess;
	}
	case JFS_K_SCRATCH: {
		scratch *sc;
		pthread_mutex_lock(&g_st->mu);
		sc = scratch_by_id(JFS_INO_ID(ino));
		if (sc)
			scratch_attr(sc, a);
		pthread_mutex_unlock(&g_st->mu);
		return sc ? JET_errSuccess : JET_errObjectNotFound;
	}
	case JFS_K_CSV:
	case JFS_K_SCHEMA:
		if ((err = view_enter(view, true, &v)) < 0)
			return err;
		err = table_of_ino(&v, ino, name);
		if (err >= 0)
			err = stat_table(&v, name, ino, a);
		view_leave(&v, false);
		return err;
	default:
		return JET_errObjectNotFound;
	}
}

static void reply_entry(fuse_req_t req, fuse_ino_t ino, const struct stat *a, double timeout)
{
	struct fuse_entry_param e;
	memset(&e, 0, sizeof(e));
	e.ino = ino;
	e.attr = *a;
	e.attr_timeout = timeout;
	e.entry_timeout = timeout;
	fuse_reply_entry(req, &e);
}

/* errno for a name that is not a table's: invalid or too long. */
static int name_errno(JET_ERR err)
{
	if (err == NAME_errTooLong)
		return ENAMETOOLONG;
	return EINVAL;
}

/* Resolves name in directory parent to an inode (no attributes). */
static JET_ERR do_lookup(fuse_ino_t parent, const char *name, fuse_ino_t *pino)
{
	unsigned view;
	int kind;
	char table[JET_cbNameMost + 1];
	JET_ERR err;
	vctx v;
	unsigned long objid;

	if (!dir_kind(parent, &view, &kind))
		return JET_errInvalidParameter; /* ENOTDIR below */
	if (kind == JFS_K_SESSIONS) {
		jfs_named *n = jfs_named_find(name);
		if (n) {
			*pino = JFS_INO(n->view, 0, JFS_K_DIR);
			jfs_named_put(n);
			return JET_errSuccess;
		}
		char *end;
		unsigned long long id = strtoull(name, &end, 10);
		if (*name >= '0' && *name <= '9' && !*end) {
			bool ok;
			pthread_mutex_lock(&g_st->mu);
			ok = ofile_by_sess_id(id) != NULL;
			pthread_mutex_unlock(&g_st->mu);
			if (ok) {
				*pino = JFS_INO(0, id, JFS_K_IMPLDIR);
				return JET_errSuccess;
			}
		}
		return JET_errObjectNotFound;
	}
	if (kind == JFS_K_BACKUPDIR || kind == JFS_K_BACKUPLOGS) {
		char logs[NAME_MAX + 1];
		jfs_bk_file *files;
		unsigned n;
		bk_logs_name(logs, sizeof(logs));
		if (kind == JFS_K_BACKUPDIR && strcmp(name, logs) == 0) {
			*pino = JFS_INO(0, 0, JFS_K_BACKUPLOGS);
			return JET_errSuccess;
		}
		if ((err = bk_peek(&files, &n, NULL)) < 0)
			return err == JET_errNoBackup ? JET_errObjectNotFound : err;
		err = JET_errObjectNotFound;
		for (unsigned i = 0; i < n && err < 0; i++)
			if (files[i].in_logs == (kind == JFS_K_BACKUPLOGS) &&
			    strcmp(files[i].name, name) == 0) {
				*pino = JFS_INO(0, i, JFS_K_BACKUPFILE);
				err = JET_errSuccess;
			}
		free(files);
		return err;
	}
	if (kind == JFS_K_IMPLDIR) {
		if (strcmp(name, "ctl") == 0) {
			*pino = JFS_INO(0, JFS_INO_ID(parent), JFS_K_IMPLCTL);
			return JET_errSuccess;
		}
		return JET_errObjectNotFound;
	}
	if (kind == JFS_K_DIR) {
		if (strcmp(name, ".schema") == 0) {
			*pino = JFS_INO(view, 0, JFS_K_SCHEMADIR);
			return JET_errSuccess;
		}
		if (view == 0 && strcmp(name, ".sessions") == 0) {
			*pino = JFS_INO(0, 0, JFS_K_SESSIONS);
			return JET_errSuccess;
		}
		if (view == 0 && strcmp(name, ".backup") == 0 && !g_st->fs->readonly) {
			*pino = JFS_INO(0, 0, JFS_K_BACKUPDIR);
			return JET_errSuccess;
		}
		if (view != 0 && strcmp(name, "ctl") == 0) {
			*pino = JFS_INO(view, 0, JFS_K_CTL);
			return JET_errSuccess;
		}
		if (name_is_reserved(name))
			return JET_errObjectNotFound;
		err = name_file_to_table(name, table);
	} else {
		err = name_schema_to_table(name, table);
	}
	if (err == NAME_errNotTableFile || err < 0) {
		scratch *sc;
		pthread_mutex_lock(&g_st->mu);
		sc = scratch_find(parent, name);
		if (sc)
			*pino = scratch_ino(sc);
		pthread_mutex_unlock(&g_st->mu);
		if (sc)
			return JET_errSuccess;
		return err == NAME_errTooLong ? err : JET_errObjectNotFound;
	}
	if ((err = view_enter(view, true, &v)) < 0)
		return err;
	err = jfs_table_objid(v.s, table, &objid, NULL);
	view_leave(&v, false);
	if (err < 0)
		return err;
	if (kind == JFS_K_DIR && is_hidden(view, objid))
		return JET_errObjectNotFound;
	*pino = JFS_INO(view, objid, kind == JFS_K_DIR ? JFS_K_CSV : JFS_K_SCHEMA);
	return JET_errSuccess;
}

static void op_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	fuse_ino_t ino;
	struct stat a;
	unsigned view;
	int kind;
	JET_ERR err;

	if (!dir_kind(parent, &view, &kind)) {
		fuse_reply_err(req, ENOTDIR);
		return;
	}
	if (strlen(name) > 255) {
		fuse_reply_err(req, ENAMETOOLONG);
		return;
	}
	err = do_lookup(parent, name, &ino);
	if (err == NAME_errTooLong) {
		fuse_reply_err(req, ENAMETOOLONG);
		return;
	}
	if (err >= 0)
		err = do_getattr(ino, &a);
	if (err == JET_errObjectNotFound) {
		/* a negative entry, cached briefly */
		struct fuse_entry_param e;
		memset(&e, 0, sizeof(e));
		e.ino = 0;
		e.entry_timeout = 0;
		fuse_reply_entry(req, &e);
		return;
	}
	if (err < 0) {
		err_reply(req, err);
		return;
	}
	/* A backup's files change from one backup to the next: the kernel
	 * asks each time. */
	reply_entry(req, ino, &a, is_backup_kind(JFS_INO_KIND(ino)) ? 0 : ENTRY_TIMEOUT);
}

static void op_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	(void)ino;
	(void)nlookup;
	fuse_reply_none(req);
}

static void op_forget_multi(fuse_req_t req, size_t count, struct fuse_forget_data *forgets)
{
	(void)count;
	(void)forgets;
	fuse_reply_none(req);
}

static void op_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct stat a;
	JET_ERR err;
	err = do_getattr(ino, &a);
	if (err < 0) {
		err_reply(req, err);
		return;
	}
	/* fstat of an open table file: the size of that open's snapshot */
	if (fi && fi->fh && JFS_INO_KIND(alias_of(ino)) == JFS_K_CSV) {
		ofile *o = (ofile *)(uintptr_t)fi->fh;
		if (o->kind == OF_READ && o->r) {
			a.st_size = (off_t)jfs_reader_size(o->r);
			a.st_blocks = (blkcnt_t)((a.st_size + 511) / 512);
		}
	}
	fuse_reply_attr(req, &a, is_backup_kind(JFS_INO_KIND(ino)) ? 0 : ATTR_TIMEOUT);
}

/* ---- directories ---- */

static JET_ERR dl_add(dirlist *dl, const char *name, fuse_ino_t ino, bool dir)
{
	if (dl->n == dl->cap) {
		size_t ncap = dl->cap ? 2 * dl->cap : 64;
		dentry *ne = realloc(dl->e, ncap * sizeof(*ne));
		if (!ne)
			return JET_errOutOfMemory;
		dl->e = ne;
		dl->cap = ncap;
	}
	if (!(dl->e[dl->n].name = strdup(name)))
		return JET_errOutOfMemory;
	dl->e[dl->n].ino = ino;
	dl->e[dl->n].mode = dir ? S_IFDIR : S_IFREG;
	dl->n++;
	return JET_errSuccess;
}

static void dl_free(dirlist *dl)
{
	if (dl->bk_ref)
		jfs_bk_release();
	for (size_t i = 0; i < dl->n; i++)
		free(dl->e[i].name);
	free(dl->e);
	free(dl);
}

static JET_ERR list_dir(fuse_ino_t ino, dirlist *dl)
{
	unsigned view;
	int kind;
	JET_ERR err = JET_errSuccess;

	dir_kind(ino, &view, &kind);
	fuse_ino_t up = 1;
	if (view && kind == JFS_K_DIR)
		up = JFS_INO(0, 0, JFS_K_SESSIONS);
	else if (kind == JFS_K_BACKUPLOGS)
		up = JFS_INO(0, 0, JFS_K_BACKUPDIR);
	if ((err = dl_add(dl, ".", ino, true)) < 0 || (err = dl_add(dl, "..", up, true)) < 0)
		return err;
	if (kind == JFS_K_BACKUPDIR || kind == JFS_K_BACKUPLOGS) {
		jfs_bk_file *files;
		unsigned n;
		char logs[NAME_MAX + 1];
		if ((err = jfs_bk_files(&files, &n, NULL)) < 0)
			return err;
		bk_logs_name(logs, sizeof(logs));
		if (kind == JFS_K_BACKUPDIR)
			err = dl_add(dl, logs, JFS_INO(0, 0, JFS_K_BACKUPLOGS), true);
		for (unsigned i = 0; i < n && err >= 0; i++)
			if (files[i].in_logs == (kind == JFS_K_BACKUPLOGS))
				err = dl_add(dl, files[i].name, JFS_INO(0, i, JFS_K_BACKUPFILE), false);
		free(files);
		return err;
	}
	if (kind == JFS_K_SESSIONS) {
		char **names;
		size_t n;
		if ((err = jfs_named_list(&names, &n)) < 0)
			return err;
		for (size_t i = 0; i < n && err >= 0; i++) {
			jfs_named *nm = jfs_named_find(names[i]);
			if (nm) {
				err = dl_add(dl, names[i], JFS_INO(nm->view, 0, JFS_K_DIR), true);
				jfs_named_put(nm);
			}
		}
		jfs_free_names(names, n);
		pthread_mutex_lock(&g_st->mu);
		for (ofile *o = g_st->ofiles; o && err >= 0; o = o->next)
			if (o->own_sess && o->s) {
				char num[32];
				snprintf(num, sizeof(num), "%llu", (unsigned long long)o->s->id);
				err = dl_add(dl, num, JFS_INO(0, o->s->id, JFS_K_IMPLDIR), true);
			}
		pthread_mutex_unlock(&g_st->mu);
		return err;
	}
	if (kind == JFS_K_IMPLDIR)
		return JET_errSuccess; /* ctl: by name only */
	if (kind == JFS_K_DIR &&
	    (err = dl_add(dl, ".schema", JFS_INO(view, 0, JFS_K_SCHEMADIR), true)) < 0)
		return err;
	{
		vctx v;
		char **names;
		size_t n;
		if ((err = view_enter(view, true, &v)) < 0)
			return err;
		err = jfs_list_tables(v.s, &names, &n);
		for (size_t i = 0; i < n && err >= 0; i++) {
			char fname[NAME_FILE_MAX];
			unsigned long objid;
			if (kind == JFS_K_DIR)
				err = name_table_to_file(names[i], fname, sizeof(fname));
			else
				err = name_table_to_schema(names[i], fname, sizeof(fname));
			if (err < 0) {
				err = JET_errSuccess;
				continue;
			}
			if (jfs_table_objid(v.s, names[i], &objid, NULL) < 0)
				continue;
			if (kind == JFS_K_DIR && is_hidden(view, objid))
				continue;
			err = dl_add(
			    dl, fname,
			    JFS_INO(view, objid, kind == JFS_K_DIR ? JFS_K_CSV : JFS_K_SCHEMA),
			    false);
		}
		if (err >= 0)
			jfs_free_names(names, n);
		view_leave(&v, false);
		if (err < 0)
			return err;
	}
	pthread_mutex_lock(&g_st->mu);
	for (scratch *sc = g_st->scratches; sc && err >= 0; sc = sc->next)
		if (!sc->unlinked && !sc->moved && sc->parent == ino)
			err = dl_add(dl, sc->name, scratch_ino(sc), false);
	pthread_mutex_unlock(&g_st->mu);
	return err;
}

static void op_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	unsigned view;
	int kind;
	dirlist *dl;
	JET_ERR err;

	if (!dir_kind(ino, &view, &kind)) {
		fuse_reply_err(req, ENOTDIR);
		return;
	}
	if (!(dl = calloc(1, sizeof(*dl)))) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	if (kind == JFS_K_BACKUPDIR || kind == JFS_K_BACKUPLOGS) {
		/* Listing .backup begins a backup (or joins the one something
		 * holds); the listing holds it until releasedir. */
		if ((err = jfs_bk_acquire(kind == JFS_K_BACKUPDIR)) < 0) {
			dl_free(dl);
			err_reply(req, err);
			return;
		}
		dl->bk_ref = true;
	}
	if ((err = list_dir(ino, dl)) < 0) {
		dl_free(dl);
		err_reply(req, err);
		return;
	}
	fi->fh = (uint64_t)(uintptr_t)dl;
	fuse_reply_open(req, fi);
}

static void op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		       struct fuse_file_info *fi)
{
	dirlist *dl = (dirlist *)(uintptr_t)fi->fh;
	char *buf = malloc(size);
	size_t pos = 0;
	(void)ino;

	if (!buf) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	for (size_t i = (size_t)off; i < dl->n; i++) {
		struct stat a;
		memset(&a, 0, sizeof(a));
		a.st_ino = dl->e[i].ino;
		a.st_mode = dl->e[i].mode;
		size_t need = fuse_add_direntry(req, buf + pos, size - pos, dl->e[i].name, &a,
						(off_t)(i + 1));
		if (need > size - pos)
			break;
		pos += need;
	}
	fuse_reply_buf(req, buf, pos);
	free(buf);
}

static void op_releasedir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	(void)ino;
	dl_free((dirlist *)(uintptr_t)fi->fh);
	fuse_reply_err(req, 0);
}

/* ---- open files ---- */

static ofile *of_new(enum of_kind kind, fuse_ino_t ino, fuse_req_t req)
{
	ofile *o = calloc(1, sizeof(*o));
	if (!o)
		return NULL;
	o->kind = kind;
	o->ino = ino;
	o->view = JFS_INO_VIEW(ino);
	o->pid = fuse_req_ctx(req)->pid;
	csv_buf_init(&o->text);
	pthread_mutex_init(&o->mu, NULL);
	return o;
}

static void of_register(ofile *o)
{
	pthread_mutex_lock(&g_st->mu);
	o->next = g_st->ofiles;
	if (o->next)
		o->next->prev = o;
	g_st->ofiles = o;
	pthread_mutex_unlock(&g_st->mu);
}

static void of_free(ofile *o)
{
	pthread_mutex_lock(&g_st->mu);
	if (o->prev || g_st->ofiles == o) {
		if (o->prev)
			o->prev->next = o->next;
		else
			g_st->ofiles = o->next;
		if (o->next)
			o->next->prev = o->prev;
	}
	if (o->sc) {
		o->sc->opens--;
		if (o->sc->unlinked) {
			scratch_drop_locked(o->sc);
		} else if (o->sc->moved && o->sc->opens == 0 && o->sc->st) {
			jfs_stage_destroy(o->sc->st);
			o->sc->st = NULL;
		}
	}
	pthread_mutex_unlock(&g_st->mu);
	if (o->s)
		pthread_mutex_lock(&o->s->mu);
	if (o->r)
		jfs_reader_close(o->r);
	if (o->w)
		jfs_writer_close(o->w);
	if (o->t)
		jfs_table_put(o->t);
	if (o->s)
		pthread_mutex_unlock(&o->s->mu);
	if (o->own_sess)
		jfs_sess_free(o->s);
	if (o->named)
		jfs_named_put(o->named);
	if (o->kind == OF_BACKUP)
		jfs_bk_release();
	csv_buf_free(&o->text);
	free(o->rbuf);
	pthread_mutex_destroy(&o->mu);
	free(o);
}

/* The session an open file in view uses: its own for view 0 (with a
 * snapshot transaction when txn), else the named session's. */
static JET_ERR of_session(ofile *o, bool txn)
{
	if (o->view == 0) {
		JET_ERR err = jfs_sess_new(g_st->fs, txn, &o->s);
		if (err >= 0)
			o->own_sess = true;
		return err;
	}
	if (!(o->named = jfs_named_by_view(o->view)))
		return JET_errObjectNotFound;
	o->s = o->named->s;
	return JET_errSuccess;
}

static bool wants_write(int flags)
{
	return (flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC);
}

/* Opens table `table` (ino) for reading or writing per flags. */
static JET_ERR open_table_file(fuse_req_t req, fuse_ino_t ino, const char *table, int flags,
			       bool created, ofile **out)
{
	JET_ERR err;
	ofile *o;
	bool wr = wants_write(flags);

	if (!(o = of_new(wr ? OF_WRITE : OF_READ, ino, req)))
		return JET_errOutOfMemory;
	snprintf(o->table, sizeof(o->table), "%s", table);
	if ((err = of_session(o, !wr)) < 0)
		goto fail;
	pthread_mutex_lock(&o->s->mu);
	if (wr) {
		enum jfs_write_mode mode = (flags & O_APPEND) ? JFS_APPEND : JFS_REPLACE;
		bool from_current = !created && !(flags & O_TRUNC) && !(flags & O_APPEND);
		err = jfs_writer_open(g_st->fs, o->s, table, mode, from_current, &o->w);
		if (err >= 0 && (flags & O_TRUNC) && !created)
			err = jfs_writer_truncate(o->w, 0);
	} else {
		err = jfs_table_load(o->s, table, &o->t);
		if (err >= 0)
			err = jfs_reader_open(g_st->fs, o->s, o->t, &o->r);
	}
	pthread_mutex_unlock(&o->s->mu);
	if (err < 0)
		goto fail;
	o->truncated = wr && (flags & O_TRUNC);
	of_register(o);
	*out = o;
	return JET_errSuccess;
fail:
	of_free(o);
	return err;
}

/* `: > t.csv; cat t.csv`: the emptying is applied at the release (the
 * shell's first close comes before anything is written, see of_commit),
 * which the kernel sends after close(2) has returned. A reader opening
 * the table meanwhile waits for that release (at most a second), so it
 * sees the table as the closed file left it. */
static void wait_pending_truncate(fuse_ino_t ino)
{
	for (int i = 0; i < 200; i++) {
		bool pending = false;
		pthread_mutex_lock(&g_st->mu);
		for (ofile *o = g_st->ofiles; o; o = o->next)
			if (o->kind == OF_WRITE && o->ino == ino && o->trunc_pending)
				pending = true;
		pthread_mutex_unlock(&g_st->mu);
		if (!pending)
			return;
		struct timespec ts = {0, 5 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
}

static JET_ERR open_text(fuse_req_t req, fuse_ino_t ino, int flags, ofile **out)
{
	int kind = JFS_INO_KIND(ino);
	ofile *o;
	JET_ERR err = JET_errSuccess;

	if (kind == JFS_K_SCHEMA) {
		o = of_new(wants_write(flags) ? OF_SCHEMA_W : OF_TEXT, ino, req);
		if (!o)
			return JET_errOutOfMemory;
		vctx v;
		char name[JET_cbNameMost + 1];
		jfs_table *t = NULL;
		if ((err = view_enter(o->view, true, &v)) >= 0) {
			err = table_of_ino(&v, ino, name);
			if (err >= 0)
				err = jfs_table_load(v.s, name, &t);
			if (err >= 0) {
				snprintf(o->table, sizeof(o->table), "%s", t->name);
				if (!(flags & O_TRUNC))
					err = schema_render(t, &o->text);
				jfs_table_put(t);
			}
			view_leave(&v, false);
		}
		o->dirty = (flags & O_TRUNC) != 0;
	} else {
		if (kind == JFS_K_IMPLCTL && wants_write(flags))
			return JET_errPermissionDenied;
		o = of_new(OF_CTL, ino, req);
		if (!o)
			return JET_errOutOfMemory;
		if (kind == JFS_K_CTL) {
			o->named = jfs_named_by_view(o->view);
			err = o->named ? jfs_named_ctl_text(o->named, &o->text)
				       : JET_errObjectNotFound;
		} else {
			err = impl_ctl_text(JFS_INO_ID(ino), &o->text);
		}
	}
	if (err < 0) {
		of_free(o);
		return err;
	}
	*out = o;
	return JET_errSuccess;
}

static void op_open(fuse_req_t req, fuse_ino_t kino, struct fuse_file_info *fi)
{
	fuse_ino_t ino = alias_of(kino);
	int kind = JFS_INO_KIND(ino);
	ofile *o = NULL;
	JET_ERR err;

	if (g_st->fs->readonly && wants_write(fi->flags)) {
		fuse_reply_err(req, EROFS);
		return;
	}
	switch (kind) {
	case JFS_K_CSV: {
		vctx v;
		char name[JET_cbNameMost + 1];
		if ((err = view_enter(JFS_INO_VIEW(ino), true, &v)) < 0)
			break;
		err = table_of_ino(&v, ino, name);
		view_leave(&v, false);
		if (err < 0)
			break;
		if (!wants_write(fi->flags))
			wait_pending_truncate(ino);
		err = open_table_file(req, ino, name, fi->flags, false, &o);
		/* Direct I/O: every open reads its own snapshot, which the
		 * kernel's page cache (one per inode, shared by every open) and
		 * its cached i_size (reads are clamped to it; any stat may
		 * update it from a newer snapshot) cannot represent. Reads are
		 * not clamped at i_size, and come in requests of up to 1 MiB. */
		fi->direct_io = 1;
		break;
	}
	case JFS_K_SCRATCH: {
		scratch *sc;
		pthread_mutex_lock(&g_st->mu);
		sc = scratch_by_id(JFS_INO_ID(ino));
		if (sc && !sc->unlinked)
			sc->opens++;
		else
			sc = NULL;
		pthread_mutex_unlock(&g_st->mu);
		if (!sc) {
			err = JET_errObjectNotFound;
			break;
		}
		o = of_new(OF_SCRATCH, ino, req);
		if (!o) {
			pthread_mutex_lock(&g_st->mu);
			sc->opens--;
			pthread_mutex_unlock(&g_st->mu);
			err = JET_errOutOfMemory;
			break;
		}
		o->sc = sc;
		err = JET_errSuccess;
		if (fi->flags & O_TRUNC) {
			pthread_mutex_lock(&g_st->mu);
			err = jfs_stage_truncate(sc->st, 0);
			sc->modified = true;
			pthread_mutex_unlock(&g_st->mu);
		}
		fi->direct_io = 1; /* its size changes under other names' opens */
		break;
	}
	case JFS_K_SCHEMA:
	case JFS_K_CTL:
	case JFS_K_IMPLCTL:
		err = open_text(req, ino, fi->flags, &o);
		fi->direct_io = 1;
		break;
	case JFS_K_BACKUPFILE:
		if (wants_write(fi->flags)) {
			fuse_reply_err(req, EROFS);
			return;
		}
		if ((err = jfs_bk_acquire(false)) < 0)
			break;
		if (!(o = of_new(OF_BACKUP, ino, req))) {
			jfs_bk_release();
			err = JET_errOutOfMemory;
			break;
		}
		o->bk_index = (unsigned)JFS_INO_ID(ino);
		/* Each backup has its own bytes and sizes under the same
		 * inode numbers: no page cache, no clamping at a cached size. */
		fi->direct_io = 1;
		break;
	default:
		err = JET_errInvalidParameter;
		fuse_reply_err(req, EISDIR);
		return;
	}
	if (err < 0) {
		if (o)
			of_free(o);
		err_reply(req, err);
		return;
	}
	fi->fh = (uint64_t)(uintptr_t)o;
	if (fuse_reply_open(req, fi) == -ENOENT)
		of_free(o); /* interrupted */
}

/* Replies to reads come from a buffer of the worker thread, never from
 * memory of the open file: the kernel may deliver RELEASE to another thread
 * as soon as a reply has been copied, and that thread frees the open file
 * while this one is still returning from the reply (and ASan checks the
 * reply's buffers after the write). Kept for the thread's life. */
typedef struct reply_buf {
	char *p;
	size_t cap;
} reply_buf;

static pthread_key_t g_reply_key;
static pthread_once_t g_reply_once = PTHREAD_ONCE_INIT;

static void reply_buf_free(void *v)
{
	reply_buf *b = v;
	free(b->p);
	free(b);
}

static void reply_key_make(void) { (void)pthread_key_create(&g_reply_key, reply_buf_free); }

static char *reply_buffer(size_t size)
{
	(void)pthread_once(&g_reply_once, reply_key_make);
	reply_buf *b = pthread_getspecific(g_reply_key);
	if (!b) {
		b = calloc(1, sizeof(*b));
		if (!b || pthread_setspecific(g_reply_key, b) != 0) {
			free(b);
			return NULL;
		}
	}
	if (!b->p || size > b->cap) {
		char *n = realloc(b->p, size ? size : 1);
		if (!n)
			return NULL;
		b->p = n;
		b->cap = size ? size : 1;
	}
	return b->p;
}

static void op_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	ofile *o = (ofile *)(uintptr_t)fi->fh;
	JET_ERR err = JET_errSuccess;
	size_t got = 0;
	(void)ino;

	if (size > READ_MAX)
		size = READ_MAX;
	switch (o->kind) {
	case OF_READ:
	case OF_WRITE:
	{
		char *buf = reply_buffer(size);
		if (!buf) {
			err = JET_errOutOfMemory;
			break;
		}
		pthread_mutex_lock(&o->s->mu);
		err = o->r ? jfs_reader_read(o->r, (uint64_t)off, buf, size, &got)
			   : jfs_writer_read(o->w, (uint64_t)off, buf, size, &got);
		pthread_mutex_unlock(&o->s->mu);
		if (err >= 0)
			fuse_reply_buf(req, buf, got);
		break;
	}
	case OF_BACKUP: {
		char *buf = reply_buffer(size);
		if (!buf) {
			err = JET_errOutOfMemory;
			break;
		}
		err = jfs_bk_read(o->bk_index, (uint64_t)off, buf, size, &got);
		if (err >= 0)
			fuse_reply_buf(req, buf, got);
		break;
	}
	case OF_SCRATCH: {
		char *buf = malloc(size ? size : 1);
		if (!buf) {
			err = JET_errOutOfMemory;
			break;
		}
		pthread_mutex_lock(&g_st->mu);
		err = jfs_stage_read(o->sc->st, (uint64_t)off, buf, size, &got);
		pthread_mutex_unlock(&g_st->mu);
		if (err >= 0)
			fuse_reply_buf(req, buf, got);
		free(buf);
		break;
	}
	default:
	{
		char *buf = reply_buffer(size);
		if (!buf) {
			err = JET_errOutOfMemory;
			break;
		}
		pthread_mutex_lock(&o->mu);
		if ((uint64_t)off < o->text.len)
			got = o->text.len - (size_t)off < size ? o->text.len - (size_t)off : size;
		if (got)
			memcpy(buf, o->text.p + off, got);
		pthread_mutex_unlock(&o->mu);
		fuse_reply_buf(req, buf, got);
		break;
	}
	}
	if (err < 0)
		err_reply(req, err);
}

static void invalidate_all_tables(void);

static void op_write(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size, off_t off,
		     struct fuse_file_info *fi)
{
	ofile *o = (ofile *)(uintptr_t)fi->fh;
	JET_ERR err = JET_errSuccess;
	(void)ino;

	switch (o->kind) {
	case OF_WRITE:
		atomic_store(&o->mtime_ns, 0);
		pthread_mutex_lock(&o->s->mu);
		err = jfs_writer_write(o->w, (uint64_t)off, buf, size);
		o->written = true;
		o->trunc_pending = false;
		o->failed = JET_errSuccess;
		pthread_mutex_unlock(&o->s->mu);
		break;
	case OF_SCRATCH:
		pthread_mutex_lock(&g_st->mu);
		if (fi->flags & O_APPEND)
			off = (off_t)jfs_stage_size(o->sc->st);
		err = jfs_stage_write(o->sc->st, (uint64_t)off, buf, size);
		o->sc->modified = true;
		clock_gettime(CLOCK_REALTIME, &o->sc->mtime);
		pthread_mutex_unlock(&g_st->mu);
		break;
	case OF_SCHEMA_W:
		pthread_mutex_lock(&o->mu);
		if ((uint64_t)off > o->text.len) {
			err = JET_errInvalidParameter;
		} else {
			size_t end = (size_t)off + size;
			if (end > o->text.len &&
			    (err = csv_buf_reserve(&o->text, end - o->text.len)) < 0) {
				pthread_mutex_unlock(&o->mu);
				break;
			}
			memcpy(o->text.p + off, buf, size);
			if (end > o->text.len)
				o->text.len = end;
			o->dirty = true;
		}
		pthread_mutex_unlock(&o->mu);
		break;
	case OF_CTL: {
		bool committed = false;
		if (!o->named) {
			err = JET_errPermissionDenied;
			break;
		}
		int level = o->named->level;
		bool rollback = size >= 8 && memcmp(buf, "rollback", 8) == 0;
		err = jfs_named_ctl_cmd(g_st->fs, o->named, buf, size, &committed);
		if (err >= 0 && committed) {
			invalidate_all_tables();
			touched_done(o->view, true);
		} else if (err >= 0 && rollback && level == 1) {
			touched_done(o->view, false);
		}
		break;
	}
	default:
		err = JET_errPermissionDenied;
		break;
	}
	if (err < 0) {
		err_reply(req, err);
		return;
	}
	fuse_reply_write(req, size);
}

/* After a named session's commit: the root's table files may all have
 * changed (the session does not say which), so the kernel drops what it
 * caches of each. */
static void invalidate_all_tables(void)
{
	vctx v;
	char **names;
	size_t n;
	if (view_enter(0, true, &v) < 0)
		return;
	if (jfs_list_tables(v.s, &names, &n) >= 0) {
		for (size_t i = 0; i < n; i++) {
			unsigned long objid;
			if (jfs_table_objid(v.s, names[i], &objid, NULL) >= 0)
				invalidate(JFS_INO(0, objid, JFS_K_CSV));
		}
		jfs_free_names(names, n);
	}
	view_leave(&v, false);
}

/* Applies what an open file holds (flush, fsync, release). A flush before
 * anything was written (a shell's `> t.csv` closes a dup of the descriptor
 * before writing) does not apply the empty text: that waits for the
 * release, so `: > t.csv` still empties the table. */
static JET_ERR of_commit(ofile *o, bool final)
{
	JET_ERR err = JET_errSuccess;
	if (o->kind == OF_WRITE) {
		if (!final && !o->written) {
			if (o->truncated)
				o->trunc_pending = true;
			return JET_errSuccess;
		}
		uint64_t mtime_ns = atomic_load(&o->mtime_ns);
		pthread_mutex_lock(&o->s->mu);
		/* a failed apply is not retried by a later flush or the release
		 * unless more was written: close(2) said it failed, so it must
		 * not be committed behind the caller's back */
		if (o->failed < 0)
			err = o->failed;
		else if (!mtime_ns || (err = jfs_writer_set_mtime(o->w, mtime_ns)) >= 0)
			err = jfs_writer_commit(o->w);
		o->failed = err < 0 ? err : JET_errSuccess;
		pthread_mutex_unlock(&o->s->mu);
		if (err >= 0)
			invalidate(o->ino);
	} else if (o->kind == OF_SCHEMA_W) {
		pthread_mutex_lock(&o->mu);
		if (o->dirty) {
			vctx v;
			if ((err = view_enter(o->view, false, &v)) >= 0) {
				err = schema_apply(g_st->fs, v.s, o->table,
						   o->text.p ? o->text.p : "", o->text.len);
				view_leave(&v, false);
			}
			if (err >= 0)
				o->dirty = false;
		}
		pthread_mutex_unlock(&o->mu);
		if (err >= 0) {
			/* a rebuild gives the table a new objid: the names' entries
			 * must be looked up again */
			invalidate(JFS_INO(o->view, JFS_INO_ID(o->ino), JFS_K_CSV));
			invalidate_table_names(o->view, o->table, 0);
			touch_table(o->view, o->table);
		}
	}
	return err;
}

static void op_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	(void)ino;
	fuse_reply_err(req, jfs_errno(of_commit((ofile *)(uintptr_t)fi->fh, false)));
}

static void op_fsync(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi)
{
	(void)ino;
	(void)datasync;
	fuse_reply_err(req, jfs_errno(of_commit((ofile *)(uintptr_t)fi->fh, true)));
}

static void op_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	ofile *o = (ofile *)(uintptr_t)fi->fh;
	(void)ino;
	if (o->kind == OF_WRITE || o->kind == OF_SCHEMA_W)
		(void)of_commit(o, true); /* normally done by flush already */
	if (o->kind == OF_WRITE)
		invalidate(o->ino); /* a failed write may have left the kernel's size */
	of_free(o);
	fuse_reply_err(req, 0);
}

/* ---- creating and removing ---- */

/* Creates table `table` without columns (its file exists from now on; the
 * first write's header gives its columns) in view. */
static JET_ERR create_empty_table(unsigned view, const char *table, unsigned long *pobjid)
{
	vctx v;
	JET_ERR err;
	JET_TABLEID tid = 0;
	if ((err = view_enter(view, true, &v)) < 0)
		return err;
	err = JetCreateTable(v.s->sesid, v.s->dbid, table, 0, 0, &tid);
	if (err >= 0) /* a jetfs commit: counters exact (jetfs.h "Sizes") */
		err = JetAddTableCounter(v.s->sesid, tid, JFS_COUNTER_MODS, 1);
	if (err >= 0) {
		JET_TABLESTATE st;
		memset(&st, 0, sizeof(st));
		st.cbStruct = sizeof(st);
		err = JetGetTableState(v.s->sesid, tid, &st);
		*pobjid = st.objidTable;
	}
	if (tid)
		JetCloseTable(v.s->sesid, tid);
	JET_ERR cerr = view_leave(&v, err >= 0);
	return err < 0 ? err : cerr;
}

static void op_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
		      struct fuse_file_info *fi)
{
	unsigned view;
	int kind;
	char table[JET_cbNameMost + 1];
	JET_ERR err;
	ofile *o = NULL;
	fuse_ino_t ino;
	struct stat a;
	(void)mode;

	if (!dir_kind(parent, &view, &kind)) {
		fuse_reply_err(req, ENOTDIR);
		return;
	}
	if (g_st->fs->readonly || is_backup_kind(kind)) {
		fuse_reply_err(req, EROFS);
		return;
	}
	if (kind == JFS_K_SESSIONS || kind == JFS_K_IMPLDIR) {
		fuse_reply_err(req, EACCES);
		return;
	}
	if (strlen(name) > 255) {
		fuse_reply_err(req, ENAMETOOLONG);
		return;
	}
	if (kind == JFS_K_DIR && (name_is_reserved(name) || (view && strcmp(name, "ctl") == 0))) {
		fuse_reply_err(req, EEXIST);
		return;
	}
	err =
	    kind == JFS_K_DIR ? name_file_to_table(name, table) : name_schema_to_table(name, table);
	if (err == NAME_errNotTableFile) {
		scratch *sc;
		if ((err = scratch_new(parent, name, &sc)) < 0) {
			err_reply(req, err);
			return;
		}
		o = of_new(OF_SCRATCH, scratch_ino(sc), req);
		if (!o) {
			fuse_reply_err(req, ENOMEM);
			return;
		}
		pthread_mutex_lock(&g_st->mu);
		sc->opens++;
		sc->modified = true;
		scratch_attr(sc, &a);
		pthread_mutex_unlock(&g_st->mu);
		o->sc = sc;
		fi->fh = (uint64_t)(uintptr_t)o;
		fi->direct_io = 1;
		struct fuse_entry_param e;
		memset(&e, 0, sizeof(e));
		e.ino = a.st_ino;
		e.attr = a;
		e.attr_timeout = 0;
		e.entry_timeout = 0;
		if (fuse_reply_create(req, &e, fi) == -ENOENT)
			of_free(o);
		return;
	}
	if (err < 0) {
		if (kind == JFS_K_SCHEMADIR && err == NAME_errNotTableFile)
			err = JET_errInvalidName;
		fuse_reply_err(req, name_errno(err));
		return;
	}
	/* a table's file: the table exists (maybe hidden by a rename-away) or
	 * is created now, empty, so that its node has its objid */
	unsigned long objid = 0;
	bool created = false, replace = true;
	{
		vctx v;
		if ((err = view_enter(view, true, &v)) < 0) {
			err_reply(req, err);
			return;
		}
		err = jfs_table_objid(v.s, table, &objid, table);
		view_leave(&v, false);
	}
	if (err >= 0) {
		bool hid = is_hidden(view, objid);
		if (!hid && (fi->flags & O_EXCL)) {
			fuse_reply_err(req, EEXIST);
			return;
		}
		if (hid && kind == JFS_K_DIR)
			set_hidden(view, objid, false); /* vim: the new t.csv is table t again */
		/* an existing table's file opened with O_CREAT (the kernel sends
		 * CREATE when it has no entry cached): the flags say what to do
		 * (>> appends); a hidden table's new file replaces it */
		replace = hid;
	} else if (err == JET_errObjectNotFound) {
		if (!name_is_utf8(table, strlen(table))) {
			fuse_reply_err(req, EINVAL);
			return;
		}
		if ((err = create_empty_table(view, table, &objid)) < 0) {
			err_reply(req, err);
			return;
		}
		created = true;
	} else {
		err_reply(req, err);
		return;
	}
	ino = JFS_INO(view, objid, kind == JFS_K_DIR ? JFS_K_CSV : JFS_K_SCHEMA);
	if (kind == JFS_K_DIR)
		err = open_table_file(req, ino, table,
				      replace ? (fi->flags & ~O_APPEND) | O_TRUNC : fi->flags,
				      created, &o);
	else
		err = open_text(req, ino, fi->flags | O_TRUNC, &o);
	if (err >= 0)
		err = do_getattr(ino, &a);
	if (err < 0) {
		if (o)
			of_free(o);
		err_reply(req, err);
		return;
	}
	fi->direct_io = 1; /* as op_open */
	invalidate(ino);
	fi->fh = (uint64_t)(uintptr_t)o;
	struct fuse_entry_param e;
	memset(&e, 0, sizeof(e));
	e.ino = ino;
	e.attr = a;
	e.attr_timeout = ATTR_TIMEOUT;
	e.entry_timeout = ENTRY_TIMEOUT;
	if (fuse_reply_create(req, &e, fi) == -ENOENT)
		of_free(o);
}

static JET_ERR delete_table(unsigned view, const char *table)
{
	vctx v;
	JET_ERR err;
	if ((err = view_enter(view, true, &v)) < 0)
		return err;
	err = JetDeleteTable(v.s->sesid, v.s->dbid, table);
	JET_ERR cerr = view_leave(&v, err >= 0);
	return err < 0 ? err : cerr;
}

static void op_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	fuse_ino_t ino;
	JET_ERR err;
	unsigned view;
	int kind;

	if (!dir_kind(parent, &view, &kind)) {
		fuse_reply_err(req, ENOTDIR);
		return;
	}
	if (g_st->fs->readonly || is_backup_kind(kind)) {
		fuse_reply_err(req, EROFS);
		return;
	}
	if ((err = do_lookup(parent, name, &ino)) < 0) {
		err_reply(req, err == NAME_errTooLong ? JET_errObjectNotFound : err);
		return;
	}
	switch (JFS_INO_KIND(ino)) {
	case JFS_K_SCRATCH: {
		unsigned long hides = 0;
		pthread_mutex_lock(&g_st->mu);
		scratch *sc = scratch_by_id(JFS_INO_ID(ino));
		if (sc) {
			hides = sc->hides;
			scratch_drop_locked(sc);
		}
		pthread_mutex_unlock(&g_st->mu);
		/* mv t.csv t.csv~; rm t.csv~ deletes table t */
		if (hides && is_hidden(view, hides)) {
			vctx v;
			char table[JET_cbNameMost + 1];
			if ((err = view_enter(view, true, &v)) >= 0) {
				err = jfs_table_name_by_objid(v.s, hides, table);
				view_leave(&v, false);
			}
			if (err >= 0)
				err = delete_table(view, table);
			if (err >= 0)
				set_hidden(view, hides, false);
			if (err < 0) {
				err_reply(req, err);
				return;
			}
		}
		fuse_reply_err(req, 0);
		return;
	}
	case JFS_K_CSV: {
		vctx v;
		char table[JET_cbNameMost + 1];
		if ((err = view_enter(view, true, &v)) >= 0) {
			err = table_of_ino(&v, ino, table);
			view_leave(&v, false);
		}
		if (err >= 0)
			err = delete_table(view, table);
		if (err >= 0) {
			invalidate(ino);
			invalidate_table_names(view, table, parent);
			touch_table(view, table);
		}
		err_reply(req, err);
		return;
	}
	case JFS_K_SCHEMA:
		fuse_reply_err(req, EPERM); /* rm the table's .csv instead */
		return;
	default:
		fuse_reply_err(req, EPERM);
		return;
	}
}

/* Reads a whole stage into memory (for schema texts). */
static JET_ERR stage_slurp(jfs_stage *st, csv_buf *out)
{
	uint64_t size = jfs_stage_size(st);
	size_t got;
	JET_ERR err;
	if ((err = csv_buf_reserve(out, (size_t)size + 1)) < 0)
		return err;
	if ((err = jfs_stage_read(st, 0, out->p, (size_t)size, &got)) < 0)
		return err;
	out->len = got;
	return JET_errSuccess;
}

/* Renders table `table` (view) into stage st (a rename-away's copy). */
static JET_ERR render_to_stage(unsigned view, const char *table, bool schema, jfs_stage *st)
{
	vctx v;
	JET_ERR err;
	jfs_table *t = NULL;
	jfs_reader *r = NULL;
	char *buf = NULL;
	if ((err = view_enter(view, true, &v)) < 0)
		return err;
	err = jfs_table_load(v.s, table, &t);
	if (err >= 0 && schema) {
		csv_buf b;
		csv_buf_init(&b);
		err = schema_render(t, &b);
		if (err >= 0)
			err = jfs_stage_write(st, 0, b.p ? b.p : "", b.len);
		csv_buf_free(&b);
	} else if (err >= 0) {
		err = jfs_reader_open(g_st->fs, v.s, t, &r);
		if (err >= 0 && !(buf = malloc(READ_MAX)))
			err = JET_errOutOfMemory;
		for (uint64_t off = 0; err >= 0;) {
			size_t got;
			if ((err = jfs_reader_read(r, off, buf, READ_MAX, &got)) < 0 || got == 0)
				break;
			err = jfs_stage_write(st, off, buf, got);
			off += got;
		}
	}
	free(buf);
	if (r)
		jfs_reader_close(r);
	if (t)
		jfs_table_put(t);
	view_leave(&v, false);
	return err;
}

/* Renames table `from` to `to` in view, in one transaction: a table
 * already called `to` (unless noreplace: JET_errTableDuplicate) is deleted
 * first. `from` keeps its objid. A table still open by a reader whose
 * release has not arrived yet (release may come after close(2) returns)
 * is waited for briefly. */
static JET_ERR rename_table(unsigned view, const char *from, const char *to, bool noreplace)
{
	JET_ERR err;
	for (int attempt = 0;; attempt++) {
		vctx v;
		unsigned long objid_from, objid_to;
		char exact[JET_cbNameMost + 1];
		if ((err = view_enter(view, false, &v)) < 0)
			return err;
		if ((err = JetBeginTransaction(v.s->sesid)) >= 0) {
			err = jfs_table_objid(v.s, from, &objid_from, NULL);
			if (err >= 0) {
				JET_ERR e2 = jfs_table_objid(v.s, to, &objid_to, exact);
				if (e2 >= 0 && objid_to != objid_from) {
					if (noreplace && !is_hidden(view, objid_to))
						err = JET_errTableDuplicate;
					else
						err = JetDeleteTable(v.s->sesid, v.s->dbid, exact);
					if (err >= 0)
						set_hidden(view, objid_to, false);
				} else if (e2 < 0 && e2 != JET_errObjectNotFound) {
					err = e2;
				}
			}
			if (err >= 0)
				err = JetRenameTable(v.s->sesid, v.s->dbid, from, to);
			if (err >= 0)
				err = JetCommitTransaction(v.s->sesid, 0);
			if (err < 0)
				(void)JetRollback(v.s->sesid, 0);
		}
		view_leave(&v, false);
		if (err != JET_errTableInUse || attempt >= 200)
			return err;
		struct timespec ts = {0, 10 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
}

static void op_rename(fuse_req_t req, fuse_ino_t parent, const char *name, fuse_ino_t newparent,
		      const char *newname, unsigned int flags)
{
	unsigned view, nview;
	int kind, nkind;
	fuse_ino_t src, dst = 0;
	JET_ERR err, derr;
	char table[JET_cbNameMost + 1], ntable[JET_cbNameMost + 1];

	if (!dir_kind(parent, &view, &kind) || !dir_kind(newparent, &nview, &nkind)) {
		fuse_reply_err(req, ENOTDIR);
		return;
	}
	if (g_st->fs->readonly || is_backup_kind(kind) || is_backup_kind(nkind)) {
		fuse_reply_err(req, EROFS);
		return;
	}
	if (flags & RENAME_EXCHANGE) {
		fuse_reply_err(req, EINVAL);
		return;
	}
	if (view != nview || kind != nkind || kind == JFS_K_SESSIONS || kind == JFS_K_IMPLDIR) {
		fuse_reply_err(req, EXDEV);
		return;
	}
	if (strlen(newname) > 255) {
		fuse_reply_err(req, ENAMETOOLONG);
		return;
	}
	if ((err = do_lookup(parent, name, &src)) < 0) {
		err_reply(req, err == NAME_errTooLong ? JET_errObjectNotFound : err);
		return;
	}
	derr = do_lookup(newparent, newname, &dst);
	if (derr >= 0 && (flags & RENAME_NOREPLACE)) {
		fuse_reply_err(req, EEXIST);
		return;
	}
	if (derr >= 0 && dst == src &&
	    (strcmp(name, newname) == 0 || JFS_INO_KIND(src) == JFS_K_SCRATCH)) {
		fuse_reply_err(req, 0);
		return;
	}
	JET_ERR nerr = kind == JFS_K_DIR ? name_file_to_table(newname, ntable)
					 : name_schema_to_table(newname, ntable);
	if (nerr < 0 && nerr != NAME_errNotTableFile) {
		fuse_reply_err(req, name_errno(nerr));
		return;
	}
	if (nerr >= 0 && !name_is_utf8(ntable, strlen(ntable))) {
		fuse_reply_err(req, EINVAL); /* as op_create: new names are text */
		return;
	}
	if (kind == JFS_K_DIR && (name_is_reserved(newname) || (view && !strcmp(newname, "ctl")))) {
		fuse_reply_err(req, EINVAL);
		return;
	}
	int skind = JFS_INO_KIND(src);

	if (skind == JFS_K_SCRATCH && nerr == NAME_errNotTableFile) {
		/* scratch -> scratch */
		pthread_mutex_lock(&g_st->mu);
		scratch *sc = scratch_by_id(JFS_INO_ID(src));
		scratch *old = scratch_find(newparent, newname);
		if (old && old != sc)
			scratch_drop_locked(old);
		if (sc) {
			snprintf(sc->name, sizeof(sc->name), "%s", newname);
			sc->parent = newparent;
		}
		pthread_mutex_unlock(&g_st->mu);
		fuse_reply_err(req, sc ? 0 : ENOENT);
		return;
	}
	if (skind == JFS_K_SCRATCH) {
		/* scratch -> table file: the atomic replace */
		scratch *sc;
		pthread_mutex_lock(&g_st->mu);
		sc = scratch_by_id(JFS_INO_ID(src));
		if (sc)
			sc->opens++; /* hold it while applying */
		pthread_mutex_unlock(&g_st->mu);
		if (!sc) {
			fuse_reply_err(req, ENOENT);
			return;
		}
		vctx v;
		unsigned long objid = 0;
		bool only_unhide = false;
		if (sc->hides && !sc->modified && is_hidden(view, sc->hides)) {
			/* mv t.csv~ t.csv of an untouched rename-away: t again */
			if ((err = view_enter(view, true, &v)) >= 0) {
				err = jfs_table_name_by_objid(v.s, sc->hides, table);
				view_leave(&v, false);
			}
			only_unhide = err >= 0 && strcasecmp(table, ntable) == 0;
		}
		err = JET_errSuccess;
		if (only_unhide) {
			set_hidden(view, sc->hides, false);
			objid = sc->hides;
		} else if (kind == JFS_K_DIR) {
			if ((err = view_enter(view, false, &v)) >= 0) {
				/* rsync's temp file carries the time it set */
				pthread_mutex_lock(&g_st->mu);
				uint64_t mtime_ns = ts_ns(sc->mtime);
				pthread_mutex_unlock(&g_st->mu);
				err = jfs_apply_text(g_st->fs, v.s, ntable, sc->st, mtime_ns);
				if (err >= 0)
					err = jfs_table_objid(v.s, ntable, &objid, NULL);
				view_leave(&v, false);
			}
			if (err >= 0)
				set_hidden(view, objid, false);
		} else {
			csv_buf b;
			csv_buf_init(&b);
			pthread_mutex_lock(&g_st->mu);
			err = stage_slurp(sc->st, &b);
			pthread_mutex_unlock(&g_st->mu);
			if (err >= 0 && (err = view_enter(view, false, &v)) >= 0) {
				err = schema_apply(g_st->fs, v.s, ntable, b.p ? b.p : "", b.len);
				if (err >= 0)
					err = jfs_table_objid(v.s, ntable, &objid, NULL);
				view_leave(&v, false);
			}
			csv_buf_free(&b);
		}
		pthread_mutex_lock(&g_st->mu);
		sc->opens--;
		if (err >= 0) {
			sc->hides = 0;
			if (kind == JFS_K_DIR) {
				/* the kernel now calls this node t.csv: keep it as an alias */
				sc->moved = true;
				sc->moved_to = objid;
				if (sc->opens == 0) {
					jfs_stage_destroy(sc->st);
					sc->st = NULL;
				}
			} else {
				scratch_drop_locked(sc);
			}
		} else if (sc->unlinked) {
			scratch_drop_locked(sc);
		}
		pthread_mutex_unlock(&g_st->mu);
		if (err >= 0) {
			invalidate(JFS_INO(view, objid, JFS_K_CSV));
			invalidate_entry(newparent, newname);
			invalidate_table_names(view, ntable, newparent);
			touch_table(view, ntable);
		}
		err_reply(req, err);
		return;
	}
	if (skind != JFS_K_CSV && skind != JFS_K_SCHEMA) {
		fuse_reply_err(req, EPERM);
		return;
	}
	{
		vctx v;
		if ((err = view_enter(view, true, &v)) >= 0) {
			err = table_of_ino(&v, src, table);
			view_leave(&v, false);
		}
		if (err < 0) {
			err_reply(req, err);
			return;
		}
	}
	if (nerr == NAME_errNotTableFile) {
		/* table -> scratch name (vim's t.csv~): a copy, and t hidden */
		scratch *sc;
		if ((err = scratch_new(newparent, newname, &sc)) < 0) {
			err_reply(req, err);
			return;
		}
		err = render_to_stage(view, table, skind == JFS_K_SCHEMA, sc->st);
		pthread_mutex_lock(&g_st->mu);
		if (err < 0) {
			scratch_drop_locked(sc);
		} else {
			sc->modified = false;
			if (skind == JFS_K_CSV)
				sc->hides = JFS_INO_ID(src);
		}
		pthread_mutex_unlock(&g_st->mu);
		if (err >= 0 && skind == JFS_K_CSV) {
			set_hidden(view, JFS_INO_ID(src), true);
			invalidate(src);
		}
		if (err >= 0)
			invalidate_entry(newparent, newname);
		err_reply(req, err);
		return;
	}
	/* table -> table: JetRenameTable, replacing the target */
	err = rename_table(view, table, ntable, (flags & RENAME_NOREPLACE) != 0);
	if (err >= 0) {
		/* the source's node is now the new name's (same objid); the
		 * replaced table's node is gone */
		if (derr >= 0 && dst != src)
			invalidate(dst);
		invalidate(src);
		invalidate_table_names(view, table, parent);
		invalidate_table_names(view, ntable, newparent);
		touch_table(view, table);
		touch_table(view, ntable);
	} else {
		jfs_log(g_st->fs, table, 0, "rename to %s: %s", ntable, JetErrorDescription(err));
	}
	err_reply(req, err);
}

static void op_setattr(fuse_req_t req, fuse_ino_t kino, struct stat *attr, int to_set,
		       struct fuse_file_info *fi)
{
	fuse_ino_t ino = alias_of(kino);
	int kind = JFS_INO_KIND(ino);
	unsigned view = JFS_INO_VIEW(ino);
	JET_ERR err = JET_errSuccess;
	struct stat a;
	ofile *o = fi ? (ofile *)(uintptr_t)fi->fh : NULL;

	if ((g_st->fs->readonly || is_backup_kind(kind)) &&
	    (to_set & (FUSE_SET_ATTR_SIZE | FUSE_SET_ATTR_MTIME | FUSE_SET_ATTR_MTIME_NOW |
		       FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_ATIME_NOW | FUSE_SET_ATTR_MODE |
		       FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID))) {
		fuse_reply_err(req, EROFS);
		return;
	}
	if (to_set & FUSE_SET_ATTR_SIZE) {
		uint64_t size = (uint64_t)attr->st_size;
		if (kind == JFS_K_SCRATCH) {
			pthread_mutex_lock(&g_st->mu);
			scratch *sc = scratch_by_id(JFS_INO_ID(ino));
			if (sc) {
				err = jfs_stage_truncate(sc->st, size);
				sc->modified = true;
				clock_gettime(CLOCK_REALTIME, &sc->mtime);
			} else {
				err = JET_errObjectNotFound;
			}
			pthread_mutex_unlock(&g_st->mu);
		} else if (kind == JFS_K_CSV && o && o->kind == OF_WRITE) {
			atomic_store(&o->mtime_ns, 0);
			pthread_mutex_lock(&o->s->mu);
			err = jfs_writer_truncate(o->w, size);
			o->written = true;
			o->failed = JET_errSuccess;
			pthread_mutex_unlock(&o->s->mu);
		} else if (kind == JFS_K_CSV) {
			/* truncate(1) without an open file: one transaction */
			vctx v;
			char table[JET_cbNameMost + 1];
			jfs_writer *w = NULL;
			if ((err = view_enter(view, true, &v)) >= 0) {
				err = table_of_ino(&v, ino, table);
				view_leave(&v, false);
			}
			if (err >= 0 && (err = view_enter(view, false, &v)) >= 0) {
				err = jfs_writer_open(g_st->fs, v.s, table, JFS_REPLACE, size != 0,
						      &w);
				if (err >= 0 && size == 0) {
					/* keep the header: the columns stay */
					jfs_table *t = NULL;
					csv_buf hb;
					csv_buf_init(&hb);
					err = jfs_table_load(v.s, table, &t);
					if (err >= 0)
						err = jfs_render_header(t, &hb);
					if (err >= 0)
						err = jfs_writer_write(w, 0, hb.p ? hb.p : "",
								       hb.len);
					csv_buf_free(&hb);
					if (t)
						jfs_table_put(t);
				} else if (err >= 0) {
					err = jfs_writer_truncate(w, size);
				}
				if (err >= 0)
					err = jfs_writer_commit(w);
				jfs_writer_close(w);
				view_leave(&v, false);
			}
			if (err >= 0)
				invalidate(ino);
		} else if (kind == JFS_K_SCHEMA && o && o->kind == OF_SCHEMA_W) {
			pthread_mutex_lock(&o->mu);
			if (size <= o->text.len)
				o->text.len = (size_t)size;
			else
				err = JET_errInvalidParameter;
			o->dirty = true;
			pthread_mutex_unlock(&o->mu);
		} else if (kind == JFS_K_CTL) {
			err = JET_errSuccess; /* echo commit > ctl truncates first */
		} else {
			err = JET_errPermissionDenied;
		}
	}
	if (err >= 0 && (to_set & (FUSE_SET_ATTR_MTIME | FUSE_SET_ATTR_MTIME_NOW))) {
		struct timespec t;
		if (to_set & FUSE_SET_ATTR_MTIME_NOW)
			clock_gettime(CLOCK_REALTIME, &t);
		else
			t = attr->st_mtim;
		if (kind == JFS_K_CSV) {
			vctx v;
			char table[JET_cbNameMost + 1];
			JET_TABLEID tid = 0;
			if ((err = view_enter(view, true, &v)) >= 0) {
				err = table_of_ino(&v, ino, table);
				if (err >= 0)
					err = JetOpenTable(v.s->sesid, v.s->dbid, table, NULL, 0, 0,
							   &tid);
				if (err >= 0)
					err = jfs_table_set_mtime(v.s->sesid, tid, ts_ns(t));
				if (tid)
					JetCloseTable(v.s->sesid, tid);
				JET_ERR cerr = view_leave(&v, err >= 0);
				if (err >= 0)
					err = cerr;
			}
			if (err >= 0) {
				/* cp -p: futimens before close, whose apply
				 * would stamp its own time */
				pthread_mutex_lock(&g_st->mu);
				for (ofile *w = g_st->ofiles; w; w = w->next)
					if (w->kind == OF_WRITE && w->ino == ino)
						atomic_store(&w->mtime_ns, ts_ns(t));
				pthread_mutex_unlock(&g_st->mu);
				invalidate(ino);
			}
		} else if (kind == JFS_K_SCRATCH) {
			pthread_mutex_lock(&g_st->mu);
			scratch *sc = scratch_by_id(JFS_INO_ID(ino));
			if (sc)
				sc->mtime = t;
			pthread_mutex_unlock(&g_st->mu);
		}
	}
	/* mode, owner, atime: the mount's; accepted and ignored (cp -p, rsync -a) */
	if (err < 0) {
		err_reply(req, err);
		return;
	}
	if ((err = do_getattr(kino, &a)) < 0) {
		err_reply(req, err);
		return;
	}
	fuse_reply_attr(req, &a, ATTR_TIMEOUT);
}

static void op_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode)
{
	jfs_named *n;
	JET_ERR err;
	struct stat a;
	(void)mode;

	if (is_backup_kind(JFS_INO_KIND(parent))) {
		fuse_reply_err(req, EROFS);
		return;
	}
	if (JFS_INO_KIND(parent) != JFS_K_SESSIONS) {
		fuse_reply_err(req, dir_kind(parent, &(unsigned){0}, &(int){0}) ? EPERM : ENOTDIR);
		return;
	}
	if (strlen(name) > 255) {
		fuse_reply_err(req, ENAMETOOLONG);
		return;
	}
	if ((err = jfs_named_create(g_st->fs, name, fuse_req_ctx(req)->uid, &n)) < 0) {
		fuse_reply_err(req, err == JET_errObjectDuplicate ? EEXIST : jfs_errno(err));
		return;
	}
	fuse_ino_t ino = JFS_INO(n->view, 0, JFS_K_DIR);
	jfs_named_put(n);
	if ((err = do_getattr(ino, &a)) < 0) {
		err_reply(req, err);
		return;
	}
	reply_entry(req, ino, &a, 0);
}

static void op_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	JET_ERR err;
	if (is_backup_kind(JFS_INO_KIND(parent))) {
		fuse_reply_err(req, EROFS);
		return;
	}
	if (JFS_INO_KIND(parent) != JFS_K_SESSIONS) {
		fuse_reply_err(req, EPERM);
		return;
	}
	jfs_named *n = jfs_named_find(name);
	if (n) {
		touched_done(n->view, false);
		jfs_named_put(n);
	}
	err = jfs_named_remove(name);
	if (err == JET_errObjectNotFound) {
		fuse_ino_t ino;
		/* an implicit session: not ours to end */
		fuse_reply_err(req, do_lookup(parent, name, &ino) >= 0 ? EPERM : ENOENT);
		return;
	}
	err_reply(req, err);
}

static void op_statfs(fuse_req_t req, fuse_ino_t ino)
{
	struct statvfs sv;
	vctx v;
	unsigned long size = 0, avail = 0, page = 8192;
	JET_ERR err;
	(void)ino;

	memset(&sv, 0, sizeof(sv));
	if ((err = view_enter(0, false, &v)) >= 0) {
		(void)JetGetDatabaseInfo(v.s->sesid, v.s->dbid, &page, sizeof(page),
					 JET_DbInfoPageSize);
		(void)JetGetDatabaseInfo(v.s->sesid, v.s->dbid, &size, sizeof(size),
					 JET_DbInfoFilesize);
		(void)JetGetDatabaseInfo(v.s->sesid, v.s->dbid, &avail, sizeof(avail),
					 JET_DbInfoSpaceAvailable);
		view_leave(&v, false);
	}
	if (!page)
		page = 8192;
	struct statvfs host;
	uint64_t host_free = 0;
	if (statvfs(g_st->fs->log_dir, &host) == 0)
		host_free = (uint64_t)host.f_bavail * host.f_frsize;
	sv.f_bsize = page;
	sv.f_frsize = page;
	/* the file's pages plus what the disk could still give it */
	sv.f_blocks = size + host_free / page;
	sv.f_bfree = avail + host_free / page;
	sv.f_bavail = sv.f_bfree;
	sv.f_files = 1u << 20;
	sv.f_ffree = 1u << 20;
	sv.f_favail = sv.f_ffree;
	sv.f_namemax = 255;
	fuse_reply_statfs(req, &sv);
}

static void op_init(void *userdata, struct fuse_conn_info *conn)
{
	(void)userdata;
	conn->max_write = 1 << 20;
	conn->max_read = 1 << 20;
	conn->max_readahead = 1 << 20;
	if (conn->capable & FUSE_CAP_SPLICE_WRITE)
		conn->want |= FUSE_CAP_SPLICE_WRITE;
	conn->want &= ~(unsigned)FUSE_CAP_WRITEBACK_CACHE;
	conn->want |= FUSE_CAP_ATOMIC_O_TRUNC;
}

static const struct fuse_lowlevel_ops g_ops = {
    .init = op_init,
    .lookup = op_lookup,
    .forget = op_forget,
    .forget_multi = op_forget_multi,
    .getattr = op_getattr,
    .setattr = op_setattr,
    .mkdir = op_mkdir,
    .unlink = op_unlink,
    .rmdir = op_rmdir,
    .rename = op_rename,
    .open = op_open,
    .read = op_read,
    .write = op_write,
    .flush = op_flush,
    .release = op_release,
    .fsync = op_fsync,
    .opendir = op_opendir,
    .readdir = op_readdir,
    .releasedir = op_releasedir,
    .statfs = op_statfs,
    .create = op_create,
};

/* ---- the mount's life ---- */

struct fuse_session *jfs_fs_new(jfs *fs, struct fuse_args *args)
{
	fsstate *st = calloc(1, sizeof(*st));
	if (!st)
		return NULL;
	st->fs = fs;
	pthread_mutex_init(&st->mu, NULL);
	pthread_cond_init(&st->inval_cv, NULL);
	fs->priv = st;
	g_st = st;
	st->se = fuse_session_new(args, &g_ops, sizeof(g_ops), st);
	if (!st->se)
		return NULL;
	if (pthread_create(&st->inval_thread, NULL, inval_main, NULL) == 0)
		st->inval_running = true;
	if (jfs_bk_start(fs) < 0)
		return NULL;
	return st->se;
}

void jfs_fs_shutdown(jfs *fs)
{
	fsstate *st = fs->priv;
	if (!st)
		return;
	pthread_mutex_lock(&st->mu);
	st->inval_stop = true;
	pthread_cond_signal(&st->inval_cv);
	pthread_mutex_unlock(&st->mu);
	if (st->inval_running)
		pthread_join(st->inval_thread, NULL);
	/* open files whose release never came (lazy unmount) */
	while (st->ofiles)
		of_free(st->ofiles);
	jfs_bk_stop(); /* a backup still going is abandoned */
	jfs_named_end_all();
	while (st->npool)
		jfs_sess_free(st->pool[--st->npool]);
	free(st->pool);
	while (st->scratches) {
		scratch *sc = st->scratches;
		st->scratches = sc->next;
		jfs_stage_destroy(sc->st);
		free(sc);
	}
	while (st->hidden) {
		hidden *h = st->hidden;
		st->hidden = h->next;
		free(h);
	}
	for (size_t i = 0; i < st->ninvq; i++)
		free(st->invq[i].name);
	free(st->invq);
}

void jfs_fs_destroy(jfs *fs)
{
	fsstate *st = fs->priv;
	if (!st)
		return;
	if (st->se)
		fuse_session_destroy(st->se);
	pthread_mutex_destroy(&st->mu);
	pthread_cond_destroy(&st->inval_cv);
	free(st);
	fs->priv = NULL;
	g_st = NULL;
}
