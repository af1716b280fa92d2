/* http1.h - HTTP/1.x messages in decrypted application data (RFC 9112):
 * start lines, header blocks, chunked framing, and the text of an error
 * page. Only what the evidence needs: no full HTTP parser. Pure and
 * bounded; the caller keeps the stream state (analyzer/model/http_track.c). */
#ifndef MTLS_HTTP1_H
#define MTLS_HTTP1_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HTTP1_LINE_MAX 256

/* "METHOD SP target SP HTTP/1.x CRLF": copies the line (without CRLF,
 * cut to out_size - 1 bytes) and returns 0; -1 when the bytes do not start
 * with a request line. */
int http1_request_line(const uint8_t *p, size_t n, char *out, size_t out_size);
/* "HTTP/1.x SP 3DIGIT SP reason CRLF": the line and the status code, or -1. */
int http1_status_line(const uint8_t *p, size_t n, char *out, size_t out_size, int *status);

enum http1_result {
	HTTP1_OK = 0,
	HTTP1_MORE,    /* a plausible start; the rest has not arrived yet */
	HTTP1_INVALID, /* not HTTP/1.x (or a framing we do not follow) */
};

/* A request or response head: the start line and the header fields the
 * evidence uses. Strings are NUL-terminated, cut to their size, and hold
 * printable ASCII only (anything else becomes '?'). */
struct http1_head {
	bool is_request;
	char start_line[HTTP1_LINE_MAX];
	char method[12];             /* request */
	char target[HTTP1_LINE_MAX]; /* request */
	int status;                  /* response: 100..999 */
	int64_t content_length;      /* -1: no Content-Length */
	bool chunked;                /* Transfer-Encoding ends with chunked */
	bool html;                   /* Content-Type text/html */
	bool encoded;                /* a Content-Encoding other than identity */
	char server[96];             /* first Server: value, "" when none */
	char user_agent[160];        /* first User-Agent: value */
	size_t head_len;             /* bytes up to and including the empty line */
};

/* Reads the head at the start of p. HTTP1_MORE when no empty line ends it
 * within n bytes yet the bytes so far could begin one. */
enum http1_result http1_head_parse(const uint8_t *p, size_t n, struct http1_head *out);

/* chunk-size [ chunk-ext ] CRLF: the size and the line's length. */
enum http1_result http1_chunk_line(const uint8_t *p, size_t n, uint64_t *size, size_t *line_len);
/* The CRLF after a chunk's data. */
enum http1_result http1_chunk_end(const uint8_t *p, size_t n, size_t *len);
/* The trailer section after the last chunk, up to its empty line. */
enum http1_result http1_trailers(const uint8_t *p, size_t n, size_t *len);

/* The text of an error page from the first bytes of its body: the
 * <title> of an HTML page, else its first non-empty line (tags removed
 * when html). Returns 1 when that text is complete within the bytes (the
 * title closed, the line ended), 0 when some text was found but may go
 * on, -1 when there is none (out is ""). */
int http1_error_text(const uint8_t *p, size_t n, bool html, char *out, size_t out_size);

#endif
