/* threads.c - one capture file over several threads (threads.h).
 *
 * Each TCP connection belongs to one worker, by a hash of its addresses
 * and ports (either direction alike); the reading thread is worker 0
 * itself, so N threads in all. A worker is a whole analyzer of its own
 * flows: table, reassembly, TLS, certificate cache. What comes before the
 * TCP segment - reading and numbering frames, capture time, link layers,
 * tunnels and IP (fragments are reassembled there: their table is keyed
 * by datagram, not by connection) - is done one of two ways:
 * - A regular file is read by every worker itself (frame_reread, set by
 *   the stage above): each reads all frames, does that work again, and
 *   analyses only the segments of its own connections, with no copy. The
 *   reading thread's share is READ_PARTS_0 parts to each other worker's
 *   READ_PARTS, as it also merges and writes. A round is the frames
 *   between two ticks; a worker fills up to READ_AHEAD rounds ahead of the
 *   oldest not yet merged.
 * - Standard input or a pipe, which cannot be read twice, is read by the
 *   reading thread alone, which hands each segment to its worker: those
 *   of its own share it analyses as it reads them, the others it copies
 *   into their rounds. Its share is one part in 2N - 1 and each other
 *   worker's two: reading, copying and merging take about a third of a
 *   one-thread run, and at --threads 2 this split leaves both threads
 *   about equally busy (bench/README.md, Threads). A round ends after
 *   ROUND_SEGMENTS segments or ROUND_BYTES bytes.
 * So that a worker cannot tell it is not alone:
 * - each segment carries its frame number and capture time, and every
 *   EXPIRE_EVERY frames each worker has a tick with both, so that flows
 *   are given up at the same frames as in one thread, whether or not the
 *   worker saw frames in between;
 * - a worker numbers a stream by its first frame (a frame starts at most
 *   one stream) and tells where each event (a stream begins or ends) falls
 *   in one thread's order: its frame, then in a tick the flow's list and
 *   last frame (the order expiry walks them), within a frame the order it
 *   came in, and at the end of the file the order the flow table holds
 *   flows (the frame that made each).
 * When every worker has returned a round, the reading thread merges their
 * events in that order: a stream that begins takes the next number; one
 * that ends goes into the report queue (report.c) as it would have in one
 * thread, so that its bounded reorder (REPORT_QUEUE_MAX, a quarter of
 * --max-memory) puts it out in the same order. A connection the queue
 * puts out goes back to its worker with its number (a job), to be
 * diagnosed and rendered there (its certificates are shared with that
 * worker's cache, so it is also freed there) in a later round, the same
 * for every worker (with copies, the next one handed out; reading the
 * file, one no worker has begun); the reports come back with that round
 * and are written in the order they were asked for, and the summary's
 * counts and the story across connections are kept by the stage above
 * (its flow_render), in that order. Counts made
 * by workers (TCP and TLS connections, malformed TCP headers, evictions)
 * are added at the end of the file; frames and what the link and IP
 * layers counted are the reading thread's.
 *
 * Limits: each worker holds 1/N of --max-flows and --max-memory and its
 * own tombstones; the report queue's share is this thread's. While no
 * limit is reached the report is byte for byte one thread's; when one is,
 * which connections are given up early can differ, and the connections a
 * worker has handed on and not yet rendered are neither counted nor
 * given back early (as one thread releases those it holds for order), so
 * that under pressure a worker gives up more, and the process can pass
 * the bound (its tombstones stay: flow.c forgets them only when that
 * brings memory under the mark). When every worker reads the file, each
 * also has a read buffer and a fragment table (up to --max-frag-bytes)
 * of its own. Hence --threads is 1 unless asked for. */
#include "flow/threads.h"

#include <malloc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uthash.h>

#include "ip.h"
#include "flow/flow.h"
#include "flow/report.h"
#include "rd.h"
#include "tls_decrypt.h"
#include "tunnel.h"

/* A round ends after this many segments, or bytes copied, over all
 * workers: large enough that handing over costs little, small enough that
 * a worker reads the segments while they are still in the CPU's caches
 * (on handshake-heavy traffic 16 MiB rounds took 1.6x the CPU time of
 * 4 MiB ones, 4 MiB 1.15x that of 1 MiB; 256 KiB gained nothing more). */
#define ROUND_SEGMENTS 1024u
#define ROUND_BYTES (1u << 20)
/* Each worker's heap grows this much at a time: grown a page at a time,
 * every step was a system call that the other threads paid for too. */
#define WORKER_HEAP_PAD (8 << 20)
/* Rounds handed out and not yet merged; one more is being filled. */
#define ROUNDS_IN_FLIGHT 3
#define ROUND_SLOTS (ROUNDS_IN_FLIGHT + 2)
/* When every worker reads the file itself, a round is the frames between
 * two ticks (EXPIRE_EVERY), and a worker may fill rounds up to this many
 * ahead of the oldest not yet merged (each needs a slot of its own). */
#define READ_AHEAD ROUND_SLOTS
#define MAX_WORKERS 64u

enum rec_kind { REC_SEGMENT, REC_TICK, REC_END };

/* One record of a round, in its batch's arena; a segment's bytes follow,
 * padded to 8. */
struct rec {
	enum rec_kind kind;
	uint64_t frame_no;
	int64_t now_ns;
	size_t len, wire_len;
	struct ip_packet ip; /* its payload views are not used */
};

enum event_kind { EV_BEGIN, EV_CONN, EV_SKIP };

/* After a tick's lists (place 0 to 3: enum flow_list in flow.c). */
#define PLACE_FRAME 16u

struct event {
	/* Where it falls in one thread's order, compared in this order. */
	uint64_t frame, place, order;
	enum event_kind kind;
	uint64_t stream;          /* the worker's number: the first frame */
	struct relayed *conn;     /* EV_CONN */
	size_t charge;            /* EV_CONN: the connection's heap */
};

/* A worker's finished connection, until it is rendered. */
struct relayed {
	struct tls_conn *conn; /* owned */
	unsigned worker;
};

struct job {
	struct relayed *conn; /* the worker frees it */
	uint64_t stream;
	uint64_t out_seq;     /* the order reports are written in */
	uint64_t round;       /* reading the file: the round that renders it */
};

struct rendered {
	uint64_t out_seq;
	bool selected;
	size_t off, len;      /* in the batch's text */
};

/* One worker's share of a round: what it is given, what it gives back. */
struct batch {
	uint8_t *arena;
	size_t used, cap;
	struct job *jobs;
	size_t n_jobs, cap_jobs;
	struct event *events;
	size_t n_events, cap_events;
	struct rendered *done;
	size_t n_done, cap_done;
	unsigned char *tallies; /* done[i]'s at i * tally_size */
	size_t cap_tallies;
	char *text;
	size_t text_len, text_cap;
	uint64_t tls_conns;   /* the worker's count when it returned this */
	bool returned;        /* under workers.mu */
	struct batch *next;   /* the worker's queue */
};

struct relay {
	struct analyzer a;    /* the worker's own; a.relay points here */
	FILE *fp;             /* into the batch's text (text_write) */
	void *renderer;       /* the stage above's, writing to fp */
	struct workers *ws;
	unsigned index;
	pthread_t thread;     /* not for worker 0: the reading thread */
	struct batch *head, *tail; /* to do; under workers.mu */
	/* while it works on a batch */
	struct batch *b;
	enum rec_kind phase;
	uint64_t seq;         /* order within the frame */
	/* Jobs the reading thread has handed out for it and it has not yet
	 * taken (under workers.mu), and those not yet handed out (the reading
	 * thread's alone). */
	struct job *inbox, *outbox;
	size_t n_inbox, cap_inbox, n_outbox, cap_outbox;
	/* When it reads the file itself: */
	struct analyzer reader; /* frames, link layers, IP: what the reading thread does */
	void *frames;         /* the file's reread reader, while reading it */
	bool read_pending;    /* under workers.mu: a file to read */
	uint64_t round;       /* the round it fills */
	bool ended;           /* under workers.mu: its last round (round) is returned */
	uint64_t tls_conns;   /* its count in the last round merged (progress line) */
};

struct stream_number {
	uint64_t first_frame;
	uint64_t number;
	UT_hash_handle hh;
};

struct workers {
	unsigned n;
	struct relay *w;      /* n of them */
	pthread_mutex_t mu;
	pthread_cond_t work;  /* a batch to do, or quit */
	pthread_cond_t back;  /* a batch returned */
	bool quit;
	struct batch *slots;  /* ROUND_SLOTS rounds of n batches */
	uint64_t merged, sent; /* rounds merged; rounds handed out (copies) */
	size_t round_segments, round_bytes;
	uint64_t next_out;    /* out_seq of the next job */
	struct stream_number *numbers; /* uthash: streams begun, not ended */
	/* The file is read by every worker itself (not copied to them); the
	 * reading thread's last frame once it has one. */
	bool reading;
	struct frame_reread reread; /* the file's, while reading */
	atomic_uint_fast64_t end_frame;
};

static void out_of_memory(void)
{
	/* A segment or a report cannot be dropped without changing the
	 * report, and nothing can be given back here. */
	fprintf(stderr, "mtlsdiag: out of memory handing work to the threads (try --threads 1)\n");
	exit(2);
}

/* A capacity of at least `need`, doubling from 64. */
static size_t grown_cap(size_t cap, size_t need)
{
	size_t c = cap ? cap : 64;
	while (c < need)
		c *= 2;
	return c;
}

/* Room for `more` items after the n in array p of capacity cap. */
#define GROW(p, cap, n, more)                                                   \
	do {                                                                    \
		if ((n) + (more) > (cap)) {                                     \
			size_t c_ = grown_cap((cap), (n) + (more));             \
			void *q_ = realloc((p), c_ * sizeof *(p));              \
			if (!q_)                                                \
				out_of_memory();                                \
			(p) = q_;                                               \
			(cap) = c_;                                             \
		}                                                               \
	} while (0)

unsigned threads_for_run(unsigned requested)
{
	/* Not yet the cores by default: when --max-memory is reached, the
	 * connections a worker has handed on for rendering cannot be given
	 * back early as one thread gives them back, so the process can pass
	 * the bound and give up more than one thread would. */
	unsigned n = requested ? requested : 1;
	return n > MAX_WORKERS ? MAX_WORKERS : n;
}

static bool workers_fit(const struct analyzer *a)
{
	return a->opt.threads > 1 && !a->opt.live && a->sink.render;
}

static uint64_t relay_stream_start(struct analyzer *a);
static void relay_conn(struct analyzer *a, struct tls_conn *c);
static void relay_skip_stream(struct analyzer *a, uint64_t stream);
static void relay_emit(struct analyzer *a, struct relayed *r, uint64_t stream);
static void workers_segment(struct analyzer *a, const struct ip_packet *ip, const uint8_t *seg, size_t len,
			    size_t wire_len);
static void workers_tick(struct analyzer *a);
static void workers_end_file(struct analyzer *a);

/* The hooks the flow stage calls instead of doing the work itself. */
static const struct flow_split split = {
	workers_segment, workers_tick, NULL, workers_end_file, relay_emit,
	relay_stream_start, relay_conn, relay_skip_stream,
};

/* ---- in a worker -------------------------------------------------------- */

static struct event *new_event(struct relay *w, enum event_kind kind, uint64_t stream)
{
	struct batch *b = w->b;
	GROW(b->events, b->cap_events, b->n_events, 1);
	struct event *e = &b->events[b->n_events++];
	memset(e, 0, sizeof *e);
	e->kind = kind;
	e->stream = stream;
	switch (w->phase) {
	case REC_SEGMENT:
		e->frame = w->a.frame_no;
		e->place = PLACE_FRAME;
		e->order = w->seq++;
		break;
	case REC_TICK:
		e->frame = w->a.frame_no;
		e->place = w->a.origin.list;
		e->order = w->a.origin.last_frame;
		break;
	case REC_END:
		e->frame = UINT64_MAX;
		e->order = w->a.origin.first_seen;
		break;
	}
	return e;
}

static uint64_t relay_stream_start(struct analyzer *a)
{
	new_event(a->relay, EV_BEGIN, a->frame_no);
	return a->frame_no;
}

static void relay_conn(struct analyzer *a, struct tls_conn *c)
{
	struct relayed *r = malloc(sizeof *r);
	if (!r)
		out_of_memory();
	r->conn = c;
	r->worker = a->relay->index;
	struct event *e = new_event(a->relay, EV_CONN, c->stream);
	e->conn = r;
	e->charge = conn_heap_charge(c);
}

static void relay_skip_stream(struct analyzer *a, uint64_t stream)
{
	new_event(a->relay, EV_SKIP, stream);
}

/* The worker's report stream: unbuffered, straight into the batch. */
static ssize_t text_write(void *cookie, const char *buf, size_t n)
{
	struct batch *b = ((struct relay *)cookie)->b;
	GROW(b->text, b->text_cap, b->text_len, n);
	memcpy(b->text + b->text_len, buf, n);
	b->text_len += n;
	return (ssize_t)n;
}

static void render(struct relay *w, const struct job *j)
{
	struct batch *b = w->b;
	const struct flow_render *ops = w->a.sink.render;
	struct tls_conn *c = j->conn->conn;
	free(j->conn);
	c->stream = j->stream;
	GROW(b->done, b->cap_done, b->n_done, 1);
	GROW(b->tallies, b->cap_tallies, b->n_done * ops->tally_size, ops->tally_size);
	void *tally = b->tallies + b->n_done * ops->tally_size;
	struct rendered *d = &b->done[b->n_done++];
	d->out_seq = j->out_seq;
	d->off = b->text_len;
	d->selected = ops->render(w->renderer, w->a.file_name, c, tally);
	fflush(w->fp);
	d->len = b->text_len - d->off;
	tls_conn_release(c);
	free(c);
}

/* The reports of the connections w->b asks for. */
static void render_jobs(struct relay *w)
{
	for (size_t i = 0; i < w->b->n_jobs; i++)
		render(w, &w->b->jobs[i]);
}

/* One record in the worker's analyzer, at the reading thread's frame and
 * capture time; its events go into w->b. */
static void do_rec(struct relay *w, enum rec_kind kind, uint64_t frame_no, int64_t now_ns,
		   const struct ip_packet *ip, const uint8_t *seg, size_t len, size_t wire_len)
{
	w->phase = kind;
	w->a.frame_no = frame_no;
	w->a.now_ns = now_ns;
	if (kind == REC_SEGMENT) {
		w->seq = 0;
		flow_segment(&w->a, ip, seg, len, wire_len);
	} else if (kind == REC_TICK) {
		flow_expire_idle(&w->a);
	} else {
		flow_table_flush(&w->a, END_CAPTURE_END);
	}
}

static void work(struct relay *w, struct batch *b)
{
	w->b = b;
	render_jobs(w);
	for (size_t at = 0; at < b->used;) {
		struct rec *r = (struct rec *)(void *)(b->arena + at);
		const uint8_t *data = b->arena + at + sizeof *r;
		at += sizeof *r + ((r->len + 7) & ~(size_t)7);
		do_rec(w, r->kind, r->frame_no, r->now_ns, &r->ip, data, r->len, r->wire_len);
	}
	b->tls_conns = w->a.stats.tls_conns;
	w->b = NULL;
}

/* ---- rounds ------------------------------------------------------------- */

static struct batch *slot(struct workers *ws, uint64_t round, unsigned worker)
{
	return &ws->slots[(size_t)(round % ROUND_SLOTS) * ws->n + worker];
}

/* The round being filled with copies. */
static struct batch *filling(struct workers *ws, unsigned worker)
{
	return slot(ws, ws->sent, worker);
}

static void batch_reset(struct batch *b)
{
	b->used = b->n_jobs = b->n_events = b->n_done = b->text_len = 0;
	b->returned = false;
	b->next = NULL;
}

static void batch_free(struct batch *b)
{
	free(b->arena);
	free(b->jobs);
	free(b->events);
	free(b->done);
	free(b->tallies);
	free(b->text);
}

static void jobs_append(struct job **jobs, size_t *n, size_t *cap, const struct job *more, size_t n_more)
{
	if (!n_more)
		return;
	GROW(*jobs, *cap, *n, n_more);
	memcpy(*jobs + *n, more, n_more * sizeof *more);
	*n += n_more;
}

/* w's inbox into b's jobs, those of rounds up to `round` (under
 * workers.mu, or in the reading thread when w's thread is idle). */
static void take_inbox(struct relay *w, struct batch *b, uint64_t round)
{
	size_t n = 0;
	while (n < w->n_inbox && w->inbox[n].round <= round)
		n++;
	if (!n)
		return;
	jobs_append(&b->jobs, &b->n_jobs, &b->cap_jobs, w->inbox, n);
	memmove(w->inbox, w->inbox + n, (w->n_inbox - n) * sizeof *w->inbox);
	w->n_inbox -= n;
}

/* ---- which worker a connection belongs to ------------------------------ */

/* One end of a connection, mixed: its address and port. */
static uint64_t end_mix(const struct ip_addr *x, uint16_t port)
{
	uint64_t lo, hi;
	memcpy(&lo, x->a, 8);
	memcpy(&hi, x->a + 8, 8);
	uint64_t h = (lo ^ (hi << 32 | hi >> 32) ^ ((uint64_t)x->family << 56 | (uint64_t)port << 32)) *
		     0xff51afd7ed558ccdull;
	return h ^ h >> 32;
}

/* A connection's hash, either direction alike: the two ends' mixes
 * added. */
static uint64_t conn_hash(const struct ip_addr *src, uint16_t sport, const struct ip_addr *dst, uint16_t dport)
{
	uint64_t x = end_mix(src, sport) + end_mix(dst, dport);
	x ^= x >> 29;
	x *= 0xc4ceb9fe1a85ec53ull;
	x ^= x >> 32;
	return x;
}

/* A segment's connection hash; false when it is too short for ports. */
static bool segment_hash(const struct ip_packet *ip, const uint8_t *seg, size_t len, uint64_t *h)
{
	struct rd r = rd_make(seg, len);
	uint16_t sport, dport;
	if (rd_u16(&r, &sport) != 0 || rd_u16(&r, &dport) != 0)
		return false;
	*h = conn_hash(&ip->src, sport, &ip->dst, dport);
	return true;
}

/* With copies, the worker a connection's hash falls to: the reading
 * thread's own share (worker 0) is one part in 2n - 1, each other
 * worker's two. */
static unsigned share_of(const struct workers *ws, uint64_t h)
{
	unsigned part = (unsigned)(h % (2 * ws->n - 1));
	return (part + 1) / 2;
}

/* When each worker reads the file itself, the reading thread's own work
 * beyond its share is the merge and the writing: its share is
 * READ_PARTS_0 parts in READ_PARTS_0 + READ_PARTS * (n - 1), each other
 * worker's READ_PARTS. */
#define READ_PARTS 16u
#define READ_PARTS_0 13u
static unsigned read_share_of(const struct workers *ws, uint64_t h)
{
	unsigned part = (unsigned)(h % (READ_PARTS_0 + READ_PARTS * (ws->n - 1)));
	return part < READ_PARTS_0 ? 0 : 1 + (part - READ_PARTS_0) / READ_PARTS;
}

/* ---- a worker that reads the file itself ------------------------------- */

static struct relay *reader_relay(struct analyzer *a)
{
	return a->relay ? a->relay : &a->workers->w[0];
}

static void merge_ready(struct analyzer *a);

/* The round w fills is done (a tick is next): it is returned and the next
 * one begun, once its slot is free, with the jobs handed out meanwhile. */
static void next_round(struct analyzer *reader, struct relay *w)
{
	struct workers *ws = w->ws;
	struct batch *b = w->b;
	b->tls_conns = w->a.stats.tls_conns;
	if (w->index == 0) {
		b->returned = true;
		w->round++;
		merge_ready(reader);
		w->b = slot(ws, w->round, 0);
		take_inbox(w, w->b, w->round);
	} else {
		pthread_mutex_lock(&ws->mu);
		b->returned = true;
		pthread_cond_signal(&ws->back);
		w->round++;
		while (w->round >= ws->merged + READ_AHEAD)
			pthread_cond_wait(&ws->work, &ws->mu);
		w->b = slot(ws, w->round, w->index);
		take_inbox(w, w->b, w->round);
		pthread_mutex_unlock(&ws->mu);
	}
	render_jobs(w);
}

static void own_segment(struct analyzer *reader, const struct ip_packet *ip, const uint8_t *seg, size_t len,
			size_t wire_len)
{
	struct relay *w = reader_relay(reader);
	uint64_t h;
	/* Too short for ports: worker 0 counts it malformed. */
	unsigned to = segment_hash(ip, seg, len, &h) ? read_share_of(w->ws, h) : 0;
	if (to == w->index)
		do_rec(w, REC_SEGMENT, reader->frame_no, reader->now_ns, ip, seg, len, wire_len);
}

/* Another worker's connection in the commonest framing, where decoding
 * would count nothing (tunnel.h), is passed over undecoded. */
static bool own_passes(struct analyzer *reader, int linktype, const uint8_t *pkt, size_t caplen)
{
	struct ip_addr src, dst;
	uint16_t sport, dport;
	struct relay *w = reader_relay(reader);
	return decap_plain_tcp4(linktype, pkt, caplen, &src, &dst, &sport, &dport) &&
	       read_share_of(w->ws, conn_hash(&src, sport, &dst, dport)) != w->index;
}

static void own_tick(struct analyzer *reader)
{
	struct relay *w = reader_relay(reader);
	next_round(reader, w);
	do_rec(w, REC_TICK, reader->frame_no, reader->now_ns, NULL, NULL, 0, 0);
}

static void finish_reading(struct analyzer *a);

static void own_end(struct analyzer *reader)
{
	struct relay *w = reader_relay(reader);
	struct workers *ws = w->ws;
	if (w->index == 0)
		atomic_store(&ws->end_frame, reader->frame_no);
	do_rec(w, REC_END, reader->frame_no, reader->now_ns, NULL, NULL, 0, 0);
	w->b->tls_conns = w->a.stats.tls_conns;
	pthread_mutex_lock(&ws->mu);
	w->b->returned = true;
	w->ended = true;
	pthread_cond_signal(&ws->back);
	pthread_mutex_unlock(&ws->mu);
	w->b = NULL;
	if (w->index == 0)
		finish_reading(reader);
}

static void relay_emit(struct analyzer *a, struct relayed *r, uint64_t stream);

/* The hooks of an analyzer that reads frames (the reading thread's, and
 * each worker's reader) when every worker reads the file itself. */
static const struct flow_split read_split = {
	own_segment, own_tick, own_passes, own_end, relay_emit, NULL, NULL, NULL,
};

/* In worker w's thread: the whole file, its share of the connections
 * analysed, the rest passed over; stops at the reading thread's last
 * frame when that is known first (the report could not be written). */
static void read_own(struct relay *w)
{
	struct workers *ws = w->ws;
	struct analyzer *r = &w->reader;
	const struct frame_reread *rr = &ws->reread;
	analyzer_begin_file(r, w->a.file_name, w->a.file_index);
	int linktype;
	const uint8_t *data;
	size_t caplen, wirelen;
	int64_t ts_ns;
	while (r->frame_no < atomic_load_explicit(&ws->end_frame, memory_order_relaxed) &&
	       rr->next(w->frames, &linktype, &data, &caplen, &wirelen, &ts_ns))
		analyzer_frame(r, linktype, data, caplen, wirelen, ts_ns);
	analyzer_end_file(r);
	rr->close(w->frames);
	w->frames = NULL;
}

/* ---- a worker's thread: a file to read, or rounds of copies ------------ */

static void *worker_main(void *arg)
{
	struct relay *w = arg;
	struct workers *ws = w->ws;
	pthread_mutex_lock(&ws->mu);
	for (;;) {
		while (!w->head && !w->read_pending && !ws->quit)
			pthread_cond_wait(&ws->work, &ws->mu);
		if (w->read_pending) {
			w->read_pending = false;
			w->b = slot(ws, w->round, w->index);
			pthread_mutex_unlock(&ws->mu);
			read_own(w);
			pthread_mutex_lock(&ws->mu);
			continue;
		}
		struct batch *b = w->head;
		if (!b)
			break;
		w->head = b->next;
		if (!w->head)
			w->tail = NULL;
		pthread_mutex_unlock(&ws->mu);
		work(w, b);
		pthread_mutex_lock(&ws->mu);
		b->returned = true;
		pthread_cond_signal(&ws->back);
	}
	pthread_mutex_unlock(&ws->mu);
	return NULL;
}

/* ---- in the reading thread --------------------------------------------- */

static void append_rec(struct workers *ws, unsigned worker, const struct rec *r, const uint8_t *data)
{
	struct batch *b = filling(ws, worker);
	size_t padded = (r->len + 7) & ~(size_t)7;
	GROW(b->arena, b->cap, b->used, sizeof *r + padded);
	memcpy(b->arena + b->used, r, sizeof *r);
	if (r->len)
		memcpy(b->arena + b->used + sizeof *r, data, r->len);
	b->used += sizeof *r + padded;
	ws->round_bytes += sizeof *r + padded;
}

/* Under workers.mu. A worker that has returned its last round has
 * nothing in the rounds after it. */
static bool round_returned(struct workers *ws, uint64_t round)
{
	for (unsigned i = 0; i < ws->n; i++)
		if (!slot(ws, round, i)->returned && !(ws->w[i].ended && round > ws->w[i].round))
			return false;
	return true;
}

static void number_put(struct workers *ws, uint64_t first_frame, uint64_t number)
{
	struct stream_number *s = malloc(sizeof *s);
	if (!s)
		out_of_memory();
	s->first_frame = first_frame;
	s->number = number;
	HASH_ADD(hh, ws->numbers, first_frame, sizeof s->first_frame, s);
}

static uint64_t number_take(struct workers *ws, uint64_t first_frame)
{
	struct stream_number *s;
	HASH_FIND(hh, ws->numbers, &first_frame, sizeof first_frame, s);
	if (!s)
		return 0; /* cannot happen: a stream ends after it begins */
	uint64_t n = s->number;
	HASH_DEL(ws->numbers, s);
	free(s);
	return n;
}

static bool event_before(const struct event *x, const struct event *y)
{
	if (x->frame != y->frame)
		return x->frame < y->frame;
	if (x->place != y->place)
		return x->place < y->place;
	return x->order < y->order;
}

/* Jobs handed out since the last round go to the workers reading the
 * file, to be rendered in a round none of them has begun: every worker
 * renders the jobs of a round in it, so that its reports come back
 * together and in order (under workers.mu). */
static void post_jobs(struct workers *ws)
{
	uint64_t round = 0;
	for (unsigned i = 0; i < ws->n; i++)
		if (ws->w[i].round > round)
			round = ws->w[i].round;
	for (unsigned i = 0; i < ws->n; i++) {
		struct relay *w = &ws->w[i];
		for (size_t k = 0; k < w->n_outbox; k++)
			w->outbox[k].round = round + 1;
		jobs_append(&w->inbox, &w->n_inbox, &w->cap_inbox, w->outbox, w->n_outbox);
		w->n_outbox = 0;
	}
}

/* The oldest round not yet merged, once every worker has returned it:
 * the reports it rendered are written, then its events taken in one
 * thread's order. */
static void merge_round(struct analyzer *a)
{
	struct workers *ws = a->workers;
	uint64_t round = ws->merged;
	pthread_mutex_lock(&ws->mu);
	while (!round_returned(ws, round))
		pthread_cond_wait(&ws->back, &ws->mu);
	pthread_mutex_unlock(&ws->mu);

	size_t at[MAX_WORKERS] = { 0 };
	for (;;) {
		struct batch *next = NULL;
		unsigned from = 0;
		for (unsigned i = 0; i < ws->n; i++) {
			struct batch *b = slot(ws, round, i);
			if (at[i] < b->n_done && (!next || b->done[at[i]].out_seq < next->done[at[from]].out_seq)) {
				next = b;
				from = i;
			}
		}
		if (!next)
			break;
		size_t i = at[from]++;
		const struct rendered *d = &next->done[i];
		if (d->selected)
			a->sink.render->publish(a->sink.ctx, a->file_name, next->text + d->off, d->len,
						next->tallies + i * a->sink.render->tally_size);
	}
	memset(at, 0, sizeof at);
	for (;;) {
		struct batch *next = NULL;
		unsigned from = 0;
		for (unsigned i = 0; i < ws->n; i++) {
			struct batch *b = slot(ws, round, i);
			if (at[i] < b->n_events && (!next || event_before(&b->events[at[i]], &next->events[at[from]]))) {
				next = b;
				from = i;
			}
		}
		if (!next)
			break;
		const struct event *e = &next->events[at[from]++];
		if (e->kind == EV_BEGIN)
			number_put(ws, e->stream, a->next_stream++);
		else if (e->kind == EV_CONN)
			report_relayed(a, number_take(ws, e->stream), e->conn, e->charge);
		else
			report_skip_stream(a, number_take(ws, e->stream));
	}
	/* For the progress line; the counts are added at the end. */
	a->stats.tls_conns = 0;
	pthread_mutex_lock(&ws->mu);
	for (unsigned i = 0; i < ws->n; i++) {
		struct batch *b = slot(ws, round, i);
		if (b->returned)
			ws->w[i].tls_conns = b->tls_conns;
		a->stats.tls_conns += ws->w[i].tls_conns;
		batch_reset(b);
	}
	ws->merged++;
	if (ws->reading) {
		post_jobs(ws);
		pthread_cond_broadcast(&ws->work);
	}
	pthread_mutex_unlock(&ws->mu);
}

/* In the reading thread, reading: every round all workers have returned
 * is merged, and more when it is too far ahead for a free slot. */
static void merge_ready(struct analyzer *a)
{
	struct workers *ws = a->workers;
	uint64_t own = ws->w[0].round;
	while (ws->merged < own) {
		if (own < ws->merged + READ_AHEAD) {
			pthread_mutex_lock(&ws->mu);
			bool ready = round_returned(ws, ws->merged);
			pthread_mutex_unlock(&ws->mu);
			if (!ready)
				break;
		}
		merge_round(a);
	}
}

/* Every job handed out and not yet taken goes into the round being
 * filled, for a round of copies. */
static void jobs_to_filling(struct workers *ws)
{
	for (unsigned i = 0; i < ws->n; i++) {
		struct relay *w = &ws->w[i];
		struct batch *b = filling(ws, i);
		take_inbox(w, b, UINT64_MAX);
		jobs_append(&b->jobs, &b->n_jobs, &b->cap_jobs, w->outbox, w->n_outbox);
		w->n_outbox = 0;
	}
}

static void send_round(struct analyzer *a)
{
	struct workers *ws = a->workers;
	jobs_to_filling(ws);
	/* Worker 0 has done its records as they came; its reports now. */
	struct relay *w0 = &ws->w[0];
	struct batch *b0 = filling(ws, 0);
	w0->b = b0;
	render_jobs(w0);
	b0->tls_conns = w0->a.stats.tls_conns;
	w0->b = NULL;
	pthread_mutex_lock(&ws->mu);
	b0->returned = true;
	for (unsigned i = 1; i < ws->n; i++) {
		struct relay *w = &ws->w[i];
		struct batch *b = filling(ws, i);
		b->next = NULL;
		if (w->tail)
			w->tail->next = b;
		else
			w->head = b;
		w->tail = b;
	}
	ws->sent++;
	pthread_cond_broadcast(&ws->work);
	pthread_mutex_unlock(&ws->mu);
	ws->round_segments = ws->round_bytes = 0;
	while (ws->sent - ws->merged > ROUNDS_IN_FLIGHT)
		merge_round(a);
}

static void relay_emit(struct analyzer *a, struct relayed *r, uint64_t stream)
{
	struct relay *w = &a->workers->w[r->worker];
	GROW(w->outbox, w->cap_outbox, w->n_outbox, 1);
	w->outbox[w->n_outbox++] = (struct job){ r, stream, a->workers->next_out++, 0 };
}

/* Worker 0's work, done here as it comes: what its thread would do
 * with the record. */
static void inline_rec(struct analyzer *a, enum rec_kind kind, const struct ip_packet *ip, const uint8_t *seg,
		       size_t len, size_t wire_len)
{
	struct workers *ws = a->workers;
	struct relay *w = &ws->w[0];
	w->b = filling(ws, 0);
	do_rec(w, kind, a->frame_no, a->now_ns, ip, seg, len, wire_len);
	w->b = NULL;
}

static void workers_segment(struct analyzer *a, const struct ip_packet *ip, const uint8_t *seg, size_t len,
		     size_t wire_len)
{
	struct workers *ws = a->workers;
	uint64_t h;
	/* Too short for ports: worker 0 counts it malformed. */
	unsigned to = segment_hash(ip, seg, len, &h) ? share_of(ws, h) : 0;
	if (to == 0) {
		inline_rec(a, REC_SEGMENT, ip, seg, len, wire_len);
	} else {
		struct rec rec = { REC_SEGMENT, a->frame_no, a->now_ns, len, wire_len, *ip };
		rec.ip.payload = NULL;
		append_rec(ws, to, &rec, seg);
	}
	if (++ws->round_segments >= ROUND_SEGMENTS || ws->round_bytes >= ROUND_BYTES)
		send_round(a);
}

static void to_every_worker(struct analyzer *a, enum rec_kind kind)
{
	struct rec rec;
	memset(&rec, 0, sizeof rec);
	rec.kind = kind;
	rec.frame_no = a->frame_no;
	rec.now_ns = a->now_ns;
	inline_rec(a, kind, NULL, NULL, 0, 0);
	for (unsigned i = 1; i < a->workers->n; i++)
		append_rec(a->workers, i, &rec, NULL);
}

static void workers_tick(struct analyzer *a)
{
	to_every_worker(a, REC_TICK);
}

static bool jobs_waiting(struct workers *ws)
{
	for (unsigned i = 0; i < ws->n; i++)
		if (ws->w[i].n_inbox || ws->w[i].n_outbox)
			return true;
	return false;
}

/* Once every record is merged: what the queue still holds, then the
 * reports of all of it, in rounds of copies; the workers' counts. */
static void drain_reports(struct analyzer *a)
{
	struct workers *ws = a->workers;
	report_flush(a);
	while (jobs_waiting(ws)) {
		send_round(a);
		while (ws->sent > ws->merged)
			merge_round(a);
	}
	a->stats.tls_conns = 0;
	for (unsigned i = 0; i < ws->n; i++)
		traffic_stats_add(&a->stats, &ws->w[i].a.stats);
}

static void workers_end_file(struct analyzer *a)
{
	struct workers *ws = a->workers;
	to_every_worker(a, REC_END);
	send_round(a);
	while (ws->sent > ws->merged)
		merge_round(a);
	drain_reports(a);
}

/* The reading thread's end of a file every worker read: every round
 * merged as the workers return their last. */
static void finish_reading(struct analyzer *a)
{
	struct workers *ws = a->workers;
	for (;;) {
		bool done = true;
		pthread_mutex_lock(&ws->mu);
		for (unsigned i = 0; i < ws->n; i++)
			if (!ws->w[i].ended || ws->merged <= ws->w[i].round)
				done = false;
		pthread_mutex_unlock(&ws->mu);
		if (done)
			break;
		merge_round(a);
	}
	pthread_mutex_lock(&ws->mu);
	ws->reading = false;
	ws->sent = ws->merged;
	for (unsigned i = 0; i < ws->n; i++)
		ws->w[i].ended = false; /* the rounds of copies after are theirs again */
	pthread_mutex_unlock(&ws->mu);
	drain_reports(a);
}

static void workers_stop(struct workers *ws, unsigned started)
{
	pthread_mutex_lock(&ws->mu);
	ws->quit = true;
	pthread_cond_broadcast(&ws->work);
	pthread_mutex_unlock(&ws->mu);
	for (unsigned i = 1; i < started; i++) /* worker 0 is this thread */
		pthread_join(ws->w[i].thread, NULL);
}

static void relay_release(struct relay *w)
{
	if (w->renderer)
		w->a.sink.render->close(w->renderer);
	if (w->fp)
		fclose(w->fp);
	w->a.keylog = NULL; /* the reading thread's */
	analyzer_release(&w->a);
	free(w->inbox);
	free(w->outbox);
}

static struct workers *workers_new(const struct analyzer *a)
{
	struct workers *ws = calloc(1, sizeof *ws);
	if (!ws)
		return NULL;
	ws->n = a->opt.threads > MAX_WORKERS ? MAX_WORKERS : a->opt.threads;
	ws->w = calloc(ws->n, sizeof *ws->w);
	ws->slots = calloc((size_t)ROUND_SLOTS * ws->n, sizeof *ws->slots);
	if (!ws->w || !ws->slots) {
		free(ws->w);
		free(ws->slots);
		free(ws);
		return NULL;
	}
	/* glibc's setting for every heap made from now on, the workers' own
	 * among them (their first allocations come after this). */
	mallopt(M_TOP_PAD, WORKER_HEAP_PAD);
	pthread_mutex_init(&ws->mu, NULL);
	pthread_cond_init(&ws->work, NULL);
	pthread_cond_init(&ws->back, NULL);
	struct flow_options wopt = a->opt;
	wopt.threads = 1;
	wopt.max_flows = a->opt.max_flows / ws->n ? a->opt.max_flows / ws->n : 1;
	wopt.max_memory = a->opt.max_memory / ws->n;
	unsigned started = 0;
	for (; started < ws->n; started++) {
		struct relay *w = &ws->w[started];
		w->ws = ws;
		w->index = started;
		w->fp = fopencookie(w, "w", (cookie_io_functions_t){ .write = text_write });
		if (w->fp)
			setvbuf(w->fp, NULL, _IONBF, 0);
		/* Its connections go to the reading thread (relay), never to a
		 * sink's take; the render hooks are the reading thread's. */
		analyzer_init(&w->a, &wopt, (struct flow_sink){ NULL, NULL, a->sink.ctx, a->sink.render });
		w->renderer = w->fp ? a->sink.render->open(a->sink.ctx, w->fp) : NULL;
		w->a.relay = w;
		w->a.split = &split;
		w->a.keylog = a->keylog;
		if (a->keylog)
			w->a.crypto = tls_crypto_new();
		if (!w->fp || !w->renderer || (a->keylog && !w->a.crypto) ||
		    (started > 0 && pthread_create(&w->thread, NULL, worker_main, w) != 0)) {
			relay_release(w);
			break;
		}
	}
	if (started < ws->n) {
		workers_stop(ws, started);
		for (unsigned i = 0; i < started; i++)
			relay_release(&ws->w[i]);
		free(ws->w);
		free(ws->slots);
		free(ws);
		return NULL;
	}
	return ws;
}

/* Each worker other than this thread a reader of the file of its own;
 * false (none left open) when one cannot have it. */
static bool open_readers(struct workers *ws, const struct frame_reread *rr)
{
	if (!rr->open)
		return false;
	for (unsigned i = 1; i < ws->n; i++) {
		ws->w[i].frames = rr->open(rr->ctx);
		if (!ws->w[i].frames) {
			while (--i > 0) {
				rr->close(ws->w[i].frames);
				ws->w[i].frames = NULL;
			}
			return false;
		}
	}
	return true;
}

void threads_begin_file(struct analyzer *a)
{
	if (!workers_fit(a))
		return;
	if (!a->workers)
		a->workers = workers_new(a);
	struct workers *ws = a->workers;
	if (!ws)
		return;
	/* The workers are idle between files: what they read next is set
	 * before they are handed anything. */
	for (unsigned i = 0; i < ws->n; i++) {
		struct relay *r = &ws->w[i];
		struct analyzer *w = &r->a;
		w->file_name = a->file_name;
		w->file_index = a->file_index;
		w->frame_no = 0;
		w->next_stream = 0;
		w->now_ns = 0;
		memset(&w->stats, 0, sizeof w->stats);
		r->round = ws->merged;
		r->ended = false;
		r->tls_conns = 0;
	}
	ws->reading = open_readers(ws, &a->reread);
	if (!ws->reading) {
		a->split = &split;
		return;
	}
	ws->reread = a->reread;
	atomic_store(&ws->end_frame, UINT64_MAX);
	a->split = &read_split;
	ws->w[0].b = slot(ws, ws->merged, 0);
	pthread_mutex_lock(&ws->mu);
	for (unsigned i = 1; i < ws->n; i++) {
		struct relay *r = &ws->w[i];
		memset(&r->reader, 0, sizeof r->reader);
		r->reader.opt = a->opt;
		r->reader.workers = ws;
		r->reader.split = &read_split;
		r->reader.relay = r;
		r->read_pending = true;
	}
	pthread_cond_broadcast(&ws->work);
	pthread_mutex_unlock(&ws->mu);
}

static void workers_free(struct workers *ws)
{
	if (!ws)
		return;
	workers_stop(ws, ws->n);
	for (unsigned i = 0; i < ws->n; i++)
		relay_release(&ws->w[i]);
	for (size_t i = 0; i < (size_t)ROUND_SLOTS * ws->n; i++)
		batch_free(&ws->slots[i]);
	struct stream_number *s, *tmp;
	HASH_ITER(hh, ws->numbers, s, tmp)
	{
		HASH_DEL(ws->numbers, s);
		free(s);
	}

	pthread_mutex_destroy(&ws->mu);
	pthread_cond_destroy(&ws->work);
	pthread_cond_destroy(&ws->back);
	free(ws->w);
	free(ws->slots);
	free(ws);
}

void threads_release(struct analyzer *a)
{
	workers_free(a->workers);
	a->workers = NULL;
	a->split = NULL;
}
