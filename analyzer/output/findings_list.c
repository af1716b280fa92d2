/* findings_list.c - --list-findings: the findings catalogue
 * (diagnosis/findings.def) as text or as JSON lines. */
#include "output/findings_list.h"

#include <stdbool.h>
#include <string.h>

#include "output/json_write.h"

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

static void list_json(FILE *fp)
{
	for (int i = 0; i < FINDING_COUNT; i++) {
		const struct finding_info *f = finding_info((enum finding_code)i);
		struct json_writer w;
		struct textbuf b;
		jw_line_begin(&w, &b, fp, false, 0);
		w.ascii = false; /* UTF-8 as it is */
		jw_begin_object(&w);
		jw_member_string(&w, "id", f->id);
		jw_member_string(&w, "section", finding_section_name(f->section));
		jw_key(&w, "severities");
		jw_begin_array(&w);
		for (int s = SEV_ERROR; s >= SEV_INFO; s--)
			if (f->severities & (1u << s))
				jw_string(&w, severity_name((enum severity)s));
		jw_end_array(&w);
		jw_member_string(&w, "severity_rule", f->rule);
		jw_member_int(&w, "rank", f->rank);
		jw_member_int(&w, "mild_rank", f->mild_rank);
		jw_member_string(&w, "text", f->text);
		jw_end_object(&w);
		jw_line_end(&w);
	}
}

static void list_text(FILE *fp)
{
	for (int sec = FINDING_SECTION_DIAGNOSIS; sec <= FINDING_SECTION_COMPARE; sec++) {
		fprintf(fp, "%s", sec == FINDING_SECTION_DIAGNOSIS
					  ? "Findings of the diagnosis (mtlsdiag(1), FINDINGS):\n"
					  : "\nFindings of compare (mtlsdiag(1), COMPARE):\n");
		for (int i = 0; i < FINDING_COUNT; i++) {
			const struct finding_info *f = finding_info((enum finding_code)i);
			if (f->section != (enum finding_section)sec)
				continue;
			fprintf(fp, "\n%s\n", f->id);
			wrapped(fp, 2, "Severity: ", f->rule, 4);
			wrapped(fp, 2, "", f->text, 2);
		}
	}
}

int findings_list(FILE *fp, bool json)
{
	if (json)
		list_json(fp);
	else
		list_text(fp);
	return fflush(fp) == 0 && !ferror(fp) ? 0 : -1;
}
