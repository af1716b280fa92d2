/* test_link.c - link-layer decoding for every supported link type, and
 * every truncation of each header. Inputs are copied into exact-size heap
 * buffers so the sanitizer build catches any read past the capture. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "link.h"
#include "support/suite_run.h"

static enum dis_status decode(int lt, const uint8_t *p, size_t n, struct link_info *li)
{
	uint8_t *copy = malloc(n ? n : 1);
	ck_assert_ptr_nonnull(copy);
	if (n)
		memcpy(copy, p, n);
	enum dis_status st = link_decode(lt, n ? copy : NULL, n, li);
	free(copy);
	return st;
}

/* Every prefix shorter than the header must be "truncated". */
static void all_prefixes_truncated(int lt, const uint8_t *p, size_t hdr_len)
{
	for (size_t n = 0; n < hdr_len; n++) {
		struct link_info li;
		ck_assert_msg(decode(lt, p, n, &li) == DIS_TRUNCATED, "linktype %d, %zu bytes", lt, n);
	}
}

#define MACS 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11

START_TEST(ethernet_ipv4)
{
	static const uint8_t f[] = {MACS, 0x08, 0x00, 0x45, 0x00};
	struct link_info li;
	ck_assert_int_eq(decode(LINKTYPE_ETHERNET, f, sizeof(f), &li), DIS_OK);
	ck_assert_uint_eq(li.ethertype, ETHERTYPE_IPV4);
	ck_assert_uint_eq(li.l3_offset, 14);
	ck_assert_int_eq(li.n_vlan, 0);
	/* The header alone is complete; what follows is IP's business. */
	ck_assert_int_eq(decode(LINKTYPE_ETHERNET, f, 14, &li), DIS_OK);
	all_prefixes_truncated(LINKTYPE_ETHERNET, f, 14);
}
END_TEST

/* An Ethernet frame with n_vlan recorded VLAN tags (IDs vid[0], vid[1])
 * before IP at l3_offset; every cut of that header is truncated. */
static void expect_tagged(const uint8_t *f, size_t n, uint16_t ethertype, size_t l3_offset, int n_vlan,
			  const uint16_t vid[2])
{
	struct link_info li;
	ck_assert_int_eq(decode(LINKTYPE_ETHERNET, f, n, &li), DIS_OK);
	ck_assert_uint_eq(li.ethertype, ethertype);
	ck_assert_uint_eq(li.l3_offset, l3_offset);
	ck_assert_int_eq(li.n_vlan, n_vlan);
	for (int i = 0; i < n_vlan; i++)
		ck_assert_uint_eq(li.vlan[i], vid[i]);
	all_prefixes_truncated(LINKTYPE_ETHERNET, f, l3_offset);
}

START_TEST(ethernet_vlan)
{
	/* PCP 1, VID 100 */
	static const uint8_t f[] = {MACS, 0x81, 0x00, 0x20, 0x64, 0x86, 0xdd, 0x60};
	expect_tagged(f, sizeof(f), ETHERTYPE_IPV6, 18, 1, (const uint16_t[2]){100});
}
END_TEST

START_TEST(ethernet_qinq)
{
	static const uint8_t f[] = {MACS, 0x88, 0xa8, 0x00, 0x0a, 0x81, 0x00, 0x00, 0x14, 0x08, 0x00, 0x45};
	expect_tagged(f, sizeof(f), ETHERTYPE_IPV4, 22, 2, (const uint16_t[2]){10, 20});
	/* Three tags (old 0x9100 outermost): the third is skipped unrecorded. */
	static const uint8_t g[] = {MACS, 0x91, 0x00, 0x0f, 0xff, 0x88, 0xa8, 0x00,
				    0x02, 0x81, 0x00, 0x00, 0x03, 0x08, 0x00, 0x45};
	expect_tagged(g, sizeof(g), ETHERTYPE_IPV4, 26, 2, (const uint16_t[2]){4095, 2});
}
END_TEST

START_TEST(ethernet_not_ip)
{
	static const uint8_t arp[] = {MACS, 0x08, 0x06, 0x00, 0x01};
	static const uint8_t llc[] = {MACS, 0x00, 0x26, 0x42, 0x42}; /* 802.3 length */
	struct link_info li;
	ck_assert_int_eq(decode(LINKTYPE_ETHERNET, arp, sizeof(arp), &li), DIS_UNSUPPORTED);
	ck_assert_uint_eq(li.ethertype, 0x0806);
	ck_assert_int_eq(decode(LINKTYPE_ETHERNET, llc, sizeof(llc), &li), DIS_UNSUPPORTED);
}
END_TEST

START_TEST(linux_sll)
{
	/* packet type, ARPHRD_ETHER, address length 6, 8 address bytes, protocol */
	uint8_t s[17] = {0x00, 0x00, 0x00, 0x01, 0x00, 0x06, 1, 2, 3, 4, 5, 6, 0, 0, 0x08, 0x00, 0x45};
	struct link_info li;
	ck_assert_int_eq(decode(LINKTYPE_LINUX_SLL, s, sizeof(s), &li), DIS_OK);
	ck_assert_uint_eq(li.ethertype, ETHERTYPE_IPV4);
	ck_assert_uint_eq(li.l3_offset, 16);
	all_prefixes_truncated(LINKTYPE_LINUX_SLL, s, 16);
	s[14] = 0x86;
	s[15] = 0xdd;
	ck_assert_int_eq(decode(LINKTYPE_LINUX_SLL, s, sizeof(s), &li), DIS_OK);
	ck_assert_uint_eq(li.ethertype, ETHERTYPE_IPV6);
	s[14] = 0x00; /* 0x0004: 802.2 LLC */
	s[15] = 0x04;
	ck_assert_int_eq(decode(LINKTYPE_LINUX_SLL, s, sizeof(s), &li), DIS_UNSUPPORTED);
}
END_TEST

START_TEST(linux_sll2)
{
	static const uint8_t s[21] = {0x86, 0xdd, 0, 0, 0, 0, 0, 2, 0, 1, 0, 6, 1, 2, 3, 4, 5, 6, 0, 0, 0x60};
	struct link_info li;
	ck_assert_int_eq(decode(LINKTYPE_LINUX_SLL2, s, sizeof(s), &li), DIS_OK);
	ck_assert_uint_eq(li.ethertype, ETHERTYPE_IPV6);
	ck_assert_uint_eq(li.l3_offset, 20);
	all_prefixes_truncated(LINKTYPE_LINUX_SLL2, s, 20);
}
END_TEST

START_TEST(bsd_null_both_orders)
{
	static const struct {
		uint8_t h[5];
		uint16_t ethertype;
	} cases[] = {
	    {{2, 0, 0, 0, 0x45}, ETHERTYPE_IPV4},  /* little-endian host */
	    {{0, 0, 0, 2, 0x45}, ETHERTYPE_IPV4},  /* big-endian host */
	    {{24, 0, 0, 0, 0x60}, ETHERTYPE_IPV6}, /* NetBSD/OpenBSD */
	    {{0, 0, 0, 28, 0x60}, ETHERTYPE_IPV6}, /* FreeBSD, BE */
	    {{30, 0, 0, 0, 0x60}, ETHERTYPE_IPV6}, /* Darwin */
	};
	struct link_info li;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert_int_eq(decode(LINKTYPE_NULL, cases[i].h, 5, &li), DIS_OK);
		ck_assert_uint_eq(li.ethertype, cases[i].ethertype);
		ck_assert_uint_eq(li.l3_offset, 4);
		all_prefixes_truncated(LINKTYPE_NULL, cases[i].h, 4);
	}
	static const uint8_t other[] = {7, 0, 0, 0, 0x45};
	ck_assert_int_eq(decode(LINKTYPE_NULL, other, sizeof(other), &li), DIS_UNSUPPORTED);
}
END_TEST

START_TEST(bsd_loop)
{
	static const uint8_t v4[] = {0, 0, 0, 2, 0x45};
	static const uint8_t v6[] = {0, 0, 0, 24, 0x60};
	static const uint8_t le[] = {2, 0, 0, 0, 0x45};
	struct link_info li;
	ck_assert_int_eq(decode(LINKTYPE_LOOP, v4, sizeof(v4), &li), DIS_OK);
	ck_assert_uint_eq(li.ethertype, ETHERTYPE_IPV4);
	ck_assert_uint_eq(li.l3_offset, 4);
	ck_assert_int_eq(decode(LINKTYPE_LOOP, v6, sizeof(v6), &li), DIS_OK);
	ck_assert_uint_eq(li.ethertype, ETHERTYPE_IPV6);
	/* LOOP is always network order. */
	ck_assert_int_eq(decode(LINKTYPE_LOOP, le, sizeof(le), &li), DIS_UNSUPPORTED);
	all_prefixes_truncated(LINKTYPE_LOOP, v4, 4);
}
END_TEST

START_TEST(raw_variants)
{
	static const int types[] = {LINKTYPE_RAW, DLT_RAW_ALT, DLT_RAW_ALT2, LINKTYPE_IPV4, LINKTYPE_IPV6};
	static const uint8_t v4[] = {0x45, 0x00}, v6[] = {0x60, 0x00}, junk[] = {0x15};
	struct link_info li;
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		ck_assert(link_type_supported(types[i]));
		ck_assert_int_eq(decode(types[i], v4, sizeof(v4), &li), DIS_OK);
		ck_assert_uint_eq(li.ethertype, ETHERTYPE_IPV4);
		ck_assert_uint_eq(li.l3_offset, 0);
		ck_assert_int_eq(decode(types[i], v6, sizeof(v6), &li), DIS_OK);
		ck_assert_uint_eq(li.ethertype, ETHERTYPE_IPV6);
		ck_assert_int_eq(decode(types[i], junk, sizeof(junk), &li), DIS_UNSUPPORTED);
		ck_assert_int_eq(decode(types[i], v4, 0, &li), DIS_TRUNCATED);
	}
}
END_TEST

START_TEST(names_and_support)
{
	ck_assert_str_eq(link_type_name(LINKTYPE_ETHERNET), "EN10MB");
	ck_assert_str_eq(link_type_name(LINKTYPE_NULL), "NULL");
	ck_assert_str_eq(link_type_name(LINKTYPE_RAW), "RAW");
	ck_assert_str_eq(link_type_name(LINKTYPE_LOOP), "LOOP");
	ck_assert_str_eq(link_type_name(LINKTYPE_LINUX_SLL), "LINUX_SLL");
	ck_assert_str_eq(link_type_name(LINKTYPE_LINUX_SLL2), "LINUX_SLL2");
	ck_assert_str_eq(link_type_name(LINKTYPE_IPV4), "IPV4");
	ck_assert_str_eq(link_type_name(LINKTYPE_IPV6), "IPV6");
	ck_assert_str_eq(link_type_name(105), "IEEE802_11");
	ck_assert_str_eq(link_type_name(-1), "unknown");
	ck_assert_str_eq(link_type_name(99999), "unknown");
	ck_assert(!link_type_supported(105));
	ck_assert(!link_type_supported(-1));

	static const uint8_t f[] = {0x45};
	struct link_info li;
	ck_assert_int_eq(decode(105, f, sizeof(f), &li), DIS_UNSUPPORTED);
}
END_TEST

SUITE_MAIN("link", false,
	   CASE("core", 0, ethernet_ipv4, ethernet_vlan, ethernet_qinq, ethernet_not_ip, linux_sll,
		linux_sll2, bsd_null_both_orders, bsd_loop, raw_variants, names_and_support))
