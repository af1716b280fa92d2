/* output_json.h - the connection object behind -F json and -F ecs: built
 * once, written as mtlsdiag's own JSON or mapped to Elastic Common Schema
 * field names (output_ecs.c). */
#ifndef MTLS_OUTPUT_JSON_H
#define MTLS_OUTPUT_JSON_H

#include <jansson.h>

#include "output/output.h"

/* The object -F json writes for one connection; the caller owns it. */
json_t *output_json_object(const struct output *o, const char *file_name, const struct tls_conn *c,
			   const struct findings *fs);
/* Writes j as one line (-F json, -F ecs) or indented (-F json-pretty). */
void output_json_line(struct output *o, const json_t *j);
/* "2026-03-02T10:00:00.123456Z": a capture time in UTC to the microsecond. */
const char *iso8601_us(int64_t ns, char *buf, size_t bufsz);

#endif
