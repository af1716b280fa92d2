/* test_an_decrypt.c - decryption inside the connection model: the bytes of
 * real OpenSSL handshakes (tests/support) go through conn_feed with the
 * client's key log, for the suites the samples do not use (CBC with and
 * without encrypt-then-MAC, CCM, CCM-8, ChaCha20-Poly1305, TLS 1.0, TLS
 * 1.3 key updates and post-handshake authentication). The decrypted
 * CertificateRequest and client Certificate must land in the same model
 * fields as cleartext ones, marked decrypted; with a wrong key the model
 * says so once and keeps the cleartext facts. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/ssl.h>

#include "model/conn.h"
#include "keylog.h"
#include "support/live_handshake.h"
#include "support/suite_run.h"

struct an_case {
	const char *name;
	int version;
	const char *tls13_suites;
	const char *tls12_ciphers;
	bool no_etm;
	bool key_update;
	bool post_handshake_auth;
	bool client_has_cert;
	bool hello_retry; /* the server wants another key share first */
};

static const struct an_case cases[] = {
    {"TLS 1.3 ChaCha20-Poly1305", TLS1_3_VERSION, "TLS_CHACHA20_POLY1305_SHA256", NULL, false, false, false,
     true, false},
    {"TLS 1.3 AES-128-CCM, empty certificate", TLS1_3_VERSION, "TLS_AES_128_CCM_SHA256", NULL, false, false,
     false, false, false},
    {"TLS 1.3 key update", TLS1_3_VERSION, "TLS_AES_128_GCM_SHA256", NULL, false, true, false, true, false},
    {"TLS 1.3 post-handshake auth", TLS1_3_VERSION, "TLS_AES_256_GCM_SHA384", NULL, false, false, true, true,
     false},
    {"TLS 1.2 CBC SHA1 encrypt-then-MAC", TLS1_2_VERSION, NULL, "ECDHE-ECDSA-AES128-SHA", false, false, false,
     true, false},
    {"TLS 1.2 CBC SHA384", TLS1_2_VERSION, NULL, "ECDHE-ECDSA-AES256-SHA384", true, false, false, true,
     false},
    {"TLS 1.2 CCM-8", TLS1_2_VERSION, NULL, "ECDHE-ECDSA-AES128-CCM8", false, false, false, true, false},
    {"TLS 1.2 ChaCha20-Poly1305", TLS1_2_VERSION, NULL, "ECDHE-ECDSA-CHACHA20-POLY1305", false, false, false,
     true, false},
    {"TLS 1.0 CBC", TLS1_VERSION, NULL, "ECDHE-ECDSA-AES256-SHA:@SECLEVEL=0", true, false, false, true,
     false},
    {"TLS 1.3 after a HelloRetryRequest", TLS1_3_VERSION, "TLS_AES_128_GCM_SHA256", NULL, false, false, false,
     true, true},
};

/* One side's bytes as TCP would deliver them, in 1000-byte pieces, each
 * its own frame (records and messages span pieces). */
static void feed(struct tls_conn *c, struct conn_parser *p, enum side s, const uint8_t *data, size_t n,
		 uint64_t *frame)
{
	for (size_t off = 0; off < n; off += 1000) {
		struct tcp_frame_ref at = {++*frame, (int64_t)*frame * 1000};
		conn_feed(c, p, s, data + off, n - off < 1000 ? n - off : 1000, &at);
	}
}

static void run(const struct an_case *ac, bool wrong_key, struct tls_conn *c, struct lh_result *res)
{
	static const char *const cas[] = {"CN=Corp Root,O=Corp"};
	struct lh_opts o = {0};
	o.max_version = ac->version;
	o.min_version = ac->version == TLS1_VERSION ? TLS1_VERSION : 0;
	o.tls13_suites = ac->tls13_suites;
	o.tls12_ciphers = ac->tls12_ciphers;
	o.no_encrypt_then_mac = ac->no_etm;
	o.key_update = ac->key_update;
	o.post_handshake_auth = ac->post_handshake_auth;
	o.request_cert = !ac->post_handshake_auth;
	o.ca_names = cas;
	o.n_ca_names = 1;
	o.client_has_cert = ac->client_has_cert;
	o.client_eku = "clientAuth";
	o.client_sends_chain = true;
	o.server_trusts_client_ca = true;
	if (ac->hello_retry) {
		o.client_groups = "X25519:P-256";
		o.server_groups = "P-256";
	}
	ck_assert_int_eq(lh_run(&o, res), 0);
	ck_assert_msg(res->client_ok && res->server_ok, "%s: handshake failed", ac->name);

	if (wrong_key) {
		/* Every secret's last hex digit changed. */
		for (size_t i = 0; i + 1 < res->keylog_len; i++)
			if (res->keylog[i + 1] == '\n')
				res->keylog[i] = res->keylog[i] == '0' ? '1' : '0';
	}
	struct keylog *kl = keylog_new();
	ck_assert_uint_gt(keylog_parse(kl, (const uint8_t *)res->keylog, res->keylog_len, NULL, NULL), 0);
	struct conn_parser p;
	tls_conn_init(c);
	conn_parser_init(&p, 1u << 20);
	conn_parser_set_keylog(&p, c, kl);
	uint64_t frame = 0;
	/* The ClientHello record, then all the server's bytes, then the rest
	 * of the client's: the ServerHello (with the ClientHello's random)
	 * puts the keys in force, and each side's records are decrypted in
	 * its own order, whatever the interleaving. */
	ck_assert_uint_ge(res->c2s_len, 5);
	size_t hello = 5 + (size_t)((res->c2s[3] << 8) | res->c2s[4]);
	ck_assert_uint_le(hello, res->c2s_len);
	feed(c, &p, SIDE_CLIENT, res->c2s, hello, &frame);
	feed(c, &p, SIDE_SERVER, res->s2c, res->s2c_len, &frame);
	feed(c, &p, SIDE_CLIENT, res->c2s + hello, res->c2s_len - hello, &frame);
	conn_finish(c, &p);
	conn_parser_release(&p);
	keylog_free(kl);
}

START_TEST(test_decrypted_facts)
{
	const struct an_case *ac = &cases[_i];
	struct tls_conn c;
	struct lh_result res;
	run(ac, false, &c, &res);
	bool tls13 = ac->version == TLS1_3_VERSION;

	ck_assert_int_eq(c.hello_retry, ac->hello_retry);
	ck_assert_msg(!c.decrypt_failed, "%s: a record did not authenticate (frame %llu)", ac->name,
		      (unsigned long long)c.decrypt_fail_frame);
	ck_assert(c.keys_found);
	ck_assert_uint_gt(c.records_decrypted, 0);
	ck_assert_uint_eq(c.n_requests, 1);
	ck_assert_int_eq(c.requests[0].visibility, tls13 ? VIS_DECRYPTED : VIS_CLEARTEXT);
	ck_assert_int_eq(c.requests[0].phase, ac->post_handshake_auth ? PHASE_POST_HANDSHAKE : PHASE_INITIAL);
	ck_assert_uint_eq(c.requests[0].n_ca_names, 1);
	ck_assert_str_eq(c.requests[0].ca_names[0], "CN=Corp Root,O=Corp");
	ck_assert_int_eq(c.cc_status, ac->client_has_cert ? CC_PRESENT : CC_EMPTY);
	ck_assert_int_eq(c.cc_visibility, tls13 ? VIS_DECRYPTED : VIS_CLEARTEXT);
	if (ac->client_has_cert) {
		ck_assert_uint_eq(c.client_chain.n_certs, 2);
		ck_assert(c.client_chain.certs[0].parsed);
		ck_assert_uint_eq(c.client_chain.certs[0].der_len, res.client_cert_der_len);
		ck_assert(c.cert_verify_frame != 0);
	}
	/* Both Finished messages were read, as decrypted handshake messages. */
	ck_assert(c.finished_seen[SIDE_CLIENT] && c.finished_seen[SIDE_SERVER]);
	size_t finished = 0, key_updates = 0, app = 0;
	for (size_t i = 0; i < c.n_events; i++) {
		const struct conn_event *e = &c.events[i];
		if (e->kind == EV_HANDSHAKE && e->hs_type == 20) {
			ck_assert(e->decrypted);
			finished++;
		}
		if (e->kind == EV_HANDSHAKE && e->hs_type == 24)
			key_updates++;
		if (e->kind == EV_APP_DATA)
			app++;
		ck_assert(e->kind != EV_ENC_HANDSHAKE);
	}
	ck_assert_uint_ge(finished, ac->post_handshake_auth ? 3 : 2);
	ck_assert_uint_eq(key_updates, ac->key_update ? 2 : 0);
	ck_assert_uint_eq(app, 2); /* "ping" and "pong" */
	/* OpenSSL splits TLS 1.0 CBC data 1/n-1 (the BEAST countermeasure),
	 * so each "ping" is two records there; all chained IVs held. */
	ck_assert_uint_eq(c.app_records[SIDE_SERVER], ac->version == TLS1_VERSION ? 2 : 1);
	ck_assert_uint_eq(c.app_records[SIDE_CLIENT], ac->version == TLS1_VERSION ? 2 : 1);
	tls_conn_release(&c);
	lh_result_free(&res);
}
END_TEST

START_TEST(test_wrong_key)
{
	const struct an_case *ac = &cases[_i];
	struct tls_conn c;
	struct lh_result res;
	run(ac, true, &c, &res);
	ck_assert(c.decrypt_failed);
	ck_assert_uint_eq(c.records_decrypted, 0);
	ck_assert(tls_conn_has_note(&c, NOTE_DECRYPTION_FAILED));
	/* The cleartext hellos are read as without keys (after a
	 * HelloRetryRequest and its compatibility CCS too). */
	ck_assert(c.have_server_hello);
	ck_assert_int_eq(c.hello_retry, ac->hello_retry);
	if (ac->version == TLS1_3_VERSION) {
		ck_assert_uint_eq(c.version, 0x0304);
		/* Nothing of the encrypted handshake is claimed. */
		ck_assert_uint_eq(c.n_requests, 0);
		ck_assert_int_eq(c.cc_status, CC_UNKNOWN);
	} else {
		/* The cleartext handshake is still read. */
		ck_assert_uint_eq(c.n_requests, 1);
		ck_assert_int_eq(c.cc_status, CC_PRESENT);
	}
	tls_conn_release(&c);
	lh_result_free(&res);
}
END_TEST

SUITE_MAIN("an_decrypt", false, LOOP_CASE("model", 120, N_TESTS(cases), test_decrypted_facts, test_wrong_key))
