/* word_hash.h - a hash for uthash tables keyed by fixed-size structures.
 *
 * Mixing the key as 64-bit words costs a fraction of uthash's byte-wise
 * Jenkins hash, which was the largest cost per packet in the flow table.
 * The final avalanche matters: uthash picks the bucket from the low bits.
 * Keys must be fully initialised, padding included (they are memset). */
#ifndef MTLS_WORD_HASH_H
#define MTLS_WORD_HASH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline unsigned word_hash(const void *key, size_t len)
{
	const uint8_t *p = key;
	uint64_t h = 0x9e3779b97f4a7c15ull ^ len;
	size_t i = 0;
	for (; i + 8 <= len; i += 8) {
		uint64_t w;
		memcpy(&w, p + i, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdull;
		h ^= h >> 32;
	}
	for (; i < len; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	h ^= h >> 29;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 32;
	return (unsigned)h;
}

#define WORD_HASH_FUNCTION(keyptr, keylen, hashv) ((hashv) = word_hash((keyptr), (keylen)))

#endif
