/* pki.c - build the test CA hierarchy and end-entity certificates in memory. */
#include "pki.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

/* One extension to add: NID and its value in openssl.cnf syntax. */
struct ext_spec {
	int nid;
	const char *value;
};

/* Only the fields that vary between the certificates of the hierarchy. */
struct cert_spec {
	const char *cn, *ou, *o, *c;
	long serial;
	long from_days, to_days; /* validity relative to the PKI base time */
	const struct ext_spec *exts;
	size_t n_exts;
};

static const struct ext_spec ca_exts[] = {
    {NID_basic_constraints, "critical,CA:TRUE"},
    {NID_key_usage, "critical,keyCertSign,cRLSign"},
    {NID_subject_key_identifier, "hash"},
    {NID_authority_key_identifier, "keyid:always"},
};

static const struct ext_spec inter_exts[] = {
    {NID_basic_constraints, "critical,CA:TRUE,pathlen:0"},
    {NID_key_usage, "critical,keyCertSign,cRLSign"},
    {NID_subject_key_identifier, "hash"},
    {NID_authority_key_identifier, "keyid:always"},
};

static const struct ext_spec server_exts[] = {
    {NID_basic_constraints, "critical,CA:FALSE"},
    {NID_key_usage, "critical,digitalSignature"},
    {NID_ext_key_usage, "serverAuth"},
    {NID_subject_alt_name, "DNS:app.example.com"},
    {NID_subject_key_identifier, "hash"},
    {NID_authority_key_identifier, "keyid:always"},
};

static const struct ext_spec client_exts[] = {
    {NID_basic_constraints, "critical,CA:FALSE"},
    {NID_key_usage, "critical,digitalSignature"},
    {NID_ext_key_usage, "clientAuth"},
    {NID_subject_key_identifier, "hash"},
    {NID_authority_key_identifier, "keyid:always"},
};

/* The "wrong EKU" case people hit: a TLS server certificate offered as client cert. */
static const struct ext_spec client_no_eku_exts[] = {
    {NID_basic_constraints, "critical,CA:FALSE"},
    {NID_key_usage, "critical,digitalSignature"},
    {NID_ext_key_usage, "serverAuth"},
    {NID_subject_key_identifier, "hash"},
    {NID_authority_key_identifier, "keyid:always"},
};

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static int name_add(X509_NAME *n, const char *field, const char *value)
{
	if (!value)
		return 1;
	return X509_NAME_add_entry_by_txt(n, field, MBSTRING_UTF8, (const unsigned char *)value, -1, -1, 0);
}

/* Entries go in C, O, OU, CN order so that RFC 2253 prints CN first. */
static X509_NAME *make_name(const char *cn, const char *ou, const char *o, const char *c)
{
	X509_NAME *n = X509_NAME_new();
	if (!n)
		return NULL;
	if (!name_add(n, "C", c) || !name_add(n, "O", o) || !name_add(n, "OU", ou) ||
	    !name_add(n, "CN", cn)) {
		X509_NAME_free(n);
		return NULL;
	}
	return n;
}

static int add_ext(X509 *cert, X509 *issuer, const struct ext_spec *e)
{
	X509V3_CTX ctx;
	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
	X509_EXTENSION *ex = X509V3_EXT_nconf_nid(NULL, &ctx, e->nid, e->value);
	if (!ex)
		return 0;
	int ok = X509_add_ext(cert, ex, -1);
	X509_EXTENSION_free(ex);
	return ok;
}

/*
 * Issue a certificate for `key` (ownership moves to *out). `issuer` NULL means
 * self-signed. Returns 1 on success.
 */
static int issue(struct pki_cert *out, EVP_PKEY *key, const struct cert_spec *s,
		 const struct pki_cert *issuer, time_t base)
{
	X509 *x = NULL;
	X509_NAME *subj = NULL;
	int ok = 0;

	out->key = key;
	if (!key)
		goto out;
	x = X509_new();
	subj = make_name(s->cn, s->ou, s->o, s->c);
	if (!x || !subj)
		goto out;
	if (!X509_set_version(x, 2) || !ASN1_INTEGER_set(X509_get_serialNumber(x), s->serial))
		goto out;
	if (!X509_time_adj_ex(X509_getm_notBefore(x), (int)s->from_days, 0, &base) ||
	    !X509_time_adj_ex(X509_getm_notAfter(x), (int)s->to_days, 0, &base))
		goto out;
	if (!X509_set_subject_name(x, subj) ||
	    !X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer->cert) : subj) ||
	    !X509_set_pubkey(x, key))
		goto out;
	for (size_t i = 0; i < s->n_exts; i++)
		if (!add_ext(x, issuer ? issuer->cert : x, &s->exts[i]))
			goto out;
	if (!X509_sign(x, issuer ? issuer->key : key, EVP_sha256()))
		goto out;
	out->cert = x;
	x = NULL;
	ok = 1;
out:
	X509_free(x);
	X509_NAME_free(subj);
	return ok;
}

static void cert_free(struct pki_cert *c)
{
	X509_free(c->cert);
	EVP_PKEY_free(c->key);
}

#define SLOT(name) offsetof(struct pki, name)

/* Every certificate of the hierarchy, each after its issuer: where it
 * goes in struct pki, who issues it (its own slot: self-signed) and what
 * it says. */
/* clang-format off */
static const struct cert_plan {
	size_t slot, issuer;
	struct cert_spec spec;
} plan[] = {
    {SLOT(root), SLOT(root),
     {"Example Corp Root CA", NULL, "Example Corp", "US", 4096, -3650, 3650, ca_exts, N_OF(ca_exts)}},
    {SLOT(inter), SLOT(root),
     {"Example Corp Client Issuing CA 1", NULL, "Example Corp", "US", 4097, -1000, 2000, inter_exts,
      N_OF(inter_exts)}},
    {SLOT(server), SLOT(root),
     {"app.example.com", NULL, "Example Corp", "US", 4098, -60, 365, server_exts, N_OF(server_exts)}},
    /* The TLS-terminating proxy presents a server certificate of its own. */
    {SLOT(proxy), SLOT(root),
     {"app.example.com", "Edge Proxy", "Example Corp", "US", 4099, -60, 365, server_exts, N_OF(server_exts)}},
    {SLOT(client), SLOT(inter),
     {"alice", "Engineering", "Example Corp", "US", 8193, -30, 365, client_exts, N_OF(client_exts)}},
    {SLOT(proxy_client), SLOT(inter),
     {"edge-proxy", "Edge Proxy", "Example Corp", "US", 8196, -30, 365, client_exts, N_OF(client_exts)}},
    {SLOT(client_expired), SLOT(inter),
     {"bob", "Engineering", "Example Corp", "US", 8194, -375, -10, client_exts, N_OF(client_exts)}},
    {SLOT(client_no_eku), SLOT(inter),
     {"carol", "Engineering", "Example Corp", "US", 8195, -30, 365, client_no_eku_exts, N_OF(client_no_eku_exts)}},
    {SLOT(rogue_root), SLOT(rogue_root),
     {"Unlisted Root CA", NULL, "Other Org", "NL", 77, -3650, 3650, ca_exts, N_OF(ca_exts)}},
    {SLOT(client_rogue), SLOT(rogue_root),
     {"mallory", NULL, "Other Org", "NL", 78, -30, 365, client_exts, N_OF(client_exts)}},
    /* Named as the product names its CA (client-cert-field-facts.md, section 7). */
    {SLOT(inspection_ca), SLOT(inspection_ca),
     {"Zscaler Intermediate Root CA (zscaler.net)", "Zscaler Inc.", "Zscaler Inc.", "US", 91, -700, 3000,
      ca_exts, N_OF(ca_exts)}},
    {SLOT(inspection_server), SLOT(inspection_ca),
     {"app.example.com", NULL, "Example Corp", "US", 92, -2, 12, server_exts, N_OF(server_exts)}},
};
/* clang-format on */

static struct pki_cert *slot_of(struct pki *p, size_t slot)
{
	return (struct pki_cert *)((char *)p + slot);
}

struct pki *pki_new(time_t base)
{
	struct pki *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->base = base;
	for (size_t i = 0; i < N_OF(plan); i++) {
		const struct cert_plan *c = &plan[i];
		/* RSA only for the root: its 256-byte signatures make the chains
		 * realistically large. */
		EVP_PKEY *key = c->slot == SLOT(root) ? EVP_RSA_gen(2048) : EVP_EC_gen("P-256");
		const struct pki_cert *issuer = c->issuer == c->slot ? NULL : slot_of(p, c->issuer);
		if (!issue(slot_of(p, c->slot), key, &c->spec, issuer, base)) {
			ERR_print_errors_fp(stderr);
			pki_free(p);
			return NULL;
		}
	}
	return p;
}

void pki_free(struct pki *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < N_OF(plan); i++)
		cert_free(slot_of(p, plan[i].slot));
	free(p);
}

/* Plausible names for generated issuers; only their length and variety matter. */
static const char *const units[] = {
    "Finance",		"Human Resources", "Manufacturing", "Research and Development",
    "Customer Support", "Logistics",	   "Legal",	    "Facilities"};
static const char *const countries[] = {"US", "DE", "FR", "JP", "BR", "IN", "GB", "CA"};

STACK_OF(X509_NAME) * pki_ca_list(const struct pki *p, int extra)
{
	STACK_OF(X509_NAME) *sk = sk_X509_NAME_new_null();
	X509_NAME *n = NULL;
	if (!sk)
		return NULL;
	n = X509_NAME_dup(X509_get_subject_name(p->root.cert));
	if (!n || !sk_X509_NAME_push(sk, n))
		goto fail;
	for (int i = 0; i < extra; i++) {
		char cn[96], o[96];
		snprintf(cn, sizeof(cn), "Regional Issuing Certification Authority %03d", i + 1);
		snprintf(o, sizeof(o), "Example Holding Subsidiary %03d Incorporated", i + 1);
		n = make_name(cn, units[i % N_OF(units)], o, countries[(i / 3) % N_OF(countries)]);
		if (!n || !sk_X509_NAME_push(sk, n))
			goto fail;
	}
	return sk;
fail:
	X509_NAME_free(n);
	sk_X509_NAME_pop_free(sk, X509_NAME_free);
	return NULL;
}
