/* source.c - opens captures and hands out frames in file order. libpcap
 * reads pcap and pcapng; when it refuses a pcapng whose interfaces mix
 * link types, the same file is reopened with our block reader and the
 * frames already seen are skipped, so numbering stays Wireshark's.
 * Network Monitor files (found by their magic, not their name) go to our
 * own reader. */
#include <errno.h>
#include <pcap/pcap.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "source.h"

struct source {
	pcap_t *pcap;
	struct pcapng_reader *ng;
	struct netmon_reader *nm;
	char *path;
	bool is_stdin;
	uint64_t frames;
	uint64_t size;
	const char *format;
};

void source_buffer_file(FILE *fp)
{
	setvbuf(fp, NULL, _IOFBF, SOURCE_READ_BUFFER);
}

static bool mixed_linktype_error(const char *msg)
{
	return strstr(msg, "different from the type of the first interface") != NULL;
}

static const char *describe_magic(const char *path)
{
	FILE *fp = fopen(path, "rb");
	uint8_t m[4] = { 0 };
	size_t n = fp ? fread(m, 1, 4, fp) : 0;
	if (fp)
		fclose(fp);
	if (n < 4)
		return "pcap";
	if (!memcmp(m, "\x0a\x0d\x0d\x0a", 4))
		return "pcapng";
	if (!memcmp(m, "GMBU", 4) || !memcmp(m, "RTSS", 4))
		return "netmon";
	return "pcap";
}

/* pcap_open_offline, through a FILE with a large buffer (owned by the
 * returned handle; closed here when libpcap refuses the file). */
static pcap_t *pcap_open_buffered(const char *path, char *perr)
{
	FILE *fp = fopen(path, "rb");
	if (!fp) {
		snprintf(perr, PCAP_ERRBUF_SIZE, "%s", strerror(errno));
		return NULL;
	}
	source_buffer_file(fp);
	pcap_t *p = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_NANO, perr);
	if (!p)
		fclose(fp);
	return p;
}

struct source *source_open(const char *path, char *err, size_t errsz)
{
	char perr[PCAP_ERRBUF_SIZE] = "";
	struct source *s = calloc(1, sizeof *s);

	if (!s) {
		snprintf(err, errsz, "out of memory");
		return NULL;
	}
	s->path = strdup(path);
	s->is_stdin = strcmp(path, "-") == 0;
	if (s->is_stdin) {
		source_buffer_file(stdin);
		s->pcap = pcap_fopen_offline_with_tstamp_precision(stdin, PCAP_TSTAMP_PRECISION_NANO, perr);
		s->format = "capture";
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
		s->size = (uint64_t)st.st_size;
		s->format = describe_magic(path);
		if (strcmp(s->format, "netmon") == 0) {
			s->nm = netmon_reader_open(path, err, errsz);
			if (!s->nm) {
				source_close(s);
				return NULL;
			}
			return s;
		}
		s->pcap = pcap_open_buffered(path, perr);
	}
	if (!s->pcap) {
		if (!s->is_stdin && mixed_linktype_error(perr)) {
			s->ng = pcapng_reader_open(path, err, errsz);
			if (s->ng)
				return s;
		}
		if (strstr(perr, "unknown file format") || strstr(perr, "bad dump file format"))
			snprintf(err, errsz, "not a capture file libpcap can read (pcap or pcapng)");
		else if (strstr(perr, "truncated"))
			snprintf(err, errsz, "truncated capture file header");
		else
			snprintf(err, errsz, "%s", perr[0] ? perr : "cannot open");
		source_close(s);
		return NULL;
	}
	return s;
}

enum source_status source_next(struct source *s, struct source_frame *f, char *err, size_t errsz)
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
	if (!s->is_stdin && mixed_linktype_error(msg)) {
		/* Switch readers and skip what libpcap already gave us. */
		uint64_t seen = s->frames;
		char nerr[256];
		pcap_close(s->pcap);
		s->pcap = NULL;
		s->ng = pcapng_reader_open(s->path, nerr, sizeof nerr);
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
		return source_next(s, f, err, errsz);
	}
	snprintf(err, errsz, "%s", msg);
	return SOURCE_ERROR;
}

void source_close(struct source *s)
{
	if (!s)
		return;
	if (s->pcap)
		pcap_close(s->pcap);
	pcapng_reader_close(s->ng);
	netmon_reader_close(s->nm);
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
	} else if (s->pcap && !s->is_stdin) {
		FILE *fp = pcap_file(s->pcap);
		long pos = fp ? ftell(fp) : -1;
		*done = pos > 0 ? (uint64_t)pos : 0;
	}
}

const char *source_format(const struct source *s)
{
	return s->format;
}
