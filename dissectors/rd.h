/* rd.h - the one bounds-checked reader every dissector reads through.
 *
 * A struct rd is a borrowed view: it never owns the bytes it points at.
 * Every getter returns 0 on success and -1 when the view is too short
 * (rd_vec also says when a length is out of its bounds); on failure the
 * output is left untouched and the view is not advanced, so a caller can
 * report "truncated" without having consumed anything. */
#ifndef MTLS_RD_H
#define MTLS_RD_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct rd {
	const uint8_t *p;
	size_t len;
};

static inline struct rd rd_make(const uint8_t *p, size_t len)
{
	struct rd r = { p, p ? len : 0 };
	return r;
}

static inline size_t rd_left(const struct rd *r) { return r->len; }

/* 0 when every byte was consumed, -1 when trailing bytes remain. */
static inline int rd_end(const struct rd *r) { return r->len == 0 ? 0 : -1; }

static inline int rd_skip(struct rd *r, size_t n)
{
	if (r->len < n)
		return -1;
	r->p += n;
	r->len -= n;
	return 0;
}

static inline int rd_u8(struct rd *r, uint8_t *out)
{
	if (r->len < 1)
		return -1;
	*out = r->p[0];
	r->p += 1;
	r->len -= 1;
	return 0;
}

static inline int rd_u16(struct rd *r, uint16_t *out)
{
	if (r->len < 2)
		return -1;
	*out = (uint16_t)((r->p[0] << 8) | r->p[1]);
	r->p += 2;
	r->len -= 2;
	return 0;
}

static inline int rd_u24(struct rd *r, uint32_t *out)
{
	if (r->len < 3)
		return -1;
	*out = ((uint32_t)r->p[0] << 16) | ((uint32_t)r->p[1] << 8) | r->p[2];
	r->p += 3;
	r->len -= 3;
	return 0;
}

static inline int rd_u32(struct rd *r, uint32_t *out)
{
	if (r->len < 4)
		return -1;
	*out = ((uint32_t)r->p[0] << 24) | ((uint32_t)r->p[1] << 16) |
	       ((uint32_t)r->p[2] << 8) | r->p[3];
	r->p += 4;
	r->len -= 4;
	return 0;
}

/* Little-endian variants, for capture headers (NULL/LOOP, NetMon). */
static inline int rd_u16le(struct rd *r, uint16_t *out)
{
	if (r->len < 2)
		return -1;
	*out = (uint16_t)(r->p[0] | (r->p[1] << 8));
	r->p += 2;
	r->len -= 2;
	return 0;
}

static inline int rd_u32le(struct rd *r, uint32_t *out)
{
	if (r->len < 4)
		return -1;
	*out = (uint32_t)r->p[0] | ((uint32_t)r->p[1] << 8) |
	       ((uint32_t)r->p[2] << 16) | ((uint32_t)r->p[3] << 24);
	r->p += 4;
	r->len -= 4;
	return 0;
}

static inline int rd_u64le(struct rd *r, uint64_t *out)
{
	if (r->len < 8)
		return -1;
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = (v << 8) | r->p[i];
	*out = v;
	r->p += 8;
	r->len -= 8;
	return 0;
}

/* A borrowed view of the next n bytes. */
static inline int rd_view(struct rd *r, size_t n, struct rd *out)
{
	if (r->len < n)
		return -1;
	out->p = r->p;
	out->len = n;
	r->p += n;
	r->len -= n;
	return 0;
}

static inline int rd_copy(struct rd *r, void *dst, size_t n)
{
	if (r->len < n)
		return -1;
	if (n)
		memcpy(dst, r->p, n);
	r->p += n;
	r->len -= n;
	return 0;
}

/* rd_vec's failures: the view ends before the vector does, or the
 * length prefix is outside [min, max] (or width is not 1, 2 or 3). */
enum { RD_SHORT = -1, RD_OUT_OF_BOUNDS = -2 };

/* An RFC 8446 style vector <min..max> with a length prefix of `width`
 * bytes (1, 2 or 3): the one vector reader. On success (0) *sub is a view
 * of the body; on failure (RD_SHORT or RD_OUT_OF_BOUNDS; a length outside
 * the bounds wins even when the data is also short) nothing is consumed. */
static inline int rd_vec(struct rd *r, int width, size_t min, size_t max, struct rd *sub)
{
	struct rd tmp = *r;
	uint32_t n = 0;
	uint8_t b;
	uint16_t w;

	switch (width) {
	case 1:
		if (rd_u8(&tmp, &b))
			return RD_SHORT;
		n = b;
		break;
	case 2:
		if (rd_u16(&tmp, &w))
			return RD_SHORT;
		n = w;
		break;
	case 3:
		if (rd_u24(&tmp, &n))
			return RD_SHORT;
		break;
	default:
		return RD_OUT_OF_BOUNDS;
	}
	if (n < min || n > max)
		return RD_OUT_OF_BOUNDS;
	if (rd_view(&tmp, n, sub))
		return RD_SHORT;
	*r = tmp;
	return 0;
}

/* Peek without consuming. */
static inline int rd_peek_u8(const struct rd *r, size_t off, uint8_t *out)
{
	if (r->len <= off)
		return -1;
	*out = r->p[off];
	return 0;
}

#endif
