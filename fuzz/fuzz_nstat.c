/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the bytes of /proc/net/snmp or /proc/net/netstat, /proc/net/dev and
 * /proc/net/stat/nf_conntrack (model/nstat.c, all three parsers on each input). Whatever
 * the input, each parser returns 0 with counters
 * whose names are non-empty, printable and without blanks, or -1 with a reason
 * that names a line and the counters as they were.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model/nstat.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct ct_nstat s;

static int check(int r, const char *why)
{
	if (r == -1) {
		if (strncmp(why, "line ", 5) || s.n != 1)
			abort();
		return 0;
	}
	if (r != 0 || s.n > CT_NSTAT_MAX)
		abort();
	for (size_t i = 0; i < s.n; i++) {
		size_t n = strnlen(s.e[i].name, CT_NSTAT_NAME);
		if (n == 0 || n == CT_NSTAT_NAME)
			abort();
	}
	return 0;
}

static void seed(void)
{
	static const char sd[] = "Ip: Forwarding\nIp: 1\n";
	char why[128];
	ct_nstat_init(&s);
	if (ct_nstat_parse(&s, sd, sizeof(sd) - 1, why, sizeof(why)) != 0 || s.n != 1)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const ifs[] = {"eth0", "lo", "cali0761ccbeace"};
	char w2[128];
	seed();
	memset(w2, 0, sizeof(w2));
	check(ct_netdev_parse(&s, (const char *)data, size, ifs, 3, w2, sizeof(w2)), w2);
	seed();
	memset(w2, 0, sizeof(w2));
	check(ct_ctstat_parse(&s, (const char *)data, size, w2, sizeof(w2)), w2);
	ct_nstat_init(&s);
	/* one counter before, which an error must leave alone */
	static const char seed[] = "Ip: Forwarding\nIp: 1\n";
	char why[128];
	if (ct_nstat_parse(&s, seed, sizeof(seed) - 1, why, sizeof(why)) != 0 || s.n != 1)
		abort();
	memset(why, 0, sizeof(why));
	int r = ct_nstat_parse(&s, (const char *)data, size, why, sizeof(why));
	if (r == -1) {
		if (strncmp(why, "line ", 5) || s.n != 1)
			abort();
		return 0;
	}
	if (r != 0 || s.n > CT_NSTAT_MAX)
		abort();
	for (size_t i = 0; i < s.n; i++) {
		size_t n = strnlen(s.e[i].name, CT_NSTAT_NAME);
		if (n == 0 || n == CT_NSTAT_NAME)
			abort();
		for (size_t k = 0; k < n; k++) {
			unsigned char c = (unsigned char)s.e[i].name[k];
			if (c <= 0x20 || c == 0x7f)
				abort();
		}
	}
	return 0;
}
