/* http_track.h - HTTP in a connection's decrypted application data: each
 * side's byte stream followed across records (HTTP/1.x heads and bodies,
 * HTTP/2 frames with libnghttp2's HPACK inflater), the exchanges, software
 * headers and error pages written into the model (c->http and the first
 * request/response fields). */
#ifndef MTLS_HTTP_TRACK_H
#define MTLS_HTTP_TRACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/model.h"

struct http_track;

/* One decrypted application data record of side s (its plaintext, the
 * frame of its last byte). Creates the tracker on first use (*t, owned
 * by the caller) and c->http when HTTP is first seen. */
void http_track_record(struct http_track **t, struct tls_conn *c, enum side s, const uint8_t *p, size_t n,
		       uint64_t frame);
/* The next `plain` bytes of side s are body HTTP would skip by length (a
 * record need not be decrypted for them): true when so, and they are
 * counted as skipped; false when the record must be read. */
bool http_track_skip(struct http_track *t, enum side s, size_t plain);
/* A record of side s was not read: one http_track_skip agreed to skip,
 * or plaintext was lost (not captured, not decrypted), after which
 * HTTP/1.x looks for the next head at a record start and HTTP/2 stops. */
void http_track_gap(struct http_track *t, enum side s);
/* Are side s's next records worth decrypting for HTTP? false once that
 * side is not HTTP, or nothing more can be learnt from it. */
bool http_track_wants(const struct http_track *t, enum side s);
/* Heap held: the tracker, its buffers and the HPACK inflaters. */
size_t http_track_memory(const struct http_track *t);
void http_track_free(struct http_track *t);

#endif
