/* CertificateRequest: real requests from OpenSSL servers (TLS 1.2 on the
 * wire and through the message callback, TLS 1.3 through the callback),
 * then hand-built edge cases for every RFC bound and the ssldump #36
 * layout. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/ssl.h>

#include "support/live_handshake.h"
#include "tls_handshake.h"
#include "x509_summary.h"
#include "support/suite_run.h"

static const char *const three_cas[] = {
	"CN=Corp Root,O=Corp",
	"CN=Partner Issuing CA 2,OU=PKI,O=Partner Ltd,C=DE",
	"CN=mtlsdiag Test Root,O=mtlsdiag test",
};

/* Parse the CertificateRequest captured by the server's msg callback. */
static enum dis_status live_request(const struct lh_result *res, uint16_t version, struct tls_cert_request *cr)
{
	const struct lh_msg *m = lh_find(res, true, TLS_HS_CERTIFICATE_REQUEST, 0);

	ck_assert_ptr_nonnull(m);
	return tls_cert_request_parse(m->data + 4, m->len - 4, version, cr);
}

static void check_names(const struct tls_cert_request *cr, const char *const *want, size_t n)
{
	struct rd list = cr->ca_list, dn;
	char text[X509_NAME_TEXT];
	size_t i = 0;

	while (tls_dn_list_next(&list, &dn) == 1) {
		ck_assert_uint_lt(i, n);
		ck_assert_int_ge(x509_name_to_text(dn.p, dn.len, text, sizeof text), 0);
		ck_assert_str_eq(text, want[i]);
		i++;
	}
	ck_assert_uint_eq(i, n);
	ck_assert_uint_eq(rd_left(&list), 0);
}

START_TEST(live_tls12_three_cas)
{
	struct lh_opts o = { .max_version = TLS1_2_VERSION, .request_cert = true, .ca_names = three_cas,
			     .n_ca_names = 3, .client_has_cert = true, .client_sends_chain = true,
			     .server_trusts_client_ca = true, .client_eku = "clientAuth" };
	struct lh_result res;
	struct tls_cert_request cr;
	bool has_ecdsa = false, has_p256 = false;

	ck_assert_int_eq(lh_run(&o, &res), 0);
	ck_assert(res.server_ok && res.client_ok);
	ck_assert_int_eq(live_request(&res, TLS_VERSION_TLS12, &cr), DIS_OK);
	ck_assert_uint_eq(cr.n_ca_names, 3);
	check_names(&cr, three_cas, 3);
	for (size_t i = 0; i < cr.n_cert_types; i++)
		has_ecdsa |= cr.cert_types[i] == 64;
	for (size_t i = 0; i < cr.n_sig_algs; i++)
		has_p256 |= cr.sig_algs[i] == 0x0403;
	ck_assert(has_ecdsa);
	ck_assert(has_p256);
	ck_assert(!cr.has_ca_extension);

	/* The same message read off the wire: byte-identical to the callback's. */
	size_t wire_len = 0;
	uint8_t *wire = lh_wire_msg(&res, true, TLS_HS_CERTIFICATE_REQUEST, &wire_len);
	ck_assert_ptr_nonnull(wire);
	ck_assert_uint_eq(wire_len, lh_find(&res, true, TLS_HS_CERTIFICATE_REQUEST, 0)->len);
	ck_assert_int_eq(tls_cert_request_parse(wire + 4, wire_len - 4, TLS_VERSION_TLS12, &cr), DIS_OK);
	ck_assert_uint_eq(cr.ca_list_bytes + 2 + 1 + cr.n_cert_types + 2 + 2 * cr.n_sig_algs, wire_len - 4);

	/* ssldump #36: read with the TLS 1.1 layout, the sig_algs length is
	 * taken for the CA list length and the rest does not fit. */
	ck_assert_int_ne(tls_cert_request_parse(wire + 4, wire_len - 4, TLS_VERSION_TLS11, &cr), DIS_OK);
	free(wire);
	lh_result_free(&res);
}
END_TEST

START_TEST(live_tls12_empty_list)
{
	struct lh_opts o = { .max_version = TLS1_2_VERSION, .request_cert = true };
	struct lh_result res;
	struct tls_cert_request cr;

	ck_assert_int_eq(lh_run(&o, &res), 0);
	ck_assert_int_eq(live_request(&res, TLS_VERSION_TLS12, &cr), DIS_OK);
	ck_assert_uint_eq(cr.n_ca_names, 0);
	ck_assert_uint_eq(cr.ca_list_bytes, 0);
	ck_assert_uint_gt(cr.n_sig_algs, 0);
	lh_result_free(&res);
}
END_TEST

START_TEST(live_tls13_cas_extension)
{
	struct lh_opts o = { .max_version = TLS1_3_VERSION, .request_cert = true, .ca_names = three_cas,
			     .n_ca_names = 3, .client_has_cert = true, .client_sends_chain = true,
			     .server_trusts_client_ca = true, .client_eku = "clientAuth" };
	struct lh_result res;
	struct tls_cert_request cr;
	struct rd body;

	ck_assert_int_eq(lh_run(&o, &res), 0);
	ck_assert_int_eq(res.version, TLS1_3_VERSION);
	ck_assert(res.server_ok && res.client_ok);
	ck_assert_int_eq(live_request(&res, TLS_VERSION_TLS13, &cr), DIS_OK);
	ck_assert(cr.has_ca_extension);
	ck_assert_uint_eq(cr.context_len, 0);
	ck_assert_uint_eq(cr.n_ca_names, 3);
	ck_assert_uint_eq(cr.n_cert_types, 0);
	ck_assert_uint_gt(cr.n_sig_algs, 0);
	check_names(&cr, three_cas, 3);
	/* On the wire the request is encrypted: no cleartext handshake record
	 * carries it, only application_data records follow the ServerHello. */
	ck_assert_ptr_null(lh_stream_hs(res.s2c, res.s2c_len, TLS_HS_CERTIFICATE_REQUEST, 0, &(size_t){ 0 }));
	ck_assert_int_eq(lh_stream_record(res.s2c, res.s2c_len, 23, 0, &body), 0);
	/* A TLS 1.3 draft code point uses the same layout. */
	ck_assert_int_eq(live_request(&res, 0x7f1c, &cr), DIS_OK);
	ck_assert_uint_eq(cr.n_ca_names, 3);
	lh_result_free(&res);
}
END_TEST

START_TEST(live_tls13_no_cas)
{
	struct lh_opts o = { .max_version = TLS1_3_VERSION, .request_cert = true };
	struct lh_result res;
	struct tls_cert_request cr;

	ck_assert_int_eq(lh_run(&o, &res), 0);
	ck_assert_int_eq(live_request(&res, TLS_VERSION_TLS13, &cr), DIS_OK);
	ck_assert(!cr.has_ca_extension);
	ck_assert_uint_eq(cr.n_ca_names, 0);
	lh_result_free(&res);
}
END_TEST

START_TEST(live_tls13_post_handshake)
{
	struct lh_opts o = { .max_version = TLS1_3_VERSION, .post_handshake_auth = true,
			     .ca_names = three_cas, .n_ca_names = 1, .client_has_cert = true,
			     .client_sends_chain = true, .server_trusts_client_ca = true,
			     .client_eku = "clientAuth" };
	struct lh_result res;
	struct tls_cert_request cr;

	ck_assert_int_eq(lh_run(&o, &res), 0);
	ck_assert(res.server_ok && res.client_ok);
	ck_assert_int_eq(live_request(&res, TLS_VERSION_TLS13, &cr), DIS_OK);
	/* A post-handshake request must carry a context the client echoes. */
	ck_assert_uint_gt(cr.context_len, 0);
	ck_assert_uint_eq(cr.n_ca_names, 1);
	check_names(&cr, three_cas, 1);
	lh_result_free(&res);
}
END_TEST

/* TLS 1.2: types {rsa_sign, ecdsa_sign}, sig_algs {0x0401, 0x0403}, one DN
 * "CN=A" (30 0c 31 0a 30 08 06 03 55 04 03 0c 01 41). This is the layout
 * ssldump issue #36 misread as TLS 1.1. */
static const uint8_t req12[] = {
	0x02, 0x01, 0x40,                   /* certificate_types */
	0x00, 0x04, 0x04, 0x01, 0x04, 0x03, /* supported_signature_algorithms */
	0x00, 0x10, 0x00, 0x0e,             /* certificate_authorities, one DN */
	0x30, 0x0c, 0x31, 0x0a, 0x30, 0x08, 0x06, 0x03, 0x55, 0x04, 0x03, 0x0c, 0x01, 0x41,
};

/* The counts of a parsed TLS 1.2 request, its last certificate type and
 * its first signature algorithm. */
static void check_fields(const struct tls_cert_request *cr, size_t n_types, uint8_t last_type, size_t n_algs,
			 uint16_t first_alg, size_t n_names, size_t list_bytes)
{
	ck_assert_uint_eq(cr->n_cert_types, n_types);
	ck_assert_uint_eq(cr->cert_types[n_types - 1], last_type);
	ck_assert_uint_eq(cr->n_sig_algs, n_algs);
	ck_assert_uint_eq(cr->sig_algs[0], first_alg);
	ck_assert_uint_eq(cr->n_ca_names, n_names);
	ck_assert_uint_eq(cr->ca_list_bytes, list_bytes);
}

START_TEST(tls12_layout)
{
	struct tls_cert_request cr;
	char text[64];
	struct rd list, dn;

	ck_assert_int_eq(tls_cert_request_parse(req12, sizeof req12, TLS_VERSION_TLS12, &cr), DIS_OK);
	check_fields(&cr, 2, 0x40, 2, 0x0401, 1, 16);
	list = cr.ca_list;
	ck_assert_int_eq(tls_dn_list_next(&list, &dn), 1);
	ck_assert_int_eq(x509_name_to_text(dn.p, dn.len, text, sizeof text), 4);
	ck_assert_str_eq(text, "CN=A");
	ck_assert_int_eq(tls_dn_list_next(&list, &dn), 0);
	/* ssldump #36: as TLS 1.1 the CA list length would be 0x0004 and the
	 * bytes after it trailing garbage. */
	ck_assert_int_eq(tls_cert_request_parse(req12, sizeof req12, TLS_VERSION_TLS11, &cr), DIS_INVALID);
}
END_TEST

START_TEST(tls11_and_ssl3_layout)
{
	/* types {rsa_sign}, one DN "CN=A" */
	static const uint8_t req[] = { 0x01, 0x01, 0x00, 0x10, 0x00, 0x0e, 0x30, 0x0c, 0x31, 0x0a, 0x30,
				       0x08, 0x06, 0x03, 0x55, 0x04, 0x03, 0x0c, 0x01, 0x41 };
	struct tls_cert_request cr;
	uint16_t v[] = { TLS_VERSION_SSL3, TLS_VERSION_TLS10, TLS_VERSION_TLS11 };

	for (size_t i = 0; i < 3; i++) {
		ck_assert_int_eq(tls_cert_request_parse(req, sizeof req, v[i], &cr), DIS_OK);
		ck_assert_uint_eq(cr.n_cert_types, 1);
		ck_assert_uint_eq(cr.n_sig_algs, 0);
		ck_assert_uint_eq(cr.n_ca_names, 1);
	}
	/* The 1.1 bytes read as 1.2: "sig_algs" would be 0x0010 long and run
	 * past the message. */
	ck_assert_int_ne(tls_cert_request_parse(req, sizeof req, TLS_VERSION_TLS12, &cr), DIS_OK);
	ck_assert_int_eq(tls_cert_request_parse(req, sizeof req, 0x0200, &cr), DIS_UNSUPPORTED);
	ck_assert_int_eq(tls_cert_request_parse(req, sizeof req, 0xfefd, &cr), DIS_UNSUPPORTED);
}
END_TEST

START_TEST(every_prefix_truncated)
{
	struct tls_cert_request cr;

	for (size_t n = 0; n < sizeof req12; n++)
		ck_assert_msg(tls_cert_request_parse(req12, n, TLS_VERSION_TLS12, &cr) == DIS_TRUNCATED,
			      "prefix %zu", n);
}
END_TEST

START_TEST(trailing_byte_invalid)
{
	uint8_t b[sizeof req12 + 1];
	struct tls_cert_request cr;

	memcpy(b, req12, sizeof req12);
	b[sizeof req12] = 0;
	ck_assert_int_eq(tls_cert_request_parse(b, sizeof b, TLS_VERSION_TLS12, &cr), DIS_INVALID);
}
END_TEST

START_TEST(vector_bounds)
{
	struct tls_cert_request cr;
	/* certificate_types<1..2^8-1>: empty is invalid */
	static const uint8_t no_types[] = { 0x00, 0x00, 0x02, 0x04, 0x03, 0x00, 0x00 };
	/* sig_algs<2..2^16-2>: empty and odd are invalid */
	static const uint8_t no_algs[] = { 0x01, 0x40, 0x00, 0x00, 0x00, 0x00 };
	static const uint8_t odd_algs[] = { 0x01, 0x40, 0x00, 0x03, 0x04, 0x03, 0x01, 0x00, 0x00 };
	/* minimum valid: one type, one algorithm, no CA */
	static const uint8_t minimal[] = { 0x01, 0x40, 0x00, 0x02, 0x04, 0x03, 0x00, 0x00 };
	/* a zero-length DistinguishedName (<1..2^16-1>) */
	static const uint8_t empty_dn[] = { 0x01, 0x40, 0x00, 0x02, 0x04, 0x03, 0x00, 0x02, 0x00, 0x00 };
	/* a DN longer than the CA list holding it */
	static const uint8_t long_dn[] = { 0x01, 0x40, 0x00, 0x02, 0x04, 0x03, 0x00, 0x03, 0x00, 0x05, 0x30 };
	/* a CA list longer than the message: the capture is short */
	static const uint8_t long_list[] = { 0x01, 0x40, 0x00, 0x02, 0x04, 0x03, 0x00, 0x10, 0x00, 0x01, 0x30 };

	ck_assert_int_eq(tls_cert_request_parse(no_types, sizeof no_types, TLS_VERSION_TLS12, &cr), DIS_INVALID);
	ck_assert_int_eq(tls_cert_request_parse(no_algs, sizeof no_algs, TLS_VERSION_TLS12, &cr), DIS_INVALID);
	ck_assert_int_eq(tls_cert_request_parse(odd_algs, sizeof odd_algs, TLS_VERSION_TLS12, &cr), DIS_INVALID);
	ck_assert_int_eq(tls_cert_request_parse(minimal, sizeof minimal, TLS_VERSION_TLS12, &cr), DIS_OK);
	ck_assert_uint_eq(cr.n_ca_names, 0);
	ck_assert_int_eq(tls_cert_request_parse(empty_dn, sizeof empty_dn, TLS_VERSION_TLS12, &cr), DIS_INVALID);
	/* what was read before the bad DN stays available for the report */
	ck_assert_uint_eq(cr.n_sig_algs, 1);
	ck_assert_uint_eq(cr.ca_list_bytes, 2);
	ck_assert_int_eq(tls_cert_request_parse(long_dn, sizeof long_dn, TLS_VERSION_TLS12, &cr), DIS_INVALID);
	ck_assert_int_eq(tls_cert_request_parse(long_list, sizeof long_list, TLS_VERSION_TLS12, &cr), DIS_TRUNCATED);
}
END_TEST

START_TEST(max_types_kept)
{
	uint8_t b[1 + 255 + 2];
	struct tls_cert_request cr;

	b[0] = 255; /* certificate_types at its RFC maximum */
	for (int i = 0; i < 255; i++)
		b[1 + i] = (uint8_t)i;
	b[256] = b[257] = 0;
	ck_assert_int_eq(tls_cert_request_parse(b, sizeof b, TLS_VERSION_TLS11, &cr), DIS_OK);
	ck_assert_uint_eq(cr.n_cert_types, TLS_MAX_CERT_TYPES);
	ck_assert_uint_eq(cr.cert_types[TLS_MAX_CERT_TYPES - 1], TLS_MAX_CERT_TYPES - 1);
}
END_TEST

START_TEST(tls13_layout)
{
	/* context "\x07", signature_algorithms {0x0403}, certificate_authorities {"CN=A"} */
	static const uint8_t req[] = {
		0x01, 0x07, 0x00, 0x1e,                                     /* context, extensions */
		0x00, 0x0d, 0x00, 0x04, 0x00, 0x02, 0x04, 0x03,             /* ext 13 */
		0x00, 0x2f, 0x00, 0x12, 0x00, 0x10, 0x00, 0x0e, 0x30, 0x0c, /* ext 47 */
		0x31, 0x0a, 0x30, 0x08, 0x06, 0x03, 0x55, 0x04, 0x03, 0x0c, 0x01, 0x41,
	};
	uint8_t b[sizeof req];
	struct tls_cert_request cr;

	ck_assert_int_eq(tls_cert_request_parse(req, sizeof req, TLS_VERSION_TLS13, &cr), DIS_OK);
	ck_assert_uint_eq(cr.context_len, 1);
	ck_assert_uint_eq(cr.n_sig_algs, 1);
	ck_assert(cr.has_ca_extension);
	ck_assert_uint_eq(cr.n_ca_names, 1);
	for (size_t n = 0; n < sizeof req; n++)
		ck_assert_int_ne(tls_cert_request_parse(req, n, TLS_VERSION_TLS13, &cr), DIS_OK);
	/* authorities<3..2^16-1>: a 2-byte list is below the minimum */
	static const uint8_t short_cas[] = { 0x00, 0x00, 0x08, 0x00, 0x2f, 0x00, 0x04, 0x00, 0x02, 0x00, 0x00 };
	ck_assert_int_eq(tls_cert_request_parse(short_cas, sizeof short_cas, TLS_VERSION_TLS13, &cr),
			 DIS_INVALID);
	/* extensions<2..2^16-1>: empty is invalid */
	static const uint8_t no_ext[] = { 0x00, 0x00, 0x00 };
	ck_assert_int_eq(tls_cert_request_parse(no_ext, sizeof no_ext, TLS_VERSION_TLS13, &cr), DIS_INVALID);
	/* an extension running past the extensions block */
	memcpy(b, req, sizeof req);
	b[15] = 0x40;
	ck_assert_int_eq(tls_cert_request_parse(b, sizeof b, TLS_VERSION_TLS13, &cr), DIS_INVALID);
	/* the TLS 1.3 bytes are not a TLS 1.2 request */
	ck_assert_int_ne(tls_cert_request_parse(req, sizeof req, TLS_VERSION_TLS12, &cr), DIS_OK);
}
END_TEST

START_TEST(tls13_duplicate_ca_extension)
{
	static const uint8_t req[] = {
		0x00, 0x00, 0x10, 0x00, 0x2f, 0x00, 0x05, 0x00, 0x03, 0x00, 0x01, 0x30,
		0x00, 0x2f, 0x00, 0x05, 0x00, 0x03, 0x00, 0x01, 0x30,
	};
	struct tls_cert_request cr;

	/* first fix the extensions length to cover both */
	uint8_t b[sizeof req];
	memcpy(b, req, sizeof req);
	b[2] = 18;
	ck_assert_int_eq(tls_cert_request_parse(b, sizeof b, TLS_VERSION_TLS13, &cr), DIS_INVALID);
	b[2] = 9; /* one occurrence, then trailing bytes after the block */
	ck_assert_int_eq(tls_cert_request_parse(b, sizeof b, TLS_VERSION_TLS13, &cr), DIS_INVALID);
	ck_assert_int_eq(tls_cert_request_parse(b, 12, TLS_VERSION_TLS13, &cr), DIS_OK);
	ck_assert_uint_eq(cr.n_ca_names, 1);
}
END_TEST

START_TEST(dn_list_iteration)
{
	static const uint8_t list[] = { 0x00, 0x01, 0xaa, 0x00, 0x02, 0xbb, 0xcc, 0x00, 0x05, 0x01 };
	struct rd r = rd_make(list, sizeof list), dn;

	ck_assert_int_eq(tls_dn_list_next(&r, &dn), 1);
	ck_assert_uint_eq(dn.len, 1);
	ck_assert_int_eq(tls_dn_list_next(&r, &dn), 1);
	ck_assert_uint_eq(dn.len, 2);
	ck_assert_int_eq(tls_dn_list_next(&r, &dn), -1); /* claims 5, has 1 */
	ck_assert_uint_eq(rd_left(&r), 3);                /* nothing consumed */
	r = rd_make(list, 0);
	ck_assert_int_eq(tls_dn_list_next(&r, &dn), 0);
	r = rd_make((const uint8_t[]){ 0x00, 0x00 }, 2);
	ck_assert_int_eq(tls_dn_list_next(&r, &dn), -1);
}
END_TEST

/* A request that breaks off keeps what was read before the error: the
 * fields, and the CA names before the bad one (counted; the list view
 * covers the whole list, which the analyzer decodes up to the bad name). */
START_TEST(partial_fields_kept)
{
	struct tls_cert_request cr;
	/* TLS 1.2: ecdsa_sign; ecdsa_secp256r1_sha256; CA list of one good
	 * name (30 00) and one empty one (<1..2^16-1> broken). */
	static const uint8_t req12_bad_second_dn[] = { 0x01, 0x40, 0x00, 0x02, 0x04, 0x03, 0x00, 0x06,
						       0x00, 0x02, 0x30, 0x00, 0x00, 0x00 };
	ck_assert_int_eq(tls_cert_request_parse(req12_bad_second_dn, sizeof req12_bad_second_dn, TLS_VERSION_TLS12, &cr),
			 DIS_INVALID);
	check_fields(&cr, 1, 0x40, 1, 0x0403, 1, 6);
	/* TLS 1.3: signature_algorithms read, then a certificate_authorities
	 * extension whose list is shorter than its minimum (3). */
	static const uint8_t req13_bad_cas[] = { 0x00, 0x00, 0x10, 0x00, 0x0d, 0x00, 0x04, 0x00, 0x02, 0x04, 0x03,
						 0x00, 0x2f, 0x00, 0x04, 0x00, 0x02, 0x30, 0x00 };
	ck_assert_int_eq(tls_cert_request_parse(req13_bad_cas, sizeof req13_bad_cas, TLS_VERSION_TLS13, &cr), DIS_INVALID);
	ck_assert_uint_eq(cr.n_sig_algs, 1);
	ck_assert(cr.has_ca_extension);
	ck_assert_uint_eq(cr.n_ca_names, 0);
}
END_TEST

/* The one vector reader: a length outside <min..max> is told apart from
 * a short view (even when the view is also short), and a failure consumes
 * nothing. */
START_TEST(rd_vec_outcomes)
{
	static const uint8_t b[] = { 0x00, 0x03, 0xaa, 0xbb, 0xcc, 0x01 };
	struct rd r = rd_make(b, sizeof b), sub;

	ck_assert_int_eq(rd_vec(&r, 2, 4, 8, &sub), RD_OUT_OF_BOUNDS);
	ck_assert_int_eq(rd_vec(&r, 2, 0, 2, &sub), RD_OUT_OF_BOUNDS);
	ck_assert_int_eq(rd_vec(&r, 4, 0, 8, &sub), RD_OUT_OF_BOUNDS); /* no such width */
	ck_assert_uint_eq(rd_left(&r), sizeof b);
	r = rd_make(b, 4); /* claims 3 bytes, holds 2 */
	ck_assert_int_eq(rd_vec(&r, 2, 0, 8, &sub), RD_SHORT);
	r = rd_make(b, 1); /* not even the length */
	ck_assert_int_eq(rd_vec(&r, 2, 0, 8, &sub), RD_SHORT);
	r = rd_make(b, 4);
	ck_assert_int_eq(rd_vec(&r, 2, 4, 8, &sub), RD_OUT_OF_BOUNDS); /* bounds first */
	r = rd_make(b, sizeof b);
	ck_assert_int_eq(rd_vec(&r, 2, 3, 3, &sub), 0);
	ck_assert_uint_eq(rd_left(&sub), 3);
	ck_assert_uint_eq(sub.p[0], 0xaa);
	ck_assert_uint_eq(rd_left(&r), 1);
	ck_assert_int_eq(rd_vec(&r, 1, 1, 1, &sub), RD_SHORT); /* 0x01: one byte claimed, none left */
}
END_TEST

/* Drafts (0x7fNN) and the experimental code points (0x7eNN) are TLS 1.3
 * for the layouts; nothing else is. */
START_TEST(tls13_predicate)
{
	ck_assert(tls_version_is_13(TLS_VERSION_TLS13));
	ck_assert(tls_version_is_13(0x7f17));
	ck_assert(tls_version_is_13(0x7e02));
	ck_assert(!tls_version_is_13(TLS_VERSION_TLS12));
	ck_assert(!tls_version_is_13(0x0305));
	ck_assert(!tls_version_is_13(0xfefc)); /* DTLS 1.3 */
	ck_assert(tls_version_is_classic(TLS_VERSION_SSL3) && tls_version_is_classic(TLS_VERSION_TLS12));
	ck_assert(!tls_version_is_classic(0x0002) && !tls_version_is_classic(TLS_VERSION_TLS13));
	/* A draft request is read with the TLS 1.3 layout. */
	static const uint8_t req13[] = { 0x00, 0x00, 0x08, 0x00, 0x0d, 0x00, 0x04, 0x00, 0x02, 0x04, 0x03 };
	struct tls_cert_request cr;
	ck_assert_int_eq(tls_cert_request_parse(req13, sizeof req13, 0x7f17, &cr), DIS_OK);
	ck_assert_uint_eq(cr.n_sig_algs, 1);
	ck_assert_int_eq(tls_cert_request_parse(req13, sizeof req13, TLS_VERSION_TLS12, &cr), DIS_INVALID);
}
END_TEST

SUITE_MAIN("tls_certreq", false,
	   CASE("live", 30, live_tls12_three_cas, live_tls12_empty_list, live_tls13_cas_extension,
		live_tls13_no_cas, live_tls13_post_handshake),
	   CASE("bytes", 0, tls12_layout, tls11_and_ssl3_layout, every_prefix_truncated,
		trailing_byte_invalid, vector_bounds, max_types_kept, tls13_layout,
		tls13_duplicate_ca_extension, dn_list_iteration, rd_vec_outcomes, partial_fields_kept,
		tls13_predicate))
