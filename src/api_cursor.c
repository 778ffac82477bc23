/*
 * api_cursor.c - the Jet* functions on a cursor beyond moving and updating
 * (api_record.c): JetDupCursor, JetGetRecordPosition, JetGotoPosition,
 * JetGetLock, JetComputeStats, JetEscrowUpdate.
 *
 * Deviations from ESE, on purpose and documented in include/jet.h:
 *  - record positions are exact (ESE estimates them from the b+tree shape),
 *    at the price of a walk over the index;
 *  - JetGetLock(JET_bitReadLock) takes no lock: the engine has no shared
 *    locks, and snapshot isolation already keeps the record as the
 *    transaction read it; only JET_bitWriteLock locks (eng_lock);
 *  - JetEscrowUpdate takes no write lock when the column is stored in the
 *    record and in no index (eng_escrow_put): concurrent transactions add
 *    to the same record's counter and all their deltas count at commit, as
 *    in ESE. The first escrow update of a record whose column is still
 *    NULL (its default showing) stores the value, which changes the
 *    record's layout: that one is a locked read-modify-write, as is every
 *    update of an indexed escrow column. JET_bitEscrowNoRollback is
 *    accepted and the delta is transacted all the same.
 */
#include "cursor.h"

/* One call on a cursor: session entered, cursor found, a read context. */
typedef struct ccall {
	api_sess *s;
	api_cursor *c;
	eng_read r;
	bool reading;
} ccall;

static JET_ERR ccall_enter(JET_SESID sesid, JET_TABLEID tableid, ccall *cc)
{
	JET_ERR err;

	memset(cc, 0, sizeof(*cc));
	CallR(api_enter(sesid, &cc->s));
	err = api_tableid_get(cc->s, tableid, &cc->c);
	if (err >= 0) {
		err = eng_read_begin(cc->s->eng, cc->c->db, &cc->r);
		cc->reading = err >= 0;
	}
	if (err < 0) {
		api_leave(cc->s);
		cc->s = NULL;
	}
	return err;
}

static JET_ERR ccall_leave(ccall *cc, JET_ERR err)
{
	if (cc->reading) {
		cursor_park(cc->c, &cc->r);
		eng_read_end(&cc->r);
	}
	if (cc->s)
		api_leave(cc->s);
	return err;
}

JET_ERR JET_API JetDupCursor(JET_SESID sesid, JET_TABLEID tableid, JET_TABLEID *ptableid,
			     JET_GRBIT grbit)
{
	JET_ERR err = JET_errSuccess;
	ccall cc;

	CallR(ccall_enter(sesid, tableid, &cc));
	if (!ptableid)
		Error(JET_errInvalidParameter);
	if (grbit)
		Error(JET_errInvalidGrbit); /* reserved */
	err = cursor_dup(cc.c, &cc.r, ptableid);
HandleError:
	return ccall_leave(&cc, err);
}

JET_ERR JET_API JetGetRecordPosition(JET_SESID sesid, JET_TABLEID tableid, JET_RECPOS *precpos,
				     unsigned long cbRecpos)
{
	JET_ERR err = JET_errSuccess;
	ccall cc;
	unsigned long lt = 0, total = 0;

	CallR(ccall_enter(sesid, tableid, &cc));
	if (!precpos)
		Error(JET_errInvalidParameter);
	if (cbRecpos < sizeof(JET_RECPOS))
		Error(JET_errInvalidBufferSize);
	Call(cursor_get_position(cc.c, &cc.r, &lt, &total));
	precpos->cbStruct = sizeof(JET_RECPOS);
	precpos->centriesLT = lt;
	precpos->centriesInRange = 1; /* as ESE: always 1 */
	precpos->centriesTotal = total;
HandleError:
	return ccall_leave(&cc, err);
}

JET_ERR JET_API JetGotoPosition(JET_SESID sesid, JET_TABLEID tableid, JET_RECPOS *precpos)
{
	JET_ERR err = JET_errSuccess;
	ccall cc;

	CallR(ccall_enter(sesid, tableid, &cc));
	if (!precpos)
		Error(JET_errInvalidParameter);
	if (precpos->centriesTotal == 0 || precpos->centriesLT > precpos->centriesTotal)
		Error(JET_errInvalidParameter);
	if (cc.c->prep != CUR_PREP_NONE)
		Error(JET_errAlreadyPrepared);
	err = cursor_goto_position(cc.c, &cc.r, precpos->centriesLT, precpos->centriesTotal);
HandleError:
	return ccall_leave(&cc, err);
}

JET_ERR JET_API JetGetLock(JET_SESID sesid, JET_TABLEID tableid, JET_GRBIT grbit)
{
	JET_ERR err = JET_errSuccess;
	ccall cc;
	api_cursor *c;

	CallR(ccall_enter(sesid, tableid, &cc));
	c = cc.c;
	if (grbit != JET_bitReadLock && grbit != JET_bitWriteLock)
		Error(JET_errInvalidGrbit);
	if (eng_txn_level(cc.s->eng) == 0)
		Error(JET_errNotInTransaction);
	if (grbit == JET_bitWriteLock && c->readonly)
		Error(JET_errPermissionDenied);
	Call(cursor_current_record(c, &cc.r));
	if (grbit == JET_bitWriteLock && !c->mem)
		/* Held until the outermost commit or rollback; another writer
		 * of the record gets JET_errWriteConflict, and so do we when
		 * someone else holds it or committed it after our snapshot. */
		Call(eng_lock(cc.s->eng, c->db, c->td->objid, c->pk, c->cbPk));
HandleError:
	return ccall_leave(&cc, err);
}

JET_ERR JET_API JetComputeStats(JET_SESID sesid, JET_TABLEID tableid)
{
	JET_ERR err;
	ccall cc;

	/* No statistics are kept (counts are exact when asked for), so there
	 * is nothing to recompute. */
	CallR(ccall_enter(sesid, tableid, &cc));
	err = JET_errSuccess;
	return ccall_leave(&cc, err);
}

/* Where the escrow column's bytes are in rec, when an escrow delta may be
 * applied to them in place: stored (not NULL), little-endian, in no index
 * (an index entry cannot be merged). */
static bool escrow_in_place(const tbl_def *td, const tbl_column *col, const uint8_t *rec,
			    size_t cbRec, size_t *pib)
{
	const void *pv;
	size_t cb;
	uint32_t i, j;

	for (i = 0; i < td->nidx; i++)
		for (j = 0; j < td->idx[i].nseg; j++)
			if (&td->cols[td->idx[i].seg[j].icol] == col)
				return false;
	if (rec_retrieve(&td->schema, rec, cbRec, col->rc.columnid, 1, &pv, &cb) !=
		JET_errSuccess ||
	    cb != col->rc.cbFixed || (const uint8_t *)pv < rec)
		return false;
	*pib = (size_t)((const uint8_t *)pv - rec);
	return *pib + cb <= cbRec;
}

JET_ERR JET_API JetEscrowUpdate(JET_SESID sesid, JET_TABLEID tableid, JET_COLUMNID columnid,
				void *pv, unsigned long cbMax, void *pvOld, unsigned long cbOldMax,
				unsigned long *pcbOldActual, JET_GRBIT grbit)
{
	JET_ERR err = JET_errSuccess;
	ccall cc;
	api_cursor *c;
	const tbl_column *col;
	const void *pvCur;
	size_t cbCur;
	int64_t old = 0, delta, sum;
	int level = 0;
	uint8_t newv[8];
	rec_edit *e = NULL;
	const uint8_t *rec;
	uint8_t *recNew = NULL;
	size_t cbRec, ib = 0;
	bool nested = false;

	CallR(ccall_enter(sesid, tableid, &cc));
	c = cc.c;
	if (grbit & ~(JET_GRBIT)JET_bitEscrowNoRollback)
		Error(JET_errInvalidGrbit);
	if (eng_txn_level(cc.s->eng) == 0)
		Error(JET_errNotInTransaction);
	if (!pv)
		Error(JET_errInvalidParameter);
	if (c->readonly)
		Error(JET_errPermissionDenied);
	col = tbl_column_by_id(c->td, columnid);
	if (!col)
		Error(JET_errColumnNotFound);
	if (c->prep != CUR_PREP_NONE)
		Error(JET_errAlreadyPrepared);
	if (col->rc.cbFixed == 0 || cbMax != col->rc.cbFixed)
		Error(col->rc.cbFixed == 0 ? JET_errInvalidOperation : JET_errInvalidBufferSize);
	if (pvOld && cbOldMax && cbOldMax < col->rc.cbFixed)
		Error(JET_errInvalidBufferSize);
	if (!(col->rc.grbit & JET_bitColumnEscrowUpdate) ||
	    (col->rc.cbFixed != 4 && col->rc.cbFixed != 8))
		Error(JET_errInvalidOperation);
	if (c->pos != CUR_ON)
		Error(JET_errNoCurrentRecord);

	/* In a savepoint, so a failure leaves nothing behind. */
	Call(eng_txn_begin(cc.s->eng, false));
	nested = true;
	level = eng_txn_level(cc.s->eng);
	eng_read_end(&cc.r);
	cc.reading = false;
	Call(eng_read_begin(cc.s->eng, c->db, &cc.r));
	cc.reading = true;
	err = tbl_read_record(&cc.r, c->td, c->pk, c->cbPk, &c->rec, &c->capRec, &c->cbRec);
	c->rec_view = 0;
	if (err == JET_errRecordNotFound)
		err = JET_errRecordDeleted;
	Call(err);
	/* A NULL value counts as its default, else 0. */
	err = tbl_column_value(c->td, col, c->rec, c->cbRec, 1, &pvCur, &cbCur);
	Call(err);
	if (err == JET_errSuccess && cbCur == col->rc.cbFixed) {
		if (cbCur == 4) {
			int32_t v;
			memcpy(&v, pvCur, 4);
			old = v;
		} else {
			memcpy(&old, pvCur, 8);
		}
	}
	if (cbMax == 4) {
		int32_t d, o = (int32_t)old, r;
		memcpy(&d, pv, 4);
		r = (int32_t)((uint32_t)o + (uint32_t)d); /* wraps, as ESE's */
		memcpy(newv, &r, 4);
	} else {
		memcpy(&delta, pv, 8);
		sum = (int64_t)((uint64_t)old + (uint64_t)delta);
		memcpy(newv, &sum, 8);
	}
	Call(cursor_write_prepare(c));
	if (escrow_in_place(c->td, col, c->rec, c->cbRec, &ib)) {
		/* Same bytes but the counter: a delta other transactions'
		 * deltas commute with. */
		recNew = jet_malloc(c->cbRec);
		if (!recNew)
			Error(JET_errOutOfMemory);
		memcpy(recNew, c->rec, c->cbRec);
		memcpy(recNew + ib, newv, cbMax);
		Call(eng_escrow_put(cc.s->eng, c->db, c->td->objid, c->pk, c->cbPk, recNew,
				    c->cbRec, ib, (unsigned)cbMax));
	} else {
		Call(rec_edit_begin(&c->td->schema, c->rec, c->cbRec, &e));
		Call(rec_edit_set(e, columnid, 1, newv, cbMax, 0, 0));
		Call(rec_edit_encode(e, &rec, &cbRec));
		Call(tbl_replace(&cc.r, c->td, c->pk, c->cbPk, c->rec, c->cbRec, rec, cbRec));
	}
	Call(eng_txn_commit(cc.s->eng, 0));
	nested = false;
	c->rec_view = 0;
	if (pvOld && cbOldMax) {
		if (cbMax == 4) {
			int32_t o = (int32_t)old;
			memcpy(pvOld, &o, 4);
		} else {
			memcpy(pvOld, &old, 8);
		}
	}
	if (pcbOldActual)
		*pcbOldActual = cbMax;
HandleError:
	rec_edit_free(e);
	jet_free(recNew);
	if (nested) {
		if (eng_txn_level(cc.s->eng) == level)
			(void)eng_txn_rollback(cc.s->eng, false);
		cursor_forget_views(cc.s);
	}
	return ccall_leave(&cc, err);
}
