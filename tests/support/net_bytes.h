/* net_bytes.h - big-endian fields and the Internet checksum, for the tests
 * that build, rewrite or check packets; kept apart from the code under
 * test so that they can judge it. */
#ifndef MTLS_NET_BYTES_H
#define MTLS_NET_BYTES_H

#include <stddef.h>
#include <stdint.h>

/* The n-byte (at most 4) big-endian number at p. */
static inline uint32_t be_get(const uint8_t *p, size_t n)
{
	uint32_t v = 0;
	for (size_t i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

static inline void be_put(uint8_t *p, size_t n, uint32_t v)
{
	for (size_t i = n; i-- > 0; v >>= 8)
		p[i] = (uint8_t)v;
}

/* RFC 1071: the 16-bit ones' complement sum of acc (a pseudo-header's
 * sum, or 0) and the n bytes at p, an odd last byte padded with zero. A
 * header whose checksum is right sums to 0xffff; the checksum to write is
 * the complement of the sum taken with the field zero. */
static inline uint16_t inet_sum(uint32_t acc, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		acc += i & 1 ? p[i] : (uint32_t)p[i] << 8;
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return (uint16_t)acc;
}

#endif
