/* tcp.h - TCP header. */
#ifndef MTLS_TCP_H
#define MTLS_TCP_H

#include <stddef.h>
#include <stdint.h>

#include "dis.h"

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_PSH 0x08
#define TCP_ACK 0x10
#define TCP_URG 0x20

struct tcp_header {
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t window;
	size_t hdr_len;
	const uint8_t *payload;  /* view into the segment */
	size_t payload_len;      /* captured payload bytes */
};

/* The TCP header of a segment of caplen captured bytes; payload_len is
 * what was captured of the payload (the IP layer knows what was sent).
 * *out is left alone unless the result is DIS_OK. */
enum dis_status tcp_parse(const uint8_t *p, size_t caplen, struct tcp_header *out);

/* Modular sequence-number comparisons (RFC 1982 style). */
static inline int tcp_seq_lt(uint32_t a, uint32_t b) { return (int32_t)(a - b) < 0; }
static inline int tcp_seq_leq(uint32_t a, uint32_t b) { return (int32_t)(a - b) <= 0; }

#endif
