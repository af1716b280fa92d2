/* stack.h - which server and client software a connection shows: from
 * decrypted HTTP headers and error pages, the servers' own failure
 * answers, the IP initial TTL and ClientHello traits (JA4). Each guess
 * carries its evidence and a confidence; --server/--client override. */
#ifndef MTLS_STACK_H
#define MTLS_STACK_H

#include <stdbool.h>
#include <stddef.h>

#include "model/model.h"

struct ja4_memo;

enum server_kind {
	SERVER_UNKNOWN = 0,
	SERVER_IIS,     /* IIS / HTTP.SYS / Schannel */
	SERVER_NGINX,
	SERVER_APACHE,  /* Apache httpd with mod_ssl */
	SERVER_HAPROXY,
	SERVER_ENVOY,
	SERVER_JAVA,    /* Tomcat, Jetty, any JSSE server */
	SERVER_GO,
	SERVER_NODE,
	SERVER_KESTREL,
	SERVER_OPENSSL, /* openssl s_server and other bare OpenSSL servers */
	SERVER_KIND_COUNT
};

enum client_kind {
	CLIENT_UNKNOWN = 0,
	CLIENT_SCHANNEL, /* Windows: Schannel, .NET, PowerShell, Edge legacy */
	CLIENT_CHROMIUM, /* Chrome, Edge, other Chromium browsers */
	CLIENT_FIREFOX,
	CLIENT_SAFARI,   /* Safari and other Apple Secure Transport / Network.framework clients */
	CLIENT_OPENSSL,  /* curl, wget, openssl s_client and other OpenSSL clients */
	CLIENT_JAVA,
	CLIENT_GO,
	CLIENT_PYTHON,
	CLIENT_KIND_COUNT
};

enum stack_confidence { CONFIDENCE_NONE = 0, CONFIDENCE_LOW, CONFIDENCE_MEDIUM, CONFIDENCE_HIGH };

struct stack_guess {
	int kind;                        /* enum server_kind or enum client_kind */
	enum stack_confidence confidence;
	bool overridden;                 /* set by --server / --client */
	char evidence[192];              /* what the guess rests on, for people */
};

struct stack_id {
	struct stack_guess server, client;
	char ja4[40];                    /* the client's JA4 fingerprint; "" without a ClientHello */
};

/* --server KIND / --client KIND; SERVER_UNKNOWN / CLIENT_UNKNOWN: guess. */
struct stack_overrides {
	enum server_kind server;
	enum client_kind client;
};

/* ja4_memo: the caller's (ja4.h), one per thread; NULL hashes every time. */
void stack_identify(const struct tls_conn *c, const struct stack_overrides *ov, struct ja4_memo *ja4_memo,
		    struct stack_id *out);

/* Stable lower-case names used in JSON, --server/--client and the
 * remedies catalogue: "iis", "nginx", "apache", "haproxy", "envoy",
 * "java", "go", "node", "kestrel", "openssl", "unknown"; clients
 * "schannel", "chromium", "firefox", "safari", "openssl", "java", "go",
 * "python", "unknown". */
const char *server_kind_name(enum server_kind k);
const char *client_kind_name(enum client_kind k);
/* What people call it: "IIS/HTTP.SYS", "nginx", "Apache httpd (mod_ssl)", ... */
const char *server_kind_label(enum server_kind k);
const char *client_kind_label(enum client_kind k);
const char *stack_confidence_name(enum stack_confidence c);
/* 0 and *out set when name is one of the names above, else -1. */
int server_kind_parse(const char *name, enum server_kind *out);
int client_kind_parse(const char *name, enum client_kind *out);

#endif
