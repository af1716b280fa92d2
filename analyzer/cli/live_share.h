/* live_share.h - one live capture split between workers (--workers N,
 * live.c): each worker has its own analyzer (flows, caches, story) for
 * its share of the kernel's packet fanout; what it reports reaches the one
 * output whole, never interleaved with another worker's report, and its
 * counts are added to the caller's analysis at the end. */
#ifndef MTLS_LIVE_SHARE_H
#define MTLS_LIVE_SHARE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "cli/analysis.h"
#include "community_id.h"
#include "output/output.h"

/* What the workers of one capture hold in common. */
struct live_share {
	struct run_shared counts;
	/* Taken for the caller's output stream and its sink. */
	pthread_mutex_t lock;
	struct analysis *main; /* the caller's: options, key log, output, sink */
};

/* A worker's analysis. Text and JSON reports are rendered by the worker
 * into a buffer of its own, then copied to the output (whole reports,
 * under the lock) by live_worker_publish; an HTML page or a --expect
 * sink, which keep state across reports, take each finished connection
 * under the lock instead. */
struct live_worker_analysis {
	struct analysis a;
	struct output out;     /* the caller's settings; fp: the buffer below */
	struct community_id_hasher cid_hasher; /* out's, when out.cid_hasher is set */
	struct live_share *share;
	char *buf;             /* owned: rendered, not yet published */
	size_t len, cap;
	bool buf_failed;       /* out of memory: reports were lost */
};

void live_share_init(struct live_share *sh, struct analysis *main);
void live_share_release(struct live_share *sh);

/* The caller's options with --max-flows and --max-memory split evenly
 * between n workers, its key log shared (read only), and counters shared
 * through sh. 0, or -1 (out of memory; nothing left to release). */
int live_worker_analysis_init(struct live_worker_analysis *w, struct live_share *sh, unsigned n);
/* Copies what was reported since the last call to the output. 0, or -1
 * when a report could not be written (or was lost). */
int live_worker_publish(struct live_worker_analysis *w);
/* Adds the worker's counts of the capture and its story to the caller's
 * analysis (between its analysis_begin_file and analysis_end_file). */
void live_worker_merge(struct live_worker_analysis *w);
void live_worker_analysis_release(struct live_worker_analysis *w);

#endif
