/* output.h - renderers of finished connections: text for people, JSON
 * lines, ECS and HTML for machines and for sending on. They read the model,
 * the findings and the run's counts only. */
#ifndef MTLS_OUTPUT_H
#define MTLS_OUTPUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "diagnosis/diagnose.h"
#include "diagnosis/run_stats.h"
#include "model/model.h"

enum out_format { FORMAT_TEXT, FORMAT_JSON, FORMAT_JSON_PRETTY, FORMAT_ECS, FORMAT_HTML };

/* Reading files, a connection's report is left in stdio's buffer until
 * this much is pending: writes come every few dozen connections, and each
 * ends where a connection's report ends (the report's stream holds twice
 * this, report_stream.h), so a run cut short leaves whole reports. */
#define OUTPUT_FLUSH_AT 32768

struct community_id_hasher;

struct output {
	FILE *fp;
	enum out_format format;
	bool color;
	bool verbose;
	bool no_summary;          /* -q: the run ends without a summary (no link to one) */
	bool flush_each;          /* each connection's report flushed as written */
	unsigned printed;
	uint16_t community_id_seed; /* --community-id-seed */
	struct html_report *html; /* output_html.c: the page being written; NULL before */
	/* The writing thread's owner's (a hasher is not to be shared between
	 * threads); NULL: each Community ID is hashed one-shot. */
	struct community_id_hasher *cid_hasher;
};

/* The settings of o for reports another thread writes to fp: no page,
 * nothing printed yet, no hasher (output_use_hasher gives it its own). */
struct output output_for_thread(const struct output *o, FILE *fp);
/* Gives o a Community ID hasher kept in *storage, which the owner of the
 * writing thread holds; when it cannot be made, o hashes one-shot. */
void output_use_hasher(struct output *o, struct community_id_hasher *storage);
/* Lets go of the hasher output_use_hasher gave o, if any. */
void output_drop_hasher(struct output *o);

/* output.c: to the writer of o->format. */
void output_conn(struct output *o, const char *file_name, const struct tls_conn *c, const struct findings *f);
/* A report output_conn wrote elsewhere (another thread's stream, threads.c),
 * written as output_conn would have (not HTML). */
void output_conn_rendered(struct output *o, const char *text, size_t len);
void output_run_summary(struct output *o, const struct run_stats *st, unsigned files);
/* Ends the report (closes the HTML page); the other formats need nothing. */
void output_finish(struct output *o);

/* output_json.c */
void output_json_conn(struct output *o, const char *file_name, const struct tls_conn *c, const struct findings *f);
void output_json_summary(struct output *o, FILE *fp, const struct run_stats *st, unsigned files);
/* output_http.c: the decrypted HTTP (text lines; the JSON "http" member) */
struct textbuf;
struct json_writer;
void output_text_http(struct textbuf *b, bool color, const struct tls_conn *c);
/* The "http" member of a connection object: with a key log or HTTP seen. */
void json_http_member(struct json_writer *w, const struct tls_conn *c);
/* Its value (null when none), and its "status" (null when none). */
void json_http_value(struct json_writer *w, const struct tls_conn *c);
void json_http_status(struct json_writer *w, const struct tls_conn *c);
/* output_text.c */
void output_text_conn(struct output *o, const char *file_name, const struct tls_conn *c, const struct findings *f);
void output_text_summary(struct output *o, const struct run_stats *st, unsigned files);
/* One step of the ladder, as the text report names it ("ClientHello"). */
struct conn_event;
void output_event_label(struct textbuf *b, const struct conn_event *e);

#endif
