/* tls_vec.h - helpers shared by the TLS handshake dissectors (internal).
 *
 * A length that runs past the data means two different things depending
 * on where it is read. At the top level of a message body the capture may
 * simply be short, so it is DIS_TRUNCATED; inside a vector whose own length
 * was already satisfied, the enclosing length and the inner one disagree,
 * so it is DIS_INVALID. Each call says which one applies. */
#ifndef MTLS_TLS_VEC_H
#define MTLS_TLS_VEC_H

#include <stdbool.h>
#include <stdint.h>

#include "dis.h"
#include "rd.h"

/* RFC 8446 vector <min..max>, read by rd_vec: a length outside the
 * bounds is always DIS_INVALID, even when the data is also short; a short
 * view is if_short. */
static inline enum dis_status tls_vec(struct rd *r, int width, size_t min, size_t max, struct rd *sub,
				      enum dis_status if_short)
{
	int rc = rd_vec(r, width, min, max, sub);
	return rc == 0 ? DIS_OK : rc == RD_SHORT ? if_short : DIS_INVALID;
}

/* The next Extension { uint16 type; opaque data<0..2^16-1>; } of an
 * extensions block whose own length was already satisfied, so a short
 * entry is DIS_INVALID. Loop while rd_left(exts). */
static inline enum dis_status tls_ext_next(struct rd *exts, uint16_t *type, struct rd *data)
{
	if (rd_u16(exts, type))
		return DIS_INVALID;
	return tls_vec(exts, 2, 0, 0xffff, data, DIS_INVALID);
}

/* Copy a name (SNI host, ALPN id) as text for reports: truncated to fit,
 * always NUL-terminated, and bytes outside printable ASCII replaced by '?'
 * so that no consumer (JSON, terminal) ever sees control bytes or
 * invalid UTF-8 coming from the wire. */
static inline void tls_copy_text(struct rd v, char *dst, size_t dstsz)
{
	size_t i = 0;
	uint8_t c;

	while (i + 1 < dstsz && rd_u8(&v, &c) == 0)
		dst[i++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	dst[i] = '\0';
}

#define TLS_TRY(expr)                                                                                         \
	do {                                                                                                  \
		enum dis_status tls_try_st_ = (expr);                                                         \
		if (tls_try_st_ != DIS_OK)                                                                    \
			return tls_try_st_;                                                                   \
	} while (0)

/* opaque certificate_request_context<0..2^8-1>: opens a TLS 1.3
 * CertificateRequest and the Certificate that answers it (which echoes
 * it). Only its length is kept. */
static inline enum dis_status tls_request_context(struct rd *r, uint8_t *len)
{
	struct rd ctx;
	TLS_TRY(tls_vec(r, 1, 0, 0xff, &ctx, DIS_TRUNCATED));
	*len = (uint8_t)rd_left(&ctx);
	return DIS_OK;
}

/* The common opening of ClientHello and ServerHello: legacy_version,
 * random[32], legacy_session_id<0..32>. */
static inline enum dis_status tls_hello_opening(struct rd *r, uint16_t *version, uint8_t random[32],
						uint8_t session_id[32], uint8_t *session_id_len)
{
	struct rd sid;
	if (rd_u16(r, version) || rd_copy(r, random, 32))
		return DIS_TRUNCATED;
	TLS_TRY(tls_vec(r, 1, 0, 32, &sid, DIS_TRUNCATED));
	*session_id_len = (uint8_t)rd_left(&sid);
	(void)rd_copy(&sid, session_id, *session_id_len);
	return DIS_OK;
}

/* The extensions block that may end a hello: none (exts left empty) when
 * the message ends first, else one vector that must end the message. */
static inline enum dis_status tls_hello_extensions(struct rd *r, struct rd *exts)
{
	*exts = rd_make(r->p, 0);
	if (rd_left(r) == 0)
		return DIS_OK;
	TLS_TRY(tls_vec(r, 2, 0, 0xffff, exts, DIS_TRUNCATED));
	return rd_end(r) ? DIS_INVALID : DIS_OK;
}

#endif
