/* probe_tap.h - what `mtlsdiag probe` saw on its own connection, kept as
 * the frames a capture of it would hold: every byte libssl sent and
 * received, wrapped in synthesised Ethernet/IP/TCP headers with
 * increasing sequence numbers and the real times, so that the analyzer
 * (reassembly, records, decryption, diagnosis) reads them unchanged, and
 * the same frames can be written out as a pcap file. */
#ifndef MTLS_PROBE_TAP_H
#define MTLS_PROBE_TAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

struct analyzer;

struct probe_endpoint {
	int family;        /* AF_INET or AF_INET6 */
	uint8_t addr[16];  /* network order; IPv4 in the first 4 bytes */
	uint16_t port;     /* host order */
};

/* Payload per synthesised segment; longer writes become several frames. */
#define PROBE_TAP_SEGMENT 16000u

struct probe_tap;

/* NULL when out of memory. max_bytes bounds the payload kept (both
 * directions); past it probe_tap_data refuses. */
struct probe_tap *probe_tap_new(const struct probe_endpoint *client, const struct probe_endpoint *server,
				size_t max_bytes);
void probe_tap_free(struct probe_tap *t);
/* The three-way handshake of a connection that was made. */
int probe_tap_open(struct probe_tap *t, int64_t ts_ns);
/* Bytes of the TCP stream in one direction. -1 when over max_bytes or out
 * of memory (nothing is kept then). */
int probe_tap_data(struct probe_tap *t, bool from_server, const uint8_t *p, size_t n, int64_t ts_ns);
/* The end of one direction: FIN, or RST when reset. */
int probe_tap_close(struct probe_tap *t, bool from_server, bool reset, int64_t ts_ns);

size_t probe_tap_frames(const struct probe_tap *t);
size_t probe_tap_payload_bytes(const struct probe_tap *t, bool from_server);
/* Every frame, in order, through analyzer_frame (LINKTYPE_ETHERNET). */
void probe_tap_feed(const struct probe_tap *t, struct analyzer *a);
/* The frames as a pcap file (Ethernet, nanosecond times) written to fp,
 * which this closes. 0, or -1 with the reason in err. */
int probe_tap_write_pcap(const struct probe_tap *t, FILE *fp, char *err, size_t errsz);

#endif
