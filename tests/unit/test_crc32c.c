/*
 * test_crc32c.c - CRC-32C against published vectors (RFC 3720 B.4 and the
 * common check value), against a bit-at-a-time model, hardware against
 * software on random buffers of random lengths and alignments, and the
 * extend property crc32c_extend(crc32c(a), b) == crc32c(a || b).
 *
 * JET_TEST_SEED overrides the fixed seed, JET_TEST_SCALE multiplies loops.
 */
#include <check.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crc32c.h"

static uint64_t g_seed = 0x6a657466735f6372ull;
static uint64_t g_scale = 1;
static uint64_t g_rng;

static uint64_t rnd(void)
{
	uint64_t z = (g_rng += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

/* The definition, one bit at a time: the model the fast code must match. */
static uint32_t crc_model(const uint8_t *p, size_t n)
{
	uint32_t c = 0xFFFFFFFFu;
	for (size_t i = 0; i < n; i++) {
		c ^= p[i];
		for (int k = 0; k < 8; k++)
			c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
	}
	return ~c;
}

START_TEST(test_known_vectors)
{
	uint8_t b[32];
	ck_assert_uint_eq(crc32c("123456789", 9), 0xE3069283u);
	ck_assert_uint_eq(crc32c_extend_sw(0, "123456789", 9), 0xE3069283u);
	ck_assert_uint_eq(crc32c("", 0), 0);
	ck_assert_uint_eq(crc32c("a", 1), 0xC1D04330u);
	memset(b, 0, sizeof b);
	ck_assert_uint_eq(crc32c(b, 32), 0x8A9136AAu);
	ck_assert_uint_eq(crc32c_extend_sw(0, b, 32), 0x8A9136AAu);
	memset(b, 0xff, sizeof b);
	ck_assert_uint_eq(crc32c(b, 32), 0x62A8AB43u);
	for (int i = 0; i < 32; i++)
		b[i] = (uint8_t)i;
	ck_assert_uint_eq(crc32c(b, 32), 0x46DD794Eu);
	ck_assert_uint_eq(crc32c_extend_sw(0, b, 32), 0x46DD794Eu);
	for (int i = 0; i < 32; i++)
		b[i] = (uint8_t)(31 - i);
	ck_assert_uint_eq(crc32c(b, 32), 0x113FDB5Cu);
	/* Nothing to add leaves a CRC as it was, even with no buffer. */
	ck_assert_uint_eq(crc32c_extend(0x12345678u, NULL, 0), 0x12345678u);
}
END_TEST

START_TEST(test_hw_equals_sw_and_model)
{
	enum { MAXLEN = 4096 + 64 };
	uint8_t *buf = malloc(MAXLEN + 16);
	ck_assert_ptr_nonnull(buf);
	uint64_t iters = 3000 * g_scale;
	for (uint64_t it = 0; it < iters; it++) {
		size_t align = rnd() % 16;
		size_t len = (it % 4 == 0) ? rnd() % 40 : rnd() % (MAXLEN - 15);
		uint8_t *p = buf + align;
		for (size_t i = 0; i < len; i++)
			p[i] = (uint8_t)rnd();
		uint32_t hw = crc32c(p, len);
		uint32_t sw = crc32c_extend_sw(0, p, len);
		if (hw != sw)
			ck_abort_msg("len %zu align %zu: fast %08x soft %08x", len, align, hw, sw);
		if (it % 8 == 0)
			ck_assert_uint_eq(sw, crc_model(p, len));
	}
	free(buf);
}
END_TEST

START_TEST(test_extend)
{
	enum { MAXLEN = 3000 };
	uint8_t *buf = malloc(MAXLEN + 8);
	ck_assert_ptr_nonnull(buf);
	uint64_t iters = 2000 * g_scale;
	for (uint64_t it = 0; it < iters; it++) {
		size_t len = rnd() % MAXLEN;
		for (size_t i = 0; i < len; i++)
			buf[i] = (uint8_t)rnd();
		size_t cut = len ? rnd() % (len + 1) : 0;
		uint32_t whole = crc32c(buf, len);
		ck_assert_uint_eq(crc32c_extend(crc32c(buf, cut), buf + cut, len - cut), whole);
		ck_assert_uint_eq(
		    crc32c_extend_sw(crc32c_extend_sw(0, buf, cut), buf + cut, len - cut), whole);
		/* Three pieces, mixing the engines: they must agree mid-stream. */
		size_t cut2 = cut + (len - cut ? rnd() % (len - cut + 1) : 0);
		uint32_t c = crc32c_extend_sw(0, buf, cut);
		c = crc32c_extend(c, buf + cut, cut2 - cut);
		c = crc32c_extend_sw(c, buf + cut2, len - cut2);
		ck_assert_uint_eq(c, whole);
	}
	/* A CRC detects every single-bit flip. */
	for (int i = 0; i < 64; i++)
		buf[i] = (uint8_t)rnd();
	uint32_t base = crc32c(buf, 64);
	for (int bit = 0; bit < 64 * 8; bit++) {
		buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		ck_assert_uint_ne(crc32c(buf, 64), base);
		buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	free(buf);
}
END_TEST

int main(void)
{
	const char *s = getenv("JET_TEST_SEED");
	if (s && *s)
		g_seed = strtoull(s, NULL, 0);
	s = getenv("JET_TEST_SCALE");
	if (s && *s && strtoull(s, NULL, 0) > 0)
		g_scale = strtoull(s, NULL, 0);
	g_rng = g_seed;
	printf("test_crc32c: seed 0x%016" PRIx64 " (JET_TEST_SEED overrides), scale %" PRIu64 "\n",
	       g_seed, g_scale);

	Suite *suite = suite_create("crc32c");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_known_vectors);
	tcase_add_test(tc, test_hw_equals_sw_and_model);
	tcase_add_test(tc, test_extend);
	suite_add_tcase(suite, tc);
	SRunner *sr = srunner_create(suite);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
