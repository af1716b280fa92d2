/* cuts.h - a parser fed every strict prefix of a message. */
#ifndef MTLS_CUTS_H
#define MTLS_CUTS_H

#include <check.h>
#include <stddef.h>
#include <stdint.h>

#include "dis.h"

/* Every cut of the len bytes at p shorter than len is short
 * (DIS_TRUNCATED), never invalid, except the cut at `whole`: a shorter
 * message complete in itself (a hello without extensions) reads DIS_OK. */
static inline void expect_cuts_short(enum dis_status (*parse)(const uint8_t *, size_t), const uint8_t *p, size_t len,
				     size_t whole)
{
	for (size_t n = 0; n < len; n++) {
		enum dis_status got = parse(p, n);
		ck_assert_msg(got == (n == whole ? DIS_OK : DIS_TRUNCATED), "cut at %zu of %zu: %s", n, len,
			      dis_status_name(got));
	}
}

#endif
