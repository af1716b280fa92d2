/* inspection.h - is a certificate issued by a TLS-inspection product? */
#ifndef MTLS_INSPECTION_H
#define MTLS_INSPECTION_H

/* The product whose CA issued a certificate with this RFC 2253 issuer
 * (inspection_issuers.def, matched case-insensitively), or NULL. */
const char *inspection_product(const char *issuer);

#endif
