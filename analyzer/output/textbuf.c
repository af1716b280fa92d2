/* textbuf.c - see textbuf.h. */
#include "output/textbuf.h"

#include <stdarg.h>

void textbuf_flush(struct textbuf *b)
{
	if (b->len)
		fwrite(b->data, 1, b->len, b->fp);
	b->len = 0;
}

void tb_mem_slow(struct textbuf *b, const char *s, size_t n)
{
	textbuf_flush(b);
	if (n > TEXTBUF_SIZE) {
		fwrite(s, 1, n, b->fp);
		return;
	}
	memcpy(b->data, s, n);
	b->len = n;
}

void tb_spaces(struct textbuf *b, size_t n)
{
	static const char blanks[] = "                                                                ";
	while (n > 0) {
		size_t k = n < sizeof blanks - 1 ? n : sizeof blanks - 1;
		tb_mem(b, blanks, k);
		n -= k;
	}
}

void tb_str_left(struct textbuf *b, const char *s, size_t width)
{
	size_t n = strlen(s);
	tb_mem(b, s, n);
	if (n < width)
		tb_spaces(b, width - n);
}

static void right_aligned(struct textbuf *b, const char *digits, size_t n, size_t width)
{
	if (n < width)
		tb_spaces(b, width - n);
	tb_mem(b, digits, n);
}

void tb_u64(struct textbuf *b, uint64_t v, size_t width)
{
	char tmp[24];
	size_t i = sizeof tmp;
	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	right_aligned(b, tmp + i, sizeof tmp - i, width);
}

/* Unless it is a tie, num / den lies at least 1 / (2 den) from the
 * rounding point; below 2^50 the double's error (num / den * 2^-53) stays
 * under a quarter of that, so printf would round the same way. */
#define RATIO_EXACT_MAX (1LL << 50)

void tb_ratio(struct textbuf *b, int64_t num, int64_t den, unsigned decimals, size_t width)
{
	int64_t scale = 1;
	for (unsigned i = 0; i < decimals; i++)
		scale *= 10;
	int64_t step = den / scale;
	if (num < 0 || num >= RATIO_EXACT_MAX || den <= 0 || step <= 0 || den % scale != 0 ||
	    (step % 2 == 0 && num % step == step / 2)) {
		tb_printf(b, "%*.*f", (int)width, (int)decimals, (double)num / (double)den);
		return;
	}
	int64_t q = num / step;
	if (num % step > step / 2)
		q++;
	char tmp[48];
	size_t i = sizeof tmp;
	int64_t frac = q % scale, whole = q / scale;
	for (unsigned d = 0; d < decimals; d++) {
		tmp[--i] = (char)('0' + frac % 10);
		frac /= 10;
	}
	if (decimals)
		tmp[--i] = '.';
	do {
		tmp[--i] = (char)('0' + whole % 10);
		whole /= 10;
	} while (whole);
	right_aligned(b, tmp + i, sizeof tmp - i, width);
}

void tb_printf(struct textbuf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(b->data + b->len, TEXTBUF_SIZE - b->len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < TEXTBUF_SIZE - b->len) {
		b->len += (size_t)n;
		return;
	}
	/* It did not fit: flush, then once more into the empty buffer, or
	 * straight to the FILE when it is larger than the buffer. */
	textbuf_flush(b);
	va_start(ap, fmt);
	if ((size_t)n < TEXTBUF_SIZE)
		b->len = (size_t)vsnprintf(b->data, TEXTBUF_SIZE, fmt, ap);
	else
		vfprintf(b->fp, fmt, ap);
	va_end(ap);
}
