/* output_text.c - the report for people: per connection a short ladder of
 * the handshake (client left, server right, the request highlighted), the
 * facts, then a summary across connections. */
#include <stdio.h>
#include <string.h>

#include "output/output.h"
#include "output/output_common.h"
#include "output/output_stack.h"
#include "diagnosis/story.h"
#include "output/textbuf.h"
#include "tls_names.h"

#define C_RESET "\033[0m"
#define C_BOLD "\033[1m"
#define C_YELLOW "\033[33m"
#define C_GREEN "\033[32m"
#define C_RED "\033[31m"
#define C_DIM "\033[2m"

static const char *col(const struct output *o, const char *code)
{
	return o->color ? code : "";
}

void output_event_label(struct textbuf *b, const struct conn_event *e)
{
	switch (e->kind) {
	case EV_HANDSHAKE: {
		char label[24];
		tb_str(b, tls_hs_type_label(e->hs_type, label));
		break;
	}
	case EV_ENC_HANDSHAKE:
		if (e->hs_type == TLS_HS_FINISHED) {
			tb_lit(b, "[encrypted Finished]");
		} else {
			tb_lit(b, "[encrypted handshake ");
			tb_u64(b, e->bytes, 0);
			tb_lit(b, " B]");
		}
		break;
	case EV_CCS:
		tb_lit(b, "ChangeCipherSpec");
		break;
	case EV_ALERT:
		tb_lit(b, "Alert");
		break;
	case EV_APP_DATA:
		tb_lit(b, "ApplicationData ");
		if (e->count > 1) {
			tb_char(b, 'x');
			tb_u64(b, e->count, 0);
			tb_char(b, ' ');
		}
		tb_char(b, '(');
		tb_u64(b, e->bytes, 0);
		tb_lit(b, " B)");
		break;
	case EV_SSLV2_HELLO:
		tb_str(b, e->hs_type == 1   ? "ClientHello (SSLv2 format)"
			  : e->hs_type == 4 ? "SERVER-HELLO (SSL 2.0)"
					    : "SSL 2.0 record");
		break;
	case EV_GAP:
		tb_char(b, '[');
		tb_u64(b, e->bytes, 0);
		tb_lit(b, " bytes not captured]");
		break;
	case EV_RST:
		tb_lit(b, "RST");
		break;
	case EV_FIN:
		tb_lit(b, "FIN");
		break;
	}
}

/* Width of the client column, as the header's "%-38s". */
#define CLIENT_COLUMN 38

static void print_ladder(struct output *o, struct textbuf *b, const struct tls_conn *c)
{
	size_t i = 0;
	int64_t t0 = c->first_ts_ns;
	bool any_decrypted = false;

	tb_lit(b, "    frame   time(s)  client                                 server\n");
	while (i < c->n_events) {
		/* One line per frame and direction. */
		const struct conn_event *first = &c->events[i];
		bool has_request = false, has_alert = false;
		size_t end = i;
		while (end < c->n_events && c->events[end].frame == first->frame && c->events[end].from == first->from) {
			const struct conn_event *e = &c->events[end];
			if (e->kind == EV_HANDSHAKE && e->hs_type == TLS_HS_CERTIFICATE_REQUEST)
				has_request = true;
			if (e->kind == EV_ALERT || e->kind == EV_RST)
				has_alert = true;
			end++;
		}
		const char *hl = has_request ? col(o, C_BOLD C_YELLOW) : has_alert ? col(o, C_RED) : "";
		const char *rs = (has_request || has_alert) ? col(o, C_RESET) : "";
		tb_lit(b, "  ");
		tb_u64(b, first->frame, 7);
		tb_char(b, ' ');
		tb_ratio(b, first->ts_ns - t0, 1000000000, 3, 9);
		tb_lit(b, "  ");
		if (first->from != SIDE_CLIENT) {
			tb_spaces(b, CLIENT_COLUMN + 1);
			tb_str(b, hl);
			tb_lit(b, "<-- ");
		} else {
			tb_str(b, hl);
		}
		for (size_t j = i; j < end; j++) {
			if (j > i)
				tb_lit(b, ", ");
			output_event_label(b, &c->events[j]);
			if (c->events[j].decrypted) {
				tb_char(b, '*');
				any_decrypted = true;
			}
		}
		if (first->from == SIDE_CLIENT)
			tb_lit(b, " -->");
		tb_str(b, rs);
		tb_char(b, '\n');
		i = end;
	}
	if (c->events_dropped)
		tb_printf(b, "  (%llu later steps not shown)\n", (unsigned long long)c->events_dropped);
	if (any_decrypted)
		tb_lit(b, "  (* decrypted with the key log)\n");
}

/* What the key log showed, and the HTTP exchange it revealed. */
static void print_decryption(struct output *o, struct textbuf *b, const struct tls_conn *c)
{
	const char *st = decryption_status(c);
	if (st) {
		tb_lit(b, "  Decryption: ");
		if (c->decrypt_failed) {
			tb_printf(b,
				  "a %s record in frame %llu did not authenticate (wrong or missing key, or bytes lost); "
				  "later records of that side are shown encrypted",
				  side_name(c->decrypt_fail_side), (unsigned long long)c->decrypt_fail_frame);
			if (c->records_decrypted)
				tb_printf(b, " (%llu records decrypted before)", (unsigned long long)c->records_decrypted);
			tb_char(b, '\n');
		} else if (c->suite_unsupported) {
			tb_printf(b, "cipher suite 0x%04x is not one mtlsdiag decrypts\n", c->unsupported_suite);

		} else if (c->records_decrypted) {
			tb_u64(b, c->records_decrypted, 0);
			tb_lit(b, " records decrypted with the key log");
			if (c->keys_missing)
				tb_lit(b, " (some keys were missing)");
			tb_char(b, '\n');
		} else if (c->keys_missing) {
			tb_lit(b, "the key log has no keys for this connection\n");
		} else {
			tb_lit(b, "nothing encrypted to decrypt\n");
		}
	}
	output_text_http(b, o->color, c);
}

static void print_cert(struct textbuf *b, const struct cert_info *ci)
{
	if (ci->parsed)
		output_cert_facts(b, "      subject %s\n        issuer %s\n        valid %s .. %s, key %s, EKU %s\n", ",",
				  tb_str, ci->sum);
	else
		tb_printf(b, "      (certificate of %zu bytes not decodable)\n", ci->der_len);
}

static void print_requests(struct output *o, struct textbuf *b, const struct tls_conn *c)
{
	for (size_t i = 0; i < c->n_requests; i++) {
		const struct cert_request_fact *f = &c->requests[i];
		tb_lit(b, "  ");
		tb_str(b, col(o, C_BOLD C_YELLOW));
		tb_lit(b, "CertificateRequest");
		tb_str(b, col(o, C_RESET));
		tb_lit(b, " in frame ");
		tb_u64(b, f->frame, 0);
		if (f->since_client_hello_ns >= 0) {
			tb_lit(b, ", ");
			tb_ratio(b, f->since_client_hello_ns, 1000000, 1, 0);
			tb_lit(b, " ms after the ClientHello");
		}
		tb_lit(b, " (");
		tb_str(b, cr_phase_name(f->phase));
		tb_lit(b, ", ");
		tb_str(b, visibility_name(f->visibility));
		tb_lit(b, "): ");
		if (f->partial) {
			tb_printf(b, "not decodable; read before the error: %zu certificate type(s), %zu signature "
				     "algorithm(s), %zu CA name(s)\n",
				  f->n_cert_types, f->n_sig_algs, f->n_ca_names + f->ca_names_dropped);
		} else if (f->parse_error) {
			tb_lit(b, "not decodable\n");
		} else if (f->n_ca_names == 0) {
			tb_lit(b, "empty CA list (no trusted issuer list sent)\n");
		} else {
			size_t names = f->n_ca_names + f->ca_names_dropped;
			tb_u64(b, names, 0);
			tb_str(b, names == 1 ? " CA name, " : " CA names, ");
			tb_u64(b, f->ca_list_bytes, 0);
			tb_str(b, f->records > 1 ? " bytes (spans several records)\n" : " bytes\n");
		}
		for (size_t k = 0; k < f->n_ca_names; k++) {
			tb_lit(b, "      ");
			tb_str(b, f->ca_names[k]);
			tb_char(b, '\n');
		}
		if (f->ca_names_dropped)
			tb_printf(b, "      ... %zu more not kept (--max-ca-names)\n", f->ca_names_dropped);
	}
}

static void print_client_cert(struct textbuf *b, const struct tls_conn *c)
{
	tb_lit(b, "  Client certificate: ");
	tb_str(b, cc_status_name(c->cc_status));
	if (c->cc_status == CC_NOT_REQUESTED && c->cc_visibility == VIS_INFERRED)
		tb_lit(b, " (a TLS 1.3 resumption cannot carry a request)");
	if (c->client_cert_frame) {
		tb_lit(b, " (frame ");
		tb_u64(b, c->client_cert_frame, 0);
		tb_str(b, c->cc_visibility == VIS_DECRYPTED ? ", decrypted)" : ")");
	}
	if (c->cert_verify_frame) {
		tb_lit(b, ", CertificateVerify in frame ");
		tb_u64(b, c->cert_verify_frame, 0);
	}
	tb_char(b, '\n');
	for (size_t i = 0; i < c->client_chain.n_kept; i++)
		print_cert(b, &c->client_chain.certs[i]);
	if (c->client_verify && c->client_verify->ok)
		tb_lit(b, "  Verified against --trust at the capture time: ok\n");
	else if (c->client_verify)
		tb_printf(b, "  Verified against --trust at the capture time: %s (error %d at depth %d)\n",
			  c->client_verify->error_text, c->client_verify->error, c->client_verify->depth);
}

static void print_alerts(struct output *o, struct textbuf *b, const struct tls_conn *c)
{
	for (size_t i = 0; i < c->n_alerts; i++) {
		const struct alert_fact *al = &c->alerts[i];
		tb_lit(b, "  ");
		tb_str(b, col(o, C_RED));
		tb_lit(b, "Alert");
		tb_str(b, col(o, C_RESET));
		tb_lit(b, " from ");
		tb_str(b, side_name(al->from));
		tb_lit(b, " in frame ");
		tb_u64(b, al->frame, 0);
		tb_lit(b, ": ");
		if (al->encrypted) {
			tb_lit(b, "encrypted\n");
		} else {
			tb_str(b, tls_alert_level_name((uint8_t)al->level));
			tb_char(b, ' ');
			tb_str(b, tls_alert_name((uint8_t)al->description));
			tb_lit(b, " (");
			tb_int(b, al->description);
			tb_char(b, ')');
			if (al->visibility == VIS_DECRYPTED)
				tb_lit(b, ", decrypted");
			tb_char(b, '\n');
		}
	}
}

static void print_end(struct textbuf *b, const struct tls_conn *c)
{
	tb_lit(b, "  Ended: ");
	tb_str(b, conn_end_name(c->end));
	if (c->end_frame) {
		tb_lit(b, " by the ");
		tb_str(b, side_name(c->end_by));
		tb_lit(b, " in frame ");
		tb_u64(b, c->end_frame, 0);
	}
	if (c->end == END_RST)
		tb_printf(b, " (TTL %u)", c->rst_ttl);
	tb_char(b, '\n');
	if (c->gaps || c->midstream) {
		tb_printf(b, "  Capture: %s%llu gap(s), %llu bytes not captured",
			  c->midstream ? "started mid-connection, " : "", (unsigned long long)c->gaps,
			  (unsigned long long)c->gap_bytes);
		if (c->resync_skipped_bytes)
			tb_printf(b, ", %llu bytes skipped to find the record boundaries",
				  (unsigned long long)c->resync_skipped_bytes);
		tb_char(b, '\n');
	}
	if (c->seq_reanchored)
		tb_lit(b, "  Capture: damaged TCP sequence numbers (the data does not follow the SYN: a damaged capture, "
			  "or more than 1 MiB not captured); the stream was read from its first TLS segment\n");
	if (c->n_notes) {
		char notes[CONN_NOTES_TEXT_MAX];
		tls_conn_notes_text(c, notes, sizeof notes);
		tb_printf(b, "  Notes: %s\n", notes);
	}
}

static void print_findings(struct output *o, struct textbuf *b, const struct findings *fs)
{
	for (size_t i = 0; i < fs->n; i++) {
		const struct finding *f = &fs->items[i];
		const char *sev_col = f->severity == SEV_ERROR ? C_RED : f->severity == SEV_WARNING ? C_YELLOW : C_DIM;
		tb_lit(b, "  ");
		tb_str(b, col(o, C_BOLD));
		tb_str(b, col(o, sev_col));
		tb_char(b, ' ');
		tb_str(b, severity_name(f->severity));
		tb_str(b, col(o, C_RESET));
		tb_char(b, ' ');
		tb_str(b, f->id);
		output_frame_list(b, " (frames ", f->frames, f->n_frames, ")");
		if (finding_is_cause(fs, i))
			tb_lit(b, "  <- the cause");
		output_fill(b, "\n      %s\n      Fix: %s\n", tb_str, (const char *const[]){ f->message, f->remedy }, 2);
	}
}

static void print_outcome(struct output *o, struct textbuf *b, const struct outcome *oc)
{
	const char *colour = oc->failure == FAILURE_YES ? C_RED : oc->failure == FAILURE_NO ? C_GREEN : C_YELLOW;
	tb_lit(b, "  Outcome: ");
	tb_str(b, col(o, C_BOLD));
	tb_str(b, col(o, colour));
	tb_str(b, outcome_name(oc->kind));
	tb_str(b, col(o, C_RESET));
	tb_lit(b, " (");
	tb_str(b, oc->failure == FAILURE_YES ? "failed" : oc->failure == FAILURE_NO ? "ok" : "success not visible");
	tb_lit(b, ", ");
	tb_str(b, visibility_name(oc->visibility));
	output_frame_list(b, ", frames ", oc->frames, oc->n_frames, "");
	tb_lit(b, ") ");
	tb_str(b, oc->reason);
	tb_char(b, '\n');
}

void output_text_conn(struct output *o, const char *file_name, const struct tls_conn *c, const struct findings *fs)
{
	char cl[80], sv[80], vb[32];
	struct textbuf b;
	textbuf_init(&b, o->fp);

	tb_str(&b, col(o, C_BOLD));
	tb_lit(&b, "== ");
	tb_str(&b, file_name);
	tb_lit(&b, " stream ");
	tb_u64(&b, c->stream, 0);
	tb_lit(&b, ": ");
	tb_str(&b, endpoint_text(&c->client, cl, sizeof cl));
	tb_lit(&b, " -> ");
	tb_str(&b, endpoint_text(&c->server, sv, sizeof sv));
	tb_str(&b, col(o, C_RESET));
	tb_char(&b, '\n');
	print_outcome(o, &b, &fs->outcome);
	tb_lit(&b, "  ");
	tb_str(&b, c->version ? tls_version_name(c->version, vb) : "version unknown");
	if (c->have_client_hello && c->ch.sni[0]) {
		tb_lit(&b, ", SNI ");
		tb_str(&b, c->ch.sni);
	}
	if (c->have_server_hello && c->sh.alpn[0]) {
		tb_lit(&b, ", ALPN ");
		tb_str(&b, c->sh.alpn);
	}
	if (c->resumed)
		tb_lit(&b, ", resumed session");
	tb_lit(&b, ", frames ");
	tb_u64(&b, c->first_frame, 0);
	tb_char(&b, '-');
	tb_u64(&b, c->last_frame, 0);
	tb_lit(&b, ", filter: tcp.stream eq ");
	tb_u64(&b, c->stream, 0);
	tb_char(&b, '\n');
	output_text_stack(&b, fs);
	print_ladder(o, &b, c);
	print_requests(o, &b, c);
	print_client_cert(&b, c);
	print_alerts(o, &b, c);
	if (c->renegotiated) {
		uint64_t answer_bytes;
		size_t answer_records = reneg_client_answer(c, &answer_bytes);
		tb_printf(&b, "  Renegotiation started by the %s in frame %llu (%s)", side_name(c->reneg_initiator),
			  (unsigned long long)c->first_reneg_frame,
			  c->records_decrypted && !c->decrypt_failed ? "decrypted" : "encrypted");
		if (answer_records)
			tb_printf(&b, "; the client answered in frame %llu with %zu records, %llu bytes",
				  (unsigned long long)c->reneg_client_flight_frame, answer_records,
				  (unsigned long long)answer_bytes);
		tb_printf(&b, "; %s\n", reneg_outcome(c));
	}
	print_decryption(o, &b, c);
	print_end(&b, c);
	print_findings(o, &b, fs);
	tb_char(&b, '\n');
	textbuf_flush(&b);
}

struct story_print {
	FILE *fp;
	unsigned lines;
};

static void story_line(void *ctx, const char *line)
{
	struct story_print *sp = ctx;
	if (sp->lines++ == 0)
		fputs("What happened across connections:\n", sp->fp);
	fprintf(sp->fp, "  %s\n", line);
}

/* One line when tunnelled frames were opened: how many per kind, and the
 * frames that still held no TCP. */
static void output_text_tunnels(FILE *fp, const struct run_stats *st)
{
	const char *sep = "  decapsulated frames: ";
	for (int k = 0; k < TUNNEL_TYPES; k++) {
		if (!st->traffic.tunnel_frames[k])
			continue;
		fprintf(fp, "%s%s %llu", sep, tunnel_type_label(k), (unsigned long long)st->traffic.tunnel_frames[k]);
		sep = ", ";
	}
	if (sep[0] == ',')
		fprintf(fp, "; frames not IP %llu, not TCP %llu\n", (unsigned long long)st->traffic.non_ip,
			(unsigned long long)st->traffic.non_tcp);
}

void output_text_summary(struct output *o, const struct run_stats *st, unsigned files)
{
	fprintf(o->fp, "Summary: %llu TLS connection%s reported of %llu seen (%llu TCP streams, %llu frames",
		(unsigned long long)st->reported, st->reported == 1 ? "" : "s", (unsigned long long)st->traffic.tls_conns,
		(unsigned long long)st->traffic.tcp_flows, (unsigned long long)st->traffic.frames);
	if (files > 1)
		fprintf(o->fp, ", %u files", files);
	fprintf(o->fp, ")\n");
	fprintf(o->fp, "  outcomes:");
	for (int k = 0; k < OUTCOME_KIND_COUNT; k++)
		fprintf(o->fp, "%s %s %llu", k ? "," : "", outcome_name((enum outcome_kind)k),
			(unsigned long long)st->outcomes[k]);
	fprintf(o->fp, "; failed %llu\n", (unsigned long long)st->failed);
	fprintf(o->fp, "  certificate requested in %llu", (unsigned long long)st->with_request);
	if (st->with_request_inferred)
		fprintf(o->fp, " (%llu inferred from encrypted records)", (unsigned long long)st->with_request_inferred);
	fprintf(o->fp, "; client answered (seen) with certificates %llu, empty %llu, nothing %llu\n",
		(unsigned long long)st->cc_present, (unsigned long long)st->cc_empty,
		(unsigned long long)st->cc_absent);
	for (size_t i = 0; i < st->n_causes; i++)
		fprintf(o->fp, "  %s: %llu connection%s\n", st->cause_id[i], (unsigned long long)st->cause_count[i],
			st->cause_count[i] == 1 ? "" : "s");
	output_text_tunnels(o->fp, st);
	if (st->traffic.evicted > st->traffic.evicted_memory)
		fprintf(o->fp, "  %llu connection(s) evicted early to respect --max-flows\n",
			(unsigned long long)(st->traffic.evicted - st->traffic.evicted_memory));
	if (st->traffic.evicted_memory)
		fprintf(o->fp, "  %llu connection(s) evicted early to respect --max-memory\n",
			(unsigned long long)st->traffic.evicted_memory);
	if (st->story) {
		struct story_print sp = { o->fp, 0 };
		story_tell(st->story, story_line, &sp);
	}
}
