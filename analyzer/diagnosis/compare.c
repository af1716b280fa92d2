/* compare.c - match the connections of a client-side and a server-side
 * capture and derive the COMPARE_* findings (man page, COMPARE).
 *
 * Matching, most certain first:
 *  1. the ClientHello random: the same TLS session, whatever NAT did to the
 *     addresses; these pairs also give the clock offset (median);
 *  2. the same four-tuple, the server-side view starting while the
 *     client-side one lasts (the server cannot see it earlier);
 *  3. the same SNI (or, without one, the same server port), starting so:
 *     a NAT, or a proxy that terminates TLS (then the randoms differ).
 * Without a random in common, the offset is the one under which the most
 * connections line up. */
#include "diagnosis/compare.h"
#include "diagnosis/remedies.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <uthash.h>

#include "model/cert_cache.h"
#include "tls_names.h"

/* How far two views of one connection may disagree in time once the clock
 * offset is applied (capture timestamps, queueing in the middlebox). */
#define MATCH_TOLERANCE_NS (1000LL * 1000000LL)
#define MAX_OFFSET_CANDIDATES 64
#define MAX_EDGES (4u * 1000u * 1000u)
#define MAX_CANDIDATE_SCAN (1000u * 1000u)

void conn_list_take(void *ctx, const char *file_name, struct tls_conn *conn, const struct findings *f)
{
	struct conn_list *l = ctx;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		struct collected_conn *grown = realloc(l->items, cap * sizeof *grown);
		if (!grown) {
			l->out_of_memory = true;
			tls_conn_release(conn);
			free(conn);
			return;
		}
		l->items = grown;
		l->cap = cap;
	}
	struct collected_conn *it = &l->items[l->n++];
	it->conn = conn;
	it->findings = *f;
	it->file_name = file_name;
}

void conn_list_release(struct conn_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		tls_conn_release(l->items[i].conn);
		free(l->items[i].conn);
	}
	free(l->items);
	memset(l, 0, sizeof *l);
}

const char *compare_match_name(enum compare_match m)
{
	switch (m) {
	case MATCH_RANDOM:
		return "client_random";
	case MATCH_ADDRESSES:
		return "addresses";
	case MATCH_TIME:
		return "time";
	}
	return "time";
}

/* ---- matching ---- */

struct random_entry {
	uint8_t random[32];
	size_t index;
	UT_hash_handle hh;
};

static bool endpoint_equal(const struct endpoint *a, const struct endpoint *b)
{
	return a->port == b->port && ip_addr_cmp(&a->addr, &b->addr) == 0;
}

static bool same_tuple(const struct tls_conn *c, const struct tls_conn *s)
{
	return endpoint_equal(&c->client, &s->client) && endpoint_equal(&c->server, &s->server);
}

static const char *sni_of(const struct tls_conn *c)
{
	return c->have_client_hello && c->ch.sni[0] ? c->ch.sni : NULL;
}

/* Could these be two views of one connection (addresses aside from NAT)? */
static int compatible(const struct tls_conn *c, const struct tls_conn *s)
{
	if (same_tuple(c, s))
		return MATCH_ADDRESSES;
	const char *a = sni_of(c), *b = sni_of(s);
	if (a && b)
		return strcasecmp(a, b) == 0 ? MATCH_TIME : -1;
	if (a || b) /* one side has a name, the other not: only a ClientHello missed */
		return (!c->have_client_hello || !s->have_client_hello) && c->server.port == s->server.port ? MATCH_TIME
													  : -1;
	return c->server.port == s->server.port ? MATCH_TIME : -1;
}

/* The server side sees a connection only after the client opens it: its
 * view starts while the client-side one lasts (within the tolerance). The
 * server-side views are searched by start time. */
struct start_entry {
	int64_t first_ts_ns;
	size_t index;
};

static int cmp_start(const void *x, const void *y)
{
	const struct start_entry *a = x, *b = y;
	if (a->first_ts_ns != b->first_ts_ns)
		return a->first_ts_ns < b->first_ts_ns ? -1 : 1;
	return a->index < b->index ? -1 : a->index > b->index;
}

/* The first position whose view starts at or after t. */
static size_t first_from(const struct start_entry *by_start, size_t n, int64_t t)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (by_start[mid].first_ts_ns < t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The positions [*from, *to) of the server views starting during c. */
static void starting_during(const struct start_entry *by_start, size_t n, const struct tls_conn *c,
			    int64_t offset_ns, size_t *from, size_t *to)
{
	*from = first_from(by_start, n, c->first_ts_ns + offset_ns - MATCH_TOLERANCE_NS);
	*to = first_from(by_start, n, c->last_ts_ns + offset_ns + MATCH_TOLERANCE_NS + 1);
}

static int64_t abs64(int64_t v)
{
	return v < 0 ? -v : v;
}

static int cmp_i64(const void *x, const void *y)
{
	int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
	return a < b ? -1 : a > b;
}

struct edge {
	size_t ci, si;
	int kind;
	int64_t distance;
};

static int cmp_edge(const void *x, const void *y)
{
	const struct edge *a = x, *b = y;
	if (a->kind != b->kind)
		return a->kind - b->kind;
	if (a->distance != b->distance)
		return a->distance < b->distance ? -1 : 1;
	if (a->ci != b->ci)
		return a->ci < b->ci ? -1 : 1;
	return a->si < b->si ? -1 : a->si > b->si;
}

/* The state of matching the two lists. */
struct matcher {
	const struct conn_list *cl, *sl;
	size_t *c_match, *s_match;      /* owned; SIZE_MAX: not matched */
	enum compare_match *how;        /* owned; per client-side view, when matched */
	struct start_entry *by_start;   /* owned; the server side by start time */
};

/* How many unmatched client-side connections have a partner under offset. */
static size_t count_aligned(const struct matcher *m, int64_t offset_ns)
{
	size_t n = 0;
	for (size_t i = 0; i < m->cl->n; i++) {
		if (m->c_match[i] != SIZE_MAX)
			continue;
		const struct tls_conn *c = m->cl->items[i].conn;
		size_t from, to;
		starting_during(m->by_start, m->sl->n, c, offset_ns, &from, &to);
		for (size_t p = from; p < to; p++) {
			size_t j = m->by_start[p].index;
			if (m->s_match[j] == SIZE_MAX && compatible(c, m->sl->items[j].conn) >= 0) {
				n++;
				break;
			}
		}
	}
	return n;
}

/* ---- findings ---- */

struct fctx {
	struct compare_row *row;
	const struct tls_conn *c, *s;
	int64_t offset_ns;
	int64_t c_capture_last, s_capture_last; /* each file's last timestamp, own clock */
	/* The proxy authenticated to the server with its own certificate and
	 * was served (proxy_own_cert): what follows from that is normal. */
	bool own_cert;
	uint64_t served_frame;     /* server side: the answer that shows it */
	bool served_by_http;       /* a decrypted HTTP status, not data flow */
};

__attribute__((format(printf, 4, 5))) static struct compare_finding *add(struct fctx *x, enum finding_code code,
									    enum severity sev, const char *fmt, ...)
{
	struct compare_row *r = x->row;
	if (r->n_findings == COMPARE_MAX_FINDINGS)
		return NULL;
	struct compare_finding *f = &r->findings[r->n_findings++];
	memset(f, 0, sizeof *f);
	f->code = code;
	f->id = finding_info(code)->id;
	f->severity = sev;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(f->message, sizeof f->message, fmt, ap);
	va_end(ap);
	return f;
}

/* The fix from the remedies catalogue (remedies.def). */
static void remedy(struct compare_finding *f)
{
	if (f) {
		struct stack_id unknown;
		memset(&unknown, 0, sizeof unknown);
		remedy_format(f->remedy, sizeof f->remedy, f->id, &unknown, NULL);
	}
}

static void frame_on(struct compare_finding *f, enum side file_side, uint64_t frame)
{
	if (!f || !frame)
		return;
	if (file_side == SIDE_CLIENT && f->n_client_frames < COMPARE_MAX_FRAMES)
		f->client_frames[f->n_client_frames++] = frame;
	else if (file_side == SIDE_SERVER && f->n_server_frames < COMPARE_MAX_FRAMES)
		f->server_frames[f->n_server_frames++] = frame;
}

enum req_view { REQ_NONE, REQ_SEEN, REQ_INFERRED, REQ_NOT_VISIBLE };

/* Did this view of the connection show the server asking for a certificate? */
static enum req_view request_view(const struct tls_conn *c, uint64_t *frame)
{
	*frame = 0;
	if (c->n_requests > 0) {
		*frame = c->requests[0].frame;
		return REQ_SEEN;
	}
	if (c->hello_request_frame || (c->renegotiated && c->reneg_initiator == SIDE_SERVER)) {
		*frame = c->hello_request_frame ? c->hello_request_frame : c->first_reneg_frame;
		return REQ_INFERRED;
	}
	/* TLS 1.3 without keys, or a capture that missed the handshake. */
	if (!c->have_server_hello || c->midstream || c->cc_status == CC_UNKNOWN)
		return REQ_NOT_VISIBLE;
	return REQ_NONE;
}

static int64_t frame_time(const struct tls_conn *c, uint64_t frame)
{
	for (size_t i = 0; i < c->n_events; i++)
		if (c->events[i].frame == frame)
			return c->events[i].ts_ns;
	return c->last_ts_ns;
}

/* Whether the capture that holds c still ran at time t (its own clock):
 * otherwise what it lacks after t is not evidence. */
static bool covers(const struct tls_conn *c, int64_t capture_last_ns, int64_t t)
{
	if (c->end == END_FIN || c->end == END_RST || c->end == END_ALERT)
		return true;
	return c->last_ts_ns >= t || capture_last_ns >= t;
}

static const struct cert_info *leaf(const struct cert_chain *ch)
{
	return ch->n_kept > 0 && ch->certs[0].parsed ? &ch->certs[0] : NULL;
}

static bool chains_equal(const struct cert_chain *a, const struct cert_chain *b)
{
	if (a->n_certs != b->n_certs || a->n_kept != b->n_kept)
		return false;
	for (size_t i = 0; i < a->n_kept; i++) {
		if (a->certs[i].parsed != b->certs[i].parsed)
			return false;
		if (a->certs[i].parsed && memcmp(a->certs[i].sum->sha256, b->certs[i].sum->sha256, 32) != 0)
			return false;
	}
	return true;
}

/* Did the server serve the peer that sent it a certificate? With keys, the
 * first decrypted HTTP status says (2xx/3xx yes, 4xx/5xx no). Without, the
 * server sent application data after the client's Certificate, before any
 * alert of its own, the client sent application data too, and no alert was
 * fatal. *frame: the response, or the server's first data after the
 * certificate. */
static bool served_after_cert(const struct tls_conn *s, uint64_t *frame, bool *by_http)
{
	*frame = 0;
	*by_http = false;
	if (s->http_status) {
		*by_http = true;
		*frame = s->http_response_frame;
		return s->http_status >= 100 && s->http_status < 400;
	}
	for (size_t i = 0; i < s->n_alerts; i++)
		if (s->alerts[i].level == TLS_ALERT_LEVEL_FATAL)
			return false;
	bool client_data = false;
	for (size_t i = 0; i < s->n_events; i++) {
		const struct conn_event *e = &s->events[i];
		if (e->kind == EV_APP_DATA && e->from == SIDE_CLIENT)
			client_data = true;
		if (e->from != SIDE_SERVER || e->frame <= s->client_cert_frame || *frame)
			continue;
		if (e->kind == EV_ALERT || e->kind == EV_RST)
			return false; /* the server's answer to the certificate */
		if (e->kind == EV_APP_DATA)
			*frame = e->frame;
	}
	if (!*frame && s->events_dropped && s->finished_seen[SIDE_SERVER] && s->app_records[SIDE_SERVER]) {
		*frame = s->last_frame; /* the ladder is full; the counts still show data */
		client_data = s->app_records[SIDE_CLIENT] > 0;
	}
	return *frame && client_data;
}

/* A TLS-terminating proxy that presents its own client certificate to the
 * server (HAProxy `server ... crt`, nginx `proxy_ssl_certificate`): the
 * server side shows a certificate that is not the one the client sent (or
 * the client sent none), and the server served the proxy. */
static bool proxy_own_cert(struct fctx *x)
{
	const struct tls_conn *c = x->c, *s = x->s;
	if (!x->row->intercepted || s->cc_status != CC_PRESENT || c->cc_status == CC_UNKNOWN)
		return false;
	const struct cert_info *a = leaf(&c->client_chain), *b = leaf(&s->client_chain);
	if (!b || (c->cc_status == CC_PRESENT && (!a || memcmp(a->sum->sha256, b->sum->sha256, 32) == 0)))
		return false;
	return served_after_cert(s, &x->served_frame, &x->served_by_http);
}

static void check_proxy_own_cert(struct fctx *x)
{
	const struct tls_conn *c = x->c, *s = x->s;
	if (!x->own_cert)
		return;
	const struct cert_info *a = leaf(&c->client_chain), *b = leaf(&s->client_chain);
	char client_sent[X509_NAME_TEXT + 64];
	if (c->cc_status == CC_PRESENT && a)
		snprintf(client_sent, sizeof client_sent, "the client sent %s to the proxy", a->sum->subject);
	else if (c->cc_status == CC_NOT_REQUESTED)
		snprintf(client_sent, sizeof client_sent, "the proxy did not ask the client for one");
	else
		snprintf(client_sent, sizeof client_sent, "the client's answer to the proxy: %s",
			 cc_status_name(c->cc_status));
	struct compare_finding *f = add(
		x, FINDING_COMPARE_PROXY_OWN_CERT, SEV_INFO,
		"The proxy authenticates to the server with its own certificate %s (issuer %s; %s), and the server "
		"served it (%s, server-side frame %llu): a proxy that terminates TLS and presents its own client "
		"certificate to the backend. The server authorizes the proxy, not the client.",
		b->sum->subject, b->sum->issuer, client_sent,
		x->served_by_http ? "a decrypted HTTP success status" : "application data both ways, no alert",
		(unsigned long long)x->served_frame);
	frame_on(f, SIDE_CLIENT, c->client_cert_frame ? c->client_cert_frame : c->client_hello_frame);
	frame_on(f, SIDE_SERVER, s->client_cert_frame);
	frame_on(f, SIDE_SERVER, x->served_frame);
	remedy(f);
}

static void check_handshake(struct fctx *x)
{
	const struct tls_conn *c = x->c, *s = x->s;
	if (x->row->intercepted || !c->have_server_hello || !s->have_server_hello)
		return;
	bool same_random = c->have_client_hello && s->have_client_hello;
	bool sh_differs = memcmp(c->sh.random, s->sh.random, 32) != 0 || c->version != s->version ||
			  c->sh.cipher_suite != s->sh.cipher_suite;
	bool chain_differs = c->server_chain.n_certs && s->server_chain.n_certs &&
			     !chains_equal(&c->server_chain, &s->server_chain);
	if (!same_random || (!sh_differs && !chain_differs))
		return;
	struct compare_finding *f =
		add(x, FINDING_COMPARE_HANDSHAKE_MODIFIED, SEV_ERROR,
		    "Both captures carry the same ClientHello, but the server's answer differs (%s%s%s): something "
		    "between the two capture points rewrote the handshake, or the files are not of the same traffic.",
		    sh_differs ? "ServerHello" : "", sh_differs && chain_differs ? ", " : "",
		    chain_differs ? "certificate chain" : "");
	frame_on(f, SIDE_CLIENT, c->server_hello_frame);
	frame_on(f, SIDE_SERVER, s->server_hello_frame);
	remedy(f);
}

static void check_requests(struct fctx *x)
{
	const struct tls_conn *c = x->c, *s = x->s;
	uint64_t cf, sf;
	enum req_view cv = request_view(c, &cf), sv = request_view(s, &sf);
	if (x->own_cert) {
		/* The proxy answered the request with its own certificate: see
		 * COMPARE_PROXY_OWN_CERT. */
	} else if ((sv == REQ_SEEN || sv == REQ_INFERRED) && cv == REQ_NONE &&
		   covers(c, x->c_capture_last, frame_time(s, sf) - x->offset_ns)) {
		struct compare_finding *f = add(
			x, FINDING_COMPARE_CERT_REQUEST_STRIPPED, SEV_ERROR,
			"%s (server-side frame %llu), but the client saw no request: %s",
			sv == REQ_INFERRED ? "The server renegotiated after the client's request, encrypted, which is how "
					     "a late CertificateRequest looks"
			: s->requests[0].phase == PHASE_INITIAL      ? "The server sent a CertificateRequest in the handshake"
			: s->requests[0].phase == PHASE_RENEGOTIATION ? "The server sent a CertificateRequest by renegotiation"
								       : "The server sent a post-handshake CertificateRequest",
			(unsigned long long)sf,
			x->row->intercepted
				? "a proxy that terminates TLS received the request and answered it itself, so the "
				  "server never gets the client's certificate."
				: "a device between the capture points removed it.");
		frame_on(f, SIDE_SERVER, sf);
		frame_on(f, SIDE_CLIENT, c->server_hello_frame);
		remedy(f);
	} else if (cv == REQ_SEEN && (sv == REQ_NONE)) {
		struct compare_finding *f = add(
			x, FINDING_COMPARE_CERT_REQUEST_ADDED, x->row->intercepted ? SEV_WARNING : SEV_ERROR,
			"The client was asked for a certificate (client-side frame %llu) but the server side shows no "
			"request: %s",
			(unsigned long long)cf,
			x->row->intercepted ? "the proxy in between asks for it itself; the server never sees it."
					    : "a device between the capture points added it.");
		frame_on(f, SIDE_CLIENT, cf);
		frame_on(f, SIDE_SERVER, s->server_hello_frame);
		remedy(f);
	} else if (cv == REQ_SEEN && sv == REQ_SEEN) {
		const struct cert_request_fact *a = &c->requests[0], *b = &s->requests[0];
		size_t k = 0; /* the first name that differs */
		while (k < a->n_ca_names && k < b->n_ca_names && strcmp(a->ca_names[k], b->ca_names[k]) == 0)
			k++;
		if (k < a->n_ca_names || k < b->n_ca_names) {
			struct compare_finding *f =
				add(x, FINDING_COMPARE_CA_LIST_DIFFERS, SEV_WARNING,
				    "The CA list the client received (%zu names) differs from the one the server sent "
				    "(%zu names) from name %zu on (client side: %s; server side: %s): the client "
				    "chooses its certificate from the list it receives.",
				    a->n_ca_names, b->n_ca_names, k + 1, k < a->n_ca_names ? a->ca_names[k] : "none",
				    k < b->n_ca_names ? b->ca_names[k] : "none");
			frame_on(f, SIDE_CLIENT, a->frame);
			frame_on(f, SIDE_SERVER, b->frame);
			remedy(f);
		}
	}
}

static void check_client_cert(struct fctx *x)
{
	const struct tls_conn *c = x->c, *s = x->s;
	if (x->own_cert || c->cc_status == CC_UNKNOWN || s->cc_status == CC_UNKNOWN ||
	    c->cc_status == CC_NOT_REQUESTED || s->cc_status == CC_NOT_REQUESTED)
		return;
	const struct cert_info *a = leaf(&c->client_chain), *b = leaf(&s->client_chain);
	bool differ = c->cc_status != s->cc_status || (a && b && memcmp(a->sum->sha256, b->sum->sha256, 32) != 0);
	if (!differ)
		return;
	struct compare_finding *f = add(
		x, FINDING_COMPARE_CLIENT_CERT_DIFFERS, SEV_WARNING,
		"The client sent %s%s%s (client side) but the server received %s%s%s: the certificate was replaced or "
		"dropped in between.",
		cc_status_name(c->cc_status), a ? " " : "", a ? a->sum->subject : "", cc_status_name(s->cc_status),
		b ? " " : "", b ? b->sum->subject : "");
	frame_on(f, SIDE_CLIENT, c->client_cert_frame);
	frame_on(f, SIDE_SERVER, s->client_cert_frame);
	remedy(f);
}

static int64_t event_time(const struct tls_conn *c, enum ev_kind kind)
{
	for (size_t i = c->n_events; i-- > 0;)
		if (c->events[i].kind == kind)
			return c->events[i].ts_ns;
	return c->last_ts_ns;
}

/* Whether the host that sent the RST had sent its FIN before it: it closed,
 * then reset what still arrived (its peer's close_notify, a late request),
 * which is an ordinary end, not a reset from a device in between. Unknown
 * (the ladder dropped the end) counts as no. */
static bool fin_before_rst(const struct tls_conn *c)
{
	for (size_t i = 0; i < c->n_events; i++) {
		const struct conn_event *e = &c->events[i];
		if (e->kind == EV_RST && e->from == c->end_by && e->frame == c->end_frame)
			return false;
		if (e->kind == EV_FIN && e->from == c->end_by)
			return e->frame < c->end_frame;
	}
	return false;
}

/* A RST that one view shows coming from `from` and the other does not. */
static void check_rst(struct fctx *x, enum side file_side)
{
	const struct tls_conn *seen = file_side == SIDE_CLIENT ? x->c : x->s;
	const struct tls_conn *other = file_side == SIDE_CLIENT ? x->s : x->c;
	if (seen->end != END_RST)
		return;
	if (other->end == END_RST && other->end_by == seen->end_by)
		return;
	if (fin_before_rst(seen))
		return;
	int64_t t = event_time(seen, EV_RST);
	int64_t t_other = file_side == SIDE_CLIENT ? t + x->offset_ns : t - x->offset_ns;
	if (!covers(other, file_side == SIDE_CLIENT ? x->s_capture_last : x->c_capture_last, t_other))
		return;
	char how[96];
	if (other->end == END_RST)
		snprintf(how, sizeof how, "a RST from the %s", side_name(other->end_by));
	else
		snprintf(how, sizeof how, "no RST (%s)", conn_end_name(other->end));
	struct compare_finding *f = add(
		x, FINDING_COMPARE_RST_ONE_SIDE, SEV_ERROR,
		"The %s-side capture shows a RST from the %s (frame %llu, TTL %u); the %s-side capture shows %s: "
		"%s",
		side_name(file_side), side_name(seen->end_by), (unsigned long long)seen->end_frame, seen->rst_ttl,
		side_name(file_side == SIDE_CLIENT ? SIDE_SERVER : SIDE_CLIENT), how,
		x->row->intercepted ? "through a proxy that terminates TLS the two sides are separate TCP connections; "
				      "the proxy or a device on this side of it sent the RST, and it was not passed on."
				    : "a device between the capture points sent it (a firewall, IPS or load balancer).");
	frame_on(f, file_side, seen->end_frame);
	if (other->end_frame)
		frame_on(f, file_side == SIDE_CLIENT ? SIDE_SERVER : SIDE_CLIENT, other->end_frame);
	remedy(f);
}

/* Records of one direction in a view: handshake messages, CCS, alerts and
 * application data records. Returns the frame of record number `nth`
 * (0-based) in *frame_at when it exists. */
static uint64_t records_from(const struct tls_conn *c, enum side from, uint64_t nth, uint64_t *frame_at)
{
	uint64_t n = 0;
	*frame_at = 0;
	for (size_t i = 0; i < c->n_events; i++) {
		const struct conn_event *e = &c->events[i];
		if (e->from != from || e->kind == EV_GAP || e->kind == EV_RST || e->kind == EV_FIN)
			continue;
		uint64_t k = e->kind == EV_APP_DATA ? e->count : 1;
		if (!*frame_at && nth < n + k)
			*frame_at = e->frame;
		n += k;
	}
	return n;
}

static void check_lost(struct fctx *x, enum side dir)
{
	/* Only one TLS session seen twice has the same records on both sides. */
	if (x->row->intercepted)
		return;
	const struct tls_conn *sender = dir == SIDE_CLIENT ? x->c : x->s;
	const struct tls_conn *receiver = dir == SIDE_CLIENT ? x->s : x->c;
	if (sender->events_dropped || receiver->events_dropped || sender->gaps || receiver->gaps ||
	    sender->midstream || receiver->midstream)
		return;
	uint64_t first_missing, unused;
	uint64_t received = records_from(receiver, dir, 0, &unused);
	uint64_t sent = records_from(sender, dir, received, &first_missing);
	if (sent <= received || !first_missing)
		return;
	int64_t t = frame_time(sender, first_missing);
	int64_t t_recv = dir == SIDE_CLIENT ? t + x->offset_ns : t - x->offset_ns;
	if (!covers(receiver, dir == SIDE_CLIENT ? x->s_capture_last : x->c_capture_last, t_recv + MATCH_TOLERANCE_NS))
		return;
	enum side file_of_sender = dir;
	struct compare_finding *f = add(
		x, FINDING_COMPARE_RECORDS_LOST, SEV_WARNING,
		"The %s sent %llu TLS records (as seen in the %s-side capture) but only %llu arrived at the other "
		"capture point; the first missing one is in %s-side frame %llu.",
		side_name(dir), (unsigned long long)sent, side_name(file_of_sender), (unsigned long long)received,
		side_name(file_of_sender), (unsigned long long)first_missing);
	frame_on(f, file_of_sender, first_missing);
	frame_on(f, dir == SIDE_CLIENT ? SIDE_SERVER : SIDE_CLIENT, receiver->last_frame);
	remedy(f);
}

static void check_interception(struct fctx *x)
{
	const struct tls_conn *c = x->c, *s = x->s;
	if (!x->row->intercepted)
		return;
	const struct cert_info *a = leaf(&c->server_chain), *b = leaf(&s->server_chain);
	/* A proxy that terminates TLS with its own certificate both ways is
	 * not interception by itself; a TLS-inspection product's certificate
	 * towards the client is. */
	if (x->own_cert && !(a && a->shared && a->shared->inspection_product))
		return;
	bool chain_differs = c->server_chain.n_certs && s->server_chain.n_certs &&
			     !chains_equal(&c->server_chain, &s->server_chain);
	char certs[2 * X509_NAME_TEXT + 128] = "";
	if (chain_differs && a && b && snprintf(certs, sizeof certs, "; the client got the certificate %s (issuer %s), the server sent %s "
					     "(issuer %s)",
			 a->sum->subject, a->sum->issuer, b->sum->subject, b->sum->issuer) < 0)
		certs[0] = '\0';
	else if (chain_differs && !(a && b))
		snprintf(certs, sizeof certs, "; the server certificate chains differ");
	struct compare_finding *f =
		add(x, FINDING_COMPARE_TLS_INTERCEPTED, SEV_WARNING,
		    "The two sides are different TLS sessions (the ClientHello randoms differ%s): a device in between "
		    "terminates TLS (TLS-inspecting proxy, load balancer, WAF) and opens its own connection to the "
		    "server.",
		    certs);
	frame_on(f, SIDE_CLIENT, c->client_hello_frame);
	frame_on(f, SIDE_SERVER, s->client_hello_frame);
	if (chain_differs) {
		frame_on(f, SIDE_CLIENT, c->server_cert_frame);
		frame_on(f, SIDE_SERVER, s->server_cert_frame);
	}
	remedy(f);
}

static void sort_findings(struct compare_row *r)
{
	/* Stable by severity, most severe first; the order of the checks keeps
	 * root causes ahead within one severity. */
	for (size_t i = 1; i < r->n_findings; i++) {
		struct compare_finding t = r->findings[i];
		size_t j = i;
		while (j > 0 && r->findings[j - 1].severity < t.severity) {
			r->findings[j] = r->findings[j - 1];
			j--;
		}
		r->findings[j] = t;
	}
}

static void pair_findings(struct compare_row *r, const struct tls_conn *c, const struct tls_conn *s,
			  int64_t offset_ns, int64_t c_capture_last, int64_t s_capture_last)
{
	struct fctx x = { r, c, s, offset_ns, c_capture_last, s_capture_last, false, 0, false };
	x.own_cert = proxy_own_cert(&x);
	check_handshake(&x);
	check_requests(&x);
	check_client_cert(&x);
	check_rst(&x, SIDE_CLIENT);
	check_rst(&x, SIDE_SERVER);
	check_lost(&x, SIDE_CLIENT);
	check_lost(&x, SIDE_SERVER);
	check_interception(&x);
	check_proxy_own_cert(&x);
	sort_findings(r);
}

static void lone_finding(struct compare_row *r, const struct tls_conn *c, enum side file_side, int64_t other_first,
			 int64_t other_last, bool other_empty)
{
	struct fctx x = { r, NULL, NULL, 0, 0, 0, false, 0, false };
	bool outside = other_empty || c->last_ts_ns < other_first || c->first_ts_ns > other_last;
	struct compare_finding *f;
	if (file_side == SIDE_CLIENT) {
		f = add(&x, FINDING_COMPARE_ONLY_CLIENT_SIDE, outside ? SEV_INFO : SEV_WARNING,
			"This connection is in the client-side capture only%s",
			outside ? ", outside the time the server-side capture covers."
				: ": it did not reach the server's capture point (blocked, or answered by a device in "
				  "between), or that capture's filter or interface left it out.");
		remedy(f);
	} else {
		f = add(&x, FINDING_COMPARE_ONLY_SERVER_SIDE, SEV_INFO,
			"This connection is in the server-side capture only%s",
			outside ? ", outside the time the client-side capture covers."
				: ": it came from another client, or the client-side capture missed it.");
		remedy(f);
	}
	frame_on(f, file_side, c->tls_first_frame ? c->tls_first_frame : c->first_frame);
}

/* ---- the whole comparison ---- */

static void span(const struct conn_list *l, int64_t offset_ns, int64_t *first, int64_t *last)
{
	*first = INT64_MAX;
	*last = INT64_MIN;
	for (size_t i = 0; i < l->n; i++) {
		if (l->items[i].conn->first_ts_ns - offset_ns < *first)
			*first = l->items[i].conn->first_ts_ns - offset_ns;
		if (l->items[i].conn->last_ts_ns - offset_ns > *last)
			*last = l->items[i].conn->last_ts_ns - offset_ns;
	}
}

static int64_t estimate_by_random(const struct matcher *m, size_t *samples)
{
	const struct conn_list *cl = m->cl, *sl = m->sl;
	const size_t *c_match = m->c_match;
	size_t n = 0;
	for (size_t i = 0; i < cl->n; i++)
		n += c_match[i] != SIZE_MAX;
	*samples = n;
	if (!n)
		return 0;
	int64_t *d = malloc(n * sizeof *d);
	if (!d) {
		*samples = 0;
		return 0;
	}
	size_t k = 0;
	for (size_t i = 0; i < cl->n; i++)
		if (c_match[i] != SIZE_MAX)
			d[k++] = sl->items[c_match[i]].conn->client_hello_ts_ns - cl->items[i].conn->client_hello_ts_ns;
	qsort(d, n, sizeof *d, cmp_i64);
	int64_t med = n % 2 ? d[n / 2] : d[n / 2 - 1] + (d[n / 2] - d[n / 2 - 1]) / 2;
	free(d);
	return med;
}

static int64_t estimate_by_alignment(const struct matcher *m, size_t *samples)
{
	const struct conn_list *cl = m->cl, *sl = m->sl;
	const size_t *c_match = m->c_match, *s_match = m->s_match;
	int64_t cand[MAX_OFFSET_CANDIDATES];
	size_t nc = 0, scanned = 0;
	cand[nc++] = 0;
	for (size_t i = 0; i < cl->n && nc < MAX_OFFSET_CANDIDATES && scanned < MAX_CANDIDATE_SCAN; i++) {
		if (c_match[i] != SIZE_MAX)
			continue;
		for (size_t j = 0; j < sl->n && nc < MAX_OFFSET_CANDIDATES && scanned++ < MAX_CANDIDATE_SCAN; j++) {
			if (s_match[j] != SIZE_MAX || compatible(cl->items[i].conn, sl->items[j].conn) < 0)
				continue;
			int64_t d = sl->items[j].conn->first_ts_ns - cl->items[i].conn->first_ts_ns;
			bool dup = false;
			for (size_t k = 0; k < nc && !dup; k++)
				dup = abs64(cand[k] - d) < 1000000; /* 1 ms */
			if (!dup)
				cand[nc++] = d;
		}
	}
	/* cand[0] is 0: clocks that agree. Any single connection lines up
	 * under some offset, so another offset must line up at least two, and
	 * more than 0 does. */
	int64_t best = 0;
	size_t best_n = count_aligned(m, 0);
	for (size_t k = 1; k < nc; k++) {
		size_t n = count_aligned(m, cand[k]);
		if (n >= 2 && (n > best_n || (n == best_n && abs64(cand[k]) < abs64(best)))) {
			best = cand[k];
			best_n = n;
		}
	}
	*samples = best_n;
	return best_n ? best : 0;
}

/* Nothing matched yet; the server side sorted by start time. -1 when out
 * of memory (m can be released either way). */
static int matcher_init(struct matcher *m, const struct conn_list *cl, const struct conn_list *sl)
{
	m->cl = cl;
	m->sl = sl;
	m->c_match = malloc((cl->n + 1) * sizeof *m->c_match);
	m->s_match = malloc((sl->n + 1) * sizeof *m->s_match);
	m->how = malloc((cl->n + 1) * sizeof *m->how);
	m->by_start = malloc((sl->n + 1) * sizeof *m->by_start);
	if (!m->c_match || !m->s_match || !m->how || !m->by_start)
		return -1;
	for (size_t i = 0; i < cl->n; i++)
		m->c_match[i] = SIZE_MAX;
	for (size_t j = 0; j < sl->n; j++) {
		m->s_match[j] = SIZE_MAX;
		m->by_start[j] = (struct start_entry){ sl->items[j].conn->first_ts_ns, j };
	}
	if (sl->n)
		qsort(m->by_start, sl->n, sizeof *m->by_start, cmp_start);
	return 0;
}

static void matcher_release(struct matcher *m)
{
	free(m->c_match);
	free(m->s_match);
	free(m->how);
	free(m->by_start);
}

static void match_pair(struct matcher *m, size_t i, size_t j, enum compare_match how)
{
	m->c_match[i] = j;
	m->s_match[j] = i;
	m->how[i] = how;
}

/* 1. The ClientHello random: each client-side view with the first
 * server-side view that has its random. -1 when out of memory. */
static int match_by_random(struct matcher *m, struct compare_result *out)
{
	const struct conn_list *cl = m->cl, *sl = m->sl;
	struct random_entry *by_random = NULL, *entries = calloc(sl->n + 1, sizeof *entries);
	if (!entries)
		return -1;
	for (size_t j = 0; j < sl->n; j++) {
		const struct tls_conn *s = sl->items[j].conn;
		struct random_entry *e;
		if (!s->have_client_hello)
			continue;
		HASH_FIND(hh, by_random, s->ch.random, 32, e);
		if (e)
			continue;
		e = &entries[j];
		memcpy(e->random, s->ch.random, 32);
		e->index = j;
		HASH_ADD(hh, by_random, random, 32, e);
	}
	for (size_t i = 0; i < cl->n; i++) {
		const struct tls_conn *c = cl->items[i].conn;
		struct random_entry *e;
		if (!c->have_client_hello)
			continue;
		HASH_FIND(hh, by_random, c->ch.random, 32, e);
		if (e && m->s_match[e->index] == SIZE_MAX) {
			match_pair(m, i, e->index, MATCH_RANDOM);
			out->by_random++;
		}
	}
	HASH_CLEAR(hh, by_random);
	free(entries);
	return 0;
}

/* 2. The clock offset: from the pairs by random, else by alignment. */
static void estimate_offset(const struct matcher *m, struct compare_result *out)
{
	out->offset_ns = estimate_by_random(m, &out->offset_samples);
	out->offset_from = out->offset_samples ? OFFSET_RANDOM : OFFSET_NONE;
	if (!out->offset_samples) {
		out->offset_ns = estimate_by_alignment(m, &out->offset_samples);
		out->offset_from = out->offset_samples ? OFFSET_ALIGNED : OFFSET_NONE;
	}
}

/* Every pair of unmatched views that could be one connection under the
 * offset, up to MAX_EDGES, into *edges (owned by the caller, also when
 * this fails). -1 when out of memory. */
static int candidate_edges(const struct matcher *m, int64_t offset_ns, struct edge **edges, size_t *n_edges)
{
	const struct conn_list *cl = m->cl, *sl = m->sl;
	size_t cap_edges = 0;
	*n_edges = 0;
	for (size_t i = 0; i < cl->n; i++) {
		if (m->c_match[i] != SIZE_MAX)
			continue;
		const struct tls_conn *c = cl->items[i].conn;
		size_t from, to;
		starting_during(m->by_start, sl->n, c, offset_ns, &from, &to);
		for (size_t p = from; p < to && *n_edges < MAX_EDGES; p++) {
			size_t j = m->by_start[p].index;
			const struct tls_conn *s = sl->items[j].conn;
			int kind;
			if (m->s_match[j] != SIZE_MAX || (kind = compatible(c, s)) < 0)
				continue;
			if (*n_edges == cap_edges) {
				size_t cap = cap_edges ? cap_edges * 2 : 64;
				struct edge *grown = realloc(*edges, cap * sizeof *grown);
				if (!grown)
					return -1;
				*edges = grown;
				cap_edges = cap;
			}
			(*edges)[(*n_edges)++] =
				(struct edge){ i, j, kind, abs64(s->first_ts_ns - offset_ns - c->first_ts_ns) };
		}
	}
	return 0;
}

/* 3. Addresses, then time: the closest candidates first. -1 when out of
 * memory. */
static int match_closest(struct matcher *m, struct compare_result *out)
{
	struct edge *edges = NULL;
	size_t n_edges;
	if (candidate_edges(m, out->offset_ns, &edges, &n_edges) != 0) {
		free(edges);
		return -1;
	}
	if (n_edges)
		qsort(edges, n_edges, sizeof *edges, cmp_edge);
	for (size_t k = 0; k < n_edges; k++) {
		const struct edge *e = &edges[k];
		if (m->c_match[e->ci] != SIZE_MAX || m->s_match[e->si] != SIZE_MAX)
			continue;
		match_pair(m, e->ci, e->si, (enum compare_match)e->kind);
		if (e->kind == MATCH_ADDRESSES)
			out->by_addresses++;
		else
			out->by_time++;
	}
	free(edges);
	return 0;
}

static void pair_row(const struct matcher *m, size_t i, struct compare_result *out)
{
	struct compare_row *r = &out->rows[out->n_rows++];
	const struct tls_conn *c = m->cl->items[i].conn, *s = m->sl->items[m->c_match[i]].conn;
	r->client_i = i;
	r->server_i = m->c_match[i];
	r->how = m->how[i];
	r->nat = !same_tuple(c, s);
	r->intercepted = c->have_client_hello && s->have_client_hello && memcmp(c->ch.random, s->ch.random, 32);
	pair_findings(r, c, s, out->offset_ns, m->cl->capture_last_ns, m->sl->capture_last_ns);
	out->n_pairs++;
}

/* 4. Rows: pairs in client-side order, then each side's lone ones. */
static void add_rows(const struct matcher *m, struct compare_result *out)
{
	const struct conn_list *cl = m->cl, *sl = m->sl;
	int64_t c_first, c_last, s_first, s_last;
	span(cl, 0, &c_first, &c_last);
	span(sl, out->offset_ns, &s_first, &s_last);
	for (size_t i = 0; i < cl->n; i++)
		if (m->c_match[i] != SIZE_MAX)
			pair_row(m, i, out);
	for (size_t i = 0; i < cl->n; i++) {
		if (m->c_match[i] != SIZE_MAX)
			continue;
		struct compare_row *r = &out->rows[out->n_rows++];
		r->client_i = i;
		r->server_i = SIZE_MAX;
		lone_finding(r, cl->items[i].conn, SIDE_CLIENT, s_first, s_last, sl->n == 0);
		out->client_only++;
	}
	for (size_t j = 0; j < sl->n; j++) {
		if (m->s_match[j] != SIZE_MAX)
			continue;
		struct compare_row *r = &out->rows[out->n_rows++];
		r->client_i = SIZE_MAX;
		r->server_i = j;
		/* the client-side span on the server's clock */
		lone_finding(r, sl->items[j].conn, SIDE_SERVER, c_first + out->offset_ns, c_last + out->offset_ns,
			     cl->n == 0);
		out->server_only++;
	}
}

static void count_findings(struct compare_result *out)
{
	for (size_t k = 0; k < out->n_rows; k++) {
		for (size_t f = 0; f < out->rows[k].n_findings; f++) {
			int sev = (int)out->rows[k].findings[f].severity;
			if (sev > out->worst_severity)
				out->worst_severity = sev;
			out->n_findings++;
		}
	}
}

int compare_conns(const struct conn_list *cl, const struct conn_list *sl, struct compare_result *out)
{
	memset(out, 0, sizeof *out);
	out->worst_severity = -1;
	struct matcher m;
	int rc = matcher_init(&m, cl, sl);
	out->rows = calloc(cl->n + sl->n + 1, sizeof *out->rows);
	if (!out->rows)
		rc = -1;
	if (rc == 0)
		rc = match_by_random(&m, out);
	if (rc == 0) {
		estimate_offset(&m, out);
		rc = match_closest(&m, out);
	}
	if (rc == 0) {
		add_rows(&m, out);
		count_findings(out);
	}
	matcher_release(&m);
	if (rc) {
		free(out->rows);
		out->rows = NULL;
		out->n_rows = 0;
	}
	return rc;
}

void compare_result_release(struct compare_result *r)
{
	free(r->rows);
	r->rows = NULL;
	r->n_rows = 0;
}
