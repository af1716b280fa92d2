/* keys.c - loads the key log named by --keylog or SSLKEYLOGFILE. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flow/analyzer.h"
#include "keylog.h"
#include "tls_decrypt.h"

struct keylog_report {
	const char *path;
	size_t shown;
};

/* A browser's key log can hold thousands of lines: the first bad ones
 * are named, the rest counted. */
#define KEYLOG_ERRORS_SHOWN 20

static void on_bad_line(void *ctx, size_t line_no, const char *reason)
{
	struct keylog_report *r = ctx;
	if (r->shown++ < KEYLOG_ERRORS_SHOWN)
		fprintf(stderr, "mtlsdiag: %s:%zu: %s; line skipped\n", r->path, line_no, reason);
}

int analyzer_load_keylog(struct analyzer *a, const char *path)
{
	FILE *fp = fopen(path, "rb");
	if (!fp) {
		fprintf(stderr, "mtlsdiag: key log %s: %s\n", path, strerror(errno));
		return -1;
	}
	struct keylog *kl = keylog_new();
	struct keylog_report rep = {path, 0};
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	/* Line by line: a key log can be large, and keeps growing. */
	while (kl && (n = getline(&line, &cap, fp)) > 0)
		keylog_parse(kl, (const uint8_t *)line, (size_t)n, on_bad_line, &rep);
	int err = ferror(fp);
	free(line);
	fclose(fp);
	if (!kl || err) {
		fprintf(stderr, "mtlsdiag: key log %s: %s\n", path, kl ? "read error" : "out of memory");
		keylog_free(kl);
		return -1;
	}
	struct keylog_stats st;
	keylog_get_stats(kl, &st);
	if (rep.shown > KEYLOG_ERRORS_SHOWN)
		fprintf(stderr, "mtlsdiag: %s: %zu more malformed lines skipped\n", path,
			rep.shown - KEYLOG_ERRORS_SHOWN);
	if (st.used == 0)
		fprintf(stderr, "mtlsdiag: key log %s holds no usable key (%zu lines)\n", path, st.lines);
	keylog_free(a->keylog);
	a->keylog = kl;
	/* Without it (out of memory) algorithms are fetched per use. */
	if (!a->crypto)
		a->crypto = tls_crypto_new();
	return 0;
}
