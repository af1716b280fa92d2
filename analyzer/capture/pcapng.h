/* pcapng.h - our own pcapng block reader, used when libpcap cannot read a
 * file (interfaces of mixed link types). */
#ifndef MTLS_PCAPNG_H
#define MTLS_PCAPNG_H

#include <stdint.h>
#include <stdio.h>

#include "capture/frame.h"

struct pcapng_reader;
/* Reads fp from where it stands, sequentially (a pipe will do); takes fp
 * and closes it (not stdin), even when it fails. */
struct pcapng_reader *pcapng_reader_fopen(FILE *fp, char *err, size_t errsz);
enum source_status pcapng_reader_next(struct pcapng_reader *r, struct source_frame *f, char *err, size_t errsz);
void pcapng_reader_close(struct pcapng_reader *r);
uint64_t pcapng_reader_offset(const struct pcapng_reader *r);

#endif
