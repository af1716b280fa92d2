/* test_tcp_reasm.c - the reassembler's contract, case by case. Each test
 * renders the sink's calls as a string ("D<frame>:<bytes>" for data,
 * "G<frame>:<n>" for a gap, "O<frame>:<n>" for opaque bytes delivered
 * without their content, joined by '|') and compares it exactly. */
#include <check.h>
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

/* A segment whose captured bytes are the whole string. */
static void seg(struct fx *f, uint64_t frame, uint32_t seq, uint8_t flags, const char *s)
{
	struct tcp_frame_ref at = fr(frame);
	size_t n = s ? strlen(s) : 0;
	tcp_reasm_segment(f->r, seq, flags, (const uint8_t *)s, n, n, &at, &f->sink);
}

static void ack(struct fx *f, uint64_t frame, uint32_t a)
{
	struct tcp_frame_ref at = fr(frame);
	tcp_reasm_ack(f->r, a, &at, &f->sink);
}

static void flush(struct fx *f, uint64_t frame)
{
	struct tcp_frame_ref at = fr(frame);
	tcp_reasm_flush(f->r, &at, &f->sink);
}

static uint64_t on_opaque_ahead(void *ctx)
{
	struct rec *c = ctx;
	return c->opaque;
}

#define LOG_IS(f, s) ck_assert_str_eq((f)->rec.log, (s))
#define ST(f) tcp_reasm_stats((f)->r)

START_TEST(in_order)
{
	struct fx f;
	fx_init(&f, 1 << 16);
	ck_assert(!tcp_reasm_started(f.r));
	seg(&f, 1, 1000, TCP_SYN, NULL);
	ck_assert(tcp_reasm_started(f.r));
	ck_assert_uint_eq(tcp_reasm_next_seq(f.r), 1001);
	seg(&f, 2, 1001, TCP_ACK, "hello");
	seg(&f, 3, 1006, TCP_ACK | TCP_PSH, " world");
	LOG_IS(&f, "D2:hello|D3: world");
	ck_assert_uint_eq(ST(&f)->bytes_delivered, 11);
	ck_assert_uint_eq(ST(&f)->segments, 3);
	ck_assert(!ST(&f)->midstream);
	ck_assert_uint_eq(ST(&f)->gaps, 0);
	ck_assert_uint_eq(tcp_reasm_buffered(f.r), 0);
	fx_done(&f);
}
END_TEST

START_TEST(out_of_order_312)
{
	struct fx f;
	fx_init(&f, 1 << 16);
	seg(&f, 1, 1000, TCP_SYN, NULL);
	seg(&f, 2, 1007, TCP_ACK, "ccc");
	LOG_IS(&f, "");
	ck_assert_uint_eq(tcp_reasm_buffered(f.r), 3);
	seg(&f, 3, 1001, TCP_ACK, "aaa");
	LOG_IS(&f, "D3:aaa");
	seg(&f, 4, 1004, TCP_ACK, "bbb");
	/* The hole is filled in frame 4: everything contiguous is tagged 4. */
	LOG_IS(&f, "D3:aaa|D4:bbb|D4:ccc");
	ck_assert_uint_eq(ST(&f)->ooo_segments, 1);
	ck_assert_uint_eq(tcp_reasm_buffered(f.r), 0);
	ck_assert_uint_eq(tcp_reasm_next_seq(f.r), 1010);
	fx_done(&f);
}
END_TEST

START_TEST(retransmission_exact)
{
	struct fx f;
	fx_init(&f, 1 << 16);
	seg(&f, 1, 1000, TCP_SYN, NULL);
	seg(&f, 2, 1001, TCP_ACK, "abcd");
	seg(&f, 3, 1001, TCP_ACK, "ABCD");
	seg(&f, 4, 1005, TCP_ACK, "ef");
	LOG_IS(&f, "D2:abcd|D4:ef");
	ck_assert_uint_eq(ST(&f)->retransmitted_segments, 1);
	ck_assert_uint_eq(ST(&f)->overlap_bytes, 4);
	/* A duplicate of buffered (not yet delivered) data: first copy wins. */
	seg(&f, 5, 1010, TCP_ACK, "jk");
	seg(&f, 6, 1010, TCP_ACK, "JK");
	seg(&f, 7, 1007, TCP_ACK, "ghi");
	LOG_IS(&f, "D2:abcd|D4:ef|D7:ghi|D7:jk");
	ck_assert_uint_eq(ST(&f)->retransmitted_segments, 2);
	ck_assert_uint_eq(ST(&f)->overlap_bytes, 6);
	fx_done(&f);
}
END_TEST

START_TEST(partial_overlap_delivered)
{
	struct fx f;
	fx_init(&f, 1 << 16);
	seg(&f, 1, 1000, TCP_SYN, NULL);
	seg(&f, 2, 1001, 0, "abcdefghij");
	/* Starts 3 bytes before next_seq: only the new tail goes out. */
	seg(&f, 3, 1008, 0, "HIJKLM");
	LOG_IS(&f, "D2:abcdefghij|D3:KLM");
	ck_assert_uint_eq(ST(&f)->overlap_bytes, 3);
	ck_assert_uint_eq(ST(&f)->retransmitted_segments, 0);
	fx_done(&f);
}
END_TEST

START_TEST(partial_overlap_both_sides)
{
	struct fx f;
	fx_init(&f, 1 << 16);
	seg(&f, 1, 1000, TCP_SYN, NULL);
	seg(&f, 2, 1005, 0, "efghi");	  /* [1005,1010) */
	seg(&f, 3, 1015, 0, "opqrs");	  /* [1015,1020) */
	seg(&f, 4, 1008, 0, "HIJKLMNOP"); /* [1008,1017): overlaps both */
	ck_assert_uint_eq(ST(&f)->overlap_bytes, 4);
	ck_assert_uint_eq(tcp_reasm_buffered(f.r), 15);
	seg(&f, 5, 1001, 0, "abcd");
	LOG_IS(&f, "D5:abcd|D5:efghi|D5:JKLMN|D5:opqrs");
	ck_assert_uint_eq(tcp_reasm_next_seq(f.r), 1020);
	fx_done(&f);
}
END_TEST

START_TEST(covers_several_in_order)
{
	struct fx f;
	fx_init(&f, 1 << 16);
	seg(&f, 1, 1000, TCP_SYN, NULL);
	seg(&f, 2, 1003, 0, "cd");
	seg(&f, 3, 1007, 0, "gh");
	seg(&f, 4, 1011, 0, "kl");
	/* In order and covering all three: buffered copies win. */
	seg(&f, 5, 1001, 0, "ABCDEFGHIJKLMN");
	LOG_IS(&f, "D5:AB|D5:cd|D5:EF|D5:gh|D5:IJ|D5:kl|D5:MN");
	ck_assert_uint_eq(ST(&f)->overlap_bytes, 6);
	ck_assert_uint_eq(tcp_reasm_buffered(f.r), 0);
	fx_done(&f);
}
END_TEST

START_TEST(covers_several_ahead)
{
	struct fx f;
	fx_init(&f, 1 << 16);
	seg(&f, 1, 1000, TCP_SYN, NULL);
	seg(&f, 2, 1003, 0, "cd");
	seg(&f, 3, 1007, 0, "gh");
	/* Ahead of the hole too: only the holes between pieces are kept. */
	seg(&f, 4, 1002, 0, "BCDEFGHIJ");
	ck_assert_uint_eq(tcp_reasm_buffered(f.r), 9);
	ck_assert_uint_eq(ST(&f)->overlap_bytes, 4);
	seg(&f, 5, 1001, 0, "a");
	LOG_IS(&f, "D5:a|D5:B|D5:cd|D5:EF|D5:gh|D5:IJ");
	fx_done(&f);
}
END_TEST

START_TEST(sequence_wrap)
{
	struct fx f;
	fx_init(&f, 1 << 16);
	seg(&f, 1, 0xFFFFFFF0u, TCP_SYN, NULL);
	ck_assert_uint_eq(tcp_reasm_next_seq(f.r), 0xFFFFFFF1u);
	/* [FFFFFFF1, FFFFFFF9) [FFFFFFF9, 00000003) [00000003, 00000008) */
	seg(&f, 2, 0x00000003u, 0, "uvwxy");
	seg(&f, 3, 0xFFFFFFF9u, 0, "ijklmnopqr");
	LOG_IS(&f, "");
	seg(&f, 4, 0xFFFFFFF1u, 0, "abcdefgh");
	LOG_IS(&f, "D4:abcdefgh|D4:ijklmnopqr|D4:uvwxy");
	ck_assert_uint_eq(tcp_reasm_next_seq(f.r), 8);
	/* An old segment from before the wrap is a retransmission. */
	seg(&f, 5, 0xFFFFFFF5u, 0, "EFGH");
	ck_assert_uint_eq(ST(&f)->retransmitted_segments, 1);
	/* ACK-declared gap across the wrap. */
	fx_done(&f);

	fx_init(&f, 1 << 16);
	seg(&f, 1, 0xFFFFFFFAu, 0, "abc"); /* midstream */
	seg(&f, 2, 0x00000002u, 0, "ij");
	ack(&f, 3, 0x00000004u);
	LOG_IS(&f, "D1:abc|G2:5|D2:ij");
	ck_assert_uint_eq(tcp_reasm_next_seq(f.r), 4);
	fx_done(&f);
}
END_TEST

START_TEST(gap_by_ack)
{
	struct fx f;
	fx_init(&f, 1 << 16);
	seg(&f, 1, 1000, TCP_SYN, NULL);
	seg(&f, 2, 1001, 0, "abc");
	seg(&f, 3, 1007, 0, "ghi");
	ack(&f, 4, 1004); /* acknowledges what we have: nothing to do */
	LOG_IS(&f, "D2:abc");
	/* The peer got [1004,1010): [1004,1007) was never captured. The
	 * gap is declared at the ACK's frame, the data keeps its own. */
	ack(&f, 5, 1010);
	LOG_IS(&f, "D2:abc|G3:3|D3:ghi");
	ck_assert_uint_eq(ST(&f)->gaps, 1);
	ck_assert_uint_eq(ST(&f)->gap_bytes, 3);
	/* An ACK beyond everything captured (within reason) is a gap too. */
	ack(&f, 6, 1015);
	LOG_IS(&f, "D2:abc|G3:3|D3:ghi|G6:5");
	seg(&f, 7, 1015, 0, "pq");
	LOG_IS(&f, "D2:abc|G3:3|D3:ghi|G6:5|D7:pq");
	/* The late original of a given-up hole is old data. */
	seg(&f, 8, 1004, 0, "def");
	ck_assert_uint_eq(ST(&f)->retransmitted_segments, 1);
	fx_done(&f);
}
END_TEST

START_TEST(gap_by_ack_partial)
{
	struct fx f;
	fx_init(&f, 1 << 16);
	seg(&f, 1, 1000, TCP_SYN, NULL);
	seg(&f, 2, 1010, 0, "jk");
	seg(&f, 3, 1020, 0, "tu");
	/* ACK inside the second hole: both holes below it are lost, the
	 * data between is delivered, the rest stays buffered. */
	ack(&f, 4, 1015);
	LOG_IS(&f, "G2:9|D2:jk|G4:3");
	ck_assert_uint_eq(tcp_reasm_next_seq(f.r), 1015);
	ck_assert_uint_eq(tcp_reasm_buffered(f.r), 2);
	seg(&f, 5, 1015, 0, "opqrs");
	LOG_IS(&f, "G2:9|D2:jk|G4:3|D5:opqrs|D5:tu");
	fx_done(&f);
}
END_TEST

START_TEST(gap_at_flush)
{
	struct fx f;
	fx_init(&f, 1 << 16);
	seg(&f, 1, 1000, TCP_SYN, NULL);
	seg(&f, 2, 1001, 0, "ab");
	seg(&f, 3, 1006, 0, "fg");
	seg(&f, 4, 1011, 0, "kl");
	seg(&f, 5, 1008, 0, "hi");
	flush(&f, 9);
	LOG_IS(&f, "D2:ab|G3:3|D3:fg|D5:hi|G4:1|D4:kl");
	ck_assert_uint_eq(ST(&f)->gaps, 2);
	ck_assert_uint_eq(ST(&f)->gap_bytes, 4);
	ck_assert_uint_eq(tcp_reasm_buffered(f.r), 0);
	ck_assert_uint_eq(tcp_reasm_next_seq(f.r), 1013);
	fx_done(&f);
}
END_TEST

START_TEST(ooo_cap)
{
	struct fx f;
	fx_init(&f, 10);
	seg(&f, 1, 1000, TCP_SYN, NULL);
	seg(&f, 2, 1011, 0, "klmnop"); /* 6 buffered */
	LOG_IS(&f, "");
	seg(&f, 3, 1021, 0, "uvwxyz"); /* 12 > 10: the first hole goes */
	LOG_IS(&f, "G2:10|D2:klmnop");
	ck_assert_uint_eq(tcp_reasm_buffered(f.r), 6);
	ck_assert_uint_eq(ST(&f)->ooo_dropped_bytes, 10);
	ck_assert_uint_eq(tcp_reasm_next_seq(f.r), 1017);
	seg(&f, 4, 1017, 0, "qrst");
	LOG_IS(&f, "G2:10|D2:klmnop|D4:qrst|D4:uvwxyz");
	fx_done(&f);

	/* A single segment larger than the cap goes straight through. */
	fx_init(&f, 4);
	seg(&f, 1, 1000, TCP_SYN, NULL);
	seg(&f, 2, 1003, 0, "cdefgh");
	LOG_IS(&f, "G2:2|D2:cdefgh");
	fx_done(&f);
}
END_TEST

START_TEST(midstream)
{
	struct fx f;
	fx_init(&f, 1 << 16);
	/* A pure ACK fixes nothing; ACKs before a start are ignored. */
	seg(&f, 1, 5000, TCP_ACK, NULL);
	ack(&f, 2, 9000);
	ck_assert(!tcp_reasm_started(f.r));
	seg(&f, 3, 5000, TCP_ACK | TCP_PSH, "mid");
	ck_assert(tcp_reasm_started(f.r));
	ck_assert(ST(&f)->midstream);
	seg(&f, 4, 5003, TCP_ACK, "dle");
	LOG_IS(&f, "D3:mid|D4:dle");
	fx_done(&f);
}
END_TEST

/* Data far from where the SYN put the stream (a damaged capture): after
 * re-anchoring it is delivered in order; once bytes were delivered the
 * start cannot move. */
START_TEST(reanchor_before_data_only)
{
	struct fx f;
	fx_init(&f, 1 << 16);
	seg(&f, 1, 1000, TCP_SYN, NULL);
	ck_assert_int_eq(tcp_reasm_reanchor(f.r, 0x40000000u), 0);
	ck_assert(ST(&f)->reanchored);
	seg(&f, 2, 0x40000000u, TCP_PSH, "hel");
	seg(&f, 3, 0x40000003u, TCP_PSH, "lo");
	LOG_IS(&f, "D2:hel|D3:lo");
	ck_assert_int_eq(tcp_reasm_reanchor(f.r, 7), -1);
	seg(&f, 4, 0x40000005u, TCP_PSH, "!");
	LOG_IS(&f, "D2:hel|D3:lo|D4:!");
	fx_done(&f);
	/* Not before a start, nor with out-of-order data waiting. */
	fx_init(&f, 1 << 16);
	ck_assert_int_eq(tcp_reasm_reanchor(f.r, 7), -1);
	seg(&f, 1, 1000, TCP_SYN, NULL);
	seg(&f, 2, 1100, TCP_PSH, "later");
	ck_assert_int_eq(tcp_reasm_reanchor(f.r, 7), -1);
	fx_done(&f);
}
END_TEST

START_TEST(syn_with_data)
{
	struct fx f;
	fx_init(&f, 1 << 16);
	seg(&f, 1, 1000, TCP_SYN, "xyz"); /* TFO-style: data after the SYN */
	ck_assert_uint_eq(tcp_reasm_next_seq(f.r), 1004);
	seg(&f, 2, 1000, TCP_SYN, "xyz"); /* SYN retransmitted */
	seg(&f, 3, 1004, 0, "w");
	LOG_IS(&f, "D1:xyz|D3:w");
	ck_assert(!ST(&f)->midstream);
	ck_assert_uint_eq(ST(&f)->retransmitted_segments, 1);
	fx_done(&f);
}
END_TEST

START_TEST(fin)
{
	struct fx f;
	fx_init(&f, 1 << 16);
	seg(&f, 1, 1000, TCP_SYN, NULL);
	seg(&f, 2, 1001, TCP_FIN, "abc");
	ck_assert_uint_eq(tcp_reasm_next_seq(f.r), 1005); /* FIN took 1004 */
	seg(&f, 3, 1005, 0, "zzz");			  /* after FIN */
	seg(&f, 4, 1001, TCP_FIN, "abc");		  /* retransmitted */
	ack(&f, 5, 1005);
	flush(&f, 6);
	LOG_IS(&f, "D2:abc");
	fx_done(&f);

	/* FIN ahead of a hole, with data beyond the FIN discarded. */
	fx_init(&f, 1 << 16);
	seg(&f, 1, 1000, TCP_SYN, NULL);
	seg(&f, 2, 1008, 0, "hijk");	   /* [1008,1012) */
	seg(&f, 3, 1004, TCP_FIN, "defg"); /* FIN at 1008 */
	ck_assert_uint_eq(tcp_reasm_buffered(f.r), 4);
	seg(&f, 4, 1001, 0, "abc");
	LOG_IS(&f, "D4:abc|D4:defg");
	ck_assert_uint_eq(tcp_reasm_next_seq(f.r), 1009);
	fx_done(&f);

	/* FIN after a hole that is never filled: flush declares the gap. */
	fx_init(&f, 1 << 16);
	seg(&f, 1, 1000, TCP_SYN, NULL);
	seg(&f, 2, 1005, TCP_FIN, NULL); /* FIN at 1005; [1001,1005) lost */
	flush(&f, 3);
	LOG_IS(&f, "G3:4");
	ck_assert_uint_eq(tcp_reasm_next_seq(f.r), 1006);
	fx_done(&f);

	/* The peer's ACK of the FIN also declares the hole before it. */
	fx_init(&f, 1 << 16);
	seg(&f, 1, 1000, TCP_SYN, NULL);
	seg(&f, 2, 1003, TCP_FIN, "cd"); /* FIN at 1005 */
	ack(&f, 3, 1006);
	LOG_IS(&f, "G2:2|D2:cd");
	ck_assert_uint_eq(tcp_reasm_next_seq(f.r), 1006);
	fx_done(&f);
}
END_TEST

START_TEST(snaplen_truncated)
{
	struct fx f;
	struct tcp_frame_ref at;
	fx_init(&f, 1 << 16);
	seg(&f, 1, 1000, TCP_SYN, NULL);
	at = fr(2);
	/* 10 bytes on the wire, 4 captured. */
	tcp_reasm_segment(f.r, 1001, 0, (const uint8_t *)"abcd", 4, 10, &at, &f.sink);
	LOG_IS(&f, "D2:abcd|G2:6");
	seg(&f, 3, 1011, 0, "klm");
	LOG_IS(&f, "D2:abcd|G2:6|D3:klm");
	ck_assert_uint_eq(ST(&f)->gap_bytes, 6);
	fx_done(&f);

	/* Out of order: the cut tail is kept in its place in the queue. */
	fx_init(&f, 1 << 16);
	seg(&f, 1, 1000, TCP_SYN, NULL);
	seg(&f, 2, 1011, 0, "kl");
	at = fr(3);
	tcp_reasm_segment(f.r, 1004, 0, (const uint8_t *)"de", 2, 7, &at, &f.sink);
	ck_assert_uint_eq(tcp_reasm_buffered(f.r), 4);
	seg(&f, 4, 1001, 0, "abc");
	LOG_IS(&f, "D4:abc|D4:de|G4:5|D4:kl");
	fx_done(&f);

	/* Filling a hole with a cut segment: its tail still is a gap. */
	fx_init(&f, 1 << 16);
	seg(&f, 1, 1000, TCP_SYN, NULL);
	seg(&f, 2, 1009, 0, "ij");
	at = fr(3);
	tcp_reasm_segment(f.r, 1001, 0, (const uint8_t *)"ab", 2, 8, &at, &f.sink);
	LOG_IS(&f, "D3:ab|G3:6|D3:ij");
	fx_done(&f);
}
END_TEST

START_TEST(zero_length)
{
	struct fx f;
	fx_init(&f, 1 << 16);
	seg(&f, 1, 1000, TCP_SYN, NULL);
	seg(&f, 2, 1001, TCP_ACK, NULL);
	seg(&f, 3, 1001, TCP_ACK, "");
	seg(&f, 4, 1000, TCP_ACK, NULL); /* keep-alive probe, seq - 1 */
	seg(&f, 5, 1050, TCP_ACK, NULL); /* empty and ahead: nothing */
	LOG_IS(&f, "");
	ck_assert_uint_eq(tcp_reasm_next_seq(f.r), 1001);
	ck_assert_uint_eq(tcp_reasm_buffered(f.r), 0);
	seg(&f, 6, 1001, 0, "a");
	LOG_IS(&f, "D6:a");
	/* NULL sink: stats only. */
	tcp_reasm_segment(f.r, 1002, 0, (const uint8_t *)"b", 1, 1, &(struct tcp_frame_ref){7, 0}, NULL);
	ck_assert_uint_eq(ST(&f)->bytes_delivered, 2);
	fx_done(&f);
}
END_TEST

START_TEST(rst_data_ignored)
{
	struct fx f;
	fx_init(&f, 1 << 16);
	seg(&f, 1, 1000, TCP_SYN, NULL);
	seg(&f, 2, 1001, TCP_RST, "diag");
	LOG_IS(&f, "");
	ck_assert_uint_eq(tcp_reasm_next_seq(f.r), 1001);
	fx_done(&f);
}
END_TEST

START_TEST(ack_implausible)
{
	struct fx f;
	fx_init(&f, 1 << 16);
	seg(&f, 1, 1000, TCP_SYN, NULL);
	seg(&f, 2, 1001, 0, "abc");
	seg(&f, 3, 1010, 0, "jk");
	ack(&f, 4, 0);			/* RST-style zero */
	ack(&f, 5, 1004 + (5u << 20));	/* 5 MiB beyond anything seen */
	ack(&f, 6, 1004 + 0x7fffffffu); /* half the space away */
	ack(&f, 7, 900);		/* old */
	LOG_IS(&f, "D2:abc");
	ck_assert_uint_eq(ST(&f)->gaps, 0);
	ck_assert_uint_eq(tcp_reasm_buffered(f.r), 2);
	/* Plausible: just past what was captured. */
	ack(&f, 8, 1012);
	LOG_IS(&f, "D2:abc|G3:6|D3:jk");
	fx_done(&f);
}
END_TEST

START_TEST(piece_count_cap)
{
	/* Thousands of 1-byte pieces with holes between: bounded anyway. */
	struct fx f;
	fx_init(&f, 1 << 20);
	seg(&f, 1, 0, TCP_SYN, NULL);
	for (uint32_t i = 0; i < 3000; i++) {
		struct tcp_frame_ref at = fr(2 + i);
		tcp_reasm_segment(f.r, 2 + 2 * i, 0, (const uint8_t *)"x", 1, 1, &at, NULL);
	}
	ck_assert_uint_le(tcp_reasm_buffered(f.r), 1024);
	ck_assert_uint_gt(ST(&f)->gaps, 0);
	tcp_reasm_flush(f.r, &(struct tcp_frame_ref){5000, 0}, NULL);
	ck_assert_uint_eq(tcp_reasm_buffered(f.r), 0);
	ck_assert_uint_eq(ST(&f)->bytes_delivered, 3000);
	ck_assert_uint_eq(ST(&f)->gap_bytes, 3000);
	fx_done(&f);
}
END_TEST

/* The consumer skips the next 6 bytes by length: an out-of-order segment
 * reaching into them is stored without those bytes, which come out as
 * opaque data in their place; the rest is ordinary data. The cap counts
 * them as buffered all the same. */
START_TEST(opaque_not_copied)
{
	struct fx f;
	fx_init(&f, 1 << 16);
	f.sink.opaque_ahead = on_opaque_ahead;
	seg(&f, 1, 1000, TCP_SYN, NULL);
	seg(&f, 2, 1001, TCP_ACK, "ab");
	f.rec.opaque = 6; /* [1003, 1009) */
	seg(&f, 3, 1007, TCP_ACK, "ghij");
	ck_assert_uint_eq(tcp_reasm_buffered(f.r), 4);
	seg(&f, 4, 1003, TCP_ACK, "cdef");
	LOG_IS(&f, "D2:ab|D4:cdef|O4:2|D4:ij");
	ck_assert_uint_eq(ST(&f)->bytes_delivered, 10);
	ck_assert_uint_eq(tcp_reasm_buffered(f.r), 0);
	fx_done(&f);
}
END_TEST

/* What --max-memory is told matches the allocations: a 1-byte piece costs
 * a whole malloc block, not one byte; a piece cut short by a FIN keeps its
 * block until it is freed; everything comes back once delivered. */
START_TEST(memory_counts_allocations)
{
	struct fx f;
	fx_init(&f, 1 << 16);
	seg(&f, 1, 1000, TCP_SYN, NULL);
	size_t empty = tcp_reasm_memory(f.r);
	ck_assert_uint_ge(empty, sizeof(void *));
	/* Ten 1-byte segments, each after a hole: ten pieces. */
	char one[2] = "x";
	for (uint32_t i = 0; i < 10; i++)
		seg(&f, 2 + i, 1003 + 2 * i, TCP_ACK, one);
	ck_assert_uint_eq(tcp_reasm_buffered(f.r), 10);
	size_t ten = tcp_reasm_memory(f.r);
	/* glibc's smallest block is 32 bytes, and a piece has a header. */
	ck_assert_uint_ge(ten - empty, 10 * 32);
	/* A FIN inside the last piece: its length shrinks, not its block. */
	seg(&f, 20, 1050, TCP_ACK, "abcdef");
	size_t with_six = tcp_reasm_memory(f.r);
	seg(&f, 21, 1050, TCP_ACK | TCP_FIN, "ab");
	ck_assert_uint_eq(tcp_reasm_memory(f.r), with_six);
	flush(&f, 22);
	ck_assert_uint_eq(tcp_reasm_buffered(f.r), 0);
	ck_assert_uint_le(tcp_reasm_memory(f.r), empty + 8 * 64); /* at most the spare headers */
	fx_done(&f);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("tcp_reasm");
	suite_case(s, "core", 0,
		   TESTS(in_order, out_of_order_312, retransmission_exact, partial_overlap_delivered,
			 partial_overlap_both_sides, covers_several_in_order, covers_several_ahead,
			 sequence_wrap, gap_by_ack, gap_by_ack_partial, gap_at_flush, ooo_cap, midstream,
			 reanchor_before_data_only, syn_with_data, fin, snaplen_truncated, zero_length,
			 rst_data_ignored, ack_implausible, piece_count_cap, opaque_not_copied,
			 memory_counts_allocations));
	return suite_exit(s, false);
}
