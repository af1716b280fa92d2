/* diagnose.c - when each finding of the catalogue (findings.def, the man
 * page's FINDINGS) applies. Each rule reads the model and adds at most
 * one finding; the list is then sorted so that findings[0] answers "why". */
#include "diagnosis/diagnose.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/x509_vfy.h>

#include "model/cert_cache.h"
#include "diagnosis/evidence.h"
#include "http2.h"
#include "diagnosis/outcome.h"
#include "diagnosis/remedies.h"
#include "tls_names.h"

/* A finding whose severity depends on the connection (its rule in
 * findings.def names several), with the catalogue's rank, or its rank for
 * the milder form when `mild`. */
static struct finding *add_as(struct findings *out, enum finding_code code, enum severity sev, bool mild)
{
	if (out->n == FINDINGS_MAX)
		return NULL;
	const struct finding_info *info = finding_info(code);
	struct finding *f = &out->items[out->n++];
	memset(f, 0, sizeof *f);
	f->code = code;
	f->id = info->id;
	f->severity = sev;
	f->rank = mild ? info->mild_rank : info->rank;
	return f;
}

/* A finding with the one severity the catalogue gives it. */
static struct finding *add(struct findings *out, enum finding_code code)
{
	return add_as(out, code, finding_severity(code), false);
}

static void frame(struct finding *f, uint64_t fr)
{
	if (f && fr && f->n_frames < FINDING_MAX_FRAMES)
		f->frames[f->n_frames++] = fr;
}

__attribute__((format(printf, 3, 4))) static void text(char *buf, size_t n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, n, fmt, ap);
	va_end(ap);
}

static uint64_t first_app_frame(const struct tls_conn *c, enum side s)
{
	return first_app_frame_after(c, s, 0);
}

static void late_request(const struct tls_conn *c, struct findings *out)
{
	const struct cert_request_fact *reneg_cr = NULL;
	bool initial_cr = false;
	for (size_t i = 0; i < c->n_requests; i++) {
		if (c->requests[i].phase == PHASE_INITIAL)
			initial_cr = true;
		else if (c->requests[i].phase == PHASE_RENEGOTIATION && !reneg_cr)
			reneg_cr = &c->requests[i];
	}
	if (initial_cr || conn_is_tls13(c))
		return;
	bool server_reneg = (c->renegotiated && c->reneg_initiator == SIDE_SERVER) || c->hello_request_frame || reneg_cr;
	if (!server_reneg || (!reneg_cr && reneg_server_flight_decrypted(c)))
		return;
	uint64_t req = first_app_frame(c, SIDE_CLIENT);
	/* The mechanism failed when the client never took part in the
	 * renegotiation (no ClientHello of its own); when it did, the late
	 * request worked and what the client sent decides. */
	bool client_took_part = c->n_reneg_hs[SIDE_CLIENT] > 0 || c->n_client_hellos > 1 || c->n_cc_msgs > 0;
	struct finding *f = add_as(out, FINDING_LATE_CERT_REQUEST_RENEGOTIATION,
				   client_took_part ? SEV_WARNING : SEV_ERROR, client_took_part);
	if (!f)
		return;
	frame(f, req);
	frame(f, c->hello_request_frame ? c->hello_request_frame : c->first_reneg_frame);
	if (reneg_cr)
		frame(f, reneg_cr->frame);
	size_t records;
	uint64_t bytes;
	enum reneg_answer answer = reneg_cr ? ANSWER_UNSEEN : judge_reneg_answer(c, &records, &bytes);
	char answer_text[200] = "";
	if (answer != ANSWER_UNSEEN) {
		frame(f, c->reneg_client_flight_frame);
		text(answer_text, sizeof answer_text, " The client's answer in the renegotiation, %zu records of %llu bytes, %s.",
		     records, (unsigned long long)bytes,
		     answer == ANSWER_CERTIFICATE      ? "is large enough to carry a certificate"
		     : answer == ANSWER_NO_CERTIFICATE ? "is too small to carry a certificate (none, or an empty Certificate)"
						       : "may or may not carry a certificate");
	}
	text(f->message, sizeof f->message,
	     "The server did not ask for a client certificate in the handshake; it asked only later, by "
	     "renegotiation after the client's request (%s). Many clients fail here (HTTP/2, TLS 1.3, large "
	     "request bodies, clients without renegotiation).%s",
	     reneg_cr ? "the CertificateRequest is visible after decryption"
		      : "inferred from encrypted handshake records after application data",
	     answer_text);
	if (c->have_server_hello && strcmp(c->sh.alpn, "h2") == 0) {
		struct finding *h2 = add(out, FINDING_RENEGOTIATION_UNDER_HTTP2);
		if (!h2)
			return;
		frame(h2, c->server_hello_frame);
		frame(h2, c->hello_request_frame ? c->hello_request_frame : c->first_reneg_frame);
		text(h2->message, sizeof h2->message,
		     "HTTP/2 was negotiated (ALPN h2), and HTTP/2 forbids renegotiation (RFC 9113 9.2.1): the "
		     "late certificate request cannot work on this connection.");
	}
}

/* With keys, the HTTP answer that followed (a 403 after an empty
 * certificate) is part of the proof. */
static void add_http_answer(const struct tls_conn *c, struct finding *f)
{
	if (!f || !c->http_response_frame)
		return;
	size_t used = strlen(f->message);
	/* The refusal, when one of the exchanges was refused; else the first answer. */
	uint64_t refusal_frame;
	int refusal = http_refusal_status(c, &refusal_frame);
	const struct http_exchange *x = NULL;
	for (size_t i = 0; refusal && c->http && i < c->http->n && !x; i++)
		if (c->http->ex[i].response_frame == refusal_frame)
			x = &c->http->ex[i];
	if (x && refusal_frame != c->http_response_frame) {
		snprintf(f->message + used, sizeof f->message - used,
			 " The server then answered HTTP %d to %s %s (decrypted).", refusal, x->method, x->path);
		frame(f, refusal_frame);
		return;
	}
	snprintf(f->message + used, sizeof f->message - used, " The server then answered '%s' (decrypted).",
		 c->http_response);
	frame(f, c->http_response_frame);
}

static void empty_or_absent(const struct tls_conn *c, struct findings *out)
{
	if (c->n_requests == 0)
		return;
	const struct cert_request_fact *r = &c->requests[c->n_requests - 1];
	if (c->cc_status == CC_EMPTY) {
		/* Decrypted, a success status shows the certificate was optional. */
		/* Served anyway: the certificate was optional. Not visible: the
		 * likely cause if the request failed, but it may not have. */
		enum outcome_failure failure = out->outcome.failure;
		struct finding *f = add_as(out, FINDING_CLIENT_CERT_EMPTY,
					   failure == FAILURE_NO    ? SEV_INFO
					   : failure == FAILURE_YES ? SEV_ERROR
								    : SEV_WARNING,
					   false);
		if (!f)
			return;
		frame(f, r->frame);
		frame(f, c->client_cert_frame);
		if (r->n_ca_names)
			text(f->message, sizeof f->message,
			     "The server asked for a certificate issued under %zu listed CA(s) and the client answered "
			     "with an empty Certificate: it had no suitable certificate (none chaining to a listed CA, "
			     "no clientAuth EKU, expired), or could not use its private key.",
			     r->n_ca_names);
		else
			text(f->message, sizeof f->message,
			     "The server asked for a certificate (with no CA list) and the client answered with an "
			     "empty Certificate: it had no usable certificate or no access to its private key.");
		add_http_answer(c, f);
	} else if (c->cc_status == CC_ABSENT) {
		bool ssl3 = tls_conn_has_note(c, NOTE_SSL3_NO_CERTIFICATE_ALERT);
		bool ended = c->end == END_RST || c->end == END_FIN;
		struct finding *f = add_as(out, FINDING_CLIENT_CERT_NOT_SENT, ended ? SEV_ERROR : SEV_WARNING, !ended);
		if (!f)
			return;
		frame(f, r->frame);
		frame(f, c->end_frame);
		text(f->message, sizeof f->message, "%s",
		     ssl3 ? "The server asked for a certificate and the SSL 3.0 client said it has none "
			    "(no_certificate alert)."
			  : "The server asked for a certificate and the client never answered with a Certificate "
			    "message.");
		add_http_answer(c, f);
	}
}

static void ca_list(const struct tls_conn *c, struct findings *out)
{
	for (size_t i = 0; i < c->n_requests; i++) {
		const struct cert_request_fact *r = &c->requests[i];
		if (r->parse_error)
			continue;
		if (r->n_ca_names == 0) {
			bool hurt = c->cc_status == CC_EMPTY;
			struct finding *f = add_as(out, FINDING_CA_LIST_EMPTY, hurt ? SEV_WARNING : SEV_INFO, !hurt);
			if (!f)
				return;
			frame(f, r->frame);
			text(f->message, sizeof f->message,
			     "The CertificateRequest carries no trusted issuer list (the default of Windows Server "
			     "2012 and later). That is legal: the client may offer any certificate, but it cannot tell "
			     "which one the server will accept.");
			return;
		}
		if (r->ca_list_bytes > 12 * 1024 || r->records > 1) {
			struct finding *f = add_as(out, FINDING_CA_LIST_TOO_LARGE,
						   r->ca_list_bytes > 16 * 1024 ? SEV_WARNING : SEV_INFO, false);
			if (!f)
				return;
			frame(f, r->frame);
			text(f->message, sizeof f->message,
			     "The trusted issuer list is %zu bytes (%zu names, %u records). Schannel truncates lists "
			     "over 16 KB (event 36885) and some clients fail on large lists.",
			     r->ca_list_bytes, r->n_ca_names, r->records);
			return;
		}
	}
}

static void client_chain(const struct tls_conn *c, struct findings *out)
{
	if (c->cc_status != CC_PRESENT || c->client_chain.n_kept == 0 || !c->client_chain.certs[0].parsed)
		return;
	const struct x509_summary *leaf = c->client_chain.certs[0].sum;
	int64_t now = conn_capture_time(c);
	if (leaf->has_eku && !(leaf->eku & (X509_EKU_CLIENT_AUTH | X509_EKU_ANY))) {
		struct finding *f = add(out, FINDING_CLIENT_CERT_NO_CLIENTAUTH_EKU);
		if (f) {
			frame(f, c->client_cert_frame);
			text(f->message, sizeof f->message,
			     "The client certificate %s has an Extended Key Usage without Client Authentication.",
			     leaf->subject);
		}
	}
	int validity = cert_validity_at(leaf, now);
	if (validity > 0) {
		struct finding *f = add(out, FINDING_CLIENT_CERT_EXPIRED);
		if (f) {
			frame(f, c->client_cert_frame);
			text(f->message, sizeof f->message,
			     "The client certificate %s expired on %s, before this capture was taken.", leaf->subject,
			     leaf->not_after);
		}
	} else if (validity < 0) {
		struct finding *f = add(out, FINDING_CLIENT_CERT_NOT_YET_VALID);
		if (f) {
			frame(f, c->client_cert_frame);
			text(f->message, sizeof f->message,
			     "The client certificate %s is valid only from %s, after this capture was taken.",
			     leaf->subject, leaf->not_before);
		}
	}
	/* Does the chain reach a DN of the (last) request's list? */
	if (client_chain_reaches_list(c) != 0)
		return;
	const struct cert_request_fact *r = &c->requests[c->n_requests - 1];
	const struct x509_summary *last = c->client_chain.certs[c->client_chain.n_kept - 1].sum;
	/* On a rejected connection this is the likely reason for the refusal
	 * (nginx, for one, answers 400 after the handshake). */
	struct finding *f = add_as(out, FINDING_CLIENT_CHAIN_NOT_IN_CA_LIST,
				   out->outcome.kind == OUTCOME_REJECTED ? SEV_ERROR : SEV_WARNING, false);
	if (!f)
		return;
	frame(f, r->frame);
	frame(f, c->client_cert_frame);
	text(f->message, sizeof f->message,
	     "No certificate of the client's chain is issued by a CA the server listed (the chain ends at issuer "
	     "%s).%s",
	     last->issuer,
	     c->client_chain.n_kept == 1 && !leaf->self_signed
		     ? " The client sent only its own certificate: an intermediate may be missing."
		     : "");
	if (out->outcome.kind == OUTCOME_REJECTED)
		add_http_answer(c, f);
}

/* --trust: what OpenSSL says when it verifies the client chain as the
 * server would, at the capture time; its X509_V_ERR_* code picks the
 * remedy. */
static void chain_verdict(const struct tls_conn *c, struct findings *out)
{
	const struct chain_verdict *v = c->client_verify;
	if (!v || v->ok)
		return;
	struct finding *f = add(out, FINDING_CLIENT_CHAIN_UNTRUSTED);
	if (!f)
		return;
	switch (v->error) {
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
		f->remedy_variant = "issuer_missing";
		break;
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
		f->remedy_variant = "untrusted_root";
		break;
	case X509_V_ERR_CERT_NOT_YET_VALID:
	case X509_V_ERR_CERT_HAS_EXPIRED:
		f->remedy_variant = "validity";
		break;
	case X509_V_ERR_INVALID_PURPOSE:
		f->remedy_variant = "purpose";
		break;
	default:
		break;
	}
	frame(f, c->client_cert_frame);
	text(f->message, sizeof f->message,
	     "Verified against the --trust bundle at the capture time, the client chain fails: \"%s\" (OpenSSL "
	     "error %d) at depth %d, %s (issuer %s).",
	     v->error_text, v->error, v->depth, v->subject[0] ? v->subject : "the client certificate",
	     v->issuer[0] ? v->issuer : "unknown");
}

/* TLS 1.2 encrypts the alerts of a renegotiation; only the record type
 * shows. An alert from the server right after the client's answer, with no
 * data from the server in between and the connection then ended, is the
 * server refusing that answer. */
static void server_alert_in_renegotiation(const struct tls_conn *c, struct findings *out)
{
	/* A client-initiated renegotiation asks for nothing: its outcome says
	 * nothing about a certificate. */
	if (!server_started_renegotiation(c))
		return;
	const struct alert_fact *a = encrypted_alert_after_reneg_answer(c);
	if (!a)
		return;
	size_t records;
	uint64_t bytes;
	enum reneg_answer answer = judge_reneg_answer(c, &records, &bytes);
	if (answer == ANSWER_CERTIFICATE) {
		struct finding *f = add(out, FINDING_SERVER_REJECTED_CLIENT_CERT);
		if (!f)
			return;
		f->remedy_variant = "inferred";
		frame(f, c->reneg_client_flight_frame);
		frame(f, a->frame);
		text(f->message, sizeof f->message,
		     "Inferred from encrypted records: in the renegotiation the client answered with %llu bytes, "
		     "enough for a certificate, and the server answered with an (encrypted) alert and closed: it "
		     "most likely rejected the certificate (unknown_ca, bad_certificate, certificate_expired, ...).",
		     (unsigned long long)bytes);
	} else if (answer == ANSWER_NO_CERTIFICATE) {
		struct finding *f = add_as(out, FINDING_CLIENT_CERT_EMPTY, SEV_ERROR, false);
		if (!f)
			return;
		frame(f, c->reneg_client_flight_frame);
		frame(f, a->frame);
		text(f->message, sizeof f->message,
		     "Inferred from encrypted records: in the renegotiation the client answered with only %llu "
		     "bytes, too few for a certificate (none or an empty one), and the server answered with an "
		     "(encrypted) alert and closed.",
		     (unsigned long long)bytes);
	}
}

/* TLS 1.3 post-handshake authentication, seen decrypted: the TLS 1.3
 * form of the late request, which browsers do not answer. */
static void post_handshake_request(const struct tls_conn *c, struct findings *out)
{
	const struct cert_request_fact *r = NULL;
	for (size_t i = 0; i < c->n_requests && !r; i++)
		if (c->requests[i].phase == PHASE_POST_HANDSHAKE)
			r = &c->requests[i];
	if (!r || !conn_is_tls13(c))
		return;
	bool offered = c->have_client_hello && c->ch.has_post_handshake_auth;
	bool h2 = c->have_server_hello && strcmp(c->sh.alpn, "h2") == 0;
	struct finding *f =
		add_as(out, FINDING_TLS13_POST_HANDSHAKE_REQUEST, offered && !h2 ? SEV_WARNING : SEV_ERROR, false);
	if (!f)
		return;
	frame(f, first_app_frame(c, SIDE_CLIENT));
	frame(f, r->frame);
	frame(f, c->client_cert_frame);
	text(f->message, sizeof f->message,
	     "The server asked for the client certificate only after the TLS 1.3 handshake (post-handshake "
	     "authentication, decrypted), %s.%s",
	     !offered ? "although the client did not offer post_handshake_auth: a protocol violation it must "
			"answer with unexpected_message"
	     : h2     ? "under HTTP/2, which forbids it (RFC 8740)"
		      : "which this client supports, but browsers do not (Chromium never, Firefox only when "
			"enabled)",
	     c->cc_status == CC_EMPTY     ? " The client answered with an empty Certificate."
	     : c->cc_status == CC_PRESENT ? " The client answered with its certificate."
	     : c->cc_status == CC_ABSENT  ? " The client never answered with a Certificate."
					  : "");
}

/* The fatal alerts that refuse a client certificate, and what each says.
 * The remedy is the catalogue's variant named after the alert
 * ("SERVER_REJECTED_CLIENT_CERT/unknown_ca"), or the finding's own rows
 * when the catalogue has none for it. */
static const struct rejection {
	uint8_t alert;
	const char *why;
} rejections[] = {
	{ TLS_ALERT_UNKNOWN_CA, "the server does not trust the CA that issued the client certificate" },
	{ TLS_ALERT_CERTIFICATE_EXPIRED, "the server found the client certificate expired" },
	{ TLS_ALERT_CERTIFICATE_REVOKED, "the client certificate is revoked" },
	{ TLS_ALERT_UNSUPPORTED_CERTIFICATE,
	  "the client certificate is not allowed for client authentication (EKU or key usage)" },
	{ TLS_ALERT_BAD_CERTIFICATE,
	  "the server rejected the client certificate (bad certificate, not yet valid or untrusted)" },
	{ TLS_ALERT_CERTIFICATE_UNKNOWN, "the server could not accept the client certificate (unspecified reason)" },
	{ TLS_ALERT_ACCESS_DENIED, "the certificate is valid but access was refused" },
	{ TLS_ALERT_DECRYPT_ERROR, "the CertificateVerify signature did not verify (wrong key or broken signature)" },
	{ TLS_ALERT_HANDSHAKE_FAILURE, "the handshake failed (often: a required certificate missing)" },
	{ TLS_ALERT_CERTIFICATE_REQUIRED, "the server requires a client certificate and got none" },
};

/* What an alert of the table says, or NULL when it is not in it. */
static const char *reason_of(const struct rejection *table, size_t n, int alert)
{
	for (size_t i = 0; i < n; i++)
		if (alert == table[i].alert)
			return table[i].why;
	return NULL;
}

static void server_alert(const struct tls_conn *c, struct findings *out)
{
	const struct alert_fact *a = fatal_alert_from(c, SIDE_SERVER);
	if (a && a->encrypted) {
		server_alert_in_renegotiation(c, out);
		return;
	}
	if (!a || c->n_requests == 0)
		return;
	const char *why = reason_of(rejections, sizeof rejections / sizeof rejections[0], a->description);
	if (!why)
		return;
	/* After an empty Certificate, handshake_failure says what
	 * certificate_required says in TLS 1.3. */
	if (a->description == TLS_ALERT_HANDSHAKE_FAILURE && c->cc_status == CC_EMPTY)
		why = "the server requires a client certificate and got none";
	struct finding *f = add(out, FINDING_SERVER_REJECTED_CLIENT_CERT);
	if (!f)
		return;
	f->remedy_variant = tls_alert_name((uint8_t)a->description);
	frame(f, c->client_cert_frame);
	frame(f, a->frame);
	text(f->message, sizeof f->message, "The server ended the handshake with a fatal %s alert: %s.",
	     tls_alert_name((uint8_t)a->description), why);
}

/* Whether the connection ended during certificate negotiation: after a
 * request (or a renegotiation), *neg its frame, and before the server
 * sent application data again or either side a fatal alert. */
static bool ended_during_negotiation(const struct tls_conn *c, uint64_t *neg)
{
	*neg = c->n_requests ? c->requests[c->n_requests - 1].frame : c->renegotiated ? c->first_reneg_frame : 0;
	uint64_t server_app_after = first_app_frame_after(c, SIDE_SERVER, *neg);
	/* Negotiation is over once the handshake (or the renegotiation that
	 * asked) finished: a close after that is an ordinary close. */
	bool finished = c->n_requests && c->requests[c->n_requests - 1].phase == PHASE_INITIAL ? handshake_completed(c)
			: c->renegotiated ? renegotiation_accepted(c)
					  : false;
	return *neg && c->end_frame > *neg && !server_app_after && !finished && !fatal_alert_from(c, SIDE_SERVER) &&
	       !fatal_alert_from(c, SIDE_CLIENT);
}

/* Enough packets to know the sender's habit, and the RST breaks it twice:
 * its IP ID does not continue the count, and it lacks the DF bit the host
 * sets on everything. (Real stacks often send RSTs with an ID of their
 * own, e.g. Linux 0, but with DF.) */
static bool rst_ipid_differs(const struct tls_conn *c, const struct ipid_pattern *ids)
{
	return c->rst_ipv4 && ids->packets >= 3 && ids->df_always && !c->rst_df &&
	       ((ids->all_zero && c->rst_ip_id != 0) ||
		(!ids->all_zero && ids->sequential && (uint16_t)(c->rst_ip_id - ids->last) > IPID_MAX_STEP));
}

/* A RST whose TTL or IP ID does not fit its sender's other packets.
 * Returns whether it did not fit (reported, or the list was full). */
static bool injected_rst(const struct tls_conn *c, bool during, struct findings *out)
{
	enum side by = c->end_by;
	const struct ipid_pattern *ids = &c->ipid[by];
	bool ttl_differs = c->ttl_known[by] && abs((int)c->rst_ttl - (int)c->usual_ttl[by]) > 1;
	bool ipid_differs = rst_ipid_differs(c, ids);
	if (!ttl_differs && !ipid_differs)
		return false;
	struct finding *f = add(out, FINDING_RST_INJECTED);
	if (!f)
		return true;
	char ttl_text[96] = "", id_text[160] = "";
	if (ttl_differs)
		text(ttl_text, sizeof ttl_text, "TTL %u where its other packets have TTL %u", c->rst_ttl,
		     c->usual_ttl[by]);
	if (ipid_differs && ids->all_zero)
		text(id_text, sizeof id_text, "IP ID %u and no DF bit where its other packets have IP ID 0 and DF",
		     c->rst_ip_id);
	else if (ipid_differs)
		text(id_text, sizeof id_text,
		     "IP ID %u and no DF bit where its other %u packets, all with DF, count up to %u", c->rst_ip_id,
		     ids->packets, ids->last);
	frame(f, c->end_frame);
	text(f->message, sizeof f->message,
	     "The reset that ended the connection claims to come from the %s but has %s%s%s: "
	     "a device in the path (firewall, proxy, IPS) most likely injected it%s.",
	     side_name(by), ttl_text, ttl_differs && ipid_differs ? ", and " : "", id_text,
	     during ? ", during certificate negotiation" : "");
	return true;
}

/* A RST or FIN during certificate negotiation (neg: its start). */
static void closed_during_negotiation(const struct tls_conn *c, uint64_t neg, struct findings *out)
{
	struct finding *f =
		add(out, c->end == END_RST ? FINDING_RST_DURING_CERT_NEGOTIATION : FINDING_FIN_DURING_CERT_NEGOTIATION);
	if (!f)
		return;
	f->remedy_variant = side_name(c->end_by); /* whose fix: "client" or "server" */
	frame(f, neg);
	frame(f, c->end_frame);
	text(f->message, sizeof f->message,
	     "The %s %s the connection during client-certificate negotiation, before the server sent any "
	     "response (on IIS this shows as a 500 with win32 status 64, or 0x800703E3, before the 403.7).",
	     side_name(c->end_by), c->end == END_RST ? "reset" : "closed");
}

/* How TCP ended the connection: an injected RST says the most; else a
 * RST or FIN during certificate negotiation. */
static void transport(const struct tls_conn *c, struct findings *out)
{
	if (c->end != END_RST && c->end != END_FIN)
		return;
	uint64_t neg;
	bool during = ended_during_negotiation(c, &neg);
	if (c->end == END_RST && injected_rst(c, during, out))
		return;
	if (during)
		closed_during_negotiation(c, neg, out);
}

/* TLS 1.3 cannot renegotiate: a server that decides only after the request
 * that it needs a certificate (IIS SslNegotiateCert without
 * clientcertnegotiation) resets the connection or answers 500 instead.
 * Seen as: no request in the handshake, the client's request, then the
 * server ends the connection without a response. */
static void tls13_late_negotiation(const struct tls_conn *c, struct findings *out)
{
	if (!conn_is_tls13(c) || c->resumed || (c->end != END_RST && c->end != END_FIN) || c->end_by != SIDE_SERVER)
		return;
	uint64_t request = 0, response = 0;
	if (conn_decrypted(c)) {
		if (c->n_requests || !c->http_request_frame)
			return;
		request = c->http_request_frame;
		if (c->http_response_frame && c->http_status != 500)
			return;
		response = c->http_response_frame;
	} else {
		if (strcmp(tls13_infer_handshake_auth(c), "not_requested") != 0 || !c->server_reply_frame)
			return;
		/* The request: the client's first record after the server's
		 * answer to its Finished (tickets); then nothing from the server. */
		for (size_t i = 0; i < c->n_events; i++) {
			const struct conn_event *e = &c->events[i];
			if (e->kind != EV_APP_DATA || e->frame <= c->server_reply_frame)
				continue;
			/* A 19-byte record is the client's close_notify, not a request. */
			if (e->from == SIDE_CLIENT && !request && !(e->count == 1 && tls13_alert_sized(e->bytes)))
				request = e->frame;
			else if (e->from == SIDE_SERVER && request)
				return;
		}
		if (!request)
			return;
	}
	struct finding *f = add(out, FINDING_TLS13_LATE_CERT_NEGOTIATION);
	if (!f)
		return;
	frame(f, request);
	frame(f, response);
	frame(f, c->end_frame);
	text(f->message, sizeof f->message,
	     "TLS 1.3 without a CertificateRequest in the handshake; after the client's request the server %s "
	     "(%s). This is what IIS/HTTP.SYS does when a URL needs a client certificate the binding did not "
	     "negotiate up front: TLS 1.3 has no renegotiation (Windows Server 2022 resets, 2025 answers 500).",
	     response ? "answered 500" : c->end == END_RST ? "reset the connection without answering"
							   : "closed the connection without answering",
	     conn_decrypted(c) ? "decrypted" : "inferred from record sizes");
}

static void no_request(const struct tls_conn *c, struct findings *out)
{
	if (c->n_requests || c->resumed || c->renegotiated || c->hello_request_frame || (conn_is_tls13(c) && !conn_decrypted(c)) ||
	    !c->have_server_hello || c->midstream)
		return;
	/* Only a handshake we saw whole: the server's Certificate flight. */
	if (!c->server_cert_frame)
		return;
	struct finding *f = add(out, FINDING_NO_CERT_REQUEST);
	if (!f)
		return;
	frame(f, c->server_hello_frame);
	text(f->message, sizeof f->message,
	     "The server never asked for a client certificate on this connection: not in the handshake and not by "
	     "renegotiation.");
}

/* TLS 1.3 hides alerts in application_data records. A server record of
 * exactly an alert's size (2 bytes, the inner content type and a 16-byte
 * AEAD tag; 8-byte tag with CCM_8) answering the client's flight, after
 * which the server sent nothing and the connection ended, is an alert:
 * after an empty Certificate certificate_required, after a certificate a
 * rejection. A successful handshake is answered by tickets or data. */
static void tls13_encrypted_alert(const struct tls_conn *c, struct findings *out)
{
	if (!tls13_alert_after_client_flight(c))
		return;
	const char *verdict = tls13_infer_handshake_auth(c);
	if (strcmp(verdict, "empty") == 0) {
		struct finding *f = add_as(out, FINDING_CLIENT_CERT_EMPTY, SEV_ERROR, false);
		if (!f)
			return;
		f->inferred = verdict;
		frame(f, c->server_reply_frame);
		text(f->message, sizeof f->message,
		     "Inferred from TLS 1.3 record sizes: the client answered the server's (encrypted) "
		     "CertificateRequest with an empty Certificate (a 25-byte record), and the server answered with a "
		     "%u-byte record, the size of an alert (certificate_required), and closed the connection.",
		     c->server_reply_len);
	} else if (strcmp(verdict, "present") == 0) {
		struct finding *f = add(out, FINDING_SERVER_REJECTED_CLIENT_CERT);
		if (!f)
			return;
		f->remedy_variant = "inferred";
		f->inferred = verdict;
		frame(f, c->server_reply_frame);
		text(f->message, sizeof f->message,
		     "Inferred from TLS 1.3 record sizes: the client sent a certificate, and the server answered "
		     "with a %u-byte record, the size of an alert, and closed: it most likely rejected the "
		     "certificate (unknown_ca, bad_certificate, certificate_expired, ...).",
		     c->server_reply_len);
	}
}

static void tls13_inferred(const struct tls_conn *c, struct findings *out)
{
	if (!conn_is_tls13(c) || c->n_requests || c->cc_status != CC_UNKNOWN || conn_decrypted(c))
		return;
	/* The error it may lead to first: it must not lose its slot to this info. */
	tls13_encrypted_alert(c, out);
	const char *verdict = tls13_infer_handshake_auth(c);
	const char *what = strcmp(verdict, "not_requested") == 0
				   ? "looks like Finished only: the server did not ask for a certificate in the handshake"
			   : strcmp(verdict, "empty") == 0
				   ? "starts with an empty Certificate: the server asked and the client had no certificate"
			   : strcmp(verdict, "present") == 0
				   ? "starts with a Certificate and a CertificateVerify: the client sent a certificate"
				   : "could not be inferred";
	struct finding *f = add(out, FINDING_TLS13_CLIENT_AUTH_INFERRED);
	if (!f)
		return;
	f->inferred = verdict;
	frame(f, c->server_hello_frame);
	text(f->message, sizeof f->message,
	     "TLS 1.3 encrypts the CertificateRequest and the client's answer. Inferred from record sizes: the "
	     "client's first encrypted flight (%u bytes) %s.",
	     c->n_client_flight ? c->client_flight[0] : 0, what);
}

/* Renegotiation started by the client, and TLS 1.3 post-handshake
 * authentication seen only as record sizes. */
static void later_exchanges(const struct tls_conn *c, struct findings *out)
{
	if (c->renegotiated && c->reneg_initiator == SIDE_CLIENT && !conn_is_tls13(c)) {
		struct finding *f = add(out, FINDING_RENEGOTIATION_BY_CLIENT);
		if (f) {
			frame(f, c->first_reneg_frame);
			text(f->message, sizeof f->message, "%s",
			     conn_decrypted(c) ? "The client started a renegotiation after application data (decrypted: "
					    "its handshake is shown above)."
					  : "The client started a renegotiation (encrypted handshake records after "
					    "application data); a certificate exchanged there is not visible without keys.");
		}
	}
	uint64_t request, answer_frame;
	const struct conn_event *answer;
	const char *verdict = tls13_infer_post_handshake(c, &request, &answer_frame, &answer);
	if (!verdict)
		return;
	bool empty = strcmp(verdict, "empty") == 0;
	uint64_t data_after = first_app_frame_after(c, SIDE_SERVER, answer_frame);
	bool cut = !data_after && (c->end == END_FIN || c->end == END_RST);
	struct finding *f =
		add_as(out, FINDING_TLS13_POST_HANDSHAKE_AUTH_INFERRED, empty && cut ? SEV_ERROR : SEV_INFO, !empty);
	if (!f)
		return;
	f->inferred = verdict;
	frame(f, request);
	frame(f, answer_frame);
	frame(f, data_after ? data_after : c->end_frame);
	text(f->message, sizeof f->message,
	     "The client offered post_handshake_auth, and after its request the server's record was answered by a "
	     "%u-record client flight (%u bytes): most likely a post-handshake CertificateRequest answered %s "
	     "(inferred from record sizes). The server then %s.",
	     answer->count, answer->bytes,
	     empty ? "with an empty Certificate (no certificate)" : "with a certificate",
	     data_after ? "sent data" : cut ? "closed the connection without more data" : "sent nothing more");
}

/* TLS 1.3, decrypted: the server refused the request (403 and the like)
 * without asking for a certificate after the handshake, to a client that
 * did not offer post_handshake_auth, so the server could not ask (Apache
 * per-directory SSLVerifyClient, for one). */
static void tls13_pha_not_offered(const struct tls_conn *c, struct findings *out)
{
	if (!conn_is_tls13(c) || !conn_decrypted(c) || c->n_requests || !c->have_client_hello || c->ch.has_post_handshake_auth ||
	    c->resumed)
		return;
	uint64_t refusal_frame;
	int status = http_refusal_status(c, &refusal_frame);
	if (!status)
		return;
	struct finding *f = add(out, FINDING_TLS13_PHA_NOT_OFFERED);
	if (!f)
		return;
	frame(f, c->client_hello_frame);
	frame(f, c->http_request_frame);
	frame(f, refusal_frame);
	text(f->message, sizeof f->message,
	     "TLS 1.3 without a certificate request in the handshake, and the client's ClientHello did not offer "
	     "post_handshake_auth, so the server could not ask for a certificate after the request; it answered "
	     "HTTP %d instead (decrypted).",
	     status);
}

/* Decrypted HTTP/2: the server reset a stream with HTTP_1_1_REQUIRED, the
 * way servers that can ask for a certificate only by renegotiation send
 * the client back to HTTP/1.1. */
static void http2_http11_required(const struct tls_conn *c, struct findings *out)
{
	if (!c->http)
		return;
	for (size_t i = 0; i < c->http->n; i++) {
		const struct http_exchange *x = &c->http->ex[i];
		if (x->reset_frame && x->reset_error == HTTP2_HTTP_1_1_REQUIRED) {
			struct finding *f = add(out, FINDING_HTTP2_HTTP_1_1_REQUIRED);
			if (!f)
				return;
			frame(f, x->request_frame);
			frame(f, x->reset_frame);
			text(f->message, sizeof f->message,
			     "The server reset HTTP/2 stream %u (%s %s) with HTTP_1_1_REQUIRED (decrypted): it wants "
			     "to ask for a client certificate by renegotiation, which HTTP/2 forbids. A client that "
			     "retries over HTTP/1.1 gets the request; one that does not fails.",
			     x->stream_id, x->method[0] ? x->method : "request", x->path);
			return;
		}
	}
}

/* Decrypted: an HTTP refusal that names the missing certificate, when no
 * TLS-level finding explains it. */
static void http_cert_required(const struct tls_conn *c, const struct findings *so_far, struct findings *out)
{
	uint64_t fr;
	int status = http_refusal_status(c, &fr);
	if (!status)
		return;
	for (size_t i = 0; i < so_far->n; i++)
		if (so_far->items[i].severity == SEV_ERROR)
			return;
	struct finding *f = add(out, FINDING_HTTP_CERT_REQUIRED_STATUS);
	if (!f)
		return;
	frame(f, fr);
	const char *page = c->http && c->http->error_page[0] ? c->http->error_page : NULL;
	text(f->message, sizeof f->message,
	     "The server refused the request with HTTP %d (decrypted)%s%s%s, without a TLS-level reason visible "
	     "on this connection: %s",
	     status, page ? ": \"" : "", page ? page : "", page ? "\"" : "",
	     c->cc_status == CC_PRESENT ? "the certificate was sent but the application or its access rules refused it."
	     : c->n_requests            ? "no certificate was sent."
					: "the server never asked for a certificate on this connection.");
}

static void context(const struct tls_conn *c, struct findings *out)
{
	for (size_t i = 0; i < c->server_chain.n_kept; i++) {
		const struct cert_info *ci = &c->server_chain.certs[i];
		if (!ci->parsed)
			continue;
		const char *product = ci->shared->inspection_product;
		if (!product)
			continue;
		struct finding *f = add(out, FINDING_TLS_INSPECTION);
		if (!f)
			return;
		frame(f, c->server_cert_frame);
		text(f->message, sizeof f->message,
		     "The server certificate was issued by %s (%s): a TLS-inspection product terminates this "
		     "connection, so the client certificate cannot reach the real server.",
		     product, ci->sum->issuer);
		return;
	}
	if (c->resumed) {
		struct finding *f = add(out, FINDING_RESUMED_SESSION);
		if (f) {
			frame(f, c->server_hello_frame);
			text(f->message, sizeof f->message,
			     "An abbreviated handshake resumed an earlier session: no certificate request is "
			     "expected; the certificate of the original session applies.");
		}
	}
	if (c->midstream) {
		struct finding *f = add(out, FINDING_CAPTURE_STARTED_MIDSTREAM);
		if (f) {
			frame(f, c->first_frame);
			text(f->message, sizeof f->message,
			     "The capture started after this connection was opened; earlier handshake messages are "
			     "not in it.");
		}
	}
	if (c->gaps && c->cc_status == CC_UNKNOWN && !conn_is_tls13(c)) {
		struct finding *f = add(out, FINDING_CAPTURE_INCOMPLETE);
		if (f) {
			text(f->message, sizeof f->message,
			     "%llu byte(s) of this connection were not captured, so part of the handshake is not visible.",
			     (unsigned long long)c->gap_bytes);
		}
	}
}

/* Errors first (they explain the outcome), then warnings, then notes;
 * within a severity, the root cause first. */
static int by_rank(const struct finding *a, const struct finding *b)
{
	if (a->severity != b->severity)
		return (int)b->severity - (int)a->severity;
	return a->rank - b->rank;
}

/* The fix in the words of the software on the wire, from the catalogue
 * (remedies.def), which has a row for every finding. */
static void catalogue_remedies(const struct tls_conn *c, struct findings *out)
{
	const char *issuer = NULL, *subject = NULL;
	if (c->client_verify) {
		issuer = c->client_verify->issuer[0] ? c->client_verify->issuer : NULL;
		subject = c->client_verify->subject[0] ? c->client_verify->subject : NULL;
	} else if (c->client_chain.n_kept && c->client_chain.certs[0].parsed) {
		const struct x509_summary *leaf = c->client_chain.certs[0].sum;
		subject = leaf->subject;
		issuer = c->client_chain.certs[c->client_chain.n_kept - 1].parsed
				 ? c->client_chain.certs[c->client_chain.n_kept - 1].sum->issuer
				 : leaf->issuer;
	}
	const char *product = NULL;
	for (size_t i = 0; i < c->server_chain.n_kept && !product; i++)
		if (c->server_chain.certs[i].parsed)
			product = c->server_chain.certs[i].shared->inspection_product;
	struct remedy_args args = {
		.port = c->server.port,
		.issuer = issuer,
		.subject = subject,
		.depth = c->client_verify ? c->client_verify->depth : 0,
		.product = product,
		.sni = c->have_client_hello && c->ch.sni[0] ? c->ch.sni : NULL,
	};
	/* A low-confidence guess (one trait, or traits every OpenSSL-based
	 * server shares) is not enough to speak one product's language: the
	 * generic rows name the likely stacks. */
	struct stack_id speak = out->stack;
	if (speak.server.confidence < CONFIDENCE_MEDIUM)
		speak.server.kind = SERVER_UNKNOWN;
	if (speak.client.confidence < CONFIDENCE_MEDIUM)
		speak.client.kind = CLIENT_UNKNOWN;
	for (size_t i = 0; i < out->n; i++) {
		struct finding *f = &out->items[i];
		char key[96];
		if (f->remedy_variant)
			snprintf(key, sizeof key, "%s/%s", f->id, f->remedy_variant);
		else
			snprintf(key, sizeof key, "%s", f->id);
		remedy_format(f->remedy, sizeof f->remedy, key, &speak, &args);
	}
}

/* Severity follows the outcome: an error explains a failure (or a
 * failure that cannot be ruled out); on a connection that worked, what
 * went wrong on the way is a warning at most. */
static void weigh_by_outcome(struct findings *out)
{
	if (out->outcome.failure != FAILURE_NO)
		return;
	for (size_t i = 0; i < out->n; i++)
		if (out->items[i].severity == SEV_ERROR)
			out->items[i].severity = SEV_WARNING;
}

/* What a client's certificate alert says of the server's certificate: a
 * client sends these about the certificate it was shown, never its own. */
static const struct rejection server_cert_refusals[] = {
	{ TLS_ALERT_UNKNOWN_CA, "it does not trust the CA that issued the server's certificate" },
	{ TLS_ALERT_CERTIFICATE_EXPIRED, "it found the server's certificate expired" },
	{ TLS_ALERT_CERTIFICATE_REVOKED, "it found the server's certificate revoked" },
	{ TLS_ALERT_UNSUPPORTED_CERTIFICATE,
	  "the server's certificate is not allowed for a server (key usage or EKU)" },
	{ TLS_ALERT_BAD_CERTIFICATE,
	  "it found the server's certificate bad (not yet valid, badly signed or unusable)" },
	{ TLS_ALERT_CERTIFICATE_UNKNOWN,
	  "it could not accept the server's certificate (often: a name that does not match)" },
};

static bool has_finding(const struct findings *out, enum finding_code code)
{
	for (size_t i = 0; i < out->n; i++)
		if (out->items[i].code == code)
			return true;
	return false;
}

/* The client refused the server's certificate with a fatal certificate
 * alert in the clear, before it sent a certificate of its own and before
 * any fatal alert of the server's. In TLS 1.3 the server's request, if
 * any, is encrypted ahead of its Certificate: the client never got to
 * answer it. */
static void client_refused_server(const struct tls_conn *c, struct findings *out)
{
	const struct alert_fact *ca = fatal_alert_from(c, SIDE_CLIENT), *sa = fatal_alert_from(c, SIDE_SERVER);
	if (out->outcome.failure == FAILURE_NO || !ca || ca->encrypted || (sa && sa->frame < ca->frame) ||
	    (c->client_cert_frame && c->client_cert_frame < ca->frame))
		return;
	size_t n_refusals = sizeof server_cert_refusals / sizeof server_cert_refusals[0];
	const char *why = reason_of(server_cert_refusals, n_refusals, ca->description);
	if (!why)
		return;
	struct finding *f = add(out, FINDING_CLIENT_REJECTED_SERVER_CERT);
	if (!f)
		return;
	frame(f, c->server_cert_frame);
	frame(f, ca->frame);
	char shown[400] = "";
	const struct cert_chain *ch = &c->server_chain;
	if (ch->n_kept && ch->certs[0].parsed)
		text(shown, sizeof shown, " The server showed %s, issued by %s.", ch->certs[0].sum->subject,
		     ch->certs[0].sum->issuer);
	text(f->message, sizeof f->message,
	     "The client ended the handshake with a fatal %s alert before sending a certificate of its own: %s, so "
	     "the client certificate was never reached.%s",
	     tls_alert_name((uint8_t)ca->description), why, shown);
}

/* The server answered the ClientHello in another protocol's words. */
static void server_not_tls(const struct tls_conn *c, struct findings *out)
{
	struct finding *f = add(out, FINDING_SERVER_NOT_TLS);
	if (!f)
		return;
	frame(f, c->client_hello_frame);
	frame(f, c->server_text_frame);
	static const struct {
		const char *start, *protocol;
	} banners[] = {
		{ "HTTP/", "plain HTTP" }, { "<", "plain HTTP" }, { "SSH-", "SSH" }, { "220", "SMTP or FTP" },
		{ "+OK", "POP3" },         { "* OK", "IMAP" },
	};
	const char *protocol = "another protocol";
	for (size_t i = 0; i < sizeof banners / sizeof banners[0]; i++)
		if (strncmp(c->server_text, banners[i].start, strlen(banners[i].start)) == 0) {
			protocol = banners[i].protocol;
			break;
		}
	text(f->message, sizeof f->message,
	     "The server answered the ClientHello with text, not TLS: \"%s\". Port %u serves %s, not TLS.",
	     c->server_text, (unsigned)c->server.port, protocol);
}

/* The server ended the connection after the ClientHello without a word,
 * or answered it in another protocol. */
static void server_closed_after_hello(const struct tls_conn *c, struct findings *out)
{
	if (out->outcome.failure == FAILURE_NO || !c->have_client_hello || c->have_server_hello ||
	    fatal_alert_from(c, SIDE_SERVER))
		return;
	if (c->server_text[0]) {
		server_not_tls(c, out);
		return;
	}
	if (out->outcome.kind != OUTCOME_FAILED_BEFORE_REQUEST || c->end_by != SIDE_SERVER ||
	    (c->end != END_FIN && c->end != END_RST))
		return;
	struct finding *f = add(out, FINDING_SERVER_CLOSED_AFTER_HELLO);
	if (!f)
		return;
	frame(f, c->client_hello_frame);
	frame(f, c->end_frame);
	text(f->message, sizeof f->message,
	     "The server %s the connection after the ClientHello without a ServerHello or an alert: nothing on port "
	     "%u speaks TLS, or the server refused the hello without saying why.",
	     c->end == END_RST ? "reset" : "closed", (unsigned)c->server.port);
}

/* A handshake that failed before the client could answer a certificate
 * request: the client refused the server's certificate, or the server
 * never answered the ClientHello. A reset that gives itself away as
 * injected explains it already. */
static void failed_before_answer(const struct tls_conn *c, struct findings *out)
{
	if (has_finding(out, FINDING_RST_INJECTED))
		return;
	client_refused_server(c, out);
	server_closed_after_hello(c, out);
}

/* SSL 2.0 itself: the server answered with an SSLv2 SERVER-HELLO, or the
 * client offered nothing newer. */
static void sslv2_connection(const struct tls_conn *c, struct findings *out)
{
	if (!c->sslv2)
		return;
	struct finding *f = add(out, FINDING_SSLV2_CONNECTION);
	if (!f)
		return;
	frame(f, c->sslv2_frame);
	text(f->message, sizeof f->message,
	     "This connection is SSL 2.0 (%s). SSL 2.0 is broken (RFC 6176 forbids it), and it cannot negotiate a "
	     "client certificate the way TLS does: no TLS CertificateRequest, CA list or Certificate message "
	     "exists in it.",
	     c->version == 0x0002 ? "the server answered with an SSLv2 SERVER-HELLO" : "the client offered SSL 2.0 only");
}

void diagnose(const struct tls_conn *c, const struct diagnose_options *opt, struct ja4_memo *ja4_memo,
	      struct findings *out)
{
	out->n = 0;
	decide_outcome(c, &out->outcome);
	stack_identify(c, opt ? &opt->stack : NULL, ja4_memo, &out->stack);
	context(c, out);
	sslv2_connection(c, out);
	transport(c, out);
	late_request(c, out);
	post_handshake_request(c, out);
	tls13_late_negotiation(c, out);
	tls13_pha_not_offered(c, out);
	http2_http11_required(c, out);
	server_alert(c, out);
	empty_or_absent(c, out);
	ca_list(c, out);
	client_chain(c, out);
	chain_verdict(c, out);
	no_request(c, out);
	tls13_inferred(c, out);
	later_exchanges(c, out);
	http_cert_required(c, out, out);
	failed_before_answer(c, out);
	weigh_by_outcome(out);
	catalogue_remedies(c, out);
	/* A stable insertion sort: there are a few findings at most, and
	 * glibc's qsort allocates for elements this large. */
	for (size_t i = 1; i < out->n; i++) {
		if (by_rank(&out->items[i - 1], &out->items[i]) <= 0)
			continue;
		struct finding moving = out->items[i];
		size_t j = i;
		for (; j > 0 && by_rank(&out->items[j - 1], &moving) > 0; j--)
			out->items[j] = out->items[j - 1];
		out->items[j] = moving;
	}
}

bool finding_is_cause(const struct findings *fs, size_t i)
{
	return i == 0 && fs->n && fs->items[0].severity == SEV_ERROR && fs->outcome.failure != FAILURE_NO;
}

int findings_worst(const struct findings *f)
{
	int worst = -1;
	for (size_t i = 0; i < f->n; i++)
		if ((int)f->items[i].severity > worst)
			worst = (int)f->items[i].severity;
	return worst;
}
