/*
 * engine.c - instances, attached databases, committed versions and
 * checkpoints.
 *
 * Rules:
 *  1. A database's committed versions form a list, oldest first; each is
 *     pinned by the snapshots that read it and, while current, by the
 *     database itself. The oldest pinned version and the durable checkpoint
 *     bound what superseded pages may be reused (the "horizon", space.h).
 *  2. A checkpoint captures the current version under the commit lock (so
 *     the free-page list it saves is exactly that version's complement and
 *     its log position falls between two commit batches), then, without the
 *     lock: flushes the log to that position, writes every published dirty
 *     page, syncs, and writes the header that names the version. Until that
 *     header write returns, the previous checkpoint stays the durable one,
 *     and none of its pages can have been reused (rule 1).
 *  3. The checkpoint file (<system path>/<base>.chk) lists the attached
 *     databases and their slots and the log position recovery starts from.
 *     It is rewritten before a database is marked dirty (attach, create) and
 *     after one is marked clean (detach), so recovery always knows every
 *     database the log may hold changes for.
 *  4. Published pages never change, so they may be written at any time, even
 *     while readers pin them; the engine keeps a lock-free bitmap of them for
 *     the cache's flush filter (the space map has a lock the cache must not
 *     take).
 * Lock order: inst->mu, then db->ckpt_lock, then inst->commit_lock, then
 * db->mu / lock tables; the cache and space locks are innermost.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/random.h>
#include <time.h>

#include "crc32c.h"
#include "engine_int.h"

#define CHK_MAGIC "JETCHK01"
#define PUB_CHUNK_BITS 16
#define PUB_CHUNKS (1u << (32 - PUB_CHUNK_BITS))

/* ---- published-page bitmap (rule 4) ---- */

typedef struct pub_map {
	_Atomic(uint8_t *) chunks[PUB_CHUNKS];
} pub_map;

static pub_map *db_pub(jdb *db);

/* Makes sure the bitmap chunk holding pgno exists. Called when a page is
 * allocated (where failing is allowed), so that publishing it, which must
 * not fail, never allocates. */
static JET_ERR pub_reserve(jdb *db, uint32_t pgno)
{
	pub_map *m = db_pub(db);
	uint32_t ci = pgno >> PUB_CHUNK_BITS;
	if (atomic_load_explicit(&m->chunks[ci], memory_order_acquire))
		return JET_errSuccess;
	uint8_t *fresh = jet_calloc(1, (1u << PUB_CHUNK_BITS) / 8);
	if (!fresh)
		return JET_errOutOfMemory;
	uint8_t *expected = NULL;
	if (!atomic_compare_exchange_strong(&m->chunks[ci], &expected, fresh))
		jet_free(fresh);
	return JET_errSuccess;
}

JET_ERR eng_page_reserve(jdb *db, uint32_t pgno) { return pub_reserve(db, pgno); }

static void pub_set(jdb *db, uint32_t pgno, bool on)
{
	pub_map *m = db_pub(db);
	uint32_t ci = pgno >> PUB_CHUNK_BITS;
	uint8_t *chunk = atomic_load_explicit(&m->chunks[ci], memory_order_acquire);
	if (!chunk) {
		/* Never published, so nothing to clear; setting needs the chunk
		 * that pub_reserve made when the page was allocated. */
		assert(!on);
		return;
	}
	uint32_t bit = pgno & ((1u << PUB_CHUNK_BITS) - 1);
	_Atomic uint8_t *byte = (_Atomic uint8_t *)&chunk[bit >> 3];
	if (on)
		atomic_fetch_or(byte, (uint8_t)(1u << (bit & 7)));
	else
		atomic_fetch_and(byte, (uint8_t) ~(1u << (bit & 7)));
}

static bool pub_get(jdb *db, uint32_t pgno)
{
	pub_map *m = db_pub(db);
	uint8_t *chunk = atomic_load_explicit(&m->chunks[pgno >> PUB_CHUNK_BITS], memory_order_acquire);
	if (!chunk)
		return false;
	uint32_t bit = pgno & ((1u << PUB_CHUNK_BITS) - 1);
	return (atomic_load((_Atomic uint8_t *)&chunk[bit >> 3]) >> (bit & 7)) & 1;
}

static void pub_free(pub_map *m)
{
	if (!m)
		return;
	for (uint32_t i = 0; i < PUB_CHUNKS; i++)
		jet_free(atomic_load(&m->chunks[i]));
	jet_free(m);
}

/* jdb keeps the map behind an opaque pointer stored in its user-free area. */
typedef struct jdb_ext {
	jdb db;
	pub_map *pub;
} jdb_ext;

static pub_map *db_pub(jdb *db) { return ((jdb_ext *)db)->pub; }

void eng_page_published(jdb *db, uint32_t pgno) { pub_set(db, pgno, true); }
void eng_page_freed(jdb *db, uint32_t pgno) { pub_set(db, pgno, false); }

/* ---- small helpers ---- */

uint64_t eng_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t eng_new_stamp(jinst *inst) { return atomic_fetch_add(&inst->next_stamp, 1); }

void eng_dir_key(uint32_t objid, uint8_t key[4]) { put_be32(key, objid); }

void eng_dir_encode(const eng_tree_info *in, uint8_t out[DIR_VAL_SIZE])
{
	put_le32(out, in->root);
	put_le32(out + 4, 0);
	for (int i = 0; i < ENG_TREE_COUNTERS; i++)
		put_le64(out + 8 + 8 * i, (uint64_t)in->counter[i]);
	put_le64(out + 8 + 8 * ENG_TREE_COUNTERS, in->changed_ns);
	put_le64(out + 16 + 8 * ENG_TREE_COUNTERS, in->modifications);
}

JET_ERR eng_dir_decode(const void *val, size_t cb, eng_tree_info *out)
{
	const uint8_t *v = val;
	if (cb != DIR_VAL_SIZE)
		return JET_errDatabaseCorrupted;
	out->root = get_le32(v);
	for (int i = 0; i < ENG_TREE_COUNTERS; i++)
		out->counter[i] = (int64_t)get_le64(v + 8 + 8 * i);
	out->changed_ns = get_le64(v + 8 + 8 * ENG_TREE_COUNTERS);
	out->modifications = get_le64(v + 16 + 8 * ENG_TREE_COUNTERS);
	return JET_errSuccess;
}

JET_ERR eng_dir_get(jdb *db, uint32_t dir_root, uint32_t objid, eng_tree_info *out)
{
	uint8_t key[4], val[DIR_VAL_SIZE];
	size_t cb = 0;
	eng_dir_key(objid, key);
	JET_ERR err = bt_get(db->cache, dir_root, key, sizeof(key), val, sizeof(val), &cb);
	if (err == JET_errRecordNotFound)
		return JET_errObjectNotFound;
	if (err < 0)
		return err;
	return eng_dir_decode(val, cb, out);
}

JET_ERR eng_dir_lookup(jdb *db, uint32_t dir_root, uint32_t objid, uint32_t *proot)
{
	eng_tree_info info;
	CallR(eng_dir_get(db, dir_root, objid, &info));
	*proot = info.root;
	return JET_errSuccess;
}

/* The instance's end, as every later call reports it: a log that died of
 * a full disk says so (ESE's InstanceUnavailableDueToFatalLogDiskFull, ENOSPC
 * through jetfs), any other cause is JET_errInstanceUnavailable. */
void eng_set_fatal(jinst *inst, JET_ERR err)
{
	JET_ERR none = 0;
	atomic_compare_exchange_strong(&inst->fatal, &none,
				       err == JET_errLogDiskFull
					   ? JET_errInstanceUnavailableDueToFatalLogDiskFull
					   : JET_errInstanceUnavailable);
}

JET_ERR eng_inst_fatal(const jinst *inst) { return inst->fatal; }

static void random_bytes(uint8_t *buf, size_t cb)
{
	size_t got = 0;
	while (got < cb) {
		ssize_t n = getrandom(buf + got, cb - got, 0);
		if (n <= 0) {
			/* No entropy source: time and address still make collisions
			 * between two databases of one machine unlikely. */
			uint64_t t = eng_now_ns() ^ (uint64_t)(uintptr_t)buf;
			while (got < cb) {
				buf[got++] = (uint8_t)t;
				t = t * 6364136223846793005ull + 1442695040888963407ull;
			}
			return;
		}
		got += (size_t)n;
	}
}

/* ---- parameters and instances ---- */

void eng_params_default(eng_params *p)
{
	memset(p, 0, sizeof(*p));
	strcpy(p->system_path, "./");
	strcpy(p->temp_path, "./");
	strcpy(p->log_path, "./");
	strcpy(p->base_name, "edb");
	p->max_sessions = 16;
	p->max_open_tables = 300;
	p->max_cursors = 1024;
	p->max_ver_pages = 64;
	p->max_temp_tables = 20;
	p->log_file_size_kb = 5120;
	p->log_buffers = 126;
	p->commit_default = 0;
	p->circular_log = false;
	p->db_extension_size = 256;
	p->cache_size_max = 16384;
	p->cache_size_min = 64;
	p->checkpoint_depth_max = 20u * 1024 * 1024;
	p->recovery = true;
	p->page_size = DB_PAGE_SIZE_DEFAULT;
	p->create_path_if_not_exist = false;
	p->vfs = NULL;
}

JET_ERR eng_inst_create(const char *name, jinst **out)
{
	jinst *inst = jet_calloc(1, sizeof(*inst));
	if (!inst)
		return JET_errOutOfMemory;
	if (name)
		snprintf(inst->name, sizeof(inst->name), "%s", name);
	eng_params_default(&inst->p);
	pthread_mutex_init(&inst->commit_lock, NULL);
	pthread_mutex_init(&inst->mu, NULL);
	pthread_mutex_init(&inst->ckpt_mu, NULL);
	pthread_cond_init(&inst->ckpt_cv, NULL);
	pthread_cond_init(&inst->ckpt_idle_cv, NULL);
	TAILQ_INIT(&inst->sessions);
	atomic_init(&inst->next_stamp, 16);
	*out = inst;
	return JET_errSuccess;
}

void eng_inst_destroy(jinst *inst)
{
	if (!inst)
		return;
	pthread_mutex_destroy(&inst->commit_lock);
	pthread_mutex_destroy(&inst->mu);
	pthread_mutex_destroy(&inst->ckpt_mu);
	pthread_cond_destroy(&inst->ckpt_cv);
	pthread_cond_destroy(&inst->ckpt_idle_cv);
	jet_free(inst);
}

eng_params *eng_inst_params(jinst *inst) { return &inst->p; }
const char *eng_inst_name(const jinst *inst) { return inst->name; }

/* ---- the checkpoint file (rule 3) ---- */

JET_ERR eng_chk_read(jinst *inst, chk_data *out, bool *pfFound)
{
	JET_ERR err = JET_errSuccess;
	os_file *f = NULL;
	uint8_t *buf = NULL;
	bool found = false;
	*pfFound = false;
	err = os_open(inst->p.vfs, inst->chk_path, OS_OPEN_READONLY, &f);
	if (err == JET_errFileNotFound)
		return JET_errSuccess;
	Call(err);
	buf = jet_malloc(CHK_SLOT_SIZE);
	if (!buf)
		Error(JET_errOutOfMemory);
	for (int copy = 0; copy < 2; copy++) {
		size_t got = 0;
		Call(os_read(f, (uint64_t)copy * CHK_SLOT_SIZE, buf, CHK_SLOT_SIZE, &got));
		if (got != CHK_SLOT_SIZE || memcmp(buf, CHK_MAGIC, 8) != 0)
			continue;
		if (crc32c(buf, CHK_SLOT_SIZE - 4) != get_le32(buf + CHK_SLOT_SIZE - 4))
			continue;
		uint64_t seq = get_le64(buf + 8);
		if (found && seq <= out->seq)
			continue;
		chk_data d;
		memset(&d, 0, sizeof(d));
		d.seq = seq;
		memcpy(d.signature, buf + 16, 16);
		d.recovery_lsn = get_le64(buf + 32);
		d.ndbs = get_le32(buf + 40);
		if (d.ndbs > ENG_MAX_DBS)
			continue;
		size_t off = 44;
		bool ok = true;
		for (uint32_t i = 0; i < d.ndbs && ok; i++) {
			d.dbs[i].slot = buf[off];
			memcpy(d.dbs[i].signature, buf + off + 1, 16);
			uint16_t len = get_le16(buf + off + 17);
			if (len >= sizeof(d.dbs[i].path) || off + 19 + len > CHK_SLOT_SIZE - 4) {
				ok = false;
				break;
			}
			memcpy(d.dbs[i].path, buf + off + 19, len);
			d.dbs[i].path[len] = 0;
			off += 19u + len;
		}
		if (!ok)
			continue;
		*out = d;
		found = true;
	}
	*pfFound = found;
	if (!found)
		err = JET_errCheckpointCorrupt;
HandleError:
	jet_free(buf);
	if (f)
		os_close(f);
	return err;
}

JET_ERR eng_chk_encode(const chk_data *d, uint8_t *slot)
{
	memset(slot, 0, CHK_SLOT_SIZE);
	memcpy(slot, CHK_MAGIC, 8);
	put_le64(slot + 8, d->seq);
	memcpy(slot + 16, d->signature, 16);
	put_le64(slot + 32, d->recovery_lsn);
	put_le32(slot + 40, d->ndbs);
	size_t off = 44;
	for (uint32_t i = 0; i < d->ndbs; i++) {
		size_t len = strlen(d->dbs[i].path);
		/* eng_chk_read refuses a path that fills its buffer: never write one */
		if (len >= sizeof(d->dbs[i].path) || off + 19 + len > CHK_SLOT_SIZE - 4)
			return JET_errInvalidPath;
		slot[off] = d->dbs[i].slot;
		memcpy(slot + off + 1, d->dbs[i].signature, 16);
		put_le16(slot + off + 17, (uint16_t)len);
		memcpy(slot + off + 19, d->dbs[i].path, len);
		off += 19 + len;
	}
	put_le32(slot + CHK_SLOT_SIZE - 4, crc32c(slot, CHK_SLOT_SIZE - 4));
	return JET_errSuccess;
}

/* Writes the next copy of the checkpoint file from the attached databases.
 * Caller holds inst->commit_lock (so the log position is between batches). */
JET_ERR eng_chk_write(jinst *inst)
{
	JET_ERR err = JET_errSuccess;
	os_file *f = NULL;
	chk_data d;
	uint8_t *buf = jet_malloc(CHK_SLOT_SIZE);
	bool existed = false;
	if (!buf)
		return JET_errOutOfMemory;
	memset(&d, 0, sizeof(d));
	d.seq = ++inst->chk_seq;
	memcpy(d.signature, inst->log_signature, 16);
	d.recovery_lsn = inst->log ? jlog_end(inst->log) : 0;
	for (int i = 0; i < ENG_MAX_DBS; i++) {
		jdb *db = inst->dbs[i];
		if (!db || db->readonly)
			continue;
		chk_db *e = &d.dbs[d.ndbs++];
		e->slot = db->slot;
		memcpy(e->signature, db->hdr.signature, 16);
		if (strlen(db->path) >= sizeof(e->path))
			Error(JET_errInvalidPath);
		strcpy(e->path, db->path);
		if (db->ckpt_lsn < d.recovery_lsn)
			d.recovery_lsn = db->ckpt_lsn;
	}
	Call(eng_chk_encode(&d, buf));
	Call(inst->p.vfs->exists(inst->p.vfs, inst->chk_path, &existed));
	Call(os_open(inst->p.vfs, inst->chk_path, OS_OPEN_CREATE, &f));
	Call(os_write(f, (inst->chk_seq & 1) * (uint64_t)CHK_SLOT_SIZE, buf, CHK_SLOT_SIZE));
	if (!existed) /* the other copy must exist too, or the file reads short */
		Call(os_write(f, (~inst->chk_seq & 1) * (uint64_t)CHK_SLOT_SIZE, buf, CHK_SLOT_SIZE));
	Call(os_sync(f));
	if (!existed)
		Call(inst->p.vfs->sync_dir(inst->p.vfs, inst->p.system_path));
HandleError:
	if (f)
		os_close(f);
	jet_free(buf);
	return err;
}

/* ---- databases ---- */

static JET_ERR db_alloc(jinst *inst, const char *path, bool readonly, jdb **out)
{
	jdb_ext *x = jet_calloc(1, sizeof(*x));
	if (!x)
		return JET_errOutOfMemory;
	x->pub = jet_calloc(1, sizeof(pub_map));
	jdb *db = &x->db;
	db->path = jet_strdup(path);
	if (!x->pub || !db->path) {
		jet_free(x->pub);
		jet_free(db->path);
		jet_free(x);
		return JET_errOutOfMemory;
	}
	db->inst = inst;
	db->readonly = readonly;
	pthread_mutex_init(&db->mu, NULL);
	pthread_mutex_init(&db->ckpt_lock, NULL);
	TAILQ_INIT(&db->versions);
	size_t max_entries = (size_t)inst->p.max_ver_pages * 16384 / sizeof(lock_entry);
	if (max_entries < 1024)
		max_entries = 1024;
	lock_table_init(&db->locks, max_entries);
	*out = db;
	return JET_errSuccess;
}

void eng_db_close_file(jdb *db)
{
	if (!db)
		return;
	jver *v;
	while ((v = TAILQ_FIRST(&db->versions))) {
		TAILQ_REMOVE(&db->versions, v, link);
		jet_free(v);
	}
	if (db->user && db->user_free)
		db->user_free(db->user);
	if (db->space)
		space_destroy(db->space);
	if (db->cache)
		jcache_destroy(db->cache);
	if (db->file)
		dbfile_close(db->file);
	lock_table_destroy(&db->locks);
	jet_free(db->ckpt_dur);
	jet_free(db->ckpt_pend);
	pthread_mutex_destroy(&db->mu);
	pthread_mutex_destroy(&db->ckpt_lock);
	pub_free(db_pub(db));
	jet_free(db->path);
	jet_free(db);
}

static void on_page_free(void *ctx, uint32_t pgno)
{
	jdb *db = ctx;
	pub_set(db, pgno, false);
	jcache_discard(db->cache, pgno);
}

static void stamp_floor_raise(jinst *inst, uint64_t floor)
{
	uint64_t cur = atomic_load(&inst->next_stamp);
	while (cur < floor && !atomic_compare_exchange_weak(&inst->next_stamp, &cur, floor))
		;
}

static uint8_t *published_bits(jdb *db, uint32_t n);

/* Opens the file and rebuilds the in-memory state of its last checkpoint. */
JET_ERR eng_db_open_file(jinst *inst, const char *path, bool readonly, jdb **out)
{
	JET_ERR err = JET_errSuccess;
	jdb *db = NULL;
	jver *v = NULL;
	Call(db_alloc(inst, path, readonly, &db));
	Call(dbfile_open(inst->p.vfs, path, readonly, !readonly, &db->file, &db->hdr));
	/* A header claiming more pages than the file holds is damaged (or the
	 * file was cut short): refuse before sizing anything by it. */
	if (db->hdr.page_count < DB_FIRST_DATA_PAGE || db->hdr.page_count > dbfile_page_count(db->file) ||
	    db->hdr.dir_root >= db->hdr.page_count || db->hdr.freelist_head >= db->hdr.page_count)
		Error(JET_errDatabaseCorrupted);
	Call(jcache_create(db->file, (uint32_t)inst->p.cache_size_max, &db->cache));
	Call(space_create(db->file, db->hdr.page_count, &db->space));
	if (db->hdr.freelist_head)
		Call(space_load(db->space, db->cache, db->hdr.freelist_head, db->hdr.ckpt_version + 1));
	for (uint32_t pg = DB_FIRST_DATA_PAGE; pg < db->hdr.page_count; pg++)
		if (space_page_state(db->space, pg) != 'F') {
			Call(pub_reserve(db, pg));
			pub_set(db, pg, true);
		}
	v = jet_calloc(1, sizeof(*v));
	if (!v)
		Error(JET_errOutOfMemory);
	v->ver = db->hdr.ckpt_version;
	v->dir_root = db->hdr.dir_root;
	v->refs = 1;
	v->commit_time_ns = db->hdr.last_commit_time;
	TAILQ_INSERT_TAIL(&db->versions, v, link);
	db->current = v;
	v = NULL;
	db->durable_ckpt_ver = db->hdr.ckpt_version;
	db->h_readers = db->h_durable = db->hdr.ckpt_version;
	db->ckpt_dur_n = db->hdr.page_count;
	db->ckpt_dur = published_bits(db, db->ckpt_dur_n);
	if (!db->ckpt_dur)
		Error(JET_errOutOfMemory);
	db->ckpt_lsn = db->hdr.ckpt_lsn;
	atomic_store(&db->next_objid, db->hdr.next_objid < OBJID_FIRST_USER ? OBJID_FIRST_USER
									   : db->hdr.next_objid);
	stamp_floor_raise(inst, db->hdr.next_stamp);
	*out = db;
	return JET_errSuccess;
HandleError:
	jet_free(v);
	eng_db_close_file(db);
	return err;
}

jver *eng_db_pin_current(jdb *db)
{
	pthread_mutex_lock(&db->mu);
	jver *v = db->current;
	v->refs++;
	pthread_mutex_unlock(&db->mu);
	return v;
}

/* Horizons (rule 1): superseded pages of versions up to the readers'
 * horizon may be reused if no durable checkpoint references them; the
 * others also wait for the durable checkpoint. Called with db->mu held;
 * returns whether either moved. */
static bool horizons_locked(jdb *db, uint64_t *preaders, uint64_t *pdurable)
{
	jver *oldest = TAILQ_FIRST(&db->versions);
	uint64_t r = oldest ? oldest->ver : db->current->ver;
	uint64_t d = db->durable_ckpt_ver;
	if (db->backup_hold && db->backup_hold < d)
		d = db->backup_hold;
	bool moved = r > db->h_readers || d > db->h_durable;
	if (r > db->h_readers)
		db->h_readers = r;
	if (d > db->h_durable)
		db->h_durable = d;
	*preaders = db->h_readers;
	*pdurable = db->h_durable;
	return moved;
}

static void horizon_advance(jdb *db, bool moved, uint64_t readers, uint64_t durable)
{
	if (moved)
		space_set_horizons(db->space, readers, durable, on_page_free, db);
}

/* Bit array helpers for the checkpoint page sets. */
static bool bits_get(const uint8_t *b, uint32_t n, uint32_t i)
{
	return b && i < n && ((b[i >> 3] >> (i & 7)) & 1);
}

bool eng_page_in_checkpoint(const jdb *db, uint32_t pgno)
{
	return bits_get(db->ckpt_dur, db->ckpt_dur_n, pgno) ||
	       bits_get(db->ckpt_pend, db->ckpt_pend_n, pgno);
}

/* The published pages now: a superset of the pages of the current version. */
static uint8_t *published_bits(jdb *db, uint32_t n)
{
	uint8_t *b = jet_calloc((n + 7) / 8 + 1, 1);
	if (!b)
		return NULL;
	for (uint32_t pg = 0; pg < n; pg++)
		if (pub_get(db, pg))
			b[pg >> 3] |= (uint8_t)(1u << (pg & 7));
	return b;
}

void eng_db_refresh_horizons(jdb *db)
{
	uint64_t r, d;
	pthread_mutex_lock(&db->mu);
	bool moved = horizons_locked(db, &r, &d);
	pthread_mutex_unlock(&db->mu);
	horizon_advance(db, moved, r, d);
}

void eng_db_unpin(jdb *db, jver *v)
{
	bool moved = false;
	uint64_t r = 0, d = 0;
	pthread_mutex_lock(&db->mu);
	if (--v->refs == 0) {
		bool was_oldest = (v == TAILQ_FIRST(&db->versions));
		TAILQ_REMOVE(&db->versions, v, link);
		jet_free(v);
		if (was_oldest)
			moved = horizons_locked(db, &r, &d);
	}
	pthread_mutex_unlock(&db->mu);
	horizon_advance(db, moved, r, d);
}

JET_ERR eng_db_publish(jdb *db, uint64_t ver, uint32_t dir_root, jet_lsn lsn_end, uint64_t time_ns)
{
	jver *v = jet_calloc(1, sizeof(*v));
	if (!v)
		return JET_errOutOfMemory;
	v->ver = ver;
	v->dir_root = dir_root;
	v->refs = 1;
	v->lsn_end = lsn_end;
	v->commit_time_ns = time_ns;
	pthread_mutex_lock(&db->mu);
	jver *old = db->current;
	TAILQ_INSERT_TAIL(&db->versions, v, link);
	db->current = v;
	pthread_mutex_unlock(&db->mu);
	atomic_fetch_add(&db->commits, 1);
	eng_db_unpin(db, old);
	return JET_errSuccess;
}

static bool want_published(void *ctx, uint32_t pgno) { return pub_get(ctx, pgno); }

/* Marks the pages of a freelist chain published so the flush writes them.
 * Layout (space.c): common header, u32 next, u32 count, pairs. */
static JET_ERR mark_freelist_pages(jdb *db, uint32_t head)
{
	uint32_t pg = head, guard = 0;
	while (pg) {
		jbuf *b;
		CallR(jcache_get(db->cache, pg, &b));
		uint32_t next = get_le32(b->data + PAGE_HEADER_SIZE);
		jcache_release(db->cache, b);
		pub_set(db, pg, true);
		pg = next;
		if (++guard > (1u << 26))
			return JET_errDatabaseCorrupted;
	}
	return JET_errSuccess;
}

/* Rule 2. Caller holds db->ckpt_lock. */
JET_ERR eng_db_checkpoint_locked(jdb *db, bool clean)
{
	JET_ERR err = JET_errSuccess;
	jinst *inst = db->inst;
	jver *v = NULL;
	db_header hdr;
	uint32_t head = 0;
	jet_lsn lsn = 0;

	if (db->readonly)
		return JET_errSuccess;
	pthread_mutex_lock(&inst->commit_lock);
	v = eng_db_pin_current(db);
	lsn = inst->log ? jlog_end(inst->log) : 0;
	uint32_t covered = 0;
	err = space_save(db->space, db->cache, v->ver + 1, &head, &covered);
	if (err >= 0 && head)
		err = mark_freelist_pages(db, head);
	if (err >= 0) {
		/* Every page this checkpoint may write or list as used. */
		jet_free(db->ckpt_pend);
		db->ckpt_pend_n = dbfile_page_count(db->file);
		db->ckpt_pend = published_bits(db, db->ckpt_pend_n);
		if (!db->ckpt_pend)
			err = JET_errOutOfMemory;
	}
	hdr = db->hdr;
	hdr.state = clean ? JET_dbstateCleanShutdown : JET_dbstateDirtyShutdown;
	hdr.ckpt_version = v->ver;
	hdr.ckpt_lsn = lsn;
	hdr.dir_root = v->dir_root;
	hdr.freelist_head = head;
	hdr.page_count = covered;
	hdr.next_objid = atomic_load(&db->next_objid);
	hdr.next_stamp = atomic_load(&inst->next_stamp);
	hdr.ckpt_time = eng_now_ns() / 1000000000u;
	hdr.last_commit_time = v->commit_time_ns;
	pthread_mutex_unlock(&inst->commit_lock);
	Call(err);

	if (inst->log)
		Call(jlog_flush(inst->log, lsn));
	Call(jcache_flush(db->cache, want_published, db));
	if (JET_CRASH_POINT("checkpoint.after_pages"))
		Error(JET_errDiskIO);
	Call(dbfile_sync(db->file));
	if (JET_CRASH_POINT("checkpoint.before_header"))
		Error(JET_errDiskIO);
	Call(dbfile_write_header(db->file, &hdr));
	if (JET_CRASH_POINT("checkpoint.after_header"))
		Error(JET_errDiskIO);
	db->hdr = hdr;
	pthread_mutex_lock(&inst->commit_lock);
	jet_free(db->ckpt_dur);
	db->ckpt_dur = db->ckpt_pend;
	db->ckpt_dur_n = db->ckpt_pend_n;
	db->ckpt_pend = NULL;
	db->ckpt_pend_n = 0;
	pthread_mutex_unlock(&inst->commit_lock);
	{
		uint64_t r, d;
		pthread_mutex_lock(&db->mu);
		db->durable_ckpt_ver = v->ver;
		db->ckpt_lsn = lsn;
		bool moved = horizons_locked(db, &r, &d);
		pthread_mutex_unlock(&db->mu);
		horizon_advance(db, moved, r, d);
	}
HandleError:
	if (err < 0) {
		/* The old durable set stays the truth; forget the attempt's. */
		pthread_mutex_lock(&inst->commit_lock);
		jet_free(db->ckpt_pend);
		db->ckpt_pend = NULL;
		db->ckpt_pend_n = 0;
		pthread_mutex_unlock(&inst->commit_lock);
	}
	if (v)
		eng_db_unpin(db, v);
	return err;
}

/* After checkpoints: rewrite the checkpoint file and drop old logs. */
JET_ERR eng_truncate_logs(jinst *inst)
{
	if (!inst->log)
		return JET_errSuccess;
	pthread_mutex_lock(&inst->commit_lock);
	jet_lsn oldest = jlog_end(inst->log);
	for (int i = 0; i < ENG_MAX_DBS; i++)
		if (inst->dbs[i] && !inst->dbs[i]->readonly && inst->dbs[i]->ckpt_lsn < oldest)
			oldest = inst->dbs[i]->ckpt_lsn;
	if (inst->backup_log_hold && inst->backup_log_hold < oldest)
		oldest = inst->backup_log_hold;
	pthread_mutex_unlock(&inst->commit_lock);
	return jlog_truncate_before(inst->log, oldest);
}

static JET_ERR after_checkpoints(jinst *inst)
{
	JET_ERR err = JET_errSuccess;
	pthread_mutex_lock(&inst->commit_lock);
	err = eng_chk_write(inst);
	pthread_mutex_unlock(&inst->commit_lock);
	if (err >= 0 && inst->p.circular_log)
		err = eng_truncate_logs(inst);
	atomic_store(&inst->log_bytes_at_ckpt, inst->log ? jlog_end(inst->log) : 0);
	return err;
}

JET_ERR eng_db_checkpoint(jdb *db)
{
	if (!db)
		return JET_errInvalidParameter;
	pthread_mutex_lock(&db->ckpt_lock);
	JET_ERR err = eng_db_checkpoint_locked(db, false);
	pthread_mutex_unlock(&db->ckpt_lock);
	if (err >= 0)
		err = after_checkpoints(db->inst);
	return err;
}

static int free_slot(jinst *inst)
{
	for (int i = 0; i < ENG_MAX_DBS; i++)
		if (!inst->dbs[i])
			return i;
	return -1;
}

jdb *eng_db_find(jinst *inst, const char *path)
{
	jdb *found = NULL;
	pthread_mutex_lock(&inst->mu);
	for (int i = 0; i < ENG_MAX_DBS; i++)
		if (inst->dbs[i] && strcmp(inst->dbs[i]->path, path) == 0)
			found = inst->dbs[i];
	pthread_mutex_unlock(&inst->mu);
	return found;
}

/* Registers db in a slot and marks it dirty (rule 3: checkpoint file first).
 * Caller holds inst->mu. */
static JET_ERR attach_locked(jinst *inst, jdb *db)
{
	JET_ERR err = JET_errSuccess;
	int slot = free_slot(inst);
	if (slot < 0)
		return JET_errTooManyAttachedDatabases;
	db->slot = (uint8_t)slot;
	if (db->readonly) {
		inst->dbs[slot] = db;
		return JET_errSuccess;
	}
	pthread_mutex_lock(&inst->commit_lock);
	db->ckpt_lsn = inst->log ? jlog_end(inst->log) : 0;
	inst->dbs[slot] = db;
	err = eng_chk_write(inst);
	if (err >= 0) {
		db->hdr.state = JET_dbstateDirtyShutdown;
		db->hdr.ckpt_lsn = db->ckpt_lsn;
		err = dbfile_write_header(db->file, &db->hdr);
	}
	if (err < 0)
		inst->dbs[slot] = NULL;
	pthread_mutex_unlock(&inst->commit_lock);
	return err;
}

static JET_ERR eng_boot_alloc(void *ctx, uint32_t *pgno);
static JET_ERR eng_boot_drop(void *ctx, uint32_t pgno, uint64_t stamp);

JET_ERR eng_db_create(jinst *inst, const char *path, bool overwrite, jdb **out)
{
	JET_ERR err = JET_errSuccess;
	jdb *db = NULL;
	db_header hdr;
	jver *v = NULL;
	uint32_t roots[3] = {0, 0, 0}, dir_root = 0;
	if (!inst || !path || !*path || !out)
		return JET_errInvalidParameter;
	pthread_mutex_lock(&inst->mu);
	for (int i = 0; i < ENG_MAX_DBS; i++)
		if (inst->dbs[i] && strcmp(inst->dbs[i]->path, path) == 0)
			Error(JET_errDatabaseInUse);
	memset(&hdr, 0, sizeof(hdr));
	hdr.format_version = DB_FORMAT_VERSION;
	hdr.page_size = (uint32_t)inst->p.page_size;
	hdr.state = JET_dbstateJustCreated;
	random_bytes(hdr.signature, sizeof(hdr.signature));
	hdr.create_time = eng_now_ns() / 1000000000u;
	hdr.page_count = DB_FIRST_DATA_PAGE;
	hdr.next_objid = OBJID_FIRST_USER;
	hdr.next_stamp = atomic_load(&inst->next_stamp);
	Call(db_alloc(inst, path, false, &db));
	db->hdr = hdr;
	Call(dbfile_create(inst->p.vfs, path, &db->hdr, overwrite, &db->file));
	dbfile_close(db->file);
	db->file = NULL;
	Call(dbfile_open(inst->p.vfs, path, false, true, &db->file, &db->hdr));
	Call(jcache_create(db->file, (uint32_t)inst->p.cache_size_max, &db->cache));
	Call(space_create(db->file, db->hdr.page_count, &db->space));
	{
		/* The initial version: empty catalog trees and the directory. */
		uint64_t stamp = eng_new_stamp(inst);
		bt_writer w = {db->cache, stamp, stamp, eng_boot_alloc, eng_boot_drop, db, 0};
		Call(bt_create(&w, OBJID_CATALOG, &roots[0]));
		Call(bt_create(&w, OBJID_CATALOG_NAME, &roots[1]));
		Call(bt_create(&w, OBJID_DIR, &dir_root));
		uint32_t objids[2] = {OBJID_CATALOG, OBJID_CATALOG_NAME};
		for (int i = 0; i < 2; i++) {
			uint8_t key[4], val[DIR_VAL_SIZE];
			eng_tree_info info = {roots[i], {0}, eng_now_ns(), 0};
			eng_dir_key(objids[i], key);
			eng_dir_encode(&info, val);
			Call(bt_put(&w, &dir_root, key, 4, val, sizeof(val), 0));
		}
	}
	v = jet_calloc(1, sizeof(*v));
	if (!v)
		Error(JET_errOutOfMemory);
	v->ver = 1;
	v->dir_root = dir_root;
	v->refs = 1;
	v->commit_time_ns = eng_now_ns();
	TAILQ_INSERT_TAIL(&db->versions, v, link);
	db->current = v;
	v = NULL;
	atomic_store(&db->next_objid, OBJID_FIRST_USER);
	Call(attach_locked(inst, db));
	pthread_mutex_lock(&db->ckpt_lock);
	err = eng_db_checkpoint_locked(db, false);
	pthread_mutex_unlock(&db->ckpt_lock);
	if (err < 0) {
		inst->dbs[db->slot] = NULL;
		goto HandleError;
	}
	pthread_mutex_unlock(&inst->mu);
	*out = db;
	return JET_errSuccess;
HandleError:
	pthread_mutex_unlock(&inst->mu);
	jet_free(v);
	bool made = db && db->file;
	eng_db_close_file(db);
	/* A database that failed to come into being leaves no file behind
	 * (a half-made one would neither attach nor check). */
	if (made && err != JET_errDatabaseDuplicate)
		(void)inst->p.vfs->unlink(inst->p.vfs, path);
	return err;
}

/* Pages made while creating a database are published at once: the first
 * version is written by a checkpoint before anyone can see it. */
static JET_ERR eng_boot_alloc(void *ctx, uint32_t *pgno)
{
	jdb *db = ctx;
	CallR(space_alloc(db->space, pgno));
	JET_ERR err = pub_reserve(db, *pgno);
	if (err < 0) {
		space_free(db->space, *pgno);
		return err;
	}
	space_publish(db->space, *pgno);
	pub_set(db, *pgno, true);
	return JET_errSuccess;
}
static JET_ERR eng_boot_drop(void *ctx, uint32_t pgno, uint64_t stamp)
{
	(void)stamp;
	jdb *db = ctx;
	pub_set(db, pgno, false);
	jcache_discard(db->cache, pgno);
	space_retire(db->space, pgno, 1);
	return JET_errSuccess;
}

JET_ERR eng_db_attach(jinst *inst, const char *path, bool readonly, jdb **out)
{
	JET_ERR err = JET_errSuccess;
	jdb *db = NULL;
	if (!inst || !path || !*path || !out)
		return JET_errInvalidParameter;
	pthread_mutex_lock(&inst->mu);
	for (int i = 0; i < ENG_MAX_DBS; i++)
		if (inst->dbs[i] && strcmp(inst->dbs[i]->path, path) == 0) {
			*out = inst->dbs[i];
			pthread_mutex_unlock(&inst->mu);
			return JET_wrnDatabaseAttached;
		}
	err = eng_db_open_file(inst, path, readonly, &db);
	if (err == JET_errFileNotFound)
		err = JET_errFileNotFound;
	Call(err);
	if (db->hdr.state == JET_dbstateDirtyShutdown)
		Error(JET_errDatabaseDirtyShutdown);
	Call(attach_locked(inst, db));
	pthread_mutex_unlock(&inst->mu);
	*out = db;
	return JET_errSuccess;
HandleError:
	pthread_mutex_unlock(&inst->mu);
	eng_db_close_file(db);
	return err;
}

JET_ERR eng_db_detach(jinst *inst, jdb *db)
{
	JET_ERR err = JET_errSuccess;
	if (!inst || !db)
		return JET_errInvalidParameter;
	pthread_mutex_lock(&inst->mu);
	eng_wait_ckpt_idle(inst);
	if (inst->backup) {
		pthread_mutex_unlock(&inst->mu);
		return JET_errBackupInProgress;
	}
	jsess *s;
	TAILQ_FOREACH(s, &inst->sessions, link)
	{
		if (s->parts[db->slot].db == db && s->parts[db->slot].ntrees > 0) {
			pthread_mutex_unlock(&inst->mu);
			return JET_errDatabaseInUse;
		}
	}
	TAILQ_FOREACH(s, &inst->sessions, link)
	txn_release_db(s, db);
	if (!db->readonly) {
		pthread_mutex_lock(&db->ckpt_lock);
		err = eng_db_checkpoint_locked(db, true);
		pthread_mutex_unlock(&db->ckpt_lock);
	}
	if (err >= 0) {
		pthread_mutex_lock(&inst->commit_lock);
		inst->dbs[db->slot] = NULL;
		if (!db->readonly)
			err = eng_chk_write(inst);
		pthread_mutex_unlock(&inst->commit_lock);
		eng_db_close_file(db);
	}
	pthread_mutex_unlock(&inst->mu);
	return err;
}

const char *eng_db_path(const jdb *db) { return db->path; }
bool eng_db_readonly(const jdb *db) { return db->readonly; }
uint32_t eng_db_page_size(const jdb *db) { return db->hdr.page_size; }
jcache *eng_db_cache(jdb *db) { return db->cache; }
uint32_t eng_db_format_version(jdb *db) { return db->hdr.format_version; }
void **eng_db_user_slot(jdb *db) { return &db->user; }
void eng_db_set_user_destructor(jdb *db, void (*fn)(void *)) { db->user_free = fn; }
uint32_t eng_db_new_objid(jdb *db) { return atomic_fetch_add(&db->next_objid, 1); }

void eng_db_stats_get(jdb *db, eng_db_stats *out)
{
	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&db->mu);
	out->version = db->current->ver;
	out->ckpt_version = db->durable_ckpt_ver;
	out->last_commit_time_ns = db->current->commit_time_ns;
	pthread_mutex_unlock(&db->mu);
	space_stats st;
	space_stats_get(db->space, &st);
	out->page_count = st.page_count;
	out->free_pages = st.free;
	out->commits = atomic_load(&db->commits);
	pthread_mutex_lock(&db->locks.mu);
	out->lock_entries = db->locks.used;
	pthread_mutex_unlock(&db->locks.mu);
}

/* ---- integrity check ---- */

typedef struct check_ctx {
	jdb *db;
	uint8_t *seen; /* one byte per page */
	uint32_t npages;
	void (*report)(void *ctx, uint32_t pgno, const char *what);
	void *rctx;
	JET_ERR err;
} check_ctx;

static void check_report(check_ctx *c, uint32_t pgno, const char *what)
{
	if (c->report)
		c->report(c->rctx, pgno, what);
	c->err = JET_errDatabaseCorrupted;
}

static JET_ERR check_page(void *ctx, uint32_t pgno, int page_type, int level)
{
	(void)page_type;
	(void)level;
	check_ctx *c = ctx;
	if (pgno < DB_FIRST_DATA_PAGE || pgno >= c->npages) {
		check_report(c, pgno, "page number outside the file");
		return JET_errDatabaseCorrupted;
	}
	if (c->seen[pgno]) {
		check_report(c, pgno, "page reachable twice");
		return JET_errDatabaseCorrupted;
	}
	c->seen[pgno] = 1;
	return JET_errSuccess;
}

JET_ERR eng_db_check(jdb *db, void (*report)(void *ctx, uint32_t pgno, const char *what), void *rctx)
{
	JET_ERR err = JET_errSuccess;
	check_ctx c = {db, NULL, 0, report, rctx, 0};
	bt_cursor *cur = NULL;
	jver *v = eng_db_pin_current(db);
	c.npages = dbfile_page_count(db->file);
	c.seen = jet_calloc(c.npages ? c.npages : 1, 1);
	if (!c.seen)
		Error(JET_errOutOfMemory);
	Call(bt_check(db->cache, v->dir_root, OBJID_DIR, report, rctx, NULL));
	Call(bt_walk(db->cache, v->dir_root, check_page, &c));
	Call(bt_cursor_open(db->cache, v->dir_root, &cur));
	for (err = bt_first(cur); err >= 0; err = bt_next(cur)) {
		const void *k, *val;
		size_t cbk, cbv;
		Call(bt_cursor_key(cur, &k, &cbk));
		Call(bt_cursor_value(cur, &val, &cbv));
		eng_tree_info info;
		if (cbk != 4 || eng_dir_decode(val, cbv, &info) < 0) {
			check_report(&c, 0, "malformed tree directory entry");
			Error(JET_errDatabaseCorrupted);
		}
		uint32_t objid = get_be32(k), root = info.root;
		Call(bt_check(db->cache, root, objid, report, rctx, NULL));
		Call(bt_walk(db->cache, root, check_page, &c));
	}
	if (err == JET_errNoCurrentRecord || err == JET_errRecordNotFound)
		err = JET_errSuccess;
	Call(err);
	/* Space accounting: with no older snapshot pinned, the pages reachable
	 * from the current version are exactly the LIVE ones. */
	pthread_mutex_lock(&db->mu);
	bool only_current = TAILQ_FIRST(&db->versions) == db->current;
	pthread_mutex_unlock(&db->mu);
	for (uint32_t pg = DB_FIRST_DATA_PAGE; pg < c.npages; pg++) {
		char st = space_page_state(db->space, pg);
		if (c.seen[pg] && st != 'L')
			check_report(&c, pg, "reachable page not marked in use");
		else if (!c.seen[pg] && st == 'L' && only_current)
			check_report(&c, pg, "page in use but unreachable (leaked)");
	}
	err = c.err;
HandleError:
	if (cur)
		bt_cursor_close(cur);
	jet_free(c.seen);
	eng_db_unpin(db, v);
	return err;
}

/* ---- the checkpointer thread ---- */

void eng_wait_ckpt_idle(jinst *inst)
{
	while (inst->ckpt_active)
		pthread_cond_wait(&inst->ckpt_idle_cv, &inst->mu);
}

void eng_ckpt_poke(jinst *inst)
{
	pthread_mutex_lock(&inst->ckpt_mu);
	pthread_cond_signal(&inst->ckpt_cv);
	pthread_mutex_unlock(&inst->ckpt_mu);
}

static uint64_t lsn_distance(const jinst *inst, jet_lsn a, jet_lsn b)
{
	uint64_t fs = inst->lp.file_size ? inst->lp.file_size : 1;
	uint64_t pa = (uint64_t)LSN_GEN(a) * fs + LSN_OFF(a);
	uint64_t pb = (uint64_t)LSN_GEN(b) * fs + LSN_OFF(b);
	return pb > pa ? pb - pa : 0;
}

static uint64_t ckpt_depth(jinst *inst)
{
	return inst->log ? lsn_distance(inst, atomic_load(&inst->log_bytes_at_ckpt),
					jlog_end(inst->log))
			 : 0;
}

/* Recovery replays everything after the checkpoint into new pages, so the
 * space it needs is bounded only as long as the checkpoint keeps up. A
 * checkpointer starved of CPU did not: a fill of t7001 ran to the full disk
 * with no checkpoint at all (4 MiB of log) and recovery then needed more
 * than the 4 MiB given back (RELIABILITY.md bug 10). So a commit that finds
 * the log more than CheckpointDepthMax deep waits for one whole pass of the
 * checkpointer; only for one: a pass that cannot write (a full disk) must
 * not stall commits, whose own durability is already settled. */
void eng_ckpt_throttle(jinst *inst)
{
	eng_ckpt_poke(inst);
	if (!inst->ckpt_running || ckpt_depth(inst) <= inst->p.checkpoint_depth_max)
		return;
	pthread_mutex_lock(&inst->mu);
	/* a pass under way may have captured its version before this commit */
	uint64_t target = inst->ckpt_passes + (inst->ckpt_active ? 2 : 1);
	pthread_mutex_unlock(&inst->mu);
	for (;;) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 50 * 1000 * 1000;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_mutex_lock(&inst->mu);
		if (inst->ckpt_passes < target)
			pthread_cond_timedwait(&inst->ckpt_idle_cv, &inst->mu, &ts);
		bool done = inst->ckpt_passes >= target;
		pthread_mutex_unlock(&inst->mu);
		if (done || inst->fatal || ckpt_depth(inst) <= inst->p.checkpoint_depth_max)
			return;
		/* a poke lost while the checkpointer was busy would cost it a
		 * second of sleep: poke again; stop once it is told to end */
		pthread_mutex_lock(&inst->ckpt_mu);
		bool stop = inst->ckpt_stop;
		pthread_cond_signal(&inst->ckpt_cv);
		pthread_mutex_unlock(&inst->ckpt_mu);
		if (stop)
			return;
	}
}

static void *ckpt_main(void *arg)
{
	jinst *inst = arg;
	uint64_t last = eng_now_ns();
	pthread_mutex_lock(&inst->ckpt_mu);
	while (!inst->ckpt_stop) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += 1;
		pthread_cond_timedwait(&inst->ckpt_cv, &inst->ckpt_mu, &ts);
		if (inst->ckpt_stop)
			break;
		pthread_mutex_unlock(&inst->ckpt_mu);
		uint64_t now = eng_now_ns();
		bool deep = ckpt_depth(inst) > inst->p.checkpoint_depth_max / 2;
		if ((deep || now - last > 5000000000ull) && !inst->fatal) {
			bool any = false;
			jdb *dbs[ENG_MAX_DBS];
			pthread_mutex_lock(&inst->mu);
			memcpy(dbs, inst->dbs, sizeof(dbs));
			inst->ckpt_active = true;
			pthread_mutex_unlock(&inst->mu);
			for (int i = 0; i < ENG_MAX_DBS; i++) {
				jdb *db = dbs[i];
				if (!db || db->readonly)
					continue;
				pthread_mutex_lock(&db->mu);
				bool changed = db->current->ver != db->durable_ckpt_ver;
				pthread_mutex_unlock(&db->mu);
				if (!changed)
					continue;
				pthread_mutex_lock(&db->ckpt_lock);
				if (eng_db_checkpoint_locked(db, false) >= 0)
					any = true;
				pthread_mutex_unlock(&db->ckpt_lock);
			}
			if (any)
				(void)after_checkpoints(inst);
			pthread_mutex_lock(&inst->mu);
			inst->ckpt_active = false;
			inst->ckpt_passes++;
			pthread_cond_broadcast(&inst->ckpt_idle_cv);
			pthread_mutex_unlock(&inst->mu);
			last = now;
		}
		pthread_mutex_lock(&inst->ckpt_mu);
	}
	pthread_mutex_unlock(&inst->ckpt_mu);
	return NULL;
}

/* ---- init and term ---- */

void eng_path_join(char *out, size_t cb, const char *dir, const char *name)
{
	size_t n = strlen(dir);
	snprintf(out, cb, "%s%s%s", dir, (n && dir[n - 1] != '/') ? "/" : "", name);
}

JET_ERR eng_init(jinst *inst, JET_GRBIT grbit)
{
	JET_ERR err = JET_errSuccess;
	if (!inst)
		return JET_errInvalidParameter;
	if (inst->initialized)
		return JET_errAlreadyInitialized;
	inst->init_grbit = grbit;
	if (!inst->p.vfs)
		inst->p.vfs = os_vfs_posix();
	if (inst->p.create_path_if_not_exist) {
		Call(inst->p.vfs->mkdir(inst->p.vfs, inst->p.system_path));
		Call(inst->p.vfs->mkdir(inst->p.vfs, inst->p.log_path));
	}
	snprintf(inst->log_dir, sizeof(inst->log_dir), "%s", inst->p.log_path);
	{
		char name[16];
		snprintf(name, sizeof(name), "%s.chk", inst->p.base_name);
		eng_path_join(inst->chk_path, sizeof(inst->chk_path), inst->p.system_path, name);
	}
	inst->lp.vfs = inst->p.vfs;
	inst->lp.dir = inst->log_dir;
	inst->lp.base = inst->p.base_name;
	inst->lp.file_size = (uint32_t)(inst->p.log_file_size_kb * 1024);
	if (inst->lp.file_size < 64 * 1024)
		inst->lp.file_size = 64 * 1024;
	inst->fatal = 0;
	if (inst->p.recovery)
		Call(eng_recover(inst));
	/* recovery checkpointed every database: the depth counts from here */
	atomic_store(&inst->log_bytes_at_ckpt, inst->log ? jlog_end(inst->log) : 0);
	inst->ckpt_stop = false;
	if (pthread_create(&inst->ckpt_thread, NULL, ckpt_main, inst) != 0)
		Error(JET_errOutOfMemory);
	inst->ckpt_running = true;
	inst->initialized = true;
	return JET_errSuccess;
HandleError:
	if (inst->log) {
		jlog_close(inst->log);
		inst->log = NULL;
	}
	return err;
}

/* Called by recovery with a fresh signature. */
void eng_new_log_signature(jinst *inst)
{
	random_bytes(inst->log_signature, sizeof(inst->log_signature));
	memcpy(inst->lp.signature, inst->log_signature, 16);
}

JET_ERR eng_term(jinst *inst, JET_GRBIT grbit)
{
	JET_ERR err = JET_errSuccess;
	if (!inst)
		return JET_errInvalidParameter;
	if (!inst->initialized)
		return JET_errNotInitialized;
	bool dirty = (grbit & (JET_bitTermAbrupt | JET_bitTermDirty)) != 0 || inst->fatal;
	if (inst->ckpt_running) {
		pthread_mutex_lock(&inst->ckpt_mu);
		inst->ckpt_stop = true;
		pthread_cond_signal(&inst->ckpt_cv);
		pthread_mutex_unlock(&inst->ckpt_mu);
		pthread_join(inst->ckpt_thread, NULL);
		inst->ckpt_running = false;
	}
	jsess *s;
	while ((s = TAILQ_FIRST(&inst->sessions)))
		CallS(eng_sess_end(s));
	if (inst->log && !dirty)
		CallS(jlog_flush(inst->log, jlog_end(inst->log)));
	pthread_mutex_lock(&inst->mu);
	for (int i = 0; i < ENG_MAX_DBS; i++) {
		jdb *db = inst->dbs[i];
		if (!db)
			continue;
		if (!dirty && !db->readonly) {
			pthread_mutex_lock(&db->ckpt_lock);
			JET_ERR e = eng_db_checkpoint_locked(db, true);
			pthread_mutex_unlock(&db->ckpt_lock);
			if (e < 0 && err >= 0)
				err = e;
		}
	}
	if (!dirty && err >= 0) {
		for (int i = 0; i < ENG_MAX_DBS; i++)
			if (inst->dbs[i] && !inst->dbs[i]->readonly) {
				/* Clean: its log is no longer needed for recovery. */
			}
		jdb *keep[ENG_MAX_DBS];
		memcpy(keep, inst->dbs, sizeof(keep));
		memset(inst->dbs, 0, sizeof(inst->dbs));
		pthread_mutex_lock(&inst->commit_lock);
		CallS(eng_chk_write(inst));
		pthread_mutex_unlock(&inst->commit_lock);
		memcpy(inst->dbs, keep, sizeof(keep));
	}
	for (int i = 0; i < ENG_MAX_DBS; i++) {
		eng_db_close_file(inst->dbs[i]);
		inst->dbs[i] = NULL;
	}
	pthread_mutex_unlock(&inst->mu);
	if (inst->log) {
		jlog_close(inst->log);
		inst->log = NULL;
	}
	inst->initialized = false;
	return err;
}
