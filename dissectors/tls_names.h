/* tls_names.h - name tables: versions, handshake types, alerts, suites. */
#ifndef MTLS_TLS_NAMES_H
#define MTLS_TLS_NAMES_H

#include <stdint.h>

struct tok {
	unsigned value;
	const char *name;
};

/* The name for v, or NULL. */
const char *tok_lookup(const struct tok *table, unsigned v);

/* Never NULL: "TLS 1.2", "SSL 3.0", "TLS 1.3 (draft 23)", "0x7a7a". buf
 * must hold 32 bytes; the result is either a constant or buf. */
const char *tls_version_name(uint16_t v, char buf[32]);
const char *tls_hs_type_name(uint8_t type);          /* "unknown" when unknown */
/* As tls_hs_type_name, but an unknown type keeps its number:
 * "handshake_type_99" (in buf, which must hold 24 bytes). */
const char *tls_hs_type_label(uint8_t type, char buf[24]);
/* Alert descriptions by name: TLS_ALERT_UNKNOWN_CA, ... */
#define ALERT(value, NAME, name) TLS_ALERT_##NAME = value,
enum tls_alert_description {
#include "tls_alerts.def"
};
#undef ALERT
enum tls_alert_level { TLS_ALERT_LEVEL_WARNING = 1, TLS_ALERT_LEVEL_FATAL = 2 };
const char *tls_alert_name(uint8_t description);     /* "unknown" */
const char *tls_alert_level_name(uint8_t level);     /* "warning", "fatal", "unknown" */
const char *tls_content_type_name(uint8_t type);
const char *tls_cert_type_name(uint8_t type);        /* "rsa_sign" ... */
const char *tls_sig_alg_name(uint16_t alg);          /* "rsa_pss_rsae_sha256" or NULL */
const char *tls_cipher_suite_name(uint16_t suite);   /* IANA name or NULL */

#endif
