/* output_json.c - one JSON object per connection (JSON lines), keeping
 * the contract in design.md; extra fields are documented in the man page.
 * Written member by member from the model through json_write.h. */
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

/* n as `width` digits with leading zeros; returns the end. */
static char *digits_fixed(char *p, unsigned n, int width)
{
	for (int i = width - 1; i >= 0; i--) {
		p[i] = (char)('0' + n % 10);
		n /= 10;
	}
	return p + width;
}

/* What strftime("%Y-%m-%dT%H:%M:%S") and ".%06lldZ" write, for the years
 * 1970 to 9999, without the C library's time zone machinery (one per
 * JSON object): the civil date from the days since 1970 (the algorithm
 * of H. Hinnant's "chrono-compatible low-level date algorithms"). */
static void iso8601_fast(int64_t s, int64_t frac, char *buf)
{
	int64_t days = s / 86400, secs = s % 86400;
	int64_t z = days + 719468, era = z / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	int64_t day = doy - (153 * mp + 2) / 5 + 1, month = mp < 10 ? mp + 3 : mp - 9;
	int64_t year = yoe + era * 400 + (month <= 2);
	char *p = digits_fixed(buf, (unsigned)year, 4);
	*p++ = '-';
	p = digits_fixed(p, (unsigned)month, 2);
	*p++ = '-';
	p = digits_fixed(p, (unsigned)day, 2);
	*p++ = 'T';
	p = digits_fixed(p, (unsigned)(secs / 3600), 2);
	*p++ = ':';
	p = digits_fixed(p, (unsigned)(secs / 60 % 60), 2);
	*p++ = ':';
	p = digits_fixed(p, (unsigned)(secs % 60), 2);
	*p++ = '.';
	p = digits_fixed(p, (unsigned)frac, 6);
	*p++ = 'Z';
	*p = '\0';
}

/* The first second of the year 10000. */
#define YEAR_10000 253402300800LL

const char *iso8601_us(int64_t ns, char *buf, size_t bufsz)
{
	int64_t us = time_us(ns), s = us / 1000000, frac = us % 1000000;
	if (frac < 0) {
		s--;
		frac += 1000000;
	}
	if (s >= 0 && s < YEAR_10000 && bufsz >= 28) {
		iso8601_fast(s, frac, buf);
		return buf;
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

void json_tls_version(struct json_writer *w, uint16_t version)
{
	char buf[32];
	if (version)
		jw_string(w, tls_version_name(version, buf));
	else
		jw_null(w);
}

void json_sni(struct json_writer *w, const struct tls_conn *c)
{
	jw_string_or_null(w, c->have_client_hello && c->ch.sni[0] ? c->ch.sni : NULL);
}

static void endpoint_value(struct json_writer *w, const struct endpoint *e)
{
	char buf[80];
	jw_string(w, endpoint_text(e, buf, sizeof buf));
}

static void ip_value(struct json_writer *w, const struct endpoint *e)
{
	char addr[64];
	jw_string(w, ip_addr_text(&e->addr, addr, sizeof addr));
}

void json_conn_header(struct json_writer *w, const char *file_name, const struct tls_conn *c)
{
	jw_member_int(w, "schema_version", JSON_SCHEMA_VERSION);
	jw_member_string(w, "file", file_name);
	jw_member_uint(w, "stream", c->stream);
	jw_key(w, "client");
	endpoint_value(w, &c->client);
	jw_key(w, "server");
	endpoint_value(w, &c->server);
}

/* "0x%04x" */
static const char *hex16(uint16_t v, char buf[7])
{
	static const char digits[] = "0123456789abcdef";
	buf[0] = '0';
	buf[1] = 'x';
	for (int i = 0; i < 4; i++)
		buf[2 + i] = digits[(v >> (12 - 4 * i)) & 15];
	buf[6] = '\0';
	return buf;
}

/* A name from the tables, or "0x1301" for a code without one. */
static void name_or_code(struct json_writer *w, const char *name, uint16_t code)
{
	char buf[7];
	jw_string(w, name ? name : hex16(code, buf));
}

static void names_array(struct json_writer *w, const char *const *names, size_t n)
{
	jw_begin_array(w);
	for (size_t i = 0; i < n; i++)
		jw_string(w, names[i]);
	jw_end_array(w);
}

static const struct x509_summary *chain_leaf(const struct cert_chain *ch)
{
	return ch->n_kept > 0 && ch->certs[0].parsed ? ch->certs[0].sum : NULL;
}

static void leaf_field(struct json_writer *w, const struct x509_summary *s, enum json_leaf_field f, bool upper)
{
	switch (f) {
	case JL_SUBJECT:
		jw_string(w, s->subject);
		break;
	case JL_ISSUER:
		jw_string(w, s->issuer);
		break;
	case JL_NOT_BEFORE:
		jw_string(w, s->not_before);
		break;
	case JL_NOT_AFTER:
		jw_string(w, s->not_after);
		break;
	case JL_SERIAL:
		jw_string(w, s->serial);
		break;
	case JL_SHA256:
		jw_hex(w, s->sha256, 32, upper);
		break;
	}
}

void json_chain_leaf(struct json_writer *w, const struct cert_chain *ch, enum json_leaf_field f, bool upper)
{
	const struct x509_summary *s = chain_leaf(ch);
	if (s)
		leaf_field(w, s, f, upper);
	else
		jw_null(w);
}

static void cert_value(struct json_writer *w, const struct cert_info *ci)
{
	jw_begin_object(w);
	if (!ci->parsed) {
		jw_member_string(w, "error", "certificate not decodable");
		jw_member_uint(w, "der_bytes", ci->der_len);
		jw_end_object(w);
		return;
	}
	const struct x509_summary *s = ci->sum;
	jw_member_string(w, "subject", s->subject);
	jw_member_string(w, "issuer", s->issuer);
	jw_member_string(w, "serial", s->serial);
	jw_member_string(w, "not_before", s->not_before);
	jw_member_string(w, "not_after", s->not_after);
	const char *names[9];
	jw_key(w, "eku");
	if (s->has_eku)
		names_array(w, names, x509_eku_names(s->eku, names, 8));
	else
		jw_null(w);
	jw_key(w, "key_usage");
	if (s->has_key_usage)
		names_array(w, names, x509_key_usage_names(s->key_usage, names, 9));
	else
		jw_null(w);
	jw_member_string(w, "key_type", s->key_type);
	jw_member_bool(w, "self_signed", s->self_signed);
	jw_member_bool(w, "ca", s->is_ca);
	jw_key(w, "sha256");
	leaf_field(w, s, JL_SHA256, false);
	jw_end_object(w);
}

static void chain_value(struct json_writer *w, const struct cert_chain *ch)
{
	jw_begin_array(w);
	for (size_t i = 0; i < ch->n_kept; i++)
		cert_value(w, &ch->certs[i]);
	jw_end_array(w);
}

/* Only with --trust: OpenSSL's verdict on the client chain. */
static void verdict_value(struct json_writer *w, const struct chain_verdict *v)
{
	jw_begin_object(w);
	jw_member_string(w, "result", v->ok ? "ok" : "failed");
	if (!v->ok) {
		jw_member_int(w, "error", v->error);
		jw_member_string(w, "error_text", v->error_text);
		jw_member_int(w, "depth", v->depth);
		jw_member_string(w, "subject", v->subject);
		jw_member_string(w, "issuer", v->issuer);
	}
	jw_end_object(w);
}

static void request_value(struct json_writer *w, const struct cert_request_fact *f)
{
	jw_begin_object(w);
	jw_member_uint(w, "frame", f->frame);
	jw_member_string(w, "phase", cr_phase_name(f->phase));
	jw_member_string(w, "visibility", visibility_name(f->visibility));
	jw_key(w, "ms_since_client_hello");
	if (f->since_client_hello_ns >= 0)
		jw_decimal(w, f->since_client_hello_ns, 6);
	else
		jw_null(w);
	jw_key(w, "ca_names");
	names_array(w, f->ca_names, f->n_ca_names);
	jw_member_uint(w, "ca_count", f->n_ca_names + f->ca_names_dropped);
	jw_member_uint(w, "ca_list_bytes", f->ca_list_bytes);
	jw_key(w, "certificate_types");
	jw_begin_array(w);
	for (size_t i = 0; i < f->n_cert_types; i++) {
		const char *n = tls_cert_type_name(f->cert_types[i]);
		if (n)
			jw_string(w, n);
		else
			jw_uint(w, f->cert_types[i]);
	}
	jw_end_array(w);
	jw_key(w, "signature_algorithms");
	jw_begin_array(w);
	for (size_t i = 0; i < f->n_sig_algs; i++)
		name_or_code(w, tls_sig_alg_name(f->sig_algs[i]), f->sig_algs[i]);
	jw_end_array(w);
	jw_member_uint(w, "message_bytes", f->msg_len);
	jw_member_uint(w, "records", f->records);
	if (f->parse_error)
		jw_member_string(w, "error", "request not decodable");
	jw_end_object(w);
}

static void requests_value(struct json_writer *w, const struct tls_conn *c)
{
	jw_begin_array(w);
	for (size_t i = 0; i < c->n_requests; i++)
		request_value(w, &c->requests[i]);
	jw_end_array(w);
}

/* Judged at the capture time: the leaf's validity, and whether the chain
 * reaches a DN the server listed. */
static void client_chain_judgement(struct json_writer *w, const struct tls_conn *c)
{
	const struct x509_summary *leaf = c->cc_status == CC_PRESENT ? chain_leaf(&c->client_chain) : NULL;
	int validity = leaf ? cert_validity_at(leaf, conn_capture_time(c)) : 0;
	jw_member_string_or_null(w, "valid_at_capture_time",
				 !leaf ? NULL : validity > 0 ? "expired" : validity < 0 ? "not_yet_valid" : "valid");
	int reaches = client_chain_reaches_list(c);
	jw_key(w, "chain_reaches_listed_ca");
	if (reaches < 0)
		jw_null(w);
	else
		jw_bool(w, reaches);
}

static void client_certificate_value(struct json_writer *w, const struct tls_conn *c)
{
	jw_begin_object(w);
	jw_member_string(w, "status", cc_status_name(c->cc_status));
	jw_member_uint_or_null(w, "frame", c->client_cert_frame);
	jw_member_string_or_null(w, "visibility", c->cc_status == CC_NOT_REQUESTED && c->cc_visibility != VIS_INFERRED
							  ? NULL
							  : visibility_name(c->cc_visibility));
	jw_member_uint(w, "count", c->client_chain.n_certs);
	jw_key(w, "chain");
	chain_value(w, &c->client_chain);
	jw_member_uint_or_null(w, "certificate_verify_frame", c->cert_verify_frame);
	if (c->n_cc_msgs > 1) {
		/* Several answers (renegotiation): each one, in order. */
		jw_key(w, "messages");
		jw_begin_array(w);
		for (size_t i = 0; i < c->n_cc_msgs; i++) {
			jw_begin_object(w);
			jw_member_uint(w, "frame", c->cc_msgs[i].frame);
			jw_member_uint(w, "count", c->cc_msgs[i].n_certs);
			jw_member_string(w, "visibility", visibility_name(c->cc_msgs[i].visibility));
			jw_end_object(w);
		}
		jw_end_array(w);
	}
	client_chain_judgement(w, c);
	if (c->client_verify) {
		jw_key(w, "verification");
		verdict_value(w, c->client_verify);
	}
	jw_end_object(w);
}

static void alerts_value(struct json_writer *w, const struct tls_conn *c)
{
	jw_begin_array(w);
	for (size_t i = 0; i < c->n_alerts; i++) {
		const struct alert_fact *al = &c->alerts[i];
		jw_begin_object(w);
		jw_member_uint(w, "frame", al->frame);
		jw_member_string(w, "from", side_name(al->from));
		if (al->encrypted) {
			jw_member_null(w, "level");
			jw_member_null(w, "description");
		} else {
			jw_member_string(w, "level", tls_alert_level_name((uint8_t)al->level));
			jw_member_string(w, "description", tls_alert_name((uint8_t)al->description));
			jw_member_int(w, "code", al->description);
		}
		jw_member_string(w, "visibility", visibility_name(al->visibility));
		jw_end_object(w);
	}
	jw_end_array(w);
}

/* The client's encrypted answer to a renegotiation, and the application
 * bytes before it. */
static void renegotiation_answer(struct json_writer *w, const struct tls_conn *c)
{
	uint64_t answer_bytes;
	size_t answer_records = reneg_client_answer(c, &answer_bytes);
	jw_key(w, "client_answer");
	if (answer_records) {
		jw_begin_object(w);
		jw_member_uint_or_null(w, "frame", c->reneg_client_flight_frame);
		jw_member_uint(w, "records", answer_records);
		jw_member_uint(w, "bytes", answer_bytes);
		jw_end_object(w);
	} else {
		jw_null(w);
	}
	jw_member_string_or_null(w, "outcome", reneg_outcome(c));
	jw_key(w, "application_bytes_before");
	if (c->renegotiated) {
		jw_begin_object(w);
		jw_member_uint(w, "client", c->app_bytes_before_reneg[SIDE_CLIENT]);
		jw_member_uint(w, "server", c->app_bytes_before_reneg[SIDE_SERVER]);
		jw_end_object(w);
	} else {
		jw_null(w);
	}
}

static void renegotiation_value(struct json_writer *w, const struct tls_conn *c)
{
	jw_begin_object(w);
	jw_member_bool(w, "seen", c->renegotiated || c->hello_request_frame);
	jw_member_uint_or_null(w, "hello_request_frame", c->hello_request_frame);
	jw_member_uint_or_null(w, "first_frame", c->first_reneg_frame);
	jw_member_string_or_null(w, "initiator", c->renegotiated ? side_name(c->reneg_initiator) : NULL);
	jw_member_uint(w, "encrypted_records_client", c->enc_hs_after_app[SIDE_CLIENT]);
	jw_member_uint(w, "encrypted_records_server", c->enc_hs_after_app[SIDE_SERVER]);
	renegotiation_answer(w, c);
	jw_end_object(w);
}

/* Only with a key log, so reports without one keep their shape. */
static void decryption_member(struct json_writer *w, const struct tls_conn *c)
{
	const char *dec = decryption_status(c);
	if (!dec)
		return;
	char buf[7];
	jw_key(w, "decryption");
	jw_begin_object(w);
	jw_member_string(w, "status", dec);
	jw_member_uint(w, "records", c->records_decrypted);
	jw_member_uint_or_null(w, "failed_frame", c->decrypt_fail_frame);
	jw_member_string_or_null(w, "failed_from", c->decrypt_failed ? side_name(c->decrypt_fail_side) : NULL);
	jw_member_string_or_null(w, "unsupported_cipher_suite",
				 c->suite_unsupported ? hex16(c->unsupported_suite, buf) : NULL);
	jw_end_object(w);
}

static const char *end_by(const struct tls_conn *c)
{
	return c->end == END_CAPTURE_END || c->end == END_IDLE || c->end == END_EVICTED ? NULL : side_name(c->end_by);
}

static void tcp_value(struct json_writer *w, const struct tls_conn *c)
{
	jw_begin_object(w);
	jw_member_bool(w, "syn_seen", c->syn_seen);
	jw_member_bool(w, "midstream", c->midstream);
	jw_member_uint(w, "gaps", c->gaps);
	jw_member_uint(w, "gap_bytes", c->gap_bytes);
	jw_member_uint(w, "resyncs", c->resyncs);
	jw_key(w, "client_ttl");
	if (c->ttl_known[SIDE_CLIENT])
		jw_uint(w, c->usual_ttl[SIDE_CLIENT]);
	else
		jw_null(w);
	jw_key(w, "server_ttl");
	if (c->ttl_known[SIDE_SERVER])
		jw_uint(w, c->usual_ttl[SIDE_SERVER]);
	else
		jw_null(w);
	jw_end_object(w);
}

/* What an event of the history is, as the "what" field names it. */
static const char *event_what(const struct conn_event *e, char label[24])
{
	switch (e->kind) {
	case EV_HANDSHAKE:
		return tls_hs_type_label(e->hs_type, label);
	case EV_ENC_HANDSHAKE:
		return e->hs_type == TLS_HS_FINISHED ? "encrypted_finished" : "encrypted_handshake";
	case EV_CCS:
		return "change_cipher_spec";
	case EV_ALERT:
		return "alert";
	case EV_APP_DATA:
		return "application_data";
	case EV_SSLV2_HELLO:
		return e->hs_type == 1 ? "sslv2_client_hello" : e->hs_type == 4 ? "sslv2_server_hello" : "sslv2_record";
	case EV_GAP:
		return "gap";
	case EV_RST:
		return "rst";
	case EV_FIN:
		return "fin";
	}
	return "?";
}

static void history_value(struct json_writer *w, const struct tls_conn *c)
{
	jw_begin_array(w);
	for (size_t i = 0; i < c->n_events; i++) {
		const struct conn_event *e = &c->events[i];
		char label[24];
		jw_begin_object(w);
		jw_member_uint(w, "frame", e->frame);
		jw_member_string(w, "from", side_name(e->from));
		jw_member_string(w, "what", event_what(e, label));
		jw_member_uint(w, "bytes", e->bytes);
		if (e->count > 1)
			jw_member_uint(w, "records", e->count);
		if (e->decrypted)
			jw_member_bool(w, "decrypted", true);
		jw_end_object(w);
	}
	jw_end_array(w);
}

/* The notes by name, in the order first seen. */
static void notes_list_value(struct json_writer *w, const struct tls_conn *c)
{
	jw_begin_array(w);
	for (size_t i = 0; i < c->n_notes; i++)
		jw_string(w, conn_note_name(c->note_order[i]));
	jw_end_array(w);
}

static void outcome_value(struct json_writer *w, const struct outcome *oc)
{
	jw_begin_object(w);
	jw_member_string(w, "kind", outcome_name(oc->kind));
	jw_member_string(w, "failure", outcome_failure_name(oc->failure));
	jw_member_string(w, "visibility", visibility_name(oc->visibility));
	jw_key(w, "frames");
	jw_uint_array(w, oc->frames, oc->n_frames);
	jw_member_string(w, "reason", oc->reason);
	jw_member_string(w, "certificate_requested", !oc->requested ? "no" : oc->request_inferred ? "inferred" : "yes");
	jw_member_string(w, "client_answer", cc_status_name(oc->answer));
	jw_end_object(w);
}

static void findings_value(struct json_writer *w, const struct findings *fs)
{
	jw_begin_array(w);
	for (size_t i = 0; i < fs->n; i++) {
		const struct finding *f = &fs->items[i];
		jw_begin_object(w);
		jw_member_string(w, "id", f->id);
		jw_member_string(w, "severity", severity_name(f->severity));
		jw_key(w, "frames");
		jw_uint_array(w, f->frames, f->n_frames);
		jw_member_string(w, "message", f->message);
		jw_member_string(w, "remedy", f->remedy);
		if (f->inferred)
			jw_member_string(w, "inferred", f->inferred);
		jw_member_bool(w, "cause", finding_is_cause(fs, i));
		jw_end_object(w);
	}
	jw_end_array(w);
}

static void client_hello_value(struct json_writer *w, const struct tls_conn *c)
{
	if (!c->have_client_hello) {
		jw_null(w);
		return;
	}
	jw_begin_object(w);
	jw_member_uint(w, "frame", c->client_hello_frame);
	jw_key(w, "legacy_version");
	json_tls_version(w, c->ch.legacy_version);
	jw_key(w, "supported_versions");
	jw_begin_array(w);
	for (size_t i = 0; i < c->ch.n_versions; i++)
		json_tls_version(w, c->ch.versions[i]);
	jw_end_array(w);
	jw_key(w, "alpn");
	jw_begin_array(w);
	for (size_t i = 0; i < c->ch.n_alpn; i++)
		jw_string(w, c->ch.alpn[i]);
	jw_end_array(w);
	jw_member_bool(w, "post_handshake_auth", c->ch.has_post_handshake_auth);
	jw_member_bool(w, "renegotiation_info", c->ch.has_renegotiation_info || c->ch.offers_reneg_scsv);
	jw_member_bool(w, "session_id", c->ch.session_id_len > 0);
	jw_member_bool(w, "session_ticket", c->ch.session_ticket_len > 0);
	jw_member_bool(w, "psk", c->ch.has_pre_shared_key);
	jw_member_bool(w, "sslv2_format", c->ch.sslv2_format);
	jw_member_uint(w, "count", c->n_client_hellos);
	jw_end_object(w);
}

static void server_hello_value(struct json_writer *w, const struct tls_conn *c)
{
	if (!c->have_server_hello) {
		jw_null(w);
		return;
	}
	jw_begin_object(w);
	jw_member_uint(w, "frame", c->server_hello_frame);
	jw_key(w, "cipher_suite");
	name_or_code(w, tls_cipher_suite_name(c->sh.cipher_suite), c->sh.cipher_suite);
	jw_member_string_or_null(w, "alpn", c->sh.alpn[0] ? c->sh.alpn : NULL);
	jw_member_bool(w, "renegotiation_info", c->sh.has_renegotiation_info);
	jw_member_bool(w, "hello_retry_request", c->hello_retry);
	jw_end_object(w);
}

static void community_id_value(struct json_writer *w, const struct json_conn *j)
{
	const struct tls_conn *c = j->c;
	char cid[COMMUNITY_ID_LEN];
	if (community_id_v1(j->o->cid_hasher, &c->client.addr, c->client.port, &c->server.addr,
			    c->server.port, COMMUNITY_ID_PROTO_TCP, j->o->community_id_seed, cid,
			    sizeof cid) == 0)
		jw_string(w, cid);
	else
		jw_null(w);
}

static void first_time_iso_value(struct json_writer *w, const struct tls_conn *c)
{
	char iso[40];
	jw_string(w, iso8601_us(c->first_ts_ns, iso, sizeof iso));
}

static void wireshark_filter_value(struct json_writer *w, const struct tls_conn *c)
{
	char buf[48] = "tcp.stream eq ";
	size_t n = strlen(buf), k = sizeof buf;
	uint64_t v = c->stream;
	do {
		buf[--k] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	memmove(buf + n, buf + k, sizeof buf - k);
	jw_stringn(w, buf, n + sizeof buf - k);
}

/* Who the connection is between, when it began, and its version and
 * name: the members before the handshake's details. */
static void identity_members(struct json_writer *w, const struct json_conn *j)
{
	const struct tls_conn *c = j->c;
	json_conn_header(w, j->file_name, c);
	jw_key(w, "client_ip");
	ip_value(w, &c->client);
	jw_member_uint(w, "client_port", c->client.port);
	jw_key(w, "server_ip");
	ip_value(w, &c->server);
	jw_member_uint(w, "server_port", c->server.port);
	jw_key(w, "community_id");
	community_id_value(w, j);
	jw_member_uint(w, "first_frame", c->first_frame);
	jw_member_uint(w, "last_frame", c->last_frame);
	jw_key(w, "first_time");
	jw_decimal(w, time_us(c->first_ts_ns), 6);
	jw_key(w, "first_time_iso");
	first_time_iso_value(w, c);
	jw_key(w, "version");
	json_tls_version(w, c->version);
	jw_key(w, "sni");
	json_sni(w, c);
}

/* The handshake: hellos, certificates, requests, the client's answer,
 * alerts and renegotiation. */
static void handshake_members(struct json_writer *w, const struct tls_conn *c)
{
	jw_key(w, "client_hello");
	client_hello_value(w, c);
	jw_key(w, "server_hello");
	server_hello_value(w, c);
	jw_member_bool(w, "resumed", c->resumed);
	jw_key(w, "server_chain");
	chain_value(w, &c->server_chain);
	jw_member_uint_or_null(w, "server_certificate_frame", c->server_cert_frame);
	jw_key(w, "cert_requests");
	requests_value(w, c);
	jw_key(w, "client_certificate");
	client_certificate_value(w, c);
	jw_key(w, "alerts");
	alerts_value(w, c);
	jw_key(w, "renegotiation");
	renegotiation_value(w, c);
}

/* How the connection ended, and what TCP showed of it. */
static void end_members(struct json_writer *w, const struct tls_conn *c)
{
	jw_member_string(w, "end", conn_end_name(c->end));
	jw_member_uint_or_null(w, "end_frame", c->end_frame);
	jw_member_string_or_null(w, "end_by", end_by(c));
	if (c->end == END_RST)
		jw_member_uint(w, "rst_ttl", c->rst_ttl);
	jw_key(w, "tcp");
	tcp_value(w, c);
	jw_key(w, "history");
	history_value(w, c);
	char notes[CONN_NOTES_TEXT_MAX];
	tls_conn_notes_text(c, notes, sizeof notes);
	jw_member_string(w, "notes", notes);
	jw_key(w, "notes_list");
	notes_list_value(w, c);
	jw_key(w, "wireshark_filter");
	wireshark_filter_value(w, c);
}

/* The diagnosis: outcome, findings, the software identified. */
static void diagnosis_members(struct json_writer *w, const struct findings *fs)
{
	jw_key(w, "outcome");
	outcome_value(w, &fs->outcome);
	jw_key(w, "findings");
	findings_value(w, fs);
	jw_key(w, "server_software");
	json_stack_guess(w, fs, true);
	jw_key(w, "client_software");
	json_stack_guess(w, fs, false);
	jw_key(w, "ja4");
	json_ja4(w, fs);
}

static void conn_object(struct json_writer *w, const struct json_conn *j)
{
	jw_begin_object(w);
	identity_members(w, j);
	handshake_members(w, j->c);
	decryption_member(w, j->c);
	json_http_member(w, j->c);
	end_members(w, j->c);
	diagnosis_members(w, j->fs);
	jw_end_object(w);
}

/* json_conn_value by the object's sections (conn_object): each writes the
 * fields it holds and says whether f was one of them. */
static bool identity_value(struct json_writer *w, const struct json_conn *j, enum json_field f)
{
	const struct tls_conn *c = j->c;
	switch (f) {
	case JF_SCHEMA_VERSION:
		jw_int(w, JSON_SCHEMA_VERSION);
		return true;
	case JF_FILE:
		jw_string(w, j->file_name);
		return true;
	case JF_STREAM:
		jw_uint(w, c->stream);
		return true;
	case JF_CLIENT_IP:
		ip_value(w, &c->client);
		return true;
	case JF_CLIENT_PORT:
		jw_uint(w, c->client.port);
		return true;
	case JF_SERVER_IP:
		ip_value(w, &c->server);
		return true;
	case JF_SERVER_PORT:
		jw_uint(w, c->server.port);
		return true;
	case JF_COMMUNITY_ID:
		community_id_value(w, j);
		return true;
	case JF_FIRST_FRAME:
		jw_uint(w, c->first_frame);
		return true;
	case JF_LAST_FRAME:
		jw_uint(w, c->last_frame);
		return true;
	case JF_FIRST_TIME_ISO:
		first_time_iso_value(w, c);
		return true;
	case JF_VERSION:
		json_tls_version(w, c->version);
		return true;
	case JF_SNI:
		json_sni(w, c);
		return true;
	default:
		return false;
	}
}

static bool handshake_value(struct json_writer *w, const struct tls_conn *c, enum json_field f)
{
	switch (f) {
	case JF_SERVER_HELLO_CIPHER_SUITE:
		if (c->have_server_hello)
			name_or_code(w, tls_cipher_suite_name(c->sh.cipher_suite), c->sh.cipher_suite);
		else
			jw_null(w);
		return true;
	case JF_SERVER_HELLO_ALPN:
		jw_string_or_null(w, c->have_server_hello && c->sh.alpn[0] ? c->sh.alpn : NULL);
		return true;
	case JF_RESUMED:
		jw_bool(w, c->resumed);
		return true;
	case JF_CERT_REQUESTS:
		requests_value(w, c);
		return true;
	case JF_CLIENT_CERTIFICATE:
		client_certificate_value(w, c);
		return true;
	case JF_ALERTS:
		alerts_value(w, c);
		return true;
	case JF_RENEGOTIATION:
		renegotiation_value(w, c);
		return true;
	default:
		return false;
	}
}

static bool http_value(struct json_writer *w, const struct tls_conn *c, enum json_field f)
{
	switch (f) {
	case JF_HTTP:
		json_http_value(w, c);
		return true;
	case JF_HTTP_STATUS:
		json_http_status(w, c);
		return true;
	default:
		return false;
	}
}

static bool end_value(struct json_writer *w, const struct tls_conn *c, enum json_field f)
{
	switch (f) {
	case JF_END:
		jw_string(w, conn_end_name(c->end));
		return true;
	case JF_END_BY:
		jw_string_or_null(w, end_by(c));
		return true;
	case JF_NOTES_LIST:
		notes_list_value(w, c);
		return true;
	case JF_WIRESHARK_FILTER:
		wireshark_filter_value(w, c);
		return true;
	default:
		return false;
	}
}

static bool diagnosis_value(struct json_writer *w, const struct findings *fs, enum json_field f)
{
	switch (f) {
	case JF_OUTCOME:
		outcome_value(w, &fs->outcome);
		return true;
	case JF_OUTCOME_REASON:
		jw_string(w, fs->outcome.reason);
		return true;
	case JF_FINDINGS:
		findings_value(w, fs);
		return true;
	case JF_SERVER_SOFTWARE:
		json_stack_guess(w, fs, true);
		return true;
	case JF_CLIENT_SOFTWARE:
		json_stack_guess(w, fs, false);
		return true;
	case JF_JA4:
		json_ja4(w, fs);
		return true;
	default:
		return false;
	}
}

void json_conn_value(struct json_writer *w, const struct json_conn *j, enum json_field f)
{
	if (!identity_value(w, j, f) && !handshake_value(w, j->c, f) && !http_value(w, j->c, f) &&
	    !end_value(w, j->c, f))
		diagnosis_value(w, j->fs, f);
}

void output_json_conn(struct output *o, const char *file_name, const struct tls_conn *c, const struct findings *fs)
{
	/* Reals as short as they read back (0.73, not 0.72999999999999998). */
	struct json_writer w;
	struct textbuf b;
	struct json_conn j = { o, file_name, c, fs };
	jw_line_begin(&w, &b, o->fp, o->format == FORMAT_JSON_PRETTY, JSON_WRITE_REAL_SHORTEST);
	conn_object(&w, &j);
	jw_line_end(&w);
}

static void story_json_line(void *ctx, const char *line)
{
	jw_string(ctx, line);
}

static void summary_counts(struct json_writer *w, const struct run_stats *st, unsigned files)
{
	jw_member_uint(w, "files", files);
	jw_member_uint(w, "frames", st->traffic.frames);
	jw_member_uint(w, "tcp_streams", st->traffic.tcp_flows);
	jw_member_uint(w, "tls_connections_seen", st->traffic.tls_conns);
	jw_member_uint(w, "tls_connections_reported", st->reported);
	jw_member_uint(w, "evicted_max_flows", st->traffic.evicted - st->traffic.evicted_memory);
	jw_member_uint(w, "evicted_max_memory", st->traffic.evicted_memory);
	jw_member_uint(w, "with_request", st->with_request);
	jw_member_uint(w, "client_certificate_present", st->cc_present);
	jw_member_uint(w, "client_certificate_empty", st->cc_empty);
	jw_member_uint(w, "client_certificate_absent", st->cc_absent);
	jw_member_uint(w, "with_request_inferred", st->with_request_inferred);
	jw_key(w, "outcomes");
	jw_begin_object(w);
	for (int k = 0; k < OUTCOME_KIND_COUNT; k++) {
		jw_key_text(w, outcome_name((enum outcome_kind)k));
		jw_uint(w, st->outcomes[k]);
	}
	jw_end_object(w);
	jw_member_uint(w, "failed", st->failed);
}

/* The run summary as one object, {"summary": {...}}, on fp: standard
 * error, so that the report itself stays one object per connection. */
void output_json_summary(struct output *o, FILE *fp, const struct run_stats *st, unsigned files)
{
	struct json_writer w;
	struct textbuf b;
	jw_line_begin(&w, &b, fp, o->format == FORMAT_JSON_PRETTY, 0);
	jw_begin_object(&w);
	jw_key(&w, "summary");
	jw_begin_object(&w);
	summary_counts(&w, st, files);
	jw_key(&w, "story");
	jw_begin_array(&w);
	story_tell(st->story, story_json_line, &w);
	jw_end_array(&w);
	jw_key(&w, "top_causes");
	jw_begin_object(&w);
	for (size_t i = 0; i < st->n_causes; i++) {
		jw_key_text(&w, st->cause_id[i]);
		jw_uint(&w, st->cause_count[i]);
	}
	jw_end_object(&w);
	jw_member_uint(&w, "non_ip", st->traffic.non_ip);
	jw_member_uint(&w, "non_tcp", st->traffic.non_tcp);
	jw_member_uint(&w, "malformed", st->traffic.malformed);
	jw_key(&w, "decapsulated");
	jw_begin_object(&w);
	for (int k = 0; k < TUNNEL_TYPES; k++) {
		jw_key_text(&w, tunnel_type_name(k));
		jw_uint(&w, st->traffic.tunnel_frames[k]);
	}
	jw_end_object(&w);
	jw_end_object(&w);
	jw_end_object(&w);
	jw_line_end(&w);
}
