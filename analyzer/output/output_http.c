/* output_http.c - the decrypted HTTP of a connection in both reports: one
 * text line per exchange (the first HTTP/1.x one in the form it always
 * had), HTTP/2 resets and GOAWAY, the software headers and the error
 * page; the JSON "http" object. */
#include <jansson.h>
#include <stdio.h>

#include "http2.h"
#include "output/output.h"
#include "output/textbuf.h"

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

static void text_status(struct textbuf *b, bool color, int status, uint64_t frame)
{
	bool red = color && status >= 400;
	tb_printf(b, " -> %s%d%s (frame %llu)", red ? C_RED : "", status, red ? C_RESET : "",
		  (unsigned long long)frame);
}

static void text_exchange(struct textbuf *b, bool color, const struct http_exchange *e)
{
	char buf[16];
	if (e->version == 2)
		tb_printf(b, "  HTTP/2 stream %u: ", (unsigned)e->stream_id);
	else
		tb_lit(b, "  HTTP: ");
	if (e->request_frame)
		tb_printf(b, "%s %s (frame %llu)", e->method[0] ? e->method : "?", e->path[0] ? e->path : "?",
			  (unsigned long long)e->request_frame);
	else
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
		if (c->http_request_frame)
			tb_printf(b, "%s (frame %llu)", c->http_request, (unsigned long long)c->http_request_frame);
		else if (c->have_client_hello && c->ch.has_early_data)
			tb_lit(b, "(no request line seen: one sent as 0-RTT early data is not decrypted)");
		else
			tb_lit(b, "(no request line seen)");
		if (c->http_response_frame)
			tb_printf(b, " -> %s%s%s (frame %llu)", color && c->http_status >= 400 ? C_RED : "",
				  c->http_response, color && c->http_status >= 400 ? C_RESET : "",
				  (unsigned long long)c->http_response_frame);
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
	if (h->server[0])
		tb_printf(b, "  Server: %s\n", h->server);
	if (h->user_agent[0])
		tb_printf(b, "  User-Agent: %s\n", h->user_agent);
	if (h->error_page_frame)
		tb_printf(b, "  Error page: \"%s\" (frame %llu)\n", h->error_page,
			  (unsigned long long)h->error_page_frame);
}

static json_t *frame_or_null(uint64_t frame)
{
	return frame ? json_integer((json_int_t)frame) : json_null();
}

static json_t *str_or_null(const char *s)
{
	return s[0] ? json_string(s) : json_null();
}

static json_t *exchange_json(const struct http_exchange *e)
{
	char buf[16];
	json_t *o = json_object();
	json_object_set_new(o, "stream", e->version == 2 ? json_integer(e->stream_id) : json_null());
	json_object_set_new(o, "method", e->request_frame ? str_or_null(e->method) : json_null());
	json_object_set_new(o, "path", e->request_frame ? str_or_null(e->path) : json_null());
	json_object_set_new(o, "status", e->status ? json_integer(e->status) : json_null());
	json_object_set_new(o, "request_frame", frame_or_null(e->request_frame));
	json_object_set_new(o, "response_frame", frame_or_null(e->response_frame));
	json_object_set_new(o, "reset_error", e->reset_frame ? json_string(h2_error(e->reset_error, buf)) : json_null());
	json_object_set_new(o, "reset_frame", frame_or_null(e->reset_frame));
	json_object_set_new(o, "reset_from",
			    e->reset_frame ? json_string(side_name((enum side)e->reset_from)) : json_null());
	return o;
}

void output_json_http(struct json_t *j, const struct tls_conn *c)
{
	const struct http_facts *h = c->http;
	char buf[16];

	/* Like "decryption": only with a key log, so reports without one keep their shape. */
	if (!h && !c->http_request_frame && !c->http_response_frame) {
		if (c->keylog_given)
			json_object_set_new(j, "http", json_null());
		return;
	}
	json_t *o = json_object();
	/* The first HTTP/1.x request and response, as before. */
	json_object_set_new(o, "request", c->http_request_frame ? json_string(c->http_request) : json_null());
	json_object_set_new(o, "request_frame", frame_or_null(c->http_request_frame));
	json_object_set_new(o, "status", c->http_status ? json_integer(c->http_status) : json_null());
	json_object_set_new(o, "status_line", c->http_response_frame ? json_string(c->http_response) : json_null());
	json_object_set_new(o, "response_frame", frame_or_null(c->http_response_frame));
	/* Every exchange. */
	json_object_set_new(o, "version", json_integer(h && h->h2 ? 2 : 1));
	json_t *ex = json_array();
	for (size_t i = 0; h && i < h->n; i++)
		json_array_append_new(ex, exchange_json(&h->ex[i]));
	json_object_set_new(o, "exchanges", ex);
	json_object_set_new(o, "exchanges_dropped", json_integer(h ? (json_int_t)h->dropped : 0));
	json_object_set_new(o, "server", h ? str_or_null(h->server) : json_null());
	json_object_set_new(o, "user_agent", h ? str_or_null(h->user_agent) : json_null());
	json_object_set_new(o, "error_page", h && h->error_page_frame ? json_string(h->error_page) : json_null());
	json_object_set_new(o, "error_page_frame", frame_or_null(h ? h->error_page_frame : 0));
	if (h && h->goaway_frame) {
		json_t *g = json_object();
		json_object_set_new(g, "frame", json_integer((json_int_t)h->goaway_frame));
		json_object_set_new(g, "from", json_string(side_name((enum side)h->goaway_from)));
		json_object_set_new(g, "error", json_string(h2_error(h->goaway_error, buf)));
		json_object_set_new(g, "last_stream", json_integer(h->goaway_last_stream));
		json_object_set_new(o, "goaway", g);
	} else {
		json_object_set_new(o, "goaway", json_null());
	}
	json_object_set_new(j, "http", o);
}
