/* tunnel_geneve.c - GENEVE (RFC 8926), UDP port 6081.
 *
 *   Ver (2) | Opt Len (6) | O (1) | C (1) | Rsvd (6) | Protocol Type (16)
 *   Virtual Network Identifier (24) | Reserved (8)
 *   Variable-Length Options (Opt Len * 4 bytes)
 * Protocol Type is an ethertype (0x6558 for Ethernet). Only version 0
 * exists; another version is not ours to guess at (3.4: MUST drop). */
#include "tunnel.h"

#include "rd.h"

#define GENEVE_HDR_LEN 8

enum dis_status tunnel_geneve_decode(const uint8_t *p, size_t len, struct tunnel_next *out)
{
	struct rd r = rd_make(p, len);
	uint8_t ver_optlen, flags;
	uint16_t proto;
	if (rd_u8(&r, &ver_optlen) || rd_u8(&r, &flags) || rd_u16(&r, &proto) || rd_skip(&r, 4))
		return DIS_TRUNCATED;
	if (ver_optlen >> 6 != 0)
		return DIS_UNSUPPORTED;
	size_t opt_len = (size_t)(ver_optlen & 0x3f) * 4;
	if (rd_skip(&r, opt_len))
		return DIS_TRUNCATED;
	out->proto = proto;
	out->offset = GENEVE_HDR_LEN + opt_len;
	out->len = rd_left(&r);
	return DIS_OK;
}
