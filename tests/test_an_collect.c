/* test_an_collect.c - the analyzer's collect mode feeding compare.c and
 * expect.c, on real sample captures:
 *  - a NAT'd copy of a sample (client address and port rewritten, IPv4 and
 *    TCP checksums recomputed, clock moved) pairs with its source by the
 *    ClientHello random, is flagged as translated, and gives the clock shift
 *    as the offset, with no finding;
 *  - the same copy without its first frames (no ClientHello) still pairs,
 *    by time, and is not called interception;
 *  - expectations parsed from text select and judge those connections, and
 *    malformed text is refused with its line number.
 * The copies are written here through libpcap. */
#include <check.h>
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/analysis.h"
#include "diagnosis/compare.h"
#include "cli/expect.h"
#include "output/output.h"
#include "capture/source.h"
#include "support/collect_file.h"
#include "support/net_bytes.h"
#include "support/suite_run.h"

#define SAMPLE "samples/tls12-mutual-ok.pcap"
#define CLIENT_IP 0xc000020au /* 192.0.2.10, the samples' client */
#define NAT_IP 0xcb007105u    /* 203.0.113.5 */
#define NAT_PORT 61001

/* Copy SAMPLE with the client behind a NAT, the clock moved by shift_us,
 * and the first `skip` frames left out. Ethernet/IPv4/TCP only. */
static void nat_copy(const char *dst, int64_t shift_us, unsigned skip)
{
	char err[PCAP_ERRBUF_SIZE];
	pcap_t *in = pcap_open_offline(SAMPLE, err);
	ck_assert_msg(in != NULL, "%s: %s", SAMPLE, err);
	ck_assert_int_eq(pcap_datalink(in), DLT_EN10MB);
	pcap_t *dead = pcap_open_dead(DLT_EN10MB, 262144);
	pcap_dumper_t *out = pcap_dump_open(dead, dst);
	ck_assert_ptr_nonnull(out);
	struct pcap_pkthdr *h;
	const u_char *data;
	unsigned frame = 0;
	while (pcap_next_ex(in, &h, &data) == 1) {
		if (++frame <= skip)
			continue;
		uint8_t pkt[65536];
		ck_assert_uint_eq(h->caplen, h->len);
		ck_assert_uint_le(h->caplen, sizeof pkt);
		memcpy(pkt, data, h->caplen);
		ck_assert_uint_eq(be_get(pkt + 12, 2), 0x0800);
		uint8_t *ip = pkt + 14;
		size_t ihl = (size_t)(ip[0] & 0x0f) * 4, total = be_get(ip + 2, 2);
		ck_assert_uint_eq(ip[9], 6);
		uint8_t *tcp = ip + ihl;
		size_t tcp_len = total - ihl;
		for (int side = 0; side < 2; side++) /* source, then destination */
			if (be_get(ip + 12 + 4 * side, 4) == CLIENT_IP) {
				be_put(ip + 12 + 4 * side, 4, NAT_IP);
				be_put(tcp + 2 * side, 2, NAT_PORT);
			}
		be_put(ip + 10, 2, 0);
		be_put(ip + 10, 2, (uint16_t)~inet_sum(0, ip, ihl));
		be_put(tcp + 16, 2, 0);
		uint32_t pseudo = inet_sum(0, ip + 12, 8) + 6 + (uint32_t)tcp_len;
		be_put(tcp + 16, 2, (uint16_t)~inet_sum(pseudo, tcp, tcp_len));
		struct pcap_pkthdr oh = *h;
		int64_t us = (int64_t)h->ts.tv_sec * 1000000 + h->ts.tv_usec + shift_us;
		oh.ts.tv_sec = us / 1000000;
		oh.ts.tv_usec = us % 1000000;
		pcap_dump((u_char *)out, &oh, pkt);
	}
	pcap_dump_close(out);
	pcap_close(dead);
	pcap_close(in);
}


START_TEST(nat_pairs_by_random_with_offset)
{
	char dst[] = "/tmp/mtls-nat-XXXXXX";
	int fd = mkstemp(dst);
	ck_assert_int_ge(fd, 0);
	close(fd);
	nat_copy(dst, -750000, 0);
	struct conn_list cl, sl;
	collect_list(SAMPLE, &cl);
	collect_list(dst, &sl);
	ck_assert_uint_eq(cl.n, 1);
	ck_assert_uint_eq(sl.n, 1);
	/* the copy really is translated */
	ck_assert_uint_eq(sl.items[0].conn->client.port, NAT_PORT);
	ck_assert_uint_ne(cl.items[0].conn->client.port, NAT_PORT);

	struct compare_result r;
	ck_assert_int_eq(compare_conns(&cl, &sl, &r), 0);
	ck_assert_uint_eq(r.n_pairs, 1);
	ck_assert_uint_eq(r.by_random, 1);
	ck_assert_uint_eq(r.client_only + r.server_only, 0);
	ck_assert_int_eq(r.rows[0].how, MATCH_RANDOM);
	ck_assert(r.rows[0].nat);
	ck_assert(!r.rows[0].intercepted);
	ck_assert_uint_eq(r.n_findings, 0);
	ck_assert_int_eq(r.offset_from, OFFSET_RANDOM);
	ck_assert_int_eq(r.offset_ns, -750000000LL);
	compare_result_release(&r);
	conn_list_release(&cl);
	conn_list_release(&sl);
	unlink(dst);
}
END_TEST

START_TEST(nat_without_client_hello_pairs_by_time)
{
	char dst[] = "/tmp/mtls-nat-XXXXXX";
	int fd = mkstemp(dst);
	ck_assert_int_ge(fd, 0);
	close(fd);
	nat_copy(dst, -250000, 4); /* SYN, SYN/ACK, ACK and ClientHello missed */
	struct conn_list cl, sl;
	collect_list(SAMPLE, &cl);
	collect_list(dst, &sl);
	ck_assert_uint_eq(sl.n, 1);
	ck_assert(!sl.items[0].conn->have_client_hello);

	struct compare_result r;
	ck_assert_int_eq(compare_conns(&cl, &sl, &r), 0);
	ck_assert_uint_eq(r.n_pairs, 1);
	ck_assert_uint_eq(r.by_time, 1);
	ck_assert(r.rows[0].nat);
	ck_assert(!r.rows[0].intercepted);
	for (size_t i = 0; i < r.rows[0].n_findings; i++)
		ck_assert_str_ne(r.rows[0].findings[i].id, "COMPARE_TLS_INTERCEPTED");
	compare_result_release(&r);
	conn_list_release(&cl);
	conn_list_release(&sl);
	unlink(dst);
}
END_TEST

/* Two unrelated samples (two minutes apart): nothing pairs. */
START_TEST(unrelated_captures_stay_apart)
{
	struct conn_list cl, sl;
	collect_list(SAMPLE, &cl);
	collect_list("samples/tls12-unknown-ca.pcap", &sl);
	struct compare_result r;
	ck_assert_int_eq(compare_conns(&cl, &sl, &r), 0);
	ck_assert_uint_eq(r.n_pairs, 0);
	ck_assert_uint_eq(r.client_only, 1);
	ck_assert_uint_eq(r.server_only, 1);
	ck_assert_int_eq(r.offset_from, OFFSET_NONE);
	compare_result_release(&r);
	conn_list_release(&cl);
	conn_list_release(&sl);
}
END_TEST

/* ---- expectations ---- */

static size_t failures(const char *text, const char *capture)
{
	char err[600];
	struct expect_set *e = expect_parse("t.expect", text, err, sizeof err);
	ck_assert_msg(e != NULL, "%s", err);
	collect_file(capture, (struct conn_sink){ expect_take, e }, NULL);
	size_t n = expect_failed_count(e);
	expect_free(e);
	return n;
}

START_TEST(expect_selects_and_judges)
{
	/* SNI globs ignore case; the IPv6 server is written in brackets. */
	ck_assert_uint_eq(failures("match sni=APP.Example.*\n  client-cert present\n", SAMPLE), 0);
	ck_assert_uint_eq(failures("match server=[2001:db8::20]:443\n  connections 1\n", "samples/transport-ipv6.pcap"), 0);
	ck_assert_uint_eq(failures("match server=2001:db8::20\n  request initial\n", "samples/transport-ipv6.pcap"), 0);
	/* a quoted DN, and a comment after it */
	ck_assert_uint_eq(failures("match # every connection\n"
				   "  client-cert issuer \"CN=Example Corp Client Issuing CA 1,O=Example Corp,C=US\" # alice's\n",
				   SAMPLE),
			  0);
	/* false ones: each failing expectation counts once */
	ck_assert_uint_eq(failures("match\n  client-cert empty\n  request none\n  version TLS 1.3\n", SAMPLE), 3);
	ck_assert_uint_eq(failures("match port=8443\n  request any\n", SAMPLE), 1); /* selects nothing */
	ck_assert_uint_eq(failures("match port=8443\n  connections 0\n", SAMPLE), 0);
	ck_assert_uint_eq(failures("match stream=0\n  connections >=2\n", SAMPLE), 1);
}
END_TEST

static void refused_at(const char *text, const char *where)
{
	char err[600] = "";
	struct expect_set *e = expect_parse("t.expect", text, err, sizeof err);
	ck_assert_msg(e == NULL, "accepted: %s", text);
	ck_assert_msg(strncmp(err, where, strlen(where)) == 0, "'%s' for %s", err, text);
}

START_TEST(expect_refuses_malformed_text)
{
	refused_at("", "t.expect: no expectations");
	refused_at("request initial\n", "t.expect:1: ");
	refused_at("match\n\n  ca-list contains\n", "t.expect:3: ");
	refused_at("match sni=\n", "t.expect:1: ");
	refused_at("match sni=a sni=b\n", "t.expect:1: ");
	refused_at("match stream=-1\n", "t.expect:1: ");
	refused_at("match\n  connections >= \n", "t.expect:2: ");
	refused_at("match\n  no-errors please\n", "t.expect:2: ");
	refused_at("match\n  ended politely\n", "t.expect:2: ");
	refused_at("match\n  version\n", "t.expect:2: ");
	refused_at("match\n  client-cert\n", "t.expect:2: ");
	refused_at("match\n  request\x01 any\n", "t.expect:2: ");
}
END_TEST

SUITE_MAIN("collect", false,
	   CASE("compare", 60, nat_pairs_by_random_with_offset, nat_without_client_hello_pairs_by_time,
		unrelated_captures_stay_apart),
	   CASE("expect", 60, expect_selects_and_judges, expect_refuses_malformed_text))
