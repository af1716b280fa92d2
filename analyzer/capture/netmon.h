/* netmon.h - our Microsoft Network Monitor reader (2.0-2.3 and 1.x). */
#ifndef MTLS_NETMON_H
#define MTLS_NETMON_H

#include <stdint.h>
#include <stdio.h>

#include "capture/frame.h"

/* Frames come in frame table order and are numbered as Wireshark numbers
 * them. A damaged or missing frame table is told once on stderr, and the
 * records are then walked in file order; a damaged record is SOURCE_ERROR
 * naming the frame, after the frames before it. */
struct netmon_reader;
struct netmon_reader *netmon_reader_open(const char *path, char *err, size_t errsz);
/* Takes fp (a seekable stream, e.g. from fmemopen) and closes it, even when
 * it fails. */
struct netmon_reader *netmon_reader_fopen(FILE *fp, char *err, size_t errsz);
/* The name the reader's messages give the file (copied). */
void netmon_reader_set_name(struct netmon_reader *r, const char *name);
/* No notice on stderr: another reader of the same file tells it. */
void netmon_reader_set_quiet(struct netmon_reader *r);
enum source_status netmon_reader_next(struct netmon_reader *r, struct source_frame *f, char *err, size_t errsz);
void netmon_reader_close(struct netmon_reader *r);
uint64_t netmon_reader_offset(const struct netmon_reader *r);
/* Record bytes read so far. Records are read in increasing, disjoint
 * order, so this stays within the file's size, plus the one record a
 * damaged table entry pointed at before the walk read it again. */
uint64_t netmon_reader_bytes_read(const struct netmon_reader *r);
/* NetMon media types with no pcap link type of their own (ATM, IP over
 * 1394, ETW events, filters, ...) are handed out as this base plus the
 * NetMon type, so the analyzer skips them as an undecoded link type. */
#define NETMON_LINKTYPE_BASE 0x10000

#endif
