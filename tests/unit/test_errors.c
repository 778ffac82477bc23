/*
 * test_errors.c - JetErrorName/JetErrorDescription and the allocation
 * countdown.
 *
 * The error test reads include/jet.h itself (JET_H_PATH, set by the
 * Makefile) and checks that every `#define JET_err... <number>` and
 * `JET_wrn...` there has exactly its own name in the table, that no two
 * codes share a number, and that unknown numbers give the documented text.
 */
#include <check.h>
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "jet_common.h"

#ifndef JET_H_PATH
#error "JET_H_PATH must name include/jet.h"
#endif

struct code {
	char name[96];
	long value;
};

/* Parse every "#define JET_(err|wrn)Name <integer>" line of jet.h. */
static size_t read_codes(struct code *codes, size_t max)
{
	FILE *f = fopen(JET_H_PATH, "r");
	ck_assert_msg(f != NULL, "cannot open %s", JET_H_PATH);
	char line[512];
	size_t n = 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		char name[96];
		char value[64];
		if (sscanf(line, "#define %95s %63s", name, value) != 2)
			continue;
		if (strncmp(name, "JET_err", 7) != 0 && strncmp(name, "JET_wrn", 7) != 0)
			continue;
		char *end;
		long v = strtol(value, &end, 10);
		if (*end != '\0')
			continue; /* an alias such as JET_errColumnIllegalNull */
		ck_assert_uint_lt(n, max);
		snprintf(codes[n].name, sizeof(codes[n].name), "%s", name);
		codes[n].value = v;
		n++;
	}
	fclose(f);
	return n;
}

START_TEST(test_every_code_named)
{
	static struct code codes[1024];
	size_t n = read_codes(codes, 1024);
	ck_assert_uint_gt(n, 250);
	for (size_t i = 0; i < n; i++) {
		const char *name = JetErrorName(codes[i].value);
		ck_assert_msg(strcmp(name, codes[i].name) == 0, "%ld: table says %s, jet.h says %s",
			      codes[i].value, name, codes[i].name);
		const char *desc = JetErrorDescription(codes[i].value);
		ck_assert_msg(desc != NULL && strlen(desc) > 3, "%s has no description",
			      codes[i].name);
		ck_assert_msg(strstr(desc, "unknown") == NULL, "%s: %s", codes[i].name, desc);
		ck_assert_msg(desc[strlen(desc) - 1] != '.', "%s: trailing period", codes[i].name);
		for (size_t j = 0; j < i; j++)
			ck_assert_msg(codes[j].value != codes[i].value, "%s and %s share %ld",
				      codes[j].name, codes[i].name, codes[i].value);
	}
}
END_TEST

START_TEST(test_known_values)
{
	/* Spot checks against ESE's numbers, through the macros. */
	ck_assert_int_eq(JET_errWriteConflict, -1102);
	ck_assert_str_eq(JetErrorName(-1102), "JET_errWriteConflict");
	ck_assert_str_eq(JetErrorName(JET_errSuccess), "JET_errSuccess");
	ck_assert_str_eq(JetErrorName(JET_wrnBufferTruncated), "JET_wrnBufferTruncated");
	ck_assert_str_eq(JetErrorName(JET_wrnRecordFoundGreater), "JET_wrnSeekNotEqual");
	ck_assert_str_eq(JetErrorName(JET_errColumnIllegalNull), "JET_errNullInvalid");
	ck_assert_str_eq(JetErrorName(-1), "JET_wrnNyi");
	ck_assert_int_eq(JET_errInvalidGrbit, -900);
	ck_assert_int_eq(JET_errDatabaseDirtyShutdown, -550);
	ck_assert_int_eq(JET_errFileIOBeyondEOF, -4001);
}
END_TEST

START_TEST(test_unknown_codes)
{
	ck_assert_str_eq(JetErrorName(-1234), "JET_err(unknown -1234)");
	ck_assert_str_eq(JetErrorDescription(-1234), "JET_err(unknown -1234)");
	ck_assert_str_eq(JetErrorName(4321), "JET_wrn(unknown 4321)");
	ck_assert_str_eq(JetErrorName(-2147483647L - 1), "JET_err(unknown -2147483648)");
	/* The buffer is reused; a known name is a constant and unaffected. */
	const char *known = JetErrorName(JET_errDiskIO);
	(void)JetErrorName(-99999);
	ck_assert_str_eq(known, "JET_errDiskIO");
}
END_TEST

static void *unknown_in_thread(void *arg)
{
	long v = (long)(intptr_t)arg;
	char want[64];
	snprintf(want, sizeof(want), "JET_err(unknown %ld)", v);
	for (int i = 0; i < 1000; i++) {
		if (strcmp(JetErrorName(v), want) != 0)
			return (void *)1;
	}
	return NULL;
}

START_TEST(test_unknown_thread_local)
{
	pthread_t t[4];
	for (long i = 0; i < 4; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, unknown_in_thread, (void *)(intptr_t)(-5000 - i)), 0);
	for (int i = 0; i < 4; i++) {
		void *ret;
		pthread_join(t[i], &ret);
		ck_assert_ptr_null(ret);
	}
}
END_TEST

START_TEST(test_alloc_countdown)
{
	void *p[8];
	jet_alloc_fail_after(3, false);
	p[0] = jet_malloc(16);
	p[1] = jet_calloc(2, 8);
	p[2] = jet_malloc(16); /* the third fails */
	p[3] = jet_malloc(16); /* not sticky: works again */
	ck_assert_ptr_nonnull(p[0]);
	ck_assert_ptr_nonnull(p[1]);
	ck_assert_ptr_null(p[2]);
	ck_assert_ptr_nonnull(p[3]);
	jet_free(p[0]);
	jet_free(p[1]);
	jet_free(p[3]);

	jet_alloc_fail_after(2, true);
	p[0] = jet_strdup("a");
	ck_assert_ptr_nonnull(p[0]);
	ck_assert_ptr_null(jet_strdup("b"));
	ck_assert_ptr_null(jet_malloc(1));
	ck_assert_ptr_null(jet_realloc(p[0], 100)); /* p[0] still valid */
	jet_alloc_fail_after(0, false);
	p[1] = jet_realloc(p[0], 100);
	ck_assert_ptr_nonnull(p[1]);
	jet_free(p[1]);
	for (int i = 0; i < 100; i++) {
		void *q = jet_malloc(8);
		ck_assert_ptr_nonnull(q);
		jet_free(q);
	}
}
END_TEST

static _Atomic int alloc_failures;

static void *alloc_in_thread(void *arg)
{
	(void)arg;
	for (int i = 0; i < 10000; i++) {
		void *q = jet_malloc(8);
		if (q == NULL)
			alloc_failures++;
		jet_free(q);
	}
	return NULL;
}

START_TEST(test_alloc_countdown_threads)
{
	pthread_t t[4];
	alloc_failures = 0;
	jet_alloc_fail_after(20000, false);
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, alloc_in_thread, NULL), 0);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	jet_alloc_fail_after(0, false);
	ck_assert_int_eq(alloc_failures, 1); /* exactly one allocation failed */
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("errors");
	TCase *tc = tcase_create("errors");
	tcase_add_test(tc, test_every_code_named);
	tcase_add_test(tc, test_known_values);
	tcase_add_test(tc, test_unknown_codes);
	tcase_add_test(tc, test_unknown_thread_local);
	suite_add_tcase(s, tc);
	TCase *ta = tcase_create("alloc");
	tcase_add_test(ta, test_alloc_countdown);
	tcase_add_test(ta, test_alloc_countdown_threads);
	suite_add_tcase(s, ta);
	return s;
}

JET_CHECK_MAIN(make_suite)
