/*
 * test_tread.c - reading a table as CSV (fuse/tread.c, fuse/dbview.c)
 * without FUSE: a table of several column types (text with commas, quotes
 * and newlines, NULL vs empty, binary, floats, dates, 64-bit integers, a
 * multi-valued column, a few long values) and a few thousand rows, made
 * through the JET API. The reader's bytes must equal the rendering made row
 * by row with jfs_render_current, read sequentially in chunks of every
 * size, at random offsets and sizes (single bytes, row boundaries, the
 * last 100 bytes, jumps back and forth on one reader), and jfs_table_stat's
 * size must be the rendering's length, both by rendering (counters not
 * kept) and from the counters once they are.
 *
 * JET_TEST_SEED overrides the fixed seed.
 */
#include <check.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_main.h"
#include "fs_int.h"

#define OK(x) ck_assert_int_eq((x), JET_errSuccess)
#define NROWS 3000

static uint64_t g_rng = 0x7472656164ull;
static char g_dir[256], g_db[300];
static jfs g_fs;
static csv_buf g_full; /* the reference rendering */

static uint64_t rnd(void)
{
	uint64_t z = (g_rng += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

static JET_COLUMNID add_col(JET_SESID ses, JET_TABLEID t, const char *name, JET_COLTYP typ,
			    unsigned short cp, JET_GRBIT grbit)
{
	JET_COLUMNDEF cd;
	JET_COLUMNID id = 0;
	memset(&cd, 0, sizeof(cd));
	cd.cbStruct = sizeof(cd);
	cd.coltyp = typ;
	cd.cp = cp;
	cd.grbit = grbit;
	OK(JetAddColumn(ses, t, name, &cd, NULL, 0, &id));
	return id;
}

static void set(JET_SESID ses, JET_TABLEID t, JET_COLUMNID c, const void *pv, unsigned long cb,
		JET_GRBIT grbit)
{
	OK(JetSetColumn(ses, t, c, pv, cb, grbit, NULL));
}

static const char *const g_words[] = {"plain",    "a,b",  "say \"hi\"", "line1\nline2",
				      " padded ", "café", "日本",       "x"};

static void make_table(JET_SESID ses, JET_DBID db)
{
	JET_TABLEID t;
	JET_COLUMNID cid, cname, cnotes, cprice, cd, cdt, cbin, ctags, cbig;
	static char longv[20000];

	OK(JetCreateTable(ses, db, "things", 0, 0, &t));
	cid = add_col(ses, t, "id", JET_coltypLong, 0, JET_bitColumnNotNULL);
	cname = add_col(ses, t, "name", JET_coltypText, 65001, 0);
	cnotes = add_col(ses, t, "notes", JET_coltypLongText, 65001, 0);
	cprice = add_col(ses, t, "price", JET_coltypCurrency, 0, 0);
	cd = add_col(ses, t, "ratio", JET_coltypIEEEDouble, 0, 0);
	cdt = add_col(ses, t, "when", JET_coltypDateTime, 0, 0);
	cbin = add_col(ses, t, "bin", JET_coltypLongBinary, 0, 0);
	ctags = add_col(ses, t, "tags", JET_coltypLongText, 65001,
			JET_bitColumnMultiValued | JET_bitColumnTagged);
	cbig = add_col(ses, t, "big", JET_coltypLongLong, 0, 0);
	OK(JetCreateIndex(ses, t, "pk", JET_bitIndexPrimary | JET_bitIndexUnique, "+id\0\0", 6,
			  100));
	memset(longv, 'L', sizeof(longv));
	OK(JetBeginTransaction(ses));
	for (int i = 0; i < NROWS; i++) {
		int32_t id = (int32_t)(i * 7 % NROWS) - 100;
		OK(JetPrepareUpdate(ses, t, JET_prepInsert));
		set(ses, t, cid, &id, 4, 0);
		uint64_t r = rnd();
		if (r % 5 != 0) {
			const char *w = g_words[r % 8];
			set(ses, t, cname, w, (unsigned long)strlen(w), 0);
		} else if (r % 10 == 5) {
			set(ses, t, cname, NULL, 0, JET_bitSetZeroLength);
		}
		if (r % 97 == 3)
			set(ses, t, cnotes, longv, (unsigned long)(1000 + r % 2000), 0);
		else if (r % 3 == 0)
			set(ses, t, cnotes, g_words[(r >> 8) % 8],
			    (unsigned long)strlen(g_words[(r >> 8) % 8]), 0);
		int64_t price = (int64_t)(rnd() % 2000000) - 1000000;
		set(ses, t, cprice, &price, 8, 0);
		double d = (double)(int64_t)rnd() / 1e7;
		if (r % 11 != 0)
			set(ses, t, cd, &d, 8, 0);
		double dt = 40000.0 + (double)(rnd() % 100000) / 64.0;
		set(ses, t, cdt, &dt, 8, 0);
		if (r % 4 == 1) {
			unsigned char b[40];
			for (size_t k = 0; k < sizeof(b); k++)
				b[k] = (unsigned char)rnd();
			set(ses, t, cbin, b, (unsigned long)(r % 40),
			    (r % 40) ? 0 : JET_bitSetZeroLength);
		}
		for (unsigned k = 0; k < (r >> 20) % 4; k++) {
			JET_SETINFO si = {sizeof(si), 0, 0};
			const char *w = g_words[(r >> (24 + 3 * k)) % 8];
			OK(JetSetColumn(ses, t, ctags, w, (unsigned long)strlen(w), 0, &si));
		}
		int64_t big = (int64_t)rnd();
		set(ses, t, cbig, &big, 8, 0);
		OK(JetUpdate(ses, t, NULL, 0, NULL));
	}
	OK(JetCommitTransaction(ses, 0));
	OK(JetCloseTable(ses, t));
}

static void setup(void)
{
	char path[300];
	JET_SESID ses;
	JET_DBID db;
	const char *seed = getenv("JET_TEST_SEED");

	if (seed)
		g_rng = strtoull(seed, NULL, 0);
	snprintf(g_dir, sizeof(g_dir), "%s/jet_tread_XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(g_dir));
	snprintf(g_db, sizeof(g_db), "%s/t.jdb", g_dir);
	snprintf(path, sizeof(path), "%s/", g_dir);
	memset(&g_fs, 0, sizeof(g_fs));
	g_fs.db_path = g_db;
	g_fs.log_dir = g_dir;
	g_fs.foreground = true;
	OK(JetCreateInstance(&g_fs.inst, "tread"));
	OK(JetSetSystemParameter(&g_fs.inst, 0, JET_paramSystemPath, 0, path));
	OK(JetSetSystemParameter(&g_fs.inst, 0, JET_paramLogFilePath, 0, path));
	OK(JetInit(&g_fs.inst));
	OK(JetBeginSession(g_fs.inst, &ses, "", ""));
	OK(JetCreateDatabase(ses, g_db, NULL, &db, 0));
	make_table(ses, db);
	OK(JetEndSession(ses, 0));
}

static void teardown(void)
{
	char cmd[300];
	csv_buf_free(&g_full);
	JetTerm(g_fs.inst);
	snprintf(cmd, sizeof(cmd), "rm -rf -- %s", g_dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cleanup failed\n");
}

/* The reference: header + jfs_render_current per record. */
static void render_reference(jfs_sess *s, jfs_table *t)
{
	JET_TABLEID tid;
	JET_ERR err;

	csv_buf_free(&g_full);
	csv_buf_init(&g_full);
	OK(jfs_render_header(t, &g_full));
	ck_assert_uint_eq(g_full.len, t->header_len);
	OK(JetOpenTable(s->sesid, s->dbid, "things", NULL, 0, JET_bitTableReadOnly, &tid));
	for (err = JetMove(s->sesid, tid, JET_MoveFirst, 0); err >= 0;
	     err = JetMove(s->sesid, tid, JET_MoveNext, 0))
		OK(jfs_render_current(s, t, tid, &g_full));
	ck_assert_int_eq(err, JET_errNoCurrentRecord);
	OK(JetCloseTable(s->sesid, tid));
}

static void check_read(jfs_reader *r, uint64_t off, size_t size)
{
	static char buf[1 << 20];
	size_t got = 0, want;

	ck_assert_uint_le(size, sizeof(buf));
	OK(jfs_reader_read(r, off, buf, size, &got));
	want = off >= g_full.len ? 0 : (size_t)(g_full.len - off < size ? g_full.len - off : size);
	ck_assert_uint_eq(got, want);
	if (want && memcmp(buf, g_full.p + off, want) != 0)
		ck_abort_msg("bytes differ at offset %" PRIu64 " size %zu", off, size);
}

START_TEST(test_full_and_random)
{
	jfs_sess *s;
	jfs_table *t;
	jfs_reader *r;
	jfs_stat st;
	JET_TABLEID tid;

	OK(jfs_sess_new(&g_fs, true, &s));
	char **names;
	size_t n;
	OK(jfs_list_tables(s, &names, &n));
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(names[0], "things");
	jfs_free_names(names, n);
	OK(jfs_table_load(s, "THINGS", &t));
	ck_assert_str_eq(t->name, "things");
	ck_assert_int_eq(t->ncols, 9);
	ck_assert_int_eq(t->nindexes, 1);
	ck_assert_int_eq(t->primary, 0);
	ck_assert_int_eq(t->indexes[0].nseg, 1);
	ck_assert_int_eq(t->indexes[0].seg[0], 0);
	int nmulti = 0;
	for (int i = 0; i < t->ncols; i++)
		if (t->cols[i].grbit & JET_bitColumnMultiValued) {
			ck_assert_str_eq(t->cols[i].name, "tags");
			nmulti++;
		}
	ck_assert_int_eq(nmulti, 1);
	render_reference(s, t);
	ck_assert_uint_gt(g_full.len, 100000);
	ck_assert(memmem(g_full.p, g_full.len, "\"{", 2) != NULL); /* multi-valued, quoted */

	/* size by rendering (counters not kept by this writer) */
	OK(JetOpenTable(s->sesid, s->dbid, "things", NULL, 0, JET_bitTableReadOnly, &tid));
	OK(jfs_table_stat(&g_fs, s, t, tid, &st));
	ck_assert_uint_eq(st.size, g_full.len);
	OK(jfs_table_stat(&g_fs, s, t, tid, &st)); /* cached */
	ck_assert_uint_eq(st.size, g_full.len);
	OK(JetCloseTable(s->sesid, tid));

	/* sequential reads of many sizes, each on a fresh reader */
	static const size_t sizes[] = {1, 7, 100, 4096, 65536, 131072, 1 << 20};
	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		OK(jfs_reader_open(&g_fs, s, t, &r));
		ck_assert_uint_eq(jfs_reader_size(r), g_full.len);
		uint64_t step = sizes[k] == 1 ? 977 : sizes[k]; /* single bytes: sparse */
		for (uint64_t off = 0; off < g_full.len + 10; off += step)
			check_read(r, off, sizes[k]);
		jfs_reader_close(r);
	}

	/* tail: the last 100 bytes, then the 4 KiB before them, on fresh readers */
	OK(jfs_reader_open(&g_fs, s, t, &r));
	check_read(r, g_full.len - 100, 100);
	check_read(r, g_full.len - 4196, 4096);
	check_read(r, g_full.len - 100, 4096);
	check_read(r, 0, 4096);
	check_read(r, g_full.len - 1, 1);
	jfs_reader_close(r);

	/* random offsets and sizes on one reader (every kind of jump) */
	OK(jfs_reader_open(&g_fs, s, t, &r));
	for (int i = 0; i < 1000; i++) {
		uint64_t x = rnd();
		uint64_t off;
		size_t size;
		switch (x % 6) {
		case 0:
			off = g_full.len - 100;
			size = 100;
			break;
		case 1:
			off = rnd() % (g_full.len + 1);
			size = 1;
			break;
		case 2:
			off = rnd() % g_full.len;
			size = (size_t)(rnd() % 300000);
			break;
		case 3:
			off = g_full.len - rnd() % 70000;
			size = (size_t)(rnd() % 5000 + 1);
			break;
		case 4:
			off = rnd() % 70000;
			size = (size_t)(rnd() % 5000 + 1);
			break;
		default:
			off = rnd() % g_full.len;
			size = (size_t)(rnd() % 64 + 1);
			break;
		}
		check_read(r, off, size);
		if (x % 7 == 0) /* and continue sequentially from there */
			check_read(r, off + size, (size_t)(rnd() % 200000));
	}
	jfs_reader_close(r);

	/* reading backward in small steps (tac-like) from the end */
	OK(jfs_reader_open(&g_fs, s, t, &r));
	for (uint64_t end = g_full.len; end > 0;) {
		uint64_t off = end > 3000 ? end - 3000 : 0;
		check_read(r, off, (size_t)(end - off));
		end = off;
	}
	jfs_reader_close(r);
	jfs_table_put(t);
	jfs_sess_free(s);
}
END_TEST

/* Counters kept as jetfs keeps them: the size comes from counter 0 without
 * rendering, and equals the rendering's length. */
START_TEST(test_size_from_counters)
{
	jfs_sess *s;
	jfs_table *t;
	jfs_stat st;
	JET_TABLEID tid;
	JET_TABLESTATE ts;

	OK(jfs_sess_new(&g_fs, false, &s));
	OK(JetBeginTransaction(s->sesid));
	OK(jfs_table_load(s, "things", &t));
	render_reference(s, t);
	OK(JetCommitTransaction(s->sesid, 0));
	OK(JetOpenTable(s->sesid, s->dbid, "things", NULL, 0, 0, &tid));
	memset(&ts, 0, sizeof(ts));
	ts.cbStruct = sizeof(ts);
	OK(JetGetTableState(s->sesid, tid, &ts));
	OK(JetBeginTransaction(s->sesid));
	/* deliberately off by 3 bytes: the stat must take the counter */
	OK(JetAddTableCounter(s->sesid, tid, JFS_COUNTER_BYTES,
			      (long long)(g_full.len - t->header_len) + 3 - ts.rgCounter[0]));
	OK(JetAddTableCounter(s->sesid, tid, JFS_COUNTER_MODS,
			      (long long)ts.cModifications + 1 - ts.rgCounter[1]));
	OK(JetCommitTransaction(s->sesid, 0));
	OK(JetBeginTransaction(s->sesid));
	OK(jfs_table_stat(&g_fs, s, t, tid, &st));
	ck_assert_uint_eq(st.size, g_full.len + 3);
	ck_assert_uint_gt(st.mtime.tv_sec, 1600000000);
	/* put it right */
	OK(JetCommitTransaction(s->sesid, 0));
	OK(JetBeginTransaction(s->sesid));
	OK(JetAddTableCounter(s->sesid, tid, JFS_COUNTER_BYTES, -3));
	OK(JetAddTableCounter(s->sesid, tid, JFS_COUNTER_MODS, 1));
	OK(JetCommitTransaction(s->sesid, 0));
	OK(JetBeginTransaction(s->sesid));
	OK(jfs_table_stat(&g_fs, s, t, tid, &st));
	ck_assert_uint_eq(st.size, g_full.len);
	jfs_reader *r;
	OK(jfs_reader_open(&g_fs, s, t, &r));
	check_read(r, g_full.len - 100, 100);
	check_read(r, 0, 1 << 20);
	jfs_reader_close(r);
	OK(JetCloseTable(s->sesid, tid));
	jfs_table_put(t);
	jfs_sess_free(s);
}
END_TEST

START_TEST(test_empty_table)
{
	jfs_sess *s;
	jfs_table *t;
	jfs_reader *r;
	JET_TABLEID tid;
	char buf[64];
	size_t got;

	OK(jfs_sess_new(&g_fs, false, &s));
	OK(JetCreateTable(s->sesid, s->dbid, "e", 0, 0, &tid));
	add_col(s->sesid, tid, "only one", JET_coltypLong, 0, 0);
	OK(JetCloseTable(s->sesid, tid));
	OK(JetBeginTransaction(s->sesid));
	OK(jfs_table_load(s, "e", &t));
	ck_assert_int_eq(t->primary, -1);
	OK(jfs_reader_open(&g_fs, s, t, &r));
	ck_assert_uint_eq(jfs_reader_size(r), 9);
	OK(jfs_reader_read(r, 0, buf, sizeof(buf), &got));
	ck_assert_uint_eq(got, 9);
	ck_assert(memcmp(buf, "only one\n", 9) == 0);
	OK(jfs_reader_read(r, 5, buf, sizeof(buf), &got));
	ck_assert_uint_eq(got, 4);
	OK(jfs_reader_read(r, 9, buf, sizeof(buf), &got));
	ck_assert_uint_eq(got, 0);
	jfs_reader_close(r);
	jfs_table_put(t);
	jfs_table *none = NULL;
	ck_assert_int_eq(jfs_table_load(s, "nope", &none), JET_errObjectNotFound);
	jfs_sess_free(s);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *su = suite_create("tread");
	TCase *tc = tcase_create("reader");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_full_and_random);
	tcase_add_test(tc, test_size_from_counters);
	tcase_add_test(tc, test_empty_table);
	suite_add_tcase(su, tc);
	return su;
}

JET_CHECK_MAIN(make_suite)
