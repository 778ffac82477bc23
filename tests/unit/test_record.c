/*
 * test_record.c - record encoding and editing against a model.
 *
 * The model keeps every column as a list of byte strings (its values in
 * itagSequence order) and applies rec_edit_set's documented rules on its
 * own. Random schemas (fixed, variable, tagged and multi-valued columns of
 * every coltyp, with gaps in the ids) get random sequences of sets, NULLs,
 * zero-length values, appends, overwrites, resizes and unique multi-values;
 * after every step the edit must agree with the model, and the encoded
 * record must read back the same through rec_retrieve, rec_count_values and
 * a new edit, pass rec_validate, re-encode to the same bytes, and equal
 * the encoding of a record built fresh from the model (canonical form).
 * Corrupted records must be refused or read without crashing.
 *
 * JET_TEST_SEED overrides the fixed seed.
 */
#include <check.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "record.h"

static uint64_t g_seed = 0x7265636f72642121ull;
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

/* ---- the model ---------------------------------------------------------- */

#define MAX_COLS 40
#define MAX_VALS 64
#define LONG_MAX_CB 0x7FFFFFFFu

typedef struct mval {
	uint8_t *p;
	size_t cb;
} mval;

typedef struct mcol {
	mval v[MAX_VALS];
	unsigned n;
	bool changed;
} mcol;

typedef struct model {
	rec_column cols[MAX_COLS];
	rec_schema s;
	mcol m[MAX_COLS];
} model;

static const JET_COLTYP fixed_types[] = {
	JET_coltypBit,	JET_coltypUnsignedByte, JET_coltypShort,    JET_coltypLong,
	JET_coltypCurrency, JET_coltypIEEESingle, JET_coltypIEEEDouble, JET_coltypDateTime,
	JET_coltypUnsignedLong, JET_coltypLongLong, JET_coltypGUID, JET_coltypUnsignedShort,
	JET_coltypUnsignedLongLong,
};
static const JET_COLTYP all_types[] = {
	JET_coltypBit,	JET_coltypUnsignedByte, JET_coltypShort,    JET_coltypLong,
	JET_coltypCurrency, JET_coltypIEEESingle, JET_coltypIEEEDouble, JET_coltypDateTime,
	JET_coltypBinary, JET_coltypText, JET_coltypLongBinary, JET_coltypLongText,
	JET_coltypUnsignedLong, JET_coltypLongLong, JET_coltypGUID, JET_coltypUnsignedShort,
	JET_coltypUnsignedLongLong,
};
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static bool is_long(JET_COLTYP t)
{
	return t == JET_coltypLongText || t == JET_coltypLongBinary;
}

static uint32_t type_size(JET_COLTYP t)
{
	switch (t) {
	case JET_coltypBit:
	case JET_coltypUnsignedByte:
		return 1;
	case JET_coltypShort:
	case JET_coltypUnsignedShort:
		return 2;
	case JET_coltypLong:
	case JET_coltypIEEESingle:
	case JET_coltypUnsignedLong:
		return 4;
	case JET_coltypGUID:
		return 16;
	case JET_coltypBinary:
	case JET_coltypText:
	case JET_coltypLongBinary:
	case JET_coltypLongText:
		return 0;
	default:
		return 8;
	}
}

static uint32_t col_limit(const rec_column *c)
{
	if (c->columnid <= REC_FIXED_LAST)
		return c->cbFixed;
	if (type_size(c->coltyp))
		return type_size(c->coltyp);
	if (is_long(c->coltyp))
		return c->cbMax ? c->cbMax : LONG_MAX_CB;
	return c->cbMax && c->cbMax < 255 ? c->cbMax : 255;
}

static bool col_fixed_size(const rec_column *c)
{
	return c->columnid <= REC_FIXED_LAST || type_size(c->coltyp) != 0;
}

static bool col_mv(const rec_column *c)
{
	return c->columnid >= REC_TAGGED_FIRST && (c->grbit & JET_bitColumnMultiValued);
}

static void model_free(model *md)
{
	for (uint32_t i = 0; i < md->s.ccols; i++)
		for (unsigned k = 0; k < md->m[i].n; k++)
			free(md->m[i].v[k].p);
	memset(md->m, 0, sizeof(md->m));
}

static void random_schema(model *md)
{
	uint32_t n = 0, id, ib = 0;

	memset(md, 0, sizeof(*md));
	/* Fixed ids from 1, sometimes with a gap (a deleted column). */
	id = 1;
	for (uint32_t k = rnd_below(7); k > 0; k--) {
		rec_column *c = &md->cols[n++];
		if (rnd_below(5) == 0)
			id++;
		c->columnid = id++;
		c->coltyp = fixed_types[rnd_below(NELEM(fixed_types))];
		c->grbit = JET_bitColumnFixed;
		c->cbFixed = type_size(c->coltyp);
		c->ibFixed = ib;
		ib += c->cbFixed;
	}
	id = REC_VAR_FIRST;
	for (uint32_t k = rnd_below(6); k > 0; k--) {
		rec_column *c = &md->cols[n++];
		if (rnd_below(4) == 0)
			id++;
		c->columnid = id++;
		c->coltyp = rnd_below(2) ? JET_coltypText : JET_coltypBinary;
		c->cbMax = rnd_below(3) == 0 ? 1 + rnd_below(40) : 0;
	}
	id = REC_TAGGED_FIRST + rnd_below(3);
	for (uint32_t k = rnd_below(10); k > 0; k--) {
		rec_column *c = &md->cols[n++];
		c->columnid = id;
		id += 1 + rnd_below(rnd_below(4) == 0 ? 3000 : 2);
		c->coltyp = all_types[rnd_below(NELEM(all_types))];
		c->grbit = JET_bitColumnTagged | (rnd_below(2) ? JET_bitColumnMultiValued : 0);
		if (!type_size(c->coltyp) && rnd_below(3) == 0)
			c->cbMax = 1 + rnd_below(is_long(c->coltyp) ? 600 : 60);
	}
	md->s.cols = md->cols;
	md->s.ccols = n;
	md->s.page_size = rnd_below(2) ? 4096 : 8192;
}

static void random_bytes(uint8_t *p, size_t cb)
{
	/* A small alphabet makes equal values (unique checks) likely. */
	uint32_t alpha = rnd_below(2) ? 3 : 256;
	for (size_t i = 0; i < cb; i++)
		p[i] = (uint8_t)rnd_below(alpha);
}

/* The expected result of rec_edit_set, applied to the model on success. */
static JET_ERR model_set(model *md, uint32_t ci, unsigned long itag, const uint8_t *pv, size_t cb,
			 JET_GRBIT grbit, unsigned long ib)
{
	const rec_column *c = &md->cols[ci];
	mcol *m = &md->m[ci];
	JET_GRBIT lv = grbit & (JET_bitSetAppendLV | JET_bitSetOverwriteLV | JET_bitSetSizeLV);
	bool zl = grbit & JET_bitSetZeroLength, exists;
	unsigned idx;
	const uint8_t *cur;
	size_t cbCur, cbNew;
	uint8_t *nv;

	if (lv && col_fixed_size(c))
		return JET_errInvalidGrbit;
	if (!col_mv(c)) {
		if (itag > 1)
			return JET_errBadItagSequence;
		idx = 0;
		exists = m->n > 0;
	} else if (itag == 0 || itag > m->n) {
		idx = m->n;
		exists = false;
	} else {
		idx = (unsigned)itag - 1;
		exists = true;
	}
	cur = exists ? m->v[idx].p : NULL;
	cbCur = exists ? m->v[idx].cb : 0;

	if (lv == JET_bitSetAppendLV && cb == 0 && (exists || !zl)) {
		m->changed = true;
		return JET_errSuccess;
	}
	if (lv == JET_bitSetOverwriteLV && ib >= cbCur)
		return JET_errColumnNoChunk;
	cbNew = lv == JET_bitSetAppendLV ? cbCur + cb
		: lv == JET_bitSetOverwriteLV ? (cbCur > ib + cb ? cbCur : ib + cb)
					      : cb;
	if (cbNew == 0 && !zl) {
		if (exists) {
			free(m->v[idx].p);
			memmove(&m->v[idx], &m->v[idx + 1], (m->n - idx - 1) * sizeof(mval));
			m->n--;
		}
		m->changed = true;
		return JET_errSuccess;
	}
	if (col_fixed_size(c) ? cbNew != col_limit(c) : cbNew > col_limit(c))
		return col_fixed_size(c) ? JET_errInvalidBufferSize : JET_errColumnTooBig;
	nv = calloc(1, cbNew + 1);
	if (lv == JET_bitSetAppendLV) {
		if (cbCur)
			memcpy(nv, cur, cbCur);
		memcpy(nv + cbCur, pv, cb);
	} else if (lv == JET_bitSetOverwriteLV) {
		memcpy(nv, cur, cbCur);
		memcpy(nv + ib, pv, cb);
	} else if (lv == JET_bitSetSizeLV) {
		if (cbCur)
			memcpy(nv, cur, cbCur < cbNew ? cbCur : cbNew);
	} else if (cb) {
		memcpy(nv, pv, cb);
	}
	if (grbit & JET_bitSetUniqueMultiValues) {
		for (unsigned k = 0; k < m->n; k++) {
			if (exists && k == idx)
				continue;
			if (m->v[k].cb == cbNew && memcmp(m->v[k].p, nv, cbNew) == 0) {
				free(nv);
				return JET_errMultiValuedDuplicate;
			}
		}
	}
	if (exists) {
		free(m->v[idx].p);
	} else {
		ck_assert_uint_lt(m->n, MAX_VALS);
		m->n++;
	}
	m->v[idx].p = nv;
	m->v[idx].cb = cbNew;
	m->changed = true;
	return JET_errSuccess;
}

/* Encoded size by the layout in record.h, or 0 for "too big". */
static size_t model_size(const model *md)
{
	uint32_t lastFixed = 0, cVar = 0;
	size_t cbFixed = 0, cb = 4;

	for (uint32_t i = 0; i < md->s.ccols; i++) {
		const rec_column *c = &md->cols[i];
		if (!md->m[i].n)
			continue;
		if (c->columnid <= REC_FIXED_LAST) {
			lastFixed = (uint32_t)c->columnid;
			cbFixed = c->ibFixed + c->cbFixed;
		} else if (c->columnid <= REC_VAR_LAST) {
			cVar = (uint32_t)c->columnid - 127;
			cb += md->m[i].v[0].cb;
		} else {
			for (unsigned k = 0; k < md->m[i].n; k++)
				cb += 8 + md->m[i].v[k].cb;
		}
	}
	cb += (lastFixed + 7) / 8 + cbFixed + 2 * cVar;
	return cb > rec_max_size(md->s.page_size) ? 0 : cb;
}

/* A NULL (absent) value reads as JET_wrnColumnNull with cb 0. */
static void check_value(JET_ERR err, const void *pv, size_t cb, const mval *want)
{
	if (!want) {
		ck_assert_int_eq(err, JET_wrnColumnNull);
		ck_assert_uint_eq(cb, 0);
		return;
	}
	ck_assert_int_eq(err, JET_errSuccess);
	ck_assert_uint_eq(cb, want->cb);
	ck_assert(cb == 0 || memcmp(pv, want->p, cb) == 0);
	ck_assert(pv != NULL);
}

static void check_edit(rec_edit *e, const model *md)
{
	for (uint32_t i = 0; i < md->s.ccols; i++) {
		const mcol *m = &md->m[i];
		JET_COLUMNID id = md->cols[i].columnid;
		unsigned long n;
		const void *pv;
		size_t cb;

		ck_assert_int_eq(rec_edit_count_values(e, id, &n), JET_errSuccess);
		ck_assert_uint_eq(n, m->n);
		for (unsigned k = 0; k <= m->n + 1; k++) {
			JET_ERR err = rec_edit_get(e, id, k, &pv, &cb);
			unsigned want = k ? k : 1;
			check_value(err, pv, cb, want <= m->n ? &m->v[want - 1] : NULL);
		}
	}
}

static void check_record(const uint8_t *rec, size_t cbRec, const model *md)
{
	ck_assert_int_eq(rec_validate(&md->s, rec, cbRec), JET_errSuccess);
	for (uint32_t i = 0; i < md->s.ccols; i++) {
		const mcol *m = &md->m[i];
		JET_COLUMNID id = md->cols[i].columnid;
		unsigned long n;
		const void *pv;
		size_t cb;

		ck_assert_int_eq(rec_count_values(&md->s, rec, cbRec, id, &n), JET_errSuccess);
		ck_assert_uint_eq(n, m->n);
		for (unsigned k = 0; k <= m->n + 1; k++) {
			JET_ERR err = rec_retrieve(&md->s, rec, cbRec, id, k, &pv, &cb);
			unsigned want = k ? k : 1;
			check_value(err, pv, cb, want <= m->n ? &m->v[want - 1] : NULL);
		}
	}
}

/* The record built from nothing, columns set in reverse order with plain
 * sets: must encode to the same bytes as any other history. */
static void check_canonical(const uint8_t *rec, size_t cbRec, const model *md)
{
	rec_edit *f;
	const uint8_t *p;
	size_t cb;

	ck_assert_int_eq(rec_edit_begin(&md->s, NULL, 0, &f), JET_errSuccess);
	for (uint32_t i = md->s.ccols; i-- > 0;)
		for (unsigned k = 0; k < md->m[i].n; k++)
			ck_assert_int_eq(rec_edit_set(f, md->cols[i].columnid, 0,
						      md->m[i].v[k].cb ? (const void *)md->m[i].v[k].p : "",
						      md->m[i].v[k].cb, JET_bitSetZeroLength, 0),
					 JET_errSuccess);
	ck_assert_int_eq(rec_edit_encode(f, &p, &cb), JET_errSuccess);
	ck_assert_uint_eq(cb, cbRec);
	ck_assert(memcmp(p, rec, cb) == 0);
	rec_edit_free(f);
}

/* One random rec_edit_set, checked against the model. */
static void random_step(rec_edit *e, model *md)
{
	uint32_t ci = rnd_below(md->s.ccols);
	const rec_column *c = &md->cols[ci];
	uint32_t limit = col_limit(c), cap = limit > 700 ? 700 : limit;
	uint8_t buf[800];
	size_t cb;
	JET_GRBIT grbit = 0;
	unsigned long itag = rnd_below(md->m[ci].n + 3), ib = 0;
	const void *pv = buf;
	JET_ERR want, got;

	switch (rnd_below(10)) {
	case 0: /* NULL */
		cb = 0;
		pv = rnd_below(2) ? NULL : buf;
		break;
	case 1: /* zero length */
		cb = 0;
		grbit = JET_bitSetZeroLength;
		break;
	case 2: /* wrong size */
		cb = col_fixed_size(c) ? limit + 1 - 2 * rnd_below(2) : (size_t)cap + 1;
		if (cb > sizeof(buf))
			cb = sizeof(buf);
		break;
	case 3:
		cb = 1 + rnd_below(30 < cap ? 30 : cap);
		grbit = JET_bitSetAppendLV;
		break;
	case 4: {
		size_t cur = 0;
		unsigned idx = itag ? (unsigned)itag - 1 : 0;
		if (idx < md->m[ci].n)
			cur = md->m[ci].v[idx].cb;
		ib = rnd_below((uint32_t)cur + 2);
		cb = rnd_below(20);
		grbit = JET_bitSetOverwriteLV;
		break;
	}
	case 5:
		cb = rnd_below(cap + 1);
		grbit = JET_bitSetSizeLV;
		pv = NULL;
		break;
	default:
		cb = col_fixed_size(c) ? limit : rnd_below(cap + 1);
		if (!col_fixed_size(c) && rnd_below(2))
			cb = rnd_below(cap < 8 ? cap + 1 : 8);
		break;
	}
	if (rnd_below(3) == 0)
		grbit |= JET_bitSetUniqueMultiValues;
	if (rnd_below(8) == 0)
		grbit |= JET_bitSetZeroLength;
	random_bytes(buf, sizeof(buf));
	want = model_set(md, ci, itag, pv, cb, grbit, ib);
	got = rec_edit_set(e, c->columnid, itag, pv, cb, grbit, ib);
	ck_assert_msg(got == want, "col %lu coltyp %lu itag %lu cb %zu grbit %#lx ib %lu: got %ld want %ld",
		      c->columnid, c->coltyp, itag, cb, grbit, ib, got, want);
}

START_TEST(test_model_random)
{
	model md;

	for (int round = 0; round < 300; round++) {
		rec_edit *e = NULL;
		const uint8_t *rec;
		size_t cbRec;
		uint8_t *copy = NULL;

		random_schema(&md);
		if (md.s.ccols == 0)
			continue;
		ck_assert_int_eq(rec_edit_begin(&md.s, NULL, 0, &e), JET_errSuccess);
		for (int step = 0; step < 150; step++) {
			size_t want;
			JET_ERR err;

			random_step(e, &md);
			check_edit(e, &md);
			for (uint32_t i = 0; i < md.s.ccols; i++)
				ck_assert(rec_edit_column_changed(e, md.cols[i].columnid) == md.m[i].changed);
			want = model_size(&md);
			err = rec_edit_encode(e, &rec, &cbRec);
			if (want == 0) {
				ck_assert_int_eq(err, JET_errRecordTooBig);
				continue;
			}
			ck_assert_int_eq(err, JET_errSuccess);
			ck_assert_uint_eq(cbRec, want);
			check_record(rec, cbRec, &md);
			check_canonical(rec, cbRec, &md);

			/* Now and then continue from the decoded record, as an
			 * update of a stored record would. */
			if (rnd_below(10) == 0) {
				rec_edit *e2;
				const uint8_t *rec2;
				size_t cbRec2;

				free(copy);
				copy = malloc(cbRec);
				memcpy(copy, rec, cbRec);
				ck_assert_int_eq(rec_edit_begin(&md.s, copy, cbRec, &e2), JET_errSuccess);
				check_edit(e2, &md);
				ck_assert_int_eq(rec_edit_encode(e2, &rec2, &cbRec2), JET_errSuccess);
				ck_assert_uint_eq(cbRec2, cbRec);
				ck_assert(memcmp(rec2, copy, cbRec) == 0);
				for (uint32_t i = 0; i < md.s.ccols; i++) {
					ck_assert(!rec_edit_column_changed(e2, md.cols[i].columnid));
					md.m[i].changed = false;
				}
				rec_edit_free(e);
				e = e2;
			}
		}
		rec_edit_free(e);
		free(copy);
		model_free(&md);
	}
}
END_TEST

/* A small fixed schema for the direct tests. */
static rec_column t_cols[] = {
	{.columnid = 1, .coltyp = JET_coltypLong, .grbit = JET_bitColumnFixed, .ibFixed = 0, .cbFixed = 4},
	{.columnid = 2, .coltyp = JET_coltypGUID, .grbit = JET_bitColumnFixed, .ibFixed = 4, .cbFixed = 16},
	{.columnid = 128, .coltyp = JET_coltypText},
	{.columnid = 129, .coltyp = JET_coltypBinary, .cbMax = 10},
	{.columnid = 256, .coltyp = JET_coltypLongBinary, .grbit = JET_bitColumnTagged},
	{.columnid = 257, .coltyp = JET_coltypText,
	 .grbit = JET_bitColumnTagged | JET_bitColumnMultiValued},
	{.columnid = 300, .coltyp = JET_coltypLong,
	 .grbit = JET_bitColumnTagged | JET_bitColumnMultiValued},
};
static const rec_schema t_schema = {t_cols, sizeof(t_cols) / sizeof(t_cols[0]), 8192};

static void expect_value(rec_edit *e, JET_COLUMNID id, unsigned long itag, const char *s)
{
	const void *pv;
	size_t cb;
	JET_ERR err = rec_edit_get(e, id, itag, &pv, &cb);

	if (!s) {
		ck_assert_int_eq(err, JET_wrnColumnNull);
		return;
	}
	ck_assert_int_eq(err, JET_errSuccess);
	ck_assert_uint_eq(cb, strlen(s));
	ck_assert(memcmp(pv, s, cb) == 0);
}

START_TEST(test_record_too_big)
{
	rec_edit *e;
	const uint8_t *rec;
	size_t cb, max = rec_max_size(8192);
	uint8_t *big = calloc(1, 70000);

	ck_assert_uint_eq(max, 8192 / 2 - 128);
	ck_assert_int_eq(rec_edit_begin(&t_schema, NULL, 0, &e), JET_errSuccess);
	/* A long value may exceed the record while it is being built... */
	ck_assert_int_eq(rec_edit_set(e, 256, 0, big, 70000, 0, 0), JET_errSuccess);
	ck_assert_int_eq(rec_edit_encode(e, &rec, &cb), JET_errRecordTooBig);
	/* ...and fits again once cut down: header 4 + tag header 8. */
	ck_assert_int_eq(rec_edit_set(e, 256, 0, NULL, max - 12, JET_bitSetSizeLV, 0), JET_errSuccess);
	ck_assert_int_eq(rec_edit_encode(e, &rec, &cb), JET_errSuccess);
	ck_assert_uint_eq(cb, max);
	ck_assert_int_eq(rec_edit_set(e, 256, 0, big, 1, JET_bitSetAppendLV, 0), JET_errSuccess);
	ck_assert_int_eq(rec_edit_encode(e, &rec, &cb), JET_errRecordTooBig);
	rec_edit_free(e);
	free(big);
}
END_TEST

START_TEST(test_invalid_buffer_size)
{
	rec_edit *e;
	char b[300];
	int32_t v = 7;

	memset(b, 'x', sizeof(b));
	ck_assert_int_eq(rec_edit_begin(&t_schema, NULL, 0, &e), JET_errSuccess);
	ck_assert_int_eq(rec_edit_set(e, 1, 0, &v, 3, 0, 0), JET_errInvalidBufferSize);
	ck_assert_int_eq(rec_edit_set(e, 1, 0, &v, 5, 0, 0), JET_errInvalidBufferSize);
	ck_assert_int_eq(rec_edit_set(e, 1, 0, &v, 0, JET_bitSetZeroLength, 0), JET_errInvalidBufferSize);
	ck_assert_int_eq(rec_edit_set(e, 1, 0, &v, 4, 0, 0), JET_errSuccess);
	ck_assert_int_eq(rec_edit_set(e, 300, 0, &v, 2, 0, 0), JET_errInvalidBufferSize);
	ck_assert_int_eq(rec_edit_set(e, 128, 0, b, 256, 0, 0), JET_errColumnTooBig);
	ck_assert_int_eq(rec_edit_set(e, 128, 0, b, 255, 0, 0), JET_errSuccess);
	ck_assert_int_eq(rec_edit_set(e, 129, 0, b, 11, 0, 0), JET_errColumnTooBig);
	ck_assert_int_eq(rec_edit_set(e, 129, 0, b, 10, 0, 0), JET_errSuccess);
	ck_assert_int_eq(rec_edit_set(e, 129, 0, b, 1, JET_bitSetAppendLV, 0), JET_errColumnTooBig);
	ck_assert_int_eq(rec_edit_set(e, 1, 0, &v, 4, JET_bitSetAppendLV, 0), JET_errInvalidGrbit);
	expect_value(e, 129, 1, "xxxxxxxxxx");
	rec_edit_free(e);
}
END_TEST

START_TEST(test_column_not_found)
{
	rec_edit *e;
	const uint8_t *rec;
	const void *pv;
	size_t cb;
	unsigned long n;
	JET_COLUMNID bad[] = {0, 3, 130, 255, 258, 299, 301, 65535};

	ck_assert_int_eq(rec_edit_begin(&t_schema, NULL, 0, &e), JET_errSuccess);
	ck_assert_int_eq(rec_edit_encode(e, &rec, &cb), JET_errSuccess);
	ck_assert_uint_eq(cb, 4);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_eq(rec_edit_set(e, bad[i], 0, "a", 1, 0, 0), JET_errColumnNotFound);
		ck_assert_int_eq(rec_edit_get(e, bad[i], 0, &pv, &cb), JET_errColumnNotFound);
		ck_assert_int_eq(rec_edit_count_values(e, bad[i], &n), JET_errColumnNotFound);
		ck_assert_int_eq(rec_retrieve(&t_schema, rec, 4, bad[i], 0, &pv, &cb), JET_errColumnNotFound);
		ck_assert_int_eq(rec_count_values(&t_schema, rec, 4, bad[i], &n), JET_errColumnNotFound);
	}
	rec_edit_free(e);
}
END_TEST

START_TEST(test_multi_valued)
{
	rec_edit *e;
	unsigned long n;

	ck_assert_int_eq(rec_edit_begin(&t_schema, NULL, 0, &e), JET_errSuccess);
	ck_assert_int_eq(rec_edit_set(e, 257, 0, "a", 1, 0, 0), JET_errSuccess);
	ck_assert_int_eq(rec_edit_set(e, 257, 0, "b", 1, 0, 0), JET_errSuccess);
	ck_assert_int_eq(rec_edit_set(e, 257, 9, "c", 1, 0, 0), JET_errSuccess); /* past the end: appends */
	ck_assert_int_eq(rec_edit_count_values(e, 257, &n), JET_errSuccess);
	ck_assert_uint_eq(n, 3);
	expect_value(e, 257, 3, "c");
	ck_assert_int_eq(rec_edit_set(e, 257, 2, "B", 1, 0, 0), JET_errSuccess); /* replaces */
	expect_value(e, 257, 2, "B");
	/* Unique: a value present elsewhere is refused, the same slot is not. */
	ck_assert_int_eq(rec_edit_set(e, 257, 0, "a", 1, JET_bitSetUniqueMultiValues, 0),
			 JET_errMultiValuedDuplicate);
	ck_assert_int_eq(rec_edit_set(e, 257, 3, "a", 1, JET_bitSetUniqueMultiValues, 0),
			 JET_errMultiValuedDuplicate);
	ck_assert_int_eq(rec_edit_set(e, 257, 1, "a", 1, JET_bitSetUniqueMultiValues, 0), JET_errSuccess);
	ck_assert_int_eq(rec_edit_set(e, 257, 0, "a", 1, 0, 0), JET_errSuccess); /* duplicates allowed */
	ck_assert_int_eq(rec_edit_set(e, 257, 3, "B", 1, JET_bitSetAppendLV | JET_bitSetUniqueMultiValues, 0),
			 JET_errSuccess); /* "cB" */
	ck_assert_int_eq(rec_edit_set(e, 257, 0, "", 0, JET_bitSetZeroLength, 0), JET_errSuccess);
	ck_assert_int_eq(rec_edit_set(e, 257, 0, "", 0, JET_bitSetZeroLength | JET_bitSetUniqueMultiValues, 0),
			 JET_errMultiValuedDuplicate);
	/* a B cB a "" -> remove the 2nd: a cB a "" */
	ck_assert_int_eq(rec_edit_set(e, 257, 2, NULL, 0, 0, 0), JET_errSuccess);
	expect_value(e, 257, 1, "a");
	expect_value(e, 257, 2, "cB");
	expect_value(e, 257, 3, "a");
	expect_value(e, 257, 4, "");
	expect_value(e, 257, 5, NULL);
	/* NULL on a missing occurrence or itag 0 changes nothing. */
	ck_assert_int_eq(rec_edit_set(e, 257, 0, NULL, 0, 0, 0), JET_errSuccess);
	ck_assert_int_eq(rec_edit_set(e, 257, 7, NULL, 0, 0, 0), JET_errSuccess);
	ck_assert_int_eq(rec_edit_count_values(e, 257, &n), JET_errSuccess);
	ck_assert_uint_eq(n, 4);
	/* Single-valued columns: itag 0 replaces, > 1 is refused. */
	ck_assert_int_eq(rec_edit_set(e, 256, 0, "x", 1, 0, 0), JET_errSuccess);
	ck_assert_int_eq(rec_edit_set(e, 256, 0, "y", 1, 0, 0), JET_errSuccess);
	expect_value(e, 256, 1, "y");
	ck_assert_int_eq(rec_edit_set(e, 256, 2, "z", 1, 0, 0), JET_errBadItagSequence);
	ck_assert_int_eq(rec_edit_set(e, 128, 2, "z", 1, 0, 0), JET_errBadItagSequence);
	ck_assert(rec_edit_column_changed(e, 257));
	ck_assert(!rec_edit_column_changed(e, 300));
	rec_edit_free(e);
}
END_TEST

START_TEST(test_long_value_ops)
{
	rec_edit *e;
	const void *pv;
	size_t cb;

	ck_assert_int_eq(rec_edit_begin(&t_schema, NULL, 0, &e), JET_errSuccess);
	/* Overwrite of a NULL value: no chunk at any offset (ESE: ib >= size). */
	ck_assert_int_eq(rec_edit_set(e, 256, 0, "ab", 2, JET_bitSetOverwriteLV, 0), JET_errColumnNoChunk);
	ck_assert_int_eq(rec_edit_set(e, 256, 0, "abc", 3, JET_bitSetAppendLV, 0), JET_errSuccess);
	ck_assert_int_eq(rec_edit_set(e, 256, 0, "de", 2, JET_bitSetAppendLV, 0), JET_errSuccess);
	expect_value(e, 256, 1, "abcde");
	ck_assert_int_eq(rec_edit_set(e, 256, 0, "XYZ", 3, JET_bitSetOverwriteLV, 3), JET_errSuccess);
	expect_value(e, 256, 1, "abcXYZ");
	ck_assert_int_eq(rec_edit_set(e, 256, 0, "Q", 1, JET_bitSetOverwriteLV, 6), JET_errColumnNoChunk);
	ck_assert_int_eq(rec_edit_set(e, 256, 0, "Q", 1, JET_bitSetOverwriteLV, 0), JET_errSuccess);
	expect_value(e, 256, 1, "QbcXYZ");
	ck_assert_int_eq(rec_edit_set(e, 256, 0, NULL, 2, JET_bitSetSizeLV, 0), JET_errSuccess);
	expect_value(e, 256, 1, "Qb");
	ck_assert_int_eq(rec_edit_set(e, 256, 0, NULL, 4, JET_bitSetSizeLV, 0), JET_errSuccess);
	ck_assert_int_eq(rec_edit_get(e, 256, 1, &pv, &cb), JET_errSuccess);
	ck_assert_uint_eq(cb, 4);
	ck_assert(memcmp(pv, "Qb\0\0", 4) == 0);
	ck_assert_int_eq(rec_edit_set(e, 256, 0, NULL, 0, JET_bitSetSizeLV | JET_bitSetZeroLength, 0),
			 JET_errSuccess);
	expect_value(e, 256, 1, "");
	ck_assert_int_eq(rec_edit_set(e, 256, 0, NULL, 0, JET_bitSetSizeLV, 0), JET_errSuccess);
	expect_value(e, 256, 1, NULL);
	/* A value copied from the edit itself into another column. */
	ck_assert_int_eq(rec_edit_set(e, 128, 0, "hello", 5, 0, 0), JET_errSuccess);
	for (int i = 0; i < 20; i++) {
		ck_assert_int_eq(rec_edit_get(e, 128, 1, &pv, &cb), JET_errSuccess);
		ck_assert_int_eq(rec_edit_set(e, 256, 0, pv, cb, JET_bitSetAppendLV, 0), JET_errSuccess);
		ck_assert_int_eq(rec_edit_get(e, 256, 1, &pv, &cb), JET_errSuccess);
		ck_assert_int_eq(rec_edit_set(e, 257, 0, pv, cb > 255 ? 255 : cb, 0, 0), JET_errSuccess);
	}
	ck_assert_int_eq(rec_edit_get(e, 256, 1, &pv, &cb), JET_errSuccess);
	ck_assert_uint_eq(cb, 100);
	for (int i = 0; i < 20; i++)
		ck_assert(memcmp((const char *)pv + 5 * i, "hello", 5) == 0);
	rec_edit_free(e);
}
END_TEST

START_TEST(test_null_vs_zero_length)
{
	rec_edit *e, *e2;
	const uint8_t *rec;
	const void *pv;
	size_t cb, cbRec;
	uint8_t *copy;

	ck_assert_int_eq(rec_edit_begin(&t_schema, NULL, 0, &e), JET_errSuccess);
	ck_assert_int_eq(rec_edit_set(e, 128, 0, NULL, 0, JET_bitSetZeroLength, 0), JET_errSuccess);
	ck_assert_int_eq(rec_edit_set(e, 256, 0, NULL, 0, JET_bitSetZeroLength, 0), JET_errSuccess);
	ck_assert_int_eq(rec_edit_set(e, 129, 0, "", 0, 0, 0), JET_errSuccess); /* NULL */
	ck_assert_int_eq(rec_edit_encode(e, &rec, &cbRec), JET_errSuccess);
	copy = malloc(cbRec);
	memcpy(copy, rec, cbRec);
	ck_assert_int_eq(rec_retrieve(&t_schema, copy, cbRec, 128, 0, &pv, &cb), JET_errSuccess);
	ck_assert_uint_eq(cb, 0);
	ck_assert_int_eq(rec_retrieve(&t_schema, copy, cbRec, 256, 0, &pv, &cb), JET_errSuccess);
	ck_assert_uint_eq(cb, 0);
	ck_assert_int_eq(rec_retrieve(&t_schema, copy, cbRec, 129, 0, &pv, &cb), JET_wrnColumnNull);
	ck_assert_int_eq(rec_edit_begin(&t_schema, copy, cbRec, &e2), JET_errSuccess);
	expect_value(e2, 128, 0, "");
	expect_value(e2, 256, 0, "");
	expect_value(e2, 129, 0, NULL);
	rec_edit_free(e2);
	rec_edit_free(e);
	free(copy);
}
END_TEST

/* Damaged records: rec_validate refuses them or they are canonical again;
 * rec_retrieve never reads outside them (run under ASan to see it). */
START_TEST(test_corrupt)
{
	model md;
	int refused = 0;

	for (int round = 0; round < 200; round++) {
		rec_edit *e;
		const uint8_t *rec;
		size_t cbRec;

		random_schema(&md);
		if (md.s.ccols == 0)
			continue;
		ck_assert_int_eq(rec_edit_begin(&md.s, NULL, 0, &e), JET_errSuccess);
		for (int step = 0; step < 30; step++)
			random_step(e, &md);
		if (rec_edit_encode(e, &rec, &cbRec) == JET_errSuccess) {
			for (int m = 0; m < 50; m++) {
				size_t cb = rnd_below(4) == 0 ? rnd_below((uint32_t)cbRec + 1) : cbRec;
				uint8_t *p = malloc(cb ? cb : 1);
				rec_edit *e2;

				memcpy(p, rec, cb);
				if (cb)
					p[rnd_below((uint32_t)cb)] ^= (uint8_t)(1 + rnd_below(255));
				for (uint32_t i = 0; i < md.s.ccols; i++) {
					const void *pv;
					size_t cbv;
					unsigned long n;
					(void)rec_retrieve(&md.s, p, cb, md.cols[i].columnid, rnd_below(3), &pv, &cbv);
					(void)rec_count_values(&md.s, p, cb, md.cols[i].columnid, &n);
				}
				if (rec_validate(&md.s, p, cb) < 0) {
					ck_assert_int_eq(rec_edit_begin(&md.s, p, cb, &e2), JET_errDatabaseCorrupted);
					refused++;
				} else {
					const uint8_t *q;
					size_t cbq;
					ck_assert_int_eq(rec_edit_begin(&md.s, p, cb, &e2), JET_errSuccess);
					ck_assert_int_eq(rec_edit_encode(e2, &q, &cbq), JET_errSuccess);
					ck_assert_uint_eq(cbq, cb);
					ck_assert(memcmp(q, p, cb) == 0);
					rec_edit_free(e2);
				}
				free(p);
			}
		}
		rec_edit_free(e);
		model_free(&md);
	}
	ck_assert_int_gt(refused, 0);
}
END_TEST

static Suite *record_suite(void)
{
	Suite *s = suite_create("record");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_invalid_buffer_size);
	tcase_add_test(tc, test_column_not_found);
	tcase_add_test(tc, test_record_too_big);
	tcase_add_test(tc, test_multi_valued);
	tcase_add_test(tc, test_long_value_ops);
	tcase_add_test(tc, test_null_vs_zero_length);
	tcase_add_test(tc, test_model_random);
	tcase_add_test(tc, test_corrupt);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	const char *env = getenv("JET_TEST_SEED");
	SRunner *sr;
	int failed;

	if (env)
		g_seed = strtoull(env, NULL, 0);
	g_rng = g_seed;
	printf("test_record: seed %#" PRIx64 " (JET_TEST_SEED overrides)\n", g_seed);
	sr = srunner_create(record_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
