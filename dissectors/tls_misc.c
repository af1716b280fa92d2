/* tls_misc.c - the small handshake messages and the alert. They carry
 * little the diagnosis needs; parsing them checks that the stream is still
 * in step (a wrong length here usually means the bytes are not what the
 * record layer believes, e.g. encrypted). */
#include <string.h>

#include "tls_handshake.h"
#include "tls_vec.h"

/* struct { uint32 ticket_lifetime_hint; opaque ticket<0..2^16-1>; } NewSessionTicket;  (RFC 5077)
 * struct {
 *     uint32 ticket_lifetime;
 *     uint32 ticket_age_add;
 *     opaque ticket_nonce<0..255>;
 *     opaque ticket<1..2^16-1>;
 *     Extension extensions<0..2^16-2>;
 * } NewSessionTicket;                                                 (TLS 1.3) */
enum dis_status tls_new_session_ticket_parse(const uint8_t *body, size_t len, uint16_t version,
					     struct tls_new_session_ticket *out)
{
	struct rd r = rd_make(body, len), nonce, ticket, exts;
	uint32_t age_add;

	memset(out, 0, sizeof *out);
	if (!tls_version_is_13(version) && !tls_version_is_classic(version))
		return DIS_UNSUPPORTED;
	if (rd_u32(&r, &out->lifetime))
		return DIS_TRUNCATED;
	if (tls_version_is_13(version)) {
		if (rd_u32(&r, &age_add))
			return DIS_TRUNCATED;
		TLS_TRY(tls_vec(&r, 1, 0, 255, &nonce, DIS_TRUNCATED));
		TLS_TRY(tls_vec(&r, 2, 1, 0xffff, &ticket, DIS_TRUNCATED));
		out->ticket_len = rd_left(&ticket);
		TLS_TRY(tls_vec(&r, 2, 0, 0xfffe, &exts, DIS_TRUNCATED));
	} else {
		TLS_TRY(tls_vec(&r, 2, 0, 0xffff, &ticket, DIS_TRUNCATED));
		out->ticket_len = rd_left(&ticket);
	}
	return rd_end(&r) ? DIS_INVALID : DIS_OK;
}

/* enum { warning(1), fatal(2), (255) } AlertLevel;
 * struct { AlertLevel level; AlertDescription description; } Alert;
 * Exactly one alert. Any other level means the bytes are not a cleartext
 * alert (typically an encrypted one): DIS_INVALID, with *out still filled. */
enum dis_status tls_alert_parse(const uint8_t *body, size_t len, struct tls_alert *out)
{
	struct rd r = rd_make(body, len);

	memset(out, 0, sizeof *out);
	if (rd_u8(&r, &out->level) || rd_u8(&r, &out->description))
		return DIS_TRUNCATED;
	if (rd_end(&r) || out->level < 1 || out->level > 2)
		return DIS_INVALID;
	return DIS_OK;
}

/* struct {} HelloRequest; */
enum dis_status tls_hello_request_parse(const uint8_t *body, size_t len)
{
	(void)body;
	return len == 0 ? DIS_OK : DIS_INVALID;
}

/* struct {} ServerHelloDone; */
enum dis_status tls_server_hello_done_parse(const uint8_t *body, size_t len)
{
	(void)body;
	return len == 0 ? DIS_OK : DIS_INVALID;
}

/* struct { digitally-signed struct { ... } } CertificateVerify;
 * SSL 3.0 - TLS 1.1: opaque signature<0..2^16-1>;
 * TLS 1.2, 1.3:      SignatureScheme algorithm; opaque signature<0..2^16-1>; */
enum dis_status tls_certificate_verify_parse(const uint8_t *body, size_t len, uint16_t version,
					     struct tls_certificate_verify *out)
{
	struct rd r = rd_make(body, len), sig;

	memset(out, 0, sizeof *out);
	if (!tls_version_is_13(version) && !tls_version_is_classic(version))
		return DIS_UNSUPPORTED;
	if ((version == TLS_VERSION_TLS12 || tls_version_is_13(version)) && rd_u16(&r, &out->sig_alg))
		return DIS_TRUNCATED;
	TLS_TRY(tls_vec(&r, 2, 0, 0xffff, &sig, DIS_TRUNCATED));
	out->sig_len = rd_left(&sig);
	return rd_end(&r) ? DIS_INVALID : DIS_OK;
}

/* The body depends on the key exchange, which this parser is not told:
 *     RSA (TLS):   opaque EncryptedPreMasterSecret<0..2^16-1>;
 *     RSA (SSL 3): the encrypted secret without a length (one RSA block);
 *     DH:          opaque dh_Yc<1..2^16-1>; or empty (implicit, fixed DH);
 *     ECDH:        opaque point<1..2^8-1>; or empty (fixed ECDH);
 *     PSK kinds:   opaque psk_identity<0..2^16-1>; then one of the above.
 * Accept any body that fits one of these exactly; anything else is not a
 * ClientKeyExchange. */
static bool fits_exchange(struct rd r)
{
	struct rd v, tmp = r;

	if (rd_left(&r) == 0)
		return true;
	if (tls_vec(&tmp, 1, 1, 0xff, &v, DIS_INVALID) == DIS_OK && rd_left(&tmp) == 0)
		return true;
	tmp = r;
	if (tls_vec(&tmp, 2, 1, 0xffff, &v, DIS_INVALID) == DIS_OK && rd_left(&tmp) == 0)
		return true;
	/* One bare RSA block of 512 to 8192 bits. */
	return rd_left(&r) >= 64 && rd_left(&r) <= 1024;
}

enum dis_status tls_client_key_exchange_parse(const uint8_t *body, size_t len)
{
	struct rd r = rd_make(body, len), tmp = r, identity;

	if (fits_exchange(r))
		return DIS_OK;
	if (tls_vec(&tmp, 2, 0, 0xffff, &identity, DIS_INVALID) == DIS_OK && fits_exchange(tmp))
		return DIS_OK;
	return DIS_INVALID;
}

/* struct { opaque verify_data[verify_data_length]; } Finished;
 * SSL 3.0: md5_hash[16] + sha_hash[20]; TLS 1.0 - 1.2: 12 bytes (32 for
 * the GOST suites of RFC 9189); TLS 1.3: the transcript hash, 32 or 48. */
enum dis_status tls_finished_parse(const uint8_t *body, size_t len, uint16_t version)
{
	(void)body;
	if (version == TLS_VERSION_SSL3)
		return len == 36 ? DIS_OK : DIS_INVALID;
	if (version == TLS_VERSION_TLS10 || version == TLS_VERSION_TLS11)
		return len == 12 ? DIS_OK : DIS_INVALID;
	if (version == TLS_VERSION_TLS12)
		return len == 12 || len == 32 ? DIS_OK : DIS_INVALID;
	if (tls_version_is_13(version))
		return len == 32 || len == 48 ? DIS_OK : DIS_INVALID;
	return DIS_UNSUPPORTED;
}
