/* capfile.c - frame list and capture file writers. */
#include "capfile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

void capture_init(struct capture *c)
{
	memset(c, 0, sizeof(*c));
}

void capture_free(struct capture *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->f[i].data);
	free(c->f);
	capture_init(c);
}

int capture_add_if(struct capture *c, int linktype, const char *name)
{
	if (c->nif >= (int)(sizeof(c->linktype) / sizeof(c->linktype[0])))
		return -1;
	c->linktype[c->nif] = linktype;
	c->ifname[c->nif] = name;
	return c->nif++;
}

int capture_add(struct capture *c, int ifidx, int64_t ts_us, const uint8_t *data, size_t len)
{
	if (c->n == c->cap) {
		size_t ncap = c->cap ? c->cap * 2 : 64;
		struct frame *nf = realloc(c->f, ncap * sizeof(*nf));
		if (!nf)
			return -1;
		c->f = nf;
		c->cap = ncap;
	}
	uint8_t *copy = malloc(len);
	if (!copy)
		return -1;
	memcpy(copy, data, len);
	c->f[c->n++] = (struct frame){ts_us, ifidx, copy, len};
	return 0;
}

void capture_sort(struct capture *c)
{
	/* Insertion sort: stable, and the inputs are already nearly in order. */
	for (size_t i = 1; i < c->n; i++) {
		struct frame x = c->f[i];
		size_t j = i;
		while (j > 0 && c->f[j - 1].ts_us > x.ts_us) {
			c->f[j] = c->f[j - 1];
			j--;
		}
		c->f[j] = x;
	}
}

int capture_write_pcap(const struct capture *c, const char *path)
{
	if (c->nif != 1) {
		fprintf(stderr, "mtlsgen: %s: pcap needs exactly one link type\n", path);
		return -1;
	}
	pcap_t *pd = pcap_open_dead(c->linktype[0], 65535);
	if (!pd)
		return -1;
	pcap_dumper_t *d = pcap_dump_open(pd, path);
	if (!d) {
		fprintf(stderr, "mtlsgen: %s: %s\n", path, pcap_geterr(pd));
		pcap_close(pd);
		return -1;
	}
	for (size_t i = 0; i < c->n; i++) {
		struct pcap_pkthdr h;
		memset(&h, 0, sizeof(h));
		h.ts.tv_sec = (time_t)(c->f[i].ts_us / 1000000);
		h.ts.tv_usec = (suseconds_t)(c->f[i].ts_us % 1000000);
		h.caplen = h.len = (bpf_u_int32)c->f[i].len;
		pcap_dump((u_char *)d, &h, c->f[i].data);
	}
	int rc = pcap_dump_flush(d);
	pcap_dump_close(d);
	pcap_close(pd);
	return rc == 0 ? 0 : -1;
}

/* pcapng blocks are written in host byte order; readers use the SHB magic to tell. */
static int put32(FILE *f, uint32_t v)
{
	return fwrite(&v, 4, 1, f) == 1 ? 0 : -1;
}

static int put16(FILE *f, uint16_t v)
{
	return fwrite(&v, 2, 1, f) == 1 ? 0 : -1;
}

static int put_pad(FILE *f, size_t len)
{
	static const uint8_t zero[4];
	size_t pad = (4 - len % 4) % 4;
	return pad && fwrite(zero, 1, pad, f) != pad ? -1 : 0;
}

static size_t pad4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

/* One option (code, length, value, padding). */
static int put_opt(FILE *f, uint16_t code, const char *s)
{
	size_t l = strlen(s);
	if (put16(f, code) || put16(f, (uint16_t)l) || fwrite(s, 1, l, f) != l)
		return -1;
	return put_pad(f, l);
}

static size_t opt_size(const char *s)
{
	return s ? 4 + pad4(strlen(s)) : 0;
}

int capture_write_pcapng(const struct capture *c, const char *path, const char *comment)
{
	FILE *f = fopen(path, "wb");
	if (!f) {
		perror(path);
		return -1;
	}
	int err = 0;
	const char *app = "mtlsgen (mtlsdiag sample generator)";

	/* Section Header Block: comment and shb_userappl, then opt_endofopt. */
	size_t shb_len = 28 + opt_size(comment) + opt_size(app) + 4;
	err |= put32(f, 0x0A0D0D0A) | put32(f, (uint32_t)shb_len) | put32(f, 0x1A2B3C4D);
	err |= put16(f, 1) | put16(f, 0) | put32(f, 0xFFFFFFFFu) | put32(f, 0xFFFFFFFFu);
	if (comment)
		err |= put_opt(f, 1, comment);
	err |= put_opt(f, 4, app) | put32(f, 0) | put32(f, (uint32_t)shb_len);

	/* One Interface Description Block per interface, with if_name. */
	for (int i = 0; i < c->nif; i++) {
		size_t idb_len = 20 + opt_size(c->ifname[i]) + 4;
		err |= put32(f, 1) | put32(f, (uint32_t)idb_len) | put16(f, (uint16_t)c->linktype[i]) |
		       put16(f, 0);
		err |= put32(f, 65535);
		if (c->ifname[i])
			err |= put_opt(f, 2, c->ifname[i]);
		err |= put32(f, 0) | put32(f, (uint32_t)idb_len);
	}

	/* Enhanced Packet Blocks; timestamps in the default microsecond resolution. */
	for (size_t i = 0; i < c->n && !err; i++) {
		const struct frame *fr = &c->f[i];
		size_t epb_len = 32 + pad4(fr->len);
		uint64_t ts = (uint64_t)fr->ts_us;
		err |= put32(f, 6) | put32(f, (uint32_t)epb_len) | put32(f, (uint32_t)fr->ifidx);
		err |= put32(f, (uint32_t)(ts >> 32)) | put32(f, (uint32_t)ts);
		err |= put32(f, (uint32_t)fr->len) | put32(f, (uint32_t)fr->len);
		if (fwrite(fr->data, 1, fr->len, f) != fr->len)
			err = -1;
		err |= put_pad(f, fr->len) | put32(f, (uint32_t)epb_len);
	}
	if (fclose(f) != 0)
		err = -1;
	if (err)
		fprintf(stderr, "mtlsgen: %s: write failed\n", path);
	return err ? -1 : 0;
}
