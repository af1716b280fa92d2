/* frame.h - what every capture reader hands out: one frame at a time, and
 * the read buffer each gives its FILE. */
#ifndef MTLS_FRAME_H
#define MTLS_FRAME_H

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

/* Gives a capture FILE a read buffer of SOURCE_READ_BUFFER bytes before
 * its first read: packets are read in small pieces, and stdio's default
 * page-sized buffer made one system call per few packets. The buffer is
 * *buf, allocated when NULL; the caller owns it and frees it only after
 * fclose(fp), as stdio uses it until then. (setvbuf with a NULL buffer
 * does not do this: glibc ignores the size and keeps the page.) When out
 * of memory fp keeps the default buffer. */
#define SOURCE_READ_BUFFER (1u << 20)
void source_buffer_file(FILE *fp, char **buf);

#endif
