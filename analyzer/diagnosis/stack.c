/* stack.c - server and client software from what the capture shows.
 *
 * Strongest evidence first: decrypted HTTP headers and error pages (high
 * confidence), then traits of the TLS handshake and the IP initial TTL,
 * each narrowing a set of candidate kinds; two or more agreeing traits
 * give medium confidence, one gives low. The facts behind each trait are
 * in the man page's SOFTWARE IDENTIFICATION section. */
#include "diagnosis/stack.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "ja4.h"

static const char *const server_names[SERVER_KIND_COUNT] = {
	"unknown", "iis", "nginx", "apache", "haproxy", "envoy", "java", "go", "node", "kestrel", "openssl",
};
static const char *const server_labels[SERVER_KIND_COUNT] = {
	"unknown",      "IIS/HTTP.SYS", "nginx",  "Apache httpd (mod_ssl)", "HAProxy", "Envoy", "Java (JSSE)",
	"Go crypto/tls", "Node.js",     "Kestrel", "an OpenSSL-based server (nginx, Apache httpd, HAProxy, ...)",
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

/* A set of kinds, one bit each. */
typedef unsigned kind_set;
#define KIND(k) (1u << (k))

/* Candidate kinds narrowed by each trait in turn, with the points of the
 * traits that agreed and their evidence. */
struct tally {
	kind_set candidates;
	int points;
	char evidence[sizeof ((struct stack_guess *)0)->evidence];
	size_t len;
};

static void tally_init(struct tally *t, int kind_count)
{
	memset(t, 0, sizeof *t);
	t->candidates = (1u << kind_count) - 1 - KIND(0); /* every kind but unknown */
}

#define EVIDENCE_PHRASE_MAX 159 /* a longer phrase is cut here */

/* Appends ", " (after the first) and the phrase; whole phrases only:
 * one that does not fit is left out. */
static void evidence_append(char *buf, size_t bufsz, size_t *len, const char *piece)
{
	size_t n = strnlen(piece, EVIDENCE_PHRASE_MAX), sep = *len ? 2 : 0;
	if (*len + sep + n >= bufsz)
		return;
	memcpy(buf + *len, ", ", sep);
	memcpy(buf + *len + sep, piece, n);
	*len += sep + n;
	buf[*len] = '\0';
}

/* A trait that fits some of the candidates narrows them to those; one
 * that fits none contradicts stronger traits seen before and is left out.
 * points 0: the trait narrows but does not by itself point at a kind. */
static void trait(struct tally *t, kind_set kinds, int points, const char *text)
{
	if (!(t->candidates & kinds))
		return;
	t->candidates &= kinds;
	t->points += points;
	evidence_append(t->evidence, sizeof t->evidence, &t->len, text);
}

/* The guess from a tally: the first candidate in order of preference
 * (the more common software, or the generic name when several share a
 * library), with medium confidence for two agreeing points, low for one. */
static void tally_guess(const struct tally *t, const int *preference, size_t n_pref, struct stack_guess *g)
{
	memcpy(g->evidence, t->evidence, sizeof g->evidence);
	if (t->points == 0)
		return;
	for (size_t i = 0; i < n_pref; i++)
		if (t->candidates & KIND(preference[i])) {
			g->kind = preference[i];
			g->confidence = t->points >= 2 ? CONFIDENCE_MEDIUM : CONFIDENCE_LOW;
			return;
		}
}

/* strcasestr's answer: whether needle occurs in hay, letters either case.
 * glibc's sets up a two-way search on every call, which cost more than
 * the search itself on these short headers and names. */
static bool contains(const char *hay, const char *needle)
{
	size_t n = strlen(needle);
	if (n == 0)
		return true;
	int first = tolower((unsigned char)needle[0]);
	for (const char *p = hay; *p; p++) {
		if (tolower((unsigned char)*p) != first)
			continue;
		size_t i = 1;
		while (i < n && p[i] && tolower((unsigned char)p[i]) == tolower((unsigned char)needle[i]))
			i++;
		if (i == n)
			return true;
	}
	return false;
}

/* Initial TTL: the observed one rounded up to 64, 128 or 255. */
static unsigned initial_ttl(uint8_t ttl)
{
	return ttl <= 64 ? 64 : ttl <= 128 ? 128 : 255;
}

/* Appends v in decimal at p. */
static char *put_uint(char *p, unsigned v)
{
	char digits[10];
	size_t n = 0;
	do {
		digits[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		*p++ = digits[--n];
	return p;
}

static char *put_str(char *p, const char *s)
{
	size_t n = strlen(s);
	memcpy(p, s, n);
	return p + n;
}

/* "IP TTL 64 (OS)" or "IP TTL 57 (from 64: OS)", cut to bufsz as snprintf
 * would cut it: written by hand, as two of these per connection cost
 * more than the rest of the software identification's texts. */
static void ttl_text(uint8_t ttl, const char *os, char *buf, size_t bufsz)
{
	char tmp[64 + 128];
	unsigned init = initial_ttl(ttl);
	char *p = put_str(tmp, "IP TTL ");
	if (ttl == init) {
		p = put_uint(p, init);
		p = put_str(p, " (");
	} else {
		p = put_uint(p, ttl);
		p = put_str(p, " (from ");
		p = put_uint(p, init);
		p = put_str(p, ": ");
	}
	size_t os_len = strnlen(os, 127);
	memcpy(p, os, os_len);
	p += os_len;
	*p++ = ')';
	size_t n = (size_t)(p - tmp);
	if (bufsz == 0)
		return;
	if (n > bufsz - 1)
		n = bufsz - 1;
	memcpy(buf, tmp, n);
	buf[n] = '\0';
}

static int index_of(const uint16_t *v, size_t n, uint16_t x)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == x)
			return (int)i;
	return -1;
}

/* OpenSSL's default signature algorithm list (client and server alike)
 * has Ed448, which BoringSSL, Go and Schannel do not offer, and puts the
 * RSA-PSS-PSS schemes before RSA-PSS-RSAE. */
static bool openssl_sig_algs(const uint16_t *v, size_t n)
{
	int pss = index_of(v, n, 0x0809), rsae = index_of(v, n, 0x0804);
	return index_of(v, n, 0x0808) >= 0 && pss >= 0 && rsae >= 0 && pss < rsae;
}

/* The first response's frame: where a Server header was read. */
static uint64_t first_response_frame(const struct http_facts *h)
{
	for (size_t i = 0; i < h->n && i < CONN_MAX_HTTP; i++)
		if (h->ex[i].response_frame)
			return h->ex[i].response_frame;
	return 0;
}

static void frame_suffix(uint64_t frame, char *buf, size_t bufsz)
{
	if (frame)
		snprintf(buf, bufsz, " (decrypted, frame %llu)", (unsigned long long)frame);
	else
		snprintf(buf, bufsz, " (decrypted)");
}

/* --- servers --- */

static const struct {
	const char *needle;
	enum server_kind kind;
} server_headers[] = {
	/* Before "Apache": Tomcat's connector calls itself Apache-Coyote. */
	{ "Apache-Coyote", SERVER_JAVA },
	{ "Tomcat", SERVER_JAVA },
	{ "Jetty", SERVER_JAVA },
	{ "Microsoft-IIS", SERVER_IIS },
	{ "Microsoft-HTTPAPI", SERVER_IIS },
	{ "nginx", SERVER_NGINX },
	{ "openresty", SERVER_NGINX },
	{ "Apache", SERVER_APACHE },
	{ "envoy", SERVER_ENVOY },
	{ "Kestrel", SERVER_KESTREL },
	{ "Caddy", SERVER_GO },
	{ "HAProxy", SERVER_HAPROXY },
};

/* Error pages the servers write themselves on a client-certificate
 * failure (or on any refusal, for the more generic ones). */
static const struct {
	const char *needle;
	enum server_kind kind;
} server_pages[] = {
	{ "No required SSL certificate was sent", SERVER_NGINX },
	{ "The SSL certificate error", SERVER_NGINX },
	{ "nginx", SERVER_NGINX },
	{ "Internet Information Services", SERVER_IIS },
	{ "HTTP Error 403.", SERVER_IIS },
	{ "403.7", SERVER_IIS },
	{ "403.13", SERVER_IIS },
	{ "403.16", SERVER_IIS },
	{ "Client certificate required", SERVER_IIS },
	{ "Request forbidden by administrative rules", SERVER_HAPROXY },
	{ "Cannot perform Post-Handshake Authentication", SERVER_APACHE },
	{ "You don't have permission to access this resource", SERVER_APACHE },
	{ "No client certificate chain in this request", SERVER_JAVA },
	{ "HTTP Status 4", SERVER_JAVA },
	{ "HTTP Status 5", SERVER_JAVA },
};

static const int server_preference[] = {
	SERVER_IIS,  SERVER_OPENSSL, SERVER_APACHE,  SERVER_NGINX,   SERVER_GO,   SERVER_JAVA,
	SERVER_KESTREL, SERVER_HAPROXY, SERVER_ENVOY, SERVER_NODE,
};

#define OPENSSL_SERVERS \
	(KIND(SERVER_NGINX) | KIND(SERVER_APACHE) | KIND(SERVER_HAPROXY) | KIND(SERVER_NODE) | KIND(SERVER_OPENSSL))

/* Decrypted HTTP: the Server header, then the error page. 1 when they
 * decided. */
static int server_from_http(const struct tls_conn *c, struct stack_guess *g)
{
	const struct http_facts *h = c->http;
	char where[48];

	if (!h)
		return 0;
	if (h->server[0]) {
		for (size_t i = 0; i < sizeof server_headers / sizeof server_headers[0]; i++)
			if (contains(h->server, server_headers[i].needle)) {
				frame_suffix(first_response_frame(h), where, sizeof where);
				g->kind = server_headers[i].kind;
				g->confidence = CONFIDENCE_HIGH;
				snprintf(g->evidence, sizeof g->evidence, "Server: %.100s%s", h->server, where);
				return 1;
			}
	}
	if (h->error_page[0]) {
		for (size_t i = 0; i < sizeof server_pages / sizeof server_pages[0]; i++)
			if (contains(h->error_page, server_pages[i].needle)) {
				frame_suffix(h->error_page_frame, where, sizeof where);
				g->kind = server_pages[i].kind;
				g->confidence = CONFIDENCE_HIGH;
				snprintf(g->evidence, sizeof g->evidence, "error page \"%.100s\"%s", h->error_page, where);
				return 1;
			}
	}
	/* Apache buffers a request body before it renegotiates, and answers
	 * 413 when the body is larger than SSLRenegBufferSize; the servers
	 * that cannot renegotiate never get there. */
	if (c->renegotiated && c->reneg_initiator == SIDE_SERVER)
		for (size_t i = 0; i < h->n && i < CONN_MAX_HTTP; i++)
			if (h->ex[i].status == 413) {
				g->kind = SERVER_APACHE;
				g->confidence = CONFIDENCE_MEDIUM;
				snprintf(g->evidence, sizeof g->evidence,
					 "413 to a request that needed renegotiation (decrypted, frame %llu)",
					 (unsigned long long)h->ex[i].response_frame);
				return 1;
			}
	return 0;
}

static void server_from_tls(const struct tls_conn *c, struct stack_guess *g)
{
	struct tally t;
	char text[96];

	tally_init(&t, SERVER_KIND_COUNT);
	if (c->http && c->http->server[0]) {
		/* A header we do not know (a CDN, a custom name): said, not used. */
		snprintf(text, sizeof text, "Server: %.40s (not a known kind)", c->http->server);
		trait(&t, ~(kind_set)0, 0, text);
	}
	if (c->http)
		for (size_t i = 0; i < c->http->n && i < CONN_MAX_HTTP; i++)
			if (c->http->ex[i].reset_frame && c->http->ex[i].reset_error == 0xd) {
				/* Both ask for a certificate late, which HTTP/2 forbids. */
				snprintf(text, sizeof text, "HTTP/2 stream reset with HTTP_1_1_REQUIRED (frame %llu)",
					 (unsigned long long)c->http->ex[i].reset_frame);
				trait(&t, KIND(SERVER_IIS) | KIND(SERVER_APACHE), 1, text);
				break;
			}
	if (c->renegotiated && c->reneg_initiator == SIDE_SERVER && c->app_bytes_before_reneg[SIDE_CLIENT]) {
		snprintf(text, sizeof text, "renegotiation started by the server after the request (frame %llu)",
			 (unsigned long long)c->first_reneg_frame);
		trait(&t,
		      KIND(SERVER_IIS) | KIND(SERVER_APACHE) | KIND(SERVER_JAVA) | KIND(SERVER_NODE) |
			      KIND(SERVER_KESTREL) | KIND(SERVER_OPENSSL),
		      1, text);
	}
	bool pha = false, openssl_shape = false, empty_list = false;
	for (size_t i = 0; i < c->n_requests; i++) {
		const struct cert_request_fact *r = &c->requests[i];
		if (r->visibility == VIS_INFERRED || r->parse_error)
			continue;
		pha |= r->phase == PHASE_POST_HANDSHAKE;
		openssl_shape |= openssl_sig_algs(r->sig_algs, r->n_sig_algs < TLS_MAX_SIG_ALGS ? r->n_sig_algs
											 : TLS_MAX_SIG_ALGS);
		/* TLS 1.3 has no list unless the extension is sent: no trait. */
		empty_list |= !tls_version_is_13(c->version) && r->ca_list_bytes == 0;
	}
	if (pha)
		trait(&t, KIND(SERVER_APACHE) | KIND(SERVER_OPENSSL) | KIND(SERVER_NODE) | KIND(SERVER_JAVA), 1,
		      "TLS 1.3 post-handshake certificate request");
	if (openssl_shape)
		trait(&t, OPENSSL_SERVERS, 1, "CertificateRequest signature algorithms in OpenSSL's order");
	if (empty_list)
		trait(&t,
		      KIND(SERVER_IIS) | KIND(SERVER_KESTREL) | KIND(SERVER_GO) | KIND(SERVER_HAPROXY) |
			      KIND(SERVER_ENVOY) | KIND(SERVER_NGINX) | KIND(SERVER_OPENSSL),
		      1, t.candidates & KIND(SERVER_IIS) ? "empty CA list (the Windows default)" : "empty CA list");
	if (c->ttl_known[SIDE_SERVER]) {
		uint8_t ttl = c->usual_ttl[SIDE_SERVER];
		unsigned init = initial_ttl(ttl);
		if (init == 128) {
			ttl_text(ttl, "Windows", text, sizeof text);
			trait(&t, KIND(SERVER_IIS) | KIND(SERVER_KESTREL), 1, text);
		} else if (init == 64) {
			/* Linux or another Unix: narrows, names nothing. */
			ttl_text(ttl, "Linux/Unix", text, sizeof text);
			trait(&t, ~(kind_set)KIND(SERVER_IIS), 0, text);
		} else {
			ttl_text(ttl, "a network device or proxy", text, sizeof text);
			trait(&t, ~(kind_set)0, 0, text);
		}
	}
	tally_guess(&t, server_preference, sizeof server_preference / sizeof server_preference[0], g);
}

/* --- clients --- */

static const struct {
	const char *needle;
	enum client_kind kind;
} client_agents[] = {
	{ "curl/", CLIENT_OPENSSL },
	{ "Wget", CLIENT_OPENSSL },
	{ "python-requests", CLIENT_PYTHON },
	{ "python-urllib", CLIENT_PYTHON },
	{ "python-httpx", CLIENT_PYTHON },
	{ "aiohttp", CLIENT_PYTHON },
	{ "Go-http-client", CLIENT_GO },
	{ "Apache-HttpClient", CLIENT_JAVA },
	{ "okhttp", CLIENT_JAVA },
	{ "Java/", CLIENT_JAVA },
	{ "PowerShell", CLIENT_SCHANNEL },
	{ "Trident/", CLIENT_SCHANNEL },
	{ "Firefox/", CLIENT_FIREFOX },
	/* Chromium browsers also say "Safari/": test them first. */
	{ "Chrome/", CLIENT_CHROMIUM },
	{ "Chromium/", CLIENT_CHROMIUM },
	{ "Edg/", CLIENT_CHROMIUM },
	{ "Safari/", CLIENT_SAFARI },
};

/* Fingerprints FoxIO lists for known clients (ja4plus-mapping.csv in
 * FoxIO-LLC/ja4), by their hashed parts b and c: with and without SNI or
 * ALPN the same client has the same lists. They change with versions, so
 * a match is a strong trait, not proof; one hash pair is listed for both
 * Windows' WinINET and Go. */
static const struct {
	const char *version;
	const char *hashes;
	kind_set kinds;
	const char *who;
} client_ja4[] = {
	{ "13", "8daaf6152771_02713d6af862", KIND(CLIENT_CHROMIUM), "Chromium" },
	{ "13", "8daaf6152771_b0da82dd1658", KIND(CLIENT_CHROMIUM), "Chromium" },
	{ "13", "8daaf6152771_b1ff8ab2d16f", KIND(CLIENT_CHROMIUM), "Chromium" },
	{ "13", "5b57614c22b0_7121afd63204", KIND(CLIENT_FIREFOX), "Firefox" },
	{ "13", "a09f3c656075_14788d8d241b", KIND(CLIENT_SAFARI), "Safari" },
	{ "13", "9dc949149365_97f8aa674fd9", KIND(CLIENT_GO), "Go" },
	{ "13", "9dc949149365_e7c285222651", KIND(CLIENT_GO), "Go" },
	{ "13", "cbb2034c60b8_e7c285222651", KIND(CLIENT_GO), "Go" },
	{ "13", "e33ad33b3d25_6b314db333b6", KIND(CLIENT_GO), "Go" },
	{ "12", "8cdfa2d4673b_18dd7303c4a5", KIND(CLIENT_GO), "Go" },
	{ "13", "85036bcba153_d41ae481755e", KIND(CLIENT_PYTHON), "Python" },
	{ "13", "c7886603b240_b26ce05bbdd6", KIND(CLIENT_PYTHON), "Python" },
	{ "12", "d83cc789557e_7af1ed941c26", KIND(CLIENT_SCHANNEL) | KIND(CLIENT_GO), "WinINET and Go" },
};

static const int client_preference[] = {
	CLIENT_CHROMIUM, CLIENT_OPENSSL, CLIENT_FIREFOX, CLIENT_SAFARI,
	CLIENT_JAVA,     CLIENT_GO,      CLIENT_PYTHON,  CLIENT_SCHANNEL,
};

#define OPENSSL_CLIENTS (KIND(CLIENT_OPENSSL) | KIND(CLIENT_PYTHON))

static bool has_ext(const struct tls_client_hello *ch, uint16_t type)
{
	size_t n = ch->n_extensions < TLS_CH_MAX_EXTENSIONS ? ch->n_extensions : TLS_CH_MAX_EXTENSIONS;
	return index_of(ch->ext_types, n, type) >= 0;
}

static bool has_grease(const struct tls_client_hello *ch)
{
	size_t ns = ch->n_cipher_suites < TLS_CH_MAX_SUITES ? ch->n_cipher_suites : TLS_CH_MAX_SUITES;
	size_t ne = ch->n_extensions < TLS_CH_MAX_EXTENSIONS ? ch->n_extensions : TLS_CH_MAX_EXTENSIONS;
	size_t ng = ch->n_groups < TLS_CH_MAX_GROUPS ? ch->n_groups : TLS_CH_MAX_GROUPS;
	for (size_t i = 0; i < ns; i++)
		if (tls_is_grease(ch->cipher_suites[i]))
			return true;
	for (size_t i = 0; i < ne; i++)
		if (tls_is_grease(ch->ext_types[i]))
			return true;
	for (size_t i = 0; i < ng; i++)
		if (tls_is_grease(ch->groups[i]))
			return true;
	return false;
}

static int client_from_http(const struct tls_conn *c, struct stack_guess *g)
{
	const struct http_facts *h = c->http;
	char where[48];

	if (!h || !h->user_agent[0])
		return 0;
	for (size_t i = 0; i < sizeof client_agents / sizeof client_agents[0]; i++)
		if (contains(h->user_agent, client_agents[i].needle)) {
			uint64_t frame = h->n ? h->ex[0].request_frame : 0;
			frame_suffix(frame, where, sizeof where);
			g->kind = client_agents[i].kind;
			g->confidence = CONFIDENCE_HIGH;
			snprintf(g->evidence, sizeof g->evidence, "User-Agent: %.100s%s", h->user_agent, where);
			return 1;
		}
	return 0;
}

static void client_from_tls(const struct tls_conn *c, const char *ja4, struct stack_guess *g)
{
	struct tally t;
	char text[96];

	tally_init(&t, CLIENT_KIND_COUNT);
	if (c->http && c->http->user_agent[0]) {
		snprintf(text, sizeof text, "User-Agent: %.40s (not a known kind)", c->http->user_agent);
		trait(&t, ~(kind_set)0, 0, text);
	}
	if (c->have_client_hello && !c->ch.sslv2_format) {
		const struct tls_client_hello *ch = &c->ch;
		/* "t13d1516h2_" then the hashes: the version at 1, the hashes at 11. */
		for (size_t i = 0; ja4[0] && i < sizeof client_ja4 / sizeof client_ja4[0]; i++)
			if (strncmp(ja4 + 1, client_ja4[i].version, 2) == 0 && strcmp(ja4 + 11, client_ja4[i].hashes) == 0) {
				snprintf(text, sizeof text, "JA4 as FoxIO lists it for %s", client_ja4[i].who);
				trait(&t, client_ja4[i].kinds, 2, text);
			}
		if (has_grease(ch))
			trait(&t, KIND(CLIENT_CHROMIUM) | KIND(CLIENT_SAFARI), 1, "GREASE values (BoringSSL/Apple)");
		if (has_ext(ch, 0x4469) || has_ext(ch, 0x44cd))
			trait(&t, KIND(CLIENT_CHROMIUM), 1, "application_settings extension (Chromium)");
		if (has_ext(ch, 28))
			trait(&t, KIND(CLIENT_FIREFOX), 1, "record_size_limit extension (NSS)");
		if (has_ext(ch, 17))
			trait(&t, KIND(CLIENT_JAVA), 1, "status_request_v2 extension (JSSE)");
		if (has_ext(ch, TLS_EXT_ENCRYPT_THEN_MAC))
			trait(&t, OPENSSL_CLIENTS, 1, "encrypt_then_mac offered");
		size_t ne = ch->n_extensions < TLS_CH_MAX_EXTENSIONS ? ch->n_extensions : TLS_CH_MAX_EXTENSIONS;
		int pf = index_of(ch->ext_types, ne, 11), sg = index_of(ch->ext_types, ne, TLS_EXT_SUPPORTED_GROUPS);
		if (pf >= 0 && sg == pf + 1)
			trait(&t, OPENSSL_CLIENTS, 1, "ec_point_formats just before supported_groups");
		if (openssl_sig_algs(ch->sig_algs, ch->n_sig_algs < TLS_MAX_SIG_ALGS ? ch->n_sig_algs : TLS_MAX_SIG_ALGS))
			trait(&t, OPENSSL_CLIENTS, 1, "signature algorithms in OpenSSL's order");
		if (ch->has_post_handshake_auth)
			trait(&t, OPENSSL_CLIENTS | KIND(CLIENT_FIREFOX), 1, "post_handshake_auth offered");
	}
	if (c->ttl_known[SIDE_CLIENT] && initial_ttl(c->usual_ttl[SIDE_CLIENT]) == 128) {
		/* The host's system, not its TLS library: it names Schannel
		 * alone, or picks it among candidates, but never outweighs a
		 * ClientHello trait (curl runs on Windows too). */
		ttl_text(c->usual_ttl[SIDE_CLIENT], "Windows", text, sizeof text);
		if (t.candidates & KIND(CLIENT_SCHANNEL))
			trait(&t, KIND(CLIENT_SCHANNEL), t.points ? 0 : 1, text);
		else
			evidence_append(t.evidence, sizeof t.evidence, &t.len, text);
	}
	tally_guess(&t, client_preference, sizeof client_preference / sizeof client_preference[0], g);
}

static void apply_override(struct stack_guess *g, int kind, const char *option, const char *guessed_name)
{
	char was[sizeof g->evidence];
	if (g->kind)
		snprintf(was, sizeof was, "%s; the capture suggested %s (%s)", option, guessed_name,
			 stack_confidence_name(g->confidence));
	else
		snprintf(was, sizeof was, "%s", option);
	g->kind = kind;
	g->confidence = CONFIDENCE_HIGH;
	g->overridden = true;
	memcpy(g->evidence, was, sizeof g->evidence);
}

void stack_identify(const struct tls_conn *c, const struct stack_overrides *ov, struct ja4_memo *ja4_memo,
		    struct stack_id *out)
{
	memset(out, 0, sizeof *out);
	if (c->have_client_hello)
		(void)ja4_client_hello_memo(&c->ch, false, ja4_memo, out->ja4, sizeof out->ja4);

	if (!server_from_http(c, &out->server))
		server_from_tls(c, &out->server);
	if (!client_from_http(c, &out->client))
		client_from_tls(c, out->ja4, &out->client);

	if (ov && ov->server != SERVER_UNKNOWN)
		apply_override(&out->server, ov->server, "--server",
			       server_kind_name((enum server_kind)out->server.kind));
	if (ov && ov->client != CLIENT_UNKNOWN)
		apply_override(&out->client, ov->client, "--client",
			       client_kind_name((enum client_kind)out->client.kind));
}
