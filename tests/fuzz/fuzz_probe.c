/* fuzz_probe.c - the probe's intake of what a server sends: arbitrary
 * server bytes go through the tap (probe_tap.c) after a real ClientHello
 * made by libssl, as `mtlsdiag probe` hands them over, then into the
 * analyzer (reassembly, records, handshake dissectors, diagnosis, both
 * renderers); the same bytes go through the HTTP/1.x response-end check
 * (probe_http.c), which reads the server's headers.
 *
 * Input: one flags byte (bit 0: the server resets rather than closes; bit
 * 1: IPv6 endpoints; bit 2: JSON report), then chunks of server bytes,
 * each a 2-byte big-endian length and that many bytes (a length past the
 * end takes the rest): each chunk is one read from the socket. */
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "cli/analysis.h"
#include "output/output.h"
#include "cli/probe_http.h"
#include "cli/probe_tap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A ClientHello from libssl, made once (SNI and ALPN as the probe sends). */
static size_t client_hello(const uint8_t **out)
{
	static uint8_t hello[4096];
	static size_t len;
	if (!len) {
		SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
		SSL *ssl = ctx ? SSL_new(ctx) : NULL;
		BIO *rb = BIO_new(BIO_s_mem()), *wb = BIO_new(BIO_s_mem());
		if (!ssl || !rb || !wb)
			abort();
		BIO_set_mem_eof_return(rb, -1);
		SSL_set_bio(ssl, rb, wb);
		SSL_set_tlsext_host_name(ssl, "app.example.com");
		SSL_set_post_handshake_auth(ssl, 1);
		SSL_set_alpn_protos(ssl, (const uint8_t *)"\x02h2\x08http/1.1", 12);
		SSL_connect(ssl);
		int n = BIO_read(wb, hello, sizeof hello);
		if (n <= 0)
			abort();
		len = (size_t)n;
		SSL_free(ssl);
		SSL_CTX_free(ctx);
	}
	*out = hello;
	return len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	uint8_t flags = data[0];
	data++, size--;
	struct probe_endpoint client = { .family = AF_INET, .port = 40000 };
	struct probe_endpoint server = { .family = AF_INET, .port = 443 };
	if (flags & 2) {
		client.family = server.family = AF_INET6;
		client.addr[15] = 1;
		server.addr[15] = 2;
	} else {
		memcpy(client.addr, "\x0a\x00\x00\x01", 4);
		memcpy(server.addr, "\x0a\x00\x00\x02", 4);
	}
	struct probe_tap *tap = probe_tap_new(&client, &server, 1u << 20);
	if (!tap)
		abort();
	const uint8_t *hello;
	size_t hello_len = client_hello(&hello);
	int64_t ts = 1700000000LL * 1000000000LL;
	if (probe_tap_open(tap, ts) || probe_tap_data(tap, false, hello, hello_len, ts))
		abort();
	/* The server's reads; the HTTP check sees them as the response. */
	uint64_t total = 0;
	int status;
	while (size > 0) {
		size_t n = size >= 2 ? (size_t)data[0] << 8 | data[1] : size;
		size_t skip = size >= 2 ? 2 : 0;
		if (n > size - skip)
			n = size - skip;
		ts += 1000000;
		if (probe_tap_data(tap, true, data + skip, n, ts) != 0)
			break;
		total += n;
		probe_http1_complete(data + skip, n, total, data + skip, n, &status);
		if (status < 0 || status > 999)
			abort();
		data += skip + n;
		size -= skip + n;
	}
	probe_tap_close(tap, true, flags & 1, ts + 1);
	probe_tap_close(tap, false, false, ts + 2);

	struct options opt;
	options_defaults(&opt);
	opt.format = (flags & 4) ? FORMAT_JSON : FORMAT_TEXT;
	opt.quiet = true;
	struct output out = { .fp = fopen("/dev/null", "w"), .format = opt.format };
	if (!out.fp)
		abort();
	struct analysis a;
	analysis_init(&a, &opt, &out);
	analysis_begin_file(&a, "probe", 0);
	probe_tap_feed(tap, &a.an);
	analysis_end_file(&a);
	/* One TCP connection, every frame read, and it is reported. */
	if (a.total.traffic.tcp_flows != 1 || a.total.traffic.frames != probe_tap_frames(tap) || a.total.traffic.tls_conns > 1 ||
	    a.total.reported != a.total.traffic.tls_conns)
		abort();
	analysis_release(&a);
	fclose(out.fp);
	probe_tap_free(tap);
	return 0;
}
