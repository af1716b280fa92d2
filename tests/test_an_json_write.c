/* json_write against jansson's own json_dumps (the oracle) with the flags
 * the report uses: every kind of value, escapes, UTF-8 of every length
 * (surrogate pairs too), reals of every magnitude, empty and nested
 * containers, and trees built from pseudo-random parts. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "json_write.h"
#include "support/suite_run.h"

static char *written(const json_t *j, bool pretty, size_t *len)
{
	char *text = NULL;
	FILE *fp = open_memstream(&text, len);
	ck_assert_ptr_nonnull(fp);
	struct textbuf *b = malloc(sizeof *b);
	ck_assert_ptr_nonnull(b);
	textbuf_init(b, fp);
	json_write(b, j, pretty);
	textbuf_flush(b);
	free(b);
	fclose(fp);
	return text;
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
	static const double reals[] = { 0.0, -0.0, 1.0, 0.7, 1.5, 1772449440.0, 1772449442.5078771, 1e20, 1e21,
					1e-7, 1.234e-300, 1.7976931348623157e308, 5e-324, -2.5e-5, 123456789012345678.0,
					0.1 + 0.2 };
	for (size_t i = 0; i < sizeof reals / sizeof reals[0]; i++) {
		json_t *v = json_real(reals[i]);
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
	tcase_add_test(tc, random_trees);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	int failed = run_suite(suite(), false);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
