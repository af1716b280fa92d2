/* ServerHello: real ones from OpenSSL (TLS 1.2, TLS 1.3, and a real
 * HelloRetryRequest forced by a group mismatch), then hand-built bounds. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/ssl.h>

#include "support/live_handshake.h"
#include "tls_handshake.h"
#include "support/cuts.h"
#include "support/suite_run.h"

static enum dis_status live_sh(const struct lh_result *res, int n, struct tls_server_hello *sh)
{
	const struct lh_msg *m = lh_find(res, true, TLS_HS_SERVER_HELLO, n);

	ck_assert_ptr_nonnull(m);
	return tls_server_hello_parse(m->data + 4, m->len - 4, sh);
}

START_TEST(live_tls13)
{
	struct lh_opts o = { .max_version = TLS1_3_VERSION, .alpn = "h2" };
	struct lh_result res;
	struct tls_server_hello sh;
	struct tls_client_hello ch;
	const struct lh_msg *m;

	ck_assert_int_eq(lh_run(&o, &res), 0);
	ck_assert_int_eq(live_sh(&res, 0, &sh), DIS_OK);
	ck_assert_uint_eq(sh.legacy_version, 0x0303);
	ck_assert_uint_eq(sh.selected_version, 0x0304);
	ck_assert(!sh.is_hello_retry_request);
	ck_assert_uint_eq(sh.cipher_suite >> 8, 0x13);
	/* TLS 1.3 echoes the client's legacy session id */
	m = lh_find(&res, false, TLS_HS_CLIENT_HELLO, 0);
	ck_assert_int_eq(tls_client_hello_parse(m->data + 4, m->len - 4, &ch), DIS_OK);
	ck_assert_uint_eq(sh.session_id_len, ch.session_id_len);
	ck_assert_mem_eq(sh.session_id, ch.session_id, ch.session_id_len);
	/* ALPN travels in EncryptedExtensions in 1.3, not here */
	ck_assert_str_eq(sh.alpn, "");
	ck_assert_ptr_null(lh_find(&res, true, TLS_HS_SERVER_HELLO, 1));
	lh_result_free(&res);
}
END_TEST

static enum dis_status parse_hello(const uint8_t *p, size_t n)
{
	struct tls_server_hello sh;
	return tls_server_hello_parse(p, n, &sh);
}

START_TEST(live_tls12)
{
	struct lh_opts o = { .max_version = TLS1_2_VERSION, .alpn = "http/1.1" };
	struct lh_result res;
	struct tls_server_hello sh;

	ck_assert_int_eq(lh_run(&o, &res), 0);
	size_t wire_len = 0;
	uint8_t *wire = lh_wire_msg(&res, true, TLS_HS_SERVER_HELLO, &wire_len);
	ck_assert_ptr_nonnull(wire);
	ck_assert_int_eq(tls_server_hello_parse(wire + 4, wire_len - 4, &sh), DIS_OK);
	ck_assert_uint_eq(sh.selected_version, 0x0303);
	ck_assert(sh.has_renegotiation_info);
	ck_assert(sh.has_extended_master_secret);
	ck_assert(sh.has_session_ticket_ext);
	ck_assert_str_eq(sh.alpn, "http/1.1");
	ck_assert_uint_eq(sh.compression, 0);
	size_t no_ext = 2 + 32 + 1 + sh.session_id_len + 2 + 1;
	expect_cuts_short(parse_hello, wire + 4, wire_len - 4, no_ext);
	free(wire);
	lh_result_free(&res);
}
END_TEST

START_TEST(live_hello_retry_request)
{
	struct lh_opts o = { .max_version = TLS1_3_VERSION, .client_groups = "X25519:P-256", .server_groups = "P-256" };
	struct lh_result res;
	struct tls_server_hello sh;

	ck_assert_int_eq(lh_run(&o, &res), 0);
	ck_assert(res.client_ok && res.server_ok);
	ck_assert_int_eq(live_sh(&res, 0, &sh), DIS_OK);
	ck_assert(sh.is_hello_retry_request);
	ck_assert_uint_eq(sh.selected_version, 0x0304);
	ck_assert_int_eq(live_sh(&res, 1, &sh), DIS_OK);
	ck_assert(!sh.is_hello_retry_request);
	/* the client tried again */
	ck_assert_ptr_nonnull(lh_find(&res, false, TLS_HS_CLIENT_HELLO, 1));
	lh_result_free(&res);
}
END_TEST

START_TEST(bytes)
{
	uint8_t b[128];
	struct tls_server_hello sh;
	size_t base = 2 + 32 + 1 + 2 + 1, n;

	memset(b, 0, sizeof b);
	b[0] = 3;
	b[1] = 1;
	b[35] = 0x00;
	b[36] = 0x2f;
	ck_assert_int_eq(tls_server_hello_parse(b, base, &sh), DIS_OK);
	ck_assert_uint_eq(sh.selected_version, 0x0301);
	ck_assert_uint_eq(sh.cipher_suite, 0x002f);
	ck_assert_uint_eq(sh.n_extensions, 0);
	b[34] = 33; /* legacy_session_id_echo<0..32> */
	ck_assert_int_eq(tls_server_hello_parse(b, sizeof b, &sh), DIS_INVALID);
	b[34] = 0;

	/* supported_versions must be exactly one version */
	static const uint8_t sv[] = { 0x00, 0x06, 0x00, 0x2b, 0x00, 0x02, 0x03, 0x04 };
	memcpy(b + base, sv, sizeof sv);
	n = base + sizeof sv;
	ck_assert_int_eq(tls_server_hello_parse(b, n, &sh), DIS_OK);
	ck_assert_uint_eq(sh.selected_version, 0x0304);
	b[base + 5] = 3;
	b[base + 1] = 7;
	b[n] = 0x00;
	ck_assert_int_eq(tls_server_hello_parse(b, n + 1, &sh), DIS_INVALID);

	/* ALPN: exactly one name; EMS: empty */
	static const uint8_t alpn2[] = { 0x00, 0x0b, 0x00, 0x10, 0x00, 0x07, 0x00, 0x05,
					 0x02, 'h', '2', 0x01, 'x' };
	memcpy(b + base, alpn2, sizeof alpn2);
	ck_assert_int_eq(tls_server_hello_parse(b, base + sizeof alpn2, &sh), DIS_INVALID);
	static const uint8_t ems[] = { 0x00, 0x05, 0x00, 0x17, 0x00, 0x01, 0x00 };
	memcpy(b + base, ems, sizeof ems);
	ck_assert_int_eq(tls_server_hello_parse(b, base + sizeof ems, &sh), DIS_INVALID);
	static const uint8_t psk[] = { 0x00, 0x06, 0x00, 0x29, 0x00, 0x02, 0x00, 0x00 };
	memcpy(b + base, psk, sizeof psk);
	ck_assert_int_eq(tls_server_hello_parse(b, base + sizeof psk, &sh), DIS_OK);
	ck_assert(sh.has_pre_shared_key);
}
END_TEST

SUITE_MAIN("tls_server_hello", false, CASE("live", 30, live_tls13, live_tls12, live_hello_retry_request),
	   CASE("bytes", 0, bytes))
