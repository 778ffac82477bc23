/*
 * catalog.c - MSysObjects, the catalog table (see catalog.h).
 *
 * Layout (for docs/format.md)
 * ---------------------------
 * MSysObjects is an ordinary table whose definition is compiled in:
 *
 *   column        id   type        meaning
 *   ObjidTable     1   Long        owning table's objid; 0 for a table row
 *   Type           2   Short       1 table, 2 column, 3 index, 4 LV tree
 *   Id             3   Long        table/index objid, or the columnid
 *   Coltyp         4   Long        column type
 *   SpaceUsage     5   Long        column cbMax
 *   Flags          6   Long        grbits (JET_bitColumn*, JET_bitIndex*,
 *                                  table create grbits)
 *   Pages          7   Long        table: initial pages (advisory)
 *   Density        8   Long        table/index density (advisory)
 *   Codepage       9   Long        column code page
 *   Lcid          10   Long        index locale (advisory)
 *   cbKeyMost     11   Long        index key limit as created (0: default)
 *   Name         128   Text        object name (<= 64 bytes)
 *   KeyFldIDs    129   Binary      index segments: per segment a u32 LE
 *                                  columnid and a u8 flags (bit 0:
 *                                  descending)
 *   DefaultValue 256   LongBinary  column default value
 *
 * Indexes: "Id" (primary, tree OBJID_CATALOG) on +ObjidTable +Type +Id;
 * "Name" (unique, tree OBJID_CATALOG_NAME) on +ObjidTable +Type +Name, Name
 * compared case-insensitively (key.h's Text folding), so names of tables,
 * of a table's columns and of a table's indexes are unique regardless of
 * case, as in ESE. Unlike ESE (whose table row has ObjidTable = its own
 * objid and is found through a separate RootObjects index), a table row has
 * ObjidTable = 0, so the Name index alone finds a table by name.
 *
 * Keys and records: every row is a record.h record of the schema above;
 * keys are key.h normalized keys of the index columns (table.h: a unique
 * secondary entry is key -> primary key). A user table's data tree has id =
 * the table's objid (its row's Id); the primary index, if any, shares that
 * id; each secondary index has its own tree (its row's Id).
 *
 * Loading a table's definition reads its table row (0, 1, objid) by key and
 * then every row whose key starts with (objid): the columns (Type 2) in
 * columnid order, then the indexes (Type 3).
 */
#include <stdio.h>

#include "catalog.h"
#include "key.h"

typedef struct cat_coldesc {
	JET_COLUMNID id;
	const char *name;
	JET_COLTYP coltyp;
	uint32_t cbMax;
} cat_coldesc;

static const cat_coldesc cat_cols[] = {
    {CAT_COL_OBJIDTABLE, "ObjidTable", JET_coltypLong, 0},
    {CAT_COL_TYPE, "Type", JET_coltypShort, 0},
    {CAT_COL_ID, "Id", JET_coltypLong, 0},
    {CAT_COL_COLTYP, "Coltyp", JET_coltypLong, 0},
    {CAT_COL_SPACEUSAGE, "SpaceUsage", JET_coltypLong, 0},
    {CAT_COL_FLAGS, "Flags", JET_coltypLong, 0},
    {CAT_COL_PAGES, "Pages", JET_coltypLong, 0},
    {CAT_COL_DENSITY, "Density", JET_coltypLong, 0},
    {CAT_COL_CODEPAGE, "Codepage", JET_coltypLong, 0},
    {CAT_COL_LCID, "Lcid", JET_coltypLong, 0},
    {CAT_COL_CBKEYMOST, "cbKeyMost", JET_coltypLong, 0},
    {CAT_COL_NAME, "Name", JET_coltypText, JET_cbColumnMost},
    {CAT_COL_KEYFLDIDS, "KeyFldIDs", JET_coltypBinary, JET_cbColumnMost},
    {CAT_COL_DEFAULT, "DefaultValue", JET_coltypLongBinary, 0},
};
#define CAT_NCOLS (sizeof(cat_cols) / sizeof(cat_cols[0]))
/* Code page of Name: UTF-8 text (anything but 1200 is taken as UTF-8). */
#define CAT_NAME_CP 1252

JET_ERR cat_build_def(uint32_t page_size, tbl_def **out)
{
	JET_ERR err = JET_errSuccess;
	tbl_def *td = NULL;
	uint32_t i;

	Call(tbl_def_alloc(&td));
	td->objid = OBJID_CATALOG;
	td->system = true;
	strcpy(td->name, CAT_TABLE_NAME);
	td->cols = jet_calloc(CAT_NCOLS, sizeof(tbl_column));
	td->idx = jet_calloc(2, sizeof(tbl_index));
	if (!td->cols || !td->idx)
		Error(JET_errOutOfMemory);
	td->ncols = CAT_NCOLS;
	for (i = 0; i < CAT_NCOLS; i++) {
		tbl_column *c = &td->cols[i];
		c->rc.columnid = cat_cols[i].id;
		c->rc.coltyp = cat_cols[i].coltyp;
		c->rc.cbMax = cat_cols[i].cbMax;
		c->rc.grbit = cat_cols[i].id >= REC_TAGGED_FIRST ? JET_bitColumnTagged
			      : cat_cols[i].id <= REC_FIXED_LAST ? JET_bitColumnFixed
								 : 0;
		if (cat_cols[i].id <= CAT_COL_ID || cat_cols[i].id == CAT_COL_NAME)
			c->rc.grbit |= JET_bitColumnNotNULL;
		c->cp = cat_cols[i].coltyp == JET_coltypText ? CAT_NAME_CP : 0;
		strcpy(c->name, cat_cols[i].name);
	}
	td->nidx = 2;
	strcpy(td->idx[0].name, "Id");
	td->idx[0].objid = OBJID_CATALOG;
	td->idx[0].grbit = JET_bitIndexPrimary | JET_bitIndexUnique;
	td->idx[0].nseg = 3;
	td->idx[0].seg[0].icol = CAT_COL_OBJIDTABLE;
	td->idx[0].seg[1].icol = CAT_COL_TYPE;
	td->idx[0].seg[2].icol = CAT_COL_ID;
	strcpy(td->idx[1].name, "Name");
	td->idx[1].objid = OBJID_CATALOG_NAME;
	td->idx[1].grbit = JET_bitIndexUnique;
	td->idx[1].nseg = 3;
	td->idx[1].seg[0].icol = CAT_COL_OBJIDTABLE;
	td->idx[1].seg[1].icol = CAT_COL_TYPE;
	td->idx[1].seg[2].icol = CAT_COL_NAME;
	Call(tbl_def_finalize(td, page_size));
	*out = td;
	return JET_errSuccess;
HandleError:
	tbl_def_release(td);
	return err;
}

/* Key of the "Id" index: (objidTable, type, id), or its (objidTable)
 * prefix when type is 0. */
static void cat_key(uint32_t objidTable, int16_t type, uint32_t id, uint8_t *key, size_t *pcb)
{
	size_t cb = 0;
	bool trunc = false;
	int32_t o = (int32_t)objidTable, i = (int32_t)id;

	key_append_segment(JET_coltypLong, 0, false, &o, 4, 0, key, TBL_KEY_BUF, &cb, &trunc);
	if (type) {
		key_append_segment(JET_coltypShort, 0, false, &type, 2, 0, key, TBL_KEY_BUF, &cb,
				   &trunc);
		key_append_segment(JET_coltypLong, 0, false, &i, 4, 0, key, TBL_KEY_BUF, &cb,
				   &trunc);
	}
	*pcb = cb;
}

static int32_t cat_long(const tbl_def *cat, const uint8_t *rec, size_t cb, JET_COLUMNID col)
{
	const void *pv;
	size_t cbv;
	int32_t v = 0;

	if (rec_retrieve(&cat->schema, rec, cb, col, 1, &pv, &cbv) == JET_errSuccess && cbv == 4)
		memcpy(&v, pv, 4);
	return v;
}

static int16_t cat_short(const tbl_def *cat, const uint8_t *rec, size_t cb, JET_COLUMNID col)
{
	const void *pv;
	size_t cbv;
	int16_t v = 0;

	if (rec_retrieve(&cat->schema, rec, cb, col, 1, &pv, &cbv) == JET_errSuccess && cbv == 2)
		memcpy(&v, pv, 2);
	return v;
}

static void cat_name(const tbl_def *cat, const uint8_t *rec, size_t cb, char *out)
{
	const void *pv;
	size_t cbv;

	out[0] = 0;
	if (rec_retrieve(&cat->schema, rec, cb, CAT_COL_NAME, 1, &pv, &cbv) == JET_errSuccess) {
		cbv = JET_MIN(cbv, (size_t)TBL_NAME_MAX);
		memcpy(out, pv, cbv);
		out[cbv] = 0;
	}
}

JET_ERR cat_find_table(eng_read *r, tbl_def *cat, const char *name, uint32_t *pobjid)
{
	JET_ERR err = JET_errSuccess;
	uint8_t key[TBL_KEY_BUF], pk[TBL_KEY_BUF];
	size_t cb = 0, cbPk = 0;
	bool trunc = false;
	int32_t zero = 0;
	int16_t type = CAT_TYPE_TABLE;
	uint32_t root;
	uint8_t *rec = NULL;
	size_t cap = 0, cbRec = 0;

	key_append_segment(JET_coltypLong, 0, false, &zero, 4, 0, key, sizeof(key), &cb, &trunc);
	key_append_segment(JET_coltypShort, 0, false, &type, 2, 0, key, sizeof(key), &cb, &trunc);
	Call(key_append_segment(JET_coltypText, CAT_NAME_CP, false, name, strlen(name), 0, key,
				cat->idx[1].cbKeyMost, &cb, &trunc));
	Call(eng_read_root(r, OBJID_CATALOG_NAME, &root));
	err = bt_get(eng_db_cache(r->db), root, key, cb, pk, sizeof(pk), &cbPk);
	if (err == JET_errRecordNotFound)
		Error(JET_errObjectNotFound);
	Call(err);
	if (err == JET_wrnBufferTruncated)
		Error(JET_errCatalogCorrupted);
	err = tbl_read_record(r, cat, pk, cbPk, &rec, &cap, &cbRec);
	if (err == JET_errRecordNotFound)
		Error(JET_errCatalogCorrupted);
	Call(err);
	*pobjid = (uint32_t)cat_long(cat, rec, cbRec, CAT_COL_ID);
	err = JET_errSuccess;
HandleError:
	jet_free(rec);
	return err;
}

static JET_ERR cat_add_column_row(tbl_def *cat, tbl_def *td, const uint8_t *rec, size_t cbRec,
				  uint32_t *capCols, bool deleted)
{
	tbl_column *c, **pcols = deleted ? &td->dcols : &td->cols;
	uint32_t *pn = deleted ? &td->ndcols : &td->ncols;
	const void *pv;
	size_t cb;

	if (*pn == *capCols) {
		uint32_t n = *capCols ? *capCols * 2 : 16;
		tbl_column *p = jet_realloc(*pcols, n * sizeof(*p));
		if (!p)
			return JET_errOutOfMemory;
		*pcols = p;
		*capCols = n;
	}
	c = &(*pcols)[*pn];
	memset(c, 0, sizeof(*c));
	c->rc.columnid = (JET_COLUMNID)(uint32_t)cat_long(cat, rec, cbRec, CAT_COL_ID);
	c->rc.coltyp = (JET_COLTYP)(uint32_t)cat_long(cat, rec, cbRec, CAT_COL_COLTYP);
	c->rc.cbMax = (uint32_t)cat_long(cat, rec, cbRec, CAT_COL_SPACEUSAGE);
	c->rc.grbit = (JET_GRBIT)(uint32_t)cat_long(cat, rec, cbRec, CAT_COL_FLAGS);
	c->cp = (uint16_t)cat_long(cat, rec, cbRec, CAT_COL_CODEPAGE);
	cat_name(cat, rec, cbRec, c->name);
	(*pn)++;
	if (deleted)
		return JET_errSuccess;
	if (rec_retrieve(&cat->schema, rec, cbRec, CAT_COL_DEFAULT, 1, &pv, &cb) ==
	    JET_errSuccess) {
		c->pvDefault = jet_malloc(cb ? cb : 1);
		if (!c->pvDefault)
			return JET_errOutOfMemory;
		memcpy(c->pvDefault, pv, cb);
		c->cbDefault = (uint32_t)cb;
	}
	return JET_errSuccess;
}

static JET_ERR cat_add_index_row(tbl_def *cat, tbl_def *td, const uint8_t *rec, size_t cbRec,
				 uint32_t *capIdx)
{
	tbl_index *ix;
	const uint8_t *p;
	const void *pv;
	size_t cb, i;

	if (td->nidx == *capIdx) {
		uint32_t n = *capIdx ? *capIdx * 2 : 4;
		tbl_index *q = jet_realloc(td->idx, n * sizeof(*q));
		if (!q)
			return JET_errOutOfMemory;
		td->idx = q;
		*capIdx = n;
	}
	ix = &td->idx[td->nidx];
	memset(ix, 0, sizeof(*ix));
	ix->objid = (uint32_t)cat_long(cat, rec, cbRec, CAT_COL_ID);
	ix->grbit = (JET_GRBIT)(uint32_t)cat_long(cat, rec, cbRec, CAT_COL_FLAGS);
	ix->density = (uint32_t)cat_long(cat, rec, cbRec, CAT_COL_DENSITY);
	ix->lcid = (uint32_t)cat_long(cat, rec, cbRec, CAT_COL_LCID);
	ix->cbKeyMost = (uint32_t)cat_long(cat, rec, cbRec, CAT_COL_CBKEYMOST);
	cat_name(cat, rec, cbRec, ix->name);
	if (rec_retrieve(&cat->schema, rec, cbRec, CAT_COL_KEYFLDIDS, 1, &pv, &cb) !=
		JET_errSuccess ||
	    cb == 0 || cb % 5 || cb / 5 > JET_ccolKeyMost)
		return JET_errCatalogCorrupted;
	p = pv;
	ix->nseg = (uint32_t)(cb / 5);
	for (i = 0; i < ix->nseg; i++) {
		ix->seg[i].icol = get_le32(p + 5 * i); /* a columnid until finalize */
		ix->seg[i].descending = p[5 * i + 4] & 1;
	}
	td->nidx++;
	return JET_errSuccess;
}

JET_ERR cat_load_table(eng_read *r, tbl_def *cat, uint32_t objid, tbl_def **out)
{
	JET_ERR err = JET_errSuccess;
	tbl_def *td = NULL;
	uint8_t key[TBL_KEY_BUF];
	size_t cbKey, cbRec = 0, cap = 0;
	uint8_t *rec = NULL;
	uint32_t root, capCols = 0, capDel = 0, capIdx = 0;
	bt_cursor *cur = NULL;

	cat_key(0, CAT_TYPE_TABLE, objid, key, &cbKey);
	err = tbl_read_record(r, cat, key, cbKey, &rec, &cap, &cbRec);
	if (err == JET_errRecordNotFound)
		Error(JET_errObjectNotFound);
	Call(err);
	Call(tbl_def_alloc(&td));
	td->objid = objid;
	cat_name(cat, rec, cbRec, td->name);
	td->pages = (uint32_t)cat_long(cat, rec, cbRec, CAT_COL_PAGES);
	td->density = (uint32_t)cat_long(cat, rec, cbRec, CAT_COL_DENSITY);
	td->flags = (JET_GRBIT)(uint32_t)cat_long(cat, rec, cbRec, CAT_COL_FLAGS);

	cat_key(objid, 0, 0, key, &cbKey);
	Call(eng_read_root(r, OBJID_CATALOG, &root));
	Call(bt_cursor_open(eng_db_cache(r->db), root, &cur));
	for (err = bt_seek(cur, key, cbKey, BT_SEEK_GE); err >= 0; err = bt_next(cur)) {
		const void *k, *v;
		size_t cbk, cbv;
		Call(bt_cursor_key(cur, &k, &cbk));
		if (cbk < cbKey || memcmp(k, key, cbKey) != 0)
			break;
		Call(bt_cursor_value(cur, &v, &cbv));
		switch (cat_short(cat, v, cbv, CAT_COL_TYPE)) {
		case CAT_TYPE_COLUMN:
			Call(cat_add_column_row(cat, td, v, cbv, &capCols, false));
			break;
		case CAT_TYPE_DELCOLUMN:
			Call(cat_add_column_row(cat, td, v, cbv, &capDel, true));
			break;
		case CAT_TYPE_INDEX:
			Call(cat_add_index_row(cat, td, v, cbv, &capIdx));
			break;
		case CAT_TYPE_LV:
			td->lv_objid = (uint32_t)cat_long(cat, v, cbv, CAT_COL_ID);
			break;
		default:
			break; /* future types */
		}
	}
	if (err < 0 && err != JET_errRecordNotFound && err != JET_errNoCurrentRecord)
		goto HandleError;
	Call(tbl_def_finalize(td, eng_db_page_size(r->db)));
	*out = td;
	td = NULL;
	err = JET_errSuccess;
HandleError:
	if (cur)
		bt_cursor_close(cur);
	jet_free(rec);
	tbl_def_release(td);
	return err;
}

/* Builds and inserts one catalog row. */
typedef struct cat_row {
	uint32_t objidTable;
	int16_t type;
	uint32_t id;
	const char *name;
	int32_t coltyp, spaceUsage, flags, pages, density, codepage, lcid, cbKeyMost;
	const void *keyFldIds;
	size_t cbKeyFldIds;
	const void *pvDefault;
	size_t cbDefault;
} cat_row;

static JET_ERR cat_set_long(rec_edit *e, JET_COLUMNID col, int32_t v)
{
	return rec_edit_set(e, col, 1, &v, 4, 0, 0);
}

static JET_ERR cat_insert_row(eng_read *r, tbl_def *cat, const cat_row *row)
{
	JET_ERR err = JET_errSuccess;
	rec_edit *e = NULL;
	const uint8_t *rec;
	size_t cbRec;

	Call(rec_edit_begin(&cat->schema, NULL, 0, &e));
	Call(cat_set_long(e, CAT_COL_OBJIDTABLE, (int32_t)row->objidTable));
	Call(rec_edit_set(e, CAT_COL_TYPE, 1, &row->type, 2, 0, 0));
	Call(cat_set_long(e, CAT_COL_ID, (int32_t)row->id));
	Call(rec_edit_set(e, CAT_COL_NAME, 1, row->name, strlen(row->name), 0, 0));
	if (row->type == CAT_TYPE_COLUMN || row->type == CAT_TYPE_DELCOLUMN) {
		Call(cat_set_long(e, CAT_COL_COLTYP, row->coltyp));
		Call(cat_set_long(e, CAT_COL_SPACEUSAGE, row->spaceUsage));
		Call(cat_set_long(e, CAT_COL_CODEPAGE, row->codepage));
	}
	Call(cat_set_long(e, CAT_COL_FLAGS, row->flags));
	if (row->type == CAT_TYPE_TABLE)
		Call(cat_set_long(e, CAT_COL_PAGES, row->pages));
	if (row->type != CAT_TYPE_COLUMN && row->type != CAT_TYPE_DELCOLUMN)
		Call(cat_set_long(e, CAT_COL_DENSITY, row->density));
	if (row->type == CAT_TYPE_INDEX) {
		Call(cat_set_long(e, CAT_COL_LCID, row->lcid));
		Call(cat_set_long(e, CAT_COL_CBKEYMOST, row->cbKeyMost));
		Call(rec_edit_set(e, CAT_COL_KEYFLDIDS, 1, row->keyFldIds, row->cbKeyFldIds, 0, 0));
	}
	if (row->pvDefault)
		Call(rec_edit_set(e, CAT_COL_DEFAULT, 1, row->pvDefault, row->cbDefault,
				  row->cbDefault ? 0 : JET_bitSetZeroLength, 0));
	Call(rec_edit_encode(e, &rec, &cbRec));
	Call(tbl_insert(r, cat, rec, cbRec, NULL, NULL));
HandleError:
	rec_edit_free(e);
	return err;
}

JET_ERR cat_insert_table(eng_read *r, tbl_def *cat, uint32_t objid, const char *name,
			 uint32_t pages, uint32_t density, JET_GRBIT flags)
{
	cat_row row = {0};

	row.objidTable = 0;
	row.type = CAT_TYPE_TABLE;
	row.id = objid;
	row.name = name;
	row.pages = (int32_t)pages;
	row.density = (int32_t)density;
	row.flags = (int32_t)flags;
	return cat_insert_row(r, cat, &row);
}

JET_ERR cat_insert_column(eng_read *r, tbl_def *cat, uint32_t objidTable, const tbl_column *col)
{
	cat_row row = {0};

	row.objidTable = objidTable;
	row.type = CAT_TYPE_COLUMN;
	row.id = (uint32_t)col->rc.columnid;
	row.name = col->name;
	row.coltyp = (int32_t)col->rc.coltyp;
	row.spaceUsage = (int32_t)col->rc.cbMax;
	row.flags = (int32_t)col->rc.grbit;
	row.codepage = col->cp;
	row.pvDefault = col->pvDefault;
	row.cbDefault = col->cbDefault;
	return cat_insert_row(r, cat, &row);
}

JET_ERR cat_insert_index(eng_read *r, tbl_def *cat, uint32_t objidTable, const tbl_def *td,
			 const tbl_index *ix)
{
	cat_row row = {0};
	uint8_t fld[5 * JET_ccolKeyMost];
	uint32_t i;

	for (i = 0; i < ix->nseg; i++) {
		put_le32(fld + 5 * i, (uint32_t)td->cols[ix->seg[i].icol].rc.columnid);
		fld[5 * i + 4] = ix->seg[i].descending ? 1 : 0;
	}
	row.objidTable = objidTable;
	row.type = CAT_TYPE_INDEX;
	row.id = ix->objid;
	row.name = ix->name;
	row.flags = (int32_t)ix->grbit;
	row.density = (int32_t)ix->density;
	row.lcid = (int32_t)ix->lcid;
	row.cbKeyMost = (int32_t)ix->cbKeyMost;
	row.keyFldIds = fld;
	row.cbKeyFldIds = 5 * ix->nseg;
	return cat_insert_row(r, cat, &row);
}

JET_ERR cat_find_lv(eng_read *r, tbl_def *cat, uint32_t objidTable, uint32_t *plv)
{
	JET_ERR err = JET_errSuccess;
	uint8_t key[TBL_KEY_BUF];
	size_t cbKey, cb = 0;
	bool trunc = false;
	int16_t type = CAT_TYPE_LV;
	uint32_t root;
	bt_cursor *cur = NULL;
	const void *k, *v;
	size_t cbk, cbv;

	*plv = 0;
	cat_key(objidTable, 0, 0, key, &cbKey);
	cb = cbKey;
	key_append_segment(JET_coltypShort, 0, false, &type, 2, 0, key, TBL_KEY_BUF, &cb, &trunc);
	cbKey = cb;
	Call(eng_read_root(r, OBJID_CATALOG, &root));
	Call(bt_cursor_open(eng_db_cache(r->db), root, &cur));
	err = bt_seek(cur, key, cbKey, BT_SEEK_GE);
	if (err == JET_errRecordNotFound) {
		err = JET_errSuccess;
		goto HandleError;
	}
	Call(err);
	Call(bt_cursor_key(cur, &k, &cbk));
	if (cbk >= cbKey && memcmp(k, key, cbKey) == 0) {
		Call(bt_cursor_value(cur, &v, &cbv));
		*plv = (uint32_t)cat_long(cat, v, cbv, CAT_COL_ID);
	}
	err = JET_errSuccess;
HandleError:
	if (cur)
		bt_cursor_close(cur);
	return err;
}

JET_ERR cat_insert_lv(eng_read *r, tbl_def *cat, uint32_t objidTable, uint32_t lvObjid)
{
	cat_row row = {0};

	row.objidTable = objidTable;
	row.type = CAT_TYPE_LV;
	row.id = lvObjid;
	row.name = "LV";
	return cat_insert_row(r, cat, &row);
}

JET_ERR cat_delete_table(eng_read *r, tbl_def *cat, uint32_t objid)
{
	JET_ERR err = JET_errSuccess;
	uint8_t key[TBL_KEY_BUF];
	size_t cbKey, n = 0, cap = 0, used = 0, i;
	uint32_t root;
	bt_cursor *cur = NULL;
	/* Rows to delete, collected first: the tree changes under a cursor
	 * once we write, so we never delete while iterating. Each entry:
	 * u32 cbKey, u32 cbRec, key, record. */
	uint8_t *buf = NULL;

	/* The table's own row goes first (everything is read before the
	 * first write). */
	cat_key(0, CAT_TYPE_TABLE, objid, key, &cbKey);
	{
		uint8_t *rec = NULL;
		size_t capRec = 0, cbRec = 0;
		err = tbl_read_record(r, cat, key, cbKey, &rec, &capRec, &cbRec);
		if (err == JET_errRecordNotFound)
			err = JET_errObjectNotFound;
		if (err >= 0) {
			cap = 8 + cbKey + cbRec + 4096;
			buf = jet_malloc(cap);
			if (!buf)
				err = JET_errOutOfMemory;
		}
		if (err >= 0) {
			put_le32(buf, (uint32_t)cbKey);
			put_le32(buf + 4, (uint32_t)cbRec);
			memcpy(buf + 8, key, cbKey);
			memcpy(buf + 8 + cbKey, rec, cbRec);
			used = 8 + cbKey + cbRec;
			n = 1;
		}
		jet_free(rec);
		Call(err);
	}
	cat_key(objid, 0, 0, key, &cbKey);
	Call(eng_read_root(r, OBJID_CATALOG, &root));
	Call(bt_cursor_open(eng_db_cache(r->db), root, &cur));
	for (err = bt_seek(cur, key, cbKey, BT_SEEK_GE); err >= 0; err = bt_next(cur)) {
		const void *k, *v;
		size_t cbk, cbv, need;
		Call(bt_cursor_key(cur, &k, &cbk));
		if (cbk < cbKey || memcmp(k, key, cbKey) != 0)
			break;
		Call(bt_cursor_value(cur, &v, &cbv));
		need = 8 + cbk + cbv;
		if (used + need > cap) {
			size_t ncap = JET_MAX(2 * cap, used + need + 4096);
			uint8_t *p = jet_realloc(buf, ncap);
			if (!p)
				Error(JET_errOutOfMemory);
			buf = p;
			cap = ncap;
		}
		put_le32(buf + used, (uint32_t)cbk);
		put_le32(buf + used + 4, (uint32_t)cbv);
		memcpy(buf + used + 8, k, cbk);
		memcpy(buf + used + 8 + cbk, v, cbv);
		used += need;
		n++;
	}
	if (err < 0 && err != JET_errRecordNotFound && err != JET_errNoCurrentRecord)
		goto HandleError;
	bt_cursor_close(cur);
	cur = NULL;
	for (i = 0, used = 0; i < n; i++) {
		size_t cbk = get_le32(buf + used), cbv = get_le32(buf + used + 4);
		Call(tbl_delete(r, cat, buf + used + 8, cbk, buf + used + 8 + cbk, cbv));
		used += 8 + cbk + cbv;
	}
	err = JET_errSuccess;
HandleError:
	if (cur)
		bt_cursor_close(cur);
	jet_free(buf);
	return err;
}

/* Reads the row with catalog key (objidTable, type, id) into *prec. */
static JET_ERR cat_read_row(eng_read *r, tbl_def *cat, uint32_t objidTable, int16_t type,
			    uint32_t id, uint8_t *key, size_t *pcbKey, uint8_t **prec, size_t *pcbRec)
{
	size_t cap = 0;
	JET_ERR err;

	cat_key(objidTable, type, id, key, pcbKey);
	err = tbl_read_record(r, cat, key, *pcbKey, prec, &cap, pcbRec);
	if (err == JET_errRecordNotFound)
		err = JET_errObjectNotFound;
	return err;
}

JET_ERR cat_delete_column(eng_read *r, tbl_def *cat, uint32_t objidTable, const tbl_column *col)
{
	JET_ERR err = JET_errSuccess;
	uint8_t key[TBL_KEY_BUF];
	size_t cbKey, cbRec = 0;
	uint8_t *rec = NULL;
	char name[16];
	cat_row row = {0};

	Call(cat_read_row(r, cat, objidTable, CAT_TYPE_COLUMN, (uint32_t)col->rc.columnid, key,
			  &cbKey, &rec, &cbRec));
	Call(tbl_delete(r, cat, key, cbKey, rec, cbRec));
	snprintf(name, sizeof(name), "%lu", (unsigned long)col->rc.columnid);
	row.objidTable = objidTable;
	row.type = CAT_TYPE_DELCOLUMN;
	row.id = (uint32_t)col->rc.columnid;
	row.name = name;
	row.coltyp = (int32_t)col->rc.coltyp;
	row.spaceUsage = (int32_t)col->rc.cbMax;
	row.flags = (int32_t)col->rc.grbit;
	row.codepage = col->cp;
	Call(cat_insert_row(r, cat, &row));
HandleError:
	jet_free(rec);
	return err;
}

JET_ERR cat_delete_index(eng_read *r, tbl_def *cat, uint32_t objidTable, const tbl_index *ix)
{
	JET_ERR err = JET_errSuccess;
	uint8_t key[TBL_KEY_BUF];
	size_t cbKey, cbRec = 0;
	uint8_t *rec = NULL;

	Call(cat_read_row(r, cat, objidTable, CAT_TYPE_INDEX, ix->objid, key, &cbKey, &rec,
			  &cbRec));
	Call(tbl_delete(r, cat, key, cbKey, rec, cbRec));
HandleError:
	jet_free(rec);
	return err;
}

JET_ERR cat_rename(eng_read *r, tbl_def *cat, uint32_t objidTable, int16_t type, uint32_t id,
		   const char *newName)
{
	JET_ERR err = JET_errSuccess;
	uint8_t key[TBL_KEY_BUF];
	size_t cbKey, cbRec = 0, cbNew;
	uint8_t *rec = NULL;
	const uint8_t *recNew;
	rec_edit *e = NULL;

	Call(cat_read_row(r, cat, objidTable, type, id, key, &cbKey, &rec, &cbRec));
	Call(rec_edit_begin(&cat->schema, rec, cbRec, &e));
	Call(rec_edit_set(e, CAT_COL_NAME, 1, newName, strlen(newName), 0, 0));
	Call(rec_edit_encode(e, &recNew, &cbNew));
	Call(tbl_replace(r, cat, key, cbKey, rec, cbRec, recNew, cbNew));
HandleError:
	rec_edit_free(e);
	jet_free(rec);
	return err;
}

JET_ERR cat_list_tables(eng_read *r, tbl_def *cat,
			JET_ERR (*fn)(void *ctx, uint32_t objid, const char *name, JET_GRBIT flags),
			void *ctx)
{
	JET_ERR err = JET_errSuccess;
	uint8_t key[TBL_KEY_BUF];
	size_t cbKey = 0;
	bool trunc = false;
	int32_t zero = 0;
	int16_t type = CAT_TYPE_TABLE;
	uint32_t root;
	bt_cursor *cur = NULL;
	char name[TBL_NAME_MAX + 1];

	key_append_segment(JET_coltypLong, 0, false, &zero, 4, 0, key, sizeof(key), &cbKey, &trunc);
	key_append_segment(JET_coltypShort, 0, false, &type, 2, 0, key, sizeof(key), &cbKey, &trunc);
	Call(eng_read_root(r, OBJID_CATALOG, &root));
	Call(bt_cursor_open(eng_db_cache(r->db), root, &cur));
	for (err = bt_seek(cur, key, cbKey, BT_SEEK_GE); err >= 0; err = bt_next(cur)) {
		const void *k, *v;
		size_t cbk, cbv;
		Call(bt_cursor_key(cur, &k, &cbk));
		if (cbk < cbKey || memcmp(k, key, cbKey) != 0)
			break;
		Call(bt_cursor_value(cur, &v, &cbv));
		cat_name(cat, v, cbv, name);
		Call(fn(ctx, (uint32_t)cat_long(cat, v, cbv, CAT_COL_ID), name,
			(JET_GRBIT)(uint32_t)cat_long(cat, v, cbv, CAT_COL_FLAGS)));
	}
	if (err < 0 && err != JET_errRecordNotFound && err != JET_errNoCurrentRecord)
		goto HandleError;
	err = JET_errSuccess;
HandleError:
	if (cur)
		bt_cursor_close(cur);
	return err;
}
