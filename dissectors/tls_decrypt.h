/* tls_decrypt.h - TLS record decryption for one direction, with keys from
 * a key log. OpenSSL libcrypto does the HMACs and the ciphers (EVP_MAC
 * HMAC, EVP_CIPHER AEAD/CBC); this file builds the key derivations on the
 * HMAC (the TLS PRF's P_hash, RFC 5246 5 and RFC 2246 5; HKDF-Expand, RFC
 * 5869 2.3), so that one keyed context is copied for every block instead
 * of an EVP_KDF fetched and set up for every derivation (OpenSSL 3.0
 * cannot copy those), and does the record bookkeeping: sequence numbers,
 * nonces, additional data, explicit IVs, padding and MAC removal, the TLS
 * 1.3 inner content type.
 *
 * TLS 1.0-1.2: AES-GCM, AES-CCM(-8), ChaCha20-Poly1305, AES/3DES-CBC with
 * HMAC-SHA1/SHA256/SHA384 (MAC-then-encrypt, or encrypt-then-MAC when
 * negotiated). SSL 3.0: AES/3DES-CBC with its own key block and MAC (RFC
 * 6101). TLS 1.3: AES-128/256-GCM, ChaCha20-Poly1305, AES-CCM(-8), key
 * updates. */
#ifndef MTLS_TLS_DECRYPT_H
#define MTLS_TLS_DECRYPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum tls_cipher_mode { TLS_MODE_GCM, TLS_MODE_CCM, TLS_MODE_CCM8, TLS_MODE_CHACHA, TLS_MODE_CBC };

struct tls_suite_info {
	uint16_t id;
	enum tls_cipher_mode mode;
	const char *cipher; /* OpenSSL cipher name */
	uint8_t key_len;
	uint8_t iv_len;	 /* fixed IV from the key schedule (CBC: block size) */
	const char *mac; /* CBC: HMAC digest; NULL for AEAD */
	uint8_t mac_len;
	const char *hash; /* PRF / HKDF digest */
	bool tls13;
};

/* The suite's parameters, or NULL when it is not decrypted. */
const struct tls_suite_info *tls_suite_info(uint16_t suite);

/* Decryption state of one direction. */
struct tls_decrypt_dir {
	const struct tls_suite_info *suite;
	uint16_t version; /* negotiated version (record rules) */
	bool etm;	  /* encrypt_then_mac (CBC only) */
	uint64_t seq;	  /* records read under these keys */
	uint8_t key[32];
	uint8_t iv[16]; /* fixed IV, or TLS 1.0's chained CBC IV */
	uint8_t mac_key[48];
	uint8_t secret[64]; /* TLS 1.3 traffic secret (for key updates) */
	size_t secret_len;
	void *cipher_ctx; /* owned EVP_CIPHER_CTX */
	void *cipher;	  /* owned EVP_CIPHER */
	void *mac;	  /* owned EVP_MAC (CBC) */
	struct tls_crypto *crypto; /* borrowed: the run's algorithms; NULL: fetched per use */
	bool ctx_keyed;   /* AEAD: cipher_ctx holds key; each record sets only its nonce */
	void *mac_keyed;  /* owned EVP_MAC_CTX: HMAC with mac_key (CBC), made at the first record */
};

/* The OpenSSL algorithms a run uses (ciphers, HMAC with each digest),
 * fetched once and shared by every direction that borrows them: an
 * OpenSSL 3 fetch is a locked lookup by name, which per connection cost
 * more than the key derivations it served. It also keeps the last TLS
 * 1.2 key blocks derived, which the other side of the handshake needs. Made and freed by the owner of
 * the run (the analyzer); it outlives the directions that borrow it, and
 * is used by one thread. Without one (NULL) everything is fetched per
 * use, with the same results. */
struct tls_crypto;
struct tls_crypto *tls_crypto_new(void);
void tls_crypto_free(struct tls_crypto *c);

enum tls_decrypt_result {
	TLS_DEC_OK,
	TLS_DEC_BAD,   /* did not authenticate (wrong key, lost record) or bad padding */
	TLS_DEC_ERROR, /* no keys, or the record cannot hold a ciphertext */
};

void tls_decrypt_dir_init(struct tls_decrypt_dir *d);
/* Frees the keys and OpenSSL objects; the borrowed crypto stays. */
void tls_decrypt_dir_release(struct tls_decrypt_dir *d);
bool tls_decrypt_dir_ready(const struct tls_decrypt_dir *d);

/* SSL 3.0 to TLS 1.2: the write keys of one side from the master secret
 * and the randoms of the handshake that installs them. 0, or -1. */
int tls12_install_keys(struct tls_decrypt_dir *d, const struct tls_suite_info *s, uint16_t version, bool etm,
		       const uint8_t master[48], const uint8_t client_random[32],
		       const uint8_t server_random[32], bool client_write);
/* TLS 1.3: keys from a traffic secret (handshake or application). */
int tls13_install_secret(struct tls_decrypt_dir *d, const struct tls_suite_info *s, const uint8_t *secret,
			 size_t len);
/* TLS 1.3 KeyUpdate: the next traffic secret and its keys. */
int tls13_key_update(struct tls_decrypt_dir *d);

/* HKDF-Expand-Label (RFC 8446 7.1) with an empty context. */
int tls13_expand_label(const char *hash, const uint8_t *secret, size_t secret_len, const char *label,
		       uint8_t *out, size_t out_len);

/* Decrypts the body of one record (header fields given). out must hold
 * len bytes; on TLS_DEC_OK *out_len bytes of plaintext and its content
 * type (TLS 1.3: the inner type) are set. The sequence number moves on
 * with every call, as the sender's did. */
enum tls_decrypt_result tls_decrypt_record(struct tls_decrypt_dir *d, uint8_t type, uint16_t version,
					   const uint8_t *in, size_t len, uint8_t *out, size_t *out_len,
					   uint8_t *content_type);

#endif
