/* pcap_loop.c - the floor of the benchmark: reads every packet of a capture
 * with libpcap, the same way src/capture/reader.c does (pcap_fopen_offline
 * with nanosecond timestamps, pcap_next_ex), and does nothing with them.
 *
 *   pcap_loop CAPTURE      prints "packets bytes" (captured bytes) */
#include <stdint.h>
#include <stdio.h>
#include <pcap/pcap.h>

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: pcap_loop CAPTURE\n");
		return 2;
	}
	FILE *f = fopen(argv[1], "rb");
	if (!f) {
		perror(argv[1]);
		return 1;
	}
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	pcap_t *p = pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_NANO, errbuf);
	if (!p) {
		fprintf(stderr, "%s: %s\n", argv[1], errbuf);
		fclose(f);
		return 1;
	}
	struct pcap_pkthdr *h;
	const u_char *data;
	uint64_t packets = 0, bytes = 0;
	int rc;
	/* the byte count keeps the loop from being optimised away */
	while ((rc = pcap_next_ex(p, &h, &data)) == 1) {
		packets++;
		bytes += h->caplen;
	}
	if (rc != PCAP_ERROR_BREAK)
		fprintf(stderr, "%s: %s\n", argv[1], pcap_geterr(p));
	printf("%llu %llu\n", (unsigned long long)packets, (unsigned long long)bytes);
	pcap_close(p);
	return rc == PCAP_ERROR_BREAK ? 0 : 1;
}
