/* analyzer.h - the flow stage's state: frames in, finished TLS connections
 * out (in stream order, to the sink its owner sets). Options, the flow
 * table of the current file, the keys and counters; no globals. What is
 * done with a finished connection (diagnosis, the report) is the owner's
 * (cli/analysis.h). */
#ifndef MTLS_ANALYZER_H
#define MTLS_ANALYZER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

/* Where finished connections go: set by the stage above. `take` owns the
 * connection (tls_conn_release + free). `held_bytes` (may be NULL) is the
 * heap the stage above keeps across connections, counted in --max-memory. */
struct flow_sink {
	void (*take)(void *ctx, const char *file_name, struct tls_conn *conn);
	size_t (*held_bytes)(void *ctx);
	void *ctx;
};

struct flow;
struct report_queue;

struct analyzer {
	struct flow_options opt;
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
	struct traffic_stats stats;  /* current file */
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
