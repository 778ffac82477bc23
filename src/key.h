/*
 * key.h - normalized keys: typed column values turned into byte strings
 * whose memcmp order is ESE's order for the type.
 *
 * A key is a concatenation of segments, one per index column, each:
 *   a header byte: 0x00 NULL (sorts first), 0x7F a value (0x01 an empty
 *   (zero-length) Text/Binary value, so it sorts after NULL and before any
 *   non-empty value); then the encoded value;
 *   descending columns have every byte of the segment (header included)
 *   inverted (b ^ 0xFF).
 * Encodings:
 *   Bit: 1 byte (0 or 0xFF... any non-zero value is true and stored 0xFF);
 *   unsigned integers: big-endian;
 *   signed integers (Short, Long, LongLong, Currency): big-endian with the
 *     sign bit flipped;
 *   IEEESingle/IEEEDouble/DateTime: big-endian bits, all bits flipped when
 *     negative, else only the sign bit (so -0.0 < +0.0, NaN after +inf);
 *   GUID: its 16 bytes in the order ESE sorts them (the string order of the
 *     last group first... see key.c) ;
 *   Text/LongText (ESE's default: case-insensitive): the text folded with
 *     ASCII and Latin-1 case folding of UTF-8 input (other code points
 *     compare by code point; documented in docs/format.md), for cp 1200
 *     UTF-16LE first converted to UTF-8; then the binary encoding;
 *   Binary/LongBinary/Text: groups of 8 bytes each followed by a count byte
 *     (1..8 = that many bytes valid and the value ends; 9 = 8 bytes valid and
 *     more follow), so a prefix sorts before its extensions.
 * A key longer than the index's cbKeyMost is truncated there (and a unique
 * index then compares the truncated keys, as ESE does).
 */
#ifndef JET_KEY_H
#define JET_KEY_H

#include "jet_common.h"

/* Maximum size of one encoded segment for cb bytes of input. */
size_t key_segment_max(JET_COLTYP coltyp, size_t cb);

/* Appends one segment to out (out has cbOutMax bytes in all, *pcbOut used so
 * far). pv NULL with cb 0 encodes NULL; JET_bitKeyDataZeroLength (or pv
 * non-NULL with cb 0) encodes an empty value. A fixed-size type given the
 * wrong size: JET_errInvalidBufferSize. Output beyond cbOutMax is cut off
 * and *pfTruncated set (the caller decides if that is
 * JET_errKeyTruncated/JET_wrnKeyTruncated...). */
JET_ERR key_append_segment(JET_COLTYP coltyp, uint16_t cp, bool descending, const void *pv,
			   size_t cb, JET_GRBIT grbit, uint8_t *out, size_t cbOutMax, size_t *pcbOut,
			   bool *pfTruncated);

/* Key limits for JetMakeKey's JET_bitStrLimit/SubStrLimit/FullColumn*Limit:
 * makes the key just past (end limit) every key beginning with the given
 * prefix. Returns the new length. */
size_t key_make_end_limit(uint8_t *key, size_t cbKey, size_t cbMax);

/* Case folding used for Text (exposed for tests and the CSV layer). */
size_t key_fold_text(const uint8_t *in, size_t cb, uint8_t *out, size_t cbOutMax);

#endif
