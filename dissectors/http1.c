/* http1.c - HTTP/1.x start lines (RFC 9112 3 and 4), header blocks (5),
 * chunked framing (7.1) and error page text. */
#include "http1.h"

#include <string.h>

#include "rd.h"

/* No line of a head is longer than this (HTTP servers refuse far less). */
#define HTTP1_FIELD_LINE_MAX 8192

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

/* Upper-case letters (and '-') before the first SP: the method's length,
 * 0 when the bytes do not start with one. */
static size_t method_len(const struct rd *r)
{
	size_t m = 0;
	uint8_t b;
	while (rd_peek_u8(r, m, &b) == 0 && ((b >= 'A' && b <= 'Z') || b == '-'))
		m++;
	return m;
}

int http1_request_line(const uint8_t *p, size_t n, char *out, size_t out_size)
{
	struct rd line, r;
	uint8_t b;
	if (first_line(p, n, &line))
		return -1;
	r = line;
	size_t m = method_len(&r);
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

/* ---- heads ----------------------------------------------------------- */

/* The next line of r (without CR LF) and r moved past its LF. */
static enum http1_result take_line(struct rd *r, struct rd *line)
{
	uint8_t b;
	size_t len = 0;
	while (rd_peek_u8(r, len, &b) == 0 && b != '\n') {
		if (++len > HTTP1_FIELD_LINE_MAX)
			return HTTP1_INVALID;
	}
	if (rd_peek_u8(r, len, &b) != 0)
		return HTTP1_MORE;
	struct rd whole;
	if (rd_view(r, len + 1, &whole))
		return HTTP1_MORE;
	if (len > 0 && rd_peek_u8(&whole, len - 1, &b) == 0 && b == '\r')
		len--;
	return rd_view(&whole, len, line) ? HTTP1_INVALID : HTTP1_OK;
}

/* Printable ASCII copy of a view ('?' for anything else), cut to size. */
static void copy_text(struct rd v, char *out, size_t out_size)
{
	size_t k = 0;
	uint8_t b;
	if (out_size == 0)
		return;
	while (k + 1 < out_size && rd_u8(&v, &b) == 0)
		out[k++] = (b >= 0x20 && b <= 0x7e) ? (char)b : '?';
	out[k] = '\0';
}

static uint8_t lower(uint8_t b)
{
	return (b >= 'A' && b <= 'Z') ? (uint8_t)(b + 32) : b;
}

/* Does v equal the lower-case word w, ignoring case? */
static bool equals_ci(struct rd v, const char *w)
{
	size_t n = strlen(w);
	uint8_t b;
	if (rd_left(&v) != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (rd_u8(&v, &b) || lower(b) != (uint8_t)w[i])
			return false;
	return true;
}

/* Does v start with the lower-case word w, ignoring case? */
static bool starts_ci(struct rd v, const char *w)
{
	size_t n = strlen(w);
	struct rd head;
	return rd_view(&v, n, &head) == 0 && equals_ci(head, w);
}

/* Does v end with the lower-case word w, ignoring case? */
static bool ends_ci(struct rd v, const char *w)
{
	size_t n = strlen(w);
	return rd_left(&v) >= n && rd_skip(&v, rd_left(&v) - n) == 0 && equals_ci(v, w);
}

static struct rd trim(struct rd v)
{
	uint8_t b;
	while (rd_peek_u8(&v, 0, &b) == 0 && (b == ' ' || b == '\t'))
		rd_skip(&v, 1);
	while (rd_left(&v) > 0 && rd_peek_u8(&v, rd_left(&v) - 1, &b) == 0 && (b == ' ' || b == '\t'))
		v.len--;
	return v;
}

static bool is_tchar(uint8_t b)
{
	return (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9') ||
	       (b != 0 && strchr("!#$%&'*+-.^_`|~", b) != NULL);
}

/* Could the bytes be the beginning of a start line? They must look like
 * a method and SP, or a prefix of "HTTP/1.", then printable text. */
static bool plausible_start(const uint8_t *p, size_t n)
{
	struct rd r = rd_make(p, n), v;
	size_t m = method_len(&r);
	uint8_t b;
	size_t k = n < 7 ? n : 7;
	if (n == 0)
		return true;
	if (rd_view(&r, k, &v) == 0 && memcmp(v.p, "HTTP/1.", k) == 0) {
		m = k;
	} else {
		r = rd_make(p, n);
		if (m == 0 || m > 11)
			return false;
		if (rd_peek_u8(&r, m, &b) == 0 && b != ' ')
			return false;
	}
	r = rd_make(p, n);
	rd_skip(&r, m);
	while (rd_u8(&r, &b) == 0)
		if ((b < 0x20 && b != '\r' && b != '\t') || b == 0x7f)
			return false;
	return true;
}

static enum http1_result start_line(struct rd line, struct http1_head *out)
{
	struct rd r = line, v;
	uint8_t b, d[3];
	struct rd probe = line;
	copy_text(line, out->start_line, sizeof out->start_line);
	if (version_at(&probe) == 0) {
		r = probe;
		if (rd_u8(&r, &b) || b != ' ' || rd_copy(&r, d, 3))
			return HTTP1_INVALID;
		for (int i = 0; i < 3; i++)
			if (d[i] < '0' || d[i] > '9')
				return HTTP1_INVALID;
		if (rd_left(&r) && (rd_u8(&r, &b) || b != ' '))
			return HTTP1_INVALID;
		out->status = (d[0] - '0') * 100 + (d[1] - '0') * 10 + (d[2] - '0');
		return out->status >= 100 ? HTTP1_OK : HTTP1_INVALID;
	}
	size_t m = method_len(&r);
	if (m == 0 || m >= sizeof out->method || rd_view(&r, m, &v) || rd_u8(&r, &b) || b != ' ')
		return HTTP1_INVALID;
	copy_text(v, out->method, sizeof out->method);
	/* request-target SP HTTP-version */
	if (rd_left(&r) < 1 + 9)
		return HTTP1_INVALID;
	struct rd target;
	if (rd_view(&r, rd_left(&r) - 9, &target) || rd_u8(&r, &b) || b != ' ' || version_at(&r))
		return HTTP1_INVALID;
	copy_text(target, out->target, sizeof out->target);
	out->is_request = true;
	return HTTP1_OK;
}

/* Content-Length: 1*DIGIT (a list of equal values is not followed). */
static enum http1_result content_length(struct rd v, int64_t *out)
{
	uint8_t b;
	int64_t n = 0;
	if (rd_left(&v) == 0 || rd_left(&v) > 18)
		return HTTP1_INVALID;
	while (rd_u8(&v, &b) == 0) {
		if (b < '0' || b > '9')
			return HTTP1_INVALID;
		n = n * 10 + (b - '0');
	}
	if (*out >= 0 && *out != n)
		return HTTP1_INVALID; /* two different lengths: framing unknown */
	*out = n;
	return HTTP1_OK;
}

static enum http1_result header_field(struct rd line, struct http1_head *out)
{
	struct rd r = line, name, value;
	uint8_t b;
	size_t k = 0;
	while (rd_peek_u8(&r, k, &b) == 0 && b != ':') {
		if (!is_tchar(b))
			return HTTP1_INVALID;
		k++;
	}
	if (k == 0 || rd_view(&r, k, &name) || rd_skip(&r, 1))
		return HTTP1_INVALID;
	value = trim(r);
	if (equals_ci(name, "content-length"))
		return content_length(value, &out->content_length);
	if (equals_ci(name, "transfer-encoding"))
		out->chunked = ends_ci(value, "chunked");
	else if (equals_ci(name, "content-type"))
		out->html = starts_ci(value, "text/html");
	else if (equals_ci(name, "content-encoding"))
		out->encoded = rd_left(&value) > 0 && !equals_ci(value, "identity");
	else if (equals_ci(name, "server") && !out->server[0])
		copy_text(value, out->server, sizeof out->server);
	else if (equals_ci(name, "user-agent") && !out->user_agent[0])
		copy_text(value, out->user_agent, sizeof out->user_agent);
	return HTTP1_OK;
}

enum http1_result http1_head_parse(const uint8_t *p, size_t n, struct http1_head *out)
{
	struct rd r = rd_make(p, n), line;
	uint8_t b;
	enum http1_result res;

	memset(out, 0, sizeof *out);
	out->content_length = -1;
	res = take_line(&r, &line);
	if (res == HTTP1_MORE)
		return plausible_start(p, n) ? HTTP1_MORE : HTTP1_INVALID;
	if (res != HTTP1_OK || start_line(line, out) != HTTP1_OK)
		return HTTP1_INVALID;
	for (;;) {
		res = take_line(&r, &line);
		if (res != HTTP1_OK)
			return res;
		if (rd_left(&line) == 0)
			break;
		if (rd_peek_u8(&line, 0, &b) == 0 && (b == ' ' || b == '\t'))
			continue; /* obsolete line folding: part of the previous field */
		if (header_field(line, out) != HTTP1_OK)
			return HTTP1_INVALID;
	}
	if (out->chunked)
		out->content_length = -1; /* Transfer-Encoding overrides it (RFC 9112 6.3) */
	out->head_len = n - rd_left(&r);
	return HTTP1_OK;
}

/* ---- chunked --------------------------------------------------------- */

static int hex_value(uint8_t b)
{
	if (b >= '0' && b <= '9')
		return b - '0';
	b = lower(b);
	return (b >= 'a' && b <= 'f') ? b - 'a' + 10 : -1;
}

enum http1_result http1_chunk_line(const uint8_t *p, size_t n, uint64_t *size, size_t *line_len)
{
	struct rd r = rd_make(p, n), line;
	uint8_t b;
	uint64_t v = 0;
	size_t digits = 0;
	enum http1_result res = take_line(&r, &line);
	if (res == HTTP1_MORE && n > HTTP1_LINE_MAX)
		return HTTP1_INVALID; /* chunk extensions this long: not followed */
	if (res != HTTP1_OK)
		return res;
	while (rd_peek_u8(&line, 0, &b) == 0 && hex_value(b) >= 0) {
		if (++digits > 15)
			return HTTP1_INVALID;
		v = v * 16 + (uint64_t)hex_value(b);
		rd_skip(&line, 1);
	}
	line = trim(line);
	if (digits == 0 || (rd_left(&line) && (rd_peek_u8(&line, 0, &b) || b != ';')))
		return HTTP1_INVALID;
	*size = v;
	*line_len = n - rd_left(&r);
	return HTTP1_OK;
}

enum http1_result http1_chunk_end(const uint8_t *p, size_t n, size_t *len)
{
	struct rd r = rd_make(p, n);
	uint8_t b;
	if (rd_u8(&r, &b))
		return HTTP1_MORE;
	if (b == '\n') {
		*len = 1;
		return HTTP1_OK;
	}
	if (b != '\r')
		return HTTP1_INVALID;
	if (rd_u8(&r, &b))
		return HTTP1_MORE;
	if (b != '\n')
		return HTTP1_INVALID;
	*len = 2;
	return HTTP1_OK;
}

enum http1_result http1_trailers(const uint8_t *p, size_t n, size_t *len)
{
	struct rd r = rd_make(p, n), line;
	for (;;) {
		enum http1_result res = take_line(&r, &line);
		if (res != HTTP1_OK)
			return res;
		if (rd_left(&line) == 0)
			break;
	}
	*len = n - rd_left(&r);
	return HTTP1_OK;
}

/* ---- error pages ------------------------------------------------------ */

/* Where the lower-case word w starts in r (r moved there), or -1. */
static int find_ci(struct rd *r, const char *w)
{
	while (rd_left(r) > 0) {
		if (starts_ci(*r, w))
			return 0;
		rd_skip(r, 1);
	}
	return -1;
}

/* Appends text bytes to out with runs of white space as one space and
 * without leading space; stops at `stop` (not copied). Returns 1 when it
 * stopped there, 0 when the bytes ran out. Tags are skipped when
 * skip_tags. */
static int collect(struct rd *r, uint8_t stop, bool skip_tags, char *out, size_t out_size, size_t *k)
{
	uint8_t b;
	bool in_tag = false;
	while (rd_u8(r, &b) == 0) {
		if (b == stop && !in_tag)
			return 1;
		if (skip_tags && (b == '<' || (in_tag && b == '>'))) {
			in_tag = b == '<';
			continue;
		}
		if (in_tag)
			continue;
		bool space = b == ' ' || b == '\t' || b == '\r' || b == '\n';
		if (space && (*k == 0 || out[*k - 1] == ' '))
			continue;
		if (*k + 1 < out_size)
			out[(*k)++] = space ? ' ' : (b >= 0x20 && b <= 0x7e) ? (char)b : '?';
		out[*k] = '\0';
	}
	return 0;
}

static void trim_end(char *out, size_t *k)
{
	while (*k > 0 && out[*k - 1] == ' ')
		out[--(*k)] = '\0';
}

int http1_error_text(const uint8_t *p, size_t n, bool html, char *out, size_t out_size)
{
	struct rd r = rd_make(p, n);
	size_t k = 0;
	if (out_size == 0)
		return -1;
	out[0] = '\0';
	if (find_ci(&r, "<title") == 0) {
		uint8_t b;
		int closed = 0;
		while (rd_u8(&r, &b) == 0)
			if (b == '>')
				break;
		closed = collect(&r, '<', false, out, out_size, &k);
		trim_end(out, &k);
		if (k > 0)
			return closed;
	}
	/* No title: the first line with text on it. */
	r = rd_make(p, n);
	k = 0;
	out[0] = '\0';
	struct rd line;
	while (take_line(&r, &line) == HTTP1_OK) {
		collect(&line, 0, html, out, out_size, &k);
		trim_end(out, &k);
		if (k > 0)
			return 1;
	}
	collect(&r, 0, html, out, out_size, &k);
	trim_end(out, &k);
	return k > 0 ? 0 : -1;
}
