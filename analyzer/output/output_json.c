/* output_json.c - one JSON object per connection (JSON lines), keeping
 * the contract in design.md; extra fields are documented in the man page. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "community_id.h"
#include "output/json_write.h"
#include "output/output.h"
#include "output/output_json.h"
#include "output/output_stack.h"
#include "diagnosis/story.h"
#include "output/textbuf.h"
#include "tls_names.h"

#define SCHEMA_VERSION 1

static json_t *frame_or_null(uint64_t frame)
{
	return frame ? json_integer((json_int_t)frame) : json_null();
}

static json_t *version_json(uint16_t v)
{
	char buf[32];
	return v ? json_string(tls_version_name(v, buf)) : json_null();
}

static json_t *cert_json(const struct cert_info *ci)
{
	json_t *o = json_object();
	if (!ci->parsed) {
		json_object_set_new(o, "error", json_string("certificate not decodable"));
		json_object_set_new(o, "der_bytes", json_integer((json_int_t)ci->der_len));
		return o;
	}
	const struct x509_summary *s = ci->sum;
	json_object_set_new(o, "subject", json_string(s->subject));
	json_object_set_new(o, "issuer", json_string(s->issuer));
	json_object_set_new(o, "serial", json_string(s->serial));
	json_object_set_new(o, "not_before", json_string(s->not_before));
	json_object_set_new(o, "not_after", json_string(s->not_after));
	json_t *eku = json_array();
	const char *names[9];
	size_t n = x509_eku_names(s->eku, names, 8);
	for (size_t i = 0; i < n; i++)
		json_array_append_new(eku, json_string(names[i]));
	json_object_set_new(o, "eku", s->has_eku ? eku : (json_decref(eku), json_null()));
	json_t *ku = json_array();
	n = x509_key_usage_names(s->key_usage, names, 9);
	for (size_t i = 0; i < n; i++)
		json_array_append_new(ku, json_string(names[i]));
	json_object_set_new(o, "key_usage", s->has_key_usage ? ku : (json_decref(ku), json_null()));
	json_object_set_new(o, "key_type", json_string(s->key_type));
	json_object_set_new(o, "self_signed", json_boolean(s->self_signed));
	json_object_set_new(o, "ca", json_boolean(s->is_ca));
	char hex[65];
	static const char digits[] = "0123456789abcdef";
	for (int i = 0; i < 32; i++) {
		hex[2 * i] = digits[s->sha256[i] >> 4];
		hex[2 * i + 1] = digits[s->sha256[i] & 15];
	}
	hex[64] = '\0';
	json_object_set_new(o, "sha256", json_string(hex));
	return o;
}

static json_t *chain_json(const struct cert_chain *ch)
{
	json_t *arr = json_array();
	for (size_t i = 0; i < ch->n_kept; i++)
		json_array_append_new(arr, cert_json(&ch->certs[i]));
	return arr;
}

/* Only with --trust: OpenSSL's verdict on the client chain. */
static json_t *verdict_json(const struct chain_verdict *v)
{
	json_t *o = json_object();
	json_object_set_new(o, "result", json_string(v->ok ? "ok" : "failed"));
	if (!v->ok) {
		json_object_set_new(o, "error", json_integer(v->error));
		json_object_set_new(o, "error_text", json_string(v->error_text));
		json_object_set_new(o, "depth", json_integer(v->depth));
		json_object_set_new(o, "subject", json_string(v->subject));
		json_object_set_new(o, "issuer", json_string(v->issuer));
	}
	return o;
}

static json_t *request_json(const struct cert_request_fact *f)
{
	json_t *o = json_object();
	json_object_set_new(o, "frame", json_integer((json_int_t)f->frame));
	json_object_set_new(o, "phase", json_string(cr_phase_name(f->phase)));
	json_object_set_new(o, "visibility", json_string(visibility_name(f->visibility)));
	json_object_set_new(o, "ms_since_client_hello",
			    f->since_client_hello_ns >= 0 ? json_real((double)f->since_client_hello_ns / 1e6)
							   : json_null());
	json_t *names = json_array();
	for (size_t i = 0; i < f->n_ca_names; i++)
		json_array_append_new(names, json_string(f->ca_names[i]));
	json_object_set_new(o, "ca_names", names);
	json_object_set_new(o, "ca_count", json_integer((json_int_t)(f->n_ca_names + f->ca_names_dropped)));
	json_object_set_new(o, "ca_list_bytes", json_integer((json_int_t)f->ca_list_bytes));
	json_t *types = json_array();
	for (size_t i = 0; i < f->n_cert_types; i++) {
		const char *n = tls_cert_type_name(f->cert_types[i]);
		json_array_append_new(types, n ? json_string(n) : json_integer(f->cert_types[i]));
	}
	json_object_set_new(o, "certificate_types", types);
	json_t *algs = json_array();
	for (size_t i = 0; i < f->n_sig_algs; i++) {
		const char *n = tls_sig_alg_name(f->sig_algs[i]);
		char buf[8];
		snprintf(buf, sizeof buf, "0x%04x", f->sig_algs[i]);
		json_array_append_new(algs, json_string(n ? n : buf));
	}
	json_object_set_new(o, "signature_algorithms", algs);
	json_object_set_new(o, "message_bytes", json_integer(f->msg_len));
	json_object_set_new(o, "records", json_integer(f->records));
	if (f->parse_error)
		json_object_set_new(o, "error", json_string("request not decodable"));
	return o;
}

static json_t *alert_json(const struct alert_fact *al)
{
	json_t *o = json_object();
	json_object_set_new(o, "frame", json_integer((json_int_t)al->frame));
	json_object_set_new(o, "from", json_string(side_name(al->from)));
	if (al->encrypted) {
		json_object_set_new(o, "level", json_null());
		json_object_set_new(o, "description", json_null());
	} else {
		json_object_set_new(o, "level", json_string(tls_alert_level_name((uint8_t)al->level)));
		json_object_set_new(o, "description", json_string(tls_alert_name((uint8_t)al->description)));
		json_object_set_new(o, "code", json_integer(al->description));
	}
	json_object_set_new(o, "visibility", json_string(visibility_name(al->visibility)));
	return o;
}

static json_t *history_json(const struct tls_conn *c)
{
	json_t *arr = json_array();
	for (size_t i = 0; i < c->n_events; i++) {
		const struct conn_event *e = &c->events[i];
		json_t *o = json_object();
		json_object_set_new(o, "frame", json_integer((json_int_t)e->frame));
		json_object_set_new(o, "from", json_string(side_name(e->from)));
		const char *what = "?";
		char label[24];
		switch (e->kind) {
		case EV_HANDSHAKE:
			what = tls_hs_type_label(e->hs_type, label);
			break;
		case EV_ENC_HANDSHAKE:
			what = e->hs_type == TLS_HS_FINISHED ? "encrypted_finished" : "encrypted_handshake";
			break;
		case EV_CCS:
			what = "change_cipher_spec";
			break;
		case EV_ALERT:
			what = "alert";
			break;
		case EV_APP_DATA:
			what = "application_data";
			break;
		case EV_SSLV2_HELLO:
			what = e->hs_type == 1 ? "sslv2_client_hello" : e->hs_type == 4 ? "sslv2_server_hello" : "sslv2_record";
			break;
		case EV_GAP:
			what = "gap";
			break;
		case EV_RST:
			what = "rst";
			break;
		case EV_FIN:
			what = "fin";
			break;
		}
		json_object_set_new(o, "what", json_string(what));
		json_object_set_new(o, "bytes", json_integer(e->bytes));
		if (e->count > 1)
			json_object_set_new(o, "records", json_integer(e->count));
		if (e->decrypted)
			json_object_set_new(o, "decrypted", json_true());
		json_array_append_new(arr, o);
	}
	return arr;
}

static json_t *outcome_json(const struct outcome *oc)
{
	json_t *o = json_object();
	json_object_set_new(o, "kind", json_string(outcome_name(oc->kind)));
	json_object_set_new(o, "failure", json_string(outcome_failure_name(oc->failure)));
	json_object_set_new(o, "visibility", json_string(visibility_name(oc->visibility)));
	json_t *frames = json_array();
	for (size_t k = 0; k < oc->n_frames; k++)
		json_array_append_new(frames, json_integer((json_int_t)oc->frames[k]));
	json_object_set_new(o, "frames", frames);
	json_object_set_new(o, "reason", json_string(oc->reason));
	json_object_set_new(o, "certificate_requested",
			    json_string(!oc->requested ? "no" : oc->request_inferred ? "inferred" : "yes"));
	json_object_set_new(o, "client_answer", json_string(cc_status_name(oc->answer)));
	return o;
}

/* A capture time to the microsecond: what a pcap records, and what a
 * double of seconds since 1970 still holds exactly enough to print as
 * written. Nanoseconds (pcapng) are rounded. */
static int64_t time_us(int64_t ns)
{
	int64_t us = ns / 1000, rest = ns % 1000;
	if (rest < 0) {
		us--;
		rest += 1000;
	}
	return rest >= 500 ? us + 1 : us;
}

const char *iso8601_us(int64_t ns, char *buf, size_t bufsz)
{
	int64_t us = time_us(ns), s = us / 1000000, frac = us % 1000000;
	if (frac < 0) {
		s--;
		frac += 1000000;
	}
	time_t t = (time_t)s;
	struct tm tm;
	if (!gmtime_r(&t, &tm) || bufsz < 28) {
		if (bufsz)
			buf[0] = '\0';
		return buf;
	}
	size_t n = strftime(buf, bufsz, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, bufsz - n, ".%06lldZ", (long long)frac);
	return buf;
}

/* "2026-03-02T10:00:00.123456Z" beside the seconds since 1970. */
static void set_time(json_t *j, const char *key, int64_t ns)
{
	char name[40], iso[40];
	json_object_set_new(j, key, json_real((double)time_us(ns) / 1e6));
	snprintf(name, sizeof name, "%s_iso", key);
	json_object_set_new(j, name, json_string(iso8601_us(ns, iso, sizeof iso)));
}

static void set_endpoint(json_t *j, const char *side, const struct endpoint *e)
{
	char key[16], addr[64];
	snprintf(key, sizeof key, "%s_ip", side);
	json_object_set_new(j, key, json_string(ip_addr_text(&e->addr, addr, sizeof addr)));
	snprintf(key, sizeof key, "%s_port", side);
	json_object_set_new(j, key, json_integer(e->port));
}

static json_t *notes_list_json(const char *notes)
{
	json_t *arr = json_array();
	const char *p = notes;
	while (*p) {
		size_t n = strcspn(p, ",");
		if (n)
			json_array_append_new(arr, json_stringn(p, n));
		p += n;
		if (*p == ',')
			p++;
	}
	return arr;
}

json_t *output_json_object(const struct output *o, const char *file_name, const struct tls_conn *c,
			   const struct findings *fs)
{
	char buf[80];
	json_t *j = json_object();

	json_object_set_new(j, "schema_version", json_integer(SCHEMA_VERSION));
	json_object_set_new(j, "file", json_string(file_name));
	json_object_set_new(j, "stream", json_integer((json_int_t)c->stream));
	json_object_set_new(j, "client", json_string(endpoint_text(&c->client, buf, sizeof buf)));
	json_object_set_new(j, "server", json_string(endpoint_text(&c->server, buf, sizeof buf)));
	set_endpoint(j, "client", &c->client);
	set_endpoint(j, "server", &c->server);
	char cid[COMMUNITY_ID_LEN];
	bool have_cid = community_id_v1(&c->client.addr, c->client.port, &c->server.addr, c->server.port,
					COMMUNITY_ID_PROTO_TCP, o->community_id_seed, cid, sizeof cid) == 0;
	json_object_set_new(j, "community_id", have_cid ? json_string(cid) : json_null());
	json_object_set_new(j, "first_frame", json_integer((json_int_t)c->first_frame));
	json_object_set_new(j, "last_frame", json_integer((json_int_t)c->last_frame));
	set_time(j, "first_time", c->first_ts_ns);
	json_object_set_new(j, "version", version_json(c->version));
	json_object_set_new(j, "sni", c->have_client_hello && c->ch.sni[0] ? json_string(c->ch.sni) : json_null());

	json_t *ch = json_null();
	if (c->have_client_hello) {
		ch = json_object();
		json_object_set_new(ch, "frame", json_integer((json_int_t)c->client_hello_frame));
		json_object_set_new(ch, "legacy_version", version_json(c->ch.legacy_version));
		json_t *vers = json_array();
		for (size_t i = 0; i < c->ch.n_versions; i++)
			json_array_append_new(vers, version_json(c->ch.versions[i]));
		json_object_set_new(ch, "supported_versions", vers);
		json_t *alpn = json_array();
		for (size_t i = 0; i < c->ch.n_alpn; i++)
			json_array_append_new(alpn, json_string(c->ch.alpn[i]));
		json_object_set_new(ch, "alpn", alpn);
		json_object_set_new(ch, "post_handshake_auth", json_boolean(c->ch.has_post_handshake_auth));
		json_object_set_new(ch, "renegotiation_info",
				    json_boolean(c->ch.has_renegotiation_info || c->ch.offers_reneg_scsv));
		json_object_set_new(ch, "session_id", json_boolean(c->ch.session_id_len > 0));
		json_object_set_new(ch, "session_ticket", json_boolean(c->ch.session_ticket_len > 0));
		json_object_set_new(ch, "psk", json_boolean(c->ch.has_pre_shared_key));
		json_object_set_new(ch, "sslv2_format", json_boolean(c->ch.sslv2_format));
		json_object_set_new(ch, "count", json_integer(c->n_client_hellos));
	}
	json_object_set_new(j, "client_hello", ch);

	json_t *sh = json_null();
	if (c->have_server_hello) {
		sh = json_object();
		json_object_set_new(sh, "frame", json_integer((json_int_t)c->server_hello_frame));
		const char *cs = tls_cipher_suite_name(c->sh.cipher_suite);
		snprintf(buf, sizeof buf, "0x%04x", c->sh.cipher_suite);
		json_object_set_new(sh, "cipher_suite", json_string(cs ? cs : buf));
		json_object_set_new(sh, "alpn", c->sh.alpn[0] ? json_string(c->sh.alpn) : json_null());
		json_object_set_new(sh, "renegotiation_info", json_boolean(c->sh.has_renegotiation_info));
		json_object_set_new(sh, "hello_retry_request", json_boolean(c->hello_retry));
	}
	json_object_set_new(j, "server_hello", sh);
	json_object_set_new(j, "resumed", json_boolean(c->resumed));
	json_object_set_new(j, "server_chain", chain_json(&c->server_chain));
	json_object_set_new(j, "server_certificate_frame", frame_or_null(c->server_cert_frame));

	json_t *reqs = json_array();
	for (size_t i = 0; i < c->n_requests; i++)
		json_array_append_new(reqs, request_json(&c->requests[i]));
	json_object_set_new(j, "cert_requests", reqs);

	json_t *cc = json_object();
	json_object_set_new(cc, "status", json_string(cc_status_name(c->cc_status)));
	json_object_set_new(cc, "frame", frame_or_null(c->client_cert_frame));
	json_object_set_new(cc, "visibility", c->cc_status == CC_NOT_REQUESTED && c->cc_visibility != VIS_INFERRED
						      ? json_null()
						      : json_string(visibility_name(c->cc_visibility)));
	json_object_set_new(cc, "count", json_integer((json_int_t)c->client_chain.n_certs));
	json_object_set_new(cc, "chain", chain_json(&c->client_chain));
	json_object_set_new(cc, "certificate_verify_frame", frame_or_null(c->cert_verify_frame));
	if (c->n_cc_msgs > 1) {
		/* Several answers (renegotiation): each one, in order. */
		json_t *msgs = json_array();
		for (size_t i = 0; i < c->n_cc_msgs; i++) {
			json_t *m = json_object();
			json_object_set_new(m, "frame", json_integer((json_int_t)c->cc_msgs[i].frame));
			json_object_set_new(m, "count", json_integer((json_int_t)c->cc_msgs[i].n_certs));
			json_object_set_new(m, "visibility", json_string(visibility_name(c->cc_msgs[i].visibility)));
			json_array_append_new(msgs, m);
		}
		json_object_set_new(cc, "messages", msgs);
	}
	/* Judged at the capture time: the leaf's validity, and whether the
	 * chain reaches a DN the server listed. */
	bool leaf = c->cc_status == CC_PRESENT && c->client_chain.n_kept > 0 && c->client_chain.certs[0].parsed;
	int validity = leaf ? cert_validity_at(c->client_chain.certs[0].sum, conn_capture_time(c)) : 0;
	json_object_set_new(cc, "valid_at_capture_time",
			    !leaf ? json_null() : json_string(validity > 0 ? "expired" : validity < 0 ? "not_yet_valid" : "valid"));
	int reaches = client_chain_reaches_list(c);
	json_object_set_new(cc, "chain_reaches_listed_ca", reaches < 0 ? json_null() : json_boolean(reaches));
	if (c->client_verify)
		json_object_set_new(cc, "verification", verdict_json(c->client_verify));
	json_object_set_new(j, "client_certificate", cc);

	json_t *alerts = json_array();
	for (size_t i = 0; i < c->n_alerts; i++)
		json_array_append_new(alerts, alert_json(&c->alerts[i]));
	json_object_set_new(j, "alerts", alerts);

	json_t *reneg = json_object();
	json_object_set_new(reneg, "seen", json_boolean(c->renegotiated || c->hello_request_frame));
	json_object_set_new(reneg, "hello_request_frame", frame_or_null(c->hello_request_frame));
	json_object_set_new(reneg, "first_frame", frame_or_null(c->first_reneg_frame));
	json_object_set_new(reneg, "initiator",
			    c->renegotiated ? json_string(side_name(c->reneg_initiator)) : json_null());
	json_object_set_new(reneg, "encrypted_records_client", json_integer(c->enc_hs_after_app[SIDE_CLIENT]));
	json_object_set_new(reneg, "encrypted_records_server", json_integer(c->enc_hs_after_app[SIDE_SERVER]));
	uint64_t answer_bytes;
	size_t answer_records = reneg_client_answer(c, &answer_bytes);
	if (answer_records) {
		json_t *ans = json_object();
		json_object_set_new(ans, "frame", frame_or_null(c->reneg_client_flight_frame));
		json_object_set_new(ans, "records", json_integer((json_int_t)answer_records));
		json_object_set_new(ans, "bytes", json_integer((json_int_t)answer_bytes));
		json_object_set_new(reneg, "client_answer", ans);
	} else {
		json_object_set_new(reneg, "client_answer", json_null());
	}
	const char *outcome = reneg_outcome(c);
	json_object_set_new(reneg, "outcome", outcome ? json_string(outcome) : json_null());
	if (c->renegotiated) {
		json_t *before = json_object();
		json_object_set_new(before, "client", json_integer((json_int_t)c->app_bytes_before_reneg[SIDE_CLIENT]));
		json_object_set_new(before, "server", json_integer((json_int_t)c->app_bytes_before_reneg[SIDE_SERVER]));
		json_object_set_new(reneg, "application_bytes_before", before);
	} else {
		json_object_set_new(reneg, "application_bytes_before", json_null());
	}
	json_object_set_new(j, "renegotiation", reneg);

	/* Only with a key log, so reports without one keep their shape. */
	const char *dec = decryption_status(c);
	if (dec) {
		json_t *d = json_object();
		json_object_set_new(d, "status", json_string(dec));
		json_object_set_new(d, "records", json_integer((json_int_t)c->records_decrypted));
		json_object_set_new(d, "failed_frame", frame_or_null(c->decrypt_fail_frame));
		json_object_set_new(d, "failed_from",
				    c->decrypt_failed ? json_string(side_name(c->decrypt_fail_side)) : json_null());
		snprintf(buf, sizeof buf, "0x%04x", c->unsupported_suite);
		json_object_set_new(d, "unsupported_cipher_suite",
				    c->suite_unsupported ? json_string(buf) : json_null());
		json_object_set_new(j, "decryption", d);
	}
	output_json_http(j, c);

	json_object_set_new(j, "end", json_string(conn_end_name(c->end)));
	json_object_set_new(j, "end_frame", frame_or_null(c->end_frame));
	json_object_set_new(j, "end_by", c->end == END_CAPTURE_END || c->end == END_IDLE || c->end == END_EVICTED
						 ? json_null()
						 : json_string(side_name(c->end_by)));
	if (c->end == END_RST)
		json_object_set_new(j, "rst_ttl", json_integer(c->rst_ttl));

	json_t *tcp = json_object();
	json_object_set_new(tcp, "syn_seen", json_boolean(c->syn_seen));
	json_object_set_new(tcp, "midstream", json_boolean(c->midstream));
	json_object_set_new(tcp, "gaps", json_integer((json_int_t)c->gaps));
	json_object_set_new(tcp, "gap_bytes", json_integer((json_int_t)c->gap_bytes));
	json_object_set_new(tcp, "resyncs", json_integer((json_int_t)c->resyncs));
	json_object_set_new(tcp, "client_ttl", c->ttl_known[SIDE_CLIENT] ? json_integer(c->usual_ttl[SIDE_CLIENT])
									  : json_null());
	json_object_set_new(tcp, "server_ttl", c->ttl_known[SIDE_SERVER] ? json_integer(c->usual_ttl[SIDE_SERVER])
									  : json_null());
	json_object_set_new(j, "tcp", tcp);
	json_object_set_new(j, "history", history_json(c));
	json_object_set_new(j, "notes", json_string(c->notes));
	json_object_set_new(j, "notes_list", notes_list_json(c->notes));
	snprintf(buf, sizeof buf, "tcp.stream eq %llu", (unsigned long long)c->stream);
	json_object_set_new(j, "wireshark_filter", json_string(buf));
	json_object_set_new(j, "outcome", outcome_json(&fs->outcome));
	json_t *findings = json_array();
	for (size_t i = 0; i < fs->n; i++) {
		const struct finding *f = &fs->items[i];
		json_t *fo = json_object();
		json_object_set_new(fo, "id", json_string(f->id));
		json_object_set_new(fo, "severity", json_string(severity_name(f->severity)));
		json_t *frames = json_array();
		for (size_t k = 0; k < f->n_frames; k++)
			json_array_append_new(frames, json_integer((json_int_t)f->frames[k]));
		json_object_set_new(fo, "frames", frames);
		json_object_set_new(fo, "message", json_string(f->message));
		json_object_set_new(fo, "remedy", json_string(f->remedy));
		if (f->inferred)
			json_object_set_new(fo, "inferred", json_string(f->inferred));
		json_object_set_new(fo, "cause", json_boolean(finding_is_cause(fs, i)));
		json_array_append_new(findings, fo);
	}
	json_object_set_new(j, "findings", findings);
	output_json_stack(j, fs);
	return j;
}

void output_json_line(struct output *o, const json_t *j)
{
	/* As json_dumps would, several times faster (json_write.h); reals
	 * as short as they read back (0.73, not 0.72999999999999998). */
	struct textbuf b;
	textbuf_init(&b, o->fp);
	json_write_reals(&b, j, o->format == FORMAT_JSON_PRETTY, JSON_WRITE_REAL_SHORTEST);
	tb_char(&b, '\n');
	textbuf_flush(&b);
}

void output_json_conn(struct output *o, const char *file_name, const struct tls_conn *c, const struct findings *fs)
{
	json_t *j = output_json_object(o, file_name, c, fs);
	output_json_line(o, j);
	json_decref(j);
}

static void story_json_line(void *ctx, const char *line)
{
	json_array_append_new((json_t *)ctx, json_string(line));
}

/* The run summary as one object, {"summary": {...}}, on fp: standard
 * error, so that the report itself stays one object per connection. */
void output_json_summary(struct output *o, FILE *fp, const struct run_stats *st, unsigned files)
{
	json_t *s = json_object();
	json_object_set_new(s, "files", json_integer(files));
	json_object_set_new(s, "frames", json_integer((json_int_t)st->traffic.frames));
	json_object_set_new(s, "tcp_streams", json_integer((json_int_t)st->traffic.tcp_flows));
	json_object_set_new(s, "tls_connections_seen", json_integer((json_int_t)st->traffic.tls_conns));
	json_object_set_new(s, "tls_connections_reported", json_integer((json_int_t)st->reported));
	json_object_set_new(s, "evicted_max_flows", json_integer((json_int_t)(st->traffic.evicted - st->traffic.evicted_memory)));
	json_object_set_new(s, "evicted_max_memory", json_integer((json_int_t)st->traffic.evicted_memory));
	json_object_set_new(s, "with_request", json_integer((json_int_t)st->with_request));
	json_object_set_new(s, "client_certificate_present", json_integer((json_int_t)st->cc_present));
	json_object_set_new(s, "client_certificate_empty", json_integer((json_int_t)st->cc_empty));
	json_object_set_new(s, "client_certificate_absent", json_integer((json_int_t)st->cc_absent));
	json_object_set_new(s, "with_request_inferred", json_integer((json_int_t)st->with_request_inferred));
	json_t *outcomes = json_object();
	for (int k = 0; k < OUTCOME_KIND_COUNT; k++)
		json_object_set_new(outcomes, outcome_name((enum outcome_kind)k), json_integer((json_int_t)st->outcomes[k]));
	json_object_set_new(s, "outcomes", outcomes);
	json_object_set_new(s, "failed", json_integer((json_int_t)st->failed));
	json_t *story = json_array();
	story_tell(st->story, story_json_line, story);
	json_object_set_new(s, "story", story);
	json_t *causes = json_object();
	for (size_t i = 0; i < st->n_causes; i++)
		json_object_set_new(causes, st->cause_id[i], json_integer((json_int_t)st->cause_count[i]));
	json_object_set_new(s, "top_causes", causes);
	json_object_set_new(s, "non_ip", json_integer((json_int_t)st->traffic.non_ip));
	json_object_set_new(s, "non_tcp", json_integer((json_int_t)st->traffic.non_tcp));
	json_object_set_new(s, "malformed", json_integer((json_int_t)st->traffic.malformed));
	json_t *decap = json_object();
	for (int k = 0; k < TUNNEL_TYPES; k++)
		json_object_set_new(decap, tunnel_type_name(k), json_integer((json_int_t)st->traffic.tunnel_frames[k]));
	json_object_set_new(s, "decapsulated", decap);
	json_t *j = json_object();
	json_object_set_new(j, "summary", s);
	size_t flags = JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII;
	flags |= o->format == FORMAT_JSON_PRETTY ? JSON_INDENT(2) : JSON_COMPACT;
	json_dumpf(j, fp, flags);
	fputc('\n', fp);
	json_decref(j);
}
