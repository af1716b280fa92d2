/* test_tcp_reasm.c - the reassembler's contract, case by case. Each test
 * renders the sink's calls as a string ("D<frame>:<bytes>" for data,
 * "G<frame>:<n>" for a gap, "O<frame>:<n>" for opaque bytes delivered
 * without their content, joined by '|') and compares it exactly. */
#include <check.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcp.h"
#include "tcp_reasm.h"
#include "support/suite_run.h"

struct rec {
	char log[4096];
	size_t used;
	struct tcp_reasm *r;
	int seq_mismatch; /* next_seq during a call != where that call starts */
	uint32_t expect;
	int have_expect;
	uint64_t opaque; /* what opaque_ahead answers */
};

static void rec_put(struct rec *c, const char *s)
{
	size_t n = strlen(s);
	ck_assert_uint_lt(c->used + n + 1, sizeof(c->log));
	if (c->used)
		c->log[c->used++] = '|';
	memcpy(c->log + c->used, s, n);
	c->used += n;
	c->log[c->used] = '\0';
}

static void check_pos(struct rec *c, uint64_t n)
{
	uint32_t at = tcp_reasm_next_seq(c->r);
	if (c->have_expect && at != c->expect)
		c->seq_mismatch++;
	c->expect = at + (uint32_t)n;
	c->have_expect = 1;
}

static void on_data(void *ctx, const uint8_t *p, size_t n, const struct tcp_frame_ref *at)
{
	struct rec *c = ctx;
	char buf[600];
	if (!p) {
		snprintf(buf, sizeof(buf), "O%llu:%zu", (unsigned long long)at->frame, n);
		check_pos(c, n);
		rec_put(c, buf);
		return;
	}
	int k = snprintf(buf, sizeof(buf), "D%llu:", (unsigned long long)at->frame);
	ck_assert_uint_lt(n + (size_t)k, sizeof(buf));
	memcpy(buf + k, p, n);
	buf[k + (int)n] = '\0';
	check_pos(c, n);
	rec_put(c, buf);
}

static void on_gap(void *ctx, uint64_t n, const struct tcp_frame_ref *at)
{
	struct rec *c = ctx;
	char buf[64];
	snprintf(buf, sizeof(buf), "G%llu:%llu", (unsigned long long)at->frame, (unsigned long long)n);
	check_pos(c, n);
	rec_put(c, buf);
}

struct fx {
	struct tcp_reasm *r;
	struct rec rec;
	struct tcp_reasm_sink sink;
};

static void fx_init(struct fx *f, size_t cap)
{
	memset(f, 0, sizeof(*f));
	f->r = tcp_reasm_new(cap);
	ck_assert_ptr_nonnull(f->r);
	f->rec.r = f->r;
	f->sink.ctx = &f->rec;
	f->sink.data = on_data;
	f->sink.gap = on_gap;
}

static void fx_done(struct fx *f)
{
	ck_assert_int_eq(f->rec.seq_mismatch, 0);
	tcp_reasm_free(f->r);
}

static struct tcp_frame_ref fr(uint64_t n)
{
	struct tcp_frame_ref x = {n, (int64_t)n * 1000};
	return x;
}

static uint64_t on_opaque_ahead(void *ctx)
{
	struct rec *c = ctx;
	return c->opaque;
}

/* A scenario is a list of steps: what the reassembler is given (a segment,
 * an ACK, a flush, a re-anchoring) and, where it matters, what it must
 * show at that point (the sink's log so far, the next sequence number, the
 * bytes buffered, a counter or flag). */
enum op {
	OP_END,
	OP_SEG,
	OP_ACK,
	OP_FLUSH,
	OP_REANCHOR,
	OP_OPAQUE,
	OP_LOG,
	OP_NEXT,
	OP_BUFFERED,
	OP_STARTED,
	OP_STAT,
	OP_FLAG,
};

struct step {
	enum op op;
	uint64_t frame;	  /* SEG, ACK, FLUSH */
	uint64_t n;	  /* SEG: seq; ACK: ack; REANCHOR: seq; OPAQUE: bytes; else the value expected */
	uint8_t flags;	  /* SEG */
	bool quiet;	  /* SEG: no sink, only the counters see it */
	int want;	  /* REANCHOR: its result */
	const char *s;	  /* SEG: the captured bytes (NULL: none); LOG: the log expected */
	size_t wire;	  /* SEG: length on the wire when longer than s (snaplen) */
	size_t stat;	  /* STAT, FLAG: offset of a uint64_t counter or a bool in struct tcp_reasm_stats */
	const char *what; /* STAT, FLAG: its name, for the message */
};

/* clang-format off */
/* A segment whose captured bytes are the whole string. */
#define SEG(fr, seq, fl, d) { .op = OP_SEG, .frame = (fr), .n = (seq), .flags = (fl), .s = (d) }
#define SYN(fr, seq) SEG(fr, seq, TCP_SYN, NULL)
/* A segment of w bytes on the wire of which d was captured. */
#define CUT(fr, seq, d, w) { .op = OP_SEG, .frame = (fr), .n = (seq), .s = (d), .wire = (w) }
/* A segment given without a sink. */
#define QUIET(fr, seq, d) { .op = OP_SEG, .frame = (fr), .n = (seq), .s = (d), .quiet = true }
#define ACK(fr, a) { .op = OP_ACK, .frame = (fr), .n = (a) }
#define FLUSH(fr) { .op = OP_FLUSH, .frame = (fr) }
#define REANCHOR(seq, result) { .op = OP_REANCHOR, .n = (seq), .want = (result) }
/* From here on the consumer skips the next b bytes by length. */
#define OPAQUE(b) { .op = OP_OPAQUE, .n = (b) }
#define LOG(want) { .op = OP_LOG, .s = (want) }
#define NEXT(seq) { .op = OP_NEXT, .n = (seq) }
#define BUFFERED(b) { .op = OP_BUFFERED, .n = (b) }
#define STARTED(b) { .op = OP_STARTED, .n = (b) }
#define STAT(field, v) { .op = OP_STAT, .stat = offsetof(struct tcp_reasm_stats, field), .n = (v), .what = #field }
#define FLAG(field, v) { .op = OP_FLAG, .stat = offsetof(struct tcp_reasm_stats, field), .n = (v), .what = #field }
#define STEPS(...) ((const struct step[]){ __VA_ARGS__, { .op = OP_END } })
/* clang-format on */

/* Checks one expectation; i numbers the step in the messages. */
static void check(const struct fx *f, size_t i, const struct step *x)
{
	const char *stats = (const char *)tcp_reasm_stats(f->r);
	uint64_t got = 0;
	bool flag = false;
	switch (x->op) {
	case OP_LOG:
		ck_assert_msg(strcmp(f->rec.log, x->s) == 0, "step %zu: log \"%s\", expected \"%s\"", i,
			      f->rec.log, x->s);
		return;
	case OP_NEXT:
		got = tcp_reasm_next_seq(f->r);
		break;
	case OP_BUFFERED:
		got = tcp_reasm_buffered(f->r);
		break;
	case OP_STARTED:
		got = tcp_reasm_started(f->r);
		break;
	case OP_STAT:
		memcpy(&got, stats + x->stat, sizeof got);
		break;
	case OP_FLAG:
		memcpy(&flag, stats + x->stat, sizeof flag);
		got = flag;
		break;
	default:
		ck_abort_msg("step %zu: not an expectation", i);
	}
	static const char *const names[] = {
	    [OP_NEXT] = "next seq", [OP_BUFFERED] = "bytes buffered", [OP_STARTED] = "started"};
	ck_assert_msg(got == x->n, "step %zu: %s %llu, expected %llu", i, x->what ? x->what : names[x->op],
		      (unsigned long long)got, (unsigned long long)x->n);
}

static void play(struct fx *f, const struct step *st)
{
	for (size_t i = 0; st[i].op != OP_END; i++) {
		const struct step *x = &st[i];
		struct tcp_frame_ref at = fr(x->frame);
		size_t len = x->s ? strlen(x->s) : 0;
		switch (x->op) {
		case OP_SEG:
			tcp_reasm_segment(f->r, (uint32_t)x->n, x->flags, (const uint8_t *)x->s, len,
					  x->wire ? x->wire : len, &at, x->quiet ? NULL : &f->sink);
			break;
		case OP_ACK:
			tcp_reasm_ack(f->r, (uint32_t)x->n, &at, &f->sink);
			break;
		case OP_FLUSH:
			tcp_reasm_flush(f->r, &at, &f->sink);
			break;
		case OP_REANCHOR:
			ck_assert_msg(tcp_reasm_reanchor(f->r, (uint32_t)x->n) == x->want,
				      "step %zu: re-anchoring did not give %d", i, x->want);
			break;
		case OP_OPAQUE:
			f->sink.opaque_ahead = on_opaque_ahead;
			f->rec.opaque = x->n;
			break;
		default:
			check(f, i, x);
		}
	}
}

/* The whole life of one reassembler with an out-of-order cap of cap bytes. */
static void scenario(size_t cap, const struct step *st)
{
	struct fx f;
	fx_init(&f, cap);
	play(&f, st);
	fx_done(&f);
}

START_TEST(in_order)
{
	scenario(1 << 16, STEPS(STARTED(false), SYN(1, 1000), STARTED(true), NEXT(1001),
				SEG(2, 1001, TCP_ACK, "hello"), SEG(3, 1006, TCP_ACK | TCP_PSH, " world"),
				LOG("D2:hello|D3: world"), STAT(bytes_delivered, 11), STAT(segments, 3),
				FLAG(midstream, false), STAT(gaps, 0), BUFFERED(0)));
}
END_TEST

START_TEST(out_of_order_312)
{
	scenario(1 << 16, STEPS(SYN(1, 1000), SEG(2, 1007, TCP_ACK, "ccc"), LOG(""), BUFFERED(3),
				SEG(3, 1001, TCP_ACK, "aaa"), LOG("D3:aaa"),
				/* The hole is filled in frame 4: everything contiguous is tagged 4. */
				SEG(4, 1004, TCP_ACK, "bbb"), LOG("D3:aaa|D4:bbb|D4:ccc"),
				STAT(ooo_segments, 1), BUFFERED(0), NEXT(1010)));
}
END_TEST

START_TEST(retransmission_exact)
{
	scenario(1 << 16, STEPS(SYN(1, 1000), SEG(2, 1001, TCP_ACK, "abcd"), SEG(3, 1001, TCP_ACK, "ABCD"),
				SEG(4, 1005, TCP_ACK, "ef"), LOG("D2:abcd|D4:ef"),
				STAT(retransmitted_segments, 1), STAT(overlap_bytes, 4),
				/* A duplicate of buffered (not yet delivered) data: first copy wins. */
				SEG(5, 1010, TCP_ACK, "jk"), SEG(6, 1010, TCP_ACK, "JK"),
				SEG(7, 1007, TCP_ACK, "ghi"), LOG("D2:abcd|D4:ef|D7:ghi|D7:jk"),
				STAT(retransmitted_segments, 2), STAT(overlap_bytes, 6)));
}
END_TEST

START_TEST(partial_overlap_delivered)
{
	scenario(1 << 16, STEPS(SYN(1, 1000), SEG(2, 1001, 0, "abcdefghij"),
				/* Starts 3 bytes before next_seq: only the new tail goes out. */
				SEG(3, 1008, 0, "HIJKLM"), LOG("D2:abcdefghij|D3:KLM"),
				STAT(overlap_bytes, 3), STAT(retransmitted_segments, 0)));
}
END_TEST

START_TEST(partial_overlap_both_sides)
{
	scenario(1 << 16, STEPS(SYN(1, 1000), SEG(2, 1005, 0, "efghi") /* [1005,1010) */,
				SEG(3, 1015, 0, "opqrs") /* [1015,1020) */,
				SEG(4, 1008, 0, "HIJKLMNOP") /* [1008,1017): overlaps both */,
				STAT(overlap_bytes, 4), BUFFERED(15), SEG(5, 1001, 0, "abcd"),
				LOG("D5:abcd|D5:efghi|D5:JKLMN|D5:opqrs"), NEXT(1020)));
}
END_TEST

START_TEST(covers_several_in_order)
{
	scenario(1 << 16,
		 STEPS(SYN(1, 1000), SEG(2, 1003, 0, "cd"), SEG(3, 1007, 0, "gh"), SEG(4, 1011, 0, "kl"),
		       /* In order and covering all three: buffered copies win. */
		       SEG(5, 1001, 0, "ABCDEFGHIJKLMN"), LOG("D5:AB|D5:cd|D5:EF|D5:gh|D5:IJ|D5:kl|D5:MN"),
		       STAT(overlap_bytes, 6), BUFFERED(0)));
}
END_TEST

START_TEST(covers_several_ahead)
{
	scenario(1 << 16, STEPS(SYN(1, 1000), SEG(2, 1003, 0, "cd"), SEG(3, 1007, 0, "gh"),
				/* Ahead of the hole too: only the holes between pieces are kept. */
				SEG(4, 1002, 0, "BCDEFGHIJ"), BUFFERED(9), STAT(overlap_bytes, 4),
				SEG(5, 1001, 0, "a"), LOG("D5:a|D5:B|D5:cd|D5:EF|D5:gh|D5:IJ")));
}
END_TEST

START_TEST(sequence_wrap)
{
	/* [FFFFFFF1, FFFFFFF9) [FFFFFFF9, 00000003) [00000003, 00000008) */
	scenario(1 << 16,
		 STEPS(SYN(1, 0xFFFFFFF0u), NEXT(0xFFFFFFF1u), SEG(2, 0x00000003u, 0, "uvwxy"),
		       SEG(3, 0xFFFFFFF9u, 0, "ijklmnopqr"), LOG(""), SEG(4, 0xFFFFFFF1u, 0, "abcdefgh"),
		       LOG("D4:abcdefgh|D4:ijklmnopqr|D4:uvwxy"), NEXT(8),
		       /* An old segment from before the wrap is a retransmission. */
		       SEG(5, 0xFFFFFFF5u, 0, "EFGH"), STAT(retransmitted_segments, 1)));
	/* ACK-declared gap across the wrap. */
	scenario(1 << 16, STEPS(SEG(1, 0xFFFFFFFAu, 0, "abc") /* midstream */, SEG(2, 0x00000002u, 0, "ij"),
				ACK(3, 0x00000004u), LOG("D1:abc|G2:5|D2:ij"), NEXT(4)));
}
END_TEST

START_TEST(gap_by_ack)
{
	scenario(1 << 16, STEPS(SYN(1, 1000), SEG(2, 1001, 0, "abc"), SEG(3, 1007, 0, "ghi"),
				ACK(4, 1004) /* acknowledges what we have: nothing to do */, LOG("D2:abc"),
				/* The peer got [1004,1010): [1004,1007) was never captured. The
				 * gap is declared at the ACK's frame, the data keeps its own. */
				ACK(5, 1010), LOG("D2:abc|G3:3|D3:ghi"), STAT(gaps, 1), STAT(gap_bytes, 3),
				/* An ACK beyond everything captured (within reason) is a gap too. */
				ACK(6, 1015), LOG("D2:abc|G3:3|D3:ghi|G6:5"), SEG(7, 1015, 0, "pq"),
				LOG("D2:abc|G3:3|D3:ghi|G6:5|D7:pq"),
				/* The late original of a given-up hole is old data. */
				SEG(8, 1004, 0, "def"), STAT(retransmitted_segments, 1)));
}
END_TEST

START_TEST(gap_by_ack_partial)
{
	scenario(1 << 16, STEPS(SYN(1, 1000), SEG(2, 1010, 0, "jk"), SEG(3, 1020, 0, "tu"),
				/* ACK inside the second hole: both holes below it are lost, the
				 * data between is delivered, the rest stays buffered. */
				ACK(4, 1015), LOG("G2:9|D2:jk|G4:3"), NEXT(1015), BUFFERED(2),
				SEG(5, 1015, 0, "opqrs"), LOG("G2:9|D2:jk|G4:3|D5:opqrs|D5:tu")));
}
END_TEST

START_TEST(gap_at_flush)
{
	scenario(1 << 16,
		 STEPS(SYN(1, 1000), SEG(2, 1001, 0, "ab"), SEG(3, 1006, 0, "fg"), SEG(4, 1011, 0, "kl"),
		       SEG(5, 1008, 0, "hi"), FLUSH(9), LOG("D2:ab|G3:3|D3:fg|D5:hi|G4:1|D4:kl"),
		       STAT(gaps, 2), STAT(gap_bytes, 4), BUFFERED(0), NEXT(1013)));
}
END_TEST

START_TEST(ooo_cap)
{
	scenario(10, STEPS(SYN(1, 1000), SEG(2, 1011, 0, "klmnop") /* 6 buffered */, LOG(""),
			   SEG(3, 1021, 0, "uvwxyz") /* 12 > 10: the first hole goes */,
			   LOG("G2:10|D2:klmnop"), BUFFERED(6), STAT(ooo_dropped_bytes, 10), NEXT(1017),
			   SEG(4, 1017, 0, "qrst"), LOG("G2:10|D2:klmnop|D4:qrst|D4:uvwxyz")));
	/* A single segment larger than the cap goes straight through. */
	scenario(4, STEPS(SYN(1, 1000), SEG(2, 1003, 0, "cdefgh"), LOG("G2:2|D2:cdefgh")));
}
END_TEST

START_TEST(midstream)
{
	/* A pure ACK fixes nothing; ACKs before a start are ignored. */
	scenario(1 << 16, STEPS(SEG(1, 5000, TCP_ACK, NULL), ACK(2, 9000), STARTED(false),
				SEG(3, 5000, TCP_ACK | TCP_PSH, "mid"), STARTED(true), FLAG(midstream, true),
				SEG(4, 5003, TCP_ACK, "dle"), LOG("D3:mid|D4:dle")));
}
END_TEST

/* Data far from where the SYN put the stream (a damaged capture): after
 * re-anchoring it is delivered in order; once bytes were delivered the
 * start cannot move. */
START_TEST(reanchor_before_data_only)
{
	scenario(1 << 16, STEPS(SYN(1, 1000), REANCHOR(0x40000000u, 0), FLAG(reanchored, true),
				SEG(2, 0x40000000u, TCP_PSH, "hel"), SEG(3, 0x40000003u, TCP_PSH, "lo"),
				LOG("D2:hel|D3:lo"), REANCHOR(7, -1), SEG(4, 0x40000005u, TCP_PSH, "!"),
				LOG("D2:hel|D3:lo|D4:!")));
	/* Not before a start, nor with out-of-order data waiting. */
	scenario(1 << 16,
		 STEPS(REANCHOR(7, -1), SYN(1, 1000), SEG(2, 1100, TCP_PSH, "later"), REANCHOR(7, -1)));
}
END_TEST

START_TEST(syn_with_data)
{
	scenario(1 << 16, STEPS(SEG(1, 1000, TCP_SYN, "xyz") /* TFO-style: data after the SYN */, NEXT(1004),
				SEG(2, 1000, TCP_SYN, "xyz") /* SYN retransmitted */, SEG(3, 1004, 0, "w"),
				LOG("D1:xyz|D3:w"), FLAG(midstream, false), STAT(retransmitted_segments, 1)));
}
END_TEST

START_TEST(fin)
{
	scenario(1 << 16, STEPS(SYN(1, 1000), SEG(2, 1001, TCP_FIN, "abc"), NEXT(1005) /* FIN took 1004 */,
				SEG(3, 1005, 0, "zzz") /* after FIN */,
				SEG(4, 1001, TCP_FIN, "abc") /* retransmitted */, ACK(5, 1005), FLUSH(6),
				LOG("D2:abc")));
	/* FIN ahead of a hole, with data beyond the FIN discarded. */
	scenario(1 << 16, STEPS(SYN(1, 1000), SEG(2, 1008, 0, "hijk") /* [1008,1012) */,
				SEG(3, 1004, TCP_FIN, "defg") /* FIN at 1008 */, BUFFERED(4),
				SEG(4, 1001, 0, "abc"), LOG("D4:abc|D4:defg"), NEXT(1009)));
	/* FIN after a hole that is never filled: flush declares the gap. */
	scenario(1 << 16, STEPS(SYN(1, 1000), SEG(2, 1005, TCP_FIN, NULL) /* FIN at 1005; [1001,1005) lost */,
				FLUSH(3), LOG("G3:4"), NEXT(1006)));
	/* The peer's ACK of the FIN also declares the hole before it. */
	scenario(1 << 16, STEPS(SYN(1, 1000), SEG(2, 1003, TCP_FIN, "cd") /* FIN at 1005 */, ACK(3, 1006),
				LOG("G2:2|D2:cd"), NEXT(1006)));
}
END_TEST

START_TEST(snaplen_truncated)
{
	/* 10 bytes on the wire, 4 captured. */
	scenario(1 << 16, STEPS(SYN(1, 1000), CUT(2, 1001, "abcd", 10), LOG("D2:abcd|G2:6"),
				SEG(3, 1011, 0, "klm"), LOG("D2:abcd|G2:6|D3:klm"), STAT(gap_bytes, 6)));
	/* Out of order: the cut tail is kept in its place in the queue. */
	scenario(1 << 16, STEPS(SYN(1, 1000), SEG(2, 1011, 0, "kl"), CUT(3, 1004, "de", 7), BUFFERED(4),
				SEG(4, 1001, 0, "abc"), LOG("D4:abc|D4:de|G4:5|D4:kl")));
	/* Filling a hole with a cut segment: its tail still is a gap. */
	scenario(1 << 16,
		 STEPS(SYN(1, 1000), SEG(2, 1009, 0, "ij"), CUT(3, 1001, "ab", 8), LOG("D3:ab|G3:6|D3:ij")));
}
END_TEST

START_TEST(zero_length)
{
	scenario(1 << 16, STEPS(SYN(1, 1000), SEG(2, 1001, TCP_ACK, NULL), SEG(3, 1001, TCP_ACK, ""),
				SEG(4, 1000, TCP_ACK, NULL) /* keep-alive probe, seq - 1 */,
				SEG(5, 1050, TCP_ACK, NULL) /* empty and ahead: nothing */, LOG(""),
				NEXT(1001), BUFFERED(0), SEG(6, 1001, 0, "a"), LOG("D6:a"),
				/* NULL sink: stats only. */
				QUIET(7, 1002, "b"), STAT(bytes_delivered, 2)));
}
END_TEST

START_TEST(rst_data_ignored)
{
	scenario(1 << 16, STEPS(SYN(1, 1000), SEG(2, 1001, TCP_RST, "diag"), LOG(""), NEXT(1001)));
}
END_TEST

START_TEST(ack_implausible)
{
	scenario(1 << 16, STEPS(SYN(1, 1000), SEG(2, 1001, 0, "abc"), SEG(3, 1010, 0, "jk"),
				ACK(4, 0) /* RST-style zero */,
				ACK(5, 1004 + (5u << 20)) /* 5 MiB beyond anything seen */,
				ACK(6, 1004 + 0x7fffffffu) /* half the space away */, ACK(7, 900) /* old */,
				LOG("D2:abc"), STAT(gaps, 0), BUFFERED(2),
				/* Plausible: just past what was captured. */
				ACK(8, 1012), LOG("D2:abc|G3:6|D3:jk")));
}
END_TEST

START_TEST(piece_count_cap)
{
	/* Thousands of 1-byte pieces with holes between: bounded anyway. */
	struct fx f;
	fx_init(&f, 1 << 20);
	play(&f, STEPS(SYN(1, 0)));
	for (uint32_t i = 0; i < 3000; i++) {
		struct tcp_frame_ref at = fr(2 + i);
		tcp_reasm_segment(f.r, 2 + 2 * i, 0, (const uint8_t *)"x", 1, 1, &at, NULL);
	}
	ck_assert_uint_le(tcp_reasm_buffered(f.r), 1024);
	ck_assert_uint_gt(tcp_reasm_stats(f.r)->gaps, 0);
	tcp_reasm_flush(f.r, &(struct tcp_frame_ref){5000, 0}, NULL);
	play(&f, STEPS(BUFFERED(0), STAT(bytes_delivered, 3000), STAT(gap_bytes, 3000)));
	fx_done(&f);
}
END_TEST

/* The consumer skips the next 6 bytes by length: an out-of-order segment
 * reaching into them is stored without those bytes, which come out as
 * opaque data in their place; the rest is ordinary data. The cap counts
 * them as buffered all the same. */
START_TEST(opaque_not_copied)
{
	scenario(1 << 16, STEPS(SYN(1, 1000), SEG(2, 1001, TCP_ACK, "ab"), OPAQUE(6) /* [1003, 1009) */,
				SEG(3, 1007, TCP_ACK, "ghij"), BUFFERED(4), SEG(4, 1003, TCP_ACK, "cdef"),
				LOG("D2:ab|D4:cdef|O4:2|D4:ij"), STAT(bytes_delivered, 10), BUFFERED(0)));
}
END_TEST

/* What --max-memory is told matches the allocations: a 1-byte piece costs
 * a whole malloc block, not one byte; a piece cut short by a FIN keeps its
 * block until it is freed; everything comes back once delivered. */
START_TEST(memory_counts_allocations)
{
	struct fx f;
	fx_init(&f, 1 << 16);
	play(&f, STEPS(SYN(1, 1000)));
	size_t empty = tcp_reasm_memory(f.r);
	ck_assert_uint_ge(empty, sizeof(void *));
	/* Ten 1-byte segments, each after a hole: ten pieces. */
	for (uint32_t i = 0; i < 10; i++) {
		struct tcp_frame_ref at = fr(2 + i);
		tcp_reasm_segment(f.r, 1003 + 2 * i, TCP_ACK, (const uint8_t *)"x", 1, 1, &at, &f.sink);
	}
	play(&f, STEPS(BUFFERED(10)));
	size_t ten = tcp_reasm_memory(f.r);
	/* glibc's smallest block is 32 bytes, and a piece has a header. */
	ck_assert_uint_ge(ten - empty, 10 * 32);
	/* A FIN inside the last piece: its length shrinks, not its block. */
	play(&f, STEPS(SEG(20, 1050, TCP_ACK, "abcdef")));
	size_t with_six = tcp_reasm_memory(f.r);
	play(&f, STEPS(SEG(21, 1050, TCP_ACK | TCP_FIN, "ab")));
	ck_assert_uint_eq(tcp_reasm_memory(f.r), with_six);
	play(&f, STEPS(FLUSH(22), BUFFERED(0)));
	ck_assert_uint_le(tcp_reasm_memory(f.r), empty + 8 * 64); /* at most the spare headers */
	fx_done(&f);
}
END_TEST

SUITE_MAIN("tcp_reasm", false,
	   CASE("core", 0, in_order, out_of_order_312, retransmission_exact, partial_overlap_delivered,
		partial_overlap_both_sides, covers_several_in_order, covers_several_ahead, sequence_wrap,
		gap_by_ack, gap_by_ack_partial, gap_at_flush, ooo_cap, midstream, reanchor_before_data_only,
		syn_with_data, fin, snaplen_truncated, zero_length, rst_data_ignored, ack_implausible,
		piece_count_cap, opaque_not_copied, memory_counts_allocations))
