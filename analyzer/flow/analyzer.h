/* analyzer.h - the flow stage's state: frames in, finished TLS connections
 * out (in stream order, to the sink its owner sets). Options, the flow
 * table of the current file, the keys and counters; no globals. What is
 * done with a finished connection (diagnosis, the report) is the owner's
 * (cli/analysis.h). */
#ifndef MTLS_ANALYZER_H
#define MTLS_ANALYZER_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "model/model.h"
#include "tunnel.h"

/* Limits; each has an option and a line in the man page. */
#define DEFAULT_MAX_FLOWS 200000u
#define DEFAULT_OOO_CAP (256u * 1024u)
#define DEFAULT_MAX_HS_MSG (512u * 1024u)
#define DEFAULT_MAX_FRAG_BYTES (8u * 1024u * 1024u)
#define DEFAULT_IDLE_TIMEOUT_S 300
#define DEFAULT_MAX_MEMORY (256u * 1024u * 1024u)
#define DEFAULT_MAX_CA_NAMES 2048u

struct tls_crypto;

struct flow_options {
	size_t max_flows;
	size_t ooo_cap;
	size_t max_hs_msg;
	size_t max_frag_bytes;
	int64_t idle_timeout_ns;
	size_t max_memory;       /* buffers of all open and queued connections */
	size_t max_chain;        /* certificates kept per chain */
	size_t max_ca_names;     /* CA names kept per CertificateRequest */
	bool keep_client_der;    /* --trust verifies client chains after the connection */
	bool live;               /* hand each connection over as it ends, not in stream order */
	unsigned threads;        /* --threads: workers for files; 0 or 1: none (flow/threads.h) */
};

/* What the frames and the flow table counted. */
struct traffic_stats {
	uint64_t frames;
	uint64_t bytes;
	uint64_t non_ip;          /* frames without IPv4/IPv6 */
	uint64_t non_tcp;
	uint64_t malformed;       /* link/IP/TCP headers that did not parse */
	uint64_t truncated;       /* frames cut by the snap length */
	uint64_t tcp_flows;
	uint64_t tls_conns;
	uint64_t evicted;
	uint64_t evicted_memory;  /* of evicted: to respect --max-memory */
	uint64_t unsupported_link_frames;
	/* frames that crossed each kind of encapsulation (tunnel.h) */
	uint64_t tunnel_frames[TUNNEL_TYPES];
};

/* --threads (flow/threads.h): how the stage above has a worker thread
 * write the report of a connection, and how the reading thread then puts
 * it out, in the order one thread would have. */
struct flow_render {
	/* A worker's renderer, writing reports to fp; NULL: out of memory. */
	void *(*open)(void *ctx, FILE *fp);
	void (*close)(void *renderer);
	/* In the worker: c's report written to the renderer's fp, and what
	 * the summary counts to `tally` (tally_size bytes). False when the
	 * selection leaves c out (nothing written). The caller keeps c. */
	bool (*render)(void *renderer, const char *file_name, struct tls_conn *c, void *tally);
	/* In the reading thread, in report order: the report's text and its
	 * tally. */
	void (*publish)(void *ctx, const char *file_name, const char *text, size_t len, const void *tally);
	size_t tally_size;
};

/* Where finished connections go: set by the stage above. `take` owns the
 * connection (tls_conn_release + free). `held_bytes` (may be NULL) is the
 * heap the stage above keeps across connections, counted in --max-memory.
 * `render` (may be NULL) lets files be read with worker threads. */
struct flow_sink {
	void (*take)(void *ctx, const char *file_name, struct tls_conn *conn);
	size_t (*held_bytes)(void *ctx);
	void *ctx;
	const struct flow_render *render;
};

/* What analyzers sharing one capture count together (live capture split
 * between workers, cli/live_share.h), so that stream and frame numbers
 * stay unique and -c counts every report once. */
struct run_shared {
	atomic_uint_fast64_t next_stream;
	atomic_uint_fast64_t frames;   /* frame numbers handed out */
	atomic_uint_fast64_t reported; /* reports claimed against -c */
};

/* The flow a connection comes from, set by flow.c just before it is
 * handed over: where it stood in the order a single thread would have
 * handed it over (flow/threads.c). */
struct report_origin {
	unsigned list;           /* the flow's least-recently-active list */
	uint64_t last_frame;
	uint64_t first_seen;     /* the frame that made the flow (table order) */
};

/* The file being read, as each worker thread can read it again by itself
 * (flow/threads.c): set by the stage above for a regular file, where
 * every reader sees the same frames. */
struct frame_reread {
	/* A reader of its own at the first frame, with the same filter;
	 * NULL: cannot. */
	void *(*open)(void *ctx);
	/* The next frame; false at the end of the file or at a frame that
	 * cannot be read (the reading thread reports it). */
	bool (*next)(void *reader, int *linktype, const uint8_t **data, size_t *caplen, size_t *wirelen,
		     int64_t *ts_ns);
	void (*close)(void *reader);
	void *ctx;
};

struct flow;
struct report_queue;
struct workers;
struct relay;
struct relayed;
struct ip_packet;
struct analyzer;

/* Where a file read with worker threads (flow/threads.c) sends what one
 * thread would do itself; set on the reading thread's analyzer and on
 * each worker's. */
struct flow_split {
	/* The reading thread: a TCP segment as flow_segment takes it; the
	 * idle flows' turn (every EXPIRE_EVERY frames); the end of the file
	 * (every flow still open reported, in order, the workers' counts
	 * added); a worker's connection out of the report queue as stream
	 * `stream`, to be rendered by its worker. */
	void (*segment)(struct analyzer *a, const struct ip_packet *ip, const uint8_t *seg, size_t len,
			size_t wire_len);
	void (*tick)(struct analyzer *a);
	/* May be NULL. Whether a frame can be passed over undecoded (another
	 * worker's connection, in a framing where decoding it would count
	 * nothing either). */
	bool (*passes)(struct analyzer *a, int linktype, const uint8_t *pkt, size_t caplen);
	void (*end_file)(struct analyzer *a);
	void (*emit)(struct analyzer *a, struct relayed *r, uint64_t stream);
	/* A worker: a stream begins (numbered by its frame until the reading
	 * thread renumbers it), a connection or a non-TLS stream ends. */
	uint64_t (*stream_start)(struct analyzer *a);
	void (*conn)(struct analyzer *a, struct tls_conn *c);
	void (*skip_stream)(struct analyzer *a, uint64_t stream);
};

struct analyzer {
	struct flow_options opt;
	struct run_shared *shared; /* the caller's; NULL: this analyzer reads the capture alone */
	/* per file */
	const char *file_name;
	unsigned file_index;
	uint64_t frame_no;
	int64_t now_ns;
	struct flow *flows;      /* uthash head */
	/* Flows by stage (finished, closed, open quiet, open handshaking;
	 * flow.c), least recently active first, so that each stage's expiry
	 * stops at the first flow still within its own linger, and a limit
	 * gives up what is over before a handshake (utlist DL lists: heads). */
	struct flow *lru[4];
	/* What is left of reported flows (flow.c), in a table of their own so
	 * that the live flows' table stays small. */
	struct tombstone *tombstones; /* uthash head */
	struct tombstone *tomb_lru;   /* the same, least recently active first */
	size_t n_flows;
	size_t flow_bytes;       /* heap held by flows (flow.c), for --max-memory */
	uint64_t next_stream;
	struct ipfrag_table *frags;
	struct report_queue *queue;
	/* whole run */
	struct keylog *keylog;       /* owned; NULL without --keylog / SSLKEYLOGFILE */
	struct tls_crypto *crypto;   /* owned, with the key log: ciphers and HMACs fetched once */
	struct cert_cache *certs;    /* owned: certificates and names decoded once */
	struct flow_sink sink;
	struct frame_reread reread;  /* current file; .open NULL: it cannot be read again */
	struct traffic_stats stats;  /* current file */
	/* Threaded runs (flow/threads.h): in the thread that reads, the
	 * workers its segments go to; in a worker, where its connections go;
	 * in both, the split's hooks. */
	struct workers *workers;
	struct relay *relay;
	const struct flow_split *split;
	struct report_origin origin;
};

/* analyzer.c */
/* Every option at its documented default (what the command line starts from). */
void flow_options_defaults(struct flow_options *opt);
int analyzer_init(struct analyzer *a, const struct flow_options *opt, struct flow_sink sink);
void analyzer_release(struct analyzer *a);
void analyzer_begin_file(struct analyzer *a, const char *name, unsigned index);
/* Ends the file: every flow still open is handed over ("capture_end"). */
void analyzer_end_file(struct analyzer *a);
/* One captured frame. */
void analyzer_frame(struct analyzer *a, int linktype, const uint8_t *pkt, size_t caplen, size_t wirelen,
		    int64_t ts_ns);
void traffic_stats_add(struct traffic_stats *t, const struct traffic_stats *s);

/* keys.c: reads an NSS key log for decryption (--keylog, SSLKEYLOGFILE).
 * Malformed lines are reported on stderr with their number and skipped.
 * Returns 0, or -1 when the file cannot be read. */
int analyzer_load_keylog(struct analyzer *a, const char *path);

#endif
