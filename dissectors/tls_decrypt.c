/* tls_decrypt.c - record decryption (see tls_decrypt.h). */
#include "tls_decrypt.h"

#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include "rd.h"

#define AEAD_TAG 16
#define TLS13_IV 12

/* Cipher suites by number (IANA registry); the key exchange does not
 * matter here, only the record protection and the PRF hash. */
static const struct tls_suite_info suites[] = {
    /* TLS 1.3 */
    {0x1301, TLS_MODE_GCM, "AES-128-GCM", 16, 12, NULL, 0, "SHA256", true},
    {0x1302, TLS_MODE_GCM, "AES-256-GCM", 32, 12, NULL, 0, "SHA384", true},
    {0x1303, TLS_MODE_CHACHA, "ChaCha20-Poly1305", 32, 12, NULL, 0, "SHA256", true},
    {0x1304, TLS_MODE_CCM, "AES-128-CCM", 16, 12, NULL, 0, "SHA256", true},
    {0x1305, TLS_MODE_CCM8, "AES-128-CCM", 16, 12, NULL, 0, "SHA256", true},
    /* AES-GCM */
    {0x009C, TLS_MODE_GCM, "AES-128-GCM", 16, 4, NULL, 0, "SHA256", false},
    {0x009D, TLS_MODE_GCM, "AES-256-GCM", 32, 4, NULL, 0, "SHA384", false},
    {0x009E, TLS_MODE_GCM, "AES-128-GCM", 16, 4, NULL, 0, "SHA256", false},
    {0x009F, TLS_MODE_GCM, "AES-256-GCM", 32, 4, NULL, 0, "SHA384", false},
    {0x00A8, TLS_MODE_GCM, "AES-128-GCM", 16, 4, NULL, 0, "SHA256", false},
    {0x00A9, TLS_MODE_GCM, "AES-256-GCM", 32, 4, NULL, 0, "SHA384", false},
    {0x00AA, TLS_MODE_GCM, "AES-128-GCM", 16, 4, NULL, 0, "SHA256", false},
    {0x00AB, TLS_MODE_GCM, "AES-256-GCM", 32, 4, NULL, 0, "SHA384", false},
    {0xC02B, TLS_MODE_GCM, "AES-128-GCM", 16, 4, NULL, 0, "SHA256", false},
    {0xC02C, TLS_MODE_GCM, "AES-256-GCM", 32, 4, NULL, 0, "SHA384", false},
    {0xC02F, TLS_MODE_GCM, "AES-128-GCM", 16, 4, NULL, 0, "SHA256", false},
    {0xC030, TLS_MODE_GCM, "AES-256-GCM", 32, 4, NULL, 0, "SHA384", false},
    /* ChaCha20-Poly1305 (RFC 7905) */
    {0xCCA8, TLS_MODE_CHACHA, "ChaCha20-Poly1305", 32, 12, NULL, 0, "SHA256", false},
    {0xCCA9, TLS_MODE_CHACHA, "ChaCha20-Poly1305", 32, 12, NULL, 0, "SHA256", false},
    {0xCCAA, TLS_MODE_CHACHA, "ChaCha20-Poly1305", 32, 12, NULL, 0, "SHA256", false},
    {0xCCAB, TLS_MODE_CHACHA, "ChaCha20-Poly1305", 32, 12, NULL, 0, "SHA256", false},
    {0xCCAC, TLS_MODE_CHACHA, "ChaCha20-Poly1305", 32, 12, NULL, 0, "SHA256", false},
    {0xCCAD, TLS_MODE_CHACHA, "ChaCha20-Poly1305", 32, 12, NULL, 0, "SHA256", false},
    {0xCCAE, TLS_MODE_CHACHA, "ChaCha20-Poly1305", 32, 12, NULL, 0, "SHA256", false},
    /* AES-CCM (RFC 6655, 7251) */
    {0xC09C, TLS_MODE_CCM, "AES-128-CCM", 16, 4, NULL, 0, "SHA256", false},
    {0xC09D, TLS_MODE_CCM, "AES-256-CCM", 32, 4, NULL, 0, "SHA256", false},
    {0xC09E, TLS_MODE_CCM, "AES-128-CCM", 16, 4, NULL, 0, "SHA256", false},
    {0xC09F, TLS_MODE_CCM, "AES-256-CCM", 32, 4, NULL, 0, "SHA256", false},
    {0xC0A0, TLS_MODE_CCM8, "AES-128-CCM", 16, 4, NULL, 0, "SHA256", false},
    {0xC0A1, TLS_MODE_CCM8, "AES-256-CCM", 32, 4, NULL, 0, "SHA256", false},
    {0xC0A2, TLS_MODE_CCM8, "AES-128-CCM", 16, 4, NULL, 0, "SHA256", false},
    {0xC0A3, TLS_MODE_CCM8, "AES-256-CCM", 32, 4, NULL, 0, "SHA256", false},
    {0xC0AC, TLS_MODE_CCM, "AES-128-CCM", 16, 4, NULL, 0, "SHA256", false},
    {0xC0AD, TLS_MODE_CCM, "AES-256-CCM", 32, 4, NULL, 0, "SHA256", false},
    {0xC0AE, TLS_MODE_CCM8, "AES-128-CCM", 16, 4, NULL, 0, "SHA256", false},
    {0xC0AF, TLS_MODE_CCM8, "AES-256-CCM", 32, 4, NULL, 0, "SHA256", false},
    /* CBC with HMAC-SHA1 */
    {0x000A, TLS_MODE_CBC, "DES-EDE3-CBC", 24, 8, "SHA1", 20, "SHA256", false},
    {0x0016, TLS_MODE_CBC, "DES-EDE3-CBC", 24, 8, "SHA1", 20, "SHA256", false},
    {0xC012, TLS_MODE_CBC, "DES-EDE3-CBC", 24, 8, "SHA1", 20, "SHA256", false},
    {0x002F, TLS_MODE_CBC, "AES-128-CBC", 16, 16, "SHA1", 20, "SHA256", false},
    {0x0033, TLS_MODE_CBC, "AES-128-CBC", 16, 16, "SHA1", 20, "SHA256", false},
    {0x0035, TLS_MODE_CBC, "AES-256-CBC", 32, 16, "SHA1", 20, "SHA256", false},
    {0x0039, TLS_MODE_CBC, "AES-256-CBC", 32, 16, "SHA1", 20, "SHA256", false},
    {0x008C, TLS_MODE_CBC, "AES-128-CBC", 16, 16, "SHA1", 20, "SHA256", false},
    {0x008D, TLS_MODE_CBC, "AES-256-CBC", 32, 16, "SHA1", 20, "SHA256", false},
    {0xC009, TLS_MODE_CBC, "AES-128-CBC", 16, 16, "SHA1", 20, "SHA256", false},
    {0xC00A, TLS_MODE_CBC, "AES-256-CBC", 32, 16, "SHA1", 20, "SHA256", false},
    {0xC013, TLS_MODE_CBC, "AES-128-CBC", 16, 16, "SHA1", 20, "SHA256", false},
    {0xC014, TLS_MODE_CBC, "AES-256-CBC", 32, 16, "SHA1", 20, "SHA256", false},
    /* CBC with HMAC-SHA256 / SHA384 (TLS 1.2) */
    {0x003C, TLS_MODE_CBC, "AES-128-CBC", 16, 16, "SHA256", 32, "SHA256", false},
    {0x003D, TLS_MODE_CBC, "AES-256-CBC", 32, 16, "SHA256", 32, "SHA256", false},
    {0x0067, TLS_MODE_CBC, "AES-128-CBC", 16, 16, "SHA256", 32, "SHA256", false},
    {0x006B, TLS_MODE_CBC, "AES-256-CBC", 32, 16, "SHA256", 32, "SHA256", false},
    {0xC023, TLS_MODE_CBC, "AES-128-CBC", 16, 16, "SHA256", 32, "SHA256", false},
    {0xC027, TLS_MODE_CBC, "AES-128-CBC", 16, 16, "SHA256", 32, "SHA256", false},
    {0xC024, TLS_MODE_CBC, "AES-256-CBC", 32, 16, "SHA384", 48, "SHA384", false},
    {0xC028, TLS_MODE_CBC, "AES-256-CBC", 32, 16, "SHA384", 48, "SHA384", false},
    {0, 0, NULL, 0, 0, NULL, 0, NULL, false},
};

const struct tls_suite_info *tls_suite_info(uint16_t suite)
{
	for (const struct tls_suite_info *s = suites; s->cipher; s++)
		if (s->id == suite)
			return s;
	return NULL;
}

void tls_decrypt_dir_init(struct tls_decrypt_dir *d)
{
	memset(d, 0, sizeof *d);
}

void tls_decrypt_dir_release(struct tls_decrypt_dir *d)
{
	EVP_CIPHER_CTX_free(d->cipher_ctx);
	EVP_CIPHER_free(d->cipher);
	EVP_MAC_free(d->mac);
	OPENSSL_cleanse(d, sizeof *d);
	memset(d, 0, sizeof *d);
}

bool tls_decrypt_dir_ready(const struct tls_decrypt_dir *d)
{
	return d->suite && d->cipher_ctx;
}

/* New keys: the OpenSSL objects are made once per direction and reused. */
static int prepare(struct tls_decrypt_dir *d, const struct tls_suite_info *s, uint16_t version)
{
	if (d->suite != s) {
		EVP_CIPHER_free(d->cipher);
		EVP_MAC_free(d->mac);
		d->cipher = EVP_CIPHER_fetch(NULL, s->cipher, NULL);
		d->mac = s->mac ? EVP_MAC_fetch(NULL, "HMAC", NULL) : NULL;
		if (!d->cipher || (s->mac && !d->mac)) {
			d->suite = NULL;
			return -1;
		}
	}
	if (!d->cipher_ctx && !(d->cipher_ctx = EVP_CIPHER_CTX_new()))
		return -1;
	d->suite = s;
	d->version = version;
	d->seq = 0;
	return 0;
}

static int tls_prf(const char *hash, uint16_t version, const uint8_t *secret, size_t secret_len,
		   const uint8_t *seed, size_t seed_len, uint8_t *out, size_t out_len)
{
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "TLS1-PRF", NULL);
	EVP_KDF_CTX *kctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
	/* TLS 1.0 and 1.1 use the MD5 / SHA-1 combination. */
	char *digest = (char *)(version < 0x0303 ? "MD5-SHA1" : hash);
	OSSL_PARAM params[] = {
	    OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
	    OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SECRET, (void *)secret, secret_len),
	    OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, (void *)seed, seed_len),
	    OSSL_PARAM_construct_end(),
	};
	int rc = kctx && EVP_KDF_derive(kctx, out, out_len, params) > 0 ? 0 : -1;
	EVP_KDF_CTX_free(kctx);
	EVP_KDF_free(kdf);
	return rc;
}

/* SSL 3.0 (RFC 6101 6.2.2): key_block = MD5(master + SHA1("A" + master +
 * server_random + client_random)) + MD5(master + SHA1("BB" + ...)) + ...,
 * as many rounds as the keys need. */
static int ssl3_key_block(const uint8_t master[48], const uint8_t client_random[32],
			  const uint8_t server_random[32], uint8_t *out, size_t out_len)
{
	EVP_MD *md5 = EVP_MD_fetch(NULL, "MD5", NULL), *sha1 = EVP_MD_fetch(NULL, "SHA1", NULL);
	int rc = md5 && sha1 ? 0 : -1;
	for (size_t round = 0; rc == 0 && round * 16 < out_len; round++) {
		uint8_t salt[26], inner[20], outer[16];
		unsigned n = 0;
		if (round >= sizeof salt) {
			rc = -1;
			break;
		}
		memset(salt, 'A' + (int)round, round + 1);
		EVP_MD_CTX *c = EVP_MD_CTX_new();
		rc = c && EVP_DigestInit_ex2(c, sha1, NULL) && EVP_DigestUpdate(c, salt, round + 1) &&
				     EVP_DigestUpdate(c, master, 48) && EVP_DigestUpdate(c, server_random, 32) &&
				     EVP_DigestUpdate(c, client_random, 32) && EVP_DigestFinal_ex(c, inner, &n) &&
				     EVP_DigestInit_ex2(c, md5, NULL) && EVP_DigestUpdate(c, master, 48) &&
				     EVP_DigestUpdate(c, inner, sizeof inner) && EVP_DigestFinal_ex(c, outer, &n)
			     ? 0
			     : -1;
		EVP_MD_CTX_free(c);
		size_t take = out_len - round * 16 < 16 ? out_len - round * 16 : 16;
		memcpy(out + round * 16, outer, take);
	}
	EVP_MD_free(md5);
	EVP_MD_free(sha1);
	return rc;
}

int tls12_install_keys(struct tls_decrypt_dir *d, const struct tls_suite_info *s, uint16_t version, bool etm,
		       const uint8_t master[48], const uint8_t client_random[32],
		       const uint8_t server_random[32], bool client_write)
{
	/* key_block = PRF(master_secret, "key expansion", server_random +
	 * client_random): client MAC key, server MAC key, client key, server
	 * key, client IV, server IV (RFC 5246 6.3). */
	uint8_t seed[13 + 64], block[2 * (48 + 32 + 16)];
	size_t mac = s->mac_len, key = s->key_len, iv = s->iv_len;
	size_t need = 2 * (mac + key + iv);

	if (s->tls13 || version < 0x0300 || version > 0x0303)
		return -1;
	if (version == 0x0300) {
		/* SSL 3.0 has block ciphers with its own MAC only. */
		if (s->mode != TLS_MODE_CBC || ssl3_key_block(master, client_random, server_random, block, need) != 0)
			return -1;
		etm = false;
	} else {
		memcpy(seed, "key expansion", 13);
		memcpy(seed + 13, server_random, 32);
		memcpy(seed + 45, client_random, 32);
		if (tls_prf(s->hash, version, master, 48, seed, sizeof seed, block, need) != 0)
			return -1;
	}
	if (prepare(d, s, version) != 0)
		return -1;
	int w = client_write ? 0 : 1;
	memcpy(d->mac_key, block + w * mac, mac);
	memcpy(d->key, block + 2 * mac + w * key, key);
	memcpy(d->iv, block + 2 * mac + 2 * key + w * iv, iv);
	d->etm = etm && s->mode == TLS_MODE_CBC;
	OPENSSL_cleanse(block, sizeof block);
	return 0;
}

int tls13_expand_label(const char *hash, const uint8_t *secret, size_t secret_len, const char *label,
		       uint8_t *out, size_t out_len)
{
	/* struct { uint16 length; opaque label<7..255> = "tls13 " + Label;
	 *          opaque context<0..255>; } HkdfLabel; */
	uint8_t info[2 + 1 + 255 + 1];
	size_t ll = strlen(label), n = 0;
	if (ll > 249 || out_len > 0xffff)
		return -1;
	info[n++] = (uint8_t)(out_len >> 8);
	info[n++] = (uint8_t)out_len;
	info[n++] = (uint8_t)(6 + ll);
	memcpy(info + n, "tls13 ", 6);
	n += 6;
	memcpy(info + n, label, ll);
	n += ll;
	info[n++] = 0; /* empty context */

	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	EVP_KDF_CTX *kctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
	int mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY;
	OSSL_PARAM params[] = {
	    OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode),
	    OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)hash, 0),
	    OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)secret, secret_len),
	    OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info, n),
	    OSSL_PARAM_construct_end(),
	};
	int rc = kctx && EVP_KDF_derive(kctx, out, out_len, params) > 0 ? 0 : -1;
	EVP_KDF_CTX_free(kctx);
	EVP_KDF_free(kdf);
	return rc;
}

int tls13_install_secret(struct tls_decrypt_dir *d, const struct tls_suite_info *s, const uint8_t *secret,
			 size_t len)
{
	if (!s->tls13 || len == 0 || len > sizeof d->secret)
		return -1;
	if (tls13_expand_label(s->hash, secret, len, "key", d->key, s->key_len) != 0 ||
	    tls13_expand_label(s->hash, secret, len, "iv", d->iv, TLS13_IV) != 0)
		return -1;
	if (prepare(d, s, 0x0304) != 0)
		return -1;
	memmove(d->secret, secret, len);
	d->secret_len = len;
	return 0;
}

int tls13_key_update(struct tls_decrypt_dir *d)
{
	uint8_t next[64];
	if (!d->suite || !d->suite->tls13 || d->secret_len == 0)
		return -1;
	if (tls13_expand_label(d->suite->hash, d->secret, d->secret_len, "traffic upd", next,
			       d->secret_len) != 0)
		return -1;
	int rc = tls13_install_secret(d, d->suite, next, d->secret_len);
	OPENSSL_cleanse(next, sizeof next);
	return rc;
}

/* The per-record nonce: the fixed IV XOR the sequence number, left-padded
 * (TLS 1.3, and ChaCha20-Poly1305 in TLS 1.2). */
static void xor_nonce(const struct tls_decrypt_dir *d, uint8_t nonce[12])
{
	memcpy(nonce, d->iv, 12);
	for (int i = 0; i < 8; i++)
		nonce[11 - i] ^= (uint8_t)(d->seq >> (8 * i));
}

static void put_seq_header(uint8_t out[13], uint64_t seq, uint8_t type, uint16_t version, size_t len)
{
	for (int i = 0; i < 8; i++)
		out[7 - i] = (uint8_t)(seq >> (8 * i));
	out[8] = type;
	out[9] = (uint8_t)(version >> 8);
	out[10] = (uint8_t)version;
	out[11] = (uint8_t)(len >> 8);
	out[12] = (uint8_t)len;
}

static int aead_open(struct tls_decrypt_dir *d, const uint8_t nonce[12], const uint8_t *aad, size_t aad_len,
		     struct rd ct, struct rd tag, uint8_t *out)
{
	EVP_CIPHER_CTX *ctx = d->cipher_ctx;
	int outl = 0, fin = 0;
	if (d->suite->mode == TLS_MODE_CCM || d->suite->mode == TLS_MODE_CCM8) {
		/* CCM wants the lengths before the data, and checks the tag in
		 * the (single) update call. */
		if (EVP_DecryptInit_ex2(ctx, d->cipher, NULL, NULL, NULL) <= 0 ||
		    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN, 12, NULL) <= 0 ||
		    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, (int)tag.len, (void *)tag.p) <= 0 ||
		    EVP_DecryptInit_ex2(ctx, NULL, d->key, nonce, NULL) <= 0 ||
		    EVP_DecryptUpdate(ctx, NULL, &outl, NULL, (int)ct.len) <= 0 ||
		    EVP_DecryptUpdate(ctx, NULL, &outl, aad, (int)aad_len) <= 0)
			return -1;
		return EVP_DecryptUpdate(ctx, out, &outl, ct.p, (int)ct.len) > 0 ? 0 : -1;
	}
	if (EVP_DecryptInit_ex2(ctx, d->cipher, d->key, NULL, NULL) <= 0 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN, 12, NULL) <= 0 ||
	    EVP_DecryptInit_ex2(ctx, NULL, NULL, nonce, NULL) <= 0 ||
	    EVP_DecryptUpdate(ctx, NULL, &outl, aad, (int)aad_len) <= 0 ||
	    (ct.len && EVP_DecryptUpdate(ctx, out, &outl, ct.p, (int)ct.len) <= 0) ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, (int)tag.len, (void *)tag.p) <= 0)
		return -1;
	return EVP_DecryptFinal_ex(ctx, out + outl, &fin) > 0 ? 0 : -1;
}

static size_t tag_len(const struct tls_suite_info *s)
{
	return s->mode == TLS_MODE_CCM8 ? 8 : AEAD_TAG;
}

static enum tls_decrypt_result open_tls13(struct tls_decrypt_dir *d, uint8_t type, uint16_t version,
					  struct rd rec, uint8_t *out, size_t *out_len, uint8_t *content_type)
{
	uint8_t nonce[12], aad[5];
	struct rd ct, tag;
	size_t tl = tag_len(d->suite);

	if (rd_left(&rec) < tl + 1 || rd_view(&rec, rd_left(&rec) - tl, &ct) || rd_view(&rec, tl, &tag))
		return TLS_DEC_ERROR;
	xor_nonce(d, nonce);
	/* additional_data = TLSCiphertext.opaque_type || legacy_record_version || length */
	aad[0] = type;
	aad[1] = (uint8_t)(version >> 8);
	aad[2] = (uint8_t)version;
	aad[3] = (uint8_t)((ct.len + tl) >> 8);
	aad[4] = (uint8_t)(ct.len + tl);
	if (aead_open(d, nonce, aad, sizeof aad, ct, tag, out) != 0)
		return TLS_DEC_BAD;
	/* TLSInnerPlaintext: content, the real type, then zero padding. */
	struct rd plain = rd_make(out, ct.len);
	uint8_t b = 0;
	size_t n = ct.len;
	while (n > 0 && rd_peek_u8(&plain, n - 1, &b) == 0 && b == 0)
		n--;
	if (n == 0)
		return TLS_DEC_BAD; /* all padding: no content type */
	*content_type = b;
	*out_len = n - 1;
	return TLS_DEC_OK;
}

static enum tls_decrypt_result open_aead12(struct tls_decrypt_dir *d, uint8_t type, uint16_t version,
					   struct rd rec, uint8_t *out, size_t *out_len)
{
	uint8_t nonce[12], aad[13];
	struct rd explicit_nonce, ct, tag;
	size_t tl = tag_len(d->suite);

	if (d->suite->mode == TLS_MODE_CHACHA) {
		xor_nonce(d, nonce);
	} else {
		/* GCM / CCM: 4-byte salt from the key block, 8 bytes sent. */
		if (rd_view(&rec, 8, &explicit_nonce))
			return TLS_DEC_ERROR;
		memcpy(nonce, d->iv, 4);
		memcpy(nonce + 4, explicit_nonce.p, 8);
	}
	if (rd_left(&rec) < tl || rd_view(&rec, rd_left(&rec) - tl, &ct) || rd_view(&rec, tl, &tag))
		return TLS_DEC_ERROR;
	put_seq_header(aad, d->seq, type, version, ct.len);
	if (aead_open(d, nonce, aad, sizeof aad, ct, tag, out) != 0)
		return TLS_DEC_BAD;
	*out_len = ct.len;
	return TLS_DEC_OK;
}

static int hmac(struct tls_decrypt_dir *d, const uint8_t hdr[13], const uint8_t *data, size_t len,
		uint8_t *out)
{
	EVP_MAC_CTX *m = EVP_MAC_CTX_new(d->mac);
	size_t outl = 0;
	OSSL_PARAM params[] = {
	    OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)d->suite->mac, 0),
	    OSSL_PARAM_construct_end(),
	};
	int ok = m && EVP_MAC_init(m, d->mac_key, d->suite->mac_len, params) && EVP_MAC_update(m, hdr, 13) &&
		 EVP_MAC_update(m, data, len) && EVP_MAC_final(m, out, &outl, 64) &&
		 outl == d->suite->mac_len;
	EVP_MAC_CTX_free(m);
	return ok ? 0 : -1;
}

/* SSL 3.0's MAC (RFC 6101 5.2.3.1): hash(MAC_write_secret + pad_2 +
 * hash(MAC_write_secret + pad_1 + seq_num + type + length + content)), the
 * pads 48 bytes for MD5, 40 for SHA-1. */
static int ssl3_mac(struct tls_decrypt_dir *d, uint8_t type, const uint8_t *data, size_t len, uint8_t *out)
{
	static const uint8_t pad1[48] = { [0 ... 47] = 0x36 }, pad2[48] = { [0 ... 47] = 0x5c };
	size_t ml = d->suite->mac_len, pl = ml == 16 ? 48 : 40;
	uint8_t hdr[11], inner[64];
	unsigned n = 0;
	for (int i = 0; i < 8; i++)
		hdr[i] = (uint8_t)(d->seq >> (56 - 8 * i));
	hdr[8] = type;
	hdr[9] = (uint8_t)(len >> 8);
	hdr[10] = (uint8_t)len;
	EVP_MD *md = EVP_MD_fetch(NULL, d->suite->mac, NULL);
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	int ok = md && c && EVP_DigestInit_ex2(c, md, NULL) && EVP_DigestUpdate(c, d->mac_key, ml) &&
		 EVP_DigestUpdate(c, pad1, pl) && EVP_DigestUpdate(c, hdr, sizeof hdr) &&
		 EVP_DigestUpdate(c, data, len) && EVP_DigestFinal_ex(c, inner, &n) && n == ml &&
		 EVP_DigestInit_ex2(c, md, NULL) && EVP_DigestUpdate(c, d->mac_key, ml) &&
		 EVP_DigestUpdate(c, pad2, pl) && EVP_DigestUpdate(c, inner, ml) && EVP_DigestFinal_ex(c, out, &n) &&
		 n == ml;
	EVP_MD_CTX_free(c);
	EVP_MD_free(md);
	return ok ? 0 : -1;
}

static enum tls_decrypt_result open_cbc(struct tls_decrypt_dir *d, uint8_t type, uint16_t version,
					struct rd rec, uint8_t *out, size_t *out_len)
{
	size_t bs = d->suite->iv_len, ml = d->suite->mac_len;
	uint8_t hdr[13], mac[64];
	struct rd ct, sent_mac, last_block;
	int outl = 0, fin = 0;

	if (d->etm) {
		/* RFC 7366: MAC(seq || header || IV + ciphertext) follows the ciphertext. */
		if (rd_left(&rec) < ml || rd_view(&rec, rd_left(&rec) - ml, &ct) ||
		    rd_view(&rec, ml, &sent_mac))
			return TLS_DEC_ERROR;
		put_seq_header(hdr, d->seq, type, version, ct.len);
		if (hmac(d, hdr, ct.p, ct.len, mac) != 0 || CRYPTO_memcmp(mac, sent_mac.p, ml) != 0)
			return TLS_DEC_BAD;
	} else {
		ct = rec;
	}
	if (ct.len == 0 || ct.len % bs)
		return TLS_DEC_ERROR;
	/* TLS 1.1+: the first block is an explicit IV; decrypting it with any
	 * IV and dropping it gives the rest. TLS 1.0 chains the IV. */
	bool explicit_iv = version >= 0x0302;
	struct rd tail = ct;
	if (rd_skip(&tail, ct.len - bs) || rd_view(&tail, bs, &last_block))
		return TLS_DEC_ERROR;
	uint8_t next_iv[16];
	memcpy(next_iv, last_block.p, bs);
	EVP_CIPHER_CTX *ctx = d->cipher_ctx;
	if (EVP_DecryptInit_ex2(ctx, d->cipher, d->key, d->iv, NULL) <= 0 ||
	    !EVP_CIPHER_CTX_set_padding(ctx, 0) ||
	    EVP_DecryptUpdate(ctx, out, &outl, ct.p, (int)ct.len) <= 0 ||
	    EVP_DecryptFinal_ex(ctx, out + outl, &fin) <= 0)
		return TLS_DEC_ERROR;
	if (!explicit_iv)
		memcpy(d->iv, next_iv, bs);
	struct rd plain = rd_make(out, ct.len);
	if (explicit_iv && rd_skip(&plain, bs))
		return TLS_DEC_BAD;
	/* Padding: pad_len + 1 bytes, each of value pad_len (SSL 3.0: any
	 * bytes, less than a block). */
	uint8_t pad, b;
	bool ssl3 = d->version == 0x0300;
	if (rd_peek_u8(&plain, rd_left(&plain) - 1, &pad) || (size_t)pad + 1 > rd_left(&plain) || (ssl3 && pad >= bs))
		return TLS_DEC_BAD;
	for (size_t i = 0; i <= pad && !ssl3; i++)
		if (rd_peek_u8(&plain, rd_left(&plain) - 1 - i, &b) || b != pad)
			return TLS_DEC_BAD;
	size_t content = rd_left(&plain) - pad - 1;
	if (!d->etm) {
		if (content < ml)
			return TLS_DEC_BAD;
		content -= ml;
		put_seq_header(hdr, d->seq, type, version, content);
		struct rd got;
		struct rd rest = plain;
		if (rd_skip(&rest, content) || rd_view(&rest, ml, &got))
			return TLS_DEC_BAD;
		int mac_rc = ssl3 ? ssl3_mac(d, type, plain.p, content, mac) : hmac(d, hdr, plain.p, content, mac);
		if (mac_rc != 0 || CRYPTO_memcmp(mac, got.p, ml) != 0)
			return TLS_DEC_BAD;
	}
	memmove(out, plain.p, content);
	*out_len = content;
	return TLS_DEC_OK;
}

enum tls_decrypt_result tls_decrypt_record(struct tls_decrypt_dir *d, uint8_t type, uint16_t version,
					   const uint8_t *in, size_t len, uint8_t *out, size_t *out_len,
					   uint8_t *content_type)
{
	struct rd rec = rd_make(in, len);
	enum tls_decrypt_result r;

	if (!tls_decrypt_dir_ready(d) || len > 16384 + 2048)
		return TLS_DEC_ERROR;
	*content_type = type;
	if (d->suite->tls13)
		r = open_tls13(d, type, version, rec, out, out_len, content_type);
	else if (d->suite->mode == TLS_MODE_CBC)
		r = open_cbc(d, type, version, rec, out, out_len);
	else
		r = open_aead12(d, type, version, rec, out, out_len);
	d->seq++;
	return r;
}
