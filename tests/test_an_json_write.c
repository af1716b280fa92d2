/* json_write against jansson's own json_dumps (the oracle) with the flags
 * the report uses: every kind of value, escapes, UTF-8 of every length
 * (surrogate pairs too), reals of every magnitude, empty and nested
 * containers, and trees built from pseudo-random parts. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "output/json_write.h"
#include "support/suite_run.h"

static char *written_reals(const json_t *j, bool pretty, int digits, size_t *len)
{
	char *text = NULL;
	FILE *fp = open_memstream(&text, len);
	ck_assert_ptr_nonnull(fp);
	struct textbuf *b = malloc(sizeof *b);
	ck_assert_ptr_nonnull(b);
	textbuf_init(b, fp);
	json_write_reals(b, j, pretty, digits);
	textbuf_flush(b);
	free(b);
	fclose(fp);
	return text;
}

static char *written(const json_t *j, bool pretty, size_t *len)
{
	return written_reals(j, pretty, 0, len);
}

static void check_same(const json_t *j)
{
	for (int pretty = 0; pretty < 2; pretty++) {
		size_t flags = JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII | JSON_ENCODE_ANY;
		flags |= pretty ? JSON_INDENT(2) : JSON_COMPACT;
		char *want = json_dumps(j, flags);
		ck_assert_ptr_nonnull(want);
		size_t len;
		char *got = written(j, pretty, &len);
		ck_assert_msg(strcmp(got, want) == 0, "pretty=%d\n got: %s\nwant: %s", pretty, got, want);
		ck_assert_uint_eq(len, strlen(want));
		free(got);
		free(want);
	}
}

/* With JSON_REAL_PRECISION(digits), as json_dumps writes it. */
static void check_same_digits(const json_t *j, int digits)
{
	size_t flags = JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII | JSON_ENCODE_ANY | JSON_COMPACT;
	char *want = json_dumps(j, flags | JSON_REAL_PRECISION(digits));
	ck_assert_ptr_nonnull(want);
	size_t len;
	char *got = written_reals(j, false, digits, &len);
	ck_assert_msg(strcmp(got, want) == 0, "digits=%d\n got: %s\nwant: %s", digits, got, want);
	free(got);
	free(want);
}

/* The shortest real by jansson alone: the first precision from 15 up
 * whose text json_loads reads back as the same double. (Below 15 %g
 * would write whole numbers such as times in exponent form.) */
static char *shortest_by_jansson(double v)
{
	json_t *r = json_real(v);
	for (int digits = 15; digits <= 17; digits++) {
		char *text = json_dumps(r, JSON_ENCODE_ANY | JSON_REAL_PRECISION(digits));
		json_t *back = json_loads(text, JSON_DECODE_ANY, NULL);
		bool same = back && json_is_real(back) && json_real_value(back) == v;
		json_decref(back);
		if (same || digits == 17) {
			json_decref(r);
			return text;
		}
		free(text);
	}
	return NULL;
}

static void check_shortest(double v)
{
	json_t *r = json_real(v);
	size_t len;
	char *got = written_reals(r, false, JSON_WRITE_REAL_SHORTEST, &len);
	char *want = shortest_by_jansson(v);
	ck_assert_msg(strcmp(got, want) == 0, "%.17g\n got: %s\nwant: %s", v, got, want);
	free(got);
	free(want);
	json_decref(r);
}

static const double some_reals[] = { 0.0, -0.0, 1.0, 0.7, 0.73, 1.5, 9.123, 1772449440.0, 1772449442.5078771,
				     1772449442.507877, 4102444799.999999, 1e20, 1e21, 1e-7, 1.234e-300,
				     1.7976931348623157e308, 5e-324, -2.5e-5, 123456789012345678.0, 0.1 + 0.2,
				     1.0 / 3.0, 2.0 / 3.0 };

START_TEST(scalars_and_escapes)
{
	static const char *const strings[] = {
		"", "plain", "quote \" backslash \\ slash /", "\b\f\n\r\t", "\x01\x1f\x7f",
		"caf\xc3\xa9",                    /* 2-byte UTF-8 */
		"\xe2\x82\xac 20",                /* 3-byte */
		"\xf0\x9f\x94\x92 locked",        /* 4-byte: a surrogate pair */
		"\xef\xbf\xbf\xf4\x8f\xbf\xbf",   /* U+FFFF, U+10FFFF */
		"CN=M\xc3\xbcller,O=Stra\xc3\x9f" "e,C=DE",
	};
	for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++) {
		json_t *s = json_string(strings[i]);
		ck_assert_ptr_nonnull(s);
		check_same(s);
		json_decref(s);
	}
	/* A string with a NUL inside, and a key with escapes. */
	json_t *s = json_stringn("a\0b", 3);
	check_same(s);
	json_decref(s);
	json_t *o = json_object();
	json_object_set_new(o, "k\"ey\n\xc3\xa9", json_true());
	check_same(o);
	json_decref(o);

	static const json_int_t ints[] = { 0, 1, -1, 42, 1772449440, INT64_MAX, INT64_MIN, -9000000000LL };
	for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) {
		json_t *v = json_integer(ints[i]);
		check_same(v);
		json_decref(v);
	}
	for (size_t i = 0; i < sizeof some_reals / sizeof some_reals[0]; i++) {
		json_t *v = json_real(some_reals[i]);
		check_same(v);
		json_decref(v);
	}
	json_t *t = json_true(), *f = json_false(), *n = json_null();
	check_same(t);
	check_same(f);
	check_same(n);
}
END_TEST

START_TEST(containers)
{
	json_t *empty_o = json_object(), *empty_a = json_array();
	check_same(empty_o);
	check_same(empty_a);
	json_t *o = json_object();
	json_object_set_new(o, "z_first", json_integer(1)); /* insertion order, not sorted */
	json_object_set_new(o, "a_second", empty_a);
	json_object_set_new(o, "m_third", empty_o);
	json_t *inner = json_array();
	json_array_append_new(inner, json_object());
	json_array_append_new(inner, json_array());
	json_array_append_new(inner, json_string("x"));
	json_t *deeper = json_object();
	json_object_set_new(deeper, "k", json_real(0.25));
	json_array_append_new(inner, deeper);
	json_object_set_new(o, "nested", inner);
	check_same(o);
	json_decref(o);
}
END_TEST

/* Every precision jansson takes, and the shortest form, on fixed reals
 * and on capture-like times: seconds since 1970 to the microsecond, and
 * milliseconds to the nanosecond. */
START_TEST(real_precision)
{
	for (size_t i = 0; i < sizeof some_reals / sizeof some_reals[0]; i++) {
		json_t *v = json_real(some_reals[i]);
		for (int digits = 0; digits < 32; digits++)
			check_same_digits(v, digits);
		json_decref(v);
		check_shortest(some_reals[i]);
	}
	/* What a reader expects to see. */
	static const struct {
		double v;
		const char *text;
	} plain[] = { { 0.73, "0.73" }, { 1772449442.507877, "1772449442.507877" }, { 1772445600.0, "1772445600.0" },
		      { 0.1 + 0.2, "0.30000000000000004" } };
	for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++) {
		json_t *v = json_real(plain[i].v);
		size_t len;
		char *got = written_reals(v, false, JSON_WRITE_REAL_SHORTEST, &len);
		ck_assert_str_eq(got, plain[i].text);
		free(got);
		json_decref(v);
	}
	uint64_t x = 0x9e3779b97f4a7c15ULL;
	for (int i = 0; i < 20000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		int64_t us = 1000000000000000LL + (int64_t)(x % 4000000000000000ULL);
		check_shortest((double)us / 1e6);
		check_shortest((double)(x % 100000000000ULL) / 1e6);
	}
}
END_TEST

/* Deterministic pseudo-random trees: strings mix ASCII, escapes and
 * UTF-8 sequences; containers nest up to depth 4. */
static uint64_t next(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

static json_t *random_string(uint64_t *x)
{
	static const char *const pieces[] = { "a", "Z", " ", "\"", "\\", "/", "\n", "\x02", "\xc3\xa9", "\xe2\x82\xac",
					      "\xf0\x9f\x98\x80", "CN=", ",O=", "0" };
	char buf[128] = "";
	size_t n = next(x) % 12;
	for (size_t i = 0; i < n; i++)
		strcat(buf, pieces[next(x) % (sizeof pieces / sizeof pieces[0])]);
	return json_string(buf);
}

static json_t *random_value(uint64_t *x, int depth)
{
	switch (next(x) % (depth < 4 ? 8 : 6)) {
	case 0:
		return json_integer((json_int_t)(next(x) % 2000000) - 1000000);
	case 1:
		return json_real((double)(int64_t)(next(x) % 2000000 - 1000000) / (double)(1 + next(x) % 100000));
	case 2:
		return random_string(x);
	case 3:
		return json_null();
	case 4:
		return json_boolean(next(x) & 1);
	case 5:
		return json_integer((json_int_t)next(x));
	case 6: {
		json_t *a = json_array();
		size_t n = next(x) % 5;
		for (size_t i = 0; i < n; i++)
			json_array_append_new(a, random_value(x, depth + 1));
		return a;
	}
	default: {
		json_t *o = json_object();
		size_t n = next(x) % 5;
		for (size_t i = 0; i < n; i++) {
			json_t *k = random_string(x);
			json_object_set_new(o, json_string_value(k), random_value(x, depth + 1));
			json_decref(k);
		}
		return o;
	}
	}
}

START_TEST(random_trees)
{
	uint64_t x = 0x2545f4914f6cdd1dULL;
	for (int i = 0; i < 3000; i++) {
		json_t *j = random_value(&x, 0);
		check_same(j);
		json_decref(j);
	}
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("json_write");
	TCase *tc = tcase_create("json_write");

	tcase_add_test(tc, scalars_and_escapes);
	tcase_add_test(tc, containers);
	tcase_add_test(tc, real_precision);
	tcase_add_test(tc, random_trees);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	int failed = run_suite(suite(), false);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
