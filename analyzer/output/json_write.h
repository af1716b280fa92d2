/* json_write.h - a jansson value written as json_dumps writes it with
 * JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII and either JSON_COMPACT or
 * JSON_INDENT(2) (and JSON_REAL_PRECISION: json_write_reals), byte for
 * byte, through a textbuf.
 *
 * json_dumps was more than half of a JSON run: it writes through a
 * callback per token and decodes every character. Here runs of plain
 * characters are copied at once; test_an_json_write holds the two equal. */
#ifndef MTLS_JSON_WRITE_H
#define MTLS_JSON_WRITE_H

#include <stdbool.h>

#include <jansson.h>

#include "output/textbuf.h"

void json_write(struct textbuf *b, const json_t *j, bool pretty);

/* The same with reals as JSON_REAL_PRECISION(real_digits) writes them
 * (1..31; 0 is jansson's 17), or, with JSON_WRITE_REAL_SHORTEST, each
 * real with 15 digits, or 16 or 17 when fewer do not read back as the
 * same double (0.73, not 0.72999999999999998): what json_dumps writes
 * with the precision that real needs. */
#define JSON_WRITE_REAL_SHORTEST (-1)
void json_write_reals(struct textbuf *b, const json_t *j, bool pretty, int real_digits);

#endif
