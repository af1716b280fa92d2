/* conn.c - turns TLS records and handshake messages into model facts. */
#include "model/conn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tls_handshake.h"
#include "tls_names.h"
#include "x509_summary.h"

struct msg_ctx {
	struct tls_conn *c;
	struct conn_parser *p;
	enum side s;
	uint16_t record_version;
	bool decrypted;             /* the record was decrypted with the key log */
};

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
	if (p->keys) {
		for (int i = 0; i < 2; i++)
			tls_decrypt_dir_release(&p->keys->dir[i]);
		tls_decrypt_dir_release(&p->keys->early);
		free(p->keys->plain);
		http_track_free(p->keys->http);
		free(p->keys);
		p->keys = NULL;
	}
}

void conn_parser_set_keylog(struct conn_parser *p, struct tls_conn *c, const struct keylog *kl)
{
	c->keylog_given = kl != NULL;
	if (!kl || p->keys)
		return;
	/* Decryption state only where there are keys to look up: it is a
	 * tenth of a connection's memory. */
	p->keys = calloc(1, sizeof *p->keys);
	if (p->keys)
		p->keys->keylog = kl;
}

void conn_parser_set_crypto(struct conn_parser *p, struct tls_crypto *crypto)
{
	if (!p->keys)
		return;
	p->keys->dir[0].crypto = p->keys->dir[1].crypto = p->keys->early.crypto = crypto;
}

void conn_parser_setup(struct conn_parser *p, struct tls_conn *c, const struct conn_parser_config *cfg)
{
	conn_parser_init(p, cfg->max_hs_msg);
	conn_parser_set_keylog(p, c, cfg->keylog);
	conn_parser_set_crypto(p, cfg->crypto);
	p->certs = cfg->certs;
	p->keep_client_der = cfg->keep_client_der;
	if (cfg->max_chain < p->max_chain)
		p->max_chain = cfg->max_chain;
	p->max_ca_names = cfg->max_ca_names;
}

/* ---- keys ------------------------------------------------------------ */

static bool keys_buffer(struct conn_keys *k)
{
	if (!k->plain)
		k->plain = malloc(TLS_MAX_RECORD_BODY);
	return k->plain != NULL;
}

static const struct tls_suite_info *keys_suite(struct tls_conn *c, struct conn_keys *k, bool tls13)
{
	const struct tls_suite_info *si = tls_suite_info(k->suite);
	if (!si || si->tls13 != tls13) {
		c->suite_unsupported = true;
		c->unsupported_suite = k->suite;
		tls_conn_note(c, NOTE_CIPHER_SUITE_NOT_DECRYPTED);
		return NULL;
	}
	return si;
}

static void keys_missing(struct tls_conn *c)
{
	c->keys_missing = true;
	tls_conn_note(c, NOTE_NO_KEYS_IN_KEYLOG);
}

/* A ServerHello (not a HelloRetryRequest): the handshake's parameters.
 * TLS 1.3 switches both sides to the handshake traffic keys at once. */
static void keys_on_server_hello(struct tls_conn *c, struct conn_keys *k, const struct tls_server_hello *sh,
				 bool tls13)
{
	if (!k->keylog)
		return;
	memcpy(k->server_random, sh->random, 32);
	k->suite = sh->cipher_suite;
	k->version = tls13 ? TLS_VERSION_TLS13 : sh->selected_version;
	k->etm = sh->has_encrypt_then_mac;
	k->entry = k->have_client_random ? keylog_find(k->keylog, k->client_random) : NULL;
	if (!tls13)
		return; /* keys take effect at each side's ChangeCipherSpec */
	const struct keylog_secret_value *cs = k->entry ? &k->entry->secrets[KEYLOG_CLIENT_HS] : NULL;
	const struct keylog_secret_value *ss = k->entry ? &k->entry->secrets[KEYLOG_SERVER_HS] : NULL;
	if (!cs || !cs->len || !ss->len) {
		keys_missing(c);
		return;
	}
	const struct tls_suite_info *si = keys_suite(c, k, true);
	if (!si || !keys_buffer(k))
		return;
	k->active[SIDE_CLIENT] = tls13_install_secret(&k->dir[SIDE_CLIENT], si, cs->bytes, cs->len) == 0;
	k->active[SIDE_SERVER] = tls13_install_secret(&k->dir[SIDE_SERVER], si, ss->bytes, ss->len) == 0;
	c->keys_found = true;
}

/* TLS <= 1.2: a side's ChangeCipherSpec puts its new write keys in force
 * (those of the handshake in progress: a renegotiation has its own). */
static void keys_on_ccs(struct tls_conn *c, struct conn_keys *k, enum side s)
{
	if (!k->keylog)
		return;
	k->active[s] = false;
	if (!k->entry || !k->entry->has_master) {
		keys_missing(c);
		return;
	}
	const struct tls_suite_info *si = keys_suite(c, k, false);
	if (!si || !keys_buffer(k))
		return;
	if (tls12_install_keys(&k->dir[s], si, k->version, k->etm, k->entry->master, k->client_random,
			       k->server_random, s == SIDE_CLIENT) == 0) {
		k->active[s] = true;
		c->keys_found = true;
	}
}

/* TLS 1.3: after a side's Finished its application traffic keys apply. */
static void keys_tls13_application(struct tls_conn *c, struct conn_keys *k, enum side s)
{
	const struct keylog_secret_value *v =
		k->entry ? &k->entry->secrets[s == SIDE_CLIENT ? KEYLOG_CLIENT_APP : KEYLOG_SERVER_APP] : NULL;
	if (!v || !v->len || !k->dir[s].suite ||
	    tls13_install_secret(&k->dir[s], k->dir[s].suite, v->bytes, v->len) != 0) {
		k->active[s] = false;
		keys_missing(c);
	}
}

void conn_parser_trim(struct conn_parser *p)
{
	for (int i = 0; i < 2; i++) {
		tls_record_reader_trim(&p->rr[i]);
		tls_hs_stream_trim(&p->hs[i]);
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

/* The chain as kept in the model: at most max_chain certificates, their
 * summaries shared through the cache; the client chain also keeps its DER
 * when --trust will verify it. */
static void chain_from_message(struct tls_conn *c, const struct conn_parser *p, struct cert_chain *chain,
			       const struct tls_certificate *msg, bool keep_der)
{
	c->heap_bytes -= chain->n_kept * sizeof *chain->certs;
	cert_chain_release(chain);
	chain->n_certs = msg->n_certs;
	size_t keep = msg->n_kept < p->max_chain ? msg->n_kept : p->max_chain;
	if (msg->n_certs > keep)
		tls_conn_note(c, NOTE_CHAIN_OVER_LIMIT);
	if (keep == 0)
		return;
	chain->certs = calloc(keep, sizeof *chain->certs);
	if (!chain->certs) {
		tls_conn_note(c, NOTE_ALLOCATION_FAILED);
		return;
	}
	c->heap_bytes += keep * sizeof *chain->certs;
	for (size_t i = 0; i < keep; i++) {
		struct cert_summary *s = cert_cache_summarize(p->certs, msg->der[i].p, msg->der[i].len);
		if (!s) {
			tls_conn_note(c, NOTE_ALLOCATION_FAILED);
			break; /* the certificates so far */
		}
		chain->certs[i].shared = s;
		chain->certs[i].sum = &s->sum;
		chain->certs[i].parsed = s->status == DIS_OK;
		chain->certs[i].der_len = msg->der[i].len;
		if (keep_der && msg->der[i].len) {
			chain->certs[i].der = malloc(msg->der[i].len);
			if (chain->certs[i].der) {
				memcpy(chain->certs[i].der, msg->der[i].p, msg->der[i].len);
				c->heap_bytes += msg->der[i].len;
			} else {
				tls_conn_note(c, NOTE_ALLOCATION_FAILED);
			}
		}
		chain->n_kept = i + 1;
	}
}

static uint16_t parse_version(const struct msg_ctx *m)
{
	uint16_t v = m->c->version ? m->c->version : m->record_version;
	return tls_version_is_13(v) ? TLS_VERSION_TLS13 : v;
}

static void on_cert_request(struct msg_ctx *m, const struct tls_hs_msg *msg)
{
	struct tls_conn *c = m->c;
	if (c->n_requests == CONN_MAX_REQUESTS) {
		/* The newest takes the last slot (the diagnosis reads the first
		 * and the last). */
		tls_conn_note(c, NOTE_CERTIFICATE_REQUESTS_OVER_LIMIT);
		ca_list_put(c->requests[--c->n_requests].ca_list);
	}
	struct cert_request_fact *grown = realloc(c->requests, (c->n_requests + 1) * sizeof *grown);
	if (!grown) {
		tls_conn_note(c, NOTE_ALLOCATION_FAILED);
		return;
	}
	c->requests = grown;
	struct cert_request_fact *f = &c->requests[c->n_requests++];
	memset(f, 0, sizeof *f);
	f->frame = msg->end.frame;
	f->ts_ns = msg->end.ts_ns;
	f->since_client_hello_ns = c->have_client_hello ? msg->end.ts_ns - c->client_hello_ts_ns : -1;
	f->visibility = m->decrypted ? VIS_DECRYPTED : VIS_CLEARTEXT;
	f->msg_len = msg->length;
	f->records = msg->records;
	if (m->p->handshake_done[SIDE_SERVER])
		f->phase = tls_version_is_13(c->version) ? PHASE_POST_HANDSHAKE : PHASE_RENEGOTIATION;
	else
		f->phase = PHASE_INITIAL;
	if (!msg->body) {
		f->parse_error = true;
		tls_conn_note(c, NOTE_CERTIFICATE_REQUEST_TOO_LARGE);
		return;
	}
	/* A request that breaks off keeps what was read before the error
	 * (the parser leaves it filled): the types, algorithms and the CA
	 * names before a bad one still tell what the server asked for. */
	struct tls_cert_request cr;
	if (tls_cert_request_parse(msg->body, msg->length, parse_version(m), &cr) != DIS_OK) {
		f->parse_error = true;
		f->partial = true;
		tls_conn_note(c, NOTE_CERTIFICATE_REQUEST_MALFORMED);
	}
	memcpy(f->cert_types, cr.cert_types, sizeof f->cert_types);
	f->n_cert_types = cr.n_cert_types;
	memcpy(f->sig_algs, cr.sig_algs, sizeof f->sig_algs);
	f->n_sig_algs = cr.n_sig_algs;
	f->has_ca_extension = cr.has_ca_extension;
	f->ca_list_bytes = cr.ca_list_bytes;
	c->heap_bytes += sizeof *f;
	if (!cr.ca_list_bytes)
		return;
	/* Decoded up to a malformed name, if any: the names before it. */
	f->ca_list = cert_cache_ca_list(m->p->certs, cr.ca_list.p, cr.ca_list_bytes, cr.n_ca_names, m->p->max_ca_names);
	if (!f->ca_list) {
		tls_conn_note(c, NOTE_ALLOCATION_FAILED);
		return;
	}
	f->n_ca_names = f->ca_list->n_names;
	f->ca_names = f->ca_list->names;
	f->ca_names_dropped = f->ca_list->n_dropped;
	f->ca_list_der = f->ca_list->der;
	if (f->ca_names_dropped)
		tls_conn_note(c, NOTE_CA_NAMES_OVER_LIMIT);
	if (!f->ca_list->in_cache)
		c->heap_bytes += f->ca_list->bytes;
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
		tls_conn_note(c, NOTE_CLIENT_HELLO_MALFORMED);
		return;
	}
	keep_client_hello(c, &ch, &msg->end);
	/* The keys of each handshake (a renegotiation too) are found by its
	 * ClientHello's random. */
	if (m->p->keys) {
		struct conn_keys *k = m->p->keys;
		memcpy(k->client_random, ch.random, 32);
		k->have_client_random = true;
		const struct keylog_entry *e = ch.has_early_data && k->keylog ? keylog_find(k->keylog, ch.random) : NULL;
		k->early_pending = e && e->secrets[KEYLOG_CLIENT_EARLY].len;
	}
}

static void on_server_hello(struct msg_ctx *m, const struct tls_hs_msg *msg)
{
	struct tls_conn *c = m->c;
	struct tls_server_hello sh;

	if (!msg->body || tls_server_hello_parse(msg->body, msg->length, &sh) != DIS_OK) {
		tls_conn_note(c, NOTE_SERVER_HELLO_MALFORMED);
		return;
	}
	if (sh.is_hello_retry_request) {
		c->hello_retry = true;
		return;
	}
	if (m->p->keys)
		keys_on_server_hello(c, m->p->keys, &sh, tls_version_is_13(sh.selected_version));
	if (c->have_server_hello)
		return;
	c->have_server_hello = true;
	c->server_hello_frame = msg->end.frame;
	c->sh = sh;
	c->version = sh.selected_version;
	if (tls_version_is_13(c->version)) {
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
			chain_from_message(c, m->p, &c->server_chain, &cert, false);
		return;
	}
	c->client_cert_frame = msg->end.frame;
	c->cc_visibility = m->decrypted ? VIS_DECRYPTED : VIS_CLEARTEXT;
	if (c->n_cc_msgs < sizeof c->cc_msgs / sizeof c->cc_msgs[0]) {
		struct client_cert_msg *cm = &c->cc_msgs[c->n_cc_msgs++];
		cm->frame = msg->end.frame;
		cm->n_certs = ok ? cert.n_certs : msg->length > 3;
		cm->visibility = c->cc_visibility;
	}
	if (!ok) {
		/* Seen but not decodable: a certificate was sent all the same. */
		c->cc_status = msg->length > 3 ? CC_PRESENT : CC_EMPTY;
		tls_conn_note(c, msg->body ? NOTE_CLIENT_CERTIFICATE_MALFORMED : NOTE_CLIENT_CERTIFICATE_TOO_LARGE);
		return;
	}
	c->cc_status = cert.n_certs ? CC_PRESENT : CC_EMPTY;
	chain_from_message(c, m->p, &c->client_chain, &cert, m->p->keep_client_der);
}

static void on_message(void *ctx, const struct tls_hs_msg *msg)
{
	struct msg_ctx *m = ctx;
	struct tls_conn *c = m->c;

	size_t before = c->n_events;
	conn_add_event(c, EV_HANDSHAKE, m->s, msg->type, msg->end.frame, msg->end.ts_ns, msg->length);
	if (c->n_events > before)
		c->events[before].decrypted = m->decrypted;
	if (msg->oversized)
		tls_conn_note(c, NOTE_HANDSHAKE_MESSAGE_OVER_LIMIT);
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
		/* The handshake's Finished, not a post-handshake
		 * authentication's, moves TLS 1.3 to the application keys. */
		if (m->decrypted && m->p->keys && m->p->tls13_encrypted && !c->finished_seen[m->s])
			keys_tls13_application(c, m->p->keys, m->s);
		m->p->handshake_done[m->s] = true;
		c->finished_seen[m->s] = true;
		break;
	case TLS_HS_KEY_UPDATE:
		/* The sender's next record uses its next traffic secret. */
		if (m->decrypted && m->p->keys && m->p->tls13_encrypted &&
		    tls13_key_update(&m->p->keys->dir[m->s]) != 0)
			m->p->keys->active[m->s] = false;
		break;
	default:
		break;
	}
}

static void add_alert(struct tls_conn *c, enum side s, const struct tls_record *rec, int level, int desc,
		      bool encrypted, bool decrypted)
{
	if (c->n_alerts == CONN_MAX_ALERTS) {
		/* The newest takes the last slot. */
		tls_conn_note(c, NOTE_ALERTS_OVER_LIMIT);
		c->n_alerts--;
	}
	struct alert_fact *grown = realloc(c->alerts, (c->n_alerts + 1) * sizeof *grown);
	if (!grown) {
		tls_conn_note(c, NOTE_ALLOCATION_FAILED);
		return;
	}
	c->alerts = grown;
	struct alert_fact *a = &c->alerts[c->n_alerts++];
	a->frame = rec->end.frame;
	a->ts_ns = rec->end.ts_ns;
	a->from = s;
	a->level = level;
	a->description = desc;
	a->encrypted = encrypted;
	a->visibility = encrypted ? VIS_INFERRED : decrypted ? VIS_DECRYPTED : VIS_CLEARTEXT;
	size_t before = c->n_events;
	conn_add_event(c, EV_ALERT, s, 0, rec->end.frame, rec->end.ts_ns, rec->hdr.length);
	if (c->n_events > before)
		c->events[before].decrypted = decrypted;
}

/* Can a record body be cleartext alerts? Each is two bytes, level
 * warning (1) or fatal (2). An encrypted alert is longer (MAC or AEAD tag):
 * read as cleartext when the encryption state was not seen (the capture
 * began after the ChangeCipherSpec), it would make up alerts. */
static bool cleartext_alerts_plausible(const uint8_t *p, size_t n)
{
	struct rd a = rd_make(p, n);
	uint8_t level, desc;
	if (n == 0 || n % 2)
		return false;
	while (rd_u8(&a, &level) == 0 && rd_u8(&a, &desc) == 0)
		if (level != TLS_ALERT_LEVEL_WARNING && level != TLS_ALERT_LEVEL_FATAL)
			return false;
	return true;
}

struct rec_ctx {
	struct tls_conn *c;
	struct conn_parser *p;
	enum side s;
};

/* TLS <= 1.2 with an AEAD suite: a record that HTTP skips whole as body is
 * not decrypted (its plaintext length is known from the suite). */
static bool skip_http_body(struct conn_keys *k, enum side s, uint16_t len)
{
	const struct tls_suite_info *si = k->dir[s].suite;
	size_t overhead;
	if (!si)
		return false;
	switch (si->mode) {
	case TLS_MODE_GCM:
	case TLS_MODE_CCM:
		overhead = 8 + 16; /* explicit nonce, tag */
		break;
	case TLS_MODE_CCM8:
		overhead = 8 + 8;
		break;
	case TLS_MODE_CHACHA:
		overhead = 16;
		break;
	default:
		return false; /* CBC: the padding decides */
	}
	return len > overhead && http_track_skip(k->http, s, len - overhead);
}

/* Application data is skipped by length unless it must be decrypted: in
 * TLS 1.3 any record may carry a handshake message; in TLS <= 1.2 each
 * side's first one is read, then those HTTP tracking still wants (heads,
 * not bodies), the others only move the sequence number on - except where
 * TLS 1.0 CBC chains each record's IV to the previous record. */
static bool want_body(void *ctx, const struct tls_record_header *h)
{
	struct rec_ctx *r = ctx;
	const struct conn_keys *k = r->p->keys;
	if (h->type != TLS_CT_APPLICATION_DATA)
		return true;
	if (k && r->s == SIDE_CLIENT && k->early_pending)
		return true; /* perhaps 0-RTT data (try_early) */
	if (!k || !k->active[r->s])
		return false;
	const struct tls_decrypt_dir *d = &k->dir[r->s];
	if (r->p->tls13_encrypted || k->app_decrypted[r->s] == 0 ||
	    (d->suite && d->suite->mode == TLS_MODE_CBC && d->version < 0x0302))
		return true;
	return http_track_wants(k->http, r->s) && !skip_http_body(r->p->keys, r->s, h->length);
}

/* A protected handshake record of a TLS <= 1.2 side: the first after its
 * ChangeCipherSpec is its Finished (true); a later one, once application
 * data flowed, is a renegotiation (or a post-handshake message).
 * wire_len is its length on the wire (encrypted), kept for inference. */
static bool count_protected_handshake(struct rec_ctx *r, const struct tls_record *rec, uint16_t wire_len)
{
	struct tls_conn *c = r->c;
	enum side s = r->s, peer = s == SIDE_CLIENT ? SIDE_SERVER : SIDE_CLIENT;

	if (!r->p->handshake_done[s]) {
		r->p->handshake_done[s] = true;
		return true;
	}
	if (c->app_records[s] == 0 && c->app_records[peer] == 0 && !r->p->handshake_done[peer])
		return false;
	c->enc_hs_after_app[s]++;
	if (!c->renegotiated) {
		c->renegotiated = true;
		c->first_reneg_frame = rec->end.frame;
		c->reneg_initiator = s;
		c->app_bytes_before_reneg[0] = c->app_bytes[0];
		c->app_bytes_before_reneg[1] = c->app_bytes[1];
	}
	if (c->n_reneg_hs[s] < RENEG_MAX_RECORDS) {
		if (s == SIDE_CLIENT && c->n_reneg_hs[s] == 1)
			c->reneg_client_flight_frame = rec->end.frame;
		c->reneg_hs_len[s][c->n_reneg_hs[s]++] = wire_len;
	}
	return false;
}

/* Could this record body be cleartext handshake messages from side s?
 * Each message's type must be one that side sends before encryption and
 * its length must fit the record (the last may continue in the next). */
static bool cleartext_handshake_plausible(const uint8_t *p, size_t n, enum side s)
{
	struct rd r = rd_make(p, n);
	uint8_t type;
	uint32_t len;
	if (n == 0)
		return false;
	while (rd_left(&r) > 0) {
		if (rd_u8(&r, &type) || rd_u24(&r, &len))
			return true; /* a header split across records */
		bool known = s == SIDE_CLIENT ? type == TLS_HS_CLIENT_HELLO || type == TLS_HS_CERTIFICATE ||
							type == TLS_HS_CERTIFICATE_VERIFY ||
							type == TLS_HS_CLIENT_KEY_EXCHANGE || type == TLS_HS_NEXT_PROTOCOL
					      : type == TLS_HS_HELLO_REQUEST || type == TLS_HS_SERVER_HELLO ||
							type == TLS_HS_NEW_SESSION_TICKET || type == TLS_HS_CERTIFICATE ||
							type == TLS_HS_SERVER_KEY_EXCHANGE ||
							type == TLS_HS_CERTIFICATE_REQUEST ||
							type == TLS_HS_SERVER_HELLO_DONE || type == TLS_HS_CERTIFICATE_STATUS;
		if (!known || (type == TLS_HS_HELLO_REQUEST && len != 0) || (type == TLS_HS_SERVER_HELLO_DONE && len != 0))
			return false;
		if (len > rd_left(&r))
			return len <= (1u << 20); /* continues in the next record */
		if (rd_skip(&r, len))
			return false;
	}
	return true;
}

/* A capture begun mid-connection does not show whether a side already
 * encrypts (its ChangeCipherSpec may be before the capture): a handshake
 * record of a side whose hello was not seen that does not read as
 * cleartext messages is encrypted (a Finished, or a renegotiation). */
static bool midstream_encrypted_handshake(const struct tls_conn *c, const struct conn_parser *p, enum side s,
					  const struct tls_record *rec)
{
	if (!c->midstream || c->ccs_seen[s] || p->tls13_encrypted || !rec->body)
		return false;
	if (s == SIDE_CLIENT ? c->have_client_hello : c->have_server_hello)
		return false;
	return !cleartext_handshake_plausible(rec->body, rec->body_len, s);
}

static void on_encrypted_handshake(struct rec_ctx *r, const struct tls_record *rec)
{
	bool finished = count_protected_handshake(r, rec, rec->hdr.length);
	conn_add_event(r->c, EV_ENC_HANDSHAKE, r->s, finished ? TLS_HS_FINISHED : 0xff, rec->end.frame,
		       rec->end.ts_ns, rec->hdr.length);
}

static bool offers_tls13(const struct tls_conn *c)
{
	if (!c->have_client_hello)
		return false;
	for (size_t i = 0; i < c->ch.n_versions; i++)
		if (tls_version_is_13(c->ch.versions[i]))
			return true;
	return false;
}

static void on_change_cipher_spec(struct rec_ctx *r, const struct tls_record *rec, bool decrypted)
{
	struct tls_conn *c = r->c;
	struct conn_parser *p = r->p;
	enum side s = r->s;
	size_t before = c->n_events;

	conn_add_event(c, EV_CCS, s, 0, rec->end.frame, rec->end.ts_ns, rec->hdr.length);
	if (c->n_events > before)
		c->events[before].decrypted = decrypted;
	/* TLS 1.3 middlebox-compatibility CCS changes nothing; it can also
	 * follow a HelloRetryRequest, before the real ServerHello, or come
	 * from a client offering TLS 1.3 before any ServerHello (right after
	 * its ClientHello, with 0-RTT data). */
	if (p->tls13_encrypted || c->hello_retry || (s == SIDE_CLIENT && !c->have_server_hello && offers_tls13(c)))
		return;
	c->ccs_seen[s] = true;
	if (s == SIDE_SERVER && c->have_server_hello && !p->server_hello_done && !tls_version_is_13(c->version))
		c->resumed = true; /* abbreviated handshake */
	if (p->keys)
		keys_on_ccs(c, p->keys, s);
}

/* TLS 1.3 without keys: the sizes of the client's first encrypted records
 * after the server's flight, for inferring its Certificate. */
static void note_tls13_flight(struct tls_conn *c, enum side s, const struct tls_record *rec)
{
	if (c->client_flight_closed)
		return;
	if (s == SIDE_CLIENT && c->n_client_flight < 8) {
		c->client_flight[c->n_client_flight++] = rec->hdr.length;
	} else if (s == SIDE_SERVER && c->n_client_flight > 0) {
		c->client_flight_closed = true;
		c->server_reply_len = rec->hdr.length;
		c->server_reply_frame = rec->end.frame;
		c->server_records_before_reply = c->app_records[SIDE_SERVER];
	}
}

/* Decrypted application data of a side: HTTP/1.x and HTTP/2 exchanges
 * (http_track.c). */
static void sniff_http(struct tls_conn *c, struct conn_keys *k, enum side s, const struct tls_record *rec)
{
	http_track_record(&k->http, c, s, rec->body, rec->body_len, rec->end.frame);
}

/* A decrypted record: the same paths as cleartext ones. `outer_len` is
 * the length on the wire. */
static void on_plain_record(struct rec_ctx *r, const struct tls_record *rec, uint16_t outer_len)
{
	struct tls_conn *c = r->c;
	struct conn_parser *p = r->p;
	enum side s = r->s;

	switch (rec->hdr.type) {
	case TLS_CT_CHANGE_CIPHER_SPEC:
		on_change_cipher_spec(r, rec, true);
		break;
	case TLS_CT_HANDSHAKE: {
		if (!p->tls13_encrypted)
			count_protected_handshake(r, rec, outer_len);
		struct msg_ctx m = { c, p, s, rec->hdr.version, true };
		tls_hs_stream_feed(&p->hs[s], rec->body, rec->body_len, &rec->start, &rec->end, on_message, &m);
		break;
	}
	case TLS_CT_ALERT: {
		struct rd a = rd_make(rec->body, rec->body_len);
		uint8_t level, desc;
		while (rd_u8(&a, &level) == 0 && rd_u8(&a, &desc) == 0)
			add_alert(c, s, rec, level, desc, false, true);
		break;
	}
	case TLS_CT_APPLICATION_DATA: {
		size_t before = c->n_events;
		c->app_records[s]++;
		c->app_bytes[s] += outer_len;
		conn_add_event(c, EV_APP_DATA, s, 0, rec->end.frame, rec->end.ts_ns, outer_len);
		if (c->n_events > before)
			c->events[before].decrypted = true;
		if (p->keys) {
			p->keys->app_decrypted[s]++;
			sniff_http(c, p->keys, s, rec);
		}
		break;
	}
	default:
		break;
	}
}

/* Records a side protects: TLS 1.3 after the ServerHello (all carried as
 * application data); TLS <= 1.2 everything after its ChangeCipherSpec. */
static bool is_protected(const struct tls_conn *c, const struct conn_parser *p, enum side s, uint8_t type)
{
	if (p->tls13_encrypted)
		return type == TLS_CT_APPLICATION_DATA;
	return c->ccs_seen[s] && type >= TLS_CT_CHANGE_CIPHER_SPEC && type <= TLS_CT_APPLICATION_DATA;
}

/* A record decrypted into keys->plain (n bytes of inner type `type`),
 * handled as the cleartext record it carried. */
static void on_decrypted(struct rec_ctx *r, const struct tls_record *rec, uint8_t type, size_t n)
{
	r->c->records_decrypted++;
	struct tls_record plain = *rec;
	plain.hdr.type = type;
	plain.hdr.length = (uint16_t)n;
	plain.body = r->p->keys->plain;
	plain.body_len = n;
	on_plain_record(r, &plain, rec->hdr.length);
}

/* Returns true when the record was decrypted and handled. A record that
 * does not authenticate stops decryption of that side (once keys or
 * sequence are wrong, every later record fails too); it is said once. */
static bool try_decrypt(struct rec_ctx *r, const struct tls_record *rec)
{
	struct tls_conn *c = r->c;
	struct conn_keys *k = r->p->keys;
	enum side s = r->s;
	size_t n = 0;
	uint8_t type = 0;

	if (!rec->body) {
		/* Skipped by length (application data), or bytes of it were
		 * not captured: either way its sequence number is used up. */
		k->dir[s].seq++;
		if (r->p->tls13_encrypted)
			tls_hs_stream_damaged(&r->p->hs[s]);
		if (rec->hdr.type == TLS_CT_APPLICATION_DATA)
			http_track_gap(k->http, s);
		return false;
	}
	if (tls_decrypt_record(&k->dir[s], rec->hdr.type, rec->hdr.version, rec->body, rec->body_len, k->plain, &n,
			       &type) != TLS_DEC_OK) {
		if (r->p->tls13_encrypted && s == SIDE_CLIENT && c->have_client_hello && c->ch.has_early_data &&
		    !c->finished_seen[SIDE_CLIENT]) {
			/* 0-RTT data under the early secret, before the client's
			 * handshake records: skipped, the handshake keys stay. */
			k->dir[s].seq--;
			tls_conn_note(c, NOTE_EARLY_DATA_NOT_DECRYPTED);
			return false;
		}
		k->active[s] = false;
		if (!c->decrypt_failed) {
			c->decrypt_failed = true;
			c->decrypt_fail_frame = rec->end.frame;
			c->decrypt_fail_side = s;
			tls_conn_note(c, NOTE_DECRYPTION_FAILED);
		}
		return false;
	}
	on_decrypted(r, rec, type, n);
	return true;
}

/* The TLS 1.3 suites: 0-RTT data comes before the ServerHello names the
 * suite (that of the resumed session), so the one whose keys
 * authenticate the first record is it. */
static const uint16_t tls13_suites[] = { 0x1301, 0x1302, 0x1303, 0x1304, 0x1305 };

/* The early keys from the key log, kept when they read the first early
 * record (into keys->plain: n bytes of inner type `type`). */
static bool early_keys(struct conn_keys *k, const struct tls_record *rec, size_t *n, uint8_t *type)
{
	const struct keylog_entry *e = keylog_find(k->keylog, k->client_random);
	const struct keylog_secret_value *v = e ? &e->secrets[KEYLOG_CLIENT_EARLY] : NULL;
	if (!v || !v->len)
		return false;
	for (size_t i = 0; i < sizeof tls13_suites / sizeof tls13_suites[0]; i++) {
		const struct tls_suite_info *si = tls_suite_info(tls13_suites[i]);
		if (!si || !si->tls13 || tls13_install_secret(&k->early, si, v->bytes, v->len) != 0)
			continue;
		if (tls_decrypt_record(&k->early, rec->hdr.type, rec->hdr.version, rec->body, rec->body_len, k->plain,
				       n, type) == TLS_DEC_OK)
			return true;
		tls_decrypt_dir_release(&k->early);
		tls_decrypt_dir_init(&k->early);
	}
	return false;
}

/* A client record that may be 0-RTT data or its EndOfEarlyData: true
 * when the early keys read it (and it was handled). */
static bool try_early(struct rec_ctx *r, const struct tls_record *rec)
{
	struct conn_keys *k = r->p->keys;
	size_t n = 0;
	uint8_t type = 0;
	bool read = rec->body && keys_buffer(k) &&
		    (tls_decrypt_dir_ready(&k->early)
			     ? tls_decrypt_record(&k->early, rec->hdr.type, rec->hdr.version, rec->body, rec->body_len,
						  k->plain, &n, &type) == TLS_DEC_OK
			     : early_keys(k, rec, &n, &type));
	if (!read) {
		k->early_pending = false; /* not (or no longer) early data */
		return false;
	}
	/* EndOfEarlyData, the one handshake message under these keys, ends them. */
	if (type == TLS_CT_HANDSHAKE)
		k->early_pending = false;
	on_decrypted(r, rec, type, n);
	return true;
}

/* An SSLv2-format record. The client's first is its CLIENT-HELLO (the
 * SSLv2-compatible form opens many TLS connections); a SERVER-HELLO
 * (msg_type 4) means the server speaks SSL 2.0 itself. Later records are
 * encrypted SSL 2.0 messages. */
static void on_sslv2_record(struct tls_conn *c, struct conn_parser *p, enum side s, const struct tls_record *rec)
{
	struct rd r = rd_make(rec->body, rec->body ? rec->body_len : 0);
	uint8_t msg_type = 0;
	bool first = s == SIDE_CLIENT ? !c->have_client_hello && c->n_client_hellos == 0
				      : c->version != 0x0002 && !c->have_server_hello;
	if (!first || rd_u8(&r, &msg_type) || (msg_type != TLS_HS_CLIENT_HELLO && msg_type != 4))
		msg_type = 0;
	conn_add_event(c, EV_SSLV2_HELLO, s, msg_type, rec->end.frame, rec->end.ts_ns, rec->hdr.length);
	if (s == SIDE_CLIENT && msg_type == TLS_HS_CLIENT_HELLO) {
		struct tls_client_hello ch;
		if (tls_sslv2_client_hello_parse(rec->body, rec->body_len, &ch) == DIS_OK) {
			c->n_client_hellos++;
			keep_client_hello(c, &ch, &rec->end);
			/* The key log names the handshake by the challenge,
			 * zero-padded on the left to 32 bytes (RFC 5246 E.2). */
			if (p->keys) {
				memcpy(p->keys->client_random, ch.random, 32);
				p->keys->have_client_random = true;
			}
			if (ch.legacy_version == 0x0002 && !c->sslv2) {
				c->sslv2 = true;
				c->sslv2_frame = rec->end.frame;
			}
		}
	} else if (s == SIDE_SERVER && msg_type == 4) {
		if (!c->sslv2)
			c->sslv2_frame = rec->end.frame;
		c->sslv2 = true;
		c->version = 0x0002;
	}
}

static void on_record(void *ctx, const struct tls_record *rec)
{
	struct rec_ctx *r = ctx;
	struct tls_conn *c = r->c;
	struct conn_parser *p = r->p;
	enum side s = r->s;
	/* Is a handshake record encrypted? TLS <= 1.2: after the side's
	 * ChangeCipherSpec. TLS 1.3 carries encrypted ones as application
	 * data, so a handshake record is cleartext (a second ClientHello after
	 * a HelloRetryRequest may be read after the ServerHello). */
	bool encrypted = c->ccs_seen[s];

	if (!c->tls_first_frame)
		c->tls_first_frame = rec->start.frame;
	if (rec->damaged && rec->hdr.type == TLS_CT_HANDSHAKE)
		tls_hs_stream_damaged(&p->hs[s]);
	if (p->tls13_encrypted && rec->hdr.type == TLS_CT_APPLICATION_DATA)
		note_tls13_flight(c, s, rec);
	if (s == SIDE_CLIENT && p->keys && p->keys->early_pending && rec->hdr.type == TLS_CT_APPLICATION_DATA &&
	    try_early(r, rec))
		return;
	/* (s is 0 or 1; saying so keeps GCC's array-bounds check quiet) */
	if ((s == SIDE_CLIENT || s == SIDE_SERVER) && p->keys && p->keys->active[s] && is_protected(c, p, s, rec->hdr.type) &&
	    try_decrypt(r, rec))
		return;
	switch (rec->hdr.type) {
	case TLS_CT_CHANGE_CIPHER_SPEC:
		on_change_cipher_spec(r, rec, false);
		break;
	case TLS_CT_ALERT:
		if (!rec->body) {
			add_alert(c, s, rec, -1, -1, true, false);
		} else if (c->ccs_seen[s] || (p->tls13_encrypted && rec->body_len != 2) ||
			   !cleartext_alerts_plausible(rec->body, rec->body_len)) {
			add_alert(c, s, rec, -1, -1, true, false);
		} else {
			struct rd a = rd_make(rec->body, rec->body_len);
			uint8_t level, desc;
			while (rd_u8(&a, &level) == 0 && rd_u8(&a, &desc) == 0)
				add_alert(c, s, rec, level, desc, false, false);
		}
		break;
	case TLS_CT_HANDSHAKE:
		if (encrypted) {
			on_encrypted_handshake(r, rec);
		} else if (midstream_encrypted_handshake(c, p, s, rec)) {
			/* Which encrypted message it is cannot be told. */
			conn_add_event(c, EV_ENC_HANDSHAKE, s, 0xff, rec->end.frame, rec->end.ts_ns, rec->hdr.length);
		} else if (rec->body) {
			struct msg_ctx m = { c, p, s, rec->hdr.version, false };
			tls_hs_stream_feed(&p->hs[s], rec->body, rec->body_len, &rec->start, &rec->end, on_message,
					   &m);
		}
		break;
	case TLS_CT_APPLICATION_DATA:
		c->app_records[s]++;
		c->app_bytes[s] += rec->hdr.length;
		conn_add_event(c, EV_APP_DATA, s, 0, rec->end.frame, rec->end.ts_ns, rec->hdr.length);
		break;
	case TLS_CT_SSLV2:
		on_sslv2_record(c, p, s, rec);
		break;
	default:
		break;
	}
}

static void on_resync(void *ctx, uint64_t skipped, const struct tcp_frame_ref *at)
{
	struct rec_ctx *r = ctx;
	r->c->resyncs++;
	r->c->resync_skipped_bytes += skipped;
}

/* A TLS record starts with a content type of 20 to 24 (or SSL 2.0's
 * length with the high bit set); a text protocol's reply starts with
 * letters or digits. */
static bool looks_like_text(const uint8_t *p, size_t n)
{
	if (n < 4)
		return false;
	for (size_t i = 0; i < 4; i++)
		if (p[i] < 0x20 || p[i] > 0x7e)
			return false;
	return true;
}

/* The server's first line when it answered the ClientHello with text. */
static void note_server_text(struct tls_conn *c, const uint8_t *p, size_t n, uint64_t frame)
{
	size_t k = 0;
	for (; k < n && k + 1 < sizeof c->server_text && p[k] >= 0x20 && p[k] <= 0x7e; k++)
		c->server_text[k] = (char)p[k];
	c->server_text[k] = 0;
	c->server_text_frame = frame;
}

void conn_feed(struct tls_conn *c, struct conn_parser *p, enum side s, const uint8_t *data, size_t n,
	       const struct tcp_frame_ref *at)
{
	if (s == SIDE_SERVER && p->rr[s].offset == 0 && !c->have_server_hello && !c->server_text[0] &&
	    looks_like_text(data, n))
		note_server_text(c, data, n, at->frame);
	struct rec_ctx r = { c, p, s };
	struct tls_record_sink sink = { &r, want_body, on_record, on_resync };
	tls_record_reader_feed(&p->rr[s], data, n, at, &sink);
}

uint64_t conn_opaque_ahead(const struct conn_parser *p, enum side s)
{
	return tls_record_reader_opaque_ahead(&p->rr[s]);
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

/* Did the key log show what encryption hides (the TLS 1.3 handshake from
 * the server's side, or the renegotiation)? */
static bool conn_seen_through(const struct tls_conn *c, const struct conn_parser *p)
{
	if (c->records_decrypted == 0 || c->decrypt_failed)
		return false;
	return !p->tls13_encrypted || c->finished_seen[SIDE_SERVER];
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
		tls_conn_note(c, NOTE_CLIENT_ANSWER_NOT_CAPTURED);
	} else if (c->n_requests > 0) {
		c->cc_status = CC_ABSENT;
	} else if (p->tls13_encrypted && c->resumed && !c->renegotiated && !conn_seen_through(c, p)) {
		/* A resumption's PSK handshake carries no CertificateRequest
		 * (RFC 8446, 4.3.2): known without seeing it. */
		c->cc_status = CC_NOT_REQUESTED;
		c->cc_visibility = VIS_INFERRED;
	} else if ((p->tls13_encrypted || (c->renegotiated && !c->n_requests)) && !conn_seen_through(c, p)) {
		c->cc_status = CC_UNKNOWN;
		c->cc_visibility = VIS_INFERRED;
	} else {
		c->cc_status = CC_NOT_REQUESTED;
	}
	for (size_t i = 0; i < c->n_alerts; i++)
		if (c->alerts[i].from == SIDE_CLIENT && c->alerts[i].description == TLS_ALERT_NO_CERTIFICATE)
			tls_conn_note(c, NOTE_SSL3_NO_CERTIFICATE_ALERT);
	if (c->end == END_CAPTURE_END) {
		for (size_t i = 0; i < c->n_alerts; i++)
			if (c->alerts[i].level == TLS_ALERT_LEVEL_FATAL) {
				c->end = END_ALERT;
				c->end_frame = c->alerts[i].frame;
				c->end_by = c->alerts[i].from;
				break;
			}
	}
}
