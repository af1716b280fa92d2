/* fuzz_tcp_reasm.c - drives both directions of a TCP stream through the
 * reassembler from fuzzer input, then checks the invariants:
 *   - every delivered byte is the byte the sender put at that sequence
 *     number (payloads are generated from their sequence numbers, so any
 *     misplaced byte is caught, whatever copy won);
 *   - sink calls are contiguous (each starts where the previous ended);
 *   - no byte is tagged with a frame from the future;
 *   - after a flush nothing is buffered, and delivered + gap bytes cover
 *     the stream exactly (plus one sequence number for a FIN);
 *   - with opaque zones on, bytes delivered without content (p == NULL)
 *     all lie in zones the consumer declared opaque (alternate 32-byte
 *     stretches of sequence space, as application-data bodies would be).
 *   - out-of-order bytes buffered never exceed the cap.
 *
 * Input: byte 0 picks the out-of-order cap (bits 0-1) and opaque zones
 * (bit 2); then 7-byte records:
 *   op      bit0 direction, bit1 SYN, bit2 FIN, bit3 RST, bit4 carries an
 *           ACK for the other direction, bits5-6: 0/1 segment, 2 ACK only,
 *           3 flush this direction
 *   seq     u16: sequence offset from this direction's base, minus 256
 *   len     u8: captured payload length
 *   cut     u8: bit7 set -> wire length is len + (cut & 0x7f)
 *   ack     u16: ACK offset from the other direction's base, minus 256 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcp.h"
#include "tcp_reasm.h"

struct side {
	struct tcp_reasm *r;
	int dir;
	uint64_t now; /* current frame number */
	int have_pos;
	uint32_t first, pos;
	uint64_t data_bytes, gap_bytes;
};

static const uint32_t bases[2] = {0xFFFFFF00u, 0x12345678u};

static int opaque_zone(uint32_t seq, int dir)
{
	return (((seq - bases[dir]) >> 5) & 1) != 0;
}

static uint64_t opaque_ahead(void *ctx)
{
	struct side *s = ctx;
	uint32_t here = tcp_reasm_next_seq(s->r);
	return opaque_zone(here, s->dir) ? 32 - ((here - bases[s->dir]) & 31) : 0;
}

static uint8_t pattern(uint32_t seq, int dir)
{
	return (uint8_t)(((seq * 2654435761u) >> 24) ^ (uint32_t)dir);
}

static void check_start(struct side *s, uint64_t n, const struct tcp_frame_ref *at)
{
	uint32_t here = tcp_reasm_next_seq(s->r);
	if (!s->have_pos) {
		s->have_pos = 1;
		s->first = here;
	} else if (here != s->pos) {
		fprintf(stderr, "discontinuity: at %u, expected %u\n", here, s->pos);
		abort();
	}
	if (at->frame > s->now || n == 0)
		abort();
	s->pos = here + (uint32_t)n;
}

static void on_data(void *ctx, const uint8_t *p, size_t n, const struct tcp_frame_ref *at)
{
	struct side *s = ctx;
	uint32_t here = tcp_reasm_next_seq(s->r);
	check_start(s, n, at);
	for (size_t i = 0; i < n; i++)
		if (!p && !opaque_zone(here + (uint32_t)i, s->dir)) {
			fprintf(stderr, "content withheld outside an opaque zone at seq %u\n", here + (uint32_t)i);
			abort();
		} else if (p && p[i] != pattern(here + (uint32_t)i, s->dir)) {
			fprintf(stderr, "wrong byte at seq %u\n", here + (uint32_t)i);
			abort();
		}
	s->data_bytes += n;
}

static void on_gap(void *ctx, uint64_t n, const struct tcp_frame_ref *at)
{
	struct side *s = ctx;
	check_start(s, n, at);
	s->gap_bytes += n;
}

static void finish(struct side *s, struct tcp_reasm_sink *sink)
{
	struct tcp_frame_ref at = {s->now, 0};
	tcp_reasm_flush(s->r, &at, sink);
	const struct tcp_reasm_stats *st = tcp_reasm_stats(s->r);
	if (tcp_reasm_buffered(s->r) != 0)
		abort();
	if (st->bytes_delivered != s->data_bytes || st->gap_bytes != s->gap_bytes)
		abort();
	if (s->have_pos) {
		uint32_t span = tcp_reasm_next_seq(s->r) - s->first;
		uint64_t covered = s->data_bytes + s->gap_bytes;
		if (span != (uint32_t)covered && span != (uint32_t)(covered + 1))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t caps[4] = {0, 16, 300, 1 << 16};
	struct side sides[2];
	struct tcp_reasm_sink sinks[2];
	uint8_t buf[256 + 128];
	uint64_t frame = 0;

	if (size < 1)
		return 0;
	size_t cap = caps[data[0] & 3];
	int zones = (data[0] & 4) != 0;
	data++;
	size--;

	memset(sides, 0, sizeof(sides));
	for (int d = 0; d < 2; d++) {
		sides[d].r = tcp_reasm_new(cap);
		if (!sides[d].r)
			abort();
		sides[d].dir = d;
		sinks[d].ctx = &sides[d];
		sinks[d].data = on_data;
		sinks[d].gap = on_gap;
		sinks[d].opaque_ahead = zones ? opaque_ahead : NULL;
	}

	for (; size >= 7; data += 7, size -= 7) {
		uint8_t op = data[0];
		int d = op & 1, kind = (op >> 5) & 3;
		uint32_t seq = bases[d] + (uint32_t)((data[1] << 8) | data[2]) - 256;
		size_t len = data[3];
		size_t wire = (data[4] & 0x80) ? len + (data[4] & 0x7f) : len;
		uint32_t ack = bases[!d] + (uint32_t)((data[5] << 8) | data[6]) - 256;
		uint8_t flags = 0;
		struct side *s = &sides[d], *o = &sides[!d];

		frame++;
		s->now = o->now = frame;
		struct tcp_frame_ref at = {frame, (int64_t)frame};
		if (kind == 3) {
			tcp_reasm_flush(s->r, &at, &sinks[d]);
			continue;
		}
		if (kind != 2) {
			uint32_t first = seq + ((op & 2) ? 1u : 0u);
			for (size_t i = 0; i < len; i++)
				buf[i] = pattern(first + (uint32_t)i, d);
			if (op & 2)
				flags |= TCP_SYN;
			if (op & 4)
				flags |= TCP_FIN;
			if (op & 8)
				flags |= TCP_RST;
			if (op & 16)
				flags |= TCP_ACK;
			tcp_reasm_segment(s->r, seq, flags, len ? buf : NULL, len, wire, &at, &sinks[d]);
			/* The out-of-order cap holds after every segment. */
			if (tcp_reasm_buffered(s->r) > cap)
				abort();
		}
		if (kind == 2 || (op & 16))
			tcp_reasm_ack(o->r, ack, &at, &sinks[!d]);
	}

	for (int d = 0; d < 2; d++) {
		finish(&sides[d], &sinks[d]);
		tcp_reasm_free(sides[d].r);
	}
	return 0;
}
