/* findings.h - the findings catalogue (findings.def) as code: IDs,
 * severities, ranks and the texts the man page and --list-findings show.
 * Constant data only; the diagnosis (diagnose.c) and the comparison
 * (compare.c) decide when a finding applies. */
#ifndef MTLS_FINDINGS_H
#define MTLS_FINDINGS_H

#include <stdio.h>

enum severity { SEV_INFO = 0, SEV_WARNING = 1, SEV_ERROR = 2 };

/* Sets of severities (findings.def, SEVERITIES). */
enum {
	SEVS_INFO = 1u << SEV_INFO,
	SEVS_WARNING = 1u << SEV_WARNING,
	SEVS_ERROR = 1u << SEV_ERROR,
};

/* Where the man page explains a finding. */
enum finding_section { FINDING_SECTION_DIAGNOSIS, FINDING_SECTION_COMPARE };

#define FINDING(NAME, SECTION, SEVERITIES, RANK, MILD_RANK, RULE, TEXT) FINDING_##NAME,
enum finding_code {
#include "diagnosis/findings.def"
	FINDING_COUNT
};
#undef FINDING

struct finding_info {
	const char *id;                 /* "CLIENT_CERT_EMPTY" */
	enum finding_section section;
	unsigned severities;            /* SEVS_* */
	int rank, mild_rank;
	const char *rule;               /* the severity rule, in words */
	const char *text;               /* what it means */
};

/* The catalogue row of a finding; never NULL (a code out of range gets a
 * row whose id is "UNKNOWN"). */
const struct finding_info *finding_info(enum finding_code code);
/* The most severe of the finding's severities: the one it has whenever
 * its rule gives only one. */
enum severity finding_severity(enum finding_code code);
const char *severity_name(enum severity s);
/* "diagnosis" or "compare". */
const char *finding_section_name(enum finding_section s);

#endif
