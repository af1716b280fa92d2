/* test_an_tunnels.c - tunnels and IP fragments together, through the
 * analyzer: each frame of a real handshake sample is wrapped in IPv4/GRE,
 * and either the outer datagram is cut into two fragments, or the inner
 * packet is (each fragment in its own GRE packet), or both. The analyzer
 * must reassemble, open the tunnel and reassemble again, and come to the
 * same connections and findings as from the plain sample: its counts are
 * the truth here. Then the quick path worker threads take to pass over
 * others' connections (decap_plain_tcp4) against decap_frame, over every
 * frame of every sample and shared capture, and over real frames changed
 * into what it must leave to decap_frame. */
#include <check.h>
#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>

#include "capture/source.h"
#include "cli/analysis.h"
#include "link.h"
#include "output/output.h"
#include "support/suite_run.h"
#include "support/test_paths.h"
#include "tunnel.h"

enum mode { PLAIN, OUTER_FRAGMENTS, INNER_FRAGMENTS, BOTH_FRAGMENTED, MODES };

struct run {
	struct analysis a;
	struct output out;
	uint16_t outer_id;
	uint64_t fed;
};

static void run_open(struct run *r)
{
	struct options opt;
	options_defaults(&opt);
	opt.format = FORMAT_JSON;
	opt.quiet = true;
	memset(r, 0, sizeof *r);
	r->out.fp = fopen("/dev/null", "w");
	r->out.format = FORMAT_JSON;
	ck_assert_ptr_nonnull(r->out.fp);
	analysis_init(&r->a, &opt, &r->out);
	analysis_begin_file(&r->a, "test", 0);
}

static void feed(struct run *r, int lt, const uint8_t *p, size_t n, int64_t ts)
{
	analyzer_frame(&r->a.an, lt, p, n, n, ts);
	r->fed++;
}

/* An IPv4 header in front of payload, into out; returns its length. */
static size_t ipv4(uint8_t *out, uint8_t proto, uint16_t id, uint16_t frag, const uint8_t *payload, size_t n)
{
	size_t total = 20 + n;
	uint8_t h[20] = {0x45,
			 0,
			 (uint8_t)(total >> 8),
			 (uint8_t)total,
			 (uint8_t)(id >> 8),
			 (uint8_t)id,
			 (uint8_t)(frag >> 8),
			 (uint8_t)frag,
			 64,
			 proto,
			 0,
			 0,
			 10,
			 99,
			 0,
			 1,
			 10,
			 99,
			 0,
			 2};
	memcpy(out, h, 20);
	memcpy(out + 20, payload, n);
	return total;
}

/* Raw IP frames of an IPv4 packet `ip` (n bytes), cut after `cut`
 * payload bytes (a multiple of 8) when asked, each in its own frame. The
 * header of ip is kept: for the outer packet it is ours, for the inner
 * the sample's, whose flags and length are rewritten. */
static void send_fragments(struct run *r, const uint8_t *ip, size_t n, bool cut, int64_t ts,
			   void (*send)(struct run *, const uint8_t *, size_t, int64_t))
{
	size_t hl = (size_t)(ip[0] & 0x0f) * 4;
	size_t pl = n - hl;
	if (!cut || pl <= 8) {
		send(r, ip, n, ts);
		return;
	}
	size_t first = (pl / 2) & ~(size_t)7;
	if (first == 0)
		first = 8;
	uint8_t f[2048];
	for (int k = 0; k < 2; k++) {
		size_t off = k ? first : 0, len = k ? pl - first : first;
		memcpy(f, ip, hl);
		memcpy(f + hl, ip + hl + off, len);
		f[2] = (uint8_t)((hl + len) >> 8);
		f[3] = (uint8_t)(hl + len);
		uint16_t frag = (uint16_t)((off / 8) | (k ? 0 : 0x2000));
		f[6] = (uint8_t)(frag >> 8);
		f[7] = (uint8_t)frag;
		send(r, f, hl + len, ts);
	}
}

static void send_raw(struct run *r, const uint8_t *p, size_t n, int64_t ts)
{
	feed(r, LINKTYPE_RAW, p, n, ts);
}

static bool outer_cut;

/* An inner IPv4 packet (or fragment) in GRE in IPv4, the outer datagram
 * cut in two when outer_cut. */
static void send_in_gre(struct run *r, const uint8_t *inner, size_t n, int64_t ts)
{
	uint8_t gre[2048], outer[2100];
	static const uint8_t hdr[] = {0x20, 0x00, 0x08, 0x00, 0, 0, 0, 42}; /* key 42 */
	memcpy(gre, hdr, sizeof hdr);
	memcpy(gre + sizeof hdr, inner, n);
	size_t on = ipv4(outer, 47, ++r->outer_id, 0, gre, sizeof hdr + n);
	send_fragments(r, outer, on, outer_cut, ts, send_raw);
}

static void analyse(const char *path, enum mode m, struct run *r)
{
	char perr[PCAP_ERRBUF_SIZE];
	pcap_t *p = pcap_open_offline(path, perr);
	ck_assert_msg(p != NULL, "%s: %s", path, perr);
	ck_assert_int_eq(pcap_datalink(p), LINKTYPE_ETHERNET);
	run_open(r);
	outer_cut = m == OUTER_FRAGMENTS || m == BOTH_FRAGMENTED;
	struct pcap_pkthdr *h;
	const u_char *d;
	while (pcap_next_ex(p, &h, &d) == 1) {
		int64_t ts = (int64_t)h->ts.tv_sec * 1000000000LL + h->ts.tv_usec * 1000LL;
		ck_assert_uint_ge(h->caplen, 14 + 20);
		ck_assert(d[12] == 0x08 && d[13] == 0x00);
		if (m == PLAIN)
			feed(r, LINKTYPE_ETHERNET, d, h->caplen, ts);
		else
			send_fragments(r, d + 14, h->caplen - 14,
				       m == INNER_FRAGMENTS || m == BOTH_FRAGMENTED, ts, send_in_gre);
	}
	pcap_close(p);
	analysis_end_file(&r->a);
}

static void run_close(struct run *r)
{
	analysis_release(&r->a);
	fclose(r->out.fp);
}

static const char *const samples[] = {"samples/tls12-mutual-ok.pcap", "samples/tls12-empty-client-cert.pcap",
				      "samples/tls12-reneg-late-request.pcap"};

START_TEST(fragments_around_and_inside_gre)
{
	const char *path = samples[_i];
	struct run plain;
	analyse(path, PLAIN, &plain);
	const struct run_stats *want = &plain.a.stats;
	ck_assert_uint_ge(want->traffic.tls_conns, 1);
	for (enum mode m = OUTER_FRAGMENTS; m < MODES; m++) {
		struct run r;
		analyse(path, m, &r);
		const struct run_stats *got = &r.a.stats;
		ck_assert_msg(r.fed > want->traffic.frames, "%s mode %d: nothing was cut", path, m);
		ck_assert_uint_eq(got->traffic.malformed, 0);
		ck_assert_uint_eq(got->traffic.tcp_flows, want->traffic.tcp_flows);
		ck_assert_uint_eq(got->traffic.tls_conns, want->traffic.tls_conns);
		ck_assert_uint_eq(got->with_request, want->with_request);
		ck_assert_uint_eq(got->cc_present, want->cc_present);
		ck_assert_uint_eq(got->cc_empty, want->cc_empty);
		ck_assert_uint_eq(got->cc_absent, want->cc_absent);
		ck_assert_uint_eq(got->n_causes, want->n_causes);
		for (size_t i = 0; i < want->n_causes; i++) {
			ck_assert_str_eq(got->cause_id[i], want->cause_id[i]);
			ck_assert_uint_eq(got->cause_count[i], want->cause_count[i]);
		}
		/* Each GRE packet counts once, when it is whole: per sample
		 * frame when the outer datagram is cut, per inner fragment
		 * when the inner packet is (every frame here is long enough
		 * to be cut in two). */
		uint64_t gre_packets = m == OUTER_FRAGMENTS   ? want->traffic.frames
				       : m == INNER_FRAGMENTS ? r.fed
							      : r.fed / 2;
		ck_assert_msg(got->traffic.tunnel_frames[TUNNEL_GRE] == gre_packets,
			      "%s mode %d: %llu GRE frames, want %llu (%llu fed)", path, m,
			      (unsigned long long)got->traffic.tunnel_frames[TUNNEL_GRE],
			      (unsigned long long)gre_packets, (unsigned long long)r.fed);
		run_close(&r);
	}
	run_close(&plain);
}
END_TEST

/* When the quick path takes a frame, decap_frame finds the same: plain
 * IPv4 carrying TCP, no tunnel, not a fragment, the same addresses, and
 * the same ports at the start of a payload that holds them. Returns
 * whether it took the frame. */
static bool quick_agrees(int linktype, const uint8_t *p, size_t caplen, const char *what)
{
	uint8_t *copy = malloc(caplen ? caplen : 1); /* exact size: the sanitizer sees any overread */
	ck_assert_ptr_nonnull(copy);
	memcpy(copy, p, caplen);
	struct ip_addr src, dst;
	uint16_t sport, dport;
	bool quick = decap_plain_tcp4(linktype, copy, caplen, &src, &dst, &sport, &dport);
	if (quick) {
		struct decap d;
		enum dis_status st = decap_frame(linktype, copy, caplen, &d);
		ck_assert_msg(st == DIS_OK && d.seen == 0 && !d.ip.is_fragment && d.ip.proto == 6 &&
				      d.ip.payload_len >= 4,
			      "%s: taken quickly, but decap_frame says status %d, tunnels %#x, proto %d, %zu bytes",
			      what, st, d.seen, d.ip.proto, d.ip.payload_len);
		ck_assert_msg(memcmp(&src, &d.ip.src, sizeof src) == 0 && memcmp(&dst, &d.ip.dst, sizeof dst) == 0,
			      "%s: addresses differ", what);
		ck_assert_msg(sport == (d.ip.payload[0] << 8 | d.ip.payload[1]) &&
				      dport == (d.ip.payload[2] << 8 | d.ip.payload[3]),
			      "%s: ports differ", what);
	}
	free(copy);
	return quick;
}

static size_t quick_over_dir(const char *dir, size_t *frames)
{
	DIR *d = opendir(dir);
	ck_assert_msg(d != NULL, "%s", dir);
	struct dirent *e;
	size_t taken = 0;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char path[2048], err[512], what[2100];
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		struct source *src = source_open(path, err, sizeof err);
		if (!src)
			continue; /* not a capture */
		struct source_frame f;
		for (size_t n = 1; source_next(src, &f, err, sizeof err) == SOURCE_FRAME; n++) {
			snprintf(what, sizeof what, "%s frame %zu", path, n);
			taken += quick_agrees(f.linktype, f.data, f.caplen, what);
			(*frames)++;
		}
		source_close(src);
	}
	closedir(d);
	return taken;
}

START_TEST(quick_path_agrees)
{
	size_t frames = 0, taken = quick_over_dir("samples", &frames);
	ck_assert_msg(taken > frames / 2, "the quick path took %zu of %zu sample frames", taken, frames);
	char dir[1024];
	if (shared_captures_dir(dir, sizeof dir, "quick_path_agrees")) {
		size_t shared = 0;
		quick_over_dir(dir, &shared);
		ck_assert_uint_gt(shared, 0);
	}
}
END_TEST

/* A real frame changed into each kind the quick path must leave alone. */
START_TEST(quick_path_declines)
{
	char err[512];
	struct source *src = source_open("samples/tls12-mutual-ok.pcap", err, sizeof err);
	ck_assert_msg(src != NULL, "%s", err);
	struct source_frame f;
	ck_assert_int_eq(source_next(src, &f, err, sizeof err), SOURCE_FRAME);
	ck_assert_int_eq(f.linktype, LINKTYPE_ETHERNET);
	size_t n = f.caplen;
	ck_assert_uint_ge(n, 14 + 20 + 20);
	uint8_t frame[2048], x[2048 + 4];
	ck_assert_uint_le(n, sizeof frame);
	memcpy(frame, f.data, n);
	source_close(src);
	ck_assert(quick_agrees(LINKTYPE_ETHERNET, frame, n, "the frame itself"));
	struct ip_addr a, b;
	uint16_t sp, dp;
	/* Fragments, a zero total length (segmentation offload), another
	 * protocol, IPv6's version, a header length under 5 words, a total
	 * length without room for ports: decap_frame's to judge. */
	static const struct {
		size_t at;
		uint8_t value;
		const char *what;
	} changes[] = { { 14 + 6, 0x20, "more fragments" }, { 14 + 7, 0x01, "a fragment offset" },
			{ 14 + 2, 0x00, "total length 0" },  { 14 + 9, 17, "UDP" },
			{ 14 + 0, 0x65, "version 6" },       { 14 + 0, 0x44, "IHL 4" } };
	for (size_t i = 0; i < sizeof changes / sizeof changes[0]; i++) {
		memcpy(x, frame, n);
		x[changes[i].at] = changes[i].value;
		if (changes[i].at == 14 + 2)
			x[14 + 3] = 0;
		ck_assert_msg(!decap_plain_tcp4(LINKTYPE_ETHERNET, x, n, &a, &b, &sp, &dp), "%s taken",
			      changes[i].what);
	}
	memcpy(x, frame, n);
	x[14 + 2] = 0;
	x[14 + 3] = 20 + 3;
	ck_assert_msg(!decap_plain_tcp4(LINKTYPE_ETHERNET, x, n, &a, &b, &sp, &dp), "no room for ports, taken");
	/* A VLAN tag, another link type, and every cut before the ports. */
	memcpy(x, frame, 12);
	x[12] = 0x81, x[13] = 0x00, x[14] = 0, x[15] = 7;
	memcpy(x + 16, frame + 12, n - 12);
	ck_assert(!decap_plain_tcp4(LINKTYPE_ETHERNET, x, n + 4, &a, &b, &sp, &dp));
	ck_assert(!decap_plain_tcp4(LINKTYPE_LINUX_SLL, frame, n, &a, &b, &sp, &dp));
	size_t ihl = (size_t)(frame[14] & 0x0f) * 4;
	for (size_t cut = 0; cut < 14 + ihl + 4; cut++)
		ck_assert_msg(!quick_agrees(LINKTYPE_ETHERNET, frame, cut, "cut"), "cut to %zu, taken", cut);
	ck_assert(quick_agrees(LINKTYPE_ETHERNET, frame, 14 + ihl + 4, "cut after the ports"));
}
END_TEST

SUITE_MAIN("tunnels", false, LOOP_CASE("fragments", 60, N_TESTS(samples), fragments_around_and_inside_gre),
	   CASE("quick path", 120, quick_path_agrees, quick_path_declines))
