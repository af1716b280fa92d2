/* keylog.h - NSS key log files (SSLKEYLOGFILE), parsed from a buffer.
 *
 * One line per secret: "LABEL <client_random hex> <secret hex>". Labels
 * kept: CLIENT_RANDOM (TLS <= 1.2 master secret, 48 bytes) and the TLS 1.3
 * traffic secrets CLIENT/SERVER_HANDSHAKE_TRAFFIC_SECRET and
 * CLIENT/SERVER_TRAFFIC_SECRET_0 (32 or 48 bytes). EXPORTER_SECRET, the
 * early-data secrets and RSA lines are accepted and not used. Blank lines
 * and '#' comments are skipped. A malformed line is reported to the
 * caller with its number and skipped; the rest of the file still counts.
 * Entries are found by client random (the key log's own index, as in
 * Wireshark). No I/O: the analyzer reads the file. */
#ifndef MTLS_KEYLOG_H
#define MTLS_KEYLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KEYLOG_RANDOM_LEN 32
#define KEYLOG_MASTER_LEN 48
#define KEYLOG_MAX_SECRET 48 /* SHA-384, the largest hash of a TLS 1.3 suite */
#define KEYLOG_MAX_LINE 1024 /* longer lines are reported and skipped */
/* Client randoms kept (about 300 bytes each); lines past that are reported.
 * A browser's key log that was never emptied can hold more than a capture
 * needs: start a fresh one for the capture. */
#define KEYLOG_MAX_ENTRIES (1u << 18)

enum keylog_secret {
	KEYLOG_CLIENT_HS = 0, /* CLIENT_HANDSHAKE_TRAFFIC_SECRET */
	KEYLOG_SERVER_HS,     /* SERVER_HANDSHAKE_TRAFFIC_SECRET */
	KEYLOG_CLIENT_APP,    /* CLIENT_TRAFFIC_SECRET_0 */
	KEYLOG_SERVER_APP,    /* SERVER_TRAFFIC_SECRET_0 */
	KEYLOG_CLIENT_EARLY,  /* CLIENT_EARLY_TRAFFIC_SECRET (0-RTT data) */
	KEYLOG_N_SECRETS,
};

struct keylog_secret_value {
	uint8_t len; /* 0: not in the file */
	uint8_t bytes[KEYLOG_MAX_SECRET];
};

struct keylog_entry {
	uint8_t client_random[KEYLOG_RANDOM_LEN];
	bool has_master;
	uint8_t master[KEYLOG_MASTER_LEN];
	struct keylog_secret_value secrets[KEYLOG_N_SECRETS];
};

struct keylog;

struct keylog_stats {
	size_t lines;	  /* lines read */
	size_t used;	  /* key lines kept */
	size_t ignored;	  /* well-formed lines of labels not used */
	size_t malformed; /* reported and skipped */
	size_t entries;	  /* distinct client randoms */
};

/* Told about each malformed line (1-based number, a reason). */
typedef void (*keylog_error_fn)(void *ctx, size_t line_no, const char *reason);

struct keylog *keylog_new(void);
void keylog_free(struct keylog *kl);
/* Adds the lines of buf (a whole file, or the next part of one that ends
 * at a line end; line numbers continue across calls). Returns the number
 * of key lines kept from this buffer. */
size_t keylog_parse(struct keylog *kl, const uint8_t *buf, size_t len, keylog_error_fn on_error, void *ctx);
const struct keylog_entry *keylog_find(const struct keylog *kl,
				       const uint8_t client_random[KEYLOG_RANDOM_LEN]);
void keylog_get_stats(const struct keylog *kl, struct keylog_stats *out);

#endif
