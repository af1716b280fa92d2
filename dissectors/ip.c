/* ip.c - IPv4 and IPv6 headers.
 *
 * "Truncated" means the capture stopped inside a header; "invalid" means a
 * header contradicts itself (IHL below 5, a total length shorter than the
 * header, an extension header running past the payload length). A payload
 * cut by the snaplen is not an error: it is reported with `truncated`. */
#include "ip.h"

#include <arpa/inet.h>
#include <sys/socket.h>

#include "rd.h"

#define IPV4_MIN_HDR 20
#define IPV6_HDR 40

#define IP6_HOPOPTS 0
#define IP6_ROUTING 43
#define IP6_FRAGMENT 44
#define IP6_ESP 50
#define IP6_AH 51
#define IP6_NONE 59
#define IP6_DSTOPTS 60

static void set_payload(struct ip_packet *out, const struct rd *r, size_t wire_len)
{
	size_t cap = rd_left(r) < wire_len ? rd_left(r) : wire_len;
	out->payload = cap ? r->p : NULL;
	out->payload_len = cap;
	out->payload_wire_len = wire_len;
	out->truncated = cap < wire_len;
}

static enum dis_status parse_v4(struct rd *r, struct ip_packet *out)
{
	uint8_t vihl, tos, ttl, proto;
	uint16_t total, id, frag;
	size_t hlen, caplen = rd_left(r);

	if (caplen < IPV4_MIN_HDR)
		return DIS_TRUNCATED;
	if (rd_u8(r, &vihl) || rd_u8(r, &tos) || rd_u16(r, &total) || rd_u16(r, &id) || rd_u16(r, &frag) ||
	    rd_u8(r, &ttl) || rd_u8(r, &proto) || rd_skip(r, 2))
		return DIS_TRUNCATED;
	hlen = (size_t)(vihl & 0x0f) * 4;
	if (hlen < IPV4_MIN_HDR)
		return DIS_INVALID;
	/* Segmentation offload on the capturing host writes 0 here; the
	 * captured bytes are then the best length we have. */
	if (total == 0)
		total = (uint16_t)(caplen > 0xffff ? 0xffff : caplen);
	if (total < hlen)
		return DIS_INVALID;
	out->src.family = out->dst.family = 4;
	if (rd_copy(r, out->src.a, 4) || rd_copy(r, out->dst.a, 4))
		return DIS_TRUNCATED;
	/* Options are skipped: nothing in them matters for TLS diagnosis. */
	if (rd_skip(r, hlen - IPV4_MIN_HDR))
		return DIS_TRUNCATED;

	out->proto = proto;
	out->ttl = ttl;
	out->ip_id = id;
	out->frag_id = id;
	out->frag_offset = (uint32_t)(frag & 0x1fff) * 8;
	out->more_fragments = (frag & 0x2000) != 0;
	out->dont_fragment = (frag & 0x4000) != 0;
	out->is_fragment = out->more_fragments || out->frag_offset != 0;
	set_payload(out, r, total - hlen);
	return DIS_OK;
}

/* Walks the extension-header chain. `claimed` is the payload length from
 * the fixed header: crossing it is invalid, running out of captured bytes
 * before it is truncation. */
static enum dis_status parse_v6_ext(struct rd *r, uint8_t next, size_t claimed, struct ip_packet *out)
{
	size_t used = 0;

	for (;;) {
		uint8_t nh, len8;
		size_t hlen;
		struct rd h;

		switch (next) {
		case IP6_HOPOPTS:
		case IP6_ROUTING:
		case IP6_DSTOPTS:
		case IP6_FRAGMENT:
		case IP6_AH:
			break;
		default:
			/* Upper layer, ESP or No Next Header: the chain ends. */
			out->proto = next;
			set_payload(out, r, claimed - used);
			return DIS_OK;
		}
		if (used + 2 > claimed)
			return DIS_INVALID;
		if (rd_peek_u8(r, 0, &nh) || rd_peek_u8(r, 1, &len8))
			return DIS_TRUNCATED;
		if (next == IP6_FRAGMENT)
			hlen = 8;
		else if (next == IP6_AH)
			hlen = ((size_t)len8 + 2) * 4;
		else
			hlen = ((size_t)len8 + 1) * 8;
		if (used + hlen > claimed)
			return DIS_INVALID;
		if (rd_view(r, hlen, &h))
			return DIS_TRUNCATED;
		used += hlen;

		if (next == IP6_FRAGMENT) {
			uint16_t offflags;
			uint32_t ident;
			if (rd_skip(&h, 2) || rd_u16(&h, &offflags) || rd_u32(&h, &ident))
				return DIS_TRUNCATED; /* cannot happen: h is 8 bytes */
			out->frag_id = ident;
			out->frag_offset = offflags & 0xfff8u;
			out->more_fragments = (offflags & 1) != 0;
			/* An atomic fragment (offset 0, M clear) is a whole
			 * datagram (RFC 6946); a real fragment's data after this
			 * header is not a header chain we can walk. */
			if (out->frag_offset != 0 || out->more_fragments) {
				out->is_fragment = true;
				out->proto = nh;
				set_payload(out, r, claimed - used);
				return DIS_OK;
			}
		}
		next = nh;
	}
}

static enum dis_status parse_v6(struct rd *r, struct ip_packet *out)
{
	uint32_t vtcfl;
	uint16_t plen;
	uint8_t next, hlim;
	size_t caplen = rd_left(r);

	if (caplen < IPV6_HDR)
		return DIS_TRUNCATED;
	if (rd_u32(r, &vtcfl) || rd_u16(r, &plen) || rd_u8(r, &next) || rd_u8(r, &hlim))
		return DIS_TRUNCATED;
	out->src.family = out->dst.family = 6;
	if (rd_copy(r, out->src.a, 16) || rd_copy(r, out->dst.a, 16))
		return DIS_TRUNCATED;
	out->ttl = hlim;
	/* 0 is a jumbogram or offload; treat the capture as the length. */
	size_t claimed = plen ? plen : rd_left(r);
	return parse_v6_ext(r, next, claimed, out);
}

enum dis_status ip_parse(const uint8_t *p, size_t caplen, struct ip_packet *out)
{
	struct rd r = rd_make(p, caplen);
	uint8_t b;

	memset(out, 0, sizeof(*out));
	if (rd_peek_u8(&r, 0, &b))
		return DIS_TRUNCATED;
	switch (b >> 4) {
	case 4:
		return parse_v4(&r, out);
	case 6:
		return parse_v6(&r, out);
	default:
		return DIS_INVALID;
	}
}

const char *ip_addr_text(const struct ip_addr *a, char *buf, size_t bufsz)
{
	if (!buf || bufsz == 0)
		return "";
	if (a->family != 6 && bufsz >= 16) {
		/* What inet_ntop writes, without its printf per address. */
		char *p = buf;
		for (int i = 0; i < 4; i++) {
			unsigned v = a->a[i];
			if (i)
				*p++ = '.';
			if (v >= 100)
				*p++ = (char)('0' + v / 100);
			if (v >= 10)
				*p++ = (char)('0' + v / 10 % 10);
			*p++ = (char)('0' + v % 10);
		}
		*p = '\0';
		return buf;
	}
	int af = a->family == 6 ? AF_INET6 : AF_INET;
	if (!inet_ntop(af, a->a, buf, (socklen_t)(bufsz > 1024 ? 1024 : bufsz))) {
		buf[0] = '?';
		if (bufsz > 1)
			buf[1] = '\0';
		else
			buf[0] = '\0';
	}
	return buf;
}

int ip_addr_cmp(const struct ip_addr *x, const struct ip_addr *y)
{
	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	size_t n = x->family == 6 ? 16 : 4;
	int c = memcmp(x->a, y->a, n);
	return c < 0 ? -1 : c > 0;
}
