/* pcapng.c - a pcapng block reader for files libpcap will not read: those
 * whose interfaces have different link types. Blocks are read whole
 * (bounded), then parsed through the bounds-checked reader. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rd.h"
#include "capture/pcapng.h"

#define PCAPNG_SHB 0x0A0D0D0Au
#define PCAPNG_IDB 1u
#define PCAPNG_OPB 2u /* obsolete packet block */
#define PCAPNG_SPB 3u
#define PCAPNG_EPB 6u
#define PCAPNG_MAX_BLOCK (16u * 1024u * 1024u)
#define PCAPNG_MAX_IFACES 256

struct pcapng_iface {
	int linktype;
	uint32_t snaplen;
	int64_t tick_ns_num; /* one tick = num/den ns */
	int64_t tick_ns_den;
};

struct pcapng_reader {
	FILE *fp;
	bool own_fp;
	bool swap;           /* section is in the other byte order */
	uint8_t *block;      /* owned, one block */
	size_t block_cap;
	struct pcapng_iface ifaces[PCAPNG_MAX_IFACES];
	size_t n_ifaces;
	uint64_t offset;
	char *read_buf; /* fp's buffer when the reader opened fp; owned */
};

static uint32_t get32(const struct pcapng_reader *r, const uint8_t *p)
{
	uint32_t v = 0;
	struct rd d = rd_make(p, 4);
	if (r->swap)
		rd_u32(&d, &v);
	else
		rd_u32le(&d, &v);
	return v;
}

static int rd32(const struct pcapng_reader *r, struct rd *d, uint32_t *out)
{
	return r->swap ? rd_u32(d, out) : rd_u32le(d, out);
}

static int rd16(const struct pcapng_reader *r, struct rd *d, uint16_t *out)
{
	return r->swap ? rd_u16(d, out) : rd_u16le(d, out);
}

struct pcapng_reader *pcapng_reader_fopen(FILE *fp, char *err, size_t errsz)
{
	struct pcapng_reader *r = calloc(1, sizeof *r);
	if (!r) {
		snprintf(err, errsz, "out of memory");
		if (fp != stdin)
			fclose(fp);
		return NULL;
	}
	r->fp = fp;
	r->own_fp = fp != stdin;
	return r;
}

struct pcapng_reader *pcapng_reader_open(const char *path, char *err, size_t errsz)
{
	FILE *fp = fopen(path, "rb");
	if (!fp) {
		snprintf(err, errsz, "%s", strerror(errno));
		return NULL;
	}
	char *read_buf = NULL;
	source_buffer_file(fp, &read_buf);
	struct pcapng_reader *r = pcapng_reader_fopen(fp, err, errsz);
	if (r)
		r->read_buf = read_buf;
	else
		free(read_buf); /* fp is closed */
	return r;
}

void pcapng_reader_close(struct pcapng_reader *r)
{
	if (!r)
		return;
	if (r->own_fp && r->fp)
		fclose(r->fp);
	free(r->read_buf); /* after fclose: stdio read through it */
	free(r->block);
	free(r);
}

uint64_t pcapng_reader_offset(const struct pcapng_reader *r)
{
	return r->offset;
}

/* The block buffer holds at least len bytes. */
static int block_room(struct pcapng_reader *r, uint32_t len, char *err, size_t errsz)
{
	if (r->block_cap >= len)
		return 0;
	uint8_t *nb = realloc(r->block, len);
	if (!nb) {
		snprintf(err, errsz, "out of memory");
		return -1;
	}
	r->block = nb;
	r->block_cap = len;
	return 0;
}

static void parse_idb(struct pcapng_reader *r, struct rd body)
{
	uint16_t linktype, reserved;
	uint32_t snaplen;
	struct pcapng_iface *ifc;

	if (r->n_ifaces == PCAPNG_MAX_IFACES)
		return;
	if (rd16(r, &body, &linktype) || rd16(r, &body, &reserved) || rd32(r, &body, &snaplen))
		return;
	ifc = &r->ifaces[r->n_ifaces++];
	ifc->linktype = linktype;
	ifc->snaplen = snaplen;
	ifc->tick_ns_num = 1000; /* default resolution: microseconds */
	ifc->tick_ns_den = 1;
	/* Options: code, length, value padded to 4. */
	for (;;) {
		uint16_t code, len;
		struct rd val;
		if (rd16(r, &body, &code) || rd16(r, &body, &len) || code == 0)
			break;
		if (rd_view(&body, len, &val) || rd_skip(&body, (4 - len % 4) % 4))
			break;
		if (code == 9 && len >= 1) { /* if_tsresol */
			uint8_t res;
			rd_u8(&val, &res);
			unsigned exp = res & 0x7f;
			int64_t num = 1, den = 1;
			if (res & 0x80) { /* power of two */
				if (exp > 62)
					exp = 62;
				num = 1000000000LL;
				den = (int64_t)1 << exp;
				/* keep it simple: ns = ticks * 1e9 / 2^exp */
			} else {
				if (exp > 18)
					exp = 18;
				int64_t p10 = 1;
				for (unsigned i = 0; i < exp; i++)
					p10 *= 10;
				if (exp <= 9) {
					num = 1000000000LL / p10;
				} else {
					den = p10 / 1000000000LL;
				}
			}
			ifc->tick_ns_num = num;
			ifc->tick_ns_den = den;
		}
	}
}

static int64_t ticks_to_ns(const struct pcapng_iface *ifc, uint64_t ticks)
{
	if (ifc->tick_ns_den == 1)
		return (int64_t)(ticks * (uint64_t)ifc->tick_ns_num);
	/* Split to avoid overflow for fine resolutions. */
	uint64_t den = (uint64_t)ifc->tick_ns_den;
	return (int64_t)((ticks / den) * (uint64_t)ifc->tick_ns_num +
			 (ticks % den) * (uint64_t)ifc->tick_ns_num / den);
}

enum source_status pcapng_reader_next(struct pcapng_reader *r, struct source_frame *f, char *err, size_t errsz)
{
	for (;;) {
		uint8_t head[8];
		size_t got = fread(head, 1, sizeof head, r->fp);
		if (got == 0)
			return SOURCE_END;
		if (got < sizeof head) {
			snprintf(err, errsz, "truncated block header at byte %llu", (unsigned long long)r->offset);
			return SOURCE_ERROR;
		}
		uint32_t type = get32(r, head);
		if (type == PCAPNG_SHB) {
			/* The byte-order magic follows the length. */
			uint8_t bom[4];
			if (fread(bom, 1, 4, r->fp) != 4) {
				snprintf(err, errsz, "truncated section header at byte %llu",
					 (unsigned long long)r->offset);
				return SOURCE_ERROR;
			}
			struct rd m = rd_make(bom, 4);
			uint32_t magic;
			rd_u32le(&m, &magic);
			if (magic == 0x1A2B3C4D)
				r->swap = false;
			else if (magic == 0x4D3C2B1A)
				r->swap = true;
			else {
				snprintf(err, errsz, "bad byte-order magic in section header at byte %llu",
					 (unsigned long long)r->offset);
				return SOURCE_ERROR;
			}
			r->n_ifaces = 0; /* interfaces are per section */
			uint32_t len = get32(r, head + 4);
			if (len < 28 || len % 4 || len > PCAPNG_MAX_BLOCK) {
				snprintf(err, errsz, "bad section header length %u at byte %llu", len,
					 (unsigned long long)r->offset);
				return SOURCE_ERROR;
			}
			/* Read, not skipped: a stream cannot seek, and a length past
			 * the end of the file must be said, not taken for the end. */
			if (block_room(r, len, err, errsz) != 0)
				return SOURCE_ERROR;
			size_t body = fread(r->block, 1, len - 12, r->fp);
			if (body != len - 12) {
				snprintf(err, errsz,
					 "section header block at byte %llu: its length (%u bytes) runs past the end of "
					 "the file (%zu bytes left)",
					 (unsigned long long)r->offset, len, 12 + body);
				return SOURCE_ERROR;
			}
			if (get32(r, r->block + len - 16) != len) {
				snprintf(err, errsz,
					 "section header block at byte %llu: the length at its end (%u) differs from the "
					 "one at its start (%u)",
					 (unsigned long long)r->offset, get32(r, r->block + len - 16), len);
				return SOURCE_ERROR;
			}
			r->offset += len;
			continue;
		}
		uint32_t len = get32(r, head + 4);
		if (len < 12 || len % 4 || len > PCAPNG_MAX_BLOCK) {
			snprintf(err, errsz, "bad block length %u at byte %llu", len, (unsigned long long)r->offset);
			return SOURCE_ERROR;
		}
		if (block_room(r, len, err, errsz) != 0)
			return SOURCE_ERROR;
		size_t got_body = fread(r->block, 1, len - 8, r->fp);
		if (got_body != len - 8) {
			snprintf(err, errsz,
				 "block at byte %llu (type %u): its length (%u bytes) runs past the end of the file "
				 "(%zu bytes left)",
				 (unsigned long long)r->offset, type, len, 8 + got_body);
			return SOURCE_ERROR;
		}
		if (get32(r, r->block + len - 12) != len) {
			snprintf(err, errsz,
				 "block at byte %llu (type %u): the length at its end (%u) differs from the one at its "
				 "start (%u)",
				 (unsigned long long)r->offset, type, get32(r, r->block + len - 12), len);
			return SOURCE_ERROR;
		}
		r->offset += len;
		struct rd body = rd_make(r->block, len - 12);
		if (type == PCAPNG_IDB) {
			parse_idb(r, body);
			continue;
		}
		if (type != PCAPNG_EPB && type != PCAPNG_SPB && type != PCAPNG_OPB)
			continue;
		uint32_t ifid = 0, hi = 0, lo = 0, caplen, wirelen;
		if (type == PCAPNG_EPB) {
			if (rd32(r, &body, &ifid) || rd32(r, &body, &hi) || rd32(r, &body, &lo) ||
			    rd32(r, &body, &caplen) || rd32(r, &body, &wirelen))
				goto bad;
		} else if (type == PCAPNG_OPB) {
			uint16_t ifid16, drops;
			if (rd16(r, &body, &ifid16) || rd16(r, &body, &drops) || rd32(r, &body, &hi) ||
			    rd32(r, &body, &lo) || rd32(r, &body, &caplen) || rd32(r, &body, &wirelen))
				goto bad;
			ifid = ifid16;
		} else {
			if (rd32(r, &body, &wirelen))
				goto bad;
			caplen = wirelen;
			if (r->n_ifaces && caplen > r->ifaces[0].snaplen && r->ifaces[0].snaplen)
				caplen = r->ifaces[0].snaplen;
			if (caplen > rd_left(&body))
				caplen = (uint32_t)rd_left(&body);
		}
		if (ifid >= r->n_ifaces) {
			snprintf(err, errsz, "packet for interface %u, but only %zu interface(s) described", ifid,
				 r->n_ifaces);
			return SOURCE_ERROR;
		}
		struct rd data;
		if (rd_view(&body, caplen, &data))
			goto bad;
		f->data = data.p;
		f->caplen = caplen;
		f->wirelen = wirelen < caplen ? caplen : wirelen;
		f->linktype = r->ifaces[ifid].linktype;
		f->ts_ns = ticks_to_ns(&r->ifaces[ifid], ((uint64_t)hi << 32) | lo);
		return SOURCE_FRAME;
	bad:
		snprintf(err, errsz, "malformed packet block at byte %llu", (unsigned long long)(r->offset - len));
		return SOURCE_ERROR;
	}
}
