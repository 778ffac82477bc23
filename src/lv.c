/*
 * lv.c - separated long values (see lv.h for the layout and the edit model).
 *
 * Reads of committed values use the caller's read context (the one the
 * record was read in), so a value and its record come from the same view.
 * An edit reads what its own session just wrote, so each of its chunk reads
 * begins a fresh context (an eng_read sees the session's writes made before
 * it began). Every chunk write or delete goes through eng_put_unlocked /
 * eng_del_unlocked (lv.h says why no lock is needed).
 */
#include "catalog.h"
#include "lv.h"

#define LV_KEY 16

uint32_t lv_chunk_size(uint32_t page_size)
{
	/* The largest value a leaf keeps inline next to a 16-byte key, in
	 * whole 32-byte units: 2016 bytes on 8 KiB pages, 992 on 4 KiB. */
	size_t cb = bt_max_inline_value(page_size);

	cb = cb > LV_KEY + 32 ? cb - LV_KEY : 32;
	return (uint32_t)(cb & ~(size_t)31);
}

static void lv_key(uint8_t *key, uint64_t id, uint64_t off)
{
	put_be64(key, id);
	put_be64(key + 8, off);
}

JET_ERR lv_tree_find(eng_read *r, const tbl_def *td, uint32_t *ptree)
{
	JET_ERR err;
	tbl_def *cat;

	if (td->lv_objid) {
		*ptree = td->lv_objid;
		return JET_errSuccess;
	}
	CallR(tbl_def_catalog(r->db, &cat));
	err = cat_find_lv(r, cat, td->objid, ptree);
	tbl_def_release(cat);
	return err;
}

JET_ERR lv_read(eng_read *r, const tbl_def *td, uint64_t id, uint64_t ib, void *pv, size_t cb)
{
	JET_ERR err = JET_errSuccess;
	uint32_t tree, root, cbChunk = lv_chunk_size(td->page_size);
	uint8_t key[LV_KEY];
	bt_cursor *cur = NULL;
	uint8_t *out = pv;

	if (cb == 0)
		return JET_errSuccess;
	memset(out, 0, cb);
	Call(lv_tree_find(r, td, &tree));
	if (!tree)
		Error(JET_errDatabaseCorrupted);
	Call(eng_read_root(r, tree, &root));
	Call(bt_cursor_open(eng_db_cache(r->db), root, &cur));
	lv_key(key, id, ib - ib % cbChunk);
	for (err = bt_seek(cur, key, LV_KEY, BT_SEEK_GE); err >= 0; err = bt_next(cur)) {
		const void *k, *v;
		size_t cbk, cbv;
		uint64_t off, lo, hi;

		Call(bt_cursor_key(cur, &k, &cbk));
		if (cbk != LV_KEY || get_be64(k) != id)
			break;
		off = get_be64((const uint8_t *)k + 8);
		if (off >= ib + cb)
			break;
		Call(bt_cursor_value(cur, &v, &cbv));
		lo = JET_MAX(off, ib);
		hi = JET_MIN(off + cbv, ib + cb);
		if (lo < hi)
			memcpy(out + (lo - ib), (const uint8_t *)v + (lo - off), hi - lo);
	}
	if (err == JET_errRecordNotFound || err == JET_errNoCurrentRecord)
		err = JET_errSuccess;
HandleError:
	if (cur)
		bt_cursor_close(cur);
	return err;
}

/* ---- writer ----------------------------------------------------------- */

JET_ERR lv_w_open(lv_w *w, jsess *s, jdb *db, tbl_def *td, bool create)
{
	JET_ERR err = JET_errSuccess;
	eng_read r;
	bool reading = false;
	tbl_def *cat = NULL;

	memset(w, 0, sizeof(*w));
	w->s = s;
	w->db = db;
	w->td = td;
	w->cbChunk = lv_chunk_size(td->page_size);
	w->buf = jet_malloc(w->cbChunk);
	if (!w->buf)
		return JET_errOutOfMemory;
	Call(eng_read_begin(s, db, &r));
	reading = true;
	Call(lv_tree_find(&r, td, &w->tree));
	if (!w->tree && create) {
		uint32_t tree;

		Call(eng_tree_create(s, db, &tree));
		eng_read_end(&r);
		reading = false;
		Call(eng_read_begin(s, db, &r));
		reading = true;
		Call(tbl_def_catalog(db, &cat));
		Call(cat_insert_lv(&r, cat, td->objid, tree));
		w->tree = tree;
	}
HandleError:
	if (reading)
		eng_read_end(&r);
	tbl_def_release(cat);
	if (err < 0)
		lv_w_close(w);
	return err;
}

void lv_w_close(lv_w *w)
{
	jet_free(w->buf);
	w->buf = NULL;
}

/* Chunk [off, ...) of value id as the session now sees it; absent: 0 bytes. */
static JET_ERR lv_get(lv_w *w, uint64_t id, uint64_t off, uint8_t *buf, size_t *pcb)
{
	JET_ERR err;
	eng_read r;
	uint32_t root;
	uint8_t key[LV_KEY];

	*pcb = 0;
	CallR(eng_read_begin(w->s, w->db, &r));
	lv_key(key, id, off);
	err = eng_read_root(&r, w->tree, &root);
	if (err >= 0)
		err = bt_get(eng_db_cache(w->db), root, key, LV_KEY, buf, w->cbChunk, pcb);
	eng_read_end(&r);
	if (err == JET_errRecordNotFound) {
		*pcb = 0;
		return JET_errSuccess;
	}
	if (err == JET_wrnBufferTruncated)
		return JET_errDatabaseCorrupted;
	return err < 0 ? err : JET_errSuccess;
}

static JET_ERR lv_put(lv_w *w, uint64_t id, uint64_t off, const void *pv, size_t cb)
{
	uint8_t key[LV_KEY];

	lv_key(key, id, off);
	return eng_put_unlocked(w->s, w->db, w->tree, key, LV_KEY, pv, cb, 0);
}

static JET_ERR lv_del(lv_w *w, uint64_t id, uint64_t off)
{
	uint8_t key[LV_KEY];
	JET_ERR err;

	lv_key(key, id, off);
	err = eng_del_unlocked(w->s, w->db, w->tree, key, LV_KEY);
	return err == JET_errRecordNotFound ? JET_errSuccess : err;
}

/* A new LV id of the table: one past the largest in the tree on first use,
 * then from the table's shared counter. */
static JET_ERR lv_new_id(lv_w *w, uint64_t *pid)
{
	JET_ERR err = JET_errSuccess;
	tbl_rt *rt = w->td->rt;
	eng_read r;
	bool reading = false;
	bt_cursor *cur = NULL;

	if (!rt)
		CallR(tbl_rt_get(w->db, w->td->objid, &rt));
	pthread_mutex_lock(&rt->lock);
	if (!rt->lv_init) {
		uint32_t root;
		const void *k;
		size_t cbk;

		Call(eng_read_begin(w->s, w->db, &r));
		reading = true;
		Call(eng_read_root(&r, w->tree, &root));
		Call(bt_cursor_open(eng_db_cache(w->db), root, &cur));
		err = bt_last(cur);
		if (err == JET_errRecordNotFound) {
			rt->lv_next = 1;
		} else {
			Call(err);
			Call(bt_cursor_key(cur, &k, &cbk));
			if (cbk != LV_KEY)
				Error(JET_errDatabaseCorrupted);
			rt->lv_next = get_be64(k) + 1;
		}
		rt->lv_init = true;
	}
	*pid = rt->lv_next++;
	err = JET_errSuccess;
HandleError:
	pthread_mutex_unlock(&rt->lock);
	if (cur)
		bt_cursor_close(cur);
	if (reading)
		eng_read_end(&r);
	return err;
}

JET_ERR lv_delete(lv_w *w, uint64_t id, uint64_t size)
{
	uint64_t off;

	for (off = 0; off < size; off += w->cbChunk)
		CallR(lv_del(w, id, off));
	return JET_errSuccess;
}

JET_ERR lv_copy(lv_w *w, uint64_t id, uint64_t size, uint64_t *pnew)
{
	uint64_t off, idNew;
	size_t cb;

	CallR(lv_new_id(w, &idNew));
	for (off = 0; off < size; off += w->cbChunk) {
		CallR(lv_get(w, id, off, w->buf, &cb));
		if (cb)
			CallR(lv_put(w, idNew, off, w->buf, cb));
	}
	*pnew = idNew;
	return JET_errSuccess;
}

/* ---- edits ------------------------------------------------------------ */

static bool pend_bit(const lv_pend *p, uint64_t i)
{
	return i / 8 < p->cbBits && (p->bits[i / 8] & (1u << (i % 8)));
}

static JET_ERR pend_set_bit(lv_pend *p, uint64_t i)
{
	if (i / 8 >= p->cbBits) {
		size_t cb = JET_MAX((size_t)(i / 8 + 1), 2 * p->cbBits);
		uint8_t *q = jet_realloc(p->bits, cb);

		if (!q)
			return JET_errOutOfMemory;
		memset(q + p->cbBits, 0, cb - p->cbBits);
		p->bits = q;
		p->cbBits = cb;
	}
	p->bits[i / 8] |= (uint8_t)(1u << (i % 8));
	return JET_errSuccess;
}

static void pend_clear_bit(lv_pend *p, uint64_t i)
{
	if (i / 8 < p->cbBits)
		p->bits[i / 8] &= (uint8_t) ~(1u << (i % 8));
}

JET_ERR lv_pend_new(lv_w *w, const void *ref, int level, lv_pend **out)
{
	lv_pend *p = jet_calloc(1, sizeof(*p));
	JET_ERR err;

	if (!p)
		return JET_errOutOfMemory;
	err = lv_new_id(w, &p->id);
	if (err < 0) {
		jet_free(p);
		return err;
	}
	if (ref) {
		p->base = lv_ref_id(ref);
		p->base_size = p->base_valid = p->size = lv_ref_size(ref);
	}
	p->level = level;
	*out = p;
	return JET_errSuccess;
}

void lv_pend_free(lv_pend *p)
{
	if (!p)
		return;
	jet_free(p->bits);
	jet_free(p);
}

/* Chunk i of the edited value, L bytes (zeros past what is stored). */
static JET_ERR pend_chunk(lv_w *w, lv_pend *p, uint64_t i, uint8_t *buf, size_t L)
{
	uint64_t off = i * w->cbChunk;
	size_t cb = 0;

	if (pend_bit(p, i)) {
		CallR(lv_get(w, p->id, off, buf, &cb));
	} else if (p->base && off < p->base_valid) {
		CallR(lv_get(w, p->base, off, buf, &cb));
		cb = (size_t)JET_MIN((uint64_t)cb, p->base_valid - off);
	}
	if (cb > L)
		cb = L;
	if (cb < L)
		memset(buf + cb, 0, L - cb);
	return JET_errSuccess;
}

JET_ERR lv_pend_write(lv_w *w, lv_pend *p, uint64_t ib, const void *pv, size_t cb)
{
	const uint8_t *src = pv;
	uint64_t end = ib + cb, size = JET_MAX(p->size, end), off;
	size_t C = w->cbChunk;

	for (off = ib - ib % C; off < end; off += C) {
		size_t L = (size_t)JET_MIN((uint64_t)C, size - off);
		size_t lo = (size_t)(JET_MAX(ib, off) - off);
		size_t hi = (size_t)(JET_MIN(end, off + L) - off);

		if (lo > 0 || hi < L)
			CallR(pend_chunk(w, p, off / C, w->buf, L));
		memcpy(w->buf + lo, src + (off + lo - ib), hi - lo);
		CallR(lv_put(w, p->id, off, w->buf, L));
		CallR(pend_set_bit(p, off / C));
	}
	p->size = size;
	return JET_errSuccess;
}

JET_ERR lv_pend_resize(lv_w *w, lv_pend *p, uint64_t size)
{
	size_t C = w->cbChunk;
	uint64_t i, first;

	if (size < p->size) {
		first = (size + C - 1) / C;
		for (i = first; i < (uint64_t)p->cbBits * 8; i++) {
			if (!pend_bit(p, i))
				continue;
			CallR(lv_del(w, p->id, i * C));
			pend_clear_bit(p, i);
		}
		if (size % C && pend_bit(p, size / C)) {
			size_t L = (size_t)(size % C);
			CallR(pend_chunk(w, p, size / C, w->buf, L));
			CallR(lv_put(w, p->id, size - L, w->buf, L));
		}
		p->base_valid = JET_MIN(p->base_valid, size);
	}
	p->size = size;
	return JET_errSuccess;
}

JET_ERR lv_pend_read(lv_w *w, lv_pend *p, uint64_t ib, void *pv, size_t cb)
{
	uint8_t *out = pv;
	uint64_t end = ib + cb, off;
	size_t C = w->cbChunk;

	for (off = ib - ib % C; off < end; off += C) {
		size_t L = (size_t)JET_MIN((uint64_t)C, p->size - off);
		size_t lo = (size_t)(JET_MAX(ib, off) - off);
		size_t hi = (size_t)(JET_MIN(end, off + L) - off);

		CallR(pend_chunk(w, p, off / C, w->buf, L));
		memcpy(out + (off + lo - ib), w->buf + lo, hi - lo);
	}
	return JET_errSuccess;
}

JET_ERR lv_pend_ref(lv_w *w, lv_pend *p, uint8_t *ref, size_t *pcb)
{
	size_t cbPrefix = (size_t)JET_MIN(p->size, (uint64_t)REC_LV_PREFIX);

	put_le64(ref, p->id);
	put_le64(ref + 8, p->size);
	CallR(lv_pend_read(w, p, 0, ref + REC_LVREF_HDR, cbPrefix));
	*pcb = REC_LVREF_HDR + cbPrefix;
	return JET_errSuccess;
}

JET_ERR lv_pend_install(lv_w *w, lv_pend *p)
{
	size_t C = w->cbChunk, cb;
	uint64_t i, n;

	if (!p->base)
		return JET_errSuccess;
	/* The overlay's chunks replace the base's. */
	for (i = 0; i < (uint64_t)p->cbBits * 8; i++) {
		if (!pend_bit(p, i))
			continue;
		CallR(lv_get(w, p->id, i * C, w->buf, &cb));
		CallR(lv_put(w, p->base, i * C, w->buf, cb));
		CallR(lv_del(w, p->id, i * C));
	}
	/* Base chunks that a shrink invalidated: cut or gone. */
	n = p->base_valid < p->base_size ? (p->base_size + C - 1) / C : 0;
	for (i = p->base_valid / C; i < n; i++) {
		uint64_t off = i * C;

		if (pend_bit(p, i))
			continue;
		if (off < p->base_valid && off < p->size) {
			CallR(lv_get(w, p->base, off, w->buf, &cb));
			cb = (size_t)JET_MIN((uint64_t)cb, p->base_valid - off);
			CallR(lv_put(w, p->base, off, w->buf, cb));
		} else {
			CallR(lv_del(w, p->base, off));
		}
	}
	/* The bits stay: if the transaction rolls back, the overlay is back. */
	return JET_errSuccess;
}

JET_ERR lv_pend_discard(lv_w *w, lv_pend *p)
{
	uint64_t i;

	for (i = 0; i < (uint64_t)p->cbBits * 8; i++) {
		if (!pend_bit(p, i))
			continue;
		CallR(lv_del(w, p->id, i * w->cbChunk));
	}
	return JET_errSuccess;
}
