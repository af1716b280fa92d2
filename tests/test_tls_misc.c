/* The small messages and alerts, from real OpenSSL handshakes where a real
 * one can be had (including real rejections), and by hand for bounds. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/ssl.h>

#include "support/live_handshake.h"
#include "tls_handshake.h"
#include "tls_names.h"
#include "support/suite_run.h"

static const struct lh_msg *msg(const struct lh_result *res, bool from_server, uint8_t type)
{
	const struct lh_msg *m = lh_find(res, from_server, type, 0);

	ck_assert_msg(m != NULL, "no %s from the %s", tls_hs_type_name(type), from_server ? "server" : "client");
	return m;
}

/* The message of `type` as it went on the wire (cleartext before TLS
 * 1.3), header included; the caller frees it. */
static uint8_t *on_wire(const struct lh_result *res, bool from_server, uint8_t type, size_t *len)
{
	uint8_t *w = lh_wire_msg(res, from_server, type, len);
	ck_assert_msg(w != NULL, "no %s on the wire from the %s", tls_hs_type_name(type),
		      from_server ? "server" : "client");
	return w;
}

/* An empty-bodied message on the wire that must parse. */
static void on_wire_parses(const struct lh_result *res, bool from_server, uint8_t type,
			   enum dis_status (*parse)(const uint8_t *, size_t))
{
	size_t wl;
	uint8_t *w = on_wire(res, from_server, type, &wl);
	ck_assert_int_eq(parse(w + 4, wl - 4), DIS_OK);
	free(w);
}

START_TEST(live_tls12_messages)
{
	struct lh_opts o = { .max_version = TLS1_2_VERSION, .request_cert = true, .client_has_cert = true,
			     .client_sends_chain = true, .server_trusts_client_ca = true };
	struct lh_result res;
	struct tls_new_session_ticket t;
	struct tls_certificate_verify cv;
	const struct lh_msg *m;
	uint8_t *w;
	size_t wl;

	ck_assert_int_eq(lh_run(&o, &res), 0);
	ck_assert(res.client_ok && res.server_ok);
	/* cleartext on the wire in TLS 1.2 */
	on_wire_parses(&res, true, TLS_HS_SERVER_HELLO_DONE, tls_server_hello_done_parse);
	w = on_wire(&res, true, TLS_HS_NEW_SESSION_TICKET, &wl);
	ck_assert_int_eq(tls_new_session_ticket_parse(w + 4, wl - 4, TLS_VERSION_TLS12, &t), DIS_OK);
	ck_assert_uint_gt(t.lifetime, 0);
	ck_assert_uint_eq(t.ticket_len, wl - 4 - 6);
	ck_assert_int_ne(tls_new_session_ticket_parse(w + 4, wl - 4, TLS_VERSION_TLS13, &t), DIS_OK);
	free(w);
	on_wire_parses(&res, false, TLS_HS_CLIENT_KEY_EXCHANGE, tls_client_key_exchange_parse);
	w = on_wire(&res, false, TLS_HS_CERTIFICATE_VERIFY, &wl);
	ck_assert_int_eq(tls_certificate_verify_parse(w + 4, wl - 4, TLS_VERSION_TLS12, &cv), DIS_OK);
	ck_assert_uint_eq(cv.sig_alg, 0x0403); /* the client key is P-256 */
	ck_assert_uint_eq(cv.sig_len, wl - 4 - 4);
	/* read as TLS 1.1 the algorithm would be taken for a length */
	ck_assert_int_ne(tls_certificate_verify_parse(w + 4, wl - 4, TLS_VERSION_TLS11, &cv), DIS_OK);
	free(w);
	/* Finished is encrypted on the wire; the callback sees it in clear */
	m = msg(&res, true, TLS_HS_FINISHED);
	ck_assert_int_eq(tls_finished_parse(m->data + 4, m->len - 4, TLS_VERSION_TLS12), DIS_OK);
	ck_assert_int_eq(tls_finished_parse(m->data + 4, m->len - 4, TLS_VERSION_SSL3), DIS_INVALID);
	lh_result_free(&res);
}
END_TEST

START_TEST(live_tls13_messages)
{
	struct lh_opts o = { .max_version = TLS1_3_VERSION, .request_cert = true, .client_has_cert = true,
			     .client_sends_chain = true, .server_trusts_client_ca = true,
			     .tls13_suites = "TLS_AES_128_GCM_SHA256" };
	struct lh_result res;
	struct tls_new_session_ticket t;
	struct tls_certificate_verify cv;
	const struct lh_msg *m;

	ck_assert_int_eq(lh_run(&o, &res), 0);
	ck_assert(res.client_ok && res.server_ok);
	m = msg(&res, true, TLS_HS_NEW_SESSION_TICKET);
	ck_assert_int_eq(tls_new_session_ticket_parse(m->data + 4, m->len - 4, TLS_VERSION_TLS13, &t), DIS_OK);
	ck_assert_uint_gt(t.lifetime, 0);
	ck_assert_uint_gt(t.ticket_len, 0);
	m = msg(&res, false, TLS_HS_CERTIFICATE_VERIFY);
	ck_assert_int_eq(tls_certificate_verify_parse(m->data + 4, m->len - 4, TLS_VERSION_TLS13, &cv), DIS_OK);
	ck_assert_uint_eq(cv.sig_alg, 0x0403);
	m = msg(&res, false, TLS_HS_FINISHED);
	ck_assert_uint_eq(m->len - 4, 32); /* SHA-256 suite */
	ck_assert_int_eq(tls_finished_parse(m->data + 4, m->len - 4, TLS_VERSION_TLS13), DIS_OK);
	ck_assert_int_eq(tls_finished_parse(m->data + 4, m->len - 4, TLS_VERSION_TLS11), DIS_INVALID);
	lh_result_free(&res);

	o.tls13_suites = "TLS_AES_256_GCM_SHA384";
	ck_assert_int_eq(lh_run(&o, &res), 0);
	m = msg(&res, true, TLS_HS_FINISHED);
	ck_assert_uint_eq(m->len - 4, 48);
	ck_assert_int_eq(tls_finished_parse(m->data + 4, m->len - 4, TLS_VERSION_TLS13), DIS_OK);
	lh_result_free(&res);
}
END_TEST

/* The server's alert, read from the cleartext TLS 1.2 stream. */
static void wire_alert(const struct lh_opts *o, uint8_t want)
{
	struct lh_result res;
	struct tls_alert a;
	struct rd body;

	ck_assert_int_eq(lh_run(o, &res), 0);
	ck_assert(!res.server_ok);
	ck_assert_int_eq(lh_stream_record(res.s2c, res.s2c_len, 21, 0, &body), 0);
	ck_assert_int_eq(tls_alert_parse(body.p, body.len, &a), DIS_OK);
	ck_assert_str_eq(tls_alert_level_name(a.level), "fatal");
	ck_assert_str_eq(tls_alert_name(a.description), tls_alert_name(want));
	lh_result_free(&res);
}

START_TEST(live_tls12_rejections)
{
	struct lh_opts no_cert = { .max_version = TLS1_2_VERSION, .request_cert = true, .require_cert = true };
	struct lh_opts untrusted = { .max_version = TLS1_2_VERSION, .request_cert = true, .client_has_cert = true,
				     .client_sends_chain = true, .server_trusts_client_ca = false };

	wire_alert(&no_cert, 40);   /* handshake_failure */
	wire_alert(&untrusted, 48); /* unknown_ca */
}
END_TEST

START_TEST(live_tls13_certificate_required)
{
	struct lh_opts o = { .max_version = TLS1_3_VERSION, .request_cert = true, .require_cert = true };
	struct lh_result res;
	struct tls_alert a;
	struct rd body;
	bool seen = false;

	ck_assert_int_eq(lh_run(&o, &res), 0);
	ck_assert(!res.server_ok);
	ck_assert(!res.client_ok);
	/* encrypted on the wire: no cleartext alert record */
	ck_assert_int_ne(lh_stream_record(res.s2c, res.s2c_len, 21, 0, &body), 0);
	for (size_t i = 0; i < res.n_msgs; i++)
		if (res.msgs[i].content_type == 21 && res.msgs[i].from_server) {
			ck_assert_int_eq(tls_alert_parse(res.msgs[i].data, res.msgs[i].len, &a), DIS_OK);
			ck_assert_str_eq(tls_alert_name(a.description), "certificate_required");
			ck_assert_uint_eq(a.level, 2);
			seen = true;
		}
	ck_assert(seen);
	lh_result_free(&res);
}
END_TEST

START_TEST(live_hello_request)
{
	struct lh_opts o = { .max_version = TLS1_2_VERSION, .renegotiate = true, .request_cert = true,
			     .client_has_cert = true, .client_sends_chain = true, .server_trusts_client_ca = true };
	struct lh_result res;
	const struct lh_msg *m;

	ck_assert_int_eq(lh_run(&o, &res), 0);
	m = msg(&res, true, TLS_HS_HELLO_REQUEST);
	ck_assert_uint_eq(m->len, 4);
	ck_assert_int_eq(tls_hello_request_parse(m->data + 4, m->len - 4), DIS_OK);
	/* the client answered with a second ClientHello, encrypted on the wire */
	ck_assert_ptr_nonnull(lh_find(&res, false, TLS_HS_CLIENT_HELLO, 1));
	ck_assert_ptr_null(lh_stream_hs(res.c2s, res.c2s_len, TLS_HS_CLIENT_HELLO, 1, &(size_t){ 0 }));
	lh_result_free(&res);
}
END_TEST

START_TEST(alert_bytes)
{
	struct tls_alert a;

	ck_assert_int_eq(tls_alert_parse((const uint8_t[]){ 1, 0 }, 2, &a), DIS_OK);
	ck_assert_str_eq(tls_alert_name(a.description), "close_notify");
	ck_assert_int_eq(tls_alert_parse((const uint8_t[]){ 2 }, 1, &a), DIS_TRUNCATED);
	ck_assert_int_eq(tls_alert_parse(NULL, 0, &a), DIS_TRUNCATED);
	ck_assert_int_eq(tls_alert_parse((const uint8_t[]){ 2, 42, 0 }, 3, &a), DIS_INVALID);
	ck_assert_int_eq(tls_alert_parse((const uint8_t[]){ 0x17, 42 }, 2, &a), DIS_INVALID);
	ck_assert_uint_eq(a.level, 0x17); /* still filled for the report */
}
END_TEST

START_TEST(small_message_bytes)
{
	static const uint8_t nst13[] = { 0, 0, 0x1c, 0x20, 1, 2, 3, 4, 1, 0xaa, 0, 2, 0xbb, 0xcc, 0, 0 };
	struct tls_new_session_ticket t;
	struct tls_certificate_verify cv;
	uint8_t b[64];

	ck_assert_int_eq(tls_new_session_ticket_parse(nst13, sizeof nst13, TLS_VERSION_TLS13, &t), DIS_OK);
	ck_assert_uint_eq(t.lifetime, 7200);
	ck_assert_uint_eq(t.ticket_len, 2);
	for (size_t n = 0; n < sizeof nst13; n++)
		ck_assert_int_eq(tls_new_session_ticket_parse(nst13, n, TLS_VERSION_TLS13, &t), DIS_TRUNCATED);
	memcpy(b, nst13, sizeof nst13);
	b[11] = 0; /* ticket<1..2^16-1>: empty */
	ck_assert_int_eq(tls_new_session_ticket_parse(b, sizeof nst13 - 2, TLS_VERSION_TLS13, &t), DIS_INVALID);
	/* RFC 5077 form: an empty ticket is allowed */
	ck_assert_int_eq(tls_new_session_ticket_parse((const uint8_t[]){ 0, 0, 0, 0, 0, 0 }, 6, TLS_VERSION_TLS12, &t),
			 DIS_OK);
	ck_assert_int_eq(tls_new_session_ticket_parse(nst13, sizeof nst13, 0, &t), DIS_UNSUPPORTED);

	ck_assert_int_eq(tls_hello_request_parse(NULL, 0), DIS_OK);
	ck_assert_int_eq(tls_hello_request_parse(b, 1), DIS_INVALID);
	ck_assert_int_eq(tls_server_hello_done_parse(b, 1), DIS_INVALID);

	/* TLS 1.0 CertificateVerify: no algorithm */
	ck_assert_int_eq(tls_certificate_verify_parse((const uint8_t[]){ 0, 2, 9, 9 }, 4, TLS_VERSION_TLS10, &cv),
			 DIS_OK);
	ck_assert_uint_eq(cv.sig_alg, 0);
	ck_assert_uint_eq(cv.sig_len, 2);
	ck_assert_int_eq(tls_certificate_verify_parse((const uint8_t[]){ 0, 3, 9, 9 }, 4, TLS_VERSION_TLS10, &cv),
			 DIS_TRUNCATED);
	ck_assert_int_eq(tls_certificate_verify_parse((const uint8_t[]){ 0, 1, 9, 9 }, 4, TLS_VERSION_TLS10, &cv),
			 DIS_INVALID);

	/* ClientKeyExchange shapes */
	ck_assert_int_eq(tls_client_key_exchange_parse(NULL, 0), DIS_OK); /* implicit (fixed) DH */
	ck_assert_int_eq(tls_client_key_exchange_parse((const uint8_t[]){ 2, 4, 5 }, 3), DIS_OK);
	ck_assert_int_eq(tls_client_key_exchange_parse((const uint8_t[]){ 0, 2, 4, 5 }, 4), DIS_OK);
	ck_assert_int_eq(tls_client_key_exchange_parse((const uint8_t[]){ 5, 4, 5 }, 3), DIS_INVALID);
	/* PSK identity then an ECDH point */
	ck_assert_int_eq(tls_client_key_exchange_parse((const uint8_t[]){ 0, 1, 'a', 1, 4 }, 5), DIS_OK);

	/* Finished lengths by version */
	ck_assert_int_eq(tls_finished_parse(b, 36, TLS_VERSION_SSL3), DIS_OK);
	ck_assert_int_eq(tls_finished_parse(b, 12, TLS_VERSION_TLS10), DIS_OK);
	ck_assert_int_eq(tls_finished_parse(b, 13, TLS_VERSION_TLS11), DIS_INVALID);
	ck_assert_int_eq(tls_finished_parse(b, 48, 0x7f1c), DIS_OK);
	ck_assert_int_eq(tls_finished_parse(b, 12, 0x0200), DIS_UNSUPPORTED);
}
END_TEST

START_TEST(header_bytes)
{
	static const uint8_t h[] = { 13, 0x01, 0x02, 0x03, 0xff };
	struct tls_hs_header hd;
	struct rd r = rd_make(h, 3);

	ck_assert_int_eq(tls_hs_header_parse(&r, &hd), DIS_TRUNCATED);
	ck_assert_uint_eq(rd_left(&r), 3); /* nothing consumed */
	r = rd_make(h, sizeof h);
	ck_assert_int_eq(tls_hs_header_parse(&r, &hd), DIS_OK);
	ck_assert_uint_eq(hd.type, 13);
	ck_assert_uint_eq(hd.length, 0x010203);
	ck_assert_uint_eq(rd_left(&r), 1);
}
END_TEST

SUITE_MAIN("tls_misc", false,
	   CASE("live", 30, live_tls12_messages, live_tls13_messages, live_tls12_rejections,
		live_tls13_certificate_required, live_hello_request),
	   CASE("bytes", 0, alert_bytes, small_message_bytes, header_bytes))
