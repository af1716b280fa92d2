/* pcapread.c - the floor for `make bench`: read every packet of a capture
 * with libpcap and do nothing else (sum the captured lengths so the loop
 * cannot be optimised away). Prints "packets bytes". */
#include <stdio.h>

#include <pcap/pcap.h>

int main(int argc, char **argv)
{
	char err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	unsigned long long packets = 0, bytes = 0, touch = 0;
	int rc;

	if (argc != 2) {
		fprintf(stderr, "usage: pcapread CAPTURE\n");
		return 2;
	}
	pcap_t *p = pcap_open_offline(argv[1], err);
	if (!p) {
		fprintf(stderr, "pcapread: %s\n", err);
		return 2;
	}
	while ((rc = pcap_next_ex(p, &h, &data)) == 1) {
		packets++;
		bytes += h->caplen;
		touch += h->caplen ? data[h->caplen - 1] : 0;
	}
	if (rc == PCAP_ERROR)
		fprintf(stderr, "pcapread: %s: %s\n", argv[1], pcap_geterr(p));
	pcap_close(p);
	printf("%llu %llu %llu\n", packets, bytes, touch & 1);
	return rc == PCAP_ERROR ? 2 : 0;
}
