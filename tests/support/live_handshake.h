/* live_handshake.h - real OpenSSL handshakes in memory, for tests.
 *
 * lh_run() makes a test PKI (root CA -> intermediate -> server and client
 * certificates, EC P-256 keys), runs a client and a server SSL over memory
 * BIOs, and hands back exactly the bytes each side wrote plus the
 * plaintext handshake and alert messages the server saw (through
 * SSL_set_msg_callback), so tests can check the dissectors against what a
 * real TLS stack puts on the wire. */
#ifndef MTLS_LIVE_HANDSHAKE_H
#define MTLS_LIVE_HANDSHAKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct lh_opts {
	int max_version;               /* TLS1_2_VERSION, TLS1_3_VERSION (0: library default) */
	bool request_cert;             /* server sends CertificateRequest in the handshake */
	bool require_cert;             /* ... and fails without one (SSL_VERIFY_FAIL_IF_NO_PEER_CERT) */
	bool post_handshake_auth;      /* TLS 1.3: client offers it, server requests after the handshake */
	/* Names for the server's certificate_authorities list, each written as
	 * RFC 2253 text ("CN=Corp Root,O=Corp"; ',' and '=' only, no escapes). */
	const char *const *ca_names;
	size_t n_ca_names;
	bool client_has_cert;
	bool client_sends_chain;       /* client also sends the intermediate */
	bool server_trusts_client_ca;  /* server's verify store holds the root */
	const char *client_subject;    /* RFC 2253; default "CN=client,O=mtlsdiag test" */
	const char *client_eku;        /* "clientAuth", "serverAuth,clientAuth", NULL: no EKU */
	time_t client_not_before;      /* 0: now - 1 day */
	time_t client_not_after;       /* 0: now + 30 days */
	const char *sni;               /* client SNI, NULL for none */
	const char *alpn;              /* one ALPN id offered by the client and accepted by the server */
	const char *client_groups;     /* e.g. "X25519:P-256" (key share for the first) */
	const char *server_groups;     /* e.g. "P-256": forces a HelloRetryRequest above */
	const char *tls13_suites;      /* SSL_CTX_set_ciphersuites on both sides */
	bool renegotiate;              /* TLS 1.2: server sends HelloRequest after the handshake
	                                  (the renegotiation is started, not necessarily completed) */
	/* For decryption tests (the key log is always collected, see keylog below): */
	const char *tls12_ciphers;     /* SSL_CTX_set_cipher_list on both sides */
	int min_version;               /* 0: library default */
	bool no_encrypt_then_mac;      /* CBC suites MAC the plaintext (RFC 5246) */
	bool key_update;               /* TLS 1.3: the server sends KeyUpdate before its data */
	bool client_verifies_server;   /* with an empty trust store: the client refuses the
	                                  server's certificate (a fatal unknown_ca alert) */
	bool client_leaves;            /* after the data, the client closes without close_notify
	                                  and the server reads the end (OpenSSL 3: decode_error) */
};

struct lh_msg {
	bool from_server;
	uint8_t content_type;          /* 22 handshake (with its 4-byte header), 21 alert */
	uint8_t *data;
	size_t len;
};

struct lh_result {
	uint8_t *c2s;                  /* every byte the client wrote, in order */
	size_t c2s_len;
	uint8_t *s2c;
	size_t s2c_len;
	size_t s2c_after_leave;        /* with client_leaves: where in s2c what the server wrote
	                                  on reading the client's end begins */
	struct lh_msg *msgs;           /* in the order the server wrote or read them */
	size_t n_msgs;
	bool client_ok, server_ok;     /* each side finished its handshake (and PHA, if asked) */
	int version;                   /* negotiated (TLS1_2_VERSION...); 0 if no ServerHello */
	uint8_t *client_cert_der;      /* the client's leaf, for comparisons */
	size_t client_cert_der_len;
	uint8_t *inter_der;            /* the intermediate CA */
	size_t inter_der_len;
	char *keylog;                  /* the client's NSS key log lines, NUL-terminated */
	size_t keylog_len;
};

/* 0 on success (the handshake may still have failed by design: see
 * client_ok/server_ok), -1 when the test setup itself failed. */
int lh_run(const struct lh_opts *o, struct lh_result *res);
void lh_result_free(struct lh_result *res);

/* The n-th (0-based) captured handshake message of `type` sent by the
 * server (from_server) or the client, or NULL. */
const struct lh_msg *lh_find(const struct lh_result *res, bool from_server, uint8_t type, int n);

/* The n-th (0-based) handshake message of `type` in a raw TLS stream,
 * reassembled from cleartext handshake records; the walk stops at the
 * first ChangeCipherSpec or application_data record. A malloc'd copy with
 * its 4-byte header, or NULL. */
uint8_t *lh_stream_hs(const uint8_t *stream, size_t len, uint8_t type, int n, size_t *msg_len);

/* lh_stream_hs on what the server (from_server) or the client sent: the
 * first message of `type` as it went on the wire (in clear before TLS
 * 1.3), or NULL. */
uint8_t *lh_wire_msg(const struct lh_result *res, bool from_server, uint8_t type, size_t *msg_len);

/* The body of the n-th record of `content_type` in a raw TLS stream:
 * 0 with *body set (a view into stream), or -1. */
struct rd;
int lh_stream_record(const uint8_t *stream, size_t len, uint8_t content_type, int n, struct rd *body);

#endif
