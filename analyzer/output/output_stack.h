/* output_stack.h - the identified server and client software and the JA4
 * fingerprint (struct stack_id) in the text report and in JSON. */
#ifndef MTLS_OUTPUT_STACK_H
#define MTLS_OUTPUT_STACK_H

#include "diagnosis/diagnose.h"
#include "output/json_write.h"
#include "output/textbuf.h"

/* "  Software: server ..., client ..., JA4 ...\n" */
void output_text_stack(struct textbuf *b, const struct findings *f);
/* The values of the "server_software" (server) or "client_software"
 * members of a connection object, and of "ja4" (null when none). */
void json_stack_guess(struct json_writer *w, const struct findings *f, bool server);
void json_ja4(struct json_writer *w, const struct findings *f);

#endif
