/* test_an_netmon.c - our NetMon reader (analyzer/capture/netmon.c).
 *
 * - the committed NetMon 2.0 samples (editcap -F netmon2) frame by frame
 *   against their pcap originals read by libpcap (microseconds);
 * - netmon1/netmon2 copies made now by editcap, when it is installed;
 * - the real NetMon 2.0 file in ../shared/captures against tshark;
 * - hand-built 2.1/2.2/2.3/1.x files: per-frame media types, the records
 *   Wireshark does not number, 802.11 metadata headers, FILETIMEs;
 * - damaged copies: a damaged or missing frame table is replaced by a walk
 *   over the records, which must yield the pcap original's frames; a
 *   damaged record is an error naming the frame, after the frames before;
 * - both samples cut every 97 bytes against the pcap cut after the same
 *   frame, frame by frame and through the whole program;
 * - a table naming one 256 KiB record in every entry: each record read once;
 * - the whole binary: the JSON report equals the pcap one but for "file".
 *
 * Wireshark reads the header's start time in the reader's local time zone;
 * we read it as UTC, so tshark and editcap run here with TZ=UTC. */
#include <check.h>
#include <jansson.h>
#include <pcap/pcap.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "link.h"
#include "capture/netmon.h"
#include "capture/source.h"
#include "support/suite_run.h"
#include "support/test_paths.h"
#include "support/test_rounds.h"

struct frame {
	uint8_t *data;
	size_t caplen, wirelen;
	int linktype;
	int64_t ts_ns;
};

struct frames {
	struct frame *v;
	size_t n, cap;
	enum source_status last; /* SOURCE_END or SOURCE_ERROR */
	char err[512];
};

static void frames_add(struct frames *fs, const uint8_t *p, size_t caplen, size_t wirelen, int lt, int64_t ts)
{
	if (fs->n == fs->cap) {
		fs->cap = fs->cap ? fs->cap * 2 : 64;
		fs->v = realloc(fs->v, fs->cap * sizeof *fs->v);
		ck_assert_ptr_nonnull(fs->v);
	}
	struct frame *f = &fs->v[fs->n++];
	f->data = malloc(caplen ? caplen : 1);
	ck_assert_ptr_nonnull(f->data);
	if (caplen)
		memcpy(f->data, p, caplen);
	f->caplen = caplen;
	f->wirelen = wirelen;
	f->linktype = lt;
	f->ts_ns = ts;
}

static void frames_free(struct frames *fs)
{
	for (size_t i = 0; i < fs->n; i++)
		free(fs->v[i].data);
	free(fs->v);
	memset(fs, 0, sizeof *fs);
}

/* Every frame through the NetMon reader; false when it would not open. */
static bool read_netmon(const char *path, struct frames *fs)
{
	memset(fs, 0, sizeof *fs);
	struct netmon_reader *r = netmon_reader_open(path, fs->err, sizeof fs->err);
	if (!r)
		return false;
	struct source_frame f;
	for (;;) {
		enum source_status st = netmon_reader_next(r, &f, fs->err, sizeof fs->err);
		if (st != SOURCE_FRAME) {
			fs->last = st;
			break;
		}
		frames_add(fs, f.data, f.caplen, f.wirelen, f.linktype, f.ts_ns);
	}
	netmon_reader_close(r);
	return true;
}

static void read_pcap(const char *path, struct frames *fs)
{
	char perr[PCAP_ERRBUF_SIZE];
	memset(fs, 0, sizeof *fs);
	pcap_t *p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, perr);
	ck_assert_msg(p != NULL, "%s: %s", path, perr);
	struct pcap_pkthdr *h;
	const u_char *d;
	while (pcap_next_ex(p, &h, &d) == 1)
		frames_add(fs, d, h->caplen, h->len, pcap_datalink(p),
			   (int64_t)h->ts.tv_sec * 1000000000LL + h->ts.tv_usec);
	fs->last = SOURCE_END;
	pcap_close(p);
}

/* NetMon against the pcap original: same bytes, lengths and link type,
 * times within tol_ns (0: equal at microseconds). */
static void compare(const char *what, const struct frames *nm, const struct frames *pc, int64_t tol_ns)
{
	ck_assert_msg(nm->last == SOURCE_END, "%s: %s", what, nm->err);
	ck_assert_msg(nm->n == pc->n, "%s: %zu frames, the pcap has %zu", what, nm->n, pc->n);
	for (size_t i = 0; i < nm->n; i++) {
		const struct frame *a = &nm->v[i], *b = &pc->v[i];
		ck_assert_msg(a->caplen == b->caplen, "%s frame %zu: caplen %zu vs %zu", what, i + 1, a->caplen,
			      b->caplen);
		ck_assert_msg(a->wirelen == b->wirelen, "%s frame %zu: len %zu vs %zu", what, i + 1, a->wirelen,
			      b->wirelen);
		ck_assert_msg(memcmp(a->data, b->data, a->caplen) == 0, "%s frame %zu: bytes differ", what, i + 1);
		ck_assert_msg(a->linktype == b->linktype, "%s frame %zu: linktype %d vs %d", what, i + 1, a->linktype,
			      b->linktype);
		if (tol_ns == 0)
			ck_assert_msg(a->ts_ns / 1000 == b->ts_ns / 1000, "%s frame %zu: %lld vs %lld ns", what, i + 1,
				      (long long)a->ts_ns, (long long)b->ts_ns);
		else
			ck_assert_msg(llabs(a->ts_ns - b->ts_ns) <= tol_ns, "%s frame %zu: %lld vs %lld ns", what,
				      i + 1, (long long)a->ts_ns, (long long)b->ts_ns);
	}
}

static bool have_tool(const char *name)
{
	char cmd[256];
	snprintf(cmd, sizeof cmd, "command -v %s >/dev/null 2>&1", name);
	return system(cmd) == 0;
}

static char tmpdir[256];

static const char *tmp_path(char *buf, size_t n, const char *name)
{
	if (!tmpdir[0]) {
		const char *t = getenv("TMPDIR");
		snprintf(tmpdir, sizeof tmpdir, "%s/test_an_netmon.XXXXXX", t && *t ? t : "/tmp");
		ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	}
	snprintf(buf, n, "%s/%s", tmpdir, name);
	return buf;
}

static void write_file(const char *path, const void *p, size_t n)
{
	FILE *fp = fopen(path, "wb");
	ck_assert_ptr_nonnull(fp);
	ck_assert_uint_eq(fwrite(p, 1, n, fp), n);
	fclose(fp);
}

static uint8_t *slurp(const char *path, size_t *n)
{
	FILE *fp = fopen(path, "rb");
	ck_assert_msg(fp != NULL, "cannot open %s", path);
	fseek(fp, 0, SEEK_END);
	long len = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	uint8_t *p = malloc((size_t)len + 1);
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq(fread(p, 1, (size_t)len, fp), (size_t)len);
	fclose(fp);
	*n = (size_t)len;
	return p;
}

static uint32_t get32le(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void set32le(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* ---- the committed samples and editcap copies ---- */

static const char *const sample_names[] = { "tls12-mutual-ok", "tls12-empty-client-cert" };

START_TEST(test_committed_samples)
{
	char nm[256], pc[256];
	snprintf(nm, sizeof nm, "samples/%s.netmon.cap", sample_names[_i]);
	snprintf(pc, sizeof pc, "samples/%s.pcap", sample_names[_i]);
	struct frames a, b;
	ck_assert_msg(read_netmon(nm, &a), "%s: %s", nm, a.err);
	read_pcap(pc, &b);
	ck_assert_uint_gt(b.n, 10);
	compare(nm, &a, &b, 0);
	frames_free(&a);
	frames_free(&b);
}
END_TEST

static const char *const editcap_sources[] = {
	"samples/tls12-mutual-ok.pcap",	 "samples/tls12-empty-client-cert.pcap", "samples/transport-ipv6.pcap",
	"samples/transport-vlan.pcap",	 "samples/transport-tiny-segments.pcap", "samples/tls12-huge-ca-list.pcap",
};

START_TEST(test_editcap_copies)
{
	if (!have_tool("editcap")) {
		printf("SKIP netmon editcap copies: editcap is not installed\n");
		return;
	}
	const char *src = editcap_sources[_i];
	const char *fmts[] = { "netmon2", "netmon1" };
	struct frames b;
	read_pcap(src, &b);
	for (int k = 0; k < 2; k++) {
		char out[512], cmd[1200];
		tmp_path(out, sizeof out, fmts[k]);
		snprintf(cmd, sizeof cmd, "TZ=UTC editcap -F %s '%s' '%s' 2>/dev/null", fmts[k], src, out);
		ck_assert_msg(system(cmd) == 0, "%s failed", cmd);
		struct frames a;
		ck_assert_msg(read_netmon(out, &a), "%s: %s", out, a.err);
		/* 1.x keeps milliseconds, rounded by the writer. */
		char what[600];
		snprintf(what, sizeof what, "%s as %s", src, fmts[k]);
		compare(what, &a, &b, k == 0 ? 0 : 500000);
		frames_free(&a);
	}
	frames_free(&b);
}
END_TEST

/* ---- tshark's view ---- */

struct tshark_frame {
	long no;
	int64_t ts_ns;
	size_t caplen;
};

/* frame.number, time and cap_len as tshark shows them; -1 without tshark. */
static long tshark_frames(const char *path, struct tshark_frame *out, long max)
{
	if (!have_tool("tshark"))
		return -1;
	char cmd[1024], line[256];
	snprintf(cmd, sizeof cmd,
		 "TZ=UTC tshark -r '%s' -T fields -e frame.number -e frame.time_epoch -e frame.cap_len 2>/dev/null",
		 path);
	FILE *p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	long n = 0;
	while (fgets(line, sizeof line, p) && n < max) {
		long no, sec, frac;
		char fracs[16] = "";
		unsigned long cl;
		if (sscanf(line, "%ld %ld.%15[0-9] %lu", &no, &sec, fracs, &cl) != 4)
			continue;
		size_t fl = strlen(fracs);
		frac = strtol(fracs, NULL, 10);
		for (size_t i = fl; i < 9; i++)
			frac *= 10;
		out[n].no = no;
		out[n].ts_ns = (int64_t)sec * 1000000000LL + frac;
		out[n].caplen = cl;
		n++;
	}
	pclose(p);
	return n;
}

static void compare_tshark(const char *path, const struct frames *nm, const struct tshark_frame *t, long nt)
{
	ck_assert_msg((long)nm->n == nt, "%s: %zu frames, tshark shows %ld", path, nm->n, nt);
	for (long i = 0; i < nt; i++) {
		ck_assert_int_eq(t[i].no, i + 1);
		ck_assert_msg(nm->v[i].ts_ns == t[i].ts_ns, "%s frame %ld: %lld ns, tshark %lld", path, i + 1,
			      (long long)nm->v[i].ts_ns, (long long)t[i].ts_ns);
		ck_assert_msg(nm->v[i].caplen == t[i].caplen, "%s frame %ld: caplen %zu, tshark %zu", path, i + 1,
			      nm->v[i].caplen, t[i].caplen);
	}
}

START_TEST(test_real_netmon20)
{
	char path[512];
	snprintf(path, sizeof path, "%s/captures/wiresharkwiki-BitTorrent.Transfer1.cap", test_shared_dir());
	struct stat st;
	if (stat(path, &st) != 0) {
		printf("SKIP real NetMon 2.0 file: %s not found (set MTLS_SHARED to the shared folder)\n", path);
		return;
	}
	struct frames nm;
	ck_assert_msg(read_netmon(path, &nm), "%s: %s", path, nm.err);
	ck_assert_msg(nm.last == SOURCE_END, "%s: %s", path, nm.err);
	for (size_t i = 0; i < nm.n; i++)
		ck_assert_int_eq(nm.v[i].linktype, LINKTYPE_ETHERNET);
	struct tshark_frame t[64];
	long nt = tshark_frames(path, t, 64);
	if (nt < 0) {
		/* Measured with TZ=UTC tshark 4.0.17 -T fields -e frame.number
		 * -e frame.time_epoch -e frame.cap_len on this file. */
		static const struct tshark_frame known[] = {
			{ 1, 1120380845539000000LL, 122 },  { 2, 1120380845566000000LL, 122 },
			{ 3, 1120380845892000000LL, 122 },  { 4, 1120380846930000000LL, 418 },
			{ 5, 1120380855578000000LL, 122 },  { 6, 1120380855632000000LL, 122 },
			{ 7, 1120380855723000000LL, 122 },  { 8, 1120380861313000000LL, 151 },
			{ 9, 1120380861533000000LL, 122 },  { 10, 1120380861634000000LL, 122 },
			{ 11, 1120380861995000000LL, 122 }, { 12, 1120380866038000000LL, 151 },
			{ 13, 1120380882551000000LL, 404 },
		};
		printf("netmon: tshark not installed; comparing with values measured earlier\n");
		nt = (long)(sizeof known / sizeof known[0]);
		memcpy(t, known, sizeof known);
	}
	compare_tshark(path, &nm, t, nt);
	frames_free(&nm);
}
END_TEST

/* ---- hand-built files ---- */

struct buf {
	uint8_t *p;
	size_t len, cap;
};

static void put(struct buf *b, const void *p, size_t n)
{
	if (b->len + n > b->cap) {
		b->cap = (b->len + n) * 2 + 64;
		b->p = realloc(b->p, b->cap);
		ck_assert_ptr_nonnull(b->p);
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

static void put_le(struct buf *b, uint64_t v, int n)
{
	uint8_t x[8];
	for (int i = 0; i < n; i++)
		x[i] = (uint8_t)(v >> (8 * i));
	put(b, x, (size_t)n);
}

struct crec {
	uint64_t delta; /* 2.x: us, 1.x: ms */
	uint16_t media;
	uint64_t filetime;
	const uint8_t *data;
	uint32_t len;
};

/* 2026-03-02 10:00:00.250 UTC as a SYSTEMTIME */
static const uint16_t start_st[8] = { 2026, 3, 1, 2, 10, 0, 0, 250 };
#define START_NS (1772445600LL * 1000000000LL + 250000000LL)
#define FT(unix_ns) ((uint64_t)((unix_ns) / 100 + 116444736000000000LL))

/* A NetMon file: 128-byte header, then records and the frame table (or
 * the table first). Returns the offset of each record in offs. */
static void craft(struct buf *b, const char *magic, uint8_t major, uint8_t minor, uint16_t file_media,
		  const struct crec *r, size_t n, bool table_first, uint32_t *offs)
{
	memset(b, 0, sizeof *b);
	uint8_t zero[128] = { 0 };
	put(b, zero, 128);
	size_t hl = major == 1 ? 8 : 16;
	size_t tl = major == 2 && minor >= 1 ? (minor == 1 ? 2 : minor == 2 ? 6 : 15) : 0;
	uint32_t off = 128 + (table_first ? (uint32_t)n * 4 : 0);
	for (size_t i = 0; i < n; i++) {
		offs[i] = off;
		off += (uint32_t)(hl + r[i].len + tl);
	}
	uint32_t table_off = table_first ? 128 : off;
	if (table_first)
		for (size_t i = 0; i < n; i++)
			put_le(b, offs[i], 4);
	for (size_t i = 0; i < n; i++) {
		if (major == 1) {
			put_le(b, r[i].delta, 4);
			put_le(b, r[i].len, 2);
			put_le(b, r[i].len, 2);
		} else {
			put_le(b, r[i].delta, 8);
			put_le(b, r[i].len, 4);
			put_le(b, r[i].len, 4);
		}
		put(b, r[i].data, r[i].len);
		if (tl >= 2)
			put_le(b, r[i].media, 2);
		if (tl >= 6)
			put_le(b, 0, 4);
		if (tl >= 15) {
			put_le(b, r[i].filetime, 8);
			put_le(b, 0, 1);
		}
	}
	if (!table_first)
		for (size_t i = 0; i < n; i++)
			put_le(b, offs[i], 4);
	/* the header */
	memcpy(b->p, magic, 4);
	b->p[4] = minor;
	b->p[5] = major;
	b->p[6] = (uint8_t)file_media;
	b->p[7] = (uint8_t)(file_media >> 8);
	for (int i = 0; i < 8; i++) {
		b->p[8 + 2 * i] = (uint8_t)start_st[i];
		b->p[9 + 2 * i] = (uint8_t)(start_st[i] >> 8);
	}
	set32le(b->p + 24, table_off);
	set32le(b->p + 28, (uint32_t)n * 4);
}

/* An Ethernet + IPv4 + TCP frame, and the same without Ethernet. */
static const uint8_t eth_frame[] = {
	0x00, 0x14, 0x02, 0x00, 0x00, 0x00, 0x0a, 0x00, 0x00, 0x00, 0x00, 0x01, 0x08, 0x00, 0x45, 0x00,
	0x00, 0x28, 0x00, 0x01, 0x00, 0x00, 0x40, 0x06, 0x00, 0x00, 0xc0, 0x00, 0x02, 0x0a, 0xc6, 0x33,
	0x64, 0x14, 0xc3, 0xb4, 0x01, 0xbb, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x50, 0x02,
	0x20, 0x00, 0x00, 0x00, 0x00, 0x00,
};
#define IP_OFF 14

static void write_crafted(const char *name, char *path, size_t pn, const struct buf *b)
{
	tmp_path(path, pn, name);
	write_file(path, b->p, b->len);
}

/* b written as name (its path in path) and read whole into nm: n frames,
 * then the end. */
static void read_back(const char *name, char *path, size_t pn, const struct buf *b, struct frames *nm, size_t n)
{
	write_crafted(name, path, pn, b);
	ck_assert_msg(read_netmon(path, nm), "%s: %s", name, nm->err);
	ck_assert_msg(nm->last == SOURCE_END, "%s: %s", name, nm->err);
	ck_assert_uint_eq(nm->n, n);
}

START_TEST(test_media_types_and_numbering)
{
	/* NetMon 2.1: per-frame media types, including the three metadata
	 * types Wireshark drops without a frame number. */
	uint8_t wifi[32 + 24] = { 2, 32, 0 }; /* NetMon 802.11 header v2, 32 bytes, then 24 bytes of 802.11 */
	for (size_t i = 32; i < sizeof wifi; i++)
		wifi[i] = (uint8_t)i;
	static const uint8_t meta[] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	const struct crec recs[] = {
		{ 0, 1, 0, eth_frame, sizeof eth_frame },                            /* 1 Ethernet */
		{ 1000, 0xFFFD, 0, meta, sizeof meta },                              /* network info: dropped */
		{ 2000, 9, 0, eth_frame + IP_OFF, sizeof eth_frame - IP_OFF },       /* 2 raw IP */
		{ 3000, 0xFFE0, 0, meta, sizeof meta },                              /* 3 NetEvent */
		{ 4000, 0xFFFE, 0, meta, sizeof meta },                              /* DNS cache: dropped */
		{ 5000, 6, 0, wifi, sizeof wifi },                                   /* 4 802.11, header stripped */
		{ 6000, 0xFFFC, 0, meta, sizeof meta },                              /* payload header: dropped */
		{ 7000, 0xE000 + 101, 0, eth_frame + IP_OFF, sizeof eth_frame - IP_OFF }, /* 5 pcap RAW */
		{ 8000, 0xFFFF, 0, meta, sizeof meta },                              /* 6 filter */
		{ 9000, 7, 0, eth_frame + IP_OFF, sizeof eth_frame - IP_OFF },       /* 7 tunnel: raw IP */
		{ 10000, 0, 0, eth_frame, sizeof eth_frame },                        /* 8 type 0: Ethernet */
	};
	const size_t n = sizeof recs / sizeof recs[0];
	uint32_t offs[16];
	struct buf b;
	char path[512];
	craft(&b, "GMBU", 2, 1, 1, recs, n, false, offs);
	struct frames nm;
	read_back("media.cap", path, sizeof path, &b, &nm, 8);
	static const int want_lt[] = { LINKTYPE_ETHERNET, LINKTYPE_RAW, NETMON_LINKTYPE_BASE + 0xFFE0, 105,
				       LINKTYPE_RAW,	  NETMON_LINKTYPE_BASE + 0xFFFF, LINKTYPE_RAW, LINKTYPE_ETHERNET };
	static const int64_t want_us[] = { 0, 2000, 3000, 5000, 7000, 8000, 9000, 10000 };
	for (size_t i = 0; i < nm.n; i++) {
		ck_assert_msg(nm.v[i].linktype == want_lt[i], "frame %zu: linktype %d, want %d", i + 1,
			      nm.v[i].linktype, want_lt[i]);
		ck_assert_int_eq(nm.v[i].ts_ns, START_NS + want_us[i] * 1000);
	}
	ck_assert_uint_eq(nm.v[1].caplen, sizeof eth_frame - IP_OFF);
	ck_assert_mem_eq(nm.v[1].data, eth_frame + IP_OFF, nm.v[1].caplen);
	ck_assert_uint_eq(nm.v[3].caplen, 24);
	ck_assert_mem_eq(nm.v[3].data, wifi + 32, 24);

	struct tshark_frame t[32];
	long nt = tshark_frames(path, t, 32);
	if (nt < 0)
		printf("SKIP netmon numbering against tshark: tshark is not installed\n");
	else
		ck_assert_msg(nt == (long)nm.n, "tshark shows %ld frames, we %zu", nt, nm.n);
	for (long i = 0; i < nt; i++)
		ck_assert_msg(t[i].ts_ns == nm.v[i].ts_ns, "frame %ld: %lld vs tshark %lld", i + 1,
			      (long long)nm.v[i].ts_ns, (long long)t[i].ts_ns);
	frames_free(&nm);
	free(b.p);

	/* An unknown media type is handed out (the analyzer skips it with a
	 * note) and reading goes on; tshark stops there. */
	const struct crec unk[] = {
		{ 0, 1, 0, eth_frame, sizeof eth_frame },
		{ 1, 10, 0, meta, sizeof meta },
		{ 2, 1, 0, eth_frame, sizeof eth_frame },
	};
	craft(&b, "GMBU", 2, 1, 1, unk, 3, false, offs);
	read_back("unknown.cap", path, sizeof path, &b, &nm, 3);
	ck_assert_int_eq(nm.v[1].linktype, NETMON_LINKTYPE_BASE + 10);
	ck_assert(!link_type_supported(nm.v[1].linktype));
	ck_assert_int_eq(nm.v[2].linktype, LINKTYPE_ETHERNET);
	frames_free(&nm);
	free(b.p);
}
END_TEST

START_TEST(test_versions_and_times)
{
	uint32_t offs[8];
	struct buf b;
	char path[512];
	struct frames nm;
	struct tshark_frame t[16];

	/* 2.3: the per-frame UTC FILETIME wins over start + offset (100 ns
	 * resolution); a zero FILETIME falls back to start + offset. */
	const int64_t t1 = 1772445600LL * 1000000000LL + 123456700LL;
	const struct crec v23[] = {
		{ 0, 1, FT(t1), eth_frame, sizeof eth_frame },
		{ 5, 1, 0, eth_frame, sizeof eth_frame },
		{ 99999999, 1, FT(t1 + 1500), eth_frame, sizeof eth_frame },
	};
	craft(&b, "GMBU", 2, 3, 1, v23, 3, false, offs);
	read_back("v23.cap", path, sizeof path, &b, &nm, 3);
	ck_assert_int_eq(nm.v[0].ts_ns, t1);
	ck_assert_int_eq(nm.v[1].ts_ns, START_NS + 5000);
	ck_assert_int_eq(nm.v[2].ts_ns, t1 + 1500);
	frames_free(&nm);
	free(b.p);

	/* 2.2 (6-byte trailer), table before the records; 2.0 (no trailer:
	 * the header's media type); 1.x (ms offsets, 16-bit lengths). */
	const struct crec plain[] = {
		{ 0, 1, 0, eth_frame, sizeof eth_frame },
		{ 1500, 9, 0, eth_frame + IP_OFF, sizeof eth_frame - IP_OFF },
		{ 2500, 1, 0, eth_frame, sizeof eth_frame },
	};
	craft(&b, "GMBU", 2, 2, 1, plain, 3, true, offs);
	read_back("v22.cap", path, sizeof path, &b, &nm, 3);
	ck_assert_int_eq(nm.v[1].linktype, LINKTYPE_RAW);
	ck_assert_int_eq(nm.v[2].ts_ns, START_NS + 2500000);
	long nt = tshark_frames(path, t, 16);
	if (nt >= 0)
		compare_tshark(path, &nm, t, nt);
	frames_free(&nm);
	free(b.p);

	const struct crec same[] = {
		{ 0, 0, 0, eth_frame + IP_OFF, sizeof eth_frame - IP_OFF },
		{ 1500, 0, 0, eth_frame + IP_OFF, sizeof eth_frame - IP_OFF },
	};
	craft(&b, "GMBU", 2, 0, 9, same, 2, false, offs);
	read_back("v20raw.cap", path, sizeof path, &b, &nm, 2);
	ck_assert_int_eq(nm.v[0].linktype, LINKTYPE_RAW);
	ck_assert_int_eq(nm.v[1].ts_ns, START_NS + 1500000);
	nt = tshark_frames(path, t, 16);
	if (nt >= 0)
		compare_tshark(path, &nm, t, nt);
	frames_free(&nm);
	free(b.p);

	craft(&b, "RTSS", 1, 1, 1, plain, 3, false, offs);
	read_back("v1.cap", path, sizeof path, &b, &nm, 3);
	ck_assert_int_eq(nm.v[1].linktype, LINKTYPE_ETHERNET); /* 1.x: the header's type */
	ck_assert_int_eq(nm.v[1].ts_ns, START_NS + 1500LL * 1000000);
	nt = tshark_frames(path, t, 16);
	if (nt >= 0)
		compare_tshark(path, &nm, t, nt);
	frames_free(&nm);

	/* Version 3.0 is refused with a message; so is a short header. */
	b.p[5] = 3;
	write_crafted("v3.cap", path, sizeof path, &b);
	ck_assert(!read_netmon(path, &nm));
	ck_assert_msg(strstr(nm.err, "version 3.1") != NULL, "%s", nm.err);
	write_crafted("short.cap", path, sizeof path, &(struct buf){ b.p, 40, 40 });
	ck_assert(!read_netmon(path, &nm));
	ck_assert_msg(strstr(nm.err, "truncated") != NULL, "%s", nm.err);
	free(b.p);

	/* An empty frame table is an empty capture. */
	craft(&b, "GMBU", 2, 1, 1, plain, 0, false, offs);
	read_back("empty.cap", path, sizeof path, &b, &nm, 0);
	free(b.p);
}
END_TEST

/* ---- damaged files ---- */

/* Reads a damaged copy: exactly `good` frames, then SOURCE_ERROR with
 * "frame <good+1>" and `needle` in the message. */
static void expect_damage(const char *what, const uint8_t *p, size_t n, size_t good, const char *needle)
{
	char path[512], want[64];
	struct frames nm;
	tmp_path(path, sizeof path, "damaged.cap");
	write_file(path, p, n);
	ck_assert_msg(read_netmon(path, &nm), "%s: did not open: %s", what, nm.err);
	ck_assert_msg(nm.last == SOURCE_ERROR, "%s: no error (%zu frames)", what, nm.n);
	ck_assert_msg(nm.n == good, "%s: %zu frames before the error, want %zu (%s)", what, nm.n, good, nm.err);
	snprintf(want, sizeof want, "frame %zu", good + 1);
	ck_assert_msg(strstr(nm.err, want) != NULL, "%s: '%s' does not name %s", what, nm.err, want);
	ck_assert_msg(strstr(nm.err, needle) != NULL, "%s: '%s' lacks '%s'", what, nm.err, needle);
	frames_free(&nm);
}

/* A damaged table: the records are walked in file order. Exactly `want`
 * frames, each equal to the pcap original's frame of the same number, then
 * `last` (for SOURCE_ERROR, naming frame want+1 and `needle`). */
static void expect_recovered(const char *what, const uint8_t *p, size_t n, const struct frames *pc, size_t want,
			     enum source_status last, const char *needle)
{
	char path[512], name[64];
	struct frames nm;
	tmp_path(path, sizeof path, "recovered.cap");
	write_file(path, p, n);
	ck_assert_msg(read_netmon(path, &nm), "%s: did not open: %s", what, nm.err);
	ck_assert_msg(nm.n == want, "%s: %zu frames, want %zu (%s)", what, nm.n, want, nm.err);
	ck_assert_msg(nm.last == last, "%s: ended with %d, want %d (%s)", what, nm.last, last, nm.err);
	for (size_t i = 0; i < nm.n; i++) {
		ck_assert_msg(nm.v[i].caplen == pc->v[i].caplen && memcmp(nm.v[i].data, pc->v[i].data, nm.v[i].caplen) == 0,
			      "%s: frame %zu differs from the pcap's", what, i + 1);
		ck_assert_msg(nm.v[i].ts_ns / 1000 == pc->v[i].ts_ns / 1000, "%s: frame %zu time", what, i + 1);
	}
	if (last == SOURCE_ERROR) {
		snprintf(name, sizeof name, "frame %zu", want + 1);
		ck_assert_msg(strstr(nm.err, name) != NULL, "%s: '%s' does not name %s", what, nm.err, name);
		ck_assert_msg(strstr(nm.err, needle) != NULL, "%s: '%s' lacks '%s'", what, nm.err, needle);
	}
	frames_free(&nm);
}

/* Where record i ends, read from the record's own header: 16 bytes, the
 * captured bytes, the 2.1+ trailer (none in 2.0). */
static size_t record_end(const uint8_t *file, uint32_t off)
{
	uint8_t minor = file[4];
	size_t tl = minor == 0 ? 0 : minor == 1 ? 2 : minor == 2 ? 6 : 15;
	return off + 16 + get32le(file + off + 12) + tl;
}

START_TEST(test_damaged)
{
	size_t n;
	uint8_t *orig = slurp("samples/tls12-mutual-ok.netmon.cap", &n);
	uint8_t *p = malloc(n);
	ck_assert_ptr_nonnull(p);
	uint32_t toff = get32le(orig + 24), tlen = get32le(orig + 28);
	ck_assert_uint_eq(tlen, 15 * 4);
	ck_assert_uint_eq(toff + tlen, n);
	struct frames pc;
	read_pcap("samples/tls12-mutual-ok.pcap", &pc);
	ck_assert_uint_eq(pc.n, 15);

	/* The frame table offset past the end of the file: the walk reads
	 * every record, then takes the table for a 16th record, which runs
	 * past the end. */
	memcpy(p, orig, n);
	set32le(p + 24, (uint32_t)n + 1000);
	expect_recovered("table past EOF", p, n, &pc, 15, SOURCE_ERROR, "runs past the end of the file");

	/* The table runs past the end: its length claims 20 entries. The
	 * walk ends where the table starts. */
	memcpy(p, orig, n);
	set32le(p + 28, 20 * 4);
	expect_recovered("table too long", p, n, &pc, 15, SOURCE_END, NULL);

	/* Truncated inside the frame table (written last). */
	expect_recovered("truncated in the table", orig, n - 10, &pc, 15, SOURCE_END, NULL);

	/* Truncated inside the records: the table is gone; the records
	 * wholly before the cut are read, then the cut one is named. */
	size_t cut = n / 2, whole = 0;
	while (whole < 15 && record_end(orig, get32le(orig + toff + 4 * whole)) <= cut)
		whole++;
	expect_recovered("truncated in the records", orig, cut, &pc, whole, SOURCE_ERROR, "runs past the end");

	/* Entry 9 points beyond EOF. */
	memcpy(p, orig, n);
	set32le(p + toff + 8 * 4, (uint32_t)n + 5000);
	expect_recovered("entry past EOF", p, n, &pc, 15, SOURCE_END, NULL);

	/* Entry 5 points to the last bytes: the record there would run past
	 * the end. */
	memcpy(p, orig, n);
	set32le(p + toff + 4 * 4, (uint32_t)n - 20);
	expect_recovered("record past EOF", p, n, &pc, 15, SOURCE_END, NULL);

	/* Entry 2 points into the header. */
	memcpy(p, orig, n);
	set32le(p + toff + 1 * 4, 20);
	expect_recovered("entry in the header", p, n, &pc, 15, SOURCE_END, NULL);

	/* Out of order (6 and 7 swapped), a duplicate (entry 5 again in 6),
	 * and entry 4 pointing into record 3: the records are still there. */
	memcpy(p, orig, n);
	set32le(p + toff + 5 * 4, get32le(orig + toff + 6 * 4));
	set32le(p + toff + 6 * 4, get32le(orig + toff + 5 * 4));
	expect_recovered("out of order", p, n, &pc, 15, SOURCE_END, NULL);
	memcpy(p, orig, n);
	set32le(p + toff + 5 * 4, get32le(orig + toff + 4 * 4));
	expect_recovered("duplicate", p, n, &pc, 15, SOURCE_END, NULL);
	memcpy(p, orig, n);
	set32le(p + toff + 3 * 4, get32le(orig + toff + 2 * 4) + 20);
	expect_recovered("overlapping", p, n, &pc, 15, SOURCE_END, NULL);

	/* Frame 3 claims 16 MiB of captured bytes: the record itself is
	 * damaged, and a walk cannot step over it either. */
	memcpy(p, orig, n);
	uint32_t r3 = get32le(orig + toff + 2 * 4);
	set32le(p + r3 + 12, 16u << 20);
	expect_damage("huge caplen", p, n, 2, "more than the 262144");

	/* A table length that is not a multiple of 4. */
	memcpy(p, orig, n);
	set32le(p + 28, 14 * 4 + 2);
	expect_recovered("partial entry", p, n, &pc, 15, SOURCE_END, NULL);

	/* The same through the whole program: the damage is told once,
	 * naming the file and the offsets, and the connection is reported
	 * whole. */
	memcpy(p, orig, n);
	set32le(p + toff + 13 * 4, 0xFFFFFFF0u);
	char path[512], cmd[1200];
	tmp_path(path, sizeof path, "damaged-run.cap");
	write_file(path, p, n);
	const char *bin = test_binary();
	snprintf(cmd, sizeof cmd, "%s -F json '%s' 2>&1", bin, path);
	FILE *fp = popen(cmd, "r");
	ck_assert_ptr_nonnull(fp);
	int told = 0;
	bool report = false;
	char want[600], *ln = NULL;
	size_t ln_cap = 0;
	snprintf(want, sizeof want, "%s: the NetMon frame table (at offset %u) is damaged: entry 14", path, toff);
	while (getline(&ln, &ln_cap, fp) > 0) {
		told += strstr(ln, want) != NULL && strstr(ln, "from offset 128 on are recovered by walking") != NULL;
		report |= strstr(ln, "\"client_certificate\"") != NULL && strstr(ln, "\"last_frame\":15") != NULL;
	}
	int rc = pclose(fp);
	ck_assert_msg(told == 1, "%s: the damage was told %d times", cmd, told);
	ck_assert_msg(report, "%s: the connection was not reported through frame 15", cmd);
	ck_assert_int_eq(WEXITSTATUS(rc), 0);

	/* Cut in a record: exit status 2, the cut frame named, and the
	 * connection read before it reported. */
	tmp_path(path, sizeof path, "cut-run.cap");
	write_file(path, orig, cut);
	snprintf(cmd, sizeof cmd, "%s -F json '%s' 2>&1", bin, path);
	fp = popen(cmd, "r");
	ck_assert_ptr_nonnull(fp);
	bool named = false;
	report = false;
	snprintf(want, sizeof want, "frame %zu at offset", whole + 1);
	while (getline(&ln, &ln_cap, fp) > 0) {
		named |= strstr(ln, want) != NULL && strstr(ln, "runs past the end of the file") != NULL;
		report |= strstr(ln, "\"client_certificate\"") != NULL;
	}
	free(ln);
	rc = pclose(fp);
	ck_assert_msg(named, "%s: no message naming frame %zu", cmd, whole + 1);
	ck_assert_msg(report, "%s: the connection was not reported", cmd);
	ck_assert_int_eq(WEXITSTATUS(rc), 2);
	frames_free(&pc);
	free(p);
	free(orig);
}
END_TEST

/* A table-first file cut in the middle of record 3: two frames, then an
 * error for frame 3. */
START_TEST(test_truncated_table_first)
{
	const struct crec recs[] = {
		{ 0, 1, 0, eth_frame, sizeof eth_frame },
		{ 10, 1, 0, eth_frame, sizeof eth_frame },
		{ 20, 1, 0, eth_frame, sizeof eth_frame },
		{ 30, 1, 0, eth_frame, sizeof eth_frame },
	};
	uint32_t offs[4];
	struct buf b;
	craft(&b, "GMBU", 2, 1, 1, recs, 4, true, offs);
	expect_damage("cut in record 3", b.p, offs[2] + 20, 2, "runs past the end");
	expect_damage("cut in header 3", b.p, offs[2] + 5, 2, "points past the end");
	free(b.p);
}
END_TEST

/* Files without a usable table, of both record layouts: a 1.x file cut
 * inside its table, and 2.x files whose header names no table at all (as
 * a capture still being written has), with or without records. */
START_TEST(test_no_table)
{
	const struct crec recs[] = {
		{ 0, 1, 0, eth_frame, sizeof eth_frame },
		{ 10, 1, 0, eth_frame, sizeof eth_frame },
		{ 20, 1, 0, eth_frame + 2, sizeof eth_frame - 2 },
	};
	uint32_t offs[3];
	struct buf b;
	char path[512];
	struct frames nm;

	/* 1.x (8-byte record headers), cut 3 bytes into its table. */
	craft(&b, "RTSS", 1, 1, 1, recs, 3, false, offs);
	uint32_t toff = get32le(b.p + 24);
	read_back("v1-cut.cap", path, sizeof path, &(struct buf){ b.p, toff + 3, toff + 3 }, &nm, 3);
	ck_assert_uint_eq(nm.v[2].caplen, sizeof eth_frame - 2);
	ck_assert_int_eq(memcmp(nm.v[2].data, eth_frame + 2, nm.v[2].caplen), 0);
	ck_assert_int_eq(nm.v[1].ts_ns, START_NS + 10LL * 1000000);
	frames_free(&nm);
	free(b.p);

	/* 2.1 without a table: offset and length 0, the records alone. */
	craft(&b, "GMBU", 2, 1, 1, recs, 3, false, offs);
	toff = get32le(b.p + 24);
	set32le(b.p + 24, 0);
	set32le(b.p + 28, 0);
	read_back("v2-no-table.cap", path, sizeof path, &(struct buf){ b.p, toff, toff }, &nm, 3);
	ck_assert_int_eq(nm.v[2].ts_ns, START_NS + 20000);
	frames_free(&nm);

	/* ... and without records: an empty capture, no error. */
	read_back("v2-header-only.cap", path, sizeof path, &(struct buf){ b.p, 128, 128 }, &nm, 0);
	frames_free(&nm);
	free(b.p);
}
END_TEST

/* ---- the whole program ---- */

static json_t *run_json_status(const char *bin, const char *cap, int *status)
{
	char cmd[1024];
	snprintf(cmd, sizeof cmd, "%s -F json -q '%s' 2>/dev/null", bin, cap);
	FILE *p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	json_t *all = json_array();
	char *line = NULL;
	size_t cap_n = 0;
	while (getline(&line, &cap_n, p) > 0) {
		json_error_t e;
		json_t *o = json_loads(line, 0, &e);
		ck_assert_msg(o != NULL, "%s: bad JSON: %s", cmd, e.text);
		json_object_del(o, "file");
		json_array_append_new(all, o);
	}
	free(line);
	int rc = pclose(p);
	ck_assert_msg(WIFEXITED(rc), "%s: did not exit", cmd);
	*status = WEXITSTATUS(rc);
	return all;
}

static json_t *run_json(const char *bin, const char *cap)
{
	int status;
	json_t *all = run_json_status(bin, cap, &status);
	ck_assert_msg(status == 0, "%s: exit status %d", cap, status);
	return all;
}

/* Each sample cut every 97 bytes: the NetMon copy loses its table (written
 * last), and must yield exactly the records wholly before the cut, as the
 * pcap original cut after the same frame does; and the whole program must
 * report the same connections from both. */
START_TEST(test_cut_everywhere)
{
	const char *bin = test_binary();
	char nm_path[256], pc_path[256], cut_nm[512], cut_pc[512];
	snprintf(nm_path, sizeof nm_path, "samples/%s.netmon.cap", sample_names[_i]);
	snprintf(pc_path, sizeof pc_path, "samples/%s.pcap", sample_names[_i]);
	size_t nn, pn;
	uint8_t *nm = slurp(nm_path, &nn), *pcb = slurp(pc_path, &pn);
	struct frames pc;
	read_pcap(pc_path, &pc);
	uint32_t toff = get32le(nm + 24), nrec = get32le(nm + 28) / 4;
	ck_assert_uint_eq(nrec, pc.n);
	tmp_path(cut_nm, sizeof cut_nm, "cut.cap");
	tmp_path(cut_pc, sizeof cut_pc, "cut.pcap");
	/* Under valgrind (TEST_WRAP) each run of the program costs seconds and
	 * is the plain pass's binary, whose reports that pass compared at every
	 * cut: there the reader is still checked at every cut, the program at
	 * every 4th. */
	const unsigned program_every = test_stride(4);
	unsigned cuts = 0, compared = 0, with_conn = 0;
	for (size_t cut = 97; cut < nn; cut += 97, cuts++) {
		/* Records wholly before the cut, from the uncut table. */
		size_t m = 0, end = 128;
		while (m < nrec && record_end(nm, get32le(nm + toff + 4 * m)) <= (cut < toff ? cut : toff))
			end = record_end(nm, get32le(nm + toff + 4 * m++));
		bool partial = cut > end && cut < toff;
		char what[64];
		snprintf(what, sizeof what, "%s cut at %zu", sample_names[_i], cut);
		expect_recovered(what, nm, cut, &pc, m, partial ? SOURCE_ERROR : SOURCE_END, "past the end of the file");
		if (cuts % program_every != 0)
			continue;
		compared++;

		/* The pcap cut after frame m: its header and m records. */
		size_t pcut = 24;
		for (size_t i = 0; i < m; i++)
			pcut += 16 + pc.v[i].caplen;
		write_file(cut_nm, nm, cut);
		write_file(cut_pc, pcb, pcut);
		int st_nm, st_pc;
		json_t *a = run_json_status(bin, cut_nm, &st_nm), *b = run_json_status(bin, cut_pc, &st_pc);
		char *sa = json_dumps(a, JSON_SORT_KEYS), *sb = json_dumps(b, JSON_SORT_KEYS);
		ck_assert_msg(json_equal(a, b), "%s: reports differ from the pcap cut after frame %zu:\n%s\n%s", what, m,
			      sa, sb);
		/* 3 is "no TLS connection"; a record cut short is 2. */
		ck_assert_msg(st_nm == (partial ? 2 : st_pc) && st_pc == (json_array_size(b) ? 0 : 3),
			      "%s: exit status %d (pcap %d)", what, st_nm, st_pc);
		with_conn += json_array_size(a) > 0;
		free(sa);
		free(sb);
		json_decref(a);
		json_decref(b);
	}
	/* Most cuts fall after the ClientHello: the test compared reports. */
	ck_assert_uint_gt(with_conn, compared / 2);
	frames_free(&pc);
	free(nm);
	free(pcb);
}
END_TEST

/* Every entry of the table names the same 256 KiB record: followed, that
 * is one record read as often as there are entries (a 10 MB file took
 * 85 s). The table is refused and each record read once. */
START_TEST(test_table_one_record)
{
	enum { BIG = 256 * 1024, ENTRIES = 4096 };
	uint8_t *big = calloc(1, BIG);
	ck_assert_ptr_nonnull(big);
	memcpy(big, eth_frame, sizeof eth_frame);
	const struct crec recs[] = {
		{ 0, 1, 0, big, BIG },
		{ 10, 1, 0, eth_frame, sizeof eth_frame },
	};
	uint32_t offs[2];
	struct buf b;
	craft(&b, "GMBU", 2, 1, 1, recs, 2, false, offs);
	uint32_t toff = get32le(b.p + 24);
	b.len = toff;
	for (int i = 0; i < ENTRIES; i++)
		put_le(&b, offs[0], 4);
	set32le(b.p + 28, ENTRIES * 4);
	char path[512], err[512];
	write_crafted("one-record.cap", path, sizeof path, &b);
	struct netmon_reader *r = netmon_reader_open(path, err, sizeof err);
	ck_assert_msg(r != NULL, "%s", err);
	struct source_frame f;
	size_t frames = 0;
	uint64_t bytes = 0;
	enum source_status st;
	while ((st = netmon_reader_next(r, &f, err, sizeof err)) == SOURCE_FRAME) {
		frames++;
		bytes += f.caplen;
	}
	ck_assert_msg(st == SOURCE_END, "%s", err);
	/* The two records, in file order, each once. */
	ck_assert_uint_eq(frames, 2);
	ck_assert_uint_eq(bytes, BIG + sizeof eth_frame);
	ck_assert_uint_le(netmon_reader_bytes_read(r), b.len);
	netmon_reader_close(r);
	free(big);
	free(b.p);
}
END_TEST

START_TEST(test_binary_reports)
{
	const char *bin = test_binary();
	char nm[256], pc[256];
	snprintf(nm, sizeof nm, "samples/%s.netmon.cap", sample_names[_i]);
	snprintf(pc, sizeof pc, "samples/%s.pcap", sample_names[_i]);
	json_t *a = run_json(bin, nm), *b = run_json(bin, pc);
	ck_assert_uint_ge(json_array_size(b), 1);
	char *sa = json_dumps(a, JSON_SORT_KEYS), *sb = json_dumps(b, JSON_SORT_KEYS);
	ck_assert_msg(json_equal(a, b), "%s and %s reports differ:\n%s\n%s", nm, pc, sa, sb);
	free(sa);
	free(sb);
	json_decref(a);
	json_decref(b);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("netmon");
	/* Unforked: the tests share the temporary folder removed below. */
	TCase *tc = suite_case(s, "reader", 120, NULL);
	tcase_add_loop_test(tc, test_committed_samples, 0, 2);
	tcase_add_loop_test(tc, test_editcap_copies, 0, N_TESTS(editcap_sources));
	tcase_add_test(tc, test_real_netmon20);
	tcase_add_test(tc, test_media_types_and_numbering);
	tcase_add_test(tc, test_versions_and_times);
	tcase_add_test(tc, test_damaged);
	tcase_add_test(tc, test_truncated_table_first);
	tcase_add_test(tc, test_no_table);
	tcase_add_loop_test(tc, test_binary_reports, 0, 2);
	tcase_add_loop_test(tc, test_cut_everywhere, 0, 2);
	tcase_add_test(tc, test_table_one_record);
	int failed = run_suite(s, true);
	if (tmpdir[0]) {
		char cmd[300];
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", tmpdir);
	}
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
