/* SPDX-License-Identifier: MIT */
/* Issue 9's new findings on synthetic models: workload_mtu_too_large,
 * tunnel_gateway_not_a_node, neigh_pinned and bgp_hold_timer_expired's next hop. */
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
#include "model/bgp.h"

static const struct ct_finding *find(const struct ct_findings *f, const char *code)
{
	for (size_t i = 0; i < f->n; i++)
		if (!strcmp(f->v[i].def->code, code))
			return &f->v[i];
	return NULL;
}

static size_t count(const struct ct_findings *f, const char *code)
{
	size_t k = 0;
	for (size_t i = 0; i < f->n; i++)
		k += !strcmp(f->v[i].def->code, code);
	return k;
}

static struct ct_link *add_link(struct ct_netns *ns, int idx, const char *name, const char *kind,
				uint32_t mtu)
{
	struct ct_link *l = ct_push_link(ns);
	l->ifindex = idx;
	snprintf(l->name, sizeof(l->name), "%s", name);
	snprintf(l->kind, sizeof(l->kind), "%s", kind);
	l->flags = IFF_UP;
	l->oper = CT_OPER_UP;
	l->mtu = mtu;
	l->mac_len = 6;
	memset(l->mac, !strncmp(name, "cali", 4) ? 0xee : 0x02, 6);
	l->mac[5] = (uint8_t)idx;
	return l;
}

static struct ct_route *add_route(struct ct_netns *ns, const char *dst, const char *gw, int oif,
				  uint8_t proto, uint8_t type)
{
	struct ct_route *r = ct_push_route(ns);
	assert_int_equal(ct_prefix_parse(dst, &r->dst), 0);
	if (gw)
		assert_int_equal(ct_ip_parse(gw, &r->gw), 0);
	r->table = RT_TABLE_MAIN;
	r->type = type;
	r->protocol = proto;
	r->oif = oif;
	return r;
}

static void add_neigh(struct ct_netns *ns, int ifindex, const char *ip, uint8_t last, uint16_t state)
{
	struct ct_neigh *x = ct_push_neigh(ns);
	x->ifindex = ifindex;
	assert_int_equal(ct_ip_parse(ip, &x->dst), 0);
	x->lladdr_len = 6;
	memset(x->lladdr, 0x66, 6);
	x->lladdr[5] = last;
	x->state = state;
}

static void add_fdb(struct ct_netns *ns, int ifindex, uint8_t last, const char *dst)
{
	struct ct_fdb *x = ct_push_fdb(ns);
	x->ifindex = ifindex;
	memset(x->mac, 0x66, 6);
	x->mac[5] = last;
	assert_int_equal(ct_ip_parse(dst, &x->dst), 0);
}

/* a VXLAN node like the lab's n1: eth0 (1500), vxlan.calico (1450) with two
 * remote VTEPs, two workloads at 1450 */
static void vxlan_node(struct ct_node *n, struct ct_netns **out, struct ct_prefixes *p)
{
	ct_node_init(n);
	struct ct_netns *ns = ct_node_add_ns(n);
	snprintf(ns->name, sizeof(ns->name), "n1");
	ct_prefixes_parse("cali", p);
	add_link(ns, 1, "lo", "", 65536)->flags |= IFF_LOOPBACK;
	add_link(ns, 2, "eth0", "veth", 1500);
	struct ct_link *vx = add_link(ns, 3, "vxlan.calico", "vxlan", 1450);
	vx->u.vxlan.parent_ifindex = 2;
	vx->u.vxlan.port = 4789;
	ct_ip_parse("192.168.31.201", &vx->u.vxlan.local);
	add_link(ns, 4, "cali0761ccbeace", "veth", 1450);
	add_link(ns, 5, "cali6462e219f52", "veth", 1450);
	add_route(ns, "0.0.0.0/0", "192.168.31.1", 2, RTPROT_BOOT, RTN_UNICAST);
	add_route(ns, "192.168.31.0/24", NULL, 2, RTPROT_KERNEL, RTN_UNICAST);
	add_route(ns, "172.168.135.128/26", NULL, 0, 80, RTN_BLACKHOLE);
	add_route(ns, "172.168.135.130/32", NULL, 4, RTPROT_BOOT, RTN_UNICAST);
	add_route(ns, "172.168.135.131/32", NULL, 5, RTPROT_BOOT, RTN_UNICAST);
	add_route(ns, "172.168.195.0/26", "172.168.195.0", 3, 80, RTN_UNICAST);
	add_route(ns, "172.168.61.64/26", "172.168.61.64", 3, 80, RTN_UNICAST);
	add_neigh(ns, 3, "172.168.195.0", 2, NUD_PERMANENT);
	add_neigh(ns, 3, "172.168.61.64", 3, NUD_PERMANENT);
	add_fdb(ns, 3, 2, "192.168.31.202");
	add_fdb(ns, 3, 3, "192.168.31.203");
	add_neigh(ns, 2, "192.168.31.202", 0xca, NUD_REACHABLE);
	assert_int_equal(ct_netns_index(ns), 0);
	*out = ns;
}

static void links_findings(const struct ct_node *n, const struct ct_netns *ns,
			   const struct ct_prefixes *p, struct ct_findings *f)
{
	struct ct_workload *w;
	size_t nw;
	ct_findings_init(f);
	assert_int_equal(ct_workloads(n, ns, p, &w, &nw), 0);
	assert_int_equal(nw, 2);
	assert_int_equal(ct_analyze_links(n, ns, p, w, nw, f), 0);
	free(w);
}

static void test_mtu_healthy_and_raised(void **state)
{
	(void)state;
	struct ct_node n;
	struct ct_netns *ns;
	struct ct_prefixes p;
	struct ct_findings f;
	vxlan_node(&n, &ns, &p);
	links_findings(&n, ns, &p, &f);
	assert_null(find(&f, "workload_mtu_too_large"));
	ct_findings_free(&f);

	ct_link_by_name(ns, "cali0761ccbeace")->mtu = 1500;
	links_findings(&n, ns, &p, &f);
	assert_int_equal(count(&f, "workload_mtu_too_large"), 1);
	const struct ct_finding *x = find(&f, "workload_mtu_too_large");
	assert_string_equal(x->subject, "cali0761ccbeace");
	assert_int_equal(x->sev, CT_SEV_WARN);
	/* 1450 = min(vxlan.calico 1450, 1500 - 50); ping payload 1450 - 28 */
	assert_non_null(strstr(x->message, "the largest IP packet that passes is 1450 bytes (ping -M do -s 1422)"));
	assert_non_null(strstr(x->evidence, "underlay mtu 1500 less 50 bytes of vxlan overhead: 1450"));
	assert_int_equal(x->n_run, 1);
	assert_string_equal(x->run[0], "ip link set dev cali0761ccbeace mtu 1450");
	ct_findings_free(&f);

	/* the underlay is the limit: eth0 1400 -> 1350, though vxlan.calico says 1450 */
	ct_link_by_name(ns, "cali0761ccbeace")->mtu = 1450;
	ct_link_by_name(ns, "eth0")->mtu = 1400;
	links_findings(&n, ns, &p, &f);
	assert_int_equal(count(&f, "workload_mtu_too_large"), 2);
	x = find(&f, "workload_mtu_too_large");
	assert_non_null(strstr(x->message, "is 1350 bytes (ping -M do -s 1322)"));
	ct_findings_free(&f);
	ct_node_free(&n);
}

static void test_mtu_ipip_and_no_tunnel(void **state)
{
	(void)state;
	struct ct_node n;
	struct ct_prefixes p;
	ct_node_init(&n);
	struct ct_netns *ns = ct_node_add_ns(&n);
	ct_prefixes_parse("cali", &p);
	add_link(ns, 2, "eth0", "veth", 1500);
	struct ct_link *t = add_link(ns, 3, "tunl0", "ipip", 1480);
	t->mac_len = 0;
	add_link(ns, 4, "cali0761ccbeace", "veth", 1500);
	add_link(ns, 5, "cali6462e219f52", "veth", 1480);
	add_route(ns, "172.168.135.130/32", NULL, 4, RTPROT_BOOT, RTN_UNICAST);
	add_route(ns, "172.168.135.131/32", NULL, 5, RTPROT_BOOT, RTN_UNICAST);
	add_route(ns, "172.168.195.0/26", "192.168.31.202", 3, RTPROT_BIRD, RTN_UNICAST)->flags |= RTNH_F_ONLINK;
	assert_int_equal(ct_netns_index(ns), 0);
	struct ct_findings f;
	links_findings(&n, ns, &p, &f);
	assert_int_equal(count(&f, "workload_mtu_too_large"), 1);
	assert_non_null(strstr(find(&f, "workload_mtu_too_large")->message, "is 1480 bytes (ping -M do -s 1452)"));
	ct_findings_free(&f);
	ct_node_free(&n);

	/* BGP mode: no tunnel device, a 9000-byte workload is not judged */
	ct_node_init(&n);
	ns = ct_node_add_ns(&n);
	add_link(ns, 2, "eth0", "veth", 1500);
	add_link(ns, 4, "cali0761ccbeace", "veth", 9000);
	add_link(ns, 5, "cali6462e219f52", "veth", 1500);
	add_route(ns, "172.168.135.130/32", NULL, 4, RTPROT_BOOT, RTN_UNICAST);
	add_route(ns, "172.168.135.131/32", NULL, 5, RTPROT_BOOT, RTN_UNICAST);
	assert_int_equal(ct_netns_index(ns), 0);
	links_findings(&n, ns, &p, &f);
	assert_null(find(&f, "workload_mtu_too_large"));
	ct_findings_free(&f);
	ct_node_free(&n);
}

static void test_gateway_not_a_node(void **state)
{
	(void)state;
	struct ct_node n;
	struct ct_netns *ns;
	struct ct_prefixes p;
	struct ct_findings f;
	vxlan_node(&n, &ns, &p);
	ct_findings_init(&f);
	assert_int_equal(ct_analyze_routes(&n, ns, &p, NULL, &f), 0);
	assert_null(find(&f, "tunnel_gateway_not_a_node"));
	ct_findings_free(&f);

	/* Felix's route to n2's block now via an address no VTEP or FDB entry names */
	for (size_t i = 0; i < ns->routes.n; i++)
		if (ns->routes.v[i].dst.len == 26 && ns->routes.v[i].oif == 3 &&
		    ns->routes.v[i].dst.ip.a[2] == 195)
			ct_ip_parse("172.168.9.9", &ns->routes.v[i].gw);
	ct_findings_init(&f);
	assert_int_equal(ct_analyze_routes(&n, ns, &p, NULL, &f), 0);
	assert_int_equal(count(&f, "tunnel_gateway_not_a_node"), 1);
	const struct ct_finding *x = find(&f, "tunnel_gateway_not_a_node");
	assert_string_equal(x->subject, "172.168.195.0/26");
	assert_non_null(strstr(x->message, "via 172.168.9.9 on vxlan.calico"));
	assert_string_equal(x->run[1], "ip route del 172.168.195.0/26 via 172.168.9.9 dev vxlan.calico");
	ct_findings_free(&f);

	/* a proto-boot route via the underlay inside the pool but covering no block, and the
	 * default route: not pod-block routes */
	add_route(ns, "10.9.0.0/16", "192.168.31.99", 2, RTPROT_BOOT, RTN_UNICAST);
	/* a static route over this node's own block through an unknown underlay gateway: the
	 * FDB alone does not judge underlay routes that are not Felix's */
	add_route(ns, "172.168.135.0/24", "192.168.31.99", 2, RTPROT_STATIC, RTN_UNICAST);
	assert_int_equal(ct_netns_index(ns), 0);
	ct_findings_init(&f);
	assert_int_equal(ct_analyze_routes(&n, ns, &p, NULL, &f), 0);
	assert_int_equal(count(&f, "tunnel_gateway_not_a_node"), 1);
	ct_findings_free(&f);
	/* with BGP's peers known it is judged (it covers the IPAM block); 10.9.0.0/16 is not */
	n.bgp = calloc(1, sizeof(*n.bgp));
	ct_bgp_init(n.bgp);
	n.bgp->peers = calloc(1, sizeof(*n.bgp->peers));
	n.bgp->n_peers = 1;
	ct_ip_parse("192.168.31.202", &n.bgp->peers[0].neighbor);
	ct_findings_init(&f);
	assert_int_equal(ct_analyze_routes(&n, ns, &p, NULL, &f), 0);
	assert_int_equal(count(&f, "tunnel_gateway_not_a_node"), 2);
	bool blk = false;
	for (size_t i = 0; i < f.n; i++)
		blk |= !strcmp(f.v[i].subject, "172.168.135.0/24");
	assert_true(blk);
	ct_findings_free(&f);
	ct_node_free(&n);
}

static void test_gateway_bgp_known(void **state)
{
	(void)state;
	struct ct_node n;
	struct ct_prefixes p;
	ct_node_init(&n);
	ct_prefixes_parse("cali", &p);
	struct ct_netns *ns = ct_node_add_ns(&n);
	add_link(ns, 2, "eth0", "veth", 1500);
	add_route(ns, "172.168.195.0/26", "192.168.31.202", 2, RTPROT_BIRD, RTN_UNICAST);
	add_route(ns, "172.168.61.64/26", "192.168.31.203", 2, RTPROT_BIRD, RTN_UNICAST);
	assert_int_equal(ct_netns_index(ns), 0);
	struct ct_findings f;
	/* no BGP state and no FDB: nothing names the nodes, no finding */
	ct_findings_init(&f);
	assert_int_equal(ct_analyze_routes(&n, ns, &p, NULL, &f), 0);
	assert_null(find(&f, "tunnel_gateway_not_a_node"));
	ct_findings_free(&f);
	n.bgp = calloc(1, sizeof(*n.bgp));
	ct_bgp_init(n.bgp);
	n.bgp->peers = calloc(1, sizeof(*n.bgp->peers));
	n.bgp->n_peers = 1;
	snprintf(n.bgp->peers[0].name, sizeof(n.bgp->peers[0].name), "Mesh_192_168_31_202");
	ct_ip_parse("192.168.31.202", &n.bgp->peers[0].neighbor);
	ct_findings_init(&f);
	assert_int_equal(ct_analyze_routes(&n, ns, &p, NULL, &f), 0);
	assert_int_equal(count(&f, "tunnel_gateway_not_a_node"), 1);
	assert_string_equal(find(&f, "tunnel_gateway_not_a_node")->subject, "172.168.61.64/26");
	ct_findings_free(&f);
	ct_node_free(&n);
}

static void test_neigh_pinned_and_hold_timer(void **state)
{
	(void)state;
	struct ct_node n;
	struct ct_netns *ns;
	struct ct_prefixes p;
	struct ct_findings f;
	struct ct_pod_gateway g4, g6;
	vxlan_node(&n, &ns, &p);
	/* Felix's permanent VTEP entries on vxlan.calico: not reported */
	ct_findings_init(&f);
	assert_int_equal(ct_analyze_neigh(&n, ns, &p, NULL, &g4, &g6, &f), 0);
	assert_null(find(&f, "neigh_pinned"));
	ct_findings_free(&f);
	/* the FDB's underlay destination pinned on eth0; an unrelated permanent entry is not */
	ns->neighs.v[ns->neighs.n - 1].state = NUD_PERMANENT;
	add_neigh(ns, 2, "192.168.31.77", 0x77, NUD_PERMANENT);
	assert_int_equal(ct_netns_index(ns), 0);
	ct_findings_init(&f);
	assert_int_equal(ct_analyze_neigh(&n, ns, &p, NULL, &g4, &g6, &f), 0);
	assert_int_equal(count(&f, "neigh_pinned"), 1);
	const struct ct_finding *x = find(&f, "neigh_pinned");
	assert_string_equal(x->subject, "eth0 192.168.31.202");
	assert_non_null(strstr(x->evidence, "192.168.31.202 dev eth0 lladdr 66:66:66:66:66:ca PERMANENT"));
	assert_string_equal(x->run[0], "ip neigh del 192.168.31.202 dev eth0");
	ct_findings_free(&f);

	/* a BGP peer, and its session lost to the hold timer: the fix names the next hop's entry */
	n.bgp = calloc(1, sizeof(*n.bgp));
	ct_bgp_init(n.bgp);
	n.bgp->peers = calloc(1, sizeof(*n.bgp->peers));
	n.bgp->n_peers = 1;
	struct ct_bgp_peer *bp = &n.bgp->peers[0];
	snprintf(bp->name, sizeof(bp->name), "Mesh_192_168_31_77");
	snprintf(bp->state, sizeof(bp->state), "start");
	snprintf(bp->bgp_state, sizeof(bp->bgp_state), "Idle");
	snprintf(bp->last_error, sizeof(bp->last_error), "Hold timer expired");
	ct_ip_parse("192.168.31.77", &bp->neighbor);
	ct_findings_init(&f);
	assert_int_equal(ct_analyze_neigh(&n, ns, &p, NULL, &g4, &g6, &f), 0);
	assert_int_equal(count(&f, "neigh_pinned"), 2);
	ct_findings_free(&f);
	ct_findings_init(&f);
	assert_int_equal(ct_analyze_bgp(&n, ns, n.bgp, false, NULL, NULL, &f), 0);
	x = find(&f, "bgp_hold_timer_expired");
	assert_non_null(x);
	assert_non_null(strstr(x->fix, "next hop 192.168.31.77 on eth0"));
	assert_string_equal(x->run[0], "ip neigh show 192.168.31.77 dev eth0");
	ct_findings_free(&f);
	/* a peer behind a gateway: the gateway's entry */
	ct_ip_parse("10.1.2.3", &bp->neighbor);
	ct_findings_init(&f);
	assert_int_equal(ct_analyze_bgp(&n, ns, n.bgp, false, NULL, NULL, &f), 0);
	assert_string_equal(find(&f, "bgp_hold_timer_expired")->run[0],
			    "ip neigh show 192.168.31.1 dev eth0");
	ct_findings_free(&f);
	ct_node_free(&n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mtu_healthy_and_raised),
		cmocka_unit_test(test_mtu_ipip_and_no_tunnel),
		cmocka_unit_test(test_gateway_not_a_node),
		cmocka_unit_test(test_gateway_bgp_known),
		cmocka_unit_test(test_neigh_pinned_and_hold_timer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
