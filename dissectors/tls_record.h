/* tls_record.h - the TLS record layer of one direction of a byte stream.
 *
 * Bytes go in as TCP delivers them; complete records come out. A record
 * header may be split across segments (the 5 bytes are kept until whole).
 * Only record bodies the caller asks for are copied (handshake, alert,
 * CCS); application data is skipped by length. A hole in the stream inside
 * a record keeps the framing (the record is marked damaged); a hole that
 * swallows a header loses it, and the reader looks for the next plausible
 * header before it goes on. */
#ifndef MTLS_TLS_RECORD_H
#define MTLS_TLS_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dis.h"
#include "rd.h"
#include "tcp_reasm.h"

enum tls_content_type {
	TLS_CT_CHANGE_CIPHER_SPEC = 20,
	TLS_CT_ALERT = 21,
	TLS_CT_HANDSHAKE = 22,
	TLS_CT_APPLICATION_DATA = 23,
	TLS_CT_HEARTBEAT = 24,
	TLS_CT_SSLV2 = 0x80, /* pseudo type: an SSLv2-format record */
};

/* TLSPlaintext.length may not exceed 2^14; TLSCiphertext 2^14 + 2048. */
#define TLS_MAX_RECORD_BODY (16384 + 2048)

struct tls_record_header {
	uint8_t type;
	uint16_t version;
	uint16_t length;
};

/* struct { ContentType type; ProtocolVersion version; uint16 length; } */
enum dis_status tls_record_header_parse(struct rd *r, struct tls_record_header *out);
/* A header a real TLS stack could send (type 20-24, version 3.0-3.4,
 * length within the ciphertext limit). */
bool tls_record_header_plausible(const uint8_t *p, size_t n);
/* The first bytes of a TLS or SSLv2 ClientHello (or a ServerHello). */
bool tls_looks_like_hello(const uint8_t *p, size_t n);

struct tls_record {
	struct tls_record_header hdr;
	const uint8_t *body;        /* NULL when the body was skipped */
	size_t body_len;            /* bytes in body (== hdr.length unless damaged) */
	bool damaged;               /* bytes of it never arrived (gap) */
	struct tcp_frame_ref start; /* frame of the first header byte */
	struct tcp_frame_ref end;   /* frame of the last byte */
	uint64_t stream_offset;     /* of the header within this direction */
};

struct tls_record_sink {
	void *ctx;
	/* Should the body of a record with this header be kept? */
	bool (*want_body)(void *ctx, const struct tls_record_header *h);
	void (*record)(void *ctx, const struct tls_record *rec);
	/* Framing was lost at a gap and found again n bytes later. */
	void (*resync)(void *ctx, uint64_t skipped, const struct tcp_frame_ref *at);
};

struct tls_record_reader {
	uint8_t hdr[5];
	size_t hdr_have;
	bool in_body;
	struct tls_record rec;
	uint8_t *body;             /* owned; holds one record body */
	size_t body_cap;           /* grown to the largest kept record */
	size_t body_have;
	bool keep;
	bool lost_sync;            /* looking for a header after a gap */
	bool at_start;             /* nothing read yet: SSLv2 allowed */
	uint8_t scan[8];           /* bytes kept across chunks while resyncing */
	size_t scan_have;
	uint64_t offset;           /* bytes consumed so far */
	uint64_t resync_skipped;
	uint64_t records;
	uint64_t damaged_records;
};

void tls_record_reader_init(struct tls_record_reader *rr);
void tls_record_reader_release(struct tls_record_reader *rr);
/* p may be NULL for bytes that tls_record_reader_opaque_ahead promised
 * to skip (they are counted, not read). */
void tls_record_reader_feed(struct tls_record_reader *rr, const uint8_t *p, size_t n,
			    const struct tcp_frame_ref *at, const struct tls_record_sink *sink);
/* How many of the next bytes are the body of a record whose body is not
 * kept (application data): the reader only counts them. */
uint64_t tls_record_reader_opaque_ahead(const struct tls_record_reader *rr);
void tls_record_reader_gap(struct tls_record_reader *rr, uint64_t n, const struct tcp_frame_ref *at,
			   const struct tls_record_sink *sink);
/* Gives back the body buffer when no record is in progress (a closed
 * connection); it is allocated again if more records come. */
void tls_record_reader_trim(struct tls_record_reader *rr);
/* Bytes of a record still outstanding (for reports of cut-off records). */
bool tls_record_reader_partial(const struct tls_record_reader *rr);

#endif
