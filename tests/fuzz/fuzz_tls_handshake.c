/* libFuzzer harness for every TLS handshake parser. The first byte picks
 * the negotiated version the version-aware parsers are told (so each
 * input is tried as SSL 3.0 ... TLS 1.3, drafts and nonsense); the rest is
 * a message body given to every parser, plus a header walk and a DN list
 * walk over any CertificateRequest that parses, and the JA4 of any
 * ClientHello. */
#include <stddef.h>
#include <stdint.h>

#include <string.h>

#include "ja4.h"
#include "tls_handshake.h"

static const uint16_t versions[] = { 0x0300, 0x0301, 0x0302, 0x0303, 0x0304, 0x7f17, 0x7e02, 0x0002, 0xfefd };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tls_client_hello ch;
	struct tls_server_hello sh;
	struct tls_certificate c;
	struct tls_cert_request cr;
	struct tls_new_session_ticket nst;
	struct tls_alert al;
	struct tls_certificate_verify cv;
	struct tls_hs_header h;
	struct rd r, list, dn;
	uint16_t v;

	if (size < 1)
		return 0;
	v = versions[data[0] % (sizeof versions / sizeof versions[0])];
	data++;
	size--;

	/* JA4 over whatever a hello left, parsed whole or not: always a
	 * fingerprint of its fixed length, or nothing. */
	char ja4[JA4_LEN];
	(void)tls_client_hello_parse(data, size, &ch);
	if (ja4_client_hello(&ch, v == 0xfefd, ja4, sizeof ja4) == 0 && strlen(ja4) != JA4_LEN - 1)
		__builtin_trap();
	(void)tls_sslv2_client_hello_parse(data, size, &ch);
	(void)tls_server_hello_parse(data, size, &sh);
	if (tls_certificate_parse(data, size, v, &c) == DIS_OK) {
		for (size_t i = 0; i < c.n_kept; i++)
			if (c.der[i].len && (c.der[i].p < data || c.der[i].p + c.der[i].len > data + size))
				__builtin_trap();
	}
	if (tls_cert_request_parse(data, size, v, &cr) == DIS_OK) {
		size_t n = 0;
		list = cr.ca_list;
		while (tls_dn_list_next(&list, &dn) == 1)
			n++;
		if (n != cr.n_ca_names)
			__builtin_trap();
	}
	(void)tls_new_session_ticket_parse(data, size, v, &nst);
	(void)tls_alert_parse(data, size, &al);
	(void)tls_hello_request_parse(data, size);
	(void)tls_server_hello_done_parse(data, size);
	(void)tls_certificate_verify_parse(data, size, v, &cv);
	(void)tls_client_key_exchange_parse(data, size);
	(void)tls_finished_parse(data, size, v);

	/* Walk the input as a stream of handshake messages. */
	r = rd_make(data, size);
	while (tls_hs_header_parse(&r, &h) == DIS_OK) {
		struct rd body;
		if (rd_view(&r, h.length, &body))
			break;
		if (h.type == TLS_HS_CERTIFICATE_REQUEST)
			(void)tls_cert_request_parse(body.p, body.len, v, &cr);
	}
	return 0;
}
