/* tunnel_gtpu.c - GTP-U (3GPP TS 29.281), UDP port 2152.
 *
 *   Version=1 (3) | PT=1 (1) | spare (1) | E (1) | S (1) | PN (1)
 *   Message Type (8) | Length (16) | TEID (32)
 *   [Sequence Number (16) | N-PDU Number (8) | Next Extension Header Type (8)]
 *                                  when any of E, S, PN is set (5.1)
 *   extension headers while the next type is not 0 (5.2):
 *     Length (8, in 4-byte units, the whole header) | Content | Next Type (8)
 * Length counts the bytes after the first 8. Only a G-PDU (message type
 * 255) carries user data, an IPv4 or IPv6 packet; echo, error indication
 * and end marker messages, version 0 and GTP' (PT=0) are not followed. */
#include "tunnel.h"

#include "rd.h"

#define GTPU_HDR_LEN 8
#define GTPU_OPT_LEN 4
#define GTPU_VERSION 1
#define GTPU_FLAG_PT 0x10
#define GTPU_FLAG_E 0x04
#define GTPU_FLAGS_OPT 0x07 /* E, S, PN */
#define GTPU_MSG_GPDU 255

enum dis_status tunnel_gtpu_decode(const uint8_t *p, size_t len, struct tunnel_next *out)
{
	struct rd r = rd_make(p, len);
	uint8_t flags, type, next_ext = 0;
	uint16_t length;
	if (rd_u8(&r, &flags) || rd_u8(&r, &type) || rd_u16(&r, &length) || rd_skip(&r, 4))
		return DIS_TRUNCATED;
	if (flags >> 5 != GTPU_VERSION || !(flags & GTPU_FLAG_PT) || type != GTPU_MSG_GPDU)
		return DIS_UNSUPPORTED;
	/* The message ends where Length says; a snap length may end the
	 * capture before. */
	size_t body = length;
	size_t used = 0;
	if (flags & GTPU_FLAGS_OPT) {
		uint8_t next;
		if (body < GTPU_OPT_LEN)
			return DIS_INVALID;
		if (rd_skip(&r, 3) || rd_u8(&r, &next))
			return DIS_TRUNCATED;
		used = GTPU_OPT_LEN;
		if (flags & GTPU_FLAG_E)
			next_ext = next;
	}
	/* Each extension header is at least 4 bytes, so the chain ends
	 * with the message. */
	while (next_ext != 0) {
		uint8_t units;
		if (rd_peek_u8(&r, 0, &units)) {
			if (used >= body)
				return DIS_INVALID;
			return DIS_TRUNCATED;
		}
		size_t ext_len = (size_t)units * 4;
		if (ext_len == 0 || used + ext_len > body)
			return DIS_INVALID;
		if (rd_skip(&r, ext_len - 1) || rd_u8(&r, &next_ext))
			return DIS_TRUNCATED;
		used += ext_len;
	}
	size_t inner = body - used;
	out->proto = TUNNEL_NEXT_IP;
	out->offset = GTPU_HDR_LEN + used;
	out->len = rd_left(&r) < inner ? rd_left(&r) : inner;
	return DIS_OK;
}
