/* ClientHello: real hellos from an OpenSSL client, then SSL 3.0, SSLv2
 * and every RFC bound by hand. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/ssl.h>

#include "support/live_handshake.h"
#include "tls_handshake.h"
#include "support/cuts.h"
#include "support/suite_run.h"

static enum dis_status live_hello(const struct lh_result *res, struct tls_client_hello *ch)
{
	const struct lh_msg *m = lh_find(res, false, TLS_HS_CLIENT_HELLO, 0);

	ck_assert_ptr_nonnull(m);
	return tls_client_hello_parse(m->data + 4, m->len - 4, ch);
}

static enum dis_status parse_hello(const uint8_t *p, size_t n)
{
	struct tls_client_hello ch;
	return tls_client_hello_parse(p, n, &ch);
}

START_TEST(live_tls13_hello)
{
	struct lh_opts o = { .max_version = TLS1_3_VERSION, .post_handshake_auth = true, .sni = "app.example",
			     .alpn = "h2" };
	struct lh_result res;
	struct tls_client_hello ch;

	ck_assert_int_eq(lh_run(&o, &res), 0);
	ck_assert_int_eq(live_hello(&res, &ch), DIS_OK);
	ck_assert(!ch.sslv2_format);
	ck_assert_uint_eq(ch.legacy_version, 0x0303);
	ck_assert_str_eq(ch.sni, "app.example");
	ck_assert_uint_eq(ch.n_alpn, 1);
	ck_assert_str_eq(ch.alpn[0], "h2");
	ck_assert(ch.has_post_handshake_auth);
	ck_assert_uint_ge(ch.n_versions, 2);
	ck_assert_uint_eq(ch.versions[0], 0x0304);
	ck_assert_uint_eq(ch.session_id_len, 32); /* middlebox compatibility mode */
	ck_assert(ch.has_session_ticket_ext);
	ck_assert_uint_eq(ch.session_ticket_len, 0);
	ck_assert(!ch.has_pre_shared_key);
	ck_assert_uint_gt(ch.n_cipher_suites, 3);
	ck_assert_uint_gt(ch.n_extensions, 5);
	/* the same bytes straight off the wire */
	size_t wire_len = 0;
	uint8_t *wire = lh_wire_msg(&res, false, TLS_HS_CLIENT_HELLO, &wire_len);
	ck_assert_ptr_nonnull(wire);
	ck_assert_int_eq(tls_client_hello_parse(wire + 4, wire_len - 4, &ch), DIS_OK);
	ck_assert_str_eq(ch.sni, "app.example");
	/* every strict prefix is short, never invalid; the one ending after
	 * the compression methods reads as an extension-less hello */
	size_t no_ext = 2 + 32 + 1 + ch.session_id_len + 2 + 2 * ch.n_cipher_suites + 2;
	expect_cuts_short(parse_hello, wire + 4, wire_len - 4, no_ext);
	free(wire);
	lh_result_free(&res);
}
END_TEST

START_TEST(live_tls12_hello)
{
	struct lh_opts o = { .max_version = TLS1_2_VERSION };
	struct lh_result res;
	struct tls_client_hello ch;

	ck_assert_int_eq(lh_run(&o, &res), 0);
	ck_assert_int_eq(live_hello(&res, &ch), DIS_OK);
	ck_assert_uint_eq(ch.legacy_version, 0x0303);
	ck_assert_uint_eq(ch.n_versions, 0); /* no supported_versions below 1.3 */
	ck_assert_str_eq(ch.sni, "");
	ck_assert_uint_eq(ch.n_alpn, 0);
	ck_assert(!ch.has_post_handshake_auth);
	/* OpenSSL signals secure renegotiation one way or the other */
	ck_assert(ch.has_renegotiation_info || ch.offers_reneg_scsv);
	lh_result_free(&res);
}
END_TEST

/* The lists JA4 is made of, from a client configured with known ones:
 * two TLS 1.2 suites (OpenSSL adds the renegotiation SCSV), two groups,
 * ALPN "h2" raw. */
START_TEST(live_lists)
{
	struct lh_opts o = { .max_version = TLS1_2_VERSION,
			     .tls12_ciphers = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384",
			     .client_groups = "X25519:P-256",
			     .alpn = "h2" };
	struct lh_result res;
	struct tls_client_hello ch;
	bool saw_sig_algs_ext = false, saw_groups_ext = false;

	ck_assert_int_eq(lh_run(&o, &res), 0);
	ck_assert_int_eq(live_hello(&res, &ch), DIS_OK);
	ck_assert_uint_eq(ch.n_cipher_suites, 3);
	ck_assert_uint_eq(ch.cipher_suites[0], 0xc02b);
	ck_assert_uint_eq(ch.cipher_suites[1], 0xc02c);
	ck_assert_uint_eq(ch.cipher_suites[2], 0x00ff);
	ck_assert_uint_eq(ch.n_groups, 2);
	ck_assert_uint_eq(ch.groups[0], 0x001d);
	ck_assert_uint_eq(ch.groups[1], 0x0017);
	ck_assert_uint_eq(ch.alpn_first_len, 2);
	ck_assert_uint_eq(ch.alpn_first_byte, 'h');
	ck_assert_uint_eq(ch.alpn_last_byte, '2');
	ck_assert_uint_le(ch.n_extensions, TLS_CH_MAX_EXTENSIONS);
	for (size_t i = 0; i < ch.n_extensions; i++) {
		saw_sig_algs_ext |= ch.ext_types[i] == TLS_EXT_SIGNATURE_ALGORITHMS;
		saw_groups_ext |= ch.ext_types[i] == TLS_EXT_SUPPORTED_GROUPS;
	}
	ck_assert(saw_sig_algs_ext && saw_groups_ext);
	ck_assert_uint_gt(ch.n_sig_algs, 4);
	lh_result_free(&res);
}
END_TEST

/* SSL 3.0 style: no extensions; suites {0x000a, 0x00ff}. */
static const uint8_t ssl3_hello[] = {
	0x03, 0x00, /* version */
	1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27,
	28, 29, 30, 31, 32, /* random */
	0x00,                         /* session id */
	0x00, 0x04, 0x00, 0x0a, 0x00, 0xff, /* cipher suites */
	0x01, 0x00,                   /* compression */
};

START_TEST(ssl3_without_extensions)
{
	struct tls_client_hello ch;
	uint8_t b[sizeof ssl3_hello + 2];

	ck_assert_int_eq(tls_client_hello_parse(ssl3_hello, sizeof ssl3_hello, &ch), DIS_OK);
	ck_assert_uint_eq(ch.legacy_version, 0x0300);
	ck_assert_uint_eq(ch.random[31], 32);
	ck_assert_uint_eq(ch.n_cipher_suites, 2);
	ck_assert(ch.offers_reneg_scsv);
	ck_assert_uint_eq(ch.n_extensions, 0);
	for (size_t n = 0; n < sizeof ssl3_hello; n++)
		ck_assert_int_eq(tls_client_hello_parse(ssl3_hello, n, &ch), DIS_TRUNCATED);
	/* an empty extensions block is allowed (TLS 1.2 extensions<0..2^16-1>) */
	memcpy(b, ssl3_hello, sizeof ssl3_hello);
	b[sizeof ssl3_hello] = 0;
	b[sizeof ssl3_hello + 1] = 0;
	ck_assert_int_eq(tls_client_hello_parse(b, sizeof b, &ch), DIS_OK);
	/* one stray byte after the compression methods is not an extension block */
	ck_assert_int_eq(tls_client_hello_parse(b, sizeof b - 1, &ch), DIS_TRUNCATED);
}
END_TEST

static size_t build(uint8_t *b, const uint8_t *ext, size_t ext_len)
{
	memcpy(b, ssl3_hello, sizeof ssl3_hello);
	b[sizeof ssl3_hello] = (uint8_t)(ext_len >> 8);
	b[sizeof ssl3_hello + 1] = (uint8_t)ext_len;
	memcpy(b + sizeof ssl3_hello + 2, ext, ext_len);
	return sizeof ssl3_hello + 2 + ext_len;
}

START_TEST(field_bounds)
{
	struct tls_client_hello ch;
	uint8_t b[128];

	memcpy(b, ssl3_hello, sizeof ssl3_hello);
	b[34] = 33; /* legacy_session_id<0..32> */
	ck_assert_int_eq(tls_client_hello_parse(b, sizeof ssl3_hello, &ch), DIS_INVALID);
	memcpy(b, ssl3_hello, sizeof ssl3_hello);
	b[36] = 0; /* cipher_suites<2..2^16-2>: empty */
	ck_assert_int_eq(tls_client_hello_parse(b, sizeof ssl3_hello, &ch), DIS_INVALID);
	b[36] = 3; /* odd */
	ck_assert_int_eq(tls_client_hello_parse(b, sizeof ssl3_hello, &ch), DIS_INVALID);
	memcpy(b, ssl3_hello, sizeof ssl3_hello);
	b[41] = 0; /* compression<1..2^8-1>: empty */
	ck_assert_int_eq(tls_client_hello_parse(b, sizeof ssl3_hello - 1, &ch), DIS_INVALID);
}
END_TEST

START_TEST(extensions_by_hand)
{
	static const uint8_t good[] = {
		0x00, 0x00, 0x00, 0x0a, 0x00, 0x08, 0x00, 0x00, 0x05, 'a', '\n', 'b', 'c', 'd', /* SNI, sanitized */
		0x00, 0x10, 0x00, 0x09, 0x00, 0x07, 0x02, 'h', '2', 0x03, 'f', 'o', 'o',          /* ALPN */
		0x00, 0x2b, 0x00, 0x05, 0x04, 0x7a, 0x7a, 0x03, 0x04,                               /* versions */
		0x00, 0x31, 0x00, 0x00,                                                             /* PHA */
		0xff, 0x01, 0x00, 0x01, 0x00,                                                       /* reneg */
		0x00, 0x23, 0x00, 0x03, 0xaa, 0xbb, 0xcc,                                           /* ticket */
		0x00, 0x2a, 0x00, 0x00,                                                             /* early */
	};
	struct tls_client_hello ch;
	uint8_t b[256], e[sizeof good];
	size_t n = build(b, good, sizeof good);

	ck_assert_int_eq(tls_client_hello_parse(b, n, &ch), DIS_OK);
	ck_assert_str_eq(ch.sni, "a?bcd");
	ck_assert_uint_eq(ch.n_alpn, 2);
	ck_assert_str_eq(ch.alpn[1], "foo");
	ck_assert_uint_eq(ch.n_versions, 2);
	ck_assert_uint_eq(ch.versions[0], 0x7a7a);
	ck_assert(ch.has_post_handshake_auth && ch.has_renegotiation_info && ch.has_early_data);
	ck_assert_uint_eq(ch.session_ticket_len, 3);
	ck_assert_uint_eq(ch.n_extensions, 7);
	b[n] = 0;
	ck_assert_int_eq(tls_client_hello_parse(b, n + 1, &ch), DIS_INVALID); /* trailing */

	memcpy(e, good, sizeof good);
	e[39] = 1; /* PHA with a body */
	e[40] = 0;
	n = build(b, e, sizeof e);
	ck_assert_int_ne(tls_client_hello_parse(b, n, &ch), DIS_OK);
	memcpy(e, good, sizeof good);
	e[20] = 0; /* ALPN ProtocolName<1..2^8-1>: empty name */
	n = build(b, e, sizeof e);
	ck_assert_int_eq(tls_client_hello_parse(b, n, &ch), DIS_INVALID);
	memcpy(e, good, sizeof good);
	e[31] = 3; /* supported_versions: odd length */
	n = build(b, e, sizeof e);
	ck_assert_int_eq(tls_client_hello_parse(b, n, &ch), DIS_INVALID);
	memcpy(e, good, sizeof good);
	e[3] = 0x40; /* SNI extension longer than the extensions block */
	n = build(b, e, sizeof e);
	ck_assert_int_eq(tls_client_hello_parse(b, n, &ch), DIS_INVALID);
	/* the extensions block longer than the message: short capture */
	n = build(b, good, sizeof good);
	ck_assert_int_eq(tls_client_hello_parse(b, n - 1, &ch), DIS_TRUNCATED);
}
END_TEST

/* The kept lists: GREASE kept as sent, order kept, counts beyond the
 * arrays, the first of a repeated extension, malformed lists refused. */
START_TEST(lists_by_hand)
{
	static const uint8_t good[] = {
		0x3a, 0x3a, 0x00, 0x00,                                     /* GREASE extension */
		0x00, 0x0d, 0x00, 0x08, 0x00, 0x06, 0x08, 0x04, 0x04, 0x03, 0x1a, 0x1a, /* sig algs */
		0x00, 0x0a, 0x00, 0x06, 0x00, 0x04, 0x2a, 0x2a, 0x00, 0x1d, /* groups */
		0x00, 0x0d, 0x00, 0x04, 0x00, 0x02, 0x06, 0x01,             /* sig algs again */
		0x00, 0x10, 0x00, 0x06, 0x00, 0x04, 0x03, 0x00, 'a', 0xff,  /* ALPN, raw bytes */
	};
	struct tls_client_hello ch;
	uint8_t b[512], e[sizeof good];
	size_t n = build(b, good, sizeof good);

	ck_assert_int_eq(tls_client_hello_parse(b, n, &ch), DIS_OK);
	ck_assert_uint_eq(ch.n_extensions, 5);
	ck_assert_uint_eq(ch.ext_types[0], 0x3a3a);
	ck_assert_uint_eq(ch.ext_types[4], TLS_EXT_ALPN);
	ck_assert_uint_eq(ch.n_sig_algs, 3);
	ck_assert_uint_eq(ch.sig_algs[0], 0x0804);
	ck_assert_uint_eq(ch.sig_algs[2], 0x1a1a);
	ck_assert_uint_eq(ch.n_groups, 2);
	ck_assert_uint_eq(ch.groups[0], 0x2a2a);
	ck_assert_uint_eq(ch.alpn_first_len, 3);
	ck_assert_uint_eq(ch.alpn_first_byte, 0x00);
	ck_assert_uint_eq(ch.alpn_last_byte, 0xff);
	ck_assert(tls_is_grease(0x0a0a) && tls_is_grease(0xfafa) && !tls_is_grease(0x0a1a) && !tls_is_grease(0x0b0b));

	memcpy(e, good, sizeof good);
	e[9] = 5; /* signature_algorithms: odd list length */
	n = build(b, e, sizeof e);
	ck_assert_int_eq(tls_client_hello_parse(b, n, &ch), DIS_INVALID);
	memcpy(e, good, sizeof good);
	e[21] = 0; /* supported_groups: empty list (named_group_list<2..2^16-1>) */
	n = build(b, e, sizeof e);
	ck_assert_int_eq(tls_client_hello_parse(b, n, &ch), DIS_INVALID);

	/* More suites than kept: all counted, the first ones kept. */
	uint8_t big[44 + 2 * 200];
	memcpy(big, ssl3_hello, 35);                      /* version, random, empty session id */
	big[35] = (uint8_t)((2 * 200) >> 8);
	big[36] = (uint8_t)(2 * 200);
	for (int i = 0; i < 200; i++) {
		big[37 + 2 * i] = 0xc0;
		big[38 + 2 * i] = (uint8_t)i;
	}
	big[37 + 400] = 1;
	big[38 + 400] = 0;
	ck_assert_int_eq(tls_client_hello_parse(big, 39 + 400, &ch), DIS_OK);
	ck_assert_uint_eq(ch.n_cipher_suites, 200);
	ck_assert_uint_eq(ch.cipher_suites[TLS_CH_MAX_SUITES - 1], 0xc000 + TLS_CH_MAX_SUITES - 1);
}
END_TEST

START_TEST(pre_shared_key)
{
	uint8_t ext[4 + 2 + 9 + 2 + 33], b[256];
	struct tls_client_hello ch;
	size_t n;

	memset(ext, 0, sizeof ext);
	ext[1] = 0x29;              /* pre_shared_key */
	ext[3] = 2 + 9 + 2 + 33;    /* extension length */
	ext[5] = 9;                 /* identities: one of 3 bytes + 4-byte age */
	ext[7] = 3;
	ext[16] = 33;               /* binders: one of 32 */
	ext[17] = 32;
	n = build(b, ext, sizeof ext);
	ck_assert_int_eq(tls_client_hello_parse(b, n, &ch), DIS_OK);
	ck_assert(ch.has_pre_shared_key);
	ext[17] = 31; /* PskBinderEntry<32..255> */
	n = build(b, ext, sizeof ext);
	ck_assert_int_eq(tls_client_hello_parse(b, n, &ch), DIS_INVALID);
}
END_TEST

/* SSLv2 CLIENT-HELLO as old clients sent it: version 3.1, three
 * V2CipherSpecs (one SSLv2 kind, two TLS suites incl. the SCSV), no
 * session id, 16-byte challenge. */
static const uint8_t v2_hello[] = {
	0x01, 0x03, 0x01, 0x00, 0x09, 0x00, 0x00, 0x00, 0x10,
	0x07, 0x00, 0xc0, 0x00, 0x00, 0x2f, 0x00, 0x00, 0xff,
	0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf,
};

START_TEST(sslv2_hello)
{
	struct tls_client_hello ch;
	uint8_t b[sizeof v2_hello + 1];

	ck_assert_int_eq(tls_sslv2_client_hello_parse(v2_hello, sizeof v2_hello, &ch), DIS_OK);
	ck_assert(ch.sslv2_format);
	ck_assert_uint_eq(ch.legacy_version, 0x0301);
	ck_assert_uint_eq(ch.n_cipher_suites, 3);
	ck_assert(ch.offers_reneg_scsv);
	ck_assert_uint_eq(ch.session_id_len, 0);
	ck_assert_uint_eq(ch.random[0], 0);
	ck_assert_uint_eq(ch.random[15], 0);
	ck_assert_uint_eq(ch.random[16], 0xa0);
	ck_assert_uint_eq(ch.random[31], 0xaf);
	for (size_t n = 0; n < sizeof v2_hello; n++)
		ck_assert_int_eq(tls_sslv2_client_hello_parse(v2_hello, n, &ch), DIS_TRUNCATED);
	memcpy(b, v2_hello, sizeof v2_hello);
	b[sizeof v2_hello] = 0;
	ck_assert_int_eq(tls_sslv2_client_hello_parse(b, sizeof b, &ch), DIS_INVALID);
	b[4] = 8; /* cipher specs are 3 bytes each */
	ck_assert_int_eq(tls_sslv2_client_hello_parse(b, sizeof v2_hello, &ch), DIS_INVALID);
	memcpy(b, v2_hello, sizeof v2_hello);
	b[8] = 15; /* challenge 16..32 */
	ck_assert_int_eq(tls_sslv2_client_hello_parse(b, sizeof v2_hello, &ch), DIS_INVALID);
	memcpy(b, v2_hello, sizeof v2_hello);
	b[0] = 2; /* not a CLIENT-HELLO */
	ck_assert_int_eq(tls_sslv2_client_hello_parse(b, sizeof v2_hello, &ch), DIS_INVALID);
}
END_TEST

SUITE_MAIN("tls_client_hello", false, CASE("live", 30, live_tls13_hello, live_tls12_hello, live_lists),
	   CASE("bytes", 0, ssl3_without_extensions, field_bounds, extensions_by_hand, lists_by_hand,
		pre_shared_key, sslv2_hello))
