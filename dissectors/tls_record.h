/* tls_record.h - the TLS record layer of one direction of a byte stream.
 *
 * Bytes go in as TCP delivers them; complete records come out. A record
 * header may be split across segments (the 5 bytes are kept until whole).
 * Only record bodies the caller asks for are copied (handshake, alert,
 * CCS); application data is skipped by length. A hole in the stream inside
 * a record keeps the framing (the record is marked damaged); a hole that
 * swallows a header loses it, and so does a stream whose start was not
 * captured (tls_record_reader_midstream). Framing is then found again only
 * where several plausible headers follow each other (TLS_RESYNC_CHAIN in a
 * row, or fewer whose last record ends exactly where the bytes captured so
 * far end); the bytes before are skipped and counted, never read as
 * records. */
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
/* Consecutive plausible headers that restore framing. One header in
 * random bytes passes the plausibility test at about 1 in 4 million
 * offsets; three in a row, each where the previous length points, never
 * do by chance. */
#define TLS_RESYNC_CHAIN 3
/* Bytes held while framing is looked for: a chain of TLS_RESYNC_CHAIN
 * records of the largest size always fits, so every candidate offset is
 * decided before its bytes must go. */
#define TLS_RESYNC_WINDOW (64u * 1024u)

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
/* Is there record framing in these bytes (a whole delivery): a run of
 * plausible headers as tls_record_reader_midstream requires? *at is where
 * it begins. */
bool tls_record_framing_in(const uint8_t *p, size_t n, size_t *at);
/* A plausible record header whose record ends exactly with the bytes, or
 * is followed by another plausible header: a stream seen from its middle
 * that is TLS. */
bool tls_records_plausible(const uint8_t *p, size_t n);
/* The first bytes of an SSL 2.0 SERVER-HELLO. */
bool tls_looks_like_sslv2_server_hello(const uint8_t *p, size_t n);
/* The first bytes of a TLS or SSLv2 ClientHello (or a ServerHello, also
 * SSL 2.0's). */
bool tls_looks_like_hello(const uint8_t *p, size_t n);
/* Could these first bytes of a delivery, too short for
 * tls_looks_like_hello, begin a TLS or SSLv2 hello? */
bool tls_could_start_hello(const uint8_t *p, size_t n);
/* Of the bytes tls_looks_like_hello accepts: a server's hello (a TLS
 * ServerHello, or SSL 2.0's SERVER-HELLO)? */
bool tls_hello_from_server(const uint8_t *p, size_t n);

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
	/* Framing was lost (at a gap, or the capture began inside the
	 * stream) and found again n bytes later. */
	void (*resync)(void *ctx, uint64_t skipped, const struct tcp_frame_ref *at);
};

struct tls_resync;

struct tls_record_reader {
	uint8_t hdr[5];
	size_t hdr_have;
	bool in_body;
	struct tls_record rec;
	uint8_t *body;             /* owned; holds one record body */
	size_t body_cap;           /* grown to the largest kept record */
	size_t body_have;
	bool keep;
	bool lost_sync;            /* looking for framing (gap, midstream start) */
	bool at_start;             /* nothing read yet: SSLv2 allowed */
	bool sslv2;                /* the stream opened with an SSLv2 record */
	bool confirm_start;        /* the start of the stream was not captured */
	struct tls_resync *sync;   /* owned; the bytes held while framing is lost */
	uint64_t offset;           /* bytes consumed so far */
	uint64_t resync_skipped;
	uint64_t skipped_total;    /* every byte skipped to find framing */
	uint64_t records;
	uint64_t damaged_records;
};

void tls_record_reader_init(struct tls_record_reader *rr);
void tls_record_reader_release(struct tls_record_reader *rr);
/* The stream's first bytes were not captured (no SYN): unless they open
 * with a hello, framing must be found as after a gap. Call before the
 * first feed. */
void tls_record_reader_midstream(struct tls_record_reader *rr);
/* Heap bytes held while framing is looked for. */
size_t tls_record_reader_resync_memory(const struct tls_record_reader *rr);
/* Bytes skipped so far to find framing (also those still held). */
uint64_t tls_record_reader_skipped(const struct tls_record_reader *rr);
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
