/* tcp_reasm.h - one direction of a TCP byte stream, reassembled.
 *
 * Segments go in in capture order; contiguous bytes come out in sequence
 * order through a sink, tagged with the frame that made them contiguous
 * (for an out-of-order hole, the frame that filled it - where Wireshark
 * shows a message). Retransmitted and overlapping bytes are delivered once
 * (first copy wins). A hole is declared a gap, and the stream skips past
 * it, when: the peer acknowledges bytes we never saw; buffered
 * out-of-order data exceeds the cap; or the stream is flushed. */
#ifndef MTLS_TCP_REASM_H
#define MTLS_TCP_REASM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tcp_frame_ref {
	uint64_t frame;          /* 1-based frame number */
	int64_t ts_ns;           /* capture time, ns since the epoch */
};

struct tcp_reasm_sink {
	void *ctx;
	/* In-order bytes; p is valid only during the call. */
	void (*data)(void *ctx, const uint8_t *p, size_t n, const struct tcp_frame_ref *at);
	/* n bytes will never arrive; the next data call follows them. `at` is
	 * the frame of the data right after the hole when that arrived before
	 * the frame that gave the hole up (so gaps list in frame order). */
	void (*gap)(void *ctx, uint64_t n, const struct tcp_frame_ref *at);
	/* Optional: how many bytes after those delivered so far the consumer
	 * skips by length (the body of an application-data record). Such
	 * bytes arriving out of order are not copied; they are delivered as
	 * data with p == NULL. NULL: every byte is wanted. */
	uint64_t (*opaque_ahead)(void *ctx);
};

struct tcp_reasm_stats {
	uint64_t bytes_delivered;
	uint64_t segments;
	uint64_t retransmitted_segments; /* wholly old data */
	uint64_t overlap_bytes;          /* duplicate bytes discarded */
	uint64_t ooo_segments;           /* arrived ahead of a hole */
	uint64_t gaps;
	uint64_t gap_bytes;
	uint64_t ooo_dropped_bytes;      /* discarded because of the cap */
	bool midstream;                  /* no SYN seen before the first data */
	bool reanchored;                 /* tcp_reasm_reanchor moved the start */
};

struct tcp_reasm;

/* ooo_cap: bytes of out-of-order data kept before the lowest hole is
 * declared a gap. */
struct tcp_reasm *tcp_reasm_new(size_t ooo_cap);
void tcp_reasm_free(struct tcp_reasm *r);

/* One segment of this direction. flags are TCP flags (SYN sets the
 * initial sequence number; data before any SYN starts the stream midway).
 * payload may be shorter than the segment on the wire (snaplen): pass the
 * captured bytes as payload/len and the wire length as wire_len; the
 * missing tail becomes a gap. */
void tcp_reasm_segment(struct tcp_reasm *r, uint32_t seq, uint8_t flags,
		       const uint8_t *payload, size_t len, size_t wire_len,
		       const struct tcp_frame_ref *at, const struct tcp_reasm_sink *sink);

/* The peer acknowledged everything before `ack`. */
void tcp_reasm_ack(struct tcp_reasm *r, uint32_t ack, const struct tcp_frame_ref *at,
		   const struct tcp_reasm_sink *sink);

/* End of stream (FIN/RST seen and done, eviction, capture end): deliver
 * what is buffered, declaring holes as gaps. */
void tcp_reasm_flush(struct tcp_reasm *r, const struct tcp_frame_ref *at,
		     const struct tcp_reasm_sink *sink);

/* The stream starts at `seq` after all, not where the SYN said: for a
 * damaged capture whose data does not follow its SYN (garbage sequence
 * numbers). Only before any byte was delivered, buffered or given up;
 * returns 0 when done, -1 when it is too late. */
int tcp_reasm_reanchor(struct tcp_reasm *r, uint32_t seq);

const struct tcp_reasm_stats *tcp_reasm_stats(const struct tcp_reasm *r);
size_t tcp_reasm_buffered(const struct tcp_reasm *r);
/* Heap held, as the allocator charges it (heap_charge.h): the
 * reassembler, its pieces and their bytes, and spare pieces. */
size_t tcp_reasm_memory(const struct tcp_reasm *r);
/* True once a SYN or data fixed the initial sequence number. */
bool tcp_reasm_started(const struct tcp_reasm *r);
uint32_t tcp_reasm_next_seq(const struct tcp_reasm *r);

#endif
