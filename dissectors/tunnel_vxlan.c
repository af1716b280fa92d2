/* tunnel_vxlan.c - VXLAN (RFC 7348), UDP port 4789.
 *
 *   Flags (8: R R R R I R R R) | Reserved (24)
 *   VXLAN Network Identifier (24) | Reserved (8)
 *   then an Ethernet frame.
 * The I flag must be set for a valid VNI (5.); without it the datagram
 * is not taken for VXLAN. Reserved bits are ignored, as the RFC asks. */
#include "tunnel.h"

#include "rd.h"

#define VXLAN_HDR_LEN 8
#define VXLAN_FLAG_I 0x08

enum dis_status tunnel_vxlan_decode(const uint8_t *p, size_t len, struct tunnel_next *out)
{
	struct rd r = rd_make(p, len);
	uint8_t flags;
	if (rd_u8(&r, &flags) || rd_skip(&r, VXLAN_HDR_LEN - 1))
		return DIS_TRUNCATED;
	if (!(flags & VXLAN_FLAG_I))
		return DIS_UNSUPPORTED;
	out->proto = ETHERTYPE_TEB;
	out->offset = VXLAN_HDR_LEN;
	out->len = rd_left(&r);
	return DIS_OK;
}
