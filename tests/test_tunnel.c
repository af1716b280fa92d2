/* test_tunnel.c - each decapsulator (dissectors/tunnel_*.c) on small
 * byte arrays built from its specification: the header lengths each flag
 * adds, every truncation of a header, lengths that contradict the packet,
 * and what is not the tunnel after all; then the chain (tunnel_decap.c):
 * nesting, the depth limit, and what is left when a tunnel is not one.
 * Inputs are copied into exact-size heap buffers so the sanitizer build
 * catches any read past them. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "link.h"
#include "support/suite_run.h"
#include "tunnel.h"

typedef enum dis_status (*decoder)(const uint8_t *, size_t, struct tunnel_next *);

static enum dis_status run(decoder fn, const uint8_t *p, size_t n, struct tunnel_next *nx)
{
	uint8_t *copy = malloc(n ? n : 1);
	ck_assert_ptr_nonnull(copy);
	if (n)
		memcpy(copy, p, n);
	memset(nx, 0xAA, sizeof *nx);
	struct tunnel_next before = *nx;
	enum dis_status st = fn(n ? copy : NULL, n, nx);
	free(copy);
	if (st != DIS_OK)
		ck_assert_msg(memcmp(nx, &before, sizeof before) == 0, "output touched on failure");
	else
		ck_assert_msg(nx->offset <= n && nx->len <= n - nx->offset, "inner view outside the input");
	return st;
}

/* Every prefix shorter than hdr_len is "truncated". */
static void prefixes_truncated(decoder fn, const uint8_t *p, size_t hdr_len)
{
	struct tunnel_next nx;
	for (size_t n = 0; n < hdr_len; n++)
		ck_assert_msg(run(fn, p, n, &nx) == DIS_TRUNCATED, "%zu of %zu bytes", n, hdr_len);
}

static void expect_next(decoder fn, const uint8_t *p, size_t n, uint16_t proto, size_t offset, size_t len)
{
	struct tunnel_next nx;
	ck_assert_int_eq(run(fn, p, n, &nx), DIS_OK);
	ck_assert_uint_eq(nx.proto, proto);
	ck_assert_uint_eq(nx.offset, offset);
	ck_assert_uint_eq(nx.len, len);
}

static void expect_status(decoder fn, const uint8_t *p, size_t n, enum dis_status want)
{
	struct tunnel_next nx;
	enum dis_status got = run(fn, p, n, &nx);
	ck_assert_msg(got == want, "%zu bytes: status %d, expected %d", n, got, want);
}

/* The n bytes at p with byte i set to v give the status want. */
static void expect_patched(decoder fn, const uint8_t *p, size_t n, size_t i, uint8_t v, enum dis_status want)
{
	uint8_t b[64];
	ck_assert_uint_le(n, sizeof b);
	ck_assert_uint_lt(i, n);
	memcpy(b, p, n);
	b[i] = v;
	struct tunnel_next nx;
	enum dis_status got = run(fn, b, n, &nx);
	ck_assert_msg(got == want, "byte %zu set to 0x%02x: status %d, expected %d", i, v, got, want);
}

/* ---- VXLAN ---- */

START_TEST(vxlan)
{
	static const uint8_t h[] = {0x08, 0, 0, 0, 0x00, 0x00, 0x2a, 0x00, 0xEE, 0xEE};
	expect_next(tunnel_vxlan_decode, h, sizeof h, ETHERTYPE_TEB, 8, 2);
	prefixes_truncated(tunnel_vxlan_decode, h, 8);
	/* Reserved bits set are ignored; without I it is not VXLAN. */
	uint8_t r[sizeof h];
	memcpy(r, h, sizeof h);
	r[0] = 0xFF;
	expect_next(tunnel_vxlan_decode, r, sizeof r, ETHERTYPE_TEB, 8, 2);
	expect_patched(tunnel_vxlan_decode, h, sizeof h, 0, 0x00, DIS_UNSUPPORTED);
}
END_TEST

/* ---- GENEVE ---- */

START_TEST(geneve)
{
	/* Opt Len 2: one option of 8 bytes; protocol Ethernet. */
	static const uint8_t h[] = {0x02, 0x00, 0x65, 0x58, 0,	  0,	0x2a, 0,   0x01,
				    0x02, 0x80, 0x01, 0xde, 0xad, 0xbe, 0xef, 0xEE};
	expect_next(tunnel_geneve_decode, h, sizeof h, ETHERTYPE_TEB, 16, 1);
	prefixes_truncated(tunnel_geneve_decode, h, 16);
	/* No options, IPv4 inside. */
	static const uint8_t v4[] = {0x00, 0x00, 0x08, 0x00, 0, 0, 1, 0, 0x45};
	expect_next(tunnel_geneve_decode, v4, sizeof v4, ETHERTYPE_IPV4, 8, 1);
	/* Version 1 is not ours. */
	expect_patched(tunnel_geneve_decode, v4, sizeof v4, 0, 0x40, DIS_UNSUPPORTED);
	/* The largest option length, 252 bytes, more than there is. */
	expect_patched(tunnel_geneve_decode, v4, sizeof v4, 0, 0x3f, DIS_TRUNCATED);
}
END_TEST

/* ---- GRE ---- */

START_TEST(gre)
{
	static const uint8_t plain[] = {0x00, 0x00, 0x08, 0x00, 0x45};
	expect_next(tunnel_gre_decode, plain, sizeof plain, ETHERTYPE_IPV4, 4, 1);
	prefixes_truncated(tunnel_gre_decode, plain, 4);
	/* Checksum, key and sequence number: 12 more bytes. */
	static const uint8_t cks[] = {0xb0, 0x00, 0x86, 0xdd, 0x12, 0x34, 0, 0,	  0,
				      0,    0,	  0x2a, 0,    0,    0,	  7, 0x60};
	expect_next(tunnel_gre_decode, cks, sizeof cks, ETHERTYPE_IPV6, 16, 1);
	prefixes_truncated(tunnel_gre_decode, cks, 16);
	/* Key only. */
	static const uint8_t k[] = {0x20, 0x00, 0x65, 0x58, 0, 0, 0, 1};
	expect_next(tunnel_gre_decode, k, sizeof k, ETHERTYPE_TEB, 8, 0);
	/* ERSPAN: type II has a sequence number, type I none; type III. */
	static const uint8_t e2[] = {0x10, 0x00, 0x88, 0xbe, 0, 0, 0, 1};
	expect_next(tunnel_gre_decode, e2, sizeof e2, ETHERTYPE_ERSPAN_II, 8, 0);
	static const uint8_t e1[] = {0x00, 0x00, 0x88, 0xbe};
	expect_next(tunnel_gre_decode, e1, sizeof e1, TUNNEL_NEXT_ERSPAN_I, 4, 0);
	static const uint8_t e3[] = {0x10, 0x00, 0x22, 0xeb, 0, 0, 0, 1};
	expect_next(tunnel_gre_decode, e3, sizeof e3, ETHERTYPE_ERSPAN_III, 8, 0);
	/* Version 1 (PPTP) and RFC 1701 routing are not followed. */
	static const uint8_t v1[] = {0x30, 0x01, 0x88, 0x0b, 0, 0, 0, 0, 0, 0, 0, 0};
	expect_status(tunnel_gre_decode, v1, sizeof v1, DIS_UNSUPPORTED);
	static const uint8_t routing[] = {0x40, 0x00, 0x08, 0x00, 0, 0, 0, 0};
	expect_status(tunnel_gre_decode, routing, sizeof routing, DIS_UNSUPPORTED);
}
END_TEST

/* ---- ERSPAN ---- */

static enum dis_status erspan2(const uint8_t *p, size_t n, struct tunnel_next *nx)
{
	return tunnel_erspan_decode(ETHERTYPE_ERSPAN_II, p, n, nx);
}

static enum dis_status erspan3(const uint8_t *p, size_t n, struct tunnel_next *nx)
{
	return tunnel_erspan_decode(ETHERTYPE_ERSPAN_III, p, n, nx);
}

static enum dis_status erspan1(const uint8_t *p, size_t n, struct tunnel_next *nx)
{
	return tunnel_erspan_decode(TUNNEL_NEXT_ERSPAN_I, p, n, nx);
}

START_TEST(erspan)
{
	/* Type I: the frame at once, nothing to be short of. */
	static const uint8_t eth[] = {1, 2, 3};
	expect_next(erspan1, eth, sizeof eth, ETHERTYPE_TEB, 0, 3);
	/* Type II: version 1, session 7. */
	static const uint8_t h2[] = {0x10, 0x00, 0x00, 0x07, 0, 0, 0, 0, 0xEE};
	expect_next(erspan2, h2, sizeof h2, ETHERTYPE_TEB, 8, 1);
	prefixes_truncated(erspan2, h2, 8);
	expect_patched(erspan2, h2, sizeof h2, 0, 0x20, DIS_UNSUPPORTED);
	/* Type III: version 2; O clear, then O set with the 8-byte
	 * subheader; FT 2 is IP, FT 1 is not followed. */
	uint8_t h3[] = {0x20, 0x00, 0x00, 0x07, 0, 1, 0xe2, 0x40, 0x00, 0x00, 0x00,
			0x10, 0x18, 0,	  0,	0, 0, 0,    0,	  0,	0xEE};
	expect_next(erspan3, h3, 13, ETHERTYPE_TEB, 12, 1);
	h3[11] |= 1;
	expect_next(erspan3, h3, sizeof h3, ETHERTYPE_TEB, 20, 1);
	prefixes_truncated(erspan3, h3, 20);
	h3[10] = 2 << 2; /* FT 2 */
	expect_next(erspan3, h3, sizeof h3, TUNNEL_NEXT_IP, 20, 1);
	expect_patched(erspan3, h3, sizeof h3, 10, 1 << 2, DIS_UNSUPPORTED); /* FT 1 */
	h3[10] = 0;
	expect_patched(erspan3, h3, sizeof h3, 0, 0x10, DIS_UNSUPPORTED);
}
END_TEST

/* ---- GTP-U ---- */

START_TEST(gtpu)
{
	/* No optional fields: Length counts the 3-byte T-PDU; one byte of
	 * padding after it is not inner. */
	static const uint8_t plain[] = {0x30, 0xff, 0x00, 0x03, 0, 0, 0x10, 0, 0x45, 0x00, 0x00, 0xEE};
	expect_next(tunnel_gtpu_decode, plain, sizeof plain, TUNNEL_NEXT_IP, 8, 3);
	prefixes_truncated(tunnel_gtpu_decode, plain, 8);
	/* A snap length that ends the T-PDU early: the captured part. */
	expect_next(tunnel_gtpu_decode, plain, 10, TUNNEL_NEXT_IP, 8, 2);
	/* S set: the 4 optional bytes, counted by Length. */
	static const uint8_t seq[] = {0x32, 0xff, 0x00, 0x05, 0, 0, 0, 1, 0, 9, 0, 0, 0x60};
	expect_next(tunnel_gtpu_decode, seq, sizeof seq, TUNNEL_NEXT_IP, 12, 1);
	prefixes_truncated(tunnel_gtpu_decode, seq, 12);
	/* E set: two extension headers (PDU session container of 4 bytes,
	 * then one of 8), then the T-PDU. */
	static const uint8_t ext[] = {0x34, 0xff, 0x00, 0x11, 0, 0, 0, 1, 0, 0, 0, 0x85, 1,
				      0x00, 0x09, 0x40, 2,    1, 2, 3, 4, 5, 6, 0, 0x45};
	expect_next(tunnel_gtpu_decode, ext, sizeof ext, TUNNEL_NEXT_IP, 24, 1);
	prefixes_truncated(tunnel_gtpu_decode, ext, 24);
	/* An extension header of length 0 would never end; one running past
	 * Length. */
	expect_patched(tunnel_gtpu_decode, ext, sizeof ext, 16, 0, DIS_INVALID);
	expect_patched(tunnel_gtpu_decode, ext, sizeof ext, 16, 200, DIS_INVALID);
	/* Length too small for the optional fields. */
	expect_patched(tunnel_gtpu_decode, seq, sizeof seq, 3, 2, DIS_INVALID);
	/* Echo request, version 0, GTP' (PT 0): not user data. */
	expect_patched(tunnel_gtpu_decode, plain, sizeof plain, 1, 1, DIS_UNSUPPORTED);
	expect_patched(tunnel_gtpu_decode, plain, sizeof plain, 0, 0x10, DIS_UNSUPPORTED);
	expect_patched(tunnel_gtpu_decode, plain, sizeof plain, 0, 0x20, DIS_UNSUPPORTED);
}
END_TEST

/* ---- MPLS ---- */

START_TEST(mpls)
{
	/* Two labels, IPv4 after the bottom one. */
	static const uint8_t v4[] = {0x00, 0x06, 0x40, 0x40, 0x00, 0x0c, 0x81, 0x40, 0x45, 0x00};
	expect_next(tunnel_mpls_decode, v4, sizeof v4, TUNNEL_NEXT_IP, 8, 2);
	prefixes_truncated(tunnel_mpls_decode, v4, 9);
	static const uint8_t v6[] = {0x00, 0x00, 0x21, 0x40, 0x60};
	expect_next(tunnel_mpls_decode, v6, sizeof v6, TUNNEL_NEXT_IP, 4, 1);
	/* A control word, then Ethernet. */
	static const uint8_t pw[] = {0x00, 0x12, 0xc1, 0x40, 0x00, 0x00, 0x00, 0x00, 0x02};
	expect_next(tunnel_mpls_decode, pw, sizeof pw, ETHERTYPE_TEB, 8, 1);
	prefixes_truncated(tunnel_mpls_decode, pw, 8);
	/* The associated channel (nibble 1), and a guess we do not make. */
	static const uint8_t gach[] = {0x00, 0x00, 0x01, 0x40, 0x10, 0, 0, 0};
	expect_status(tunnel_mpls_decode, gach, sizeof gach, DIS_UNSUPPORTED);
	static const uint8_t other[] = {0x00, 0x00, 0x01, 0x40, 0xa0};
	expect_status(tunnel_mpls_decode, other, sizeof other, DIS_UNSUPPORTED);
	/* A stack that never reaches its bottom ends with the input. */
	uint8_t endless[400];
	memset(endless, 0, sizeof endless);
	expect_status(tunnel_mpls_decode, endless, sizeof endless, DIS_TRUNCATED);
}
END_TEST

/* ---- PPPoE ---- */

START_TEST(pppoe)
{
	/* Session 0x1234, 3 bytes of PPP: protocol IPv4 and one byte; a
	 * byte of Ethernet padding after it. */
	static const uint8_t v4[] = {0x11, 0x00, 0x12, 0x34, 0x00, 0x03, 0x00, 0x21, 0x45, 0xEE};
	expect_next(tunnel_pppoe_decode, v4, sizeof v4, ETHERTYPE_IPV4, 8, 1);
	prefixes_truncated(tunnel_pppoe_decode, v4, 8);
	static const uint8_t v6[] = {0x11, 0x00, 0x12, 0x34, 0x00, 0x03, 0x00, 0x57, 0x60};
	expect_next(tunnel_pppoe_decode, v6, sizeof v6, ETHERTYPE_IPV6, 8, 1);
	/* A compressed protocol field (one odd byte). */
	static const uint8_t pfc[] = {0x11, 0x00, 0x12, 0x34, 0x00, 0x02, 0x21, 0x45};
	expect_next(tunnel_pppoe_decode, pfc, sizeof pfc, ETHERTYPE_IPV4, 7, 1);
	/* LCP, a discovery code, another version; a length without room for
	 * the protocol. */
	expect_patched(tunnel_pppoe_decode, v4, sizeof v4, 6, 0xc0, DIS_UNSUPPORTED);
	expect_patched(tunnel_pppoe_decode, v4, sizeof v4, 1, 0x09, DIS_UNSUPPORTED);
	expect_patched(tunnel_pppoe_decode, v4, sizeof v4, 0, 0x21, DIS_UNSUPPORTED);
	expect_patched(tunnel_pppoe_decode, v4, sizeof v4, 5, 1, DIS_INVALID);
}
END_TEST

/* ---- the chain ---- */

struct pkt {
	uint8_t b[2048];
	size_t n;
};

static void put(struct pkt *p, const void *d, size_t n)
{
	ck_assert_uint_le(p->n + n, sizeof p->b);
	memcpy(p->b + p->n, d, n);
	p->n += n;
}

/* Prepends: packets are built from the inside out. */
static void wrap(struct pkt *p, const void *hdr, size_t n)
{
	ck_assert_uint_le(p->n + n, sizeof p->b);
	memmove(p->b + n, p->b, p->n);
	memcpy(p->b, hdr, n);
	p->n += n;
}

static void wrap_ipv4(struct pkt *p, uint8_t proto, uint8_t last_octet)
{
	size_t total = p->n + 20;
	uint8_t h[20] = {0x45,
			 0,
			 (uint8_t)(total >> 8),
			 (uint8_t)total,
			 0,
			 1,
			 0x40,
			 0,
			 64,
			 proto,
			 0,
			 0,
			 10,
			 0,
			 0,
			 last_octet,
			 10,
			 0,
			 0,
			 (uint8_t)(last_octet + 1)};
	wrap(p, h, sizeof h);
}

static void wrap_udp(struct pkt *p, uint16_t dport)
{
	size_t len = p->n + 8;
	uint8_t h[8] = {0xc0, 0x00, (uint8_t)(dport >> 8), (uint8_t)dport, (uint8_t)(len >> 8), (uint8_t)len,
			0,    0};
	wrap(p, h, sizeof h);
}

static void wrap_eth(struct pkt *p, uint16_t type)
{
	uint8_t h[14] = {2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, (uint8_t)(type >> 8), (uint8_t)type};
	wrap(p, h, sizeof h);
}

/* A TCP SYN from 192.0.2.1:1234 to 192.0.2.2:443 in IPv4. */
static void tcp_syn(struct pkt *p)
{
	static const uint8_t syn[] = {0x45, 0, 0,   40, 0,    1,    0x40, 0,	63,   6,    0, 0, 192, 0,
				      2,    1, 192, 0,	2,    2,    0x04, 0xd2, 0x01, 0xbb, 0, 0, 0,   1,
				      0,    0, 0,   0,	0x50, 0x02, 0x20, 0,	0,    0,    0, 0};
	p->n = 0;
	put(p, syn, sizeof syn);
}

static enum dis_status decap(int lt, const struct pkt *p, struct decap *d)
{
	uint8_t *copy = malloc(p->n);
	ck_assert_ptr_nonnull(copy);
	memcpy(copy, p->b, p->n);
	enum dis_status st = decap_frame(lt, copy, p->n, d);
	if (st == DIS_OK && d->ip.payload_len)
		ck_assert(d->ip.payload >= copy && d->ip.payload + d->ip.payload_len <= copy + p->n);
	free(copy);
	return st;
}

static void expect_inner_syn(const struct decap *d)
{
	static const uint8_t src[4] = {192, 0, 2, 1};
	ck_assert_uint_eq(d->ip.proto, 6);
	ck_assert_uint_eq(d->ip.ttl, 63);
	ck_assert_int_eq(memcmp(d->ip.src.a, src, 4), 0);
	ck_assert_uint_eq(d->ip.payload_len, 20);
}

START_TEST(chain_vxlan_in_gre_in_mpls)
{
	struct pkt p;
	struct decap d;
	tcp_syn(&p);
	wrap_eth(&p, ETHERTYPE_IPV4);
	static const uint8_t vx[] = {0x08, 0, 0, 0, 0, 0, 1, 0};
	wrap(&p, vx, sizeof vx);
	wrap_udp(&p, UDP_PORT_VXLAN);
	wrap_ipv4(&p, 17, 1);
	static const uint8_t gre_k[] = {0x20, 0x00, 0x08, 0x00, 0, 0, 0, 7};
	wrap(&p, gre_k, sizeof gre_k);
	wrap_ipv4(&p, 47, 3);
	static const uint8_t label[] = {0x00, 0x06, 0x41, 0x40};
	wrap(&p, label, sizeof label);
	wrap_eth(&p, ETHERTYPE_MPLS);
	ck_assert_int_eq(decap(LINKTYPE_ETHERNET, &p, &d), DIS_OK);
	expect_inner_syn(&d);
	ck_assert_int_eq(d.depth, 3);
	ck_assert_uint_eq(d.seen, (1u << TUNNEL_MPLS) | (1u << TUNNEL_GRE) | (1u << TUNNEL_VXLAN));
	/* Any cut inside the headers is short or broken, never a packet. */
	for (size_t n = 0; n < p.n - 20; n++) {
		struct pkt c = p;
		c.n = n;
		enum dis_status st = decap(LINKTYPE_ETHERNET, &c, &d);
		ck_assert_msg(st != DIS_OK || d.ip.proto != 6, "cut at %zu gave the inner TCP", n);
	}
}
END_TEST

START_TEST(chain_depth_limit)
{
	struct pkt p;
	struct decap d;
	/* IPv4 in IPv4, DECAP_MAX_DEPTH times: opened. */
	tcp_syn(&p);
	for (int i = 0; i < DECAP_MAX_DEPTH; i++)
		wrap_ipv4(&p, 4, (uint8_t)(10 + 2 * i));
	ck_assert_int_eq(decap(LINKTYPE_RAW, &p, &d), DIS_OK);
	expect_inner_syn(&d);
	ck_assert_int_eq(d.depth, DECAP_MAX_DEPTH);
	ck_assert(!d.too_deep);
	/* Once more: refused. */
	wrap_ipv4(&p, 4, 99);
	ck_assert_int_eq(decap(LINKTYPE_RAW, &p, &d), DIS_INVALID);
	ck_assert(d.too_deep);
	ck_assert_int_eq(d.depth, DECAP_MAX_DEPTH);
	/* A mix of kinds counts the same way: GRE and MPLS alternating. */
	tcp_syn(&p);
	static const uint8_t label[] = {0x00, 0x00, 0x01, 0x40};
	static const uint8_t gre_mpls[] = {0x00, 0x00, 0x88, 0x47};
	for (int i = 0; i < 5; i++) {
		wrap(&p, label, sizeof label);
		wrap(&p, gre_mpls, sizeof gre_mpls);
		wrap_ipv4(&p, 47, 1);
	}
	ck_assert_int_eq(decap(LINKTYPE_RAW, &p, &d), DIS_INVALID);
	ck_assert(d.too_deep);
}
END_TEST

START_TEST(chain_not_a_tunnel)
{
	struct pkt p;
	struct decap d;
	/* UDP to another port, and to 4789 without VXLAN's I flag: the
	 * outer packet is the innermost. */
	static const uint8_t data[] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3};
	p.n = 0;
	put(&p, data, sizeof data);
	wrap_udp(&p, 53);
	wrap_ipv4(&p, 17, 1);
	ck_assert_int_eq(decap(LINKTYPE_RAW, &p, &d), DIS_OK);
	ck_assert_uint_eq(d.ip.proto, 17);
	ck_assert_uint_eq(d.seen, 0);
	p.n = 0;
	put(&p, data, sizeof data);
	wrap_udp(&p, UDP_PORT_VXLAN);
	wrap_ipv4(&p, 17, 1);
	ck_assert_int_eq(decap(LINKTYPE_RAW, &p, &d), DIS_OK);
	ck_assert_uint_eq(d.ip.proto, 17);
	ck_assert_int_eq(d.depth, 0);
	/* A UDP length below its own header. */
	p.b[20 + 4] = 0;
	p.b[20 + 5] = 4;
	ck_assert_int_eq(decap(LINKTYPE_RAW, &p, &d), DIS_INVALID);
	/* VXLAN carrying ARP: not IP. */
	static const uint8_t arp[28] = {0, 1, 8, 0, 6, 4, 0, 1};
	p.n = 0;
	put(&p, arp, sizeof arp);
	wrap_eth(&p, 0x0806);
	static const uint8_t vx[] = {0x08, 0, 0, 0, 0, 0, 1, 0};
	wrap(&p, vx, sizeof vx);
	wrap_udp(&p, UDP_PORT_VXLAN);
	wrap_ipv4(&p, 17, 1);
	ck_assert_int_eq(decap(LINKTYPE_RAW, &p, &d), DIS_UNSUPPORTED);
	ck_assert_uint_eq(d.seen, 1u << TUNNEL_VXLAN);
	/* IP protocol 4 with IPv6 inside contradicts itself. */
	static const uint8_t v6[40] = {0x60, 0, 0, 0, 0, 0, 59, 64}; /* no next header */
	p.n = 0;
	put(&p, v6, sizeof v6);
	wrap_ipv4(&p, 4, 1);
	ck_assert_int_eq(decap(LINKTYPE_RAW, &p, &d), DIS_INVALID);
	/* ... while protocol 41 takes it. */
	p.b[9] = 41;
	ck_assert_int_eq(decap(LINKTYPE_RAW, &p, &d), DIS_OK);
	ck_assert_uint_eq(d.ip.src.family, 6);
	ck_assert_uint_eq(d.seen, 1u << TUNNEL_IP6IP);
}
END_TEST

START_TEST(chain_link_types_and_reassembled)
{
	struct pkt p;
	struct decap d;
	/* PPPoE behind a VLAN tag. */
	tcp_syn(&p);
	static const uint8_t ppp[] = {0x11, 0x00, 0x00, 0x01, 0x00, 42, 0x00, 0x21};
	wrap(&p, ppp, sizeof ppp);
	static const uint8_t tag[] = {0x00, 0x64, 0x88, 0x64};
	wrap(&p, tag, sizeof tag);
	wrap_eth(&p, 0x8100);
	ck_assert_int_eq(decap(LINKTYPE_ETHERNET, &p, &d), DIS_OK);
	expect_inner_syn(&d);
	ck_assert_uint_eq(d.seen, 1u << TUNNEL_PPPOE);
	/* MPLS on Linux cooked capture (SLL): protocol at bytes 14-15. */
	tcp_syn(&p);
	static const uint8_t label[] = {0x00, 0x00, 0x01, 0x40};
	wrap(&p, label, sizeof label);
	uint8_t sll[16] = {0};
	sll[14] = 0x88;
	sll[15] = 0x47;
	wrap(&p, sll, sizeof sll);
	ck_assert_int_eq(decap(LINKTYPE_LINUX_SLL, &p, &d), DIS_OK);
	expect_inner_syn(&d);
	/* A reassembled GRE datagram: opened by decap_ip_payload. */
	tcp_syn(&p);
	static const uint8_t gre_ip[] = {0x00, 0x00, 0x08, 0x00};
	wrap(&p, gre_ip, sizeof gre_ip);
	memset(&d, 0, sizeof d);
	d.ip.proto = 47;
	d.depth = 2;
	ck_assert_int_eq(decap_ip_payload(&d, p.b, p.n), DIS_OK);
	expect_inner_syn(&d);
	ck_assert_int_eq(d.depth, 3);
	ck_assert_uint_eq(d.seen, 1u << TUNNEL_GRE);
	/* ... and a plain UDP one is left as it is. */
	memset(&d, 0, sizeof d);
	d.ip.proto = 17;
	ck_assert_int_eq(decap_ip_payload(&d, p.b, p.n), DIS_OK);
	ck_assert_int_eq(d.depth, 0);
	/* Names for the summary. */
	ck_assert_str_eq(tunnel_type_name(TUNNEL_GTPU), "gtpu");
	ck_assert_str_eq(tunnel_type_label(TUNNEL_IP6IP), "IPv6-in-IP");
	ck_assert_str_eq(tunnel_type_name(TUNNEL_TYPES), "unknown");
}
END_TEST

SUITE_MAIN("tunnel", false, CASE("decoders", 0, vxlan, geneve, gre, erspan, gtpu, mpls, pppoe),
	   CASE("chain", 0, chain_vxlan_in_gre_in_mpls, chain_depth_limit, chain_not_a_tunnel,
		chain_link_types_and_reassembled))
