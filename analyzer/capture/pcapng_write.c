/* pcapng_write.c - pcapng blocks built in memory (see pcapng_write.h).
 * Every block is: type, total length, body padded to 4 bytes, total length
 * again; options are code, length, value padded to 4, ended by a zero
 * option. A block read from a file is only walked through the bounded
 * reader before it is changed. */
#include <stdlib.h>
#include <string.h>

#include "capture/pcapng_write.h"
#include "rd.h"

void pcapng_buf_init(struct pcapng_buf *b, bool swap)
{
	memset(b, 0, sizeof *b);
	b->swap = swap;
}

void pcapng_buf_release(struct pcapng_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof *b);
}

static void room(struct pcapng_buf *b, size_t more)
{
	if (b->failed)
		return;
	if (more > PCAPNG_WRITE_MAX_BLOCK || b->len + more > PCAPNG_WRITE_MAX_BLOCK) {
		b->failed = true;
		return;
	}
	if (b->len + more <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < b->len + more)
		cap *= 2;
	uint8_t *np = realloc(b->p, cap);
	if (!np) {
		b->failed = true;
		return;
	}
	b->p = np;
	b->cap = cap;
}

static void put_bytes(struct pcapng_buf *b, const void *data, size_t n)
{
	room(b, n);
	if (b->failed || n == 0)
		return;
	memcpy(b->p + b->len, data, n);
	b->len += n;
}

static void put_zeros(struct pcapng_buf *b, size_t n)
{
	static const uint8_t zeros[4] = { 0 };
	put_bytes(b, zeros, n);
}

static void store_u32(const struct pcapng_buf *b, uint8_t *at, uint32_t v)
{
	if (b->swap)
		v = __builtin_bswap32(v);
	memcpy(at, &v, 4);
}

static void put_u32(struct pcapng_buf *b, uint32_t v)
{
	uint8_t x[4];
	store_u32(b, x, v);
	put_bytes(b, x, 4);
}

static void put_u16(struct pcapng_buf *b, uint16_t v)
{
	if (b->swap)
		v = __builtin_bswap16(v);
	put_bytes(b, &v, 2);
}

static size_t pad4(size_t n)
{
	return (4 - n % 4) % 4;
}

static void put_option(struct pcapng_buf *b, uint16_t code, const void *val, uint16_t len)
{
	put_u16(b, code);
	put_u16(b, len);
	put_bytes(b, val, len);
	put_zeros(b, pad4(len));
}

/* A comment no longer than an option holds, cut before a UTF-8
 * continuation byte so the text stays valid. */
static void put_comment(struct pcapng_buf *b, const char *text)
{
	size_t n = strlen(text);
	if (n > PCAPNG_MAX_OPTION) {
		n = PCAPNG_MAX_OPTION;
		while (n > 0 && ((uint8_t)text[n] & 0xC0) == 0x80)
			n--;
	}
	put_option(b, PCAPNG_OPT_COMMENT, text, (uint16_t)n);
}

static void put_end_of_options(struct pcapng_buf *b)
{
	put_u16(b, PCAPNG_OPT_ENDOFOPT);
	put_u16(b, 0);
}

static void block_begin(struct pcapng_buf *b, uint32_t type)
{
	b->len = 0;
	b->failed = false;
	put_u32(b, type);
	put_u32(b, 0); /* the length, once known */
}

static int block_end(struct pcapng_buf *b)
{
	room(b, 4);
	if (b->failed || b->len % 4)
		return -1;
	uint32_t total = (uint32_t)(b->len + 4);
	store_u32(b, b->p + 4, total);
	put_u32(b, total);
	return b->failed ? -1 : 0;
}

int pcapng_shb(struct pcapng_buf *b, const char *userappl)
{
	block_begin(b, PCAPNG_BLOCK_SHB);
	put_u32(b, 0x1A2B3C4Du); /* byte-order magic, in the block's order */
	put_u16(b, 1);           /* version 1.0 */
	put_u16(b, 0);
	put_u32(b, 0xFFFFFFFFu); /* section length: not given */
	put_u32(b, 0xFFFFFFFFu);
	if (userappl) {
		put_option(b, PCAPNG_SHB_USERAPPL, userappl, (uint16_t)strnlen(userappl, 256));
		put_end_of_options(b);
	}
	return block_end(b);
}

int pcapng_idb(struct pcapng_buf *b, uint16_t linktype, uint32_t snaplen, int tsresol, const char *name,
	       const char *description)
{
	block_begin(b, PCAPNG_BLOCK_IDB);
	put_u16(b, linktype);
	put_u16(b, 0);
	put_u32(b, snaplen);
	bool options = false;
	if (name) {
		put_option(b, PCAPNG_IF_NAME, name, (uint16_t)strnlen(name, 256));
		options = true;
	}
	if (description) {
		put_option(b, PCAPNG_IF_DESCRIPTION, description, (uint16_t)strnlen(description, 256));
		options = true;
	}
	if (tsresol >= 0) {
		uint8_t r = (uint8_t)tsresol;
		put_option(b, PCAPNG_IF_TSRESOL, &r, 1);
		options = true;
	}
	if (options)
		put_end_of_options(b);
	return block_end(b);
}

int pcapng_epb(struct pcapng_buf *b, uint32_t ifid, uint64_t ticks, const uint8_t *data, uint32_t caplen,
	       uint32_t wirelen, const char *const *comments, size_t n_comments)
{
	block_begin(b, PCAPNG_BLOCK_EPB);
	put_u32(b, ifid);
	put_u32(b, (uint32_t)(ticks >> 32));
	put_u32(b, (uint32_t)ticks);
	put_u32(b, caplen);
	put_u32(b, wirelen);
	put_bytes(b, data, caplen);
	put_zeros(b, pad4(caplen));
	for (size_t i = 0; i < n_comments; i++)
		put_comment(b, comments[i]);
	if (n_comments)
		put_end_of_options(b);
	return block_end(b);
}

static int read_u32(const struct pcapng_buf *b, struct rd *d, uint32_t *v)
{
	return b->swap ? rd_u32(d, v) : rd_u32le(d, v);
}

static int read_u16(const struct pcapng_buf *b, struct rd *d, uint16_t *v)
{
	return b->swap ? rd_u16(d, v) : rd_u16le(d, v);
}

/* EPB: interface, time high, time low, captured, original length; OPB:
 * interface (16), drops (16), then the same: 20 bytes either way, then
 * the packet bytes padded to 4, then the options. */
int pcapng_add_comments(struct pcapng_buf *b, const uint8_t *block, size_t len, const char *const *comments,
			size_t n_comments)
{
	b->failed = false;
	b->len = 0;
	uint32_t type, total, caplen, skip32, trailer;
	struct rd d = rd_make(block, len);
	if (read_u32(b, &d, &type) || read_u32(b, &d, &total) || total != len || len % 4 || len < 32 ||
	    (type != PCAPNG_BLOCK_EPB && type != PCAPNG_BLOCK_OPB))
		return -1;
	struct rd tail = rd_make(block + len - 4, 4);
	if (read_u32(b, &tail, &trailer) || trailer != len)
		return -1;
	struct rd body = rd_make(block + 8, len - 12);
	if (read_u32(b, &body, &skip32) || read_u32(b, &body, &skip32) || read_u32(b, &body, &skip32) ||
	    read_u32(b, &body, &caplen) || read_u32(b, &body, &skip32) || rd_skip(&body, caplen) ||
	    rd_skip(&body, pad4(caplen)))
		return -1;
	/* Walk the block's own options: ours go before its end-of-options,
	 * or at the end when it has none. */
	bool has_end = false;
	size_t insert_at = len - 4;
	while (rd_left(&body) > 0) {
		uint16_t code, olen;
		size_t at = len - 4 - rd_left(&body);
		if (read_u16(b, &body, &code) || read_u16(b, &body, &olen))
			return -1;
		if (code == PCAPNG_OPT_ENDOFOPT) {
			has_end = true;
			insert_at = at;
			break;
		}
		if (rd_skip(&body, olen) || rd_skip(&body, pad4(olen)))
			return -1;
	}
	block_begin(b, type);
	put_bytes(b, block + 8, insert_at - 8);
	for (size_t i = 0; i < n_comments; i++)
		put_comment(b, comments[i]);
	if (has_end)
		put_bytes(b, block + insert_at, len - 4 - insert_at);
	else
		put_end_of_options(b);
	return block_end(b);
}
