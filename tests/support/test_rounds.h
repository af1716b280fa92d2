/* test_rounds.h - how many rounds a randomised test runs. */
#ifndef MTLSDIAG_TEST_ROUNDS_H
#define MTLSDIAG_TEST_ROUNDS_H

#include <stdlib.h>

/* Whether this is the valgrind pass (TEST_WRAP), where each round costs
 * tens of times more and the binary is the plain pass's own. */
static inline int test_wrapped(void)
{
	const char *wrap = getenv("TEST_WRAP");
	return wrap && *wrap;
}

/* n, or a tenth of it (at least 1) in the valgrind pass: the plain and
 * sanitizer passes run every round, valgrind a share of the same
 * sequence. */
static inline int test_rounds(int n)
{
	if (!test_wrapped())
		return n;
	return n / 10 > 0 ? n / 10 : 1;
}

/* 1, or n in the valgrind pass: run an expensive step at every n-th
 * round there. */
static inline unsigned test_stride(unsigned n)
{
	return test_wrapped() ? n : 1;
}

#endif
