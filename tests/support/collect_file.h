/* collect_file.h - a capture analysed in collect mode (nothing printed,
 * each connection handed to a sink), for the tests of what the analyzer
 * hands on. Analyzer tests only. */
#ifndef MTLS_COLLECT_FILE_H
#define MTLS_COLLECT_FILE_H

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cli/analysis.h"
#include "diagnosis/compare.h"
#include "output/output.h"
#include "capture/source.h"

/* Analyses path, with the key log at keylog unless NULL, handing each
 * connection to sink; *last_ns (unless NULL) becomes the time of the last
 * frame. */
static inline void collect_file_keys(const char *path, const char *keylog, struct conn_sink sink, int64_t *last_ns)
{
	struct options opt;
	options_defaults(&opt);
	opt.format = FORMAT_JSON;
	opt.quiet = true;
	/* Nothing may be printed in collect mode: the output is /dev/full. */
	struct output out = { .fp = fopen("/dev/full", "w"), .format = FORMAT_JSON };
	ck_assert_ptr_nonnull(out.fp);
	struct analysis a;
	analysis_init(&a, &opt, &out);
	a.sink = sink;
	if (keylog)
		ck_assert_int_eq(analyzer_load_keylog(&a.an, keylog), 0);
	char err[256];
	struct source *src = source_open(path, err, sizeof err);
	ck_assert_msg(src != NULL, "%s: %s", path, err);
	analysis_begin_file(&a, path, 0);
	struct source_frame fr;
	enum source_status st;
	while ((st = source_next(src, &fr, err, sizeof err)) == SOURCE_FRAME)
		analyzer_frame(&a.an, fr.linktype, fr.data, fr.caplen, fr.wirelen, fr.ts_ns);
	ck_assert_int_eq(st, SOURCE_END);
	analysis_end_file(&a);
	if (last_ns)
		*last_ns = a.an.now_ns;
	ck_assert_uint_eq(out.printed, 0);
	source_close(src);
	analysis_release(&a);
	fclose(out.fp);
}

static inline void collect_file(const char *path, struct conn_sink sink, int64_t *last_ns)
{
	collect_file_keys(path, NULL, sink, last_ns);
}

/* Every connection of path (decrypted with keylog unless NULL), in l. */
static inline void collect_list_keys(const char *path, const char *keylog, struct conn_list *l)
{
	memset(l, 0, sizeof *l);
	collect_file_keys(path, keylog, (struct conn_sink){ conn_list_take, l }, &l->capture_last_ns);
	ck_assert(!l->out_of_memory);
}

static inline void collect_list(const char *path, struct conn_list *l)
{
	collect_list_keys(path, NULL, l);
}

#endif
