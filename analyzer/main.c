/* main.c - command line: read captures, report TLS connections. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "analyzer.h"
#include "compare.h"
#include "report_stream.h"
#include "diagnose.h"
#include "expect.h"
#include "link.h"
#include "live.h"
#include "output.h"
#include "source.h"
#include "trust.h"

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
		"       mtlsdiag [options] compare CLIENT_SIDE SERVER_SIDE\n"
		"       mtlsdiag [options] -i INTERFACE [-f FILTER] [-c N] [-w FILE]\n"
		"Explain client-certificate (mutual TLS) authentication in packet captures.\n"
		"FILE is a pcap or pcapng capture; '-' reads standard input.\n"
		"compare matches the connections of a capture taken near the client with one taken\n"
		"near the server and reports what one side saw and the other did not.\n"
		"\n"
		"Live capture (needs root or CAP_NET_RAW+CAP_NET_ADMIN; Ctrl-C ends it):\n"
		"  -i, --interface IFACE    capture on IFACE; each connection is reported when it\n"
		"                           ends (FIN/RST, then 2 s), or after --idle-timeout\n"
		"  -f, --filter BPF         capture filter (default '%s')\n"
		"  -c, --count N            stop after N TLS connections are reported\n"
		"  -w, --write FILE         also save the captured packets to FILE (pcap)\n"
		"\n"
		"Output:\n"
		"  -F, --format text|json|json-pretty|html\n"
		"                           text report (default), JSON lines (one object per\n"
		"                           connection), the same objects indented for reading, or\n"
		"                           one self-contained HTML page with handshake diagrams\n"
		"  -o, --output FILE        write the report to FILE instead of standard output\n"
		"      --color              colour the text report even when not on a terminal\n"
		"      --no-color           never colour the text report\n"
		"  -q, --quiet              no summary and no progress display\n"
		"      --fail-on error|warning  exit with status 1 when a connection has a finding\n"
		"                           of this severity or worse (for scripts and CI)\n"
		"      --expect FILE        check the expectations in FILE against the connections and\n"
		"                           report only their results (for CI; format in mtlsdiag(1))\n"
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
		"      --max-memory BYTES   buffers and models of all open connections together\n"
		"                           (default %u); over it the least recently active are\n"
		"                           reported early and dropped\n"
		"      --max-chain N        certificates kept per chain (default and most %u)\n"
		"      --max-ca-names N     CA names kept per CertificateRequest (default %u)\n"
		"\n"
		"  -h, --help               this text\n"
		"  -V, --version            version\n"
		"\n"
		"Exit status: 0 success; 1 a finding reached --fail-on, or an expectation failed; 2 usage or input\n"
		"error (unreadable, not a capture, damaged, a bad expectations file; live: no such interface, no\n"
		"permission, bad filter); 3 no TLS connection found. See mtlsdiag(1).\n",
		LIVE_DEFAULT_FILTER, DEFAULT_MAX_FLOWS, DEFAULT_OOO_CAP, DEFAULT_MAX_HS_MSG, DEFAULT_IDLE_TIMEOUT_S,
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
	if (errno || end == arg || *end || v < min) {
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
static int run_file(struct analyzer *a, const char *path, unsigned index, bool *opened)
{
	char err[512];
	struct source *src = source_open(path, err, sizeof err);
	*opened = src != NULL;
	if (!src) {
		fprintf(stderr, "mtlsdiag: %s: %s\n", path, err);
		return EXIT_INPUT;
	}
	const char *name = strcmp(path, "-") == 0 ? "(stdin)" : path;
	analyzer_begin_file(a, name, index);

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
				progress ? "\r\033[K" : "", name, (unsigned long long)a->frame_no + 1, err);
			rc = EXIT_INPUT;
			break;
		}
		if (!link_type_supported(fr.linktype)) {
			if (warned_link != fr.linktype) {
				fprintf(stderr, "mtlsdiag: %s: frame %llu: link type %d (%s) is not decoded; such frames are skipped\n",
					name, (unsigned long long)a->frame_no + 1, fr.linktype, link_type_name(fr.linktype));
				warned_link = fr.linktype;
			}
		} else {
			decodable++;
		}
		analyzer_frame(a, fr.linktype, fr.data, fr.caplen, fr.wirelen, fr.ts_ns);
		if ((a->frame_no & 0x3fff) == 0 && ferror(a->out->fp))
			break; /* the report cannot be written: main says why */
		if (progress && (a->frame_no & 0x3fff) == 0) {
			double t = now_seconds();
			if (t - last_progress >= 0.5) {
				uint64_t done, total;
				source_progress(src, &done, &total);
				if (total)
					fprintf(stderr, "\r\033[K%s: %3.0f%%, %llu frames, %llu TLS connections", name,
						100.0 * (double)done / (double)total, (unsigned long long)a->frame_no,
						(unsigned long long)a->stats.tls_conns);
				else
					fprintf(stderr, "\r\033[K%s: %llu frames, %llu TLS connections", name,
						(unsigned long long)a->frame_no, (unsigned long long)a->stats.tls_conns);
				last_progress = t;
			}
		}
	}
	if (progress)
		fprintf(stderr, "\r\033[K");
	analyzer_end_file(a);
	if (a->stats.frames > 0 && decodable == 0 && rc == EXIT_OK) {
		fprintf(stderr, "mtlsdiag: %s: no frame has a link type mtlsdiag decodes\n", name);
		rc = EXIT_INPUT;
	} else if (a->stats.tls_conns == 0 && !a->opt.quiet) {
		fprintf(stderr, "mtlsdiag: %s: no TLS connection found (%llu frames, %llu TCP connections)\n", name,
			(unsigned long long)a->stats.frames, (unsigned long long)a->stats.tcp_flows);
	}
	source_close(src);
	return rc;
}

/* compare CLIENT_SIDE SERVER_SIDE: each file is collected (conn_sink), then
 * compare.c matches the two lists and reports. */
static int run_compare(struct analyzer *a, const char *client_path, const char *server_path)
{
	struct conn_list sides[2] = { { 0 }, { 0 } };
	const char *paths[2] = { client_path, server_path };
	int rc = EXIT_OK;
	for (unsigned i = 0; i < 2; i++) {
		a->sink = (struct conn_sink){ conn_list_take, &sides[i] };
		bool opened;
		int frc = run_file(a, paths[i], i, &opened);
		if (frc != EXIT_OK)
			rc = frc;
		sides[i].capture_last_ns = a->now_ns;
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
	enum { OPT_COLOR = 256, OPT_NO_COLOR, OPT_MAX_FLOWS, OPT_REASM_CAP, OPT_MAX_HS, OPT_IDLE, OPT_FAIL_ON, OPT_TRUST, OPT_KEYLOG, OPT_EXPECT, OPT_SERVER, OPT_CLIENT };
	enum { OPT_MAX_MEMORY = 512, OPT_MAX_CHAIN, OPT_MAX_CA_NAMES };
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'F' },
		{ "output", required_argument, NULL, 'o' },
		{ "color", no_argument, NULL, OPT_COLOR },
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
		{ "interface", required_argument, NULL, 'i' },
		{ "filter", required_argument, NULL, 'f' },
		{ "count", required_argument, NULL, 'c' },
		{ "write", required_argument, NULL, 'w' },
		{ "max-memory", required_argument, NULL, OPT_MAX_MEMORY },
		{ "max-chain", required_argument, NULL, OPT_MAX_CHAIN },
		{ "max-ca-names", required_argument, NULL, OPT_MAX_CA_NAMES },
		{ "help", no_argument, NULL, 'h' },
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
	struct live_options live = { 0 };

	while ((c = getopt_long(argc, argv, "F:o:qhVi:f:c:w:", longopts, NULL)) != -1) {
		switch (c) {
		case 'F':
			if (strcmp(optarg, "text") == 0)
				opt.format = FORMAT_TEXT;
			else if (strcmp(optarg, "json") == 0)
				opt.format = FORMAT_JSON;
			else if (strcmp(optarg, "json-pretty") == 0)
				opt.format = FORMAT_JSON_PRETTY;
			else if (strcmp(optarg, "html") == 0)
				opt.format = FORMAT_HTML;
			else {
				fprintf(stderr, "mtlsdiag: --format: '%s' is not text, json, json-pretty or html\n", optarg);
				return EXIT_INPUT;
			}
			break;
		case 'o':
			opt.output_path = optarg;
			break;
		case OPT_COLOR:
			color = 1;
			break;
		case OPT_NO_COLOR:
			color = 0;
			break;
		case 'q':
			opt.quiet = true;
			break;
		case OPT_MAX_FLOWS:
			if (parse_size("--max-flows", optarg, 1, &opt.max_flows))
				return EXIT_INPUT;
			break;
		case OPT_REASM_CAP:
			if (parse_size("--reasm-cap", optarg, 1024, &opt.ooo_cap))
				return EXIT_INPUT;
			break;
		case OPT_MAX_HS:
			if (parse_size("--max-handshake", optarg, 1024, &opt.max_hs_msg))
				return EXIT_INPUT;
			break;
		case OPT_IDLE:
			if (parse_size("--idle-timeout", optarg, 1, &v))
				return EXIT_INPUT;
			opt.idle_timeout_ns = (int64_t)v * 1000000000LL;
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
		case OPT_MAX_MEMORY:
			if (parse_size("--max-memory", optarg, 1024 * 1024, &opt.max_memory))
				return EXIT_INPUT;
			break;
		case OPT_MAX_CHAIN:
			if (parse_size("--max-chain", optarg, 1, &opt.max_chain))
				return EXIT_INPUT;
			if (opt.max_chain > TLS_MAX_CHAIN) {
				fprintf(stderr, "mtlsdiag: --max-chain: at most %u certificates are kept\n", TLS_MAX_CHAIN);
				return EXIT_INPUT;
			}
			break;
		case OPT_MAX_CA_NAMES:
			if (parse_size("--max-ca-names", optarg, 1, &opt.max_ca_names))
				return EXIT_INPUT;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		case 'V':
			printf("mtlsdiag %s\n", MTLSDIAG_VERSION);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_INPUT;
		}
	}
	/* Live capture: -f, -c and -w belong to -i, which takes no files.
	 * (A file's stream numbers must stay Wireshark's, so files are not
	 * filtered here: tcpdump -r IN -w OUT 'FILTER' makes a filtered copy.) */
	if (live.iface && optind < argc) {
		fprintf(stderr, "mtlsdiag: -i captures live; it takes no capture file ('%s')\n", argv[optind]);
		return EXIT_INPUT;
	}
	if (!live.iface && live.filter) {
		fprintf(stderr, "mtlsdiag: -f needs -i (live capture); to filter a file, make a filtered copy with "
				"tcpdump -r IN -w OUT 'FILTER'\n");
		return EXIT_INPUT;
	}
	if (!live.iface && (live.write_path || opt.max_reports)) {
		fprintf(stderr, "mtlsdiag: %s needs -i (live capture)\n", live.write_path ? "-w" : "-c");
		return EXIT_INPUT;
	}
	if (live.write_path && strcmp(live.write_path, "-") == 0 && !opt.output_path) {
		fprintf(stderr, "mtlsdiag: -w -: standard output carries the report; write it elsewhere with -o FILE\n");
		return EXIT_INPUT;
	}
	opt.live = live.iface != NULL;
	if (!live.iface && optind >= argc) {
		fprintf(stderr, "mtlsdiag: no capture file given (try --help)\n");
		return EXIT_INPUT;
	}
	/* Subcommand and --expect (compare.c, expect.c). */
	bool compare = optind < argc && strcmp(argv[optind], "compare") == 0;
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

	struct output out = { .fp = stdout, .format = opt.format };
	if (opt.output_path) {
		out.fp = fopen(opt.output_path, "w");
		if (!out.fp) {
			fprintf(stderr, "mtlsdiag: %s: %s\n", opt.output_path, strerror(errno));
			trust_store_free(trust);
			expect_free(expectations);
			return EXIT_INPUT;
		}
	}
	struct report_stream report;
	report_stream_open(&report, out.fp);
	out.fp = report.fp;
	out.color = color == -1 ? (opt.format == FORMAT_TEXT && !opt.output_path && isatty(STDOUT_FILENO))
				: (color == 1 && opt.format == FORMAT_TEXT);
	opt.progress = !opt.quiet && isatty(STDERR_FILENO);

	struct analyzer a;
	analyzer_init(&a, &opt, &out);
	int rc = EXIT_OK;
	/* Keys: --keylog FILE must be readable; $SSLKEYLOGFILE only helps. */
	const char *env_keylog = getenv("SSLKEYLOGFILE");
	if (keylog_path && analyzer_load_keylog(&a, keylog_path) != 0) {
		expect_free(expectations);
		rc = EXIT_INPUT;
		goto finish;
	} else if (!keylog_path && env_keylog && *env_keylog && analyzer_load_keylog(&a, env_keylog) != 0) {
		fprintf(stderr, "mtlsdiag: SSLKEYLOGFILE not used; going on without keys\n");
	}
	unsigned files = 0, opened_files = 0;
	if (compare) {
		rc = run_compare(&a, argv[optind + 1], argv[optind + 2]);
		goto finish;
	}
	if (expectations)
		a.sink = (struct conn_sink){ expect_take, expectations };
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
	for (int i = optind; i < argc; i++) {
		bool opened;
		int frc = run_file(&a, argv[i], files++, &opened);
		opened_files += opened;
		if (frc != EXIT_OK)
			rc = frc;
		if (ferror(out.fp))
			break; /* reported at the end */
	}
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
	if (rc == EXIT_OK && a.total.tls_conns == 0)
		rc = EXIT_NO_TLS;
	else if (rc == EXIT_OK && opt.fail_on >= 0 && a.total.worst_severity >= opt.fail_on)
		rc = EXIT_FINDINGS;
finish:
	output_finish(&out);
	analyzer_release(&a);
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
