/* flow.c - the flow table: TCP connections keyed by their canonical
 * 5-tuple, each with two reassembled directions, TLS detection by content,
 * and the hand-off of finished connections to the report queue.
 *
 * A flow lives in four stages: open; finished (a FIN from both sides and
 * every byte before them seen), kept a moment for the last ACKs; closed
 * (an RST, or FINs with bytes still missing), kept longer so that packets
 * after an injected RST, retransmissions, or the same SYN again are still
 * seen. Then only a tombstone is left, in a table of its own: its late
 * packets are recognised and dropped, so they neither open a new stream
 * nor shift Wireshark's stream numbers, and its SYN starts a new one. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

/* The flow key has a fixed 40-byte layout (zero padded by make_key),
 * hashed as words: uthash's byte-wise hash was the largest cost per
 * packet. */
#include "word_hash.h"
#define HASH_FUNCTION WORD_HASH_FUNCTION
#include <uthash.h>
#include <utlist.h>
/* Start with 2^14 buckets (256 KiB): a busy capture reaches tens of
 * thousands of flows in its first seconds, without a cascade of rehashes
 * on the way (uthash uses these only inside its macros). */
#undef HASH_INITIAL_NUM_BUCKETS
#undef HASH_INITIAL_NUM_BUCKETS_LOG2
#define HASH_INITIAL_NUM_BUCKETS (1u << 14)
#define HASH_INITIAL_NUM_BUCKETS_LOG2 14u

#include "flow/flow.h"
#include "flow/report.h"
#include "model/cert_cache.h"
#include "model/conn.h"
#include "heap_charge.h"
#include "ip.h"
#include "ipfrag.h"
#include "tcp.h"
#include "tcp_reasm.h"
#include "tls_record.h"

/* Capture-time quiet periods after which a finished or closed flow is
 * reported, and after which its tombstone is forgotten. A finished flow
 * waits only for its last ACKs: at thousands of connections a second,
 * keeping each one seconds long was most of the memory and, through cache
 * misses, a quarter of the time. */
#define FINISH_LINGER_NS (100LL * 1000000LL)
#define CLOSE_LINGER_NS (2LL * 1000000000LL)
#define TOMBSTONE_LINGER_NS (120LL * 1000000000LL)
/* At most this many tombstones (~130 bytes each), the oldest go first: at
 * thousands of connections a second, 120 s of them would be the largest
 * part of the memory, growing with the capture up to the flow limit. */
#define MAX_TOMBSTONES 32768u
/* How far into a stream TLS is looked for. */
#define HELLO_PROBE_BYTES (1u << 20)
#define MIDSTREAM_PROBE_BYTES (64u * 1024u)
/* Bytes tls_looks_like_hello needs: record header and handshake type. */
#define HELLO_TEST_BYTES 6

struct flow_key {
	uint8_t family;
	uint8_t pad[3];
	uint8_t addr[2][16];
	uint16_t port[2];
};

enum flow_stage { FLOW_OPEN, FLOW_FINISHED, FLOW_CLOSED, FLOW_STAGES };

/* The least-recently-active lists (a->lru): one per stage, the open
 * stage split in two, in the order flows are given up when a limit is
 * reached: what is over before what is idle, and a handshake in progress
 * last. Open and quiet: no TLS seen (yet), or both sides' Finished sent;
 * what is left to see there rarely changes the report. */
enum flow_list { LIST_FINISHED, LIST_CLOSED, LIST_QUIET, LIST_HANDSHAKE, FLOW_LISTS };
_Static_assert(FLOW_LISTS <= sizeof(((struct analyzer *)0)->lru) / sizeof(struct flow *),
	       "one LRU list per flow list");

struct flow;

/* The context a reassembly sink gets: which flow, which direction. */
struct flow_dir {
	struct analyzer *a;
	struct flow *f;
	int dir;
};

struct flow {
	UT_hash_handle hh;
	struct flow_key key;
	struct flow *lru_prev, *lru_next;
	struct endpoint ep[2]; /* ep[0] sent the first packet we saw */
	uint64_t stream;
	enum flow_stage stage;
	int64_t last_ts;
	uint64_t first_frame, last_frame;
	int64_t first_ts;
	struct flow_dir dirs[2];
	struct tcp_reasm *reasm[2];
	bool syn[2], synack[2], fin[2], rst;
	uint32_t isn[2];            /* sequence number of the SYN, per side */
	uint64_t fin_frame, rst_frame;
	uint32_t fin_seq[2];        /* sequence number of each side's FIN */
	int fin_dir, rst_dir;
	uint8_t rst_ttl;
	uint8_t ttl[2];
	bool ttl_set[2];
	bool rst_ipv4, rst_df;
	uint16_t rst_ip_id;
	struct ipid_pattern ipid[2];
	uint64_t probed[2];
	/* The start of a possible hello that came in pieces smaller than the
	 * test needs (a ClientHello sent byte by byte), with its first frame. */
	uint8_t pending[2][HELLO_TEST_BYTES];
	uint8_t n_pending[2];
	struct tcp_frame_ref pending_at[2];
	int client_dir;             /* -1 until decided */
	struct tls_conn *conn;      /* owned; NULL until TLS is seen */
	struct conn_parser *parser; /* owned */
	size_t heap;                /* bytes counted in a->flow_bytes */
	uint64_t first_seen;        /* the frame that made it (its place in the table) */
	uint8_t list;               /* enum flow_list: the LRU list it is on */
};

/* What is left of a reported flow. */
struct tombstone {
	UT_hash_handle hh;
	struct flow_key key;
	struct tombstone *prev, *next; /* least recently active first */
	int64_t last_ts;
};

static void ipid_note(struct ipid_pattern *p, uint16_t id, bool df)
{
	if (p->packets == 0) {
		p->sequential = true;
		p->all_zero = id == 0;
		p->df_always = df;
	} else {
		if (!df)
			p->df_always = false;
		if ((uint16_t)(id - p->last) > IPID_MAX_STEP)
			p->sequential = false;
		if (id != 0)
			p->all_zero = false;
	}
	p->last = id;
	p->packets++;
}

static enum flow_list flow_list_of(const struct flow *f)
{
	if (f->stage == FLOW_FINISHED)
		return LIST_FINISHED;
	if (f->stage == FLOW_CLOSED)
		return LIST_CLOSED;
	bool handshaking = f->conn && f->parser &&
			   !(f->parser->handshake_done[SIDE_CLIENT] && f->parser->handshake_done[SIDE_SERVER]);
	return handshaking ? LIST_HANDSHAKE : LIST_QUIET;
}

/* A flow is on one list (flow_list_of), least recently active first. */
static void lru_unlink(struct analyzer *a, struct flow *f)
{
	DL_DELETE2(a->lru[f->list], f, lru_prev, lru_next);
}

/* Appends to the list the flow belongs on now. */
static void lru_append(struct analyzer *a, struct flow *f)
{
	f->list = (uint8_t)flow_list_of(f);
	DL_APPEND2(a->lru[f->list], f, lru_prev, lru_next);
}

static void flow_set_stage(struct analyzer *a, struct flow *f, enum flow_stage stage)
{
	if (f->stage == stage)
		return;
	lru_unlink(a, f);
	f->stage = stage;
	lru_append(a, f);
}

/* An address as the key holds it: an IPv4 one in the first 4 bytes, the
 * rest zero. Fixed sizes, so that the compiler copies and compares in
 * registers (this runs for every segment). */
static void key_addr(uint8_t out[16], const struct ip_addr *a)
{
	if (a->family == 4) {
		memcpy(out, a->a, 4);
		memset(out + 4, 0, 12);
	} else {
		memcpy(out, a->a, 16);
	}
}

static uint64_t load_be64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, sizeof v);
	return __builtin_bswap64(v);
}

/* memcmp's order of two key addresses. */
static int key_addr_order(const uint8_t x[16], const uint8_t y[16])
{
	uint64_t a = load_be64(x), b = load_be64(y);
	if (a == b) {
		a = load_be64(x + 8);
		b = load_be64(y + 8);
	}
	return a < b ? -1 : a > b;
}

static void make_key(const struct ip_packet *ip, uint16_t sport, uint16_t dport, struct flow_key *k)
{
	uint8_t src[16], dst[16];
	key_addr(src, &ip->src);
	key_addr(dst, &ip->dst);
	int c = key_addr_order(src, dst);
	bool src_first = c < 0 || (c == 0 && sport <= dport);

	k->family = ip->src.family;
	memset(k->pad, 0, sizeof k->pad);
	memcpy(k->addr[src_first ? 0 : 1], src, 16);
	memcpy(k->addr[src_first ? 1 : 0], dst, 16);
	k->port[src_first ? 0 : 1] = sport;
	k->port[src_first ? 1 : 0] = dport;
}

/* 0 when the packet comes from ep[0], else 1. */
static int dir_of(const struct flow *f, const struct ip_packet *ip, uint16_t sport)
{
	const struct ip_addr *e = &f->ep[0].addr;
	if (sport != f->ep[0].port || ip->src.family != e->family)
		return 1;
	return (e->family == 4 ? memcmp(ip->src.a, e->a, 4) : memcmp(ip->src.a, e->a, 16)) == 0 ? 0 : 1;
}

static enum side side_of(const struct flow *f, int dir)
{
	return dir == f->client_dir ? SIDE_CLIENT : SIDE_SERVER;
}

/* ---- TLS detection and delivery ------------------------------------ */

static bool starts_tls(const struct flow *f, int dir, const uint8_t *p, size_t n)
{
	if (f->probed[dir] < HELLO_PROBE_BYTES && tls_looks_like_hello(p, n))
		return true;
	/* A capture that began mid-connection: a run of plausible records. */
	if (f->syn[0] || f->syn[1] || f->synack[0] || f->synack[1] || f->probed[dir] >= MIDSTREAM_PROBE_BYTES)
		return false;
	if (tls_records_plausible(p, n))
		return true;
	/* The segment began inside a record: framing further on, found as
	 * the record reader will find it. */
	size_t at;
	return tls_record_framing_in(p, n, &at);
}

static void decide_client(struct flow *f, int dir, const uint8_t *p, size_t n)
{
	/* The sender of a ClientHello is the client; of a ServerHello, the
	 * server; then the SYN; then the lower port is taken as the server. */
	if (tls_looks_like_hello(p, n)) {
		f->client_dir = tls_hello_from_server(p, n) ? !dir : dir;
	} else if (f->syn[0] || f->syn[1]) {
		f->client_dir = f->syn[0] ? 0 : 1;
	} else if (f->synack[0] || f->synack[1]) {
		f->client_dir = f->synack[0] ? 1 : 0;
	} else {
		f->client_dir = f->ep[0].port < f->ep[1].port ? 1 : 0;
	}
}

static void become_tls(struct analyzer *a, struct flow *f, int dir, const uint8_t *p, size_t n)
{
	f->conn = malloc(sizeof *f->conn);
	f->parser = malloc(sizeof *f->parser);
	if (!f->conn || !f->parser) {
		free(f->conn);
		free(f->parser);
		f->conn = NULL;
		f->parser = NULL;
		return;
	}
	tls_conn_init(f->conn);
	struct conn_parser_config cfg = { a->opt.max_hs_msg, a->opt.max_chain, a->opt.max_ca_names,
					  a->opt.keep_client_der, a->keylog, a->crypto, a->certs };
	conn_parser_setup(f->parser, f->conn, &cfg);
	decide_client(f, dir, p, n);
	struct tls_conn *c = f->conn;
	c->file_index = a->file_index;
	c->stream = f->stream;
	c->client = f->ep[f->client_dir];
	c->server = f->ep[!f->client_dir];
	c->client_known = tls_looks_like_hello(p, n) || f->syn[0] || f->syn[1];
	c->first_frame = f->first_frame;
	c->first_ts_ns = f->first_ts;
	c->syn_seen = f->syn[0] || f->syn[1];
	c->midstream = !c->syn_seen;
	a->stats.tls_conns++;
}

/* Bytes of one direction to the TLS parser. A direction whose first
 * bytes came without a SYN may begin inside a record: its record framing
 * must be found first. */
static void feed_conn(struct flow *f, int dir, const uint8_t *p, size_t n, const struct tcp_frame_ref *at)
{
	enum side s = side_of(f, dir);
	if (f->reasm[dir] && tcp_reasm_stats(f->reasm[dir])->midstream)
		tls_record_reader_midstream(&f->parser->rr[s]);
	conn_feed(f->conn, f->parser, s, p, n, at);
}

/* Hands bytes held back while TLS was not yet recognised to the parser. */
static void feed_pending(struct flow *f, int dir)
{
	if (!f->n_pending[dir])
		return;
	feed_conn(f, dir, f->pending[dir], f->n_pending[dir], &f->pending_at[dir]);
	f->n_pending[dir] = 0;
}

/* Before TLS is recognised. A hello is looked for where a delivery
 * starts; one that starts in a delivery too short for the test is held
 * back until HELLO_TEST_BYTES are there. Returns how many bytes of p it
 * took into the held-back start. */
static size_t probe(struct analyzer *a, struct flow *f, int dir, const uint8_t *p, size_t n,
		    const struct tcp_frame_ref *at)
{
	uint8_t held = f->n_pending[dir];
	if (held == 0 && n >= HELLO_TEST_BYTES) {
		if (starts_tls(f, dir, p, n))
			become_tls(a, f, dir, p, n);
		f->probed[dir] += n;
		return 0;
	}
	size_t take = n < (size_t)(HELLO_TEST_BYTES - held) ? n : (size_t)(HELLO_TEST_BYTES - held);
	if (held == 0)
		f->pending_at[dir] = *at;
	memcpy(f->pending[dir] + held, p, take);
	f->n_pending[dir] = (uint8_t)(held + take);
	if (!tls_could_start_hello(f->pending[dir], f->n_pending[dir]) || f->probed[dir] >= HELLO_PROBE_BYTES) {
		f->probed[dir] += f->n_pending[dir];
		f->n_pending[dir] = 0;
		return take;
	}
	if (f->n_pending[dir] < HELLO_TEST_BYTES)
		return take;
	if (tls_looks_like_hello(f->pending[dir], f->n_pending[dir]))
		become_tls(a, f, dir, f->pending[dir], f->n_pending[dir]);
	f->probed[dir] += f->n_pending[dir];
	if (!f->conn)
		f->n_pending[dir] = 0;
	return take;
}

static void on_data(void *ctx, const uint8_t *p, size_t n, const struct tcp_frame_ref *at)
{
	struct flow_dir *fd = ctx;
	struct flow *f = fd->f;

	if (!f->conn) {
		size_t took = probe(fd->a, f, fd->dir, p, n, at);
		if (!f->conn)
			return;
		feed_pending(f, !fd->dir);
		p += took;
		n -= took;
	}
	/* What this side held back goes first (also when the other side's
	 * hello was the one recognised). */
	feed_pending(f, fd->dir);
	if (n > 0)
		feed_conn(f, fd->dir, p, n, at);
}

static void on_gap(void *ctx, uint64_t n, const struct tcp_frame_ref *at)
{
	struct flow_dir *fd = ctx;
	struct flow *f = fd->f;

	if (!f->conn) {
		f->probed[fd->dir] += n + f->n_pending[fd->dir];
		f->n_pending[fd->dir] = 0;
		return;
	}
	feed_pending(f, fd->dir);
	conn_gap(f->conn, f->parser, side_of(f, fd->dir), n, at);
}

/* Application data is skipped by record length: out-of-order segments
 * inside such a record are not copied by the reassembler. */
static uint64_t on_opaque_ahead(void *ctx)
{
	struct flow_dir *fd = ctx;
	struct flow *f = fd->f;

	return f->conn && f->parser ? conn_opaque_ahead(f->parser, side_of(f, fd->dir)) : 0;
}

static struct tcp_reasm_sink sink_for(struct flow *f, int dir)
{
	struct tcp_reasm_sink s = { &f->dirs[dir], on_data, on_gap, on_opaque_ahead };
	return s;
}

/* A damaged capture (rewritten or garbage sequence numbers after the
 * SYN) can carry a whole TLS connection whose data does not follow the
 * SYN's sequence number: waiting for the bytes the SYN promised, every
 * segment would wait as out-of-order data and end as a gap larger than the
 * TLS probe looks. When a direction's first data segment lies more than
 * REANCHOR_MIN_JUMP away from where its SYN put the stream and begins a TLS
 * hello or a plausible record, the stream is taken to start there (as
 * tshark reads such a capture), and the report says so. */
#define REANCHOR_MIN_JUMP (1u << 20)
static void reanchor_damaged(struct tcp_reasm *r, const struct tcp_header *th)
{
	if ((th->flags & (TCP_SYN | TCP_RST)) || !tcp_reasm_started(r) || tcp_reasm_stats(r)->midstream)
		return;
	uint32_t next = tcp_reasm_next_seq(r);
	if (th->seq - next <= REANCHOR_MIN_JUMP || next - th->seq <= REANCHOR_MIN_JUMP)
		return;
	if (tls_looks_like_hello(th->payload, th->payload_len) ||
	    tls_record_header_plausible(th->payload, th->payload_len))
		(void)tcp_reasm_reanchor(r, th->seq);
}

/* ---- memory ----------------------------------------------------------- */

/* What OpenSSL allocates for one direction's record keys (cipher context,
 * cipher, MAC); only with a key log. An estimate: the contexts are opaque. */
#define DECRYPT_DIR_HEAP 2048u

/* Heap held by a flow, as malloc charges it (heap_charge.h): the flow,
 * its reassembly, record and message buffers at their allocated sizes,
 * decryption state, and the connection model (without the certificates
 * and CA lists shared through the cache: cert_cache_bytes counts those
 * once however many connections hold them). */
static size_t flow_heap_bytes(const struct flow *f)
{
	size_t n = heap_charge(sizeof *f);
	for (int d = 0; d < 2; d++)
		if (f->reasm[d])
			n += tcp_reasm_memory(f->reasm[d]);
	const struct conn_parser *p = f->parser;
	if (p) {
		n += heap_charge(sizeof *p);
		for (int d = 0; d < 2; d++) {
			if (p->hs[d].buf)
				n += heap_charge(p->hs[d].buf_cap);
			if (p->rr[d].body)
				n += heap_charge(p->rr[d].body_cap);
			n += tls_record_reader_resync_memory(&p->rr[d]);
		}
		if (p->keys)
			n += heap_charge(sizeof *p->keys) + (p->keys->plain ? heap_charge(TLS_MAX_RECORD_BODY) : 0) +
			     3 * DECRYPT_DIR_HEAP + http_track_memory(p->keys->http);
	}
	if (f->conn)
		n += conn_heap_charge(f->conn);
	return n;
}

static void flow_account(struct analyzer *a, struct flow *f)
{
	size_t now = flow_heap_bytes(f);
	a->flow_bytes = a->flow_bytes - f->heap + now;
	f->heap = now;
}

/* ---- life cycle ------------------------------------------------------ */

static void flow_release_heavy(struct flow *f)
{
	for (int d = 0; d < 2; d++) {
		tcp_reasm_free(f->reasm[d]);
		f->reasm[d] = NULL;
	}
	if (f->parser) {
		conn_parser_release(f->parser);
		free(f->parser);
		f->parser = NULL;
	}
	if (f->conn) {
		tls_conn_release(f->conn);
		free(f->conn);
		f->conn = NULL;
	}
}

/* ---- tombstones ------------------------------------------------------- */

/* Tombstones kept at most: MAX_TOMBSTONES, and no more than a sixteenth
 * of --max-memory, so that those of flows given up for memory cannot
 * themselves push handshakes out. */
static size_t tomb_limit(const struct analyzer *a)
{
	size_t by_memory = a->opt.max_memory / 16 / heap_charge(sizeof(struct tombstone));
	return by_memory < MAX_TOMBSTONES ? by_memory : MAX_TOMBSTONES;
}

static void tomb_forget(struct analyzer *a, struct tombstone *t);

static void tomb_add(struct analyzer *a, const struct flow_key *key, int64_t last_ts)
{
	if (a->tomb_lru && HASH_COUNT(a->tombstones) >= tomb_limit(a))
		tomb_forget(a, a->tomb_lru);
	struct tombstone *t = calloc(1, sizeof *t);
	if (!t)
		return; /* a late packet would start a stream of its own */
	t->key = *key;
	t->last_ts = last_ts;
	HASH_ADD(hh, a->tombstones, key, sizeof t->key, t);
	DL_APPEND(a->tomb_lru, t);
}

static void tomb_forget(struct analyzer *a, struct tombstone *t)
{
	HASH_DEL(a->tombstones, t);
	DL_DELETE(a->tomb_lru, t);
	free(t);
}

/* A late packet: the tombstone is kept as long as they come. */
static void tomb_touch(struct analyzer *a, struct tombstone *t)
{
	t->last_ts = a->now_ns;
	DL_DELETE(a->tomb_lru, t);
	DL_APPEND(a->tomb_lru, t);
}

/* ---- flows ------------------------------------------------------------ */

/* The connection is over: deliver what waits behind holes, settle the
 * facts, pass it on in stream order, and give back its state. The flow
 * itself stays (flow_free, flow_finalize or a new stream follow). */
static void flow_report(struct analyzer *a, struct flow *f, enum conn_end why)
{
	struct tcp_frame_ref at = { f->last_frame, f->last_ts };

	a->origin = (struct report_origin){ f->list, f->last_frame, f->first_seen };
	for (int d = 0; d < 2; d++) {
		if (f->reasm[d]) {
			struct tcp_reasm_sink s = sink_for(f, d);
			tcp_reasm_flush(f->reasm[d], &at, &s);
		}
	}
	struct tls_conn *c = f->conn;
	if (c) {
		const struct tcp_reasm_stats *st[2] = { f->reasm[0] ? tcp_reasm_stats(f->reasm[0]) : NULL,
							f->reasm[1] ? tcp_reasm_stats(f->reasm[1]) : NULL };
		c->last_frame = f->last_frame;
		c->last_ts_ns = f->last_ts;
		for (int d = 0; d < 2; d++) {
			if (st[d] && st[d]->midstream && !c->syn_seen)
				c->midstream = true;
			if (st[d] && st[d]->reanchored && !c->seq_reanchored) {
				c->seq_reanchored = true;
				tls_conn_note(c, NOTE_TCP_SEQUENCE_REANCHORED);
			}
		}
		if (f->rst) {
			c->end = END_RST;
			c->end_frame = f->rst_frame;
			c->end_by = side_of(f, f->rst_dir);
			c->rst_ttl = f->rst_ttl;
			c->rst_ipv4 = f->rst_ipv4;
			c->rst_ip_id = f->rst_ip_id;
			c->rst_df = f->rst_df;
		} else if (f->fin[0] || f->fin[1]) {
			c->end = END_FIN;
			c->end_frame = f->fin_frame;
			c->end_by = side_of(f, f->fin_dir);
		} else {
			c->end = why;
		}
		for (int d = 0; d < 2; d++) {
			c->ttl_known[side_of(f, d)] = f->ttl_set[d];
			c->usual_ttl[side_of(f, d)] = f->ttl[d];
			c->ipid[side_of(f, d)] = f->ipid[d];
		}
		conn_finish(c, f->parser);
		if (f->parser) {
			conn_parser_release(f->parser);
			free(f->parser);
			f->parser = NULL;
		}
		f->conn = NULL;
		report_conn(a, c); /* takes ownership */
	} else {
		report_skip_stream(a, f->stream);
	}
	if (why == END_EVICTED)
		a->stats.evicted++;
	flow_release_heavy(f);
	flow_account(a, f);
}

static void flow_free(struct analyzer *a, struct flow *f)
{
	HASH_DEL(a->flows, f);
	lru_unlink(a, f);
	a->n_flows--;
	a->flow_bytes -= f->heap;
	free(f);
}

/* Reported and forgotten, without a tombstone (flow limit, end of file). */
static void flow_destroy(struct analyzer *a, struct flow *f, enum conn_end why)
{
	flow_report(a, f, why);
	flow_free(a, f);
}

/* Reported, and only a tombstone left. */
static void flow_finalize(struct analyzer *a, struct flow *f, enum conn_end why)
{
	struct flow_key key = f->key;
	int64_t last_ts = f->last_ts;
	flow_report(a, f, why);
	flow_free(a, f);
	tomb_add(a, &key, last_ts);
}

static void flow_start_stream(struct analyzer *a, struct flow *f, const struct ip_packet *ip, uint16_t sport,
			      uint16_t dport)
{
	f->ep[0].addr = ip->src;
	f->ep[0].port = sport;
	f->ep[1].addr = ip->dst;
	f->ep[1].port = dport;
	/* A worker numbers streams by their first frame; the reading
	 * thread renumbers them in order (threads.c). Live workers share
	 * one counter. */
	if (a->relay)
		f->stream = a->split->stream_start(a);
	else
		f->stream = a->shared ? atomic_fetch_add(&a->shared->next_stream, 1) : a->next_stream++;
	flow_set_stage(a, f, FLOW_OPEN);
	f->first_frame = a->frame_no;
	f->first_ts = a->now_ns;
	f->client_dir = -1;
	/* Per-connection TCP state starts over (the struct may be reused
	 * when a port is reused). */
	memset(f->syn, 0, sizeof f->syn);
	memset(f->synack, 0, sizeof f->synack);
	memset(f->fin, 0, sizeof f->fin);
	memset(f->ttl_set, 0, sizeof f->ttl_set);
	memset(f->ipid, 0, sizeof f->ipid);
	memset(f->probed, 0, sizeof f->probed);
	memset(f->n_pending, 0, sizeof f->n_pending);
	f->rst = false;
	for (int d = 0; d < 2; d++) {
		f->dirs[d].a = a;
		f->dirs[d].f = f;
		f->dirs[d].dir = d;
		f->reasm[d] = tcp_reasm_new(a->opt.ooo_cap);
	}
	a->stats.tcp_flows++;
}

/* Every byte before this side's FIN has been delivered (or given up as a
 * gap): nothing more is expected from it. */
static bool flow_dir_complete(const struct flow *f, int dir)
{
	const struct tcp_reasm *r = f->reasm[dir];
	if (!r)
		return true;
	uint32_t next = tcp_reasm_next_seq(r);
	return tcp_reasm_started(r) && tcp_reasm_buffered(r) == 0 &&
	       (next == f->fin_seq[dir] || next == f->fin_seq[dir] + 1);
}

static bool flow_closed(const struct flow *f)
{
	return f->stage == FLOW_FINISHED || f->stage == FLOW_CLOSED;
}

/* Stay within the flow limit (tombstones count): forget tombstones first,
 * then report closed flows, then quiet open ones, and only then evict the
 * least recently active handshake in progress. */
static void flow_make_room(struct analyzer *a)
{
	while (a->n_flows + HASH_COUNT(a->tombstones) >= a->opt.max_flows && a->tomb_lru)
		tomb_forget(a, a->tomb_lru);
	for (int l = 0; l < FLOW_LISTS; l++) {
		while (a->n_flows >= a->opt.max_flows && a->lru[l]) {
			struct flow *victim = a->lru[l];
			flow_destroy(a, victim, flow_closed(victim) ? END_FIN : END_EVICTED);
		}
	}
}

/* A uthash table's bucket array and header (the items are counted apart). */
#define HASH_TABLE_HEAP(head)                                                                          \
	((head) ? heap_charge(sizeof(UT_hash_table)) +                                                  \
			  heap_charge((head)->hh.tbl->num_buckets * sizeof(UT_hash_bucket))            \
		: 0)

/* The allocator's own slack: freed blocks between live ones still take
 * room in the process (measured: 10-20% of the heap in use after a run
 * of evictions). It is kept out of --max-memory's budget, so that the
 * process as a whole stays within the bound: tracked memory starts being
 * given back at 7/8 of it, down to 3/4. */
static size_t memory_high_mark(const struct flow_options *opt)
{
	return opt->max_memory - opt->max_memory / 8;
}

static size_t memory_low_mark(const struct flow_options *opt)
{
	return opt->max_memory - opt->max_memory / 4;
}

/* The tombstones and their table. */
static size_t tomb_bytes(const struct analyzer *a)
{
	return HASH_TABLE_HEAP(a->tombstones) + HASH_COUNT(a->tombstones) * heap_charge(sizeof(struct tombstone));
}

/* Everything --max-memory bounds: flows and their tables, tombstones,
 * connections waiting for their turn in the report, the certificates and
 * CA lists decoded (counted once however many connections share them),
 * IP fragments waiting for the rest of their datagram, and the story
 * across connections (bounded by itself; it takes room from the rest). */
static size_t memory_in_use(const struct analyzer *a)
{
	return a->flow_bytes + HASH_TABLE_HEAP(a->flows) + tomb_bytes(a) + report_queue_bytes(a->queue) +
	       cert_cache_bytes(a->certs) + ipfrag_bytes_in_use(a->frags) +
	       (a->sink.held_bytes ? a->sink.held_bytes(a->sink.ctx) : 0);
}

/* Reports the least recently active flows of one list early until
 * memory is at `target` (not `keep`, the flow of the packet in hand).
 * Each goes out at once rather than wait in the report queue. */
static void evict_list(struct analyzer *a, enum flow_list l, const struct flow *keep, size_t target)
{
	struct flow *f = a->lru[l];
	while (f && memory_in_use(a) > target) {
		struct flow *next = f->lru_next; /* finalizing frees f */
		if (f != keep) {
			bool over = l == LIST_FINISHED || l == LIST_CLOSED;
			if (!over) {
				if (f->conn)
					tls_conn_note(f->conn, NOTE_MEMORY_LIMIT);
				a->stats.evicted_memory++;
			}
			flow_finalize(a, f, over ? END_FIN : END_EVICTED);
			report_release_held(a);
		}
		f = next;
	}
}

/* What was freed goes back to the system: the blocks freed under pressure
 * lie between live ones, where the allocator would keep their pages
 * resident (measured: a fifth more than in use, after a run of evictions
 * of 64 KB CA lists). */
static void give_back_to_system(void)
{
#ifdef __GLIBC__
	malloc_trim(0);
#endif
}

/* Over the memory bound: free memory until it is back under the low
 * mark, so that the next packets do not come back here at once. What is
 * over goes first (flows lingering for late packets, end "fin";
 * connections held for stream order, which then come out of order), then
 * what can be made again (cached certificates and CA lists no connection
 * holds), then quiet open flows, then handshakes in progress, least
 * recently active first (end "evicted", note "memory_limit"); tombstones
 * last, and only when that gets memory under the mark, as without them
 * the late packets of what was given up would come back as connections of
 * their own. Each flow given up costs what
 * reporting it costs anyway: nothing here walks what it does not free. */
static void flow_limit_memory(struct analyzer *a, const struct flow *keep)
{
	size_t target = memory_low_mark(&a->opt);
	size_t before = memory_in_use(a);
	evict_list(a, LIST_FINISHED, keep, target);
	evict_list(a, LIST_CLOSED, keep, target);
	report_release_held(a);
	if (memory_in_use(a) > target) {
		cert_cache_clear(a->certs);
		evict_list(a, LIST_QUIET, keep, target);
		evict_list(a, LIST_HANDSHAKE, keep, target);
		/* Otherwise what holds the memory is elsewhere (under
		 * --threads, connections a worker has handed on keep their CA
		 * lists until they are written). */
		size_t in_use = memory_in_use(a), tombs = tomb_bytes(a);
		if (in_use > target && in_use - target <= tombs)
			while (a->tomb_lru && memory_in_use(a) > target)
				tomb_forget(a, a->tomb_lru);
	}
	/* Only after freeing a good part: when nothing more can go (one flow
	 * holds it all) this runs on every packet. */
	size_t after = memory_in_use(a);
	if (after < before && before - after >= a->opt.max_memory / 16)
		give_back_to_system();
}

/* Each stage has its own linger, so each list is walked only while its
 * head has been quiet longer than that; a finalized flow leaves a
 * tombstone (at the tail of theirs). */
void flow_expire_idle(struct analyzer *a)
{
	struct tombstone *t;
	while ((t = a->tomb_lru) &&
	       (a->now_ns - t->last_ts > TOMBSTONE_LINGER_NS || HASH_COUNT(a->tombstones) > tomb_limit(a)))
		tomb_forget(a, t);
	struct flow *f;
	while ((f = a->lru[LIST_FINISHED]) && a->now_ns - f->last_ts > FINISH_LINGER_NS)
		flow_finalize(a, f, END_FIN);
	while ((f = a->lru[LIST_CLOSED]) && a->now_ns - f->last_ts > CLOSE_LINGER_NS)
		flow_finalize(a, f, END_FIN);
	while ((f = a->lru[LIST_QUIET]) && a->now_ns - f->last_ts > a->opt.idle_timeout_ns)
		flow_finalize(a, f, END_IDLE);
	while ((f = a->lru[LIST_HANDSHAKE]) && a->now_ns - f->last_ts > a->opt.idle_timeout_ns)
		flow_finalize(a, f, END_IDLE);
}

void flow_table_flush(struct analyzer *a, enum conn_end why)
{
	/* In order of first activity, so reports come out in stream order. */
	while (a->flows)
		flow_destroy(a, a->flows, why);
	while (a->tomb_lru)
		tomb_forget(a, a->tomb_lru);
}

/* ---- per segment ----------------------------------------------------- */

/* A SYN (without ACK) on a known flow: the same SYN again after a reset
 * or FIN opens that connection again, as one connection (as Wireshark
 * counts it); a new initial sequence number after one is port reuse, a
 * new connection on the same 5-tuple. */
static void flow_syn_again(struct analyzer *a, struct flow *f, const struct ip_packet *ip,
			   const struct tcp_header *th)
{
	int d = dir_of(f, ip, th->sport);
	if (f->syn[d] && f->isn[d] == th->seq && (f->rst || f->fin[0] || f->fin[1])) {
		f->rst = false;
		f->fin[0] = f->fin[1] = false;
		flow_set_stage(a, f, FLOW_OPEN);
	}
	bool new_isn = !f->syn[d] || f->isn[d] != th->seq;
	if (new_isn && (f->syn[d] || f->rst || f->fin[0] || f->fin[1])) {
		flow_report(a, f, END_FIN);
		flow_start_stream(a, f, ip, th->sport, th->dport);
	}
}

/* A flow for a segment no flow has: in the table, with room made for it.
 * NULL when out of memory. */
static struct flow *flow_new(struct analyzer *a, const struct flow_key *key, const struct ip_packet *ip,
			     const struct tcp_header *th)
{
	flow_make_room(a);
	struct flow *f = calloc(1, sizeof *f);
	if (!f)
		return NULL;
	f->key = *key;
	f->first_seen = a->frame_no;
	HASH_ADD(hh, a->flows, key, sizeof f->key, f);
	a->n_flows++;
	lru_append(a, f);
	flow_start_stream(a, f, ip, th->sport, th->dport);
	return f;
}

/* The flow a segment belongs to, found or made, and made the most
 * recently active. NULL when the segment is dropped: a late packet of a
 * reported connection (its tombstone is kept), or no memory. */
static struct flow *flow_of_segment(struct analyzer *a, const struct ip_packet *ip, const struct tcp_header *th)
{
	struct flow_key key;
	struct flow *f = NULL;

	make_key(ip, th->sport, th->dport, &key);
	HASH_FIND(hh, a->flows, &key, sizeof key, f);
	bool syn_only = (th->flags & (TCP_SYN | TCP_ACK)) == TCP_SYN;
	if (!f && a->tombstones) {
		struct tombstone *t = NULL;
		HASH_FIND(hh, a->tombstones, &key, sizeof key, t);
		if (t && !syn_only) {
			tomb_touch(a, t); /* a late packet of a reported connection */
			return NULL;
		}
		if (t)
			tomb_forget(a, t); /* port reuse: a new connection below */
	}
	if (f && syn_only)
		flow_syn_again(a, f, ip, th);
	if (!f && !(f = flow_new(a, &key, ip, th)))
		return NULL;
	f->last_ts = a->now_ns;
	f->last_frame = a->frame_no;
	lru_unlink(a, f);
	lru_append(a, f);
	return f;
}

/* What the IP and TCP headers tell of a side: the first RST (its TTL and
 * IP ID, to tell an injected one), the usual TTL and IP ID pattern of its
 * other packets, its SYN or SYN-ACK. */
static void flow_note_headers(struct analyzer *a, struct flow *f, int dir, const struct ip_packet *ip,
			      const struct tcp_header *th)
{
	if (th->flags & TCP_RST) {
		if (!f->rst) {
			f->rst = true;
			f->rst_frame = a->frame_no;
			f->rst_dir = dir;
			f->rst_ttl = ip->ttl;
			f->rst_ipv4 = ip->src.family == 4;
			f->rst_ip_id = ip->ip_id;
			f->rst_df = ip->dont_fragment;
			if (f->conn)
				conn_add_event(f->conn, EV_RST, side_of(f, dir), 0, a->frame_no, a->now_ns, 0);
		}
	} else {
		if (!f->ttl_set[dir]) {
			f->ttl[dir] = ip->ttl;
			f->ttl_set[dir] = true;
		}
		if (ip->src.family == 4)
			ipid_note(&f->ipid[dir], ip->ip_id, ip->dont_fragment);
	}
	if (th->flags & TCP_SYN) {
		if (th->flags & TCP_ACK) {
			f->synack[dir] = true;
		} else {
			f->syn[dir] = true;
			f->isn[dir] = th->seq;
		}
	}
}

/* The payload to this side's reassembly, its ACK to the other side's.
 * Returns the payload's length on the wire (at least what was captured),
 * which places a FIN. */
static size_t flow_reassemble(struct analyzer *a, struct flow *f, int dir, const struct tcp_header *th,
			      size_t wire_len)
{
	struct tcp_frame_ref at = { a->frame_no, a->now_ns };
	if (f->reasm[dir] && th->payload_len)
		reanchor_damaged(f->reasm[dir], th);
	size_t wire_payload = wire_len > th->hdr_len ? wire_len - th->hdr_len : 0;
	if (wire_payload < th->payload_len)
		wire_payload = th->payload_len;
	if (f->reasm[dir]) {
		struct tcp_reasm_sink s = sink_for(f, dir);
		tcp_reasm_segment(f->reasm[dir], th->seq, th->flags, th->payload, th->payload_len, wire_payload, &at,
				  &s);
	}
	if ((th->flags & TCP_ACK) && !(th->flags & TCP_RST) && f->reasm[!dir]) {
		struct tcp_reasm_sink s = sink_for(f, !dir);
		tcp_reasm_ack(f->reasm[!dir], th->ack, &at, &s);
	}
	return wire_payload;
}

/* A side's first FIN: where it ends that side's stream, and which FIN
 * came first. */
static void flow_note_fin(struct analyzer *a, struct flow *f, int dir, uint32_t seq, size_t wire_payload)
{
	f->fin[dir] = true;
	f->fin_seq[dir] = seq + (uint32_t)wire_payload;
	if (!f->fin[!dir]) {
		f->fin_frame = a->frame_no;
		f->fin_dir = dir;
	}
	if (f->conn)
		conn_add_event(f->conn, EV_FIN, side_of(f, dir), 0, a->frame_no, a->now_ns, 0);
}

/* After the segment: a reset or both FINs end the flow (finished when
 * every byte came, else closed), its list follows its state, and memory
 * is given back when over the bound. */
static void flow_settle(struct analyzer *a, struct flow *f)
{
	if (f->rst || (f->fin[0] && f->fin[1])) {
		bool was_open = f->stage == FLOW_OPEN;
		flow_set_stage(a, f, !f->rst && flow_dir_complete(f, 0) && flow_dir_complete(f, 1) ? FLOW_FINISHED
												   : FLOW_CLOSED);
		/* It lingers a while (late packets); its buffers need not. */
		if (was_open && f->parser)
			conn_parser_trim(f->parser);
	}
	/* The handshake may have ended with this packet: its list follows. */
	if (f->list != flow_list_of(f)) {
		lru_unlink(a, f);
		lru_append(a, f);
	}
	flow_account(a, f);
	if (memory_in_use(a) > memory_high_mark(&a->opt))
		flow_limit_memory(a, f);
}

/* Runs once per TCP segment: the helpers above are static, called from
 * here only, so the compiler can fold them back in. */
void flow_segment(struct analyzer *a, const struct ip_packet *ip, const uint8_t *seg, size_t len, size_t wire_len)
{
	struct tcp_header th;

	if (tcp_parse(seg, len, &th) != DIS_OK) {
		a->stats.malformed++;
		return;
	}
	struct flow *f = flow_of_segment(a, ip, &th);
	if (!f)
		return;
	int dir = dir_of(f, ip, th.sport);
	flow_note_headers(a, f, dir, ip, &th);
	size_t wire_payload = flow_reassemble(a, f, dir, &th, wire_len);
	if ((th.flags & TCP_FIN) && !f->fin[dir])
		flow_note_fin(a, f, dir, th.seq, wire_payload);
	flow_settle(a, f);
}
