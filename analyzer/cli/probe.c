/* probe.c - `mtlsdiag probe URL` (see probe.h and mtlsdiag(1), PROBE).
 *
 * libssl talks to memory BIOs; this file moves their bytes to and from
 * the socket, and every byte on the way is also given to the tap
 * (probe_tap.c). The analyzer reads the tapped frames only when the
 * connection is over, with the whole key log: the keys of a TLS 1.3
 * handshake are known only after the ServerHello they follow. */
#include "cli/probe.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <nghttp2/nghttp2.h>
#include <openssl/err.h>
#include <openssl/pkcs12.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "capture/privs.h"
#include "cli/analysis.h"
#include "cli/cmdline.h"
#include "cli/expect.h"
#include "output/json_write.h"
#include "keylog.h"
#include "output/output.h"
#include "cli/probe_http.h"
#include "cli/probe_tap.h"
#include "cli/report_stream.h"
#include "model/trust.h"

/* HTTP/1.x response head kept to see where the response ends. */
#define HTTP1_HEAD_MAX (64u * 1024u)
/* HTTP/2 bytes buffered while frames are cut apart. */
#define HTTP2_BUF_MAX (1024u * 1024u)
#define H2_DATA 0x0
#define H2_HEADERS 0x1
#define H2_RST_STREAM 0x3
#define H2_SETTINGS 0x4
#define H2_GOAWAY 0x7
#define H2_FLAG_END_STREAM 0x1
#define H2_FLAG_ACK 0x1
/* Within the initial flow-control window (65535). */
#define H2_BODY_READ 60000u

struct probe_cfg {
	const char *url;
	char host[256];       /* from the URL, no brackets */
	char port[8];
	char path[1024];
	char authority[300];  /* Host / :authority */
	const char *sni;      /* NULL: the host, unless it is an address */
	const char *connect;  /* HOST:PORT to connect to instead */
	const char *cert, *key, *pfx, *pfx_pass, *ca;
	int tls;              /* 0: any, 12, 13 */
	int http;             /* 1 or 2 */
	int timeout_ms;
	size_t max_bytes;
	bool matrix;
	const char *write_pcap;
};

/* What the client side saw (the analyzer sees the rest). */
struct probe_result {
	char peer[80];
	bool handshake_done;
	char alpn[32];
	char tls_error[256];  /* OpenSSL's reason, when a TLS call failed */
	char ended[160];      /* how reading ended */
	int http1_status;
	long verify;          /* server chain against --ca; -1 not checked */
};

struct probe_conn {
	const struct probe_cfg *cfg;
	int fd;
	SSL *ssl;
	BIO *rbio, *wbio;     /* owned by ssl */
	struct probe_tap *tap;
	char *keylog;         /* owned: NSS key log lines */
	size_t klen, kcap;
	bool server_eof, server_reset, over_cap;
	struct probe_result *res;
};

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* ---- the command line ---------------------------------------------------- */

static void usage(FILE *fp)
{
	fprintf(fp,
		"Usage: mtlsdiag probe [options] https://HOST[:PORT][/PATH]\n"
		"Connect to a live server, send a real request for PATH and report the connection as\n"
		"mtlsdiag reports a captured one (decrypted: the key log comes from OpenSSL itself).\n"
		"\n"
		"  --cert FILE --key FILE   the client certificate (PEM, chain after it) and its key\n"
		"  --pfx FILE [--pfx-pass P] the client certificate, chain and key as PKCS#12\n"
		"  --tls1.2 | --tls1.3      only this version (default: what both sides prefer)\n"
		"  --http1.1 | --http2      the request over HTTP/1.1 (default) or HTTP/2 (ALPN h2)\n"
		"  --sni NAME               the server name sent (default: the URL's host)\n"
		"  --connect HOST:PORT      connect there instead of to the URL's host\n"
		"  --ca FILE                check the server's chain against these CAs (reported only)\n"
		"  --timeout SECONDS        for connecting and for each wait for the server (default %d)\n"
		"  --max-bytes N            bytes exchanged (both ways) at most (default %u)\n"
		"  --matrix                 TLS 1.2 and 1.3 x HTTP/1.1 and HTTP/2 (x with and without the\n"
		"                           certificate when one is given); one table\n"
		"  --write-pcap FILE        also save the connection as a capture, keys in FILE.keylog\n"
		"  -F, --format, -o, -q, --color, --no-color, --fail-on, --expect, --trust\n"
		"                           as for captures (mtlsdiag --help)\n",
		PROBE_DEFAULT_TIMEOUT_S, PROBE_DEFAULT_MAX_BYTES);
}

/* https://HOST[:PORT][/PATH]; HOST may be [IPv6]. */
static int parse_url(struct probe_cfg *c, const char *url)
{
	if (strncasecmp(url, "https://", 8) != 0) {
		fprintf(stderr, "mtlsdiag probe: '%s': the URL must start with https://\n", url);
		return -1;
	}
	const char *h = url + 8, *end = h + strcspn(h, "/?#"), *colon = NULL;
	const char *hs = h, *he;
	if (*h == '[') {
		he = memchr(h, ']', (size_t)(end - h));
		if (!he)
			goto bad;
		hs = h + 1;
		colon = he + 1 < end && he[1] == ':' ? he + 1 : NULL;
	} else {
		colon = memchr(h, ':', (size_t)(end - h));
		he = colon ? colon : end;
	}
	if (he == hs || (size_t)(he - hs) >= sizeof c->host)
		goto bad;
	memcpy(c->host, hs, (size_t)(he - hs));
	c->host[he - hs] = 0;
	snprintf(c->port, sizeof c->port, "443");
	if (colon) {
		size_t n = (size_t)(end - colon - 1);
		if (n == 0 || n >= sizeof c->port || strspn(colon + 1, "0123456789") < n)
			goto bad;
		memcpy(c->port, colon + 1, n);
		c->port[n] = 0;
	}
	snprintf(c->authority, sizeof c->authority, "%.*s", (int)(end - h), h);
	snprintf(c->path, sizeof c->path, "%s", *end == '/' ? end : "/");
	if (*end == '?')
		snprintf(c->path, sizeof c->path, "/%s", end);
	return 0;
bad:
	fprintf(stderr, "mtlsdiag probe: '%s' is not https://HOST[:PORT][/PATH]\n", url);
	return -1;
}

/* ---- the socket and the tap -------------------------------------------------- */

static void endpoint_of(const struct sockaddr_storage *ss, struct probe_endpoint *ep)
{
	memset(ep, 0, sizeof *ep);
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;
		ep->family = AF_INET6;
		memcpy(ep->addr, &s6->sin6_addr, 16);
		ep->port = ntohs(s6->sin6_port);
	} else {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;
		ep->family = AF_INET;
		memcpy(ep->addr, &s4->sin_addr, 4);
		ep->port = ntohs(s4->sin_port);
	}
}

/* Connects within the timeout; the socket stays non-blocking (every wait
 * goes through poll). -1 with a message on stderr. */
static int connect_to(const struct probe_cfg *cfg, struct probe_endpoint *client, struct probe_endpoint *server,
		      char *peer, size_t peersz)
{
	char host[256], port[8];
	snprintf(host, sizeof host, "%s", cfg->host);
	snprintf(port, sizeof port, "%s", cfg->port);
	if (cfg->connect) {
		const char *colon = strrchr(cfg->connect, ':');
		if (!colon || colon == cfg->connect || !colon[1] || strlen(colon + 1) >= sizeof port) {
			fprintf(stderr, "mtlsdiag probe: --connect '%s' is not HOST:PORT\n", cfg->connect);
			return -1;
		}
		const char *hs = cfg->connect;
		size_t hn = (size_t)(colon - hs);
		if (*hs == '[' && hn >= 2 && hs[hn - 1] == ']')
			hs++, hn -= 2;
		snprintf(host, sizeof host, "%.*s", (int)hn, hs);
		snprintf(port, sizeof port, "%s", colon + 1);
	}
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *ai, *p;
	int gai = getaddrinfo(host, port, &hints, &ai);
	if (gai) {
		fprintf(stderr, "mtlsdiag probe: %s port %s: %s\n", host, port, gai_strerror(gai));
		return -1;
	}
	int fd = -1, err = 0;
	for (p = ai; p && fd < 0; p = p->ai_next) {
		fd = socket(p->ai_family, p->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, p->ai_protocol);
		if (fd < 0) {
			err = errno;
			continue;
		}
		if (connect(fd, p->ai_addr, p->ai_addrlen) != 0 && errno == EINPROGRESS) {
			struct pollfd pfd = { fd, POLLOUT, 0 };
			int n = poll(&pfd, 1, cfg->timeout_ms);
			socklen_t len = sizeof err;
			if (n == 0)
				err = ETIMEDOUT;
			else if (n < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
				err = errno;
		} else {
			err = errno;
			struct sockaddr_storage tmp;
			socklen_t len = sizeof tmp;
			if (getpeername(fd, (struct sockaddr *)&tmp, &len) == 0)
				err = 0;
		}
		if (err) {
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(ai);
	if (fd < 0) {
		fprintf(stderr, "mtlsdiag probe: cannot connect to %s port %s: %s\n", host, port,
			err == ETIMEDOUT ? "no answer within the timeout" : strerror(err));
		return -1;
	}
	struct sockaddr_storage me, them;
	socklen_t ml = sizeof me, tl = sizeof them;
	getsockname(fd, (struct sockaddr *)&me, &ml);
	getpeername(fd, (struct sockaddr *)&them, &tl);
	endpoint_of(&me, client);
	endpoint_of(&them, server);
	char a[INET6_ADDRSTRLEN] = "?";
	inet_ntop(server->family, server->addr, a, sizeof a);
	snprintf(peer, peersz, server->family == AF_INET6 ? "[%s]:%u" : "%s:%u", a, server->port);
	return fd;
}

static void keylog_line(const SSL *ssl, const char *line)
{
	struct probe_conn *pc = SSL_get_app_data(ssl);
	size_t n = strlen(line);
	if (pc->klen + n + 1 > pc->kcap) {
		size_t cap = (pc->klen + n + 1) * 2;
		char *k = realloc(pc->keylog, cap);
		if (!k)
			return;
		pc->keylog = k;
		pc->kcap = cap;
	}
	memcpy(pc->keylog + pc->klen, line, n);
	pc->keylog[pc->klen + n] = '\n';
	pc->klen += n + 1;
}

/* Waits for the server's next bytes and hands them to libssl (and the
 * tap). 0, or -1 with the reason in res->ended. */
static int pump_in(struct probe_conn *pc)
{
	uint8_t buf[16384];
	if (pc->server_eof || pc->server_reset || pc->over_cap)
		return -1;
	struct pollfd pfd = { pc->fd, POLLIN, 0 };
	int n = poll(&pfd, 1, pc->cfg->timeout_ms);
	if (n == 0) {
		snprintf(pc->res->ended, sizeof pc->res->ended, "the server sent nothing for %d s (--timeout)",
			 pc->cfg->timeout_ms / 1000);
		return -1;
	}
	ssize_t got = n < 0 ? -1 : recv(pc->fd, buf, sizeof buf, 0);
	if (got < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	int64_t ts = now_ns();
	if (got < 0) {
		snprintf(pc->res->ended, sizeof pc->res->ended, "%s", strerror(errno));
		if (errno == ECONNRESET) {
			snprintf(pc->res->ended, sizeof pc->res->ended, "the server reset the connection");
			pc->server_reset = true;
			probe_tap_close(pc->tap, true, true, ts);
		}
		return -1;
	}
	if (got == 0) {
		pc->server_eof = true;
		probe_tap_close(pc->tap, true, false, ts);
		BIO_set_mem_eof_return(pc->rbio, 0); /* libssl now sees the end */
		return 0;
	}
	if (probe_tap_data(pc->tap, true, buf, (size_t)got, ts) != 0) {
		pc->over_cap = true;
		snprintf(pc->res->ended, sizeof pc->res->ended, "stopped after %zu bytes (--max-bytes)",
			 pc->cfg->max_bytes);
		return -1;
	}
	BIO_write(pc->rbio, buf, (int)got);
	return 0;
}

/* Sends what libssl wrote (through the tap). 0 or -1. */
static int pump_out(struct probe_conn *pc)
{
	uint8_t buf[16384];
	int n;
	while ((n = BIO_read(pc->wbio, buf, sizeof buf)) > 0) {
		int64_t ts = now_ns();
		if (probe_tap_data(pc->tap, false, buf, (size_t)n, ts) != 0) {
			pc->over_cap = true;
			snprintf(pc->res->ended, sizeof pc->res->ended, "stopped after %zu bytes (--max-bytes)",
				 pc->cfg->max_bytes);
			return -1;
		}
		size_t off = 0;
		while (off < (size_t)n) {
			ssize_t w = send(pc->fd, buf + off, (size_t)n - off, MSG_NOSIGNAL);
			if (w > 0) {
				off += (size_t)w;
				continue;
			}
			if (w < 0 && errno != EAGAIN && errno != EINTR) {
				snprintf(pc->res->ended, sizeof pc->res->ended, "sending: %s", strerror(errno));
				return -1;
			}
			struct pollfd pfd = { pc->fd, POLLOUT, 0 };
			if (poll(&pfd, 1, pc->cfg->timeout_ms) <= 0) {
				snprintf(pc->res->ended, sizeof pc->res->ended, "the server took nothing for %d s",
					 pc->cfg->timeout_ms / 1000);
				return -1;
			}
		}
	}
	return 0;
}

/* After a libssl call that returned ret: 1 done, 0 call it again, -1
 * failed (why in res), -2 the server closed TLS (close_notify). */
static int ssl_step(struct probe_conn *pc, int ret)
{
	if (pump_out(pc) != 0)
		return -1;
	if (ret > 0)
		return 1;
	int err = SSL_get_error(pc->ssl, ret);
	switch (err) {
	case SSL_ERROR_WANT_READ:
		if (pc->server_eof) {
			if (!pc->res->ended[0])
				snprintf(pc->res->ended, sizeof pc->res->ended, "the server closed the connection");
			return -1;
		}
		return pump_in(pc) == 0 ? 0 : -1;
	case SSL_ERROR_WANT_WRITE:
		return 0;
	case SSL_ERROR_ZERO_RETURN:
		snprintf(pc->res->ended, sizeof pc->res->ended, "the server closed TLS (close_notify)");
		return -2;
	default: {
		unsigned long e = ERR_peek_last_error();
		if (e && !pc->res->tls_error[0])
			ERR_error_string_n(e, pc->res->tls_error, sizeof pc->res->tls_error);
		ERR_clear_error();
		if (!pc->res->ended[0])
			snprintf(pc->res->ended, sizeof pc->res->ended, "%s",
				 pc->server_eof ? "the server closed the connection" : "TLS error");
		return -1;
	}
	}
}

/* ---- the request -------------------------------------------------------- */

static int run_http1(struct probe_conn *pc)
{
	const struct probe_cfg *cfg = pc->cfg;
	char req[2048];
	int n = snprintf(req, sizeof req,
			 "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: mtlsdiag-probe\r\nAccept: */*\r\n"
			 "Connection: close\r\n\r\n",
			 cfg->path, cfg->authority);
	int s;
	while ((s = ssl_step(pc, SSL_write(pc->ssl, req, n))) == 0)
		;
	if (s < 0)
		return s;
	uint8_t *head = malloc(HTTP1_HEAD_MAX);
	size_t hl = 0;
	uint64_t total = 0;
	uint8_t buf[16384];
	for (;;) {
		int got = SSL_read(pc->ssl, buf, sizeof buf);
		s = ssl_step(pc, got);
		if (s == 0)
			continue;
		if (s < 0)
			break;
		size_t take = (size_t)got < HTTP1_HEAD_MAX - hl ? (size_t)got : HTTP1_HEAD_MAX - hl;
		if (head && take) {
			memcpy(head + hl, buf, take);
			hl += take;
		}
		total += (size_t)got;
		if (head && probe_http1_complete(head, hl, total, buf, (size_t)got, &pc->res->http1_status)) {
			snprintf(pc->res->ended, sizeof pc->res->ended, "the response was complete");
			break;
		}
	}
	free(head);
	return s;
}

static void h2_frame_header(uint8_t *p, size_t len, uint8_t type, uint8_t flags, uint32_t stream)
{
	p[0] = (uint8_t)(len >> 16), p[1] = (uint8_t)(len >> 8), p[2] = (uint8_t)len;
	p[3] = type, p[4] = flags;
	p[5] = (uint8_t)(stream >> 24 & 0x7f), p[6] = (uint8_t)(stream >> 16), p[7] = (uint8_t)(stream >> 8);
	p[8] = (uint8_t)stream;
}

static int h2_send(struct probe_conn *pc, const uint8_t *p, size_t n)
{
	int s;
	while ((s = ssl_step(pc, SSL_write(pc->ssl, p, (int)n))) == 0)
		;
	return s < 0 ? s : 0;
}

/* The preface, an empty SETTINGS and one GET on stream 1 (HPACK by
 * libnghttp2); then frames are read until stream 1 ends, is reset, or
 * the server sends GOAWAY or closes. */
static int run_http2(struct probe_conn *pc)
{
	const struct probe_cfg *cfg = pc->cfg;
	nghttp2_nv nv[] = {
		{ (uint8_t *)":method", (uint8_t *)"GET", 7, 3, NGHTTP2_NV_FLAG_NONE },
		{ (uint8_t *)":scheme", (uint8_t *)"https", 7, 5, NGHTTP2_NV_FLAG_NONE },
		{ (uint8_t *)":authority", (uint8_t *)cfg->authority, 10, strlen(cfg->authority), NGHTTP2_NV_FLAG_NONE },
		{ (uint8_t *)":path", (uint8_t *)cfg->path, 5, strlen(cfg->path), NGHTTP2_NV_FLAG_NONE },
		{ (uint8_t *)"user-agent", (uint8_t *)"mtlsdiag-probe", 10, 14, NGHTTP2_NV_FLAG_NONE },
	};
	size_t nnv = sizeof nv / sizeof nv[0];
	nghttp2_hd_deflater *def = NULL;
	if (nghttp2_hd_deflate_new(&def, 4096) != 0)
		return -1;
	size_t bound = nghttp2_hd_deflate_bound(def, nv, nnv);
	size_t pre = NGHTTP2_CLIENT_MAGIC_LEN;
	uint8_t *out = malloc(pre + 9 + 9 + bound);
	if (!out) {
		nghttp2_hd_deflate_del(def);
		return -1;
	}
	memcpy(out, NGHTTP2_CLIENT_MAGIC, pre);
	h2_frame_header(out + pre, 0, H2_SETTINGS, 0, 0);
	ssize_t hb = nghttp2_hd_deflate_hd(def, out + pre + 18, bound, nv, nnv);
	nghttp2_hd_deflate_del(def);
	if (hb < 0) {
		free(out);
		return -1;
	}
	h2_frame_header(out + pre + 9, (size_t)hb, H2_HEADERS, 0x4 | H2_FLAG_END_STREAM, 1); /* END_HEADERS */
	int s = h2_send(pc, out, pre + 18 + (size_t)hb);
	free(out);
	if (s < 0)
		return s;
	uint8_t *buf = malloc(HTTP2_BUF_MAX);
	size_t bl = 0, body = 0;
	bool done = false;
	while (buf && !done) {
		int got = SSL_read(pc->ssl, buf + bl, (int)(HTTP2_BUF_MAX - bl));
		s = ssl_step(pc, got);
		if (s == 0)
			continue;
		if (s < 0)
			break;
		bl += (size_t)got;
		size_t off = 0;
		while (!done && bl - off >= 9) {
			size_t len = (size_t)buf[off] << 16 | (size_t)buf[off + 1] << 8 | buf[off + 2];
			uint8_t type = buf[off + 3], flags = buf[off + 4];
			uint32_t stream = ((uint32_t)buf[off + 5] << 24 | (uint32_t)buf[off + 6] << 16 |
					   (uint32_t)buf[off + 7] << 8 | buf[off + 8]) & 0x7fffffffu;
			if (len + 9 > HTTP2_BUF_MAX) {
				snprintf(pc->res->ended, sizeof pc->res->ended, "an HTTP/2 frame too large to follow");
				done = true;
				break;
			}
			if (bl - off < 9 + len)
				break;
			if (type == H2_SETTINGS && !(flags & H2_FLAG_ACK)) {
				uint8_t ack[9];
				h2_frame_header(ack, 0, H2_SETTINGS, H2_FLAG_ACK, 0);
				if (h2_send(pc, ack, sizeof ack) != 0)
					done = true;
			} else if (type == H2_GOAWAY) {
				snprintf(pc->res->ended, sizeof pc->res->ended, "the server sent GOAWAY");
				done = true;
			} else if (stream == 1 && type == H2_RST_STREAM) {
				snprintf(pc->res->ended, sizeof pc->res->ended, "the server reset the request's stream");
				done = true;
			} else if (stream == 1 && (type == H2_DATA || type == H2_HEADERS) && (flags & H2_FLAG_END_STREAM)) {
				snprintf(pc->res->ended, sizeof pc->res->ended, "the response was complete");
				done = true;
			} else if (stream == 1 && type == H2_DATA && (body += len) >= H2_BODY_READ) {
				/* No WINDOW_UPDATE is sent: the start of the body
				 * (an error page's title) is all the report uses. */
				snprintf(pc->res->ended, sizeof pc->res->ended,
					 "stopped after the first %u bytes of the body", H2_BODY_READ);
				done = true;
			}
			off += 9 + len;
		}
		memmove(buf, buf + off, bl - off);
		bl -= off;
	}
	free(buf);
	return s < 0 ? s : 0;
}

/* ---- one connection --------------------------------------------------------- */

static SSL_CTX *make_ctx(const struct probe_cfg *cfg, bool with_cert, int tls)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	if (!ctx)
		return NULL;
	if (tls) {
		int v = tls == 13 ? TLS1_3_VERSION : TLS1_2_VERSION;
		SSL_CTX_set_min_proto_version(ctx, v);
		SSL_CTX_set_max_proto_version(ctx, v);
	}
	SSL_CTX_set_keylog_callback(ctx, keylog_line);
	/* The server's chain is checked only to be reported (--ca). */
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	if (cfg->ca && SSL_CTX_load_verify_locations(ctx, cfg->ca, NULL) != 1) {
		fprintf(stderr, "mtlsdiag probe: --ca %s: not a readable PEM file of certificates\n", cfg->ca);
		goto fail;
	}
	if (with_cert && cfg->pfx) {
		FILE *fp = fopen(cfg->pfx, "rb");
		PKCS12 *p12 = fp ? d2i_PKCS12_fp(fp, NULL) : NULL;
		EVP_PKEY *pkey = NULL;
		X509 *x = NULL;
		STACK_OF(X509) *ca = NULL;
		if (fp)
			fclose(fp);
		int ok = p12 && PKCS12_parse(p12, cfg->pfx_pass ? cfg->pfx_pass : "", &pkey, &x, &ca) == 1 && x &&
			 pkey && SSL_CTX_use_certificate(ctx, x) == 1 && SSL_CTX_use_PrivateKey(ctx, pkey) == 1;
		for (int i = 0; ok && ca && i < sk_X509_num(ca); i++)
			ok = SSL_CTX_add1_chain_cert(ctx, sk_X509_value(ca, i)) == 1;
		PKCS12_free(p12);
		EVP_PKEY_free(pkey);
		X509_free(x);
		sk_X509_pop_free(ca, X509_free);
		if (!ok) {
			fprintf(stderr, "mtlsdiag probe: --pfx %s: cannot read the certificate and key (%s)\n", cfg->pfx,
				p12 ? "wrong --pfx-pass, or no key in it" : "not a PKCS#12 file");
			goto fail;
		}
	} else if (with_cert && cfg->cert) {
		if (SSL_CTX_use_certificate_chain_file(ctx, cfg->cert) != 1) {
			fprintf(stderr, "mtlsdiag probe: --cert %s: not a readable PEM certificate\n", cfg->cert);
			goto fail;
		}
		if (SSL_CTX_use_PrivateKey_file(ctx, cfg->key ? cfg->key : cfg->cert, SSL_FILETYPE_PEM) != 1 ||
		    SSL_CTX_check_private_key(ctx) != 1) {
			fprintf(stderr, "mtlsdiag probe: --key %s: not the PEM private key of the certificate\n",
				cfg->key ? cfg->key : cfg->cert);
			goto fail;
		}
	}
	ERR_clear_error();
	return ctx;
fail:
	ERR_clear_error();
	SSL_CTX_free(ctx);
	return NULL;
}

static bool is_address(const char *host)
{
	struct in6_addr a;
	return inet_pton(AF_INET, host, &a) == 1 || inet_pton(AF_INET6, host, &a) == 1;
}

/* Connects, shakes hands, sends the request and follows the answer. The
 * tap and key log are left in pc. EXIT_OK, or EXIT_INPUT when no
 * connection could be made. */
static int probe_once(const struct probe_cfg *cfg, bool with_cert, int tls, int http, struct probe_conn *pc,
		      struct probe_result *res)
{
	memset(pc, 0, sizeof *pc);
	memset(res, 0, sizeof *res);
	pc->cfg = cfg;
	pc->res = res;
	pc->fd = -1;
	res->verify = -1;
	SSL_CTX *ctx = make_ctx(cfg, with_cert, tls);
	if (!ctx)
		return EXIT_INPUT;
	struct probe_endpoint client, server;
	int64_t t0 = now_ns();
	pc->fd = connect_to(cfg, &client, &server, res->peer, sizeof res->peer);
	if (pc->fd < 0) {
		SSL_CTX_free(ctx);
		return EXIT_INPUT;
	}
	pc->tap = probe_tap_new(&client, &server, cfg->max_bytes);
	pc->ssl = SSL_new(ctx);
	SSL_CTX_free(ctx); /* the SSL holds its own reference */
	pc->rbio = BIO_new(BIO_s_mem());
	pc->wbio = BIO_new(BIO_s_mem());
	if (!pc->tap || !pc->ssl || !pc->rbio || !pc->wbio || probe_tap_open(pc->tap, t0) != 0) {
		fprintf(stderr, "mtlsdiag probe: out of memory\n");
		BIO_free(pc->rbio);
		BIO_free(pc->wbio);
		pc->rbio = pc->wbio = NULL;
		return EXIT_INPUT;
	}
	BIO_set_mem_eof_return(pc->rbio, -1); /* empty: "retry", not the end */
	SSL_set_bio(pc->ssl, pc->rbio, pc->wbio);
	SSL_set_app_data(pc->ssl, pc);
	SSL_set_connect_state(pc->ssl);
	const char *sni = cfg->sni ? cfg->sni : is_address(cfg->host) ? NULL : cfg->host;
	if (sni && *sni)
		SSL_set_tlsext_host_name(pc->ssl, sni);
	/* Offered with or without a certificate: without one, the server's
	 * post-handshake request is still seen (and answered empty). */
	SSL_set_post_handshake_auth(pc->ssl, 1);
	static const uint8_t alpn_h1[] = "\x08http/1.1", alpn_h2[] = "\x02h2\x08http/1.1";
	if (http == 2)
		SSL_set_alpn_protos(pc->ssl, alpn_h2, sizeof alpn_h2 - 1);
	else
		SSL_set_alpn_protos(pc->ssl, alpn_h1, sizeof alpn_h1 - 1);

	int s;
	while ((s = ssl_step(pc, SSL_connect(pc->ssl))) == 0)
		;
	if (s == 1) {
		res->handshake_done = true;
		const unsigned char *a;
		unsigned al;
		SSL_get0_alpn_selected(pc->ssl, &a, &al);
		snprintf(res->alpn, sizeof res->alpn, "%.*s", (int)al, al ? (const char *)a : "");
		if (cfg->ca)
			res->verify = SSL_get_verify_result(pc->ssl);
		if (al == 2 && memcmp(a, "h2", 2) == 0)
			s = run_http2(pc);
		else
			s = run_http1(pc);
		/* Our close_notify, unless the connection is gone. */
		if (!pc->server_reset && !pc->over_cap && s != -1) {
			SSL_shutdown(pc->ssl);
			pump_out(pc);
		}
	}
	if (!pc->server_reset) {
		shutdown(pc->fd, SHUT_WR);
		probe_tap_close(pc->tap, false, false, now_ns());
	}
	return EXIT_OK;
}

static void probe_conn_release(struct probe_conn *pc)
{
	SSL_free(pc->ssl);
	if (pc->fd >= 0)
		close(pc->fd);
	probe_tap_free(pc->tap);
	free(pc->keylog);
	memset(pc, 0, sizeof *pc);
	pc->fd = -1;
}

/* The tapped frames through the analyzer, with the session's keys, as one
 * "file" named name. */
static void analyze(struct analysis *a, const struct probe_conn *pc, const char *name, unsigned index)
{
	struct keylog *kl = keylog_new();
	if (kl && pc->klen)
		keylog_parse(kl, (const uint8_t *)pc->keylog, pc->klen, NULL, NULL);
	keylog_free(a->an.keylog);
	a->an.keylog = kl;
	analysis_begin_file(a, name, index);
	probe_tap_feed(pc->tap, &a->an);
	analysis_end_file(a);
}

static int write_capture(const struct probe_conn *pc, const char *path)
{
	char err[256], kpath[4096];
	FILE *pcap_fp = privs_fopen_report("--write-pcap", path, 0644);
	if (!pcap_fp)
		return -1;
	if (probe_tap_write_pcap(pc->tap, pcap_fp, err, sizeof err) != 0) {
		fprintf(stderr, "mtlsdiag probe: --write-pcap %s: %s\n", path, err);
		return -1;
	}
	/* The session's secrets: readable by the owner only. */
	snprintf(kpath, sizeof kpath, "%s.keylog", path);
	FILE *fp = privs_fopen_report("--write-pcap", kpath, 0600);
	if (!fp)
		return -1;
	bool written = fwrite(pc->keylog ? pc->keylog : "", 1, pc->klen, fp) == pc->klen;
	if (fclose(fp) != 0 || !written) {
		fprintf(stderr, "mtlsdiag probe: %s: %s\n", kpath, strerror(errno));
		return -1;
	}
	return 0;
}

static const char *version_label(int tls)
{
	return tls == 13 ? "TLS 1.3" : tls == 12 ? "TLS 1.2" : "any TLS version";
}

/* The lines before the report: what was probed and what the client saw. */
static void print_header(FILE *fp, const struct probe_cfg *cfg, const struct probe_conn *pc,
			 const struct probe_result *res, bool with_cert, int tls, int http)
{
	fprintf(fp, "probe %s: connected to %s; %s, %s, %s\n", cfg->url, res->peer, version_label(tls),
		http == 2 ? "HTTP/2 offered" : "HTTP/1.1", with_cert ? "with the client certificate" : "without a client certificate");
	fprintf(fp, "  frames: synthesised by mtlsdiag around the %zu bytes sent and %zu received (frame numbers "
		    "are its own, times are real)\n",
		probe_tap_payload_bytes(pc->tap, false), probe_tap_payload_bytes(pc->tap, true));
	fprintf(fp, "  client: handshake %s; ALPN %s; ended: %s", res->handshake_done ? "completed" : "failed",
		res->alpn[0] ? res->alpn : "none", res->ended[0] ? res->ended : "after the response");
	if (res->tls_error[0])
		fprintf(fp, "; OpenSSL: %s", res->tls_error);
	if (res->http1_status)
		fprintf(fp, "; HTTP status %d", res->http1_status);
	fprintf(fp, "\n");
	if (res->verify >= 0)
		fprintf(fp, "  server chain against --ca: %s\n",
			res->verify == 0 ? "verified" : X509_verify_cert_error_string(res->verify));
}

/* ---- --matrix ----------------------------------------------------------- */

struct matrix_row {
	bool have;
	struct findings f;
	char version[16];
	struct expect_set *expect; /* checked too, when --expect */
};

static void matrix_take(void *ctx, const char *file_name, struct tls_conn *conn, const struct findings *f)
{
	struct matrix_row *row = ctx;
	if (!row->have) {
		row->have = true;
		row->f = *f;
		snprintf(row->version, sizeof row->version, "%s",
			 tls_version_is_13(conn->version)      ? "TLS 1.3"
			 : conn->version == TLS_VERSION_TLS12 ? "TLS 1.2"
							 : "other");
	}
	if (row->expect)
		expect_check(row->expect, file_name, conn, f);
	tls_conn_release(conn);
	free(conn);
}

/* One row of the matrix as a line of compact JSON, UTF-8 as it is. */
static void json_row(FILE *fp, const char *url, const char *tls, int http, const char *alpn, bool cert,
		     const struct matrix_row *row, const struct finding *first)
{
	struct json_writer w;
	struct textbuf b;
	jw_line_begin(&w, &b, fp, false, 0);
	w.ascii = false;
	jw_begin_object(&w);
	jw_member_string(&w, "probe", url);
	jw_member_string(&w, "tls", tls);
	jw_member_string(&w, "http", http == 2 ? "2" : "1.1");
	jw_member_string(&w, "alpn", alpn);
	jw_member_bool(&w, "cert", cert);
	jw_member_string(&w, "outcome", row->have ? outcome_name(row->f.outcome.kind) : "");
	jw_member_string(&w, "failed", row->have ? outcome_failure_name(row->f.outcome.failure) : "");
	jw_member_string(&w, "first_finding", first ? first->id : "");
	jw_end_object(&w);
	jw_line_end(&w);
}

static int run_matrix(const struct probe_cfg *cfg, struct analysis *a, struct output *out,
		      struct expect_set *expectations)
{
	bool has_cert = cfg->cert || cfg->pfx;
	FILE *fp = out->fp;
	if (out->format == FORMAT_TEXT)
		fprintf(fp, "probe %s: one connection per row (frames synthesised from its bytes)\n"
			    "%-8s %-9s %-9s %-5s %-22s %-7s %s\n",
			cfg->url, "TLS", "HTTP", "ALPN", "cert", "outcome", "failed", "first finding");
	int rc = EXIT_OK;
	unsigned index = 0;
	for (int cert = has_cert ? 1 : 0; cert >= 0; cert--) {
		for (int tls = 12; tls <= 13; tls++) {
			for (int http = 1; http <= 2; http++) {
				struct probe_conn pc;
				struct probe_result res;
				struct matrix_row row = { .expect = expectations };
				int prc = probe_once(cfg, cert, tls, http, &pc, &res);
				if (prc != EXIT_OK) {
					probe_conn_release(&pc);
					return prc;
				}
				char name[1200];
				snprintf(name, sizeof name, "probe %s (%s, HTTP/%s, %s)", cfg->url, version_label(tls),
					 http == 2 ? "2" : "1.1", cert ? "cert" : "no cert");
				a->sink = (struct conn_sink){ matrix_take, &row };
				analyze(a, &pc, name, index++);
				a->sink = (struct conn_sink){ NULL, NULL };
				const struct finding *first = row.have && row.f.n ? &row.f.items[0] : NULL;
				if (out->format == FORMAT_TEXT) {
					/* Without a finding, the client's own view says why. */
					char why[sizeof res.ended + sizeof res.tls_error + 32] = "-";
					if (first)
						snprintf(why, sizeof why, "%s", first->id);
					else if (!res.handshake_done || res.tls_error[0])
						snprintf(why, sizeof why, "- (client: %s%s%s)", res.ended,
							 res.tls_error[0] ? "; OpenSSL: " : "", res.tls_error);
					fprintf(fp, "%-8s %-9s %-9s %-5s %-22s %-7s %s\n", version_label(tls),
						http == 2 ? "HTTP/2" : "HTTP/1.1", res.alpn[0] ? res.alpn : "-",
						cert ? "yes" : "no", row.have ? outcome_name(row.f.outcome.kind) : "no TLS",
						row.have ? outcome_failure_name(row.f.outcome.failure) : "-", why);
				} else {
					json_row(fp, cfg->url, version_label(tls), http, res.alpn, cert, &row, first);
				}
				if (!row.have && rc == EXIT_OK)
					rc = EXIT_NO_TLS;
				probe_conn_release(&pc);
			}
		}
	}
	return rc;
}

/* ---- probe_main ------------------------------------------------------------- */

/* --timeout SECONDS (at most an hour) and --max-bytes N. */
static int probe_number(struct probe_cfg *cfg, int c, const char *arg)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(arg, &end, 10);
	if (errno || end == arg || *end || v < 1 || (c == OPT_TIMEOUT && v > 3600)) {
		fprintf(stderr, "mtlsdiag probe: %s: '%s' is not a number from 1%s\n",
			c == OPT_TIMEOUT ? "--timeout" : "--max-bytes", arg, c == OPT_TIMEOUT ? " to 3600" : "");
		return EXIT_INPUT;
	}
	if (c == OPT_TIMEOUT)
		cfg->timeout_ms = (int)v * 1000;
	else
		cfg->max_bytes = (size_t)v;
	return CLI_NEXT;
}

/* probe's own options (cmdline.c takes the report's). */
static int probe_option(void *ctx, int c, const char *arg)
{
	struct probe_cfg *cfg = ctx;
	switch (c) {
	case OPT_CERT: cfg->cert = arg; break;
	case OPT_KEY: cfg->key = arg; break;
	case OPT_PFX: cfg->pfx = arg; break;
	case OPT_PFX_PASS: cfg->pfx_pass = arg; break;
	case OPT_TLS12: cfg->tls = 12; break;
	case OPT_TLS13: cfg->tls = 13; break;
	case OPT_H1: cfg->http = 1; break;
	case OPT_H2: cfg->http = 2; break;
	case OPT_SNI: cfg->sni = arg; break;
	case OPT_CONNECT: cfg->connect = arg; break;
	case OPT_CA: cfg->ca = arg; break;
	case OPT_MATRIX: cfg->matrix = true; break;
	case OPT_WRITE_PCAP: cfg->write_pcap = arg; break;
	case OPT_TIMEOUT:
	case OPT_MAX_BYTES:
		return probe_number(cfg, c, arg);
	case 'h':
		usage(stdout);
		return EXIT_OK;
	default:
		return CLI_NOT_MINE;
	}
	return CLI_NEXT;
}

/* The options, one URL, and the combinations probe refuses. CLI_NEXT, or
 * the exit status to end with. */
static int parse_probe_args(struct probe_cfg *cfg, struct report_args *r, struct options *opt, int argc, char **argv)
{
	static const struct cli_command cmd = { CLI_PROBE, "F:o:qh", probe_option, usage };
	int rc = cli_parse(&cmd, cfg, r, opt, argc, argv);
	if (rc != CLI_NEXT)
		return rc;
	if (argc - optind != 1) {
		fprintf(stderr, "mtlsdiag probe: one URL, https://HOST[:PORT][/PATH] (try mtlsdiag probe --help)\n");
		return EXIT_INPUT;
	}
	cfg->url = argv[optind];
	if (parse_url(cfg, cfg->url) != 0)
		return EXIT_INPUT;
	if (cfg->pfx && (cfg->cert || cfg->key)) {
		fprintf(stderr, "mtlsdiag probe: --pfx holds the certificate and key: not with --cert or --key\n");
		return EXIT_INPUT;
	}
	if (cfg->key && !cfg->cert) {
		fprintf(stderr, "mtlsdiag probe: --key needs --cert\n");
		return EXIT_INPUT;
	}
	if (cfg->matrix && (cfg->write_pcap || cfg->tls || cfg->http == 2)) {
		fprintf(stderr, "mtlsdiag probe: --matrix runs every version and protocol; it takes no --write-pcap, "
				"--tls1.x or --http2\n");
		return EXIT_INPUT;
	}
	return CLI_NEXT;
}

/* One connection as the options ask: the client's view, the capture
 * (--write-pcap), the report or the expectations' verdict. */
static int run_single(const struct probe_cfg *cfg, struct analysis *a, struct output *out,
		      struct expect_set *expectations)
{
	struct probe_conn pc;
	struct probe_result res;
	bool with_cert = cfg->cert || cfg->pfx;
	bool quiet = a->opt.quiet;
	int rc = probe_once(cfg, with_cert, cfg->tls, cfg->http, &pc, &res);
	if (rc == EXIT_OK) {
		if (!quiet)
			print_header(out->format == FORMAT_TEXT && !expectations ? out->fp : stderr, cfg, &pc, &res,
				     with_cert, cfg->tls, cfg->http);
		if (cfg->write_pcap && write_capture(&pc, cfg->write_pcap) != 0)
			rc = EXIT_INPUT;
		else if (cfg->write_pcap && !quiet)
			fprintf(stderr, "mtlsdiag probe: saved %s and %s.keylog\n", cfg->write_pcap, cfg->write_pcap);
		char name[1100];
		snprintf(name, sizeof name, "probe %s", cfg->url);
		if (expectations)
			a->sink = (struct conn_sink){ expect_take, expectations };
		analyze(a, &pc, name, 0);
		a->sink = (struct conn_sink){ NULL, NULL };
		if (!quiet && !expectations)
			output_run_summary(out, &a->total, 1);
		if (rc == EXIT_OK && a->total.traffic.tls_conns == 0) {
			fprintf(stderr, "mtlsdiag probe: %s: no TLS connection (the server at %s did not answer "
					"with TLS)\n", cfg->url, res.peer);
			rc = EXIT_NO_TLS;
		}
	}
	probe_conn_release(&pc);
	return rc;
}

/* The report's file and colour. 0, or -1 with the reason on stderr. */
static int open_report(const struct report_args *r, const struct options *opt, struct output *out,
		       struct report_stream *report)
{
	*out = (struct output){ .fp = stdout, .format = opt->format, .flush_each = true };
	if (opt->output_path && !(out->fp = privs_fopen_report("-o", opt->output_path, 0644)))
		return -1;
	report_stream_open(report, out->fp);
	out->fp = report->fp;
	out->color = report_color(r, opt, !opt->output_path && isatty(STDOUT_FILENO));
	return 0;
}

int probe_main(int argc, char **argv)
{
	struct probe_cfg cfg = { .http = 1, .timeout_ms = PROBE_DEFAULT_TIMEOUT_S * 1000,
				 .max_bytes = PROBE_DEFAULT_MAX_BYTES };
	struct options opt;
	options_defaults(&opt);
	struct report_args r;
	report_args_init(&r, "mtlsdiag probe", FORMAT_JSON_PRETTY);
	int rc = parse_probe_args(&cfg, &r, &opt, argc, argv);
	if (rc != CLI_NEXT)
		return rc;
	struct expect_set *expectations;
	struct trust_store *trust;
	if (report_args_load(&r, &opt, &expectations, &trust) != 0)
		return EXIT_INPUT;
	struct output out;
	struct report_stream report;
	if (open_report(&r, &opt, &out, &report) != 0) {
		trust_store_free(trust);
		expect_free(expectations);
		return EXIT_INPUT;
	}
	struct analysis a;
	analysis_init(&a, &opt, &out);
	rc = cfg.matrix ? run_matrix(&cfg, &a, &out, expectations) : run_single(&cfg, &a, &out, expectations);
	if (expectations) {
		bool held = expect_report(expectations, &out, opt.quiet);
		if (rc == EXIT_OK || rc == EXIT_NO_TLS)
			rc = held ? EXIT_OK : EXIT_FINDINGS;
	}
	if (rc == EXIT_OK && report_fails(&opt, a.total.worst_severity))
		rc = EXIT_FINDINGS;
	analysis_release(&a);
	expect_free(expectations);
	trust_store_free(trust);
	int write_error = report_stream_close(&report);
	if (write_error) {
		fprintf(stderr, "mtlsdiag probe: writing the report: %s\n", strerror(write_error));
		rc = EXIT_INPUT;
		if (report.under != stdout)
			fclose(report.under);
	} else if (report.under != stdout && fclose(report.under) != 0) {
		fprintf(stderr, "mtlsdiag probe: %s: %s\n", opt.output_path, strerror(errno));
		rc = EXIT_INPUT;
	}
	return rc;
}
