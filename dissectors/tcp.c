/* tcp.c - the TCP header. Options are skipped: reassembly needs none of
 * them (SACK and timestamps would only refine what the ACKs tell us). */
#include "tcp.h"

#include "rd.h"

#define TCP_MIN_HDR 20

enum dis_status tcp_parse(const uint8_t *p, size_t caplen, struct tcp_header *out)
{
	struct rd r = rd_make(p, caplen);
	uint8_t off, flags;
	uint16_t sport, dport, window;
	uint32_t seq, ack;
	size_t hlen;

	if (rd_left(&r) < TCP_MIN_HDR)
		return DIS_TRUNCATED;
	if (rd_u16(&r, &sport) || rd_u16(&r, &dport) || rd_u32(&r, &seq) || rd_u32(&r, &ack) ||
	    rd_u8(&r, &off) || rd_u8(&r, &flags) || rd_u16(&r, &window) || rd_skip(&r, 4))
		return DIS_TRUNCATED;
	hlen = (size_t)(off >> 4) * 4;
	if (hlen < TCP_MIN_HDR)
		return DIS_INVALID;
	if (rd_skip(&r, hlen - TCP_MIN_HDR))
		return DIS_TRUNCATED;

	out->sport = sport;
	out->dport = dport;
	out->seq = seq;
	out->ack = ack;
	out->flags = flags;
	out->window = window;
	out->hdr_len = hlen;
	out->payload = rd_left(&r) ? r.p : NULL;
	out->payload_len = rd_left(&r);
	return DIS_OK;
}
