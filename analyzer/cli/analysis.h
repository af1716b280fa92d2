/* analysis.h - one analysis, what every command drives: the flow stage's
 * analyzer reads the frames, and each connection it hands over is
 * selected (--host/--port/--sni, -c), its client chain verified
 * (--trust), diagnosed, counted, and then written to the report or given
 * to a collector (compare, --expect, --annotate). */
#ifndef MTLS_ANALYSIS_H
#define MTLS_ANALYSIS_H

#include <stdbool.h>
#include <stdint.h>

#include "diagnosis/diagnose.h"
#include "diagnosis/run_stats.h"
#include "flow/analyzer.h"
#include "output/output.h"

struct trust_store;
struct conn_select;
struct story;

struct options {
	struct flow_options flow; /* limits, live (flow/analyzer.h) */
	enum out_format format;
	bool color;
	bool quiet;              /* no summary, no progress */
	bool progress;           /* progress on stderr (terminal only) */
	const char *output_path;
	int fail_on;             /* severity that makes the exit status 1; -1: never */
	const struct trust_store *trust; /* --trust; owned by the caller, NULL when absent */
	struct diagnose_options diagnose; /* --server / --client */
	uint64_t max_reports;    /* -c: connections reported at most; 0: no limit */
	const struct conn_select *select; /* --host/--port/--sni (select.h); the caller's; NULL: all */
};

struct analysis {
	struct options opt;
	struct analyzer an;      /* frames to finished connections */
	struct output *out;
	/* Collect mode (compare, --expect): when `take` is set, each finished
	 * connection goes to it, with its findings, instead of to the output. */
	struct conn_sink sink;
	struct story *story;     /* what happened across connections (story.h) */
	struct run_stats stats;  /* current file */
	struct run_stats total;
	struct ja4_memo *ja4_memo; /* owned; may be NULL */
};

/* Every option at its documented default (what the command line starts from). */
void options_defaults(struct options *opt);
/* a must stay where it is until analysis_release (the analyzer's sink
 * points to it). */
int analysis_init(struct analysis *a, const struct options *opt, struct output *out);
void analysis_release(struct analysis *a);
/* Frames go to analyzer_frame(&a->an, ...) in between. */
void analysis_begin_file(struct analysis *a, const char *name, unsigned index);
/* Every connection still open is reported ("capture_end"); the file's
 * counts join the total. */
void analysis_end_file(struct analysis *a);

#endif
