/* stack.c - server and client software from what the capture shows. */
#include "stack.h"

#include <string.h>

static const char *const server_names[SERVER_KIND_COUNT] = {
	"unknown", "iis", "nginx", "apache", "haproxy", "envoy", "java", "go", "node", "kestrel", "openssl",
};
static const char *const server_labels[SERVER_KIND_COUNT] = {
	"unknown",      "IIS/HTTP.SYS", "nginx",  "Apache httpd (mod_ssl)", "HAProxy", "Envoy", "Java (JSSE)",
	"Go crypto/tls", "Node.js",     "Kestrel", "OpenSSL",
};
static const char *const client_names[CLIENT_KIND_COUNT] = {
	"unknown", "schannel", "chromium", "firefox", "safari", "openssl", "java", "go", "python",
};
static const char *const client_labels[CLIENT_KIND_COUNT] = {
	"unknown", "Windows (Schannel/.NET)", "Chrome/Edge (Chromium)", "Firefox", "Safari/Apple",
	"curl/OpenSSL", "Java", "Go", "Python",
};

const char *server_kind_name(enum server_kind k)
{
	return (unsigned)k < SERVER_KIND_COUNT ? server_names[k] : "unknown";
}

const char *client_kind_name(enum client_kind k)
{
	return (unsigned)k < CLIENT_KIND_COUNT ? client_names[k] : "unknown";
}

const char *server_kind_label(enum server_kind k)
{
	return (unsigned)k < SERVER_KIND_COUNT ? server_labels[k] : "unknown";
}

const char *client_kind_label(enum client_kind k)
{
	return (unsigned)k < CLIENT_KIND_COUNT ? client_labels[k] : "unknown";
}

const char *stack_confidence_name(enum stack_confidence c)
{
	return c == CONFIDENCE_HIGH ? "high" : c == CONFIDENCE_MEDIUM ? "medium" : c == CONFIDENCE_LOW ? "low" : "none";
}

int server_kind_parse(const char *name, enum server_kind *out)
{
	for (int k = 0; k < SERVER_KIND_COUNT; k++)
		if (strcmp(name, server_names[k]) == 0) {
			*out = (enum server_kind)k;
			return 0;
		}
	return -1;
}

int client_kind_parse(const char *name, enum client_kind *out)
{
	for (int k = 0; k < CLIENT_KIND_COUNT; k++)
		if (strcmp(name, client_names[k]) == 0) {
			*out = (enum client_kind)k;
			return 0;
		}
	return -1;
}

void stack_identify(const struct tls_conn *c, const struct stack_overrides *ov, struct stack_id *out)
{
	(void)c;
	memset(out, 0, sizeof *out);
	if (ov && ov->server != SERVER_UNKNOWN) {
		out->server.kind = ov->server;
		out->server.confidence = CONFIDENCE_HIGH;
		out->server.overridden = true;
		strcpy(out->server.evidence, "--server");
	}
	if (ov && ov->client != CLIENT_UNKNOWN) {
		out->client.kind = ov->client;
		out->client.confidence = CONFIDENCE_HIGH;
		out->client.overridden = true;
		strcpy(out->client.evidence, "--client");
	}
}
