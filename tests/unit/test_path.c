/* SPDX-License-Identifier: MIT */
/* Unit tests for analysis/path.c: the static path over hand-built nodes (BGP
 * without encapsulation: node A 10.0.0.1 with pod 10.244.1.2, node B 10.0.0.2
 * with pod 10.244.2.5), the model's lookup only (no kernel), and the --nodes
 * file parser with truncated and malformed lines. The expectations are the
 * topology built here, not caltrace's output. */
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

#include "analysis/path.h"
#include "model/bgp.h"
#include "model/model.h"

#include "nsbuild.h"

static const uint8_t mac_a[6] = {2, 0, 0, 0, 0, 1}, mac_b[6] = {2, 0, 0, 0, 0, 2};
static const uint8_t mac_cali[6] = {0xee, 0xee, 0xee, 0xee, 0xee, 0xee};

/* A node: host namespace (lo, eth0 with addr, caliX peer of pod eth0) and the pod's. */
static void build_node(struct ct_node *n, const char *name, const char *addr, const uint8_t mac[6],
		       const char *pod, const char *other_block, const char *other_addr,
		       const uint8_t other_mac[6])
{
	ct_node_init(n);
	snprintf(n->name, sizeof(n->name), "%s", name);
	snprintf(n->source, sizeof(n->source), "/tmp/%s.json", name);
	n->taken_at = 1000;
	struct ct_netns *h = ct_node_add_ns(n);
	struct ct_netns *p = ct_node_add_ns(n);
	assert_non_null(h);
	assert_non_null(p);
	snprintf(h->name, sizeof(h->name), "%s-host", name);
	snprintf(p->name, sizeof(p->name), "%s-pod", name);
	h->is_host = true;
	h->conf.ip_forward = 1;
	h->conf.forwarding = 1;
	h->conf.rp_filter = 0;
	h->conf.proxy_arp = 0;
	add_link(h, LO, "lo", true, 1, 0);
	add_link(h, ETH0, "eth0", true, 1, 0);
	add_link(h, CALI, name[0] == 'A' ? "cali1111111111a" : "cali2222222222b", true, 1, 1);
	struct ct_link *l = ct_link_by_name(h, "eth0");
	memcpy(l->mac, mac, 6);
	l->mac_len = 6;
	l->mtu = 1500;
	snprintf(l->kind, sizeof(l->kind), "veth");
	l = &h->links.v[2];
	memcpy(l->mac, mac_cali, 6);
	l->mac_len = 6;
	l->mtu = 1500;
	l->proxy_arp = l->eff_proxy_arp = 1;
	l->peer_ns = 1;
	l->link = 2;
	snprintf(l->kind, sizeof(l->kind), "veth");
	for (size_t i = 0; i < h->links.n; i++)
		h->links.v[i].oper = CT_OPER_UP, h->links.v[i].flags |= IFF_UP | 0x10000 /* IFF_LOWER_UP */;
	char a[64];
	snprintf(a, sizeof(a), "%s/24", addr);
	add_addr(h, ETH0, a);
	add_route(h, RTN_UNICAST, pod, NULL, CALI, RT_TABLE_MAIN, 0);
	struct ct_route *r = add_route(h, RTN_UNICAST, other_block, other_addr, ETH0, RT_TABLE_MAIN, 0);
	r->protocol = 80; /* felix: no BIRD in these nodes */
	add_route(h, RTN_UNICAST, "10.0.0.0/24", NULL, ETH0, RT_TABLE_MAIN, 0);
	add_route(h, RTN_UNICAST, "0.0.0.0/0", "10.0.0.254", ETH0, RT_TABLE_MAIN, 0);
	struct ct_neigh *nb = ct_push_neigh(h);
	nb->ifindex = ETH0;
	ip_(&nb->dst, other_addr);
	memcpy(nb->lladdr, other_mac, 6);
	nb->lladdr_len = 6;
	nb->state = NUD_REACHABLE;
	/* the pod */
	add_link(p, LO, "lo", true, 1, 0);
	add_link(p, ETH0, "eth0", true, 1, 0);
	l = ct_link_by_name(p, "eth0");
	snprintf(l->kind, sizeof(l->kind), "veth");
	l->link = CALI;
	l->mtu = 1500;
	l->oper = CT_OPER_UP;
	l->flags |= 0x10000;
	snprintf(a, sizeof(a), "%s/32", pod);
	add_addr(p, ETH0, a);
	add_route(p, RTN_UNICAST, "169.254.1.1", NULL, ETH0, RT_TABLE_MAIN, 0);
	add_route(p, RTN_UNICAST, "0.0.0.0/0", "169.254.1.1", ETH0, RT_TABLE_MAIN, 0);
	assert_int_equal(ct_netns_index(h), 0);
	assert_int_equal(ct_netns_index(p), 0);
	n->n_underlay = 1;
	ip_(&n->underlay_ips[0], addr);
}

struct world {
	struct ct_cluster c;
	struct ct_prefixes pf;
	struct ct_path p;
	struct ct_path_query q;
};

static void world_init(struct world *w, bool with_b)
{
	memset(w, 0, sizeof(*w));
	assert_int_equal(ct_prefixes_parse("cali", &w->pf), 0);
	ct_cluster_init(&w->c, &w->pf);
	struct ct_node n;
	build_node(&n, "A", "10.0.0.1", mac_a, "10.244.1.2", "10.244.2.0/26", "10.0.0.2", mac_b);
	assert_int_equal(ct_cluster_add(&w->c, &n), 0);
	if (with_b) {
		build_node(&n, "B", "10.0.0.2", mac_b, "10.244.2.5", "10.244.1.0/26", "10.0.0.1",
			   mac_a);
		assert_int_equal(ct_cluster_add(&w->c, &n), 1);
	}
	ct_path_init(&w->p);
	char why[256];
	assert_int_equal(ct_path_end_resolve(&w->c, &w->pf, "10.244.1.2", &w->q.src, why, sizeof(why)), 0);
	assert_int_equal(ct_path_end_resolve(&w->c, &w->pf, "10.244.2.5", &w->q.dst, why, sizeof(why)), 0);
	w->q.ip_proto = 1;
	w->q.now = 1060;
	w->q.prefixes = &w->pf;
}

static void world_free(struct world *w)
{
	ct_path_free(&w->p);
	ct_cluster_free(&w->c);
}

static const struct ct_hop *find_hop(const struct ct_path *p, bool rev, enum ct_hop_kind k,
				     const char *node)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->v[i].reverse == rev && p->v[i].kind == k && !strcmp(p->v[i].node_name, node))
			return &p->v[i];
	return NULL;
}

static bool has_code(const struct ct_hop *h, const char *code)
{
	for (unsigned i = 0; h && i < h->n_findings; i++)
		if (!strcmp(h->findings[i].def->code, code))
			return true;
	return false;
}

static void test_healthy(void **st)
{
	(void)st;
	struct world w;
	world_init(&w, true);
	assert_int_equal(w.q.src.node, 0);
	assert_int_equal(w.q.src.ns, 1);
	assert_int_equal(w.q.dst.node, 1);
	assert_int_equal(ct_path_build(&w.c, &w.q, &w.p), 0);
	/* the forward decisions: A then B; reverse: B then A */
	char seq[2][64] = {"", ""};
	for (size_t i = 0; i < w.p.n; i++) {
		const struct ct_hop *h = &w.p.v[i];
		if (h->kind == CT_HOP_FORWARD)
			strcat(seq[h->reverse], h->node_name);
		/* no policy read (snapshot nodes): unknown; everything else ok */
		if (h->kind == CT_HOP_POLICY_IN || h->kind == CT_HOP_POLICY_OUT)
			assert_int_equal(h->verdict, CT_HOP_UNKNOWN);
		else if (h->verdict != CT_HOP_OK)
			fail_msg("hop %zu (%s on %s): %s: %s", i + 1, ct_hop_kind_names[h->kind],
				 h->node_name, ct_hop_verdict_names[h->verdict], h->summary);
	}
	assert_string_equal(seq[0], "AB");
	assert_string_equal(seq[1], "BA");
	const struct ct_hop *e = find_hop(&w.p, false, CT_HOP_EGRESS, "A");
	assert_non_null(e);
	assert_string_equal(e->subject, "eth0");
	assert_non_null(find_hop(&w.p, false, CT_HOP_POD_INGRESS, "B"));
	assert_int_equal(w.p.mtu_forward, 1500);
	assert_true(ct_path_worst(&w.p) < CT_HOP_WARN);
	/* snapshot ages */
	assert_int_equal(w.p.n_notes, 2);
	assert_string_equal(w.p.notes[0], "A: snapshot taken 60 s ago");
	world_free(&w);
}

static void test_only_local(void **st)
{
	(void)st;
	struct world w;
	world_init(&w, false);
	assert_int_equal(w.q.dst.node, -1);
	assert_int_equal(ct_path_build(&w.c, &w.q, &w.p), 0);
	size_t unknown = 0;
	for (size_t i = 0; i < w.p.n; i++) {
		const struct ct_hop *h = &w.p.v[i];
		assert_true(h->verdict != CT_HOP_FAIL && h->verdict != CT_HOP_WARN);
		if (h->node < 0 && h->kind != CT_HOP_SYMMETRY && h->kind != CT_HOP_MTU) {
			assert_int_equal(h->verdict, CT_HOP_UNKNOWN);
			unknown++;
		}
	}
	assert_true(unknown >= 6);
	const struct ct_hop *u = find_hop(&w.p, false, CT_HOP_UNDERLAY, "");
	assert_non_null(u);
	assert_string_equal(u->summary, "underlay between A and 10.0.0.2: not visible");
	world_free(&w);
}

static void test_route_missing(void **st)
{
	(void)st;
	struct world w;
	world_init(&w, true);
	/* A loses its route to B's block: only the default route is left */
	struct ct_netns *h = &ct_cluster_node(&w.c, 0)->ns.v[0];
	for (size_t i = 0; i < h->routes.n; i++)
		if (h->routes.v[i].dst.len == 26) {
			h->routes.v[i] = h->routes.v[--h->routes.n];
			break;
		}
	assert_int_equal(ct_netns_index(h), 0);
	assert_int_equal(ct_path_build(&w.c, &w.q, &w.p), 0);
	const struct ct_hop *f = find_hop(&w.p, false, CT_HOP_FORWARD, "A");
	assert_non_null(f);
	assert_int_equal(f->verdict, CT_HOP_FAIL);
	assert_true(has_code(f, "path_no_route"));
	assert_true(ct_path_worst(&w.p) == CT_HOP_FAIL);
	world_free(&w);
}

/* B answers A's pods by a second link (eth1) while their packets arrive on eth0, in strict
 * rp_filter mode there: B's ingress fails with path_rp_filter_asymmetric, whose fix makes
 * eth0 loose; loose mode (2) passes */
static void test_rp_filter_asymmetric(void **st)
{
	(void)st;
	struct world w;
	world_init(&w, true);
	struct ct_netns *h = &ct_cluster_node(&w.c, 1)->ns.v[0];
	add_link(h, ETH1, "eth1", true, 1, 0);
	struct ct_link *l = ct_link_by_name(h, "eth1");
	l->oper = CT_OPER_UP;
	l->flags |= 0x10000;
	add_addr(h, ETH1, "10.0.1.2/24");
	add_route(h, RTN_UNICAST, "10.0.1.0/24", NULL, ETH1, RT_TABLE_MAIN, 0);
	add_route(h, RTN_UNICAST, "10.244.1.0/27", "10.0.1.1", ETH1, RT_TABLE_MAIN, 0);
	l = ct_link_by_name(h, "eth0");
	l->rp_filter = l->eff_rp_filter = 1;
	assert_int_equal(ct_netns_index(h), 0);
	assert_int_equal(ct_path_build(&w.c, &w.q, &w.p), 0);
	const struct ct_hop *in = find_hop(&w.p, false, CT_HOP_INGRESS, "B");
	assert_non_null(in);
	assert_int_equal(in->verdict, CT_HOP_FAIL);
	assert_true(has_code(in, "path_rp_filter_asymmetric"));
	const struct ct_finding *x = NULL;
	for (unsigned i = 0; i < in->n_findings; i++)
		if (!strcmp(in->findings[i].def->code, "path_rp_filter_asymmetric"))
			x = &in->findings[i];
	assert_non_null(x);
	assert_string_equal(x->run[0], "sysctl -w net.ipv4.conf.eth0.rp_filter=2");
	assert_non_null(strstr(x->evidence, "rp_filter on eth0: 1 (strict; all 0, eth0 1)"));
	assert_non_null(strstr(x->evidence, "route back to 10.244.1.2: 10.244.1.0/27 via 10.0.1.1 dev eth1"));
	const struct ct_hop *f = find_hop(&w.p, false, CT_HOP_FORWARD, "B");
	assert_true(has_code(f, "path_rp_filter_asymmetric"));
	/* loose: the packet passes */
	l->rp_filter = l->eff_rp_filter = 2;
	ct_path_free(&w.p);
	ct_path_init(&w.p);
	assert_int_equal(ct_path_build(&w.c, &w.q, &w.p), 0);
	in = find_hop(&w.p, false, CT_HOP_INGRESS, "B");
	assert_non_null(in);
	assert_false(has_code(in, "path_rp_filter_asymmetric"));
	assert_int_equal(in->verdict, CT_HOP_OK);
	world_free(&w);
}

static void test_wrong_mac(void **st)
{
	(void)st;
	struct world w;
	world_init(&w, true);
	struct ct_netns *h = &ct_cluster_node(&w.c, 0)->ns.v[0];
	h->neighs.v[0].lladdr[5] = 0x99;
	h->neighs.v[0].state = NUD_PERMANENT;
	assert_int_equal(ct_path_build(&w.c, &w.q, &w.p), 0);
	const struct ct_hop *e = find_hop(&w.p, false, CT_HOP_EGRESS, "A");
	assert_non_null(e);
	assert_int_equal(e->verdict, CT_HOP_FAIL);
	assert_true(has_code(e, "path_next_hop_wrong_mac"));
	world_free(&w);
}

static void test_pod_without_default(void **st)
{
	(void)st;
	struct world w;
	world_init(&w, true);
	struct ct_netns *p = &ct_cluster_node(&w.c, 1)->ns.v[1];
	for (size_t i = 0; i < p->routes.n; i++)
		if (p->routes.v[i].dst.len == 0) {
			p->routes.v[i] = p->routes.v[--p->routes.n];
			break;
		}
	assert_int_equal(ct_netns_index(p), 0);
	assert_int_equal(ct_path_build(&w.c, &w.q, &w.p), 0);
	/* the reply: pod B has no way out */
	const struct ct_hop *e = find_hop(&w.p, true, CT_HOP_POD_EGRESS, "B");
	assert_non_null(e);
	assert_int_equal(e->verdict, CT_HOP_FAIL);
	/* the forward path is fine */
	assert_int_equal(find_hop(&w.p, false, CT_HOP_FORWARD, "B")->verdict, CT_HOP_OK);
	world_free(&w);
}

static void test_mtu_budget(void **st)
{
	(void)st;
	struct world w;
	world_init(&w, true);
	/* B's eth0 carries less than the pods send */
	ct_link_by_name(&ct_cluster_node(&w.c, 1)->ns.v[0], "eth0")->mtu = 1400;
	assert_int_equal(ct_path_build(&w.c, &w.q, &w.p), 0);
	assert_int_equal(w.p.mtu_forward, 1400);
	const struct ct_hop *m = NULL;
	for (size_t i = 0; i < w.p.n; i++)
		if (w.p.v[i].kind == CT_HOP_MTU && !w.p.v[i].reverse)
			m = &w.p.v[i];
	assert_non_null(m);
	assert_int_equal(m->verdict, CT_HOP_WARN);
	assert_true(has_code(m, "path_mtu"));
	world_free(&w);
}

static void test_ebpf_unknown(void **st)
{
	(void)st;
	struct world w;
	world_init(&w, true);
	/* Calico's eBPF dataplane on B: its forwarding and policy hops are unknown, not ok */
	add_link(&ct_cluster_node(&w.c, 1)->ns.v[0], 9, "bpfin.cali", true, 1, 0);
	assert_int_equal(ct_netns_index(&ct_cluster_node(&w.c, 1)->ns.v[0]), 0);
	assert_int_equal(ct_path_build(&w.c, &w.q, &w.p), 0);
	const struct ct_hop *f = find_hop(&w.p, false, CT_HOP_FORWARD, "B");
	assert_non_null(f);
	assert_int_equal(f->verdict, CT_HOP_UNKNOWN);
	assert_non_null(strstr(f->summary, "eBPF"));
	f = find_hop(&w.p, true, CT_HOP_POLICY_OUT, "B");
	assert_non_null(f);
	assert_int_equal(f->verdict, CT_HOP_UNKNOWN);
	/* A is as before */
	assert_int_equal(find_hop(&w.p, false, CT_HOP_FORWARD, "A")->verdict, CT_HOP_OK);
	world_free(&w);
}

/* A Service VIP 10.96.0.10:53/udp on A, backends pod B (10.244.2.5:53) and 10.244.9.9:53 */
static void svc_build(struct ct_svc *v, struct ct_svc_backend be[2], bool empty)
{
	memset(v, 0, sizeof(*v));
	ip_(&v->vip, "10.96.0.10");
	v->proto = 17;
	v->port = 53;
	snprintf(v->name, sizeof(v->name), "kube-system/kube-dns:dns");
	v->kind = CT_SVC_KIND_CLUSTER_IP;
	v->source = CT_SVC_IPT_NFT;
	memset(be, 0, 2 * sizeof(*be));
	ip_(&be[0].ip, "10.244.2.5");
	be[0].port = 53;
	ip_(&be[1].ip, "10.244.9.9");
	be[1].port = 53;
	v->be = empty ? NULL : be;
	v->nbe = v->nbe_total = empty ? 0 : 2;
	v->no_endpoints = empty;
}

static void test_service_vip(void **st)
{
	(void)st;
	struct world w;
	world_init(&w, true);
	struct ct_svc v;
	struct ct_svc_backend be[2];
	svc_build(&v, be, false);
	char why[256];
	assert_int_equal(ct_path_end_resolve(&w.c, &w.pf, "10.96.0.10", &w.q.dst, why, sizeof(why)), 0);
	assert_int_equal(w.q.dst.node, -1);
	w.q.svc = &v;
	w.q.svc_node = 0;
	assert_int_equal(ct_path_build(&w.c, &w.q, &w.p), 0);
	/* one hop: the Service and its two backends, on A; not traced as a pod */
	assert_int_equal(w.p.n, 1);
	const struct ct_hop *h = &w.p.v[0];
	assert_int_equal(h->kind, CT_HOP_SERVICE);
	assert_string_equal(ct_hop_kind_names[h->kind], "service");
	assert_string_equal(h->node_name, "A");
	assert_string_equal(h->subject, "10.96.0.10:53/udp");
	assert_int_equal(h->verdict, CT_HOP_OK);
	assert_int_equal(h->n_evidence, 2);
	assert_string_equal(h->evidence[0], "backend 10.244.2.5:53");
	assert_string_equal(h->evidence[1], "backend 10.244.9.9:53");
	assert_non_null(strstr(w.p.notes[w.p.n_notes - 1], "--to-backend"));
	assert_true(ct_path_worst(&w.p) < CT_HOP_WARN);
	world_free(&w);

	/* no endpoints: fail, path_service_no_endpoints, a kubectl run line */
	world_init(&w, true);
	svc_build(&v, be, true);
	assert_int_equal(ct_path_end_resolve(&w.c, &w.pf, "10.96.0.10", &w.q.dst, why, sizeof(why)), 0);
	w.q.svc = &v;
	assert_int_equal(ct_path_build(&w.c, &w.q, &w.p), 0);
	assert_int_equal(w.p.n, 1);
	h = &w.p.v[0];
	assert_int_equal(h->verdict, CT_HOP_FAIL);
	assert_true(has_code(h, "path_service_no_endpoints"));
	assert_int_equal(h->findings[0].n_run, 1);
	assert_string_equal(h->findings[0].run[0],
			    "kubectl -n kube-system get endpointslices -l kubernetes.io/service-name=kube-dns");
	assert_int_equal(ct_path_worst(&w.p), CT_HOP_FAIL);
	world_free(&w);
}

static void test_service_to_backend(void **st)
{
	(void)st;
	struct world w;
	world_init(&w, true);
	struct ct_svc v;
	struct ct_svc_backend be[2];
	svc_build(&v, be, false);
	/* DST is the backend (pod B): the DNAT hop after caliA, before cali-fw */
	w.q.svc = &v;
	w.q.to_backend = true;
	w.q.ip_proto = 17;
	w.q.port = 53;
	assert_int_equal(ct_path_build(&w.c, &w.q, &w.p), 0);
	size_t is = w.p.n, ip = w.p.n, nsvc = 0;
	for (size_t i = 0; i < w.p.n; i++) {
		if (w.p.v[i].kind == CT_HOP_SERVICE)
			is = i, nsvc++;
		if (w.p.v[i].kind == CT_HOP_POLICY_OUT && !w.p.v[i].reverse && ip == w.p.n)
			ip = i;
	}
	assert_int_equal(nsvc, 1);
	assert_true(is < w.p.n);
	assert_int_equal(is + 1, ip);
	assert_int_equal(w.p.v[is - 1].kind, CT_HOP_WORKLOAD_IN);
	assert_false(w.p.v[is].reverse);
	assert_string_equal(w.p.v[is].node_name, "A");
	assert_int_equal(w.p.v[is].verdict, CT_HOP_OK);
	assert_non_null(strstr(w.p.v[is].summary, "10.96.0.10:53 -> 10.244.2.5:53"));
	assert_non_null(strstr(w.p.v[is].evidence[1], "conntrack"));
	/* and then the path to the backend, as without a Service */
	assert_non_null(find_hop(&w.p, false, CT_HOP_POD_INGRESS, "B"));
	assert_non_null(find_hop(&w.p, true, CT_HOP_POD_INGRESS, "A"));
	world_free(&w);
}

static void test_service_unreadable(void **st)
{
	(void)st;
	struct world w;
	world_init(&w, true);
	/* Services not readable and a DST no known node holds: an unknown service hop, then
	 * the trace as usual */
	char why[256];
	assert_int_equal(ct_path_end_resolve(&w.c, &w.pf, "10.96.0.10", &w.q.dst, why, sizeof(why)), 0);
	w.q.svc_unreadable = "Services are handled in BPF";
	assert_int_equal(ct_path_build(&w.c, &w.q, &w.p), 0);
	const struct ct_hop *h = find_hop(&w.p, false, CT_HOP_SERVICE, "A");
	assert_non_null(h);
	assert_int_equal(h->verdict, CT_HOP_UNKNOWN);
	assert_non_null(strstr(h->summary, "Services are handled in BPF"));
	assert_non_null(find_hop(&w.p, false, CT_HOP_FORWARD, "A"));
	world_free(&w);
	/* a DST a known node holds: no service hop */
	world_init(&w, true);
	w.q.svc_unreadable = "Services are handled in BPF";
	assert_int_equal(ct_path_build(&w.c, &w.q, &w.p), 0);
	for (size_t i = 0; i < w.p.n; i++)
		assert_int_not_equal(w.p.v[i].kind, CT_HOP_SERVICE);
	world_free(&w);
}

/* An IPv6 path between two BGP nodes whose routes are BIRD's (proto bird): node A's
 * route-source hop reads the bird6 answers given in the query (the peer of bird6's route
 * for the prefix, its address and state), is unknown saying why when bird6 could not be
 * asked, and keeps saying BIRD was not asked without them. */
static void world6_init(struct world *w)
{
	memset(w, 0, sizeof(*w));
	assert_int_equal(ct_prefixes_parse("cali", &w->pf), 0);
	ct_cluster_init(&w->c, &w->pf);
	struct ct_node n;
	build_node(&n, "A", "fd00::1", mac_a, "fd00:244:1::2", "fd00:244:2::/122", "fd00::2", mac_b);
	struct ct_netns *h = &n.ns.v[0];
	for (size_t i = 0; i < h->routes.n; i++)
		if (h->routes.v[i].dst.len == 122)
			h->routes.v[i].protocol = RTPROT_BIRD;
	assert_int_equal(ct_cluster_add(&w->c, &n), 0);
	build_node(&n, "B", "fd00::2", mac_b, "fd00:244:2::5", "fd00:244:1::/122", "fd00::1", mac_a);
	assert_int_equal(ct_cluster_add(&w->c, &n), 1);
	ct_path_init(&w->p);
	char why[256];
	assert_int_equal(ct_path_end_resolve(&w->c, &w->pf, "fd00:244:1::2", &w->q.src, why, sizeof(why)), 0);
	assert_int_equal(ct_path_end_resolve(&w->c, &w->pf, "fd00:244:2::5", &w->q.dst, why, sizeof(why)), 0);
	w->q.ip_proto = 58;
	w->q.now = 1060;
	w->q.prefixes = &w->pf;
}

static void test_route_source_bird6(void **st)
{
	(void)st;
	/* bird6 on A: two peers; the route to B's block came from Mesh_fd00__2, now Active */
	struct ct_bgp b;
	ct_bgp_init(&b);
	b.peers = calloc(2, sizeof(*b.peers));
	assert_non_null(b.peers);
	b.n_peers = 2;
	snprintf(b.peers[0].name, sizeof(b.peers[0].name), "Mesh_fd00__9");
	ip_(&b.peers[0].neighbor, "fd00::9");
	snprintf(b.peers[0].bgp_state, sizeof(b.peers[0].bgp_state), "Established");
	snprintf(b.peers[1].name, sizeof(b.peers[1].name), "Mesh_fd00__2");
	ip_(&b.peers[1].neighbor, "fd00::2");
	snprintf(b.peers[1].proto, sizeof(b.peers[1].proto), "BGP");
	snprintf(b.peers[1].state, sizeof(b.peers[1].state), "start");
	snprintf(b.peers[1].bgp_state, sizeof(b.peers[1].bgp_state), "Active");
	snprintf(b.socket, sizeof(b.socket), "/run/bird6.ctl");
	struct ct_bgp_rattr at = {0};
	ip_(&at.via, "fd00::2");
	snprintf(at.proto, sizeof(at.proto), "Mesh_fd00__2");
	snprintf(at.dev, sizeof(at.dev), "eth0");
	struct ct_prefix d;
	assert_int_equal(ct_prefix_parse("fd00:244:2::/122", &d), 0);
	assert_int_equal(ct_bgp_route_add(&b, &d, true, &at), 0);

	struct world w;
	world6_init(&w);
	struct ct_path_bird6 b6[2] = {{.asked = true, .b = &b, .error = ""}, {0}};
	w.q.bird6 = b6;
	assert_int_equal(ct_path_build(&w.c, &w.q, &w.p), 0);
	const struct ct_hop *h = find_hop(&w.p, false, CT_HOP_ROUTE_SOURCE, "A");
	assert_non_null(h);
	assert_string_equal(h->subject, "Mesh_fd00__2");
	assert_true(h->verdict >= CT_HOP_WARN);
	assert_non_null(strstr(h->summary, "route fd00:244:2::/122 from BGP peer Mesh_fd00__2 (fd00::2, bird6): Active"));
	world_free(&w);

	/* Established: ok */
	snprintf(b.peers[1].bgp_state, sizeof(b.peers[1].bgp_state), "Established");
	snprintf(b.peers[1].state, sizeof(b.peers[1].state), "up");
	world6_init(&w);
	w.q.bird6 = b6;
	assert_int_equal(ct_path_build(&w.c, &w.q, &w.p), 0);
	h = find_hop(&w.p, false, CT_HOP_ROUTE_SOURCE, "A");
	assert_non_null(h);
	assert_int_equal(h->verdict, CT_HOP_OK);
	world_free(&w);

	/* bird6 could not be asked: unknown, the error as evidence */
	b6[0].b = NULL;
	b6[0].error = "cannot connect to '/run/bird6.ctl': Connection refused";
	world6_init(&w);
	w.q.bird6 = b6;
	assert_int_equal(ct_path_build(&w.c, &w.q, &w.p), 0);
	h = find_hop(&w.p, false, CT_HOP_ROUTE_SOURCE, "A");
	assert_non_null(h);
	assert_string_equal(h->subject, "bird6");
	assert_int_equal(h->verdict, CT_HOP_UNKNOWN);
	assert_string_equal(h->summary, "route fd00:244:2::/122 proto bird; bird6 cannot be asked");
	assert_string_equal(h->evidence[0], b6[0].error);
	world_free(&w);

	/* not asked at all: as before */
	world6_init(&w);
	assert_int_equal(ct_path_build(&w.c, &w.q, &w.p), 0);
	h = find_hop(&w.p, false, CT_HOP_ROUTE_SOURCE, "A");
	assert_non_null(h);
	assert_string_equal(h->subject, "bird");
	assert_int_equal(h->verdict, CT_HOP_UNKNOWN);
	world_free(&w);
	ct_bgp_free(&b);
}

static void test_end_resolve(void **st)
{
	(void)st;
	struct world w;
	world_init(&w, true);
	struct ct_path_end e;
	char why[256];
	assert_int_equal(ct_path_end_resolve(&w.c, &w.pf, "10.0.0.2", &e, why, sizeof(why)), 0);
	assert_int_equal(e.node, 1);
	assert_true(e.is_node);
	assert_int_equal(ct_path_end_resolve(&w.c, &w.pf, "default/none", &e, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "no known node has pod 'default/none'"));
	assert_int_equal(ct_path_end_resolve(&w.c, &w.pf, "web", &e, why, sizeof(why)), -1);
	assert_int_equal(ct_path_end_resolve(&w.c, &w.pf, "a/b/c", &e, why, sizeof(why)), -1);
	assert_int_equal(ct_path_end_resolve(&w.c, &w.pf, "/b", &e, why, sizeof(why)), -1);
	/* an address nobody holds: accepted, no node */
	assert_int_equal(ct_path_end_resolve(&w.c, &w.pf, "192.0.2.1", &e, why, sizeof(why)), 0);
	assert_int_equal(e.node, -1);
	world_free(&w);
}

/* ---- --nodes */

static int parse(const char *text, size_t len, struct ct_path_nodespec *v, size_t *n, char *why)
{
	return ct_path_nodes_parse(text, len, v, CT_PATH_MAX_NODES, n, why, 256);
}

static void test_nodes_good(void **st)
{
	(void)st;
	static struct ct_path_nodespec v[CT_PATH_MAX_NODES];
	size_t n;
	char why[256];
	const char *t = "# the lab\n\nn1 lab-n1\nn2\t@/tmp/n2.json   bird=/run/b.ctl # n2's BIRD\r\n  n3 pid:42";
	assert_int_equal(parse(t, strlen(t), v, &n, why), 0);
	assert_int_equal(n, 3);
	assert_string_equal(v[0].name, "n1");
	assert_string_equal(v[0].spec, "lab-n1");
	assert_int_equal(v[0].line, 3);
	assert_string_equal(v[1].spec, "@/tmp/n2.json");
	assert_string_equal(v[1].bird, "/run/b.ctl");
	assert_string_equal(v[2].spec, "pid:42");
	assert_int_equal(v[2].line, 5);
	assert_int_equal(parse("", 0, v, &n, why), 0);
	assert_int_equal(n, 0);
}

static void test_nodes_bad(void **st)
{
	(void)st;
	static struct ct_path_nodespec v[CT_PATH_MAX_NODES];
	size_t n;
	char why[256];
	static const struct {
		const char *text;
		size_t len; /* 0: strlen */
		const char *why;
	} cases[] = {
		{"n1 ns1\nn2\n", 0, "line 2: a node needs a namespace or @SNAPSHOT after its name"},
		{"n1", 0, "line 1: a node needs a namespace or @SNAPSHOT after its name"},
		{"n1 ns1 bird=/x extra", 0, "line 1: too many words (NAME NETNS|@SNAPSHOT [bird=PATH])"},
		{"n1 ns1 socket=/x", 0, "line 1: the third word must be bird=PATH"},
		{"n1 ns1 bird=", 0, "line 1: the third word must be bird=PATH"},
		{"n1 @", 0, "line 1: '@' needs a snapshot file after it"},
		{"n1 ns\x1b[31m", 0, "line 1: a control character"},
		{"n1 ns1\nn1 ns2\n", 0, "line 2: node name used twice (first on line 1)"},
		{"a=b ns1", 0, "line 1: a node's name cannot hold '='"},
		{"n1 n\0s1\n", 9, "line 1: a NUL byte"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t len = cases[i].len ? cases[i].len : strlen(cases[i].text);
		assert_int_equal(parse(cases[i].text, len, v, &n, why), -1);
		assert_string_equal(why, cases[i].why);
	}
	/* a line longer than 4095 bytes */
	char *big = malloc(5000);
	assert_non_null(big);
	memset(big, 'a', 5000);
	assert_int_equal(parse(big, 5000, v, &n, why), -1);
	assert_string_equal(why, "line 1: longer than 4095 bytes");
	/* too many nodes */
	size_t cap = 70 * 16;
	char *many = malloc(cap);
	assert_non_null(many);
	size_t used = 0;
	for (int i = 0; i < 70; i++)
		used += (size_t)snprintf(many + used, cap - used, "n%d ns%d\n", i, i);
	assert_int_equal(parse(many, used, v, &n, why), -1);
	assert_string_equal(why, "line 65: too many nodes (at most 64)");
	free(big);
	free(many);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_healthy),
		cmocka_unit_test(test_only_local),
		cmocka_unit_test(test_route_missing),
		cmocka_unit_test(test_wrong_mac),
		cmocka_unit_test(test_rp_filter_asymmetric),
		cmocka_unit_test(test_pod_without_default),
		cmocka_unit_test(test_mtu_budget),
		cmocka_unit_test(test_ebpf_unknown),
		cmocka_unit_test(test_service_vip),
		cmocka_unit_test(test_service_to_backend),
		cmocka_unit_test(test_service_unreadable),
		cmocka_unit_test(test_route_source_bird6),
		cmocka_unit_test(test_end_resolve),
		cmocka_unit_test(test_nodes_good),
		cmocka_unit_test(test_nodes_bad),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
