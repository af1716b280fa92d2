/* fuzz_http.c - HTTP in decrypted application data: the HTTP/1.x and
 * HTTP/2 dissectors on the whole input, then both sides of a connection
 * through the tracker (http_track.c, with libnghttp2's HPACK inflater) as
 * the analyzer drives it, record by record.
 *
 * Input: byte 0: bit 0 says ALPN h2 was negotiated; then records as
 * chunks (chunks.h), a gap being bytes lost (http_track_gap). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http1.h"
#include "http2.h"
#include "model/http_track.h"
#include "model/model.h"
#include "chunks.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void dissectors(const uint8_t *p, size_t n)
{
	struct http1_head h;
	struct http2_frame_header fh;
	struct http2_setting set[8];
	const uint8_t *blk;
	size_t len, count;
	uint64_t chunk;
	uint32_t a, b;
	char text[64];

	if (http1_head_parse(p, n, &h) == HTTP1_OK && (h.head_len == 0 || h.head_len > n))
		__builtin_trap();
	if (http1_chunk_line(p, n, &chunk, &len) == HTTP1_OK && len > n)
		__builtin_trap();
	if (http1_trailers(p, n, &len) == HTTP1_OK && len > n)
		__builtin_trap();
	(void)http1_chunk_end(p, n, &len);
	(void)http1_error_text(p, n, n & 1, text, sizeof text);
	if (http2_frame_header_parse(p, n, &fh) == DIS_OK) {
		if (http2_header_block(&fh, p + 9, n - 9, &blk, &len, &a) == DIS_OK &&
		    (blk < p + 9 || blk + len > p + n))
			__builtin_trap();
		(void)http2_rst_stream_parse(p + 9, n - 9, &a);
		(void)http2_goaway_parse(p + 9, n - 9, &a, &b);
		if (http2_settings_parse(p + 9, n - 9, set, 8, &count) == DIS_OK && count > 8)
			__builtin_trap();
	}
	(void)http2_preface(p, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tls_conn conn;
	struct http_track *t = NULL;
	uint64_t frame = 0;

	if (size < 1)
		return 0;
	dissectors(data, size);
	tls_conn_init(&conn);
	if (data[0] & 1) {
		conn.have_server_hello = true;
		strcpy(conn.sh.alpn, "h2");
	}
	data++;
	size--;
	struct chunk c;
	while (next_chunk(&data, &size, &c)) {
		if (c.gap) {
			http_track_gap(t, c.side);
			continue;
		}
		http_track_record(&t, &conn, c.side, c.bytes, c.len, ++frame);
		(void)http_track_wants(t, c.side);
		free(c.bytes);
	}
	const struct http_facts *h = conn.http;
	if (h && (h->n > CONN_MAX_HTTP || h->server[sizeof h->server - 1] || h->error_page[sizeof h->error_page - 1]))
		__builtin_trap();
	if (http_track_memory(t) > (1u << 20))
		__builtin_trap(); /* the caps hold */
	http_track_free(t);
	tls_conn_release(&conn);
	return 0;
}
