/* tls_certificate.c - the Certificate message, in its TLS <= 1.2 and its
 * TLS 1.3 form. The DER of each certificate stays in the caller's buffer;
 * decoding it is x509_summary.c's job. */
#include <string.h>

#include "tls_handshake.h"
#include "tls_vec.h"

static void keep(struct tls_certificate *out, struct rd der)
{
	if (out->n_kept < TLS_MAX_CHAIN)
		out->der[out->n_kept++] = der;
	out->n_certs++;
}

/* opaque ASN.1Cert<1..2^24-1>;
 * struct { ASN.1Cert certificate_list<0..2^24-1>; } Certificate;   (SSL 3.0 - TLS 1.2)
 *
 * struct {
 *     select (certificate_type) { case RawPublicKey: opaque ASN1_subjectPublicKeyInfo<1..2^24-1>;
 *                                 case X509: opaque cert_data<1..2^24-1>; };
 *     Extension extensions<0..2^16-1>;
 * } CertificateEntry;
 * struct {
 *     opaque certificate_request_context<0..2^8-1>;
 *     CertificateEntry certificate_list<0..2^24-1>;
 * } Certificate;                                                     (TLS 1.3)
 *
 * The list, from after the TLS 1.3 context: the same in both layouts but
 * for the extensions each TLS 1.3 entry ends with. */
static enum dis_status parse_list(struct rd r, bool entry_extensions, struct tls_certificate *out)
{
	struct rd list, der, exts, data;
	uint16_t type;

	TLS_TRY(tls_vec(&r, 3, 0, 0xffffff, &list, DIS_TRUNCATED));
	out->list_bytes = rd_left(&list);
	if (rd_end(&r))
		return DIS_INVALID;
	while (rd_left(&list)) {
		TLS_TRY(tls_vec(&list, 3, 1, 0xffffff, &der, DIS_INVALID));
		if (entry_extensions) {
			TLS_TRY(tls_vec(&list, 2, 0, 0xffff, &exts, DIS_INVALID));
			while (rd_left(&exts))
				TLS_TRY(tls_ext_next(&exts, &type, &data));
		}
		keep(out, der);
	}
	return DIS_OK;
}

/* version is the negotiated one; anything that is neither SSL 3.0 - TLS 1.2
 * nor TLS 1.3 (final or draft) is DIS_UNSUPPORTED. */
enum dis_status tls_certificate_parse(const uint8_t *body, size_t len, uint16_t version, struct tls_certificate *out)
{
	struct rd r = rd_make(body, len);

	memset(out, 0, sizeof *out);
	if (tls_version_is_13(version)) {
		TLS_TRY(tls_request_context(&r, &out->context_len));
		return parse_list(r, true, out);
	}
	if (tls_version_is_classic(version))
		return parse_list(r, false, out);
	return DIS_UNSUPPORTED;
}
