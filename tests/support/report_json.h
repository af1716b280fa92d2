/* report_json.h - the JSON report of the mtlsdiag under test, for the
 * tests that judge it against another view (tshark's oracles, the keyed
 * truth): one run, and the facts several of them compare. */
#ifndef MTLS_REPORT_JSON_H
#define MTLS_REPORT_JSON_H

#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "support/test_paths.h"

/* Runs `mtlsdiag -F json -q [--keylog KEYLOG] CAP` and hands each
 * connection's object to each(conn, ctx) (which takes a reference to keep
 * it); returns how many there were. */
static inline int report_each_conn(const char *cap, const char *keylog, void (*each)(json_t *conn, void *ctx),
				   void *ctx)
{
	char cmd[4096];
	static char line[1 << 20];
	if (keylog)
		snprintf(cmd, sizeof cmd, "'%s' -F json -q --keylog '%s' '%s' 2>/dev/null", test_binary(), keylog,
			 cap);
	else
		snprintf(cmd, sizeof cmd, "'%s' -F json -q '%s' 2>/dev/null", test_binary(), cap);
	FILE *fp = popen(cmd, "r");
	ck_assert_msg(fp != NULL, "cannot run %s", test_binary());
	int n = 0;
	while (fgets(line, sizeof line, fp)) {
		json_error_t jerr;
		json_t *j = json_loads(line, 0, &jerr);
		ck_assert_msg(j != NULL, "%s: bad JSON from mtlsdiag: %s", cap, jerr.text);
		each(j, ctx);
		json_decref(j);
		n++;
	}
	pclose(fp);
	return n;
}

/* The CertificateRequests of a connection as the oracles list them: their
 * frames ("12,40") and CA-name counts ("3;0"); "" when there is none. */
static inline void report_cert_requests(json_t *conn, char *frames, size_t fn, char *counts, size_t cn)
{
	size_t i;
	json_t *cr;
	json_array_foreach(json_object_get(conn, "cert_requests"), i, cr)
	{
		char num[32];
		snprintf(num, sizeof num, "%lld", (long long)json_integer_value(json_object_get(cr, "frame")));
		test_append(frames, fn, ",", num);
		snprintf(num, sizeof num, "%lld", (long long)json_integer_value(json_object_get(cr, "ca_count")));
		test_append(counts, cn, ";", num);
	}
}

/* The client_certificate object as the oracles write it: "present(n=N)",
 * "empty" or "none". */
static inline void report_client_cert(json_t *cc, char *out, size_t n)
{
	const char *status = json_string_value(json_object_get(cc, "status"));
	if (status && strcmp(status, "present") == 0)
		snprintf(out, n, "present(n=%lld)", (long long)json_integer_value(json_object_get(cc, "count")));
	else
		snprintf(out, n, "%s", status && strcmp(status, "empty") == 0 ? "empty" : "none");
}

#endif
