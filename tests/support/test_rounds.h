/* test_rounds.h - how many rounds a randomised test runs. */
#ifndef MTLSDIAG_TEST_ROUNDS_H
#define MTLSDIAG_TEST_ROUNDS_H

#include <stdlib.h>

/* n, or a tenth of it (at least 1) in the valgrind pass (TEST_WRAP),
 * where each round costs tens of times more: the plain and sanitizer
 * passes run every round, valgrind a share of the same sequence. */
static inline int test_rounds(int n)
{
	const char *wrap = getenv("TEST_WRAP");
	if (!wrap || !*wrap)
		return n;
	return n / 10 > 0 ? n / 10 : 1;
}

#endif
