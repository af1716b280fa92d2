/* expect.c - the expectations file (man page, EXPECTATIONS): parse it,
 * check every finished connection against it, report what held and, for
 * what did not, what was expected and what was found, with frames. */
#include "cli/expect.h"

#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "output/output.h"
#include "output/json_write.h"
#include "tls_names.h"

#define EXPECT_FILE_MAX (1024u * 1024u)
#define EXPECT_SHOWN 5      /* failing connections listed per expectation */
#define EXPECT_FOUND_TEXT 400

enum exp_kind {
	E_CONNECTIONS,
	E_REQUEST,
	E_CA_CONTAINS,
	E_CA_LACKS,
	E_CA_COUNT,
	E_CC_STATUS,
	E_CC_SUBJECT,
	E_CC_ISSUER,
	E_VERSION,
	E_NO_ERRORS,
	E_NO_WARNINGS,
	E_FINDING,
	E_NO_FINDING,
	E_ENDED,
};

enum req_want { REQ_INITIAL, REQ_RENEGOTIATION, REQ_POST_HANDSHAKE, REQ_ANY, REQ_NONE };

struct failure {
	char file_name[256];    /* a copy: the run's name may not outlive the connection (probe) */
	uint64_t stream;
	uint64_t frames[4];
	size_t n_frames;
	char found[EXPECT_FOUND_TEXT];
};

struct assertion {
	unsigned line;
	char *text;             /* owned: the line as written, trimmed */
	enum exp_kind kind;
	bool at_least;          /* connections >=N */
	unsigned long number;
	char *arg;              /* owned: DN, version, finding ID */
	int value;              /* enum req_want, cc_status or conn_end */
	uint64_t checked, failed;
	struct failure shown[EXPECT_SHOWN];
	size_t n_shown;
};

struct block {
	unsigned line;
	char *text;             /* owned */
	char *sni, *file, *server, *client; /* owned selectors, NULL: any */
	long port, stream;      /* -1: any */
	struct assertion *asserts; /* owned */
	size_t n_asserts;
	bool has_count;         /* a `connections` line decides instead of "at least one" */
	uint64_t selected;
};

struct expect_set {
	char *path;
	struct block *blocks;
	size_t n_blocks;
};

/* ---- parsing ---- */

__attribute__((format(printf, 5, 6))) static void fail_at(char *err, size_t errsz, const char *path, unsigned line,
							  const char *fmt, ...)
{
	char msg[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (line)
		snprintf(err, errsz, "%s:%u: %s", path, line, msg);
	else
		snprintf(err, errsz, "%s: %s", path, msg);
}

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

/* A DN or other free text: the rest of the line, quotes optional. */
static char *unquote(char *s)
{
	size_t n = strlen(s);
	if (n >= 2 && s[0] == '"' && s[n - 1] == '"') {
		s[n - 1] = '\0';
		return s + 1;
	}
	return s;
}

/* Splits off the next word (up to blank). */
static char *next_word(char **rest)
{
	char *s = *rest;
	while (isspace((unsigned char)*s))
		s++;
	if (!*s) {
		*rest = s;
		return NULL;
	}
	char *w = s;
	while (*s && !isspace((unsigned char)*s))
		s++;
	if (*s)
		*s++ = '\0';
	*rest = s;
	return w;
}

static bool parse_ulong(const char *s, unsigned long max, unsigned long *out)
{
	if (!s || !isdigit((unsigned char)*s))
		return false;
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || *end || v > max)
		return false;
	*out = v;
	return true;
}

static bool finding_id_ok(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isupper((unsigned char)*s) && !isdigit((unsigned char)*s) && *s != '_')
			return false;
	return true;
}

/* One `key=value` of a match line. Values may be quoted. */
static int parse_selector(struct block *b, char **rest, char *err, size_t errsz, const char *path, unsigned line)
{
	char *s = *rest;
	while (isspace((unsigned char)*s))
		s++;
	char *key = s;
	while (*s && *s != '=' && !isspace((unsigned char)*s))
		s++;
	if (*s != '=') {
		fail_at(err, errsz, path, line, "expected key=value after 'match' (keys: sni, port, server, client, file, stream)");
		return -1;
	}
	*s++ = '\0';
	char *val;
	if (*s == '"') {
		val = ++s;
		while (*s && *s != '"')
			s++;
		if (*s != '"') {
			fail_at(err, errsz, path, line, "unterminated quote in %s=", key);
			return -1;
		}
		*s++ = '\0';
	} else {
		val = s;
		while (*s && !isspace((unsigned char)*s))
			s++;
		if (*s)
			*s++ = '\0';
	}
	*rest = s;
	unsigned long n;
	if (!*val) {
		fail_at(err, errsz, path, line, "empty value for %s=", key);
		return -1;
	}
	if (strcmp(key, "sni") == 0 && !b->sni)
		b->sni = strdup(val);
	else if (strcmp(key, "file") == 0 && !b->file)
		b->file = strdup(val);
	else if (strcmp(key, "server") == 0 && !b->server)
		b->server = strdup(val);
	else if (strcmp(key, "client") == 0 && !b->client)
		b->client = strdup(val);
	else if (strcmp(key, "port") == 0 && b->port < 0) {
		if (!parse_ulong(val, 65535, &n)) {
			fail_at(err, errsz, path, line, "port=%s is not a port number", val);
			return -1;
		}
		b->port = (long)n;
	} else if (strcmp(key, "stream") == 0 && b->stream < 0) {
		if (!parse_ulong(val, 1000000000UL, &n)) {
			fail_at(err, errsz, path, line, "stream=%s is not a stream number", val);
			return -1;
		}
		b->stream = (long)n;
	} else {
		fail_at(err, errsz, path, line, "'%s' is not a selector key, or is given twice (keys: sni, port, server, client, file, stream)",
			key);
		return -1;
	}
	return 0;
}

static int word_index(const char *w, const char *const *words)
{
	for (int i = 0; w && words[i]; i++)
		if (strcmp(w, words[i]) == 0)
			return i;
	return -1;
}

static const char *const req_words[] = { "initial", "renegotiation", "post-handshake", "any", "none", NULL };
static const char *const cc_words[] = { "not-requested", "absent", "empty", "present", "unknown", NULL };
static const char *const end_words[] = { "capture_end", "fin", "rst", "alert", "idle", "evicted", NULL };

/* Where a line's error goes (fail_at). */
struct line_at {
	char *err;
	size_t errsz;
	const char *path;
	unsigned line;
};

/* What may follow one keyword: parse() reads the rest of the line (trimmed)
 * into a; 0, or -1 with the error written. */
struct assertion_syntax {
	const char *keyword;
	enum exp_kind kind;
	int (*parse)(struct assertion *a, const struct assertion_syntax *syn, char *rest, const struct line_at *at);
	const char *const *words; /* parse_choice: the words taken */
	const char *expected;     /* parse_choice: them, as its error lists them */
};

/* connections N, or connections >= N */
static int parse_connections(struct assertion *a, const struct assertion_syntax *syn, char *rest,
			     const struct line_at *at)
{
	unsigned long n;
	if (strncmp(rest, ">=", 2) == 0) {
		a->at_least = true;
		rest = trim(rest + 2);
	}
	if (!parse_ulong(rest, 1000000000UL, &n)) {
		fail_at(at->err, at->errsz, at->path, at->line, "'connections' needs a number, or >= and a number");
		return -1;
	}
	a->number = n;
	return 0;
}

/* request WHEN, ended HOW: one word of syn->words. */
static int parse_choice(struct assertion *a, const struct assertion_syntax *syn, char *rest, const struct line_at *at)
{
	if ((a->value = word_index(rest, syn->words)) < 0) {
		fail_at(at->err, at->errsz, at->path, at->line, "'%s %s': expected %s", syn->keyword, rest,
			syn->expected);
		return -1;
	}
	return 0;
}

/* ca-list contains DN | lacks DN | count N | empty */
static int parse_ca_list(struct assertion *a, const struct assertion_syntax *syn, char *rest, const struct line_at *at)
{
	char *sub = next_word(&rest);
	rest = unquote(trim(rest));
	unsigned long n;
	if (sub && strcmp(sub, "empty") == 0 && !*rest) {
		a->kind = E_CA_COUNT;
		a->number = 0;
	} else if (sub && strcmp(sub, "count") == 0) {
		a->kind = E_CA_COUNT;
		if (!parse_ulong(rest, 1000000UL, &n)) {
			fail_at(at->err, at->errsz, at->path, at->line, "'ca-list count' needs a number");
			return -1;
		}
		a->number = n;
	} else if (sub && (strcmp(sub, "contains") == 0 || strcmp(sub, "lacks") == 0) && *rest) {
		a->kind = strcmp(sub, "contains") == 0 ? E_CA_CONTAINS : E_CA_LACKS;
		a->arg = strdup(rest);
	} else {
		fail_at(at->err, at->errsz, at->path, at->line,
			"expected 'ca-list contains DN', 'ca-list lacks DN', 'ca-list count N' or 'ca-list empty'");
		return -1;
	}
	return 0;
}

/* client-cert STATUS | subject DN | issuer DN */
static int parse_client_cert(struct assertion *a, const struct assertion_syntax *syn, char *rest,
			     const struct line_at *at)
{
	char *sub = next_word(&rest);
	rest = unquote(trim(rest));
	if (sub && (strcmp(sub, "subject") == 0 || strcmp(sub, "issuer") == 0) && *rest) {
		a->kind = strcmp(sub, "subject") == 0 ? E_CC_SUBJECT : E_CC_ISSUER;
		a->arg = strdup(rest);
	} else if (sub && !*rest && (a->value = word_index(sub, cc_words)) >= 0) {
		a->kind = E_CC_STATUS;
	} else {
		fail_at(at->err, at->errsz, at->path, at->line,
			"expected 'client-cert present|empty|absent|not-requested|unknown', 'client-cert subject DN' or "
			"'client-cert issuer DN'");
		return -1;
	}
	return 0;
}

static int parse_version(struct assertion *a, const struct assertion_syntax *syn, char *rest, const struct line_at *at)
{
	if (!*rest) {
		fail_at(at->err, at->errsz, at->path, at->line, "'version' needs a version, e.g. 'TLS 1.2'");
		return -1;
	}
	a->arg = strdup(unquote(rest));
	return 0;
}

/* no-errors, no-warnings */
static int parse_nothing(struct assertion *a, const struct assertion_syntax *syn, char *rest, const struct line_at *at)
{
	if (*rest) {
		fail_at(at->err, at->errsz, at->path, at->line, "'%s' takes nothing after it", syn->keyword);
		return -1;
	}
	return 0;
}

/* finding ID, no-finding ID */
static int parse_finding(struct assertion *a, const struct assertion_syntax *syn, char *rest, const struct line_at *at)
{
	if (!finding_id_ok(rest)) {
		fail_at(at->err, at->errsz, at->path, at->line, "'%s' needs one finding ID such as CLIENT_CERT_EMPTY",
			syn->keyword);
		return -1;
	}
	a->arg = strdup(rest);
	return 0;
}

static const struct assertion_syntax assertion_syntax[] = {
	{ "connections", E_CONNECTIONS, parse_connections, NULL, NULL },
	{ "request", E_REQUEST, parse_choice, req_words, "initial, renegotiation, post-handshake, any or none" },
	{ "ca-list", E_CA_COUNT, parse_ca_list, NULL, NULL },
	{ "client-cert", E_CC_STATUS, parse_client_cert, NULL, NULL },
	{ "version", E_VERSION, parse_version, NULL, NULL },
	{ "no-errors", E_NO_ERRORS, parse_nothing, NULL, NULL },
	{ "no-warnings", E_NO_WARNINGS, parse_nothing, NULL, NULL },
	{ "finding", E_FINDING, parse_finding, NULL, NULL },
	{ "no-finding", E_NO_FINDING, parse_finding, NULL, NULL },
	{ "ended", E_ENDED, parse_choice, end_words, "fin, rst, alert, capture_end, idle or evicted" },
};

/* The kinds that keep a copy of their argument (a->arg). */
static bool kind_has_arg(enum exp_kind kind)
{
	switch (kind) {
	case E_CA_CONTAINS:
	case E_CA_LACKS:
	case E_CC_SUBJECT:
	case E_CC_ISSUER:
	case E_VERSION:
	case E_FINDING:
	case E_NO_FINDING:
		return true;
	default:
		return false;
	}
}

static int parse_assertion(struct assertion *a, char *line_text, char *err, size_t errsz, const char *path,
			   unsigned line)
{
	const struct line_at at = { err, errsz, path, line };
	char *rest = line_text;
	char *kw = next_word(&rest);
	rest = trim(rest);
	const struct assertion_syntax *syn = NULL;
	for (size_t i = 0; !syn && i < sizeof assertion_syntax / sizeof assertion_syntax[0]; i++)
		if (strcmp(kw, assertion_syntax[i].keyword) == 0)
			syn = &assertion_syntax[i];
	if (!syn) {
		fail_at(err, errsz, path, line,
			"unknown expectation '%s' (match, connections, request, ca-list, client-cert, version, no-errors, "
			"no-warnings, finding, no-finding, ended)",
			kw);
		return -1;
	}
	a->kind = syn->kind;
	if (syn->parse(a, syn, rest, &at) != 0)
		return -1;
	if (kind_has_arg(a->kind) && !a->arg) {
		snprintf(err, errsz, "%s:%u: out of memory", path, line);
		return -1;
	}
	return 0;
}

/* '#' starts a comment at the start of a word and outside quotes: DNs
 * may hold one ("CN=Team #1" is written quoted). */
static void strip_comment(char *line)
{
	bool quoted = false;
	for (char *q = line; *q; q++) {
		if (*q == '"')
			quoted = !quoted;
		else if (*q == '#' && !quoted && (q == line || isspace((unsigned char)q[-1]))) {
			*q = '\0';
			return;
		}
	}
}

static void block_release(struct block *b)
{
	for (size_t i = 0; i < b->n_asserts; i++) {
		free(b->asserts[i].text);
		free(b->asserts[i].arg);
	}
	free(b->asserts);
	free(b->text);
	free(b->sni);
	free(b->file);
	free(b->server);
	free(b->client);
}

void expect_free(struct expect_set *e)
{
	if (!e)
		return;
	for (size_t i = 0; i < e->n_blocks; i++)
		block_release(&e->blocks[i]);
	free(e->blocks);
	free(e->path);
	free(e);
}

static void *grow(void *p, size_t n, size_t size)
{
	/* one more element; arrays here stay small (one per line) */
	return realloc(p, (n + 1) * size);
}

struct expect_set *expect_parse(const char *path, const char *text, char *err, size_t errsz)
{
	struct expect_set *e = calloc(1, sizeof *e);
	char *copy = strdup(text);
	if (!e || !copy || !(e->path = strdup(path))) {
		snprintf(err, errsz, "%s: out of memory", path);
		goto bad;
	}
	unsigned line = 0;
	char *save = NULL;
	for (char *p = copy; p; p = save) {
		save = strchr(p, '\n');
		if (save)
			*save++ = '\0';
		line++;
		strip_comment(p);
		char *s = trim(p);
		if (!*s)
			continue;
		for (char *q = s; *q; q++) {
			if ((unsigned char)*q < 0x20 && *q != '\t') {
				fail_at(err, errsz, path, line, "control character in the line");
				goto bad;
			}
		}
		if (strncmp(s, "match", 5) == 0 && (s[5] == '\0' || isspace((unsigned char)s[5]))) {
			struct block *nb = grow(e->blocks, e->n_blocks, sizeof *nb);
			if (!nb) {
				snprintf(err, errsz, "%s: out of memory", path);
				goto bad;
			}
			e->blocks = nb;
			struct block *b = &e->blocks[e->n_blocks++];
			memset(b, 0, sizeof *b);
			b->line = line;
			b->port = b->stream = -1;
			b->text = strdup(s);
			char *rest = s + 5;
			while (*trim(rest))
				if (parse_selector(b, &rest, err, errsz, path, line))
					goto bad;
			continue;
		}
		if (e->n_blocks == 0) {
			fail_at(err, errsz, path, line, "an expectation before any 'match' line (start a block with 'match', "
							"e.g. 'match sni=app.example.com')");
			goto bad;
		}
		struct block *b = &e->blocks[e->n_blocks - 1];
		struct assertion *na = grow(b->asserts, b->n_asserts, sizeof *na);
		if (!na) {
			snprintf(err, errsz, "%s: out of memory", path);
			goto bad;
		}
		b->asserts = na;
		struct assertion *a = &b->asserts[b->n_asserts++];
		memset(a, 0, sizeof *a);
		a->line = line;
		a->text = strdup(s);
		if (parse_assertion(a, s, err, errsz, path, line))
			goto bad;
		if (a->kind == E_CONNECTIONS)
			b->has_count = true;
	}
	if (e->n_blocks == 0) {
		fail_at(err, errsz, path, 0, "no expectations (no 'match' line)");
		goto bad;
	}
	free(copy);
	return e;
bad:
	free(copy);
	expect_free(e);
	return NULL;
}

struct expect_set *expect_load(const char *path, char *err, size_t errsz)
{
	FILE *fp = fopen(path, "rb");
	if (!fp) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		return NULL;
	}
	char *buf = malloc(EXPECT_FILE_MAX + 1);
	size_t n = buf ? fread(buf, 1, EXPECT_FILE_MAX + 1, fp) : 0;
	bool read_error = ferror(fp);
	fclose(fp);
	struct expect_set *e = NULL;
	if (!buf)
		snprintf(err, errsz, "%s: out of memory", path);
	else if (read_error)
		snprintf(err, errsz, "%s: read error", path);
	else if (n > EXPECT_FILE_MAX)
		snprintf(err, errsz, "%s: larger than %u bytes; not an expectations file", path, EXPECT_FILE_MAX);
	else if (memchr(buf, '\0', n))
		snprintf(err, errsz, "%s: contains NUL bytes; not an expectations file", path);
	else {
		buf[n] = '\0';
		e = expect_parse(path, buf, err, errsz);
	}
	free(buf);
	return e;
}

/* ---- checking ---- */

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');
	return s ? s + 1 : p;
}

static bool address_matches(const char *want, const struct endpoint *ep)
{
	char addr[64], full[80];
	ip_addr_text(&ep->addr, addr, sizeof addr);
	endpoint_text(ep, full, sizeof full);
	return strcasecmp(want, addr) == 0 || strcasecmp(want, full) == 0;
}

static bool selected(const struct block *b, const char *file_name, const struct tls_conn *c)
{
	if (b->sni) {
		if (!c->have_client_hello || !c->ch.sni[0] || fnmatch(b->sni, c->ch.sni, FNM_CASEFOLD) != 0)
			return false;
	}
	if (b->file && fnmatch(b->file, file_name, 0) != 0 && fnmatch(b->file, base_name(file_name), 0) != 0)
		return false;
	if (b->port >= 0 && c->server.port != (uint16_t)b->port)
		return false;
	if (b->stream >= 0 && c->stream != (uint64_t)b->stream)
		return false;
	if (b->server && !address_matches(b->server, &c->server))
		return false;
	if (b->client && !address_matches(b->client, &c->client))
		return false;
	return true;
}

struct verdict {
	bool held;
	uint64_t frames[4];
	size_t n_frames;
	char found[EXPECT_FOUND_TEXT];
};

__attribute__((format(printf, 2, 3))) static void found(struct verdict *v, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(v->found, sizeof v->found, fmt, ap);
	va_end(ap);
}

static void frame(struct verdict *v, uint64_t f)
{
	if (f && v->n_frames < 4)
		v->frames[v->n_frames++] = f;
}

static const char *phase_word(enum cr_phase p)
{
	return p == PHASE_INITIAL ? "initial" : p == PHASE_RENEGOTIATION ? "renegotiation" : "post-handshake";
}

/* What the connection shows about requests, for "found". */
static void describe_requests(const struct tls_conn *c, struct verdict *v)
{
	if (c->n_requests) {
		size_t len = 0;
		for (size_t i = 0; i < c->n_requests && len < sizeof v->found - 80; i++) {
			len += (size_t)snprintf(v->found + len, sizeof v->found - len, "%sCertificateRequest in frame %llu (%s)",
						i ? ", " : "", (unsigned long long)c->requests[i].frame,
						phase_word(c->requests[i].phase));
			frame(v, c->requests[i].frame);
		}
	} else if (c->renegotiated && c->reneg_initiator == SIDE_SERVER) {
		found(v, "a renegotiation by the server in frame %llu (encrypted: its request is inferred)",
		      (unsigned long long)c->first_reneg_frame);
		frame(v, c->first_reneg_frame);
	} else if (c->cc_status == CC_UNKNOWN) {
		found(v, "no request visible (encrypted, no keys)");
	} else if (!c->have_server_hello) {
		found(v, "no request visible (no ServerHello captured)");
	} else {
		found(v, "no CertificateRequest (ServerHello in frame %llu)", (unsigned long long)c->server_hello_frame);
		frame(v, c->server_hello_frame);
	}
}

static void check_request(const struct assertion *a, const struct tls_conn *c, struct verdict *v)
{
	bool inferred_reneg = c->n_requests == 0 && c->renegotiated && c->reneg_initiator == SIDE_SERVER;
	bool any = c->n_requests > 0 || inferred_reneg;
	switch ((enum req_want)a->value) {
	case REQ_ANY:
		v->held = any;
		break;
	case REQ_NONE:
		v->held = !any && c->have_server_hello && c->cc_status != CC_UNKNOWN;
		break;
	case REQ_RENEGOTIATION:
		v->held = inferred_reneg;
		/* fall through */
	case REQ_INITIAL:
	case REQ_POST_HANDSHAKE: {
		enum cr_phase want = a->value == REQ_INITIAL ? PHASE_INITIAL
				    : a->value == REQ_RENEGOTIATION ? PHASE_RENEGOTIATION
								    : PHASE_POST_HANDSHAKE;
		for (size_t i = 0; i < c->n_requests && !v->held; i++)
			v->held = c->requests[i].phase == want;
		break;
	}
	}
	if (!v->held)
		describe_requests(c, v);
}

static void list_names(const struct cert_request_fact *r, struct verdict *v)
{
	size_t len = (size_t)snprintf(v->found, sizeof v->found, "%zu CA name%s in frame %llu", r->n_ca_names,
				      r->n_ca_names == 1 ? "" : "s", (unsigned long long)r->frame);
	for (size_t k = 0; k < r->n_ca_names && len < sizeof v->found; k++) {
		if (len + strlen(r->ca_names[k]) + 8 >= sizeof v->found) {
			snprintf(v->found + len, sizeof v->found - len, "; ...");
			break;
		}
		len += (size_t)snprintf(v->found + len, sizeof v->found - len, "%s%s", k ? "; " : ": ", r->ca_names[k]);
	}
	frame(v, r->frame);
}

static bool dn_equal(const char *a, const char *b)
{
	return strcasecmp(a, b) == 0;
}

static void check_ca(const struct assertion *a, const struct tls_conn *c, struct verdict *v)
{
	const struct cert_request_fact *visible = NULL;
	for (size_t i = 0; i < c->n_requests; i++) {
		const struct cert_request_fact *r = &c->requests[i];
		if (r->parse_error)
			continue;
		if (!visible)
			visible = r;
		bool has = false;
		for (size_t k = 0; k < r->n_ca_names && !has; k++)
			has = dn_equal(r->ca_names[k], a->arg ? a->arg : "");
		if (a->kind == E_CA_CONTAINS && has) {
			v->held = true;
			return;
		}
		if (a->kind == E_CA_LACKS && has) {
			list_names(r, v);
			return;
		}
		if (a->kind == E_CA_COUNT && r->n_ca_names != a->number) {
			list_names(r, v);
			return;
		}
	}
	if (!visible) {
		describe_requests(c, v);
		return;
	}
	if (a->kind == E_CA_CONTAINS)
		list_names(visible, v);
	else
		v->held = true;
}

static const struct cert_info *client_leaf(const struct tls_conn *c)
{
	return c->client_chain.n_kept > 0 && c->client_chain.certs[0].parsed ? &c->client_chain.certs[0] : NULL;
}

static void describe_cc(const struct tls_conn *c, struct verdict *v)
{
	const struct cert_info *l = client_leaf(c);
	if (c->client_cert_frame)
		found(v, "%s in frame %llu%s%s%s%s", cc_status_name(c->cc_status), (unsigned long long)c->client_cert_frame,
		      l ? ": subject " : "", l ? l->sum->subject : "", l ? ", issuer " : "", l ? l->sum->issuer : "");
	else
		found(v, "%s", cc_status_name(c->cc_status));
	frame(v, c->client_cert_frame);
}

static void check_cc(const struct assertion *a, const struct tls_conn *c, struct verdict *v)
{
	const struct cert_info *l = client_leaf(c);
	if (a->kind == E_CC_STATUS)
		v->held = (int)c->cc_status == a->value;
	else if (a->kind == E_CC_SUBJECT)
		v->held = l && dn_equal(l->sum->subject, a->arg);
	else
		v->held = l && dn_equal(l->sum->issuer, a->arg);
	if (!v->held)
		describe_cc(c, v);
}

/* "TLS 1.2", "tls1.2" and "1.2" are the same. */
static void squeeze(const char *in, char *out, size_t n)
{
	size_t k = 0;
	for (; *in && k + 1 < n; in++)
		if (!isspace((unsigned char)*in))
			out[k++] = (char)tolower((unsigned char)*in);
	out[k] = '\0';
}

static void check_version(const struct assertion *a, const struct tls_conn *c, struct verdict *v)
{
	char name[32], got[40], want[40];
	if (!c->version) {
		found(v, "version unknown (no ServerHello captured)");
		return;
	}
	const char *version = tls_version_name(c->version, name); /* name is used only for unknown ones */
	squeeze(version, got, sizeof got);
	squeeze(a->arg, want, sizeof want);
	const char *g = strncmp(got, "tls", 3) == 0 ? got + 3 : got;
	const char *w = strncmp(want, "tls", 3) == 0 ? want + 3 : want;
	v->held = strcmp(g, w) == 0;
	if (!v->held) {
		found(v, "%s (ServerHello in frame %llu)", version, (unsigned long long)c->server_hello_frame);
		frame(v, c->server_hello_frame);
	}
}

static void describe_finding(const struct finding *f, struct verdict *v)
{
	size_t len = (size_t)snprintf(v->found, sizeof v->found, "%s %s", severity_name(f->severity), f->id);
	for (size_t k = 0; k < f->n_frames && len < sizeof v->found; k++) {
		len += (size_t)snprintf(v->found + len, sizeof v->found - len, "%s%llu", k ? "," : " (frames ",
					(unsigned long long)f->frames[k]);
		frame(v, f->frames[k]);
	}
	if (f->n_frames && len < sizeof v->found)
		len += (size_t)snprintf(v->found + len, sizeof v->found - len, ")");
	if (len < sizeof v->found && snprintf(v->found + len, sizeof v->found - len, ": %s", f->message) < 0)
		v->found[len] = '\0';
}

static void check_findings(const struct assertion *a, const struct tls_conn *c, const struct findings *fs,
			   struct verdict *v)
{
	const struct finding *hit = NULL;
	for (size_t i = 0; i < fs->n && !hit; i++) {
		const struct finding *f = &fs->items[i];
		if ((a->kind == E_NO_ERRORS && f->severity == SEV_ERROR) ||
		    (a->kind == E_NO_WARNINGS && f->severity >= SEV_WARNING) ||
		    ((a->kind == E_FINDING || a->kind == E_NO_FINDING) && strcmp(f->id, a->arg) == 0))
			hit = f;
	}
	if (a->kind == E_FINDING) {
		v->held = hit != NULL;
		if (!v->held) {
			size_t len = (size_t)snprintf(v->found, sizeof v->found, "findings: ");
			for (size_t i = 0; i < fs->n && len < sizeof v->found; i++)
				len += (size_t)snprintf(v->found + len, sizeof v->found - len, "%s%s", i ? ", " : "",
							fs->items[i].id);
			if (!fs->n)
				snprintf(v->found, sizeof v->found, "no findings");
			frame(v, c->tls_first_frame);
		}
		return;
	}
	v->held = hit == NULL;
	if (hit)
		describe_finding(hit, v);
}

static void check_ended(const struct assertion *a, const struct tls_conn *c, struct verdict *v)
{
	v->held = (int)c->end == a->value;
	if (!v->held) {
		if (c->end_frame)
			found(v, "%s by the %s in frame %llu", conn_end_name(c->end), side_name(c->end_by),
			      (unsigned long long)c->end_frame);
		else
			found(v, "%s (last frame %llu)", conn_end_name(c->end), (unsigned long long)c->last_frame);
		frame(v, c->end_frame ? c->end_frame : c->last_frame);
	}
}

void expect_check(struct expect_set *e, const char *file_name, const struct tls_conn *c, const struct findings *f)
{
	for (size_t bi = 0; bi < e->n_blocks; bi++) {
		struct block *b = &e->blocks[bi];
		if (!selected(b, file_name, c))
			continue;
		b->selected++;
		for (size_t ai = 0; ai < b->n_asserts; ai++) {
			struct assertion *a = &b->asserts[ai];
			struct verdict v = { 0 };
			switch (a->kind) {
			case E_CONNECTIONS:
				continue; /* decided at the end */
			case E_REQUEST:
				check_request(a, c, &v);
				break;
			case E_CA_CONTAINS:
			case E_CA_LACKS:
			case E_CA_COUNT:
				check_ca(a, c, &v);
				break;
			case E_CC_STATUS:
			case E_CC_SUBJECT:
			case E_CC_ISSUER:
				check_cc(a, c, &v);
				break;
			case E_VERSION:
				check_version(a, c, &v);
				break;
			case E_NO_ERRORS:
			case E_NO_WARNINGS:
			case E_FINDING:
			case E_NO_FINDING:
				check_findings(a, c, f, &v);
				break;
			case E_ENDED:
				check_ended(a, c, &v);
				break;
			}
			a->checked++;
			if (v.held)
				continue;
			a->failed++;
			if (a->n_shown < EXPECT_SHOWN) {
				struct failure *fl = &a->shown[a->n_shown++];
				snprintf(fl->file_name, sizeof fl->file_name, "%s", file_name);
				fl->stream = c->stream;
				memcpy(fl->frames, v.frames, sizeof fl->frames);
				fl->n_frames = v.n_frames;
				memcpy(fl->found, v.found, sizeof fl->found);
			}
		}
	}
}

void expect_take(void *ctx, const char *file_name, struct tls_conn *conn, const struct findings *f)
{
	expect_check(ctx, file_name, conn, f);
	tls_conn_release(conn);
	free(conn);
}

/* ---- results ---- */

enum check_result { HELD, FAILED, NOT_CHECKED };

static enum check_result check_result_of(const struct block *b, const struct assertion *a)
{
	if (a->kind == E_CONNECTIONS)
		return (a->at_least ? b->selected >= a->number : b->selected == a->number) ? HELD : FAILED;
	if (b->selected == 0)
		return NOT_CHECKED;
	return a->failed ? FAILED : HELD;
}

/* The match line itself expects at least one connection, unless the
 * block counts them with `connections`. */
static bool block_match_failed(const struct block *b)
{
	return !b->has_count && b->selected == 0;
}

static void expected_text(const struct assertion *a, char *buf, size_t n)
{
	switch (a->kind) {
	case E_CONNECTIONS:
		snprintf(buf, n, "%s%lu connection%s", a->at_least ? "at least " : "", a->number, a->number == 1 ? "" : "s");
		break;
	case E_REQUEST:
		snprintf(buf, n, a->value == REQ_ANY    ? "a certificate request"
				 : a->value == REQ_NONE ? "no certificate request"
							: "a certificate request in the %s phase",
			 req_words[a->value]);
		break;
	case E_CA_CONTAINS:
		snprintf(buf, n, "the CA list to contain %s", a->arg);
		break;
	case E_CA_LACKS:
		snprintf(buf, n, "the CA list not to contain %s", a->arg);
		break;
	case E_CA_COUNT:
		snprintf(buf, n, "%lu CA name%s in the list", a->number, a->number == 1 ? "" : "s");
		break;
	case E_CC_STATUS:
		snprintf(buf, n, "client certificate %s", cc_words[a->value]);
		break;
	case E_CC_SUBJECT:
		snprintf(buf, n, "a client certificate with subject %s", a->arg);
		break;
	case E_CC_ISSUER:
		snprintf(buf, n, "a client certificate issued by %s", a->arg);
		break;
	case E_VERSION:
		snprintf(buf, n, "version %s", a->arg);
		break;
	case E_NO_ERRORS:
		snprintf(buf, n, "no error finding");
		break;
	case E_NO_WARNINGS:
		snprintf(buf, n, "no warning or error finding");
		break;
	case E_FINDING:
		snprintf(buf, n, "finding %s", a->arg);
		break;
	case E_NO_FINDING:
		snprintf(buf, n, "no finding %s", a->arg);
		break;
	case E_ENDED:
		snprintf(buf, n, "the connection to end by %s", end_words[a->value]);
		break;
	}
}

static void text_failure(FILE *fp, const struct failure *fl)
{
	fprintf(fp, "              found in %s stream %llu", fl->file_name, (unsigned long long)fl->stream);
	for (size_t k = 0; k < fl->n_frames; k++)
		fprintf(fp, "%s%llu", k ? "," : fl->n_frames > 1 ? " (frames " : " (frame ", (unsigned long long)fl->frames[k]);
	fprintf(fp, "%s: %s\n", fl->n_frames ? ")" : "", fl->found);
}

static void failures_value(struct json_writer *w, const struct assertion *a)
{
	jw_begin_array(w);
	for (size_t i = 0; a && i < a->n_shown; i++) {
		const struct failure *fl = &a->shown[i];
		jw_begin_object(w);
		jw_member_string(w, "file", fl->file_name);
		jw_member_uint(w, "stream", fl->stream);
		jw_key(w, "frames");
		jw_uint_array(w, fl->frames, fl->n_frames);
		jw_member_string(w, "found", fl->found);
		jw_end_object(w);
	}
	jw_end_array(w);
}

/* Each result on a line of its own. */
static void json_begin(struct json_writer *w, struct textbuf *b, struct output *o, const char *kind,
		       const struct expect_set *e)
{
	jw_line_begin(w, b, o->fp, o->format == FORMAT_JSON_PRETTY, 0);
	jw_begin_object(w);
	jw_member_string(w, "kind", kind);
	jw_member_string(w, "expect_file", e->path);
}

static void json_end(struct json_writer *w)
{
	jw_end_object(w);
	jw_line_end(w);
}

static const char *check_result_name(enum check_result r)
{
	return r == HELD ? "held" : r == FAILED ? "failed" : "not_checked";
}

static void json_result(struct output *o, const struct expect_set *e, const struct block *b, unsigned line,
			const char *text, enum check_result r, const char *expected, uint64_t failed, const struct assertion *a)
{
	struct json_writer w;
	struct textbuf tb;
	json_begin(&w, &tb, o, "expectation", e);
	jw_member_uint(&w, "line", line);
	jw_member_string(&w, "match", b->text);
	jw_member_string(&w, "expectation", text);
	jw_member_string(&w, "result", check_result_name(r));
	jw_member_string(&w, "expected", expected);
	jw_member_uint(&w, "selected", b->selected);
	jw_member_uint(&w, "failed_connections", failed);
	jw_key(&w, "failures");
	failures_value(&w, a);
	json_end(&w);
}

size_t expect_failed_count(const struct expect_set *e)
{
	size_t n = 0;
	for (size_t bi = 0; bi < e->n_blocks; bi++) {
		const struct block *b = &e->blocks[bi];
		n += block_match_failed(b);
		for (size_t ai = 0; ai < b->n_asserts; ai++)
			n += check_result_of(b, &b->asserts[ai]) == FAILED;
	}
	return n;
}

static bool block_has_failure(const struct block *b)
{
	if (block_match_failed(b))
		return true;
	for (size_t ai = 0; ai < b->n_asserts; ai++)
		if (check_result_of(b, &b->asserts[ai]) == FAILED)
			return true;
	return false;
}

bool expect_report(const struct expect_set *e, struct output *o, bool only_failed)
{
	size_t held = 0, failed = 0, unchecked = 0;
	char expected[1200];
	bool text = o->format == FORMAT_TEXT;
	for (size_t bi = 0; bi < e->n_blocks; bi++) {
		const struct block *b = &e->blocks[bi];
		bool mf = block_match_failed(b);
		bool quiet_block = text && only_failed && !block_has_failure(b);
		if (text && !quiet_block)
			fprintf(o->fp, "%s:%u: %s: %llu connection%s%s\n", e->path, b->line, b->text,
				(unsigned long long)b->selected, b->selected == 1 ? "" : "s",
				mf ? "  FAILED: expected at least one connection" : "");
		else if (!text && (mf || !b->has_count))
			json_result(o, e, b, b->line, b->text, mf ? FAILED : HELD, "at least one connection", 0, NULL);
		if (mf)
			failed++;
		else if (!b->has_count)
			held++;
		for (size_t ai = 0; ai < b->n_asserts; ai++) {
			const struct assertion *a = &b->asserts[ai];
			enum check_result r = check_result_of(b, a);
			expected_text(a, expected, sizeof expected);
			if (r == HELD)
				held++;
			else if (r == FAILED)
				failed++;
			else
				unchecked++;
			if (!text) {
				json_result(o, e, b, a->line, a->text, r, expected, a->failed, a);
				continue;
			}
			if (only_failed && r != FAILED)
				continue;
			fprintf(o->fp, "  %-11s %s:%u: %s\n", r == HELD ? "ok" : r == FAILED ? "FAILED" : "not checked",
				e->path, a->line, a->text);
			if (r != FAILED)
				continue;
			if (a->kind == E_CONNECTIONS) {
				fprintf(o->fp, "              expected %s, found %llu\n", expected,
					(unsigned long long)b->selected);
				continue;
			}
			fprintf(o->fp, "              expected %s (%llu of %llu selected connection%s not)\n", expected,
				(unsigned long long)a->failed, (unsigned long long)a->checked, a->checked == 1 ? " does" : "s do");
			for (size_t i = 0; i < a->n_shown; i++)
				text_failure(o->fp, &a->shown[i]);
			if (a->failed > a->n_shown)
				fprintf(o->fp, "              ... and %llu more\n", (unsigned long long)(a->failed - a->n_shown));
		}
	}
	if (text) {
		fprintf(o->fp, "Expectations (%s): %zu held, %zu failed", e->path, held, failed);
		if (unchecked)
			fprintf(o->fp, ", %zu not checked (no connection selected)", unchecked);
		fputc('\n', o->fp);
	} else {
		struct json_writer w;
		struct textbuf tb;
		json_begin(&w, &tb, o, "summary", e);
		jw_member_uint(&w, "held", held);
		jw_member_uint(&w, "failed", failed);
		jw_member_uint(&w, "not_checked", unchecked);
		json_end(&w);
	}
	fflush(o->fp);
	return failed == 0;
}
