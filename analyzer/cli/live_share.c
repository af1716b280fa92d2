/* live_share.c - the analysis of one worker of a split live capture
 * (live_share.h). */
#include "cli/live_share.h"

#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "diagnosis/story.h"
#include "tls_decrypt.h"

void live_share_init(struct live_share *sh, struct analysis *main)
{
	atomic_init(&sh->counts.next_stream, 0);
	atomic_init(&sh->counts.frames, 0);
	atomic_init(&sh->counts.reported, 0);
	pthread_mutex_init(&sh->lock, NULL);
	sh->main = main;
}

void live_share_release(struct live_share *sh)
{
	pthread_mutex_destroy(&sh->lock);
}

/* The worker's report stream: appends to its buffer. */
static ssize_t buffer_write(void *cookie, const char *data, size_t len)
{
	struct live_worker_analysis *w = cookie;
	if (w->len + len > w->cap) {
		size_t cap = w->cap ? w->cap : 16384;
		while (cap < w->len + len)
			cap *= 2;
		char *grown = realloc(w->buf, cap);
		if (!grown) {
			w->buf_failed = true;
			return 0; /* stdio takes 0 as an error */
		}
		w->buf = grown;
		w->cap = cap;
	}
	memcpy(w->buf + w->len, data, len);
	w->len += len;
	return (ssize_t)len;
}

/* The sink of a worker whose reports cannot be rendered apart: each
 * finished connection goes, under the lock, to the caller's sink
 * (--expect), or else to its output (the HTML page). */
static void take_locked(void *ctx, const char *file_name, struct tls_conn *conn, const struct findings *f)
{
	struct live_worker_analysis *w = ctx;
	struct analysis *m = w->share->main;
	pthread_mutex_lock(&w->share->lock);
	if (m->sink.take) {
		m->sink.take(m->sink.ctx, file_name, conn, f);
	} else {
		output_conn(m->out, file_name, conn, f);
		tls_conn_release(conn);
		free(conn);
	}
	pthread_mutex_unlock(&w->share->lock);
}

int live_worker_analysis_init(struct live_worker_analysis *w, struct live_share *sh, unsigned n)
{
	struct analysis *m = sh->main;
	struct options opt = m->opt;
	opt.flow.max_flows = (opt.flow.max_flows + n - 1) / n;
	opt.flow.max_memory /= n;
	opt.progress = false;

	memset(w, 0, sizeof *w);
	w->share = sh;
	bool locked = m->sink.take || m->out->format == FORMAT_HTML;
	FILE *fp = NULL; /* locked: never written, the sink renders */
	if (!locked && !(fp = fopencookie(w, "w", (cookie_io_functions_t){ .write = buffer_write })))
		return -1;
	w->out = output_for_thread(m->out, fp);
	output_use_hasher(&w->out, &w->cid_hasher);
	analysis_init(&w->a, &opt, &w->out);
	w->a.an.shared = &sh->counts;
	if (locked)
		w->a.sink = (struct conn_sink){ take_locked, w };
	/* The key log is only looked up; the decryption state is not shared. */
	w->a.an.keylog = m->an.keylog;
	if (m->an.keylog)
		w->a.an.crypto = tls_crypto_new();
	return 0;
}

int live_worker_publish(struct live_worker_analysis *w)
{
	int rc = 0;
	if (w->out.fp && fflush(w->out.fp) != 0)
		rc = -1;
	FILE *to = w->share->main->out->fp;
	pthread_mutex_lock(&w->share->lock);
	if (w->len > 0) {
		fwrite(w->buf, 1, w->len, to);
		fflush(to);
	}
	if (ferror(to))
		rc = -1;
	pthread_mutex_unlock(&w->share->lock);
	w->len = 0;
	return rc == 0 && !w->buf_failed ? 0 : -1;
}

void live_worker_merge(struct live_worker_analysis *w)
{
	struct analysis *m = w->share->main;
	/* The traffic the worker's flow stage counted joins the caller's, whose
	 * analysis_end_file takes it from there. */
	traffic_stats_add(&m->an.stats, &w->a.an.stats);
	struct run_stats reports = w->a.stats;
	memset(&reports.traffic, 0, sizeof reports.traffic);
	run_stats_add(&m->stats, &reports);
	story_merge(m->story, w->a.story);
}

void live_worker_analysis_release(struct live_worker_analysis *w)
{
	w->a.an.keylog = NULL; /* the caller's */
	analysis_release(&w->a);
	if (w->out.fp)
		fclose(w->out.fp);
	output_drop_hasher(&w->out);
	free(w->buf);
	w->buf = NULL;
}
