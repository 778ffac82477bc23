/*
 * key.c - normalized keys (see key.h): typed values to byte strings whose
 * memcmp order is the index order.
 *
 * One segment:
 *
 *   +--------+------------------------------------------+
 *   | header | encoded value (absent for NULL and empty) |
 *   +--------+------------------------------------------+
 *     0x00 NULL < 0x01 empty < 0x7F value; a descending segment has every
 *     byte, header included, XORed with 0xFF.
 *
 *   fixed-size types, big-endian so memcmp compares them as numbers:
 *     Bit            1 byte, 0x00 or 0xFF
 *     unsigned       the value, big-endian
 *     signed         the value with its sign bit flipped, big-endian
 *     float/double   the IEEE bits big-endian, all flipped when the sign is
 *     DateTime       set, else only the sign bit; every NaN is first made
 *                    the positive quiet NaN, so NaNs are equal and sort
 *                    after +inf; -0.0 sorts just before +0.0
 *     GUID           the 16 bytes in ESE's (and SQL Server's) order: bytes
 *                    10..15, 8..9, 6..7, 4..5, 0..3 of the GUID as stored
 *                    (Data4[2..7] first, Data1 last)
 *
 *   Text/Binary (and their Long forms), the "8+1 group" encoding:
 *     +----------------+---+----------------+---+     +----------------+---+
 *     | 8 value bytes  | 9 | 8 value bytes  | 9 | ... | n bytes, 0-pad | n |
 *     +----------------+---+----------------+---+     +----------------+---+
 *     A count byte 9 means "8 bytes, more follow"; 1..8 ends the value. A
 *     prefix sorts before its extensions and a segment is self-delimiting,
 *     so the next segment never compares against the tail of this one.
 *
 *   Text is first case-folded (key_fold_text): ASCII A-Z and Latin-1
 *   U+00C0..U+00DE except U+00D7 map to lowercase; other code points and
 *   bytes that are not valid UTF-8 stay as they are. Folding those code
 *   points keeps the UTF-8 length, so it is done byte-wise with no buffer.
 *   Text with cp 1200 is UTF-16LE and becomes UTF-8 first (an unpaired
 *   surrogate becomes its own 3-byte form, so distinct strings stay
 *   distinct; an odd byte count is JET_errInvalidBufferSize). Order is then
 *   code-point order of the folded text, not Windows' collation.
 *
 * Substring limits (JetMakeKey's JET_bitSubStrLimit and
 * JET_bitPartialColumnStart/EndLimit). The "prefix form" of a Text/Binary
 * segment ends after the last value byte (no padding, no count byte); the
 * key of every value that starts with the given value begins with it. It
 * also begins the keys of shorter values that differ only by trailing 0x00
 * bytes of the last group (08 vs 08 00: the zero padding matches), and
 * those sort just below the value's ordinary key when ascending, just above
 * it when descending. So the exact range of "starts with v" is
 *   ascending:  [ key(v),         end_limit(prefix(v)) )
 *   descending: [ prefix(v),      end_limit(key(v))    )
 * and key_append_segment picks the form from the flags and the direction:
 * JET_bitPartialColumnStartLimit gives the start form, JET_bitSubStrLimit
 * and JET_bitPartialColumnEndLimit the form whose key_make_end_limit is the
 * end. The caller's rule is then the same for both directions. An empty
 * value has no prefix form (the empty key 0x01 and the value keys 0x7F..
 * share no first byte): it stays the empty segment, whose limits cover the
 * empty value only.
 *
 * End limit: the smallest byte string greater than every string that
 * starts with the key: drop trailing 0xFF bytes and add one to the last
 * byte. Keys never consist only of 0xFF bytes in practice (that would be all
 * descending NULLs); then the limit is the key padded with 0xFF to cbMax,
 * which no key of at most cbMax bytes exceeds.
 *
 * Nothing here allocates: output is written as it is produced and stops at
 * cbOutMax (the rest is only noted as truncation).
 */
#include "key.h"

#define KEY_HDR_NULL 0x00
#define KEY_HDR_EMPTY 0x01
#define KEY_HDR_VALUE 0x7F
#define KEY_GROUP 8
#define KEY_GROUP_MORE 9
#define KEY_CP_UNICODE 1200

/* Where a segment goes: bytes beyond cbMax are dropped and noted. */
typedef struct key_out {
	uint8_t *p;
	size_t cb, cbMax;
	uint8_t inv; /* 0xFF for a descending segment */
	bool fTruncated;
} key_out;

static inline void key_put(key_out *o, uint8_t b)
{
	if (JET_LIKELY(o->cb < o->cbMax))
		o->p[o->cb++] = b ^ o->inv;
	else
		o->fTruncated = true;
}

static void key_put_be(key_out *o, uint64_t v, unsigned cb)
{
	while (cb-- > 0)
		key_put(o, (uint8_t)(v >> (8 * cb)));
}

/* The group encoder: holds the current group until it knows whether more
 * bytes follow (count 9) or the value ends there (count 1..8). */
typedef struct key_groups {
	key_out *o;
	uint8_t g[KEY_GROUP];
	unsigned n;
} key_groups;

static inline void key_group_byte(key_groups *k, uint8_t b)
{
	if (k->n == KEY_GROUP) {
		unsigned i;

		for (i = 0; i < KEY_GROUP; i++)
			key_put(k->o, k->g[i]);
		key_put(k->o, KEY_GROUP_MORE);
		k->n = 0;
	}
	k->g[k->n++] = b;
}

static void key_group_end(key_groups *k, bool fPrefix)
{
	unsigned i;

	for (i = 0; i < k->n; i++)
		key_put(k->o, k->g[i]);
	if (fPrefix)
		return;
	for (; i < KEY_GROUP; i++)
		key_put(k->o, 0);
	key_put(k->o, (uint8_t)k->n);
}

/* Case folding of one code point (ASCII and Latin-1 capitals). */
static inline uint32_t key_fold_cp(uint32_t cp)
{
	if (cp >= 'A' && cp <= 'Z')
		return cp + 0x20;
	if (cp >= 0xC0 && cp <= 0xDE && cp != 0xD7)
		return cp + 0x20;
	return cp;
}

size_t key_fold_text(const uint8_t *in, size_t cb, uint8_t *out, size_t cbOutMax)
{
	size_t i;

	for (i = 0; i < cb && i < cbOutMax; i++) {
		uint8_t b = in[i];

		if (b >= 'A' && b <= 'Z') {
			b += 0x20;
		} else if (b == 0xC3 && i + 1 < cb && (in[i + 1] & 0xC0) == 0x80) {
			/* U+00C0..U+00DE are C3 80..C3 9E; lowercase is +0x20 on
			 * the second byte. 0xC3 is never a continuation byte, so
			 * a valid pair is recognized wherever it starts. */
			uint8_t b2 = in[i + 1];

			if (b2 >= 0x80 && b2 <= 0x9E && b2 != 0x97)
				b2 += 0x20;
			out[i] = b;
			if (++i < cbOutMax)
				out[i] = b2;
			continue;
		}
		out[i] = b;
	}
	return cb;
}

static void key_text_utf8(key_groups *k, const uint8_t *in, size_t cb)
{
	size_t i;

	for (i = 0; i < cb && !k->o->fTruncated; i++) {
		uint8_t b = in[i];

		if (b >= 'A' && b <= 'Z') {
			b += 0x20;
		} else if (b == 0xC3 && i + 1 < cb && (in[i + 1] & 0xC0) == 0x80) {
			uint8_t b2 = in[++i];

			if (b2 >= 0x80 && b2 <= 0x9E && b2 != 0x97)
				b2 += 0x20;
			key_group_byte(k, b);
			b = b2;
		}
		key_group_byte(k, b);
	}
}

static void key_text_utf16(key_groups *k, const uint8_t *in, size_t cb)
{
	size_t i;

	for (i = 0; i + 1 < cb && !k->o->fTruncated; i += 2) {
		uint32_t cp = get_le16(in + i);

		if (cp >= 0xD800 && cp <= 0xDBFF && i + 3 < cb) {
			uint32_t lo = get_le16(in + i + 2);

			if (lo >= 0xDC00 && lo <= 0xDFFF) {
				cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
				i += 2;
			}
		}
		cp = key_fold_cp(cp);
		if (cp < 0x80) {
			key_group_byte(k, (uint8_t)cp);
		} else if (cp < 0x800) {
			key_group_byte(k, (uint8_t)(0xC0 | (cp >> 6)));
			key_group_byte(k, (uint8_t)(0x80 | (cp & 0x3F)));
		} else if (cp < 0x10000) {
			key_group_byte(k, (uint8_t)(0xE0 | (cp >> 12)));
			key_group_byte(k, (uint8_t)(0x80 | ((cp >> 6) & 0x3F)));
			key_group_byte(k, (uint8_t)(0x80 | (cp & 0x3F)));
		} else {
			key_group_byte(k, (uint8_t)(0xF0 | (cp >> 18)));
			key_group_byte(k, (uint8_t)(0x80 | ((cp >> 12) & 0x3F)));
			key_group_byte(k, (uint8_t)(0x80 | ((cp >> 6) & 0x3F)));
			key_group_byte(k, (uint8_t)(0x80 | (cp & 0x3F)));
		}
	}
}

static uint32_t key_fixed_size(JET_COLTYP coltyp)
{
	switch (coltyp) {
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

static bool key_is_var(JET_COLTYP coltyp)
{
	return coltyp == JET_coltypText || coltyp == JET_coltypLongText ||
	       coltyp == JET_coltypBinary || coltyp == JET_coltypLongBinary;
}

static bool key_is_text(JET_COLTYP coltyp)
{
	return coltyp == JET_coltypText || coltyp == JET_coltypLongText;
}

size_t key_segment_max(JET_COLTYP coltyp, size_t cb)
{
	size_t n = cb;

	if (key_fixed_size(coltyp))
		return 1 + key_fixed_size(coltyp);
	if (cb == 0)
		return 1;
	/* A UTF-16 code unit becomes at most 3 UTF-8 bytes. */
	if (key_is_text(coltyp))
		n = cb + (cb + 1) / 2;
	return 1 + (n + KEY_GROUP - 1) / KEY_GROUP * (KEY_GROUP + 1);
}

static const uint8_t key_guid_order[16] = {10, 11, 12, 13, 14, 15, 8, 9, 6, 7, 4, 5, 0, 1, 2, 3};

JET_ERR key_append_segment(JET_COLTYP coltyp, uint16_t cp, bool descending, const void *pv,
			   size_t cb, JET_GRBIT grbit, uint8_t *out, size_t cbOutMax, size_t *pcbOut,
			   bool *pfTruncated)
{
	const uint8_t *b = pv;
	uint32_t cbFixed = key_fixed_size(coltyp);
	key_out o;
	unsigned i;

	if (!cbFixed && !key_is_var(coltyp))
		return JET_errInvalidColumnType;
	if (!pv && cb)
		return JET_errInvalidParameter;
	if (cbFixed && cb && cb != cbFixed)
		return JET_errInvalidBufferSize;
	if (key_is_text(coltyp) && cp == KEY_CP_UNICODE && (cb & 1))
		return JET_errInvalidBufferSize;

	o.p = out;
	o.cb = *pcbOut;
	o.cbMax = cbOutMax;
	o.inv = descending ? 0xFF : 0x00;
	o.fTruncated = false;

	if (cb == 0) {
		key_put(&o, (!pv && !(grbit & JET_bitKeyDataZeroLength)) ? KEY_HDR_NULL : KEY_HDR_EMPTY);
		goto Done;
	}
	key_put(&o, KEY_HDR_VALUE);

	switch (coltyp) {
	case JET_coltypBit:
		key_put(&o, b[0] ? 0xFF : 0x00);
		break;
	case JET_coltypUnsignedByte:
		key_put(&o, b[0]);
		break;
	case JET_coltypUnsignedShort: {
		uint16_t v;
		memcpy(&v, b, sizeof(v));
		key_put_be(&o, v, 2);
		break;
	}
	case JET_coltypUnsignedLong: {
		uint32_t v;
		memcpy(&v, b, sizeof(v));
		key_put_be(&o, v, 4);
		break;
	}
	case JET_coltypUnsignedLongLong: {
		uint64_t v;
		memcpy(&v, b, sizeof(v));
		key_put_be(&o, v, 8);
		break;
	}
	case JET_coltypShort: {
		uint16_t v;
		memcpy(&v, b, sizeof(v));
		key_put_be(&o, v ^ 0x8000u, 2);
		break;
	}
	case JET_coltypLong: {
		uint32_t v;
		memcpy(&v, b, sizeof(v));
		key_put_be(&o, v ^ 0x80000000u, 4);
		break;
	}
	case JET_coltypLongLong:
	case JET_coltypCurrency: {
		uint64_t v;
		memcpy(&v, b, sizeof(v));
		key_put_be(&o, v ^ 0x8000000000000000ull, 8);
		break;
	}
	case JET_coltypIEEESingle: {
		uint32_t v;
		memcpy(&v, b, sizeof(v));
		if ((v & 0x7F800000u) == 0x7F800000u && (v & 0x007FFFFFu))
			v = 0x7FC00000u;
		v = (v & 0x80000000u) ? ~v : v ^ 0x80000000u;
		key_put_be(&o, v, 4);
		break;
	}
	case JET_coltypIEEEDouble:
	case JET_coltypDateTime: {
		uint64_t v;
		memcpy(&v, b, sizeof(v));
		if ((v & 0x7FF0000000000000ull) == 0x7FF0000000000000ull && (v & 0x000FFFFFFFFFFFFFull))
			v = 0x7FF8000000000000ull;
		v = (v & 0x8000000000000000ull) ? ~v : v ^ 0x8000000000000000ull;
		key_put_be(&o, v, 8);
		break;
	}
	case JET_coltypGUID:
		for (i = 0; i < 16; i++)
			key_put(&o, b[key_guid_order[i]]);
		break;
	default: {
		key_groups k = {.o = &o, .n = 0};
		bool fPrefix = descending ? (grbit & JET_bitPartialColumnStartLimit) != 0
					  : (grbit & (JET_bitSubStrLimit | JET_bitPartialColumnEndLimit)) != 0;
		size_t j;

		if (!key_is_text(coltyp)) {
			for (j = 0; j < cb && !o.fTruncated; j++)
				key_group_byte(&k, b[j]);
		} else if (cp == KEY_CP_UNICODE) {
			key_text_utf16(&k, b, cb);
		} else {
			key_text_utf8(&k, b, cb);
		}
		if (!o.fTruncated)
			key_group_end(&k, fPrefix);
		break;
	}
	}

Done:
	*pcbOut = o.cb;
	if (o.fTruncated)
		*pfTruncated = true;
	return JET_errSuccess;
}

size_t key_make_end_limit(uint8_t *key, size_t cbKey, size_t cbMax)
{
	size_t n = cbKey;

	while (n > 0 && key[n - 1] == 0xFF)
		n--;
	if (n == 0) {
		if (cbMax > cbKey)
			memset(key + cbKey, 0xFF, cbMax - cbKey);
		return JET_MAX(cbKey, cbMax);
	}
	key[n - 1]++;
	return n;
}
