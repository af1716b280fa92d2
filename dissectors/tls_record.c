/* tls_record.c - resumable TLS record framing for one stream direction. */
#include "tls_record.h"

#include <stdlib.h>
#include <string.h>

enum dis_status tls_record_header_parse(struct rd *r, struct tls_record_header *out)
{
	struct rd tmp = *r;
	struct tls_record_header h;

	if (rd_u8(&tmp, &h.type) || rd_u16(&tmp, &h.version) || rd_u16(&tmp, &h.length))
		return DIS_TRUNCATED;
	*r = tmp;
	*out = h;
	if (h.length > TLS_MAX_RECORD_BODY)
		return DIS_INVALID;
	return DIS_OK;
}

bool tls_record_header_plausible(const uint8_t *p, size_t n)
{
	struct rd r = rd_make(p, n);
	struct tls_record_header h;

	if (tls_record_header_parse(&r, &h) != DIS_OK)
		return false;
	if (h.type < TLS_CT_CHANGE_CIPHER_SPEC || h.type > TLS_CT_HEARTBEAT)
		return false;
	/* Record versions are 3.0 - 3.4; TLS 1.3 still writes 3.1 or 3.3. */
	if ((h.version >> 8) != 3 || (h.version & 0xff) > 4)
		return false;
	/* Zero-length handshake/alert/CCS records are forbidden. */
	if (h.length == 0 && h.type != TLS_CT_APPLICATION_DATA)
		return false;
	return true;
}

bool tls_looks_like_hello(const uint8_t *p, size_t n)
{
	struct rd r = rd_make(p, n);
	uint8_t b0, b1, b2, b3, b4;

	if (rd_u8(&r, &b0) || rd_u8(&r, &b1) || rd_u8(&r, &b2))
		return false;
	/* SSLv2-compatible CLIENT-HELLO: 2-byte length with the top bit set,
	 * msg_type 1, then a 3.x version. */
	if ((b0 & 0x80) && b2 == 1) {
		if (rd_u8(&r, &b3) || rd_u8(&r, &b4))
			return false;
		return b3 == 3 && b4 <= 4 && ((((b0 & 0x7f) << 8) | b1) >= 9);
	}
	if (!tls_record_header_plausible(p, n) || b0 != TLS_CT_HANDSHAKE)
		return false;
	if (rd_skip(&r, 2) || rd_u8(&r, &b3))
		return false;
	return b3 == 1 /* ClientHello */ || b3 == 2 /* ServerHello */;
}

void tls_record_reader_init(struct tls_record_reader *rr)
{
	memset(rr, 0, sizeof *rr);
	rr->at_start = true;
}

void tls_record_reader_release(struct tls_record_reader *rr)
{
	free(rr->body);
	rr->body = NULL;
	rr->body_cap = 0;
}

void tls_record_reader_trim(struct tls_record_reader *rr)
{
	if (!rr->in_body)
		tls_record_reader_release(rr);
}

bool tls_record_reader_partial(const struct tls_record_reader *rr)
{
	return rr->in_body || rr->hdr_have > 0;
}

static void emit(struct tls_record_reader *rr, const struct tcp_frame_ref *at, const struct tls_record_sink *sink)
{
	rr->rec.end = *at;
	rr->rec.body_len = rr->body_have;
	rr->rec.body = (rr->keep && !rr->rec.damaged) ? rr->body : NULL;
	if (rr->rec.damaged)
		rr->damaged_records++;
	rr->records++;
	if (sink->record)
		sink->record(sink->ctx, &rr->rec);
	rr->in_body = false;
	rr->hdr_have = 0;
	rr->body_have = 0;
}

/* The header bytes are complete: decide how to read the body. Returns
 * false when the header is not plausible (framing lost). */
static bool start_body(struct tls_record_reader *rr, const struct tcp_frame_ref *at,
		       const struct tls_record_sink *sink)
{
	struct tls_record_header h;

	if (rr->hdr_have == 2) { /* SSLv2 record header */
		h.type = TLS_CT_SSLV2;
		h.version = 0x0002;
		h.length = (uint16_t)(((rr->hdr[0] & 0x7f) << 8) | rr->hdr[1]);
	} else {
		struct rd r = rd_make(rr->hdr, 5);
		if (!tls_record_header_plausible(rr->hdr, 5) || tls_record_header_parse(&r, &h) != DIS_OK)
			return false;
	}
	rr->rec.hdr = h;
	rr->rec.damaged = false;
	rr->in_body = true;
	rr->body_have = 0;
	rr->keep = sink->want_body ? sink->want_body(sink->ctx, &h) : false;
	/* An SSLv2 header can announce up to 32767 bytes, more than the
	 * largest TLS record body; such a record is skipped by length like
	 * application data. */
	if (h.length > TLS_MAX_RECORD_BODY)
		rr->keep = false;
	if (rr->keep && (!rr->body || rr->body_cap < h.length)) {
		/* Sized to need: most kept records (alerts, CCS, handshake
		 * flights) are far below the 18 KiB maximum. */
		size_t cap = h.length < 1024 ? 1024 : h.length;
		uint8_t *nb = realloc(rr->body, cap);
		if (nb) {
			rr->body = nb;
			rr->body_cap = cap;
		} else {
			rr->keep = false;
		}
	}
	if (h.length == 0)
		emit(rr, at, sink);
	return true;
}

static void lose_sync(struct tls_record_reader *rr)
{
	rr->lost_sync = true;
	rr->in_body = false;
	rr->hdr_have = 0;
	rr->scan_have = 0;
}

/* Looks for a plausible header in the bytes kept from earlier chunks
 * followed by the start of this chunk, then in the chunk itself. Returns
 * how many chunk bytes were consumed; on success framing is restored. */
static size_t resync(struct tls_record_reader *rr, const uint8_t *p, size_t n, const struct tcp_frame_ref *at,
		     const struct tls_record_sink *sink)
{
	uint8_t joined[16];
	size_t head = n < 4 ? n : 4;
	size_t i;

	memcpy(joined, rr->scan, rr->scan_have);
	memcpy(joined + rr->scan_have, p, head);
	for (i = 0; i < rr->scan_have; i++) {
		if (rr->scan_have + head - i >= 5 && tls_record_header_plausible(joined + i, 5)) {
			rr->resync_skipped += i;
			memcpy(rr->hdr, rr->scan + i, rr->scan_have - i);
			rr->hdr_have = rr->scan_have - i;
			rr->rec.start = *at;
			rr->rec.stream_offset = rr->offset - rr->hdr_have;
			goto found;
		}
	}
	rr->resync_skipped += rr->scan_have;
	rr->scan_have = 0;
	for (i = 0; i + 5 <= n; i++) {
		if (!tls_record_header_plausible(p + i, 5))
			continue;
		/* Confirm with the following header when it is in reach. */
		size_t next = i + 5 + (size_t)((p[i + 3] << 8) | p[i + 4]);
		if (next + 5 <= n && !tls_record_header_plausible(p + next, 5))
			continue;
		rr->resync_skipped += i;
		rr->offset += i;
		rr->hdr_have = 0;
		rr->rec.start = *at;
		rr->rec.stream_offset = rr->offset;
		rr->lost_sync = false;
		if (sink->resync)
			sink->resync(sink->ctx, rr->resync_skipped, at);
		rr->resync_skipped = 0;
		return i;
	}
	/* Keep the last bytes: a header may straddle this chunk and the next. */
	size_t keep = n < 4 ? n : 4;
	rr->resync_skipped += n - keep;
	memcpy(rr->scan, p + n - keep, keep);
	rr->scan_have = keep;
	rr->offset += n;
	return n;
found:
	rr->scan_have = 0;
	rr->lost_sync = false;
	if (sink->resync)
		sink->resync(sink->ctx, rr->resync_skipped, at);
	rr->resync_skipped = 0;
	return 0;
}

uint64_t tls_record_reader_opaque_ahead(const struct tls_record_reader *rr)
{
	if (!rr->in_body || rr->keep || rr->lost_sync)
		return 0;
	return rr->rec.hdr.length - rr->body_have;
}

void tls_record_reader_feed(struct tls_record_reader *rr, const uint8_t *p, size_t n,
			    const struct tcp_frame_ref *at, const struct tls_record_sink *sink)
{
	if (!p) {
		/* Skipped bytes: only the body of an unkept record may be. */
		uint64_t skip = tls_record_reader_opaque_ahead(rr);
		if (skip > n)
			skip = n;
		rr->body_have += (size_t)skip;
		rr->offset += skip;
		n -= (size_t)skip;
		if (rr->in_body && rr->body_have == rr->rec.hdr.length)
			emit(rr, at, sink);
		if (n)
			tls_record_reader_gap(rr, n, at, sink); /* cannot happen: promised */
		return;
	}
	while (n > 0) {
		if (rr->lost_sync) {
			size_t used = resync(rr, p, n, at, sink);
			p += used;
			n -= used;
			continue;
		}
		if (!rr->in_body) {
			if (rr->hdr_have == 0) {
				rr->rec.start = *at;
				rr->rec.stream_offset = rr->offset;
			}
			/* An SSLv2 record can only open the stream. */
			size_t want = (rr->at_start && (rr->hdr_have ? rr->hdr[0] : p[0]) & 0x80) ? 2 : 5;
			size_t take = want - rr->hdr_have;
			if (take > n)
				take = n;
			memcpy(rr->hdr + rr->hdr_have, p, take);
			rr->hdr_have += take;
			rr->offset += take;
			p += take;
			n -= take;
			if (rr->hdr_have < want)
				return;
			rr->at_start = false;
			if (!start_body(rr, at, sink)) {
				/* Not a header: rescan from its second byte. */
				uint8_t saved[5];
				size_t have = rr->hdr_have;
				memcpy(saved, rr->hdr, have);
				lose_sync(rr);
				rr->resync_skipped = 1;
				memcpy(rr->scan, saved + 1, have - 1);
				rr->scan_have = have - 1;
			}
			continue;
		}
		size_t rem = rr->rec.hdr.length - rr->body_have;
		size_t take = rem < n ? rem : n;
		if (rr->keep)
			memcpy(rr->body + rr->body_have, p, take);
		rr->body_have += take;
		rr->offset += take;
		p += take;
		n -= take;
		if (rr->body_have == rr->rec.hdr.length)
			emit(rr, at, sink);
	}
}

void tls_record_reader_gap(struct tls_record_reader *rr, uint64_t n, const struct tcp_frame_ref *at,
			   const struct tls_record_sink *sink)
{
	if (n == 0)
		return;
	rr->at_start = false;
	if (rr->lost_sync) {
		/* Bytes kept for a straddling header are no longer adjacent. */
		rr->resync_skipped += rr->scan_have + n;
		rr->scan_have = 0;
		rr->offset += n;
		return;
	}
	if (rr->in_body) {
		uint64_t rem = rr->rec.hdr.length - rr->body_have;
		uint64_t take = n < rem ? n : rem;
		rr->rec.damaged = true;
		rr->body_have += (size_t)take;
		rr->offset += take;
		n -= take;
		if (rr->body_have == rr->rec.hdr.length)
			emit(rr, at, sink);
		if (n == 0)
			return;
	}
	/* The gap swallowed (part of) a header: framing is lost. */
	lose_sync(rr);
	rr->resync_skipped = n;
	rr->offset += n;
}
