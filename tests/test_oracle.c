/* test_oracle.c - the analyzer against tshark's view of the real captures
 * in ../shared/captures (one *.oracle.tsv line per TLS connection, made by
 * ../shared/tools/oracle.sh). For every connection the CertificateRequest
 * frames, the CA-name counts and the client-certificate status must equal
 * tshark's. Where tshark's two reassembly modes disagree, either oracle is
 * accepted and the test says which one matched. Skips (with the reason)
 * when ../shared is absent. */
#include <check.h>
#include <dirent.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "support/fields.h"
#include "support/report_json.h"
#include "support/suite_run.h"
#include "support/test_paths.h"

#define MAX_STREAMS 4096

/* Where tshark's stream numbering or coverage is not ours, and why. */
struct stream_alias {
	const char *capture;
	long oracle_stream;
	long our_stream;
	const char *why;
};
static const struct stream_alias aliases[] = {
	{ "ndpi-tls_heur__trojan-tcp-tls.pcapng", 3, 2,
	  "tshark's SOCKS dissector opens a TCP conversation for the proxied endpoint, which takes index 2" },
	{ NULL, 0, 0, NULL },
};

/* Connections we report that tshark does not dissect as TLS. */
struct extra_conn {
	const char *capture;
	long stream;
	const char *why;
};
static const struct extra_conn extras[] = {
	{ "zeek-irc-starttls.pcap", 0, "IRC STARTTLS: tshark does not look for TLS after plaintext IRC" },
	{ "zeek-ssl-to-http-server.pcap", 0,
	  "a ClientHello sent to port 80: tshark decodes the port as HTTP; we report the unanswered hello" },
	{ NULL, 0, NULL },
};

struct ours {
	char cr_frames[256];
	char cr_counts[256];
	char client_cert[64];
	bool client_hello; /* a ClientHello was decoded */
};

static bool is_capture(const char *name)
{
	static const char *skip[] = { ".tsv", ".keylog", ".key", ".md", NULL };
	for (int i = 0; skip[i]; i++) {
		size_t n = strlen(name), k = strlen(skip[i]);
		if (n >= k && strcmp(name + n - k, skip[i]) == 0)
			return false;
	}
	return name[0] != '.';
}

/* Our view of each connection, by stream. */
struct run {
	const char *path;
	struct ours *ours;
	bool *present;
};

static void take_conn(json_t *j, void *ctx)
{
	struct run *r = ctx;
	json_int_t st = json_integer_value(json_object_get(j, "stream"));
	ck_assert_msg(st >= 0 && st < MAX_STREAMS, "%s: stream %lld out of range", r->path, (long long)st);
	struct ours *o = &r->ours[st];
	memset(o, 0, sizeof *o);
	r->present[st] = true;
	report_cert_requests(j, o->cr_frames, sizeof o->cr_frames, o->cr_counts, sizeof o->cr_counts);
	if (!o->cr_frames[0])
		strcpy(o->cr_frames, "-");
	if (!o->cr_counts[0])
		strcpy(o->cr_counts, "-");
	o->client_hello = json_is_object(json_object_get(j, "client_hello"));
	report_client_cert(json_object_get(j, "client_certificate"), o->client_cert, sizeof o->client_cert);
}

struct oracle_row {
	long stream;
	char cr_frames[256];
	char cr_counts[256];
	char client_cert[128];
	bool dn_tree_truncated; /* tshark stopped listing DNs (at 100) */
	bool client_hello;      /* its handshake sequence has the client's ClientHello */
};

/* Is `tok` one of the space-separated words of `s`? */
static bool has_token(const char *s, const char *tok)
{
	size_t n = strlen(tok);
	for (const char *p = s; (p = strstr(p, tok)) != NULL; p += n)
		if ((p == s || p[-1] == ' ') && (p[n] == '\0' || p[n] == ' '))
			return true;
	return false;
}

/* Reads an oracle file; returns rows read, or -1 when it does not exist. */
static int read_oracle(const char *path, struct oracle_row *rows, int max)
{
	FILE *fp = fopen(path, "r");
	char line[1 << 16];
	int n = 0;
	if (!fp)
		return -1;
	while (fgets(line, sizeof line, fp) && n < max) {
		char *fields[20] = { 0 };
		size_t k = tsv_fields(line, fields, 20);
		if (k < 10)
			continue;
		rows[n].stream = strtol(fields[0], NULL, 10);
		snprintf(rows[n].cr_frames, sizeof rows[n].cr_frames, "%s", fields[5]);
		snprintf(rows[n].cr_counts, sizeof rows[n].cr_counts, "%s", fields[7]);
		/* tshark adds ";no_certificate_alert" for SSL 3.0's way of saying no. */
		char *semi = strstr(fields[9], ";no_certificate_alert");
		if (semi)
			*semi = '\0';
		snprintf(rows[n].client_cert, sizeof rows[n].client_cert, "%s", fields[9]);
		rows[n].dn_tree_truncated = k > 17 && strstr(fields[17], "dn-tree-truncated-by-tshark");
		/* hs_sequence: "C:1 S:2 ..." (side:handshake type) */
		rows[n].client_hello = k > 16 && has_token(fields[16], "C:1");
		n++;
	}
	fclose(fp);
	return n;
}

/* tshark's DN tree stops at 100 names: where it says so, our count must
 * be at least its own. */
static bool counts_agree(const struct oracle_row *r, const struct ours *o)
{
	if (strcmp(r->cr_counts, o->cr_counts) == 0)
		return true;
	return r->dn_tree_truncated && !strchr(r->cr_counts, ';') && !strchr(o->cr_counts, ';') &&
	       atol(o->cr_counts) >= atol(r->cr_counts);
}

static bool same(const struct oracle_row *r, const struct ours *o)
{
	return strcmp(r->cr_frames, o->cr_frames) == 0 && counts_agree(r, o) &&
	       strcmp(r->client_cert, o->client_cert) == 0 && (!r->client_hello || o->client_hello);
}

static long our_stream_for(const char *cap, long oracle_stream)
{
	for (int i = 0; aliases[i].capture; i++)
		if (strcmp(aliases[i].capture, cap) == 0 && aliases[i].oracle_stream == oracle_stream) {
			printf("  %s: oracle stream %ld is our %ld: %s\n", cap, oracle_stream, aliases[i].our_stream,
			       aliases[i].why);
			return aliases[i].our_stream;
		}
	return oracle_stream;
}

static const char *extra_reason(const char *cap, long stream)
{
	for (int i = 0; extras[i].capture; i++)
		if (strcmp(extras[i].capture, cap) == 0 && extras[i].stream == stream)
			return extras[i].why;
	return NULL;
}

/* Every capture in `dir` that has an oracle in `odir`; adds to the counts. */
static void check_dir(const char *dir, const char *odir, int *captures, int *agreed, int *total, int *failures)
{
	static struct ours ours[MAX_STREAMS];
	static bool present[MAX_STREAMS];
	static struct oracle_row rows[MAX_STREAMS], alt[MAX_STREAMS];
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL;
	size_t n_names = 0;

	ck_assert_msg(d != NULL, "cannot open %s", dir);
	while ((e = readdir(d)))
		if (is_capture(e->d_name) && strcmp(e->d_name, "MANIFEST.tsv") != 0 &&
		    strcmp(e->d_name, "pairs") != 0) {
			names = realloc(names, (n_names + 1) * sizeof *names);
			names[n_names++] = strdup(e->d_name);
		}
	closedir(d);
	for (size_t ni = 0; ni < n_names; ni++) {
		const char *cap = names[ni];
		char path[2048], opath[2100];
		snprintf(path, sizeof path, "%s/%s", dir, cap);
		snprintf(opath, sizeof opath, "%s/%s.nokeys.oracle.tsv", odir, cap);
		int nrows = read_oracle(opath, rows, MAX_STREAMS);
		if (nrows < 0) {
			snprintf(opath, sizeof opath, "%s/%s.oracle.tsv", odir, cap);
			nrows = read_oracle(opath, rows, MAX_STREAMS);
		}
		if (nrows < 0)
			continue;
		snprintf(opath, sizeof opath, "%s/%s.no-ooo.oracle.tsv", odir, cap);
		int nalt = read_oracle(opath, alt, MAX_STREAMS);
		memset(present, 0, sizeof present);
		report_each_conn(path, NULL, take_conn, &(struct run){ path, ours, present });
		(*captures)++;
		for (int i = 0; i < nrows; i++) {
			long st = our_stream_for(cap, rows[i].stream);
			(*total)++;
			if (st < 0 || st >= MAX_STREAMS || !present[st]) {
				printf("FAIL %s stream %ld: tshark sees TLS, mtlsdiag reports nothing\n", cap, rows[i].stream);
				(*failures)++;
				continue;
			}
			present[st] = false; /* accounted for */
			if (same(&rows[i], &ours[st])) {
				if (strcmp(rows[i].cr_counts, ours[st].cr_counts) != 0)
					printf("  %s stream %ld: %s CA names; tshark's DN tree stops at %s\n", cap,
					       rows[i].stream, ours[st].cr_counts, rows[i].cr_counts);
				(*agreed)++;
				continue;
			}
			const struct oracle_row *a = NULL;
			for (int k = 0; k < nalt; k++)
				if (alt[k].stream == rows[i].stream)
					a = &alt[k];
			if (a && same(a, &ours[st])) {
				printf("  %s stream %ld: agrees with tshark's no-out-of-order mode; its default mode "
				       "(CR %s, CAs %s, client %s) differs: the two tshark modes disagree here\n",
				       cap, rows[i].stream, rows[i].cr_frames, rows[i].cr_counts, rows[i].client_cert);
				(*agreed)++;
				continue;
			}
			printf("FAIL %s stream %ld: tshark CR frames %s, CA counts %s, client %s%s; mtlsdiag %s, %s, %s%s\n",
			       cap, rows[i].stream, rows[i].cr_frames, rows[i].cr_counts, rows[i].client_cert,
			       rows[i].client_hello ? ", ClientHello" : "", ours[st].cr_frames, ours[st].cr_counts,
			       ours[st].client_cert, ours[st].client_hello ? ", ClientHello" : ", no ClientHello");
			(*failures)++;
		}
		for (long st = 0; st < MAX_STREAMS; st++) {
			if (!present[st])
				continue;
			const char *why = extra_reason(cap, st);
			if (why) {
				printf("  %s stream %ld: reported by mtlsdiag only: %s\n", cap, st, why);
			} else {
				printf("FAIL %s stream %ld: mtlsdiag reports TLS that tshark does not see\n", cap, st);
				(*failures)++;
			}
		}
	}
	for (size_t ni = 0; ni < n_names; ni++)
		free(names[ni]);
	free(names);
}

/* The real captures from other projects (when ../shared is present). */
START_TEST(test_shared_captures)
{
	char dir[1024];
	int captures = 0, agreed = 0, total = 0, failures = 0;
	if (!shared_captures_dir(dir, sizeof dir, "oracle regression"))
		return;
	check_dir(dir, dir, &captures, &agreed, &total, &failures);
	printf("oracle: %d of %d connections agreed with tshark, over %d captures in %s\n", agreed, total,
	       captures, dir);
	ck_assert_msg(captures > 0, "no oracle files under %s", dir);
	ck_assert_int_eq(failures, 0);
	ck_assert_int_eq(agreed, total);
}
END_TEST

/* Our own samples, against tshark's view committed in samples/oracle. */
START_TEST(test_samples)
{
	int captures = 0, agreed = 0, total = 0, failures = 0;
	check_dir("samples", "samples/oracle", &captures, &agreed, &total, &failures);
	printf("oracle: %d of %d sample connections agreed with tshark, over %d captures\n", agreed, total,
	       captures);
	ck_assert_int_ge(captures, 25);
	ck_assert_int_eq(failures, 0);
	ck_assert_int_eq(agreed, total);
}
END_TEST

SUITE_MAIN("oracle", true, CASE("shared-captures", 300, test_shared_captures, test_samples))
