/* test_an_probe_tap.c - the probe's synthesised frames (probe_tap.c),
 * without a network: the bytes of a real OpenSSL TLS 1.3 handshake with a
 * required client certificate (tests/support) go into the tap in the order
 * they cross a connection (ClientHello, the server's flight, the client's
 * answer), over IPv4 and IPv6. Through the analyzer with the client's key
 * log they must give what the handshake was: TLS 1.3, one decrypted
 * CertificateRequest in the handshake, a certificate sent, closed by FIN.
 * Written as a pcap file, every IP and TCP checksum must hold, and reading
 * the file gives the same frames and the same facts. */
#include <check.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/ssl.h>

#include "cli/analysis.h"
#include "keylog.h"
#include "output/output.h"
#include "cli/probe_tap.h"
#include "capture/source.h"
#include "support/live_handshake.h"
#include "support/net_bytes.h"
#include "support/suite_run.h"

struct facts {
	unsigned conns;
	uint16_t version;
	size_t n_requests;
	enum cr_phase phase;
	enum visibility visibility;
	enum cc_status cc;
	enum conn_end end;
	enum outcome_kind outcome;
	uint64_t last_frame;
};

static void take(void *ctx, const char *file_name, struct tls_conn *c, const struct findings *f)
{
	struct facts *x = ctx;
	x->conns++;
	x->version = c->version;
	x->n_requests = c->n_requests;
	if (c->n_requests) {
		x->phase = c->requests[0].phase;
		x->visibility = c->requests[0].visibility;
	}
	x->cc = c->cc_status;
	x->end = c->end;
	x->outcome = f->outcome.kind;
	x->last_frame = c->last_frame;
	tls_conn_release(c);
	free(c);
}

static struct analysis *analyzer_with_keys(const struct lh_result *res, struct output *out, struct facts *x)
{
	struct options opt;
	options_defaults(&opt);
	opt.quiet = true;
	out->fp = fopen("/dev/null", "w");
	out->format = FORMAT_TEXT;
	ck_assert_ptr_nonnull(out->fp);
	struct analysis *a = malloc(sizeof *a);
	ck_assert_ptr_nonnull(a);
	analysis_init(a, &opt, out);
	a->an.keylog = keylog_new();
	ck_assert_uint_gt(keylog_parse(a->an.keylog, (const uint8_t *)res->keylog, res->keylog_len, NULL, NULL), 0);
	a->sink = (struct conn_sink){ take, x };
	return a;
}

static void analyzer_done(struct analysis *a, struct output *out)
{
	analysis_release(a);
	free(a);
	fclose(out->fp);
}

static void check_facts(const struct facts *x, uint64_t frames)
{
	ck_assert_uint_eq(x->conns, 1);
	ck_assert_uint_eq(x->version, 0x0304);
	ck_assert_uint_eq(x->n_requests, 1);
	ck_assert_int_eq(x->phase, PHASE_INITIAL);
	ck_assert_int_eq(x->visibility, VIS_DECRYPTED);
	ck_assert_int_eq(x->cc, CC_PRESENT);
	ck_assert_int_eq(x->end, END_FIN);
	ck_assert_int_eq(x->outcome, OUTCOME_AUTHENTICATED);
	ck_assert_uint_eq(x->last_frame, frames);
}

/* Ethernet, then IPv4 or IPv6, then TCP: both checksums verify to 0xffff. */
static void check_checksums(const uint8_t *f, size_t len)
{
	ck_assert_uint_ge(len, 14 + 20 + 20);
	const uint8_t *ip = f + 14;
	uint32_t pseudo;
	size_t ip_len, tcp_len;
	if (f[12] == 0x86 && f[13] == 0xdd) {
		ip_len = 40;
		tcp_len = be_get(ip + 4, 2);
		pseudo = inet_sum(0, ip + 8, 32) + (uint32_t)tcp_len + 6;
	} else {
		ck_assert(f[12] == 0x08 && f[13] == 0x00);
		ip_len = 20;
		ck_assert_uint_eq(inet_sum(0, ip, 20), 0xffff);
		tcp_len = be_get(ip + 2, 2) - 20;
		pseudo = inet_sum(0, ip + 12, 8) + (uint32_t)tcp_len + 6;
	}
	ck_assert_uint_eq(14 + ip_len + tcp_len, len);
	ck_assert_uint_eq(inet_sum(pseudo, ip + ip_len, tcp_len), 0xffff);
}

START_TEST(test_tap_tls13_required)
{
	bool v6 = _i == 1;
	struct lh_opts o = { .max_version = TLS1_3_VERSION, .request_cert = true, .require_cert = true,
			     .client_has_cert = true, .client_sends_chain = true, .server_trusts_client_ca = true, .sni = "app.example.com" };
	struct lh_result res;
	ck_assert_int_eq(lh_run(&o, &res), 0);
	ck_assert(res.client_ok && res.server_ok);
	ck_assert_uint_gt(res.c2s_len, 5);
	size_t hello = 5 + ((size_t)res.c2s[3] << 8 | res.c2s[4]); /* the ClientHello's record */
	ck_assert_uint_lt(hello, res.c2s_len);

	struct probe_endpoint client = { .family = v6 ? AF_INET6 : AF_INET, .port = 50123 };
	struct probe_endpoint server = { .family = client.family, .port = 443 };
	if (v6) {
		client.addr[0] = server.addr[0] = 0x20, client.addr[1] = server.addr[1] = 0x01;
		client.addr[15] = 1, server.addr[15] = 2;
	} else {
		memcpy(client.addr, "\xc0\x00\x02\x01", 4);
		memcpy(server.addr, "\xc6\x33\x64\x14", 4);
	}
	struct probe_tap *t = probe_tap_new(&client, &server, 1u << 20);
	ck_assert_ptr_nonnull(t);
	int64_t ts = 1764800000LL * 1000000000LL;
	ck_assert_int_eq(probe_tap_open(t, ts), 0);
	ck_assert_int_eq(probe_tap_data(t, false, res.c2s, hello, ts + 1000), 0);
	ck_assert_int_eq(probe_tap_data(t, true, res.s2c, res.s2c_len, ts + 2000), 0);
	ck_assert_int_eq(probe_tap_data(t, false, res.c2s + hello, res.c2s_len - hello, ts + 3000), 0);
	ck_assert_int_eq(probe_tap_close(t, true, false, ts + 4000), 0);
	ck_assert_int_eq(probe_tap_close(t, false, false, ts + 5000), 0);
	ck_assert_uint_eq(probe_tap_payload_bytes(t, false), res.c2s_len);
	ck_assert_uint_eq(probe_tap_payload_bytes(t, true), res.s2c_len);
	/* Over the byte bound: refused, nothing kept. */
	size_t frames = probe_tap_frames(t);
	uint8_t big[64] = { 0 };
	struct probe_tap *small = probe_tap_new(&client, &server, 63);
	ck_assert_int_eq(probe_tap_data(small, true, big, sizeof big, ts), -1);
	ck_assert_uint_eq(probe_tap_frames(small), 0);
	probe_tap_free(small);

	/* Straight into the analyzer, as the probe does. */
	struct output out;
	struct facts direct = { 0 };
	struct analysis *a = analyzer_with_keys(&res, &out, &direct);
	analysis_begin_file(a, "probe", 0);
	probe_tap_feed(t, &a->an);
	analysis_end_file(a);
	analyzer_done(a, &out);
	check_facts(&direct, frames);

	/* Through a pcap file: valid checksums, the same frames and facts. */
	char path[] = "/tmp/test_an_probe_tap.XXXXXX", err[256];
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	FILE *pcap_fp = fdopen(fd, "wb");
	ck_assert_ptr_nonnull(pcap_fp);
	ck_assert_msg(probe_tap_write_pcap(t, pcap_fp, err, sizeof err) == 0, "%s", err);
	struct source *src = source_open(path, err, sizeof err);
	ck_assert_msg(src != NULL, "%s", err);
	struct facts reread = { 0 };
	a = analyzer_with_keys(&res, &out, &reread);
	analysis_begin_file(a, path, 0);
	struct source_frame f;
	size_t n = 0;
	int64_t last_ts = 0;
	while (source_next(src, &f, err, sizeof err) == SOURCE_FRAME) {
		check_checksums(f.data, f.caplen);
		ck_assert_int_ge(f.ts_ns, last_ts);
		last_ts = f.ts_ns;
		analyzer_frame(&a->an, f.linktype, f.data, f.caplen, f.wirelen, f.ts_ns);
		n++;
	}
	ck_assert_int_eq(last_ts, ts + 5000); /* nanoseconds kept */
	source_close(src);
	analysis_end_file(a);
	analyzer_done(a, &out);
	unlink(path);
	ck_assert_uint_eq(n, frames);
	check_facts(&reread, frames);

	probe_tap_free(t);
	lh_result_free(&res);
}
END_TEST

SUITE_MAIN("an_probe_tap", false, LOOP_CASE("tap", 60, 2, test_tap_tls13_required))
