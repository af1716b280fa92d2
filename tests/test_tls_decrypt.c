/* test_tls_decrypt.c - record decryption on real OpenSSL handshakes.
 *
 * Each case runs a real handshake in memory (tests/support), with the
 * client's key log taken from SSL_CTX_set_keylog_callback. The test walks
 * the bytes each side wrote, record by record, puts keys in force where a
 * receiver would (TLS <= 1.2 at ChangeCipherSpec from the master secret,
 * TLS 1.3 from the traffic secrets, switching after Finished and at
 * KeyUpdate), and decrypts. The handshake bytes so obtained (cleartext
 * records, then decrypted ones) must equal what the server's OpenSSL saw
 * itself (its message callback), and the application data must be the
 * "ping" / "pong" the two sides sent. Plus the failure paths: a wrong key
 * fails to authenticate, a lost record breaks the sequence; and the TLS
 * 1.3 key schedule against RFC 8448's vectors. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/ssl.h>

#include "keylog.h"
#include "support/live_handshake.h"
#include "rd.h"
#include "tls_decrypt.h"
#include "tls_handshake.h"
#include "support/suite_run.h"

struct bytes {
	uint8_t *p;
	size_t len;
};

static void put(struct bytes *b, const uint8_t *p, size_t n)
{
	if (n == 0)
		return;
	b->p = realloc(b->p, b->len + n);
	ck_assert(b->p != NULL);
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

/* What a receiver needs from the hellos and the key log. */
struct hs_params {
	const struct keylog_entry *keys;
	const struct tls_suite_info *suite;
	uint8_t client_random[32], server_random[32];
	uint16_t version;
	bool etm;
	bool tls13;
};

struct walk {
	bool client;	 /* the client's bytes */
	struct bytes hs; /* handshake bytes: cleartext, then decrypted */
	size_t hs_walked;
	struct bytes app;
	struct tls_decrypt_dir d;
	bool active, finished, stopped;
	unsigned ccs, decrypted, failed, key_updates;
	uint8_t first_after_finished; /* first handshake type after Finished (0xff none) */
	bool saw_after_finished;
	const struct hs_params *hp;
};

static void keys_13(struct walk *w, enum keylog_secret which)
{
	const struct keylog_secret_value *v = &w->hp->keys->secrets[which];
	ck_assert_msg(v->len > 0, "key log lacks secret %d", which);
	ck_assert_int_eq(tls13_install_secret(&w->d, w->hp->suite, v->bytes, v->len), 0);
	w->active = true;
}

/* Walks whole handshake messages: keys change after Finished / KeyUpdate. */
static void walk_messages(struct walk *w)
{
	struct rd r = rd_make(w->hs.p + w->hs_walked, w->hs.len - w->hs_walked);
	uint8_t type;
	uint32_t len;
	struct rd body;
	while (rd_u8(&r, &type) == 0 && rd_u24(&r, &len) == 0 && rd_view(&r, len, &body) == 0) {
		w->hs_walked += 4 + len;
		if (w->finished && !w->saw_after_finished) {
			w->saw_after_finished = true;
			w->first_after_finished = type;
		}
		if (type == TLS_HS_FINISHED && !w->finished) {
			w->finished = true;
			if (w->hp->tls13)
				keys_13(w, w->client ? KEYLOG_CLIENT_APP : KEYLOG_SERVER_APP);
		} else if (type == TLS_HS_KEY_UPDATE && w->hp->tls13) {
			ck_assert_int_eq(tls13_key_update(&w->d), 0);
			w->key_updates++;
		}
	}
}

static void walk_stream(struct walk *w, const uint8_t *stream, size_t len)
{
	struct rd r = rd_make(stream, len), body;
	uint8_t type, plain[16384 + 2048], inner;
	uint16_t version, rlen;
	size_t n;

	w->first_after_finished = 0xff;
	while (!w->stopped && rd_u8(&r, &type) == 0 && rd_u16(&r, &version) == 0 && rd_u16(&r, &rlen) == 0 &&
	       rd_view(&r, rlen, &body) == 0) {
		if (!w->active) {
			if (w->hp->tls13 && type == 23) {
				keys_13(w, w->client ? KEYLOG_CLIENT_HS : KEYLOG_SERVER_HS);
			} else if (!w->hp->tls13 && type == 20) {
				w->ccs++;
				ck_assert_int_eq(tls12_install_keys(&w->d, w->hp->suite, w->hp->version,
								    w->hp->etm, w->hp->keys->master,
								    w->hp->client_random,
								    w->hp->server_random, w->client),
						 0);
				w->active = true;
				continue;
			} else {
				if (type == 22)
					put(&w->hs, body.p, body.len);
				walk_messages(w);
				continue;
			}
		}
		if (w->hp->tls13 && type == 20)
			continue; /* middlebox-compatibility CCS, never protected */
		if (tls_decrypt_record(&w->d, type, version, body.p, body.len, plain, &n, &inner) !=
		    TLS_DEC_OK) {
			w->failed++;
			return;
		}
		w->decrypted++;
		if (inner == 22) {
			put(&w->hs, plain, n);
			walk_messages(w);
		} else if (inner == 23) {
			put(&w->app, plain, n);
		} else if (inner == 20) {
			w->stopped = true; /* a renegotiation's keys: beyond this test */
		}
	}
}

/* The handshake messages of one side as its peer's OpenSSL saw them. */
static void expected_hs(const struct lh_result *res, bool from_server, struct bytes *out)
{
	for (size_t i = 0; i < res->n_msgs; i++)
		if (res->msgs[i].content_type == 22 && res->msgs[i].from_server == from_server)
			put(out, res->msgs[i].data, res->msgs[i].len);
}

static void params_of(const struct lh_result *res, const struct keylog *kl, struct hs_params *hp)
{
	size_t n;
	uint8_t *ch = lh_wire_msg(res, false, TLS_HS_CLIENT_HELLO, &n);
	uint8_t *sh = lh_wire_msg(res, true, TLS_HS_SERVER_HELLO, &n);
	struct tls_client_hello chp;
	struct tls_server_hello shp;
	ck_assert(ch && sh);
	ck_assert_int_eq(
	    tls_client_hello_parse(ch + 4, n > 0 ? (size_t)((ch[1] << 16) | (ch[2] << 8) | ch[3]) : 0, &chp),
	    DIS_OK);
	ck_assert_int_eq(tls_server_hello_parse(sh + 4, (size_t)((sh[1] << 16) | (sh[2] << 8) | sh[3]), &shp),
			 DIS_OK);
	free(ch);
	free(sh);
	memset(hp, 0, sizeof *hp);
	memcpy(hp->client_random, chp.random, 32);
	memcpy(hp->server_random, shp.random, 32);
	hp->version = shp.selected_version;
	hp->tls13 = shp.selected_version == TLS_VERSION_TLS13;
	hp->etm = shp.has_encrypt_then_mac;
	hp->suite = tls_suite_info(shp.cipher_suite);
	ck_assert_msg(hp->suite != NULL, "suite 0x%04x not in the table", shp.cipher_suite);
	hp->keys = keylog_find(kl, hp->client_random);
	ck_assert_msg(hp->keys != NULL, "the key log has no line for the ClientHello random");
}

struct dec_case {
	const char *name;
	int max_version, min_version;
	const char *tls13_suites;
	const char *tls12_ciphers;
	bool no_etm;
	bool key_update;
	bool post_handshake_auth;
	bool renegotiate;
	uint16_t expect_suite;
	bool expect_etm;
};

static const struct dec_case cases[] = {
    {"TLS 1.3 AES-128-GCM", TLS1_3_VERSION, 0, "TLS_AES_128_GCM_SHA256", NULL, false, false, false, false,
     0x1301, false},
    {"TLS 1.3 AES-256-GCM", TLS1_3_VERSION, 0, "TLS_AES_256_GCM_SHA384", NULL, false, false, false, false,
     0x1302, false},
    {"TLS 1.3 ChaCha20-Poly1305", TLS1_3_VERSION, 0, "TLS_CHACHA20_POLY1305_SHA256", NULL, false, false,
     false, false, 0x1303, false},
    {"TLS 1.3 AES-128-CCM", TLS1_3_VERSION, 0, "TLS_AES_128_CCM_SHA256", NULL, false, false, false, false,
     0x1304, false},
    {"TLS 1.3 key update", TLS1_3_VERSION, 0, "TLS_AES_128_GCM_SHA256", NULL, false, true, false, false,
     0x1301, false},
    {"TLS 1.3 post-handshake auth", TLS1_3_VERSION, 0, "TLS_AES_256_GCM_SHA384", NULL, false, false, true,
     false, 0x1302, false},
    {"TLS 1.2 AES-128-GCM", TLS1_2_VERSION, 0, NULL, "ECDHE-ECDSA-AES128-GCM-SHA256", false, false, false,
     false, 0xC02B, false},
    {"TLS 1.2 AES-256-GCM", TLS1_2_VERSION, 0, NULL, "ECDHE-ECDSA-AES256-GCM-SHA384", false, false, false,
     false, 0xC02C, false},
    {"TLS 1.2 ChaCha20-Poly1305", TLS1_2_VERSION, 0, NULL, "ECDHE-ECDSA-CHACHA20-POLY1305", false, false,
     false, false, 0xCCA9, false},
    {"TLS 1.2 AES-128-CCM", TLS1_2_VERSION, 0, NULL, "ECDHE-ECDSA-AES128-CCM", false, false, false, false,
     0xC0AC, false},
    {"TLS 1.2 AES-256-CCM-8", TLS1_2_VERSION, 0, NULL, "ECDHE-ECDSA-AES256-CCM8", false, false, false, false,
     0xC0AF, false},
    {"TLS 1.2 AES-128-CBC HMAC-SHA1 encrypt-then-MAC", TLS1_2_VERSION, 0, NULL, "ECDHE-ECDSA-AES128-SHA",
     false, false, false, false, 0xC009, true},
    {"TLS 1.2 AES-256-CBC HMAC-SHA1 MAC-then-encrypt", TLS1_2_VERSION, 0, NULL, "ECDHE-ECDSA-AES256-SHA",
     true, false, false, false, 0xC00A, false},
    {"TLS 1.2 AES-128-CBC HMAC-SHA256", TLS1_2_VERSION, 0, NULL, "ECDHE-ECDSA-AES128-SHA256", true, false,
     false, false, 0xC023, false},
    {"TLS 1.2 AES-256-CBC HMAC-SHA384", TLS1_2_VERSION, 0, NULL, "ECDHE-ECDSA-AES256-SHA384", false, false,
     false, false, 0xC024, true},
    {"TLS 1.0 AES-128-CBC (chained IV)", TLS1_VERSION, TLS1_VERSION, NULL,
     "ECDHE-ECDSA-AES128-SHA:@SECLEVEL=0", true, false, false, false, 0xC009, false},
    {"TLS 1.1 AES-256-CBC", TLS1_1_VERSION, TLS1_1_VERSION, NULL, "ECDHE-ECDSA-AES256-SHA:@SECLEVEL=0", true,
     false, false, false, 0xC00A, false},
    {"TLS 1.2 renegotiation", TLS1_2_VERSION, 0, NULL, "ECDHE-ECDSA-AES128-GCM-SHA256", false, false, false,
     true, 0xC02B, false},
};

static int run_case(const struct dec_case *dc, struct lh_result *res, struct keylog **kl)
{
	static const char *const cas[] = {"CN=Corp Root,O=Corp"};
	struct lh_opts o = {0};
	o.max_version = dc->max_version;
	o.min_version = dc->min_version;
	o.tls13_suites = dc->tls13_suites;
	o.tls12_ciphers = dc->tls12_ciphers;
	o.no_encrypt_then_mac = dc->no_etm;
	o.key_update = dc->key_update;
	o.post_handshake_auth = dc->post_handshake_auth;
	o.request_cert = !dc->post_handshake_auth && !dc->renegotiate;
	o.renegotiate = dc->renegotiate;
	o.ca_names = cas;
	o.n_ca_names = 1;
	o.client_has_cert = true;
	o.client_eku = "clientAuth";
	o.client_sends_chain = true;
	o.server_trusts_client_ca = true;
	o.sni = "app.example";
	if (lh_run(&o, res) != 0)
		return -1;
	*kl = keylog_new();
	ck_assert(*kl != NULL);
	ck_assert_uint_gt(keylog_parse(*kl, (const uint8_t *)res->keylog, res->keylog_len, NULL, NULL), 0);
	return 0;
}

/* Both sides' handshake messages, decrypted, as the peers' OpenSSL saw
 * them, and the application data each sent. */
static void assert_whole_exchange(const struct lh_result *res, const struct walk *sw, const struct walk *cw)
{
	struct bytes want_s = {0}, want_c = {0};
	expected_hs(res, true, &want_s);
	expected_hs(res, false, &want_c);
	ck_assert_uint_eq(sw->hs.len, want_s.len);
	ck_assert_mem_eq(sw->hs.p, want_s.p, want_s.len);
	ck_assert_uint_eq(cw->hs.len, want_c.len);
	ck_assert_mem_eq(cw->hs.p, want_c.p, want_c.len);
	ck_assert_uint_eq(sw->app.len, 4);
	ck_assert_mem_eq(sw->app.p, "ping", 4);
	ck_assert_uint_eq(cw->app.len, 4);
	ck_assert_mem_eq(cw->app.p, "pong", 4);
	free(want_s.p);
	free(want_c.p);
}

static void walk_release(struct walk *w)
{
	free(w->hs.p);
	free(w->app.p);
	tls_decrypt_dir_release(&w->d);
}

START_TEST(test_decrypt_live)
{
	const struct dec_case *dc = &cases[_i];
	struct lh_result res;
	struct keylog *kl = NULL;
	struct hs_params hp;

	ck_assert_msg(run_case(dc, &res, &kl) == 0, "%s: handshake setup failed", dc->name);
	/* (A renegotiation over memory BIOs is started, not always finished.) */
	ck_assert_msg((res.client_ok && res.server_ok) || dc->renegotiate, "%s: handshake failed", dc->name);
	params_of(&res, kl, &hp);
	ck_assert_uint_eq(hp.suite->id, dc->expect_suite);
	ck_assert_int_eq(hp.etm, dc->expect_etm);

	struct walk sw = {.client = false, .hp = &hp}, cw = {.client = true, .hp = &hp};
	walk_stream(&sw, res.s2c, res.s2c_len);
	walk_stream(&cw, res.c2s, res.c2s_len);
	ck_assert_msg(sw.failed == 0 && cw.failed == 0, "%s: a record did not authenticate", dc->name);
	ck_assert_uint_gt(sw.decrypted, 0);
	ck_assert_uint_gt(cw.decrypted, 0);

	if (dc->renegotiate) {
		struct bytes want_s = {0}, want_c = {0};
		expected_hs(&res, true, &want_s);
		expected_hs(&res, false, &want_c);
		/* Up to the renegotiation's new keys: the server's HelloRequest
		 * and the client's new ClientHello were decrypted. */
		ck_assert_uint_le(sw.hs.len, want_s.len);
		ck_assert_mem_eq(sw.hs.p, want_s.p, sw.hs.len);
		ck_assert_uint_le(cw.hs.len, want_c.len);
		ck_assert_mem_eq(cw.hs.p, want_c.p, cw.hs.len);
		ck_assert_int_eq(sw.first_after_finished, TLS_HS_HELLO_REQUEST);
		ck_assert_int_eq(cw.first_after_finished, TLS_HS_CLIENT_HELLO);
		struct tls_client_hello ch2;
		uint8_t *second = NULL;
		/* the second ClientHello in the client's decrypted handshake bytes */
		struct rd r = rd_make(cw.hs.p, cw.hs.len), body;
		uint8_t type;
		uint32_t len;
		int hellos = 0;
		while (rd_u8(&r, &type) == 0 && rd_u24(&r, &len) == 0 && rd_view(&r, len, &body) == 0)
			if (type == TLS_HS_CLIENT_HELLO && ++hellos == 2) {
				ck_assert_int_eq(tls_client_hello_parse(body.p, body.len, &ch2), DIS_OK);
				second = (uint8_t *)body.p;
			}
		ck_assert_msg(second != NULL, "no renegotiation ClientHello decrypted");
		/* A new handshake: its own random, by which its keys are found
		 * (the renegotiation samples decrypt it through to the end). */
		ck_assert(memcmp(ch2.random, hp.client_random, 32) != 0);
		free(want_s.p);
		free(want_c.p);
	} else {
		assert_whole_exchange(&res, &sw, &cw);
	}
	if (dc->key_update) {
		ck_assert_uint_eq(sw.key_updates, 1);
		ck_assert_uint_eq(cw.key_updates, 1); /* the client answers update_requested */
	}
	if (dc->post_handshake_auth) {
		/* The post-handshake request and the client's certificate. */
		ck_assert(lh_find(&res, true, TLS_HS_CERTIFICATE_REQUEST, 0) != NULL);
		ck_assert(lh_find(&res, false, TLS_HS_CERTIFICATE, 0) != NULL);
	}
	walk_release(&sw);
	walk_release(&cw);
	keylog_free(kl);
	lh_result_free(&res);
}
END_TEST

/* Every case in turn with one run's algorithms, as the analyzer uses
 * them: each direction borrows the run's HMAC contexts, and takes a
 * cipher context that an earlier direction (of another suite or version,
 * with the same cipher or not) gave back to the run, keyed again in
 * place. Whatever such a context kept from its last use must not change
 * what a record opens to. The first case of a cipher takes a context of
 * another cipher; the later ones, of other versions and suites, one their
 * cipher left behind. */
START_TEST(test_decrypt_shared_run)
{
	struct tls_crypto *run = tls_crypto_new();
	ck_assert(run != NULL);
	unsigned opened = 0;
	for (size_t k = 0; k < (size_t)N_TESTS(cases); k++) {
		const struct dec_case *dc = &cases[k];
		if (dc->renegotiate)
			continue; /* its second handshake is beyond the walk */
		struct lh_result res;
		struct keylog *kl = NULL;
		struct hs_params hp;
		ck_assert_msg(run_case(dc, &res, &kl) == 0, "%s: handshake setup failed", dc->name);
		params_of(&res, kl, &hp);
		struct walk sw = {.client = false, .hp = &hp}, cw = {.client = true, .hp = &hp};
		sw.d.crypto = cw.d.crypto = run;
		walk_stream(&sw, res.s2c, res.s2c_len);
		walk_stream(&cw, res.c2s, res.c2s_len);
		ck_assert_msg(sw.failed == 0 && cw.failed == 0, "%s: a record did not open", dc->name);
		assert_whole_exchange(&res, &sw, &cw);
		opened += sw.decrypted + cw.decrypted;
		walk_release(&sw);
		walk_release(&cw);
		ck_assert(sw.d.crypto == run && cw.d.crypto == run); /* kept by a release */
		keylog_free(kl);
		lh_result_free(&res);
	}
	ck_assert_uint_gt(opened, 2 * N_TESTS(cases));
	tls_crypto_free(run);
}
END_TEST

/* The first record a side protects: after its CCS (TLS <= 1.2), or its
 * first application_data record (TLS 1.3). */
static struct rd first_protected(const uint8_t *stream, size_t len, bool tls13)
{
	struct rd r = rd_make(stream, len), body = {0};
	uint8_t type;
	uint16_t version, rlen;
	bool after_ccs = false;
	while (rd_u8(&r, &type) == 0 && rd_u16(&r, &version) == 0 && rd_u16(&r, &rlen) == 0 &&
	       rd_view(&r, rlen, &body) == 0) {
		if (tls13 ? type == 23 : after_ccs)
			return body;
		if (type == 20)
			after_ccs = true;
	}
	ck_abort_msg("no protected record");
	return body;
}

/* A wrong master secret, a wrong traffic secret, a lost record, a
 * flipped byte: each fails to authenticate instead of yielding bytes. */
START_TEST(test_decrypt_failures)
{
	for (int k = 0; k < 2; k++) {
		const struct dec_case *dc = &cases[k == 0 ? 6 /* TLS 1.2 GCM */ : 0 /* TLS 1.3 */];
		struct lh_result res;
		struct keylog *kl = NULL;
		struct hs_params hp;
		ck_assert_int_eq(run_case(dc, &res, &kl), 0);
		params_of(&res, kl, &hp);
		struct keylog_entry bad = *hp.keys;
		bad.master[0] ^= 1;
		for (int i = 0; i < KEYLOG_N_SECRETS; i++)
			bad.secrets[i].bytes[0] ^= 1;
		struct hs_params badp = hp;
		badp.keys = &bad;
		struct walk w = {.client = false, .hp = &badp};
		walk_stream(&w, res.s2c, res.s2c_len);
		ck_assert_uint_eq(w.failed, 1);
		ck_assert_uint_eq(w.decrypted, 0);
		tls_decrypt_dir_release(&w.d);
		free(w.hs.p);
		free(w.app.p);

		/* Right keys, but a record skipped: the sequence number is off. */
		struct tls_decrypt_dir d;
		tls_decrypt_dir_init(&d);
		if (hp.tls13)
			ck_assert_int_eq(tls13_install_secret(&d, hp.suite,
							      hp.keys->secrets[KEYLOG_SERVER_HS].bytes,
							      hp.keys->secrets[KEYLOG_SERVER_HS].len),
					 0);
		else
			ck_assert_int_eq(tls12_install_keys(&d, hp.suite, hp.version, hp.etm, hp.keys->master,
							    hp.client_random, hp.server_random, false),
					 0);
		d.seq = 1;
		/* the first protected record of the server */
		struct rd body = first_protected(res.s2c, res.s2c_len, hp.tls13);
		uint8_t out[16384 + 2048], type;
		size_t n;
		ck_assert_int_eq(
		    tls_decrypt_record(&d, hp.tls13 ? 23 : 22, 0x0303, body.p, body.len, out, &n, &type),
		    TLS_DEC_BAD);
		/* In sequence it opens; with one byte changed it does not. */
		d.seq = 0;
		ck_assert_int_eq(
		    tls_decrypt_record(&d, hp.tls13 ? 23 : 22, 0x0303, body.p, body.len, out, &n, &type),
		    TLS_DEC_OK);
		uint8_t copy[16384 + 2048];
		memcpy(copy, body.p, body.len);
		copy[body.len - 1] ^= 0x80;
		d.seq = 0;
		ck_assert_int_eq(
		    tls_decrypt_record(&d, hp.tls13 ? 23 : 22, 0x0303, copy, body.len, out, &n, &type),
		    TLS_DEC_BAD);
		/* Too short to hold a tag: not a ciphertext at all. */
		ck_assert_int_eq(tls_decrypt_record(&d, hp.tls13 ? 23 : 22, 0x0303, copy, 3, out, &n, &type),
				 TLS_DEC_ERROR);
		tls_decrypt_dir_release(&d);
		keylog_free(kl);
		lh_result_free(&res);
	}
	/* No keys installed. */
	struct tls_decrypt_dir none;
	uint8_t in[32] = {0}, out[32], type;
	size_t n;
	tls_decrypt_dir_init(&none);
	ck_assert_int_eq(tls_decrypt_record(&none, 23, 0x0303, in, sizeof in, out, &n, &type), TLS_DEC_ERROR);
	ck_assert(tls_suite_info(0x0004) == NULL); /* RC4: not decrypted */
}
END_TEST

static void unhex(const char *h, uint8_t *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned v;
		ck_assert_int_eq(sscanf(h + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
}

/* RFC 8448 3 (simple 1-RTT handshake): the server handshake traffic
 * secret gives the listed key and IV; the server application secret too. */
START_TEST(test_rfc8448_key_schedule)
{
	static const struct {
		const char *secret, *key, *iv;
	} vectors[] = {
		{"b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38",
		 "3fce516009c21727d0f2e4e86ee403bc", "5d313eb2671276ee13000b30"},
		{"a11af9f05531f856ad47116b45a950328204b4f44bfb6b3a4b4f1f3fcb631643",
		 "9f02283b6c9c07efc26bb9f2ac92e356", "cf782b88dd83549aadf1e984"},
	};
	for (size_t i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
		uint8_t secret[32], key[16], iv[12], want_key[16], want_iv[12];
		unhex(vectors[i].secret, secret, 32);
		unhex(vectors[i].key, want_key, 16);
		unhex(vectors[i].iv, want_iv, 12);
		ck_assert_int_eq(tls13_expand_label("SHA256", secret, 32, "key", key, 16), 0);
		ck_assert_int_eq(tls13_expand_label("SHA256", secret, 32, "iv", iv, 12), 0);
		ck_assert_mem_eq(key, want_key, 16);
		ck_assert_mem_eq(iv, want_iv, 12);
	}
}
END_TEST

/* Every suite of the table has a cipher (and MAC) OpenSSL knows. */
START_TEST(test_suite_table)
{
	static const uint16_t some[] = {0x1301, 0x1302, 0x1303, 0x1304, 0x1305, 0xC02B, 0xC030, 0xCCA8,
					0xC0AE, 0xC09D, 0x002F, 0x0035, 0x000A, 0x003D, 0xC028};
	for (size_t i = 0; i < sizeof some / sizeof some[0]; i++) {
		const struct tls_suite_info *s = tls_suite_info(some[i]);
		ck_assert_msg(s != NULL, "0x%04x", some[i]);
		struct tls_decrypt_dir d;
		uint8_t secret[48] = {1}, master[48] = {2}, cr[32] = {3}, sr[32] = {4};
		tls_decrypt_dir_init(&d);
		if (s->tls13)
			ck_assert_int_eq(tls13_install_secret(&d, s, secret, 32), 0);
		else
			ck_assert_int_eq(tls12_install_keys(&d, s, 0x0303, true, master, cr, sr, true), 0);
		ck_assert(tls_decrypt_dir_ready(&d));
		tls_decrypt_dir_release(&d);
	}
}
END_TEST

SUITE_MAIN("tls_decrypt", false, LOOP_CASE("live", 120, N_TESTS(cases), test_decrypt_live),
	   CASE("live", 120, test_decrypt_failures, test_decrypt_shared_run, test_rfc8448_key_schedule,
		test_suite_table))
