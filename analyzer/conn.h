/* conn.h - from records and handshake messages to facts in the model. */
#ifndef MTLS_CONN_H
#define MTLS_CONN_H

#include "model.h"
#include "tls_hs_stream.h"
#include "tls_record.h"

/* Per-direction TLS parsing state of a connection. */
struct conn_parser {
	struct tls_record_reader rr[2];
	struct tls_hs_stream hs[2];
	bool tls13_encrypted;       /* after a TLS 1.3 ServerHello */
	bool server_hello_done;     /* ServerHelloDone in the first handshake */
	bool handshake_done[2];     /* Finished (or its encrypted record) sent */
	bool client_flight_seen;    /* the client sent its second flight */
	size_t max_chain;           /* certificates kept per chain (<= TLS_MAX_CHAIN) */
	size_t max_ca_names;        /* CA names kept per CertificateRequest */
};

/* Keeps up to TLS_MAX_CHAIN certificates and every CA name; the caller
 * may lower max_chain and max_ca_names afterwards. */
void conn_parser_init(struct conn_parser *p, size_t max_hs_msg);
void conn_parser_release(struct conn_parser *p);
/* Feed reassembled bytes of one side. */
void conn_feed(struct tls_conn *c, struct conn_parser *p, enum side s, const uint8_t *data, size_t n,
	       const struct tcp_frame_ref *at);
void conn_gap(struct tls_conn *c, struct conn_parser *p, enum side s, uint64_t n, const struct tcp_frame_ref *at);
/* Decide what can only be decided once the connection is over. */
void conn_finish(struct tls_conn *c, struct conn_parser *p);
void conn_add_event(struct tls_conn *c, enum ev_kind kind, enum side from, uint8_t hs_type, uint64_t frame,
		    int64_t ts_ns, uint32_t bytes);

#endif
