/* select.h - which connections are reported (--host, --port, --sni). The
 * connections are still read whole; the selection is made when one is
 * finished, before it is reported or counted in the summary. */
#ifndef MTLS_SELECT_H
#define MTLS_SELECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ip.h"

struct tls_conn;

#define SELECT_MAX 16 /* values per option */

/* Within an option the values are alternatives; the options together must
 * all hold. */
struct conn_select {
	struct ip_addr hosts[SELECT_MAX];
	size_t n_hosts;
	uint16_t ports[SELECT_MAX];
	size_t n_ports;
	const char *sni[SELECT_MAX]; /* fnmatch(3) patterns, the caller's */
	size_t n_sni;
};

/* Each returns 0, or -1 with the reason in err. */
int conn_select_add_host(struct conn_select *s, const char *text, char *err, size_t errsz);
int conn_select_add_port(struct conn_select *s, const char *text, char *err, size_t errsz);
int conn_select_add_sni(struct conn_select *s, const char *pattern, char *err, size_t errsz);
bool conn_select_active(const struct conn_select *s);
/* Host: either endpoint's address; port: either endpoint's port; SNI: the
 * server_name of the connection's first ClientHello, matched without
 * regard to case (a connection without one matches no pattern). */
bool conn_select_match(const struct conn_select *s, const struct tls_conn *c);

#endif
