/*
 * cursor_ese.c - JET_TABLEIDs on tables of files written by Microsoft's ESE
 * (read through src/esefmt.c), behind the same api_cursor as our own tables,
 * so JetMove, JetMakeKey/JetSeek, JetRetrieveColumn(s) and the column info
 * work unchanged.
 *
 * How: the ESE catalog entry becomes a tbl_def (ESE's column types, ids and
 * flags are ours), and each time the cursor lands on a record, that record
 * is re-encoded in our record format into c->rec with rec_edit. So the
 * retrieval code reads it as it reads ours. Long values larger than
 * ESE_INLINE_MAX are not copied: the record gets a long-value reference
 * whose id is (column id << 16 | occurrence), and JetRetrieveColumn's
 * long-value path asks cursor_ese_read_long for the bytes. Memory stays one
 * record (plus one long value while it is read).
 *
 * Keys are ESE's normalized keys as stored; JetMakeKey builds ours, which
 * agree for the fixed-size types (integers, GUID order aside) but not for
 * text, whose ESE keys come from Windows' LCMapString: a seek on a text key
 * column lands where memcmp order puts it.
 */
#include <stdio.h>

#include <stdlib.h>
#include <strings.h>

#include "catalog.h"
#include "cursor.h"
#include "esefmt.h"
#include "key.h"
#include "lv.h"

/* Long values longer than this stay out of c->rec (a test lowers it). */
size_t cursor_ese_inline_max = 1024;

/* One row of the catalog view (MSysObjects in our layout). */
typedef struct vrow {
	uint8_t key[24];
	size_t cbKey;
	uint8_t *rec;
	size_t cbRec;
} vrow;

struct cursor_ese {
	ese_db *db;
	const ese_table *t;
	ese_cursor *cur; /* NULL for the catalog view */
	tbl_rt rt;
	rec_edit *edit;
	/* The catalog view: ESE's catalog shown as our MSysObjects (catalog.h
	 * layout), so that programs reading our catalog (jetfs) find the
	 * tables, columns and primary index of the ESE file. Sorted by key. */
	vrow *v;
	size_t nv;
	size_t iv;
};

static bool col_usable(const ese_column *c)
{
	return c->coltyp != JET_coltypNil && c->coltyp != JET_coltypSLV &&
	       c->coltyp < JET_coltypMax && c->name[0];
}

/* The ESE table's schema as a tbl_def. */
static JET_ERR def_from_ese(const ese_table *t, tbl_def **out)
{
	JET_ERR err = JET_errSuccess;
	tbl_def *td = NULL;
	Call(tbl_def_alloc(&td));
	snprintf(td->name, sizeof(td->name), "%s", t->name);
	td->objid = t->objid;
	td->cols = jet_calloc(t->ncols + 1, sizeof(*td->cols));
	td->idx = jet_calloc(1, sizeof(*td->idx));
	if (!td->cols || !td->idx)
		Error(JET_errOutOfMemory);
	for (uint32_t i = 0; i < t->ncols; i++) {
		const ese_column *ec = &t->cols[i];
		if (!col_usable(ec))
			continue;
		tbl_column *c = &td->cols[td->ncols++];
		c->rc.columnid = ec->id;
		c->rc.coltyp = ec->coltyp;
		c->rc.cbMax = 0; /* ESE already held the values to their limits */
		c->rc.grbit = ec->flags & (JET_bitColumnFixed | JET_bitColumnTagged |
					   JET_bitColumnMultiValued | JET_bitColumnNotNULL);
		/* ESE's catalog says fixed/variable/tagged by the id range. */
		c->rc.grbit &= ~(JET_GRBIT)(JET_bitColumnFixed | JET_bitColumnTagged);
		if (ec->id < 128)
			c->rc.grbit |= JET_bitColumnFixed;
		else if (ec->id >= 256)
			c->rc.grbit |= JET_bitColumnTagged;
		snprintf(c->name, sizeof(c->name), "%s", ec->name);
		c->cp = (uint16_t)(ec->codepage == 1200 ? 1200 : 1252);
	}
	const ese_index *pi = ese_primary_index(t);
	if (pi && pi->ncols) {
		tbl_index *x = &td->idx[0];
		snprintf(x->name, sizeof(x->name), "%s", pi->name);
		x->objid = t->objid;
		x->grbit = JET_bitIndexPrimary | JET_bitIndexUnique;
		x->cbKeyMost = 255;
		for (uint32_t k = 0; k < pi->ncols; k++) {
			bool have = false;
			for (uint32_t j = 0; j < td->ncols; j++)
				have |= td->cols[j].rc.columnid == pi->colids[k];
			if (!have)
				break;
			/* tbl_def_finalize resolves column ids to indexes. */
			x->seg[x->nseg].icol = pi->colids[k];
			x->seg[x->nseg].descending = pi->descending[k];
			x->nseg++;
		}
		if (x->nseg == pi->ncols)
			td->nidx = 1;
	}
	Call(tbl_def_finalize(td, 32768));
	td->system = true; /* nothing may update it */
	*out = td;
	return JET_errSuccess;
HandleError:
	if (td)
		tbl_def_release(td);
	return err;
}

static JET_ERR vkey(uint8_t *key, size_t *pcb, int32_t objidTable, int16_t type, int32_t id)
{
	bool trunc = false;
	*pcb = 0;
	CallR(key_append_segment(JET_coltypLong, 0, false, &objidTable, 4, 0, key, 24, pcb, &trunc));
	CallR(key_append_segment(JET_coltypShort, 0, false, &type, 2, 0, key, 24, pcb, &trunc));
	return key_append_segment(JET_coltypLong, 0, false, &id, 4, 0, key, 24, pcb, &trunc);
}

static int vrow_cmp(const void *a, const void *b)
{
	const vrow *x = a, *y = b;
	int r = memcmp(x->key, y->key, JET_MIN(x->cbKey, y->cbKey));
	return r ? r : x->cbKey < y->cbKey ? -1 : x->cbKey > y->cbKey;
}

typedef struct vb {
	struct cursor_ese *ce;
	const tbl_def *td;
	rec_edit *e;
	size_t cap;
} vb;

static JET_ERR vb_set_long(vb *b, JET_COLUMNID id, int32_t v)
{
	return rec_edit_set(b->e, id, 0, &v, 4, 0, 0);
}

/* Starts a row (objidTable, type, id). */
static JET_ERR vb_begin(vb *b, int32_t objidTable, int16_t type, int32_t id)
{
	rec_edit_free(b->e);
	b->e = NULL;
	CallR(rec_edit_begin(&b->td->schema, NULL, 0, &b->e));
	CallR(vb_set_long(b, CAT_COL_OBJIDTABLE, objidTable));
	CallR(rec_edit_set(b->e, CAT_COL_TYPE, 0, &type, 2, 0, 0));
	return vb_set_long(b, CAT_COL_ID, id);
}

static JET_ERR vb_end(vb *b, int32_t objidTable, int16_t type, int32_t id)
{
	struct cursor_ese *ce = b->ce;
	const uint8_t *rec;
	size_t cb;
	CallR(rec_edit_encode(b->e, &rec, &cb));
	if (ce->nv == b->cap) {
		size_t n = b->cap ? 2 * b->cap : 64;
		vrow *v = jet_realloc(ce->v, n * sizeof(*v));
		if (!v)
			return JET_errOutOfMemory;
		ce->v = v;
		b->cap = n;
	}
	vrow *r = &ce->v[ce->nv];
	CallR(vkey(r->key, &r->cbKey, objidTable, type, id));
	if (!(r->rec = jet_malloc(cb ? cb : 1)))
		return JET_errOutOfMemory;
	memcpy(r->rec, rec, cb);
	r->cbRec = cb;
	ce->nv++;
	return JET_errSuccess;
}

static JET_ERR catalog_view(struct cursor_ese *ce, const tbl_def *td)
{
	JET_ERR err = JET_errSuccess;
	vb b = {ce, td, NULL, 0};
	for (uint32_t i = 0; i < ese_table_count(ce->db); i++) {
		const ese_table *t = ese_table_at(ce->db, i);
		int32_t objid = (int32_t)t->objid;
		Call(vb_begin(&b, 0, CAT_TYPE_TABLE, objid));
		int32_t flags = !strncmp(t->name, "MSys", 4) ? (int32_t)JET_bitObjectSystem : 0;
		Call(vb_set_long(&b, CAT_COL_FLAGS, flags));
		Call(rec_edit_set(b.e, CAT_COL_NAME, 0, t->name, strlen(t->name), 0, 0));
		Call(vb_end(&b, 0, CAT_TYPE_TABLE, objid));
		for (uint32_t k = 0; k < t->ncols; k++) {
			const ese_column *c = &t->cols[k];
			if (!col_usable(c))
				continue;
			Call(vb_begin(&b, objid, CAT_TYPE_COLUMN, (int32_t)c->id));
			Call(vb_set_long(&b, CAT_COL_COLTYP, (int32_t)c->coltyp));
			Call(vb_set_long(&b, CAT_COL_SPACEUSAGE, 0));
			JET_GRBIT g = c->flags & JET_bitColumnMultiValued;
			g |= c->id < 128 ? JET_bitColumnFixed : c->id >= 256 ? JET_bitColumnTagged : 0;
			Call(vb_set_long(&b, CAT_COL_FLAGS, (int32_t)g));
			Call(vb_set_long(&b, CAT_COL_CODEPAGE, c->codepage == 1200 ? 1200 : 1252));
			Call(rec_edit_set(b.e, CAT_COL_NAME, 0, c->name, strlen(c->name), 0, 0));
			Call(vb_end(&b, objid, CAT_TYPE_COLUMN, (int32_t)c->id));
		}
		const ese_index *pi = ese_primary_index(t);
		if (pi && pi->ncols) {
			uint8_t kf[JET_ccolKeyMost * 5];
			for (uint32_t k = 0; k < pi->ncols; k++) {
				put_le32(kf + 5 * k, pi->colids[k]);
				kf[5 * k + 4] = pi->descending[k] ? 1 : 0;
			}
			Call(vb_begin(&b, objid, CAT_TYPE_INDEX, (int32_t)pi->objid));
			Call(vb_set_long(&b, CAT_COL_FLAGS,
					 (int32_t)(JET_bitIndexPrimary | JET_bitIndexUnique)));
			Call(rec_edit_set(b.e, CAT_COL_NAME, 0, pi->name, strlen(pi->name), 0, 0));
			Call(rec_edit_set(b.e, CAT_COL_KEYFLDIDS, 0, kf, 5 * pi->ncols, 0, 0));
			Call(vb_end(&b, objid, CAT_TYPE_INDEX, (int32_t)pi->objid));
		}
	}
	if (ce->nv > 1)
		qsort(ce->v, ce->nv, sizeof(*ce->v), vrow_cmp);
HandleError:
	rec_edit_free(b.e);
	return err;
}

static JET_ERR open_catalog_view(api_sess *s, JET_DBID dbid, ese_db *db, JET_TABLEID *ptableid);

JET_ERR cursor_open_ese(api_sess *s, JET_DBID dbid, ese_db *db, const char *name,
			JET_TABLEID *ptableid)
{
	if (!strcasecmp(name, "MSysObjects"))
		return open_catalog_view(s, dbid, db, ptableid);
	return cursor_open_ese_table(s, dbid, db, name, ptableid);
}

/* Registers c (filled but for its handle) as a cursor of s. */
static JET_ERR cursor_register(api_sess *s, api_cursor *c, JET_TABLEID *ptableid)
{
	CallR(api_tableid_new(c, &c->handle));
	__atomic_add_fetch(&c->rt->nopen, 1, __ATOMIC_RELAXED);
	TAILQ_INSERT_TAIL(&s->cursors, c, link);
	s->ncursors++;
	*ptableid = c->handle;
	return JET_errSuccess;
}

static void ce_free(struct cursor_ese *ce)
{
	if (!ce)
		return;
	ese_cursor_close(ce->cur);
	rec_edit_free(ce->edit);
	for (size_t i = 0; i < ce->nv; i++)
		jet_free(ce->v[i].rec);
	jet_free(ce->v);
	jet_free(ce);
}

static JET_ERR open_catalog_view(api_sess *s, JET_DBID dbid, ese_db *db, JET_TABLEID *ptableid)
{
	JET_ERR err = JET_errSuccess;
	api_cursor *c = NULL;
	struct cursor_ese *ce = NULL;
	tbl_def *td = NULL;
	Call(cat_build_def(32768, &td));
	c = jet_calloc(1, sizeof(*c));
	ce = jet_calloc(1, sizeof(*ce));
	if (!c || !ce)
		Error(JET_errOutOfMemory);
	ce->db = db;
	Call(catalog_view(ce, td));
	c->sess = s;
	c->dbid = dbid;
	c->readonly = true;
	c->level = eng_txn_level(s->eng);
	c->rt = &ce->rt;
	c->ese = ce;
	c->td = td;
	c->ix = tbl_primary(td);
	c->ix_objid = td->objid;
	c->pos = CUR_BEFORE_FIRST;
	Call(cursor_register(s, c, ptableid));
	return JET_errSuccess;
HandleError:
	ce_free(ce);
	jet_free(c);
	if (td)
		tbl_def_release(td);
	return err;
}

JET_ERR cursor_open_ese_table(api_sess *s, JET_DBID dbid, ese_db *db, const char *name,
			      JET_TABLEID *ptableid)
{
	JET_ERR err = JET_errSuccess;
	api_cursor *c = NULL;
	struct cursor_ese *ce = NULL;
	const ese_table *t = NULL;
	tbl_def *td = NULL;
	unsigned long maxCursors = eng_inst_params(eng_sess_inst(s->eng))->max_cursors;

	if (maxCursors && s->ncursors >= maxCursors)
		return JET_errOutOfCursors;
	CallR(ese_table_find(db, name, &t));
	CallR(def_from_ese(t, &td));
	c = jet_calloc(1, sizeof(*c));
	ce = jet_calloc(1, sizeof(*ce));
	if (!c || !ce)
		Error(JET_errOutOfMemory);
	ce->db = db;
	ce->t = t;
	Call(ese_cursor_open(db, t, &ce->cur));
	ce->rt.objid = t->objid;
	c->sess = s;
	c->db = NULL;
	c->dbid = dbid;
	c->readonly = true;
	c->level = eng_txn_level(s->eng);
	c->rt = &ce->rt;
	c->ese = ce;
	c->td = td;
	td = NULL;
	c->ix = tbl_primary(c->td);
	c->ix_objid = c->td->objid;
	c->pos = CUR_BEFORE_FIRST;
	Call(cursor_register(s, c, ptableid));
	return JET_errSuccess;
HandleError:
	ce_free(ce);
	if (c) {
		if (c->td)
			tbl_def_release(c->td);
		jet_free(c);
	}
	if (td)
		tbl_def_release(td);
	return err;
}

void cursor_ese_close(api_cursor *c)
{
	ce_free(c->ese);
	c->ese = NULL;
}

/* The catalog view's row i becomes the current record. */
static JET_ERR vtake(api_cursor *c, size_t i)
{
	struct cursor_ese *ce = c->ese;
	const vrow *r = &ce->v[i];
	ce->iv = i;
	memcpy(c->pk, r->key, r->cbKey);
	c->cbPk = r->cbKey;
	memcpy(c->ekey, r->key, r->cbKey);
	c->cbEkey = r->cbKey;
	if (r->cbRec > c->capRec) {
		uint8_t *p = jet_realloc(c->rec, r->cbRec);
		if (!p)
			return JET_errOutOfMemory;
		c->rec = p;
		c->capRec = r->cbRec;
	}
	memcpy(c->rec, r->rec, r->cbRec);
	c->cbRec = r->cbRec;
	c->rec_view = 1;
	c->pos = CUR_ON;
	return JET_errSuccess;
}

static JET_ERR vmove(api_cursor *c, long cRow)
{
	struct cursor_ese *ce = c->ese;
	if (cRow == (long)JET_MoveFirst || cRow == (long)INT32_MIN || cRow == JET_MoveLast) {
		if (!ce->nv) {
			c->pos = CUR_AFTER_LAST;
			return JET_errNoCurrentRecord;
		}
		return vtake(c, cRow == JET_MoveLast ? ce->nv - 1 : 0);
	}
	if (cRow == 0)
		return c->pos == CUR_ON ? JET_errSuccess : JET_errNoCurrentRecord;
	int64_t i = c->pos == CUR_ON ? (int64_t)ce->iv : c->pos == CUR_BEFORE_FIRST ? -1 : (int64_t)ce->nv;
	i += cRow;
	if (i < 0) {
		c->pos = CUR_BEFORE_FIRST;
		return JET_errNoCurrentRecord;
	}
	if ((uint64_t)i >= ce->nv) {
		c->pos = CUR_AFTER_LAST;
		return JET_errNoCurrentRecord;
	}
	return vtake(c, (size_t)i);
}

static int vcmp(const vrow *r, const uint8_t *k, size_t ck)
{
	int x = memcmp(r->key, k, JET_MIN(r->cbKey, ck));
	return x ? x : r->cbKey < ck ? -1 : r->cbKey > ck;
}

static JET_ERR vseek(api_cursor *c, JET_GRBIT mode, const uint8_t *k, size_t ck)
{
	struct cursor_ese *ce = c->ese;
	size_t i = 0;
	while (i < ce->nv && vcmp(&ce->v[i], k, ck) < 0)
		i++;
	bool eq = i < ce->nv && vcmp(&ce->v[i], k, ck) == 0;
	switch (mode) {
	case JET_bitSeekEQ:
		if (!eq)
			return JET_errRecordNotFound;
		return vtake(c, i);
	case JET_bitSeekGE:
	case JET_bitSeekGT:
		if (mode == JET_bitSeekGT && eq)
			i++;
		if (i >= ce->nv)
			return JET_errRecordNotFound;
		CallR(vtake(c, i));
		return vcmp(&ce->v[i], k, ck) ? JET_wrnSeekNotEqual : JET_errSuccess;
	default: /* LE, LT */
		if (mode == JET_bitSeekLE && eq)
			return vtake(c, i);
		if (i == 0)
			return JET_errRecordNotFound;
		CallR(vtake(c, i - 1));
		return JET_wrnSeekNotEqual;
	}
}

JET_ERR cursor_ese_current(api_cursor *c)
{
	JET_ERR err = JET_errSuccess;
	struct cursor_ese *ce = c->ese;
	const tbl_def *td = c->td;
	const uint8_t *rec;
	size_t cbRec;
	if (c->pos != CUR_ON)
		return JET_errNoCurrentRecord;
	if (c->cbRec && c->rec_view == 1)
		return JET_errSuccess;
	if (!ce->cur)
		return vtake(c, ce->iv);
	rec_edit_free(ce->edit);
	ce->edit = NULL;
	CallR(rec_edit_begin(&td->schema, NULL, 0, &ce->edit));
	for (uint32_t i = 0; i < td->ncols; i++) {
		const tbl_column *col = &td->cols[i];
		uint32_t n = 0;
		CallR(ese_cursor_value_count(ce->cur, col->rc.columnid, &n));
		for (uint32_t it = 1; it <= n && it < 0x10000; it++) {
			const void *pv;
			size_t cb;
			err = ese_cursor_value(ce->cur, col->rc.columnid, it, &pv, &cb);
			CallR(err);
			if (err == JET_wrnColumnNull)
				continue;
			bool lng = col->rc.coltyp == JET_coltypLongBinary ||
				   col->rc.coltyp == JET_coltypLongText;
			if (lng && cb > cursor_ese_inline_max) {
				uint8_t ref[REC_LVREF_HDR + REC_LV_PREFIX];
				put_le64(ref, ((uint64_t)col->rc.columnid << 16) | it);
				put_le64(ref + 8, cb);
				size_t pre = JET_MIN(cb, (size_t)REC_LV_PREFIX);
				memcpy(ref + REC_LVREF_HDR, pv, pre);
				err = rec_edit_set_ex(ce->edit, col->rc.columnid, 0, ref,
						      REC_LVREF_HDR + pre, 0, 0, REC_TAG_LVREF);
			} else {
				err = rec_edit_set(ce->edit, col->rc.columnid, 0, pv, cb,
						   cb ? 0 : JET_bitSetZeroLength, 0);
			}
			/* A value our format refuses (a fixed column of the wrong
			 * size) means the file is not what its catalog says. */
			if (err == JET_errInvalidBufferSize)
				err = JET_errDatabaseCorrupted;
			CallR(err);
		}
	}
	CallR(rec_edit_encode(ce->edit, &rec, &cbRec));
	if (cbRec > c->capRec) {
		uint8_t *p = jet_realloc(c->rec, cbRec);
		if (!p)
			return JET_errOutOfMemory;
		c->rec = p;
		c->capRec = cbRec;
	}
	memcpy(c->rec, rec, cbRec);
	c->cbRec = cbRec;
	c->rec_view = 1;
	return JET_errSuccess;
}

/* After the ESE cursor moved: take its key, mark the record to re-encode. */
static JET_ERR take(api_cursor *c, JET_ERR err, bool fwd)
{
	if (err == JET_errNoCurrentRecord || err == JET_errRecordNotFound) {
		c->pos = fwd ? CUR_AFTER_LAST : CUR_BEFORE_FIRST;
		c->cbRec = 0;
		return JET_errNoCurrentRecord;
	}
	CallR(err);
	const void *k;
	size_t cb;
	CallR(ese_cursor_key(c->ese->cur, &k, &cb));
	cb = JET_MIN(cb, (size_t)TBL_KEY_BUF);
	memcpy(c->pk, k, cb);
	c->cbPk = cb;
	memcpy(c->ekey, k, cb);
	c->cbEkey = cb;
	c->pos = CUR_ON;
	c->cbRec = 0;
	c->rec_view = 0;
	return cursor_ese_current(c);
}

JET_ERR cursor_ese_move(api_cursor *c, long cRow, JET_GRBIT grbit)
{
	ese_cursor *e = c->ese->cur;
	if (grbit & ~(JET_GRBIT)JET_bitMoveKeyNE)
		return JET_errInvalidGrbit;
	if (!e)
		return vmove(c, cRow);
	if (cRow == (long)JET_MoveFirst || cRow == (long)INT32_MIN)
		return take(c, ese_cursor_first(e), false);
	if (cRow == JET_MoveLast)
		return take(c, ese_cursor_last(e), true);
	if (cRow == 0)
		return cursor_ese_current(c);
	bool fwd = cRow > 0;
	unsigned long n = fwd ? (unsigned long)cRow : (unsigned long)-cRow;
	while (n-- > 0) {
		JET_ERR err;
		if (c->pos == CUR_BEFORE_FIRST && fwd)
			err = ese_cursor_first(e);
		else if (c->pos == CUR_AFTER_LAST && !fwd)
			err = ese_cursor_last(e);
		else if (c->pos != CUR_ON)
			err = JET_errNoCurrentRecord;
		else
			err = fwd ? ese_cursor_next(e) : ese_cursor_prev(e);
		CallR(take(c, err, fwd));
	}
	return JET_errSuccess;
}

static int key_cmp(const uint8_t *a, size_t ca, const uint8_t *b, size_t cb)
{
	int r = memcmp(a, b, JET_MIN(ca, cb));
	return r ? r : ca < cb ? -1 : ca > cb;
}

JET_ERR cursor_ese_seek(api_cursor *c, JET_GRBIT grbit)
{
	ese_cursor *e = c->ese->cur;
	JET_GRBIT mode =
	    grbit & (JET_bitSeekEQ | JET_bitSeekLT | JET_bitSeekLE | JET_bitSeekGE | JET_bitSeekGT);
	if (grbit & ~mode)
		return JET_errInvalidGrbit;
	if (mode == 0 || (mode & (mode - 1)))
		return JET_errInvalidGrbit;
	if (!c->key_made)
		return JET_errKeyNotMade;
	const uint8_t *key = c->key;
	size_t cbKey = c->cbKey;
	if (!e)
		return vseek(c, mode, key, cbKey);
	JET_ERR err = ese_cursor_seek(e, key, cbKey);
	const void *k = NULL;
	size_t ck = 0;
	bool on = err >= 0;
	if (err < 0 && err != JET_errRecordNotFound)
		return err;
	if (on)
		CallR(ese_cursor_key(e, &k, &ck));
	switch (mode) {
	case JET_bitSeekEQ:
		if (!on || key_cmp(k, ck, key, cbKey) != 0) {
			c->pos = CUR_BEFORE_FIRST;
			return JET_errRecordNotFound;
		}
		break;
	case JET_bitSeekGE:
		if (!on)
			return (c->pos = CUR_AFTER_LAST, JET_errRecordNotFound);
		break;
	case JET_bitSeekGT:
		while (on && key_cmp(k, ck, key, cbKey) <= 0) {
			err = ese_cursor_next(e);
			on = err >= 0;
			if (on)
				CallR(ese_cursor_key(e, &k, &ck));
		}
		if (!on)
			return (c->pos = CUR_AFTER_LAST, JET_errRecordNotFound);
		break;
	case JET_bitSeekLE:
	case JET_bitSeekLT:
		if (!on || key_cmp(k, ck, key, cbKey) > 0 ||
		    (mode == JET_bitSeekLT && key_cmp(k, ck, key, cbKey) == 0)) {
			err = on ? ese_cursor_prev(e) : ese_cursor_last(e);
			if (err < 0) {
				c->pos = CUR_BEFORE_FIRST;
				return err == JET_errNoCurrentRecord ? JET_errRecordNotFound : err;
			}
		}
		break;
	}
	CallR(take(c, JET_errSuccess, true));
	/* ESE: a seek that lands on an inexact match (GE/GT/LE/LT) says so. */
	if (mode != JET_bitSeekEQ && key_cmp(c->pk, c->cbPk, key, cbKey) != 0)
		return JET_wrnSeekNotEqual;
	return JET_errSuccess;
}

JET_ERR cursor_ese_goto_key(api_cursor *c, const uint8_t *pk, size_t cbPk)
{
	const void *k;
	size_t ck;
	if (!c->ese->cur) {
		JET_ERR e = vseek(c, JET_bitSeekEQ, pk, cbPk);
		return e == JET_errRecordNotFound ? JET_errRecordDeleted : e;
	}
	JET_ERR err = ese_cursor_seek(c->ese->cur, pk, cbPk);
	if (err == JET_errRecordNotFound)
		return JET_errRecordDeleted;
	CallR(err);
	CallR(ese_cursor_key(c->ese->cur, &k, &ck));
	if (key_cmp(k, ck, pk, cbPk) != 0)
		return JET_errRecordDeleted;
	return take(c, JET_errSuccess, true);
}

JET_ERR cursor_ese_read_long(api_cursor *c, uint64_t id, uint64_t ib, void *pv, size_t cb)
{
	if (!c->ese->cur)
		return JET_errDatabaseCorrupted; /* the catalog view keeps values inline */
	const void *p;
	size_t n;
	JET_ERR err = ese_cursor_value(c->ese->cur, (uint32_t)(id >> 16), (uint32_t)(id & 0xffff),
				       &p, &n);
	CallR(err);
	if (err == JET_wrnColumnNull || ib > n || cb > n - ib)
		return JET_errDatabaseCorrupted;
	memcpy(pv, (const uint8_t *)p + ib, cb);
	return JET_errSuccess;
}
