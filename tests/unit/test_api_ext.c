/*
 * test_api_ext.c - libjet's extensions: table counters merge by delta across
 * sessions, follow transactions (rollback undoes them), carry the change
 * time, and survive a restart.
 */
#include <check.h>
#include <esent.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static char g_dir[256], g_db[300];

static void setup(void)
{
	snprintf(g_dir, sizeof(g_dir), "%s/jet_ext_XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(g_dir));
	ck_assert_int_lt(snprintf(g_db, sizeof(g_db), "%s/x.jdb", g_dir), (int)sizeof(g_db));
}

static void teardown(void)
{
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf -- %s", g_dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cleanup failed\n");
}

static JET_INSTANCE start(void)
{
	JET_INSTANCE inst = 0;
	char path[300];
	ck_assert_int_lt(snprintf(path, sizeof(path), "%s/", g_dir), (int)sizeof(path));
	ck_assert_int_eq(JetCreateInstance(&inst, "ext"), 0);
	ck_assert_int_eq(JetSetSystemParameter(&inst, 0, JET_paramSystemPath, 0, path), 0);
	ck_assert_int_eq(JetSetSystemParameter(&inst, 0, JET_paramLogFilePath, 0, path), 0);
	ck_assert_int_eq(JetInit(&inst), 0);
	return inst;
}

START_TEST(test_table_state)
{
	JET_INSTANCE inst = start();
	JET_SESID a, b;
	JET_DBID dbid;
	JET_TABLEID ta, tb;
	JET_COLUMNDEF cd = {sizeof(cd), 0, JET_coltypLong, 0, 0, 0, 0, 0, 0};
	JET_COLUMNID col;
	JET_TABLESTATE st = {sizeof(st), 0, {0, 0}, 0, 0};

	ck_assert_int_eq(JetBeginSession(inst, &a, "", ""), 0);
	ck_assert_int_eq(JetBeginSession(inst, &b, "", ""), 0);
	ck_assert_int_eq(JetCreateDatabase(a, g_db, NULL, &dbid, 0), 0);
	ck_assert_int_eq(JetCreateTable(a, dbid, "t", 0, 100, &ta), 0);
	ck_assert_int_eq(JetAddColumn(a, ta, "c", &cd, NULL, 0, &col), 0);
	ck_assert_int_eq(JetGetTableState(a, ta, &st), 0);
	ck_assert_uint_gt(st.objidTable, 0);
	ck_assert_int_eq(st.rgCounter[0], 0);
	unsigned long objid = st.objidTable;

	/* outside a transaction: refused */
	ck_assert_int_eq(JetAddTableCounter(a, ta, 0, 1), JET_errNotInTransaction);
	ck_assert_int_eq(JetAddTableCounter(a, ta, 2, 1), JET_errInvalidParameter);
	st.cbStruct = 4;
	ck_assert_int_eq(JetGetTableState(a, ta, &st), JET_errInvalidParameter);
	st.cbStruct = sizeof(st);

	JET_DBID dbb;
	ck_assert_int_eq(JetOpenDatabase(b, g_db, NULL, &dbb, 0), 0);
	ck_assert_int_eq(JetOpenTable(b, dbb, "t", NULL, 0, 0, &tb), 0);
	ck_assert_int_eq(JetBeginTransaction(a), 0);
	ck_assert_int_eq(JetBeginTransaction(b), 0);
	ck_assert_int_eq(JetAddTableCounter(a, ta, 0, 40), 0);
	ck_assert_int_eq(JetAddTableCounter(b, tb, 0, 2), 0);
	ck_assert_int_eq(JetAddTableCounter(b, tb, 1, -1), 0);
	ck_assert_int_eq(JetGetTableState(a, ta, &st), 0);
	ck_assert_int_eq(st.rgCounter[0], 40);
	ck_assert_int_eq(JetCommitTransaction(a, 0), 0);
	ck_assert_int_eq(JetCommitTransaction(b, 0), 0);
	ck_assert_int_eq(JetGetTableState(a, ta, &st), 0);
	ck_assert_int_eq(st.rgCounter[0], 42);
	ck_assert_int_eq(st.rgCounter[1], -1);
	ck_assert_uint_gt(st.changedNs, 0);
	unsigned long long mods = st.cModifications;
	/* a commit that changes a record counts too */
	ck_assert_int_eq(JetBeginTransaction(a), 0);
	ck_assert_int_eq(JetPrepareUpdate(a, ta, JET_prepInsert), 0);
	long v = 5;
	ck_assert_int_eq(JetSetColumn(a, ta, col, &v, 4, 0, NULL), 0);
	ck_assert_int_eq(JetUpdate(a, ta, NULL, 0, NULL), 0);
	ck_assert_int_eq(JetCommitTransaction(a, 0), 0);
	ck_assert_int_eq(JetGetTableState(a, ta, &st), 0);
	ck_assert_uint_eq(st.cModifications, mods + 1);
	mods = st.cModifications;

	ck_assert_int_eq(JetBeginTransaction(a), 0);
	ck_assert_int_eq(JetAddTableCounter(a, ta, 0, 1000), 0);
	ck_assert_int_eq(JetSetTableChangedTime(a, ta, 1234567890123456789ull), 0);
	ck_assert_int_eq(JetRollback(a, 0), 0);
	ck_assert_int_eq(JetGetTableState(a, ta, &st), 0);
	ck_assert_int_eq(st.rgCounter[0], 42);
	ck_assert_uint_ne(st.changedNs, 1234567890123456789ull);

	ck_assert_int_eq(JetBeginTransaction(a), 0);
	ck_assert_int_eq(JetSetTableChangedTime(a, ta, 1234567890123456789ull), 0);
	ck_assert_int_eq(JetCommitTransaction(a, 0), 0);
	ck_assert_int_eq(JetCloseTable(a, ta), 0);
	ck_assert_int_eq(JetCloseTable(b, tb), 0);
	ck_assert_int_eq(JetEndSession(a, 0), 0);
	ck_assert_int_eq(JetEndSession(b, 0), 0);
	ck_assert_int_eq(JetTerm2(inst, JET_bitTermDirty), 0);

	inst = start();
	ck_assert_int_eq(JetBeginSession(inst, &a, "", ""), 0);
	ck_assert_int_eq(JetAttachDatabase(a, g_db, 0), 0);
	ck_assert_int_eq(JetOpenDatabase(a, g_db, NULL, &dbid, 0), 0);
	ck_assert_int_eq(JetOpenTable(a, dbid, "t", NULL, 0, 0, &ta), 0);
	ck_assert_int_eq(JetGetTableState(a, ta, &st), 0);
	ck_assert_uint_eq(st.objidTable, objid);
	ck_assert_int_eq(st.rgCounter[0], 42);
	ck_assert_int_eq(st.rgCounter[1], -1);
	ck_assert_uint_eq(st.changedNs, 1234567890123456789ull);
	ck_assert_uint_eq(st.cModifications, mods + 1);
	ck_assert_int_eq(JetGetTableState(a, 0, &st), JET_errInvalidTableId);
	ck_assert_int_eq(JetCloseTable(a, ta), 0);
	ck_assert_int_eq(JetEndSession(a, 0), 0);
	ck_assert_int_eq(JetTerm(inst), 0);
}
END_TEST

int main(void)
{
	Suite *su = suite_create("api_ext");
	TCase *tc = tcase_create("state");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_table_state);
	suite_add_tcase(su, tc);
	SRunner *sr = srunner_create(su);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
