/* fuzz_expect.c - the --expect file parser on arbitrary text, then the
 * parsed expectations checked against one synthetic connection and
 * reported, so selectors, DN comparisons and the report run too.
 *
 * Input: the file's text (NUL bytes end it, as expect_load refuses them). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/expect.h"
#include "output/output.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	char err[600];
	struct expect_set *e = expect_parse("fuzz.expect", text, err, sizeof err);
	free(text);
	if (!e)
		return 0;
	struct tls_conn c;
	tls_conn_init(&c);
	c.have_client_hello = true;
	snprintf(c.ch.sni, sizeof c.ch.sni, "app.example.com");
	c.server.port = 443;
	c.version = 0x0303;
	c.have_server_hello = true;
	struct findings f = { .n = 1 };
	f.items[0].id = "CLIENT_CERT_EMPTY";
	f.items[0].severity = SEV_ERROR;
	expect_check(e, "x.pcap", &c, &f);
	FILE *devnull = fopen("/dev/null", "w");
	if (devnull) {
		struct output o = { .fp = devnull, .format = size % 2 ? FORMAT_TEXT : FORMAT_JSON };
		expect_report(e, &o, size % 3 == 0);
		fclose(devnull);
	}
	expect_free(e);
	return 0;
}
