/*
 * test_diff_sqlite.c - differential test: libjet against SQLite (the oracle).
 *
 * One seeded random sequence of operations runs on a libjet table and on an
 * in-memory SQLite table in lockstep; after every step the values each side
 * returned and the class of its result (success, not found, duplicate key)
 * must agree, and at every commit to level 0 (and every rollback to it) the
 * full contents are compared, in the order of every index.
 *
 * The table (both sides):
 *   pk    Long, NOT NULL, the primary index "+pk"     INTEGER PRIMARY KEY
 *   big   LongLong, NOT NULL                          INTEGER NOT NULL
 *   name  Text, NOT NULL, unique index "+name"        TEXT COLLATE NOCASE UNIQUE
 *   dbl   IEEEDouble, nullable, index "-dbl"          REAL, INDEX (dbl DESC)
 *   bin   Binary, nullable (NULL, empty, 1..255 B)    BLOB
 *   opt   Long, nullable, index "+opt\0-big" (with    INTEGER, INDEX (opt, big DESC)
 *         big: non-unique, two columns, mixed)
 *   note  Text, nullable, not indexed                 BLOB
 * libjet folds ASCII case in text keys and orders them by the folded bytes
 * (src/key.c); SQLite's NOCASE folds ASCII to lower case too, so the names
 * (ASCII letters, digits, '_', which sorts between the cases) order the same
 * on both sides. A non-unique index orders ties by the primary key, so the
 * SQL ORDER BY ends with pk. NULL sorts lowest in an ascending segment and
 * highest in a descending one, as SQLite puts NULLs first in ASC and last in
 * DESC. Doubles are never -0.0 or NaN (libjet orders -0.0 before +0.0,
 * SQLite has no NaN).
 *
 * Operations: inserts (JET_errKeyDuplicate where SQLite reports a
 * constraint), updates of every non-primary column (a random subset, NULL
 * and empty values included), deletes, point seeks on the primary and the
 * unique index, seeks with every JetSeek mode on every index (JET_wrnSeekNotEqual
 * checked), range scans on every index forward (seek GE/GT, JetSetIndexRange
 * upper limit inclusive or not) and backward (seek LE/LT, lower limit), and
 * on the primary by seek GE and moves up to an end key compared in C;
 * transactions nested up to 5 levels, committed or rolled back (SQLite:
 * SAVEPOINT, RELEASE, ROLLBACK TO). Index keys are given with one or two
 * columns on the two-column index (prefix semantics).
 *
 * Environment: JET_TEST_SEED fixes the seed (printed at start);
 * JET_TEST_SCALE multiplies the operation count (default 60,000);
 * JET_DIFF_VERBOSE=1 prints every operation.
 */
#include <check.h>
#include <inttypes.h>
#include <math.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "jet.h"

#define DEFAULT_OPS 60000
#define PK_LO (-300)
#define PK_SPAN 2000
#define MAX_LEVEL 5
#define SCAN_MAX 80

static uint64_t g_seed = 0x646966665f73716cull;
static uint64_t g_rng;
static double g_scale = 1.0;
static bool g_verbose;

/* Outcomes, printed at the end (a run that compares only empty results
 * would prove little). */
static long g_dups, g_notfound, g_scanned, g_notequal, g_maxrows;

/* What the current step is, for failure messages. */
static long g_step;
static char g_op[512];
static char g_recent[16][512];

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

static void dump_recent(void)
{
	long i;

	fprintf(stderr, "test_diff_sqlite: seed %#" PRIx64 ", failed at step %ld; last steps:\n",
		g_seed, g_step);
	for (i = g_step - 15; i <= g_step; i++)
		if (i >= 0)
			fprintf(stderr, "  %6ld %s\n", i, g_recent[i % 16]);
}

/* A disagreement: say where and what, then fail the test. */
#define DIFF(...)                                                                     \
	do {                                                                          \
		char m_[4096];                                                         \
		snprintf(m_, sizeof(m_), __VA_ARGS__);                                \
		dump_recent();                                                        \
		ck_abort_msg("seed %#" PRIx64 " step %ld [%s]: %s", g_seed, g_step,   \
			     g_op, m_);                                               \
	} while (0)

/* A libjet call that must succeed. */
#define JOK(x)                                                                        \
	do {                                                                          \
		JET_ERR e_ = (x);                                                     \
		if (e_ != JET_errSuccess)                                             \
			DIFF("%s returned %ld", #x, (long)e_);                       \
	} while (0)

static void set_op(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void set_op(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(g_op, sizeof(g_op), fmt, ap);
	va_end(ap);
	snprintf(g_recent[g_step % 16], sizeof(g_recent[0]), "%s", g_op);
	if (g_verbose)
		printf("%6ld %s\n", g_step, g_op);
}

/* ------------------------------------------------------------------ */
/* Rows                                                               */
/* ------------------------------------------------------------------ */

typedef struct row {
	int32_t pk;
	int64_t big;
	char name[64];
	unsigned cbName;
	bool dblNull;
	double dbl;
	bool binNull;
	uint8_t bin[255];
	unsigned cbBin;
	bool optNull;
	int32_t opt;
	bool noteNull;
	char note[128];
	unsigned cbNote;
} row;

static void row_str(const row *r, char *out, size_t cb)
{
	char dbl[40], opt[16];

	if (r->dblNull)
		snprintf(dbl, sizeof(dbl), "NULL");
	else
		snprintf(dbl, sizeof(dbl), "%.17g", r->dbl);
	if (r->optNull)
		snprintf(opt, sizeof(opt), "NULL");
	else
		snprintf(opt, sizeof(opt), "%d", (int)r->opt);
	snprintf(out, cb, "{pk %d big %" PRId64 " name '%.*s' dbl %s bin %s%u opt %s note %s%u}",
		 (int)r->pk, r->big, (int)r->cbName, r->name, dbl, r->binNull ? "NULL/" : "",
		 r->cbBin, opt, r->noteNull ? "NULL/" : "", r->cbNote);
}

static bool row_eq(const row *a, const row *b)
{
	if (a->pk != b->pk || a->big != b->big || a->cbName != b->cbName ||
	    memcmp(a->name, b->name, a->cbName) != 0)
		return false;
	if (a->dblNull != b->dblNull || (!a->dblNull && memcmp(&a->dbl, &b->dbl, 8) != 0))
		return false;
	if (a->binNull != b->binNull || a->cbBin != b->cbBin ||
	    memcmp(a->bin, b->bin, a->cbBin) != 0)
		return false;
	if (a->optNull != b->optNull || (!a->optNull && a->opt != b->opt))
		return false;
	if (a->noteNull != b->noteNull || a->cbNote != b->cbNote ||
	    memcmp(a->note, b->note, a->cbNote) != 0)
		return false;
	return true;
}

static void expect_row_eq(const row *jet, const row *sql, const char *what)
{
	char a[300], b[300];

	if (row_eq(jet, sql))
		return;
	row_str(jet, a, sizeof(a));
	row_str(sql, b, sizeof(b));
	DIFF("%s: libjet %s, SQLite %s", what, a, b);
}

/* Random values. Names: a word, a number, sometimes a suffix, each letter
 * in a random case: about 4,000 distinct folded names for ~1,300 rows, so
 * inserts and renames often collide on the unique index. */
static void gen_name(char *out, unsigned *cb)
{
	static const char *const words[] = {"alpha", "beta", "Gamma", "delta", "e", "k_"};
	unsigned n = rnd_below(330), w = rnd_below(6), sfx = rnd_below(2), i;
	int len;

	len = snprintf(out, 64, "%s%u%s", words[w], n, sfx ? "_x" : "");
	for (i = 0; i < (unsigned)len; i++)
		if (out[i] >= 'a' && out[i] <= 'z' && rnd_below(2))
			out[i] = (char)(out[i] - 'a' + 'A');
		else if (out[i] >= 'A' && out[i] <= 'Z' && rnd_below(2))
			out[i] = (char)(out[i] - 'A' + 'a');
	*cb = (unsigned)len;
}

static double gen_double(void)
{
	uint32_t k = rnd_below(100);

	if (k < 3)
		return k == 0 ? INFINITY : -INFINITY;
	if (k < 10)
		return (double)(int64_t)rnd() / 3.0; /* never -0.0: rnd() is 0 at most once */
	return (double)((int)rnd_below(161) - 80) * 0.25;
}

static int64_t gen_big(void)
{
	return rnd_below(2) ? (int64_t)rnd_below(8) - 3 : (int64_t)rnd();
}

static int32_t gen_opt(void)
{
	return (int32_t)rnd_below(30) - 15;
}

static void gen_bin(row *r)
{
	uint32_t k = rnd_below(100), i;

	r->binNull = k < 15;
	r->cbBin = 0;
	if (k < 20)
		return;
	r->cbBin = rnd_below(4) == 0 ? 255 - rnd_below(3) : 1 + rnd_below(24);
	for (i = 0; i < r->cbBin; i++)
		r->bin[i] = (uint8_t)rnd();
}

static void gen_note(row *r)
{
	uint32_t k = rnd_below(100), i;

	r->noteNull = k < 20;
	r->cbNote = 0;
	if (k < 25)
		return;
	r->cbNote = 1 + rnd_below(sizeof(r->note) - 1);
	for (i = 0; i < r->cbNote; i++)
		r->note[i] = (char)(0x20 + rnd_below(0x5f));
}

static void gen_row(row *r, int32_t pk)
{
	memset(r, 0, sizeof(*r));
	r->pk = pk;
	r->big = gen_big();
	gen_name(r->name, &r->cbName);
	r->dblNull = rnd_below(10) == 0;
	r->dbl = r->dblNull ? 0 : gen_double();
	gen_bin(r);
	r->optNull = rnd_below(7) == 0;
	r->opt = r->optNull ? 0 : gen_opt();
	gen_note(r);
}

static int32_t gen_pk(void)
{
	return PK_LO + (int32_t)rnd_below(PK_SPAN);
}

/* ------------------------------------------------------------------ */
/* The two sides                                                      */
/* ------------------------------------------------------------------ */

enum { IX_PK, IX_NAME, IX_TWO, IX_DBL, IX_COUNT };
static const char *const ix_jet_name[IX_COUNT] = {NULL, "uname", "two", "ddbl"};
static const char *const ix_desc[IX_COUNT] = {"+pk", "+name", "+opt-big", "-dbl"};
static const char *const ix_order_fwd[IX_COUNT] = {"pk", "name, pk", "opt, big DESC, pk",
						   "dbl DESC, pk"};
static const char *const ix_order_rev[IX_COUNT] = {"pk DESC", "name DESC, pk DESC",
						   "opt DESC, big, pk DESC", "dbl, pk DESC"};

typedef struct side {
	JET_INSTANCE inst;
	JET_SESID ses;
	JET_DBID db;
	JET_TABLEID t;
	JET_COLUMNID cpk, cbig, cname, cdbl, cbin, copt, cnote;
	int curIx; /* the cursor's current index, -1 unknown */
	char dir[256];
	sqlite3 *sq;
	int level;
} side;

static void sql_exec(side *s, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(s->sq, sql, NULL, NULL, &msg) != SQLITE_OK) {
		char m[300];
		snprintf(m, sizeof(m), "%s", msg ? msg : "?");
		sqlite3_free(msg);
		DIFF("SQLite: %s: %s", sql, m);
	}
}

static sqlite3_stmt *sql_prepare(side *s, const char *sql)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(s->sq, sql, -1, &st, NULL) != SQLITE_OK)
		DIFF("SQLite prepare %s: %s", sql, sqlite3_errmsg(s->sq));
	return st;
}

static JET_COLUMNID jet_col(side *s, const char *name, JET_COLTYP typ, JET_GRBIT grbit)
{
	JET_COLUMNDEF cd;
	JET_COLUMNID id = 0;

	memset(&cd, 0, sizeof(cd));
	cd.cbStruct = sizeof(cd);
	cd.coltyp = typ;
	cd.grbit = grbit;
	JOK(JetAddColumn(s->ses, s->t, name, &cd, NULL, 0, &id));
	return id;
}

static void sides_open(side *s)
{
	char path[300], dbpath[400];

	memset(s, 0, sizeof(*s));
	snprintf(s->dir, sizeof(s->dir), "/tmp/jet_test_diff_XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(s->dir));
	snprintf(path, sizeof(path), "%s/", s->dir);
	snprintf(dbpath, sizeof(dbpath), "%s/diff.edb", s->dir);
	JOK(JetCreateInstance(&s->inst, "test_diff_sqlite"));
	JOK(JetSetSystemParameter(&s->inst, 0, JET_paramSystemPath, 0, path));
	JOK(JetSetSystemParameter(&s->inst, 0, JET_paramLogFilePath, 0, path));
	JOK(JetSetSystemParameter(&s->inst, 0, JET_paramTempPath, 0, path));
	JOK(JetSetSystemParameter(&s->inst, 0, JET_paramCircularLog, 1, NULL));
	JOK(JetInit(&s->inst));
	JOK(JetBeginSession(s->inst, &s->ses, NULL, NULL));
	JOK(JetCreateDatabase(s->ses, dbpath, NULL, &s->db, 0));
	JOK(JetCreateTable(s->ses, s->db, "t", 0, 0, &s->t));
	s->cpk = jet_col(s, "pk", JET_coltypLong, JET_bitColumnNotNULL);
	s->cbig = jet_col(s, "big", JET_coltypLongLong, JET_bitColumnNotNULL);
	s->cname = jet_col(s, "name", JET_coltypText, JET_bitColumnNotNULL);
	s->cdbl = jet_col(s, "dbl", JET_coltypIEEEDouble, 0);
	s->cbin = jet_col(s, "bin", JET_coltypBinary, 0);
	s->copt = jet_col(s, "opt", JET_coltypLong, 0);
	s->cnote = jet_col(s, "note", JET_coltypText, 0);
	JOK(JetCreateIndex(s->ses, s->t, "pk", JET_bitIndexPrimary, "+pk\0", 5, 100));
	JOK(JetCreateIndex(s->ses, s->t, "uname", JET_bitIndexUnique, "+name\0", 7, 100));
	JOK(JetCreateIndex(s->ses, s->t, "two", 0, "+opt\0-big\0", 11, 100));
	JOK(JetCreateIndex(s->ses, s->t, "ddbl", 0, "-dbl\0", 6, 100));
	s->curIx = IX_PK;

	ck_assert_int_eq(sqlite3_open(":memory:", &s->sq), SQLITE_OK);
	sql_exec(s, "CREATE TABLE t(pk INTEGER PRIMARY KEY, big INTEGER NOT NULL,"
		    " name TEXT NOT NULL COLLATE NOCASE UNIQUE, dbl REAL, bin BLOB,"
		    " opt INTEGER, note BLOB);"
		    "CREATE INDEX two ON t(opt, big DESC);"
		    "CREATE INDEX ddbl ON t(dbl DESC);");
}

static void sides_close(side *s)
{
	char cmd[400];

	JOK(JetCloseTable(s->ses, s->t));
	JOK(JetEndSession(s->ses, 0));
	JOK(JetTerm(s->inst));
	sqlite3_close(s->sq);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", s->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", s->dir);
}

/* --- libjet side ---------------------------------------------------- */

static void jet_use_index(side *s, int ix)
{
	if (s->curIx == ix)
		return;
	JOK(JetSetCurrentIndex(s->ses, s->t, ix_jet_name[ix]));
	s->curIx = ix;
}

/* A variable-length column: NULL (wrnColumnNull), or its bytes. */
static void jet_get_var(side *s, JET_COLUMNID col, void *buf, unsigned cbMax, bool *isNull,
			unsigned *cb, const char *what)
{
	unsigned long cbActual = 0;
	JET_ERR err = JetRetrieveColumn(s->ses, s->t, col, buf, cbMax, &cbActual, 0, NULL);

	if (err == JET_wrnColumnNull) {
		if (!isNull)
			DIFF("libjet: NOT NULL column %s read as NULL", what);
		*isNull = true;
		*cb = 0;
		return;
	}
	if (err != JET_errSuccess)
		DIFF("libjet: JetRetrieveColumn(%s) returned %ld", what, (long)err);
	if (cbActual > cbMax)
		DIFF("libjet: column %s is %lu bytes, more than %u", what, cbActual, cbMax);
	if (isNull)
		*isNull = false;
	*cb = (unsigned)cbActual;
}

static void jet_get_fixed(side *s, JET_COLUMNID col, void *buf, unsigned cb, bool *isNull,
			  const char *what)
{
	unsigned long cbActual = 0;
	JET_ERR err = JetRetrieveColumn(s->ses, s->t, col, buf, cb, &cbActual, 0, NULL);

	if (err == JET_wrnColumnNull && isNull) {
		*isNull = true;
		memset(buf, 0, cb);
		return;
	}
	if (err != JET_errSuccess)
		DIFF("libjet: JetRetrieveColumn(%s) returned %ld", what, (long)err);
	if (cbActual != cb)
		DIFF("libjet: fixed column %s is %lu bytes, not %u", what, cbActual, cb);
	if (isNull)
		*isNull = false;
}

/* The current record of the cursor. */
static void jet_row(side *s, row *r)
{
	memset(r, 0, sizeof(*r));
	jet_get_fixed(s, s->cpk, &r->pk, 4, NULL, "pk");
	jet_get_fixed(s, s->cbig, &r->big, 8, NULL, "big");
	jet_get_var(s, s->cname, r->name, sizeof(r->name), NULL, &r->cbName, "name");
	jet_get_fixed(s, s->cdbl, &r->dbl, 8, &r->dblNull, "dbl");
	jet_get_var(s, s->cbin, r->bin, sizeof(r->bin), &r->binNull, &r->cbBin, "bin");
	jet_get_fixed(s, s->copt, &r->opt, 4, &r->optNull, "opt");
	jet_get_var(s, s->cnote, r->note, sizeof(r->note), &r->noteNull, &r->cbNote, "note");
}

static int32_t jet_pk(side *s)
{
	int32_t pk;

	jet_get_fixed(s, s->cpk, &pk, 4, NULL, "pk");
	return pk;
}

static void jet_set(side *s, JET_COLUMNID col, const void *pv, unsigned cb, bool isNull,
		    const char *what)
{
	JET_ERR err;

	if (isNull)
		err = JetSetColumn(s->ses, s->t, col, NULL, 0, 0, NULL);
	else if (cb == 0)
		err = JetSetColumn(s->ses, s->t, col, "", 0, JET_bitSetZeroLength, NULL);
	else
		err = JetSetColumn(s->ses, s->t, col, pv, cb, 0, NULL);
	if (err != JET_errSuccess)
		DIFF("libjet: JetSetColumn(%s) returned %ld", what, (long)err);
}

/* Columns to write: the primary key only on insert. */
enum {
	F_BIG = 1,
	F_NAME = 2,
	F_DBL = 4,
	F_BIN = 8,
	F_OPT = 16,
	F_NOTE = 32,
	F_ALL = 63
};

static void jet_set_fields(side *s, const row *r, unsigned fields)
{
	if (fields & F_BIG)
		jet_set(s, s->cbig, &r->big, 8, false, "big");
	if (fields & F_NAME)
		jet_set(s, s->cname, r->name, r->cbName, false, "name");
	if (fields & F_DBL)
		jet_set(s, s->cdbl, &r->dbl, 8, r->dblNull, "dbl");
	if (fields & F_BIN)
		jet_set(s, s->cbin, r->bin, r->cbBin, r->binNull, "bin");
	if (fields & F_OPT)
		jet_set(s, s->copt, &r->opt, 4, r->optNull, "opt");
	if (fields & F_NOTE)
		jet_set(s, s->cnote, r->note, r->cbNote, r->noteNull, "note");
}

/* JetUpdate; on failure the update is cancelled (a failed JetUpdate keeps
 * it prepared, as in ESE). */
static JET_ERR jet_update(side *s)
{
	JET_ERR err = JetUpdate(s->ses, s->t, NULL, 0, NULL);

	if (err < 0)
		JOK(JetPrepareUpdate(s->ses, s->t, JET_prepCancel));
	return err;
}

static JET_ERR jet_seek_pk(side *s, int32_t pk)
{
	jet_use_index(s, IX_PK);
	JOK(JetMakeKey(s->ses, s->t, &pk, 4, JET_bitNewKey));
	return JetSeek(s->ses, s->t, JET_bitSeekEQ);
}

/* --- SQLite side ---------------------------------------------------- */

#define SQL_COLS "pk, big, name, dbl, bin, opt, note"

static void sql_row(sqlite3_stmt *st, row *r)
{
	const void *p;
	int n;

	memset(r, 0, sizeof(*r));
	r->pk = (int32_t)sqlite3_column_int64(st, 0);
	r->big = sqlite3_column_int64(st, 1);
	n = sqlite3_column_bytes(st, 2);
	p = sqlite3_column_text(st, 2);
	ck_assert_int_le(n, (int)sizeof(r->name));
	memcpy(r->name, p, (size_t)n);
	r->cbName = (unsigned)n;
	r->dblNull = sqlite3_column_type(st, 3) == SQLITE_NULL;
	r->dbl = r->dblNull ? 0 : sqlite3_column_double(st, 3);
	r->binNull = sqlite3_column_type(st, 4) == SQLITE_NULL;
	p = sqlite3_column_blob(st, 4);
	n = sqlite3_column_bytes(st, 4);
	if (n)
		memcpy(r->bin, p, (size_t)n);
	r->cbBin = (unsigned)n;
	r->optNull = sqlite3_column_type(st, 5) == SQLITE_NULL;
	r->opt = r->optNull ? 0 : (int32_t)sqlite3_column_int64(st, 5);
	r->noteNull = sqlite3_column_type(st, 6) == SQLITE_NULL;
	p = sqlite3_column_blob(st, 6);
	n = sqlite3_column_bytes(st, 6);
	if (n)
		memcpy(r->note, p, (size_t)n);
	r->cbNote = (unsigned)n;
}

static void sql_bind_var(sqlite3_stmt *st, int i, const void *pv, unsigned cb, bool isNull)
{
	if (isNull)
		sqlite3_bind_null(st, i);
	else if (cb == 0)
		sqlite3_bind_zeroblob(st, i, 0);
	else
		sqlite3_bind_blob(st, i, pv, (int)cb, SQLITE_TRANSIENT);
}

/* Bind a row to ?1..?7 in SQL_COLS order. */
static void sql_bind_row(sqlite3_stmt *st, const row *r)
{
	sqlite3_bind_int64(st, 1, r->pk);
	sqlite3_bind_int64(st, 2, r->big);
	sqlite3_bind_text(st, 3, r->name, (int)r->cbName, SQLITE_TRANSIENT);
	if (r->dblNull)
		sqlite3_bind_null(st, 4);
	else
		sqlite3_bind_double(st, 4, r->dbl);
	sql_bind_var(st, 5, r->bin, r->cbBin, r->binNull);
	if (r->optNull)
		sqlite3_bind_null(st, 6);
	else
		sqlite3_bind_int64(st, 6, r->opt);
	sql_bind_var(st, 7, r->note, r->cbNote, r->noteNull);
}

/* Result classes both sides are reduced to. */
enum { RES_OK, RES_NOTFOUND, RES_DUP };
static const char *const r_name[] = {"success", "not found", "duplicate key"};

static int jet_class(JET_ERR err, const char *what)
{
	if (err == JET_errSuccess)
		return RES_OK;
	if (err == JET_errKeyDuplicate)
		return RES_DUP;
	if (err == JET_errRecordNotFound)
		return RES_NOTFOUND;
	DIFF("libjet: %s returned %ld", what, (long)err);
	return -1;
}

static int sql_class(side *s, int rc, const char *what)
{
	if (rc == SQLITE_DONE || rc == SQLITE_OK)
		return RES_OK;
	if ((rc & 0xff) == SQLITE_CONSTRAINT)
		return RES_DUP;
	DIFF("SQLite: %s: %d %s", what, rc, sqlite3_errmsg(s->sq));
	return -1;
}

static bool sql_get_row(side *s, int32_t pk, row *r)
{
	sqlite3_stmt *st = sql_prepare(s, "SELECT " SQL_COLS " FROM t WHERE pk = ?1");
	bool found;

	sqlite3_bind_int64(st, 1, pk);
	found = sqlite3_step(st) == SQLITE_ROW;
	if (found)
		sql_row(st, r);
	sqlite3_finalize(st);
	return found;
}

/* ------------------------------------------------------------------ */
/* Keys: one bound on an index, in both languages                     */
/* ------------------------------------------------------------------ */

typedef struct bkey {
	int ix;
	int ncol; /* 1, or 2 on IX_TWO */
	bool isNull; /* the first column (opt or dbl) is NULL */
	int32_t i32; /* pk or opt */
	int64_t i64; /* big */
	double d;
	char s[64];
	unsigned cbS;
} bkey;

/* Relations in index order, with prefix semantics (as JetSeek/JetSetIndexRange
 * treat a key: GE from the first entry the key prefixes, GT past the last). */
enum { REL_GE, REL_GT, REL_LE, REL_LT };

static void key_str(const bkey *k, char *out, size_t cb)
{
	switch (k->ix) {
	case IX_PK:
		snprintf(out, cb, "pk %d", (int)k->i32);
		break;
	case IX_NAME:
		snprintf(out, cb, "name '%.*s'", (int)k->cbS, k->s);
		break;
	case IX_TWO:
		if (k->isNull && k->ncol == 1)
			snprintf(out, cb, "opt NULL");
		else if (k->isNull)
			snprintf(out, cb, "opt NULL big %" PRId64, k->i64);
		else if (k->ncol == 1)
			snprintf(out, cb, "opt %d", (int)k->i32);
		else
			snprintf(out, cb, "opt %d big %" PRId64, (int)k->i32, k->i64);
		break;
	default:
		if (k->isNull)
			snprintf(out, cb, "dbl NULL");
		else
			snprintf(out, cb, "dbl %.17g", k->d);
		break;
	}
}

/* A key on index ix: often a value of an existing row (for equal keys),
 * otherwise a random one. */
static void gen_key(side *s, int ix, bkey *k)
{
	row r;
	bool have = false;

	memset(k, 0, sizeof(*k));
	k->ix = ix;
	k->ncol = 1;
	if (rnd_below(2)) {
		sqlite3_stmt *st = sql_prepare(
		    s, "SELECT " SQL_COLS " FROM t WHERE pk >= ?1 ORDER BY pk LIMIT 1");
		sqlite3_bind_int64(st, 1, gen_pk());
		if (sqlite3_step(st) == SQLITE_ROW) {
			sql_row(st, &r);
			have = true;
		}
		sqlite3_finalize(st);
	}
	if (!have)
		gen_row(&r, gen_pk());
	switch (ix) {
	case IX_PK:
		k->i32 = r.pk;
		break;
	case IX_NAME:
		memcpy(k->s, r.name, r.cbName);
		k->cbS = r.cbName;
		if (rnd_below(2)) { /* another case, or a prefix */
			unsigned i;
			for (i = 0; i < k->cbS; i++)
				if (k->s[i] >= 'a' && k->s[i] <= 'z')
					k->s[i] = (char)(k->s[i] - 'a' + 'A');
			if (rnd_below(3) == 0 && k->cbS > 1)
				k->cbS = 1 + rnd_below(k->cbS - 1);
		}
		break;
	case IX_TWO:
		k->isNull = r.optNull && rnd_below(3) == 0;
		k->i32 = r.optNull ? gen_opt() : r.opt;
		k->i64 = r.big;
		k->ncol = rnd_below(2) ? 2 : 1;
		break;
	default:
		k->isNull = r.dblNull && rnd_below(3) == 0;
		k->d = r.dblNull ? gen_double() : r.dbl;
		break;
	}
}

static void jet_make_key(side *s, const bkey *k, JET_GRBIT grbitLast)
{
	JET_GRBIT g1 = JET_bitNewKey | (k->ncol == 1 ? grbitLast : 0);

	switch (k->ix) {
	case IX_PK:
		JOK(JetMakeKey(s->ses, s->t, &k->i32, 4, g1));
		break;
	case IX_NAME:
		JOK(JetMakeKey(s->ses, s->t, k->s, k->cbS, g1));
		break;
	case IX_TWO:
		if (k->isNull) /* no data, no KeyDataZeroLength: a NULL segment */
			JOK(JetMakeKey(s->ses, s->t, NULL, 0, g1));
		else
			JOK(JetMakeKey(s->ses, s->t, &k->i32, 4, g1));
		if (k->ncol == 2)
			JOK(JetMakeKey(s->ses, s->t, &k->i64, 8, grbitLast));
		break;
	default:
		if (k->isNull)
			JOK(JetMakeKey(s->ses, s->t, NULL, 0, g1));
		else
			JOK(JetMakeKey(s->ses, s->t, &k->d, 8, g1));
		break;
	}
}

/* A query under construction: SQL text and its parameters in order. */
typedef struct sqlq {
	char sql[2048];
	size_t len;
	int n;
	struct {
		int type; /* 0 int, 1 double, 2 text */
		int64_t i;
		double d;
		const char *s;
		int cb;
	} v[16];
} sqlq;

static void q_add(sqlq *q, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void q_add(sqlq *q, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	q->len += (size_t)vsnprintf(q->sql + q->len, sizeof(q->sql) - q->len, fmt, ap);
	va_end(ap);
	ck_assert_uint_lt(q->len, sizeof(q->sql));
}

static void q_int(sqlq *q, int64_t v)
{
	ck_assert_int_lt(q->n, 16);
	q->v[q->n].type = 0;
	q->v[q->n].i = v;
	q->n++;
	q_add(q, "?%d", q->n);
}

static void q_dbl(sqlq *q, double v)
{
	ck_assert_int_lt(q->n, 16);
	q->v[q->n].type = 1;
	q->v[q->n].d = v;
	q->n++;
	q_add(q, "?%d", q->n);
}

static void q_txt(sqlq *q, const char *s, unsigned cb)
{
	ck_assert_int_lt(q->n, 16);
	q->v[q->n].type = 2;
	q->v[q->n].s = s;
	q->v[q->n].cb = (int)cb;
	q->n++;
	q_add(q, "?%d", q->n);
}

static sqlite3_stmt *q_prepare(side *s, const sqlq *q)
{
	sqlite3_stmt *st = sql_prepare(s, q->sql);
	int i;

	for (i = 0; i < q->n; i++) {
		if (q->v[i].type == 0)
			sqlite3_bind_int64(st, i + 1, q->v[i].i);
		else if (q->v[i].type == 1)
			sqlite3_bind_double(st, i + 1, q->v[i].d);
		else
			sqlite3_bind_text(st, i + 1, q->v[i].s, q->v[i].cb, SQLITE_STATIC);
	}
	return st;
}

/* One column's part of a relation. last: the key's last column (its
 * comparison may be non-strict); desc: the segment is descending; nullLow:
 * the column is nullable (NULL is the lowest value of an ascending segment
 * and the highest of a descending one). */
static void q_col_rel(sqlq *q, int rel, const char *col, bool desc, bool nullable, bool last,
		      int type, const bkey *k)
{
	bool greater = rel == REL_GE || rel == REL_GT; /* towards the index end */
	bool strict = !last || rel == REL_GT || rel == REL_LT;
	bool up = greater != desc; /* the SQL value grows */
	/* NULLs lie on the low side of an ascending segment: a relation
	 * towards the start includes them; on a descending one the reverse. */
	bool nullsIn = nullable && (greater == desc);

	if (nullable && k->isNull) {
		/* Against a NULL key value: NULL is the highest value of a
		 * descending segment, the lowest of an ascending one. */
		enum { NONE, ALL, ISNULL, NOTNULL } r;
		bool nullHigh = desc;
		if (greater)
			r = strict ? (nullHigh ? NONE : NOTNULL) : (nullHigh ? ISNULL : ALL);
		else
			r = strict ? (nullHigh ? NOTNULL : NONE) : (nullHigh ? ALL : ISNULL);
		if (r == NONE || r == ALL)
			q_add(q, "(%d)", r == ALL);
		else
			q_add(q, "(%s IS %sNULL)", col, r == NOTNULL ? "NOT " : "");
		return;
	}
	q_add(q, "(");
	if (nullsIn)
		q_add(q, "%s IS NULL OR ", col);
	q_add(q, "%s %s%s ", col, up ? ">" : "<", strict ? "" : "=");
	if (type == 0)
		q_int(q, k->ix == IX_TWO && col[0] == 'b' ? k->i64 : k->i32);
	else if (type == 1)
		q_dbl(q, k->d);
	else
		q_txt(q, k->s, k->cbS);
	q_add(q, ")");
}

/* "entry REL key" as SQL, for the index of key k. */
static void q_rel(sqlq *q, int rel, const bkey *k)
{
	switch (k->ix) {
	case IX_PK:
		q_col_rel(q, rel, "pk", false, false, true, 0, k);
		break;
	case IX_NAME:
		q_col_rel(q, rel, "name", false, false, true, 2, k);
		break;
	case IX_DBL:
		q_col_rel(q, rel, "dbl", true, true, true, 1, k);
		break;
	default:
		if (k->ncol == 1) {
			q_col_rel(q, rel, "opt", false, true, true, 0, k);
		} else {
			q_add(q, "(");
			q_col_rel(q, rel, "opt", false, true, false, 0, k);
			if (k->isNull) {
				q_add(q, " OR (opt IS NULL AND ");
			} else {
				q_add(q, " OR (opt = ");
				q_int(q, k->i32);
				q_add(q, " AND ");
			}
			q_col_rel(q, rel, "big", true, false, true, 0, k);
			q_add(q, "))");
		}
		break;
	}
}

/* Does row r have key k as a prefix of its index key? */
static bool key_matches(const bkey *k, const row *r)
{
	switch (k->ix) {
	case IX_PK:
		return r->pk == k->i32;
	case IX_NAME:
		return r->cbName == k->cbS && strncasecmp(r->name, k->s, k->cbS) == 0;
	case IX_TWO:
		if (k->isNull ? !r->optNull : (r->optNull || r->opt != k->i32))
			return false;
		return k->ncol == 1 || r->big == k->i64;
	default:
		return k->isNull ? r->dblNull : !r->dblNull && r->dbl == k->d;
	}
}

/* ------------------------------------------------------------------ */
/* Operations                                                         */
/* ------------------------------------------------------------------ */

static void op_insert(side *s)
{
	row r, got;
	sqlite3_stmt *st;
	int jc, sc;
	char desc[512];

	gen_row(&r, gen_pk());
	row_str(&r, desc, sizeof(desc));
	set_op("insert %s", desc);
	JOK(JetPrepareUpdate(s->ses, s->t, JET_prepInsert));
	jet_set(s, s->cpk, &r.pk, 4, false, "pk");
	jet_set_fields(s, &r, F_ALL);
	jc = jet_class(jet_update(s), "JetUpdate (insert)");
	st = sql_prepare(s, "INSERT INTO t(" SQL_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
	sql_bind_row(st, &r);
	sc = sql_class(s, sqlite3_step(st), "INSERT");
	sqlite3_finalize(st);
	if (jc != sc)
		DIFF("libjet: %s, SQLite: %s", r_name[jc], r_name[sc]);
	g_dups += jc == RES_DUP;
	if (jc == RES_OK) {
		/* The inserted row reads back through the primary index. */
		if (jet_seek_pk(s, r.pk) != JET_errSuccess)
			DIFF("libjet: the inserted row is not found");
		jet_row(s, &got);
		expect_row_eq(&got, &r, "inserted row");
	}
}

static void op_update(side *s)
{
	row old, r, got;
	int32_t pk = gen_pk();
	unsigned fields = 1 + rnd_below(F_ALL);
	bool found;
	JET_ERR err;
	int jc, sc;
	sqlite3_stmt *st;
	row fresh;

	gen_row(&fresh, pk);
	found = sql_get_row(s, pk, &old);
	err = jet_seek_pk(s, pk);
	jc = jet_class(err, "JetSeek (update)");
	if (jc != (found ? RES_OK : RES_NOTFOUND))
		DIFF("update pk %d: libjet seek %s, SQLite row %s", (int)pk, r_name[jc],
		     found ? "present" : "absent");
	if (!found) {
		set_op("update pk %d (absent)", (int)pk);
		g_notfound++;
		return;
	}
	r = old;
	if (fields & F_BIG)
		r.big = fresh.big;
	if (fields & F_NAME) {
		if (rnd_below(4) == 0) { /* the same name in another case */
			unsigned i;
			for (i = 0; i < r.cbName; i++)
				if (r.name[i] >= 'a' && r.name[i] <= 'z')
					r.name[i] = (char)(r.name[i] - 'a' + 'A');
				else if (r.name[i] >= 'A' && r.name[i] <= 'Z')
					r.name[i] = (char)(r.name[i] - 'A' + 'a');
		} else {
			memcpy(r.name, fresh.name, fresh.cbName);
			r.cbName = fresh.cbName;
		}
	}
	if (fields & F_DBL) {
		r.dblNull = fresh.dblNull;
		r.dbl = fresh.dbl;
	}
	if (fields & F_BIN) {
		r.binNull = fresh.binNull;
		r.cbBin = fresh.cbBin;
		memcpy(r.bin, fresh.bin, fresh.cbBin);
	}
	if (fields & F_OPT) {
		r.optNull = fresh.optNull;
		r.opt = fresh.opt;
	}
	if (fields & F_NOTE) {
		r.noteNull = fresh.noteNull;
		r.cbNote = fresh.cbNote;
		memcpy(r.note, fresh.note, fresh.cbNote);
	}
	{
		char desc[512];
		row_str(&r, desc, sizeof(desc));
		set_op("update fields %#x to %s", fields, desc);
	}
	jet_row(s, &got);
	expect_row_eq(&got, &old, "row before update");
	JOK(JetPrepareUpdate(s->ses, s->t, JET_prepReplace));
	jet_set_fields(s, &r, fields);
	jc = jet_class(jet_update(s), "JetUpdate (replace)");
	st = sql_prepare(s, "UPDATE t SET big = ?2, name = ?3, dbl = ?4, bin = ?5, opt = ?6,"
			    " note = ?7 WHERE pk = ?1");
	sql_bind_row(st, &r);
	sc = sql_class(s, sqlite3_step(st), "UPDATE");
	sqlite3_finalize(st);
	if (jc != sc)
		DIFF("libjet: %s, SQLite: %s", r_name[jc], r_name[sc]);
	g_dups += jc == RES_DUP;
	/* The cursor stays on the record either way. */
	jet_row(s, &got);
	expect_row_eq(&got, jc == RES_OK ? &r : &old, "row after update");
}

static void op_delete(side *s)
{
	int32_t pk = gen_pk();
	int jc, sc;
	sqlite3_stmt *st;

	set_op("delete pk %d", (int)pk);
	jc = jet_class(jet_seek_pk(s, pk), "JetSeek (delete)");
	if (jc == RES_OK)
		JOK(JetDelete(s->ses, s->t));
	st = sql_prepare(s, "DELETE FROM t WHERE pk = ?1");
	sqlite3_bind_int64(st, 1, pk);
	if (sqlite3_step(st) != SQLITE_DONE)
		DIFF("SQLite DELETE: %s", sqlite3_errmsg(s->sq));
	sc = sqlite3_changes(s->sq) ? RES_OK : RES_NOTFOUND;
	sqlite3_finalize(st);
	if (jc != sc)
		DIFF("libjet: %s, SQLite: %s", r_name[jc], r_name[sc]);
	if (jc == RES_OK && jet_seek_pk(s, pk) != JET_errRecordNotFound)
		DIFF("libjet: the deleted row is still found");
}

/* SeekEQ on the primary or the unique index; the row compared. */
static void op_point(side *s)
{
	bkey k;
	int ix = rnd_below(2) ? IX_PK : IX_NAME;
	sqlq q;
	sqlite3_stmt *st;
	row a, b;
	bool found;
	JET_ERR err;
	char desc[128];

	gen_key(s, ix, &k);
	key_str(&k, desc, sizeof(desc));
	set_op("seek EQ %s", desc);
	memset(&q, 0, sizeof(q));
	q_add(&q, "SELECT " SQL_COLS " FROM t WHERE ");
	if (ix == IX_PK) {
		q_add(&q, "pk = ");
		q_int(&q, k.i32);
	} else {
		q_add(&q, "name = ");
		q_txt(&q, k.s, k.cbS);
	}
	st = q_prepare(s, &q);
	found = sqlite3_step(st) == SQLITE_ROW;
	if (found)
		sql_row(st, &b);
	sqlite3_finalize(st);
	jet_use_index(s, ix);
	jet_make_key(s, &k, 0);
	err = JetSeek(s->ses, s->t, JET_bitSeekEQ);
	if (jet_class(err, "JetSeek EQ") != (found ? RES_OK : RES_NOTFOUND))
		DIFF("libjet %ld, SQLite %s", (long)err, found ? "found" : "not found");
	if (found) {
		jet_row(s, &a);
		expect_row_eq(&a, &b, "seek EQ");
	}
}

/* One JetSeek in any mode on any index against the first row of the SQL
 * query with the same relation in index order. */
static void op_seek(side *s)
{
	static const JET_GRBIT modes[] = {JET_bitSeekEQ, JET_bitSeekGE, JET_bitSeekGT,
					  JET_bitSeekLE, JET_bitSeekLT};
	static const char *const mname[] = {"EQ", "GE", "GT", "LE", "LT"};
	int ix = (int)rnd_below(IX_COUNT), m = (int)rnd_below(5);
	bkey k;
	sqlq q;
	sqlite3_stmt *st;
	row a, b;
	bool found, eq = false;
	JET_ERR err, want;
	char desc[128];

	gen_key(s, ix, &k);
	key_str(&k, desc, sizeof(desc));
	set_op("seek %s on %s, %s", mname[m], ix_desc[ix], desc);
	memset(&q, 0, sizeof(q));
	q_add(&q, "SELECT " SQL_COLS " FROM t WHERE ");
	switch (m) {
	case 0:
		q_rel(&q, REL_GE, &k);
		q_add(&q, " AND ");
		q_rel(&q, REL_LE, &k);
		q_add(&q, " ORDER BY %s", ix_order_fwd[ix]);
		break;
	case 1:
	case 2:
		q_rel(&q, m == 1 ? REL_GE : REL_GT, &k);
		q_add(&q, " ORDER BY %s", ix_order_fwd[ix]);
		break;
	default:
		q_rel(&q, m == 3 ? REL_LE : REL_LT, &k);
		q_add(&q, " ORDER BY %s", ix_order_rev[ix]);
		break;
	}
	q_add(&q, " LIMIT 1");
	st = q_prepare(s, &q);
	found = sqlite3_step(st) == SQLITE_ROW;
	if (found) {
		sql_row(st, &b);
		eq = key_matches(&k, &b);
	}
	sqlite3_finalize(st);
	jet_use_index(s, ix);
	jet_make_key(s, &k, 0);
	err = JetSeek(s->ses, s->t, modes[m]);
	want = !found ? JET_errRecordNotFound
		      : ((m == 1 || m == 3) && !eq ? JET_wrnSeekNotEqual : JET_errSuccess);
	if (err != want)
		DIFF("libjet JetSeek returned %ld, SQLite says %ld (%s)", (long)err, (long)want,
		     q.sql);
	g_notequal += err == JET_wrnSeekNotEqual;
	g_notfound += err == JET_errRecordNotFound;
	if (found) {
		jet_row(s, &a);
		expect_row_eq(&a, &b, "seek");
	}
}

/* Compare the JET cursor, from its current entry on, moving by dir, with
 * the SQL rows; at most lim rows, then (if fewer SQL rows) JET must end.
 * Returns the rows compared; *ended: the SQL statement is done. */
static int scan_compare(side *s, sqlite3_stmt *st, long dir, int lim, bool startOk,
			const char *sql, bool *ended)
{
	int n = 0;
	bool jetOn = startOk;
	row a, b;
	JET_ERR err;

	for (;;) {
		bool sqlOn = n < lim && sqlite3_step(st) == SQLITE_ROW;
		if (n >= lim)
			break;
		if (jetOn != sqlOn)
			DIFF("row %d of the scan: libjet %s, SQLite %s (%s)", n,
			     jetOn ? "has a row" : "ended", sqlOn ? "has a row" : "ended", sql);
		if (!sqlOn) {
			*ended = true;
			break;
		}
		sql_row(st, &b);
		jet_row(s, &a);
		{
			char what[64];
			snprintf(what, sizeof(what), "row %d of the scan", n);
			expect_row_eq(&a, &b, what);
		}
		n++;
		g_scanned++;
		if (n >= lim)
			break;
		err = JetMove(s->ses, s->t, dir, 0);
		if (err == JET_errNoCurrentRecord)
			jetOn = false;
		else if (err != JET_errSuccess)
			DIFF("JetMove returned %ld", (long)err);
	}
	return n;
}

/* A range on a random index: forward (seek GE/GT from the lower key, upper
 * limit) or backward (seek LE/LT from the upper key, lower limit). */
static void op_range(side *s)
{
	int ix = (int)rnd_below(IX_COUNT);
	bool fwd = rnd_below(2), seekStrict = rnd_below(4) == 0, incl = rnd_below(3) != 0;
	int lim = 1 + (int)rnd_below(SCAN_MAX);
	bkey lo, hi;
	sqlq q;
	sqlite3_stmt *st;
	JET_ERR err;
	bool on, ended = false, count = rnd_below(4) == 0;
	unsigned long jetCount = 0;
	int n;
	char d1[128], d2[128];

	gen_key(s, ix, &lo);
	gen_key(s, ix, &hi);
	if (ix == IX_TWO && rnd_below(2))
		hi.ncol = lo.ncol;
	key_str(&lo, d1, sizeof(d1));
	key_str(&hi, d2, sizeof(d2));
	set_op("range %s on %s from [%s] to [%s]%s%s, %d rows", fwd ? "forward" : "backward",
	       ix_desc[ix], d1, d2, seekStrict ? " strict start" : "",
	       incl ? " inclusive end" : "", lim);

	memset(&q, 0, sizeof(q));
	q_add(&q, "SELECT " SQL_COLS " FROM t WHERE ");
	if (fwd) {
		q_rel(&q, seekStrict ? REL_GT : REL_GE, &lo);
		q_add(&q, " AND ");
		q_rel(&q, incl ? REL_LE : REL_LT, &hi);
		q_add(&q, " ORDER BY %s", ix_order_fwd[ix]);
	} else {
		q_rel(&q, seekStrict ? REL_LT : REL_LE, &hi);
		q_add(&q, " AND ");
		q_rel(&q, incl ? REL_GE : REL_GT, &lo);
		q_add(&q, " ORDER BY %s", ix_order_rev[ix]);
	}
	st = q_prepare(s, &q);

	jet_use_index(s, ix);
	jet_make_key(s, fwd ? &lo : &hi, 0);
	err = JetSeek(s->ses, s->t,
		      fwd ? (seekStrict ? JET_bitSeekGT : JET_bitSeekGE)
			  : (seekStrict ? JET_bitSeekLT : JET_bitSeekLE));
	if (err != JET_errSuccess && err != JET_wrnSeekNotEqual && err != JET_errRecordNotFound)
		DIFF("JetSeek returned %ld", (long)err);
	on = err != JET_errRecordNotFound;
	if (on) {
		jet_make_key(s, fwd ? &hi : &lo, 0);
		err = JetSetIndexRange(s->ses, s->t,
				       (fwd ? JET_bitRangeUpperLimit : 0) |
					   (incl ? JET_bitRangeInclusive : 0));
		if (err == JET_errNoCurrentRecord)
			on = false;
		else if (err != JET_errSuccess)
			DIFF("JetSetIndexRange returned %ld", (long)err);
	}
	/* JetIndexRecordCount (forward ranges): the entries from the current
	 * one to the end of the range; it leaves the cursor where it was,
	 * which the scan that follows checks. */
	if (on && count && fwd)
		JOK(JetIndexRecordCount(s->ses, s->t, &jetCount, 0));
	n = scan_compare(s, st, fwd ? JET_MoveNext : JET_MovePrevious, lim, on, q.sql, &ended);
	if (on && count && fwd) {
		long total = n;
		if (!ended)
			while (sqlite3_step(st) == SQLITE_ROW)
				total++;
		if ((long)jetCount != total)
			DIFF("JetIndexRecordCount %lu, SQLite %ld rows (%s)", jetCount, total,
			     q.sql);
	}
	sqlite3_finalize(st);
}

/* The primary index from a seek GE to an end key checked here (no index
 * range): pk in [lo, hi]. */
static void op_walk(side *s)
{
	int32_t lo = gen_pk(), hi = lo + (int32_t)rnd_below(60);
	sqlite3_stmt *st;
	JET_ERR err;
	int n = 0;
	row a, b;

	set_op("walk pk from %d to %d", (int)lo, (int)hi);
	st = sql_prepare(s, "SELECT " SQL_COLS " FROM t WHERE pk >= ?1 AND pk <= ?2 ORDER BY pk");
	sqlite3_bind_int64(st, 1, lo);
	sqlite3_bind_int64(st, 2, hi);
	jet_use_index(s, IX_PK);
	JOK(JetMakeKey(s->ses, s->t, &lo, 4, JET_bitNewKey));
	err = JetSeek(s->ses, s->t, JET_bitSeekGE);
	for (;;) {
		bool jetOn = err == JET_errSuccess || err == JET_wrnSeekNotEqual;
		bool sqlOn;

		if (!jetOn && err != JET_errRecordNotFound && err != JET_errNoCurrentRecord)
			DIFF("libjet: seek/move returned %ld", (long)err);
		if (jetOn && jet_pk(s) > hi)
			jetOn = false;
		sqlOn = sqlite3_step(st) == SQLITE_ROW;
		if (jetOn != sqlOn)
			DIFF("row %d: libjet %s, SQLite %s", n, jetOn ? "has a row" : "ended",
			     sqlOn ? "has a row" : "ended");
		if (!sqlOn)
			break;
		sql_row(st, &b);
		jet_row(s, &a);
		expect_row_eq(&a, &b, "walk");
		n++;
		err = JetMove(s->ses, s->t, JET_MoveNext, 0);
	}
	sqlite3_finalize(st);
}

/* Every row through the primary index, and every index's order (pk
 * sequence), against SQLite. */
static void full_compare(side *s, bool allIndexes)
{
	int ix;

	for (ix = 0; ix < (allIndexes ? IX_COUNT : 1); ix++) {
		char sql[256];
		sqlite3_stmt *st;
		JET_ERR err;
		long n = 0;

		snprintf(sql, sizeof(sql), "SELECT " SQL_COLS " FROM t ORDER BY %s",
			 ix_order_fwd[ix]);
		st = sql_prepare(s, sql);
		jet_use_index(s, ix);
		err = JetMove(s->ses, s->t, JET_MoveFirst, 0);
		for (;;) {
			bool jetOn = err == JET_errSuccess;
			bool sqlOn = sqlite3_step(st) == SQLITE_ROW;
			row a, b;

			if (!jetOn && err != JET_errNoCurrentRecord)
				DIFF("full scan of %s: JetMove returned %ld", ix_desc[ix],
				     (long)err);
			if (jetOn != sqlOn)
				DIFF("full scan of %s, row %ld: libjet %s, SQLite %s", ix_desc[ix],
				     n, jetOn ? "has a row" : "ended",
				     sqlOn ? "has a row" : "ended");
			if (!sqlOn)
				break;
			sql_row(st, &b);
			if (ix == IX_PK) {
				jet_row(s, &a);
				expect_row_eq(&a, &b, "full scan");
			} else if (jet_pk(s) != b.pk) {
				jet_row(s, &a);
				{
					char x[300], y[300];
					row_str(&a, x, sizeof(x));
					row_str(&b, y, sizeof(y));
					DIFF("full scan of %s, row %ld: libjet %s, SQLite %s",
					     ix_desc[ix], n, x, y);
				}
			}
			n++;
			err = JetMove(s->ses, s->t, JET_MoveNext, 0);
		}
		sqlite3_finalize(st);
		if (n > g_maxrows)
			g_maxrows = n;
	}
}

static void op_begin(side *s)
{
	char sql[32];

	s->level++;
	set_op("begin (level %d)", s->level);
	JOK(JetBeginTransaction(s->ses));
	snprintf(sql, sizeof(sql), "SAVEPOINT s%d", s->level);
	sql_exec(s, sql);
}

static long g_commits, g_rollbacks;

static void op_end(side *s, bool commit)
{
	char sql[64];

	set_op("%s (level %d)", commit ? "commit" : "rollback", s->level);
	if (commit) {
		JOK(JetCommitTransaction(s->ses, JET_bitCommitLazyFlush));
		snprintf(sql, sizeof(sql), "RELEASE s%d", s->level);
		g_commits++;
	} else {
		JOK(JetRollback(s->ses, 0));
		snprintf(sql, sizeof(sql), "ROLLBACK TO s%d; RELEASE s%d", s->level, s->level);
		g_rollbacks++;
	}
	sql_exec(s, sql);
	s->level--;
	if (s->level == 0)
		full_compare(s, true);
	else if (rnd_below(4) == 0)
		full_compare(s, false);
}

START_TEST(test_diff)
{
	side sd, *s = &sd;
	long nops = (long)(DEFAULT_OPS * g_scale), i;
	long counts[9] = {0};
	time_t t0 = time(NULL);

	g_rng = g_seed;
	sides_open(s);
	for (i = 0; i < nops; i++) {
		uint32_t k = rnd_below(1000);

		g_step = i;
		if (k < 40 && s->level < MAX_LEVEL) {
			op_begin(s);
			counts[0]++;
		} else if (k >= 40 && k < 90 && s->level > 0) {
			op_end(s, k < 70);
			counts[1]++;
		} else if (k < 400) {
			op_insert(s);
			counts[2]++;
		} else if (k < 600) {
			op_update(s);
			counts[3]++;
		} else if (k < 700) {
			op_delete(s);
			counts[4]++;
		} else if (k < 780) {
			op_point(s);
			counts[5]++;
		} else if (k < 880) {
			op_seek(s);
			counts[6]++;
		} else if (k < 980) {
			op_range(s);
			counts[7]++;
		} else {
			op_walk(s);
			counts[8]++;
		}
	}
	g_step = nops;
	while (s->level > 0)
		op_end(s, true);
	full_compare(s, true);
	printf("test_diff_sqlite: %ld operations in %lds: %ld begin, %ld commit/rollback (%ld/%ld),"
	       " %ld insert, %ld update, %ld delete, %ld point seek, %ld seek, %ld range, %ld walk\n",
	       nops, (long)(time(NULL) - t0), counts[0], counts[1], g_commits, g_rollbacks,
	       counts[2], counts[3], counts[4], counts[5], counts[6], counts[7], counts[8]);
	printf("test_diff_sqlite: %ld duplicate keys, %ld not found, %ld seeks not equal,"
	       " %ld rows compared in scans, at most %ld rows\n",
	       g_dups, g_notfound, g_notequal, g_scanned, g_maxrows);
	sides_close(s);
}
END_TEST

static Suite *diff_suite(void)
{
	Suite *s = suite_create("diff_sqlite");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 300 * (g_scale > 1 ? g_scale : 1));
	tcase_add_test(tc, test_diff);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	const char *seed = getenv("JET_TEST_SEED"), *scale = getenv("JET_TEST_SCALE"),
		   *verbose = getenv("JET_DIFF_VERBOSE");
	SRunner *sr;
	int failed;

	if (seed && *seed)
		g_seed = strtoull(seed, NULL, 0);
	if (scale && *scale) {
		g_scale = strtod(scale, NULL);
		if (!(g_scale > 0))
			g_scale = 1;
	}
	g_verbose = verbose && *verbose && strcmp(verbose, "0") != 0;
	printf("test_diff_sqlite: seed %#" PRIx64 " (JET_TEST_SEED overrides), %ld operations"
	       " (JET_TEST_SCALE %g)\n",
	       g_seed, (long)(DEFAULT_OPS * g_scale), g_scale);
	fflush(stdout);
	sr = srunner_create(diff_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
