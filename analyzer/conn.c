/* conn.c - turns TLS records and handshake messages into model facts. */
#include "conn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tls_handshake.h"
#include "x509_summary.h"

struct msg_ctx {
	struct tls_conn *c;
	struct conn_parser *p;
	enum side s;
	uint16_t record_version;
};

static bool is_tls13(uint16_t v)
{
	return v == TLS_VERSION_TLS13 || (v >> 8) == 0x7f || (v >> 8) == 0x7e;
}

void conn_parser_init(struct conn_parser *p, size_t max_hs_msg)
{
	memset(p, 0, sizeof *p);
	p->max_chain = TLS_MAX_CHAIN;
	p->max_ca_names = SIZE_MAX;
	for (int i = 0; i < 2; i++) {
		tls_record_reader_init(&p->rr[i]);
		tls_hs_stream_init(&p->hs[i], max_hs_msg);
	}
}

void conn_parser_release(struct conn_parser *p)
{
	for (int i = 0; i < 2; i++) {
		tls_record_reader_release(&p->rr[i]);
		tls_hs_stream_release(&p->hs[i]);
	}
}

void conn_add_event(struct tls_conn *c, enum ev_kind kind, enum side from, uint8_t hs_type, uint64_t frame,
		    int64_t ts_ns, uint32_t bytes)
{
	/* Consecutive application data of one side is one step of the ladder. */
	if (kind == EV_APP_DATA && c->n_events > 0) {
		struct conn_event *last = &c->events[c->n_events - 1];
		if (last->kind == EV_APP_DATA && last->from == from) {
			last->bytes += bytes;
			last->count++;
			return;
		}
	}
	if (c->n_events == CONN_MAX_EVENTS) {
		c->events_dropped++;
		return;
	}
	struct conn_event *e = &c->events[c->n_events++];
	e->kind = kind;
	e->from = from;
	e->hs_type = hs_type;
	e->frame = frame;
	e->ts_ns = ts_ns;
	e->bytes = bytes;
	e->count = 1;
}

static void chain_from_message(struct tls_conn *c, const struct conn_parser *p, struct cert_chain *chain,
			       const struct tls_certificate *msg)
{
	c->heap_bytes -= chain->n_kept * sizeof *chain->certs;
	cert_chain_release(chain);
	chain->n_certs = msg->n_certs;
	size_t keep = msg->n_kept < p->max_chain ? msg->n_kept : p->max_chain;
	if (msg->n_certs > keep)
		tls_conn_note(c, "chain_over_limit");
	if (keep == 0)
		return;
	chain->certs = calloc(keep, sizeof *chain->certs);
	if (!chain->certs)
		return;
	chain->n_kept = keep;
	c->heap_bytes += keep * sizeof *chain->certs;
	for (size_t i = 0; i < keep; i++) {
		chain->certs[i].der_len = msg->der[i].len;
		chain->certs[i].parsed =
			x509_summarize(msg->der[i].p, msg->der[i].len, &chain->certs[i].sum) == DIS_OK;
		/* The DER views point into the message buffer, which is reused. */
		chain->certs[i].sum.subject_der = NULL;
		chain->certs[i].sum.issuer_der = NULL;
	}
}

static uint16_t parse_version(const struct msg_ctx *m)
{
	uint16_t v = m->c->version ? m->c->version : m->record_version;
	return is_tls13(v) ? TLS_VERSION_TLS13 : v;
}

static void on_cert_request(struct msg_ctx *m, const struct tls_hs_msg *msg)
{
	struct tls_conn *c = m->c;
	if (c->n_requests == CONN_MAX_REQUESTS) {
		tls_conn_note(c, "certificate_requests_over_limit");
		return;
	}
	struct cert_request_fact *grown = realloc(c->requests, (c->n_requests + 1) * sizeof *grown);
	if (!grown)
		return;
	c->requests = grown;
	struct cert_request_fact *f = &c->requests[c->n_requests++];
	memset(f, 0, sizeof *f);
	f->frame = msg->end.frame;
	f->ts_ns = msg->end.ts_ns;
	f->since_client_hello_ns = c->have_client_hello ? msg->end.ts_ns - c->client_hello_ts_ns : -1;
	f->visibility = VIS_CLEARTEXT;
	f->msg_len = msg->length;
	f->records = msg->records;
	if (m->p->handshake_done[SIDE_SERVER])
		f->phase = is_tls13(c->version) ? PHASE_POST_HANDSHAKE : PHASE_RENEGOTIATION;
	else
		f->phase = PHASE_INITIAL;
	if (!msg->body) {
		f->parse_error = true;
		tls_conn_note(c, "certificate_request_too_large");
		return;
	}
	struct tls_cert_request cr;
	if (tls_cert_request_parse(msg->body, msg->length, parse_version(m), &cr) != DIS_OK) {
		f->parse_error = true;
		tls_conn_note(c, "certificate_request_malformed");
		return;
	}
	memcpy(f->cert_types, cr.cert_types, sizeof f->cert_types);
	f->n_cert_types = cr.n_cert_types;
	memcpy(f->sig_algs, cr.sig_algs, sizeof f->sig_algs);
	f->n_sig_algs = cr.n_sig_algs;
	f->has_ca_extension = cr.has_ca_extension;
	f->ca_list_bytes = cr.ca_list_bytes;
	c->heap_bytes += sizeof *f;
	if (cr.ca_list_bytes) {
		f->ca_list_der = malloc(cr.ca_list_bytes);
		if (f->ca_list_der) {
			memcpy(f->ca_list_der, cr.ca_list.p, cr.ca_list_bytes);
			c->heap_bytes += cr.ca_list_bytes;
		}
	}
	size_t keep = cr.n_ca_names < m->p->max_ca_names ? cr.n_ca_names : m->p->max_ca_names;
	f->ca_names_dropped = cr.n_ca_names - keep;
	if (f->ca_names_dropped)
		tls_conn_note(c, "ca_names_over_limit");
	if (keep) {
		f->ca_names = calloc(keep, sizeof *f->ca_names);
		if (!f->ca_names)
			return;
		c->heap_bytes += keep * sizeof *f->ca_names;
	}
	struct rd list = cr.ca_list, dn;
	char text[X509_NAME_TEXT];
	while (f->n_ca_names < keep && tls_dn_list_next(&list, &dn) == 1) {
		if (x509_name_to_text(dn.p, dn.len, text, sizeof text) < 0)
			snprintf(text, sizeof text, "(undecodable name, %zu bytes)", dn.len);
		f->ca_names[f->n_ca_names] = strdup(text);
		if (!f->ca_names[f->n_ca_names])
			break;
		c->heap_bytes += strlen(text) + 1;
		f->n_ca_names++;
	}
}

/* The first ClientHello (TLS or SSLv2 format) is the one reported. */
static void keep_client_hello(struct tls_conn *c, const struct tls_client_hello *ch, const struct tcp_frame_ref *at)
{
	if (c->have_client_hello)
		return;
	c->have_client_hello = true;
	c->client_hello_frame = at->frame;
	c->client_hello_ts_ns = at->ts_ns;
	c->ch = *ch;
}

static void on_client_hello(struct msg_ctx *m, const struct tls_hs_msg *msg)
{
	struct tls_conn *c = m->c;
	struct tls_client_hello ch;

	c->n_client_hellos++;
	if (!msg->body || tls_client_hello_parse(msg->body, msg->length, &ch) != DIS_OK) {
		tls_conn_note(c, "client_hello_malformed");
		return;
	}
	keep_client_hello(c, &ch, &msg->end);
}

static void on_server_hello(struct msg_ctx *m, const struct tls_hs_msg *msg)
{
	struct tls_conn *c = m->c;
	struct tls_server_hello sh;

	if (!msg->body || tls_server_hello_parse(msg->body, msg->length, &sh) != DIS_OK) {
		tls_conn_note(c, "server_hello_malformed");
		return;
	}
	if (sh.is_hello_retry_request) {
		c->hello_retry = true;
		return;
	}
	if (c->have_server_hello)
		return;
	c->have_server_hello = true;
	c->server_hello_frame = msg->end.frame;
	c->sh = sh;
	c->version = sh.selected_version;
	if (is_tls13(c->version)) {
		m->p->tls13_encrypted = true;
		c->resumed = sh.has_pre_shared_key;
	} else if (sh.session_id_len > 0 && c->have_client_hello && c->ch.session_id_len == sh.session_id_len &&
		   memcmp(c->ch.session_id, sh.session_id, sh.session_id_len) == 0) {
		c->resumed = true;
	}
}

static void on_certificate(struct msg_ctx *m, const struct tls_hs_msg *msg)
{
	struct tls_conn *c = m->c;
	struct tls_certificate cert;
	bool ok = msg->body && tls_certificate_parse(msg->body, msg->length, parse_version(m), &cert) == DIS_OK;

	if (m->s == SIDE_SERVER) {
		c->server_cert_frame = msg->end.frame;
		if (ok)
			chain_from_message(c, m->p, &c->server_chain, &cert);
		return;
	}
	c->client_cert_frame = msg->end.frame;
	c->cc_visibility = VIS_CLEARTEXT;
	if (!ok) {
		/* Seen but not decodable: a certificate was sent all the same. */
		c->cc_status = msg->length > 3 ? CC_PRESENT : CC_EMPTY;
		tls_conn_note(c, msg->body ? "client_certificate_malformed" : "client_certificate_too_large");
		return;
	}
	c->cc_status = cert.n_certs ? CC_PRESENT : CC_EMPTY;
	chain_from_message(c, m->p, &c->client_chain, &cert);
}

static void on_message(void *ctx, const struct tls_hs_msg *msg)
{
	struct msg_ctx *m = ctx;
	struct tls_conn *c = m->c;

	conn_add_event(c, EV_HANDSHAKE, m->s, msg->type, msg->end.frame, msg->end.ts_ns, msg->length);
	if (msg->oversized)
		tls_conn_note(c, "handshake_message_over_limit");
	switch (msg->type) {
	case TLS_HS_CLIENT_HELLO:
		if (m->s == SIDE_CLIENT)
			on_client_hello(m, msg);
		break;
	case TLS_HS_SERVER_HELLO:
		if (m->s == SIDE_SERVER)
			on_server_hello(m, msg);
		break;
	case TLS_HS_CERTIFICATE:
		on_certificate(m, msg);
		break;
	case TLS_HS_CERTIFICATE_REQUEST:
		if (m->s == SIDE_SERVER)
			on_cert_request(m, msg);
		break;
	case TLS_HS_SERVER_HELLO_DONE:
		if (m->s == SIDE_SERVER)
			m->p->server_hello_done = true;
		break;
	case TLS_HS_CERTIFICATE_VERIFY:
		if (m->s == SIDE_CLIENT && !c->cert_verify_frame)
			c->cert_verify_frame = msg->end.frame;
		break;
	case TLS_HS_CLIENT_KEY_EXCHANGE:
		if (m->s == SIDE_CLIENT)
			m->p->client_flight_seen = true;
		break;
	case TLS_HS_HELLO_REQUEST:
		if (m->s == SIDE_SERVER && !c->hello_request_frame)
			c->hello_request_frame = msg->end.frame;
		break;
	case TLS_HS_FINISHED:
		m->p->handshake_done[m->s] = true;
		c->finished_seen[m->s] = true;
		break;
	default:
		break;
	}
}

static void add_alert(struct tls_conn *c, enum side s, const struct tls_record *rec, int level, int desc,
		      bool encrypted)
{
	if (c->n_alerts == CONN_MAX_ALERTS) {
		tls_conn_note(c, "alerts_over_limit");
		return;
	}
	struct alert_fact *grown = realloc(c->alerts, (c->n_alerts + 1) * sizeof *grown);
	if (!grown)
		return;
	c->alerts = grown;
	struct alert_fact *a = &c->alerts[c->n_alerts++];
	a->frame = rec->end.frame;
	a->ts_ns = rec->end.ts_ns;
	a->from = s;
	a->level = level;
	a->description = desc;
	a->encrypted = encrypted;
	a->visibility = encrypted ? VIS_INFERRED : VIS_CLEARTEXT;
	conn_add_event(c, EV_ALERT, s, 0, rec->end.frame, rec->end.ts_ns, rec->hdr.length);
}

struct rec_ctx {
	struct tls_conn *c;
	struct conn_parser *p;
	enum side s;
};

static bool want_body(void *ctx, const struct tls_record_header *h)
{
	return h->type != TLS_CT_APPLICATION_DATA;
}

/* Is this encrypted handshake record a renegotiation (or TLS 1.2
 * post-handshake message) rather than the side's Finished? */
static void on_encrypted_handshake(struct rec_ctx *r, const struct tls_record *rec)
{
	struct tls_conn *c = r->c;
	enum side s = r->s, peer = s == SIDE_CLIENT ? SIDE_SERVER : SIDE_CLIENT;

	if (!r->p->handshake_done[s]) {
		/* The first encrypted handshake record after CCS is Finished. */
		r->p->handshake_done[s] = true;
		conn_add_event(c, EV_ENC_HANDSHAKE, s, TLS_HS_FINISHED, rec->end.frame, rec->end.ts_ns,
			       rec->hdr.length);
		return;
	}
	conn_add_event(c, EV_ENC_HANDSHAKE, s, 0xff, rec->end.frame, rec->end.ts_ns, rec->hdr.length);
	if (c->app_records[s] == 0 && c->app_records[peer] == 0 && !r->p->handshake_done[peer])
		return;
	c->enc_hs_after_app[s]++;
	if (!c->renegotiated) {
		c->renegotiated = true;
		c->first_reneg_frame = rec->end.frame;
		c->reneg_initiator = s;
		c->app_bytes_before_reneg[0] = c->app_bytes[0];
		c->app_bytes_before_reneg[1] = c->app_bytes[1];
	}
}

static void on_record(void *ctx, const struct tls_record *rec)
{
	struct rec_ctx *r = ctx;
	struct tls_conn *c = r->c;
	struct conn_parser *p = r->p;
	enum side s = r->s;
	/* TLS 1.3 encrypts everything after the ServerHello; TLS <= 1.2
	 * each side after its ChangeCipherSpec. */
	bool encrypted = c->ccs_seen[s] || p->tls13_encrypted;

	if (!c->tls_first_frame)
		c->tls_first_frame = rec->start.frame;
	if (rec->damaged && rec->hdr.type == TLS_CT_HANDSHAKE)
		tls_hs_stream_damaged(&p->hs[s]);
	switch (rec->hdr.type) {
	case TLS_CT_CHANGE_CIPHER_SPEC:
		conn_add_event(c, EV_CCS, s, 0, rec->end.frame, rec->end.ts_ns, rec->hdr.length);
		/* TLS 1.3 middlebox-compatibility CCS changes nothing. */
		if (!p->tls13_encrypted) {
			c->ccs_seen[s] = true;
			if (s == SIDE_SERVER && c->have_server_hello && !p->server_hello_done &&
			    !is_tls13(c->version))
				c->resumed = true; /* abbreviated handshake */
		}
		break;
	case TLS_CT_ALERT:
		if (!rec->body) {
			add_alert(c, s, rec, -1, -1, true);
		} else if (c->ccs_seen[s] || (p->tls13_encrypted && rec->body_len != 2)) {
			add_alert(c, s, rec, -1, -1, true);
		} else {
			struct rd a = rd_make(rec->body, rec->body_len);
			uint8_t level, desc;
			while (rd_u8(&a, &level) == 0 && rd_u8(&a, &desc) == 0)
				add_alert(c, s, rec, level, desc, false);
		}
		break;
	case TLS_CT_HANDSHAKE:
		if (encrypted) {
			on_encrypted_handshake(r, rec);
		} else if (rec->body) {
			struct msg_ctx m = { c, p, s, rec->hdr.version };
			tls_hs_stream_feed(&p->hs[s], rec->body, rec->body_len, &rec->start, &rec->end, on_message,
					   &m);
		}
		break;
	case TLS_CT_APPLICATION_DATA:
		if (p->tls13_encrypted && !c->client_flight_closed) {
			if (s == SIDE_CLIENT && c->n_client_flight < 8)
				c->client_flight[c->n_client_flight++] = rec->hdr.length;
			else if (s == SIDE_SERVER && c->n_client_flight > 0)
				c->client_flight_closed = true;
		}
		c->app_records[s]++;
		c->app_bytes[s] += rec->hdr.length;
		conn_add_event(c, EV_APP_DATA, s, 0, rec->end.frame, rec->end.ts_ns, rec->hdr.length);
		break;
	case TLS_CT_SSLV2:
		conn_add_event(c, EV_SSLV2_HELLO, s, 1, rec->end.frame, rec->end.ts_ns, rec->hdr.length);
		if (s == SIDE_CLIENT && rec->body && !c->have_client_hello) {
			struct tls_client_hello ch;
			if (tls_sslv2_client_hello_parse(rec->body, rec->body_len, &ch) == DIS_OK) {
				c->n_client_hellos++;
				keep_client_hello(c, &ch, &rec->end);
			}
		}
		break;
	default:
		break;
	}
}

static void on_resync(void *ctx, uint64_t skipped, const struct tcp_frame_ref *at)
{
	struct rec_ctx *r = ctx;
	r->c->resyncs++;
}

void conn_feed(struct tls_conn *c, struct conn_parser *p, enum side s, const uint8_t *data, size_t n,
	       const struct tcp_frame_ref *at)
{
	struct rec_ctx r = { c, p, s };
	struct tls_record_sink sink = { &r, want_body, on_record, on_resync };
	tls_record_reader_feed(&p->rr[s], data, n, at, &sink);
}

void conn_gap(struct tls_conn *c, struct conn_parser *p, enum side s, uint64_t n, const struct tcp_frame_ref *at)
{
	struct rec_ctx r = { c, p, s };
	struct tls_record_sink sink = { &r, want_body, on_record, on_resync };
	c->gaps++;
	c->gap_bytes += n;
	if (s == SIDE_CLIENT && c->n_requests > 0)
		c->client_gap_after_request = true;
	conn_add_event(c, EV_GAP, s, 0, at->frame, at->ts_ns, (uint32_t)(n > UINT32_MAX ? UINT32_MAX : n));
	tls_record_reader_gap(&p->rr[s], n, at, &sink);
}

void conn_finish(struct tls_conn *c, struct conn_parser *p)
{
	for (int s = 0; s < 2; s++)
		if (tls_record_reader_partial(&p->rr[s]) || tls_hs_stream_partial(&p->hs[s]))
			c->truncated_record = true;
	if (c->client_cert_frame) {
		/* status set when the message was read */
	} else if (c->n_requests > 0 && c->client_gap_after_request) {
		/* The answer may be in the bytes that were not captured. */
		c->cc_status = CC_UNKNOWN;
		c->cc_visibility = VIS_INFERRED;
		tls_conn_note(c, "client_answer_not_captured");
	} else if (c->n_requests > 0) {
		c->cc_status = CC_ABSENT;
	} else if (p->tls13_encrypted || (c->renegotiated && !c->n_requests)) {
		c->cc_status = CC_UNKNOWN;
		c->cc_visibility = VIS_INFERRED;
	} else {
		c->cc_status = CC_NOT_REQUESTED;
	}
	for (size_t i = 0; i < c->n_alerts; i++)
		if (c->alerts[i].from == SIDE_CLIENT && c->alerts[i].description == 41)
			tls_conn_note(c, "ssl3_no_certificate_alert");
	if (c->end == END_CAPTURE_END) {
		for (size_t i = 0; i < c->n_alerts; i++)
			if (c->alerts[i].level == 2) {
				c->end = END_ALERT;
				c->end_frame = c->alerts[i].frame;
				c->end_by = c->alerts[i].from;
				break;
			}
	}
}
