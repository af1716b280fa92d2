/* remedies.c - looks up and fills rows of the remedies catalogue
 * (remedies.def). The rows are sorted by key, so a lookup is a binary
 * search over constant data and a scan of that key's few rows: no
 * allocation, no state, cheap enough to run for every finding. */
#include "diagnosis/remedies.h"

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
#include "diagnosis/remedies.def"
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

/* The rows of one key: remedy_rows[first .. first + n). */
struct key_group {
	size_t first, n;
};

static struct key_group find_key(const char *key, size_t len)
{
	size_t lo = 0, hi = N_ROWS;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (key_cmp(key, len, remedy_rows[mid].key) > 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == N_ROWS || key_cmp(key, len, remedy_rows[lo].key) != 0)
		return (struct key_group){ lo, 0 };
	/* The compiler usually merges equal literals: compare pointers first. */
	const char *k = remedy_rows[lo].key;
	size_t end = lo + 1;
	while (end < N_ROWS && (remedy_rows[end].key == k || strcmp(remedy_rows[end].key, k) == 0))
		end++;
	return (struct key_group){ lo, end - lo };
}

/* The row of a group for one side: the software's own, else the generic
 * one; NULL when the group has neither. */
static const char *group_row(struct key_group g, enum remedy_side side, int kind, bool *specific)
{
	const char *generic = NULL;
	for (size_t i = g.first; i < g.first + g.n; i++) {
		if (remedy_rows[i].side != side)
			continue;
		if (kind && remedy_rows[i].kind == kind) {
			*specific = true;
			return remedy_rows[i].text;
		}
		if (remedy_rows[i].kind == 0)
			generic = remedy_rows[i].text;
	}
	*specific = false;
	return generic;
}

/* A variant ("ID/variant") with no row for a side takes its finding ID's
 * rows for that side. */
static const char *pick_row(struct key_group variant, struct key_group id, enum remedy_side side, int kind,
			    bool *specific)
{
	const char *t = group_row(variant, side, kind, specific);
	return t ? t : group_row(id, side, kind, specific);
}

static int has_row(const char *key, enum remedy_side side, int kind)
{
	if (!key)
		return 0;
	struct key_group g = find_key(key, strlen(key));
	for (size_t i = g.first; i < g.first + g.n; i++)
		if (remedy_rows[i].side == side && remedy_rows[i].kind == kind)
			return 1;
	return 0;
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
		      enum server_kind sk, enum client_kind ck, const struct remedy_args *a)
{
	struct sink s = { buf, cap, 0 };
	buf[0] = '\0';
	bool both = srow && crow;
	if (srow) {
		if (s_specific) {
			puts_(&s, server_kind_label(sk));
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
			for (const char *l = client_kind_label(ck); *l; l++) {
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
	/* No stack, or a kind out of range: the generic rows. */
	enum server_kind sk = SERVER_UNKNOWN;
	enum client_kind ck = CLIENT_UNKNOWN;
	if (stack && stack->server.kind > 0 && stack->server.kind < SERVER_KIND_COUNT)
		sk = (enum server_kind)stack->server.kind;
	if (stack && stack->client.kind > 0 && stack->client.kind < CLIENT_KIND_COUNT)
		ck = (enum client_kind)stack->client.kind;
	size_t len = strlen(key);
	struct key_group variant = find_key(key, len), id = { 0, 0 };
	const char *slash = memchr(key, '/', len);
	if (slash)
		id = find_key(key, (size_t)(slash - key));
	bool s_specific, c_specific;
	const char *srow = pick_row(variant, id, REMEDY_SIDE_SERVER, sk, &s_specific);
	const char *crow = pick_row(variant, id, REMEDY_SIDE_CLIENT, ck, &c_specific);
	if (!srow && !crow)
		return 0;
	/* Straight into out when it fits (the usual case); otherwise the
	 * shorter form, then a cut from a larger scratch copy. */
	size_t n = compose(out, out_size, srow, s_specific, crow, c_specific, sk, ck, args);
	if (n < out_size)
		return n;
	if (srow && crow && !c_specific) {
		crow = NULL;
		n = compose(out, out_size, srow, s_specific, NULL, false, sk, ck, args);
		if (n < out_size)
			return n;
	}
	char buf[4096];
	n = compose(buf, sizeof buf, srow, s_specific, crow, c_specific, sk, ck, args);
	return cut_at_word(out, out_size, buf, n < sizeof buf ? n : sizeof buf - 1);
}

int remedy_has_server_row(const char *key, enum server_kind k)
{
	return has_row(key, REMEDY_SIDE_SERVER, (int)k);
}

int remedy_has_client_row(const char *key, enum client_kind k)
{
	return has_row(key, REMEDY_SIDE_CLIENT, (int)k);
}
