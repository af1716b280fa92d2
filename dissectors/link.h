/* link.h - link-layer decoding down to the network layer. */
#ifndef MTLS_LINK_H
#define MTLS_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dis.h"

/* LINKTYPE_ / DLT_ values we decode (the pcap file values). */
#define LINKTYPE_NULL 0
#define LINKTYPE_ETHERNET 1
#define LINKTYPE_RAW 101
#define LINKTYPE_LOOP 108
#define LINKTYPE_LINUX_SLL 113
#define LINKTYPE_IPV4 228
#define LINKTYPE_IPV6 229
#define LINKTYPE_LINUX_SLL2 276
#define DLT_RAW_ALT 12      /* DLT_RAW as some platforms number it */
#define DLT_RAW_ALT2 14

#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_IPV6 0x86dd

struct link_info {
	uint16_t ethertype;      /* ETHERTYPE_IPV4 / ETHERTYPE_IPV6 / other */
	size_t l3_offset;        /* where the network layer starts */
	uint16_t vlan[2];        /* 802.1Q / QinQ ids, outermost first */
	int n_vlan;
};

bool link_type_supported(int linktype);
/* The name of a link type for messages ("EN10MB", "LINUX_SLL2", ...). */
const char *link_type_name(int linktype);
/* DIS_UNSUPPORTED for an unknown link type or a non-IP payload (then
 * ethertype and l3_offset still say what follows and where, which the
 * tunnel chain uses for MPLS and PPPoE); DIS_TRUNCATED when the captured
 * bytes end inside the link header. */
enum dis_status link_decode(int linktype, const uint8_t *pkt, size_t caplen, struct link_info *out);

#endif
