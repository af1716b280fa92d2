/* dis.h - outcomes shared by every dissector.
 * "Truncated" (the capture is short) and "invalid" (the protocol is
 * violated) are never conflated: a report must say "not visible" for the
 * first and "malformed" for the second. */
#ifndef MTLS_DIS_H
#define MTLS_DIS_H

enum dis_status {
	DIS_OK = 0,
	DIS_TRUNCATED,   /* input ended before the structure did */
	DIS_INVALID,     /* a length or value breaks the protocol */
	DIS_UNSUPPORTED, /* well formed, but something we do not decode */
};

const char *dis_status_name(enum dis_status s);

#endif
