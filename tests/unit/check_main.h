/*
 * check_main.h - the main() every Check unit-test program shares.
 *
 * A test file defines `static Suite *make_suite(void)` and then
 * `JET_CHECK_MAIN(make_suite)`. The program runs the suite (CK_FORK and
 * CK_VERBOSITY from the environment as Check reads them) and exits 0 only
 * when every test passed, as automake's test harness expects.
 */
#ifndef JET_CHECK_MAIN_H
#define JET_CHECK_MAIN_H

#include <check.h>
#include <stdlib.h>

#define JET_CHECK_MAIN(make_suite_fn)                                          \
	int main(void)                                                         \
	{                                                                      \
		SRunner *sr_ = srunner_create(make_suite_fn());                \
		srunner_run_all(sr_, CK_ENV);                                  \
		int failed_ = srunner_ntests_failed(sr_);                      \
		srunner_free(sr_);                                             \
		return failed_ == 0 ? EXIT_SUCCESS : EXIT_FAILURE;             \
	}

#endif /* JET_CHECK_MAIN_H */
