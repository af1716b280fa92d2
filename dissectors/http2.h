/* http2.h - the HTTP/2 frame layer (RFC 9113 4 and 6) in decrypted
 * application data: frame headers, the header block fragments of
 * HEADERS / PUSH_PROMISE / CONTINUATION (decoded elsewhere, with
 * libnghttp2's HPACK inflater), RST_STREAM, GOAWAY and SETTINGS. Pure and
 * bounded; lengths are checked against the bytes, never trusted. */
#ifndef MTLS_HTTP2_H
#define MTLS_HTTP2_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dis.h"

#define HTTP2_FRAME_HEADER_LEN 9
#define HTTP2_PREFACE_LEN 24
/* SETTINGS_MAX_FRAME_SIZE's initial value (RFC 9113 6.5.2). */
#define HTTP2_DEFAULT_MAX_FRAME 16384

enum http2_frame_type {
	HTTP2_DATA = 0x0,
	HTTP2_HEADERS = 0x1,
	HTTP2_PRIORITY = 0x2,
	HTTP2_RST_STREAM = 0x3,
	HTTP2_SETTINGS = 0x4,
	HTTP2_PUSH_PROMISE = 0x5,
	HTTP2_PING = 0x6,
	HTTP2_GOAWAY = 0x7,
	HTTP2_WINDOW_UPDATE = 0x8,
	HTTP2_CONTINUATION = 0x9,
};

#define HTTP2_FLAG_END_STREAM 0x01
#define HTTP2_FLAG_ACK 0x01
#define HTTP2_FLAG_END_HEADERS 0x04
#define HTTP2_FLAG_PADDED 0x08
#define HTTP2_FLAG_PRIORITY 0x20

#define HTTP2_SETTINGS_HEADER_TABLE_SIZE 0x1
#define HTTP2_HTTP_1_1_REQUIRED 0xd

/* +-----------------------------------------------+
 * |                 Length (24)                   |
 * +---------------+---------------+---------------+
 * |   Type (8)    |   Flags (8)   |
 * +-+-------------+---------------+-------------------------------+
 * |R|                 Stream Identifier (31)                      |
 * +=+=============================================================+ */
struct http2_frame_header {
	uint32_t length;
	uint8_t type;
	uint8_t flags;
	uint32_t stream_id; /* the reserved bit cleared */
};

/* DIS_TRUNCATED when fewer than 9 bytes. */
enum dis_status http2_frame_header_parse(const uint8_t *p, size_t n, struct http2_frame_header *out);

/* The client connection preface "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n":
 * DIS_OK when p starts with it, DIS_TRUNCATED when p is a shorter prefix
 * of it, DIS_INVALID otherwise. */
enum dis_status http2_preface(const uint8_t *p, size_t n);

/* The header block fragment of a HEADERS, PUSH_PROMISE or CONTINUATION
 * payload (n bytes, the frame's length): padding, priority and the
 * promised stream removed. *promised gets PUSH_PROMISE's stream (0
 * otherwise). DIS_INVALID when the padding or fields do not fit. */
enum dis_status http2_header_block(const struct http2_frame_header *h, const uint8_t *payload, size_t n,
				   const uint8_t **block, size_t *block_len, uint32_t *promised);

/* RST_STREAM: exactly a 32-bit error code. */
enum dis_status http2_rst_stream_parse(const uint8_t *payload, size_t n, uint32_t *error);
/* GOAWAY: last stream, error code, then debug data (ignored). */
enum dis_status http2_goaway_parse(const uint8_t *payload, size_t n, uint32_t *last_stream, uint32_t *error);

struct http2_setting {
	uint16_t id;
	uint32_t value;
};
/* SETTINGS: up to max entries into out (*count of them); DIS_INVALID
 * when the length is not a multiple of 6. */
enum dis_status http2_settings_parse(const uint8_t *payload, size_t n, struct http2_setting *out, size_t max,
				     size_t *count);

/* "HTTP_1_1_REQUIRED", "CANCEL", ...; NULL for a code RFC 9113 does not name. */
const char *http2_error_name(uint32_t code);

#endif
