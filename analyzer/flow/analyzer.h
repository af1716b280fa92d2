/* analyzer.h - the explicit state of one run, passed to every non-leaf
 * function (no globals): options, the flow table of the current file,
 * the report sink and counters. */
#ifndef MTLS_ANALYZER_H
#define MTLS_ANALYZER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "diagnosis/diagnose.h"
#include "model/model.h"
#include "tcp_reasm.h"
#include "tunnel.h"

enum out_format { FORMAT_TEXT, FORMAT_JSON, FORMAT_JSON_PRETTY, FORMAT_ECS, FORMAT_HTML };

/* Limits; each has an option and a line in the man page. */
#define DEFAULT_MAX_FLOWS 200000u
#define DEFAULT_OOO_CAP (256u * 1024u)
#define DEFAULT_MAX_HS_MSG (512u * 1024u)
#define DEFAULT_MAX_FRAG_BYTES (8u * 1024u * 1024u)
#define DEFAULT_IDLE_TIMEOUT_S 300
#define DEFAULT_MAX_MEMORY (256u * 1024u * 1024u)
#define DEFAULT_MAX_CA_NAMES 2048u

struct trust_store;
struct tls_crypto;
struct conn_select;

struct options {
	enum out_format format;
	bool color;
	bool quiet;              /* no summary, no progress */
	bool progress;           /* progress on stderr (terminal only) */
	size_t max_flows;
	size_t ooo_cap;
	size_t max_hs_msg;
	size_t max_frag_bytes;
	int64_t idle_timeout_ns;
	size_t max_memory;       /* buffers of all open and queued connections */
	size_t max_chain;        /* certificates kept per chain */
	size_t max_ca_names;     /* CA names kept per CertificateRequest */
	const char *output_path;
	int fail_on;             /* severity that makes the exit status 1; -1: never */
	const struct trust_store *trust; /* --trust; owned by the caller, NULL when absent */
	struct diagnose_options diagnose; /* --server / --client */
	/* live capture (live.c) */
	bool live;               /* report each connection as it ends, not in stream order */
	uint64_t max_reports;    /* -c: connections reported at most; 0: no limit */
	const struct conn_select *select; /* --host/--port/--sni (select.h); the caller's; NULL: all */
};

struct run_stats {
	uint64_t frames;
	uint64_t bytes;
	uint64_t non_ip;          /* frames without IPv4/IPv6 */
	uint64_t non_tcp;
	uint64_t malformed;       /* link/IP/TCP headers that did not parse */
	uint64_t truncated;       /* frames cut by the snap length */
	uint64_t tcp_flows;
	uint64_t tls_conns;
	uint64_t reported;
	uint64_t evicted;
	uint64_t evicted_memory;  /* of evicted: to respect --max-memory */
	uint64_t unsupported_link_frames;
	/* summary across connections */
	uint64_t with_request;     /* a certificate asked for, seen or inferred */
	uint64_t with_request_inferred;
	uint64_t outcomes[OUTCOME_KIND_COUNT];
	uint64_t failed;           /* outcome failure "yes" */
	const struct story *story; /* across connections (total only); owned by the analyzer */
	uint64_t cc_empty;
	uint64_t cc_present;
	uint64_t cc_absent;
	/* top causes: findings[0] of each connection, by id */
	const char *cause_id[32];
	uint64_t cause_count[32];
	size_t n_causes;
	int worst_severity;        /* -1: no finding */
	/* frames that crossed each kind of encapsulation (tunnel.h) */
	uint64_t tunnel_frames[TUNNEL_TYPES];
};

struct flow;
struct report_queue;
struct output;
struct findings;

/* Collect mode (compare, --expect): when `take` is set, each finished
 * connection goes to it, with its findings, instead of to the output; the
 * sink then owns the connection (tls_conn_release + free). */
struct conn_sink {
	void (*take)(void *ctx, const char *file_name, struct tls_conn *conn, const struct findings *f);
	void *ctx;
};

struct analyzer {
	struct options opt;
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
	struct output *out;
	struct conn_sink sink;       /* collect mode; take == NULL: report */
	struct story *story;         /* what happened across connections (story.h) */
	struct run_stats stats;      /* current file */
	struct run_stats total;
};

/* analyzer.c */
/* Every option at its documented default (what the command line starts from). */
void options_defaults(struct options *opt);
int analyzer_init(struct analyzer *a, const struct options *opt, struct output *out);
void analyzer_release(struct analyzer *a);
void analyzer_begin_file(struct analyzer *a, const char *name, unsigned index);
/* Ends the file: every flow still open is reported ("capture_end"). */
void analyzer_end_file(struct analyzer *a);
/* One captured frame. */
void analyzer_frame(struct analyzer *a, int linktype, const uint8_t *pkt, size_t caplen, size_t wirelen,
		    int64_t ts_ns);

/* keys.c: reads an NSS key log for decryption (--keylog, SSLKEYLOGFILE).
 * Malformed lines are reported on stderr with their number and skipped.
 * Returns 0, or -1 when the file cannot be read. */
int analyzer_load_keylog(struct analyzer *a, const char *path);

/* Count n connections whose root cause is finding `id` (a constant). */
void run_stats_add_cause(struct run_stats *st, const char *id, uint64_t n);

/* flow.c: a TCP segment after IP (and fragment reassembly). */
struct ip_packet;
void flow_segment(struct analyzer *a, const struct ip_packet *ip, const uint8_t *tcp, size_t len, size_t wire_len);
void flow_table_flush(struct analyzer *a, enum conn_end why);
void flow_expire_idle(struct analyzer *a);

/* report.c: a finished connection goes to the output in stream order. */
/* report.c: finished connections go to the output in stream order, held
 * in a bounded reorder queue (a long-lived connection does not hold back
 * more than REPORT_QUEUE_MAX later ones); live (opt.live) each goes out at
 * once. report_conn takes ownership. */
#define REPORT_QUEUE_MAX 1024
struct report_queue *report_queue_new(void);
void report_queue_free(struct report_queue *q);
void report_conn(struct analyzer *a, struct tls_conn *conn);
/* A stream that was not TLS: nothing to print, but the order moves on. */
void report_skip_stream(struct analyzer *a, uint64_t stream);
void report_flush(struct analyzer *a);
/* Memory pressure: every connection held for order goes out now; one
 * that ends later than its turn follows out of order. */
void report_release_held(struct analyzer *a);
/* Heap held by connections waiting in the queue (part of --max-memory). */
size_t report_queue_bytes(const struct report_queue *q);
/* Heap held by a connection model, as malloc charges it (heap_charge.h). */
size_t conn_heap_charge(const struct tls_conn *c);

#endif
