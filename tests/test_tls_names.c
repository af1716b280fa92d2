/* Name tables: sentinels, the value 0, version formatting, and the cipher
 * suite names checked against OpenSSL's own IANA names. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/ssl.h>

#include "tls_names.h"
#include "support/suite_run.h"

START_TEST(versions)
{
	char buf[32];

	ck_assert_str_eq(tls_version_name(0x0002, buf), "SSL 2.0");
	ck_assert_str_eq(tls_version_name(0x0300, buf), "SSL 3.0");
	ck_assert_str_eq(tls_version_name(0x0301, buf), "TLS 1.0");
	ck_assert_str_eq(tls_version_name(0x0303, buf), "TLS 1.2");
	ck_assert_str_eq(tls_version_name(0x0304, buf), "TLS 1.3");
	ck_assert_str_eq(tls_version_name(0x7f17, buf), "TLS 1.3 (draft 23)");
	ck_assert_str_eq(tls_version_name(0x7a7a, buf), "GREASE 0x7a7a");
	ck_assert_str_eq(tls_version_name(0x0a0a, buf), "GREASE 0x0a0a");
	ck_assert_str_eq(tls_version_name(0x0a1a, buf), "0x0a1a"); /* not GREASE: bytes differ */
	ck_assert_str_eq(tls_version_name(0x1234, buf), "0x1234");
	ck_assert_ptr_eq(tls_version_name(0x1234, buf), buf);
}
END_TEST

START_TEST(zero_values_and_unknowns)
{
	static const struct tok t[] = { { 0, "zero" }, { 5, "five" }, { 0, NULL } };

	ck_assert_str_eq(tok_lookup(t, 0), "zero");
	ck_assert_str_eq(tok_lookup(t, 5), "five");
	ck_assert_ptr_null(tok_lookup(t, 6));
	ck_assert_str_eq(tls_alert_name(0), "close_notify");
	ck_assert_str_eq(tls_hs_type_name(0), "hello_request");
	ck_assert_str_eq(tls_hs_type_name(13), "certificate_request");
	ck_assert_str_eq(tls_hs_type_name(99), "unknown");
	char label[24];
	ck_assert_str_eq(tls_hs_type_label(13, label), "certificate_request");
	ck_assert_str_eq(tls_hs_type_label(99, label), "handshake_type_99");
	ck_assert_ptr_eq(tls_hs_type_label(99, label), label);
	ck_assert_str_eq(tls_hs_type_label(255, label), "handshake_type_255");
	ck_assert_str_eq(tls_alert_name(200), "unknown");
	ck_assert_str_eq(tls_alert_level_name(0), "unknown");
	ck_assert_str_eq(tls_alert_level_name(2), "fatal");
	ck_assert_str_eq(tls_content_type_name(22), "handshake");
	ck_assert_str_eq(tls_content_type_name(0), "unknown");
	ck_assert_ptr_null(tls_sig_alg_name(0));
	ck_assert_ptr_null(tls_cipher_suite_name(0xffff));
}
END_TEST

START_TEST(mtls_vocabulary)
{
	ck_assert_str_eq(tls_alert_name(41), "no_certificate");
	ck_assert_str_eq(tls_alert_name(42), "bad_certificate");
	ck_assert_str_eq(tls_alert_name(45), "certificate_expired");
	ck_assert_str_eq(tls_alert_name(48), "unknown_ca");
	ck_assert_str_eq(tls_alert_name(49), "access_denied");
	ck_assert_str_eq(tls_alert_name(100), "no_renegotiation");
	ck_assert_str_eq(tls_alert_name(116), "certificate_required");
	/* The enum and the names come from one table (tls_alerts.def); the
	 * numbers are RFC 8446's. */
	ck_assert_int_eq(TLS_ALERT_NO_CERTIFICATE, 41);
	ck_assert_int_eq(TLS_ALERT_UNKNOWN_CA, 48);
	ck_assert_int_eq(TLS_ALERT_CERTIFICATE_REQUIRED, 116);
	ck_assert_str_eq(tls_alert_name(TLS_ALERT_HANDSHAKE_FAILURE), "handshake_failure");
	ck_assert_int_eq(TLS_ALERT_LEVEL_FATAL, 2);
	ck_assert_str_eq(tls_cert_type_name(1), "rsa_sign");
	ck_assert_str_eq(tls_cert_type_name(2), "dss_sign");
	ck_assert_str_eq(tls_cert_type_name(3), "rsa_fixed_dh");
	ck_assert_str_eq(tls_cert_type_name(4), "dss_fixed_dh");
	ck_assert_str_eq(tls_cert_type_name(64), "ecdsa_sign");
	ck_assert_str_eq(tls_cert_type_name(65), "rsa_fixed_ecdh");
	ck_assert_str_eq(tls_cert_type_name(66), "ecdsa_fixed_ecdh");
	ck_assert_str_eq(tls_sig_alg_name(0x0403), "ecdsa_secp256r1_sha256");
	ck_assert_str_eq(tls_sig_alg_name(0x0804), "rsa_pss_rsae_sha256");
	ck_assert_str_eq(tls_sig_alg_name(0x0301), "rsa_pkcs1_sha224");
	ck_assert_str_eq(tls_sig_alg_name(0x0402), "dsa_sha256");
	ck_assert_str_eq(tls_sig_alg_name(0x0807), "ed25519");
}
END_TEST

/* The SignatureScheme lookup names the 41 schemes and nothing else: the
 * ends of the range, the legacy and brainpool ones, and their neighbours. */
START_TEST(sig_alg_names)
{
	unsigned named = 0;

	for (unsigned v = 0; v <= 0xffff; v++)
		named += tls_sig_alg_name((uint16_t)v) != NULL;
	ck_assert_uint_eq(named, 41);
	ck_assert_str_eq(tls_sig_alg_name(0x0101), "rsa_pkcs1_md5");
	ck_assert_str_eq(tls_sig_alg_name(0x0420), "rsa_pkcs1_sha256_legacy");
	ck_assert_str_eq(tls_sig_alg_name(0x0620), "rsa_pkcs1_sha512_legacy");
	ck_assert_str_eq(tls_sig_alg_name(0x081c), "ecdsa_brainpoolP512r1tls13_sha512");
	static const uint16_t unnamed[] = { 0x0100, 0x0104, 0x0703, 0x081d, 0xffff };
	for (size_t i = 0; i < sizeof unnamed / sizeof unnamed[0]; i++)
		ck_assert_ptr_null(tls_sig_alg_name(unnamed[i]));
}
END_TEST

/* Every suite OpenSSL knows and we name must carry OpenSSL's IANA name;
 * the suites every report needs must be named. */
START_TEST(cipher_suites_match_openssl)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_method());
	SSL *ssl = SSL_new(ctx);
	static const uint16_t required[] = { 0x1301, 0x1302, 0x1303, 0x1304, 0x1305, 0xc02f, 0xc030, 0xc02b,
					     0xc02c, 0x009e, 0x009f, 0x009c, 0x009d, 0xc013, 0xc014, 0x002f,
					     0x0035, 0xcca8, 0xcca9, 0x0004, 0x0005, 0x000a, 0xc012, 0x00ff };
	int compared = 0;

	ck_assert_ptr_nonnull(ssl);
	for (unsigned v = 0; v <= 0xffff; v++) {
		const unsigned char id[2] = { (unsigned char)(v >> 8), (unsigned char)v };
		const SSL_CIPHER *c = SSL_CIPHER_find(ssl, id);
		const char *ours = tls_cipher_suite_name((uint16_t)v), *std = c ? SSL_CIPHER_standard_name(c) : NULL;

		if (ours && std && strncmp(std, "TLS_", 4) == 0) {
			ck_assert_msg(strcmp(ours, std) == 0, "0x%04x: %s vs OpenSSL %s", v, ours, std);
			compared++;
		}
	}
	ck_assert_int_gt(compared, 60);
	for (size_t i = 0; i < sizeof required / sizeof required[0]; i++)
		ck_assert_msg(tls_cipher_suite_name(required[i]) != NULL, "0x%04x unnamed", required[i]);
	ck_assert_str_eq(tls_cipher_suite_name(0x0004), "TLS_RSA_WITH_RC4_128_MD5");
	ck_assert_str_eq(tls_cipher_suite_name(0x000a), "TLS_RSA_WITH_3DES_EDE_CBC_SHA");
	SSL_free(ssl);
	SSL_CTX_free(ctx);
}
END_TEST

SUITE_MAIN("tls_names", false,
	   CASE("names", 0, versions, zero_values_and_unknowns, mtls_vocabulary, sig_alg_names,
		cipher_suites_match_openssl))
