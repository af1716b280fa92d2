/* tls_hs_header.c - the 4-byte handshake message header. */
#include "tls_handshake.h"

/* struct {
 *     HandshakeType msg_type;    (1 byte)
 *     uint24 length;             (bytes in the body that follows)
 * } Handshake header;
 * Only the header is consumed: whether the body is all there is the
 * reassembler's business, not ours. */
enum dis_status tls_hs_header_parse(struct rd *r, struct tls_hs_header *out)
{
	struct rd tmp = *r;
	uint8_t type;
	uint32_t length;

	if (rd_u8(&tmp, &type) || rd_u24(&tmp, &length))
		return DIS_TRUNCATED;
	out->type = type;
	out->length = length;
	*r = tmp;
	return DIS_OK;
}
