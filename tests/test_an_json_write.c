/* The streaming JSON writer against jansson's own json_dumps (the
 * oracle): jansson trees are replayed through the writer call by call and
 * the two texts must be equal, with the flags the reports use (compact and
 * indented, with and without JSON_ENSURE_ASCII): every kind of value,
 * escapes, UTF-8 of every length (surrogate pairs too), reals of every
 * magnitude, empty and nested containers, trees built from pseudo-random
 * parts, and members held back by jw_defer_object / jw_defer_key against
 * the same tree with those members removed; such trees again with the
 * buffer all but full before them. Then json_conn_value (what
 * -F ecs copies) against the -F json object of real sample connections:
 * every field is written, as the value at its path there. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "output/json_write.h"
#include "output/output_json.h"
#include "support/collect_file.h"
#include "support/suite_run.h"
#include "support/tb_render.h"
#include "support/test_rounds.h"

/* A key is held back (jw_defer_*) when its length is odd. */
static bool deferred(const char *key)
{
	return strlen(key) % 2 == 1;
}

static void replay(struct json_writer *w, const json_t *j, bool defer);

static void replay_members(struct json_writer *w, const json_t *j, bool defer)
{
	const char *key;
	const json_t *v;
	json_object_foreach((json_t *)j, key, v)
	{
		if (defer && deferred(key) && json_is_object(v)) {
			jw_defer_object(w, key, strlen(key));
			replay_members(w, v, defer);
			jw_end_object(w);
			continue;
		}
		if (defer && deferred(key))
			jw_defer_key(w, key, strlen(key));
		else
			jw_key_text(w, key);
		replay(w, v, defer);
	}
}

/* The writer's calls for the tree j. */
static void replay(struct json_writer *w, const json_t *j, bool defer)
{
	switch (json_typeof(j)) {
	case JSON_OBJECT:
		jw_begin_object(w);
		replay_members(w, j, defer);
		jw_end_object(w);
		break;
	case JSON_ARRAY:
		jw_begin_array(w);
		for (size_t i = 0; i < json_array_size(j); i++)
			replay(w, json_array_get(j, i), defer);
		jw_end_array(w);
		break;
	case JSON_STRING:
		jw_stringn(w, json_string_value(j), json_string_length(j));
		break;
	case JSON_INTEGER:
		jw_int(w, json_integer_value(j));
		break;
	case JSON_REAL:
		jw_real(w, json_real_value(j));
		break;
	case JSON_TRUE:
	case JSON_FALSE:
		jw_bool(w, json_is_true(j));
		break;
	case JSON_NULL:
		jw_null(w);
		break;
	}
}

/* j without what the writer leaves out when replay defers: null values
 * of held-back keys, and held-back objects left empty. */
static json_t *pruned(const json_t *j)
{
	if (json_is_array(j)) {
		json_t *a = json_array();
		for (size_t i = 0; i < json_array_size(j); i++)
			json_array_append_new(a, pruned(json_array_get(j, i)));
		return a;
	}
	if (!json_is_object(j))
		return json_deep_copy(j);
	json_t *o = json_object();
	const char *key;
	const json_t *v;
	json_object_foreach((json_t *)j, key, v)
	{
		json_t *p = pruned(v);
		if (deferred(key) && (json_is_null(p) || (json_is_object(p) && json_object_size(p) == 0)))
			json_decref(p);
		else
			json_object_set_new(o, key, p);
	}
	return o;
}

struct style {
	bool pretty, ascii, defer;
	int digits;
};

struct styled {
	const json_t *j;
	struct style st;
};

static void fill_styled(struct textbuf *b, const void *arg)
{
	const struct styled *a = arg;
	struct json_writer w;
	jw_init(&w, b, a->st.pretty, a->st.digits);
	w.ascii = a->st.ascii;
	replay(&w, a->j, a->st.defer);
}

static char *written_style(const json_t *j, struct style st, size_t *len)
{
	const struct styled arg = { j, st };
	return tb_render(fill_styled, &arg, len);
}

static char *written_reals(const json_t *j, bool pretty, int digits, size_t *len)
{
	return written_style(j, (struct style){ pretty, true, false, digits }, len);
}

static void check_style(const json_t *j, struct style st)
{
	size_t flags = JSON_PRESERVE_ORDER | JSON_ENCODE_ANY | JSON_REAL_PRECISION(st.digits);
	flags |= st.pretty ? JSON_INDENT(2) : JSON_COMPACT;
	if (st.ascii)
		flags |= JSON_ENSURE_ASCII;
	json_t *oracle = st.defer ? pruned(j) : json_incref((json_t *)j);
	char *want = json_dumps(oracle, flags);
	json_decref(oracle);
	ck_assert_ptr_nonnull(want);
	size_t len;
	char *got = written_style(j, st, &len);
	ck_assert_msg(strcmp(got, want) == 0, "pretty=%d ascii=%d defer=%d\n got: %s\nwant: %s", st.pretty, st.ascii,
		      st.defer, got, want);
	ck_assert_uint_eq(len, strlen(want));
	free(got);
	free(want);
}

/* Compact and indented, with and without JSON_ENSURE_ASCII, members
 * deferred or not. */
static void check_same(const json_t *j)
{
	for (int k = 0; k < 8; k++)
		check_style(j, (struct style){ k & 1, (k & 2) != 0, (k & 4) != 0, 0 });
}

/* With JSON_REAL_PRECISION(digits), as json_dumps writes it. */
static void check_same_digits(const json_t *j, int digits)
{
	check_style(j, (struct style){ false, true, false, digits });
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
	for (int i = 0, rounds = test_rounds(20000); i < rounds; i++) {
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
	for (int i = 0, rounds = test_rounds(3000); i < rounds; i++) {
		json_t *j = random_value(&x, 0);
		check_same(j);
		json_decref(j);
	}
}
END_TEST

/* A document whose first byte lands `room` bytes before the buffer is
 * full: strings, keys, numbers and hex written straight into the buffer
 * must flush it first, wherever they fall. */
struct at_edge {
	const json_t *j;
	size_t room;
};

static const uint8_t edge_bytes[] = { 0x00, 0x5a, 0xa5, 0xff, 0x10, 0x01, 0x7f, 0x80, 0x3c, 0xc3, 0x22 };
static const uint64_t edge_numbers[] = { 0, 7, 9, 10, 99, 100, 999, 1000, 9999, 10000, 99999, 100000, 1234567,
					 INT64_MAX };

static void fill_at_edge(struct textbuf *b, const void *arg)
{
	const struct at_edge *a = arg;
	memset(b->data, '.', TEXTBUF_SIZE - a->room);
	b->len = TEXTBUF_SIZE - a->room;
	struct json_writer w;
	jw_init(&w, b, false, 0);
	jw_begin_object(&w);
	jw_key(&w, "tree");
	replay(&w, a->j, false);
	jw_member_string(&w, "a key long enough to take a few words", "and a value of more than sixteen bytes");
	jw_key(&w, "hex");
	jw_hex(&w, edge_bytes, sizeof edge_bytes, false);
	jw_key(&w, "numbers");
	jw_begin_array(&w);
	for (size_t i = 0; i < sizeof edge_numbers / sizeof edge_numbers[0]; i++)
		jw_uint(&w, edge_numbers[i]);
	jw_int(&w, -42);
	jw_int(&w, INT64_MIN);
	jw_end_array(&w);
	jw_end_object(&w);
}

START_TEST(buffer_edge)
{
	char hex[2 * sizeof edge_bytes + 1];
	for (size_t i = 0; i < sizeof edge_bytes; i++)
		snprintf(hex + 2 * i, 3, "%02x", edge_bytes[i]);
	uint64_t x = 0x6a09e667f3bcc909ULL;
	for (int i = 0, rounds = test_rounds(200); i < rounds; i++) {
		json_t *tree = random_value(&x, 0);
		json_t *numbers = json_array();
		for (size_t k = 0; k < sizeof edge_numbers / sizeof edge_numbers[0]; k++)
			json_array_append_new(numbers, json_integer((json_int_t)edge_numbers[k]));
		json_array_append_new(numbers, json_integer(-42));
		json_array_append_new(numbers, json_integer(INT64_MIN));
		json_t *doc = json_pack("{s:O, s:s, s:s, s:o}", "tree", tree, "a key long enough to take a few words",
					"and a value of more than sixteen bytes", "hex", hex, "numbers", numbers);
		char *want = json_dumps(doc, JSON_PRESERVE_ORDER | JSON_COMPACT | JSON_ENSURE_ASCII);
		ck_assert_ptr_nonnull(want);
		size_t want_len = strlen(want);
		for (size_t room = 0; room <= 48; room++) {
			const struct at_edge a = { tree, room };
			size_t len;
			char *got = tb_render(fill_at_edge, &a, &len);
			size_t filler = TEXTBUF_SIZE - room;
			ck_assert_uint_eq(len, filler + want_len);
			ck_assert_msg(memcmp(got + filler, want, want_len) == 0, "room %zu\n got: %.*s\nwant: %s", room,
				      (int)want_len, got + filler, want);
			free(got);
		}
		free(want);
		json_decref(doc);
		json_decref(tree);
	}
}
END_TEST

/* jw_decimal writes k / 10^scale from k's digits where it can: always
 * the text jw_real writes for (double)k / 10^scale. */
static void check_decimal(int64_t k, unsigned scale, int digits)
{
	static const double pow10[] = { 1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12 };
	/* A value is far shorter than the buffer: nothing reaches the FILE. */
	static struct textbuf b[2];
	for (int way = 0; way < 2; way++) {
		struct json_writer w;
		textbuf_init(&b[way], NULL);
		jw_init(&w, &b[way], false, digits);
		if (way)
			jw_decimal(&w, k, scale);
		else
			jw_real(&w, (double)k / pow10[scale]);
		tb_char(&b[way], '\0');
	}
	ck_assert_msg(strcmp(b[0].data, b[1].data) == 0, "k=%lld scale=%u digits=%d: jw_real %s, jw_decimal %s",
		      (long long)k, scale, digits, b[0].data, b[1].data);
}

START_TEST(decimals)
{
	/* Edges: zero, signs, powers of ten and of two, the largest exact
	 * integer, the exponent limits of %g's fixed form. */
	static const int64_t ks[] = { 0, 1, -1, 5, 9, 10, 99, 100, 999999, 1000000, 1000001, 123456789012345,
				      999999999999999, 1000000000000000, 1000000000000001, 9007199254740991,
				      9007199254740992, 9007199254740993, 4503599627370495, 4503599627370497,
				      1772449442507877, 1772445600000000, 9999999999999999, INT64_MAX, INT64_MIN + 1 };
	for (size_t i = 0; i < sizeof ks / sizeof ks[0]; i++)
		for (unsigned scale = 0; scale <= 12; scale++)
			for (int digits = -1; digits <= 17; digits += 18) {
				check_decimal(ks[i], scale, digits);
				check_decimal(-ks[i], scale, digits);
			}
	/* Times in microseconds and durations in nanoseconds, and k of every
	 * length and scale. */
	uint64_t x = 0x9e3779b97f4a7c15ULL;
	for (int i = 0, rounds = test_rounds(200000); i < rounds; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		check_decimal((int64_t)(1000000000000000ULL + x % 4000000000000000ULL), 6, JSON_WRITE_REAL_SHORTEST);
		check_decimal((int64_t)(x % 100000000000ULL), 6, JSON_WRITE_REAL_SHORTEST);
		uint64_t len = 1 + (x >> 20) % 16, mod = 1;
		for (uint64_t d = 0; d < len; d++)
			mod *= 10;
		check_decimal((int64_t)((x >> 7) % mod), (unsigned)((x >> 3) % 13), JSON_WRITE_REAL_SHORTEST);
	}
}
END_TEST

/* iso8601_us against the C library's gmtime_r and strftime: epoch, leap
 * days, century years, the ends of what a time in nanoseconds holds,
 * times before 1970 (left to the C library), and random times. */
static void check_iso(int64_t ns)
{
	char got[40], want[40];
	iso8601_us(ns, got, sizeof got);
	int64_t us = ns / 1000, rest = ns % 1000;
	if (rest < 0) {
		us--;
		rest += 1000;
	}
	if (rest >= 500)
		us++;
	int64_t sec = us / 1000000, frac = us % 1000000;
	if (frac < 0) {
		sec--;
		frac += 1000000;
	}
	time_t t = (time_t)sec;
	struct tm tm;
	ck_assert_ptr_nonnull(gmtime_r(&t, &tm));
	size_t n = strftime(want, sizeof want, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(want + n, sizeof want - n, ".%06lldZ", (long long)frac);
	ck_assert_msg(strcmp(got, want) == 0, "ns=%lld: %s, C library %s", (long long)ns, got, want);
}

START_TEST(iso_times)
{
	static const int64_t secs[] = { 0, 59, 86399, 86400, 951782400, 951868800, 4107542400, 4107456000,
					1772449442, 9223372035, -1, -86401, -9223372035 };
	for (size_t i = 0; i < sizeof secs / sizeof secs[0]; i++)
		for (int64_t ns = -1000; ns <= 1000; ns += 499)
			check_iso(secs[i] * 1000000000 + ns);
	check_iso(INT64_MAX); /* the last nanosecond a capture time holds */
	check_iso(INT64_MIN + 1000);
	uint64_t x = 0x2545f4914f6cdd1dULL;
	for (int i = 0, rounds = test_rounds(20000); i < rounds; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		check_iso((int64_t)(x >> 1));
		check_iso(-(int64_t)(x >> 2));
	}
}
END_TEST

/* What a caller writes by hand, to a string. */
struct out {
	char *text;
	size_t len;
	FILE *fp;
	struct textbuf *b;
	struct json_writer w;
};

static struct json_writer *out_open(struct out *o, bool pretty)
{
	o->text = NULL;
	o->fp = open_memstream(&o->text, &o->len);
	ck_assert_ptr_nonnull(o->fp);
	o->b = malloc(sizeof *o->b);
	ck_assert_ptr_nonnull(o->b);
	textbuf_init(o->b, o->fp);
	jw_init(&o->w, o->b, pretty, 0);
	return &o->w;
}

static char *out_close(struct out *o)
{
	textbuf_flush(o->b);
	free(o->b);
	fclose(o->fp);
	return o->text;
}

/* The same document by hand through the helpers and from the tree jansson
 * builds of it. */
START_TEST(helpers)
{
	static const uint8_t bytes[] = { 0x00, 0x0f, 0xa5, 0xff, 0x3c };
	char hex[16];
	for (size_t i = 0; i < sizeof bytes; i++)
		snprintf(hex + 2 * i, 3, "%02x", bytes[i]);
	for (int pretty = 0; pretty < 2; pretty++) {
		struct out o;
		struct json_writer *w = out_open(&o, pretty);
		jw_begin_object(w);
		jw_member_string(w, "literal_key", "v");
		jw_key(w, "hex");
		jw_hex(w, bytes, sizeof bytes, false);
		jw_member_uint(w, "big", (uint64_t)INT64_MAX);
		jw_member_int(w, "neg", INT64_MIN);
		jw_member_uint_or_null(w, "zero", 0);
		jw_member_uint_or_null(w, "seven", 7);
		jw_member_string_or_null(w, "none", NULL);
		jw_member_bool(w, "t", true);
		jw_member_null(w, "n");
		jw_key(w, "empty");
		jw_begin_array(w);
		jw_end_array(w);
		jw_end_object(w);
		char *got = out_close(&o);

		json_t *j = json_object();
		json_object_set_new(j, "literal_key", json_string("v"));
		json_object_set_new(j, "hex", json_string(hex));
		json_object_set_new(j, "big", json_integer(INT64_MAX));
		json_object_set_new(j, "neg", json_integer(INT64_MIN));
		json_object_set_new(j, "zero", json_null());
		json_object_set_new(j, "seven", json_integer(7));
		json_object_set_new(j, "none", json_null());
		json_object_set_new(j, "t", json_true());
		json_object_set_new(j, "n", json_null());
		json_object_set_new(j, "empty", json_array());
		char *want = json_dumps(j, JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII | (pretty ? JSON_INDENT(2) : JSON_COMPACT));
		ck_assert_str_eq(got, want);
		free(got);
		free(want);
		json_decref(j);
	}
	/* Upper-case hex, and an unsigned beyond what jansson holds. */
	struct out o;
	struct json_writer *w = out_open(&o, false);
	jw_begin_array(w);
	jw_hex(w, bytes, sizeof bytes, true);
	jw_uint(w, UINT64_MAX);
	jw_end_array(w);
	char *got = out_close(&o);
	char want[64];
	snprintf(want, sizeof want, "[\"%02X%02X%02X%02X%02X\",%llu]", bytes[0], bytes[1], bytes[2], bytes[3], bytes[4],
		 (unsigned long long)UINT64_MAX);
	ck_assert_str_eq(got, want);
	free(got);
}
END_TEST

/* One byte that needs an escape (or a byte beyond ASCII that is not
 * UTF-8, written as U+FFFD) at every place in plain strings of every
 * length up to 40: the writer reads 8 and 16 bytes at a time, with
 * overlapping tails. */
START_TEST(escape_anywhere)
{
	static const unsigned char specials[] = { 0x00, 0x01, 0x1f, '"', '\\', '\n', 0x80, 0xff };
	for (size_t k = 0; k < sizeof specials; k++) {
		for (size_t len = 1; len <= 40; len++) {
			for (size_t at = 0; at < len; at++) {
				char text[48], oracle_text[48];
				memset(text, 'a', len);
				text[at] = (char)specials[k];
				memcpy(oracle_text, text, len);
				size_t oracle_len = len;
				if (specials[k] >= 0x80) { /* jansson refuses the byte: U+FFFD in its place */
					memcpy(oracle_text + at, "\xef\xbf\xbd", 3);
					memcpy(oracle_text + at + 3, text + at + 1, len - at - 1);
					oracle_len = len + 2;
				}
				json_t *oracle = json_stringn(oracle_text, oracle_len);
				ck_assert_ptr_nonnull(oracle);
				char *want = json_dumps(oracle, JSON_ENCODE_ANY | JSON_COMPACT | JSON_ENSURE_ASCII);
				struct out o;
				jw_stringn(out_open(&o, false), text, len);
				char *got = out_close(&o);
				ck_assert_msg(strcmp(got, want) == 0, "byte 0x%02x at %zu of %zu: %s, want %s", specials[k], at,
					      len, got, want);
				free(got);
				free(want);
				json_decref(oracle);
			}
		}
	}
}
END_TEST

/* Text that is not UTF-8 (jansson refuses it) is written, each bad byte
 * as U+FFFD, in both modes; good sequences stay as they are without
 * JSON_ENSURE_ASCII. */
START_TEST(invalid_utf8)
{
	static const struct {
		const char *in, *ascii, *raw;
	} cases[] = {
		{ "a\xff" "b", "\"a\\uFFFDb\"", "\"a\\uFFFDb\"" },
		{ "\xc3", "\"\\uFFFD\"", "\"\\uFFFD\"" },                       /* cut short */
		{ "\xc0\xaf", "\"\\uFFFD\\uFFFD\"", "\"\\uFFFD\\uFFFD\"" },     /* overlong '/' */
		{ "\xe0\x80\xaf", "\"\\uFFFD\\uFFFD\\uFFFD\"", "\"\\uFFFD\\uFFFD\\uFFFD\"" }, /* overlong, 3 bytes */
		{ "\xed\xa0\x80", "\"\\uFFFD\\uFFFD\\uFFFD\"", "\"\\uFFFD\\uFFFD\\uFFFD\"" }, /* a surrogate */
		{ "\xf4\x90\x80\x80", "\"\\uFFFD\\uFFFD\\uFFFD\\uFFFD\"", "\"\\uFFFD\\uFFFD\\uFFFD\\uFFFD\"" },
		{ "caf\xc3\xa9\x80", "\"caf\\u00E9\\uFFFD\"", "\"caf\xc3\xa9\\uFFFD\"" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		for (int ascii = 0; ascii < 2; ascii++) {
			struct out o;
			struct json_writer *w = out_open(&o, false);
			w->ascii = ascii;
			jw_string(w, cases[i].in);
			char *got = out_close(&o);
			ck_assert_str_eq(got, ascii ? cases[i].ascii : cases[i].raw);
			free(got);
		}
	}
}
END_TEST

/* Held-back members in the corners replay does not reach: a deferred key
 * whose value never comes, deferred objects inside one another, at the
 * top of a line. */
START_TEST(deferred_corners)
{
	for (int pretty = 0; pretty < 2; pretty++) {
		struct out o;
		struct json_writer *w = out_open(&o, pretty);
		jw_begin_object(w);
		jw_defer_key(w, "lost", 4); /* no value, then a key */
		jw_member_int(w, "a", 1);
		const char *path = "outer.inner"; /* keys need not end the string */
		jw_defer_object(w, path, 5);
		jw_defer_object(w, path + 6, 5);
		jw_defer_key(w, "gone", 4);
		jw_null(w);
		jw_end_object(w);
		jw_defer_key(w, "kept", 4);
		jw_int(w, 2);
		jw_defer_object(w, "empty", 5);
		jw_end_object(w);
		jw_defer_key(w, "last", 4); /* no value, then the end */
		jw_end_object(w);
		jw_end_object(w);
		char *got = out_close(&o);
		json_t *j = json_pack("{s:i, s:{s:i}}", "a", 1, "outer", "kept", 2);
		char *want = json_dumps(j, JSON_PRESERVE_ORDER | (pretty ? JSON_INDENT(2) : JSON_COMPACT));
		ck_assert_str_eq(got, want);
		free(got);
		free(want);
		json_decref(j);
	}
}
END_TEST

/* Where each json_field is in the -F json object, in the enum's order
 * (every value before JF_COUNT). */
static const struct {
	enum json_field f;
	const char *path;
} field_paths[] = {
	{ JF_SCHEMA_VERSION, "schema_version" },
	{ JF_FILE, "file" },
	{ JF_STREAM, "stream" },
	{ JF_CLIENT_IP, "client_ip" },
	{ JF_CLIENT_PORT, "client_port" },
	{ JF_SERVER_IP, "server_ip" },
	{ JF_SERVER_PORT, "server_port" },
	{ JF_COMMUNITY_ID, "community_id" },
	{ JF_FIRST_FRAME, "first_frame" },
	{ JF_LAST_FRAME, "last_frame" },
	{ JF_FIRST_TIME_ISO, "first_time_iso" },
	{ JF_VERSION, "version" },
	{ JF_SNI, "sni" },
	{ JF_SERVER_HELLO_CIPHER_SUITE, "server_hello.cipher_suite" },
	{ JF_SERVER_HELLO_ALPN, "server_hello.alpn" },
	{ JF_RESUMED, "resumed" },
	{ JF_CERT_REQUESTS, "cert_requests" },
	{ JF_CLIENT_CERTIFICATE, "client_certificate" },
	{ JF_ALERTS, "alerts" },
	{ JF_RENEGOTIATION, "renegotiation" },
	{ JF_HTTP, "http" },
	{ JF_HTTP_STATUS, "http.status" },
	{ JF_END, "end" },
	{ JF_END_BY, "end_by" },
	{ JF_NOTES_LIST, "notes_list" },
	{ JF_WIRESHARK_FILTER, "wireshark_filter" },
	{ JF_OUTCOME, "outcome" },
	{ JF_OUTCOME_REASON, "outcome.reason" },
	{ JF_FINDINGS, "findings" },
	{ JF_SERVER_SOFTWARE, "server_software" },
	{ JF_CLIENT_SOFTWARE, "client_software" },
	{ JF_JA4, "ja4" },
};

/* The value at a dotted path of obj (borrowed), or NULL. */
static json_t *value_at(json_t *obj, const char *path)
{
	char name[64];
	while (obj && *path) {
		size_t n = strcspn(path, ".");
		ck_assert_uint_lt(n, sizeof name);
		memcpy(name, path, n);
		name[n] = '\0';
		obj = json_is_object(obj) ? json_object_get(obj, name) : NULL;
		path += n + (path[n] == '.');
	}
	return obj;
}

/* What json_conn_value writes for f: exactly one value (owned). */
static json_t *written_field(const struct json_conn *j, enum json_field f)
{
	struct out o;
	struct json_writer *w = out_open(&o, false);
	jw_begin_array(w);
	json_conn_value(w, j, f);
	jw_end_array(w);
	char *text = out_close(&o);
	json_error_t err;
	json_t *arr = json_loads(text, 0, &err);
	ck_assert_msg(arr && json_array_size(arr) == 1, "field %d wrote %s", (int)f, text);
	json_t *v = json_incref(json_array_get(arr, 0));
	json_decref(arr);
	free(text);
	return v;
}

/* The -F json object of one collected connection (owned). */
static json_t *conn_object_of(const struct output *out, const struct collected_conn *it)
{
	char *text = NULL;
	size_t len = 0;
	struct output o = *out;
	o.fp = open_memstream(&text, &len);
	ck_assert_ptr_nonnull(o.fp);
	output_json_conn(&o, it->file_name, it->conn, &it->findings);
	fclose(o.fp);
	json_error_t err;
	json_t *obj = json_loads(text, 0, &err);
	ck_assert_msg(json_is_object(obj), "not an object: %s", text);
	free(text);
	return obj;
}

static const struct {
	const char *capture, *keylog;
} field_samples[] = {
	{ "samples/tls12-mutual-ok.pcap", NULL },
	{ "samples/tls12-unknown-ca.pcap", NULL },
	{ "samples/tls12-reneg-late-request.pcap", "samples/tls12-reneg-late-request.keylog" },
	{ "samples/tls12-http11-two-requests-403.pcap", "samples/tls12-http11-two-requests-403.keylog" },
	{ "samples/tls13-h2-http11-required.pcap", "samples/tls13-h2-http11-required.keylog" },
	{ "samples/transport-ipv6.pcap", NULL },
	{ "samples/transport-midstream.pcap", NULL },
	{ "samples/tls12-injected-rst.pcap", NULL },
};

/* Every field, on every connection of a sample, is the value at its path
 * in the connection's -F json object (null where that has none). */
START_TEST(conn_fields)
{
	ck_assert_int_eq(N_TESTS(field_paths), JF_COUNT);
	for (int i = 0; i < N_TESTS(field_paths); i++)
		ck_assert_int_eq(field_paths[i].f, i);
	struct conn_list l;
	collect_list_keys(field_samples[_i].capture, field_samples[_i].keylog, &l);
	ck_assert_uint_gt(l.n, 0);
	struct output out = { .format = FORMAT_JSON, .community_id_seed = 0 };
	for (size_t k = 0; k < l.n; k++) {
		json_t *obj = conn_object_of(&out, &l.items[k]);
		struct json_conn j = { &out, l.items[k].file_name, l.items[k].conn, &l.items[k].findings };
		for (int i = 0; i < N_TESTS(field_paths); i++) {
			json_t *got = written_field(&j, field_paths[i].f);
			json_t *want = value_at(obj, field_paths[i].path);
			if (!want)
				want = json_null();
			char *g = json_dumps(got, JSON_ENCODE_ANY | JSON_COMPACT);
			char *x = json_dumps(want, JSON_ENCODE_ANY | JSON_COMPACT);
			ck_assert_msg(json_equal(got, want), "%s conn %zu %s: %s, the object has %s",
				      field_samples[_i].capture, k, field_paths[i].path, g, x);
			free(g);
			free(x);
			json_decref(got);
		}
		json_decref(obj);
	}
	conn_list_release(&l);
}
END_TEST

SUITE_MAIN("json_write", false,
	   CASE("json_write", 0, scalars_and_escapes, containers, real_precision, random_trees, decimals, iso_times,
		helpers, invalid_utf8, deferred_corners, escape_anywhere, buffer_edge);
	   LOOP_CASE("conn_fields", 0, N_TESTS(field_samples), conn_fields))
