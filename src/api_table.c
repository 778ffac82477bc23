/*
 * api_table.c - the Jet* functions on tables, columns and indexes: open,
 * close, create, delete, add column, create index, current index. (Changes
 * in place are in api_ddl.c, schema information in api_info.c.)
 *
 * DDL is transacted like data: every DDL call runs in a savepoint level of
 * its own (eng_txn_begin inside the caller's transaction, or as the
 * implicit transaction outside one), so a failure half-way (a duplicate
 * key while building a unique index, I/O) is undone by rolling the
 * savepoint back, and a JetRollback of the caller's transaction undoes a
 * successful DDL call like any update. A consequence: DDL at the deepest
 * transaction level (7) gives JET_errTransTooDeep.
 *
 * Definitions are reloaded from the catalog after a DDL call and handed to
 * the cursor that made the change (cursor_set_def). Other cursors keep the
 * definition they opened with until they are reopened (columns added
 * through another cursor are not visible to them: JET_errColumnNotFound).
 */
#include <stddef.h>
#include <strings.h>

#include "api_ddl.h"
#include "key.h"

/* ------------------------------------------------------------------ */
/* DDL savepoints                                                      */
/* ------------------------------------------------------------------ */

JET_ERR ddl_begin(api_sess *s, jdb *db, ddl *d)
{
	JET_ERR err = JET_errSuccess;

	memset(d, 0, sizeof(*d));
	d->s = s;
	d->db = db;
	Call(tbl_def_catalog(db, &d->cat));
	Call(eng_txn_begin(s->eng, false));
	d->txn = true;
	Call(eng_read_begin(s->eng, db, &d->r));
	d->reading = true;
	return JET_errSuccess;
HandleError:
	/* Callers only end a savepoint that began: undo what this one took
	 * (the catalog's reference, the savepoint level), else an allocation
	 * failing in eng_txn_begin leaked the catalog definition and with it
	 * the database's whole table state (RELIABILITY.md bug 4). */
	return ddl_end(d, err);
}

JET_ERR ddl_reread(ddl *d)
{
	if (d->reading)
		eng_read_end(&d->r);
	d->reading = false;
	CallR(eng_read_begin(d->s->eng, d->db, &d->r));
	d->reading = true;
	return JET_errSuccess;
}

JET_ERR ddl_end(ddl *d, JET_ERR err)
{
	if (d->reading)
		eng_read_end(&d->r);
	d->reading = false;
	if (d->txn) {
		int level = eng_txn_level(d->s->eng);
		if (err >= 0) {
			JET_ERR errC = eng_txn_commit(d->s->eng, 0);
			if (errC < 0) {
				err = errC;
				if (eng_txn_level(d->s->eng) == level)
					(void)eng_txn_rollback(d->s->eng, false);
				cursor_forget_views(d->s);
			}
		} else {
			(void)eng_txn_rollback(d->s->eng, false);
			cursor_forget_views(d->s);
		}
	}
	d->txn = false;
	if (d->cat)
		tbl_def_release(d->cat);
	d->cat = NULL;
	return err;
}

static JET_ERR check_density(unsigned long density)
{
	if (density != 0 && (density < 20 || density > 100))
		return JET_errDensityInvalid;
	return JET_errSuccess;
}

/* ------------------------------------------------------------------ */
/* Columns                                                             */
/* ------------------------------------------------------------------ */

#define COLUMN_GRBITS                                                                              \
	(JET_bitColumnFixed | JET_bitColumnTagged | JET_bitColumnNotNULL | JET_bitColumnVersion |  \
	 JET_bitColumnAutoincrement | JET_bitColumnUpdatable | JET_bitColumnMultiValued |          \
	 JET_bitColumnEscrowUpdate | JET_bitColumnUnversioned | JET_bitColumnMaybeNull)

static bool coltyp_valid(JET_COLTYP t)
{
	return t >= JET_coltypBit && t <= JET_coltypUnsignedLongLong && t != JET_coltypSLV;
}

static bool coltyp_long(JET_COLTYP t)
{
	return t == JET_coltypLongText || t == JET_coltypLongBinary;
}

static bool coltyp_text(JET_COLTYP t)
{
	return t == JET_coltypText || t == JET_coltypLongText;
}

/* Validates a column definition and fills col (name, type, class id range
 * chosen by the caller). */
static JET_ERR column_validate(const char *name, JET_COLTYP coltyp, unsigned long cbMax,
			       JET_GRBIT grbit, unsigned long cp, const void *pvDefault,
			       unsigned long cbDefault, tbl_column *col)
{
	uint32_t cbFixed;

	CallR(tbl_check_name(name));
	if (!coltyp_valid(coltyp))
		return JET_errInvalidColumnType;
	if (grbit & ~(JET_GRBIT)COLUMN_GRBITS)
		return JET_errInvalidGrbit;
	if ((grbit & JET_bitColumnFixed) && (grbit & JET_bitColumnTagged))
		return JET_errInvalidParameter;
	cbFixed = rec_coltyp_fixed_size(coltyp);
	if ((grbit & JET_bitColumnFixed) && coltyp_long(coltyp))
		return JET_errInvalidParameter;
	if ((grbit & JET_bitColumnFixed) && !cbFixed)
		return JET_wrnNyi; /* fixed-length Text/Binary: not implemented */
	if ((coltyp == JET_coltypText || coltyp == JET_coltypBinary) && cbMax > JET_cbColumnMost)
		return JET_errInvalidParameter;
	if (grbit & JET_bitColumnVersion) {
		/* ESE: a Long counter, set to 0 by an insert and incremented
		 * by every replace; never tagged, never also autoincrement or
		 * escrow. */
		if (coltyp != JET_coltypLong)
			return JET_errInvalidColumnType;
		if (grbit & (JET_bitColumnAutoincrement | JET_bitColumnEscrowUpdate))
			return JET_errInvalidParameter;
	}
	if ((grbit & (JET_bitColumnVersion | JET_bitColumnAutoincrement)) &&
	    (grbit & JET_bitColumnTagged))
		return JET_errCannotBeTagged;
	if (grbit & JET_bitColumnAutoincrement) {
		if (coltyp != JET_coltypLong && coltyp != JET_coltypCurrency &&
		    coltyp != JET_coltypLongLong)
			return JET_errInvalidColumnType;
		if (grbit & JET_bitColumnMultiValued)
			return JET_errInvalidParameter;
	}
	if ((grbit & JET_bitColumnMultiValued) && cbFixed && !(grbit & JET_bitColumnTagged))
		return JET_errMultiValuedColumnMustBeTagged;
	if ((grbit & JET_bitColumnMultiValued) && !cbFixed && !coltyp_long(coltyp) &&
	    !(grbit & JET_bitColumnTagged))
		return JET_errMultiValuedColumnMustBeTagged;
	if ((grbit & JET_bitColumnNotNULL) &&
	    ((grbit & JET_bitColumnTagged) || coltyp_long(coltyp)))
		return JET_errTaggedNotNULL;
	if (coltyp_text(coltyp)) {
		if (cp == 0)
			cp = 1252;
		/* 65001 (UTF-8) is a libjet addition: bytes as they are, keys
		 * folded like 1252's. */
		if (cp != 1252 && cp != 1200 && cp != 65001)
			return JET_errInvalidCodePage;
	} else {
		cp = 0;
	}
	if (cbDefault && !pvDefault)
		return JET_errInvalidParameter;
	if (pvDefault && cbDefault) {
		if (cbFixed && cbDefault != cbFixed)
			return JET_errInvalidBufferSize;
		if (!cbFixed && cbDefault > (cbMax ? cbMax : JET_cbLVDefaultValueMost))
			return JET_errDefaultValueTooBig;
		if (cbDefault > JET_cbLVDefaultValueMost)
			return JET_errDefaultValueTooBig;
	}
	memset(col, 0, sizeof(*col));
	strcpy(col->name, name);
	col->rc.coltyp = coltyp;
	col->rc.cbMax = (uint32_t)cbMax;
	col->rc.grbit = grbit;
	if (coltyp_long(coltyp) || (grbit & JET_bitColumnMultiValued))
		col->rc.grbit |= JET_bitColumnTagged;
	if (cbFixed && !(col->rc.grbit & JET_bitColumnTagged))
		col->rc.grbit |= JET_bitColumnFixed;
	col->cp = (uint16_t)cp;
	if (pvDefault && cbDefault) {
		col->pvDefault = (uint8_t *)pvDefault; /* borrowed until the row is written */
		col->cbDefault = (uint32_t)cbDefault;
	}
	return JET_errSuccess;
}

/* The next free column id of the column's class. */
static JET_ERR column_pick_id(const tbl_def *td, tbl_column *col)
{
	JET_COLUMNID lo, hi, next;
	uint32_t i;

	if (col->rc.grbit & JET_bitColumnTagged) {
		lo = REC_TAGGED_FIRST;
		hi = REC_TAGGED_LAST;
	} else if (col->rc.grbit & JET_bitColumnFixed) {
		lo = REC_FIXED_FIRST;
		hi = REC_FIXED_LAST;
	} else {
		lo = REC_VAR_FIRST;
		hi = REC_VAR_LAST;
	}
	next = lo;
	/* Over the deleted columns too: their ids are never handed out again
	 * (older records still hold bytes under them). */
	for (i = 0; i < td->nrcols; i++) {
		JET_COLUMNID id = td->rcols[i].columnid;
		if (id >= lo && id <= hi && id >= next)
			next = id + 1;
	}
	if (next > hi)
		return JET_errTooManyColumns;
	col->rc.columnid = next;
	return JET_errSuccess;
}

/* Adds a column row; td is the table as the savepoint sees it. */
static JET_ERR ddl_add_column(ddl *d, const tbl_def *td, const char *name, JET_COLTYP coltyp,
			      unsigned long cbMax, JET_GRBIT grbit, unsigned long cp,
			      const void *pvDefault, unsigned long cbDefault,
			      JET_COLUMNID *pcolumnid)
{
	JET_ERR err;
	tbl_column col;

	CallR(column_validate(name, coltyp, cbMax, grbit, cp, pvDefault, cbDefault, &col));
	if (tbl_column_by_name(td, name))
		return JET_errColumnDuplicate;
	/* One autoincrement and one version column per table, as in ESE. */
	if (((grbit & JET_bitColumnAutoincrement) && td->iautoinc >= 0) ||
	    ((grbit & JET_bitColumnVersion) && td->iversion >= 0))
		return JET_errColumnRedundant;
	CallR(column_pick_id(td, &col));
	err = cat_insert_column(&d->r, d->cat, td->objid, &col);
	if (err == JET_errKeyDuplicate)
		err = JET_errColumnDuplicate;
	CallR(err);
	if (pcolumnid)
		*pcolumnid = col.rc.columnid;
	return JET_errSuccess;
}

/* ------------------------------------------------------------------ */
/* Indexes                                                             */
/* ------------------------------------------------------------------ */

#define INDEX_GRBITS                                                                               \
	(JET_bitIndexUnique | JET_bitIndexPrimary | JET_bitIndexDisallowNull |                     \
	 JET_bitIndexIgnoreNull | JET_bitIndexIgnoreAnyNull | JET_bitIndexIgnoreFirstNull |        \
	 JET_bitIndexLazyFlush | JET_bitIndexEmpty | JET_bitIndexUnversioned |                     \
	 JET_bitIndexSortNullsHigh | JET_bitIndexUnicode | JET_bitIndexTuples |                    \
	 JET_bitIndexTupleLimits | JET_bitIndexCrossProduct | JET_bitIndexKeyMost |                \
	 JET_bitIndexDisallowTruncation)

/* Parses "+a\0-b\0\0" (cbKey includes the terminators) into ix->seg. */
static JET_ERR index_parse_key(const tbl_def *td, const char *szKey, unsigned long cbKey,
			       tbl_index *ix)
{
	size_t pos = 0;
	uint32_t i;

	if (!szKey || cbKey < 2)
		return JET_errIndexInvalidDef;
	ix->nseg = 0;
	while (pos < cbKey) {
		const char *p = szKey + pos;
		size_t len = strnlen(p, cbKey - pos);
		bool desc = false;
		const tbl_column *col;
		char name[TBL_NAME_MAX + 1];

		if (len == 0)
			break;
		pos += len + 1;
		if (*p == '+' || *p == '-') {
			desc = *p == '-';
			p++;
			len--;
		}
		if (len == 0 || len > TBL_NAME_MAX)
			return JET_errIndexInvalidDef;
		memcpy(name, p, len);
		name[len] = 0;
		col = tbl_column_by_name(td, name);
		if (!col)
			return JET_errColumnNotFound;
		if (ix->nseg >= JET_ccolKeyMost)
			return JET_errIndexInvalidDef;
		for (i = 0; i < ix->nseg; i++)
			if (ix->seg[i].icol == (uint32_t)(col - td->cols))
				return JET_errIndexInvalidDef;
		ix->seg[ix->nseg].icol = (uint32_t)(col - td->cols);
		ix->seg[ix->nseg].descending = desc;
		ix->nseg++;
	}
	if (ix->nseg == 0)
		return JET_errIndexInvalidDef;
	return JET_errSuccess;
}

/* Fills every entry of a new secondary index from the table's records. */
static JET_ERR index_build(ddl *d, const tbl_def *td, const tbl_index *ix)
{
	JET_ERR err = JET_errSuccess;
	bt_cursor *cur = NULL;
	uint32_t root;
	uint8_t *ekey = jet_malloc(TBL_KEY_BUF);
	/* Records are read through a cursor on the data tree while entries go
	 * into the index tree: a different tree, so the cursor's pages do not
	 * change under it. */
	if (!ekey)
		return JET_errOutOfMemory;
	Call(eng_read_root(&d->r, td->objid, &root));
	Call(bt_cursor_open(eng_db_cache(d->db), root, &cur));
	for (err = bt_first(cur); err >= 0; err = bt_next(cur)) {
		const void *k, *v;
		size_t ck, cv, cbE;
		bool skip;
		Call(bt_cursor_key(cur, &k, &ck));
		Call(bt_cursor_value(cur, &v, &cv));
		Call(tbl_entry_key(td, ix, v, cv, k, ck, ekey, &cbE, &skip));
		if (skip)
			continue;
		Call(eng_put(d->s->eng, d->db, ix->objid, ekey, cbE, k, ck,
			     (ix->grbit & JET_bitIndexUnique) ? BT_PUT_NOOVERWRITE : 0));
	}
	if (err == JET_errRecordNotFound || err == JET_errNoCurrentRecord)
		err = JET_errSuccess;
HandleError:
	if (cur)
		bt_cursor_close(cur);
	jet_free(ekey);
	return err;
}

static JET_ERR ddl_create_index(ddl *d, const tbl_def *td, const char *name, JET_GRBIT grbit,
				const char *szKey, unsigned long cbKey, unsigned long density,
				unsigned long lcid, unsigned long cbKeyMost)
{
	JET_ERR err = JET_errSuccess;
	tbl_index ix;
	size_t cap = bt_max_key(td->page_size) / 2;

	memset(&ix, 0, sizeof(ix));
	CallR(tbl_check_name(name));
	if (grbit & ~(JET_GRBIT)INDEX_GRBITS)
		return JET_errInvalidGrbit;
	if (grbit & (JET_bitIndexTuples | JET_bitIndexTupleLimits | JET_bitIndexCrossProduct |
		     JET_bitIndexSortNullsHigh))
		return JET_wrnNyi; /* tuple, cross-product and nulls-high indexes: not implemented
				    */
	CallR(check_density(density));
	if (tbl_index_by_name(td, name))
		return JET_errIndexDuplicate;
	CallR(index_parse_key(td, szKey, cbKey, &ix));
	strcpy(ix.name, name);
	ix.grbit = grbit;
	ix.density = (uint32_t)density;
	ix.lcid = (uint32_t)lcid;
	if (grbit & JET_bitIndexKeyMost) {
		if (cbKeyMost < JET_cbKeyMostMin || cbKeyMost > cap)
			return JET_errInvalidParameter;
		ix.cbKeyMost = (uint32_t)cbKeyMost;
	} else {
		ix.cbKeyMost = (uint32_t)JET_MIN((size_t)JET_cbKeyMost, cap);
	}
	if (grbit & JET_bitIndexPrimary) {
		uint32_t root;
		bt_cursor *cur = NULL;

		if (tbl_primary(td))
			return JET_errIndexHasPrimary;
		ix.grbit |= JET_bitIndexUnique;
		ix.objid = td->objid;
		/* The records are keyed by the primary key: only an empty table
		 * can get one (as in ESE). */
		CallR(eng_read_root(&d->r, td->objid, &root));
		CallR(bt_cursor_open(eng_db_cache(d->db), root, &cur));
		err = bt_first(cur);
		bt_cursor_close(cur);
		if (err >= 0)
			return JET_errTableNotEmpty;
		if (err != JET_errRecordNotFound)
			return err;
	} else {
		CallR(eng_tree_create(d->s->eng, d->db, &ix.objid));
		CallR(index_build(d, td, &ix));
	}
	err = cat_insert_index(&d->r, d->cat, td->objid, td, &ix);
	if (err == JET_errKeyDuplicate)
		err = JET_errIndexDuplicate;
	return err;
}

/* ------------------------------------------------------------------ */
/* Tables                                                              */
/* ------------------------------------------------------------------ */

/* Reloads the table's definition as the savepoint now sees it. */
static JET_ERR ddl_load(ddl *d, uint32_t objid, tbl_def **ptd)
{
	CallR(ddl_reread(d));
	return cat_load_table(&d->r, d->cat, objid, ptd);
}

static JET_ERR ddl_finish_def(tbl_def *td, jdb *db)
{
	if (!td->rt)
		return tbl_rt_get(db, td->objid, &td->rt);
	return JET_errSuccess;
}

static JET_ERR cursor_room(api_sess *s)
{
	unsigned long maxCursors = eng_inst_params(eng_sess_inst(s->eng))->max_cursors;
	return (maxCursors && s->ncursors >= maxCursors) ? JET_errOutOfCursors : JET_errSuccess;
}

static JET_ERR create_table(api_sess *s, JET_DBID dbid, JET_TABLECREATE_A *tc, const char *name,
			    unsigned long pages, unsigned long density, JET_TABLEID *ptableid)
{
	JET_ERR err = JET_errSuccess;
	jdb *db;
	bool ro;
	ddl d;
	bool inDdl = false;
	uint32_t objid;
	tbl_def *td = NULL;
	unsigned long i;

	Call(api_db(s, dbid, &db, &ro));
	if (!name || !ptableid)
		Error(JET_errInvalidParameter);
	Call(tbl_check_name(name));
	Call(check_density(density));
	if (ro)
		Error(JET_errPermissionDenied);
	if (strcasecmp(name, CAT_TABLE_NAME) == 0)
		Error(JET_errTableDuplicate);
	Call(cursor_room(s));

	Call(ddl_begin(s, db, &d));
	inDdl = true;
	Call(eng_tree_create(s->eng, db, &objid));
	err = cat_insert_table(&d.r, d.cat, objid, name, (uint32_t)pages, (uint32_t)density,
			       tc ? tc->grbit : 0);
	if (err == JET_errKeyDuplicate)
		err = JET_errTableDuplicate;
	Call(err);
	if (tc) {
		tc->cCreated = 1;
		for (i = 0; i < tc->cColumns; i++) {
			JET_COLUMNCREATE_A *cc = &tc->rgcolumncreate[i];
			if (cc->cbStruct < sizeof(*cc))
				Error(JET_errInvalidParameter);
			if (!td)
				Call(ddl_load(&d, objid, &td));
			err = ddl_add_column(&d, td, cc->szColumnName, cc->coltyp, cc->cbMax,
					     cc->grbit, cc->cp, cc->pvDefault, cc->cbDefault,
					     &cc->columnid);
			cc->err = err;
			Call(err);
			tbl_def_release(td);
			td = NULL;
			tc->cCreated++;
		}
		for (i = 0; i < tc->cIndexes; i++) {
			JET_INDEXCREATE_A *ic = &tc->rgindexcreate[i];
			if (ic->cbStruct < offsetof(JET_INDEXCREATE_A, cbKeyMost))
				Error(JET_errInvalidParameter);
			if (ic->cConditionalColumn)
				Error(JET_wrnNyi); /* conditional indexes: not implemented */
			if (!td)
				Call(ddl_load(&d, objid, &td));
			err = ddl_create_index(&d, td, ic->szIndexName, ic->grbit, ic->szKey,
					       ic->cbKey, ic->ulDensity,
					       (ic->grbit & JET_bitIndexUnicode) ? 0 : ic->lcid,
					       ic->cbStruct >= sizeof(*ic) ? ic->cbKeyMost : 0);
			ic->err = err;
			Call(err);
			tbl_def_release(td);
			td = NULL;
			tc->cCreated++;
		}
	}
	if (td)
		tbl_def_release(td);
	td = NULL;
	Call(ddl_load(&d, objid, &td));
	Call(ddl_finish_def(td, db));
	err = ddl_end(&d, JET_errSuccess);
	inDdl = false;
	Call(err);
	Call(cursor_open(s, dbid, db, td, false, ptableid));
	err = JET_errSuccess;
HandleError:
	if (inDdl)
		err = ddl_end(&d, err);
	tbl_def_release(td);
	return err;
}

JET_ERR JET_API JetCreateTableA(JET_SESID sesid, JET_DBID dbid, const char *szTableName,
				unsigned long lPages, unsigned long lDensity, JET_TABLEID *ptableid)
{
	JET_ERR err;
	api_sess *s;

	CallR(api_enter(sesid, &s));
	err = create_table(s, dbid, NULL, szTableName, lPages, lDensity, ptableid);
	api_leave(s);
	return err;
}

JET_ERR JET_API JetCreateTableColumnIndexA(JET_SESID sesid, JET_DBID dbid, JET_TABLECREATE_A *ptc)
{
	JET_ERR err = JET_errSuccess;
	api_sess *s;

	CallR(api_enter(sesid, &s));
	if (!ptc || ptc->cbStruct < sizeof(*ptc))
		Error(JET_errInvalidParameter);
	if ((ptc->cColumns && !ptc->rgcolumncreate) || (ptc->cIndexes && !ptc->rgindexcreate))
		Error(JET_errInvalidParameter);
	if (ptc->szTemplateTableName)
		Error(JET_wrnNyi); /* template tables: not implemented */
	if (ptc->grbit & ~(JET_GRBIT)(JET_bitTableCreateFixedDDL))
		Error(JET_errInvalidGrbit);
	ptc->cCreated = 0;
	err = create_table(s, dbid, ptc, ptc->szTableName, ptc->ulPages, ptc->ulDensity,
			   &ptc->tableid);
HandleError:
	api_leave(s);
	return err;
}

JET_ERR ddl_find_table(eng_read *r, const char *name, tbl_def **ptd)
{
	tbl_def *cat;
	uint32_t objid;
	JET_ERR err;

	if (strcasecmp(name, CAT_TABLE_NAME) == 0)
		return tbl_def_catalog(r->db, ptd);
	CallR(tbl_def_catalog(r->db, &cat));
	err = cat_find_table(r, cat, name, &objid);
	tbl_def_release(cat);
	CallR(err);
	return tbl_def_get(r, objid, ptd);
}

#define OPEN_GRBITS                                                                                \
	(JET_bitTableDenyWrite | JET_bitTableDenyRead | JET_bitTableReadOnly |                     \
	 JET_bitTableUpdatable | JET_bitTablePermitDDL | JET_bitTableNoCache |                     \
	 JET_bitTablePreread | JET_bitTableSequential)

JET_ERR JET_API JetOpenTableA(JET_SESID sesid, JET_DBID dbid, const char *szTableName,
			      const void *pvParameters, unsigned long cbParameters, JET_GRBIT grbit,
			      JET_TABLEID *ptableid)
{
	JET_ERR err = JET_errSuccess;
	api_sess *s;
	jdb *db;
	bool ro, reading = false;
	eng_read r;
	tbl_def *td = NULL;

	CallR(api_enter(sesid, &s));
	if (dbid > 0 && dbid < API_MAX_DBIDS && s->dbs[dbid].used && s->dbs[dbid].ese) {
		/* A file written by Microsoft's ESE: read-only (cursor_ese.c). */
		if (!szTableName || !ptableid || (cbParameters && !pvParameters))
			Error(JET_errInvalidParameter);
		if (grbit & ~(JET_GRBIT)OPEN_GRBITS)
			Error(JET_errInvalidGrbit);
		if (grbit & JET_bitTableUpdatable)
			Error(JET_errDatabaseFileReadOnly);
		Error(cursor_open_ese(s, dbid, s->dbs[dbid].ese, szTableName, ptableid));
	}
	Call(api_db(s, dbid, &db, &ro));
	if (!szTableName || !ptableid || (cbParameters && !pvParameters))
		Error(JET_errInvalidParameter);
	if (grbit & ~(JET_GRBIT)OPEN_GRBITS)
		Error(JET_errInvalidGrbit);
	if ((grbit & JET_bitTableReadOnly) && (grbit & JET_bitTableUpdatable))
		Error(JET_errInvalidGrbit);
	Call(tbl_check_name(szTableName));
	Call(eng_read_begin(s->eng, db, &r));
	reading = true;
	Call(ddl_find_table(&r, szTableName, &td));
	if (td->system && (grbit & JET_bitTableUpdatable))
		Error(JET_errPermissionDenied);
	if (ro && (grbit & JET_bitTableUpdatable))
		Error(JET_errPermissionDenied);
	Call(cursor_open(s, dbid, db, td, ro || (grbit & JET_bitTableReadOnly), ptableid));
	{
		api_cursor *c;
		Call(api_tableid_get(s, *ptableid, &c));
		err = cursor_deny(c, grbit);
		if (err < 0) {
			cursor_close(c);
			*ptableid = JET_tableidNil;
		}
	}
HandleError:
	if (reading)
		eng_read_end(&r);
	tbl_def_release(td);
	api_leave(s);
	return err;
}

JET_ERR JET_API JetCloseTable(JET_SESID sesid, JET_TABLEID tableid)
{
	JET_ERR err = JET_errSuccess;
	api_sess *s;
	api_cursor *c;

	CallR(api_enter(sesid, &s));
	Call(api_tableid_get_any(s, tableid, &c));
	cursor_close(c);
HandleError:
	api_leave(s);
	return err;
}

JET_ERR JET_API JetDeleteTableA(JET_SESID sesid, JET_DBID dbid, const char *szTableName)
{
	JET_ERR err = JET_errSuccess;
	api_sess *s;
	jdb *db;
	bool ro, inDdl = false;
	ddl d;
	tbl_def *td = NULL;
	uint32_t i;

	CallR(api_enter(sesid, &s));
	Call(api_db(s, dbid, &db, &ro));
	if (!szTableName)
		Error(JET_errInvalidParameter);
	Call(tbl_check_name(szTableName));
	if (strcasecmp(szTableName, CAT_TABLE_NAME) == 0)
		Error(JET_errCannotDeleteSystemTable);
	if (ro)
		Error(JET_errPermissionDenied);
	Call(ddl_begin(s, db, &d));
	inDdl = true;
	Call(ddl_find_table(&d.r, szTableName, &td));
	if (td->rt && __atomic_load_n(&td->rt->nopen, __ATOMIC_ACQUIRE) > 0)
		Error(JET_errTableInUse);
	Call(cat_delete_table(&d.r, d.cat, td->objid));
	for (i = 0; i < td->nidx; i++)
		if ((int)i != td->iprimary)
			Call(eng_tree_drop(s->eng, db, td->idx[i].objid));
	if (td->lv_objid)
		Call(eng_tree_drop(s->eng, db, td->lv_objid)); /* its long values */
	Call(eng_tree_drop(s->eng, db, td->objid));
HandleError:
	if (inDdl)
		err = ddl_end(&d, err);
	tbl_def_release(td);
	api_leave(s);
	return err;
}

JET_ERR ddl_cursor_reload(api_cursor *c)
{
	JET_ERR err = JET_errSuccess;
	eng_read r;
	tbl_def *td = NULL;

	CallR(eng_read_begin(c->sess->eng, c->db, &r));
	Call(tbl_def_get(&r, c->td->objid, &td));
	cursor_set_def(c, td);
HandleError:
	eng_read_end(&r);
	tbl_def_release(td);
	return err;
}

JET_ERR ddl_cursor_check(api_cursor *c)
{
	if (c->readonly || c->td->system)
		return JET_errPermissionDenied;
	if (c->tt)
		return JET_errInvalidOperation; /* a temporary table has no catalog */
	if (c->prep != CUR_PREP_NONE)
		return JET_errAlreadyPrepared;
	return JET_errSuccess;
}

JET_ERR JET_API JetAddColumnA(JET_SESID sesid, JET_TABLEID tableid, JET_PCSTR szColumnName,
			      const JET_COLUMNDEF *pcolumndef, const void *pvDefault,
			      unsigned long cbDefault, JET_COLUMNID *pcolumnid)
{
	JET_ERR err = JET_errSuccess;
	api_sess *s;
	api_cursor *c;
	ddl d;
	bool inDdl = false;
	tbl_def *td = NULL;
	JET_COLUMNID id = 0;

	CallR(api_enter(sesid, &s));
	Call(api_tableid_get(s, tableid, &c));
	if (!szColumnName || !pcolumndef)
		Error(JET_errInvalidParameter);
	if (pcolumndef->cbStruct < sizeof(JET_COLUMNDEF))
		Error(JET_errInvalidParameter);
	Call(ddl_cursor_check(c));
	Call(ddl_begin(s, c->db, &d));
	inDdl = true;
	Call(cat_load_table(&d.r, d.cat, c->td->objid, &td));
	Call(ddl_add_column(&d, td, szColumnName, pcolumndef->coltyp, pcolumndef->cbMax,
			    pcolumndef->grbit, pcolumndef->cp, pvDefault, cbDefault, &id));
	err = ddl_end(&d, JET_errSuccess);
	inDdl = false;
	Call(err);
	Call(ddl_cursor_reload(c));
	if (pcolumnid)
		*pcolumnid = id;
HandleError:
	if (inDdl)
		err = ddl_end(&d, err);
	tbl_def_release(td);
	api_leave(s);
	return err;
}

static JET_ERR create_indexes(api_sess *s, api_cursor *c, JET_INDEXCREATE_A *rg, unsigned long n,
			      const char *name, JET_GRBIT grbit, const char *szKey,
			      unsigned long cbKey, unsigned long density)
{
	JET_ERR err = JET_errSuccess;
	ddl d;
	bool inDdl = false;
	tbl_def *td = NULL;
	unsigned long i;

	Call(ddl_cursor_check(c));
	Call(ddl_begin(s, c->db, &d));
	inDdl = true;
	if (!rg) {
		Call(cat_load_table(&d.r, d.cat, c->td->objid, &td));
		Call(ddl_create_index(&d, td, name, grbit, szKey, cbKey, density, 0, 0));
	} else {
		for (i = 0; i < n; i++) {
			JET_INDEXCREATE_A *ic = &rg[i];
			if (ic->cbStruct < offsetof(JET_INDEXCREATE_A, cbKeyMost))
				Error(JET_errInvalidParameter);
			if (ic->cConditionalColumn)
				Error(JET_wrnNyi); /* conditional indexes: not implemented */
			Call(ddl_load(&d, c->td->objid, &td));
			err = ddl_create_index(&d, td, ic->szIndexName, ic->grbit, ic->szKey,
					       ic->cbKey, ic->ulDensity,
					       (ic->grbit & JET_bitIndexUnicode) ? 0 : ic->lcid,
					       ic->cbStruct >= sizeof(*ic) ? ic->cbKeyMost : 0);
			ic->err = err;
			Call(err);
			tbl_def_release(td);
			td = NULL;
		}
	}
	err = ddl_end(&d, JET_errSuccess);
	inDdl = false;
	Call(err);
	Call(ddl_cursor_reload(c));
HandleError:
	if (inDdl)
		err = ddl_end(&d, err);
	tbl_def_release(td);
	return err;
}

JET_ERR JET_API JetCreateIndexA(JET_SESID sesid, JET_TABLEID tableid, JET_PCSTR szIndexName,
				JET_GRBIT grbit, const char *szKey, unsigned long cbKey,
				unsigned long lDensity)
{
	JET_ERR err = JET_errSuccess;
	api_sess *s;
	api_cursor *c;

	CallR(api_enter(sesid, &s));
	Call(api_tableid_get(s, tableid, &c));
	if (!szIndexName || !szKey)
		Error(JET_errInvalidParameter);
	err = create_indexes(s, c, NULL, 0, szIndexName, grbit, szKey, cbKey, lDensity);
HandleError:
	api_leave(s);
	return err;
}

JET_ERR JET_API JetCreateIndex2A(JET_SESID sesid, JET_TABLEID tableid,
				 JET_INDEXCREATE_A *pindexcreate, unsigned long cIndexCreate)
{
	JET_ERR err = JET_errSuccess;
	api_sess *s;
	api_cursor *c;

	CallR(api_enter(sesid, &s));
	Call(api_tableid_get(s, tableid, &c));
	if (!pindexcreate || cIndexCreate == 0)
		Error(JET_errInvalidParameter);
	err = create_indexes(s, c, pindexcreate, cIndexCreate, NULL, 0, NULL, 0, 0);
HandleError:
	api_leave(s);
	return err;
}

/* ------------------------------------------------------------------ */
/* Current index                                                       */
/* ------------------------------------------------------------------ */

static JET_ERR set_current_index(JET_SESID sesid, JET_TABLEID tableid, const char *name,
				 JET_GRBIT grbit, unsigned long itag)
{
	JET_ERR err = JET_errSuccess;
	api_sess *s;
	api_cursor *c;
	const tbl_index *ix;
	eng_read r;
	bool reading = false;

	CallR(api_enter(sesid, &s));
	Call(api_tableid_get(s, tableid, &c));
	if (grbit & ~(JET_GRBIT)(JET_bitMoveFirst | JET_bitNoMove))
		Error(JET_errInvalidGrbit);
	if (itag > 1)
		Error(JET_wrnNyi); /* positioning on other multi-values: not implemented */
	if (!name || !*name) {
		ix = tbl_primary(c->td);
	} else {
		ix = tbl_index_by_name(c->td, name);
		if (!ix)
			Error(JET_errIndexNotFound);
	}
	if (c->prep != CUR_PREP_NONE)
		Error(JET_errAlreadyPrepared);
	if (!c->tt) { /* a temporary table reads no database */
		Call(eng_read_begin(s->eng, c->db, &r));
		reading = true;
	}
	Call(cursor_set_index(c, &r, ix, (grbit & JET_bitNoMove) != 0));
HandleError:
	if (reading) {
		cursor_park(c, &r);
		eng_read_end(&r);
	}
	api_leave(s);
	return err;
}

JET_ERR JET_API JetSetCurrentIndexA(JET_SESID sesid, JET_TABLEID tableid, const char *szIndexName)
{
	return set_current_index(sesid, tableid, szIndexName, JET_bitMoveFirst, 1);
}

JET_ERR JET_API JetSetCurrentIndex2A(JET_SESID sesid, JET_TABLEID tableid, JET_PCSTR szIndexName,
				     JET_GRBIT grbit)
{
	return set_current_index(sesid, tableid, szIndexName, grbit, 1);
}

JET_ERR JET_API JetSetCurrentIndex3A(JET_SESID sesid, JET_TABLEID tableid, JET_PCSTR szIndexName,
				     JET_GRBIT grbit, unsigned long itagSequence)
{
	return set_current_index(sesid, tableid, szIndexName, grbit, itagSequence);
}

JET_ERR JET_API JetSetCurrentIndex4A(JET_SESID sesid, JET_TABLEID tableid, JET_PCSTR szIndexName,
				     JET_INDEXID *pindexid, JET_GRBIT grbit,
				     unsigned long itagSequence)
{
	(void)pindexid; /* an optimization hint in ESE; the name decides here */
	return set_current_index(sesid, tableid, szIndexName, grbit, itagSequence);
}

JET_ERR JET_API JetGetCurrentIndexA(JET_SESID sesid, JET_TABLEID tableid, JET_PSTR szIndexName,
				    unsigned long cchIndexName)
{
	JET_ERR err = JET_errSuccess;
	api_sess *s;
	api_cursor *c;
	const char *name;
	size_t n;

	CallR(api_enter(sesid, &s));
	Call(api_tableid_get(s, tableid, &c));
	if (!szIndexName || cchIndexName == 0)
		Error(JET_errInvalidParameter);
	name = c->ix ? c->ix->name : "";
	n = strlen(name);
	if (n + 1 > cchIndexName) {
		/* ESE truncates the name and warns. */
		memcpy(szIndexName, name, cchIndexName - 1);
		szIndexName[cchIndexName - 1] = 0;
		Error(JET_wrnBufferTruncated);
	}
	memcpy(szIndexName, name, n + 1);
HandleError:
	api_leave(s);
	return err;
}
