/* tls_client_hello.c - ClientHello (SSL 3.0 - TLS 1.3) and the
 * SSLv2-compatible CLIENT-HELLO. Only the facts the diagnosis and the
 * client fingerprint (ja4.h) need are kept; every extension body we look
 * at is checked against its RFC layout. */
#include <string.h>

#include "tls_handshake.h"
#include "tls_vec.h"

/* struct { NameType name_type; select (name_type) { case host_name:
 *     HostName; } name; } ServerName;      HostName = opaque<1..2^16-1>
 * struct { ServerName server_name_list<1..2^16-1> } ServerNameList;
 * Every known and future name type uses the opaque<1..2^16-1> form, so the
 * list can be walked without knowing the type. */
static enum dis_status ext_sni(struct rd e, struct tls_client_hello *out)
{
	struct rd list, name;
	uint8_t type;

	TLS_TRY(tls_vec(&e, 2, 1, 0xffff, &list, DIS_INVALID));
	if (rd_end(&e))
		return DIS_INVALID;
	while (rd_left(&list)) {
		if (rd_u8(&list, &type))
			return DIS_INVALID;
		TLS_TRY(tls_vec(&list, 2, 1, 0xffff, &name, DIS_INVALID));
		if (type == 0 && out->sni[0] == '\0')
			tls_copy_text(name, out->sni, sizeof out->sni);
	}
	return DIS_OK;
}

/* opaque ProtocolName<1..2^8-1>;
 * struct { ProtocolName protocol_name_list<2..2^16-1> } ProtocolNameList; */
static enum dis_status ext_alpn(struct rd e, struct tls_client_hello *out)
{
	struct rd list, name;

	TLS_TRY(tls_vec(&e, 2, 2, 0xffff, &list, DIS_INVALID));
	if (rd_end(&e))
		return DIS_INVALID;
	while (rd_left(&list)) {
		TLS_TRY(tls_vec(&list, 1, 1, 0xff, &name, DIS_INVALID));
		if (out->n_alpn == 0) {
			/* Raw bytes for JA4, which does not see the printable copy. */
			struct rd first = name, last = name;
			out->alpn_first_len = rd_left(&name);
			if (rd_skip(&last, rd_left(&name) - 1) || rd_u8(&first, &out->alpn_first_byte) ||
			    rd_u8(&last, &out->alpn_last_byte))
				return DIS_INVALID;
		}
		if (out->n_alpn < TLS_MAX_ALPN)
			tls_copy_text(name, out->alpn[out->n_alpn++], TLS_ALPN_LEN);
	}
	return DIS_OK;
}

/* struct { ProtocolVersion versions<2..254>; } SupportedVersions; (client) */
static enum dis_status ext_supported_versions(struct rd e, struct tls_client_hello *out)
{
	struct rd list;
	uint16_t v;

	TLS_TRY(tls_vec(&e, 1, 2, 254, &list, DIS_INVALID));
	if (rd_end(&e) || rd_left(&list) % 2)
		return DIS_INVALID;
	while (rd_u16(&list, &v) == 0)
		if (out->n_versions < TLS_MAX_VERSIONS)
			out->versions[out->n_versions++] = v;
	return DIS_OK;
}

/* SignatureScheme supported_signature_algorithms<2..2^16-2>;  (13)
 * NamedGroup named_group_list<2..2^16-1>;                  (10)
 * Both are lists of uint16; the first entries are kept in order. */
static enum dis_status ext_u16_list(struct rd e, size_t min, size_t max, uint16_t *items, size_t cap, size_t *n)
{
	struct rd list;
	uint16_t v;

	TLS_TRY(tls_vec(&e, 2, min, max, &list, DIS_INVALID));
	if (rd_end(&e) || rd_left(&list) % 2)
		return DIS_INVALID;
	while (rd_u16(&list, &v) == 0) {
		if (*n < cap)
			items[*n] = v;
		(*n)++;
	}
	return DIS_OK;
}

/* struct { opaque renegotiated_connection<0..255>; } RenegotiationInfo; */
static enum dis_status ext_renegotiation_info(struct rd e)
{
	struct rd v;

	TLS_TRY(tls_vec(&e, 1, 0, 255, &v, DIS_INVALID));
	return rd_end(&e) ? DIS_INVALID : DIS_OK;
}

/* struct { opaque identity<1..2^16-1>; uint32 obfuscated_ticket_age; } PskIdentity;
 * opaque PskBinderEntry<32..255>;
 * struct { PskIdentity identities<7..2^16-1>;
 *          PskBinderEntry binders<33..2^16-1>; } OfferedPsks; */
static enum dis_status ext_pre_shared_key(struct rd e)
{
	struct rd ids, binders, v;
	uint32_t age;

	TLS_TRY(tls_vec(&e, 2, 7, 0xffff, &ids, DIS_INVALID));
	TLS_TRY(tls_vec(&e, 2, 33, 0xffff, &binders, DIS_INVALID));
	if (rd_end(&e))
		return DIS_INVALID;
	while (rd_left(&ids)) {
		TLS_TRY(tls_vec(&ids, 2, 1, 0xffff, &v, DIS_INVALID));
		if (rd_u32(&ids, &age))
			return DIS_INVALID;
	}
	while (rd_left(&binders))
		TLS_TRY(tls_vec(&binders, 1, 32, 255, &v, DIS_INVALID));
	return DIS_OK;
}

static enum dis_status client_extension(uint16_t type, struct rd data, struct tls_client_hello *out)
{
	switch (type) {
	case TLS_EXT_SERVER_NAME:
		return ext_sni(data, out);
	case TLS_EXT_ALPN:
		return ext_alpn(data, out);
	case TLS_EXT_SUPPORTED_VERSIONS:
		return ext_supported_versions(data, out);
	case TLS_EXT_SIGNATURE_ALGORITHMS:
		if (out->n_sig_algs)
			return DIS_OK; /* a repeated extension: the first one counts */
		return ext_u16_list(data, 2, 0xfffe, out->sig_algs, TLS_MAX_SIG_ALGS, &out->n_sig_algs);
	case TLS_EXT_SUPPORTED_GROUPS:
		if (out->n_groups)
			return DIS_OK;
		return ext_u16_list(data, 2, 0xffff, out->groups, TLS_CH_MAX_GROUPS, &out->n_groups);
	case TLS_EXT_POST_HANDSHAKE_AUTH:
		/* struct {} PostHandshakeAuth; */
		out->has_post_handshake_auth = true;
		return rd_left(&data) ? DIS_INVALID : DIS_OK;
	case TLS_EXT_RENEGOTIATION_INFO:
		out->has_renegotiation_info = true;
		return ext_renegotiation_info(data);
	case TLS_EXT_SESSION_TICKET:
		/* opaque SessionTicket<0..2^16-1> without a length prefix: the
		 * extension body is the ticket (RFC 5077 section 3.2). */
		out->has_session_ticket_ext = true;
		out->session_ticket_len = rd_left(&data);
		return DIS_OK;
	case TLS_EXT_PRE_SHARED_KEY:
		out->has_pre_shared_key = true;
		return ext_pre_shared_key(data);
	case TLS_EXT_EARLY_DATA:
		/* struct {} Empty; in a ClientHello */
		out->has_early_data = true;
		return rd_left(&data) ? DIS_INVALID : DIS_OK;
	default:
		return DIS_OK;
	}
}

/* struct {
 *     ProtocolVersion legacy_version;
 *     Random random;                                     (32 bytes)
 *     opaque legacy_session_id<0..32>;
 *     CipherSuite cipher_suites<2..2^16-2>;
 *     opaque legacy_compression_methods<1..2^8-1>;
 *     Extension extensions<8..2^16-1>;
 * } ClientHello;
 * struct { ExtensionType extension_type; opaque extension_data<0..2^16-1>; } Extension;
 * SSL 3.0 and early TLS clients end after the compression methods. TLS 1.2
 * allows extensions<0..2^16-1>, so an empty block is accepted too. On
 * failure, *out holds what was read before the fault. */
enum dis_status tls_client_hello_parse(const uint8_t *body, size_t len, struct tls_client_hello *out)
{
	struct rd r = rd_make(body, len), suites, comp, exts, data;
	uint16_t suite, type;

	memset(out, 0, sizeof *out);
	TLS_TRY(tls_hello_opening(&r, &out->legacy_version, out->random, out->session_id, &out->session_id_len));
	TLS_TRY(tls_vec(&r, 2, 2, 0xfffe, &suites, DIS_TRUNCATED));
	if (rd_left(&suites) % 2)
		return DIS_INVALID;
	while (rd_u16(&suites, &suite) == 0) {
		if (out->n_cipher_suites < TLS_CH_MAX_SUITES)
			out->cipher_suites[out->n_cipher_suites] = suite;
		out->n_cipher_suites++;
		if (suite == TLS_CS_EMPTY_RENEGOTIATION_INFO_SCSV)
			out->offers_reneg_scsv = true;
	}
	TLS_TRY(tls_vec(&r, 1, 1, 0xff, &comp, DIS_TRUNCATED));
	TLS_TRY(tls_hello_extensions(&r, &exts));
	while (rd_left(&exts)) {
		TLS_TRY(tls_ext_next(&exts, &type, &data));
		if (out->n_extensions < TLS_CH_MAX_EXTENSIONS)
			out->ext_types[out->n_extensions] = type;
		out->n_extensions++;
		TLS_TRY(client_extension(type, data, out));
	}
	return DIS_OK;
}

/* SSLv2-compatible CLIENT-HELLO (RFC 5246 appendix E.2), after the 2-byte
 * record header:
 *     uint8 msg_type;                    (1)
 *     Version version;
 *     uint16 cipher_spec_length;         (non-zero multiple of 3)
 *     uint16 session_id_length;          (0 or 16)
 *     uint16 challenge_length;           (16..32)
 *     V2CipherSpec cipher_specs[cipher_spec_length];
 *     opaque session_id[session_id_length];
 *     opaque challenge[challenge_length];
 * A V2CipherSpec is 3 bytes; TLS suites appear as {0x00, suite}. */
enum dis_status tls_sslv2_client_hello_parse(const uint8_t *msg, size_t len, struct tls_client_hello *out)
{
	struct rd r = rd_make(msg, len), specs;
	uint16_t spec_len, sid_len, chal_len;
	uint8_t type, k0, k1, k2;

	memset(out, 0, sizeof *out);
	out->sslv2_format = true;
	if (rd_u8(&r, &type) || rd_u16(&r, &out->legacy_version) || rd_u16(&r, &spec_len) ||
	    rd_u16(&r, &sid_len) || rd_u16(&r, &chal_len))
		return DIS_TRUNCATED;
	if (type != TLS_HS_CLIENT_HELLO || spec_len == 0 || spec_len % 3 || (sid_len != 0 && sid_len != 16) ||
	    chal_len < 16 || chal_len > 32)
		return DIS_INVALID;
	if (rd_view(&r, spec_len, &specs))
		return DIS_TRUNCATED;
	while (rd_u8(&specs, &k0) == 0 && rd_u8(&specs, &k1) == 0 && rd_u8(&specs, &k2) == 0) {
		out->n_cipher_suites++;
		if (k0 == 0 && ((k1 << 8) | k2) == TLS_CS_EMPTY_RENEGOTIATION_INFO_SCSV)
			out->offers_reneg_scsv = true;
	}
	if (rd_copy(&r, out->session_id, sid_len))
		return DIS_TRUNCATED;
	out->session_id_len = (uint8_t)sid_len;
	/* The challenge becomes the low bytes of the 32-byte random, as a
	 * server converting the hello would use it. */
	if (rd_copy(&r, out->random + (32 - chal_len), chal_len))
		return DIS_TRUNCATED;
	return rd_end(&r) ? DIS_INVALID : DIS_OK;
}
