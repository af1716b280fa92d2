/* tunnel.h - encapsulations on the way to the inner IP packet.
 *
 * Traffic mirrored from cloud networks and carrier links arrives
 * tunnelled. Each header has its own pure decoder (dissectors/tunnel_*.c),
 * reading through rd.h: bytes in, what follows out. tunnel_decap.c chains
 * them from the link layer to the innermost IP packet, at most
 * DECAP_MAX_DEPTH encapsulations deep, so hostile nesting cannot loop. */
#ifndef MTLS_TUNNEL_H
#define MTLS_TUNNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dis.h"
#include "ip.h"

enum tunnel_type {
	TUNNEL_VXLAN,  /* UDP 4789, RFC 7348 */
	TUNNEL_GENEVE, /* UDP 6081, RFC 8926 */
	TUNNEL_GRE,    /* IP protocol 47, RFC 2784/2890 */
	TUNNEL_ERSPAN, /* type I, II, III inside GRE */
	TUNNEL_GTPU,   /* UDP 2152, 3GPP TS 29.281 */
	TUNNEL_MPLS,   /* ethertype 0x8847/0x8848, RFC 3032 */
	TUNNEL_PPPOE,  /* ethertype 0x8864, RFC 2516 session stage */
	TUNNEL_IPIP,   /* IPv4 in IPv4 or IPv6 (IP protocol 4), RFC 2003 */
	TUNNEL_IP6IP,  /* IPv6 in IPv4 or IPv6 (IP protocol 41), RFC 4213/2473 */
	TUNNEL_TYPES
};

/* "vxlan", "geneve", ...: the keys of the JSON summary. */
const char *tunnel_type_name(enum tunnel_type t);
/* "VXLAN", "GENEVE", ...: for text. */
const char *tunnel_type_label(enum tunnel_type t);

/* What follows a header: an ethertype, or one of these. */
#define ETHERTYPE_TEB 0x6558 /* Transparent Ethernet Bridging: Ethernet */
#define ETHERTYPE_MPLS 0x8847
#define ETHERTYPE_MPLS_MC 0x8848
#define ETHERTYPE_PPPOE_SESSION 0x8864
#define ETHERTYPE_ERSPAN_II 0x88be /* GRE with a sequence number */
#define ETHERTYPE_ERSPAN_III 0x22eb
#define TUNNEL_NEXT_ERSPAN_I 0xfff0 /* GRE 0x88be without a sequence number */
#define TUNNEL_NEXT_IP 0xfff1	    /* IPv4 or IPv6 by the version nibble */

struct tunnel_next {
	uint16_t proto; /* an ETHERTYPE_ or TUNNEL_NEXT_ value */
	size_t offset;	/* where the inner bytes start */
	size_t len;	/* captured inner bytes (a length field may end them early) */
};

/* Each decoder: DIS_OK with *out; DIS_UNSUPPORTED when the bytes are not
 * this encapsulation after all (a flag, version or message type says so)
 * or carry something we do not follow; DIS_TRUNCATED when the capture ends
 * inside the header; DIS_INVALID when a length contradicts the packet. On
 * failure *out is untouched. */
enum dis_status tunnel_vxlan_decode(const uint8_t *p, size_t len, struct tunnel_next *out);
enum dis_status tunnel_geneve_decode(const uint8_t *p, size_t len, struct tunnel_next *out);
enum dis_status tunnel_gre_decode(const uint8_t *p, size_t len, struct tunnel_next *out);
/* proto: ETHERTYPE_ERSPAN_II, ETHERTYPE_ERSPAN_III or TUNNEL_NEXT_ERSPAN_I. */
enum dis_status tunnel_erspan_decode(uint16_t proto, const uint8_t *p, size_t len, struct tunnel_next *out);
enum dis_status tunnel_gtpu_decode(const uint8_t *p, size_t len, struct tunnel_next *out);
enum dis_status tunnel_mpls_decode(const uint8_t *p, size_t len, struct tunnel_next *out);
enum dis_status tunnel_pppoe_decode(const uint8_t *p, size_t len, struct tunnel_next *out);

/* ---- the chain (tunnel_decap.c) ---- */

#define DECAP_MAX_DEPTH 8
#define UDP_PORT_VXLAN 4789
#define UDP_PORT_GENEVE 6081
#define UDP_PORT_GTPU 2152

struct decap {
	struct ip_packet ip; /* the innermost IP packet, when DIS_OK */
	unsigned seen;	     /* bit (1u << tunnel_type) per encapsulation crossed */
	int depth;	     /* encapsulations crossed */
	bool too_deep;	     /* stopped at DECAP_MAX_DEPTH (DIS_INVALID) */
};

/* A captured frame from its link layer to the innermost IP packet.
 * DIS_OK: d->ip is it (it may be a fragment, or carry something other
 * than TCP; a tunnel header that turns out not to be one leaves the IP
 * packet around it as the innermost). DIS_UNSUPPORTED: the link type is
 * not decoded, or the frame (or a tunnel's payload) is not IP.
 * DIS_TRUNCATED / DIS_INVALID: a header is cut short or broken, or the
 * nesting is deeper than DECAP_MAX_DEPTH. */
enum dis_status decap_frame(int linktype, const uint8_t *pkt, size_t caplen, struct decap *d);
/* Goes on inside d->ip's payload, given separately (a reassembled
 * datagram), with d's depth and seen kept. Same outcomes. */
enum dis_status decap_ip_payload(struct decap *d, const uint8_t *payload, size_t len);
/* Could this IP packet's payload be an encapsulation we decode? */
bool decap_may_carry(const struct ip_packet *ip);
/* The commonest frame, quickly: Ethernet II without a VLAN tag, IPv4 (not
 * a fragment, a total length that is not 0) carrying TCP whose ports lie
 * within the datagram and the capture. True with the addresses (as
 * decap_frame gives them) and the ports; false for any other frame, which
 * only decap_frame can say what it is. */
bool decap_plain_tcp4(int linktype, const uint8_t *pkt, size_t caplen, struct ip_addr *src, struct ip_addr *dst,
		      uint16_t *sport, uint16_t *dport);

#endif
