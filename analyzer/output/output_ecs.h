/* output_ecs.h - -F ecs: the connection object of -F json with Elastic
 * Common Schema field names, one line each. */
#ifndef MTLS_OUTPUT_ECS_H
#define MTLS_OUTPUT_ECS_H

#include "output/output.h"

void output_ecs_conn(struct output *o, const char *file_name, const struct tls_conn *c, const struct findings *fs);

#endif
