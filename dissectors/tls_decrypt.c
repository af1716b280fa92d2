/* tls_decrypt.c - record decryption (see tls_decrypt.h). */
#include "tls_decrypt.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
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

/* ---- algorithms fetched once per run ---------------------------------- */

/* Enough for every cipher and digest of the suite table; past it, a name
 * is fetched per use. */
#define TLS_CRYPTO_SLOTS 8
#define TLS_SPARE_CIPHER_CTX 256

struct tls_crypto {
	struct {
		const char *name; /* the suite table's */
		EVP_CIPHER *cipher;
	} ciphers[TLS_CRYPTO_SLOTS];
	struct {
		const char *digest;   /* the suite table's, or a literal here */
		EVP_MAC_CTX *hmac;    /* digest set, no key: copied for keys kept */
		EVP_MAC_CTX *scratch; /* keyed afresh for each derivation */
	} hmacs[TLS_CRYPTO_SLOTS];
	/* TLS <= 1.2: both sides of a handshake derive the same key block,
	 * one at each ChangeCipherSpec; the last few derived are kept (a
	 * ring) so that the second side finds its keys. */
	struct key_block_memo {
		bool used;
		const char *hash;
		uint16_t version;
		uint8_t master[48];
		uint8_t seed[13 + 64];
		size_t len;
		uint8_t block[2 * (48 + 32 + 16)];
	} key_blocks[32];
	size_t next_key_block;
	/* Cipher contexts of directions released, for the next directions:
	 * made again, each cost an allocation, the cipher's own state and,
	 * freed, a wipe of it, once per direction of every connection. As
	 * many as the directions given up at one expiry round of a busy
	 * capture (about 1 KiB each). */
	EVP_CIPHER_CTX *spare_ctx[TLS_SPARE_CIPHER_CTX];
	size_t n_spare_ctx;
};

struct tls_crypto *tls_crypto_new(void)
{
	return calloc(1, sizeof(struct tls_crypto));
}

void tls_crypto_free(struct tls_crypto *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < TLS_CRYPTO_SLOTS; i++) {
		EVP_CIPHER_free(c->ciphers[i].cipher);
		EVP_MAC_CTX_free(c->hmacs[i].hmac);
		EVP_MAC_CTX_free(c->hmacs[i].scratch);
	}
	for (size_t i = 0; i < c->n_spare_ctx; i++)
		EVP_CIPHER_CTX_free(c->spare_ctx[i]);
	OPENSSL_cleanse(c->key_blocks, sizeof c->key_blocks);
	free(c);
}

/* A reference of the caller's to the cipher: the run's when it has one. */
static EVP_CIPHER *cipher_fetch(struct tls_crypto *c, const char *name)
{
	size_t i = 0;
	while (c && i < TLS_CRYPTO_SLOTS && c->ciphers[i].name && strcmp(c->ciphers[i].name, name) != 0)
		i++;
	if (!c || i == TLS_CRYPTO_SLOTS)
		return EVP_CIPHER_fetch(NULL, name, NULL);
	if (!c->ciphers[i].name) {
		EVP_CIPHER *fetched = EVP_CIPHER_fetch(NULL, name, NULL);
		if (!fetched)
			return NULL;
		c->ciphers[i].name = name;
		c->ciphers[i].cipher = fetched;
	}
	return EVP_CIPHER_up_ref(c->ciphers[i].cipher) ? c->ciphers[i].cipher : NULL;
}

static EVP_MAC_CTX *hmac_new(const char *digest)
{
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	EVP_MAC_CTX *m = mac ? EVP_MAC_CTX_new(mac) : NULL; /* holds its own reference */
	OSSL_PARAM params[] = {
	    OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)digest, 0),
	    OSSL_PARAM_construct_end(),
	};
	EVP_MAC_free(mac);
	if (m && !EVP_MAC_CTX_set_params(m, params)) {
		EVP_MAC_CTX_free(m);
		m = NULL;
	}
	return m;
}

/* The run's slot for this digest, made on first use; TLS_CRYPTO_SLOTS
 * when there is none (no run, the table full, out of memory). */
static size_t hmac_slot(struct tls_crypto *c, const char *digest)
{
	size_t i = 0;
	while (c && i < TLS_CRYPTO_SLOTS && c->hmacs[i].digest && strcmp(c->hmacs[i].digest, digest) != 0)
		i++;
	if (!c || i == TLS_CRYPTO_SLOTS)
		return TLS_CRYPTO_SLOTS;
	if (!c->hmacs[i].digest) {
		if (!(c->hmacs[i].hmac = hmac_new(digest)))
			return TLS_CRYPTO_SLOTS;
		c->hmacs[i].digest = digest;
	}
	return i;
}

/* A new HMAC context (the caller's) with this digest and key. */
static EVP_MAC_CTX *hmac_keyed(struct tls_crypto *c, const char *digest, const uint8_t *key, size_t key_len)
{
	size_t i = hmac_slot(c, digest);
	EVP_MAC_CTX *m = i == TLS_CRYPTO_SLOTS ? hmac_new(digest) : EVP_MAC_CTX_dup(c->hmacs[i].hmac);
	if (m && !EVP_MAC_init(m, key, key_len, NULL)) {
		EVP_MAC_CTX_free(m);
		m = NULL;
	}
	return m;
}

/* An HMAC context with this digest and key for one derivation, handed
 * back with hmac_give_back before the next: the run's scratch context
 * for the digest, keyed again (a copy and a free per derivation cost
 * more than the hashing of a short key), or without a run a new one. */
static EVP_MAC_CTX *hmac_borrow(struct tls_crypto *c, const char *digest, const uint8_t *key, size_t key_len)
{
	size_t i = hmac_slot(c, digest);
	if (i == TLS_CRYPTO_SLOTS)
		return hmac_keyed(NULL, digest, key, key_len);
	if (!c->hmacs[i].scratch && !(c->hmacs[i].scratch = EVP_MAC_CTX_dup(c->hmacs[i].hmac)))
		return NULL;
	return EVP_MAC_init(c->hmacs[i].scratch, key, key_len, NULL) ? c->hmacs[i].scratch : NULL;
}

static void hmac_give_back(struct tls_crypto *c, EVP_MAC_CTX *m)
{
	for (size_t i = 0; c && i < TLS_CRYPTO_SLOTS; i++)
		if (m && c->hmacs[i].scratch == m)
			return;
	EVP_MAC_CTX_free(m);
}

/* HMAC(key, a || b) with the keyed context, started again with its key
 * (EVP_MAC_init with no key, which OpenSSL 3's HMAC allows) rather than copied:
 * a copy allocates three digest contexts. *out_len is the digest's size. */
static int hmac_once(EVP_MAC_CTX *keyed, const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len,
		     uint8_t out[EVP_MAX_MD_SIZE], size_t *out_len)
{
	int ok = EVP_MAC_init(keyed, NULL, 0, NULL) && EVP_MAC_update(keyed, a, a_len) &&
		 (b_len == 0 || EVP_MAC_update(keyed, b, b_len)) &&
		 EVP_MAC_final(keyed, out, out_len, EVP_MAX_MD_SIZE) && *out_len > 0;
	return ok ? 0 : -1;
}

/* A cipher context for a direction (the caller's): a spare one of the
 * run, one for this cipher if there is one, or a new one. */
static EVP_CIPHER_CTX *cipher_ctx_take(struct tls_crypto *c, const EVP_CIPHER *cipher)
{
	if (!c || c->n_spare_ctx == 0)
		return EVP_CIPHER_CTX_new();
	size_t i = c->n_spare_ctx - 1;
	for (size_t k = 0; k < c->n_spare_ctx; k++)
		if (EVP_CIPHER_CTX_get0_cipher(c->spare_ctx[k]) == cipher)
			i = k;
	EVP_CIPHER_CTX *ctx = c->spare_ctx[i];
	c->spare_ctx[i] = c->spare_ctx[--c->n_spare_ctx];
	return ctx;
}

/* A direction's context back to the run (it keeps its last key until it
 * is keyed again or the run ends), or freed when there is no room. */
static void cipher_ctx_give_back(struct tls_crypto *c, EVP_CIPHER_CTX *ctx)
{
	if (ctx && c && c->n_spare_ctx < sizeof c->spare_ctx / sizeof c->spare_ctx[0])
		c->spare_ctx[c->n_spare_ctx++] = ctx;
	else
		EVP_CIPHER_CTX_free(ctx);
}

/* The direction's key (and iv, when given) into its context; the same
 * cipher is keyed again in place, where naming the cipher would free and
 * make the cipher's state anew. */
static bool key_cipher_ctx(struct tls_decrypt_dir *d, const uint8_t *iv)
{
	EVP_CIPHER_CTX *ctx = d->cipher_ctx;
	const EVP_CIPHER *same = EVP_CIPHER_CTX_get0_cipher(ctx) == d->cipher ? NULL : d->cipher;
	return EVP_DecryptInit_ex2(ctx, same, d->key, iv, NULL) > 0;
}

/* ---- directions ------------------------------------------------------- */

void tls_decrypt_dir_init(struct tls_decrypt_dir *d)
{
	memset(d, 0, sizeof *d);
}

void tls_decrypt_dir_release(struct tls_decrypt_dir *d)
{
	struct tls_crypto *crypto = d->crypto;
	cipher_ctx_give_back(crypto, d->cipher_ctx);
	EVP_CIPHER_free(d->cipher);
	EVP_MAC_free(d->mac);
	EVP_MAC_CTX_free(d->mac_keyed);
	OPENSSL_cleanse(d, sizeof *d);
	memset(d, 0, sizeof *d);
	d->crypto = crypto;
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
		d->cipher = cipher_fetch(d->crypto, s->cipher);
		d->mac = s->mac ? EVP_MAC_fetch(NULL, "HMAC", NULL) : NULL;
		if (!d->cipher || (s->mac && !d->mac)) {
			d->suite = NULL;
			return -1;
		}
	}
	if (!d->cipher_ctx && !(d->cipher_ctx = cipher_ctx_take(d->crypto, d->cipher)))
		return -1;
	d->suite = s;
	d->version = version;
	d->seq = 0;
	d->ctx_keyed = false; /* new keys follow */
	EVP_MAC_CTX_free(d->mac_keyed);
	d->mac_keyed = NULL;
	return 0;
}

/* P_hash(secret, seed) (RFC 5246 5): HMAC(secret, A(i) || seed) for
 * A(0) = seed, A(i) = HMAC(secret, A(i-1)), to out_len bytes. */
static int p_hash(struct tls_crypto *c, const char *digest, const uint8_t *secret, size_t secret_len,
		  const uint8_t *seed, size_t seed_len, uint8_t *out, size_t out_len)
{
	EVP_MAC_CTX *keyed = hmac_borrow(c, digest, secret, secret_len);
	uint8_t a[EVP_MAX_MD_SIZE], block[EVP_MAX_MD_SIZE];
	size_t a_len = 0, block_len = 0, done = 0;
	int rc = keyed ? hmac_once(keyed, seed, seed_len, NULL, 0, a, &a_len) : -1;
	while (rc == 0 && done < out_len) {
		rc = hmac_once(keyed, a, a_len, seed, seed_len, block, &block_len);
		size_t n = block_len < out_len - done ? block_len : out_len - done;
		if (rc == 0)
			memcpy(out + done, block, n);
		done += n;
		if (rc == 0 && done < out_len)
			rc = hmac_once(keyed, a, a_len, NULL, 0, a, &a_len);
	}
	OPENSSL_cleanse(a, sizeof a);
	OPENSSL_cleanse(block, sizeof block);
	hmac_give_back(c, keyed);
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

/* The TLS PRF with the seed label || seed: P_hash with the suite's hash
 * (TLS 1.2, RFC 5246 5), or P_MD5 of the secret's first half XOR P_SHA1
 * of its second (TLS 1.0 and 1.1, RFC 2246 5; odd lengths share a byte). */
static int tls_prf(struct tls_crypto *c, const char *hash, uint16_t version, const uint8_t *secret,
		   size_t secret_len, const uint8_t *seed, size_t seed_len, uint8_t *out, size_t out_len)
{
	if (version >= 0x0303)
		return p_hash(c, hash, secret, secret_len, seed, seed_len, out, out_len);
	uint8_t sha1_part[2 * (48 + 32 + 16)];
	size_t half = (secret_len + 1) / 2;
	if (out_len > sizeof sha1_part)
		return -1;
	int rc = p_hash(c, "MD5", secret, half, seed, seed_len, out, out_len) == 0 &&
			 p_hash(c, "SHA1", secret + secret_len - half, half, seed, seed_len, sha1_part, out_len) == 0
		     ? 0
		     : -1;
	for (size_t i = 0; rc == 0 && i < out_len; i++)
		out[i] ^= sha1_part[i];
	OPENSSL_cleanse(sha1_part, sizeof sha1_part);
	return rc;
}

/* The key block for these inputs: remembered when the other side of the
 * same handshake derived it, else derived (and remembered). */
static int key_block(struct tls_crypto *c, const char *hash, uint16_t version, const uint8_t master[48],
		     const uint8_t seed[13 + 64], uint8_t *out, size_t len)
{
	const size_t n_memo = c ? sizeof c->key_blocks / sizeof c->key_blocks[0] : 0;
	for (size_t i = 0; i < n_memo; i++) {
		const struct key_block_memo *m = &c->key_blocks[i];
		if (m->used && m->hash == hash && m->version == version && m->len == len &&
		    memcmp(m->master, master, 48) == 0 && memcmp(m->seed, seed, sizeof m->seed) == 0) {
			memcpy(out, m->block, len);
			return 0;
		}
	}
	if (tls_prf(c, hash, version, master, 48, seed, 13 + 64, out, len) != 0)
		return -1;
	if (c && len <= sizeof c->key_blocks[0].block) {
		struct key_block_memo *m = &c->key_blocks[c->next_key_block++ % n_memo];
		m->used = true;
		m->hash = hash;
		m->version = version;
		memcpy(m->master, master, 48);
		memcpy(m->seed, seed, sizeof m->seed);
		m->len = len;
		memcpy(m->block, out, len);
	}
	return 0;
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
		if (key_block(d->crypto, s->hash, version, master, seed, block, need) != 0)
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

/* HKDF-Expand (RFC 5869 2.3) with the PRK's keyed HMAC:
 * T(i) = HMAC(prk, T(i-1) || info || i). */
static int hkdf_expand(EVP_MAC_CTX *keyed, const uint8_t *info, size_t info_len, uint8_t *out, size_t out_len)
{
	uint8_t t[EVP_MAX_MD_SIZE], in[2 * 256 + 1];
	size_t t_len = 0, done = 0;
	int rc = info_len <= 2 * 256 - EVP_MAX_MD_SIZE ? 0 : -1;
	for (unsigned i = 1; rc == 0 && done < out_len; i++) {
		if (i > 255) {
			rc = -1;
			break;
		}
		/* T(i-1) || info, then the counter */
		memcpy(in, t, t_len);
		memcpy(in + t_len, info, info_len);
		uint8_t counter = (uint8_t)i;
		rc = hmac_once(keyed, in, t_len + info_len, &counter, 1, t, &t_len);
		size_t n = t_len < out_len - done ? t_len : out_len - done;
		if (rc == 0)
			memcpy(out + done, t, n);
		done += n;
	}
	OPENSSL_cleanse(t, sizeof t);
	OPENSSL_cleanse(in, sizeof in);
	return rc;
}

/* HKDF-Expand-Label (RFC 8446 7.1), empty context, with the secret's
 * keyed HMAC. */
static int expand_label_keyed(EVP_MAC_CTX *keyed, const char *label, uint8_t *out, size_t out_len)
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
	return hkdf_expand(keyed, info, n, out, out_len);
}

static int expand_label(struct tls_crypto *c, const char *hash, const uint8_t *secret, size_t secret_len,
			const char *label, uint8_t *out, size_t out_len)
{
	EVP_MAC_CTX *keyed = hmac_borrow(c, hash, secret, secret_len);
	int rc = keyed ? expand_label_keyed(keyed, label, out, out_len) : -1;
	hmac_give_back(c, keyed);
	return rc;
}

int tls13_expand_label(const char *hash, const uint8_t *secret, size_t secret_len, const char *label,
		       uint8_t *out, size_t out_len)
{
	return expand_label(NULL, hash, secret, secret_len, label, out, out_len);
}

int tls13_install_secret(struct tls_decrypt_dir *d, const struct tls_suite_info *s, const uint8_t *secret,
			 size_t len)
{
	if (!s->tls13 || len == 0 || len > sizeof d->secret)
		return -1;
	/* key and iv from one keyed HMAC of the secret */
	EVP_MAC_CTX *keyed = hmac_borrow(d->crypto, s->hash, secret, len);
	int rc = keyed && expand_label_keyed(keyed, "key", d->key, s->key_len) == 0 &&
			 expand_label_keyed(keyed, "iv", d->iv, TLS13_IV) == 0
		     ? 0
		     : -1;
	hmac_give_back(d->crypto, keyed);
	if (rc != 0)
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
	if (expand_label(d->crypto, d->suite->hash, d->secret, d->secret_len, "traffic upd", next,
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
	/* GCM and ChaCha20-Poly1305: the key schedule once per key, then per
	 * record only the nonce (which starts the AEAD state afresh). */
	if (!d->ctx_keyed && (!key_cipher_ctx(d, NULL) || EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN, 12, NULL) <= 0))
		return -1;
	d->ctx_keyed = true;
	if (EVP_DecryptInit_ex2(ctx, NULL, NULL, nonce, NULL) <= 0 ||
	    EVP_DecryptUpdate(ctx, NULL, &outl, aad, (int)aad_len) <= 0 ||
	    (ct.len && EVP_DecryptUpdate(ctx, out, &outl, ct.p, (int)ct.len) <= 0) ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, (int)tag.len, (void *)tag.p) <= 0) {
		d->ctx_keyed = false; /* from the key again next time */
		return -1;
	}
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

/* TLS 1.2 AES-GCM the way OpenSSL's own TLS code opens it: the 4-byte
 * salt set once per key, then per record the header and one call over
 * explicit nonce, ciphertext and tag, in place (a fresh nonce through
 * EVP_DecryptInit_ex2 and a tag through a control call cost more than
 * the decryption of a handshake record). */
static enum tls_decrypt_result open_gcm12(struct tls_decrypt_dir *d, uint8_t type, uint16_t version,
					  struct rd rec, uint8_t *out, size_t *out_len)
{
	EVP_CIPHER_CTX *ctx = d->cipher_ctx;
	uint8_t aad[13];
	size_t len = rd_left(&rec);
	if (len < 8 + AEAD_TAG) /* tls_decrypt_record bounds it from above */
		return TLS_DEC_ERROR;
	if (!d->ctx_keyed && (!key_cipher_ctx(d, NULL) || EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IV_FIXED, 4, d->iv) <= 0))
		return TLS_DEC_BAD;
	d->ctx_keyed = true;
	/* The length is the record's; OpenSSL takes off nonce and tag. */
	put_seq_header(aad, d->seq, type, version, len);
	if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_TLS1_AAD, sizeof aad, aad) != AEAD_TAG)
		return TLS_DEC_BAD;
	memcpy(out, rec.p, len);
	/* A negative count when the tag does not match; else the plaintext
	 * is what lies between nonce and tag. */
	if (EVP_Cipher(ctx, out, out, (unsigned)len) < 0)
		return TLS_DEC_BAD;
	memmove(out, out + 8, len - 8 - AEAD_TAG);
	*out_len = len - 8 - AEAD_TAG;
	return TLS_DEC_OK;
}

static enum tls_decrypt_result open_aead12(struct tls_decrypt_dir *d, uint8_t type, uint16_t version,
					   struct rd rec, uint8_t *out, size_t *out_len)
{
	uint8_t nonce[12], aad[13];
	struct rd explicit_nonce, ct, tag;
	size_t tl = tag_len(d->suite);

	if (d->suite->mode == TLS_MODE_GCM)
		return open_gcm12(d, type, version, rec, out, out_len);

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

/* The record MAC, on the direction's HMAC keyed once per key. */
static int hmac(struct tls_decrypt_dir *d, const uint8_t hdr[13], const uint8_t *data, size_t len,
		uint8_t *out)
{
	size_t outl = 0;
	if (!d->mac_keyed && !(d->mac_keyed = hmac_keyed(d->crypto, d->suite->mac, d->mac_key, d->suite->mac_len)))
		return -1;
	return hmac_once(d->mac_keyed, hdr, 13, data, len, out, &outl) == 0 && outl == d->suite->mac_len ? 0 : -1;
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
	if (!key_cipher_ctx(d, d->iv) || !EVP_CIPHER_CTX_set_padding(ctx, 0) ||
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
