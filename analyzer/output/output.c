/* output.c - each report goes to the writer of the format asked for. */
#include <stdio.h>
#include <stdio_ext.h>

#include "output/output.h"
#include "community_id.h"
#include "output/output_ecs.h"
#include "output/output_html.h"

/* A connection's report is written: where someone waits for it (a live
 * capture, a capture streamed in) it goes out now; reading files, with
 * the reports before it once OUTPUT_FLUSH_AT bytes wait (a system call
 * per connection was a third of the run). */
static void conn_written(struct output *o)
{
	o->printed++;
	if (o->flush_each || __fpending(o->fp) >= OUTPUT_FLUSH_AT)
		fflush(o->fp);
}

void output_conn(struct output *o, const char *file_name, const struct tls_conn *c, const struct findings *f)
{
	if (o->format == FORMAT_HTML)
		output_html_conn(o, file_name, c, f);
	else if (o->format == FORMAT_ECS)
		output_ecs_conn(o, file_name, c, f);
	else if (o->format != FORMAT_TEXT)
		output_json_conn(o, file_name, c, f);
	else
		output_text_conn(o, file_name, c, f);
	conn_written(o);
}

void output_conn_rendered(struct output *o, const char *text, size_t len)
{
	fwrite(text, 1, len, o->fp);
	conn_written(o);
}

void output_run_summary(struct output *o, const struct run_stats *st, unsigned files)
{
	if (o->format == FORMAT_TEXT)
		output_text_summary(o, st, files);
	else if (o->format == FORMAT_HTML)
		output_html_summary(o, st, files);
	else
		output_json_summary(o, stderr, st, files);
}

void output_finish(struct output *o)
{
	output_html_finish(o);
}

struct output output_for_thread(const struct output *o, FILE *fp)
{
	struct output t = *o;
	t.html = NULL;
	t.printed = 0;
	t.fp = fp;
	t.cid_hasher = NULL;
	return t;
}

void output_use_hasher(struct output *o, struct community_id_hasher *storage)
{
	o->cid_hasher = community_id_hasher_init(storage) == 0 ? storage : NULL;
}

void output_drop_hasher(struct output *o)
{
	if (o->cid_hasher)
		community_id_hasher_release(o->cid_hasher);
	o->cid_hasher = NULL;
}
