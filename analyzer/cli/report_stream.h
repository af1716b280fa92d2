/* report_stream.h - the stream the report is written to. stdio forgets why
 * a write failed once it drops its buffer (every JSON report is flushed),
 * so the report goes through a stream that keeps the first error: a full
 * disk or a closed pipe then ends the run with its reason and a non-zero
 * exit, instead of exit 0 with nothing written. */
#ifndef MTLS_REPORT_STREAM_H
#define MTLS_REPORT_STREAM_H

#include <stdio.h>

#include "output/output.h"

/* The stream's buffer when it is not a terminal: twice OUTPUT_FLUSH_AT,
 * so that a connection's report up to that size goes out in the same
 * write as the reports before it, never split between two. */
#define REPORT_STREAM_BLOCK (2 * OUTPUT_FLUSH_AT)

struct report_stream {
	FILE *under;  /* what the report was meant for (stdout, or the -o file) */
	FILE *fp;     /* what to write the report to */
	int fd;
	int error;    /* errno of the first failed write; 0: none */
	char *buffer; /* fp's, when not a terminal; freed after fp is closed */
};

/* Writes through under's descriptor (under itself is not written to): by
 * line on a terminal, else through a buffer of REPORT_STREAM_BLOCK bytes. When the
 * stream cannot be made, rs->fp is under itself. */
void report_stream_open(struct report_stream *rs, FILE *under);
/* Flushes and closes rs->fp (not under): 0, or the errno of the first write
 * that failed. */
int report_stream_close(struct report_stream *rs);

#endif
