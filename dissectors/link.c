/* link.c - link-layer headers down to the start of IPv4/IPv6.
 *
 * Only the fields needed to find the network layer are read. Every read
 * goes through struct rd, so a short capture yields DIS_TRUNCATED. */
#include "link.h"

#include "rd.h"

#define ETHERTYPE_8021Q 0x8100
#define ETHERTYPE_8021AD 0x88a8 /* QinQ service tag */
#define ETHERTYPE_QINQ_OLD 0x9100

/* BSD address families as they appear in NULL/LOOP headers. AF_INET6
 * differs between the BSDs (24 NetBSD/OpenBSD, 28 FreeBSD, 30 Darwin). */
#define BSD_AF_INET 2
#define BSD_AF_INET6_BSD 24
#define BSD_AF_INET6_FREEBSD 28
#define BSD_AF_INET6_DARWIN 30

#define SLL_HDR_LEN 16
#define SLL_PROTO_OFF 14
#define SLL2_HDR_LEN 20

struct link_name {
	int type;
	const char *name;
};

/* pcap_datalink_val_to_name() spellings for the types a user is likely to
 * meet; anything else is reported generically. */
static const struct link_name link_names[] = {
    {0, "NULL"},
    {1, "EN10MB"},
    {6, "IEEE802"},
    {9, "PPP"},
    {10, "FDDI"},
    {DLT_RAW_ALT, "RAW"},
    {DLT_RAW_ALT2, "RAW"},
    {50, "PPP_SERIAL"},
    {51, "PPP_ETHER"},
    {101, "RAW"},
    {104, "C_HDLC"},
    {105, "IEEE802_11"},
    {108, "LOOP"},
    {113, "LINUX_SLL"},
    {119, "PRISM_HEADER"},
    {127, "IEEE802_11_RADIO"},
    {163, "IEEE802_11_RADIO_AVS"},
    {189, "USB_LINUX"},
    {192, "PPI"},
    {197, "ERF"},
    {220, "USB_LINUX_MMAPPED"},
    {228, "IPV4"},
    {229, "IPV6"},
    {239, "NFLOG"},
    {249, "USBPCAP"},
    {276, "LINUX_SLL2"},
};

const char *link_type_name(int linktype)
{
	for (size_t i = 0; i < sizeof(link_names) / sizeof(link_names[0]); i++)
		if (link_names[i].type == linktype)
			return link_names[i].name;
	return "unknown";
}

bool link_type_supported(int linktype)
{
	switch (linktype) {
	case LINKTYPE_NULL:
	case LINKTYPE_ETHERNET:
	case LINKTYPE_RAW:
	case DLT_RAW_ALT:
	case DLT_RAW_ALT2:
	case LINKTYPE_LOOP:
	case LINKTYPE_LINUX_SLL:
	case LINKTYPE_IPV4:
	case LINKTYPE_IPV6:
	case LINKTYPE_LINUX_SLL2:
		return true;
	default:
		return false;
	}
}

static bool is_vlan_tpid(uint16_t t)
{
	return t == ETHERTYPE_8021Q || t == ETHERTYPE_8021AD || t == ETHERTYPE_QINQ_OLD;
}

static enum dis_status finish(struct rd *r, const struct rd *start, uint16_t ethertype, struct link_info *out)
{
	out->ethertype = ethertype;
	out->l3_offset = (size_t)(r->p - start->p);
	if (ethertype != ETHERTYPE_IPV4 && ethertype != ETHERTYPE_IPV6)
		return DIS_UNSUPPORTED;
	return DIS_OK;
}

/* Skips any 802.1Q/802.1ad tags in front of `*type`, keeping the first two
 * VLAN ids (outermost first); deeper tags are skipped unrecorded. Each tag
 * consumes four bytes, so the loop ends with the input. */
static int skip_vlan_tags(struct rd *r, uint16_t *type, struct link_info *out)
{
	while (is_vlan_tpid(*type)) {
		uint16_t tci, inner;
		if (rd_u16(r, &tci) || rd_u16(r, &inner))
			return -1;
		if (out->n_vlan < 2)
			out->vlan[out->n_vlan++] = tci & 0x0fff;
		*type = inner;
	}
	return 0;
}

static enum dis_status decode_ethernet(struct rd *r, const struct rd *start, struct link_info *out)
{
	uint16_t type;
	if (rd_skip(r, 12) || rd_u16(r, &type))
		return DIS_TRUNCATED;
	if (skip_vlan_tags(r, &type, out))
		return DIS_TRUNCATED;
	/* Values up to 1500 are 802.3 lengths (LLC frames): never IP here. */
	return finish(r, start, type, out);
}

static enum dis_status decode_sll(struct rd *r, const struct rd *start, struct link_info *out)
{
	uint16_t type;
	if (rd_skip(r, SLL_PROTO_OFF) || rd_u16(r, &type))
		return DIS_TRUNCATED;
	/* The kernel normally strips VLAN tags, but not on every driver. */
	if (skip_vlan_tags(r, &type, out))
		return DIS_TRUNCATED;
	return finish(r, start, type, out);
}

static enum dis_status decode_sll2(struct rd *r, const struct rd *start, struct link_info *out)
{
	uint16_t type;
	if (rd_u16(r, &type) || rd_skip(r, SLL2_HDR_LEN - 2))
		return DIS_TRUNCATED;
	if (skip_vlan_tags(r, &type, out))
		return DIS_TRUNCATED;
	return finish(r, start, type, out);
}

static uint16_t bsd_family_to_ethertype(uint32_t fam)
{
	switch (fam) {
	case BSD_AF_INET:
		return ETHERTYPE_IPV4;
	case BSD_AF_INET6_BSD:
	case BSD_AF_INET6_FREEBSD:
	case BSD_AF_INET6_DARWIN:
		return ETHERTYPE_IPV6;
	default:
		return 0;
	}
}

static enum dis_status decode_null_loop(struct rd *r, const struct rd *start, bool loop,
					struct link_info *out)
{
	struct rd be = *r;
	uint32_t fam_le, fam_be;
	uint16_t type;

	if (rd_u32(&be, &fam_be) || rd_u32le(r, &fam_le))
		return DIS_TRUNCATED;
	type = bsd_family_to_ethertype(fam_be);
	/* NULL is in the byte order of the capturing host, which the file
	 * does not record: the small family values cannot be confused. */
	if (!loop && type == 0)
		type = bsd_family_to_ethertype(fam_le);
	return finish(r, start, type, out);
}

static enum dis_status decode_raw(struct rd *r, const struct rd *start, struct link_info *out)
{
	uint8_t b;
	if (rd_peek_u8(r, 0, &b))
		return DIS_TRUNCATED;
	switch (b >> 4) {
	case 4:
		return finish(r, start, ETHERTYPE_IPV4, out);
	case 6:
		return finish(r, start, ETHERTYPE_IPV6, out);
	default:
		return finish(r, start, 0, out);
	}
}

enum dis_status link_decode(int linktype, const uint8_t *pkt, size_t caplen, struct link_info *out)
{
	struct rd r = rd_make(pkt, caplen);
	const struct rd start = r;

	out->ethertype = 0;
	out->l3_offset = 0;
	out->vlan[0] = out->vlan[1] = 0;
	out->n_vlan = 0;

	switch (linktype) {
	case LINKTYPE_ETHERNET:
		return decode_ethernet(&r, &start, out);
	case LINKTYPE_LINUX_SLL:
		return decode_sll(&r, &start, out);
	case LINKTYPE_LINUX_SLL2:
		return decode_sll2(&r, &start, out);
	case LINKTYPE_NULL:
		return decode_null_loop(&r, &start, false, out);
	case LINKTYPE_LOOP:
		return decode_null_loop(&r, &start, true, out);
	case LINKTYPE_RAW:
	case DLT_RAW_ALT:
	case DLT_RAW_ALT2:
	case LINKTYPE_IPV4:
	case LINKTYPE_IPV6:
		return decode_raw(&r, &start, out);
	default:
		return DIS_UNSUPPORTED;
	}
}
