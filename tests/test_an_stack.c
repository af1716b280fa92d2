/* test_an_stack.c - which software a connection shows, on the samples
 * (real OpenSSL handshakes) run through the analyzer's collect path:
 *  - the client comes out as OpenSSL from its ClientHello, with that
 *    evidence, and its JA4 equals the one tests/support/ja4_tshark.py
 *    computes from tshark's dissection (skipped, with the reason, without
 *    tshark or python3);
 *  - the server comes out as OpenSSL from its CertificateRequest, and a
 *    server that renegotiates after the request shows that trait;
 *  - decrypted HTTP facts, as conn.c records them, outrank every TLS trait:
 *    the Server header, the servers' own error pages (strings the servers
 *    write, ../shared/reference/stack-facts.md), the User-Agent;
 *  - the IP TTL alone names Windows with low confidence;
 *  - --server/--client override and keep what the capture suggested. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/analysis.h"
#include "diagnosis/compare.h"
#include "output/output.h"
#include "capture/source.h"
#include "diagnosis/stack.h"
#include "support/collect_file.h"
#include "support/suite_run.h"

/* Every connection of path (at least one) in l. */
static void collect_some(const char *path, struct conn_list *l)
{
	collect_list(path, l);
	ck_assert_uint_ge(l->n, 1);
}

/* The independent JA4 of stream 0, or "" when it cannot be computed here
 * (the reason is printed once). */
static void independent_ja4(const char *path, char *out, size_t outsz)
{
	static bool told;
	char cmd[512];
	out[0] = '\0';
	if (system("command -v tshark >/dev/null 2>&1 && command -v python3 >/dev/null 2>&1") != 0) {
		if (!told)
			printf("SKIP JA4 comparison: needs tshark and python3\n");
		told = true;
		return;
	}
	snprintf(cmd, sizeof cmd, "python3 tests/support/ja4_tshark.py '%s' 2>/dev/null", path);
	FILE *p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	unsigned long stream;
	char ja4[64];
	while (fscanf(p, "%lu %63s", &stream, ja4) == 2)
		if (stream == 0) {
			snprintf(out, outsz, "%s", ja4);
			break;
		}
	pclose(p);
	ck_assert_msg(out[0], "%s: the tshark-based script found no ClientHello", path);
}

static const char *const openssl_samples[] = {
	"samples/tls12-mutual-ok.pcap",
	"samples/tls12-empty-ca-list.pcap",
	"samples/tls13-post-handshake-auth.pcap",
	"samples/tls12-reneg-late-request.pcap",
	"samples/transport-ipv6.pcap",
};

START_TEST(openssl_client_and_ja4)
{
	const char *path = openssl_samples[_i];
	struct conn_list l;
	char want[64];

	collect_some(path, &l);
	const struct stack_id *s = &l.items[0].findings.stack;
	ck_assert_msg(s->client.kind == CLIENT_OPENSSL, "%s: client %s (%s)", path,
		      client_kind_name((enum client_kind)s->client.kind), s->client.evidence);
	ck_assert_int_ge(s->client.confidence, CONFIDENCE_MEDIUM);
	ck_assert(!s->client.overridden);
	ck_assert_ptr_nonnull(strstr(s->client.evidence, "encrypt_then_mac offered"));
	ck_assert_ptr_nonnull(strstr(s->client.evidence, "signature algorithms in OpenSSL's order"));
	ck_assert_uint_eq(strlen(s->ja4), 36);
	independent_ja4(path, want, sizeof want);
	if (want[0])
		ck_assert_str_eq(s->ja4, want);
	conn_list_release(&l);
}
END_TEST

/* The PHA sample's client offers post_handshake_auth; the others do not. */
START_TEST(pha_trait)
{
	struct conn_list l;
	collect_some("samples/tls13-post-handshake-auth.pcap", &l);
	ck_assert_ptr_nonnull(strstr(l.items[0].findings.stack.client.evidence, "post_handshake_auth offered"));
	conn_list_release(&l);
	collect_some("samples/tls12-mutual-ok.pcap", &l);
	ck_assert_ptr_null(strstr(l.items[0].findings.stack.client.evidence, "post_handshake_auth"));
	conn_list_release(&l);
}
END_TEST

START_TEST(server_traits)
{
	struct conn_list l;
	const struct stack_guess *g;

	collect_some("samples/tls12-mutual-ok.pcap", &l);
	g = &l.items[0].findings.stack.server;
	ck_assert_int_eq(g->kind, SERVER_OPENSSL);
	ck_assert_int_eq(g->confidence, CONFIDENCE_LOW);
	ck_assert_ptr_nonnull(strstr(g->evidence, "CertificateRequest signature algorithms in OpenSSL's order"));
	ck_assert_ptr_nonnull(strstr(g->evidence, "IP TTL 64 (Linux/Unix)"));
	conn_list_release(&l);

	collect_some("samples/tls12-empty-ca-list.pcap", &l);
	g = &l.items[0].findings.stack.server;
	ck_assert_int_eq(g->kind, SERVER_OPENSSL);
	ck_assert_int_eq(g->confidence, CONFIDENCE_MEDIUM);
	ck_assert_ptr_nonnull(strstr(g->evidence, "empty CA list"));
	conn_list_release(&l);

	/* Without keys the renegotiation is seen, not the request inside it. */
	collect_some("samples/tls12-reneg-late-request.pcap", &l);
	g = &l.items[0].findings.stack.server;
	ck_assert_ptr_nonnull(strstr(g->evidence, "renegotiation started by the server after the request"));
	ck_assert_int_ne(g->kind, SERVER_IIS); /* TTL 64 is no Windows host */
	conn_list_release(&l);
}
END_TEST

/* A real connection with decrypted HTTP facts added as conn.c keeps them. */
static struct tls_conn *with_http(struct conn_list *l, const char *server, const char *page, const char *agent)
{
	collect_some("samples/tls12-mutual-ok.pcap", l);
	struct tls_conn *c = l->items[0].conn;
	free(c->http);
	c->http = calloc(1, sizeof *c->http);
	ck_assert_ptr_nonnull(c->http);
	c->http->n = 1;
	c->http->ex[0].version = 1;
	c->http->ex[0].request_frame = 12;
	c->http->ex[0].response_frame = 14;
	c->http->ex[0].status = 400;
	snprintf(c->http->server, sizeof c->http->server, "%s", server);
	snprintf(c->http->error_page, sizeof c->http->error_page, "%s", page);
	c->http->error_page_frame = page[0] ? 14 : 0;
	snprintf(c->http->user_agent, sizeof c->http->user_agent, "%s", agent);
	return c;
}

START_TEST(decrypted_http_first)
{
	struct conn_list l;
	struct stack_id s;
	struct tls_conn *c;

	c = with_http(&l, "nginx/1.22.1", "", "curl/8.5.0");
	stack_identify(c, NULL, NULL, &s);
	ck_assert_int_eq(s.server.kind, SERVER_NGINX);
	ck_assert_int_eq(s.server.confidence, CONFIDENCE_HIGH);
	ck_assert_str_eq(s.server.evidence, "Server: nginx/1.22.1 (decrypted, frame 14)");
	ck_assert_int_eq(s.client.kind, CLIENT_OPENSSL);
	ck_assert_int_eq(s.client.confidence, CONFIDENCE_HIGH);
	ck_assert_str_eq(s.client.evidence, "User-Agent: curl/8.5.0 (decrypted, frame 12)");
	conn_list_release(&l);

	static const struct {
		const char *server, *page;
		enum server_kind want;
	} cases[] = {
		{ "", "400 No required SSL certificate was sent", SERVER_NGINX },
		{ "", "400 The SSL certificate error", SERVER_NGINX },
		{ "Microsoft-IIS/10.0", "", SERVER_IIS },
		{ "Microsoft-HTTPAPI/2.0", "", SERVER_IIS },
		{ "", "HTTP Error 403.7 - Forbidden", SERVER_IIS },
		{ "", "403 Forbidden Request forbidden by administrative rules.", SERVER_HAPROXY },
		{ "Apache/2.4.62 (Debian)", "", SERVER_APACHE },
		{ "Apache-Coyote/1.1", "", SERVER_JAVA },
		{ "", "HTTP Status 401 \xe2\x80\x93 Unauthorized", SERVER_JAVA },
		{ "envoy", "", SERVER_ENVOY },
		{ "Kestrel", "", SERVER_KESTREL },
		/* Letters either case, the name anywhere. */
		{ "microsoft-iis/10.0", "", SERVER_IIS },
		{ "APACHE/2.4.62", "", SERVER_APACHE },
		{ "behind Kestrel", "", SERVER_KESTREL },
		{ "", "400 no required ssl CERTIFICATE was sent", SERVER_NGINX },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		c = with_http(&l, cases[i].server, cases[i].page, "");
		stack_identify(c, NULL, NULL, &s);
		ck_assert_msg(s.server.kind == (int)cases[i].want && s.server.confidence == CONFIDENCE_HIGH,
			      "case %zu: %s (%s)", i, server_kind_name((enum server_kind)s.server.kind), s.server.evidence);
		/* No User-Agent: the ClientHello decides. */
		ck_assert_int_eq(s.client.kind, CLIENT_OPENSSL);
		ck_assert_int_eq(s.client.confidence, CONFIDENCE_MEDIUM);
		conn_list_release(&l);
	}

	c = with_http(&l, "gws", "",
		      "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
		      "Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0");
	stack_identify(c, NULL, NULL, &s);
	ck_assert_int_eq(s.client.kind, CLIENT_CHROMIUM);
	/* An unknown Server header is said, and the TLS traits decide. */
	ck_assert_int_eq(s.server.kind, SERVER_OPENSSL);
	ck_assert_int_eq(s.server.confidence, CONFIDENCE_LOW);
	ck_assert_int_eq(strncmp(s.server.evidence, "Server: gws (not a known kind), CertificateRequest", 50), 0);
	conn_list_release(&l);
	/* A name cut short, or broken by one letter, is no name. */
	static const char *const near_misses[] = { "Kestre", "Kestrol", "kkestrl", "" };
	for (size_t i = 0; i < sizeof near_misses / sizeof near_misses[0]; i++) {
		c = with_http(&l, near_misses[i], "", "");
		stack_identify(c, NULL, NULL, &s);
		ck_assert_msg(s.server.confidence != CONFIDENCE_HIGH, "'%s' taken: %s", near_misses[i], s.server.evidence);
		conn_list_release(&l);
	}
	c = with_http(&l, "", "", "Wget2/2.1");
	stack_identify(c, NULL, NULL, &s);
	ck_assert_int_eq(s.client.kind, CLIENT_OPENSSL); /* "Wget" */
	c->http->user_agent[0] = 'X';
	stack_identify(c, NULL, NULL, &s);
	ck_assert_int_eq(s.client.kind, CLIENT_OPENSSL); /* from the ClientHello */
	ck_assert_int_eq(s.client.confidence, CONFIDENCE_MEDIUM);
	ck_assert_int_eq(strncmp(s.client.evidence, "User-Agent: Xget2/2.1 (not a known kind), encrypt_then_mac", 58), 0);
	conn_list_release(&l);
}
END_TEST

START_TEST(ttl_alone)
{
	struct conn_list l;
	struct stack_id s;

	collect_some("samples/tls12-mutual-ok.pcap", &l);
	struct tls_conn *c = l.items[0].conn;
	c->have_client_hello = false; /* nothing of the client's TLS left */
	stack_identify(c, NULL, NULL, &s);
	ck_assert_str_eq(s.ja4, "");
	ck_assert_int_eq(s.client.kind, CLIENT_SCHANNEL); /* the samples' client TTL is 128 */
	ck_assert_int_eq(s.client.confidence, CONFIDENCE_LOW);
	ck_assert_str_eq(s.client.evidence, "IP TTL 128 (Windows)");
	size_t n_requests = c->n_requests;
	c->n_requests = 0; /* and of the server's, only its TTL 64: no guess */
	stack_identify(c, NULL, NULL, &s);
	ck_assert_int_eq(s.server.kind, SERVER_UNKNOWN);
	ck_assert_int_eq(s.server.confidence, CONFIDENCE_NONE);
	ck_assert_str_eq(s.server.evidence, "IP TTL 64 (Linux/Unix)");
	c->usual_ttl[SIDE_SERVER] = 125;
	stack_identify(c, NULL, NULL, &s);
	ck_assert_int_eq(s.server.kind, SERVER_IIS);
	ck_assert_int_eq(s.server.confidence, CONFIDENCE_LOW);
	ck_assert_str_eq(s.server.evidence, "IP TTL 125 (from 128: Windows)");
	c->n_requests = n_requests; /* released with the connection */
	conn_list_release(&l);
}
END_TEST

START_TEST(overrides)
{
	struct conn_list l;
	struct stack_id s;
	struct stack_overrides ov = { SERVER_APACHE, CLIENT_JAVA };

	collect_some("samples/tls12-mutual-ok.pcap", &l);
	stack_identify(l.items[0].conn, &ov, NULL, &s);
	ck_assert_int_eq(s.server.kind, SERVER_APACHE);
	ck_assert(s.server.overridden);
	ck_assert_int_eq(s.server.confidence, CONFIDENCE_HIGH);
	ck_assert_str_eq(s.server.evidence, "--server; the capture suggested openssl (low)");
	ck_assert_int_eq(s.client.kind, CLIENT_JAVA);
	ck_assert_str_eq(s.client.evidence, "--client; the capture suggested openssl (medium)");
	ck_assert_uint_eq(strlen(s.ja4), 36); /* the fingerprint stays what the wire shows */
	ov = (struct stack_overrides){ SERVER_UNKNOWN, CLIENT_UNKNOWN };
	stack_identify(l.items[0].conn, &ov, NULL, &s);
	ck_assert(!s.server.overridden && !s.client.overridden);
	conn_list_release(&l);

	enum server_kind sk;
	enum client_kind ck;
	ck_assert_int_eq(server_kind_parse("kestrel", &sk), 0);
	ck_assert_int_eq(sk, SERVER_KESTREL);
	ck_assert_int_eq(server_kind_parse("IIS", &sk), -1);
	ck_assert_int_eq(client_kind_parse("python", &ck), 0);
	ck_assert_int_eq(ck, CLIENT_PYTHON);
}
END_TEST

SUITE_MAIN("stack", false, LOOP_CASE("stack", 60, N_TESTS(openssl_samples), openssl_client_and_ja4),
	   CASE("stack", 60, pha_trait, server_traits, decrypted_http_first, ttl_alone, overrides))
