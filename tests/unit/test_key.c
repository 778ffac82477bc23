/*
 * test_key.c - normalized keys: for random values of every coltyp the sign
 * of memcmp on the keys must equal the sign of the typed comparison
 * (computed here independently of key.c), NULL < empty < values,
 * descending reverses, multi-segment keys compare segment by segment,
 * truncation is a cut-off prefix, and end limits bound exactly the keys
 * that begin with a prefix.
 *
 * JET_TEST_SEED overrides the fixed seed.
 */
#include <check.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "key.h"

static uint64_t g_seed = 0x6b65795f74657374ull;
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

static int sgn(long long v)
{
	return (v > 0) - (v < 0);
}

#define KMAX 4096

typedef struct key {
	uint8_t b[KMAX];
	size_t cb;
	bool trunc;
} key;

static void kinit(key *k)
{
	k->cb = 0;
	k->trunc = false;
}

static void kadd(key *k, JET_COLTYP t, uint16_t cp, bool desc, const void *pv, size_t cb,
		 JET_GRBIT grbit)
{
	ck_assert_int_eq(key_append_segment(t, cp, desc, pv, cb, grbit, k->b, KMAX, &k->cb, &k->trunc),
			 JET_errSuccess);
	ck_assert(!k->trunc);
}

static int kcmp(const key *a, const key *b)
{
	size_t n = a->cb < b->cb ? a->cb : b->cb;
	int c = memcmp(a->b, b->b, n);
	if (c)
		return sgn(c);
	return sgn((long long)a->cb - (long long)b->cb);
}

/* ---- typed values ---------------------------------------------------- */

typedef struct tval {
	uint8_t b[256]; /* the value as the caller passes it */
	size_t cb;
} tval;

static const JET_COLTYP fixed_types[] = {
	JET_coltypBit,	JET_coltypUnsignedByte, JET_coltypShort,    JET_coltypLong,
	JET_coltypCurrency, JET_coltypIEEESingle, JET_coltypIEEEDouble, JET_coltypDateTime,
	JET_coltypUnsignedLong, JET_coltypLongLong, JET_coltypGUID, JET_coltypUnsignedShort,
	JET_coltypUnsignedLongLong,
};
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static size_t tsize(JET_COLTYP t)
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
	default:
		return 8;
	}
}

static const double special_d[] = {0.0, -0.0, INFINITY, -INFINITY, NAN, -NAN, 1.0, -1.0,
				   5e-324, -5e-324, 1.7976931348623157e308, -1.7976931348623157e308,
				   2.0, 0.5, -0.5, 45000.25};

static void rand_fixed(JET_COLTYP t, tval *v)
{
	uint64_t r = rnd();

	v->cb = tsize(t);
	/* Extremes and small numbers are where sign handling goes wrong. */
	switch (rnd_below(4)) {
	case 0:
		r = rnd_below(2) ? 0 : ~0ull;
		if (rnd_below(2) && v->cb <= 8)
			r ^= 1ull << (8 * v->cb - 1);
		break;
	case 1:
		r = (uint64_t)(int64_t)(int)(rnd_below(7) - 3);
		break;
	default:
		break;
	}
	if (t == JET_coltypIEEESingle) {
		float f;
		if (rnd_below(2)) {
			f = (float)special_d[rnd_below(NELEM(special_d))];
			memcpy(&r, &f, 4);
		} else if (rnd_below(2)) {
			f = (float)((double)(int)rnd_below(2001) - 1000) / 8;
			memcpy(&r, &f, 4);
		}
	} else if (t == JET_coltypIEEEDouble || t == JET_coltypDateTime) {
		double d;
		if (rnd_below(2)) {
			d = special_d[rnd_below(NELEM(special_d))];
			memcpy(&r, &d, 8);
		} else if (rnd_below(2)) {
			d = ((double)(int)rnd_below(2001) - 1000) / 8;
			memcpy(&r, &d, 8);
		}
	}
	if (t == JET_coltypGUID) {
		for (int i = 0; i < 16; i++)
			v->b[i] = (uint8_t)(rnd_below(8) ? rnd_below(2) : rnd());
		return;
	}
	memcpy(v->b, &r, v->cb); /* little-endian host: the low bytes */
}

static int cmp_double(double a, double b)
{
	if (isnan(a) || isnan(b))
		return isnan(a) - isnan(b);
	if (a == 0 && b == 0)
		return (signbit(b) != 0) - (signbit(a) != 0);
	return (a > b) - (a < b);
}

static int cmp_fixed(JET_COLTYP t, const tval *a, const tval *b)
{
	static const int guid_order[16] = {10, 11, 12, 13, 14, 15, 8, 9, 6, 7, 4, 5, 0, 1, 2, 3};

	switch (t) {
	case JET_coltypBit:
		return (a->b[0] != 0) - (b->b[0] != 0);
	case JET_coltypUnsignedByte:
		return sgn(a->b[0] - b->b[0]);
	case JET_coltypShort: {
		int16_t x, y;
		memcpy(&x, a->b, 2), memcpy(&y, b->b, 2);
		return sgn(x - y);
	}
	case JET_coltypUnsignedShort: {
		uint16_t x, y;
		memcpy(&x, a->b, 2), memcpy(&y, b->b, 2);
		return sgn(x - y);
	}
	case JET_coltypLong: {
		int32_t x, y;
		memcpy(&x, a->b, 4), memcpy(&y, b->b, 4);
		return (x > y) - (x < y);
	}
	case JET_coltypUnsignedLong: {
		uint32_t x, y;
		memcpy(&x, a->b, 4), memcpy(&y, b->b, 4);
		return (x > y) - (x < y);
	}
	case JET_coltypLongLong:
	case JET_coltypCurrency: {
		int64_t x, y;
		memcpy(&x, a->b, 8), memcpy(&y, b->b, 8);
		return (x > y) - (x < y);
	}
	case JET_coltypUnsignedLongLong: {
		uint64_t x, y;
		memcpy(&x, a->b, 8), memcpy(&y, b->b, 8);
		return (x > y) - (x < y);
	}
	case JET_coltypIEEESingle: {
		float x, y;
		memcpy(&x, a->b, 4), memcpy(&y, b->b, 4);
		return cmp_double(x, y);
	}
	case JET_coltypIEEEDouble:
	case JET_coltypDateTime: {
		double x, y;
		memcpy(&x, a->b, 8), memcpy(&y, b->b, 8);
		return cmp_double(x, y);
	}
	case JET_coltypGUID:
		for (int i = 0; i < 16; i++)
			if (a->b[guid_order[i]] != b->b[guid_order[i]])
				return sgn(a->b[guid_order[i]] - b->b[guid_order[i]]);
		return 0;
	}
	ck_abort_msg("type");
	return 0;
}

/* Text: strings of code points from a pool where case matters. */
static const uint32_t cp_pool[] = {'a', 'A', 'b', 'B', 'z', 'Z', '0', ' ', '@', '[', '`', '{',
				   0x7F, 0xC0, 0xE0, 0xC9, 0xE9, 0xD7, 0xF7, 0xDE, 0xFE, 0xDF,
				   0xFF, 0xBF, 0x100, 0x391, 0x3B1, 0x4E2D, 0xFFFD, 0x1F600};

typedef struct text {
	uint32_t cp[40];
	size_t n;
} text;

static void rand_text(text *t, size_t maxn)
{
	t->n = rnd_below((uint32_t)maxn + 1);
	for (size_t i = 0; i < t->n; i++)
		t->cp[i] = cp_pool[rnd_below(rnd_below(2) ? 6 : NELEM(cp_pool))];
}

static uint32_t ref_fold(uint32_t c)
{
	if ((c >= 'A' && c <= 'Z') || (c >= 0xC0 && c <= 0xDE && c != 0xD7))
		return c + 0x20;
	return c;
}

static int cmp_text(const text *a, const text *b)
{
	for (size_t i = 0; i < a->n && i < b->n; i++) {
		uint32_t x = ref_fold(a->cp[i]), y = ref_fold(b->cp[i]);
		if (x != y)
			return x < y ? -1 : 1;
	}
	return sgn((long long)a->n - (long long)b->n);
}

static bool text_has_prefix(const text *t, const text *p)
{
	if (p->n > t->n)
		return false;
	for (size_t i = 0; i < p->n; i++)
		if (ref_fold(t->cp[i]) != ref_fold(p->cp[i]))
			return false;
	return true;
}

static size_t to_utf8(const text *t, uint8_t *o)
{
	size_t n = 0;
	for (size_t i = 0; i < t->n; i++) {
		uint32_t c = t->cp[i];
		if (c < 0x80) {
			o[n++] = (uint8_t)c;
		} else if (c < 0x800) {
			o[n++] = (uint8_t)(0xC0 | (c >> 6));
			o[n++] = (uint8_t)(0x80 | (c & 0x3F));
		} else if (c < 0x10000) {
			o[n++] = (uint8_t)(0xE0 | (c >> 12));
			o[n++] = (uint8_t)(0x80 | ((c >> 6) & 0x3F));
			o[n++] = (uint8_t)(0x80 | (c & 0x3F));
		} else {
			o[n++] = (uint8_t)(0xF0 | (c >> 18));
			o[n++] = (uint8_t)(0x80 | ((c >> 12) & 0x3F));
			o[n++] = (uint8_t)(0x80 | ((c >> 6) & 0x3F));
			o[n++] = (uint8_t)(0x80 | (c & 0x3F));
		}
	}
	return n;
}

static size_t to_utf16(const text *t, uint8_t *o)
{
	size_t n = 0;
	for (size_t i = 0; i < t->n; i++) {
		uint32_t c = t->cp[i];
		if (c >= 0x10000) {
			uint32_t hi = 0xD800 + ((c - 0x10000) >> 10), lo = 0xDC00 + ((c - 0x10000) & 0x3FF);
			o[n++] = (uint8_t)hi, o[n++] = (uint8_t)(hi >> 8);
			o[n++] = (uint8_t)lo, o[n++] = (uint8_t)(lo >> 8);
		} else {
			o[n++] = (uint8_t)c, o[n++] = (uint8_t)(c >> 8);
		}
	}
	return n;
}

/* Binary: short strings over an alphabet with 0x00 and 0xFF. */
static void rand_bin(tval *v, size_t maxn)
{
	static const uint8_t alpha[] = {0x00, 0x01, 0x08, 0x09, 0x7F, 0xFE, 0xFF};
	v->cb = rnd_below((uint32_t)maxn + 1);
	for (size_t i = 0; i < v->cb; i++)
		v->b[i] = rnd_below(4) ? alpha[rnd_below(NELEM(alpha))] : (uint8_t)rnd();
}

static int cmp_bin(const tval *a, const tval *b)
{
	size_t n = a->cb < b->cb ? a->cb : b->cb;
	int c = memcmp(a->b, b->b, n);
	return c ? sgn(c) : sgn((long long)a->cb - (long long)b->cb);
}

static bool bin_has_prefix(const tval *v, const tval *p)
{
	return p->cb <= v->cb && memcmp(v->b, p->b, p->cb) == 0;
}

/* ---- tests ------------------------------------------------------------ */

START_TEST(test_fixed_types_order)
{
	for (size_t ti = 0; ti < NELEM(fixed_types); ti++) {
		JET_COLTYP t = fixed_types[ti];
		for (int i = 0; i < 20000; i++) {
			tval a, b;
			key ka, kb, da, db;
			int want;

			rand_fixed(t, &a);
			if (rnd_below(8) == 0) {
				b = a;
			} else if (rnd_below(4) == 0) {
				/* One or two bytes off: every byte position gets to
				 * decide, and against every other position. */
				b = a;
				b.b[rnd_below((uint32_t)b.cb)] ^= (uint8_t)(1u << rnd_below(8));
				if (rnd_below(2))
					b.b[rnd_below((uint32_t)b.cb)] ^= (uint8_t)(1u << rnd_below(8));
			} else {
				rand_fixed(t, &b);
			}
			want = cmp_fixed(t, &a, &b);
			kinit(&ka), kinit(&kb), kinit(&da), kinit(&db);
			kadd(&ka, t, 0, false, a.b, a.cb, 0);
			kadd(&kb, t, 0, false, b.b, b.cb, 0);
			kadd(&da, t, 0, true, a.b, a.cb, 0);
			kadd(&db, t, 0, true, b.b, b.cb, 0);
			ck_assert_msg(kcmp(&ka, &kb) == want, "coltyp %lu iteration %d", t, i);
			ck_assert_int_eq(kcmp(&da, &db), -want);
			ck_assert_uint_eq(ka.cb, 1 + tsize(t));
			ck_assert_uint_le(ka.cb, key_segment_max(t, a.cb));
		}
	}
}
END_TEST

START_TEST(test_float_specials)
{
	/* The documented order, spelled out: NaN after +inf, -0 < +0. */
	static const double asc[] = {-INFINITY, -1e300, -1.0, -5e-324, -0.0, 0.0, 5e-324, 1.0, 1e300,
				     INFINITY, NAN};
	for (size_t i = 0; i + 1 < NELEM(asc); i++) {
		key a, b;
		float fa = (float)asc[i], fb = (float)asc[i + 1];

		kinit(&a), kinit(&b);
		kadd(&a, JET_coltypIEEEDouble, 0, false, &asc[i], 8, 0);
		kadd(&b, JET_coltypIEEEDouble, 0, false, &asc[i + 1], 8, 0);
		ck_assert_int_eq(kcmp(&a, &b), -1);
		kinit(&a), kinit(&b);
		kadd(&a, JET_coltypIEEESingle, 0, false, &fa, 4, 0);
		kadd(&b, JET_coltypIEEESingle, 0, false, &fb, 4, 0);
		ck_assert_int_le(kcmp(&a, &b), 0); /* 5e-324 and 1e300 collapse as floats */
	}
	{
		double n1 = NAN, n2 = -NAN;
		uint64_t bits = 0x7FF0000000000123ull;
		key a, b, c;
		memcpy(&n2, &bits, 8);
		kinit(&a), kinit(&b), kinit(&c);
		kadd(&a, JET_coltypDateTime, 0, false, &n1, 8, 0);
		kadd(&b, JET_coltypDateTime, 0, false, &n2, 8, 0);
		n2 = -NAN;
		kadd(&c, JET_coltypDateTime, 0, false, &n2, 8, 0);
		ck_assert_int_eq(kcmp(&a, &b), 0);
		ck_assert_int_eq(kcmp(&a, &c), 0);
	}
}
END_TEST

START_TEST(test_null_empty_value)
{
	static const JET_COLTYP types[] = {JET_coltypLong, JET_coltypText, JET_coltypBinary,
					   JET_coltypLongText, JET_coltypGUID, JET_coltypBit};
	for (size_t i = 0; i < NELEM(types); i++) {
		for (int desc = 0; desc < 2; desc++) {
			uint8_t zero[16] = {0};
			key kn, ke, ke2, kv;

			kinit(&kn), kinit(&ke), kinit(&ke2), kinit(&kv);
			kadd(&kn, types[i], 0, desc, NULL, 0, 0);
			kadd(&ke, types[i], 0, desc, NULL, 0, JET_bitKeyDataZeroLength);
			kadd(&ke2, types[i], 0, desc, zero, 0, 0);
			kadd(&kv, types[i], 0, desc, zero, tsize(types[i]) == 8 ? 4 : tsize(types[i]), 0);
			if (types[i] == JET_coltypText || types[i] == JET_coltypBinary ||
			    types[i] == JET_coltypLongText) {
				kinit(&kv);
				kadd(&kv, types[i], 0, desc, zero, 1, 0); /* the smallest value */
			}
			ck_assert_int_eq(kcmp(&ke, &ke2), 0);
			ck_assert_int_eq(kcmp(&kn, &ke), desc ? 1 : -1);
			ck_assert_int_eq(kcmp(&ke, &kv), desc ? 1 : -1);
		}
	}
}
END_TEST

START_TEST(test_binary_order)
{
	for (int i = 0; i < 100000; i++) {
		JET_COLTYP t = rnd_below(2) ? JET_coltypBinary : JET_coltypLongBinary;
		tval a, b;
		key ka, kb, da, db;
		int want;

		rand_bin(&a, 20);
		if (rnd_below(4) == 0) { /* an extension of a, or a prefix of it */
			b = a;
			if (rnd_below(2) && b.cb)
				b.cb = rnd_below((uint32_t)b.cb);
			else
				for (size_t k = rnd_below(12); k > 0; k--)
					b.b[b.cb++] = (uint8_t)rnd_below(2);
		} else {
			rand_bin(&b, 20);
		}
		want = cmp_bin(&a, &b);
		kinit(&ka), kinit(&kb), kinit(&da), kinit(&db);
		kadd(&ka, t, 0, false, a.b, a.cb, JET_bitKeyDataZeroLength);
		kadd(&kb, t, 0, false, b.b, b.cb, JET_bitKeyDataZeroLength);
		kadd(&da, t, 0, true, a.b, a.cb, JET_bitKeyDataZeroLength);
		kadd(&db, t, 0, true, b.b, b.cb, JET_bitKeyDataZeroLength);
		ck_assert_int_eq(kcmp(&ka, &kb), want);
		ck_assert_int_eq(kcmp(&da, &db), -want);
		ck_assert_uint_le(ka.cb, key_segment_max(t, a.cb));
	}
}
END_TEST

START_TEST(test_text_order)
{
	for (int i = 0; i < 100000; i++) {
		JET_COLTYP t = rnd_below(2) ? JET_coltypText : JET_coltypLongText;
		text a, b;
		uint8_t ua[200], ub[200], wa[200], wb[200];
		size_t cua, cub, cwa, cwb;
		key ka, kb, wka, wkb;
		int want;

		rand_text(&a, 14);
		rand_text(&b, 14);
		if (rnd_below(4) == 0) { /* the same text in other case */
			b = a;
			for (size_t k = 0; k < b.n; k++)
				if (b.cp[k] >= 'a' && b.cp[k] <= 'z' && rnd_below(2))
					b.cp[k] -= 0x20;
		}
		want = cmp_text(&a, &b);
		cua = to_utf8(&a, ua), cub = to_utf8(&b, ub);
		cwa = to_utf16(&a, wa), cwb = to_utf16(&b, wb);
		kinit(&ka), kinit(&kb), kinit(&wka), kinit(&wkb);
		kadd(&ka, t, 65001, false, ua, cua, JET_bitKeyDataZeroLength);
		kadd(&kb, t, 0, false, ub, cub, JET_bitKeyDataZeroLength);
		kadd(&wka, t, 1200, false, wa, cwa, JET_bitKeyDataZeroLength);
		kadd(&wkb, t, 1200, false, wb, cwb, JET_bitKeyDataZeroLength);
		ck_assert_int_eq(kcmp(&ka, &kb), want);
		/* UTF-16 input gives the very same key. */
		ck_assert_int_eq(kcmp(&ka, &wka), 0);
		ck_assert_int_eq(kcmp(&kb, &wkb), 0);
		ck_assert_uint_le(ka.cb, key_segment_max(t, cua));
		ck_assert_uint_le(wka.cb, key_segment_max(t, cwa));
	}
}
END_TEST

START_TEST(test_fold_text)
{
	const char *in = "ABCxyz\xC3\x80\xC3\x89\xC3\x8E\xC3\x95\xC3\x9C\xC3\x97\xC3\x9E\xC3\x9F\xC3\xBF"
			 "\xCE\x91\xC3\xC3\x81\xFF\xC3";
	const char *want = "abcxyz\xC3\xA0\xC3\xA9\xC3\xAE\xC3\xB5\xC3\xBC\xC3\x97\xC3\xBE\xC3\x9F\xC3\xBF"
			   "\xCE\x91\xC3\xC3\xA1\xFF\xC3";
	uint8_t out[64];
	size_t n = strlen(in);

	ck_assert_uint_eq(key_fold_text((const uint8_t *)in, n, out, sizeof(out)), n);
	ck_assert(memcmp(out, want, n) == 0);
	/* A short buffer gets the beginning. */
	memset(out, 0, sizeof(out));
	ck_assert_uint_eq(key_fold_text((const uint8_t *)in, n, out, 7), n);
	ck_assert(memcmp(out, want, 7) == 0);
	ck_assert_uint_eq(out[7], 0);
	/* Invalid UTF-8 keeps its bytes in the key; folded text keys equal. */
	{
		key a, b;
		kinit(&a), kinit(&b);
		kadd(&a, JET_coltypText, 0, false, in, n, 0);
		kadd(&b, JET_coltypText, 0, false, want, n, 0);
		ck_assert_int_eq(kcmp(&a, &b), 0);
	}
}
END_TEST

/* A random index: up to 4 segments of random types and directions. */
typedef struct seg {
	JET_COLTYP t;
	bool desc;
	bool null;
	tval v;
} seg;

static int cmp_seg(const seg *a, const seg *b)
{
	int c;
	if (a->null || b->null)
		c = (int)b->null - (int)a->null;
	else if (a->t == JET_coltypBinary)
		c = cmp_bin(&a->v, &b->v);
	else
		c = cmp_fixed(a->t, &a->v, &b->v);
	return a->desc ? -c : c;
}

static void rand_seg(seg *s, JET_COLTYP t, bool desc)
{
	s->t = t;
	s->desc = desc;
	s->null = rnd_below(6) == 0;
	if (t == JET_coltypBinary)
		rand_bin(&s->v, 12);
	else
		rand_fixed(t, &s->v);
	if (t == JET_coltypBinary && rnd_below(3) == 0)
		s->v.cb = rnd_below(2); /* many equal short values */
}

static void key_of(key *k, const seg *s, int n)
{
	kinit(k);
	for (int i = 0; i < n; i++)
		kadd(k, s[i].t, 0, s[i].desc, s[i].null ? NULL : s[i].v.b, s[i].null ? 0 : s[i].v.cb,
		     s[i].null ? 0 : JET_bitKeyDataZeroLength);
}

START_TEST(test_multi_segment)
{
	static const JET_COLTYP types[] = {JET_coltypBinary, JET_coltypShort, JET_coltypBit,
					   JET_coltypIEEEDouble, JET_coltypBinary};
	for (int round = 0; round < 2000; round++) {
		int nseg = 1 + (int)rnd_below(4);
		JET_COLTYP t[4];
		bool desc[4];

		for (int i = 0; i < nseg; i++) {
			t[i] = types[rnd_below(NELEM(types))];
			desc[i] = rnd_below(2);
		}
		for (int i = 0; i < 50; i++) {
			seg a[4], b[4];
			key ka, kb;
			int want = 0;

			for (int s = 0; s < nseg; s++) {
				rand_seg(&a[s], t[s], desc[s]);
				if (rnd_below(2))
					b[s] = a[s];
				else
					rand_seg(&b[s], t[s], desc[s]);
			}
			for (int s = 0; s < nseg && !want; s++)
				want = cmp_seg(&a[s], &b[s]);
			key_of(&ka, a, nseg);
			key_of(&kb, b, nseg);
			ck_assert_int_eq(kcmp(&ka, &kb), want);
		}
	}
}
END_TEST

START_TEST(test_truncation)
{
	for (int i = 0; i < 20000; i++) {
		tval a;
		key full;
		uint8_t out[KMAX];
		size_t cbMax, cb = 0;
		bool trunc = false;
		int32_t v = (int32_t)rnd();
		bool desc = rnd_below(2);

		rand_bin(&a, 60);
		kinit(&full);
		kadd(&full, JET_coltypLong, 0, false, &v, 4, 0);
		kadd(&full, JET_coltypLongBinary, 0, desc, a.b, a.cb, JET_bitKeyDataZeroLength);
		cbMax = rnd_below((uint32_t)full.cb + 3);
		ck_assert_int_eq(key_append_segment(JET_coltypLong, 0, false, &v, 4, 0, out, cbMax, &cb, &trunc),
				 JET_errSuccess);
		ck_assert_int_eq(key_append_segment(JET_coltypLongBinary, 0, desc, a.b, a.cb,
						    JET_bitKeyDataZeroLength, out, cbMax, &cb, &trunc),
				 JET_errSuccess);
		ck_assert_uint_eq(cb, full.cb < cbMax ? full.cb : cbMax);
		ck_assert(trunc == (full.cb > cbMax));
		ck_assert(memcmp(out, full.b, cb) == 0);
	}
}
END_TEST

START_TEST(test_bad_input)
{
	uint8_t out[64], v[16] = {0};
	size_t cb = 0;
	bool trunc = false;

	ck_assert_int_eq(key_append_segment(JET_coltypLong, 0, false, v, 3, 0, out, 64, &cb, &trunc),
			 JET_errInvalidBufferSize);
	ck_assert_int_eq(key_append_segment(JET_coltypGUID, 0, false, v, 8, 0, out, 64, &cb, &trunc),
			 JET_errInvalidBufferSize);
	ck_assert_int_eq(key_append_segment(JET_coltypText, 1200, false, v, 3, 0, out, 64, &cb, &trunc),
			 JET_errInvalidBufferSize);
	ck_assert_int_eq(key_append_segment(JET_coltypNil, 0, false, v, 3, 0, out, 64, &cb, &trunc),
			 JET_errInvalidColumnType);
	ck_assert_uint_eq(cb, 0);
	/* GUID order: the last six bytes decide first, Data1 last. */
	{
		uint8_t g1[16] = {0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
		uint8_t g2[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
		key a, b;
		kinit(&a), kinit(&b);
		kadd(&a, JET_coltypGUID, 0, false, g1, 16, 0);
		kadd(&b, JET_coltypGUID, 0, false, g2, 16, 0);
		ck_assert_int_eq(kcmp(&a, &b), -1);
	}
	/* Every pair of byte positions: the one earlier in ESE's order wins. */
	for (int i = 0; i < 16; i++) {
		for (int j = 0; j < 16; j++) {
			tval x = {.cb = 16}, y = {.cb = 16};
			key a, b;

			x.b[i] = 1;
			y.b[j] = 1;
			kinit(&a), kinit(&b);
			kadd(&a, JET_coltypGUID, 0, false, x.b, 16, 0);
			kadd(&b, JET_coltypGUID, 0, false, y.b, 16, 0);
			ck_assert_int_eq(kcmp(&a, &b), cmp_fixed(JET_coltypGUID, &x, &y));
		}
	}
}
END_TEST

/* A key limit is exactly around the keys that start with a value. */
static void check_limits(const key *start, const key *end, const key *prefix, const key *k,
			 bool inside)
{
	if (inside) {
		ck_assert_int_le(kcmp(start, k), 0);
		ck_assert_int_lt(kcmp(k, end), 0);
		ck_assert(k->cb >= prefix->cb && memcmp(k->b, prefix->b, prefix->cb) == 0);
	} else {
		ck_assert(kcmp(k, start) < 0 || kcmp(k, end) >= 0);
	}
}

START_TEST(test_end_limits)
{
	for (int i = 0; i < 50000; i++) {
		bool desc = rnd_below(2), fText = rnd_below(2);
		int16_t lead = (int16_t)rnd_below(3);
		int16_t leadB = rnd_below(4) ? lead : (int16_t)rnd_below(3);
		JET_GRBIT g = rnd_below(2) ? JET_bitSubStrLimit : JET_bitPartialColumnEndLimit;

		key start, end, kb, kfull, kfullEnd, kstart;
		bool inside, fullInside;
		int32_t tail = (int32_t)rnd();

		kinit(&start), kinit(&kb), kinit(&kfull), kinit(&kstart);
		kadd(&kstart, JET_coltypShort, 0, false, &lead, 2, 0);
		kadd(&start, JET_coltypShort, 0, false, &lead, 2, 0);
		kadd(&kb, JET_coltypShort, 0, false, &leadB, 2, 0);
		kadd(&kfull, JET_coltypShort, 0, false, &lead, 2, 0);
		if (fText) {
			text a, b;
			uint8_t ua[200], ub[200];
			size_t cua, cub;

			rand_text(&a, 1 + rnd_below(12));
			if (a.n == 0)
				a.n = 1;
			if (rnd_below(2)) { /* an extension, maybe in other case */
				b = a;
				for (size_t k = rnd_below(12); k > 0 && b.n < 40; k--)
					b.cp[b.n++] = cp_pool[rnd_below(NELEM(cp_pool))];
				for (size_t k = 0; k < b.n; k++)
					if (b.cp[k] >= 'a' && b.cp[k] <= 'z' && rnd_below(2))
						b.cp[k] -= 0x20;
			} else {
				rand_text(&b, 14);
			}
			cua = to_utf8(&a, ua), cub = to_utf8(&b, ub);
			kadd(&start, JET_coltypText, 0, desc, ua, cua, g);
			kadd(&kfull, JET_coltypText, 0, desc, ua, cua, 0);
			kadd(&kstart, JET_coltypText, 0, desc, ua, cua, JET_bitPartialColumnStartLimit);
			kadd(&kb, JET_coltypText, 0, desc, ub, cub, JET_bitKeyDataZeroLength);
			inside = leadB == lead && text_has_prefix(&b, &a);
			fullInside = leadB == lead && cmp_text(&a, &b) == 0;
		} else {
			tval a, b;

			rand_bin(&a, 1 + rnd_below(20));
			if (a.cb == 0)
				a.b[a.cb++] = 0;
			if (rnd_below(2)) {
				b = a;
				for (size_t k = rnd_below(20); k > 0; k--)
					b.b[b.cb++] = (uint8_t)(rnd_below(2) ? 0xFF : rnd());
			} else {
				rand_bin(&b, 20);
			}
			kadd(&start, JET_coltypBinary, 0, desc, a.b, a.cb, g);
			kadd(&kfull, JET_coltypBinary, 0, desc, a.b, a.cb, 0);
			kadd(&kstart, JET_coltypBinary, 0, desc, a.b, a.cb, JET_bitPartialColumnStartLimit);
			kadd(&kb, JET_coltypBinary, 0, desc, b.b, b.cb, JET_bitKeyDataZeroLength);
			inside = leadB == lead && bin_has_prefix(&b, &a);
			fullInside = leadB == lead && cmp_bin(&a, &b) == 0;
		}
		/* Whatever follows the column stays inside the limits. */
		if (rnd_below(2))
			kadd(&kb, JET_coltypLong, 0, rnd_below(2), &tail, 4, 0);

		/* Substring limits: the start form up to past the end form;
		 * every key inside begins with the shorter (prefix) form. */
		end = start;
		end.cb = key_make_end_limit(end.b, end.cb, KMAX);
		check_limits(&kstart, &end, kstart.cb < start.cb ? &kstart : &start, &kb, inside);
		/* Full-column limits (StrLimit): the whole value, any tail. */
		kfullEnd = kfull;
		kfullEnd.cb = key_make_end_limit(kfullEnd.b, kfullEnd.cb, KMAX);
		check_limits(&kfull, &kfullEnd, &kfull, &kb, fullInside);
	}
}
END_TEST

START_TEST(test_end_limit_bytes)
{
	uint8_t k[8] = {0x7F, 0x41, 0xFF, 0xFF};
	uint8_t all[4] = {0xFF, 0xFF, 0, 0};

	ck_assert_uint_eq(key_make_end_limit(k, 4, 8), 2);
	ck_assert_uint_eq(k[0], 0x7F);
	ck_assert_uint_eq(k[1], 0x42);
	ck_assert_uint_eq(key_make_end_limit(all, 2, 4), 4);
	ck_assert_uint_eq(all[2], 0xFF);
	ck_assert_uint_eq(all[3], 0xFF);
}
END_TEST

static Suite *key_suite(void)
{
	Suite *s = suite_create("key");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_fixed_types_order);
	tcase_add_test(tc, test_float_specials);
	tcase_add_test(tc, test_null_empty_value);
	tcase_add_test(tc, test_binary_order);
	tcase_add_test(tc, test_text_order);
	tcase_add_test(tc, test_fold_text);
	tcase_add_test(tc, test_multi_segment);
	tcase_add_test(tc, test_truncation);
	tcase_add_test(tc, test_bad_input);
	tcase_add_test(tc, test_end_limits);
	tcase_add_test(tc, test_end_limit_bytes);
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
	printf("test_key: seed %#" PRIx64 " (JET_TEST_SEED overrides)\n", g_seed);
	sr = srunner_create(key_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
