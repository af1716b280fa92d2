/* output_ecs.c - -F ecs: each connection as one JSON object with Elastic
 * Common Schema field names (source.*, destination.*, network.*, tls.*,
 * event.*), for Filebeat or Logstash, and mtlsdiag's own facts under
 * mtlsdiag.*. Every value is taken from the -F json object by the table
 * below, which the man page prints as "JSON field -> ECS field" and
 * tests/ecs_mapping.py checks on every sample; the few derived values
 * (event.outcome, tls.version, ...) follow rules also listed there. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output/output_ecs.h"
#include "output/output_json.h"

#define ECS_VERSION "8.11.0"

/* Copied unchanged; a null or missing JSON value leaves the ECS field
 * out, as ECS documents expect. */
struct ecs_field {
	const char *json; /* path in the -F json object; [N] picks an array element */
	const char *ecs;  /* dotted ECS name */
	bool upper;       /* ECS writes hashes in upper case */
};

static const struct ecs_field ecs_fields[] = {
	{ "first_time_iso", "@timestamp", false },
	{ "outcome.reason", "message", false },
	{ "first_time_iso", "event.start", false },
	{ "client_ip", "source.ip", false },
	{ "client_port", "source.port", false },
	{ "server_ip", "destination.ip", false },
	{ "server_port", "destination.port", false },
	{ "community_id", "network.community_id", false },
	{ "server_hello.cipher_suite", "tls.cipher", false },
	{ "server_hello.alpn", "tls.next_protocol", false },
	{ "resumed", "tls.resumed", false },
	{ "sni", "tls.client.server_name", false },
	{ "ja4", "tls.client.ja4", false },
	{ "client_certificate.chain[0].subject", "tls.client.subject", false },
	{ "client_certificate.chain[0].issuer", "tls.client.issuer", false },
	{ "client_certificate.chain[0].not_before", "tls.client.not_before", false },
	{ "client_certificate.chain[0].not_after", "tls.client.not_after", false },
	{ "client_certificate.chain[0].sha256", "tls.client.hash.sha256", true },
	{ "client_certificate.chain[0].subject", "tls.client.x509.subject.distinguished_name", false },
	{ "client_certificate.chain[0].issuer", "tls.client.x509.issuer.distinguished_name", false },
	{ "client_certificate.chain[0].not_before", "tls.client.x509.not_before", false },
	{ "client_certificate.chain[0].not_after", "tls.client.x509.not_after", false },
	{ "client_certificate.chain[0].serial", "tls.client.x509.serial_number", false },
	{ "server_chain[0].subject", "tls.server.subject", false },
	{ "server_chain[0].issuer", "tls.server.issuer", false },
	{ "server_chain[0].not_before", "tls.server.not_before", false },
	{ "server_chain[0].not_after", "tls.server.not_after", false },
	{ "server_chain[0].sha256", "tls.server.hash.sha256", true },
	{ "server_chain[0].subject", "tls.server.x509.subject.distinguished_name", false },
	{ "server_chain[0].issuer", "tls.server.x509.issuer.distinguished_name", false },
	{ "server_chain[0].not_before", "tls.server.x509.not_before", false },
	{ "server_chain[0].not_after", "tls.server.x509.not_after", false },
	{ "server_chain[0].serial", "tls.server.x509.serial_number", false },
	{ "http.status", "http.response.status_code", false },
	{ "schema_version", "mtlsdiag.schema_version", false },
	{ "file", "mtlsdiag.file", false },
	{ "stream", "mtlsdiag.stream", false },
	{ "first_frame", "mtlsdiag.first_frame", false },
	{ "last_frame", "mtlsdiag.last_frame", false },
	{ "wireshark_filter", "mtlsdiag.wireshark_filter", false },
	{ "version", "mtlsdiag.version", false },
	{ "outcome", "mtlsdiag.outcome", false },
	{ "findings", "mtlsdiag.findings", false },
	{ "cert_requests", "mtlsdiag.cert_requests", false },
	{ "client_certificate", "mtlsdiag.client_certificate", false },
	{ "alerts", "mtlsdiag.alerts", false },
	{ "renegotiation", "mtlsdiag.renegotiation", false },
	{ "http", "mtlsdiag.http", false },
	{ "end", "mtlsdiag.end", false },
	{ "end_by", "mtlsdiag.end_by", false },
	{ "notes_list", "mtlsdiag.notes", false },
	{ "server_software", "mtlsdiag.server_software", false },
	{ "client_software", "mtlsdiag.client_software", false },
};

/* The value at a path such as "client_certificate.chain[0].subject";
 * NULL when a step is missing. Paths come from the table above. */
static json_t *json_at(json_t *j, const char *path)
{
	char step[64];
	while (j && *path) {
		size_t n = strcspn(path, ".[");
		if (n >= sizeof step)
			return NULL;
		memcpy(step, path, n);
		step[n] = '\0';
		path += n;
		if (n)
			j = json_object_get(j, step);
		if (*path == '[') {
			char *end;
			unsigned long i = strtoul(path + 1, &end, 10);
			j = json_array_get(j, i);
			path = *end == ']' ? end + 1 : end;
		}
		if (*path == '.')
			path++;
	}
	return j;
}

/* Sets a dotted name in nested objects, creating them in order. Takes v;
 * values are shared with the JSON object by reference, not copied. */
static void ecs_set(json_t *root, const char *name, json_t *v)
{
	char step[64];
	json_t *o = root;
	const char *dot;
	while ((dot = strchr(name, '.')) != NULL) {
		size_t n = (size_t)(dot - name);
		if (n >= sizeof step)
			break;
		memcpy(step, name, n);
		step[n] = '\0';
		json_t *next = json_object_get(o, step);
		if (!json_is_object(next)) {
			next = json_object();
			json_object_set_new(o, step, next);
		}
		o = next;
		name = dot + 1;
	}
	json_object_set_new(o, name, v);
}

static json_t *upper_copy(json_t *v)
{
	if (!json_is_string(v))
		return json_incref(v);
	char buf[80];
	snprintf(buf, sizeof buf, "%s", json_string_value(v));
	for (char *p = buf; *p; p++)
		*p = (char)toupper((unsigned char)*p);
	return json_string(buf);
}

static const char *event_outcome(enum outcome_kind k)
{
	switch (k) {
	case OUTCOME_AUTHENTICATED:
		return "success";
	case OUTCOME_REJECTED:
	case OUTCOME_NO_CERTIFICATE:
	case OUTCOME_FAILED_BEFORE_REQUEST:
		return "failure";
	default:
		return "unknown";
	}
}

static json_t *string_list(const char *a, const char *b)
{
	json_t *arr = json_array();
	json_array_append_new(arr, json_string(a));
	if (b)
		json_array_append_new(arr, json_string(b));
	return arr;
}

/* "TLS 1.2" -> tls.version_protocol "tls", tls.version "1.2". */
static void set_version(json_t *ecs, const json_t *version)
{
	const char *v = json_string_value(version);
	const char *space = v ? strchr(v, ' ') : NULL; /* not for an unknown "0xfb1a" */
	if (!space)
		return;
	char proto[8];
	size_t n = (size_t)(space - v);
	if (n >= sizeof proto)
		return;
	for (size_t i = 0; i < n; i++)
		proto[i] = (char)tolower((unsigned char)v[i]);
	proto[n] = '\0';
	ecs_set(ecs, "tls.version", json_string(space + 1));
	ecs_set(ecs, "tls.version_protocol", json_string(proto));
}

/* tls.established: 1, 0, or -1 when it cannot be told. The initial
 * handshake completed: a Finished from each side (in clear, as a TLS 1.2
 * encrypted Finished, or decrypted) and no fatal alert before the
 * application data that follows; a renegotiation refused later does not
 * undo it. When the Finished messages are not visible (TLS 1.3 without
 * keys, a capture started late) the outcome decides: refused is 0,
 * undetermined is -1, otherwise application data both ways is 1. */
static int handshake_established(const struct tls_conn *c, const struct outcome *oc)
{
	uint64_t fin[2] = { 0, 0 }, data = 0;
	bool data_from[2] = { false, false };
	for (size_t i = 0; i < c->n_events; i++) {
		const struct conn_event *e = &c->events[i];
		if (e->from > SIDE_SERVER)
			continue;
		if ((e->kind == EV_HANDSHAKE || e->kind == EV_ENC_HANDSHAKE) && e->hs_type == TLS_HS_FINISHED) {
			if (!fin[e->from])
				fin[e->from] = e->frame;
		} else if (e->kind == EV_APP_DATA) {
			data_from[e->from] = true;
			if (fin[SIDE_CLIENT] && fin[SIDE_SERVER] && !data)
				data = e->frame;
		}
	}
	if (fin[SIDE_CLIENT] && fin[SIDE_SERVER]) {
		for (size_t i = 0; i < c->n_alerts; i++)
			if (c->alerts[i].level == 2 && (!data || c->alerts[i].frame < data))
				return 0;
		return 1;
	}
	if (oc->failure == FAILURE_UNDETERMINED)
		return -1;
	return oc->failure == FAILURE_NO && data_from[SIDE_CLIENT] && data_from[SIDE_SERVER];
}

void output_ecs_conn(struct output *o, const char *file_name, const struct tls_conn *c, const struct findings *fs)
{
	json_t *j = output_json_object(o, file_name, c, fs);
	json_t *ecs = json_object();
	/* The groups in the order a reader looks for them; empty ones go. */
	static const char *const groups[] = { "ecs", "event", "source", "destination", "network", "tls", "http", "mtlsdiag" };
	const struct ecs_field *f = ecs_fields;
	const struct ecs_field *end = ecs_fields + sizeof ecs_fields / sizeof ecs_fields[0];

	/* @timestamp and message lead, as ECS documents show them. */
	for (; f < end && !strchr(f->ecs, '.'); f++) {
		json_t *v = json_at(j, f->json);
		if (v && !json_is_null(v))
			ecs_set(ecs, f->ecs, json_incref(v));
	}
	for (size_t i = 0; i < sizeof groups / sizeof groups[0]; i++)
		json_object_set_new(ecs, groups[i], json_object());
	ecs_set(ecs, "ecs.version", json_string(ECS_VERSION));
	ecs_set(ecs, "event.kind", json_string("event"));
	ecs_set(ecs, "event.category", string_list("network", NULL));
	ecs_set(ecs, "event.type", string_list("connection", "protocol"));
	ecs_set(ecs, "event.outcome", json_string(event_outcome(fs->outcome.kind)));
	ecs_set(ecs, "event.dataset", json_string("mtlsdiag.connection"));
	ecs_set(ecs, "network.transport", json_string("tcp"));
	ecs_set(ecs, "network.type", json_string(c->client.addr.family == 6 ? "ipv6" : "ipv4"));
	ecs_set(ecs, "network.protocol", json_string("tls"));
	set_version(ecs, json_object_get(j, "version"));
	int established = handshake_established(c, &fs->outcome);
	if (established >= 0)
		ecs_set(ecs, "tls.established", json_boolean(established));
	for (; f < end; f++) {
		json_t *v = json_at(j, f->json);
		if (v && !json_is_null(v))
			ecs_set(ecs, f->ecs, f->upper ? upper_copy(v) : json_incref(v));
	}
	for (size_t i = 0; i < sizeof groups / sizeof groups[0]; i++)
		if (json_object_size(json_object_get(ecs, groups[i])) == 0)
			json_object_del(ecs, groups[i]);
	output_json_line(o, ecs);
	json_decref(ecs);
	json_decref(j);
}
