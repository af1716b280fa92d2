/* output_common.h - what the two reports for people (text and HTML) say
 * alike: a certificate's facts, a finding's message and fix, a list of
 * frames. Each writer gives its own markup, and its own way of putting a
 * string from the capture (as it is, or escaped). */
#ifndef MTLS_OUTPUT_COMMON_H
#define MTLS_OUTPUT_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "output/textbuf.h"
#include "x509_summary.h"

/* How a writer puts a string from the capture: as it is, or escaped. */
typedef void (*output_put_fn)(struct textbuf *b, const char *s);

/* layout as it is, but each "%s" in it replaced by the next of the n
 * values, put through put (a "%s" past the n values puts nothing). */
void output_fill(struct textbuf *b, const char *layout, output_put_fn put, const char *const *values, size_t n);

/* output_fill with a certificate's subject, issuer, not_before,
 * not_after, key type and EKU names (joined by eku_sep; "(none: any use)"
 * without the extension), in that order. */
void output_cert_facts(struct textbuf *b, const char *layout, const char *eku_sep, output_put_fn put,
		       const struct x509_summary *s);

/* prefix, the frames joined by ',', then suffix; nothing when n is 0. */
void output_frame_list(struct textbuf *b, const char *prefix, const uint64_t *frames, size_t n, const char *suffix);

#endif
