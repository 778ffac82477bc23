/*
 * crc32c.c - CRC-32C (Castagnoli, reflected polynomial 0x82F63B78).
 *
 * Design: the checksum is the usual one (register preset to ~0, result
 * inverted), so crc32c("123456789") == 0xE3069283 and a finished value can be
 * continued: extend() undoes the final inversion, feeds more bytes, and
 * inverts again, which makes crc32c_extend(crc32c(a), b) == crc32c(a || b).
 *
 * Two engines compute the same function. On x86-64 with SSE4.2 the crc32
 * instruction does 8 bytes per step; elsewhere a slicing-by-8 table does 8
 * bytes per step in software. Which one runs, and the software tables, are
 * settled once under pthread_once, so the first checksum from any thread is
 * as correct as the rest.
 */
#include "crc32c.h"

#include <pthread.h>
#include <stdbool.h>
#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__)
#include <nmmintrin.h>
#define CRC32C_HAVE_HW 1
#endif

#define CRC32C_POLY 0x82F63B78u

static uint32_t crc32c_table[8][256];
static bool crc32c_use_hw;
static pthread_once_t crc32c_once = PTHREAD_ONCE_INIT;

static void crc32c_init(void)
{
	for (uint32_t n = 0; n < 256; n++) {
		uint32_t c = n;
		for (int k = 0; k < 8; k++)
			c = (c & 1) ? (c >> 1) ^ CRC32C_POLY : c >> 1;
		crc32c_table[0][n] = c;
	}
	/* Table k advances a byte that sits k positions before the end of an
	 * 8-byte block, i.e. through k more zero bytes. */
	for (uint32_t n = 0; n < 256; n++) {
		uint32_t c = crc32c_table[0][n];
		for (int k = 1; k < 8; k++) {
			c = crc32c_table[0][c & 0xff] ^ (c >> 8);
			crc32c_table[k][n] = c;
		}
	}
#ifdef CRC32C_HAVE_HW
	__builtin_cpu_init();
	crc32c_use_hw = __builtin_cpu_supports("sse4.2");
#endif
}

/* Explicit little-endian loads keep the table walk right on any host. */
static inline uint32_t crc32c_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
	       ((uint32_t)p[3] << 24);
}

/* Works on the raw (uninverted) register. */
static uint32_t crc32c_sw_raw(uint32_t c, const uint8_t *p, size_t len)
{
	while (len && ((uintptr_t)p & 7)) {
		c = crc32c_table[0][(c ^ *p++) & 0xff] ^ (c >> 8);
		len--;
	}
	while (len >= 8) {
		uint32_t lo = crc32c_le32(p) ^ c;
		uint32_t hi = crc32c_le32(p + 4);
		c = crc32c_table[7][lo & 0xff] ^ crc32c_table[6][(lo >> 8) & 0xff] ^
		    crc32c_table[5][(lo >> 16) & 0xff] ^ crc32c_table[4][lo >> 24] ^
		    crc32c_table[3][hi & 0xff] ^ crc32c_table[2][(hi >> 8) & 0xff] ^
		    crc32c_table[1][(hi >> 16) & 0xff] ^ crc32c_table[0][hi >> 24];
		p += 8;
		len -= 8;
	}
	while (len--)
		c = crc32c_table[0][(c ^ *p++) & 0xff] ^ (c >> 8);
	return c;
}

#ifdef CRC32C_HAVE_HW
__attribute__((target("sse4.2"))) static uint32_t crc32c_hw_raw(uint32_t c, const uint8_t *p,
								size_t len)
{
	while (len && ((uintptr_t)p & 7)) {
		c = _mm_crc32_u8(c, *p++);
		len--;
	}
	uint64_t c64 = c;
	while (len >= 8) {
		uint64_t v;
		memcpy(&v, p, 8); /* aligned here; memcpy keeps it strict-aliasing clean */
		c64 = _mm_crc32_u64(c64, v);
		p += 8;
		len -= 8;
	}
	c = (uint32_t)c64;
	while (len--)
		c = _mm_crc32_u8(c, *p++);
	return c;
}
#endif

uint32_t crc32c_extend_sw(uint32_t crc, const void *data, size_t len)
{
	if (data == NULL || len == 0)
		return crc; /* nothing to add: the CRC of a||"" is the CRC of a */
	pthread_once(&crc32c_once, crc32c_init);
	return ~crc32c_sw_raw(~crc, data, len);
}

uint32_t crc32c_extend(uint32_t crc, const void *data, size_t len)
{
	if (data == NULL || len == 0)
		return crc;
	pthread_once(&crc32c_once, crc32c_init);
#ifdef CRC32C_HAVE_HW
	if (crc32c_use_hw)
		return ~crc32c_hw_raw(~crc, data, len);
#endif
	return ~crc32c_sw_raw(~crc, data, len);
}
