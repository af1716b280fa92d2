/* --host, --port, --sni (select.c): what each accepts as a value, and how
 * values combine (alternatives within an option, all options together).
 * The same options on real captures are in tests/e2e-filter.sh. */
#include <arpa/inet.h>
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/model.h"
#include "model/select.h"
#include "support/suite_run.h"

static struct tls_conn *conn(const char *client, unsigned cport, const char *server, unsigned sport, const char *sni)
{
	struct tls_conn *c = calloc(1, sizeof *c);
	ck_assert_ptr_nonnull(c);
	tls_conn_init(c);
	int fam = strchr(client, ':') ? AF_INET6 : AF_INET;
	c->client.addr.family = c->server.addr.family = fam == AF_INET ? 4 : 6;
	ck_assert_int_eq(inet_pton(fam, client, c->client.addr.a), 1);
	ck_assert_int_eq(inet_pton(fam, server, c->server.addr.a), 1);
	c->client.port = (uint16_t)cport;
	c->server.port = (uint16_t)sport;
	if (sni) {
		c->have_client_hello = true;
		snprintf(c->ch.sni, sizeof c->ch.sni, "%s", sni);
	}
	return c;
}

static void drop(struct tls_conn *c)
{
	tls_conn_release(c);
	free(c);
}

START_TEST(values)
{
	struct conn_select s = { 0 };
	char err[160];
	ck_assert(!conn_select_active(&s));
	ck_assert_int_eq(conn_select_add_host(&s, "10.0.0.5", err, sizeof err), 0);
	ck_assert_int_eq(conn_select_add_host(&s, "2001:db8::1", err, sizeof err), 0);
	ck_assert_int_eq(conn_select_add_host(&s, "[2001:db8::2]", err, sizeof err), 0);
	ck_assert_int_eq(conn_select_add_host(&s, "10.0.0.256", err, sizeof err), -1);
	ck_assert(strstr(err, "10.0.0.256") != NULL);
	ck_assert_int_eq(conn_select_add_host(&s, "example.com", err, sizeof err), -1);
	ck_assert_int_eq(conn_select_add_host(&s, "[]", err, sizeof err), -1);
	ck_assert_uint_eq(s.n_hosts, 3);
	ck_assert_int_eq(conn_select_add_port(&s, "443", err, sizeof err), 0);
	ck_assert_int_eq(conn_select_add_port(&s, "65535", err, sizeof err), 0);
	const char *bad_ports[] = { "0", "65536", "-1", "443x", "", " 443", "99999999999999999999" };
	for (size_t i = 0; i < sizeof bad_ports / sizeof bad_ports[0]; i++)
		ck_assert_msg(conn_select_add_port(&s, bad_ports[i], err, sizeof err) == -1, "port '%s'", bad_ports[i]);
	ck_assert_int_eq(conn_select_add_sni(&s, "", err, sizeof err), -1);
	ck_assert_int_eq(conn_select_add_sni(&s, "*.example.com", err, sizeof err), 0);
	ck_assert(conn_select_active(&s));
	/* More than SELECT_MAX values of one option are refused, not dropped. */
	struct conn_select full = { 0 };
	for (int i = 0; i < SELECT_MAX; i++)
		ck_assert_int_eq(conn_select_add_port(&full, "1", err, sizeof err), 0);
	ck_assert_int_eq(conn_select_add_port(&full, "1", err, sizeof err), -1);
}
END_TEST

START_TEST(matching)
{
	char err[160];
	struct tls_conn *a = conn("192.0.2.10", 50100, "198.51.100.20", 443, "App.Example.com");
	struct tls_conn *b = conn("192.0.2.11", 50101, "198.51.100.21", 8443, NULL);
	struct tls_conn *v6 = conn("2001:db8::10", 40000, "2001:db8::1", 443, "api.example.org");

	struct conn_select host = { 0 };
	ck_assert_int_eq(conn_select_add_host(&host, "192.0.2.10", err, sizeof err), 0); /* a client */
	ck_assert(conn_select_match(&host, a));
	ck_assert(!conn_select_match(&host, b));
	ck_assert(!conn_select_match(&host, v6));
	ck_assert_int_eq(conn_select_add_host(&host, "2001:db8::1", err, sizeof err), 0); /* a server */
	ck_assert(conn_select_match(&host, v6));

	struct conn_select port = { 0 };
	ck_assert_int_eq(conn_select_add_port(&port, "50101", err, sizeof err), 0); /* b's client port */
	ck_assert(!conn_select_match(&port, a));
	ck_assert(conn_select_match(&port, b));

	struct conn_select sni = { 0 };
	ck_assert_int_eq(conn_select_add_sni(&sni, "*.EXAMPLE.COM", err, sizeof err), 0);
	ck_assert(conn_select_match(&sni, a));   /* case does not matter */
	ck_assert(!conn_select_match(&sni, b));  /* no server name matches nothing */
	ck_assert(!conn_select_match(&sni, v6));
	ck_assert_int_eq(conn_select_add_sni(&sni, "api.example.???", err, sizeof err), 0);
	ck_assert(conn_select_match(&sni, v6));

	/* Options together: all must hold. */
	struct conn_select both = { 0 };
	ck_assert_int_eq(conn_select_add_port(&both, "443", err, sizeof err), 0);
	ck_assert_int_eq(conn_select_add_sni(&both, "*.example.org", err, sizeof err), 0);
	ck_assert(!conn_select_match(&both, a));
	ck_assert(!conn_select_match(&both, b));
	ck_assert(conn_select_match(&both, v6));
	drop(a);
	drop(b);
	drop(v6);
}
END_TEST

SUITE_MAIN("select", false, CASE("select", 0, values, matching))
