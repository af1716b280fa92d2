/* json_write.h - a jansson value written as json_dumps writes it with
 * JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII and either JSON_COMPACT or
 * JSON_INDENT(2), byte for byte, through a textbuf.
 *
 * json_dumps was more than half of a JSON run: it writes through a
 * callback per token and decodes every character. Here runs of plain
 * characters are copied at once; test_an_json_write holds the two equal. */
#ifndef MTLS_JSON_WRITE_H
#define MTLS_JSON_WRITE_H

#include <stdbool.h>

#include <jansson.h>

#include "textbuf.h"

void json_write(struct textbuf *b, const json_t *j, bool pretty);

#endif
