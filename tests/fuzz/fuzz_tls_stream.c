/* fuzz_tls_stream.c - the TLS record layer, handshake message reassembly
 * and every handshake dissector, as the analyzer drives them: both sides
 * of one connection through conn_feed/conn_gap, then conn_finish and the
 * diagnosis over the model that came out.
 *
 * Input: byte 0 picks the handshake message limit (bits 0-1) and which
 * sides began before the capture (bit 2 client, bit 3 server: their
 * record framing must be found first, as on a midstream flow); then
 * chunks, each a
 * 2-byte header followed by its bytes:
 *   bit 15    side (client/server)
 *   bit 14    a gap of (length) bytes instead of data
 *   bits 0-13 length (taken modulo what is left)
 * Each chunk is copied into a buffer of exactly its size so the sanitizers
 * see a read past what TCP delivered. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model/conn.h"
#include "diagnosis/diagnose.h"
#include "model/model.h"

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
	while (size >= 2) {
		unsigned hdr = (unsigned)data[0] << 8 | data[1];
		enum side s = (hdr & 0x8000) ? SIDE_SERVER : SIDE_CLIENT;
		size_t n = hdr & 0x3fff;
		data += 2;
		size -= 2;
		frame++;
		struct tcp_frame_ref at = { frame, (int64_t)frame * 1000 };
		if (hdr & 0x4000) {
			conn_gap(&conn, &parser, s, n ? n : 1, &at);
			continue;
		}
		if (n > size)
			n = size;
		uint8_t *chunk = malloc(n ? n : 1);
		if (!chunk)
			abort();
		memcpy(chunk, data, n);
		conn_feed(&conn, &parser, s, chunk, n, &at);
		free(chunk);
		data += n;
		size -= n;
	}
	conn_finish(&conn, &parser);
	conn_parser_release(&parser);
	diagnose(&conn, NULL, &findings);
	if (findings.n > FINDINGS_MAX)
		abort();
	tls_conn_release(&conn);
	return 0;
}
