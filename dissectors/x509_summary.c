/* x509_summary.c - certificate and DN summaries through OpenSSL only: no
 * DER is parsed here by hand, every decode is d2i on a bounded view. */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "x509_summary.h"

/* snprintf whose truncation is intended: the fields are fixed-size by the
 * header, and a cut-off name is better than none. */
static void put(char *buf, size_t bufsz, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void put(char *buf, size_t bufsz, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, bufsz, fmt, ap);
	va_end(ap);
}

/* Copy a memory BIO's contents as a C string, truncated to fit. */
static int bio_to_text(BIO *bio, char *buf, size_t bufsz)
{
	char *data = NULL;
	long n = BIO_get_mem_data(bio, &data);
	size_t k;

	if (bufsz == 0)
		return -1;
	if (n < 0 || (n > 0 && data == NULL))
		n = 0;
	k = (size_t)n < bufsz - 1 ? (size_t)n : bufsz - 1;
	if (k)
		memcpy(buf, data, k);
	buf[k] = '\0';
	return (int)k;
}

static int name_print(const X509_NAME *name, char *buf, size_t bufsz)
{
	BIO *bio = BIO_new(BIO_s_mem());
	int rc = -1;

	if (bio == NULL)
		goto out;
	if (X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253) < 0)
		goto out;
	rc = bio_to_text(bio, buf, bufsz);
out:
	BIO_free(bio);
	return rc;
}

int x509_name_to_text(const uint8_t *der, size_t len, char *buf, size_t bufsz)
{
	const unsigned char *p = der;
	X509_NAME *name = NULL;
	int rc = -1;

	if (bufsz)
		buf[0] = '\0';
	if (der == NULL || len == 0 || len > LONG_MAX)
		goto out;
	name = d2i_X509_NAME(NULL, &p, (long)len);
	if (name == NULL || p != der + len)
		goto out;
	rc = name_print(name, buf, bufsz);
out:
	X509_NAME_free(name);
	return rc;
}

static X509_NAME *name_from_der(const uint8_t *der, size_t len)
{
	const unsigned char *p = der;
	X509_NAME *name;

	if (der == NULL || len == 0 || len > LONG_MAX)
		return NULL;
	name = d2i_X509_NAME(NULL, &p, (long)len);
	if (name != NULL && p != der + len) {
		X509_NAME_free(name);
		return NULL;
	}
	return name;
}

bool x509_name_der_equal(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	X509_NAME *na = name_from_der(a, alen), *nb = name_from_der(b, blen);
	bool eq = na != NULL && nb != NULL && X509_NAME_cmp(na, nb) == 0;

	X509_NAME_free(na);
	X509_NAME_free(nb);
	return eq;
}

static const struct {
	unsigned bit;
	const char *name;
} eku_names[] = {
	{ X509_EKU_SERVER_AUTH, "serverAuth" },     { X509_EKU_CLIENT_AUTH, "clientAuth" },
	{ X509_EKU_CODE_SIGNING, "codeSigning" },   { X509_EKU_EMAIL, "emailProtection" },
	{ X509_EKU_TIME_STAMPING, "timeStamping" }, { X509_EKU_OCSP_SIGNING, "OCSPSigning" },
	{ X509_EKU_ANY, "anyExtendedKeyUsage" },    { X509_EKU_OTHER, "other" },
};

size_t x509_eku_names(unsigned eku, const char **names, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < sizeof eku_names / sizeof eku_names[0] && n < max; i++)
		if (eku & eku_names[i].bit)
			names[n++] = eku_names[i].name;
	return n;
}

static const struct {
	unsigned bit;
	const char *name;
} ku_names[] = {
	{ KU_DIGITAL_SIGNATURE, "digitalSignature" }, { KU_NON_REPUDIATION, "nonRepudiation" },
	{ KU_KEY_ENCIPHERMENT, "keyEncipherment" },   { KU_DATA_ENCIPHERMENT, "dataEncipherment" },
	{ KU_KEY_AGREEMENT, "keyAgreement" },         { KU_KEY_CERT_SIGN, "keyCertSign" },
	{ KU_CRL_SIGN, "cRLSign" },                   { KU_ENCIPHER_ONLY, "encipherOnly" },
	{ KU_DECIPHER_ONLY, "decipherOnly" },
};

size_t x509_key_usage_names(unsigned key_usage, const char **names, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < sizeof ku_names / sizeof ku_names[0] && n < max; i++)
		if (key_usage & ku_names[i].bit)
			names[n++] = ku_names[i].name;
	return n;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
 * days_from_civil): plain arithmetic, no time_t range or TZ to worry about. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static int time_fill(const ASN1_TIME *t, char *text, size_t textsz, int64_t *epoch)
{
	struct tm tm;

	if (t == NULL || !ASN1_TIME_to_tm(t, &tm))
		return -1;
	put(text, textsz, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
		 tm.tm_hour, tm.tm_min, tm.tm_sec);
	*epoch = days_from_civil((int64_t)tm.tm_year + 1900, (unsigned)tm.tm_mon + 1, (unsigned)tm.tm_mday) * 86400 +
		 tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec;
	return 0;
}

static unsigned eku_bit(int nid)
{
	switch (nid) {
	case NID_server_auth:
		return X509_EKU_SERVER_AUTH;
	case NID_client_auth:
		return X509_EKU_CLIENT_AUTH;
	case NID_code_sign:
		return X509_EKU_CODE_SIGNING;
	case NID_email_protect:
		return X509_EKU_EMAIL;
	case NID_time_stamp:
		return X509_EKU_TIME_STAMPING;
	case NID_OCSP_sign:
		return X509_EKU_OCSP_SIGNING;
	case NID_anyExtendedKeyUsage:
		return X509_EKU_ANY;
	default:
		return X509_EKU_OTHER;
	}
}

/* "RSA-2048", "EC-P-256", "ED25519"; the algorithm's short name when the
 * key cannot be decoded. */
static void key_type(X509 *x, char *buf, size_t bufsz)
{
	EVP_PKEY *pk = X509_get0_pubkey(x); /* owned by x */
	ASN1_OBJECT *alg = NULL;
	char group[64];
	const char *nist;
	int id;

	put(buf, bufsz, "unknown");
	if (pk == NULL) {
		if (X509_PUBKEY_get0_param(&alg, NULL, NULL, NULL, X509_get_X509_PUBKEY(x)) && alg)
			put(buf, bufsz, "%s", OBJ_nid2sn(OBJ_obj2nid(alg)));
		return;
	}
	id = EVP_PKEY_get_base_id(pk);
	switch (id) {
	case EVP_PKEY_RSA:
		put(buf, bufsz, "RSA-%d", EVP_PKEY_get_bits(pk));
		break;
	case EVP_PKEY_RSA_PSS:
		put(buf, bufsz, "RSA-PSS-%d", EVP_PKEY_get_bits(pk));
		break;
	case EVP_PKEY_DSA:
		put(buf, bufsz, "DSA-%d", EVP_PKEY_get_bits(pk));
		break;
	case EVP_PKEY_EC:
		if (!EVP_PKEY_get_group_name(pk, group, sizeof group, NULL)) {
			put(buf, bufsz, "EC-%d", EVP_PKEY_get_bits(pk));
			break;
		}
		nist = EC_curve_nid2nist(OBJ_txt2nid(group));
		put(buf, bufsz, "EC-%s", nist ? nist : group);
		break;
	case EVP_PKEY_ED25519:
		put(buf, bufsz, "ED25519");
		break;
	case EVP_PKEY_ED448:
		put(buf, bufsz, "ED448");
		break;
	default:
		put(buf, bufsz, "%s-%d", OBJ_nid2sn(id), EVP_PKEY_get_bits(pk));
		break;
	}
}

static void serial_hex(X509 *x, char *buf, size_t bufsz)
{
	BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
	char *hex = bn ? BN_bn2hex(bn) : NULL;

	put(buf, bufsz, "%s", hex ? hex : "");
	OPENSSL_free(hex);
	BN_free(bn);
}

static const uint8_t *find(const uint8_t *hay, size_t hlen, const uint8_t *needle, size_t nlen)
{
	return nlen ? memmem(hay, hlen, needle, nlen) : NULL;
}

/* Point subject_der/issuer_der into the caller's certificate bytes.
 * OpenSSL keeps each decoded name's original encoding (X509_NAME_get0_der),
 * but that memory dies with the X509, so we look the same bytes up in the
 * input instead. In a TBSCertificate, issuer, validity and subject are
 * adjacent; searching for issuer || validity || subject lands on the real
 * fields even if an earlier field (a long serial) happens to contain a
 * name's bytes. If that pattern is not found (a non-minimal time encoding
 * that re-encodes differently), fall back to the first match of each name.
 * Any match is byte-identical to the name, which is all consumers need. */
static void locate_names(X509 *x, const uint8_t *der, size_t len, struct x509_summary *out)
{
	const unsigned char *ib = NULL, *sb = NULL;
	size_t il = 0, sl = 0;
	unsigned char *nb = NULL, *na = NULL, *pat = NULL, *q;
	int nbl, nal;
	size_t vl, pl;
	const uint8_t *hit;

	if (!X509_NAME_get0_der(X509_get_issuer_name(x), &ib, &il) ||
	    !X509_NAME_get0_der(X509_get_subject_name(x), &sb, &sl))
		return;
	nbl = i2d_ASN1_TIME(X509_get0_notBefore(x), &nb);
	nal = i2d_ASN1_TIME(X509_get0_notAfter(x), &na);
	if (nbl > 0 && nal > 0 && nbl + nal < 128) {
		vl = 2 + (size_t)nbl + (size_t)nal;
		pl = il + vl + sl;
		pat = OPENSSL_malloc(pl);
		if (pat != NULL) {
			q = pat;
			memcpy(q, ib, il);
			q += il;
			/* the Validity SEQUENCE header, short-form length */
			ASN1_put_object(&q, 1, nbl + nal, V_ASN1_SEQUENCE, V_ASN1_UNIVERSAL);
			memcpy(q, nb, (size_t)nbl);
			q += nbl;
			memcpy(q, na, (size_t)nal);
			q += nal;
			memcpy(q, sb, sl);
			hit = find(der, len, pat, pl);
			if (hit != NULL) {
				out->issuer_der = hit;
				out->issuer_der_len = il;
				out->subject_der = hit + il + vl;
				out->subject_der_len = sl;
				goto out;
			}
		}
	}
	hit = find(der, len, ib, il);
	if (hit != NULL) {
		out->issuer_der = hit;
		out->issuer_der_len = il;
	}
	hit = find(der, len, sb, sl);
	if (hit != NULL) {
		out->subject_der = hit;
		out->subject_der_len = sl;
	}
out:
	OPENSSL_free(pat);
	OPENSSL_free(nb);
	OPENSSL_free(na);
}

enum dis_status x509_summarize(const uint8_t *der, size_t len, struct x509_summary *out)
{
	const unsigned char *p = der;
	X509 *x = NULL;
	EXTENDED_KEY_USAGE *eku = NULL;
	BASIC_CONSTRAINTS *bc = NULL;
	enum dis_status st = DIS_INVALID;
	uint32_t ku;
	int crit = -1;

	memset(out, 0, sizeof *out);
	if (der == NULL || len == 0 || len > LONG_MAX)
		goto out;
	x = d2i_X509(NULL, &p, (long)len);
	if (x == NULL || p != der + len)
		goto out;

	if (name_print(X509_get_subject_name(x), out->subject, sizeof out->subject) < 0 ||
	    name_print(X509_get_issuer_name(x), out->issuer, sizeof out->issuer) < 0)
		goto out;
	serial_hex(x, out->serial, sizeof out->serial);
	if (time_fill(X509_get0_notBefore(x), out->not_before, sizeof out->not_before, &out->not_before_epoch) ||
	    time_fill(X509_get0_notAfter(x), out->not_after, sizeof out->not_after, &out->not_after_epoch))
		goto out;

	eku = X509_get_ext_d2i(x, NID_ext_key_usage, &crit, NULL);
	if (eku != NULL) {
		out->has_eku = true;
		for (int i = 0; i < sk_ASN1_OBJECT_num(eku); i++)
			out->eku |= eku_bit(OBJ_obj2nid(sk_ASN1_OBJECT_value(eku, i)));
	}
	ku = X509_get_key_usage(x);
	if (X509_get_extension_flags(x) & EXFLAG_KUSAGE) {
		out->has_key_usage = true;
		out->key_usage = ku;
	}
	bc = X509_get_ext_d2i(x, NID_basic_constraints, &crit, NULL);
	out->is_ca = bc != NULL && bc->ca;

	key_type(x, out->key_type, sizeof out->key_type);
	out->self_signed = X509_NAME_cmp(X509_get_subject_name(x), X509_get_issuer_name(x)) == 0;
	if (!EVP_Digest(der, len, out->sha256, NULL, EVP_sha256(), NULL))
		goto out;
	locate_names(x, der, len, out);
	st = DIS_OK;
out:
	BASIC_CONSTRAINTS_free(bc);
	EXTENDED_KEY_USAGE_free(eku);
	X509_free(x);
	return st;
}
