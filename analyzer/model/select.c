/* select.c - --host, --port and --sni: which finished connections are
 * reported. */
#include <arpa/inet.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/model.h"
#include "model/select.h"

static int full(const char *opt, char *err, size_t errsz)
{
	snprintf(err, errsz, "%s: at most %d values", opt, SELECT_MAX);
	return -1;
}

int conn_select_add_host(struct conn_select *s, const char *text, char *err, size_t errsz)
{
	struct ip_addr a = { 0 };
	char bare[INET6_ADDRSTRLEN + 2];
	size_t n = strlen(text);
	/* [v6] as in URLs is accepted too. */
	if (n >= 2 && n < sizeof bare && text[0] == '[' && text[n - 1] == ']') {
		memcpy(bare, text + 1, n - 2);
		bare[n - 2] = '\0';
		text = bare;
	}
	if (inet_pton(AF_INET, text, a.a) == 1) {
		a.family = 4;
	} else if (inet_pton(AF_INET6, text, a.a) == 1) {
		a.family = 6;
	} else {
		snprintf(err, errsz, "--host: '%s' is not an IPv4 or IPv6 address", text);
		return -1;
	}
	if (s->n_hosts == SELECT_MAX)
		return full("--host", err, errsz);
	s->hosts[s->n_hosts++] = a;
	return 0;
}

int conn_select_add_port(struct conn_select *s, const char *text, char *err, size_t errsz)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(text, &end, 10);
	if (text[0] < '0' || text[0] > '9' || errno || *end || v == 0 || v > 65535) {
		snprintf(err, errsz, "--port: '%s' is not a port number (1-65535)", text);
		return -1;
	}
	if (s->n_ports == SELECT_MAX)
		return full("--port", err, errsz);
	s->ports[s->n_ports++] = (uint16_t)v;
	return 0;
}

int conn_select_add_sni(struct conn_select *s, const char *pattern, char *err, size_t errsz)
{
	if (!*pattern) {
		snprintf(err, errsz, "--sni: the pattern is empty");
		return -1;
	}
	if (s->n_sni == SELECT_MAX)
		return full("--sni", err, errsz);
	s->sni[s->n_sni++] = pattern;
	return 0;
}

bool conn_select_active(const struct conn_select *s)
{
	return s && (s->n_hosts || s->n_ports || s->n_sni);
}

static bool same_addr(const struct ip_addr *x, const struct ip_addr *y)
{
	return x->family == y->family && memcmp(x->a, y->a, x->family == 4 ? 4 : 16) == 0;
}

bool conn_select_match(const struct conn_select *s, const struct tls_conn *c)
{
	if (s->n_hosts) {
		bool any = false;
		for (size_t i = 0; i < s->n_hosts && !any; i++)
			any = same_addr(&s->hosts[i], &c->client.addr) || same_addr(&s->hosts[i], &c->server.addr);
		if (!any)
			return false;
	}
	if (s->n_ports) {
		bool any = false;
		for (size_t i = 0; i < s->n_ports && !any; i++)
			any = s->ports[i] == c->client.port || s->ports[i] == c->server.port;
		if (!any)
			return false;
	}
	if (s->n_sni) {
		const char *sni = c->have_client_hello ? c->ch.sni : "";
		bool any = false;
		for (size_t i = 0; i < s->n_sni && !any && *sni; i++)
			any = fnmatch(s->sni[i], sni, FNM_CASEFOLD) == 0;
		if (!any)
			return false;
	}
	return true;
}
