/* cert_cache.c - bounded DER -> decoded summary caches (see cert_cache.h). */
#include "model/cert_cache.h"
#include "model/inspection.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "heap_charge.h"
#include "tls_handshake.h"

/* The hash covers the last 48 bytes of the DER (and its length): a
 * certificate ends with its signature, which tells certificates apart as
 * well as a hash of the whole; a DN ends with its most specific RDN. It
 * costs a tenth of hashing 1 KiB per certificate, and equality is always
 * checked on the full DER, so a collision only costs a comparison. */
#define HASH_TAIL 48u
#define HASH_FUNCTION(keyptr, keylen, hashv)                                                                     \
	do {                                                                                                   \
		unsigned tail_len_ = (unsigned)(keylen) > HASH_TAIL ? HASH_TAIL : (unsigned)(keylen);          \
		HASH_JEN((const unsigned char *)(keyptr) + ((unsigned)(keylen) - tail_len_), tail_len_, hashv); \
		(hashv) ^= (unsigned)(keylen);                                                                 \
	} while (0)
#include <uthash.h>

struct cert_entry {
	UT_hash_handle hh;
	uint8_t *der; /* owned copy: the key */
	size_t der_len;
	size_t charge; /* the entry and its key, in the meter */
	struct cert_summary *s; /* one reference */
};

struct name_entry {
	UT_hash_handle hh;
	uint8_t *der; /* owned copy: the key */
	size_t der_len;
	int rc;
	char *text; /* owned */
	size_t charge; /* the entry, its key and text, in the meter */
};

struct list_entry {
	UT_hash_handle hh;
	size_t max_names; /* part of the key: what the summary kept */
	struct ca_list_summary *s; /* one reference; s->der is the key */
};

struct cert_cache {
	/* uthash keeps insertion order; a hit moves the entry to the end,
	 * so the head is the least recently used. */
	struct cert_entry *certs;
	struct name_entry *names;
	struct list_entry *lists;
	struct cert_meter *meter; /* one reference */
	size_t list_bytes;        /* of the summaries in `lists` */
	struct cert_cache_stats st;
};

/* A hit becomes the most recently used: uthash keeps insertion order, so
 * the entry is put back at the end (its hash value kept). */
#define CACHE_TOUCH(cc, head, e, keyptr, keylen)                                          \
	do {                                                                              \
		unsigned hv_ = (e)->hh.hashv;                                             \
		HASH_DELETE(hh, head, e);                                                 \
		HASH_ADD_KEYPTR_BYHASHVALUE(hh, head, keyptr, keylen, hv_, e);            \
		(cc)->st.hits++;                                                          \
	} while (0)

/* A new entry e of `type`; the least recently used goes first when `max`
 * are held. */
#define CACHE_INSERT(cc, head, type, e, keyptr, keylen, max, entry_free)                  \
	do {                                                                              \
		if (HASH_COUNT(head) >= (max)) {                                          \
			type *oldest_ = (head);                                           \
			HASH_DELETE(hh, head, oldest_);                                   \
			entry_free(cc, oldest_);                                          \
			(cc)->st.evictions++;                                             \
		}                                                                         \
		HASH_ADD_KEYPTR(hh, head, keyptr, keylen, e);                             \
	} while (0)

static void meter_put(struct cert_meter *m)
{
	if (m && --m->refs == 0)
		free(m);
}

/* Starts counting a new summary of `bytes`: one more reference to the meter. */
static struct cert_meter *meter_take(struct cert_cache *cc, size_t bytes)
{
	if (!cc)
		return NULL;
	cc->meter->refs++;
	cc->meter->bytes += bytes;
	return cc->meter;
}

static void meter_give_back(struct cert_meter *m, size_t bytes)
{
	if (!m)
		return;
	m->bytes -= bytes;
	meter_put(m);
}

struct cert_cache *cert_cache_new(void)
{
	struct cert_cache *cc = calloc(1, sizeof(struct cert_cache));
	if (!cc)
		return NULL;
	cc->meter = calloc(1, sizeof *cc->meter);
	if (!cc->meter) {
		free(cc);
		return NULL;
	}
	cc->meter->refs = 1;
	cc->meter->bytes = heap_charge(sizeof *cc) + heap_charge(sizeof *cc->meter);
	return cc;
}

void cert_summary_put(struct cert_summary *s)
{
	if (s && --s->refs == 0) {
		meter_give_back(s->meter, heap_charge(sizeof *s));
		free(s);
	}
}

static void cert_entry_free(struct cert_cache *cc, struct cert_entry *e)
{
	cc->meter->bytes -= e->charge;
	cert_summary_put(e->s);
	free(e->der);
	free(e);
}

static void name_entry_free(struct cert_cache *cc, struct name_entry *e)
{
	cc->meter->bytes -= e->charge;
	free(e->der);
	free(e->text);
	free(e);
}

void ca_list_put(struct ca_list_summary *s)
{
	if (s && --s->refs == 0) {
		meter_give_back(s->meter, s->bytes);
		free(s);
	}
}

static void list_entry_free(struct cert_cache *cc, struct list_entry *e)
{
	cc->meter->bytes -= heap_charge(sizeof *e);
	cc->list_bytes -= e->s->bytes;
	ca_list_put(e->s);
	free(e);
}

void cert_cache_clear(struct cert_cache *cc)
{
	if (!cc)
		return;
	struct list_entry *l, *ltmp;
	HASH_ITER(hh, cc->lists, l, ltmp)
	{
		HASH_DEL(cc->lists, l);
		list_entry_free(cc, l);
	}
	struct cert_entry *c, *ctmp;
	HASH_ITER(hh, cc->certs, c, ctmp)
	{
		HASH_DEL(cc->certs, c);
		cert_entry_free(cc, c);
	}
	struct name_entry *n, *ntmp;
	HASH_ITER(hh, cc->names, n, ntmp)
	{
		HASH_DEL(cc->names, n);
		name_entry_free(cc, n);
	}
}

void cert_cache_free(struct cert_cache *cc)
{
	if (!cc)
		return;
	cert_cache_clear(cc);
	/* Summaries still held elsewhere keep the meter until their last put. */
	meter_put(cc->meter);
	free(cc);
}

const struct cert_cache_stats *cert_cache_stats(const struct cert_cache *cc)
{
	return &cc->st;
}

size_t cert_cache_bytes(const struct cert_cache *cc)
{
	return cc ? cc->meter->bytes : 0;
}

struct cert_summary *cert_cache_summarize(struct cert_cache *cc, const uint8_t *der, size_t len)
{
	struct cert_entry *e = NULL;
	bool cacheable = cc && der && len > 0 && len <= CERT_CACHE_MAX_DER;

	if (cacheable) {
		HASH_FIND(hh, cc->certs, der, len, e);
		if (e) {
			CACHE_TOUCH(cc, cc->certs, e, e->der, e->der_len);
			e->s->refs++;
			return e->s;
		}
	}
	struct cert_summary *s = malloc(sizeof *s);
	if (!s)
		return NULL;
	s->refs = 1;
	/* Counted even when too large to cache: a connection holds it all
	 * the same. */
	s->meter = cc ? meter_take(cc, heap_charge(sizeof *s)) : NULL;
	s->status = x509_summarize(der, len, &s->sum);
	s->inspection_product = s->status == DIS_OK ? inspection_product(s->sum.issuer) : NULL;
	s->sum.subject_der = NULL;
	s->sum.subject_der_len = 0;
	s->sum.issuer_der = NULL;
	s->sum.issuer_der_len = 0;
	if (!cacheable)
		return s;
	cc->st.misses++;
	e = malloc(sizeof *e);
	uint8_t *copy = malloc(len);
	if (!e || !copy) {
		free(e);
		free(copy);
		return s;
	}
	memcpy(copy, der, len);
	e->der = copy;
	e->der_len = len;
	e->charge = heap_charge(sizeof *e) + heap_charge(len);
	cc->meter->bytes += e->charge;
	e->s = s;
	s->refs++;
	CACHE_INSERT(cc, cc->certs, struct cert_entry, e, e->der, e->der_len, CERT_CACHE_MAX_ENTRIES, cert_entry_free);
	return s;
}

static void copy_text(const char *text, char *buf, size_t bufsz)
{
	if (!bufsz)
		return;
	size_t n = strlen(text);
	if (n >= bufsz)
		n = bufsz - 1;
	memcpy(buf, text, n);
	buf[n] = '\0';
}

int cert_cache_name_text(struct cert_cache *cc, const uint8_t *der, size_t len, char *buf, size_t bufsz)
{
	struct name_entry *e = NULL;

	if (cc && der && len > 0 && len <= CERT_CACHE_MAX_DER && bufsz > 0) {
		HASH_FIND(hh, cc->names, der, len, e);
		if (e) {
			CACHE_TOUCH(cc, cc->names, e, e->der, e->der_len);
			copy_text(e->text, buf, bufsz);
			return e->rc < 0 ? e->rc : (int)strlen(buf);
		}
	}
	/* Decoded into a full-size buffer so that the cached text does not
	 * depend on the first caller's buffer size. */
	char full[X509_NAME_TEXT];
	int rc = x509_name_to_text(der, len, full, sizeof full);
	copy_text(full, buf, bufsz);
	if (!cc || !der || len == 0 || len > CERT_CACHE_MAX_DER || bufsz == 0)
		return rc < 0 ? rc : (int)strlen(buf);
	cc->st.misses++;
	e = malloc(sizeof *e);
	uint8_t *copy = malloc(len);
	char *text = strdup(full);
	if (!e || !copy || !text) {
		free(e);
		free(copy);
		free(text);
		return rc < 0 ? rc : (int)strlen(buf);
	}
	memcpy(copy, der, len);
	e->der = copy;
	e->der_len = len;
	e->rc = rc;
	e->text = text;
	e->charge = heap_charge(sizeof *e) + heap_charge(len) + heap_charge(strlen(text) + 1);
	cc->meter->bytes += e->charge;
	CACHE_INSERT(cc, cc->names, struct name_entry, e, e->der, e->der_len, CERT_CACHE_MAX_ENTRIES, name_entry_free);
	return rc < 0 ? rc : (int)strlen(buf);
}

/* The names' texts, NUL-terminated one after another, while a list is
 * decoded. */
struct text_run {
	char *p; /* owned */
	size_t len, cap;
};

static bool text_run_add(struct text_run *t, const char *text)
{
	size_t n = strlen(text) + 1;
	if (t->len + n > t->cap) {
		size_t cap = t->cap ? t->cap : 1024;
		while (cap < t->len + n)
			cap *= 2;
		char *grown = realloc(t->p, cap);
		if (!grown)
			return false;
		t->p = grown;
		t->cap = cap;
	}
	memcpy(t->p + t->len, text, n);
	t->len += n;
	return true;
}

/* Decodes the list into one new block (one reference), or NULL. */
static struct ca_list_summary *ca_list_decode(struct cert_cache *cc, const uint8_t *der, size_t len,
					      size_t total_names, size_t max_names)
{
	struct text_run texts = { 0 };
	struct rd list = rd_make(der, len), dn;
	size_t kept = 0;
	char text[X509_NAME_TEXT];
	while (kept < max_names && tls_dn_list_next(&list, &dn) == 1) {
		if (cert_cache_name_text(cc, dn.p, dn.len, text, sizeof text) < 0)
			snprintf(text, sizeof text, "(undecodable name, %zu bytes)", dn.len);
		if (!text_run_add(&texts, text))
			break;
		kept++;
	}
	size_t bytes = sizeof(struct ca_list_summary) + kept * sizeof(char *) + texts.len + len;
	struct ca_list_summary *s = malloc(bytes);
	if (!s) {
		free(texts.p);
		return NULL;
	}
	const char **names = (const char **)(s + 1);
	char *text_copy = (char *)(names + kept);
	uint8_t *der_copy = (uint8_t *)(text_copy + texts.len);
	if (texts.len)
		memcpy(text_copy, texts.p, texts.len);
	if (len)
		memcpy(der_copy, der, len);
	free(texts.p);
	for (size_t i = 0, at = 0; i < kept; i++) {
		names[i] = text_copy + at;
		at += strlen(names[i]) + 1;
	}
	*s = (struct ca_list_summary){ .refs = 1,
				       .n_names = kept,
				       .n_dropped = total_names > max_names ? total_names - max_names : 0,
				       .names = names,
				       .der = der_copy,
				       .der_len = len,
				       .bytes = heap_charge(bytes) };
	return s;
}

struct ca_list_summary *cert_cache_ca_list(struct cert_cache *cc, const uint8_t *der, size_t len, size_t total_names,
					   size_t max_names)
{
	struct list_entry *e = NULL;
	bool cacheable = cc && der && len > 0 && len <= CERT_CACHE_MAX_DER;
	if (cacheable) {
		HASH_FIND(hh, cc->lists, der, len, e);
		if (e && e->max_names == max_names) {
			CACHE_TOUCH(cc, cc->lists, e, e->s->der, e->s->der_len);
			e->s->refs++;
			return e->s;
		}
		if (e) {
			/* Another limit than the cached one: replace it. */
			HASH_DELETE(hh, cc->lists, e);
			list_entry_free(cc, e);
		}
	}
	struct ca_list_summary *s = ca_list_decode(cc, der, len, total_names, max_names);
	if (!s || !cc)
		return s;
	/* Counted from here to its last reference, cached or not: a
	 * connection holding it after the cache let it go does not count it
	 * again, and it is not forgotten either. */
	s->meter = meter_take(cc, s->bytes);
	s->in_cache = true;
	if (!cacheable)
		return s;
	cc->st.misses++;
	e = malloc(sizeof *e);
	if (!e)
		return s;
	cc->meter->bytes += heap_charge(sizeof *e);
	e->max_names = max_names;
	e->s = s;
	s->refs++;
	cc->list_bytes += s->bytes;
	CACHE_INSERT(cc, cc->lists, struct list_entry, e, s->der, s->der_len, CERT_CACHE_MAX_LISTS, list_entry_free);
	while (cc->list_bytes > CERT_CACHE_MAX_LIST_BYTES && cc->lists != e) {
		struct list_entry *oldest = cc->lists;
		HASH_DELETE(hh, cc->lists, oldest);
		list_entry_free(cc, oldest);
		cc->st.evictions++;
	}
	return s;
}
