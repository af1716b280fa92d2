/* keylog.c - NSS key log parser (see keylog.h). */
#include "keylog.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uthash.h>

#include "rd.h"

struct keylog_item {
	UT_hash_handle hh;
	struct keylog_entry e;
};

struct keylog {
	struct keylog_item *items; /* uthash head, keyed by client random */
	struct keylog_stats stats;
};

struct label {
	const char *name;
	int secret; /* enum keylog_secret, or one of these: */
};
#define LABEL_MASTER (-1)
#define LABEL_IGNORED (-2)

static const struct label labels[] = {
    {"CLIENT_RANDOM", LABEL_MASTER},
    {"CLIENT_HANDSHAKE_TRAFFIC_SECRET", KEYLOG_CLIENT_HS},
    {"SERVER_HANDSHAKE_TRAFFIC_SECRET", KEYLOG_SERVER_HS},
    {"CLIENT_TRAFFIC_SECRET_0", KEYLOG_CLIENT_APP},
    {"SERVER_TRAFFIC_SECRET_0", KEYLOG_SERVER_APP},
    {"CLIENT_EARLY_TRAFFIC_SECRET", KEYLOG_CLIENT_EARLY},
    /* Valid lines that decryption of TLS over TCP does not need. */
    {"EXPORTER_SECRET", LABEL_IGNORED},
    {"EARLY_EXPORTER_SECRET", LABEL_IGNORED},
    {"EARLY_EXPORTER_MASTER_SECRET", LABEL_IGNORED},
    {"RSA", LABEL_IGNORED},
    {NULL, 0},
};

struct keylog *keylog_new(void)
{
	return calloc(1, sizeof(struct keylog));
}

void keylog_free(struct keylog *kl)
{
	if (!kl)
		return;
	struct keylog_item *it, *tmp;
	HASH_ITER(hh, kl->items, it, tmp)
	{
		HASH_DEL(kl->items, it);
		free(it);
	}
	free(kl);
}

static bool is_blank(uint8_t b)
{
	return b == ' ' || b == '\t' || b == '\r';
}

/* The next token of a line (bytes up to a blank), leading blanks skipped. */
static int next_token(struct rd *line, struct rd *tok)
{
	uint8_t b;
	while (rd_peek_u8(line, 0, &b) == 0 && is_blank(b))
		rd_skip(line, 1);
	size_t n = 0;
	while (rd_peek_u8(line, n, &b) == 0 && !is_blank(b))
		n++;
	if (n == 0)
		return -1;
	return rd_view(line, n, tok);
}

static int hex_value(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Hex text into bytes; -1 when not hex or longer than max bytes. */
static int hex_decode(struct rd tok, uint8_t *out, size_t max, size_t *out_len)
{
	size_t n = 0;
	uint8_t hi, lo;
	if (rd_left(&tok) % 2)
		return -1;
	while (rd_left(&tok)) {
		if (rd_u8(&tok, &hi) || rd_u8(&tok, &lo))
			return -1;
		int h = hex_value(hi), l = hex_value(lo);
		if (h < 0 || l < 0 || n == max)
			return -1;
		out[n++] = (uint8_t)(h << 4 | l);
	}
	*out_len = n;
	return 0;
}

static bool token_is(struct rd tok, const char *s)
{
	size_t n = strlen(s);
	return rd_left(&tok) == n && memcmp(tok.p, s, n) == 0;
}

static struct keylog_item *entry_for(struct keylog *kl, const uint8_t *random)
{
	struct keylog_item *it;
	HASH_FIND(hh, kl->items, random, KEYLOG_RANDOM_LEN, it);
	if (it)
		return it;
	if (kl->stats.entries >= KEYLOG_MAX_ENTRIES)
		return NULL;
	it = calloc(1, sizeof *it);
	if (!it)
		return NULL;
	memcpy(it->e.client_random, random, KEYLOG_RANDOM_LEN);
	HASH_ADD(hh, kl->items, e.client_random, KEYLOG_RANDOM_LEN, it);
	kl->stats.entries++;
	return it;
}

/* One line (without its '\n'); NULL when kept or ignored, else why not. */
static const char *parse_line(struct keylog *kl, struct rd line)
{
	struct rd label, rnd, sec, extra;
	uint8_t b;

	if (rd_left(&line) > KEYLOG_MAX_LINE)
		return "line too long";
	if (next_token(&line, &label) != 0)
		return NULL; /* blank */
	if (rd_peek_u8(&label, 0, &b) == 0 && b == '#')
		return NULL;
	const struct label *l = labels;
	while (l->name && !token_is(label, l->name))
		l++;
	if (!l->name)
		return "unknown label";
	if (next_token(&line, &rnd) != 0 || next_token(&line, &sec) != 0)
		return "expected LABEL <client_random> <secret>";
	if (next_token(&line, &extra) == 0)
		return "unexpected text after the secret";
	if (l->secret == LABEL_IGNORED) {
		kl->stats.ignored++;
		return NULL;
	}
	uint8_t random[KEYLOG_RANDOM_LEN], secret[KEYLOG_MAX_SECRET];
	size_t rlen, slen;
	if (hex_decode(rnd, random, sizeof random, &rlen) != 0 || rlen != KEYLOG_RANDOM_LEN)
		return "client random is not 64 hex digits";
	if (hex_decode(sec, secret, sizeof secret, &slen) != 0)
		return "secret is not hex, or longer than 48 bytes";
	if (l->secret == LABEL_MASTER && slen != KEYLOG_MASTER_LEN)
		return "master secret is not 96 hex digits";
	if (l->secret != LABEL_MASTER && slen != 32 && slen != 48)
		return "traffic secret is not 32 or 48 bytes";
	struct keylog_item *it = entry_for(kl, random);
	if (!it)
		return "too many client randoms in the key log";
	if (l->secret == LABEL_MASTER) {
		it->e.has_master = true;
		memcpy(it->e.master, secret, slen);
	} else {
		it->e.secrets[l->secret].len = (uint8_t)slen;
		memcpy(it->e.secrets[l->secret].bytes, secret, slen);
	}
	kl->stats.used++;
	return NULL;
}

size_t keylog_parse(struct keylog *kl, const uint8_t *buf, size_t len, keylog_error_fn on_error, void *ctx)
{
	struct rd all = rd_make(buf, len), line;
	size_t used_before = kl->stats.used;

	while (rd_left(&all)) {
		const uint8_t *nl = memchr(all.p, '\n', all.len);
		size_t n = nl ? (size_t)(nl - all.p) : all.len;
		rd_view(&all, n, &line);
		rd_skip(&all, 1); /* the '\n', when there is one */
		kl->stats.lines++;
		const char *why = parse_line(kl, line);
		if (why) {
			kl->stats.malformed++;
			if (on_error)
				on_error(ctx, kl->stats.lines, why);
		}
	}
	return kl->stats.used - used_before;
}

const struct keylog_entry *keylog_find(const struct keylog *kl,
				       const uint8_t client_random[KEYLOG_RANDOM_LEN])
{
	struct keylog_item *it;
	if (!kl)
		return NULL;
	HASH_FIND(hh, kl->items, client_random, KEYLOG_RANDOM_LEN, it);
	return it ? &it->e : NULL;
}

void keylog_get_stats(const struct keylog *kl, struct keylog_stats *out)
{
	*out = kl->stats;
}
