/* fuzz_tls_stream.c - the TLS record layer, handshake message reassembly
 * and every handshake dissector, as the analyzer drives them: both sides
 * of one connection through conn_feed/conn_gap, then conn_finish and the
 * diagnosis over the model that came out.
 *
 * Input: byte 0 picks the handshake message limit (bits 0-1) and which
 * sides began before the capture (bit 2 client, bit 3 server: their
 * record framing must be found first, as on a midstream flow); then
 * what TCP delivered as chunks (chunks.h). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model/conn.h"
#include "diagnosis/diagnose.h"
#include "model/model.h"
#include "chunks.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t max_msgs[4] = { 1024, 4096, 65536, 512 * 1024 };
	struct tls_conn conn;
	struct conn_parser parser;
	struct findings findings;
	uint64_t frame = 0;

	if (size < 1)
		return 0;
	tls_conn_init(&conn);
	conn_parser_init(&parser, max_msgs[data[0] & 3]);
	conn.client_known = true;
	for (int side = 0; side < 2; side++) {
		if (data[0] & (4 << side)) {
			tls_record_reader_midstream(&parser.rr[side == 0 ? SIDE_CLIENT : SIDE_SERVER]);
			conn.midstream = true;
		}
	}
	data++;
	size--;
	struct chunk c;
	while (next_chunk(&data, &size, &c)) {
		frame++;
		struct tcp_frame_ref at = { frame, (int64_t)frame * 1000 };
		if (c.gap) {
			conn_gap(&conn, &parser, c.side, c.len ? c.len : 1, &at);
			continue;
		}
		conn_feed(&conn, &parser, c.side, c.bytes, c.len, &at);
		free(c.bytes);
	}
	conn_finish(&conn, &parser);
	conn_parser_release(&parser);
	diagnose(&conn, NULL, NULL, &findings);
	if (findings.n > FINDINGS_MAX)
		abort();
	tls_conn_release(&conn);
	return 0;
}
