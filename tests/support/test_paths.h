/* test_paths.h - where the end-to-end Check suites find things. */
#ifndef MTLS_TEST_PATHS_H
#define MTLS_TEST_PATHS_H

#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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

/* The shared real captures' folder in dir (n bytes); false, after a SKIP
 * line naming `what`, when it is not there. */
static inline bool shared_captures_dir(char *dir, size_t n, const char *what)
{
	struct stat st;
	snprintf(dir, n, "%s/captures", test_shared_dir());
	if (stat(dir, &st) == 0)
		return true;
	printf("SKIP %s: %s not found (set MTLS_SHARED to the shared folder)\n", what, dir);
	return false;
}

/* Calls each(cap, keylog, ctx) for every NAME.keylog in dir, cap being
 * dir/NAME followed by cap_ext; false when dir cannot be read. */
static inline bool test_each_keylog(const char *dir, const char *cap_ext,
				    void (*each)(const char *cap, const char *keylog, void *ctx), void *ctx)
{
	DIR *d = opendir(dir);
	if (!d)
		return false;
	struct dirent *e;
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);
		if (len < 8 || strcmp(e->d_name + len - 7, ".keylog") != 0)
			continue;
		char cap[2048], key[2048];
		snprintf(key, sizeof key, "%s/%s", dir, e->d_name);
		snprintf(cap, sizeof cap, "%s/%.*s%s", dir, (int)(len - 7), e->d_name, cap_ext);
		each(cap, key, ctx);
	}
	closedir(d);
	return true;
}

/* test_each_keylog over the shared real captures (each capture beside
 * its NAME.keylog); false, after a SKIP line naming `what`, when they are
 * not there. */
static inline bool shared_each_keylog(const char *what, void (*each)(const char *cap, const char *keylog, void *ctx),
				      void *ctx)
{
	char dir[1024];
	if (!shared_captures_dir(dir, sizeof dir, what))
		return false;
	if (!test_each_keylog(dir, "", each, ctx)) {
		printf("SKIP %s: cannot read %s\n", what, dir);
		return false;
	}
	return true;
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
