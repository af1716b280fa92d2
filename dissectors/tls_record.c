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

bool tls_records_plausible(const uint8_t *p, size_t n)
{
	struct rd r = rd_make(p, n);
	struct tls_record_header h;

	if (!tls_record_header_plausible(p, n) || tls_record_header_parse(&r, &h) != DIS_OK || rd_skip(&r, h.length))
		return false;
	return rd_left(&r) == 0 || tls_record_header_plausible(r.p, rd_left(&r));
}

bool tls_looks_like_sslv2_server_hello(const uint8_t *p, size_t n)
{
	/* 2-byte header, msg_type 4 (SERVER-HELLO), session_id_hit 0 or 1,
	 * certificate_type 1 (X.509), then at least the version and three
	 * lengths (11 bytes). */
	struct rd r = rd_make(p, n);
	uint8_t b0, b1, type, hit, cert_type;
	if (rd_u8(&r, &b0) || rd_u8(&r, &b1) || rd_u8(&r, &type) || rd_u8(&r, &hit) || rd_u8(&r, &cert_type))
		return false;
	return (b0 & 0x80) && type == 4 && hit <= 1 && cert_type == 1 && ((((b0 & 0x7f) << 8) | b1) >= 11);
}

bool tls_looks_like_hello(const uint8_t *p, size_t n)
{
	struct rd r = rd_make(p, n);
	uint8_t b0, b1, b2, b3, b4;

	if (rd_u8(&r, &b0) || rd_u8(&r, &b1) || rd_u8(&r, &b2))
		return false;
	/* SSLv2 CLIENT-HELLO: 2-byte length with the top bit set, msg_type 1,
	 * then a 3.x version (SSLv2-compatible, RFC 5246 E.2) or 0.2 (SSL 2.0
	 * only). */
	if ((b0 & 0x80) && b2 == 1) {
		if (rd_u8(&r, &b3) || rd_u8(&r, &b4))
			return false;
		return ((b3 == 3 && b4 <= 4) || (b3 == 0 && b4 == 2)) && ((((b0 & 0x7f) << 8) | b1) >= 9);
	}
	if (tls_looks_like_sslv2_server_hello(p, n))
		return true;
	if (!tls_record_header_plausible(p, n) || b0 != TLS_CT_HANDSHAKE)
		return false;
	if (rd_skip(&r, 2) || rd_u8(&r, &b3))
		return false;
	return b3 == 1 /* ClientHello */ || b3 == 2 /* ServerHello */;
}

bool tls_could_start_hello(const uint8_t *p, size_t n)
{
	struct rd r = rd_make(p, n);
	uint8_t b0, b1;

	/* A handshake record, or SSLv2's 2-byte header with the top bit set. */
	if (rd_u8(&r, &b0) || (b0 != TLS_CT_HANDSHAKE && !(b0 & 0x80)))
		return false;
	/* A record's version begins with 3. */
	return b0 != TLS_CT_HANDSHAKE || rd_u8(&r, &b1) || b1 == 3;
}

bool tls_hello_from_server(const uint8_t *p, size_t n)
{
	struct rd r = rd_make(p, n);
	uint8_t type, hs_type;

	if (tls_looks_like_sslv2_server_hello(p, n))
		return true;
	return rd_u8(&r, &type) == 0 && type == TLS_CT_HANDSHAKE && rd_skip(&r, 4) == 0 && rd_u8(&r, &hs_type) == 0 &&
	       hs_type == 2 /* ServerHello */;
}

/* The bytes held while framing is lost, with the frame each run of them
 * came in (a record found among them keeps its real frames). */
struct resync_mark {
	size_t off;
	struct tcp_frame_ref at;
};
struct tls_resync {
	uint8_t *buf;
	size_t have, cap;
	size_t from; /* candidate offsets before this are ruled out */
	struct resync_mark *marks;
	size_t n_marks, marks_cap;
};

void tls_record_reader_init(struct tls_record_reader *rr)
{
	memset(rr, 0, sizeof *rr);
	rr->at_start = true;
}

static void resync_free(struct tls_resync *rs)
{
	if (!rs)
		return;
	free(rs->buf);
	free(rs->marks);
	free(rs);
}

void tls_record_reader_release(struct tls_record_reader *rr)
{
	free(rr->body);
	rr->body = NULL;
	rr->body_cap = 0;
	resync_free(rr->sync);
	rr->sync = NULL;
}

void tls_record_reader_trim(struct tls_record_reader *rr)
{
	if (!rr->in_body) {
		free(rr->body);
		rr->body = NULL;
		rr->body_cap = 0;
	}
}

void tls_record_reader_midstream(struct tls_record_reader *rr)
{
	if (rr->at_start && rr->offset == 0)
		rr->confirm_start = true;
}

size_t tls_record_reader_resync_memory(const struct tls_record_reader *rr)
{
	return rr->sync ? sizeof *rr->sync + rr->sync->cap + rr->sync->marks_cap * sizeof *rr->sync->marks : 0;
}

uint64_t tls_record_reader_skipped(const struct tls_record_reader *rr)
{
	return rr->skipped_total + rr->resync_skipped + (rr->lost_sync && rr->sync ? rr->sync->have : 0);
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
		rr->sslv2 = true;
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

/* ---- finding framing again ------------------------------------------ */

/* Appends bytes to the held ones (as many as fit in the window); returns
 * how many were taken. They count as consumed. */
static size_t hold(struct tls_record_reader *rr, const uint8_t *p, size_t n, const struct tcp_frame_ref *at)
{
	if (!rr->sync && !(rr->sync = calloc(1, sizeof *rr->sync)))
		goto drop;
	struct tls_resync *rs = rr->sync;
	size_t take = TLS_RESYNC_WINDOW - rs->have;
	if (take > n)
		take = n;
	if (rs->have + take > rs->cap) {
		/* Grown as needed: framing is mostly found in the first segment. */
		size_t cap = rs->cap ? rs->cap : 4096;
		while (cap < rs->have + take)
			cap *= 2;
		if (cap > TLS_RESYNC_WINDOW)
			cap = TLS_RESYNC_WINDOW;
		uint8_t *nb = realloc(rs->buf, cap);
		if (!nb)
			goto drop;
		rs->buf = nb;
		rs->cap = cap;
	}
	if (rs->n_marks == 0 || rs->marks[rs->n_marks - 1].at.frame != at->frame) {
		if (rs->n_marks == rs->marks_cap) {
			size_t mcap = rs->marks_cap ? rs->marks_cap * 2 : 16;
			struct resync_mark *nm = realloc(rs->marks, mcap * sizeof *nm);
			if (!nm)
				goto drop;
			rs->marks = nm;
			rs->marks_cap = mcap;
		}
		rs->marks[rs->n_marks].off = rs->have;
		rs->marks[rs->n_marks].at = *at;
		rs->n_marks++;
	}
	memcpy(rs->buf + rs->have, p, take);
	rs->have += take;
	rr->offset += take;
	return take;
drop:
	/* Out of memory: the bytes are skipped unread. */
	rr->resync_skipped += n;
	rr->offset += n;
	return n;
}

/* The first k held bytes are given up. */
static void drop_held(struct tls_record_reader *rr, size_t k)
{
	struct tls_resync *rs = rr->sync;
	size_t keep = 0;
	memmove(rs->buf, rs->buf + k, rs->have - k);
	rs->have -= k;
	rs->from = rs->from > k ? rs->from - k : 0;
	for (size_t i = 0; i < rs->n_marks; i++) {
		bool last_before = i + 1 < rs->n_marks && rs->marks[i + 1].off <= k;
		if (last_before)
			continue; /* wholly dropped */
		rs->marks[keep] = rs->marks[i];
		rs->marks[keep].off = rs->marks[i].off > k ? rs->marks[i].off - k : 0;
		keep++;
	}
	rs->n_marks = rs->have ? keep : 0;
	rr->resync_skipped += k;
}

/* Framing is lost: look for it, starting with these header bytes (those
 * after the first, which is skipped). */
static void lose_sync(struct tls_record_reader *rr, const uint8_t *hdr_tail, size_t n,
		      const struct tcp_frame_ref *at)
{
	rr->lost_sync = true;
	rr->in_body = false;
	rr->hdr_have = 0;
	if (rr->sync) {
		rr->sync->have = rr->sync->from = rr->sync->n_marks = 0;
	}
	if (n) {
		rr->offset -= n; /* hold() counts them again */
		hold(rr, hdr_tail, n, at);
	}
}

/* Could these n < 5 bytes begin a plausible header? */
static bool header_prefix_plausible(const uint8_t *p, size_t n)
{
	/* Completed with bytes that are neutral to the test. */
	uint8_t h[5] = { TLS_CT_APPLICATION_DATA, 3, 3, 0, 1 };
	struct rd r = rd_make(p, n);
	for (size_t i = 0; i < n; i++)
		if (rd_u8(&r, &h[i]))
			return false;
	if (n == 4 && h[3] != 0)
		h[4] = 0;
	return tls_record_header_plausible(h, 5);
}

enum chain { CHAIN_NO, CHAIN_YES, CHAIN_UNDECIDED };

/* Do the held bytes from offset i on read as records? Yes after
 * TLS_RESYNC_CHAIN plausible headers in a row, or fewer whose last record
 * ends exactly at the end of the bytes held (the end of a delivery). */
static enum chain chain_at(const uint8_t *buf, size_t have, size_t i)
{
	size_t pos = i;
	unsigned n = 0;
	for (;;) {
		if (pos == have)
			return n ? CHAIN_YES : CHAIN_UNDECIDED;
		if (have - pos < 5)
			return header_prefix_plausible(buf + pos, have - pos) ? CHAIN_UNDECIDED : CHAIN_NO;
		struct rd r = rd_make(buf + pos, 5);
		struct tls_record_header h;
		if (!tls_record_header_plausible(buf + pos, 5) || tls_record_header_parse(&r, &h) != DIS_OK)
			return CHAIN_NO;
		if (++n == TLS_RESYNC_CHAIN)
			return CHAIN_YES;
		pos += 5 + (size_t)h.length;
		if (pos > have)
			return CHAIN_UNDECIDED;
	}
}

bool tls_record_framing_in(const uint8_t *p, size_t n, size_t *at)
{
	for (size_t i = 0; i < n; i++) {
		if (chain_at(p, n, i) == CHAIN_YES) {
			*at = i;
			return true;
		}
	}
	return false;
}

static size_t read_framed(struct tls_record_reader *rr, const uint8_t *p, size_t n, const struct tcp_frame_ref *at,
			  const struct tls_record_sink *sink);

/* Framing found at held offset i: the bytes before are skipped, those
 * from i on are read as records (framing may be lost again among them:
 * the rest is then held anew, and looked at again). */
static void restore(struct tls_record_reader *rr, size_t i, const struct tls_record_sink *sink)
{
	struct tls_resync *rs = rr->sync;
	rr->sync = NULL; /* a new loss of framing holds bytes of its own */
	size_t m = 0;
	while (m + 1 < rs->n_marks && rs->marks[m + 1].off <= i)
		m++;
	rr->resync_skipped += i;
	rr->skipped_total += rr->resync_skipped;
	rr->lost_sync = false;
	rr->offset -= rs->have - i;
	if (rr->resync_skipped && sink->resync)
		sink->resync(sink->ctx, rr->resync_skipped, &rs->marks[m].at);
	rr->resync_skipped = 0;
	size_t off = i;
	while (off < rs->have) {
		while (m + 1 < rs->n_marks && rs->marks[m + 1].off <= off)
			m++;
		size_t stop = m + 1 < rs->n_marks ? rs->marks[m + 1].off : rs->have;
		const struct tcp_frame_ref *at = &rs->marks[m].at;
		if (rr->lost_sync)
			off += hold(rr, rs->buf + off, stop - off, at);
		else
			off += read_framed(rr, rs->buf + off, stop - off, at, sink);
	}
	if (!rr->sync) {
		/* Kept for the next loss of framing (empty). */
		rs->have = rs->from = rs->n_marks = 0;
		rr->sync = rs;
	} else {
		resync_free(rs);
	}
}

/* Looks for framing in the held bytes, leftmost candidate first: an
 * undecided one waits for more bytes. */
static void search(struct tls_record_reader *rr, const struct tls_record_sink *sink)
{
	while (rr->lost_sync && rr->sync) {
		struct tls_resync *rs = rr->sync;
		enum chain v = CHAIN_UNDECIDED;
		size_t i;
		for (i = rs->from; i < rs->have; i++) {
			v = chain_at(rs->buf, rs->have, i);
			if (v != CHAIN_NO)
				break;
		}
		if (i == rs->have)
			v = CHAIN_UNDECIDED;
		rs->from = i;
		if (v == CHAIN_YES) {
			restore(rr, i, sink);
			continue;
		}
		/* Full: what is ruled out goes (a window always holds a whole
		 * chain, so offset 0 is never undecided then). */
		if (rs->have == TLS_RESYNC_WINDOW)
			drop_held(rr, i ? i : 1);
		return;
	}
}

uint64_t tls_record_reader_opaque_ahead(const struct tls_record_reader *rr)
{
	if (!rr->in_body || rr->keep || rr->lost_sync)
		return 0;
	return rr->rec.hdr.length - rr->body_have;
}

/* Reads records while framing holds; returns the bytes consumed (all,
 * or those up to where framing was lost). */
static size_t read_framed(struct tls_record_reader *rr, const uint8_t *p, size_t n, const struct tcp_frame_ref *at,
			  const struct tls_record_sink *sink)
{
	size_t used = 0;
	while (used < n && !rr->lost_sync) {
		const uint8_t *q = p + used;
		size_t left = n - used;
		if (!rr->in_body) {
			if (rr->hdr_have == 0) {
				rr->rec.start = *at;
				rr->rec.stream_offset = rr->offset;
			}
			/* An SSLv2 record opens the stream; more follow only in a
			 * stream that opened so (no TLS content type has the top
			 * bit set). */
			struct rd first = rd_make(rr->hdr_have ? rr->hdr : q, 1);
			uint8_t b0 = 0;
			(void)rd_u8(&first, &b0);
			size_t want = ((rr->at_start || rr->sslv2) && (b0 & 0x80)) ? 2 : 5;
			size_t take = want - rr->hdr_have;
			if (take > left)
				take = left;
			memcpy(rr->hdr + rr->hdr_have, q, take);
			rr->hdr_have += take;
			rr->offset += take;
			used += take;
			if (rr->hdr_have < want)
				return used;
			rr->at_start = false;
			if (!start_body(rr, at, sink)) {
				/* Not a header: look again from its second byte. */
				uint8_t saved[5];
				size_t have = rr->hdr_have;
				memcpy(saved, rr->hdr, have);
				rr->resync_skipped = 1;
				lose_sync(rr, saved + 1, have - 1, &rr->rec.start);
			}
			continue;
		}
		size_t rem = rr->rec.hdr.length - rr->body_have;
		size_t take = rem < left ? rem : left;
		if (rr->keep)
			memcpy(rr->body + rr->body_have, q, take);
		rr->body_have += take;
		rr->offset += take;
		used += take;
		if (rr->body_have == rr->rec.hdr.length)
			emit(rr, at, sink);
	}
	return used;
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
	if (rr->confirm_start && rr->at_start && rr->offset == 0 && n > 0) {
		/* The capture began inside the stream: a hello is its start;
		 * anything else must prove its framing first. */
		rr->confirm_start = false;
		if (!tls_looks_like_hello(p, n)) {
			rr->at_start = false;
			rr->resync_skipped = 0;
			lose_sync(rr, NULL, 0, at);
		}
	}
	while (n > 0) {
		size_t used = rr->lost_sync ? hold(rr, p, n, at) : read_framed(rr, p, n, at, sink);
		p += used;
		n -= used;
		if (rr->lost_sync)
			search(rr, sink);
	}
}

void tls_record_reader_gap(struct tls_record_reader *rr, uint64_t n, const struct tcp_frame_ref *at,
			   const struct tls_record_sink *sink)
{
	if (n == 0)
		return;
	rr->at_start = false;
	if (rr->lost_sync) {
		/* Held bytes cannot chain across the hole: they are skipped. */
		if (rr->sync) {
			rr->resync_skipped += rr->sync->have;
			rr->sync->have = rr->sync->from = rr->sync->n_marks = 0;
		}
		rr->resync_skipped += n;
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
	lose_sync(rr, NULL, 0, at);
	rr->resync_skipped = n;
	rr->offset += n;
}
