/* analysis.c - from a finished connection to the report. */
#include <stdlib.h>
#include <string.h>

#include "cli/analysis.h"
#include "diagnosis/story.h"
#include "model/select.h"
#include "model/trust.h"

void options_defaults(struct options *opt)
{
	memset(opt, 0, sizeof *opt);
	flow_options_defaults(&opt->flow);
	opt->format = FORMAT_TEXT;
	opt->fail_on = -1;
}

static void drop(struct tls_conn *c)
{
	tls_conn_release(c);
	free(c);
}

/* The analyzer's sink: one finished connection, in stream order. */
static void take(void *ctx, const char *file_name, struct tls_conn *c)
{
	struct analysis *a = ctx;
	if (a->opt.select && !conn_select_match(a->opt.select, c)) {
		drop(c);
		return;
	}
	if (a->opt.max_reports && a->stats.reported >= a->opt.max_reports) {
		drop(c);
		return;
	}
	struct findings f;
	if (a->opt.trust)
		trust_verify_client(a->opt.trust, c, conn_capture_time(c));
	diagnose(c, &a->opt.diagnose, &f);
	if (!a->sink.take)
		output_conn(a->out, file_name, c, &f);
	run_stats_count(&a->stats, c, &f);
	story_add(a->story, file_name, c, &f);
	if (a->sink.take)
		a->sink.take(a->sink.ctx, file_name, c, &f);
	else
		drop(c);
}

/* What is kept across connections counts in --max-memory. */
static size_t held_bytes(void *ctx)
{
	const struct analysis *a = ctx;
	return story_bytes(a->story);
}

int analysis_init(struct analysis *a, const struct options *opt, struct output *out)
{
	memset(a, 0, sizeof *a);
	a->opt = *opt;
	a->out = out;
	a->total.worst_severity = -1;
	a->story = story_new();
	a->total.story = a->story;
	struct flow_options fo = opt->flow;
	fo.keep_client_der = opt->trust != NULL;
	return analyzer_init(&a->an, &fo, (struct flow_sink){ take, held_bytes, a });
}

void analysis_release(struct analysis *a)
{
	analyzer_release(&a->an);
	story_free(a->story);
	a->story = NULL;
	a->total.story = NULL;
}

void analysis_begin_file(struct analysis *a, const char *name, unsigned index)
{
	memset(&a->stats, 0, sizeof a->stats);
	a->stats.worst_severity = -1;
	analyzer_begin_file(&a->an, name, index);
}

void analysis_end_file(struct analysis *a)
{
	analyzer_end_file(&a->an);
	a->stats.traffic = a->an.stats;
	run_stats_add(&a->total, &a->stats);
}
