/*
 * test_temp.c - temporary tables (temptable.h): 200,000 random rows sorted
 * through a small cache (the file spills), iterated in order both ways;
 * descending and multi-column keys; TTUnique drops duplicates silently or,
 * with TTErrorOnDuplicateInsertion, refuses them; duplicates kept without
 * TTUnique; seeks and index ranges; replace and delete; the
 * JET_paramMaxTemporaryTables limit; JetEndSession closes them.
 */
#include <check.h>
#include <dirent.h>
#include <esent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_main.h"

static char g_dir[256];
static JET_INSTANCE g_inst;
static JET_SESID g_ses;

static void setup(void)
{
	char path[300];

	snprintf(g_dir, sizeof(g_dir), "%s/jet_tt_XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(g_dir));
	ck_assert_int_lt(snprintf(path, sizeof(path), "%s/", g_dir), (int)sizeof(path));
	g_inst = 0;
	ck_assert_int_eq(JetCreateInstance(&g_inst, "tt"), 0);
	ck_assert_int_eq(JetSetSystemParameter(&g_inst, 0, JET_paramSystemPath, 0, path), 0);
	ck_assert_int_eq(JetSetSystemParameter(&g_inst, 0, JET_paramLogFilePath, 0, path), 0);
	ck_assert_int_eq(JetSetSystemParameter(&g_inst, 0, JET_paramTempPath, 0, path), 0);
	/* A small cache: 200,000 rows do not fit it. */
	ck_assert_int_eq(JetSetSystemParameter(&g_inst, 0, JET_paramCacheSizeMax, 128, NULL), 0);
	ck_assert_int_eq(JetSetSystemParameter(&g_inst, 0, JET_paramMaxTemporaryTables, 4, NULL),
			 0);
	ck_assert_int_eq(JetInit(&g_inst), 0);
	ck_assert_int_eq(JetBeginSession(g_inst, &g_ses, NULL, NULL), 0);
}

static void teardown(void)
{
	char cmd[300];

	ck_assert_int_eq(JetTerm(g_inst), 0);
	snprintf(cmd, sizeof(cmd), "rm -rf -- %s", g_dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cleanup failed\n");
}

/* Files in the temp folder whose name starts with jettmp (none: they are
 * unlinked at creation). */
static int temp_files(void)
{
	DIR *d = opendir(g_dir);
	struct dirent *e;
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d)))
		n += strncmp(e->d_name, "jettmp", 6) == 0;
	closedir(d);
	return n;
}

static JET_COLUMNDEF coldef(JET_COLTYP t, JET_GRBIT g)
{
	JET_COLUMNDEF cd;
	memset(&cd, 0, sizeof(cd));
	cd.cbStruct = sizeof(cd);
	cd.coltyp = t;
	cd.grbit = g;
	return cd;
}

static void insert(JET_TABLEID t, const JET_COLUMNID *col, int32_t k, const char *s, JET_ERR want)
{
	ck_assert_int_eq(JetPrepareUpdate(g_ses, t, JET_prepInsert), 0);
	ck_assert_int_eq(JetSetColumn(g_ses, t, col[0], &k, 4, 0, NULL), 0);
	ck_assert_int_eq(JetSetColumn(g_ses, t, col[1], s, (unsigned long)strlen(s), 0, NULL), 0);
	ck_assert_int_eq(JetUpdate(g_ses, t, NULL, 0, NULL), want);
	if (want < 0)
		ck_assert_int_eq(JetPrepareUpdate(g_ses, t, JET_prepCancel), 0);
}

static int32_t key_at(JET_TABLEID t, const JET_COLUMNID *col)
{
	int32_t k = 0;
	unsigned long act = 0;
	ck_assert_int_eq(JetRetrieveColumn(g_ses, t, col[0], &k, 4, &act, 0, NULL), 0);
	ck_assert_int_eq(act, 4);
	return k;
}

#define NROWS 200000

START_TEST(test_sort_200k)
{
	JET_COLUMNDEF cd[3] = {coldef(JET_coltypLong, JET_bitColumnTTKey),
			       coldef(JET_coltypText, 0),
			       coldef(JET_coltypLongBinary, 0)};
	JET_COLUMNID col[3];
	JET_TABLEID t;
	unsigned seed = 7;
	int32_t prev, k;
	long n = 0;
	char buf[64], payload[300];
	JET_ERR err;

	memset(payload, 'p', sizeof(payload));
	ck_assert_int_eq(JetOpenTempTable(g_ses, cd, 3, JET_bitTTIndexed | JET_bitTTScrollable,
					  &t, col),
			 0);
	ck_assert_int_eq(temp_files(), 0);
	for (int i = 0; i < NROWS; i++) {
		k = (int32_t)(rand_r(&seed) % 1000000000) - 500000000;
		snprintf(buf, sizeof(buf), "row %d", k);
		ck_assert_int_eq(JetPrepareUpdate(g_ses, t, JET_prepInsert), 0);
		ck_assert_int_eq(JetSetColumn(g_ses, t, col[0], &k, 4, 0, NULL), 0);
		ck_assert_int_eq(
		    JetSetColumn(g_ses, t, col[1], buf, (unsigned long)strlen(buf), 0, NULL), 0);
		ck_assert_int_eq(JetSetColumn(g_ses, t, col[2], payload, 100, 0, NULL), 0);
		ck_assert_int_eq(JetUpdate(g_ses, t, NULL, 0, NULL), 0);
	}
	/* Forward: ascending (duplicates kept), every row there, text intact. */
	prev = INT32_MIN;
	for (err = JetMove(g_ses, t, JET_MoveFirst, 0); err == 0;
	     err = JetMove(g_ses, t, JET_MoveNext, 0)) {
		unsigned long act;
		k = key_at(t, col);
		ck_assert_int_ge(k, prev);
		prev = k;
		ck_assert_int_eq(JetRetrieveColumn(g_ses, t, col[1], buf, sizeof(buf) - 1, &act, 0,
						   NULL),
				 0);
		buf[act] = 0;
		{
			char want[64];
			snprintf(want, sizeof(want), "row %d", k);
			ck_assert_str_eq(buf, want);
		}
		n++;
	}
	ck_assert_int_eq(err, JET_errNoCurrentRecord);
	ck_assert_int_eq(n, NROWS);
	/* Backward. */
	n = 0;
	prev = INT32_MAX;
	for (err = JetMove(g_ses, t, JET_MoveLast, 0); err == 0;
	     err = JetMove(g_ses, t, JET_MovePrevious, 0)) {
		k = key_at(t, col);
		ck_assert_int_le(k, prev);
		prev = k;
		n++;
	}
	ck_assert_int_eq(n, NROWS);
	/* Seek to the first key >= 0. */
	k = 0;
	ck_assert_int_eq(JetMakeKey(g_ses, t, &k, 4, JET_bitNewKey), 0);
	err = JetSeek(g_ses, t, JET_bitSeekGE);
	ck_assert(err == 0 || err == JET_wrnSeekNotEqual);
	ck_assert_int_ge(key_at(t, col), 0);
	ck_assert_int_eq(JetMove(g_ses, t, JET_MovePrevious, 0), 0);
	ck_assert_int_lt(key_at(t, col), 0);
	ck_assert_int_eq(JetCloseTable(g_ses, t), 0);
	ck_assert_int_eq(temp_files(), 0);
}
END_TEST

START_TEST(test_unique_and_duplicates)
{
	JET_COLUMNDEF cd[2] = {coldef(JET_coltypLong, JET_bitColumnTTKey),
			       coldef(JET_coltypText, 0)};
	JET_COLUMNID col[2];
	JET_TABLEID t;
	char buf[32];
	unsigned long act;
	long n = 0;
	JET_ERR err;

	/* TTUnique: the later duplicate is dropped without a word. */
	ck_assert_int_eq(JetOpenTempTable(g_ses, cd, 2, JET_bitTTUnique, &t, col), 0);
	insert(t, col, 5, "first", 0);
	insert(t, col, 3, "three", 0);
	insert(t, col, 5, "second", 0);
	for (err = JetMove(g_ses, t, JET_MoveFirst, 0); err == 0;
	     err = JetMove(g_ses, t, JET_MoveNext, 0))
		n++;
	ck_assert_int_eq(n, 2);
	ck_assert_int_eq(JetMove(g_ses, t, JET_MoveLast, 0), 0);
	ck_assert_int_eq(JetRetrieveColumn(g_ses, t, col[1], buf, sizeof(buf), &act, 0, NULL), 0);
	ck_assert_int_eq(act, 5);
	ck_assert_int_eq(memcmp(buf, "first", 5), 0);
	ck_assert_int_eq(JetCloseTable(g_ses, t), 0);

	/* With ErrorOnDuplicateInsertion: JET_errKeyDuplicate. */
	ck_assert_int_eq(JetOpenTempTable(g_ses, cd, 2,
					  JET_bitTTUnique | JET_bitTTErrorOnDuplicateInsertion, &t,
					  col),
			 0);
	insert(t, col, 5, "first", 0);
	insert(t, col, 5, "second", JET_errKeyDuplicate);
	ck_assert_int_eq(JetCloseTable(g_ses, t), 0);

	/* Without TTUnique duplicates stay, in insertion order; MoveKeyNE
	 * skips them; a seek EQ lands on the first. */
	ck_assert_int_eq(JetOpenTempTable(g_ses, cd, 2, 0, &t, col), 0);
	insert(t, col, 5, "a", 0);
	insert(t, col, 9, "z", 0);
	insert(t, col, 5, "b", 0);
	insert(t, col, 5, "c", 0);
	{
		int32_t k = 5;
		ck_assert_int_eq(JetMakeKey(g_ses, t, &k, 4, JET_bitNewKey), 0);
		ck_assert_int_eq(JetSeek(g_ses, t, JET_bitSeekEQ | JET_bitSetIndexRange), 0);
	}
	n = 0;
	do {
		ck_assert_int_eq(
		    JetRetrieveColumn(g_ses, t, col[1], buf, sizeof(buf), &act, 0, NULL), 0);
		ck_assert_int_eq(buf[0], "abc"[n]);
		n++;
	} while (JetMove(g_ses, t, JET_MoveNext, 0) == 0);
	ck_assert_int_eq(n, 3);
	ck_assert_int_eq(JetMove(g_ses, t, JET_MoveFirst, 0), 0);
	ck_assert_int_eq(JetMove(g_ses, t, JET_MoveNext, JET_bitMoveKeyNE), 0);
	ck_assert_int_eq(key_at(t, col), 9);
	/* Delete and replace. */
	ck_assert_int_eq(JetDelete(g_ses, t), 0);
	ck_assert_int_eq(JetMove(g_ses, t, JET_MoveLast, 0), 0);
	ck_assert_int_eq(JetPrepareUpdate(g_ses, t, JET_prepReplace), 0);
	ck_assert_int_eq(JetSetColumn(g_ses, t, col[1], "C", 1, 0, NULL), 0);
	ck_assert_int_eq(JetUpdate(g_ses, t, NULL, 0, NULL), 0);
	ck_assert_int_eq(JetRetrieveColumn(g_ses, t, col[1], buf, sizeof(buf), &act, 0, NULL), 0);
	ck_assert_int_eq(act, 1);
	ck_assert_int_eq(buf[0], 'C');
	{
		int32_t k = 9;
		ck_assert_int_eq(JetMakeKey(g_ses, t, &k, 4, JET_bitNewKey), 0);
		ck_assert_int_eq(JetSeek(g_ses, t, JET_bitSeekEQ), JET_errRecordNotFound);
	}
	ck_assert_int_eq(JetCloseTable(g_ses, t), 0);
}
END_TEST

START_TEST(test_descending_multi)
{
	JET_COLUMNDEF cd[3] = {coldef(JET_coltypText, JET_bitColumnTTKey | JET_bitColumnTTDescending),
			       coldef(JET_coltypLong, JET_bitColumnTTKey),
			       coldef(JET_coltypLong, 0)};
	JET_COLUMNID col[3];
	JET_TABLEID t;
	const char *names[] = {"b", "a", "c", "b", "a"};
	int32_t nums[] = {2, 1, 1, 1, 2};
	const char *wantName = "cbbaa";
	int32_t wantNum[] = {1, 1, 2, 1, 2};
	char buf[8];
	unsigned long act;
	int i = 0;
	JET_ERR err;

	cd[0].cp = 1252;
	ck_assert_int_eq(JetOpenTempTable(g_ses, cd, 3, JET_bitTTIndexed, &t, col), 0);
	for (int j = 0; j < 5; j++) {
		ck_assert_int_eq(JetPrepareUpdate(g_ses, t, JET_prepInsert), 0);
		ck_assert_int_eq(JetSetColumn(g_ses, t, col[0], names[j], 1, 0, NULL), 0);
		ck_assert_int_eq(JetSetColumn(g_ses, t, col[1], &nums[j], 4, 0, NULL), 0);
		ck_assert_int_eq(JetUpdate(g_ses, t, NULL, 0, NULL), 0);
	}
	for (err = JetMove(g_ses, t, JET_MoveFirst, 0); err == 0;
	     err = JetMove(g_ses, t, JET_MoveNext, 0), i++) {
		int32_t v;
		ck_assert_int_eq(JetRetrieveColumn(g_ses, t, col[0], buf, sizeof(buf), &act, 0, NULL),
				 0);
		ck_assert_int_eq(buf[0], wantName[i]);
		ck_assert_int_eq(JetRetrieveColumn(g_ses, t, col[1], &v, 4, &act, 0, NULL), 0);
		ck_assert_int_eq(v, wantNum[i]);
		/* A column never set reads as NULL. */
		ck_assert_int_eq(JetRetrieveColumn(g_ses, t, col[2], &v, 4, &act, 0, NULL),
				 JET_wrnColumnNull);
	}
	ck_assert_int_eq(i, 5);
	ck_assert_int_eq(JetCloseTable(g_ses, t), 0);
}
END_TEST

START_TEST(test_limits_and_end_session)
{
	JET_COLUMNDEF cd[1] = {coldef(JET_coltypLong, JET_bitColumnTTKey)};
	JET_COLUMNID col[1];
	JET_TABLEID t[5];
	JET_SESID s2;
	int32_t k = 1;

	ck_assert_int_eq(JetOpenTempTable(g_ses, cd, 1, 0x10000, &t[0], col), JET_errInvalidGrbit);
	cd[0].coltyp = 99;
	ck_assert_int_eq(JetOpenTempTable(g_ses, cd, 1, 0, &t[0], col), JET_errInvalidColumnType);
	cd[0].coltyp = JET_coltypLong;
	ck_assert_int_eq(JetBeginSession(g_inst, &s2, NULL, NULL), 0);
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(JetOpenTempTable(s2, cd, 1, 0, &t[i], col), 0);
	/* JET_paramMaxTemporaryTables is 4 for the instance. */
	ck_assert_int_eq(JetOpenTempTable(g_ses, cd, 1, 0, &t[4], col), JET_errTooManySorts);
	ck_assert_int_eq(JetPrepareUpdate(s2, t[0], JET_prepInsert), 0);
	ck_assert_int_eq(JetSetColumn(s2, t[0], col[0], &k, 4, 0, NULL), 0);
	ck_assert_int_eq(JetUpdate(s2, t[0], NULL, 0, NULL), 0);
	/* A rollback leaves a temporary table alone. */
	ck_assert_int_eq(JetBeginTransaction(s2), 0);
	ck_assert_int_eq(JetOpenTempTable(g_ses, cd, 1, 0, &t[4], col), JET_errTooManySorts);
	ck_assert_int_eq(JetRollback(s2, 0), 0);
	ck_assert_int_eq(JetMove(s2, t[0], JET_MoveFirst, 0), 0);
	/* JetEndSession closes them: the slots are free again. */
	ck_assert_int_eq(JetEndSession(s2, 0), 0);
	ck_assert_int_eq(JetMove(g_ses, t[0], JET_MoveFirst, 0), JET_errInvalidTableId);
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(JetOpenTempTable(g_ses, cd, 1, 0, &t[i], col), 0);
	/* JetTerm (teardown) closes what is left. */
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("temp");
	TCase *tc = tcase_create("temp");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, test_sort_200k);
	tcase_add_test(tc, test_unique_and_duplicates);
	tcase_add_test(tc, test_descending_multi);
	tcase_add_test(tc, test_limits_and_end_session);
	suite_add_tcase(s, tc);
	return s;
}

JET_CHECK_MAIN(make_suite)
