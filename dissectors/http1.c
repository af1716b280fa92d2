/* http1.c - HTTP/1.x start lines (RFC 9112 3 and 4). */
#include "http1.h"

#include <string.h>

#include "rd.h"

/* The bytes before the first CRLF (or LF), at most HTTP1_LINE_MAX * 4. */
static int first_line(const uint8_t *p, size_t n, struct rd *line)
{
	struct rd r = rd_make(p, n);
	uint8_t b;
	size_t len = 0;
	while (rd_peek_u8(&r, len, &b) == 0 && b != '\n') {
		if (++len > HTTP1_LINE_MAX * 4)
			return -1;
	}
	if (rd_peek_u8(&r, len, &b) != 0)
		return -1; /* no line end in this record */
	if (len > 0 && rd_peek_u8(&r, len - 1, &b) == 0 && b == '\r')
		len--;
	return rd_view(&r, len, line);
}

static int copy_line(struct rd line, char *out, size_t out_size)
{
	size_t k = 0;
	uint8_t b;
	if (out_size == 0)
		return -1;
	while (k + 1 < out_size && rd_u8(&line, &b) == 0) {
		if (b < 0x20 || b > 0x7e)
			return -1;
		out[k++] = (char)b;
	}
	out[k] = '\0';
	return 0;
}

static int version_at(struct rd *r)
{
	struct rd v;
	if (rd_view(r, 8, &v) || memcmp(v.p, "HTTP/1.", 7) != 0)
		return -1;
	uint8_t minor;
	return rd_peek_u8(&v, 7, &minor) == 0 && minor >= '0' && minor <= '9' ? 0 : -1;
}

int http1_request_line(const uint8_t *p, size_t n, char *out, size_t out_size)
{
	struct rd line, r;
	uint8_t b;
	if (first_line(p, n, &line))
		return -1;
	r = line;
	/* method = token (upper-case letters in practice) */
	size_t m = 0;
	while (rd_peek_u8(&r, m, &b) == 0 && b >= 'A' && b <= 'Z')
		m++;
	if (m == 0 || rd_peek_u8(&r, m, &b) || b != ' ')
		return -1;
	/* ... SP request-target SP HTTP-version: the line ends with the version. */
	if (rd_left(&r) < m + 1 + 1 + 1 + 8 || rd_skip(&r, rd_left(&r) - 9) || rd_u8(&r, &b) || b != ' ' ||
	    version_at(&r))
		return -1;
	return copy_line(line, out, out_size);
}

int http1_status_line(const uint8_t *p, size_t n, char *out, size_t out_size, int *status)
{
	struct rd line, r;
	uint8_t sp, d[3];
	if (first_line(p, n, &line))
		return -1;
	r = line;
	if (version_at(&r) || rd_u8(&r, &sp) || sp != ' ' || rd_copy(&r, d, 3))
		return -1;
	for (int i = 0; i < 3; i++)
		if (d[i] < '0' || d[i] > '9')
			return -1;
	if (copy_line(line, out, out_size))
		return -1;
	*status = (d[0] - '0') * 100 + (d[1] - '0') * 10 + (d[2] - '0');
	return 0;
}
