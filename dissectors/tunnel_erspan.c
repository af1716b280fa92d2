/* tunnel_erspan.c - ERSPAN, Cisco's encapsulated remote SPAN, inside GRE
 * (draft-foschiano-erspan).
 *
 * Type I: no header; the mirrored Ethernet frame follows GRE at once.
 * Type II (GRE 0x88be with a sequence number), 8 bytes:
 *   Ver=1 (4) | VLAN (12) | COS (3) | En (2) | T (1) | Session ID (10)
 *   Reserved (12) | Index (20)
 * Type III (GRE 0x22eb), 12 bytes, and 8 more when O is set:
 *   Ver=2 (4) | VLAN (12) | COS (3) | BSO (2) | T (1) | Session ID (10)
 *   Timestamp (32)
 *   SGT (16) | P (1) | FT (5) | Hw ID (6) | D (1) | Gra (2) | O (1)
 *   [Platform Specific SubHeader (64)]
 * FT is the frame type: 0 Ethernet, 2 IP; others are not followed. */
#include "tunnel.h"

#include "rd.h"

#define ERSPAN_II_VERSION 1
#define ERSPAN_III_VERSION 2
#define ERSPAN_II_LEN 8
#define ERSPAN_III_LEN 12
#define ERSPAN_III_SUBHDR_LEN 8
#define ERSPAN_FT_ETHERNET 0
#define ERSPAN_FT_IP 2

enum dis_status tunnel_erspan_decode(uint16_t proto, const uint8_t *p, size_t len, struct tunnel_next *out)
{
	struct rd r = rd_make(p, len);
	uint16_t ver_vlan, word3;
	uint8_t ft = ERSPAN_FT_ETHERNET;
	size_t hlen;

	switch (proto) {
	case TUNNEL_NEXT_ERSPAN_I:
		out->proto = ETHERTYPE_TEB;
		out->offset = 0;
		out->len = len;
		return DIS_OK;
	case ETHERTYPE_ERSPAN_II:
		if (rd_u16(&r, &ver_vlan) || rd_skip(&r, ERSPAN_II_LEN - 2))
			return DIS_TRUNCATED;
		if (ver_vlan >> 12 != ERSPAN_II_VERSION)
			return DIS_UNSUPPORTED;
		hlen = ERSPAN_II_LEN;
		break;
	case ETHERTYPE_ERSPAN_III:
		if (rd_u16(&r, &ver_vlan) || rd_skip(&r, 8) || rd_u16(&r, &word3))
			return DIS_TRUNCATED;
		if (ver_vlan >> 12 != ERSPAN_III_VERSION)
			return DIS_UNSUPPORTED;
		hlen = ERSPAN_III_LEN;
		if (word3 & 1) {
			if (rd_skip(&r, ERSPAN_III_SUBHDR_LEN))
				return DIS_TRUNCATED;
			hlen += ERSPAN_III_SUBHDR_LEN;
		}
		ft = (uint8_t)((word3 >> 10) & 0x1f);
		break;
	default:
		return DIS_UNSUPPORTED;
	}
	if (ft != ERSPAN_FT_ETHERNET && ft != ERSPAN_FT_IP)
		return DIS_UNSUPPORTED;
	out->proto = ft == ERSPAN_FT_IP ? TUNNEL_NEXT_IP : ETHERTYPE_TEB;
	out->offset = hlen;
	out->len = rd_left(&r);
	return DIS_OK;
}
