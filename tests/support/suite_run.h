/* suite_run.h - the one way the Check suites are run. */
#ifndef MTLS_SUITE_RUN_H
#define MTLS_SUITE_RUN_H

#include <check.h>
#include <stdbool.h>

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

#endif
