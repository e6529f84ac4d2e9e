// SPDX-License-Identifier: MIT
/*
 * pcaploop: the floor for reading a capture file with libpcap, for the sniff benchmark
 * (tests/bench/bench.sh): pcap_open_offline, then pcap_next_ex until the end, counting the
 * packets and their captured bytes. No decoding, no output but one line.
 *
 *   pcaploop FILE        prints "PACKETS packets, BYTES bytes"
 *
 * Build: cc -O2 -o build/tests/pcaploop tests/tools/pcaploop.c -lpcap
 * Exit: 0 read to the end, 1 a read error, 2 usage or the file cannot be opened.
 */
#include <pcap/pcap.h>
#include <stdio.h>

int main(int argc, char **argv)
{
	char eb[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *d;
	unsigned long long n = 0, bytes = 0;
	unsigned sum = 0;
	pcap_t *p;
	int rc;

	if (argc != 2) {
		fprintf(stderr, "usage: pcaploop FILE\n");
		return 2;
	}
	p = pcap_open_offline(argv[1], eb);
	if (!p) {
		fprintf(stderr, "pcaploop: %s\n", eb);
		return 2;
	}
	while ((rc = pcap_next_ex(p, &h, &d)) == 1) {
		n++;
		bytes += h->caplen;
		sum += h->caplen ? d[0] : 0; /* touch the data, as a decoder would */
	}
	if (rc == PCAP_ERROR) {
		fprintf(stderr, "pcaploop: %s\n", pcap_geterr(p));
		pcap_close(p);
		return 1;
	}
	pcap_close(p);
	printf("%llu packets, %llu bytes%s\n", n, bytes, sum == 0xffffffffu ? " " : "");
	return 0;
}
