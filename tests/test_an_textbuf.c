/* The text report's buffer: every number it formats is compared with the
 * printf conversion it replaces (ties and edge values included), and text
 * larger than the buffer arrives whole and in order. */
#include <check.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "output/textbuf.h"
#include "support/suite_run.h"
#include "support/tb_render.h"

struct ratio_case {
	int64_t num, den;
	unsigned decimals;
	size_t width;
};

static void fill_ratio(struct textbuf *b, const void *arg)
{
	const struct ratio_case *rc = arg;
	tb_ratio(b, rc->num, rc->den, rc->decimals, rc->width);
}

static void check_ratio(int64_t num, int64_t den, unsigned decimals, size_t width)
{
	struct ratio_case rc = { num, den, decimals, width };
	char want[128];
	snprintf(want, sizeof want, "%*.*f", (int)width, (int)decimals, (double)num / (double)den);
	size_t len;
	char *got = tb_render(fill_ratio, &rc, &len);
	ck_assert_msg(strcmp(got, want) == 0, "%lld/%lld .%u w%zu: got '%s', printf '%s'", (long long)num,
		      (long long)den, decimals, width, got, want);
	free(got);
}

START_TEST(ratio_matches_printf)
{
	/* The ladder's seconds (%9.3f of ns) and the request's ms (%.1f). */
	static const int64_t edges[] = { 0,          1,           499999,        500000,        500001,
					 999999,     1000000,     1500000,       2500000,       1000500000,
					 999999999,  1000000000,  9999999999,    123456789012LL, (1LL << 50) - 1,
					 1LL << 50,  (1LL << 50) + 500000, INT64_MAX / 2, -1,          -1500000 };
	for (size_t i = 0; i < sizeof edges / sizeof edges[0]; i++) {
		check_ratio(edges[i], 1000000000, 3, 9);
		check_ratio(edges[i], 1000000, 1, 0);
		check_ratio(edges[i], 1000, 0, 4);
	}
	/* Pseudo-random values with a fixed seed, near and far from ties. */
	uint64_t x = 0x9e3779b97f4a7c15ULL;
	for (int i = 0; i < 20000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		int64_t v = (int64_t)(x % 100000000000ULL);
		if (i % 4 == 0)
			v = v / 500000 * 500000; /* exact ties and round values */
		check_ratio(v, 1000000000, 3, 9);
		check_ratio(v % 10000000000LL, 1000000, 1, 0);
	}
}
END_TEST

static void fill_numbers(struct textbuf *b, const void *arg)
{
	(void)arg;
	tb_u64(b, 0, 0);
	tb_char(b, '|');
	tb_u64(b, 42, 7);
	tb_char(b, '|');
	tb_u64(b, UINT64_MAX, 3);
	tb_char(b, '|');
	tb_str_left(b, "client", 10);
	tb_char(b, '|');
	tb_str_left(b, "longer than the width", 4);
	tb_char(b, '|');
	tb_spaces(b, 70);
	tb_printf(b, "%s-%d", "end", 7);
	static const int ints[] = { 0, 7, -7, 403, INT_MAX, INT_MIN, -1 };
	for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) {
		tb_char(b, '|');
		tb_int(b, ints[i]);
	}
}

START_TEST(numbers_and_padding)
{
	char want[256];
	snprintf(want, sizeof want, "%llu|%7llu|%3llu|%-10s|%-4s|%70s%s-%d|%d|%d|%d|%d|%d|%d|%d", 0ULL, 42ULL,
		 (unsigned long long)UINT64_MAX, "client", "longer than the width", "", "end", 7, 0, 7, -7, 403, INT_MAX,
		 INT_MIN, -1);
	size_t len;
	char *got = tb_render(fill_numbers, NULL, &len);
	ck_assert_str_eq(got, want);
	ck_assert_uint_eq(len, strlen(want));
	free(got);
}
END_TEST

/* Pieces of every size around the buffer's edges, each recognisable. */
static void fill_large(struct textbuf *b, const void *arg)
{
	char *piece = malloc(3 * TEXTBUF_SIZE);
	ck_assert_ptr_nonnull(piece);
	size_t sizes[] = { 1, TEXTBUF_SIZE - 1, TEXTBUF_SIZE, 7, TEXTBUF_SIZE + 1, 2 * TEXTBUF_SIZE + 5, 3 };
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		memset(piece, 'a' + (int)i, sizes[i]);
		tb_mem(b, piece, sizes[i]);
		tb_u64(b, i, 0);
	}
	memset(piece, 'z', TEXTBUF_SIZE + 10);
	piece[TEXTBUF_SIZE + 10] = '\0';
	tb_printf(b, "<%s>", piece); /* larger than the whole buffer */
	tb_printf(b, "[%d]", 99);
	free(piece);
	(void)arg;
}

START_TEST(larger_than_the_buffer)
{
	size_t len;
	char *got = tb_render(fill_large, NULL, &len);
	size_t sizes[] = { 1, TEXTBUF_SIZE - 1, TEXTBUF_SIZE, 7, TEXTBUF_SIZE + 1, 2 * TEXTBUF_SIZE + 5, 3 };
	size_t at = 0;
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		for (size_t k = 0; k < sizes[i]; k++)
			ck_assert_int_eq(got[at + k], 'a' + (int)i);
		at += sizes[i];
		ck_assert_int_eq(got[at], '0' + (int)i);
		at++;
	}
	ck_assert_int_eq(got[at], '<');
	for (size_t k = 1; k <= TEXTBUF_SIZE + 10; k++)
		ck_assert_int_eq(got[at + k], 'z');
	at += TEXTBUF_SIZE + 11;
	ck_assert_str_eq(got + at, ">[99]");
	ck_assert_uint_eq(len, at + 5);
	free(got);
}
END_TEST

SUITE_MAIN("textbuf", false,
	   CASE("textbuf", 0, ratio_matches_printf, numbers_and_padding, larger_than_the_buffer))
