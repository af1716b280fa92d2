/* compare_output.c - the comparison as text for people or JSON lines for
 * machines: one row per matched pair or lone connection, then a summary
 * with the clock offset. Reads the models and the compare result only. */
#include <stdio.h>
#include <string.h>

#include "output/compare_output.h"
#include "output/output_html.h"
#include "diagnosis/compare.h"
#include "output/json_write.h"
#include "output/output.h"
#include "output/output_json.h"
#include "tls_names.h"

static const char *offset_source_name(enum offset_source s)
{
	return s == OFFSET_RANDOM ? "client_random" : s == OFFSET_ALIGNED ? "alignment" : "none";
}

static void request_text(const struct tls_conn *c, char *buf, size_t n)
{
	if (c->n_requests > 0)
		snprintf(buf, n, "CertificateRequest in frame %llu (%s, %zu CA names)",
			 (unsigned long long)c->requests[0].frame, cr_phase_name(c->requests[0].phase),
			 c->requests[0].n_ca_names);
	else if (c->renegotiated)
		snprintf(buf, n, "renegotiation by the %s in frame %llu (encrypted)", side_name(c->reneg_initiator),
			 (unsigned long long)c->first_reneg_frame);
	else
		snprintf(buf, n, "no CertificateRequest seen");
}

static void text_side(struct output *o, const char *label, const struct collected_conn *cc)
{
	const struct tls_conn *c = cc->conn;
	char a[80], b[80], ver[32], req[160];
	fprintf(o->fp, "  %s: %s stream %llu: %s -> %s, frames %llu-%llu\n", label, cc->file_name,
		(unsigned long long)c->stream, endpoint_text(&c->client, a, sizeof a),
		endpoint_text(&c->server, b, sizeof b), (unsigned long long)c->first_frame,
		(unsigned long long)c->last_frame);
	request_text(c, req, sizeof req);
	fprintf(o->fp, "    %s, SNI %s; %s; client certificate %s; ended %s", c->version ? tls_version_name(c->version, ver) : "version unknown",
		c->have_client_hello && c->ch.sni[0] ? c->ch.sni : "none", req, cc_status_name(c->cc_status),
		conn_end_name(c->end));
	if (c->end_frame)
		fprintf(o->fp, " by the %s in frame %llu", side_name(c->end_by), (unsigned long long)c->end_frame);
	fputc('\n', o->fp);
	if (cc->findings.n)
		fprintf(o->fp, "    its own diagnosis: %s (%s)\n", cc->findings.items[0].id,
			severity_name(cc->findings.items[0].severity));
}

static void text_frames(FILE *fp, const char *label, const uint64_t *frames, size_t n, bool *open)
{
	if (!n)
		return;
	fprintf(fp, "%s%s frames ", *open ? "; " : " (", label);
	for (size_t k = 0; k < n; k++)
		fprintf(fp, "%s%llu", k ? "," : "", (unsigned long long)frames[k]);
	*open = true;
}

static void text_row(struct output *o, const struct conn_list *cl, const struct conn_list *sl,
		     const struct compare_row *r)
{
	if (r->client_i != SIZE_MAX && r->server_i != SIZE_MAX) {
		fprintf(o->fp, "== pair: matched by %s%s%s\n", compare_match_name(r->how),
			r->nat ? ", addresses differ (NAT or proxy)" : "",
			r->intercepted ? ", ClientHello randoms differ" : "");
		text_side(o, "client side", &cl->items[r->client_i]);
		text_side(o, "server side", &sl->items[r->server_i]);
	} else if (r->client_i != SIZE_MAX) {
		fprintf(o->fp, "== client side only\n");
		text_side(o, "client side", &cl->items[r->client_i]);
	} else {
		fprintf(o->fp, "== server side only\n");
		text_side(o, "server side", &sl->items[r->server_i]);
	}
	if (!r->n_findings)
		fprintf(o->fp, "  both sides agree\n");
	for (size_t i = 0; i < r->n_findings; i++) {
		const struct compare_finding *f = &r->findings[i];
		bool open = false;
		fprintf(o->fp, "  %s %s", severity_name(f->severity), f->id);
		text_frames(o->fp, "client-side", f->client_frames, f->n_client_frames, &open);
		text_frames(o->fp, "server-side", f->server_frames, f->n_server_frames, &open);
		fprintf(o->fp, "%s\n      %s\n      Fix: %s\n", open ? ")" : "", f->message, f->remedy);
	}
	fputc('\n', o->fp);
}

static void text_summary(struct output *o, const struct compare_result *r)
{
	fprintf(o->fp,
		"Compare: %zu pair%s (%zu by ClientHello random, %zu by addresses, %zu by time), %zu on the client "
		"side only, %zu on the server side only; %zu finding%s\n",
		r->n_pairs, r->n_pairs == 1 ? "" : "s", r->by_random, r->by_addresses, r->by_time, r->client_only,
		r->server_only, r->n_findings, r->n_findings == 1 ? "" : "s");
	if (r->offset_from == OFFSET_RANDOM)
		fprintf(o->fp, "  clock offset (server side minus client side): %+.6f s, median over %zu connection%s "
			       "with the same ClientHello random\n",
			(double)r->offset_ns / 1e9, r->offset_samples, r->offset_samples == 1 ? "" : "s");
	else if (r->offset_from == OFFSET_ALIGNED)
		fprintf(o->fp, "  clock offset (server side minus client side): %+.6f s, the offset under which %zu "
			       "connection%s line%s up in time (no ClientHello random in common)\n",
			(double)r->offset_ns / 1e9, r->offset_samples, r->offset_samples == 1 ? "" : "s",
			r->offset_samples == 1 ? "s" : "");
	else
		fprintf(o->fp, "  clock offset: unknown (no connection found on both sides)\n");
}

/* One side's connection: the header every connection object starts with,
 * then what compare needs of it. */
static void side_value(struct json_writer *w, const struct collected_conn *cc)
{
	const struct tls_conn *c = cc->conn;
	jw_begin_object(w);
	json_conn_header(w, cc->file_name, c);
	jw_member_uint(w, "first_frame", c->first_frame);
	jw_member_uint(w, "last_frame", c->last_frame);
	jw_member_real(w, "first_time", (double)c->first_ts_ns / 1e9);
	jw_key(w, "version");
	json_tls_version(w, c->version);
	jw_key(w, "sni");
	json_sni(w, c);
	jw_key(w, "client_random");
	if (c->have_client_hello)
		jw_hex(w, c->ch.random, 32, false);
	else
		jw_null(w);
	jw_key(w, "cert_requests");
	jw_begin_array(w);
	for (size_t i = 0; i < c->n_requests; i++) {
		jw_begin_object(w);
		jw_member_uint(w, "frame", c->requests[i].frame);
		jw_member_string(w, "phase", cr_phase_name(c->requests[i].phase));
		jw_member_uint(w, "ca_count", c->requests[i].n_ca_names);
		jw_end_object(w);
	}
	jw_end_array(w);
	jw_key(w, "renegotiation_frame");
	if (c->renegotiated)
		jw_uint(w, c->first_reneg_frame);
	else
		jw_null(w);
	jw_member_string(w, "client_certificate", cc_status_name(c->cc_status));
	jw_member_string(w, "end", conn_end_name(c->end));
	jw_member_uint_or_null(w, "end_frame", c->end_frame);
	jw_key(w, "finding_ids");
	jw_begin_array(w);
	for (size_t i = 0; i < cc->findings.n; i++)
		jw_string(w, cc->findings.items[i].id);
	jw_end_array(w);
	jw_end_object(w);
}

static void side_member(struct json_writer *w, const struct conn_list *l, size_t i)
{
	if (i != SIZE_MAX)
		side_value(w, &l->items[i]);
	else
		jw_null(w);
}

static void findings_value(struct json_writer *w, const struct compare_row *r)
{
	jw_begin_array(w);
	for (size_t i = 0; i < r->n_findings; i++) {
		const struct compare_finding *f = &r->findings[i];
		jw_begin_object(w);
		jw_member_string(w, "id", f->id);
		jw_member_string(w, "severity", severity_name(f->severity));
		jw_key(w, "client_frames");
		jw_uint_array(w, f->client_frames, f->n_client_frames);
		jw_key(w, "server_frames");
		jw_uint_array(w, f->server_frames, f->n_server_frames);
		jw_member_string(w, "message", f->message);
		jw_member_string(w, "remedy", f->remedy);
		jw_end_object(w);
	}
	jw_end_array(w);
}

/* Each object on a line of its own; reals as jansson writes them by
 * default (17 digits). */
static void json_begin(struct json_writer *w, struct textbuf *b, struct output *o)
{
	jw_line_begin(w, b, o->fp, o->format == FORMAT_JSON_PRETTY, 0);
	jw_begin_object(w);
	jw_member_int(w, "schema_version", JSON_SCHEMA_VERSION);
}

static void json_end(struct json_writer *w)
{
	jw_end_object(w);
	jw_line_end(w);
}

static void json_row(struct output *o, const struct conn_list *cl, const struct conn_list *sl,
		     const struct compare_row *r)
{
	struct json_writer w;
	struct textbuf b;
	bool pair = r->client_i != SIZE_MAX && r->server_i != SIZE_MAX;
	json_begin(&w, &b, o);
	jw_member_string(&w, "kind", pair ? "pair" : r->client_i != SIZE_MAX ? "client_only" : "server_only");
	jw_member_string_or_null(&w, "match", pair ? compare_match_name(r->how) : NULL);
	jw_member_bool(&w, "nat", pair && r->nat);
	jw_member_bool(&w, "intercepted", pair && r->intercepted);
	jw_key(&w, "client_side");
	side_member(&w, cl, r->client_i);
	jw_key(&w, "server_side");
	side_member(&w, sl, r->server_i);
	jw_key(&w, "findings");
	findings_value(&w, r);
	json_end(&w);
}

static void json_summary(struct output *o, const struct compare_result *r)
{
	struct json_writer w;
	struct textbuf b;
	json_begin(&w, &b, o);
	jw_member_string(&w, "kind", "summary");
	jw_member_uint(&w, "pairs", r->n_pairs);
	jw_member_uint(&w, "by_client_random", r->by_random);
	jw_member_uint(&w, "by_addresses", r->by_addresses);
	jw_member_uint(&w, "by_time", r->by_time);
	jw_member_uint(&w, "client_only", r->client_only);
	jw_member_uint(&w, "server_only", r->server_only);
	jw_member_uint(&w, "findings", r->n_findings);
	jw_key(&w, "clock_offset_s");
	if (r->offset_from == OFFSET_NONE)
		jw_null(&w);
	else
		jw_real(&w, (double)r->offset_ns / 1e9);
	jw_member_string(&w, "clock_offset_from", offset_source_name(r->offset_from));
	jw_member_uint(&w, "clock_offset_samples", r->offset_samples);
	json_end(&w);
}

void compare_output(struct output *o, const struct conn_list *cl, const struct conn_list *sl,
		    const struct compare_result *r, bool summary)
{
	if (o->format == FORMAT_HTML) {
		output_html_compare(o, cl, sl, r, summary);
		return;
	}
	for (size_t i = 0; i < r->n_rows; i++) {
		if (o->format == FORMAT_TEXT)
			text_row(o, cl, sl, &r->rows[i]);
		else
			json_row(o, cl, sl, &r->rows[i]);
	}
	if (summary) {
		if (o->format == FORMAT_TEXT)
			text_summary(o, r);
		else
			json_summary(o, r);
	}
	fflush(o->fp);
}
