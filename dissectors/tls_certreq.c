/* tls_certreq.c - CertificateRequest, parsed by the negotiated version.
 * The three layouts share no field positions: reading a TLS 1.2 request
 * with the TLS 1.1 layout takes the signature-algorithm length for the CA
 * list length (ssldump issue #36), so the version decides, never a guess. */
#include <string.h>

#include "tls_handshake.h"
#include "tls_vec.h"

/* opaque DistinguishedName<1..2^16-1>; one entry per call. */
int tls_dn_list_next(struct rd *list, struct rd *dn)
{
	if (rd_left(list) == 0)
		return 0;
	return rd_vec(list, 2, 1, 0xffff, dn) ? -1 : 1;
}

/* Keep the CA list view and count its entries; a malformed entry makes the
 * whole message DIS_INVALID, but the fields already read stay filled so a
 * report can still show the types and algorithms. */
static enum dis_status set_ca_list(struct rd list, struct tls_cert_request *out)
{
	struct rd walk = list, dn;
	int rc;

	out->ca_list = list;
	out->ca_list_bytes = rd_left(&list);
	while ((rc = tls_dn_list_next(&walk, &dn)) == 1)
		out->n_ca_names++;
	return rc == 0 ? DIS_OK : DIS_INVALID;
}

/* SignatureScheme supported_signature_algorithms<2..2^16-2>; the first
 * TLS_MAX_SIG_ALGS are kept. */
static enum dis_status sig_algs(struct rd *r, struct tls_cert_request *out, enum dis_status if_short)
{
	struct rd list;
	uint16_t alg;

	TLS_TRY(tls_vec(r, 2, 2, 0xfffe, &list, if_short));
	if (rd_left(&list) % 2)
		return DIS_INVALID;
	while (rd_u16(&list, &alg) == 0)
		if (out->n_sig_algs < TLS_MAX_SIG_ALGS)
			out->sig_algs[out->n_sig_algs++] = alg;
	return DIS_OK;
}

/* ClientCertificateType certificate_types<1..2^8-1>; the first
 * TLS_MAX_CERT_TYPES are kept. */
static enum dis_status cert_types(struct rd *r, struct tls_cert_request *out)
{
	struct rd list;
	uint8_t t;

	TLS_TRY(tls_vec(r, 1, 1, 0xff, &list, DIS_TRUNCATED));
	while (rd_u8(&list, &t) == 0)
		if (out->n_cert_types < TLS_MAX_CERT_TYPES)
			out->cert_types[out->n_cert_types++] = t;
	return DIS_OK;
}

/* struct {
 *     ClientCertificateType certificate_types<1..2^8-1>;
 *     SignatureAndHashAlgorithm supported_signature_algorithms<2..2^16-2>;   (TLS 1.2 only)
 *     DistinguishedName certificate_authorities<0..2^16-1>;
 * } CertificateRequest;                                              (SSL 3.0 - TLS 1.2) */
static enum dis_status parse_classic(struct rd r, uint16_t version, struct tls_cert_request *out)
{
	struct rd cas;

	TLS_TRY(cert_types(&r, out));
	if (version == TLS_VERSION_TLS12)
		TLS_TRY(sig_algs(&r, out, DIS_TRUNCATED));
	TLS_TRY(tls_vec(&r, 2, 0, 0xffff, &cas, DIS_TRUNCATED));
	TLS_TRY(set_ca_list(cas, out));
	return rd_end(&r) ? DIS_INVALID : DIS_OK;
}

/* struct {
 *     opaque certificate_request_context<0..2^8-1>;
 *     Extension extensions<2..2^16-1>;
 * } CertificateRequest;                                              (TLS 1.3)
 * with signature_algorithms (13) and
 * struct { DistinguishedName authorities<3..2^16-1>; } CertificateAuthoritiesExtension; (47) */
static enum dis_status parse_tls13(struct rd r, struct tls_cert_request *out)
{
	struct rd exts, data, cas;
	uint16_t type;

	TLS_TRY(tls_request_context(&r, &out->context_len));
	TLS_TRY(tls_vec(&r, 2, 2, 0xffff, &exts, DIS_TRUNCATED));
	if (rd_end(&r))
		return DIS_INVALID;
	while (rd_left(&exts)) {
		TLS_TRY(tls_ext_next(&exts, &type, &data));
		if (type == TLS_EXT_SIGNATURE_ALGORITHMS) {
			TLS_TRY(sig_algs(&data, out, DIS_INVALID));
			if (rd_end(&data))
				return DIS_INVALID;
		} else if (type == TLS_EXT_CERTIFICATE_AUTHORITIES) {
			if (out->has_ca_extension)
				return DIS_INVALID; /* an extension may appear only once */
			out->has_ca_extension = true;
			TLS_TRY(tls_vec(&data, 2, 3, 0xffff, &cas, DIS_INVALID));
			if (rd_end(&data))
				return DIS_INVALID;
			TLS_TRY(set_ca_list(cas, out));
		}
	}
	return DIS_OK;
}

/* n_cert_types and n_sig_algs count the entries kept (at most the array
 * sizes); n_ca_names counts every entry in the list. */
enum dis_status tls_cert_request_parse(const uint8_t *body, size_t len, uint16_t version, struct tls_cert_request *out)
{
	struct rd r = rd_make(body, len);

	memset(out, 0, sizeof *out);
	if (tls_version_is_13(version))
		return parse_tls13(r, out);
	if (tls_version_is_classic(version))
		return parse_classic(r, version, out);
	return DIS_UNSUPPORTED;
}
