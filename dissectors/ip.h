/* ip.h - IPv4 and IPv6 headers (IPv6 extension headers skipped). */
#ifndef MTLS_IP_H
#define MTLS_IP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dis.h"

struct ip_addr {
	uint8_t family;          /* 4 or 6 */
	uint8_t a[16];           /* IPv4 in the first 4 bytes, rest zero */
};

struct ip_packet {
	struct ip_addr src, dst;
	uint8_t proto;           /* upper-layer protocol after extension headers */
	uint8_t ttl;             /* IPv4 TTL or IPv6 hop limit */
	uint16_t ip_id;          /* IPv4 identification; 0 for IPv6 */
	bool is_fragment;        /* part of a fragmented datagram */
	uint32_t frag_id;        /* IPv4 id or IPv6 fragment identification */
	uint32_t frag_offset;    /* in bytes */
	bool more_fragments;
	bool dont_fragment;      /* IPv4 DF */
	const uint8_t *payload;  /* view into the packet */
	size_t payload_len;      /* captured payload bytes */
	size_t payload_wire_len; /* payload length the header claims */
	bool truncated;          /* captured < claimed (snaplen) */
};

/* Parses IPv4 or IPv6 from the version nibble. Trailing link padding past
 * the header's total length is excluded from payload. */
enum dis_status ip_parse(const uint8_t *p, size_t caplen, struct ip_packet *out);

/* Text form: "10.0.0.1" / "2001:db8::1" (no brackets). buf >= 46 bytes. */
const char *ip_addr_text(const struct ip_addr *a, char *buf, size_t bufsz);
int ip_addr_cmp(const struct ip_addr *x, const struct ip_addr *y);

#endif
