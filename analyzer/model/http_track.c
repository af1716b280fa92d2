/* http_track.c - HTTP/1.x and HTTP/2 in decrypted application data.
 *
 * Each side is a byte stream cut into records anywhere. A unit that is
 * not complete at a record's end (an HTTP/1.x head, a chunk-size line, an
 * HTTP/2 frame other than DATA) waits in a small per-side buffer, capped;
 * bodies and DATA are skipped by length and never copied, except the
 * first bytes of the first error page. HPACK is libnghttp2's inflater,
 * one per side, its memory counted through our allocator. */
#include "model/http_track.h"

#include <stdalign.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <nghttp2/nghttp2.h>

#include "http1.h"
#include "http2.h"

/* An incomplete HTTP/1.x head is kept up to this; a longer one ends the
 * reading of that side (noted http_header_capped). */
#define H1_PENDING_CAP 8192
/* An HTTP/2 frame that carries headers, whole (the initial maximum frame size). */
#define H2_PENDING_CAP (HTTP2_FRAME_HEADER_LEN + HTTP2_DEFAULT_MAX_FRAME)
/* HPACK dynamic tables: a peer may announce more than the initial 4096
 * bytes; beyond this much the inflater's allocations fail. */
#define H2_TABLE_MAX 65536
#define H2_INFLATER_MEM_MAX (4 * H2_TABLE_MAX)
/* First bytes of an error page's body read for its title. */
#define ERROR_BODY_MAX 1024
/* Requests whose method decides their response's body (HEAD, CONNECT). */
#define H1_METHOD_RING 16

enum proto { P_UNKNOWN, P_H1, P_H2, P_DONE };

enum h1_state {
	H1_HEAD,
	H1_BODY,        /* `left` bytes of body */
	H1_CHUNK_LINE,
	H1_CHUNK_DATA,  /* `left` bytes of the chunk */
	H1_CHUNK_END,
	H1_TRAILERS,
	H1_TO_CLOSE,    /* the body runs to the end of the connection */
	H1_RESYNC,      /* after lost bytes: the next record that starts a head */
};

/* A header block being decoded. */
struct h2_block {
	bool open;
	uint8_t type;           /* HEADERS or PUSH_PROMISE */
	uint32_t stream;
	bool end_stream;
	char method[12];
	char path[96];
	int status;
	bool html, encoded;
	char server[96];
	char user_agent[160];
};

struct side_state {
	enum proto proto;
	uint8_t *pend;          /* owned: bytes of an incomplete unit */
	size_t pend_len, pend_cap;
	/* HTTP/1.x */
	enum h1_state h1;
	uint64_t left;
	/* HTTP/2 */
	bool preface_done;
	nghttp2_hd_inflater *inflater;
	size_t table_max;       /* the peer's SETTINGS_HEADER_TABLE_SIZE, capped */
	uint64_t data_left;     /* payload of a DATA (or skipped) frame still to come */
	uint32_t data_stream;   /* 0: not DATA */
	bool data_end_stream;
	struct h2_block block;
	uint32_t max_stream;    /* highest stream this side opened with HEADERS */
	uint64_t skipped;       /* records skipped as body, not yet passed by */
};

struct http_track {
	struct side_state side[2];
	nghttp2_mem mem;        /* the inflaters' allocator (they keep a pointer) */
	size_t inflater_bytes;
	/* HTTP/1.x pairing: the nth response answers the nth request. */
	uint64_t h1_requests, h1_responses;
	uint8_t h1_method[H1_METHOD_RING]; /* M_* of request k % ring */
	/* The first error page's body, while it is read. */
	bool capturing;
	enum side capture_side;
	uint32_t capture_stream;
	bool capture_html;
	size_t body_len;
	uint8_t body[ERROR_BODY_MAX];
};

enum { M_OTHER, M_HEAD, M_CONNECT };

struct ctx {
	struct http_track *t;
	struct tls_conn *c;
	enum side s;
	uint64_t frame;
};

/* ---- memory ---------------------------------------------------------- */

/* Each allocation is prefixed with its size, so frees can be counted. */
union mem_hdr {
	size_t size;
	max_align_t align;
};

static void *mem_malloc(size_t size, void *ud)
{
	struct http_track *t = ud;
	if (size > H2_INFLATER_MEM_MAX - t->inflater_bytes)
		return NULL;
	union mem_hdr *h = malloc(sizeof *h + size);
	if (!h)
		return NULL;
	h->size = size;
	t->inflater_bytes += size;
	return h + 1;
}

static void mem_free(void *ptr, void *ud)
{
	struct http_track *t = ud;
	if (!ptr)
		return;
	union mem_hdr *h = (union mem_hdr *)ptr - 1;
	t->inflater_bytes -= h->size;
	free(h);
}

static void *mem_calloc(size_t nmemb, size_t size, void *ud)
{
	if (size && nmemb > SIZE_MAX / size)
		return NULL;
	void *p = mem_malloc(nmemb * size, ud);
	if (p)
		memset(p, 0, nmemb * size);
	return p;
}

static void *mem_realloc(void *ptr, size_t size, void *ud)
{
	if (!ptr)
		return mem_malloc(size, ud);
	union mem_hdr *h = (union mem_hdr *)ptr - 1;
	void *n = mem_malloc(size, ud);
	if (!n)
		return NULL;
	memcpy(n, ptr, h->size < size ? h->size : size);
	mem_free(ptr, ud);
	return n;
}

size_t http_track_memory(const struct http_track *t)
{
	if (!t)
		return 0;
	return sizeof *t + t->inflater_bytes + t->side[0].pend_cap + t->side[1].pend_cap;
}

static void side_release(struct side_state *d)
{
	free(d->pend);
	d->pend = NULL;
	d->pend_len = d->pend_cap = 0;
	if (d->inflater)
		nghttp2_hd_inflate_del(d->inflater);
	d->inflater = NULL;
}

void http_track_free(struct http_track *t)
{
	if (!t)
		return;
	side_release(&t->side[0]);
	side_release(&t->side[1]);
	free(t);
}

/* Nothing more is read on this side; its buffers go. */
static void side_done(struct side_state *d)
{
	side_release(d);
	d->proto = P_DONE;
}

bool http_track_wants(const struct http_track *t, enum side s)
{
	if (!t || (s != SIDE_CLIENT && s != SIDE_SERVER))
		return false;
	const struct side_state *d = &t->side[s];
	if (d->proto == P_DONE)
		return false;
	/* A body to the end of the connection says nothing more, unless it is
	 * the error page being read. */
	return !(d->proto == P_H1 && d->h1 == H1_TO_CLOSE && !(t->capturing && t->capture_side == s));
}

/* ---- facts ------------------------------------------------------------ */

static struct http_facts *facts(struct ctx *x)
{
	if (!x->c->http) {
		x->c->http = calloc(1, sizeof *x->c->http);
		if (x->c->http)
			x->c->heap_bytes += sizeof *x->c->http;
	}
	return x->c->http;
}

/* src cut to size - 1 bytes. */
static void copy_str(char *dst, size_t size, const char *src)
{
	size_t n = strnlen(src, size - 1);
	memcpy(dst, src, n);
	dst[n] = '\0';
}

static struct http_exchange *add_exchange(struct ctx *x, uint8_t version, uint32_t stream)
{
	struct http_facts *h = facts(x);
	if (!h)
		return NULL;
	if (h->n >= CONN_MAX_HTTP) {
		h->dropped++;
		return NULL;
	}
	struct http_exchange *e = &h->ex[h->n++];
	memset(e, 0, sizeof *e);
	e->version = version;
	e->stream_id = stream;
	return e;
}

static struct http_exchange *find_stream(struct http_facts *h, uint32_t stream)
{
	for (size_t i = 0; h && i < h->n; i++)
		if (h->ex[i].version == 2 && h->ex[i].stream_id == stream)
			return &h->ex[i];
	return NULL;
}

static void software(struct ctx *x, const char *server, const char *user_agent)
{
	struct http_facts *h = facts(x);
	if (!h)
		return;
	if (server[0] && !h->server[0])
		copy_str(h->server, sizeof h->server, server);
	if (user_agent[0] && !h->user_agent[0])
		copy_str(h->user_agent, sizeof h->user_agent, user_agent);
}

/* ---- error pages -------------------------------------------------------- */

static void capture_begin(struct ctx *x, uint32_t stream, bool html)
{
	struct http_facts *h = facts(x);
	if (!h || h->error_page_frame || x->t->capturing)
		return;
	x->t->capturing = true;
	x->t->capture_side = x->s;
	x->t->capture_stream = stream;
	x->t->capture_html = html;
	x->t->body_len = 0;
}

/* The page's text so far; with `last` (the body ended) whatever there is. */
static void capture_try(struct ctx *x, bool last)
{
	struct http_track *t = x->t;
	struct http_facts *h = x->c->http;
	char text[sizeof h->error_page];
	if (!t->capturing || !h || (!last && t->capture_side != x->s))
		return;
	int r = http1_error_text(t->body, t->body_len, t->capture_html, text, sizeof text);
	if (r == 1 || (r == 0 && (last || t->body_len == sizeof t->body)) ||
	    (r < 0 && t->body_len == sizeof t->body))
		last = true;
	if (!last)
		return;
	if (r >= 0) {
		copy_str(h->error_page, sizeof h->error_page, text);
		h->error_page_frame = x->frame;
	}
	t->capturing = false;
}

static void capture_add(struct ctx *x, uint32_t stream, const uint8_t *p, size_t n)
{
	struct http_track *t = x->t;
	if (!t->capturing || t->capture_side != x->s || t->capture_stream != stream)
		return;
	size_t room = sizeof t->body - t->body_len;
	if (n > room)
		n = room;
	if (n) {
		memcpy(t->body + t->body_len, p, n);
		t->body_len += n;
	}
}

static void capture_end(struct ctx *x, uint32_t stream)
{
	if (x->t->capturing && x->t->capture_side == x->s && x->t->capture_stream == stream)
		capture_try(x, true);
}

/* An HTTP/2 stream reset (by either side) ends its page too. */
static void capture_end_stream(struct ctx *x, uint32_t stream)
{
	if (x->t->capturing && x->t->capture_stream == stream)
		capture_try(x, true);
}

/* A head or header frame larger than the buffer: said, and that side
 * is not read further. */
static void capped(struct ctx *x, struct side_state *d)
{
	struct http_facts *f = facts(x);
	if (f)
		f->header_capped = true;
	tls_conn_note(x->c, NOTE_HTTP_HEADER_CAPPED);
	side_done(d);
}

/* ---- HTTP/1.x ------------------------------------------------------------ */

static void h1_request(struct ctx *x, const struct http1_head *hd)
{
	struct http_track *t = x->t;
	struct tls_conn *c = x->c;
	uint8_t m = strcmp(hd->method, "HEAD") == 0 ? M_HEAD : strcmp(hd->method, "CONNECT") == 0 ? M_CONNECT : M_OTHER;
	t->h1_method[t->h1_requests++ % H1_METHOD_RING] = m;
	if (!c->http_request_frame) {
		copy_str(c->http_request, sizeof c->http_request, hd->start_line);
		c->http_request_frame = x->frame;
	}
	software(x, "", hd->user_agent);
	struct http_exchange *e = add_exchange(x, 1, 0);
	if (e) {
		copy_str(e->method, sizeof e->method, hd->method);
		copy_str(e->path, sizeof e->path, hd->target);
		e->request_frame = x->frame;
	}
	struct side_state *d = &t->side[x->s];
	if (hd->chunked) {
		d->h1 = H1_CHUNK_LINE;
	} else if (hd->content_length > 0) {
		d->h1 = H1_BODY;
		d->left = (uint64_t)hd->content_length;
	} else {
		d->h1 = H1_HEAD; /* a request without a length has no body */
	}
}

/* The exchange a final response answers: the oldest request not yet
 * answered; a new one when more responses than requests were seen; NULL
 * when its request was not kept. */
static struct http_exchange *h1_answered(struct ctx *x, uint64_t nth)
{
	struct http_facts *h = facts(x);
	for (size_t i = 0; h && i < h->n; i++)
		if (h->ex[i].version == 1 && h->ex[i].request_frame && !h->ex[i].response_frame)
			return &h->ex[i];
	if (nth < x->t->h1_requests)
		return NULL;
	return add_exchange(x, 1, 0);
}

static void h1_response(struct ctx *x, const struct http1_head *hd)
{
	struct http_track *t = x->t;
	struct tls_conn *c = x->c;
	struct side_state *d = &t->side[x->s];

	software(x, hd->server, "");
	if (hd->status < 200) {
		d->h1 = H1_HEAD;
		if (hd->status == 101) { /* Upgrade: no longer HTTP/1.x either way */
			side_done(&t->side[SIDE_CLIENT]);
			side_done(&t->side[SIDE_SERVER]);
		}
		return;
	}
	uint64_t nth = t->h1_responses++;
	uint8_t method = nth < t->h1_requests && t->h1_requests - nth <= H1_METHOD_RING
				 ? t->h1_method[nth % H1_METHOD_RING]
				 : M_OTHER;
	if (!c->http_response_frame) {
		copy_str(c->http_response, sizeof c->http_response, hd->start_line);
		c->http_status = hd->status;
		c->http_response_frame = x->frame;
	}
	struct http_exchange *e = h1_answered(x, nth);
	if (e) {
		e->status = hd->status;
		e->response_frame = x->frame;
	}
	if (method == M_CONNECT && hd->status < 300) {
		side_done(&t->side[SIDE_CLIENT]); /* a tunnel from here on */
		side_done(&t->side[SIDE_SERVER]);
		return;
	}
	bool body = method != M_HEAD && hd->status != 204 && hd->status != 304 && hd->content_length != 0;
	if (body && hd->status >= 400 && !hd->encoded)
		capture_begin(x, 0, hd->html);
	if (!body)
		d->h1 = H1_HEAD;
	else if (hd->chunked)
		d->h1 = H1_CHUNK_LINE;
	else if (hd->content_length > 0) {
		d->h1 = H1_BODY;
		d->left = (uint64_t)hd->content_length;
	} else {
		d->h1 = H1_TO_CLOSE;
	}
}

/* Body bytes: at most `left` of n. Returns how many were used. */
static size_t h1_body(struct ctx *x, struct side_state *d, const uint8_t *p, size_t n)
{
	size_t k = d->left < n ? (size_t)d->left : n;
	capture_add(x, 0, p, k);
	d->left -= k;
	return k;
}

/* Reads what can be read of p; returns the bytes used (the rest is an
 * incomplete unit, to be kept for the next record). */
static size_t h1_process(struct ctx *x, const uint8_t *p, size_t n)
{
	struct side_state *d = &x->t->side[x->s];
	size_t off = 0, len = 0;
	uint64_t size;
	struct http1_head hd;

	while (off < n && d->proto == P_H1) {
		const uint8_t *q = p + off;
		size_t m = n - off;
		enum http1_result r = HTTP1_OK;
		switch (d->h1) {
		case H1_HEAD:
		case H1_RESYNC:
			r = http1_head_parse(q, m, &hd);
			if (r != HTTP1_OK)
				break;
			off += hd.head_len;
			if (hd.is_request != (x->s == SIDE_CLIENT)) {
				r = HTTP1_INVALID;
				break;
			}
			if (hd.is_request)
				h1_request(x, &hd);
			else
				h1_response(x, &hd);
			continue;
		case H1_BODY:
			off += h1_body(x, d, q, m);
			if (d->left == 0) {
				capture_end(x, 0);
				d->h1 = H1_HEAD;
			}
			continue;
		case H1_CHUNK_LINE:
			r = http1_chunk_line(q, m, &size, &len);
			if (r != HTTP1_OK)
				break;
			off += len;
			d->left = size;
			d->h1 = size ? H1_CHUNK_DATA : H1_TRAILERS;
			continue;
		case H1_CHUNK_DATA:
			off += h1_body(x, d, q, m);
			if (d->left == 0)
				d->h1 = H1_CHUNK_END;
			continue;
		case H1_CHUNK_END:
			r = http1_chunk_end(q, m, &len);
			if (r != HTTP1_OK)
				break;
			off += len;
			d->h1 = H1_CHUNK_LINE;
			continue;
		case H1_TRAILERS:
			r = http1_trailers(q, m, &len);
			if (r != HTTP1_OK)
				break;
			off += len;
			capture_end(x, 0);
			d->h1 = H1_HEAD;
			continue;
		case H1_TO_CLOSE:
			capture_add(x, 0, q, m);
			return n;
		}
		if (r == HTTP1_MORE)
			return off;
		/* Not HTTP/1.x, or framing we do not follow: after lost bytes
		 * the next record may start a head; otherwise stop here. */
		if (d->h1 == H1_RESYNC)
			return n;
		side_done(d);
		return n;
	}
	return d->proto == P_H1 ? off : n;
}

/* ---- HTTP/2 ---------------------------------------------------------------- */

static void h2_fail(struct ctx *x, enum conn_note note)
{
	tls_conn_note(x->c, note);
	side_done(&x->t->side[x->s]);
}

static bool h2_inflater(struct http_track *t, struct side_state *d)
{
	if (d->inflater)
		return true;
	if (nghttp2_hd_inflate_new2(&d->inflater, &t->mem) != 0) {
		d->inflater = NULL;
		return false;
	}
	return d->table_max <= 4096 || nghttp2_hd_inflate_change_table_size(d->inflater, d->table_max) == 0;
}

static bool name_is(const nghttp2_nv *nv, const char *name)
{
	return nv->namelen == strlen(name) && memcmp(nv->name, name, nv->namelen) == 0;
}

/* Printable ASCII ('?' for other bytes), cut to size. */
static void copy_value(char *dst, size_t size, const nghttp2_nv *nv)
{
	size_t k = 0;
	for (size_t i = 0; i < nv->valuelen && k + 1 < size; i++) {
		uint8_t b = nv->value[i];
		dst[k++] = (b >= 0x20 && b <= 0x7e) ? (char)b : '?';
	}
	if (size)
		dst[k] = '\0';
}

static void h2_field(struct h2_block *b, const nghttp2_nv *nv)
{
	char buf[16];
	if (name_is(nv, ":method")) {
		copy_value(b->method, sizeof b->method, nv);
	} else if (name_is(nv, ":path")) {
		copy_value(b->path, sizeof b->path, nv);
	} else if (name_is(nv, ":status")) {
		copy_value(buf, sizeof buf, nv);
		if (nv->valuelen == 3 && buf[0] >= '1' && buf[0] <= '9' && buf[1] >= '0' && buf[1] <= '9' &&
		    buf[2] >= '0' && buf[2] <= '9')
			b->status = (buf[0] - '0') * 100 + (buf[1] - '0') * 10 + (buf[2] - '0');
	} else if (name_is(nv, "server") && !b->server[0]) {
		copy_value(b->server, sizeof b->server, nv);
	} else if (name_is(nv, "user-agent") && !b->user_agent[0]) {
		copy_value(b->user_agent, sizeof b->user_agent, nv);
	} else if (name_is(nv, "content-type")) {
		b->html = nv->valuelen >= 9 && strncasecmp((const char *)nv->value, "text/html", 9) == 0;
	} else if (name_is(nv, "content-encoding")) {
		b->encoded = nv->valuelen > 0 && !(nv->valuelen == 8 && memcmp(nv->value, "identity", 8) == 0);
	}
}

/* A complete header block: a request, a response, trailers or a push. */
static void h2_block_done(struct ctx *x, struct h2_block *b)
{
	struct side_state *d = &x->t->side[x->s];
	b->open = false;
	software(x, b->server, b->user_agent);
	if (b->type != HTTP2_HEADERS)
		return; /* PUSH_PROMISE: decoded to keep HPACK in step only */
	struct http_exchange *e = find_stream(x->c->http, b->stream);
	if (x->s == SIDE_CLIENT) {
		if (e || b->stream <= d->max_stream)
			return; /* trailers, or a request not kept */
		d->max_stream = b->stream;
		e = add_exchange(x, 2, b->stream);
		if (e) {
			copy_str(e->method, sizeof e->method, b->method);
			copy_str(e->path, sizeof e->path, b->path);
			e->request_frame = x->frame;
		}
		return;
	}
	if (b->status == 0 || b->status < 200)
		return; /* trailers, or an informational response */
	if (!e && (b->stream % 2 == 0 || b->stream <= x->t->side[SIDE_CLIENT].max_stream))
		return; /* a pushed response, or its request was not kept */
	if (!e)
		e = add_exchange(x, 2, b->stream);
	if (e && !e->response_frame) {
		e->status = b->status;
		e->response_frame = x->frame;
	}
	if (b->status >= 400 && !b->encoded && !b->end_stream)
		capture_begin(x, b->stream, b->html);
}

static bool h2_inflate(struct ctx *x, const uint8_t *in, size_t n, bool final)
{
	struct side_state *d = &x->t->side[x->s];
	for (;;) {
		nghttp2_nv nv;
		int flags = 0;
		ssize_t rv = nghttp2_hd_inflate_hd2(d->inflater, &nv, &flags, in, n, final);
		if (rv < 0)
			return false;
		in += rv;
		n -= (size_t)rv;
		if (flags & NGHTTP2_HD_INFLATE_EMIT)
			h2_field(&d->block, &nv);
		if (flags & NGHTTP2_HD_INFLATE_FINAL) {
			nghttp2_hd_inflate_end_headers(d->inflater);
			return true;
		}
		if (!(flags & NGHTTP2_HD_INFLATE_EMIT) && n == 0)
			return true;
	}
}

static void h2_settings(struct ctx *x, const struct http2_frame_header *h, const uint8_t *payload)
{
	struct http2_setting set[16];
	size_t n = 0;
	if (h->flags & HTTP2_FLAG_ACK || http2_settings_parse(payload, h->length, set, 16, &n) != DIS_OK)
		return;
	/* This side's decoder table size bounds the other side's encoder. */
	struct side_state *other = &x->t->side[!x->s];
	for (size_t i = 0; i < n; i++) {
		if (set[i].id != HTTP2_SETTINGS_HEADER_TABLE_SIZE)
			continue;
		size_t want = set[i].value < 4096 ? 4096 : set[i].value < H2_TABLE_MAX ? set[i].value : H2_TABLE_MAX;
		/* Only raised: a larger bound accepts whatever the encoder does. */
		if (want <= other->table_max)
			continue;
		other->table_max = want;
		if (other->inflater && !other->block.open)
			nghttp2_hd_inflate_change_table_size(other->inflater, want);
	}
}

static void h2_reset(struct ctx *x, uint32_t stream, uint32_t error)
{
	struct http_facts *h = facts(x);
	struct http_exchange *e = find_stream(h, stream);
	if (!e && stream % 2 == 1 && stream > x->t->side[SIDE_CLIENT].max_stream)
		e = add_exchange(x, 2, stream); /* a stream whose request was not seen */
	if (e && !e->reset_frame) {
		e->reset_frame = x->frame;
		e->reset_error = error;
		e->reset_from = (uint8_t)x->s;
	}
	capture_end_stream(x, stream);
}

static void h2_goaway(struct ctx *x, uint32_t last, uint32_t error)
{
	struct http_facts *h = facts(x);
	/* The first, unless a later one says what went wrong. */
	if (!h || (h->goaway_frame && (h->goaway_error || !error)))
		return;
	h->goaway_frame = x->frame;
	h->goaway_error = error;
	h->goaway_last_stream = last;
	h->goaway_from = (uint8_t)x->s;
}

/* A whole frame (not DATA) of `len` payload bytes. */
static void h2_frame(struct ctx *x, const struct http2_frame_header *h, const uint8_t *payload)
{
	struct side_state *d = &x->t->side[x->s];
	const uint8_t *block;
	size_t block_len;
	uint32_t promised, v1, v2;

	if (d->block.open && (h->type != HTTP2_CONTINUATION || h->stream_id != d->block.stream)) {
		h2_fail(x, NOTE_HTTP2_MALFORMED);
		return;
	}
	switch (h->type) {
	case HTTP2_HEADERS:
	case HTTP2_PUSH_PROMISE:
	case HTTP2_CONTINUATION:
		if (h->stream_id == 0 || (h->type == HTTP2_CONTINUATION && !d->block.open) ||
		    http2_header_block(h, payload, h->length, &block, &block_len, &promised) != DIS_OK) {
			h2_fail(x, NOTE_HTTP2_MALFORMED);
			return;
		}
		if (h->type != HTTP2_CONTINUATION) {
			memset(&d->block, 0, sizeof d->block);
			d->block.open = true;
			d->block.type = h->type;
			d->block.stream = h->stream_id;
			d->block.end_stream = h->type == HTTP2_HEADERS && (h->flags & HTTP2_FLAG_END_STREAM);
		}
		if (!h2_inflater(x->t, d) || !h2_inflate(x, block, block_len, h->flags & HTTP2_FLAG_END_HEADERS)) {
			h2_fail(x, NOTE_HTTP2_HPACK_FAILED);
			return;
		}
		if (h->flags & HTTP2_FLAG_END_HEADERS)
			h2_block_done(x, &d->block);
		break;
	case HTTP2_RST_STREAM:
		if (h->stream_id && http2_rst_stream_parse(payload, h->length, &v1) == DIS_OK)
			h2_reset(x, h->stream_id, v1);
		break;
	case HTTP2_GOAWAY:
		if (h->stream_id == 0 && http2_goaway_parse(payload, h->length, &v1, &v2) == DIS_OK)
			h2_goaway(x, v1, v2);
		break;
	case HTTP2_SETTINGS:
		if (h->stream_id == 0)
			h2_settings(x, h, payload);
		break;
	default:
		break;
	}
}

/* Frames whose payload is read (the others are skipped by length). */
static bool h2_needs_payload(uint8_t type)
{
	return type == HTTP2_HEADERS || type == HTTP2_PUSH_PROMISE || type == HTTP2_CONTINUATION ||
	       type == HTTP2_RST_STREAM || type == HTTP2_GOAWAY || type == HTTP2_SETTINGS;
}

static size_t h2_process(struct ctx *x, const uint8_t *p, size_t n)
{
	struct side_state *d = &x->t->side[x->s];
	size_t off = 0;

	if (x->s == SIDE_CLIENT && !d->preface_done) {
		enum dis_status r = http2_preface(p, n);
		if (r == DIS_TRUNCATED)
			return 0;
		if (r != DIS_OK) {
			side_done(d); /* not HTTP/2 after all: nothing to note */
			return n;
		}
		d->preface_done = true;
		off = HTTP2_PREFACE_LEN;
	}
	while (d->proto == P_H2) {
		if (d->data_left) {
			size_t k = d->data_left < n - off ? (size_t)d->data_left : n - off;
			if (d->data_stream)
				capture_add(x, d->data_stream, p + off, k);
			off += k;
			d->data_left -= k;
			if (d->data_left == 0 && d->data_stream && d->data_end_stream)
				capture_end(x, d->data_stream);
			if (d->data_left)
				return off;
			continue;
		}
		struct http2_frame_header h;
		if (http2_frame_header_parse(p + off, n - off, &h) != DIS_OK)
			return off;
		if (!h2_needs_payload(h.type) || (h.type == HTTP2_GOAWAY && h.length > H2_PENDING_CAP - 9)) {
			off += HTTP2_FRAME_HEADER_LEN;
			d->data_left = h.length;
			d->data_stream = h.type == HTTP2_DATA ? h.stream_id : 0;
			d->data_end_stream = h.type == HTTP2_DATA && (h.flags & HTTP2_FLAG_END_STREAM);
			if (h.length == 0 && d->data_stream && d->data_end_stream)
				capture_end(x, d->data_stream);
			continue;
		}
		if (h.length > H2_PENDING_CAP - HTTP2_FRAME_HEADER_LEN) {
			capped(x, d);
			return n;
		}
		if (n - off < HTTP2_FRAME_HEADER_LEN + (size_t)h.length)
			return off;
		h2_frame(x, &h, p + off + HTTP2_FRAME_HEADER_LEN);
		off += HTTP2_FRAME_HEADER_LEN + h.length;
	}
	return n;
}

/* ---- per side ---------------------------------------------------------------- */

/* The protocol of a side from its first bytes (and the ALPN). */
static void detect(struct ctx *x, const uint8_t *p, size_t n)
{
	struct http_track *t = x->t;
	struct side_state *d = &t->side[x->s];
	struct tls_conn *c = x->c;
	bool alpn_h2 = c->have_server_hello && strcmp(c->sh.alpn, "h2") == 0;
	bool h2 = alpn_h2 || t->side[!x->s].proto == P_H2 || (c->http && c->http->h2);
	if (x->s == SIDE_CLIENT && http2_preface(p, n) != DIS_INVALID)
		h2 = true;
	if (!h2 && x->s == SIDE_SERVER) {
		/* HTTP/2 by prior knowledge: a server opens with SETTINGS. */
		struct http2_frame_header h = { 0 };
		struct http1_head hd;
		if (http1_head_parse(p, n, &hd) == HTTP1_INVALID &&
		    http2_frame_header_parse(p, n, &h) == DIS_OK && h.type == HTTP2_SETTINGS && h.stream_id == 0 &&
		    h.length % 6 == 0)
			h2 = true;
	}
	d->proto = h2 ? P_H2 : P_H1;
	d->h1 = H1_HEAD;
	if (h2) {
		struct http_facts *f = facts(x);
		if (f)
			f->h2 = true;
	}
}

static size_t process(struct ctx *x, const uint8_t *p, size_t n)
{
	switch (x->t->side[x->s].proto) {
	case P_H1:
		return h1_process(x, p, n);
	case P_H2:
		return h2_process(x, p, n);
	default:
		return n;
	}
}

static size_t pending_cap(const struct side_state *d)
{
	return d->proto == P_H2 ? H2_PENDING_CAP : H1_PENDING_CAP;
}

/* The incomplete unit at the end of a record, kept. */
static void keep(struct ctx *x, struct side_state *d, const uint8_t *p, size_t n)
{
	size_t cap = pending_cap(d);
	if (n > cap - d->pend_len) {
		capped(x, d);
		return;
	}
	if (d->pend_len + n > d->pend_cap) {
		size_t want = d->pend_len + n < 512 ? 512 : cap;
		uint8_t *b = realloc(d->pend, want);
		if (!b) {
			side_done(d);
			return;
		}
		d->pend = b;
		d->pend_cap = want;
	}
	memcpy(d->pend + d->pend_len, p, n);
	d->pend_len += n;
}

void http_track_record(struct http_track **tp, struct tls_conn *c, enum side s, const uint8_t *p, size_t n,
		       uint64_t frame)
{
	if ((s != SIDE_CLIENT && s != SIDE_SERVER) || !p || n == 0)
		return;
	if (!*tp) {
		struct http_track *t = calloc(1, sizeof *t);
		if (!t)
			return;
		t->mem = (nghttp2_mem){t, mem_malloc, mem_free, mem_calloc, mem_realloc};
		*tp = t;
	}
	struct ctx x = {*tp, c, s, frame};
	struct side_state *d = &x.t->side[s];

	if (d->proto == P_DONE)
		return;
	if (d->proto == P_UNKNOWN)
		detect(&x, p, n);
	if (d->proto == P_H1 && d->h1 == H1_RESYNC && d->pend_len == 0) {
		/* After lost bytes only a record that starts a head is read. */
		struct http1_head hd;
		if (http1_head_parse(p, n, &hd) == HTTP1_INVALID)
			return;
	}
	while (n > 0 && d->proto != P_DONE) {
		if (d->pend_len == 0) {
			size_t k = process(&x, p, n);
			if (k < n && d->proto != P_DONE)
				keep(&x, d, p + k, n - k);
			break;
		}
		/* Complete the kept unit with as many new bytes as fit. */
		size_t room = pending_cap(d) - d->pend_len, take = n < room ? n : room;
		keep(&x, d, p, take);
		if (d->proto == P_DONE)
			break;
		p += take;
		n -= take;
		size_t k = process(&x, d->pend, d->pend_len);
		if (d->proto == P_DONE)
			break;
		if (k == 0 && d->pend_len == pending_cap(d)) {
			capped(&x, d);
			break;
		}
		memmove(d->pend, d->pend + k, d->pend_len - k);
		d->pend_len -= k;
		if (d->pend_len && n == 0)
			break;
	}
	capture_try(&x, false);
}

bool http_track_skip(struct http_track *t, enum side s, size_t plain)
{
	if (!http_track_wants(t, s))
		return false;
	struct side_state *d = &t->side[s];
	if (d->pend_len || (t->capturing && t->capture_side == s))
		return false;
	/* Strictly inside the body: where it ends, the record is read. */
	uint64_t *left = d->proto == P_H2 ? &d->data_left
			 : (d->h1 == H1_BODY || d->h1 == H1_CHUNK_DATA) ? &d->left
									  : NULL;
	if (!left || *left <= plain)
		return false;
	*left -= plain;
	d->skipped++;
	return true;
}

void http_track_gap(struct http_track *t, enum side s)
{
	if (!http_track_wants(t, s))
		return; /* skipped on purpose (nothing more to learn there) */
	struct side_state *d = &t->side[s];
	if (d->skipped) {
		d->skipped--; /* skipped as body: nothing lost */
		return;
	}
	d->pend_len = 0;
	if (t->capturing && t->capture_side == s)
		t->capturing = false;
	if (d->proto == P_H2)
		side_done(d); /* HPACK state and frame boundaries are lost */
	else if (d->proto == P_H1)
		d->h1 = H1_RESYNC;
}
