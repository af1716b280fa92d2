/*
 * advgen.c - adversarial captures for `make stress` and the memory test.
 *
 *   advgen syn N OUT        N half-open flows: one SYN each, never answered
 *   advgen hs N OUT         N TLS 1.2 handshakes all in progress at once:
 *                           every ClientHello, then every server flight (with
 *                           a CertificateRequest), then every ending
 *   advgen calist C R OUT   C connections open at once, each sent R
 *                           CertificateRequests whose CA lists (about 64 KB
 *                           each) all differ: C * R distinct lists
 *   advgen mixed M N OUT    M TLS handshakes opened, then N SYNs never
 *                           answered, then the M handshakes go on: under a
 *                           tight bound the idle SYNs, though more recent,
 *                           must go before the handshakes
 *   advgen hole MB OUT      one connection whose server sends MB megabytes
 *                           after a hole at the start of its stream (the
 *                           first segment never captured, nothing ACKed)
 *
 * OUT "-" is standard output. A classic pcap (Ethernet, IPv4), a packet
 * every 10 microseconds. The TLS bytes are built here, not recorded: what
 * is measured is what the analyzer holds and how long it takes, not what
 * it concludes; the handshakes are well-formed TLS 1.2 up to the
 * encrypted Finished, so each is seen as a TLS connection and reported.
 * Stderr gets "connections N": the TLS connections written.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MSS 1460u
#define SERVER_ISN 0x50000000u
#define CLIENT_ISN 0x10000000u
#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_PSH 0x08
#define TCP_ACK 0x10

struct writer {
	FILE *f;
	uint64_t ts_us;
	uint16_t ip_id;
	uint8_t frame[14 + 20 + 20 + MSS];
};

struct conn {
	uint32_t client_ip, server_ip;
	uint16_t client_port, server_port;
	uint32_t seq[2]; /* next sequence number: [0] client, [1] server */
};

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}
static void put24(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 16);
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)v;
}
static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static void le32(FILE *f, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };
	fwrite(b, 1, 4, f);
}

static void pcap_header(FILE *f)
{
	le32(f, 0xa1b2c3d4);
	uint8_t ver[4] = { 2, 0, 4, 0 };
	fwrite(ver, 1, 4, f);
	le32(f, 0);
	le32(f, 0);
	le32(f, 65535);
	le32(f, 1); /* Ethernet */
}

static uint16_t ip_checksum(const uint8_t *h)
{
	uint32_t sum = 0;
	for (int i = 0; i < 20; i += 2)
		sum += (uint32_t)(h[i] << 8 | h[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* One segment of c from side `from` (0 client, 1 server); the sequence
 * number advances by len (and SYN/FIN). `skip` leaves it out of the
 * capture (the hole) but advances the sequence all the same. */
static void segment(struct writer *w, struct conn *c, int from, uint8_t flags, const uint8_t *data, size_t len,
		    int skip)
{
	uint8_t *fr = w->frame;
	w->ts_us += 10;
	uint32_t seq = c->seq[from];
	c->seq[from] += (uint32_t)len + ((flags & (TCP_SYN | TCP_FIN)) ? 1u : 0u);
	if (skip)
		return;
	memset(fr, 0, 14 + 40);
	fr[0] = 2; /* locally administered MACs */
	fr[6] = 2;
	fr[5] = (uint8_t)!from;
	fr[11] = (uint8_t)from;
	put16(fr + 12, 0x0800);
	uint8_t *ip = fr + 14;
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)(40 + len));
	put16(ip + 4, w->ip_id++);
	put16(ip + 6, 0x4000);
	ip[8] = 64;
	ip[9] = 6;
	put32(ip + 12, from ? c->server_ip : c->client_ip);
	put32(ip + 16, from ? c->client_ip : c->server_ip);
	put16(ip + 10, ip_checksum(ip));
	uint8_t *tcp = ip + 20;
	put16(tcp, from ? c->server_port : c->client_port);
	put16(tcp + 2, from ? c->client_port : c->server_port);
	put32(tcp + 4, seq);
	put32(tcp + 8, (flags & TCP_ACK) ? c->seq[!from] : 0);
	tcp[12] = 5 << 4;
	tcp[13] = flags;
	put16(tcp + 14, 65535);
	/* The TCP checksum is left 0, as offloading NICs capture it. */
	if (len)
		memcpy(tcp + 20, data, len);
	size_t n = 14 + 40 + len;
	le32(w->f, (uint32_t)(w->ts_us / 1000000));
	le32(w->f, (uint32_t)(w->ts_us % 1000000));
	le32(w->f, (uint32_t)n);
	le32(w->f, (uint32_t)n);
	fwrite(fr, 1, n, w->f);
}

/* Bytes from side `from`, cut into segments of at most MSS. */
static void send_bytes(struct writer *w, struct conn *c, int from, const uint8_t *p, size_t n)
{
	while (n) {
		size_t k = n < MSS ? n : MSS;
		segment(w, c, from, TCP_ACK | TCP_PSH, p, k, 0);
		p += k;
		n -= k;
	}
}

/* A growing byte buffer. */
struct buf {
	uint8_t *p;
	size_t n, cap;
};

static uint8_t *buf_grow(struct buf *b, size_t k)
{
	if (b->n + k > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		while (cap < b->n + k)
			cap *= 2;
		uint8_t *np = realloc(b->p, cap);
		if (!np) {
			perror("advgen");
			exit(2);
		}
		b->p = np;
		b->cap = cap;
	}
	uint8_t *at = b->p + b->n;
	b->n += k;
	return at;
}

static void buf_put(struct buf *b, const void *p, size_t k)
{
	memcpy(buf_grow(b, k), p, k);
}

/* Handshake messages (type, body) into records of at most 16 KiB. */
static void records(struct buf *out, uint8_t type, const uint8_t *p, size_t n)
{
	do {
		size_t k = n < 16384 ? n : 16384;
		uint8_t h[5] = { type, 3, 3 };
		put16(h + 3, (uint16_t)k);
		buf_put(out, h, 5);
		buf_put(out, p, k);
		p += k;
		n -= k;
	} while (n);
}

static void hs_msg(struct buf *hs, uint8_t type, const uint8_t *body, size_t n)
{
	uint8_t h[4] = { type };
	put24(h + 1, (uint32_t)n);
	buf_put(hs, h, 4);
	if (n)
		buf_put(hs, body, n);
}

static void client_hello(struct buf *hs, uint32_t id)
{
	uint8_t b[2 + 32 + 1 + 6 + 2] = { 3, 3 };
	put32(b + 2, id);
	b[34] = 0;                             /* session id */
	put16(b + 35, 4);                      /* cipher suites */
	put16(b + 37, 0xc02f);
	put16(b + 39, 0x009c);
	b[41] = 1;                             /* compression methods */
	b[42] = 0;
	hs_msg(hs, 1, b, sizeof b);
}

static void server_hello(struct buf *hs, uint32_t id)
{
	uint8_t b[2 + 32 + 1 + 2 + 1] = { 3, 3 };
	put32(b + 2, ~id);
	b[34] = 0;
	put16(b + 35, 0xc02f);
	b[37] = 0;
	hs_msg(hs, 2, b, sizeof b);
}

/* One RDN, attribute type 2.5.4.<attr>, UTF8String text (< 100 bytes). */
static size_t rdn(uint8_t *p, uint8_t attr, const char *text)
{
	size_t t = strlen(text);
	uint8_t *q = p;
	*q++ = 0x31;
	*q++ = (uint8_t)(t + 9);
	*q++ = 0x30;
	*q++ = (uint8_t)(t + 7);
	*q++ = 0x06;
	*q++ = 3;
	*q++ = 0x55;
	*q++ = 0x04;
	*q++ = attr;
	*q++ = 0x0c;
	*q++ = (uint8_t)t;
	memcpy(q, text, t);
	return (size_t)(q - p) + t;
}

/* A DER Name: O = org, CN = cn (together < 200 bytes). */
static size_t dn(uint8_t *p, const char *org, const char *cn)
{
	size_t n = rdn(p + 3, 10, org);
	n += rdn(p + 3 + n, 3, cn);
	p[0] = 0x30;
	p[1] = 0x81;
	p[2] = (uint8_t)n;
	return n + 3;
}

/* A CertificateRequest (TLS 1.2) whose CA list is `names` names; the
 * last name carries `tag`, so lists with different tags differ (the other
 * names are common to all lists: decoded once, as a busy server's are). */
static void cert_request(struct buf *hs, unsigned names, uint64_t tag)
{
	struct buf b = { 0 };
	uint8_t head[1 + 1 + 2 + 2 + 2] = { 1, 1 /* rsa_sign */ };
	put16(head + 2, 2);
	put16(head + 4, 0x0401);
	buf_put(&b, head, sizeof head);
	size_t list_at = b.n - 2;
	for (unsigned i = 0; i < names; i++) {
		char cn[100];
		if (i + 1 == names)
			snprintf(cn, sizeof cn, "Adversarial Issuing CA, list %llu", (unsigned long long)tag);
		else
			snprintf(cn, sizeof cn, "Adversarial Intermediate CA %04u, Department of Repeated Names", i);
		uint8_t der[2 + 256];
		size_t n = dn(der + 2, "Example Federation Trust Services, Certification Authorities Division", cn);
		put16(der, (uint16_t)n);
		buf_put(&b, der, n + 2);
	}
	put16(b.p + list_at, (uint16_t)(b.n - list_at - 2));
	hs_msg(hs, 13, b.p, b.n);
	free(b.p);
}

static void conn_init(struct conn *c, uint64_t i)
{
	c->client_ip = 0x0a000000u | (uint32_t)(i & 0xffffff); /* 10.x.y.z */
	c->server_ip = 0xc0a80001u;                            /* 192.168.0.1 */
	c->client_port = (uint16_t)(1024 + (i >> 24));
	c->server_port = 443;
	c->seq[0] = CLIENT_ISN;
	c->seq[1] = SERVER_ISN;
}

/* SYN, SYN-ACK, ACK and the ClientHello. */
static void open_tls(struct writer *w, struct conn *c, uint32_t id)
{
	segment(w, c, 0, TCP_SYN, NULL, 0, 0);
	segment(w, c, 1, TCP_SYN | TCP_ACK, NULL, 0, 0);
	segment(w, c, 0, TCP_ACK, NULL, 0, 0);
	struct buf hs = { 0 }, rec = { 0 };
	client_hello(&hs, id);
	records(&rec, 22, hs.p, hs.n);
	send_bytes(w, c, 0, rec.p, rec.n);
	free(hs.p);
	free(rec.p);
}

/* The server's first flight: ServerHello, an empty Certificate, a
 * CertificateRequest of `names` names tagged `tag`, ServerHelloDone. */
static void server_flight(struct writer *w, struct conn *c, uint32_t id, unsigned names, uint64_t tag)
{
	struct buf hs = { 0 }, rec = { 0 };
	server_hello(&hs, id);
	uint8_t empty_chain[3] = { 0 };
	hs_msg(&hs, 11, empty_chain, 3);
	cert_request(&hs, names, tag);
	hs_msg(&hs, 14, NULL, 0);
	records(&rec, 22, hs.p, hs.n);
	send_bytes(w, c, 1, rec.p, rec.n);
	segment(w, c, 0, TCP_ACK, NULL, 0, 0);
	free(hs.p);
	free(rec.p);
}

/* Another CertificateRequest in the same handshake (a server that asks
 * again: each is kept, up to the model's limit). */
static void another_request(struct writer *w, struct conn *c, unsigned names, uint64_t tag)
{
	struct buf hs = { 0 }, rec = { 0 };
	cert_request(&hs, names, tag);
	records(&rec, 22, hs.p, hs.n);
	send_bytes(w, c, 1, rec.p, rec.n);
	segment(w, c, 0, TCP_ACK, NULL, 0, 0);
	free(hs.p);
	free(rec.p);
}

/* The client's empty Certificate, ClientKeyExchange, CCS and Finished; the
 * server's CCS and Finished; FIN from both. */
static void finish_tls(struct writer *w, struct conn *c)
{
	struct buf hs = { 0 }, rec = { 0 };
	uint8_t empty_chain[3] = { 0 };
	hs_msg(&hs, 11, empty_chain, 3);
	uint8_t cke[1 + 65] = { 65, 4 };
	hs_msg(&hs, 16, cke, sizeof cke);
	records(&rec, 22, hs.p, hs.n);
	uint8_t ccs[6] = { 20, 3, 3, 0, 1, 1 };
	buf_put(&rec, ccs, sizeof ccs);
	uint8_t fin[5 + 40] = { 22, 3, 3, 0, 40 };
	memset(fin + 5, 0xa5, 40);
	buf_put(&rec, fin, sizeof fin);
	send_bytes(w, c, 0, rec.p, rec.n);
	rec.n = 0;
	buf_put(&rec, ccs, sizeof ccs);
	buf_put(&rec, fin, sizeof fin);
	send_bytes(w, c, 1, rec.p, rec.n);
	segment(w, c, 0, TCP_ACK | TCP_FIN, NULL, 0, 0);
	segment(w, c, 1, TCP_ACK | TCP_FIN, NULL, 0, 0);
	segment(w, c, 0, TCP_ACK, NULL, 0, 0);
	free(hs.p);
	free(rec.p);
}

/* About 64 KB of CA list: names of ~160 bytes of DER (fewer than the
 * analyzer caches, so that the names all lists share are decoded once). */
#define NAMES_64K 400u

static int usage(void)
{
	fprintf(stderr, "usage: advgen syn N OUT | hs N OUT | calist C R OUT | mixed M N OUT | hole MB OUT   (OUT - : stdout)\n");
	return 2;
}

/* n connections (0 .. n-1) opened: their handshakes started. NULL, said,
 * when there is no memory for them. */
static struct conn *open_all(struct writer *w, uint64_t n)
{
	struct conn *cs = calloc(n, sizeof *cs);
	if (!cs) {
		perror("advgen");
		return NULL;
	}
	for (uint64_t i = 0; i < n; i++) {
		conn_init(&cs[i], i);
		open_tls(w, &cs[i], (uint32_t)i);
	}
	return cs;
}

/* Each of the n connections of open_all finished, then freed. */
static void finish_all(struct writer *w, struct conn *cs, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++)
		finish_tls(w, &cs[i]);
	free(cs);
}

int main(int argc, char **argv)
{
	if (argc < 4)
		return usage();
	const char *mode = argv[1];
	uint64_t n = strtoull(argv[2], NULL, 10);
	uint64_t r = 0;
	const char *out = argv[3];
	if (strcmp(mode, "calist") == 0 || strcmp(mode, "mixed") == 0) {
		if (argc < 5)
			return usage();
		r = strtoull(argv[3], NULL, 10);
		out = argv[4];
	}
	if (n == 0 || n > (1ull << 32))
		return usage();
	struct writer w = { 0 };
	w.ts_us = 1700000000ull * 1000000ull;
	w.f = strcmp(out, "-") == 0 ? stdout : fopen(out, "wb");
	if (!w.f) {
		perror(out);
		return 2;
	}
	static char iobuf[1 << 20];
	setvbuf(w.f, iobuf, _IOFBF, sizeof iobuf);
	pcap_header(w.f);
	uint64_t tls = 0;
	if (strcmp(mode, "syn") == 0) {
		for (uint64_t i = 0; i < n; i++) {
			struct conn c;
			conn_init(&c, i);
			segment(&w, &c, 0, TCP_SYN, NULL, 0, 0);
		}
	} else if (strcmp(mode, "hs") == 0 || strcmp(mode, "calist") == 0) {
		int ca = strcmp(mode, "calist") == 0;
		if (ca && (r == 0 || r > 16))
			return usage();
		struct conn *cs = open_all(&w, n);
		if (!cs)
			return 2;
		for (uint64_t i = 0; i < n; i++)
			server_flight(&w, &cs[i], (uint32_t)i, ca ? NAMES_64K : 3, ca ? i * r : 0);
		for (uint64_t k = 1; ca && k < r; k++)
			for (uint64_t i = 0; i < n; i++)
				another_request(&w, &cs[i], NAMES_64K, i * r + k);
		finish_all(&w, cs, n);
		tls = n;
	} else if (strcmp(mode, "mixed") == 0) {
		struct conn *cs = open_all(&w, n);
		if (!cs)
			return 2;
		for (uint64_t i = 0; i < r; i++) {
			struct conn c;
			conn_init(&c, n + i);
			segment(&w, &c, 0, TCP_SYN, NULL, 0, 0);
		}
		for (uint64_t i = 0; i < n; i++)
			server_flight(&w, &cs[i], (uint32_t)i, 3, 0);
		finish_all(&w, cs, n);
		tls = n;
	} else if (strcmp(mode, "hole") == 0) {
		struct conn c;
		conn_init(&c, 0);
		open_tls(&w, &c, 0);
		/* The server's bytes: its flight, then application data records;
		 * the first segment is missing and nothing is acknowledged, so
		 * everything after it arrives "out of order". */
		uint64_t total = n * 1000000ull;
		static uint8_t rec[5 + 16384];
		rec[0] = 23;
		rec[1] = 3;
		rec[2] = 3;
		put16(rec + 3, 16384);
		memset(rec + 5, 0x5a, 16384);
		uint64_t sent = 0;
		size_t off = 0;
		int first = 1;
		while (sent < total) {
			size_t k = sizeof rec - off < MSS ? sizeof rec - off : MSS;
			segment(&w, &c, 1, TCP_ACK | TCP_PSH, rec + off, k, first);
			first = 0;
			off = (off + k) % sizeof rec;
			sent += k;
		}
		segment(&w, &c, 1, TCP_ACK | TCP_FIN, NULL, 0, 0);
		segment(&w, &c, 0, TCP_ACK | TCP_FIN, NULL, 0, 0);
		tls = 1;
	} else {
		return usage();
	}
	if (fflush(w.f) != 0 || (w.f != stdout && fclose(w.f) != 0)) {
		perror(out);
		return 2;
	}
	fprintf(stderr, "connections %llu\n", (unsigned long long)tls);
	return 0;
}
