/* analysis.c - from a finished connection to the report. */
#include <stdlib.h>
#include <string.h>

#include "cli/analysis.h"
#include "community_id.h"
#include "diagnosis/story.h"
#include "flow/threads.h"
#include "ja4.h"
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

static bool selected(const struct analysis *a, const struct tls_conn *c)
{
	return !a->opt.select || conn_select_match(a->opt.select, c);
}

/* -c: whether one more report may go out, counted across the analyses
 * that share a live capture. */
static bool report_claim(struct analysis *a)
{
	if (a->an.shared)
		return atomic_fetch_add(&a->an.shared->reported, 1) < a->opt.max_reports;
	return a->stats.reported < a->opt.max_reports;
}

static void diagnose_conn(const struct analysis *a, struct ja4_memo *ja4_memo, struct tls_conn *c,
			  struct findings *f)
{
	if (a->opt.trust)
		trust_verify_client(a->opt.trust, c, conn_capture_time(c));
	diagnose(c, &a->opt.diagnose, ja4_memo, f);
}

/* The analyzer's sink: one finished connection, in stream order. */
static void take(void *ctx, const char *file_name, struct tls_conn *c)
{
	struct analysis *a = ctx;
	if (!selected(a, c) || (a->opt.max_reports && !report_claim(a))) {
		drop(c);
		return;
	}
	struct findings f;
	diagnose_conn(a, a->ja4_memo, c, &f);
	if (!a->sink.take)
		output_conn(a->out, file_name, c, &f);
	run_stats_count(&a->stats, c, &f);
	story_add(a->story, file_name, c, &f);
	if (a->sink.take)
		a->sink.take(a->sink.ctx, file_name, c, &f);
	else
		drop(c);
}

/* --threads (flow/threads.h): a worker thread diagnoses and writes the
 * report with a renderer of its own; the reading thread then counts it
 * and adds it to the story, in report order. */
struct renderer {
	const struct analysis *a;
	struct output out; /* the run's settings, writing to the worker's stream */
	struct ja4_memo ja4_memo; /* the worker's own */
	struct community_id_hasher cid_hasher; /* the worker's own, when out has it */
};

struct thread_tally {
	struct report_tally counts;
	struct story_entry story;
};

static void *renderer_open(void *ctx, FILE *fp)
{
	const struct analysis *a = ctx;
	struct renderer *r = calloc(1, sizeof *r);
	if (!r)
		return NULL;
	r->a = a;
	r->out = output_for_thread(a->out, fp);
	output_use_hasher(&r->out, &r->cid_hasher);
	return r;
}

static void renderer_close(void *renderer)
{
	struct renderer *r = renderer;
	output_drop_hasher(&r->out);
	free(r);
}

static bool render(void *renderer, const char *file_name, struct tls_conn *c, void *tally)
{
	struct renderer *r = renderer;
	if (!selected(r->a, c))
		return false;
	struct findings f;
	diagnose_conn(r->a, &r->ja4_memo, c, &f);
	output_conn(&r->out, file_name, c, &f);
	struct thread_tally *t = tally;
	report_tally_of(c, &f, &t->counts);
	story_entry_read(c, &f, &t->story);
	return true;
}

static void publish(void *ctx, const char *file_name, const char *text, size_t len, const void *tally)
{
	struct analysis *a = ctx;
	const struct thread_tally *t = tally;
	output_conn_rendered(a->out, text, len);
	run_stats_count_tally(&a->stats, &t->counts);
	story_add_entry(a->story, file_name, &t->story);
}

static const struct flow_render threaded_render = {
	renderer_open, renderer_close, render, publish, sizeof(struct thread_tally),
};

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
	a->ja4_memo = calloc(1, sizeof *a->ja4_memo); /* NULL: fingerprints are hashed every time */
	struct flow_options fo = opt->flow;
	fo.keep_client_der = opt->trust != NULL;
	return analyzer_init(&a->an, &fo, (struct flow_sink){ take, held_bytes, a, NULL });
}

void analysis_release(struct analysis *a)
{
	threads_release(&a->an);
	analyzer_release(&a->an);
	story_free(a->story);
	a->story = NULL;
	free(a->ja4_memo);
	a->ja4_memo = NULL;
	a->total.story = NULL;
}

void analysis_begin_file(struct analysis *a, const char *name, unsigned index)
{
	memset(&a->stats, 0, sizeof a->stats);
	a->stats.worst_severity = -1;
	/* Workers can write the reports unless connections are collected
	 * (compare, --expect, --annotate) or one page is built across them. */
	a->an.sink.render = a->sink.take || a->opt.format == FORMAT_HTML ? NULL : &threaded_render;
	analyzer_begin_file(&a->an, name, index);
	threads_begin_file(&a->an);
}

void analysis_end_file(struct analysis *a)
{
	analyzer_end_file(&a->an);
	a->stats.traffic = a->an.stats;
	run_stats_add(&a->total, &a->stats);
}
