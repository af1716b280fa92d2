/* pki.h - the sample generator's throw-away test PKI, built in memory at run time. */
#ifndef MTLSGEN_PKI_H
#define MTLSGEN_PKI_H

#include <time.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

/* One certificate with its private key. */
struct pki_cert {
	X509 *cert;
	EVP_PKEY *key;
};

/*
 * Everything the scenarios need. Validity periods are relative to `base` (the
 * capture time), so that verification at `base` gives the intended verdicts.
 */
struct pki {
	time_t base;
	struct pki_cert root;		/* RSA-2048 root, trusted by server and client */
	struct pki_cert inter;		/* EC intermediate under root, issues client certs */
	struct pki_cert server;		/* EC server cert under root (app.example.com) */
	struct pki_cert client;		/* alice: clientAuth, valid base-30d .. base+365d */
	struct pki_cert client_expired; /* bob: expired at base-10d */
	struct pki_cert client_no_eku;	/* carol: EKU serverAuth only */
	struct pki_cert rogue_root;	/* a root the server does not trust */
	struct pki_cert client_rogue;	/* mallory: issued by rogue_root */
	struct pki_cert proxy;		/* TLS-terminating proxy: its own app.example.com cert */
	struct pki_cert proxy_client;	/* the proxy's own client certificate (clientAuth, from inter),
					   for its connections to the backend */
	struct pki_cert inspection_ca;	/* a TLS-inspection product's CA (named as Zscaler's),
					   deployed to the client by its IT */
	struct pki_cert inspection_server; /* app.example.com as that product forges it */
};

/* Builds the whole PKI; returns NULL on failure (OpenSSL error queue printed). */
struct pki *pki_new(time_t base);
void pki_free(struct pki *p);

/*
 * A client CA list (as sent in CertificateRequest): the trusted root first, then
 * `extra` generated issuer names that are long enough to make a big list.
 * The caller owns the returned stack (free with sk_X509_NAME_pop_free(.., X509_NAME_free)).
 */
STACK_OF(X509_NAME) * pki_ca_list(const struct pki *p, int extra);

#endif
