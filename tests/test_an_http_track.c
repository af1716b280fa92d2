/* HTTP in decrypted records (analyzer/model/http_track.c): streams cut into
 * records at every byte, pipelining, chunked error pages, the caps, lost
 * bytes, and HTTP/2 whose header blocks nghttp2's own deflater encodes
 * (real HPACK, dynamic table in use). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <nghttp2/nghttp2.h>

#include "model/http_track.h"
#include "model/model.h"
#include "support/suite_run.h"

struct run {
	struct tls_conn c;
	struct http_track *t;
};

/* A new connection with no HTTP seen yet. */
static struct run run_new(void)
{
	struct run r;
	tls_conn_init(&r.c);
	r.t = NULL;
	return r;
}

static void run_free(struct run *r)
{
	http_track_free(r->t);
	tls_conn_release(&r->c);
}

static void feed(struct run *r, enum side s, const void *p, size_t n, uint64_t frame)
{
	http_track_record(&r->t, &r->c, s, p, n, frame);
}

static void feed_text(struct run *r, enum side s, const char *text, uint64_t frame)
{
	feed(r, s, text, strlen(text), frame);
}

/* The client's text in frame f, the server's in frame f + 1. */
static void exchange(struct run *r, const char *request, const char *response, uint64_t f)
{
	feed_text(r, SIDE_CLIENT, request, f);
	feed_text(r, SIDE_SERVER, response, f + 1);
}

/* The bytes as two records (frames f and f + 1), cut at `at`. */
static void feed_cut(struct run *r, enum side s, const char *p, size_t n, size_t at, uint64_t f)
{
	if (at > 0)
		feed(r, s, p, at, f);
	if (at < n)
		feed(r, s, p + at, n - at, f + 1);
}

static const char requests[] = "GET /a HTTP/1.1\r\nHost: x\r\nUser-Agent: test/1\r\n\r\n"
			       "HEAD /b HTTP/1.1\r\nHost: x\r\n\r\n"
			       "POST /c HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nbody";
static const char responses[] = "HTTP/1.1 200 OK\r\nServer: srv/2\r\nContent-Length: 5\r\n\r\nhello"
				"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n" /* HEAD: no body */
				"HTTP/1.1 100 Continue\r\n\r\n"
				"HTTP/1.1 403 Forbidden\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\n\r\n"
				"7\r\n<title>\r\n1e\r\n403 - Forbidden: Access is den\r\n"
				"10\r\nied.</title></ht\r\n0\r\n\r\n";

/* Wherever the server's stream is cut, the same three exchanges, paired
 * in order, and the same error page. */
START_TEST(pipelined_every_cut)
{
	size_t n = strlen(responses);
	for (size_t at = 0; at <= n; at++) {
		struct run r = run_new();
		feed(&r, SIDE_CLIENT, requests, strlen(requests), 10);
		feed_cut(&r, SIDE_SERVER, responses, n, at, 11);
		const struct http_facts *h = r.c.http;
		ck_assert_ptr_nonnull(h);
		ck_assert_uint_eq(h->n, 3);
		ck_assert_str_eq(h->ex[0].method, "GET");
		ck_assert_str_eq(h->ex[1].method, "HEAD");
		ck_assert_str_eq(h->ex[2].path, "/c");
		ck_assert_int_eq(h->ex[0].status, 200);
		ck_assert_int_eq(h->ex[1].status, 200);
		ck_assert_int_eq(h->ex[2].status, 403);
		ck_assert_str_eq(h->server, "srv/2");
		ck_assert_str_eq(h->user_agent, "test/1");
		ck_assert_msg(strcmp(h->error_page, "403 - Forbidden: Access is denied.") == 0, "cut %zu: '%s'", at,
			      h->error_page);
		/* a response's frame is the record that completed its head */
		size_t end0 = strstr(responses, "hello") - responses;
		ck_assert_uint_eq(h->ex[0].response_frame, at >= end0 ? 11 : 12);
		/* the old fields: the first request and response */
		ck_assert_str_eq(r.c.http_request, "GET /a HTTP/1.1");
		ck_assert_int_eq(r.c.http_status, 200);
		run_free(&r);
	}
}
END_TEST

/* Requests cut at every byte too (a head across two records). */
START_TEST(request_every_cut)
{
	size_t n = strlen(requests);
	for (size_t at = 0; at <= n; at++) {
		struct run r = run_new();
		feed_cut(&r, SIDE_CLIENT, requests, n, at, 10);
		ck_assert_ptr_nonnull(r.c.http);
		ck_assert_uint_eq(r.c.http->n, 3);
		ck_assert_str_eq(r.c.http->ex[2].method, "POST");
		ck_assert_uint_eq(r.c.http_request_frame, at >= strstr(requests, "HEAD") - requests ? 10 : 11);
		run_free(&r);
	}
}
END_TEST

START_TEST(not_http)
{
	struct run r = run_new();
	exchange(&r, "EHLO mail.example\r\n", "220 mail ESMTP\r\n", 5);
	ck_assert_ptr_null(r.c.http);
	ck_assert(!http_track_wants(r.t, SIDE_CLIENT));
	ck_assert(!http_track_wants(r.t, SIDE_SERVER));
	ck_assert_uint_eq(r.c.http_request_frame, 0);
	run_free(&r);
}
END_TEST

/* A head that never ends: kept up to the cap, then said and left. */
START_TEST(head_capped)
{
	struct run r = run_new();
	char buf[1000];
	memset(buf, 'a', sizeof buf);
	feed_text(&r, SIDE_CLIENT, "GET / HTTP/1.1\r\nX-Long: ", 1);
	for (int i = 0; i < 20 && http_track_wants(r.t, SIDE_CLIENT); i++)
		feed(&r, SIDE_CLIENT, buf, sizeof buf, 2 + (uint64_t)i);
	ck_assert(!http_track_wants(r.t, SIDE_CLIENT));
	ck_assert_ptr_nonnull(r.c.http);
	ck_assert(r.c.http->header_capped);
	ck_assert(tls_conn_has_note(&r.c, NOTE_HTTP_HEADER_CAPPED));
	ck_assert_uint_le(http_track_memory(r.t), 20000);
	run_free(&r);
}
END_TEST

/* Only CONN_MAX_HTTP exchanges are kept; responses to the others are
 * counted with them, not taken for responses without a request. */
START_TEST(exchanges_capped)
{
	struct run r = run_new();
	for (int i = 0; i < CONN_MAX_HTTP + 3; i++) {
		exchange(&r, "GET / HTTP/1.1\r\n\r\n", "HTTP/1.1 204 No Content\r\n\r\n", 1 + 2 * (uint64_t)i);
	}
	ck_assert_uint_eq(r.c.http->n, CONN_MAX_HTTP);
	ck_assert_uint_eq(r.c.http->dropped, 3);
	ck_assert_uint_eq(r.c.http->ex[CONN_MAX_HTTP - 1].response_frame, 2 * CONN_MAX_HTTP);
	run_free(&r);
}
END_TEST

/* Lost bytes: the body being skipped is abandoned, the next record that
 * starts a head is read. */
START_TEST(gap_resync)
{
	struct run r = run_new();
	exchange(&r, "GET /1 HTTP/1.1\r\n\r\nGET /2 HTTP/1.1\r\n\r\n",
		 "HTTP/1.1 200 OK\r\nContent-Length: 50000\r\n\r\nxx", 1);
	http_track_gap(r.t, SIDE_SERVER);
	feed_text(&r, SIDE_SERVER, "the rest of the body", 4);
	feed_text(&r, SIDE_SERVER, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n", 5);
	ck_assert_uint_eq(r.c.http->n, 2);
	ck_assert_int_eq(r.c.http->ex[1].status, 404);
	ck_assert_uint_eq(r.c.http->ex[1].response_frame, 5);
	run_free(&r);
}
END_TEST

/* ---- HTTP/2 ---- */

struct wb {
	uint8_t b[40000];
	size_t n;
};

static void frame(struct wb *w, uint8_t type, uint8_t flags, uint32_t sid, const void *p, size_t len)
{
	uint8_t h[9] = {(uint8_t)(len >> 16), (uint8_t)(len >> 8), (uint8_t)len, type, flags,
			(uint8_t)(sid >> 24), (uint8_t)(sid >> 16), (uint8_t)(sid >> 8), (uint8_t)sid};
	ck_assert_uint_le(w->n + 9 + len, sizeof w->b);
	memcpy(w->b + w->n, h, 9);
	if (len)
		memcpy(w->b + w->n + 9, p, len);
	w->n += 9 + len;
}

#define NV(n, v) {(uint8_t *)(n), (uint8_t *)(v), sizeof(n) - 1, sizeof(v) - 1, NGHTTP2_NV_FLAG_NONE}

static size_t deflate(nghttp2_hd_deflater *d, uint8_t *out, size_t cap, const nghttp2_nv *nv, size_t n)
{
	ssize_t len = nghttp2_hd_deflate_hd(d, out, cap, nv, n);
	ck_assert_int_ge(len, 0);
	return (size_t)len;
}

/* Client: preface, SETTINGS, GET / (stream 1), GET /secure (stream 3,
 * its block split into HEADERS + CONTINUATION). Server: SETTINGS with a
 * larger header table, 403 with an HTML page on stream 1, RST_STREAM
 * HTTP_1_1_REQUIRED on 3, GOAWAY. */
static void h2_streams(struct wb *c, struct wb *s)
{
	nghttp2_hd_deflater *cd, *sd;
	uint8_t blk[1024];
	const nghttp2_nv r1[] = {NV(":method", "GET"), NV(":scheme", "https"), NV(":authority", "x"),
				 NV(":path", "/"), NV("user-agent", "test-agent/2.0")};
	const nghttp2_nv r2[] = {NV(":method", "GET"), NV(":scheme", "https"), NV(":authority", "x"),
				 NV(":path", "/secure"), NV("user-agent", "test-agent/2.0")};
	const nghttp2_nv s1[] = {NV(":status", "403"), NV("server", "h2srv"), NV("content-type", "text/html")};
	static const uint8_t table[] = {0, 1, 0, 0, 0x20, 0}; /* HEADER_TABLE_SIZE 8192 */
	static const uint8_t rst[] = {0, 0, 0, 0x0d};
	static const uint8_t goaway[] = {0, 0, 0, 3, 0, 0, 0, 0};
	static const char page[] = "<html><head><title>Client certificate required</title>";
	memset(c, 0, sizeof *c);
	memset(s, 0, sizeof *s);
	ck_assert_int_eq(nghttp2_hd_deflate_new(&cd, 8192), 0);
	ck_assert_int_eq(nghttp2_hd_deflate_new(&sd, 4096), 0);
	memcpy(c->b, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 24);
	c->n = 24;
	frame(c, 0x4, 0, 0, NULL, 0);
	size_t n = deflate(cd, blk, sizeof blk, r1, 5);
	frame(c, 0x1, 0x5, 1, blk, n);
	frame(s, 0x4, 0, 0, table, sizeof table);
	n = deflate(sd, blk, sizeof blk, s1, 3);
	frame(s, 0x1, 0x4, 1, blk, n);
	frame(s, 0x0, 0x0, 1, page, 20);
	frame(s, 0x0, 0x1, 1, page + 20, sizeof page - 1 - 20);
	/* the encoder may now use 8192 bytes: the table size update it sends
	 * is only accepted because the server's SETTINGS raised the bound */
	nghttp2_hd_deflate_change_table_size(cd, 8192);
	n = deflate(cd, blk, sizeof blk, r2, 5);
	frame(c, 0x4, 0x1, 0, NULL, 0);
	frame(c, 0x1, 0x1, 3, blk, n / 2); /* no END_HEADERS */
	frame(c, 0x9, 0x4, 3, blk + n / 2, n - n / 2);
	frame(s, 0x3, 0, 3, rst, sizeof rst);
	frame(s, 0x7, 0, 0, goaway, sizeof goaway);
	nghttp2_hd_deflate_del(cd);
	nghttp2_hd_deflate_del(sd);
}

static void check_h2(const struct tls_conn *c)
{
	const struct http_facts *h = c->http;
	ck_assert_ptr_nonnull(h);
	ck_assert(h->h2);
	ck_assert_uint_eq(h->n, 2);
	ck_assert_uint_eq(h->ex[0].stream_id, 1);
	ck_assert_str_eq(h->ex[0].path, "/");
	ck_assert_int_eq(h->ex[0].status, 403);
	ck_assert_uint_eq(h->ex[1].stream_id, 3);
	ck_assert_str_eq(h->ex[1].method, "GET");
	ck_assert_str_eq(h->ex[1].path, "/secure");
	ck_assert_uint_eq(h->ex[1].reset_error, 0x0d);
	ck_assert_uint_eq(h->ex[1].reset_from, SIDE_SERVER);
	ck_assert_uint_ne(h->goaway_frame, 0);
	ck_assert_uint_eq(h->goaway_last_stream, 3);
	ck_assert_str_eq(h->server, "h2srv");
	ck_assert_str_eq(h->user_agent, "test-agent/2.0");
	ck_assert_str_eq(h->error_page, "Client certificate required");
	ck_assert_uint_eq(c->http_request_frame, 0); /* the HTTP/1.x fields stay empty */
}

/* Both streams cut at every byte (the server's SETTINGS comes before the
 * client's second block, as on the wire). */
START_TEST(h2_every_cut)
{
	static struct wb c, s;
	h2_streams(&c, &s);
	/* the client's preface, SETTINGS and first HEADERS; the server's
	 * answer up to its RST_STREAM */
	size_t c1 = 24 + 9;
	c1 += 9 + ((size_t)c.b[c1] << 16 | (size_t)c.b[c1 + 1] << 8 | c.b[c1 + 2]);
	size_t s1 = s.n - (9 + 4) - (9 + 8);
	for (size_t at = 0; at <= s1; at++) {
		struct run r = run_new();
		feed(&r, SIDE_CLIENT, c.b, c1, 1);
		feed_cut(&r, SIDE_SERVER, (const char *)s.b, s1, at, 2);
		feed(&r, SIDE_CLIENT, c.b + c1, c.n - c1, 4);
		feed(&r, SIDE_SERVER, s.b + s1, s.n - s1, 5);
		check_h2(&r.c);
		run_free(&r);
	}
	for (size_t at = 0; at <= c.n; at++) {
		struct run r = run_new();
		/* the server first this time: its SETTINGS raise the client's table bound */
		feed(&r, SIDE_SERVER, s.b, 9 + 6, 1);
		feed_cut(&r, SIDE_CLIENT, (const char *)c.b, c.n, at, 2);
		feed(&r, SIDE_SERVER, s.b + 15, s.n - 15, 4);
		check_h2(&r.c);
		ck_assert_uint_gt(http_track_memory(r.t), 0);
		run_free(&r);
	}
}
END_TEST

START_TEST(h2_malformed)
{
	static struct wb w;
	static const uint8_t junk[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	/* CONTINUATION with no HEADERS before it */
	struct run r = run_new();
	memset(&w, 0, sizeof w);
	memcpy(w.b, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 24);
	w.n = 24;
	frame(&w, 0x9, 0x4, 1, "a", 1);
	feed(&r, SIDE_CLIENT, w.b, w.n, 1);
	ck_assert(tls_conn_has_note(&r.c, NOTE_HTTP2_MALFORMED));
	ck_assert(!http_track_wants(r.t, SIDE_CLIENT));
	run_free(&r);
	/* a header block HPACK cannot decode */
	r = run_new();
	w.n = 24;
	frame(&w, 0x1, 0x5, 1, junk, sizeof junk);
	feed(&r, SIDE_CLIENT, w.b, w.n, 1);
	ck_assert(tls_conn_has_note(&r.c, NOTE_HTTP2_HPACK_FAILED));
	run_free(&r);
	/* a HEADERS frame over the buffer cap, arriving in pieces */
	r = run_new();
	w.n = 24;
	static uint8_t big[20000];
	frame(&w, 0x1, 0x5, 1, big, sizeof big);
	for (size_t off = 0; off < w.n; off += 1000)
		feed(&r, SIDE_CLIENT, w.b + off, w.n - off < 1000 ? w.n - off : 1000, 1 + off / 1000);
	ck_assert(r.c.http->header_capped);
	ck_assert(tls_conn_has_note(&r.c, NOTE_HTTP_HEADER_CAPPED));
	run_free(&r);
	/* DATA far longer than the records: skipped by length, never kept */
	r = run_new();
	w.n = 24;
	frame(&w, 0x0, 0, 1, NULL, 0);
	w.b[24] = 0xff; /* a 16 MiB DATA frame */
	feed(&r, SIDE_CLIENT, w.b, w.n, 1);
	feed(&r, SIDE_CLIENT, big, sizeof big, 2);
	ck_assert(http_track_wants(r.t, SIDE_CLIENT));
	ck_assert_uint_lt(http_track_memory(r.t), 4096);
	run_free(&r);
}
END_TEST

SUITE_MAIN("an_http_track", false,
	   CASE("http_track", 60, pipelined_every_cut, request_every_cut, not_http, head_capped,
		exchanges_capped, gap_resync, h2_every_cut, h2_malformed))
