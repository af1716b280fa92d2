/* json_write.c - see json_write.h. */
#include "output/json_write.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define INDENT 2

void jw_init(struct json_writer *w, struct textbuf *b, bool pretty, int real_digits)
{
	memset(w, 0, sizeof *w);
	w->b = b;
	w->pretty = pretty;
	w->ascii = true;
	w->real_digits = real_digits;
	w->slow = pretty;
}

void jw_line_begin(struct json_writer *w, struct textbuf *b, FILE *fp, bool pretty, int real_digits)
{
	textbuf_init(b, fp);
	jw_init(w, b, pretty, real_digits);
}

void jw_line_end(struct json_writer *w)
{
	tb_char(w->b, '\n');
	textbuf_flush(w->b);
}

static uint64_t depth_bit(unsigned depth)
{
	return (uint64_t)1 << (depth % JSON_WRITE_MAX_DEPTH);
}

static void update_slow(struct json_writer *w)
{
	w->slow = w->pretty || w->n_deferred || w->deferred_key.key;
}

/* Before a member or an array element: the comma after the one before,
 * and in the pretty form a new line at the container's indentation. */
static void separator(struct json_writer *w)
{
	if (w->comma)
		tb_char(w->b, ',');
	w->comma = true;
	if (w->pretty) {
		tb_char(w->b, '\n');
		tb_spaces(w->b, (size_t)w->depth * INDENT);
	}
}

static void write_deferred(struct json_writer *w);

void jw_value_prefix_slow(struct json_writer *w)
{
	if (w->n_deferred || w->deferred_key.key)
		write_deferred(w);
	if (w->after_key)
		w->after_key = false;
	else if (w->depth)
		separator(w);
}

void jw_open_slow(struct json_writer *w, char bracket)
{
	jw_value_prefix_slow(w);
	tb_char(w->b, bracket);
	if (w->comma)
		w->outer |= depth_bit(w->depth);
	else
		w->outer &= ~depth_bit(w->depth);
	w->depth++;
	w->comma = false;
}

void jw_close_slow(struct json_writer *w, char bracket)
{
	if (bracket == '}') {
		w->deferred_key.key = NULL; /* a key deferred in it got no value */
		if (w->n_deferred) {
			w->n_deferred--; /* never written: nothing was put in it */
			update_slow(w);
			return;
		}
		update_slow(w);
	}
	bool filled = w->comma;
	if (w->depth)
		w->depth--;
	w->comma = (w->outer & depth_bit(w->depth)) != 0;
	if (filled && w->pretty) {
		tb_char(w->b, '\n');
		tb_spaces(w->b, (size_t)w->depth * INDENT);
	}
	tb_char(w->b, bracket);
}

static void hex4(struct textbuf *b, unsigned v)
{
	static const char digits[] = "0123456789ABCDEF";
	char u[6] = "\\u";
	for (int i = 0; i < 4; i++)
		u[2 + i] = digits[(v >> (12 - 4 * i)) & 15];
	tb_mem(b, u, sizeof u);
}

/* The length of the UTF-8 sequence at p and its code point, or 0 when it
 * is not one jansson accepts (overlong forms, surrogates, beyond
 * U+10FFFF, a cut or stray continuation byte). */
static size_t utf8_sequence(const unsigned char *p, size_t left, uint32_t *cp)
{
	unsigned char c = p[0];
	size_t n;
	uint32_t v;
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		v = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		v = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		v = c & 0x07;
	} else {
		return 0;
	}
	if (n > left)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		v = (v << 6) | (p[i] & 0x3f);
	}
	if (v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff) || (n == 3 && v < 0x800) || (n == 4 && v < 0x10000))
		return 0;
	*cp = v;
	return n;
}

static void escape_code_point(struct textbuf *b, uint32_t cp)
{
	if (cp >= 0x10000) {
		cp -= 0x10000;
		hex4(b, 0xd800 | ((cp >> 10) & 0x3ff));
		hex4(b, 0xdc00 | (cp & 0x3ff));
	} else {
		hex4(b, cp);
	}
}

static void escape_ascii(struct textbuf *b, unsigned char c)
{
	switch (c) {
	case '"':
		tb_lit(b, "\\\"");
		break;
	case '\\':
		tb_lit(b, "\\\\");
		break;
	case '\b':
		tb_lit(b, "\\b");
		break;
	case '\f':
		tb_lit(b, "\\f");
		break;
	case '\n':
		tb_lit(b, "\\n");
		break;
	case '\r':
		tb_lit(b, "\\r");
		break;
	case '\t':
		tb_lit(b, "\\t");
		break;
	default:
		hex4(b, c);
		break;
	}
}

/* 16 bytes at once (SSE2 on x86-64, NEON on arm64, plain words where
 * there is neither: GCC and Clang lower these for any target). */
typedef unsigned char bytes16 __attribute__((vector_size(16)));
typedef signed char signed_bytes16 __attribute__((vector_size(16)));

/* Nonzero in each byte of v that needs more than a copy: a control
 * character or a byte beyond ASCII (both below ' ' as signed chars), '"'
 * or '\\'. */
static inline signed_bytes16 escape_lanes(bytes16 v)
{
	return ((signed_bytes16)v < ' ') | (v == '"') | (v == '\\');
}

static inline bool any_lane(signed_bytes16 m)
{
	uint64_t halves[2];
	memcpy(halves, &m, sizeof halves);
	return (halves[0] | halves[1]) != 0;
}

static inline uint64_t load_word(const unsigned char *p)
{
	uint64_t x;
	memcpy(&x, p, sizeof x);
	return x;
}

/* The len (< 8) bytes at p, then spaces (which need no escape), read
 * without touching a byte past p + len: two overlapping loads of 4 or 2
 * bytes rather than a memcpy of a variable length. */
static inline uint64_t load_short(const unsigned char *p, size_t len)
{
	unsigned char word[8];
	memcpy(word, "        ", sizeof word);
	if (len >= 4) {
		memcpy(word, p, 4);
		memcpy(word + len - 4, p + len - 4, 4);
	} else if (len >= 2) {
		memcpy(word, p, 2);
		memcpy(word + len - 2, p + len - 2, 2);
	} else if (len) {
		word[0] = p[0];
	}
	return load_word(word);
}

/* A quoted string with escapes, or one that does not fit in the buffer:
 * runs of characters that need no escape are copied at once. */
static __attribute__((noinline)) void string_escaped(struct json_writer *w, const char *s, size_t len)
{
	struct textbuf *b = w->b;
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, run = 0;
	tb_char(b, '"');
	while (i < len) {
		unsigned char c = p[i];
		if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
			i++;
			continue;
		}
		if (c < 0x80) {
			tb_mem(b, s + run, i - run);
			escape_ascii(b, c);
			run = ++i;
			continue;
		}
		uint32_t cp;
		size_t n = utf8_sequence(p + i, len - i, &cp);
		if (n && !w->ascii) {
			i += n;
			continue;
		}
		tb_mem(b, s + run, i - run);
		if (n) {
			escape_code_point(b, cp);
			i += n;
		} else {
			hex4(b, 0xfffd);
			i++;
		}
		run = i;
	}
	tb_mem(b, s + run, len - run);
	tb_char(b, '"');
}

/* The usual case, a string with nothing to escape, is checked and copied
 * in one pass, 16 bytes at a time, into the buffer; the buffer's length
 * moves only when no byte needed an escape, so string_escaped can write
 * over what was copied. Shorter than 16 bytes, the string is read as two
 * words (the same one twice below 8). Whole words are stored, up to 8
 * bytes past the string: hence the room asked for after it. */
static inline __attribute__((always_inline)) void string_body(struct json_writer *w, const char *s, size_t len)
{
	struct textbuf *b = w->b;
	const unsigned char *p = (const unsigned char *)s;
	if (len + 2 + 8 > TEXTBUF_SIZE) {
		string_escaped(w, s, len);
		return;
	}
	char *out = jw_room(b, len + 2 + 8) + 1;
	bytes16 v;
	signed_bytes16 escapes;
	if (len >= 16) {
		escapes = (signed_bytes16){ 0 };
		/* The last 1 to 16 bytes in one load that may overlap the one before. */
		for (size_t i = 0; i + 16 < len; i += 16) {
			memcpy(&v, p + i, sizeof v);
			escapes |= escape_lanes(v);
			memcpy(out + i, &v, sizeof v);
		}
		memcpy(&v, p + len - 16, sizeof v);
		escapes |= escape_lanes(v);
		memcpy(out + len - 16, &v, sizeof v);
	} else {
		uint64_t words[2];
		if (len >= 8) {
			words[0] = load_word(p);
			words[1] = load_word(p + len - 8);
			memcpy(out + len - 8, &words[1], 8);
		} else {
			words[0] = words[1] = load_short(p, len);
		}
		memcpy(out, &words[0], 8);
		memcpy(&v, words, sizeof v);
		escapes = escape_lanes(v);
	}
	if (any_lane(escapes)) {
		string_escaped(w, s, len);
		return;
	}
	out[-1] = '"';
	out[len] = '"';
	b->len += len + 2;
}

/* Before a key: a key deferred before it got no value and goes. */
static void key_prefix(struct json_writer *w)
{
	w->deferred_key.key = NULL;
	if (w->n_deferred)
		write_deferred(w);
	update_slow(w);
	separator(w);
}

static void key_colon(struct json_writer *w)
{
	if (w->pretty)
		tb_lit(w->b, ": ");
	else
		tb_char(w->b, ':');
	w->after_key = true;
}

void jw_key_quoted_slow(struct json_writer *w, const char *quoted, size_t len)
{
	key_prefix(w);
	tb_mem(w->b, quoted + 1, len - 2); /* without the comma and the colon */
	key_colon(w);
}

void jw_key_text(struct json_writer *w, const char *key)
{
	jw_key_textn(w, key, strlen(key));
}

void jw_key_textn(struct json_writer *w, const char *key, size_t len)
{
	key_prefix(w);
	string_body(w, key, len);
	key_colon(w);
}

void jw_defer_object(struct json_writer *w, const char *key, size_t len)
{
	if (w->n_deferred == JSON_WRITE_MAX_DEFERRED)
		write_deferred(w); /* written now; left empty, it shows as {} */
	w->deferred[w->n_deferred++] = (struct json_deferred){ key, len };
	w->slow = true;
}

void jw_defer_key(struct json_writer *w, const char *key, size_t len)
{
	w->deferred_key = (struct json_deferred){ key, len };
	w->slow = true;
}

/* What jw_defer_object and jw_defer_key held back, now that a value
 * comes under it. */
static void write_deferred(struct json_writer *w)
{
	unsigned n = w->n_deferred;
	struct json_deferred key = w->deferred_key;
	w->n_deferred = 0;
	w->deferred_key.key = NULL;
	update_slow(w);
	for (unsigned i = 0; i < n; i++) {
		jw_key_textn(w, w->deferred[i].key, w->deferred[i].len);
		jw_begin_object(w);
	}
	if (key.key)
		jw_key_textn(w, key.key, key.len);
}

void jw_string(struct json_writer *w, const char *s)
{
	size_t len = strlen(s);
	jw_value_prefix(w); /* as jw_stringn, without a call more per string */
	string_body(w, s, len);
}

void jw_stringn(struct json_writer *w, const char *s, size_t len)
{
	jw_value_prefix(w);
	string_body(w, s, len);
}

void jw_string_or_null(struct json_writer *w, const char *s)
{
	if (s)
		jw_string(w, s);
	else
		jw_null(w);
}

void jw_hex(struct json_writer *w, const uint8_t *bytes, size_t n, bool upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	jw_value_prefix(w);
	tb_char(w->b, '"');
	/* Straight into the buffer, 64 bytes (128 digits) at a time. */
	for (size_t done = 0; done < n;) {
		size_t chunk = n - done < 64 ? n - done : 64;
		char *out = jw_room(w->b, 2 * chunk);
		for (size_t i = 0; i < chunk; i++) {
			out[2 * i] = digits[bytes[done + i] >> 4];
			out[2 * i + 1] = digits[bytes[done + i] & 15];
		}
		w->b->len += 2 * chunk;
		done += chunk;
	}
	tb_char(w->b, '"');
}

/* "00" to "99": two digits at a time. */
static const char digit_pairs[] = "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
				  "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
				  "8081828384858687888990919293949596979899";

/* decimal_u64 of 10000 and more: its digits counted, then written from
 * the last, two at a time. */
static __attribute__((noinline)) size_t decimal_long(char *out, uint64_t v)
{
	size_t n = 5;
	for (uint64_t bound = 100000; n < 20 && v >= bound; bound *= 10)
		n++;
	char *p = out + n;
	while (v >= 100) {
		uint64_t q = v / 100;
		p -= 2;
		memcpy(p, digit_pairs + 2 * (v - 100 * q), 2);
		v = q;
	}
	if (v >= 10)
		memcpy(p - 2, digit_pairs + 2 * v, 2);
	else
		p[-1] = (char)('0' + v);
	return n;
}

/* v in decimal, written straight into the buffer (the longest takes 20
 * bytes). Most are flags, counts, frame numbers and sizes: up to four
 * digits are written here, longer numbers by decimal_long. */
static inline void decimal_u64(struct textbuf *b, uint64_t v)
{
	char *out = jw_room(b, 20);
	if (v < 10) {
		out[0] = (char)('0' + v);
		b->len += 1;
	} else if (v < 100) {
		memcpy(out, digit_pairs + 2 * v, 2);
		b->len += 2;
	} else if (v < 10000) {
		unsigned high = (unsigned)v / 100, low = (unsigned)v % 100;
		if (high >= 10) {
			memcpy(out, digit_pairs + 2 * high, 2);
			memcpy(out + 2, digit_pairs + 2 * low, 2);
			b->len += 4;
		} else {
			out[0] = (char)('0' + high);
			memcpy(out + 1, digit_pairs + 2 * low, 2);
			b->len += 3;
		}
	} else {
		b->len += decimal_long(out, v);
	}
}

void jw_int(struct json_writer *w, int64_t v)
{
	jw_value_prefix(w);
	if (v < 0) {
		tb_char(w->b, '-');
		decimal_u64(w->b, 0 - (uint64_t)v);
	} else {
		decimal_u64(w->b, (uint64_t)v);
	}
}

void jw_uint(struct json_writer *w, uint64_t v)
{
	jw_value_prefix(w);
	decimal_u64(w->b, v);
}

void jw_uint_array(struct json_writer *w, const uint64_t *v, size_t n)
{
	jw_begin_array(w);
	for (size_t i = 0; i < n; i++)
		jw_uint(w, v[i]);
	jw_end_array(w);
}

void jw_uint_or_null(struct json_writer *w, uint64_t v)
{
	if (v)
		jw_uint(w, v);
	else
		jw_null(w);
}

/* Writes what "%.*g" put in buf (n bytes, room for 3 more) as jansson
 * does: with ".0" when it reads as an integer, and the exponent without
 * '+' or leading zeros. */
static void real_text(struct textbuf *b, char *buf, int n)
{
	if (n < 0 || n >= 60)
		return;
	if (!strchr(buf, '.') && !strchr(buf, 'e')) {
		memcpy(buf + n, ".0", 3);
		n += 2;
	}
	char *e = strchr(buf, 'e');
	if (e) {
		char *start = e + 1, *end = start + 1;
		if (*start == '-')
			start++;
		while (*end == '0')
			end++;
		if (end != start) {
			memmove(start, end, (size_t)(buf + n - end) + 1);
			n -= (int)(end - start);
		}
	}
	tb_mem(b, buf, (size_t)n);
}

/* JSON_REAL_PRECISION(digits) (0: jansson's default, 17), or the fewest
 * digits from 15 up that read back as the same double. Any decimal of up
 * to 15 digits survives a round trip through a double and %g drops
 * trailing zeros, so 0.73 prints as 0.73; fewer digits would only turn
 * whole numbers such as times into exponent form. */
void jw_real(struct json_writer *w, double v)
{
	char buf[64];
	jw_value_prefix(w);
	if (w->real_digits == JSON_WRITE_REAL_SHORTEST) {
		for (int digits = 15; digits < 17; digits++) {
			int n = snprintf(buf, sizeof buf, "%.*g", digits, v);
			if (strtod(buf, NULL) == v) {
				real_text(w->b, buf, n);
				return;
			}
		}
	}
	int digits = w->real_digits > 0 ? w->real_digits : 17;
	real_text(w->b, buf, snprintf(buf, sizeof buf, "%.*g", digits, v));
}

/* jw_decimal's digits: k / 10^scale in the form "%.15g" or "%.16g" gives
 * it, when that form is known without printf; false otherwise. k has at
 * most 16 digits (k < 2^53), so:
 * - with at most 15 significant digits, the double nearest to the decimal
 *   prints back as that decimal with 15 digits (DBL_DIG), and reads back
 *   as the same double: the shortest form is the decimal itself;
 * - with 16, where doubles lie closer together than one unit of the 16th
 *   digit, no 15-digit decimal reads back as this double (both neighbours
 *   are a unit or more away from the decimal, the double within half a
 *   spacing of it), and the 16-digit decimal nearest the double is the
 *   decimal itself.
 * The exponent must keep %g in its fixed form (-4 <= X < 15). */
static bool decimal_text(uint64_t k, unsigned scale, double v, char *out, size_t *len)
{
	static const double pow10_neg[] = { 1e0,   1e-1,  1e-2,  1e-3,  1e-4,  1e-5,  1e-6,  1e-7,  1e-8,  1e-9,
					    1e-10, 1e-11, 1e-12, 1e-13, 1e-14, 1e-15, 1e-16, 1e-17, 1e-18, 1e-19 };
	char d[24];
	size_t nd = 0;
	for (uint64_t x = k; x; x /= 10)
		d[sizeof d - 1 - nd++] = (char)('0' + x % 10);
	const char *digits = d + sizeof d - nd;
	size_t sd = nd;
	while (sd > 1 && digits[sd - 1] == '0')
		sd--;
	int x = (int)nd - 1 - (int)scale;
	if (k == 0 || x < -4 || x >= 15 || sd > 16)
		return false;
	if (sd == 16) {
		int e;
		frexp(v, &e);
		double spacing = ldexp(1.0, e - 53), unit16 = pow10_neg[15 - x];
		if (!(2 * spacing <= unit16))
			return false;
	}
	char *p = out;
	if (x >= 0) {
		memcpy(p, digits, (size_t)x + 1);
		p += x + 1;
		*p++ = '.';
		if ((size_t)x + 1 >= sd) {
			*p++ = '0';
		} else {
			memcpy(p, digits + x + 1, sd - (size_t)x - 1);
			p += sd - (size_t)x - 1;
		}
	} else {
		memcpy(p, "0.0000", (size_t)(1 - x));
		p += 1 - x;
		memcpy(p, digits, sd);
		p += sd;
	}
	*len = (size_t)(p - out);
	return true;
}

void jw_decimal(struct json_writer *w, int64_t k, unsigned scale)
{
	/* Exact as doubles up to 1e22. */
	static const double pow10[] = { 1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
					1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22 };
	if (scale >= sizeof pow10 / sizeof pow10[0])
		scale = sizeof pow10 / sizeof pow10[0] - 1;
	double v = (double)k / pow10[scale];
	uint64_t mag = k < 0 ? 0 - (uint64_t)k : (uint64_t)k;
	char text[32];
	size_t len;
	if (w->real_digits != JSON_WRITE_REAL_SHORTEST || mag >= (uint64_t)1 << 53 ||
	    !decimal_text(mag, scale, k < 0 ? -v : v, text, &len)) {
		jw_real(w, v);
		return;
	}
	jw_value_prefix(w);
	if (k < 0)
		tb_char(w->b, '-');
	tb_mem(w->b, text, len);
}

void jw_bool(struct json_writer *w, bool v)
{
	jw_value_prefix(w);
	if (v)
		tb_lit(w->b, "true");
	else
		tb_lit(w->b, "false");
}

void jw_null(struct json_writer *w)
{
	if (w->deferred_key.key) {
		w->deferred_key.key = NULL; /* an unknown value: its key is left out */
		update_slow(w);
		return;
	}
	jw_value_prefix(w);
	tb_lit(w->b, "null");
}
