/* tls_server_hello.c - ServerHello and HelloRetryRequest (which shares
 * its layout and is told apart only by a fixed random value). */
#include <string.h>

#include "tls_handshake.h"
#include "tls_vec.h"

/* SHA-256("HelloRetryRequest"), RFC 8446 section 4.1.3. */
static const uint8_t hrr_random[32] = {
	0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
	0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
};

/* The server's ALPN answer is a ProtocolNameList with exactly one name. */
static enum dis_status ext_alpn(struct rd e, struct tls_server_hello *out)
{
	struct rd list, name;

	TLS_TRY(tls_vec(&e, 2, 2, 0xffff, &list, DIS_INVALID));
	TLS_TRY(tls_vec(&list, 1, 1, 0xff, &name, DIS_INVALID));
	if (rd_end(&list) || rd_end(&e))
		return DIS_INVALID;
	tls_copy_text(name, out->alpn, sizeof out->alpn);
	return DIS_OK;
}

static enum dis_status server_extension(uint16_t type, struct rd data, struct tls_server_hello *out)
{
	struct rd v;
	uint16_t u;

	switch (type) {
	case TLS_EXT_SUPPORTED_VERSIONS:
		/* struct { ProtocolVersion selected_version; } (server form) */
		if (rd_u16(&data, &u) || rd_end(&data))
			return DIS_INVALID;
		out->selected_version = u;
		return DIS_OK;
	case TLS_EXT_PRE_SHARED_KEY:
		/* uint16 selected_identity; */
		out->has_pre_shared_key = true;
		return (rd_u16(&data, &u) || rd_end(&data)) ? DIS_INVALID : DIS_OK;
	case TLS_EXT_RENEGOTIATION_INFO:
		/* opaque renegotiated_connection<0..255>; */
		out->has_renegotiation_info = true;
		TLS_TRY(tls_vec(&data, 1, 0, 255, &v, DIS_INVALID));
		return rd_end(&data) ? DIS_INVALID : DIS_OK;
	case TLS_EXT_ALPN:
		return ext_alpn(data, out);
	case TLS_EXT_EXTENDED_MASTER_SECRET:
		out->has_extended_master_secret = true;
		return rd_left(&data) ? DIS_INVALID : DIS_OK;
	case TLS_EXT_ENCRYPT_THEN_MAC:
		out->has_encrypt_then_mac = true;
		return rd_left(&data) ? DIS_INVALID : DIS_OK;
	case TLS_EXT_SESSION_TICKET:
		/* Empty from the server: a NewSessionTicket will follow. */
		out->has_session_ticket_ext = true;
		return rd_left(&data) ? DIS_INVALID : DIS_OK;
	default:
		return DIS_OK;
	}
}

/* struct {
 *     ProtocolVersion legacy_version;
 *     Random random;                                     (32 bytes)
 *     opaque legacy_session_id_echo<0..32>;
 *     CipherSuite cipher_suite;
 *     uint8 legacy_compression_method;
 *     Extension extensions<6..2^16-1>;   (optional before TLS 1.3)
 * } ServerHello;
 * selected_version is supported_versions when present (TLS 1.3, and every
 * HelloRetryRequest), else legacy_version, which is how TLS 1.3 drafts
 * before -22 announced themselves. */
enum dis_status tls_server_hello_parse(const uint8_t *body, size_t len, struct tls_server_hello *out)
{
	struct rd r = rd_make(body, len), exts, data;
	uint16_t type;

	memset(out, 0, sizeof *out);
	TLS_TRY(tls_hello_opening(&r, &out->legacy_version, out->random, out->session_id, &out->session_id_len));
	out->selected_version = out->legacy_version;
	out->is_hello_retry_request = memcmp(out->random, hrr_random, sizeof hrr_random) == 0;
	if (rd_u16(&r, &out->cipher_suite) || rd_u8(&r, &out->compression))
		return DIS_TRUNCATED;
	TLS_TRY(tls_hello_extensions(&r, &exts));
	while (rd_left(&exts)) {
		TLS_TRY(tls_ext_next(&exts, &type, &data));
		out->n_extensions++;
		TLS_TRY(server_extension(type, data, out));
	}
	return DIS_OK;
}
