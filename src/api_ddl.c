/*
 * api_ddl.c - the Jet* functions that change a schema in place: delete and
 * rename a column, delete an index, rename a table.
 *
 * Each runs in a DDL savepoint (api_ddl.h), so it is transacted like data:
 * a failure half-way leaves nothing, and a JetRollback of the caller's
 * transaction undoes a successful call.
 *
 * Deleted columns. ESE marks a deleted column in the catalog and leaves the
 * records alone; so do we: the column's row becomes a CAT_TYPE_DELCOLUMN
 * row (catalog.h) that keeps its id reserved and, for a fixed column, its
 * place in the fixed data. Records keep the bytes; the column reads as
 * JET_errColumnNotFound from then on, and a column added later gets a new
 * id, so it never shows the old bytes.
 *
 * Cursors. The cursor the DDL went through gets the new definition; other
 * open cursors keep the one they opened with (as for JetAddColumn). That is
 * why renaming a table that is open is JET_errTableInUse (as in ESE), and
 * deleting the index that is the cursor's current one JET_errIndexInUse.
 */
#include <strings.h>

#include "api_ddl.h"

/* The table's definition as the savepoint sees it (it may differ from the
 * cursor's if another cursor changed the schema since). */
static JET_ERR ddl_cursor_begin(api_sess *s, api_cursor *c, ddl *d, tbl_def **ptd)
{
	memset(d, 0, sizeof(*d)); /* ddl_end is safe on it from here */
	CallR(ddl_cursor_check(c));
	CallR(ddl_begin(s, c->db, d));
	return cat_load_table(&d->r, d->cat, c->td->objid, ptd);
}

/* Ends the savepoint and hands the cursor the new definition. */
static JET_ERR ddl_cursor_end(api_cursor *c, ddl *d, JET_ERR err)
{
	err = ddl_end(d, err);
	if (err >= 0)
		err = ddl_cursor_reload(c);
	return err;
}

static bool column_in_index(const tbl_def *td, const tbl_column *col)
{
	uint32_t i, j;

	for (i = 0; i < td->nidx; i++)
		for (j = 0; j < td->idx[i].nseg; j++)
			if (&td->cols[td->idx[i].seg[j].icol] == col)
				return true;
	return false;
}

static JET_ERR delete_column(JET_SESID sesid, JET_TABLEID tableid, const char *szColumnName,
			     JET_GRBIT grbit)
{
	JET_ERR err = JET_errSuccess;
	api_sess *s;
	api_cursor *c;
	ddl d;
	bool inDdl = false;
	tbl_def *td = NULL;
	const tbl_column *col;

	CallR(api_enter(sesid, &s));
	Call(api_tableid_get(s, tableid, &c));
	if (!szColumnName)
		Error(JET_errInvalidParameter);
	if (grbit & ~(JET_GRBIT)JET_bitDeleteColumnIgnoreTemplateColumns)
		Error(JET_errInvalidGrbit);
	Call(tbl_check_name(szColumnName));
	inDdl = true;
	Call(ddl_cursor_begin(s, c, &d, &td));
	col = tbl_column_by_name(td, szColumnName);
	if (!col)
		Error(JET_errColumnNotFound);
	/* ESE: a column that an index uses cannot go (the primary index's
	 * columns included). */
	if (column_in_index(td, col))
		Error(JET_errColumnInUse);
	Call(cat_delete_column(&d.r, d.cat, td->objid, col));
	inDdl = false;
	err = ddl_cursor_end(c, &d, JET_errSuccess);
HandleError:
	if (inDdl)
		err = ddl_end(&d, err);
	tbl_def_release(td);
	api_leave(s);
	return err;
}

JET_ERR JET_API JetDeleteColumnA(JET_SESID sesid, JET_TABLEID tableid, const char *szColumnName)
{
	return delete_column(sesid, tableid, szColumnName, 0);
}

JET_ERR JET_API JetDeleteColumn2A(JET_SESID sesid, JET_TABLEID tableid, const char *szColumnName,
				  const JET_GRBIT grbit)
{
	return delete_column(sesid, tableid, szColumnName, grbit);
}

JET_ERR JET_API JetRenameColumnA(JET_SESID sesid, JET_TABLEID tableid, JET_PCSTR szName,
				 JET_PCSTR szNameNew, JET_GRBIT grbit)
{
	JET_ERR err = JET_errSuccess;
	api_sess *s;
	api_cursor *c;
	ddl d;
	bool inDdl = false;
	tbl_def *td = NULL;
	const tbl_column *col, *other;

	CallR(api_enter(sesid, &s));
	Call(api_tableid_get(s, tableid, &c));
	if (!szName || !szNameNew)
		Error(JET_errInvalidParameter);
	if (grbit)
		Error(JET_errInvalidGrbit);
	Call(tbl_check_name(szName));
	Call(tbl_check_name(szNameNew));
	inDdl = true;
	Call(ddl_cursor_begin(s, c, &d, &td));
	col = tbl_column_by_name(td, szName);
	if (!col)
		Error(JET_errColumnNotFound);
	other = tbl_column_by_name(td, szNameNew);
	if (other && other != col)
		Error(JET_errColumnDuplicate);
	/* Index definitions name their columns by id: nothing else changes. */
	err = cat_rename(&d.r, d.cat, td->objid, CAT_TYPE_COLUMN, (uint32_t)col->rc.columnid,
			 szNameNew);
	if (err == JET_errKeyDuplicate)
		err = JET_errColumnDuplicate;
	Call(err);
	inDdl = false;
	err = ddl_cursor_end(c, &d, JET_errSuccess);
HandleError:
	if (inDdl)
		err = ddl_end(&d, err);
	tbl_def_release(td);
	api_leave(s);
	return err;
}

JET_ERR JET_API JetDeleteIndexA(JET_SESID sesid, JET_TABLEID tableid, JET_PCSTR szIndexName)
{
	JET_ERR err = JET_errSuccess;
	api_sess *s;
	api_cursor *c;
	ddl d;
	bool inDdl = false;
	tbl_def *td = NULL;
	const tbl_index *ix;

	CallR(api_enter(sesid, &s));
	Call(api_tableid_get(s, tableid, &c));
	if (!szIndexName)
		Error(JET_errInvalidParameter);
	Call(tbl_check_name(szIndexName));
	inDdl = true;
	Call(ddl_cursor_begin(s, c, &d, &td));
	ix = tbl_index_by_name(td, szIndexName);
	if (!ix)
		Error(JET_errIndexNotFound);
	/* The records are keyed by the primary index. */
	if (ix == tbl_primary(td))
		Error(JET_errIndexMustStay);
	if (c->ix && strcasecmp(c->ix->name, ix->name) == 0)
		Error(JET_errIndexInUse);
	Call(cat_delete_index(&d.r, d.cat, td->objid, ix));
	Call(eng_tree_drop(s->eng, c->db, ix->objid));
	inDdl = false;
	err = ddl_cursor_end(c, &d, JET_errSuccess);
HandleError:
	if (inDdl)
		err = ddl_end(&d, err);
	tbl_def_release(td);
	api_leave(s);
	return err;
}

JET_ERR JET_API JetRenameTableA(JET_SESID sesid, JET_DBID dbid, const char *szName,
				const char *szNameNew)
{
	JET_ERR err = JET_errSuccess;
	api_sess *s;
	jdb *db;
	bool ro, inDdl = false;
	ddl d;
	tbl_def *td = NULL;

	CallR(api_enter(sesid, &s));
	Call(api_db(s, dbid, &db, &ro));
	if (!szName || !szNameNew)
		Error(JET_errInvalidParameter);
	Call(tbl_check_name(szName));
	Call(tbl_check_name(szNameNew));
	if (ro)
		Error(JET_errPermissionDenied);
	if (strcasecmp(szName, CAT_TABLE_NAME) == 0)
		Error(JET_errPermissionDenied); /* the catalog keeps its name */
	if (strcasecmp(szNameNew, CAT_TABLE_NAME) == 0)
		Error(JET_errTableDuplicate);
	Call(ddl_begin(s, db, &d));
	inDdl = true;
	Call(ddl_find_table(&d.r, szName, &td));
	/* ESE: a table anyone has open cannot be renamed. */
	if (td->rt && __atomic_load_n(&td->rt->nopen, __ATOMIC_ACQUIRE) > 0)
		Error(JET_errTableInUse);
	/* The table keeps its objid: only its row's Name changes. */
	err = cat_rename(&d.r, d.cat, 0, CAT_TYPE_TABLE, td->objid, szNameNew);
	if (err == JET_errKeyDuplicate)
		err = JET_errTableDuplicate;
	Call(err);
HandleError:
	if (inDdl)
		err = ddl_end(&d, err);
	tbl_def_release(td);
	api_leave(s);
	return err;
}
