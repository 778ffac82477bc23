/*
 * test_csv.c - the CSV codec: every column type round-trips bit for bit
 * through its text (random values and the extremes), renderings are the
 * documented ones, the writer's lengths equal its bytes, quoting is the
 * minimal RFC 4180 one, the parser gives the same rows however the input
 * is split, and malformed input fails with the right reason and line.
 *
 * Seeded: the seed is printed; JET_TEST_SEED overrides it.
 */
#include <check.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "jet_common.h"

static uint64_t g_seed = 0x6373765f74657374ull;
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

static void seed_test(unsigned salt)
{
	g_rng = g_seed ^ ((uint64_t)salt * 0x9E3779B97F4A7C15ull);
}

/* ------------------------------------------------------------------ */
/* Helpers                                                            */
/* ------------------------------------------------------------------ */

static char g_txt[1 << 16];

/* Render one value; returns a NUL-terminated copy in g_txt. */
static const char *render(JET_COLTYP t, unsigned cp, const void *pv, size_t cb, size_t *plen)
{
	csv_buf b;
	csv_buf_init(&b);
	ck_assert_int_eq(csv_render_value(t, cp, pv, cb, &b), JET_errSuccess);
	ck_assert_uint_lt(b.len, sizeof(g_txt));
	if (b.len)
		memcpy(g_txt, b.p, b.len);
	g_txt[b.len] = 0;
	if (plen)
		*plen = b.len;
	csv_buf_free(&b);
	return g_txt;
}

static void hexdump(char *o, size_t cbo, const void *pv, size_t cb)
{
	const uint8_t *p = pv;
	size_t i, n = 0;
	for (i = 0; i < cb && n + 3 < cbo; i++)
		n += (size_t)snprintf(o + n, cbo - n, "%02x", p[i]);
	o[n] = 0;
}

/* render -> parse must give the bytes back; render again the same text. */
static void roundtrip(JET_COLTYP t, unsigned cp, const void *pv, size_t cb)
{
	csv_buf text, back, again;
	const char *why = NULL;
	char hx[512];
	JET_ERR err;

	csv_buf_init(&text);
	csv_buf_init(&back);
	csv_buf_init(&again);
	ck_assert_int_eq(csv_render_value(t, cp, pv, cb, &text), JET_errSuccess);
	err = csv_parse_value(t, cp, text.p, text.len, &back, &why);
	hexdump(hx, sizeof(hx), pv, cb);
	ck_assert_msg(err == JET_errSuccess,
		      "coltyp %lu cp %u value %s: text '%.*s' does not parse: %s", (unsigned long)t,
		      cp, hx, (int)JET_MIN(text.len, 200), text.p ? text.p : "", why ? why : "?");
	ck_assert_msg(back.len == cb && (cb == 0 || memcmp(back.p, pv, cb) == 0),
		      "coltyp %lu cp %u value %s: text '%.*s' parses to other bytes",
		      (unsigned long)t, cp, hx, (int)JET_MIN(text.len, 200), text.p ? text.p : "");
	ck_assert_int_eq(csv_render_value(t, cp, back.p, back.len, &again), JET_errSuccess);
	ck_assert(again.len == text.len &&
		  (text.len == 0 || memcmp(again.p, text.p, text.len) == 0));
	csv_buf_free(&text);
	csv_buf_free(&back);
	csv_buf_free(&again);
}

static void expect_render(JET_COLTYP t, unsigned cp, const void *pv, size_t cb, const char *want)
{
	size_t n;
	const char *got = render(t, cp, pv, cb, &n);
	ck_assert_msg(n == strlen(want) && memcmp(got, want, n) == 0,
		      "coltyp %lu: rendered '%s', expected '%s'", (unsigned long)t, got, want);
	roundtrip(t, cp, pv, cb);
}

/* Parse text; expect success and these bytes. */
static void expect_parse(JET_COLTYP t, unsigned cp, const char *text, const void *want, size_t cb)
{
	csv_buf b;
	const char *why = NULL;
	JET_ERR err;

	csv_buf_init(&b);
	err = csv_parse_value(t, cp, text, strlen(text), &b, &why);
	ck_assert_msg(err == JET_errSuccess, "coltyp %lu: '%s' fails: %s", (unsigned long)t, text,
		      why ? why : "?");
	ck_assert_msg(b.len == cb && (cb == 0 || memcmp(b.p, want, cb) == 0),
		      "coltyp %lu: '%s' parses wrong", (unsigned long)t, text);
	csv_buf_free(&b);
}

static void expect_bad(JET_COLTYP t, unsigned cp, const char *text, JET_ERR want)
{
	csv_buf b;
	const char *why = NULL;
	JET_ERR err;

	csv_buf_init(&b);
	err = csv_parse_value(t, cp, text, strlen(text), &b, &why);
	ck_assert_msg(err == want, "coltyp %lu: '%s' gives %ld, expected %ld", (unsigned long)t,
		      text, (long)err, (long)want);
	ck_assert(why && *why);
	ck_assert_uint_eq(b.len, 0);
	csv_buf_free(&b);
}

/* ------------------------------------------------------------------ */
/* Random values                                                      */
/* ------------------------------------------------------------------ */

static const JET_COLTYP all_types[] = {
    JET_coltypBit,           JET_coltypUnsignedByte,     JET_coltypShort,
    JET_coltypLong,          JET_coltypCurrency,         JET_coltypIEEESingle,
    JET_coltypIEEEDouble,    JET_coltypDateTime,         JET_coltypBinary,
    JET_coltypText,          JET_coltypLongBinary,       JET_coltypLongText,
    JET_coltypUnsignedLong,  JET_coltypLongLong,         JET_coltypGUID,
    JET_coltypUnsignedShort, JET_coltypUnsignedLongLong,
};
#define NTYPES (sizeof(all_types) / sizeof(all_types[0]))

static const unsigned text_cps[] = {0, 1252, 1200, 65001, 20127};

static size_t fixed_size(JET_COLTYP t)
{
	switch (t) {
	case JET_coltypBit:
	case JET_coltypUnsignedByte:
		return 1;
	case JET_coltypShort:
	case JET_coltypUnsignedShort:
		return 2;
	case JET_coltypLong:
	case JET_coltypUnsignedLong:
	case JET_coltypIEEESingle:
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

static double rnd_double(void)
{
	static const double special[] = {0.0,
					 -0.0,
					 1.0,
					 -1.0,
					 0.1,
					 1e300,
					 -1e-300,
					 4.9e-324,
					 2.2250738585072009e-308,
					 1.7976931348623157e308,
					 123456789.123456789,
					 1.0 / 3.0};
	uint64_t u;
	switch (rnd_below(6)) {
	case 0:
		return special[rnd_below(sizeof(special) / sizeof(special[0]))];
	case 1:
		return (rnd_below(2) ? -1.0 : 1.0) * INFINITY;
	case 2:
		u = 0x7FF0000000000000ull | (rnd() & 0x800FFFFFFFFFFFFFull);
		if ((u & 0x000FFFFFFFFFFFFFull) == 0)
			u |= 1;
		if (rnd_below(3) == 0)
			u = 0x7FF8000000000000ull;
		{
			double d;
			memcpy(&d, &u, 8);
			return d;
		}
	case 3: /* denormal */
	{
		double d;
		u = (rnd() & 0x800FFFFFFFFFFFFFull);
		memcpy(&d, &u, 8);
		return d;
	}
	case 4:
		return (double)(int64_t)rnd() / (double)(1 + rnd_below(100000));
	default: {
		double d;
		u = rnd();
		memcpy(&d, &u, 8);
		return d;
	}
	}
}

static float rnd_single(void)
{
	uint32_t u;
	float f;
	switch (rnd_below(5)) {
	case 0:
		return (float)rnd_double();
	case 1:
		u = 0x7F800000u | (uint32_t)(rnd() & 0x807FFFFFu);
		if ((u & 0x7FFFFFu) == 0)
			u |= 0x400000;
		break;
	case 2:
		u = (uint32_t)(rnd() & 0x807FFFFFu); /* denormal or zero */
		break;
	case 3:
		return (float)((double)(int32_t)rnd() / 1000.0);
	default:
		u = (uint32_t)rnd();
	}
	memcpy(&f, &u, 4);
	return f;
}

static double rnd_date(void)
{
	static const double edges[] = {-657434.0, -657434.99999999988,
				       2958465.0, 2958465.9999999998,
				       -657435.0, 2958466.0,
				       0.0,       -0.0,
				       -0.5,      0.5,
				       -1.25,     1e-300,
				       36526.0,   45123.520833333336,
				       -1.0,      1.0};
	double d;
	uint64_t u;
	switch (rnd_below(6)) {
	case 0:
		return edges[rnd_below(sizeof(edges) / sizeof(edges[0]))];
	case 1: /* whole seconds */
		return (double)((int64_t)rnd_below(3615900) - 657434) +
		       (double)rnd_below(86400) / 86400.0;
	case 2:
		return (double)((int64_t)rnd_below(3615900) - 657434);
	case 3:
		u = rnd();
		memcpy(&d, &u, 8);
		return d;
	default:
		return ((double)rnd() / 18446744073709551616.0) * 3615900.0 - 657434.0;
	}
}

/* Bytes for text: separators, quotes, line ends, UTF-8, invalid UTF-8, NUL. */
static size_t rnd_text_bytes(uint8_t *o, size_t max)
{
	static const char *const pieces[] = {
	    ",",    "\"", "\r", "\n",   "\r\n", " ",    "{",    "}",    "\\",           "a",
	    "Z",    "0",  "é",  "日本", "😀",    "\x80", "\xff", "\xc3", "\xed\xa0\x80", "NULL",
	    "null", "\t", "x,y"};
	size_t n = 0, k = rnd_below(12), i;
	if (rnd_below(8) == 0)
		return 0;
	for (i = 0; i < k; i++) {
		const char *p = pieces[rnd_below(sizeof(pieces) / sizeof(pieces[0]))];
		size_t l = strlen(p);
		if (rnd_below(10) == 0) {
			p = "\0";
			l = 1;
		}
		if (n + l > max)
			break;
		memcpy(o + n, p, l);
		n += l;
	}
	return n;
}

static size_t rnd_value(JET_COLTYP t, unsigned cp, uint8_t *o, size_t max)
{
	size_t fs = fixed_size(t), n, i;
	uint64_t u;

	switch (t) {
	case JET_coltypBit:
		o[0] = rnd_below(4) == 0 ? (uint8_t)rnd() : rnd_below(2) ? 0xFF : 0x00;
		return 1;
	case JET_coltypIEEESingle: {
		float f = rnd_single();
		memcpy(o, &f, 4);
		return 4;
	}
	case JET_coltypIEEEDouble: {
		double d = rnd_double();
		memcpy(o, &d, 8);
		return 8;
	}
	case JET_coltypDateTime: {
		double d = rnd_date();
		memcpy(o, &d, 8);
		return 8;
	}
	case JET_coltypBinary:
	case JET_coltypLongBinary:
		n = rnd_below(t == JET_coltypBinary ? 256 : rnd_below(4) ? 40 : 3000);
		if (n > max)
			n = max;
		for (i = 0; i < n; i++)
			o[i] = (uint8_t)rnd();
		return n;
	case JET_coltypText:
	case JET_coltypLongText:
		max = t == JET_coltypText ? JET_MIN(max, 255) : max;
		if (cp == 1200) {
			n = rnd_below(40);
			for (i = 0; i + 1 < n && i + 1 < max; i += 2) {
				uint16_t c;
				switch (rnd_below(6)) {
				case 0:
					c = (uint16_t)(0xD800 + rnd_below(0x800)); /* surrogates */
					break;
				case 1:
					c = (uint16_t) ",\"\r\n {}\\"[rnd_below(8)];
					break;
				case 2:
					c = (uint16_t)rnd();
					break;
				default:
					c = (uint16_t)(0x20 + rnd_below(0x60));
				}
				if (rnd_below(8) == 0 && i + 3 < max) { /* a valid pair */
					put_le16(o + i, (uint16_t)(0xD800 + rnd_below(0x400)));
					i += 2;
					c = (uint16_t)(0xDC00 + rnd_below(0x400));
				}
				put_le16(o + i, c);
			}
			if (rnd_below(6) == 0 && i < max)
				o[i++] = (uint8_t)rnd(); /* odd byte count */
			return i;
		}
		if (cp == 0 || cp == 1252) {
			n = rnd_below(30);
			for (i = 0; i < n && i < max; i++)
				o[i] = rnd_below(2) ? (uint8_t)rnd()
						    : (uint8_t) ",\"\r\n a{}\\"[rnd_below(9)];
			return i;
		}
		return rnd_text_bytes(o, max);
	default:
		u = rnd();
		if (rnd_below(5) == 0) {
			/* extremes: all-zero, all-one, sign bit only, max positive */
			unsigned top = fs >= 8 ? 63 : (unsigned)fs * 8 - 1;
			uint64_t ex[] = {0,          ~0ull,       1ull << 63,
					 ~0ull >> 1, 1ull << top, (1ull << top) - 1};
			u = ex[rnd_below(6)];
		}
		for (i = 0; i < fs; i++) {
			o[i] = (uint8_t)(u >> (8 * (i % 8)));
			if (i % 8 == 7)
				u = rnd();
		}
		return fs;
	}
}

/* ------------------------------------------------------------------ */
/* Values                                                             */
/* ------------------------------------------------------------------ */

START_TEST(test_roundtrip_random)
{
	static uint8_t v[4096];
	unsigned i, k;

	seed_test(1);
	for (k = 0; k < NTYPES; k++) {
		JET_COLTYP t = all_types[k];
		for (i = 0; i < 3000; i++) {
			unsigned cp = (t == JET_coltypText || t == JET_coltypLongText)
					  ? text_cps[rnd_below(5)]
					  : 0;
			size_t cb = rnd_value(t, cp, v, sizeof(v));
			roundtrip(t, cp, v, cb);
		}
	}
}
END_TEST

START_TEST(test_integers)
{
	uint8_t b[8];

	b[0] = 0xFF;
	expect_render(JET_coltypUnsignedByte, 0, b, 1, "255");
	put_le16(b, 0x8000);
	expect_render(JET_coltypShort, 0, b, 2, "-32768");
	expect_render(JET_coltypUnsignedShort, 0, b, 2, "32768");
	put_le32(b, 0x80000000u);
	expect_render(JET_coltypLong, 0, b, 4, "-2147483648");
	expect_render(JET_coltypUnsignedLong, 0, b, 4, "2147483648");
	put_le64(b, 1ull << 63);
	expect_render(JET_coltypLongLong, 0, b, 8, "-9223372036854775808");
	expect_render(JET_coltypUnsignedLongLong, 0, b, 8, "9223372036854775808");
	put_le64(b, ~0ull);
	expect_render(JET_coltypUnsignedLongLong, 0, b, 8, "18446744073709551615");
	expect_render(JET_coltypLongLong, 0, b, 8, "-1");

	put_le32(b, 42);
	expect_parse(JET_coltypLong, 0, "+42", b, 4);
	expect_parse(JET_coltypLong, 0, "00042", b, 4);
	put_le32(b, 0);
	expect_parse(JET_coltypUnsignedLong, 0, "-0", b, 4);
	put_le64(b, 1ull << 63);
	expect_parse(JET_coltypLongLong, 0, "-9223372036854775808", b, 8);

	expect_bad(JET_coltypUnsignedByte, 0, "256", JET_errInvalidParameter);
	expect_bad(JET_coltypUnsignedByte, 0, "-1", JET_errInvalidParameter);
	expect_bad(JET_coltypShort, 0, "32768", JET_errInvalidParameter);
	expect_bad(JET_coltypShort, 0, "-32769", JET_errInvalidParameter);
	expect_bad(JET_coltypLong, 0, "2147483648", JET_errInvalidParameter);
	expect_bad(JET_coltypLongLong, 0, "9223372036854775808", JET_errInvalidParameter);
	expect_bad(JET_coltypLongLong, 0, "-9223372036854775809", JET_errInvalidParameter);
	expect_bad(JET_coltypUnsignedLongLong, 0, "18446744073709551616", JET_errInvalidParameter);
	expect_bad(JET_coltypUnsignedLongLong, 0, "99999999999999999999999",
		   JET_errInvalidParameter);
	expect_bad(JET_coltypLong, 0, "12a", JET_errInvalidParameter);
	expect_bad(JET_coltypLong, 0, " 12", JET_errInvalidParameter);
	expect_bad(JET_coltypLong, 0, "1.0", JET_errInvalidParameter);
	expect_bad(JET_coltypLong, 0, "-", JET_errInvalidParameter);
	expect_bad(JET_coltypLong, 0, "", JET_errInvalidParameter);
	expect_bad(JET_coltypLong, 0, "0x10", JET_errInvalidParameter);
}
END_TEST

START_TEST(test_bit_currency)
{
	uint8_t b[8];

	b[0] = 0;
	expect_render(JET_coltypBit, 0, b, 1, "0");
	b[0] = 0xFF;
	expect_render(JET_coltypBit, 0, b, 1, "1");
	b[0] = 0x01;
	expect_render(JET_coltypBit, 0, b, 1, "\\x01");
	b[0] = 0xFF;
	expect_parse(JET_coltypBit, 0, "TRUE", b, 1);
	expect_parse(JET_coltypBit, 0, "yes", b, 1);
	b[0] = 0;
	expect_parse(JET_coltypBit, 0, "false", b, 1);
	expect_parse(JET_coltypBit, 0, "No", b, 1);
	expect_bad(JET_coltypBit, 0, "2", JET_errInvalidParameter);
	expect_bad(JET_coltypBit, 0, "", JET_errInvalidParameter);

	put_le64(b, (uint64_t)-123400);
	expect_render(JET_coltypCurrency, 0, b, 8, "-12.3400");
	expect_parse(JET_coltypCurrency, 0, "-12.34", b, 8);
	expect_parse(JET_coltypCurrency, 0, "-12.340000", b, 8);
	put_le64(b, 0);
	expect_render(JET_coltypCurrency, 0, b, 8, "0.0000");
	expect_parse(JET_coltypCurrency, 0, "-0", b, 8);
	put_le64(b, 5);
	expect_render(JET_coltypCurrency, 0, b, 8, "0.0005");
	expect_parse(JET_coltypCurrency, 0, ".0005", b, 8);
	put_le64(b, 1ull << 63);
	expect_render(JET_coltypCurrency, 0, b, 8, "-922337203685477.5808");
	put_le64(b, ~0ull >> 1);
	expect_render(JET_coltypCurrency, 0, b, 8, "922337203685477.5807");
	expect_bad(JET_coltypCurrency, 0, "922337203685477.5808", JET_errInvalidParameter);
	expect_bad(JET_coltypCurrency, 0, "1.00001", JET_errInvalidParameter);
	expect_bad(JET_coltypCurrency, 0, "1.2.3", JET_errInvalidParameter);
	expect_bad(JET_coltypCurrency, 0, "$1", JET_errInvalidParameter);
	expect_bad(JET_coltypCurrency, 0, ".", JET_errInvalidParameter);
}
END_TEST

static void double_is(double d, const char *want)
{
	uint8_t b[8];
	put_le64(b, 0);
	memcpy(b, &d, 8);
	expect_render(JET_coltypIEEEDouble, 0, b, 8, want);
}

static void single_is(float f, const char *want)
{
	uint8_t b[4];
	memcpy(b, &f, 4);
	expect_render(JET_coltypIEEESingle, 0, b, 4, want);
}

START_TEST(test_floats)
{
	uint64_t u;
	uint32_t w;
	double d;
	float f;
	uint8_t b[8];

	double_is(0.0, "0");
	double_is(-0.0, "-0");
	double_is(0.1, "0.1");
	double_is(1.0 / 3.0, "0.3333333333333333");
	double_is(1e300, "1e+300");
	double_is(4.9406564584124654e-324, "5e-324");
	double_is(1.7976931348623157e308, "1.7976931348623157e+308");
	double_is(INFINITY, "inf");
	double_is(-INFINITY, "-inf");
	u = 0x7FF8000000000000ull;
	memcpy(&d, &u, 8);
	double_is(d, "nan");
	u = 0xFFF8000000000000ull;
	memcpy(&d, &u, 8);
	double_is(d, "nan(0xfff8000000000000)");
	u = 0x7FF0000000000001ull;
	memcpy(&d, &u, 8);
	double_is(d, "nan(0x7ff0000000000001)");
	single_is(0.1f, "0.1");
	single_is(-0.0f, "-0");
	single_is(16777216.0f, "16777216");
	single_is(1.4e-45f, "1e-45");
	w = 0x7FC00000u;
	memcpy(&f, &w, 4);
	single_is(f, "nan");
	w = 0x7F800001u;
	memcpy(&f, &w, 4);
	single_is(f, "nan(0x7f800001)");

	u = 0xFFF8000000000000ull;
	memcpy(b, &u, 8);
	expect_parse(JET_coltypIEEEDouble, 0, "-NaN", b, 8);
	d = INFINITY;
	memcpy(b, &d, 8);
	expect_parse(JET_coltypIEEEDouble, 0, "Infinity", b, 8);
	d = 1e-320; /* denormal: accepted although strtod says ERANGE */
	memcpy(b, &d, 8);
	expect_parse(JET_coltypIEEEDouble, 0, "1e-320", b, 8);
	expect_bad(JET_coltypIEEEDouble, 0, "1e999", JET_errInvalidParameter);
	expect_bad(JET_coltypIEEESingle, 0, "1e39", JET_errInvalidParameter);
	expect_bad(JET_coltypIEEEDouble, 0, "0x1p3", JET_errInvalidParameter);
	expect_bad(JET_coltypIEEEDouble, 0, " 1", JET_errInvalidParameter);
	expect_bad(JET_coltypIEEEDouble, 0, "1e", JET_errInvalidParameter);
	expect_bad(JET_coltypIEEEDouble, 0, "nan(0x7ff0000000000000)", JET_errInvalidParameter);
	expect_bad(JET_coltypIEEEDouble, 0, "nan(0x1)", JET_errInvalidParameter);
	expect_bad(JET_coltypIEEEDouble, 0, "abc", JET_errInvalidParameter);
}
END_TEST

static void date_is(double d, const char *want)
{
	uint8_t b[8];
	memcpy(b, &d, 8);
	expect_render(JET_coltypDateTime, 0, b, 8, want);
}

static void date_parses(const char *text, double want)
{
	uint8_t b[8];
	memcpy(b, &want, 8);
	expect_parse(JET_coltypDateTime, 0, text, b, 8);
}

START_TEST(test_dates)
{
	uint8_t b[16];
	unsigned i;

	date_is(0.0, "1899-12-30T00:00:00");
	date_is(36526.0, "2000-01-01T00:00:00");
	date_is(36526.5, "2000-01-01T12:00:00");
	date_is(-1.25, "1899-12-29T06:00:00");
	date_is(2.0 + 1.0 / 86400.0 / 10.0, "1900-01-01T00:00:00.1");
	date_is(-657434.0, "0100-01-01T00:00:00");
	date_is(2958465.0, "9999-12-31T00:00:00");
	date_is(-0.5, "@-0.5"); /* same ISO text as +0.5: only the raw form is exact */
	date_is(0.5, "1899-12-30T12:00:00");
	date_is(-0.0, "@-0");
	date_is(-657435.0, "@-657435");
	date_is(2958466.0, "@2958466");
	date_is(1e-300, "@1e-300");
	date_is(NAN, "@nan");
	date_is(INFINITY, "@inf");

	date_parses("2000-01-01", 36526.0);
	date_parses("2000-01-01 12:00", 36526.5);
	date_parses("2000-01-01T12:00:00.000", 36526.5);
	date_parses("@36526.5", 36526.5);
	date_parses("1899-12-29T06:00:00", -1.25);
	expect_bad(JET_coltypDateTime, 0, "2001-02-29", JET_errInvalidParameter);
	expect_bad(JET_coltypDateTime, 0, "2000-13-01", JET_errInvalidParameter);
	expect_bad(JET_coltypDateTime, 0, "2000-01-01T24:00:00", JET_errInvalidParameter);
	expect_bad(JET_coltypDateTime, 0, "2000-01-01T12:00:60", JET_errInvalidParameter);
	expect_bad(JET_coltypDateTime, 0, "0099-12-31", JET_errInvalidParameter);
	expect_bad(JET_coltypDateTime, 0, "2000-01-01T12:00:00.1234567891",
		   JET_errInvalidParameter);
	expect_bad(JET_coltypDateTime, 0, "2000-01-01T12:00:00Z", JET_errInvalidParameter);
	expect_bad(JET_coltypDateTime, 0, "2000-1-1", JET_errInvalidParameter);
	expect_bad(JET_coltypDateTime, 0, "@", JET_errInvalidParameter);

	/* random ISO texts: parse, render, parse give the same double */
	seed_test(2);
	for (i = 0; i < 20000; i++) {
		char t[64], t2[64];
		unsigned y = 100 + rnd_below(9900), mo = 1 + rnd_below(12), d = 1 + rnd_below(28);
		unsigned k = rnd_below(10);
		size_t n;
		csv_buf v;
		int len = snprintf(t, sizeof(t), "%04u-%02u-%02uT%02u:%02u:%02u", y, mo, d,
				   rnd_below(24), rnd_below(60), rnd_below(60));
		if (k)
			len += snprintf(t + len, sizeof(t) - (size_t)len, ".%0*u", (int)k,
					rnd_below(1000000000) % (unsigned)pow(10, k));
		csv_buf_init(&v);
		ck_assert_int_eq(csv_parse_value(JET_coltypDateTime, 0, t, (size_t)len, &v, NULL),
				 0);
		memcpy(b, v.p, 8);
		csv_buf_free(&v);
		roundtrip(JET_coltypDateTime, 0, b, 8);
		/* whole seconds and milliseconds always come back as ISO text */
		render(JET_coltypDateTime, 0, b, 8, &n);
		memcpy(t2, g_txt, n + 1);
		ck_assert_msg(t2[0] != '@' || k > 6, "'%s' renders as '%s'", t, t2);
		if (k <= 3) {
			/* the shortest form: the same text without trailing zeros */
			while (len > 19 && (t[len - 1] == '0' || t[len - 1] == '.'))
				t[--len] = 0;
			ck_assert_str_eq(t2, t);
		}
	}
}
END_TEST

START_TEST(test_guid_binary)
{
	static const uint8_t g[16] = {0x33, 0x22, 0x11, 0x00, 0x55, 0x44, 0x77, 0x66,
				      0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff};
	uint8_t all[256];
	unsigned i;

	expect_render(JET_coltypGUID, 0, g, 16, "00112233-4455-6677-8899-aabbccddeeff");
	expect_parse(JET_coltypGUID, 0, "{00112233-4455-6677-8899-AABBCCDDEEFF}", g, 16);
	expect_bad(JET_coltypGUID, 0, "00112233-4455-6677-8899-aabbccddeef",
		   JET_errInvalidParameter);
	expect_bad(JET_coltypGUID, 0, "00112233445566778899aabbccddeeff", JET_errInvalidParameter);
	expect_bad(JET_coltypGUID, 0, "{00112233-4455-6677-8899-aabbccddeefg}",
		   JET_errInvalidParameter);

	expect_render(JET_coltypBinary, 0, "\x00\xff\x10", 3, "\\x00ff10");
	expect_render(JET_coltypLongBinary, 0, "", 0, "");
	expect_parse(JET_coltypBinary, 0, "\\X00FF10", "\x00\xff\x10", 3);
	expect_parse(JET_coltypBinary, 0, "\\x", "", 0);
	for (i = 0; i < 256; i++)
		all[i] = (uint8_t)i;
	roundtrip(JET_coltypLongBinary, 0, all, 256);
	roundtrip(JET_coltypBinary, 0, all, 255);
	expect_bad(JET_coltypBinary, 0, "00ff", JET_errInvalidParameter);
	expect_bad(JET_coltypBinary, 0, "\\x0", JET_errInvalidParameter);
	expect_bad(JET_coltypBinary, 0, "\\x0g", JET_errInvalidParameter);
	{
		char big[2 + 2 * 256 + 1] = "\\x";
		memset(big + 2, 'a', 2 * 256);
		big[2 + 2 * 256] = 0;
		expect_bad(JET_coltypBinary, 0, big, JET_errColumnTooBig);
		big[2 + 2 * 255] = 0;
		expect_parse(JET_coltypBinary, 0, big, memset(all, 0xaa, 255), 255);
	}
}
END_TEST

START_TEST(test_text)
{
	uint8_t all[256], u16[8];
	unsigned i;

	/* cp 1252: every byte round-trips; the undefined five are C1 */
	for (i = 0; i < 256; i++)
		all[i] = (uint8_t)i;
	roundtrip(JET_coltypLongText, 1252, all, 256);
	roundtrip(JET_coltypLongText, 0, all, 256);
	expect_render(JET_coltypText, 1252, "\x80\x81\xe9", 3, "\xe2\x82\xac\xc2\x81\xc3\xa9");
	expect_bad(JET_coltypText, 1252, "\xe6\x97\xa5", JET_errInvalidParameter); /* not in 1252 */
	expect_bad(JET_coltypText, 1252, "\xff", JET_errInvalidParameter);         /* not UTF-8 */
	expect_bad(JET_coltypText, 1252, "\xc2\x80", JET_errInvalidParameter);     /* U+0080 */

	/* UTF-8 columns: bytes as they are, invalid UTF-8 included */
	expect_render(JET_coltypLongText, 65001, "a\xff,\"\n", 5, "a\xff,\"\n");
	expect_render(JET_coltypLongText, 65001, "", 0, "");

	/* cp 1200 */
	put_le16(u16, 0x00e9);
	put_le16(u16 + 2, 0xD83D);
	put_le16(u16 + 4, 0xDE00);
	expect_render(JET_coltypLongText, 1200, u16, 6, "\xc3\xa9\xf0\x9f\x98\x80");
	put_le16(u16, 0xD800); /* lone high surrogate, then 'a' */
	put_le16(u16 + 2, 'a');
	expect_render(JET_coltypLongText, 1200, u16, 4,
		      "\xed\xa0\x80"
		      "a");
	u16[4] = 'z'; /* odd byte count */
	expect_render(JET_coltypLongText, 1200, u16, 5,
		      "\xed\xa0\x80"
		      "a\xffz");
	put_le16(u16, 0xDC00); /* lone low, lone high */
	put_le16(u16 + 2, 0xD800);
	expect_render(JET_coltypLongText, 1200, u16, 4, "\xed\xb0\x80\xed\xa0\x80");
	expect_bad(JET_coltypLongText, 1200, "\xed\xa0\x80\xed\xb0\x80", JET_errInvalidParameter);
	expect_bad(JET_coltypLongText, 1200, "\xc0\x80", JET_errInvalidParameter);
	expect_bad(JET_coltypLongText, 1200, "\xff", JET_errInvalidParameter);
	expect_bad(JET_coltypLongText, 1200, "\xffxy", JET_errInvalidParameter);

	/* Text is at most 255 bytes, LongText is not */
	{
		char big[300];
		memset(big, 'a', 299);
		big[299] = 0;
		expect_bad(JET_coltypText, 65001, big, JET_errColumnTooBig);
		expect_parse(JET_coltypLongText, 65001, big, big, 299);
		big[128] = 0;
		expect_bad(JET_coltypText, 1200, big, JET_errColumnTooBig);
	}
}
END_TEST

START_TEST(test_wrong_sizes)
{
	csv_buf b;
	csv_buf_init(&b);
	ck_assert_int_eq(csv_render_value(JET_coltypLong, 0, "abc", 3, &b),
			 JET_errInvalidBufferSize);
	ck_assert_int_eq(csv_render_value(JET_coltypGUID, 0, "", 0, &b), JET_errInvalidBufferSize);
	ck_assert_int_eq(csv_render_value(13, 0, "", 0, &b), JET_errInvalidColumnType);
	ck_assert_int_eq(csv_render_value(0, 0, "", 0, &b), JET_errInvalidColumnType);
	ck_assert_int_eq(csv_parse_value(99, 0, "1", 1, &b, NULL), JET_errInvalidColumnType);
	ck_assert_uint_eq(b.len, 0);
	csv_buf_free(&b);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Writer                                                             */
/* ------------------------------------------------------------------ */

static void row_is(const csv_field *f, size_t n, const char *want)
{
	csv_buf b;
	size_t cb = 0;
	uint64_t len = 0;

	csv_buf_init(&b);
	ck_assert_int_eq(csv_write_row(&b, f, n, &cb), JET_errSuccess);
	ck_assert_int_eq(csv_row_length(f, n, &len), JET_errSuccess);
	ck_assert_uint_eq(cb, b.len);
	ck_assert_uint_eq(len, b.len);
	ck_assert_msg(b.len == strlen(want) && memcmp(b.p, want, b.len) == 0,
		      "row '%.*s', expected '%s'", (int)b.len, b.p, want);
	csv_buf_free(&b);
}

#define TXT(s)                                                                                     \
	{                                                                                          \
		s, sizeof(s) - 1                                                                   \
	}

START_TEST(test_quoting)
{
	csv_value v[] = {TXT("plain"), TXT("a,b"), TXT("say \"hi\""), TXT("l1\nl2"),
			 TXT("cr\r"),  TXT(""),    TXT(" sp "),       TXT("{x}")};
	csv_field f[9];
	unsigned i;

	for (i = 0; i < 8; i++) {
		f[i].coltyp = JET_coltypLongText;
		f[i].cp = 65001;
		f[i].multi = false;
		f[i].nvalues = 1;
		f[i].values = &v[i];
	}
	f[8] = f[0];
	f[8].nvalues = 0; /* NULL */
	row_is(f, 9, "plain,\"a,b\",\"say \"\"hi\"\"\",\"l1\nl2\",\"cr\r\",\"\", sp ,{x},\n");
	row_is(f + 8, 1, "\n");
	row_is(f + 5, 1, "\"\"\n");
	row_is(f, 0, "\n");

	{
		const char *names[] = {"id", "a,b", "q\"", ""};
		csv_buf b;
		uint64_t len;
		size_t cb;
		csv_buf_init(&b);
		ck_assert_int_eq(csv_write_header(&b, names, 4, &cb), 0);
		ck_assert_int_eq(csv_header_length(names, 4, &len), 0);
		ck_assert_uint_eq(cb, b.len);
		ck_assert_uint_eq(len, b.len);
		ck_assert(b.len == strlen("id,\"a,b\",\"q\"\"\",\"\"\n") &&
			  memcmp(b.p, "id,\"a,b\",\"q\"\"\",\"\"\n", b.len) == 0);
		csv_buf_free(&b);
	}
}
END_TEST

START_TEST(test_multivalued)
{
	csv_value v[] = {TXT("a"),       TXT(""),      TXT("NULL"), TXT("x,y"),
			 TXT("q\"b\\s"), TXT(" lead"), TXT("{}"),   TXT("nul")};
	uint8_t ints[3][4];
	csv_value iv[3];
	csv_field f = {JET_coltypLongText, 65001, true, 8, v};
	csv_values vals;
	const char *why = NULL;
	unsigned i;

	row_is(&f, 1,
	       "\"{a,\"\"\"\",\"\"NULL\"\",\"\"x,y\"\",\"\"q\\\"\"b\\\\s\"\",\"\" "
	       "lead\"\",\"\"{}\"\",nul}\"\n");
	f.nvalues = 1;
	row_is(&f, 1, "{a}\n");
	f.nvalues = 0;
	row_is(&f, 1, "\n");

	for (i = 0; i < 3; i++) {
		put_le32(ints[i], (uint32_t)(i * 1000 - 1000));
		iv[i].pv = ints[i];
		iv[i].cb = 4;
	}
	f.coltyp = JET_coltypLong;
	f.values = iv;
	f.nvalues = 3;
	row_is(&f, 1, "\"{-1000,0,1000}\"\n");
	f.coltyp = JET_coltypBinary;
	f.nvalues = 1;
	row_is(&f, 1, "\"{\"\"\\\\x18fcffff\"\"}\"\n");

	csv_values_init(&vals);
	/* parse: whitespace around elements, bare and quoted, {} and empty */
	{
		const char *t = " { a b , \"c,\\\"d\" ,e\\ } ";
		ck_assert_int_eq(csv_parse_field(JET_coltypLongText, 65001, true, t, strlen(t),
						 true, &vals, &why),
				 0);
	}
	ck_assert_uint_eq(vals.n, 3);
	ck_assert(vals.v[0].cb == 3 && memcmp(vals.data.p + vals.v[0].off, "a b", 3) == 0);
	ck_assert(vals.v[1].cb == 4 && memcmp(vals.data.p + vals.v[1].off, "c,\"d", 4) == 0);
	ck_assert(vals.v[2].cb == 2 && memcmp(vals.data.p + vals.v[2].off, "e ", 2) == 0);
	ck_assert_int_eq(csv_parse_field(JET_coltypLong, 0, true, "{}", 2, true, &vals, &why), 0);
	ck_assert_uint_eq(vals.n, 0);
	ck_assert_int_eq(csv_parse_field(JET_coltypLong, 0, true, "", 0, true, &vals, &why), 0);
	ck_assert_uint_eq(vals.n, 0);
	ck_assert_int_eq(csv_parse_field(JET_coltypLong, 0, true, "", 0, false, &vals, &why), 0);
	ck_assert_uint_eq(vals.n, 0);
	ck_assert_int_eq(csv_parse_field(JET_coltypLong, 0, true, "{1,2,3}", 7, true, &vals, &why),
			 0);
	ck_assert_uint_eq(vals.n, 3);

	{
		static const char *const bad[] = {
		    "1,2",       "{1,2",  "{1,,2}",   "{1,}", "{,1}", "{NULL}", "{\"1}",
		    "{1 \"2\"}", "{{1}}", "{\"1\"x}", "{1}}", "{a}",  "{1\\}"};
		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			why = NULL;
			ck_assert_msg(csv_parse_field(JET_coltypLong, 0, true, bad[i],
						      strlen(bad[i]), false, &vals,
						      &why) == JET_errInvalidParameter,
				      "'%s' accepted", bad[i]);
			ck_assert(why && *why);
			ck_assert_uint_eq(vals.n, 0);
		}
	}
	/* single-valued: NULL vs empty */
	ck_assert_int_eq(
	    csv_parse_field(JET_coltypLongText, 65001, false, "", 0, false, &vals, &why), 0);
	ck_assert_uint_eq(vals.n, 0);
	ck_assert_int_eq(
	    csv_parse_field(JET_coltypLongText, 65001, false, "", 0, true, &vals, &why), 0);
	ck_assert_uint_eq(vals.n, 1);
	ck_assert_uint_eq(vals.v[0].cb, 0);
	ck_assert_int_eq(csv_parse_field(JET_coltypLong, 0, false, "", 0, true, &vals, &why),
			 JET_errInvalidParameter);
	csv_values_free(&vals);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Whole documents: random tables through writer and parser           */
/* ------------------------------------------------------------------ */

#define MAXCOLS 8
#define MAXROWS 40
#define MAXVALS 4

typedef struct tcol {
	JET_COLTYP coltyp;
	unsigned cp;
	bool multi;
} tcol;

typedef struct tdoc {
	size_t ncol, nrow;
	tcol col[MAXCOLS];
	uint8_t *data; /* value bytes */
	size_t ndata;
	/* per cell: number of values, and each value's offset/length */
	size_t nv[MAXROWS][MAXCOLS];
	size_t off[MAXROWS][MAXCOLS][MAXVALS], cb[MAXROWS][MAXCOLS][MAXVALS];
	csv_buf text;
	size_t row_end[MAXROWS + 1]; /* byte offset after header / each row */
} tdoc;

static void make_doc(tdoc *d, size_t nrow, bool crlf)
{
	static uint8_t v[4096];
	const char *names[MAXCOLS];
	char namebuf[MAXCOLS][16];
	size_t r, c, k, cb;
	uint64_t len;
	csv_buf row;

	memset(d, 0, sizeof(*d));
	d->data = malloc(MAXROWS * MAXCOLS * MAXVALS * 300);
	d->ncol = 1 + rnd_below(MAXCOLS);
	d->nrow = nrow;
	for (c = 0; c < d->ncol; c++) {
		d->col[c].coltyp = all_types[rnd_below(NTYPES)];
		d->col[c].cp =
		    (d->col[c].coltyp == JET_coltypText || d->col[c].coltyp == JET_coltypLongText)
			? text_cps[rnd_below(5)]
			: 0;
		d->col[c].multi = rnd_below(4) == 0;
		snprintf(namebuf[c], sizeof(namebuf[c]), rnd_below(3) ? "c%zu" : "c,\"%zu", c);
		names[c] = namebuf[c];
	}
	csv_buf_init(&d->text);
	csv_buf_init(&row);
	ck_assert_int_eq(csv_write_header(&d->text, names, d->ncol, &cb), 0);
	d->row_end[0] = d->text.len;
	for (r = 0; r < nrow; r++) {
		csv_field f[MAXCOLS];
		csv_value vals[MAXCOLS][MAXVALS];
		for (c = 0; c < d->ncol; c++) {
			tcol *tc = &d->col[c];
			size_t n = tc->multi ? rnd_below(MAXVALS + 1) : rnd_below(5) ? 1 : 0;
			for (k = 0; k < n; k++) {
				size_t vb = rnd_value(tc->coltyp, tc->cp, v, 250);
				memcpy(d->data + d->ndata, v, vb);
				d->off[r][c][k] = d->ndata;
				d->cb[r][c][k] = vb;
				d->ndata += vb;
			}
			d->nv[r][c] = n;
		}
		for (c = 0; c < d->ncol; c++) {
			for (k = 0; k < d->nv[r][c]; k++) {
				vals[c][k].pv = d->data + d->off[r][c][k];
				vals[c][k].cb = d->cb[r][c][k];
			}
			f[c].coltyp = d->col[c].coltyp;
			f[c].cp = d->col[c].cp;
			f[c].multi = d->col[c].multi;
			f[c].nvalues = d->nv[r][c];
			f[c].values = vals[c];
		}
		row.len = 0;
		ck_assert_int_eq(csv_write_row(&row, f, d->ncol, &cb), 0);
		ck_assert_int_eq(csv_row_length(f, d->ncol, &len), 0);
		ck_assert_uint_eq(cb, row.len);
		ck_assert_uint_eq(len, row.len);
		ck_assert(row.p[row.len - 1] == '\n');
		if (crlf) {
			row.p[row.len - 1] = '\r';
			ck_assert_int_eq(csv_buf_append(&row, "\n", 1), 0);
		}
		ck_assert_int_eq(csv_buf_append(&d->text, row.p, row.len), 0);
		d->row_end[r + 1] = d->text.len;
	}
	csv_buf_free(&row);
}

static void free_doc(tdoc *d)
{
	free(d->data);
	csv_buf_free(&d->text);
}

/* A parser callback that checks each row against the document. */
typedef struct checker {
	tdoc *d;
	size_t rows;
	uint64_t line; /* expected line of the next row */
	csv_values vals;
} checker;

static uint64_t count_lf(const char *p, size_t n)
{
	uint64_t k = 0;
	size_t i;
	for (i = 0; i < n; i++)
		k += p[i] == '\n';
	return k;
}

static JET_ERR check_row(void *ctx, uint64_t line, const csv_ftext *f, size_t nf)
{
	checker *ck = ctx;
	tdoc *d = ck->d;
	size_t r = ck->rows, c, k, start = r == 0 ? 0 : d->row_end[r - 1];

	ck_assert_uint_le(r, d->nrow);
	ck_assert_uint_eq(nf, d->ncol);
	ck_assert_uint_eq(line, 1 + count_lf(d->text.p, start));
	if (r > 0) {
		for (c = 0; c < nf; c++) {
			const char *why = NULL;
			tcol *tc = &d->col[c];
			JET_ERR err = csv_parse_field(tc->coltyp, tc->cp, tc->multi, f[c].p,
						      f[c].len, f[c].quoted, &ck->vals, &why);
			ck_assert_msg(err == 0, "row %zu col %zu: %s", r, c, why ? why : "?");
			ck_assert_uint_eq(ck->vals.n, d->nv[r - 1][c]);
			for (k = 0; k < ck->vals.n; k++) {
				ck_assert_uint_eq(ck->vals.v[k].cb, d->cb[r - 1][c][k]);
				ck_assert(ck->vals.v[k].cb == 0 ||
					  memcmp(ck->vals.data.p + ck->vals.v[k].off,
						 d->data + d->off[r - 1][c][k],
						 ck->vals.v[k].cb) == 0);
			}
		}
	}
	ck->rows++;
	return JET_errSuccess;
}

static void parse_doc_chunks(tdoc *d, const size_t *cuts, size_t ncuts)
{
	checker ck;
	csv_parser *p;
	size_t i, pos = 0;

	memset(&ck, 0, sizeof(ck));
	ck.d = d;
	csv_values_init(&ck.vals);
	ck_assert_int_eq(csv_parser_create(&p, NULL, check_row, &ck), 0);
	for (i = 0; i <= ncuts; i++) {
		size_t end = i < ncuts ? cuts[i] : d->text.len;
		ck_assert_int_eq(csv_parser_feed(p, d->text.p + pos, end - pos), 0);
		pos = end;
	}
	ck_assert_int_eq(csv_parser_finish(p), 0);
	ck_assert_uint_eq(ck.rows, d->nrow + 1);
	ck_assert_uint_eq(csv_parser_rows(p), d->nrow + 1);
	csv_parser_destroy(p);
	csv_values_free(&ck.vals);
}

START_TEST(test_documents_random)
{
	static tdoc d;
	unsigned iter;

	seed_test(3);
	for (iter = 0; iter < 300; iter++) {
		size_t cuts[16], n, i;
		make_doc(&d, rnd_below(MAXROWS + 1), rnd_below(3) == 0);
		/* whole, then random chunking */
		parse_doc_chunks(&d, NULL, 0);
		n = rnd_below(16);
		for (i = 0; i < n; i++)
			cuts[i] = rnd_below((uint32_t)d.text.len + 1);
		for (i = 1; i < n; i++) { /* sort */
			size_t j = i, x = cuts[i];
			while (j > 0 && cuts[j - 1] > x) {
				cuts[j] = cuts[j - 1];
				j--;
			}
			cuts[j] = x;
		}
		parse_doc_chunks(&d, cuts, n);
		free_doc(&d);
	}
}
END_TEST

/* Rows as one canonical string, to compare parses. */
typedef struct collect {
	csv_buf out;
} collect;

static JET_ERR collect_row(void *ctx, uint64_t line, const csv_ftext *f, size_t nf)
{
	collect *c = ctx;
	char h[64];
	size_t i;
	int n = snprintf(h, sizeof(h), "L%" PRIu64 ":%zu|", line, nf);
	ck_assert_int_eq(csv_buf_append(&c->out, h, (size_t)n), 0);
	for (i = 0; i < nf; i++) {
		n = snprintf(h, sizeof(h), "%c%zu:", f[i].quoted ? 'q' : 'u', f[i].len);
		ck_assert_int_eq(csv_buf_append(&c->out, h, (size_t)n), 0);
		ck_assert_int_eq(csv_buf_append(&c->out, f[i].p, f[i].len), 0);
	}
	return JET_errSuccess;
}

/* Parse text split at the given cuts (every 'step' bytes if step). */
static JET_ERR parse_split(const char *t, size_t n, size_t cut1, size_t step, csv_buf *rows,
			   uint64_t *pline, const char **preason)
{
	collect c;
	csv_parser *p;
	JET_ERR err;
	size_t pos = 0;

	csv_buf_init(&c.out);
	ck_assert_int_eq(csv_parser_create(&p, NULL, collect_row, &c), 0);
	if (step) {
		for (pos = 0; pos < n; pos += step) {
			err = csv_parser_feed(p, t + pos, JET_MIN(step, n - pos));
			if (err < 0)
				goto Done;
		}
	} else {
		err = csv_parser_feed(p, t, cut1);
		if (err < 0)
			goto Done;
		err = csv_parser_feed(p, t + cut1, n - cut1);
		if (err < 0)
			goto Done;
	}
	err = csv_parser_finish(p);
Done:
	*preason = csv_parser_error(p, pline);
	ck_assert(err >= 0 || *preason);
	ck_assert_int_eq(csv_parser_feed(p, "x", 1), err < 0 ? err : 0); /* sticky */
	csv_parser_destroy(p);
	*rows = c.out;
	return err;
}

START_TEST(test_split_everywhere)
{
	static tdoc d;
	csv_buf ref, got;
	uint64_t line;
	const char *why;
	size_t k;
	unsigned iter;

	seed_test(4);
	for (iter = 0; iter < 6; iter++) {
		make_doc(&d, 12, iter % 2 == 1);
		ck_assert_int_eq(
		    parse_split(d.text.p, d.text.len, d.text.len, 0, &ref, &line, &why), 0);
		for (k = 0; k <= d.text.len; k++) {
			ck_assert_int_eq(parse_split(d.text.p, d.text.len, k, 0, &got, &line, &why),
					 0);
			ck_assert_msg(got.len == ref.len && memcmp(got.p, ref.p, ref.len) == 0,
				      "split at %zu differs", k);
			csv_buf_free(&got);
		}
		ck_assert_int_eq(parse_split(d.text.p, d.text.len, 0, 1, &got, &line, &why), 0);
		ck_assert(got.len == ref.len && memcmp(got.p, ref.p, ref.len) == 0);
		csv_buf_free(&got);
		csv_buf_free(&ref);
		free_doc(&d);
	}
	/* a hand-made one with every construct, CRLF inside and outside quotes, NUL */
	{
		static const char doc[] =
		    "a,b,c\r\n\"x\r\ny\",,\"\"\n\"q\"\"\",\0z,\n\n,\r\n\"end\"";
		size_t n = sizeof(doc) - 1;
		static const char want[] =
		    "L1:3|u1:au1:bu1:cL2:3|q4:x\r\nyu0:q0:L4:3|q2:q\"u2:\0zu0:"
		    "L5:1|u0:L6:2|u0:u0:L7:1|q3:end";
		ck_assert_int_eq(parse_split(doc, n, n, 0, &ref, &line, &why), 0);
		ck_assert_msg(ref.len == sizeof(want) - 1 && memcmp(ref.p, want, ref.len) == 0,
			      "got '%.*s'", (int)ref.len, ref.p);
		for (k = 0; k <= n; k++) {
			ck_assert_int_eq(parse_split(doc, n, k, 0, &got, &line, &why), 0);
			ck_assert(got.len == ref.len && memcmp(got.p, ref.p, ref.len) == 0);
			csv_buf_free(&got);
		}
		csv_buf_free(&ref);
	}
}
END_TEST

typedef struct bad_case {
	const char *text;
	JET_ERR err;
	uint64_t line;
	const char *reason_part;
} bad_case;

START_TEST(test_malformed)
{
	static const bad_case cases[] = {
	    {"a,b\n\"open,\nx\n", JET_errInvalidParameter, 2, "unbalanced quote"},
	    {"a\nb\"c\n", JET_errInvalidParameter, 2, "quote inside an unquoted"},
	    {"a\n\"multi\nline\"x\n", JET_errInvalidParameter, 2, "after a closing quote"},
	    {"a\n\"m\nl\"\nok\n\"bad\" \n", JET_errInvalidParameter, 5, "after a closing quote"},
	    {"a\rb\n", JET_errInvalidParameter, 1, "CR"},
	    {"a\n\nb\r", JET_errInvalidParameter, 3, "CR"},
	    {"\"", JET_errInvalidParameter, 1, "unbalanced"},
	    {"x\n\"\"\"", JET_errInvalidParameter, 2, "unbalanced"},
	};
	unsigned i;
	size_t k;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *t = cases[i].text;
		size_t n = strlen(t);
		for (k = 0; k <= n; k++) {
			csv_buf rows;
			uint64_t line = 0;
			const char *why = NULL;
			JET_ERR err = parse_split(t, n, k, 0, &rows, &line, &why);
			ck_assert_msg(err == cases[i].err, "case %u split %zu: err %ld", i, k,
				      (long)err);
			ck_assert_msg(line == cases[i].line,
				      "case %u: line %" PRIu64 ", expected %" PRIu64, i, line,
				      cases[i].line);
			ck_assert_msg(why && strstr(why, cases[i].reason_part),
				      "case %u: reason '%s'", i, why ? why : "(null)");
			csv_buf_free(&rows);
		}
	}
}
END_TEST

static JET_ERR count_rows(void *ctx, uint64_t line, const csv_ftext *f, size_t nf)
{
	(void)line;
	(void)f;
	(void)nf;
	(*(int *)ctx)++;
	return JET_errSuccess;
}

static JET_ERR reject_third(void *ctx, uint64_t line, const csv_ftext *f, size_t nf)
{
	(void)f;
	(void)nf;
	if (line == 3) {
		csv_parser_set_reason(*(csv_parser **)ctx, "wrong type in column x");
		return JET_errInvalidColumnType;
	}
	return JET_errSuccess;
}

START_TEST(test_limits)
{
	csv_limits lim = {10, 3};
	csv_parser *p;
	uint64_t line;
	int rows = 0;
	const char *why;

	/* a field of exactly the limit is fine, one more byte is not */
	ck_assert_int_eq(csv_parser_create(&p, &lim, count_rows, &rows), 0);
	ck_assert_int_eq(csv_parser_feed(p, "0123456789,\"01234\"\"678\"\n", 24), 0);
	ck_assert_int_eq(rows, 1);
	ck_assert_int_eq(csv_parser_feed(p, "a,b,c\n\n01234", 12), 0);
	ck_assert_int_eq(csv_parser_feed(p, "567890\n", 7), JET_errColumnTooBig);
	why = csv_parser_error(p, &line);
	ck_assert(why && strstr(why, "size limit"));
	ck_assert_uint_eq(line, 4);
	csv_parser_destroy(p);

	rows = 0;
	ck_assert_int_eq(csv_parser_create(&p, &lim, count_rows, &rows), 0);
	ck_assert_int_eq(csv_parser_feed(p, "\"a\nb\",2,3\n1,2,3,4\n", 19), JET_errTooManyColumns);
	why = csv_parser_error(p, &line);
	ck_assert(why && strstr(why, "more fields"));
	ck_assert_uint_eq(line, 3);
	ck_assert_int_eq(rows, 1);
	csv_parser_destroy(p);

	/* a callback error stops the parser with its reason and line */
	ck_assert_int_eq(csv_parser_create(&p, NULL, reject_third, &p), 0);
	ck_assert_int_eq(csv_parser_feed(p, "h\n1\n2\n3\n", 8), JET_errInvalidColumnType);
	why = csv_parser_error(p, &line);
	ck_assert_str_eq(why, "wrong type in column x");
	ck_assert_uint_eq(line, 3);
	ck_assert_int_eq(csv_parser_finish(p), JET_errInvalidColumnType);
	csv_parser_destroy(p);

	/* no error: no reason */
	ck_assert_int_eq(csv_parser_create(&p, NULL, count_rows, &rows), 0);
	ck_assert_ptr_null(csv_parser_error(p, &line));
	ck_assert_int_eq(csv_parser_finish(p), 0);
	csv_parser_destroy(p);
}
END_TEST

/* ------------------------------------------------------------------ */

static Suite *make_suite(void)
{
	Suite *s = suite_create("csv");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_integers);
	tcase_add_test(tc, test_bit_currency);
	tcase_add_test(tc, test_floats);
	tcase_add_test(tc, test_dates);
	tcase_add_test(tc, test_guid_binary);
	tcase_add_test(tc, test_text);
	tcase_add_test(tc, test_wrong_sizes);
	tcase_add_test(tc, test_roundtrip_random);
	tcase_add_test(tc, test_quoting);
	tcase_add_test(tc, test_multivalued);
	tcase_add_test(tc, test_documents_random);
	tcase_add_test(tc, test_split_everywhere);
	tcase_add_test(tc, test_malformed);
	tcase_add_test(tc, test_limits);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	const char *env = getenv("JET_TEST_SEED");
	SRunner *sr;
	int failed;

	if (env && *env)
		g_seed = strtoull(env, NULL, 0);
	printf("test_csv: seed 0x%016" PRIx64 " (JET_TEST_SEED overrides)\n", g_seed);
	fflush(stdout);
	sr = srunner_create(make_suite());
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
