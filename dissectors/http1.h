/* http1.h - the first line of an HTTP/1.x request or response, read from
 * decrypted application data (the start of a direction's byte stream). */
#ifndef MTLS_HTTP1_H
#define MTLS_HTTP1_H

#include <stddef.h>
#include <stdint.h>

#define HTTP1_LINE_MAX 256

/* "METHOD SP target SP HTTP/1.x CRLF": copies the line (without CRLF,
 * cut to out_size - 1 bytes) and returns 0; -1 when the bytes do not start
 * with a request line. */
int http1_request_line(const uint8_t *p, size_t n, char *out, size_t out_size);
/* "HTTP/1.x SP 3DIGIT SP reason CRLF": the line and the status code, or -1. */
int http1_status_line(const uint8_t *p, size_t n, char *out, size_t out_size, int *status);

#endif
