/* evidence.h - what the model's facts show about the certificate exchange,
 * read the same way by the outcome and by the findings: TLS 1.3 or not,
 * decrypted or not, and the inferences from encrypted record sizes. */
#ifndef MTLS_EVIDENCE_H
#define MTLS_EVIDENCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/model.h"

bool conn_is_tls13(const struct tls_conn *c);
/* The key log showed what encryption hides: no inference is needed. */
bool conn_decrypted(const struct tls_conn *c);

/* TLS 1.3 without keys, from the client's first encrypted flight:
 * "not_requested", "empty", "present" or "undetermined". */
const char *tls13_infer_handshake_auth(const struct tls_conn *c);

/* The first fatal (or encrypted, level unknown) alert a side sent. */
const struct alert_fact *fatal_alert_from(const struct tls_conn *c, enum side s);
/* The first application data a side sent (0 when none), after `after`. */
uint64_t first_app_frame_after(const struct tls_conn *c, enum side s, uint64_t after);

/* The client's answer to the server's renegotiation flight, seen only as
 * encrypted record sizes. */
enum reneg_answer { ANSWER_UNSEEN, ANSWER_CERTIFICATE, ANSWER_NO_CERTIFICATE, ANSWER_UNCLEAR };
enum reneg_answer judge_reneg_answer(const struct tls_conn *c, size_t *records, uint64_t *bytes);

/* The server asked for a renegotiation (HelloRequest, or its handshake
 * records after application data): with TLS 1.2 servers, to ask for a
 * client certificate late. */
bool server_started_renegotiation(const struct tls_conn *c);
/* The server finished the renegotiation after the client's answer (its
 * ChangeCipherSpec/Finished or data followed): it accepted that answer. */
bool renegotiation_accepted(const struct tls_conn *c);

/* With keys, the server's renegotiation flight was read (its decrypted
 * ServerHelloDone or Finished after the renegotiation began): whether it
 * asked is then known, not inferred. */
bool reneg_server_flight_decrypted(const struct tls_conn *c);

/* The handshake finished on both sides: TLS 1.2 both ChangeCipherSpecs
 * (the server's comes after the client's certificate, so it accepted
 * it); TLS 1.3 the client's flight answered by something other than an
 * alert, or followed by the client's data. */
bool handshake_completed(const struct tls_conn *c);

/* An encrypted TLS 1.3 record (its length field) of an alert's size: 2
 * alert bytes, the inner content type and a 16-byte AEAD tag (8 with
 * CCM_8): 19 or 11 bytes. */
bool tls13_alert_sized(uint64_t record_bytes);
/* TLS 1.3 without keys: the server's first record after the client's
 * flight is alert-sized, its last, and the connection then ended. */
bool tls13_alert_after_client_flight(const struct tls_conn *c);

/* An encrypted server alert after the client's renegotiation answer, with
 * no server data between and the connection then ended; NULL otherwise. */
const struct alert_fact *encrypted_alert_after_reneg_answer(const struct tls_conn *c);

/* TLS 1.3 post-handshake authentication seen only as record sizes: after
 * the client's first request, a server record answered by a client
 * flight of 2 records (empty Certificate, Finished) or 3 or more
 * (Certificate, CertificateVerify, Finished). Returns "present", "empty"
 * or NULL, with the frames of the server's request and the answer. */
const char *tls13_infer_post_handshake(const struct tls_conn *c, uint64_t *request_frame, uint64_t *answer_frame,
				       const struct conn_event **answer);

/* The status of the first decrypted HTTP response that refuses access for
 * want of a certificate (400, 401, 403, 495, 496), 0 when none; and the
 * first success (2xx/3xx) status, 0 when none. Frames via the pointers. */
int http_refusal_status(const struct tls_conn *c, uint64_t *frame);
int http_success_status(const struct tls_conn *c, uint64_t *frame);

#endif
