/* cert_cache.h - certificates and distinguished names decoded once per run.
 *
 * A busy server sends the same chain and the same CA list in thousands of
 * handshakes; OpenSSL decoding dominates the cost of a handshake. The cache
 * maps the DER bytes (hashed by uthash, then compared in full, so a hash
 * collision can never mix two certificates up) to the finished summary or
 * RFC 2253 text. It is bounded (least recently used entries go first) and
 * owned by the analyzer: no global state. */
#ifndef MTLS_CERT_CACHE_H
#define MTLS_CERT_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "x509_summary.h"

/* Entries per table; DER larger than CERT_CACHE_MAX_DER is decoded every time. */
#define CERT_CACHE_MAX_ENTRIES 512u
/* CA lists are larger and a server has few: fewer of them. */
#define CERT_CACHE_MAX_LISTS 64u
#define CERT_CACHE_MAX_DER (64u * 1024u)

struct cert_cache;

struct cert_cache *cert_cache_new(void);
void cert_cache_free(struct cert_cache *cc);

/* A decoded certificate, shared read-only by the cache and every
 * connection that sent it; freed with its last reference. */
struct cert_summary {
	unsigned refs;
	enum dis_status status;  /* what x509_summarize returned */
	/* The TLS-inspection product that issued it (inspection.h), or NULL:
	 * looked up once here, not in every handshake that carries it. */
	const char *inspection_product;
	struct x509_summary sum; /* without the DER views (subject_der, issuer_der):
				    they would point into a reused buffer */
};

/* x509_summarize through the cache (cc may be NULL: no caching). Returns a
 * new reference for the caller, or NULL when out of memory. */
struct cert_summary *cert_cache_summarize(struct cert_cache *cc, const uint8_t *der, size_t len);
/* Drops one reference (NULL is ignored). */
void cert_summary_put(struct cert_summary *s);

/* x509_name_to_text through the cache (cc may be NULL). */
int cert_cache_name_text(struct cert_cache *cc, const uint8_t *der, size_t len, char *buf, size_t bufsz);

/* A CertificateRequest's list of CA names, decoded once per distinct list
 * and shared read-only by every connection that received it: a busy server
 * sends the same list in every handshake. One block, freed with its last
 * reference. */
struct ca_list_summary {
	unsigned refs;
	bool in_cache;          /* the cache held it when it was made: its
				   memory is the cache's, not a connection's */
	size_t n_names;         /* decoded, at most max_names (fewer when the
				   list breaks off malformed) */
	size_t n_dropped;       /* names beyond max_names, counted only */
	const char **names;     /* RFC 2253 text, or "(undecodable name, N bytes)" */
	const uint8_t *der;     /* the list as sent (for matching chains) */
	size_t der_len;
	size_t bytes;           /* the whole block */
};

/* The names of a CA list (the bytes inside its length prefix), of which
 * the message said there are total_names, keeping at most max_names.
 * Returns a new reference for the caller, or NULL when out of memory. */
struct ca_list_summary *cert_cache_ca_list(struct cert_cache *cc, const uint8_t *der, size_t len, size_t total_names,
					   size_t max_names);
/* Drops one reference (NULL is ignored). */
void ca_list_put(struct ca_list_summary *s);

struct cert_cache_stats {
	uint64_t hits, misses, evictions;
};
const struct cert_cache_stats *cert_cache_stats(const struct cert_cache *cc);

#endif
