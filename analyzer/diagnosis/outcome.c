/* outcome.c - one outcome per connection: did the client authenticate
 * with a certificate, and if not, what stopped it. Decided from the
 * strongest evidence there is: decrypted facts, then explicit alerts and
 * HTTP statuses, then inference from record sizes and timing. */
#include "diagnosis/outcome.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "diagnosis/evidence.h"
#include "http2.h"
#include "tls_names.h"

const char *outcome_name(enum outcome_kind k)
{
	static const char *const names[OUTCOME_KIND_COUNT] = {
		[OUTCOME_AUTHENTICATED] = "authenticated",
		[OUTCOME_REJECTED] = "rejected",
		[OUTCOME_NO_CERTIFICATE] = "no_certificate",
		[OUTCOME_NOT_REQUESTED] = "not_requested",
		[OUTCOME_FAILED_BEFORE_REQUEST] = "failed_before_request",
		[OUTCOME_UNKNOWN] = "unknown",
	};
	return (unsigned)k < OUTCOME_KIND_COUNT ? names[k] : "unknown";
}

const char *outcome_failure_name(enum outcome_failure f)
{
	return f == FAILURE_YES ? "yes" : f == FAILURE_NO ? "no" : "undetermined";
}

static void proof(struct outcome *o, uint64_t frame)
{
	if (!frame || o->n_frames == OUTCOME_MAX_FRAMES)
		return;
	for (size_t i = 0; i < o->n_frames; i++)
		if (o->frames[i] == frame)
			return;
	o->frames[o->n_frames++] = frame;
}

__attribute__((format(printf, 5, 6))) static void set(struct outcome *o, enum outcome_kind kind,
						      enum outcome_failure failure, enum visibility vis,
						      const char *fmt, ...)
{
	o->kind = kind;
	o->failure = failure;
	o->visibility = vis;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(o->reason, sizeof o->reason, fmt, ap);
	va_end(ap);
}

/* What the client answered, and how we know. */
struct answer {
	enum cc_status status;     /* CC_UNKNOWN when not even inferred */
	enum visibility vis;
	uint64_t frame;
	bool requested;
	enum visibility request_vis;
	uint64_t request_frame;
};

static void read_answer(const struct tls_conn *c, struct answer *a)
{
	memset(a, 0, sizeof *a);
	a->status = c->cc_status;
	a->vis = c->cc_visibility;
	a->frame = c->client_cert_frame;
	if (c->n_requests) {
		const struct cert_request_fact *r = &c->requests[c->n_requests - 1];
		a->requested = true;
		a->request_vis = r->visibility;
		a->request_frame = r->frame;
		if (a->status == CC_NOT_REQUESTED)
			a->status = CC_ABSENT;
		return;
	}
	if (a->status == CC_PRESENT || a->status == CC_EMPTY) {
		/* A Certificate without a visible request (capture started late). */
		a->requested = true;
		a->request_vis = VIS_INFERRED;
		return;
	}
	a->vis = VIS_INFERRED;
	if (c->resumed) {
		a->status = CC_NOT_REQUESTED;
		return;
	}
	if (conn_is_tls13(c) && !conn_decrypted(c)) {
		uint64_t req, ans;
		const char *pha = tls13_infer_post_handshake(c, &req, &ans, NULL);
		if (pha) {
			a->requested = true;
			a->request_vis = VIS_INFERRED;
			a->request_frame = req;
			a->status = strcmp(pha, "present") == 0 ? CC_PRESENT : CC_EMPTY;
			a->frame = ans;
			return;
		}
		const char *hs = tls13_infer_handshake_auth(c);
		if (strcmp(hs, "present") == 0 || strcmp(hs, "empty") == 0) {
			a->requested = true;
			a->request_vis = VIS_INFERRED;
			a->request_frame = c->server_hello_frame;
			a->status = hs[0] == 'p' ? CC_PRESENT : CC_EMPTY;
			a->frame = c->server_reply_frame;
			return;
		}
		a->status = strcmp(hs, "not_requested") == 0 ? CC_NOT_REQUESTED : CC_UNKNOWN;
		return;
	}
	/* A renegotiation read with keys that carried no request asked for
	 * nothing; without its server flight, it is how a late request looks. */
	if (server_started_renegotiation(c) && !reneg_server_flight_decrypted(c)) {
		a->requested = true;
		a->request_vis = VIS_INFERRED;
		a->request_frame = c->hello_request_frame ? c->hello_request_frame : c->first_reneg_frame;
		size_t records;
		uint64_t bytes;
		enum reneg_answer ans = judge_reneg_answer(c, &records, &bytes);
		a->frame = c->reneg_client_flight_frame;
		a->status = ans == ANSWER_CERTIFICATE      ? CC_PRESENT
			    : ans == ANSWER_NO_CERTIFICATE ? CC_EMPTY
			    : ans == ANSWER_UNSEEN         ? CC_ABSENT
							   : CC_UNKNOWN;
		return;
	}
	a->status = c->cc_status == CC_UNKNOWN ? CC_UNKNOWN : CC_NOT_REQUESTED;
}

/* How the server answered what the client sent: an explicit refusal, an
 * acceptance, or nothing visible. */
enum verdict { V_NONE, V_REFUSED, V_ACCEPTED, V_CUT };

struct server_verdict {
	enum verdict v;
	enum visibility vis;
	uint64_t frame;
	char what[96];
};

__attribute__((format(printf, 5, 6))) static void set_verdict(struct server_verdict *sv, enum verdict v,
								enum visibility vis, uint64_t frame,
								const char *fmt, ...)
{
	sv->v = v;
	sv->vis = vis;
	sv->frame = frame;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(sv->what, sizeof sv->what, fmt, ap);
	va_end(ap);
}

/* A server's fatal alert after the client had closed its side of a
 * finished handshake the server had already answered with data: its
 * reaction to the close (OpenSSL 3 sends decode_error when the peer
 * closes without close_notify), not a refusal. */
static bool alert_answers_close(const struct tls_conn *c, const struct alert_fact *al)
{
	uint64_t client_fin = 0;
	for (size_t i = 0; i < c->n_events && !client_fin; i++)
		if (c->events[i].kind == EV_FIN && c->events[i].from == SIDE_CLIENT)
			client_fin = c->events[i].frame;
	if (!client_fin || al->frame < client_fin || !handshake_completed(c))
		return false;
	uint64_t served = first_app_frame_after(c, SIDE_SERVER, 0);
	return served && served < client_fin;
}

static bool refused_by_alert(const struct tls_conn *c, const struct answer *a, struct server_verdict *sv)
{
	const struct alert_fact *al = fatal_alert_from(c, SIDE_SERVER);
	if (!al || al->encrypted || al->level != TLS_ALERT_LEVEL_FATAL || alert_answers_close(c, al))
		return false;
	set_verdict(sv, V_REFUSED, al->visibility, al->frame, "a fatal %s alert",
		    tls_alert_name((uint8_t)al->description));
	return true;
}

static bool refused_by_http(const struct tls_conn *c, const struct answer *a, struct server_verdict *sv)
{
	uint64_t f;
	int status = http_refusal_status(c, &f);
	if (!status)
		return false;
	set_verdict(sv, V_REFUSED, VIS_DECRYPTED, f, "HTTP %d", status);
	return true;
}

/* An HTTP/2 stream reset with HTTP_1_1_REQUIRED: the server wants the
 * request again over HTTP/1.1, where it can renegotiate. */
static bool refused_by_http2_reset(const struct tls_conn *c, const struct answer *a, struct server_verdict *sv)
{
	if (!c->http)
		return false;
	for (size_t i = 0; i < c->http->n; i++) {
		const struct http_exchange *ex = &c->http->ex[i];
		if (ex->reset_frame && ex->reset_error == HTTP2_HTTP_1_1_REQUIRED) {
			set_verdict(sv, V_REFUSED, VIS_DECRYPTED, ex->reset_frame,
				    "RST_STREAM HTTP_1_1_REQUIRED on HTTP/2 stream %u", ex->stream_id);
			return true;
		}
	}
	return false;
}

static bool served_by_http(const struct tls_conn *c, const struct answer *a, struct server_verdict *sv)
{
	uint64_t f;
	int status = http_success_status(c, &f);
	if (!status)
		return false;
	set_verdict(sv, V_ACCEPTED, VIS_DECRYPTED, f, "HTTP %d", status);
	return true;
}

/* TLS 1.3 without keys: an alert-sized record after the client's flight,
 * then a close. */
static bool refused_by_tls13_alert_size(const struct tls_conn *c, const struct answer *a, struct server_verdict *sv)
{
	if (!conn_is_tls13(c) || conn_decrypted(c) || !tls13_alert_after_client_flight(c))
		return false;
	set_verdict(sv, V_REFUSED, VIS_INFERRED, c->server_reply_frame,
		    "an alert-sized record (%u bytes) and a close", c->server_reply_len);
	return true;
}

static bool refused_by_encrypted_alert(const struct tls_conn *c, const struct answer *a, struct server_verdict *sv)
{
	const struct alert_fact *enc = encrypted_alert_after_reneg_answer(c);
	if (!enc)
		return false;
	set_verdict(sv, V_REFUSED, VIS_INFERRED, enc->frame, "an encrypted alert and a close");
	return true;
}

/* The handshake (or, for a late request, the renegotiation) finished:
 * accepted, unless a TLS 1.3 post-handshake answer was never followed up. */
static bool finished_after_answer(const struct tls_conn *c, const struct answer *a, struct server_verdict *sv)
{
	bool late = a->request_frame && a->request_frame > c->server_hello_frame && !conn_is_tls13(c) &&
		    (server_started_renegotiation(c));
	if (!(late ? renegotiation_accepted(c) : handshake_completed(c)))
		return false;
	/* TLS 1.3: the server's data after the client's post-handshake answer. */
	uint64_t after = a->frame ? a->frame : a->request_frame;
	uint64_t data = first_app_frame_after(c, SIDE_SERVER, after);
	set_verdict(sv, V_ACCEPTED,
		    a->vis == VIS_DECRYPTED ? VIS_DECRYPTED : a->vis == VIS_CLEARTEXT ? VIS_CLEARTEXT : VIS_INFERRED,
		    data, "%s", late ? "the renegotiation finished" : "the handshake finished");
	if (!data && conn_is_tls13(c) && !conn_decrypted(c) && a->frame && a->frame > c->server_reply_frame &&
	    c->end != END_CAPTURE_END) {
		/* A post-handshake answer the server never followed up. */
		sv->v = V_CUT;
		sv->frame = c->end_frame;
	}
	return true;
}

static bool cut_by_end(const struct tls_conn *c, const struct answer *a, struct server_verdict *sv)
{
	if (c->end != END_FIN && c->end != END_RST && c->end != END_ALERT)
		return false;
	set_verdict(sv, V_CUT, VIS_CLEARTEXT, c->end_frame, "the connection ended (%s by the %s)",
		    conn_end_name(c->end), side_name(c->end_by));
	return true;
}

/* How the server answered, strongest evidence first: the first rule that
 * applies decides; when none does, the verdict is V_NONE. */
static bool (*const verdict_rules[])(const struct tls_conn *, const struct answer *, struct server_verdict *) = {
	refused_by_alert,
	refused_by_http,
	refused_by_http2_reset,
	served_by_http,
	refused_by_tls13_alert_size,
	refused_by_encrypted_alert,
	finished_after_answer,
	cut_by_end,
};

static void read_verdict(const struct tls_conn *c, const struct answer *a, struct server_verdict *sv)
{
	memset(sv, 0, sizeof *sv);
	for (size_t i = 0; i < sizeof verdict_rules / sizeof verdict_rules[0]; i++)
		if (verdict_rules[i](c, a, sv))
			return;
}

static const char *answer_words(enum cc_status s)
{
	return s == CC_PRESENT ? "sent a certificate" : s == CC_EMPTY ? "sent an empty Certificate" : "sent no Certificate";
}

/* The client's request (its first data after the handshake; a 19-byte
 * TLS 1.3 record is a close_notify, not a request) that the server left
 * unanswered, ending the connection itself: 0 when none. */
static uint64_t unanswered_request(const struct tls_conn *c)
{
	if ((c->end != END_RST && c->end != END_FIN) || c->end_by != SIDE_SERVER)
		return 0;
	if (conn_decrypted(c)) {
		if (!c->http_request_frame || c->http_response_frame)
			return 0;
		return first_app_frame_after(c, SIDE_SERVER, c->http_request_frame) ? 0 : c->http_request_frame;
	}
	uint64_t after = conn_is_tls13(c) ? c->server_reply_frame : 0;
	if (conn_is_tls13(c) && !after)
		return 0;
	uint64_t request = 0;
	for (size_t i = 0; i < c->n_events; i++) {
		const struct conn_event *e = &c->events[i];
		if (e->kind != EV_APP_DATA || e->frame <= after)
			continue;
		bool close_notify = conn_is_tls13(c) && e->count == 1 && tls13_alert_sized(e->bytes);
		if (e->from == SIDE_CLIENT && !request && !close_notify)
			request = e->frame;
		else if (e->from == SIDE_SERVER && request)
			return 0;
	}
	return request;
}

/* Inferred when any part was, else decrypted when any part was, else as
 * the client's answer was seen. */
static enum visibility overall_visibility(const struct answer *a, const struct server_verdict *sv)
{
	if (sv->vis == VIS_INFERRED || a->request_vis == VIS_INFERRED)
		return VIS_INFERRED;
	if (sv->vis == VIS_DECRYPTED || a->vis == VIS_DECRYPTED)
		return VIS_DECRYPTED;
	return a->vis;
}

/* Asked, the client sent a certificate: the server's verdict decides. */
static void certificate_sent(struct outcome *o, const struct server_verdict *sv, enum visibility vis)
{
	if (sv->v == V_REFUSED)
		set(o, OUTCOME_REJECTED, FAILURE_YES, vis,
		    "The client sent a certificate and the server refused it with %s.", sv->what);
	else if (sv->v == V_ACCEPTED)
		set(o, OUTCOME_AUTHENTICATED, FAILURE_NO, vis, "The client sent a certificate and %s%s.",
		    sv->what[0] == 'H' ? "the server answered " : "", sv->what);
	else if (sv->v == V_CUT)
		set(o, OUTCOME_UNKNOWN, FAILURE_YES, vis,
		    "The client sent a certificate, then %s before the server accepted it.",
		    sv->what[0] ? sv->what : "the connection ended");
	else
		set(o, OUTCOME_UNKNOWN, FAILURE_UNDETERMINED, vis,
		    "The client sent a certificate; the server's answer is not in the capture.");
}

/* Asked, the client sent an empty Certificate or none: the server's
 * verdict decides; served over HTTP means the certificate is optional. */
static void no_certificate_sent(struct outcome *o, const struct answer *a, const struct server_verdict *sv,
				enum visibility vis)
{
	const char *sent = answer_words(a->status);
	if (sv->v == V_ACCEPTED && sv->what[0] == 'H')
		set(o, OUTCOME_NO_CERTIFICATE, FAILURE_NO, vis,
		    "The server asked, the client %s, and the server still served the request (%s): the "
		    "certificate is optional here.",
		    sent, sv->what);
	else if (sv->v == V_ACCEPTED)
		set(o, OUTCOME_NO_CERTIFICATE, FAILURE_UNDETERMINED, vis,
		    "The server asked, the client %s, and %s: the server either serves without a "
		    "certificate or refuses in its HTTP answer (encrypted).",
		    sent, sv->what);
	else if (sv->v == V_REFUSED)
		set(o, OUTCOME_NO_CERTIFICATE, FAILURE_YES, vis,
		    "The server asked, the client %s, and the server refused with %s.", sent, sv->what);
	else if (sv->v == V_CUT)
		set(o, OUTCOME_NO_CERTIFICATE, FAILURE_YES, vis, "The server asked, the client %s, and %s.", sent,
		    sv->what);
	else
		set(o, OUTCOME_NO_CERTIFICATE, FAILURE_UNDETERMINED, vis,
		    "The server asked and the client %s; what followed is not in the capture.", sent);
}

/* The server asked (seen or inferred): the client's answer decides. */
static void when_requested(const struct answer *a, const struct server_verdict *sv, struct outcome *o)
{
	proof(o, a->request_frame);
	proof(o, a->frame);
	proof(o, sv->frame);
	enum visibility vis = overall_visibility(a, sv);
	if (a->status == CC_PRESENT)
		certificate_sent(o, sv, vis);
	else if (a->status == CC_EMPTY || a->status == CC_ABSENT)
		no_certificate_sent(o, a, sv, vis);
	else
		set(o, OUTCOME_UNKNOWN, FAILURE_UNDETERMINED, VIS_INFERRED,
		    "The server asked for a certificate; the client's answer is not visible (encrypted, or not captured).");
}

/* Not asked, and the handshake ended before it finished: by an alert, or
 * by the connection's end. */
static void failed_before_request(const struct tls_conn *c, struct outcome *o)
{
	const struct alert_fact *al = fatal_alert_from(c, SIDE_SERVER);
	if (!al)
		al = fatal_alert_from(c, SIDE_CLIENT);
	/* A client's alert after the server had already hung up is its
	 * complaint about that, not the cause. */
	if (al && al->from == SIDE_CLIENT && (c->end == END_FIN || c->end == END_RST) && c->end_by == SIDE_SERVER &&
	    c->end_frame && c->end_frame < al->frame)
		al = NULL;
	proof(o, al ? al->frame : 0);
	proof(o, c->end_frame);
	if (al && !al->encrypted)
		set(o, OUTCOME_FAILED_BEFORE_REQUEST, FAILURE_YES, al->visibility,
		    "The handshake failed before any certificate request: the %s sent a fatal %s alert.",
		    side_name(al->from), tls_alert_name((uint8_t)al->description));
	else
		set(o, OUTCOME_FAILED_BEFORE_REQUEST, FAILURE_YES, VIS_CLEARTEXT,
		    "The connection ended (%s by the %s) before the handshake finished and before any "
		    "certificate request.",
		    conn_end_name(c->end), side_name(c->end_by));
}

/* Not asked, and the handshake finished (or was resumed, or the capture
 * ends in it): the first rule that applies decides. */
static void when_not_requested(const struct tls_conn *c, const struct server_verdict *sv, struct outcome *o)
{
	proof(o, c->server_hello_frame);
	if (sv->v == V_REFUSED) {
		proof(o, sv->frame);
		set(o, OUTCOME_NOT_REQUESTED, FAILURE_YES, sv->vis,
		    "The server never asked for a certificate and refused the request with %s.", sv->what);
		return;
	}
	if (sv->v == V_ACCEPTED && sv->what[0] == 'H') {
		proof(o, sv->frame);
		set(o, OUTCOME_NOT_REQUESTED, FAILURE_NO, VIS_DECRYPTED,
		    "The server never asked for a certificate and served the request (%s).", sv->what);
		return;
	}
	uint64_t unanswered = unanswered_request(c);
	if (unanswered) {
		proof(o, unanswered);
		proof(o, c->end_frame);
		set(o, OUTCOME_NOT_REQUESTED, FAILURE_YES, conn_decrypted(c) ? VIS_DECRYPTED : VIS_INFERRED,
		    "The server never asked for a certificate, and after the client's request it %s the connection "
		    "without answering.",
		    c->end == END_RST ? "reset" : "closed");
		return;
	}
	if (c->resumed) {
		set(o, OUTCOME_NOT_REQUESTED, FAILURE_NO, VIS_CLEARTEXT,
		    "A resumed session: no certificate is asked for; the original session's certificate applies.");
		return;
	}
	set(o, OUTCOME_NOT_REQUESTED, conn_decrypted(c) ? FAILURE_NO : FAILURE_UNDETERMINED,
	    conn_decrypted(c) ? VIS_DECRYPTED : conn_is_tls13(c) ? VIS_INFERRED : VIS_CLEARTEXT,
	    conn_decrypted(c) ? "The server never asked for a client certificate on this connection."
			      : "The server never asked for a client certificate on this connection; whether it served "
				"the request is encrypted.");
}

/* The rules in order, the first that applies deciding: a capture that
 * missed the handshake; a request, seen or inferred (the client's answer
 * decides); no request visible at all; a handshake that failed before
 * any request; then a connection the server did not ask. */
void decide_outcome(const struct tls_conn *c, struct outcome *o)
{
	memset(o, 0, sizeof *o);
	struct answer a;
	read_answer(c, &a);
	struct server_verdict sv;
	read_verdict(c, &a, &sv);
	o->requested = a.requested;
	o->request_inferred = a.requested && a.request_vis == VIS_INFERRED;
	o->answer = a.status;

	if (c->midstream && !a.requested && !c->have_client_hello) {
		set(o, OUTCOME_UNKNOWN, FAILURE_UNDETERMINED, VIS_INFERRED,
		    "The capture started after the handshake: the certificate exchange is not in it.");
		proof(o, c->first_frame);
	} else if (a.requested) {
		when_requested(&a, &sv, o);
	} else if (a.status == CC_UNKNOWN) {
		proof(o, c->server_hello_frame);
		set(o, OUTCOME_UNKNOWN, sv.v == V_REFUSED || sv.v == V_CUT ? FAILURE_YES : FAILURE_UNDETERMINED,
		    VIS_INFERRED, "Whether the server asked for a certificate cannot be seen (encrypted, no keys).");
	} else if (!handshake_completed(c) && !c->resumed && c->end != END_CAPTURE_END) {
		failed_before_request(c, o);
	} else {
		when_not_requested(c, &sv, o);
	}
}
