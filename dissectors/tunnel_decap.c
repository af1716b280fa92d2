/* tunnel_decap.c - from a frame's link layer to its innermost IP packet,
 * through the encapsulations of tunnel.h.
 *
 * Every step names what follows it (an ethertype, an IP protocol, a UDP
 * port) and where it starts; a step that consumes nothing (ERSPAN type I)
 * is followed by one that does, and each encapsulation crossed counts
 * towards DECAP_MAX_DEPTH: the walk ends with the input or the limit. */
#include "tunnel.h"

#include "link.h"
#include "rd.h"

#define IPPROTO_IPIP_ 4
#define IPPROTO_TCP_ 6
#define IPPROTO_UDP_ 17
#define IPPROTO_IPV6_ 41
#define IPPROTO_GRE_ 47
#define UDP_HDR_LEN 8

struct tunnel_name {
	const char *key, *label;
};

static const struct tunnel_name tunnel_names[TUNNEL_TYPES] = {
    [TUNNEL_VXLAN] = {"vxlan", "VXLAN"},
    [TUNNEL_GENEVE] = {"geneve", "GENEVE"},
    [TUNNEL_GRE] = {"gre", "GRE"},
    [TUNNEL_ERSPAN] = {"erspan", "ERSPAN"},
    [TUNNEL_GTPU] = {"gtpu", "GTP-U"},
    [TUNNEL_MPLS] = {"mpls", "MPLS"},
    [TUNNEL_PPPOE] = {"pppoe", "PPPoE"},
    [TUNNEL_IPIP] = {"ip_in_ip", "IP-in-IP"},
    [TUNNEL_IP6IP] = {"ipv6_in_ip", "IPv6-in-IP"},
};

const char *tunnel_type_name(enum tunnel_type t)
{
	return (unsigned)t < TUNNEL_TYPES ? tunnel_names[t].key : "unknown";
}

const char *tunnel_type_label(enum tunnel_type t)
{
	return (unsigned)t < TUNNEL_TYPES ? tunnel_names[t].label : "unknown";
}

bool decap_may_carry(const struct ip_packet *ip)
{
	return ip->proto == IPPROTO_IPIP_ || ip->proto == IPPROTO_IPV6_ || ip->proto == IPPROTO_GRE_ ||
	       ip->proto == IPPROTO_UDP_;
}

/* One more encapsulation, or the limit. */
static bool cross(struct decap *d, enum tunnel_type t)
{
	if (d->depth >= DECAP_MAX_DEPTH) {
		d->too_deep = true;
		return false;
	}
	d->depth++;
	d->seen |= 1u << t;
	return true;
}

/* A UDP datagram to a tunnel port: its decoder's result, or
 * DIS_UNSUPPORTED for plain UDP. */
static enum dis_status udp_tunnel(const uint8_t *p, size_t len, enum tunnel_type *t, struct tunnel_next *nx)
{
	struct rd r = rd_make(p, len);
	uint16_t sport, dport, ulen;
	if (rd_u16(&r, &sport) || rd_u16(&r, &dport) || rd_u16(&r, &ulen) || rd_skip(&r, 2))
		return DIS_UNSUPPORTED; /* too short to say: plain UDP */
	enum dis_status (*decode)(const uint8_t *, size_t, struct tunnel_next *);
	switch (dport) {
	case UDP_PORT_VXLAN:
		*t = TUNNEL_VXLAN;
		decode = tunnel_vxlan_decode;
		break;
	case UDP_PORT_GENEVE:
		*t = TUNNEL_GENEVE;
		decode = tunnel_geneve_decode;
		break;
	case UDP_PORT_GTPU:
		*t = TUNNEL_GTPU;
		decode = tunnel_gtpu_decode;
		break;
	default:
		return DIS_UNSUPPORTED;
	}
	/* The UDP length ends the datagram (0: offload wrote none). */
	size_t body = rd_left(&r);
	if (ulen != 0) {
		if (ulen < UDP_HDR_LEN)
			return DIS_INVALID;
		if ((size_t)ulen - UDP_HDR_LEN < body)
			body = (size_t)ulen - UDP_HDR_LEN;
	}
	enum dis_status st = decode(r.p, body, nx);
	if (st == DIS_OK)
		nx->offset += UDP_HDR_LEN;
	return st;
}

/* What an IP packet's payload holds: DIS_OK with *nx and *t for an
 * encapsulation, DIS_UNSUPPORTED when it is not one (the packet is the
 * innermost), or the tunnel decoder's error. */
static enum dis_status ip_payload_tunnel(uint8_t proto, const uint8_t *p, size_t len, enum tunnel_type *t,
					 struct tunnel_next *nx)
{
	uint8_t b;
	switch (proto) {
	case IPPROTO_IPIP_:
	case IPPROTO_IPV6_:
		*t = proto == IPPROTO_IPIP_ ? TUNNEL_IPIP : TUNNEL_IP6IP;
		if (rd_peek_u8(&(struct rd){p, len}, 0, &b))
			return DIS_TRUNCATED;
		if (b >> 4 != (proto == IPPROTO_IPIP_ ? 4 : 6))
			return DIS_INVALID;
		nx->proto = proto == IPPROTO_IPIP_ ? ETHERTYPE_IPV4 : ETHERTYPE_IPV6;
		nx->offset = 0;
		nx->len = len;
		return DIS_OK;
	case IPPROTO_GRE_:
		*t = TUNNEL_GRE;
		return tunnel_gre_decode(p, len, nx);
	case IPPROTO_UDP_:
		return udp_tunnel(p, len, t, nx);
	default:
		return DIS_UNSUPPORTED;
	}
}

/* Moves the view to the inner bytes nx names. Decoders keep them inside
 * what they were given; this checks it once more. */
static enum dis_status step_in(const uint8_t **p, size_t *len, const struct tunnel_next *nx)
{
	struct rd r = rd_make(*p, *len), inner;
	if (rd_skip(&r, nx->offset) || rd_view(&r, nx->len, &inner))
		return DIS_INVALID;
	*p = inner.p;
	*len = inner.len;
	return DIS_OK;
}

/* From bytes of kind `proto` inward. */
static enum dis_status decap_from(struct decap *d, uint16_t proto, const uint8_t *p, size_t len)
{
	for (;;) {
		struct tunnel_next nx;
		enum tunnel_type t;
		enum dis_status st;

		switch (proto) {
		case ETHERTYPE_IPV4:
		case ETHERTYPE_IPV6:
		case TUNNEL_NEXT_IP:
			st = ip_parse(p, len, &d->ip);
			if (st != DIS_OK)
				return st;
			/* A fragment goes to reassembly first (decap_ip_payload). */
			if (d->ip.is_fragment || d->ip.proto == IPPROTO_TCP_)
				return DIS_OK;
			p = d->ip.payload;
			len = d->ip.payload_len;
			st = ip_payload_tunnel(d->ip.proto, p, len, &t, &nx);
			if (st == DIS_UNSUPPORTED)
				return DIS_OK; /* not an encapsulation: this is the innermost */
			break;
		case ETHERTYPE_TEB: {
			/* Ethernet is no encapsulation of its own: the header
			 * around it counted. */
			struct link_info li;
			st = link_decode(LINKTYPE_ETHERNET, p, len, &li);
			if (st == DIS_TRUNCATED || st == DIS_INVALID)
				return st;
			p += li.l3_offset;
			len -= li.l3_offset;
			proto = li.ethertype;
			continue;
		}
		case ETHERTYPE_MPLS:
		case ETHERTYPE_MPLS_MC:
			t = TUNNEL_MPLS;
			st = tunnel_mpls_decode(p, len, &nx);
			break;
		case ETHERTYPE_PPPOE_SESSION:
			t = TUNNEL_PPPOE;
			st = tunnel_pppoe_decode(p, len, &nx);
			break;
		case ETHERTYPE_ERSPAN_II:
		case ETHERTYPE_ERSPAN_III:
		case TUNNEL_NEXT_ERSPAN_I:
			t = TUNNEL_ERSPAN;
			st = tunnel_erspan_decode(proto, p, len, &nx);
			break;
		default:
			return DIS_UNSUPPORTED;
		}
		if (st != DIS_OK)
			return st;
		if (!cross(d, t))
			return DIS_INVALID;
		if ((st = step_in(&p, &len, &nx)) != DIS_OK)
			return st;
		proto = nx.proto;
	}
}

enum dis_status decap_frame(int linktype, const uint8_t *pkt, size_t caplen, struct decap *d)
{
	struct link_info li;
	memset(d, 0, sizeof *d);
	enum dis_status st = link_decode(linktype, pkt, caplen, &li);
	if (st == DIS_TRUNCATED || st == DIS_INVALID)
		return st;
	if (st == DIS_UNSUPPORTED && (!link_type_supported(linktype) || li.ethertype == 0))
		return DIS_UNSUPPORTED;
	return decap_from(d, li.ethertype, pkt + li.l3_offset, caplen - li.l3_offset);
}

bool decap_plain_tcp4(int linktype, const uint8_t *pkt, size_t caplen, struct ip_addr *src, struct ip_addr *dst,
		      uint16_t *sport, uint16_t *dport)
{
	struct rd r = rd_make(pkt, caplen);
	uint16_t ethertype, total, frag;
	uint8_t vihl, proto;
	if (linktype != LINKTYPE_ETHERNET || rd_skip(&r, 12) || rd_u16(&r, &ethertype) || ethertype != ETHERTYPE_IPV4 ||
	    rd_u8(&r, &vihl) || rd_skip(&r, 1) || rd_u16(&r, &total) || rd_skip(&r, 2) || rd_u16(&r, &frag) ||
	    rd_skip(&r, 1) || rd_u8(&r, &proto) || rd_skip(&r, 2))
		return false;
	size_t hlen = (size_t)(vihl & 0x0f) * 4;
	if (vihl >> 4 != 4 || hlen < 20 || (frag & 0x3fff) != 0 || proto != IPPROTO_TCP_ || total < hlen + 4)
		return false;
	memset(src, 0, sizeof *src);
	memset(dst, 0, sizeof *dst);
	src->family = dst->family = 4;
	return rd_copy(&r, src->a, 4) == 0 && rd_copy(&r, dst->a, 4) == 0 && rd_skip(&r, hlen - 20) == 0 &&
	       rd_u16(&r, sport) == 0 && rd_u16(&r, dport) == 0;
}

enum dis_status decap_ip_payload(struct decap *d, const uint8_t *payload, size_t len)
{
	struct tunnel_next nx;
	enum tunnel_type t;
	enum dis_status st = ip_payload_tunnel(d->ip.proto, payload, len, &t, &nx);
	if (st == DIS_UNSUPPORTED)
		return DIS_OK;
	if (st != DIS_OK)
		return st;
	if (!cross(d, t))
		return DIS_INVALID;
	if ((st = step_in(&payload, &len, &nx)) != DIS_OK)
		return st;
	return decap_from(d, nx.proto, payload, len);
}
