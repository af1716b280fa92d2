/* story_merge (story.c): the stories of analyzers that each read a share
 * of one capture (live capture with --workers), joined, must tell what one
 * story told of the whole capture, read in stream order, tells. */
#include <arpa/inet.h>
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diagnosis/diagnose.h"
#include "model/model.h"
#include "diagnosis/story.h"
#include "support/suite_run.h"

/* Connection `stream` from 192.0.2.CLIENT to 198.51.100.1:443, with SNI,
 * failed (no certificate) or authenticated. */
static void add(struct story *s, uint64_t stream, int client, bool failed)
{
	struct tls_conn c;
	tls_conn_init(&c);
	c.stream = stream;
	c.client.addr.family = c.server.addr.family = 4;
	char addr[32];
	snprintf(addr, sizeof addr, "192.0.2.%d", client);
	ck_assert_int_eq(inet_pton(AF_INET, addr, c.client.addr.a), 1);
	ck_assert_int_eq(inet_pton(AF_INET, "198.51.100.1", c.server.addr.a), 1);
	c.client.port = (uint16_t)(40000 + stream);
	c.server.port = 443;
	c.have_client_hello = true;
	snprintf(c.ch.sni, sizeof c.ch.sni, "app.example");
	struct findings f;
	memset(&f, 0, sizeof f);
	f.outcome.kind = failed ? OUTCOME_NO_CERTIFICATE : OUTCOME_AUTHENTICATED;
	f.outcome.failure = failed ? FAILURE_YES : FAILURE_NO;
	f.outcome.requested = true;
	f.outcome.answer = failed ? CC_EMPTY : CC_PRESENT;
	story_add(s, "live:eth0", &c, &f);
	tls_conn_release(&c);
}

static void collect(void *ctx, const char *line)
{
	char *buf = ctx;
	strncat(buf, line, 8191 - strlen(buf));
	strncat(buf, "\n", 8191 - strlen(buf));
}

static void tell(const struct story *s, char out[8192])
{
	out[0] = '\0';
	story_tell(s, collect, out);
}

/* n connections; which(stream) says which of two shares reads it. Checks
 * the two shares merged against one story of all of them in order. */
static void check_split(uint64_t n, int (*client)(uint64_t), bool (*failed)(uint64_t), int (*which)(uint64_t))
{
	struct story *whole = story_new(), *share[2] = { story_new(), story_new() };
	ck_assert(whole && share[0] && share[1]);
	for (uint64_t i = 0; i < n; i++) {
		add(whole, i, client(i), failed(i));
		add(share[which(i)], i, client(i), failed(i));
	}
	/* Each share holds its own order; a later share's groups may begin
	 * earlier. */
	story_merge(share[1], share[0]);
	static char want[8192], got[8192];
	tell(whole, want);
	tell(share[1], got);
	ck_assert_msg(want[0] != '\0', "nothing to tell: the test tells nothing");
	ck_assert_str_eq(got, want);
	story_free(whole);
	story_free(share[0]);
	story_free(share[1]);
}

static int one_client(uint64_t i)
{
	(void)i;
	return 7;
}

static int two_clients(uint64_t i)
{
	return 7 + (int)(i % 2);
}

static bool every_third_fails(uint64_t i)
{
	return i % 3 == 0;
}

static int odd_even(uint64_t i)
{
	return (int)(i % 2);
}

/* The share merged into holds the later streams. */
static int first_half(uint64_t i)
{
	return i < 5 ? 0 : 1;
}

START_TEST(merged_in_stream_order)
{
	check_split(5, one_client, every_third_fails, odd_even);
	check_split(10, two_clients, every_third_fails, first_half);
}
END_TEST

/* Past STORY_MAX_STEPS a group keeps its first streams and counts the rest. */
START_TEST(merged_past_the_cap)
{
	check_split(2 * STORY_MAX_STEPS + 3, one_client, every_third_fails, odd_even);
	check_split(3 * STORY_MAX_STEPS, two_clients, every_third_fails, first_half);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("story");
	TCase *tc = tcase_create("merge");
	tcase_add_test(tc, merged_in_stream_order);
	tcase_add_test(tc, merged_past_the_cap);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	int failed = run_suite(suite(), false);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
