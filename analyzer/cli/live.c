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
 * anyway, so the delay costs nothing. */
#include "cli/live.h"
#include "flow/flow.h"

#include <errno.h>
#include <fcntl.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "link.h"
#include "output/output.h"
#include "capture/privs.h"

/* The one piece of file-scope mutable state: a signal handler can reach
 * nothing else, and writing a volatile sig_atomic_t is what it may safely
 * do. The capture loop reads it after every packet and every poll. */
static volatile sig_atomic_t live_stop_signal;

static void on_stop_signal(int sig)
{
	live_stop_signal = sig;
}

struct live_capture {
	struct analysis *a;
	pcap_t *pcap;
	pcap_dumper_t *dump;
	int linktype;
	bool nano;              /* timestamps in nanoseconds, else microseconds */
	uint64_t captured;      /* packets handed to the analyzer */
	bool since_tick;        /* a packet arrived since the last tick */
	bool draining;          /* stopping: take what the ring still holds */
	bool report_failed;     /* the report cannot be written: stop */
	bool dump_failed;       /* nor the -w file */
};

static int64_t clock_ns(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static bool limit_reached(const struct analysis *a)
{
	return a->opt.max_reports && a->stats.reported >= a->opt.max_reports;
}

static void on_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *data)
{
	struct live_capture *lc = (struct live_capture *)user;

	if (lc->dump)
		pcap_dump((u_char *)lc->dump, h, data);
	int64_t ts = (int64_t)h->ts.tv_sec * 1000000000LL + (int64_t)h->ts.tv_usec * (lc->nano ? 1 : 1000);
	lc->captured++;
	lc->since_tick = true;
	analyzer_frame(&lc->a->an, lc->linktype, data, h->caplen, h->len < h->caplen ? h->caplen : h->len, ts);
	if ((live_stop_signal && !lc->draining) || limit_reached(lc->a))
		pcap_breakloop(lc->pcap);
}

/* Time passes even without packets: on a quiet interface the capture
 * clock (packet time) is moved to the wall clock, both being the system's
 * real time, so that closed and idle connections are still reported. It
 * stays two block periods behind, so a packet still in the ring never
 * comes out older than the clock (its time would be bent). */
static void live_tick(struct live_capture *lc)
{
	struct analysis *a = lc->a;
	if (!lc->since_tick) {
		int64_t wall = clock_ns(CLOCK_REALTIME) - 2LL * LIVE_BLOCK_MS * 1000000LL;
		if (wall > a->an.now_ns)
			a->an.now_ns = wall;
	}
	lc->since_tick = false;
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

static pcap_t *open_interface(const char *iface)
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
	} else if (rc > 0) {
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

/* Like tcpdump: on stderr, after the capture. */
static void print_stats(const struct live_capture *lc, const char *iface, bool quiet)
{
	struct pcap_stat ps;
	if (pcap_stats(lc->pcap, &ps) != 0) {
		if (!quiet)
			fprintf(stderr, "%llu packets captured\nmtlsdiag: %s: no kernel statistics: %s\n",
				(unsigned long long)lc->captured, iface, pcap_geterr(lc->pcap));
		return;
	}
	if (quiet && ps.ps_drop == 0 && ps.ps_ifdrop == 0)
		return;
	fprintf(stderr, "%llu packets captured\n%u packets received by filter\n%u packets dropped by kernel\n",
		(unsigned long long)lc->captured, ps.ps_recv, ps.ps_drop);
	if (ps.ps_ifdrop)
		fprintf(stderr, "%u packets dropped by interface\n", ps.ps_ifdrop);
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

/* One round: wait (at most timeout_ms) for packets, analyse what came,
 * tick if a second has passed, and pass reports and saved packets on. */
static enum live_status capture_round(struct live_capture *lc, int fd, int timeout_ms, const char *iface,
				      int64_t *last_tick)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	if (poll(&pfd, 1, timeout_ms) < 0 && errno != EINTR) {
		fprintf(stderr, "mtlsdiag: %s: poll: %s\n", iface, strerror(errno));
		return LIVE_CAPTURE_FAILED;
	}
	if (pcap_dispatch(lc->pcap, -1, on_packet, (u_char *)lc) == PCAP_ERROR) {
		fprintf(stderr, "mtlsdiag: %s: %s; reporting what was captured\n", iface, pcap_geterr(lc->pcap));
		return LIVE_CAPTURE_FAILED;
	}
	int64_t now = clock_ns(CLOCK_MONOTONIC);
	if (now - *last_tick >= (int64_t)LIVE_TICK_MS * 1000000LL) {
		live_tick(lc);
		*last_tick = now;
	}
	if (fflush(lc->a->out->fp) != 0 || ferror(lc->a->out->fp))
		lc->report_failed = true;
	if (lc->dump && pcap_dump_flush(lc->dump) != 0)
		lc->dump_failed = true;
	return LIVE_OK;
}

/* Reads packets until a signal, the -c limit or an error. After a signal,
 * the block still filling is handed over within LIVE_BLOCK_MS: wait that
 * long (twice, for safety) so the packets before the signal are seen. */
static enum live_status capture_loop(struct live_capture *lc, const char *iface)
{
	char err[PCAP_ERRBUF_SIZE];
	int fd = pcap_get_selectable_fd(lc->pcap);
	if (fd < 0 || pcap_setnonblock(lc->pcap, 1, err) != 0) {
		fprintf(stderr, "mtlsdiag: %s: cannot wait for packets on this interface (no selectable descriptor)\n",
			iface);
		return LIVE_CAPTURE_FAILED;
	}
	int64_t last_tick = clock_ns(CLOCK_MONOTONIC);
	while (!live_stop_signal && !limit_reached(lc->a) && !lc->report_failed && !lc->dump_failed) {
		enum live_status st = capture_round(lc, fd, LIVE_TICK_MS, iface, &last_tick);
		if (st != LIVE_OK)
			return st;
	}
	lc->draining = true;
	int64_t until = clock_ns(CLOCK_MONOTONIC) + 2LL * LIVE_BLOCK_MS * 1000000LL;
	for (int64_t now = 0; !limit_reached(lc->a) && (now = clock_ns(CLOCK_MONOTONIC)) < until;) {
		enum live_status st = capture_round(lc, fd, (int)((until - now) / 1000000) + 1, iface, &last_tick);
		if (st != LIVE_OK)
			return st;
	}
	return LIVE_OK;
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
 * is left open. */
static bool live_setup(struct live_capture *lc, const struct live_options *lo, const char *filter)
{
	bool to_stdout = lo->write_path && strcmp(lo->write_path, "-") == 0;
	struct dump_file df = { .fd = -1 };
	struct privs_plan plan;

	if (privs_plan_make(lo->run_as, &plan) != 0 || !interface_exists(lo->iface) || !filter_compiles(filter))
		return false;
	if (lo->write_path && !to_stdout && !dump_file_open(&df, lo->write_path))
		return false;
	lc->pcap = open_interface(lo->iface);
	if (lc->pcap) {
		lc->linktype = pcap_datalink(lc->pcap);
		lc->nano = pcap_get_tstamp_precision(lc->pcap) == PCAP_TSTAMP_PRECISION_NANO;
		if (!link_type_supported(lc->linktype)) {
			fprintf(stderr, "mtlsdiag: %s: link type %d (%s) is not decoded\n", lo->iface, lc->linktype,
				link_type_name(lc->linktype));
		} else if (set_filter(lc->pcap, lo->iface, filter) && privs_drop(&plan) == 0) {
			if (!lo->write_path)
				return true;
			if (to_stdout) {
				lc->dump = pcap_dump_fopen(lc->pcap, stdout);
				if (lc->dump)
					return true;
				fprintf(stderr, "mtlsdiag: -w -: %s\n", pcap_geterr(lc->pcap));
			} else {
				lc->dump = dump_file_start(&df, lc->pcap, lo->write_path);
				if (lc->dump)
					return true;
			}
		}
		pcap_close(lc->pcap);
		lc->pcap = NULL;
	}
	if (lo->write_path && !to_stdout)
		dump_file_abandon(&df, lo->write_path);
	return false;
}

enum live_status live_run(struct analysis *a, const struct live_options *lo)
{
	const char *filter = lo->filter ? lo->filter : LIVE_DEFAULT_FILTER;
	struct live_capture lc = { .a = a };
	struct saved_signals old_signals;
	char name[256];

	if (!live_setup(&lc, lo, filter))
		return LIVE_SETUP_FAILED;
	/* Reports name the -w file, whose frame numbers they use. */
	if (lo->write_path && strcmp(lo->write_path, "-") != 0)
		snprintf(name, sizeof name, "%s", lo->write_path);
	else
		snprintf(name, sizeof name, "live:%s", lo->iface);
	if (!a->opt.quiet)
		fprintf(stderr, "mtlsdiag: capturing on %s (link type %s, filter '%s')%s%s; Ctrl-C ends\n",
			lo->iface, link_type_name(lc.linktype), filter, lo->write_path ? ", saving to " : "",
			lo->write_path ? lo->write_path : "");
	set_stop_handlers(&old_signals);
	analysis_begin_file(a, name, 0);
	enum live_status st = capture_loop(&lc, lo->iface);
	analysis_end_file(a); /* connections still open: capture_end */
	fflush(a->out->fp);
	if (a->an.stats.tls_conns == 0 && !a->opt.quiet)
		fprintf(stderr, "mtlsdiag: %s: no TLS connection seen (%llu packets, %llu TCP connections)\n", lo->iface,
			(unsigned long long)a->an.stats.frames, (unsigned long long)a->an.stats.tcp_flows);
	restore_signals(&old_signals);
	if (lc.dump) {
		if (pcap_dump_flush(lc.dump) != 0 || lc.dump_failed) {
			fprintf(stderr, "mtlsdiag: -w %s: write failed\n", lo->write_path);
			st = LIVE_CAPTURE_FAILED;
		}
		pcap_dump_close(lc.dump);
	}
	print_stats(&lc, lo->iface, a->opt.quiet);
	pcap_close(lc.pcap);
	return st;
}
