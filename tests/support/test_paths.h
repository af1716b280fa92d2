/* test_paths.h - where the end-to-end Check suites find things. */
#ifndef MTLS_TEST_PATHS_H
#define MTLS_TEST_PATHS_H

#include <stdlib.h>
#include <string.h>

/* The mtlsdiag under test (tests/run-all.sh sets MTLSDIAG per build). */
static inline const char *test_binary(void)
{
	const char *b = getenv("MTLSDIAG");
	return b ? b : "build/mtlsdiag";
}

/* The shared folder with the real captures and their oracles. */
static inline const char *test_shared_dir(void)
{
	const char *d = getenv("MTLS_SHARED");
	return d ? d : "../shared";
}

/* Appends item to a list in buf, separated by sep; truncates to fit. */
static inline void test_append(char *buf, size_t n, const char *sep, const char *item)
{
	size_t len = strlen(buf);
	const char *parts[2] = { len ? sep : "", item };
	for (int i = 0; i < 2 && len + 1 < n; i++) {
		size_t m = strlen(parts[i]);
		if (m > n - 1 - len)
			m = n - 1 - len;
		memcpy(buf + len, parts[i], m);
		len += m;
	}
	buf[len] = '\0';
}

#endif
