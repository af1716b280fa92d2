/* fuzz_link_ip.c - link -> IP -> (fragment reassembly) -> TCP header,
 * and the same frame through the tunnel chain (tunnel_decap.c: VXLAN,
 * GENEVE, GRE, ERSPAN, GTP-U, MPLS, PPPoE, IP-in-IP), whose innermost
 * packet must lie inside the frame, no deeper than DECAP_MAX_DEPTH.
 *
 * Input: byte 0 picks the link type; the rest is a sequence of packets,
 * each a 2-byte big-endian length (taken modulo what is left) followed by
 * its bytes, so one input can feed several fragments into one table. Each
 * packet is copied into a buffer of exactly its size, so the sanitizers
 * see any read past the capture. Views returned by the parsers must lie
 * inside their input. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ip.h"
#include "ipfrag.h"
#include "link.h"
#include "tcp.h"
#include "tunnel.h"

static const int linktypes[] = {
    LINKTYPE_ETHERNET, LINKTYPE_LINUX_SLL, LINKTYPE_LINUX_SLL2, LINKTYPE_NULL, LINKTYPE_LOOP, LINKTYPE_RAW,
    DLT_RAW_ALT,       DLT_RAW_ALT2,	   LINKTYPE_IPV4,	LINKTYPE_IPV6, 105, /* unsupported */
};

static void inside(const uint8_t *v, size_t n, const uint8_t *base, size_t len)
{
	if (n == 0)
		return;
	if (!v || v < base || n > len || v > base + (len - n))
		abort();
}

static void tcp_check(const uint8_t *p, size_t n)
{
	struct tcp_header th;
	if (tcp_parse(p, n, &th) == DIS_OK) {
		if (th.hdr_len < 20 || th.hdr_len > 60 || th.hdr_len + th.payload_len != n)
			abort();
		inside(th.payload, th.payload_len, p, n);
	}
}

/* The decapsulated view of the frame: bounded, inside, and a reassembled
 * tunnel datagram opened as the analyzer opens it. */
static void decap_check(int lt, const uint8_t *pkt, size_t len, struct ipfrag_table *ft, int64_t ts)
{
	struct decap d;
	enum dis_status st = decap_frame(lt, pkt, len, &d);
	if (d.depth < 0 || d.depth > DECAP_MAX_DEPTH || (d.seen >> TUNNEL_TYPES) != 0 || (d.too_deep && st != DIS_INVALID))
		abort();
	if (st != DIS_OK)
		return;
	inside(d.ip.payload, d.ip.payload_len, pkt, len);
	if (!d.ip.is_fragment) {
		if (d.ip.proto == 6)
			tcp_check(d.ip.payload, d.ip.payload_len);
		return;
	}
	const uint8_t *whole = NULL;
	size_t wlen = 0;
	if (ipfrag_add(ft, &d.ip, ts, &whole, &wlen) != 1 || !decap_may_carry(&d.ip))
		return;
	uint8_t *copy = malloc(wlen ? wlen : 1);
	if (!copy)
		abort();
	if (wlen)
		memcpy(copy, whole, wlen);
	int depth = d.depth;
	st = decap_ip_payload(&d, copy, wlen);
	if (d.depth < depth || d.depth > DECAP_MAX_DEPTH)
		abort();
	if (st == DIS_OK && d.depth > depth) {
		inside(d.ip.payload, d.ip.payload_len, copy, wlen);
		if (!d.ip.is_fragment && d.ip.proto == 6)
			tcp_check(d.ip.payload, d.ip.payload_len);
	}
	free(copy);
}

static void one_packet(int lt, const uint8_t *pkt, size_t len, struct ipfrag_table *ft, int64_t ts)
{
	struct link_info li;
	struct ip_packet ip;
	char text[64];

	decap_check(lt, pkt, len, ft, ts);
	if (link_decode(lt, pkt, len, &li) != DIS_OK)
		return;
	if (li.l3_offset > len || li.n_vlan < 0 || li.n_vlan > 2)
		abort();
	const uint8_t *l3 = pkt + li.l3_offset;
	size_t l3len = len - li.l3_offset;
	if (ip_parse(l3, l3len, &ip) != DIS_OK)
		return;
	inside(ip.payload, ip.payload_len, l3, l3len);
	if (ip.payload_len > ip.payload_wire_len || ip.truncated != (ip.payload_len < ip.payload_wire_len))
		abort();
	ip_addr_text(&ip.src, text, sizeof(text));
	ip_addr_text(&ip.dst, text, sizeof(text));
	if (ip_addr_cmp(&ip.src, &ip.dst) != -ip_addr_cmp(&ip.dst, &ip.src))
		abort();

	if (ip.is_fragment) {
		const uint8_t *whole = NULL;
		size_t wlen = 0;
		int rc = ipfrag_add(ft, &ip, ts, &whole, &wlen);
		if (rc == 1) {
			if (wlen && !whole)
				abort();
			if (ip.proto == 6)
				tcp_check(whole, wlen);
		}
		if (ipfrag_bytes_in_use(ft) > 256 * 1024)
			abort();
		return;
	}
	if (ip.proto == 6)
		tcp_check(ip.payload, ip.payload_len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	int lt = linktypes[data[0] % (sizeof(linktypes) / sizeof(linktypes[0]))];
	/* A small cap and a short timeout so eviction and expiry run too. */
	struct ipfrag_table *ft = ipfrag_table_new(256 * 1024, 1000);
	if (!ft)
		return 0;
	data++;
	size--;
	int64_t ts = 0;
	while (size > 0) {
		size_t n = size;
		if (size >= 2) {
			n = ((size_t)data[0] << 8 | data[1]) % (size - 1);
			data += 2;
			size -= 2;
			if (n == 0)
				n = size;
		}
		uint8_t *pkt = malloc(n ? n : 1);
		if (!pkt)
			abort();
		memcpy(pkt, data, n);
		one_packet(lt, n ? pkt : NULL, n, ft, ts);
		free(pkt);
		ts += n; /* a clock driven by the input */
		data += n;
		size -= n;
	}
	ipfrag_table_free(ft);
	return 0;
}
