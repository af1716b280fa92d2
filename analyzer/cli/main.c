/* main.c - command line: read captures, report TLS connections. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/analysis.h"
#include "cli/cmdline.h"
#include "output/annotate.h"
#include "output/compare_output.h"
#include "cli/report_stream.h"
#include "model/select.h"
#include "diagnosis/diagnose.h"
#include "cli/expect.h"
#include "link.h"
#include "cli/live.h"
#include "output/output.h"
#include "capture/privs.h"
#include "cli/probe.h"
#include "capture/source.h"
#include "community_id.h"
#include "model/trust.h"
#include "diagnosis/compare.h"
#include "output/findings_list.h"
#include "flow/threads.h"

#define MTLSDIAG_VERSION "0.1.0"

static void usage(FILE *fp)
{
	fprintf(fp,
		"Usage: mtlsdiag [options] FILE...\n"
		"       mtlsdiag [options] -r FILE [-r FILE]... [BPF FILTER EXPRESSION]\n"
		"       mtlsdiag [options] compare CLIENT_SIDE SERVER_SIDE\n"
		"       mtlsdiag [options] -i INTERFACE [-f FILTER] [-c N] [-w FILE] [-Z USER] [--workers N]\n"
		"       mtlsdiag probe [options] https://HOST[:PORT][/PATH]  (mtlsdiag probe --help)\n"
		"Explain client-certificate (mutual TLS) authentication in packet captures.\n"
		"FILE is a pcap, pcapng or NetMon capture; '-' reads standard input.\n"
		"compare matches the connections of a capture taken near the client with one taken\n"
		"near the server and reports what one side saw and the other did not.\n"
		"probe connects to a live server, sends a real request and reports that connection\n"
		"like a captured one, decrypted (with or without a client certificate; --matrix).\n"
		"\n"
		"Files and selection:\n"
		"  -r, --read FILE          read FILE (repeatable); with -r, the words after the\n"
		"                           options are a BPF filter, as in tcpdump -r FILE EXPR\n"
		"  -f, --filter BPF         only the packets this pcap-filter(7) expression keeps,\n"
		"                           from files too (numbering: as in the filtered copy\n"
		"                           tcpdump -r FILE -w COPY BPF would write)\n"
		"      --host ADDR          report only connections with ADDR at either end\n"
		"      --port N             report only connections with port N at either end\n"
		"      --sni PATTERN        report only connections whose ClientHello names a server\n"
		"                           matching PATTERN (glob: *.example.com); these three are\n"
		"                           repeatable, read every connection and keep Wireshark's\n"
		"                           numbering; the summary counts only what is reported\n"
		"\n"
		"Live capture (needs root or CAP_NET_RAW+CAP_NET_ADMIN; Ctrl-C ends it):\n"
		"  -i, --interface IFACE    capture on IFACE; each connection is reported when it\n"
		"                           ends (FIN/RST, then 2 s), or after --idle-timeout\n"
		"  -f, --filter BPF         capture filter (default '%s')\n"
		"  -c, --count N            stop after N TLS connections are reported\n"
		"  -w, --write FILE         also save the captured packets to FILE (pcap; a new file\n"
		"                           is mode 0600; never written through a symbolic link)\n"
		"  -Z, --user USER          started as root, become USER once the interface and\n"
		"                           files are open (default 'nobody'; '-Z root' stays root);\n"
		"                           capabilities (setcap) are dropped then too\n"
		"      --workers N          N threads, each analysing its own share of the\n"
		"                           connections (the kernel splits the packets by flow\n"
		"                           hash: Linux packet fanout); default 1, at most %u;\n"
		"                           not with -w\n"
		"\n"
		"Output:\n"
		"  -F, --format text|json|json-pretty|ecs|html\n"
		"                           text report (default), JSON lines (one object per\n"
		"                           connection), the same objects indented for reading,\n"
		"                           JSON lines with Elastic Common Schema names (Filebeat),\n"
		"                           or one self-contained HTML page with handshake diagrams\n"
		"      --community-id-seed N  seed of the Community ID flow hash in JSON (default 0)\n"
		"  -o, --output FILE        write the report to FILE instead of standard output\n"
		"                           (never through a symbolic link)\n"
		"      --color[=WHEN]       colour the text report: auto (on a terminal, unless\n"
		"                           NO_COLOR is set), always (--color), never (--no-color)\n"
		"  -q, --quiet              no summary and no progress display\n"
		"      --fail-on error|warning  exit with status 1 when a connection has a finding\n"
		"                           of this severity or worse (for scripts and CI)\n"
		"      --expect FILE        check the expectations in FILE against the connections and\n"
		"                           report only their results (for CI; format in mtlsdiag(1))\n"
		"      --annotate OUT.pcapng  also write the capture (one FILE, not a pipe) as pcapng\n"
		"                           with a comment on each frame that shows the diagnosis\n"
		"                           (Wireshark: frame.comment); the frames otherwise as read\n"
		"\n"
		"Diagnosis:\n"
		"      --trust FILE         PEM bundle of the CAs the server trusts (roots and\n"
		"                           intermediates): verify each client chain against it at\n"
		"                           the capture time and report OpenSSL's exact error\n"
		"      --server KIND        the server software, when the guess is wrong or unsure: iis,\n"
		"                           nginx, apache, haproxy, envoy, java, go, node, kestrel, openssl\n"
		"      --client KIND        the client software: schannel, chromium, firefox, safari,\n"
		"                           openssl, java, go, python\n"
		"\n"
		"Decryption:\n"
		"      --keylog FILE        NSS key log (SSLKEYLOGFILE format): decrypt what TLS hides\n"
		"                           (TLS 1.3 handshakes, renegotiations, HTTP/1.x and HTTP/2\n"
		"                           exchanges, resets and error pages);\n"
		"                           without this option $SSLKEYLOGFILE is used when set\n"
		"\n"
		"Limits:\n"
		"      --max-flows N        TCP connections tracked at once (default %u); the least\n"
		"                           recently active is reported early and dropped\n"
		"      --reasm-cap BYTES    out-of-order bytes buffered per direction (default %u)\n"
		"      --max-handshake BYTES  largest handshake message decoded (default %u)\n"
		"      --idle-timeout SECONDS  a connection quiet this long is reported (default %d)\n"
		"      --max-memory BYTES   heap of all that grows with the capture (default %u):\n"
		"                           connections, queues, decoded certificates and CA lists;\n"
		"                           over it, what is over or idle is reported early first,\n"
		"                           handshakes in progress last\n"
		"                           (sizes in bytes, or with a K, M or G suffix)\n"
		"      --max-chain N        certificates kept per chain (default and most %u)\n"
		"      --max-ca-names N     CA names kept per CertificateRequest (default %u)\n"
		"      --threads N          analyse each file with N threads (default 1, at most\n"
		"                           64), the reading one among them; the report is the same\n"
		"                           while no limit above is reached; 1 live, with compare,\n"
		"                           --expect, --annotate or -F html\n"
		"\n"
		"  -h, --help               this text\n"
		"      --list-findings      every finding ID with its severity and meaning (with\n"
		"                           -F json: one JSON object per finding), then exit\n"
		"  -V, --version            version\n"
		"\n"
		"Exit status: 0 success; 1 a finding reached --fail-on, or an expectation failed; 2 usage or input\n"
		"error (unreadable, not a capture (an .etl trace is answered with the command converting it),\n"
		"damaged, a bad filter or expectations file; live: no such interface, no permission); 3 no TLS\n"
		"connection found, or none matched --host/--port/--sni. See mtlsdiag(1).\n",
		LIVE_DEFAULT_FILTER, LIVE_MAX_WORKERS, DEFAULT_MAX_FLOWS, DEFAULT_OOO_CAP, DEFAULT_MAX_HS_MSG, DEFAULT_IDLE_TIMEOUT_S,
		DEFAULT_MAX_MEMORY, TLS_MAX_CHAIN, DEFAULT_MAX_CA_NAMES);
}

/* --server KIND / --client KIND; a wrong name is answered with the list
 * of right ones. */
static int parse_kind(const char *opt, const char *arg, bool server, struct stack_overrides *ov)
{
	int ok = server ? server_kind_parse(arg, &ov->server) : client_kind_parse(arg, &ov->client);
	if (ok == 0 && strcmp(arg, "unknown") != 0)
		return 0;
	fprintf(stderr, "mtlsdiag: %s: '%s' is not one of:", opt, arg);
	for (int k = 1; k < (server ? SERVER_KIND_COUNT : CLIENT_KIND_COUNT); k++)
		fprintf(stderr, " %s", server ? server_kind_name((enum server_kind)k) : client_kind_name((enum client_kind)k));
	fprintf(stderr, "\n");
	return -1;
}

static int parse_size(const char *opt, const char *arg, size_t min, size_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(arg, &end, 10);
	/* 64M, 512K, 1G: binary multiples. */
	const char *units = "KMG";
	const char *u = *end ? strchr(units, end[0] & ~0x20) : NULL;
	if (u && end[1] == '\0' && end != arg) {
		unsigned shift = 10u * (unsigned)(u - units + 1);
		if (v > (ULLONG_MAX >> shift))
			errno = ERANGE;
		v <<= shift;
		end++;
	}
	if (errno || end == arg || *end || v < min || v > SIZE_MAX) {
		fprintf(stderr, "mtlsdiag: %s: '%s' is not a number >= %zu\n", opt, arg, min);
		return -1;
	}
	*out = (size_t)v;
	return 0;
}

static double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The file again, for a worker thread that reads it by itself. */
struct reread_file {
	const char *path;
	const char *filter;
};

static void *reread_open(void *ctx)
{
	const struct reread_file *f = ctx;
	char err[768];
	struct source *src = source_open(f->path, err, sizeof err);
	if (src) {
		source_set_quiet(src);
		source_set_filter(src, f->filter);
	}
	return src;
}

static bool reread_next(void *reader, int *linktype, const uint8_t **data, size_t *caplen, size_t *wirelen,
			int64_t *ts_ns)
{
	struct source_frame fr;
	char err[768];
	if (source_next(reader, &fr, err, sizeof err) != SOURCE_FRAME)
		return false;
	*linktype = fr.linktype;
	*data = fr.data;
	*caplen = fr.caplen;
	*wirelen = fr.wirelen;
	*ts_ns = fr.ts_ns;
	return true;
}

static void reread_close(void *reader)
{
	source_close(reader);
}

/* Reads one file through the analyzer. Returns EXIT_OK or EXIT_INPUT;
 * *opened says whether the file could be opened at all. */
static int run_file(struct analysis *a, const char *path, unsigned index, const char *filter, bool *opened)
{
	char err[768];
	struct source *src = source_open(path, err, sizeof err);
	*opened = src != NULL;
	if (!src) {
		fprintf(stderr, "mtlsdiag: %s: %s\n", path, err);
		return EXIT_INPUT;
	}
	source_set_filter(src, filter);
	const char *name = strcmp(path, "-") == 0 ? "(stdin)" : path;
	/* A regular file gives every reader the same frames: worker threads
	 * read it themselves rather than be handed copies. */
	struct reread_file again = { path, filter };
	if (source_can_reopen(src))
		a->an.reread = (struct frame_reread){ reread_open, reread_next, reread_close, &again };
	analysis_begin_file(a, name, index);

	int rc = EXIT_OK;
	int warned_link = -1;
	uint64_t decodable = 0;
	double last_progress = now_seconds();
	bool progress = a->opt.progress;
	struct source_frame fr;
	for (;;) {
		enum source_status st = source_next(src, &fr, err, sizeof err);
		if (st == SOURCE_END)
			break;
		if (st == SOURCE_ERROR) {
			fprintf(stderr, "%smtlsdiag: %s: frame %llu: %s; reporting what was read before it\n",
				progress ? "\r\033[K" : "", name, (unsigned long long)a->an.frame_no + 1, err);
			rc = EXIT_INPUT;
			break;
		}
		if (!link_type_supported(fr.linktype)) {
			if (warned_link != fr.linktype) {
				fprintf(stderr, "mtlsdiag: %s: frame %llu: link type %d (%s) is not decoded; such frames are skipped\n",
					name, (unsigned long long)a->an.frame_no + 1, fr.linktype, link_type_name(fr.linktype));
				warned_link = fr.linktype;
			}
		} else {
			decodable++;
		}
		analyzer_frame(&a->an, fr.linktype, fr.data, fr.caplen, fr.wirelen, fr.ts_ns);
		if ((a->an.frame_no & 0x3fff) == 0 && ferror(a->out->fp))
			break; /* the report cannot be written: main says why */
		if (progress && (a->an.frame_no & 0x3fff) == 0) {
			double t = now_seconds();
			if (t - last_progress >= 0.5) {
				uint64_t done, total;
				source_progress(src, &done, &total);
				if (total)
					fprintf(stderr, "\r\033[K%s: %3.0f%%, %llu frames, %llu TLS connections", name,
						100.0 * (double)done / (double)total, (unsigned long long)a->an.frame_no,
						(unsigned long long)a->an.stats.tls_conns);
				else
					fprintf(stderr, "\r\033[K%s: %llu frames, %llu TLS connections", name,
						(unsigned long long)a->an.frame_no, (unsigned long long)a->an.stats.tls_conns);
				last_progress = t;
			}
		}
	}
	if (progress)
		fprintf(stderr, "\r\033[K");
	analysis_end_file(a);
	a->an.reread = (struct frame_reread){ 0 };
	if (a->an.stats.frames > 0 && decodable == 0 && rc == EXIT_OK) {
		fprintf(stderr, "mtlsdiag: %s: no frame has a link type mtlsdiag decodes\n", name);
		rc = EXIT_INPUT;
	} else if (a->an.stats.tls_conns == 0 && !a->opt.quiet) {
		fprintf(stderr, "mtlsdiag: %s: no TLS connection found (%llu frames%s, %llu TCP connections)\n", name,
			(unsigned long long)a->an.stats.frames, filter ? " kept by the filter" : "",
			(unsigned long long)a->an.stats.tcp_flows);
	}
	source_close(src);
	return rc;
}

/* -r FILE... EXPRESSION: the words are joined with spaces, as tcpdump does. */
static size_t words_length(char **words, int n)
{
	size_t len = 1;
	for (int i = 0; i < n; i++)
		len += strlen(words[i]) + 1;
	return len;
}

static void join_words(char **words, int n, char *out)
{
	out[0] = '\0';
	for (int i = 0; i < n; i++) {
		if (i > 0)
			strcat(out, " ");
		strcat(out, words[i]);
	}
}

/* A file filter's syntax is checked before any file is read, for the link
 * types captures mostly have. first_word: the first word after -r's files,
 * named when it is a file rather than the start of a filter. */
static int check_file_filter(const char *expr, const char *first_word)
{
	static const int linktypes[] = { LINKTYPE_ETHERNET, LINKTYPE_LINUX_SLL, LINKTYPE_RAW };
	struct bpf_program prog;
	char err[PCAP_ERRBUF_SIZE], first_err[PCAP_ERRBUF_SIZE] = "";
	for (size_t i = 0; i < sizeof linktypes / sizeof linktypes[0]; i++) {
		if (source_filter_compile(expr, linktypes[i], &prog, err, sizeof err) == 0) {
			pcap_freecode(&prog);
			return 0;
		}
		if (i == 0)
			snprintf(first_err, sizeof first_err, "%s", err);
	}
	fprintf(stderr, "mtlsdiag: filter '%s': %s\n", expr, first_err);
	if (first_word && access(first_word, F_OK) == 0)
		fprintf(stderr, "mtlsdiag: with -r, the words after the options are the filter; "
				"give each file with its own -r ('-r %s')\n", first_word);
	return -1;
}

/* compare CLIENT_SIDE SERVER_SIDE: each file is collected (conn_sink), then
 * compare.c matches the two lists and reports. */
static int run_compare(struct analysis *a, const char *client_path, const char *server_path, const char *filter)
{
	struct conn_list sides[2] = { { 0 }, { 0 } };
	const char *paths[2] = { client_path, server_path };
	int rc = EXIT_OK;
	for (unsigned i = 0; i < 2; i++) {
		a->sink = (struct conn_sink){ conn_list_take, &sides[i] };
		bool opened;
		int frc = run_file(a, paths[i], i, filter, &opened);
		if (frc != EXIT_OK)
			rc = frc;
		sides[i].capture_last_ns = a->an.now_ns;
		if (sides[i].out_of_memory) {
			fprintf(stderr, "mtlsdiag: %s: out of memory; some connections are not compared\n", paths[i]);
			rc = EXIT_INPUT;
		}
	}
	a->sink = (struct conn_sink){ NULL, NULL };
	struct compare_result res;
	if (compare_conns(&sides[0], &sides[1], &res) != 0) {
		fprintf(stderr, "mtlsdiag: compare: out of memory\n");
		rc = EXIT_INPUT;
	} else {
		compare_output(a->out, &sides[0], &sides[1], &res, !a->opt.quiet);
		if (rc == EXIT_OK && sides[0].n + sides[1].n == 0)
			rc = EXIT_NO_TLS;
		else if (rc == EXIT_OK && report_fails(&a->opt, res.worst_severity))
			rc = EXIT_FINDINGS;
		compare_result_release(&res);
	}
	conn_list_release(&sides[0]);
	conn_list_release(&sides[1]);
	return rc;
}

/* ---- the command line ---------------------------------------------------- */

/* What the options ask for. */
struct cli_args {
	struct options opt;
	struct report_args report;   /* -F -o -q --color --fail-on --expect --trust */
	struct live_options live;    /* -i -f -w -Z; --workers from `workers` */
	struct conn_select select;   /* --host --port --sni */
	const char **read_paths;     /* -r FILE, in order (room for argc) */
	int n_read;
	const char *keylog_path;
	const char *annotate_path;
	size_t idle_s, count, workers, community_id_seed, threads; /* as given; 0: not given */
	bool list_findings;
};

/* The options that take a number: its least and most, and the size_t of
 * struct cli_args it goes to. Over the most: "at most MAX" and the unit,
 * or without a unit the whole range. */
static const struct number_opt {
	int code;
	const char *name;
	size_t min, max;
	const char *unit;
	size_t field;
} number_opts[] = {
	{ OPT_MAX_FLOWS, "--max-flows", 1, SIZE_MAX, "", offsetof(struct cli_args, opt.flow.max_flows) },
	{ OPT_REASM_CAP, "--reasm-cap", 1024, SIZE_MAX, "", offsetof(struct cli_args, opt.flow.ooo_cap) },
	{ OPT_MAX_HS, "--max-handshake", 1024, SIZE_MAX, "", offsetof(struct cli_args, opt.flow.max_hs_msg) },
	/* At most what fits in nanoseconds (int64_t): about 292 years. */
	{ OPT_IDLE, "--idle-timeout", 1, INT64_MAX / 1000000000, "", offsetof(struct cli_args, idle_s) },
	{ 'c', "--count", 1, SIZE_MAX, "", offsetof(struct cli_args, count) },
	{ OPT_WORKERS, "--workers", 1, LIVE_MAX_WORKERS, "", offsetof(struct cli_args, workers) },
	{ OPT_MAX_MEMORY, "--max-memory", 1024 * 1024, SIZE_MAX, "", offsetof(struct cli_args, opt.flow.max_memory) },
	{ OPT_MAX_CHAIN, "--max-chain", 1, TLS_MAX_CHAIN, " certificates are kept",
	  offsetof(struct cli_args, opt.flow.max_chain) },
	{ OPT_MAX_CA_NAMES, "--max-ca-names", 1, SIZE_MAX, "", offsetof(struct cli_args, opt.flow.max_ca_names) },
	{ OPT_COMMUNITY_ID_SEED, "--community-id-seed", 0, UINT16_MAX, NULL,
	  offsetof(struct cli_args, community_id_seed) },
	{ OPT_THREADS, "--threads", 1, SIZE_MAX, "", offsetof(struct cli_args, threads) },
};

static int number_option(struct cli_args *m, int c, const char *arg)
{
	for (size_t i = 0; i < sizeof number_opts / sizeof number_opts[0]; i++) {
		const struct number_opt *no = &number_opts[i];
		if (no->code != c)
			continue;
		size_t *v = (size_t *)((char *)m + no->field);
		if (parse_size(no->name, arg, no->min, v) != 0)
			return EXIT_INPUT;
		if (*v <= no->max)
			return CLI_NEXT;
		if (no->unit)
			fprintf(stderr, "mtlsdiag: %s: at most %zu%s\n", no->name, no->max, no->unit);
		else
			fprintf(stderr, "mtlsdiag: %s: '%s' is not a number from %zu to %zu\n", no->name, arg, no->min,
				no->max);
		return EXIT_INPUT;
	}
	return CLI_NOT_MINE;
}

/* The options whose argument is kept as given (a file, an interface, a
 * filter, a user): the const char * of struct cli_args it goes to. -r is
 * repeatable and keeps each. */
static const struct name_opt {
	int code;
	size_t field;
} name_opts[] = {
	{ 'i', offsetof(struct cli_args, live.iface) },
	{ 'f', offsetof(struct cli_args, live.filter) },
	{ 'w', offsetof(struct cli_args, live.write_path) },
	{ 'Z', offsetof(struct cli_args, live.run_as) },
	{ OPT_KEYLOG, offsetof(struct cli_args, keylog_path) },
	{ OPT_ANNOTATE, offsetof(struct cli_args, annotate_path) },
};

static int name_option(struct cli_args *m, int c, const char *arg)
{
	if (c == 'r') {
		m->read_paths[m->n_read++] = arg;
		return CLI_NEXT;
	}
	for (size_t i = 0; i < sizeof name_opts / sizeof name_opts[0]; i++) {
		if (name_opts[i].code == c) {
			*(const char **)((char *)m + name_opts[i].field) = arg;
			return CLI_NEXT;
		}
	}
	return CLI_NOT_MINE;
}

/* --host, --port, --sni (the connections reported); --server, --client. */
static int select_option(struct cli_args *m, int c, const char *arg)
{
	char serr[160];
	int err;
	switch (c) {
	case OPT_HOST:
		err = conn_select_add_host(&m->select, arg, serr, sizeof serr);
		break;
	case OPT_PORT:
		err = conn_select_add_port(&m->select, arg, serr, sizeof serr);
		break;
	case OPT_SNI:
		err = conn_select_add_sni(&m->select, arg, serr, sizeof serr);
		break;
	case OPT_SERVER:
	case OPT_CLIENT:
		if (parse_kind(c == OPT_SERVER ? "--server" : "--client", arg, c == OPT_SERVER,
			       &m->opt.diagnose.stack) != 0)
			return EXIT_INPUT;
		return CLI_NEXT;
	default:
		return CLI_NOT_MINE;
	}
	if (err != 0) {
		fprintf(stderr, "mtlsdiag: %s\n", serr);
		return EXIT_INPUT;
	}
	m->opt.select = &m->select;
	return CLI_NEXT;
}

/* -h, -V and --list-findings: answered instead of a run. */
static int info_option(struct cli_args *m, int c)
{
	switch (c) {
	case 'h':
		usage(stdout);
		return EXIT_OK;
	case 'V':
		printf("mtlsdiag %s\n", MTLSDIAG_VERSION);
		return EXIT_OK;
	case OPT_LIST_FINDINGS:
		m->list_findings = true;
		return CLI_NEXT;
	default:
		return CLI_NOT_MINE;
	}
}

/* mtlsdiag's own options (cmdline.c takes the report's). */
static int main_option(void *ctx, int c, const char *arg)
{
	struct cli_args *m = ctx;
	int rc = number_option(m, c, arg);
	if (rc == CLI_NOT_MINE)
		rc = name_option(m, c, arg);
	if (rc == CLI_NOT_MINE)
		rc = select_option(m, c, arg);
	if (rc == CLI_NOT_MINE)
		rc = info_option(m, c);
	return rc;
}

static int parse_args(struct cli_args *m, int argc, char **argv)
{
	static const struct cli_command cmd = { CLI_MAIN, "F:o:qhVi:f:c:w:Z:r:", main_option, usage };
	int rc = cli_parse(&cmd, m, &m->report, &m->opt, argc, argv);
	if (rc != CLI_NEXT)
		return rc;
	/* The numbers parsed as sizes go where they belong. */
	if (m->idle_s)
		m->opt.flow.idle_timeout_ns = (int64_t)m->idle_s * 1000000000LL;
	m->opt.max_reports = m->count;
	m->live.workers = (unsigned)m->workers;
	return CLI_NEXT;
}

/* ---- what the words after the options are, and which run they make ---------- */

struct inputs {
	char **words;          /* after the options */
	int n_words;
	const char **files;    /* the captures to read */
	int n_files;
	const char *filter;    /* for the files; NULL: none */
	bool compare;          /* compare CLIENT_SIDE SERVER_SIDE */
};

/* Files: each -r FILE, and then the words left are a BPF filter (joined),
 * as tcpdump -r reads them; without -r the words are the files. A file's
 * filter drops packets before they are read, so the numbering is the
 * filtered copy's (tcpdump -r IN -w COPY FILTER). */
static int check_files(const struct cli_args *m, const char *joined, struct inputs *in)
{
	int n_filter = m->n_read > 0 ? in->n_words : 0;
	if (n_filter > 0 && m->live.filter) {
		fprintf(stderr, "mtlsdiag: give the filter once: with -f, or after the -r files\n");
		return EXIT_INPUT;
	}
	in->files = m->n_read > 0 ? m->read_paths : (const char **)in->words;
	in->n_files = m->n_read > 0 ? m->n_read : in->n_words;
	in->filter = n_filter > 0 ? joined : m->live.iface ? NULL : m->live.filter;
	if (in->filter && check_file_filter(in->filter, n_filter > 0 ? in->words[0] : NULL) != 0)
		return EXIT_INPUT;
	return CLI_NEXT;
}

/* Live capture: -f, -c, -w, -Z and --workers belong to -i, which takes no
 * files. */
static int check_live(const struct cli_args *m, const struct inputs *in)
{
	const struct live_options *live = &m->live;
	if (live->iface && (in->n_words > 0 || m->n_read > 0)) {
		fprintf(stderr, "mtlsdiag: -i captures live; it takes no capture file ('%s')\n",
			m->n_read > 0 ? m->read_paths[0] : in->words[0]);
		return EXIT_INPUT;
	}
	if (!live->iface && (live->write_path || m->opt.max_reports || live->run_as || live->workers)) {
		fprintf(stderr, "mtlsdiag: %s needs -i (live capture)\n",
			live->write_path ? "-w" : live->run_as ? "-Z" : live->workers ? "--workers" : "-c");
		return EXIT_INPUT;
	}
	if (live->write_path && strcmp(live->write_path, "-") == 0 && !m->opt.output_path) {
		fprintf(stderr, "mtlsdiag: -w -: standard output carries the report; write it elsewhere with -o FILE\n");
		return EXIT_INPUT;
	}
	return CLI_NEXT;
}

/* The compare subcommand, --expect and --annotate, and what they exclude. */
static int check_modes(const struct cli_args *m, struct inputs *in)
{
	char **w = in->words;
	if (!m->live.iface && in->n_files <= 0) {
		fprintf(stderr, "mtlsdiag: no capture file given (try --help)\n");
		return EXIT_INPUT;
	}
	in->compare = m->n_read == 0 && in->n_words > 0 && strcmp(w[0], "compare") == 0;
	if (in->compare && (in->n_words != 3 || m->report.expect_path)) {
		fprintf(stderr, "mtlsdiag: compare takes two captures, CLIENT_SIDE SERVER_SIDE, and no --expect "
				"(try --help)\n");
		return EXIT_INPUT;
	}
	if (in->compare && strcmp(w[1], "-") == 0 && strcmp(w[2], "-") == 0) {
		fprintf(stderr, "mtlsdiag: compare: only one of the two captures can be standard input\n");
		return EXIT_INPUT;
	}
	if (m->opt.format == FORMAT_HTML && m->report.expect_path) {
		fprintf(stderr, "mtlsdiag: --format html is for reports; --expect writes text or JSON\n");
		return EXIT_INPUT;
	}
	/* Two passes over one file: the analysis, then the copy. */
	char aerr[600];
	if (m->annotate_path && annotate_check_run(m->annotate_path, in->n_words, w[0], m->live.iface || in->compare,
						   m->opt.output_path != NULL, aerr, sizeof aerr) != 0) {
		fprintf(stderr, "mtlsdiag: %s\n", aerr);
		return EXIT_INPUT;
	}
	return CLI_NEXT;
}

static int check_inputs(struct cli_args *m, const char *joined, struct inputs *in)
{
	int rc = check_files(m, joined, in);
	if (rc == CLI_NEXT)
		rc = check_live(m, in);
	if (rc != CLI_NEXT)
		return rc;
	m->opt.flow.live = m->live.iface != NULL;
	m->opt.flow.threads = threads_for_run(m->threads > 64 ? 64 : (unsigned)m->threads);
	return check_modes(m, in);
}

/* ---- a run: set-up, the modes, the end ---------------------------------------- */

struct run {
	struct output out;
	struct community_id_hasher cid_hasher; /* out's, when out.cid_hasher is set */
	struct report_stream report;
	struct expect_set *expectations; /* --expect; NULL: none */
	struct trust_store *trust;       /* --trust; NULL: none */
	struct analysis a;
};

/* A capture that may still be growing: standard input, a pipe, a FIFO. */
static bool streamed_input(const struct inputs *in)
{
	for (int i = 0; i < in->n_files; i++) {
		struct stat st;
		if (strcmp(in->files[i], "-") == 0 || (stat(in->files[i], &st) == 0 && !S_ISREG(st.st_mode)))
			return true;
	}
	return false;
}

/* Expectations, trust store, the report's file and colour, the analysis.
 * CLI_NEXT, or EXIT_INPUT with nothing left open. */
static int run_setup(struct cli_args *m, const struct inputs *in, struct run *r)
{
	struct options *opt = &m->opt;
	if (report_args_load(&m->report, opt, &r->expectations, &r->trust) != 0)
		return EXIT_INPUT;
	r->out = (struct output){ .fp = stdout, .format = opt->format, .no_summary = opt->quiet, .community_id_seed = (uint16_t)m->community_id_seed };
	if (opt->output_path) {
		r->out.fp = privs_fopen_report("-o", opt->output_path, 0644);
		if (!r->out.fp) {
			trust_store_free(r->trust);
			expect_free(r->expectations);
			return EXIT_INPUT;
		}
	}
	report_stream_open(&r->report, r->out.fp);
	r->out.fp = r->report.fp;
	/* Someone is waiting for each report: live (where text goes after
	 * every batch of packets, live.c), or a capture streamed in. */
	r->out.flush_each = m->live.iface ? opt->format != FORMAT_TEXT : streamed_input(in);
	r->out.color = report_color(&m->report, opt, !opt->output_path && isatty(STDOUT_FILENO));
	opt->progress = !opt->quiet && isatty(STDERR_FILENO);
	output_use_hasher(&r->out, &r->cid_hasher);
	analysis_init(&r->a, opt, &r->out);
	return CLI_NEXT;
}

/* Keys: --keylog FILE must be readable; $SSLKEYLOGFILE only helps. */
static int load_keys(struct analysis *a, const char *keylog_path)
{
	const char *env_keylog = getenv("SSLKEYLOGFILE");
	if (keylog_path && analyzer_load_keylog(&a->an, keylog_path) != 0)
		return EXIT_INPUT;
	if (!keylog_path && env_keylog && *env_keylog && analyzer_load_keylog(&a->an, env_keylog) != 0)
		fprintf(stderr, "mtlsdiag: SSLKEYLOGFILE not used; going on without keys\n");
	return EXIT_OK;
}

/* The files one after the other; *files counts them, *opened those read. */
static int run_files(struct analysis *a, const struct inputs *in, unsigned *files, unsigned *opened)
{
	int rc = EXIT_OK;
	for (int i = 0; i < in->n_files; i++) {
		bool ok;
		int frc = run_file(a, in->files[i], (*files)++, in->filter, &ok);
		*opened += ok;
		if (frc != EXIT_OK)
			rc = frc;
		if (ferror(a->out->fp))
			break; /* reported at the end */
	}
	return rc;
}

/* The exit status of files or a live capture: with --expect its results
 * decide (an input error stands); otherwise the summary and what was found. */
static int captures_status(const struct options *opt, struct run *r, int rc, unsigned files, unsigned opened)
{
	const struct run_stats *total = &r->a.total;
	if (r->expectations) {
		bool held = expect_report(r->expectations, &r->out, opt->quiet);
		if (rc == EXIT_OK)
			rc = held ? EXIT_OK : EXIT_FINDINGS;
		return rc == EXIT_OK && report_fails(opt, total->worst_severity) ? EXIT_FINDINGS : rc;
	}
	/* A summary of nothing read would only hide the error above. */
	if (!opt->quiet && opened > 0)
		output_run_summary(&r->out, total, files);
	if (rc != EXIT_OK)
		return rc;
	if (total->traffic.tls_conns == 0)
		return EXIT_NO_TLS;
	if (opt->select && total->reported == 0) {
		if (!opt->quiet)
			fprintf(stderr, "mtlsdiag: none of the %llu TLS connections matched --host, --port and --sni\n",
				(unsigned long long)total->traffic.tls_conns);
		return EXIT_NO_TLS;
	}
	return report_fails(opt, total->worst_severity) ? EXIT_FINDINGS : EXIT_OK;
}

/* Files or a live capture; --expect and --annotate collect on the way. */
static int run_captures(struct cli_args *m, struct run *r, const struct inputs *in)
{
	struct analysis *a = &r->a;
	if (r->expectations)
		a->sink = (struct conn_sink){ expect_take, r->expectations };
	struct annotate_sink annotated = { NULL, a->sink, &r->out };
	if (m->annotate_path) {
		annotated.an = annotations_new(ANNOTATE_MAX_BYTES);
		a->sink = (struct conn_sink){ annotate_take, &annotated };
	}
	int rc = EXIT_OK;
	unsigned files = 0, opened = 0;
	if (m->live.iface) {
		files = opened = 1;
		enum live_status ls = live_run(a, &m->live);
		if (ls != LIVE_OK)
			rc = EXIT_INPUT;
		if (ls == LIVE_SETUP_FAILED) {
			a->sink = (struct conn_sink){ NULL, NULL };
			annotations_free(annotated.an);
			return rc;
		}
	} else {
		rc = run_files(a, in, &files, &opened);
	}
	a->sink = (struct conn_sink){ NULL, NULL };
	if (m->annotate_path && opened && annotate_run(annotated.an, in->words[0], m->annotate_path, m->opt.quiet) != 0)
		rc = EXIT_INPUT;
	annotations_free(annotated.an);
	return captures_status(&m->opt, r, rc, files, opened);
}

/* The report ends: rc, or 2 when it could not all be written. */
static int run_finish(const struct cli_args *m, struct run *r, int rc)
{
	output_finish(&r->out);
	output_drop_hasher(&r->out);
	analysis_release(&r->a);
	trust_store_free(r->trust);
	expect_free(r->expectations);
	int write_error = report_stream_close(&r->report);
	FILE *fp = r->report.under;
	if (write_error) {
		fprintf(stderr, "mtlsdiag: writing the report: %s\n", strerror(write_error));
		rc = EXIT_INPUT;
		if (fp != stdout)
			fclose(fp);
	} else if (fp != stdout && fclose(fp) != 0) {
		fprintf(stderr, "mtlsdiag: %s: %s\n", m->opt.output_path, strerror(errno));
		rc = EXIT_INPUT;
	}
	return rc;
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "probe") == 0)
		return probe_main(argc - 1, argv + 1);
	const char *read_paths[argc > 0 ? argc : 1];
	struct cli_args m = { .read_paths = read_paths };
	options_defaults(&m.opt);
	report_args_init(&m.report, "mtlsdiag", FORMAT_HTML);
	int rc = parse_args(&m, argc, argv);
	if (rc != CLI_NEXT)
		return rc;
	if (m.list_findings) { /* after the options: -F may come later */
		bool json = m.opt.format == FORMAT_JSON || m.opt.format == FORMAT_JSON_PRETTY;
		if (findings_list(stdout, json) == 0)
			return EXIT_OK;
		fprintf(stderr, "mtlsdiag: writing the list of findings: %s\n", strerror(errno));
		return EXIT_INPUT;
	}
	struct inputs in = { .words = &argv[optind], .n_words = argc - optind };
	int n_filter = m.n_read > 0 ? in.n_words : 0;
	char joined[n_filter > 0 ? words_length(in.words, n_filter) : 1];
	join_words(in.words, n_filter, joined);
	if ((rc = check_inputs(&m, joined, &in)) != CLI_NEXT)
		return rc;
	struct run r;
	if ((rc = run_setup(&m, &in, &r)) != CLI_NEXT)
		return rc;
	rc = load_keys(&r.a, m.keylog_path);
	if (rc == EXIT_OK && in.compare)
		rc = run_compare(&r.a, in.words[1], in.words[2], in.filter);
	else if (rc == EXIT_OK)
		rc = run_captures(&m, &r, &in);
	return run_finish(&m, &r, rc);
}
