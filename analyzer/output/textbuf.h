/* textbuf.h - a stack buffer in front of a FILE for the text report.
 *
 * A handshake-heavy run prints about 2 KB per connection in some forty
 * small pieces; through fprintf, parsing the formats and the stream locks
 * cost more than the whole analysis. Pieces are appended here instead and
 * written with one fwrite when the buffer fills or the report ends.
 * Numbers are formatted exactly as the printf conversions they replace. */
#ifndef MTLS_TEXTBUF_H
#define MTLS_TEXTBUF_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define TEXTBUF_SIZE 16384u

struct textbuf {
	FILE *fp; /* not owned */
	size_t len;
	char data[TEXTBUF_SIZE];
};

static inline void textbuf_init(struct textbuf *b, FILE *fp)
{
	b->fp = fp;
	b->len = 0;
}

/* Writes what is buffered to the FILE. */
void textbuf_flush(struct textbuf *b);
/* tb_mem when the bytes do not fit. */
void tb_mem_slow(struct textbuf *b, const char *s, size_t n);
static inline void tb_mem(struct textbuf *b, const char *s, size_t n)
{
	if (n <= TEXTBUF_SIZE - b->len) {
		memcpy(b->data + b->len, s, n);
		b->len += n;
	} else {
		tb_mem_slow(b, s, n);
	}
}
static inline void tb_str(struct textbuf *b, const char *s)
{
	tb_mem(b, s, strlen(s));
}
/* A string literal: its length is known when compiling. */
#define tb_lit(b, literal) tb_mem((b), "" literal "", sizeof(literal) - 1)
static inline void tb_char(struct textbuf *b, char ch)
{
	if (b->len == TEXTBUF_SIZE)
		textbuf_flush(b);
	b->data[b->len++] = ch;
}
void tb_spaces(struct textbuf *b, size_t n);
/* "%-*s": s, then spaces up to width. */
void tb_str_left(struct textbuf *b, const char *s, size_t width);
/* "%*llu": right-aligned in width (0: no padding). */
void tb_u64(struct textbuf *b, uint64_t v, size_t width);
/* "%d". */
static inline void tb_int(struct textbuf *b, int v)
{
	if (v < 0) {
		tb_char(b, '-');
		tb_u64(b, 0 - (uint64_t)(int64_t)v, 0);
	} else {
		tb_u64(b, (uint64_t)v, 0);
	}
}
/* "%*.*f" of (double)num / den, right-aligned in width; den must be a
 * multiple of 10^decimals. Exact ties and huge values go through printf,
 * whose rounding of the binary double decides them. */
void tb_ratio(struct textbuf *b, int64_t num, int64_t den, unsigned decimals, size_t width);
void tb_printf(struct textbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
