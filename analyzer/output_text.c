/* output_text.c - the report for people: per connection a short ladder of
 * the handshake (client left, server right, the request highlighted), the
 * facts, then a summary across connections. */
#include <stdio.h>
#include <string.h>

#include "output.h"
#include "tls_names.h"

#define C_RESET "\033[0m"
#define C_BOLD "\033[1m"
#define C_YELLOW "\033[33m"
#define C_RED "\033[31m"
#define C_DIM "\033[2m"

static const char *col(const struct output *o, const char *code)
{
	return o->color ? code : "";
}

static void event_label(const struct conn_event *e, char *buf, size_t n)
{
	switch (e->kind) {
	case EV_HANDSHAKE:
		snprintf(buf, n, "%s", tls_hs_type_name(e->hs_type));
		break;
	case EV_ENC_HANDSHAKE:
		snprintf(buf, n, e->hs_type == TLS_HS_FINISHED ? "[encrypted Finished]" : "[encrypted handshake %u B]",
			 e->bytes);
		break;
	case EV_CCS:
		snprintf(buf, n, "ChangeCipherSpec");
		break;
	case EV_ALERT:
		snprintf(buf, n, "Alert");
		break;
	case EV_APP_DATA:
		if (e->count > 1)
			snprintf(buf, n, "ApplicationData x%u (%u B)", e->count, e->bytes);
		else
			snprintf(buf, n, "ApplicationData (%u B)", e->bytes);
		break;
	case EV_SSLV2_HELLO:
		snprintf(buf, n, "ClientHello (SSLv2 format)");
		break;
	case EV_GAP:
		snprintf(buf, n, "[%u bytes not captured]", e->bytes);
		break;
	case EV_RST:
		snprintf(buf, n, "RST");
		break;
	case EV_FIN:
		snprintf(buf, n, "FIN");
		break;
	}
}

static void print_ladder(struct output *o, const struct tls_conn *c)
{
	size_t i = 0;
	int64_t t0 = c->first_ts_ns;
	bool any_decrypted = false;

	fprintf(o->fp, "  %7s %9s  %-38s %s\n", "frame", "time(s)", "client", "server");
	while (i < c->n_events) {
		/* One line per frame and direction. */
		const struct conn_event *first = &c->events[i];
		char line[512] = "";
		bool has_request = false, has_alert = false;
		size_t j = i;
		while (j < c->n_events && c->events[j].frame == first->frame && c->events[j].from == first->from) {
			char label[96];
			event_label(&c->events[j], label, sizeof label);
			if (c->events[j].decrypted) {
				strncat(label, "*", sizeof label - strlen(label) - 1);
				any_decrypted = true;
			}
			if (c->events[j].kind == EV_HANDSHAKE && c->events[j].hs_type == TLS_HS_CERTIFICATE_REQUEST)
				has_request = true;
			if (c->events[j].kind == EV_ALERT || c->events[j].kind == EV_RST)
				has_alert = true;
			if (line[0])
				strncat(line, ", ", sizeof line - strlen(line) - 1);
			strncat(line, label, sizeof line - strlen(line) - 1);
			j++;
		}
		const char *hl = has_request ? col(o, C_BOLD C_YELLOW) : has_alert ? col(o, C_RED) : "";
		const char *rs = (has_request || has_alert) ? col(o, C_RESET) : "";
		double t = (double)(first->ts_ns - t0) / 1e9;
		if (first->from == SIDE_CLIENT)
			fprintf(o->fp, "  %7llu %9.3f  %s%s -->%s\n", (unsigned long long)first->frame, t, hl, line, rs);
		else
			fprintf(o->fp, "  %7llu %9.3f  %-38s %s<-- %s%s\n", (unsigned long long)first->frame, t, "", hl,
				line, rs);
		i = j;
	}
	if (c->events_dropped)
		fprintf(o->fp, "  (%llu later steps not shown)\n", (unsigned long long)c->events_dropped);
	if (any_decrypted)
		fprintf(o->fp, "  (* decrypted with the key log)\n");
}

/* What the key log showed, and the HTTP exchange it revealed. */
static void print_decryption(struct output *o, const struct tls_conn *c)
{
	const char *st = decryption_status(c);
	char side[16];
	if (st) {
		fprintf(o->fp, "  Decryption: ");
		if (c->decrypt_failed) {
			snprintf(side, sizeof side, "%s", side_name(c->decrypt_fail_side));
			fprintf(o->fp,
				"a %s record in frame %llu did not authenticate (wrong or missing key, or bytes lost); "
				"later records of that side are shown encrypted",
				side, (unsigned long long)c->decrypt_fail_frame);
			if (c->records_decrypted)
				fprintf(o->fp, " (%llu records decrypted before)", (unsigned long long)c->records_decrypted);
			fputc('\n', o->fp);
		} else if (c->suite_unsupported) {
			fprintf(o->fp, "cipher suite 0x%04x is not one mtlsdiag decrypts\n", c->unsupported_suite);
		} else if (c->records_decrypted) {
			fprintf(o->fp, "%llu records decrypted with the key log%s\n",
				(unsigned long long)c->records_decrypted,
				c->keys_missing ? " (some keys were missing)" : "");
		} else if (c->keys_missing) {
			fprintf(o->fp, "the key log has no keys for this connection\n");
		} else {
			fprintf(o->fp, "nothing encrypted to decrypt\n");
		}
	}
	if (c->http_request_frame || c->http_response_frame) {
		fprintf(o->fp, "  HTTP: ");
		if (c->http_request_frame)
			fprintf(o->fp, "%s (frame %llu)", c->http_request, (unsigned long long)c->http_request_frame);
		else
			fprintf(o->fp, "(no request line seen)");
		if (c->http_response_frame)
			fprintf(o->fp, " -> %s%s%s (frame %llu)", c->http_status >= 400 ? col(o, C_RED) : "",
				c->http_response, c->http_status >= 400 ? col(o, C_RESET) : "",
				(unsigned long long)c->http_response_frame);
		fputc('\n', o->fp);
	}
}

static void print_cert(struct output *o, const char *indent, const struct cert_info *ci)
{
	if (!ci->parsed) {
		fprintf(o->fp, "%s(certificate of %zu bytes not decodable)\n", indent, ci->der_len);
		return;
	}
	const struct x509_summary *s = ci->sum;
	const char *names[8];
	size_t n = x509_eku_names(s->eku, names, 8);
	fprintf(o->fp, "%ssubject %s\n", indent, s->subject);
	fprintf(o->fp, "%s  issuer %s\n", indent, s->issuer);
	fprintf(o->fp, "%s  valid %s .. %s, key %s, EKU ", indent, s->not_before, s->not_after, s->key_type);
	if (!s->has_eku)
		fprintf(o->fp, "(none: any use)");
	for (size_t i = 0; i < n; i++)
		fprintf(o->fp, "%s%s", i ? "," : "", names[i]);
	fputc('\n', o->fp);
}

void output_text_conn(struct output *o, const char *file_name, const struct tls_conn *c, const struct findings *fs)
{
	char cl[80], sv[80], vb[32];

	fprintf(o->fp, "%s== %s stream %llu: %s -> %s%s\n", col(o, C_BOLD), file_name,
		(unsigned long long)c->stream, endpoint_text(&c->client, cl, sizeof cl),
		endpoint_text(&c->server, sv, sizeof sv), col(o, C_RESET));
	fprintf(o->fp, "  %s", c->version ? tls_version_name(c->version, vb) : "version unknown");
	if (c->have_client_hello && c->ch.sni[0])
		fprintf(o->fp, ", SNI %s", c->ch.sni);
	if (c->have_server_hello && c->sh.alpn[0])
		fprintf(o->fp, ", ALPN %s", c->sh.alpn);
	if (c->resumed)
		fprintf(o->fp, ", resumed session");
	fprintf(o->fp, ", frames %llu-%llu, filter: tcp.stream eq %llu\n", (unsigned long long)c->first_frame,
		(unsigned long long)c->last_frame, (unsigned long long)c->stream);
	print_ladder(o, c);

	for (size_t i = 0; i < c->n_requests; i++) {
		const struct cert_request_fact *f = &c->requests[i];
		fprintf(o->fp, "  %sCertificateRequest%s in frame %llu", col(o, C_BOLD C_YELLOW), col(o, C_RESET),
			(unsigned long long)f->frame);
		if (f->since_client_hello_ns >= 0)
			fprintf(o->fp, ", %.1f ms after the ClientHello", (double)f->since_client_hello_ns / 1e6);
		fprintf(o->fp, " (%s, %s): ", cr_phase_name(f->phase), visibility_name(f->visibility));
		if (f->parse_error)
			fprintf(o->fp, "not decodable\n");
		else if (f->n_ca_names == 0)
			fprintf(o->fp, "empty CA list (no trusted issuer list sent)\n");
		else
			fprintf(o->fp, "%zu CA name%s, %zu bytes%s\n", f->n_ca_names + f->ca_names_dropped,
				f->n_ca_names + f->ca_names_dropped == 1 ? "" : "s", f->ca_list_bytes,
				f->records > 1 ? " (spans several records)" : "");
		for (size_t k = 0; k < f->n_ca_names; k++)
			fprintf(o->fp, "      %s\n", f->ca_names[k]);
		if (f->ca_names_dropped)
			fprintf(o->fp, "      ... %zu more not kept (--max-ca-names)\n", f->ca_names_dropped);
	}
	fprintf(o->fp, "  Client certificate: %s", cc_status_name(c->cc_status));
	if (c->client_cert_frame)
		fprintf(o->fp, " (frame %llu%s)", (unsigned long long)c->client_cert_frame,
			c->cc_visibility == VIS_DECRYPTED ? ", decrypted" : "");
	if (c->cert_verify_frame)
		fprintf(o->fp, ", CertificateVerify in frame %llu", (unsigned long long)c->cert_verify_frame);
	fputc('\n', o->fp);
	for (size_t i = 0; i < c->client_chain.n_kept; i++)
		print_cert(o, "      ", &c->client_chain.certs[i]);
	if (c->client_verify && c->client_verify->ok)
		fprintf(o->fp, "  Verified against --trust at the capture time: ok\n");
	else if (c->client_verify)
		fprintf(o->fp, "  Verified against --trust at the capture time: %s (error %d at depth %d)\n",
			c->client_verify->error_text, c->client_verify->error, c->client_verify->depth);
	for (size_t i = 0; i < c->n_alerts; i++) {
		const struct alert_fact *al = &c->alerts[i];
		fprintf(o->fp, "  %sAlert%s from %s in frame %llu: ", col(o, C_RED), col(o, C_RESET),
			side_name(al->from), (unsigned long long)al->frame);
		if (al->encrypted)
			fprintf(o->fp, "encrypted\n");
		else
			fprintf(o->fp, "%s %s (%d)%s\n", tls_alert_level_name((uint8_t)al->level),
				tls_alert_name((uint8_t)al->description), al->description,
				al->visibility == VIS_DECRYPTED ? ", decrypted" : "");
	}
	if (c->renegotiated) {
		uint64_t answer_bytes;
		size_t answer_records = reneg_client_answer(c, &answer_bytes);
		fprintf(o->fp, "  Renegotiation started by the %s in frame %llu (%s)",
			side_name(c->reneg_initiator), (unsigned long long)c->first_reneg_frame,
			c->records_decrypted && !c->decrypt_failed ? "decrypted" : "encrypted");
		if (answer_records)
			fprintf(o->fp, "; the client answered in frame %llu with %zu records, %llu bytes",
				(unsigned long long)c->reneg_client_flight_frame, answer_records,
				(unsigned long long)answer_bytes);
		fprintf(o->fp, "; %s\n", reneg_outcome(c));
	}
	print_decryption(o, c);
	fprintf(o->fp, "  Ended: %s", conn_end_name(c->end));
	if (c->end_frame)
		fprintf(o->fp, " by the %s in frame %llu", side_name(c->end_by), (unsigned long long)c->end_frame);
	if (c->end == END_RST)
		fprintf(o->fp, " (TTL %u)", c->rst_ttl);
	fputc('\n', o->fp);
	if (c->gaps || c->midstream)
		fprintf(o->fp, "  Capture: %s%llu gap(s), %llu bytes not captured\n",
			c->midstream ? "started mid-connection, " : "", (unsigned long long)c->gaps,
			(unsigned long long)c->gap_bytes);
	if (c->notes[0])
		fprintf(o->fp, "  Notes: %s\n", c->notes);
	for (size_t i = 0; i < fs->n; i++) {
		const struct finding *f = &fs->items[i];
		const char *sev_col = f->severity == SEV_ERROR ? C_RED : f->severity == SEV_WARNING ? C_YELLOW : C_DIM;
		fprintf(o->fp, "  %s%s %s%s", col(o, C_BOLD), col(o, sev_col), severity_name(f->severity), col(o, C_RESET));
		fprintf(o->fp, " %s", f->id);
		for (size_t k = 0; k < f->n_frames; k++)
			fprintf(o->fp, "%s%llu", k ? "," : " (frames ", (unsigned long long)f->frames[k]);
		fprintf(o->fp, "%s%s\n", f->n_frames ? ")" : "", i == 0 && f->severity != SEV_INFO ? "  <- the cause" : "");
		fprintf(o->fp, "      %s\n      Fix: %s\n", f->message, f->remedy);
	}
	fputc('\n', o->fp);
}

void output_text_summary(struct output *o, const struct run_stats *st, unsigned files)
{
	fprintf(o->fp, "Summary: %llu TLS connection%s reported of %llu seen (%llu TCP streams, %llu frames",
		(unsigned long long)st->reported, st->reported == 1 ? "" : "s", (unsigned long long)st->tls_conns,
		(unsigned long long)st->tcp_flows, (unsigned long long)st->frames);
	if (files > 1)
		fprintf(o->fp, ", %u files", files);
	fprintf(o->fp, ")\n");
	fprintf(o->fp,
		"  certificate requested in %llu; client answered with certificates %llu, empty %llu, "
		"nothing %llu\n",
		(unsigned long long)st->with_request, (unsigned long long)st->cc_present,
		(unsigned long long)st->cc_empty, (unsigned long long)st->cc_absent);
	for (size_t i = 0; i < st->n_causes; i++)
		fprintf(o->fp, "  %s: %llu connection%s\n", st->cause_id[i], (unsigned long long)st->cause_count[i],
			st->cause_count[i] == 1 ? "" : "s");
	if (st->evicted > st->evicted_memory)
		fprintf(o->fp, "  %llu connection(s) evicted early to respect --max-flows\n",
			(unsigned long long)(st->evicted - st->evicted_memory));
	if (st->evicted_memory)
		fprintf(o->fp, "  %llu connection(s) evicted early to respect --max-memory\n",
			(unsigned long long)st->evicted_memory);
}

void output_conn(struct output *o, const char *file_name, const struct tls_conn *c, const struct findings *f)
{
	if (o->format != FORMAT_TEXT)
		output_json_conn(o, file_name, c, f);
	else
		output_text_conn(o, file_name, c, f);
	o->printed++;
	if (o->format != FORMAT_TEXT || o->fp != stdout)
		fflush(o->fp);
}

void output_run_summary(struct output *o, const struct run_stats *st, unsigned files)
{
	if (o->format == FORMAT_TEXT)
		output_text_summary(o, st, files);
	else
		output_json_summary(o, stderr, st, files);
}
