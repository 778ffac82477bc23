/*
 * table.c - table definitions, their per-database cache and runtime
 * counters, and the record/index update primitives (see table.h).
 *
 * Definitions. A tbl_def is immutable once finalized and refcounted. The
 * database's slot (eng_db_user_slot) holds a tbl_dbstate with the built-in
 * MSysObjects definition, a cache of definitions keyed by (table objid,
 * catalog root page) and the per-table runtime state. A definition read
 * from a catalog that the reader's transaction has changed (DDL not yet
 * committed) is never cached: the root page of a private tree does not name
 * a fixed state. Stale cache entries (same objid, older catalog root) are
 * dropped when a newer definition of the table is loaded and nobody else
 * holds them.
 *
 * Updates. Each of tbl_insert/tbl_replace/tbl_delete is atomic within the
 * caller's transaction: it first computes every key it will write and takes
 * the write lock on each (so a WriteConflict is found before anything is
 * written), then writes the record and the index entries; uniqueness is
 * checked by the tree itself (BT_PUT_NOOVERWRITE), and when any write fails
 * (a duplicate, I/O, out of memory) the writes already done are undone with
 * the inverse eng_put/eng_del before the error is returned.
 *
 * Counters. The next sequential key (tables without a primary index) and
 * the next autoincrement value live in memory per table, seeded on first use
 * from the largest value present, handed out under the table's mutex and
 * never reused (ESE leaves gaps after rollbacks too).
 */
#include <stdlib.h>
#include <strings.h>

#include "catalog.h"
#include "key.h"
#include "table.h"

typedef struct tbl_dbstate {
	pthread_mutex_t lock;
	tbl_def *catalog;
	tbl_def *cache;
	tbl_rt *rts;
} tbl_dbstate;

/* Guards the creation of a database's state (two sessions may race). */
static pthread_mutex_t g_slot_lock = PTHREAD_MUTEX_INITIALIZER;

static void dbstate_destroy(void *p)
{
	tbl_dbstate *st = p;
	tbl_def *td, *tdNext;
	tbl_rt *rt, *rtNext;

	if (!st)
		return;
	for (td = st->cache; td; td = tdNext) {
		tdNext = td->next;
		td->cached = false;
		tbl_def_release(td);
	}
	if (st->catalog)
		tbl_def_release(st->catalog);
	for (rt = st->rts; rt; rt = rtNext) {
		rtNext = rt->next;
		pthread_mutex_destroy(&rt->lock);
		jet_free(rt);
	}
	pthread_mutex_destroy(&st->lock);
	jet_free(st);
}

static JET_ERR dbstate_get(jdb *db, tbl_dbstate **out)
{
	JET_ERR err = JET_errSuccess;
	void **slot = eng_db_user_slot(db);
	tbl_dbstate *st;

	st = __atomic_load_n((tbl_dbstate **)slot, __ATOMIC_ACQUIRE);
	if (JET_LIKELY(st != NULL)) {
		*out = st;
		return JET_errSuccess;
	}
	pthread_mutex_lock(&g_slot_lock);
	st = *slot;
	if (!st) {
		st = jet_calloc(1, sizeof(*st));
		if (!st)
			Error(JET_errOutOfMemory);
		pthread_mutex_init(&st->lock, NULL);
		err = cat_build_def(eng_db_page_size(db), &st->catalog);
		if (err < 0) {
			pthread_mutex_destroy(&st->lock);
			jet_free(st);
			goto HandleError;
		}
		eng_db_set_user_destructor(db, dbstate_destroy);
		__atomic_store_n((tbl_dbstate **)slot, st, __ATOMIC_RELEASE);
	}
	*out = st;
HandleError:
	pthread_mutex_unlock(&g_slot_lock);
	return err;
}

/* ------------------------------------------------------------------ */
/* Definitions                                                        */
/* ------------------------------------------------------------------ */

JET_ERR tbl_def_alloc(tbl_def **out)
{
	tbl_def *td = jet_calloc(1, sizeof(*td));

	if (!td)
		return JET_errOutOfMemory;
	td->refs = 1;
	td->iprimary = -1;
	td->iautoinc = -1;
	td->iversion = -1;
	*out = td;
	return JET_errSuccess;
}

void tbl_def_addref(tbl_def *td)
{
	__atomic_add_fetch(&td->refs, 1, __ATOMIC_RELAXED);
}

void tbl_def_release(tbl_def *td)
{
	uint32_t i;

	if (!td || __atomic_sub_fetch(&td->refs, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	for (i = 0; i < td->ncols; i++)
		jet_free(td->cols[i].pvDefault);
	for (i = 0; i < td->ndcols; i++)
		jet_free(td->dcols[i].pvDefault);
	jet_free(td->cols);
	jet_free(td->dcols);
	jet_free(td->rcols);
	jet_free(td->idx);
	jet_free(td);
}

static int col_cmp(const void *a, const void *b)
{
	const tbl_column *x = a, *y = b;
	return x->rc.columnid < y->rc.columnid ? -1 : x->rc.columnid > y->rc.columnid;
}

static int rcol_cmp(const void *a, const void *b)
{
	const rec_column *x = a, *y = b;
	return x->columnid < y->columnid ? -1 : x->columnid > y->columnid;
}

JET_ERR tbl_def_finalize(tbl_def *td, uint32_t page_size)
{
	uint32_t i, j, ib = 0;
	size_t cbKeyCap = bt_max_key(page_size) / 2;

	td->page_size = page_size;
	if (td->ncols)
		qsort(td->cols, td->ncols, sizeof(td->cols[0]), col_cmp);
	if (td->ndcols)
		qsort(td->dcols, td->ndcols, sizeof(td->dcols[0]), col_cmp);
	td->nrcols = td->ncols + td->ndcols;
	td->rcols = jet_calloc(td->nrcols ? td->nrcols : 1, sizeof(rec_column));
	if (!td->rcols)
		return JET_errOutOfMemory;
	for (i = 0; i < td->ncols; i++)
		td->rcols[i] = td->cols[i].rc;
	for (i = 0; i < td->ndcols; i++)
		td->rcols[td->ncols + i] = td->dcols[i].rc;
	if (td->ndcols)
		qsort(td->rcols, td->nrcols, sizeof(td->rcols[0]), rcol_cmp);
	for (i = 0; i < td->nrcols; i++) {
		rec_column *c = &td->rcols[i];
		if (i > 0 && td->rcols[i - 1].columnid == c->columnid)
			return JET_errCatalogCorrupted;
		if (c->columnid <= REC_FIXED_LAST) {
			/* Fixed columns lie one after the other in id order, so a
			 * column added later goes at the end and old records stay
			 * readable (it reads as NULL there). A deleted one keeps
			 * its place. */
			c->cbFixed = rec_coltyp_fixed_size(c->coltyp);
			if (!c->cbFixed)
				return JET_errCatalogCorrupted;
			c->ibFixed = ib;
			ib += c->cbFixed;
		} else {
			c->cbFixed = 0;
			c->ibFixed = 0;
		}
	}
	for (i = 0, j = 0; i < td->ncols; i++) {
		tbl_column *c = &td->cols[i];
		while (td->rcols[j].columnid != c->rc.columnid)
			j++;
		c->rc = td->rcols[j];
		if (c->rc.grbit & JET_bitColumnAutoincrement)
			td->iautoinc = (int)i;
		if (c->rc.grbit & JET_bitColumnVersion)
			td->iversion = (int)i;
	}
	td->schema.cols = td->rcols;
	td->schema.ccols = td->nrcols;
	td->schema.page_size = page_size;

	/* Index segments were filled with column ids; resolve them. */
	td->iprimary = -1;
	for (i = 0; i < td->nidx; i++) {
		tbl_index *ix = &td->idx[i];
		if (ix->grbit & JET_bitIndexPrimary) {
			if (td->iprimary >= 0)
				return JET_errCatalogCorrupted;
			td->iprimary = (int)i;
		}
		if (!ix->cbKeyMost || ix->cbKeyMost > cbKeyCap)
			ix->cbKeyMost =
			    (uint32_t)(ix->cbKeyMost ? cbKeyCap : JET_MIN(JET_cbKeyMost, cbKeyCap));
		for (j = 0; j < ix->nseg; j++) {
			const tbl_column *c = tbl_column_by_id(td, ix->seg[j].icol);
			if (!c)
				return JET_errCatalogCorrupted;
			ix->seg[j].icol = (uint32_t)(c - td->cols);
		}
	}
	return JET_errSuccess;
}

JET_ERR tbl_def_catalog(jdb *db, tbl_def **out)
{
	tbl_dbstate *st;

	CallR(dbstate_get(db, &st));
	tbl_def_addref(st->catalog);
	*out = st->catalog;
	return JET_errSuccess;
}

JET_ERR tbl_rt_get(jdb *db, uint32_t objid, tbl_rt **out)
{
	tbl_dbstate *st;
	tbl_rt *rt;

	CallR(dbstate_get(db, &st));
	pthread_mutex_lock(&st->lock);
	for (rt = st->rts; rt; rt = rt->next)
		if (rt->objid == objid)
			break;
	if (!rt) {
		rt = jet_calloc(1, sizeof(*rt));
		if (!rt) {
			pthread_mutex_unlock(&st->lock);
			return JET_errOutOfMemory;
		}
		rt->objid = objid;
		pthread_mutex_init(&rt->lock, NULL);
		rt->next = st->rts;
		st->rts = rt;
	}
	pthread_mutex_unlock(&st->lock);
	*out = rt;
	return JET_errSuccess;
}

JET_ERR tbl_def_get(eng_read *r, uint32_t objid, tbl_def **out)
{
	JET_ERR err = JET_errSuccess;
	tbl_dbstate *st;
	tbl_def *td = NULL, **pp;
	uint32_t root = 0;
	uint64_t mods = 0;
	bool cacheable;

	Call(dbstate_get(r->db, &st));
	if (objid == OBJID_CATALOG) {
		tbl_def_addref(st->catalog);
		*out = st->catalog;
		return JET_errSuccess;
	}
	cacheable = !eng_read_is_private(r, OBJID_CATALOG);
	if (cacheable) {
		eng_tree_info info;
		Call(eng_read_tree_info(r, OBJID_CATALOG, &info));
		root = info.root;
		mods = info.modifications;
		pthread_mutex_lock(&st->lock);
		for (td = st->cache; td; td = td->next)
			if (td->objid == objid && td->cat_root == root && td->cat_mods == mods)
				break;
		if (td)
			tbl_def_addref(td);
		pthread_mutex_unlock(&st->lock);
		if (td) {
			*out = td;
			return JET_errSuccess;
		}
	}
	Call(cat_load_table(r, st->catalog, objid, &td));
	Call(tbl_rt_get(r->db, objid, &td->rt));
	if (cacheable) {
		td->cat_root = root;
		td->cat_mods = mods;
		pthread_mutex_lock(&st->lock);
		for (pp = &st->cache; *pp;) {
			tbl_def *o = *pp;
			if (o->objid == objid && (o->cat_root != root || o->cat_mods != mods) &&
			    __atomic_load_n(&o->refs, __ATOMIC_ACQUIRE) == 1) {
				*pp = o->next;
				o->cached = false;
				tbl_def_release(o);
				continue;
			}
			pp = &o->next;
		}
		tbl_def_addref(td);
		td->cached = true;
		td->next = st->cache;
		st->cache = td;
		pthread_mutex_unlock(&st->lock);
	}
	*out = td;
	return JET_errSuccess;

HandleError:
	tbl_def_release(td);
	return err;
}

const tbl_column *tbl_column_by_id(const tbl_def *td, JET_COLUMNID columnid)
{
	uint32_t lo = 0, hi = td->ncols;

	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;
		JET_COLUMNID c = td->cols[mid].rc.columnid;
		if (c == columnid)
			return &td->cols[mid];
		if (c < columnid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const tbl_column *tbl_column_by_name(const tbl_def *td, const char *name)
{
	uint32_t i;

	for (i = 0; i < td->ncols; i++)
		if (strcasecmp(td->cols[i].name, name) == 0)
			return &td->cols[i];
	return NULL;
}

const tbl_index *tbl_index_by_name(const tbl_def *td, const char *name)
{
	uint32_t i;

	for (i = 0; i < td->nidx; i++)
		if (strcasecmp(td->idx[i].name, name) == 0)
			return &td->idx[i];
	return NULL;
}

JET_ERR tbl_check_name(const char *name)
{
	size_t n;
	const unsigned char *p;

	if (!name)
		return JET_errInvalidParameter;
	n = strlen(name);
	if (n == 0 || n > JET_cbNameMost || name[0] == ' ')
		return JET_errInvalidName;
	for (p = (const unsigned char *)name; *p; p++) {
		/* ESE refuses control characters and the characters that have
		 * a meaning in its name syntax: '!', '.', '[' and ']'. */
		if (*p < 0x20 || *p == 0x7F || *p == '!' || *p == '.' || *p == '[' || *p == ']')
			return JET_errInvalidName;
	}
	return JET_errSuccess;
}

/* ------------------------------------------------------------------ */
/* Values and keys                                                    */
/* ------------------------------------------------------------------ */

JET_ERR tbl_column_value(const tbl_def *td, const tbl_column *col, const uint8_t *rec, size_t cbRec,
			 unsigned long itag, const void **ppv, size_t *pcb)
{
	JET_ERR err = rec_retrieve(&td->schema, rec, cbRec, col->rc.columnid, itag, ppv, pcb);

	if (err == JET_wrnColumnNull) {
		if (col->pvDefault && itag <= 1) {
			*ppv = col->pvDefault;
			*pcb = col->cbDefault;
			return JET_errSuccess;
		}
		*ppv = NULL;
		*pcb = 0;
	}
	return err;
}

JET_ERR tbl_index_key(const tbl_def *td, const tbl_index *ix, const uint8_t *rec, size_t cbRec,
		      uint8_t *key, size_t *pcbKey, bool *pskip)
{
	JET_ERR err = JET_errSuccess;
	size_t cb = 0;
	bool trunc = false, firstNull = false;
	uint32_t i, nnull = 0;

	*pskip = false;
	for (i = 0; i < ix->nseg; i++) {
		const tbl_column *col = &td->cols[ix->seg[i].icol];
		const void *pv;
		size_t cbv;

		Call(tbl_column_value(td, col, rec, cbRec, 1, &pv, &cbv));
		if (err == JET_wrnColumnNull) {
			nnull++;
			if (i == 0)
				firstNull = true;
			pv = NULL;
			cbv = 0;
		} else if (!pv) {
			pv = ""; /* a zero-length value, not NULL */
		}
		Call(key_append_segment(col->rc.coltyp, col->cp, ix->seg[i].descending, pv, cbv, 0,
					key, ix->cbKeyMost, &cb, &trunc));
	}
	err = JET_errSuccess;
	if (nnull) {
		if (ix->grbit & JET_bitIndexDisallowNull)
			return JET_errNullKeyDisallowed;
		if ((ix->grbit & JET_bitIndexIgnoreAnyNull) ||
		    ((ix->grbit & JET_bitIndexIgnoreNull) && nnull == ix->nseg) ||
		    ((ix->grbit & JET_bitIndexIgnoreFirstNull) && firstNull))
			*pskip = true;
	}
	*pcbKey = cb;
HandleError:
	return err;
}

JET_ERR tbl_entry_key(const tbl_def *td, const tbl_index *ix, const uint8_t *rec, size_t cbRec,
		      const uint8_t *pk, size_t cbPk, uint8_t *key, size_t *pcbKey, bool *pskip)
{
	size_t cb;

	CallR(tbl_index_key(td, ix, rec, cbRec, key, &cb, pskip));
	if (!(ix->grbit & JET_bitIndexUnique)) {
		if (cb + cbPk > TBL_KEY_BUF)
			return JET_errKeyTooBig;
		memcpy(key + cb, pk, cbPk);
		cb += cbPk;
	}
	*pcbKey = cb;
	return JET_errSuccess;
}

JET_ERR tbl_read_record(eng_read *r, const tbl_def *td, const uint8_t *pk, size_t cbPk,
			uint8_t **pbuf, size_t *pcap, size_t *pcb)
{
	JET_ERR err;
	uint32_t root;
	size_t actual = 0;

	CallR(eng_read_root(r, td->objid, &root));
	for (;;) {
		err = bt_get(eng_db_cache(r->db), root, pk, cbPk, *pbuf, *pcap, &actual);
		if (err < 0)
			return err;
		if (err != JET_wrnBufferTruncated)
			break;
		/* Grow only when a record larger than any seen arrives. */
		{
			size_t cap = JET_MAX(actual, 2 * *pcap);
			uint8_t *p = jet_realloc(*pbuf, cap);
			if (!p)
				return JET_errOutOfMemory;
			*pbuf = p;
			*pcap = cap;
		}
	}
	*pcb = actual;
	return JET_errSuccess;
}

/* ------------------------------------------------------------------ */
/* Counters                                                           */
/* ------------------------------------------------------------------ */

JET_ERR tbl_next_seq(eng_read *r, tbl_def *td, uint64_t *out)
{
	JET_ERR err = JET_errSuccess;
	tbl_rt *rt = td->rt;
	bt_cursor *cur = NULL;

	pthread_mutex_lock(&rt->lock);
	if (!rt->seq_init) {
		uint32_t root;
		const void *k;
		size_t cbk;

		Call(eng_read_root(r, td->objid, &root));
		Call(bt_cursor_open(eng_db_cache(r->db), root, &cur));
		err = bt_last(cur);
		if (err == JET_errRecordNotFound) {
			rt->seq_next = 1;
		} else {
			Call(err);
			Call(bt_cursor_key(cur, &k, &cbk));
			if (cbk != 8)
				Error(JET_errDatabaseCorrupted);
			rt->seq_next = get_be64(k) + 1;
		}
		rt->seq_init = true;
	}
	if (rt->seq_next == UINT64_MAX)
		Error(JET_errOutOfSequentialIndexValues);
	*out = rt->seq_next++;
	err = JET_errSuccess;
HandleError:
	pthread_mutex_unlock(&rt->lock);
	if (cur)
		bt_cursor_close(cur);
	return err;
}

static int64_t autoinc_decode(const tbl_column *col, const void *pv, size_t cb)
{
	if (col->rc.coltyp == JET_coltypLong && cb == 4) {
		int32_t v;
		memcpy(&v, pv, 4);
		return v;
	}
	if (cb == 8) {
		int64_t v;
		memcpy(&v, pv, 8);
		return v;
	}
	return 0;
}

JET_ERR tbl_next_autoinc(eng_read *r, tbl_def *td, int64_t *out)
{
	JET_ERR err = JET_errSuccess;
	tbl_rt *rt = td->rt;
	bt_cursor *cur = NULL;
	const tbl_column *col;

	if (td->iautoinc < 0)
		return JET_errInvalidParameter;
	col = &td->cols[td->iautoinc];
	pthread_mutex_lock(&rt->lock);
	if (!rt->autoinc_init) {
		uint32_t root;
		int64_t max = 0;

		/* One scan per table per attach: the column need not be indexed. */
		Call(eng_read_root(r, td->objid, &root));
		Call(bt_cursor_open(eng_db_cache(r->db), root, &cur));
		for (err = bt_first(cur); err >= 0; err = bt_next(cur)) {
			const void *rec, *pv;
			size_t cbRec, cb;
			Call(bt_cursor_value(cur, &rec, &cbRec));
			Call(rec_retrieve(&td->schema, rec, cbRec, col->rc.columnid, 1, &pv, &cb));
			if (err != JET_wrnColumnNull) {
				int64_t v = autoinc_decode(col, pv, cb);
				if (v > max)
					max = v;
			}
		}
		if (err != JET_errRecordNotFound && err != JET_errNoCurrentRecord)
			goto HandleError;
		rt->autoinc_next = max + 1;
		rt->autoinc_init = true;
	}
	if (col->rc.coltyp == JET_coltypLong && rt->autoinc_next > INT32_MAX)
		Error(JET_errOutOfAutoincrementValues);
	*out = rt->autoinc_next++;
	err = JET_errSuccess;
HandleError:
	pthread_mutex_unlock(&rt->lock);
	if (cur)
		bt_cursor_close(cur);
	return err;
}

/* ------------------------------------------------------------------ */
/* Updates                                                            */
/* ------------------------------------------------------------------ */

/* Per secondary index: the entry key(s) an update writes. */
typedef struct upd_ent {
	uint8_t *oldKey, *newKey; /* TBL_KEY_BUF each */
	size_t cbOld, cbNew;
	bool oldSkip, newSkip; /* not in the index */
	bool changed;
	int done; /* undo progress: bit 0 old deleted, bit 1 new put */
} upd_ent;

/* True when the table has an index besides the primary one: only then
 * does an insert or delete need upd_ent buffers (a malloc and a calloc of
 * 4 KiB per index, per row, were a visible part of a bulk load). */
static bool has_secondary(const tbl_def *td)
{
	return td->nidx > (td->iprimary >= 0 ? 1u : 0u);
}

static JET_ERR upd_alloc(const tbl_def *td, upd_ent **pents, uint8_t **pkeys)
{
	uint32_t n = td->nidx ? td->nidx : 1;
	upd_ent *ents = jet_calloc(n, sizeof(*ents));
	uint8_t *keys = jet_malloc((size_t)n * 2 * TBL_KEY_BUF);
	uint32_t i;

	if (!ents || !keys) {
		jet_free(ents);
		jet_free(keys);
		return JET_errOutOfMemory;
	}
	for (i = 0; i < n; i++) {
		ents[i].oldKey = keys + (size_t)i * 2 * TBL_KEY_BUF;
		ents[i].newKey = ents[i].oldKey + TBL_KEY_BUF;
	}
	*pents = ents;
	*pkeys = keys;
	return JET_errSuccess;
}

static JET_ERR check_not_null(const tbl_def *td, const uint8_t *rec, size_t cbRec)
{
	uint32_t i;

	for (i = 0; i < td->ncols; i++) {
		const tbl_column *col = &td->cols[i];
		const void *pv;
		size_t cb;
		JET_ERR err;

		if (!(col->rc.grbit & JET_bitColumnNotNULL))
			continue;
		err = tbl_column_value(td, col, rec, cbRec, 1, &pv, &cb);
		if (err < 0)
			return err;
		if (err == JET_wrnColumnNull)
			return JET_errNullInvalid;
	}
	return JET_errSuccess;
}

static JET_ERR primary_key(eng_read *r, tbl_def *td, const uint8_t *rec, size_t cbRec, uint8_t *pk,
			   size_t *pcbPk)
{
	const tbl_index *pix = tbl_primary(td);
	bool skip;

	if (pix)
		return tbl_index_key(td, pix, rec, cbRec, pk, pcbPk, &skip);
	{
		uint64_t seq;
		CallR(tbl_next_seq(r, td, &seq));
		put_be64(pk, seq);
		*pcbPk = 8;
	}
	return JET_errSuccess;
}

JET_ERR tbl_insert(eng_read *r, tbl_def *td, const uint8_t *rec, size_t cbRec, uint8_t *pkOut,
		   size_t *pcbPkOut)
{
	JET_ERR err = JET_errSuccess;
	jsess *s = r->s;
	jdb *db = r->db;
	uint8_t pk[TBL_KEY_BUF];
	size_t cbPk = 0;
	upd_ent *ents = NULL;
	uint8_t *keys = NULL;
	bool recDone = false;
	uint32_t i;

	Call(check_not_null(td, rec, cbRec));
	Call(primary_key(r, td, rec, cbRec, pk, &cbPk));
	if (has_secondary(td))
		Call(upd_alloc(td, &ents, &keys));
	for (i = 0; i < td->nidx; i++) {
		if ((int)i == td->iprimary)
			continue;
		Call(tbl_entry_key(td, &td->idx[i], rec, cbRec, pk, cbPk, ents[i].newKey,
				   &ents[i].cbNew, &ents[i].newSkip));
	}
	/* Locks first: a conflict leaves nothing to undo. */
	Call(eng_lock(s, db, td->objid, pk, cbPk));
	for (i = 0; i < td->nidx; i++)
		if ((int)i != td->iprimary && !ents[i].newSkip)
			Call(eng_lock(s, db, td->idx[i].objid, ents[i].newKey, ents[i].cbNew));

	Call(eng_put(s, db, td->objid, pk, cbPk, rec, cbRec, BT_PUT_NOOVERWRITE));
	recDone = true;
	for (i = 0; i < td->nidx; i++) {
		const tbl_index *ix = &td->idx[i];
		if ((int)i == td->iprimary || ents[i].newSkip)
			continue;
		Call(eng_put(s, db, ix->objid, ents[i].newKey, ents[i].cbNew, pk, cbPk,
			     (ix->grbit & JET_bitIndexUnique) ? BT_PUT_NOOVERWRITE : 0));
		ents[i].done = 2;
	}
	if (pkOut) {
		memcpy(pkOut, pk, cbPk);
		*pcbPkOut = cbPk;
	}
	err = JET_errSuccess;
	goto Done;

HandleError:
	if (ents) {
		for (i = td->nidx; i-- > 0;)
			if (ents[i].done & 2)
				CallS(eng_del(s, db, td->idx[i].objid, ents[i].newKey,
					      ents[i].cbNew));
	}
	if (recDone)
		CallS(eng_del(s, db, td->objid, pk, cbPk));
Done:
	jet_free(ents);
	jet_free(keys);
	return err;
}

JET_ERR tbl_replace(eng_read *r, tbl_def *td, const uint8_t *pk, size_t cbPk, const uint8_t *oldRec,
		    size_t cbOld, const uint8_t *newRec, size_t cbNew)
{
	JET_ERR err = JET_errSuccess;
	jsess *s = r->s;
	jdb *db = r->db;
	const tbl_index *pix = tbl_primary(td);
	upd_ent *ents = NULL;
	uint8_t *keys = NULL;
	bool recDone = false;
	uint32_t i;

	Call(check_not_null(td, newRec, cbNew));
	Call(upd_alloc(td, &ents, &keys));
	if (pix) {
		/* ents[iprimary].newKey is free scratch for the new primary key. */
		size_t cb;
		bool skip;
		uint8_t *k = ents[td->iprimary].newKey;
		Call(tbl_index_key(td, pix, newRec, cbNew, k, &cb, &skip));
		if (cb != cbPk || memcmp(k, pk, cb) != 0)
			Error(JET_errRecordPrimaryChanged);
	}
	for (i = 0; i < td->nidx; i++) {
		upd_ent *e = &ents[i];
		if ((int)i == td->iprimary)
			continue;
		Call(tbl_entry_key(td, &td->idx[i], oldRec, cbOld, pk, cbPk, e->oldKey, &e->cbOld,
				   &e->oldSkip));
		Call(tbl_entry_key(td, &td->idx[i], newRec, cbNew, pk, cbPk, e->newKey, &e->cbNew,
				   &e->newSkip));
		e->changed = e->oldSkip != e->newSkip ||
			     (!e->oldSkip && (e->cbOld != e->cbNew ||
					      memcmp(e->oldKey, e->newKey, e->cbOld) != 0));
	}
	Call(eng_lock(s, db, td->objid, pk, cbPk));
	for (i = 0; i < td->nidx; i++) {
		upd_ent *e = &ents[i];
		if ((int)i == td->iprimary || !e->changed)
			continue;
		if (!e->oldSkip)
			Call(eng_lock(s, db, td->idx[i].objid, e->oldKey, e->cbOld));
		if (!e->newSkip)
			Call(eng_lock(s, db, td->idx[i].objid, e->newKey, e->cbNew));
	}

	Call(eng_put(s, db, td->objid, pk, cbPk, newRec, cbNew, BT_PUT_MUSTEXIST));
	recDone = true;
	for (i = 0; i < td->nidx; i++) {
		upd_ent *e = &ents[i];
		const tbl_index *ix = &td->idx[i];
		if ((int)i == td->iprimary || !e->changed)
			continue;
		if (!e->oldSkip) {
			Call(eng_del(s, db, ix->objid, e->oldKey, e->cbOld));
			e->done |= 1;
		}
		if (!e->newSkip) {
			Call(eng_put(s, db, ix->objid, e->newKey, e->cbNew, pk, cbPk,
				     (ix->grbit & JET_bitIndexUnique) ? BT_PUT_NOOVERWRITE : 0));
			e->done |= 2;
		}
	}
	err = JET_errSuccess;
	goto Done;

HandleError:
	if (ents) {
		for (i = td->nidx; i-- > 0;) {
			upd_ent *e = &ents[i];
			if (e->done & 2)
				CallS(eng_del(s, db, td->idx[i].objid, e->newKey, e->cbNew));
			if (e->done & 1)
				CallS(eng_put(s, db, td->idx[i].objid, e->oldKey, e->cbOld, pk,
					      cbPk, 0));
		}
	}
	if (recDone)
		CallS(eng_put(s, db, td->objid, pk, cbPk, oldRec, cbOld, BT_PUT_MUSTEXIST));
Done:
	jet_free(ents);
	jet_free(keys);
	return err;
}

JET_ERR tbl_delete(eng_read *r, tbl_def *td, const uint8_t *pk, size_t cbPk, const uint8_t *rec,
		   size_t cbRec)
{
	JET_ERR err = JET_errSuccess;
	jsess *s = r->s;
	jdb *db = r->db;
	upd_ent *ents = NULL;
	uint8_t *keys = NULL;
	uint32_t i;

	if (has_secondary(td))
		Call(upd_alloc(td, &ents, &keys));
	for (i = 0; i < td->nidx; i++) {
		if ((int)i == td->iprimary)
			continue;
		Call(tbl_entry_key(td, &td->idx[i], rec, cbRec, pk, cbPk, ents[i].oldKey,
				   &ents[i].cbOld, &ents[i].oldSkip));
	}
	Call(eng_lock(s, db, td->objid, pk, cbPk));
	for (i = 0; i < td->nidx; i++)
		if ((int)i != td->iprimary && !ents[i].oldSkip)
			Call(eng_lock(s, db, td->idx[i].objid, ents[i].oldKey, ents[i].cbOld));
	for (i = 0; i < td->nidx; i++) {
		if ((int)i == td->iprimary || ents[i].oldSkip)
			continue;
		Call(eng_del(s, db, td->idx[i].objid, ents[i].oldKey, ents[i].cbOld));
		ents[i].done = 1;
	}
	Call(eng_del(s, db, td->objid, pk, cbPk));
	err = JET_errSuccess;
	goto Done;

HandleError:
	if (ents) {
		for (i = td->nidx; i-- > 0;)
			if (ents[i].done & 1)
				CallS(eng_put(s, db, td->idx[i].objid, ents[i].oldKey,
					      ents[i].cbOld, pk, cbPk, 0));
	}
Done:
	jet_free(ents);
	jet_free(keys);
	return err;
}
