/* tunnel_gre.c - GRE (RFC 2784, with the key and sequence number of
 * RFC 2890).
 *
 *   C (1) | R (1) | K (1) | S (1) | Reserved0 (9) | Ver (3) | Protocol Type (16)
 *   [Checksum (16) | Reserved1 (16)]   when C (or RFC 1701's R)
 *   [Key (32)]                         when K
 *   [Sequence Number (32)]             when S
 * The protocol type is an ethertype. 0x88be is ERSPAN: type II carries a
 * sequence number, type I does not; 0x22eb is ERSPAN type III. Version 1
 * (PPTP's enhanced GRE) and RFC 1701 source routing are not followed. */
#include "tunnel.h"

#include "rd.h"

#define GRE_C 0x8000
#define GRE_R 0x4000
#define GRE_K 0x2000
#define GRE_S 0x1000
#define GRE_VERSION 0x0007

enum dis_status tunnel_gre_decode(const uint8_t *p, size_t len, struct tunnel_next *out)
{
	struct rd r = rd_make(p, len);
	uint16_t flags, proto;
	if (rd_u16(&r, &flags) || rd_u16(&r, &proto))
		return DIS_TRUNCATED;
	if ((flags & GRE_VERSION) != 0 || (flags & GRE_R))
		return DIS_UNSUPPORTED;
	size_t opt = ((flags & GRE_C) ? 4 : 0) + ((flags & GRE_K) ? 4 : 0) + ((flags & GRE_S) ? 4 : 0);
	if (rd_skip(&r, opt))
		return DIS_TRUNCATED;
	if (proto == ETHERTYPE_ERSPAN_II && !(flags & GRE_S))
		proto = TUNNEL_NEXT_ERSPAN_I;
	out->proto = proto;
	out->offset = 4 + opt;
	out->len = rd_left(&r);
	return DIS_OK;
}
