/*
 * os_fault.c - the fault-injecting vfs: a wrapper over another vfs (in
 * practice the POSIX one) that counts calls, fails the Nth one on request,
 * and simulates a power loss at the Nth sync. Tests only; nothing here is
 * tuned for speed, and one mutex serializes every call.
 *
 * How a power loss is simulated on a real filesystem that never loses power:
 *  1. Data. Before each write or truncate the bytes it is about to replace
 *     (the before-image, zero beyond end of file) are read and kept with the
 *     file's record of changes since its last successful sync, as is the file
 *     size at that sync. At the loss, each 512-byte sector touched since the
 *     sync is kept, dropped or garbled (all dropped / all kept / by the seeded
 *     PRNG). The records are walked newest first, so a dropped sector ends up
 *     holding its oldest before-image, which is its content at the last sync.
 *     The size is then set to the synced size (DROP_ALL), left alone
 *     (KEEP_ALL), or either of the two by coin flip (RANDOM).
 *  2. Names. A create, rename or unlink is durable only after a sync_dir of
 *     its directory (for a rename: of both directories). Until then it is a
 *     pending operation, undone at the loss, newest first. To make unlink and
 *     rename-over-an-existing-target undoable, the victim is not destroyed
 *     but renamed aside to ".jetfault.<n>.<name>" in its directory (list_dir
 *     hides such names), and deleted only when the operation becomes durable.
 *     In RANDOM mode a random-length oldest-first prefix of the pending
 *     operations survives, as on a filesystem that journals names in order.
 *     mkdir is treated as durable at once (the base vfs cannot remove a
 *     directory).
 *  3. After the loss every call fails with JET_errDiskIO, and every handle
 *     opened before it stays dead even after os_fault_reset (close still
 *     frees it, returning JET_errDiskIO): a process that lost power has no
 *     open files.
 *
 * Files are tracked by the path string the caller used; the engine always
 * names a file the same way, so no canonicalization is attempted. The PRNG
 * decisions hash the seed with the file's base name and the sector number,
 * not the directory, so one workload replayed in two scratch directories with
 * one seed loses exactly the same bytes.
 *
 * Counted per kind: read (read), write (write), sync (sync, sync_dir), open
 * (open), meta (rename, unlink, mkdir, truncate). close, size, lock, exists
 * and list_dir are neither counted nor failed.
 */
#include "os.h"

#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define FAULT_SECTOR 512u
#define FAULT_BACKUP_PREFIX ".jetfault."

/* One unsynced change to a file's bytes: what [off, off+cb) held before. */
typedef struct fault_rec {
	uint64_t off;
	size_t cb;
	uint8_t *before;
	struct fault_rec *next; /* older */
} fault_rec;

/* A file the vfs has seen, under its current name. */
typedef struct fault_node {
	char *path;           /* NULL once its removal became durable */
	uint64_t synced_size; /* size at the last sync (or when first seen) */
	fault_rec *recs;      /* newest first */
	int refs;             /* open handles */
	bool detached;        /* forgotten by a power loss; freed at last close */
	struct fault_node *next;
} fault_node;

typedef struct fault_file {
	os_file base; /* first: an os_file * is a fault_file * */
	os_file *inner;
	fault_node *node;
	uint64_t gen; /* power-loss generation it was opened in */
} fault_file;

enum { META_CREATE, META_RENAME, META_UNLINK };

/* A name operation not yet made durable by sync_dir. */
typedef struct fault_meta {
	int kind;
	char *path;              /* CREATE: the name; RENAME: the new name; UNLINK: the old name */
	char *from;              /* RENAME: the old name */
	char *backup;            /* RENAME: the replaced target, UNLINK: the file; or NULL */
	char *dir[2];            /* directories still to sync (realpaths), NULL when synced */
	struct fault_meta *next; /* older */
} fault_meta;

typedef struct fault_vfs {
	os_vfs base; /* first: an os_vfs * is a fault_vfs * */
	os_vfs *inner;
	pthread_mutex_t mu;
	os_fault_config cfg;
	os_fault_stats st;
	uint64_t fail_seen; /* calls of the selected kinds so far */
	uint64_t gen;
	uint64_t backup_seq;
	fault_node *nodes;
	fault_meta *metas; /* newest first */
} fault_vfs;

static JET_ERR fault_open(os_vfs *vfs, const char *path, int flags, os_file **out);

static fault_vfs *fault_of(os_vfs *vfs)
{
	return vfs != NULL && vfs->open == fault_open ? (fault_vfs *)vfs : NULL;
}

/* ---- PRNG: splitmix64 as a hash, so a decision depends only on its inputs */

static uint64_t mix64(uint64_t z)
{
	z += 0x9E3779B97F4A7C15ull;
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

static uint64_t hash_str(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 0x100000001b3ull;
	return h;
}

static const char *path_base(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

/* ---- paths */

static char *path_dirname(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (slash == NULL)
		return jet_strdup(".");
	if (slash == path)
		return jet_strdup("/");
	size_t len = (size_t)(slash - path);
	char *d = jet_malloc(len + 1);
	if (d) {
		memcpy(d, path, len);
		d[len] = '\0';
	}
	return d;
}

/* The directory as sync_dir will name it, whatever spelling the caller used;
 * the literal spelling when it cannot be resolved. */
static char *path_real(const char *dir)
{
	char buf[PATH_MAX];
	return jet_strdup(realpath(dir, buf) ? buf : dir);
}

static char *path_real_parent(const char *path)
{
	char *d = path_dirname(path);
	if (d == NULL)
		return NULL;
	char *r = path_real(d);
	jet_free(d);
	return r;
}

static char *path_backup(fault_vfs *fv, const char *path)
{
	char *d = path_dirname(path);
	if (d == NULL)
		return NULL;
	int n = snprintf(NULL, 0, "%s/" FAULT_BACKUP_PREFIX "%llu.%s", d,
			 (unsigned long long)fv->backup_seq, path_base(path));
	char *b = n > 0 ? jet_malloc((size_t)n + 1) : NULL;
	if (b)
		snprintf(b, (size_t)n + 1, "%s/" FAULT_BACKUP_PREFIX "%llu.%s", d,
			 (unsigned long long)fv->backup_seq++, path_base(path));
	jet_free(d);
	return b;
}

/* ---- nodes and their change records */

static fault_node *node_find(fault_vfs *fv, const char *path)
{
	for (fault_node *n = fv->nodes; n; n = n->next)
		if (n->path && strcmp(n->path, path) == 0)
			return n;
	return NULL;
}

static void node_free_recs(fault_node *n)
{
	while (n->recs) {
		fault_rec *r = n->recs;
		n->recs = r->next;
		jet_free(r->before);
		jet_free(r);
	}
}

/* Frees a node nobody needs: no handle open and nothing to undo. */
static void node_release(fault_vfs *fv, fault_node *n)
{
	if (n->refs > 0 || (n->recs && !n->detached && n->path))
		return;
	node_free_recs(n);
	if (!n->detached) {
		fault_node **pp = &fv->nodes;
		while (*pp != n)
			pp = &(*pp)->next;
		*pp = n->next;
	}
	jet_free(n->path);
	jet_free(n);
}

static void node_rename(fault_vfs *fv, const char *from, char *to_owned)
{
	fault_node *n = node_find(fv, from);
	if (n) {
		jet_free(n->path);
		n->path = to_owned;
	} else {
		jet_free(to_owned);
	}
}

/* The file named path is gone for good: nothing of it can come back. */
static void node_forget(fault_vfs *fv, const char *path)
{
	fault_node *n = node_find(fv, path);
	if (n == NULL)
		return;
	jet_free(n->path);
	n->path = NULL;
	node_free_recs(n);
	node_release(fv, n);
}

/* Keeps what [off, off+cb) of the file holds now, so a power loss can put it
 * back. Must run before the change it protects. */
static JET_ERR node_record(fault_node *n, os_file *inner, uint64_t off, size_t cb)
{
	JET_ERR err = JET_errSuccess;
	if (cb == 0)
		return JET_errSuccess;
	fault_rec *r = jet_calloc(1, sizeof *r);
	uint8_t *before = jet_calloc(1, cb); /* zero: what lies beyond EOF */
	size_t got;
	if (r == NULL || before == NULL)
		Error(JET_errOutOfMemory);
	Call(inner->vfs->read(inner, off, before, cb, &got));
	r->off = off;
	r->cb = cb;
	r->before = before;
	r->next = n->recs;
	n->recs = r;
	return JET_errSuccess;
HandleError:
	jet_free(before);
	jet_free(r);
	return err;
}

/* ---- name operations */

static void meta_free(fault_meta *m)
{
	jet_free(m->path);
	jet_free(m->from);
	jet_free(m->backup);
	jet_free(m->dir[0]);
	jet_free(m->dir[1]);
	jet_free(m);
}

/* The operation is durable: the victim it kept aside can go. */
static void meta_commit(fault_vfs *fv, fault_meta *m)
{
	if (m->backup) {
		(void)fv->inner->unlink(fv->inner, m->backup);
		node_forget(fv, m->backup);
	}
	meta_free(m);
}

/* Power loss: the operation never reached the disk. Errors are ignored: an
 * undo can only fail when a later, durable operation moved the name on, and
 * then the durable state is the right one to leave. */
static void meta_undo(fault_vfs *fv, fault_meta *m)
{
	os_vfs *in = fv->inner;
	switch (m->kind) {
	case META_CREATE:
		(void)in->unlink(in, m->path);
		break;
	case META_RENAME:
		(void)in->rename(in, m->path, m->from);
		if (m->backup)
			(void)in->rename(in, m->backup, m->path);
		break;
	case META_UNLINK:
		(void)in->rename(in, m->backup, m->path);
		break;
	}
	meta_free(m);
}

static JET_ERR meta_new(int kind, const char *path, const char *from, fault_meta **out)
{
	fault_meta *m = jet_calloc(1, sizeof *m);
	*out = NULL;
	if (m == NULL)
		return JET_errOutOfMemory;
	m->kind = kind;
	m->path = jet_strdup(path);
	m->dir[0] = path_real_parent(path);
	if (from) {
		m->from = jet_strdup(from);
		m->dir[1] = path_real_parent(from);
	}
	if (m->path == NULL || m->dir[0] == NULL ||
	    (from && (m->from == NULL || m->dir[1] == NULL))) {
		meta_free(m);
		return JET_errOutOfMemory;
	}
	if (m->dir[1] && strcmp(m->dir[0], m->dir[1]) == 0) {
		jet_free(m->dir[1]);
		m->dir[1] = NULL;
	}
	*out = m;
	return JET_errSuccess;
}

/* ---- the power loss itself */

enum { SECTOR_KEEP, SECTOR_DROP, SECTOR_GARBAGE };

static int sector_fate(const fault_vfs *fv, uint64_t name_hash, uint64_t sector)
{
	switch (fv->cfg.powerloss_mode) {
	case OS_POWERLOSS_KEEP_ALL:
		return SECTOR_KEEP;
	case OS_POWERLOSS_RANDOM:
		return (int)(mix64(fv->cfg.seed ^ mix64(name_hash ^ mix64(sector))) % 3);
	default:
		return SECTOR_DROP;
	}
}

static void garbage_fill(uint64_t state, uint8_t *p, size_t cb)
{
	for (size_t i = 0; i < cb; i++) {
		if (i % 8 == 0)
			state = mix64(state);
		p[i] = (uint8_t)(state >> (8 * (i % 8)));
	}
}

static void power_loss_file(fault_vfs *fv, fault_node *n)
{
	os_file *f = NULL;
	uint64_t cur = 0;
	uint8_t junk[FAULT_SECTOR];
	if (n->path == NULL || n->recs == NULL || fv->cfg.powerloss_mode == OS_POWERLOSS_KEEP_ALL ||
	    fv->inner->open(fv->inner, n->path, 0, &f) < 0)
		return;
	uint64_t name_hash = hash_str(path_base(n->path));
	if (f->vfs->size(f, &cur) < 0)
		goto Done;
	for (fault_rec *r = n->recs; r; r = r->next) {
		uint64_t end = r->off + r->cb;
		for (uint64_t s = r->off / FAULT_SECTOR; s * FAULT_SECTOR < end; s++) {
			uint64_t lo = JET_MAX(r->off, s * FAULT_SECTOR);
			uint64_t hi = JET_MIN(end, (s + 1) * FAULT_SECTOR);
			switch (sector_fate(fv, name_hash, s)) {
			case SECTOR_DROP:
				(void)f->vfs->write(f, lo, r->before + (lo - r->off), hi - lo);
				break;
			case SECTOR_GARBAGE:
				garbage_fill(fv->cfg.seed ^ name_hash ^ mix64(~s), junk, hi - lo);
				(void)f->vfs->write(f, lo, junk, hi - lo);
				break;
			}
		}
	}
	uint64_t size = n->synced_size;
	if (fv->cfg.powerloss_mode == OS_POWERLOSS_RANDOM &&
	    (mix64(fv->cfg.seed ^ name_hash ^ 0x73697a65ull) & 1))
		size = cur; /* the new size reached the journal */
	(void)f->vfs->truncate(f, size);
Done:
	(void)f->vfs->close(f);
}

static void power_loss_locked(fault_vfs *fv)
{
	for (fault_node *n = fv->nodes; n; n = n->next)
		power_loss_file(fv, n);

	size_t pending = 0, undo;
	for (fault_meta *m = fv->metas; m; m = m->next)
		pending++;
	if (fv->cfg.powerloss_mode == OS_POWERLOSS_KEEP_ALL)
		undo = 0;
	else if (fv->cfg.powerloss_mode == OS_POWERLOSS_RANDOM)
		undo = (size_t)(mix64(fv->cfg.seed ^ 0x6d657461ull ^ pending) % (pending + 1));
	else
		undo = pending;
	/* Newest first: the newest `undo` operations are lost, the rest made it. */
	while (fv->metas) {
		fault_meta *m = fv->metas;
		fv->metas = m->next;
		if (undo > 0) {
			undo--;
			meta_undo(fv, m);
		} else {
			meta_commit(fv, m);
		}
	}

	while (fv->nodes) {
		fault_node *n = fv->nodes;
		fv->nodes = n->next;
		node_free_recs(n);
		n->detached = true;
		node_release(fv, n);
	}
	fv->st.powered_off = true;
	fv->gen++;
}

/* ---- the gate every counted call passes */

/* Off, or the selected call to fail? counter is the kind's stats field. */
static JET_ERR fault_gate(fault_vfs *fv, int kind, uint64_t *counter)
{
	if (fv->st.powered_off)
		return JET_errDiskIO;
	(*counter)++;
	if (fv->cfg.fail_at == 0 || !(fv->cfg.fail_kinds & kind))
		return JET_errSuccess;
	fv->fail_seen++;
	if (fv->fail_seen == fv->cfg.fail_at ||
	    (fv->cfg.fail_sticky && fv->fail_seen > fv->cfg.fail_at)) {
		fv->st.failures_injected++;
		return fv->cfg.fail_err < 0 ? fv->cfg.fail_err : JET_errDiskIO;
	}
	return JET_errSuccess;
}

static JET_ERR fault_gate_sync(fault_vfs *fv)
{
	CallR(fault_gate(fv, OS_FAULT_SYNC, &fv->st.syncs));
	if (fv->cfg.powerloss_at && fv->st.syncs == fv->cfg.powerloss_at) {
		power_loss_locked(fv);
		return JET_errDiskIO;
	}
	return JET_errSuccess;
}

static bool fault_file_dead(const fault_file *ff, const fault_vfs *fv)
{
	return fv->st.powered_off || ff->gen != fv->gen;
}

/* ---- the vfs operations */

static JET_ERR fault_open(os_vfs *vfs, const char *path, int flags, os_file **out)
{
	fault_vfs *fv = (fault_vfs *)vfs;
	JET_ERR err = JET_errSuccess;
	fault_file *ff = NULL;
	fault_meta *m = NULL;
	fault_node *n = NULL;
	os_file *inner = NULL;
	bool existed = true;

	if (out)
		*out = NULL;
	if (vfs == NULL || path == NULL || *path == '\0' || out == NULL ||
	    (flags & ~(OS_OPEN_READONLY | OS_OPEN_CREATE | OS_OPEN_EXCL | OS_OPEN_TRUNCATE)) ||
	    ((flags & OS_OPEN_EXCL) && !(flags & OS_OPEN_CREATE)) ||
	    ((flags & OS_OPEN_READONLY) && (flags & OS_OPEN_TRUNCATE)))
		return JET_errInvalidParameter;
	pthread_mutex_lock(&fv->mu);
	Call(fault_gate(fv, OS_FAULT_OPEN, &fv->st.opens));
	if (flags & (OS_OPEN_CREATE | OS_OPEN_TRUNCATE))
		Call(fv->inner->exists(fv->inner, path, &existed));
	ff = jet_calloc(1, sizeof *ff);
	if (ff == NULL)
		Error(JET_errOutOfMemory);
	if ((flags & OS_OPEN_CREATE) && !existed)
		Call(meta_new(META_CREATE, path, NULL, &m));
	n = node_find(fv, path);
	if (n == NULL) {
		n = jet_calloc(1, sizeof *n);
		if (n == NULL || (n->path = jet_strdup(path)) == NULL) {
			jet_free(n);
			n = NULL;
			Error(JET_errOutOfMemory);
		}
		n->next = fv->nodes;
		fv->nodes = n;
	}
	n->refs++;

	/* O_TRUNC is done below as a tracked truncate, so it can be undone. */
	Call(fv->inner->open(fv->inner, path, flags & ~OS_OPEN_TRUNCATE, &inner));
	if (!existed && (flags & OS_OPEN_CREATE)) {
		m->next = fv->metas; /* from here on a power loss removes the file */
		fv->metas = m;
		m = NULL;
		n->synced_size = 0;
	} else if (n->refs == 1 && n->recs == NULL) {
		/* First sight of the file: what it holds now is durable. */
		Call(inner->vfs->size(inner, &n->synced_size));
	}
	if ((flags & OS_OPEN_TRUNCATE) && existed) {
		uint64_t cur;
		Call(inner->vfs->size(inner, &cur));
		Call(node_record(n, inner, 0, (size_t)cur));
		Call(inner->vfs->truncate(inner, 0));
	}
	ff->base.vfs = vfs;
	ff->inner = inner;
	ff->node = n;
	ff->gen = fv->gen;
	*out = &ff->base;
	pthread_mutex_unlock(&fv->mu);
	return JET_errSuccess;

HandleError:
	if (inner)
		(void)inner->vfs->close(inner);
	if (m)
		meta_free(m);
	if (n) {
		n->refs--;
		node_release(fv, n);
	}
	jet_free(ff);
	pthread_mutex_unlock(&fv->mu);
	return err;
}

static JET_ERR fault_close(os_file *f)
{
	if (f == NULL)
		return JET_errInvalidParameter;
	fault_file *ff = (fault_file *)f;
	fault_vfs *fv = (fault_vfs *)f->vfs;
	pthread_mutex_lock(&fv->mu);
	bool dead = fault_file_dead(ff, fv);
	JET_ERR err = ff->inner->vfs->close(ff->inner);
	ff->node->refs--;
	node_release(fv, ff->node);
	pthread_mutex_unlock(&fv->mu);
	jet_free(ff);
	return dead ? JET_errDiskIO : err;
}

static JET_ERR fault_read(os_file *f, uint64_t offset, void *buf, size_t cb, size_t *pcbRead)
{
	if (pcbRead)
		*pcbRead = 0;
	if (f == NULL || (buf == NULL && cb) || pcbRead == NULL)
		return JET_errInvalidParameter;
	fault_file *ff = (fault_file *)f;
	fault_vfs *fv = (fault_vfs *)f->vfs;
	JET_ERR err = JET_errSuccess;
	pthread_mutex_lock(&fv->mu);
	if (fault_file_dead(ff, fv))
		Error(JET_errDiskIO);
	Call(fault_gate(fv, OS_FAULT_READ, &fv->st.reads));
	Call(ff->inner->vfs->read(ff->inner, offset, buf, cb, pcbRead));
HandleError:
	pthread_mutex_unlock(&fv->mu);
	return err;
}

static JET_ERR fault_write(os_file *f, uint64_t offset, const void *buf, size_t cb)
{
	if (f == NULL || (buf == NULL && cb) || offset > (uint64_t)INT64_MAX ||
	    (uint64_t)cb > (uint64_t)INT64_MAX - offset)
		return JET_errInvalidParameter;
	fault_file *ff = (fault_file *)f;
	fault_vfs *fv = (fault_vfs *)f->vfs;
	JET_ERR err = JET_errSuccess;
	pthread_mutex_lock(&fv->mu);
	if (fault_file_dead(ff, fv))
		Error(JET_errDiskIO);
	err = fault_gate(fv, OS_FAULT_WRITE, &fv->st.writes);
	if (err < 0) {
		JET_ERR injected = err;
		size_t half = (cb / 2) & ~(size_t)(FAULT_SECTOR - 1);
		if (fv->st.powered_off || !fv->cfg.fail_short_write || half == 0)
			goto HandleError;
		Call(node_record(ff->node, ff->inner, offset, half));
		Call(ff->inner->vfs->write(ff->inner, offset, buf, half));
		Error(injected);
	}
	Call(node_record(ff->node, ff->inner, offset, cb));
	Call(ff->inner->vfs->write(ff->inner, offset, buf, cb));
HandleError:
	pthread_mutex_unlock(&fv->mu);
	return err;
}

static JET_ERR fault_sync(os_file *f)
{
	if (f == NULL)
		return JET_errInvalidParameter;
	fault_file *ff = (fault_file *)f;
	fault_vfs *fv = (fault_vfs *)f->vfs;
	JET_ERR err = JET_errSuccess;
	pthread_mutex_lock(&fv->mu);
	if (fault_file_dead(ff, fv))
		Error(JET_errDiskIO);
	Call(fault_gate_sync(fv));
	Call(ff->inner->vfs->sync(ff->inner));
	/* Durable now: nothing before this point can be lost. */
	Call(ff->inner->vfs->size(ff->inner, &ff->node->synced_size));
	node_free_recs(ff->node);
HandleError:
	pthread_mutex_unlock(&fv->mu);
	return err;
}

static JET_ERR fault_size(os_file *f, uint64_t *pcb)
{
	if (pcb)
		*pcb = 0;
	if (f == NULL || pcb == NULL)
		return JET_errInvalidParameter;
	fault_file *ff = (fault_file *)f;
	fault_vfs *fv = (fault_vfs *)f->vfs;
	JET_ERR err = JET_errSuccess;
	pthread_mutex_lock(&fv->mu);
	if (fault_file_dead(ff, fv))
		Error(JET_errDiskIO);
	Call(ff->inner->vfs->size(ff->inner, pcb));
HandleError:
	pthread_mutex_unlock(&fv->mu);
	return err;
}

static JET_ERR fault_truncate(os_file *f, uint64_t cb)
{
	if (f == NULL || cb > (uint64_t)INT64_MAX)
		return JET_errInvalidParameter;
	fault_file *ff = (fault_file *)f;
	fault_vfs *fv = (fault_vfs *)f->vfs;
	JET_ERR err = JET_errSuccess;
	uint64_t cur;
	pthread_mutex_lock(&fv->mu);
	if (fault_file_dead(ff, fv))
		Error(JET_errDiskIO);
	Call(fault_gate(fv, OS_FAULT_META, &fv->st.metas));
	Call(ff->inner->vfs->size(ff->inner, &cur));
	/* Shrinking loses [cb, cur), growing adds zeros over [cur, cb): either
	 * way that range is what a power loss may have to put back. */
	if (cur != cb) {
		uint64_t lo = JET_MIN(cur, cb), hi = JET_MAX(cur, cb);
		if (hi - lo > SIZE_MAX)
			Error(JET_errOutOfMemory);
		Call(node_record(ff->node, ff->inner, lo, (size_t)(hi - lo)));
	}
	Call(ff->inner->vfs->truncate(ff->inner, cb));
HandleError:
	pthread_mutex_unlock(&fv->mu);
	return err;
}

static JET_ERR fault_lock(os_file *f, bool exclusive)
{
	if (f == NULL)
		return JET_errInvalidParameter;
	fault_file *ff = (fault_file *)f;
	fault_vfs *fv = (fault_vfs *)f->vfs;
	JET_ERR err = JET_errSuccess;
	pthread_mutex_lock(&fv->mu);
	if (fault_file_dead(ff, fv))
		Error(JET_errDiskIO);
	Call(ff->inner->vfs->lock(ff->inner, exclusive));
HandleError:
	pthread_mutex_unlock(&fv->mu);
	return err;
}

static JET_ERR fault_rename(os_vfs *vfs, const char *from, const char *to)
{
	if (vfs == NULL || from == NULL || to == NULL || !*from || !*to)
		return JET_errInvalidParameter;
	fault_vfs *fv = (fault_vfs *)vfs;
	os_vfs *in = fv->inner;
	JET_ERR err = JET_errSuccess;
	fault_meta *m = NULL;
	char *to_copy = NULL, *backup_copy = NULL;
	bool exists;
	pthread_mutex_lock(&fv->mu);
	Call(fault_gate(fv, OS_FAULT_META, &fv->st.metas));
	if (strcmp(from, to) == 0) {
		Call(in->rename(in, from, to));
		goto HandleError;
	}
	Call(in->exists(in, from, &exists));
	if (!exists)
		Error(JET_errFileNotFound);
	Call(meta_new(META_RENAME, to, from, &m));
	to_copy = jet_strdup(to);
	if (to_copy == NULL)
		Error(JET_errOutOfMemory);
	Call(in->exists(in, to, &exists));
	if (exists) {
		/* Keep the replaced file aside rather than let rename destroy it. */
		m->backup = path_backup(fv, to);
		backup_copy = m->backup ? jet_strdup(m->backup) : NULL;
		if (backup_copy == NULL)
			Error(JET_errOutOfMemory);
		Call(in->rename(in, to, m->backup));
		err = in->rename(in, from, to);
		if (err < 0) {
			(void)in->rename(in, m->backup, to);
			goto HandleError;
		}
		node_rename(fv, to, backup_copy);
		backup_copy = NULL;
	} else {
		Call(in->rename(in, from, to));
	}
	node_rename(fv, from, to_copy);
	to_copy = NULL;
	m->next = fv->metas;
	fv->metas = m;
	m = NULL;
HandleError:
	if (m)
		meta_free(m);
	jet_free(to_copy);
	jet_free(backup_copy);
	pthread_mutex_unlock(&fv->mu);
	return err;
}

static JET_ERR fault_unlink(os_vfs *vfs, const char *path)
{
	if (vfs == NULL || path == NULL || !*path)
		return JET_errInvalidParameter;
	fault_vfs *fv = (fault_vfs *)vfs;
	os_vfs *in = fv->inner;
	JET_ERR err = JET_errSuccess;
	fault_meta *m = NULL;
	char *backup_copy = NULL;
	bool exists;
	pthread_mutex_lock(&fv->mu);
	Call(fault_gate(fv, OS_FAULT_META, &fv->st.metas));
	Call(in->exists(in, path, &exists));
	if (!exists)
		Error(JET_errFileNotFound);
	Call(meta_new(META_UNLINK, path, NULL, &m));
	m->backup = path_backup(fv, path);
	backup_copy = m->backup ? jet_strdup(m->backup) : NULL;
	if (backup_copy == NULL)
		Error(JET_errOutOfMemory);
	/* Hidden, not deleted, until a sync_dir makes the unlink durable. */
	Call(in->rename(in, path, m->backup));
	node_rename(fv, path, backup_copy);
	backup_copy = NULL;
	m->next = fv->metas;
	fv->metas = m;
	m = NULL;
HandleError:
	if (m)
		meta_free(m);
	jet_free(backup_copy);
	pthread_mutex_unlock(&fv->mu);
	return err;
}

static JET_ERR fault_sync_dir(os_vfs *vfs, const char *dirpath)
{
	if (vfs == NULL || dirpath == NULL || !*dirpath)
		return JET_errInvalidParameter;
	fault_vfs *fv = (fault_vfs *)vfs;
	JET_ERR err = JET_errSuccess;
	char *real = NULL;
	pthread_mutex_lock(&fv->mu);
	Call(fault_gate_sync(fv));
	Call(fv->inner->sync_dir(fv->inner, dirpath));
	real = path_real(dirpath);
	if (real == NULL)
		Error(JET_errOutOfMemory);
	for (fault_meta **pp = &fv->metas; *pp;) {
		fault_meta *m = *pp;
		for (int i = 0; i < 2; i++) {
			if (m->dir[i] && strcmp(m->dir[i], real) == 0) {
				jet_free(m->dir[i]);
				m->dir[i] = NULL;
			}
		}
		if (m->dir[0] == NULL && m->dir[1] == NULL) {
			*pp = m->next;
			meta_commit(fv, m);
		} else {
			pp = &m->next;
		}
	}
HandleError:
	jet_free(real);
	pthread_mutex_unlock(&fv->mu);
	return err;
}

static JET_ERR fault_mkdir(os_vfs *vfs, const char *path)
{
	if (vfs == NULL || path == NULL || !*path)
		return JET_errInvalidParameter;
	fault_vfs *fv = (fault_vfs *)vfs;
	JET_ERR err = JET_errSuccess;
	pthread_mutex_lock(&fv->mu);
	Call(fault_gate(fv, OS_FAULT_META, &fv->st.metas));
	Call(fv->inner->mkdir(fv->inner, path));
HandleError:
	pthread_mutex_unlock(&fv->mu);
	return err;
}

static JET_ERR fault_exists(os_vfs *vfs, const char *path, bool *pfExists)
{
	if (pfExists)
		*pfExists = false;
	if (vfs == NULL || path == NULL || !*path || pfExists == NULL)
		return JET_errInvalidParameter;
	fault_vfs *fv = (fault_vfs *)vfs;
	JET_ERR err = JET_errSuccess;
	pthread_mutex_lock(&fv->mu);
	if (fv->st.powered_off)
		Error(JET_errDiskIO);
	Call(fv->inner->exists(fv->inner, path, pfExists));
HandleError:
	pthread_mutex_unlock(&fv->mu);
	return err;
}

typedef struct fault_names {
	char **v;
	size_t n, cap;
} fault_names;

static JET_ERR fault_names_add(void *ctx, const char *name)
{
	fault_names *nm = ctx;
	if (strncmp(name, FAULT_BACKUP_PREFIX, sizeof FAULT_BACKUP_PREFIX - 1) == 0)
		return JET_errSuccess; /* our own undo copies are not the caller's files */
	if (nm->n == nm->cap) {
		size_t cap = nm->cap ? 2 * nm->cap : 16;
		char **v = jet_realloc(nm->v, cap * sizeof *v);
		if (v == NULL)
			return JET_errOutOfMemory;
		nm->v = v;
		nm->cap = cap;
	}
	if ((nm->v[nm->n] = jet_strdup(name)) == NULL)
		return JET_errOutOfMemory;
	nm->n++;
	return JET_errSuccess;
}

/* Names are gathered under the lock and handed out after it is dropped, so
 * the callback may use this vfs (open each log file, say). */
static JET_ERR fault_list_dir(os_vfs *vfs, const char *dirpath,
			      JET_ERR (*fn)(void *ctx, const char *name), void *ctx)
{
	if (vfs == NULL || dirpath == NULL || !*dirpath || fn == NULL)
		return JET_errInvalidParameter;
	fault_vfs *fv = (fault_vfs *)vfs;
	fault_names nm = {NULL, 0, 0};
	JET_ERR err = JET_errSuccess;
	pthread_mutex_lock(&fv->mu);
	err = fv->st.powered_off ? JET_errDiskIO
				 : fv->inner->list_dir(fv->inner, dirpath, fault_names_add, &nm);
	pthread_mutex_unlock(&fv->mu);
	Call(err);
	for (size_t i = 0; i < nm.n; i++)
		Call(fn(ctx, nm.v[i]));
	err = JET_errSuccess;
HandleError:
	for (size_t i = 0; i < nm.n; i++)
		jet_free(nm.v[i]);
	jet_free(nm.v);
	return err;
}

/* ---- the public control functions */

JET_ERR os_fault_create(os_vfs *base, os_vfs **out)
{
	if (out)
		*out = NULL;
	if (base == NULL || out == NULL)
		return JET_errInvalidParameter;
	fault_vfs *fv = jet_calloc(1, sizeof *fv);
	if (fv == NULL)
		return JET_errOutOfMemory;
	if (pthread_mutex_init(&fv->mu, NULL) != 0) {
		jet_free(fv);
		return JET_errOutOfMemory;
	}
	fv->base = (os_vfs){
	    .name = "fault",
	    .open = fault_open,
	    .close = fault_close,
	    .read = fault_read,
	    .write = fault_write,
	    .sync = fault_sync,
	    .size = fault_size,
	    .truncate = fault_truncate,
	    .lock = fault_lock,
	    .rename = fault_rename,
	    .unlink = fault_unlink,
	    .sync_dir = fault_sync_dir,
	    .mkdir = fault_mkdir,
	    .exists = fault_exists,
	    .list_dir = fault_list_dir,
	};
	fv->inner = base;
	fv->cfg.fail_err = JET_errDiskIO;
	*out = &fv->base;
	return JET_errSuccess;
}

/* Forget tracking as if everything pending had become durable. */
static void fault_forget_locked(fault_vfs *fv)
{
	while (fv->metas) {
		fault_meta *m = fv->metas;
		fv->metas = m->next;
		meta_commit(fv, m);
	}
	for (fault_node *n = fv->nodes, *next; n; n = next) {
		next = n->next;
		node_free_recs(n);
		if (n->refs > 0 && n->path) {
			/* Still open: today's size is the new durable size. */
			os_file *f;
			n->synced_size = 0;
			if (fv->inner->open(fv->inner, n->path, 0, &f) >= 0) {
				(void)f->vfs->size(f, &n->synced_size);
				(void)f->vfs->close(f);
			}
		}
		node_release(fv, n);
	}
}

/* Every file must be closed first. */
void os_fault_destroy(os_vfs *fault)
{
	fault_vfs *fv = fault_of(fault);
	if (fv == NULL)
		return;
	pthread_mutex_lock(&fv->mu);
	fault_forget_locked(fv);
	while (fv->nodes) { /* only nodes with handles still open remain */
		fault_node *n = fv->nodes;
		fv->nodes = n->next;
		jet_free(n->path);
		jet_free(n);
	}
	pthread_mutex_unlock(&fv->mu);
	pthread_mutex_destroy(&fv->mu);
	jet_free(fv);
}

void os_fault_configure(os_vfs *fault, const os_fault_config *cfg)
{
	fault_vfs *fv = fault_of(fault);
	if (fv == NULL || cfg == NULL)
		return;
	pthread_mutex_lock(&fv->mu);
	fv->cfg = *cfg;
	bool off = fv->st.powered_off;
	memset(&fv->st, 0, sizeof fv->st);
	fv->st.powered_off = off; /* configuring does not switch the machine on */
	fv->fail_seen = 0;
	pthread_mutex_unlock(&fv->mu);
}

void os_fault_stats_get(os_vfs *fault, os_fault_stats *out)
{
	fault_vfs *fv = fault_of(fault);
	if (out == NULL)
		return;
	memset(out, 0, sizeof *out);
	if (fv == NULL)
		return;
	pthread_mutex_lock(&fv->mu);
	*out = fv->st;
	pthread_mutex_unlock(&fv->mu);
}

void os_fault_reset(os_vfs *fault)
{
	fault_vfs *fv = fault_of(fault);
	if (fv == NULL)
		return;
	pthread_mutex_lock(&fv->mu);
	fault_forget_locked(fv);
	fv->st.powered_off = false;
	fv->cfg.fail_at = 0;
	fv->cfg.powerloss_at = 0;
	fv->fail_seen = 0;
	pthread_mutex_unlock(&fv->mu);
}

void os_fault_power_off(os_vfs *fault)
{
	fault_vfs *fv = fault_of(fault);
	if (fv == NULL)
		return;
	pthread_mutex_lock(&fv->mu);
	if (!fv->st.powered_off)
		power_loss_locked(fv);
	pthread_mutex_unlock(&fv->mu);
}
