/*
 * test_table.c - the table layer end to end through the public Jet* API:
 * DDL (tables, columns of the main types, primary indexes on one and two
 * columns, secondary indexes), insert/replace/delete, seek/move/retrieve,
 * KeyDuplicate, NullInvalid, transactions (rollback of inserts, updates,
 * deletes and DDL; nested levels), durability across JetTerm/JetInit, the
 * read-only MSysObjects, argument validation, and a randomized test of
 * >= 20,000 operations against an in-memory model (full ordered scans on
 * the primary and a secondary index, point seeks).
 *
 * JET_TEST_SEED overrides the fixed seed (printed at start).
 */
#include <check.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jet.h"

static uint64_t g_seed = 0x7461626c655f7431ull;
static uint64_t g_rng;
static char g_dir[256];
static char g_dbpath[512];

static uint64_t rnd(void)
{
	uint64_t z = (g_rng += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

static uint32_t rnd_below(uint32_t n)
{
	return n ? (uint32_t)(rnd() % n) : 0;
}

#define OK(x) ck_assert_int_eq((x), JET_errSuccess)
#define ERR(x, e) ck_assert_int_eq((x), (e))

typedef struct env {
	JET_INSTANCE inst;
	JET_SESID ses;
	JET_DBID db;
} env;

static void rm_dir(const char *dir)
{
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
}

static void env_start(env *e, bool create)
{
	char path[300];

	if (create) {
		snprintf(g_dir, sizeof(g_dir), "/tmp/jet_test_table_XXXXXX");
		ck_assert_ptr_nonnull(mkdtemp(g_dir));
		snprintf(g_dbpath, sizeof(g_dbpath), "%s/t.edb", g_dir);
	}
	snprintf(path, sizeof(path), "%s/", g_dir);
	OK(JetCreateInstance(&e->inst, "test_table"));
	OK(JetSetSystemParameter(&e->inst, 0, JET_paramSystemPath, 0, path));
	OK(JetSetSystemParameter(&e->inst, 0, JET_paramLogFilePath, 0, path));
	OK(JetInit(&e->inst));
	OK(JetBeginSession(e->inst, &e->ses, NULL, NULL));
	if (create) {
		OK(JetCreateDatabase(e->ses, g_dbpath, NULL, &e->db, 0));
	} else {
		JET_ERR err = JetAttachDatabase(e->ses, g_dbpath, 0);
		ck_assert(err == JET_errSuccess || err == JET_wrnDatabaseAttached);
		OK(JetOpenDatabase(e->ses, g_dbpath, NULL, &e->db, 0));
	}
}

static void env_stop(env *e, bool remove)
{
	OK(JetEndSession(e->ses, 0));
	OK(JetTerm(e->inst));
	if (remove)
		rm_dir(g_dir);
}

/* The standard test table: id Long, big LongLong, name Text, notes
 * LongText, bin Binary, lbin LongBinary. */
typedef struct cols {
	JET_COLUMNID id, big, name, notes, bin, lbin;
} cols;

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

static JET_TABLEID make_table(env *e, const char *tname, cols *c, const char *pkey,
			      unsigned long cbPkey)
{
	JET_TABLEID t;

	OK(JetCreateTable(e->ses, e->db, tname, 0, 0, &t));
	c->id = add_col(e, t, "id", JET_coltypLong, JET_bitColumnNotNULL);
	c->big = add_col(e, t, "big", JET_coltypLongLong, 0);
	c->name = add_col(e, t, "name", JET_coltypText, 0);
	c->notes = add_col(e, t, "notes", JET_coltypLongText, 0);
	c->bin = add_col(e, t, "bin", JET_coltypBinary, 0);
	c->lbin = add_col(e, t, "lbin", JET_coltypLongBinary, 0);
	if (pkey)
		OK(JetCreateIndex(e->ses, t, "primary", JET_bitIndexPrimary, pkey, cbPkey, 100));
	return t;
}

static JET_ERR insert_row(env *e, JET_TABLEID t, const cols *c, int32_t id, int64_t big,
			  const char *name)
{
	JET_ERR err;

	OK(JetPrepareUpdate(e->ses, t, JET_prepInsert));
	OK(JetSetColumn(e->ses, t, c->id, &id, 4, 0, NULL));
	OK(JetSetColumn(e->ses, t, c->big, &big, 8, 0, NULL));
	if (name)
		OK(JetSetColumn(e->ses, t, c->name, name, (unsigned long)strlen(name), 0, NULL));
	err = JetUpdate(e->ses, t, NULL, 0, NULL);
	if (err < 0)
		OK(JetPrepareUpdate(e->ses, t, JET_prepCancel));
	return err;
}

static int32_t get_id(env *e, JET_TABLEID t, const cols *c)
{
	int32_t v = -1;
	unsigned long cb = 0;
	OK(JetRetrieveColumn(e->ses, t, c->id, &v, 4, &cb, 0, NULL));
	ck_assert_uint_eq(cb, 4);
	return v;
}

static JET_ERR seek_id(env *e, JET_TABLEID t, int32_t id, JET_GRBIT grbit)
{
	OK(JetMakeKey(e->ses, t, &id, 4, JET_bitNewKey));
	return JetSeek(e->ses, t, grbit);
}

START_TEST(test_basic)
{
	env e;
	cols c;
	JET_TABLEID t;
	int32_t id;
	int64_t big;
	char buf[64];
	unsigned long cb;
	uint8_t bin[3] = {1, 2, 3};
	char longtext[3000];

	env_start(&e, true);
	t = make_table(&e, "basic", &c, "+id\0", 5);
	ck_assert_uint_eq(c.id, 1);
	ck_assert_uint_eq(c.big, 2);
	ck_assert_uint_eq(c.name, 128);
	ck_assert_uint_eq(c.notes, 256);
	ck_assert_uint_eq(c.bin, 129);
	ck_assert_uint_eq(c.lbin, 257);

	/* Empty table. */
	ERR(JetMove(e.ses, t, JET_MoveFirst, 0), JET_errNoCurrentRecord);
	ERR(seek_id(&e, t, 5, JET_bitSeekEQ), JET_errRecordNotFound);

	for (id = 10; id >= 1; id--)
		OK(insert_row(&e, t, &c, id * 10, (int64_t)id << 40, id % 2 ? "odd" : "even"));

	/* The long and binary columns, on record 50. */
	memset(longtext, 'x', sizeof(longtext));
	OK(seek_id(&e, t, 50, JET_bitSeekEQ));
	OK(JetPrepareUpdate(e.ses, t, JET_prepReplace));
	OK(JetSetColumn(e.ses, t, c.notes, longtext, sizeof(longtext), 0, NULL));
	OK(JetSetColumn(e.ses, t, c.bin, bin, 3, 0, NULL));
	OK(JetSetColumn(e.ses, t, c.lbin, "", 0, JET_bitSetZeroLength, NULL));
	OK(JetUpdate(e.ses, t, NULL, 0, NULL));

	OK(seek_id(&e, t, 50, JET_bitSeekEQ));
	ck_assert_int_eq(get_id(&e, t, &c), 50);
	OK(JetRetrieveColumn(e.ses, t, c.big, &big, 8, &cb, 0, NULL));
	ck_assert(big == (int64_t)5 << 40);
	ERR(JetRetrieveColumn(e.ses, t, c.name, buf, 2, &cb, 0, NULL), JET_wrnBufferTruncated);
	ck_assert_uint_eq(cb, 3);
	ck_assert(memcmp(buf, "od", 2) == 0);
	ERR(JetRetrieveColumn(e.ses, t, c.notes, buf, sizeof(buf), &cb, 0, NULL),
	    JET_wrnBufferTruncated);
	ck_assert_uint_eq(cb, sizeof(longtext));
	OK(JetRetrieveColumn(e.ses, t, c.bin, buf, sizeof(buf), &cb, 0, NULL));
	ck_assert_uint_eq(cb, 3);
	ck_assert(memcmp(buf, bin, 3) == 0);
	OK(JetRetrieveColumn(e.ses, t, c.lbin, buf, sizeof(buf), &cb, 0, NULL));
	ck_assert_uint_eq(cb, 0);
	{
		JET_RETINFO ri = {sizeof(ri), 2990, 1, 0};
		OK(JetRetrieveColumn(e.ses, t, c.notes, buf, sizeof(buf), &cb, 0, &ri));
		ck_assert_uint_eq(cb, 10);
	}
	OK(seek_id(&e, t, 40, JET_bitSeekEQ));
	ERR(JetRetrieveColumn(e.ses, t, c.notes, buf, sizeof(buf), &cb, 0, NULL),
	    JET_wrnColumnNull);
	ck_assert_uint_eq(cb, 0);

	/* Seeks. */
	ERR(seek_id(&e, t, 55, JET_bitSeekEQ), JET_errRecordNotFound);
	ERR(seek_id(&e, t, 55, JET_bitSeekGE), JET_wrnSeekNotEqual);
	ck_assert_int_eq(get_id(&e, t, &c), 60);
	ERR(seek_id(&e, t, 55, JET_bitSeekLE), JET_wrnSeekNotEqual);
	ck_assert_int_eq(get_id(&e, t, &c), 50);
	OK(seek_id(&e, t, 50, JET_bitSeekGT));
	ck_assert_int_eq(get_id(&e, t, &c), 60);
	OK(seek_id(&e, t, 50, JET_bitSeekLT));
	ck_assert_int_eq(get_id(&e, t, &c), 40);
	OK(seek_id(&e, t, 50, JET_bitSeekGE));
	ck_assert_int_eq(get_id(&e, t, &c), 50);
	ERR(seek_id(&e, t, 101, JET_bitSeekGE), JET_errRecordNotFound);
	ERR(seek_id(&e, t, 9, JET_bitSeekLE), JET_errRecordNotFound);

	/* Moves, with ESE's end semantics. */
	OK(JetMove(e.ses, t, JET_MoveFirst, 0));
	ck_assert_int_eq(get_id(&e, t, &c), 10);
	ERR(JetMove(e.ses, t, JET_MovePrevious, 0), JET_errNoCurrentRecord);
	OK(JetMove(e.ses, t, JET_MoveNext, 0));
	ck_assert_int_eq(get_id(&e, t, &c), 10);
	OK(JetMove(e.ses, t, 3, 0));
	ck_assert_int_eq(get_id(&e, t, &c), 40);
	OK(JetMove(e.ses, t, JET_MoveLast, 0));
	ck_assert_int_eq(get_id(&e, t, &c), 100);
	ERR(JetMove(e.ses, t, JET_MoveNext, 0), JET_errNoCurrentRecord);
	ERR(JetRetrieveColumn(e.ses, t, c.id, &id, 4, &cb, 0, NULL), JET_errNoCurrentRecord);
	OK(JetMove(e.ses, t, JET_MovePrevious, 0));
	ck_assert_int_eq(get_id(&e, t, &c), 100);
	OK(JetMove(e.ses, t, -2, 0));
	ck_assert_int_eq(get_id(&e, t, &c), 80);

	/* Bookmarks. */
	{
		uint8_t bm[256];
		unsigned long cbBm;
		OK(JetGetBookmark(e.ses, t, bm, sizeof(bm), &cbBm));
		OK(JetMove(e.ses, t, JET_MoveFirst, 0));
		OK(JetGotoBookmark(e.ses, t, bm, cbBm));
		ck_assert_int_eq(get_id(&e, t, &c), 80);
		ERR(JetGetBookmark(e.ses, t, bm, 1, &cbBm), JET_errBufferTooSmall);
	}

	/* Replace, primary change, delete. */
	OK(seek_id(&e, t, 30, JET_bitSeekEQ));
	OK(JetPrepareUpdate(e.ses, t, JET_prepReplace));
	ERR(JetPrepareUpdate(e.ses, t, JET_prepReplace), JET_errAlreadyPrepared);
	big = 777;
	OK(JetSetColumn(e.ses, t, c.big, &big, 8, 0, NULL));
	big = 0;
	OK(JetRetrieveColumn(e.ses, t, c.big, &big, 8, &cb, JET_bitRetrieveCopy, NULL));
	ck_assert(big == 777);
	OK(JetRetrieveColumn(e.ses, t, c.big, &big, 8, &cb, 0, NULL));
	ck_assert(big == (int64_t)3 << 40);
	OK(JetUpdate(e.ses, t, NULL, 0, NULL));
	OK(JetRetrieveColumn(e.ses, t, c.big, &big, 8, &cb, 0, NULL));
	ck_assert(big == 777);
	OK(JetPrepareUpdate(e.ses, t, JET_prepReplace));
	id = 31;
	OK(JetSetColumn(e.ses, t, c.id, &id, 4, 0, NULL));
	ERR(JetUpdate(e.ses, t, NULL, 0, NULL), JET_errRecordPrimaryChanged);
	OK(JetPrepareUpdate(e.ses, t, JET_prepCancel));
	ERR(JetPrepareUpdate(e.ses, t, JET_prepCancel), JET_errUpdateNotPrepared);
	ERR(JetUpdate(e.ses, t, NULL, 0, NULL), JET_errUpdateNotPrepared);

	OK(JetDelete(e.ses, t));
	ERR(JetRetrieveColumn(e.ses, t, c.id, &id, 4, &cb, 0, NULL), JET_errRecordDeleted);
	OK(JetMove(e.ses, t, JET_MoveNext, 0));
	ck_assert_int_eq(get_id(&e, t, &c), 40);
	ERR(seek_id(&e, t, 30, JET_bitSeekEQ), JET_errRecordNotFound);

	/* KeyDuplicate and NullInvalid. */
	ERR(insert_row(&e, t, &c, 40, 0, NULL), JET_errKeyDuplicate);
	OK(JetPrepareUpdate(e.ses, t, JET_prepInsert));
	OK(JetSetColumn(e.ses, t, c.big, &big, 8, 0, NULL));
	ERR(JetUpdate(e.ses, t, NULL, 0, NULL), JET_errNullInvalid);
	id = 30;
	OK(JetSetColumn(e.ses, t, c.id, &id, 4, 0, NULL));
	{
		uint8_t bm[256];
		unsigned long cbBm = 0;
		OK(JetUpdate(e.ses, t, bm, sizeof(bm), &cbBm));
		ck_assert_uint_gt(cbBm, 0);
		OK(JetGotoBookmark(e.ses, t, bm, cbBm));
		ck_assert_int_eq(get_id(&e, t, &c), 30);
	}

	/* Index range over [40, 70]. */
	OK(seek_id(&e, t, 40, JET_bitSeekGE));
	id = 70;
	OK(JetMakeKey(e.ses, t, &id, 4, JET_bitNewKey));
	OK(JetSetIndexRange(e.ses, t, JET_bitRangeUpperLimit | JET_bitRangeInclusive));
	{
		int n = 1;
		while (JetMove(e.ses, t, JET_MoveNext, 0) == JET_errSuccess)
			n++;
		ck_assert_int_eq(n, 4);
	}
	OK(JetCloseTable(e.ses, t));
	env_stop(&e, true);
}
END_TEST

START_TEST(test_two_column_primary)
{
	env e;
	cols c;
	JET_TABLEID t;
	int i;
	unsigned long n = 0;
	char name[16];
	int64_t big;

	env_start(&e, true);
	t = make_table(&e, "two", &c, "+name\0-big\0", 12);
	for (i = 0; i < 30; i++) {
		snprintf(name, sizeof(name), "N%02d", i % 5);
		OK(insert_row(&e, t, &c, i, i, name));
	}
	ERR(insert_row(&e, t, &c, 99, 7, "n02"), JET_errKeyDuplicate); /* case-insensitive */
	/* Partial key: every "N02" row, big descending. */
	OK(JetMakeKey(e.ses, t, "N02", 3, JET_bitNewKey));
	OK(JetSeek(e.ses, t, JET_bitSeekEQ));
	OK(JetRetrieveColumn(e.ses, t, c.big, &big, 8, NULL, 0, NULL));
	ck_assert(big == 27);
	OK(JetMakeKey(e.ses, t, "N02", 3, JET_bitNewKey | JET_bitFullColumnEndLimit));
	OK(JetSetIndexRange(e.ses, t, JET_bitRangeUpperLimit | JET_bitRangeInclusive));
	OK(JetIndexRecordCount(e.ses, t, &n, 0));
	ck_assert_uint_eq(n, 6);
	{
		int64_t prev = 1000;
		int cnt = 0;
		do {
			OK(JetRetrieveColumn(e.ses, t, c.big, &big, 8, NULL, 0, NULL));
			ck_assert(big < prev && big % 5 == 2);
			prev = big;
			cnt++;
		} while (JetMove(e.ses, t, JET_MoveNext, 0) == JET_errSuccess);
		ck_assert_int_eq(cnt, 6);
	}
	/* Full key. */
	big = 12;
	OK(JetMakeKey(e.ses, t, "n02", 3, JET_bitNewKey));
	OK(JetMakeKey(e.ses, t, &big, 8, 0));
	ERR(JetMakeKey(e.ses, t, &big, 8, 0), JET_errKeyIsMade);
	OK(JetSeek(e.ses, t, JET_bitSeekEQ));
	ck_assert_int_eq(get_id(&e, t, &c), 12);
	OK(JetMakeKey(e.ses, t, "x", 1, JET_bitNewKey));
	ERR(JetMakeKey(e.ses, t, &big, 4, 0), JET_errInvalidBufferSize);
	/* Substring limit. */
	OK(JetMakeKey(e.ses, t, "N0", 2, JET_bitNewKey | JET_bitSubStrLimit));
	OK(JetSeek(e.ses, t, JET_bitSeekLT));
	ck_assert_int_eq(get_id(&e, t, &c), 4); /* last of N04: smallest big */
	OK(JetCloseTable(e.ses, t));
	env_stop(&e, true);
}
END_TEST

START_TEST(test_secondary_and_autoinc)
{
	env e;
	cols c;
	JET_TABLEID t;
	JET_COLUMNID ai, def;
	JET_COLUMNDEF cd;
	int32_t v;
	int64_t big;
	int i;
	char name[16];
	unsigned long cb;

	env_start(&e, true);
	/* A table without a primary index: sequential keys. */
	t = make_table(&e, "sec", &c, NULL, 0);
	memset(&cd, 0, sizeof(cd));
	cd.cbStruct = sizeof(cd);
	cd.coltyp = JET_coltypLong;
	cd.grbit = JET_bitColumnAutoincrement;
	OK(JetAddColumn(e.ses, t, "ai", &cd, NULL, 0, &ai));
	cd.grbit = 0;
	v = 42;
	OK(JetAddColumn(e.ses, t, "def", &cd, &v, 4, &def));
	ERR(JetAddColumn(e.ses, t, "DEF", &cd, NULL, 0, NULL), JET_errColumnDuplicate);
	cd.coltyp = 99;
	ERR(JetAddColumn(e.ses, t, "x", &cd, NULL, 0, NULL), JET_errInvalidColumnType);
	cd.coltyp = JET_coltypLong;
	cd.grbit = JET_bitColumnMultiValued | JET_bitColumnFixed;
	ERR(JetAddColumn(e.ses, t, "x", &cd, NULL, 0, NULL), JET_errMultiValuedColumnMustBeTagged);

	for (i = 0; i < 20; i++) {
		snprintf(name, sizeof(name), "k%d", i % 4);
		OK(insert_row(&e, t, &c, i, 100 - i, name));
	}
	OK(JetCreateIndex(e.ses, t, "byname", 0, "+name\0+id\0", 11, 0));
	ERR(JetCreateIndex(e.ses, t, "byname", 0, "+id\0", 5, 0), JET_errIndexDuplicate);
	ERR(JetCreateIndex(e.ses, t, "bad", 0, "+nope\0", 7, 0), JET_errColumnNotFound);
	ERR(JetCreateIndex(e.ses, t, "p", JET_bitIndexPrimary, "+id\0", 5, 0),
	    JET_errTableNotEmpty);
	OK(JetCreateIndex(e.ses, t, "bybig", JET_bitIndexUnique, "-big\0", 6, 0));
	ERR(JetCreateIndex(e.ses, t, "byname_u", JET_bitIndexUnique, "+name\0", 7, 0),
	    JET_errKeyDuplicate);

	/* Autoincrement and default values. */
	OK(JetMove(e.ses, t, JET_MoveFirst, 0));
	OK(JetRetrieveColumn(e.ses, t, ai, &v, 4, &cb, 0, NULL));
	ck_assert_int_eq(v, 1);
	OK(JetRetrieveColumn(e.ses, t, def, &v, 4, &cb, 0, NULL));
	ck_assert_int_eq(v, 42);
	OK(JetMove(e.ses, t, JET_MoveLast, 0));
	OK(JetRetrieveColumn(e.ses, t, ai, &v, 4, &cb, 0, NULL));
	ck_assert_int_eq(v, 20);

	/* Secondary order. */
	OK(JetSetCurrentIndex(e.ses, t, "byname"));
	{
		char g[16];
		int n = 0;
		int32_t prevId = -1;
		char prev[16] = "";
		do {
			OK(JetRetrieveColumn(e.ses, t, c.name, g, sizeof(g) - 1, &cb, 0, NULL));
			g[cb] = 0;
			v = get_id(&e, t, &c);
			ck_assert(strcmp(prev, g) < 0 || (strcmp(prev, g) == 0 && prevId < v));
			strcpy(prev, g);
			prevId = v;
			n++;
		} while (JetMove(e.ses, t, JET_MoveNext, 0) == JET_errSuccess);
		ck_assert_int_eq(n, 20);
	}
	OK(JetMakeKey(e.ses, t, "K2", 2, JET_bitNewKey));
	OK(JetSeek(e.ses, t, JET_bitSeekEQ));
	ck_assert_int_eq(get_id(&e, t, &c), 2);
	/* Replace moves the entry. */
	OK(JetPrepareUpdate(e.ses, t, JET_prepReplace));
	OK(JetSetColumn(e.ses, t, c.name, "a", 1, 0, NULL));
	OK(JetUpdate(e.ses, t, NULL, 0, NULL));
	OK(JetMove(e.ses, t, JET_MoveFirst, 0));
	ck_assert_int_eq(get_id(&e, t, &c), 2);

	/* Unique secondary. */
	OK(JetSetCurrentIndex(e.ses, t, "bybig"));
	OK(JetMove(e.ses, t, JET_MoveFirst, 0));
	OK(JetRetrieveColumn(e.ses, t, c.big, &big, 8, &cb, 0, NULL));
	ck_assert(big == 100);
	ERR(insert_row(&e, t, &c, 77, 100, "z"), JET_errKeyDuplicate);
	OK(insert_row(&e, t, &c, 77, 1000, "z"));
	OK(JetMove(e.ses, t, JET_MoveFirst, 0));
	ck_assert_int_eq(get_id(&e, t, &c), 77);
	OK(JetDelete(e.ses, t));
	OK(JetMove(e.ses, t, JET_MoveFirst, 0));
	ck_assert_int_eq(get_id(&e, t, &c), 0);
	ERR(JetSetCurrentIndex(e.ses, t, "nope"), JET_errIndexNotFound);
	OK(JetSetCurrentIndex(e.ses, t, NULL));
	OK(JetCloseTable(e.ses, t));
	env_stop(&e, true);
}
END_TEST

static int count_rows(env *e, JET_TABLEID t)
{
	int n = 0;
	JET_ERR err;
	for (err = JetMove(e->ses, t, JET_MoveFirst, 0); err == JET_errSuccess;
	     err = JetMove(e->ses, t, JET_MoveNext, 0))
		n++;
	ck_assert_int_eq(err, JET_errNoCurrentRecord);
	return n;
}

START_TEST(test_transactions)
{
	env e;
	cols c;
	JET_TABLEID t, t2;
	int64_t big;

	env_start(&e, true);
	t = make_table(&e, "tx", &c, "+id\0", 5);
	OK(insert_row(&e, t, &c, 1, 1, "one"));

	/* Rollback undoes an insert, an update and a delete. */
	OK(JetBeginTransaction(e.ses));
	OK(insert_row(&e, t, &c, 2, 2, "two"));
	OK(seek_id(&e, t, 1, JET_bitSeekEQ));
	OK(JetPrepareUpdate(e.ses, t, JET_prepReplace));
	big = 100;
	OK(JetSetColumn(e.ses, t, c.big, &big, 8, 0, NULL));
	OK(JetUpdate(e.ses, t, NULL, 0, NULL));
	ck_assert_int_eq(count_rows(&e, t), 2);
	OK(JetRollback(e.ses, 0));
	ck_assert_int_eq(count_rows(&e, t), 1);
	OK(seek_id(&e, t, 1, JET_bitSeekEQ));
	OK(JetRetrieveColumn(e.ses, t, c.big, &big, 8, NULL, 0, NULL));
	ck_assert(big == 1);

	OK(JetBeginTransaction(e.ses));
	OK(seek_id(&e, t, 1, JET_bitSeekEQ));
	OK(JetDelete(e.ses, t));
	ck_assert_int_eq(count_rows(&e, t), 0);
	OK(JetRollback(e.ses, 0));
	ck_assert_int_eq(count_rows(&e, t), 1);

	/* Nested levels. */
	OK(JetBeginTransaction(e.ses));
	OK(insert_row(&e, t, &c, 3, 3, NULL));
	OK(JetBeginTransaction(e.ses));
	OK(insert_row(&e, t, &c, 4, 4, NULL));
	ck_assert_int_eq(count_rows(&e, t), 3);
	OK(JetRollback(e.ses, 0));
	ck_assert_int_eq(count_rows(&e, t), 2);
	OK(JetBeginTransaction(e.ses));
	OK(insert_row(&e, t, &c, 5, 5, NULL));
	OK(JetCommitTransaction(e.ses, 0));
	OK(JetCommitTransaction(e.ses, 0));
	ck_assert_int_eq(count_rows(&e, t), 3);

	/* A cursor opened inside a level is closed by its rollback; DDL
	 * rolls back. */
	OK(JetBeginTransaction(e.ses));
	OK(JetCreateTable(e.ses, e.db, "ddl", 0, 0, &t2));
	ERR(JetCreateTable(e.ses, e.db, "DDL", 0, 0, &t2), JET_errTableDuplicate);
	OK(JetRollback(e.ses, 0));
	ERR(JetCloseTable(e.ses, t2), JET_errInvalidTableId);
	ERR(JetOpenTable(e.ses, e.db, "ddl", NULL, 0, 0, &t2), JET_errObjectNotFound);

	/* Another session does not see uncommitted rows, and conflicts. */
	{
		JET_SESID s2;
		JET_DBID db2;
		JET_TABLEID u;
		OK(JetBeginSession(e.inst, &s2, NULL, NULL));
		OK(JetOpenDatabase(s2, g_dbpath, NULL, &db2, 0));
		OK(JetOpenTable(s2, db2, "tx", NULL, 0, 0, &u));
		OK(JetBeginTransaction(e.ses));
		OK(insert_row(&e, t, &c, 6, 6, NULL));
		OK(seek_id(&e, t, 1, JET_bitSeekEQ));
		OK(JetPrepareUpdate(e.ses, t, JET_prepReplace));
		OK(JetUpdate(e.ses, t, NULL, 0, NULL));
		{
			int n = 0;
			int32_t id = 1;
			while ((n == 0 ? JetMove(s2, u, JET_MoveFirst, 0) : JetMove(s2, u, 1, 0)) ==
			       0)
				n++;
			ck_assert_int_eq(n, 3);
			OK(JetBeginTransaction(s2));
			OK(JetMakeKey(s2, u, &id, 4, JET_bitNewKey));
			OK(JetSeek(s2, u, JET_bitSeekEQ));
			ERR(JetPrepareUpdate(s2, u, JET_prepReplace), JET_errWriteConflict);
			OK(JetRollback(s2, 0));
		}
		OK(JetCommitTransaction(e.ses, 0));
		ck_assert_int_eq(count_rows(&e, t), 4);
		OK(JetEndSession(s2, 0));
	}
	OK(JetCloseTable(e.ses, t));

	/* Durability: a committed insert survives JetTerm + JetInit. */
	env_stop(&e, false);
	env_start(&e, false);
	OK(JetOpenTable(e.ses, e.db, "tx", NULL, 0, 0, &t));
	ck_assert_int_eq(count_rows(&e, t), 4);
	OK(seek_id(&e, t, 6, JET_bitSeekEQ));
	OK(JetCloseTable(e.ses, t));
	OK(JetDeleteTable(e.ses, e.db, "tx"));
	ERR(JetOpenTable(e.ses, e.db, "tx", NULL, 0, 0, &t), JET_errObjectNotFound);
	env_stop(&e, true);
}
END_TEST

START_TEST(test_catalog_and_args)
{
	env e;
	cols c;
	JET_TABLEID t, cat;
	int n = 0;
	JET_ERR err;
	unsigned long cb;
	int32_t v;

	env_start(&e, true);
	t = make_table(&e, "args", &c, "+id\0", 5);
	OK(JetOpenTable(e.ses, e.db, "MSysObjects", NULL, 0, JET_bitTableReadOnly, &cat));
	for (err = JetMove(e.ses, cat, JET_MoveFirst, 0); err == 0; err = JetMove(e.ses, cat, 1, 0))
		n++;
	ck_assert_int_eq(n, 1 + 6 + 1); /* table, columns, index */
	OK(JetMove(e.ses, cat, JET_MoveFirst, 0));
	OK(JetRetrieveColumn(e.ses, cat, 2 /* Type */, &v, 2, &cb, 0, NULL));
	ck_assert_uint_eq(cb, 2);
	ERR(JetPrepareUpdate(e.ses, cat, JET_prepInsert), JET_errPermissionDenied);
	OK(JetCloseTable(e.ses, cat));
	ERR(JetDeleteTable(e.ses, e.db, "MSysObjects"), JET_errCannotDeleteSystemTable);

	/* Bad handles and arguments. */
	ERR(JetMove(e.ses, (JET_TABLEID)12345, JET_MoveFirst, 0), JET_errInvalidTableId);
	ERR(JetMove((JET_SESID)777, t, JET_MoveFirst, 0), JET_errInvalidSesid);
	ERR(JetMove(e.ses, t, JET_MoveFirst, 0x100), JET_errInvalidGrbit);
	ERR(JetSeek(e.ses, t, JET_bitSeekEQ), JET_errKeyNotMade);
	ERR(JetMakeKey(e.ses, t, &v, 4, 0), JET_errKeyNotMade);
	ERR(JetMakeKey(e.ses, t, &v, 4, JET_bitNewKey | 0x80000), JET_errInvalidGrbit);
	OK(JetMakeKey(e.ses, t, &v, 4, JET_bitNewKey));
	ERR(JetSeek(e.ses, t, JET_bitSeekEQ | JET_bitSeekGE), JET_errInvalidGrbit);
	ERR(JetOpenTable(e.ses, e.db, NULL, NULL, 0, 0, &cat), JET_errInvalidParameter);
	ERR(JetOpenTable(e.ses, e.db, "args", NULL, 0, 0x10000000, &cat), JET_errInvalidGrbit);
	ERR(JetOpenTable(e.ses, e.db, "nope", NULL, 0, 0, &cat), JET_errObjectNotFound);
	ERR(JetOpenTable(e.ses, 99, "args", NULL, 0, 0, &cat), JET_errInvalidDatabaseId);
	ERR(JetCreateTable(e.ses, e.db, " lead", 0, 0, &cat), JET_errInvalidName);
	ERR(JetCreateTable(e.ses, e.db,
			   "a2345678901234567890123456789012345678901234567890123456789012345", 0,
			   0, &cat),
	    JET_errInvalidName);
	ERR(JetCreateTable(e.ses, e.db, "args", 0, 0, &cat), JET_errTableDuplicate);
	ERR(JetSetColumn(e.ses, t, c.id, &v, 4, 0, NULL), JET_errUpdateNotPrepared);
	OK(JetPrepareUpdate(e.ses, t, JET_prepInsert));
	ERR(JetSetColumn(e.ses, t, 999, &v, 4, 0, NULL), JET_errColumnNotFound);
	ERR(JetSetColumn(e.ses, t, c.id, &v, 3, 0, NULL), JET_errInvalidBufferSize);
	ERR(JetSetColumn(e.ses, t, c.id, &v, 4, 0x40000000, NULL), JET_errInvalidGrbit);
	ERR(JetPrepareUpdate(e.ses, t, 77), JET_errInvalidParameter);
	OK(JetPrepareUpdate(e.ses, t, JET_prepCancel));
	ERR(JetPrepareUpdate(e.ses, t, JET_prepReplace), JET_errNoCurrentRecord);
	ERR(JetRetrieveColumn(e.ses, t, c.id, &v, 4, &cb, 0x1000000, NULL), JET_errInvalidGrbit);
	ERR(JetDelete(e.ses, t), JET_errNoCurrentRecord);
	ERR(JetGotoBookmark(e.ses, t, NULL, 0), JET_errInvalidBookmark);
	ERR(JetCreateIndex(e.ses, t, "p2", JET_bitIndexPrimary, "+big\0", 6, 0),
	    JET_errIndexHasPrimary);
	ERR(JetCreateIndex(e.ses, t, "i", 0, "\0", 2, 0), JET_errIndexInvalidDef);
	OK(JetCloseTable(e.ses, t));
	ERR(JetCloseTable(e.ses, t), JET_errInvalidTableId);
	env_stop(&e, true);
}
END_TEST

/* Randomized: one table with primary (id) and secondary (val, non-unique)
 * indexes against a model array; transactions committed and rolled back. */
#define RN 600

typedef struct mrow {
	bool present;
	int32_t val;
	char name[24];
} mrow;

static void model_check(env *e, JET_TABLEID t, JET_COLUMNID cid, JET_COLUMNID cval,
			JET_COLUMNID cname, const mrow *m)
{
	int32_t expect, id, val, lastVal = INT32_MIN, lastId = -1;
	JET_ERR err;
	unsigned long cb;
	char name[32];
	int n;

	/* Primary order. */
	OK(JetSetCurrentIndex(e->ses, t, NULL));
	expect = 0;
	for (err = JetMove(e->ses, t, JET_MoveFirst, 0); err == 0;
	     err = JetMove(e->ses, t, JET_MoveNext, 0)) {
		while (expect < RN && !m[expect].present)
			expect++;
		ck_assert_int_lt(expect, RN);
		OK(JetRetrieveColumn(e->ses, t, cid, &id, 4, &cb, 0, NULL));
		ck_assert_int_eq(id, expect);
		OK(JetRetrieveColumn(e->ses, t, cval, &val, 4, &cb, 0, NULL));
		ck_assert_int_eq(val, m[id].val);
		OK(JetRetrieveColumn(e->ses, t, cname, name, sizeof(name), &cb, 0, NULL));
		ck_assert_uint_eq(cb, strlen(m[id].name));
		ck_assert(memcmp(name, m[id].name, cb) == 0);
		expect++;
	}
	ck_assert_int_eq(err, JET_errNoCurrentRecord);
	while (expect < RN && !m[expect].present)
		expect++;
	ck_assert_int_eq(expect, RN);

	/* Secondary order: (val, id). */
	OK(JetSetCurrentIndex(e->ses, t, "byval"));
	n = 0;
	for (err = JetMove(e->ses, t, JET_MoveFirst, 0); err == 0;
	     err = JetMove(e->ses, t, JET_MoveNext, 0)) {
		OK(JetRetrieveColumn(e->ses, t, cid, &id, 4, &cb, 0, NULL));
		OK(JetRetrieveColumn(e->ses, t, cval, &val, 4, &cb, 0, NULL));
		ck_assert(m[id].present && m[id].val == val);
		ck_assert(val > lastVal || (val == lastVal && id > lastId));
		lastVal = val;
		lastId = id;
		n++;
	}
	{
		int i, cnt = 0;
		for (i = 0; i < RN; i++)
			cnt += m[i].present;
		ck_assert_int_eq(n, cnt);
	}
	OK(JetSetCurrentIndex(e->ses, t, NULL));
}

START_TEST(test_random)
{
	env e;
	JET_TABLEID t;
	JET_COLUMNID cid, cval, cname;
	static mrow m[RN], saved[RN];
	int op, level = 0;
	JET_COLUMNDEF cd;
	unsigned long cb;

	env_start(&e, true);
	memset(m, 0, sizeof(m));
	OK(JetCreateTable(e.ses, e.db, "rnd", 0, 0, &t));
	memset(&cd, 0, sizeof(cd));
	cd.cbStruct = sizeof(cd);
	cd.coltyp = JET_coltypLong;
	OK(JetAddColumn(e.ses, t, "id", &cd, NULL, 0, &cid));
	OK(JetAddColumn(e.ses, t, "val", &cd, NULL, 0, &cval));
	cd.coltyp = JET_coltypText;
	OK(JetAddColumn(e.ses, t, "name", &cd, NULL, 0, &cname));
	OK(JetCreateIndex(e.ses, t, "pk", JET_bitIndexPrimary, "+id\0", 5, 0));
	OK(JetCreateIndex(e.ses, t, "byval", 0, "+val\0", 6, 0));

	for (op = 0; op < 24000; op++) {
		int32_t id = (int32_t)rnd_below(RN);
		uint32_t kind = rnd_below(100);
		JET_ERR err;

		if (kind < 2 && level == 0) {
			OK(JetBeginTransaction(e.ses));
			memcpy(saved, m, sizeof(m));
			level = 1;
			continue;
		}
		if (kind < 4 && level == 1) {
			if (rnd_below(2)) {
				OK(JetCommitTransaction(e.ses, JET_bitCommitLazyFlush));
			} else {
				OK(JetRollback(e.ses, 0));
				memcpy(m, saved, sizeof(m));
			}
			level = 0;
			continue;
		}
		err = seek_id(&e, t, id, JET_bitSeekEQ);
		ck_assert_int_eq(err, m[id].present ? JET_errSuccess : JET_errRecordNotFound);
		if (kind < 45) {
			/* insert, or replace when present */
			int32_t val = (int32_t)rnd_below(50) - 25;
			char name[24];
			snprintf(name, sizeof(name), "n%u", (unsigned)rnd_below(100000));
			OK(JetPrepareUpdate(e.ses, t,
					    m[id].present ? JET_prepReplace : JET_prepInsert));
			if (!m[id].present)
				OK(JetSetColumn(e.ses, t, cid, &id, 4, 0, NULL));
			OK(JetSetColumn(e.ses, t, cval, &val, 4, 0, NULL));
			OK(JetSetColumn(e.ses, t, cname, name, (unsigned long)strlen(name), 0,
					NULL));
			OK(JetUpdate(e.ses, t, NULL, 0, NULL));
			m[id].present = true;
			m[id].val = val;
			strcpy(m[id].name, name);
		} else if (kind < 65) {
			if (m[id].present) {
				OK(JetDelete(e.ses, t));
				m[id].present = false;
			}
		} else if (kind < 99) {
			if (m[id].present) {
				int32_t val;
				OK(JetRetrieveColumn(e.ses, t, cval, &val, 4, &cb, 0, NULL));
				ck_assert_int_eq(val, m[id].val);
			}
		} else {
			model_check(&e, t, cid, cval, cname, m);
		}
	}
	if (level)
		OK(JetCommitTransaction(e.ses, 0));
	model_check(&e, t, cid, cval, cname, m);
	OK(JetCloseTable(e.ses, t));
	env_stop(&e, true);
}
END_TEST

static Suite *table_suite(void)
{
	Suite *s = suite_create("table");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_basic);
	tcase_add_test(tc, test_two_column_primary);
	tcase_add_test(tc, test_secondary_and_autoinc);
	tcase_add_test(tc, test_transactions);
	tcase_add_test(tc, test_catalog_and_args);
	tcase_add_test(tc, test_random);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	const char *seed = getenv("JET_TEST_SEED");
	SRunner *sr;
	int failed;

	if (seed)
		g_seed = strtoull(seed, NULL, 0);
	g_rng = g_seed;
	printf("test_table: seed %#" PRIx64 " (JET_TEST_SEED overrides)\n", g_seed);
	sr = srunner_create(table_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
