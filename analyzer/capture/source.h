/* source.h - capture sources: files (pcap and pcapng through libpcap;
 * pcapng whose interfaces mix link types through our own block reader,
 * because libpcap 1.10 refuses them; Microsoft Network Monitor files
 * through our own reader, as libpcap does not read them) and standard
 * input. */
#ifndef MTLS_SOURCE_H
#define MTLS_SOURCE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct source_frame {
	const uint8_t *data;   /* valid until the next source_next */
	size_t caplen;
	size_t wirelen;
	int linktype;
	int64_t ts_ns;
};

enum source_status { SOURCE_FRAME, SOURCE_END, SOURCE_ERROR };

struct source;

/* NULL and a message in err when the file cannot be opened or is not a
 * capture we read. path "-" is standard input. */
struct source *source_open(const char *path, char *err, size_t errsz);
/* Gives a capture FILE a read buffer of SOURCE_READ_BUFFER bytes before
 * its first read: packets are read in small pieces, and stdio's default
 * page-sized buffer made one system call per few packets. The buffer is
 * *buf, allocated when NULL; the caller owns it and frees it only after
 * fclose(fp), as stdio uses it until then. (setvbuf with a NULL buffer
 * does not do this: glibc ignores the size and keeps the page.) When out
 * of memory fp keeps the default buffer. */
#define SOURCE_READ_BUFFER (1u << 20)
void source_buffer_file(FILE *fp, char **buf);
/* On SOURCE_ERROR, err says why (the frame number is the caller's). */
enum source_status source_next(struct source *s, struct source_frame *f, char *err, size_t errsz);
void source_close(struct source *s);
/* Hands out only the frames the BPF filter expr (pcap-filter(7)) accepts,
 * as tcpdump -r would write them; expr is compiled for each link type the
 * file holds and must outlive s. A link type mtlsdiag decodes for which it
 * does not compile makes source_next return SOURCE_ERROR. */
void source_set_filter(struct source *s, const char *expr);
/* expr compiled for one link type; -1 and libpcap's message in err. */
struct bpf_program;
int source_filter_compile(const char *expr, int linktype, struct bpf_program *prog, char *err, size_t errsz);
/* For progress: bytes read so far and the file size (0 when unknown). */
void source_progress(const struct source *s, uint64_t *done, uint64_t *total);
const char *source_format(const struct source *s);

/* pcapng.c: our own pcapng block reader (used when libpcap cannot). */
struct pcapng_reader;
struct pcapng_reader *pcapng_reader_open(const char *path, char *err, size_t errsz);
/* Reads fp from where it stands, sequentially (a pipe will do); takes fp
 * and closes it (not stdin), even when it fails. */
struct pcapng_reader *pcapng_reader_fopen(FILE *fp, char *err, size_t errsz);
enum source_status pcapng_reader_next(struct pcapng_reader *r, struct source_frame *f, char *err, size_t errsz);
void pcapng_reader_close(struct pcapng_reader *r);
uint64_t pcapng_reader_offset(const struct pcapng_reader *r);

/* netmon.c: our Microsoft Network Monitor reader (2.0-2.3 and 1.x). Frames
 * come in frame table order and are numbered as Wireshark numbers them. A
 * damaged or missing frame table is told once on stderr, and the records
 * are then walked in file order; a damaged record is SOURCE_ERROR naming
 * the frame, after the frames before it. */
struct netmon_reader;
struct netmon_reader *netmon_reader_open(const char *path, char *err, size_t errsz);
/* Takes fp (a seekable stream, e.g. from fmemopen) and closes it, even when
 * it fails. */
struct netmon_reader *netmon_reader_fopen(FILE *fp, char *err, size_t errsz);
/* The name the reader's messages give the file (copied). */
void netmon_reader_set_name(struct netmon_reader *r, const char *name);
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
