/* probe_http.c - the end of an HTTP/1.x response (probe_http.h). */
#include "cli/probe_http.h"

#include <string.h>

static int lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

/* Whether line [p, p+n) starts with the lower-case word w. */
static bool starts_with(const uint8_t *p, size_t n, const char *w)
{
	size_t wl = strlen(w);
	if (n < wl)
		return false;
	for (size_t i = 0; i < wl; i++)
		if (lower(p[i]) != w[i])
			return false;
	return true;
}

static bool contains(const uint8_t *p, size_t n, const char *w)
{
	for (size_t i = 0; i < n; i++)
		if (starts_with(p + i, n - i, w))
			return true;
	return false;
}

static int status_of(const uint8_t *p, size_t n)
{
	/* "HTTP/1.1 200 ..." */
	if (n < 12 || !starts_with(p, n, "http/") || p[8] != ' ')
		return 0;
	int s = 0;
	for (size_t i = 9; i < 12; i++) {
		if (p[i] < '0' || p[i] > '9')
			return 0;
		s = s * 10 + (p[i] - '0');
	}
	return s;
}

bool probe_http1_complete(const uint8_t *head, size_t head_len, uint64_t total, const uint8_t *last,
			  size_t last_len, int *status)
{
	const uint8_t *p = head;
	size_t n = head_len;
	uint64_t start = 0; /* offset of the current response in the stream */
	*status = 0;
	for (;;) {
		const uint8_t *eoh = memmem(p, n, "\r\n\r\n", 4);
		if (!eoh)
			return false;
		size_t hl = (size_t)(eoh - p) + 4;
		int st = status_of(p, n);
		if (st >= 100 && st < 200) { /* interim: the final one follows */
			p += hl, n -= hl, start += hl;
			continue;
		}
		*status = st;
		for (const uint8_t *l = p; l < eoh;) {
			const uint8_t *e = memmem(l, (size_t)(eoh + 2 - l), "\r\n", 2);
			size_t ll = (size_t)(e - l);
			if (starts_with(l, ll, "content-length:")) {
				uint64_t cl = 0;
				size_t i = 15;
				while (i < ll && (l[i] == ' ' || l[i] == '\t'))
					i++;
				if (i == ll)
					return false;
				for (; i < ll && l[i] >= '0' && l[i] <= '9' && cl < (UINT64_MAX - 9) / 10; i++)
					cl = cl * 10 + (uint64_t)(l[i] - '0');
				return total - start - hl >= cl;
			}
			if (starts_with(l, ll, "transfer-encoding:") && contains(l, ll, "chunked"))
				return last_len >= 5 && memcmp(last + last_len - 5, "0\r\n\r\n", 5) == 0;
			l = e + 2;
		}
		return st == 204 || st == 304;
	}
}
