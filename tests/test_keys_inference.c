/* test_keys_inference.c - what the diagnosis infers without keys, against
 * what decryption shows, on every capture that comes with a key log
 * (samples/ and ../shared/captures). Each capture is analysed twice, with
 * and without --keylog:
 *   TLS 1.3: the inferred client authentication of the handshake (finding
 *     TLS13_CLIENT_AUTH_INFERRED, field "inferred") must equal the
 *     decrypted truth (no request in the handshake: "not_requested"; else
 *     the client's answer), and TLS13_POST_HANDSHAKE_AUTH_INFERRED must
 *     appear exactly when a post-handshake request was answered with a
 *     certificate. With keys neither inference is made.
 *   TLS <= 1.2: an encrypted renegotiation inferred as started by the
 *     server must be one that begins with a (decrypted) HelloRequest, one
 *     started by the client one without. */
#include <check.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "support/report_json.h"
#include "support/suite_run.h"
#include "support/test_paths.h"

#define MAX_CONNS 64

/* Keeps a connection in the array of MAX_CONNS indexed by stream. */
static void keep_by_stream(json_t *j, void *ctx)
{
	json_t **conns = ctx;
	long st = (long)json_integer_value(json_object_get(j, "stream"));
	if (st >= 0 && st < MAX_CONNS && !conns[st])
		conns[st] = json_incref(j);
}

static json_t *finding(json_t *conn, const char *id)
{
	size_t i;
	json_t *f;
	json_array_foreach(json_object_get(conn, "findings"), i, f)
	{
		const char *fid = json_string_value(json_object_get(f, "id"));
		if (fid && strcmp(fid, id) == 0)
			return f;
	}
	return NULL;
}

static const char *str(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? s : "";
}

/* The decrypted truth about the TLS 1.3 handshake's client authentication. */
static const char *truth_handshake(json_t *keyed, bool *post_handshake_present)
{
	size_t i;
	json_t *cr;
	bool initial = false, post = false;
	json_array_foreach(json_object_get(keyed, "cert_requests"), i, cr)
	{
		if (strcmp(str(cr, "phase"), "initial") == 0)
			initial = true;
		else if (strcmp(str(cr, "phase"), "post_handshake") == 0)
			post = true;
	}
	const char *status = str(json_object_get(keyed, "client_certificate"), "status");
	*post_handshake_present = post && strcmp(status, "present") == 0;
	return initial ? status : "not_requested";
}

struct tally {
	int tls13, tls12_reneg, failures;
};

static void check_capture(const char *name, const char *cap, const char *keylog, struct tally *t)
{
	json_t *plain[MAX_CONNS] = {0}, *keyed[MAX_CONNS] = {0};
	report_each_conn(cap, NULL, keep_by_stream, plain);
	report_each_conn(cap, keylog, keep_by_stream, keyed);
	for (int st = 0; st < MAX_CONNS; st++) {
		if (!plain[st] || !keyed[st])
			continue;
		const char *version = str(keyed[st], "version");
		if (strcmp(version, "TLS 1.3") == 0) {
			bool post_truth;
			const char *truth = truth_handshake(keyed[st], &post_truth);
			/* The inference is a finding, or (a resumption, which cannot
			 * carry a request) the status itself, marked inferred. */
			json_t *inf = finding(plain[st], "TLS13_CLIENT_AUTH_INFERRED");
			json_t *cc = json_object_get(plain[st], "client_certificate");
			const char *guess = inf ? str(inf, "inferred")
					  : strcmp(str(cc, "visibility"), "inferred") == 0 ? str(cc, "status")
											     : "(no inference)";
			bool post_guess = finding(plain[st], "TLS13_POST_HANDSHAKE_AUTH_INFERRED") != NULL;
			t->tls13++;
			printf("  %s stream %d: TLS 1.3 handshake inferred %s, decrypted %s; post-handshake "
			       "certificate "
			       "inferred %s, decrypted %s\n",
			       name, st, guess, truth, post_guess ? "yes" : "no", post_truth ? "yes" : "no");
			if (strcmp(guess, truth) != 0 || post_guess != post_truth) {
				printf(
				    "FAIL %s stream %d: the inference disagrees with the decrypted truth\n",
				    name, st);
				t->failures++;
			}
			if (finding(keyed[st], "TLS13_CLIENT_AUTH_INFERRED") ||
			    finding(keyed[st], "TLS13_POST_HANDSHAKE_AUTH_INFERRED")) {
				printf("FAIL %s stream %d: with keys the diagnosis still infers\n", name, st);
				t->failures++;
			}
		} else {
			json_t *rp = json_object_get(plain[st], "renegotiation");
			json_t *rk = json_object_get(keyed[st], "renegotiation");
			if (!json_is_true(json_object_get(rp, "seen")) ||
			    json_object_get(rp, "hello_request_frame") != json_null())
				continue; /* no renegotiation, or one seen in the clear */
			const char *guess = str(rp, "initiator");
			bool hello_request =
			    json_integer_value(json_object_get(rk, "hello_request_frame")) != 0;
			const char *truth = hello_request ? "server" : "client";
			t->tls12_reneg++;
			printf("  %s stream %d: encrypted renegotiation inferred started by the %s; "
			       "decrypted: %s\n",
			       name, st, guess,
			       hello_request ? "a HelloRequest from the server"
					     : "a ClientHello without one");
			if (strcmp(guess, truth) != 0) {
				printf(
				    "FAIL %s stream %d: the inference disagrees with the decrypted truth\n",
				    name, st);
				t->failures++;
			}
		}
	}
	for (int st = 0; st < MAX_CONNS; st++) {
		json_decref(plain[st]);
		json_decref(keyed[st]);
	}
}

static void check_keyed(const char *cap, const char *keylog, void *t)
{
	check_capture(strrchr(cap, '/') + 1, cap, keylog, t);
}

START_TEST(test_samples)
{
	struct tally t = {0};
	ck_assert(test_each_keylog("samples", ".pcap", check_keyed, &t));
	printf("inference vs keys: %d TLS 1.3 and %d encrypted renegotiations on samples, %d disagreements\n",
	       t.tls13, t.tls12_reneg, t.failures);
	ck_assert_int_ge(t.tls13, 3);
	ck_assert_int_ge(t.tls12_reneg, 4);
	ck_assert_int_eq(t.failures, 0);
}
END_TEST

START_TEST(test_shared)
{
	struct tally t = {0};
	if (!shared_each_keylog("inference vs keys over real captures", check_keyed, &t))
		return;
	printf("inference vs keys: %d TLS 1.3 and %d encrypted renegotiations in real captures, %d "
	       "disagreements\n",
	       t.tls13, t.tls12_reneg, t.failures);
	ck_assert_int_eq(t.failures, 0);
}
END_TEST

SUITE_MAIN("keys_inference", true, CASE("inference", 300, test_samples, test_shared))
