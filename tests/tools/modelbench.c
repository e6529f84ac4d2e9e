/* SPDX-License-Identifier: MIT */
/*
 * modelbench: applies N route events to the model with ct_netns_apply, as the
 * event source will (decoded RTM_NEWROUTE / RTM_DELROUTE): N adds, then N
 * replaces (same keys, another device and gateway), then N deletes. Prints the
 * time per event of each phase and the resident memory before, after the adds
 * and after the deletes. With --naive, the same adds, replaces and deletes on
 * a plain array scanned linearly (the model before its indexes), for a
 * same-run ratio.
 *
 *   modelbench [--naive] [N]      (default 100000)
 * Output, one line each: "<phase> <events> <CPU ns per event> <wall ns per event>"
 * (CPU time: steady on a shared machine), "rss <label> <kB>".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "model/model.h"
#include "model/rtnl.h"

static double now_ns(clockid_t clk)
{
	struct timespec t;
	clock_gettime(clk, &t);
	return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static long rss_kb(void)
{
	FILE *f = fopen("/proc/self/status", "re");
	char line[256];
	long kb = -1;
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

/* the i-th route event: workload-like /32s and /26 blocks over 10.0.0.0/8 and
 * one IPv6 route in eight, main table, protocol boot */
static void route_msg(struct ct_rtnl_msg *m, unsigned i, int phase, bool del)
{
	memset(m, 0, sizeof(*m));
	m->kind = CT_RTNL_ROUTE;
	m->del = del;
	/* the flags the kernel's notifications carry for `ip route add/replace` */
	if (!del)
		m->nlflags = phase ? NLM_F_REPLACE | NLM_F_CREATE : NLM_F_CREATE | NLM_F_EXCL;
	struct ct_route *r = &m->u.route;
	if (i % 8 == 7) {
		r->dst.ip.family = AF_INET6;
		r->dst.ip.a[0] = 0xfd;
		r->dst.ip.a[12] = (uint8_t)(i >> 24);
		r->dst.ip.a[13] = (uint8_t)(i >> 16);
		r->dst.ip.a[14] = (uint8_t)(i >> 8);
		r->dst.ip.a[15] = (uint8_t)i;
		r->dst.len = 128;
	} else {
		r->dst.ip.family = AF_INET;
		unsigned a = 0x0a000000u | ((i * (i % 3 ? 1u : 64u)) & 0xffffffu);
		if (i % 3 == 0)
			a = 0x0a800000u | ((i * 64u) & 0x7fffc0u); /* a /26 block */
		r->dst.ip.a[0] = (uint8_t)(a >> 24);
		r->dst.ip.a[1] = (uint8_t)(a >> 16);
		r->dst.ip.a[2] = (uint8_t)(a >> 8);
		r->dst.ip.a[3] = (uint8_t)a;
		r->dst.len = i % 3 == 0 ? 26 : 32;
	}
	r->table = 254;
	r->protocol = 3;
	r->type = 1;
	r->scope = 253;
	r->oif = 10 + (int)(i % 1000) + phase;
	if (phase && r->dst.ip.family == AF_INET) {
		r->gw.family = AF_INET;
		r->gw.a[0] = 192, r->gw.a[1] = 168, r->gw.a[3] = (uint8_t)phase;
		r->scope = 0;
	}
}

/* the model before its indexes: a linear scan per event */
static void naive_apply(struct ct_netns *ns, struct ct_rtnl_msg *m)
{
	struct ct_route *r = &m->u.route;
	for (size_t i = 0; i < ns->routes.n; i++) {
		if (!ct_route_same_key(&ns->routes.v[i], r))
			continue;
		if (m->del)
			ns->routes.v[i] = ns->routes.v[--ns->routes.n];
		else
			ns->routes.v[i] = *r;
		return;
	}
	if (!m->del)
		*ct_push_route(ns) = *r;
}

int main(int argc, char **argv)
{
	bool naive = false;
	unsigned n = 100000;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--naive"))
			naive = true;
		else if (atol(argv[i]) > 0)
			n = (unsigned)atol(argv[i]);
		else {
			fprintf(stderr, "usage: modelbench [--naive] [N]\n");
			return 2;
		}
	}
	struct ct_netns ns;
	struct ct_rtnl_msg m;
	ct_netns_init(&ns);
	printf("rss before %ld\n", rss_kb());
	static const char *const names[3] = {"add", "replace", "delete"};
	for (int phase = 0; phase < 3; phase++) {
		double t0 = now_ns(CLOCK_MONOTONIC), c0 = now_ns(CLOCK_PROCESS_CPUTIME_ID);
		for (unsigned i = 0; i < n; i++) {
			route_msg(&m, i, phase ? 1 : 0,
				  phase == 2); /* a delete names the route as it is */
			if (naive) {
				naive_apply(&ns, &m);
			} else if (ct_netns_apply(&ns, &m) < 0) {
				fprintf(stderr, "modelbench: apply failed at %s %u\n", names[phase],
					i);
				return 1;
			}
		}
		double dt = now_ns(CLOCK_MONOTONIC) - t0,
		       dc = now_ns(CLOCK_PROCESS_CPUTIME_ID) - c0;
		printf("%s %u %.1f %.1f\n", names[phase], n, dc / n, dt / n);
		if (phase == 0)
			printf("rss after_adds %ld\n", rss_kb());
		if (ns.routes.n != (phase == 2 ? 0 : n)) {
			fprintf(stderr, "modelbench: %zu routes after %s, expected %u\n",
				ns.routes.n, names[phase], phase == 2 ? 0 : n);
			return 1;
		}
	}
	printf("rss after_deletes %ld\n", rss_kb());
	printf("gen routes %llu\n", (unsigned long long)ns.gen.routes);
	ct_netns_free(&ns);
	return 0;
}
