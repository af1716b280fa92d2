/* compare_output.h - the comparison of two captures (diagnosis/compare.h)
 * as text, JSON lines or HTML, like the single-capture report. */
#ifndef MTLS_COMPARE_OUTPUT_H
#define MTLS_COMPARE_OUTPUT_H

#include <stdbool.h>

#include "diagnosis/compare.h"
#include "output/output.h"

void compare_output(struct output *o, const struct conn_list *client_side, const struct conn_list *server_side,
		    const struct compare_result *r, bool summary);

#endif
