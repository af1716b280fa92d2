/* live.c - live capture: libpcap on an interface (whole packets, a large
 * kernel buffer), a poll loop that also ticks when the interface is quiet
 * so idle connections expire, reports as each connection ends, optional
 * saving of the raw packets, and the kernel's packet counts at the end.
 *
 * Not immediate mode: on Linux it means a ring of fixed slots, each as
 * large as the snap length (libpcap 1.10: on any interface with offloads,
 * or not Ethernet), so a 32 MiB buffer holds 128 packets. Measured on
 * loopback under load, 4% to 69% of the packets of 2000-3000 mTLS
 * connections were dropped that way; the ring of blocks (TPACKET_V3) that
 * packs packets dropped none in the same runs. Blocks are handed over
 * within LIVE_BLOCK_MS, and a connection is reported 2 s after it ends
 * anyway, so the delay costs nothing.
 *
 * With --workers N the interface is opened N times and the handles join
 * one packet fanout group (PACKET_FANOUT_HASH: the kernel hashes each
 * packet's flow, both directions alike, to one handle), each read by its
 * own thread with its own analyzer (live_share.h). */
#include "cli/live.h"
#include "flow/flow.h"

#include <errno.h>
#include <fcntl.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <linux/if_packet.h>
#endif

#include "link.h"
#include "cli/live_share.h"
#include "output/output.h"
#include "capture/privs.h"

/* The one piece of file-scope mutable state: a signal handler can reach
 * nothing else, and writing a volatile sig_atomic_t is what it may safely
 * do. The first worker's capture loop, in the only thread that takes the
 * signals, reads it after every packet and every poll, and tells the
 * others (live_capture.stopping). */
static volatile sig_atomic_t live_stop_signal;

static void on_stop_signal(int sig)
{
	live_stop_signal = sig;
}

struct live_capture;

/* One handle on the interface and the analyzer it feeds. */
struct live_worker {
	struct live_capture *lc;
	struct analysis *a;     /* the caller's with one worker, else wa.a */
	struct live_worker_analysis wa; /* several workers only */
	pcap_t *pcap;
	struct pcap_stat ps;    /* the kernel's counts at the end */
	int64_t start_ns;       /* packets stamped earlier are ignored (live_setup) */
	uint64_t captured;      /* packets handed to the analyzer */
	bool since_tick;        /* a packet arrived since the last tick */
	bool draining;          /* stopping: take what the ring still holds */
	bool report_failed;     /* the report cannot be written: stop */
	bool dump_failed;       /* nor the -w file */
	bool started;           /* a thread of its own runs it */
	bool ended;             /* its analyzer's capture is ended */
	pthread_t thread;
	enum live_status status;
};

struct live_capture {
	struct analysis *a;     /* the caller's */
	const char *iface;
	unsigned n;             /* workers */
	struct live_worker *w;  /* owned: n of them */
	struct live_share share; /* several workers */
	pcap_dumper_t *dump;    /* -w: one worker only */
	int linktype;
	bool nano;              /* timestamps in nanoseconds, else microseconds */
	atomic_bool stopping;   /* a worker has stopped: every one stops */
	int stop_pipe[2];       /* readable once stopping is set: wakes their polls; -1: one worker */
};

static void request_stop(struct live_capture *lc)
{
	if (!atomic_exchange(&lc->stopping, true) && lc->stop_pipe[1] >= 0) {
		ssize_t n = write(lc->stop_pipe[1], "", 1);
		(void)n; /* a pipe with room for a byte; the flag is what counts */
	}
}

static int64_t clock_ns(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static bool limit_reached(const struct analysis *a)
{
	if (!a->opt.max_reports)
		return false;
	return (a->an.shared ? atomic_load(&a->an.shared->reported) : a->stats.reported) >= a->opt.max_reports;
}

static bool stop_requested(const struct live_worker *w)
{
	return (w == &w->lc->w[0] && live_stop_signal) || atomic_load(&w->lc->stopping);
}

static void on_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *data)
{
	struct live_worker *w = (struct live_worker *)user;
	struct live_capture *lc = w->lc;

	int64_t ts = (int64_t)h->ts.tv_sec * 1000000000LL + (int64_t)h->ts.tv_usec * (lc->nano ? 1 : 1000);
	if (ts < w->start_ns)
		return;
	/* Frame numbers count every worker's packets, in the order they are
	 * analysed (analyzer_frame adds the 1). */
	if (lc->n > 1)
		w->a->an.frame_no = atomic_fetch_add(&lc->share.counts.frames, 1);
	else if (lc->dump)
		pcap_dump((u_char *)lc->dump, h, data);
	w->captured++;
	w->since_tick = true;
	analyzer_frame(&w->a->an, lc->linktype, data, h->caplen, h->len < h->caplen ? h->caplen : h->len, ts);
	if ((stop_requested(w) && !w->draining) || limit_reached(w->a))
		pcap_breakloop(w->pcap);
}

/* Time passes even without packets: on a quiet interface the capture
 * clock (packet time) is moved to the wall clock, both being the system's
 * real time, so that closed and idle connections are still reported. It
 * stays two block periods behind, so a packet still in the ring never
 * comes out older than the clock (its time would be bent). */
static void live_tick(struct live_worker *w)
{
	struct analysis *a = w->a;
	if (!w->since_tick) {
		int64_t wall = clock_ns(CLOCK_REALTIME) - 2LL * LIVE_BLOCK_MS * 1000000LL;
		if (wall > a->an.now_ns)
			a->an.now_ns = wall;
	}
	w->since_tick = false;
	flow_expire_idle(&a->an);
}

/* Without privileges libpcap cannot tell a missing interface from a
 * denied one, so look it up first and list the ones that exist. */
static bool interface_exists(const char *iface)
{
	char err[PCAP_ERRBUF_SIZE];
	pcap_if_t *all = NULL;
	if (pcap_findalldevs(&all, err) != 0)
		return true; /* cannot tell: activation will say */
	bool found = false;
	char names[512] = "";
	size_t used = 0;
	for (pcap_if_t *d = all; d; d = d->next) {
		if (strcmp(d->name, iface) == 0)
			found = true;
		int n = snprintf(names + used, sizeof names - used, "%s%s", used ? ", " : "", d->name);
		if (n > 0 && (size_t)n < sizeof names - used)
			used += (size_t)n;
	}
	if (!found)
		fprintf(stderr, "mtlsdiag: %s: no such capture interface (interfaces here: %s)\n", iface,
			used ? names : "none");
	pcap_freealldevs(all);
	return found;
}

/* Catches a filter's syntax errors before any privilege is needed. */
static bool filter_compiles(const char *filter)
{
	pcap_t *dead = pcap_open_dead(DLT_EN10MB, LIVE_SNAPLEN);
	struct bpf_program prog;
	if (!dead)
		return true;
	bool ok = pcap_compile(dead, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) == 0;
	if (ok)
		pcap_freecode(&prog);
	else
		fprintf(stderr, "mtlsdiag: -f '%s': %s\n", filter, pcap_geterr(dead));
	pcap_close(dead);
	return ok;
}

/* warn: say what libpcap warned about (once, for the first handle). */
static pcap_t *open_interface(const char *iface, bool warn)
{
	char err[PCAP_ERRBUF_SIZE] = "";
	pcap_t *p = pcap_create(iface, err);
	if (!p) {
		fprintf(stderr, "mtlsdiag: %s: %s\n", iface, err);
		return NULL;
	}
	pcap_set_snaplen(p, LIVE_SNAPLEN);
	pcap_set_promisc(p, 0); /* the host's own connections; no need to see the segment */
	pcap_set_timeout(p, LIVE_BLOCK_MS); /* a block is handed over when full or this old */
	pcap_set_buffer_size(p, LIVE_BUFFER_BYTES);
	pcap_set_tstamp_precision(p, PCAP_TSTAMP_PRECISION_NANO); /* microseconds where refused */
	int rc = pcap_activate(p);
	if (rc == PCAP_ERROR_PERM_DENIED) {
		fprintf(stderr,
			"mtlsdiag: %s: permission denied (%s): live capture needs root, or the capabilities "
			"CAP_NET_RAW and CAP_NET_ADMIN (setcap cap_net_raw,cap_net_admin=eip mtlsdiag)\n",
			iface, pcap_geterr(p));
	} else if (rc == PCAP_ERROR_NO_SUCH_DEVICE) {
		fprintf(stderr, "mtlsdiag: %s: no such capture interface\n", iface);
	} else if (rc == PCAP_ERROR_IFACE_NOT_UP) {
		fprintf(stderr, "mtlsdiag: %s: the interface is down\n", iface);
	} else if (rc < 0) {
		const char *why = pcap_geterr(p);
		fprintf(stderr, "mtlsdiag: %s: %s\n", iface, why[0] ? why : pcap_statustostr(rc));
	} else if (rc > 0 && warn) {
		const char *why = pcap_geterr(p);
		fprintf(stderr, "mtlsdiag: %s: warning: %s\n", iface, why[0] ? why : pcap_statustostr(rc));
	}
	if (rc < 0) {
		pcap_close(p);
		return NULL;
	}
	return p;
}

static bool set_filter(pcap_t *p, const char *iface, const char *filter)
{
	struct bpf_program prog;
	if (pcap_compile(p, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) != 0) {
		fprintf(stderr, "mtlsdiag: -f '%s': %s\n", filter, pcap_geterr(p));
		return false;
	}
	int rc = pcap_setfilter(p, &prog);
	pcap_freecode(&prog);
	if (rc != 0)
		fprintf(stderr, "mtlsdiag: %s: cannot set the filter: %s\n", iface, pcap_geterr(p));
	return rc == 0;
}

/* Joins the handle to the packet fanout group *group, or, when *group is
 * -1, makes a new one whose id the kernel picks among the unused ones (an
 * id picked here could be another program's group, which would then get
 * part of our packets). Hashed on the flow, both directions alike, with
 * IP fragments reassembled first so that they hash as their datagram. */
static int fanout_join(pcap_t *p, int *group, const char *iface)
{
#ifdef PACKET_FANOUT_FLAG_UNIQUEID
	int fd = pcap_fileno(p);
	/* The option's 32 bits: the group id, then the mode and flags. */
	uint32_t mode = PACKET_FANOUT_HASH | PACKET_FANOUT_FLAG_DEFRAG;
	uint32_t bits = *group < 0 ? (mode | PACKET_FANOUT_FLAG_UNIQUEID) << 16 : ((uint32_t)*group | mode << 16);
	int arg = (int)bits;
	socklen_t len = sizeof arg;
	if (setsockopt(fd, SOL_PACKET, PACKET_FANOUT, &arg, sizeof arg) == 0 &&
	    (*group >= 0 || getsockopt(fd, SOL_PACKET, PACKET_FANOUT, &arg, &len) == 0)) {
		if (*group < 0)
			*group = (int)((uint32_t)arg & 0xffff);
		return 0;
	}
	fprintf(stderr, "mtlsdiag: %s: cannot share the packets between workers (packet fanout: %s)\n", iface,
		strerror(errno));
#else
	fprintf(stderr, "mtlsdiag: %s: --workers needs Linux's packet fanout\n", iface);
#endif
	return -1;
}

/* Like tcpdump: on stderr, after the capture; the workers' counts summed,
 * then each worker's when there are several (an uneven share shows). */
static void print_stats(struct live_capture *lc, bool quiet)
{
	unsigned long long captured = 0, recv = 0, drop = 0, ifdrop = 0;
	for (unsigned i = 0; i < lc->n; i++)
		captured += lc->w[i].captured;
	for (unsigned i = 0; i < lc->n; i++) {
		struct live_worker *w = &lc->w[i];
		if (pcap_stats(w->pcap, &w->ps) != 0) {
			if (!quiet)
				fprintf(stderr, "%llu packets captured\nmtlsdiag: %s: no kernel statistics: %s\n", captured,
					lc->iface, pcap_geterr(w->pcap));
			return;
		}
		recv += w->ps.ps_recv;
		drop += w->ps.ps_drop;
		ifdrop += w->ps.ps_ifdrop;
	}
	if (quiet && drop == 0 && ifdrop == 0)
		return;
	fprintf(stderr, "%llu packets captured\n%llu packets received by filter\n%llu packets dropped by kernel\n",
		captured, recv, drop);
	if (ifdrop)
		fprintf(stderr, "%llu packets dropped by interface\n", ifdrop);
	if (lc->n > 1) {
		fprintf(stderr, "per worker: captured");
		for (unsigned i = 0; i < lc->n; i++)
			fprintf(stderr, " %llu", (unsigned long long)lc->w[i].captured);
		fprintf(stderr, "; dropped by kernel");
		for (unsigned i = 0; i < lc->n; i++)
			fprintf(stderr, " %u", lc->w[i].ps.ps_drop);
		fprintf(stderr, "\n");
	}
}

/* What a capture changes in the signal dispositions, to put back. */
struct saved_signals {
	struct sigaction intr, term, hup, pipe;
};

/* SIGINT, SIGTERM and SIGHUP (the terminal or ssh session went away) end
 * the capture the same way: open connections reported, the -w file
 * flushed, the kernel's counts printed. SIGPIPE is ignored: a report
 * written to a pipe whose reader has gone fails with EPIPE instead of
 * killing the process, and the capture then ends the same way, so the -w
 * file and the counts are not lost (main says the report could not be
 * written). */
static void set_stop_handlers(struct saved_signals *old)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_stop_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0; /* no SA_RESTART: poll returns at once with EINTR */
	live_stop_signal = 0;
	sigaction(SIGINT, &sa, &old->intr);
	sigaction(SIGTERM, &sa, &old->term);
	sigaction(SIGHUP, &sa, &old->hup);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, &old->pipe);
}

static void restore_signals(const struct saved_signals *old)
{
	sigaction(SIGINT, &old->intr, NULL);
	sigaction(SIGTERM, &old->term, NULL);
	sigaction(SIGHUP, &old->hup, NULL);
	sigaction(SIGPIPE, &old->pipe, NULL);
}

/* One round: wait (at most timeout_ms) for packets (or, with several
 * workers, until one of them stops), analyse what came, tick if a second
 * has passed, and pass reports and saved packets on. */
static enum live_status capture_round(struct live_worker *w, int fd, int timeout_ms, int64_t *last_tick)
{
	struct live_capture *lc = w->lc;
	struct pollfd pfd[2] = { { .fd = fd, .events = POLLIN },
				 { .fd = w->draining ? -1 : lc->stop_pipe[0], .events = POLLIN } };
	if (poll(pfd, 2, timeout_ms) < 0 && errno != EINTR) {
		fprintf(stderr, "mtlsdiag: %s: poll: %s\n", lc->iface, strerror(errno));
		return LIVE_CAPTURE_FAILED;
	}
	if (pcap_dispatch(w->pcap, -1, on_packet, (u_char *)w) == PCAP_ERROR) {
		fprintf(stderr, "mtlsdiag: %s: %s; reporting what was captured\n", lc->iface, pcap_geterr(w->pcap));
		return LIVE_CAPTURE_FAILED;
	}
	int64_t now = clock_ns(CLOCK_MONOTONIC);
	if (now - *last_tick >= (int64_t)LIVE_TICK_MS * 1000000LL) {
		live_tick(w);
		*last_tick = now;
	}
	if (lc->n > 1) {
		if (live_worker_publish(&w->wa) != 0)
			w->report_failed = true;
	} else if (fflush(w->a->out->fp) != 0 || ferror(w->a->out->fp)) {
		w->report_failed = true;
	}
	if (lc->dump && pcap_dump_flush(lc->dump) != 0)
		w->dump_failed = true;
	return LIVE_OK;
}

/* Reads packets until a signal, the -c limit, an error, or another
 * worker's stop. After that, the block still filling is handed over
 * within LIVE_BLOCK_MS: wait that long (twice, for safety) so the packets
 * before the stop are seen. */
static enum live_status capture_loop(struct live_worker *w)
{
	char err[PCAP_ERRBUF_SIZE];
	int fd = pcap_get_selectable_fd(w->pcap);
	if (fd < 0 || pcap_setnonblock(w->pcap, 1, err) != 0) {
		fprintf(stderr, "mtlsdiag: %s: cannot wait for packets on this interface (no selectable descriptor)\n",
			w->lc->iface);
		return LIVE_CAPTURE_FAILED;
	}
	int64_t last_tick = clock_ns(CLOCK_MONOTONIC);
	while (!stop_requested(w) && !limit_reached(w->a) && !w->report_failed && !w->dump_failed) {
		enum live_status st = capture_round(w, fd, LIVE_TICK_MS, &last_tick);
		if (st != LIVE_OK)
			return st;
	}
	request_stop(w->lc);
	w->draining = true;
	int64_t until = clock_ns(CLOCK_MONOTONIC) + 2LL * LIVE_BLOCK_MS * 1000000LL;
	for (int64_t now = 0; !limit_reached(w->a) && (now = clock_ns(CLOCK_MONOTONIC)) < until;) {
		enum live_status st = capture_round(w, fd, (int)((until - now) / 1000000) + 1, &last_tick);
		if (st != LIVE_OK)
			return st;
	}
	return LIVE_OK;
}

/* A worker of several: captures, then reports what is still open and
 * passes the last reports on. */
static void worker_run(struct live_worker *w)
{
	w->status = capture_loop(w);
	request_stop(w->lc);
	analysis_end_file(w->a); /* connections still open: capture_end */
	w->ended = true;
	if (live_worker_publish(&w->wa) != 0)
		w->report_failed = true;
}

static void *worker_thread(void *arg)
{
	worker_run(arg);
	return NULL;
}

/* Several workers: the first runs in this thread, the only one that takes
 * the stop signals; their counts and stories then go to the caller's
 * analyzer. */
static enum live_status run_workers(struct live_capture *lc, const char *name)
{
	unsigned ready = 0;
	live_share_init(&lc->share, lc->a);
	for (; ready < lc->n; ready++) {
		struct live_worker *w = &lc->w[ready];
		if (live_worker_analysis_init(&w->wa, &lc->share, lc->n) != 0)
			break;
		w->a = &w->wa.a;
		analysis_begin_file(w->a, name, 0);
	}
	enum live_status st = LIVE_OK;
	if (ready < lc->n) {
		fprintf(stderr, "mtlsdiag: %s: out of memory for %u workers\n", lc->iface, lc->n);
		st = LIVE_CAPTURE_FAILED;
	} else {
		sigset_t stop_signals, old;
		sigemptyset(&stop_signals);
		sigaddset(&stop_signals, SIGINT);
		sigaddset(&stop_signals, SIGTERM);
		sigaddset(&stop_signals, SIGHUP);
		pthread_sigmask(SIG_BLOCK, &stop_signals, &old); /* inherited by the threads */
		for (unsigned i = 1; i < lc->n; i++) {
			int err = pthread_create(&lc->w[i].thread, NULL, worker_thread, &lc->w[i]);
			lc->w[i].started = err == 0;
			if (err) {
				fprintf(stderr, "mtlsdiag: %s: cannot start worker %u: %s\n", lc->iface, i + 1, strerror(err));
				lc->w[i].status = LIVE_CAPTURE_FAILED;
				request_stop(lc);
				break;
			}
		}
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		worker_run(&lc->w[0]);
	}
	for (unsigned i = 0; i < ready; i++) {
		struct live_worker *w = &lc->w[i];
		if (w->started)
			pthread_join(w->thread, NULL);
		if (!w->ended)
			analysis_end_file(w->a); /* never ran */
		if (w->status != LIVE_OK)
			st = w->status;
		if (w->wa.buf_failed) {
			fprintf(stderr, "mtlsdiag: %s: out of memory: reports were lost\n", lc->iface);
			st = LIVE_CAPTURE_FAILED;
		}
		live_worker_merge(&w->wa);
		live_worker_analysis_release(&w->wa);
		w->a = NULL;
	}
	live_share_release(&lc->share);
	return st;
}

/* The -w file is opened before the capture, to report a path that cannot
 * be written without needing privileges, but not truncated: a capture
 * that then cannot start leaves an existing file as it was, and removes
 * one it created. It is opened while still privileged, so never through
 * a symbolic link (one planted there would have root truncate its
 * target), and created readable by its owner only: it holds whatever the
 * connections carried. */
struct dump_file {
	int fd;         /* -1: none */
	bool created;
};

static bool dump_file_open(struct dump_file *df, const char *path)
{
	df->fd = privs_open_nofollow(path, O_CREAT | O_EXCL, LIVE_WRITE_MODE);
	df->created = df->fd >= 0;
	if (df->fd < 0 && errno == EEXIST)
		df->fd = privs_open_nofollow(path, 0, 0);
	if (df->fd < 0)
		privs_open_error("-w", path, errno);
	return df->fd >= 0;
}

/* Hands the file to libpcap, which writes its header. */
static pcap_dumper_t *dump_file_start(struct dump_file *df, pcap_t *p, const char *path)
{
	FILE *fp = ftruncate(df->fd, 0) == 0 ? fdopen(df->fd, "wb") : NULL;
	pcap_dumper_t *d = fp ? pcap_dump_fopen(p, fp) : NULL;
	if (d) {
		df->fd = -1; /* the dumper owns it now */
		return d;
	}
	fprintf(stderr, "mtlsdiag: -w %s: %s\n", path, fp ? pcap_geterr(p) : strerror(errno));
	if (fp) {
		fclose(fp);
		df->fd = -1;
	}
	return NULL;
}

static void dump_file_abandon(struct dump_file *df, const char *path)
{
	if (df->fd >= 0)
		close(df->fd);
	if (df->created)
		unlink(path);
}

/* Opens everything the capture needs, checking first what needs no
 * privilege, for clear messages, then gives up the privileges (privs.h)
 * before a packet is read: the -w file is only truncated after that, so
 * it is left as it was when they cannot be given up. On failure nothing
 * is left open.
 * Several workers: the handles join the fanout group one after the
 * other, and until the last has joined the group's members are fewer (a
 * flow may hash elsewhere) and a handle not yet in it gets every packet;
 * so packets stamped before the last join are ignored, as if the capture
 * had started then. */
static bool live_setup(struct live_capture *lc, const struct live_options *lo, const char *filter)
{
	bool to_stdout = lo->write_path && strcmp(lo->write_path, "-") == 0;
	struct dump_file df = { .fd = -1 };
	struct privs_plan plan;
	unsigned opened = 0;
	int group = -1;
	bool ok = false;

	if (privs_plan_make(lo->run_as, &plan) != 0 || !interface_exists(lo->iface) || !filter_compiles(filter))
		return false;
	if (lo->write_path && !to_stdout && !dump_file_open(&df, lo->write_path))
		return false;
	bool failed = false;
	while (!failed && opened < lc->n) {
		pcap_t *p = open_interface(lo->iface, opened == 0);
		if (!p)
			break;
		lc->w[opened++].pcap = p;
		int linktype = pcap_datalink(p);
		bool nano = pcap_get_tstamp_precision(p) == PCAP_TSTAMP_PRECISION_NANO;
		if (opened == 1) {
			lc->linktype = linktype;
			lc->nano = nano;
		}
		if (!link_type_supported(linktype)) {
			fprintf(stderr, "mtlsdiag: %s: link type %d (%s) is not decoded\n", lo->iface, linktype,
				link_type_name(linktype));
			failed = true;
		} else if (linktype != lc->linktype || nano != lc->nano) {
			fprintf(stderr, "mtlsdiag: %s: opened again, the interface has another link type or timestamp "
					"precision\n", lo->iface);
			failed = true;
		} else {
			failed = !set_filter(p, lo->iface, filter) ||
				 (lc->n > 1 && fanout_join(p, &group, lo->iface) != 0);
		}
	}
	if (!failed && opened == lc->n && lc->n > 1) {
		int64_t start = clock_ns(CLOCK_REALTIME);
		for (unsigned i = 0; i < lc->n; i++)
			lc->w[i].start_ns = start;
	}
	if (!failed && opened == lc->n && privs_drop(&plan) == 0) {
		pcap_t *p = lc->w[0].pcap;
		if (!lo->write_path) {
			ok = true;
		} else if (to_stdout) {
			lc->dump = pcap_dump_fopen(p, stdout);
			ok = lc->dump != NULL;
			if (!ok)
				fprintf(stderr, "mtlsdiag: -w -: %s\n", pcap_geterr(p));
		} else {
			lc->dump = dump_file_start(&df, p, lo->write_path);
			ok = lc->dump != NULL;
		}
	}
	if (ok)
		return true;
	for (unsigned i = 0; i < opened; i++) {
		pcap_close(lc->w[i].pcap);
		lc->w[i].pcap = NULL;
	}
	if (lo->write_path && !to_stdout)
		dump_file_abandon(&df, lo->write_path);
	return false;
}

enum live_status live_run(struct analysis *a, const struct live_options *lo)
{
	const char *filter = lo->filter ? lo->filter : LIVE_DEFAULT_FILTER;
	struct live_capture lc = { .a = a, .iface = lo->iface, .n = lo->workers ? lo->workers : 1,
				   .stop_pipe = { -1, -1 } };
	struct saved_signals old_signals;
	char name[256];

	/* The workers analyse their packets in batches of their own, so one
	 * file would not keep the packets' order. */
	if (lc.n > 1 && lo->write_path) {
		fprintf(stderr, "mtlsdiag: -w saves the packets of one worker only; with --workers, save them with "
				"tcpdump -w alongside\n");
		return LIVE_SETUP_FAILED;
	}
	atomic_init(&lc.stopping, false);
	lc.w = calloc(lc.n, sizeof *lc.w);
	if (!lc.w || (lc.n > 1 && pipe2(lc.stop_pipe, O_CLOEXEC) != 0)) {
		fprintf(stderr, "mtlsdiag: %s: %s\n", lo->iface, strerror(errno));
		free(lc.w);
		return LIVE_SETUP_FAILED;
	}
	for (unsigned i = 0; i < lc.n; i++) {
		lc.w[i].lc = &lc;
		lc.w[i].a = a;
		lc.w[i].start_ns = INT64_MIN;
	}
	enum live_status st = LIVE_SETUP_FAILED;
	if (!live_setup(&lc, lo, filter))
		goto out;
	/* Reports name the -w file, whose frame numbers they use. */
	if (lo->write_path && strcmp(lo->write_path, "-") != 0)
		snprintf(name, sizeof name, "%s", lo->write_path);
	else
		snprintf(name, sizeof name, "live:%s", lo->iface);
	if (!a->opt.quiet) {
		char workers[32] = "";
		if (lc.n > 1)
			snprintf(workers, sizeof workers, ", %u workers", lc.n);
		fprintf(stderr, "mtlsdiag: capturing on %s (link type %s, filter '%s'%s)%s%s; Ctrl-C ends\n",
			lo->iface, link_type_name(lc.linktype), filter, workers, lo->write_path ? ", saving to " : "",
			lo->write_path ? lo->write_path : "");
	}
	set_stop_handlers(&old_signals);
	analysis_begin_file(a, name, 0);
	st = lc.n > 1 ? run_workers(&lc, name) : capture_loop(&lc.w[0]);
	analysis_end_file(a); /* connections still open: capture_end */
	fflush(a->out->fp);
	if (a->an.stats.tls_conns == 0 && !a->opt.quiet)
		fprintf(stderr, "mtlsdiag: %s: no TLS connection seen (%llu packets, %llu TCP connections)\n", lo->iface,
			(unsigned long long)a->an.stats.frames, (unsigned long long)a->an.stats.tcp_flows);
	restore_signals(&old_signals);
	if (lc.dump) {
		if (pcap_dump_flush(lc.dump) != 0 || lc.w[0].dump_failed) {
			fprintf(stderr, "mtlsdiag: -w %s: write failed\n", lo->write_path);
			st = LIVE_CAPTURE_FAILED;
		}
		pcap_dump_close(lc.dump);
	}
	print_stats(&lc, a->opt.quiet);
	for (unsigned i = 0; i < lc.n; i++)
		pcap_close(lc.w[i].pcap);
out:
	for (int i = 0; i < 2; i++)
		if (lc.stop_pipe[i] >= 0)
			close(lc.stop_pipe[i]);
	free(lc.w);
	return st;
}
