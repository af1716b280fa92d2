/* source.h - capture sources: files (pcap and pcapng through libpcap;
 * pcapng whose interfaces mix link types through our own block reader,
 * because libpcap 1.10 refuses them) and standard input. */
#ifndef MTLS_SOURCE_H
#define MTLS_SOURCE_H

#include <stddef.h>
#include <stdint.h>

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
/* On SOURCE_ERROR, err says why (the frame number is the caller's). */
enum source_status source_next(struct source *s, struct source_frame *f, char *err, size_t errsz);
void source_close(struct source *s);
/* For progress: bytes read so far and the file size (0 when unknown). */
void source_progress(const struct source *s, uint64_t *done, uint64_t *total);
const char *source_format(const struct source *s);

/* pcapng.c: our own pcapng block reader (used when libpcap cannot). */
struct pcapng_reader;
struct pcapng_reader *pcapng_reader_open(const char *path, char *err, size_t errsz);
enum source_status pcapng_reader_next(struct pcapng_reader *r, struct source_frame *f, char *err, size_t errsz);
void pcapng_reader_close(struct pcapng_reader *r);
uint64_t pcapng_reader_offset(const struct pcapng_reader *r);

#endif
