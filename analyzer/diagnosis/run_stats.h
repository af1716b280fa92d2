/* run_stats.h - what a run counted: the traffic (the flow stage's
 * counters) and the diagnoses of the connections reported, for the
 * summary. */
#ifndef MTLS_RUN_STATS_H
#define MTLS_RUN_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diagnosis/diagnose.h"
#include "flow/analyzer.h"

struct story;

struct run_stats {
	struct traffic_stats traffic;
	uint64_t reported;
	/* summary across connections */
	uint64_t with_request;     /* a certificate asked for, seen or inferred */
	uint64_t with_request_inferred;
	uint64_t outcomes[OUTCOME_KIND_COUNT];
	uint64_t failed;           /* outcome failure "yes" */
	const struct story *story; /* across connections (total only); owned by the run */
	uint64_t cc_empty;
	uint64_t cc_present;
	uint64_t cc_absent;
	/* top causes: findings[0] of each connection, by id */
	const char *cause_id[32];
	uint64_t cause_count[32];
	size_t n_causes;
	int worst_severity;        /* -1: no finding */
};

/* What the summary counts of one reported connection. */
struct report_tally {
	int worst;                 /* findings_worst */
	const char *cause;         /* the root cause's finding ID (a constant), or NULL */
	enum outcome_kind kind;
	enum outcome_failure failure;
	bool requested, request_inferred;
	enum cc_status cc;
};
void report_tally_of(const struct tls_conn *c, const struct findings *f, struct report_tally *t);
/* Counts one reported connection: its tally, or read from its findings. */
void run_stats_count_tally(struct run_stats *st, const struct report_tally *t);
void run_stats_count(struct run_stats *st, const struct tls_conn *c, const struct findings *f);
/* Count n connections whose root cause is finding `id` (a constant). */
void run_stats_add_cause(struct run_stats *st, const char *id, uint64_t n);
/* Adds s to t (a file's counts to the run's). */
void run_stats_add(struct run_stats *t, const struct run_stats *s);

#endif
