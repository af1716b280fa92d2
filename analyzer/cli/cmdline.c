/* cmdline.c - the command line both commands share (cmdline.h). */
#include "cli/cmdline.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli/expect.h"
#include "model/trust.h"

#define M CLI_MAIN
#define P CLI_PROBE

/* Every long option of both commands. getopt_long lists an ambiguous
 * abbreviation's candidates in table order, so options sharing a prefix
 * stay in the order the commands have always had. */
static const struct cli_longopt {
	const char *name;
	int has_arg;
	int code;
	unsigned commands;
} longopts[] = {
	{ "cert", required_argument, OPT_CERT, P },
	{ "key", required_argument, OPT_KEY, P },
	{ "pfx", required_argument, OPT_PFX, P },
	{ "pfx-pass", required_argument, OPT_PFX_PASS, P },
	{ "tls1.2", no_argument, OPT_TLS12, P },
	{ "tls1.3", no_argument, OPT_TLS13, P },
	{ "http1.1", no_argument, OPT_H1, P },
	{ "http2", no_argument, OPT_H2, P },
	{ "sni", required_argument, OPT_SNI, P },
	{ "connect", required_argument, OPT_CONNECT, P },
	{ "ca", required_argument, OPT_CA, P },
	{ "timeout", required_argument, OPT_TIMEOUT, P },
	{ "max-bytes", required_argument, OPT_MAX_BYTES, P },
	{ "matrix", no_argument, OPT_MATRIX, P },
	{ "write-pcap", required_argument, OPT_WRITE_PCAP, P },
	{ "format", required_argument, 'F', M | P },
	{ "output", required_argument, 'o', M | P },
	{ "quiet", no_argument, 'q', M | P },
	{ "color", optional_argument, OPT_COLOR, M | P },
	{ "no-color", no_argument, OPT_NO_COLOR, M | P },
	{ "fail-on", required_argument, OPT_FAIL_ON, M | P },
	{ "expect", required_argument, OPT_EXPECT, M | P },
	{ "trust", required_argument, OPT_TRUST, M | P },
	{ "max-flows", required_argument, OPT_MAX_FLOWS, M },
	{ "reasm-cap", required_argument, OPT_REASM_CAP, M },
	{ "max-handshake", required_argument, OPT_MAX_HS, M },
	{ "idle-timeout", required_argument, OPT_IDLE, M },
	{ "keylog", required_argument, OPT_KEYLOG, M },
	{ "server", required_argument, OPT_SERVER, M },
	{ "client", required_argument, OPT_CLIENT, M },
	{ "read", required_argument, 'r', M },
	{ "host", required_argument, OPT_HOST, M },
	{ "port", required_argument, OPT_PORT, M },
	{ "sni", required_argument, OPT_SNI, M },
	{ "interface", required_argument, 'i', M },
	{ "filter", required_argument, 'f', M },
	{ "count", required_argument, 'c', M },
	{ "write", required_argument, 'w', M },
	{ "user", required_argument, 'Z', M },
	{ "workers", required_argument, OPT_WORKERS, M },
	{ "max-memory", required_argument, OPT_MAX_MEMORY, M },
	{ "max-chain", required_argument, OPT_MAX_CHAIN, M },
	{ "max-ca-names", required_argument, OPT_MAX_CA_NAMES, M },
	{ "community-id-seed", required_argument, OPT_COMMUNITY_ID_SEED, M },
	{ "annotate", required_argument, OPT_ANNOTATE, M },
	{ "threads", required_argument, OPT_THREADS, M },
	{ "help", no_argument, 'h', M | P },
	{ "list-findings", no_argument, OPT_LIST_FINDINGS, M },
	{ "version", no_argument, 'V', M },
};

#define N_LONGOPTS (sizeof longopts / sizeof longopts[0])

/* The rows of one command, for getopt_long, ending in a zero row. */
static void command_longopts(enum cli_command_id id, struct option out[N_LONGOPTS + 1])
{
	size_t n = 0;
	for (size_t i = 0; i < N_LONGOPTS; i++)
		if (longopts[i].commands & id)
			out[n++] = (struct option){ longopts[i].name, longopts[i].has_arg, NULL, longopts[i].code };
	out[n] = (struct option){ NULL, 0, NULL, 0 };
}

/* In the order of enum out_format. */
static const char *const format_names[] = { "text", "json", "json-pretty", "ecs", "html" };

void report_args_init(struct report_args *r, const char *prog, enum out_format last_format)
{
	*r = (struct report_args){ .prog = prog, .last_format = last_format, .color = -1 };
}

/* -F NAME, of the formats the command writes; a wrong name is answered
 * with the list of right ones. */
static int parse_format(const struct report_args *r, const char *arg, enum out_format *format)
{
	for (int f = FORMAT_TEXT; f <= (int)r->last_format; f++) {
		if (strcmp(arg, format_names[f]) == 0) {
			*format = (enum out_format)f;
			return CLI_NEXT;
		}
	}
	fprintf(stderr, "%s: --format: '%s' is not ", r->prog, arg);
	for (int f = FORMAT_TEXT; f <= (int)r->last_format; f++)
		fprintf(stderr, "%s%s", f == FORMAT_TEXT ? "" : f == (int)r->last_format ? " or " : ", ", format_names[f]);
	fprintf(stderr, "\n");
	return EXIT_INPUT;
}

/* --color[=WHEN]; without WHEN: always. */
static int parse_color(struct report_args *r, const char *arg)
{
	if (!arg || strcmp(arg, "always") == 0)
		r->color = 1;
	else if (strcmp(arg, "never") == 0)
		r->color = 0;
	else if (strcmp(arg, "auto") == 0)
		r->color = -1;
	else {
		fprintf(stderr, "%s: --color: '%s' is not auto, always or never\n", r->prog, arg);
		return EXIT_INPUT;
	}
	return CLI_NEXT;
}

bool report_color(const struct report_args *r, const struct options *opt, bool to_terminal)
{
	if (opt->format != FORMAT_TEXT || r->color == 0)
		return false;
	if (r->color == 1)
		return true;
	const char *no_color = getenv("NO_COLOR");
	return to_terminal && !(no_color && *no_color);
}

static int parse_fail_on(const struct report_args *r, const char *arg, int *fail_on)
{
	if (strcmp(arg, "error") == 0)
		*fail_on = SEV_ERROR;
	else if (strcmp(arg, "warning") == 0)
		*fail_on = SEV_WARNING;
	else {
		fprintf(stderr, "%s: --fail-on: '%s' is not error or warning\n", r->prog, arg);
		return EXIT_INPUT;
	}
	return CLI_NEXT;
}

static int report_option(struct report_args *r, struct options *opt, int c, const char *arg)
{
	switch (c) {
	case 'F':
		return parse_format(r, arg, &opt->format);
	case 'o':
		opt->output_path = arg;
		break;
	case 'q':
		opt->quiet = true;
		break;
	case OPT_COLOR:
		return parse_color(r, arg);
	case OPT_NO_COLOR:
		r->color = 0;
		break;
	case OPT_FAIL_ON:
		return parse_fail_on(r, arg, &opt->fail_on);
	case OPT_EXPECT:
		r->expect_path = arg;
		break;
	case OPT_TRUST:
		r->trust_path = arg;
		break;
	default:
		return CLI_NOT_MINE;
	}
	return CLI_NEXT;
}

int cli_parse(const struct cli_command *cmd, void *ctx, struct report_args *r, struct options *opt, int argc,
	      char **argv)
{
	struct option table[N_LONGOPTS + 1];
	command_longopts(cmd->id, table);
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, cmd->shortopts, table, NULL)) != -1) {
		int rc = report_option(r, opt, c, optarg);
		if (rc == CLI_NOT_MINE)
			rc = cmd->option(ctx, c, optarg);
		if (rc == CLI_NOT_MINE) {
			cmd->usage(stderr);
			return EXIT_INPUT;
		}
		if (rc != CLI_NEXT)
			return rc;
	}
	return CLI_NEXT;
}

int report_args_load(const struct report_args *r, struct options *opt, struct expect_set **expectations,
		     struct trust_store **trust)
{
	*expectations = NULL;
	*trust = NULL;
	if (r->expect_path) {
		char err[600];
		*expectations = expect_load(r->expect_path, err, sizeof err);
		if (!*expectations) {
			fprintf(stderr, "mtlsdiag: %s\n", err);
			return -1;
		}
	}
	if (r->trust_path) {
		char terr[256];
		*trust = trust_store_load(r->trust_path, terr, sizeof terr);
		if (!*trust) {
			fprintf(stderr, "%s: --trust %s: %s\n", r->prog, r->trust_path, terr);
			expect_free(*expectations);
			*expectations = NULL;
			return -1;
		}
		opt->trust = *trust;
	}
	return 0;
}

bool report_fails(const struct options *opt, int worst)
{
	return opt->fail_on >= 0 && worst >= opt->fail_on;
}
