/* main.c - mtlsgen: write the sample captures (see samples/README.md). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/pem.h>

#include "bench.h"
#include "pki.h"
#include "scenarios.h"

/* 2026-03-02T10:00:00Z: every capture and certificate validity is relative to it. */
#define MTLSGEN_BASE_TIME ((time_t)1772445600)

static void usage(FILE *f)
{
	fprintf(f, "usage: mtlsgen OUTDIR [SCENARIO...]   write all (or the named) sample captures\n"
		   "       mtlsgen -l                       list the scenarios\n"
		   "       mtlsgen --bench hs N OUT.pcap [POOL]      N connections (handshake-heavy)\n"
		   "       mtlsgen --bench bulk MB OUT.pcap [POOL]   MB megabytes of bulk transfers\n"
		   "                                        (replays of POOL real exchanges, see bench.c)\n");
}

static int write_trust_root(const char *dir, const struct pki *pki)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/trust", dir);
	if (mkdir(path, 0777) != 0 && errno != EEXIST) {
		perror(path);
		return -1;
	}
	snprintf(path, sizeof path, "%s/trust/example-root.pem", dir);
	FILE *fp = fopen(path, "w");
	if (!fp || !PEM_write_X509(fp, pki->root.cert)) {
		perror(path);
		if (fp)
			fclose(fp);
		return -1;
	}
	printf("%-44s (the root CA, PEM)\n", path);
	return fclose(fp);
}

int main(int argc, char **argv)
{
	size_t n = 0;
	const struct scenario *tab = scenario_table(&n);

	if (argc >= 2 && strcmp(argv[1], "-l") == 0) {
		for (size_t i = 0; i < n; i++)
			printf("%-34s %s\n", tab[i].name, tab[i].about);
		return 0;
	}
	if (argc >= 2 && strcmp(argv[1], "--bench") == 0) {
		if (argc < 5 || argc > 6) {
			usage(stderr);
			return 2;
		}
		char *end;
		unsigned long long amount = strtoull(argv[3], &end, 10);
		size_t pool_n = argc == 6 ? (size_t)strtoull(argv[5], NULL, 10) : (strcmp(argv[2], "bulk") ? 48 : 32);
		if (*end) {
			fprintf(stderr, "mtlsgen: --bench: '%s' is not a number\n", argv[3]);
			return 2;
		}
		struct pki *pki = pki_new(MTLSGEN_BASE_TIME);
		if (!pki)
			return 1;
		const struct gen g = {pki, "."};
		int rc = bench_write(&g, argv[2], amount, pool_n, argv[4]);
		if (rc != 0)
			ERR_print_errors_fp(stderr);
		pki_free(pki);
		return rc ? 1 : 0;
	}
	if (argc < 2 || argv[1][0] == '-') {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	/* Names are checked before the (slow) PKI is built. */
	for (int a = 2; a < argc; a++) {
		size_t i = 0;
		while (i < n && strcmp(tab[i].name, argv[a]) != 0)
			i++;
		if (i == n) {
			fprintf(stderr, "mtlsgen: unknown scenario '%s' (try -l)\n", argv[a]);
			return 2;
		}
	}
	if (mkdir(argv[1], 0777) != 0) {
		struct stat st;
		if (stat(argv[1], &st) != 0 || !S_ISDIR(st.st_mode)) {
			perror(argv[1]);
			return 1;
		}
	}

	struct pki *pki = pki_new(MTLSGEN_BASE_TIME);
	if (!pki)
		return 1;
	const struct gen g = {pki, argv[1]};
	int failed = 0;
	for (size_t i = 0; i < n; i++) {
		int wanted = argc == 2;
		for (int a = 2; a < argc && !wanted; a++)
			wanted = strcmp(tab[i].name, argv[a]) == 0;
		if (!wanted)
			continue;
		if (tab[i].run(&g, &tab[i]) != 0) {
			fprintf(stderr, "mtlsgen: scenario %s failed\n", tab[i].name);
			ERR_print_errors_fp(stderr);
			failed++;
		}
		ERR_clear_error();
	}
	/* The root every sample's server trusts, for `mtlsdiag --trust`; only a full
	 * run writes it, so it always matches the captures beside it. */
	if (argc == 2 && write_trust_root(argv[1], pki) != 0)
		failed++;
	pki_free(pki);
	return failed ? 1 : 0;
}
