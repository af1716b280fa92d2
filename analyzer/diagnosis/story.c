/* story.c - the story across connections (story.h). */
#include "diagnosis/story.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uthash.h>
#include <utlist.h>

#include "heap_charge.h"

struct story_step {
	uint64_t stream;
	enum outcome_kind kind;
	enum outcome_failure failure;
	const char *cause;        /* the first finding's ID when it is the cause; static */
	bool h2;                  /* ALPN h2 */
	bool http11_required;     /* an HTTP/2 stream reset with HTTP_1_1_REQUIRED */
	bool renegotiated;
	bool cut;                 /* reset, or a 500, or closed unanswered */
	int refusal;              /* 400/401/403/495/496 seen (decrypted), else 0 */
	bool cert_sent;           /* the client's answer carried a certificate */
	bool asked;               /* a certificate was asked for */
};

struct story_key {
	struct ip_addr client;
	struct endpoint server;
	char sni[64];
	unsigned file_index;
};

struct story_group {
	struct story_key key;
	char file_name[128];
	struct story_step steps[STORY_MAX_STEPS];
	size_t n_steps;
	uint64_t more;            /* connections beyond STORY_MAX_STEPS */
	UT_hash_handle hh;
	struct story_group *next; /* in order of the first connection */
};

struct story {
	struct story_group *table; /* uthash head */
	struct story_group *order; /* utlist singly linked, oldest first */
	size_t n_groups;
	uint64_t ungrouped;        /* connections past STORY_MAX_GROUPS */
};

struct story *story_new(void)
{
	return calloc(1, sizeof(struct story));
}

size_t story_bytes(const struct story *s)
{
	if (!s)
		return 0;
	size_t n = heap_charge(sizeof *s) + s->n_groups * heap_charge(sizeof(struct story_group));
	if (s->table)
		n += heap_charge(sizeof(UT_hash_table)) +
		     heap_charge(s->table->hh.tbl->num_buckets * sizeof(UT_hash_bucket));
	return n;
}

void story_free(struct story *s)
{
	if (!s)
		return;
	struct story_group *g, *tmp;
	HASH_ITER(hh, s->table, g, tmp)
	{
		HASH_DEL(s->table, g);
		free(g);
	}
	free(s);
}

static bool status_refuses(int st)
{
	return st == 400 || st == 401 || st == 403 || st == 495 || st == 496;
}

static void read_step(const struct tls_conn *c, const struct findings *f, struct story_step *st)
{
	memset(st, 0, sizeof *st);
	st->stream = c->stream;
	st->kind = f->outcome.kind;
	st->failure = f->outcome.failure;
	st->cause = finding_is_cause(f, 0) ? f->items[0].id : NULL;
	st->h2 = c->have_server_hello && strcmp(c->sh.alpn, "h2") == 0;
	st->renegotiated = c->renegotiated;
	st->asked = f->outcome.requested;
	st->cert_sent = f->outcome.answer == CC_PRESENT;
	st->cut = c->end == END_RST || c->http_status == 500;
	if (status_refuses(c->http_status))
		st->refusal = c->http_status;
	if (c->http) {
		for (size_t i = 0; i < c->http->n; i++) {
			const struct http_exchange *x = &c->http->ex[i];
			if (x->reset_frame && x->reset_error == 0xd)
				st->http11_required = true;
			if (x->status == 500)
				st->cut = true;
			if (!st->refusal && status_refuses(x->status))
				st->refusal = x->status;
		}
	}
	for (size_t i = 0; i < f->n; i++)
		if (strcmp(f->items[i].id, "TLS13_LATE_CERT_NEGOTIATION") == 0 ||
		    strcmp(f->items[i].id, "RST_DURING_CERT_NEGOTIATION") == 0)
			st->cut = true;
}

void story_add(struct story *s, const char *file_name, const struct tls_conn *c, const struct findings *f)
{
	if (!s)
		return;
	struct story_key key;
	memset(&key, 0, sizeof key);
	key.client = c->client.addr;
	key.server = c->server;
	key.file_index = c->file_index;
	if (c->have_client_hello) {
		size_t n = strnlen(c->ch.sni, sizeof key.sni - 1);
		memcpy(key.sni, c->ch.sni, n);
	}
	struct story_group *g;
	HASH_FIND(hh, s->table, &key, sizeof key, g);
	if (!g) {
		if (s->n_groups == STORY_MAX_GROUPS) {
			s->ungrouped++;
			return;
		}
		g = calloc(1, sizeof *g);
		if (!g) {
			s->ungrouped++;
			return;
		}
		g->key = key;
		snprintf(g->file_name, sizeof g->file_name, "%s", file_name);
		HASH_ADD(hh, s->table, key, sizeof key, g);
		LL_APPEND(s->order, g);
		s->n_groups++;
	}
	if (g->n_steps == STORY_MAX_STEPS) {
		g->more++;
		return;
	}
	read_step(c, f, &g->steps[g->n_steps++]);
}

/* The first step at or after `from` matching `pred`, or -1. */
static long find_step(const struct story_group *g, size_t from, bool (*pred)(const struct story_step *))
{
	for (size_t i = from; i < g->n_steps; i++)
		if (pred(&g->steps[i]))
			return (long)i;
	return -1;
}

static bool refused_h2(const struct story_step *st)
{
	return st->http11_required;
}

static bool http1_after_reneg(const struct story_step *st)
{
	return !st->h2 && (st->renegotiated || st->asked);
}

static bool cut_or_500(const struct story_step *st)
{
	return st->cut;
}

static bool refused_403(const struct story_step *st)
{
	return st->refusal != 0;
}

static bool failed_with_cert(const struct story_step *st)
{
	return st->cert_sent && st->failure == FAILURE_YES;
}

static bool without_cert(const struct story_step *st)
{
	return st->asked && !st->cert_sent;
}

static void append(char *line, size_t size, const char *text)
{
	size_t used = strlen(line);
	if (used + 1 < size)
		snprintf(line + used, size - used, "%s", text);
}

static void tell_group(const struct story_group *g, char *line, size_t size)
{
	char cl[64], sv[80], part[192];
	snprintf(line, size, "%s: %s -> %s%s%s: %zu connections", g->file_name,
		 ip_addr_text(&g->key.client, cl, sizeof cl), endpoint_text(&g->key.server, sv, sizeof sv),
		 g->key.sni[0] ? " " : "", g->key.sni, g->n_steps + (size_t)g->more);
	for (size_t i = 0; i < g->n_steps; i++) {
		const struct story_step *st = &g->steps[i];
		snprintf(part, sizeof part, "%s stream %llu %s%s%s%s", i ? "," : ":", (unsigned long long)st->stream,
			 outcome_name(st->kind), st->failure == FAILURE_YES ? " (failed" : "",
			 st->failure == FAILURE_YES && st->cause ? ", " : "",
			 st->failure == FAILURE_YES ? (st->cause ? st->cause : "") : "");
		append(line, size, part);
		if (st->failure == FAILURE_YES)
			append(line, size, ")");
	}
	if (g->more)
		append(line, size, ", ...");
	append(line, size, ".");
	long a, b;
	if ((a = find_step(g, 0, refused_h2)) >= 0 && (b = find_step(g, (size_t)a + 1, http1_after_reneg)) >= 0) {
		snprintf(part, sizeof part,
			 " The server refused HTTP/2 (HTTP_1_1_REQUIRED, stream %llu) and the client came back over "
			 "HTTP/1.1 (stream %llu), where the certificate was asked for by %s.",
			 (unsigned long long)g->steps[a].stream, (unsigned long long)g->steps[b].stream,
			 g->steps[b].renegotiated ? "renegotiation" : "the handshake");
		append(line, size, part);
	}
	if ((a = find_step(g, 0, cut_or_500)) >= 0 && (b = find_step(g, (size_t)a + 1, refused_403)) >= 0) {
		snprintf(part, sizeof part,
			 " A reset or 500 on stream %llu was followed by HTTP %d on stream %llu: the server tried to "
			 "negotiate the certificate late, failed, and the retry was refused.",
			 (unsigned long long)g->steps[a].stream, g->steps[b].refusal,
			 (unsigned long long)g->steps[b].stream);
		append(line, size, part);
	}
	if ((a = find_step(g, 0, failed_with_cert)) >= 0 && (b = find_step(g, (size_t)a + 1, without_cert)) >= 0) {
		snprintf(part, sizeof part,
			 " After its certificate failed on stream %llu the client retried without one (stream %llu), as "
			 "browsers do: the first failure is the one to explain.",
			 (unsigned long long)g->steps[a].stream, (unsigned long long)g->steps[b].stream);
		append(line, size, part);
	}
}

/* A group is worth telling when it has several connections and one of
 * them failed (a resumption after a full handshake is no story). */
static bool worth_telling(const struct story_group *g)
{
	if (g->n_steps < 2)
		return false;
	for (size_t i = 0; i < g->n_steps; i++)
		if (g->steps[i].failure == FAILURE_YES)
			return true;
	return false;
}

void story_tell(const struct story *s, void (*emit)(void *ctx, const char *line), void *ctx)
{
	if (!s)
		return;
	char line[STORY_LINE_MAX];
	const struct story_group *g;
	LL_FOREACH(s->order, g)
	{
		if (!worth_telling(g))
			continue;
		tell_group(g, line, sizeof line);
		emit(ctx, line);
	}
	if (s->ungrouped) {
		snprintf(line, sizeof line, "%llu more connection(s) not followed across connections (over %d pairs).",
			 (unsigned long long)s->ungrouped, STORY_MAX_GROUPS);
		emit(ctx, line);
	}
}
