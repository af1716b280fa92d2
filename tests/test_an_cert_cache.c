/* The certificate cache's CA lists: the list a real OpenSSL server sent,
 * decoded once and shared; the --max-ca-names limit; a list no cache
 * holds; references that outlive the cache's own entry; and what
 * --max-memory is told they cost. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/ssl.h>

#include "model/cert_cache.h"
#include "support/live_handshake.h"
#include "tls_handshake.h"
#include "support/suite_run.h"

static const char *const three_cas[] = {
	"CN=Corp Root,O=Corp",
	"CN=Partner Issuing CA 2,OU=PKI,O=Partner Ltd,C=DE",
	"CN=mtlsdiag Test Root,O=mtlsdiag test",
};

/* The CA list of a real TLS 1.2 CertificateRequest naming `cas`, copied
 * (the handshake's buffers are freed here). */
static uint8_t *live_ca_list(const char *const *cas, size_t n, size_t *len, size_t *n_names)
{
	struct lh_opts o = { .max_version = TLS1_2_VERSION, .request_cert = true, .ca_names = cas,
			     .n_ca_names = n, .client_has_cert = true, .client_sends_chain = true,
			     .server_trusts_client_ca = true, .client_eku = "clientAuth" };
	struct lh_result res;
	struct tls_cert_request cr;

	ck_assert_int_eq(lh_run(&o, &res), 0);
	const struct lh_msg *m = lh_find(&res, true, TLS_HS_CERTIFICATE_REQUEST, 0);
	ck_assert_ptr_nonnull(m);
	ck_assert_int_eq(tls_cert_request_parse(m->data + 4, m->len - 4, TLS_VERSION_TLS12, &cr), DIS_OK);
	uint8_t *copy = malloc(cr.ca_list_bytes);
	ck_assert_ptr_nonnull(copy);
	memcpy(copy, cr.ca_list.p, cr.ca_list_bytes);
	*len = cr.ca_list_bytes;
	*n_names = cr.n_ca_names;
	lh_result_free(&res);
	return copy;
}

/* The real list naming three_cas (der, len bytes, n names), and a new
 * cache. */
struct fx {
	uint8_t *der;
	size_t len, n;
	struct cert_cache *cc;
};

static struct fx fx_new(void)
{
	struct fx f;
	f.der = live_ca_list(three_cas, 3, &f.len, &f.n);
	f.cc = cert_cache_new();
	ck_assert_ptr_nonnull(f.cc);
	return f;
}

/* The list with its last byte changed by i + 1: a distinct list each i. */
static struct ca_list_summary *variant(const struct fx *f, size_t i)
{
	uint8_t *v = malloc(f->len);
	ck_assert_ptr_nonnull(v);
	memcpy(v, f->der, f->len);
	v[f->len - 1] = (uint8_t)(v[f->len - 1] ^ (i + 1));
	struct ca_list_summary *s = cert_cache_ca_list(f->cc, v, f->len, f->n, 2048);
	free(v);
	return s;
}

START_TEST(same_list_decoded_once_and_shared)
{
	struct fx f = fx_new();

	struct ca_list_summary *first = cert_cache_ca_list(f.cc, f.der, f.len, f.n, 2048);
	ck_assert_ptr_nonnull(first);
	ck_assert(first->in_cache);
	ck_assert_uint_eq(first->n_names, 3);
	ck_assert_uint_eq(first->n_dropped, 0);
	for (size_t i = 0; i < 3; i++)
		ck_assert_str_eq(first->names[i], three_cas[i]);
	ck_assert_uint_eq(first->der_len, f.len);
	ck_assert_mem_eq(first->der, f.der, f.len);
	uint64_t hits = cert_cache_stats(f.cc)->hits;

	/* The same bytes from another buffer, as the next handshake brings. */
	uint8_t *again = malloc(f.len);
	ck_assert_ptr_nonnull(again);
	memcpy(again, f.der, f.len);
	struct ca_list_summary *second = cert_cache_ca_list(f.cc, again, f.len, f.n, 2048);
	ck_assert_ptr_eq(second, first);
	ck_assert_uint_eq(cert_cache_stats(f.cc)->hits, hits + 1);
	ck_assert_uint_eq(first->refs, 3); /* the cache and two connections */

	/* The cache goes first; the connections' references stay readable. */
	cert_cache_free(f.cc);
	ca_list_put(second);
	ck_assert_str_eq(first->names[2], three_cas[2]);
	ca_list_put(first);
	free(again);
	free(f.der);
}
END_TEST

START_TEST(limit_keeps_the_first_names_and_counts_the_rest)
{
	struct fx f = fx_new();

	struct ca_list_summary *one = cert_cache_ca_list(f.cc, f.der, f.len, f.n, 1);
	ck_assert_ptr_nonnull(one);
	ck_assert_uint_eq(one->n_names, 1);
	ck_assert_uint_eq(one->n_dropped, 2);
	ck_assert_str_eq(one->names[0], three_cas[0]);
	ck_assert_uint_eq(one->der_len, f.len); /* the whole list, for matching */

	/* Another limit on the same list is decoded afresh, not served the
	 * shorter one. */
	struct ca_list_summary *all = cert_cache_ca_list(f.cc, f.der, f.len, f.n, 2048);
	ck_assert_ptr_nonnull(all);
	ck_assert_ptr_ne(all, one);
	ck_assert_uint_eq(all->n_names, 3);
	ck_assert_uint_eq(all->n_dropped, 0);

	struct ca_list_summary *none = cert_cache_ca_list(f.cc, f.der, f.len, f.n, 0);
	ck_assert_ptr_nonnull(none);
	ck_assert_uint_eq(none->n_names, 0);
	ck_assert_uint_eq(none->n_dropped, 3);

	ca_list_put(one);
	ca_list_put(all);
	ca_list_put(none);
	cert_cache_free(f.cc);
	free(f.der);
}
END_TEST

START_TEST(without_a_cache_and_past_its_size)
{
	struct fx f = fx_new();
	struct ca_list_summary *alone = cert_cache_ca_list(NULL, f.der, f.len, f.n, 2048);
	ck_assert_ptr_nonnull(alone);
	ck_assert(!alone->in_cache);
	ck_assert_uint_eq(alone->refs, 1);
	ck_assert_uint_eq(alone->n_names, 3);
	ck_assert_str_eq(alone->names[1], three_cas[1]);
	ck_assert_uint_ge(alone->bytes, f.len + strlen(three_cas[0]) + strlen(three_cas[1]) + strlen(three_cas[2]));
	ca_list_put(alone);

	/* More distinct lists than the cache keeps (each the real list with
	 * its last byte changed): every one stays correct, the oldest are
	 * let go. */
	struct ca_list_summary *held[CERT_CACHE_MAX_LISTS + 8];
	for (size_t i = 0; i < CERT_CACHE_MAX_LISTS + 8; i++) {
		held[i] = variant(&f, i);
		ck_assert_ptr_nonnull(held[i]);
		ck_assert_uint_eq(held[i]->n_names, 3);
		ck_assert_str_eq(held[i]->names[0], three_cas[0]);
	}
	ck_assert_uint_eq(cert_cache_stats(f.cc)->evictions >= 8, 1);
	for (size_t i = 0; i < CERT_CACHE_MAX_LISTS + 8; i++) {
		ck_assert_uint_eq(held[i]->der[f.len - 1], (uint8_t)(f.der[f.len - 1] ^ (i + 1)));
		ca_list_put(held[i]);
	}
	cert_cache_free(f.cc);
	free(f.der);
}
END_TEST

/* --max-memory counts a list once while anything holds it: the cache, or
 * only connections after the cache let it go; the last reference gives
 * its bytes back, also after the cache itself is gone. */
START_TEST(lists_counted_once_while_held)
{
	struct fx f = fx_new();
	size_t empty = cert_cache_bytes(f.cc);

	struct ca_list_summary *first = cert_cache_ca_list(f.cc, f.der, f.len, f.n, 2048);
	ck_assert_ptr_nonnull(first);
	size_t one = cert_cache_bytes(f.cc);
	ck_assert_uint_ge(one - empty, first->bytes);
	ck_assert_uint_ge(first->bytes, f.len);
	/* A second connection with the same list adds nothing. */
	struct ca_list_summary *again = cert_cache_ca_list(f.cc, f.der, f.len, f.n, 2048);
	ck_assert_ptr_eq(again, first);
	ck_assert_uint_eq(cert_cache_bytes(f.cc), one);

	/* Distinct lists push it out of the cache; the two connections still
	 * hold it, and it stays counted. */
	for (size_t i = 0; i < CERT_CACHE_MAX_LISTS + 1; i++)
		ca_list_put(variant(&f, i));
	ck_assert_uint_eq(first->refs, 2);
	cert_cache_clear(f.cc);
	size_t without_first = cert_cache_bytes(f.cc);
	ck_assert_uint_ge(without_first, empty + first->bytes);
	size_t list_bytes = first->bytes;
	ca_list_put(again);
	ck_assert_uint_eq(cert_cache_bytes(f.cc), without_first);
	ca_list_put(first);
	ck_assert_uint_eq(cert_cache_bytes(f.cc), without_first - list_bytes);
	/* Only the certificate names' entries were decoded along: cleared. */
	cert_cache_clear(f.cc);
	ck_assert_uint_eq(cert_cache_bytes(f.cc), empty);
	cert_cache_free(f.cc);
	free(f.der);
}
END_TEST

SUITE_MAIN("cert_cache", false,
	   CASE("ca_lists", 60, same_list_decoded_once_and_shared,
		limit_keeps_the_first_names_and_counts_the_rest, without_a_cache_and_past_its_size,
		lists_counted_once_while_held))
