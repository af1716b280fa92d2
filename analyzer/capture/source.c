/* source.c - opens captures and hands out frames in file order. libpcap
 * reads pcap and pcapng; when it refuses a pcapng whose interfaces mix
 * link types, the same file is read again from its start with our block
 * reader and the frames already seen are skipped, so numbering stays
 * Wireshark's. Network Monitor files (found by their magic, not their
 * name) go to our own reader. Every input is opened once: a pipe or FIFO
 * can only be read once (see source_open). A BPF filter (-f, or the
 * expression after -r FILE) is applied here to the frames of every reader,
 * compiled by libpcap once per link type met. Windows event traces (.etl)
 * are recognised only to say how to convert them. */
#include <errno.h>
#include <pcap/pcap.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "link.h"
#include "capture/netmon.h"
#include "capture/pcap_records.h"
#include "capture/pcapng.h"
#include "capture/source.h"

/* The BPF filter compiled for one link type; compiled is false when libpcap
 * refused (err says why). */
struct link_filter {
	int linktype;
	bool compiled;
	struct bpf_program prog;
	char err[PCAP_ERRBUF_SIZE + 64];
};

struct source {
	pcap_t *pcap;
	struct pcap_records *records; /* a pcap file libpcap opened, read by us */
	int linktype;                 /* of records' frames */
	struct pcapng_reader *ng;
	struct netmon_reader *nm;
	char *path;
	bool is_stdin;
	bool regular;       /* a regular file: every open of its path reads the same */
	int rewind_fd;      /* a pcapng file read by libpcap: a second descriptor on
			       it, for our reader if libpcap gives up; -1: none */
	uint64_t frames;
	uint64_t size;
	const char *format;
	const char *filter;            /* BPF expression, the caller's; NULL: none */
	struct link_filter *filters;   /* one per link type met */
	size_t n_filters;
	/* Read buffers of the FILEs handed to the readers, freed after them:
	 * [FILE_BUF] the file (or its copy, or a new stream on it),
	 * [STREAM_BUF] the stream that hands a pipe's first bytes back. */
	char *read_buf[2];
};

enum { FILE_BUF, STREAM_BUF };

static bool mixed_linktype_error(const char *msg)
{
	return strstr(msg, "different from the type of the first interface") != NULL;
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* An ETL file (netsh trace, pktmon, any ETW session) has no magic number:
 * it starts with a WMI_BUFFER_HEADER of 0x48 bytes whose first field is the
 * buffer size, and the buffer's first event is the log file header, a
 * SYSTEM_TRACE_HEADER (marker with TRACE_HEADER_FLAG and
 * TRACE_HEADER_EVENT_TRACE set, header type SYSTEM32 or SYSTEM64, hook id 0:
 * EVENT_TRACE_GROUP_HEADER) followed by a TRACE_LOGFILE_HEADER whose first
 * field repeats the buffer size. Layouts: Microsoft's evntrace.h and
 * ntwmi.h, Geoff Chappell's notes on WMI_BUFFER_HEADER and
 * SYSTEM_TRACE_HEADER. */
#define ETL_FIRST_EVENT 0x48
#define ETL_SNIFF_BYTES (ETL_FIRST_EVENT + 32 + 4)
static bool etl_header(const uint8_t *m, size_t n)
{
	if (n < ETL_SNIFF_BYTES)
		return false;
	const uint8_t *ev = m + ETL_FIRST_EVENT;
	uint32_t marker = le32(ev);
	uint8_t header_type = (uint8_t)(marker >> 16);
	uint16_t hook_id = (uint16_t)(ev[6] | ev[7] << 8);
	uint32_t buffer_size = le32(m);
	return (marker & 0xC0000000u) == 0xC0000000u && (header_type == 1 || header_type == 2) && hook_id == 0 &&
	       buffer_size >= 1024 && le32(ev + 32) == buffer_size;
}

#define SNIFF_BYTES ETL_SNIFF_BYTES

static const char *format_of_magic(const uint8_t *m, size_t n)
{
	if (n >= 4 && !memcmp(m, "\x0a\x0d\x0d\x0a", 4))
		return "pcapng";
	if (n >= 4 && (!memcmp(m, "GMBU", 4) || !memcmp(m, "RTSS", 4)))
		return "netmon";
	if (etl_header(m, n))
		return "etl";
	return "pcap";
}

/* What to do with an .etl file, with the commands for this one. */
static void etl_advice(const char *path, char *err, size_t errsz)
{
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	size_t stem = strlen(base);
	if (stem > 4 && strcasecmp(base + stem - 4, ".etl") == 0)
		stem -= 4;
	snprintf(err, errsz,
		 "a Windows event trace (.etl, from pktmon or netsh trace), not a packet capture; convert it "
		 "on Windows with 'pktmon etl2pcap %s --out %.*s.pcapng' (a pktmon trace) or with Microsoft's "
		 "etl2pcapng: 'etl2pcapng %s %.*s.pcapng' (netsh trace or pktmon), then read the .pcapng file",
		 base, (int)stem, base, base, (int)stem, base);
}

/* ---- a stream that cannot seek (pipe, FIFO, /dev/fd/N, a socket) ----
 * It is read once: the magic bytes taken to find the format are handed
 * back first through this stream, then the rest of the input. */
struct prefixed {
	FILE *under;        /* owned */
	uint8_t prefix[SNIFF_BYTES];
	size_t n, pos;
};

static ssize_t prefixed_read(void *cookie, char *buf, size_t len)
{
	struct prefixed *p = cookie;
	size_t done = 0;
	while (p->pos < p->n && done < len)
		buf[done++] = (char)p->prefix[p->pos++];
	if (done < len) {
		/* fread waits until it has all it asked for: a stream's reader
		 * must not wait for a megabyte a slow writer (tcpdump -w -) has
		 * yet to send. The underlying read is buffered anyway. */
		size_t want = len - done < BUFSIZ ? len - done : BUFSIZ;
		done += fread(buf + done, 1, want, p->under);
		if (done == 0 && ferror(p->under))
			return -1;
	}
	return (ssize_t)done;
}

static int prefixed_close(void *cookie)
{
	struct prefixed *p = cookie;
	int rc = fclose(p->under);
	free(p);
	return rc;
}

/* Takes under (closed with the returned stream); NULL when out of memory.
 * The stream reads through *buf (see source_buffer_file). */
static FILE *prefixed_open(FILE *under, const uint8_t *prefix, size_t n, char **buf)
{
	struct prefixed *p = calloc(1, sizeof *p);
	if (!p)
		return NULL;
	p->under = under;
	memcpy(p->prefix, prefix, n);
	p->n = n;
	FILE *fp = fopencookie(p, "rb", (cookie_io_functions_t){ .read = prefixed_read, .close = prefixed_close });
	if (!fp) {
		free(p);
		return NULL;
	}
	source_buffer_file(fp, buf);
	return fp;
}

/* A NetMon file is read through its frame table, at its end: from a stream
 * it is first copied to an unlinked temporary file (in $TMPDIR, else /tmp),
 * as large as the input, which the disk must hold. Takes in (its buffers
 * are free again once it is closed); returns the copy at its start, read
 * through *buf, or NULL with the reason. */
static FILE *spool_to_temp(FILE *in, char **buf, char *err, size_t errsz)
{
	const char *dir = getenv("TMPDIR");
	char path[4096];
	if (!dir || !*dir)
		dir = "/tmp";
	snprintf(path, sizeof path, "%s/mtlsdiag-netmon-XXXXXX", dir);
	int fd = mkstemp(path);
	if (fd < 0) {
		snprintf(err, errsz, "a NetMon capture from a pipe is first copied to a file, and %s: %s", dir,
			 strerror(errno));
		fclose(in);
		return NULL;
	}
	unlink(path); /* gone when closed */
	char *chunk = malloc(1 << 16);
	size_t n;
	bool ok = chunk != NULL;
	int saved = chunk ? 0 : ENOMEM;
	while (ok && (n = fread(chunk, 1, 1 << 16, in)) > 0)
		for (size_t done = 0; ok && done < n;) {
			ssize_t w = write(fd, chunk + done, n - done);
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0) {
				ok = false;
				saved = w < 0 ? errno : ENOSPC;
			} else {
				done += (size_t)w;
			}
		}
	if (ok && ferror(in)) {
		ok = false;
		saved = errno;
	}
	free(chunk);
	fclose(in);
	FILE *out = ok && lseek(fd, 0, SEEK_SET) == 0 ? fdopen(fd, "rb") : NULL;
	if (!out) {
		snprintf(err, errsz, "a NetMon capture from a pipe is first copied to a file in %s, which failed: %s",
			 dir, strerror(saved ? saved : errno));
		close(fd);
		return NULL;
	}
	source_buffer_file(out, buf);
	return out;
}

static void libpcap_error(const char *perr, char *err, size_t errsz)
{
	if (strstr(perr, "unknown file format") || strstr(perr, "bad dump file format"))
		snprintf(err, errsz, "not a capture file libpcap can read (pcap or pcapng)");
	else if (strstr(perr, "truncated"))
		snprintf(err, errsz, "truncated capture file header");
	else
		snprintf(err, errsz, "%s", perr[0] ? perr : "cannot open");
}

/* Our pcapng reader on the file libpcap gave up on, from its start. */
static struct pcapng_reader *pcapng_from_start(struct source *s, char *err, size_t errsz)
{
	int fd = s->rewind_fd;
	s->rewind_fd = -1;
	FILE *fp = fd >= 0 && lseek(fd, 0, SEEK_SET) == 0 ? fdopen(fd, "rb") : NULL;
	if (!fp) {
		snprintf(err, errsz, "cannot read the file again: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	source_buffer_file(fp, &s->read_buf[FILE_BUF]);
	return pcapng_reader_fopen(fp, err, errsz);
}

/* A regular pcap file libpcap has opened: its records are read in place
 * when pcap_records takes them (the header read again to be sure of it). */
static void take_records(struct source *s)
{
	FILE *fp = pcap_file(s->pcap);
	uint8_t header[24];
	if (!fp || pcap_is_swapped(s->pcap) || ftello(fp) != (off_t)sizeof header ||
	    pread(fileno(fp), header, sizeof header, 0) != (ssize_t)sizeof header)
		return;
	s->linktype = pcap_datalink(s->pcap);
	s->records = pcap_records_open(fileno(fp), header, s->linktype, pcap_snapshot(s->pcap));
}

struct source *source_open(const char *path, char *err, size_t errsz)
{
	return source_open_with(path, SOURCE_PCAP_OURS, err, errsz);
}

/* The input is opened once and read once: the format comes from its first
 * bytes, which a file gets back by seeking to its start and a stream
 * (pipe, FIFO, process substitution) through a prefixed stream. */
struct source *source_open_with(const char *path, enum source_pcap_reader reader, char *err, size_t errsz)
{
	char perr[PCAP_ERRBUF_SIZE] = "";
	struct source *s = calloc(1, sizeof *s);

	if (!s) {
		snprintf(err, errsz, "out of memory");
		return NULL;
	}
	s->rewind_fd = -1;
	s->path = strdup(path);
	s->is_stdin = strcmp(path, "-") == 0;
	/* Standard input is read through a stream of our own on it, so that
	 * the read buffer is freed with the stream and never outlives it. */
	FILE *fp = NULL;
	if (s->is_stdin) {
		int fd = dup(STDIN_FILENO);
		fp = fd >= 0 ? fdopen(fd, "rb") : NULL;
		if (!fp) {
			snprintf(err, errsz, "%s", strerror(errno));
			if (fd >= 0)
				close(fd);
			source_close(s);
			return NULL;
		}
	} else {
		struct stat st;
		if (stat(path, &st) != 0) {
			snprintf(err, errsz, "%s", strerror(errno));
			source_close(s);
			return NULL;
		}
		if (S_ISDIR(st.st_mode)) {
			snprintf(err, errsz, "is a directory");
			source_close(s);
			return NULL;
		}
		fp = fopen(path, "rb");
		if (!fp) {
			snprintf(err, errsz, "%s", strerror(errno));
			source_close(s);
			return NULL;
		}
	}
	source_buffer_file(fp, &s->read_buf[FILE_BUF]);
	struct stat st;
	if (fstat(fileno(fp), &st) == 0 && S_ISREG(st.st_mode)) {
		s->regular = true;
		s->size = (uint64_t)st.st_size;
	}
	uint8_t magic[SNIFF_BYTES];
	size_t n = fread(magic, 1, sizeof magic, fp);
	s->format = format_of_magic(magic, n);
	if (strcmp(s->format, "etl") == 0) {
		etl_advice(s->is_stdin ? "FILE.etl" : path, err, errsz);
		fclose(fp);
		source_close(s);
		return NULL;
	}
	bool seekable = fseeko(fp, 0, SEEK_SET) == 0;
	if (!seekable) {
		FILE *pf = prefixed_open(fp, magic, n, &s->read_buf[STREAM_BUF]);
		if (!pf) {
			snprintf(err, errsz, "out of memory");
			if (fp != stdin)
				fclose(fp);
			source_close(s);
			return NULL;
		}
		fp = pf;
	}
	/* From here fp belongs to the reader it is handed to. */
	if (strcmp(s->format, "netmon") == 0) {
		if (!seekable && !(fp = spool_to_temp(fp, &s->read_buf[FILE_BUF], err, errsz))) {
			source_close(s);
			return NULL;
		}
		s->nm = netmon_reader_fopen(fp, err, errsz);
		if (!s->nm) {
			source_close(s);
			return NULL;
		}
		netmon_reader_set_name(s->nm, path);
		return s;
	}
	if (strcmp(s->format, "pcapng") == 0) {
		if (!seekable) {
			/* libpcap refuses interfaces of different link types, and a
			 * stream cannot be read again: our reader from the start. */
			s->ng = pcapng_reader_fopen(fp, err, errsz);
			if (!s->ng) {
				source_close(s);
				return NULL;
			}
			return s;
		}
		s->rewind_fd = dup(fileno(fp));
	}
	s->pcap = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_NANO, perr);
	if (!s->pcap) {
		fclose(fp);
		if (s->rewind_fd >= 0 && mixed_linktype_error(perr)) {
			char nerr[256];
			s->ng = pcapng_from_start(s, nerr, sizeof nerr);
			if (s->ng)
				return s;
		}
		libpcap_error(perr, err, errsz);
		source_close(s);
		return NULL;
	}
	if (reader == SOURCE_PCAP_OURS && seekable && s->size && strcmp(s->format, "pcap") == 0)
		take_records(s);
	return s;
}

/* The next frame of the file, filtered or not. */
static enum source_status read_frame(struct source *s, struct source_frame *f, char *err, size_t errsz)
{
	if (s->nm) {
		enum source_status st = netmon_reader_next(s->nm, f, err, errsz);
		if (st == SOURCE_FRAME)
			s->frames++;
		return st;
	}
	if (s->ng) {
		enum source_status st = pcapng_reader_next(s->ng, f, err, errsz);
		if (st == SOURCE_FRAME)
			s->frames++;
		return st;
	}
	if (s->records) {
		enum source_status st = pcap_records_next(s->records, f, err, errsz);
		if (st == SOURCE_FRAME) {
			s->frames++;
			f->linktype = s->linktype;
		}
		return st;
	}
	struct pcap_pkthdr *h;
	const u_char *data;
	int rc = pcap_next_ex(s->pcap, &h, &data);
	if (rc == 1) {
		s->frames++;
		f->data = data;
		f->caplen = h->caplen;
		f->wirelen = h->len < h->caplen ? h->caplen : h->len;
		f->linktype = pcap_datalink(s->pcap);
		/* nano precision; a pcapng time beyond 2262 (a huge resolution or
		 * a damaged block) saturates rather than overflows. */
		if (__builtin_mul_overflow((int64_t)h->ts.tv_sec, 1000000000LL, &f->ts_ns) ||
		    __builtin_add_overflow(f->ts_ns, (int64_t)h->ts.tv_usec, &f->ts_ns))
			f->ts_ns = h->ts.tv_sec < 0 ? INT64_MIN : INT64_MAX;
		return SOURCE_FRAME;
	}
	if (rc == PCAP_ERROR_BREAK)
		return SOURCE_END;
	const char *msg = pcap_geterr(s->pcap);
	if (s->rewind_fd >= 0 && mixed_linktype_error(msg)) {
		/* Switch readers and skip what libpcap already gave us. */
		uint64_t seen = s->frames;
		char nerr[256];
		pcap_close(s->pcap);
		s->pcap = NULL;
		s->ng = pcapng_from_start(s, nerr, sizeof nerr);
		if (!s->ng) {
			snprintf(err, errsz, "%s", nerr);
			return SOURCE_ERROR;
		}
		s->frames = 0;
		while (s->frames < seen) {
			enum source_status st = pcapng_reader_next(s->ng, f, err, errsz);
			if (st != SOURCE_FRAME)
				return st;
			s->frames++;
		}
		return read_frame(s, f, err, errsz);
	}
	snprintf(err, errsz, "%s", msg);
	return SOURCE_ERROR;
}

/* A pcap_t to compile for: libpcap compiles some primitives differently
 * for a savefile (ip6 on BSD loopback accepts the AF_INET6 values of every
 * BSD), so this is a savefile: an empty one, in our byte order, read from
 * memory. */
static pcap_t *savefile_for(int linktype, char *err, size_t errsz)
{
	struct {
		uint32_t magic;
		uint16_t major, minor;
		int32_t thiszone;
		uint32_t sigfigs, snaplen, linktype;
	} hdr = { 0xa1b2c3d4u, 2, 4, 0, 0, 262144, (uint32_t)linktype };
	char perr[PCAP_ERRBUF_SIZE] = "";
	FILE *fp = fmemopen(&hdr, sizeof hdr, "rb");
	pcap_t *p = fp ? pcap_fopen_offline(fp, perr) : NULL;
	if (!p) {
		snprintf(err, errsz, "%s", fp ? perr : "out of memory");
		if (fp)
			fclose(fp);
	}
	return p;
}

static int compile_on(pcap_t *p, const char *expr, struct bpf_program *prog, char *err, size_t errsz)
{
	if (pcap_compile(p, prog, expr, 1, PCAP_NETMASK_UNKNOWN) == 0)
		return 0;
	snprintf(err, errsz, "%s", pcap_geterr(p));
	return -1;
}

int source_filter_compile(const char *expr, int linktype, struct bpf_program *prog, char *err, size_t errsz)
{
	pcap_t *p = savefile_for(linktype, err, errsz);
	if (!p)
		return -1;
	int rc = compile_on(p, expr, prog, err, errsz);
	pcap_close(p);
	return rc;
}

static struct link_filter *filter_for(struct source *s, int linktype)
{
	for (size_t i = 0; i < s->n_filters; i++)
		if (s->filters[i].linktype == linktype)
			return &s->filters[i];
	struct link_filter *grown = realloc(s->filters, (s->n_filters + 1) * sizeof *grown);
	if (!grown)
		return NULL;
	s->filters = grown;
	struct link_filter *lf = &s->filters[s->n_filters++];
	memset(lf, 0, sizeof *lf);
	lf->linktype = linktype;
	/* libpcap's own handle knows the file's byte order (BSD loopback
	 * headers are in the writer's). */
	if (s->pcap && pcap_datalink(s->pcap) == linktype)
		lf->compiled = compile_on(s->pcap, s->filter, &lf->prog, lf->err, sizeof lf->err) == 0;
	else
		lf->compiled = source_filter_compile(s->filter, linktype, &lf->prog, lf->err, sizeof lf->err) == 0;
	return lf;
}

bool source_can_reopen(const struct source *s)
{
	return s->regular && !s->is_stdin;
}

void source_set_quiet(struct source *s)
{
	if (s->nm)
		netmon_reader_set_quiet(s->nm);
}

void source_set_filter(struct source *s, const char *expr)
{
	s->filter = expr && *expr ? expr : NULL;
}

enum source_status source_next(struct source *s, struct source_frame *f, char *err, size_t errsz)
{
	for (;;) {
		enum source_status st = read_frame(s, f, err, errsz);
		if (st != SOURCE_FRAME || !s->filter)
			return st;
		struct link_filter *lf = filter_for(s, f->linktype);
		if (!lf) {
			snprintf(err, errsz, "out of memory");
			return SOURCE_ERROR;
		}
		if (!lf->compiled) {
			/* Frames mtlsdiag would skip anyway need no filter. */
			if (!link_type_supported(f->linktype))
				continue;
			snprintf(err, errsz, "the filter '%s' does not apply to link type %d (%s): %s", s->filter,
				 f->linktype, link_type_name(f->linktype), lf->err);
			return SOURCE_ERROR;
		}
		struct pcap_pkthdr h = {
			.caplen = f->caplen > UINT32_MAX ? UINT32_MAX : (bpf_u_int32)f->caplen,
			.len = f->wirelen > UINT32_MAX ? UINT32_MAX : (bpf_u_int32)f->wirelen,
		};
		if (pcap_offline_filter(&lf->prog, &h, f->data))
			return SOURCE_FRAME;
	}
}

void source_close(struct source *s)
{
	if (!s)
		return;
	pcap_records_free(s->records);
	if (s->pcap)
		pcap_close(s->pcap);
	pcapng_reader_close(s->ng);
	netmon_reader_close(s->nm);
	if (s->rewind_fd >= 0)
		close(s->rewind_fd);
	for (size_t i = 0; i < s->n_filters; i++)
		if (s->filters[i].compiled)
			pcap_freecode(&s->filters[i].prog);
	free(s->filters);
	/* After every FILE that read through them is closed. */
	free(s->read_buf[FILE_BUF]);
	free(s->read_buf[STREAM_BUF]);
	free(s->path);
	free(s);
}

void source_progress(const struct source *s, uint64_t *done, uint64_t *total)
{
	*total = s->size;
	*done = 0;
	if (s->nm) {
		*done = netmon_reader_offset(s->nm);
	} else if (s->ng) {
		*done = pcapng_reader_offset(s->ng);
	} else if (s->records) {
		*done = pcap_records_offset(s->records);
	} else if (s->pcap && !s->is_stdin) {
		FILE *fp = pcap_file(s->pcap);
		long pos = fp ? ftell(fp) : -1;
		*done = pos > 0 ? (uint64_t)pos : 0;
	}
}

bool source_reads_in_place(const struct source *s)
{
	return s->records != NULL;
}

const char *source_format(const struct source *s)
{
	return s->format;
}
