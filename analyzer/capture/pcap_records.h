/* pcap_records.h - the records of a classic pcap file, handed out in place
 * from a large read buffer. libpcap opens the file and checks its header;
 * for a little-endian file of version 2.4 this reads the records itself:
 * libpcap copies every record twice (stdio's buffer, then its own), which
 * cost more than everything mtlsdiag does with a bulk capture's frames.
 * Lengths, the snapshot length and truncation are judged, and said, as
 * libpcap 1.10 judges and says them, so that a damaged file reads the same
 * either way (test_an_pcap_records compares the two). */
#ifndef MTLS_PCAP_RECORDS_H
#define MTLS_PCAP_RECORDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture/frame.h"

struct pcap_records;

/* The file header's first 24 bytes, and libpcap's view of them: NULL
 * when this reader does not take the file (another byte order or version,
 * a link type whose records may exceed 256 KiB, out of memory), and then
 * libpcap reads it. fd is read with pread from offset 24 on and stays
 * the caller's. */
struct pcap_records *pcap_records_open(int fd, const uint8_t header[24], int linktype, int snapshot);
enum source_status pcap_records_next(struct pcap_records *r, struct source_frame *f, char *err, size_t errsz);
/* Bytes of the file read and handed out so far (header included). */
uint64_t pcap_records_offset(const struct pcap_records *r);
void pcap_records_free(struct pcap_records *r);

#endif
