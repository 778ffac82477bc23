/*
 * csv.c - the CSV codec (see csv.h for the API, docs/csv.md for the format).
 *
 * Rules the code keeps:
 *
 *  1. One renderer per type writes a value's text to a csv_sink. A sink
 *     counts what passes (length, quotes, backslashes, special bytes) and,
 *     when it has a buffer, appends the bytes too. csv_write_row and
 *     csv_row_length run the very same renderers and decide quoting from the
 *     same counts, so a row's length and its bytes can never disagree.
 *  2. Quoting happens after rendering, in place: the value is rendered bare,
 *     and if its counts say it must be quoted it is widened backwards in the
 *     buffer (one pass, no copy of the value).
 *  3. Render then verify: where a text form is chosen for being short
 *     (floats, dates), the candidate is parsed back with the same parser
 *     that reads the file and kept only if the bits are identical.
 *  4. The parser is a byte-level state machine whose whole state survives
 *     between feeds (a chunk may end anywhere); it owns only the current
 *     row: a byte buffer and the fields' offsets into it.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "csv.h"
#include "jet_common.h"

/* ------------------------------------------------------------------ */
/* Buffer                                                             */
/* ------------------------------------------------------------------ */

void csv_buf_init(csv_buf *b)
{
	b->p = NULL;
	b->len = 0;
	b->cap = 0;
}

void csv_buf_free(csv_buf *b)
{
	jet_free(b->p);
	csv_buf_init(b);
}

JET_ERR csv_buf_reserve(csv_buf *b, size_t extra)
{
	size_t need, cap;
	char *p;

	if (extra > SIZE_MAX - b->len)
		return JET_errOutOfMemory;
	need = b->len + extra;
	if (need <= b->cap)
		return JET_errSuccess;
	cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	p = jet_realloc(b->p, cap);
	if (!p)
		return JET_errOutOfMemory;
	b->p = p;
	b->cap = cap;
	return JET_errSuccess;
}

JET_ERR csv_buf_append(csv_buf *b, const void *p, size_t n)
{
	if (n == 0)
		return JET_errSuccess;
	CallR(csv_buf_reserve(b, n));
	memcpy(b->p + b->len, p, n);
	b->len += n;
	return JET_errSuccess;
}

/* ------------------------------------------------------------------ */
/* Sinks: counted output                                              */
/* ------------------------------------------------------------------ */

/* Byte classes: CSV needs quoting for , " CR LF; an array element for
 * , { } " \ and whitespace. */
#define CLS_CSV 0x1
#define CLS_ARR 0x2

static uint8_t csv_class(uint8_t c)
{
	switch (c) {
	case ',':
	case '"':
	case '\r':
	case '\n':
		return CLS_CSV | CLS_ARR;
	case '{':
	case '}':
	case '\\':
	case ' ':
	case '\t':
	case '\v':
	case '\f':
		return CLS_ARR;
	default:
		return 0;
	}
}

typedef struct csv_stats {
	uint64_t len;
	uint64_t nquote;  /* '"' bytes */
	uint64_t nbslash; /* '\\' bytes */
	uint8_t cls;      /* OR of csv_class() of every byte */
	uint8_t head[4];  /* the first bytes, to spot the word NULL */
} csv_stats;

typedef struct csv_sink {
	csv_buf *buf; /* NULL: count only */
	csv_stats st;
	bool plain; /* numbers: no byte needs quoting, only len is kept */
} csv_sink;

static void sink_init(csv_sink *s, csv_buf *buf)
{
	memset(s, 0, sizeof(*s));
	s->buf = buf;
}

static JET_ERR sink_put(csv_sink *s, const void *pv, size_t n)
{
	const uint8_t *p = pv;
	size_t i;

	if (s->plain) {
		s->st.len += n;
		return s->buf ? csv_buf_append(s->buf, p, n) : JET_errSuccess;
	}
	for (i = 0; i < n; i++) {
		uint8_t c = p[i];
		if (s->st.len + i < sizeof(s->st.head))
			s->st.head[s->st.len + i] = c;
		s->st.cls |= csv_class(c);
		s->st.nquote += c == '"';
		s->st.nbslash += c == '\\';
	}
	s->st.len += n;
	if (s->buf)
		return csv_buf_append(s->buf, p, n);
	return JET_errSuccess;
}

/* An array element must be quoted when empty, when it holds a special
 * byte, or when it reads as the word NULL (PostgreSQL's null element). */
static bool elem_needs_quotes(const csv_stats *st)
{
	static const char null_word[4] = {'n', 'u', 'l', 'l'};
	size_t i;

	if (st->len == 0 || (st->cls & CLS_ARR))
		return true;
	if (st->len != 4)
		return false;
	for (i = 0; i < 4; i++)
		if ((st->head[i] | 0x20) != null_word[i])
			return false;
	return true;
}

/* Widen buf[start, start+n) in place into '"' + escaped + '"'. CSV mode
 * doubles each '"'; array mode puts '\' before each '"' and '\'. extra is
 * the number of escape bytes to add; the room must already be reserved. */
static void quote_in_place(csv_buf *b, size_t start, size_t n, size_t extra, bool array_mode)
{
	char *p = b->p;
	size_t src = start + n;
	size_t dst = start + n + extra + 2;

	b->len = start + n + extra + 2;
	p[--dst] = '"';
	while (src > start) {
		char c = p[--src];
		p[--dst] = c;
		if (array_mode ? (c == '"' || c == '\\') : c == '"')
			p[--dst] = array_mode ? '\\' : '"';
	}
	p[--dst] = '"';
	assert(dst == start);
}

/* ------------------------------------------------------------------ */
/* Numbers                                                            */
/* ------------------------------------------------------------------ */

static const char *const hexdig = "0123456789abcdef";

static int hexval(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static bool ieq(const char *t, size_t n, const char *word)
{
	size_t i;

	if (strlen(word) != n)
		return false;
	for (i = 0; i < n; i++) {
		char c = t[i];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c + 0x20);
		if (c != word[i])
			return false;
	}
	return true;
}

/* Decimal integer: [+-]digits. *pneg tells the sign; the magnitude must fit
 * in 64 bits. */
static JET_ERR parse_decimal(const char *t, size_t n, bool *pneg, uint64_t *pmag, const char **why)
{
	size_t i = 0;
	uint64_t v = 0;

	*pneg = false;
	if (i < n && (t[i] == '+' || t[i] == '-'))
		*pneg = t[i++] == '-';
	if (i == n) {
		*why = "expected a decimal integer";
		return JET_errInvalidParameter;
	}
	for (; i < n; i++) {
		unsigned d = (unsigned)(uint8_t)t[i] - '0';
		if (d > 9) {
			*why = "expected a decimal integer";
			return JET_errInvalidParameter;
		}
		if (v > (UINT64_MAX - d) / 10) {
			*why = "integer out of range for the column type";
			return JET_errInvalidParameter;
		}
		v = v * 10 + d;
	}
	*pmag = v;
	return JET_errSuccess;
}

/* Parse a signed value in [lo, hi]. */
static JET_ERR parse_signed(const char *t, size_t n, int64_t lo, int64_t hi, int64_t *pv,
			    const char **why)
{
	bool neg;
	uint64_t mag;

	CallR(parse_decimal(t, n, &neg, &mag, why));
	if (neg) {
		if (mag > (uint64_t)0 - (uint64_t)lo) /* |lo| as unsigned */
			goto Range;
		*pv = mag == 0 ? 0 : (int64_t)(0 - mag);
	} else {
		if (mag > (uint64_t)hi)
			goto Range;
		*pv = (int64_t)mag;
	}
	return JET_errSuccess;
Range:
	*why = "integer out of range for the column type";
	return JET_errInvalidParameter;
}

static JET_ERR parse_unsigned(const char *t, size_t n, uint64_t hi, uint64_t *pv, const char **why)
{
	bool neg;
	uint64_t mag;

	CallR(parse_decimal(t, n, &neg, &mag, why));
	if (neg && mag != 0) {
		*why = "negative value for an unsigned column type";
		return JET_errInvalidParameter;
	}
	if (mag > hi) {
		*why = "integer out of range for the column type";
		return JET_errInvalidParameter;
	}
	*pv = mag;
	return JET_errSuccess;
}

static JET_ERR render_u64(csv_sink *s, bool neg, uint64_t mag)
{
	char b[24];
	size_t i = sizeof(b);
	do
		b[--i] = (char)('0' + mag % 10);
	while ((mag /= 10) != 0);
	if (neg)
		b[--i] = '-';
	return sink_put(s, b + i, sizeof(b) - i);
}

static JET_ERR render_i64(csv_sink *s, int64_t v)
{
	return v < 0 ? render_u64(s, true, 0 - (uint64_t)v) : render_u64(s, false, (uint64_t)v);
}

/* Currency: an 8-byte count of 1/10000 units, written with four decimals. */
static JET_ERR render_currency(csv_sink *s, int64_t v)
{
	char b[32];
	uint64_t mag = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
	int n = snprintf(b, sizeof(b), "%s%" PRIu64 ".%04u", v < 0 ? "-" : "", mag / 10000,
			 (unsigned)(mag % 10000));
	return sink_put(s, b, (size_t)n);
}

static JET_ERR parse_currency(const char *t, size_t n, int64_t *pv, const char **why)
{
	size_t i = 0, ndig = 0, nfrac = 0;
	bool neg = false, point = false;
	uint64_t mag = 0;

	if (i < n && (t[i] == '+' || t[i] == '-'))
		neg = t[i++] == '-';
	for (; i < n; i++) {
		unsigned d;
		if (t[i] == '.' && !point) {
			point = true;
			continue;
		}
		d = (unsigned)(uint8_t)t[i] - '0';
		if (d > 9)
			goto Bad;
		ndig++;
		if (point && ++nfrac > 4) {
			if (d != 0) {
				*why = "currency has more than 4 decimals";
				return JET_errInvalidParameter;
			}
			continue;
		}
		if (mag > (UINT64_MAX - d) / 10)
			goto Range;
		mag = mag * 10 + d;
	}
	if (ndig == 0)
		goto Bad;
	for (; nfrac < 4; nfrac++) {
		if (mag > UINT64_MAX / 10)
			goto Range;
		mag *= 10;
	}
	if (neg ? mag > (uint64_t)1 << 63 : mag > (uint64_t)INT64_MAX)
		goto Range;
	*pv = neg ? (int64_t)(0 - mag) : (int64_t)mag;
	return JET_errSuccess;
Bad:
	*why = "expected a decimal number such as -12.3400";
	return JET_errInvalidParameter;
Range:
	*why = "currency out of range";
	return JET_errInvalidParameter;
}

/* Floats. "nan" is the default quiet NaN with the sign clear; any other NaN
 * keeps its bits as nan(0x<all bits in hex>). */
#define CSV_DNAN 0x7FF8000000000000ull
#define CSV_FNAN 0x7FC00000u

static uint64_t dbits(double d)
{
	uint64_t u;
	memcpy(&u, &d, 8);
	return u;
}

static double bitsd(uint64_t u)
{
	double d;
	memcpy(&d, &u, 8);
	return d;
}

static uint32_t fbits(float f)
{
	uint32_t u;
	memcpy(&u, &f, 4);
	return u;
}

static float bitsf(uint32_t u)
{
	float f;
	memcpy(&f, &u, 4);
	return f;
}

/* A finite decimal in strtod's syntax minus what we refuse: no spaces, no
 * hex floats, no inf/nan words (those are handled before). */
static bool float_syntax(const char *t, size_t n)
{
	size_t i = 0, dig = 0;

	if (i < n && (t[i] == '+' || t[i] == '-'))
		i++;
	while (i < n && t[i] >= '0' && t[i] <= '9')
		i++, dig++;
	if (i < n && t[i] == '.') {
		i++;
		while (i < n && t[i] >= '0' && t[i] <= '9')
			i++, dig++;
	}
	if (dig == 0)
		return false;
	if (i < n && (t[i] == 'e' || t[i] == 'E')) {
		size_t e = 0;
		i++;
		if (i < n && (t[i] == '+' || t[i] == '-'))
			i++;
		while (i < n && t[i] >= '0' && t[i] <= '9')
			i++, e++;
		if (e == 0)
			return false;
	}
	return i == n;
}

/* nan(0x<ndig hex digits>) with the exponent all ones and a nonzero
 * mantissa. */
static bool parse_nan_bits(const char *t, size_t n, unsigned ndig, uint64_t *pbits)
{
	uint64_t v = 0;
	size_t i;

	if (n != 6 + ndig + 1 || !ieq(t, 6, "nan(0x") || t[n - 1] != ')')
		return false;
	for (i = 6; i < 6 + ndig; i++) {
		int h = hexval((uint8_t)t[i]);
		if (h < 0)
			return false;
		v = v << 4 | (uint64_t)h;
	}
	*pbits = v;
	return true;
}

#define CSV_NUM_TEXT_MAX 400

static JET_ERR parse_double(const char *t, size_t n, double *pd, const char **why)
{
	char b[CSV_NUM_TEXT_MAX + 1];
	char *end;
	uint64_t bits;
	double d;
	bool neg = n > 0 && t[0] == '-';
	size_t sgn = n > 0 && (t[0] == '-' || t[0] == '+');

	if (ieq(t + sgn, n - sgn, "nan")) {
		*pd = bitsd(CSV_DNAN | (neg ? (uint64_t)1 << 63 : 0));
		return JET_errSuccess;
	}
	if (ieq(t + sgn, n - sgn, "inf") || ieq(t + sgn, n - sgn, "infinity")) {
		*pd = neg ? -HUGE_VAL : HUGE_VAL;
		return JET_errSuccess;
	}
	if (parse_nan_bits(t, n, 16, &bits)) {
		if ((bits & 0x7FF0000000000000ull) != 0x7FF0000000000000ull ||
		    (bits & 0x000FFFFFFFFFFFFFull) == 0)
			goto NotNan;
		*pd = bitsd(bits);
		return JET_errSuccess;
	}
	if (!float_syntax(t, n) || n > CSV_NUM_TEXT_MAX) {
		*why = "expected a number (such as 1.5, -2e-10, inf, nan)";
		return JET_errInvalidParameter;
	}
	memcpy(b, t, n);
	b[n] = 0;
	errno = 0;
	d = strtod(b, &end);
	if (end != b + n)
		goto Bad;
	if (errno == ERANGE && isinf(d)) {
		*why = "number out of range for IEEEDouble";
		return JET_errInvalidParameter;
	}
	*pd = d;
	return JET_errSuccess;
NotNan:
	*why = "nan(0x...) bits are not a NaN";
	return JET_errInvalidParameter;
Bad:
	*why = "expected a number";
	return JET_errInvalidParameter;
}

static JET_ERR parse_single(const char *t, size_t n, float *pf, const char **why)
{
	char b[CSV_NUM_TEXT_MAX + 1];
	char *end;
	uint64_t bits;
	float f;
	bool neg = n > 0 && t[0] == '-';
	size_t sgn = n > 0 && (t[0] == '-' || t[0] == '+');

	if (ieq(t + sgn, n - sgn, "nan")) {
		*pf = bitsf(CSV_FNAN | (neg ? 0x80000000u : 0));
		return JET_errSuccess;
	}
	if (ieq(t + sgn, n - sgn, "inf") || ieq(t + sgn, n - sgn, "infinity")) {
		*pf = neg ? -HUGE_VALF : HUGE_VALF;
		return JET_errSuccess;
	}
	if (parse_nan_bits(t, n, 8, &bits)) {
		if ((bits & 0x7F800000u) != 0x7F800000u || (bits & 0x007FFFFFu) == 0) {
			*why = "nan(0x...) bits are not a NaN";
			return JET_errInvalidParameter;
		}
		*pf = bitsf((uint32_t)bits);
		return JET_errSuccess;
	}
	if (!float_syntax(t, n) || n > CSV_NUM_TEXT_MAX) {
		*why = "expected a number (such as 1.5, -2e-10, inf, nan)";
		return JET_errInvalidParameter;
	}
	memcpy(b, t, n);
	b[n] = 0;
	errno = 0;
	f = strtof(b, &end);
	if (end != b + n) {
		*why = "expected a number";
		return JET_errInvalidParameter;
	}
	if (errno == ERANGE && isinf(f)) {
		*why = "number out of range for IEEESingle";
		return JET_errInvalidParameter;
	}
	*pf = f;
	return JET_errSuccess;
}

/* format_double's output for the common doubles that are a short decimal
 * m / 10^k (m < 2^53, at most 15 significant digits, k <= 8), without
 * printf/strtod: 0 when d is not one of them. m / 10^k is an IEEE division
 * of two exact values, so it rounds as strtod does: the decimal reads back
 * to d. With D <= 15 (DBL_DIG) significant digits no shorter decimal reads
 * back to d, and %.Dg prints exactly this decimal, so the text is the one
 * the loop below finds, laid out as %g lays it out. */
static int format_double_fast(char *b, size_t cb, double d)
{
	static const double p10[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8};
	double a = d < 0 ? -d : d;
	char dig[24];
	int nd = 0, D, X, k, n = 0;
	uint64_t m = 0;

	if (!(a >= 1e-4 && a < 1e15) || cb < 32)
		return 0;
	for (k = 0; k < (int)(sizeof(p10) / sizeof(p10[0])); k++) {
		double sc = a * p10[k];
		if (sc >= 9007199254740992.0)
			return 0;
		m = (uint64_t)sc;
		if ((double)m == sc && (double)m / p10[k] == a)
			break;
	}
	if (k == (int)(sizeof(p10) / sizeof(p10[0])) || m == 0)
		return 0;
	for (uint64_t t = m; t; t /= 10)
		dig[nd++] = (char)('0' + t % 10);
	for (int i = 0; i < nd / 2; i++) { /* most significant first */
		char c = dig[i];
		dig[i] = dig[nd - 1 - i];
		dig[nd - 1 - i] = c;
	}
	X = nd - 1 - k; /* decimal exponent of the first digit */
	D = nd;
	while (D > 1 && dig[D - 1] == '0')
		D--;
	if (D > 15)
		return 0;
	if (d < 0)
		b[n++] = '-';
	if (X < D && X >= -4) {
		if (X >= 0) {
			for (int i = 0; i <= X; i++)
				b[n++] = dig[i];
			if (D > X + 1) {
				b[n++] = '.';
				for (int i = X + 1; i < D; i++)
					b[n++] = dig[i];
			}
		} else {
			b[n++] = '0';
			b[n++] = '.';
			for (int i = 0; i < -X - 1; i++)
				b[n++] = '0';
			for (int i = 0; i < D; i++)
				b[n++] = dig[i];
		}
	} else {
		int e = X < 0 ? -X : X;
		b[n++] = dig[0];
		if (D > 1) {
			b[n++] = '.';
			for (int i = 1; i < D; i++)
				b[n++] = dig[i];
		}
		b[n++] = 'e';
		b[n++] = X < 0 ? '-' : '+';
		if (e >= 100)
			b[n++] = (char)('0' + e / 100);
		b[n++] = (char)('0' + e / 10 % 10);
		b[n++] = (char)('0' + e % 10);
	}
	b[n] = 0;
	return n;
}

/* Shortest %.Ng (N = 1..17) that reads back to the same bits. */
static int format_double(char *b, size_t cb, double d)
{
	uint64_t bits = dbits(d);
	int n = 0, prec;

	if ((n = format_double_fast(b, cb, d)) > 0)
		return n;

	if (isnan(d)) {
		if (bits == CSV_DNAN)
			return snprintf(b, cb, "nan");
		return snprintf(b, cb, "nan(0x%016" PRIx64 ")", bits);
	}
	if (isinf(d))
		return snprintf(b, cb, d < 0 ? "-inf" : "inf");
	for (prec = 1; prec <= 17; prec++) {
		n = snprintf(b, cb, "%.*g", prec, d);
		if (dbits(strtod(b, NULL)) == bits)
			break;
	}
	return n;
}

static int format_single(char *b, size_t cb, float f)
{
	uint32_t bits = fbits(f);
	int n = 0, prec;

	if (isnan(f)) {
		if (bits == CSV_FNAN)
			return snprintf(b, cb, "nan");
		return snprintf(b, cb, "nan(0x%08" PRIx32 ")", bits);
	}
	if (isinf(f))
		return snprintf(b, cb, f < 0 ? "-inf" : "inf");
	for (prec = 1; prec <= 9; prec++) {
		n = snprintf(b, cb, "%.*g", prec, (double)f);
		if (fbits(strtof(b, NULL)) == bits)
			break;
	}
	return n;
}

/* ------------------------------------------------------------------ */
/* DateTime (OLE date)                                                */
/* ------------------------------------------------------------------ */

/*
 * An OLE date is a double: the integer part counts days from 1899-12-30,
 * the fraction is the time of day - taken as |fraction| for negative
 * values, so -1.25 is 1899-12-29 06:00. The text is
 * YYYY-MM-DDTHH:MM:SS[.f..f] (1..9 fraction digits, the fewest that read
 * back to the same double); a value with no exact ISO text, or outside
 * years 100..9999, or not finite, is '@' followed by the double's text.
 */
#define OLE_EPOCH_DAYS (-25569) /* 1899-12-30 in days from 1970-01-01 */
#define NS_PER_DAY 86400000000000ll

/* Days from 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? (unsigned)-3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *py, unsigned *pm, unsigned *pd)
{
	int64_t era, y;
	unsigned doe, yoe, doy, mp, d, m;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = (int64_t)yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	*py = y + (m <= 2);
	*pm = m;
	*pd = d;
}

static unsigned days_in_month(int64_t y, unsigned m)
{
	static const unsigned dm[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return m == 2 && leap ? 29 : dm[m - 1];
}

static bool digits(const char *t, size_t n, unsigned *pv)
{
	unsigned v = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (t[i] < '0' || t[i] > '9')
			return false;
		v = v * 10 + (unsigned)(t[i] - '0');
	}
	*pv = v;
	return true;
}

/* The double an OLE calendar day and a time of day (ns) denote. */
static double ole_from_parts(int64_t oleday, int64_t ns)
{
	double t = (double)ns / (double)NS_PER_DAY;
	return oleday >= 0 ? (double)oleday + t : (double)oleday - t;
}

static JET_ERR parse_datetime(const char *t, size_t n, double *pd, const char **why)
{
	unsigned y, mo, d, h = 0, mi = 0, s = 0, frac = 0;
	size_t k = 0, i;
	int64_t ns;

	if (n > 0 && t[0] == '@')
		return parse_double(t + 1, n - 1, pd, why);
	if (n < 10 || !digits(t, 4, &y) || t[4] != '-' || !digits(t + 5, 2, &mo) || t[7] != '-' ||
	    !digits(t + 8, 2, &d))
		goto Bad;
	if (n > 10) {
		if ((t[10] != 'T' && t[10] != ' ') || n < 16 || !digits(t + 11, 2, &h) ||
		    t[13] != ':' || !digits(t + 14, 2, &mi))
			goto Bad;
		if (n > 16) {
			if (n < 19 || t[16] != ':' || !digits(t + 17, 2, &s))
				goto Bad;
			if (n > 19) {
				k = n - 20;
				if (t[19] != '.' || k < 1 || k > 9 || !digits(t + 20, k, &frac))
					goto Bad;
			}
		}
	}
	if (y < 100 || y > 9999) {
		*why = "year outside 0100..9999 (write such dates as @days)";
		return JET_errInvalidParameter;
	}
	if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || s > 59) {
		*why = "date or time field out of range";
		return JET_errInvalidParameter;
	}
	for (i = k; i < 9; i++)
		frac *= 10;
	ns = (((int64_t)h * 60 + mi) * 60 + s) * 1000000000ll + frac;
	*pd = ole_from_parts(days_from_civil(y, mo, d) - OLE_EPOCH_DAYS, ns);
	return JET_errSuccess;
Bad:
	*why = "expected a date YYYY-MM-DD[THH:MM[:SS[.fffffffff]]] or @days";
	return JET_errInvalidParameter;
}

/* The ISO text of d into b (>= 40 bytes), or 0 if none is bit-exact. */
static int format_datetime_iso(char *b, size_t cb, double d)
{
	static const int64_t pow10[10] = {1,      10,      100,      1000,      10000,
					  100000, 1000000, 10000000, 100000000, 1000000000};
	double day, frac;
	long double secs;
	int k;

	if (!isfinite(d) || fabs(d) > 3.0e6)
		return 0;
	day = trunc(d);
	frac = fabs(d - day); /* exact */
	secs = (long double)frac * 86400.0L;
	for (k = 0; k <= 9; k++) {
		int64_t perday = 86400 * pow10[k];
		int64_t units = llroundl(secs * (long double)pow10[k]);
		int64_t oleday = (int64_t)day, y, sec;
		unsigned mo, dd;
		double back;
		const char *why;
		int n;

		if (units >= perday) {
			units -= perday;
			oleday++;
		}
		civil_from_days(oleday + OLE_EPOCH_DAYS, &y, &mo, &dd);
		if (y < 100 || y > 9999)
			return 0;
		sec = units / pow10[k];
		n = snprintf(b, cb, "%04d-%02u-%02uT%02d:%02d:%02d", (int)y, mo, dd,
			     (int)(sec / 3600), (int)(sec / 60 % 60), (int)(sec % 60));
		if (k > 0)
			n += snprintf(b + n, cb - (size_t)n, ".%0*" PRId64, k, units % pow10[k]);
		if (parse_datetime(b, (size_t)n, &back, &why) == JET_errSuccess &&
		    dbits(back) == dbits(d))
			return n;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Text: code pages                                                   */
/* ------------------------------------------------------------------ */

/* Windows-1252 0x80..0x9F; the five bytes Windows leaves undefined map to
 * the C1 control with the same number, so all 256 bytes round-trip. */
static const uint16_t cp1252_hi[32] = {
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0x008D, 0x017D, 0x008F, 0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
};

static size_t utf8_put(uint8_t *o, uint32_t c)
{
	if (c < 0x80) {
		o[0] = (uint8_t)c;
		return 1;
	}
	if (c < 0x800) {
		o[0] = (uint8_t)(0xC0 | (c >> 6));
		o[1] = (uint8_t)(0x80 | (c & 0x3F));
		return 2;
	}
	if (c < 0x10000) {
		o[0] = (uint8_t)(0xE0 | (c >> 12));
		o[1] = (uint8_t)(0x80 | ((c >> 6) & 0x3F));
		o[2] = (uint8_t)(0x80 | (c & 0x3F));
		return 3;
	}
	o[0] = (uint8_t)(0xF0 | (c >> 18));
	o[1] = (uint8_t)(0x80 | ((c >> 12) & 0x3F));
	o[2] = (uint8_t)(0x80 | ((c >> 6) & 0x3F));
	o[3] = (uint8_t)(0x80 | (c & 0x3F));
	return 4;
}

/* Decode one UTF-8 sequence at t[0..n): shortest form only, up to
 * U+10FFFF. Surrogate code points (ED A0..BF xx) are returned only when
 * allow_surrogates. Returns its length, 0 if invalid. */
static size_t utf8_get(const uint8_t *t, size_t n, uint32_t *pc, bool allow_surrogates)
{
	uint32_t c;
	size_t len, i;

	if (t[0] < 0x80) {
		*pc = t[0];
		return 1;
	}
	if (t[0] >= 0xC2 && t[0] <= 0xDF)
		len = 2, c = t[0] & 0x1F;
	else if (t[0] >= 0xE0 && t[0] <= 0xEF)
		len = 3, c = t[0] & 0x0F;
	else if (t[0] >= 0xF0 && t[0] <= 0xF4)
		len = 4, c = t[0] & 0x07;
	else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((t[i] & 0xC0) != 0x80)
			return 0;
		c = c << 6 | (t[i] & 0x3F);
	}
	if ((len == 3 && c < 0x800) || (len == 4 && (c < 0x10000 || c > 0x10FFFF)))
		return 0;
	if (c >= 0xD800 && c <= 0xDFFF && !allow_surrogates)
		return 0;
	*pc = c;
	return len;
}

#define TEXT_CHUNK 256

static JET_ERR render_text_1252(csv_sink *s, const uint8_t *p, size_t cb)
{
	uint8_t o[TEXT_CHUNK + 4];
	size_t i, n = 0, run = 0;

	for (i = 0; i < cb; i++) {
		uint8_t c = p[i];
		if (c < 0x80) {
			run++;
			continue;
		}
		/* flush the ASCII run straight from the value */
		if (n) {
			CallR(sink_put(s, o, n));
			n = 0;
		}
		if (run) {
			CallR(sink_put(s, p + i - run, run));
			run = 0;
		}
		n += utf8_put(o + n, c < 0xA0 ? cp1252_hi[c - 0x80] : c);
		while (i + 1 < cb && p[i + 1] >= 0x80 && n < TEXT_CHUNK) {
			c = p[++i];
			n += utf8_put(o + n, c < 0xA0 ? cp1252_hi[c - 0x80] : c);
		}
		CallR(sink_put(s, o, n));
		n = 0;
	}
	if (run)
		CallR(sink_put(s, p + cb - run, run));
	return JET_errSuccess;
}

static JET_ERR parse_text_1252(const char *t, size_t n, csv_buf *out, const char **why)
{
	const uint8_t *u = (const uint8_t *)t;
	size_t i = 0;

	CallR(csv_buf_reserve(out, n));
	while (i < n) {
		uint32_t c;
		size_t len = utf8_get(u + i, n - i, &c, false);
		uint8_t b;

		if (len == 0) {
			*why = "invalid UTF-8 for a code page 1252 column";
			return JET_errInvalidParameter;
		}
		i += len;
		if (c < 0x80 || (c >= 0xA0 && c <= 0xFF)) {
			b = (uint8_t)c;
		} else {
			unsigned j;
			for (j = 0; j < 32 && cp1252_hi[j] != c; j++)
				;
			if (j == 32) {
				*why = "character not in code page 1252";
				return JET_errInvalidParameter;
			}
			b = (uint8_t)(0x80 + j);
		}
		out->p[out->len++] = (char)b;
	}
	return JET_errSuccess;
}

/* UTF-16LE to UTF-8. An unpaired surrogate becomes its own 3-byte form
 * (WTF-8); an odd last byte b becomes the two bytes FF b (0xFF never
 * occurs in UTF-8). */
static JET_ERR render_text_1200(csv_sink *s, const uint8_t *p, size_t cb)
{
	uint8_t o[TEXT_CHUNK + 4];
	size_t i, n = 0;

	for (i = 0; i + 1 < cb; i += 2) {
		uint32_t c = get_le16(p + i);
		if (c >= 0xD800 && c <= 0xDBFF && i + 3 < cb) {
			uint32_t lo = get_le16(p + i + 2);
			if (lo >= 0xDC00 && lo <= 0xDFFF) {
				c = 0x10000 + ((c - 0xD800) << 10) + (lo - 0xDC00);
				i += 2;
			}
		}
		n += utf8_put(o + n, c);
		if (n >= TEXT_CHUNK) {
			CallR(sink_put(s, o, n));
			n = 0;
		}
	}
	if (cb & 1) {
		o[n++] = 0xFF;
		o[n++] = p[cb - 1];
	}
	return sink_put(s, o, n);
}

static JET_ERR parse_text_1200(const char *t, size_t n, csv_buf *out, const char **why)
{
	const uint8_t *u = (const uint8_t *)t;
	size_t i = 0, start = out->len;
	bool prev_hi = false; /* the last unit written was a lone high surrogate */

	CallR(csv_buf_reserve(out, 2 * n));
	while (i < n) {
		uint32_t c;
		size_t len;

		if (u[i] == 0xFF && i + 2 == n) {
			out->p[out->len++] = (char)u[i + 1];
			return JET_errSuccess;
		}
		len = utf8_get(u + i, n - i, &c, true);
		if (len == 0) {
			*why = "invalid UTF-8 for a UTF-16 (code page 1200) column";
			goto Fail;
		}
		i += len;
		if (c >= 0xDC00 && c <= 0xDFFF && prev_hi) {
			*why =
			    "surrogate pair written as two 3-byte sequences (use the 4-byte form)";
			goto Fail;
		}
		prev_hi = c >= 0xD800 && c <= 0xDBFF;
		if (c >= 0x10000) {
			c -= 0x10000;
			put_le16(out->p + out->len, (uint16_t)(0xD800 + (c >> 10)));
			put_le16(out->p + out->len + 2, (uint16_t)(0xDC00 + (c & 0x3FF)));
			out->len += 4;
		} else {
			put_le16(out->p + out->len, (uint16_t)c);
			out->len += 2;
		}
	}
	return JET_errSuccess;
Fail:
	out->len = start;
	return JET_errInvalidParameter;
}

static bool cp_is_1252(unsigned cp)
{
	return cp == CSV_CP_DEFAULT || cp == CSV_CP_WIN1252;
}

/* ------------------------------------------------------------------ */
/* Values                                                             */
/* ------------------------------------------------------------------ */

static size_t coltyp_fixed_size(JET_COLTYP t)
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
	case JET_coltypCurrency:
	case JET_coltypIEEEDouble:
	case JET_coltypDateTime:
	case JET_coltypLongLong:
	case JET_coltypUnsignedLongLong:
		return 8;
	case JET_coltypGUID:
		return 16;
	default:
		return 0;
	}
}

static bool coltyp_known(JET_COLTYP t)
{
	return t >= JET_coltypBit && t <= JET_coltypUnsignedLongLong && t != JET_coltypSLV;
}

static JET_ERR render_hex(csv_sink *s, const uint8_t *p, size_t cb)
{
	char o[TEXT_CHUNK];
	size_t i, n = 0;

	CallR(sink_put(s, "\\x", 2));
	for (i = 0; i < cb; i++) {
		o[n++] = hexdig[p[i] >> 4];
		o[n++] = hexdig[p[i] & 15];
		if (n == TEXT_CHUNK) {
			CallR(sink_put(s, o, n));
			n = 0;
		}
	}
	return sink_put(s, o, n);
}

static JET_ERR render_guid(csv_sink *s, const uint8_t *g)
{
	/* Data1 (LE 4), Data2 (LE 2), Data3 (LE 2), Data4 (8 bytes in order) */
	static const uint8_t order[16] = {3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15};
	char o[36];
	size_t i, n = 0;

	for (i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			o[n++] = '-';
		o[n++] = hexdig[g[order[i]] >> 4];
		o[n++] = hexdig[g[order[i]] & 15];
	}
	return sink_put(s, o, n);
}

static JET_ERR parse_guid(const char *t, size_t n, uint8_t *g, const char **why)
{
	static const uint8_t order[16] = {3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15};
	size_t i, j = 0;

	if (n == 38 && t[0] == '{' && t[37] == '}')
		t++, n -= 2;
	if (n != 36)
		goto Bad;
	for (i = 0; i < 16; i++) {
		int hi, lo;
		if (i == 4 || i == 6 || i == 8 || i == 10) {
			if (t[j++] != '-')
				goto Bad;
		}
		hi = hexval((uint8_t)t[j++]);
		lo = hexval((uint8_t)t[j++]);
		if (hi < 0 || lo < 0)
			goto Bad;
		g[order[i]] = (uint8_t)(hi << 4 | lo);
	}
	return JET_errSuccess;
Bad:
	*why = "expected a GUID xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";
	return JET_errInvalidParameter;
}

static JET_ERR render_value(csv_sink *s, JET_COLTYP t, unsigned cp, const void *pv, size_t cb)
{
	const uint8_t *p = pv;
	size_t fixed = coltyp_fixed_size(t);
	char b[64];
	int n;

	if (!coltyp_known(t))
		return JET_errInvalidColumnType;
	if (fixed && cb != fixed)
		return JET_errInvalidBufferSize;
	if (cb && !pv)
		return JET_errInvalidParameter;
	switch (t) {
	case JET_coltypBit:
		if (p[0] == 0x00)
			return sink_put(s, "0", 1);
		if (p[0] == 0xFF)
			return sink_put(s, "1", 1);
		return render_hex(s, p, 1); /* a non-canonical true byte keeps its bits */
	case JET_coltypUnsignedByte:
		return render_u64(s, false, p[0]);
	case JET_coltypShort:
		return render_i64(s, (int16_t)get_le16(p));
	case JET_coltypUnsignedShort:
		return render_u64(s, false, get_le16(p));
	case JET_coltypLong:
		return render_i64(s, (int32_t)get_le32(p));
	case JET_coltypUnsignedLong:
		return render_u64(s, false, get_le32(p));
	case JET_coltypLongLong:
		return render_i64(s, (int64_t)get_le64(p));
	case JET_coltypUnsignedLongLong:
		return render_u64(s, false, get_le64(p));
	case JET_coltypCurrency:
		return render_currency(s, (int64_t)get_le64(p));
	case JET_coltypIEEESingle:
		n = format_single(b, sizeof(b), bitsf(get_le32(p)));
		return sink_put(s, b, (size_t)n);
	case JET_coltypIEEEDouble:
		n = format_double(b, sizeof(b), bitsd(get_le64(p)));
		return sink_put(s, b, (size_t)n);
	case JET_coltypDateTime: {
		double d = bitsd(get_le64(p));
		n = format_datetime_iso(b, sizeof(b), d);
		if (n > 0)
			return sink_put(s, b, (size_t)n);
		b[0] = '@';
		n = format_double(b + 1, sizeof(b) - 1, d);
		return sink_put(s, b, (size_t)n + 1);
	}
	case JET_coltypGUID:
		return render_guid(s, p);
	case JET_coltypBinary:
	case JET_coltypLongBinary:
		if (cb == 0)
			return JET_errSuccess;
		return render_hex(s, p, cb);
	case JET_coltypText:
	case JET_coltypLongText:
		if (cp == CSV_CP_UNICODE)
			return render_text_1200(s, p, cb);
		if (cp_is_1252(cp))
			return render_text_1252(s, p, cb);
		return sink_put(s, p, cb);
	default:
		return JET_errInvalidColumnType;
	}
}

JET_ERR csv_render_value(JET_COLTYP coltyp, unsigned cp, const void *pv, size_t cb, csv_buf *out)
{
	csv_sink s;
	size_t start = out->len;
	JET_ERR err;

	sink_init(&s, out);
	err = render_value(&s, coltyp, cp, pv, cb);
	if (err < 0)
		out->len = start;
	return err;
}

static JET_ERR parse_hex(const char *t, size_t n, csv_buf *out, const char **why)
{
	size_t i;

	if (n == 0)
		return JET_errSuccess;
	if (n < 2 || t[0] != '\\' || (t[1] != 'x' && t[1] != 'X')) {
		*why = "binary must be written \\x followed by hex digits";
		return JET_errInvalidParameter;
	}
	if (n % 2) {
		*why = "binary has an odd number of hex digits";
		return JET_errInvalidParameter;
	}
	CallR(csv_buf_reserve(out, (n - 2) / 2));
	for (i = 2; i < n; i += 2) {
		int hi = hexval((uint8_t)t[i]), lo = hexval((uint8_t)t[i + 1]);
		if (hi < 0 || lo < 0) {
			*why = "binary has a character that is not a hex digit";
			return JET_errInvalidParameter;
		}
		out->p[out->len++] = (char)(hi << 4 | lo);
	}
	return JET_errSuccess;
}

static JET_ERR parse_bit(const char *t, size_t n, uint8_t *pb, const char **why)
{
	if (ieq(t, n, "1") || ieq(t, n, "true") || ieq(t, n, "t") || ieq(t, n, "yes") ||
	    ieq(t, n, "y")) {
		*pb = 0xFF;
		return JET_errSuccess;
	}
	if (ieq(t, n, "0") || ieq(t, n, "false") || ieq(t, n, "f") || ieq(t, n, "no") ||
	    ieq(t, n, "n")) {
		*pb = 0x00;
		return JET_errSuccess;
	}
	if (n == 4 && t[0] == '\\' && (t[1] == 'x' || t[1] == 'X') && hexval((uint8_t)t[2]) >= 0 &&
	    hexval((uint8_t)t[3]) >= 0) {
		*pb = (uint8_t)(hexval((uint8_t)t[2]) << 4 | hexval((uint8_t)t[3]));
		return JET_errSuccess;
	}
	*why = "expected a bit: 0 or 1 (also true/false, yes/no)";
	return JET_errInvalidParameter;
}

JET_ERR csv_parse_value(JET_COLTYP coltyp, unsigned cp, const char *text, size_t len, csv_buf *out,
			const char **preason)
{
	JET_ERR err = JET_errSuccess;
	const char *why = NULL;
	size_t start = out->len;
	uint8_t b[16];
	int64_t sv;
	uint64_t uv;

	if (!coltyp_known(coltyp)) {
		why = "unknown column type";
		Error(JET_errInvalidColumnType);
	}
	if (len && !text)
		Error(JET_errInvalidParameter);
	if (len == 0 && coltyp_fixed_size(coltyp)) {
		why = "empty value for a fixed-size column type";
		Error(JET_errInvalidParameter);
	}
	switch (coltyp) {
	case JET_coltypBit:
		Call(parse_bit(text, len, b, &why));
		Call(csv_buf_append(out, b, 1));
		break;
	case JET_coltypUnsignedByte:
		Call(parse_unsigned(text, len, UINT8_MAX, &uv, &why));
		b[0] = (uint8_t)uv;
		Call(csv_buf_append(out, b, 1));
		break;
	case JET_coltypShort:
		Call(parse_signed(text, len, INT16_MIN, INT16_MAX, &sv, &why));
		put_le16(b, (uint16_t)sv);
		Call(csv_buf_append(out, b, 2));
		break;
	case JET_coltypUnsignedShort:
		Call(parse_unsigned(text, len, UINT16_MAX, &uv, &why));
		put_le16(b, (uint16_t)uv);
		Call(csv_buf_append(out, b, 2));
		break;
	case JET_coltypLong:
		Call(parse_signed(text, len, INT32_MIN, INT32_MAX, &sv, &why));
		put_le32(b, (uint32_t)sv);
		Call(csv_buf_append(out, b, 4));
		break;
	case JET_coltypUnsignedLong:
		Call(parse_unsigned(text, len, UINT32_MAX, &uv, &why));
		put_le32(b, (uint32_t)uv);
		Call(csv_buf_append(out, b, 4));
		break;
	case JET_coltypLongLong:
		Call(parse_signed(text, len, INT64_MIN, INT64_MAX, &sv, &why));
		put_le64(b, (uint64_t)sv);
		Call(csv_buf_append(out, b, 8));
		break;
	case JET_coltypUnsignedLongLong:
		Call(parse_unsigned(text, len, UINT64_MAX, &uv, &why));
		put_le64(b, uv);
		Call(csv_buf_append(out, b, 8));
		break;
	case JET_coltypCurrency:
		Call(parse_currency(text, len, &sv, &why));
		put_le64(b, (uint64_t)sv);
		Call(csv_buf_append(out, b, 8));
		break;
	case JET_coltypIEEESingle: {
		float f;
		Call(parse_single(text, len, &f, &why));
		put_le32(b, fbits(f));
		Call(csv_buf_append(out, b, 4));
		break;
	}
	case JET_coltypIEEEDouble:
	case JET_coltypDateTime: {
		double d;
		if (coltyp == JET_coltypDateTime)
			Call(parse_datetime(text, len, &d, &why));
		else
			Call(parse_double(text, len, &d, &why));
		put_le64(b, dbits(d));
		Call(csv_buf_append(out, b, 8));
		break;
	}
	case JET_coltypGUID:
		Call(parse_guid(text, len, b, &why));
		Call(csv_buf_append(out, b, 16));
		break;
	case JET_coltypBinary:
	case JET_coltypLongBinary:
		Call(parse_hex(text, len, out, &why));
		break;
	case JET_coltypText:
	case JET_coltypLongText:
		if (cp == CSV_CP_UNICODE)
			Call(parse_text_1200(text, len, out, &why));
		else if (cp_is_1252(cp))
			Call(parse_text_1252(text, len, out, &why));
		else
			Call(csv_buf_append(out, text, len));
		break;
	default:
		why = "unknown column type";
		Error(JET_errInvalidColumnType);
	}
	if ((coltyp == JET_coltypText || coltyp == JET_coltypBinary) &&
	    out->len - start > JET_cbColumnMost) {
		why = "value longer than 255 bytes for a Text/Binary column";
		Error(JET_errColumnTooBig);
	}
	return JET_errSuccess;

HandleError:
	out->len = start;
	if (preason)
		*preason = why                         ? why
			   : err == JET_errOutOfMemory ? "out of memory"
						       : "invalid value";
	return err;
}

void csv_values_init(csv_values *vals)
{
	memset(vals, 0, sizeof(*vals));
}

void csv_values_free(csv_values *vals)
{
	csv_buf_free(&vals->data);
	jet_free(vals->v);
	csv_values_init(vals);
}

static JET_ERR values_add(csv_values *vals, JET_COLTYP coltyp, unsigned cp, const char *t, size_t n,
			  const char **why)
{
	size_t off = vals->data.len;

	if (vals->n == vals->cap) {
		size_t cap = vals->cap ? vals->cap * 2 : 8;
		csv_span *v = jet_realloc(vals->v, cap * sizeof(*v));
		if (!v) {
			*why = "out of memory";
			return JET_errOutOfMemory;
		}
		vals->v = v;
		vals->cap = cap;
	}
	CallR(csv_parse_value(coltyp, cp, t, n, &vals->data, why));
	vals->v[vals->n].off = off;
	vals->v[vals->n].cb = vals->data.len - off;
	vals->n++;
	return JET_errSuccess;
}

static bool arr_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* {e1,e2,...}: elements quoted "..." with \-escapes, or bare (trimmed,
 * \-escapes allowed, no quote or brace). */
static JET_ERR parse_array(JET_COLTYP coltyp, unsigned cp, const char *t, size_t n,
			   csv_values *vals, const char **why)
{
	JET_ERR err = JET_errSuccess;
	csv_buf elem;
	size_t i = 0;

	csv_buf_init(&elem);
	while (n > 0 && arr_space(t[n - 1]))
		n--;
	while (i < n && arr_space(t[i]))
		i++;
	if (i == n || t[i] != '{' || t[n - 1] != '}' || n - i < 2) {
		*why = "a multi-valued field must be {value,value,...}";
		Error(JET_errInvalidParameter);
	}
	i++;
	n--;
	while (i < n && arr_space(t[i]))
		i++;
	if (i == n)
		goto HandleError; /* {}: no values */
	for (;;) {
		elem.len = 0;
		while (i < n && arr_space(t[i]))
			i++;
		if (i < n && t[i] == '"') {
			for (i++;; i++) {
				if (i >= n) {
					*why = "unterminated quoted element";
					Error(JET_errInvalidParameter);
				}
				if (t[i] == '"')
					break;
				if (t[i] == '\\' && ++i >= n) {
					*why = "unterminated quoted element";
					Error(JET_errInvalidParameter);
				}
				Call(csv_buf_append(&elem, t + i, 1));
			}
			i++;
			while (i < n && arr_space(t[i]))
				i++;
		} else {
			size_t keep = 0; /* length up to the last byte that is not trailing space */
			for (; i < n && t[i] != ',' && t[i] != '}'; i++) {
				if (t[i] == '"' || t[i] == '{') {
					*why = "a quote or brace inside an unquoted element";
					Error(JET_errInvalidParameter);
				}
				if (t[i] == '\\') {
					if (++i >= n) {
						*why = "backslash at the end of the field";
						Error(JET_errInvalidParameter);
					}
					Call(csv_buf_append(&elem, t + i, 1));
					keep = elem.len;
				} else {
					Call(csv_buf_append(&elem, t + i, 1));
					if (!arr_space(t[i]))
						keep = elem.len;
				}
			}
			elem.len = keep;
			if (elem.len == 0) {
				*why = "empty element (write \"\" for an empty value)";
				Error(JET_errInvalidParameter);
			}
			if (ieq(elem.p, elem.len, "null")) {
				*why = "NULL element (a multi-valued column holds no NULLs)";
				Error(JET_errInvalidParameter);
			}
		}
		Call(values_add(vals, coltyp, cp, elem.p, elem.len, why));
		if (i == n)
			break;
		if (t[i] != ',') {
			*why = "expected ',' or '}' after an element";
			Error(JET_errInvalidParameter);
		}
		i++;
	}
HandleError:
	csv_buf_free(&elem);
	if (err == JET_errOutOfMemory)
		*why = "out of memory";
	return err;
}

JET_ERR csv_parse_field(JET_COLTYP coltyp, unsigned cp, bool multi, const char *text, size_t len,
			bool quoted, csv_values *vals, const char **preason)
{
	const char *why = NULL;
	JET_ERR err;

	vals->n = 0;
	vals->data.len = 0;
	if (len == 0 && (!quoted || multi))
		return JET_errSuccess;
	if (multi)
		err = parse_array(coltyp, cp, text, len, vals, &why);
	else
		err = values_add(vals, coltyp, cp, text, len, &why);
	if (err < 0) {
		vals->n = 0;
		vals->data.len = 0;
		if (preason)
			*preason = why ? why : "invalid value";
	}
	return err;
}

/* ------------------------------------------------------------------ */
/* Writer                                                             */
/* ------------------------------------------------------------------ */

/* Emit one field to out (NULL: count only); *plen gets its byte length. */
/* Types whose text is a number or a date: never empty, never a byte that
 * needs quoting (digits, sign, '.', 'e', "inf", "nan(0x..)", 'T', ':'). */
static bool coltyp_plain(JET_COLTYP t)
{
	switch (t) {
	case JET_coltypBit:
	case JET_coltypUnsignedByte:
	case JET_coltypShort:
	case JET_coltypLong:
	case JET_coltypCurrency:
	case JET_coltypIEEESingle:
	case JET_coltypIEEEDouble:
	case JET_coltypDateTime:
	case JET_coltypUnsignedLong:
	case JET_coltypLongLong:
	case JET_coltypUnsignedShort:
	case JET_coltypUnsignedLongLong:
		return true;
	default:
		return false;
	}
}

static JET_ERR field_emit(csv_buf *out, const csv_field *f, uint64_t *plen)
{
	csv_stats fst;
	csv_sink s;
	size_t i, start = out ? out->len : 0;

	*plen = 0;
	if (f->nvalues == 0)
		return JET_errSuccess;
	if (!f->values)
		return JET_errInvalidParameter;
	if (!f->multi) {
		if (f->nvalues != 1)
			return JET_errInvalidParameter;
		sink_init(&s, out);
		s.plain = coltyp_plain(f->coltyp);
		CallR(render_value(&s, f->coltyp, f->cp, f->values[0].pv, f->values[0].cb));
		fst = s.st;
	} else {
		memset(&fst, 0, sizeof(fst));
		sink_init(&s, out);
		CallR(sink_put(&s, "{", 1));
		fst.len = 1;
		for (i = 0; i < f->nvalues; i++) {
			size_t estart;
			if (i > 0) {
				CallR(sink_put(&s, ",", 1));
				fst.len++;
				fst.cls |= CLS_CSV;
			}
			estart = out ? out->len : 0;
			sink_init(&s, out);
			CallR(render_value(&s, f->coltyp, f->cp, f->values[i].pv, f->values[i].cb));
			if (elem_needs_quotes(&s.st)) {
				uint64_t extra = s.st.nquote + s.st.nbslash;
				if (out) {
					CallR(csv_buf_reserve(out, (size_t)extra + 2));
					quote_in_place(out, estart, (size_t)s.st.len, (size_t)extra,
						       true);
				}
				fst.len += s.st.len + extra + 2;
				fst.nquote += s.st.nquote + 2;
				fst.nbslash += 2 * s.st.nbslash + s.st.nquote;
				fst.cls |= CLS_CSV | CLS_ARR;
			} else {
				fst.len += s.st.len;
				fst.cls |= s.st.cls;
			}
		}
		CallR(sink_put(&s, "}", 1));
		fst.len++;
	}
	if (fst.len == 0 || (fst.cls & CLS_CSV)) {
		if (out) {
			CallR(csv_buf_reserve(out, (size_t)fst.nquote + 2));
			quote_in_place(out, start, (size_t)fst.len, (size_t)fst.nquote, false);
		}
		*plen = fst.len + fst.nquote + 2;
	} else {
		*plen = fst.len;
	}
	assert(!out || out->len - start == *plen);
	return JET_errSuccess;
}

static JET_ERR row_emit(csv_buf *out, const csv_field *fields, size_t n, uint64_t *pcb)
{
	JET_ERR err = JET_errSuccess;
	size_t start = out ? out->len : 0, i;
	uint64_t total = 0, len;

	for (i = 0; i < n; i++) {
		if (i > 0) {
			if (out)
				Call(csv_buf_append(out, ",", 1));
			total++;
		}
		Call(field_emit(out, &fields[i], &len));
		total += len;
	}
	if (out)
		Call(csv_buf_append(out, "\n", 1));
	total++;
	*pcb = total;
	return JET_errSuccess;
HandleError:
	if (out)
		out->len = start;
	return err;
}

JET_ERR csv_write_row(csv_buf *out, const csv_field *fields, size_t nfields, size_t *pcb)
{
	uint64_t len;

	CallR(row_emit(out, fields, nfields, &len));
	if (pcb)
		*pcb = (size_t)len;
	return JET_errSuccess;
}

JET_ERR csv_row_length(const csv_field *fields, size_t nfields, uint64_t *pcb)
{
	return row_emit(NULL, fields, nfields, pcb);
}

static JET_ERR header_emit(csv_buf *out, const char *const *names, size_t n, uint64_t *pcb)
{
	JET_ERR err = JET_errSuccess;
	csv_field *f = NULL;
	csv_value *v = NULL;
	size_t i;

	if (n) {
		f = jet_calloc(n, sizeof(*f));
		v = jet_calloc(n, sizeof(*v));
		if (!f || !v)
			Error(JET_errOutOfMemory);
	}
	for (i = 0; i < n; i++) {
		v[i].pv = names[i];
		v[i].cb = strlen(names[i]);
		f[i].coltyp = JET_coltypLongText;
		f[i].cp = CSV_CP_UTF8;
		f[i].nvalues = 1;
		f[i].values = &v[i];
	}
	Call(row_emit(out, f, n, pcb));
HandleError:
	jet_free(f);
	jet_free(v);
	return err;
}

JET_ERR csv_write_header(csv_buf *out, const char *const *names, size_t nnames, size_t *pcb)
{
	uint64_t len;

	CallR(header_emit(out, names, nnames, &len));
	if (pcb)
		*pcb = (size_t)len;
	return JET_errSuccess;
}

JET_ERR csv_header_length(const char *const *names, size_t nnames, uint64_t *pcb)
{
	return header_emit(NULL, names, nnames, pcb);
}

/* ------------------------------------------------------------------ */
/* Parser                                                             */
/* ------------------------------------------------------------------ */

/*
 * States (the position within the current row):
 *
 *   ROW_START    nothing of the row seen yet
 *   FIELD_START  after a ',' (a field begins; it may be empty)
 *   UNQUOTED     inside an unquoted field
 *   QUOTED       inside a quoted field
 *   QUOTE        a '"' seen inside a quoted field: doubled quote or end
 *   CR           a CR outside quotes: must be followed by LF
 *
 * A row ends at LF (or CRLF) outside quotes. The row's start line is noted
 * at its first byte; LFs inside quoted fields advance the line count.
 */
enum csv_state { ST_ROW_START, ST_FIELD_START, ST_UNQUOTED, ST_QUOTED, ST_QUOTE, ST_CR };

typedef struct csv_fpos {
	size_t off;
	size_t len;
	bool quoted;
} csv_fpos;

struct csv_parser {
	csv_row_fn fn;
	void *ctx;
	size_t field_max, fields_max;
	enum csv_state st;
	uint64_t line;     /* line the next byte is on */
	uint64_t row_line; /* line the current row started on */
	uint64_t rows;
	csv_buf row;     /* bytes of the current row's fields */
	csv_fpos *f;     /* fields of the current row; f[nf] is the open one */
	size_t nf, capf; /* closed fields, capacity */
	csv_ftext *out;  /* handed to the callback */
	size_t capout;
	JET_ERR err; /* sticky */
	const char *reason;
	uint64_t err_line;
};

JET_ERR csv_parser_create(csv_parser **pparser, const csv_limits *limits, csv_row_fn fn, void *ctx)
{
	csv_parser *p;

	if (!pparser || !fn)
		return JET_errInvalidParameter;
	p = jet_calloc(1, sizeof(*p));
	if (!p)
		return JET_errOutOfMemory;
	p->fn = fn;
	p->ctx = ctx;
	p->field_max = limits && limits->field_max ? limits->field_max : CSV_FIELD_MAX_DEFAULT;
	p->fields_max = limits && limits->fields_max ? limits->fields_max : CSV_FIELDS_MAX_DEFAULT;
	p->st = ST_ROW_START;
	p->line = 1;
	p->row_line = 1;
	*pparser = p;
	return JET_errSuccess;
}

void csv_parser_destroy(csv_parser *p)
{
	if (!p)
		return;
	csv_buf_free(&p->row);
	jet_free(p->f);
	jet_free(p->out);
	jet_free(p);
}

const char *csv_parser_error(const csv_parser *p, uint64_t *pline)
{
	if (pline)
		*pline = p->err ? p->err_line : 0;
	return p->err ? p->reason : NULL;
}

void csv_parser_set_reason(csv_parser *p, const char *reason)
{
	p->reason = reason;
}

uint64_t csv_parser_rows(const csv_parser *p)
{
	return p->rows;
}

static JET_ERR parser_fail(csv_parser *p, JET_ERR err, const char *reason)
{
	p->err = err;
	p->reason = reason;
	p->err_line = p->row_line;
	return err;
}

/* Open a new field at the end of the row buffer. */
static JET_ERR field_open(csv_parser *p, bool quoted)
{
	if (p->nf >= p->fields_max)
		return parser_fail(p, JET_errTooManyColumns, "row has more fields than the limit");
	if (p->nf + 1 > p->capf) {
		size_t cap = p->capf ? p->capf * 2 : 16;
		csv_fpos *f = jet_realloc(p->f, cap * sizeof(*f));
		if (!f)
			return parser_fail(p, JET_errOutOfMemory, "out of memory");
		p->f = f;
		p->capf = cap;
	}
	p->f[p->nf].off = p->row.len;
	p->f[p->nf].len = 0;
	p->f[p->nf].quoted = quoted;
	return JET_errSuccess;
}

static void field_close(csv_parser *p)
{
	p->f[p->nf].len = p->row.len - p->f[p->nf].off;
	p->nf++;
}

static JET_ERR field_bytes(csv_parser *p, const char *b, size_t n)
{
	if (p->row.len - p->f[p->nf].off + n > p->field_max)
		return parser_fail(p, JET_errColumnTooBig, "field longer than the size limit");
	if (csv_buf_append(&p->row, b, n) < 0)
		return parser_fail(p, JET_errOutOfMemory, "out of memory");
	return JET_errSuccess;
}

static JET_ERR row_end(csv_parser *p)
{
	JET_ERR err;
	size_t i;

	if (p->nf > p->capout) {
		csv_ftext *o = jet_realloc(p->out, p->nf * sizeof(*o));
		if (!o)
			return parser_fail(p, JET_errOutOfMemory, "out of memory");
		p->out = o;
		p->capout = p->nf;
	}
	for (i = 0; i < p->nf; i++) {
		p->out[i].p = p->row.p ? p->row.p + p->f[i].off : "";
		p->out[i].len = p->f[i].len;
		p->out[i].quoted = p->f[i].quoted;
	}
	p->reason = NULL;
	err = p->fn(p->ctx, p->row_line, p->out, p->nf);
	if (err < 0)
		return parser_fail(p, err, p->reason ? p->reason : "rejected by the row callback");
	p->rows++;
	p->nf = 0;
	p->row.len = 0;
	p->st = ST_ROW_START;
	return JET_errSuccess;
}

JET_ERR csv_parser_feed(csv_parser *p, const void *data, size_t len)
{
	const char *b = data, *end = b + len;

	if (p->err)
		return p->err;
	while (b < end) {
		char c = *b;

		switch (p->st) {
		case ST_ROW_START:
			p->row_line = p->line;
			CallR(field_open(p, false));
			p->st = ST_FIELD_START;
			continue; /* same byte, as a field start */
		case ST_FIELD_START:
			if (c == '"') {
				p->f[p->nf].quoted = true;
				p->st = ST_QUOTED;
				b++;
				continue;
			}
			p->st = ST_UNQUOTED;
			continue;
		case ST_UNQUOTED: {
			const char *q = b;
			while (q < end && *q != ',' && *q != '\n' && *q != '\r' && *q != '"')
				q++;
			if (q > b)
				CallR(field_bytes(p, b, (size_t)(q - b)));
			b = q;
			if (b == end)
				continue;
			c = *b++;
			if (c == '"')
				return parser_fail(p, JET_errInvalidParameter,
						   "a quote inside an unquoted field");
			field_close(p);
			if (c == ',') {
				CallR(field_open(p, false));
				p->st = ST_FIELD_START;
			} else if (c == '\r') {
				p->st = ST_CR;
			} else {
				p->line++;
				CallR(row_end(p));
			}
			continue;
		}
		case ST_QUOTED: {
			const char *q = memchr(b, '"', (size_t)(end - b)), *r;
			if (!q)
				q = end;
			for (r = b; r < q; r++)
				p->line += *r == '\n';
			if (q > b)
				CallR(field_bytes(p, b, (size_t)(q - b)));
			b = q;
			if (b < end) {
				b++;
				p->st = ST_QUOTE;
			}
			continue;
		}
		case ST_QUOTE:
			b++;
			if (c == '"') {
				CallR(field_bytes(p, "\"", 1));
				p->st = ST_QUOTED;
				continue;
			}
			if (c != ',' && c != '\n' && c != '\r')
				return parser_fail(p, JET_errInvalidParameter,
						   "a character after a closing quote");
			field_close(p);
			if (c == ',') {
				CallR(field_open(p, false));
				p->st = ST_FIELD_START;
			} else if (c == '\r') {
				p->st = ST_CR;
			} else {
				p->line++;
				CallR(row_end(p));
			}
			continue;
		case ST_CR:
			if (c != '\n')
				return parser_fail(p, JET_errInvalidParameter,
						   "a CR outside quotes not followed by LF");
			b++;
			p->line++;
			CallR(row_end(p));
			continue;
		}
	}
	return JET_errSuccess;
}

JET_ERR csv_parser_finish(csv_parser *p)
{
	if (p->err)
		return p->err;
	switch (p->st) {
	case ST_ROW_START:
		return JET_errSuccess;
	case ST_QUOTED:
		return parser_fail(
		    p, JET_errInvalidParameter,
		    "unbalanced quote: a quoted field is not closed at the end of input");
	case ST_CR:
		return parser_fail(p, JET_errInvalidParameter,
				   "a CR outside quotes not followed by LF");
	case ST_FIELD_START:
	case ST_UNQUOTED:
	case ST_QUOTE:
		field_close(p);
		return row_end(p);
	}
	return JET_errSuccess;
}
