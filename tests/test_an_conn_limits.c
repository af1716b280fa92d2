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

/* A new connection sent the server's record rec `times` times, in frames
 * 1, 2, ... */
static void feed_repeatedly(struct tls_conn *c, struct conn_parser *p, const uint8_t *rec, size_t n,
			    uint64_t times)
{
	tls_conn_init(c);
	conn_parser_init(p, 65536);
	for (uint64_t frame = 1; frame <= times; frame++) {
		struct tcp_frame_ref at = { frame, (int64_t)frame * 1000000 };
		conn_feed(c, p, SIDE_SERVER, rec, n, &at);
	}
}

/* The server's record rec, once, in frame `frame`. */
static void feed_once(struct tls_conn *c, struct conn_parser *p, const uint8_t *rec, size_t n, uint64_t frame)
{
	struct tcp_frame_ref at = { frame, (int64_t)frame * 1000000 };
	conn_feed(c, p, SIDE_SERVER, rec, n, &at);
}

/* Of `fed` facts, `max` were kept: the first ones in frames 1 to max - 1,
 * the newest (frame fed) in the last slot. */
static void expect_capped(size_t kept, size_t max, uint64_t first, uint64_t before_last, uint64_t last,
			  uint64_t fed)
{
	ck_assert_uint_eq(kept, max);
	ck_assert_uint_eq(first, 1);
	ck_assert_uint_eq(before_last, max - 1);
	ck_assert_uint_eq(last, fed);
}

START_TEST(alerts_are_capped)
{
	/* warning(1) no_renegotiation(100), in clear, TLS 1.2 record */
	static const uint8_t alert[] = { 0x15, 0x03, 0x03, 0x00, 0x02, 0x01, 0x64 };
	struct tls_conn c;
	struct conn_parser p;
	const uint64_t n = 3 * CONN_MAX_ALERTS;
	feed_repeatedly(&c, &p, alert, sizeof alert, n);
	expect_capped(c.n_alerts, CONN_MAX_ALERTS, c.alerts[0].frame, c.alerts[CONN_MAX_ALERTS - 2].frame,
		      c.alerts[CONN_MAX_ALERTS - 1].frame, n);
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
	const uint64_t n = 3 * CONN_MAX_REQUESTS;
	feed_repeatedly(&c, &p, req, sizeof req, n);
	expect_capped(c.n_requests, CONN_MAX_REQUESTS, c.requests[0].frame,
		      c.requests[CONN_MAX_REQUESTS - 2].frame, c.requests[CONN_MAX_REQUESTS - 1].frame, n);
	/* the kept ones are whole (decoded, with their CA name) */
	ck_assert(!c.requests[CONN_MAX_REQUESTS - 1].parse_error);
	ck_assert_uint_eq(c.requests[CONN_MAX_REQUESTS - 1].n_ca_names, 1);
	ck_assert_uint_eq(c.requests[0].n_ca_names, 1);
	conn_parser_release(&p);
	tls_conn_release(&c); /* under ASan: nothing leaked by the replaced ones */
}
END_TEST

/* A malformed CertificateRequest is kept, marked partial, with what the
 * parser read before the error: types, algorithms and the CA name before
 * the bad one. One that is too large to hold has nothing to keep. */
START_TEST(partial_request_reaches_the_model)
{
	/* TLS 1.2: ecdsa_sign; ecdsa_secp256r1_sha256; CA list of one good
	 * name (an empty RDNSequence, DER 30 00), then a zero-length one. */
	static const uint8_t req[] = {
		0x16, 0x03, 0x03, 0x00, 0x12,                   /* record */
		0x0d, 0x00, 0x00, 0x0e,                         /* CertificateRequest, 14 bytes */
		0x01, 0x40,                                     /* certificate_types */
		0x00, 0x02, 0x04, 0x03,                         /* supported_signature_algorithms */
		0x00, 0x06, 0x00, 0x02, 0x30, 0x00, 0x00, 0x00, /* certificate_authorities */
	};
	struct tls_conn c;
	struct conn_parser p;
	tls_conn_init(&c);
	conn_parser_init(&p, 65536);
	feed_once(&c, &p, req, sizeof req, 7);
	ck_assert_uint_eq(c.n_requests, 1);
	const struct cert_request_fact *r = &c.requests[0];
	ck_assert_uint_eq(r->frame, 7);
	ck_assert(r->parse_error && r->partial);
	ck_assert_uint_eq(r->n_cert_types, 1);
	ck_assert_uint_eq(r->cert_types[0], 0x40);
	ck_assert_uint_eq(r->n_sig_algs, 1);
	ck_assert_uint_eq(r->sig_algs[0], 0x0403);
	ck_assert_uint_eq(r->ca_list_bytes, 6);
	ck_assert_uint_eq(r->n_ca_names, 1);
	ck_assert(tls_conn_has_note(&c, NOTE_CERTIFICATE_REQUEST_MALFORMED));
	ck_assert(!tls_conn_has_note(&c, NOTE_ALLOCATION_FAILED));
	conn_parser_release(&p);
	tls_conn_release(&c);

	/* Larger than the handshake cap: seen, not decodable, nothing read. */
	tls_conn_init(&c);
	conn_parser_init(&p, 8);
	feed_once(&c, &p, req, sizeof req, 9);
	ck_assert_uint_eq(c.n_requests, 1);
	ck_assert(c.requests[0].parse_error && !c.requests[0].partial);
	ck_assert_uint_eq(c.requests[0].n_cert_types, 0);
	ck_assert(tls_conn_has_note(&c, NOTE_CERTIFICATE_REQUEST_TOO_LARGE));
	conn_parser_release(&p);
	tls_conn_release(&c);
}
END_TEST

/* Notes are a set: each once, printed in the order first seen, and all
 * of them fit at once (nothing is dropped). */
START_TEST(notes_are_a_set_in_first_seen_order)
{
	struct tls_conn c;
	char text[CONN_NOTES_TEXT_MAX];
	tls_conn_init(&c);
	tls_conn_notes_text(&c, text, sizeof text);
	ck_assert_str_eq(text, "");
	tls_conn_note(&c, NOTE_MEMORY_LIMIT);
	tls_conn_note(&c, NOTE_CLIENT_HELLO_MALFORMED);
	tls_conn_note(&c, NOTE_MEMORY_LIMIT); /* each once */
	ck_assert(tls_conn_has_note(&c, NOTE_MEMORY_LIMIT));
	ck_assert(tls_conn_has_note(&c, NOTE_CLIENT_HELLO_MALFORMED));
	ck_assert(!tls_conn_has_note(&c, NOTE_ALERTS_OVER_LIMIT));
	tls_conn_notes_text(&c, text, sizeof text);
	ck_assert_str_eq(text, "memory_limit,client_hello_malformed");
	/* Every note, last to first: all kept, in that order. */
	tls_conn_init(&c);
	size_t want = 0;
	for (int n = NOTE_COUNT - 1; n >= 0; n--) {
		tls_conn_note(&c, (enum conn_note)n);
		want += strlen(conn_note_name((enum conn_note)n)) + (n ? 1 : 0);
	}
	ck_assert_uint_eq(c.n_notes, NOTE_COUNT);
	tls_conn_notes_text(&c, text, sizeof text);
	ck_assert_uint_eq(strlen(text), want);
	ck_assert(strncmp(text, conn_note_name((enum conn_note)(NOTE_COUNT - 1)),
			  strlen(conn_note_name((enum conn_note)(NOTE_COUNT - 1)))) == 0);
	ck_assert_str_eq(text + strlen(text) - strlen(conn_note_name(NOTE_CLIENT_HELLO_MALFORMED)),
			 conn_note_name(NOTE_CLIENT_HELLO_MALFORMED));
	/* A small buffer gets a cut, terminated text. */
	char small[8];
	tls_conn_notes_text(&c, small, sizeof small);
	ck_assert_uint_eq(strlen(small), sizeof small - 1);
	tls_conn_release(&c);
}
END_TEST

SUITE_MAIN("conn_limits", false,
	   CASE("caps", 0, alerts_are_capped, cert_requests_are_capped, notes_are_a_set_in_first_seen_order,
		partial_request_reaches_the_model))
