/* trust.h - --trust FILE: the client chain verified with OpenSSL's
 * X509_STORE at the time of the capture, as a server with those trust
 * stores would verify it. */
#ifndef MTLS_TRUST_H
#define MTLS_TRUST_H

#include <stddef.h>
#include <stdint.h>

#include "model/model.h"

struct trust_store;

/* Loads every certificate of a PEM bundle: self-signed ones are trust
 * anchors, the others intermediates the server would have in its
 * Intermediate CA store. NULL with a reason in err on failure. */
struct trust_store *trust_store_load(const char *path, char *err, size_t errlen);
void trust_store_free(struct trust_store *ts);
size_t trust_store_count(const struct trust_store *ts);

/* Verifies the client chain of c (its DER copies) at at_epoch seconds
 * for client authentication, and stores the verdict in c->client_verify (allocated, owned by c). */
void trust_verify_client(const struct trust_store *ts, struct tls_conn *c, int64_t at_epoch);

#endif
