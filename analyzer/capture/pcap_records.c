/* pcap_records.c - classic pcap records in place (pcap_records.h). */
#include "capture/pcap_records.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rd.h"

#define FILE_HEADER 24u
#define RECORD_HEADER 16u
/* libpcap's MAXIMUM_SNAPLEN: no record of the link types taken is longer. */
#define MAX_RECORD 262144u
/* Every refill reads at least a megabyte: what is left of the buffer
 * when it runs dry is less than one record. */
#define BUFFER ((1u << 20) + MAX_RECORD + RECORD_HEADER)

#define MAGIC_USEC 0xa1b2c3d4u
#define MAGIC_NSEC 0xa1b23c4du

/* Link types whose records libpcap allows beyond MAX_RECORD (DLT_DBUS,
 * DLT_USBPCAP, DLT_EBHSCR): left to libpcap. */
static bool long_records(int linktype)
{
	return linktype == 231 || linktype == 249 || linktype == 279;
}

struct pcap_records {
	int fd;
	uint64_t file_pos;  /* of buf[end] */
	uint8_t *buf;       /* BUFFER bytes */
	size_t start, end;  /* what is read and not yet handed out */
	bool eof;
	bool usec;          /* times in microseconds, handed out in nanoseconds */
	uint32_t snapshot;
};

struct pcap_records *pcap_records_open(int fd, const uint8_t header[24], int linktype, int snapshot)
{
	struct rd h = rd_make(header, FILE_HEADER);
	uint32_t magic;
	uint16_t major, minor;
	if (rd_u32le(&h, &magic) != 0 || rd_u16le(&h, &major) != 0 || rd_u16le(&h, &minor) != 0)
		return NULL;
	if ((magic != MAGIC_USEC && magic != MAGIC_NSEC) || major != 2 || minor != 4 || long_records(linktype) ||
	    snapshot <= 0 || (uint32_t)snapshot > MAX_RECORD)
		return NULL;
	struct pcap_records *r = calloc(1, sizeof *r);
	if (!r)
		return NULL;
	r->buf = malloc(BUFFER);
	if (!r->buf) {
		free(r);
		return NULL;
	}
	r->fd = fd;
	r->file_pos = FILE_HEADER;
	r->usec = magic == MAGIC_USEC;
	r->snapshot = (uint32_t)snapshot;
	return r;
}

/* At least `need` bytes after start, unless the file ends first. 0, or -1
 * with errno when reading failed. */
static int fill(struct pcap_records *r, size_t need)
{
	if (r->end - r->start >= need || r->eof)
		return 0;
	memmove(r->buf, r->buf + r->start, r->end - r->start);
	r->end -= r->start;
	r->start = 0;
	while (r->end < need && !r->eof) {
		ssize_t n = pread(r->fd, r->buf + r->end, BUFFER - r->end, (off_t)r->file_pos);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			r->eof = true;
		r->end += (size_t)n;
		r->file_pos += (uint64_t)n;
	}
	return 0;
}

static enum source_status read_failed(char *err, size_t errsz)
{
	snprintf(err, errsz, "error reading dump file: %s", strerror(errno));
	return SOURCE_ERROR;
}

enum source_status pcap_records_next(struct pcap_records *r, struct source_frame *f, char *err, size_t errsz)
{
	if (fill(r, RECORD_HEADER) != 0)
		return read_failed(err, errsz);
	size_t have = r->end - r->start;
	if (have == 0)
		return SOURCE_END;
	if (have < RECORD_HEADER) {
		snprintf(err, errsz, "truncated dump file; tried to read %u header bytes, only got %zu", RECORD_HEADER,
			 have);
		return SOURCE_ERROR;
	}
	struct rd h = rd_make(r->buf + r->start, RECORD_HEADER);
	uint32_t sec, frac, caplen, len;
	if (rd_u32le(&h, &sec) != 0 || rd_u32le(&h, &frac) != 0 || rd_u32le(&h, &caplen) != 0 ||
	    rd_u32le(&h, &len) != 0)
		return SOURCE_ERROR; /* cannot happen: 16 bytes are there */
	if (caplen > MAX_RECORD) {
		if (caplen > r->snapshot)
			snprintf(err, errsz, "invalid packet capture length %u, bigger than snaplen of %u", caplen,
				 r->snapshot);
		else
			snprintf(err, errsz, "invalid packet capture length %u, bigger than maximum of %u", caplen,
				 MAX_RECORD);
		return SOURCE_ERROR;
	}
	if (fill(r, RECORD_HEADER + (size_t)caplen) != 0)
		return read_failed(err, errsz);
	have = r->end - r->start - RECORD_HEADER;
	/* A record longer than the snapshot length is cut to it (libpcap
	 * reads the snapshot length, then skips the rest). */
	uint32_t kept = caplen > r->snapshot ? r->snapshot : caplen;
	if (have < caplen) {
		snprintf(err, errsz, "truncated dump file; tried to read %u captured bytes, only got %zu",
			 have < kept ? kept : caplen, have);
		return SOURCE_ERROR;
	}
	/* Seconds and fraction are signed 32-bit in the file. */
	int64_t seconds = (int32_t)sec, fraction = (int32_t)frac;
	if (r->usec)
		fraction *= 1000;
	if (__builtin_mul_overflow(seconds, 1000000000LL, &f->ts_ns) ||
	    __builtin_add_overflow(f->ts_ns, fraction, &f->ts_ns))
		f->ts_ns = seconds < 0 ? INT64_MIN : INT64_MAX;
	f->data = r->buf + r->start + RECORD_HEADER;
	f->caplen = kept;
	f->wirelen = len < kept ? kept : len;
	r->start += RECORD_HEADER + (size_t)caplen;
	return SOURCE_FRAME;
}

uint64_t pcap_records_offset(const struct pcap_records *r)
{
	return r->file_pos - (r->end - r->start);
}

void pcap_records_free(struct pcap_records *r)
{
	if (!r)
		return;
	free(r->buf);
	free(r);
}
