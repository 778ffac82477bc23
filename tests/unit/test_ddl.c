/*
 * test_ddl.c - schema changes in place through the public API:
 * JetDeleteColumn(2), JetRenameColumn, JetDeleteIndex, JetRenameTable, each
 * committed, rolled back and refused with ESE's errors; the catalog rows
 * they leave (a deleted column's id is never reused, its bytes stay in the
 * records but read as JET_errColumnNotFound); and the changes surviving a
 * restart.
 */
#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jet.h"

#define OK(x) ck_assert_int_eq((x), JET_errSuccess)
#define ERR(x, e) ck_assert_int_eq((x), (e))

typedef struct env {
	JET_INSTANCE inst;
	JET_SESID ses;
	JET_DBID db;
	char dir[256];
	char dbpath[512];
} env;

static void env_start(env *e, bool create)
{
	char path[300];

	if (create) {
		snprintf(e->dir, sizeof(e->dir), "/tmp/jet_test_ddl_XXXXXX");
		ck_assert_ptr_nonnull(mkdtemp(e->dir));
		snprintf(e->dbpath, sizeof(e->dbpath), "%s/t.edb", e->dir);
	}
	snprintf(path, sizeof(path), "%s/", e->dir);
	OK(JetCreateInstance(&e->inst, "test_ddl"));
	OK(JetSetSystemParameter(&e->inst, 0, JET_paramSystemPath, 0, path));
	OK(JetSetSystemParameter(&e->inst, 0, JET_paramLogFilePath, 0, path));
	OK(JetInit(&e->inst));
	OK(JetBeginSession(e->inst, &e->ses, NULL, NULL));
	if (create) {
		OK(JetCreateDatabase(e->ses, e->dbpath, NULL, &e->db, 0));
	} else {
		JET_ERR err = JetAttachDatabase(e->ses, e->dbpath, 0);
		ck_assert(err == JET_errSuccess || err == JET_wrnDatabaseAttached);
		OK(JetOpenDatabase(e->ses, e->dbpath, NULL, &e->db, 0));
	}
}

static void env_stop(env *e, bool remove)
{
	char cmd[600];

	OK(JetEndSession(e->ses, 0));
	OK(JetTerm(e->inst));
	if (remove) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", e->dir);
		ck_assert_int_eq(system(cmd), 0);
	}
}

static JET_COLUMNID add_col(env *e, JET_TABLEID t, const char *name, JET_COLTYP typ,
			    JET_GRBIT grbit)
{
	JET_COLUMNDEF cd;
	JET_COLUMNID id = 0;

	memset(&cd, 0, sizeof(cd));
	cd.cbStruct = sizeof(cd);
	cd.coltyp = typ;
	cd.grbit = grbit;
	OK(JetAddColumn(e->ses, t, name, &cd, NULL, 0, &id));
	return id;
}

/* Table "t": k Long (primary), a Long, b Long, s Text, g LongBinary; index
 * "bys" on s; rows k = 1..n with a = 10k, b = 100k, s = "s<k>". */
typedef struct tcols {
	JET_COLUMNID k, a, b, s, g;
} tcols;

static JET_TABLEID make_table(env *e, const char *name, tcols *c, int n)
{
	JET_TABLEID t;
	int i;

	OK(JetCreateTable(e->ses, e->db, name, 0, 0, &t));
	c->k = add_col(e, t, "k", JET_coltypLong, JET_bitColumnNotNULL);
	c->a = add_col(e, t, "a", JET_coltypLong, 0);
	c->b = add_col(e, t, "b", JET_coltypLong, 0);
	c->s = add_col(e, t, "s", JET_coltypText, 0);
	c->g = add_col(e, t, "g", JET_coltypLongBinary, 0);
	OK(JetCreateIndex(e->ses, t, "pk", JET_bitIndexPrimary, "+k\0", 4, 100));
	OK(JetCreateIndex(e->ses, t, "bys", 0, "+s\0", 4, 100));
	for (i = 1; i <= n; i++) {
		int32_t k = i, a = 10 * i, b = 100 * i;
		char s[16];
		snprintf(s, sizeof(s), "s%d", i);
		OK(JetPrepareUpdate(e->ses, t, JET_prepInsert));
		OK(JetSetColumn(e->ses, t, c->k, &k, 4, 0, NULL));
		OK(JetSetColumn(e->ses, t, c->a, &a, 4, 0, NULL));
		OK(JetSetColumn(e->ses, t, c->b, &b, 4, 0, NULL));
		OK(JetSetColumn(e->ses, t, c->s, s, (unsigned long)strlen(s), 0, NULL));
		OK(JetSetColumn(e->ses, t, c->g, "gg", 2, 0, NULL));
		OK(JetUpdate(e->ses, t, NULL, 0, NULL));
	}
	return t;
}

static void seek_k(env *e, JET_TABLEID t, int32_t k)
{
	OK(JetMakeKey(e->ses, t, &k, 4, JET_bitNewKey));
	OK(JetSeek(e->ses, t, JET_bitSeekEQ));
}

static int32_t get_long(env *e, JET_TABLEID t, JET_COLUMNID col)
{
	int32_t v = -1;
	unsigned long cb = 0;
	OK(JetRetrieveColumn(e->ses, t, col, &v, 4, &cb, 0, NULL));
	ck_assert_uint_eq(cb, 4);
	return v;
}

static JET_ERR col_id(env *e, const char *table, const char *col, JET_COLUMNID *pid)
{
	JET_COLUMNDEF cd;
	JET_ERR err = JetGetColumnInfo(e->ses, e->db, table, col, &cd, sizeof(cd), JET_ColInfo);
	if (err >= 0 && pid)
		*pid = cd.columnid;
	return err;
}

START_TEST(test_delete_column)
{
	env e;
	tcols c;
	JET_TABLEID t, t2;
	JET_COLUMNID id;
	int32_t v;
	unsigned long cb;

	env_start(&e, true);
	t = make_table(&e, "t", &c, 5);

	/* Errors: missing, used by an index (primary or secondary), bad name,
	 * bad grbit, NULL. */
	ERR(JetDeleteColumn(e.ses, t, "nope"), JET_errColumnNotFound);
	ERR(JetDeleteColumn(e.ses, t, "k"), JET_errColumnInUse);
	ERR(JetDeleteColumn(e.ses, t, "s"), JET_errColumnInUse);
	ERR(JetDeleteColumn(e.ses, t, ""), JET_errInvalidName);
	ERR(JetDeleteColumn(e.ses, t, NULL), JET_errInvalidParameter);
	ERR(JetDeleteColumn2(e.ses, t, "a", 0x100), JET_errInvalidGrbit);

	/* Rolled back: the column is back. */
	OK(JetBeginTransaction(e.ses));
	OK(JetDeleteColumn(e.ses, t, "a"));
	ERR(col_id(&e, "t", "a", NULL), JET_errColumnNotFound);
	seek_k(&e, t, 2);
	ERR(JetRetrieveColumn(e.ses, t, c.a, &v, 4, &cb, 0, NULL), JET_errColumnNotFound);
	OK(JetRollback(e.ses, 0));
	OK(col_id(&e, "t", "a", &id));
	ck_assert_uint_eq(id, c.a);
	OK(JetOpenTable(e.ses, e.db, "t", NULL, 0, 0, &t2));
	seek_k(&e, t2, 2);
	ck_assert_int_eq(get_long(&e, t2, c.a), 20);
	OK(JetCloseTable(e.ses, t2));

	/* Committed: gone, b (after a in the fixed data) still reads right. */
	OK(JetBeginTransaction(e.ses));
	OK(JetDeleteColumn2(e.ses, t, "a", 0));
	OK(JetCommitTransaction(e.ses, 0));
	ERR(col_id(&e, "t", "a", NULL), JET_errColumnNotFound);
	ERR(JetDeleteColumn(e.ses, t, "a"), JET_errColumnNotFound);
	seek_k(&e, t, 3);
	ERR(JetRetrieveColumn(e.ses, t, c.a, &v, 4, &cb, 0, NULL), JET_errColumnNotFound);
	ck_assert_int_eq(get_long(&e, t, c.b), 300);

	/* A new column of the same name gets a new id and reads NULL in the
	 * old records (the deleted one's bytes do not show through). */
	id = add_col(&e, t, "a", JET_coltypLongLong, 0);
	ck_assert_uint_ne(id, c.a);
	ck_assert_uint_gt(id, c.b);
	seek_k(&e, t, 3);
	ERR(JetRetrieveColumn(e.ses, t, id, &v, 4, &cb, 0, NULL), JET_wrnColumnNull);
	ck_assert_int_eq(get_long(&e, t, c.b), 300);

	/* Updating an old record keeps working (its deleted bytes ride along). */
	OK(JetPrepareUpdate(e.ses, t, JET_prepReplace));
	v = 333;
	OK(JetSetColumn(e.ses, t, c.b, &v, 4, 0, NULL));
	OK(JetUpdate(e.ses, t, NULL, 0, NULL));
	seek_k(&e, t, 3);
	ck_assert_int_eq(get_long(&e, t, c.b), 333);

	/* Tagged and variable columns too; after the index on s goes. */
	OK(JetSetCurrentIndex(e.ses, t, NULL));
	OK(JetDeleteIndex(e.ses, t, "bys"));
	OK(JetDeleteColumn(e.ses, t, "s"));
	OK(JetDeleteColumn(e.ses, t, "g"));
	ERR(col_id(&e, "t", "s", NULL), JET_errColumnNotFound);
	id = add_col(&e, t, "s2", JET_coltypText, 0);
	ck_assert_uint_gt(id, c.s);
	id = add_col(&e, t, "g2", JET_coltypLongBinary, 0);
	ck_assert_uint_gt(id, c.g);
	OK(JetCloseTable(e.ses, t));

	/* It all survives a restart. */
	env_stop(&e, false);
	env_start(&e, false);
	ERR(col_id(&e, "t", "a", &id), JET_errSuccess);
	ck_assert_uint_ne(id, c.a);
	ERR(col_id(&e, "t", "s", NULL), JET_errColumnNotFound);
	OK(JetOpenTable(e.ses, e.db, "t", NULL, 0, 0, &t));
	seek_k(&e, t, 5);
	ck_assert_int_eq(get_long(&e, t, c.b), 500);
	ERR(JetRetrieveColumn(e.ses, t, c.a, &v, 4, &cb, 0, NULL), JET_errColumnNotFound);
	OK(JetCloseTable(e.ses, t));
	env_stop(&e, true);
}
END_TEST

START_TEST(test_delete_column_readonly)
{
	env e;
	tcols c;
	JET_TABLEID t, tro;

	env_start(&e, true);
	t = make_table(&e, "t", &c, 1);
	OK(JetOpenTable(e.ses, e.db, "t", NULL, 0, JET_bitTableReadOnly, &tro));
	ERR(JetDeleteColumn(e.ses, tro, "a"), JET_errPermissionDenied);
	ERR(JetRenameColumn(e.ses, tro, "a", "z", 0), JET_errPermissionDenied);
	ERR(JetDeleteIndex(e.ses, tro, "bys"), JET_errPermissionDenied);
	OK(JetMove(e.ses, t, JET_MoveFirst, 0));
	OK(JetPrepareUpdate(e.ses, t, JET_prepReplace));
	ERR(JetDeleteColumn(e.ses, t, "a"), JET_errAlreadyPrepared);
	OK(JetPrepareUpdate(e.ses, t, JET_prepCancel));
	OK(JetCloseTable(e.ses, tro));
	OK(JetOpenTable(e.ses, e.db, "MSysObjects", NULL, 0, 0, &tro));
	ERR(JetDeleteColumn(e.ses, tro, "Name"), JET_errPermissionDenied);
	OK(JetCloseTable(e.ses, tro));
	OK(JetCloseTable(e.ses, t));
	env_stop(&e, true);
}
END_TEST

START_TEST(test_rename_column)
{
	env e;
	tcols c;
	JET_TABLEID t;
	JET_COLUMNID id;

	env_start(&e, true);
	t = make_table(&e, "t", &c, 3);
	ERR(JetRenameColumn(e.ses, t, "nope", "x", 0), JET_errColumnNotFound);
	ERR(JetRenameColumn(e.ses, t, "a", "B", 0), JET_errColumnDuplicate);
	ERR(JetRenameColumn(e.ses, t, "a", "x", 1), JET_errInvalidGrbit);
	ERR(JetRenameColumn(e.ses, t, "a", "", 0), JET_errInvalidName);
	ERR(JetRenameColumn(e.ses, t, NULL, "x", 0), JET_errInvalidParameter);
	ERR(JetRenameColumn(e.ses, t, "a", NULL, 0), JET_errInvalidParameter);

	/* Rolled back. */
	OK(JetBeginTransaction(e.ses));
	OK(JetRenameColumn(e.ses, t, "a", "alpha", 0));
	OK(col_id(&e, "t", "alpha", &id));
	ck_assert_uint_eq(id, c.a);
	ERR(col_id(&e, "t", "a", NULL), JET_errColumnNotFound);
	OK(JetRollback(e.ses, 0));
	OK(col_id(&e, "t", "a", &id));
	ERR(col_id(&e, "t", "alpha", NULL), JET_errColumnNotFound);

	/* Committed, also a column in an index (the index follows it). */
	OK(JetRenameColumn(e.ses, t, "a", "alpha", 0));
	OK(JetRenameColumn(e.ses, t, "s", "str", 0));
	OK(JetRenameColumn(e.ses, t, "k", "K", 0)); /* case only */
	OK(col_id(&e, "t", "alpha", &id));
	ck_assert_uint_eq(id, c.a);
	OK(JetSetCurrentIndex(e.ses, t, "bys"));
	OK(JetMakeKey(e.ses, t, "s2", 2, JET_bitNewKey));
	OK(JetSeek(e.ses, t, JET_bitSeekEQ));
	ck_assert_int_eq(get_long(&e, t, c.a), 20);
	/* Insert through the renamed index column. */
	OK(JetPrepareUpdate(e.ses, t, JET_prepInsert));
	{
		int32_t k = 9;
		OK(JetSetColumn(e.ses, t, c.k, &k, 4, 0, NULL));
		OK(JetSetColumn(e.ses, t, c.s, "s9", 2, 0, NULL));
	}
	OK(JetUpdate(e.ses, t, NULL, 0, NULL));
	OK(JetMakeKey(e.ses, t, "s9", 2, JET_bitNewKey));
	OK(JetSeek(e.ses, t, JET_bitSeekEQ));
	ck_assert_int_eq(get_long(&e, t, c.k), 9);
	OK(JetCloseTable(e.ses, t));
	env_stop(&e, false);
	env_start(&e, false);
	OK(col_id(&e, "t", "alpha", &id));
	ck_assert_uint_eq(id, c.a);
	OK(col_id(&e, "t", "str", &id));
	ck_assert_uint_eq(id, c.s);
	env_stop(&e, true);
}
END_TEST

static unsigned long count_index(env *e, JET_TABLEID t, const char *ix)
{
	unsigned long n = 0;
	OK(JetSetCurrentIndex(e->ses, t, ix));
	OK(JetIndexRecordCount(e->ses, t, &n, 0));
	return n;
}

START_TEST(test_delete_index)
{
	env e;
	tcols c;
	JET_TABLEID t, t2;
	unsigned long cnt = 0;

	env_start(&e, true);
	t = make_table(&e, "t", &c, 4);
	ERR(JetDeleteIndex(e.ses, t, "nope"), JET_errIndexNotFound);
	ERR(JetDeleteIndex(e.ses, t, "pk"), JET_errIndexMustStay);
	ERR(JetDeleteIndex(e.ses, t, NULL), JET_errInvalidParameter);
	OK(JetSetCurrentIndex(e.ses, t, "bys"));
	ERR(JetDeleteIndex(e.ses, t, "bys"), JET_errIndexInUse);
	OK(JetSetCurrentIndex(e.ses, t, NULL));

	/* Rolled back: the index and its entries are back. */
	OK(JetBeginTransaction(e.ses));
	OK(JetDeleteIndex(e.ses, t, "bys"));
	ERR(JetSetCurrentIndex(e.ses, t, "bys"), JET_errIndexNotFound);
	OK(JetRollback(e.ses, 0));
	OK(JetOpenTable(e.ses, e.db, "t", NULL, 0, 0, &t2));
	ck_assert_uint_eq(count_index(&e, t2, "bys"), 4);
	OK(JetCloseTable(e.ses, t2));

	/* Committed. */
	OK(JetDeleteIndex(e.ses, t, "BYS"));
	ERR(JetSetCurrentIndex(e.ses, t, "bys"), JET_errIndexNotFound);
	ERR(JetDeleteIndex(e.ses, t, "bys"), JET_errIndexNotFound);
	/* The column is free to go now; the name to be reused. */
	OK(JetCreateIndex(e.ses, t, "bys", JET_bitIndexUnique, "-b\0", 4, 100));
	ck_assert_uint_eq(count_index(&e, t, "bys"), 4);
	OK(JetMove(e.ses, t, JET_MoveFirst, 0));
	ck_assert_int_eq(get_long(&e, t, c.k), 4);
	OK(JetSetCurrentIndex(e.ses, t, NULL));
	OK(JetIndexRecordCount(e.ses, t, &cnt, 0));
	ck_assert_uint_eq(cnt, 4);
	OK(JetCloseTable(e.ses, t));
	env_stop(&e, false);
	env_start(&e, false);
	OK(JetOpenTable(e.ses, e.db, "t", NULL, 0, 0, &t));
	ck_assert_uint_eq(count_index(&e, t, "bys"), 4);
	OK(JetMove(e.ses, t, JET_MoveFirst, 0));
	ck_assert_int_eq(get_long(&e, t, c.k), 4);
	OK(JetCloseTable(e.ses, t));
	env_stop(&e, true);
}
END_TEST

START_TEST(test_rename_table)
{
	env e;
	tcols c, c2;
	JET_TABLEID t;
	JET_TABLESTATE st;
	unsigned long objid;

	env_start(&e, true);
	t = make_table(&e, "t", &c, 3);
	memset(&st, 0, sizeof(st));
	st.cbStruct = sizeof(st);
	OK(JetGetTableState(e.ses, t, &st));
	objid = st.objidTable;
	ERR(JetRenameTable(e.ses, e.db, "t", "u"), JET_errTableInUse);
	OK(JetCloseTable(e.ses, t));
	t = make_table(&e, "other", &c2, 0);
	OK(JetCloseTable(e.ses, t));

	ERR(JetRenameTable(e.ses, e.db, "nope", "u"), JET_errObjectNotFound);
	ERR(JetRenameTable(e.ses, e.db, "t", "OTHER"), JET_errTableDuplicate);
	ERR(JetRenameTable(e.ses, e.db, "t", "MSysObjects"), JET_errTableDuplicate);
	ERR(JetRenameTable(e.ses, e.db, "t", ""), JET_errInvalidName);
	ERR(JetRenameTable(e.ses, e.db, NULL, "u"), JET_errInvalidParameter);
	ERR(JetRenameTable(e.ses, e.db, "t", NULL), JET_errInvalidParameter);
	ERR(JetRenameTable(e.ses, e.db + 7, "t", "u"), JET_errInvalidDatabaseId);

	/* Rolled back. */
	OK(JetBeginTransaction(e.ses));
	OK(JetRenameTable(e.ses, e.db, "t", "u"));
	ERR(JetOpenTable(e.ses, e.db, "t", NULL, 0, 0, &t), JET_errObjectNotFound);
	OK(JetOpenTable(e.ses, e.db, "u", NULL, 0, 0, &t));
	OK(JetCloseTable(e.ses, t));
	OK(JetRollback(e.ses, 0));
	ERR(JetOpenTable(e.ses, e.db, "u", NULL, 0, 0, &t), JET_errObjectNotFound);

	/* Committed: same objid, same rows. */
	OK(JetRenameTable(e.ses, e.db, "t", "u"));
	ERR(JetOpenTable(e.ses, e.db, "t", NULL, 0, 0, &t), JET_errObjectNotFound);
	OK(JetOpenTable(e.ses, e.db, "u", NULL, 0, 0, &t));
	OK(JetGetTableState(e.ses, t, &st));
	ck_assert_uint_eq(st.objidTable, objid);
	seek_k(&e, t, 2);
	ck_assert_int_eq(get_long(&e, t, c.b), 200);
	{
		char name[JET_cbNameMost + 1];
		OK(JetGetTableInfo(e.ses, t, name, sizeof(name), JET_TblInfoName));
		ck_assert_str_eq(name, "u");
	}
	OK(JetCloseTable(e.ses, t));
	/* The old name is free again. */
	OK(JetCreateTable(e.ses, e.db, "t", 0, 0, &t));
	OK(JetCloseTable(e.ses, t));
	OK(JetDeleteTable(e.ses, e.db, "t"));
	env_stop(&e, false);
	env_start(&e, false);
	OK(JetOpenTable(e.ses, e.db, "u", NULL, 0, 0, &t));
	seek_k(&e, t, 3);
	ck_assert_int_eq(get_long(&e, t, c.b), 300);
	OK(JetCloseTable(e.ses, t));
	OK(JetDeleteTable(e.ses, e.db, "u"));
	env_stop(&e, true);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("ddl");
	TCase *tc = tcase_create("ddl");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_delete_column);
	tcase_add_test(tc, test_delete_column_readonly);
	tcase_add_test(tc, test_rename_column);
	tcase_add_test(tc, test_delete_index);
	tcase_add_test(tc, test_rename_table);
	suite_add_tcase(s, tc);
	return s;
}

#include "check_main.h"
JET_CHECK_MAIN(make_suite)
