/* model.c - life cycle and names of the connection model. */
#include "model/model.h"
#include "model/cert_cache.h"

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
	for (size_t i = 0; i < ch->n_kept; i++) {
		cert_summary_put(ch->certs[i].shared);
		free(ch->certs[i].der);
	}
	free(ch->certs);
	ch->certs = NULL;
	ch->n_kept = 0;
	ch->n_certs = 0;
}

void tls_conn_release(struct tls_conn *c)
{
	for (size_t i = 0; i < c->n_requests; i++) {
		ca_list_put(c->requests[i].ca_list);
	}
	free(c->requests);
	free(c->alerts);
	cert_chain_release(&c->server_chain);
	cert_chain_release(&c->client_chain);
	free(c->client_verify);
	c->client_verify = NULL;
	free(c->http);
	c->http = NULL;
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

const char *decryption_status(const struct tls_conn *c)
{
	if (!c->keylog_given)
		return NULL;
	if (c->decrypt_failed)
		return "failed";
	if (c->suite_unsupported)
		return "unsupported_cipher_suite";
	if (c->records_decrypted)
		return "decrypted";
	if (c->keys_missing)
		return "no_keys";
	return "not_needed";
}

const char *side_name(enum side s)
{
	return s == SIDE_CLIENT ? "client" : "server";
}

const char *endpoint_text(const struct endpoint *e, char *buf, size_t bufsz)
{
	char addr[64];
	size_t n = strlen(ip_addr_text(&e->addr, addr, sizeof addr));
	bool v6 = e->addr.family == 6;
	if (bufsz < n + 2 + 7) { /* brackets, ':', 5 digits, NUL */
		snprintf(buf, bufsz, v6 ? "[%s]:%u" : "%s:%u", addr, e->port);
		return buf;
	}
	/* "[%s]:%u" or "%s:%u", without printf: reports print two per connection. */
	char *p = buf;
	if (v6)
		*p++ = '[';
	memcpy(p, addr, n);
	p += n;
	if (v6)
		*p++ = ']';
	*p++ = ':';
	char digits[6];
	size_t k = sizeof digits;
	unsigned port = e->port;
	do {
		digits[--k] = (char)('0' + port % 10);
		port /= 10;
	} while (port);
	memcpy(p, digits + k, sizeof digits - k);
	p[sizeof digits - k] = '\0';
	return buf;
}

#define NOTE(NAME, name) [NOTE_##NAME] = name,
static const char *const note_names[NOTE_COUNT] = {
#include "model/notes.def"
};
#undef NOTE

const char *conn_note_name(enum conn_note n)
{
	return (unsigned)n < NOTE_COUNT ? note_names[n] : "unknown";
}

bool tls_conn_has_note(const struct tls_conn *c, enum conn_note n)
{
	return (unsigned)n < NOTE_COUNT && (c->notes >> n & 1u);
}

void tls_conn_note(struct tls_conn *c, enum conn_note n)
{
	if ((unsigned)n >= NOTE_COUNT || tls_conn_has_note(c, n))
		return;
	c->notes |= 1u << n;
	c->note_order[c->n_notes++] = (uint8_t)n;
}

void tls_conn_notes_text(const struct tls_conn *c, char *buf, size_t size)
{
	size_t used = 0;
	if (!size)
		return;
	buf[0] = '\0';
	for (size_t i = 0; i < c->n_notes && used + 1 < size; i++) {
		int n = snprintf(buf + used, size - used, "%s%s", i ? "," : "", conn_note_name(c->note_order[i]));
		if (n < 0)
			break;
		used += (size_t)n < size - used ? (size_t)n : size - used - 1;
	}
}

size_t reneg_client_answer(const struct tls_conn *c, uint64_t *bytes)
{
	size_t n = c->n_reneg_hs[SIDE_CLIENT];
	*bytes = 0;
	for (size_t i = 1; i < n; i++)
		*bytes += c->reneg_hs_len[SIDE_CLIENT][i];
	return n < 2 ? 0 : n - 1;
}

/* Does a certificate of the client chain name (as issuer or subject) a DN
 * of the last request's list? Text comparison of RFC 2253 forms, as both
 * sides are printed by the same OpenSSL call. */
int client_chain_reaches_list(const struct tls_conn *c)
{
	if (c->cc_status != CC_PRESENT || c->client_chain.n_kept == 0 || c->n_requests == 0)
		return -1;
	const struct cert_request_fact *r = &c->requests[c->n_requests - 1];
	if (r->n_ca_names == 0)
		return -1;
	for (size_t i = 0; i < c->client_chain.n_kept; i++) {
		const struct cert_info *ci = &c->client_chain.certs[i];
		if (!ci->parsed)
			continue;
		for (size_t k = 0; k < r->n_ca_names; k++)
			if (strcmp(r->ca_names[k], ci->sum->issuer) == 0 || strcmp(r->ca_names[k], ci->sum->subject) == 0)
				return 1;
	}
	/* Names missing after a malformed one could have matched. */
	return r->partial ? -1 : 0;
}

int64_t conn_capture_time(const struct tls_conn *c)
{
	return c->first_ts_ns / 1000000000LL;
}

int cert_validity_at(const struct x509_summary *s, int64_t at_epoch)
{
	if (s->not_after_epoch && at_epoch > s->not_after_epoch)
		return 1;
	if (s->not_before_epoch && at_epoch < s->not_before_epoch)
		return -1;
	return 0;
}

const char *reneg_outcome(const struct tls_conn *c)
{
	if (!c->renegotiated)
		return NULL;
	uint64_t after = c->reneg_client_flight_frame ? c->reneg_client_flight_frame : c->first_reneg_frame;
	for (size_t i = 0; i < c->n_events; i++) {
		const struct conn_event *e = &c->events[i];
		if (e->frame <= after)
			continue;
		if (e->kind == EV_ALERT)
			return "refused";
		if (e->kind == EV_APP_DATA && e->from == SIDE_SERVER && c->reneg_client_flight_frame)
			return "completed";
	}
	return c->end == END_FIN || c->end == END_RST || c->end == END_ALERT ? "aborted" : "unknown";
}
