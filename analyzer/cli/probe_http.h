/* probe_http.h - where the server's HTTP/1.x response to the probe ends,
 * read from bytes the server chose (bounded, no trust in its lengths). */
#ifndef MTLS_PROBE_HTTP_H
#define MTLS_PROBE_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* head: the first head_len bytes of the response stream (interim 1xx
 * responses included); total: bytes of the stream so far; last: the bytes
 * of the latest read (the end of a chunked body is looked for there).
 * True when the final response is complete by its Content-Length, its
 * last chunk, or its status (204, 304); a response without either ends
 * with the connection. *status: the final status code, 0 while unknown. */
bool probe_http1_complete(const uint8_t *head, size_t head_len, uint64_t total, const uint8_t *last,
			  size_t last_len, int *status);

#endif
