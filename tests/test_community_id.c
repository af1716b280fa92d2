/* The Community ID v1 against the values its specification publishes:
 * baseline/baseline_deflt.json (seed 0) and baseline/baseline_seed1.json
 * (seed 1) in github.com/corelight/community-id-spec, computed by the
 * reference implementation over its pcaps/tcp.pcap and pcaps/ipv6.pcap.
 * The TCP flows of both files, each in both directions; then what cannot
 * be hashed. Captures are compared with tshark in tests/e2e-ecs.sh. */
#include <arpa/inet.h>
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "community_id.h"
#include "support/suite_run.h"

static struct ip_addr addr(const char *text)
{
	struct ip_addr a;
	memset(&a, 0, sizeof a);
	if (strchr(text, ':')) {
		a.family = 6;
		ck_assert_int_eq(inet_pton(AF_INET6, text, a.a), 1);
	} else {
		a.family = 4;
		ck_assert_int_eq(inet_pton(AF_INET, text, a.a), 1);
	}
	return a;
}

struct vector {
	const char *saddr, *daddr;
	uint16_t sport, dport, seed;
	const char *id;
};

static const struct vector published[] = {
	{ "128.232.110.120", "66.35.250.204", 34855, 80, 0, "1:LQU9qZlK+B5F3KDmev6m5PMibrg=" },
	{ "128.232.110.120", "66.35.250.204", 34855, 80, 1, "1:3V71V58M3Ksw/yuFALMcW0LAHvc=" },
	{ "2001:470:e5bf:dead:4957:2174:e82c:4887", "2607:f8b0:400c:c03::1a", 63943, 25, 0,
	  "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4=" },
	{ "2001:470:e5bf:dead:4957:2174:e82c:4887", "2607:f8b0:400c:c03::1a", 63943, 25, 1,
	  "1:eJYTW6AOzFLlSUoESovMjnu7rMw=" },
};

/* A TCP flow's ID into out (COMMUNITY_ID_LEN bytes), through h or, when
 * h is NULL, with a one-shot digest. */
static int tcp_id(struct community_id_hasher *h, const struct ip_addr *s, uint16_t sport,
		  const struct ip_addr *d, uint16_t dport, uint16_t seed, char *out)
{
	return community_id_v1(h, s, sport, d, dport, COMMUNITY_ID_PROTO_TCP, seed, out, COMMUNITY_ID_LEN);
}

START_TEST(published_tcp_flows)
{
	const struct vector *v = &published[_i];
	struct ip_addr s = addr(v->saddr), d = addr(v->daddr);
	struct community_id_hasher h;
	ck_assert_int_eq(community_id_hasher_init(&h), 0);
	struct community_id_hasher *paths[] = { NULL, &h };
	char out[COMMUNITY_ID_LEN];
	for (size_t k = 0; k < 2; k++) {
		ck_assert_int_eq(tcp_id(paths[k], &s, v->sport, &d, v->dport, v->seed, out), 0);
		ck_assert_str_eq(out, v->id);
		/* The answer direction hashes the same. */
		ck_assert_int_eq(tcp_id(paths[k], &d, v->dport, &s, v->sport, v->seed, out), 0);
		ck_assert_str_eq(out, v->id);
	}
	community_id_hasher_release(&h);
}
END_TEST

/* One hasher reused across many flows (both families, equal and differing
 * addresses, seeds of two bytes) gives each the one-shot ID:
 * nothing of one hash is left in the context for the next. */
START_TEST(reused_hasher_matches_one_shot)
{
	struct community_id_hasher h;
	ck_assert_int_eq(community_id_hasher_init(&h), 0);
	uint32_t rng = 2463534242u; /* xorshift32 */
	for (unsigned i = 0; i < 300; i++) {
		struct ip_addr s, d;
		memset(&s, 0, sizeof s);
		memset(&d, 0, sizeof d);
		s.family = d.family = i % 2 ? 6 : 4;
		for (size_t b = 0; b < (s.family == 6 ? 16u : 4u); b++) {
			rng ^= rng << 13, rng ^= rng >> 17, rng ^= rng << 5;
			s.a[b] = (uint8_t)rng;
			d.a[b] = i % 5 == 0 ? s.a[b] : (uint8_t)(rng >> 8);
		}
		uint16_t sport = (uint16_t)(rng >> 16), dport = (uint16_t)(i * 131), seed = (uint16_t)(i * 257);
		char reused[COMMUNITY_ID_LEN], one_shot[COMMUNITY_ID_LEN];
		ck_assert_int_eq(tcp_id(&h, &s, sport, &d, dport, seed, reused), 0);
		ck_assert_int_eq(tcp_id(NULL, &s, sport, &d, dport, seed, one_shot), 0);
		ck_assert_str_eq(reused, one_shot);
	}
	/* What cannot be hashed fails the same way through the hasher, and
	 * leaves it fit for the next flow. */
	struct ip_addr v4 = addr("192.0.2.1"), v6 = addr("2001:db8::1");
	char reused[COMMUNITY_ID_LEN] = "x", one_shot[COMMUNITY_ID_LEN];
	ck_assert_int_eq(tcp_id(&h, &v4, 1, &v6, 2, 0, reused), -1);
	ck_assert_str_eq(reused, "");
	ck_assert_int_eq(tcp_id(&h, &v4, 1, &v4, 2, 0, reused), 0);
	ck_assert_int_eq(tcp_id(NULL, &v4, 1, &v4, 2, 0, one_shot), 0);
	ck_assert_str_eq(reused, one_shot);
	community_id_hasher_release(&h);
}
END_TEST

/* Same address both ways (loopback): the ports decide the order, so the
 * two directions still agree, and differ from another port pair. */
START_TEST(equal_addresses_order_by_port)
{
	struct ip_addr lo = addr("127.0.0.1");
	char a[COMMUNITY_ID_LEN], b[COMMUNITY_ID_LEN], c[COMMUNITY_ID_LEN];
	ck_assert_int_eq(community_id_v1(NULL, &lo, 50000, &lo, 443, 6, 0, a, sizeof a), 0);
	ck_assert_int_eq(community_id_v1(NULL, &lo, 443, &lo, 50000, 6, 0, b, sizeof b), 0);
	ck_assert_str_eq(a, b);
	ck_assert_int_eq(community_id_v1(NULL, &lo, 50001, &lo, 443, 6, 0, c, sizeof c), 0);
	ck_assert_str_ne(a, c);
	ck_assert_uint_eq(strlen(a), COMMUNITY_ID_LEN - 1);
}
END_TEST

START_TEST(cannot_hash)
{
	struct ip_addr v4 = addr("192.0.2.1"), v6 = addr("2001:db8::1"), none;
	memset(&none, 0, sizeof none);
	char out[COMMUNITY_ID_LEN] = "x";
	ck_assert_int_eq(community_id_v1(NULL, &v4, 1, &v6, 2, 6, 0, out, sizeof out), -1);
	ck_assert_str_eq(out, "");
	strcpy(out, "x");
	ck_assert_int_eq(community_id_v1(NULL, &none, 1, &none, 2, 6, 0, out, sizeof out), -1);
	ck_assert_str_eq(out, "");
	char small[COMMUNITY_ID_LEN - 1] = "x";
	ck_assert_int_eq(community_id_v1(NULL, &v4, 1, &v4, 2, 6, 0, small, sizeof small), -1);
	ck_assert_str_eq(small, "");
	ck_assert_int_eq(community_id_v1(NULL, &v4, 1, &v4, 2, 6, 0, out, 0), -1);
}
END_TEST

SUITE_MAIN("community_id", false, LOOP_CASE("community_id", 0, N_TESTS(published), published_tcp_flows),
	   CASE("community_id", 0, reused_hasher_matches_one_shot, equal_addresses_order_by_port,
		cannot_hash))
