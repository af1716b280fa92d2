/* findings.c - the catalogue rows (findings.def). */
#include "diagnosis/findings.h"


#define FINDING(NAME, SECTION, SEVERITIES, RANK, MILD_RANK, RULE, TEXT) \
	[FINDING_##NAME] = { #NAME, FINDING_SECTION_##SECTION, SEVERITIES, RANK, MILD_RANK, RULE, TEXT },
static const struct finding_info rows[FINDING_COUNT] = {
#include "diagnosis/findings.def"
};
#undef FINDING

static const struct finding_info unknown_row = { "UNKNOWN", FINDING_SECTION_DIAGNOSIS, SEVS_INFO, 0, 0, "", "" };

const struct finding_info *finding_info(enum finding_code code)
{
	return (unsigned)code < FINDING_COUNT ? &rows[code] : &unknown_row;
}

enum severity finding_severity(enum finding_code code)
{
	unsigned s = finding_info(code)->severities;
	return s & SEVS_ERROR ? SEV_ERROR : s & SEVS_WARNING ? SEV_WARNING : SEV_INFO;
}

const char *severity_name(enum severity s)
{
	return s == SEV_ERROR ? "error" : s == SEV_WARNING ? "warning" : "info";
}

const char *finding_section_name(enum finding_section s)
{
	return s == FINDING_SECTION_COMPARE ? "compare" : "diagnosis";
}
