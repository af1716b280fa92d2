/* tcp.c - the TCP header. Options are skipped: reassembly needs none of
 * them (SACK and timestamps would only refine what the ACKs tell us). */
#include "tcp.h"

#include "rd.h"

#define TCP_MIN_HDR 20

/* Read into a local header, copied out whole on success: *out is left
 * untouched on failure. */
enum dis_status tcp_parse(const uint8_t *p, size_t caplen, struct tcp_header *out)
{
	struct rd r = rd_make(p, caplen);
	struct tcp_header h;
	uint8_t off;

	if (rd_left(&r) < TCP_MIN_HDR)
		return DIS_TRUNCATED;
	if (rd_u16(&r, &h.sport) || rd_u16(&r, &h.dport) || rd_u32(&r, &h.seq) || rd_u32(&r, &h.ack) ||
	    rd_u8(&r, &off) || rd_u8(&r, &h.flags) || rd_u16(&r, &h.window) || rd_skip(&r, 4))
		return DIS_TRUNCATED;
	h.hdr_len = (size_t)(off >> 4) * 4;
	if (h.hdr_len < TCP_MIN_HDR)
		return DIS_INVALID;
	if (rd_skip(&r, h.hdr_len - TCP_MIN_HDR))
		return DIS_TRUNCATED;
	h.payload = rd_left(&r) ? r.p : NULL;
	h.payload_len = rd_left(&r);
	*out = h;
	return DIS_OK;
}
