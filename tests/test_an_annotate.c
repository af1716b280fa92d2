/* The pcapng block writer (pcapng_write.c) and the comment store
 * (annotate.c): block lengths at both ends, option padding, comments
 * added to a block read from a file (with and without its own options,
 * in either byte order), a block that does not parse left alone; a whole
 * file read back by our own pcapng reader; comments sorted by frame,
 * deduplicated and capped. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output/annotate.h"
#include "capture/pcapng_write.h"
#include "capture/pcapng.h"
#include "capture/source.h"
#include "support/suite_run.h"

static uint32_t get32(const uint8_t *p, bool swap)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return swap ? __builtin_bswap32(v) : v;
}

static uint16_t get16(const uint8_t *p, bool swap)
{
	uint16_t v;
	memcpy(&v, p, 2);
	return swap ? __builtin_bswap16(v) : v;
}

struct opt_seen {
	uint16_t code[16];
	uint16_t len[16];
	const uint8_t *val[16];
	size_t n;
	bool ended; /* an end-of-options, last */
};

/* Checks the framing of one block and walks its options from `at`: every
 * option padded with zeros to 4 bytes, nothing after the end. */
static void walk_options(const uint8_t *blk, size_t len, size_t at, bool swap, struct opt_seen *o)
{
	memset(o, 0, sizeof *o);
	ck_assert_uint_eq(len % 4, 0);
	ck_assert_uint_eq(get32(blk + 4, swap), len);
	ck_assert_uint_eq(get32(blk + len - 4, swap), len);
	while (at < len - 4) {
		ck_assert_uint_le(at + 4, len - 4);
		uint16_t code = get16(blk + at, swap), olen = get16(blk + at + 2, swap);
		if (code == 0) {
			ck_assert_uint_eq(olen, 0);
			ck_assert_uint_eq(at + 4, len - 4);
			o->ended = true;
			return;
		}
		size_t padded = olen + (4 - olen % 4) % 4;
		ck_assert_uint_le(at + 4 + padded, len - 4);
		for (size_t k = olen; k < padded; k++)
			ck_assert_uint_eq(blk[at + 4 + k], 0);
		ck_assert_uint_lt(o->n, 16);
		o->code[o->n] = code;
		o->len[o->n] = olen;
		o->val[o->n++] = blk + at + 4;
		at += 4 + padded;
	}
}

static bool option_is(const struct opt_seen *o, size_t i, uint16_t code, const char *text)
{
	return o->code[i] == code && o->len[i] == strlen(text) && memcmp(o->val[i], text, o->len[i]) == 0;
}

START_TEST(epb_comments_padded)
{
	/* Packet and comment lengths 0..5: every padding remainder. */
	static const char *const texts[] = { "", "a", "ab", "abc", "abcd", "abcde" };
	const uint8_t data[5] = { 1, 2, 3, 4, 5 };
	for (int swap = 0; swap < 2; swap++) {
		for (uint32_t caplen = 0; caplen <= 5; caplen++) {
			struct pcapng_buf b;
			pcapng_buf_init(&b, swap);
			ck_assert_int_eq(pcapng_epb(&b, 3, 0x0123456789ULL, data, caplen, 1500, texts, 6), 0);
			ck_assert_uint_eq(get32(b.p, swap), PCAPNG_BLOCK_EPB);
			ck_assert_uint_eq(get32(b.p + 8, swap), 3);
			ck_assert_uint_eq(get32(b.p + 12, swap), 0x01);
			ck_assert_uint_eq(get32(b.p + 16, swap), 0x23456789u);
			ck_assert_uint_eq(get32(b.p + 20, swap), caplen);
			ck_assert_uint_eq(get32(b.p + 24, swap), 1500);
			ck_assert_mem_eq(b.p + 28, data, caplen);
			for (size_t k = caplen; k < caplen + (4 - caplen % 4) % 4; k++)
				ck_assert_uint_eq(b.p[28 + k], 0);
			struct opt_seen o;
			walk_options(b.p, b.len, 28 + caplen + (4 - caplen % 4) % 4, swap, &o);
			ck_assert(o.ended);
			ck_assert_uint_eq(o.n, 6);
			for (size_t i = 0; i < 6; i++)
				ck_assert(option_is(&o, i, PCAPNG_OPT_COMMENT, texts[i]));
			/* Without comments: no options at all. */
			ck_assert_int_eq(pcapng_epb(&b, 0, 0, data, caplen, caplen, NULL, 0), 0);
			ck_assert_uint_eq(b.len, 32 + caplen + (4 - caplen % 4) % 4);
			walk_options(b.p, b.len, b.len - 4, swap, &o);
			ck_assert(!o.ended && o.n == 0);
			pcapng_buf_release(&b);
		}
	}
}
END_TEST

START_TEST(idb_and_shb)
{
	struct pcapng_buf b;
	pcapng_buf_init(&b, false);
	ck_assert_int_eq(pcapng_idb(&b, 1, 262144, 9, "eth0", NULL), 0);
	struct opt_seen o;
	walk_options(b.p, b.len, 16, false, &o);
	ck_assert(o.ended && o.n == 2);
	ck_assert(option_is(&o, 0, PCAPNG_IF_NAME, "eth0"));
	ck_assert(o.code[1] == PCAPNG_IF_TSRESOL && o.len[1] == 1 && o.val[1][0] == 9);
	ck_assert_uint_eq(get16(b.p + 8, false), 1);
	ck_assert_uint_eq(get32(b.p + 12, false), 262144);
	/* Microseconds (the default): no option. */
	ck_assert_int_eq(pcapng_idb(&b, 113, 65535, -1, NULL, NULL), 0);
	ck_assert_uint_eq(b.len, 20);
	/* The section header: the byte-order magic reads 0x1A2B3C4D in the
	 * block's own order. */
	for (int swap = 0; swap < 2; swap++) {
		b.swap = swap;
		ck_assert_int_eq(pcapng_shb(&b, "mtlsdiag"), 0);
		ck_assert_uint_eq(get32(b.p + 8, swap), 0x1A2B3C4Du);
		walk_options(b.p, b.len, 24, swap, &o);
		ck_assert(o.ended && o.n == 1 && option_is(&o, 0, PCAPNG_SHB_USERAPPL, "mtlsdiag"));
	}
	pcapng_buf_release(&b);
}
END_TEST

START_TEST(comments_added_to_a_read_block)
{
	const uint8_t data[7] = { 9, 8, 7, 6, 5, 4, 3 };
	static const char *const own[] = { "already there" };
	static const char *const ours[] = { "mtlsdiag: one", "mtlsdiag: two!" };
	for (int swap = 0; swap < 2; swap++) {
		struct pcapng_buf src, b;
		pcapng_buf_init(&src, swap);
		pcapng_buf_init(&b, swap);
		size_t opts_at = 28 + 8;
		struct opt_seen o;

		/* A block with its own comment and end-of-options: its own
		 * first, ours after, one end. */
		ck_assert_int_eq(pcapng_epb(&src, 1, 42, data, 7, 7, own, 1), 0);
		ck_assert_int_eq(pcapng_add_comments(&b, src.p, src.len, ours, 2), 0);
		walk_options(b.p, b.len, opts_at, swap, &o);
		ck_assert(o.ended && o.n == 3);
		ck_assert(option_is(&o, 0, PCAPNG_OPT_COMMENT, "already there"));
		ck_assert(option_is(&o, 1, PCAPNG_OPT_COMMENT, "mtlsdiag: one"));
		ck_assert(option_is(&o, 2, PCAPNG_OPT_COMMENT, "mtlsdiag: two!"));
		ck_assert_mem_eq(b.p + 8, src.p + 8, opts_at - 8); /* header and packet as they were */

		/* No options at all: ours and an end. */
		ck_assert_int_eq(pcapng_epb(&src, 1, 42, data, 7, 7, NULL, 0), 0);
		ck_assert_int_eq(pcapng_add_comments(&b, src.p, src.len, ours, 1), 0);
		walk_options(b.p, b.len, opts_at, swap, &o);
		ck_assert(o.ended && o.n == 1 && option_is(&o, 0, PCAPNG_OPT_COMMENT, "mtlsdiag: one"));

		/* Options without an end-of-options (allowed): ours after them. */
		ck_assert_int_eq(pcapng_epb(&src, 1, 42, data, 7, 7, own, 1), 0);
		size_t cut = src.len - 4; /* drop the end option */
		uint8_t *noend = malloc(cut);
		memcpy(noend, src.p, cut - 4);
		uint32_t total = (uint32_t)cut;
		if (swap)
			total = __builtin_bswap32(total);
		memcpy(noend + 4, &total, 4);
		memcpy(noend + cut - 4, &total, 4);
		ck_assert_int_eq(pcapng_add_comments(&b, noend, cut, ours, 1), 0);
		walk_options(b.p, b.len, opts_at, swap, &o);
		ck_assert(o.ended && o.n == 2 && option_is(&o, 1, PCAPNG_OPT_COMMENT, "mtlsdiag: one"));

		/* An option running past the block: left alone, not a failure
		 * of memory. */
		uint16_t huge = swap ? __builtin_bswap16(400) : 400;
		memcpy(noend + opts_at + 2, &huge, 2);
		ck_assert_int_eq(pcapng_add_comments(&b, noend, cut, ours, 1), -1);
		ck_assert(!b.failed);
		/* Lengths that disagree, and a block that is not a packet. */
		ck_assert_int_eq(pcapng_add_comments(&b, src.p, src.len - 4, ours, 1), -1);
		ck_assert_int_eq(pcapng_idb(&src, 1, 0, -1, NULL, NULL), 0);
		ck_assert_int_eq(pcapng_add_comments(&b, src.p, src.len, ours, 1), -1);
		free(noend);
		pcapng_buf_release(&src);
		pcapng_buf_release(&b);
	}
}
END_TEST

START_TEST(long_comment_cut_on_a_character)
{
	/* 65531 ASCII bytes then "é" (2 bytes): the cut at 65532 would
	 * split it, so it falls before. */
	size_t n = PCAPNG_MAX_OPTION + 100;
	char *text = malloc(n + 1);
	memset(text, 'x', n);
	text[PCAPNG_MAX_OPTION - 1] = (char)0xC3;
	text[PCAPNG_MAX_OPTION] = (char)0xA9;
	text[n] = 0;
	const char *const texts[] = { text };
	struct pcapng_buf b;
	pcapng_buf_init(&b, false);
	ck_assert_int_eq(pcapng_epb(&b, 0, 0, NULL, 0, 0, texts, 1), 0);
	struct opt_seen o;
	walk_options(b.p, b.len, 28, false, &o);
	ck_assert(o.ended && o.n == 1);
	ck_assert_uint_eq(o.len[0], PCAPNG_MAX_OPTION - 1);
	free(text);
	pcapng_buf_release(&b);
}
END_TEST

/* A whole file, read back by our reader: the frames, lengths and times
 * (nanosecond interface) come out as written. */
START_TEST(file_read_back)
{
	char *mem = NULL;
	size_t memlen = 0;
	FILE *fp = open_memstream(&mem, &memlen);
	struct pcapng_buf b;
	pcapng_buf_init(&b, false);
	static const char *const c1[] = { "mtlsdiag: x" };
	const uint8_t pkt[3][5] = { { 1 }, { 2, 2 }, { 3, 3, 3, 3, 3 } };
	pcapng_shb(&b, "test");
	fwrite(b.p, 1, b.len, fp);
	pcapng_idb(&b, 1, 262144, 9, NULL, NULL);
	fwrite(b.p, 1, b.len, fp);
	pcapng_idb(&b, 101, 262144, -1, NULL, NULL);
	fwrite(b.p, 1, b.len, fp);
	pcapng_epb(&b, 0, 1772445600123456789ULL, pkt[0], 1, 60, NULL, 0);
	fwrite(b.p, 1, b.len, fp);
	pcapng_epb(&b, 1, 1772445600123456ULL, pkt[1], 2, 2, c1, 1);
	fwrite(b.p, 1, b.len, fp);
	pcapng_epb(&b, 0, 5, pkt[2], 5, 5, c1, 1);
	fwrite(b.p, 1, b.len, fp);
	fclose(fp);
	pcapng_buf_release(&b);

	char err[256];
	struct pcapng_reader *r = pcapng_reader_fopen(fmemopen(mem, memlen, "rb"), err, sizeof err);
	ck_assert_ptr_nonnull(r);
	struct source_frame f;
	ck_assert_int_eq(pcapng_reader_next(r, &f, err, sizeof err), SOURCE_FRAME);
	ck_assert(f.caplen == 1 && f.wirelen == 60 && f.linktype == 1 && f.ts_ns == 1772445600123456789LL);
	ck_assert_int_eq(pcapng_reader_next(r, &f, err, sizeof err), SOURCE_FRAME);
	ck_assert(f.caplen == 2 && f.linktype == 101 && f.ts_ns == 1772445600123456000LL);
	ck_assert_mem_eq(f.data, pkt[1], 2);
	ck_assert_int_eq(pcapng_reader_next(r, &f, err, sizeof err), SOURCE_FRAME);
	ck_assert(f.caplen == 5 && f.ts_ns == 5);
	ck_assert_int_eq(pcapng_reader_next(r, &f, err, sizeof err), SOURCE_END);
	pcapng_reader_close(r);
	free(mem);
}
END_TEST

START_TEST(annotations_sorted_deduplicated_capped)
{
	struct annotations *an = annotations_new(64);
	ck_assert_int_eq(annotations_add(an, 7, "b"), 0);
	ck_assert_int_eq(annotations_add(an, 3, "a"), 0);
	ck_assert_int_eq(annotations_add(an, 7, "a"), 0);
	ck_assert_int_eq(annotations_add(an, 7, "b"), 0); /* again: kept once */
	ck_assert_int_eq(annotations_add(an, 0, "not seen"), 0); /* frame 0: nothing */
	char big[80];
	memset(big, 'z', sizeof big - 1);
	big[sizeof big - 1] = 0;
	ck_assert_int_eq(annotations_add(an, 9, big), -1); /* past the cap */
	ck_assert_uint_eq(annotations_dropped(an), 1);
	annotations_sort(an);
	const char *const *t;
	ck_assert_uint_eq(annotations_of_frame(an, 1, &t), 0);
	ck_assert_uint_eq(annotations_of_frame(an, 3, &t), 1);
	ck_assert_str_eq(t[0], "a");
	ck_assert_uint_eq(annotations_of_frame(an, 5, &t), 0);
	ck_assert_uint_eq(annotations_of_frame(an, 7, &t), 2);
	ck_assert_str_eq(t[0], "b"); /* the order they came in */
	ck_assert_str_eq(t[1], "a");
	ck_assert_uint_eq(annotations_of_frame(an, 9, &t), 0);
	annotations_free(an);
	annotations_free(NULL);
}
END_TEST

SUITE_MAIN("annotate", false,
	   CASE("pcapng writer", 0, epb_comments_padded, idb_and_shb, comments_added_to_a_read_block,
		long_comment_cut_on_a_character, file_read_back),
	   CASE("annotations", 0, annotations_sorted_deduplicated_capped))
