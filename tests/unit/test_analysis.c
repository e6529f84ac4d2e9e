/* SPDX-License-Identifier: MIT */
/* Unit tests for classification, LPM, naming helpers and findings. The
 * expected answers come from Calico's documented behaviour (see
 * ../shared/LAB-NOTES.md), not from caltrace's own output. */
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
#include "model/names.h"
#include "render/out.h"

static struct ct_prefixes pfx;

static struct ct_link *add_link(struct ct_netns *ns, int idx, const char *name, const char *kind,
				bool up, bool calico_mac)
{
	struct ct_link *l = ct_push_link(ns);
	l->ifindex = idx;
	snprintf(l->name, sizeof(l->name), "%s", name);
	snprintf(l->kind, sizeof(l->kind), "%s", kind);
	l->flags = up ? IFF_UP : 0;
	l->oper = up ? CT_OPER_UP : CT_OPER_DOWN;
	l->mtu = 1500;
	if (strcmp(kind, "ipip") && strcmp(kind, "tun")) {
		l->mac_len = 6;
		memset(l->mac, calico_mac ? 0xee : 0x02, 6);
	}
	l->forwarding = 1;
	l->proxy_arp = l->eff_proxy_arp = 1;
	l->rp_filter = l->eff_rp_filter = 1;
	return l;
}

static struct ct_route *add_route(struct ct_netns *ns, const char *dst, const char *gw, int oif,
				  uint8_t proto, uint8_t type)
{
	struct ct_route *r = ct_push_route(ns);
	assert_int_equal(ct_prefix_parse(dst, &r->dst), 0);
	if (gw)
		assert_int_equal(ct_ip_parse(gw, &r->gw), 0);
	r->oif = oif;
	r->protocol = proto;
	r->type = type;
	r->table = RT_TABLE_MAIN;
	r->scope = gw ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
	return r;
}

static bool has_code(const struct ct_findings *f, const char *code, const char *subject)
{
	for (size_t i = 0; i < f->n; i++)
		if (!strcmp(f->v[i].def->code, code) &&
		    (!subject || !strcmp(f->v[i].subject, subject)))
			return true;
	return false;
}

/* An IPIP node like k8s-master03 in the user's notes. */
static void ipip_node(struct ct_node *n)
{
	ct_node_init(n);
	struct ct_netns *ns = ct_node_add_ns(n);
	snprintf(ns->name, sizeof(ns->name), "host");
	ns->conf.ip_forward = 1;
	add_link(ns, 1, "lo", "", true, false)->flags |= IFF_LOOPBACK;
	add_link(ns, 2, "eth0", "", true, false);
	struct ct_link *t = add_link(ns, 3, "tunl0", "ipip", true, false);
	t->mtu = 1480;
	add_link(ns, 10, "calic10780a64b4", "veth", true, true);
	ct_netns_index(ns);
	struct ct_addr *a = ct_push_addr(ns);
	a->ifindex = 2;
	ct_prefix_parse("192.168.31.203/24", &a->pfx);
	ct_ip_parse("192.168.31.203", &n->underlay_ips[n->n_underlay++]);
	add_route(ns, "0.0.0.0/0", "192.168.31.1", 2, RTPROT_BOOT, RTN_UNICAST);
	struct ct_route *c = add_route(ns, "192.168.31.0/24", NULL, 2, RTPROT_KERNEL, RTN_UNICAST);
	c->scope = RT_SCOPE_LINK;
	add_route(ns, "172.168.195.12/32", NULL, 10, RTPROT_BOOT, RTN_UNICAST);
	add_route(ns, "172.168.195.0/26", NULL, 0, RTPROT_BIRD, RTN_BLACKHOLE);
	struct ct_route *r = add_route(ns, "172.168.135.128/26", "192.168.31.10", 3, RTPROT_BIRD,
				       RTN_UNICAST);
	r->flags |= RTNH_F_ONLINK;
}

static void test_classify_ipip_node(void **state)
{
	struct ct_node n;
	ipip_node(&n);
	struct ct_netns *ns = &n.ns.v[0];
	uint8_t cls[16];
	struct ct_findings f;
	ct_findings_init(&f);
	assert_int_equal(ct_analyze_routes(&n, ns, &pfx, cls, &f), 0);
	assert_string_equal(ct_route_class_names[cls[0]], "default");
	assert_string_equal(ct_route_class_names[cls[1]], "host");
	assert_string_equal(ct_route_class_names[cls[2]], "workload");
	assert_string_equal(ct_route_class_names[cls[3]], "blackhole");
	assert_string_equal(ct_route_class_names[cls[4]], "ipip");
	/* the gateway 192.168.31.10 is on the connected /24: reachable, no finding */
	assert_false(has_code(&f, "ipip_gateway_unreachable", NULL));
	assert_int_equal(ct_findings_exit(&f), 0);
	char b[32];
	assert_string_equal(ct_route_owner(RTPROT_BIRD, b, sizeof(b)), "bird");
	assert_string_equal(ct_route_owner(80, b, sizeof(b)), "felix");
	assert_string_equal(ct_route_owner(RTPROT_BOOT, b, sizeof(b)), "boot");
	assert_string_equal(ct_route_owner(199, b, sizeof(b)), "199");
	ct_findings_free(&f);
	ct_node_free(&n);
}

static void test_tun_tunl0_is_ipip_by_shape(void **state)
{
	/* a TUN device carrying `via X onlink` routes is an IPIP tunnel whatever its name */
	struct ct_node n;
	ipip_node(&n);
	struct ct_netns *ns = &n.ns.v[0];
	struct ct_link *t = ct_link_by_ifindex(ns, 3);
	snprintf(t->kind, sizeof(t->kind), "tun");
	snprintf(t->name, sizeof(t->name), "mytunnel");
	assert_int_equal(ct_route_classify(ns, &ns->routes.v[4], &pfx), CT_RC_IPIP);
	struct ct_tunnels tt;
	assert_int_equal(ct_tunnels_build(&n, ns, &pfx, &tt), 0);
	assert_int_equal(tt.n, 1);
	assert_string_equal(tt.v[0].link->kind, "tun");
	assert_string_equal(tt.mode, "ipip");
	ct_tunnels_free(&tt);
	ct_node_free(&n);
}

static void test_ipip_gateway_unreachable(void **state)
{
	struct ct_node n;
	ipip_node(&n);
	struct ct_netns *ns = &n.ns.v[0];
	/* remove the connected route and the default: the gateway is only reachable via tunl0 */
	ns->routes.v[0].type = RTN_BLACKHOLE;
	ns->routes.v[1].dst.len = 32;
	struct ct_findings f;
	ct_findings_init(&f);
	ct_analyze_routes(&n, ns, &pfx, NULL, &f);
	assert_true(has_code(&f, "ipip_gateway_unreachable", "192.168.31.10"));
	assert_int_equal(ct_findings_exit(&f), 1);
	ct_findings_free(&f);
	ct_node_free(&n);
}

static void test_borrowed_and_owners(void **state)
{
	struct ct_node n;
	ipip_node(&n);
	struct ct_netns *ns = &n.ns.v[0];
	/* a /32 of our block lives on another node: a borrowed IP (info only) */
	add_route(ns, "172.168.195.40/32", "192.168.31.10", 3, RTPROT_BIRD, RTN_UNICAST)->flags |=
		RTNH_F_ONLINK;
	/* the same prefix programmed by felix and bird */
	add_route(ns, "172.168.135.128/26", "192.168.31.10", 3, 80, RTN_UNICAST)->priority = 10;
	struct ct_findings f;
	ct_findings_init(&f);
	ct_analyze_routes(&n, ns, &pfx, NULL, &f);
	assert_true(has_code(&f, "borrowed_ip", "172.168.195.40/32"));
	assert_true(has_code(&f, "prefix_multiple_owners", "172.168.135.128/26"));
	/* the owners by name (the blackhole is bird's in this node, the copy felix's) */
	for (size_t i = 0; i < f.n; i++)
		if (!strcmp(f.v[i].def->code, "prefix_multiple_owners")) {
			assert_non_null(strstr(f.v[i].evidence, "proto bird"));
			assert_non_null(strstr(f.v[i].evidence, "proto felix"));
			assert_non_null(strstr(f.v[i].message, "both bird and felix"));
		}
	ct_findings_free(&f);
	ct_node_free(&n);
}

static void test_links_findings(void **state)
{
	struct ct_node n;
	ipip_node(&n);
	struct ct_netns *ns = &n.ns.v[0];
	struct ct_link *bad = add_link(ns, 11, "cali0000000000a", "veth", true, false);
	bad->eff_proxy_arp = 0;
	bad->proxy_arp = 0;
	bad->forwarding = 0;
	add_link(ns, 12, "cali0000000000b", "veth", false, true);
	ct_netns_index(ns);
	struct ct_workload *w;
	size_t nw;
	assert_int_equal(ct_workloads(&n, ns, &pfx, &w, &nw), 0);
	assert_int_equal(nw, 3);
	/* sorted by name; calic10780a64b4 has its /32 */
	assert_string_equal(w[2].link->name, "calic10780a64b4");
	assert_int_equal(w[2].n_ips, 1);
	struct ct_findings f;
	ct_findings_init(&f);
	ct_analyze_links(&n, ns, &pfx, w, nw, &f);
	assert_true(has_code(&f, "proxy_arp_off", "cali0000000000a"));
	assert_true(has_code(&f, "forwarding_off", "cali0000000000a"));
	assert_true(has_code(&f, "workload_mac_unexpected", "cali0000000000a"));
	assert_true(has_code(&f, "workload_no_route", "cali0000000000a"));
	assert_true(has_code(&f, "workload_link_down", "cali0000000000b"));
	assert_false(has_code(&f, "proxy_arp_off", "calic10780a64b4"));
	/* rp_filter=1 on cali interfaces is what Calico sets: never a finding */
	for (size_t i = 0; i < f.n; i++)
		assert_null(strstr(f.v[i].def->code, "rp_filter"));
	free(w);
	ct_findings_free(&f);
	ct_node_free(&n);
}

static void test_vxlan_vteps(void **state)
{
	struct ct_node n;
	ct_node_init(&n);
	struct ct_netns *ns = ct_node_add_ns(&n);
	add_link(ns, 2, "eth0", "", true, false);
	struct ct_link *vx = add_link(ns, 5, "vxlan.calico", "vxlan", true, false);
	vx->mtu = 1480; /* too big for 1500 - 50 */
	vx->u.vxlan.vni = 4096;
	vx->u.vxlan.port = 4789;
	vx->u.vxlan.parent_ifindex = 2;
	ct_netns_index(ns);
	add_route(ns, "172.168.10.64/26", "172.168.10.64", 5, 80, RTN_UNICAST)->flags |= RTNH_F_ONLINK;
	add_route(ns, "172.168.10.128/26", "172.168.10.128", 5, 80, RTN_UNICAST)->flags |= RTNH_F_ONLINK;
	/* VTEP .64 complete; VTEP .128 has a neighbour but no FDB entry */
	struct ct_neigh *nb = ct_push_neigh(ns);
	nb->ifindex = 5;
	ct_ip_parse("172.168.10.64", &nb->dst);
	nb->state = NUD_PERMANENT;
	nb->lladdr_len = 6;
	memcpy(nb->lladdr, "\x66\x01\x02\x03\x04\x05", 6);
	struct ct_fdb *fd = ct_push_fdb(ns);
	fd->ifindex = 5;
	memcpy(fd->mac, "\x66\x01\x02\x03\x04\x05", 6);
	ct_ip_parse("192.168.31.202", &fd->dst);
	nb = ct_push_neigh(ns);
	nb->ifindex = 5;
	ct_ip_parse("172.168.10.128", &nb->dst);
	nb->state = NUD_PERMANENT;
	nb->lladdr_len = 6;
	memcpy(nb->lladdr, "\x66\x0a\x02\x03\x04\x05", 6);
	struct ct_tunnels t;
	assert_int_equal(ct_tunnels_build(&n, ns, &pfx, &t), 0);
	assert_int_equal(t.n, 1);
	assert_string_equal(t.mode, "vxlan");
	assert_int_equal(t.v[0].n_vteps, 2);
	struct ct_findings f;
	ct_findings_init(&f);
	ct_analyze_tunnels(ns, &t, &f);
	assert_true(has_code(&f, "vtep_fdb_missing", "vxlan.calico 172.168.10.128"));
	assert_false(has_code(&f, "vtep_fdb_missing", "vxlan.calico 172.168.10.64"));
	assert_true(has_code(&f, "tunnel_mtu_too_large", "vxlan.calico"));
	ct_analyze_routes(&n, ns, &pfx, NULL, &f);
	assert_true(has_code(&f, "vxlan_gateway_no_fdb", "172.168.10.128"));
	assert_false(has_code(&f, "vxlan_gateway_no_neigh", NULL));
	ct_tunnels_free(&t);
	ct_findings_free(&f);
	ct_node_free(&n);
}

static void test_pod_gateway(void **state)
{
	struct ct_node n;
	ct_node_init(&n);
	struct ct_netns *ns = ct_node_add_ns(&n);
	add_link(ns, 3, "eth0", "veth", true, false);
	struct ct_link *fb = add_link(ns, 2, "tunl0", "ipip", false, false);
	(void)fb;
	ct_netns_index(ns);
	add_route(ns, "169.254.1.1/32", NULL, 3, RTPROT_BOOT, RTN_UNICAST);
	add_route(ns, "0.0.0.0/0", "169.254.1.1", 3, RTPROT_BOOT, RTN_UNICAST);
	struct ct_neigh *nb = ct_push_neigh(ns);
	nb->ifindex = 3;
	nb->dst = ct_gw4;
	nb->state = NUD_FAILED;
	assert_true(ct_netns_is_pod(ns));
	struct ct_findings f;
	struct ct_pod_gateway g4, g6;
	ct_findings_init(&f);
	ct_analyze_neigh(&n, ns, &pfx, NULL, &g4, &g6, &f);
	assert_true(g4.present);
	assert_false(g6.present);
	assert_true(has_code(&f, "pod_gateway_failed", "169.254.1.1"));
	/* the fallback tunl0 of a pod namespace is info, not a problem */
	struct ct_tunnels t;
	struct ct_findings tf;
	ct_findings_init(&tf);
	ct_tunnels_build(&n, ns, &pfx, &t);
	ct_analyze_tunnels(ns, &t, &tf);
	assert_true(has_code(&tf, "tunl0_fallback", "tunl0"));
	assert_int_equal(ct_findings_exit(&tf), 0);
	ct_tunnels_free(&t);
	ct_findings_free(&tf);
	/* resolved to the wrong MAC */
	nb->state = NUD_REACHABLE;
	nb->lladdr_len = 6;
	memset(nb->lladdr, 0x02, 6);
	ct_findings_free(&f);
	ct_findings_init(&f);
	ct_analyze_neigh(&n, ns, &pfx, NULL, &g4, &g6, &f);
	assert_true(has_code(&f, "pod_gateway_wrong_mac", "169.254.1.1"));
	ct_findings_free(&f);
	ct_node_free(&n);
}

static void test_neigh_pressure(void **state)
{
	struct ct_node n;
	ct_node_init(&n);
	struct ct_netns *ns = ct_node_add_ns(&n);
	struct ct_neightbl *t = ct_push_neightbl(ns);
	snprintf(t->name, sizeof(t->name), "arp_cache");
	t->family = AF_INET;
	t->gc_thresh1 = 128;
	t->gc_thresh2 = 512;
	t->gc_thresh3 = 1024;
	t->entries = 600;
	struct ct_findings f;
	struct ct_pod_gateway g4, g6;
	ct_findings_init(&f);
	ct_analyze_neigh(&n, ns, &pfx, NULL, &g4, &g6, &f);
	assert_true(has_code(&f, "neigh_table_pressure", "arp_cache"));
	assert_false(has_code(&f, "neigh_table_overflow", NULL));
	t->entries = 1000;
	ct_findings_free(&f);
	ct_findings_init(&f);
	ct_analyze_neigh(&n, ns, &pfx, NULL, &g4, &g6, &f);
	assert_true(has_code(&f, "neigh_table_overflow", "arp_cache"));
	/* permanent entries (VXLAN VTEPs) count in the table but not for the collector */
	for (int i = 0; i < 900; i++) {
		struct ct_neigh *nb = ct_push_neigh(ns);
		nb->ifindex = 5;
		nb->dst.family = AF_INET;
		nb->dst.a[0] = 10;
		nb->dst.a[2] = (uint8_t)(i >> 8);
		nb->dst.a[3] = (uint8_t)i;
		nb->state = NUD_PERMANENT;
	}
	ct_findings_free(&f);
	ct_findings_init(&f);
	ct_analyze_neigh(&n, ns, &pfx, NULL, &g4, &g6, &f);
	assert_false(has_code(&f, "neigh_table_overflow", NULL));
	assert_false(has_code(&f, "neigh_table_pressure", NULL));
	ct_findings_free(&f);
	ct_node_free(&n);
}

static void test_lpm(void **state)
{
	struct ct_node n;
	ct_node_init(&n);
	struct ct_netns *ns = ct_node_add_ns(&n);
	add_route(ns, "0.0.0.0/0", "10.0.0.1", 2, RTPROT_BOOT, RTN_UNICAST);
	add_route(ns, "10.1.0.0/16", "10.0.0.2", 2, RTPROT_BOOT, RTN_UNICAST);
	add_route(ns, "10.1.2.0/24", "10.0.0.3", 2, RTPROT_BOOT, RTN_UNICAST);
	add_route(ns, "10.1.2.0/24", "10.0.0.4", 2, RTPROT_BOOT, RTN_UNICAST)->priority = 5;
	add_route(ns, "2001:db8::/32", "fe80::1", 2, RTPROT_BOOT, RTN_UNICAST);
	struct ct_lpm l;
	assert_int_equal(ct_lpm_build(&l, ns, RT_TABLE_MAIN), 0);
	struct ct_ip ip;
	char b[64];
	ct_ip_parse("10.1.2.3", &ip);
	assert_string_equal(ct_ip_fmt(&ct_lpm_lookup(&l, &ip, NULL, NULL)->gw, b, sizeof(b)), "10.0.0.3");
	ct_ip_parse("10.1.9.3", &ip);
	assert_string_equal(ct_ip_fmt(&ct_lpm_lookup(&l, &ip, NULL, NULL)->gw, b, sizeof(b)), "10.0.0.2");
	ct_ip_parse("8.8.8.8", &ip);
	assert_string_equal(ct_ip_fmt(&ct_lpm_lookup(&l, &ip, NULL, NULL)->gw, b, sizeof(b)), "10.0.0.1");
	ct_ip_parse("2001:db8::5", &ip);
	assert_non_null(ct_lpm_lookup(&l, &ip, NULL, NULL));
	ct_ip_parse("2001:db9::5", &ip);
	assert_null(ct_lpm_lookup(&l, &ip, NULL, NULL));
	ct_lpm_free(&l);
	ct_node_free(&n);
}

static void test_parsers(void **state)
{
	struct ct_prefix p;
	assert_int_equal(ct_prefix_parse("172.168.195.0/26", &p), 0);
	assert_int_equal(p.len, 26);
	assert_int_equal(ct_prefix_parse("172.168.195.12", &p), 0);
	assert_int_equal(p.len, 32);
	assert_int_equal(ct_prefix_parse("fe80::1/64", &p), 0);
	assert_int_equal(ct_prefix_parse("1.2.3.4/33", &p), -1);
	assert_int_equal(ct_prefix_parse("1.2.3.4/", &p), -1);
	assert_int_equal(ct_prefix_parse("1.2.3.4/3x", &p), -1);
	assert_int_equal(ct_prefix_parse("/24", &p), -1);
	assert_int_equal(ct_prefix_parse("cali", &p), -1);
	uint8_t mac[6];
	assert_int_equal(ct_mac_parse("ee:ee:ee:ee:ee:ee", mac), 0);
	assert_int_equal(ct_mac_parse("ee:ee:ee:ee:ee", mac), -1);
	assert_int_equal(ct_mac_parse("ee:ee:ee:ee:ee:ee:", mac), -1);
	struct ct_prefixes ps;
	assert_int_equal(ct_prefixes_parse("cali,tap", &ps), 0);
	assert_int_equal(ps.n, 2);
	assert_true(ct_is_workload(&ps, "tap123"));
	assert_false(ct_is_workload(&ps, "eth0"));
	assert_int_equal(ct_prefixes_parse("cali,", &ps), -1);
	assert_int_equal(ct_prefixes_parse("", &ps), -1);
	assert_int_equal(ct_prefixes_parse("a b", &ps), -1);
	char b[16];
	assert_int_equal(ct_value_of(ct_rt_protocols, "felix"), 80);
	assert_string_equal(ct_name_of(ct_rt_types, RTN_BLACKHOLE, b, sizeof(b)), "blackhole");
	assert_string_equal(ct_nud_name(NUD_FAILED, b, sizeof(b)), "failed");
}

static void test_escape(void **state)
{
	char out[64];
	assert_string_equal(ct_escape("cali\x1b[31mX", out, sizeof(out)), "cali\\x1b[31mX");
	assert_string_equal(ct_escape("a\\b\n", out, sizeof(out)), "a\\\\b\\x0a");
	assert_string_equal(ct_escape("\xff", out, sizeof(out)), "\\xff");
	assert_string_equal(ct_escape("caf\xc3\xa9", out, sizeof(out)), "caf\xc3\xa9");
	/* never overruns, never cuts an escape, and says it cut */
	assert_string_equal(ct_escape("\x01\x02\x03", out, 9), "\\x01...");
}

static void test_incremental(void **state)
{
	struct ct_node n;
	ct_node_init(&n);
	struct ct_netns *ns = ct_node_add_ns(&n);
	struct ct_link l;
	memset(&l, 0, sizeof(l));
	for (int i = 1; i <= 100; i++) {
		l.ifindex = i * 7;
		snprintf(l.name, sizeof(l.name), "cali%011d", i);
		assert_int_equal(ct_link_upsert(ns, &l), 0);
	}
	assert_int_equal(ns->links.n, 100);
	assert_string_equal(ct_link_by_ifindex(ns, 350)->name, "cali00000000050");
	l.ifindex = 350;
	l.mtu = 1440;
	ct_link_upsert(ns, &l);
	assert_int_equal(ns->links.n, 100);
	assert_int_equal(ct_link_by_ifindex(ns, 350)->mtu, 1440);
	assert_int_equal(ct_link_delete(ns, 350), 0);
	assert_null(ct_link_by_ifindex(ns, 350));
	assert_non_null(ct_link_by_ifindex(ns, 357));
	struct ct_route r;
	memset(&r, 0, sizeof(r));
	ct_prefix_parse("10.0.0.0/24", &r.dst);
	r.table = RT_TABLE_MAIN;
	ct_route_upsert(ns, &r);
	r.oif = 5;
	ct_route_upsert(ns, &r);
	assert_int_equal(ns->routes.n, 1);
	assert_int_equal(ns->routes.v[0].oif, 5);
	assert_int_equal(ct_route_delete(ns, &r), 0);
	assert_int_equal(ns->routes.n, 0);
	ct_node_free(&n);
}

int main(void)
{
	ct_prefixes_parse("cali", &pfx);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classify_ipip_node),
		cmocka_unit_test(test_tun_tunl0_is_ipip_by_shape),
		cmocka_unit_test(test_ipip_gateway_unreachable),
		cmocka_unit_test(test_borrowed_and_owners),
		cmocka_unit_test(test_links_findings),
		cmocka_unit_test(test_vxlan_vteps),
		cmocka_unit_test(test_pod_gateway),
		cmocka_unit_test(test_neigh_pressure),
		cmocka_unit_test(test_lpm),
		cmocka_unit_test(test_parsers),
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_incremental),
	};
	return cmocka_run_group_tests_name("analysis", tests, NULL, NULL);
}
