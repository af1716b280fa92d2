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

struct story *story_new(void);
void story_free(struct story *s);
/* Heap held, as malloc charges it (part of --max-memory). */
size_t story_bytes(const struct story *s);
/* One reported connection, with its diagnosis. */
void story_add(struct story *s, const char *file_name, const struct tls_conn *c, const struct findings *f);
/* Calls emit once per story line, in the order the groups began. */
void story_tell(const struct story *s, void (*emit)(void *ctx, const char *line), void *ctx);

#endif
