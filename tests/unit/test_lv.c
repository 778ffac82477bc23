/*
 * test_lv.c - separated long values (lv.h): a 100 MiB LongBinary written in
 * 1 MiB appends within one prepared update and read back at random offsets
 * with bounded memory; overwrite, shrink, rollback, delete (the LV tree is
 * empty again); several long columns and multi-valued ones; RetrieveCopy
 * and prepCancel; an index over a long column; JetTerm/JetInit.
 */
#include <check.h>
#include <esent.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

#include "api.h"
#include "catalog.h"
#include "check_main.h"
#include "lv.h"

static char g_dir[256], g_db[300];
static JET_INSTANCE g_inst;
static JET_SESID g_ses;
static JET_DBID g_dbid;

static void setup(void)
{
	snprintf(g_dir, sizeof(g_dir), "%s/jet_lv_XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(g_dir));
	ck_assert_int_lt(snprintf(g_db, sizeof(g_db), "%s/lv.jdb", g_dir), (int)sizeof(g_db));
}

static void teardown(void)
{
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf -- %s", g_dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cleanup failed\n");
}

/* Cache of 2048 pages (16 MiB at 8 KiB). */
#define CACHE_PAGES 2048

static void start(bool create)
{
	char path[300];

	ck_assert_int_lt(snprintf(path, sizeof(path), "%s/", g_dir), (int)sizeof(path));
	g_inst = 0;
	ck_assert_int_eq(JetCreateInstance(&g_inst, "lv"), 0);
	ck_assert_int_eq(JetSetSystemParameter(&g_inst, 0, JET_paramSystemPath, 0, path), 0);
	ck_assert_int_eq(JetSetSystemParameter(&g_inst, 0, JET_paramLogFilePath, 0, path), 0);
	ck_assert_int_eq(JetSetSystemParameter(&g_inst, 0, JET_paramCircularLog, 1, NULL), 0);
	ck_assert_int_eq(
	    JetSetSystemParameter(&g_inst, 0, JET_paramCacheSizeMax, CACHE_PAGES, NULL), 0);
	ck_assert_int_eq(JetInit(&g_inst), 0);
	ck_assert_int_eq(JetBeginSession(g_inst, &g_ses, NULL, NULL), 0);
	if (create) {
		ck_assert_int_eq(JetCreateDatabase(g_ses, g_db, NULL, &g_dbid, 0), 0);
	} else {
		ck_assert_int_ge(JetAttachDatabase(g_ses, g_db, 0), 0);
		ck_assert_int_eq(JetOpenDatabase(g_ses, g_db, NULL, &g_dbid, 0), 0);
	}
}

static void stop(void)
{
	ck_assert_int_eq(JetEndSession(g_ses, 0), 0);
	ck_assert_int_eq(JetTerm(g_inst), 0);
}

/* Entries in the LV tree of a table (0 when it has none). */
static uint64_t lv_entries(const char *table)
{
	api_sess *s;
	jdb *db;
	bool ro;
	eng_read r;
	tbl_def *cat;
	uint32_t objid, tree = 0, root;
	uint64_t n = 0;

	ck_assert_int_eq(api_enter(g_ses, &s), 0);
	ck_assert_int_eq(api_db(s, g_dbid, &db, &ro), 0);
	ck_assert_int_eq(eng_read_begin(s->eng, db, &r), 0);
	ck_assert_int_eq(tbl_def_catalog(db, &cat), 0);
	ck_assert_int_eq(cat_find_table(&r, cat, table, &objid), 0);
	ck_assert_int_eq(cat_find_lv(&r, cat, objid, &tree), 0);
	if (tree) {
		ck_assert_int_eq(eng_read_root(&r, tree, &root), 0);
		ck_assert_int_eq(bt_count(eng_db_cache(db), root, &n), 0);
	}
	tbl_def_release(cat);
	eng_read_end(&r);
	api_leave(s);
	return n;
}

static uint8_t pat(uint64_t o)
{
	uint64_t x = (o / 8 + 1) * 0x9E3779B97F4A7C15ull;
	return (uint8_t)(x >> (8 * (o % 8)));
}

static void fill(uint8_t *p, uint64_t off, size_t cb)
{
	for (size_t i = 0; i < cb; i++)
		p[i] = pat(off + i);
}

static long maxrss_kb(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

static JET_COLUMNID g_colId, g_colData;

static void make_table(const char *name, JET_TABLEID *pt)
{
	JET_COLUMNDEF cd = {0};
	cd.cbStruct = sizeof(cd);

	ck_assert_int_eq(JetCreateTable(g_ses, g_dbid, name, 0, 0, pt), 0);
	cd.coltyp = JET_coltypLong;
	ck_assert_int_eq(JetAddColumn(g_ses, *pt, "id", &cd, NULL, 0, &g_colId), 0);
	cd.coltyp = JET_coltypLongBinary;
	ck_assert_int_eq(JetAddColumn(g_ses, *pt, "data", &cd, NULL, 0, &g_colData), 0);
	ck_assert_int_eq(JetCreateIndex(g_ses, *pt, "pk", JET_bitIndexPrimary, "+id\0", 5, 100), 0);
}

static void seek_id(JET_TABLEID t, int32_t id)
{
	ck_assert_int_eq(JetMakeKey(g_ses, t, &id, 4, JET_bitNewKey), 0);
	ck_assert_int_eq(JetSeek(g_ses, t, JET_bitSeekEQ), 0);
}

/* Checks [off, off+cb) of the data column against the pattern, except
 * [hole, hole+cbHole) which must hold byte hv. */
static void check_range(JET_TABLEID t, uint64_t off, size_t cb, uint8_t *buf, uint8_t *want,
			uint64_t hole, size_t cbHole, uint8_t hv, uint64_t size)
{
	JET_RETINFO ri = {sizeof(ri), (unsigned long)off, 1, 0};
	unsigned long act = 0;
	JET_ERR err = JetRetrieveColumn(g_ses, t, g_colData, buf, (unsigned long)cb, &act, 0, &ri);

	ck_assert_int_eq(act, size - off);
	ck_assert_int_eq(err, size - off > cb ? JET_wrnBufferTruncated : 0);
	fill(want, off, cb);
	for (size_t i = 0; i < cb; i++)
		if (off + i >= hole && off + i < hole + cbHole)
			want[i] = hv;
	ck_assert_int_eq(memcmp(buf, want, JET_MIN(cb, (size_t)(size - off))), 0);
}

#define MIB (1024u * 1024u)
#define BIG (100ull * MIB)

START_TEST(test_lv_100mib)
{
	JET_TABLEID t;
	uint8_t *buf = malloc(MIB), *want = malloc(MIB);
	int32_t id = 1;
	unsigned long act = 0;
	long rss0, rss1;
	uint64_t off, hole = 50ull * MIB + 12345, small = 10ull * MIB + 7;
	unsigned seed = 12345;
	const uint32_t C = lv_chunk_size(8192);

	ck_assert_ptr_nonnull(buf);
	ck_assert_ptr_nonnull(want);
	start(true);
	make_table("big", &t);
	rss0 = maxrss_kb();

	/* 100 appends of 1 MiB in one prepared update. */
	ck_assert_int_eq(JetPrepareUpdate(g_ses, t, JET_prepInsert), 0);
	ck_assert_int_eq(JetSetColumn(g_ses, t, g_colId, &id, 4, 0, NULL), 0);
	for (off = 0; off < BIG; off += MIB) {
		fill(buf, off, MIB);
		ck_assert_int_eq(
		    JetSetColumn(g_ses, t, g_colData, buf, MIB, JET_bitSetAppendLV, NULL), 0);
	}
	/* RetrieveCopy sees the edit. */
	ck_assert_int_eq(JetRetrieveColumn(g_ses, t, g_colData, NULL, 0, &act, JET_bitRetrieveCopy,
					   NULL),
			 JET_wrnBufferTruncated);
	ck_assert_uint_eq(act, BIG);
	ck_assert_int_eq(JetUpdate(g_ses, t, NULL, 0, NULL), 0);
	ck_assert_uint_eq(lv_entries("big"), (BIG + C - 1) / C);

	/* Random reads. */
	seek_id(t, id);
	ck_assert_int_eq(JetRetrieveColumn(g_ses, t, g_colData, NULL, 0, &act, 0, NULL),
			 JET_wrnBufferTruncated);
	ck_assert_uint_eq(act, BIG);
	for (int i = 0; i < 300; i++) {
		size_t cb = (size_t)(rand_r(&seed) % (256 * 1024)) + 1;
		uint64_t o = ((uint64_t)rand_r(&seed) * 4099u) % (BIG - 1);
		check_range(t, o, cb, buf, want, 0, 0, 0, BIG);
	}
	check_range(t, BIG - 100, 1000, buf, want, 0, 0, 0, BIG);
	rss1 = maxrss_kb();
	fprintf(stderr, "test_lv: 100 MiB written and read: peak RSS grew by %ld KiB (cache %u KiB)\n",
		rss1 - rss0, CACHE_PAGES * 8);
	ck_assert_int_lt(rss1 - rss0, 64 * 1024 + CACHE_PAGES * 8);

	/* Overwrite in the middle: only its chunks change. */
	memset(buf, 0xAB, 3000);
	ck_assert_int_eq(JetPrepareUpdate(g_ses, t, JET_prepReplace), 0);
	{
		JET_SETINFO si = {sizeof(si), (unsigned long)hole, 1};
		ck_assert_int_eq(
		    JetSetColumn(g_ses, t, g_colData, buf, 3000, JET_bitSetOverwriteLV, &si), 0);
	}
	ck_assert_int_eq(JetUpdate(g_ses, t, NULL, 0, NULL), 0);
	ck_assert_uint_eq(lv_entries("big"), (BIG + C - 1) / C);
	seek_id(t, id);
	check_range(t, hole - 5000, 20000, buf, want, hole, 3000, 0xAB, BIG);

	/* Shrink with SizeLV. */
	ck_assert_int_eq(JetPrepareUpdate(g_ses, t, JET_prepReplace), 0);
	ck_assert_int_eq(JetSetColumn(g_ses, t, g_colData, NULL, (unsigned long)small,
				      JET_bitSetSizeLV, NULL),
			 0);
	ck_assert_int_eq(JetUpdate(g_ses, t, NULL, 0, NULL), 0);
	ck_assert_uint_eq(lv_entries("big"), (small + C - 1) / C);
	seek_id(t, id);
	check_range(t, small - 3000, 10000, buf, want, 0, 0, 0, small);

	/* Rollback of an LV change restores the old value. */
	ck_assert_int_eq(JetBeginTransaction(g_ses), 0);
	ck_assert_int_eq(JetPrepareUpdate(g_ses, t, JET_prepReplace), 0);
	memset(buf, 0xCD, 5000);
	ck_assert_int_eq(JetSetColumn(g_ses, t, g_colData, buf, 5000, JET_bitSetAppendLV, NULL), 0);
	{
		JET_SETINFO si = {sizeof(si), 100, 1};
		ck_assert_int_eq(
		    JetSetColumn(g_ses, t, g_colData, buf, 10, JET_bitSetOverwriteLV, &si), 0);
	}
	ck_assert_int_eq(JetUpdate(g_ses, t, NULL, 0, NULL), 0);
	ck_assert_int_eq(JetRetrieveColumn(g_ses, t, g_colData, NULL, 0, &act, 0, NULL),
			 JET_wrnBufferTruncated);
	ck_assert_uint_eq(act, small + 5000);
	ck_assert_int_eq(JetRollback(g_ses, 0), 0);
	seek_id(t, id);
	check_range(t, 0, 4096, buf, want, 0, 0, 0, small);
	check_range(t, small - 3000, 10000, buf, want, 0, 0, 0, small);
	ck_assert_uint_eq(lv_entries("big"), (small + C - 1) / C);

	/* prepCancel discards the edit's chunks. */
	ck_assert_int_eq(JetPrepareUpdate(g_ses, t, JET_prepReplace), 0);
	fill(buf, 0, MIB);
	ck_assert_int_eq(JetSetColumn(g_ses, t, g_colData, buf, MIB, JET_bitSetAppendLV, NULL), 0);
	ck_assert_int_eq(JetPrepareUpdate(g_ses, t, JET_prepCancel), 0);
	ck_assert_uint_eq(lv_entries("big"), (small + C - 1) / C);

	/* Deleting the record empties the LV tree. */
	seek_id(t, id);
	ck_assert_int_eq(JetDelete(g_ses, t), 0);
	ck_assert_uint_eq(lv_entries("big"), 0);
	ck_assert_int_eq(JetCloseTable(g_ses, t), 0);
	stop();
	free(buf);
	free(want);
}
END_TEST

START_TEST(test_lv_columns)
{
	JET_TABLEID t;
	JET_COLUMNDEF cd = {0};
	cd.cbStruct = sizeof(cd);
	JET_COLUMNID cText, cBin2, cMulti;
	static uint8_t a[50000], b[6000], m[3][5000], out[60000];
	int32_t id = 7;
	unsigned long act;
	JET_RETINFO ri = {sizeof(ri), 0, 1, 0};
	size_t i;
	const uint32_t C = lv_chunk_size(8192);
	const uint64_t entries = (sizeof(a) + C - 1) / C + (sizeof(b) + C - 1) / C +
				 3 * ((sizeof(m[0]) + C - 1) / C);

	for (i = 0; i < sizeof(a); i++)
		a[i] = (uint8_t)('a' + i % 26);
	fill(b, 777, sizeof(b));
	for (i = 0; i < 3; i++)
		memset(m[i], 'x' + (int)i, sizeof(m[i]));
	start(true);
	make_table("cols", &t);
	cd.coltyp = JET_coltypLongText;
	cd.cp = 1252;
	ck_assert_int_eq(JetAddColumn(g_ses, t, "txt", &cd, NULL, 0, &cText), 0);
	cd.coltyp = JET_coltypLongBinary;
	cd.cp = 0;
	ck_assert_int_eq(JetAddColumn(g_ses, t, "bin2", &cd, NULL, 0, &cBin2), 0);
	cd.grbit = JET_bitColumnMultiValued | JET_bitColumnTagged;
	ck_assert_int_eq(JetAddColumn(g_ses, t, "multi", &cd, NULL, 0, &cMulti), 0);
	ck_assert_int_eq(JetCreateIndex(g_ses, t, "bytxt", 0, "+txt\0", 6, 100), 0);

	ck_assert_int_eq(JetBeginTransaction(g_ses), 0);
	ck_assert_int_eq(JetPrepareUpdate(g_ses, t, JET_prepInsert), 0);
	ck_assert_int_eq(JetSetColumn(g_ses, t, g_colId, &id, 4, 0, NULL), 0);
	ck_assert_int_eq(JetSetColumn(g_ses, t, cText, a, sizeof(a), 0, NULL), 0);
	ck_assert_int_eq(JetSetColumn(g_ses, t, cBin2, b, sizeof(b), 0, NULL), 0);
	ck_assert_int_eq(JetSetColumn(g_ses, t, g_colData, "short", 5, 0, NULL), 0);
	for (i = 0; i < 3; i++) {
		JET_SETINFO si = {sizeof(si), 0, 0};
		ck_assert_int_eq(JetSetColumn(g_ses, t, cMulti, m[i], sizeof(m[i]), 0, &si), 0);
	}
	ck_assert_int_eq(JetUpdate(g_ses, t, NULL, 0, NULL), 0);
	/* A second record, by the index over the long column it sorts first. */
	id = 8;
	ck_assert_int_eq(JetPrepareUpdate(g_ses, t, JET_prepInsert), 0);
	ck_assert_int_eq(JetSetColumn(g_ses, t, g_colId, &id, 4, 0, NULL), 0);
	memset(out, 'A', 3000);
	ck_assert_int_eq(JetSetColumn(g_ses, t, cText, out, 3000, 0, NULL), 0);
	ck_assert_int_eq(JetUpdate(g_ses, t, NULL, 0, NULL), 0);
	ck_assert_int_eq(JetCommitTransaction(g_ses, 0), 0);
	ck_assert_uint_eq(lv_entries("cols"), entries + (3000 + C - 1) / C);

	ck_assert_int_eq(JetSetCurrentIndex(g_ses, t, "bytxt"), 0);
	ck_assert_int_eq(JetMove(g_ses, t, JET_MoveFirst, 0), 0);
	ck_assert_int_eq(JetRetrieveColumn(g_ses, t, g_colId, &id, 4, NULL, 0, NULL), 0);
	ck_assert_int_eq(id, 8);
	ck_assert_int_eq(JetMove(g_ses, t, JET_MoveNext, 0), 0);
	ck_assert_int_eq(JetRetrieveColumn(g_ses, t, g_colId, &id, 4, NULL, 0, NULL), 0);
	ck_assert_int_eq(id, 7);
	ck_assert_int_eq(JetSetCurrentIndex(g_ses, t, "pk"), 0);
	seek_id(t, 8);
	ck_assert_int_eq(JetDelete(g_ses, t), 0); /* record 8's LV goes with it */
	ck_assert_uint_eq(lv_entries("cols"), entries);
	ck_assert_int_eq(JetCloseTable(g_ses, t), 0);
	stop();

	/* Everything survives a restart. */
	start(false);
	ck_assert_int_eq(JetOpenTable(g_ses, g_dbid, "cols", NULL, 0, 0, &t), 0);
	seek_id(t, 7);
	ck_assert_int_eq(JetRetrieveColumn(g_ses, t, cText, out, sizeof(out), &act, 0, NULL), 0);
	ck_assert_int_eq(act, sizeof(a));
	ck_assert_int_eq(memcmp(out, a, sizeof(a)), 0);
	ck_assert_int_eq(JetRetrieveColumn(g_ses, t, cBin2, out, 100, &act, 0, NULL),
			 JET_wrnBufferTruncated);
	ck_assert_int_eq(act, sizeof(b));
	ck_assert_int_eq(memcmp(out, b, 100), 0);
	ck_assert_int_eq(JetRetrieveColumn(g_ses, t, g_colData, out, sizeof(out), &act, 0, NULL),
			 0);
	ck_assert_int_eq(act, 5);
	for (i = 0; i < 3; i++) {
		ri.itagSequence = (unsigned long)i + 1;
		ri.ibLongValue = 10;
		ck_assert_int_eq(
		    JetRetrieveColumn(g_ses, t, cMulti, out, sizeof(out), &act, 0, &ri), 0);
		ck_assert_int_eq(act, sizeof(m[i]) - 10);
		ck_assert_int_eq(memcmp(out, m[i] + 10, act), 0);
	}
	/* Replacing a separated value by a short one drops its chunks; the
	 * second occurrence's removal drops its own. */
	ck_assert_int_eq(JetPrepareUpdate(g_ses, t, JET_prepReplace), 0);
	ck_assert_int_eq(JetSetColumn(g_ses, t, cText, "tiny", 4, 0, NULL), 0);
	{
		JET_SETINFO si = {sizeof(si), 0, 2};
		ck_assert_int_eq(JetSetColumn(g_ses, t, cMulti, NULL, 0, 0, &si), 0);
	}
	ck_assert_int_eq(JetUpdate(g_ses, t, NULL, 0, NULL), 0);
	ck_assert_uint_eq(lv_entries("cols"), entries - (sizeof(a) + C - 1) / C -
						  (sizeof(m[0]) + C - 1) / C);
	seek_id(t, 7);
	ri.itagSequence = 2;
	ri.ibLongValue = 0;
	ck_assert_int_eq(JetRetrieveColumn(g_ses, t, cMulti, out, sizeof(out), &act, 0, &ri), 0);
	ck_assert_int_eq(memcmp(out, m[2], sizeof(m[2])), 0);
	/* InsertCopy copies the separated values. */
	ck_assert_int_eq(JetPrepareUpdate(g_ses, t, JET_prepInsertCopy), 0);
	id = 9;
	ck_assert_int_eq(JetSetColumn(g_ses, t, g_colId, &id, 4, 0, NULL), 0);
	ck_assert_int_eq(JetUpdate(g_ses, t, NULL, 0, NULL), 0);
	seek_id(t, 7);
	ck_assert_int_eq(JetDelete(g_ses, t), 0);
	seek_id(t, 9);
	ck_assert_int_eq(JetRetrieveColumn(g_ses, t, cBin2, out, sizeof(out), &act, 0, NULL), 0);
	ck_assert_int_eq(memcmp(out, b, sizeof(b)), 0);
	ck_assert_int_eq(JetCloseTable(g_ses, t), 0);

	/* Dropping the table drops its LV tree. */
	ck_assert_int_eq(JetDeleteTable(g_ses, g_dbid, "cols"), 0);
	stop();
}
END_TEST

/* Long values each within the inline limit that together overflow the
 * record are separated at JetUpdate instead of JET_errRecordTooBig. */
START_TEST(test_lv_record_full)
{
	JET_TABLEID t;
	JET_COLUMNDEF cd = {0};
	JET_COLUMNID c[6];
	char name[16], v[1000], out[1000];
	unsigned long act;
	int32_t id = 1;

	cd.cbStruct = sizeof(cd);
	start(true);
	make_table("full", &t);
	cd.coltyp = JET_coltypLongText;
	for (int i = 0; i < 6; i++) {
		snprintf(name, sizeof(name), "t%d", i);
		ck_assert_int_eq(JetAddColumn(g_ses, t, name, &cd, NULL, 0, &c[i]), 0);
	}
	ck_assert_int_eq(JetPrepareUpdate(g_ses, t, JET_prepInsert), 0);
	ck_assert_int_eq(JetSetColumn(g_ses, t, g_colId, &id, 4, 0, NULL), 0);
	for (int i = 0; i < 6; i++) {
		memset(v, 'a' + i, sizeof(v));
		ck_assert_int_eq(JetSetColumn(g_ses, t, c[i], v, sizeof(v), 0, NULL), 0);
	}
	ck_assert_int_eq(JetUpdate(g_ses, t, NULL, 0, NULL), 0);
	ck_assert_uint_gt(lv_entries("full"), 0);
	seek_id(t, 1);
	for (int i = 0; i < 6; i++) {
		memset(v, 'a' + i, sizeof(v));
		ck_assert_int_eq(JetRetrieveColumn(g_ses, t, c[i], out, sizeof(out), &act, 0, NULL),
				 0);
		ck_assert_int_eq(act, sizeof(v));
		ck_assert_int_eq(memcmp(out, v, sizeof(v)), 0);
	}
	ck_assert_int_eq(JetDelete(g_ses, t), 0);
	ck_assert_uint_eq(lv_entries("full"), 0);
	ck_assert_int_eq(JetCloseTable(g_ses, t), 0);
	stop();
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("lv");
	TCase *tc = tcase_create("lv");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, test_lv_100mib);
	tcase_add_test(tc, test_lv_columns);
	tcase_add_test(tc, test_lv_record_full);
	suite_add_tcase(s, tc);
	return s;
}

JET_CHECK_MAIN(make_suite)
