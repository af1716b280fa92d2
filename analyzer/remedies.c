/* remedies.c - looks up and fills rows of the remedies catalogue
 * (remedies.def). The rows are sorted by key, so a lookup is a binary
 * search over constant data and a scan of that key's few rows: no
 * allocation, no state, cheap enough to run for every finding. */
#include "remedies.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

enum remedy_side { REMEDY_SIDE_SERVER, REMEDY_SIDE_CLIENT };

struct remedy_row {
	const char *key;
	unsigned char side;  /* enum remedy_side */
	unsigned char kind;  /* enum server_kind or enum client_kind; 0: the generic row */
	const char *text;
};

/* REMEDY("KEY", SERVER, NGINX, "text") -> { "KEY", REMEDY_SIDE_SERVER, SERVER_NGINX, "text" }:
 * a misspelt side or software does not compile. */
#define REMEDY(key, side, kind, text) { key, REMEDY_SIDE_##side, side##_##kind, text },
static const struct remedy_row remedy_rows[] = {
#include "remedies.def"
};
#undef REMEDY

#define N_ROWS (sizeof remedy_rows / sizeof remedy_rows[0])

/* strcmp of (key, len) against a NUL-terminated row key. */
static int key_cmp(const char *key, size_t len, const char *row_key)
{
	int c = strncmp(key, row_key, len);
	if (c)
		return c;
	return row_key[len] ? -1 : 0;
}

/* The rows of key[0..len): *first and the count, 0 when none. */
static size_t key_rows(const char *key, size_t len, size_t *first)
{
	size_t lo = 0, hi = N_ROWS;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (key_cmp(key, len, remedy_rows[mid].key) > 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	size_t end = lo;
	while (end < N_ROWS && key_cmp(key, len, remedy_rows[end].key) == 0)
		end++;
	*first = lo;
	return end - lo;
}

static const char *row_text(size_t first, size_t n, enum remedy_side side, int kind)
{
	for (size_t i = first; i < first + n; i++)
		if (remedy_rows[i].side == side && remedy_rows[i].kind == kind)
			return remedy_rows[i].text;
	return NULL;
}

/* The row for one side: the software's own row, else the generic one, of
 * the key; a variant ("ID/variant") with no row for that side uses its
 * finding ID's rows. *specific says whether the software's own row was
 * found. */
static const char *pick_row(const char *key, enum remedy_side side, int kind, bool *specific)
{
	size_t len = strlen(key);
	for (int pass = 0; pass < 2; pass++) {
		size_t first, n = key_rows(key, len, &first);
		const char *t;
		if (n && kind && (t = row_text(first, n, side, kind))) {
			*specific = true;
			return t;
		}
		if (n && (t = row_text(first, n, side, 0))) {
			*specific = false;
			return t;
		}
		const char *slash = memchr(key, '/', len);
		if (!slash)
			break;
		len = (size_t)(slash - key);
	}
	*specific = false;
	return NULL;
}

/* Text written up to the capacity; len counts all of it, so a sink that
 * ran out of room reports len >= cap. */
struct sink {
	char *p;
	size_t cap, len;
};

static void put(struct sink *s, const char *str, size_t n)
{
	if (s->len < s->cap) {
		size_t room = s->cap - 1 - s->len;
		memcpy(s->p + s->len, str, n < room ? n : room);
		s->p[s->len + (n < room ? n : room)] = '\0';
	}
	s->len += n;
}

static void puts_(struct sink *s, const char *str)
{
	put(s, str, strlen(str));
}

static bool given(const char *s)
{
	return s && *s;
}

/* Writes the placeholder `name` (len bytes, without braces); false when
 * it is not one of ours, so the caller copies it as it stands. */
static bool fill(struct sink *s, const char *name, size_t len, const struct remedy_args *a)
{
	char num[24];
#define IS(word) (len == sizeof(word) - 1 && memcmp(name, word, len) == 0)
	if (IS("port")) {
		if (a && a->port) {
			snprintf(num, sizeof num, "%u", a->port);
			puts_(s, num);
		} else
			puts_(s, "<port>");
	} else if (IS("issuer"))
		puts_(s, a && given(a->issuer) ? a->issuer : "the issuing CA");
	else if (IS("subject"))
		puts_(s, a && given(a->subject) ? a->subject : "the client certificate");
	else if (IS("depth")) {
		if (a && a->depth > 0) {
			snprintf(num, sizeof num, "%d", a->depth);
			puts_(s, num);
		} else
			puts_(s, "N (see the message)");
	} else if (IS("product"))
		puts_(s, a && given(a->product) ? a->product : "the inspecting product");
	else if (IS("sni"))
		puts_(s, a && given(a->sni) ? a->sni : "this site");
	else
		return false;
#undef IS
	return true;
}

static void render(struct sink *s, const char *text, const struct remedy_args *a)
{
	const char *p = text;
	while (*p) {
		const char *brace = strchr(p, '{');
		if (!brace) {
			puts_(s, p);
			return;
		}
		put(s, p, (size_t)(brace - p));
		const char *close = strchr(brace + 1, '}');
		if (close && fill(s, brace + 1, (size_t)(close - brace - 1), a)) {
			p = close + 1;
		} else {
			put(s, "{", 1);
			p = brace + 1;
		}
	}
}

/* "<server part> <client part>". A part is labelled with the software it
 * is for; a generic part is labelled "Server:" / "Client:" only when the
 * other side has a part too (alone it needs no label). */
static size_t compose(char *buf, size_t cap, const char *srow, bool s_specific, const char *crow, bool c_specific,
		      const struct stack_id *stack, const struct remedy_args *a)
{
	struct sink s = { buf, cap, 0 };
	buf[0] = '\0';
	bool both = srow && crow;
	if (srow) {
		if (s_specific) {
			puts_(&s, server_kind_label((enum server_kind)stack->server.kind));
			puts_(&s, ": ");
		} else if (both)
			puts_(&s, "Server: ");
		render(&s, srow, a);
	}
	if (crow) {
		if (srow)
			puts_(&s, " ");
		if (c_specific) {
			/* "Client (curl/OpenSSL): ", "Client (Chrome/Edge, Chromium): " */
			puts_(&s, "Client (");
			for (const char *l = client_kind_label((enum client_kind)stack->client.kind); *l; l++) {
				if (l[0] == ' ' && l[1] == '(') {
					puts_(&s, ", ");
					l++;
				} else if (*l != ')')
					put(&s, l, 1);
			}
			puts_(&s, "): ");
		} else if (both)
			puts_(&s, "Client: ");
		render(&s, crow, a);
	}
	return s.len;
}

/* Copies the longest run of whole words of text[0..len) that fits out
 * with "..." after it, so a cut is never silent nor inside a word. */
static size_t cut_at_word(char *out, size_t out_size, const char *text, size_t len)
{
	static const char more[] = "...";
	out[0] = '\0';
	if (out_size < sizeof more + 1)
		return 0;
	size_t limit = out_size - sizeof more; /* room for the text before "..." and the NUL */
	if (limit > len)
		limit = len;
	/* The cut goes before a space, and the word before it must be whole. */
	size_t end = 0;
	for (size_t i = limit; i > 0; i--)
		if (text[i] == ' ' && i < len) {
			end = i;
			break;
		}
	while (end > 0 && strchr(" ,;:.(", text[end - 1]))
		end--;
	if (end == 0)
		return 0;
	memcpy(out, text, end);
	memcpy(out + end, more, sizeof more);
	return end + sizeof more - 1;
}

size_t remedy_format(char *out, size_t out_size, const char *key, const struct stack_id *stack,
		     const struct remedy_args *args)
{
	if (out_size == 0)
		return 0;
	out[0] = '\0';
	if (!key)
		return 0;
	static const struct stack_id unknown_stack;
	if (!stack)
		stack = &unknown_stack;
	int sk = (unsigned)stack->server.kind < SERVER_KIND_COUNT ? stack->server.kind : SERVER_UNKNOWN;
	int ck = (unsigned)stack->client.kind < CLIENT_KIND_COUNT ? stack->client.kind : CLIENT_UNKNOWN;
	struct stack_id known = *stack;
	known.server.kind = sk;
	known.client.kind = ck;
	bool s_specific, c_specific;
	const char *srow = pick_row(key, REMEDY_SIDE_SERVER, sk, &s_specific);
	const char *crow = pick_row(key, REMEDY_SIDE_CLIENT, ck, &c_specific);
	if (!srow && !crow)
		return 0;
	char buf[4096];
	size_t n = compose(buf, sizeof buf, srow, s_specific, crow, c_specific, &known, args);
	if (n >= out_size && srow && crow && !c_specific)
		n = compose(buf, sizeof buf, srow, s_specific, NULL, false, &known, args);
	if (n < out_size && n < sizeof buf) {
		memcpy(out, buf, n + 1);
		return n;
	}
	return cut_at_word(out, out_size, buf, n < sizeof buf ? n : sizeof buf - 1);
}

int remedy_has_server_row(const char *key, enum server_kind k)
{
	size_t first, n = key ? key_rows(key, strlen(key), &first) : 0;
	return n && row_text(first, n, REMEDY_SIDE_SERVER, (int)k) != NULL;
}

int remedy_has_client_row(const char *key, enum client_kind k)
{
	size_t first, n = key ? key_rows(key, strlen(key), &first) : 0;
	return n && row_text(first, n, REMEDY_SIDE_CLIENT, (int)k) != NULL;
}
