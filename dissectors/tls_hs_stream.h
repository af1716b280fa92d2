/* tls_hs_stream.h - handshake messages reassembled from the bodies of
 * consecutive handshake records of one direction (a message may span
 * records, and a record may hold several messages). */
#ifndef MTLS_TLS_HS_STREAM_H
#define MTLS_TLS_HS_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tcp_reasm.h"

#define TLS_HS_DEFAULT_MAX_MSG (512u * 1024u)

struct tls_hs_msg {
	uint8_t type;
	uint32_t length;           /* from the message header */
	const uint8_t *body;       /* NULL when oversized (not kept) */
	struct tcp_frame_ref start; /* frame of the record holding the header */
	struct tcp_frame_ref end;   /* frame completing the message */
	unsigned records;          /* records the message spans */
	bool oversized;            /* longer than the cap: body skipped */
};

typedef void (*tls_hs_msg_fn)(void *ctx, const struct tls_hs_msg *msg);

struct tls_hs_stream {
	uint8_t hdr[4];
	size_t hdr_have;
	bool in_body;
	struct tls_hs_msg msg;
	uint8_t *buf;              /* owned; grows to max_msg at most */
	size_t buf_cap;
	size_t have;
	size_t max_msg;
	bool desync;               /* a damaged record lost our place */
	uint64_t messages;
	uint64_t oversized;
};

void tls_hs_stream_init(struct tls_hs_stream *hs, size_t max_msg);
void tls_hs_stream_release(struct tls_hs_stream *hs);
/* The body of one (cleartext or decrypted) handshake record. */
void tls_hs_stream_feed(struct tls_hs_stream *hs, const uint8_t *p, size_t n, const struct tcp_frame_ref *start,
			const struct tcp_frame_ref *end, tls_hs_msg_fn fn, void *ctx);
/* A handshake record whose bytes were lost: the message in progress is
 * dropped and the next record is assumed to start a message. */
void tls_hs_stream_damaged(struct tls_hs_stream *hs);
/* Gives back the message buffer when no message is in progress. */
void tls_hs_stream_trim(struct tls_hs_stream *hs);
/* A message is half read (the capture ended inside it). */
bool tls_hs_stream_partial(const struct tls_hs_stream *hs);

#endif
