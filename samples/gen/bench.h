/* bench.h - the handshake-heavy and bulk captures of `make bench`. */
#ifndef MTLSGEN_BENCH_H
#define MTLSGEN_BENCH_H

#include <stddef.h>

#include "scenarios.h"

/* mode "hs": `amount` connections; "bulk": `amount` megabytes (10^6) of capture.
 * Writes OUT (pcap), OUT.expect and OUT.keylog. Returns 0 or -1. */
int bench_write(const struct gen *g, const char *mode, unsigned long long amount, size_t pool_n, const char *out);

#endif
