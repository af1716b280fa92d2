/* test_ip.c - IPv4/IPv6 headers (options, padding, snaplen, extension
 * headers, fragments) and the TCP header. Inputs are copied into
 * exact-size heap buffers so the sanitizer build catches over-reads. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "ip.h"
#include "tcp.h"
#include "support/suite_run.h"

struct heap {
	uint8_t *p;
};

static const uint8_t *dup_bytes(struct heap *h, const uint8_t *p, size_t n)
{
	free(h->p);
	h->p = malloc(n ? n : 1);
	ck_assert_ptr_nonnull(h->p);
	if (n)
		memcpy(h->p, p, n);
	return h->p;
}

static enum dis_status parse_ip(const uint8_t *p, size_t n, struct ip_packet *ip, struct heap *h)
{
	return ip_parse(dup_bytes(h, p, n), n, ip);
}

static void ip_prefixes_truncated(const uint8_t *p, size_t hdr_len)
{
	struct heap h = {NULL};
	for (size_t n = 0; n < hdr_len; n++) {
		struct ip_packet ip;
		ck_assert_msg(parse_ip(p, n, &ip, &h) == DIS_TRUNCATED, "%zu bytes", n);
	}
	free(h.p);
}

/* IPv4, 20-byte header, total length 44: 20 TCP + 4 data. */
/* clang-format off */
static const uint8_t v4_tcp[] = {
	0x45, 0x00, 0x00, 0x2c, 0x12, 0x34, 0x40, 0x00, 0x40, 0x06, 0x00, 0x00,
	10, 0, 0, 1,  10, 0, 0, 2,
	/* TCP: 1234 -> 443, seq 1, ack 2, doff 5, ACK|PSH */
	0x04, 0xd2, 0x01, 0xbb, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02,
	0x50, 0x18, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00,
	'd', 'a', 't', 'a',
};
/* clang-format on */

/* Bytes of v4_tcp changed for one case: byte `at` becomes v. */
struct patch {
	size_t at;
	uint8_t v;
};

static enum dis_status parse_v4_with(struct ip_packet *ip, struct heap *h, const struct patch *pt, size_t n)
{
	uint8_t p[sizeof(v4_tcp)];
	memcpy(p, v4_tcp, sizeof(p));
	for (size_t i = 0; i < n; i++)
		p[pt[i].at] = pt[i].v;
	return parse_ip(p, sizeof(p), ip, h);
}
/* V4_WITH(ip, h, {at, v}...): v4_tcp so changed, parsed into ip. */
#define V4_WITH(ip, h, ...)                                                                                  \
	parse_v4_with(ip, h, (const struct patch[]){__VA_ARGS__},                                            \
		      sizeof((const struct patch[]){__VA_ARGS__}) / sizeof(struct patch))

/* The fixed header's facts, addresses as text. */
static void expect_header(const struct ip_packet *ip, int family, const char *src, const char *dst, int proto,
			  int ttl, uint32_t id)
{
	char buf[64];
	ck_assert_uint_eq(ip->src.family, family);
	ck_assert_str_eq(ip_addr_text(&ip->src, buf, sizeof(buf)), src);
	ck_assert_str_eq(ip_addr_text(&ip->dst, buf, sizeof(buf)), dst);
	ck_assert_uint_eq(ip->proto, proto);
	ck_assert_uint_eq(ip->ttl, ttl);
	ck_assert_uint_eq(ip->ip_id, id);
}

START_TEST(ipv4_basic)
{
	struct heap h = {NULL};
	struct ip_packet ip;
	ck_assert_int_eq(parse_ip(v4_tcp, sizeof(v4_tcp), &ip, &h), DIS_OK);
	expect_header(&ip, 4, "10.0.0.1", "10.0.0.2", 6, 64, 0x1234);
	ck_assert_int_lt(ip_addr_cmp(&ip.src, &ip.dst), 0);
	ck_assert_int_eq(ip_addr_cmp(&ip.src, &ip.src), 0);
	ck_assert(!ip.is_fragment);
	ck_assert(!ip.truncated);
	ck_assert_uint_eq(ip.payload_len, 24);
	ck_assert_uint_eq(ip.payload_wire_len, 24);
	ck_assert_ptr_eq(ip.payload, h.p + 20);
	ip_prefixes_truncated(v4_tcp, 20);

	struct tcp_header th;
	ck_assert_int_eq(tcp_parse(ip.payload, ip.payload_len, &th), DIS_OK);
	ck_assert_uint_eq(th.sport, 1234);
	ck_assert_uint_eq(th.dport, 443);
	ck_assert_uint_eq(th.seq, 1);
	ck_assert_uint_eq(th.ack, 2);
	ck_assert_uint_eq(th.flags, TCP_ACK | TCP_PSH);
	ck_assert_uint_eq(th.window, 0xffff);
	ck_assert_uint_eq(th.hdr_len, 20);
	ck_assert_uint_eq(th.payload_len, 4);
	ck_assert_int_eq(memcmp(th.payload, "data", 4), 0);
	free(h.p);
}
END_TEST

START_TEST(ipv4_options)
{
	/* IHL 6: four bytes of options (NOP NOP NOP EOL). */
	/* clang-format off */
	static const uint8_t p[] = {
		0x46, 0, 0, 28, 0, 1, 0, 0, 64, 6, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8,
		1, 1, 1, 0,
		'a', 'b', 'c', 'd',
	};
	/* clang-format on */
	struct heap h = {NULL};
	struct ip_packet ip;
	ck_assert_int_eq(parse_ip(p, sizeof(p), &ip, &h), DIS_OK);
	ck_assert_ptr_eq(ip.payload, h.p + 24);
	ck_assert_uint_eq(ip.payload_len, 4);
	ip_prefixes_truncated(p, 24);
	free(h.p);
}
END_TEST

START_TEST(ipv4_padding_and_snaplen)
{
	struct heap h = {NULL};
	struct ip_packet ip;
	uint8_t padded[60];
	memset(padded, 0xee, sizeof(padded)); /* Ethernet minimum-frame padding */
	memcpy(padded, v4_tcp, sizeof(v4_tcp));
	ck_assert_int_eq(parse_ip(padded, sizeof(padded), &ip, &h), DIS_OK);
	ck_assert_uint_eq(ip.payload_len, 24);
	ck_assert_uint_eq(ip.payload_wire_len, 24);
	ck_assert(!ip.truncated);

	/* Cut by the snaplen inside the payload: not an error. */
	ck_assert_int_eq(parse_ip(v4_tcp, 30, &ip, &h), DIS_OK);
	ck_assert_uint_eq(ip.payload_len, 10);
	ck_assert_uint_eq(ip.payload_wire_len, 24);
	ck_assert(ip.truncated);
	/* ... and the TCP header inside it is truncated. */
	struct tcp_header th;
	ck_assert_int_eq(tcp_parse(ip.payload, ip.payload_len, &th), DIS_TRUNCATED);

	/* Total length 0 (segmentation offload): the capture is the length. */
	ck_assert_int_eq(V4_WITH(&ip, &h, {2, 0}, {3, 0}), DIS_OK);
	ck_assert_uint_eq(ip.payload_len, 24);
	ck_assert(!ip.truncated);
	free(h.p);
}
END_TEST

START_TEST(ipv4_invalid)
{
	struct heap h = {NULL};
	struct ip_packet ip;
	ck_assert_int_eq(V4_WITH(&ip, &h, {0, 0x44}), DIS_INVALID); /* IHL 4 */
	ck_assert_int_eq(V4_WITH(&ip, &h, {3, 19}), DIS_INVALID);   /* total length below the header */
	ck_assert_int_eq(V4_WITH(&ip, &h, {0, 0x55}), DIS_INVALID); /* version 5 */
	/* IHL 15 (60 bytes) but total length 44: invalid from the fixed
	 * header alone... */
	ck_assert_int_eq(V4_WITH(&ip, &h, {0, 0x4f}), DIS_INVALID);
	/* ... while with total length 100 the options are merely cut. */
	ck_assert_int_eq(V4_WITH(&ip, &h, {0, 0x4f}, {3, 100}), DIS_TRUNCATED);
	free(h.p);
}
END_TEST

START_TEST(ipv4_fragment_fields)
{
	struct heap h = {NULL};
	struct ip_packet ip;
	/* MF, offset 185 * 8 = 1480 */
	ck_assert_int_eq(V4_WITH(&ip, &h, {6, 0x20}, {7, 185}), DIS_OK);
	ck_assert(ip.is_fragment);
	ck_assert(ip.more_fragments);
	ck_assert_uint_eq(ip.frag_offset, 1480);
	ck_assert_uint_eq(ip.frag_id, 0x1234);
	/* the last fragment */
	ck_assert_int_eq(V4_WITH(&ip, &h, {6, 0x00}, {7, 185}), DIS_OK);
	ck_assert(ip.is_fragment);
	ck_assert(!ip.more_fragments);
	/* DF only earlier, now nothing: not a fragment */
	ck_assert_int_eq(V4_WITH(&ip, &h, {6, 0x00}, {7, 0}), DIS_OK);
	ck_assert(!ip.is_fragment);
	free(h.p);
}
END_TEST

#define V6_SRC 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1
#define V6_DST 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2

START_TEST(ipv6_basic)
{
	static const uint8_t p[] = {0x60, 0, 0, 0, 0, 4, 6, 57, V6_SRC, V6_DST, 't', 'e', 's', 't'};
	struct heap h = {NULL};
	struct ip_packet ip;
	ck_assert_int_eq(parse_ip(p, sizeof(p), &ip, &h), DIS_OK);
	expect_header(&ip, 6, "2001:db8::1", "2001:db8::2", 6, 57, 0);
	ck_assert_uint_eq(ip.payload_len, 4);
	ck_assert_ptr_eq(ip.payload, h.p + 40);
	ck_assert(!ip.is_fragment);
	ip_prefixes_truncated(p, 40);

	/* IPv4 sorts before IPv6. */
	struct ip_addr v4 = {4, {10, 0, 0, 1}};
	ck_assert_int_lt(ip_addr_cmp(&v4, &ip.src), 0);
	ck_assert_int_gt(ip_addr_cmp(&ip.src, &v4), 0);
	free(h.p);
}
END_TEST

START_TEST(ipv6_hbh_fragment)
{
	/* hop-by-hop (8 bytes, PadN) -> fragment (offset 1448, M, id) -> TCP */
	/* clang-format off */
	static const uint8_t p[] = {
		0x60, 0, 0, 0, 0, 20, 0, 64, V6_SRC, V6_DST,
		44, 0, 1, 4, 0, 0, 0, 0,                      /* hop-by-hop, PadN */
		6, 0, 0x05, 0xa9, 0xde, 0xad, 0xbe, 0xef,     /* fragment */
		'f', 'r', 'a', 'g',
	};
	/* clang-format on */
	struct heap h = {NULL};
	struct ip_packet ip;
	ck_assert_int_eq(parse_ip(p, sizeof(p), &ip, &h), DIS_OK);
	ck_assert_uint_eq(ip.proto, 6);
	ck_assert(ip.is_fragment);
	ck_assert(ip.more_fragments);
	ck_assert_uint_eq(ip.frag_offset, 0x05a8);
	ck_assert_uint_eq(ip.frag_id, 0xdeadbeef);
	ck_assert_uint_eq(ip.payload_len, 4);
	ck_assert_uint_eq(ip.payload_wire_len, 4);
	ck_assert_ptr_eq(ip.payload, h.p + 56);
	ip_prefixes_truncated(p, 56);

	/* An extension header running past the payload length is invalid. */
	uint8_t q[sizeof(p)];
	memcpy(q, p, sizeof(q));
	q[5] = 12; /* payload length 12: the fragment header does not fit */
	ck_assert_int_eq(parse_ip(q, sizeof(q), &ip, &h), DIS_INVALID);
	free(h.p);
}
END_TEST

START_TEST(ipv6_atomic_fragment)
{
	/* offset 0, M clear: a whole datagram (RFC 6946). */
	/* clang-format off */
	static const uint8_t p[] = {
		0x60, 0, 0, 0, 0, 12, 44, 64, V6_SRC, V6_DST,
		6, 0, 0, 0, 0, 0, 0, 7,
		'a', 'b', 'c', 'd',
	};
	/* clang-format on */
	struct heap h = {NULL};
	struct ip_packet ip;
	ck_assert_int_eq(parse_ip(p, sizeof(p), &ip, &h), DIS_OK);
	ck_assert(!ip.is_fragment);
	ck_assert_uint_eq(ip.proto, 6);
	ck_assert_uint_eq(ip.payload_len, 4);
	ck_assert_ptr_eq(ip.payload, h.p + 48);
	free(h.p);
}
END_TEST

START_TEST(ipv6_ext_chain)
{
	/* routing (16) -> destination options (8) -> AH (len 1: 12 bytes) -> TCP */
	/* clang-format off */
	static const uint8_t p[] = {
		0x60, 0, 0, 0, 0, 40, 43, 64, V6_SRC, V6_DST,
		60, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* routing, 16 */
		51, 0, 1, 4, 0, 0, 0, 0,                         /* dstopts, 8 */
		6, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 2,              /* AH, 12 */
		'x', 'y', 'z', '!',
	};
	/* clang-format on */
	struct heap h = {NULL};
	struct ip_packet ip;
	ck_assert_int_eq(parse_ip(p, sizeof(p), &ip, &h), DIS_OK);
	ck_assert_uint_eq(ip.proto, 6);
	ck_assert_uint_eq(ip.payload_len, 4);
	ck_assert_ptr_eq(ip.payload, h.p + 76);
	ip_prefixes_truncated(p, 76);

	/* ESP and No Next Header end the chain. */
	static const uint8_t esp[] = {0x60, 0, 0, 0, 0, 4, 50, 64, V6_SRC, V6_DST, 0, 0, 1, 0};
	ck_assert_int_eq(parse_ip(esp, sizeof(esp), &ip, &h), DIS_OK);
	ck_assert_uint_eq(ip.proto, 50);
	ck_assert_uint_eq(ip.payload_len, 4);
	static const uint8_t none[] = {0x60, 0, 0, 0, 0, 8, 0, 64, V6_SRC, V6_DST, 59, 0, 1, 4, 0, 0, 0, 0};
	ck_assert_int_eq(parse_ip(none, sizeof(none), &ip, &h), DIS_OK);
	ck_assert_uint_eq(ip.proto, 59);
	ck_assert_uint_eq(ip.payload_len, 0);

	/* Snaplen inside the payload after the chain. */
	ck_assert_int_eq(parse_ip(p, 78, &ip, &h), DIS_OK);
	ck_assert(ip.truncated);
	ck_assert_uint_eq(ip.payload_len, 2);
	ck_assert_uint_eq(ip.payload_wire_len, 4);
	free(h.p);
}
END_TEST

START_TEST(ip_addr_text_small_buffer)
{
	struct ip_addr a = {6, {0x20, 0x01, 0x0d, 0xb8}};
	char buf[4];
	ck_assert_str_eq(ip_addr_text(&a, buf, sizeof(buf)), "?");
}
END_TEST

START_TEST(tcp_header)
{
	/* data offset 8: 12 bytes of options (MSS, NOP, NOP, SACK-permitted, ...) */
	/* clang-format off */
	static const uint8_t p[] = {
		0x01, 0xbb, 0xc0, 0x00, 0xff, 0xff, 0xff, 0xf0, 0, 0, 0, 0,
		0x80, 0x02, 0x72, 0x10, 0, 0, 0, 0,
		2, 4, 5, 0xb4, 1, 1, 4, 2, 1, 1, 1, 0,
		'S', 'Y', 'N',
	};
	/* clang-format on */
	struct heap h = {NULL};
	struct tcp_header th;
	const uint8_t *c = dup_bytes(&h, p, sizeof(p));
	ck_assert_int_eq(tcp_parse(c, sizeof(p), &th), DIS_OK);
	ck_assert_uint_eq(th.seq, 0xfffffff0u);
	ck_assert_uint_eq(th.flags, TCP_SYN);
	ck_assert_uint_eq(th.hdr_len, 32);
	ck_assert_uint_eq(th.payload_len, 3);
	ck_assert_ptr_eq(th.payload, c + 32);
	for (size_t n = 0; n < 32; n++) {
		c = dup_bytes(&h, p, n);
		ck_assert_int_eq(tcp_parse(c, n, &th), DIS_TRUNCATED);
	}
	/* Exactly the header: no payload. */
	c = dup_bytes(&h, p, 32);
	ck_assert_int_eq(tcp_parse(c, 32, &th), DIS_OK);
	ck_assert_uint_eq(th.payload_len, 0);

	uint8_t bad[sizeof(p)];
	memcpy(bad, p, sizeof(bad));
	bad[12] = 0x40; /* data offset 4 */
	c = dup_bytes(&h, bad, sizeof(bad));
	ck_assert_int_eq(tcp_parse(c, sizeof(bad), &th), DIS_INVALID);
	ck_assert(tcp_seq_lt(0xfffffff0u, 5));
	ck_assert(!tcp_seq_lt(5, 0xfffffff0u));
	ck_assert(tcp_seq_leq(7, 7));
	free(h.p);
}
END_TEST

SUITE_MAIN("ip", false,
	   CASE("core", 0, ipv4_basic, ipv4_options, ipv4_padding_and_snaplen, ipv4_invalid,
		ipv4_fragment_fields, ipv6_basic, ipv6_hbh_fragment, ipv6_atomic_fragment, ipv6_ext_chain,
		ip_addr_text_small_buffer, tcp_header))
