/* seeds.c - seed corpora for the fuzz targets, cut from real captures.
 *
 * Usage: fuzz-seeds OUTDIR CAPTURE...
 * Writes OUTDIR/<target>/<hash> files:
 *   fuzz_pipeline       every capture file whole
 *   fuzz_netmon         the NetMon files whole
 *   fuzz_link_ip        the frames of each capture in that target's format
 *   fuzz_tcp_reasm      each TCP connection's segments (sequence numbers and
 *                       lengths; the target makes up the bytes)
 *   fuzz_tls_stream     each connection's payloads in capture order
 *   fuzz_tls_handshake  every handshake message body, as TLS 1.2 and 1.3
 *   fuzz_x509           every certificate (DER) and CA name list
 * Payloads are taken in capture order without reassembly: seeds only need
 * to be close to real traffic. */
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ip.h"
#include "link.h"
#include "tcp.h"
#include "tls_handshake.h"
#include "tls_hs_stream.h"
#include "tls_record.h"

#define MAX_FLOWS 64

struct buf {
	uint8_t *p;
	size_t n, cap;
};

struct seed_flow {
	uint16_t port[2];     /* port[0] sent the first packet */
	uint32_t base[2];
	bool have_base[2];
	struct buf payload[2];
	struct buf chunks;    /* fuzz_tls_stream input */
	struct buf segments;  /* fuzz_tcp_reasm input */
};

static const char *outdir;

static void buf_add(struct buf *b, const void *p, size_t n)
{
	if (b->n + n > b->cap) {
		b->cap = (b->n + n) * 2 + 64;
		b->p = realloc(b->p, b->cap);
		if (!b->p) {
			perror("fuzz-seeds");
			exit(1);
		}
	}
	memcpy(b->p + b->n, p, n);
	b->n += n;
}

static void write_seed(const char *target, const uint8_t *p, size_t n)
{
	char path[4096];
	uint64_t h = 1469598103934665603ull; /* FNV-1a names the file by its content */
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 1099511628211ull;
	snprintf(path, sizeof path, "%s/%s", outdir, target);
	mkdir(path, 0755);
	snprintf(path, sizeof path, "%s/%s/%016llx", outdir, target, (unsigned long long)h);
	FILE *fp = fopen(path, "wb");
	if (!fp || fwrite(p, 1, n, fp) != n || fclose(fp) != 0) {
		perror(path);
		exit(1);
	}
}

static void write_file_seed(const char *target, const char *path)
{
	struct buf b = { 0 };
	uint8_t tmp[65536];
	size_t n;
	FILE *fp = fopen(path, "rb");
	if (!fp) {
		perror(path);
		exit(1);
	}
	while ((n = fread(tmp, 1, sizeof tmp, fp)) > 0)
		buf_add(&b, tmp, n);
	fclose(fp);
	write_seed(target, b.p, b.n);
	free(b.p);
}

/* ---- handshake messages, certificates and CA lists ---------------------- */

static void on_message(void *ctx, const struct tls_hs_msg *m)
{
	(void)ctx;
	if (!m->body)
		return;
	for (uint8_t vi = 3; vi <= 4; vi++) { /* fuzz_tls_handshake: 3 = TLS 1.2, 4 = TLS 1.3 */
		struct buf b = { 0 };
		buf_add(&b, &vi, 1);
		buf_add(&b, m->body, m->length);
		write_seed("fuzz_tls_handshake", b.p, b.n);
		free(b.p);
		uint16_t v = vi == 3 ? 0x0303 : 0x0304;
		struct tls_certificate c;
		struct tls_cert_request cr;
		if (m->type == TLS_HS_CERTIFICATE && tls_certificate_parse(m->body, m->length, v, &c) == DIS_OK)
			for (size_t i = 0; i < c.n_kept; i++)
				write_seed("fuzz_x509", c.der[i].p, c.der[i].len);
		if (m->type == TLS_HS_CERTIFICATE_REQUEST && tls_cert_request_parse(m->body, m->length, v, &cr) == DIS_OK &&
		    cr.ca_list.len)
			write_seed("fuzz_x509", cr.ca_list.p, cr.ca_list.len);
	}
}

struct record_ctx {
	struct tls_hs_stream hs;
};

static bool want_handshake(void *ctx, const struct tls_record_header *h)
{
	(void)ctx;
	return h->type == TLS_CT_HANDSHAKE;
}

static void on_record(void *ctx, const struct tls_record *rec)
{
	struct record_ctx *rc = ctx;
	if (rec->hdr.type == TLS_CT_HANDSHAKE && rec->body && !rec->damaged)
		tls_hs_stream_feed(&rc->hs, rec->body, rec->body_len, &rec->start, &rec->end, on_message, NULL);
}

static void messages_of(const struct buf *b)
{
	struct tls_record_reader rr;
	struct record_ctx rc;
	struct tls_record_sink sink = { &rc, want_handshake, on_record, NULL };
	struct tcp_frame_ref at = { 1, 0 };

	tls_record_reader_init(&rr);
	tls_hs_stream_init(&rc.hs, TLS_HS_DEFAULT_MAX_MSG);
	tls_record_reader_feed(&rr, b->p, b->n, &at, &sink);
	tls_hs_stream_release(&rc.hs);
	tls_record_reader_release(&rr);
}

/* ---- one capture ------------------------------------------------------------- */

static void one_capture(const char *path)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct seed_flow flows[MAX_FLOWS];
	size_t n_flows = 0;
	struct buf frames = { 0 };
	pcap_t *pc = pcap_open_offline(path, errbuf);

	write_file_seed("fuzz_pipeline", path);
	if (strstr(path, ".netmon") || !pc) { /* libpcap reads no NetMon */
		write_file_seed("fuzz_netmon", path);
		if (pc)
			pcap_close(pc);
		return;
	}
	int lt = pcap_datalink(pc);
	static const int lts[] = { 1, 113, 276, 0, 108, 101 }; /* fuzz_link_ip's table, in order */
	uint8_t lti = 0;
	for (uint8_t i = 0; i < sizeof lts / sizeof lts[0]; i++)
		if (lts[i] == lt)
			lti = i;
	buf_add(&frames, &lti, 1);

	memset(flows, 0, sizeof flows);
	struct pcap_pkthdr *h;
	const u_char *pkt;
	while (pcap_next_ex(pc, &h, &pkt) == 1) {
		struct link_info li;
		struct ip_packet ip;
		struct tcp_header th;
		uint8_t len2[2] = { (uint8_t)(h->caplen >> 8), (uint8_t)h->caplen };
		if (frames.n < 60000) {
			buf_add(&frames, len2, 2);
			buf_add(&frames, pkt, h->caplen & 0xffff);
		}
		if (link_decode(lt, pkt, h->caplen, &li) != DIS_OK || ip_parse(pkt + li.l3_offset, h->caplen - li.l3_offset, &ip) != DIS_OK ||
		    ip.is_fragment || ip.proto != 6 || tcp_parse(ip.payload, ip.payload_len, &th) != DIS_OK)
			continue;
		size_t k = 0;
		while (k < n_flows && !((flows[k].port[0] == th.sport && flows[k].port[1] == th.dport) ||
					(flows[k].port[1] == th.sport && flows[k].port[0] == th.dport)))
			k++;
		if (k == n_flows) {
			if (n_flows == MAX_FLOWS)
				continue;
			flows[k].port[0] = th.sport;
			flows[k].port[1] = th.dport;
			uint8_t cap = 3; /* fuzz_tcp_reasm: the largest out-of-order cap */
			buf_add(&flows[k].segments, &cap, 1);
			n_flows++;
		}
		struct seed_flow *f = &flows[k];
		int d = f->port[0] == th.sport ? 0 : 1;
		if (!f->have_base[d]) {
			f->have_base[d] = true;
			f->base[d] = th.seq;
		}
		/* fuzz_tcp_reasm record: op, seq, len, cut, ack */
		uint32_t rel = th.seq - f->base[d] + 256;
		uint32_t ack = f->have_base[!d] ? th.ack - f->base[!d] + 256 : 0;
		uint8_t op = (uint8_t)(d | ((th.flags & TCP_SYN) ? 2 : 0) | ((th.flags & TCP_FIN) ? 4 : 0) |
				       ((th.flags & TCP_RST) ? 8 : 0) | ((th.flags & TCP_ACK) && f->have_base[!d] ? 16 : 0));
		size_t plen = th.payload_len > 255 ? 255 : th.payload_len;
		uint8_t rec[7] = { op, (uint8_t)(rel >> 8), (uint8_t)rel, (uint8_t)plen,
				   th.payload_len > 255 ? (uint8_t)(0x80 | (th.payload_len - 255 > 127 ? 127 : th.payload_len - 255)) : 0,
				   (uint8_t)(ack >> 8), (uint8_t)ack };
		if (rel < 65536 && f->segments.n < 7 * 4096)
			buf_add(&f->segments, rec, sizeof rec);
		if (th.payload_len == 0)
			continue;
		buf_add(&f->payload[d], th.payload, th.payload_len);
		/* fuzz_tls_stream chunk: side bit, 14-bit length */
		for (size_t off = 0; off < th.payload_len; off += 0x3fff) {
			size_t n = th.payload_len - off > 0x3fff ? 0x3fff : th.payload_len - off;
			uint8_t hdr[2] = { (uint8_t)((d ? 0x80 : 0) | (n >> 8)), (uint8_t)n };
			buf_add(&f->chunks, hdr, 2);
			buf_add(&f->chunks, th.payload + off, n);
		}
	}
	pcap_close(pc);
	write_seed("fuzz_link_ip", frames.p, frames.n);
	free(frames.p);
	for (size_t k = 0; k < n_flows; k++) {
		struct seed_flow *f = &flows[k];
		if (f->chunks.n) {
			uint8_t lim = 3; /* fuzz_tls_stream: the default message limit */
			struct buf b = { 0 };
			buf_add(&b, &lim, 1);
			buf_add(&b, f->chunks.p, f->chunks.n);
			write_seed("fuzz_tls_stream", b.p, b.n);
			free(b.p);
		}
		write_seed("fuzz_tcp_reasm", f->segments.p, f->segments.n);
		for (int d = 0; d < 2; d++) {
			if (f->payload[d].n)
				messages_of(&f->payload[d]);
			free(f->payload[d].p);
		}
		free(f->chunks.p);
		free(f->segments.p);
	}
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: fuzz-seeds OUTDIR CAPTURE...\n");
		return 2;
	}
	outdir = argv[1];
	mkdir(outdir, 0755);
	for (int i = 2; i < argc; i++)
		one_capture(argv[i]);
	return 0;
}
