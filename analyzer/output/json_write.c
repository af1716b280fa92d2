/* json_write.c - see json_write.h. */
#include "output/json_write.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define INDENT 2

static void newline_indent(struct textbuf *b, bool pretty, unsigned depth)
{
	if (!pretty)
		return;
	tb_char(b, '\n');
	tb_spaces(b, (size_t)depth * INDENT);
}

static void hex4(struct textbuf *b, unsigned v)
{
	static const char digits[] = "0123456789ABCDEF";
	char u[6] = "\\u";
	for (int i = 0; i < 4; i++)
		u[2 + i] = digits[(v >> (12 - 4 * i)) & 15];
	tb_mem(b, u, sizeof u);
}

/* Length of the UTF-8 sequence starting with lead byte c, and its first
 * bits; jansson only holds valid UTF-8, so the rest is continuation. */
static size_t utf8_decode(const unsigned char *p, size_t left, uint32_t *cp)
{
	size_t n = p[0] >= 0xf0 ? 4 : p[0] >= 0xe0 ? 3 : 2;
	if (n > left)
		n = left;
	uint32_t v = p[0] & (n == 4 ? 0x07 : n == 3 ? 0x0f : 0x1f);
	for (size_t i = 1; i < n; i++)
		v = (v << 6) | (p[i] & 0x3f);
	*cp = v;
	return n;
}

static void string(struct textbuf *b, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, run = 0;
	tb_char(b, '"');
	while (i < len) {
		unsigned char c = p[i];
		if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
			i++;
			continue;
		}
		tb_mem(b, s + run, i - run);
		if (c >= 0x80) {
			uint32_t cp;
			i += utf8_decode(p + i, len - i, &cp);
			if (cp >= 0x10000) {
				cp -= 0x10000;
				hex4(b, 0xd800 | ((cp >> 10) & 0x3ff));
				hex4(b, 0xdc00 | (cp & 0x3ff));
			} else {
				hex4(b, cp);
			}
		} else {
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
			i++;
		}
		run = i;
	}
	tb_mem(b, s + run, len - run);
	tb_char(b, '"');
}

/* As jansson prints a real with JSON_REAL_PRECISION(digits) (0: its
 * default, 17): "%.*g", with ".0" when that reads as an integer, and the
 * exponent without '+' or leading zeros. */
static void real_digits(struct textbuf *b, double v, int digits)
{
	char buf[64];
	int n = snprintf(buf, sizeof buf, "%.*g", digits ? digits : 17, v);
	if (n < 0 || (size_t)n >= sizeof buf - 3)
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

/* The fewest digits from 15 up that read back as the same double. Any
 * decimal of up to 15 digits survives a round trip through a double and
 * %g drops trailing zeros, so 0.73 prints as 0.73; fewer digits would
 * only turn whole numbers such as times into exponent form. */
static int shortest_digits(double v)
{
	char buf[40];
	for (int digits = 15; digits < 17; digits++) {
		snprintf(buf, sizeof buf, "%.*g", digits, v);
		if (strtod(buf, NULL) == v)
			return digits;
	}
	return 17;
}

static void real(struct textbuf *b, double v, int digits)
{
	real_digits(b, v, digits == JSON_WRITE_REAL_SHORTEST ? shortest_digits(v) : digits);
}

static void value(struct textbuf *b, const json_t *j, bool pretty, int digits, unsigned depth)
{
	switch (json_typeof(j)) {
	case JSON_OBJECT: {
		const char *key;
		const json_t *v;
		bool first = true;
		tb_char(b, '{');
		json_object_foreach((json_t *)j, key, v)
		{
			if (!first)
				tb_char(b, ',');
			newline_indent(b, pretty, depth + 1);
			string(b, key, strlen(key));
			if (pretty)
				tb_lit(b, ": ");
			else
				tb_char(b, ':');
			value(b, v, pretty, digits, depth + 1);
			first = false;
		}
		if (!first)
			newline_indent(b, pretty, depth);
		tb_char(b, '}');
		break;
	}
	case JSON_ARRAY: {
		size_t n = json_array_size(j);
		tb_char(b, '[');
		for (size_t i = 0; i < n; i++) {
			if (i)
				tb_char(b, ',');
			newline_indent(b, pretty, depth + 1);
			value(b, json_array_get(j, i), pretty, digits, depth + 1);
		}
		if (n)
			newline_indent(b, pretty, depth);
		tb_char(b, ']');
		break;
	}
	case JSON_STRING:
		string(b, json_string_value(j), json_string_length(j));
		break;
	case JSON_INTEGER: {
		json_int_t v = json_integer_value(j);
		if (v < 0) {
			tb_char(b, '-');
			tb_u64(b, 0 - (uint64_t)v, 0);
		} else {
			tb_u64(b, (uint64_t)v, 0);
		}
		break;
	}
	case JSON_REAL:
		real(b, json_real_value(j), digits);
		break;
	case JSON_TRUE:
		tb_lit(b, "true");
		break;
	case JSON_FALSE:
		tb_lit(b, "false");
		break;
	case JSON_NULL:
		tb_lit(b, "null");
		break;
	}
}

void json_write(struct textbuf *b, const json_t *j, bool pretty)
{
	value(b, j, pretty, 0, 0);
}

void json_write_reals(struct textbuf *b, const json_t *j, bool pretty, int real_digits)
{
	value(b, j, pretty, real_digits, 0);
}
