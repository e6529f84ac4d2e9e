/* SPDX-License-Identifier: MIT */
/* A pod's namespace: recognised by its eth0 being the peer of a workload
 * interface (not by its routes), and its checks. The expected answers come from
 * how Calico's CNI plugin sets a pod up (../shared/LAB-NOTES.md): eth0 with the
 * pod's /32, `169.254.1.1 dev eth0 scope link`, `default via 169.254.1.1 dev
 * eth0`, the same MTU on both ends of the veth. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include "analysis/analysis.h"
#include "analysis/podns.h"

static struct ct_prefixes pfx;

static struct ct_link *add_link(struct ct_netns *ns, int idx, const char *name, int peer)
{
	struct ct_link *l = ct_push_link(ns);
	l->ifindex = idx;
	snprintf(l->name, sizeof(l->name), "%s", name);
	snprintf(l->kind, sizeof(l->kind), "veth");
	l->flags = IFF_UP;
	l->mtu = 1450;
	l->link = peer;
	l->peer_ns = -1;
	return l;
}

static void add_route(struct ct_netns *ns, const char *dst, const char *gw, int oif, uint32_t flags)
{
	struct ct_route *r = ct_push_route(ns);
	assert_int_equal(ct_prefix_parse(dst, &r->dst), 0);
	if (gw)
		assert_int_equal(ct_ip_parse(gw, &r->gw), 0);
	r->oif = oif;
	r->type = RTN_UNICAST;
	r->table = RT_TABLE_MAIN;
	r->flags = flags;
}

static void add_addr(struct ct_netns *ns, const char *pfx_s, int ifindex)
{
	struct ct_addr *a = ct_push_addr(ns);
	assert_int_equal(ct_prefix_parse(pfx_s, &a->pfx), 0);
	a->ifindex = ifindex;
	a->scope = RT_SCOPE_UNIVERSE;
}

/* ns.v[0] the node: eth0 (peer 7 in a switch), cali1 (ifindex 5, peer: the
 * pod's eth0 3), the pod's /32 on cali1. ns.v[1] the pod, routes as given. */
static void setup(struct ct_node *n, bool pod_routes)
{
	ct_node_init(n);
	struct ct_netns *h = ct_node_add_ns(n);
	snprintf(h->name, sizeof(h->name), "node");
	add_link(h, 2, "eth0", 7);
	add_link(h, 5, "cali1", 3);
	add_route(h, "10.65.0.5/32", NULL, 5, 0);
	ct_netns_index(h);
	struct ct_netns *p = ct_node_add_ns(n);
	snprintf(p->name, sizeof(p->name), "pod");
	add_link(p, 3, "eth0", 5);
	add_addr(p, "10.65.0.5/32", 3);
	if (pod_routes) {
		add_route(p, "169.254.1.1/32", NULL, 3, 0);
		add_route(p, "0.0.0.0/0", "169.254.1.1", 3, 0);
	}
	ct_netns_index(p);
}

static size_t count(const struct ct_findings *f, const char *code, const char *subject)
{
	size_t c = 0;
	for (size_t i = 0; i < f->n; i++)
		c += !strcmp(f->v[i].def->code, code) && (!subject || !strcmp(f->v[i].subject, subject));
	return c;
}

static void analyze(struct ct_node *n, struct ct_findings *f)
{
	const struct ct_link *hs = NULL;
	const struct ct_link *e = ct_podns_eth0(&n->ns.v[1], &n->ns.v[0], &pfx, &hs);
	assert_non_null(e);
	ct_findings_init(f);
	assert_int_equal(ct_analyze_podns(&n->ns.v[1], e, &n->ns.v[0], hs, f, f), 0);
}

static void test_recognised_by_peer(void **state)
{
	(void)state;
	struct ct_node n;
	setup(&n, false);
	const struct ct_link *hs = NULL;
	/* no routes at all, still a pod: eth0's peer is workload interface cali1 */
	const struct ct_link *e = ct_podns_eth0(&n.ns.v[1], &n.ns.v[0], &pfx, &hs);
	assert_non_null(e);
	assert_string_equal(e->name, "eth0");
	assert_non_null(hs);
	assert_string_equal(hs->name, "cali1");
	/* the node holds a workload interface: never a pod */
	assert_null(ct_podns_candidate(&n.ns.v[0], &pfx));
	/* a veth whose peer is not a workload interface (a node's uplink): not a pod */
	n.ns.v[1].links.v[0].link = 2;
	assert_null(ct_podns_eth0(&n.ns.v[1], &n.ns.v[0], &pfx, &hs));
	assert_null(hs);
	/* no host known: not recognised */
	n.ns.v[1].links.v[0].link = 5;
	assert_null(ct_podns_eth0(&n.ns.v[1], NULL, &pfx, &hs));
	ct_node_free(&n);
}

static void test_healthy_and_onlink(void **state)
{
	(void)state;
	struct ct_node n;
	struct ct_findings f;
	setup(&n, true);
	analyze(&n, &f);
	assert_int_equal(f.n, 0);
	ct_findings_free(&f);
	ct_node_free(&n);
	/* `default via 169.254.1.1 dev eth0 onlink` alone is accepted */
	setup(&n, false);
	add_route(&n.ns.v[1], "0.0.0.0/0", "169.254.1.1", 3, RTNH_F_ONLINK);
	analyze(&n, &f);
	assert_int_equal(f.n, 0);
	ct_findings_free(&f);
	ct_node_free(&n);
}

static void test_no_default_route(void **state)
{
	(void)state;
	struct ct_node n;
	struct ct_findings f;
	setup(&n, false);
	add_route(&n.ns.v[1], "169.254.1.1/32", NULL, 3, 0);
	analyze(&n, &f);
	assert_int_equal(f.n, 1);
	assert_int_equal(count(&f, "pod_no_default_route", "0.0.0.0/0"), 1);
	assert_int_equal(f.v[0].n_run, 2);
	ct_findings_free(&f);
	ct_node_free(&n);
	/* a default whose gateway is not on eth0 (no link route, not onlink) */
	setup(&n, false);
	add_route(&n.ns.v[1], "0.0.0.0/0", "169.254.1.1", 3, 0);
	analyze(&n, &f);
	assert_int_equal(count(&f, "pod_no_default_route", "0.0.0.0/0"), 1);
	ct_findings_free(&f);
	ct_node_free(&n);
	/* IPv6: a pod with a global IPv6 address needs its default */
	setup(&n, true);
	add_addr(&n.ns.v[1], "fd00::5/128", 3);
	analyze(&n, &f);
	assert_int_equal(count(&f, "pod_no_default_route", "::/0"), 1);
	ct_findings_free(&f);
	add_route(&n.ns.v[1], "::/0", "fe80::ecee:eeff:feee:eeee", 3, 0);
	analyze(&n, &f);
	assert_int_equal(f.n, 0);
	ct_findings_free(&f);
	ct_node_free(&n);
}

static void test_down_mtu_address(void **state)
{
	(void)state;
	struct ct_node n;
	struct ct_findings f;
	/* down: the kernel removed the routes; one finding, not three */
	setup(&n, false);
	n.ns.v[1].links.v[0].flags = 0;
	analyze(&n, &f);
	assert_int_equal(f.n, 1);
	assert_int_equal(count(&f, "pod_eth0_down", "eth0"), 1);
	ct_findings_free(&f);
	ct_node_free(&n);
	/* MTU differs from the host side's */
	setup(&n, true);
	n.ns.v[1].links.v[0].mtu = 1500;
	analyze(&n, &f);
	assert_int_equal(f.n, 1);
	assert_int_equal(count(&f, "pod_mtu_mismatch", "eth0"), 1);
	assert_non_null(strstr(f.v[0].evidence, "eth0 mtu 1500; host side cali1 mtu 1450"));
	ct_findings_free(&f);
	ct_node_free(&n);
	/* the node routes 10.65.0.5/32 to cali1, eth0 holds another address */
	setup(&n, true);
	assert_int_equal(ct_prefix_parse("10.65.0.9/32", &n.ns.v[1].addrs.v[0].pfx), 0);
	analyze(&n, &f);
	assert_int_equal(f.n, 1);
	assert_int_equal(count(&f, "pod_eth0_no_address", "eth0"), 1);
	assert_non_null(strstr(f.v[0].evidence, "10.65.0.5"));
	ct_findings_free(&f);
	ct_node_free(&n);
}

int main(void)
{
	ct_prefixes_parse("cali", &pfx);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_recognised_by_peer),
		cmocka_unit_test(test_healthy_and_onlink),
		cmocka_unit_test(test_no_default_route),
		cmocka_unit_test(test_down_mtu_address),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
