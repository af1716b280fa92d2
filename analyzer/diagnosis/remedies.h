/* remedies.h - the fix for a finding, in the words of the software on the
 * wire. The catalogue (remedies.def) holds one row per finding (or
 * finding variant) x side x software; this file only looks rows up and
 * fills their placeholders. */
#ifndef MTLS_REMEDIES_H
#define MTLS_REMEDIES_H

#include <stddef.h>

#include "diagnosis/stack.h"

/* Values for the placeholders a row may use: {port}, {issuer},
 * {subject}, {depth}, {product}, {sni}. NULL or 0: the placeholder reads
 * as a neutral word ("the server's port", "the issuing CA", ...). */
struct remedy_args {
	unsigned port;
	const char *issuer;
	const char *subject;
	int depth;
	const char *product;
	const char *sni;
};

/* Writes the remedy for `key` (a finding ID, or "ID/variant" for a
 * finding whose fix depends on a detail, e.g. "SERVER_REJECTED_CLIENT_CERT/
 * unknown_ca") for the identified server and client: the server row for
 * that software and the client row for that client, each when the
 * finding has one; with the software unknown, the rows for the likely
 * stacks, briefly, never one vendor alone. A variant without rows falls
 * back to its finding ID. Always NUL-terminates; returns the length
 * written, 0 when the catalogue has no row for the key. */
size_t remedy_format(char *out, size_t out_size, const char *key, const struct stack_id *stack,
		     const struct remedy_args *args);

/* For tests and the man page check: whether the catalogue has a row for
 * key and that server (SERVER_UNKNOWN: the generic row). */
int remedy_has_server_row(const char *key, enum server_kind k);
int remedy_has_client_row(const char *key, enum client_kind k);

#endif
