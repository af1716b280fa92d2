/* tcp_reasm.c - one direction of a TCP stream, reassembled.
 *
 * State: next_seq (the first byte not yet delivered) and a list of
 * out-of-order pieces sorted by sequence number, disjoint, all starting
 * after next_seq. A piece is either captured bytes, a "hole marker" for
 * bytes the snaplen cut off (known to exist, never to be seen), or an
 * "opaque" marker for captured bytes the consumer skips by length
 * (application data arriving out of order: counted, not copied).
 *
 * Sequence numbers are compared modulo 2^32 (tcp_seq_lt); every buffered
 * piece lies within 2^31 of next_seq, so the comparisons stay meaningful
 * across the wrap.
 *
 * Frame tags. Bytes delivered because a segment arrived (in order, or
 * filling a hole) carry that segment's frame. Bytes delivered because a
 * hole was given up (peer ACK, cap, flush) carry the latest frame among
 * the pieces delivered so far in that run - the frame by which they had
 * all been captured - while the gap call itself carries the frame of the
 * event that declared it.
 *
 * During a sink call, tcp_reasm_next_seq() is the sequence number of the
 * first byte of that call (the state is advanced after the call). The
 * sink must not call back into the same tcp_reasm. */
#include "tcp_reasm.h"

#include <stdlib.h>
#include <string.h>

#include "heap_charge.h"
#include "rd.h"
#include "tcp.h"

/* An ACK may run ahead of every byte we captured by at most this much
 * before it is believed: lost captures of a few windows are common, an
 * ACK 100 MB ahead is a bogus or foreign value (RST with ack 0, ...). */
#define ACK_MAX_JUMP (1u << 20)
/* Bounds the number of pieces whatever their size (tiny segments). */
#define MAX_PIECES 1024u
/* A segment longer than this is nonsense for one TCP segment even with
 * offload (64 KiB GSO); clamping keeps all arithmetic within 2^31. */
#define MAX_SEG_LEN (1u << 24)

struct piece {
	struct piece *next;
	uint32_t seq;
	uint32_t len;
	bool hole;   /* snaplen-cut bytes: no data follows */
	bool opaque; /* captured but not wanted: no data follows, delivered as data */
	uint32_t alloc; /* bytes asked of malloc for it (len may shrink later) */
	struct tcp_frame_ref at;
	uint8_t data[];
};

struct tcp_reasm {
	size_t ooo_cap;
	bool started;
	bool fin_seen, fin_done;
	uint32_t next_seq;
	uint32_t fin_seq;     /* sequence number the FIN occupies */
	uint32_t highest_end; /* max end of anything seen, for ACK plausibility */
	struct piece *head, *tail;
	size_t buffered; /* captured bytes in the pieces */
	size_t npieces;
	/* Header-only pieces (holes, opaque) kept for reuse: reordered
	 * application data then allocates nothing in the steady state. */
	struct piece *spare;
	size_t nspare;
	/* heap_charge of the pieces and spares: what they cost the process,
	 * for --max-memory (a 1-byte piece costs far more than one byte). */
	size_t piece_heap;
	struct tcp_reasm_stats st;
};

#define MAX_SPARE 8u

static int seq_gt(uint32_t a, uint32_t b)
{
	return tcp_seq_lt(b, a);
}
static int seq_geq(uint32_t a, uint32_t b)
{
	return tcp_seq_leq(b, a);
}
static uint32_t seq_min(uint32_t a, uint32_t b)
{
	return tcp_seq_lt(a, b) ? a : b;
}

struct tcp_reasm *tcp_reasm_new(size_t ooo_cap)
{
	struct tcp_reasm *r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->ooo_cap = ooo_cap;
	return r;
}

/* A piece leaves the buffer: header-only ones go to the spares. */
static void piece_drop(struct tcp_reasm *r, struct piece *p)
{
	if ((p->hole || p->opaque) && r->nspare < MAX_SPARE) {
		p->next = r->spare;
		r->spare = p;
		r->nspare++;
		return;
	}
	r->piece_heap -= heap_charge(p->alloc);
	free(p);
}

static void piece_free_all(struct tcp_reasm *r)
{
	struct piece *p = r->head;
	while (p) {
		struct piece *n = p->next;
		free(p);
		p = n;
	}
	while (r->spare) {
		p = r->spare;
		r->spare = p->next;
		free(p);
	}
	r->nspare = 0;
	r->head = r->tail = NULL;
	r->buffered = 0;
	r->npieces = 0;
	r->piece_heap = 0;
}

void tcp_reasm_free(struct tcp_reasm *r)
{
	if (!r)
		return;
	piece_free_all(r);
	free(r);
}

const struct tcp_reasm_stats *tcp_reasm_stats(const struct tcp_reasm *r)
{
	return &r->st;
}
size_t tcp_reasm_buffered(const struct tcp_reasm *r)
{
	return r->buffered;
}
size_t tcp_reasm_memory(const struct tcp_reasm *r)
{
	return heap_charge(sizeof(*r)) + r->piece_heap;
}
bool tcp_reasm_started(const struct tcp_reasm *r)
{
	return r->started;
}
uint32_t tcp_reasm_next_seq(const struct tcp_reasm *r)
{
	return r->next_seq;
}

/* --- delivery ---------------------------------------------------------- */

static void emit_data(struct tcp_reasm *r, const uint8_t *p, size_t n, const struct tcp_frame_ref *at,
		      const struct tcp_reasm_sink *sink)
{
	if (n == 0)
		return;
	if (sink && sink->data)
		sink->data(sink->ctx, p, n, at);
	r->st.bytes_delivered += n;
	r->next_seq += (uint32_t)n;
}

static void emit_gap(struct tcp_reasm *r, uint32_t n, const struct tcp_frame_ref *at,
		     const struct tcp_reasm_sink *sink)
{
	if (n == 0)
		return;
	if (sink && sink->gap)
		sink->gap(sink->ctx, n, at);
	r->st.gaps++;
	r->st.gap_bytes += n;
	r->next_seq += n;
}

static void consume_fin(struct tcp_reasm *r)
{
	if (r->fin_seen && !r->fin_done && r->next_seq == r->fin_seq) {
		r->fin_done = true;
		r->next_seq++;
	}
}

static void pop_head(struct tcp_reasm *r)
{
	struct piece *p = r->head;
	r->head = p->next;
	if (!r->head)
		r->tail = NULL;
	if (!p->hole)
		r->buffered -= p->len;
	r->npieces--;
	piece_drop(r, p);
}

/* Delivers buffered pieces while the head is contiguous. `fixed` tags
 * them with one frame (a segment just filled the hole); NULL tags each
 * with the latest arrival frame so far (a hole was given up). */
static void drain(struct tcp_reasm *r, const struct tcp_frame_ref *fixed, const struct tcp_reasm_sink *sink)
{
	struct tcp_frame_ref run = {0, 0};
	while (r->head && r->head->seq == r->next_seq) {
		struct piece *p = r->head;
		const struct tcp_frame_ref *at = fixed;
		if (!at) {
			if (p->at.frame >= run.frame)
				run = p->at;
			at = &run;
		}
		if (p->hole)
			emit_gap(r, p->len, at, sink);
		else
			emit_data(r, p->opaque ? NULL : p->data, p->len, at, sink);
		pop_head(r);
	}
	consume_fin(r);
}

/* Declares [next_seq, upto) lost, then delivers what became contiguous. */
static void give_up_hole(struct tcp_reasm *r, uint32_t upto, const struct tcp_frame_ref *at,
			 const struct tcp_reasm_sink *sink)
{
	/* The hole sits before the buffered data that follows it: tag it with
	 * that data's frame when it is earlier than the frame that gave the
	 * hole up, so reports list it in frame order. */
	const struct tcp_frame_ref *gap_at = at;
	if (r->head && r->head->seq == upto && r->head->at.frame < at->frame)
		gap_at = &r->head->at;
	if (seq_gt(upto, r->next_seq))
		emit_gap(r, upto - r->next_seq, gap_at, sink);
	drain(r, NULL, sink);
}

/* --- the out-of-order buffer --------------------------------------------- */

/* Links a new piece in at *link; data NULL makes a snaplen hole marker,
 * `opaque` an opaque one (captured, counted as buffered, not copied). */
static int piece_add(struct tcp_reasm *r, struct piece **link, uint32_t seq, uint32_t len,
		     const uint8_t *data, bool opaque, const struct tcp_frame_ref *at)
{
	bool header_only = !data || opaque;
	struct piece *p;
	if (header_only && r->spare) {
		p = r->spare;
		r->spare = p->next;
		r->nspare--;
	} else {
		size_t alloc = sizeof(*p) + (header_only ? 0 : len);
		p = malloc(alloc);
		if (!p)
			return -1;
		p->alloc = (uint32_t)alloc;
		r->piece_heap += heap_charge(alloc);
	}
	p->seq = seq;
	p->len = len;
	p->hole = data == NULL;
	p->opaque = data && opaque;
	p->at = *at;
	if (data && !opaque)
		memcpy(p->data, data, len);
	p->next = *link;
	*link = p;
	if (!p->next)
		r->tail = p;
	if (data)
		r->buffered += len;
	r->npieces++;
	return 0;
}

/* Stores the parts of [seq, seq+wire) that fall in holes between buffered
 * pieces: captured bytes (`cap`, starting at seq) first, then the tail the
 * snaplen cut off as hole markers. Returns the bytes that duplicate
 * buffered ones (dropped: first copy wins). */
static uint32_t buffer_range(struct tcp_reasm *r, uint32_t seq, uint32_t wire, struct rd cap,
			     uint32_t opaque_end, const struct tcp_frame_ref *at)
{
	uint32_t end = seq + wire, pos = seq, dup = 0;
	uint32_t cap_end = seq + (uint32_t)rd_left(&cap);
	struct piece **link = &r->head;

	/* Most out-of-order arrivals extend the queue at its end. */
	if (r->tail && seq_geq(seq, r->tail->seq + r->tail->len))
		link = &r->tail->next;

	while (tcp_seq_lt(pos, end)) {
		struct piece *p = *link;
		if (p && seq_geq(pos, p->seq + p->len)) {
			link = &p->next;
			continue;
		}
		if (p && tcp_seq_leq(p->seq, pos)) {
			/* Inside an existing piece: first copy wins. */
			uint32_t skip = seq_min(p->seq + p->len, end) - pos;
			dup += skip;
			pos += skip;
			link = &p->next;
			continue;
		}
		/* [pos, stop) is a hole in the buffer. */
		uint32_t stop = p ? seq_min(p->seq, end) : end;
		while (tcp_seq_lt(pos, cap_end) && tcp_seq_lt(pos, stop)) {
			/* Bytes before opaque_end are skipped by the consumer. */
			uint32_t e = seq_min(stop, cap_end);
			bool opaque = tcp_seq_lt(pos, opaque_end);
			if (opaque)
				e = seq_min(e, opaque_end);
			struct rd v = cap, piece;
			if (rd_skip(&v, pos - seq) || rd_view(&v, e - pos, &piece) ||
			    piece_add(r, link, pos, e - pos, piece.p, opaque, at))
				return dup;
			link = &(*link)->next;
			pos = e;
		}
		if (tcp_seq_lt(pos, stop)) {
			if (piece_add(r, link, pos, stop - pos, NULL, false, at))
				return dup;
			link = &(*link)->next;
			pos = stop;
		}
	}
	return dup;
}

/* Data after the FIN does not exist: cut the buffer at fin_seq. */
static void trim_after_fin(struct tcp_reasm *r)
{
	struct piece **link = &r->head;
	while (*link && tcp_seq_lt((*link)->seq, r->fin_seq)) {
		struct piece *p = *link;
		if (seq_gt(p->seq + p->len, r->fin_seq)) {
			uint32_t keep = r->fin_seq - p->seq;
			if (!p->hole)
				r->buffered -= p->len - keep;
			p->len = keep;
		}
		link = &p->next;
	}
	r->tail = NULL;
	for (struct piece *p = r->head; p && p != *link; p = p->next)
		r->tail = p;
	while (*link) {
		struct piece *p = *link;
		*link = p->next;
		if (!p->hole)
			r->buffered -= p->len;
		r->npieces--;
		piece_drop(r, p);
	}
}

/* Gives up the lowest hole while the buffer is over its caps. */
static void enforce_caps(struct tcp_reasm *r, const struct tcp_frame_ref *at,
			 const struct tcp_reasm_sink *sink)
{
	while (r->head && (r->buffered > r->ooo_cap || r->npieces > MAX_PIECES)) {
		r->st.ooo_dropped_bytes += r->head->seq - r->next_seq;
		give_up_hole(r, r->head->seq, at, sink);
	}
}

/* The segment starts exactly at next_seq with pieces buffered beyond:
 * deliver it straight from the packet, letting buffered pieces (earlier
 * copies) win where they overlap, then everything now contiguous. */
static uint32_t deliver_filling(struct tcp_reasm *r, uint32_t s, uint32_t e, struct rd cap,
				const struct tcp_frame_ref *at, const struct tcp_reasm_sink *sink)
{
	uint32_t fresh = 0;
	while (tcp_seq_lt(r->next_seq, e)) {
		struct piece *h = r->head;
		if (h && h->seq == r->next_seq) {
			if (h->hole)
				emit_gap(r, h->len, at, sink);
			else
				emit_data(r, h->opaque ? NULL : h->data, h->len, at, sink);
			pop_head(r);
			continue;
		}
		uint32_t stop = h ? seq_min(h->seq, e) : e;
		uint32_t off = r->next_seq - s;
		uint32_t n = stop - r->next_seq;
		if (off < rd_left(&cap)) {
			struct rd v = cap, d;
			if (n > rd_left(&cap) - off)
				n = (uint32_t)(rd_left(&cap) - off);
			if (rd_skip(&v, off) || rd_view(&v, n, &d))
				break; /* cannot happen: off + n <= captured */
			emit_data(r, d.p, n, at, sink);
		} else {
			emit_gap(r, n, at, sink);
		}
		fresh += n;
	}
	drain(r, at, sink);
	return fresh;
}

/* Where a segment's sequence space s..e ends: at the stream's end once a
 * FIN fixed it (the first FIN seen does), and the furthest point seen
 * moves on, for the ACK plausibility check. */
static uint32_t segment_end(struct tcp_reasm *r, uint32_t s, uint32_t wire_len, uint8_t flags)
{
	uint32_t e = s + wire_len;
	if ((flags & TCP_FIN) && !r->fin_seen && seq_geq(e, r->next_seq)) {
		r->fin_seen = true;
		r->fin_seq = e;
		trim_after_fin(r);
	}
	if (r->fin_seen && seq_gt(e, r->fin_seq))
		e = seq_gt(s, r->fin_seq) ? s : r->fin_seq;
	if (seq_gt(e, r->highest_end))
		r->highest_end = e;
	if (r->fin_seen && seq_gt(r->fin_seq + 1, r->highest_end))
		r->highest_end = r->fin_seq + 1;
	return e;
}

/* Bytes before next_seq were delivered (or given up) already: they are
 * counted as overlap and taken off the front of *s, *wire and *cap.
 * False when nothing new is left (a retransmission). */
static bool skip_delivered(struct tcp_reasm *r, uint32_t *s, uint32_t *wire, struct rd *cap)
{
	if (!tcp_seq_lt(*s, r->next_seq))
		return true;
	uint32_t old = r->next_seq - *s;
	if (old >= *wire) {
		r->st.retransmitted_segments++;
		r->st.overlap_bytes += *wire;
		return false;
	}
	r->st.overlap_bytes += old;
	if (rd_skip(cap, old))
		cap->len = 0; /* the captured part was all old */
	*s += old;
	*wire -= old;
	return true;
}

/* A segment that starts after next_seq: buffered, in order of sequence
 * number, until the bytes before it come or are given up. */
static void buffer_ahead(struct tcp_reasm *r, uint32_t s, uint32_t wire, struct rd cap,
			 const struct tcp_frame_ref *at, const struct tcp_reasm_sink *sink)
{
	r->st.ooo_segments++;
	uint64_t ahead = sink && sink->opaque_ahead ? sink->opaque_ahead(sink->ctx) : 0;
	if (ahead > MAX_SEG_LEN)
		ahead = MAX_SEG_LEN;
	uint32_t dup = buffer_range(r, s, wire, cap, r->next_seq + (uint32_t)ahead, at);
	r->st.overlap_bytes += dup;
	if (dup == wire)
		r->st.retransmitted_segments++;
	enforce_caps(r, at, sink);
}

void tcp_reasm_segment(struct tcp_reasm *r, uint32_t seq, uint8_t flags, const uint8_t *payload, size_t len,
		       size_t wire_len, const struct tcp_frame_ref *at, const struct tcp_reasm_sink *sink)
{
	r->st.segments++;
	/* Data in a RST is a diagnostic at most, never stream content. */
	if (flags & TCP_RST)
		return;
	if (!payload)
		len = 0;
	if (wire_len < len)
		wire_len = len; /* a caller slip: the captured bytes are real */
	if (wire_len > MAX_SEG_LEN)
		wire_len = MAX_SEG_LEN;
	if (len > wire_len)
		len = wire_len;

	/* SYN occupies one sequence number; its data (legal) follows it. */
	uint32_t s = seq + ((flags & TCP_SYN) ? 1u : 0u);
	if (!r->started) {
		if (!(flags & TCP_SYN) && wire_len == 0)
			return; /* nothing fixes the start yet */
		r->started = true;
		r->st.midstream = !(flags & TCP_SYN);
		r->next_seq = r->highest_end = s;
	}
	if (r->fin_done)
		return;

	uint32_t e = segment_end(r, s, (uint32_t)wire_len, flags);
	uint32_t wire = e - s;
	struct rd cap = rd_make(payload, len < wire ? len : wire);
	if (wire == 0 || !skip_delivered(r, &s, &wire, &cap)) {
		consume_fin(r);
		return;
	}
	if (s != r->next_seq) {
		buffer_ahead(r, s, wire, cap, at, sink);
	} else if (!r->head) {
		/* The steady state: no copy, no allocation. */
		emit_data(r, cap.p, rd_left(&cap), at, sink);
		emit_gap(r, wire - (uint32_t)rd_left(&cap), at, sink);
		consume_fin(r);
	} else {
		uint32_t fresh = deliver_filling(r, s, e, cap, at, sink);
		r->st.overlap_bytes += wire - fresh;
	}
}

int tcp_reasm_reanchor(struct tcp_reasm *r, uint32_t seq)
{
	if (!r->started || r->head || r->fin_seen || r->st.bytes_delivered || r->st.gaps)
		return -1;
	r->next_seq = r->highest_end = seq;
	r->st.reanchored = true;
	return 0;
}

void tcp_reasm_ack(struct tcp_reasm *r, uint32_t ack, const struct tcp_frame_ref *at,
		   const struct tcp_reasm_sink *sink)
{
	/* Only an ACK-flagged value means anything; the caller filters. */
	if (!r->started || r->fin_done)
		return;
	uint32_t ahead = ack - r->next_seq;
	if (ahead == 0 || ahead >= 0x80000000u)
		return; /* nothing new, or an old ACK */
	/* Far beyond anything captured: a bogus value, not lost data. */
	uint32_t seen = seq_gt(r->next_seq, r->highest_end) ? r->next_seq : r->highest_end;
	if (seq_gt(ack, seen) && ack - seen > ACK_MAX_JUMP)
		return;
	uint32_t target = ack;
	if (r->fin_seen && seq_gt(target, r->fin_seq))
		target = r->fin_seq;
	while (tcp_seq_lt(r->next_seq, target)) {
		uint32_t upto = r->head ? seq_min(r->head->seq, target) : target;
		give_up_hole(r, upto, at, sink);
	}
	consume_fin(r);
}

void tcp_reasm_flush(struct tcp_reasm *r, const struct tcp_frame_ref *at, const struct tcp_reasm_sink *sink)
{
	if (!r->started)
		return;
	while (r->head)
		give_up_hole(r, r->head->seq, at, sink);
	/* A FIN ahead of the data means bytes before it existed. */
	if (r->fin_seen && !r->fin_done && seq_gt(r->fin_seq, r->next_seq))
		emit_gap(r, r->fin_seq - r->next_seq, at, sink);
	consume_fin(r);
}
