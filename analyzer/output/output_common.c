/* output_common.c - the pieces the text and HTML reports share. */
#include <string.h>

#include "output/output_common.h"

void output_fill(struct textbuf *b, const char *layout, output_put_fn put, const char *const *values, size_t n)
{
	const char *at;
	for (size_t i = 0; (at = strstr(layout, "%s")) != NULL; i++) {
		tb_mem(b, layout, (size_t)(at - layout));
		layout = at + 2;
		if (i < n)
			put(b, values[i]);
	}
	tb_str(b, layout);
}

/* s appended to the text of len bytes in buf, cut to fit; the new length. */
static size_t append(char *buf, size_t size, size_t len, const char *s)
{
	size_t n = strlen(s);
	if (n > size - 1 - len)
		n = size - 1 - len;
	memcpy(buf + len, s, n);
	buf[len + n] = '\0';
	return len + n;
}

/* The EKU names joined by sep into buf (all eight fit in 256 bytes). */
static void eku_text(const struct x509_summary *s, const char *sep, char *buf, size_t size)
{
	const char *names[8];
	size_t n = x509_eku_names(s->eku, names, 8);
	size_t len = append(buf, size, 0, s->has_eku ? "" : "(none: any use)");
	for (size_t k = 0; k < n; k++)
		len = append(buf, size, append(buf, size, len, k ? sep : ""), names[k]);
}

void output_cert_facts(struct textbuf *b, const char *layout, const char *eku_sep, output_put_fn put,
		       const struct x509_summary *s)
{
	char eku[256];
	eku_text(s, eku_sep, eku, sizeof eku);
	const char *facts[] = { s->subject, s->issuer, s->not_before, s->not_after, s->key_type, eku };
	output_fill(b, layout, put, facts, sizeof facts / sizeof facts[0]);
}

void output_frame_list(struct textbuf *b, const char *prefix, const uint64_t *frames, size_t n, const char *suffix)
{
	for (size_t k = 0; k < n; k++) {
		tb_str(b, k ? "," : prefix);
		tb_u64(b, frames[k], 0);
	}
	if (n)
		tb_str(b, suffix);
}
