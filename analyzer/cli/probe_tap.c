/* probe_tap.c - the probe's own connection as synthesised frames (see
 * probe_tap.h). Checksums are real, so Wireshark shows no errors. */
#include "cli/probe_tap.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "flow/analyzer.h"
#include "link.h"

#define ETH_LEN 14
#define IPV4_LEN 20
#define IPV6_LEN 40
#define TCP_LEN 20
#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_PSH 0x08
#define TCP_ACK 0x10
/* Initial sequence numbers: any will do, the analyzer follows them. */
#define CLIENT_ISN 0x10000000u
#define SERVER_ISN 0x20000000u

struct tap_frame {
	int64_t ts_ns;
	size_t len;
	uint8_t *bytes; /* owned */
};

struct probe_tap {
	struct probe_endpoint ep[2]; /* [0] client, [1] server */
	uint32_t next_seq[2];
	uint16_t ip_id[2];
	size_t max_bytes;
	size_t payload[2];
	struct tap_frame *frames; /* owned */
	size_t n, cap;
};

struct probe_tap *probe_tap_new(const struct probe_endpoint *client, const struct probe_endpoint *server,
				size_t max_bytes)
{
	struct probe_tap *t = calloc(1, sizeof *t);
	if (!t)
		return NULL;
	t->ep[0] = *client;
	t->ep[1] = *server;
	t->next_seq[0] = CLIENT_ISN;
	t->next_seq[1] = SERVER_ISN;
	t->max_bytes = max_bytes;
	return t;
}

void probe_tap_free(struct probe_tap *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n; i++)
		free(t->frames[i].bytes);
	free(t->frames);
	free(t);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static uint32_t sum16(uint32_t sum, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	return sum;
}

static uint16_t fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* One segment from side `from` (0 client, 1 server) with `flags`. */
static int add_segment(struct probe_tap *t, int from, uint8_t flags, const uint8_t *payload, size_t n,
		       int64_t ts_ns)
{
	const struct probe_endpoint *src = &t->ep[from], *dst = &t->ep[!from];
	bool v6 = src->family == AF_INET6;
	size_t ip_len = v6 ? IPV6_LEN : IPV4_LEN;
	size_t len = ETH_LEN + ip_len + TCP_LEN + n;
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		struct tap_frame *f = realloc(t->frames, cap * sizeof *f);
		if (!f)
			return -1;
		t->frames = f;
		t->cap = cap;
	}
	uint8_t *b = calloc(1, len);
	if (!b)
		return -1;
	/* Ethernet: locally administered addresses, 02:..:01 the client. */
	b[0] = 0x02, b[5] = (uint8_t)(2 - from);
	b[6] = 0x02, b[11] = (uint8_t)(1 + from);
	put16(b + 12, v6 ? 0x86dd : 0x0800);
	uint8_t *ip = b + ETH_LEN, *tcp = ip + ip_len;
	size_t tcp_len = TCP_LEN + n;
	uint32_t pseudo;
	if (v6) {
		put32(ip, 0x60000000u);
		put16(ip + 4, (uint16_t)tcp_len);
		ip[6] = 6;  /* TCP */
		ip[7] = 64; /* hop limit */
		memcpy(ip + 8, src->addr, 16);
		memcpy(ip + 24, dst->addr, 16);
		pseudo = sum16(0, ip + 8, 32) + (uint32_t)(tcp_len >> 16) + (uint32_t)(tcp_len & 0xffff) + 6;
	} else {
		ip[0] = 0x45;
		put16(ip + 2, (uint16_t)(IPV4_LEN + tcp_len));
		put16(ip + 4, t->ip_id[from]++);
		put16(ip + 6, 0x4000); /* DF */
		ip[8] = 64;
		ip[9] = 6;
		memcpy(ip + 12, src->addr, 4);
		memcpy(ip + 16, dst->addr, 4);
		put16(ip + 10, fold(sum16(0, ip, IPV4_LEN)));
		pseudo = sum16(0, ip + 12, 8) + (uint32_t)tcp_len + 6;
	}
	put16(tcp, src->port);
	put16(tcp + 2, dst->port);
	put32(tcp + 4, t->next_seq[from]);
	bool syn_only = flags == TCP_SYN;
	put32(tcp + 8, syn_only ? 0 : t->next_seq[!from]);
	tcp[12] = (TCP_LEN / 4) << 4;
	tcp[13] = (uint8_t)(flags | (syn_only ? 0 : TCP_ACK));
	put16(tcp + 14, 65535);
	if (n)
		memcpy(tcp + TCP_LEN, payload, n);
	put16(tcp + 16, fold(sum16(pseudo, tcp, tcp_len)));
	t->next_seq[from] += (uint32_t)n + ((flags & (TCP_SYN | TCP_FIN)) ? 1u : 0u);
	t->frames[t->n++] = (struct tap_frame){ ts_ns, len, b };
	return 0;
}

int probe_tap_open(struct probe_tap *t, int64_t ts_ns)
{
	if (add_segment(t, 0, TCP_SYN, NULL, 0, ts_ns) || add_segment(t, 1, TCP_SYN | TCP_ACK, NULL, 0, ts_ns) ||
	    add_segment(t, 0, TCP_ACK, NULL, 0, ts_ns))
		return -1;
	return 0;
}

int probe_tap_data(struct probe_tap *t, bool from_server, const uint8_t *p, size_t n, int64_t ts_ns)
{
	if (n > t->max_bytes - t->payload[0] - t->payload[1])
		return -1;
	while (n > 0) {
		size_t chunk = n < PROBE_TAP_SEGMENT ? n : PROBE_TAP_SEGMENT;
		if (add_segment(t, from_server, TCP_PSH, p, chunk, ts_ns))
			return -1;
		t->payload[from_server] += chunk;
		p += chunk;
		n -= chunk;
	}
	return 0;
}

int probe_tap_close(struct probe_tap *t, bool from_server, bool reset, int64_t ts_ns)
{
	return add_segment(t, from_server, reset ? TCP_RST : TCP_FIN, NULL, 0, ts_ns);
}

size_t probe_tap_frames(const struct probe_tap *t)
{
	return t->n;
}

size_t probe_tap_payload_bytes(const struct probe_tap *t, bool from_server)
{
	return t->payload[from_server];
}

void probe_tap_feed(const struct probe_tap *t, struct analyzer *a)
{
	for (size_t i = 0; i < t->n; i++)
		analyzer_frame(a, LINKTYPE_ETHERNET, t->frames[i].bytes, t->frames[i].len, t->frames[i].len,
			       t->frames[i].ts_ns);
}

int probe_tap_write_pcap(const struct probe_tap *t, FILE *fp, char *err, size_t errsz)
{
	pcap_t *p = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, 262144, PCAP_TSTAMP_PRECISION_NANO);
	if (!p) {
		snprintf(err, errsz, "out of memory");
		fclose(fp);
		return -1;
	}
	pcap_dumper_t *d = pcap_dump_fopen(p, fp);
	if (!d) {
		snprintf(err, errsz, "%s", pcap_geterr(p));
		pcap_close(p);
		fclose(fp);
		return -1;
	}
	for (size_t i = 0; i < t->n; i++) {
		struct pcap_pkthdr h = { 0 };
		int64_t ts = t->frames[i].ts_ns;
		h.ts.tv_sec = (time_t)(ts / 1000000000);
		h.ts.tv_usec = (suseconds_t)(ts % 1000000000); /* nanoseconds in a nano file */
		h.caplen = h.len = (bpf_u_int32)t->frames[i].len;
		pcap_dump((u_char *)d, &h, t->frames[i].bytes);
	}
	int rc = 0;
	if (pcap_dump_flush(d) != 0) {
		snprintf(err, errsz, "%s", strerror(errno));
		rc = -1;
	}
	pcap_dump_close(d);
	pcap_close(p);
	return rc;
}
