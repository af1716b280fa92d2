/* test_tls_crypto.c - the key derivations of tls_decrypt.c (the TLS PRF's
 * P_hash and HKDF-Expand-Label, built on HMAC) against OpenSSL's own
 * EVP_KDF TLS1-PRF and HKDF, for every suite of the table and every
 * version that uses it; and the same keys whether a direction borrows a
 * run's fetched algorithms (struct tls_crypto) or fetches per use. The
 * derivations on real handshakes are in test_tls_decrypt.c. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include "support/suite_run.h"
#include "tls_decrypt.h"

/* Every suite number of tls_decrypt.c's table. */
static const uint16_t suites[] = {
    0x1301, 0x1302, 0x1303, 0x1304, 0x1305, 0x009C, 0x009D, 0x009E, 0x009F, 0x00A8, 0x00A9, 0x00AA,
    0x00AB, 0xC02B, 0xC02C, 0xC02F, 0xC030, 0xCCA8, 0xCCA9, 0xCCAA, 0xCCAB, 0xCCAC, 0xCCAD, 0xCCAE,
    0xC09C, 0xC09D, 0xC09E, 0xC09F, 0xC0A0, 0xC0A1, 0xC0A2, 0xC0A3, 0xC0AC, 0xC0AD, 0xC0AE, 0xC0AF,
    0x000A, 0x0016, 0xC012, 0x002F, 0x0033, 0x0035, 0x0039, 0x008C, 0x008D, 0xC009, 0xC00A, 0xC013,
    0xC014, 0x003C, 0x003D, 0x0067, 0x006B, 0xC023, 0xC027, 0xC024, 0xC028,
};

static void fill(uint8_t *p, size_t n, uint8_t seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(seed + 31 * i);
}

/* OpenSSL's TLS1-PRF: the key block of RFC 5246 6.3. */
static void openssl_key_block(const char *digest, const uint8_t master[48], const uint8_t cr[32],
			      const uint8_t sr[32], uint8_t *out, size_t len)
{
	uint8_t seed[13 + 64];
	memcpy(seed, "key expansion", 13);
	memcpy(seed + 13, sr, 32);
	memcpy(seed + 45, cr, 32);
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "TLS1-PRF", NULL);
	EVP_KDF_CTX *k = EVP_KDF_CTX_new(kdf);
	OSSL_PARAM params[] = {
	    OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)digest, 0),
	    OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SECRET, (void *)master, 48),
	    OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, seed, sizeof seed),
	    OSSL_PARAM_construct_end(),
	};
	ck_assert_int_eq(EVP_KDF_derive(k, out, len, params), 1);
	EVP_KDF_CTX_free(k);
	EVP_KDF_free(kdf);
}

/* OpenSSL's HKDF-Expand of an HkdfLabel with an empty context. */
static void openssl_expand_label(const char *digest, const uint8_t *secret, size_t secret_len, const char *label,
				 uint8_t *out, size_t len)
{
	uint8_t info[2 + 1 + 255 + 1];
	size_t ll = strlen(label), n = 0;
	info[n++] = (uint8_t)(len >> 8);
	info[n++] = (uint8_t)len;
	info[n++] = (uint8_t)(6 + ll);
	memcpy(info + n, "tls13 ", 6);
	n += 6;
	memcpy(info + n, label, ll);
	n += ll;
	info[n++] = 0;
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	EVP_KDF_CTX *k = EVP_KDF_CTX_new(kdf);
	int mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY;
	OSSL_PARAM params[] = {
	    OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode),
	    OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)digest, 0),
	    OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)secret, secret_len),
	    OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info, n),
	    OSSL_PARAM_construct_end(),
	};
	ck_assert_int_eq(EVP_KDF_derive(k, out, len, params), 1);
	EVP_KDF_CTX_free(k);
	EVP_KDF_free(kdf);
}

/* One side's keys of a TLS <= 1.2 suite, with and without the run's
 * algorithms (twice with them: fetched, then from the cache), against the
 * slices of OpenSSL's key block. */
static void check_tls12(const struct tls_suite_info *s, uint16_t version, bool client, struct tls_crypto *crypto)
{
	uint8_t master[48], cr[32], sr[32], block[2 * (48 + 32 + 16)];
	fill(master, sizeof master, (uint8_t)s->id);
	fill(cr, sizeof cr, (uint8_t)version);
	fill(sr, sizeof sr, client);
	size_t mac = s->mac_len, key = s->key_len, iv = s->iv_len;
	openssl_key_block(version < 0x0303 ? "MD5-SHA1" : s->hash, master, cr, sr, block, 2 * (mac + key + iv));
	int w = client ? 0 : 1;
	for (int round = 0; round < 3; round++) {
		struct tls_decrypt_dir d;
		tls_decrypt_dir_init(&d);
		d.crypto = round ? crypto : NULL;
		ck_assert_int_eq(tls12_install_keys(&d, s, version, false, master, cr, sr, client), 0);
		ck_assert_msg(memcmp(d.mac_key, block + w * mac, mac) == 0, "0x%04x v%04x mac key", s->id, version);
		ck_assert_msg(memcmp(d.key, block + 2 * mac + w * key, key) == 0, "0x%04x v%04x key", s->id,
			      version);
		ck_assert_msg(memcmp(d.iv, block + 2 * mac + 2 * key + w * iv, iv) == 0, "0x%04x v%04x iv", s->id,
			      version);
		ck_assert(tls_decrypt_dir_ready(&d));
		tls_decrypt_dir_release(&d);
		ck_assert_ptr_eq(d.crypto, round ? crypto : NULL); /* release keeps what it borrows */
	}
}

static void check_tls13(const struct tls_suite_info *s, size_t secret_len, struct tls_crypto *crypto)
{
	uint8_t secret[48], key[32], iv[12], next[48], next_key[32];
	fill(secret, secret_len, (uint8_t)(s->id + secret_len));
	openssl_expand_label(s->hash, secret, secret_len, "key", key, s->key_len);
	openssl_expand_label(s->hash, secret, secret_len, "iv", iv, 12);
	openssl_expand_label(s->hash, secret, secret_len, "traffic upd", next, secret_len);
	openssl_expand_label(s->hash, next, secret_len, "key", next_key, s->key_len);
	for (int round = 0; round < 3; round++) {
		struct tls_decrypt_dir d;
		tls_decrypt_dir_init(&d);
		d.crypto = round ? crypto : NULL;
		ck_assert_int_eq(tls13_install_secret(&d, s, secret, secret_len), 0);
		ck_assert_msg(memcmp(d.key, key, s->key_len) == 0, "0x%04x key", s->id);
		ck_assert_msg(memcmp(d.iv, iv, 12) == 0, "0x%04x iv", s->id);
		ck_assert_int_eq(tls13_key_update(&d), 0);
		ck_assert_msg(memcmp(d.key, next_key, s->key_len) == 0, "0x%04x key after an update", s->id);
		tls_decrypt_dir_release(&d);
	}
}

START_TEST(test_every_suite)
{
	struct tls_crypto *crypto = tls_crypto_new();
	ck_assert_ptr_nonnull(crypto);
	for (size_t i = 0; i < sizeof suites / sizeof suites[0]; i++) {
		const struct tls_suite_info *s = tls_suite_info(suites[i]);
		ck_assert_msg(s != NULL, "0x%04x", suites[i]);
		if (s->tls13) {
			check_tls13(s, strcmp(s->hash, "SHA384") == 0 ? 48 : 32, crypto);
			continue;
		}
		/* AEAD suites are TLS 1.2 only; CBC ones exist since 1.0. */
		for (uint16_t v = s->mode == TLS_MODE_CBC ? 0x0301 : 0x0303; v <= 0x0303; v++) {
			check_tls12(s, v, true, crypto);
			check_tls12(s, v, false, crypto);
		}
	}
	tls_crypto_free(crypto);
}
END_TEST

/* Outputs longer than one digest take several HKDF blocks. */
START_TEST(test_expand_many_blocks)
{
	uint8_t secret[32], got[200], want[200];
	fill(secret, sizeof secret, 7);
	for (size_t len = 1; len <= sizeof got; len += 33) {
		openssl_expand_label("SHA256", secret, sizeof secret, "exp", want, len);
		ck_assert_int_eq(tls13_expand_label("SHA256", secret, sizeof secret, "exp", got, len), 0);
		ck_assert_mem_eq(got, want, len);
	}
}
END_TEST

SUITE_MAIN("tls_crypto", false, CASE("derivations", 0, test_every_suite, test_expand_many_blocks))
