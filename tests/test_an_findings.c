/* The findings catalogue (findings.def) and the man page say the same:
 * the FINDINGS and COMPARE sections list the same IDs in the same order,
 * each with the table's severity rule and text, and the severities a row
 * declares are the ones its rule names. The notes (notes.def) are all
 * explained in the man page's notes entry. Read from man/mtlsdiag.1 as
 * the source tree holds it (the tests run from its top). */
#include <check.h>
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diagnosis/findings.h"
#include "model/model.h"
#include "diagnosis/remedies.h"
#include "support/suite_run.h"

#define MAN_PAGE "man/mtlsdiag.1"
#define MAX_ENTRIES 64
#define TEXT_MAX 4096

/* One .TP entry of a man page section whose tag is ".B ID \fR(rule)". */
struct entry {
	char id[64];
	char rule[512];
	char text[TEXT_MAX];
};

static char *man;          /* the whole page */
static char *lines[8192];  /* its lines, in place */
static size_t n_lines;

static void load_man(void)
{
	FILE *fp = fopen(MAN_PAGE, "r");
	ck_assert_msg(fp != NULL, "%s: cannot open it (the tests run from the top of the source tree)", MAN_PAGE);
	static char buf[1 << 20];
	size_t n = fread(buf, 1, sizeof buf - 1, fp);
	fclose(fp);
	ck_assert_uint_lt(n, sizeof buf - 1);
	buf[n] = '\0';
	man = buf;
	n_lines = 0;
	for (char *p = man; *p && n_lines < sizeof lines / sizeof lines[0];) {
		lines[n_lines++] = p;
		char *nl = strchr(p, '\n');
		if (!nl)
			break;
		*nl = '\0';
		p = nl + 1;
	}
}

static void append(char *dst, size_t size, const char *src, size_t n)
{
	size_t used = strlen(dst);
	ck_assert_msg(used + n < size, "text longer than %zu bytes", size);
	memcpy(dst + used, src, n);
	dst[used + n] = '\0';
}

/* Roff inline text as plain text: \- is '-', \(dq '"', \e '\', font
 * changes and \& vanish. Any other escape fails the test, so that new
 * markup is taught here rather than compared wrongly. */
static void plain(char *dst, size_t size, const char *src, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (src[i] != '\\') {
			append(dst, size, src + i, 1);
			continue;
		}
		const char *e = src + i + 1;
		size_t left = n - i - 1;
		if (left >= 1 && e[0] == '-') {
			append(dst, size, "-", 1);
			i += 1;
		} else if (left >= 1 && e[0] == 'e') {
			append(dst, size, "\\", 1);
			i += 1;
		} else if (left >= 1 && e[0] == '&') {
			i += 1;
		} else if (left >= 2 && e[0] == 'f' && strchr("BIRP", e[1])) {
			i += 2;
		} else if (left >= 3 && strncmp(e, "(dq", 3) == 0) {
			append(dst, size, "\"", 1);
			i += 3;
		} else {
			ck_abort_msg("%s: escape \\%.3s not understood by this test", MAN_PAGE, e);
		}
	}
}

/* A text line or a font request (.B, .BR, ...) as plain text: .B and .I
 * join their arguments with spaces, the alternating ones without. */
static void line_text(char *dst, size_t size, const char *line)
{
	if (line[0] != '.') {
		plain(dst, size, line, strlen(line));
		return;
	}
	const char *req = line + 1;
	size_t rn = strcspn(req, " ");
	bool single = rn == 1 && (req[0] == 'B' || req[0] == 'I');
	bool alternating = rn == 2 && strchr("BIR", req[0]) && strchr("BIR", req[1]) && req[0] != req[1];
	ck_assert_msg(single || alternating, "%s: request '%s' not understood by this test", MAN_PAGE, line);
	const char *p = req + rn;
	bool first = true;
	while (*p) {
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		const char *start = p;
		size_t len;
		if (*p == '"') {
			start = ++p;
			len = strcspn(p, "\"");
			p += len + (p[len] == '"');
		} else {
			len = strcspn(p, " ");
			p += len;
		}
		if (single && !first)
			append(dst, size, " ", 1);
		plain(dst, size, start, len);
		first = false;
	}
}

/* ".B ID \fR(rule)" -> id and rule; false for any other tag. */
static bool parse_tag(const char *tag, struct entry *e)
{
	if (strncmp(tag, ".B ", 3) != 0 || !isupper((unsigned char)tag[3]))
		return false;
	const char *id = tag + 3;
	size_t n = strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_");
	if (strncmp(id + n, " \\fR(", 5) != 0)
		return false;
	const char *rule = id + n + 5;
	size_t rn = strlen(rule);
	if (rn == 0 || rule[rn - 1] != ')')
		return false;
	ck_assert_uint_lt(n, sizeof e->id);
	memcpy(e->id, id, n);
	e->id[n] = '\0';
	e->rule[0] = '\0';
	plain(e->rule, sizeof e->rule, rule, rn - 1);
	return true;
}

static size_t section_start(const char *name)
{
	char want[64];
	snprintf(want, sizeof want, ".SH %s", name);
	for (size_t i = 0; i < n_lines; i++)
		if (strcmp(lines[i], want) == 0)
			return i + 1;
	ck_abort_msg("%s: no section %s", MAN_PAGE, name);
	return 0;
}

/* The finding entries of a section, in order. */
static size_t section_entries(const char *name, struct entry *out, size_t max)
{
	size_t n = 0;
	struct entry *cur = NULL;
	for (size_t i = section_start(name); i < n_lines; i++) {
		const char *l = lines[i];
		if (strncmp(l, ".SH", 3) == 0 || strncmp(l, ".SS", 3) == 0)
			break;
		if (strncmp(l, ".PP", 3) == 0) {
			cur = NULL;
			continue;
		}
		if (strncmp(l, ".TP", 3) == 0) {
			cur = NULL;
			if (i + 1 < n_lines) {
				ck_assert_uint_lt(n, max);
				memset(&out[n], 0, sizeof out[n]);
				if (parse_tag(lines[i + 1], &out[n]))
					cur = &out[n++];
				i++;
			}
			continue;
		}
		if (!cur)
			continue;
		if (cur->text[0])
			append(cur->text, sizeof cur->text, " ", 1);
		line_text(cur->text, sizeof cur->text, l);
	}
	return n;
}

/* The severities a rule names, as SEVS_* bits. */
static unsigned rule_severities(const char *rule)
{
	static const char *const words[] = { [SEV_INFO] = "info", [SEV_WARNING] = "warning", [SEV_ERROR] = "error" };
	unsigned bits = 0;
	for (int s = SEV_INFO; s <= SEV_ERROR; s++) {
		size_t wl = strlen(words[s]);
		for (const char *p = strstr(rule, words[s]); p; p = strstr(p + 1, words[s])) {
			bool starts = p == rule || !isalpha((unsigned char)p[-1]);
			bool ends = !isalpha((unsigned char)p[wl]);
			if (starts && ends)
				bits |= 1u << s;
		}
	}
	return bits;
}

static void check_section(const char *name, enum finding_section section)
{
	static struct entry entries[MAX_ENTRIES];
	load_man();
	size_t n = section_entries(name, entries, MAX_ENTRIES);
	size_t k = 0;
	for (int code = 0; code < FINDING_COUNT; code++) {
		const struct finding_info *f = finding_info((enum finding_code)code);
		if (f->section != section)
			continue;
		ck_assert_msg(k < n, "%s: %s is in findings.def but not in the man page's %s", MAN_PAGE, f->id, name);
		const struct entry *e = &entries[k++];
		ck_assert_msg(strcmp(e->id, f->id) == 0, "%s %s: the man page has %s where findings.def has %s", MAN_PAGE,
			      name, e->id, f->id);
		ck_assert_msg(strcmp(e->rule, f->rule) == 0, "%s: severity rule \"%s\" in the man page, \"%s\" in findings.def",
			      f->id, e->rule, f->rule);
		ck_assert_msg(strcmp(e->text, f->text) == 0, "%s: the man page says\n  %s\nfindings.def says\n  %s", f->id,
			      e->text, f->text);
		ck_assert_msg(rule_severities(f->rule) == f->severities,
			      "%s: the rule \"%s\" names other severities than the row's", f->id, f->rule);
	}
	ck_assert_msg(k == n, "%s: %s lists %s, which findings.def does not have", MAN_PAGE, name, entries[k].id);
}

START_TEST(diagnosis_findings_match_the_man_page)
{
	check_section("FINDINGS", FINDING_SECTION_DIAGNOSIS);
}
END_TEST

START_TEST(compare_findings_match_the_man_page)
{
	check_section("COMPARE", FINDING_SECTION_COMPARE);
}
END_TEST

/* The parser above is itself checked, so that a bug in it cannot hide
 * a disagreement. */
START_TEST(roff_reading)
{
	char out[256] = "";
	line_text(out, sizeof out, ".BR \\-\\-trust :");
	ck_assert_str_eq(out, "--trust:");
	out[0] = '\0';
	line_text(out, sizeof out, ".B \"server ... crt\" x");
	ck_assert_str_eq(out, "server ... crt x");
	out[0] = '\0';
	line_text(out, sizeof out, "a \\fBbold\\fR \\(dqword\\(dq");
	ck_assert_str_eq(out, "a bold \"word\"");
	struct entry e;
	ck_assert(parse_tag(".B CA_LIST_EMPTY \\fR(info; warning when hurt)", &e));
	ck_assert_str_eq(e.id, "CA_LIST_EMPTY");
	ck_assert_str_eq(e.rule, "info; warning when hurt");
	ck_assert(!parse_tag(".B A_B\\fR, \\fBC_D \\fR(error)", &e)); /* one ID per entry */
	ck_assert(!parse_tag(".B authenticated", &e));
	ck_assert_uint_eq(rule_severities("warning; error when rejected"), SEVS_WARNING | SEVS_ERROR);
	ck_assert_uint_eq(rule_severities("errors and information"), 0);
}
END_TEST

/* Ranks order a connection's findings: the diagnosis gives each one
 * (the milder form never closer to the root cause); compare keeps the
 * order it found them in. */
START_TEST(ranks_and_remedies)
{
	for (int code = 0; code < FINDING_COUNT; code++) {
		const struct finding_info *f = finding_info((enum finding_code)code);
		if (f->section == FINDING_SECTION_DIAGNOSIS) {
			ck_assert_msg(f->rank > 0 && f->mild_rank >= f->rank, "%s: rank %d, mild %d", f->id, f->rank,
				      f->mild_rank);
			ck_assert_msg(f->mild_rank == f->rank || (f->severities & (f->severities - 1)),
				      "%s: a milder form, but only one severity", f->id);
		} else {
			ck_assert_msg(f->rank == 0 && f->mild_rank == 0, "%s: compare findings have no rank", f->id);
		}
		ck_assert_msg(remedy_has_server_row(f->id, SERVER_UNKNOWN) || remedy_has_client_row(f->id, CLIENT_UNKNOWN),
			      "%s: no generic row in remedies.def", f->id);
		ck_assert_msg(finding_severity((enum finding_code)code) < SEV_ERROR || (f->severities & SEVS_ERROR),
			      "%s", f->id);
	}
	ck_assert_str_eq(finding_info(FINDING_COUNT)->id, "UNKNOWN");
}
END_TEST

/* The man page's notes entry names every note of notes.def, and no
 * other word of the notes' shape (lower case with underscores). */
START_TEST(notes_match_the_man_page)
{
	load_man();
	char text[TEXT_MAX] = "";
	size_t i = 0;
	while (i < n_lines && strcmp(lines[i], ".B notes") != 0)
		i++;
	ck_assert_msg(i < n_lines, "%s: no notes entry", MAN_PAGE);
	/* Its paragraph: up to the next entry or section. */
	for (i++; i < n_lines; i++) {
		const char *l = lines[i];
		if (!strncmp(l, ".TP", 3) || !strncmp(l, ".PP", 3) || !strncmp(l, ".SH", 3) || !strncmp(l, ".SS", 3))
			break;
		append(text, sizeof text, " ", 1);
		line_text(text, sizeof text, l);
	}
	for (int n = 0; n < NOTE_COUNT; n++) {
		const char *name = conn_note_name((enum conn_note)n);
		ck_assert_msg(strstr(text, name), "%s: the notes entry does not name %s", MAN_PAGE, name);
	}
	for (const char *p = text; *p;) {
		size_t len = strspn(p, "abcdefghijklmnopqrstuvwxyz0123456789_");
		if (len && memchr(p, '_', len) && !(p > text && (isalnum((unsigned char)p[-1]) || p[-1] == '-'))) {
			bool known = false;
			for (int n = 0; n < NOTE_COUNT && !known; n++)
				known = strlen(conn_note_name((enum conn_note)n)) == len &&
					strncmp(conn_note_name((enum conn_note)n), p, len) == 0;
			ck_assert_msg(known, "%s: the notes entry names %.*s, which notes.def does not have", MAN_PAGE,
				      (int)len, p);
		}
		p += len ? len : 1;
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("findings");
	TCase *tc = tcase_create("catalogue");
	tcase_add_test(tc, roff_reading);
	tcase_add_test(tc, diagnosis_findings_match_the_man_page);
	tcase_add_test(tc, compare_findings_match_the_man_page);
	tcase_add_test(tc, ranks_and_remedies);
	tcase_add_test(tc, notes_match_the_man_page);
	suite_add_tcase(s, tc);
	int failed = run_suite(s, false);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
