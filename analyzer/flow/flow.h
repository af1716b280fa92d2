/* flow.h - the flow table: TCP segments to reassembled streams, TLS
 * connections found in them, finished ones to the report queue. */
#ifndef MTLS_FLOW_H
#define MTLS_FLOW_H

#include <stddef.h>
#include <stdint.h>

#include "flow/analyzer.h"

struct ip_packet;
/* A TCP segment after IP (and fragment reassembly). */
void flow_segment(struct analyzer *a, const struct ip_packet *ip, const uint8_t *tcp, size_t len, size_t wire_len);
void flow_table_flush(struct analyzer *a, enum conn_end why);
void flow_expire_idle(struct analyzer *a);

#endif
