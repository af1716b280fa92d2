/* probe.h - `mtlsdiag probe URL`: connect to a live server with OpenSSL,
 * send a real request, follow what the server does (renegotiation,
 * post-handshake request, alerts, HTTP status), and report the
 * connection as if it had been captured: the bytes libssl exchanged are
 * synthesised into frames (probe_tap.h) and read by the analyzer with the
 * session keys from OpenSSL's key log callback. */
#ifndef MTLS_PROBE_H
#define MTLS_PROBE_H

#define PROBE_DEFAULT_TIMEOUT_S 10
#define PROBE_DEFAULT_MAX_BYTES (8u * 1024u * 1024u)

/* argv[0] is "probe". Returns the exit status (as for captures). */
int probe_main(int argc, char **argv);

#endif
