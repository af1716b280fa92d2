/* heap_charge.h - what one malloc of n bytes costs the process.
 *
 * --max-memory is checked against the sum of these charges, so they have
 * to follow the allocator rather than the request: glibc's malloc puts an
 * 8-byte size field before each block, rounds the block to 16 bytes and
 * never hands out less than 32. A 1-byte request costs 32, a 24-byte one
 * 32, a 25-byte one 48. (Other allocators round similarly or better.) */
#ifndef MTLS_HEAP_CHARGE_H
#define MTLS_HEAP_CHARGE_H

#include <stddef.h>

#define HEAP_CHUNK_OVERHEAD 8u
#define HEAP_CHUNK_ALIGN 16u
#define HEAP_CHUNK_MIN 32u

static inline size_t heap_charge(size_t n)
{
	size_t chunk = (n + HEAP_CHUNK_OVERHEAD + HEAP_CHUNK_ALIGN - 1) & ~(size_t)(HEAP_CHUNK_ALIGN - 1);
	return chunk < HEAP_CHUNK_MIN ? HEAP_CHUNK_MIN : chunk;
}

#endif
