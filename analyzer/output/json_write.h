/* json_write.h - JSON written straight into a textbuf as it is produced,
 * with no tree in between: every JSON mtlsdiag prints goes through here.
 *
 * The bytes are those jansson's json_dumps writes with JSON_PRESERVE_ORDER
 * and JSON_ENSURE_ASCII (unless `ascii` is cleared), JSON_COMPACT or
 * JSON_INDENT(2), and JSON_REAL_PRECISION(real_digits) or the shortest
 * reals; test_an_json_write replays jansson trees through it and holds the
 * two equal. Building a jansson tree per connection and freeing it was
 * most of a JSON report's cost.
 *
 * Calls follow the document: jw_begin_object, then jw_key and a value per
 * member, jw_end_object; arrays take values only. Separators, line breaks
 * and indentation are the writer's business. */
#ifndef MTLS_JSON_WRITE_H
#define MTLS_JSON_WRITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "output/textbuf.h"

/* Containers nested deeper than this are not indented correctly. */
#define JSON_WRITE_MAX_DEPTH 64
/* Objects that jw_defer_object can hold back at once. */
#define JSON_WRITE_MAX_DEFERRED 8

/* real_digits: each real as JSON_REAL_PRECISION(n) writes it (1..31; 0 is
 * jansson's default, 17), or with JSON_WRITE_REAL_SHORTEST 15 digits, or
 * 16 or 17 when fewer do not read back as the same double (0.73, not
 * 0.72999999999999998). */
#define JSON_WRITE_REAL_SHORTEST (-1)

struct json_writer {
	struct textbuf *b; /* not owned */
	bool pretty;       /* JSON_INDENT(2) rather than JSON_COMPACT */
	bool ascii;        /* JSON_ENSURE_ASCII: \u escapes beyond ASCII */
	int real_digits;
	bool after_key;    /* the next value belongs to the key just written */
	bool comma;        /* the innermost container has a member already */
	bool slow;         /* pretty, or something deferred: no fast path */
	unsigned depth;    /* containers open */
	uint64_t outer;    /* bit d % 64: `comma` of the container at depth d */
	/* jw_defer_object and jw_defer_key: written with the first value
	 * under them; a null for the key drops it, an object left empty is
	 * never written. */
	unsigned n_deferred;
	struct json_deferred {
		const char *key;
		size_t len;
	} deferred[JSON_WRITE_MAX_DEFERRED], deferred_key;
};

void jw_init(struct json_writer *w, struct textbuf *b, bool pretty, int real_digits);

/* Where n more bytes (at most TEXTBUF_SIZE) can be written straight into
 * the buffer, flushed first when they do not fit: the fast paths below
 * write whole pieces without a check per byte. */
static inline char *jw_room(struct textbuf *b, size_t n)
{
	if (n > TEXTBUF_SIZE - b->len)
		textbuf_flush(b);
	return b->data + b->len;
}

/* What comes before a value (a comma between array elements; in the
 * pretty form a new line). The compact case is inline: a report writes
 * some five hundred tokens per connection. */
void jw_value_prefix_slow(struct json_writer *w);
static inline void jw_value_prefix(struct json_writer *w)
{
	if (w->slow) {
		jw_value_prefix_slow(w);
	} else if (w->after_key) {
		w->after_key = false;
	} else if (w->depth) {
		if (w->comma)
			tb_char(w->b, ',');
		w->comma = true;
	}
}

/* Containers; the compact case is inline too (a report opens some fifty
 * per connection). The bit of `outer` for the depth keeps whether the
 * container around already had a member. */
void jw_open_slow(struct json_writer *w, char bracket);
void jw_close_slow(struct json_writer *w, char bracket);
static inline void jw_open(struct json_writer *w, char bracket)
{
	if (w->slow) {
		jw_open_slow(w, bracket);
		return;
	}
	char *out = jw_room(w->b, 2);
	size_t n = 0;
	if (w->after_key) {
		w->after_key = false;
	} else if (w->depth) {
		if (w->comma)
			out[n++] = ',';
		w->comma = true;
	}
	out[n++] = bracket;
	w->b->len += n;
	uint64_t bit = (uint64_t)1 << (w->depth % JSON_WRITE_MAX_DEPTH);
	w->outer = w->comma ? w->outer | bit : w->outer & ~bit;
	w->depth++;
	w->comma = false;
}
static inline void jw_close(struct json_writer *w, char bracket)
{
	if (w->slow) {
		jw_close_slow(w, bracket);
		return;
	}
	if (w->depth)
		w->depth--;
	w->comma = (w->outer >> (w->depth % JSON_WRITE_MAX_DEPTH)) & 1;
	tb_char(w->b, bracket);
}
static inline void jw_begin_object(struct json_writer *w)
{
	jw_open(w, '{');
}
static inline void jw_end_object(struct json_writer *w)
{
	jw_close(w, '}');
}
static inline void jw_begin_array(struct json_writer *w)
{
	jw_open(w, '[');
}
static inline void jw_end_array(struct json_writer *w)
{
	jw_close(w, ']');
}

/* A member's key; jw_key takes a string literal with nothing to escape
 * (mtlsdiag's own names), jw_key_text any text. jw_key_quoted takes the
 * key as compact JSON writes it after another member, ",\"name\":". */
void jw_key_quoted_slow(struct json_writer *w, const char *quoted, size_t len);
static inline void jw_key_quoted(struct json_writer *w, const char *quoted, size_t len)
{
	if (w->slow) {
		jw_key_quoted_slow(w, quoted, len);
		return;
	}
	/* From jw_key, len is known when compiling, and so is the size of
	 * the copy: a few moves rather than a call. The comma is written
	 * always and then written over when this is the first member. */
	char *out = jw_room(w->b, len);
	size_t comma = w->comma;
	out[0] = ',';
	memcpy(out + comma, quoted + 1, len - 1);
	w->b->len += len - 1 + comma;
	w->comma = true;
	w->after_key = true;
}
#define jw_key(w, literal) jw_key_quoted((w), ",\"" literal "\":", sizeof(literal) + 3)
void jw_key_text(struct json_writer *w, const char *key);
void jw_key_textn(struct json_writer *w, const char *key, size_t len);

/* Values. Text is UTF-8; bytes that are not (jansson refuses such text)
 * are written as U+FFFD. */
void jw_string(struct json_writer *w, const char *s);
void jw_stringn(struct json_writer *w, const char *s, size_t len);
/* s, or null when s is NULL. */
void jw_string_or_null(struct json_writer *w, const char *s);
/* n bytes as a string of 2n hex digits. */
void jw_hex(struct json_writer *w, const uint8_t *bytes, size_t n, bool upper);
void jw_int(struct json_writer *w, int64_t v);
void jw_uint(struct json_writer *w, uint64_t v);
/* [v[0], ..., v[n - 1]] */
void jw_uint_array(struct json_writer *w, const uint64_t *v, size_t n);
/* v, or null when v is 0 (frame numbers, which count from 1). */
void jw_uint_or_null(struct json_writer *w, uint64_t v);
void jw_real(struct json_writer *w, double v);
/* The real (double)k / 10^scale (scale 0..22), written as jw_real writes
 * it; with the shortest reals, decimals such as times in microseconds are
 * written from k's digits without printf. */
void jw_decimal(struct json_writer *w, int64_t k, unsigned scale);
void jw_bool(struct json_writer *w, bool v);
void jw_null(struct json_writer *w);

/* Members: a key and its value. */
#define jw_member_string(w, key, s) (jw_key((w), key), jw_string((w), (s)))
#define jw_member_string_or_null(w, key, s) (jw_key((w), key), jw_string_or_null((w), (s)))
#define jw_member_int(w, key, v) (jw_key((w), key), jw_int((w), (v)))
#define jw_member_uint(w, key, v) (jw_key((w), key), jw_uint((w), (v)))
#define jw_member_uint_or_null(w, key, v) (jw_key((w), key), jw_uint_or_null((w), (v)))
#define jw_member_real(w, key, v) (jw_key((w), key), jw_real((w), (v)))
#define jw_member_bool(w, key, v) (jw_key((w), key), jw_bool((w), (v)))
#define jw_member_null(w, key) (jw_key((w), key), jw_null(w))

/* Held back until something is written under it: an object member
 * `key: {` (closed by jw_end_object, and not written at all when nothing
 * was), or the key of the next value (dropped with a null value). For
 * documents that leave out what is empty or unknown (-F ecs). The len
 * bytes of key must outlive the wait. */
void jw_defer_object(struct json_writer *w, const char *key, size_t len);
void jw_defer_key(struct json_writer *w, const char *key, size_t len);

/* One document on a line of its own (the report's JSON lines), written
 * with one fwrite: jw_line_begin sets up w over b for fp, jw_line_end
 * adds the newline and writes it all. */
void jw_line_begin(struct json_writer *w, struct textbuf *b, FILE *fp, bool pretty, int real_digits);
void jw_line_end(struct json_writer *w);

#endif
