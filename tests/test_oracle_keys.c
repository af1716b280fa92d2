/* test_oracle_keys.c - decryption against tshark's decrypted view.
 *
 * For every capture that comes with an NSS key log (samples/<name>.keylog
 * beside samples/<name>.pcap, and <capture>.keylog in ../shared/captures)
 * mtlsdiag runs with --keylog and its report is compared, connection by
 * connection, with tshark's view made with the same key log
 * (`oracle.sh CAPTURE KEYLOG`, the <capture>.oracle.tsv files): the
 * handshake messages of every frame (cleartext and decrypted), the
 * CertificateRequest frames, their CA names (tshark's attribute names
 * mapped to RFC 2253 ones), every client Certificate message (frame and
 * count), the subject and issuer of the client's certificate, the
 * HelloRequest and the alerts. The oracle files are committed, so tshark
 * is not needed here; ../shared is optional (SKIP when absent). */
#include <check.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tls_names.h"
#include "support/fields.h"
#include "support/report_json.h"
#include "support/suite_run.h"
#include "support/test_paths.h"

#define MAX_STREAMS 256
#define FIELD 8192

struct view {
	char cr_frames[256];
	char cr_counts[256];
	char cr_dns[FIELD];
	char client_cert[256];
	char client_cert_frames[256];
	char client_subject[3 * FIELD];
	char alerts[FIELD];
	char hello_request[64];
	char hs_sequence[FIELD];
	bool dn_tree_truncated;
};

static void dash_if_empty(char *s)
{
	if (!s[0])
		strcpy(s, "-");
}

/* tshark's DN label "(id-at-commonName=x,id-at-countryName=US)" in
 * OpenSSL's RFC 2253 spelling "CN=x,C=US"; "" when an attribute has no
 * known short name (then only the counts are compared). */
static void dn_from_tshark(const char *in, char *out, size_t n)
{
	static const char *const map[][2] = {
	    {"id-at-commonName", "CN"},
	    {"id-at-organizationName", "O"},
	    {"id-at-organizationalUnitName", "OU"},
	    {"id-at-countryName", "C"},
	    {"id-at-localityName", "L"},
	    {"id-at-stateOrProvinceName", "ST"},
	    {"dc", "DC"},
	    {NULL, NULL},
	};
	char buf[FIELD];
	snprintf(buf, sizeof buf, "%s", in);
	size_t len = strlen(buf);
	if (len < 2 || buf[0] != '(' || buf[len - 1] != ')') {
		out[0] = '\0';
		return;
	}
	buf[len - 1] = '\0';
	out[0] = '\0';
	char *save = NULL;
	for (char *item = strtok_r(buf + 1, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(item, '=');
		if (!eq) { /* a comma inside a value: not comparable as text */
			out[0] = '\0';
			return;
		}
		*eq = '\0';
		int k = 0;
		while (map[k][0] && strcmp(map[k][0], item) != 0)
			k++;
		if (!map[k][0]) {
			out[0] = '\0';
			return;
		}
		char part[FIELD];
		snprintf(part, sizeof part, "%s=%s", map[k][1], eq + 1);
		test_append(out, n, ",", part);
	}
}

/* tshark's cr_dns column (" | " between DNs, " ;; " between requests). */
static void dns_from_tshark(const char *in, char *out, size_t n)
{
	out[0] = '\0';
	if (strcmp(in, "-") == 0) {
		strcpy(out, "-");
		return;
	}
	const char *p = in;
	while (*p) {
		const char *req_end = strstr(p, " ;; ");
		size_t rl = req_end ? (size_t)(req_end - p) : strlen(p);
		char req[FIELD], conv[FIELD] = "";
		snprintf(req, sizeof req, "%.*s", (int)rl, p);
		char *q = req;
		while (q && *q) {
			char *sep = strstr(q, " | ");
			if (sep)
				*sep = '\0';
			char dn[FIELD];
			dn_from_tshark(q, dn, sizeof dn);
			test_append(conv, sizeof conv, " | ", dn[0] ? dn : "?");
			q = sep ? sep + 3 : NULL;
		}
		test_append(out, n, " ;; ", conv);
		p += rl;
		if (req_end)
			p += 4;
	}
}

/* "12:C>S:warning/close_notify(0)" -> "12:C>S:warning(0)"; "encrypted" kept. */
static void alerts_from_tshark(const char *in, char *out, size_t n)
{
	char buf[FIELD];
	snprintf(buf, sizeof buf, "%s", in);
	out[0] = '\0';
	if (strcmp(in, "-") == 0) {
		strcpy(out, "-");
		return;
	}
	char *save = NULL;
	for (char *a = strtok_r(buf, " ", &save); a; a = strtok_r(NULL, " ", &save)) {
		char *slash = strchr(a, '/'), *paren = strrchr(a, '(');
		char item[512];
		if (slash && paren && paren > slash)
			snprintf(item, sizeof item, "%.*s%s", (int)(slash - a), a, paren);
		else
			snprintf(item, sizeof item, "%s", a);
		test_append(out, n, " ", item);
	}
}

static int read_oracle(const char *path, struct view *rows, long *streams, int max)
{
	FILE *fp = fopen(path, "r");
	static char line[1 << 17];
	int n = 0;
	if (!fp)
		return -1;
	while (fgets(line, sizeof line, fp) && n < max) {
		char *f[20] = {0};
		if (tsv_fields(line, f, 20) < 18)
			continue;
		struct view *v = &rows[n];
		memset(v, 0, sizeof *v);
		streams[n] = strtol(f[0], NULL, 10);
		snprintf(v->cr_frames, sizeof v->cr_frames, "%s", f[5]);
		snprintf(v->cr_counts, sizeof v->cr_counts, "%s", f[7]);
		dns_from_tshark(f[8], v->cr_dns, sizeof v->cr_dns);
		char *semi = strstr(f[9], ";no_certificate_alert");
		if (semi)
			*semi = '\0';
		snprintf(v->client_cert, sizeof v->client_cert, "%s", f[9]);
		snprintf(v->client_cert_frames, sizeof v->client_cert_frames, "%s", f[10]);
		/* the first certificate of the first client Certificate message */
		char subj[3 * FIELD] = "-";
		if (strcmp(f[11], "-") != 0) {
			char *s = f[11] + strlen("subj="), *iss = strstr(f[11], "//iss=");
			char *end = strchr(f[11], ';');
			if (end)
				*end = '\0';
			if (iss) {
				char a[FIELD], b[FIELD];
				*iss = '\0';
				dn_from_tshark(s, a, sizeof a);
				dn_from_tshark(iss + 6, b, sizeof b);
				if (a[0] && b[0])
					snprintf(subj, sizeof subj, "%s // %s", a, b);
				else
					strcpy(subj, "?"); /* an attribute without an RFC 2253 name */
			}
		}
		snprintf(v->client_subject, sizeof v->client_subject, "%s", subj);
		alerts_from_tshark(f[12], v->alerts, sizeof v->alerts);
		/* ours holds the first HelloRequest */
		char *comma = strchr(f[15], ',');
		if (comma)
			*comma = '\0';
		snprintf(v->hello_request, sizeof v->hello_request, "%s", f[15]);
		snprintf(v->hs_sequence, sizeof v->hs_sequence, "%s", f[16]);
		v->dn_tree_truncated = strstr(f[17], "dn-tree-truncated-by-tshark") != NULL;
		n++;
	}
	fclose(fp);
	return n;
}

static int hs_type_of(const char *name)
{
	for (int t = 0; t < 256; t++)
		if (strcmp(tls_hs_type_name((uint8_t)t), name) == 0)
			return t;
	return -1;
}

/* Our history as tshark's hs_sequence: "C:1 S:2,8,11 ..." per frame. */
static void hs_sequence_of(json_t *history, char *out, size_t n)
{
	size_t i;
	json_t *e;
	long last_frame = -1;
	char last_dir = 0, group[1024] = "";
	out[0] = '\0';
	json_array_foreach(history, i, e)
	{
		const char *what = json_string_value(json_object_get(e, "what"));
		const char *from = json_string_value(json_object_get(e, "from"));
		long frame = (long)json_integer_value(json_object_get(e, "frame"));
		char item[16];
		if (!what || !from)
			continue;
		if (strcmp(what, "encrypted_finished") == 0 || strcmp(what, "encrypted_handshake") == 0) {
			strcpy(item, "enc");
		} else {
			int t = hs_type_of(what);
			if (t < 0)
				continue;
			snprintf(item, sizeof item, "%d", t);
		}
		char dir = from[0] == 'c' ? 'C' : 'S';
		if (frame != last_frame || dir != last_dir) {
			if (group[0])
				test_append(out, n, " ", group);
			snprintf(group, sizeof group, "%c:%s", dir, item);
			last_frame = frame;
			last_dir = dir;
		} else {
			strncat(group, ",", sizeof group - strlen(group) - 1);
			strncat(group, item, sizeof group - strlen(group) - 1);
		}
	}
	if (group[0])
		test_append(out, n, " ", group);
	dash_if_empty(out);
}

static void ours_from_json(json_t *j, struct view *v)
{
	size_t i;
	json_t *x;
	char num[64];
	memset(v, 0, sizeof *v);
	report_cert_requests(j, v->cr_frames, sizeof v->cr_frames, v->cr_counts, sizeof v->cr_counts);
	json_array_foreach(json_object_get(j, "cert_requests"), i, x)
	{
		char dns[FIELD] = "";
		size_t k;
		json_t *dn;
		json_array_foreach(json_object_get(x, "ca_names"), k, dn)
		    test_append(dns, sizeof dns, " | ", json_string_value(dn));
		test_append(v->cr_dns, sizeof v->cr_dns, " ;; ", dns);
	}
	json_t *cc = json_object_get(j, "client_certificate");
	json_t *msgs = json_object_get(cc, "messages");
	if (msgs) {
		json_array_foreach(msgs, i, x)
		{
			long long count = json_integer_value(json_object_get(x, "count"));
			if (count)
				snprintf(num, sizeof num, "present(n=%lld)", count);
			else
				strcpy(num, "empty");
			test_append(v->client_cert, sizeof v->client_cert, ";", num);
			snprintf(num, sizeof num, "%lld",
				 (long long)json_integer_value(json_object_get(x, "frame")));
			test_append(v->client_cert_frames, sizeof v->client_cert_frames, ",", num);
		}
	} else {
		report_client_cert(cc, v->client_cert, sizeof v->client_cert);
		if (json_integer_value(json_object_get(cc, "frame")))
			snprintf(v->client_cert_frames, sizeof v->client_cert_frames, "%lld",
				 (long long)json_integer_value(json_object_get(cc, "frame")));
	}
	json_t *leaf = json_array_get(json_object_get(cc, "chain"), 0);
	if (leaf && json_object_get(leaf, "subject"))
		snprintf(v->client_subject, sizeof v->client_subject, "%s // %s",
			 json_string_value(json_object_get(leaf, "subject")),
			 json_string_value(json_object_get(leaf, "issuer")));
	json_array_foreach(json_object_get(j, "alerts"), i, x)
	{
		char item[128];
		long long fr = json_integer_value(json_object_get(x, "frame"));
		const char *from = json_string_value(json_object_get(x, "from"));
		const char *dir = from && from[0] == 'c' ? "C>S" : "S>C";
		const char *level = json_string_value(json_object_get(x, "level"));
		if (!level)
			snprintf(item, sizeof item, "%lld:%s:encrypted", fr, dir);
		else
			snprintf(item, sizeof item, "%lld:%s:%s(%lld)", fr, dir, level,
				 (long long)json_integer_value(json_object_get(x, "code")));
		test_append(v->alerts, sizeof v->alerts, " ", item);
	}
	json_t *reneg = json_object_get(j, "renegotiation");
	if (json_integer_value(json_object_get(reneg, "hello_request_frame")))
		snprintf(v->hello_request, sizeof v->hello_request, "%lld",
			 (long long)json_integer_value(json_object_get(reneg, "hello_request_frame")));
	hs_sequence_of(json_object_get(j, "history"), v->hs_sequence, sizeof v->hs_sequence);
	dash_if_empty(v->cr_frames);
	dash_if_empty(v->cr_counts);
	dash_if_empty(v->cr_dns);
	dash_if_empty(v->client_cert_frames);
	dash_if_empty(v->client_subject);
	dash_if_empty(v->alerts);
	dash_if_empty(v->hello_request);
}

/* CA names as text where tshark's could all be mapped; else the counts. */
static bool dns_agree(const struct view *t, const struct view *o)
{
	if (strcmp(t->cr_dns, o->cr_dns) == 0)
		return true;
	return strstr(t->cr_dns, "?") != NULL || t->dn_tree_truncated;
}

static bool subject_agrees(const struct view *t, const struct view *o)
{
	return strcmp(t->client_subject, o->client_subject) == 0 ||
	       (strcmp(t->client_subject, "?") == 0 && strcmp(o->client_subject, "-") != 0);
}

/* Where tshark's decrypted view is short of ours, and why: the item is
 * taken out of our field before the comparison (so the rest must agree). */
struct tshark_gap {
	const char *capture;
	const char *alerts_item;
	const char *why;
};
static const struct tshark_gap gaps[] = {
    {"samples/tls13-post-handshake-auth.pcap", "16:C>S:warning(0)",
     "tshark 4.0 moves the client to new keys after its post-handshake Finished and cannot decrypt the "
     "client's close_notify; the record authenticates (AEAD tag) under the unchanged application keys"},
    {NULL, NULL, NULL},
};

static void drop_item(char *list, const char *item)
{
	char *hit = strstr(list, item);
	size_t n = strlen(item);
	if (!hit)
		return;
	if (hit[n] == ' ')
		n++;
	memmove(hit, hit + n, strlen(hit + n) + 1);
	size_t len = strlen(list);
	if (len && list[len - 1] == ' ')
		list[len - 1] = '\0';
}

static int compare(const char *cap, long stream, const struct view *t, const struct view *ours)
{
	struct view copy = *ours;
	struct view *o = &copy;
	for (int i = 0; gaps[i].capture; i++)
		if (strcmp(gaps[i].capture, cap) == 0 && strstr(o->alerts, gaps[i].alerts_item)) {
			printf("  %s stream %ld: alert %s is ours only: %s\n", cap, stream,
			       gaps[i].alerts_item, gaps[i].why);
			drop_item(o->alerts, gaps[i].alerts_item);
		}
	int bad = 0;
#define FIELD_EQ(name, ok)                                                                                   \
	if (!(ok)) {                                                                                         \
		printf("FAIL %s stream %ld: %s: tshark '%s', mtlsdiag '%s'\n", cap, stream, #name, t->name,  \
		       o->name);                                                                             \
		bad++;                                                                                       \
	}
	FIELD_EQ(hs_sequence, strcmp(t->hs_sequence, o->hs_sequence) == 0);
	FIELD_EQ(cr_frames, strcmp(t->cr_frames, o->cr_frames) == 0);
	FIELD_EQ(cr_counts, strcmp(t->cr_counts, o->cr_counts) == 0 || t->dn_tree_truncated);
	FIELD_EQ(cr_dns, dns_agree(t, o));
	FIELD_EQ(client_cert, strcmp(t->client_cert, o->client_cert) == 0);
	FIELD_EQ(client_cert_frames, strcmp(t->client_cert_frames, o->client_cert_frames) == 0);
	FIELD_EQ(client_subject, subject_agrees(t, o));
	FIELD_EQ(alerts, strcmp(t->alerts, o->alerts) == 0);
	FIELD_EQ(hello_request, strcmp(t->hello_request, o->hello_request) == 0);
#undef FIELD_EQ
	return bad;
}

struct tally {
	int captures, conns, agreed, with_request;
};

/* Our view of each connection of one capture, by stream. */
struct run {
	const char *name;
	struct view *ours;
	bool *present;
	struct tally *t;
};

static void take_conn(json_t *j, void *ctx)
{
	struct run *r = ctx;
	long st = (long)json_integer_value(json_object_get(j, "stream"));
	if (st < 0 || st >= MAX_STREAMS)
		return;
	ours_from_json(j, &r->ours[st]);
	r->present[st] = true;
	/* Every connection of a keyed capture was decrypted without a failure. */
	const char *dec = json_string_value(json_object_get(json_object_get(j, "decryption"), "status"));
	if (dec && strcmp(dec, "failed") == 0) {
		printf("FAIL %s stream %ld: a record did not authenticate\n", r->name, st);
		r->t->conns++;
	}
}

static void check_capture(const char *cap_path, const char *name, const char *keylog, const char *oracle,
			  struct tally *t)
{
	static struct view rows[MAX_STREAMS], ours[MAX_STREAMS];
	/* (static: a view is large) */
	static long streams[MAX_STREAMS];
	static bool present[MAX_STREAMS];
	int nrows = read_oracle(oracle, rows, streams, MAX_STREAMS);
	ck_assert_msg(nrows >= 0, "%s: no keyed oracle %s", name, oracle);
	memset(present, 0, sizeof present);
	report_each_conn(cap_path, keylog, take_conn, &(struct run){name, ours, present, t});
	t->captures++;
	for (int i = 0; i < nrows; i++) {
		long st = streams[i];
		t->conns++;
		if (st < 0 || st >= MAX_STREAMS || !present[st]) {
			printf("FAIL %s stream %ld: not reported\n", name, st);
			continue;
		}
		if (compare(name, st, &rows[i], &ours[st]) == 0) {
			t->agreed++;
			if (strcmp(rows[i].cr_frames, "-") != 0)
				t->with_request++;
		}
	}
}

/* samples/NAME.pcap, its oracle in samples/oracle/NAME.pcap.oracle.tsv. */
static void check_sample(const char *cap, const char *keylog, void *t)
{
	char oracle[2200];
	snprintf(oracle, sizeof oracle, "samples/oracle/%s.oracle.tsv", strrchr(cap, '/') + 1);
	check_capture(cap, cap, keylog, oracle, t);
}

/* A real capture, its oracle beside it. */
static void check_shared(const char *cap, const char *keylog, void *t)
{
	char oracle[2100];
	snprintf(oracle, sizeof oracle, "%s.oracle.tsv", cap);
	check_capture(cap, strrchr(cap, '/') + 1, keylog, oracle, t);
}

/* Our samples: samples/<name>.keylog for samples/<name>.pcap. */
START_TEST(test_samples_with_keys)
{
	struct tally t = {0};
	ck_assert(test_each_keylog("samples", ".pcap", check_sample, &t));
	printf("keyed oracle: %d of %d sample connections agree with tshark's decrypted view (%d with a "
	       "CertificateRequest), over %d captures\n",
	       t.agreed, t.conns, t.with_request, t.captures);
	ck_assert_int_ge(t.captures, 10);
	ck_assert_int_eq(t.agreed, t.conns);
	ck_assert_int_ge(t.with_request, 7);
}
END_TEST

/* The real captures in ../shared/captures that come with a key log. */
START_TEST(test_shared_with_keys)
{
	struct tally t = {0};
	if (!shared_each_keylog("keyed oracle over real captures", check_shared, &t))
		return;
	printf(
	    "keyed oracle: %d of %d connections in real captures agree with tshark's decrypted view, over %d "
	    "captures\n",
	    t.agreed, t.conns, t.captures);
	ck_assert_int_ge(t.captures, 1);
	ck_assert_int_eq(t.agreed, t.conns);
}
END_TEST

struct freshness {
	const char *script;
	int checked, stale;
};

/* The sample's committed oracle is what the script makes now. */
static void check_fresh(const char *cap, const char *keylog, void *ctx)
{
	struct freshness *f = ctx;
	char cmd[8192];
	snprintf(cmd, sizeof cmd, "bash '%s' '%s' '%s' 2>/dev/null | cmp -s - 'samples/oracle/%s.oracle.tsv'",
		 f->script, cap, keylog, strrchr(cap, '/') + 1);
	f->checked++;
	if (system(cmd) != 0) {
		printf(
		    "FAIL samples/oracle/%s.oracle.tsv is not what tshark says now (run oracle.sh again)\n",
		    strrchr(cap, '/') + 1);
		f->stale++;
	}
}

/* The committed keyed oracles are tshark's current view: when tshark and
 * ../shared/tools/oracle.sh are here, each sample's oracle is made again
 * and must equal the committed file (else SKIP, with the reason). */
START_TEST(test_oracles_current)
{
	char script[1024];
	struct stat st;
	snprintf(script, sizeof script, "%s/tools/oracle.sh", test_shared_dir());
	if (stat(script, &st) != 0) {
		printf("SKIP keyed oracle freshness: %s not found\n", script);
		return;
	}
	if (system("command -v tshark >/dev/null 2>&1") != 0) {
		printf("SKIP keyed oracle freshness: tshark is not installed\n");
		return;
	}
	struct freshness f = {script, 0, 0};
	ck_assert(test_each_keylog("samples", ".pcap", check_fresh, &f));
	printf("keyed oracle freshness: %d of %d committed oracles equal tshark's output\n",
	       f.checked - f.stale, f.checked);
	ck_assert_int_gt(f.checked, 0);
	ck_assert_int_eq(f.stale, 0);
}
END_TEST

SUITE_MAIN("oracle_keys", true,
	   CASE("keyed", 300, test_samples_with_keys, test_shared_with_keys, test_oracles_current))
