/* ja4.c - the JA4 client fingerprint (see ja4.h for the method). */
#include "ja4.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "word_hash.h"

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

/* Parts b and c of lists already filtered and sorted. */
static int hash_parts(const uint16_t *suites, size_t n_suites, const uint16_t *exts, size_t n_exts,
		      const uint16_t *sigs, size_t n_sigs, char b[13], char c[13])
{
	/* Part c's text: the extensions, "_", the signature algorithms. */
	char text[(TLS_CH_MAX_SUITES + TLS_CH_MAX_EXTENSIONS + TLS_MAX_SIG_ALGS) * HEX_ITEM + 2];
	size_t len;

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
	return 0;
}

/* The three lists joined, as a memo slot holds them. */
struct memo_key {
	uint16_t n_suites, n_exts, n_sigs;
	uint16_t values[JA4_MEMO_VALUES];
};

static void key_make(struct memo_key *k, const uint16_t *suites, size_t n_suites, const uint16_t *exts,
		     size_t n_exts, const uint16_t *sigs, size_t n_sigs)
{
	k->n_suites = (uint16_t)n_suites;
	k->n_exts = (uint16_t)n_exts;
	k->n_sigs = (uint16_t)n_sigs;
	memcpy(k->values, suites, n_suites * sizeof *k->values);
	memcpy(k->values + n_suites, exts, n_exts * sizeof *k->values);
	memcpy(k->values + n_suites + n_exts, sigs, n_sigs * sizeof *k->values);
}

static size_t key_len(const struct memo_key *k)
{
	return ((size_t)k->n_suites + k->n_exts + k->n_sigs) * sizeof *k->values;
}

/* The slot of table that k hashes to. Lists of other lengths that join to
 * the same values share a slot; slot_holds compares the lengths too. */
static struct ja4_memo_slot *slot_of(struct ja4_memo_slot *table, const struct memo_key *k)
{
	return &table[word_hash(k->values, key_len(k)) % JA4_MEMO_SLOTS];
}

static bool slot_holds(const struct ja4_memo_slot *s, const struct memo_key *k)
{
	return s->used && s->n_suites == k->n_suites && s->n_exts == k->n_exts && s->n_sigs == k->n_sigs &&
	       memcmp(s->values, k->values, key_len(k)) == 0;
}

static void slot_fill(struct ja4_memo_slot *s, const struct memo_key *k, const char b[13], const char c[13])
{
	s->used = true;
	s->n_suites = k->n_suites;
	s->n_exts = k->n_exts;
	s->n_sigs = k->n_sigs;
	memcpy(s->values, k->values, key_len(k));
	memcpy(s->b, b, 13);
	memcpy(s->c, c, 13);
}

/* Parts b and c through the memo, for lists filtered but not yet sorted
 * (sorted here when needed). First by the lists in the hello's order:
 * most clients send theirs the same way every time, and sorting them was
 * a twentieth of a handshake's analysis. Then sorted, as hashed: a client
 * that shuffles its extensions (Chrome does) is still answered without
 * hashing. Otherwise they are hashed; both slots take the answer. */
static int memo_parts(struct ja4_memo *memo, uint16_t *suites, size_t n_suites, uint16_t *exts, size_t n_exts,
		      const uint16_t *sigs, size_t n_sigs, char b[13], char c[13])
{
	struct memo_key sent_key, sorted_key;

	key_make(&sent_key, suites, n_suites, exts, n_exts, sigs, n_sigs);
	struct ja4_memo_slot *sent = slot_of(memo->as_sent, &sent_key);
	const struct ja4_memo_slot *hit = slot_holds(sent, &sent_key) ? sent : NULL;
	if (!hit) {
		sort_u16(suites, n_suites);
		sort_u16(exts, n_exts);
		key_make(&sorted_key, suites, n_suites, exts, n_exts, sigs, n_sigs);
		struct ja4_memo_slot *sorted = slot_of(memo->slot, &sorted_key);
		if (!slot_holds(sorted, &sorted_key)) {
			if (hash_parts(suites, n_suites, exts, n_exts, sigs, n_sigs, b, c))
				return -1;
			slot_fill(sorted, &sorted_key, b, c);
		}
		hit = sorted;
		slot_fill(sent, &sent_key, hit->b, hit->c);
	}
	memcpy(b, hit->b, 13);
	memcpy(c, hit->c, 13);
	return 0;
}

/* Appends the decimal count, two digits, at most 99. */
static char *two_digits(char *p, size_t n)
{
	if (n > 99)
		n = 99;
	*p++ = (char)('0' + n / 10);
	*p++ = (char)('0' + n % 10);
	return p;
}

int ja4_client_hello_memo(const struct tls_client_hello *ch, bool quic, struct ja4_memo *memo, char *out,
			  size_t outsz)
{
	uint16_t suites[TLS_CH_MAX_SUITES], exts[TLS_CH_MAX_EXTENSIONS], sigs[TLS_MAX_SIG_ALGS];
	size_t n_suites = 0, n_exts = 0, n_counted_exts = 0, n_sigs = 0;
	bool sni = false;
	uint16_t version = ch->legacy_version;
	char alpn[3], b[13], c[13];

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

	if (memo) {
		if (memo_parts(memo, suites, n_suites, exts, n_exts, sigs, n_sigs, b, c))
			return -1;
	} else {
		sort_u16(suites, n_suites);
		sort_u16(exts, n_exts);
		if (hash_parts(suites, n_suites, exts, n_exts, sigs, n_sigs, b, c))
			return -1;
	}

	/* a_b_c: 10 + 1 + 12 + 1 + 12 characters */
	char *p = out;
	*p++ = quic ? 'q' : 't';
	memcpy(p, ja4_version_code(version), 2);
	p += 2;
	*p++ = sni ? 'd' : 'i';
	p = two_digits(p, n_suites);
	p = two_digits(p, n_counted_exts);
	memcpy(p, alpn, 2);
	p += 2;
	*p++ = '_';
	memcpy(p, b, 12);
	p += 12;
	*p++ = '_';
	memcpy(p, c, 12);
	p += 12;
	*p = '\0';
	return 0;
}

int ja4_client_hello(const struct tls_client_hello *ch, bool quic, char *out, size_t outsz)
{
	return ja4_client_hello_memo(ch, quic, NULL, out, outsz);
}
