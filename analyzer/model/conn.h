/* conn.h - from records and handshake messages to facts in the model. */
#ifndef MTLS_CONN_H
#define MTLS_CONN_H

#include "keylog.h"
#include "model/cert_cache.h"
#include "model/http_track.h"
#include "model/model.h"
#include "tls_decrypt.h"
#include "tls_hs_stream.h"
#include "tls_record.h"

/* Decryption state of a connection: the handshake in progress (its
 * randoms and suite pick the keys) and each side's record keys. */
struct conn_keys {
	const struct keylog *keylog;         /* borrowed; NULL: no key log */
	const struct keylog_entry *entry;    /* of the handshake in progress */
	uint8_t client_random[32];
	bool have_client_random;
	uint8_t server_random[32];
	uint16_t suite;
	uint16_t version;
	bool etm;
	struct tls_decrypt_dir dir[2];
	bool active[2];                      /* this side's records are decrypted */
	/* TLS 1.3 0-RTT: the client offered early data and the key log has
	 * its secret; its records are tried under the early keys until its
	 * EndOfEarlyData (or until one does not authenticate). */
	bool early_pending;
	struct tls_decrypt_dir early;
	uint64_t app_decrypted[2];           /* application data records decrypted */
	uint8_t *plain;                      /* owned: one record's plaintext */
	struct http_track *http;             /* owned: HTTP in the decrypted data */
};

/* Per-direction TLS parsing state of a connection. */
struct conn_parser {
	struct tls_record_reader rr[2];
	struct tls_hs_stream hs[2];
	bool tls13_encrypted;       /* after a TLS 1.3 ServerHello */
	bool keep_client_der;       /* --trust: the client chain's DER is verified later */
	bool server_hello_done;     /* ServerHelloDone in the first handshake */
	bool handshake_done[2];     /* Finished (or its encrypted record) sent */
	bool client_flight_seen;    /* the client sent its second flight */
	struct conn_keys *keys;     /* owned; only with a key log */
	struct cert_cache *certs;   /* the analyzer's; NULL decodes every time */
	size_t max_chain;           /* certificates kept per chain (<= TLS_MAX_CHAIN) */
	size_t max_ca_names;        /* CA names kept per CertificateRequest */
};

/* Keeps up to TLS_MAX_CHAIN certificates and every CA name; the caller
 * may lower max_chain and max_ca_names afterwards. */
void conn_parser_init(struct conn_parser *p, size_t max_hs_msg);
void conn_parser_release(struct conn_parser *p);
/* Decrypt with this key log (borrowed; it outlives the parser). */
void conn_parser_set_keylog(struct conn_parser *p, struct tls_conn *c, const struct keylog *kl);
/* The run's fetched algorithms for decryption (borrowed; NULL: fetched
 * per use), after conn_parser_set_keylog. */
void conn_parser_set_crypto(struct conn_parser *p, struct tls_crypto *crypto);
/* What a run sets on each connection's parser (the limits and the keys). */
struct conn_parser_config {
	size_t max_hs_msg;
	size_t max_chain;           /* lowers TLS_MAX_CHAIN, never raises it */
	size_t max_ca_names;
	bool keep_client_der;
	const struct keylog *keylog;  /* borrowed; NULL: no decryption */
	struct tls_crypto *crypto;    /* borrowed; NULL: fetched per use */
	struct cert_cache *certs;     /* borrowed; NULL: decoded every time */
};
/* conn_parser_init and the rest at once, for connection c. */
void conn_parser_setup(struct conn_parser *p, struct tls_conn *c, const struct conn_parser_config *cfg);
/* The TCP connection closed: give back buffers not in use (they come
 * back if late bytes arrive). */
void conn_parser_trim(struct conn_parser *p);
/* Feed reassembled bytes of one side. */
void conn_feed(struct tls_conn *c, struct conn_parser *p, enum side s, const uint8_t *data, size_t n,
	       const struct tcp_frame_ref *at);
/* Bytes of side s the parser skips by length (tcp_reasm_sink.opaque_ahead). */
uint64_t conn_opaque_ahead(const struct conn_parser *p, enum side s);
void conn_gap(struct tls_conn *c, struct conn_parser *p, enum side s, uint64_t n, const struct tcp_frame_ref *at);
/* Decide what can only be decided once the connection is over. */
void conn_finish(struct tls_conn *c, struct conn_parser *p);
void conn_add_event(struct tls_conn *c, enum ev_kind kind, enum side from, uint8_t hs_type, uint64_t frame,
		    int64_t ts_ns, uint32_t bytes);

#endif
