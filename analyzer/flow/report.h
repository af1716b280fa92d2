/* report.h - finished connections go to the sink in stream order, held
 * in a bounded reorder queue (a long-lived connection does not hold back
 * more than REPORT_QUEUE_MAX later ones); live (opt.live) each goes at
 * once. */
#ifndef MTLS_REPORT_H
#define MTLS_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "flow/analyzer.h"

#define REPORT_QUEUE_MAX 1024
struct report_queue *report_queue_new(void);
void report_queue_free(struct report_queue *q);
/* Takes ownership of conn. */
void report_conn(struct analyzer *a, struct tls_conn *conn);
/* A stream that was not TLS: nothing to hand over, but the order moves on. */
void report_skip_stream(struct analyzer *a, uint64_t stream);
void report_flush(struct analyzer *a);
/* Memory pressure: every connection held for order goes out now; one
 * that ends later than its turn follows out of order. */
void report_release_held(struct analyzer *a);
/* --threads, in the reading thread: a worker's connection (threads.c), as
 * stream `stream`, takes its place in the order; `charge` is its heap. */
struct relayed;
void report_relayed(struct analyzer *a, uint64_t stream, struct relayed *r, size_t charge);
/* Heap held by connections waiting in the queue (part of --max-memory). */
size_t report_queue_bytes(const struct report_queue *q);
/* Heap held by a connection model, as malloc charges it (heap_charge.h). */
size_t conn_heap_charge(const struct tls_conn *c);

#endif
