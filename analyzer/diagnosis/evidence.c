/* evidence.c - readings of the model shared by the outcome and the
 * findings (see evidence.h). */
#include "diagnosis/evidence.h"

#include <string.h>

#include "tls_names.h"

bool conn_is_tls13(const struct tls_conn *c)
{
	return tls_version_is_13(c->version);
}

bool conn_decrypted(const struct tls_conn *c)
{
	return c->records_decrypted > 0 && !c->decrypt_failed;
}

/* Record sizes (AEAD tag 16, inner type 1): a Finished alone is 53 or 69
 * bytes (SHA-256 / SHA-384), an empty TLS 1.3 Certificate 25. */
const char *tls13_infer_handshake_auth(const struct tls_conn *c)
{
	if (c->n_client_flight == 0)
		return "undetermined";
	uint32_t first = c->client_flight[0];
	if (first == 53 || first == 69)
		return "not_requested";
	if (first == 25)
		return "empty";
	if (first > 100 && c->n_client_flight >= 3)
		return "present";
	return "undetermined";
}

const struct alert_fact *fatal_alert_from(const struct tls_conn *c, enum side s)
{
	for (size_t i = 0; i < c->n_alerts; i++)
		if (c->alerts[i].from == s && (c->alerts[i].level == TLS_ALERT_LEVEL_FATAL || c->alerts[i].encrypted))
			return &c->alerts[i];
	return NULL;
}

uint64_t first_app_frame_after(const struct tls_conn *c, enum side s, uint64_t after)
{
	for (size_t i = 0; i < c->n_events; i++)
		if (c->events[i].kind == EV_APP_DATA && c->events[i].from == s && c->events[i].frame > after)
			return c->events[i].frame;
	return 0;
}

/* A certificate with its CertificateVerify makes the answer at least four
 * records or several hundred bytes; without one it is (empty Certificate,)
 * ClientKeyExchange and Finished, under 80 bytes each with ECDHE. */
enum reneg_answer judge_reneg_answer(const struct tls_conn *c, size_t *records, uint64_t *bytes)
{
	*records = reneg_client_answer(c, bytes);
	if (*records == 0)
		return ANSWER_UNSEEN;
	if ((*records >= 4 && c->reneg_hs_len[SIDE_CLIENT][1] > 100) || *bytes > 600)
		return ANSWER_CERTIFICATE;
	if (*records <= 3 && *bytes < 240)
		return ANSWER_NO_CERTIFICATE;
	return ANSWER_UNCLEAR;
}

bool server_started_renegotiation(const struct tls_conn *c)
{
	if (conn_is_tls13(c))
		return false;
	for (size_t i = 0; i < c->n_requests; i++)
		if (c->requests[i].phase == PHASE_RENEGOTIATION)
			return true;
	return (c->renegotiated && c->reneg_initiator == SIDE_SERVER) || c->hello_request_frame;
}

bool renegotiation_accepted(const struct tls_conn *c)
{
	if (!c->renegotiated || !c->reneg_client_flight_frame)
		return false;
	for (size_t i = 0; i < c->n_events; i++) {
		const struct conn_event *e = &c->events[i];
		if (e->frame <= c->reneg_client_flight_frame)
			continue;
		if (e->kind == EV_ALERT && e->from == SIDE_SERVER)
			return false;
		if (e->from == SIDE_SERVER && (e->kind == EV_CCS || e->kind == EV_APP_DATA ||
					       (e->kind == EV_HANDSHAKE && e->hs_type == TLS_HS_FINISHED)))
			return true;
	}
	return false;
}

bool reneg_server_flight_decrypted(const struct tls_conn *c)
{
	if (!c->renegotiated && !c->hello_request_frame)
		return false;
	uint64_t from = c->hello_request_frame ? c->hello_request_frame : c->first_reneg_frame;
	for (size_t i = 0; i < c->n_events; i++) {
		const struct conn_event *e = &c->events[i];
		if (e->frame > from && e->from == SIDE_SERVER && e->kind == EV_HANDSHAKE && e->decrypted &&
		    (e->hs_type == TLS_HS_SERVER_HELLO_DONE || e->hs_type == TLS_HS_FINISHED))
			return true;
	}
	return false;
}

bool tls13_alert_sized(uint64_t record_bytes)
{
	return record_bytes == 19 || record_bytes == 11;
}

bool tls13_alert_after_client_flight(const struct tls_conn *c)
{
	bool alert_sized = tls13_alert_sized(c->server_reply_len);
	bool last_word = c->app_records[SIDE_SERVER] == c->server_records_before_reply + 1;
	bool ended = c->end == END_FIN || c->end == END_RST;
	return c->server_reply_frame && alert_sized && last_word && ended && c->n_client_flight > 0;
}

bool handshake_completed(const struct tls_conn *c)
{
	if (!conn_is_tls13(c))
		return c->ccs_seen[SIDE_CLIENT] && c->ccs_seen[SIDE_SERVER];
	if (conn_decrypted(c)) {
		if (!c->finished_seen[SIDE_CLIENT])
			return false;
		const struct alert_fact *a = fatal_alert_from(c, SIDE_SERVER);
		return !a || a->level != TLS_ALERT_LEVEL_FATAL;
	}
	return c->n_client_flight > 0 && c->server_reply_frame && !tls13_alert_after_client_flight(c);
}

const struct alert_fact *encrypted_alert_after_reneg_answer(const struct tls_conn *c)
{
	if (conn_is_tls13(c) || !c->renegotiated || !c->reneg_client_flight_frame ||
	    (c->end != END_FIN && c->end != END_RST) || renegotiation_accepted(c))
		return NULL;
	const struct alert_fact *a = NULL;
	for (size_t i = 0; i < c->n_alerts && !a; i++)
		if (c->alerts[i].from == SIDE_SERVER && c->alerts[i].encrypted &&
		    c->alerts[i].frame >= c->reneg_client_flight_frame)
			a = &c->alerts[i];
	if (!a)
		return NULL;
	for (size_t i = 0; i < c->n_events; i++)
		if (c->events[i].kind == EV_APP_DATA && c->events[i].from == SIDE_SERVER &&
		    c->events[i].frame > c->reneg_client_flight_frame && c->events[i].frame < a->frame)
			return NULL;
	return a;
}

const char *tls13_infer_post_handshake(const struct tls_conn *c, uint64_t *request_frame, uint64_t *answer_frame,
				       const struct conn_event **answer)
{
	*request_frame = *answer_frame = 0;
	if (answer)
		*answer = NULL;
	if (!conn_is_tls13(c) || !c->have_client_hello || !c->ch.has_post_handshake_auth || conn_decrypted(c))
		return NULL;
	uint64_t first_client_app = first_app_frame_after(c, SIDE_CLIENT, c->server_reply_frame);
	if (!first_client_app || !c->server_reply_frame)
		return NULL;
	for (size_t i = 1; i < c->n_events; i++) {
		const struct conn_event *e = &c->events[i];
		const struct conn_event *before = &c->events[i - 1];
		if (e->kind != EV_APP_DATA || e->from != SIDE_CLIENT || e->frame <= first_client_app ||
		    before->from != SIDE_SERVER || before->kind != EV_APP_DATA)
			continue;
		const char *verdict = e->count >= 3 ? "present" : e->count == 2 && e->bytes <= 200 ? "empty" : NULL;
		if (!verdict)
			continue;
		*request_frame = before->frame;
		*answer_frame = e->frame;
		if (answer)
			*answer = e;
		return verdict;
	}
	return NULL;
}

static bool is_refusal(int status)
{
	return status == 400 || status == 401 || status == 403 || status == 495 || status == 496;
}

int http_refusal_status(const struct tls_conn *c, uint64_t *frame)
{
	*frame = 0;
	if (c->http) {
		for (size_t i = 0; i < c->http->n; i++)
			if (is_refusal(c->http->ex[i].status)) {
				*frame = c->http->ex[i].response_frame;
				return c->http->ex[i].status;
			}
		return 0;
	}
	if (is_refusal(c->http_status)) {
		*frame = c->http_response_frame;
		return c->http_status;
	}
	return 0;
}

int http_success_status(const struct tls_conn *c, uint64_t *frame)
{
	*frame = 0;
	if (c->http) {
		for (size_t i = 0; i < c->http->n; i++)
			if (c->http->ex[i].status >= 200 && c->http->ex[i].status < 400) {
				*frame = c->http->ex[i].response_frame;
				return c->http->ex[i].status;
			}
		return 0;
	}
	if (c->http_status >= 200 && c->http_status < 400) {
		*frame = c->http_response_frame;
		return c->http_status;
	}
	return 0;
}
