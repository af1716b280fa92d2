/* test_an_conn_limits.c - a connection that lives for days keeps bounded
 * facts: past CONN_MAX_ALERTS alerts and CONN_MAX_REQUESTS
 * CertificateRequests the first ones stay and the last slot holds the
 * newest (diagnosis reads both ends). Fed as records through conn_feed,
 * as the flow table does. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/conn.h"
#include "model/model.h"
#include "support/suite_run.h"

static void feed(struct tls_conn *c, struct conn_parser *p, const uint8_t *rec, size_t n, uint64_t frame)
{
	struct tcp_frame_ref at = { frame, (int64_t)frame * 1000000 };
	conn_feed(c, p, SIDE_SERVER, rec, n, &at);
}

START_TEST(alerts_are_capped)
{
	/* warning(1) no_renegotiation(100), in clear, TLS 1.2 record */
	static const uint8_t alert[] = { 0x15, 0x03, 0x03, 0x00, 0x02, 0x01, 0x64 };
	struct tls_conn c;
	struct conn_parser p;
	tls_conn_init(&c);
	conn_parser_init(&p, 65536);
	const uint64_t n = 3 * CONN_MAX_ALERTS;
	for (uint64_t i = 1; i <= n; i++)
		feed(&c, &p, alert, sizeof alert, i);
	ck_assert_uint_eq(c.n_alerts, CONN_MAX_ALERTS);
	ck_assert_uint_eq(c.alerts[0].frame, 1);
	ck_assert_uint_eq(c.alerts[CONN_MAX_ALERTS - 2].frame, CONN_MAX_ALERTS - 1);
	ck_assert_uint_eq(c.alerts[CONN_MAX_ALERTS - 1].frame, n);
	ck_assert_int_eq(c.alerts[CONN_MAX_ALERTS - 1].description, 100);
	conn_parser_release(&p);
	tls_conn_release(&c);
}
END_TEST

START_TEST(cert_requests_are_capped)
{
	/* TLS 1.2 CertificateRequest: types <1> = ecdsa_sign(64),
	 * signature_algorithms <2> = ecdsa_secp256r1_sha256, one CA name
	 * (an empty RDNSequence, DER 30 00). */
	static const uint8_t req[] = {
		0x16, 0x03, 0x03, 0x00, 0x10,                   /* record */
		0x0d, 0x00, 0x00, 0x0c,                         /* CertificateRequest, 12 bytes */
		0x01, 0x40,                                     /* certificate_types */
		0x00, 0x02, 0x04, 0x03,                         /* supported_signature_algorithms */
		0x00, 0x04, 0x00, 0x02, 0x30, 0x00,             /* certificate_authorities */
	};
	struct tls_conn c;
	struct conn_parser p;
	tls_conn_init(&c);
	conn_parser_init(&p, 65536);
	const uint64_t n = 3 * CONN_MAX_REQUESTS;
	for (uint64_t i = 1; i <= n; i++)
		feed(&c, &p, req, sizeof req, i);
	ck_assert_uint_eq(c.n_requests, CONN_MAX_REQUESTS);
	ck_assert_uint_eq(c.requests[0].frame, 1);
	ck_assert_uint_eq(c.requests[CONN_MAX_REQUESTS - 2].frame, CONN_MAX_REQUESTS - 1);
	ck_assert_uint_eq(c.requests[CONN_MAX_REQUESTS - 1].frame, n);
	/* the kept ones are whole (decoded, with their CA name) */
	ck_assert(!c.requests[CONN_MAX_REQUESTS - 1].parse_error);
	ck_assert_uint_eq(c.requests[CONN_MAX_REQUESTS - 1].n_ca_names, 1);
	ck_assert_uint_eq(c.requests[0].n_ca_names, 1);
	conn_parser_release(&p);
	tls_conn_release(&c); /* under ASan: nothing leaked by the replaced ones */
}
END_TEST

START_TEST(notes_say_when_they_overflow)
{
	struct tls_conn c;
	char name[64];
	tls_conn_init(&c);
	tls_conn_note(&c, "first_note");
	tls_conn_note(&c, "first_note"); /* each once */
	ck_assert_str_eq(c.notes, "first_note");
	for (int i = 0; i < 40; i++) {
		snprintf(name, sizeof name, "distinct_note_%02d", i);
		tls_conn_note(&c, name);
	}
	size_t len = strlen(c.notes);
	ck_assert_uint_lt(len, sizeof c.notes);
	/* The first notes are kept whole, the last word says some were not. */
	ck_assert(strncmp(c.notes, "first_note,distinct_note_00,distinct_note_01,", 45) == 0);
	ck_assert_str_eq(c.notes + len - strlen(",notes_truncated"), ",notes_truncated");
	ck_assert_ptr_eq(strstr(c.notes, "notes_truncated"), c.notes + len - strlen("notes_truncated"));
	ck_assert_ptr_null(strstr(c.notes, "distinct_note_39"));
	/* A later short note does not land after the marker. */
	tls_conn_note(&c, "x");
	ck_assert_str_eq(c.notes + strlen(c.notes) - strlen(",notes_truncated"), ",notes_truncated");
	tls_conn_release(&c);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("conn_limits");
	TCase *tc = tcase_create("caps");
	tcase_add_test(tc, alerts_are_capped);
	tcase_add_test(tc, cert_requests_are_capped);
	tcase_add_test(tc, notes_say_when_they_overflow);
	suite_add_tcase(s, tc);
	int failed = run_suite(s, false);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
