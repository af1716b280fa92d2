/* chunks.h - the input of the harnesses that play both sides of one
 * connection (fuzz_http, fuzz_tls_stream): after their own first byte,
 * chunks, each a 2-byte header followed by its bytes:
 *   bit 15    side (client/server)
 *   bit 14    a gap (bytes lost) of the length, instead of data
 *   bits 0-13 length (cut to what is left)
 * Each chunk's bytes come in a buffer of exactly their size, so that the
 * sanitizers see a read past them. */
#ifndef MTLS_FUZZ_CHUNKS_H
#define MTLS_FUZZ_CHUNKS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model/model.h"

struct chunk {
	enum side side;
	bool gap;
	size_t len;
	uint8_t *bytes; /* a malloc'd copy (the caller frees it); NULL for a gap */
};

/* The next chunk of *data (*size bytes), both advanced past it; false at
 * the end. */
static inline bool next_chunk(const uint8_t **data, size_t *size, struct chunk *c)
{
	if (*size < 2)
		return false;
	unsigned hdr = (unsigned)(*data)[0] << 8 | (*data)[1];
	c->side = (hdr & 0x8000) ? SIDE_SERVER : SIDE_CLIENT;
	c->gap = (hdr & 0x4000) != 0;
	c->len = hdr & 0x3fff;
	c->bytes = NULL;
	*data += 2;
	*size -= 2;
	if (c->gap)
		return true;
	if (c->len > *size)
		c->len = *size;
	c->bytes = malloc(c->len ? c->len : 1);
	if (!c->bytes)
		abort();
	memcpy(c->bytes, *data, c->len);
	*data += c->len;
	*size -= c->len;
	return true;
}

#endif
