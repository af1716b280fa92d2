/* tls_hs_stream.c - handshake message reassembly across records. */
#include "tls_hs_stream.h"

#include <stdlib.h>
#include <string.h>

#include "rd.h"

void tls_hs_stream_init(struct tls_hs_stream *hs, size_t max_msg)
{
	memset(hs, 0, sizeof *hs);
	hs->max_msg = max_msg ? max_msg : TLS_HS_DEFAULT_MAX_MSG;
}

void tls_hs_stream_release(struct tls_hs_stream *hs)
{
	free(hs->buf);
	hs->buf = NULL;
	hs->buf_cap = 0;
}

void tls_hs_stream_trim(struct tls_hs_stream *hs)
{
	if (!hs->in_body)
		tls_hs_stream_release(hs);
}

bool tls_hs_stream_partial(const struct tls_hs_stream *hs)
{
	return hs->in_body || hs->hdr_have > 0;
}

void tls_hs_stream_damaged(struct tls_hs_stream *hs)
{
	hs->hdr_have = 0;
	hs->in_body = false;
	hs->have = 0;
}

/* Make room for the whole body; false leaves the message oversized. */
static bool reserve(struct tls_hs_stream *hs, size_t need)
{
	if (need > hs->max_msg)
		return false;
	if (need <= hs->buf_cap)
		return true;
	/* Hellos fit in 512 bytes: a handshake waiting for its peer (thousands
	 * of them at once, under --max-memory) holds no 4 KiB it never used;
	 * a certificate chain grows the buffer once. */
	size_t cap = hs->buf_cap ? hs->buf_cap : 512;
	while (cap < need)
		cap *= 2;
	if (cap > hs->max_msg)
		cap = hs->max_msg;
	uint8_t *nb = realloc(hs->buf, cap);
	if (!nb)
		return false;
	hs->buf = nb;
	hs->buf_cap = cap;
	return true;
}

static void finish(struct tls_hs_stream *hs, const struct tcp_frame_ref *end, tls_hs_msg_fn fn, void *ctx)
{
	hs->msg.end = *end;
	hs->msg.body = hs->msg.oversized ? NULL : hs->buf;
	hs->messages++;
	if (hs->msg.oversized)
		hs->oversized++;
	fn(ctx, &hs->msg);
	hs->in_body = false;
	hs->hdr_have = 0;
	hs->have = 0;
}

void tls_hs_stream_feed(struct tls_hs_stream *hs, const uint8_t *p, size_t n, const struct tcp_frame_ref *start,
			const struct tcp_frame_ref *end, tls_hs_msg_fn fn, void *ctx)
{
	struct rd r = rd_make(p, n);

	hs->desync = false;
	if (hs->in_body || hs->hdr_have)
		hs->msg.records++;
	while (rd_left(&r) > 0) {
		if (!hs->in_body) {
			if (hs->hdr_have == 0) {
				hs->msg.start = *start;
				hs->msg.records = 1;
			}
			size_t take = 4 - hs->hdr_have;
			if (take > rd_left(&r))
				take = rd_left(&r);
			rd_copy(&r, hs->hdr + hs->hdr_have, take);
			hs->hdr_have += take;
			if (hs->hdr_have < 4)
				return;
			struct rd h = rd_make(hs->hdr, 4);
			uint8_t type;
			uint32_t len;
			rd_u8(&h, &type);
			rd_u24(&h, &len);
			hs->msg.type = type;
			hs->msg.length = len;
			hs->msg.oversized = !reserve(hs, len);
			hs->in_body = true;
			hs->have = 0;
			if (len == 0)
				finish(hs, end, fn, ctx);
			continue;
		}
		size_t rem = hs->msg.length - hs->have;
		size_t take = rem < rd_left(&r) ? rem : rd_left(&r);
		if (!hs->msg.oversized)
			rd_copy(&r, hs->buf + hs->have, take);
		else
			rd_skip(&r, take);
		hs->have += take;
		if (hs->have == hs->msg.length)
			finish(hs, end, fn, ctx);
	}
}
