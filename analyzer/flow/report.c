/* report.c - hands finished connections over in stream order. */
#include <stdlib.h>

#include "flow/report.h"
#include "heap_charge.h"

struct report_item {
	uint64_t stream;
	struct tls_conn *conn; /* owned; NULL for a non-TLS stream */
	struct relayed *relayed; /* a worker's connection (threads.c), or NULL */
	size_t charge;         /* the connection's heap when it was queued */
};

/* A binary min-heap on the stream number. */
struct report_queue {
	struct report_item *items;
	size_t n, cap;
	uint64_t next_stream;
	size_t held_bytes; /* of the connections in items */
};

size_t conn_heap_charge(const struct tls_conn *c)
{
	if (!c)
		return 0;
	/* heap_bytes covers the chains and requests; the alerts, the HTTP
	 * facts and the --trust verdict are added here. */
	size_t n = heap_charge(sizeof *c) + c->heap_bytes;
	if (c->alerts)
		n += heap_charge(c->n_alerts * sizeof *c->alerts);
	if (c->http)
		n += heap_charge(sizeof *c->http);
	if (c->client_verify)
		n += heap_charge(sizeof *c->client_verify);
	return n;
}


size_t report_queue_bytes(const struct report_queue *q)
{
	if (!q)
		return 0;
	return heap_charge(sizeof *q) + (q->cap ? heap_charge(q->cap * sizeof *q->items) : 0) + q->held_bytes;
}

struct report_queue *report_queue_new(void)
{
	return calloc(1, sizeof(struct report_queue));
}

static void emit(struct analyzer *a, struct tls_conn *c)
{
	if (c)
		a->sink.take(a->sink.ctx, a->file_name, c);
}

static void emit_item(struct analyzer *a, const struct report_item *it)
{
	if (it->relayed)
		a->split->emit(a, it->relayed, it->stream);
	else
		emit(a, it->conn);
}

static void swap(struct report_item *x, struct report_item *y)
{
	struct report_item t = *x;
	*x = *y;
	*y = t;
}

static void push(struct report_queue *q, struct report_item it)
{
	size_t i = q->n++;
	q->items[i] = it;
	while (i > 0 && q->items[(i - 1) / 2].stream > q->items[i].stream) {
		swap(&q->items[(i - 1) / 2], &q->items[i]);
		i = (i - 1) / 2;
	}
}

static struct report_item pop(struct report_queue *q)
{
	struct report_item top = q->items[0];
	q->held_bytes -= top.charge;
	q->items[0] = q->items[--q->n];
	size_t i = 0;
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		if (l < q->n && q->items[l].stream < q->items[m].stream)
			m = l;
		if (r < q->n && q->items[r].stream < q->items[m].stream)
			m = r;
		if (m == i)
			break;
		swap(&q->items[i], &q->items[m]);
		i = m;
	}
	return top;
}

static void drain(struct analyzer *a, bool all)
{
	struct report_queue *q = a->queue;
	/* A quarter of --max-memory for connections held back for order. */
	while (q->n > 0 && (all || q->items[0].stream <= q->next_stream || q->n > REPORT_QUEUE_MAX ||
			    q->held_bytes > a->opt.max_memory / 4)) {
		struct report_item it = pop(q);
		if (it.stream >= q->next_stream)
			q->next_stream = it.stream + 1;
		emit_item(a, &it);
	}
}

static void enqueue(struct analyzer *a, struct report_item it)
{
	struct report_queue *q = a->queue;
	if (it.stream < q->next_stream) {
		emit_item(a, &it); /* later than its turn: out of order rather than lost */
		return;
	}
	if (q->n == q->cap) {
		size_t cap = q->cap ? q->cap * 2 : 64;
		struct report_item *grown = realloc(q->items, cap * sizeof *grown);
		if (!grown) {
			emit_item(a, &it);
			return;
		}
		q->items = grown;
		q->cap = cap;
	}
	push(q, it);
	q->held_bytes += it.charge;
	drain(a, false);
}

void report_conn(struct analyzer *a, struct tls_conn *conn)
{
	if (a->relay)
		a->split->conn(a, conn); /* a worker's: the reading thread puts it in order */
	else if (a->opt.live)
		emit(a, conn); /* live, a connection is reported the moment it ends */
	else
		enqueue(a, (struct report_item){ conn->stream, conn, NULL, conn_heap_charge(conn) });
}

void report_skip_stream(struct analyzer *a, uint64_t stream)
{
	if (a->relay)
		a->split->skip_stream(a, stream);
	else if (!a->opt.live)
		enqueue(a, (struct report_item){ stream, NULL, NULL, 0 });
}

void report_relayed(struct analyzer *a, uint64_t stream, struct relayed *r, size_t charge)
{
	enqueue(a, (struct report_item){ stream, NULL, r, charge });
}

void report_release_held(struct analyzer *a)
{
	if (!a->queue)
		return; /* a worker's: the reading thread holds them (threads.c) */
	drain(a, true);
}

void report_flush(struct analyzer *a)
{
	drain(a, true);
	a->queue->next_stream = 0;
}

void report_queue_free(struct report_queue *q)
{
	if (!q)
		return;
	for (size_t i = 0; i < q->n; i++) {
		if (q->items[i].conn) {
			tls_conn_release(q->items[i].conn);
			free(q->items[i].conn);
		}
	}
	free(q->items);
	free(q);
}
