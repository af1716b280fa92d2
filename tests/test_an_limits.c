/* test_an_limits.c - a capture crafted to grow memory (thousands of
 * half-open connections each with data beyond a huge gap, TLS connections
 * sending endless out-of-order data, TLS connections assembling giant
 * handshake messages) is written here with libpcap, then read by mtlsdiag
 * with small limits. Asserted: the peak RSS of the run stays under
 * --max-memory plus the documented per-connection cost (and a control run
 * without the memory cap goes over it, so the input really grows memory);
 * every TLS connection seen is reported; those dropped for memory say so.
 * Under sanitizers (which inflate RSS) the RSS checks are skipped with a
 * message but the input is still run. */
#include <check.h>
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include "support/suite_run.h"
#include "support/test_paths.h"

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_SANITIZER 1
#endif
#endif
#ifndef UNDER_SANITIZER
#define UNDER_SANITIZER 0
#endif

#define MiB (1024L * 1024L)
#define N_HALF_OPEN 6000     /* SYN + one segment 1 MB ahead */
#define N_OOO_TLS 48         /* ClientHello, then out-of-order data forever */
#define N_BIG_HS 24          /* a 500 KB ClientHello arriving in order */
#define OOO_PER_FLOW (1 * MiB)
#define MAX_FLOWS 2000
#define MAX_MEMORY (8 * MiB)
/* Documented: each tracked connection costs a few hundred bytes beyond
 * --max-memory; 1 KiB each is the allowance, plus 8 MiB for the
 * allocator's slack. */
#define PER_FLOW_ALLOWANCE 1024L
#define SLACK (8 * MiB)

struct writer {
	pcap_dumper_t *d;
	pcap_t *p;
	uint32_t usec;
};

static void put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put_be32(uint8_t *p, uint32_t v)
{
	put_be16(p, (uint16_t)(v >> 16));
	put_be16(p + 2, (uint16_t)v);
}

/* One Ethernet/IPv4/TCP frame from 10.(c>>8).(c&255).1:40000 to
 * 10.0.0.1:443 (dir 0) or back (dir 1). */
static void segment(struct writer *w, unsigned c, int dir, uint8_t flags, uint32_t seq, uint32_t ack,
		    const uint8_t *payload, size_t len)
{
	static uint8_t frame[14 + 20 + 20 + 1500];
	uint8_t client[4] = { 10, (uint8_t)(c >> 8), (uint8_t)c, 1 }, server[4] = { 10, 255, 0, 1 };
	memset(frame, 0, 14 + 20 + 20);
	frame[12] = 0x08; /* IPv4 */
	uint8_t *ip = frame + 14, *tcp = ip + 20;
	ip[0] = 0x45;
	put_be16(ip + 2, (uint16_t)(40 + len));
	ip[8] = 64;
	ip[9] = 6;
	memcpy(ip + 12, dir ? server : client, 4);
	memcpy(ip + 16, dir ? client : server, 4);
	put_be16(tcp, dir ? 443 : 40000);
	put_be16(tcp + 2, dir ? 40000 : 443);
	put_be32(tcp + 4, seq);
	put_be32(tcp + 8, ack);
	tcp[12] = 5 << 4;
	tcp[13] = flags;
	put_be16(tcp + 14, 65535);
	if (len)
		memcpy(tcp + 20, payload, len);
	struct pcap_pkthdr h = { .caplen = (bpf_u_int32)(54 + len), .len = (bpf_u_int32)(54 + len) };
	w->usec += 10;
	h.ts.tv_sec = 1700000000 + w->usec / 1000000;
	h.ts.tv_usec = w->usec % 1000000;
	pcap_dump((u_char *)w->d, &h, frame);
}

/* A TLS record header and the start of a ClientHello whose handshake
 * header announces `hs_len` bytes. */
static size_t client_hello_start(uint8_t *p, size_t rec_len, uint32_t hs_len)
{
	p[0] = 22;
	p[1] = 3;
	p[2] = 1;
	put_be16(p + 3, (uint16_t)rec_len);
	p[5] = 1;
	p[6] = (uint8_t)(hs_len >> 16);
	put_be16(p + 7, (uint16_t)hs_len);
	p[9] = 3;
	p[10] = 3;
	return 11;
}

static void write_capture(const char *path)
{
	struct writer w = { 0 };
	uint8_t data[1400];
	memset(data, 0x41, sizeof data);
	w.p = pcap_open_dead(DLT_EN10MB, 65535);
	ck_assert_ptr_nonnull(w.p);
	w.d = pcap_dump_open(w.p, path);
	ck_assert_msg(w.d != NULL, "%s: %s", path, pcap_geterr(w.p));
	unsigned c = 0;

	/* Half-open: a SYN, then one segment after a 1 MB hole, never acked. */
	for (unsigned i = 0; i < N_HALF_OPEN; i++, c++) {
		segment(&w, c, 0, 0x02, 1000, 0, NULL, 0);
		segment(&w, c, 0, 0x18, 1001 + 1000000, 0, data, sizeof data);
	}
	/* TLS, then out-of-order data past a hole that never fills, per flow
	 * far more than --reasm-cap... interleaved so all stay active. */
	unsigned ooo_first = c;
	for (unsigned i = 0; i < N_OOO_TLS; i++) {
		uint8_t hello[1400];
		size_t n = client_hello_start(hello, 1395, 1391);
		memset(hello + n, 0, sizeof hello - n);
		segment(&w, ooo_first + i, 0, 0x02, 5000, 0, NULL, 0);
		segment(&w, ooo_first + i, 1, 0x12, 9000, 5001, NULL, 0);
		segment(&w, ooo_first + i, 0, 0x18, 5001, 9001, hello, 5 + 1395 > sizeof hello ? sizeof hello : 5 + 1395);
	}
	c += N_OOO_TLS;
	for (uint32_t off = 0; off < OOO_PER_FLOW; off += sizeof data)
		for (unsigned i = 0; i < N_OOO_TLS; i++)
			segment(&w, ooo_first + i, 0, 0x18, 5001 + 1400 + 20000 + off, 9001, data, sizeof data);
	/* TLS with a ClientHello of 500 KB, in order, in 16 KB records. */
	unsigned big_first = c;
	uint32_t hs_len = 500 * 1024;
	for (unsigned i = 0; i < N_BIG_HS; i++) {
		segment(&w, big_first + i, 0, 0x02, 7000, 0, NULL, 0);
		segment(&w, big_first + i, 1, 0x12, 3000, 7001, NULL, 0);
	}
	c += N_BIG_HS;
	uint32_t sent = 0, seq = 7001;
	uint8_t rec[1400];
	while (sent < hs_len) {
		size_t n;
		if (sent == 0)
			n = client_hello_start(rec, 16384, hs_len);
		else if (sent % 16380 == 0) {
			rec[0] = 22;
			rec[1] = 3;
			rec[2] = 3;
			put_be16(rec + 3, 16384);
			n = 5;
		} else
			n = 0;
		size_t body = sizeof rec - n;
		memset(rec + n, 0x42, body);
		for (unsigned i = 0; i < N_BIG_HS; i++)
			segment(&w, big_first + i, 0, 0x18, seq, 3001, rec, sizeof rec);
		seq += sizeof rec;
		sent += (uint32_t)body;
	}
	pcap_dump_close(w.d);
	pcap_close(w.p);
}

struct run {
	int status;
	long maxrss_kib;
	char *out; /* all of standard output; owned */
	char *err; /* all of standard error; owned */
};

static char *read_all(int fd)
{
	off_t size = lseek(fd, 0, SEEK_END);
	char *buf = malloc((size_t)size + 1);
	ck_assert_ptr_nonnull(buf);
	ssize_t got = pread(fd, buf, (size_t)size, 0);
	buf[got > 0 ? got : 0] = '\0';
	close(fd);
	return buf;
}

/* Runs mtlsdiag with args on path; returns its exit status, peak RSS and
 * its standard output and error. */
static void run_mtlsdiag(const char *path, const char *const *args, struct run *r)
{
	char outpath[] = "/tmp/mtls-limits-out-XXXXXX", errpath[] = "/tmp/mtls-limits-err-XXXXXX";
	int fd = mkstemp(outpath), efd = mkstemp(errpath);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_ge(efd, 0);
	unlink(outpath);
	unlink(errpath);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		const char *argv[16];
		size_t n = 0;
		argv[n++] = test_binary();
		for (; *args && n < 14; args++)
			argv[n++] = *args;
		argv[n++] = path;
		argv[n] = NULL;
		dup2(fd, STDOUT_FILENO);
		dup2(efd, STDERR_FILENO);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	int st;
	struct rusage ru;
	ck_assert_int_eq(wait4(pid, &st, 0, &ru), pid);
	ck_assert(WIFEXITED(st));
	r->status = WEXITSTATUS(st);
	r->maxrss_kib = ru.ru_maxrss;
	r->out = read_all(fd);
	r->err = read_all(efd);
}

START_TEST(hostile_capture_stays_within_memory)
{
	char path[] = "/tmp/mtls-limits-XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	close(fd);
	write_capture(path);

	/* Baseline: the same binary on a tiny real capture. */
	struct run base, capped, uncapped;
	static const char *const quiet_args[] = { "-q", NULL };
	run_mtlsdiag("samples/tls12-mutual-ok.pcap", quiet_args, &base);
	ck_assert_int_eq(base.status, 0);

	static const char *const capped_args[] = { "--max-flows", "2000", "--max-memory", "8388608", "--reasm-cap",
						   "1048576", "--no-color", NULL };
	run_mtlsdiag(path, capped_args, &capped);
	static const char *const uncapped_args[] = { "--max-flows", "2000", "--max-memory", "4294967296",
						     "--reasm-cap", "1048576", "-q", NULL };
	run_mtlsdiag(path, uncapped_args, &uncapped);
	/* Fewer flows than TLS connections: open TLS connections are evicted
	 * by the flow limit too. */
	static const char *const json_args[] = { "--max-flows", "50", "--max-memory", "8388608", "--reasm-cap",
						 "1048576", "-F", "json", NULL };
	struct run json;
	run_mtlsdiag(path, json_args, &json);
	/* The flow limit alone (no memory cap): which connections it takes
	 * does not depend on when the memory cap strikes first. */
	static const char *const flows_args[] = { "--max-flows", "50", "--max-memory", "4294967296", "--reasm-cap",
						  "1048576", "-q", "--no-color", NULL };
	struct run flows;
	run_mtlsdiag(path, flows_args, &flows);
	unlink(path);
	ck_assert_int_eq(flows.status, 0);
	ck_assert_msg(strstr(flows.out, "Ended: evicted") != NULL, "the flow limit evicted no TLS connection");
	ck_assert_int_eq(uncapped.status, 0);
	ck_assert_int_eq(capped.status, 0);
	/* Every TLS connection seen is reported, those dropped for memory too. */
	unsigned long reported = 0, seen = 0;
	const char *sum = strstr(capped.out, "Summary: ");
	ck_assert_msg(sum != NULL, "no summary at the end of the output: %s", capped.out);
	ck_assert_int_eq(sscanf(sum, "Summary: %lu TLS connection%*s reported of %lu seen", &reported, &seen), 2);
	ck_assert_uint_eq(seen, N_OOO_TLS + N_BIG_HS);
	ck_assert_uint_eq(reported, seen);
	ck_assert_msg(strstr(sum, "evicted early to respect --max-memory") != NULL, "no memory eviction: %s", sum);
	ck_assert_msg(strstr(sum, "evicted early to respect --max-flows") != NULL, "no flow eviction: %s", sum);

	/* The same in JSON: the summary object (on standard error) agrees,
	 * and every connection dropped for memory says so. */
	ck_assert_int_eq(json.status, 0);
	ck_assert_msg(strstr(json.out, "\"summary\"") == NULL, "the JSON summary is in the report");
	const char *last = strstr(json.err, "{\"summary\":");
	ck_assert_msg(last != NULL, "no JSON summary on standard error: %s", json.err);
	unsigned long j_seen = 0, j_reported = 0, j_mem = 0;
	const char *p = strstr(last, "\"tls_connections_seen\":");
	ck_assert(p && sscanf(p, "\"tls_connections_seen\":%lu", &j_seen) == 1);
	p = strstr(last, "\"tls_connections_reported\":");
	ck_assert(p && sscanf(p, "\"tls_connections_reported\":%lu", &j_reported) == 1);
	p = strstr(last, "\"evicted_max_memory\":");
	ck_assert(p && sscanf(p, "\"evicted_max_memory\":%lu", &j_mem) == 1);
	ck_assert_uint_eq(j_seen, seen);
	ck_assert_uint_eq(j_reported, seen);
	unsigned long conns = 0, noted = 0;
	for (const char *q = json.out; (q = strstr(q, "\"stream\":")) != NULL; q++)
		conns++;
	/* Connections (lines) that note it: notes and notes_list both name it. */
	for (const char *line = json.out; *line;) {
		const char *eol = strchr(line, '\n');
		size_t len = eol ? (size_t)(eol - line) : strlen(line);
		const char *hit = strstr(line, "memory_limit");
		if (hit && hit < line + len)
			noted++;
		line += len + (eol != NULL);
	}
	ck_assert_uint_eq(conns, seen);
	unsigned long evicted = 0;
	for (const char *q = json.out; (q = strstr(q, "\"end\":\"evicted\"")) != NULL; q++)
		evicted++;
	ck_assert_msg(evicted >= noted, "%lu connections ended evicted, %lu of them for memory", evicted, noted);
	ck_assert_msg(noted > 0 && noted <= j_mem, "%lu connections note memory_limit, %lu evicted for memory", noted,
		      j_mem);

	long bound_kib = (MAX_MEMORY + MAX_FLOWS * PER_FLOW_ALLOWANCE + SLACK) / 1024;
	printf("peak RSS: baseline %ld KiB, capped %ld KiB (bound %ld KiB above baseline), without the cap %ld KiB\n",
	       base.maxrss_kib, capped.maxrss_kib, bound_kib, uncapped.maxrss_kib);
	if (UNDER_SANITIZER) {
		printf("SKIP RSS assertions: sanitizers inflate RSS (the input was still run)\n");
	} else if (getenv("TEST_WRAP")) {
		printf("SKIP RSS assertions: mtlsdiag runs under TEST_WRAP (%s)\n", getenv("TEST_WRAP"));
	} else {
		ck_assert_msg(capped.maxrss_kib - base.maxrss_kib <= bound_kib, "capped run used %ld KiB over baseline",
			      capped.maxrss_kib - base.maxrss_kib);
		/* The control: without the cap the same input does go over. */
		ck_assert_msg(uncapped.maxrss_kib - base.maxrss_kib > bound_kib,
			      "the input does not grow memory (%ld KiB without the cap)", uncapped.maxrss_kib);
	}
	struct run *runs[] = { &base, &capped, &uncapped, &json, &flows };
	for (size_t i = 0; i < sizeof runs / sizeof runs[0]; i++) {
		free(runs[i]->out);
		free(runs[i]->err);
	}
}
END_TEST

SUITE_MAIN("limits", false, CASE("memory", 300, hostile_capture_stays_within_memory))
