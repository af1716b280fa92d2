/*
 * bench.c - the large captures `make bench` times (see bench/README.md).
 *
 * A pool of real OpenSSL exchanges (scenario_record_bench) is recorded once,
 * then replayed as many TCP connections as asked for: each replay has its own
 * client address, port, initial sequence numbers and IP IDs, but the TLS bytes
 * (randoms, keys, certificates) of the pool entry it copies. Running 40,000
 * real handshakes would take minutes; this takes seconds, and the tool under
 * test still parses every handshake in full. What the capture holds is written
 * next to it (<name>.expect) so the bench can check the tool's results, and the
 * pool's key log as <name>.keylog.
 */
#include "bench.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include "capfile.h"
#include "conv.h"
#include "scenarios.h"
#include "wire.h"

struct pool_entry {
	struct conv conv;
	enum bench_kind kind;
	uint64_t app_bytes[2]; /* application_data record bytes, per direction */
};

/* Sums the lengths of application_data records (type 23) each side sent. */
static void count_app_bytes(struct pool_entry *pe)
{
	for (int d = 0; d < 2; d++) {
		size_t need = 0; /* body bytes still to skip */
		uint8_t hdr[5];
		size_t have = 0;
		for (size_t i = 0; i < pe->conv.n; i++) {
			const struct conv_event *ev = &pe->conv.ev[i];
			if (ev->kind != EV_DATA || (int)ev->dir != d)
				continue;
			for (size_t k = 0; k < ev->len;) {
				if (need) {
					size_t t = ev->len - k < need ? ev->len - k : need;
					need -= t;
					k += t;
					continue;
				}
				hdr[have++] = ev->data[k++];
				if (have < 5)
					continue;
				have = 0;
				need = (size_t)hdr[3] << 8 | hdr[4];
				if (hdr[0] == 23)
					pe->app_bytes[d] += need;
			}
		}
	}
}

static int write_text(const char *path, const char *text, size_t len)
{
	FILE *f = fopen(path, "w");
	if (!f) {
		perror(path);
		return -1;
	}
	int err = fwrite(text, 1, len, f) != len;
	if (fclose(f) != 0 || err) {
		fprintf(stderr, "mtlsgen: %s: write failed\n", path);
		return -1;
	}
	return 0;
}

/* <out>.keylog: the pool's key log lines (every replay reuses a pool entry's randoms). */
static int write_pool_keylog(const char *out, const struct pool_entry *pool, size_t n)
{
	char path[4096];
	size_t total = 0;
	if (snprintf(path, sizeof(path), "%s.keylog", out) >= (int)sizeof(path))
		return -1;
	for (size_t i = 0; i < n; i++)
		total += pool[i].conv.keylog_len;
	char *all = malloc(total + 1), *p = all;
	if (!all)
		return -1;
	for (size_t i = 0; i < n; i++) {
		memcpy(p, pool[i].conv.keylog, pool[i].conv.keylog_len);
		p += pool[i].conv.keylog_len;
	}
	int rc = write_text(path, all, total);
	free(all);
	return rc;
}

/* Handshake-heavy: mostly TLS 1.2 mutual, some failing for lack of a
 * certificate, some TLS 1.3. Bulk: successful TLS 1.2 with 64 KiB .. 832 KiB
 * answers (about 450 KiB on average). */
static enum bench_kind kind_of(int bulk, size_t i)
{
	static const enum bench_kind hs_mix[4] = {BENCH_TLS12_MUTUAL, BENCH_TLS12_MUTUAL, BENCH_TLS12_NO_CERT,
						  BENCH_TLS13_MUTUAL};
	return bulk ? BENCH_TLS12_MUTUAL : hs_mix[i % 4];
}

static size_t response_of(int bulk, size_t i)
{
	return bulk ? (size_t)64 * 1024 * (1 + (i * 7) % 13) : 0;
}

int bench_write(const struct gen *g, const char *mode, unsigned long long amount, size_t pool_n, const char *out)
{
	int bulk = strcmp(mode, "bulk") == 0;
	if (!bulk && strcmp(mode, "hs") != 0) {
		fprintf(stderr, "mtlsgen: --bench: mode must be hs or bulk, not '%s'\n", mode);
		return -1;
	}
	if (amount == 0 || pool_n == 0) {
		fprintf(stderr, "mtlsgen: --bench: the size and the pool must be positive\n");
		return -1;
	}
	uint64_t conns_wanted = bulk ? UINT64_MAX : amount;
	uint64_t bytes_wanted = bulk ? amount * 1000000ull : UINT64_MAX;
	if (!bulk && pool_n > amount)
		pool_n = (size_t)amount;

	struct pool_entry *pool = calloc(pool_n, sizeof(*pool));
	if (!pool)
		return -1;
	int rc = -1;
	pcap_t *pd = NULL;
	pcap_dumper_t *dump = NULL;
	for (size_t i = 0; i < pool_n; i++) {
		conv_init(&pool[i].conv);
		pool[i].kind = kind_of(bulk, i);
		if (scenario_record_bench(g, pool[i].kind, response_of(bulk, i), &pool[i].conv) != 0)
			goto out;
		count_app_bytes(&pool[i]);
	}
	pd = pcap_open_dead(DLT_EN10MB, 65535);
	dump = pd ? pcap_dump_open(pd, out) : NULL;
	if (!dump) {
		fprintf(stderr, "mtlsgen: %s: %s\n", out, pd ? pcap_geterr(pd) : "cannot open");
		goto out;
	}

	/* Connections run in batches that overlap in time, as on a busy server. */
	const size_t batch = bulk ? 8 : 32;
	int64_t t = ((int64_t)g->pki->base + 3600) * 1000000;
	uint64_t conns = 0, frames = 0, bytes = 24, per_kind[BENCH_KINDS] = {0}, app[2] = {0, 0};
	while (conns < conns_wanted && bytes < bytes_wanted) {
		struct capture cap;
		int64_t t_max = t;
		capture_init(&cap);
		capture_add_if(&cap, DLT_EN10MB, NULL);
		for (size_t b = 0; b < batch && conns < conns_wanted; b++) {
			size_t batch_bytes = 0;
			for (size_t k = 0; k < cap.n; k++)
				batch_bytes += 16 + cap.f[k].len;
			if (bytes + batch_bytes >= bytes_wanted)
				break;
			const struct pool_entry *pe = &pool[conns % pool_n];
			struct wire_opts o;
			int64_t t_end = 0;
			uint32_t j = (uint32_t)conns;
			wire_defaults(&o, t + (int64_t)b * 137, (uint16_t)(1024 + j % 60000));
			o.cip[0] = 10;
			o.cip[1] = (uint8_t)(j >> 16);
			o.cip[2] = (uint8_t)(j >> 8);
			o.cip[3] = (uint8_t)j;
			o.isn_salt = j * 2246822519u + 1;
			o.disorder = bulk;
			if (wire_emit(&cap, &pe->conv, &o, &t_end) != 0) {
				capture_free(&cap);
				goto out;
			}
			if (t_end > t_max)
				t_max = t_end;
			per_kind[pe->kind]++;
			app[0] += pe->app_bytes[0];
			app[1] += pe->app_bytes[1];
			conns++;
		}
		capture_sort(&cap);
		for (size_t k = 0; k < cap.n; k++) {
			struct pcap_pkthdr h;
			memset(&h, 0, sizeof(h));
			h.ts.tv_sec = (time_t)(cap.f[k].ts_us / 1000000);
			h.ts.tv_usec = (suseconds_t)(cap.f[k].ts_us % 1000000);
			h.caplen = h.len = (bpf_u_int32)cap.f[k].len;
			pcap_dump((u_char *)dump, &h, cap.f[k].data);
			bytes += 16 + cap.f[k].len;
		}
		frames += cap.n;
		size_t n = cap.n;
		capture_free(&cap);
		if (n == 0)
			break;
		t = t_max + 1000;
	}
	if (pcap_dump_flush(dump) != 0) {
		fprintf(stderr, "mtlsgen: %s: write failed\n", out);
		goto out;
	}

	char path[4096], text[1024];
	int len = snprintf(text, sizeof(text),
			   "connections %llu\nframes %llu\nbytes %llu\nreal_exchanges %zu\n"
			   "client_cert_present %llu\nclient_cert_empty %llu\ntls13 %llu\n"
			   "client_app_bytes %llu\nserver_app_bytes %llu\n",
			   (unsigned long long)conns, (unsigned long long)frames, (unsigned long long)bytes, pool_n,
			   (unsigned long long)per_kind[BENCH_TLS12_MUTUAL],
			   (unsigned long long)per_kind[BENCH_TLS12_NO_CERT],
			   (unsigned long long)per_kind[BENCH_TLS13_MUTUAL], (unsigned long long)app[0],
			   (unsigned long long)app[1]);
	if (snprintf(path, sizeof(path), "%s.expect", out) >= (int)sizeof(path) ||
	    write_text(path, text, (size_t)len) != 0 || write_pool_keylog(out, pool, pool_n) != 0)
		goto out;
	printf("%s: %llu connections, %llu frames, %.1f MB: %llu replays of %zu real OpenSSL exchanges "
	       "(same TLS bytes and randoms, own addresses, ports and ISNs)%s\n",
	       out, (unsigned long long)conns, (unsigned long long)frames, (double)bytes / 1e6,
	       (unsigned long long)conns, pool_n,
	       bulk ? "; reordering, retransmissions and pre-capture losses in every long flight" : "");
	rc = 0;
out:
	if (dump)
		pcap_dump_close(dump);
	if (pd)
		pcap_close(pd);
	for (size_t i = 0; i < pool_n; i++)
		conv_free(&pool[i].conv);
	free(pool);
	return rc;
}
