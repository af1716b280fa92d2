/* The remedies catalogue: every finding has a fix, the fix for a known
 * stack speaks that stack's words (and only those), rows are findable by
 * the binary search, placeholders are filled, and a composed remedy fits
 * its buffer without a word cut in the middle. */
#include <check.h>
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diagnosis/remedies.h"
#include "diagnosis/findings.h"
#include "support/suite_run.h"

/* The catalogue as written, read through its own X-macro. */
struct row {
	const char *key, *side, *kind, *text;
};
#define REMEDY(key, side, kind, text) { key, #side, #kind, text },
static const struct row rows[] = {
#include "diagnosis/remedies.def"
};
#undef REMEDY
#define N_ROWS (sizeof rows / sizeof rows[0])

/* The variants the diagnosis uses ("ID/variant"): by the side that ends
 * the connection, by OpenSSL's verdict, inferred, and by the alert that
 * refused the certificate (e2e-remedies.sh checks the named ones). */
static const char *const variants[] = {
	"RST_DURING_CERT_NEGOTIATION/client", "RST_DURING_CERT_NEGOTIATION/server", "FIN_DURING_CERT_NEGOTIATION/client",
	"FIN_DURING_CERT_NEGOTIATION/server", "SERVER_REJECTED_CLIENT_CERT/unknown_ca",
	"SERVER_REJECTED_CLIENT_CERT/certificate_expired", "SERVER_REJECTED_CLIENT_CERT/unsupported_certificate",
	"SERVER_REJECTED_CLIENT_CERT/bad_certificate", "SERVER_REJECTED_CLIENT_CERT/certificate_revoked",
	"SERVER_REJECTED_CLIENT_CERT/certificate_required", "SERVER_REJECTED_CLIENT_CERT/handshake_failure",
	"SERVER_REJECTED_CLIENT_CERT/decrypt_error", "SERVER_REJECTED_CLIENT_CERT/access_denied",
	"SERVER_REJECTED_CLIENT_CERT/inferred", "CLIENT_CHAIN_UNTRUSTED/issuer_missing",
	"CLIENT_CHAIN_UNTRUSTED/untrusted_root", "CLIENT_CHAIN_UNTRUSTED/validity", "CLIENT_CHAIN_UNTRUSTED/purpose",
};
#define N_VARIANTS (sizeof variants / sizeof variants[0])

/* Every key a finding may look up: each finding of the catalogue
 * (findings.def), then the variants. Filled before main (the suite's
 * main is SUITE_MAIN's). */
#define N_KEYS (FINDING_COUNT + N_VARIANTS)
static const char *keys[N_KEYS];

__attribute__((constructor)) static void fill_keys(void)
{
	for (size_t i = 0; i < FINDING_COUNT; i++)
		keys[i] = finding_info((enum finding_code)i)->id;
	for (size_t i = 0; i < N_VARIANTS; i++)
		keys[FINDING_COUNT + i] = variants[i];
}

/* Findings whose fix is a server setting: each of the four common servers
 * gets its own words. */
static const char *const server_fixed[] = {
	"CA_LIST_EMPTY", "CA_LIST_TOO_LARGE", "CLIENT_CERT_EMPTY", "CLIENT_CHAIN_NOT_IN_CA_LIST",
	"CLIENT_CHAIN_UNTRUSTED", "CLIENT_CHAIN_UNTRUSTED/issuer_missing", "CLIENT_CHAIN_UNTRUSTED/untrusted_root",
	"FIN_DURING_CERT_NEGOTIATION", "FIN_DURING_CERT_NEGOTIATION/server", "HTTP2_HTTP_1_1_REQUIRED",
	"HTTP_CERT_REQUIRED_STATUS", "LATE_CERT_REQUEST_RENEGOTIATION", "NO_CERT_REQUEST", "RENEGOTIATION_UNDER_HTTP2",
	"RST_DURING_CERT_NEGOTIATION", "RST_DURING_CERT_NEGOTIATION/server", "SERVER_REJECTED_CLIENT_CERT",
	"SERVER_REJECTED_CLIENT_CERT/bad_certificate", "SERVER_REJECTED_CLIENT_CERT/certificate_expired",
	"SERVER_REJECTED_CLIENT_CERT/certificate_required", "SERVER_REJECTED_CLIENT_CERT/certificate_revoked",
	"SERVER_REJECTED_CLIENT_CERT/handshake_failure", "SERVER_REJECTED_CLIENT_CERT/inferred",
	"SERVER_REJECTED_CLIENT_CERT/unknown_ca", "TLS13_LATE_CERT_NEGOTIATION", "TLS13_PHA_NOT_OFFERED",
	"TLS13_POST_HANDSHAKE_REQUEST",
};

static const char *const iis_words[] = { "netsh", "certlm", "SendTrustedIssuerList", "HKLM", "sslctlstorename",
					 "clientcertnegotiation", "HTTP.SYS" };
static const char *const placeholders[] = { "port", "issuer", "subject", "depth", "product", "sni" };

static bool starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static bool has_iis_word(const char *text)
{
	for (size_t i = 0; i < sizeof iis_words / sizeof iis_words[0]; i++)
		if (strstr(text, iis_words[i]))
			return true;
	return false;
}

/* An Apache directive: "SSL" and a capitalised word (SSLVerifyClient, SSLCADNRequestFile). */
static bool has_apache_directive(const char *text)
{
	for (const char *p = strstr(text, "SSL"); p; p = strstr(p + 1, "SSL"))
		if (isupper((unsigned char)p[3]) && isalpha((unsigned char)p[4]) && strncmp(p, "SSLKEYLOGFILE", 13) != 0)
			return true;
	return false;
}

START_TEST(every_key_has_a_generic_row)
{
	for (size_t i = 0; i < N_KEYS; i++)
		ck_assert_msg(remedy_has_server_row(keys[i], SERVER_UNKNOWN) ||
				      remedy_has_client_row(keys[i], CLIENT_UNKNOWN),
			      "%s: no generic row", keys[i]);
	/* And the catalogue holds no key nobody uses. */
	for (size_t r = 0; r < N_ROWS; r++) {
		bool known = false;
		for (size_t i = 0; i < N_KEYS && !known; i++)
			known = strcmp(rows[r].key, keys[i]) == 0;
		ck_assert_msg(known, "%s: a row for a key no finding uses", rows[r].key);
	}
}
END_TEST

START_TEST(server_fixes_name_the_common_servers)
{
	static const enum server_kind common[] = { SERVER_UNKNOWN, SERVER_IIS, SERVER_NGINX, SERVER_APACHE,
						   SERVER_HAPROXY };
	for (size_t i = 0; i < sizeof server_fixed / sizeof server_fixed[0]; i++)
		for (size_t k = 0; k < sizeof common / sizeof common[0]; k++)
			ck_assert_msg(remedy_has_server_row(server_fixed[i], common[k]), "%s: no %s row",
				      server_fixed[i], server_kind_name(common[k]));
}
END_TEST

START_TEST(rows_speak_their_stack)
{
	for (size_t r = 0; r < N_ROWS; r++) {
		const struct row *w = &rows[r];
		bool server = strcmp(w->side, "SERVER") == 0;
		ck_assert_msg(server || strcmp(w->side, "CLIENT") == 0, "%s: side %s", w->key, w->side);
		if (server && strcmp(w->kind, "NGINX") == 0)
			ck_assert_msg(strstr(w->text, "ssl_"), "%s nginx: no ssl_ directive: %s", w->key, w->text);
		if (server && strcmp(w->kind, "APACHE") == 0)
			ck_assert_msg(has_apache_directive(w->text), "%s apache: no SSL directive: %s", w->key, w->text);
		if (server && strcmp(w->kind, "HAPROXY") == 0)
			ck_assert_msg(strstr(w->text, "verify") || strstr(w->text, "ca-file"),
				      "%s haproxy: neither verify nor ca-file: %s", w->key, w->text);
		/* Windows words only where Windows is meant. */
		bool windows_row = strcmp(w->kind, "IIS") == 0 || strcmp(w->kind, "SCHANNEL") == 0 ||
				   (server && strcmp(w->kind, "UNKNOWN") == 0);
		if (!windows_row)
			ck_assert_msg(!has_iis_word(w->text), "%s %s %s: Windows words: %s", w->key, w->side, w->kind,
				      w->text);
		/* A generic server row never names IIS alone. */
		if (server && strcmp(w->kind, "UNKNOWN") == 0 && strstr(w->text, "IIS"))
			ck_assert_msg(strstr(w->text, "nginx") || strstr(w->text, "Apache"),
				      "%s: generic row names IIS alone: %s", w->key, w->text);
		ck_assert_msg(strlen(w->text) <= 450, "%s %s %s: %zu characters", w->key, w->side, w->kind,
			      strlen(w->text));
	}
}
END_TEST

/* The binary search needs strcmp order; one row per key, side and kind. */
START_TEST(rows_sorted_and_unique)
{
	for (size_t r = 1; r < N_ROWS; r++) {
		int c = strcmp(rows[r - 1].key, rows[r].key);
		ck_assert_msg(c <= 0, "%s sorted after %s", rows[r - 1].key, rows[r].key);
		for (size_t q = r; q-- > 0 && strcmp(rows[q].key, rows[r].key) == 0;)
			ck_assert_msg(strcmp(rows[q].side, rows[r].side) || strcmp(rows[q].kind, rows[r].kind),
				      "%s %s %s twice", rows[r].key, rows[r].side, rows[r].kind);
	}
	/* Every row is found by the lookup the analyzer uses. */
	for (size_t r = 0; r < N_ROWS; r++) {
		bool server = strcmp(rows[r].side, "SERVER") == 0;
		bool found = false;
		for (int k = 0; k < (server ? SERVER_KIND_COUNT : CLIENT_KIND_COUNT) && !found; k++) {
			char upper[32];
			const char *name = server ? server_kind_name((enum server_kind)k) : client_kind_name((enum client_kind)k);
			size_t n = 0;
			for (; name[n] && n + 1 < sizeof upper; n++)
				upper[n] = (char)toupper((unsigned char)name[n]);
			upper[n] = '\0';
			if (strcmp(upper, rows[r].kind) == 0)
				found = server ? remedy_has_server_row(rows[r].key, (enum server_kind)k)
					       : remedy_has_client_row(rows[r].key, (enum client_kind)k);
		}
		ck_assert_msg(found, "%s %s %s: not found by lookup", rows[r].key, rows[r].side, rows[r].kind);
	}
}
END_TEST

START_TEST(placeholders_known)
{
	for (size_t r = 0; r < N_ROWS; r++)
		for (const char *p = strchr(rows[r].text, '{'); p; p = strchr(p + 1, '{')) {
			size_t n = 0;
			while (islower((unsigned char)p[1 + n]))
				n++;
			if (n == 0 || p[1 + n] != '}')
				continue; /* literal text such as appid={<guid>} */
			bool known = false;
			for (size_t i = 0; i < sizeof placeholders / sizeof placeholders[0]; i++)
				known |= strlen(placeholders[i]) == n && strncmp(p + 1, placeholders[i], n) == 0;
			ck_assert_msg(known, "%s: unknown placeholder %.*s", rows[r].key, (int)n + 2, p);
		}
}
END_TEST

static struct stack_id stack_of(enum server_kind s, enum client_kind c)
{
	struct stack_id st;
	memset(&st, 0, sizeof st);
	st.server.kind = s;
	st.client.kind = c;
	return st;
}

static bool left_placeholder(const char *text)
{
	for (size_t i = 0; i < sizeof placeholders / sizeof placeholders[0]; i++) {
		char ph[16];
		snprintf(ph, sizeof ph, "{%s}", placeholders[i]);
		if (strstr(text, ph))
			return true;
	}
	return false;
}

START_TEST(placeholders_filled)
{
	const struct remedy_args args = { 8443, "CN=Corp Issuing CA 7,O=Corp", "CN=alice,O=Corp", 2, "Zscaler",
					  "app.example" };
	struct stack_id st = stack_of(SERVER_IIS, CLIENT_UNKNOWN);
	char out[1024];
	ck_assert_uint_gt(remedy_format(out, sizeof out, "LATE_CERT_REQUEST_RENEGOTIATION", &st, &args), 0);
	ck_assert_msg(strstr(out, "ipport=0.0.0.0:8443 "), "%s", out);
	ck_assert_msg(strstr(out, "appid={<guid>}"), "literal braces kept: %s", out);
	st = stack_of(SERVER_NGINX, CLIENT_UNKNOWN);
	remedy_format(out, sizeof out, "CLIENT_CHAIN_NOT_IN_CA_LIST", &st, &args);
	ck_assert_msg(strstr(out, "Add CN=Corp Issuing CA 7,O=Corp to ssl_client_certificate"), "%s", out);
	remedy_format(out, sizeof out, "TLS_INSPECTION", &st, &args);
	ck_assert_msg(strstr(out, "Exempt app.example from TLS inspection in Zscaler"), "%s", out);
	remedy_format(out, sizeof out, "CLIENT_CHAIN_UNTRUSTED/validity", &st, &args);
	ck_assert_msg(strstr(out, "chain depth 2 "), "%s", out);
	remedy_format(out, sizeof out, "CLIENT_CERT_EXPIRED", &st, &args);
	ck_assert_msg(strstr(out, "CN=alice,O=Corp"), "%s", out);
	/* Without values: neutral words, never a bare placeholder. */
	remedy_format(out, sizeof out, "TLS_INSPECTION", &st, NULL);
	ck_assert_msg(strstr(out, "Exempt this site from TLS inspection in the inspecting product"), "%s", out);
	const struct remedy_args empty = { 0, "", NULL, 0, NULL, NULL };
	st = stack_of(SERVER_IIS, CLIENT_UNKNOWN);
	remedy_format(out, sizeof out, "LATE_CERT_REQUEST_RENEGOTIATION", &st, &empty);
	ck_assert_msg(strstr(out, "ipport=0.0.0.0:<port> "), "%s", out);
	for (size_t i = 0; i < N_KEYS; i++)
		for (int s = 0; s < SERVER_KIND_COUNT; s++)
			for (int c = 0; c < CLIENT_KIND_COUNT; c++) {
				st = stack_of((enum server_kind)s, (enum client_kind)c);
				remedy_format(out, sizeof out, keys[i], &st, &empty);
				ck_assert_msg(!left_placeholder(out), "%s: %s", keys[i], out);
				remedy_format(out, sizeof out, keys[i], &st, &args);
				ck_assert_msg(!left_placeholder(out), "%s: %s", keys[i], out);
			}
}
END_TEST

START_TEST(labels_say_whose_fix)
{
	char out[1024];
	struct stack_id st = stack_of(SERVER_NGINX, CLIENT_OPENSSL);
	remedy_format(out, sizeof out, "CLIENT_CERT_EMPTY", &st, NULL);
	ck_assert_msg(starts_with(out, "nginx: "), "%s", out);
	ck_assert_msg(strstr(out, " Client (curl/OpenSSL): curl and openssl s_client"), "%s", out);
	/* Unknown software: the generic rows, labelled by side when both are there. */
	st = stack_of(SERVER_UNKNOWN, CLIENT_UNKNOWN);
	remedy_format(out, sizeof out, "CLIENT_CERT_EMPTY", &st, NULL);
	ck_assert_msg(starts_with(out, "Server: ") && strstr(out, " Client: Install"), "%s", out);
	ck_assert_msg(strstr(out, "IIS/HTTP.SYS") && strstr(out, "nginx") && strstr(out, "Apache"), "%s", out);
	/* A known server without a row of its own gets the generic one. */
	st = stack_of(SERVER_KESTREL, CLIENT_UNKNOWN);
	remedy_format(out, sizeof out, "CLIENT_CHAIN_UNTRUSTED/untrusted_root", &st, NULL);
	ck_assert_msg(starts_with(out, "Server: The chain ends"), "%s", out);
	/* One part alone needs no label. */
	remedy_format(out, sizeof out, "CAPTURE_STARTED_MIDSTREAM", &st, NULL);
	ck_assert_msg(starts_with(out, "Start the capture"), "%s", out);
	/* With no stack at all: the generic rows. */
	char other[1024];
	st = stack_of(SERVER_UNKNOWN, CLIENT_UNKNOWN);
	remedy_format(out, sizeof out, "NO_CERT_REQUEST", NULL, NULL);
	remedy_format(other, sizeof other, "NO_CERT_REQUEST", &st, NULL);
	ck_assert_str_eq(out, other);
	/* nginx gets nginx's words, never Windows ones, for every key. */
	for (size_t i = 0; i < N_KEYS; i++) {
		st = stack_of(SERVER_NGINX, CLIENT_OPENSSL);
		remedy_format(out, sizeof out, keys[i], &st, NULL);
		if (starts_with(out, "nginx: "))
			ck_assert_msg(!has_iis_word(out), "%s: %s", keys[i], out);
	}
}
END_TEST

START_TEST(variant_falls_back_to_its_id)
{
	char a[1024], b[1024];
	struct stack_id st = stack_of(SERVER_APACHE, CLIENT_CHROMIUM);
	remedy_format(a, sizeof a, "CLIENT_CHAIN_UNTRUSTED/no_such_variant", &st, NULL);
	remedy_format(b, sizeof b, "CLIENT_CHAIN_UNTRUSTED", &st, NULL);
	ck_assert_uint_gt(strlen(a), 0);
	ck_assert_str_eq(a, b);
	/* A variant with client rows only takes the server part from its ID. */
	st = stack_of(SERVER_NGINX, CLIENT_UNKNOWN);
	remedy_format(a, sizeof a, "SERVER_REJECTED_CLIENT_CERT/decrypt_error", &st, NULL);
	remedy_format(b, sizeof b, "SERVER_REJECTED_CLIENT_CERT", &st, NULL);
	ck_assert_msg(starts_with(a, "nginx: nginx logs the verification error"), "%s", a);
	ck_assert_msg(strstr(a, "Client: The CertificateVerify signature"), "%s", a);
	/* And the variant's own rows win over the ID's. */
	remedy_format(a, sizeof a, "SERVER_REJECTED_CLIENT_CERT/unknown_ca", &st, NULL);
	ck_assert_msg(starts_with(a, "nginx: Trust the issuing CA with ssl_client_certificate"), "%s", a);
	/* Unknown keys have no remedy. */
	ck_assert_uint_eq(remedy_format(a, sizeof a, "NO_SUCH_FINDING", &st, NULL), 0);
	ck_assert_str_eq(a, "");
	ck_assert_uint_eq(remedy_format(a, sizeof a, "NO_SUCH_FINDING/variant", &st, NULL), 0);
	ck_assert_uint_eq(remedy_format(a, sizeof a, "/", &st, NULL), 0);
	ck_assert_uint_eq(remedy_format(a, sizeof a, "", &st, NULL), 0);
	ck_assert(!remedy_has_server_row("SERVER_REJECTED_CLIENT_CERT/decrypt_error", SERVER_NGINX));
	ck_assert(remedy_has_server_row("SERVER_REJECTED_CLIENT_CERT", SERVER_NGINX));
}
END_TEST

/* Whether out is all of ref, or whole words of ref followed by "...". */
static bool word_cut_of(const char *out, size_t len, const char *ref)
{
	if (strcmp(out, ref) == 0)
		return true;
	if (len <= 3 || strcmp(out + len - 3, "...") != 0)
		return false;
	size_t kept = len - 3;
	return strncmp(out, ref, kept) == 0 && out[kept - 1] != ' ' && ref[kept] && strchr(" ,;:.(", ref[kept]);
}

/* out fits, and is the whole remedy, the remedy without its generic client
 * part (alt, "" when there is none), or either cut between words. */
static void assert_word_cut(const char *key, size_t size, const char *out, size_t len, const char *full,
			    const char *alt)
{
	ck_assert_msg(len == strlen(out), "%s/%zu: returned %zu for %zu bytes", key, size, len, strlen(out));
	ck_assert_msg(len < size, "%s/%zu: %zu bytes", key, size, len);
	ck_assert_msg(len == 0 || word_cut_of(out, len, full) || (*alt && word_cut_of(out, len, alt)),
		      "%s/%zu: not cut between words: '%s' of '%s'", key, size, out, full);
}

/* The remedy without its generic client part, as remedy_format makes it
 * when the whole does not fit; "" when nothing is dropped. */
static void dropped_form(char *alt, size_t alt_size, const char *key, const struct stack_id *st,
			 const struct remedy_args *args, size_t full_len)
{
	size_t n = remedy_format(alt, full_len < alt_size ? full_len : alt_size, key, st, args);
	if (n >= 3 && strcmp(alt + n - 3, "...") == 0)
		alt[0] = '\0';
}

START_TEST(composition_fits_and_cuts_between_words)
{
	const struct remedy_args args = { 443, "CN=Example Issuing CA G2,OU=Client Authentication,O=Example Corp,C=US",
					  "CN=build-agent-17.example.internal,O=Example Corp", 1, "Zscaler",
					  "portal.example.com" };
	static const size_t sizes[] = { 1, 2, 4, 5, 8, 16, 40, 77, 100, 160, 255, 300, 512 };
	char full[4096], alt[4096], out[1024];
	for (size_t i = 0; i < N_KEYS; i++)
		for (int s = 0; s < SERVER_KIND_COUNT; s++)
			for (int c = 0; c < CLIENT_KIND_COUNT; c++) {
				struct stack_id st = stack_of((enum server_kind)s, (enum client_kind)c);
				size_t n = remedy_format(full, sizeof full, keys[i], &st, &args);
				ck_assert_msg(n > 0, "%s: empty", keys[i]);
				dropped_form(alt, sizeof alt, keys[i], &st, &args, n);
				/* The catalogue is sized so that 1024 bytes hold it (the generic client
				 * part may be left out). */
				size_t m = remedy_format(out, sizeof out, keys[i], &st, &args);
				ck_assert_msg(m < sizeof out && (m < 3 || strcmp(out + m - 3, "...") != 0),
					      "%s %s/%s: does not fit 1024: %s", keys[i], server_kind_name(st.server.kind),
					      client_kind_name(st.client.kind), out);
				for (size_t z = 0; z < sizeof sizes / sizeof sizes[0]; z++) {
					memset(out, 'X', sizeof out);
					size_t len = remedy_format(out, sizes[z], keys[i], &st, &args);
					ck_assert_msg(memchr(out, '\0', sizes[z]) != NULL, "%s/%zu: no NUL", keys[i], sizes[z]);
					ck_assert_int_eq(out[sizes[z]], 'X'); /* nothing written past out_size */
					assert_word_cut(keys[i], sizes[z], out, len, full, alt);
				}
			}
	/* out_size 0 writes nothing. */
	out[0] = 'X';
	struct stack_id st = stack_of(SERVER_IIS, CLIENT_SCHANNEL);
	ck_assert_uint_eq(remedy_format(out, 0, "CLIENT_CERT_EMPTY", &st, &args), 0);
	ck_assert_int_eq(out[0], 'X');
}
END_TEST

/* When both parts do not fit, the generic client part goes first, whole. */
START_TEST(generic_client_part_dropped_first)
{
	char full[4096], out[1024], server_only[1024];
	struct stack_id st = stack_of(SERVER_NGINX, CLIENT_UNKNOWN);
	const char *nginx_row = NULL;
	for (size_t r = 0; r < N_ROWS; r++)
		if (strcmp(rows[r].key, "CLIENT_CERT_EMPTY") == 0 && strcmp(rows[r].side, "SERVER") == 0 &&
		    strcmp(rows[r].kind, "NGINX") == 0)
			nginx_row = rows[r].text;
	ck_assert_ptr_nonnull(nginx_row);
	snprintf(server_only, sizeof server_only, "nginx: %s", nginx_row);
	size_t n = remedy_format(full, sizeof full, "CLIENT_CERT_EMPTY", &st, NULL);
	ck_assert_uint_gt(n, strlen(server_only) + 10);
	ck_assert_uint_eq(remedy_format(out, strlen(server_only) + 1, "CLIENT_CERT_EMPTY", &st, NULL),
			  strlen(server_only));
	ck_assert_str_eq(out, server_only);
	/* A client part for the identified client is kept, and the cut is marked. */
	st = stack_of(SERVER_NGINX, CLIENT_GO);
	size_t len = remedy_format(out, strlen(server_only) + 20, "CLIENT_CERT_EMPTY", &st, NULL);
	remedy_format(full, sizeof full, "CLIENT_CERT_EMPTY", &st, NULL);
	ck_assert_msg(strstr(full, "Client (Go): "), "%s", full);
	ck_assert_msg(len > 3 && strcmp(out + len - 3, "...") == 0, "%s", out);
	assert_word_cut("CLIENT_CERT_EMPTY", strlen(server_only) + 20, out, len, full, "");
}
END_TEST

SUITE_MAIN("remedies", false,
	   CASE("remedies", 0, every_key_has_a_generic_row, server_fixes_name_the_common_servers,
		rows_speak_their_stack, rows_sorted_and_unique, placeholders_known, placeholders_filled,
		labels_say_whose_fix, variant_falls_back_to_its_id, composition_fits_and_cuts_between_words,
		generic_client_part_dropped_first))
