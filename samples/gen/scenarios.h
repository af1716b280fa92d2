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

#endif
