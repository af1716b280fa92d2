/* output_ecs.c - -F ecs: each connection as one JSON object with Elastic
 * Common Schema field names (source.*, destination.*, network.*, tls.*,
 * event.*), for Filebeat or Logstash, and mtlsdiag's own facts under
 * mtlsdiag.*. Every value is taken from the -F json object by the table
 * below, which the man page prints as "JSON field -> ECS field" and
 * tests/ecs_mapping.py checks on every sample; the few derived values
 * (event.outcome, tls.version, ...) follow rules also listed there. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "output/output_ecs.h"
#include "output/output_json.h"
#include "tls_names.h"

#define ECS_VERSION "8.11.0"

/* Copied unchanged from the -F json object; a null or missing JSON value
 * leaves the ECS field out, as ECS documents expect. The man page's
 * table lists the same rows with their JSON paths. Rows of a group, and
 * of an object inside it, follow one another (that is how they are
 * written). */
enum ecs_source { ECS_FIELD, ECS_CLIENT_LEAF, ECS_SERVER_LEAF };
struct ecs_field {
	enum ecs_source from;
	int field;        /* enum json_field, or with a LEAF source enum json_leaf_field */
	const char *ecs;  /* dotted ECS name */
	bool upper;       /* ECS writes hashes in upper case */
};

static const struct ecs_field ecs_fields[] = {
	{ ECS_FIELD, JF_FIRST_TIME_ISO, "@timestamp", false },
	{ ECS_FIELD, JF_OUTCOME_REASON, "message", false },
	{ ECS_FIELD, JF_FIRST_TIME_ISO, "event.start", false },
	{ ECS_FIELD, JF_CLIENT_IP, "source.ip", false },
	{ ECS_FIELD, JF_CLIENT_PORT, "source.port", false },
	{ ECS_FIELD, JF_SERVER_IP, "destination.ip", false },
	{ ECS_FIELD, JF_SERVER_PORT, "destination.port", false },
	{ ECS_FIELD, JF_COMMUNITY_ID, "network.community_id", false },
	{ ECS_FIELD, JF_SERVER_HELLO_CIPHER_SUITE, "tls.cipher", false },
	{ ECS_FIELD, JF_SERVER_HELLO_ALPN, "tls.next_protocol", false },
	{ ECS_FIELD, JF_RESUMED, "tls.resumed", false },
	{ ECS_FIELD, JF_SNI, "tls.client.server_name", false },
	{ ECS_FIELD, JF_JA4, "tls.client.ja4", false },
	{ ECS_CLIENT_LEAF, JL_SUBJECT, "tls.client.subject", false },
	{ ECS_CLIENT_LEAF, JL_ISSUER, "tls.client.issuer", false },
	{ ECS_CLIENT_LEAF, JL_NOT_BEFORE, "tls.client.not_before", false },
	{ ECS_CLIENT_LEAF, JL_NOT_AFTER, "tls.client.not_after", false },
	{ ECS_CLIENT_LEAF, JL_SHA256, "tls.client.hash.sha256", true },
	{ ECS_CLIENT_LEAF, JL_SUBJECT, "tls.client.x509.subject.distinguished_name", false },
	{ ECS_CLIENT_LEAF, JL_ISSUER, "tls.client.x509.issuer.distinguished_name", false },
	{ ECS_CLIENT_LEAF, JL_NOT_BEFORE, "tls.client.x509.not_before", false },
	{ ECS_CLIENT_LEAF, JL_NOT_AFTER, "tls.client.x509.not_after", false },
	{ ECS_CLIENT_LEAF, JL_SERIAL, "tls.client.x509.serial_number", false },
	{ ECS_SERVER_LEAF, JL_SUBJECT, "tls.server.subject", false },
	{ ECS_SERVER_LEAF, JL_ISSUER, "tls.server.issuer", false },
	{ ECS_SERVER_LEAF, JL_NOT_BEFORE, "tls.server.not_before", false },
	{ ECS_SERVER_LEAF, JL_NOT_AFTER, "tls.server.not_after", false },
	{ ECS_SERVER_LEAF, JL_SHA256, "tls.server.hash.sha256", true },
	{ ECS_SERVER_LEAF, JL_SUBJECT, "tls.server.x509.subject.distinguished_name", false },
	{ ECS_SERVER_LEAF, JL_ISSUER, "tls.server.x509.issuer.distinguished_name", false },
	{ ECS_SERVER_LEAF, JL_NOT_BEFORE, "tls.server.x509.not_before", false },
	{ ECS_SERVER_LEAF, JL_NOT_AFTER, "tls.server.x509.not_after", false },
	{ ECS_SERVER_LEAF, JL_SERIAL, "tls.server.x509.serial_number", false },
	{ ECS_FIELD, JF_HTTP_STATUS, "http.response.status_code", false },
	{ ECS_FIELD, JF_SCHEMA_VERSION, "mtlsdiag.schema_version", false },
	{ ECS_FIELD, JF_FILE, "mtlsdiag.file", false },
	{ ECS_FIELD, JF_STREAM, "mtlsdiag.stream", false },
	{ ECS_FIELD, JF_FIRST_FRAME, "mtlsdiag.first_frame", false },
	{ ECS_FIELD, JF_LAST_FRAME, "mtlsdiag.last_frame", false },
	{ ECS_FIELD, JF_WIRESHARK_FILTER, "mtlsdiag.wireshark_filter", false },
	{ ECS_FIELD, JF_VERSION, "mtlsdiag.version", false },
	{ ECS_FIELD, JF_OUTCOME, "mtlsdiag.outcome", false },
	{ ECS_FIELD, JF_FINDINGS, "mtlsdiag.findings", false },
	{ ECS_FIELD, JF_CERT_REQUESTS, "mtlsdiag.cert_requests", false },
	{ ECS_FIELD, JF_CLIENT_CERTIFICATE, "mtlsdiag.client_certificate", false },
	{ ECS_FIELD, JF_ALERTS, "mtlsdiag.alerts", false },
	{ ECS_FIELD, JF_RENEGOTIATION, "mtlsdiag.renegotiation", false },
	{ ECS_FIELD, JF_HTTP, "mtlsdiag.http", false },
	{ ECS_FIELD, JF_END, "mtlsdiag.end", false },
	{ ECS_FIELD, JF_END_BY, "mtlsdiag.end_by", false },
	{ ECS_FIELD, JF_NOTES_LIST, "mtlsdiag.notes", false },
	{ ECS_FIELD, JF_SERVER_SOFTWARE, "mtlsdiag.server_software", false },
	{ ECS_FIELD, JF_CLIENT_SOFTWARE, "mtlsdiag.client_software", false },
};

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

static void string_list(struct json_writer *w, const char *a, const char *b)
{
	jw_begin_array(w);
	jw_string(w, a);
	if (b)
		jw_string(w, b);
	jw_end_array(w);
}

/* "TLS 1.2" -> tls.version "1.2", tls.version_protocol "tls". */
static void tls_version_fields(struct json_writer *w, const struct tls_conn *c)
{
	char buf[32];
	const char *v = c->version ? tls_version_name(c->version, buf) : NULL;
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
	jw_member_string(w, "version", space + 1);
	jw_member_string(w, "version_protocol", proto);
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
			if (c->alerts[i].level == TLS_ALERT_LEVEL_FATAL && (!data || c->alerts[i].frame < data))
				return 0;
		return 1;
	}
	if (oc->failure == FAILURE_UNDETERMINED)
		return -1;
	return oc->failure == FAILURE_NO && data_from[SIDE_CLIENT] && data_from[SIDE_SERVER];
}

/* The fields of a group that are not copied from the JSON object. */
static void derived_fields(struct json_writer *w, const struct json_conn *j, const char *group)
{
	const struct tls_conn *c = j->c;
	if (strcmp(group, "ecs") == 0) {
		jw_member_string(w, "version", ECS_VERSION);
	} else if (strcmp(group, "event") == 0) {
		jw_member_string(w, "kind", "event");
		jw_key(w, "category");
		string_list(w, "network", NULL);
		jw_key(w, "type");
		string_list(w, "connection", "protocol");
		jw_member_string(w, "outcome", event_outcome(j->fs->outcome.kind));
		jw_member_string(w, "dataset", "mtlsdiag.connection");
	} else if (strcmp(group, "network") == 0) {
		jw_member_string(w, "transport", "tcp");
		jw_member_string(w, "type", c->client.addr.family == 6 ? "ipv6" : "ipv4");
		jw_member_string(w, "protocol", "tls");
	} else if (strcmp(group, "tls") == 0) {
		tls_version_fields(w, c);
		int established = handshake_established(c, &j->fs->outcome);
		if (established >= 0)
			jw_member_bool(w, "established", established);
	}
}

/* One row: its key is held back, so that a null leaves it out. */
static void row(struct json_writer *w, const struct json_conn *j, const struct ecs_field *f, const char *key)
{
	jw_defer_key(w, key, strlen(key));
	switch (f->from) {
	case ECS_FIELD:
		json_conn_value(w, j, (enum json_field)f->field);
		break;
	case ECS_CLIENT_LEAF:
		json_chain_leaf(w, &j->c->client_chain, (enum json_leaf_field)f->field, f->upper);
		break;
	case ECS_SERVER_LEAF:
		json_chain_leaf(w, &j->c->server_chain, (enum json_leaf_field)f->field, f->upper);
		break;
	}
}

#define ECS_MAX_DEPTH 6

/* The rows from f on whose names start with "group."; returns the first
 * row after them. The objects between the group and a row's last name
 * ("client.x509" of "tls.client.x509.not_after") are opened when a row
 * goes deeper and closed when the next one leaves them; objects that get
 * no value are never written. */
static const struct ecs_field *group_rows(struct json_writer *w, const struct json_conn *j, const struct ecs_field *f,
					  const struct ecs_field *end, const char *group)
{
	size_t glen = strlen(group);
	const char *open[ECS_MAX_DEPTH]; /* objects open below the group: name starts */
	size_t open_len[ECS_MAX_DEPTH], n_open = 0;
	for (; f < end && strncmp(f->ecs, group, glen) == 0 && f->ecs[glen] == '.'; f++) {
		const char *p = f->ecs + glen + 1, *dot;
		size_t depth = 0;
		while ((dot = strchr(p, '.')) != NULL && depth < ECS_MAX_DEPTH) {
			size_t len = (size_t)(dot - p);
			if (depth < n_open && (open_len[depth] != len || memcmp(open[depth], p, len) != 0)) {
				while (n_open > depth) {
					jw_end_object(w);
					n_open--;
				}
			}
			if (depth == n_open) {
				jw_defer_object(w, p, len);
				open[depth] = p;
				open_len[depth] = len;
				n_open++;
			}
			depth++;
			p = dot + 1;
		}
		while (n_open > depth) {
			jw_end_object(w);
			n_open--;
		}
		row(w, j, f, p);
	}
	while (n_open > 0) {
		jw_end_object(w);
		n_open--;
	}
	return f;
}

static void ecs_object(struct json_writer *w, const struct json_conn *j)
{
	/* The groups in the order a reader looks for them; empty ones go. */
	static const char *const groups[] = { "ecs", "event", "source", "destination", "network", "tls", "http", "mtlsdiag" };
	const struct ecs_field *f = ecs_fields;
	const struct ecs_field *end = ecs_fields + sizeof ecs_fields / sizeof ecs_fields[0];

	jw_begin_object(w);
	/* @timestamp and message lead, as ECS documents show them. */
	for (; f < end && !strchr(f->ecs, '.'); f++)
		row(w, j, f, f->ecs);
	for (size_t i = 0; i < sizeof groups / sizeof groups[0]; i++) {
		jw_defer_object(w, groups[i], strlen(groups[i]));
		derived_fields(w, j, groups[i]);
		f = group_rows(w, j, f, end, groups[i]);
		jw_end_object(w);
	}
	jw_end_object(w);
}

void output_ecs_conn(struct output *o, const char *file_name, const struct tls_conn *c, const struct findings *fs)
{
	struct json_writer w;
	struct textbuf b;
	struct json_conn j = { o, file_name, c, fs };
	jw_line_begin(&w, &b, o->fp, false, JSON_WRITE_REAL_SHORTEST);
	ecs_object(&w, &j);
	jw_line_end(&w);
}
