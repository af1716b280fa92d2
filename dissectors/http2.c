/* http2.c - the HTTP/2 frame layer (RFC 9113). */
#include "http2.h"

#include <string.h>

#include "rd.h"

static const char preface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

enum dis_status http2_frame_header_parse(const uint8_t *p, size_t n, struct http2_frame_header *out)
{
	struct rd r = rd_make(p, n);
	struct http2_frame_header h;
	uint32_t sid;
	if (rd_u24(&r, &h.length) || rd_u8(&r, &h.type) || rd_u8(&r, &h.flags) || rd_u32(&r, &sid))
		return DIS_TRUNCATED;
	h.stream_id = sid & 0x7fffffffu;
	*out = h;
	return DIS_OK;
}

enum dis_status http2_preface(const uint8_t *p, size_t n)
{
	struct rd r = rd_make(p, n), v;
	size_t k = n < HTTP2_PREFACE_LEN ? n : HTTP2_PREFACE_LEN;
	if (k == 0)
		return DIS_TRUNCATED;
	if (rd_view(&r, k, &v) || memcmp(v.p, preface, k) != 0)
		return DIS_INVALID;
	return k == HTTP2_PREFACE_LEN ? DIS_OK : DIS_TRUNCATED;
}

/* HEADERS:      [Pad Length (8)] [E Stream Dependency (31) Weight (8)]
 *               Field Block Fragment [Padding]
 * PUSH_PROMISE: [Pad Length (8)] R Promised Stream ID (31)
 *               Field Block Fragment [Padding]
 * CONTINUATION: Field Block Fragment */
enum dis_status http2_header_block(const struct http2_frame_header *h, const uint8_t *payload, size_t n,
				   const uint8_t **block, size_t *block_len, uint32_t *promised)
{
	struct rd r = rd_make(payload, n), frag;
	uint8_t pad = 0;
	uint32_t id = 0;
	if (h->type != HTTP2_HEADERS && h->type != HTTP2_PUSH_PROMISE && h->type != HTTP2_CONTINUATION)
		return DIS_INVALID;
	if (rd_left(&r) < h->length)
		return DIS_TRUNCATED;
	r.len = h->length;
	if (h->type != HTTP2_CONTINUATION && (h->flags & HTTP2_FLAG_PADDED) && rd_u8(&r, &pad))
		return DIS_INVALID;
	if (h->type == HTTP2_HEADERS && (h->flags & HTTP2_FLAG_PRIORITY) && rd_skip(&r, 5))
		return DIS_INVALID;
	if (h->type == HTTP2_PUSH_PROMISE && rd_u32(&r, &id))
		return DIS_INVALID;
	if (rd_left(&r) < pad || rd_view(&r, rd_left(&r) - pad, &frag))
		return DIS_INVALID;
	*block = frag.p;
	*block_len = frag.len;
	*promised = id & 0x7fffffffu;
	return DIS_OK;
}

enum dis_status http2_rst_stream_parse(const uint8_t *payload, size_t n, uint32_t *error)
{
	struct rd r = rd_make(payload, n);
	uint32_t e;
	if (rd_u32(&r, &e) || rd_end(&r))
		return DIS_INVALID;
	*error = e;
	return DIS_OK;
}

enum dis_status http2_goaway_parse(const uint8_t *payload, size_t n, uint32_t *last_stream, uint32_t *error)
{
	struct rd r = rd_make(payload, n);
	uint32_t last, e;
	if (rd_u32(&r, &last) || rd_u32(&r, &e))
		return DIS_INVALID;
	*last_stream = last & 0x7fffffffu;
	*error = e;
	return DIS_OK;
}

enum dis_status http2_settings_parse(const uint8_t *payload, size_t n, struct http2_setting *out, size_t max,
				     size_t *count)
{
	struct rd r = rd_make(payload, n);
	size_t k = 0;
	if (n % 6 != 0)
		return DIS_INVALID;
	while (rd_left(&r) >= 6) {
		struct http2_setting s;
		if (rd_u16(&r, &s.id) || rd_u32(&r, &s.value))
			return DIS_INVALID;
		if (k < max)
			out[k++] = s;
	}
	*count = k;
	return DIS_OK;
}

const char *http2_error_name(uint32_t code)
{
	static const char *const names[] = {
	    "NO_ERROR",	      "PROTOCOL_ERROR",	 "INTERNAL_ERROR",     "FLOW_CONTROL_ERROR", "SETTINGS_TIMEOUT",
	    "STREAM_CLOSED",  "FRAME_SIZE_ERROR", "REFUSED_STREAM",     "CANCEL",	     "COMPRESSION_ERROR",
	    "CONNECT_ERROR",  "ENHANCE_YOUR_CALM", "INADEQUATE_SECURITY", "HTTP_1_1_REQUIRED",
	};
	return code < sizeof names / sizeof names[0] ? names[code] : NULL;
}
