/* test_an_pcap_records.c - our classic pcap reader hands out what libpcap
 * hands out: the same frames (bytes, lengths, times, link type) and, on a
 * damaged file, the same frames before the damage and the same message.
 * Over every sample and shared pcap as they are, then over damaged copies
 * of samples: cut anywhere, record lengths past the snapshot length or
 * libpcap's maximum, a small snapshot length in the file header, odd
 * times. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture/source.h"
#include "support/suite_run.h"
#include "support/test_paths.h"

struct bytes {
	uint8_t *p;
	size_t n;
};

static struct bytes slurp(const char *path)
{
	FILE *fp = fopen(path, "rb");
	ck_assert_msg(fp != NULL, "%s", path);
	struct bytes b = { NULL, 0 };
	size_t cap = 0, got;
	do {
		if (b.n == cap) {
			cap = cap ? cap * 2 : 1 << 16;
			b.p = realloc(b.p, cap);
			ck_assert_ptr_nonnull(b.p);
		}
		got = fread(b.p + b.n, 1, cap - b.n, fp);
		b.n += got;
	} while (got);
	fclose(fp);
	return b;
}

/* Reads path with both readers in step; fails at the first difference.
 * Returns the frames read; *in_place says whether ours took the file. */
static size_t compare_readers(const char *path, const char *what, bool *in_place)
{
	char err_ours[512] = "", err_lib[512] = "";
	struct source *ours = source_open_with(path, SOURCE_PCAP_OURS, err_ours, sizeof err_ours);
	struct source *lib = source_open_with(path, SOURCE_PCAP_LIBPCAP, err_lib, sizeof err_lib);
	ck_assert_msg((ours == NULL) == (lib == NULL), "%s: opened by one reader only (%s / %s)", what, err_ours,
		      err_lib);
	if (!ours) {
		ck_assert_str_eq(err_ours, err_lib);
		*in_place = false;
		return 0;
	}
	ck_assert_msg(!source_reads_in_place(lib), "%s: the libpcap reader was not libpcap", what);
	*in_place = source_reads_in_place(ours);
	size_t frames = 0;
	for (;;) {
		struct source_frame a = { 0 }, b = { 0 };
		enum source_status sa = source_next(ours, &a, err_ours, sizeof err_ours);
		enum source_status sb = source_next(lib, &b, err_lib, sizeof err_lib);
		ck_assert_msg(sa == sb, "%s frame %zu: status %d, libpcap %d (%s / %s)", what, frames + 1, sa, sb,
			      sa == SOURCE_ERROR ? err_ours : "", sb == SOURCE_ERROR ? err_lib : "");
		if (sa == SOURCE_END)
			break;
		if (sa == SOURCE_ERROR) {
			ck_assert_msg(strcmp(err_ours, err_lib) == 0, "%s frame %zu: '%s', libpcap '%s'", what,
				      frames + 1, err_ours, err_lib);
			break;
		}
		frames++;
		ck_assert_msg(a.caplen == b.caplen && a.wirelen == b.wirelen && a.linktype == b.linktype &&
				      a.ts_ns == b.ts_ns,
			      "%s frame %zu: %zu/%zu bytes link %d at %lld, libpcap %zu/%zu link %d at %lld", what,
			      frames, a.caplen, a.wirelen, a.linktype, (long long)a.ts_ns, b.caplen, b.wirelen,
			      b.linktype, (long long)b.ts_ns);
		ck_assert_msg(memcmp(a.data, b.data, a.caplen) == 0, "%s frame %zu: the bytes differ", what, frames);
	}
	source_close(ours);
	source_close(lib);
	return frames;
}

static bool is_pcap(const char *name)
{
	size_t n = strlen(name);
	return n > 5 && strcmp(name + n - 5, ".pcap") == 0;
}

static void compare_dir(const char *dir, bool must_take)
{
	DIR *d = opendir(dir);
	ck_assert_msg(d != NULL, "%s", dir);
	struct dirent *e;
	size_t files = 0, taken = 0;
	while ((e = readdir(d))) {
		if (!is_pcap(e->d_name))
			continue;
		char path[2048];
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		bool in_place;
		size_t frames = compare_readers(path, path, &in_place);
		ck_assert_msg(frames > 0, "%s: no frames", path);
		ck_assert_msg(in_place || !must_take, "%s: not read in place", path);
		files++;
		taken += in_place;
	}
	closedir(d);
	ck_assert_msg(files > 0, "%s: no pcap files", dir);
	printf("%s: %zu pcap files, %zu read in place, the same frames as libpcap\n", dir, files, taken);
}

START_TEST(samples_as_libpcap)
{
	/* The generator writes little-endian pcap 2.4: ours must take each. */
	compare_dir("samples", true);
}
END_TEST

START_TEST(shared_as_libpcap)
{
	char dir[1024];
	if (shared_captures_dir(dir, sizeof dir, "shared_as_libpcap"))
		compare_dir(dir, false);
}
END_TEST

static void put32le(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get32le(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t next_random(uint64_t *state)
{
	*state = *state * 6364136223846793005ull + 1442695040888963407ull;
	return *state >> 33;
}

/* The offsets of the record headers of an undamaged pcap. */
static size_t record_offsets(const struct bytes *b, size_t *at, size_t max)
{
	size_t n = 0;
	for (size_t off = 24; off + 16 <= b->n && n < max; off += 16 + get32le(b->p + off + 8))
		at[n++] = off;
	return n;
}

static const char *const damaged_sources[] = { "samples/tls12-mutual-ok.pcap", "samples/tls13-no-client-cert.pcap",
					       "samples/transport-reordered.pcap" };
#define MUTANTS 120

START_TEST(damaged_as_libpcap)
{
	const char *src = damaged_sources[_i];
	struct bytes orig = slurp(src);
	size_t at[4096];
	size_t records = record_offsets(&orig, at, 4096);
	ck_assert_msg(records > 4, "%s: %zu records", src, records);
	uint64_t state = 0x5eed0000u + (uint64_t)_i;
	char path[] = "/tmp/test_an_pcap_records.XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	close(fd);
	size_t errors = 0, cut_to_snapshot = 0;
	for (int m = 0; m < MUTANTS; m++) {
		struct bytes b = { malloc(orig.n), orig.n };
		ck_assert_ptr_nonnull(b.p);
		memcpy(b.p, orig.p, orig.n);
		size_t r = at[next_random(&state) % records];
		char what[256];
		switch (m % 6) {
		case 0: /* cut anywhere after the file header */
			b.n = 24 + next_random(&state) % (orig.n - 24);
			snprintf(what, sizeof what, "%s cut at %zu", src, b.n);
			break;
		case 1: { /* a record longer than libpcap allows, or than the snapshot */
			static const uint32_t lens[] = { 262144, 262145, 300000, 0xffffffffu, 65536 };
			uint32_t len = lens[next_random(&state) % 5];
			put32le(b.p + r + 8, len);
			snprintf(what, sizeof what, "%s record at %zu of %u bytes", src, r, len);
			break;
		}
		case 2: { /* a small snapshot length: records are cut to it */
			uint32_t snap = 40 + (uint32_t)(next_random(&state) % 1500);
			put32le(b.p + 16, snap);
			snprintf(what, sizeof what, "%s with snapshot length %u", src, snap);
			break;
		}
		case 3: /* a small snapshot length and the file cut */
			put32le(b.p + 16, 60 + (uint32_t)(next_random(&state) % 200));
			b.n = 24 + next_random(&state) % (orig.n - 24);
			snprintf(what, sizeof what, "%s with snapshot length %u cut at %zu", src, get32le(b.p + 16),
				 b.n);
			break;
		case 4: /* odd times and wire lengths */
			put32le(b.p + r, (uint32_t)next_random(&state) | 0x80000000u);
			put32le(b.p + r + 4, (uint32_t)next_random(&state) * 7u);
			put32le(b.p + r + 12, (uint32_t)(next_random(&state) % 64));
			snprintf(what, sizeof what, "%s record at %zu with odd time and length", src, r);
			break;
		default: /* the nanosecond magic */
			put32le(b.p, 0xa1b23c4du);
			b.n = 24 + next_random(&state) % (orig.n - 24);
			snprintf(what, sizeof what, "%s in nanoseconds cut at %zu", src, b.n);
			break;
		}
		FILE *fp = fopen(path, "wb");
		ck_assert_ptr_nonnull(fp);
		ck_assert_uint_eq(fwrite(b.p, 1, b.n, fp), b.n);
		ck_assert_int_eq(fclose(fp), 0);
		bool in_place;
		size_t frames = compare_readers(path, what, &in_place);
		ck_assert_msg(in_place || frames == 0, "%s: not read in place", what);
		errors += frames < records;
		cut_to_snapshot += m % 6 == 2;
		free(b.p);
	}
	unlink(path);
	free(orig.p);
	/* The damage was real: most copies stop before the end. */
	ck_assert_msg(errors > MUTANTS / 2, "%s: only %zu of %d copies stopped early", src, errors, MUTANTS);
	ck_assert_uint_gt(cut_to_snapshot, 0);
}
END_TEST

SUITE_MAIN("pcap_records", false, CASE("whole files", 300, samples_as_libpcap, shared_as_libpcap),
	   LOOP_CASE("damaged", 300, N_TESTS(damaged_sources), damaged_as_libpcap))
