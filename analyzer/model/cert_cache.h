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
/* and at most this many bytes of them (a list may reach 64 KiB of DER and
 * as much again of text): the cache alone stays a small part of
 * --max-memory. */
#define CERT_CACHE_MAX_LIST_BYTES (4u * 1024u * 1024u)
#define CERT_CACHE_MAX_DER (64u * 1024u)

struct cert_cache;

struct cert_cache *cert_cache_new(void);
void cert_cache_free(struct cert_cache *cc);

/* What the decoded certificates and CA lists of a run cost, wherever they
 * are held: the cache's entries, and every summary still referenced by a
 * connection after the cache let it go. A summary is counted once, from
 * its making to its last reference, however many connections share it;
 * --max-memory counts these bytes (cert_cache_bytes). Shared by the cache
 * and its summaries, it lives as long as the last of them. */
struct cert_meter {
	unsigned refs;
	size_t bytes;
};

/* A decoded certificate, shared read-only by the cache and every
 * connection that sent it; freed with its last reference. */
struct cert_summary {
	unsigned refs;
	struct cert_meter *meter; /* counts it; NULL without a cache */
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
	bool in_cache;          /* made through a cache: its memory is counted
				   once in cert_cache_bytes for as long as it
				   lives, not by each connection holding it */
	struct cert_meter *meter; /* counts it; NULL without a cache */
	size_t n_names;         /* decoded, at most max_names (fewer when the
				   list breaks off malformed) */
	size_t n_dropped;       /* names beyond max_names, counted only */
	const char **names;     /* RFC 2253 text, or "(undecodable name, N bytes)" */
	const uint8_t *der;     /* the list as sent (for matching chains) */
	size_t der_len;
	size_t bytes;           /* the whole block, as malloc charges it */
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

/* Heap held by the cache's entries and by every summary made through it
 * that is still referenced (0 for NULL). */
size_t cert_cache_bytes(const struct cert_cache *cc);
/* Memory pressure: lets every entry go. Summaries a connection holds stay
 * (and stay counted) until their last reference; the rest are freed. */
void cert_cache_clear(struct cert_cache *cc);

#endif
