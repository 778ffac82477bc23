/*
 * api_record.c - the Jet* functions on cursors and records: JetMove,
 * JetMakeKey, JetSeek, JetSetIndexRange, JetIndexRecordCount, bookmarks,
 * JetPrepareUpdate, JetSetColumn(s), JetRetrieveColumn(s), JetUpdate(2),
 * JetDelete, JetRetrieveKey.
 *
 * Each function is thin: validate every argument, begin a read context
 * (eng_read) for the call, let cursor.c / table.c do the work, park the
 * cursor, end the read. The point-read path (JetMakeKey, JetSeek,
 * JetRetrieveColumn) allocates nothing: keys are built in the cursor's
 * buffer, the record is copied into the cursor's buffer (grown only for a
 * record larger than any before), and rec_retrieve returns pointers into
 * that copy.
 *
 * Updates outside a transaction run in an implicit one (begin, update,
 * commit lazily or roll back), so each JetUpdate/JetDelete is atomic on its
 * own, as in ESE. A failed JetUpdate keeps the update prepared (the caller
 * may fix a column and retry, or cancel).
 */
#include "cursor.h"
#include "key.h"
#include "lv.h"
#include "temptable.h"

/* One call on a cursor: session entered, cursor resolved, a read context. */
typedef struct cur_call {
	api_sess *s;
	api_cursor *c;
	eng_read r;
	bool reading;
} cur_call;

/* any: the function also works on cursors of ESE files (cursor_ese.c),
 * which read no jdb. */
static JET_ERR call_enter_ex(JET_SESID sesid, JET_TABLEID tableid, cur_call *cc, bool read,
			     bool any)
{
	JET_ERR err;

	cc->s = NULL;
	cc->c = NULL;
	cc->reading = false;
	CallR(api_enter(sesid, &cc->s));
	err = any ? api_tableid_get_any(cc->s, tableid, &cc->c)
		  : api_tableid_get(cc->s, tableid, &cc->c);
	if (err >= 0 && read && !cc->c->tt && !cc->c->ese) { /* these read no database */
		err = eng_read_begin(cc->s->eng, cc->c->db, &cc->r);
		cc->reading = err >= 0;
	}
	if (err < 0) {
		api_leave(cc->s);
		cc->s = NULL;
	}
	return err;
}

static JET_ERR call_enter(JET_SESID sesid, JET_TABLEID tableid, cur_call *cc, bool read)
{
	return call_enter_ex(sesid, tableid, cc, read, false);
}

static JET_ERR call_leave(cur_call *cc, JET_ERR err)
{
	if (cc->reading) {
		cursor_park(cc->c, &cc->r);
		eng_read_end(&cc->r);
		cc->reading = false;
	}
	if (cc->s)
		api_leave(cc->s);
	return err;
}

/* ------------------------------------------------------------------ */
/* Navigation                                                          */
/* ------------------------------------------------------------------ */

JET_ERR JET_API JetMove(JET_SESID sesid, JET_TABLEID tableid, long cRow, JET_GRBIT grbit)
{
	JET_ERR err;
	cur_call cc;

	CallR(call_enter_ex(sesid, tableid, &cc, true, true));
	if (grbit & ~(JET_GRBIT)JET_bitMoveKeyNE)
		err = JET_errInvalidGrbit;
	else
		err = cursor_move(cc.c, &cc.r, cRow, grbit);
	return call_leave(&cc, err);
}

#define MAKEKEY_GRBITS                                                                             \
	(JET_bitNewKey | JET_bitStrLimit | JET_bitSubStrLimit | JET_bitNormalizedKey |             \
	 JET_bitKeyDataZeroLength | JET_bitFullColumnStartLimit | JET_bitFullColumnEndLimit |      \
	 JET_bitPartialColumnStartLimit | JET_bitPartialColumnEndLimit)
#define LIMIT_END_GRBITS                                                                           \
	(JET_bitStrLimit | JET_bitSubStrLimit | JET_bitFullColumnEndLimit |                        \
	 JET_bitPartialColumnEndLimit)
#define LIMIT_GRBITS                                                                               \
	(LIMIT_END_GRBITS | JET_bitFullColumnStartLimit | JET_bitPartialColumnStartLimit)

JET_ERR JET_API JetMakeKey(JET_SESID sesid, JET_TABLEID tableid, const void *pvData,
			   unsigned long cbData, JET_GRBIT grbit)
{
	JET_ERR err = JET_errSuccess;
	cur_call cc;
	api_cursor *c;
	const tbl_index *ix;
	const tbl_column *col;
	bool trunc = false;
	size_t cb;

	CallR(call_enter_ex(sesid, tableid, &cc, false, true));
	c = cc.c;
	ix = c->ix;
	if (grbit & ~(JET_GRBIT)MAKEKEY_GRBITS)
		Error(JET_errInvalidGrbit);
	if (__builtin_popcountl(grbit & LIMIT_GRBITS) > 1)
		Error(JET_errInvalidGrbit);
	if (!pvData && cbData)
		Error(JET_errInvalidParameter);
	if (!ix)
		Error(JET_errNoCurrentIndex); /* the sequential (DBK) order has no key columns */
	if (grbit & JET_bitNormalizedKey) {
		if (cbData > ix->cbKeyMost + (size_t)TBL_KEY_BUF / 2 || cbData > TBL_KEY_BUF)
			Error(JET_errKeyTooBig);
		memcpy(c->key, pvData, cbData);
		c->cbKey = cbData;
		c->nsegKey = ix->nseg;
		c->key_made = true;
		c->key_limit = false;
		goto HandleError;
	}
	if (grbit & JET_bitNewKey) {
		c->cbKey = 0;
		c->nsegKey = 0;
		c->key_limit = false;
		c->key_made = false;
	} else if (!c->key_made) {
		Error(JET_errKeyNotMade);
	}
	if (c->key_limit || c->nsegKey >= ix->nseg)
		Error(JET_errKeyIsMade);
	col = &c->td->cols[ix->seg[c->nsegKey].icol];
	cb = c->cbKey;
	Call(key_append_segment(
	    col->rc.coltyp, col->cp, ix->seg[c->nsegKey].descending,
	    (cbData || (grbit & JET_bitKeyDataZeroLength)) ? (pvData ? pvData : "") : NULL, cbData,
	    grbit, c->key, ix->cbKeyMost, &cb, &trunc));
	c->cbKey = cb;
	c->nsegKey++;
	c->key_made = true;
	if (grbit & LIMIT_END_GRBITS) {
		c->cbKey = key_make_end_limit(c->key, c->cbKey, ix->cbKeyMost);
		c->key_limit = true;
	} else if (grbit & (JET_bitFullColumnStartLimit | JET_bitPartialColumnStartLimit)) {
		c->key_limit = true;
	}
HandleError:
	return call_leave(&cc, err);
}

JET_ERR JET_API JetRetrieveKey(JET_SESID sesid, JET_TABLEID tableid, void *pvData,
			       unsigned long cbMax, unsigned long *pcbActual, JET_GRBIT grbit)
{
	JET_ERR err = JET_errSuccess;
	cur_call cc;
	api_cursor *c;
	const uint8_t *k;
	size_t cb;

	CallR(call_enter_ex(sesid, tableid, &cc, true, true));
	c = cc.c;
	if (grbit & ~(JET_GRBIT)JET_bitRetrieveCopy)
		Error(JET_errInvalidGrbit);
	if (!pvData && cbMax)
		Error(JET_errInvalidParameter);
	if (grbit & JET_bitRetrieveCopy) {
		if (!c->key_made)
			Error(JET_errKeyNotMade);
		k = c->key;
		cb = c->cbKey;
	} else {
		Call(cursor_current_record(c, &cc.r));
		k = c->ekey;
		/* The index key without the primary key a non-unique entry
		 * carries. */
		cb = c->cbEkey;
		if (c->ix && c->ix != tbl_primary(c->td) && !(c->ix->grbit & JET_bitIndexUnique))
			cb -= c->cbPk;
	}
	if (pcbActual)
		*pcbActual = cb;
	if (cb > cbMax) {
		memcpy(pvData, k, cbMax);
		Error(JET_wrnBufferTruncated);
	}
	if (cb)
		memcpy(pvData, k, cb);
HandleError:
	return call_leave(&cc, err);
}

JET_ERR JET_API JetSeek(JET_SESID sesid, JET_TABLEID tableid, JET_GRBIT grbit)
{
	JET_ERR err;
	cur_call cc;

	CallR(call_enter_ex(sesid, tableid, &cc, true, true));
	if (!cc.c->ix)
		err = JET_errNoCurrentIndex;
	else
		err = cursor_seek(cc.c, &cc.r, grbit);
	return call_leave(&cc, err);
}

JET_ERR JET_API JetSetIndexRange(JET_SESID sesid, JET_TABLEID tableid, JET_GRBIT grbit)
{
	JET_ERR err = JET_errSuccess;
	cur_call cc;
	api_cursor *c;
	uint8_t lim[TBL_KEY_BUF];
	size_t cbLim;
	bool upper;

	CallR(call_enter(sesid, tableid, &cc, true));
	c = cc.c;
	if (grbit & ~(JET_GRBIT)(JET_bitRangeInclusive | JET_bitRangeUpperLimit |
				 JET_bitRangeInstantDuration | JET_bitRangeRemove))
		Error(JET_errInvalidGrbit);
	if (grbit & JET_bitRangeRemove) {
		if (!c->range)
			Error(JET_errInvalidOperation);
		c->range = false;
		goto HandleError;
	}
	if (!c->key_made)
		Error(JET_errKeyNotMade);
	upper = (grbit & JET_bitRangeUpperLimit) != 0;
	memcpy(lim, c->key, c->cbKey);
	cbLim = c->cbKey;
	/* Inclusive upper and exclusive lower limits lie past every key the
	 * made key prefixes; a key made with a limit bit already is one. */
	if (!c->key_limit && (upper == ((grbit & JET_bitRangeInclusive) != 0)))
		cbLim = key_make_end_limit(lim, cbLim, sizeof(lim));
	Call(cursor_current_record(c, &cc.r));
	{
		int d = memcmp(c->ekey, lim, JET_MIN(c->cbEkey, cbLim));
		if (d == 0)
			d = c->cbEkey < cbLim ? -1 : c->cbEkey > cbLim;
		/* The current entry must lie inside the new range. */
		if (upper ? d >= 0 : d < 0) {
			c->range = false;
			Error(JET_errNoCurrentRecord);
		}
	}
	if (!(grbit & JET_bitRangeInstantDuration)) {
		memcpy(c->rkey, lim, cbLim);
		c->cbRkey = cbLim;
		c->range = true;
		c->range_upper = upper;
	}
HandleError:
	return call_leave(&cc, err);
}

JET_ERR JET_API JetIndexRecordCount(JET_SESID sesid, JET_TABLEID tableid, unsigned long *pcrec,
				    unsigned long crecMax)
{
	JET_ERR err = JET_errSuccess;
	cur_call cc;
	api_cursor *c;
	unsigned long n = 0;
	/* Counting moves the cursor; ESE leaves it where it was, so the
	 * position is saved and restored. */
	int pos;
	uint8_t *save = NULL;
	size_t cbE, cbP;

	CallR(call_enter(sesid, tableid, &cc, true));
	c = cc.c;
	if (!pcrec)
		Error(JET_errInvalidParameter);
	pos = c->pos;
	cbE = c->cbEkey;
	cbP = c->cbPk;
	save = jet_malloc(2 * TBL_KEY_BUF);
	if (!save)
		Error(JET_errOutOfMemory);
	memcpy(save, c->ekey, cbE);
	memcpy(save + TBL_KEY_BUF, c->pk, cbP);
	/* From the current entry (first if none) to the end of the range. */
	err = c->pos == CUR_ON ? cursor_current_record(c, &cc.r) : cursor_move(c, &cc.r, 1, 0);
	if (err == JET_errRecordDeleted)
		err = cursor_move(c, &cc.r, 1, 0);
	while (err >= 0 && (crecMax == 0 || n < crecMax)) {
		n++;
		err = cursor_move(c, &cc.r, 1, 0);
	}
	if (err == JET_errNoCurrentRecord)
		err = JET_errSuccess;
	c->pos = pos;
	memcpy(c->ekey, save, cbE);
	c->cbEkey = cbE;
	memcpy(c->pk, save + TBL_KEY_BUF, cbP);
	c->cbPk = cbP;
	c->rec_view = 0;
	c->bt_at = false;
	Call(err);
	*pcrec = n;
HandleError:
	jet_free(save);
	return call_leave(&cc, err);
}

JET_ERR JET_API JetGetBookmark(JET_SESID sesid, JET_TABLEID tableid, void *pvBookmark,
			       unsigned long cbMax, unsigned long *pcbActual)
{
	JET_ERR err = JET_errSuccess;
	cur_call cc;
	api_cursor *c;

	CallR(call_enter_ex(sesid, tableid, &cc, true, true));
	c = cc.c;
	if (!pvBookmark && cbMax)
		Error(JET_errInvalidParameter);
	Call(cursor_current_record(c, &cc.r));
	if (pcbActual)
		*pcbActual = c->cbPk;
	if (c->cbPk > cbMax)
		Error(JET_errBufferTooSmall);
	memcpy(pvBookmark, c->pk, c->cbPk);
HandleError:
	return call_leave(&cc, err);
}

JET_ERR JET_API JetGotoBookmark(JET_SESID sesid, JET_TABLEID tableid, void *pvBookmark,
				unsigned long cbBookmark)
{
	JET_ERR err = JET_errSuccess;
	cur_call cc;

	CallR(call_enter_ex(sesid, tableid, &cc, true, true));
	if (!pvBookmark || cbBookmark == 0 || cbBookmark > TBL_KEY_BUF)
		Error(JET_errInvalidBookmark);
	err = cursor_goto_pk(cc.c, &cc.r, pvBookmark, cbBookmark);
HandleError:
	return call_leave(&cc, err);
}

/* ------------------------------------------------------------------ */
/* Updates                                                             */
/* ------------------------------------------------------------------ */

static JET_ERR txn_wrap_begin(api_sess *s, bool *implicit);
static JET_ERR txn_wrap_end(api_sess *s, bool implicit, JET_ERR err);

static void lv_pends_free(api_cursor *c)
{
	lv_pend *p, *next;

	for (p = c->lvp; p; p = next) {
		next = p->next;
		lv_pend_free(p);
	}
	c->lvp = NULL;
}

/* Deletes the overlay chunks of the cursor's long-value edits (best
 * effort: a failure leaves orphaned chunks, never wrong data). */
static void lv_pends_discard(api_cursor *c)
{
	JET_ERR err = JET_errSuccess;
	bool implicit = false;
	lv_w w;
	lv_pend *p;

	if (!c->lvp || txn_wrap_begin(c->sess, &implicit) < 0)
		return;
	err = lv_w_open(&w, c->sess->eng, c->db, c->td, false);
	if (err >= 0) {
		for (p = c->lvp; p && err >= 0 && w.tree; p = p->next)
			err = lv_pend_discard(&w, p);
		lv_w_close(&w);
	}
	(void)txn_wrap_end(c->sess, implicit, err);
}

void cursor_update_cancel(api_cursor *c, bool fDelete)
{
	if (fDelete)
		lv_pends_discard(c);
	lv_pends_free(c);
	rec_edit_free(c->edit);
	c->edit = NULL;
	c->prep = CUR_PREP_NONE;
	c->del_orig = false;
}

static void update_cancel(api_cursor *c)
{
	cursor_update_cancel(c, true);
}

/* After a successful JetUpdate: the edits are installed or discarded. */
static void update_done(api_cursor *c)
{
	cursor_update_cancel(c, false);
}

/* A new autoincrement value into the edit (ESE assigns it at
 * JetPrepareUpdate, so JET_bitRetrieveCopy sees it). */
static JET_ERR set_autoinc(api_cursor *c, eng_read *r)
{
	const tbl_column *col;
	int64_t v;

	if (c->td->iautoinc < 0)
		return JET_errSuccess;
	col = &c->td->cols[c->td->iautoinc];
	CallR(tbl_next_autoinc(r, c->td, &v));
	if (col->rc.coltyp == JET_coltypLong) {
		int32_t v32 = (int32_t)v;
		return rec_edit_set(c->edit, col->rc.columnid, 1, &v32, 4, 0, 0);
	}
	return rec_edit_set(c->edit, col->rc.columnid, 1, &v, 8, 0, 0);
}

/* The version column (JET_bitColumnVersion) of the edit: 0 for a new
 * record, the record's value plus one (wrapping, a NULL counting as 0) for
 * a replace. Set at JetPrepareUpdate like the autoincrement value, so
 * JET_bitRetrieveCopy sees the number JetUpdate will write. */
static JET_ERR set_version(api_cursor *c, bool fNew)
{
	const tbl_column *col;
	const void *pv;
	size_t cb;
	uint32_t v = 0;
	JET_ERR err;

	if (c->td->iversion < 0)
		return JET_errSuccess;
	col = &c->td->cols[c->td->iversion];
	if (!fNew) {
		err = rec_edit_get(c->edit, col->rc.columnid, 1, &pv, &cb);
		CallR(err);
		if (err == JET_errSuccess && cb == sizeof(v)) {
			memcpy(&v, pv, sizeof(v));
			v++;
		}
	}
	return rec_edit_set(c->edit, col->rc.columnid, 1, &v, sizeof(v), 0, 0);
}

JET_ERR JET_API JetPrepareUpdate(JET_SESID sesid, JET_TABLEID tableid, unsigned long prep)
{
	JET_ERR err = JET_errSuccess;
	cur_call cc;
	api_cursor *c;
	bool created = false;

	CallR(call_enter(sesid, tableid, &cc, true));
	c = cc.c;
	switch (prep) {
	case JET_prepCancel:
		if (c->prep == CUR_PREP_NONE)
			Error(JET_errUpdateNotPrepared);
		update_cancel(c);
		goto HandleError;
	case JET_prepInsert:
	case JET_prepReplace:
	case JET_prepReplaceNoLock:
	case JET_prepInsertCopy:
	case JET_prepInsertCopyDeleteOriginal:
		break;
	default:
		Error(JET_errInvalidParameter);
	}
	if (c->prep != CUR_PREP_NONE)
		Error(JET_errAlreadyPrepared);
	if (c->readonly)
		Error(JET_errPermissionDenied);
	if (prep == JET_prepInsertCopyDeleteOriginal && c->tt)
		/* A temporary table has no transaction to make the delete and
		 * the insert one step. */
		Error(JET_errIllegalOperation);
	if (prep == JET_prepInsert) {
		Call(rec_edit_begin(&c->td->schema, NULL, 0, &c->edit));
		created = true;
		c->prep = CUR_PREP_INSERT;
		Call(set_autoinc(c, &cc.r));
		Call(set_version(c, true));
	} else {
		Call(cursor_current_record(c, &cc.r));
		if ((prep == JET_prepReplace || prep == JET_prepInsertCopyDeleteOriginal) &&
		    eng_txn_level(cc.s->eng) > 0 && !c->tt)
			/* The first writer holds the record: a conflict shows
			 * now rather than at JetUpdate. */
			Call(eng_lock(cc.s->eng, c->db, c->td->objid, c->pk, c->cbPk));
		Call(rec_edit_begin(&c->td->schema, c->rec, c->cbRec, &c->edit));
		created = true;
		if (prep == JET_prepInsertCopy) {
			c->prep = CUR_PREP_INSERT;
			Call(set_autoinc(c, &cc.r));
			Call(set_version(c, true));
		} else {
			/* DeleteOriginal: the same row under a key the caller
			 * may change (ESE's way to change a primary key), so
			 * it keeps its autoincrement value and its version
			 * counts on. */
			memcpy(c->upk, c->pk, c->cbPk);
			c->cbUpk = c->cbPk;
			c->prep = prep == JET_prepInsertCopyDeleteOriginal ? CUR_PREP_INSERT
									  : CUR_PREP_REPLACE;
			c->del_orig = prep == JET_prepInsertCopyDeleteOriginal;
			Call(set_version(c, false));
		}
	}
HandleError:
	/* A prepare that failed half-way leaves nothing prepared. */
	if (err < 0 && created)
		update_cancel(c);
	return call_leave(&cc, err);
}

#define SETCOLUMN_GRBITS                                                                           \
	(JET_bitSetAppendLV | JET_bitSetOverwriteLV | JET_bitSetSizeLV | JET_bitSetZeroLength |    \
	 JET_bitSetSeparateLV | JET_bitSetUniqueMultiValues |                                      \
	 JET_bitSetUniqueNormalizedMultiValues | JET_bitSetRevertToDefaultValue |                  \
	 JET_bitSetIntrinsicLV)

static lv_pend *lv_pend_find(const api_cursor *c, uint64_t id)
{
	lv_pend *p;

	for (p = c->lvp; p; p = p->next)
		if (p->id == id)
			return p;
	return NULL;
}

/*
 * JetSetColumn on a LongText/LongBinary column. A value that stays within
 * LV_INLINE_MAX (and is not a reference yet) is the record's business, all
 * in memory. Otherwise the value is separated: the update's edit of it
 * (lv_pend, created on its first change) writes the chunks the operation
 * touches and the record gets a reference naming the edit; a value an
 * operation brings back under the threshold returns inline.
 */
static JET_ERR set_long(api_cursor *c, const tbl_column *col, const void *pv, unsigned long cb,
			JET_GRBIT grbit, unsigned long ib, unsigned long itag)
{
	JET_ERR err = JET_errSuccess;
	const JET_GRBIT lvops = grbit & (JET_bitSetAppendLV | JET_bitSetOverwriteLV | JET_bitSetSizeLV);
	const JET_COLUMNID id = col->rc.columnid;
	const bool fSeparate = (grbit & JET_bitSetSeparateLV) != 0;
	const void *pvCur = NULL;
	size_t cbCur = 0, cbRef;
	uint32_t flags = 0;
	uint64_t size = 0, cbNew, limit;
	bool exists = false, implicit = false, inTxn = false, wOpen = false, fNew = false;
	uint8_t ref[LV_REF_MAX];
	uint8_t *tmp = NULL;
	lv_pend *p = NULL;
	lv_w w;

	if (lvops & (lvops - 1))
		return JET_errInvalidGrbit;
	if (!((col->rc.grbit & JET_bitColumnMultiValued) && itag == 0)) {
		err = rec_edit_get_ex(c->edit, id, itag, &pvCur, &cbCur, &flags);
		if (err < 0)
			return err;
		exists = err != JET_wrnColumnNull;
		err = JET_errSuccess;
	}
	if (flags & REC_TAG_LVREF) {
		memcpy(ref, pvCur, JET_MIN(cbCur, sizeof(ref)));
		size = lv_ref_size(ref);
	} else {
		size = cbCur;
	}
	switch (lvops) {
	case JET_bitSetAppendLV:
		if (cb == 0 && (flags & REC_TAG_LVREF))
			return JET_errSuccess;
		cbNew = size + cb;
		break;
	case JET_bitSetOverwriteLV:
		if (ib >= size)
			return JET_errColumnNoChunk;
		cbNew = JET_MAX(size, (uint64_t)ib + cb);
		break;
	default: /* SizeLV, or a whole new value */
		cbNew = cb;
		break;
	}
	limit = col->rc.cbMax ? JET_MIN(col->rc.cbMax, 0x7FFFFFFFu) : 0x7FFFFFFFu;
	if (cbNew > limit)
		return JET_errColumnTooBig;
	if (cbNew == 0 && (flags & REC_TAG_LVREF))
		return rec_edit_set(c->edit, id, itag, NULL, 0, grbit & JET_bitSetZeroLength, 0);
	if (cbNew == 0 || (cbNew <= LV_INLINE_MAX && !fSeparate &&
			   (!(flags & REC_TAG_LVREF) || lvops == 0)))
		return rec_edit_set(c->edit, id, itag, pv, cb, grbit & ~(JET_GRBIT)JET_bitSetSeparateLV,
				    ib);

	Call(txn_wrap_begin(c->sess, &implicit));
	inTxn = true;
	Call(lv_w_open(&w, c->sess->eng, c->db, c->td, true));
	wOpen = true;
	if ((flags & REC_TAG_LVREF) && lvops) {
		p = lv_pend_find(c, lv_ref_id(ref));
		if (!p) {
			Call(lv_pend_new(&w, ref, implicit ? 0 : eng_txn_level(c->sess->eng), &p));
			fNew = true;
		}
	} else {
		Call(lv_pend_new(&w, NULL, implicit ? 0 : eng_txn_level(c->sess->eng), &p));
		fNew = true;
		if (lvops && exists && !(flags & REC_TAG_LVREF) && cbCur)
			Call(lv_pend_write(&w, p, 0, pvCur, cbCur));
	}
	switch (lvops) {
	case JET_bitSetAppendLV:
		Call(lv_pend_write(&w, p, p->size, pv, cb));
		break;
	case JET_bitSetOverwriteLV:
		Call(lv_pend_write(&w, p, ib, pv, cb));
		break;
	case JET_bitSetSizeLV:
		Call(lv_pend_resize(&w, p, cb));
		break;
	default:
		Call(lv_pend_write(&w, p, 0, pv, cb));
		break;
	}
	if (p->size <= LV_INLINE_MAX && !fSeparate) {
		tmp = jet_malloc(p->size ? (size_t)p->size : 1);
		if (!tmp)
			Error(JET_errOutOfMemory);
		Call(lv_pend_read(&w, p, 0, tmp, (size_t)p->size));
		Call(rec_edit_set(c->edit, id, itag, tmp, (size_t)p->size,
				  grbit & JET_bitSetZeroLength, 0));
	} else {
		Call(lv_pend_ref(&w, p, ref, &cbRef));
		Call(rec_edit_set_ex(c->edit, id, itag, ref, cbRef, 0, 0, REC_TAG_LVREF));
	}
	if (fNew) {
		p->next = c->lvp;
		c->lvp = p;
		p = NULL;
	}
HandleError:
	if (fNew && p) {
		if (wOpen)
			(void)lv_pend_discard(&w, p);
		lv_pend_free(p);
	}
	if (wOpen)
		lv_w_close(&w);
	if (inTxn)
		err = txn_wrap_end(c->sess, implicit, err);
	jet_free(tmp);
	return err;
}

static JET_ERR set_column(api_cursor *c, JET_COLUMNID columnid, const void *pv, unsigned long cb,
			  JET_GRBIT grbit, unsigned long ibLongValue, unsigned long itag)
{
	const tbl_column *col;

	if (grbit & ~(JET_GRBIT)SETCOLUMN_GRBITS)
		return JET_errInvalidGrbit;
	if (!pv && cb && !(grbit & JET_bitSetSizeLV))
		return JET_errInvalidParameter;
	if (c->prep == CUR_PREP_NONE)
		return JET_errUpdateNotPrepared;
	col = tbl_column_by_id(c->td, columnid);
	if (!col)
		return JET_errColumnNotFound;
	/* ESE: the engine owns an autoincrement value, and a version column
	 * in a replace (an insert may set one). */
	if ((col->rc.grbit & JET_bitColumnAutoincrement) ||
	    ((col->rc.grbit & JET_bitColumnVersion) && c->prep == CUR_PREP_REPLACE))
		return JET_errInvalidColumnType;
	if (grbit & JET_bitSetRevertToDefaultValue)
		/* No stored value shows the default (tbl_column_value). */
		return rec_edit_set(c->edit, columnid, itag, NULL, 0, 0, 0);
	if ((col->rc.coltyp == JET_coltypLongText || col->rc.coltyp == JET_coltypLongBinary) &&
	    !c->tt)
		return set_long(c, col, pv, cb, grbit, ibLongValue, itag);
	return rec_edit_set(c->edit, columnid, itag, pv, cb,
			    grbit & ~(JET_GRBIT)(JET_bitSetSeparateLV | JET_bitSetIntrinsicLV |
						 JET_bitSetUniqueNormalizedMultiValues),
			    ibLongValue);
}

JET_ERR JET_API JetSetColumn(JET_SESID sesid, JET_TABLEID tableid, JET_COLUMNID columnid,
			     const void *pvData, unsigned long cbData, JET_GRBIT grbit,
			     JET_SETINFO *psetinfo)
{
	JET_ERR err = JET_errSuccess;
	cur_call cc;

	CallR(call_enter(sesid, tableid, &cc, false));
	if (psetinfo && psetinfo->cbStruct < sizeof(*psetinfo))
		Error(JET_errInvalidParameter);
	err =
	    set_column(cc.c, columnid, pvData, cbData, grbit, psetinfo ? psetinfo->ibLongValue : 0,
		       psetinfo ? psetinfo->itagSequence : 1);
HandleError:
	return call_leave(&cc, err);
}

JET_ERR JET_API JetSetColumns(JET_SESID sesid, JET_TABLEID tableid, JET_SETCOLUMN *psetcolumn,
			      unsigned long csetcolumn)
{
	JET_ERR err = JET_errSuccess;
	cur_call cc;
	unsigned long i;

	CallR(call_enter(sesid, tableid, &cc, false));
	if (!psetcolumn && csetcolumn)
		Error(JET_errInvalidParameter);
	for (i = 0; i < csetcolumn; i++) {
		JET_SETCOLUMN *sc = &psetcolumn[i];
		sc->err = set_column(cc.c, sc->columnid, sc->pvData, sc->cbData, sc->grbit,
				     sc->ibLongValue, sc->itagSequence);
		if (sc->err < 0)
			Error(sc->err);
		if (sc->err > 0)
			err = sc->err;
	}
HandleError:
	return call_leave(&cc, err);
}

/* Copies a value into the caller's buffer with ESE's rules. */
static JET_ERR copy_value(JET_ERR errGet, const void *pv, size_t cb, void *pvData,
			  unsigned long cbData, unsigned long *pcbActual, unsigned long ib)
{
	size_t n;

	if (errGet == JET_wrnColumnNull) {
		if (pcbActual)
			*pcbActual = 0;
		return JET_wrnColumnNull;
	}
	n = ib < cb ? cb - ib : 0;
	if (pcbActual)
		*pcbActual = (unsigned long)n;
	if (n > cbData) {
		if (cbData)
			memcpy(pvData, (const uint8_t *)pv + ib, cbData);
		return JET_wrnBufferTruncated;
	}
	if (n)
		memcpy(pvData, (const uint8_t *)pv + ib, n);
	return JET_errSuccess;
}

#define RETRIEVE_GRBITS                                                                            \
	(JET_bitRetrieveCopy | JET_bitRetrieveFromIndex | JET_bitRetrieveFromPrimaryBookmark |     \
	 JET_bitRetrieveTag | JET_bitRetrieveNull | JET_bitRetrieveIgnoreDefault)

/* A separated value: bytes [ib, ...) as far as the buffer takes them, read
 * from its chunks (those of the update's edit for RetrieveCopy). */
static JET_ERR retrieve_long(cur_call *cc, const void *ref, size_t cbRef, bool fCopy,
			     void *pvData, unsigned long cbData, unsigned long *pcbActual,
			     unsigned long ib)
{
	JET_ERR err = JET_errSuccess;
	api_cursor *c = cc->c;
	uint64_t size, n, m;
	lv_pend *p;

	if (cbRef < REC_LVREF_HDR)
		return JET_errDatabaseCorrupted;
	size = lv_ref_size(ref);
	n = ib < size ? size - ib : 0;
	m = JET_MIN(n, (uint64_t)cbData);
	if (pcbActual)
		*pcbActual = (unsigned long)n;
	if (m) {
		p = fCopy && !c->ese ? lv_pend_find(c, lv_ref_id(ref)) : NULL;
		if (c->ese) {
			CallR(cursor_ese_read_long(c, lv_ref_id(ref), ib, pvData, (size_t)m));
		} else if (p) {
			lv_w w;
			CallR(lv_w_open(&w, c->sess->eng, c->db, c->td, false));
			err = w.tree ? lv_pend_read(&w, p, ib, pvData, (size_t)m)
				     : JET_errDatabaseCorrupted;
			lv_w_close(&w);
			CallR(err);
		} else {
			CallR(lv_read(&cc->r, c->td, lv_ref_id(ref), ib, pvData, (size_t)m));
		}
	}
	return n > cbData ? JET_wrnBufferTruncated : JET_errSuccess;
}

static JET_ERR retrieve_column(cur_call *cc, JET_COLUMNID columnid, void *pvData,
			       unsigned long cbData, unsigned long *pcbActual, JET_GRBIT grbit,
			       unsigned long ib, unsigned long itag)
{
	api_cursor *c = cc->c;
	const tbl_column *col;
	const void *pv;
	size_t cb;
	uint32_t flags = 0;
	bool fCopy = false;
	JET_ERR err;

	if (grbit & ~(JET_GRBIT)RETRIEVE_GRBITS)
		return JET_errInvalidGrbit;
	if (!pvData && cbData)
		return JET_errInvalidParameter;
	col = tbl_column_by_id(c->td, columnid);
	if (JET_UNLIKELY(!col))
		return JET_errColumnNotFound;
	if (itag == 0)
		itag = 1;
	if ((grbit & JET_bitRetrieveCopy) && c->prep != CUR_PREP_NONE) {
		fCopy = true;
		err = rec_edit_get_ex(c->edit, columnid, itag, &pv, &cb, &flags);
		if (err == JET_wrnColumnNull && col->pvDefault && itag == 1 &&
		    !(grbit & JET_bitRetrieveIgnoreDefault)) {
			pv = col->pvDefault;
			cb = col->cbDefault;
			err = JET_errSuccess;
		}
	} else {
		/* RetrieveFromIndex/FromPrimaryBookmark are hints: normalized
		 * keys cannot be decoded, so the record answers. */
		CallR(cursor_current_record(c, &cc->r));
		err = rec_retrieve_ex(&c->td->schema, c->rec, c->cbRec, columnid, itag, &pv, &cb,
				      &flags);
		if (err == JET_wrnColumnNull && col->pvDefault && itag == 1 &&
		    !(grbit & JET_bitRetrieveIgnoreDefault)) {
			pv = col->pvDefault;
			cb = col->cbDefault;
			err = JET_errSuccess;
		}
	}
	CallR(err);
	if (flags & REC_TAG_LVREF)
		return retrieve_long(cc, pv, cb, fCopy, pvData, cbData, pcbActual, ib);
	return copy_value(err, pv, cb, pvData, cbData, pcbActual, ib);
}

JET_ERR JET_API JetRetrieveColumn(JET_SESID sesid, JET_TABLEID tableid, JET_COLUMNID columnid,
				  void *pvData, unsigned long cbData, unsigned long *pcbActual,
				  JET_GRBIT grbit, JET_RETINFO *pretinfo)
{
	JET_ERR err;
	cur_call cc;

	CallR(call_enter_ex(sesid, tableid, &cc, true, true));
	if (pretinfo && pretinfo->cbStruct < sizeof(*pretinfo)) {
		err = JET_errInvalidParameter;
	} else {
		err = retrieve_column(&cc, columnid, pvData, cbData, pcbActual, grbit,
				      pretinfo ? pretinfo->ibLongValue : 0,
				      pretinfo ? pretinfo->itagSequence : 1);
		if (pretinfo)
			pretinfo->columnidNextTagged = 0;
	}
	return call_leave(&cc, err);
}

JET_ERR JET_API JetRetrieveColumns(JET_SESID sesid, JET_TABLEID tableid, JET_RETRIEVECOLUMN *prc,
				   unsigned long crc)
{
	JET_ERR err = JET_errSuccess;
	cur_call cc;
	unsigned long i;

	CallR(call_enter_ex(sesid, tableid, &cc, true, true));
	if (!prc && crc)
		Error(JET_errInvalidParameter);
	for (i = 0; i < crc; i++) {
		JET_RETRIEVECOLUMN *rc = &prc[i];
		rc->columnidNextTagged = 0;
		rc->err = retrieve_column(&cc, rc->columnid, rc->pvData, rc->cbData, &rc->cbActual,
					  rc->grbit, rc->ibLongValue, rc->itagSequence);
		if (rc->err < 0)
			Error(rc->err);
		if (rc->err > 0)
			err = rc->err;
	}
HandleError:
	return call_leave(&cc, err);
}

/* Runs op in the session's transaction, or in an implicit one. */
static JET_ERR txn_wrap_begin(api_sess *s, bool *implicit)
{
	*implicit = eng_txn_level(s->eng) == 0;
	if (*implicit)
		return eng_txn_begin(s->eng, false);
	return JET_errSuccess;
}

static JET_ERR txn_wrap_end(api_sess *s, bool implicit, JET_ERR err)
{
	if (!implicit)
		return err;
	if (err >= 0) {
		JET_ERR errC = eng_txn_commit(s->eng, JET_bitCommitLazyFlush);
		if (errC < 0) {
			if (eng_txn_level(s->eng) > 0)
				(void)eng_txn_rollback(s->eng, true);
			cursor_forget_views(s);
			return errC;
		}
		return err;
	}
	(void)eng_txn_rollback(s->eng, true);
	cursor_forget_views(s);
	return err;
}

/* Does the encoded record refer to LV id? */
static bool rec_has_lv(const uint8_t *rec, size_t cbRec, uint64_t id)
{
	size_t ib = 0, cb;
	JET_COLUMNID col;
	const void *pv;
	uint32_t flags;

	while (rec_next_tagged(rec, cbRec, &ib, &col, &pv, &cb, &flags) >= 0)
		if ((flags & REC_TAG_LVREF) && cb >= REC_LVREF_HDR && lv_ref_id(pv) == id)
			return true;
	return false;
}

/* Deletes the separated values of oldRec that newRec (NULL: none) does not
 * refer to. */
static JET_ERR lv_delete_unreferenced(lv_w *w, const uint8_t *oldRec, size_t cbOld,
				      const uint8_t *newRec, size_t cbNew)
{
	JET_ERR err;
	size_t ib = 0, cb;
	JET_COLUMNID col;
	const void *pv;
	uint32_t flags;

	while ((err = rec_next_tagged(oldRec, cbOld, &ib, &col, &pv, &cb, &flags)) >= 0) {
		if (!(flags & REC_TAG_LVREF) || cb < REC_LVREF_HDR)
			continue;
		if (newRec && rec_has_lv(newRec, cbNew, lv_ref_id(pv)))
			continue;
		CallR(lv_delete(w, lv_ref_id(pv), lv_ref_size(pv)));
	}
	return err == JET_errNoCurrentRecord ? JET_errSuccess : err;
}

static bool rec_has_lvrefs(const uint8_t *rec, size_t cbRec)
{
	size_t ib = 0, cb;
	JET_COLUMNID col;
	const void *pv;
	uint32_t flags;

	while (rec_next_tagged(rec, cbRec, &ib, &col, &pv, &cb, &flags) >= 0)
		if (flags & REC_TAG_LVREF)
			return true;
	return false;
}

/* The record JetUpdate writes: the edit's references renamed to the ids
 * the values have once installed (lv_pend_final_id); for an insert, values
 * that are no edit of this update (JET_prepInsertCopy's, still the source
 * record's) copied under new ids. Marks the edits the record uses. */
static JET_ERR lv_prepare_record(api_cursor *c, lv_w *w, uint8_t *rec, size_t cbRec)
{
	JET_ERR err;
	size_t ib = 0, cb;
	JET_COLUMNID col;
	const void *pv;
	uint32_t flags;
	lv_pend *p;

	for (p = c->lvp; p; p = p->next)
		p->used = false;
	while ((err = rec_next_tagged(rec, cbRec, &ib, &col, &pv, &cb, &flags)) >= 0) {
		uint8_t *ref = (uint8_t *)pv;

		if (!(flags & REC_TAG_LVREF))
			continue;
		p = lv_pend_find(c, lv_ref_id(ref));
		if (p) {
			p->used = true;
			put_le64(ref, lv_pend_final_id(p));
		} else if (c->prep == CUR_PREP_INSERT) {
			uint64_t idNew;
			CallR(lv_copy(w, lv_ref_id(ref), lv_ref_size(ref), &idNew));
			put_le64(ref, idNew);
		}
	}
	return err == JET_errNoCurrentRecord ? JET_errSuccess : err;
}

/* After the record is written: edits it uses move into place, the others
 * go. */
static JET_ERR lv_finish_update(api_cursor *c, lv_w *w)
{
	lv_pend *p;

	for (p = c->lvp; p; p = p->next) {
		if (p->used)
			CallR(lv_pend_install(w, p));
		else
			CallR(lv_pend_discard(w, p));
	}
	return JET_errSuccess;
}

/* A record over the size limit whose long values are all within
 * LV_INLINE_MAX: separates the largest inline long value (ESE separates
 * long values whenever the record would not fit). JET_errRecordTooBig when
 * none is left that would make the record smaller. */
static JET_ERR separate_largest(api_cursor *c)
{
	JET_ERR err = JET_errSuccess;
	JET_COLUMNID id, best = 0, prev = 0;
	const void *pv;
	size_t cb, cbBest = LV_REF_MAX;
	uint32_t flags, i, itag = 0, itagBest = 0;
	const tbl_column *col;
	uint8_t *copy;

	for (i = 0; rec_edit_slot(c->edit, i, &id, &pv, &cb, &flags) >= 0; i++) {
		itag = id == prev ? itag + 1 : 1;
		prev = id;
		col = tbl_column_by_id(c->td, id);
		if (!col || (flags & REC_TAG_LVREF) ||
		    (col->rc.coltyp != JET_coltypLongText && col->rc.coltyp != JET_coltypLongBinary))
			continue;
		if (cb > cbBest) {
			best = id;
			cbBest = cb;
			itagBest = itag;
		}
	}
	if (!best)
		return JET_errRecordTooBig;
	CallR(rec_edit_get(c->edit, best, itagBest, &pv, &cb));
	copy = jet_malloc(cb);
	if (!copy)
		return JET_errOutOfMemory;
	memcpy(copy, pv, cb);
	err = set_long(c, tbl_column_by_id(c->td, best), copy, (unsigned long)cb,
		       JET_bitSetSeparateLV, 0, itagBest);
	jet_free(copy);
	return err;
}

/* Deletes the record with primary key pk and its long values (w: an open
 * long-value writer, or NULL to open one when needed). c->rec is left
 * holding the deleted record. */
static JET_ERR delete_record(eng_read *r, api_cursor *c, const uint8_t *pk, size_t cbPk, lv_w *w)
{
	JET_ERR err;
	lv_w wOwn;

	err = tbl_read_record(r, c->td, pk, cbPk, &c->rec, &c->capRec, &c->cbRec);
	c->rec_view = 0;
	if (err == JET_errRecordNotFound)
		err = JET_errRecordDeleted;
	CallR(err);
	CallR(cursor_write_prepare(c));
	CallR(tbl_delete(r, c->td, pk, cbPk, c->rec, c->cbRec));
	if (!rec_has_lvrefs(c->rec, c->cbRec))
		return JET_errSuccess;
	if (!w) {
		CallR(lv_w_open(&wOwn, c->sess->eng, c->db, c->td, false));
		w = &wOwn;
	}
	err = w->tree ? lv_delete_unreferenced(w, c->rec, c->cbRec, NULL, 0)
		      : JET_errDatabaseCorrupted;
	if (w == &wOwn)
		lv_w_close(&wOwn);
	return err;
}

static JET_ERR do_update(cur_call *cc, void *pvBookmark, unsigned long cbBookmark,
			 unsigned long *pcbActual)
{
	JET_ERR err = JET_errSuccess;
	api_cursor *c = cc->c;
	bool implicit = false, inTxn = false, reading = false;
	eng_read r;
	const uint8_t *rec;
	size_t cbRec;
	uint8_t pk[TBL_KEY_BUF];
	size_t cbPk = 0;
	uint8_t *recLv = NULL;
	bool hasLv, wOpen = false;
	lv_w w;

	if (c->prep == CUR_PREP_NONE)
		return JET_errUpdateNotPrepared;
	if (!pvBookmark && cbBookmark)
		return JET_errInvalidParameter;
	while ((err = rec_edit_encode(c->edit, &rec, &cbRec)) == JET_errRecordTooBig && !c->tt)
		Call(separate_largest(c));
	Call(err);
	if (c->tt) {
		/* A temporary table: no transaction, no long-value tree. */
		if (c->prep == CUR_PREP_INSERT) {
			Call(tt_insert(c, rec, cbRec, pk, &cbPk));
		} else {
			Call(tt_replace(c, rec, cbRec));
			memcpy(pk, c->upk, c->cbUpk);
			cbPk = c->cbUpk;
		}
		goto HandleError;
	}
	Call(txn_wrap_begin(cc->s, &implicit));
	inTxn = true;
	hasLv = c->lvp || rec_has_lvrefs(rec, cbRec);
	if (hasLv || c->prep == CUR_PREP_REPLACE || c->del_orig) {
		Call(lv_w_open(&w, cc->s->eng, c->db, c->td, false));
		wOpen = true;
	}
	if (hasLv) {
		if (!w.tree)
			Error(JET_errDatabaseCorrupted);
		recLv = jet_malloc(cbRec);
		if (!recLv)
			Error(JET_errOutOfMemory);
		memcpy(recLv, rec, cbRec);
		rec = recLv;
		Call(lv_prepare_record(c, &w, recLv, cbRec));
	}
	Call(eng_read_begin(cc->s->eng, c->db, &r));
	reading = true;
	Call(cursor_write_prepare(c));
	if (c->prep == CUR_PREP_INSERT) {
		/* The original goes first, so the copy may keep its key. Its
		 * long values were copied under new ids above. */
		if (c->del_orig)
			Call(delete_record(&r, c, c->upk, c->cbUpk, &w));
		Call(tbl_insert(&r, c->td, rec, cbRec, pk, &cbPk));
		if (hasLv)
			Call(lv_finish_update(c, &w));
	} else {
		/* The record as the transaction sees it now (its index keys
		 * are what the entries to move hold). */
		err = tbl_read_record(&r, c->td, c->upk, c->cbUpk, &c->rec, &c->capRec, &c->cbRec);
		c->rec_view = 0;
		if (err == JET_errRecordNotFound)
			err = JET_errRecordDeleted;
		Call(err);
		Call(tbl_replace(&r, c->td, c->upk, c->cbUpk, c->rec, c->cbRec, rec, cbRec));
		memcpy(pk, c->upk, c->cbUpk);
		cbPk = c->cbUpk;
		if (hasLv)
			Call(lv_finish_update(c, &w));
		if (w.tree)
			Call(lv_delete_unreferenced(&w, c->rec, c->cbRec, rec, cbRec));
	}
HandleError:
	if (reading)
		eng_read_end(&r);
	if (wOpen)
		lv_w_close(&w);
	jet_free(recLv);
	if (inTxn)
		err = txn_wrap_end(cc->s, implicit, err);
	c->rec_view = 0; /* our write changed the view: re-read when asked */
	if (err < 0)
		return err; /* the update stays prepared, as in ESE */
	update_done(c);
	if (pcbActual)
		*pcbActual = (unsigned long)cbPk;
	if (pvBookmark) {
		memcpy(pvBookmark, pk, JET_MIN((size_t)cbBookmark, cbPk));
		if (cbBookmark < cbPk)
			return JET_wrnBufferTruncated;
	}
	return err > 0 ? err : JET_errSuccess;
}

JET_ERR JET_API JetUpdate(JET_SESID sesid, JET_TABLEID tableid, void *pvBookmark,
			  unsigned long cbBookmark, unsigned long *pcbActual)
{
	JET_ERR err;
	cur_call cc;

	CallR(call_enter(sesid, tableid, &cc, false));
	err = do_update(&cc, pvBookmark, cbBookmark, pcbActual);
	return call_leave(&cc, err);
}

JET_ERR JET_API JetUpdate2(JET_SESID sesid, JET_TABLEID tableid, void *pvBookmark,
			   unsigned long cbBookmark, unsigned long *pcbActual,
			   const JET_GRBIT grbit)
{
	JET_ERR err;
	cur_call cc;

	CallR(call_enter(sesid, tableid, &cc, false));
	if (grbit & ~(JET_GRBIT)JET_bitUpdateCheckESE97Compatibility)
		err = JET_errInvalidGrbit;
	else
		err = do_update(&cc, pvBookmark, cbBookmark, pcbActual);
	return call_leave(&cc, err);
}

JET_ERR JET_API JetDelete(JET_SESID sesid, JET_TABLEID tableid)
{
	JET_ERR err = JET_errSuccess;
	cur_call cc;
	api_cursor *c;
	bool implicit = false, inTxn = false, reading = false;
	eng_read r;

	CallR(call_enter(sesid, tableid, &cc, false));
	c = cc.c;
	if (c->readonly)
		Error(JET_errPermissionDenied);
	if (c->pos != CUR_ON)
		Error(JET_errNoCurrentRecord);
	if (c->tt)
		Error(tt_delete(c));
	Call(txn_wrap_begin(cc.s, &implicit));
	inTxn = true;
	Call(eng_read_begin(cc.s->eng, c->db, &r));
	reading = true;
	Call(delete_record(&r, c, c->pk, c->cbPk, NULL));
HandleError:
	if (reading)
		eng_read_end(&r);
	if (inTxn)
		err = txn_wrap_end(cc.s, implicit, err);
	/* The cursor stays where the record was: the next move goes on from
	 * there, a retrieve gives JET_errRecordDeleted. */
	if (c)
		c->rec_view = 0;
	return call_leave(&cc, err);
}
