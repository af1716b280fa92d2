/* run_stats.c - the counts behind the summary. */
#include <string.h>

#include "diagnosis/run_stats.h"

void report_tally_of(const struct tls_conn *c, const struct findings *f, struct report_tally *t)
{
	t->worst = findings_worst(f);
	t->cause = finding_is_cause(f, 0) ? f->items[0].id : NULL;
	t->kind = f->outcome.kind;
	t->failure = f->outcome.failure;
	t->requested = f->outcome.requested;
	t->request_inferred = f->outcome.request_inferred;
	t->cc = c->cc_status;
}

void run_stats_count_tally(struct run_stats *st, const struct report_tally *t)
{
	st->reported++;
	if (t->worst > st->worst_severity)
		st->worst_severity = t->worst;
	if (t->cause)
		run_stats_add_cause(st, t->cause, 1);
	st->outcomes[t->kind]++;
	if (t->failure == FAILURE_YES)
		st->failed++;
	if (t->requested)
		st->with_request++;
	if (t->request_inferred)
		st->with_request_inferred++;
	if (t->cc == CC_EMPTY)
		st->cc_empty++;
	else if (t->cc == CC_PRESENT)
		st->cc_present++;
	else if (t->cc == CC_ABSENT)
		st->cc_absent++;
}

void run_stats_count(struct run_stats *st, const struct tls_conn *c, const struct findings *f)
{
	struct report_tally t;
	report_tally_of(c, f, &t);
	run_stats_count_tally(st, &t);
}

void run_stats_add_cause(struct run_stats *st, const char *id, uint64_t n)
{
	size_t k = 0;
	while (k < st->n_causes && strcmp(st->cause_id[k], id) != 0)
		k++;
	if (k == st->n_causes) {
		if (k == sizeof st->cause_id / sizeof st->cause_id[0])
			return;
		st->cause_id[st->n_causes++] = id;
	}
	st->cause_count[k] += n;
}

void run_stats_add(struct run_stats *t, const struct run_stats *s)
{
	traffic_stats_add(&t->traffic, &s->traffic);
	t->reported += s->reported;
	t->with_request += s->with_request;
	t->with_request_inferred += s->with_request_inferred;
	for (int k = 0; k < OUTCOME_KIND_COUNT; k++)
		t->outcomes[k] += s->outcomes[k];
	t->failed += s->failed;
	t->cc_empty += s->cc_empty;
	t->cc_present += s->cc_present;
	t->cc_absent += s->cc_absent;
	if (s->worst_severity > t->worst_severity)
		t->worst_severity = s->worst_severity;
	for (size_t i = 0; i < s->n_causes; i++)
		run_stats_add_cause(t, s->cause_id[i], s->cause_count[i]);
}
