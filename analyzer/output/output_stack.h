/* output_stack.h - the identified server and client software and the JA4
 * fingerprint (struct stack_id) in the text report and in JSON. */
#ifndef MTLS_OUTPUT_STACK_H
#define MTLS_OUTPUT_STACK_H

#include <jansson.h>

#include "diagnosis/diagnose.h"
#include "output/textbuf.h"

/* "  Software: server ..., client ..., JA4 ...\n" */
void output_text_stack(struct textbuf *b, const struct findings *f);
/* Adds "server_software", "client_software" and "ja4" to a connection object. */
void output_json_stack(json_t *conn, const struct findings *f);

#endif
