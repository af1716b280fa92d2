/* inspection.c - see inspection.h. Called once per distinct certificate
 * (the certificate cache keeps the answer), so a plain scan is enough. */
#include "model/inspection.h"

#include <stddef.h>
#include <string.h>

#include "x509_summary.h"

struct inspector {
	const char *product;
	const char *fragment;
};
static const struct inspector inspectors[] = {
#define INSPECTOR(product, fragment) {product, fragment},
#include "model/inspection_issuers.def"
#undef INSPECTOR
};

/* ASCII lower case (the C locale's tolower), truncated to fit. */
static void lower_copy(char *dst, size_t dstsz, const char *src)
{
	size_t i = 0;
	for (; src[i] && i + 1 < dstsz; i++)
		dst[i] = (char)(src[i] >= 'A' && src[i] <= 'Z' ? src[i] - 'A' + 'a' : src[i]);
	dst[i] = '\0';
}

const char *inspection_product(const char *issuer)
{
	char lowered_issuer[X509_NAME_TEXT], lowered_fragment[128];
	lower_copy(lowered_issuer, sizeof lowered_issuer, issuer);
	for (size_t k = 0; k < sizeof inspectors / sizeof inspectors[0]; k++) {
		lower_copy(lowered_fragment, sizeof lowered_fragment, inspectors[k].fragment);
		if (strstr(lowered_issuer, lowered_fragment))
			return inspectors[k].product;
	}
	return NULL;
}
