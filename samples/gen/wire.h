/* wire.h - turn a recorded conversation into Ethernet/SLL + IPv4/IPv6 + TCP frames. */
#ifndef MTLSGEN_WIRE_H
#define MTLSGEN_WIRE_H

#include <stdint.h>

#include "capfile.h"
#include "conv.h"

/* Selects the nth EV_DATA event sent in direction `dir`; nth < 0 means "none". */
struct wire_pick {
	enum conv_dir dir;
	int nth;
};

struct wire_opts {
	int ifidx; /* capture interface the frames go to (its link type decides framing) */
	int ipv6;
	uint16_t vlan; /* 802.1Q VLAN ID, 0 for untagged */
	uint8_t cip[16], sip[16];
	uint16_t cport, sport;
	uint8_t ttl_c, ttl_s;
	int64_t t0_us;		     /* time of the SYN */
	int mss;		     /* payload bytes per segment; also announced in the SYN */
	int tiny;		     /* ClientHello byte by byte, the next two flights in 7-byte segments */
	int skip_frames;	     /* drop this many leading frames: a capture started mid-connection */
	struct wire_pick reorder;    /* send that flight's second segment before its first */
	struct wire_pick retransmit; /* send that flight's last segment again after an RTO */
	struct wire_pick lose;	     /* that flight's first segment never reaches the capture */
	int forger_copies_ttl;	     /* a forged RST carries the spoofed host's TTL */
	/* Bench captures (0 in the samples): */
	uint32_t isn_salt; /* mixed into both initial sequence numbers and IP IDs */
	int disorder;	   /* flights of 8+ segments: periodic reordering, retransmissions
			      and losses before the capture point; ACKs every 2 segments */
};

/* Documentation addresses, server port 443, MSS 1448, TTL 128 (client) / 64 (server). */
void wire_defaults(struct wire_opts *o, int64_t t0_us, uint16_t cport);
/* Appends the TCP connection to `cap`; *t_end gets the time of its last frame. */
int wire_emit(struct capture *cap, const struct conv *conv, const struct wire_opts *o, int64_t *t_end);

#endif
