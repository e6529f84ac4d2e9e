/* SPDX-License-Identifier: MIT */
/*
 * Counts and their words: "1 route uses it", "2 routes use it", "0 routes". The
 * messages come from the analysis of small hand-built nodes, and the expected word
 * follows from how many things the test put in.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "analysis/analysis.h"
#include "analysis/results.h"
#include "model/plural.h"

static struct ct_prefixes pfx;

static int setup(void **state)
{
	(void)state;
	return ct_prefixes_parse("cali", &pfx);
}

static void test_plural(void **state)
{
	(void)state;
	assert_string_equal(ct_plural(0, "route", "routes"), "routes");
	assert_string_equal(ct_plural(1, "route", "routes"), "route");
	assert_string_equal(ct_plural(2, "route", "routes"), "routes");
	assert_string_equal(ct_plural(1ULL << 40, "route", "routes"), "routes");
}

static const struct ct_finding *find(const struct ct_findings *f, const char *code)
{
	for (size_t i = 0; i < f->n; i++)
		if (!strcmp(f->v[i].def->code, code))
			return &f->v[i];
	return NULL;
}

/* a down tunl0 with nroutes IPIP routes through it */
static void tunnel_down(int nroutes, const char *want_ev, const char *want_msg)
{
	struct ct_node n;
	ct_node_init(&n);
	struct ct_netns *ns = ct_node_add_ns(&n);
	snprintf(ns->name, sizeof(ns->name), "host");
	struct ct_link *e = ct_push_link(ns);
	e->ifindex = 2;
	snprintf(e->name, sizeof(e->name), "eth0");
	e->flags = IFF_UP;
	e->oper = CT_OPER_UP;
	e->mtu = 1500;
	struct ct_link *t = ct_push_link(ns);
	t->ifindex = 3;
	snprintf(t->name, sizeof(t->name), "tunl0");
	snprintf(t->kind, sizeof(t->kind), "ipip");
	t->mtu = 1480;
	t->oper = CT_OPER_DOWN;
	ct_netns_index(ns);
	for (int i = 0; i < nroutes; i++) {
		struct ct_route *r = ct_push_route(ns);
		char dst[32];
		snprintf(dst, sizeof(dst), "10.244.%d.0/26", i + 1);
		assert_int_equal(ct_prefix_parse(dst, &r->dst), 0);
		assert_int_equal(ct_ip_parse("192.168.1.10", &r->gw), 0);
		r->oif = 3;
		r->protocol = RTPROT_BIRD;
		r->type = RTN_UNICAST;
		r->table = RT_TABLE_MAIN;
		r->flags |= RTNH_F_ONLINK;
	}
	struct ct_tunnels tu;
	assert_int_equal(ct_tunnels_build(&n, ns, &pfx, &tu), 0);
	struct ct_findings f;
	ct_findings_init(&f);
	ct_analyze_tunnels(ns, &tu, &f);
	const struct ct_finding *x = find(&f, "tunnel_down");
	assert_non_null(x);
	assert_string_equal(x->evidence, want_ev);
	assert_string_equal(x->message, want_msg);
	ct_findings_free(&f);
	ct_tunnels_free(&tu);
	ct_node_free(&n);
}

static void test_tunnel_down_routes(void **state)
{
	(void)state;
	tunnel_down(1, "tunl0 is down; 1 route uses it",
		    "tunnel tunl0 is down but 1 route sends traffic through it");
	tunnel_down(2, "tunl0 is down; 2 routes use it",
		    "tunnel tunl0 is down but 2 routes send traffic through it");
}

static void test_dump_interrupted(void **state)
{
	(void)state;
	struct ct_node n;
	ct_node_init(&n);
	struct ct_findings f;
	for (int k = 1; k <= 2; k++) {
		n.dump_intr = k;
		ct_findings_init(&f);
		ct_analyze_load(&n, &f);
		const struct ct_finding *x = find(&f, "dump_interrupted");
		assert_non_null(x);
		assert_string_equal(
		    x->message,
		    k == 1 ? "1 netlink dump was interrupted; the data may be inconsistent"
			   : "2 netlink dumps were interrupted; the data may be inconsistent");
		ct_findings_free(&f);
	}
	ct_node_free(&n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_plural),
	    cmocka_unit_test(test_tunnel_down_routes),
	    cmocka_unit_test(test_dump_interrupted),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
