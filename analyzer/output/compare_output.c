/* compare_output.c - the comparison as text for people or JSON lines for
 * machines: one row per matched pair or lone connection, then a summary
 * with the clock offset. Reads the models and the compare result only. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "output/compare_output.h"
#include "output/output_html.h"
#include "tls_names.h"

#define SCHEMA_VERSION 1

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

static json_t *side_json(const struct collected_conn *cc)
{
	const struct tls_conn *c = cc->conn;
	char buf[80];
	json_t *j = json_object();
	json_object_set_new(j, "file", json_string(cc->file_name));
	json_object_set_new(j, "stream", json_integer((json_int_t)c->stream));
	json_object_set_new(j, "client", json_string(endpoint_text(&c->client, buf, sizeof buf)));
	json_object_set_new(j, "server", json_string(endpoint_text(&c->server, buf, sizeof buf)));
	json_object_set_new(j, "first_frame", json_integer((json_int_t)c->first_frame));
	json_object_set_new(j, "last_frame", json_integer((json_int_t)c->last_frame));
	json_object_set_new(j, "first_time", json_real((double)c->first_ts_ns / 1e9));
	json_object_set_new(j, "version", c->version ? json_string(tls_version_name(c->version, buf)) : json_null());
	json_object_set_new(j, "sni", c->have_client_hello && c->ch.sni[0] ? json_string(c->ch.sni) : json_null());
	if (c->have_client_hello) {
		char hex[65];
		for (int i = 0; i < 32; i++)
			snprintf(hex + 2 * i, 3, "%02x", c->ch.random[i]);
		json_object_set_new(j, "client_random", json_string(hex));
	} else {
		json_object_set_new(j, "client_random", json_null());
	}
	json_t *reqs = json_array();
	for (size_t i = 0; i < c->n_requests; i++) {
		json_t *q = json_object();
		json_object_set_new(q, "frame", json_integer((json_int_t)c->requests[i].frame));
		json_object_set_new(q, "phase", json_string(cr_phase_name(c->requests[i].phase)));
		json_object_set_new(q, "ca_count", json_integer((json_int_t)c->requests[i].n_ca_names));
		json_array_append_new(reqs, q);
	}
	json_object_set_new(j, "cert_requests", reqs);
	json_object_set_new(j, "renegotiation_frame",
			    c->renegotiated ? json_integer((json_int_t)c->first_reneg_frame) : json_null());
	json_object_set_new(j, "client_certificate", json_string(cc_status_name(c->cc_status)));
	json_object_set_new(j, "end", json_string(conn_end_name(c->end)));
	json_object_set_new(j, "end_frame", c->end_frame ? json_integer((json_int_t)c->end_frame) : json_null());
	json_t *ids = json_array();
	for (size_t i = 0; i < cc->findings.n; i++)
		json_array_append_new(ids, json_string(cc->findings.items[i].id));
	json_object_set_new(j, "finding_ids", ids);
	return j;
}

static json_t *frames_json(const uint64_t *frames, size_t n)
{
	json_t *a = json_array();
	for (size_t k = 0; k < n; k++)
		json_array_append_new(a, json_integer((json_int_t)frames[k]));
	return a;
}

static void json_emit(struct output *o, json_t *j)
{
	size_t flags = JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII;
	flags |= o->format == FORMAT_JSON_PRETTY ? JSON_INDENT(2) : JSON_COMPACT;
	json_dumpf(j, o->fp, flags);
	fputc('\n', o->fp);
	json_decref(j);
}

static void json_row(struct output *o, const struct conn_list *cl, const struct conn_list *sl,
		     const struct compare_row *r)
{
	json_t *j = json_object();
	bool pair = r->client_i != SIZE_MAX && r->server_i != SIZE_MAX;
	json_object_set_new(j, "schema_version", json_integer(SCHEMA_VERSION));
	json_object_set_new(j, "kind", json_string(pair ? "pair" : r->client_i != SIZE_MAX ? "client_only"
											     : "server_only"));
	json_object_set_new(j, "match", pair ? json_string(compare_match_name(r->how)) : json_null());
	json_object_set_new(j, "nat", json_boolean(pair && r->nat));
	json_object_set_new(j, "intercepted", json_boolean(pair && r->intercepted));
	json_object_set_new(j, "client_side", r->client_i != SIZE_MAX ? side_json(&cl->items[r->client_i]) : json_null());
	json_object_set_new(j, "server_side", r->server_i != SIZE_MAX ? side_json(&sl->items[r->server_i]) : json_null());
	json_t *fs = json_array();
	for (size_t i = 0; i < r->n_findings; i++) {
		const struct compare_finding *f = &r->findings[i];
		json_t *fo = json_object();
		json_object_set_new(fo, "id", json_string(f->id));
		json_object_set_new(fo, "severity", json_string(severity_name(f->severity)));
		json_object_set_new(fo, "client_frames", frames_json(f->client_frames, f->n_client_frames));
		json_object_set_new(fo, "server_frames", frames_json(f->server_frames, f->n_server_frames));
		json_object_set_new(fo, "message", json_string(f->message));
		json_object_set_new(fo, "remedy", json_string(f->remedy));
		json_array_append_new(fs, fo);
	}
	json_object_set_new(j, "findings", fs);
	json_emit(o, j);
}

static void json_summary(struct output *o, const struct compare_result *r)
{
	json_t *j = json_object();
	json_object_set_new(j, "schema_version", json_integer(SCHEMA_VERSION));
	json_object_set_new(j, "kind", json_string("summary"));
	json_object_set_new(j, "pairs", json_integer((json_int_t)r->n_pairs));
	json_object_set_new(j, "by_client_random", json_integer((json_int_t)r->by_random));
	json_object_set_new(j, "by_addresses", json_integer((json_int_t)r->by_addresses));
	json_object_set_new(j, "by_time", json_integer((json_int_t)r->by_time));
	json_object_set_new(j, "client_only", json_integer((json_int_t)r->client_only));
	json_object_set_new(j, "server_only", json_integer((json_int_t)r->server_only));
	json_object_set_new(j, "findings", json_integer((json_int_t)r->n_findings));
	json_object_set_new(j, "clock_offset_s",
			    r->offset_from == OFFSET_NONE ? json_null() : json_real((double)r->offset_ns / 1e9));
	json_object_set_new(j, "clock_offset_from", json_string(offset_source_name(r->offset_from)));
	json_object_set_new(j, "clock_offset_samples", json_integer((json_int_t)r->offset_samples));
	json_emit(o, j);
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
