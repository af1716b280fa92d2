/* test_ipfrag.c - fragment reassembly: order, overlap (first copy wins),
 * the memory cap, the timeout and malformed fragments. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "ip.h"
#include "ipfrag.h"
#include "support/suite_run.h"

#define MS 1000000LL

/* A fragment of datagram `id` from 10.0.0.1 to 10.0.0.2, TCP. */
static struct ip_packet frag4(uint32_t id, uint32_t off, int more, const char *data)
{
	struct ip_packet p;
	memset(&p, 0, sizeof(p));
	p.src.family = p.dst.family = 4;
	p.src.a[0] = p.dst.a[0] = 10;
	p.src.a[3] = 1;
	p.dst.a[3] = 2;
	p.proto = 6;
	p.ip_id = (uint16_t)id;
	p.frag_id = id;
	p.is_fragment = true;
	p.frag_offset = off;
	p.more_fragments = more;
	p.payload = (const uint8_t *)data;
	p.payload_len = p.payload_wire_len = strlen(data);
	return p;
}

static void expect_payload(const uint8_t *out, size_t len, const char *want)
{
	ck_assert_uint_eq(len, strlen(want));
	ck_assert_int_eq(memcmp(out, want, len), 0);
}

/* One fragment (frag4) given to the table at time ts, and what ipfrag_add
 * must answer: 0 kept, -1 refused, 1 the datagram is whole and its
 * payload is `whole`. */
struct frag {
	uint32_t id, off;
	int more;
	const char *data;
	int64_t ts;
	int want;
	const char *whole;
	uint8_t family, proto; /* other than IPv4 and TCP */
	size_t wire_len;       /* a fragment cut by the snap length: its length on the wire */
};
/* clang-format off */
#define FRAG(i, o, m, d, t, w) { .id = (i), .off = (o), .more = (m), .data = (d), .ts = (t), .want = (w) }
/* The fragment that completes its datagram, whose payload is w. */
#define WHOLE(i, o, m, d, t, w) { .id = (i), .off = (o), .more = (m), .data = (d), .ts = (t), .want = 1, .whole = (w) }
#define FRAGS(...) ((const struct frag[]){ __VA_ARGS__, { .data = NULL } })
/* clang-format on */

static void feed(struct ipfrag_table *t, const struct frag *f)
{
	for (size_t i = 0; f[i].data; i++) {
		struct ip_packet p = frag4(f[i].id, f[i].off, f[i].more, f[i].data);
		if (f[i].family)
			p.src.family = p.dst.family = f[i].family;
		if (f[i].proto)
			p.proto = f[i].proto;
		if (f[i].wire_len) {
			p.payload_wire_len = f[i].wire_len;
			p.truncated = true;
		}
		const uint8_t *out = NULL;
		size_t len = 0;
		int got = ipfrag_add(t, &p, f[i].ts, &out, &len);
		ck_assert_msg(got == f[i].want, "fragment %zu: %d, expected %d", i, got, f[i].want);
		if (f[i].whole)
			expect_payload(out, len, f[i].whole);
	}
}

/* feed on a new table of cap bytes and a 30 s timeout, freed after. */
static void scenario(size_t cap, const struct frag *f)
{
	struct ipfrag_table *t = ipfrag_table_new(cap, 30000 * MS);
	feed(t, f);
	ipfrag_table_free(t);
}

START_TEST(in_order_and_parsed)
{
	/* Two real IPv4 fragments through ip_parse: 8 + 4 bytes. */
	/* clang-format off */
	static const uint8_t f1[] = {
		0x45, 0, 0, 28, 0xab, 0xcd, 0x20, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
		'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h',
	};
	static const uint8_t f2[] = {
		0x45, 0, 0, 24, 0xab, 0xcd, 0x00, 1, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
		'i', 'j', 'k', 'l',
	};
	/* clang-format on */
	struct ipfrag_table *t = ipfrag_table_new(1 << 20, 30000 * MS);
	struct ip_packet p;
	const uint8_t *out = NULL;
	size_t len = 0;
	ck_assert_int_eq(ip_parse(f1, sizeof(f1), &p), DIS_OK);
	ck_assert_int_eq(ipfrag_add(t, &p, 0, &out, &len), 0);
	ck_assert_uint_gt(ipfrag_bytes_in_use(t), 0);
	ck_assert_int_eq(ip_parse(f2, sizeof(f2), &p), DIS_OK);
	ck_assert_int_eq(ipfrag_add(t, &p, 1, &out, &len), 1);
	expect_payload(out, len, "abcdefghijkl");
	ck_assert_uint_eq(ipfrag_bytes_in_use(t), 0);
	ipfrag_table_free(t);
	ipfrag_table_free(NULL);
}
END_TEST

START_TEST(out_of_order)
{
	scenario(1 << 20, FRAGS(FRAG(7, 16, 0, "QRS", 0, 0), FRAG(7, 0, 1, "ABCDEFGH", 1, 0),
				WHOLE(7, 8, 1, "IJKLMNOP", 2, "ABCDEFGHIJKLMNOPQRS")));
}
END_TEST

START_TEST(overlap_first_copy_wins)
{
	scenario(1 << 20, FRAGS(FRAG(9, 8, 1, "iiiiiiii", 0, 0),
				/* Covers [0,24): only [0,8) and [16,24) are new. */
				FRAG(9, 0, 1, "AAAAAAAABBBBBBBBCCCCCCCC", 1, 0),
				/* Exact duplicate, then a partial overlap of the tail. */
				FRAG(9, 8, 1, "XXXXXXXX", 2, 0),
				WHOLE(9, 16, 0, "YYYYYYYYzz", 3, "AAAAAAAAiiiiiiiiCCCCCCCCzz")));
}
END_TEST

START_TEST(interleaved_datagrams)
{
	/* Datagram 1 in IPv4 and in IPv6 (same bytes and id, other family),
	 * datagram 2, and a fragment of 1 for another protocol. */
	scenario(1 << 20,
		 FRAGS(FRAG(1, 0, 1, "aaaaaaaa", 0, 0), FRAG(2, 0, 1, "bbbbbbbb", 0, 0),
		       {.id = 1, .more = 1, .data = "66666666", .family = 6},
		       {.id = 1, .off = 8, .data = "P", .proto = 17}, WHOLE(2, 8, 0, "B", 0, "bbbbbbbbB"),
		       WHOLE(1, 8, 0, "A", 0, "aaaaaaaaA"),
		       {.id = 1, .off = 8, .data = "6", .want = 1, .whole = "666666666", .family = 6}));
}
END_TEST

START_TEST(memory_cap)
{
	/* Learn what one pending 8-byte datagram costs. */
	struct ipfrag_table *t = ipfrag_table_new(1 << 20, 30000 * MS);
	feed(t, FRAGS(FRAG(1, 0, 1, "aaaaaaaa", 0, 0)));
	size_t one = ipfrag_bytes_in_use(t);
	ipfrag_table_free(t);

	/* Room for one and a half: the second evicts the oldest. */
	t = ipfrag_table_new(one + one / 2, 30000 * MS);
	feed(t, FRAGS(FRAG(1, 0, 1, "aaaaaaaa", 0, 0), FRAG(2, 0, 1, "bbbbbbbb", 1, 0)));
	ck_assert_uint_le(ipfrag_bytes_in_use(t), one + one / 2);
	/* Datagram 1 is gone: its last fragment starts a new one. */
	feed(t, FRAGS(FRAG(1, 8, 0, "A", 2, 0)));
	ipfrag_table_free(t);

	/* A datagram that alone exceeds the cap is refused. */
	t = ipfrag_table_new(one, 30000 * MS);
	feed(t, FRAGS(FRAG(3, 0, 1, "cccccccc", 0, 0), FRAG(3, 8, 1, "cccccccccccccccccccccccc", 0, -1)));
	ck_assert_uint_eq(ipfrag_bytes_in_use(t), 0);
	ipfrag_table_free(t);
}
END_TEST

START_TEST(timeout)
{
	scenario(1 << 20,
		 FRAGS(FRAG(5, 0, 1, "aaaaaaaa", 0, 0), FRAG(6, 0, 1, "bbbbbbbb", 20000 * MS, 0),
		       /* 31 s after the first: datagram 5 expired, 6 still pending. */
		       FRAG(5, 8, 0, "A", 31000 * MS, 0), WHOLE(6, 8, 0, "B", 31000 * MS, "bbbbbbbbB"),
		       /* A clock that steps backwards expires nothing. */
		       WHOLE(5, 0, 1, "aaaaaaaa", 0, "aaaaaaaaA")));
}
END_TEST

START_TEST(malformed)
{
	struct ipfrag_table *t = ipfrag_table_new(1 << 20, 30000 * MS);
	const uint8_t *out = NULL;
	size_t len = 0;
	struct ip_packet p = frag4(1, 0, 0, "whole");
	p.is_fragment = false;
	ck_assert_int_eq(ipfrag_add(t, &p, 0, &out, &len), -1);
	feed(t, FRAGS(/* Past the 64 KiB limit. */
		      FRAG(1, 65528, 1, "12345678", 0, -1),
		      /* Empty non-last fragment. */
		      FRAG(1, 8, 1, "", 0, -1),
		      /* Conflicting last fragments, and data past the end. */
		      FRAG(2, 8, 0, "end", 0, 0), FRAG(2, 16, 0, "other", 0, -1),
		      FRAG(2, 8, 1, "beyond-the-end", 0, -1), WHOLE(2, 0, 1, "01234567", 0, "01234567end"),
		      /* A "last" fragment ending before data already held. */
		      FRAG(3, 16, 1, "xxxxxxxx", 0, 0), FRAG(3, 0, 0, "short", 0, -1),
		      /* A snaplen-cut fragment gives its datagram up. */
		      FRAG(4, 0, 1, "aaaaaaaa", 0, 0),
		      {.id = 4, .off = 8, .data = "bb", .want = -1, .wire_len = 10},
		      FRAG(4, 8, 0, "bbbbbbbbbb", 0, 0)));
	ipfrag_table_free(t);
}
END_TEST

START_TEST(ipv6_through_parser)
{
	/* Two IPv6 fragments (fragment header id 0x01020304). */
	/* clang-format off */
	static const uint8_t f1[] = {
		0x60, 0, 0, 0, 0, 16, 44, 64,
		0x20, 1, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
		0x20, 1, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2,
		6, 0, 0, 1, 1, 2, 3, 4,
		'T', 'C', 'P', '-', 'h', 'e', 'a', 'd',
	};
	static const uint8_t f2[] = {
		0x60, 0, 0, 0, 0, 11, 44, 64,
		0x20, 1, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
		0x20, 1, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2,
		6, 0, 0, 8, 1, 2, 3, 4,
		't', 'a', 'i',
	};
	/* clang-format on */
	struct ipfrag_table *t = ipfrag_table_new(1 << 20, 60000 * MS);
	struct ip_packet p;
	const uint8_t *out = NULL;
	size_t len = 0;
	ck_assert_int_eq(ip_parse(f2, sizeof(f2), &p), DIS_OK);
	ck_assert(p.is_fragment);
	ck_assert_int_eq(ipfrag_add(t, &p, 0, &out, &len), 0);
	ck_assert_int_eq(ip_parse(f1, sizeof(f1), &p), DIS_OK);
	ck_assert_uint_eq(p.frag_id, 0x01020304);
	ck_assert_int_eq(ipfrag_add(t, &p, 0, &out, &len), 1);
	expect_payload(out, len, "TCP-headtai");
	ipfrag_table_free(t);
}
END_TEST

START_TEST(many_pending)
{
	/* More pending datagrams than the table keeps: bounded, no leak. */
	struct ipfrag_table *t = ipfrag_table_new(64 << 20, 30000 * MS);
	for (uint32_t id = 0; id < 5000; id++)
		feed(t, FRAGS(FRAG(id, 0, 1, "aaaaaaaa", 0, 0)));
	ck_assert_uint_lt(ipfrag_bytes_in_use(t), 1024 * 1024);
	feed(t, FRAGS(FRAG(4999, 8, 0, "z", 0, 1), FRAG(0, 8, 0, "z", 0, 0) /* evicted */));
	ipfrag_table_free(t);
}
END_TEST

SUITE_MAIN("ipfrag", false,
	   CASE("core", 0, in_order_and_parsed, out_of_order, overlap_first_copy_wins, interleaved_datagrams,
		memory_cap, timeout, malformed, ipv6_through_parser, many_pending))
