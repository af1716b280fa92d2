/* threads.h - one capture file over several threads (--threads N): the
 * thread that reads hands each TCP segment to one of N workers by its
 * connection, and puts what they report out in exactly the order, and
 * with exactly the bytes, one thread would have (threads.c says how). */
#ifndef MTLS_THREADS_H
#define MTLS_THREADS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analyzer.h"

/* --threads: `requested` workers (at most 64), or 1 when not given
 * (threads.c says why not the cores yet). */
unsigned threads_for_run(unsigned requested);

/* The reading thread (analyzer.c). Whether this file is read with workers:
 * opt.threads > 1, and not live (reports as connections end), nor
 * collecting connections (compare, --expect, --annotate take them), nor
 * HTML (one page built across connections). */
bool workers_fit(const struct analyzer *a);
/* Starts the workers on the first file; without them (out of memory) the
 * file is analysed in this thread. */
void workers_begin_file(struct analyzer *a);
/* The idle and closed flows are looked at (every EXPIRE_EVERY frames). */
void workers_tick(struct analyzer *a);
/* A TCP segment, as flow_segment takes it. */
struct ip_packet;
void workers_segment(struct analyzer *a, const struct ip_packet *ip, const uint8_t *seg, size_t len,
		     size_t wire_len);
/* The end of the file: every flow still open is reported, all in order,
 * and the workers' counts added to a->stats. */
void workers_end_file(struct analyzer *a);
void workers_free(struct workers *w);

/* In a worker (flow.c, report.c): a stream begins (its number until the
 * reading thread renumbers it: the frame), a connection or a non-TLS
 * stream ends (the worker keeps the connection until it is rendered). */
uint64_t relay_stream_start(struct analyzer *a);
void relay_conn(struct analyzer *a, struct tls_conn *c);
void relay_skip_stream(struct analyzer *a, uint64_t stream);
/* In the reading thread (report.c): a worker's connection comes out of
 * the report queue as stream `stream`: its worker renders it, and the
 * report is written when its turn comes. */
void relay_emit(struct analyzer *a, struct relayed *r, uint64_t stream);

#endif
