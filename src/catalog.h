/*
 * catalog.h - MSysObjects: the table that describes every table, column and
 * index of a database. Its own schema is built into the code (catalog.c),
 * its rows live in tree OBJID_CATALOG, its name index in OBJID_CATALOG_NAME,
 * and every change goes through the ordinary table layer (table.h) in the
 * caller's transaction, so DDL is transacted like data.
 */
#ifndef JET_CATALOG_H
#define JET_CATALOG_H

#include "table.h"

#define CAT_TABLE_NAME "MSysObjects"

/* Row types (ESE's sysobj values). */
enum {
	CAT_TYPE_TABLE = 1,
	CAT_TYPE_COLUMN = 2,
	CAT_TYPE_INDEX = 3,
	CAT_TYPE_LV = 4,
	/* A deleted column (JetDeleteColumn): Id, Coltyp, SpaceUsage and
	 * Flags as the column had them, Name its id in decimal. It keeps the
	 * column id from being handed out again (older records still hold
	 * bytes under it) and a deleted fixed column's place in the fixed
	 * data. Readers of the catalog that know only types 1-3 skip it. */
	CAT_TYPE_DELCOLUMN = 5,
};

/* Column ids of MSysObjects. */
enum {
	CAT_COL_OBJIDTABLE = 1, /* Long: owning table (0 for a table row) */
	CAT_COL_TYPE = 2,       /* Short: CAT_TYPE_* */
	CAT_COL_ID = 3,         /* Long: objid of table/index/LV tree, or columnid */
	CAT_COL_COLTYP = 4,     /* Long */
	CAT_COL_SPACEUSAGE = 5, /* Long: a column's cbMax */
	CAT_COL_FLAGS = 6,      /* Long: grbits */
	CAT_COL_PAGES = 7,      /* Long */
	CAT_COL_DENSITY = 8,    /* Long */
	CAT_COL_CODEPAGE = 9,   /* Long */
	CAT_COL_LCID = 10,      /* Long */
	CAT_COL_CBKEYMOST = 11, /* Long */
	CAT_COL_NAME = 128,     /* Text */
	CAT_COL_KEYFLDIDS =
	    129,               /* Binary: per segment u32 LE columnid, u8 flags (1 = descending) */
	CAT_COL_DEFAULT = 256, /* LongBinary */
};

/* The built-in definition of MSysObjects for a page size. */
JET_ERR cat_build_def(uint32_t page_size, tbl_def **out);

/* Finds a user table by name (case-insensitive): JET_errObjectNotFound. */
JET_ERR cat_find_table(eng_read *r, tbl_def *cat, const char *name, uint32_t *pobjid);
/* Reads the definition of table objid as r sees it (not cached). Absent:
 * JET_errObjectNotFound. */
JET_ERR cat_load_table(eng_read *r, tbl_def *cat, uint32_t objid, tbl_def **out);

/* Catalog rows; each through tbl_insert/tbl_delete on MSysObjects.
 * A name that exists already: JET_errKeyDuplicate (callers map it to
 * TableDuplicate/ColumnDuplicate/IndexDuplicate). */
JET_ERR cat_insert_table(eng_read *r, tbl_def *cat, uint32_t objid, const char *name,
			 uint32_t pages, uint32_t density, JET_GRBIT flags);
JET_ERR cat_insert_column(eng_read *r, tbl_def *cat, uint32_t objidTable, const tbl_column *col);
JET_ERR cat_insert_index(eng_read *r, tbl_def *cat, uint32_t objidTable, const tbl_def *td,
			 const tbl_index *ix);
/* The long-value tree of table objidTable (its Type 4 row, named "LV"):
 * *plv = 0 when the table has none yet. */
JET_ERR cat_find_lv(eng_read *r, tbl_def *cat, uint32_t objidTable, uint32_t *plv);
JET_ERR cat_insert_lv(eng_read *r, tbl_def *cat, uint32_t objidTable, uint32_t lvObjid);
/* Deletes the table's row and every column and index row of it. */
JET_ERR cat_delete_table(eng_read *r, tbl_def *cat, uint32_t objid);

/* DDL on one row (all through tbl_replace/tbl_delete on MSysObjects). */
/* Replaces a column's row by a CAT_TYPE_DELCOLUMN row. */
JET_ERR cat_delete_column(eng_read *r, tbl_def *cat, uint32_t objidTable, const tbl_column *col);
JET_ERR cat_delete_index(eng_read *r, tbl_def *cat, uint32_t objidTable, const tbl_index *ix);
/* Renames the row (objidTable, type, id): a table is (0, CAT_TYPE_TABLE,
 * objid). Absent: JET_errObjectNotFound; the name taken:
 * JET_errKeyDuplicate. */
JET_ERR cat_rename(eng_read *r, tbl_def *cat, uint32_t objidTable, int16_t type, uint32_t id,
		   const char *newName);

/* Every user table as r sees it, in objid order: fn(ctx, objid, name,
 * flags); a negative return from fn stops the walk and is returned. */
JET_ERR cat_list_tables(eng_read *r, tbl_def *cat,
			JET_ERR (*fn)(void *ctx, uint32_t objid, const char *name, JET_GRBIT flags),
			void *ctx);

#endif
