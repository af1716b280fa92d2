/* pcapng.c - a pcapng block reader for files libpcap will not read: those
 * whose interfaces have different link types. Blocks are read whole
 * (bounded), then parsed through the bounds-checked reader. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

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

void pcapng_reader_close(struct pcapng_reader *r)
{
	if (!r)
		return;
	if (r->own_fp && r->fp)
		fclose(r->fp);
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

/* What the messages about a block call it: the block starting at
 * r->offset. Only on the error paths: a packet block costs no formatting. */
static void block_name(const struct pcapng_reader *r, uint32_t type, char *buf, size_t n)
{
	if (type == PCAPNG_SHB)
		snprintf(buf, n, "section header block at byte %llu", (unsigned long long)r->offset);
	else
		snprintf(buf, n, "block at byte %llu (type %u)", (unsigned long long)r->offset, type);
}

/* The rest of a block of len bytes whose first `done` bytes are read,
 * into r->block; the length repeated at its end must agree. It is read,
 * not skipped: a stream cannot seek, and a length past the end of the
 * file must be said, not taken for the end. 0, or -1 with err. */
static int read_block_rest(struct pcapng_reader *r, uint32_t type, uint32_t len, uint32_t done, char *err,
			   size_t errsz)
{
	char what[80];
	if (block_room(r, len, err, errsz) != 0)
		return -1;
	size_t got = fread(r->block, 1, len - done, r->fp);
	if (got != len - done) {
		block_name(r, type, what, sizeof what);
		snprintf(err, errsz, "%s: its length (%u bytes) runs past the end of the file (%zu bytes left)", what,
			 len, done + got);
		return -1;
	}
	uint32_t end_len = get32(r, r->block + len - done - 4);
	if (end_len != len) {
		block_name(r, type, what, sizeof what);
		snprintf(err, errsz, "%s: the length at its end (%u) differs from the one at its start (%u)", what,
			 end_len, len);
		return -1;
	}
	r->offset += len;
	return 0;
}

/* A section header block, its 8-byte head read: the byte-order magic
 * that follows sets the section's byte order (its own length is read in
 * it), and the interfaces start over. 0, or -1 with err. */
static int section_header(struct pcapng_reader *r, const uint8_t head[8], char *err, size_t errsz)
{
	uint8_t bom[4];
	uint32_t magic;
	if (fread(bom, 1, 4, r->fp) != 4) {
		snprintf(err, errsz, "truncated section header at byte %llu", (unsigned long long)r->offset);
		return -1;
	}
	struct rd m = rd_make(bom, 4);
	rd_u32le(&m, &magic);
	if (magic == 0x1A2B3C4D) {
		r->swap = false;
	} else if (magic == 0x4D3C2B1A) {
		r->swap = true;
	} else {
		snprintf(err, errsz, "bad byte-order magic in section header at byte %llu", (unsigned long long)r->offset);
		return -1;
	}
	r->n_ifaces = 0; /* interfaces are per section */
	uint32_t len = get32(r, head + 4);
	if (len < 28 || len % 4 || len > PCAPNG_MAX_BLOCK) {
		snprintf(err, errsz, "bad section header length %u at byte %llu", len, (unsigned long long)r->offset);
		return -1;
	}
	return read_block_rest(r, PCAPNG_SHB, len, 12, err, errsz);
}

/* Any other block, its 8-byte head read: *body is what lies between the
 * head and the trailing length. 0, or -1 with err. */
static int other_block(struct pcapng_reader *r, uint32_t type, const uint8_t head[8], struct rd *body, char *err,
		       size_t errsz)
{
	uint32_t len = get32(r, head + 4);
	if (len < 12 || len % 4 || len > PCAPNG_MAX_BLOCK) {
		snprintf(err, errsz, "bad block length %u at byte %llu", len, (unsigned long long)r->offset);
		return -1;
	}
	if (read_block_rest(r, type, len, 8, err, errsz) != 0)
		return -1;
	*body = rd_make(r->block, len - 12);
	return 0;
}

/* The fixed fields before a packet's bytes. */
struct packet_fields {
	uint32_t ifid, ts_hi, ts_lo, caplen, wirelen;
};

/* The fixed fields of an enhanced, simple or obsolete packet block,
 * taken off the front of body. 0, or -1 when they do not fit. */
static int packet_fields(const struct pcapng_reader *r, uint32_t type, struct rd *body, struct packet_fields *pf)
{
	if (type == PCAPNG_EPB) {
		if (rd32(r, body, &pf->ifid) || rd32(r, body, &pf->ts_hi) || rd32(r, body, &pf->ts_lo) ||
		    rd32(r, body, &pf->caplen) || rd32(r, body, &pf->wirelen))
			return -1;
		return 0;
	}
	if (type == PCAPNG_OPB) {
		uint16_t ifid16, drops;
		if (rd16(r, body, &ifid16) || rd16(r, body, &drops) || rd32(r, body, &pf->ts_hi) ||
		    rd32(r, body, &pf->ts_lo) || rd32(r, body, &pf->caplen) || rd32(r, body, &pf->wirelen))
			return -1;
		pf->ifid = ifid16;
		return 0;
	}
	/* A simple packet block: the original length only, on interface 0,
	 * no time; the captured part is what the interface's snaplen and the
	 * block leave of it. */
	if (rd32(r, body, &pf->wirelen))
		return -1;
	pf->caplen = pf->wirelen;
	if (r->n_ifaces && pf->caplen > r->ifaces[0].snaplen && r->ifaces[0].snaplen)
		pf->caplen = r->ifaces[0].snaplen;
	if (pf->caplen > rd_left(body))
		pf->caplen = (uint32_t)rd_left(body);
	return 0;
}

/* A packet block's body (the block started at byte `start`) to the frame
 * f points into. */
static enum source_status packet_block(const struct pcapng_reader *r, uint32_t type, uint64_t start, struct rd body,
				       struct source_frame *f, char *err, size_t errsz)
{
	struct packet_fields pf = { 0 };
	struct rd data;
	if (packet_fields(r, type, &body, &pf) != 0)
		goto bad;
	if (pf.ifid >= r->n_ifaces) {
		snprintf(err, errsz, "packet for interface %u, but only %zu interface(s) described", pf.ifid,
			 r->n_ifaces);
		return SOURCE_ERROR;
	}
	if (rd_view(&body, pf.caplen, &data))
		goto bad;
	f->data = data.p;
	f->caplen = pf.caplen;
	f->wirelen = pf.wirelen < pf.caplen ? pf.caplen : pf.wirelen;
	f->linktype = r->ifaces[pf.ifid].linktype;
	f->ts_ns = ticks_to_ns(&r->ifaces[pf.ifid], ((uint64_t)pf.ts_hi << 32) | pf.ts_lo);
	return SOURCE_FRAME;
bad:
	snprintf(err, errsz, "malformed packet block at byte %llu", (unsigned long long)start);
	return SOURCE_ERROR;
}

/* Blocks are read in turn until one holds a packet: section headers and
 * interface descriptions change how the next are read, other kinds are
 * skipped. */
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
			if (section_header(r, head, err, errsz) != 0)
				return SOURCE_ERROR;
			continue;
		}
		uint64_t start = r->offset;
		struct rd body;
		if (other_block(r, type, head, &body, err, errsz) != 0)
			return SOURCE_ERROR;
		if (type == PCAPNG_IDB)
			parse_idb(r, body);
		else if (type == PCAPNG_EPB || type == PCAPNG_SPB || type == PCAPNG_OPB)
			return packet_block(r, type, start, body, f, err, errsz);
	}
}
