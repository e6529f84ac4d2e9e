/* SPDX-License-Identifier: MIT */
/* Unit tests for analysis/shadow.c on hand-made namespaces: the kernel's
 * answers (ns->wlroutes) are written in as the kernel gives them for these
 * tables (a blackhole /32 prepended over a workload's /32 wins and refuses with
 * EINVAL, LAB-NOTES.md; tests/integration/lab-shadow.sh checks it on the lab),
 * and the expected findings are derived by hand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "analysis/analysis.h"
#include "analysis/shadow.h"
#include "model/model.h"

enum { LO = 1, ETH0 = 2, CALI = 3 };

static void add_link(struct ct_netns *ns, int ifindex, const char *name)
{
	struct ct_link *l = ct_push_link(ns);
	assert_non_null(l);
	memset(l, 0, sizeof(*l));
	l->ifindex = ifindex;
	snprintf(l->name, sizeof(l->name), "%s", name);
	l->flags = IFF_UP;
	l->forwarding = 1;
	l->link_netnsid = -1;
	l->peer_ns = -1;
}

static void add_route(struct ct_netns *ns, uint8_t type, const char *pfx, int oif)
{
	struct ct_route *r = ct_push_route(ns);
	assert_non_null(r);
	memset(r, 0, sizeof(*r));
	assert_int_equal(ct_prefix_parse(pfx, &r->dst), 0);
	r->type = type;
	r->oif = type == RTN_UNICAST ? oif : LO;
	r->table = RT_TABLE_MAIN;
	r->protocol = RTPROT_BOOT;
	r->scope = RT_SCOPE_LINK;
}

static void add_check(struct ct_netns *ns, const char *dst, int iif, const char *src, int err,
		      int oif)
{
	struct ct_wlroute *w = ct_push_wlroute(ns);
	assert_non_null(w);
	memset(w, 0, sizeof(*w));
	assert_int_equal(ct_ip_parse(dst, &w->dst), 0);
	w->wl = CALI;
	w->iif = iif;
	if (src)
		assert_int_equal(ct_ip_parse(src, &w->src), 0);
	w->err = err;
	w->oif = oif;
	w->type = err ? 0 : RTN_UNICAST;
}

/* n1: lo, eth0, one workload; its block's blackhole and its /32, and a blackhole
 * /32 prepended over it (the kernel lists the prepended route first) */
static void node(struct ct_netns *ns, bool shadowed)
{
	ct_netns_init(ns);
	snprintf(ns->name, sizeof(ns->name), "n1");
	ns->conf.forwarding = 1;
	ns->conf.ip_forward = 1;
	add_link(ns, LO, "lo");
	add_link(ns, ETH0, "eth0");
	add_link(ns, CALI, "cali0761ccbeace");
	add_route(ns, RTN_BLACKHOLE, "10.65.0.0/26", 0);
	if (shadowed)
		add_route(ns, RTN_BLACKHOLE, "10.65.0.5/32", 0);
	add_route(ns, RTN_UNICAST, "10.65.0.5/32", CALI);
	assert_int_equal(ct_netns_index(ns), 0);
}

static void t_healthy(void **st)
{
	(void)st;
	struct ct_netns ns;
	struct ct_findings f;
	node(&ns, false);
	add_check(&ns, "10.65.0.5", 0, NULL, 0, CALI);
	add_check(&ns, "10.65.0.5", ETH0, "10.65.1.1", 0, CALI);
	ct_findings_init(&f);
	assert_int_equal(ct_analyze_shadow(&ns, &f), 0);
	assert_int_equal(f.n, 0);
	ct_findings_free(&f);
	ct_netns_free(&ns);
}

static void t_blackhole(void **st)
{
	(void)st;
	struct ct_netns ns;
	struct ct_findings f;
	node(&ns, true);
	add_check(&ns, "10.65.0.5", 0, NULL, EINVAL, 0);
	add_check(&ns, "10.65.0.5", ETH0, "10.65.1.1", EINVAL, 0);
	ct_findings_init(&f);
	assert_int_equal(ct_analyze_shadow(&ns, &f), 0);
	assert_int_equal(f.n, 1); /* one per address, however many paths fail */
	assert_string_equal(f.v[0].def->code, "workload_route_shadowed");
	assert_int_equal(f.v[0].sev, CT_SEV_FAIL);
	assert_string_equal(f.v[0].subject, "10.65.0.5/32");
	assert_non_null(strstr(f.v[0].message, "from the node (and 1 more path) does not leave "
					       "through cali0761ccbeace: blackhole 10.65.0.5/32"));
	assert_string_equal(f.v[0].evidence, "ip route get 10.65.0.5: Invalid argument");
	assert_int_equal(f.v[0].n_run, 2);
	assert_string_equal(f.v[0].run[0], "ip -4 route del blackhole 10.65.0.5/32");
	assert_string_equal(f.v[0].run[1], "ip route get 10.65.0.5");
	ct_findings_free(&f);
	ct_netns_free(&ns);
}

/* only the ingress fails: the finding says where the packet arrived */
static void t_ingress_wrong_dev(void **st)
{
	(void)st;
	struct ct_netns ns;
	struct ct_findings f;
	node(&ns, false);
	add_check(&ns, "10.65.0.5", 0, NULL, 0, CALI);
	add_check(&ns, "10.65.0.5", ETH0, "10.65.1.1", 0, ETH0);
	ct_findings_init(&f);
	assert_int_equal(ct_analyze_shadow(&ns, &f), 0);
	assert_int_equal(f.n, 1);
	assert_string_equal(f.v[0].evidence, "ip route get 10.65.0.5 from 10.65.1.1 iif eth0: dev eth0");
	assert_non_null(strstr(f.v[0].message, "arriving on eth0 from 10.65.1.1 does not leave"));
	assert_string_equal(f.v[0].run[f.v[0].n_run - 1],
			    "ip route get 10.65.0.5 from 10.65.1.1 iif eth0");
	ct_findings_free(&f);
	ct_netns_free(&ns);
}

static void t_addr_unused(void **st)
{
	(void)st;
	struct ct_netns ns;
	struct ct_findings f;
	struct ct_prefix want;
	const uint8_t cls[2] = { CT_RC_BLACKHOLE, CT_RC_WORKLOAD };
	node(&ns, false);
	ct_findings_init(&f);
	assert_int_equal(ct_prefix_parse("10.65.0.5", &want), 0);
	assert_int_equal(ct_analyze_addr_unused(&ns, cls, &want, &f), 0);
	assert_int_equal(f.n, 0); /* a workload holds it */
	assert_int_equal(ct_prefix_parse("10.99.0.1", &want), 0);
	assert_int_equal(ct_analyze_addr_unused(&ns, cls, &want, &f), 0);
	assert_int_equal(f.n, 0); /* not in this node's block */
	assert_int_equal(ct_prefix_parse("10.65.0.0/28", &want), 0);
	assert_int_equal(ct_analyze_addr_unused(&ns, cls, &want, &f), 0);
	assert_int_equal(f.n, 0); /* a prefix, not an address */
	assert_int_equal(ct_prefix_parse("10.65.0.9", &want), 0);
	assert_int_equal(ct_analyze_addr_unused(&ns, cls, &want, &f), 0);
	assert_int_equal(f.n, 1);
	assert_string_equal(f.v[0].def->code, "workload_address_unused");
	assert_string_equal(f.v[0].subject, "10.65.0.0/26");
	assert_string_equal(f.v[0].run[0],
			    "kubectl get pods -A -o wide --field-selector status.podIP=10.65.0.9");
	ct_findings_free(&f);
	ct_netns_free(&ns);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_healthy),
		cmocka_unit_test(t_blackhole),
		cmocka_unit_test(t_ingress_wrong_dev),
		cmocka_unit_test(t_addr_unused),
	};
	return cmocka_run_group_tests_name("shadow", tests, NULL, NULL);
}
