/* fuzz_pipeline.c - the whole program on one capture file: format
 * detection and reading (pcap, pcapng, NetMon), link/IP/TCP, reassembly,
 * TLS, diagnosis and both renderers, with small limits so flow eviction,
 * the memory limit, the out-of-order cap and the handshake message limit
 * are reached.
 *
 * The input is the file. It is served through a memfd under its
 * /proc/self/fd path, so the readers open, seek and map it as on disk.
 * The report goes to /dev/null: text for inputs of even size, JSON for
 * odd ones. One input in four is read with the samples' key logs, so the
 * decryption paths (0-RTT included) see mutated records of the seeds. */
#include <glob.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cli/analysis.h"
#include "output/output.h"
#include "capture/source.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The key logs of samples/ (when run from the checkout) as one file. */
static void load_sample_keylogs(struct analysis *a)
{
	glob_t g;
	if (glob("samples/*.keylog", 0, NULL, &g) != 0)
		return;
	int fd = memfd_create("keylog", 0);
	for (size_t i = 0; fd >= 0 && i < g.gl_pathc; i++) {
		FILE *fp = fopen(g.gl_pathv[i], "rb");
		char buf[4096];
		size_t n;
		while (fp && (n = fread(buf, 1, sizeof buf, fp)) > 0)
			if (write(fd, buf, n) != (ssize_t)n)
				abort();
		if (fp)
			fclose(fp);
	}
	globfree(&g);
	if (fd < 0)
		return;
	char path[64];
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	analyzer_load_keylog(&a->an, path);
	close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64], err[512];
	int fd = memfd_create("capture", 0);
	if (fd < 0)
		abort();
	if (size && write(fd, data, size) != (ssize_t)size)
		abort();
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);

	struct options opt = {
		.format = (size & 1) ? FORMAT_JSON : FORMAT_TEXT,
		.quiet = true,
		.flow = {
			.max_flows = 4,
			.ooo_cap = 2048,
			.max_hs_msg = 8192,
			.max_frag_bytes = 64 * 1024,
			.idle_timeout_ns = 5LL * 1000000000LL,
			/* Small enough, for one input in three, that connections are
			 * evicted for memory and the report queue drains early. */
			.max_memory = size % 3 == 0 ? 96 * 1024 : 4 * 1024 * 1024,
			.max_chain = 4,
			.max_ca_names = 8,
		},
		.fail_on = -1,
	};
	struct output out = { .fp = fopen("/dev/null", "w"), .format = opt.format };
	if (!out.fp)
		abort();
	struct analysis a;
	analysis_init(&a, &opt, &out);
	if (size % 4 == 1)
		load_sample_keylogs(&a);
	struct source *src = source_open(path, err, sizeof err);
	if (src) {
		analysis_begin_file(&a, "fuzz", 0);
		struct source_frame f;
		while (source_next(src, &f, err, sizeof err) == SOURCE_FRAME)
			analyzer_frame(&a.an, f.linktype, f.data, f.caplen, f.wirelen, f.ts_ns);
		analysis_end_file(&a);
		source_close(src);
		output_run_summary(&out, &a.total, 1);
		if (a.total.reported != a.total.traffic.tls_conns) {
			fprintf(stderr, "reported %llu of %llu TLS connections\n",
				(unsigned long long)a.total.reported, (unsigned long long)a.total.traffic.tls_conns);
			abort();
		}
	}
	analysis_release(&a);
	fclose(out.fp);
	close(fd);
	return 0;
}
