/*
 * scenarios.c - one function per sample capture. Every TLS byte comes from a real
 * OpenSSL client and server (tls_pair.c); only the TCP/IP framing is synthesised
 * (wire.c), plus the forged RST of the middlebox scenario, which is framing too.
 */
#include "scenarios.h"

#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nghttp2/nghttp2.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <pcap/dlt.h>

#include "capfile.h"
#include "conv.h"
#include "tls_pair.h"
#include "wire.h"

static const unsigned char alpn_list[] = "\x02h2\x08http/1.1";
#define ALPN_LEN ((unsigned int)sizeof(alpn_list) - 1)
static const char sni[] = "app.example.com";
static const char http_get[] = "GET /secure/report HTTP/1.1\r\nHost: app.example.com\r\n"
			       "User-Agent: mtlsgen/1.0\r\nAccept: */*\r\n\r\n";
static const char http_get_proxied[] = "GET /secure/report HTTP/1.1\r\nHost: app.example.com\r\n"
				       "User-Agent: mtlsgen/1.0\r\nAccept: */*\r\n"
				       "X-Forwarded-For: 192.0.2.10\r\n\r\n";

/*
 * HTTP/2 client start: connection preface, empty SETTINGS, then HEADERS for
 * GET https://app.example.com/ on stream 1 (HPACK: indexed :method GET (2),
 * :scheme https (7), :path / (4), literal :authority with name index 1).
 */
static const unsigned char h2_request[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
					  "\x00\x00\x00\x04\x00\x00\x00\x00\x00"
					  "\x00\x00\x14\x01\x05\x00\x00\x00\x01"
					  "\x82\x87\x84\x41\x0f"
					  "app.example.com";
/* Server: SETTINGS, SETTINGS ACK, HEADERS :status 200 (index 8) ending stream 1. */
static const unsigned char h2_response[] = "\x00\x00\x00\x04\x00\x00\x00\x00\x00"
					   "\x00\x00\x00\x04\x01\x00\x00\x00\x00"
					   "\x00\x00\x01\x01\x05\x00\x00\x00\x01\x88";

enum {
	VERIFY_NONE = SSL_VERIFY_NONE,
	VERIFY_REQUIRE = SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
	EXPECT_SUCCESS = -1
};

struct server_cfg {
	int tls13;		/* TLS 1.3 only; otherwise TLS 1.2 at most */
	int verify;		/* SSL_VERIFY_* of the first handshake */
	int ca_extra;		/* <0: no CA list at all; else root + this many names */
	int allow_client_reneg; /* SSL_OP_ALLOW_CLIENT_RENEGOTIATION */
	int proxy_cert;		/* present the proxy's certificate */
	int inspection_cert;	/* present the TLS-inspection product's forged one */
	int alpn;		/* select h2 when the client offers it */
	int early_data;		/* tickets allow 0-RTT data (TLS 1.3) */
};

struct client_cfg {
	const struct pki_cert *cert;  /* NULL: the client has no certificate */
	const struct pki_cert *chain; /* intermediate sent along, or NULL */
	int keylog;
	int alpn; /* offer h2, http/1.1 */
	int trust_inspection; /* also trust the inspection product's CA (deployed by IT) */
};

static int alpn_select(SSL *s, const unsigned char **out, unsigned char *outlen, const unsigned char *in,
		       unsigned int inlen, void *arg)
{
	unsigned char *sel = NULL, sel_len = 0;
	if (SSL_select_next_proto(&sel, &sel_len, alpn_list, ALPN_LEN, in, inlen) != OPENSSL_NPN_NEGOTIATED)
		return SSL_TLSEXT_ERR_NOACK;
	*out = sel;
	*outlen = sel_len;
	return SSL_TLSEXT_ERR_OK;
}

/* Trust the test root and verify at the capture time, so validity verdicts are fixed. */
static int trust_root(SSL_CTX *ctx, const struct pki *pki)
{
	if (!X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx), pki->root.cert))
		return 0;
	X509_VERIFY_PARAM_set_time(SSL_CTX_get0_param(ctx), pki->base);
	return 1;
}

static SSL_CTX *server_ctx(const struct gen *g, const struct server_cfg *cfg)
{
	const struct pki *pki = g->pki;
	const struct pki_cert *me = cfg->inspection_cert ? &pki->inspection_server
				    : cfg->proxy_cert	 ? &pki->proxy
							 : &pki->server;
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	if (!ctx)
		return NULL;
	int ok = SSL_CTX_set_min_proto_version(ctx, cfg->tls13 ? TLS1_3_VERSION : TLS1_2_VERSION) &&
		 SSL_CTX_set_max_proto_version(ctx, cfg->tls13 ? TLS1_3_VERSION : TLS1_2_VERSION) &&
		 SSL_CTX_use_certificate(ctx, me->cert) && SSL_CTX_use_PrivateKey(ctx, me->key) &&
		 trust_root(ctx, pki) &&
		 SSL_CTX_set_session_id_context(ctx, (const unsigned char *)"mtlsgen", 7);
	if (ok && cfg->ca_extra >= 0) {
		STACK_OF(X509_NAME) *names = pki_ca_list(pki, cfg->ca_extra);
		if (names)
			SSL_CTX_set_client_CA_list(ctx, names); /* takes ownership */
		else
			ok = 0;
	}
	if (!ok) {
		SSL_CTX_free(ctx);
		return NULL;
	}
	SSL_CTX_set_verify(ctx, cfg->verify, NULL);
	if (cfg->early_data && !SSL_CTX_set_max_early_data(ctx, 16384)) {
		SSL_CTX_free(ctx);
		return NULL;
	}
	if (cfg->allow_client_reneg)
		SSL_CTX_set_options(ctx, SSL_OP_ALLOW_CLIENT_RENEGOTIATION);
	if (cfg->alpn)
		SSL_CTX_set_alpn_select_cb(ctx, alpn_select, NULL);
	return ctx;
}

static SSL_CTX *client_ctx(const struct gen *g, const struct client_cfg *cfg)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	if (!ctx)
		return NULL;
	int ok = SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) && trust_root(ctx, g->pki);
	if (ok && cfg->trust_inspection)
		ok = X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx), g->pki->inspection_ca.cert);
	if (ok && cfg->cert)
		ok = SSL_CTX_use_certificate(ctx, cfg->cert->cert) &&
		     SSL_CTX_use_PrivateKey(ctx, cfg->cert->key);
	if (ok && cfg->chain)
		ok = SSL_CTX_add1_chain_cert(ctx, cfg->chain->cert);
	/* SSL_CTX_set_alpn_protos returns 0 on success. */
	if (ok && cfg->alpn)
		ok = SSL_CTX_set_alpn_protos(ctx, alpn_list, ALPN_LEN) == 0;
	if (!ok) {
		SSL_CTX_free(ctx);
		return NULL;
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	if (cfg->keylog)
		SSL_CTX_set_keylog_callback(ctx, pair_keylog_cb);
	return ctx;
}

/* Both contexts and the pair; released together by session_end. */
struct session {
	SSL_CTX *sctx, *cctx;
	struct tls_pair p;
};

static int session_begin(struct session *s, const struct gen *g, const struct server_cfg *scfg,
			 const struct client_cfg *ccfg, struct conv *conv)
{
	memset(s, 0, sizeof(*s));
	s->sctx = server_ctx(g, scfg);
	s->cctx = client_ctx(g, ccfg);
	if (!s->sctx || !s->cctx || pair_init(&s->p, s->cctx, s->sctx, conv, sni) != 0) {
		ERR_print_errors_fp(stderr);
		SSL_CTX_free(s->sctx);
		SSL_CTX_free(s->cctx);
		memset(s, 0, sizeof(*s));
		return -1;
	}
	return 0;
}

static void session_end(struct session *s)
{
	pair_free(&s->p);
	SSL_CTX_free(s->sctx);
	SSL_CTX_free(s->cctx);
	memset(s, 0, sizeof(*s));
}

static int fail(const char *what, const char *why)
{
	fprintf(stderr, "mtlsgen: %s: %s\n", what, why);
	return -1;
}

/* Client sends `req`; the server must have received it whole. */
static int send_request(struct tls_pair *p, const void *req, size_t len)
{
	if (pair_write(p, DIR_C2S, req, len) != 0)
		return -1;
	size_t got = 0;
	char *in = pair_take_inbox(p, DIR_S2C, &got);
	int ok = in && got == len && memcmp(in, req, len) == 0;
	free(in);
	return ok ? 0 : -1;
}

/* Server answers; the client must have received something. */
static int send_response(struct tls_pair *p, const char *status, const char *body)
{
	char buf[512];
	int n = snprintf(
	    buf, sizeof(buf),
	    "HTTP/1.1 %s\r\nServer: mtlsgen\r\nContent-Type: text/plain\r\nContent-Length: %zu\r\n\r\n%s",
	    status, strlen(body), body);
	if (n < 0 || (size_t)n >= sizeof(buf) || pair_write(p, DIR_S2C, buf, (size_t)n) != 0)
		return -1;
	size_t got = 0;
	char *in = pair_take_inbox(p, DIR_C2S, &got);
	free(in);
	return got ? 0 : -1;
}

/* The client saw the alert it was meant to see (OpenSSL reason = 1000 + alert code). */
static int check_alert(const char *name, const struct tls_pair *p, int alert)
{
	int reason = ERR_GET_REASON(p->err[DIR_C2S]);
	if (!p->dead[DIR_S2C] || reason != SSL_AD_REASON_OFFSET + alert) {
		fprintf(stderr, "mtlsgen: %s: expected alert %d, client error: %s\n", name, alert,
			p->err[DIR_C2S] ? ERR_reason_error_string(p->err[DIR_C2S]) : "none");
		return -1;
	}
	return 0;
}

/*
 * Server-initiated renegotiation that asks for a certificate, as HTTP.SYS does
 * when the URL needs one and the binding did not negotiate it up front. Without
 * NO_SESSION_RESUMPTION_ON_RENEGOTIATION OpenSSL would resume and never ask.
 */
static void start_renegotiation(struct tls_pair *p, int verify)
{
	SSL *s = p->ssl[DIR_S2C];
	SSL_set_verify(s, verify, NULL);
	SSL_set_options(s, SSL_OP_NO_SESSION_RESUMPTION_ON_RENEGOTIATION);
	SSL_renegotiate(s);
}

/* ---- output ---- */

static int path_for(char *buf, size_t n, const struct gen *g, const char *name, const char *ext)
{
	int r = snprintf(buf, n, "%s/%s%s", g->outdir, name, ext);
	return r < 0 || (size_t)r >= n ? -1 : 0;
}

static int64_t start_us(const struct gen *g, const struct scenario *sc)
{
	return ((int64_t)g->pki->base + (int64_t)sc->minute * 60) * 1000000;
}

/* <name>.keylog: the key logs of one or more connections, one after the other. */
static int write_keylog(const struct gen *g, const char *name, const struct conv *const *convs, size_t n)
{
	char path[4096];
	if (path_for(path, sizeof(path), g, name, ".keylog") != 0)
		return -1;
	FILE *f = fopen(path, "w");
	if (!f) {
		perror(path);
		return -1;
	}
	int err = 0;
	for (size_t i = 0; i < n; i++)
		if (convs[i]->keylog_len &&
		    fwrite(convs[i]->keylog, 1, convs[i]->keylog_len, f) != convs[i]->keylog_len)
			err = -1;
	if (fclose(f) != 0)
		err = -1;
	return err;
}

static int write_capture(const struct gen *g, const char *name, const struct capture *cap, int pcapng)
{
	char path[4096];
	if (path_for(path, sizeof(path), g, name, pcapng ? ".pcapng" : ".pcap") != 0)
		return -1;
	if ((pcapng ? capture_write_pcapng(cap, path, name) : capture_write_pcap(cap, path)) != 0)
		return -1;
	printf("%-44s %5zu frames\n", path, cap->n);
	return 0;
}

/* The common case: one connection, one Ethernet (or other) interface, a .pcap. */
static int write_single(const struct gen *g, const struct scenario *sc, const struct conv *conv,
			const struct wire_opts *o, int linktype)
{
	struct capture cap;
	int rc = -1;
	capture_init(&cap);
	if (capture_add_if(&cap, linktype, NULL) == o->ifidx && wire_emit(&cap, conv, o, NULL) == 0 &&
	    write_capture(g, sc->name, &cap, 0) == 0)
		rc = 0;
	if (rc == 0 && sc->keylog)
		rc = write_keylog(g, sc->name, &conv, 1);
	capture_free(&cap);
	return rc;
}

/* ---- recorded exchanges ---- */

/*
 * Handshake, then either the request/200/close of a working connection, or the
 * alert `expect` (as the client received it) followed by the server closing.
 */
static int record_basic(const struct gen *g, const char *name, struct conv *conv,
			const struct server_cfg *scfg, const struct client_cfg *ccfg, int expect)
{
	struct session s;
	if (session_begin(&s, g, scfg, ccfg, conv) != 0)
		return -1;
	int rc = -1;
	int hs = pair_handshake(&s.p);
	if (hs < 0) {
		fail(name, "handshake driver failed");
	} else if (expect == EXPECT_SUCCESS) {
		if (hs != 1)
			fail(name, "handshake failed");
		else if (send_request(&s.p, http_get, strlen(http_get)) != 0 ||
			 send_response(&s.p, "200 OK", "authenticated\n") != 0 ||
			 pair_close(&s.p, DIR_C2S) != 0)
			fail(name, "request/response failed");
		else
			rc = 0;
	} else if (hs == 1) {
		fail(name, "handshake succeeded but should have failed");
	} else if (check_alert(name, &s.p, expect) == 0) {
		/* After a fatal alert the server application closes its socket. */
		rc = conv_add(conv, EV_FIN, DIR_S2C, NULL, 0);
	}
	session_end(&s);
	return rc;
}

static int record_mutual_ok(const struct gen *g, const char *name, struct conv *conv, int keylog)
{
	const struct server_cfg scfg = {.verify = VERIFY_REQUIRE, .ca_extra = 3};
	const struct client_cfg ccfg = {.cert = &g->pki->client, .chain = &g->pki->inter, .keylog = keylog};
	return record_basic(g, name, conv, &scfg, &ccfg, EXPECT_SUCCESS);
}

static int record_empty_client_cert(const struct gen *g, const char *name, struct conv *conv, int keylog)
{
	const struct server_cfg scfg = {.verify = VERIFY_REQUIRE, .ca_extra = 3};
	const struct client_cfg ccfg = {.keylog = keylog};
	return record_basic(g, name, conv, &scfg, &ccfg, SSL_AD_HANDSHAKE_FAILURE);
}

/* ---- exchanges for the bench captures ---- */

/* The server's answer: a header, then `len` bytes written 64 KiB at a time
 * (each write is one flight of four 16 KiB records). */
static int send_bulk(struct tls_pair *p, size_t len)
{
	enum { CHUNK = 64 * 1024 };
	static const char head[] = "HTTP/1.1 200 OK\r\nServer: mtlsgen\r\nContent-Type: application/octet-stream\r\n\r\n";
	unsigned char *buf = malloc(CHUNK);
	int rc = buf ? pair_write(p, DIR_S2C, head, sizeof(head) - 1) : -1;
	for (size_t done = 0; rc == 0 && done < len;) {
		size_t n = len - done < CHUNK ? len - done : CHUNK;
		for (size_t i = 0; i < n; i++)
			buf[i] = (unsigned char)((done + i) * 2654435761u >> 24);
		rc = pair_write(p, DIR_S2C, buf, n);
		free(pair_take_inbox(p, DIR_C2S, NULL));
		done += n;
	}
	free(buf);
	return rc;
}

int scenario_record_bench(const struct gen *g, enum bench_kind kind, size_t response_bytes, struct conv *conv)
{
	const struct server_cfg scfg = {.tls13 = kind == BENCH_TLS13_MUTUAL, .verify = VERIFY_REQUIRE, .ca_extra = 3};
	const struct client_cfg ccfg = {
	    .cert = kind == BENCH_TLS12_NO_CERT ? NULL : &g->pki->client,
	    .chain = kind == BENCH_TLS12_NO_CERT ? NULL : &g->pki->inter,
	    .keylog = 1};
	if (kind == BENCH_TLS12_NO_CERT)
		return record_basic(g, "bench", conv, &scfg, &ccfg, SSL_AD_HANDSHAKE_FAILURE);
	if (!response_bytes)
		return record_basic(g, "bench", conv, &scfg, &ccfg, EXPECT_SUCCESS);
	struct session s;
	if (session_begin(&s, g, &scfg, &ccfg, conv) != 0)
		return -1;
	int rc = -1;
	if (pair_handshake(&s.p) != 1)
		fail("bench", "handshake failed");
	else if (send_request(&s.p, http_get, strlen(http_get)) != 0 || send_bulk(&s.p, response_bytes) != 0 ||
		 pair_close(&s.p, DIR_C2S) != 0)
		fail("bench", "bulk transfer failed");
	else
		rc = 0;
	session_end(&s);
	return rc;
}

/* ---- scenarios ---- */

static int run_basic(const struct gen *g, const struct scenario *sc, const struct server_cfg *scfg,
		     const struct client_cfg *ccfg, int expect)
{
	struct conv conv;
	struct wire_opts o;
	conv_init(&conv);
	wire_defaults(&o, start_us(g, sc), sc->cport);
	int rc = record_basic(g, sc->name, &conv, scfg, ccfg, expect);
	if (rc == 0)
		rc = write_single(g, sc, &conv, &o, DLT_EN10MB);
	conv_free(&conv);
	return rc;
}

/* One connection: a fresh session, `play` drives it (0 when the scenario
 * happened as intended), and what was exchanged becomes the capture. */
typedef int (*play_fn)(const struct scenario *sc, struct session *s, struct conv *conv, struct wire_opts *o);

static int run_played(const struct gen *g, const struct scenario *sc, const struct server_cfg *scfg,
		      const struct client_cfg *ccfg, play_fn play)
{
	struct conv conv;
	struct session s;
	struct wire_opts o;
	int rc = -1;
	conv_init(&conv);
	wire_defaults(&o, start_us(g, sc), sc->cport);
	if (session_begin(&s, g, scfg, ccfg, &conv) == 0) {
		if (play(sc, &s, &conv, &o) == 0)
			rc = write_single(g, sc, &conv, &o, DLT_EN10MB);
		session_end(&s);
	}
	conv_free(&conv);
	return rc;
}

static int sc_mutual_ok(const struct gen *g, const struct scenario *sc)
{
	const struct server_cfg scfg = {.verify = VERIFY_REQUIRE, .ca_extra = 3};
	const struct client_cfg ccfg = {
	    .cert = &g->pki->client, .chain = &g->pki->inter, .keylog = sc->keylog};
	return run_basic(g, sc, &scfg, &ccfg, EXPECT_SUCCESS);
}

static int sc_empty_client_cert(const struct gen *g, const struct scenario *sc)
{
	const struct server_cfg scfg = {.verify = VERIFY_REQUIRE, .ca_extra = 3};
	const struct client_cfg ccfg = {.keylog = sc->keylog};
	return run_basic(g, sc, &scfg, &ccfg, SSL_AD_HANDSHAKE_FAILURE);
}

/* The server asks but does not insist (IIS "Accept"); the client has no
 * certificate, answers empty, and gets its 200. */
static int sc_optional_cert_none(const struct gen *g, const struct scenario *sc)
{
	const struct server_cfg scfg = {.verify = SSL_VERIFY_PEER, .ca_extra = 3};
	const struct client_cfg ccfg = {.keylog = sc->keylog};
	return run_basic(g, sc, &scfg, &ccfg, EXPECT_SUCCESS);
}

static int sc_empty_ca_list(const struct gen *g, const struct scenario *sc)
{
	/* No client CA list configured: OpenSSL sends certificate_authorities empty. */
	const struct server_cfg scfg = {.verify = VERIFY_REQUIRE, .ca_extra = -1};
	const struct client_cfg ccfg = {
	    .cert = &g->pki->client, .chain = &g->pki->inter, .keylog = sc->keylog};
	return run_basic(g, sc, &scfg, &ccfg, EXPECT_SUCCESS);
}

static int sc_huge_ca_list(const struct gen *g, const struct scenario *sc)
{
	/* 150 long issuer names: about 20 KB, more than one 16 KB record. */
	const struct server_cfg scfg = {.verify = VERIFY_REQUIRE, .ca_extra = 150};
	const struct client_cfg ccfg = {
	    .cert = &g->pki->client, .chain = &g->pki->inter, .keylog = sc->keylog};
	return run_basic(g, sc, &scfg, &ccfg, EXPECT_SUCCESS);
}

static int sc_unknown_ca(const struct gen *g, const struct scenario *sc)
{
	const struct server_cfg scfg = {.verify = VERIFY_REQUIRE, .ca_extra = 3};
	const struct client_cfg ccfg = {.cert = &g->pki->client_rogue, .keylog = sc->keylog};
	return run_basic(g, sc, &scfg, &ccfg, SSL_AD_UNKNOWN_CA);
}

static int sc_expired(const struct gen *g, const struct scenario *sc)
{
	const struct server_cfg scfg = {.verify = VERIFY_REQUIRE, .ca_extra = 3};
	const struct client_cfg ccfg = {
	    .cert = &g->pki->client_expired, .chain = &g->pki->inter, .keylog = sc->keylog};
	return run_basic(g, sc, &scfg, &ccfg, SSL_AD_CERTIFICATE_EXPIRED);
}

static int sc_no_eku(const struct gen *g, const struct scenario *sc)
{
	const struct server_cfg scfg = {.verify = VERIFY_REQUIRE, .ca_extra = 3};
	const struct client_cfg ccfg = {
	    .cert = &g->pki->client_no_eku, .chain = &g->pki->inter, .keylog = sc->keylog};
	return run_basic(g, sc, &scfg, &ccfg, SSL_AD_UNSUPPORTED_CERTIFICATE);
}

/* TLS 1.3, the server asks but does not insist; the client has no
 * certificate and answers with an empty Certificate; the application
 * then refuses the request with 403. */
static int play_tls13_empty_client_cert(const struct scenario *sc, struct session *s, struct conv *conv,
					struct wire_opts *o)
{
	if (pair_handshake(&s->p) != 1)
		return fail(sc->name, "handshake failed");
	if (send_request(&s->p, http_get, strlen(http_get)) != 0 ||
	    send_response(&s->p, "403 Forbidden", "client certificate required\n") != 0 ||
	    pair_close(&s->p, DIR_C2S) != 0)
		return fail(sc->name, "request/response failed");
	return 0;
}

static int sc_tls13_empty_client_cert(const struct gen *g, const struct scenario *sc)
{
	const struct server_cfg scfg = {.tls13 = 1, .verify = SSL_VERIFY_PEER, .ca_extra = 3};
	const struct client_cfg ccfg = {.keylog = sc->keylog};
	return run_played(g, sc, &scfg, &ccfg, play_tls13_empty_client_cert);
}

static int sc_tls13_client_cert(const struct gen *g, const struct scenario *sc)
{
	const struct server_cfg scfg = {.tls13 = 1, .verify = VERIFY_REQUIRE, .ca_extra = 3};
	const struct client_cfg ccfg = {
	    .cert = &g->pki->client, .chain = &g->pki->inter, .keylog = sc->keylog};
	return run_basic(g, sc, &scfg, &ccfg, EXPECT_SUCCESS);
}

/* TLS 1.3, the server requires a certificate, the client has none: an empty
 * Certificate and Finished, then the server's encrypted certificate_required. */
static int sc_tls13_no_client_cert(const struct gen *g, const struct scenario *sc)
{
	const struct server_cfg scfg = {.tls13 = 1, .verify = VERIFY_REQUIRE, .ca_extra = 3};
	const struct client_cfg ccfg = {.keylog = sc->keylog};
	return run_basic(g, sc, &scfg, &ccfg, SSL_AD_CERTIFICATE_REQUIRED);
}

/*
 * Late request: a first handshake without CertificateRequest, the HTTP request,
 * then server renegotiation with the request; 200 with a certificate, 403 without.
 */
static int record_late_request(const struct gen *g, const char *name, struct conv *conv,
			       const struct pki_cert *cert, int h2, int keylog, const char *request)
{
	const struct server_cfg scfg = {.verify = VERIFY_NONE, .ca_extra = 3, .alpn = h2};
	const struct client_cfg ccfg = {
	    .cert = cert, .chain = cert ? &g->pki->inter : NULL, .keylog = keylog, .alpn = h2};
	struct session s;
	if (session_begin(&s, g, &scfg, &ccfg, conv) != 0)
		return -1;
	int rc = -1;
	const void *req = h2 ? (const void *)h2_request : request;
	size_t req_len = h2 ? sizeof(h2_request) - 1 : strlen(request);
	if (pair_handshake(&s.p) != 1) {
		fail(name, "first handshake failed");
		goto out;
	}
	if (h2) {
		const unsigned char *proto = NULL;
		unsigned int plen = 0;
		SSL_get0_alpn_selected(s.p.ssl[DIR_C2S], &proto, &plen);
		if (plen != 2 || memcmp(proto, "h2", 2) != 0) {
			fail(name, "ALPN did not select h2");
			goto out;
		}
	}
	if (send_request(&s.p, req, req_len) != 0) {
		fail(name, "request failed");
		goto out;
	}
	/* Accept-but-not-require for the no-certificate case, so the server can answer 403. */
	start_renegotiation(&s.p, cert ? VERIFY_REQUIRE : SSL_VERIFY_PEER);
	if (pair_step(&s.p, DIR_S2C) != 0 || pair_settle(&s.p) != 0 || s.p.dead[0] || s.p.dead[1] ||
	    SSL_num_renegotiations(s.p.ssl[DIR_S2C]) < 1) {
		fail(name, "renegotiation failed");
		goto out;
	}
	int have_cert = SSL_get0_peer_certificate(s.p.ssl[DIR_S2C]) != NULL;
	if (have_cert != (cert != NULL)) {
		fail(name, "unexpected client certificate outcome");
		goto out;
	}
	if (h2) {
		if (pair_write(&s.p, DIR_S2C, h2_response, sizeof(h2_response) - 1) != 0)
			goto out;
		free(pair_take_inbox(&s.p, DIR_C2S, NULL));
	} else if (send_response(&s.p, have_cert ? "200 OK" : "403 Forbidden",
				 have_cert ? "authenticated\n" : "403.7 - client certificate required\n") !=
		   0) {
		fail(name, "response failed");
		goto out;
	}
	rc = pair_close(&s.p, DIR_C2S);
out:
	session_end(&s);
	return rc;
}

static int run_late_request(const struct gen *g, const struct scenario *sc, const struct pki_cert *cert,
			    int h2)
{
	struct conv conv;
	struct wire_opts o;
	conv_init(&conv);
	wire_defaults(&o, start_us(g, sc), sc->cport);
	int rc = record_late_request(g, sc->name, &conv, cert, h2, sc->keylog, http_get);
	if (rc == 0)
		rc = write_single(g, sc, &conv, &o, DLT_EN10MB);
	conv_free(&conv);
	return rc;
}

static int sc_reneg_late(const struct gen *g, const struct scenario *sc)
{
	return run_late_request(g, sc, &g->pki->client, 0);
}

static int sc_reneg_late_no_cert(const struct gen *g, const struct scenario *sc)
{
	return run_late_request(g, sc, NULL, 0);
}

static int sc_reneg_h2(const struct gen *g, const struct scenario *sc)
{
	return run_late_request(g, sc, &g->pki->client, 1);
}

/* Late request by renegotiation, and the client's certificate comes from a root
 * the server does not trust: its unknown_ca alert is encrypted under the keys of
 * the first handshake, so only the alert's record type shows. */
static int play_reneg_late_unknown_ca(const struct scenario *sc, struct session *s, struct conv *conv,
				      struct wire_opts *o)
{
	if (pair_handshake(&s->p) != 1 || send_request(&s->p, http_get, strlen(http_get)) != 0)
		return fail(sc->name, "handshake or request failed");
	start_renegotiation(&s->p, VERIFY_REQUIRE);
	if (pair_step(&s->p, DIR_S2C) != 0)
		return -1;
	(void)pair_settle(&s->p); /* fails on purpose: the server rejects the certificate */
	if (check_alert(sc->name, &s->p, SSL_AD_UNKNOWN_CA) != 0)
		return -1;
	return conv_add(conv, EV_FIN, DIR_S2C, NULL, 0);
}

static int sc_reneg_late_unknown_ca(const struct gen *g, const struct scenario *sc)
{
	const struct server_cfg scfg = {.verify = VERIFY_NONE, .ca_extra = 3};
	const struct client_cfg ccfg = {.cert = &g->pki->client_rogue, .keylog = sc->keylog};
	return run_played(g, sc, &scfg, &ccfg, play_reneg_late_unknown_ca);
}

/* The client renegotiates on its own after a first exchange; the server allows it. */
static int play_client_reneg(const struct scenario *sc, struct session *s, struct conv *conv, struct wire_opts *o)
{
	if (pair_handshake(&s->p) != 1 || send_request(&s->p, http_get, strlen(http_get)) != 0 ||
	    send_response(&s->p, "200 OK", "authenticated\n") != 0)
		return fail(sc->name, "first exchange failed");
	SSL_renegotiate(s->p.ssl[DIR_C2S]);
	if (pair_step(&s->p, DIR_C2S) != 0 || pair_settle(&s->p) != 0 || s->p.dead[0] || s->p.dead[1] ||
	    SSL_num_renegotiations(s->p.ssl[DIR_C2S]) < 1)
		return fail(sc->name, "client renegotiation failed");
	if (send_request(&s->p, http_get, strlen(http_get)) != 0 ||
	    send_response(&s->p, "200 OK", "authenticated again\n") != 0 || pair_close(&s->p, DIR_C2S) != 0)
		return fail(sc->name, "second exchange failed");
	return 0;
}

static int sc_client_reneg(const struct gen *g, const struct scenario *sc)
{
	const struct server_cfg scfg = {.verify = VERIFY_REQUIRE, .ca_extra = 3, .allow_client_reneg = 1};
	const struct client_cfg ccfg = {
	    .cert = &g->pki->client, .chain = &g->pki->inter, .keylog = sc->keylog};
	return run_played(g, sc, &scfg, &ccfg, play_client_reneg);
}

/* Two connections: a full mutual handshake, then one resuming its session. */
/*
 * Two connections on one server context (its session cache and ticket
 * keys): a full mutual handshake with a request, whose ticket arrives with
 * the response, then `resume` on a second connection offering that
 * session. Written 2.5 s apart into one capture.
 */
static int run_resumption(const struct gen *g, const struct scenario *sc, const struct server_cfg *scfg,
			  int (*resume)(const struct scenario *sc, struct tls_pair *p))
{
	const struct client_cfg ccfg = {
	    .cert = &g->pki->client, .chain = &g->pki->inter, .keylog = sc->keylog};
	SSL_CTX *sctx = server_ctx(g, scfg), *cctx = client_ctx(g, &ccfg);
	struct conv conv[2];
	struct tls_pair p[2];
	SSL_SESSION *sess = NULL;
	struct capture cap;
	int rc = -1;
	memset(p, 0, sizeof(p));
	conv_init(&conv[0]);
	conv_init(&conv[1]);
	capture_init(&cap);
	if (!sctx || !cctx)
		goto out;
	if (pair_init(&p[0], cctx, sctx, &conv[0], sni) != 0 || pair_handshake(&p[0]) != 1 ||
	    send_request(&p[0], http_get, strlen(http_get)) != 0 ||
	    send_response(&p[0], "200 OK", "authenticated\n") != 0) {
		fail(sc->name, "first connection failed");
		goto out;
	}
	sess = SSL_get1_session(p[0].ssl[DIR_C2S]);
	if (pair_close(&p[0], DIR_C2S) != 0 || !sess || pair_init(&p[1], cctx, sctx, &conv[1], sni) != 0 ||
	    !SSL_set_session(p[1].ssl[DIR_C2S], sess) || resume(sc, &p[1]) != 0)
		goto out;

	struct wire_opts o;
	int64_t t_end = 0;
	wire_defaults(&o, start_us(g, sc), sc->cport);
	if (capture_add_if(&cap, DLT_EN10MB, NULL) != 0 || wire_emit(&cap, &conv[0], &o, &t_end) != 0)
		goto out;
	wire_defaults(&o, t_end + 2500000, (uint16_t)(sc->cport + 1));
	if (wire_emit(&cap, &conv[1], &o, NULL) != 0 || write_capture(g, sc->name, &cap, 0) != 0)
		goto out;
	const struct conv *convs[2] = {&conv[0], &conv[1]};
	rc = sc->keylog ? write_keylog(g, sc->name, convs, 2) : 0;
out:
	SSL_SESSION_free(sess);
	pair_free(&p[0]);
	pair_free(&p[1]);
	SSL_CTX_free(sctx);
	SSL_CTX_free(cctx);
	conv_free(&conv[0]);
	conv_free(&conv[1]);
	capture_free(&cap);
	return rc;
}

/* An abbreviated handshake, then a request. */
static int resume_plain(const struct scenario *sc, struct tls_pair *p)
{
	if (pair_handshake(p) != 1 || !SSL_session_reused(p->ssl[DIR_C2S])) {
		fail(sc->name, "second connection did not resume");
		return -1;
	}
	return send_request(p, http_get, strlen(http_get)) != 0 ||
			   send_response(p, "200 OK", "authenticated (resumed)\n") != 0 ||
			   pair_close(p, DIR_C2S) != 0
		       ? -1
		       : 0;
}

static int sc_resumed(const struct gen *g, const struct scenario *sc)
{
	const struct server_cfg scfg = {.verify = VERIFY_REQUIRE, .ca_extra = 3};
	return run_resumption(g, sc, &scfg, resume_plain);
}

/* TLS 1.3: nothing requested in the handshake; the server asks after the request. */
static int play_tls13_pha(const struct scenario *sc, struct session *s, struct conv *conv, struct wire_opts *o)
{
	SSL_set_post_handshake_auth(s->p.ssl[DIR_C2S], 1);
	if (pair_handshake(&s->p) != 1 || SSL_get0_peer_certificate(s->p.ssl[DIR_S2C]) != NULL ||
	    send_request(&s->p, http_get, strlen(http_get)) != 0)
		return fail(sc->name, "handshake or request failed");
	if (SSL_verify_client_post_handshake(s->p.ssl[DIR_S2C]) != 1 || pair_step(&s->p, DIR_S2C) != 0 ||
	    pair_settle(&s->p) != 0 || SSL_get0_peer_certificate(s->p.ssl[DIR_S2C]) == NULL)
		return fail(sc->name, "post-handshake authentication failed");
	if (send_response(&s->p, "200 OK", "authenticated\n") != 0 || pair_close(&s->p, DIR_C2S) != 0)
		return -1;
	return 0;
}

static int sc_tls13_pha(const struct gen *g, const struct scenario *sc)
{
	const struct server_cfg scfg = {
	    .tls13 = 1, .verify = SSL_VERIFY_PEER | SSL_VERIFY_POST_HANDSHAKE, .ca_extra = 3};
	const struct client_cfg ccfg = {
	    .cert = &g->pki->client, .chain = &g->pki->inter, .keylog = sc->keylog};
	return run_played(g, sc, &scfg, &ccfg, play_tls13_pha);
}

/* TLS 1.3 with no request in the handshake; the URL needs a certificate and the
 * server, unable to renegotiate, resets the connection after the request (HTTP.SYS
 * on Windows Server 2022 with SslNegotiateCert). */
static int play_tls13_late_reset(const struct scenario *sc, struct session *s, struct conv *conv,
				 struct wire_opts *o)
{
	if (pair_handshake(&s->p) != 1 || send_request(&s->p, http_get, strlen(http_get)) != 0)
		return fail(sc->name, "handshake or request failed");
	return conv_add(conv, EV_RST, DIR_S2C, NULL, 0);
}

static int sc_tls13_late_reset(const struct gen *g, const struct scenario *sc)
{
	const struct server_cfg scfg = {.tls13 = 1, .verify = VERIFY_NONE, .ca_extra = 3};
	const struct client_cfg ccfg = {
	    .cert = &g->pki->client, .chain = &g->pki->inter, .keylog = sc->keylog};
	return run_played(g, sc, &scfg, &ccfg, play_tls13_late_reset);
}

/* The server starts renegotiation after the request; the client resets instead of answering. */
static int play_client_rst(const struct scenario *sc, struct session *s, struct conv *conv, struct wire_opts *o)
{
	if (pair_handshake(&s->p) != 1 || send_request(&s->p, http_get, strlen(http_get)) != 0)
		return fail(sc->name, "handshake or request failed");
	start_renegotiation(&s->p, VERIFY_REQUIRE);
	/* The HelloRequest goes out; the client application never reads it and aborts. */
	if (pair_step(&s->p, DIR_S2C) != 0)
		return -1;
	return conv_add(conv, EV_RST, DIR_C2S, NULL, 0);
}

static int sc_client_rst(const struct gen *g, const struct scenario *sc)
{
	const struct server_cfg scfg = {.verify = VERIFY_NONE, .ca_extra = 3};
	const struct client_cfg ccfg = {
	    .cert = &g->pki->client, .chain = &g->pki->inter, .keylog = sc->keylog};
	return run_played(g, sc, &scfg, &ccfg, play_client_rst);
}

/* Real ClientHello and server flight with the request; then a forged RST
 * (with the forger's own TTL, or, for the -same-ttl variant, the server's). */
static int play_injected_rst(const struct scenario *sc, struct session *s, struct conv *conv, struct wire_opts *o)
{
	o->forger_copies_ttl = strstr(sc->name, "same-ttl") != NULL;
	if (pair_step(&s->p, DIR_C2S) != 0 || pair_step(&s->p, DIR_S2C) != 0 || conv->n != 2)
		return fail(sc->name, "first flights failed");
	return conv_add(conv, EV_INJECTED_RST, DIR_S2C, NULL, 0);
}

static int sc_injected_rst(const struct gen *g, const struct scenario *sc)
{
	const struct server_cfg scfg = {.verify = VERIFY_REQUIRE, .ca_extra = 3};
	const struct client_cfg ccfg = {
	    .cert = &g->pki->client, .chain = &g->pki->inter, .keylog = sc->keylog};
	return run_played(g, sc, &scfg, &ccfg, play_injected_rst);
}

/*
 * A TLS-terminating proxy: the client's connection to the proxy has no request at
 * all and gets a late 403; on the proxy's connection to the backend the backend
 * renegotiates with a CertificateRequest and the proxy (no certificate) sends an
 * empty Certificate. Two captures, one per side, on a shared clock.
 */
static int sc_proxy(const struct gen *g, const struct scenario *sc)
{
	static const uint8_t proxy_ip[4] = {203, 0, 113, 5}, backend_ip[4] = {203, 0, 113, 80};
	const struct server_cfg pcfg = {.verify = VERIFY_NONE, .ca_extra = -1, .proxy_cert = 1};
	const struct client_cfg ccfg = {
	    .cert = &g->pki->client, .chain = &g->pki->inter, .keylog = sc->keylog};
	struct conv front, back;
	struct session s;
	struct wire_opts o;
	int rc = -1;
	conv_init(&front);
	conv_init(&back);

	/* Client side: handshake without a request, GET, backend time, 403. */
	if (session_begin(&s, g, &pcfg, &ccfg, &front) != 0)
		goto out;
	if (pair_handshake(&s.p) != 1 || send_request(&s.p, http_get, strlen(http_get)) != 0 ||
	    conv_add(&front, EV_PAUSE, DIR_S2C, NULL, 14000) != 0 ||
	    send_response(&s.p, "403 Forbidden", "403.7 - client certificate required\n") != 0 ||
	    pair_close(&s.p, DIR_C2S) != 0) {
		fail(sc->name, "client side failed");
		session_end(&s);
		goto out;
	}
	session_end(&s);

	/* Server side: the proxy, without a client certificate, is the TLS client. */
	if (record_late_request(g, sc->name, &back, NULL, 0, sc->keylog, http_get_proxied) != 0)
		goto out;

	wire_defaults(&o, start_us(g, sc), sc->cport);
	char name[128];
	snprintf(name, sizeof(name), "%s-client-side", sc->name);
	struct scenario side = *sc;
	side.name = name;
	if (write_single(g, &side, &front, &o, DLT_EN10MB) != 0)
		goto out;
	/* The proxy connects out once the request has arrived (about 4 ms in). */
	wire_defaults(&o, start_us(g, sc) + 4200, (uint16_t)(sc->cport + 1));
	memcpy(o.cip, proxy_ip, 4);
	memcpy(o.sip, backend_ip, 4);
	o.ttl_c = 64;  /* the proxy is a Linux box */
	o.ttl_s = 128; /* the backend a Windows server */
	snprintf(name, sizeof(name), "%s-server-side", sc->name);
	rc = write_single(g, &side, &back, &o, DLT_EN10MB);
out:
	conv_free(&front);
	conv_free(&back);
	return rc;
}

/*
 * The backend closes first and resets what still arrives: its close_notify and
 * FIN, then the proxy's close_notify reaches a closed socket and gets a RST. A
 * normal end, however it looks.
 */
static int close_then_reset(struct tls_pair *p)
{
	SSL_shutdown(p->ssl[DIR_S2C]);
	if (pair_flush(p) < 0 || pair_settle(p) != 0 || conv_add(p->conv, EV_HALF_CLOSE, DIR_S2C, NULL, 0) != 0)
		return -1;
	SSL_shutdown(p->ssl[DIR_C2S]);
	if (pair_flush(p) < 0 || pair_settle(p) != 0)
		return -1;
	if (!(SSL_get_shutdown(p->ssl[DIR_C2S]) & SSL_RECEIVED_SHUTDOWN))
		return -1;
	return conv_add(p->conv, EV_RST, DIR_S2C, NULL, 0);
}

/* One leg of a proxied exchange: a full handshake, `req`, a pause (the
 * backend's time, on the client's leg), the answer `status`, and the close. */
static int record_leg(const struct gen *g, const char *name, struct conv *conv, const struct server_cfg *scfg,
		      const struct client_cfg *ccfg, const char *req, int64_t pause_us, const char *status,
		      int reset_close)
{
	struct session s;
	if (session_begin(&s, g, scfg, ccfg, conv) != 0)
		return -1;
	int rc = -1;
	if (pair_handshake(&s.p) != 1)
		fail(name, "handshake failed");
	else if (send_request(&s.p, req, strlen(req)) != 0 ||
		 (pause_us && conv_add(conv, EV_PAUSE, DIR_S2C, NULL, (size_t)pause_us) != 0) ||
		 send_response(&s.p, status, "from the backend\n") != 0)
		fail(name, "request/response failed");
	else if ((reset_close ? close_then_reset(&s.p) : pair_close(&s.p, DIR_C2S)) != 0)
		fail(name, "close failed");
	else if (scfg->verify != VERIFY_NONE && !SSL_get0_peer_certificate(s.p.ssl[DIR_S2C]))
		fail(name, "the server did not get the client certificate");
	else
		rc = 0;
	session_end(&s);
	return rc;
}

/*
 * A TLS-terminating proxy (HAProxy `server ... crt`, nginx
 * `proxy_ssl_certificate`) that authenticates to the backend with its own
 * client certificate. Three connections per side, two seconds apart:
 *  1. the proxy does not ask the client for a certificate, presents edge-proxy
 *     to the backend and gets 200; the backend ends with FIN, then a RST for
 *     the proxy's close_notify that arrived after it (a normal close);
 *  2. the proxy asks the client, alice sends hers, the proxy presents
 *     edge-proxy, 200;
 *  3. the proxy presents mallory (from a root the backend does not trust): the
 *     backend's fatal unknown_ca, and the client gets a 502.
 * Written to compare/ (outside the single-capture sample set).
 */
#define OWN_CERT_CONNS 3
static int sc_proxy_own_cert(const struct gen *g, const struct scenario *sc)
{
	static const uint8_t proxy_ip[4] = {203, 0, 113, 5}, backend_ip[4] = {203, 0, 113, 80};
	const struct server_cfg front_open = {.verify = VERIFY_NONE, .ca_extra = -1, .proxy_cert = 1};
	const struct server_cfg front_mtls = {.verify = VERIFY_REQUIRE, .ca_extra = 3, .proxy_cert = 1};
	const struct server_cfg backend = {.verify = VERIFY_REQUIRE, .ca_extra = 3};
	const struct client_cfg client = {.cert = &g->pki->client, .chain = &g->pki->inter, .keylog = sc->keylog};
	const struct client_cfg proxy = {
	    .cert = &g->pki->proxy_client, .chain = &g->pki->inter, .keylog = sc->keylog};
	const struct client_cfg proxy_untrusted = {.cert = &g->pki->client_rogue, .keylog = sc->keylog};
	struct conv front[OWN_CERT_CONNS], back[OWN_CERT_CONNS];
	struct capture cap;
	struct wire_opts o;
	char name[160], dir[4096];
	int rc = -1;
	for (int i = 0; i < OWN_CERT_CONNS; i++) {
		conv_init(&front[i]);
		conv_init(&back[i]);
	}
	capture_init(&cap);
	if (path_for(dir, sizeof(dir), g, "compare", "") != 0 || (mkdir(dir, 0777) != 0 && access(dir, W_OK) != 0)) {
		fail(sc->name, "cannot create the compare directory");
		goto out;
	}
	if (record_leg(g, sc->name, &front[0], &front_open, &client, http_get, 14000, "200 OK", 0) != 0 ||
	    record_leg(g, sc->name, &back[0], &backend, &proxy, http_get_proxied, 0, "200 OK", 1) != 0 ||
	    record_leg(g, sc->name, &front[1], &front_mtls, &client, http_get, 14000, "200 OK", 0) != 0 ||
	    record_leg(g, sc->name, &back[1], &backend, &proxy, http_get_proxied, 0, "200 OK", 0) != 0 ||
	    record_leg(g, sc->name, &front[2], &front_open, &client, http_get, 6000, "502 Bad Gateway", 0) != 0 ||
	    record_basic(g, sc->name, &back[2], &backend, &proxy_untrusted, SSL_AD_UNKNOWN_CA) != 0)
		goto out;

	/* Client side: the client's connections to the proxy. */
	int ifidx = capture_add_if(&cap, DLT_EN10MB, NULL);
	for (int i = 0; i < OWN_CERT_CONNS; i++) {
		wire_defaults(&o, start_us(g, sc) + i * 2000000, (uint16_t)(sc->cport + 2 * i));
		o.ifidx = ifidx;
		if (wire_emit(&cap, &front[i], &o, NULL) != 0)
			goto out;
	}
	snprintf(name, sizeof(name), "compare/%s-client-side", sc->name);
	const struct conv *fc[OWN_CERT_CONNS] = {&front[0], &front[1], &front[2]};
	if (write_capture(g, name, &cap, 0) != 0 || (sc->keylog && write_keylog(g, name, fc, OWN_CERT_CONNS) != 0))
		goto out;
	capture_free(&cap);
	capture_init(&cap);

	/* Server side: the proxy connects out once the client's request has arrived. */
	ifidx = capture_add_if(&cap, DLT_EN10MB, NULL);
	for (int i = 0; i < OWN_CERT_CONNS; i++) {
		wire_defaults(&o, start_us(g, sc) + i * 2000000 + (i == 1 ? 9000 : 4200),
			      (uint16_t)(sc->cport + 2 * i + 1));
		o.ifidx = ifidx;
		memcpy(o.cip, proxy_ip, 4);
		memcpy(o.sip, backend_ip, 4);
		o.ttl_c = 64;
		o.ttl_s = 128;
		if (wire_emit(&cap, &back[i], &o, NULL) != 0)
			goto out;
	}
	snprintf(name, sizeof(name), "compare/%s-server-side", sc->name);
	const struct conv *bc[OWN_CERT_CONNS] = {&back[0], &back[1], &back[2]};
	if (write_capture(g, name, &cap, 0) != 0 || (sc->keylog && write_keylog(g, name, bc, OWN_CERT_CONNS) != 0))
		goto out;
	rc = 0;
out:
	capture_free(&cap);
	for (int i = 0; i < OWN_CERT_CONNS; i++) {
		conv_free(&front[i]);
		conv_free(&back[i]);
	}
	return rc;
}

/*
 * TLS 1.3 with 0-RTT: the resumption sends the GET as early data with its
 * ClientHello, before the server's flight. A PSK handshake has no
 * CertificateRequest; the client's records before and after the server's
 * flight must not be taken for a certificate.
 */
static int resume_early_data(const struct scenario *sc, struct tls_pair *p)
{
	SSL *client = p->ssl[DIR_C2S], *server = p->ssl[DIR_S2C];
	size_t written = 0, got = 0;
	unsigned char early[512];
	if (SSL_SESSION_get_max_early_data(SSL_get_session(client)) == 0 ||
	    SSL_write_early_data(client, http_get, strlen(http_get), &written) != 1 || written != strlen(http_get) ||
	    pair_flush(p) < 0) {
		fail(sc->name, "early data not written");
		return -1;
	}
	/* The server reads the early data; when it needs the client's
	 * EndOfEarlyData and Finished, its own flight goes out first. */
	int er = SSL_READ_EARLY_DATA_ERROR;
	for (int round = 0; round < 8; round++) {
		er = SSL_read_early_data(server, early, sizeof(early), &got);
		if (er == SSL_READ_EARLY_DATA_FINISH)
			break;
		if (er == SSL_READ_EARLY_DATA_SUCCESS)
			continue;
		if (SSL_get_error(server, 0) != SSL_ERROR_WANT_READ || pair_flush(p) < 0 || pair_step(p, DIR_C2S) != 0)
			break;
	}
	if (er != SSL_READ_EARLY_DATA_FINISH || pair_handshake(p) != 1 ||
	    SSL_get_early_data_status(server) != SSL_EARLY_DATA_ACCEPTED || !SSL_session_reused(client)) {
		fail(sc->name, "early data not accepted");
		return -1;
	}
	return send_response(p, "200 OK", "authenticated (0-RTT)\n") != 0 || pair_close(p, DIR_C2S) != 0 ? -1 : 0;
}

static int sc_tls13_early_data(const struct gen *g, const struct scenario *sc)
{
	const struct server_cfg scfg = {.tls13 = 1, .verify = VERIFY_REQUIRE, .ca_extra = 3, .early_data = 1};
	return run_resumption(g, sc, &scfg, resume_early_data);
}

/*
 * A TLS-inspection proxy (its CA named as Zscaler's, trusted by the client)
 * answers in the server's place: it asks for no certificate, forwards the
 * GET without one, and relays the server's 403.
 */
static int sc_inspection(const struct gen *g, const struct scenario *sc)
{
	const struct server_cfg scfg = {.verify = VERIFY_NONE, .ca_extra = -1, .inspection_cert = 1};
	const struct client_cfg ccfg = {
	    .cert = &g->pki->client, .chain = &g->pki->inter, .keylog = sc->keylog, .trust_inspection = 1};
	struct conv conv;
	struct session s;
	struct wire_opts o;
	int rc = -1;
	conv_init(&conv);
	if (session_begin(&s, g, &scfg, &ccfg, &conv) != 0)
		goto out;
	if (pair_handshake(&s.p) != 1 || send_request(&s.p, http_get, strlen(http_get)) != 0 ||
	    conv_add(&conv, EV_PAUSE, DIR_S2C, NULL, 21000) != 0 ||
	    send_response(&s.p, "403 Forbidden", "403.7 - client certificate required\n") != 0 ||
	    pair_close(&s.p, DIR_C2S) != 0) {
		fail(sc->name, "exchange failed");
		session_end(&s);
		goto out;
	}
	session_end(&s);
	wire_defaults(&o, start_us(g, sc), sc->cport);
	rc = write_single(g, sc, &conv, &o, DLT_EN10MB);
out:
	conv_free(&conv);
	return rc;
}

/* ---- HTTP after the handshake (read with the key log) ---- */

/* Bytes one side writes at once: HTTP/2 frames or an HTTP/1.1 message. */
struct wbuf {
	uint8_t b[4096];
	size_t n;
	int overflow;
};

static void wb_add(struct wbuf *w, const void *p, size_t n)
{
	if (n > sizeof(w->b) - w->n) {
		w->overflow = 1;
		return;
	}
	memcpy(w->b + w->n, p, n);
	w->n += n;
}

static void h2_frame(struct wbuf *w, uint8_t type, uint8_t flags, uint32_t stream, const void *payload,
		     size_t len)
{
	const uint8_t hdr[9] = {(uint8_t)(len >> 16), (uint8_t)(len >> 8), (uint8_t)len, type, flags,
				(uint8_t)(stream >> 24), (uint8_t)(stream >> 16), (uint8_t)(stream >> 8),
				(uint8_t)stream};
	wb_add(w, hdr, sizeof(hdr));
	wb_add(w, payload, len);
}

/* One HEADERS frame (END_HEADERS) whose block nghttp2's HPACK deflater
 * encodes, keeping its dynamic table across the side's blocks. */
static void h2_headers(struct wbuf *w, nghttp2_hd_deflater *d, uint32_t stream, int end_stream,
		       const nghttp2_nv *nv, size_t n)
{
	uint8_t block[1024];
	ssize_t len = nghttp2_hd_deflate_hd(d, block, sizeof(block), nv, n);
	if (len < 0) {
		w->overflow = 1;
		return;
	}
	h2_frame(w, 0x1, (uint8_t)(0x4 | (end_stream ? 0x1 : 0)), stream, block, (size_t)len);
}

static void h2_u32_frame(struct wbuf *w, uint8_t type, uint32_t stream, uint32_t a, int two, uint32_t b)
{
	const uint8_t p[8] = {(uint8_t)(a >> 24), (uint8_t)(a >> 16), (uint8_t)(a >> 8), (uint8_t)a,
			      (uint8_t)(b >> 24), (uint8_t)(b >> 16), (uint8_t)(b >> 8), (uint8_t)b};
	h2_frame(w, type, 0, stream, p, two ? 8 : 4);
}

#define NV(n, v)                                                                                               \
	{(uint8_t *)(n), (uint8_t *)(v), sizeof(n) - 1, sizeof(v) - 1, NGHTTP2_NV_FLAG_NONE}

/*
 * TLS 1.3, ALPN h2, no certificate asked for in the handshake. GET / is
 * answered 200; GET /secure/report needs a client certificate, which
 * HTTP/2 cannot ask for after the handshake, so the server refuses the
 * stream with RST_STREAM HTTP_1_1_REQUIRED (what IIS and others send, for
 * the client to retry over HTTP/1.1) and ends with GOAWAY.
 */
static int play_h2_http11_required(const struct scenario *sc, struct session *s, struct conv *conv,
				   struct wire_opts *o)
{
	static const nghttp2_nv req1[] = {NV(":method", "GET"), NV(":scheme", "https"),
					  NV(":authority", "app.example.com"), NV(":path", "/"),
					  NV("user-agent", "mtlsgen/1.0"), NV("accept", "*/*")};
	static const nghttp2_nv req2[] = {NV(":method", "GET"), NV(":scheme", "https"),
					  NV(":authority", "app.example.com"), NV(":path", "/secure/report"),
					  NV("user-agent", "mtlsgen/1.0"), NV("accept", "*/*")};
	static const nghttp2_nv resp1[] = {NV(":status", "200"), NV("server", "mtlsgen"),
					   NV("content-type", "text/plain"), NV("content-length", "7")};
	nghttp2_hd_deflater *cd = NULL, *sd = NULL;
	struct wbuf w;
	int rc = -1;
	const unsigned char *proto = NULL;
	unsigned int plen = 0;

	if (pair_handshake(&s->p) != 1)
		return fail(sc->name, "handshake failed");
	SSL_get0_alpn_selected(s->p.ssl[DIR_C2S], &proto, &plen);
	if (plen != 2 || memcmp(proto, "h2", 2) != 0)
		return fail(sc->name, "ALPN did not select h2");
	if (nghttp2_hd_deflate_new(&cd, 4096) != 0 || nghttp2_hd_deflate_new(&sd, 4096) != 0)
		goto out;
	/* Client: preface, SETTINGS, GET / on stream 1. */
	memset(&w, 0, sizeof(w));
	wb_add(&w, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 24);
	h2_frame(&w, 0x4, 0, 0, NULL, 0);
	h2_headers(&w, cd, 1, 1, req1, sizeof(req1) / sizeof(req1[0]));
	if (w.overflow || send_request(&s->p, w.b, w.n) != 0)
		goto out;
	/* Server: SETTINGS, its ACK, 200 with a body. */
	memset(&w, 0, sizeof(w));
	h2_frame(&w, 0x4, 0, 0, NULL, 0);
	h2_frame(&w, 0x4, 0x1, 0, NULL, 0);
	h2_headers(&w, sd, 1, 0, resp1, sizeof(resp1) / sizeof(resp1[0]));
	h2_frame(&w, 0x0, 0x1, 1, "public\n", 7);
	if (w.overflow || pair_write(&s->p, DIR_S2C, w.b, w.n) != 0)
		goto out;
	free(pair_take_inbox(&s->p, DIR_C2S, NULL));
	/* Client: SETTINGS ACK, GET /secure/report on stream 3 (HPACK's
	 * dynamic table from the first request in use). */
	memset(&w, 0, sizeof(w));
	h2_frame(&w, 0x4, 0x1, 0, NULL, 0);
	h2_headers(&w, cd, 3, 1, req2, sizeof(req2) / sizeof(req2[0]));
	if (w.overflow || send_request(&s->p, w.b, w.n) != 0)
		goto out;
	/* Server: RST_STREAM HTTP_1_1_REQUIRED, then GOAWAY NO_ERROR (last stream 3). */
	memset(&w, 0, sizeof(w));
	h2_u32_frame(&w, 0x3, 3, 0xd, 0, 0);
	h2_u32_frame(&w, 0x7, 0, 3, 1, 0);
	if (w.overflow || pair_write(&s->p, DIR_S2C, w.b, w.n) != 0)
		goto out;
	free(pair_take_inbox(&s->p, DIR_C2S, NULL));
	rc = pair_close(&s->p, DIR_C2S);
out:
	if (rc != 0)
		fail(sc->name, "HTTP/2 exchange failed");
	nghttp2_hd_deflate_del(cd);
	nghttp2_hd_deflate_del(sd);
	return rc;
}

static int sc_h2_http11_required(const struct gen *g, const struct scenario *sc)
{
	const struct server_cfg scfg = {.tls13 = 1, .verify = VERIFY_NONE, .ca_extra = 3, .alpn = 1};
	const struct client_cfg ccfg = {
	    .cert = &g->pki->client, .chain = &g->pki->inter, .keylog = sc->keylog, .alpn = 1};
	return run_played(g, sc, &scfg, &ccfg, play_h2_http11_required);
}

/*
 * TLS 1.2; the server asks for a certificate without insisting and the
 * client has none. Two requests on the connection: GET / gets 200, GET
 * /secure/admin a 403 whose HTML page (chunked) names the reason. The 403's
 * head is split over two records.
 */
static int play_two_requests_403(const struct scenario *sc, struct session *s, struct conv *conv,
				 struct wire_opts *o)
{
	static const char get2[] = "GET /secure/admin HTTP/1.1\r\nHost: app.example.com\r\n"
				   "User-Agent: mtlsgen/1.0\r\nAccept: */*\r\n\r\n";
	static const char head1[] = "HTTP/1.1 403 Forbidden\r\nServer: mtlsgen\r\n";
	static const char page[] = "<!DOCTYPE html>\r\n<html><head>\r\n"
				   "<title>403 - Forbidden: Access is denied.</title>\r\n</head>\r\n"
				   "<body><h1>403 - Forbidden: Access is denied.</h1>\r\n"
				   "<p>You do not have permission to view this directory or page using the "
				   "credentials that you supplied.</p></body></html>\r\n";
	char rest[1024];
	if (pair_handshake(&s->p) != 1 || send_request(&s->p, http_get, strlen(http_get)) != 0 ||
	    send_response(&s->p, "200 OK", "welcome\n") != 0 || send_request(&s->p, get2, strlen(get2)) != 0)
		return fail(sc->name, "first exchange failed");
	int n = snprintf(rest, sizeof(rest),
			 "Content-Type: text/html\r\nTransfer-Encoding: chunked\r\n\r\n%zx\r\n%s\r\n0\r\n\r\n",
			 strlen(page), page);
	if (n < 0 || (size_t)n >= sizeof(rest) || pair_write(&s->p, DIR_S2C, head1, strlen(head1)) != 0 ||
	    pair_write(&s->p, DIR_S2C, rest, (size_t)n) != 0)
		return fail(sc->name, "403 failed");
	free(pair_take_inbox(&s->p, DIR_C2S, NULL));
	return pair_close(&s->p, DIR_C2S);
}

static int sc_two_requests_403(const struct gen *g, const struct scenario *sc)
{
	const struct server_cfg scfg = {.verify = SSL_VERIFY_PEER, .ca_extra = 3};
	const struct client_cfg ccfg = {.keylog = sc->keylog};
	return run_played(g, sc, &scfg, &ccfg, play_two_requests_403);
}

/* ---- transport variants of the working TLS 1.2 handshake ---- */

enum transport { TR_PORT8443, TR_IPV6, TR_VLAN, TR_SLL, TR_REORDER, TR_TINY, TR_LOST, TR_MIDSTREAM };

static int run_transport(const struct gen *g, const struct scenario *sc, enum transport tr)
{
	static const uint8_t c6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10};
	static const uint8_t s6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x20};
	struct conv conv;
	struct wire_opts o;
	int linktype = DLT_EN10MB;
	conv_init(&conv);
	wire_defaults(&o, start_us(g, sc), sc->cport);
	switch (tr) {
	case TR_PORT8443:
		o.sport = 8443;
		break;
	case TR_IPV6:
		o.ipv6 = 1;
		memcpy(o.cip, c6, 16);
		memcpy(o.sip, s6, 16);
		o.mss = 1428;
		break;
	case TR_VLAN:
		o.vlan = 100;
		break;
	case TR_SLL:
		linktype = DLT_LINUX_SLL;
		break;
	case TR_REORDER:
		/* The classic 536-byte MSS makes every handshake flight several segments. */
		o.mss = 536;
		o.reorder = (struct wire_pick){DIR_S2C, 0};
		o.retransmit = (struct wire_pick){DIR_C2S, 1};
		break;
	case TR_TINY:
		o.tiny = 1;
		break;
	case TR_LOST:
		o.mss = 536;
		o.lose = (struct wire_pick){DIR_C2S, 1};
		break;
	case TR_MIDSTREAM:
		/* SYN, SYN/ACK, ACK and the ClientHello happened before the capture started. */
		o.skip_frames = 4;
		break;
	}
	int rc = record_mutual_ok(g, sc->name, &conv, sc->keylog);
	if (rc == 0)
		rc = write_single(g, sc, &conv, &o, linktype);
	conv_free(&conv);
	return rc;
}

static int sc_port8443(const struct gen *g, const struct scenario *sc)
{
	return run_transport(g, sc, TR_PORT8443);
}
static int sc_ipv6(const struct gen *g, const struct scenario *sc)
{
	return run_transport(g, sc, TR_IPV6);
}
static int sc_vlan(const struct gen *g, const struct scenario *sc)
{
	return run_transport(g, sc, TR_VLAN);
}
static int sc_sll(const struct gen *g, const struct scenario *sc)
{
	return run_transport(g, sc, TR_SLL);
}
static int sc_reordered(const struct gen *g, const struct scenario *sc)
{
	return run_transport(g, sc, TR_REORDER);
}
static int sc_tiny(const struct gen *g, const struct scenario *sc)
{
	return run_transport(g, sc, TR_TINY);
}
static int sc_lost(const struct gen *g, const struct scenario *sc)
{
	return run_transport(g, sc, TR_LOST);
}
static int sc_midstream(const struct gen *g, const struct scenario *sc)
{
	return run_transport(g, sc, TR_MIDSTREAM);
}

/* pcapng, two interfaces of different link types: Ethernet and Linux SLL. */
static int sc_two_interfaces(const struct gen *g, const struct scenario *sc)
{
	struct conv a, b;
	struct capture cap;
	struct wire_opts o;
	int rc = -1;
	conv_init(&a);
	conv_init(&b);
	capture_init(&cap);
	int if_eth = capture_add_if(&cap, DLT_EN10MB, "eth0");
	int if_sll = capture_add_if(&cap, DLT_LINUX_SLL, "any");
	if (if_eth < 0 || if_sll < 0 || record_mutual_ok(g, sc->name, &a, 0) != 0 ||
	    record_empty_client_cert(g, sc->name, &b, 0) != 0)
		goto out;
	wire_defaults(&o, start_us(g, sc), sc->cport);
	o.ifidx = if_eth;
	if (wire_emit(&cap, &a, &o, NULL) != 0)
		goto out;
	/* Starts 1.5 ms later so the two connections interleave in the file. */
	wire_defaults(&o, start_us(g, sc) + 1500, (uint16_t)(sc->cport + 1));
	o.ifidx = if_sll;
	if (wire_emit(&cap, &b, &o, NULL) != 0)
		goto out;
	capture_sort(&cap);
	rc = write_capture(g, sc->name, &cap, 1);
out:
	conv_free(&a);
	conv_free(&b);
	capture_free(&cap);
	return rc;
}

/* ---- NetMon 2.x copies, written by Wireshark's own writer ---- */

static int sc_netmon(const struct gen *g, const struct scenario *sc)
{
	char src[4096], dst[4096], base[256];
	const char *dot = strstr(sc->name, ".netmon");
	if (!dot || (size_t)(dot - sc->name) >= sizeof(base))
		return -1;
	memcpy(base, sc->name, (size_t)(dot - sc->name));
	base[dot - sc->name] = 0;
	if (path_for(src, sizeof(src), g, base, ".pcap") || path_for(dst, sizeof(dst), g, sc->name, ".cap"))
		return -1;
	if (access(src, R_OK) != 0)
		return fail(sc->name, "source capture missing; generate it first");
	char *argv[] = {"editcap", "-F", "netmon2", src, dst, NULL};
	pid_t pid;
	int status = 0;
	if (posix_spawnp(&pid, "editcap", NULL, NULL, argv, environ) != 0)
		return fail(sc->name, "cannot run editcap (Wireshark's editcap is needed for NetMon copies)");
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return fail(sc->name, "editcap failed");
	printf("%-44s (editcap -F netmon2 %s)\n", dst, src);
	return 0;
}

/* Minutes after the base time and client ports are fixed per scenario, so a single
 * regenerated capture keeps its place on the shared timeline. */
static const struct scenario table[] = {
    {"tls12-mutual-ok", 0, 50100, 0, sc_mutual_ok,
     "TLS 1.2 mutual auth succeeds; 4 CA DNs; chain with intermediate"},
    {"tls12-empty-client-cert", 2, 50110, 0, sc_empty_client_cert,
     "client has no certificate: empty Certificate, handshake_failure"},
    {"tls12-empty-ca-list", 4, 50120, 0, sc_empty_ca_list,
     "CertificateRequest with an empty certificate_authorities list"},
    {"tls12-huge-ca-list", 6, 50130, 0, sc_huge_ca_list,
     "151 CA DNs: CertificateRequest over 16 KB in several records"},
    {"tls12-unknown-ca", 8, 50140, 0, sc_unknown_ca,
     "client cert from an untrusted root: server alert unknown_ca"},
    {"tls12-expired-client-cert", 10, 50150, 0, sc_expired,
     "client cert expired 10 days before capture: certificate_expired"},
    {"tls12-no-clientauth-eku", 12, 50160, 0, sc_no_eku,
     "client cert without clientAuth EKU: unsupported_certificate"},
    {"tls12-reneg-late-request", 14, 50170, 1, sc_reneg_late,
     "request by server renegotiation after the HTTP request; 200"},
    {"tls12-reneg-late-request-no-cert", 16, 50180, 1, sc_reneg_late_no_cert,
     "late request, client has no certificate: empty Certificate, 403"},
    {"tls12-reneg-h2", 18, 50190, 1, sc_reneg_h2,
     "ALPN h2, then the server renegotiates anyway (forbidden in HTTP/2)"},
    {"tls12-client-reneg", 20, 50200, 1, sc_client_reneg,
     "client-initiated renegotiation after the first request"},
    {"tls12-resumed", 22, 50210, 1, sc_resumed,
     "two connections: full mutual handshake, then an abbreviated one"},
    {"tls13-client-cert", 24, 50220, 1, sc_tls13_client_cert,
     "TLS 1.3 CertificateRequest in the handshake (encrypted; key log)"},
    {"tls13-empty-client-cert", 52, 50360, 1, sc_tls13_empty_client_cert,
     "TLS 1.3: request in the handshake, empty client Certificate, then 403 (key log)"},
    {"tls13-post-handshake-auth", 26, 50230, 1, sc_tls13_pha,
     "TLS 1.3 post-handshake CertificateRequest after the request"},
    {"tls12-client-rst-after-request", 28, 50240, 1, sc_client_rst,
     "request, server HelloRequest, client RST"},
    {"tls12-injected-rst", 30, 50250, 0, sc_injected_rst,
     "RST with TTL 250 right after ServerHelloDone (middlebox)"},
    {"tls12-injected-rst-same-ttl", 52, 50360, 0, sc_injected_rst,
     "forged RST with the server's TTL; only its IP ID (0, no DF) differs"},
    {"tls13-no-client-cert", 54, 50370, 1, sc_tls13_no_client_cert,
     "TLS 1.3, no client certificate: empty Certificate, encrypted certificate_required"},
    {"tls12-reneg-late-request-unknown-ca", 56, 50380, 1, sc_reneg_late_unknown_ca,
     "late request; client cert from an untrusted root: encrypted unknown_ca"},
    {"tls13-late-request-reset", 58, 50390, 1, sc_tls13_late_reset,
     "TLS 1.3, no request in the handshake; the server resets after the GET"},
    {"tls12-optional-cert-none", 60, 50400, 1, sc_optional_cert_none,
     "the server asks without insisting; empty Certificate, then 200"},
    {"tls13-early-data", 64, 50420, 1, sc_tls13_early_data,
     "TLS 1.3 mutual handshake, then a 0-RTT resumption sending the GET as early data"},
    {"tls12-inspection-proxy", 62, 50410, 1, sc_inspection,
     "a TLS-inspection proxy (Zscaler-named CA) answers; no request; 403"},
    {"tls13-h2-http11-required", 66, 50430, 1, sc_h2_http11_required,
     "TLS 1.3 + HTTP/2: GET / 200, then RST_STREAM HTTP_1_1_REQUIRED for a protected path"},
    {"tls12-http11-two-requests-403", 68, 50440, 1, sc_two_requests_403,
     "two HTTP/1.1 requests on one connection: 200, then 403 with an HTML error page"},
    {"proxy", 32, 50260, 1, sc_proxy, "proxy-client-side / proxy-server-side: proxy ate the request"},
    {"proxy-own-cert", 66, 50430, 1, sc_proxy_own_cert,
     "compare/proxy-own-cert-*-side: the proxy's own client certificate to the backend; 200"},
    {"transport-port8443", 34, 50270, 0, sc_port8443, "tls12-mutual-ok on server port 8443"},
    {"transport-ipv6", 36, 50280, 0, sc_ipv6, "tls12-mutual-ok over IPv6"},
    {"transport-vlan", 38, 50290, 0, sc_vlan, "tls12-mutual-ok with 802.1Q VLAN 100 tags"},
    {"transport-sll", 40, 50300, 0, sc_sll, "tls12-mutual-ok captured as Linux cooked (SLL)"},
    {"transport-reordered", 42, 50310, 0, sc_reordered,
     "MSS 536, server flight reordered, a client segment retransmitted"},
    {"transport-tiny-segments", 44, 50320, 0, sc_tiny,
     "ClientHello byte by byte, the next two flights in 7-byte segments"},
    {"transport-lost-segment", 46, 50330, 0, sc_lost,
     "MSS 536, first segment of the client's Certificate flight missing"},
    {"transport-midstream", 48, 50340, 0, sc_midstream, "capture starts after the ClientHello"},
    {"transport-two-interfaces", 50, 50350, 0, sc_two_interfaces,
     "pcapng: Ethernet + Linux SLL interfaces, two connections"},
    {"tls12-mutual-ok.netmon", 0, 0, 0, sc_netmon, "NetMon 2.x copy of tls12-mutual-ok (editcap)"},
    {"tls12-empty-client-cert.netmon", 0, 0, 0, sc_netmon,
     "NetMon 2.x copy of tls12-empty-client-cert (editcap)"},
};

const struct scenario *scenario_table(size_t *n)
{
	*n = sizeof(table) / sizeof(table[0]);
	return table;
}
