/* tls_names.c - name tables for the values reports show. Every table ends
 * with a {0, NULL} sentinel; lookups stop on the NULL name, not on the
 * value, because 0 is a real value (close_notify, hello_request). */
#include <stdio.h>

#include "tls_names.h"

const char *tok_lookup(const struct tok *table, unsigned v)
{
	for (; table->name != NULL; table++)
		if (table->value == v)
			return table->name;
	return NULL;
}

static const char *or_unknown(const char *s)
{
	return s ? s : "unknown";
}

static const struct tok versions[] = {
	{ 0x0002, "SSL 2.0" },   { 0x0300, "SSL 3.0" },    { 0x0301, "TLS 1.0" },    { 0x0302, "TLS 1.1" },
	{ 0x0303, "TLS 1.2" },   { 0x0304, "TLS 1.3" },    { 0xfeff, "DTLS 1.0" },   { 0xfefd, "DTLS 1.2" },
	{ 0xfefc, "DTLS 1.3" },  { 0, NULL },
};

const char *tls_version_name(uint16_t v, char buf[32])
{
	const char *s = tok_lookup(versions, v);

	if (s)
		return s;
	/* GREASE (RFC 8701): 0x0a0a, 0x1a1a, ... 0xfafa. */
	if ((v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff))
		snprintf(buf, 32, "GREASE 0x%04x", v);
	else if ((v >> 8) == 0x7f)
		snprintf(buf, 32, "TLS 1.3 (draft %u)", v & 0xffu);
	else if ((v >> 8) == 0x7e)
		snprintf(buf, 32, "TLS 1.3 (experimental 0x%04x)", v);
	else
		snprintf(buf, 32, "0x%04x", v);
	return buf;
}

static const struct tok hs_types[] = {
	{ 0, "hello_request" },
	{ 1, "client_hello" },
	{ 2, "server_hello" },
	{ 3, "hello_verify_request" },
	{ 4, "new_session_ticket" },
	{ 5, "end_of_early_data" },
	{ 6, "hello_retry_request" },
	{ 8, "encrypted_extensions" },
	{ 9, "request_connection_id" },
	{ 10, "new_connection_id" },
	{ 11, "certificate" },
	{ 12, "server_key_exchange" },
	{ 13, "certificate_request" },
	{ 14, "server_hello_done" },
	{ 15, "certificate_verify" },
	{ 16, "client_key_exchange" },
	{ 17, "client_certificate_request" },
	{ 20, "finished" },
	{ 21, "certificate_url" },
	{ 22, "certificate_status" },
	{ 23, "supplemental_data" },
	{ 24, "key_update" },
	{ 25, "compressed_certificate" },
	{ 26, "ekt_key" },
	{ 67, "next_protocol" },
	{ 254, "message_hash" },
	{ 0, NULL },
};

const char *tls_hs_type_name(uint8_t type)
{
	return or_unknown(tok_lookup(hs_types, type));
}

const char *tls_hs_type_label(uint8_t type, char buf[24])
{
	const char *name = tok_lookup(hs_types, type);
	if (name)
		return name;
	snprintf(buf, 24, "handshake_type_%u", type);
	return buf;
}

#define ALERT(value, NAME, name) { value, name },
static const struct tok alerts[] = {
#include "tls_alerts.def"
	{ 0, NULL },
};
#undef ALERT

const char *tls_alert_name(uint8_t description)
{
	return or_unknown(tok_lookup(alerts, description));
}

static const struct tok alert_levels[] = {
	{ 1, "warning" },
	{ 2, "fatal" },
	{ 0, NULL },
};

const char *tls_alert_level_name(uint8_t level)
{
	return or_unknown(tok_lookup(alert_levels, level));
}

static const struct tok content_types[] = {
	{ 20, "change_cipher_spec" },
	{ 21, "alert" },
	{ 22, "handshake" },
	{ 23, "application_data" },
	{ 24, "heartbeat" },
	{ 25, "tls12_cid" },
	{ 26, "ack" },
	{ 0, NULL },
};

const char *tls_content_type_name(uint8_t type)
{
	return or_unknown(tok_lookup(content_types, type));
}

static const struct tok cert_types[] = {
	{ 1, "rsa_sign" },
	{ 2, "dss_sign" },
	{ 3, "rsa_fixed_dh" },
	{ 4, "dss_fixed_dh" },
	{ 5, "rsa_ephemeral_dh" },
	{ 6, "dss_ephemeral_dh" },
	{ 20, "fortezza_dms" },
	{ 64, "ecdsa_sign" },
	{ 65, "rsa_fixed_ecdh" },
	{ 66, "ecdsa_fixed_ecdh" },
	{ 67, "gost_sign256" },
	{ 68, "gost_sign512" },
	{ 0, NULL },
};

const char *tls_cert_type_name(uint8_t type)
{
	return or_unknown(tok_lookup(cert_types, type));
}

/* RFC 8446 SignatureScheme names; the TLS 1.2 {hash, signature} pairs that
 * RFC 8446 left unnamed follow the same pattern (hash 1-6 = md5..sha512,
 * signature 1-3 = rsa, dsa, ecdsa). A switch, not a table: a
 * CertificateRequest lists a score of these, and the compiler's search
 * beats a scan of the list for each. */
const char *tls_sig_alg_name(uint16_t alg)
{
	switch (alg) {
	case 0x0101:
		return "rsa_pkcs1_md5";
	case 0x0102:
		return "dsa_md5";
	case 0x0103:
		return "ecdsa_md5";
	case 0x0201:
		return "rsa_pkcs1_sha1";
	case 0x0202:
		return "dsa_sha1";
	case 0x0203:
		return "ecdsa_sha1";
	case 0x0301:
		return "rsa_pkcs1_sha224";
	case 0x0302:
		return "dsa_sha224";
	case 0x0303:
		return "ecdsa_sha224";
	case 0x0401:
		return "rsa_pkcs1_sha256";
	case 0x0402:
		return "dsa_sha256";
	case 0x0403:
		return "ecdsa_secp256r1_sha256";
	case 0x0420:
		return "rsa_pkcs1_sha256_legacy";
	case 0x0501:
		return "rsa_pkcs1_sha384";
	case 0x0502:
		return "dsa_sha384";
	case 0x0503:
		return "ecdsa_secp384r1_sha384";
	case 0x0520:
		return "rsa_pkcs1_sha384_legacy";
	case 0x0601:
		return "rsa_pkcs1_sha512";
	case 0x0602:
		return "dsa_sha512";
	case 0x0603:
		return "ecdsa_secp521r1_sha512";
	case 0x0620:
		return "rsa_pkcs1_sha512_legacy";
	case 0x0704:
		return "eccsi_sha256";
	case 0x0708:
		return "sm2sig_sm3";
	case 0x0709:
		return "gostr34102012_256a";
	case 0x070a:
		return "gostr34102012_256b";
	case 0x070b:
		return "gostr34102012_256c";
	case 0x070c:
		return "gostr34102012_256d";
	case 0x070d:
		return "gostr34102012_512a";
	case 0x070e:
		return "gostr34102012_512b";
	case 0x070f:
		return "gostr34102012_512c";
	case 0x0804:
		return "rsa_pss_rsae_sha256";
	case 0x0805:
		return "rsa_pss_rsae_sha384";
	case 0x0806:
		return "rsa_pss_rsae_sha512";
	case 0x0807:
		return "ed25519";
	case 0x0808:
		return "ed448";
	case 0x0809:
		return "rsa_pss_pss_sha256";
	case 0x080a:
		return "rsa_pss_pss_sha384";
	case 0x080b:
		return "rsa_pss_pss_sha512";
	case 0x081a:
		return "ecdsa_brainpoolP256r1tls13_sha256";
	case 0x081b:
		return "ecdsa_brainpoolP384r1tls13_sha384";
	case 0x081c:
		return "ecdsa_brainpoolP512r1tls13_sha512";
	default:
		return NULL;
	}
}

/* The suites seen in real captures, from SSL 3.0 era RC4/3DES to TLS 1.3. */
static const struct tok cipher_suites[] = {
	{ 0x0000, "TLS_NULL_WITH_NULL_NULL" },
	{ 0x0001, "TLS_RSA_WITH_NULL_MD5" },
	{ 0x0002, "TLS_RSA_WITH_NULL_SHA" },
	{ 0x0003, "TLS_RSA_EXPORT_WITH_RC4_40_MD5" },
	{ 0x0004, "TLS_RSA_WITH_RC4_128_MD5" },
	{ 0x0005, "TLS_RSA_WITH_RC4_128_SHA" },
	{ 0x0006, "TLS_RSA_EXPORT_WITH_RC2_CBC_40_MD5" },
	{ 0x0007, "TLS_RSA_WITH_IDEA_CBC_SHA" },
	{ 0x0008, "TLS_RSA_EXPORT_WITH_DES40_CBC_SHA" },
	{ 0x0009, "TLS_RSA_WITH_DES_CBC_SHA" },
	{ 0x000a, "TLS_RSA_WITH_3DES_EDE_CBC_SHA" },
	{ 0x0011, "TLS_DHE_DSS_EXPORT_WITH_DES40_CBC_SHA" },
	{ 0x0012, "TLS_DHE_DSS_WITH_DES_CBC_SHA" },
	{ 0x0013, "TLS_DHE_DSS_WITH_3DES_EDE_CBC_SHA" },
	{ 0x0014, "TLS_DHE_RSA_EXPORT_WITH_DES40_CBC_SHA" },
	{ 0x0015, "TLS_DHE_RSA_WITH_DES_CBC_SHA" },
	{ 0x0016, "TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA" },
	{ 0x0018, "TLS_DH_anon_WITH_RC4_128_MD5" },
	{ 0x001b, "TLS_DH_anon_WITH_3DES_EDE_CBC_SHA" },
	{ 0x002f, "TLS_RSA_WITH_AES_128_CBC_SHA" },
	{ 0x0032, "TLS_DHE_DSS_WITH_AES_128_CBC_SHA" },
	{ 0x0033, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA" },
	{ 0x0034, "TLS_DH_anon_WITH_AES_128_CBC_SHA" },
	{ 0x0035, "TLS_RSA_WITH_AES_256_CBC_SHA" },
	{ 0x0038, "TLS_DHE_DSS_WITH_AES_256_CBC_SHA" },
	{ 0x0039, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA" },
	{ 0x003a, "TLS_DH_anon_WITH_AES_256_CBC_SHA" },
	{ 0x003b, "TLS_RSA_WITH_NULL_SHA256" },
	{ 0x003c, "TLS_RSA_WITH_AES_128_CBC_SHA256" },
	{ 0x003d, "TLS_RSA_WITH_AES_256_CBC_SHA256" },
	{ 0x0040, "TLS_DHE_DSS_WITH_AES_128_CBC_SHA256" },
	{ 0x0041, "TLS_RSA_WITH_CAMELLIA_128_CBC_SHA" },
	{ 0x0045, "TLS_DHE_RSA_WITH_CAMELLIA_128_CBC_SHA" },
	{ 0x0067, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256" },
	{ 0x006a, "TLS_DHE_DSS_WITH_AES_256_CBC_SHA256" },
	{ 0x006b, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256" },
	{ 0x0084, "TLS_RSA_WITH_CAMELLIA_256_CBC_SHA" },
	{ 0x0088, "TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA" },
	{ 0x008a, "TLS_PSK_WITH_RC4_128_SHA" },
	{ 0x008b, "TLS_PSK_WITH_3DES_EDE_CBC_SHA" },
	{ 0x008c, "TLS_PSK_WITH_AES_128_CBC_SHA" },
	{ 0x008d, "TLS_PSK_WITH_AES_256_CBC_SHA" },
	{ 0x0096, "TLS_RSA_WITH_SEED_CBC_SHA" },
	{ 0x009c, "TLS_RSA_WITH_AES_128_GCM_SHA256" },
	{ 0x009d, "TLS_RSA_WITH_AES_256_GCM_SHA384" },
	{ 0x009e, "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256" },
	{ 0x009f, "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384" },
	{ 0x00a2, "TLS_DHE_DSS_WITH_AES_128_GCM_SHA256" },
	{ 0x00a3, "TLS_DHE_DSS_WITH_AES_256_GCM_SHA384" },
	{ 0x00a8, "TLS_PSK_WITH_AES_128_GCM_SHA256" },
	{ 0x00a9, "TLS_PSK_WITH_AES_256_GCM_SHA384" },
	{ 0x00ae, "TLS_PSK_WITH_AES_128_CBC_SHA256" },
	{ 0x00af, "TLS_PSK_WITH_AES_256_CBC_SHA384" },
	{ 0x00ff, "TLS_EMPTY_RENEGOTIATION_INFO_SCSV" },
	{ 0x1301, "TLS_AES_128_GCM_SHA256" },
	{ 0x1302, "TLS_AES_256_GCM_SHA384" },
	{ 0x1303, "TLS_CHACHA20_POLY1305_SHA256" },
	{ 0x1304, "TLS_AES_128_CCM_SHA256" },
	{ 0x1305, "TLS_AES_128_CCM_8_SHA256" },
	{ 0x5600, "TLS_FALLBACK_SCSV" },
	{ 0xc002, "TLS_ECDH_ECDSA_WITH_RC4_128_SHA" },
	{ 0xc003, "TLS_ECDH_ECDSA_WITH_3DES_EDE_CBC_SHA" },
	{ 0xc004, "TLS_ECDH_ECDSA_WITH_AES_128_CBC_SHA" },
	{ 0xc005, "TLS_ECDH_ECDSA_WITH_AES_256_CBC_SHA" },
	{ 0xc006, "TLS_ECDHE_ECDSA_WITH_NULL_SHA" },
	{ 0xc007, "TLS_ECDHE_ECDSA_WITH_RC4_128_SHA" },
	{ 0xc008, "TLS_ECDHE_ECDSA_WITH_3DES_EDE_CBC_SHA" },
	{ 0xc009, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA" },
	{ 0xc00a, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA" },
	{ 0xc00c, "TLS_ECDH_RSA_WITH_RC4_128_SHA" },
	{ 0xc00d, "TLS_ECDH_RSA_WITH_3DES_EDE_CBC_SHA" },
	{ 0xc00e, "TLS_ECDH_RSA_WITH_AES_128_CBC_SHA" },
	{ 0xc00f, "TLS_ECDH_RSA_WITH_AES_256_CBC_SHA" },
	{ 0xc010, "TLS_ECDHE_RSA_WITH_NULL_SHA" },
	{ 0xc011, "TLS_ECDHE_RSA_WITH_RC4_128_SHA" },
	{ 0xc012, "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA" },
	{ 0xc013, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA" },
	{ 0xc014, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA" },
	{ 0xc023, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256" },
	{ 0xc024, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384" },
	{ 0xc025, "TLS_ECDH_ECDSA_WITH_AES_128_CBC_SHA256" },
	{ 0xc026, "TLS_ECDH_ECDSA_WITH_AES_256_CBC_SHA384" },
	{ 0xc027, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256" },
	{ 0xc028, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384" },
	{ 0xc029, "TLS_ECDH_RSA_WITH_AES_128_CBC_SHA256" },
	{ 0xc02a, "TLS_ECDH_RSA_WITH_AES_256_CBC_SHA384" },
	{ 0xc02b, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256" },
	{ 0xc02c, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384" },
	{ 0xc02d, "TLS_ECDH_ECDSA_WITH_AES_128_GCM_SHA256" },
	{ 0xc02e, "TLS_ECDH_ECDSA_WITH_AES_256_GCM_SHA384" },
	{ 0xc02f, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256" },
	{ 0xc030, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384" },
	{ 0xc031, "TLS_ECDH_RSA_WITH_AES_128_GCM_SHA256" },
	{ 0xc032, "TLS_ECDH_RSA_WITH_AES_256_GCM_SHA384" },
	{ 0xc035, "TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA" },
	{ 0xc036, "TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA" },
	{ 0xc09c, "TLS_RSA_WITH_AES_128_CCM" },
	{ 0xc09d, "TLS_RSA_WITH_AES_256_CCM" },
	{ 0xc09e, "TLS_DHE_RSA_WITH_AES_128_CCM" },
	{ 0xc09f, "TLS_DHE_RSA_WITH_AES_256_CCM" },
	{ 0xc0a0, "TLS_RSA_WITH_AES_128_CCM_8" },
	{ 0xc0a1, "TLS_RSA_WITH_AES_256_CCM_8" },
	{ 0xc0ac, "TLS_ECDHE_ECDSA_WITH_AES_128_CCM" },
	{ 0xc0ad, "TLS_ECDHE_ECDSA_WITH_AES_256_CCM" },
	{ 0xc0ae, "TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8" },
	{ 0xc0af, "TLS_ECDHE_ECDSA_WITH_AES_256_CCM_8" },
	{ 0xcca8, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256" },
	{ 0xcca9, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256" },
	{ 0xccaa, "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256" },
	{ 0xccab, "TLS_PSK_WITH_CHACHA20_POLY1305_SHA256" },
	{ 0xccac, "TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256" },
	{ 0xccad, "TLS_DHE_PSK_WITH_CHACHA20_POLY1305_SHA256" },
	{ 0, NULL },
};

const char *tls_cipher_suite_name(uint16_t suite)
{
	return tok_lookup(cipher_suites, suite);
}
