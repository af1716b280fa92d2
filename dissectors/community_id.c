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

int community_id_hasher_init(struct community_id_hasher *h)
{
	h->sha1 = EVP_MD_fetch(NULL, "SHA1", NULL);
	h->ctx = EVP_MD_CTX_new();
	if (h->sha1 && h->ctx)
		return 0;
	community_id_hasher_release(h);
	return -1;
}

void community_id_hasher_release(struct community_id_hasher *h)
{
	EVP_MD_CTX_free(h->ctx);
	EVP_MD_free(h->sha1);
	h->ctx = NULL;
	h->sha1 = NULL;
}

static int sha1(struct community_id_hasher *h, const uint8_t *in, size_t len, unsigned char *md,
		unsigned int *mdlen)
{
	if (!h)
		return EVP_Digest(in, len, md, mdlen, EVP_sha1(), NULL);
	return EVP_DigestInit_ex(h->ctx, h->sha1, NULL) && EVP_DigestUpdate(h->ctx, in, len) &&
	       EVP_DigestFinal_ex(h->ctx, md, mdlen);
}

int community_id_v1(struct community_id_hasher *h, const struct ip_addr *src, uint16_t sport,
		    const struct ip_addr *dst, uint16_t dport, uint8_t proto, uint16_t seed, char *out,
		    size_t outsz)
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
	if (!sha1(h, buf, n, md, &mdlen) || mdlen != 20)
		return -1;
	memcpy(out, "1:", 2);
	/* 20 bytes are 28 base64 characters and a NUL. */
	if (EVP_EncodeBlock((unsigned char *)out + 2, md, (int)mdlen) != 28) {
		out[0] = '\0';
		return -1;
	}
	return 0;
}
