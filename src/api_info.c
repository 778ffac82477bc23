/*
 * api_info.c - schema information: JetGetTableColumnInfo, JetGetColumnInfo,
 * JetGetTableIndexInfo, JetGetIndexInfo, JetGetTableInfo, JetGetObjectInfo.
 *
 * The list levels (JET_ColInfoList, JET_IdxInfoList, JET_ObjInfoList...)
 * answer, as ESE does, with a table the caller walks with JetMove and
 * JetRetrieveColumn and closes with JetCloseTable; the JET_COLUMNLIST /
 * JET_INDEXLIST / JET_OBJECTLIST filled in names that table and the column
 * ids of its columns. Ours is a list table (cursor.h): rows in memory,
 * read-only, built here from the definition the call sees.
 *
 * Row order follows ESE's temporary tables: columns by name
 * (JET_ColInfoListSortColumnid: by column id), indexes by name then key
 * column, tables by name. Comparisons of names are case-insensitive, as
 * the names themselves are.
 *
 * Statistics. We keep none: the cKey/cEntry/cPage of an index list and the
 * cRecord/cPage of an object list or JET_OBJECTINFO are 0 (ESE's are the
 * ones JetComputeStats last gathered, so programs may not rely on them
 * either). JET_OBJECTINFO.dtUpdate is the table's last change (the commit
 * time the engine records per tree); dtCreate is not recorded (0).
 */
#include <stdlib.h>
#include <strings.h>

#include "api_ddl.h"
#include "btree.h"
#include "temptable.h"

/* ------------------------------------------------------------------ */
/* List tables                                                        */
/* ------------------------------------------------------------------ */

typedef struct list_col {
	const char *name;
	JET_COLTYP coltyp;
} list_col;

typedef struct list_build {
	tbl_def *td;
	cursor_mem *mem;
	JET_COLUMNID *ids; /* of each list_col, as laid out */
	uint32_t n;
	rec_edit *e;
} list_build;

/* A definition for a list of n columns: fixed-size types get fixed ids,
 * Text variable ones, LongBinary tagged ones, in the order given. */
static JET_ERR list_begin(jdb *db, const char *name, const list_col *lc, uint32_t n,
			  JET_COLUMNID *ids, list_build *b)
{
	JET_ERR err = JET_errSuccess;
	JET_COLUMNID nextFixed = REC_FIXED_FIRST, nextVar = REC_VAR_FIRST,
		     nextTagged = REC_TAGGED_FIRST;
	uint32_t i;
	tbl_def *td = NULL;

	memset(b, 0, sizeof(*b));
	Call(tbl_def_alloc(&td));
	strcpy(td->name, name);
	td->system = true;
	td->cols = jet_calloc(n, sizeof(tbl_column));
	if (!td->cols)
		Error(JET_errOutOfMemory);
	td->ncols = n;
	for (i = 0; i < n; i++) {
		tbl_column *c = &td->cols[i];
		c->rc.coltyp = lc[i].coltyp;
		if (rec_coltyp_fixed_size(lc[i].coltyp)) {
			c->rc.columnid = nextFixed++;
			c->rc.grbit = JET_bitColumnFixed;
		} else if (lc[i].coltyp == JET_coltypText) {
			c->rc.columnid = nextVar++;
			c->rc.cbMax = JET_cbColumnMost;
			c->cp = 1252;
		} else {
			c->rc.columnid = nextTagged++;
			c->rc.grbit = JET_bitColumnTagged;
		}
		strcpy(c->name, lc[i].name);
		ids[i] = c->rc.columnid;
	}
	Call(tbl_def_finalize(td, eng_db_page_size(db)));
	Call(cursor_mem_new(&b->mem));
	b->td = td;
	b->ids = ids;
	b->n = n;
	return JET_errSuccess;
HandleError:
	tbl_def_release(td);
	return err;
}

static void list_free(list_build *b)
{
	rec_edit_free(b->e);
	b->e = NULL;
	if (b->mem)
		cursor_mem_release(b->mem);
	b->mem = NULL;
	tbl_def_release(b->td);
	b->td = NULL;
}

static JET_ERR list_row_begin(list_build *b)
{
	rec_edit_free(b->e);
	b->e = NULL;
	return rec_edit_begin(&b->td->schema, NULL, 0, &b->e);
}

static JET_ERR list_set(list_build *b, uint32_t i, const void *pv, size_t cb)
{
	if (!pv)
		return JET_errSuccess; /* NULL */
	return rec_edit_set(b->e, b->ids[i], 1, pv, cb, cb ? 0 : JET_bitSetZeroLength, 0);
}

static JET_ERR list_long(list_build *b, uint32_t i, unsigned long v)
{
	int32_t l = (int32_t)(uint32_t)v;
	return list_set(b, i, &l, 4);
}

static JET_ERR list_short(list_build *b, uint32_t i, unsigned v)
{
	int16_t h = (int16_t)v;
	return list_set(b, i, &h, 2);
}

static JET_ERR list_text(list_build *b, uint32_t i, const char *sz)
{
	return list_set(b, i, sz, strlen(sz));
}

static JET_ERR list_row_end(list_build *b)
{
	const uint8_t *rec;
	size_t cb;

	CallR(rec_edit_encode(b->e, &rec, &cb));
	return cursor_mem_add(b->mem, rec, cb);
}

/* Opens the list's cursor (the builder is spent either way). */
static JET_ERR list_open(api_sess *s, JET_DBID dbid, jdb *db, list_build *b,
			 JET_TABLEID *ptableid, unsigned long *pcRecord)
{
	JET_ERR err;
	cursor_mem *m = b->mem;

	*pcRecord = cursor_mem_count(m);
	b->mem = NULL;
	err = cursor_open_mem(s, dbid, db, b->td, m, ptableid);
	list_free(b);
	return err;
}

/* ------------------------------------------------------------------ */
/* Columns                                                            */
/* ------------------------------------------------------------------ */

static bool coltyp_long(JET_COLTYP t)
{
	return t == JET_coltypLongText || t == JET_coltypLongBinary;
}

/* cbMax as JET_COLUMNDEF reports it. */
static unsigned long column_cbmax(const tbl_column *col)
{
	uint32_t cbFixed = rec_coltyp_fixed_size(col->rc.coltyp);

	if (col->rc.cbMax)
		return col->rc.cbMax;
	if (cbFixed)
		return cbFixed;
	return coltyp_long(col->rc.coltyp) ? 0 : JET_cbColumnMost;
}

enum {
	CL_ORDER,
	CL_NAME,
	CL_ID,
	CL_COLTYP,
	CL_COUNTRY,
	CL_LANGID,
	CL_CP,
	CL_COLLATE,
	CL_CBMAX,
	CL_GRBIT,
	CL_DEFAULT,
	CL_BASETABLE,
	CL_BASECOLUMN,
	CL_DEFNAME,
	CL_N
};

static const list_col colinfo_cols[CL_N] = {
    {"PresentationOrder", JET_coltypLong},
    {"ColumnName", JET_coltypText},
    {"ColumnId", JET_coltypLong},
    {"ColumnType", JET_coltypLong},
    {"CountryCode", JET_coltypShort},
    {"LangId", JET_coltypShort},
    {"Cp", JET_coltypShort},
    {"Collate", JET_coltypShort},
    {"ColumnSize", JET_coltypLong},
    {"Grbit", JET_coltypLong},
    {"DefaultValue", JET_coltypLongBinary},
    {"BaseTableName", JET_coltypText},
    {"BaseColumnName", JET_coltypText},
    {"DefinitionName", JET_coltypText},
};

static int col_name_cmp(const void *a, const void *b)
{
	const tbl_column *x = *(const tbl_column *const *)a, *y = *(const tbl_column *const *)b;
	int d = strcasecmp(x->name, y->name);
	return d ? d : (x->rc.columnid > y->rc.columnid) - (x->rc.columnid < y->rc.columnid);
}

static int col_id_cmp(const void *a, const void *b)
{
	const tbl_column *x = *(const tbl_column *const *)a, *y = *(const tbl_column *const *)b;
	return (x->rc.columnid > y->rc.columnid) - (x->rc.columnid < y->rc.columnid);
}

static JET_ERR column_list(api_sess *s, JET_DBID dbid, jdb *db, const tbl_def *td,
			   void *pvResult, unsigned long cbMax, unsigned long InfoLevel)
{
	JET_ERR err = JET_errSuccess;
	JET_COLUMNLIST *cl = pvResult;
	JET_COLUMNID ids[CL_N];
	list_build b;
	const tbl_column **order = NULL;
	bool full = InfoLevel != JET_ColInfoListCompact;
	uint32_t i;
	JET_TABLEID tableid;
	unsigned long n;

	if (cbMax < sizeof(JET_COLUMNLIST))
		return JET_errInvalidBufferSize;
	CallR(list_begin(db, "ColumnList", colinfo_cols, CL_N, ids, &b));
	order = jet_malloc((td->ncols ? td->ncols : 1) * sizeof(*order));
	if (!order)
		Error(JET_errOutOfMemory);
	for (i = 0; i < td->ncols; i++)
		order[i] = &td->cols[i];
	qsort(order, td->ncols, sizeof(*order),
	      InfoLevel == JET_ColInfoListSortColumnid ? col_id_cmp : col_name_cmp);
	for (i = 0; i < td->ncols; i++) {
		const tbl_column *c = order[i];
		Call(list_row_begin(&b));
		Call(list_long(&b, CL_ORDER, (unsigned long)(c - td->cols)));
		Call(list_text(&b, CL_NAME, c->name));
		Call(list_long(&b, CL_ID, c->rc.columnid));
		Call(list_long(&b, CL_COLTYP, c->rc.coltyp));
		Call(list_short(&b, CL_COUNTRY, 0));
		Call(list_short(&b, CL_LANGID, 0));
		Call(list_short(&b, CL_CP, c->cp));
		Call(list_short(&b, CL_COLLATE, 0));
		Call(list_long(&b, CL_CBMAX, column_cbmax(c)));
		Call(list_long(&b, CL_GRBIT, c->rc.grbit));
		if (full) {
			if (c->pvDefault)
				Call(list_set(&b, CL_DEFAULT, c->pvDefault, c->cbDefault));
			Call(list_text(&b, CL_BASETABLE, td->name));
			Call(list_text(&b, CL_BASECOLUMN, c->name));
		}
		Call(list_row_end(&b));
	}
	Call(list_open(s, dbid, db, &b, &tableid, &n));
	memset(cl, 0, sizeof(*cl));
	cl->cbStruct = sizeof(*cl);
	cl->tableid = tableid;
	cl->cRecord = n;
	cl->columnidPresentationOrder = ids[CL_ORDER];
	cl->columnidcolumnname = ids[CL_NAME];
	cl->columnidcolumnid = ids[CL_ID];
	cl->columnidcoltyp = ids[CL_COLTYP];
	cl->columnidCountry = ids[CL_COUNTRY];
	cl->columnidLangid = ids[CL_LANGID];
	cl->columnidCp = ids[CL_CP];
	cl->columnidCollate = ids[CL_COLLATE];
	cl->columnidcbMax = ids[CL_CBMAX];
	cl->columnidgrbit = ids[CL_GRBIT];
	cl->columnidDefault = ids[CL_DEFAULT];
	cl->columnidBaseTableName = ids[CL_BASETABLE];
	cl->columnidBaseColumnName = ids[CL_BASECOLUMN];
	cl->columnidDefinitionName = ids[CL_DEFNAME];
HandleError:
	jet_free(order);
	list_free(&b);
	return err;
}

static bool column_list_level(unsigned long InfoLevel)
{
	return InfoLevel == JET_ColInfoList || InfoLevel == JET_ColInfoListCompact ||
	       InfoLevel == JET_ColInfoListSortColumnid;
}

static JET_ERR column_info(api_sess *s, JET_DBID dbid, jdb *db, const tbl_def *td,
			   const char *szColumnName, void *pvResult, unsigned long cbMax,
			   unsigned long InfoLevel)
{
	const tbl_column *col;

	if (!pvResult)
		return JET_errInvalidParameter;
	if (column_list_level(InfoLevel))
		return column_list(s, dbid, db, td, pvResult, cbMax, InfoLevel);
	if (!szColumnName)
		return JET_errInvalidParameter;
	switch (InfoLevel) {
	case JET_ColInfo:
	case JET_ColInfoBase:
		col = tbl_column_by_name(td, szColumnName);
		break;
	case JET_ColInfoByColid:
	case JET_ColInfoBaseByColid:
		col = tbl_column_by_id(td, *(const JET_COLUMNID *)(const void *)szColumnName);
		break;
	case JET_ColInfoSysTabCursor:
		return JET_wrnNyi; /* a cursor on the catalog: open MSysObjects instead */
	default:
		return JET_errInvalidParameter;
	}
	if (!col)
		return JET_errColumnNotFound;
	if (InfoLevel == JET_ColInfo || InfoLevel == JET_ColInfoByColid) {
		JET_COLUMNDEF *cd = pvResult;
		if (cbMax < sizeof(*cd))
			return JET_errInvalidBufferSize;
		memset(cd, 0, sizeof(*cd));
		cd->cbStruct = sizeof(*cd);
		cd->columnid = col->rc.columnid;
		cd->coltyp = col->rc.coltyp;
		cd->cp = col->cp;
		cd->cbMax = column_cbmax(col);
		cd->grbit = col->rc.grbit;
	} else {
		JET_COLUMNBASE_A *cb = pvResult;
		if (cbMax < sizeof(*cb))
			return JET_errInvalidBufferSize;
		memset(cb, 0, sizeof(*cb));
		cb->cbStruct = sizeof(*cb);
		cb->columnid = col->rc.columnid;
		cb->coltyp = col->rc.coltyp;
		cb->cp = col->cp;
		cb->cbMax = col->rc.cbMax;
		cb->grbit = col->rc.grbit;
		strcpy(cb->szBaseTableName, td->name);
		strcpy(cb->szBaseColumnName, col->name);
	}
	return JET_errSuccess;
}

JET_ERR JET_API JetGetTableColumnInfoA(JET_SESID sesid, JET_TABLEID tableid,
				       const char *szColumnName, void *pvResult,
				       unsigned long cbMax, unsigned long InfoLevel)
{
	JET_ERR err = JET_errSuccess;
	api_sess *s;
	api_cursor *c;

	CallR(api_enter(sesid, &s));
	Call(api_tableid_get_any(s, tableid, &c));
	/* A table of an ESE file (cursor_ese.c) answers single columns; the
	 * list levels need a database for their temporary list. */
	if (c->ese && column_list_level(InfoLevel))
		Error(JET_errFeatureNotAvailable);
	err = column_info(s, c->dbid, c->db, c->td, szColumnName, pvResult, cbMax, InfoLevel);
HandleError:
	api_leave(s);
	return err;
}

/* Runs fn on table szTableName of dbid as the session sees it now. */
typedef JET_ERR (*table_fn)(api_sess *s, JET_DBID dbid, jdb *db, eng_read *r, tbl_def *td,
			    void *ctx);

static JET_ERR with_table(JET_SESID sesid, JET_DBID dbid, const char *szTableName, table_fn fn,
			  void *ctx)
{
	JET_ERR err = JET_errSuccess;
	api_sess *s;
	jdb *db;
	bool ro, reading = false;
	eng_read r;
	tbl_def *td = NULL;

	CallR(api_enter(sesid, &s));
	Call(api_db(s, dbid, &db, &ro));
	if (!szTableName)
		Error(JET_errInvalidParameter);
	Call(tbl_check_name(szTableName));
	Call(eng_read_begin(s->eng, db, &r));
	reading = true;
	Call(ddl_find_table(&r, szTableName, &td));
	err = fn(s, dbid, db, &r, td, ctx);
HandleError:
	if (reading)
		eng_read_end(&r);
	tbl_def_release(td);
	api_leave(s);
	return err;
}

typedef struct info_args {
	const char *szName;
	void *pvResult;
	unsigned long cbMax;
	unsigned long InfoLevel;
} info_args;

static JET_ERR column_info_fn(api_sess *s, JET_DBID dbid, jdb *db, eng_read *r, tbl_def *td,
			      void *ctx)
{
	info_args *a = ctx;
	(void)r;
	return column_info(s, dbid, db, td, a->szName, a->pvResult, a->cbMax, a->InfoLevel);
}

JET_ERR JET_API JetGetColumnInfoA(JET_SESID sesid, JET_DBID dbid, const char *szTableName,
				  const char *szColumnName, void *pvResult, unsigned long cbMax,
				  unsigned long InfoLevel)
{
	info_args a = {szColumnName, pvResult, cbMax, InfoLevel};
	return with_table(sesid, dbid, szTableName, column_info_fn, &a);
}

/* ------------------------------------------------------------------ */
/* Indexes                                                            */
/* ------------------------------------------------------------------ */

enum {
	IL_NAME,
	IL_GRBIT,
	IL_CKEY,
	IL_CENTRY,
	IL_CPAGE,
	IL_CCOLUMN,
	IL_ICOLUMN,
	IL_COLUMNID,
	IL_COLTYP,
	IL_COUNTRY,
	IL_LANGID,
	IL_CP,
	IL_COLLATE,
	IL_GRBITCOLUMN,
	IL_COLUMNNAME,
	IL_LCMAPFLAGS,
	IL_N
};

static const list_col idxinfo_cols[IL_N] = {
    {"IndexName", JET_coltypText},    {"IndexGrbit", JET_coltypLong},
    {"cKey", JET_coltypLong},         {"cEntry", JET_coltypLong},
    {"cPage", JET_coltypLong},        {"cColumn", JET_coltypLong},
    {"iColumn", JET_coltypLong},      {"ColumnId", JET_coltypLong},
    {"ColumnType", JET_coltypLong},   {"CountryCode", JET_coltypShort},
    {"LangId", JET_coltypShort},      {"Cp", JET_coltypShort},
    {"Collate", JET_coltypShort},     {"ColumnGrbit", JET_coltypLong},
    {"ColumnName", JET_coltypText},   {"LCMapFlags", JET_coltypLong},
};

static int idx_name_cmp(const void *a, const void *b)
{
	const tbl_index *x = *(const tbl_index *const *)a, *y = *(const tbl_index *const *)b;
	return strcasecmp(x->name, y->name);
}

static JET_ERR index_list(api_sess *s, JET_DBID dbid, jdb *db, const tbl_def *td,
			  const tbl_index *only, void *pvResult, unsigned long cbMax)
{
	JET_ERR err = JET_errSuccess;
	JET_INDEXLIST *il = pvResult;
	JET_COLUMNID ids[IL_N];
	list_build b;
	const tbl_index **order = NULL;
	uint32_t i, j, nix = 0;
	JET_TABLEID tableid;
	unsigned long n;

	if (cbMax < sizeof(JET_INDEXLIST))
		return JET_errInvalidBufferSize;
	CallR(list_begin(db, "IndexList", idxinfo_cols, IL_N, ids, &b));
	order = jet_malloc((td->nidx ? td->nidx : 1) * sizeof(*order));
	if (!order)
		Error(JET_errOutOfMemory);
	for (i = 0; i < td->nidx; i++)
		if (!only || &td->idx[i] == only)
			order[nix++] = &td->idx[i];
	qsort(order, nix, sizeof(*order), idx_name_cmp);
	for (i = 0; i < nix; i++) {
		const tbl_index *ix = order[i];
		for (j = 0; j < ix->nseg; j++) {
			const tbl_column *c = &td->cols[ix->seg[j].icol];
			Call(list_row_begin(&b));
			Call(list_text(&b, IL_NAME, ix->name));
			Call(list_long(&b, IL_GRBIT, ix->grbit));
			Call(list_long(&b, IL_CKEY, 0));
			Call(list_long(&b, IL_CENTRY, 0));
			Call(list_long(&b, IL_CPAGE, 0));
			Call(list_long(&b, IL_CCOLUMN, ix->nseg));
			Call(list_long(&b, IL_ICOLUMN, j));
			Call(list_long(&b, IL_COLUMNID, c->rc.columnid));
			Call(list_long(&b, IL_COLTYP, c->rc.coltyp));
			Call(list_short(&b, IL_COUNTRY, 0));
			Call(list_short(&b, IL_LANGID, 0));
			Call(list_short(&b, IL_CP, c->cp));
			Call(list_short(&b, IL_COLLATE, 0));
			Call(list_long(&b, IL_GRBITCOLUMN,
				       ix->seg[j].descending ? JET_bitKeyDescending
							     : JET_bitKeyAscending));
			Call(list_text(&b, IL_COLUMNNAME, c->name));
			Call(list_long(&b, IL_LCMAPFLAGS, 0));
			Call(list_row_end(&b));
		}
	}
	Call(list_open(s, dbid, db, &b, &tableid, &n));
	memset(il, 0, sizeof(*il));
	il->cbStruct = sizeof(*il);
	il->tableid = tableid;
	il->cRecord = n;
	il->columnidindexname = ids[IL_NAME];
	il->columnidgrbitIndex = ids[IL_GRBIT];
	il->columnidcKey = ids[IL_CKEY];
	il->columnidcEntry = ids[IL_CENTRY];
	il->columnidcPage = ids[IL_CPAGE];
	il->columnidcColumn = ids[IL_CCOLUMN];
	il->columnidiColumn = ids[IL_ICOLUMN];
	il->columnidcolumnid = ids[IL_COLUMNID];
	il->columnidcoltyp = ids[IL_COLTYP];
	il->columnidCountry = ids[IL_COUNTRY];
	il->columnidLangid = ids[IL_LANGID];
	il->columnidCp = ids[IL_CP];
	il->columnidCollate = ids[IL_COLLATE];
	il->columnidgrbitColumn = ids[IL_GRBITCOLUMN];
	il->columnidcolumnname = ids[IL_COLUMNNAME];
	il->columnidLCMapFlags = ids[IL_LCMAPFLAGS];
HandleError:
	jet_free(order);
	list_free(&b);
	return err;
}

static JET_ERR put_ulong(void *pv, unsigned long cb, unsigned long v)
{
	if (cb < sizeof(unsigned long))
		return JET_errInvalidBufferSize;
	memcpy(pv, &v, sizeof(v));
	return JET_errSuccess;
}

/* JET_IdxInfoCreateIndex: a JET_INDEXCREATE that JetCreateIndex2 would
 * take to make the index again, its name and key string stored after it
 * in the caller's buffer (as ESE does). Too small: JET_errBufferTooSmall. */
static JET_ERR index_create_info(const tbl_def *td, const tbl_index *ix, void *pvResult,
				 unsigned long cbResult)
{
	JET_INDEXCREATE_A *ic = pvResult;
	char *p = (char *)(ic + 1);
	size_t cbName = strlen(ix->name) + 1, cbKey = 1, need;
	uint32_t i;

	for (i = 0; i < ix->nseg; i++)
		cbKey += strlen(td->cols[ix->seg[i].icol].name) + 2; /* sign, NUL */
	need = sizeof(*ic) + cbName + cbKey;
	if (cbResult < need)
		return JET_errBufferTooSmall;
	memset(ic, 0, sizeof(*ic));
	ic->cbStruct = sizeof(*ic);
	ic->szIndexName = p;
	memcpy(p, ix->name, cbName);
	p += cbName;
	ic->szKey = p;
	for (i = 0; i < ix->nseg; i++) {
		const char *name = td->cols[ix->seg[i].icol].name;
		*p++ = ix->seg[i].descending ? '-' : '+';
		memcpy(p, name, strlen(name) + 1);
		p += strlen(name) + 1;
	}
	*p = 0;
	ic->cbKey = (unsigned long)cbKey;
	ic->grbit = ix->grbit & ~(JET_GRBIT)JET_bitIndexUnicode;
	ic->ulDensity = ix->density ? ix->density : 80;
	ic->lcid = ix->lcid ? ix->lcid : 0x409;
	ic->cbKeyMost = ix->cbKeyMost;
	ic->err = JET_errSuccess;
	return JET_errSuccess;
}

static JET_ERR index_info(api_sess *s, JET_DBID dbid, jdb *db, const tbl_def *td,
			  const char *szIndexName, void *pvResult, unsigned long cbResult,
			  unsigned long InfoLevel)
{
	const tbl_index *ix = NULL;

	if (!pvResult)
		return JET_errInvalidParameter;
	if (szIndexName && *szIndexName) {
		ix = tbl_index_by_name(td, szIndexName);
		if (!ix)
			return JET_errIndexNotFound;
	}
	switch (InfoLevel) {
	case JET_IdxInfo:
	case JET_IdxInfoList:
		return index_list(s, dbid, db, td, ix, pvResult, cbResult);
	case JET_IdxInfoCount:
		return put_ulong(pvResult, cbResult, td->nidx);
	default:
		break;
	}
	/* The levels about one index: no name means the clustered one. */
	if (!ix)
		ix = tbl_primary(td);
	if (!ix)
		return JET_errIndexNotFound;
	switch (InfoLevel) {
	case JET_IdxInfoKeyMost:
	case JET_IdxInfoVarSegMac:
		return put_ulong(pvResult, cbResult, ix->cbKeyMost);
	case JET_IdxInfoLCID:
		return put_ulong(pvResult, cbResult, ix->lcid ? ix->lcid : 0x409);
	case JET_IdxInfoSpaceAlloc:
		return put_ulong(pvResult, cbResult, ix->density ? ix->density : 80);
	case JET_IdxInfoIndexId: {
		JET_INDEXID *id = pvResult;
		if (cbResult < sizeof(*id))
			return JET_errInvalidBufferSize;
		memset(id, 0, sizeof(*id));
		id->cbStruct = sizeof(*id);
		memcpy(id->rgbIndexId, &ix->objid, sizeof(ix->objid));
		return JET_errSuccess;
	}
	case JET_IdxInfoCreateIndex:
		return index_create_info(td, ix, pvResult, cbResult);
	case JET_IdxInfoSysTabCursor:
	case JET_IdxInfoOLC:
	case JET_IdxInfoResetOLC:
	case JET_IdxInfoCreateIndex2:
		return JET_wrnNyi; /* not implemented (no JET_INDEXCREATE2, no OLC) */
	default:
		return JET_errInvalidParameter;
	}
}

JET_ERR JET_API JetGetTableIndexInfoA(JET_SESID sesid, JET_TABLEID tableid,
				      const char *szIndexName, void *pvResult,
				      unsigned long cbResult, unsigned long InfoLevel)
{
	JET_ERR err = JET_errSuccess;
	api_sess *s;
	api_cursor *c;

	CallR(api_enter(sesid, &s));
	Call(api_tableid_get_any(s, tableid, &c));
	/* A table of an ESE file: the index levels build their answers from
	 * our catalog (c->db), which such a file does not have; not done yet,
	 * and a read, so not JET_errDatabaseFileReadOnly. */
	if (c->ese)
		Error(JET_errFeatureNotAvailable);
	err = index_info(s, c->dbid, c->db, c->td, szIndexName, pvResult, cbResult, InfoLevel);
HandleError:
	api_leave(s);
	return err;
}

static JET_ERR index_info_fn(api_sess *s, JET_DBID dbid, jdb *db, eng_read *r, tbl_def *td,
			     void *ctx)
{
	info_args *a = ctx;
	(void)r;
	return index_info(s, dbid, db, td, a->szName, a->pvResult, a->cbMax, a->InfoLevel);
}

JET_ERR JET_API JetGetIndexInfoA(JET_SESID sesid, JET_DBID dbid, const char *szTableName,
				 const char *szIndexName, void *pvResult, unsigned long cbResult,
				 unsigned long InfoLevel)
{
	info_args a = {szIndexName, pvResult, cbResult, InfoLevel};
	return with_table(sesid, dbid, szTableName, index_info_fn, &a);
}

/* ------------------------------------------------------------------ */
/* Tables and objects                                                 */
/* ------------------------------------------------------------------ */

/* Unix nanoseconds -> OLE date (days since 1899-12-30). */
static double ole_date(uint64_t ns)
{
	return ns ? (double)ns / 1e9 / 86400.0 + 25569.0 : 0.0;
}

static JET_GRBIT object_flags(const tbl_def *td)
{
	JET_GRBIT f = 0;

	if (td->system)
		f |= JET_bitObjectSystem;
	if (td->flags & JET_bitTableCreateFixedDDL)
		f |= JET_bitObjectTableFixedDDL;
	return f;
}

static JET_ERR count_page(void *ctx, uint32_t pgno, int page_type, int level)
{
	(void)pgno;
	(void)page_type;
	(void)level;
	(*(unsigned long *)ctx)++;
	return JET_errSuccess;
}

static JET_ERR tree_pages(eng_read *r, uint32_t objid, unsigned long *pn)
{
	uint32_t root = 0;

	CallR(eng_read_root(r, objid, &root));
	if (!root)
		return JET_errSuccess;
	return bt_walk(eng_db_cache(r->db), root, count_page, pn);
}

/* Pages of the table's trees as r sees them: records, secondary indexes,
 * long values. */
static JET_ERR table_pages(eng_read *r, const tbl_def *td, unsigned long *pn)
{
	uint32_t i;

	*pn = 0;
	CallR(tree_pages(r, td->objid, pn));
	for (i = 0; i < td->nidx; i++)
		if ((int)i != td->iprimary)
			CallR(tree_pages(r, td->idx[i].objid, pn));
	if (td->lv_objid)
		CallR(tree_pages(r, td->lv_objid, pn));
	return JET_errSuccess;
}

/* The statistics of JET_OBJECTINFO/JET_OBJECTLIST (ESE's are as of the last
 * JetComputeStats; these are exact, counted now: records by a walk of the
 * data tree's leaves, pages of every tree of the table). */
static JET_ERR table_stats(eng_read *r, const tbl_def *td, unsigned long *pcRecord,
			   unsigned long *pcPage)
{
	uint32_t root = 0;
	uint64_t n = 0;

	CallR(eng_read_root(r, td->objid, &root));
	if (root)
		CallR(bt_count(eng_db_cache(r->db), root, &n));
	*pcRecord = (unsigned long)n;
	return table_pages(r, td, pcPage);
}

static JET_ERR object_info(eng_read *r, const tbl_def *td, void *pvResult, unsigned long cbMax)
{
	JET_OBJECTINFO *oi = pvResult;
	eng_tree_info ti;

	if (cbMax < sizeof(*oi))
		return JET_errInvalidBufferSize;
	memset(&ti, 0, sizeof(ti));
	CallR(eng_read_tree_info(r, td->objid, &ti));
	memset(oi, 0, sizeof(*oi));
	oi->cbStruct = sizeof(*oi);
	oi->objtyp = JET_objtypTable;
	oi->dtCreate = 0;
	oi->dtUpdate = ole_date(ti.changed_ns);
	oi->grbit = JET_bitTableInfoBookmark | JET_bitTableInfoRollback |
		    (td->system ? 0 : JET_bitTableInfoUpdatable);
	oi->flags = object_flags(td);
	return table_stats(r, td, &oi->cRecord, &oi->cPage);
}

JET_ERR JET_API JetGetTableInfoA(JET_SESID sesid, JET_TABLEID tableid, void *pvResult,
				 unsigned long cbMax, unsigned long InfoLevel)
{
	JET_ERR err = JET_errSuccess;
	api_sess *s;
	api_cursor *c;
	eng_read r;
	bool reading = false;

	CallR(api_enter(sesid, &s));
	Call(api_tableid_get_any(s, tableid, &c));
	if (!pvResult)
		Error(JET_errInvalidParameter);
	/* A table of an ESE file (cursor_ese.c) knows its name; the other
	 * levels count or read our own trees: not done yet for it. */
	if (c->ese && InfoLevel != JET_TblInfoName)
		Error(JET_errFeatureNotAvailable);
	switch (InfoLevel) {
	case JET_TblInfo:
		if (c->mem) {
			JET_OBJECTINFO *oi = pvResult;
			if (cbMax < sizeof(*oi))
				Error(JET_errInvalidBufferSize);
			memset(oi, 0, sizeof(*oi));
			oi->cbStruct = sizeof(*oi);
			oi->objtyp = JET_objtypTable;
			oi->grbit = JET_bitTableInfoBookmark;
			oi->cRecord = cursor_mem_count(c->mem);
			break;
		}
		Call(eng_read_begin(s->eng, c->db, &r));
		reading = true;
		err = object_info(&r, c->td, pvResult, cbMax);
		break;
	case JET_TblInfoName:
		err = api_copy_out(c->td->name, strlen(c->td->name) + 1, pvResult, cbMax);
		break;
	case JET_TblInfoTemplateTableName:
		err = api_copy_out("", 1, pvResult, cbMax); /* no template tables */
		break;
	case JET_TblInfoDbid:
		if (cbMax < sizeof(JET_DBID))
			Error(JET_errInvalidBufferSize);
		*(JET_DBID *)pvResult = c->dbid;
		break;
	case JET_TblInfoSpaceUsage:
	case JET_TblInfoSpaceOwned:
	case JET_TblInfoSpaceAvailable: {
		unsigned long owned = 0, v[2];
		if (c->mem)
			Error(JET_errInvalidOperation); /* a list table has no pages */
		if (c->tt) {
			Call(tt_page_count(c, &owned));
		} else {
			Call(eng_read_begin(s->eng, c->db, &r));
			reading = true;
			Call(table_pages(&r, c->td, &owned));
		}
		/* The database hands out pages as trees grow: a table owns
		 * the pages of its trees and holds none in reserve. */
		v[0] = owned;
		v[1] = 0;
		if (InfoLevel == JET_TblInfoSpaceUsage) {
			if (cbMax < sizeof(v))
				Error(JET_errInvalidBufferSize);
			memcpy(pvResult, v, sizeof(v));
		} else {
			Call(put_ulong(pvResult, cbMax,
				       InfoLevel == JET_TblInfoSpaceOwned ? v[0] : v[1]));
		}
		break;
	}
	case JET_TblInfoSpaceAlloc:
		/* The initial size asked for at creation (a hint: nothing is
		 * reserved), as ESE reports it. */
		err = put_ulong(pvResult, cbMax, c->mem || c->tt ? 0 : c->td->pages);
		break;
	case JET_TblInfoMostMany:
	case JET_TblInfoRvt:
	case JET_TblInfoOLC:
	case JET_TblInfoResetOLC:
	case JET_TblInfoDumpTable:
		err = JET_wrnNyi; /* obsolete or debugging levels: not implemented */
		break;
	default:
		err = JET_errInvalidParameter;
		break;
	}
HandleError:
	if (reading)
		eng_read_end(&r);
	api_leave(s);
	return err;
}

enum {
	OL_CONTAINER,
	OL_NAME,
	OL_OBJTYP,
	OL_DTCREATE,
	OL_DTUPDATE,
	OL_GRBIT,
	OL_FLAGS,
	OL_CRECORD,
	OL_CPAGE,
	OL_N
};

static const list_col objinfo_cols[OL_N] = {
    {"ContainerName", JET_coltypText}, {"ObjectName", JET_coltypText},
    {"ObjectType", JET_coltypLong},    {"DateCreate", JET_coltypDateTime},
    {"DateUpdate", JET_coltypDateTime}, {"Grbit", JET_coltypLong},
    {"Flags", JET_coltypLong},         {"cRecord", JET_coltypLong},
    {"cPage", JET_coltypLong},
};

typedef struct obj_ent {
	char name[TBL_NAME_MAX + 1];
	uint32_t objid;
	JET_GRBIT flags;
	bool system;
} obj_ent;

typedef struct obj_collect {
	obj_ent *v;
	uint32_t n, cap;
} obj_collect;

static JET_ERR obj_collect_fn(void *ctx, uint32_t objid, const char *name, JET_GRBIT flags)
{
	obj_collect *oc = ctx;

	if (oc->n == oc->cap) {
		uint32_t cap = oc->cap ? 2 * oc->cap : 16;
		obj_ent *p = jet_realloc(oc->v, cap * sizeof(*p));
		if (!p)
			return JET_errOutOfMemory;
		oc->v = p;
		oc->cap = cap;
	}
	memset(&oc->v[oc->n], 0, sizeof(oc->v[0]));
	strcpy(oc->v[oc->n].name, name);
	oc->v[oc->n].objid = objid;
	oc->v[oc->n].flags = flags;
	oc->n++;
	return JET_errSuccess;
}

static int obj_cmp(const void *a, const void *b)
{
	return strcasecmp(((const obj_ent *)a)->name, ((const obj_ent *)b)->name);
}

static JET_ERR object_list(api_sess *s, JET_DBID dbid, jdb *db, eng_read *r, void *pvResult,
			   unsigned long cbMax, bool stats)
{
	JET_ERR err = JET_errSuccess;
	JET_OBJECTLIST *ol = pvResult;
	JET_COLUMNID ids[OL_N];
	list_build b;
	obj_collect oc = {0};
	tbl_def *cat = NULL;
	uint32_t i;
	JET_TABLEID tableid;
	unsigned long n;

	if (cbMax < sizeof(JET_OBJECTLIST))
		return JET_errInvalidBufferSize;
	CallR(list_begin(db, "ObjectList", objinfo_cols, OL_N, ids, &b));
	Call(tbl_def_catalog(db, &cat));
	Call(obj_collect_fn(&oc, OBJID_CATALOG, CAT_TABLE_NAME, 0));
	oc.v[0].system = true;
	Call(cat_list_tables(r, cat, obj_collect_fn, &oc));
	qsort(oc.v, oc.n, sizeof(oc.v[0]), obj_cmp);
	for (i = 0; i < oc.n; i++) {
		const obj_ent *o = &oc.v[i];
		eng_tree_info ti;
		double dt;
		JET_GRBIT flags = (o->system ? JET_bitObjectSystem : 0) |
				  ((o->flags & JET_bitTableCreateFixedDDL) ? JET_bitObjectTableFixedDDL
									   : 0);
		memset(&ti, 0, sizeof(ti));
		Call(eng_read_tree_info(r, o->objid, &ti));
		Call(list_row_begin(&b));
		Call(list_text(&b, OL_CONTAINER, "Tables"));
		Call(list_text(&b, OL_NAME, o->name));
		Call(list_long(&b, OL_OBJTYP, JET_objtypTable));
		dt = 0;
		Call(list_set(&b, OL_DTCREATE, &dt, sizeof(dt)));
		dt = ole_date(ti.changed_ns);
		Call(list_set(&b, OL_DTUPDATE, &dt, sizeof(dt)));
		Call(list_long(&b, OL_GRBIT,
			       JET_bitTableInfoBookmark | JET_bitTableInfoRollback |
				   (o->system ? 0 : JET_bitTableInfoUpdatable)));
		Call(list_long(&b, OL_FLAGS, flags));
		{
			unsigned long cRecord = 0, cPage = 0;
			if (stats) {
				tbl_def *td = NULL;
				if (o->objid == OBJID_CATALOG)
					err = tbl_def_catalog(db, &td);
				else
					err = tbl_def_get(r, o->objid, &td);
				if (err >= 0)
					err = table_stats(r, td, &cRecord, &cPage);
				tbl_def_release(td);
				Call(err);
			}
			Call(list_long(&b, OL_CRECORD, cRecord));
			Call(list_long(&b, OL_CPAGE, cPage));
		}
		Call(list_row_end(&b));
	}
	Call(list_open(s, dbid, db, &b, &tableid, &n));
	memset(ol, 0, sizeof(*ol));
	ol->cbStruct = sizeof(*ol);
	ol->tableid = tableid;
	ol->cRecord = n;
	ol->columnidcontainername = ids[OL_CONTAINER];
	ol->columnidobjectname = ids[OL_NAME];
	ol->columnidobjtyp = ids[OL_OBJTYP];
	ol->columniddtCreate = ids[OL_DTCREATE];
	ol->columniddtUpdate = ids[OL_DTUPDATE];
	ol->columnidgrbit = ids[OL_GRBIT];
	ol->columnidflags = ids[OL_FLAGS];
	ol->columnidcRecord = ids[OL_CRECORD];
	ol->columnidcPage = ids[OL_CPAGE];
HandleError:
	jet_free(oc.v);
	tbl_def_release(cat);
	list_free(&b);
	return err;
}

JET_ERR JET_API JetGetObjectInfoA(JET_SESID sesid, JET_DBID dbid, JET_OBJTYP objtyp,
				  const char *szContainerName, const char *szObjectName,
				  void *pvResult, unsigned long cbMax, unsigned long InfoLevel)
{
	JET_ERR err = JET_errSuccess;
	api_sess *s;
	jdb *db;
	bool ro, reading = false;
	eng_read r;
	tbl_def *td = NULL;

	CallR(api_enter(sesid, &s));
	Call(api_db(s, dbid, &db, &ro));
	if (!pvResult)
		Error(JET_errInvalidParameter);
	if (objtyp != JET_objtypNil && objtyp != JET_objtypTable)
		Error(JET_errInvalidParameter);
	/* Containers are gone from ESE: none or "Tables". */
	if (szContainerName && *szContainerName && strcasecmp(szContainerName, "Tables") != 0)
		Error(JET_errObjectNotFound);
	Call(eng_read_begin(s->eng, db, &r));
	reading = true;
	switch (InfoLevel) {
	case JET_ObjInfo:
		if (!szObjectName)
			Error(JET_errInvalidParameter);
		Call(tbl_check_name(szObjectName));
		Call(ddl_find_table(&r, szObjectName, &td));
		err = object_info(&r, td, pvResult, cbMax);
		break;
	case JET_ObjInfoList:
	case JET_ObjInfoListNoStats:
		err = object_list(s, dbid, db, &r, pvResult, cbMax, InfoLevel == JET_ObjInfoList);
		break;
	default:
		err = JET_errInvalidParameter;
		break;
	}
HandleError:
	if (reading)
		eng_read_end(&r);
	tbl_def_release(td);
	api_leave(s);
	return err;
}
