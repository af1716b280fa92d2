/* cmdline.h - what `mtlsdiag` and `mtlsdiag probe` share on the command
 * line: the exit statuses, one table of every long option (cmdline.c; each
 * row names the commands that take it), the option loop, and the options
 * of the report both take alike: -F, -o, -q, --color, --no-color,
 * --fail-on, --expect and --trust. */
#ifndef MTLS_CMDLINE_H
#define MTLS_CMDLINE_H

#include <stdio.h>

#include "cli/analysis.h"

struct expect_set;
struct trust_store;

/* Exit statuses (documented in the man page). */
enum { EXIT_OK = 0, EXIT_FINDINGS = 1, EXIT_INPUT = 2, EXIT_NO_TLS = 3 };

/* What an option handler answers besides an exit status to end with. */
enum {
	CLI_NEXT = -1,     /* taken: on to the next option */
	CLI_NOT_MINE = -2, /* not one of this handler's options */
};

enum cli_command_id { CLI_MAIN = 1, CLI_PROBE = 2 };

/* getopt_long's codes of the long options that have no short letter. */
enum cli_opt {
	/* both commands (--sni: the selection of mtlsdiag, the name probe sends) */
	OPT_COLOR = 256,
	OPT_NO_COLOR,
	OPT_FAIL_ON,
	OPT_EXPECT,
	OPT_TRUST,
	OPT_SNI,
	/* mtlsdiag */
	OPT_MAX_FLOWS,
	OPT_REASM_CAP,
	OPT_MAX_HS,
	OPT_IDLE,
	OPT_KEYLOG,
	OPT_SERVER,
	OPT_CLIENT,
	OPT_HOST,
	OPT_PORT,
	OPT_WORKERS,
	OPT_MAX_MEMORY,
	OPT_MAX_CHAIN,
	OPT_MAX_CA_NAMES,
	OPT_COMMUNITY_ID_SEED,
	OPT_ANNOTATE,
	OPT_THREADS,
	OPT_LIST_FINDINGS,
	/* mtlsdiag probe */
	OPT_CERT,
	OPT_KEY,
	OPT_PFX,
	OPT_PFX_PASS,
	OPT_TLS12,
	OPT_TLS13,
	OPT_H1,
	OPT_H2,
	OPT_CONNECT,
	OPT_CA,
	OPT_TIMEOUT,
	OPT_MAX_BYTES,
	OPT_MATRIX,
	OPT_WRITE_PCAP,
};

/* The report options, as given. */
struct report_args {
	const char *prog;             /* "mtlsdiag" or "mtlsdiag probe": starts each message */
	enum out_format last_format;  /* formats from text up to this one are taken */
	int color;                    /* 1 --color, 0 --no-color, -1 auto */
	const char *expect_path;      /* NULL: no --expect */
	const char *trust_path;       /* NULL: no --trust */
};

void report_args_init(struct report_args *r, const char *prog, enum out_format last_format);

/* Loads --expect and then --trust (opt->trust is set to the store). 0, or
 * -1 with the reason on stderr and nothing kept. */
int report_args_load(const struct report_args *r, struct options *opt, struct expect_set **expectations,
		     struct trust_store **trust);

/* Whether the text report is coloured: --color=always, or auto (the
 * default) with text going to a terminal and NO_COLOR (no-color.org)
 * unset or empty. */
bool report_color(const struct report_args *r, const struct options *opt, bool to_terminal);

/* Whether --fail-on is reached by a finding of severity `worst`. */
bool report_fails(const struct options *opt, int worst);

/* One command: its letters for getopt_long, its own options (ctx is what
 * cli_parse is given) and its usage text. */
struct cli_command {
	enum cli_command_id id;
	const char *shortopts;
	int (*option)(void *ctx, int c, const char *arg);
	void (*usage)(FILE *fp);
};

/* The option loop: a report option goes to r and opt, any other to the
 * command's handler; one neither knows gets the usage on stderr and 2.
 * CLI_NEXT with optind at the first word after the options, or the exit
 * status to end with. */
int cli_parse(const struct cli_command *cmd, void *ctx, struct report_args *r, struct options *opt, int argc,
	      char **argv);

#endif
