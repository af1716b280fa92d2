/* output_http.c - the decrypted HTTP of a connection in both reports: one
 * text line per exchange (the first HTTP/1.x one in the form it always
 * had), HTTP/2 resets and GOAWAY, the software headers and the error
 * page; the JSON "http" object. */
#include <stdio.h>

#include "http2.h"
#include "output/output.h"
#include "output/textbuf.h"
#include "output/json_write.h"

#define C_RESET "\033[0m"
#define C_RED "\033[31m"

/* "HTTP_1_1_REQUIRED", or "0x1f" for a code without a name. */
static const char *h2_error(uint32_t code, char buf[16])
{
	const char *name = http2_error_name(code);
	if (name)
		return name;
	snprintf(buf, 16, "0x%x", (unsigned)code);
	return buf;
}

/* Resets that are not routine cancellations. */
static bool reset_is_error(uint32_t code)
{
	return code != 0x0 && code != 0x8; /* NO_ERROR, CANCEL */
}

/* " (frame N)" */
static void in_frame(struct textbuf *b, uint64_t frame)
{
	tb_lit(b, " (frame ");
	tb_u64(b, frame, 0);
	tb_char(b, ')');
}

static void text_status(struct textbuf *b, bool color, int status, uint64_t frame)
{
	bool red = color && status >= 400;
	tb_lit(b, " -> ");
	if (red)
		tb_lit(b, C_RED);
	tb_int(b, status);
	if (red)
		tb_lit(b, C_RESET);
	in_frame(b, frame);
}

static void text_exchange(struct textbuf *b, bool color, const struct http_exchange *e)
{
	char buf[16];
	if (e->version == 2) {
		tb_lit(b, "  HTTP/2 stream ");
		tb_u64(b, e->stream_id, 0);
		tb_lit(b, ": ");
	} else {
		tb_lit(b, "  HTTP: ");
	}
	if (e->request_frame) {
		tb_str(b, e->method[0] ? e->method : "?");
		tb_char(b, ' ');
		tb_str(b, e->path[0] ? e->path : "?");
		in_frame(b, e->request_frame);
	} else
		tb_lit(b, "(request not seen)");
	if (e->response_frame)
		text_status(b, color, e->status, e->response_frame);
	if (e->reset_frame) {
		bool red = color && reset_is_error(e->reset_error);
		tb_printf(b, "%s %sRST_STREAM %s%s from the %s (frame %llu)", e->response_frame ? "," : " ->",
			  red ? C_RED : "", h2_error(e->reset_error, buf), red ? C_RESET : "",
			  side_name((enum side)e->reset_from), (unsigned long long)e->reset_frame);
	}
	tb_char(b, '\n');
}

void output_text_http(struct textbuf *b, bool color, const struct tls_conn *c)
{
	const struct http_facts *h = c->http;
	bool first_shown = false;
	char buf[16];

	if (c->http_request_frame || c->http_response_frame) {
		tb_lit(b, "  HTTP: ");
		if (c->http_request_frame) {
			tb_str(b, c->http_request);
			in_frame(b, c->http_request_frame);
		} else if (c->have_client_hello && c->ch.has_early_data)
			tb_lit(b, "(no request line seen: one sent as 0-RTT early data is not decrypted)");
		else
			tb_lit(b, "(no request line seen)");
		if (c->http_response_frame) {
			bool red = color && c->http_status >= 400;
			tb_lit(b, " -> ");
			if (red)
				tb_lit(b, C_RED);
			tb_str(b, c->http_response);
			if (red)
				tb_lit(b, C_RESET);
			in_frame(b, c->http_response_frame);
		}
		tb_char(b, '\n');
		first_shown = true;
	}
	if (!h)
		return;
	for (size_t i = 0; i < h->n; i++) {
		/* The first HTTP/1.x exchange is the line above. */
		if (h->ex[i].version == 1 && first_shown) {
			first_shown = false;
			continue;
		}
		text_exchange(b, color, &h->ex[i]);
	}
	if (h->dropped)
		tb_printf(b, "  HTTP: %llu more exchanges not kept\n", (unsigned long long)h->dropped);
	if (h->goaway_frame) {
		bool red = color && reset_is_error(h->goaway_error);
		tb_printf(b, "  HTTP/2 GOAWAY %s%s%s from the %s, last stream %u (frame %llu)\n", red ? C_RED : "",
			  h2_error(h->goaway_error, buf), red ? C_RESET : "", side_name((enum side)h->goaway_from),
			  (unsigned)h->goaway_last_stream, (unsigned long long)h->goaway_frame);
	}
	if (h->server[0]) {
		tb_lit(b, "  Server: ");
		tb_str(b, h->server);
		tb_char(b, '\n');
	}
	if (h->user_agent[0]) {
		tb_lit(b, "  User-Agent: ");
		tb_str(b, h->user_agent);
		tb_char(b, '\n');
	}
	if (h->error_page_frame) {
		tb_lit(b, "  Error page: \"");
		tb_str(b, h->error_page);
		tb_char(b, '"');
		in_frame(b, h->error_page_frame);
		tb_char(b, '\n');
	}
}

static void exchange_value(struct json_writer *w, const struct http_exchange *e)
{
	char buf[16];
	jw_begin_object(w);
	jw_key(w, "stream");
	if (e->version == 2)
		jw_uint(w, e->stream_id);
	else
		jw_null(w);
	jw_member_string_or_null(w, "method", e->request_frame && e->method[0] ? e->method : NULL);
	jw_member_string_or_null(w, "path", e->request_frame && e->path[0] ? e->path : NULL);
	jw_key(w, "status");
	if (e->status)
		jw_int(w, e->status);
	else
		jw_null(w);
	jw_member_uint_or_null(w, "request_frame", e->request_frame);
	jw_member_uint_or_null(w, "response_frame", e->response_frame);
	jw_member_string_or_null(w, "reset_error", e->reset_frame ? h2_error(e->reset_error, buf) : NULL);
	jw_member_uint_or_null(w, "reset_frame", e->reset_frame);
	jw_member_string_or_null(w, "reset_from", e->reset_frame ? side_name((enum side)e->reset_from) : NULL);
	jw_end_object(w);
}

static bool http_seen(const struct tls_conn *c)
{
	return c->http || c->http_request_frame || c->http_response_frame;
}

/* The first HTTP/1.x request and response, as before, then every exchange. */
static void http_object(struct json_writer *w, const struct tls_conn *c)
{
	const struct http_facts *h = c->http;
	char buf[16];
	jw_begin_object(w);
	jw_member_string_or_null(w, "request", c->http_request_frame ? c->http_request : NULL);
	jw_member_uint_or_null(w, "request_frame", c->http_request_frame);
	jw_key(w, "status");
	json_http_status(w, c);
	jw_member_string_or_null(w, "status_line", c->http_response_frame ? c->http_response : NULL);
	jw_member_uint_or_null(w, "response_frame", c->http_response_frame);
	jw_member_int(w, "version", h && h->h2 ? 2 : 1);
	jw_key(w, "exchanges");
	jw_begin_array(w);
	for (size_t i = 0; h && i < h->n; i++)
		exchange_value(w, &h->ex[i]);
	jw_end_array(w);
	jw_member_uint(w, "exchanges_dropped", h ? h->dropped : 0);
	jw_member_string_or_null(w, "server", h && h->server[0] ? h->server : NULL);
	jw_member_string_or_null(w, "user_agent", h && h->user_agent[0] ? h->user_agent : NULL);
	jw_member_string_or_null(w, "error_page", h && h->error_page_frame ? h->error_page : NULL);
	jw_member_uint_or_null(w, "error_page_frame", h ? h->error_page_frame : 0);
	jw_key(w, "goaway");
	if (h && h->goaway_frame) {
		jw_begin_object(w);
		jw_member_uint(w, "frame", h->goaway_frame);
		jw_member_string(w, "from", side_name((enum side)h->goaway_from));
		jw_member_string(w, "error", h2_error(h->goaway_error, buf));
		jw_member_uint(w, "last_stream", h->goaway_last_stream);
		jw_end_object(w);
	} else {
		jw_null(w);
	}
	jw_end_object(w);
}

void json_http_member(struct json_writer *w, const struct tls_conn *c)
{
	/* Like "decryption": only with a key log, so reports without one keep their shape. */
	if (!http_seen(c) && !c->keylog_given)
		return;
	jw_key(w, "http");
	json_http_value(w, c);
}

void json_http_value(struct json_writer *w, const struct tls_conn *c)
{
	if (http_seen(c))
		http_object(w, c);
	else
		jw_null(w);
}

void json_http_status(struct json_writer *w, const struct tls_conn *c)
{
	if (http_seen(c) && c->http_status)
		jw_int(w, c->http_status);
	else
		jw_null(w);
}
