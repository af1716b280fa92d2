/* Certificate: the chains real OpenSSL peers send (TLS 1.2 and 1.3, with
 * and without a client certificate), then hand-built edge cases. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/ssl.h>

#include "support/live_handshake.h"
#include "tls_handshake.h"
#include "x509_summary.h"
#include "support/suite_run.h"

static enum dis_status live_cert(const struct lh_result *res, bool from_server, uint16_t version,
				 struct tls_certificate *c)
{
	const struct lh_msg *m = lh_find(res, from_server, TLS_HS_CERTIFICATE, 0);

	ck_assert_ptr_nonnull(m);
	return tls_certificate_parse(m->data + 4, m->len - 4, version, c);
}

static void check_server_chain(const struct tls_certificate *c)
{
	struct x509_summary s;

	ck_assert_uint_eq(c->n_certs, 2);
	ck_assert_uint_eq(c->n_kept, 2);
	ck_assert_int_eq(x509_summarize(c->der[0].p, c->der[0].len, &s), DIS_OK);
	ck_assert_str_eq(s.subject, "CN=server.test,O=mtlsdiag test");
	ck_assert_str_eq(s.issuer, "CN=mtlsdiag Test Issuing CA,O=mtlsdiag test");
	ck_assert_int_eq(x509_summarize(c->der[1].p, c->der[1].len, &s), DIS_OK);
	ck_assert(s.is_ca);
}

START_TEST(live_tls12_chains)
{
	struct lh_opts o = { .max_version = TLS1_2_VERSION, .request_cert = true, .client_has_cert = true,
			     .client_sends_chain = true, .server_trusts_client_ca = true,
			     .client_eku = "clientAuth" };
	struct lh_result res;
	struct tls_certificate c;

	ck_assert_int_eq(lh_run(&o, &res), 0);
	ck_assert(res.server_ok);
	ck_assert_int_eq(live_cert(&res, true, TLS_VERSION_TLS12, &c), DIS_OK);
	check_server_chain(&c);
	/* the client's chain, read from the cleartext client stream */
	size_t wire_len = 0;
	uint8_t *wire = lh_wire_msg(&res, false, TLS_HS_CERTIFICATE, &wire_len);
	ck_assert_ptr_nonnull(wire);
	ck_assert_int_eq(tls_certificate_parse(wire + 4, wire_len - 4, TLS_VERSION_TLS12, &c), DIS_OK);
	ck_assert_uint_eq(c.n_certs, 2);
	ck_assert_uint_eq(c.list_bytes, wire_len - 4 - 3);
	ck_assert_uint_eq(c.der[0].len, res.client_cert_der_len);
	ck_assert_mem_eq(c.der[0].p, res.client_cert_der, res.client_cert_der_len);
	ck_assert_mem_eq(c.der[1].p, res.inter_der, res.inter_der_len);
	/* the TLS 1.2 body is not a TLS 1.3 one */
	ck_assert_int_ne(tls_certificate_parse(wire + 4, wire_len - 4, TLS_VERSION_TLS13, &c), DIS_OK);
	free(wire);
	lh_result_free(&res);
}
END_TEST

START_TEST(live_tls12_empty_client_certificate)
{
	struct lh_opts o = { .max_version = TLS1_2_VERSION, .request_cert = true };
	struct lh_result res;
	struct tls_certificate c;

	ck_assert_int_eq(lh_run(&o, &res), 0);
	ck_assert(res.server_ok); /* requested, not required */
	size_t wire_len = 0;
	uint8_t *wire = lh_wire_msg(&res, false, TLS_HS_CERTIFICATE, &wire_len);
	ck_assert_ptr_nonnull(wire);
	ck_assert_uint_eq(wire_len, 7);
	ck_assert_int_eq(tls_certificate_parse(wire + 4, wire_len - 4, TLS_VERSION_TLS12, &c), DIS_OK);
	ck_assert_uint_eq(c.n_certs, 0);
	ck_assert_uint_eq(c.list_bytes, 0);
	free(wire);
	lh_result_free(&res);
}
END_TEST

START_TEST(live_tls13_chains)
{
	struct lh_opts o = { .max_version = TLS1_3_VERSION, .request_cert = true, .client_has_cert = true,
			     .server_trusts_client_ca = true, .client_eku = "clientAuth" };
	struct lh_result res;
	struct tls_certificate c;

	ck_assert_int_eq(lh_run(&o, &res), 0);
	ck_assert_int_eq(res.version, TLS1_3_VERSION);
	ck_assert_int_eq(live_cert(&res, true, TLS_VERSION_TLS13, &c), DIS_OK);
	check_server_chain(&c);
	ck_assert_uint_eq(c.context_len, 0);
	/* client without the intermediate: a chain of one, which the server
	 * (trusting only the root) cannot complete */
	ck_assert(!res.server_ok);
	ck_assert_int_eq(live_cert(&res, false, TLS_VERSION_TLS13, &c), DIS_OK);
	ck_assert_uint_eq(c.n_certs, 1);
	ck_assert_mem_eq(c.der[0].p, res.client_cert_der, res.client_cert_der_len);
	lh_result_free(&res);
}
END_TEST

START_TEST(live_tls13_empty_and_post_handshake)
{
	struct lh_opts o = { .max_version = TLS1_3_VERSION, .request_cert = true };
	struct lh_opts pha = { .max_version = TLS1_3_VERSION, .post_handshake_auth = true, .client_has_cert = true,
			       .server_trusts_client_ca = true, .client_sends_chain = true,
			       .client_eku = "clientAuth" };
	struct lh_result res;
	struct tls_certificate c;

	ck_assert_int_eq(lh_run(&o, &res), 0);
	ck_assert_int_eq(live_cert(&res, false, TLS_VERSION_TLS13, &c), DIS_OK);
	ck_assert_uint_eq(c.n_certs, 0);
	ck_assert_uint_eq(c.context_len, 0);
	lh_result_free(&res);

	ck_assert_int_eq(lh_run(&pha, &res), 0);
	ck_assert(res.server_ok && res.client_ok);
	ck_assert_int_eq(live_cert(&res, false, TLS_VERSION_TLS13, &c), DIS_OK);
	ck_assert_uint_gt(c.context_len, 0); /* echoes the request's context */
	ck_assert_uint_eq(c.n_certs, 2);
	lh_result_free(&res);
}
END_TEST

/* TLS 1.2: two certificates "AB" and "C". */
static const uint8_t cert12[] = { 0x00, 0x00, 0x09, 0x00, 0x00, 0x02, 'A', 'B', 0x00, 0x00, 0x01, 'C' };

START_TEST(tls12_bytes)
{
	struct tls_certificate c;
	uint8_t b[sizeof cert12 + 1];

	ck_assert_int_eq(tls_certificate_parse(cert12, sizeof cert12, TLS_VERSION_TLS12, &c), DIS_OK);
	ck_assert_uint_eq(c.n_certs, 2);
	ck_assert_uint_eq(c.der[0].len, 2);
	ck_assert_ptr_eq(c.der[1].p, cert12 + 11);
	ck_assert_uint_eq(c.list_bytes, 9);
	for (size_t n = 0; n < sizeof cert12; n++)
		ck_assert_int_eq(tls_certificate_parse(cert12, n, TLS_VERSION_TLS12, &c), DIS_TRUNCATED);
	memcpy(b, cert12, sizeof cert12);
	b[sizeof cert12] = 0;
	ck_assert_int_eq(tls_certificate_parse(b, sizeof b, TLS_VERSION_TLS12, &c), DIS_INVALID);
	/* an entry longer than the list holding it */
	memcpy(b, cert12, sizeof cert12);
	b[10] = 2;
	ck_assert_int_eq(tls_certificate_parse(b, sizeof cert12, TLS_VERSION_TLS12, &c), DIS_INVALID);
	/* ASN.1Cert<1..2^24-1>: a zero-length entry */
	static const uint8_t zero[] = { 0x00, 0x00, 0x03, 0x00, 0x00, 0x00 };
	ck_assert_int_eq(tls_certificate_parse(zero, sizeof zero, TLS_VERSION_TLS12, &c), DIS_INVALID);
	ck_assert_int_eq(tls_certificate_parse(cert12, sizeof cert12, 0x0002, &c), DIS_UNSUPPORTED);
	ck_assert_int_eq(tls_certificate_parse(cert12, sizeof cert12, TLS_VERSION_SSL3, &c), DIS_OK);
}
END_TEST

START_TEST(tls13_bytes)
{
	/* context {0x2a}, one entry "AB" with one status_request extension */
	static const uint8_t cert13[] = { 0x01, 0x2a, 0x00, 0x00, 0x0b, 0x00, 0x00, 0x02, 'A', 'B',
					  0x00, 0x04, 0x00, 0x05, 0x00, 0x00 };
	struct tls_certificate c;
	uint8_t b[sizeof cert13];

	ck_assert_int_eq(tls_certificate_parse(cert13, sizeof cert13, TLS_VERSION_TLS13, &c), DIS_OK);
	ck_assert_uint_eq(c.context_len, 1);
	ck_assert_uint_eq(c.n_certs, 1);
	ck_assert_uint_eq(c.der[0].len, 2);
	ck_assert_int_eq(tls_certificate_parse(cert13, sizeof cert13, 0x7f17, &c), DIS_OK);
	for (size_t n = 0; n < sizeof cert13; n++)
		ck_assert_int_eq(tls_certificate_parse(cert13, n, TLS_VERSION_TLS13, &c), DIS_TRUNCATED);
	/* an extension running past its entry's extensions block */
	memcpy(b, cert13, sizeof b);
	b[15] = 0x09;
	ck_assert_int_eq(tls_certificate_parse(b, sizeof b, TLS_VERSION_TLS13, &c), DIS_INVALID);
}
END_TEST

START_TEST(long_chain_kept_partly)
{
	uint8_t b[3 + 20 * 4];
	struct tls_certificate c;

	b[0] = 0;
	b[1] = 0;
	b[2] = 80;
	for (int i = 0; i < 20; i++) {
		b[3 + 4 * i] = 0;
		b[4 + 4 * i] = 0;
		b[5 + 4 * i] = 1;
		b[6 + 4 * i] = (uint8_t)i;
	}
	ck_assert_int_eq(tls_certificate_parse(b, sizeof b, TLS_VERSION_TLS12, &c), DIS_OK);
	ck_assert_uint_eq(c.n_certs, 20);
	ck_assert_uint_eq(c.n_kept, TLS_MAX_CHAIN);
	ck_assert_uint_eq(c.der[TLS_MAX_CHAIN - 1].p[0], TLS_MAX_CHAIN - 1);
}
END_TEST

SUITE_MAIN("tls_certificate", false,
	   CASE("live", 30, live_tls12_chains, live_tls12_empty_client_certificate, live_tls13_chains,
		live_tls13_empty_and_post_handshake),
	   CASE("bytes", 0, tls12_bytes, tls13_bytes, long_chain_kept_partly))
