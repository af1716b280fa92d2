/* HTTP/1.x heads, chunked framing and error page text: the edges, by hand
 * (the real messages are checked against tshark in test_oracle_http). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "http1.h"
#include "support/suite_run.h"

#define B(s) (const uint8_t *)(s), strlen(s)

static const char get[] = "GET /secure/admin?x=1 HTTP/1.1\r\nHost: app.example.com\r\n"
			  "User-Agent:  curl/8.5.0 \r\nAccept: */*\r\n\r\nnext";

START_TEST(request_head)
{
	struct http1_head h;
	ck_assert_int_eq(http1_head_parse(B(get), &h), HTTP1_OK);
	ck_assert(h.is_request);
	ck_assert_str_eq(h.method, "GET");
	ck_assert_str_eq(h.target, "/secure/admin?x=1");
	ck_assert_str_eq(h.start_line, "GET /secure/admin?x=1 HTTP/1.1");
	ck_assert_str_eq(h.user_agent, "curl/8.5.0");
	ck_assert_int_eq(h.content_length, -1);
	ck_assert_uint_eq(h.head_len, strlen(get) - 4); /* "next" is not part of it */
}
END_TEST

/* Every cut of a head before its empty line asks for more; none is
 * mistaken for a head or for something else. */
START_TEST(request_head_every_split)
{
	struct http1_head h;
	size_t full = strlen(get) - 4;
	for (size_t n = 1; n < full; n++)
		ck_assert_msg(http1_head_parse((const uint8_t *)get, n, &h) == HTTP1_MORE, "cut at %zu", n);
	ck_assert_int_eq(http1_head_parse((const uint8_t *)get, full, &h), HTTP1_OK);
}
END_TEST

START_TEST(response_head)
{
	static const char r[] = "HTTP/1.1 403 Forbidden\r\nServer: Microsoft-IIS/10.0\r\nServer: second\r\n"
				"Content-Type: text/html; charset=utf-8\r\nContent-Length: 1233\r\n\r\n";
	struct http1_head h;
	ck_assert_int_eq(http1_head_parse(B(r), &h), HTTP1_OK);
	ck_assert(!h.is_request);
	ck_assert_int_eq(h.status, 403);
	ck_assert_str_eq(h.server, "Microsoft-IIS/10.0");
	ck_assert(h.html);
	ck_assert_int_eq(h.content_length, 1233);
	ck_assert_uint_eq(h.head_len, strlen(r));
	/* LF alone ends lines too; no reason phrase */
	ck_assert_int_eq(http1_head_parse(B("HTTP/1.0 200\nTransfer-Encoding: gzip, chunked\n\n"), &h), HTTP1_OK);
	ck_assert(h.chunked);
	ck_assert_int_eq(h.status, 200);
}
END_TEST

START_TEST(not_http1)
{
	struct http1_head h;
	/* the HTTP/2 preface is a request line of version 2.0 */
	ck_assert_int_eq(http1_head_parse(B("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"), &h), HTTP1_INVALID);
	ck_assert_int_eq(http1_head_parse(B("\x16\x03\x01\x00"), &h), HTTP1_INVALID);
	ck_assert_int_eq(http1_head_parse(B("get / HTTP/1.1\r\n\r\n"), &h), HTTP1_INVALID);
	ck_assert_int_eq(http1_head_parse(B("EHLO mail\r\n"), &h), HTTP1_INVALID);
	ck_assert_int_eq(http1_head_parse(B("HTTP/1.1 2x0 OK\r\n\r\n"), &h), HTTP1_INVALID);
	ck_assert_int_eq(http1_head_parse(B("HTTP/1.1 200 OK\r\nno colon here\r\n\r\n"), &h), HTTP1_INVALID);
	/* a binary byte in a partial line: not waited for */
	ck_assert_int_eq(http1_head_parse(B("GET /\x01"), &h), HTTP1_INVALID);
	ck_assert_int_eq(http1_head_parse(B("HTTP/2"), &h), HTTP1_INVALID);
	ck_assert_int_eq(http1_head_parse(B("HTTP/1"), &h), HTTP1_MORE);
	ck_assert_int_eq(http1_head_parse(NULL, 0, &h), HTTP1_MORE);
}
END_TEST

START_TEST(bad_lengths)
{
	struct http1_head h;
	ck_assert_int_eq(http1_head_parse(B("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n"), &h), HTTP1_INVALID);
	ck_assert_int_eq(http1_head_parse(B("HTTP/1.1 200 OK\r\nContent-Length: 12a\r\n\r\n"), &h), HTTP1_INVALID);
	ck_assert_int_eq(http1_head_parse(B("HTTP/1.1 200 OK\r\nContent-Length: 9999999999999999999\r\n\r\n"), &h),
			 HTTP1_INVALID);
	ck_assert_int_eq(
	    http1_head_parse(B("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n"), &h),
	    HTTP1_INVALID);
	ck_assert_int_eq(
	    http1_head_parse(B("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n"), &h), HTTP1_OK);
	/* chunked wins over a length */
	ck_assert_int_eq(http1_head_parse(B("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n"
					    "Transfer-Encoding: chunked\r\n\r\n"),
					  &h),
			 HTTP1_OK);
	ck_assert_int_eq(h.content_length, -1);
	ck_assert(h.chunked);
}
END_TEST

/* A line longer than any server allows is not waited for. */
START_TEST(overlong_line)
{
	struct http1_head h;
	size_t n = 9000;
	char *p = malloc(n);
	memcpy(p, "GET /", 5);
	memset(p + 5, 'a', n - 5);
	ck_assert_int_eq(http1_head_parse((const uint8_t *)p, n, &h), HTTP1_INVALID);
	ck_assert_int_eq(http1_head_parse((const uint8_t *)p, 4000, &h), HTTP1_MORE);
	free(p);
}
END_TEST

START_TEST(chunks)
{
	uint64_t size;
	size_t len;
	ck_assert_int_eq(http1_chunk_line(B("1a2;name=v\r\nxyz"), &size, &len), HTTP1_OK);
	ck_assert_uint_eq(size, 0x1a2);
	ck_assert_uint_eq(len, 12);
	ck_assert_int_eq(http1_chunk_line(B("0\r\n"), &size, &len), HTTP1_OK);
	ck_assert_uint_eq(size, 0);
	ck_assert_int_eq(http1_chunk_line(B("1a"), &size, &len), HTTP1_MORE);
	ck_assert_int_eq(http1_chunk_line(B("\r\n"), &size, &len), HTTP1_INVALID);
	ck_assert_int_eq(http1_chunk_line(B("zz\r\n"), &size, &len), HTTP1_INVALID);
	ck_assert_int_eq(http1_chunk_line(B("1234567890abcdef0\r\n"), &size, &len), HTTP1_INVALID);
	ck_assert_int_eq(http1_chunk_end(B("\r\n"), &len), HTTP1_OK);
	ck_assert_uint_eq(len, 2);
	ck_assert_int_eq(http1_chunk_end(B("\r"), &len), HTTP1_MORE);
	ck_assert_int_eq(http1_chunk_end(B("x\r\n"), &len), HTTP1_INVALID);
	ck_assert_int_eq(http1_trailers(B("\r\n"), &len), HTTP1_OK);
	ck_assert_uint_eq(len, 2);
	ck_assert_int_eq(http1_trailers(B("X-Trailer: 1\r\n\r\nHTTP"), &len), HTTP1_OK);
	ck_assert_uint_eq(len, 16);
	ck_assert_int_eq(http1_trailers(B("X-Trailer: 1\r\n"), &len), HTTP1_MORE);
}
END_TEST

START_TEST(error_text)
{
	char out[160];
	/* nginx's page */
	static const char nginx[] = "<html>\r\n<head><title>400 No required SSL certificate was sent</title></head>\r\n"
				    "<body>\r\n<center><h1>400 Bad Request</h1></center>\r\n";
	ck_assert_int_eq(http1_error_text(B(nginx), true, out, sizeof out), 1);
	ck_assert_str_eq(out, "400 No required SSL certificate was sent");
	/* a title cut by the end of the bytes: found, maybe incomplete */
	ck_assert_int_eq(http1_error_text(B("<HTML><TITLE>403 - Forbidden: Acc"), true, out, sizeof out), 0);
	ck_assert_str_eq(out, "403 - Forbidden: Acc");
	/* white space folded */
	ck_assert_int_eq(http1_error_text(B("<title>\r\n  403   Forbidden\r\n</title>"), true, out, sizeof out), 1);
	ck_assert_str_eq(out, "403 Forbidden");
	/* text: the first line with text on it */
	ck_assert_int_eq(http1_error_text(B("\r\n\r\n403.7 - client certificate required\nmore\n"), false, out,
					  sizeof out),
			 1);
	ck_assert_str_eq(out, "403.7 - client certificate required");
	/* HTML without a title: tags left out */
	ck_assert_int_eq(http1_error_text(B("<html>\n<body><h1>Forbidden</h1>\n"), true, out, sizeof out), 1);
	ck_assert_str_eq(out, "Forbidden");
	/* nothing but white space; a tiny buffer */
	ck_assert_int_eq(http1_error_text(B(" \r\n\t"), false, out, sizeof out), -1);
	ck_assert_str_eq(out, "");
	ck_assert_int_eq(http1_error_text(B("<title>Access denied</title>"), true, out, 7), 1);
	ck_assert_str_eq(out, "Access");
	/* non-ASCII bytes shown as '?' */
	ck_assert_int_eq(http1_error_text(B("Zugriff verweigert \xc3\xa4\n"), false, out, sizeof out), 1);
	ck_assert_str_eq(out, "Zugriff verweigert ??");
}
END_TEST

START_TEST(start_lines)
{
	char line[HTTP1_LINE_MAX];
	int status = 0;
	ck_assert_int_eq(http1_request_line(B(get), line, sizeof line), 0);
	ck_assert_str_eq(line, "GET /secure/admin?x=1 HTTP/1.1");
	ck_assert_int_eq(http1_status_line(B("HTTP/1.1 200 OK\r\n"), line, sizeof line, &status), 0);
	ck_assert_int_eq(status, 200);
	ck_assert_int_eq(http1_status_line(B("HTTP/1.1 200 OK"), line, sizeof line, &status), -1);
}
END_TEST

SUITE_MAIN("http1", false,
	   CASE("http1", 0, request_head, request_head_every_split, response_head, not_http1, bad_lengths,
		overlong_line, chunks, error_text, start_lines))
