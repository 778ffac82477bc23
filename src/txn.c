/*
 * txn.c - sessions, transactions, write locks and commit.
 *
 * A transaction's part in a database (txn_db) is:
 *   - the snapshot version it reads (pinned from level-1 begin to the end);
 *   - the trees it has written: for each, the root in the snapshot and the
 *     root of its private copy (btree.h: pages stamped >= the level's floor
 *     are the transaction's own and change in place, others are copied);
 *   - a map of the private pages it allocated (page -> level, tree), and a
 *     list of pages it stopped referencing that it did not allocate at that
 *     level ("drops");
 *   - the lock-table keys it claimed.
 *
 * Levels. Beginning level L saves every tree's root (a savepoint) and takes
 * a fresh stamp as the level's floor, so pages of lower levels are copied,
 * not changed, and the savepoint stays intact. Rolling back L restores the
 * roots, frees the pages allocated at L and forgets L's drops. Committing L
 * into L-1 moves L's pages and drops to L-1; a drop of a page allocated at
 * L-1 then frees it, since no savepoint of L-1 or below can reference it.
 *
 * Commit of level 1 (under the instance's commit lock), per tree:
 *   - fast path: nobody committed the tree since the snapshot (its root in
 *     the current version is still the snapshot's): the private root becomes
 *     the tree's root; the private pages are published; dropped published
 *     pages are retired at the new version;
 *   - merge path: the changes (bt_diff snapshot->private) are applied to the
 *     current tree by a commit writer with a fresh stamp; the private pages
 *     are freed. Locks guarantee nobody else changed those keys, but for
 *     keys the transaction changed by escrow deltas only (txn_escrow):
 *     their value is the committed one with each counter advanced by the
 *     transaction's delta (escrow_merge), and that is what is logged.
 *   Both paths log the diff (logrec.h) and then the directory of trees is
 *   rewritten for the new version. If anything fails before the COMMIT
 *   record is appended, the batch is closed with ABORT, the commit writer's
 *   pages are freed and the transaction is left as it was, still open.
 *
 * Locks (lock_table): first writer wins. An entry names the live owner or,
 * after commit, the version that committed the key; entries older than the
 * oldest pinned version can no longer cause a conflict and are purged.
 */
#include <stdio.h>
#include <stdlib.h>

#include "engine_int.h"


/* ---- lock table ---- */

#define LT_EMPTY 0
#define LT_TOMB 1

void lock_table_init(lock_table *lt, size_t max_entries)
{
	memset(lt, 0, sizeof(*lt));
	pthread_mutex_init(&lt->mu, NULL);
	lt->max_entries = max_entries;
}

void lock_table_destroy(lock_table *lt)
{
	jet_free(lt->slots);
	pthread_mutex_destroy(&lt->mu);
	memset(lt, 0, sizeof(*lt));
}

static uint64_t key_hash(uint32_t objid, const void *key, size_t cb)
{
	/* Eight bytes at a time (multiply-xorshift), then a final mix; never 0
	 * or 1. Keys are short, so this is a handful of multiplies. The objid
	 * gets a round of its own: xored into the state beside the key's
	 * first word, tables whose objids differ in the bits a key byte
	 * cancels would collide on every such pair of keys. */
	const uint8_t *p = key;
	uint64_t h = (0x9E3779B97F4A7C15ull ^ objid) * 0xbf58476d1ce4e5b9ull;
	h ^= h >> 31;
	h ^= cb;
	while (cb >= 8) {
		uint64_t w;
		memcpy(&w, p, 8);
		h = (h ^ w) * 0xbf58476d1ce4e5b9ull;
		h ^= h >> 31;
		p += 8;
		cb -= 8;
	}
	if (cb) {
		uint64_t w = 0;
		memcpy(&w, p, cb);
		h = (h ^ w) * 0x94d049bb133111ebull;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	return h < 2 ? h + 2 : h;
}

static lock_entry *lt_find(lock_table *lt, uint64_t h, uint32_t objid)
{
	if (!lt->cap)
		return NULL;
	size_t mask = lt->cap - 1;
	for (size_t i = h & mask;; i = (i + 1) & mask) {
		lock_entry *e = &lt->slots[i];
		if (e->hash == LT_EMPTY)
			return NULL;
		if (e->hash == h && e->objid == objid)
			return e;
	}
}

/* Moves the live entries into a fresh array of ncap slots (a power of two
 * above used), dropping the tombstones. */
static JET_ERR lt_rehash(lock_table *lt, size_t ncap)
{
	lock_entry *n = jet_calloc(ncap, sizeof(*n));
	if (!n)
		return JET_errOutOfMemory;
	/* Every lookup is a random probe: a big table (a bulk load locks every
	 * row it writes) was a TLB miss and, fresh, a page fault per insert. */
	if (ncap * sizeof(*n) >= 4 * JET_HUGEPAGE_SIZE)
		jet_hint_hugepages(n, ncap * sizeof(*n));
	for (size_t i = 0; i < lt->cap; i++) {
		lock_entry *e = &lt->slots[i];
		if (e->hash < 2)
			continue;
		size_t j = e->hash & (ncap - 1);
		while (n[j].hash != LT_EMPTY)
			j = (j + 1) & (ncap - 1);
		n[j] = *e;
	}
	jet_free(lt->slots);
	lt->slots = n;
	lt->cap = ncap;
	lt->filled = lt->used;
	return JET_errSuccess;
}

static JET_ERR lt_grow(lock_table *lt)
{
	size_t ncap = lt->cap ? lt->cap * 2 : 1024;
	if (lt->used * 2 < lt->cap)
		ncap = lt->cap; /* mostly tombstones: rehash in place size */
	return lt_rehash(lt, ncap);
}

/* After a large transaction ends, its entries are gone but the array it
 * grew would stay (a 16M-row load: over a gigabyte): give it back once
 * the table is mostly empty. A failed allocation keeps the large one. */
static void lt_shrink(lock_table *lt)
{
	if (lt->cap <= 4096 || lt->used * 8 >= lt->cap)
		return;
	size_t ncap = 1024;
	while (ncap < lt->used * 4)
		ncap *= 2;
	if (ncap < lt->cap)
		(void)lt_rehash(lt, ncap);
}

static lock_entry *lt_insert(lock_table *lt, uint64_t h, uint32_t objid)
{
	size_t mask = lt->cap - 1;
	for (size_t i = h & mask;; i = (i + 1) & mask) {
		lock_entry *e = &lt->slots[i];
		if (e->hash < 2) {
			if (e->hash == LT_EMPTY)
				lt->filled++;
			e->hash = h;
			e->objid = objid;
			e->owner = NULL;
			e->commit_ver = 0;
			e->prev_commit_ver = 0;
			e->excl_ver = 0;
			e->escrows = 0;
			e->whole = false;
			lt->used++;
			return e;
		}
	}
}

static void lt_remove(lock_table *lt, lock_entry *e)
{
	if (e->whole)
		lt->nwhole--;
	e->whole = false;
	e->hash = LT_TOMB;
	e->owner = NULL;
	lt->used--;
}

/* Oldest version any snapshot may still read. */
static uint64_t oldest_pinned(jdb *db)
{
	pthread_mutex_lock(&db->mu);
	jver *v = TAILQ_FIRST(&db->versions);
	uint64_t o = v ? v->ver : db->current->ver;
	pthread_mutex_unlock(&db->mu);
	return o;
}

/* Drops committed entries that no live snapshot predates. */
static void lt_purge_locked(lock_table *lt, uint64_t oldest)
{
	if (oldest == lt->purged_at)
		return;
	lt->purged_at = oldest;
	for (size_t i = 0; i < lt->cap; i++) {
		lock_entry *e = &lt->slots[i];
		if (e->hash >= 2 && !e->owner && !e->escrows && e->commit_ver <= oldest) {
			lt_remove(lt, e);
			lt->committed--;
		}
	}
}

static JET_ERR txn_remember_lock(txn_db *p, uint64_t h)
{
	if (p->nlocks == p->cap_locks) {
		size_t ncap = p->cap_locks ? p->cap_locks * 2 : 64;
		uint64_t *n = jet_realloc(p->lock_hashes, ncap * sizeof(*n));
		if (!n)
			return JET_errOutOfMemory;
		p->lock_hashes = n;
		p->cap_locks = ncap;
	}
	p->lock_hashes[p->nlocks++] = h;
	return JET_errSuccess;
}

/* The entry with hash h that s owns. A transaction's list keeps only the
 * hash (8 bytes per lock): two of its keys of different trees with one
 * hash are two entries it owns, each found once, since a released entry is
 * no longer owned. */
static lock_entry *lt_find_owned(lock_table *lt, uint64_t h, const jsess *s)
{
	if (!lt->cap)
		return NULL;
	size_t mask = lt->cap - 1;
	for (size_t i = h & mask;; i = (i + 1) & mask) {
		lock_entry *e = &lt->slots[i];
		if (e->hash == LT_EMPTY)
			return NULL;
		if (e->hash == h && e->owner == s)
			return e;
	}
}

/* ---- escrow set (txn_escrow) ---- */

static txn_escrow *esc_find(txn_db *p, uint64_t h, uint32_t objid, const void *key, size_t cb)
{
	if (!p->cap_esc_index)
		return NULL;
	uint32_t mask = p->cap_esc_index - 1;
	for (uint32_t i = (uint32_t)h & mask;; i = (i + 1) & mask) {
		uint32_t x = p->esc_index[i];
		if (!x)
			return NULL;
		txn_escrow *x_ = &p->escrows[x - 1];
		if (x_->hash == h && x_->objid == objid && x_->cbKey == cb &&
		    memcmp(x_->key, key, cb) == 0)
			return x_;
	}
}

static JET_ERR esc_index_grow(txn_db *p)
{
	uint32_t ncap = p->cap_esc_index ? p->cap_esc_index * 2 : 64;
	uint32_t *n = jet_calloc(ncap, sizeof(*n));
	if (!n)
		return JET_errOutOfMemory;
	for (uint32_t k = 0; k < p->nescrows; k++) {
		uint32_t i = (uint32_t)p->escrows[k].hash & (ncap - 1);
		while (n[i])
			i = (i + 1) & (ncap - 1);
		n[i] = k + 1;
	}
	jet_free(p->esc_index);
	p->esc_index = n;
	p->cap_esc_index = ncap;
	return JET_errSuccess;
}

/* A new entry of the set (not yet in the lock table's count). */
static JET_ERR esc_add(txn_db *p, uint64_t h, uint32_t objid, const void *key, size_t cb,
		       txn_escrow **out)
{
	if (p->nescrows == p->cap_escrows) {
		uint32_t ncap = p->cap_escrows ? p->cap_escrows * 2 : 16;
		txn_escrow *n = jet_realloc(p->escrows, ncap * sizeof(*n));
		if (!n)
			return JET_errOutOfMemory;
		p->escrows = n;
		p->cap_escrows = ncap;
	}
	if ((p->nescrows + 1) * 2 > p->cap_esc_index)
		CallR(esc_index_grow(p));
	uint8_t *k = jet_malloc(cb ? cb : 1);
	if (!k)
		return JET_errOutOfMemory;
	memcpy(k, key, cb);
	txn_escrow *x = &p->escrows[p->nescrows];
	memset(x, 0, sizeof(*x));
	x->hash = h;
	x->objid = objid;
	x->cbKey = (uint32_t)cb;
	x->key = k;
	uint32_t mask = p->cap_esc_index - 1;
	uint32_t i = (uint32_t)h & mask;
	while (p->esc_index[i])
		i = (i + 1) & mask;
	p->esc_index[i] = ++p->nescrows;
	*out = x;
	return JET_errSuccess;
}

static JET_ERR esc_add_range(txn_escrow *x, size_t ib, unsigned width)
{
	uint32_t r = (uint32_t)ib << 8 | width;
	for (uint32_t i = 0; i < x->nranges; i++)
		if (x->ranges[i] == r)
			return JET_errSuccess;
	uint32_t *n = jet_realloc(x->ranges, (x->nranges + 1) * sizeof(*n));
	if (!n)
		return JET_errOutOfMemory;
	n[x->nranges++] = r;
	x->ranges = n;
	return JET_errSuccess;
}

static void esc_clear(txn_db *p)
{
	for (uint32_t i = 0; i < p->nescrows; i++) {
		jet_free(p->escrows[i].key);
		jet_free(p->escrows[i].ranges);
	}
	p->nescrows = 0;
	if (p->esc_index)
		memset(p->esc_index, 0, p->cap_esc_index * sizeof(*p->esc_index));
}

/* The key of the entry that stands for a whole tree: a hash like any key's,
 * so it can only collide as keys collide (a spurious conflict at worst). */
static const uint8_t whole_key[] = "\0libjet: the whole tree\0";

/* The whole-tree entry of objid that another transaction holds or
 * committed after snapshot ver: writing any of its keys conflicts. */
static bool whole_conflict(lock_table *lt, jsess *s, uint32_t objid, uint64_t ver)
{
	if (!lt->nwhole)
		return false;
	lock_entry *w = lt_find(lt, key_hash(objid, whole_key, sizeof(whole_key)), objid);
	return w && w->owner != s && (w->owner || w->commit_ver > ver);
}

/* Keys of objid that stand in the way of taking it whole: held by another
 * transaction, committed after our snapshot, or holding escrow deltas. A
 * scan of the table, once per tree and transaction. */
static bool others_in_tree(lock_table *lt, jsess *s, uint32_t objid, uint64_t ver)
{
	for (size_t i = 0; i < lt->cap; i++) {
		const lock_entry *e = &lt->slots[i];
		if (e->hash < 2 || e->objid != objid || e->whole)
			continue;
		if ((e->owner && e->owner != s) || e->commit_ver > ver || e->escrows)
			return true;
	}
	return false;
}

static JET_ERR lock_key_ex(jsess *s, txn_db *p, uint32_t objid, const void *key, size_t cb,
			   bool whole)
{
	JET_ERR err = JET_errSuccess;
	jdb *db = p->db;
	lock_table *lt = &db->locks;
	uint64_t h = key_hash(objid, key, cb);
	pthread_mutex_lock(&lt->mu);
	if (whole ? others_in_tree(lt, s, objid, p->snap->ver)
		  : whole_conflict(lt, s, objid, p->snap->ver))
		Error(JET_errWriteConflict);
	lock_entry *e = lt_find(lt, h, objid);
	if (e) {
		if (e->owner == s)
			goto HandleError;
		if (e->owner || e->commit_ver > p->snap->ver)
			Error(JET_errWriteConflict);
		if (e->escrows) {
			/* Deltas pending: only their sole holder may take the
			 * key, and its value then stands as written (nobody
			 * else committed to it since the snapshot). */
			txn_escrow *x = esc_find(p, h, objid, key, cb);
			if (!x || x->dead || e->escrows != 1)
				Error(JET_errWriteConflict);
			x->dead = true;
			e->escrows--;
		}
		/* Claim a committed entry; keep its version for a rollback. */
		if (e->commit_ver)
			lt->committed--;
		e->owner = s;
		e->prev_commit_ver = e->commit_ver;
		e->commit_ver = 0;
	} else {
		if (lt->used >= lt->max_entries) {
			lt_purge_locked(lt, oldest_pinned(db));
			if (lt->used >= lt->max_entries)
				Error(JET_errVersionStoreOutOfMemory);
		}
		if ((lt->filled + 1) * 4 >= lt->cap * 3)
			Call(lt_grow(lt));
		e = lt_insert(lt, h, objid);
		e->owner = s;
		if (whole) {
			e->whole = true;
			lt->nwhole++;
		}
	}
	err = txn_remember_lock(p, h);
	if (err < 0) {
		lt_remove(lt, e);
		goto HandleError;
	}
HandleError:
	pthread_mutex_unlock(&lt->mu);
	return err;
}

static JET_ERR lock_key(jsess *s, txn_db *p, uint32_t objid, const void *key, size_t cb)
{
	return lock_key_ex(s, p, objid, key, cb, false);
}

/* The escrow counterpart of lock_key: 1 when the transaction holds the
 * key's lock (an ordinary write follows), 0 when it holds escrow deltas on
 * it (x: its entry in the set). */
static JET_ERR escrow_key(jsess *s, txn_db *p, uint32_t objid, const void *key, size_t cb,
			  txn_escrow **px)
{
	JET_ERR err = JET_errSuccess;
	lock_table *lt = &p->db->locks;
	uint64_t h = key_hash(objid, key, cb);
	txn_escrow *x = esc_find(p, h, objid, key, cb);
	pthread_mutex_lock(&lt->mu);
	lock_entry *e = lt_find(lt, h, objid);
	if (e && e->owner == s) {
		err = 1;
		goto HandleError;
	}
	if (x && !x->dead && e) {
		*px = x;
		goto HandleError;
	}
	if (e && (e->owner || e->excl_ver > p->snap->ver))
		Error(JET_errWriteConflict);
	if (whole_conflict(lt, s, objid, p->snap->ver))
		Error(JET_errWriteConflict);
	if (!e) {
		if (lt->used >= lt->max_entries) {
			lt_purge_locked(lt, oldest_pinned(p->db));
			if (lt->used >= lt->max_entries)
				Error(JET_errVersionStoreOutOfMemory);
		}
		if ((lt->filled + 1) * 4 >= lt->cap * 3)
			Call(lt_grow(lt));
		e = lt_insert(lt, h, objid);
	}
	if (!x || x->dead) {
		err = esc_add(p, h, objid, key, cb, &x);
		if (err < 0) {
			if (!e->owner && !e->escrows && !e->commit_ver)
				lt_remove(lt, e);
			goto HandleError;
		}
	}
	e->escrows++;
	*px = x;
HandleError:
	pthread_mutex_unlock(&lt->mu);
	return err;
}

/* At the end of a transaction: committed keys remember their version (or go
 * at once when no older snapshot exists); rolled-back keys are released;
 * escrow holds are dropped, a committed one counting as a commit of the
 * key (an older snapshot may no longer lock it). */
static void locks_release(jsess *s, txn_db *p, uint64_t commit_ver)
{
	lock_table *lt = &p->db->locks;
	if (!p->nlocks && !p->nescrows)
		return;
	uint64_t oldest = commit_ver ? oldest_pinned(p->db) : 0;
	pthread_mutex_lock(&lt->mu);
	for (uint32_t i = 0; i < p->nescrows; i++) {
		txn_escrow *x = &p->escrows[i];
		lock_entry *e = x->dead ? NULL : lt_find(lt, x->hash, x->objid);
		if (!e || !e->escrows)
			continue;
		e->escrows--;
		if (commit_ver && commit_ver > oldest && !e->owner) {
			if (!e->commit_ver)
				lt->committed++;
			if (commit_ver > e->commit_ver)
				e->commit_ver = commit_ver;
		}
		if (!e->owner && !e->escrows && e->commit_ver <= oldest) {
			if (e->commit_ver)
				lt->committed--;
			lt_remove(lt, e);
		}
	}
	for (size_t i = 0; i < p->nlocks; i++) {
		lock_entry *e = lt_find_owned(lt, p->lock_hashes[i], s);
		if (!e)
			continue;
		if (commit_ver && commit_ver > oldest) {
			e->owner = NULL;
			e->commit_ver = commit_ver;
			e->excl_ver = commit_ver;
			lt->committed++;
		} else if (!commit_ver && e->prev_commit_ver) {
			/* Rolled back: the key is as it was, committed at
			 * prev_commit_ver, and snapshots older than that must
			 * still see the conflict. */
			e->owner = NULL;
			e->commit_ver = e->prev_commit_ver;
			lt->committed++;
		} else {
			lt_remove(lt, e);
		}
	}
	if (lt->committed > 4096 && lt->committed * 2 > lt->used)
		lt_purge_locked(lt, oldest_pinned(p->db));
	lt_shrink(lt);
	pthread_mutex_unlock(&lt->mu);
	p->nlocks = 0;
}

/* ---- private page map ---- */

static txn_page *pm_slot(txn_db *p, uint32_t pgno)
{
	size_t mask = p->cap_pages - 1;
	for (size_t i = (pgno * 2654435761u) & mask;; i = (i + 1) & mask)
		if (p->pages[i].pgno == pgno || p->pages[i].pgno == 0)
			return &p->pages[i];
}

static JET_ERR pm_grow(txn_db *p)
{
	size_t ncap = p->cap_pages ? p->cap_pages * 2 : 256;
	txn_page *old = p->pages;
	size_t ocap = p->cap_pages;
	p->pages = jet_calloc(ncap, sizeof(txn_page));
	if (!p->pages) {
		p->pages = old;
		return JET_errOutOfMemory;
	}
	p->cap_pages = ncap;
	for (size_t i = 0; i < ocap; i++)
		if (old[i].pgno)
			*pm_slot(p, old[i].pgno) = old[i];
	jet_free(old);
	return JET_errSuccess;
}

static JET_ERR pm_add(txn_db *p, uint32_t pgno, uint8_t level, uint16_t tree)
{
	if ((p->npages + 1) * 4 >= p->cap_pages * 3)
		CallR(pm_grow(p));
	txn_page *e = pm_slot(p, pgno);
	if (!e->pgno)
		p->npages++;
	e->pgno = pgno;
	e->level = level;
	e->tree = tree;
	return JET_errSuccess;
}

/* Linear-probing delete with backward shift, so lookups need no tombstones. */
static void pm_del(txn_db *p, uint32_t pgno)
{
	size_t mask = p->cap_pages - 1;
	size_t i = (size_t)(pm_slot(p, pgno) - p->pages);
	if (!p->pages[i].pgno)
		return;
	p->pages[i].pgno = 0;
	p->npages--;
	for (size_t j = (i + 1) & mask; p->pages[j].pgno; j = (j + 1) & mask) {
		size_t home = (p->pages[j].pgno * 2654435761u) & mask;
		bool between = (i <= j) ? (home > i && home <= j) : (home > i || home <= j);
		if (!between) {
			p->pages[i] = p->pages[j];
			p->pages[j].pgno = 0;
			i = j;
		}
	}
}

static txn_page *pm_get(txn_db *p, uint32_t pgno)
{
	if (!p->cap_pages)
		return NULL;
	txn_page *e = pm_slot(p, pgno);
	return e->pgno ? e : NULL;
}

static void page_free_now(jdb *db, uint32_t pgno)
{
	jcache_discard(db->cache, pgno);
	space_free(db->space, pgno);
}

/* Views (engine.h, eng_read): outside a transaction a view is the version
 * number; inside, the top bit plus a value from this counter, taken anew at
 * every begin, write and rollback, so a view never repeats (a rollback
 * followed by as many writes must not look unchanged to a cursor). */
static _Atomic uint64_t g_view_seq;
static uint64_t view_next(void) { return atomic_fetch_add(&g_view_seq, 1) + 1; }
#define VIEW_IN_TXN(p) ((1ull << 63) | (p)->writes)

/* ---- sessions ---- */

JET_ERR eng_sess_begin_internal(jinst *inst, bool replay, jsess **out)
{
	jsess *s = jet_calloc(1, sizeof(*s));
	if (!s)
		return JET_errOutOfMemory;
	s->inst = inst;
	s->replay = replay;
	pthread_mutex_lock(&inst->mu);
	TAILQ_INSERT_TAIL(&inst->sessions, s, link);
	pthread_mutex_unlock(&inst->mu);
	*out = s;
	return JET_errSuccess;
}

JET_ERR eng_sess_begin(jinst *inst, jsess **out)
{
	if (!inst || !out)
		return JET_errInvalidParameter;
	if (!inst->initialized)
		return JET_errNotInitialized;
	return eng_sess_begin_internal(inst, false, out);
}

static void part_free(txn_db *p)
{
	jet_free(p->trees);
	jet_free(p->drops);
	jet_free(p->pages);
	jet_free(p->lock_hashes);
	esc_clear(p);
	jet_free(p->escrows);
	jet_free(p->esc_index);
	for (int i = 0; i < ENG_MAX_LEVELS + 2; i++)
		jet_free(p->saves[i].trees);
	memset(p, 0, sizeof(*p));
}

JET_ERR eng_sess_end(jsess *s)
{
	JET_ERR err = JET_errSuccess;
	if (!s)
		return JET_errInvalidParameter;
	if (s->level > 0)
		Call(eng_txn_rollback(s, true));
	pthread_mutex_lock(&s->inst->mu);
	TAILQ_REMOVE(&s->inst->sessions, s, link);
	pthread_mutex_unlock(&s->inst->mu);
	for (int i = 0; i < ENG_MAX_DBS; i++)
		part_free(&s->parts[i]);
	jet_free(s);
HandleError:
	return err;
}

jinst *eng_sess_inst(jsess *s) { return s->inst; }
int eng_txn_level(const jsess *s) { return s ? s->level : 0; }

uint64_t eng_txn_snapshot(const jsess *s)
{
	if (!s || !s->level)
		return 0;
	for (int i = 0; i < ENG_MAX_DBS; i++)
		if (s->parts[i].snap)
			return s->parts[i].snap->ver;
	return 0;
}

bool eng_txn_dirty(const jsess *s)
{
	for (int i = 0; i < ENG_MAX_DBS; i++)
		if (s->parts[i].ntrees)
			return true;
	return false;
}

/* The session's part for db, pinning the snapshot on first use. */
static txn_db *part_of(jsess *s, jdb *db)
{
	txn_db *p = &s->parts[db->slot];
	if (p->db != db) {
		part_free(p);
		p->db = db;
	}
	if (!p->snap) {
		p->snap = eng_db_pin_current(db);
		p->writes = view_next();
	}
	return p;
}

/* A database being detached: drop the session's read pins on it. */
void txn_release_db(jsess *s, jdb *db)
{
	txn_db *p = &s->parts[db->slot];
	if (p->db != db)
		return;
	if (p->snap)
		eng_db_unpin(db, p->snap);
	part_free(p);
}

static JET_ERR save_level(txn_db *p, int level)
{
	txn_save *sv = &p->saves[level];
	jet_free(sv->trees);
	sv->trees = NULL;
	sv->ntrees = p->ntrees;
	if (!p->ntrees)
		return JET_errSuccess;
	sv->trees = jet_malloc(p->ntrees * sizeof(txn_tree));
	if (!sv->trees)
		return JET_errOutOfMemory;
	memcpy(sv->trees, p->trees, p->ntrees * sizeof(txn_tree));
	return JET_errSuccess;
}

JET_ERR eng_txn_begin(jsess *s, bool readonly)
{
	JET_ERR err = JET_errSuccess;
	jinst *inst;
	if (!s)
		return JET_errInvalidParameter;
	inst = s->inst;
	if (s->level >= ENG_MAX_LEVELS)
		return JET_errTransTooDeep;
	int level = s->level + 1;
	if (level == 1) {
		/* Snapshot first, floor after: every page of the snapshot was
		 * stamped before the floor was taken, so none looks writable. */
		pthread_mutex_lock(&inst->mu);
		for (int i = 0; i < ENG_MAX_DBS; i++)
			if (inst->dbs[i])
				(void)part_of(s, inst->dbs[i]);
		pthread_mutex_unlock(&inst->mu);
		s->readonly = readonly;
	}
	s->floors[level] = eng_new_stamp(inst);
	for (int i = 0; i < ENG_MAX_DBS; i++)
		if (s->parts[i].db) {
			Call(save_level(&s->parts[i], level));
			s->parts[i].writes = view_next();
		}
	s->level = level;
	return JET_errSuccess;
HandleError:
	if (level == 1)
		for (int i = 0; i < ENG_MAX_DBS; i++)
			if (s->parts[i].snap) {
				eng_db_unpin(s->parts[i].db, s->parts[i].snap);
				s->parts[i].snap = NULL;
			}
	return err;
}

/* ---- the writer callbacks of a transaction's private trees ---- */

typedef struct tw_ctx {
	jsess *s;
	txn_db *p;
	uint16_t tree;
} tw_ctx;

static JET_ERR tw_alloc(void *ctx, uint32_t *pgno)
{
	tw_ctx *c = ctx;
	JET_ERR err = space_alloc(c->p->db->space, pgno);
	if (err < 0)
		return err;
	err = eng_page_reserve(c->p->db, *pgno);
	if (err >= 0)
		err = pm_add(c->p, *pgno, (uint8_t)c->s->level, c->tree);
	if (err < 0)
		space_free(c->p->db->space, *pgno);
	return err;
}

static JET_ERR tw_drop(void *ctx, uint32_t pgno, uint64_t stamp)
{
	tw_ctx *c = ctx;
	(void)stamp;
	txn_db *p = c->p;
	txn_page *e = pm_get(p, pgno);
	uint8_t alloc_level = e ? e->level : 0;
	if (e && alloc_level == c->s->level) {
		pm_del(p, pgno);
		page_free_now(p->db, pgno);
		return JET_errSuccess;
	}
	if (p->ndrops == p->cap_drops) {
		size_t ncap = p->cap_drops ? p->cap_drops * 2 : 64;
		txn_drop *n = jet_realloc(p->drops, ncap * sizeof(*n));
		if (!n)
			return JET_errOutOfMemory;
		p->drops = n;
		p->cap_drops = ncap;
	}
	p->drops[p->ndrops++] = (txn_drop){pgno, c->tree, alloc_level, (uint8_t)c->s->level};
	return JET_errSuccess;
}

static void tw_init(bt_writer *w, tw_ctx *c, jsess *s, txn_db *p, uint16_t tree)
{
	c->s = s;
	c->p = p;
	c->tree = tree;
	memset(w, 0, sizeof(*w));
	w->cache = p->db->cache;
	w->mutable_floor = s->floors[s->level];
	w->stamp = s->floors[s->level];
	w->alloc_page = tw_alloc;
	w->drop_page = tw_drop;
	w->ctx = c;
}

/* ---- reading ---- */

static txn_tree *tree_find(txn_db *p, uint32_t objid)
{
	for (uint32_t i = 0; i < p->ntrees; i++)
		if (p->trees[i].objid == objid)
			return &p->trees[i];
	return NULL;
}

JET_ERR eng_read_begin(jsess *s, jdb *db, eng_read *r)
{
	if (!s || !db || !r)
		return JET_errInvalidParameter;
	memset(r, 0, sizeof(*r));
	r->s = s;
	r->db = db;
	if (s->level > 0) {
		txn_db *p = part_of(s, db);
		r->ver = p->snap;
		r->view = VIEW_IN_TXN(p);
	} else {
		r->ver = eng_db_pin_current(db);
		r->pinned_here = true;
		r->view = r->ver->ver;
	}
	return JET_errSuccess;
}

void eng_read_end(eng_read *r)
{
	if (r && r->pinned_here && r->ver)
		eng_db_unpin(r->db, r->ver);
	if (r)
		memset(r, 0, sizeof(*r));
}

JET_ERR eng_read_root(eng_read *r, uint32_t objid, uint32_t *proot)
{
	if (!r || !r->ver || !proot)
		return JET_errInvalidParameter;
	if (r->s->level > 0) {
		txn_tree *t = tree_find(&r->s->parts[r->db->slot], objid);
		if (t) {
			if (t->dropped)
				return JET_errObjectNotFound;
			*proot = t->root;
			return JET_errSuccess;
		}
	}
	_Atomic uint64_t *slot = &r->ver->roots[objid & 15];
	uint64_t cached = atomic_load_explicit(slot, memory_order_relaxed);
	if (cached && (uint32_t)(cached >> 32) == objid) {
		*proot = (uint32_t)cached;
		return JET_errSuccess;
	}
	CallR(eng_dir_lookup(r->db, r->ver->dir_root, objid, proot));
	atomic_store_explicit(slot, (uint64_t)objid << 32 | *proot, memory_order_relaxed);
	return JET_errSuccess;
}

uint64_t eng_current_view(jsess *s, jdb *db)
{
	if (!s || !db)
		return 0;
	if (s->level > 0) {
		txn_db *p = &s->parts[db->slot];
		if (p->db == db && p->snap)
			return VIEW_IN_TXN(p);
	}
	pthread_mutex_lock(&db->mu);
	uint64_t v = db->current->ver;
	pthread_mutex_unlock(&db->mu);
	return v;
}

JET_ERR eng_read_tree_info(eng_read *r, uint32_t objid, eng_tree_info *out)
{
	if (!r || !r->ver || !out)
		return JET_errInvalidParameter;
	txn_tree *t = r->s->level > 0 ? tree_find(&r->s->parts[r->db->slot], objid) : NULL;
	if (t && t->dropped)
		return JET_errObjectNotFound;
	if (t && t->created) {
		memset(out, 0, sizeof(*out));
	} else {
		CallR(eng_dir_get(r->db, r->ver->dir_root, objid, out));
	}
	if (t) {
		out->root = t->root;
		for (int i = 0; i < ENG_TREE_COUNTERS; i++)
			out->counter[i] += t->delta[i];
		if (t->changed_set)
			out->changed_ns = t->changed_set;
	}
	return JET_errSuccess;
}

bool eng_read_is_private(const eng_read *r, uint32_t objid)
{
	if (!r || !r->s || r->s->level == 0)
		return false;
	return tree_find(&r->s->parts[r->db->slot], objid) != NULL;
}

/* ---- writing ---- */

static JET_ERR write_check(jsess *s, jdb *db)
{
	if (!s || !db)
		return JET_errInvalidParameter;
	if (s->level == 0)
		return JET_errNotInTransaction;
	if (s->readonly)
		return JET_errTransReadOnly;
	if (db->readonly)
		return JET_errDatabaseFileReadOnly;
	if (s->inst->fatal)
		return s->inst->fatal;
	return JET_errSuccess;
}

static JET_ERR tree_add(txn_db *p, uint32_t objid, uint32_t base_root, bool created, txn_tree **out)
{
	if (p->ntrees == p->cap_trees) {
		uint32_t ncap = p->cap_trees ? p->cap_trees * 2 : 8;
		if (ncap > 65535)
			return JET_errTooManyOpenTables;
		txn_tree *n = jet_realloc(p->trees, ncap * sizeof(*n));
		if (!n)
			return JET_errOutOfMemory;
		p->trees = n;
		p->cap_trees = ncap;
	}
	txn_tree *t = &p->trees[p->ntrees++];
	memset(t, 0, sizeof(*t));
	t->objid = objid;
	t->base_root = base_root;
	t->root = base_root;
	t->created = created;
	*out = t;
	return JET_errSuccess;
}

/* The transaction's writable copy of tree objid. */
static JET_ERR tree_for_write(jsess *s, txn_db *p, uint32_t objid, txn_tree **out)
{
	txn_tree *t = tree_find(p, objid);
	if (t) {
		if (t->dropped)
			return JET_errObjectNotFound;
		*out = t;
		return JET_errSuccess;
	}
	uint32_t root;
	CallR(eng_dir_lookup(p->db, p->snap->dir_root, objid, &root));
	(void)s;
	return tree_add(p, objid, root, false, out);
}

JET_ERR eng_lock(jsess *s, jdb *db, uint32_t objid, const void *key, size_t cbKey)
{
	CallR(write_check(s, db));
	if (s->replay)
		return JET_errSuccess;
	txn_db *p = part_of(s, db);
	const txn_tree *t = tree_find(p, objid);
	if (t && (t->created || t->excl))
		return JET_errSuccess;
	return lock_key(s, p, objid, key, cbKey);
}

JET_ERR eng_tree_exclusive(jsess *s, jdb *db, uint32_t objid)
{
	JET_ERR err;
	txn_tree *t;
	CallR(write_check(s, db));
	if (s->replay)
		return JET_errSuccess;
	txn_db *p = part_of(s, db);
	CallR(tree_for_write(s, p, objid, &t));
	if (t->created || t->excl || t->excl_tried)
		return JET_errSuccess;
	uint16_t ti = (uint16_t)(t - p->trees);
	err = lock_key_ex(s, p, objid, whole_key, sizeof(whole_key), true);
	t = &p->trees[ti];
	t->excl_tried = true;
	if (err == JET_errWriteConflict)
		return JET_errSuccess;
	CallR(err);
	t->excl = true;
	return JET_errSuccess;
}

static JET_ERR put_impl(jsess *s, jdb *db, uint32_t objid, const void *key, size_t cbKey,
		       const void *val, size_t cbVal, int bt_flags, bool lock);
static JET_ERR del_impl(jsess *s, jdb *db, uint32_t objid, const void *key, size_t cbKey,
		       bool lock);

JET_ERR eng_escrow_put(jsess *s, jdb *db, uint32_t objid, const void *key, size_t cbKey,
		       const void *val, size_t cbVal, size_t ib, unsigned width)
{
	txn_tree *t;
	txn_escrow *x = NULL;
	JET_ERR err;

	CallR(write_check(s, db));
	if ((width != 4 && width != 8) || ib + width > cbVal || ib > 0xFFFFFF || !key)
		return JET_errInvalidParameter;
	txn_db *p = part_of(s, db);
	CallR(tree_for_write(s, p, objid, &t));
	/* Nobody else sees a tree this transaction created, nor the keys of
	 * recovery's replay: an ordinary write. */
	if (s->replay || t->created || t->excl)
		return put_impl(s, db, objid, key, cbKey, val, cbVal, BT_PUT_MUSTEXIST, false);
	err = escrow_key(s, p, objid, key, cbKey, &x);
	CallR(err);
	if (err == 1)
		return put_impl(s, db, objid, key, cbKey, val, cbVal, BT_PUT_MUSTEXIST, false);
	CallR(esc_add_range(x, ib, width));
	/* The hold stays until the transaction ends even if this write
	 * fails: the merge then adds nothing (the value is the snapshot's). */
	return put_impl(s, db, objid, key, cbKey, val, cbVal, BT_PUT_MUSTEXIST, false);
}

JET_ERR eng_put(jsess *s, jdb *db, uint32_t objid, const void *key, size_t cbKey, const void *val,
		size_t cbVal, int bt_flags)
{
	return put_impl(s, db, objid, key, cbKey, val, cbVal, bt_flags, true);
}

JET_ERR eng_put_unlocked(jsess *s, jdb *db, uint32_t objid, const void *key, size_t cbKey,
			 const void *val, size_t cbVal, int bt_flags)
{
	return put_impl(s, db, objid, key, cbKey, val, cbVal, bt_flags, false);
}

JET_ERR eng_del(jsess *s, jdb *db, uint32_t objid, const void *key, size_t cbKey)
{
	return del_impl(s, db, objid, key, cbKey, true);
}

JET_ERR eng_del_unlocked(jsess *s, jdb *db, uint32_t objid, const void *key, size_t cbKey)
{
	return del_impl(s, db, objid, key, cbKey, false);
}

static JET_ERR put_impl(jsess *s, jdb *db, uint32_t objid, const void *key, size_t cbKey,
		       const void *val, size_t cbVal, int bt_flags, bool lock)
{
	JET_ERR err = JET_errSuccess;
	txn_tree *t;
	bt_writer w;
	tw_ctx c;
	CallR(write_check(s, db));
	if (!key && cbKey)
		return JET_errInvalidParameter;
	txn_db *p = part_of(s, db);
	CallR(tree_for_write(s, p, objid, &t));
	/* A tree this transaction created is invisible to everyone else until
	 * commit: its keys cannot conflict, so a load into a new table takes
	 * no version-store entries. */
	if (!s->replay && !t->created && !t->excl && lock) {
		uint16_t ti = (uint16_t)(t - p->trees);
		CallR(lock_key(s, p, objid, key, cbKey));
		t = &p->trees[ti];
	}
	tw_init(&w, &c, s, p, (uint16_t)(t - p->trees));
	uint32_t root = t->root;
	Call(bt_put(&w, &root, key, cbKey, val, cbVal, bt_flags));
	t = &p->trees[c.tree];
	t->root = root;
	p->writes = view_next();
HandleError:
	return err;
}

static JET_ERR del_impl(jsess *s, jdb *db, uint32_t objid, const void *key, size_t cbKey,
		       bool lock)
{
	JET_ERR err = JET_errSuccess;
	txn_tree *t;
	bt_writer w;
	tw_ctx c;
	CallR(write_check(s, db));
	txn_db *p = part_of(s, db);
	CallR(tree_for_write(s, p, objid, &t));
	if (!s->replay && !t->created && !t->excl && lock) {
		uint16_t ti = (uint16_t)(t - p->trees);
		CallR(lock_key(s, p, objid, key, cbKey));
		t = &p->trees[ti];
	}
	tw_init(&w, &c, s, p, (uint16_t)(t - p->trees));
	uint32_t root = t->root;
	Call(bt_del(&w, &root, key, cbKey));
	p->trees[c.tree].root = root;
	p->writes = view_next();
HandleError:
	return err;
}

JET_ERR eng_counter_add(jsess *s, jdb *db, uint32_t objid, int idx, int64_t delta)
{
	txn_tree *t;
	CallR(write_check(s, db));
	if (idx < 0 || idx >= ENG_TREE_COUNTERS)
		return JET_errInvalidParameter;
	txn_db *p = part_of(s, db);
	CallR(tree_for_write(s, p, objid, &t));
	t->delta[idx] += delta;
	t->info_dirty = true;
	p->writes = view_next();
	return JET_errSuccess;
}

JET_ERR eng_tree_set_changed(jsess *s, jdb *db, uint32_t objid, uint64_t changed_ns)
{
	txn_tree *t;
	CallR(write_check(s, db));
	txn_db *p = part_of(s, db);
	CallR(tree_for_write(s, p, objid, &t));
	t->changed_set = changed_ns;
	t->info_dirty = true;
	p->writes = view_next();
	return JET_errSuccess;
}

JET_ERR txn_set_tree_info(jsess *s, jdb *db, uint32_t objid, const int64_t *counter,
			  uint64_t changed_ns, uint64_t modifications)
{
	txn_tree *t;
	eng_tree_info snap;
	CallR(write_check(s, db));
	txn_db *p = part_of(s, db);
	CallR(tree_for_write(s, p, objid, &t));
	if (t->created)
		memset(&snap, 0, sizeof(snap));
	else
		CallR(eng_dir_get(db, p->snap->dir_root, objid, &snap));
	for (int i = 0; i < ENG_TREE_COUNTERS; i++)
		t->delta[i] = counter[i] - snap.counter[i];
	t->changed_set = changed_ns;
	t->mods_set = modifications;
	t->info_dirty = true;
	p->writes = view_next();
	return JET_errSuccess;
}

JET_ERR txn_create_tree_with_objid(jsess *s, jdb *db, uint32_t objid)
{
	JET_ERR err = JET_errSuccess;
	txn_tree *t;
	bt_writer w;
	tw_ctx c;
	CallR(write_check(s, db));
	txn_db *p = part_of(s, db);
	if (tree_find(p, objid))
		return JET_errTableDuplicate;
	CallR(tree_add(p, objid, 0, true, &t));
	tw_init(&w, &c, s, p, (uint16_t)(t - p->trees));
	uint32_t root = 0;
	err = bt_create(&w, objid, &root);
	if (err < 0) {
		p->ntrees--;
		return err;
	}
	p->trees[c.tree].root = root;
	p->writes = view_next();
	return JET_errSuccess;
}

JET_ERR eng_tree_create(jsess *s, jdb *db, uint32_t *pobjid)
{
	CallR(write_check(s, db));
	if (!pobjid)
		return JET_errInvalidParameter;
	uint32_t objid = eng_db_new_objid(db);
	CallR(txn_create_tree_with_objid(s, db, objid));
	*pobjid = objid;
	return JET_errSuccess;
}

JET_ERR eng_tree_drop(jsess *s, jdb *db, uint32_t objid)
{
	txn_tree *t;
	CallR(write_check(s, db));
	if (objid < OBJID_FIRST_USER)
		return JET_errInvalidParameter;
	txn_db *p = part_of(s, db);
	CallR(tree_for_write(s, p, objid, &t));
	t->dropped = true;
	p->writes = view_next();
	return JET_errSuccess;
}

/* ---- rollback ---- */

/* Undo level `level` of one part. */
static void rollback_part(txn_db *p, int level)
{
	txn_save *sv = &p->saves[level];
	/* Pages allocated at this level go back to the free pool. */
	for (size_t i = 0; i < p->cap_pages; i++) {
		txn_page *e = &p->pages[i];
		if (e->pgno && e->level >= level) {
			page_free_now(p->db, e->pgno);
			e->pgno = 0;
			p->npages--;
		}
	}
	/* Rebuild the map: deleting in place above broke probe chains. */
	if (p->cap_pages) {
		txn_page *old = p->pages;
		size_t ocap = p->cap_pages;
		txn_page *n = jet_calloc(ocap, sizeof(txn_page));
		if (n) {
			p->pages = n;
			p->npages = 0;
			for (size_t i = 0; i < ocap; i++)
				if (old[i].pgno)
					(void)pm_add(p, old[i].pgno, old[i].level, old[i].tree);
			jet_free(old);
		} else {
			/* No memory to rebuild: probing still works if we keep
			 * removed slots as unreachable holes — mark them with an
			 * impossible page number instead. */
			for (size_t i = 0; i < ocap; i++)
				if (!old[i].pgno)
					old[i].pgno = 0; /* holes already; lookups may miss */
		}
	}
	size_t w = 0;
	for (size_t i = 0; i < p->ndrops; i++)
		if (p->drops[i].drop_level < level)
			p->drops[w++] = p->drops[i];
	p->ndrops = w;
	if (p->ntrees > sv->ntrees)
		p->ntrees = sv->ntrees;
	if (p->ntrees)
		memcpy(p->trees, sv->trees, p->ntrees * sizeof(txn_tree));
	p->writes = view_next();
}

static void end_part(jsess *s, txn_db *p, uint64_t commit_ver)
{
	locks_release(s, p, commit_ver);
	esc_clear(p);
	if (p->snap)
		eng_db_unpin(p->db, p->snap);
	p->snap = NULL;
	p->ntrees = 0;
	p->ndrops = 0;
	if (p->pages)
		memset(p->pages, 0, p->cap_pages * sizeof(txn_page));
	p->npages = 0;
	p->writes = view_next();
}

JET_ERR eng_txn_rollback(jsess *s, bool all)
{
	if (!s)
		return JET_errInvalidParameter;
	if (s->level == 0)
		return JET_errNotInTransaction;
	do {
		int level = s->level;
		for (int i = 0; i < ENG_MAX_DBS; i++) {
			txn_db *p = &s->parts[i];
			if (!p->db)
				continue;
			rollback_part(p, level);
			if (level == 1)
				end_part(s, p, 0);
		}
		s->level--;
	} while (all && s->level > 0);
	return JET_errSuccess;
}

/* ---- commit ---- */

static void commit_inner_part(txn_db *p, int level)
{
	for (size_t i = 0; i < p->cap_pages; i++)
		if (p->pages[i].pgno && p->pages[i].level == level)
			p->pages[i].level = (uint8_t)(level - 1);
	size_t w = 0;
	for (size_t i = 0; i < p->ndrops; i++) {
		txn_drop d = p->drops[i];
		if (d.drop_level == level) {
			d.drop_level = (uint8_t)(level - 1);
			if (d.alloc_level == level - 1) {
				/* Allocated at the level it is now dropped at: no
				 * savepoint can reference it. */
				pm_del(p, d.pgno);
				page_free_now(p->db, d.pgno);
				continue;
			}
		}
		p->drops[w++] = d;
	}
	p->ndrops = w;
}

/* The commit writer: pages it makes are published with the version; pages
 * of the current version it replaces are retired at the new version. */
typedef struct cw_ctx {
	jdb *db;
	uint64_t floor;
	uint32_t *made;
	size_t nmade, cap_made;
	uint32_t *retired;
	size_t nretired, cap_retired;
} cw_ctx;

static JET_ERR vec_push(uint32_t **v, size_t *n, size_t *cap, uint32_t x)
{
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 64;
		uint32_t *nv = jet_realloc(*v, ncap * sizeof(uint32_t));
		if (!nv)
			return JET_errOutOfMemory;
		*v = nv;
		*cap = ncap;
	}
	(*v)[(*n)++] = x;
	return JET_errSuccess;
}

static JET_ERR cw_alloc(void *ctx, uint32_t *pgno)
{
	cw_ctx *c = ctx;
	CallR(space_alloc(c->db->space, pgno));
	JET_ERR err = eng_page_reserve(c->db, *pgno);
	if (err >= 0)
		err = vec_push(&c->made, &c->nmade, &c->cap_made, *pgno);
	if (err < 0)
		space_free(c->db->space, *pgno);
	return err;
}

static JET_ERR cw_drop(void *ctx, uint32_t pgno, uint64_t stamp)
{
	cw_ctx *c = ctx;
	if (stamp >= c->floor) {
		for (size_t i = c->nmade; i-- > 0;)
			if (c->made[i] == pgno) {
				c->made[i] = c->made[--c->nmade];
				break;
			}
		page_free_now(c->db, pgno);
		return JET_errSuccess;
	}
	return vec_push(&c->retired, &c->nretired, &c->cap_retired, pgno);
}

typedef struct diff_ctx {
	jsess *s;
	jdb *db;
	bt_writer *cw; /* NULL on the fast path: only log */
	uint32_t objid;
	uint32_t *root;
	bool log;
	txn_db *p;
	uint8_t *buf; /* merged escrow values */
	size_t cbBuf;
} diff_ctx;

static uint64_t get_le(const uint8_t *p, unsigned width)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < width; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static void set_le(uint8_t *p, unsigned width, uint64_t v)
{
	for (unsigned i = 0; i < width; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* Merge of an escrow-only key: the committed value (others' deltas in it)
 * with each counter advanced by this transaction's delta, new - old. Locks
 * keep everything else of the value as the snapshot had it, so the three
 * values have one layout; a value that is gone (or changed size) means the
 * rules were broken somewhere: refuse the commit. *pout is d->buf, or NULL
 * when nothing is to be written. */
static JET_ERR escrow_merge(diff_ctx *d, const txn_escrow *x, const void *key, size_t cbKey,
			    const uint8_t *oldVal, size_t cbOld, const uint8_t *newVal, size_t cbNew,
			    const uint8_t **pout)
{
	size_t cbCur = 0;
	JET_ERR err;

	*pout = NULL;
	if (d->cbBuf < cbNew) {
		uint8_t *n = jet_realloc(d->buf, cbNew);
		if (!n)
			return JET_errOutOfMemory;
		d->buf = n;
		d->cbBuf = cbNew;
	}
	err = bt_get(d->db->cache, *d->root, key, cbKey, d->buf, cbNew, &cbCur);
	if (err < 0 || cbCur != cbNew || cbOld != cbNew)
		return JET_errWriteConflict;
	for (uint32_t i = 0; i < x->nranges; i++) {
		size_t ib = x->ranges[i] >> 8;
		unsigned w = x->ranges[i] & 0xFF;
		if (ib + w > cbNew)
			return JET_errWriteConflict;
		uint64_t delta = get_le(newVal + ib, w) - get_le(oldVal + ib, w);
		set_le(d->buf + ib, w, get_le(d->buf + ib, w) + delta);
	}
	*pout = d->buf;
	return JET_errSuccess;
}

static JET_ERR apply_diff(void *ctx, const void *key, size_t cbKey, const void *oldVal,
			  size_t cbOld, const void *newVal, size_t cbNew)
{
	diff_ctx *d = ctx;
	jinst *inst = d->s->inst;
	if (newVal && oldVal && d->cw && d->p->nescrows) {
		txn_escrow *x = esc_find(d->p, key_hash(d->objid, key, cbKey), d->objid, key, cbKey);
		if (x && !x->dead) {
			const uint8_t *merged;
			CallR(escrow_merge(d, x, key, cbKey, oldVal, cbOld, newVal, cbNew,
					   &merged));
			newVal = merged;
		}
	}
	if (newVal) {
		if (d->log)
			CallR(logrec_put(inst->log, d->db->slot, d->objid, key, cbKey, newVal, cbNew));
		if (d->cw)
			CallR(bt_put(d->cw, d->root, key, cbKey, newVal, cbNew, 0));
	} else {
		if (d->log)
			CallR(logrec_del(inst->log, d->db->slot, d->objid, key, cbKey));
		if (d->cw) {
			JET_ERR err = bt_del(d->cw, d->root, key, cbKey);
			if (err < 0 && err != JET_errRecordNotFound)
				return err;
		}
	}
	return JET_errSuccess;
}

typedef struct part_commit {
	txn_db *p;
	cw_ctx cw;
	uint32_t dir_root;
	uint64_t ver;
	bool *fast; /* per tree */
} part_commit;

static void cw_undo(part_commit *pc)
{
	for (size_t i = 0; i < pc->cw.nmade; i++)
		page_free_now(pc->p->db, pc->cw.made[i]);
	pc->cw.nmade = 0;
	pc->cw.nretired = 0;
}

static void pc_free(part_commit *pc)
{
	jet_free(pc->cw.made);
	jet_free(pc->cw.retired);
	jet_free(pc->fast);
}

/* Builds the next version's trees for one database (commit lock held). */
static JET_ERR commit_part(jsess *s, part_commit *pc, bool log, uint64_t now)
{
	JET_ERR err = JET_errSuccess;
	txn_db *p = pc->p;
	jdb *db = p->db;
	jinst *inst = s->inst;
	jver *cur = db->current; /* stable: we hold the commit lock */
	uint64_t stamp = eng_new_stamp(inst);
	bt_writer cw = {db->cache, stamp, stamp, cw_alloc, cw_drop, &pc->cw, 0};
	pc->cw.db = db;
	pc->cw.floor = stamp;
	pc->dir_root = cur->dir_root;
	pc->ver = cur->ver + 1;
	pc->fast = jet_calloc(p->ntrees ? p->ntrees : 1, sizeof(bool));
	if (!pc->fast)
		return JET_errOutOfMemory;
	for (uint32_t i = 0; i < p->ntrees; i++) {
		txn_tree *t = &p->trees[i];
		uint8_t dkey[4];
		eng_dir_key(t->objid, dkey);
		eng_tree_info cinfo;
		memset(&cinfo, 0, sizeof(cinfo));
		err = eng_dir_get(db, cur->dir_root, t->objid, &cinfo);
		bool exists = err >= 0;
		if (err < 0 && err != JET_errObjectNotFound)
			goto HandleError;
		err = JET_errSuccess;
		uint32_t committed = cinfo.root;
		if (t->dropped) {
			if (t->created || !exists)
				continue; /* never published */
			if (log)
				Call(logrec_tree(inst->log, LOGREC_DROP, db->slot, t->objid));
			Call(bt_drop(&cw, committed));
			Call(bt_del(&cw, &pc->dir_root, dkey, 4));
			continue;
		}
		if (t->created) {
			if (exists)
				Error(JET_errTableDuplicate);
			if (log)
				Call(logrec_tree(inst->log, LOGREC_CREATE, db->slot, t->objid));
		} else if (!exists) {
			Error(JET_errObjectNotFound); /* dropped by someone else */
		}
		uint32_t newroot;
		if (t->created || committed == t->base_root) {
			pc->fast[i] = true;
			if (log && t->root != t->base_root) {
				diff_ctx d = {s, db, NULL, t->objid, NULL, true, p, NULL, 0};
				Call(bt_diff(db->cache, t->base_root, t->root, apply_diff, &d));
			}
			newroot = t->root;
		} else {
			newroot = committed;
			diff_ctx d = {s, db, &cw, t->objid, &newroot, log, p, NULL, 0};
			err = bt_diff(db->cache, t->base_root, t->root, apply_diff, &d);
			jet_free(d.buf);
			Call(err);
		}
		bool content = t->created || newroot != committed;
		if (!content && !t->info_dirty)
			continue;
		eng_tree_info ninfo = cinfo;
		ninfo.root = newroot;
		for (int k = 0; k < ENG_TREE_COUNTERS; k++)
			ninfo.counter[k] += t->delta[k];
		if (t->changed_set)
			ninfo.changed_ns = t->changed_set;
		else if (content || t->info_dirty)
			ninfo.changed_ns = now;
		ninfo.modifications = t->mods_set ? t->mods_set : ninfo.modifications + 1;
		uint8_t val[DIR_VAL_SIZE];
		eng_dir_encode(&ninfo, val);
		Call(bt_put(&cw, &pc->dir_root, dkey, 4, val, sizeof(val), 0));
		if (log)
			Call(logrec_treeinfo(inst->log, db->slot, t->objid, ninfo.counter,
					     ninfo.changed_ns, ninfo.modifications));
	}
HandleError:
	return err;
}

/* A page the new version no longer uses: one no durable checkpoint can
 * reference only waits for the readers (commit lock held). */
static void retire(jdb *db, uint32_t pgno, uint64_t ver)
{
	if (eng_page_in_checkpoint(db, pgno))
		space_retire(db->space, pgno, ver);
	else
		space_retire_fresh(db->space, pgno, ver);
}

/* The new version is in place: settle every page's fate. */
static void settle_part(part_commit *pc)
{
	txn_db *p = pc->p;
	jdb *db = p->db;
	for (size_t i = 0; i < p->cap_pages; i++) {
		txn_page *e = &p->pages[i];
		if (!e->pgno)
			continue;
		txn_tree *t = &p->trees[e->tree];
		if (pc->fast[e->tree] && !t->dropped) {
			space_publish(db->space, e->pgno);
			eng_page_published(db, e->pgno);
		} else {
			page_free_now(db, e->pgno);
		}
	}
	for (size_t i = 0; i < p->ndrops; i++) {
		txn_drop *d = &p->drops[i];
		if (d->alloc_level == 0 && pc->fast[d->tree] && !p->trees[d->tree].dropped)
			retire(db, d->pgno, pc->ver);
	}
	for (size_t i = 0; i < pc->cw.nmade; i++) {
		space_publish(db->space, pc->cw.made[i]);
		eng_page_published(db, pc->cw.made[i]);
	}
	for (size_t i = 0; i < pc->cw.nretired; i++)
		retire(db, pc->cw.retired[i], pc->ver);
}

/* What the commit that met a dead log returns: a full disk as such
 * (JET_errLogDiskFull, as ESE; jetfs makes it ENOSPC), anything else as the
 * instance's end. Later calls get JET_errInstanceUnavailable either way. */
static JET_ERR log_failure(JET_ERR err)
{
	return err == JET_errLogDiskFull ? JET_errLogDiskFull : JET_errInstanceUnavailable;
}

static JET_ERR commit_level0(jsess *s, JET_GRBIT grbit)
{
	JET_ERR err = JET_errSuccess;
	jinst *inst = s->inst;
	part_commit pcs[ENG_MAX_DBS];
	int npc = 0;
	bool log = !s->replay && inst->log;
	bool batch_started = false;
	jet_lsn end = 0;
	uint64_t now = eng_now_ns();

	memset(pcs, 0, sizeof(pcs));
	for (int i = 0; i < ENG_MAX_DBS; i++)
		if (s->parts[i].db && s->parts[i].ntrees)
			pcs[npc++].p = &s->parts[i];
	if (npc == 0) {
		for (int i = 0; i < ENG_MAX_DBS; i++)
			if (s->parts[i].db)
				end_part(s, &s->parts[i], 0);
		s->level = 0;
		return JET_errSuccess;
	}
	pthread_mutex_lock(&inst->commit_lock);
	if (inst->fatal)
		Error(inst->fatal);
	if (JET_CRASH_POINT("commit.before_log"))
		Error(JET_errDiskIO);
	for (int i = 0; i < npc; i++) {
		batch_started = true;
		Call(commit_part(s, &pcs[i], log, now));
	}
	if (log && JET_CRASH_POINT("commit.before_commit_record"))
		Error(JET_errDiskIO);
	if (log) {
		uint8_t slots[ENG_MAX_DBS];
		uint64_t vers[ENG_MAX_DBS];
		for (int i = 0; i < npc; i++) {
			slots[i] = pcs[i].p->db->slot;
			vers[i] = pcs[i].ver;
		}
		Call(logrec_commit(inst->log, now, (uint8_t)npc, slots, vers, NULL));
		end = jlog_end(inst->log);
		if (JET_CRASH_POINT("commit.after_log_append")) {
			/* The batch is complete in the buffer: from here on the
			 * commit must not be undone in memory either. */
		}
	}
	batch_started = false;
	for (int i = 0; i < npc; i++) {
		settle_part(&pcs[i]);
		/* Publishing cannot fail halfway: the version struct is the only
		 * allocation; without it the commit stays logged but invisible
		 * until restart, so treat it as fatal. */
		JET_ERR e = eng_db_publish(pcs[i].p->db, pcs[i].ver, pcs[i].dir_root, end, now);
		if (e < 0) {
			eng_set_fatal(inst, e);
			err = JET_errInstanceUnavailable;
		}
	}
	if (JET_CRASH_POINT("commit.after_publish")) {
	}
	pthread_mutex_unlock(&inst->commit_lock);
	for (int i = 0; i < npc; i++) {
		end_part(s, pcs[i].p, pcs[i].ver);
		pc_free(&pcs[i]);
	}
	for (int i = 0; i < ENG_MAX_DBS; i++)
		if (s->parts[i].db && s->parts[i].snap)
			end_part(s, &s->parts[i], 0);
	s->level = 0;
	if (err < 0)
		return err;
	if (log) {
		s->last_commit_lsn = end;
		bool lazy = ((grbit | inst->p.commit_default) & JET_bitCommitLazyFlush) != 0;
		if (!lazy) {
			err = jlog_flush(inst->log, end);
			if (err < 0) {
				eng_set_fatal(inst, err);
				return log_failure(err);
			}
			if (JET_CRASH_POINT("commit.after_flush"))
				return JET_errDiskIO;
		}
		eng_ckpt_throttle(inst);
	}
	return JET_errSuccess;

HandleError:
	if (batch_started && log) {
		JET_ERR e = logrec_abort(inst->log);
		if (e < 0) {
			/* Without the ABORT the next batch would absorb these
			 * records: the log can no longer be trusted. */
			eng_set_fatal(inst, e);
		}
	}
	for (int i = 0; i < npc; i++) {
		cw_undo(&pcs[i]);
		pc_free(&pcs[i]);
	}
	pthread_mutex_unlock(&inst->commit_lock);
	return err;
}

JET_ERR eng_txn_commit(jsess *s, JET_GRBIT grbit)
{
	if (!s)
		return JET_errInvalidParameter;
	if (grbit & ~(JET_GRBIT)(JET_bitCommitLazyFlush | JET_bitWaitLastLevel0Commit |
				 JET_bitWaitAllLevel0Commit))
		return JET_errInvalidGrbit;
	if (grbit & (JET_bitWaitLastLevel0Commit | JET_bitWaitAllLevel0Commit)) {
		jinst *inst = s->inst;
		if (!inst->log)
			return JET_errSuccess;
		jet_lsn upto = (grbit & JET_bitWaitAllLevel0Commit) ? jlog_end(inst->log)
								     : s->last_commit_lsn;
		JET_ERR err = jlog_flush(inst->log, upto);
		if (err < 0) {
			eng_set_fatal(inst, err);
			return log_failure(err);
		}
		/* As in ESE, these bits only wait for the log: the open
		 * transaction, if any, is left as it is. */
		return JET_errSuccess;
	}
	if (s->level == 0)
		return JET_errNotInTransaction;
	if (s->level > 1) {
		for (int i = 0; i < ENG_MAX_DBS; i++)
			if (s->parts[i].db)
				commit_inner_part(&s->parts[i], s->level);
		s->level--;
		return JET_errSuccess;
	}
	return commit_level0(s, grbit);
}
