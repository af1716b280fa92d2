/* tunnel_mpls.c - an MPLS label stack (RFC 3032), ethertypes 0x8847 and
 * 0x8848.
 *
 *   Label (20) | TC (3) | S (1) | TTL (8), repeated until S (bottom of
 *   stack) is set.
 * Nothing names what follows the stack. As routers and Wireshark do, the
 * first nibble after it is taken as the answer: 4 is IPv4, 6 is IPv6, and
 * 0 is a pseudowire control word (RFC 4385: 0000, flags, length,
 * sequence number) in front of an Ethernet frame (RFC 4448). Anything else
 * (1, the associated channel of RFC 5586, or an Ethernet pseudowire
 * without a control word) is not followed. */
#include "tunnel.h"

#include "rd.h"

#define MPLS_ENTRY_LEN 4
#define MPLS_BOTTOM 0x100
#define PW_CONTROL_WORD_LEN 4

enum dis_status tunnel_mpls_decode(const uint8_t *p, size_t len, struct tunnel_next *out)
{
	struct rd r = rd_make(p, len);
	uint32_t entry = 0;
	/* Each entry consumes four bytes: the stack ends with the input. */
	do {
		if (rd_u32(&r, &entry))
			return DIS_TRUNCATED;
	} while (!(entry & MPLS_BOTTOM));
	uint8_t first;
	if (rd_peek_u8(&r, 0, &first))
		return DIS_TRUNCATED;
	size_t offset = len - rd_left(&r);
	switch (first >> 4) {
	case 4:
	case 6:
		out->proto = TUNNEL_NEXT_IP;
		break;
	case 0:
		if (rd_skip(&r, PW_CONTROL_WORD_LEN))
			return DIS_TRUNCATED;
		offset += PW_CONTROL_WORD_LEN;
		out->proto = ETHERTYPE_TEB;
		break;
	default:
		return DIS_UNSUPPORTED;
	}
	out->offset = offset;
	out->len = rd_left(&r);
	return DIS_OK;
}
