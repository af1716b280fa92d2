/* test_keylog.c - the NSS key log parser: both kinds of lines (TLS 1.2
 * master secrets, TLS 1.3 traffic secrets), what is ignored, every kind
 * of malformed line reported with its number, the limits, and the key
 * log a real OpenSSL client writes. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/ssl.h>

#include "keylog.h"
#include "support/live_handshake.h"
#include "tls_handshake.h"
#include "support/suite_run.h"

#define R1 "0101010101010101010101010101010101010101010101010101010101010101"
#define R2 "2222222222222222222222222222222222222222222222222222222222222222"
#define MASTER                                                                                               \
	"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f"
#define S32 "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
#define S48 S32 "c0c1c2c3c4c5c6c7c8c9cacbcccdcecf"

struct errors {
	size_t lines[32];
	char reasons[32][80];
	size_t n;
};

static void on_error(void *ctx, size_t line_no, const char *reason)
{
	struct errors *e = ctx;
	if (e->n < 32) {
		e->lines[e->n] = line_no;
		snprintf(e->reasons[e->n], sizeof e->reasons[e->n], "%s", reason);
		e->n++;
	}
}

static size_t parse(struct keylog *kl, const char *text, struct errors *e)
{
	return keylog_parse(kl, (const uint8_t *)text, strlen(text), on_error, e);
}

static void random_of(const char *hex, uint8_t out[32])
{
	for (int i = 0; i < 32; i++) {
		unsigned v;
		ck_assert_int_eq(sscanf(hex + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
}

START_TEST(test_both_kinds)
{
	struct keylog *kl = keylog_new();
	struct errors e = {0};
	const char *text = "# written by a browser\n"
			   "\n"
			   "CLIENT_RANDOM " R1 " " MASTER "\n"
			   "SERVER_HANDSHAKE_TRAFFIC_SECRET " R2 " " S32 "\r\n"
			   "CLIENT_HANDSHAKE_TRAFFIC_SECRET " R2 " " S32 "\n"
			   "EXPORTER_SECRET " R2 " " S32 "\n"
			   "CLIENT_EARLY_TRAFFIC_SECRET " R2 " " S32 "\n"
			   "CLIENT_TRAFFIC_SECRET_0 " R2 " " S48 "\n"
			   "SERVER_TRAFFIC_SECRET_0 " R2 " " S48; /* no final newline */
	ck_assert_uint_eq(parse(kl, text, &e), 6);
	ck_assert_uint_eq(e.n, 0);
	uint8_t r[32];
	random_of(R1, r);
	const struct keylog_entry *k = keylog_find(kl, r);
	ck_assert(k && k->has_master);
	ck_assert_uint_eq(k->master[0], 0x00);
	ck_assert_uint_eq(k->master[47], 0x2f);
	ck_assert_uint_eq(k->secrets[KEYLOG_CLIENT_HS].len, 0);
	random_of(R2, r);
	k = keylog_find(kl, r);
	ck_assert(k && !k->has_master);
	ck_assert_uint_eq(k->secrets[KEYLOG_SERVER_HS].len, 32);
	ck_assert_uint_eq(k->secrets[KEYLOG_CLIENT_HS].bytes[31], 0xbf);
	ck_assert_uint_eq(k->secrets[KEYLOG_CLIENT_APP].len, 48);
	ck_assert_uint_eq(k->secrets[KEYLOG_SERVER_APP].bytes[47], 0xcf);
	ck_assert_uint_eq(k->secrets[KEYLOG_CLIENT_EARLY].len, 32); /* 0-RTT data */
	ck_assert_uint_eq(k->secrets[KEYLOG_CLIENT_EARLY].bytes[31], 0xbf);
	struct keylog_stats st;
	keylog_get_stats(kl, &st);
	ck_assert_uint_eq(st.lines, 9);
	ck_assert_uint_eq(st.used, 6);
	ck_assert_uint_eq(st.ignored, 1);
	ck_assert_uint_eq(st.entries, 2);
	uint8_t unknown[32] = {0};
	ck_assert(keylog_find(kl, unknown) == NULL);
	ck_assert(keylog_find(NULL, unknown) == NULL);
	keylog_free(kl);
	keylog_free(NULL);
}
END_TEST

START_TEST(test_malformed_lines)
{
	struct keylog *kl = keylog_new();
	struct errors e = {0};
	const char *text = "CLIENT_RANDOM " R1 " " MASTER "\n"		 /* 1 ok */
			   "CLIENT_RANDOM " R1 "\n"			 /* 2 missing secret */
			   "CLIENT_RANDOM 0102 " MASTER "\n"		 /* 3 short random */
			   "CLIENT_RANDOM " R1 " 00zz\n"		 /* 4 not hex */
			   "CLIENT_RANDOM " R1 " 0001\n"		 /* 5 master not 48 bytes */
			   "SERVER_TRAFFIC_SECRET_0 " R2 " 0011223344\n" /* 6 secret 5 bytes */
			   "NOT_A_LABEL " R1 " " MASTER "\n"		 /* 7 unknown label */
			   "CLIENT_RANDOM " R1 " " MASTER " trailing\n"	 /* 8 extra text */
			   "CLIENT_RANDOM " R1 " " S32 S32 "00\n"	 /* 9 secret over 48 bytes */
			   "CLIENT_RANDOM " R1 " 012\n"			 /* 10 odd hex digits */
			   "client_random " R1 " " MASTER "\n"		 /* 11 labels are upper case */
			   "SERVER_TRAFFIC_SECRET_0 " R2 " " S32 "\n";	 /* 12 ok */
	ck_assert_uint_eq(parse(kl, text, &e), 2);
	static const size_t want[] = {2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
	ck_assert_uint_eq(e.n, sizeof want / sizeof want[0]);
	for (size_t i = 0; i < e.n; i++) {
		ck_assert_uint_eq(e.lines[i], want[i]);
		ck_assert(e.reasons[i][0] != '\0');
	}
	ck_assert_str_eq(e.reasons[5], "unknown label");
	struct keylog_stats st;
	keylog_get_stats(kl, &st);
	ck_assert_uint_eq(st.malformed, 10);
	/* The good lines still count. */
	uint8_t r[32];
	random_of(R1, r);
	ck_assert(keylog_find(kl, r) && keylog_find(kl, r)->has_master);
	keylog_free(kl);
}
END_TEST

/* Line numbers go on across buffers; a line over the limit is refused. */
START_TEST(test_limits_and_numbering)
{
	struct keylog *kl = keylog_new();
	struct errors e = {0};
	ck_assert_uint_eq(parse(kl, "CLIENT_RANDOM " R1 " " MASTER "\n", &e), 1);
	ck_assert_uint_eq(parse(kl, "\n\nbroken\n", &e), 0);
	ck_assert_uint_eq(e.n, 1);
	ck_assert_uint_eq(e.lines[0], 4);

	size_t big = KEYLOG_MAX_LINE + 10;
	char *line = malloc(big + 2);
	memset(line, ' ', big);
	memcpy(line, "CLIENT_RANDOM", 13);
	line[big] = '\n';
	line[big + 1] = '\0';
	ck_assert_uint_eq(parse(kl, line, &e), 0);
	ck_assert_uint_eq(e.n, 2);
	ck_assert_uint_eq(e.lines[1], 5);
	ck_assert_str_eq(e.reasons[1], "line too long");
	free(line);
	/* A secret line may sit at the maximum length. */
	char ok[KEYLOG_MAX_LINE + 2];
	int n = snprintf(ok, sizeof ok, "CLIENT_RANDOM " R1 " " MASTER);
	memset(ok + n, ' ', KEYLOG_MAX_LINE - (size_t)n);
	ok[KEYLOG_MAX_LINE] = '\0';
	ck_assert_uint_eq(parse(kl, ok, &e), 1);
	ck_assert_uint_eq(e.n, 2);
	/* NUL bytes and binary junk are malformed lines, not a crash. */
	static const uint8_t junk[] = {'C', 0, 0xff, '\n', 0x80, 0x81, '\n'};
	ck_assert_uint_eq(keylog_parse(kl, junk, sizeof junk, on_error, &e), 0);
	ck_assert_uint_eq(e.n, 4);
	/* Without a callback errors are only counted. */
	ck_assert_uint_eq(keylog_parse(kl, (const uint8_t *)"x\n", 2, NULL, NULL), 0);
	keylog_free(kl);
}
END_TEST

/* Past KEYLOG_MAX_ENTRIES client randoms, new ones are refused (and
 * reported); secrets for randoms already kept are still taken. */
START_TEST(test_entry_limit)
{
	struct keylog *kl = keylog_new();
	struct errors e = {0};
	char line[256];
	for (unsigned i = 0; i <= KEYLOG_MAX_ENTRIES; i++) {
		int n = snprintf(line, sizeof line, "CLIENT_RANDOM %056x%08x " MASTER "\n", 0u, i);
		keylog_parse(kl, (const uint8_t *)line, (size_t)n, on_error, &e);
	}
	struct keylog_stats st;
	keylog_get_stats(kl, &st);
	ck_assert_uint_eq(st.entries, KEYLOG_MAX_ENTRIES);
	ck_assert_uint_eq(st.malformed, 1);
	ck_assert_uint_eq(e.lines[0], KEYLOG_MAX_ENTRIES + 1);
	ck_assert_str_eq(e.reasons[0], "too many client randoms in the key log");
	int n = snprintf(line, sizeof line, "SERVER_TRAFFIC_SECRET_0 %056x%08x " S32 "\n", 0u, 5u);
	ck_assert_uint_eq(keylog_parse(kl, (const uint8_t *)line, (size_t)n, on_error, &e), 1);
	keylog_free(kl);
}
END_TEST

/* The key log a real OpenSSL client writes (TLS 1.2 and 1.3), found by
 * the random of the ClientHello it sent. */
START_TEST(test_live_keylog)
{
	static const int versions[] = {TLS1_2_VERSION, TLS1_3_VERSION};
	for (int v = 0; v < 2; v++) {
		struct lh_opts o = {.max_version = versions[v], .sni = "app.example"};
		struct lh_result res;
		ck_assert_int_eq(lh_run(&o, &res), 0);
		ck_assert(res.client_ok && res.server_ok);
		struct keylog *kl = keylog_new();
		struct errors e = {0};
		ck_assert_uint_gt(keylog_parse(kl, (const uint8_t *)res.keylog, res.keylog_len, on_error, &e),
				  0);
		ck_assert_uint_eq(e.n, 0);
		size_t n;
		uint8_t *ch = lh_wire_msg(&res, false, TLS_HS_CLIENT_HELLO, &n);
		ck_assert(ch != NULL);
		struct tls_client_hello chp;
		ck_assert_int_eq(tls_client_hello_parse(ch + 4, n - 4, &chp), DIS_OK);
		const struct keylog_entry *k = keylog_find(kl, chp.random);
		ck_assert(k != NULL);
		if (versions[v] == TLS1_2_VERSION) {
			ck_assert(k->has_master);
		} else {
			/* every traffic secret of a full handshake (no 0-RTT here) */
			for (int i = 0; i < KEYLOG_N_SECRETS; i++)
				ck_assert(i == KEYLOG_CLIENT_EARLY ? k->secrets[i].len == 0
								   : k->secrets[i].len == 32 || k->secrets[i].len == 48);
		}
		free(ch);
		keylog_free(kl);
		lh_result_free(&res);
	}
}
END_TEST

SUITE_MAIN("keylog", false,
	   CASE("parse", 0, test_both_kinds, test_malformed_lines, test_limits_and_numbering,
		test_live_keylog, test_entry_limit))
