/* scenarios.h - the table of sample captures mtlsgen can write. */
#ifndef MTLSGEN_SCENARIOS_H
#define MTLSGEN_SCENARIOS_H

#include <stddef.h>
#include <stdint.h>

#include "pki.h"

/* What every scenario gets: the PKI and where to write. */
struct gen {
	const struct pki *pki;
	const char *outdir;
};

struct scenario {
	const char *name; /* output base name (and the CLI name) */
	int minute;	  /* capture start: PKI base time + this many minutes */
	uint16_t cport;	  /* client port of the first connection */
	int keylog;	  /* also write <name>.keylog */
	int (*run)(const struct gen *g, const struct scenario *sc);
	const char *about; /* one line for `mtlsgen -l` */
};

/* The scenario table, in generation order (NetMon copies come after their sources). */
const struct scenario *scenario_table(size_t *n);

/* The exchanges the bench captures are made of (bench.c). */
enum bench_kind {
	BENCH_TLS12_MUTUAL,  /* as tls12-mutual-ok */
	BENCH_TLS12_NO_CERT, /* as tls12-empty-client-cert: empty Certificate, handshake_failure */
	BENCH_TLS13_MUTUAL,  /* as tls13-client-cert */
	BENCH_KINDS
};
struct conv;
/* Records one real exchange of `kind` into conv (with the client's key log).
 * With response_bytes > 0 (successful kinds only) the server's answer to the
 * request is that many bytes of application data. Returns 0 or -1. */
int scenario_record_bench(const struct gen *g, enum bench_kind kind, size_t response_bytes, struct conv *conv);

#endif
