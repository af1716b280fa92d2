/* live_handshake.c - see live_handshake.h. Test support only: it favours
 * plain code over generality, and any setup failure returns -1. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "live_handshake.h"
#include "rd.h"

struct buf {
	uint8_t *p;
	size_t len;
	bool oom;
};

static void buf_append(struct buf *b, const void *data, size_t n)
{
	uint8_t *q;

	if (n == 0 || b->oom)
		return;
	q = realloc(b->p, b->len + n);
	if (q == NULL) {
		b->oom = true;
		return;
	}
	memcpy(q + b->len, data, n);
	b->p = q;
	b->len += n;
}

/* "CN=Corp Root,O=Corp" -> X509_NAME. RFC 2253 text lists the most
 * specific RDN first, the reverse of the DER order, so entries are added
 * last to first: printing the result with XN_FLAG_RFC2253 gives the input. */
static X509_NAME *name_from_text(const char *text)
{
	char *copy = strdup(text), *parts[16], *save = NULL, *tok, *eq;
	X509_NAME *name = X509_NAME_new();
	int n = 0;

	if (copy == NULL || name == NULL)
		goto fail;
	for (tok = strtok_r(copy, ",", &save); tok && n < 16; tok = strtok_r(NULL, ",", &save))
		parts[n++] = tok;
	while (n-- > 0) {
		eq = strchr(parts[n], '=');
		if (eq == NULL)
			goto fail;
		*eq = '\0';
		if (!X509_NAME_add_entry_by_txt(name, parts[n], MBSTRING_UTF8, (const unsigned char *)(eq + 1), -1,
						-1, 0))
			goto fail;
	}
	free(copy);
	return name;
fail:
	free(copy);
	X509_NAME_free(name);
	return NULL;
}

static int add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;
	int ok;

	X509V3_set_ctx(&ctx, issuer ? issuer : x, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	if (ext == NULL)
		return 0;
	ok = X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	return ok;
}

struct cert_spec {
	const char *subject;
	EVP_PKEY *key;
	X509 *issuer; /* NULL: self-signed */
	EVP_PKEY *issuer_key;
	long serial;
	time_t not_before, not_after;
	bool ca;
	const char *eku;
};

static X509 *make_cert(const struct cert_spec *c)
{
	X509 *x = X509_new();
	X509_NAME *subj = name_from_text(c->subject);

	if (x == NULL || subj == NULL || !X509_set_version(x, 2) ||
	    !ASN1_INTEGER_set(X509_get_serialNumber(x), c->serial) ||
	    !ASN1_TIME_set(X509_getm_notBefore(x), c->not_before) ||
	    !ASN1_TIME_set(X509_getm_notAfter(x), c->not_after) || !X509_set_subject_name(x, subj) ||
	    !X509_set_issuer_name(x, c->issuer ? X509_get_subject_name(c->issuer) : subj) ||
	    !X509_set_pubkey(x, c->key))
		goto fail;
	if (c->ca) {
		if (!add_ext(x, c->issuer, NID_basic_constraints, "critical,CA:TRUE") ||
		    !add_ext(x, c->issuer, NID_key_usage, "critical,keyCertSign,cRLSign"))
			goto fail;
	} else {
		if (!add_ext(x, c->issuer, NID_basic_constraints, "CA:FALSE") ||
		    !add_ext(x, c->issuer, NID_key_usage, "critical,digitalSignature"))
			goto fail;
		if (c->eku && !add_ext(x, c->issuer, NID_ext_key_usage, c->eku))
			goto fail;
	}
	if (!add_ext(x, c->issuer, NID_subject_key_identifier, "hash") ||
	    !X509_sign(x, c->issuer_key ? c->issuer_key : c->key, EVP_sha256()))
		goto fail;
	X509_NAME_free(subj);
	return x;
fail:
	X509_NAME_free(subj);
	X509_free(x);
	return NULL;
}

static void on_msg(int write_p, int version, int content_type, const void *buf, size_t len, SSL *ssl, void *arg)
{
	struct lh_result *res = arg;
	struct lh_msg *m;
	uint8_t *copy;

	(void)version;
	(void)ssl;
	if (content_type != SSL3_RT_HANDSHAKE && content_type != SSL3_RT_ALERT)
		return;
	m = realloc(res->msgs, (res->n_msgs + 1) * sizeof *m);
	if (m == NULL)
		return;
	res->msgs = m;
	copy = malloc(len ? len : 1);
	if (copy == NULL)
		return;
	memcpy(copy, buf, len);
	m[res->n_msgs].from_server = write_p != 0; /* installed on the server */
	m[res->n_msgs].content_type = (uint8_t)content_type;
	m[res->n_msgs].data = copy;
	m[res->n_msgs].len = len;
	res->n_msgs++;
}

/* The client's key log, as SSLKEYLOGFILE would hold it. */
static void on_keylog(const SSL *ssl, const char *line)
{
	struct lh_result *res = SSL_get_app_data(ssl);
	size_t n = strlen(line);
	char *grown = realloc(res->keylog, res->keylog_len + n + 2);
	if (grown == NULL)
		return;
	memcpy(grown + res->keylog_len, line, n);
	res->keylog_len += n;
	grown[res->keylog_len++] = '\n';
	grown[res->keylog_len] = '\0';
	res->keylog = grown;
}

/* The server accepts whatever ALPN id the client offers first. */
static int on_alpn(SSL *ssl, const unsigned char **out, unsigned char *outlen, const unsigned char *in,
		   unsigned inlen, void *arg)
{
	(void)ssl;
	(void)arg;
	if (inlen < 2 || in[0] == 0 || in[0] + 1u > inlen)
		return SSL_TLSEXT_ERR_NOACK;
	*out = in + 1;
	*outlen = in[0];
	return SSL_TLSEXT_ERR_OK;
}

static size_t pump(BIO *from, BIO *to, struct buf *log)
{
	char tmp[4096];
	size_t moved = 0;
	int n;

	while ((n = BIO_read(from, tmp, sizeof tmp)) > 0) {
		buf_append(log, tmp, (size_t)n);
		BIO_write(to, tmp, n);
		moved += (size_t)n;
	}
	return moved;
}

/* true when rc from an SSL_* I/O call is a real failure, not "try again" */
static bool failed(SSL *ssl, int rc)
{
	int e;

	if (rc > 0)
		return false;
	e = SSL_get_error(ssl, rc);
	return e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE;
}

struct pki {
	EVP_PKEY *root_key, *inter_key, *server_key, *client_key;
	X509 *root, *inter, *server, *client;
};

static void pki_free(struct pki *k)
{
	EVP_PKEY_free(k->root_key);
	EVP_PKEY_free(k->inter_key);
	EVP_PKEY_free(k->server_key);
	EVP_PKEY_free(k->client_key);
	X509_free(k->root);
	X509_free(k->inter);
	X509_free(k->server);
	X509_free(k->client);
}

static int pki_make(const struct lh_opts *o, struct pki *k)
{
	time_t now = time(NULL);
	struct cert_spec s;

	k->root_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	k->inter_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	k->server_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	k->client_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	if (!k->root_key || !k->inter_key || !k->server_key || !k->client_key)
		return -1;
	s = (struct cert_spec){ "CN=mtlsdiag Test Root,O=mtlsdiag test", k->root_key, NULL, NULL, 1,
				now - 86400 * 365, now + 86400 * 3650, true, NULL };
	k->root = make_cert(&s);
	if (k->root == NULL)
		return -1;
	s = (struct cert_spec){ "CN=mtlsdiag Test Issuing CA,O=mtlsdiag test", k->inter_key, k->root, k->root_key, 2,
				now - 86400 * 365, now + 86400 * 3650, true, NULL };
	k->inter = make_cert(&s);
	if (k->inter == NULL)
		return -1;
	s = (struct cert_spec){ "CN=server.test,O=mtlsdiag test", k->server_key, k->inter, k->inter_key, 3,
				now - 86400, now + 86400 * 30, false, "serverAuth" };
	k->server = make_cert(&s);
	s = (struct cert_spec){ o->client_subject ? o->client_subject : "CN=client,O=mtlsdiag test",
				k->client_key,
				k->inter,
				k->inter_key,
				0x1234567,
				o->client_not_before ? o->client_not_before : now - 86400,
				o->client_not_after ? o->client_not_after : now + 86400 * 30,
				false,
				o->client_eku };
	k->client = make_cert(&s);
	return k->server && k->client ? 0 : -1;
}

/* What both sides are given alike: the groups (each side its own), the
 * cipher suites, the lowest version, encrypt-then-MAC. */
static bool set_algorithms(SSL_CTX *ctx, const struct lh_opts *o, const char *groups)
{
	if ((groups && !SSL_CTX_set1_groups_list(ctx, groups)) ||
	    (o->tls13_suites && !SSL_CTX_set_ciphersuites(ctx, o->tls13_suites)) ||
	    (o->tls12_ciphers && !SSL_CTX_set_cipher_list(ctx, o->tls12_ciphers)) ||
	    (o->min_version && !SSL_CTX_set_min_proto_version(ctx, o->min_version)))
		return false;
	if (o->no_encrypt_then_mac)
		SSL_CTX_set_options(ctx, SSL_OP_NO_ENCRYPT_THEN_MAC);
	return true;
}

static SSL_CTX *server_ctx(const struct lh_opts *o, struct pki *k)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	STACK_OF(X509_NAME) *cas = NULL;
	X509_NAME *n;
	int mode = SSL_VERIFY_NONE;

	if (ctx == NULL || (o->max_version && !SSL_CTX_set_max_proto_version(ctx, o->max_version)) ||
	    !SSL_CTX_use_certificate(ctx, k->server) || !SSL_CTX_use_PrivateKey(ctx, k->server_key) ||
	    !SSL_CTX_add1_chain_cert(ctx, k->inter))
		goto fail;
	if (o->server_trusts_client_ca && !X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx), k->root))
		goto fail;
	/* Resumption (offered again by a renegotiating client) with client
	 * authentication needs a session id context. */
	if (!SSL_CTX_set_session_id_context(ctx, (const unsigned char *)"mtlsdiag", 8))
		goto fail;
	/* A renegotiation is a full handshake, as when a server (IIS) asks for
	 * a certificate late. */
	SSL_CTX_set_options(ctx, SSL_OP_NO_SESSION_RESUMPTION_ON_RENEGOTIATION);
	if (o->request_cert || o->post_handshake_auth)
		mode = SSL_VERIFY_PEER;
	if (o->require_cert)
		mode |= SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
	if (o->post_handshake_auth)
		mode |= SSL_VERIFY_POST_HANDSHAKE;
	SSL_CTX_set_verify(ctx, mode, NULL);
	if (o->n_ca_names) {
		cas = sk_X509_NAME_new_null();
		if (cas == NULL)
			goto fail;
		for (size_t i = 0; i < o->n_ca_names; i++) {
			n = name_from_text(o->ca_names[i]);
			if (n == NULL || !sk_X509_NAME_push(cas, n)) {
				X509_NAME_free(n);
				sk_X509_NAME_pop_free(cas, X509_NAME_free);
				goto fail;
			}
		}
		SSL_CTX_set_client_CA_list(ctx, cas); /* takes ownership */
	}
	if (o->alpn)
		SSL_CTX_set_alpn_select_cb(ctx, on_alpn, NULL);
	if (!set_algorithms(ctx, o, o->server_groups))
		goto fail;
	return ctx;
fail:
	SSL_CTX_free(ctx);
	return NULL;
}

static SSL_CTX *client_ctx(const struct lh_opts *o, struct pki *k)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

	if (ctx == NULL || (o->max_version && !SSL_CTX_set_max_proto_version(ctx, o->max_version)))
		goto fail;
	if (o->client_has_cert &&
	    (!SSL_CTX_use_certificate(ctx, k->client) || !SSL_CTX_use_PrivateKey(ctx, k->client_key) ||
	     (o->client_sends_chain && !SSL_CTX_add1_chain_cert(ctx, k->inter))))
		goto fail;
	if (!set_algorithms(ctx, o, o->client_groups))
		goto fail;
	SSL_CTX_set_keylog_callback(ctx, on_keylog);
	SSL_CTX_set_verify(ctx, o->client_verifies_server ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, NULL);
	return ctx;
fail:
	SSL_CTX_free(ctx);
	return NULL;
}

static int der_of(X509 *x, uint8_t **der, size_t *len)
{
	unsigned char *p = NULL;
	int n = i2d_X509(x, &p);

	if (n <= 0)
		return -1;
	*der = p; /* OPENSSL_malloc'd; freed with OPENSSL_free */
	*len = (size_t)n;
	return 0;
}

int lh_run(const struct lh_opts *o, struct lh_result *res)
{
	struct pki k = { 0 };
	SSL_CTX *sctx = NULL, *cctx = NULL;
	SSL *s = NULL, *c = NULL;
	BIO *c_in, *c_out, *s_in, *s_out;
	struct buf c2s = { 0 }, s2c = { 0 };
	bool c_done = false, s_done = false, c_fail = false, s_fail = false;
	char app[64];
	unsigned char alpn[256];
	size_t moved;
	int rc = -1;

	memset(res, 0, sizeof *res);
	if (pki_make(o, &k) || (sctx = server_ctx(o, &k)) == NULL || (cctx = client_ctx(o, &k)) == NULL)
		goto out;
	s = SSL_new(sctx);
	c = SSL_new(cctx);
	c_in = BIO_new(BIO_s_mem());
	c_out = BIO_new(BIO_s_mem());
	s_in = BIO_new(BIO_s_mem());
	s_out = BIO_new(BIO_s_mem());
	if (s == NULL || c == NULL || !c_in || !c_out || !s_in || !s_out) {
		BIO_free(c_in);
		BIO_free(c_out);
		BIO_free(s_in);
		BIO_free(s_out);
		goto out;
	}
	SSL_set_bio(c, c_in, c_out);
	SSL_set_bio(s, s_in, s_out);
	SSL_set_connect_state(c);
	SSL_set_accept_state(s);
	SSL_set_msg_callback(s, on_msg);
	SSL_set_msg_callback_arg(s, res);
	SSL_set_app_data(c, res);
	if (o->sni && !SSL_set_tlsext_host_name(c, o->sni))
		goto out;
	if (o->alpn) {
		size_t n = strlen(o->alpn);
		if (n == 0 || n > 255)
			goto out;
		alpn[0] = (unsigned char)n;
		memcpy(alpn + 1, o->alpn, n);
		if (SSL_set_alpn_protos(c, alpn, (unsigned)n + 1) != 0)
			goto out;
	}
	if (o->post_handshake_auth)
		SSL_set_post_handshake_auth(c, 1);

	for (int i = 0; i < 64; i++) {
		if (!c_done && !c_fail) {
			int r = SSL_do_handshake(c);
			c_done = r == 1;
			c_fail = failed(c, r);
		}
		moved = pump(c_out, s_in, &c2s);
		if (!s_done && !s_fail) {
			int r = SSL_do_handshake(s);
			s_done = r == 1;
			s_fail = failed(s, r);
		}
		moved += pump(s_out, c_in, &s2c);
		if (moved == 0 && (c_done || c_fail) && (s_done || s_fail))
			break;
	}

	if (o->post_handshake_auth && c_done && s_done) {
		if (!SSL_verify_client_post_handshake(s) || SSL_do_handshake(s) != 1)
			s_fail = true;
		pump(s_out, c_in, &s2c);
		if (failed(c, SSL_read(c, app, sizeof app)))
			c_fail = true;
		pump(c_out, s_in, &c2s);
		if (failed(s, SSL_read(s, app, sizeof app)))
			s_fail = true;
		pump(s_out, c_in, &s2c);
	}

	if (o->renegotiate && c_done && s_done) {
		/* The server asks (HelloRequest); the client answers with a new
		 * ClientHello inside the old keys when it next reads. Only that
		 * far is promised: with memory BIOs the renegotiation does not
		 * always run to completion, and the tests need no more. */
		if (!SSL_renegotiate(s) || SSL_do_handshake(s) <= 0)
			s_fail = true;
		for (int i = 0; i < 16 && !s_fail && !c_fail; i++) {
			pump(s_out, c_in, &s2c);
			if (failed(c, SSL_read(c, app, sizeof app)))
				c_fail = true;
			moved = pump(c_out, s_in, &c2s);
			if (failed(s, SSL_do_handshake(s)))
				s_fail = true;
			moved += pump(s_out, c_in, &s2c);
			if (moved == 0 && !SSL_renegotiate_pending(s))
				break;
		}
	}

	/* One round of application data: lets the client read what the server
	 * sent after its Finished (tickets, or an alert rejecting the
	 * certificate, which TLS 1.3 can only send after the client is done). */
	if (o->key_update && c_done && s_done && !SSL_key_update(s, SSL_KEY_UPDATE_REQUESTED))
		s_fail = true;
	if (c_done && !c_fail && s_done && !s_fail) {
		if (SSL_write(s, "ping", 4) != 4)
			s_fail = true;
		pump(s_out, c_in, &s2c);
		if (failed(c, SSL_read(c, app, sizeof app)))
			c_fail = true;
		if (!c_fail && SSL_write(c, "pong", 4) != 4)
			c_fail = true;
		pump(c_out, s_in, &c2s);
		if (!s_fail && failed(s, SSL_read(s, app, sizeof app)))
			s_fail = true;
		pump(s_out, c_in, &s2c);
		if (o->client_leaves && !s_fail) {
			/* The client's FIN without close_notify: the server's read
			 * sees the end. */
			res->s2c_after_leave = s2c.len;
			BIO_set_mem_eof_return(SSL_get_rbio(s), 0);
			(void)SSL_read(s, app, sizeof app);
			pump(s_out, c_in, &s2c);
		}
	} else if (c_done && !c_fail) {
		/* The server gave up after the client finished: let the client
		 * read the alert. */
		if (failed(c, SSL_read(c, app, sizeof app)))
			c_fail = true;
	}

	res->client_ok = c_done && !c_fail;
	res->server_ok = s_done && !s_fail;
	/* The server fixes the version when it writes its ServerHello. */
	res->version = lh_find(res, true, 2, 0) ? SSL_version(s) : 0;
	if (c2s.oom || s2c.oom || der_of(k.client, &res->client_cert_der, &res->client_cert_der_len) ||
	    der_of(k.inter, &res->inter_der, &res->inter_der_len))
		goto out;
	res->c2s = c2s.p;
	res->c2s_len = c2s.len;
	res->s2c = s2c.p;
	res->s2c_len = s2c.len;
	c2s.p = s2c.p = NULL;
	rc = 0;
out:
	free(c2s.p);
	free(s2c.p);
	SSL_free(c);
	SSL_free(s);
	SSL_CTX_free(cctx);
	SSL_CTX_free(sctx);
	pki_free(&k);
	if (getenv("LH_DEBUG")) /* why a handshake failed, when writing a test */
		ERR_print_errors_fp(stderr);
	ERR_clear_error();
	if (rc)
		lh_result_free(res);
	return rc;
}

void lh_result_free(struct lh_result *res)
{
	if (res == NULL)
		return;
	for (size_t i = 0; i < res->n_msgs; i++)
		free(res->msgs[i].data);
	free(res->msgs);
	free(res->c2s);
	free(res->s2c);
	OPENSSL_free(res->client_cert_der);
	OPENSSL_free(res->inter_der);
	free(res->keylog);
	memset(res, 0, sizeof *res);
}

const struct lh_msg *lh_find(const struct lh_result *res, bool from_server, uint8_t type, int n)
{
	for (size_t i = 0; i < res->n_msgs; i++) {
		const struct lh_msg *m = &res->msgs[i];
		if (m->content_type == SSL3_RT_HANDSHAKE && m->from_server == from_server && m->len >= 4 &&
		    m->data[0] == type && n-- == 0)
			return m;
	}
	return NULL;
}

/* Walk records: type(1) version(2) length(2) fragment. */
int lh_stream_record(const uint8_t *stream, size_t len, uint8_t content_type, int n, struct rd *body)
{
	struct rd r = rd_make(stream, len), frag;
	uint8_t type;
	uint16_t version, rlen;

	while (rd_u8(&r, &type) == 0 && rd_u16(&r, &version) == 0 && rd_u16(&r, &rlen) == 0 &&
	       rd_view(&r, rlen, &frag) == 0)
		if (type == content_type && n-- == 0) {
			*body = frag;
			return 0;
		}
	return -1;
}

uint8_t *lh_stream_hs(const uint8_t *stream, size_t len, uint8_t type, int n, size_t *msg_len)
{
	struct rd r = rd_make(stream, len), frag, m;
	struct buf hs = { 0 };
	uint8_t rtype, mtype, *copy = NULL;
	uint16_t version, rlen;
	uint32_t mlen;

	/* Concatenate the cleartext handshake fragments, then walk messages. */
	while (rd_u8(&r, &rtype) == 0 && rd_u16(&r, &version) == 0 && rd_u16(&r, &rlen) == 0 &&
	       rd_view(&r, rlen, &frag) == 0) {
		if (rtype == 20 || rtype == 23)
			break;
		if (rtype == 22)
			buf_append(&hs, frag.p, frag.len);
	}
	r = rd_make(hs.p, hs.len);
	for (;;) {
		struct rd start = r;
		if (rd_u8(&r, &mtype) || rd_u24(&r, &mlen) || rd_view(&r, mlen, &m))
			break;
		if (mtype == type && n-- == 0) {
			copy = malloc(mlen + 4);
			if (copy && rd_copy(&start, copy, mlen + 4) == 0)
				*msg_len = mlen + 4;
			break;
		}
	}
	free(hs.p);
	return copy;
}

uint8_t *lh_wire_msg(const struct lh_result *res, bool from_server, uint8_t type, size_t *msg_len)
{
	return from_server ? lh_stream_hs(res->s2c, res->s2c_len, type, 0, msg_len)
			   : lh_stream_hs(res->c2s, res->c2s_len, type, 0, msg_len);
}
