/* capfile.h - an in-memory list of frames and the pcap / pcapng writers. */
#ifndef MTLSGEN_CAPFILE_H
#define MTLSGEN_CAPFILE_H

#include <stddef.h>
#include <stdint.h>

struct frame {
	int64_t ts_us; /* microseconds since the Unix epoch */
	int ifidx;
	uint8_t *data;
	size_t len;
};

/* Frames plus the link type of each interface they were "seen" on. */
struct capture {
	struct frame *f;
	size_t n, cap;
	int linktype[4];
	const char *ifname[4];
	int nif;
};

void capture_init(struct capture *c);
void capture_free(struct capture *c);
/* Declares an interface; returns its index, or -1 when there are too many. */
int capture_add_if(struct capture *c, int linktype, const char *name);
/* Appends a copy of `data`. Returns 0 or -1. */
int capture_add(struct capture *c, int ifidx, int64_t ts_us, const uint8_t *data, size_t len);
/* Stable sort by time, for files that merge several connections / interfaces. */
void capture_sort(struct capture *c);
/* Classic pcap through libpcap's dump API; needs a single interface. */
int capture_write_pcap(const struct capture *c, const char *path);
/* pcapng (SHB, one IDB per interface, EPBs), written directly: libpcap 1.10 cannot. */
int capture_write_pcapng(const struct capture *c, const char *path, const char *comment);

#endif
