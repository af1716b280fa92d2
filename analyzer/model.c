/* model.c - life cycle and names of the connection model. */
#include "model.h"
#include "cert_cache.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void tls_conn_init(struct tls_conn *c)
{
	memset(c, 0, sizeof *c);
	c->end = END_CAPTURE_END;
}

void cert_chain_release(struct cert_chain *ch)
{
	for (size_t i = 0; i < ch->n_kept; i++)
		cert_summary_put(ch->certs[i].shared);
	free(ch->certs);
	ch->certs = NULL;
	ch->n_kept = 0;
	ch->n_certs = 0;
}

void tls_conn_release(struct tls_conn *c)
{
	for (size_t i = 0; i < c->n_requests; i++) {
		for (size_t j = 0; j < c->requests[i].n_ca_names; j++)
			free(c->requests[i].ca_names[j]);
		free(c->requests[i].ca_names);
		free(c->requests[i].ca_list_der);
	}
	free(c->requests);
	free(c->alerts);
	cert_chain_release(&c->server_chain);
	cert_chain_release(&c->client_chain);
	c->requests = NULL;
	c->alerts = NULL;
	c->n_requests = c->n_alerts = 0;
}

const char *cc_status_name(enum cc_status s)
{
	switch (s) {
	case CC_NOT_REQUESTED:
		return "not_requested";
	case CC_ABSENT:
		return "absent";
	case CC_EMPTY:
		return "empty";
	case CC_PRESENT:
		return "present";
	case CC_UNKNOWN:
		return "unknown";
	}
	return "unknown";
}

const char *cr_phase_name(enum cr_phase p)
{
	switch (p) {
	case PHASE_INITIAL:
		return "initial";
	case PHASE_RENEGOTIATION:
		return "renegotiation";
	case PHASE_POST_HANDSHAKE:
		return "post_handshake";
	}
	return "initial";
}

const char *visibility_name(enum visibility v)
{
	switch (v) {
	case VIS_CLEARTEXT:
		return "cleartext";
	case VIS_DECRYPTED:
		return "decrypted";
	case VIS_INFERRED:
		return "inferred";
	}
	return "cleartext";
}

const char *conn_end_name(enum conn_end e)
{
	switch (e) {
	case END_CAPTURE_END:
		return "capture_end";
	case END_FIN:
		return "fin";
	case END_RST:
		return "rst";
	case END_ALERT:
		return "alert";
	case END_IDLE:
		return "idle";
	case END_EVICTED:
		return "evicted";
	}
	return "capture_end";
}

const char *side_name(enum side s)
{
	return s == SIDE_CLIENT ? "client" : "server";
}

const char *endpoint_text(const struct endpoint *e, char *buf, size_t bufsz)
{
	char addr[64];
	ip_addr_text(&e->addr, addr, sizeof addr);
	if (e->addr.family == 6)
		snprintf(buf, bufsz, "[%s]:%u", addr, e->port);
	else
		snprintf(buf, bufsz, "%s:%u", addr, e->port);
	return buf;
}

void tls_conn_note(struct tls_conn *c, const char *note)
{
	size_t used = strlen(c->notes), add = strlen(note);
	/* Each note once. */
	const char *hit = strstr(c->notes, note);
	while (hit) {
		bool starts = hit == c->notes || hit[-1] == ',';
		bool ends = hit[add] == '\0' || hit[add] == ',';
		if (starts && ends)
			return;
		hit = strstr(hit + 1, note);
	}
	if (used + add + 2 > sizeof c->notes)
		return;
	if (used)
		c->notes[used++] = ',';
	memcpy(c->notes + used, note, add + 1);
}
