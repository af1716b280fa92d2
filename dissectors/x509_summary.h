/* x509_summary.h - certificate and distinguished-name summaries, decoded
 * by OpenSSL (d2i_X509, d2i_X509_NAME) and printed in RFC 2253 form.
 * Everything here writes into caller-owned storage. */
#ifndef MTLS_X509_SUMMARY_H
#define MTLS_X509_SUMMARY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dis.h"

#define X509_NAME_TEXT 1024
#define X509_TIME_TEXT 32

enum x509_eku_bits {
	X509_EKU_SERVER_AUTH = 1u << 0,
	X509_EKU_CLIENT_AUTH = 1u << 1,
	X509_EKU_CODE_SIGNING = 1u << 2,
	X509_EKU_EMAIL = 1u << 3,
	X509_EKU_TIME_STAMPING = 1u << 4,
	X509_EKU_OCSP_SIGNING = 1u << 5,
	X509_EKU_ANY = 1u << 6,
	X509_EKU_OTHER = 1u << 7,
};

struct x509_summary {
	char subject[X509_NAME_TEXT];     /* RFC 2253 */
	char issuer[X509_NAME_TEXT];
	char serial[80];                  /* hex, upper case, no separators */
	char not_before[X509_TIME_TEXT];  /* "2024-01-31T12:00:00Z" */
	char not_after[X509_TIME_TEXT];
	int64_t not_before_epoch;         /* seconds since 1970 */
	int64_t not_after_epoch;
	bool has_eku;
	unsigned eku;                     /* enum x509_eku_bits */
	bool has_key_usage;
	unsigned key_usage;               /* X509v3_KU_* bits from OpenSSL */
	char key_type[32];                /* "RSA-2048", "EC-P-256", "ED25519" */
	bool self_signed;                 /* subject == issuer */
	bool is_ca;                       /* basicConstraints CA:TRUE */
	uint8_t sha256[32];               /* of the DER */
	/* DER of subject and issuer name for chain/CA-list matching: views
	 * into the certificate bytes passed in. */
	const uint8_t *subject_der;
	size_t subject_der_len;
	const uint8_t *issuer_der;
	size_t issuer_der_len;
};

/* DIS_INVALID when OpenSSL rejects the DER or trailing bytes remain. */
enum dis_status x509_summarize(const uint8_t *der, size_t len, struct x509_summary *out);

/* One DER DistinguishedName to RFC 2253 text (XN_FLAG_RFC2253). Returns the
 * length written (truncated to fit, always NUL-terminated) or -1 when the
 * DER is not a Name. */
int x509_name_to_text(const uint8_t *der, size_t len, char *buf, size_t bufsz);

/* The eku bits as names ("clientAuth", "serverAuth", ...). Returns how many
 * were written to names[] (at most max). */
size_t x509_eku_names(unsigned eku, const char **names, size_t max);
/* The key_usage bits as RFC 5280 names ("digitalSignature", ...). */
size_t x509_key_usage_names(unsigned key_usage, const char **names, size_t max);

/* Canonical comparison of two DER names through OpenSSL (X509_NAME_cmp). */
bool x509_name_der_equal(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen);

#endif
