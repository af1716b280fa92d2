/* test_an_before_request.c - handshakes that fail before the server asks
 * for a client certificate, through the whole analyzer and diagnosis.
 *
 * Real OpenSSL handshakes (tests/support) go into the probe's frame
 * synthesiser (probe_tap.c) in the order they cross a connection:
 * - a client that verifies the server against an empty trust store sends
 *   a fatal unknown_ca alert, in the clear in TLS 1.3 too (it has not
 *   switched to its handshake keys yet): CLIENT_REJECTED_SERVER_CERT,
 *   first, naming the alert (and in TLS 1.2 the server's certificate);
 * - a server that closes (FIN) or resets after the ClientHello, saying
 *   nothing: SERVER_CLOSED_AFTER_HELLO, naming the port, with the outcome
 *   blaming the server's close even when the client then sends an alert;
 * - a server that answers the ClientHello with text (plain HTTP, an SSH
 *   banner): SERVER_NOT_TLS, quoting the first line and naming the
 *   protocol;
 * - a client that gives up itself after its ClientHello, and a handshake
 *   that works, get none of these;
 * - a connection that worked, left by the client without close_notify, to
 *   which OpenSSL 3's server answers with a fatal alert: still a success. */
#include <check.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <openssl/ssl.h>

#include "cli/analysis.h"
#include "cli/probe_tap.h"
#include "keylog.h"
#include "tls_names.h"
#include "output/output.h"
#include "support/live_handshake.h"
#include "support/suite_run.h"

struct verdict {
	unsigned conns;
	enum outcome_kind outcome;
	enum outcome_failure failure;
	char reason[256];
	size_t n_findings;
	char first_id[64];
	enum severity first_severity;
	char first_message[512];
	char first_remedy[1024];
	bool has_rejected, has_closed, has_not_tls;
	unsigned fatal_server_alerts;
};

static void take(void *ctx, const char *file_name, struct tls_conn *c, const struct findings *f)
{
	struct verdict *v = ctx;
	v->conns++;
	v->outcome = f->outcome.kind;
	v->failure = f->outcome.failure;
	snprintf(v->reason, sizeof v->reason, "%s", f->outcome.reason);
	v->n_findings = f->n;
	if (f->n) {
		snprintf(v->first_id, sizeof v->first_id, "%s", f->items[0].id);
		v->first_severity = f->items[0].severity;
		snprintf(v->first_message, sizeof v->first_message, "%s", f->items[0].message);
		snprintf(v->first_remedy, sizeof v->first_remedy, "%s", f->items[0].remedy);
	}
	for (size_t i = 0; i < c->n_alerts; i++)
		v->fatal_server_alerts += c->alerts[i].from == SIDE_SERVER && !c->alerts[i].encrypted &&
					  c->alerts[i].level == TLS_ALERT_LEVEL_FATAL;
	for (size_t i = 0; i < f->n; i++) {
		v->has_rejected |= f->items[i].code == FINDING_CLIENT_REJECTED_SERVER_CERT;
		v->has_closed |= f->items[i].code == FINDING_SERVER_CLOSED_AFTER_HELLO;
		v->has_not_tls |= f->items[i].code == FINDING_SERVER_NOT_TLS;
	}
	tls_conn_release(c);
	free(c);
}

/* The tap's frames through an analyzer (with the client's key log when
 * given), its one connection's verdict into *v. */
static void analyse_with_keys(struct probe_tap *t, const struct lh_result *keys, struct verdict *v)
{
	struct options opt;
	options_defaults(&opt);
	opt.quiet = true;
	struct output out = { 0 };
	out.fp = fopen("/dev/null", "w");
	out.format = FORMAT_TEXT;
	ck_assert_ptr_nonnull(out.fp);
	struct analysis *a = malloc(sizeof *a);
	ck_assert_ptr_nonnull(a);
	analysis_init(a, &opt, &out);
	if (keys) {
		a->an.keylog = keylog_new();
		ck_assert_uint_gt(keylog_parse(a->an.keylog, (const uint8_t *)keys->keylog, keys->keylog_len, NULL, NULL),
				  0);
	}
	a->sink = (struct conn_sink){ take, v };
	analysis_begin_file(a, "tap", 0);
	probe_tap_feed(t, &a->an);
	analysis_end_file(a);
	analysis_release(a);
	free(a);
	fclose(out.fp);
}

static void analyse(struct probe_tap *t, struct verdict *v)
{
	analyse_with_keys(t, NULL, v);
}

static struct probe_tap *new_tap(uint16_t server_port)
{
	struct probe_endpoint client = { .family = AF_INET, .port = 50123 };
	struct probe_endpoint server = { .family = AF_INET, .port = server_port };
	memcpy(client.addr, "\xc0\x00\x02\x01", 4);
	memcpy(server.addr, "\xc6\x33\x64\x14", 4);
	struct probe_tap *t = probe_tap_new(&client, &server, 1u << 20);
	ck_assert_ptr_nonnull(t);
	return t;
}

static const int64_t T0 = 1764800000LL * 1000000000LL;

/* The client's first record: its ClientHello. */
static size_t hello_len(const struct lh_result *res)
{
	ck_assert_uint_gt(res->c2s_len, 5);
	size_t n = 5 + ((size_t)res->c2s[3] << 8 | res->c2s[4]);
	ck_assert_uint_le(n, res->c2s_len);
	return n;
}

/* A connection to server_port that has carried the client's ClientHello
 * and nothing else yet. */
static struct probe_tap *tap_after_hello(const struct lh_result *res, uint16_t server_port)
{
	struct probe_tap *t = new_tap(server_port);
	ck_assert_int_eq(probe_tap_open(t, T0), 0);
	ck_assert_int_eq(probe_tap_data(t, false, res->c2s, hello_len(res), T0 + 1000), 0);
	return t;
}

/* The exchange as it crossed the wire: ClientHello, the server's flight,
 * the rest of the client's bytes, then both FINs. */
static struct probe_tap *play(const struct lh_result *res)
{
	size_t hello = hello_len(res);
	struct probe_tap *t = tap_after_hello(res, 443);
	ck_assert_int_eq(probe_tap_data(t, true, res->s2c, res->s2c_len, T0 + 2000), 0);
	if (res->c2s_len > hello)
		ck_assert_int_eq(probe_tap_data(t, false, res->c2s + hello, res->c2s_len - hello, T0 + 3000), 0);
	ck_assert_int_eq(probe_tap_close(t, false, false, T0 + 4000), 0);
	ck_assert_int_eq(probe_tap_close(t, true, false, T0 + 5000), 0);
	return t;
}

START_TEST(test_client_refuses_server)
{
	bool tls13 = _i == 1;
	struct lh_opts o = { .max_version = tls13 ? TLS1_3_VERSION : TLS1_2_VERSION, .client_verifies_server = true,
			     .sni = "app.example.com" };
	struct lh_result res;
	ck_assert_int_eq(lh_run(&o, &res), 0);
	ck_assert(!res.client_ok);
	struct probe_tap *t = play(&res);
	struct verdict v = { 0 };
	analyse(t, &v);
	ck_assert_uint_eq(v.conns, 1);
	/* TLS 1.3 hides whether the server asked: the outcome says so. */
	ck_assert_int_eq(v.outcome, tls13 ? OUTCOME_UNKNOWN : OUTCOME_FAILED_BEFORE_REQUEST);
	ck_assert_int_eq(v.failure, FAILURE_YES);
	ck_assert_str_eq(v.first_id, "CLIENT_REJECTED_SERVER_CERT");
	ck_assert_int_eq(v.first_severity, SEV_ERROR);
	ck_assert_msg(strstr(v.first_message, "fatal unknown_ca alert") != NULL, "%s", v.first_message);
	ck_assert_msg(strstr(v.first_message, "does not trust the CA") != NULL, "%s", v.first_message);
	/* TLS 1.2 shows the server's certificate in the clear. */
	if (!tls13)
		ck_assert_msg(strstr(v.first_message, "The server showed ") != NULL, "%s", v.first_message);
	ck_assert_msg(strstr(v.first_remedy, "app.example.com") != NULL, "%s", v.first_remedy);
	ck_assert(!v.has_closed);
	probe_tap_free(t);
	lh_result_free(&res);
}
END_TEST

/* A ClientHello, then the server ends the connection without a word;
 * the client may complain after that with an alert of its own (OpenSSL
 * sends decode_error), which is not the cause. */
START_TEST(test_server_closes_after_hello)
{
	bool reset = _i & 1, client_complains = _i & 2;
	static const uint8_t decode_error[] = { 0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x32 };
	struct lh_opts o = { .max_version = TLS1_3_VERSION, .sni = "app.example.com" };
	struct lh_result res;
	ck_assert_int_eq(lh_run(&o, &res), 0);
	struct probe_tap *t = tap_after_hello(&res, 8080);
	ck_assert_int_eq(probe_tap_close(t, true, reset, T0 + 2000), 0);
	if (client_complains && !reset)
		ck_assert_int_eq(probe_tap_data(t, false, decode_error, sizeof decode_error, T0 + 2500), 0);
	if (!reset)
		ck_assert_int_eq(probe_tap_close(t, false, false, T0 + 3000), 0);
	struct verdict v = { 0 };
	analyse(t, &v);
	ck_assert_uint_eq(v.conns, 1);
	ck_assert_int_eq(v.outcome, OUTCOME_FAILED_BEFORE_REQUEST);
	ck_assert_msg(strstr(v.reason, reset ? "(rst by the server)" : "(fin by the server)") != NULL, "%s", v.reason);
	ck_assert_str_eq(v.first_id, "SERVER_CLOSED_AFTER_HELLO");
	ck_assert_int_eq(v.first_severity, SEV_ERROR);
	ck_assert_msg(strstr(v.first_message, reset ? "server reset" : "server closed") != NULL, "%s", v.first_message);
	ck_assert_msg(strstr(v.first_message, "port 8080") != NULL, "%s", v.first_message);
	ck_assert_msg(strstr(v.first_remedy, "-connect <server>:8080, with -servername and the name the client asked "
					     "for (app.example.com)") != NULL,
		      "%s", v.first_remedy);
	ck_assert(!v.has_rejected && !v.has_not_tls);
	probe_tap_free(t);
	lh_result_free(&res);
}
END_TEST

/* The server answers the ClientHello in another protocol, then closes. */
START_TEST(test_server_answers_in_text)
{
	static const struct {
		const char *reply, *line, *protocol;
	} cases[] = {
		{ "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n", "\"HTTP/1.1 400 Bad Request\"", "plain HTTP" },
		{ "SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n", "\"SSH-2.0-OpenSSH_9.2p1 Debian-2\"", "serves SSH" },
	};
	struct lh_opts o = { .max_version = TLS1_3_VERSION };
	struct lh_result res;
	ck_assert_int_eq(lh_run(&o, &res), 0);
	struct probe_tap *t = tap_after_hello(&res, 8443);
	const char *reply = cases[_i].reply;
	ck_assert_int_eq(probe_tap_data(t, true, (const uint8_t *)reply, strlen(reply), T0 + 2000), 0);
	ck_assert_int_eq(probe_tap_close(t, true, false, T0 + 3000), 0);
	ck_assert_int_eq(probe_tap_close(t, false, false, T0 + 4000), 0);
	struct verdict v = { 0 };
	analyse(t, &v);
	ck_assert_uint_eq(v.conns, 1);
	ck_assert_int_eq(v.failure, FAILURE_YES);
	ck_assert_str_eq(v.first_id, "SERVER_NOT_TLS");
	ck_assert_int_eq(v.first_severity, SEV_ERROR);
	ck_assert_msg(strstr(v.first_message, cases[_i].line) != NULL, "%s", v.first_message);
	ck_assert_msg(strstr(v.first_message, cases[_i].protocol) != NULL, "%s", v.first_message);
	ck_assert_msg(strstr(v.first_message, "Port 8443") != NULL, "%s", v.first_message);
	ck_assert_msg(strstr(v.first_remedy, "port 8443") != NULL, "%s", v.first_remedy);
	ck_assert(!v.has_closed && !v.has_rejected);
	probe_tap_free(t);
	lh_result_free(&res);
}
END_TEST

/* The client gives up itself after its ClientHello: not the server's doing. */
START_TEST(test_client_closes_after_hello)
{
	struct lh_opts o = { .max_version = TLS1_3_VERSION };
	struct lh_result res;
	ck_assert_int_eq(lh_run(&o, &res), 0);
	struct probe_tap *t = tap_after_hello(&res, 443);
	ck_assert_int_eq(probe_tap_close(t, false, false, T0 + 2000), 0);
	ck_assert_int_eq(probe_tap_close(t, true, false, T0 + 3000), 0);
	struct verdict v = { 0 };
	analyse(t, &v);
	ck_assert_uint_eq(v.conns, 1);
	ck_assert_int_eq(v.outcome, OUTCOME_FAILED_BEFORE_REQUEST);
	ck_assert(!v.has_closed && !v.has_rejected && !v.has_not_tls);
	probe_tap_free(t);
	lh_result_free(&res);
}
END_TEST

/* A connection that worked, which the client leaves without close_notify:
 * OpenSSL 3's server answers the end with a fatal decode_error alert,
 * after it had served the client. Not a refusal: the outcome stays a
 * success, seen through the key log. */
START_TEST(test_alert_after_client_leaves)
{
	struct lh_opts o = { .max_version = TLS1_2_VERSION, .client_leaves = true,
			     .tls12_ciphers = "ECDHE-ECDSA-AES256-GCM-SHA384" };
	struct lh_result res;
	ck_assert_int_eq(lh_run(&o, &res), 0);
	ck_assert(res.client_ok);
	ck_assert_uint_gt(res.s2c_after_leave, 0);
	ck_assert_uint_gt(res.s2c_len, res.s2c_after_leave); /* the server wrote its alert */
	size_t hello = hello_len(&res);
	struct probe_tap *t = tap_after_hello(&res, 443);
	ck_assert_int_eq(probe_tap_data(t, true, res.s2c, res.s2c_after_leave, T0 + 2000), 0);
	ck_assert_int_eq(probe_tap_data(t, false, res.c2s + hello, res.c2s_len - hello, T0 + 3000), 0);
	ck_assert_int_eq(probe_tap_close(t, false, false, T0 + 4000), 0);
	ck_assert_int_eq(probe_tap_data(t, true, res.s2c + res.s2c_after_leave, res.s2c_len - res.s2c_after_leave,
				       T0 + 5000),
			 0);
	ck_assert_int_eq(probe_tap_close(t, true, false, T0 + 6000), 0);
	struct verdict v = { 0 };
	analyse_with_keys(t, &res, &v);
	ck_assert_uint_eq(v.conns, 1);
	ck_assert_uint_eq(v.fatal_server_alerts, 1); /* the alert is there, decrypted */
	ck_assert_int_eq(v.outcome, OUTCOME_NOT_REQUESTED);
	ck_assert_int_eq(v.failure, FAILURE_NO);
	probe_tap_free(t);
	lh_result_free(&res);
}
END_TEST

/* A handshake that works, with a certificate asked and sent: neither. */
START_TEST(test_working_handshake)
{
	struct lh_opts o = { .max_version = TLS1_2_VERSION, .request_cert = true, .require_cert = true,
			     .client_has_cert = true, .client_sends_chain = true, .server_trusts_client_ca = true };
	struct lh_result res;
	ck_assert_int_eq(lh_run(&o, &res), 0);
	ck_assert(res.client_ok && res.server_ok);
	struct probe_tap *t = play(&res);
	struct verdict v = { 0 };
	analyse(t, &v);
	ck_assert_uint_eq(v.conns, 1);
	ck_assert_int_eq(v.outcome, OUTCOME_AUTHENTICATED);
	ck_assert(!v.has_closed && !v.has_rejected && !v.has_not_tls);
	probe_tap_free(t);
	lh_result_free(&res);
}
END_TEST

SUITE_MAIN("an_before_request", false,
	   LOOP_CASE("client refuses the server", 30, 2, test_client_refuses_server),
	   LOOP_CASE("server closes after the hello", 30, 4, test_server_closes_after_hello),
	   LOOP_CASE("server answers in text", 30, 2, test_server_answers_in_text),
	   CASE("client closes after the hello", 30, test_client_closes_after_hello),
	   CASE("a working handshake", 30, test_working_handshake),
	   CASE("an alert after the client leaves", 30, test_alert_after_client_leaves))
