/* main.c - command line: read captures, report TLS connections. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdint.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/analysis.h"
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
#include "model/trust.h"
#include "diagnosis/compare.h"
#include "output/findings_list.h"
#include "flow/threads.h"

#define MTLSDIAG_VERSION "0.1.0"

/* Exit codes (documented in the man page). */
enum {
	EXIT_OK = 0,
	EXIT_FINDINGS = 1,
	EXIT_INPUT = 2,
	EXIT_NO_TLS = 3,
};

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
		"      --threads N          analyse each file with N worker threads (default 1, at\n"
		"                           most 64), the report the same while no limit above is\n"
		"                           reached; 1 live, with compare, --expect, --annotate or\n"
		"                           -F html\n"
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
		else if (rc == EXIT_OK && a->opt.fail_on >= 0 && res.worst_severity >= a->opt.fail_on)
			rc = EXIT_FINDINGS;
		compare_result_release(&res);
	}
	conn_list_release(&sides[0]);
	conn_list_release(&sides[1]);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "probe") == 0)
		return probe_main(argc - 1, argv + 1);
	enum { OPT_COLOR = 256, OPT_NO_COLOR, OPT_MAX_FLOWS, OPT_REASM_CAP, OPT_MAX_HS, OPT_IDLE, OPT_FAIL_ON, OPT_TRUST, OPT_KEYLOG, OPT_EXPECT, OPT_SERVER, OPT_CLIENT };
	enum { OPT_MAX_MEMORY = 512, OPT_MAX_CHAIN, OPT_MAX_CA_NAMES, OPT_HOST, OPT_PORT, OPT_SNI, OPT_ANNOTATE, OPT_THREADS };
	enum { OPT_COMMUNITY_ID_SEED = 768, OPT_LIST_FINDINGS, OPT_WORKERS };
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'F' },
		{ "output", required_argument, NULL, 'o' },
		{ "color", optional_argument, NULL, OPT_COLOR },
		{ "no-color", no_argument, NULL, OPT_NO_COLOR },
		{ "quiet", no_argument, NULL, 'q' },
		{ "max-flows", required_argument, NULL, OPT_MAX_FLOWS },
		{ "reasm-cap", required_argument, NULL, OPT_REASM_CAP },
		{ "max-handshake", required_argument, NULL, OPT_MAX_HS },
		{ "idle-timeout", required_argument, NULL, OPT_IDLE },
		{ "fail-on", required_argument, NULL, OPT_FAIL_ON },
		{ "trust", required_argument, NULL, OPT_TRUST },
		{ "keylog", required_argument, NULL, OPT_KEYLOG },
		{ "expect", required_argument, NULL, OPT_EXPECT },
		{ "server", required_argument, NULL, OPT_SERVER },
		{ "client", required_argument, NULL, OPT_CLIENT },
		{ "read", required_argument, NULL, 'r' },
		{ "host", required_argument, NULL, OPT_HOST },
		{ "port", required_argument, NULL, OPT_PORT },
		{ "sni", required_argument, NULL, OPT_SNI },
		{ "interface", required_argument, NULL, 'i' },
		{ "filter", required_argument, NULL, 'f' },
		{ "count", required_argument, NULL, 'c' },
		{ "write", required_argument, NULL, 'w' },
		{ "user", required_argument, NULL, 'Z' },
		{ "workers", required_argument, NULL, OPT_WORKERS },
		{ "max-memory", required_argument, NULL, OPT_MAX_MEMORY },
		{ "max-chain", required_argument, NULL, OPT_MAX_CHAIN },
		{ "max-ca-names", required_argument, NULL, OPT_MAX_CA_NAMES },
		{ "community-id-seed", required_argument, NULL, OPT_COMMUNITY_ID_SEED },
		{ "annotate", required_argument, NULL, OPT_ANNOTATE },
		{ "threads", required_argument, NULL, OPT_THREADS },
		{ "help", no_argument, NULL, 'h' },
		{ "list-findings", no_argument, NULL, OPT_LIST_FINDINGS },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct options opt;
	options_defaults(&opt);
	int color = -1, c;
	const char *keylog_path = NULL;
	size_t v;
	const char *trust_path = NULL;
	const char *expect_path = NULL;
	const char *annotate_path = NULL;
	struct live_options live = { 0 };
	const char *read_paths[argc > 0 ? argc : 1]; /* -r FILE, in order */
	int n_read = 0;
	struct conn_select select = { 0 };
	char serr[160];
	size_t community_id_seed = 0;
	bool list_findings = false;
	size_t threads = 0;

	while ((c = getopt_long(argc, argv, "F:o:qhVi:f:c:w:Z:r:", longopts, NULL)) != -1) {
		switch (c) {
		case 'F':
			if (strcmp(optarg, "text") == 0)
				opt.format = FORMAT_TEXT;
			else if (strcmp(optarg, "json") == 0)
				opt.format = FORMAT_JSON;
			else if (strcmp(optarg, "json-pretty") == 0)
				opt.format = FORMAT_JSON_PRETTY;
			else if (strcmp(optarg, "ecs") == 0)
				opt.format = FORMAT_ECS;
			else if (strcmp(optarg, "html") == 0)
				opt.format = FORMAT_HTML;
			else {
				fprintf(stderr, "mtlsdiag: --format: '%s' is not text, json, json-pretty, ecs or html\n", optarg);
				return EXIT_INPUT;
			}
			break;
		case 'o':
			opt.output_path = optarg;
			break;
		case OPT_COLOR:
			if (!optarg || strcmp(optarg, "always") == 0)
				color = 1;
			else if (strcmp(optarg, "never") == 0)
				color = 0;
			else if (strcmp(optarg, "auto") == 0)
				color = -1;
			else {
				fprintf(stderr, "mtlsdiag: --color: '%s' is not auto, always or never\n", optarg);
				return EXIT_INPUT;
			}
			break;
		case OPT_NO_COLOR:
			color = 0;
			break;
		case 'q':
			opt.quiet = true;
			break;
		case OPT_MAX_FLOWS:
			if (parse_size("--max-flows", optarg, 1, &opt.flow.max_flows))
				return EXIT_INPUT;
			break;
		case OPT_REASM_CAP:
			if (parse_size("--reasm-cap", optarg, 1024, &opt.flow.ooo_cap))
				return EXIT_INPUT;
			break;
		case OPT_MAX_HS:
			if (parse_size("--max-handshake", optarg, 1024, &opt.flow.max_hs_msg))
				return EXIT_INPUT;
			break;
		case OPT_IDLE:
			if (parse_size("--idle-timeout", optarg, 1, &v))
				return EXIT_INPUT;
			opt.flow.idle_timeout_ns = (int64_t)v * 1000000000LL;
			break;
		case OPT_FAIL_ON:
			if (strcmp(optarg, "error") == 0)
				opt.fail_on = SEV_ERROR;
			else if (strcmp(optarg, "warning") == 0)
				opt.fail_on = SEV_WARNING;
			else {
				fprintf(stderr, "mtlsdiag: --fail-on: '%s' is not error or warning\n", optarg);
				return EXIT_INPUT;
			}
			break;
		case OPT_TRUST:
			trust_path = optarg;
			break;
		case OPT_KEYLOG:
			keylog_path = optarg;
			break;
		case OPT_EXPECT:
			expect_path = optarg;
			break;
		case OPT_SERVER:
			if (parse_kind("--server", optarg, true, &opt.diagnose.stack))
				return EXIT_INPUT;
			break;
		case OPT_CLIENT:
			if (parse_kind("--client", optarg, false, &opt.diagnose.stack))
				return EXIT_INPUT;
			break;
		case 'r':
			read_paths[n_read++] = optarg;
			break;
		case OPT_HOST:
		case OPT_PORT:
		case OPT_SNI:
			if ((c == OPT_HOST ? conn_select_add_host(&select, optarg, serr, sizeof serr)
			     : c == OPT_PORT ? conn_select_add_port(&select, optarg, serr, sizeof serr)
					     : conn_select_add_sni(&select, optarg, serr, sizeof serr)) != 0) {
				fprintf(stderr, "mtlsdiag: %s\n", serr);
				return EXIT_INPUT;
			}
			opt.select = &select;
			break;
		/* live capture */
		case 'i':
			live.iface = optarg;
			break;
		case 'f':
			live.filter = optarg;
			break;
		case 'c':
			if (parse_size("--count", optarg, 1, &v))
				return EXIT_INPUT;
			opt.max_reports = v;
			break;
		case 'w':
			live.write_path = optarg;
			break;
		case 'Z':
			live.run_as = optarg;
			break;
		case OPT_WORKERS:
			if (parse_size("--workers", optarg, 1, &v))
				return EXIT_INPUT;
			if (v > LIVE_MAX_WORKERS) {
				fprintf(stderr, "mtlsdiag: --workers: at most %u\n", LIVE_MAX_WORKERS);
				return EXIT_INPUT;
			}
			live.workers = (unsigned)v;
			break;
		case OPT_MAX_MEMORY:
			if (parse_size("--max-memory", optarg, 1024 * 1024, &opt.flow.max_memory))
				return EXIT_INPUT;
			break;
		case OPT_MAX_CHAIN:
			if (parse_size("--max-chain", optarg, 1, &opt.flow.max_chain))
				return EXIT_INPUT;
			if (opt.flow.max_chain > TLS_MAX_CHAIN) {
				fprintf(stderr, "mtlsdiag: --max-chain: at most %u certificates are kept\n", TLS_MAX_CHAIN);
				return EXIT_INPUT;
			}
			break;
		case OPT_MAX_CA_NAMES:
			if (parse_size("--max-ca-names", optarg, 1, &opt.flow.max_ca_names))
				return EXIT_INPUT;
			break;
		case OPT_COMMUNITY_ID_SEED:
			if (parse_size("--community-id-seed", optarg, 0, &community_id_seed))
				return EXIT_INPUT;
			if (community_id_seed > UINT16_MAX) {
				fprintf(stderr, "mtlsdiag: --community-id-seed: '%s' is not a number from 0 to 65535\n", optarg);
				return EXIT_INPUT;
			}
			break;
		case OPT_ANNOTATE:
			annotate_path = optarg;
			break;
		case OPT_THREADS:
			if (parse_size("--threads", optarg, 1, &threads))
				return EXIT_INPUT;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		case 'V':
			printf("mtlsdiag %s\n", MTLSDIAG_VERSION);
			return EXIT_OK;
		case OPT_LIST_FINDINGS:
			list_findings = true;
			break;
		default:
			usage(stderr);
			return EXIT_INPUT;
		}
	}
	if (list_findings) { /* after the loop: -F may come later */
		bool json = opt.format == FORMAT_JSON || opt.format == FORMAT_JSON_PRETTY;
		return findings_list(stdout, json) == 0 ? EXIT_OK : EXIT_INPUT;
	}
	/* Files: each -r FILE, and then the words left are a BPF filter, as
	 * tcpdump -r reads them; without -r the words are the files. A file's
	 * filter drops packets before they are read, so the numbering is the
	 * filtered copy's (tcpdump -r IN -w COPY FILTER). */
	int n_words = n_read > 0 ? argc - optind : 0;
	char joined_filter[n_words > 0 ? words_length(&argv[optind], n_words) : 1];
	join_words(&argv[optind], n_words, joined_filter);
	if (n_words > 0 && live.filter) {
		fprintf(stderr, "mtlsdiag: give the filter once: with -f, or after the -r files\n");
		return EXIT_INPUT;
	}
	const char **files_v = n_read > 0 ? read_paths : (const char **)&argv[optind];
	int n_files = n_read > 0 ? n_read : argc - optind;
	const char *file_filter = n_words > 0 ? joined_filter : live.iface ? NULL : live.filter;
	if (file_filter && check_file_filter(file_filter, n_words > 0 ? argv[optind] : NULL) != 0)
		return EXIT_INPUT;
	/* Live capture: -f, -c and -w belong to -i, which takes no files. */
	if (live.iface && (optind < argc || n_read > 0)) {
		fprintf(stderr, "mtlsdiag: -i captures live; it takes no capture file ('%s')\n",
			n_read > 0 ? read_paths[0] : argv[optind]);
		return EXIT_INPUT;
	}
	if (!live.iface && (live.write_path || opt.max_reports || live.run_as || live.workers)) {
		fprintf(stderr, "mtlsdiag: %s needs -i (live capture)\n",
			live.write_path ? "-w" : live.run_as ? "-Z" : live.workers ? "--workers" : "-c");
		return EXIT_INPUT;
	}
	if (live.write_path && strcmp(live.write_path, "-") == 0 && !opt.output_path) {
		fprintf(stderr, "mtlsdiag: -w -: standard output carries the report; write it elsewhere with -o FILE\n");
		return EXIT_INPUT;
	}
	opt.flow.live = live.iface != NULL;
	opt.flow.threads = threads_for_run(threads > 64 ? 64 : (unsigned)threads);
	if (!live.iface && n_files <= 0) {
		fprintf(stderr, "mtlsdiag: no capture file given (try --help)\n");
		return EXIT_INPUT;
	}
	/* Subcommand and --expect (compare.c, expect.c). */
	bool compare = n_read == 0 && optind < argc && strcmp(argv[optind], "compare") == 0;
	if (compare && (argc - optind != 3 || expect_path)) {
		fprintf(stderr, "mtlsdiag: compare takes two captures, CLIENT_SIDE SERVER_SIDE, and no --expect "
				"(try --help)\n");
		return EXIT_INPUT;
	}
	if (compare && strcmp(argv[optind + 1], "-") == 0 && strcmp(argv[optind + 2], "-") == 0) {
		fprintf(stderr, "mtlsdiag: compare: only one of the two captures can be standard input\n");
		return EXIT_INPUT;
	}
	if (opt.format == FORMAT_HTML && expect_path) {
		fprintf(stderr, "mtlsdiag: --format html is for reports; --expect writes text or JSON\n");
		return EXIT_INPUT;
	}
	if (annotate_path) {
		/* Two passes over one file: the analysis, then the copy. */
		char aerr[600];
		if (annotate_check_run(annotate_path, argc - optind, argv[optind], live.iface || compare,
				       opt.output_path != NULL, aerr, sizeof aerr) != 0) {
			fprintf(stderr, "mtlsdiag: %s\n", aerr);
			return EXIT_INPUT;
		}
	}
	struct expect_set *expectations = NULL;
	if (expect_path) {
		char err[600];
		expectations = expect_load(expect_path, err, sizeof err);
		if (!expectations) {
			fprintf(stderr, "mtlsdiag: %s\n", err);
			return EXIT_INPUT;
		}
	}

	struct trust_store *trust = NULL;
	if (trust_path) {
		char terr[256];
		trust = trust_store_load(trust_path, terr, sizeof terr);
		if (!trust) {
			fprintf(stderr, "mtlsdiag: --trust %s: %s\n", trust_path, terr);
			expect_free(expectations);
			return EXIT_INPUT;
		}
		opt.trust = trust;
	}

	struct output out = { .fp = stdout, .format = opt.format, .community_id_seed = (uint16_t)community_id_seed };
	if (opt.output_path) {
		out.fp = privs_fopen_report("-o", opt.output_path, 0644);
		if (!out.fp) {
			trust_store_free(trust);
			expect_free(expectations);
			return EXIT_INPUT;
		}
	}
	struct report_stream report;
	report_stream_open(&report, out.fp);
	out.fp = report.fp;
	/* NO_COLOR (no-color.org): any non-empty value turns off the automatic
	 * colour; --color=always still forces it. */
	const char *no_color = getenv("NO_COLOR");
	out.color = color == -1 ? (opt.format == FORMAT_TEXT && !opt.output_path && isatty(STDOUT_FILENO) &&
				   !(no_color && *no_color))
				: (color == 1 && opt.format == FORMAT_TEXT);
	opt.progress = !opt.quiet && isatty(STDERR_FILENO);

	struct analysis a;
	analysis_init(&a, &opt, &out);
	int rc = EXIT_OK;
	/* Keys: --keylog FILE must be readable; $SSLKEYLOGFILE only helps. */
	const char *env_keylog = getenv("SSLKEYLOGFILE");
	if (keylog_path && analyzer_load_keylog(&a.an, keylog_path) != 0) {
		expect_free(expectations);
		rc = EXIT_INPUT;
		goto finish;
	} else if (!keylog_path && env_keylog && *env_keylog && analyzer_load_keylog(&a.an, env_keylog) != 0) {
		fprintf(stderr, "mtlsdiag: SSLKEYLOGFILE not used; going on without keys\n");
	}
	unsigned files = 0, opened_files = 0;
	if (compare) {
		rc = run_compare(&a, argv[optind + 1], argv[optind + 2], file_filter);
		goto finish;
	}
	if (expectations)
		a.sink = (struct conn_sink){ expect_take, expectations };
	struct annotate_sink annotated = { NULL, a.sink, &out };
	if (annotate_path) {
		annotated.an = annotations_new(ANNOTATE_MAX_BYTES);
		a.sink = (struct conn_sink){ annotate_take, &annotated };
	}
	if (live.iface) {
		files = opened_files = 1;
		enum live_status ls = live_run(&a, &live);
		if (ls == LIVE_SETUP_FAILED) {
			expect_free(expectations);
			rc = EXIT_INPUT;
			goto finish;
		}
		if (ls == LIVE_CAPTURE_FAILED)
			rc = EXIT_INPUT;
	}
	for (int i = 0; !live.iface && i < n_files; i++) {
		bool opened;
		int frc = run_file(&a, files_v[i], files++, file_filter, &opened);
		opened_files += opened;
		if (frc != EXIT_OK)
			rc = frc;
		if (ferror(out.fp))
			break; /* reported at the end */
	}
	if (annotate_path && opened_files && annotate_run(annotated.an, argv[optind], annotate_path, opt.quiet) != 0)
		rc = EXIT_INPUT;
	annotations_free(annotated.an);
	if (expectations) {
		/* An input error (2) stands; otherwise the expectations decide. */
		bool held = expect_report(expectations, &out, opt.quiet);
		expect_free(expectations);
		if (rc == EXIT_OK)
			rc = held ? EXIT_OK : EXIT_FINDINGS;
		if (rc == EXIT_OK && opt.fail_on >= 0 && a.total.worst_severity >= opt.fail_on)
			rc = EXIT_FINDINGS;
		goto finish;
	}
	/* A summary of nothing read would only hide the error above. */
	if (!opt.quiet && opened_files > 0)
		output_run_summary(&out, &a.total, files);
	if (rc == EXIT_OK && a.total.traffic.tls_conns == 0) {
		rc = EXIT_NO_TLS;
	} else if (rc == EXIT_OK && opt.select && a.total.reported == 0) {
		if (!opt.quiet)
			fprintf(stderr, "mtlsdiag: none of the %llu TLS connections matched --host, --port and --sni\n",
				(unsigned long long)a.total.traffic.tls_conns);
		rc = EXIT_NO_TLS;
	}
	else if (rc == EXIT_OK && opt.fail_on >= 0 && a.total.worst_severity >= opt.fail_on)
		rc = EXIT_FINDINGS;
finish:
	output_finish(&out);
	analysis_release(&a);
	trust_store_free(trust);
	int write_error = report_stream_close(&report);
	out.fp = report.under;
	if (write_error) {
		fprintf(stderr, "mtlsdiag: writing the report: %s\n", strerror(write_error));
		rc = EXIT_INPUT;
		if (out.fp != stdout)
			fclose(out.fp);
	} else if (out.fp != stdout && fclose(out.fp) != 0) {
		fprintf(stderr, "mtlsdiag: %s: %s\n", opt.output_path, strerror(errno));
		rc = EXIT_INPUT;
	}
	return rc;
}
