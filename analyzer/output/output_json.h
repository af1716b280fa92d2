/* output_json.h - the connection object of -F json, written straight from
 * the model, and the parts of it that -F ecs (output_ecs.c) and compare's
 * JSON (compare_output.c) write the same way. */
#ifndef MTLS_OUTPUT_JSON_H
#define MTLS_OUTPUT_JSON_H

#include "output/json_write.h"
#include "output/output.h"

/* The layout of the connection objects (-F json, compare's sides). */
#define JSON_SCHEMA_VERSION 1

/* One connection's report: what every part of its JSON reads. */
struct json_conn {
	const struct output *o;
	const char *file_name;
	const struct tls_conn *c;
	const struct findings *fs;
};

/* The values of the -F json object that -F ecs copies; each is named
 * after its path in that object. */
enum json_field {
	JF_SCHEMA_VERSION,
	JF_FILE,
	JF_STREAM,
	JF_CLIENT_IP,
	JF_CLIENT_PORT,
	JF_SERVER_IP,
	JF_SERVER_PORT,
	JF_COMMUNITY_ID,
	JF_FIRST_FRAME,
	JF_LAST_FRAME,
	JF_FIRST_TIME_ISO,
	JF_VERSION,
	JF_SNI,
	JF_SERVER_HELLO_CIPHER_SUITE,
	JF_SERVER_HELLO_ALPN,
	JF_RESUMED,
	JF_CERT_REQUESTS,
	JF_CLIENT_CERTIFICATE,
	JF_ALERTS,
	JF_RENEGOTIATION,
	JF_HTTP,
	JF_HTTP_STATUS,
	JF_END,
	JF_END_BY,
	JF_NOTES_LIST,
	JF_WIRESHARK_FILTER,
	JF_OUTCOME,
	JF_OUTCOME_REASON,
	JF_FINDINGS,
	JF_SERVER_SOFTWARE,
	JF_CLIENT_SOFTWARE,
	JF_JA4,
	JF_COUNT /* not a field: how many there are */
};

/* The value at f, null when the -F json object has null or nothing there. */
void json_conn_value(struct json_writer *w, const struct json_conn *j, enum json_field f);

/* Fields of the first certificate of a chain (server_chain[0].subject,
 * client_certificate.chain[0].sha256, ...). */
enum json_leaf_field { JL_SUBJECT, JL_ISSUER, JL_NOT_BEFORE, JL_NOT_AFTER, JL_SERIAL, JL_SHA256 };
/* The field, or null when the chain has no decoded first certificate;
 * upper: the SHA-256 in upper-case hex. */
void json_chain_leaf(struct json_writer *w, const struct cert_chain *ch, enum json_leaf_field f, bool upper);

/* The members every connection object starts with, in the report and in
 * compare: schema_version, file, stream, client, server. */
void json_conn_header(struct json_writer *w, const char *file_name, const struct tls_conn *c);
/* "TLS 1.2", or null when not known. */
void json_tls_version(struct json_writer *w, uint16_t version);
/* The ClientHello's server_name, or null. */
void json_sni(struct json_writer *w, const struct tls_conn *c);

/* "2026-03-02T10:00:00.123456Z": a capture time in UTC to the microsecond. */
const char *iso8601_us(int64_t ns, char *buf, size_t bufsz);

#endif
