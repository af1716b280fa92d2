/* findings.c - the catalogue rows (findings.def) and --list-findings. */
#include "diagnosis/findings.h"

#include <jansson.h>
#include <stdbool.h>
#include <string.h>

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

static const char *section_name(enum finding_section s)
{
	return s == FINDING_SECTION_COMPARE ? "compare" : "diagnosis";
}

/* lead and text from column `indent`, broken at spaces before column 78;
 * the lines after the first start at column `cont`. */
static void wrapped(FILE *fp, int indent, const char *lead, const char *text, int cont)
{
	int col = fprintf(fp, "%*s%s", indent, "", lead);
	bool line_empty = true;
	for (const char *p = text; *p;) {
		int n = (int)strcspn(p, " ");
		if (!line_empty && col + 1 + n > 78) {
			col = fprintf(fp, "\n%*s", cont, "") - 1;
			line_empty = true;
		}
		if (!line_empty)
			col += fputc(' ', fp) != EOF;
		col += (int)fwrite(p, 1, (size_t)n, fp);
		line_empty = false;
		p += n;
		while (*p == ' ')
			p++;
	}
	fputc('\n', fp);
}

static int list_json(FILE *fp)
{
	for (int i = 0; i < FINDING_COUNT; i++) {
		const struct finding_info *f = &rows[i];
		json_t *sevs = json_array();
		for (int s = SEV_ERROR; s >= SEV_INFO; s--)
			if (f->severities & (1u << s))
				json_array_append_new(sevs, json_string(severity_name((enum severity)s)));
		json_t *o = json_pack("{s:s, s:s, s:o, s:s, s:i, s:i, s:s}", "id", f->id, "section",
				      section_name(f->section), "severities", sevs, "severity_rule", f->rule, "rank",
				      f->rank, "mild_rank", f->mild_rank, "text", f->text);
		int rc = o ? json_dumpf(o, fp, JSON_COMPACT | JSON_PRESERVE_ORDER) : -1;
		json_decref(o);
		if (rc != 0 || fputc('\n', fp) == EOF)
			return -1;
	}
	return 0;
}

int findings_list(FILE *fp, int json)
{
	if (json)
		return list_json(fp);
	for (int sec = FINDING_SECTION_DIAGNOSIS; sec <= FINDING_SECTION_COMPARE; sec++) {
		fprintf(fp, "%s", sec == FINDING_SECTION_DIAGNOSIS
					  ? "Findings of the diagnosis (mtlsdiag(1), FINDINGS):\n"
					  : "\nFindings of compare (mtlsdiag(1), COMPARE):\n");
		for (int i = 0; i < FINDING_COUNT; i++) {
			if (rows[i].section != (enum finding_section)sec)
				continue;
			fprintf(fp, "\n%s\n", rows[i].id);
			wrapped(fp, 2, "Severity: ", rows[i].rule, 4);
			wrapped(fp, 2, "", rows[i].text, 2);
		}
	}
	return fflush(fp) == 0 && !ferror(fp) ? 0 : -1;
}
