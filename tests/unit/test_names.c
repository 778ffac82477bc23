/*
 * test_names.c - table name <-> file name: random byte strings round-trip
 * through escape/unescape; every valid table name maps to one file name and
 * back; every file name that maps to a table is the one that table maps to
 * (no aliases); reserved, hidden, over-long, "." / "..", "/" and malformed
 * names give their distinct results.
 *
 * Seeded: the seed is printed; JET_TEST_SEED overrides it.
 */
#include <check.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "names.h"

static uint64_t g_seed = 0x6e616d65735f7473ull;
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

static bool valid_byte(unsigned char c)
{
	return c >= 0x20 && c != 0x7F && c != '!' && c != '.' && c != '[' && c != ']';
}

/* A random name ESE accepts: 1..64 bytes, awkward bytes favoured. */
static size_t rnd_valid_name(char *o)
{
	static const char awkward[] = "/%~ -_,;\"'\\*?:<>|{}#$&()=+@^`";
	size_t n = 1 + rnd_below(rnd_below(4) ? 20 : JET_cbNameMost), i;
	for (i = 0; i < n; i++) {
		unsigned char c;
		switch (rnd_below(4)) {
		case 0:
			c = (unsigned char)awkward[rnd_below(sizeof(awkward) - 1)];
			break;
		case 1:
			c = (unsigned char)(0x80 + rnd_below(0x80)); /* UTF-8 or not */
			break;
		default:
			c = (unsigned char)(0x20 + rnd_below(0x5F));
		}
		if (!valid_byte(c) || (i == 0 && c == ' '))
			c = 'x';
		o[i] = (char)c;
	}
	o[n] = 0;
	return n;
}

START_TEST(test_escape_any_bytes)
{
	char in[200], esc[3 * 200 + 1], back[201];
	unsigned iter;

	seed_test(1);
	for (iter = 0; iter < 100000; iter++) {
		size_t n = rnd_below(100), i, m;
		for (i = 0; i < n; i++)
			in[i] = rnd_below(3) ? (char)rnd() : "./%\0\x7f\x1f"[rnd_below(6)];
		ck_assert_int_eq(name_escape(in, n, esc, sizeof(esc)), JET_errSuccess);
		m = strlen(esc);
		/* no slash, no NUL, no control byte, never hidden */
		ck_assert_ptr_null(memchr(esc, '/', m));
		for (i = 0; i < m; i++)
			ck_assert((unsigned char)esc[i] >= 0x20 && esc[i] != 0x7F);
		ck_assert(m == 0 || esc[0] != '.');
		ck_assert_int_eq(name_unescape(esc, m, back, sizeof(back), &i), JET_errSuccess);
		ck_assert_uint_eq(i, n);
		ck_assert(memcmp(back, in, n) == 0);
	}
}
END_TEST

START_TEST(test_table_roundtrip)
{
	char t[JET_cbNameMost + 1], f[NAME_FILE_MAX], s[NAME_FILE_MAX], back[JET_cbNameMost + 1];
	unsigned iter;

	seed_test(2);
	for (iter = 0; iter < 100000; iter++) {
		size_t n = rnd_valid_name(t), fl;
		ck_assert_int_eq(name_check_table(t, n), JET_errSuccess);
		ck_assert_int_eq(name_table_to_file(t, f, sizeof(f)), JET_errSuccess);
		ck_assert_int_eq(name_table_to_schema(t, s, sizeof(s)), JET_errSuccess);
		fl = strlen(f);
		ck_assert(fl > 4 && strcmp(f + fl - 4, ".csv") == 0);
		ck_assert(strncmp(f, s, fl - 4) == 0 && s[fl - 4] == 0);
		ck_assert(!name_is_reserved(f) && !name_is_reserved(s));
		ck_assert(f[0] != '.');
		ck_assert_ptr_null(strchr(f, '/'));
		ck_assert_int_eq(name_file_to_table(f, back), JET_errSuccess);
		ck_assert_str_eq(back, t);
		ck_assert_int_eq(name_schema_to_table(s, back), JET_errSuccess);
		ck_assert_str_eq(back, t);
	}
}
END_TEST

/* Random file names: whenever one maps to a table, that table maps back to
 * exactly this file name (one file name per table). */
START_TEST(test_no_aliases)
{
	static const char alphabet[] = "aZ%2F5E0 .!/[c~\x7f\x01\xc3\xa9";
	char f[80], t[JET_cbNameMost + 1], f2[NAME_FILE_MAX];
	unsigned iter, ok = 0;

	seed_test(3);
	for (iter = 0; iter < 300000; iter++) {
		size_t n = rnd_below(12), i;
		JET_ERR err;
		for (i = 0; i < n; i++)
			f[i] = alphabet[rnd_below(sizeof(alphabet) - 1)];
		if (rnd_below(4))
			memcpy(f + n, ".csv", 5);
		else
			f[n] = 0;
		err = name_file_to_table(f, t);
		ck_assert(err == JET_errSuccess || err == JET_errInvalidName ||
			  err == NAME_errNotTableFile || err == NAME_errTooLong);
		if (err == JET_errSuccess) {
			ok++;
			ck_assert_int_eq(name_check_table(t, strlen(t)), JET_errSuccess);
			ck_assert_int_eq(name_table_to_file(t, f2, sizeof(f2)), JET_errSuccess);
			ck_assert_str_eq(f2, f);
		}
		if (err == NAME_errNotTableFile)
			ck_assert(f[0] == '.' || strlen(f) < 4 ||
				  strcmp(f + strlen(f) - 4, ".csv") != 0);
	}
	ck_assert_uint_gt(ok, 1000);
}
END_TEST

static void file_gives(const char *f, JET_ERR want, const char *table)
{
	char t[JET_cbNameMost + 1];
	JET_ERR err = name_file_to_table(f, t);
	ck_assert_msg(err == want, "'%s' gives %ld, expected %ld", f, (long)err, (long)want);
	if (table)
		ck_assert_str_eq(t, table);
}

START_TEST(test_cases)
{
	char t[JET_cbNameMost + 2], f[NAME_FILE_MAX], big[300];

	file_gives("users.csv", JET_errSuccess, "users");
	file_gives("a%2Fb.csv", JET_errSuccess, "a/b");
	file_gives("100%25.csv", JET_errSuccess, "100%");
	file_gives("caf\xc3\xa9 menu.csv", JET_errSuccess, "caf\xc3\xa9 menu");
	file_gives("x.csv.csv", JET_errInvalidName, NULL); /* table "x.csv": '.' not allowed */
	file_gives("users.CSV", NAME_errNotTableFile, NULL);
	file_gives("users", NAME_errNotTableFile, NULL);
	file_gives("t.csv~", NAME_errNotTableFile, NULL);
	file_gives("4913", NAME_errNotTableFile, NULL);
	file_gives(".t.csv.Ab12Cd", NAME_errNotTableFile, NULL);
	file_gives(".t.csv.swp", NAME_errNotTableFile, NULL);
	file_gives(".#t.csv", NAME_errNotTableFile, NULL);
	file_gives(".csv", NAME_errNotTableFile, NULL);
	file_gives(".schema", NAME_errNotTableFile, NULL);
	file_gives("sedAb12Cd", NAME_errNotTableFile, NULL);
	file_gives(".", JET_errInvalidName, NULL);
	file_gives("..", JET_errInvalidName, NULL);
	file_gives("a/b.csv", JET_errInvalidName, NULL);
	file_gives("", JET_errInvalidName, NULL);
	file_gives("%2f.csv", JET_errInvalidName, NULL);  /* lowercase hex */
	file_gives("%41.csv", JET_errInvalidName, NULL);  /* 'A' is never escaped */
	file_gives("%20a.csv", JET_errInvalidName, NULL); /* nor is a space */
	file_gives("%2.csv", JET_errInvalidName, NULL);   /* short escape */
	file_gives("a%.csv", JET_errInvalidName, NULL);
	file_gives("a%zz.csv", JET_errInvalidName, NULL);
	file_gives("%2Ex.csv", JET_errInvalidName, NULL);  /* table ".x": '.' */
	file_gives("%00.csv", JET_errInvalidName, NULL);   /* NUL */
	file_gives("a%0Ab.csv", JET_errInvalidName, NULL); /* control byte */
	file_gives("a%7F.csv", JET_errInvalidName, NULL);
	file_gives(" a.csv", JET_errInvalidName, NULL); /* leading space */
	file_gives("a .csv", JET_errSuccess, "a ");     /* trailing space is allowed */
	file_gives("a!b.csv", JET_errInvalidName, NULL);
	file_gives("a[0].csv", JET_errInvalidName, NULL);

	/* 64 bytes is the most; 65 is too long, also when escapes shorten it */
	memset(big, 'n', 64);
	strcpy(big + 64, ".csv");
	file_gives(big, JET_errSuccess, NULL);
	memset(big, 'n', 65);
	strcpy(big + 65, ".csv");
	file_gives(big, NAME_errTooLong, NULL);
	{
		size_t i, n = 0;
		for (i = 0; i < 64; i++) {
			memcpy(big + n, "%2F", 3);
			n += 3;
		}
		strcpy(big + n, ".csv");
		file_gives(big, JET_errSuccess, NULL);
		ck_assert_int_eq(name_file_to_table(big, t), 0);
		ck_assert_uint_eq(strlen(t), 64);
		ck_assert_int_eq(name_table_to_file(t, f, sizeof(f)), 0);
		ck_assert_str_eq(f, big);
		ck_assert_uint_eq(strlen(f) + 1, NAME_FILE_MAX);
		memcpy(big + n, "%2F.csv", 8);
		file_gives(big, NAME_errTooLong, NULL);
		memcpy(big + n, "%2f.csv", 8); /* malformed wins over length */
		file_gives(big, JET_errInvalidName, NULL);
	}

	/* the other direction */
	ck_assert_int_eq(name_table_to_file("a/b", f, sizeof(f)), 0);
	ck_assert_str_eq(f, "a%2Fb.csv");
	ck_assert_int_eq(name_table_to_schema("50%", f, sizeof(f)), 0);
	ck_assert_str_eq(f, "50%25");
	ck_assert_int_eq(name_table_to_file(".hidden", f, sizeof(f)), 0); /* escapes any bytes */
	ck_assert_str_eq(f, "%2Ehidden.csv");
	ck_assert_int_eq(name_table_to_file("a\nb", f, sizeof(f)), 0);
	ck_assert_str_eq(f, "a%0Ab.csv");
	ck_assert_int_eq(name_table_to_file("", f, sizeof(f)), JET_errInvalidName);
	memset(big, 'n', 65);
	big[65] = 0;
	ck_assert_int_eq(name_table_to_file(big, f, sizeof(f)), NAME_errTooLong);
	ck_assert_int_eq(name_table_to_file("abc", f, 7), JET_errBufferTooSmall);
	ck_assert_int_eq(name_table_to_file("abc", f, 8), 0);
	ck_assert_int_eq(name_table_to_file("abc", f, 3), JET_errBufferTooSmall);
	ck_assert_int_eq(name_check_table(big, 65), NAME_errTooLong);
	ck_assert_int_eq(name_check_table(" x", 2), JET_errInvalidName);
	ck_assert_int_eq(name_check_table("x.y", 3), JET_errInvalidName);

	/* schema names: no suffix; the same rules otherwise */
	ck_assert_int_eq(name_schema_to_table("users", t), 0);
	ck_assert_str_eq(t, "users");
	ck_assert_int_eq(name_schema_to_table("users.csv", t), JET_errInvalidName);
	ck_assert_int_eq(name_schema_to_table("..", t), JET_errInvalidName);
	ck_assert_int_eq(name_schema_to_table(".users.swp", t), NAME_errNotTableFile);
	ck_assert_int_eq(name_schema_to_table("a/b", t), JET_errInvalidName);
}
END_TEST

START_TEST(test_utf8)
{
	static const struct {
		const char *s;
		bool ok;
	} c[] = {
	    {"users", true},
	    {"caf\xC3\xA9", true},            /* U+00E9 */
	    {"\xE2\x82\xAC", true},            /* U+20AC */
	    {"\xF0\x9F\x98\x80", true},        /* U+1F600 */
	    {"\xF4\x8F\xBF\xBF", true},        /* U+10FFFF */
	    {"a\xFF" "b", false},              /* never a UTF-8 byte */
	    {"caf\xC3", false},                /* truncated */
	    {"\xC3" "a", false},                /* bad continuation */
	    {"\xC0\xAF", false},               /* overlong '/' */
	    {"\xE0\x80\xAF", false},           /* overlong '/' */
	    {"\xED\xA0\x80", false},           /* surrogate U+D800 */
	    {"\xF4\x90\x80\x80", false},       /* U+110000 */
	    {"\x80", false},                   /* lone continuation */
	    {"\xFE\xFF", false},
	};
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		ck_assert_msg(name_is_utf8(c[i].s, strlen(c[i].s)) == c[i].ok, "case %zu", i);
}
END_TEST

START_TEST(test_reserved)
{
	ck_assert(name_is_reserved(".schema"));
	ck_assert(name_is_reserved(".sessions"));
	ck_assert(name_is_reserved(".backup"));
	ck_assert(name_is_reserved(".system"));
	ck_assert(!name_is_reserved("schema"));
	ck_assert(!name_is_reserved(".schema2"));
	ck_assert(!name_is_reserved(".Schema"));
	ck_assert(!name_is_reserved(""));
	ck_assert(!name_is_reserved(NULL));
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("names");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_escape_any_bytes);
	tcase_add_test(tc, test_table_roundtrip);
	tcase_add_test(tc, test_no_aliases);
	tcase_add_test(tc, test_cases);
	tcase_add_test(tc, test_reserved);
	tcase_add_test(tc, test_utf8);
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
	printf("test_names: seed 0x%016" PRIx64 " (JET_TEST_SEED overrides)\n", g_seed);
	fflush(stdout);
	sr = srunner_create(make_suite());
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
