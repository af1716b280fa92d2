/* compare.h - two captures of the same traffic, one taken near the client
 * and one near the server: match their TLS connections and report what one
 * side saw and the other did not (mtlsdiag compare; see the man page,
 * COMPARE). The analyzer runs once per file in collect mode (conn_sink);
 * compare reads only the models and their findings. */
#ifndef MTLS_COMPARE_H
#define MTLS_COMPARE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diagnosis/diagnose.h"
#include "model/model.h"

/* A finished connection kept for later, with its single-capture findings. */
struct collected_conn {
	struct tls_conn *conn;  /* owned */
	struct findings findings;
	const char *file_name;  /* borrowed: outlives the list */
};

/* The connections of one run, in report order. */
struct conn_list {
	struct collected_conn *items; /* owned */
	size_t n, cap;
	bool out_of_memory;           /* a connection was dropped */
	int64_t capture_last_ns;      /* the file's last timestamp; 0: unknown */
};

/* A conn_sink `take` function: ctx is a struct conn_list. */
void conn_list_take(void *ctx, const char *file_name, struct tls_conn *conn, const struct findings *f);
void conn_list_release(struct conn_list *l);

enum compare_match { MATCH_RANDOM, MATCH_ADDRESSES, MATCH_TIME };

#define COMPARE_MAX_FRAMES 4
#define COMPARE_MAX_FINDINGS 10

struct compare_finding {
	enum finding_code code;
	const char *id;             /* its name (findings.def) */
	enum severity severity;
	uint64_t client_frames[COMPARE_MAX_FRAMES]; /* frames in the client-side file */
	size_t n_client_frames;
	uint64_t server_frames[COMPARE_MAX_FRAMES]; /* frames in the server-side file */
	size_t n_server_frames;
	char message[640];
	char remedy[512];
};

/* One row of the comparison: a matched pair, or a connection seen on one
 * side only (the other index is SIZE_MAX). */
struct compare_row {
	size_t client_i, server_i;
	enum compare_match how;      /* pairs only */
	bool nat;                    /* pair: endpoints differ between the files */
	bool intercepted;            /* pair: both ClientHellos seen, randoms differ */
	struct compare_finding findings[COMPARE_MAX_FINDINGS];
	size_t n_findings;
};

enum offset_source { OFFSET_NONE, OFFSET_RANDOM, OFFSET_ALIGNED };

struct compare_result {
	struct compare_row *rows;    /* owned; pairs in client-side order, then the rest */
	size_t n_rows;
	size_t n_pairs, by_random, by_addresses, by_time;
	size_t client_only, server_only;
	/* server-side clock minus client-side clock */
	int64_t offset_ns;
	enum offset_source offset_from;
	size_t offset_samples;       /* pairs the estimate rests on */
	int worst_severity;          /* -1: no finding */
	size_t n_findings;
};

/* Matches the two lists and derives the findings. 0, or -1 when out of memory. */
int compare_conns(const struct conn_list *client_side, const struct conn_list *server_side,
		  struct compare_result *out);
void compare_result_release(struct compare_result *r);
const char *compare_match_name(enum compare_match m);

#endif
