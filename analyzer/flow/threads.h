/* threads.h - one capture file over several threads (--threads N): each
 * TCP connection belongs to one of N workers (the thread that reads among
 * them), which read a regular file each by itself, or are handed their
 * segments by the reading thread; it puts what they report out in
 * exactly the order, and with exactly the bytes, one thread would have
 * (threads.c says how). */
#ifndef MTLS_THREADS_H
#define MTLS_THREADS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "flow/analyzer.h"

/* --threads: `requested` workers (at most 64), or 1 when not given
 * (threads.c says why not the cores yet). */
unsigned threads_for_run(unsigned requested);

/* After analyzer_begin_file: the file is read with workers when it fits
 * (opt.threads > 1, not live, where connections go as they end, and the
 * stage above can render in workers: sink.render); each reads it itself
 * when a->reread can open it for each. They are started on the first
 * such file; without them (out of memory) the file is analysed in this
 * thread. */
void threads_begin_file(struct analyzer *a);
/* Before analyzer_release: the workers stopped and freed. */
void threads_release(struct analyzer *a);

#endif
