/* community_id.c - see community_id.h. */
#include "community_id.h"

#include <string.h>

#include <openssl/evp.h>

static size_t addr_len(const struct ip_addr *a)
{
	return a->family == 6 ? 16 : 4;
}

/* The spec's ordering: the flow is written from the smaller endpoint,
 * compared by address bytes, then by port. */
static int endpoint_less(const struct ip_addr *a, uint16_t aport, const struct ip_addr *b, uint16_t bport)
{
	int c = memcmp(a->a, b->a, addr_len(a));
	return c < 0 || (c == 0 && aport < bport);
}

int community_id_v1(const struct ip_addr *src, uint16_t sport, const struct ip_addr *dst, uint16_t dport,
		    uint8_t proto, uint16_t seed, char *out, size_t outsz)
{
	if (outsz == 0)
		return -1;
	out[0] = '\0';
	if (outsz < COMMUNITY_ID_LEN || src->family != dst->family || (src->family != 4 && src->family != 6))
		return -1;
	if (!endpoint_less(src, sport, dst, dport)) {
		const struct ip_addr *ta = src;
		uint16_t tp = sport;
		src = dst;
		sport = dport;
		dst = ta;
		dport = tp;
	}
	uint8_t buf[2 + 16 + 16 + 2 + 4];
	size_t n = 0, alen = addr_len(src);
	buf[n++] = (uint8_t)(seed >> 8);
	buf[n++] = (uint8_t)seed;
	memcpy(buf + n, src->a, alen);
	n += alen;
	memcpy(buf + n, dst->a, alen);
	n += alen;
	buf[n++] = proto;
	buf[n++] = 0; /* padding */
	buf[n++] = (uint8_t)(sport >> 8);
	buf[n++] = (uint8_t)sport;
	buf[n++] = (uint8_t)(dport >> 8);
	buf[n++] = (uint8_t)dport;

	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	if (!EVP_Digest(buf, n, md, &mdlen, EVP_sha1(), NULL) || mdlen != 20)
		return -1;
	memcpy(out, "1:", 2);
	/* 20 bytes are 28 base64 characters and a NUL. */
	if (EVP_EncodeBlock((unsigned char *)out + 2, md, (int)mdlen) != 28) {
		out[0] = '\0';
		return -1;
	}
	return 0;
}
