/* ja4.h - the JA4 client fingerprint of a ClientHello (FoxIO's published
 * JA4 method, BSD 3-Clause; technical_details/JA4.md in FoxIO-LLC/ja4):
 *
 *   a_b_c, e.g. t13d1516h2_8daaf6152771_e5627efa2ab1
 *   a: transport (t TCP, q QUIC), version (highest supported_versions
 *      entry, else the ClientHello version), d/i (SNI extension or not),
 *      cipher and extension counts (2 digits each, at most 99), first and
 *      last character of the first ALPN name ("00" when none);
 *   b: first 12 hex digits of SHA-256 over the sorted cipher list;
 *   c: the same over the sorted extension list without SNI and ALPN, "_",
 *      then the signature algorithms in their order.
 * GREASE values are left out everywhere. Only JA4 itself: the other JA4+
 * methods are under a different licence. */
#ifndef MTLS_JA4_H
#define MTLS_JA4_H

#include <stdbool.h>
#include <stddef.h>

#include "tls_handshake.h"

#define JA4_LEN 37 /* 36 characters and the NUL */

/* Writes the fingerprint to out (at least JA4_LEN bytes). Returns 0, or
 * -1 with out = "" when it cannot be computed exactly: an SSLv2-format
 * hello, a list longer than the ClientHello struct keeps, or no SHA-256
 * (then out is empty, never a wrong fingerprint). */
int ja4_client_hello(const struct tls_client_hello *ch, bool quic, char *out, size_t outsz);

/* The hashed parts of recent fingerprints, so that a run hashes each
 * distinct set of lists once: a server sees the same few client stacks
 * over and over, and two SHA-256 were a fifth of a handshake's analysis.
 * Owned by the caller, one per thread; entries are compared in full. */
#define JA4_MEMO_SLOTS 64
#define JA4_MEMO_VALUES (TLS_CH_MAX_SUITES + TLS_CH_MAX_EXTENSIONS + TLS_MAX_SIG_ALGS)
struct ja4_memo_slot {
	bool used;
	uint16_t n_suites, n_exts, n_sigs;
	uint16_t values[JA4_MEMO_VALUES]; /* suites, extensions, signature algorithms */
	char b[13], c[13];
};
struct ja4_memo {
	struct ja4_memo_slot slot[JA4_MEMO_SLOTS];    /* suites and extensions sorted, as hashed */
	struct ja4_memo_slot as_sent[JA4_MEMO_SLOTS]; /* in the hello's order */
};

/* ja4_client_hello with memo (NULL: none); the same result either way. */
int ja4_client_hello_memo(const struct tls_client_hello *ch, bool quic, struct ja4_memo *memo, char *out,
			  size_t outsz);

/* The version code of part a: "13", "12", "11", "10", "s3", "s2", "d1",
 * "d2", "d3", or "00" when unknown. */
const char *ja4_version_code(uint16_t version);

#endif
