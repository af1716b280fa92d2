/* test_oracle_http.c - the decrypted HTTP exchanges against tshark's.
 *
 * For every capture with an NSS key log (samples/<name>.keylog beside
 * samples/<name>.pcap, and <capture>.keylog in ../shared/captures)
 * mtlsdiag runs with --keylog, and each connection's "http" exchanges
 * are compared with what tshark 4 decodes with the same key log: HTTP/1.x
 * requests (frame, method, target) and responses (frame, status, the
 * request they answer), HTTP/2 requests and responses per stream
 * (:method, :path, :status), RST_STREAM error codes and GOAWAY. tshark
 * is run here (no committed copy): without it the test is skipped, saying
 * so. */
#include <check.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "http2.h"
#include "support/fields.h"
#include "support/report_json.h"
#include "support/suite_run.h"
#include "support/test_paths.h"

#define MAX_LINES 512
#define LINE 512
/* What our model keeps of a request (analyzer/model/model.h http_exchange). */
#define PATH_KEPT 95
#define METHOD_KEPT 11

struct lines {
	char v[MAX_LINES][LINE];
	size_t n;
};

static void add_line(struct lines *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add_line(struct lines *l, const char *fmt, ...)
{
	va_list ap;
	if (l->n >= MAX_LINES)
		return;
	va_start(ap, fmt);
	vsnprintf(l->v[l->n++], LINE, fmt, ap);
	va_end(ap);
}

static bool has_line(const struct lines *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i], s) == 0)
			return true;
	return false;
}

static bool have_tshark(void)
{
	return system("tshark -v >/dev/null 2>&1") == 0;
}

/* HTTP/1.x as tshark decodes it (bodies not reassembled, so a response is
 * where its head ends, as ours). */
static int tshark_http1(const char *cap, const char *key, struct lines *out)
{
	char cmd[4096];
	static char line[1 << 16];
	snprintf(cmd, sizeof cmd,
		 "tshark -n -r '%s' -o 'tls.keylog_file:%s' -o http.desegment_body:FALSE "
		 "-Y 'http.request || http.response' -T fields -E separator=/t -E occurrence=f "
		 "-e tcp.stream -e frame.number -e http.request.method -e http.request.uri "
		 "-e http.response.code -e http.request_in 2>/dev/null",
		 cap, key);
	FILE *fp = popen(cmd, "r");
	if (!fp)
		return -1;
	while (fgets(line, sizeof line, fp)) {
		char *f[6] = {0};
		chomp(line);
		if (split_fields(line, '\t', f, 6) < 6)
			continue;
		if (f[2][0]) {
			add_line(out, "s%s h1 req frame %s %.*s %.*s", f[0], f[1], METHOD_KEPT, f[2], PATH_KEPT, f[3]);
		} else if (f[4][0] && atoi(f[4]) >= 200) { /* ours skip 1xx */
			add_line(out, "s%s h1 resp frame %s %s for %s", f[0], f[1], f[4], f[5][0] ? f[5] : "-");
		}
	}
	return pclose(fp) == 0 ? 0 : -1;
}

/* Our rule for GOAWAY: the first, unless a later one carries an error. */
struct goaway {
	bool seen;
	long frame, error, last;
};

#define US "\x1f"

/* HTTP/2: each packet's frames in order (stream, type), and per HEADERS
 * frame its header count, so names and values can be given to their
 * frame. */
static int tshark_http2(const char *cap, const char *key, struct lines *out, int *ambiguous)
{
	char cmd[4096];
	static char line[1 << 17];
	struct goaway ga[64] = {0};
	snprintf(cmd, sizeof cmd,
		 "tshark -n -r '%s' -o 'tls.keylog_file:%s' -Y http2 -T fields -E separator=/t "
		 "-E occurrence=a -E aggregator=" US " -e tcp.stream -e frame.number -e http2.streamid "
		 "-e http2.type -e http2.header.count -e http2.header.name -e http2.header.value "
		 "-e http2.rst_stream.error -e http2.goaway.error -e http2.goaway.last_stream_id 2>/dev/null",
		 cap, key);
	FILE *fp = popen(cmd, "r");
	if (!fp)
		return -1;
	char seen_rst[MAX_LINES][32];
	size_t n_rst = 0;
	while (fgets(line, sizeof line, fp)) {
		char *f[10] = {0};
		char *sid[64], *type[64], *count[64], *name[512], *value[512], *rst[64], *gerr[8], *glast[8];
		chomp(line);
		if (split_fields(line, '\t', f, 10) < 10)
			continue;
		long stream = atol(f[0]);
		const char *frame = f[1];
		size_t nf = split_fields(f[2], US[0], sid, 64);
		size_t nt = split_fields(f[3], US[0], type, 64);
		size_t nc = split_fields(f[4], US[0], count, 64);
		size_t nn = split_fields(f[5], US[0], name, 512);
		size_t nv = split_fields(f[6], US[0], value, 512);
		size_t nr = split_fields(f[7], US[0], rst, 64);
		size_t ng = split_fields(f[8], US[0], gerr, 8);
		split_fields(f[9], US[0], glast, 8);
		size_t headers = 0, total = 0;
		for (size_t i = 0; i < nt; i++)
			headers += atoi(type[i]) == 1;
		for (size_t i = 0; i < nc; i++)
			total += (size_t)atol(count[i]);
		/* With one HEADERS frame in the packet every field is its own (tshark
		 * may count a field it shows no name for). */
		bool one_block = headers == 1 && nn == nv;
		if (nf != nt || nn != nv || (!one_block && (headers != nc || total != nn))) {
			(*ambiguous)++; /* CONTINUATION or a layout we cannot align */
			continue;
		}
		size_t h = 0, at = 0, r = 0, g = 0;
		for (size_t i = 0; i < nt; i++) {
			int t = atoi(type[i]);
			long s = atol(sid[i]);
			if (t == 1) {
				char method[64] = "", path[LINE] = "", status[16] = "";
				size_t k = one_block ? nn : (size_t)atol(count[h]);
				h++;
				for (size_t j = at; j < at + k; j++) {
					if (strcmp(name[j], ":method") == 0)
						snprintf(method, sizeof method, "%.*s", METHOD_KEPT, value[j]);
					else if (strcmp(name[j], ":path") == 0)
						snprintf(path, sizeof path, "%.*s", PATH_KEPT, value[j]);
					else if (strcmp(name[j], ":status") == 0)
						snprintf(status, sizeof status, "%s", value[j]);
				}
				at += k;
				if (s % 2 == 0)
					continue; /* pushed streams are not exchanges */
				if (method[0])
					add_line(out, "s%ld h2 req stream %ld frame %s %s %s", stream, s, frame, method,
						 path);
				else if (status[0] && atoi(status) >= 200)
					add_line(out, "s%ld h2 resp stream %ld frame %s %s", stream, s, frame, status);
			} else if (t == 3 && r < nr) {
				char key_s[32];
				snprintf(key_s, sizeof key_s, "%ld/%ld", stream, s);
				bool first = true;
				for (size_t j = 0; j < n_rst; j++)
					first &= strcmp(seen_rst[j], key_s) != 0;
				long code = strtol(rst[r++], NULL, 0);
				if (first && n_rst < MAX_LINES && s % 2 == 1) {
					snprintf(seen_rst[n_rst++], sizeof seen_rst[0], "%s", key_s);
					add_line(out, "s%ld h2 rst stream %ld frame %s %ld", stream, s, frame, code);
				}
			} else if (t == 7 && g < ng && stream >= 0 && stream < 64) {
				long e = strtol(gerr[g], NULL, 0), last = atol(glast[g]);
				g++;
				struct goaway *x = &ga[stream];
				if (!x->seen || (!x->error && e)) {
					*x = (struct goaway){true, atol(frame), e, last};
				}
			}
		}
	}
	for (int s = 0; s < 64; s++)
		if (ga[s].seen)
			add_line(out, "s%d h2 goaway frame %ld error %ld last %ld", s, ga[s].frame, ga[s].error,
				 ga[s].last);
	return pclose(fp) == 0 ? 0 : -1;
}

static long error_code(const char *name)
{
	for (uint32_t c = 0; c < 32; c++)
		if (http2_error_name(c) && strcmp(http2_error_name(c), name) == 0)
			return c;
	return strtol(name, NULL, 0); /* "0x1f" */
}

static long frame_of(json_t *o, const char *key)
{
	return (long)json_integer_value(json_object_get(o, key));
}

static const char *str_of(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

/* Ours, from the JSON lines of one run. Returns the number of
 * connections with exchanges left out (then ours must only be a part of
 * tshark's). */
/* One connection's exchanges as lines; counts those with exchanges dropped. */
struct ours_run {
	struct lines *out;
	int partial;
};

static void take_conn(json_t *j, void *ctx)
{
	struct ours_run *r = ctx;
	struct lines *out = r->out;
	long stream = (long)json_integer_value(json_object_get(j, "stream"));
	json_t *h = json_object_get(j, "http");
	if (json_is_object(h)) {
		size_t i;
		json_t *e;
		r->partial += json_integer_value(json_object_get(h, "exchanges_dropped")) > 0;
		json_array_foreach(json_object_get(h, "exchanges"), i, e)
		{
			long req = frame_of(e, "request_frame"), resp = frame_of(e, "response_frame");
			long status = (long)json_integer_value(json_object_get(e, "status"));
			if (json_is_null(json_object_get(e, "stream"))) {
				if (req)
					add_line(out, "s%ld h1 req frame %ld %s %s", stream, req, str_of(e, "method"),
						 str_of(e, "path"));
				if (resp && req)
					add_line(out, "s%ld h1 resp frame %ld %ld for %ld", stream, resp, status, req);
				else if (resp)
					add_line(out, "s%ld h1 resp frame %ld %ld for -", stream, resp, status);
				continue;
			}
			long sid = frame_of(e, "stream");
			if (req)
				add_line(out, "s%ld h2 req stream %ld frame %ld %s %s", stream, sid, req,
					 str_of(e, "method"), str_of(e, "path"));
			if (resp)
				add_line(out, "s%ld h2 resp stream %ld frame %ld %ld", stream, sid, resp, status);
			if (frame_of(e, "reset_frame"))
				add_line(out, "s%ld h2 rst stream %ld frame %ld %ld", stream, sid,
					 frame_of(e, "reset_frame"), error_code(str_of(e, "reset_error")));
		}
		json_t *g = json_object_get(h, "goaway");
		if (json_is_object(g))
			add_line(out, "s%ld h2 goaway frame %ld error %ld last %ld", stream, frame_of(g, "frame"),
				 error_code(str_of(g, "error")), frame_of(g, "last_stream"));
	}
}

/* Our exchanges on cap as lines; non-zero when some were dropped. */
static int ours(const char *cap, const char *key, struct lines *out)
{
	struct ours_run r = { out, 0 };
	report_each_conn(cap, key, take_conn, &r);
	return r.partial;
}

struct tally {
	int captures, lines, failed, ambiguous;
};

static void check_capture(const char *cap, const char *key, struct tally *t)
{
	static struct lines mine, theirs;
	memset(&mine, 0, sizeof mine);
	memset(&theirs, 0, sizeof theirs);
	int partial = ours(cap, key, &mine);
	ck_assert_msg(tshark_http1(cap, key, &theirs) == 0, "%s: tshark failed", cap);
	ck_assert_msg(tshark_http2(cap, key, &theirs, &t->ambiguous) == 0, "%s: tshark failed", cap);
	t->captures++;
	for (size_t i = 0; i < mine.n; i++) {
		if (!has_line(&theirs, mine.v[i])) {
			printf("FAIL %s: mtlsdiag says '%s', tshark does not\n", cap, mine.v[i]);
			t->failed++;
		}
	}
	for (size_t i = 0; i < theirs.n && !partial; i++) {
		if (!has_line(&mine, theirs.v[i])) {
			printf("FAIL %s: tshark says '%s', mtlsdiag does not\n", cap, theirs.v[i]);
			t->failed++;
		}
	}
	t->lines += (int)theirs.n;
}

/* A key log whose capture is there. */
static void check_keyed(const char *cap, const char *keylog, void *t)
{
	struct stat st;
	if (stat(cap, &st) == 0 && S_ISREG(st.st_mode))
		check_capture(cap, keylog, t);
}

START_TEST(test_http_against_tshark)
{
	struct tally t = {0};
	if (!have_tshark()) {
		printf("SKIP http oracle: tshark is not installed (tools/deps.sh install test)\n");
		return;
	}
	test_each_keylog("samples", ".pcap", check_keyed, &t);
	shared_each_keylog("http oracle over real captures", check_keyed, &t);
	printf("http oracle: %d captures, %d tshark HTTP facts, %d disagreements%s\n", t.captures, t.lines, t.failed,
	       t.ambiguous ? " (some packets skipped: headers not attributable to a frame)" : "");
	ck_assert_int_gt(t.captures, 0);
	ck_assert_int_eq(t.failed, 0);
}
END_TEST

/* The two samples made for this: what the comparison must include. */
START_TEST(test_http_samples_covered)
{
	static struct lines mine;
	memset(&mine, 0, sizeof mine);
	ours("samples/tls13-h2-http11-required.pcap", "samples/tls13-h2-http11-required.keylog", &mine);
	bool rst = false, get = false;
	for (size_t i = 0; i < mine.n; i++) {
		rst |= strstr(mine.v[i], "h2 rst stream 3 ") && strstr(mine.v[i], " 13");
		get |= strstr(mine.v[i], "h2 req stream 3 ") && strstr(mine.v[i], "GET /secure/report");
	}
	ck_assert_msg(rst && get, "the HTTP/2 sample lost its refused request");
	memset(&mine, 0, sizeof mine);
	ours("samples/tls12-http11-two-requests-403.pcap", "samples/tls12-http11-two-requests-403.keylog", &mine);
	bool forbidden = false;
	for (size_t i = 0; i < mine.n; i++)
		forbidden |= strstr(mine.v[i], "h1 resp") && strstr(mine.v[i], " 403 for ");
	ck_assert_msg(forbidden && mine.n == 4, "the HTTP/1.1 sample should show 2 requests and 2 responses");
}
END_TEST

SUITE_MAIN("oracle_http", true, CASE("tshark", 300, test_http_against_tshark, test_http_samples_covered))
