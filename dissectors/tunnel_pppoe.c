/* tunnel_pppoe.c - a PPPoE session frame (RFC 2516 section 4), ethertype
 * 0x8864, and the PPP protocol field in it (RFC 1661).
 *
 *   VER=1 (4) | TYPE=1 (4) | CODE=0 (8) | SESSION_ID (16) | LENGTH (16)
 *   PPP Protocol (16, or 8 when compressed: an odd first byte, RFC 1661 6.5)
 * LENGTH counts the PPP bytes after the header. Protocol 0x0021 is IPv4,
 * 0x0057 IPv6; LCP, IPCP and the rest are not IP. */
#include "tunnel.h"

#include "link.h"
#include "rd.h"

#define PPPOE_HDR_LEN 6
#define PPPOE_VER_TYPE 0x11
#define PPPOE_CODE_SESSION 0x00
#define PPP_IPV4 0x0021
#define PPP_IPV6 0x0057

enum dis_status tunnel_pppoe_decode(const uint8_t *p, size_t len, struct tunnel_next *out)
{
	struct rd r = rd_make(p, len);
	uint8_t ver_type, code, b0;
	uint16_t session, length, proto;
	if (rd_u8(&r, &ver_type) || rd_u8(&r, &code) || rd_u16(&r, &session) || rd_u16(&r, &length))
		return DIS_TRUNCATED;
	if (ver_type != PPPOE_VER_TYPE || code != PPPOE_CODE_SESSION)
		return DIS_UNSUPPORTED;
	if (rd_peek_u8(&r, 0, &b0))
		return DIS_TRUNCATED;
	size_t plen = (b0 & 1) ? 1 : 2;
	if (length < plen)
		return DIS_INVALID;
	if (plen == 1) {
		proto = b0;
		rd_skip(&r, 1);
	} else if (rd_u16(&r, &proto)) {
		return DIS_TRUNCATED;
	}
	if (proto != PPP_IPV4 && proto != PPP_IPV6)
		return DIS_UNSUPPORTED;
	size_t inner = (size_t)length - plen;
	out->proto = proto == PPP_IPV4 ? ETHERTYPE_IPV4 : ETHERTYPE_IPV6;
	out->offset = PPPOE_HDR_LEN + plen;
	out->len = rd_left(&r) < inner ? rd_left(&r) : inner;
	return DIS_OK;
}
