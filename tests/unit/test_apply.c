/*
 * test_apply.c - writing tables through jfs_writer / jfs_apply_text (fuse/
 * stage.c, fuse/apply.c) through the JET API, without FUSE:
 *
 *  - the stage: random writes, reads and truncates against a model, past
 *    the 8 MiB memory bound (spilled to a temporary file);
 *  - round trip of every column type (NULL vs "", quotes, commas,
 *    newlines, UTF-8, binary, floats with NaN payloads, dates, GUIDs,
 *    multi-valued) written in random chunks: the rendering equals the input
 *    byte for byte, and a shuffled copy of the rows changes nothing;
 *  - a REPLACE that changes 1% of the rows writes exactly those records
 *    (the session's change count), and one commit (cModifications + 1);
 *  - APPEND (with and without a header line), hidden-key tables matched by
 *    position, a new table created from its header;
 *  - every error (malformed CSV at write time with its line, wrong type,
 *    unknown column, duplicate key in the file and in APPEND, NULL in a NOT
 *    NULL column, a write conflict with another session) leaves the table
 *    byte-identical and its counters unchanged;
 *  - after random sequences of writes the counters equal the rendering.
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

#include "check_main.h"
#include "jetfs.h"

static uint64_t g_seed = 0x6170706c79746573ull;
static uint64_t g_rng;

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

/* ------------------------------------------------------------------ */
/* Environment                                                        */
/* ------------------------------------------------------------------ */

typedef struct env {
	char dir[256];
	char db[400];
	JET_INSTANCE inst;
	jfs fs;
	jfs_sess s;
} env;

static void env_start(env *e)
{
	char path[300], db[400];
	const char *seed = getenv("JET_TEST_SEED");

	g_rng = seed ? strtoull(seed, NULL, 0) : g_seed;
	memset(e, 0, sizeof(*e));
	snprintf(e->dir, sizeof(e->dir), "/tmp/jet_test_apply_XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(e->dir));
	snprintf(path, sizeof(path), "%s/", e->dir);
	snprintf(db, sizeof(db), "%s/t.edb", e->dir);
	snprintf(e->db, sizeof(e->db), "%s", db);
	OK(JetCreateInstance(&e->inst, "test_apply"));
	OK(JetSetSystemParameter(&e->inst, 0, JET_paramSystemPath, 0, path));
	OK(JetSetSystemParameter(&e->inst, 0, JET_paramLogFilePath, 0, path));
	/* one lock entry per record a commit writes */
	OK(JetSetSystemParameter(&e->inst, 0, JET_paramMaxVerPages, 4096, NULL));
	OK(JetInit(&e->inst));
	OK(JetBeginSession(e->inst, &e->s.sesid, NULL, NULL));
	OK(JetCreateDatabase(e->s.sesid, db, NULL, &e->s.dbid, 0));
	e->fs.inst = e->inst;
	e->fs.log_dir = e->dir;
	e->fs.foreground = true;
	pthread_mutex_init(&e->s.mu, NULL);
}

static void env_stop(env *e)
{
	char cmd[400];

	OK(JetEndSession(e->s.sesid, 0));
	OK(JetTerm(e->inst));
	pthread_mutex_destroy(&e->s.mu);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", e->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", e->dir);
}

static JET_COLUMNID add_col(env *e, JET_TABLEID t, const char *name, JET_COLTYP typ,
			    unsigned long cbMax, unsigned short cp, JET_GRBIT grbit)
{
	JET_COLUMNDEF cd;
	JET_COLUMNID id = 0;

	memset(&cd, 0, sizeof(cd));
	cd.cbStruct = sizeof(cd);
	cd.coltyp = typ;
	cd.cbMax = cbMax;
	cd.cp = cp;
	cd.grbit = grbit;
	OK(JetAddColumn(e->s.sesid, t, name, &cd, NULL, 0, &id));
	return id;
}

/* ------------------------------------------------------------------ */
/* Rendering and state, independent of apply.c                        */
/* ------------------------------------------------------------------ */

static void render(env *e, const char *table, csv_buf *out)
{
	jfs_table *t;
	JET_TABLEID tid;
	JET_ERR err;
	static char buf[1 << 16];
	const char *names[64];
	csv_values vals[64];
	csv_field f[64];
	csv_value cv[256];

	out->len = 0;
	OK(jfs_table_load(&e->s, table, &t));
	for (int i = 0; i < t->ncols; i++) {
		names[i] = t->cols[i].name;
		csv_values_init(&vals[i]);
	}
	if (t->ncols)
		OK(csv_write_header(out, names, (size_t)t->ncols, NULL));
	OK(JetOpenTable(e->s.sesid, e->s.dbid, table, NULL, 0, JET_bitTableReadOnly, &tid));
	for (err = JetMove(e->s.sesid, tid, JET_MoveFirst, 0); err >= 0;
	     err = JetMove(e->s.sesid, tid, JET_MoveNext, 0)) {
		size_t k = 0;
		for (int i = 0; i < t->ncols; i++) {
			bool multi = t->cols[i].grbit & JET_bitColumnMultiValued;
			f[i].coltyp = t->cols[i].coltyp;
			f[i].cp = t->cols[i].cp;
			f[i].multi = multi;
			f[i].values = &cv[k];
			f[i].nvalues = 0;
			vals[i].data.len = 0;
			for (unsigned long itag = 1;; itag++) {
				JET_RETINFO ri = {sizeof(ri), 0, itag, 0};
				unsigned long cb = 0;
				JET_ERR e2 = JetRetrieveColumn(e->s.sesid, tid, t->cols[i].id, buf,
							       sizeof(buf), &cb, 0, &ri);
				ck_assert_int_ge(e2, 0);
				ck_assert_int_ne(e2, JET_wrnBufferTruncated);
				if (e2 == JET_wrnColumnNull)
					break;
				OK(csv_buf_reserve(&vals[i].data, cb + 1));
				cv[k].pv =
				    (void *)(uintptr_t)vals[i].data.len; /* offset, fixed below */
				cv[k].cb = cb;
				OK(csv_buf_append(&vals[i].data, buf, cb));
				k++;
				f[i].nvalues++;
				if (!multi)
					break;
			}
		}
		for (int i = 0; i < t->ncols; i++)
			for (size_t j = 0; j < f[i].nvalues; j++) {
				csv_value *v = (csv_value *)&f[i].values[j];
				v->pv = vals[i].data.p + (uintptr_t)v->pv;
			}
		OK(csv_write_row(out, f, (size_t)t->ncols, NULL));
	}
	ERR(err, JET_errNoCurrentRecord);
	OK(JetCloseTable(e->s.sesid, tid));
	for (int i = 0; i < t->ncols; i++)
		csv_values_free(&vals[i]);
	jfs_table_put(t);
}

static JET_TABLESTATE state(env *e, const char *table)
{
	JET_TABLESTATE st;
	JET_TABLEID tid;

	memset(&st, 0, sizeof(st));
	st.cbStruct = sizeof(st);
	OK(JetOpenTable(e->s.sesid, e->s.dbid, table, NULL, 0, JET_bitTableReadOnly, &tid));
	OK(JetGetTableState(e->s.sesid, tid, &st));
	OK(JetCloseTable(e->s.sesid, tid));
	return st;
}

/* The counters say the exact size: bytes = rendering - header, mods =
 * cModifications. */
static void check_counters(env *e, const char *table)
{
	csv_buf r;
	jfs_table *t;
	JET_TABLESTATE st = state(e, table);

	csv_buf_init(&r);
	render(e, table, &r);
	OK(jfs_table_load(&e->s, table, &t));
	ck_assert_int_eq((long long)st.rgCounter[JFS_COUNTER_BYTES],
			 (long long)(r.len - t->header_len));
	ck_assert_int_eq((long long)st.rgCounter[JFS_COUNTER_MODS], (long long)st.cModifications);
	jfs_table_put(t);
	csv_buf_free(&r);
}

/* Writes text through a writer in random chunks at increasing offsets;
 * returns the first error (of a write or the commit). */
static JET_ERR write_text(env *e, const char *table, enum jfs_write_mode mode, const char *text,
			  size_t len)
{
	jfs_writer *w;
	JET_ERR err = JET_errSuccess;
	size_t off = 0;

	OK(jfs_writer_open(&e->fs, &e->s, table, mode, false, &w));
	if (mode == JFS_REPLACE)
		OK(jfs_writer_truncate(w, 0)); /* O_TRUNC */
	while (off < len && err >= 0) {
		size_t n = 1 + rnd_below(rnd_below(4) == 0 ? 7 : 70000);
		if (n > len - off)
			n = len - off;
		err = jfs_writer_write(w, off, text + off, n);
		off += n;
	}
	if (err >= 0)
		err = jfs_writer_commit(w);
	if (err >= 0) /* a second flush (a dup'ed descriptor) changes nothing */
		OK(jfs_writer_commit(w));
	jfs_writer_close(w);
	return err;
}

static JET_ERR write_str(env *e, const char *table, enum jfs_write_mode mode, const char *text)
{
	return write_text(e, table, mode, text, strlen(text));
}

static void expect_render(env *e, const char *table, const char *text, size_t len)
{
	csv_buf r;

	csv_buf_init(&r);
	render(e, table, &r);
	if (r.len != len || (len && memcmp(r.p, text, len) != 0)) {
		fprintf(stderr, "rendering differs (got %zu bytes, expected %zu)\n", r.len, len);
		fprintf(stderr, "got:\n%.*s\nexpected:\n%.*s\n", (int)(r.len > 2000 ? 2000 : r.len),
			r.p, (int)(len > 2000 ? 2000 : len), text);
	}
	ck_assert_uint_eq(r.len, len);
	ck_assert(len == 0 || memcmp(r.p, text, len) == 0);
	csv_buf_free(&r);
}

/* ------------------------------------------------------------------ */
/* The stage                                                          */
/* ------------------------------------------------------------------ */

START_TEST(stage_model)
{
	env e;
	jfs_stage *st;
	size_t cap = 24u << 20, size = 0;
	char *model = calloc(1, cap), *buf = malloc(1 << 20);

	env_start(&e);
	OK(jfs_stage_create(&e.fs, &st));
	ERR(jfs_stage_write(st, 1, "x", 1), JET_errInvalidParameter); /* a hole */
	for (int i = 0; i < 400; i++) {
		int op = (int)rnd_below(10);
		if (op < 6) {
			size_t off = rnd_below((uint32_t)size + 1);
			size_t n = rnd_below(i < 200 ? (1u << 20) : 4096);
			if (off + n > cap)
				n = cap - off;
			for (size_t k = 0; k < n; k++)
				buf[k] = (char)rnd();
			OK(jfs_stage_write(st, off, buf, n));
			memcpy(model + off, buf, n);
			if (off + n > size)
				size = off + n;
		} else if (op < 9) {
			size_t off = rnd_below((uint32_t)size + 10), got;
			size_t n = rnd_below(1u << 20);
			OK(jfs_stage_read(st, off, buf, n, &got));
			ck_assert_uint_eq(got, off >= size ? 0 : (size - off < n ? size - off : n));
			ck_assert(memcmp(buf, model + off, got) == 0);
		} else {
			size_t n = rnd_below((uint32_t)size + 4096);
			if (n > cap)
				n = cap;
			OK(jfs_stage_truncate(st, n));
			if (n > size)
				memset(model + size, 0, n - size);
			size = n;
		}
		ck_assert_uint_eq(jfs_stage_size(st), size);
	}
	jfs_stage_destroy(st);
	free(model);
	free(buf);
	env_stop(&e);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Every column type                                                  */
/* ------------------------------------------------------------------ */

static const char *const k_texts[] = {"plain",    "Smith, John", "say \"hi\"",  "line1\nline2",
				      "cr\r\nlf", " padded ",    "日本語 café", "NULL",
				      "{a,b}",    "\"",          ",",           "x"};

static void make_alltypes(env *e, const char *name)
{
	JET_TABLEID t;
	JET_SESID s = e->s.sesid;

	OK(JetBeginTransaction(s));
	OK(JetCreateTable(s, e->s.dbid, name, 0, 100, &t));
	add_col(e, t, "id", JET_coltypLong, 0, 0, JET_bitColumnNotNULL);
	add_col(e, t, "bit", JET_coltypBit, 0, 0, 0);
	add_col(e, t, "ub", JET_coltypUnsignedByte, 0, 0, 0);
	add_col(e, t, "sh", JET_coltypShort, 0, 0, 0);
	add_col(e, t, "cur", JET_coltypCurrency, 0, 0, 0);
	add_col(e, t, "fl", JET_coltypIEEESingle, 0, 0, 0);
	add_col(e, t, "db", JET_coltypIEEEDouble, 0, 0, 0);
	add_col(e, t, "dt", JET_coltypDateTime, 0, 0, 0);
	add_col(e, t, "ul", JET_coltypUnsignedLong, 0, 0, 0);
	add_col(e, t, "ll", JET_coltypLongLong, 0, 0, 0);
	add_col(e, t, "guid", JET_coltypGUID, 0, 0, 0);
	add_col(e, t, "us", JET_coltypUnsignedShort, 0, 0, 0);
	add_col(e, t, "ull", JET_coltypUnsignedLongLong, 0, 0, 0);
	add_col(e, t, "bin", JET_coltypBinary, 0, 0, 0);
	add_col(e, t, "txt", JET_coltypText, 0, 1252, 0);
	add_col(e, t, "uni", JET_coltypText, 0, 1200, 0);
	add_col(e, t, "lbin", JET_coltypLongBinary, 0, 0, 0);
	add_col(e, t, "ltxt", JET_coltypLongText, 0, 65001, 0);
	add_col(e, t, "tags", JET_coltypLongText, 0, 65001, JET_bitColumnMultiValued);
	add_col(e, t, "nums", JET_coltypLong, 0, 0, JET_bitColumnMultiValued | JET_bitColumnTagged);
	OK(JetCreateIndex(s, t, "primary", JET_bitIndexPrimary | JET_bitIndexUnique, "+id\0", 5,
			  100));
	OK(JetAddTableCounter(s, t, JFS_COUNTER_MODS, 1)); /* as jetfs creates tables */
	OK(JetCloseTable(s, t));
	OK(JetCommitTransaction(s, 0));
}

/* One random value of column c (column bytes) into b; false: NULL. */
static bool random_value(const jfs_col *c, csv_buf *b, bool allow_null)
{
	uint32_t fixed = 0;
	size_t n;

	b->len = 0;
	if (allow_null && rnd_below(7) == 0)
		return false;
	switch (c->coltyp) {
	case JET_coltypBit:
		OK(csv_buf_append(b, rnd_below(2) ? "\xff" : "\0", 1));
		return true;
	case JET_coltypUnsignedByte:
		fixed = 1;
		break;
	case JET_coltypShort:
	case JET_coltypUnsignedShort:
		fixed = 2;
		break;
	case JET_coltypLong:
	case JET_coltypUnsignedLong:
	case JET_coltypIEEESingle:
		fixed = 4;
		break;
	case JET_coltypCurrency:
	case JET_coltypIEEEDouble:
	case JET_coltypDateTime:
	case JET_coltypLongLong:
	case JET_coltypUnsignedLongLong:
		fixed = 8;
		break;
	case JET_coltypGUID:
		fixed = 16;
		break;
	default:
		break;
	}
	if (fixed) {
		OK(csv_buf_reserve(b, fixed));
		for (uint32_t i = 0; i < fixed; i++)
			b->p[b->len++] = (char)rnd();
		if (c->coltyp == JET_coltypDateTime && rnd_below(2)) {
			double d = (double)(rnd_below(3000000)) / 64.0; /* ISO dates */
			memcpy(b->p, &d, 8);
		}
		return true;
	}
	if (rnd_below(8) == 0)
		return true; /* empty */
	if (c->coltyp == JET_coltypText || c->coltyp == JET_coltypLongText) {
		if (c->cp == 1252 || c->cp == 1200 || rnd_below(2)) {
			n = 1 + rnd_below(c->coltyp == JET_coltypText ? 60 : 300);
			if (c->cp == 1200)
				n &= ~(size_t)1;
			OK(csv_buf_reserve(b, n));
			for (size_t i = 0; i < n; i++)
				b->p[b->len++] =
				    (char)(c->cp == 1200 && (i & 1) ? rnd_below(0xd8) : rnd());
		} else {
			const char *s = k_texts[rnd_below(sizeof(k_texts) / sizeof(k_texts[0]))];
			OK(csv_buf_append(b, s, strlen(s)));
		}
		return true;
	}
	n = 1 + rnd_below(c->coltyp == JET_coltypBinary ? 255 : 600);
	OK(csv_buf_reserve(b, n));
	for (size_t i = 0; i < n; i++)
		b->p[b->len++] = (char)rnd();
	return true;
}

/* A random row of t with primary key id, appended to out. */
static void random_row(const jfs_table *t, int32_t id, csv_buf *out)
{
	csv_buf vb[64];
	csv_value cv[64][4];
	csv_field f[64];

	for (int i = 0; i < t->ncols; i++) {
		const jfs_col *c = &t->cols[i];
		bool multi = c->grbit & JET_bitColumnMultiValued;
		size_t nv = multi ? rnd_below(4) : 1;
		size_t offs[4];

		csv_buf_init(&vb[i]);
		f[i].coltyp = c->coltyp;
		f[i].cp = c->cp;
		f[i].multi = multi;
		f[i].nvalues = 0;
		f[i].values = cv[i];
		for (size_t j = 0; j < nv; j++) {
			csv_buf one;
			csv_buf_init(&one);
			if (i == 0) {
				OK(csv_buf_append(&one, &id, 4));
			} else if (!random_value(c, &one, !multi)) {
				csv_buf_free(&one);
				continue;
			}
			offs[f[i].nvalues] = vb[i].len;
			cv[i][f[i].nvalues].cb = one.len;
			OK(csv_buf_append(&vb[i], one.p ? one.p : "", one.len));
			f[i].nvalues++;
			csv_buf_free(&one);
		}
		for (size_t j = 0; j < f[i].nvalues; j++)
			cv[i][j].pv = vb[i].p ? vb[i].p + offs[j] : "";
	}
	OK(csv_write_row(out, f, (size_t)t->ncols, NULL));
	for (int i = 0; i < t->ncols; i++)
		csv_buf_free(&vb[i]);
}

/* rows[i] = the text of row i (ids ascending). */
typedef struct rows {
	size_t n;
	char **p;
	size_t *len;
	int32_t *id;
} rows;

static void rows_set(rows *r, size_t i, const char *p, size_t len)
{
	free(r->p[i]);
	r->p[i] = malloc(len + 1);
	memcpy(r->p[i], p, len);
	r->len[i] = len;
}

static void rows_make(const jfs_table *t, rows *r, size_t n)
{
	csv_buf b;
	int32_t id = -1000;

	csv_buf_init(&b);
	r->n = n;
	r->p = calloc(n + 1000, sizeof(*r->p));
	r->len = calloc(n + 1000, sizeof(*r->len));
	r->id = calloc(n + 1000, sizeof(*r->id));
	for (size_t i = 0; i < n; i++) {
		id += 1 + (int32_t)rnd_below(5);
		b.len = 0;
		random_row(t, id, &b);
		rows_set(r, i, b.p, b.len);
		r->id[i] = id;
	}
	csv_buf_free(&b);
}

static void rows_free(rows *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->p[i]);
	free(r->p);
	free(r->len);
	free(r->id);
}

/* header + rows, in order or shuffled. */
static void rows_text(const jfs_table *t, const rows *r, bool shuffle, csv_buf *out)
{
	const char *names[64];
	size_t *perm = malloc((r->n + 1) * sizeof(*perm));

	out->len = 0;
	for (int i = 0; i < t->ncols; i++)
		names[i] = t->cols[i].name;
	OK(csv_write_header(out, names, (size_t)t->ncols, NULL));
	for (size_t i = 0; i < r->n; i++)
		perm[i] = i;
	if (shuffle)
		for (size_t i = r->n; i > 1; i--) {
			size_t j = rnd_below((uint32_t)i), x = perm[i - 1];
			perm[i - 1] = perm[j];
			perm[j] = x;
		}
	for (size_t i = 0; i < r->n; i++)
		OK(csv_buf_append(out, r->p[perm[i]], r->len[perm[i]]));
	free(perm);
}

START_TEST(roundtrip_all_types)
{
	env e;
	jfs_table *t;
	rows r;
	csv_buf text, again;
	JET_TABLESTATE st0, st1;
	unsigned long ch;

	env_start(&e);
	make_alltypes(&e, "all");
	OK(jfs_table_load(&e.s, "all", &t));
	rows_make(t, &r, 400);
	csv_buf_init(&text);
	csv_buf_init(&again);
	rows_text(t, &r, false, &text);
	OK(write_text(&e, "all", JFS_REPLACE, text.p, text.len));
	expect_render(&e, "all", text.p, text.len);
	check_counters(&e, "all");

	/* The same rows shuffled, and the rendering written back: nothing
	 * changes, no commit. */
	st0 = state(&e, "all");
	ch = e.s.changes;
	rows_text(t, &r, true, &again);
	OK(write_text(&e, "all", JFS_REPLACE, again.p, again.len));
	OK(write_text(&e, "all", JFS_REPLACE, text.p, text.len));
	st1 = state(&e, "all");
	ck_assert_uint_eq(st1.cModifications, st0.cModifications);
	ck_assert_uint_eq(e.s.changes, ch);
	expect_render(&e, "all", text.p, text.len);

	/* CRLF line ends and non-canonical spellings are the same values. */
	OK(write_str(&e, "all", JFS_REPLACE, "id,bit,ub\r\n+7,true,007\r\n"));
	check_counters(&e, "all");
	{
		csv_buf out;
		csv_buf_init(&out);
		render(&e, "all", &out);
		ck_assert(strstr(out.p, "\n7,1,7,") != NULL);
		csv_buf_free(&out);
	}
	jfs_table_put(t);
	rows_free(&r);
	csv_buf_free(&text);
	csv_buf_free(&again);
	env_stop(&e);
}
END_TEST

/* 1% of the rows changed, some deleted, some inserted: exactly those
 * records are written, in one commit. */
START_TEST(replace_changes_only_changed)
{
	env e;
	jfs_table *t;
	rows r;
	csv_buf text, b;
	JET_TABLESTATE st0, st1;
	unsigned long ch;
	size_t nchg = 0, ndel = 0, nins = 0;

	env_start(&e);
	make_alltypes(&e, "all");
	OK(jfs_table_load(&e.s, "all", &t));
	rows_make(t, &r, 2000);
	csv_buf_init(&text);
	csv_buf_init(&b);
	rows_text(t, &r, false, &text);
	OK(write_text(&e, "all", JFS_REPLACE, text.p, text.len));
	st0 = state(&e, "all");
	ch = e.s.changes;
	for (size_t k = 0; k < 5; k++) { /* delete 5 rows */
		size_t i = 1 + rnd_below((uint32_t)r.n - 2);
		free(r.p[i]);
		memmove(&r.p[i], &r.p[i + 1], (r.n - i - 1) * sizeof(*r.p));
		memmove(&r.len[i], &r.len[i + 1], (r.n - i - 1) * sizeof(*r.len));
		memmove(&r.id[i], &r.id[i + 1], (r.n - i - 1) * sizeof(*r.id));
		r.n--;
		ndel++;
	}
	for (size_t i = 0; i < r.n; i += 100) {
		b.len = 0;
		random_row(t, r.id[i], &b);
		if (b.len == r.len[i] && memcmp(b.p, r.p[i], b.len) == 0)
			continue;
		rows_set(&r, i, b.p, b.len);
		nchg++;
	}
	for (int32_t id = 100000; id < 100007; id++) { /* insert 7 at the end */
		b.len = 0;
		random_row(t, id, &b);
		r.p[r.n] = NULL;
		rows_set(&r, r.n, b.p, b.len);
		r.id[r.n++] = id;
		nins++;
	}
	rows_text(t, &r, rnd_below(2), &text);
	OK(write_text(&e, "all", JFS_REPLACE, text.p, text.len));
	st1 = state(&e, "all");
	ck_assert_uint_eq(st1.cModifications, st0.cModifications + 1);
	ck_assert_uint_eq(e.s.changes - ch, nchg + ndel + nins);
	rows_text(t, &r, false, &text);
	expect_render(&e, "all", text.p, text.len);
	check_counters(&e, "all");
	jfs_table_put(t);
	rows_free(&r);
	csv_buf_free(&text);
	csv_buf_free(&b);
	env_stop(&e);
}
END_TEST

/* ------------------------------------------------------------------ */
/* A small keyed table for APPEND and errors                          */
/* ------------------------------------------------------------------ */

static void make_people(env *e)
{
	JET_TABLEID t;
	JET_SESID s = e->s.sesid;

	OK(JetBeginTransaction(s));
	OK(JetCreateTable(s, e->s.dbid, "people", 0, 100, &t));
	add_col(e, t, "id", JET_coltypLong, 0, 0, JET_bitColumnNotNULL);
	add_col(e, t, "n", JET_coltypLong, 0, 0, JET_bitColumnNotNULL);
	add_col(e, t, "name", JET_coltypText, 100, 65001, 0);
	add_col(e, t, "notes", JET_coltypLongText, 0, 65001, 0);
	OK(JetCreateIndex(s, t, "primary", JET_bitIndexPrimary | JET_bitIndexUnique, "+id\0", 5,
			  100));
	OK(JetAddTableCounter(s, t, JFS_COUNTER_MODS, 1)); /* as jetfs creates tables */
	OK(JetCloseTable(s, t));
	OK(JetCommitTransaction(s, 0));
}

static const char k_people[] = "id,n,name,notes\n"
			       "1,10,ann,\n"
			       "2,20,\"\",\"a, \"\"b\"\"\nc\"\n"
			       "3,30,bob,x\n";

START_TEST(append_rows)
{
	env e;

	env_start(&e);
	make_people(&e);
	OK(write_str(&e, "people", JFS_REPLACE, k_people));
	OK(write_str(&e, "people", JFS_APPEND, "4,40,cy,\n5,50,dee,y\n"));
	/* a header line first is skipped */
	OK(write_str(&e, "people", JFS_APPEND, "id,n,name,notes\n6,60,eve,\n"));
	{
		const char *x = "id,n,name,notes\n1,10,ann,\n2,20,\"\",\"a, \"\"b\"\"\nc\"\n"
				"3,30,bob,x\n4,40,cy,\n5,50,dee,y\n6,60,eve,\n";
		expect_render(&e, "people", x, strlen(x));
	}
	check_counters(&e, "people");
	/* an appending writer flushed twice with writes in between */
	{
		jfs_writer *w;
		OK(jfs_writer_open(&e.fs, &e.s, "people", JFS_APPEND, false, &w));
		OK(jfs_writer_write(w, 0, "7,70,f,\n", 8));
		OK(jfs_writer_commit(w));
		OK(jfs_writer_write(w, 8, "8,80,g,\n", 8));
		OK(jfs_writer_commit(w));
		OK(jfs_writer_commit(w));
		jfs_writer_close(w);
	}
	check_counters(&e, "people");
	env_stop(&e);
}
END_TEST

/* jfs_log writes to stderr in the foreground: capture it. */
static char g_log[4096];
static int g_saved_fd = -1;
static FILE *g_logf;

static void log_capture(void)
{
	fflush(stderr);
	g_logf = tmpfile();
	ck_assert_ptr_nonnull(g_logf);
	g_saved_fd = dup(2);
	dup2(fileno(g_logf), 2);
}

static void log_release(void)
{
	size_t n;

	fflush(stderr);
	dup2(g_saved_fd, 2);
	close(g_saved_fd);
	rewind(g_logf);
	n = fread(g_log, 1, sizeof(g_log) - 1, g_logf);
	g_log[n] = 0;
	fclose(g_logf);
}

/* One failing write: the error, its log line, and the table untouched. */

static void expect_fail(env *e, enum jfs_write_mode mode, const char *text, JET_ERR want,
			bool at_write, unsigned long line)
{
	csv_buf before, after;
	JET_TABLESTATE s0, s1;
	jfs_writer *w;
	JET_ERR err;
	char needle[64];

	csv_buf_init(&before);
	csv_buf_init(&after);
	render(e, "people", &before);
	s0 = state(e, "people");
	log_capture();
	OK(jfs_writer_open(&e->fs, &e->s, "people", mode, false, &w));
	OK(jfs_writer_truncate(w, 0));
	err = jfs_writer_write(w, 0, text, strlen(text));
	if (at_write) {
		ERR(err, want);
		ERR(jfs_writer_write(w, strlen(text), "1,1,a,\n", 7), want); /* sticky */
	} else {
		OK(err);
	}
	ERR(jfs_writer_commit(w), want);
	ERR(jfs_writer_commit(w), want);
	jfs_writer_close(w);
	log_release();
	render(e, "people", &after);
	s1 = state(e, "people");
	ck_assert_uint_eq(before.len, after.len);
	ck_assert(memcmp(before.p, after.p, before.len) == 0);
	ck_assert_uint_eq(s0.cModifications, s1.cModifications);
	ck_assert_int_eq(s0.rgCounter[0], s1.rgCounter[0]);
	ck_assert_int_eq(s0.rgCounter[1], s1.rgCounter[1]);
	snprintf(needle, sizeof(needle), "people: line %lu: ", line);
	if (!strstr(g_log, needle))
		fprintf(stderr, "log: %s (want line %lu)\n", g_log, line);
	ck_assert_ptr_nonnull(strstr(g_log, needle));
	csv_buf_free(&before);
	csv_buf_free(&after);
}

START_TEST(errors_leave_table_untouched)
{
	env e;

	env_start(&e);
	make_people(&e);
	OK(write_str(&e, "people", JFS_REPLACE, k_people));
	/* malformed CSV: a quote inside an unquoted field, on line 3 */
	expect_fail(&e, JFS_REPLACE, "id,n,name,notes\n1,10,ann,\n2,20,b\"ob,\n",
		    JET_errInvalidParameter, true, 3);
	/* unbalanced quote at the end: found at commit */
	expect_fail(&e, JFS_REPLACE, "id,n,name,notes\n1,10,ann,\n2,20,\"bob,\n",
		    JET_errInvalidParameter, false, 3);
	/* wrong type */
	expect_fail(&e, JFS_REPLACE, "id,n,name,notes\n1,10,ann,\n2,x20,bob,\n",
		    JET_errInvalidParameter, true, 3);
	/* too long for Text(100) */
	{
		char big[400];
		snprintf(big, sizeof(big), "id,n,name,notes\n1,1,%0150d,\n", 7);
		expect_fail(&e, JFS_REPLACE, big, JET_errColumnTooBig, true, 2);
	}
	/* unknown column */
	expect_fail(&e, JFS_REPLACE, "id,n,nom,notes\n1,10,ann,\n", JET_errColumnNotFound, true, 1);
	/* field count */
	expect_fail(&e, JFS_REPLACE, "id,n,name,notes\n1,10,ann\n", JET_errInvalidParameter, true,
		    2);
	/* NULL in a NOT NULL column (explicit: at write time) */
	expect_fail(&e, JFS_REPLACE, "id,n,name,notes\n1,,ann,\n", JET_errNullInvalid, true, 2);
	/* ... absent from the header: at commit, for an insert */
	expect_fail(&e, JFS_REPLACE, "id,name\n1,ann\n9,zed\n", JET_errNullInvalid, false, 3);
	/* duplicate key in the file: sorted, and out of order */
	expect_fail(&e, JFS_REPLACE, "id,n,name,notes\n1,10,ann,\n1,11,ann,\n", JET_errKeyDuplicate,
		    false, 3);
	expect_fail(&e, JFS_REPLACE,
		    "id,n,name,notes\n3,10,ann,\n1,11,ann,\n4,1,x,\n2,1,y,\n4,1,z,\n",
		    JET_errKeyDuplicate, false, 6);
	expect_fail(&e, JFS_REPLACE, "id,n,name,notes\n3,10,ann,\n1,11,ann,\n3,1,x,\n",
		    JET_errKeyDuplicate, false, 4);
	/* APPEND of an existing key */
	expect_fail(&e, JFS_APPEND, "7,1,a,\n2,1,b,\n", JET_errKeyDuplicate, false, 2);
	/* write conflict: another session holds record 2 */
	{
		JET_SESID s2;
		JET_TABLEID t2;
		JET_DBID db2;
		int32_t id = 2, n = 99;
		OK(JetBeginSession(e.inst, &s2, NULL, NULL));
		OK(JetOpenDatabase(s2, e.db, NULL, &db2, 0));
		OK(JetBeginTransaction(s2));
		OK(JetOpenTable(s2, db2, "people", NULL, 0, 0, &t2));
		OK(JetMakeKey(s2, t2, &id, 4, JET_bitNewKey));
		OK(JetSeek(s2, t2, JET_bitSeekEQ));
		OK(JetPrepareUpdate(s2, t2, JET_prepReplace));
		OK(JetSetColumn(s2, t2, 2, &n, 4, 0, NULL));
		OK(JetUpdate(s2, t2, NULL, 0, NULL));
		expect_fail(&e, JFS_REPLACE, "id,n,name,notes\n1,10,ann,\n2,21,x,\n3,30,bob,x\n",
			    JET_errWriteConflict, false, 3);
		/* rows the other session does not hold can still change */
		OK(write_str(&e, "people", JFS_REPLACE,
			     "id,n,name,notes\n1,10,ann,\n2,20,\"\",\"a, \"\"b\"\"\nc\"\n"
			     "3,31,bob,x\n"));
		OK(JetRollback(s2, 0));
		OK(JetEndSession(s2, 0));
	}
	check_counters(&e, "people");
	env_stop(&e);
}
END_TEST

/* ------------------------------------------------------------------ */
/* New tables and hidden keys                                         */
/* ------------------------------------------------------------------ */

START_TEST(new_table_hidden_key)
{
	env e;
	jfs_table *t;
	const char *v1 = "a,b,c d\n1,,\"\"\n2,\"x,y\",日本\nsame,same,same\n3,\"q\"\"\",\n";
	const char *v2 = "a,b,c d\n1,,\"\"\n2,changed,日本\nsame,same,same\n3,\"q\"\"\",\n"
			 "4,new,\n5,new,\n";
	const char *v3 = "a,b,c d\n1,,\"\"\n";
	JET_TABLESTATE st0, st1;
	unsigned long ch;

	env_start(&e);
	ERR(jfs_table_load(&e.s, "fresh", &t), JET_errObjectNotFound);
	OK(write_str(&e, "fresh", JFS_REPLACE, v1));
	OK(jfs_table_load(&e.s, "fresh", &t));
	ck_assert_int_eq(t->ncols, 3);
	ck_assert_int_eq(t->primary, -1);
	ck_assert_int_eq((int)t->cols[2].coltyp, JET_coltypLongText);
	ck_assert_int_eq(t->cols[2].cp, 65001);
	jfs_table_put(t);
	expect_render(&e, "fresh", v1, strlen(v1));
	check_counters(&e, "fresh");
	ch = e.s.changes;
	OK(write_str(&e, "fresh", JFS_REPLACE, v2)); /* 1 replace + 2 inserts */
	ck_assert_uint_eq(e.s.changes - ch, 3);
	expect_render(&e, "fresh", v2, strlen(v2));
	check_counters(&e, "fresh");
	OK(write_str(&e, "fresh", JFS_REPLACE, v3)); /* 5 deletes */
	expect_render(&e, "fresh", v3, strlen(v3));
	check_counters(&e, "fresh");
	st0 = state(&e, "fresh");
	OK(write_str(&e, "fresh", JFS_REPLACE, v3));
	st1 = state(&e, "fresh");
	ck_assert_uint_eq(st0.cModifications, st1.cModifications);
	OK(write_str(&e, "fresh", JFS_APPEND, "9,9,9\n"));
	check_counters(&e, "fresh");
	/* an empty text empties the table and keeps its columns */
	OK(write_str(&e, "fresh", JFS_REPLACE, ""));
	expect_render(&e, "fresh", "a,b,c d\n", 8);
	check_counters(&e, "fresh");
	/* duplicate header names */
	ERR(write_str(&e, "other", JFS_REPLACE, "a,A\n1,2\n"), JET_errColumnDuplicate);
	ERR(jfs_table_load(&e.s, "other", &t), JET_errObjectNotFound);
	/* a new table by APPEND takes its header too */
	OK(write_str(&e, "other", JFS_APPEND, "k\nv\n"));
	expect_render(&e, "other", "k\nv\n", 4);
	check_counters(&e, "other");
	/* an empty new file: a table without columns */
	OK(write_str(&e, "empty", JFS_REPLACE, ""));
	expect_render(&e, "empty", "", 0);
	OK(write_str(&e, "empty", JFS_REPLACE, "x,y\n1,2\n"));
	expect_render(&e, "empty", "x,y\n1,2\n", 8);
	check_counters(&e, "empty");
	env_stop(&e);
}
END_TEST

/* start_from_current: an editor writing in place. */
START_TEST(edit_in_place)
{
	env e;
	jfs_writer *w;
	char buf[256];
	size_t got;
	const char *p;

	env_start(&e);
	make_people(&e);
	OK(write_str(&e, "people", JFS_REPLACE, k_people));
	OK(jfs_writer_open(&e.fs, &e.s, "people", JFS_REPLACE, true, &w));
	ck_assert_uint_eq(jfs_writer_size(w), strlen(k_people));
	OK(jfs_writer_read(w, 0, buf, sizeof(buf), &got));
	ck_assert_uint_eq(got, strlen(k_people));
	ck_assert(memcmp(buf, k_people, got) == 0);
	p = strstr(k_people, "bob");
	OK(jfs_writer_write(w, (uint64_t)(p - k_people), "rob", 3));
	OK(jfs_writer_write(w, strlen(k_people), "4,4,new,\n", 9));
	OK(jfs_writer_commit(w));
	jfs_writer_close(w);
	expect_render(&e, "people",
		      "id,n,name,notes\n1,10,ann,\n2,20,\"\",\"a, \"\"b\"\"\nc\"\n3,30,rob,x\n"
		      "4,4,new,\n",
		      strlen(k_people) + 9);
	check_counters(&e, "people");
	/* a bad edit fails at commit and changes nothing */
	OK(jfs_writer_open(&e.fs, &e.s, "people", JFS_REPLACE, true, &w));
	OK(jfs_writer_write(w, 17, "x", 1));
	ERR(jfs_writer_commit(w), JET_errInvalidParameter);
	jfs_writer_close(w);
	check_counters(&e, "people");
	env_stop(&e);
}
END_TEST

/* Random sequences of writes: the counters always equal the rendering. */
START_TEST(random_sequences)
{
	env e;
	jfs_table *t;
	rows r;
	csv_buf text, b;

	env_start(&e);
	make_alltypes(&e, "all");
	OK(jfs_table_load(&e.s, "all", &t));
	rows_make(t, &r, 60);
	csv_buf_init(&text);
	csv_buf_init(&b);
	rows_text(t, &r, false, &text);
	OK(write_text(&e, "all", JFS_REPLACE, text.p, text.len));
	for (int it = 0; it < 40; it++) {
		int op = (int)rnd_below(4);
		if (getenv("TEST_APPLY_TRACE"))
			fprintf(stderr, "it %d op %d rows %zu\n", it, op, r.n);
		if (op <= 1) { /* change, delete, insert some rows */
			for (int k = 0; k < 6; k++) {
				size_t i = rnd_below((uint32_t)r.n);
				int what = (int)rnd_below(3);
				if (what == 0 || r.n < 5) {
					b.len = 0;
					random_row(t, r.id[i], &b);
					rows_set(&r, i, b.p, b.len);
				} else if (what == 1) {
					free(r.p[i]);
					memmove(&r.p[i], &r.p[i + 1], (r.n - i - 1) * sizeof(*r.p));
					memmove(&r.len[i], &r.len[i + 1],
						(r.n - i - 1) * sizeof(*r.len));
					memmove(&r.id[i], &r.id[i + 1],
						(r.n - i - 1) * sizeof(*r.id));
					r.n--;
				} else if (r.n < 900) {
					int32_t id = r.id[r.n - 1] + 1 + (int32_t)rnd_below(3);
					b.len = 0;
					random_row(t, id, &b);
					r.p[r.n] = NULL;
					rows_set(&r, r.n, b.p, b.len);
					r.id[r.n++] = id;
				}
			}
			rows_text(t, &r, op == 1, &text);
			OK(write_text(&e, "all", JFS_REPLACE, text.p, text.len));
		} else if (op == 2) { /* append */
			int32_t id = r.id[r.n - 1] + 1;
			b.len = 0;
			random_row(t, id, &b);
			r.p[r.n] = NULL;
			rows_set(&r, r.n, b.p, b.len);
			r.id[r.n++] = id;
			OK(write_text(&e, "all", JFS_APPEND, b.p, b.len));
		} else { /* a failing write: a duplicate */
			rows_text(t, &r, false, &text);
			OK(csv_buf_append(&text, r.p[0], r.len[0]));
			ERR(write_text(&e, "all", JFS_REPLACE, text.p, text.len),
			    JET_errKeyDuplicate);
		}
		rows_text(t, &r, false, &text);
		expect_render(&e, "all", text.p, text.len);
		check_counters(&e, "all");
	}
	jfs_table_put(t);
	rows_free(&r);
	csv_buf_free(&text);
	csv_buf_free(&b);
	env_stop(&e);
}
END_TEST

/* A large replace (spilled stage): 30k rows. */
START_TEST(large_replace)
{
	env e;
	csv_buf text;
	char line[128];

	env_start(&e);
	csv_buf_init(&text);
	OK(csv_buf_append(&text, "k,v\n", 4));
	for (int i = 0; i < 300000; i++) {
		int n = snprintf(line, sizeof(line), "%d,value number %d with some padding text\n",
				 i, i * 7);
		OK(csv_buf_append(&text, line, (size_t)n));
	}
	ck_assert_uint_gt(text.len, 8u << 20);
	OK(write_text(&e, "big", JFS_REPLACE, text.p, text.len));
	expect_render(&e, "big", text.p, text.len);
	check_counters(&e, "big");
	csv_buf_free(&text);
	env_stop(&e);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("apply");
	TCase *tc = tcase_create("apply");
	const char *seed = getenv("JET_TEST_SEED");

	if (seed)
		g_seed = strtoull(seed, NULL, 0);
	fprintf(stderr, "test_apply: seed 0x%" PRIx64 "\n", g_seed);
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, stage_model);
	tcase_add_test(tc, roundtrip_all_types);
	tcase_add_test(tc, replace_changes_only_changed);
	tcase_add_test(tc, append_rows);
	tcase_add_test(tc, errors_leave_table_untouched);
	tcase_add_test(tc, new_table_hidden_key);
	tcase_add_test(tc, edit_in_place);
	tcase_add_test(tc, random_sequences);
	tcase_add_test(tc, large_replace);
	suite_add_tcase(s, tc);
	return s;
}

JET_CHECK_MAIN(make_suite)
