/* trust.c - verification of the client chain with OpenSSL's X509_STORE. */
#include "model/trust.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

struct trust_store {
	X509_STORE *store;         /* owned */
	STACK_OF(X509) *all;       /* owned: every certificate of the file, for issuer lookups */
};

static void name_text(const X509_NAME *name, char *buf, size_t bufsz)
{
	unsigned char *der = NULL;
	int len = i2d_X509_NAME(name, &der);
	buf[0] = '\0';
	if (len > 0 && x509_name_to_text(der, (size_t)len, buf, bufsz) < 0)
		snprintf(buf, bufsz, "(undecodable name)");
	OPENSSL_free(der);
}

struct trust_store *trust_store_load(const char *path, char *err, size_t errlen)
{
	FILE *fp = fopen(path, "r");
	if (!fp) {
		snprintf(err, errlen, "%s", strerror(errno));
		return NULL;
	}
	struct trust_store *ts = calloc(1, sizeof *ts);
	if (!ts || !(ts->store = X509_STORE_new()) || !(ts->all = sk_X509_new_null())) {
		fclose(fp);
		trust_store_free(ts);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	X509 *x;
	ERR_clear_error();
	while ((x = PEM_read_X509(fp, NULL, NULL, NULL)) != NULL) {
		if (!X509_STORE_add_cert(ts->store, x) || !sk_X509_push(ts->all, x)) {
			X509_free(x);
			continue;
		}
	}
	/* PEM_read_X509 ends with "no start line" at the end of the file;
	 * anything else means a damaged PEM block. */
	unsigned long e = ERR_peek_last_error();
	bool clean_end = ERR_GET_REASON(e) == PEM_R_NO_START_LINE;
	ERR_clear_error();
	fclose(fp);
	if (sk_X509_num(ts->all) == 0) {
		snprintf(err, errlen, "no PEM certificate in the file");
		trust_store_free(ts);
		return NULL;
	}
	if (e && !clean_end) {
		snprintf(err, errlen, "a PEM block after certificate %d is damaged", sk_X509_num(ts->all));
		trust_store_free(ts);
		return NULL;
	}
	return ts;
}

void trust_store_free(struct trust_store *ts)
{
	if (!ts)
		return;
	X509_STORE_free(ts->store);
	sk_X509_pop_free(ts->all, X509_free);
	free(ts);
}

size_t trust_store_count(const struct trust_store *ts)
{
	return (size_t)sk_X509_num(ts->all);
}

static bool issuer_known(const struct trust_store *ts, const X509_NAME *issuer)
{
	for (int i = 0; i < sk_X509_num(ts->all); i++)
		if (X509_NAME_cmp(X509_get_subject_name(sk_X509_value(ts->all, i)), issuer) == 0)
			return true;
	return false;
}

void trust_verify_client(const struct trust_store *ts, struct tls_conn *c, int64_t at_epoch)
{
	const struct cert_chain *ch = &c->client_chain;
	if (!ts || c->client_verify || c->cc_status != CC_PRESENT || ch->n_kept == 0 || !ch->certs[0].der)
		return;
	struct chain_verdict *v = calloc(1, sizeof *v);
	if (!v)
		return;

	X509 *leaf = NULL;
	STACK_OF(X509) *untrusted = sk_X509_new_null();
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	for (size_t i = 0; i < ch->n_kept && untrusted; i++) {
		const unsigned char *p = ch->certs[i].der;
		X509 *x = p ? d2i_X509(NULL, &p, (long)ch->certs[i].der_len) : NULL;
		if (!x)
			continue;
		if (i == 0)
			leaf = x;
		else if (!sk_X509_push(untrusted, x))
			X509_free(x);
	}
	v->depth = 0;
	if (!leaf) {
		v->error = -1;
		snprintf(v->error_text, sizeof v->error_text, "the client certificate is not valid DER");
		goto out;
	}
	if (!ctx || !untrusted || !X509_STORE_CTX_init(ctx, ts->store, leaf, untrusted)) {
		free(v);
		v = NULL;
		goto out;
	}
	X509_VERIFY_PARAM *param = X509_STORE_CTX_get0_param(ctx);
	X509_VERIFY_PARAM_set_time(param, (time_t)at_epoch);
	/* As a server checks a client: the clientAuth purpose. */
	X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_SSL_CLIENT);
	int ok = X509_verify_cert(ctx);
	v->ok = ok == 1;
	if (!v->ok) {
		v->error = X509_STORE_CTX_get_error(ctx);
		v->depth = X509_STORE_CTX_get_error_depth(ctx);
		snprintf(v->error_text, sizeof v->error_text, "%s", X509_verify_cert_error_string(v->error));
		X509 *at = X509_STORE_CTX_get_current_cert(ctx);
		if (!at)
			at = leaf;
		name_text(X509_get_subject_name(at), v->subject, sizeof v->subject);
		name_text(X509_get_issuer_name(at), v->issuer, sizeof v->issuer);
		v->issuer_in_trust = issuer_known(ts, X509_get_issuer_name(at));
	}
out:
	c->client_verify = v;
	ERR_clear_error();
	X509_STORE_CTX_free(ctx);
	X509_free(leaf);
	sk_X509_pop_free(untrusted, X509_free);
}
