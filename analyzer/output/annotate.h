/* annotate.h - --annotate OUT.pcapng: the capture written again as pcapng
 * with a comment (opt_comment, Wireshark's frame.comment) on each frame
 * that carries the evidence of the diagnosis, and every frame otherwise as
 * it was. Two passes: the analysis collects frame -> comments through a
 * conn_sink; then the input is read again and written out. */
#ifndef MTLS_ANNOTATE_H
#define MTLS_ANNOTATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diagnosis/diagnose.h"
#include "model/model.h"

/* Comment text kept for the whole capture, at most (each connection adds
 * a few hundred bytes). */
#define ANNOTATE_MAX_BYTES (8u * 1024u * 1024u)

struct annotations;

struct annotations *annotations_new(size_t max_bytes);
void annotations_free(struct annotations *an);
/* One comment on a frame; the same text twice on a frame is kept once.
 * Returns 0, or -1 when the text was left out (over max_bytes, or out of
 * memory), which is counted. */
int annotations_add(struct annotations *an, uint64_t frame, const char *text);
/* The comments the diagnosis of one connection puts on its frames: the
 * CertificateRequests, renegotiation, client Certificates, alerts, HTTP
 * refusals, the outcome's proof frames and each finding's frames. */
void annotations_add_conn(struct annotations *an, const struct tls_conn *c, const struct findings *f);
/* Comments left out for the byte cap (or memory). */
uint64_t annotations_dropped(const struct annotations *an);
/* Frame order (and insertion order within a frame), duplicates removed;
 * called once, after the last add. */
void annotations_sort(struct annotations *an);
/* The comments of `frame` after annotations_sort: *texts points at n
 * strings owned by an. Frames must be asked for in increasing order. */
size_t annotations_of_frame(struct annotations *an, uint64_t frame, const char *const **texts);

/* The input can be read a second time: a regular file, not standard
 * input or a pipe; and out is not the input itself. 0, or -1 and why. */
int annotate_check_paths(const char *in, const char *out, char *err, size_t errsz);
/* The command line's checks: one file (n_files, `in`), no live capture or
 * compare (`other_mode`), paths as above, and out "-" only when the
 * report goes elsewhere (report_to_file). 0, or -1 and why. */
int annotate_check_run(const char *out, int n_files, const char *in, bool other_mode, bool report_to_file,
		       char *err, size_t errsz);
/* Pass 2 and what it did, on stderr (the counts unless quiet). an NULL
 * (out of memory in pass 1) fails. 0, or -1 when no copy was written. */
int annotate_run(struct annotations *an, const char *in, const char *out, bool quiet);

/* The collect hook: each connection is reported as usual (or handed to
 * `next`, --expect's sink), after its comments are taken. */
struct output;
struct annotate_sink {
	struct annotations *an;
	struct conn_sink next;
	struct output *out;
};
void annotate_take(void *ctx, const char *file_name, struct tls_conn *conn, const struct findings *f);

struct annotate_result {
	uint64_t frames;            /* written */
	uint64_t annotated_frames;
	uint64_t comments;
	uint64_t uncommentable;     /* annotated frames in simple packet blocks (no options) */
	bool input_damaged;         /* stopped at a damaged record; what was before is written */
};
/* Pass 2: reads in (pcap, pcapng or NetMon) and writes out ("-": standard
 * output). pcapng is copied block by block, packet blocks gaining the
 * comments; pcap and NetMon are converted (one interface per link type,
 * their times at their resolution). Returns 0, or -1 with why in err
 * (out then removed). */
int annotate_write(const char *in, const char *out, struct annotations *an, struct annotate_result *res,
		   char *err, size_t errsz);

#endif
