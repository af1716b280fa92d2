/* findings_list.h - --list-findings. */
#ifndef MTLS_FINDINGS_LIST_H
#define MTLS_FINDINGS_LIST_H

#include <stdbool.h>
#include <stdio.h>

#include "diagnosis/findings.h"

/* The catalogue, as text or as JSON lines (one object per finding: id,
 * section, severities, severity_rule, rank, mild_rank, text). Returns 0,
 * or -1 when writing failed. */
int findings_list(FILE *fp, bool json);

#endif
