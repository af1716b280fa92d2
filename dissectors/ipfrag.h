/* ipfrag.h - IPv4/IPv6 fragment reassembly with a memory cap.
 * State is explicit: the caller owns one table and passes it in. */
#ifndef MTLS_IPFRAG_H
#define MTLS_IPFRAG_H

#include <stddef.h>
#include <stdint.h>

#include "ip.h"

struct ipfrag_table;

struct ipfrag_table *ipfrag_table_new(size_t max_bytes, int64_t timeout_ns);
void ipfrag_table_free(struct ipfrag_table *t);

/* Add one fragment (pkt->is_fragment). Returns 1 when the datagram is
 * complete: *out_payload / *out_len then hold the reassembled upper-layer
 * payload, owned by the table and valid until the next call. Returns 0
 * while incomplete, -1 when the fragment is dropped (bad offsets, over the
 * cap). Datagrams older than the timeout are discarded. */
int ipfrag_add(struct ipfrag_table *t, const struct ip_packet *pkt, int64_t ts_ns,
	       const uint8_t **out_payload, size_t *out_len);

size_t ipfrag_bytes_in_use(const struct ipfrag_table *t);

#endif
