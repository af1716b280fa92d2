/* community_id.h - the Community ID flow hash, version 1 (Corelight's
 * published specification, github.com/corelight/community-id-spec), the
 * flow identifier Zeek, Suricata, Wireshark and Elastic share:
 *
 *   "1:" base64(SHA-1(seed(2) saddr daddr proto(1) 0(1) sport(2) dport(2)))
 *
 * numbers in network byte order, addresses in their 4 or 16 bytes, and
 * the endpoints ordered so that both directions give the same hash: the
 * smaller address first, or on equal addresses the smaller port. */
#ifndef MTLS_COMMUNITY_ID_H
#define MTLS_COMMUNITY_ID_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/types.h>

#include "ip.h"

#define COMMUNITY_ID_LEN 31 /* "1:" + 28 base64 characters + NUL */
#define COMMUNITY_ID_PROTO_TCP 6

/* SHA-1 fetched once and a digest context reused for each ID: OpenSSL 3's
 * one-shot digest fetches the algorithm and allocates a context on every
 * call, most of what an ID costs. Not to be shared between threads. */
struct community_id_hasher {
	EVP_MD *sha1;
	EVP_MD_CTX *ctx;
};

/* Returns 0, or -1 with nothing held when SHA-1 or the context cannot be
 * had. */
int community_id_hasher_init(struct community_id_hasher *h);
void community_id_hasher_release(struct community_id_hasher *h);

/* Writes the ID of a port-based flow (TCP, UDP, SCTP) to out (at least
 * COMMUNITY_ID_LEN bytes), hashing through h, or with a one-shot digest
 * when h is NULL. Returns 0, or -1 with out = "" when the two address
 * families differ, out is too small or SHA-1 is unavailable. */
int community_id_v1(struct community_id_hasher *h, const struct ip_addr *src, uint16_t sport,
		    const struct ip_addr *dst, uint16_t dport, uint8_t proto, uint16_t seed, char *out,
		    size_t outsz);

#endif
