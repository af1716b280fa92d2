/* source.h - capture sources: files (pcap and pcapng through libpcap;
 * pcapng whose interfaces mix link types through our own block reader,
 * because libpcap 1.10 refuses them; Microsoft Network Monitor files
 * through our own reader, as libpcap does not read them) and standard
 * input. */
#ifndef MTLS_SOURCE_H
#define MTLS_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "capture/frame.h"

struct source;

/* NULL and a message in err when the file cannot be opened or is not a
 * capture we read. path "-" is standard input. */
struct source *source_open(const char *path, char *err, size_t errsz);
/* Which reader takes a regular classic pcap file: ours where it can
 * (pcap_records.h; source_open), or always libpcap's (for the tests that
 * compare the two). */
enum source_pcap_reader { SOURCE_PCAP_OURS, SOURCE_PCAP_LIBPCAP };
struct source *source_open_with(const char *path, enum source_pcap_reader reader, char *err, size_t errsz);
/* Whether our pcap reader took the file. */
bool source_reads_in_place(const struct source *s);
/* On SOURCE_ERROR, err says why (the frame number is the caller's). */
enum source_status source_next(struct source *s, struct source_frame *f, char *err, size_t errsz);
void source_close(struct source *s);
/* Whether source_open of the same path reads the same frames again: a
 * regular file named by its path (not standard input). */
bool source_can_reopen(const struct source *s);
/* A second reader of a file another source reads: what the first tells
 * on stderr this one keeps to itself. */
void source_set_quiet(struct source *s);
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

#endif
