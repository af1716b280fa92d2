/* tls_pair.h - a real OpenSSL client and server talking over memory BIOs. */
#ifndef MTLSGEN_TLS_PAIR_H
#define MTLSGEN_TLS_PAIR_H

#include <openssl/ssl.h>

#include "conv.h"

/*
 * Index 0 is the client, 1 the server: side i writes in conv direction i.
 * Every byte one side writes is recorded in `conv` as one EV_DATA per flush
 * (one "flight") and then delivered to the other side.
 */
struct tls_pair {
	SSL *ssl[2];
	struct conv *conv;
	unsigned char *inbox[2]; /* application data received by each side */
	size_t inbox_len[2], inbox_cap[2];
	int dead[2];	      /* fatal error, or peer's close_notify read */
	unsigned long err[2]; /* first OpenSSL error of a side that failed */
};

int pair_init(struct tls_pair *p, SSL_CTX *client_ctx, SSL_CTX *server_ctx, struct conv *conv,
	      const char *sni);
void pair_free(struct tls_pair *p);

/* Key log callback for a client SSL_CTX: appends the line to the pair's conv. */
void pair_keylog_cb(const SSL *ssl, const char *line);

/* Moves pending output of both sides to their peers. Returns bytes moved, -1 on error. */
long pair_flush(struct tls_pair *p);
/* One SSL_do_handshake on `side` and a flush: for a single flight (HelloRequest...). */
int pair_step(struct tls_pair *p, enum conv_dir side);
/* Both sides read until nothing moves any more. Returns 0, -1 on internal error. */
int pair_settle(struct tls_pair *p);
/* Runs the (first) handshake. Returns 1 if both finished it, 0 if it failed, -1 on error. */
int pair_handshake(struct tls_pair *p);
/* SSL_write on `side`, then settle. Returns 0 or -1. */
int pair_write(struct tls_pair *p, enum conv_dir side, const void *buf, size_t len);
/* Takes (and clears) what `side` has received so far, NUL-terminated; caller frees. */
char *pair_take_inbox(struct tls_pair *p, enum conv_dir side, size_t *len);
/* close_notify from `first`, then from the peer, then TCP FIN from `first`. */
int pair_close(struct tls_pair *p, enum conv_dir first);

#endif
