/* story.h - what happened across connections: the same client talking to
 * the same server (and name) several times, told as one short story
 * when the outcomes differ or something failed (a retry over HTTP/1.1
 * after HTTP/2 was refused, a reset or 500 before a 403, a retry without
 * a certificate). Memory is bounded: STORY_MAX_GROUPS groups of at most
 * STORY_MAX_STEPS connections each; the rest are counted. */
#ifndef MTLS_STORY_H
#define MTLS_STORY_H

#include <stddef.h>
#include <stdint.h>

#include "diagnosis/diagnose.h"
#include "model/model.h"

#define STORY_MAX_GROUPS 4096
#define STORY_MAX_STEPS 12
#define STORY_LINE_MAX 640

struct story;

/* What one connection adds to the story, read from it and its diagnosis
 * apart from adding it: a threaded run reads it where the connection was
 * analysed and adds it in report order (threads.c). */
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

struct story_entry {
	struct story_key key;
	struct story_step step;
};

struct story *story_new(void);
void story_free(struct story *s);
/* Heap held, as malloc charges it (part of --max-memory). */
size_t story_bytes(const struct story *s);
/* One reported connection, with its diagnosis: story_entry_read, then
 * story_add_entry. */
void story_add(struct story *s, const char *file_name, const struct tls_conn *c, const struct findings *f);
/* Adds the groups of `from` to `into`, for analyzers that each read a
 * share of one capture (their stream numbers unique across them): a
 * group both hold keeps its steps in stream order, and the groups are
 * then ordered by their first stream. */
void story_merge(struct story *into, const struct story *from);
void story_entry_read(const struct tls_conn *c, const struct findings *f, struct story_entry *e);
void story_add_entry(struct story *s, const char *file_name, const struct story_entry *e);
/* Calls emit once per story line, in the order the groups began. */
void story_tell(const struct story *s, void (*emit)(void *ctx, const char *line), void *ctx);

#endif
