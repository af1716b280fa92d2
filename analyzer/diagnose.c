/* diagnose.c - the findings catalogue (see the man page, FINDINGS). Each
 * rule reads the model and adds at most one finding; the list is then
 * sorted so that findings[0] answers "why". */
#include "diagnose.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tls_names.h"

struct inspector {
	const char *product;
	const char *fragment;
};
static const struct inspector inspectors[] = {
#define INSPECTOR(product, fragment) { product, fragment },
#include "inspection_issuers.def"
#undef INSPECTOR
	{ NULL, NULL },
};

const char *severity_name(enum severity s)
{
	return s == SEV_ERROR ? "error" : s == SEV_WARNING ? "warning" : "info";
}

static struct finding *add(struct findings *out, const char *id, enum severity sev, int rank)
{
	if (out->n == FINDINGS_MAX)
		return NULL;
	struct finding *f = &out->items[out->n++];
	memset(f, 0, sizeof *f);
	f->id = id;
	f->severity = sev;
	f->rank = rank;
	return f;
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

static bool tls13(const struct tls_conn *c)
{
	return c->version == TLS_VERSION_TLS13 || (c->version >> 8) == 0x7f;
}

static const struct alert_fact *fatal_alert_from(const struct tls_conn *c, enum side s)
{
	for (size_t i = 0; i < c->n_alerts; i++)
		if (c->alerts[i].from == s && (c->alerts[i].level == 2 || c->alerts[i].encrypted))
			return &c->alerts[i];
	return NULL;
}

static bool listed(const struct cert_request_fact *r, const char *dn)
{
	for (size_t i = 0; i < r->n_ca_names; i++)
		if (strcmp(r->ca_names[i], dn) == 0)
			return true;
	return false;
}

/* First application data record sent by a side (0 when none). */
static uint64_t first_app_frame(const struct tls_conn *c, enum side s)
{
	for (size_t i = 0; i < c->n_events; i++)
		if (c->events[i].kind == EV_APP_DATA && c->events[i].from == s)
			return c->events[i].frame;
	return 0;
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
	if (initial_cr || tls13(c))
		return;
	bool server_reneg = (c->renegotiated && c->reneg_initiator == SIDE_SERVER) || c->hello_request_frame || reneg_cr;
	if (!server_reneg)
		return;
	uint64_t req = first_app_frame(c, SIDE_CLIENT);
	struct finding *f = add(out, "LATE_CERT_REQUEST_RENEGOTIATION", SEV_ERROR, 10);
	if (!f)
		return;
	frame(f, req);
	frame(f, c->hello_request_frame ? c->hello_request_frame : c->first_reneg_frame);
	if (reneg_cr)
		frame(f, reneg_cr->frame);
	text(f->message, sizeof f->message,
	     "The server did not ask for a client certificate in the handshake; it asked only later, by "
	     "renegotiation after the client's request (%s). Many clients fail here (HTTP/2, TLS 1.3, large "
	     "request bodies, clients without renegotiation).",
	     reneg_cr ? "the CertificateRequest is visible after decryption"
		      : "inferred from encrypted handshake records after application data");
	text(f->remedy, sizeof f->remedy,
	     "Ask for the certificate in the first handshake: on IIS/HTTP.SYS run 'netsh http update sslcert "
	     "ipport=0.0.0.0:%u certhash=<hash> appid={<guid>} clientcertnegotiation=enable' (older Windows: "
	     "show, delete and re-add the binding), or set DWORD DefaultFlags |= 0x2 under "
	     "HKLM\\SYSTEM\\CurrentControlSet\\Services\\HTTP\\Parameters\\SslBindingInfo\\<ip:port> and restart "
	     "HTTP.SYS. Other servers: request the certificate at connection time (e.g. nginx ssl_verify_client, "
	     "Apache SSLVerifyClient at server level).",
	     c->server.port);
	if (c->have_server_hello && strcmp(c->sh.alpn, "h2") == 0) {
		struct finding *h2 = add(out, "RENEGOTIATION_UNDER_HTTP2", SEV_ERROR, 11);
		if (!h2)
			return;
		frame(h2, c->server_hello_frame);
		frame(h2, c->hello_request_frame ? c->hello_request_frame : c->first_reneg_frame);
		text(h2->message, sizeof h2->message,
		     "HTTP/2 was negotiated (ALPN h2), and HTTP/2 forbids renegotiation (RFC 9113 9.2.1): the "
		     "late certificate request cannot work on this connection.");
		text(h2->remedy, sizeof h2->remedy,
		     "Negotiate the client certificate up front (clientcertnegotiation=enable), or disable HTTP/2 "
		     "on the binding ('netsh http update sslcert ... disablehttp2=enable').");
	}
}

static void empty_or_absent(const struct tls_conn *c, struct findings *out)
{
	if (c->n_requests == 0)
		return;
	const struct cert_request_fact *r = &c->requests[c->n_requests - 1];
	if (c->cc_status == CC_EMPTY) {
		struct finding *f = add(out, "CLIENT_CERT_EMPTY", SEV_ERROR, 14);
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
		text(f->remedy, sizeof f->remedy,
		     "On the client: install a certificate with the Client Authentication EKU (1.3.6.1.5.5.7.3.2) "
		     "issued under one of the listed CAs, with its intermediates in the local store; give the "
		     "process account read access to the private key (certlm.msc > Manage Private Keys, or icacls "
		     "on the key file; 'certutil -repairstore my <serial>' for a broken key link); in browsers check "
		     "the certificate prompt or the AutoSelectCertificateForUrls policy.");
	} else if (c->cc_status == CC_ABSENT) {
		bool ssl3 = strstr(c->notes, "ssl3_no_certificate_alert") != NULL;
		bool ended = c->end == END_RST || c->end == END_FIN;
		struct finding *f = add(out, "CLIENT_CERT_NOT_SENT", ended ? SEV_ERROR : SEV_WARNING, ended ? 25 : 60);
		if (!f)
			return;
		frame(f, r->frame);
		frame(f, c->end_frame);
		text(f->message, sizeof f->message, "%s",
		     ssl3 ? "The server asked for a certificate and the SSL 3.0 client said it has none "
			    "(no_certificate alert)."
			  : "The server asked for a certificate and the client never answered with a Certificate "
			    "message.");
		text(f->remedy, sizeof f->remedy,
		     "Find out why the client stopped: check the client's logs and certificate store; if the "
		     "connection was cut, see the transport findings.");
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
			struct finding *f = add(out, "CA_LIST_EMPTY", hurt ? SEV_WARNING : SEV_INFO, hurt ? 30 : 80);
			if (!f)
				return;
			frame(f, r->frame);
			text(f->message, sizeof f->message,
			     "The CertificateRequest carries no trusted issuer list (the default of Windows Server "
			     "2012 and later). That is legal: the client may offer any certificate, but it cannot tell "
			     "which one the server will accept.");
			text(f->remedy, sizeof f->remedy,
			     "Nothing to fix by itself. To send a list from Schannel: DWORD SendTrustedIssuerList=1 "
			     "under HKLM\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL, with the "
			     "issuers in the binding's store (sslctlstorename) or Client Authentication Issuers.");
			return;
		}
		if (r->ca_list_bytes > 12 * 1024 || r->records > 1) {
			struct finding *f =
				add(out, "CA_LIST_TOO_LARGE", r->ca_list_bytes > 16 * 1024 ? SEV_WARNING : SEV_INFO, 35);
			if (!f)
				return;
			frame(f, r->frame);
			text(f->message, sizeof f->message,
			     "The trusted issuer list is %zu bytes (%zu names, %u records). Schannel truncates lists "
			     "over 16 KB (event 36885) and some clients fail on large lists.",
			     r->ca_list_bytes, r->n_ca_names, r->records);
			text(f->remedy, sizeof f->remedy,
			     "Send only the issuers of client certificates: a dedicated store via 'netsh http update "
			     "sslcert ... sslctlstorename=ClientAuthIssuer', prune Trusted Root CAs, or "
			     "SendTrustedIssuerList=0.");
			return;
		}
	}
}

static void client_chain(const struct tls_conn *c, struct findings *out)
{
	if (c->cc_status != CC_PRESENT || c->client_chain.n_kept == 0 || !c->client_chain.certs[0].parsed)
		return;
	const struct x509_summary *leaf = c->client_chain.certs[0].sum;
	int64_t now = c->first_ts_ns / 1000000000LL;
	if (leaf->has_eku && !(leaf->eku & (X509_EKU_CLIENT_AUTH | X509_EKU_ANY))) {
		struct finding *f = add(out, "CLIENT_CERT_NO_CLIENTAUTH_EKU", SEV_ERROR, 13);
		if (f) {
			frame(f, c->client_cert_frame);
			text(f->message, sizeof f->message,
			     "The client certificate %s has an Extended Key Usage without Client Authentication.",
			     leaf->subject);
			text(f->remedy, sizeof f->remedy,
			     "Issue the client a certificate whose EKU includes Client Authentication "
			     "(1.3.6.1.5.5.7.3.2).");
		}
	}
	if (leaf->not_after_epoch && now > leaf->not_after_epoch) {
		struct finding *f = add(out, "CLIENT_CERT_EXPIRED", SEV_ERROR, 13);
		if (f) {
			frame(f, c->client_cert_frame);
			text(f->message, sizeof f->message,
			     "The client certificate %s expired on %s, before this capture was taken.", leaf->subject,
			     leaf->not_after);
			text(f->remedy, sizeof f->remedy, "Renew the client certificate (IIS answers 403.17).");
		}
	} else if (leaf->not_before_epoch && now < leaf->not_before_epoch) {
		struct finding *f = add(out, "CLIENT_CERT_NOT_YET_VALID", SEV_ERROR, 13);
		if (f) {
			frame(f, c->client_cert_frame);
			text(f->message, sizeof f->message,
			     "The client certificate %s is valid only from %s, after this capture was taken.",
			     leaf->subject, leaf->not_before);
			text(f->remedy, sizeof f->remedy, "Check the clocks, or issue a certificate valid now.");
		}
	}
	/* Does the chain reach a DN of the (last) request's list? */
	if (c->n_requests == 0)
		return;
	const struct cert_request_fact *r = &c->requests[c->n_requests - 1];
	if (r->n_ca_names == 0)
		return;
	bool reached = false;
	for (size_t i = 0; i < c->client_chain.n_kept && !reached; i++)
		if (c->client_chain.certs[i].parsed &&
		    (listed(r, c->client_chain.certs[i].sum->issuer) || listed(r, c->client_chain.certs[i].sum->subject)))
			reached = true;
	if (!reached) {
		const struct x509_summary *last = c->client_chain.certs[c->client_chain.n_kept - 1].sum;
		struct finding *f = add(out, "CLIENT_CHAIN_NOT_IN_CA_LIST", SEV_WARNING, 45);
		if (f) {
			frame(f, r->frame);
			frame(f, c->client_cert_frame);
			text(f->message, sizeof f->message,
			     "No certificate of the client's chain is issued by a CA the server listed (the chain "
			     "ends at issuer %s).%s",
			     last->issuer,
			     c->client_chain.n_kept == 1 && !leaf->self_signed
				     ? " The client sent only its own certificate: an intermediate may be missing."
				     : "");
			text(f->remedy, sizeof f->remedy,
			     "Either trust the client's issuing CA on the server (add its root to Trusted Root CAs and "
			     "the intermediates to Intermediate CAs, or to the binding's issuer store), or give the "
			     "client a certificate from a listed CA; install the intermediates on the client.");
		}
	}
}

static void server_alert(const struct tls_conn *c, struct findings *out)
{
	const struct alert_fact *a = fatal_alert_from(c, SIDE_SERVER);
	if (!a || a->encrypted || c->n_requests == 0)
		return;
	const char *why = NULL;
	switch (a->description) {
	case 48:
		why = "the server does not trust the CA that issued the client certificate";
		break;
	case 45:
		why = "the server found the client certificate expired";
		break;
	case 44:
		why = "the client certificate is revoked";
		break;
	case 43:
		why = "the client certificate is not allowed for client authentication (EKU or key usage)";
		break;
	case 42:
		why = "the server rejected the client certificate (bad certificate, not yet valid or untrusted)";
		break;
	case 46:
		why = "the server could not accept the client certificate (unspecified reason)";
		break;
	case 49:
		why = "the certificate is valid but access was refused";
		break;
	case 51:
		why = "the CertificateVerify signature did not verify (wrong key or broken signature)";
		break;
	case 40:
		why = c->cc_status == CC_EMPTY ? "the server requires a client certificate and got none"
					       : "the handshake failed (often: a required certificate missing)";
		break;
	case 116:
		why = "the server requires a client certificate and got none";
		break;
	default:
		return;
	}
	struct finding *f = add(out, "SERVER_REJECTED_CLIENT_CERT", SEV_ERROR, 15);
	if (!f)
		return;
	frame(f, c->client_cert_frame);
	frame(f, a->frame);
	text(f->message, sizeof f->message, "The server ended the handshake with a fatal %s alert: %s.",
	     tls_alert_name((uint8_t)a->description), why);
	text(f->remedy, sizeof f->remedy, "%s",
	     a->description == 48
		     ? "Add the client's root CA to the server's trusted roots (and intermediates to Intermediate "
		       "CAs); the server's verification error log (Schannel events 36887/36888 with EventLogging=3) "
		       "names the failing check."
	     : a->description == 43 ? "Issue a certificate whose EKU includes Client Authentication."
	     : a->description == 45 ? "Renew the client certificate."
				    : "Check the server's log for the verification error, and the client certificate "
				      "facts above.");
}

static void transport(const struct tls_conn *c, struct findings *out)
{
	if (c->end != END_RST && c->end != END_FIN)
		return;
	/* During certificate negotiation: after a request (or a renegotiation)
	 * and before the server sent application data again. */
	uint64_t neg = c->n_requests ? c->requests[c->n_requests - 1].frame
		     : c->renegotiated  ? c->first_reneg_frame
					: 0;
	uint64_t server_app_after = 0;
	for (size_t i = 0; i < c->n_events; i++)
		if (c->events[i].kind == EV_APP_DATA && c->events[i].from == SIDE_SERVER && c->events[i].frame > neg)
			server_app_after = c->events[i].frame;
	bool during = neg && c->end_frame > neg && !server_app_after && !fatal_alert_from(c, SIDE_SERVER) &&
		      !fatal_alert_from(c, SIDE_CLIENT);
	if (c->end == END_RST) {
		enum side by = c->end_by;
		bool ttl_differs = c->ttl_known[by] &&
				   abs((int)c->rst_ttl - (int)c->usual_ttl[by]) > 1;
		if (ttl_differs) {
			struct finding *f = add(out, "RST_INJECTED", SEV_ERROR, 5);
			if (f) {
				frame(f, c->end_frame);
				text(f->message, sizeof f->message,
				     "The reset that ended the connection claims to come from the %s but has TTL %u, "
				     "while the %s's other packets have TTL %u: a device in the path (firewall, proxy, "
				     "IPS) most likely injected it%s.",
				     side_name(by), c->rst_ttl, side_name(by), c->usual_ttl[by],
				     during ? ", during certificate negotiation" : "");
				text(f->remedy, sizeof f->remedy,
				     "Find the middlebox between the capture point and the %s (compare with a capture "
				     "taken on the %s itself) and allow client-certificate negotiation or "
				     "renegotiation through it (exempt the site from TLS inspection).",
				     side_name(by), side_name(by));
			}
			return;
		}
	}
	if (!during)
		return;
	struct finding *f = add(out, c->end == END_RST ? "RST_DURING_CERT_NEGOTIATION" : "FIN_DURING_CERT_NEGOTIATION",
				SEV_ERROR, 8);
	if (!f)
		return;
	frame(f, neg);
	frame(f, c->end_frame);
	text(f->message, sizeof f->message,
	     "The %s %s the connection during client-certificate negotiation, before the server sent any "
	     "response (on IIS this shows as a 500 with win32 status 64, or 0x800703E3, before the 403.7).",
	     side_name(c->end_by), c->end == END_RST ? "reset" : "closed");
	text(f->remedy, sizeof f->remedy, "%s",
	     c->end_by == SIDE_CLIENT
		     ? "The client gave up: check that it has a usable certificate and supports renegotiation "
		       "(or negotiate the certificate up front with clientcertnegotiation=enable)."
		     : "The server gave up: check its logs (Schannel events, HTTP.SYS error log) for the reason.");
}

static void no_request(const struct tls_conn *c, struct findings *out)
{
	if (c->n_requests || c->resumed || c->renegotiated || c->hello_request_frame || tls13(c) ||
	    !c->have_server_hello || c->midstream)
		return;
	/* Only a handshake we saw whole: the server's Certificate flight. */
	if (!c->server_cert_frame)
		return;
	struct finding *f = add(out, "NO_CERT_REQUEST", SEV_WARNING, 50);
	if (!f)
		return;
	frame(f, c->server_hello_frame);
	text(f->message, sizeof f->message,
	     "The server never asked for a client certificate on this connection: not in the handshake and not by "
	     "renegotiation.");
	text(f->remedy, sizeof f->remedy,
	     "If this site needs client certificates: set the path to Require (IIS sslFlags=\"Ssl, "
	     "SslNegotiateCert, SslRequireCert\") and enable clientcertnegotiation on the binding; if it is set "
	     "and a capture on the server side shows the request, a device in between removed it.");
}

static void tls13_inferred(const struct tls_conn *c, struct findings *out)
{
	if (!tls13(c) || c->n_requests || c->cc_status != CC_UNKNOWN)
		return;
	const char *what = "could not be inferred";
	if (c->n_client_flight > 0) {
		uint32_t first = c->client_flight[0];
		if (first == 53 || first == 69)
			what = "looks like Finished only: the server did not ask for a certificate in the handshake";
		else if (first == 25)
			what = "starts with an empty Certificate: the server asked and the client had no certificate";
		else if (first > 100 && c->n_client_flight >= 3)
			what = "starts with a Certificate and a CertificateVerify: the client sent a certificate";
	}
	struct finding *f = add(out, "TLS13_CLIENT_AUTH_INFERRED", SEV_INFO, 70);
	if (!f)
		return;
	frame(f, c->server_hello_frame);
	text(f->message, sizeof f->message,
	     "TLS 1.3 encrypts the CertificateRequest and the client's answer. Inferred from record sizes: the "
	     "client's first encrypted flight (%u bytes) %s.",
	     c->n_client_flight ? c->client_flight[0] : 0, what);
	text(f->remedy, sizeof f->remedy,
	     "For certainty capture again with SSLKEYLOGFILE set on the client (browsers, curl) and give the key "
	     "log to mtlsdiag.");
}

/* Renegotiation started by the client, and TLS 1.3 post-handshake
 * authentication seen only as record sizes. */
static void later_exchanges(const struct tls_conn *c, struct findings *out)
{
	if (c->renegotiated && c->reneg_initiator == SIDE_CLIENT && !tls13(c)) {
		struct finding *f = add(out, "RENEGOTIATION_BY_CLIENT", SEV_INFO, 75);
		if (f) {
			frame(f, c->first_reneg_frame);
			text(f->message, sizeof f->message,
			     "The client started a renegotiation (encrypted handshake records after application "
			     "data); a certificate exchanged there is not visible without keys.");
			text(f->remedy, sizeof f->remedy,
			     "Servers usually refuse client-initiated renegotiation (no_renegotiation); if the "
			     "certificate matters here, capture with a key log.");
		}
	}
	if (!tls13(c) || !c->have_client_hello || !c->ch.has_post_handshake_auth)
		return;
	/* After the client's first request, a server record answered by a
	 * client flight of three or more records: Certificate,
	 * CertificateVerify, Finished. */
	uint64_t first_client_app = first_app_frame(c, SIDE_CLIENT);
	for (size_t i = 1; i < c->n_events; i++) {
		const struct conn_event *e = &c->events[i];
		if (e->kind == EV_APP_DATA && e->from == SIDE_CLIENT && e->frame > first_client_app &&
		    first_client_app && e->count >= 3 && c->events[i - 1].from == SIDE_SERVER) {
			struct finding *f = add(out, "TLS13_POST_HANDSHAKE_AUTH_INFERRED", SEV_INFO, 65);
			if (f) {
				frame(f, c->events[i - 1].frame);
				frame(f, e->frame);
				text(f->message, sizeof f->message,
				     "The client offered post_handshake_auth, and after its request the server's "
				     "record was answered by a %u-record client flight (%u bytes): most likely a "
				     "post-handshake CertificateRequest answered with a certificate (inferred).",
				     e->count, e->bytes);
				text(f->remedy, sizeof f->remedy,
				     "Post-handshake authentication fails with browsers (Chromium has none, Firefox "
				     "has it off) and is forbidden with HTTP/2: request the certificate in the "
				     "handshake instead. A key log confirms what was sent.");
			}
			return;
		}
	}
}

/* ASCII lower case (the C locale's tolower), truncated to fit. */
static void lower_copy(char *dst, size_t dstsz, const char *src)
{
	size_t i = 0;
	for (; src[i] && i + 1 < dstsz; i++)
		dst[i] = (char)(src[i] >= 'A' && src[i] <= 'Z' ? src[i] - 'A' + 'a' : src[i]);
	dst[i] = '\0';
}

static void context(const struct tls_conn *c, struct findings *out)
{
	/* Lower case once, then strstr: strcasestr sets up its search afresh
	 * for every fragment, which was a quarter of a handshake-heavy run. */
	enum { N_INSPECTORS = sizeof inspectors / sizeof inspectors[0] };
	char fragments[N_INSPECTORS][128];
	bool lowered = false;
	for (size_t i = 0; i < c->server_chain.n_kept; i++) {
		const struct cert_info *ci = &c->server_chain.certs[i];
		if (!ci->parsed)
			continue;
		char issuer[X509_NAME_TEXT];
		lower_copy(issuer, sizeof issuer, ci->sum->issuer);
		for (size_t k = 0; !lowered && inspectors[k].product; k++)
			lower_copy(fragments[k], sizeof fragments[k], inspectors[k].fragment);
		lowered = true;
		for (size_t k = 0; inspectors[k].product; k++) {
			if (!strstr(issuer, fragments[k]))
				continue;
			struct finding *f = add(out, "TLS_INSPECTION", SEV_ERROR, 3);
			if (!f)
				return;
			frame(f, c->server_cert_frame);
			text(f->message, sizeof f->message,
			     "The server certificate was issued by %s (%s): a TLS-inspection product terminates this "
			     "connection, so the client certificate cannot reach the real server.",
			     inspectors[k].product, ci->sum->issuer);
			text(f->remedy, sizeof f->remedy,
			     "Exempt this site from TLS inspection (\"Do Not Inspect\"/bypass rule) so the client's "
			     "certificate is presented to the real server.");
			return;
		}
	}
	if (c->resumed) {
		struct finding *f = add(out, "RESUMED_SESSION", SEV_INFO, 90);
		if (f) {
			frame(f, c->server_hello_frame);
			text(f->message, sizeof f->message,
			     "An abbreviated handshake resumed an earlier session: no certificate request is "
			     "expected; the certificate of the original session applies.");
			text(f->remedy, sizeof f->remedy,
			     "To see the certificate exchange, capture the original full handshake (or disable "
			     "resumption while testing).");
		}
	}
	if (c->midstream) {
		struct finding *f = add(out, "CAPTURE_STARTED_MIDSTREAM", SEV_INFO, 95);
		if (f) {
			frame(f, c->first_frame);
			text(f->message, sizeof f->message,
			     "The capture started after this connection was opened; earlier handshake messages are "
			     "not in it.");
			text(f->remedy, sizeof f->remedy, "Start the capture before reproducing the failure.");
		}
	}
	if (c->gaps && c->cc_status == CC_UNKNOWN && !tls13(c)) {
		struct finding *f = add(out, "CAPTURE_INCOMPLETE", SEV_WARNING, 85);
		if (f) {
			text(f->message, sizeof f->message,
			     "%llu byte(s) of this connection were not captured, so part of the handshake is not visible.",
			     (unsigned long long)c->gap_bytes);
			text(f->remedy, sizeof f->remedy,
			     "Capture on the server itself with a full snap length and a large buffer (tcpdump -s 0 "
			     "-B 65536, or pktmon), so no segment is lost.");
		}
	}
}

static int by_rank(const void *x, const void *y)
{
	const struct finding *a = x, *b = y;
	if (a->severity != b->severity && (a->severity == SEV_INFO || b->severity == SEV_INFO))
		return (int)b->severity - (int)a->severity;
	return a->rank - b->rank;
}

void diagnose(const struct tls_conn *c, struct findings *out)
{
	out->n = 0;
	context(c, out);
	transport(c, out);
	late_request(c, out);
	server_alert(c, out);
	empty_or_absent(c, out);
	ca_list(c, out);
	client_chain(c, out);
	no_request(c, out);
	tls13_inferred(c, out);
	later_exchanges(c, out);
	qsort(out->items, out->n, sizeof out->items[0], by_rank);
}

int findings_worst(const struct findings *f)
{
	int worst = -1;
	for (size_t i = 0; i < f->n; i++)
		if ((int)f->items[i].severity > worst)
			worst = (int)f->items[i].severity;
	return worst;
}
