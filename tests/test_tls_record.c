/* test_tls_record.c - record framing (tls_record.c) and handshake message
 * reassembly (tls_hs_stream.c) on the bytes of real OpenSSL handshakes,
 * fed whole, byte by byte and in odd chunks, and with holes; plus edge
 * cases on small arrays. */
#include <check.h>
#include <openssl/ssl.h>
#include <stdlib.h>
#include <string.h>

#include "support/live_handshake.h"
#include "tls_handshake.h"
#include "tls_hs_stream.h"
#include "tls_record.h"
#include "support/suite_run.h"

#define MAX_RECS 64

struct seen {
	size_t n;
	uint8_t type[MAX_RECS];
	uint16_t len[MAX_RECS];
	bool had_body[MAX_RECS];
	bool damaged[MAX_RECS];
	uint64_t end_frame[MAX_RECS];
	uint8_t *bodies[MAX_RECS];
	unsigned resyncs;
	uint64_t skipped;
};

static bool keep_all_but_app(void *ctx, const struct tls_record_header *h)
{
	return h->type != TLS_CT_APPLICATION_DATA;
}

static void on_rec(void *ctx, const struct tls_record *r)
{
	struct seen *s = ctx;
	if (s->n == MAX_RECS)
		return;
	s->type[s->n] = r->hdr.type;
	s->len[s->n] = r->hdr.length;
	s->had_body[s->n] = r->body != NULL;
	s->damaged[s->n] = r->damaged;
	s->end_frame[s->n] = r->end.frame;
	s->bodies[s->n] = NULL;
	if (r->body) {
		s->bodies[s->n] = malloc(r->body_len ? r->body_len : 1);
		memcpy(s->bodies[s->n], r->body, r->body_len);
	}
	s->n++;
}

static void on_resync(void *ctx, uint64_t skipped, const struct tcp_frame_ref *at)
{
	struct seen *s = ctx;
	s->resyncs++;
	s->skipped += skipped;
}

static void seen_free(struct seen *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->bodies[i]);
}

/* Feed `stream` in chunks of `chunk` bytes (0: whole), frame = chunk index + 1. */
static void feed(const uint8_t *stream, size_t len, size_t chunk, struct seen *out)
{
	struct tls_record_reader rr;
	struct tls_record_sink sink = { out, keep_all_but_app, on_rec, on_resync };
	tls_record_reader_init(&rr);
	memset(out, 0, sizeof *out);
	size_t off = 0;
	uint64_t frame = 1;
	while (off < len) {
		size_t n = chunk && chunk < len - off ? chunk : len - off;
		struct tcp_frame_ref at = { frame++, 0 };
		tls_record_reader_feed(&rr, stream + off, n, &at, &sink);
		off += n;
	}
	ck_assert(!tls_record_reader_partial(&rr));
	tls_record_reader_release(&rr);
}

static struct lh_result mutual_tls12(void)
{
	static const char *const cas[] = { "CN=Corp Root,O=Corp", "CN=Other Root,O=Other" };
	struct lh_opts o = { .max_version = TLS1_2_VERSION, .request_cert = true, .ca_names = cas,
			     .n_ca_names = 2, .client_has_cert = true, .client_sends_chain = true,
			     .server_trusts_client_ca = true, .client_eku = "clientAuth" };
	struct lh_result res;
	ck_assert_int_eq(lh_run(&o, &res), 0);
	ck_assert(res.client_ok && res.server_ok);
	return res;
}

START_TEST(real_stream_any_chunking)
{
	struct lh_result res = mutual_tls12();
	struct seen whole, bytes, odd;
	feed(res.s2c, res.s2c_len, 0, &whole);
	feed(res.s2c, res.s2c_len, 1, &bytes);
	feed(res.s2c, res.s2c_len, 7, &odd);
	/* Server flight: handshake record(s), then CCS and its encrypted Finished. */
	ck_assert_uint_ge(whole.n, 3);
	ck_assert_uint_eq(whole.type[0], TLS_CT_HANDSHAKE);
	bool ccs = false;
	for (size_t i = 0; i < whole.n; i++)
		ccs |= whole.type[i] == TLS_CT_CHANGE_CIPHER_SPEC;
	ck_assert(ccs);
	ck_assert_uint_eq(bytes.n, whole.n);
	ck_assert_uint_eq(odd.n, whole.n);
	for (size_t i = 0; i < whole.n; i++) {
		ck_assert_uint_eq(bytes.type[i], whole.type[i]);
		ck_assert_uint_eq(bytes.len[i], whole.len[i]);
		ck_assert_uint_eq(odd.len[i], whole.len[i]);
		if (whole.bodies[i]) {
			ck_assert_mem_eq(bytes.bodies[i], whole.bodies[i], whole.len[i]);
			ck_assert_mem_eq(odd.bodies[i], whole.bodies[i], whole.len[i]);
		}
	}
	/* Byte by byte, a record ends in the frame of its last byte. */
	size_t end = 0;
	for (size_t i = 0; i < bytes.n; i++) {
		end += 5 + bytes.len[i];
		ck_assert_uint_eq(bytes.end_frame[i], end);
	}
	seen_free(&whole);
	seen_free(&bytes);
	seen_free(&odd);
	lh_result_free(&res);
}
END_TEST

struct msgs {
	size_t n;
	uint8_t type[32];
	uint32_t len[32];
	unsigned records[32];
	bool oversized[32];
	uint8_t *body[32];
};

static void on_msg(void *ctx, const struct tls_hs_msg *m)
{
	struct msgs *s = ctx;
	if (s->n == 32)
		return;
	s->type[s->n] = m->type;
	s->len[s->n] = m->length;
	s->records[s->n] = m->records;
	s->oversized[s->n] = m->oversized;
	s->body[s->n] = NULL;
	if (m->body) {
		s->body[s->n] = malloc(m->length + 1);
		memcpy(s->body[s->n], m->body, m->length);
	}
	s->n++;
}

static void msgs_free(struct msgs *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->body[i]);
}

/* The server's cleartext messages, as the msg callback saw them, equal
 * what the reassembler makes of its records - also when every message is
 * cut into records of 5 bytes. */
/* Where each record of a whole stream starts, read with framing known. */
struct starts {
	size_t n;
	size_t off[MAX_RECS];
	uint8_t type[MAX_RECS];
};

static void record_starts(const uint8_t *stream, size_t len, struct starts *out)
{
	struct rd r = rd_make(stream, len);
	size_t off = 0;
	struct tls_record_header h;
	memset(out, 0, sizeof *out);
	while (out->n < MAX_RECS && tls_record_header_parse(&r, &h) == DIS_OK && rd_skip(&r, h.length) == 0) {
		out->off[out->n] = off;
		out->type[out->n++] = h.type;
		off += 5 + h.length;
	}
}

/* A capture that begins anywhere inside a real server flight: the reader
 * skips to the next record boundary, reports exactly the bytes before it,
 * and reads every record from there on, and no record it makes up from
 * the middle of one. Fed whole and in 7-byte chunks. */
START_TEST(midstream_start_anywhere_in_real_stream)
{
	struct lh_result res = mutual_tls12();
	struct starts truth;
	record_starts(res.s2c, res.s2c_len, &truth);
	ck_assert_uint_ge(truth.n, 3);
	static const size_t chunks[] = { 0, 7 };
	for (size_t c = 0; c < 2; c++) {
		for (size_t o = 1; o < res.s2c_len; o++) {
			size_t first = 0;
			while (first < truth.n && truth.off[first] < o)
				first++;
			struct seen s = { 0 };
			struct tls_record_reader rr;
			struct tls_record_sink sink = { &s, keep_all_but_app, on_rec, on_resync };
			tls_record_reader_init(&rr);
			tls_record_reader_midstream(&rr);
			uint64_t frame = 1;
			for (size_t off = o; off < res.s2c_len;) {
				size_t n = chunks[c] && chunks[c] < res.s2c_len - off ? chunks[c] : res.s2c_len - off;
				struct tcp_frame_ref at = { frame++, 0 };
				tls_record_reader_feed(&rr, res.s2c + off, n, &at, &sink);
				off += n;
			}
			ck_assert_msg(s.n == truth.n - first, "start %zu chunk %zu: %zu records, expected %zu", o,
				      chunks[c], s.n, truth.n - first);
			for (size_t i = 0; i < s.n; i++)
				ck_assert_uint_eq(s.type[i], truth.type[first + i]);
			size_t boundary = first < truth.n ? truth.off[first] : res.s2c_len;
			ck_assert_uint_eq(tls_record_reader_skipped(&rr), boundary - o);
			seen_free(&s);
			tls_record_reader_release(&rr);
		}
	}
	lh_result_free(&res);
}
END_TEST

/* A start that is a record boundary costs nothing: no bytes skipped, no
 * resync reported. */
START_TEST(midstream_start_on_boundary)
{
	struct lh_result res = mutual_tls12();
	struct starts truth;
	record_starts(res.s2c, res.s2c_len, &truth);
	struct seen s = { 0 };
	struct tls_record_reader rr;
	struct tls_record_sink sink = { &s, keep_all_but_app, on_rec, on_resync };
	struct tcp_frame_ref at = { 1, 0 };
	tls_record_reader_init(&rr);
	tls_record_reader_midstream(&rr);
	tls_record_reader_feed(&rr, res.s2c + truth.off[1], res.s2c_len - truth.off[1], &at, &sink);
	ck_assert_uint_eq(s.n, truth.n - 1);
	ck_assert_uint_eq(s.resyncs, 0);
	ck_assert_uint_eq(tls_record_reader_skipped(&rr), 0);
	seen_free(&s);
	tls_record_reader_release(&rr);
	lh_result_free(&res);
}
END_TEST

/* One plausible header in bytes that go on as something else is not
 * framing: an encrypted 48-byte alert seen after a hole is not read. */
/* The tests the flow table makes before a stream is taken as TLS. */
START_TEST(stream_start_tests)
{
	uint8_t two[5 + 3 + 5 + 1] = { 23, 3, 3, 0, 3, 'a', 'b', 'c', 21, 3, 3, 0, 2, 2 };
	ck_assert(tls_records_plausible(two, 5 + 3));     /* ends with the bytes */
	ck_assert(tls_records_plausible(two, sizeof two)); /* another header follows */
	ck_assert(!tls_records_plausible(two, 5 + 3 + 4)); /* what follows is too short */
	ck_assert(!tls_records_plausible(two, 5 + 2));     /* the record goes on */
	two[8] = 99;
	ck_assert(!tls_records_plausible(two, sizeof two)); /* followed by no header */

	static const uint8_t client_hello[] = { 22, 3, 1, 0, 40, 1, 0, 0, 36 };
	static const uint8_t server_hello[] = { 22, 3, 3, 0, 40, 2, 0, 0, 36 };
	static const uint8_t sslv2_server_hello[] = { 0x80, 40, 4, 0, 1, 0, 2 };
	ck_assert(!tls_hello_from_server(client_hello, sizeof client_hello));
	ck_assert(tls_hello_from_server(server_hello, sizeof server_hello));
	ck_assert(!tls_hello_from_server(server_hello, 5)); /* the type is not there */
	ck_assert(tls_hello_from_server(sslv2_server_hello, sizeof sslv2_server_hello));

	ck_assert(tls_could_start_hello(client_hello, 1));
	ck_assert(tls_could_start_hello(client_hello, 2));
	ck_assert(!tls_could_start_hello((const uint8_t[]){ 22, 2 }, 2)); /* no 3.x version */
	ck_assert(tls_could_start_hello((const uint8_t[]){ 0x80 }, 1));     /* SSLv2 header */
	ck_assert(!tls_could_start_hello((const uint8_t[]){ 'G', 'E' }, 2));
	ck_assert(!tls_could_start_hello(client_hello, 0));
}
END_TEST

START_TEST(lone_plausible_header_not_trusted)
{
	uint8_t junk[5 + 48 + 3];
	memset(junk, 0x5a, sizeof junk);
	static const uint8_t hdr[5] = { 21, 3, 3, 0, 48 };
	memcpy(junk, hdr, 5);
	struct seen s = { 0 };
	struct tls_record_reader rr;
	struct tls_record_sink sink = { &s, keep_all_but_app, on_rec, on_resync };
	struct tcp_frame_ref at = { 1, 0 };
	tls_record_reader_init(&rr);
	tls_record_reader_gap(&rr, 10, &at, &sink);
	tls_record_reader_feed(&rr, junk, sizeof junk, &at, &sink);
	ck_assert_uint_eq(s.n, 0);
	ck_assert_uint_eq(s.resyncs, 0);
	/* The same header whose record ends where the bytes end is trusted. */
	tls_record_reader_gap(&rr, 10, &at, &sink);
	tls_record_reader_feed(&rr, junk, 5 + 48, &at, &sink);
	ck_assert_uint_eq(s.n, 1);
	ck_assert_uint_eq(s.type[0], TLS_CT_ALERT);
	ck_assert_uint_eq(s.len[0], 48);
	seen_free(&s);
	tls_record_reader_release(&rr);
}
END_TEST

START_TEST(real_messages_reassembled)
{
	struct lh_result res = mutual_tls12();
	struct seen recs;
	feed(res.s2c, res.s2c_len, 0, &recs);
	for (int size = 0; size <= 5; size += 5) {
		struct tls_hs_stream hs;
		struct msgs got = { 0 };
		tls_hs_stream_init(&hs, 0);
		for (size_t i = 0; i < recs.n && recs.type[i] == TLS_CT_HANDSHAKE; i++) {
			struct tcp_frame_ref at = { i + 1, 0 };
			if (size == 0) {
				tls_hs_stream_feed(&hs, recs.bodies[i], recs.len[i], &at, &at, on_msg, &got);
				continue;
			}
			for (size_t off = 0; off < recs.len[i]; off += (size_t)size) {
				size_t n = recs.len[i] - off < (size_t)size ? recs.len[i] - off : (size_t)size;
				tls_hs_stream_feed(&hs, recs.bodies[i] + off, n, &at, &at, on_msg, &got);
			}
		}
		ck_assert(!tls_hs_stream_partial(&hs));
		/* Compare with the server's own record of what it wrote. */
		size_t k = 0;
		for (size_t i = 0; i < res.n_msgs && k < got.n; i++) {
			const struct lh_msg *m = &res.msgs[i];
			if (!m->from_server || m->content_type != 22)
				continue;
			ck_assert_uint_eq(got.type[k], m->data[0]);
			ck_assert_uint_eq(got.len[k] + 4, m->len);
			ck_assert_mem_eq(got.body[k], m->data + 4, got.len[k]);
			if (size == 5 && got.len[k] > 1)
				ck_assert_uint_gt(got.records[k], 1);
			k++;
		}
		ck_assert_uint_ge(k, 4); /* ServerHello, Certificate, ..., CertificateRequest, ServerHelloDone */
		bool saw_request = false;
		for (size_t i = 0; i < got.n; i++)
			saw_request |= got.type[i] == TLS_HS_CERTIFICATE_REQUEST;
		ck_assert(saw_request);
		msgs_free(&got);
		tls_hs_stream_release(&hs);
	}
	seen_free(&recs);
	lh_result_free(&res);
}
END_TEST

/* A hole inside an application-data record keeps the framing. */
START_TEST(gap_inside_record_keeps_framing)
{
	static const uint8_t a[] = { 23, 3, 3, 0, 10, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 21, 3, 3, 0, 2, 1, 0 };
	struct seen s = { 0 };
	struct tls_record_reader rr;
	struct tls_record_sink sink = { &s, keep_all_but_app, on_rec, on_resync };
	struct tcp_frame_ref at = { 1, 0 };
	tls_record_reader_init(&rr);
	tls_record_reader_feed(&rr, a, 7, &at, &sink);
	tls_record_reader_gap(&rr, 4, &at, &sink);
	tls_record_reader_feed(&rr, a + 11, sizeof a - 11, &at, &sink);
	ck_assert_uint_eq(s.n, 2);
	ck_assert(s.damaged[0]);
	ck_assert_uint_eq(s.type[1], TLS_CT_ALERT);
	ck_assert(!s.damaged[1]);
	ck_assert_uint_eq(s.bodies[1][1], 0);
	ck_assert_uint_eq(s.resyncs, 0);
	seen_free(&s);
	tls_record_reader_release(&rr);
}
END_TEST

/* A hole that swallows a header: the reader finds the next header. */
START_TEST(gap_over_header_resyncs)
{
	static const uint8_t tail[] = { 0xde, 0xad, 23, 3, 3, 0, 2, 0xaa, 0xbb, 22, 3, 3, 0, 4, 14, 0, 0, 0 };
	struct seen s = { 0 };
	struct tls_record_reader rr;
	struct tls_record_sink sink = { &s, keep_all_but_app, on_rec, on_resync };
	struct tcp_frame_ref at = { 1, 0 };
	tls_record_reader_init(&rr);
	tls_record_reader_gap(&rr, 100, &at, &sink);
	tls_record_reader_feed(&rr, tail, sizeof tail, &at, &sink);
	ck_assert_uint_eq(s.resyncs, 1);
	ck_assert_uint_eq(s.n, 2);
	ck_assert_uint_eq(s.type[0], TLS_CT_APPLICATION_DATA);
	ck_assert_uint_eq(s.type[1], TLS_CT_HANDSHAKE);
	ck_assert_uint_eq(s.bodies[1][0], TLS_HS_SERVER_HELLO_DONE);
	seen_free(&s);
	tls_record_reader_release(&rr);
}
END_TEST

/* A header split across the chunks that follow a resync is still found. */
START_TEST(resync_header_straddles_chunks)
{
	static const uint8_t junk[] = { 0x99, 0x98, 0x97, 22, 3 };
	static const uint8_t rest[] = { 3, 0, 4, 14, 0, 0, 0 };
	struct seen s = { 0 };
	struct tls_record_reader rr;
	struct tls_record_sink sink = { &s, keep_all_but_app, on_rec, on_resync };
	struct tcp_frame_ref at = { 1, 0 };
	tls_record_reader_init(&rr);
	tls_record_reader_gap(&rr, 3, &at, &sink);
	tls_record_reader_feed(&rr, junk, sizeof junk, &at, &sink);
	tls_record_reader_feed(&rr, rest, sizeof rest, &at, &sink);
	ck_assert_uint_eq(s.n, 1);
	ck_assert_uint_eq(s.type[0], TLS_CT_HANDSHAKE);
	ck_assert_uint_eq(s.len[0], 4);
	seen_free(&s);
	tls_record_reader_release(&rr);
}
END_TEST

START_TEST(header_limits)
{
	uint8_t h[5] = { 23, 3, 3, (TLS_MAX_RECORD_BODY >> 8) & 0xff, TLS_MAX_RECORD_BODY & 0xff };
	ck_assert(tls_record_header_plausible(h, 5));
	h[4] += 1; /* one byte over 2^14 + 2048 */
	ck_assert(!tls_record_header_plausible(h, 5));
	ck_assert(!tls_record_header_plausible(h, 4)); /* one byte short */
	uint8_t zero_hs[5] = { 22, 3, 1, 0, 0 };
	ck_assert(!tls_record_header_plausible(zero_hs, 5));
	uint8_t zero_app[5] = { 23, 3, 3, 0, 0 };
	ck_assert(tls_record_header_plausible(zero_app, 5));
	uint8_t bad_version[5] = { 22, 3, 5, 0, 4 };
	ck_assert(!tls_record_header_plausible(bad_version, 5));
	uint8_t bad_type[5] = { 25, 3, 3, 0, 4 };
	ck_assert(!tls_record_header_plausible(bad_type, 5));
}
END_TEST

/* The SSLv2-compatible ClientHello can open a stream (and only open it). */
START_TEST(sslv2_hello_at_start)
{
	/* length 0x801f -> 31 bytes: type 1, version 3.1, cipher spec length 6,
	 * session id 0, challenge 16; then 6 + 16 bytes. */
	uint8_t v2[2 + 31] = { 0x80, 31, 1, 3, 1, 0, 6, 0, 0, 0, 16 };
	ck_assert(tls_looks_like_hello(v2, sizeof v2));
	struct seen s = { 0 };
	struct tls_record_reader rr;
	struct tls_record_sink sink = { &s, keep_all_but_app, on_rec, on_resync };
	struct tcp_frame_ref at = { 1, 0 };
	tls_record_reader_init(&rr);
	tls_record_reader_feed(&rr, v2, sizeof v2, &at, &sink);
	ck_assert_uint_eq(s.n, 1);
	ck_assert_uint_eq(s.type[0], TLS_CT_SSLV2);
	ck_assert_uint_eq(s.len[0], 31);
	ck_assert_uint_eq(s.bodies[0][0], 1);
	seen_free(&s);
	tls_record_reader_release(&rr);
}
END_TEST

/* An SSLv2 header may announce more than a TLS record body can hold
 * (found by fuzz_tls_stream): the record is framed by its length but its
 * body is not kept, and the TLS record after it is read. */
START_TEST(sslv2_record_longer_than_body_buffer)
{
	size_t big = 0x7fff;
	uint8_t *stream = calloc(1, 2 + big + 5 + 1);
	ck_assert_ptr_nonnull(stream);
	stream[0] = 0xff;
	stream[1] = 0xff;
	stream[2] = 1;
	uint8_t *next = stream + 2 + big;
	next[0] = TLS_CT_ALERT;
	next[1] = 3;
	next[2] = 3;
	next[4] = 1;
	struct seen s = { 0 };
	struct tls_record_reader rr;
	struct tls_record_sink sink = { &s, keep_all_but_app, on_rec, on_resync };
	struct tcp_frame_ref at = { 1, 0 };
	tls_record_reader_init(&rr);
	tls_record_reader_feed(&rr, stream, 2 + big + 5 + 1, &at, &sink);
	ck_assert_uint_eq(s.n, 2);
	ck_assert_uint_eq(s.type[0], TLS_CT_SSLV2);
	ck_assert_uint_eq(s.len[0], big);
	ck_assert(!s.had_body[0]);
	ck_assert_uint_eq(s.type[1], TLS_CT_ALERT);
	ck_assert(s.had_body[1]);
	seen_free(&s);
	tls_record_reader_release(&rr);
	free(stream);
}
END_TEST

/* A message over the cap is skipped by length; the next one is read. */
START_TEST(oversized_message_skipped)
{
	uint8_t rec[4 + 2000 + 4];
	memset(rec, 0, sizeof rec);
	rec[0] = TLS_HS_CERTIFICATE;
	rec[2] = 2000 >> 8;
	rec[3] = 2000 & 0xff;
	rec[4 + 2000] = TLS_HS_SERVER_HELLO_DONE;
	struct tls_hs_stream hs;
	struct msgs got = { 0 };
	struct tcp_frame_ref at = { 1, 0 };
	tls_hs_stream_init(&hs, 1024);
	tls_hs_stream_feed(&hs, rec, sizeof rec, &at, &at, on_msg, &got);
	ck_assert_uint_eq(got.n, 2);
	ck_assert(got.oversized[0]);
	ck_assert_ptr_null(got.body[0]);
	ck_assert_uint_eq(got.len[0], 2000);
	ck_assert_uint_eq(got.type[1], TLS_HS_SERVER_HELLO_DONE);
	ck_assert(!got.oversized[1]);
	msgs_free(&got);
	tls_hs_stream_release(&hs);
}
END_TEST

/* An application-data body may be fed as "skipped" bytes (p == NULL)
 * exactly as far as opaque_ahead promised; a kept record promises none. */
START_TEST(opaque_app_data_body)
{
	static const uint8_t app_hdr[5] = {23, 3, 3, 0, 10};
	static const uint8_t alert[7] = {21, 3, 3, 0, 2, 1, 0};
	struct seen s;
	struct tls_record_reader rr;
	struct tls_record_sink sink = { &s, keep_all_but_app, on_rec, on_resync };
	struct tcp_frame_ref at = { 1, 0 };
	memset(&s, 0, sizeof s);
	tls_record_reader_init(&rr);
	ck_assert_uint_eq(tls_record_reader_opaque_ahead(&rr), 0);
	tls_record_reader_feed(&rr, app_hdr, sizeof app_hdr, &at, &sink);
	ck_assert_uint_eq(tls_record_reader_opaque_ahead(&rr), 10);
	tls_record_reader_feed(&rr, NULL, 4, &at, &sink);
	ck_assert_uint_eq(tls_record_reader_opaque_ahead(&rr), 6);
	at.frame = 2;
	tls_record_reader_feed(&rr, NULL, 6, &at, &sink);
	ck_assert_uint_eq(s.n, 1);
	ck_assert_uint_eq(s.type[0], 23);
	ck_assert_uint_eq(s.len[0], 10);
	ck_assert_uint_eq(s.end_frame[0], 2);
	ck_assert(!s.damaged[0]);
	/* The next record's header is read normally; an alert body is kept. */
	tls_record_reader_feed(&rr, alert, 6, &at, &sink);
	ck_assert_uint_eq(tls_record_reader_opaque_ahead(&rr), 0);
	tls_record_reader_feed(&rr, alert + 6, 1, &at, &sink);
	ck_assert_uint_eq(s.n, 2);
	ck_assert(s.had_body[1]);
	ck_assert(!tls_record_reader_partial(&rr));
	tls_record_reader_release(&rr);
	seen_free(&s);
}
END_TEST

SUITE_MAIN("tls_record", false,
	   CASE("live", 60, real_stream_any_chunking, real_messages_reassembled,
		midstream_start_anywhere_in_real_stream, midstream_start_on_boundary),
	   CASE("edges", 0, gap_inside_record_keeps_framing, gap_over_header_resyncs,
		resync_header_straddles_chunks, stream_start_tests, lone_plausible_header_not_trusted, header_limits,
		sslv2_hello_at_start, sslv2_record_longer_than_body_buffer, oversized_message_skipped,
		opaque_app_data_body))
