/* test_an_pcap_variants.c - the same capture written in the other byte
 * order and with nanosecond timestamps, and as pcapng, gives the same
 * report: libpcap's readers (and our pcapng fallback) agree. The copies
 * are written here from a sample read through libpcap. */
#include <check.h>
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "support/suite_run.h"
#include "support/test_paths.h"

static void put32(FILE *fp, uint32_t v, int big)
{
	uint8_t b[4];
	for (int i = 0; i < 4; i++)
		b[big ? 3 - i : i] = (uint8_t)(v >> (8 * i));
	fwrite(b, 1, 4, fp);
}

static void put16(FILE *fp, uint16_t v, int big)
{
	uint8_t b[2];
	b[big ? 1 : 0] = (uint8_t)v;
	b[big ? 0 : 1] = (uint8_t)(v >> 8);
	fwrite(b, 1, 2, fp);
}

/* Rewrite `src` as a pcap in the chosen byte order and precision. */
static void rewrite(const char *src, const char *dst, int big, int nano)
{
	char err[PCAP_ERRBUF_SIZE];
	pcap_t *p = pcap_open_offline_with_tstamp_precision(src, PCAP_TSTAMP_PRECISION_NANO, err);
	ck_assert_msg(p != NULL, "%s: %s", src, err);
	FILE *fp = fopen(dst, "wb");
	ck_assert_ptr_nonnull(fp);
	put32(fp, nano ? 0xa1b23c4d : 0xa1b2c3d4, big);
	put16(fp, 2, big);
	put16(fp, 4, big);
	put32(fp, 0, big);
	put32(fp, 0, big);
	put32(fp, 262144, big);
	put32(fp, (uint32_t)pcap_datalink(p), big);
	struct pcap_pkthdr *h;
	const u_char *data;
	while (pcap_next_ex(p, &h, &data) == 1) {
		put32(fp, (uint32_t)h->ts.tv_sec, big);
		put32(fp, (uint32_t)(nano ? h->ts.tv_usec : h->ts.tv_usec / 1000), big);
		put32(fp, h->caplen, big);
		put32(fp, h->len, big);
		fwrite(data, 1, h->caplen, fp);
	}
	fclose(fp);
	pcap_close(p);
}

/* The JSON report without the "file" field. */
static char *report(const char *path)
{
	char cmd[1024];
	snprintf(cmd, sizeof cmd, "'%s' -F json -q '%s' | sed 's/\"file\":\"[^\"]*\"//'", test_binary(), path);
	FILE *fp = popen(cmd, "r");
	ck_assert_ptr_nonnull(fp);
	size_t cap = 1 << 20, n = 0;
	char *buf = malloc(cap);
	size_t got;
	while ((got = fread(buf + n, 1, cap - n - 1, fp)) > 0)
		n += got;
	buf[n] = '\0';
	pclose(fp);
	return buf;
}

static const char *const samples[] = { "samples/tls12-mutual-ok.pcap", "samples/tls12-huge-ca-list.pcap",
				       "samples/transport-reordered.pcap" };

START_TEST(byte_order_and_precision)
{
	const char *src = samples[_i];
	char *want = report(src);
	ck_assert_msg(strstr(want, "\"cert_requests\":[{\"frame\"") != NULL, "%s: no request in the report", src);
	for (int big = 0; big <= 1; big++) {
		for (int nano = 0; nano <= 1; nano++) {
			char tmpl[] = "/tmp/mtls-variant-XXXXXX";
			int fd = mkstemp(tmpl);
			ck_assert_int_ge(fd, 0);
			close(fd);
			rewrite(src, tmpl, big, nano);
			char *got = report(tmpl);
			ck_assert_msg(strcmp(want, got) == 0, "%s as %s-endian %s pcap: report differs", src,
				      big ? "big" : "little", nano ? "nanosecond" : "microsecond");
			free(got);
			unlink(tmpl);
		}
	}
	free(want);
}
END_TEST

/* pcapng written by Wireshark's own writer, when it is installed. */
START_TEST(pcapng_by_editcap)
{
	if (system("command -v editcap >/dev/null 2>&1") != 0) {
		printf("SKIP pcapng_by_editcap: editcap (Debian package wireshark-common) is not installed\n");
		return;
	}
	const char *src = samples[_i];
	char tmpl[] = "/tmp/mtls-ng-XXXXXX", cmd[512];
	int fd = mkstemp(tmpl);
	ck_assert_int_ge(fd, 0);
	close(fd);
	snprintf(cmd, sizeof cmd, "editcap -F pcapng '%s' '%s'", src, tmpl);
	ck_assert_int_eq(system(cmd), 0);
	char *want = report(src), *got = report(tmpl);
	ck_assert_msg(strcmp(want, got) == 0, "%s as pcapng: report differs", src);
	free(want);
	free(got);
	unlink(tmpl);
}
END_TEST

SUITE_MAIN("pcap_variants", false, LOOP_CASE("variants", 120, 3, byte_order_and_precision, pcapng_by_editcap))
