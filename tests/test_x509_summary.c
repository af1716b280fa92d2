/* x509_summary: the client certificate a live handshake really sent,
 * checked against what the test asked OpenSSL to put in it. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "support/live_handshake.h"
#include "tls_handshake.h"
#include "x509_summary.h"
#include "support/suite_run.h"

/* 2024-01-31T12:00:00Z and 2051-06-30T23:59:59Z (GeneralizedTime: >= 2050) */
#define NB 1706702400
#define NA 2571782399

/* Run a TLS 1.2 handshake and summarize the client's leaf as the server
 * received it on the wire. */
static void client_leaf(const struct lh_opts *o, struct lh_result *res, struct x509_summary *s,
			struct tls_certificate *c, uint8_t **wire)
{
	size_t wire_len;

	ck_assert_int_eq(lh_run(o, res), 0);
	*wire = lh_stream_hs(res->c2s, res->c2s_len, TLS_HS_CERTIFICATE, 0, &wire_len);
	ck_assert_ptr_nonnull(*wire);
	ck_assert_int_eq(tls_certificate_parse(*wire + 4, wire_len - 4, TLS_VERSION_TLS12, c), DIS_OK);
	ck_assert_uint_ge(c->n_kept, 1);
	ck_assert_int_eq(x509_summarize(c->der[0].p, c->der[0].len, s), DIS_OK);
}

START_TEST(live_client_certificate)
{
	struct lh_opts o = { .max_version = TLS1_2_VERSION, .request_cert = true, .client_has_cert = true,
			     .client_sends_chain = true, .server_trusts_client_ca = true,
			     .client_subject = "CN=Alice Example,OU=Sales,O=Example Corp",
			     .client_eku = "clientAuth", .client_not_before = NB, .client_not_after = NA };
	struct lh_result res;
	struct tls_certificate c;
	struct x509_summary s, inter;
	uint8_t *wire, md[32];
	const char *names[8];
	char text[X509_NAME_TEXT];

	client_leaf(&o, &res, &s, &c, &wire);
	ck_assert_str_eq(s.subject, "CN=Alice Example,OU=Sales,O=Example Corp");
	ck_assert_str_eq(s.issuer, "CN=mtlsdiag Test Issuing CA,O=mtlsdiag test");
	ck_assert_str_eq(s.serial, "01234567");
	ck_assert_str_eq(s.not_before, "2024-01-31T12:00:00Z");
	ck_assert_str_eq(s.not_after, "2051-06-30T23:59:59Z");
	ck_assert_int_eq(s.not_before_epoch, NB);
	ck_assert_int_eq(s.not_after_epoch, NA);
	ck_assert(s.has_eku);
	ck_assert_uint_eq(s.eku, X509_EKU_CLIENT_AUTH);
	ck_assert_uint_eq(x509_eku_names(s.eku, names, 8), 1);
	ck_assert_str_eq(names[0], "clientAuth");
	ck_assert(s.has_key_usage);
	ck_assert_uint_eq(s.key_usage, X509v3_KU_DIGITAL_SIGNATURE);
	ck_assert_str_eq(s.key_type, "EC-P-256");
	ck_assert(!s.self_signed);
	ck_assert(!s.is_ca);
	ck_assert(EVP_Digest(c.der[0].p, c.der[0].len, md, NULL, EVP_sha256(), NULL));
	ck_assert_mem_eq(s.sha256, md, 32);

	/* The name views point into the certificate bytes given. */
	ck_assert_ptr_nonnull(s.subject_der);
	ck_assert(s.subject_der > c.der[0].p && s.subject_der + s.subject_der_len <= c.der[0].p + c.der[0].len);
	ck_assert(s.issuer_der > c.der[0].p && s.issuer_der < s.subject_der);
	ck_assert_int_gt(x509_name_to_text(s.subject_der, s.subject_der_len, text, sizeof text), 0);
	ck_assert_str_eq(text, s.subject);
	ck_assert_int_gt(x509_name_to_text(s.issuer_der, s.issuer_der_len, text, sizeof text), 0);
	ck_assert_str_eq(text, s.issuer);

	/* The chain links: the leaf's issuer is the intermediate's subject. */
	ck_assert_uint_eq(c.n_certs, 2);
	ck_assert_int_eq(x509_summarize(c.der[1].p, c.der[1].len, &inter), DIS_OK);
	ck_assert(inter.is_ca);
	ck_assert(!inter.has_eku);
	ck_assert(x509_name_der_equal(s.issuer_der, s.issuer_der_len, inter.subject_der, inter.subject_der_len));
	ck_assert(!x509_name_der_equal(s.subject_der, s.subject_der_len, inter.subject_der, inter.subject_der_len));
	free(wire);
	lh_result_free(&res);
}
END_TEST

START_TEST(live_no_eku_and_two_ekus)
{
	struct lh_opts o = { .max_version = TLS1_2_VERSION, .request_cert = true, .client_has_cert = true,
			     .server_trusts_client_ca = true, .client_sends_chain = true };
	struct lh_result res;
	struct tls_certificate c;
	struct x509_summary s;
	uint8_t *wire;
	const char *names[8];

	client_leaf(&o, &res, &s, &c, &wire);
	ck_assert(!s.has_eku);
	ck_assert_uint_eq(s.eku, 0);
	free(wire);
	lh_result_free(&res);

	o.client_eku = "serverAuth,clientAuth,1.3.6.1.4.1.311.20.2.2";
	client_leaf(&o, &res, &s, &c, &wire);
	ck_assert(s.has_eku);
	ck_assert_uint_eq(s.eku, X509_EKU_SERVER_AUTH | X509_EKU_CLIENT_AUTH | X509_EKU_OTHER);
	ck_assert_uint_eq(x509_eku_names(s.eku, names, 8), 3);
	ck_assert_str_eq(names[0], "serverAuth");
	ck_assert_str_eq(names[2], "other");
	ck_assert_uint_eq(x509_eku_names(s.eku, names, 1), 1);
	free(wire);
	lh_result_free(&res);
}
END_TEST

START_TEST(bad_der)
{
	struct lh_opts o = { .max_version = TLS1_2_VERSION, .request_cert = true, .client_has_cert = true,
			     .server_trusts_client_ca = true, .client_sends_chain = true };
	struct lh_result res;
	struct x509_summary s;
	uint8_t *b;
	size_t n;

	ck_assert_int_eq(lh_run(&o, &res), 0);
	n = res.client_cert_der_len;
	b = malloc(n + 1);
	memcpy(b, res.client_cert_der, n);
	b[n] = 0;
	ck_assert_int_eq(x509_summarize(b, n, &s), DIS_OK);
	ck_assert_int_eq(x509_summarize(b, n + 1, &s), DIS_INVALID); /* trailing byte */
	ck_assert_int_eq(x509_summarize(b, n - 1, &s), DIS_INVALID); /* one short */
	ck_assert_int_eq(x509_summarize(b, 0, &s), DIS_INVALID);
	ck_assert_int_eq(x509_summarize(NULL, 0, &s), DIS_INVALID);
	b[0] = 0x31; /* a SET, not a Certificate */
	ck_assert_int_eq(x509_summarize(b, n, &s), DIS_INVALID);
	free(b);
	lh_result_free(&res);
}
END_TEST

START_TEST(name_text)
{
	/* SEQUENCE { SET { SEQUENCE { OID 2.5.4.3, UTF8String "A" } } } */
	static const uint8_t cn_a[] = { 0x30, 0x0c, 0x31, 0x0a, 0x30, 0x08, 0x06, 0x03,
					0x55, 0x04, 0x03, 0x0c, 0x01, 0x41, 0x00 };
	static const uint8_t empty[] = { 0x30, 0x00 };
	X509_NAME *name = X509_NAME_new();
	unsigned char *der = NULL;
	char buf[64];
	int len;

	ck_assert_int_eq(x509_name_to_text(cn_a, 14, buf, sizeof buf), 4);
	ck_assert_str_eq(buf, "CN=A");
	ck_assert_int_eq(x509_name_to_text(cn_a, 15, buf, sizeof buf), -1); /* trailing */
	ck_assert_int_eq(x509_name_to_text(cn_a, 13, buf, sizeof buf), -1); /* short */
	ck_assert_str_eq(buf, "");
	ck_assert_int_eq(x509_name_to_text(empty, 2, buf, sizeof buf), 0);
	ck_assert_int_eq(x509_name_to_text(cn_a, 14, buf, 3), 2); /* cut to fit */
	ck_assert_str_eq(buf, "CN");

	/* RFC 2253 escaping and order through OpenSSL */
	X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, (const unsigned char *)"Corp, Inc.", -1, -1, 0);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)"Root", -1, -1, 0);
	len = i2d_X509_NAME(name, &der);
	ck_assert_int_gt(len, 0);
	ck_assert_int_gt(x509_name_to_text(der, (size_t)len, buf, sizeof buf), 0);
	ck_assert_str_eq(buf, "CN=Root,O=Corp\\, Inc.");
	ck_assert(x509_name_der_equal(der, (size_t)len, der, (size_t)len));
	ck_assert(!x509_name_der_equal(der, (size_t)len, cn_a, 14));
	ck_assert(!x509_name_der_equal(der, (size_t)len, cn_a, 15));
	OPENSSL_free(der);
	X509_NAME_free(name);
}
END_TEST

START_TEST(name_cmp_canonical)
{
	/* "CN=A" as UTF8String and as PrintableString, "CN=a": X509_NAME_cmp
	 * compares canonical forms (case folded, string type ignored). */
	static const uint8_t utf8[] = { 0x30, 0x0c, 0x31, 0x0a, 0x30, 0x08, 0x06, 0x03,
					0x55, 0x04, 0x03, 0x0c, 0x01, 0x41 };
	static const uint8_t printable[] = { 0x30, 0x0c, 0x31, 0x0a, 0x30, 0x08, 0x06, 0x03,
					     0x55, 0x04, 0x03, 0x13, 0x01, 0x61 };

	ck_assert(x509_name_der_equal(utf8, sizeof utf8, printable, sizeof printable));
}
END_TEST

SUITE_MAIN("x509_summary", false,
	   CASE("live", 30, live_client_certificate, live_no_eku_and_two_ekus, bad_der),
	   CASE("bytes", 0, name_text, name_cmp_canonical))
