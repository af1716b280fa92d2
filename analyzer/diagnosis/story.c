/* story.c - the story across connections (story.h). */
#include "diagnosis/story.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utlist.h>

#include "heap_charge.h"
#include "word_hash.h"
#include "http2.h"

struct story_group {
	struct story_key key;
	char file_name[128];
	struct story_step steps[STORY_MAX_STEPS];
	size_t n_steps;
	uint64_t more;            /* connections beyond STORY_MAX_STEPS */
	struct story_group *next, *prev; /* in order of the first connection */
};

/* The groups by key: open addressing over a table at most half full,
 * each slot with its key's hash, so that a connection whose group does
 * not exist (most of them, once the table is full, on a busy server)
 * reads a few neighbouring slots instead of a chain of groups scattered
 * over the heap, a cache miss each. */
struct story_slot {
	struct story_group *group; /* NULL: free */
	unsigned hash;
};

struct story {
	struct story_slot *slots;
	size_t n_slots;            /* a power of two, or 0 */
	/* utlist doubly linked, oldest first: the head's prev is the tail,
	 * so appending does not walk the list. */
	struct story_group *order;
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
	if (s->slots)
		n += heap_charge(s->n_slots * sizeof *s->slots);
	return n;
}

void story_free(struct story *s)
{
	if (!s)
		return;
	struct story_group *g, *tmp;
	DL_FOREACH_SAFE(s->order, g, tmp)
	{
		DL_DELETE(s->order, g);
		free(g);
	}
	free(s->slots);
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
			if (x->reset_frame && x->reset_error == HTTP2_HTTP_1_1_REQUIRED)
				st->http11_required = true;
			if (x->status == 500)
				st->cut = true;
			if (!st->refusal && status_refuses(x->status))
				st->refusal = x->status;
		}
	}
	for (size_t i = 0; i < f->n; i++)
		if (f->items[i].code == FINDING_TLS13_LATE_CERT_NEGOTIATION ||
		    f->items[i].code == FINDING_RST_DURING_CERT_NEGOTIATION)
			st->cut = true;
}

/* The slot holding key, or the free slot where it belongs. */
static struct story_slot *slot_of(const struct story *s, const struct story_key *key, unsigned hash)
{
	size_t mask = s->n_slots - 1;
	for (size_t i = hash & mask;; i = (i + 1) & mask) {
		struct story_slot *slot = &s->slots[i];
		if (!slot->group || (slot->hash == hash && memcmp(&slot->group->key, key, sizeof *key) == 0))
			return slot;
	}
}

/* Room for one more group with the table at most half full; false when
 * out of memory (the table is unchanged). */
static bool slots_room(struct story *s)
{
	if (2 * (s->n_groups + 1) <= s->n_slots)
		return true;
	size_t n = s->n_slots ? 2 * s->n_slots : 64;
	struct story_slot *old = s->slots;
	size_t n_old = s->n_slots;
	if (!(s->slots = calloc(n, sizeof *s->slots))) {
		s->slots = old;
		return false;
	}
	s->n_slots = n;
	for (size_t i = 0; i < n_old; i++)
		if (old[i].group)
			*slot_of(s, &old[i].group->key, old[i].hash) = old[i];
	free(old);
	return true;
}

/* The group of key, made when new; NULL past STORY_MAX_GROUPS (or out of
 * memory). */
static struct story_group *group_of(struct story *s, const struct story_key *key, const char *file_name)
{
	/* Keys are memset before they are filled: hashed as words. */
	unsigned hash = word_hash(key, sizeof *key);
	struct story_slot *slot = s->slots ? slot_of(s, key, hash) : NULL;
	if ((slot && slot->group) || s->n_groups == STORY_MAX_GROUPS)
		return slot ? slot->group : NULL;
	if (!slots_room(s))
		return NULL;
	struct story_group *g = calloc(1, sizeof *g);
	if (!g)
		return NULL;
	memcpy(&g->key, key, sizeof g->key); /* the padding too: it is hashed and compared */
	size_t name_len = strnlen(file_name, sizeof g->file_name - 1); /* cut as snprintf would */
	memcpy(g->file_name, file_name, name_len);
	g->file_name[name_len] = '\0';
	slot = slot_of(s, key, hash);
	slot->group = g;
	slot->hash = hash;
	DL_APPEND(s->order, g);
	s->n_groups++;
	return g;
}

void story_entry_read(const struct tls_conn *c, const struct findings *f, struct story_entry *e)
{
	memset(&e->key, 0, sizeof e->key);
	e->key.client = c->client.addr;
	e->key.server = c->server;
	e->key.file_index = c->file_index;
	if (c->have_client_hello) {
		size_t n = strnlen(c->ch.sni, sizeof e->key.sni - 1);
		memcpy(e->key.sni, c->ch.sni, n);
	}
	read_step(c, f, &e->step);
}

void story_add_entry(struct story *s, const char *file_name, const struct story_entry *e)
{
	if (!s)
		return;
	struct story_group *g = group_of(s, &e->key, file_name);
	if (!g) {
		s->ungrouped++;
		return;
	}
	if (g->n_steps == STORY_MAX_STEPS) {
		g->more++;
		return;
	}
	g->steps[g->n_steps++] = e->step;
}

void story_add(struct story *s, const char *file_name, const struct tls_conn *c, const struct findings *f)
{
	if (!s)
		return;
	struct story_entry e;
	story_entry_read(c, f, &e);
	story_add_entry(s, file_name, &e);
}

static int by_first_stream(const struct story_group *x, const struct story_group *y)
{
	uint64_t a = x->n_steps ? x->steps[0].stream : UINT64_MAX, b = y->n_steps ? y->steps[0].stream : UINT64_MAX;
	return a < b ? -1 : a > b;
}

void story_merge(struct story *into, const struct story *from)
{
	if (!into || !from)
		return;
	into->ungrouped += from->ungrouped;
	const struct story_group *g;
	DL_FOREACH(from->order, g)
	{
		struct story_group *t = group_of(into, &g->key, g->file_name);
		if (!t) {
			into->ungrouped += g->n_steps + g->more;
			continue;
		}
		t->more += g->more;
		for (size_t i = 0; i < g->n_steps; i++) {
			/* In stream order; past the cap, the latest stream is counted only. */
			size_t at = t->n_steps;
			while (at > 0 && t->steps[at - 1].stream > g->steps[i].stream)
				at--;
			if (at == STORY_MAX_STEPS) {
				t->more++;
				continue;
			}
			if (t->n_steps == STORY_MAX_STEPS)
				t->more++;
			else
				t->n_steps++;
			memmove(&t->steps[at + 1], &t->steps[at], (t->n_steps - 1 - at) * sizeof t->steps[0]);
			t->steps[at] = g->steps[i];
		}
	}
	DL_SORT(into->order, by_first_stream);
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
	DL_FOREACH(s->order, g)
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
