/* suite_run.h - the one way the Check suites are built and run. */
#ifndef MTLS_SUITE_RUN_H
#define MTLS_SUITE_RUN_H

#include <check.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>

/* How many elements an array has, as the int Check's loop tests take. */
#define N_TESTS(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* A NULL-ended list of tests, for suite_case(). */
#define TESTS(...) ((const TTest *const[]){ __VA_ARGS__, NULL })

/* Adds to s a test case called name holding tests (a TESTS list, or NULL)
 * in their order; timeout in seconds, 0 for Check's default. Loop tests
 * are added to the case returned. */
static inline TCase *suite_case(Suite *s, const char *name, double timeout, const TTest *const *tests)
{
	TCase *tc = tcase_create(name);
	if (timeout > 0)
		tcase_set_timeout(tc, timeout);
	for (; tests && *tests; tests++)
		tcase_add_test(tc, *tests);
	suite_add_tcase(s, tc);
	return tc;
}

/* Like suite_case, each test a loop test run for _i from 0 to n - 1. */
static inline TCase *suite_loop_case(Suite *s, const char *name, double timeout, int n, const TTest *const *tests)
{
	TCase *tc = suite_case(s, name, timeout, NULL);
	for (; *tests; tests++)
		tcase_add_loop_test(tc, *tests, 0, n);
	return tc;
}

/* Runs s; returns how many tests failed. no_fork keeps every test in this
 * process (for tests that share state across a suite, or run under
 * valgrind). */
static inline int run_suite(Suite *s, bool no_fork)
{
	SRunner *sr = srunner_create(s);
	if (no_fork)
		srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed;
}

/* run_suite as the exit status of main. */
static inline int suite_exit(Suite *s, bool no_fork)
{
	return run_suite(s, no_fork) ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* SUITE_MAIN("name", no_fork, CASE("case", timeout, test...)...): main
 * for a suite, case by case; LOOP_CASE("case", timeout, n, test...) runs
 * each of its tests n times (_i). */
#define CASE(name, timeout, ...) suite_case(s, name, timeout, TESTS(__VA_ARGS__))
#define LOOP_CASE(name, timeout, n, ...) suite_loop_case(s, name, timeout, n, TESTS(__VA_ARGS__))
#define SUITE_MAIN(name, no_fork, ...)                                                                       \
	int main(void)                                                                                       \
	{                                                                                                    \
		Suite *s = suite_create(name);                                                               \
		__VA_ARGS__;                                                                                 \
		return suite_exit(s, no_fork);                                                               \
	}

#endif
