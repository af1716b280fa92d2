/* libFuzzer harness for the X.509 summaries: the input is tried as a
 * certificate, as one DER Name, and as a CertificateRequest CA list whose
 * entries are printed and compared. */
#include <stddef.h>
#include <stdint.h>

#include "tls_handshake.h"
#include "x509_summary.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct x509_summary s;
	char text[X509_NAME_TEXT];
	const char *names[8];
	struct rd list = rd_make(data, size), dn, first = { 0 };

	if (x509_summarize(data, size, &s) == DIS_OK) {
		/* views must stay inside the input and print as the summary does */
		if (s.subject_der && (s.subject_der < data || s.subject_der + s.subject_der_len > data + size))
			__builtin_trap();
		if (s.issuer_der && (s.issuer_der < data || s.issuer_der + s.issuer_der_len > data + size))
			__builtin_trap();
		(void)x509_name_to_text(s.subject_der, s.subject_der_len, text, sizeof text);
		(void)x509_eku_names(s.eku, names, 8);
	}
	(void)x509_name_to_text(data, size, text, sizeof text);
	(void)x509_name_to_text(data, size, text, 7);
	while (tls_dn_list_next(&list, &dn) == 1) {
		(void)x509_name_to_text(dn.p, dn.len, text, sizeof text);
		if (first.p == NULL)
			first = dn;
		else
			(void)x509_name_der_equal(first.p, first.len, dn.p, dn.len);
	}
	return 0;
}
