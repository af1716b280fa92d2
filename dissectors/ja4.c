/* ja4.c - the JA4 client fingerprint (see ja4.h for the method). */
#include "ja4.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

/* Each list entry is 4 hex digits and a separator. */
#define HEX_ITEM 5

const char *ja4_version_code(uint16_t version)
{
	switch (version) {
	case TLS_VERSION_TLS13:
		return "13";
	case TLS_VERSION_TLS12:
		return "12";
	case TLS_VERSION_TLS11:
		return "11";
	case TLS_VERSION_TLS10:
		return "10";
	case TLS_VERSION_SSL3:
		return "s3";
	case 0x0002:
		return "s2";
	case 0xfeff:
		return "d1";
	case 0xfefd:
		return "d2";
	case 0xfefc:
		return "d3";
	default:
		return "00";
	}
}

/* Insertion sort: the lists are a few dozen values, where qsort's
 * merge sort with its temporary buffer cost more than the hashing. */
static void sort_u16(uint16_t *v, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		uint16_t x = v[i];
		size_t j = i;
		for (; j > 0 && v[j - 1] > x; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
}

/* Appends "xxxx,yyyy,..." for the n values to buf at *len. */
static void hex_list(char *buf, size_t bufsz, size_t *len, const uint16_t *v, size_t n)
{
	/* By hand: snprintf per value was a third of a handshake's time. */
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < n && *len + HEX_ITEM < bufsz; i++) {
		if (i)
			buf[(*len)++] = ',';
		for (int shift = 12; shift >= 0; shift -= 4)
			buf[(*len)++] = digits[(v[i] >> shift) & 15];
		buf[*len] = '\0';
	}
}

/* The first 12 hex digits of SHA-256(text). */
static int sha12(const char *text, size_t len, char out[13])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	static const char digits[] = "0123456789abcdef";

	if (!EVP_Digest(text, len, md, &mdlen, EVP_sha256(), NULL) || mdlen < 6)
		return -1;
	for (int i = 0; i < 6; i++) {
		out[2 * i] = digits[md[i] >> 4];
		out[2 * i + 1] = digits[md[i] & 15];
	}
	out[12] = '\0';
	return 0;
}

/* The ALPN characters of part a: the first and last byte of the first
 * name when both are ASCII letters or digits, else the first hex digit of
 * the first byte and the last hex digit of the last byte. */
static void alpn_code(const struct tls_client_hello *ch, char out[3])
{
	static const char digits[] = "0123456789abcdef";
	uint8_t f = ch->alpn_first_byte, l = ch->alpn_last_byte;
	bool alnum_f = (f >= '0' && f <= '9') || (f >= 'A' && f <= 'Z') || (f >= 'a' && f <= 'z');
	bool alnum_l = (l >= '0' && l <= '9') || (l >= 'A' && l <= 'Z') || (l >= 'a' && l <= 'z');

	if (ch->n_alpn == 0 || ch->alpn_first_len == 0) {
		strcpy(out, "00");
	} else if (alnum_f && alnum_l) {
		out[0] = (char)f;
		out[1] = (char)l;
		out[2] = '\0';
	} else {
		out[0] = digits[f >> 4];
		out[1] = digits[l & 15];
		out[2] = '\0';
	}
}

int ja4_client_hello(const struct tls_client_hello *ch, bool quic, char *out, size_t outsz)
{
	uint16_t suites[TLS_CH_MAX_SUITES], exts[TLS_CH_MAX_EXTENSIONS], sigs[TLS_MAX_SIG_ALGS];
	size_t n_suites = 0, n_exts = 0, n_counted_exts = 0, n_sigs = 0;
	bool sni = false;
	uint16_t version = ch->legacy_version;
	char alpn[3], b[13], c[13];
	/* Part c's text: the extensions, "_", the signature algorithms. */
	char text[(TLS_CH_MAX_SUITES + TLS_CH_MAX_EXTENSIONS + TLS_MAX_SIG_ALGS) * HEX_ITEM + 2];
	size_t len;

	if (outsz)
		out[0] = '\0';
	if (outsz < JA4_LEN || ch->sslv2_format || ch->n_cipher_suites > TLS_CH_MAX_SUITES ||
	    ch->n_extensions > TLS_CH_MAX_EXTENSIONS || ch->n_sig_algs > TLS_MAX_SIG_ALGS)
		return -1;

	for (size_t i = 0; i < ch->n_cipher_suites; i++)
		if (!tls_is_grease(ch->cipher_suites[i]))
			suites[n_suites++] = ch->cipher_suites[i];
	for (size_t i = 0; i < ch->n_extensions; i++) {
		uint16_t t = ch->ext_types[i];
		if (tls_is_grease(t))
			continue;
		n_counted_exts++;
		if (t == TLS_EXT_SERVER_NAME)
			sni = true;
		else if (t != TLS_EXT_ALPN)
			exts[n_exts++] = t;
	}
	for (size_t i = 0; i < ch->n_sig_algs; i++)
		if (!tls_is_grease(ch->sig_algs[i]))
			sigs[n_sigs++] = ch->sig_algs[i];
	if (ch->n_versions) {
		uint16_t best = 0;
		for (size_t i = 0; i < ch->n_versions && i < TLS_MAX_VERSIONS; i++)
			if (!tls_is_grease(ch->versions[i]) && ch->versions[i] > best)
				best = ch->versions[i];
		if (best)
			version = best;
	}
	alpn_code(ch, alpn);

	sort_u16(suites, n_suites);
	sort_u16(exts, n_exts);
	/* An empty list is shown as twelve zeros, not as the hash of "". */
	strcpy(b, "000000000000");
	if (n_suites) {
		len = 0;
		hex_list(text, sizeof text, &len, suites, n_suites);
		if (sha12(text, len, b))
			return -1;
	}
	strcpy(c, "000000000000");
	if (n_exts) {
		len = 0;
		hex_list(text, sizeof text, &len, exts, n_exts);
		if (n_sigs) {
			text[len++] = '_';
			hex_list(text, sizeof text, &len, sigs, n_sigs);
		}
		if (sha12(text, len, c))
			return -1;
	}
	snprintf(out, outsz, "%c%s%c%02zu%02zu%s_%s_%s", quic ? 'q' : 't', ja4_version_code(version), sni ? 'd' : 'i',
		 n_suites > 99 ? (size_t)99 : n_suites, n_counted_exts > 99 ? (size_t)99 : n_counted_exts, alpn, b, c);
	return 0;
}
