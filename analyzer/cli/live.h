/* live.h - capture from a network interface with libpcap; every TLS
 * connection is reported as soon as it ends. */
#ifndef MTLS_LIVE_H
#define MTLS_LIVE_H

#include "cli/analysis.h"

#define LIVE_DEFAULT_FILTER "tcp"
#define LIVE_SNAPLEN 262144                    /* whole packets */
#define LIVE_BUFFER_BYTES (32 * 1024 * 1024)   /* kernel buffer: bursts without drops */
/* Packets are handed over in blocks, at the latest this long after they
 * arrived (see live.c for why not immediate mode). */
#define LIVE_BLOCK_MS 100
/* Wall-clock period of the expiry check, which also runs when no packet
 * arrives; a signal is noticed within it too. */
#define LIVE_TICK_MS 1000
/* --workers: at most this many handles in one packet fanout group, each
 * with its own LIVE_BUFFER_BYTES ring. */
#define LIVE_MAX_WORKERS 64

struct live_options {
	const char *iface;
	const char *filter;     /* BPF; NULL: LIVE_DEFAULT_FILTER */
	const char *write_path; /* -w: raw packets saved here too ("-": stdout); NULL: not saved */
	const char *run_as;     /* -Z: the user to become once all is open (privs.h); NULL: the default */
	unsigned workers;       /* --workers: handles in a packet fanout group, one thread each; 0: 1 */
};

/* A -w file the capture creates: readable by its owner only. */
#define LIVE_WRITE_MODE 0600

enum live_status {
	LIVE_OK,             /* stopped by a signal or by -c */
	LIVE_SETUP_FAILED,   /* nothing captured; a message is on stderr */
	LIVE_CAPTURE_FAILED, /* failed while capturing; what was seen is reported */
};

/* Captures on lo->iface as one "file" named after the interface (or the
 * -w file, whose frame numbers the reports use), split between
 * lo->workers threads by the kernel (each connection's reports and counts
 * are one worker's; they go whole to a->out, and the counts and stories
 * are a's at the end), without privileges once
 * the interface and the -w file are open (privs.h), until SIGINT, SIGTERM or
 * SIGHUP, until a->opt.max_reports connections are reported, until the
 * report or the -w file cannot be written (SIGPIPE is ignored meanwhile),
 * or until an error.
 * Connections still open at the end are reported as capture_end. The
 * kernel's packet counts go to stderr. */
enum live_status live_run(struct analysis *a, const struct live_options *lo);

#endif
