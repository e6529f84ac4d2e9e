/* SPDX-License-Identifier: MIT */
/*
 * Snapshot v1 tests. Oracles that do not come from the code under test:
 * the hand-written fixtures (the writer must reproduce them as JSON values,
 * and their values are checked against the notes they were written from),
 * glibc's gmtime_r/strftime for RFC 3339 times, and jansson parsing the output.
 * Fixtures are read from $CT_FIXTURES, default tests/fixtures (run from the
 * repository root, as tests/run.sh does).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <linux/fib_rules.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <linux/if.h>
#include <sys/socket.h>

#include "model/err.h"
#include "model/model.h"
#include "model/esc.h"
#include "model/snapshot.h"

/* ---- helpers ---- */

static const char *fixture(const char *name)
{
	static char path[512];
	const char *dir = getenv("CT_FIXTURES");
	snprintf(path, sizeof(path), "%s/%s", dir ? dir : "tests/fixtures", name);
	return path;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	char *buf = NULL;
	size_t cap = 0, n = 0, r;
	do {
		if (n == cap) {
			cap = cap ? cap * 2 : 65536;
			buf = realloc(buf, cap + 1);
			assert_non_null(buf);
		}
		r = fread(buf + n, 1, cap - n, f);
		n += r;
	} while (r > 0);
	fclose(f);
	buf[n] = 0;
	*len = n;
	return buf;
}

/* Writes n into a malloc'd buffer. */
static char *write_mem(const struct ct_node *n, size_t *len)
{
	char *buf = NULL;
	struct ct_err err = {0};
	FILE *f = open_memstream(&buf, len);
	assert_non_null(f);
	int rc = ct_snapshot_write(n, f, &err);
	fclose(f);
	if (rc)
		fail_msg("write failed: %s", err.msg);
	return buf;
}

static void ip(struct ct_ip *out, const char *s)
{
	assert_int_equal(ct_ip_parse(s, out), 0);
}

static void pfx(struct ct_prefix *out, const char *s)
{
	assert_int_equal(ct_prefix_parse(s, out), 0);
}

static void mac(uint8_t *out, const char *s)
{
	assert_int_equal(ct_mac_parse(s, out), 0);
}

/* ---- field-by-field comparison (names the field that differs) ---- */

#define EQ(a, b, f)                                                                                \
	do {                                                                                       \
		if ((a)->f != (b)->f)                                                              \
			fail_msg("%s: %lld != %lld", #f, (long long)(a)->f, (long long)(b)->f);    \
	} while (0)
#define STREQ(a, b, f)                                                                             \
	do {                                                                                       \
		if (strcmp((a)->f, (b)->f))                                                        \
			fail_msg("%s: '%s' != '%s'", #f, (a)->f, (b)->f);                          \
	} while (0)
#define IPEQ(a, b, f)                                                                              \
	do {                                                                                       \
		char x_[64], y_[64];                                                               \
		if (!ct_ip_eq(&(a)->f, &(b)->f))                                                   \
			fail_msg("%s: %u/'%s' != %u/'%s'", #f, (a)->f.family,                      \
				 ct_ip_fmt(&(a)->f, x_, 64), (b)->f.family,                        \
				 ct_ip_fmt(&(b)->f, y_, 64));                                      \
	} while (0)
#define PFXEQ(a, b, f)                                                                             \
	do {                                                                                       \
		IPEQ(a, b, f.ip);                                                                  \
		EQ(a, b, f.len);                                                                   \
	} while (0)
#define MEMEQ(a, b, f, len)                                                                        \
	do {                                                                                       \
		if (memcmp((a)->f, (b)->f, len))                                                   \
			fail_msg("%s differs", #f);                                                \
	} while (0)

static bool kind_is(const struct ct_link *l, const char *k)
{
	return strcmp(l->kind, k) == 0;
}

static void link_eq(const struct ct_link *a, const struct ct_link *b)
{
	EQ(a, b, ifindex);
	STREQ(a, b, name);
	STREQ(a, b, kind);
	EQ(a, b, flags);
	EQ(a, b, oper);
	EQ(a, b, mtu);
	EQ(a, b, mac_len);
	MEMEQ(a, b, mac, a->mac_len);
	EQ(a, b, master);
	EQ(a, b, link);
	EQ(a, b, link_netnsid);
	EQ(a, b, peer_ns);
	EQ(a, b, stats.rx_packets);
	EQ(a, b, stats.tx_packets);
	EQ(a, b, stats.rx_bytes);
	EQ(a, b, stats.tx_bytes);
	EQ(a, b, stats.rx_errors);
	EQ(a, b, stats.tx_errors);
	EQ(a, b, stats.rx_dropped);
	EQ(a, b, stats.tx_dropped);
	if (kind_is(a, "vxlan")) {
		EQ(a, b, u.vxlan.vni);
		EQ(a, b, u.vxlan.port);
		IPEQ(a, b, u.vxlan.local);
		IPEQ(a, b, u.vxlan.group);
		EQ(a, b, u.vxlan.parent_ifindex);
		EQ(a, b, u.vxlan.learning);
		EQ(a, b, u.vxlan.ttl);
	} else if (kind_is(a, "ipip") || kind_is(a, "sit")) {
		IPEQ(a, b, u.iptun.local);
		IPEQ(a, b, u.iptun.remote);
		EQ(a, b, u.iptun.ttl);
		EQ(a, b, u.iptun.pmtudisc);
		EQ(a, b, u.iptun.parent_ifindex);
	}
	EQ(a, b, forwarding);
	EQ(a, b, rp_filter);
	EQ(a, b, proxy_arp);
	EQ(a, b, proxy_delay);
	EQ(a, b, route_localnet);
	EQ(a, b, forwarding6);
	EQ(a, b, eff_rp_filter);
	EQ(a, b, eff_proxy_arp);
}

static void nexthop_eq(const struct ct_nexthop *a, const struct ct_nexthop *b)
{
	IPEQ(a, b, gw);
	EQ(a, b, oif);
	EQ(a, b, weight);
	EQ(a, b, flags);
}

static void route_eq(const struct ct_netns *na, const struct ct_route *a,
		     const struct ct_netns *nb, const struct ct_route *b)
{
	const struct ct_nexthop *ha, *hb;
	struct ct_nexthop ta, tb;

	PFXEQ(a, b, dst);
	IPEQ(a, b, src);
	EQ(a, b, table);
	EQ(a, b, priority);
	EQ(a, b, flags);
	EQ(a, b, protocol);
	EQ(a, b, scope);
	EQ(a, b, type);
	EQ(a, b, tos);
	IPEQ(a, b, gw);
	EQ(a, b, oif);
	EQ(a, b, nh_count);
	size_t ca = ct_route_nexthops(a, &ha, &ta);
	size_t cb = ct_route_nexthops(b, &hb, &tb);
	assert_int_equal(ca, cb);
	for (size_t i = 0; i < ca; i++)
		nexthop_eq(&ha[i], &hb[i]);
}

static void netns_eq(const struct ct_netns *a, const struct ct_netns *b)
{
	STREQ(a, b, name);
	STREQ(a, b, path);
	EQ(a, b, is_host);
	EQ(a, b, nsid);
	EQ(a, b, inode);
	EQ(a, b, conf.forwarding);
	EQ(a, b, conf.rp_filter);
	EQ(a, b, conf.proxy_arp);
	EQ(a, b, conf.def_rp_filter);
	EQ(a, b, conf.ip_forward);
	EQ(a, b, conf.forwarding6);

	EQ(a, b, links.n);
	for (size_t i = 0; i < a->links.n; i++)
		link_eq(&a->links.v[i], &b->links.v[i]);
	EQ(a, b, addrs.n);
	for (size_t i = 0; i < a->addrs.n; i++) {
		const struct ct_addr *x = &a->addrs.v[i], *y = &b->addrs.v[i];
		EQ(x, y, ifindex);
		PFXEQ(x, y, pfx);
		EQ(x, y, scope);
		EQ(x, y, flags);
	}
	EQ(a, b, routes.n);
	for (size_t i = 0; i < a->routes.n; i++)
		route_eq(a, &a->routes.v[i], b, &b->routes.v[i]);
	EQ(a, b, rules.n);
	for (size_t i = 0; i < a->rules.n; i++) {
		const struct ct_rule *x = &a->rules.v[i], *y = &b->rules.v[i];
		EQ(x, y, family);
		EQ(x, y, action);
		EQ(x, y, priority);
		EQ(x, y, table);
		EQ(x, y, fwmark);
		EQ(x, y, fwmask);
		EQ(x, y, has_fwmark);
		PFXEQ(x, y, src);
		PFXEQ(x, y, dst);
		STREQ(x, y, iifname);
		STREQ(x, y, oifname);
		EQ(x, y, flags);
	}
	EQ(a, b, neighs.n);
	for (size_t i = 0; i < a->neighs.n; i++) {
		const struct ct_neigh *x = &a->neighs.v[i], *y = &b->neighs.v[i];
		EQ(x, y, ifindex);
		IPEQ(x, y, dst);
		EQ(x, y, lladdr_len);
		MEMEQ(x, y, lladdr, x->lladdr_len);
		EQ(x, y, state);
		EQ(x, y, flags);
	}
	EQ(a, b, fdb.n);
	for (size_t i = 0; i < a->fdb.n; i++) {
		const struct ct_fdb *x = &a->fdb.v[i], *y = &b->fdb.v[i];
		EQ(x, y, ifindex);
		MEMEQ(x, y, mac, 6);
		IPEQ(x, y, dst);
		EQ(x, y, vni);
		EQ(x, y, state);
		EQ(x, y, flags);
		EQ(x, y, master);
	}
	EQ(a, b, neightbls.n);
	for (size_t i = 0; i < a->neightbls.n; i++) {
		const struct ct_neightbl *x = &a->neightbls.v[i], *y = &b->neightbls.v[i];
		STREQ(x, y, name);
		EQ(x, y, family);
		EQ(x, y, gc_thresh1);
		EQ(x, y, gc_thresh2);
		EQ(x, y, gc_thresh3);
		EQ(x, y, entries);
	}
	EQ(a, b, gwchecks.n);
	for (size_t i = 0; i < a->gwchecks.n; i++) {
		const struct ct_gwcheck *x = &a->gwchecks.v[i], *y = &b->gwchecks.v[i];
		EQ(x, y, iif);
		EQ(x, y, err);
		EQ(x, y, oif);
		EQ(x, y, type);
	}
}

/* Everything but source, which a load sets to the path. */
static void node_eq(const struct ct_node *a, const struct ct_node *b)
{
	STREQ(a, b, name);
	STREQ(a, b, kernel);
	EQ(a, b, taken_at);
	EQ(a, b, n_underlay);
	for (int i = 0; i < a->n_underlay; i++)
		IPEQ(a, b, underlay_ips[i]);
	EQ(a, b, has_vtep);
	IPEQ(a, b, vtep_ip);
	MEMEQ(a, b, vtep_mac, 6);
	EQ(a, b, synthetic);
	EQ(a, b, dump_intr);
	EQ(a, b, have_pods);
	assert_true((a->bgp_json == NULL) == (b->bgp_json == NULL));
	if (a->bgp_json)
		assert_string_equal(a->bgp_json, b->bgp_json);
	EQ(a, b, ns.n);
	for (size_t i = 0; i < a->ns.n; i++)
		netns_eq(&a->ns.v[i], &b->ns.v[i]);
	EQ(a, b, pods.n);
	for (size_t i = 0; i < a->pods.n; i++) {
		const struct ct_pod *x = &a->pods.v[i], *y = &b->pods.v[i];
		STREQ(x, y, ns);
		STREQ(x, y, name);
		STREQ(x, y, node);
		STREQ(x, y, phase);
		EQ(x, y, host_network);
		EQ(x, y, n_ips);
		for (int j = 0; j < x->n_ips; j++)
			IPEQ(x, y, ips[j]);
		STREQ(x, y, veth);
	}
}

/* ---- a node with every field set to something other than its default ---- */

static struct ct_link *add_link(struct ct_netns *ns, int ifindex, const char *name,
				const char *kind, uint32_t mtu)
{
	struct ct_link *l = ct_push_link(ns);
	assert_non_null(l);
	l->ifindex = ifindex;
	snprintf(l->name, sizeof(l->name), "%s", name);
	snprintf(l->kind, sizeof(l->kind), "%s", kind);
	l->flags = IFF_UP | IFF_BROADCAST | IFF_RUNNING | IFF_MULTICAST | IFF_LOWER_UP;
	l->oper = CT_OPER_UP;
	l->mtu = mtu;
	l->forwarding = 1;
	l->rp_filter = 1;
	l->proxy_arp = 0;
	l->proxy_delay = 80;
	l->route_localnet = 0;
	l->forwarding6 = 0;
	l->eff_rp_filter = 1;
	l->eff_proxy_arp = 0;
	l->stats = (struct ct_stats){ifindex * 11u, ifindex * 13u, ifindex * 1000u, ifindex * 2000u,
				     1, 2, 3, 4};
	return l;
}

static struct ct_route *add_route(struct ct_netns *ns, const char *dst, const char *gw, int oif,
				  uint8_t protocol, uint8_t scope, uint8_t type)
{
	struct ct_route *r = ct_push_route(ns);
	assert_non_null(r);
	pfx(&r->dst, dst);
	if (gw)
		ip(&r->gw, gw);
	r->oif = oif;
	r->table = RT_TABLE_MAIN;
	r->protocol = protocol;
	r->scope = scope;
	r->type = type;
	return r;
}

static void add_multipath(struct ct_netns *ns, struct ct_route *r, int n, const char *gw_prefix)
{
	struct ct_nexthop v[16];
	assert_true(n > 1 && n <= 16);
	memset(v, 0, sizeof(v));
	for (int i = 0; i < n; i++) {
		struct ct_nexthop *nh = &v[i];
		char g[64];
		snprintf(g, sizeof(g), "%s%d", gw_prefix, 10 + i);
		ip(&nh->gw, g);
		nh->oif = 2 + i;
		nh->weight = (uint8_t)(i + 1);
		nh->flags = i ? RTNH_F_ONLINK : 0;
	}
	assert_int_equal(ct_route_set_nexthops(r, v, (size_t)n), 0);
}

static void build_full(struct ct_node *n)
{
	ct_node_init(n);
	snprintf(n->name, sizeof(n->name), "k8s-master03");
	snprintf(n->kernel, sizeof(n->kernel), "6.1.0-13-amd64 #1 SMP PREEMPT_DYNAMIC");
	n->taken_at = 1795667294; /* 2026-11-26T04:28:14Z */
	ip(&n->underlay_ips[0], "192.168.31.203");
	ip(&n->underlay_ips[1], "fd00:31::203");
	n->n_underlay = 2;
	n->has_vtep = true;
	ip(&n->vtep_ip, "172.168.195.0");
	mac(n->vtep_mac, "66:2f:a0:8b:1c:d4");
	n->synthetic = true;
	snprintf(n->source, sizeof(n->source), "<buffer>");
	n->dump_intr = 2;
	n->bgp_json = strdup("{\"as\":64512,\"peers\":[{\"name\":\"Mesh_192_168_31_10\","
			     "\"state\":\"Established\",\"since\":\"1795660000\",\"rate\":0.5}]}");
	assert_non_null(n->bgp_json);

	/* host namespace */
	struct ct_netns *h = ct_node_add_ns(n);
	assert_non_null(h);
	snprintf(h->name, sizeof(h->name), "host");
	snprintf(h->path, sizeof(h->path), "/proc/1/ns/net");
	h->is_host = true;
	h->nsid = -1;
	h->inode = 4026531992u;
	h->conf = (struct ct_conf_all){1, 2, 0, 1, 1, -1, 1200, 262144};

	struct ct_link *l = add_link(h, 2, "eth0", "", 9000);
	mac(l->mac, "00:0c:29:3a:5b:7c");
	l->mac_len = 6;
	l->stats.rx_bytes = UINT64_MAX;   /* beyond int64: written as a string */
	l->stats.tx_bytes = INT64_MAX;    /* the largest plain integer */
	l->stats.rx_packets = (uint64_t)INT64_MAX + 1;
	l->proxy_delay = -1;
	l->forwarding6 = 1;

	l = add_link(h, 3, "tunl0", "ipip", 1480);
	l->flags = IFF_UP | IFF_RUNNING | IFF_NOARP | IFF_LOWER_UP;
	l->oper = CT_OPER_UNKNOWN;
	l->mac_len = 4; /* link/ipip 0.0.0.0 */
	ip(&l->u.iptun.local, "192.168.31.203");
	ip(&l->u.iptun.remote, "192.168.31.10");
	l->u.iptun.ttl = 255;
	l->u.iptun.pmtudisc = true;
	l->u.iptun.parent_ifindex = 2;

	l = add_link(h, 6, "vxlan.calico", "vxlan", 1450);
	mac(l->mac, "66:2f:a0:8b:1c:d4");
	l->mac_len = 6;
	l->u.vxlan.vni = 4096;
	l->u.vxlan.port = 4789;
	ip(&l->u.vxlan.local, "192.168.31.203");
	ip(&l->u.vxlan.group, "239.1.1.1");
	l->u.vxlan.parent_ifindex = 2;
	l->u.vxlan.learning = true;
	l->u.vxlan.ttl = 64;

	l = add_link(h, 7, "vxlan-v6.calico", "vxlan", 1430);
	l->oper = CT_OPER_DORMANT;
	ip(&l->u.vxlan.local, "fd00:31::203");
	l->u.vxlan.vni = 16777215;
	l->u.vxlan.port = 65535;

	l = add_link(h, 8, "br0", "bridge", 1500);
	l->oper = CT_OPER_NOTPRESENT;

	l = add_link(h, 14, "calic10780a64b4", "veth", 1440);
	mac(l->mac, "ee:ee:ee:ee:ee:ee");
	l->mac_len = 6;
	l->master = 8;
	l->link = 4;
	l->link_netnsid = 2;
	l->peer_ns = 1;
	l->oper = CT_OPER_LOWERLAYERDOWN;
	l->proxy_arp = 1;
	l->proxy_delay = 0;
	l->route_localnet = 1;
	l->eff_proxy_arp = 1;
	l->eff_rp_filter = 2;

	l = add_link(h, 2147483647, "wireguard.cali", "wireguard", 1440);
	l->oper = CT_OPER_TESTING;
	l->flags = 0xffffffffu;
	l->mtu = UINT32_MAX;
	l->mac_len = 1;
	l->mac[0] = 0xab;
	l->forwarding = -7; /* not -1: a number, not null */

	struct ct_addr *a = ct_push_addr(h);
	a->ifindex = 2;
	pfx(&a->pfx, "192.168.31.203/24");
	a->scope = RT_SCOPE_UNIVERSE;
	a->flags = 0x80;
	a = ct_push_addr(h);
	a->ifindex = 14;
	pfx(&a->pfx, "fe80::ecee:eeff:feee:eeee/64");
	a->scope = RT_SCOPE_LINK;
	a->flags = 0x280;
	a = ct_push_addr(h);
	a->ifindex = 3;
	pfx(&a->pfx, "172.168.195.0/32");
	a->scope = 77; /* no name: a decimal string */
	a->flags = 0xffffffffu;

	struct ct_route *r = add_route(h, "0.0.0.0/0", "192.168.31.1", 2, RTPROT_STATIC,
				       RT_SCOPE_UNIVERSE, RTN_UNICAST);
	r->priority = 100;
	r = add_route(h, "172.168.135.128/26", "192.168.31.10", 3, RTPROT_BIRD, RT_SCOPE_UNIVERSE,
		      RTN_UNICAST);
	r->flags = RTNH_F_ONLINK;
	r = add_route(h, "172.168.195.0/26", NULL, 0, RTPROT_BIRD, RT_SCOPE_UNIVERSE,
		      RTN_BLACKHOLE);
	r = add_route(h, "172.168.195.12/32", NULL, 14, RTPROT_BOOT, RT_SCOPE_LINK, RTN_UNICAST);
	ip(&r->src, "192.168.31.203");
	r->tos = 0x10;
	r->table = 4000000000u;
	r = add_route(h, "10.96.0.0/12", NULL, 0, 186, 201, 99); /* unnamed numbers */
	r->priority = UINT32_MAX;
	add_multipath(h, r, 3, "192.168.31.");
	r = add_route(h, "fd00:172:168::/48", NULL, 0, 80, RT_SCOPE_UNIVERSE, RTN_UNICAST);
	r->table = 1;
	add_multipath(h, r, 2, "fd00:31::");
	r = add_route(h, "::/0", "fe80::1", 2, RTPROT_RA, RT_SCOPE_UNIVERSE, RTN_UNICAST);
	ip(&r->src, "fd00:31::203");
	r->priority = 1024;

	struct ct_rule *ru = ct_push_rule(h);
	ru->family = AF_INET;
	ru->action = FR_ACT_TO_TBL;
	ru->priority = 99;
	ru->table = 1;
	ru->fwmark = 0x100000;
	ru->fwmask = 0x100000;
	ru->has_fwmark = true;
	pfx(&ru->src, "172.168.0.0/16");
	pfx(&ru->dst, "10.0.0.0/8");
	snprintf(ru->iifname, sizeof(ru->iifname), "cali+");
	snprintf(ru->oifname, sizeof(ru->oifname), "wireguard.cali");
	ru->flags = FIB_RULE_INVERT;
	ru = ct_push_rule(h);
	ru->family = AF_INET6;
	ru->action = FR_ACT_BLACKHOLE;
	ru->priority = 32766;
	ru->table = 254;
	pfx(&ru->dst, "::/0");

	struct ct_neigh *nb = ct_push_neigh(h);
	nb->ifindex = 2;
	ip(&nb->dst, "192.168.31.1");
	mac(nb->lladdr, "28:6c:07:5e:91:a2");
	nb->lladdr_len = 6;
	nb->state = NUD_REACHABLE;
	nb->flags = NTF_ROUTER;
	nb = ct_push_neigh(h);
	nb->ifindex = 3;
	ip(&nb->dst, "172.168.135.128");
	memcpy(nb->lladdr, "\xc0\xa8\x1f\x0a", 4); /* an ipip neighbour's lladdr is 4 bytes */
	nb->lladdr_len = 4;
	nb->state = NUD_PERMANENT | NUD_NOARP;
	nb = ct_push_neigh(h);
	nb->ifindex = 14;
	ip(&nb->dst, "fd00::12");
	nb->state = NUD_FAILED;
	nb->flags = NTF_PROXY;

	struct ct_fdb *fd = ct_push_fdb(h);
	fd->ifindex = 6;
	mac(fd->mac, "66:8a:21:f3:0e:5b");
	ip(&fd->dst, "fd00:31::10");
	fd->vni = 4096;
	fd->state = NUD_PERMANENT;
	fd->flags = NTF_SELF;
	fd->master = 8;

	struct ct_neightbl *t = ct_push_neightbl(h);
	snprintf(t->name, sizeof(t->name), "arp_cache");
	t->family = AF_INET;
	t->gc_thresh1 = 128;
	t->gc_thresh2 = 512;
	t->gc_thresh3 = 1024;
	t->entries = 1023;
	t = ct_push_neightbl(h);
	snprintf(t->name, sizeof(t->name), "ndisc_cache");
	t->family = AF_INET6;
	t->gc_thresh1 = UINT32_MAX;
	t->entries = 3;

	struct ct_gwcheck *g = ct_push_gwcheck(h);
	g->iif = 14;
	g->err = 0;
	g->oif = 2;
	g->type = RTN_UNICAST;
	g = ct_push_gwcheck(h);
	g->iif = 14;
	g->err = 22; /* EINVAL */
	g->oif = 0;
	g->type = RTN_BLACKHOLE;

	/* a pod namespace */
	struct ct_netns *p = ct_node_add_ns(n);
	assert_non_null(p);
	snprintf(p->name, sizeof(p->name), "cni-\xc3\xbc-%s", "4f1b9d2e"); /* UTF-8 passes through */
	snprintf(p->path, sizeof(p->path), "/var/run/netns/%s", p->name);
	p->nsid = 2;
	p->inode = UINT64_MAX;
	p->conf = (struct ct_conf_all){0, 0, 0, 0, 0, 0, -1, -1};
	l = add_link(p, 4, "eth0", "veth", 1440);
	mac(l->mac, "6a:3d:1f:92:c4:08");
	l->mac_len = 6;
	l->link = 14;
	l->link_netnsid = 0;
	l->peer_ns = 0;
	r = add_route(p, "169.254.1.1/32", NULL, 4, RTPROT_BOOT, RT_SCOPE_LINK, RTN_UNICAST);
	r = add_route(p, "0.0.0.0/0", "169.254.1.1", 4, RTPROT_BOOT, RT_SCOPE_UNIVERSE,
		      RTN_UNICAST);

	n->have_pods = true;
	struct ct_pod *pod = ct_push_pod(n);
	snprintf(pod->ns, sizeof(pod->ns), "default");
	snprintf(pod->name, sizeof(pod->name), "nginx-deployment-8575f5d999-xblpd");
	snprintf(pod->node, sizeof(pod->node), "k8s-master03");
	snprintf(pod->phase, sizeof(pod->phase), "Running");
	ip(&pod->ips[0], "172.168.195.12");
	ip(&pod->ips[1], "fd00:172:168::c");
	ip(&pod->ips[2], "172.168.195.13");
	ip(&pod->ips[3], "fd00:172:168::d");
	pod->n_ips = 4;
	snprintf(pod->veth, sizeof(pod->veth), "calic10780a64b4");
	pod = ct_push_pod(n);
	snprintf(pod->ns, sizeof(pod->ns), "kube-system");
	snprintf(pod->name, sizeof(pod->name), "calico-node-7xk2p");
	snprintf(pod->node, sizeof(pod->node), "k8s-master03");
	snprintf(pod->phase, sizeof(pod->phase), "Pending");
	pod->host_network = true;
}

/* ---- round trip ---- */

static void test_roundtrip_full(void **state)
{
	struct ct_node a, b;
	struct ct_err err = {0};
	size_t len, len2;

	build_full(&a);
	char *buf = write_mem(&a, &len);
	if (ct_snapshot_load_buf(&b, buf, len, &err))
		fail_msg("load failed: %s", err.msg);
	node_eq(&a, &b);
	assert_string_equal(b.source, "<buffer>");
	/* the index is built: lookups by ifindex work without a rebuild */
	assert_non_null(b.ns.v[0].link_ix.slot);
	assert_string_equal(ct_link_by_ifindex(&b.ns.v[0], 2147483647)->name, "wireguard.cali");

	/* stable: writing what was loaded gives the same bytes */
	char *buf2 = write_mem(&b, &len2);
	assert_int_equal(len, len2);
	assert_memory_equal(buf, buf2, len);

	/* independent reading of the output: jansson sees the documented shape */
	json_error_t je;
	json_t *root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
	assert_non_null(root);
	json_t *eth0 = json_array_get(
		json_object_get(json_array_get(json_object_get(root, "netns"), 0), "links"), 0);
	json_t *st = json_object_get(eth0, "stats");
	assert_string_equal(json_string_value(json_object_get(st, "rx_bytes")),
			    "18446744073709551615");
	assert_int_equal(json_integer_value(json_object_get(st, "tx_bytes")), INT64_MAX);
	assert_true(json_is_null(json_object_get(eth0, "proxy_delay")));
	assert_string_equal(json_string_value(json_object_get(json_object_get(root, "node"),
							      "taken_at")),
			    "2026-11-26T04:28:14Z");
	assert_int_equal(json_array_size(json_object_get(root, "items")), 0);
	assert_int_equal(json_array_size(json_object_get(root, "findings")), 0);
	json_decref(root);

	free(buf);
	free(buf2);
	ct_node_free(&a);
	ct_node_free(&b);
}

/* the writer streams one item a line: no line holds more than one item */
static void test_write_layout(void **state)
{
	struct ct_node a;
	size_t len, lines = 0, longest = 0, cur = 0, items = 0;
	build_full(&a);
	for (size_t i = 0; i < a.ns.n; i++) {
		const struct ct_netns *ns = &a.ns.v[i];
		items += 1 + ns->links.n + ns->addrs.n + ns->routes.n + ns->rules.n +
			 ns->neighs.n + ns->fdb.n + ns->neightbls.n + ns->gwchecks.n;
	}
	items += a.pods.n;
	char *buf = write_mem(&a, &len);
	for (size_t i = 0; i < len; i++) {
		if (buf[i] == '\n') {
			lines++;
			longest = cur > longest ? cur : longest;
			cur = 0;
		} else {
			cur++;
		}
	}
	assert_true(lines > items);
	assert_true(longest < 700); /* the longest item, a link, is about 600 bytes */
	free(buf);
	ct_node_free(&a);
}

static void test_roundtrip_file(void **state)
{
	struct ct_node a, b;
	struct ct_err err = {0};
	char path[] = "/tmp/caltrace-snap-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	FILE *f = fdopen(fd, "w");
	build_full(&a);
	assert_int_equal(ct_snapshot_write(&a, f, &err), 0);
	fclose(f);
	if (ct_snapshot_load(&b, path, &err))
		fail_msg("%s", err.msg);
	node_eq(&a, &b);
	assert_string_equal(b.source, path);
	unlink(path);
	ct_node_free(&a);
	ct_node_free(&b);
}

/* a model the writer cannot trust: out-of-range values still give a loadable file */
static void test_write_clamps(void **state)
{
	struct ct_node a, b;
	struct ct_err err = {0};
	size_t len;

	ct_node_init(&a);
	a.n_underlay = 99;
	struct ct_netns *ns = ct_node_add_ns(&a);
	struct ct_link *l = add_link(ns, 5, "x", "veth", 1500);
	memset(l->name, 'a', sizeof(l->name)); /* no terminating NUL */
	l->oper = (enum ct_oper)42;
	l->peer_ns = 7;
	l->mac_len = 200;
	l = add_link(ns, 6, "cali\xff\xfe", "", 1500); /* not UTF-8 */
	struct ct_route *r = add_route(ns, "10.0.0.0/8", NULL, 0, 0, 0, 1);
	/* a count without next hops: single path, as ct_route_nexthops says */
	r->nh_count = 3;
	a.have_pods = true;
	ct_push_pod(&a)->n_ips = -3;
	ct_push_pod(&a)->n_ips = 12;

	char *buf = write_mem(&a, &len);
	if (ct_snapshot_load_buf(&b, buf, len, &err))
		fail_msg("%s\n%s", err.msg, buf);
	assert_int_equal(b.n_underlay, 8);
	assert_string_equal(b.ns.v[0].links.v[0].name, "aaaaaaaaaaaaaaa");
	assert_int_equal(b.ns.v[0].links.v[0].oper, CT_OPER_UNKNOWN);
	assert_int_equal(b.ns.v[0].links.v[0].peer_ns, -1);
	assert_int_equal(b.ns.v[0].links.v[0].mac_len, 6);
	/* not UTF-8: written by model/esc.h's JSON rule, read back as the same bytes */
	assert_non_null(strstr(buf, "\"name\":\"cali\\\\xff\\\\xfe\""));
	assert_string_equal(b.ns.v[0].links.v[1].name, "cali\xff\xfe");
	assert_int_equal(b.ns.v[0].routes.v[0].nh_count, 0);
	assert_int_equal(b.pods.v[0].n_ips, 0);
	assert_int_equal(b.pods.v[1].n_ips, 4);
	free(buf);
	ct_node_free(&a);
	ct_node_free(&b);
}

static void test_write_errors(void **state)
{
	struct ct_node a;
	struct ct_err err = {0};

	build_full(&a);
	FILE *f = fopen("/dev/full", "w");
	if (f) {
		assert_int_equal(ct_snapshot_write(&a, f, &err), -1);
		assert_int_equal(err.exit_code, CT_EXIT_GATHER);
		assert_non_null(strstr(err.msg, "No space left on device"));
		fclose(f);
	}

	free(a.bgp_json);
	a.bgp_json = strdup("{\"peers\":[1,2");
	char *buf = NULL;
	size_t len = 0;
	f = open_memstream(&buf, &len);
	memset(&err, 0, sizeof(err));
	assert_int_equal(ct_snapshot_write(&a, f, &err), -1);
	fclose(f);
	assert_int_equal(err.exit_code, CT_EXIT_GATHER);
	assert_non_null(strstr(err.msg, "bgp data is not valid JSON"));
	assert_int_equal(len, 0); /* nothing half-written */
	free(buf);

	struct ct_node empty;
	ct_node_init(&empty);
	buf = NULL;
	f = open_memstream(&buf, &len);
	memset(&err, 0, sizeof(err));
	assert_int_equal(ct_snapshot_write(&empty, f, &err), -1);
	fclose(f);
	assert_string_equal(err.msg, "cannot write snapshot: the node has no network namespace");
	assert_int_equal(len, 0);
	free(buf);
	ct_node_free(&a);
}

/* glibc's gmtime_r is the oracle for dates from year 1000; load inverts. */
static void test_times(void **state)
{
	static const int64_t fixed[] = {0, -1, 951868799, 951868800, 1795667294,
					-62167219200LL, 253402300799LL, -30610224000LL,
					4102444800LL, 68169600, -86400, -86401};
	struct ct_node a, b;
	struct ct_err err = {0};
	size_t len;

	ct_node_init(&a);
	ct_node_add_ns(&a);
	for (int i = 0; i < 3000; i++) {
		int64_t t = i < 12 ? fixed[i]
				   : -62167219200LL + (int64_t)((uint64_t)i * 2654435761u *
								104729u % 315569520000ULL);
		a.taken_at = t;
		char *buf = write_mem(&a, &len);
		json_t *root = json_loadb(buf, len, 0, NULL);
		assert_non_null(root);
		const char *s = json_string_value(
			json_object_get(json_object_get(root, "node"), "taken_at"));
		assert_non_null(s);
		time_t tt = (time_t)t;
		struct tm tm;
		char want[64];
		assert_non_null(gmtime_r(&tt, &tm));
		if (tm.tm_year + 1900 >= 1000) {
			strftime(want, sizeof(want), "%Y-%m-%dT%H:%M:%SZ", &tm);
			if (strcmp(s, want))
				fail_msg("t=%lld: '%s' != '%s'", (long long)t, s, want);
		}
		if (ct_snapshot_load_buf(&b, buf, len, &err))
			fail_msg("t=%lld: %s", (long long)t, err.msg);
		assert_int_equal(b.taken_at, t);
		ct_node_free(&b);
		json_decref(root);
		free(buf);
	}
	/* outside RFC 3339's years: null, read back as 0 */
	a.taken_at = 253402300800LL;
	char *buf = write_mem(&a, &len);
	assert_non_null(strstr(buf, "\"taken_at\":null"));
	assert_int_equal(ct_snapshot_load_buf(&b, buf, len, &err), 0);
	assert_int_equal(b.taken_at, 0);
	ct_node_free(&b);
	free(buf);
	ct_node_free(&a);
}

/* ---- fixtures ---- */

static struct ct_node load_ok(const char *name)
{
	struct ct_node n;
	struct ct_err err = {0};
	if (ct_snapshot_load(&n, fixture(name), &err))
		fail_msg("%s: %s", name, err.msg);
	assert_int_equal(err.exit_code, 0);
	assert_string_equal(n.source, fixture(name));
	return n;
}

static const struct ct_route *find_route(const struct ct_netns *ns, uint32_t table,
					 const char *dst)
{
	struct ct_prefix p;
	pfx(&p, dst);
	for (size_t i = 0; i < ns->routes.n; i++) {
		const struct ct_route *r = &ns->routes.v[i];
		if (r->table == table && r->dst.len == p.len && ct_ip_eq(&r->dst.ip, &p.ip))
			return r;
	}
	fail_msg("no route %s in table %u", dst, table);
	return NULL;
}

static void assert_ip(const struct ct_ip *a, const char *s)
{
	char buf[64];
	assert_string_equal(ct_ip_fmt(a, buf, sizeof(buf)), s);
}

/* values from the notes the fixture was written from (reference/000_...) */
static void test_fixture_ipip(void **state)
{
	struct ct_node n = load_ok("ipip-node.json");
	assert_true(n.synthetic);
	assert_string_equal(n.name, "k8s-master03");
	assert_int_equal(n.taken_at, 1795667294);
	assert_int_equal(n.ns.n, 2);
	assert_true(n.have_pods);
	assert_null(n.bgp_json);
	const struct ct_netns *h = &n.ns.v[0], *p = &n.ns.v[1];
	assert_true(h->is_host);

	const struct ct_link *eth0 = ct_link_by_name(h, "eth0");
	const struct ct_link *tunl0 = ct_link_by_name(h, "tunl0");
	const struct ct_link *cali = ct_link_by_name(h, "calic10780a64b4");
	assert_non_null(eth0);
	assert_non_null(tunl0);
	assert_non_null(cali);
	assert_int_equal(eth0->mtu, 1500);
	assert_string_equal(tunl0->kind, "ipip");
	assert_int_equal(tunl0->mtu, 1480);
	assert_int_equal(tunl0->mac_len, 0);
	assert_ip(&tunl0->u.iptun.local, "0.0.0.0");
	assert_false(tunl0->u.iptun.pmtudisc);
	assert_int_equal(cali->mac_len, 6);
	assert_memory_equal(cali->mac, "\xee\xee\xee\xee\xee\xee", 6);
	assert_int_equal(cali->proxy_arp, 1);
	assert_int_equal(cali->rp_filter, 1);
	assert_int_equal(cali->forwarding, 1);
	assert_int_equal(cali->oper, CT_OPER_UP);
	assert_int_equal(cali->peer_ns, 1);
	assert_ptr_equal(ct_link_by_ifindex(h, cali->ifindex), cali);

	const struct ct_route *r = find_route(h, RT_TABLE_MAIN, "172.168.135.128/26");
	assert_ip(&r->gw, "192.168.31.10");
	assert_int_equal(r->oif, tunl0->ifindex);
	assert_int_equal(r->protocol, RTPROT_BIRD);
	assert_true(r->flags & RTNH_F_ONLINK);
	r = find_route(h, RT_TABLE_MAIN, "172.168.195.12/32");
	assert_int_equal(r->oif, cali->ifindex);
	assert_int_equal(r->protocol, RTPROT_BOOT);
	assert_int_equal(r->scope, RT_SCOPE_LINK);
	r = find_route(h, RT_TABLE_MAIN, "172.168.195.0/26");
	assert_int_equal(r->type, RTN_BLACKHOLE);
	assert_int_equal(r->protocol, RTPROT_BIRD);
	r = find_route(h, RT_TABLE_MAIN, "0.0.0.0/0");
	assert_ip(&r->gw, "192.168.31.1");
	assert_int_equal(r->oif, eth0->ifindex);

	assert_int_equal(h->neightbls.n, 2);
	assert_int_equal(h->neightbls.v[0].gc_thresh1, 128);
	assert_int_equal(h->neightbls.v[0].gc_thresh2, 512);
	assert_int_equal(h->neightbls.v[0].gc_thresh3, 1024);
	assert_int_equal(h->gwchecks.n, 3);
	for (size_t i = 0; i < h->gwchecks.n; i++) {
		assert_int_equal(h->gwchecks.v[i].err, 0);
		assert_int_equal(h->gwchecks.v[i].oif, eth0->ifindex);
		assert_true(strncmp(ct_link_by_ifindex(h, h->gwchecks.v[i].iif)->name, "cali", 4) ==
			    0);
	}

	/* the pod side: peer of calic10780a64b4 */
	const struct ct_link *peth0 = ct_link_by_ifindex(p, cali->link);
	assert_non_null(peth0);
	assert_string_equal(peth0->name, "eth0");
	assert_int_equal(peth0->peer_ns, 0);
	assert_int_equal(peth0->link, cali->ifindex);
	const struct ct_link *ptun = ct_link_by_name(p, "tunl0");
	assert_int_equal(ptun->oper, CT_OPER_DOWN);
	assert_false(ptun->flags & IFF_UP);
	r = find_route(p, RT_TABLE_MAIN, "169.254.1.1/32");
	assert_int_equal(r->scope, RT_SCOPE_LINK);
	r = find_route(p, RT_TABLE_MAIN, "0.0.0.0/0");
	assert_ip(&r->gw, "169.254.1.1");
	assert_int_equal(p->neighs.n, 1);
	assert_ip(&p->neighs.v[0].dst, "169.254.1.1");
	assert_int_equal(p->neighs.v[0].state, NUD_REACHABLE);
	assert_memory_equal(p->neighs.v[0].lladdr, "\xee\xee\xee\xee\xee\xee", 6);

	char veth[CT_IFNAMSIZ];
	const struct ct_pod *pod = &n.pods.v[2];
	assert_int_equal(ct_veth_name("cali", pod->ns, pod->name, veth, sizeof(veth)), 0);
	assert_string_equal(veth, "calic10780a64b4"); /* as in the notes */
	assert_string_equal(pod->veth, veth);
	assert_ip(&pod->ips[0], "172.168.195.12");
	ct_node_free(&n);
}

static void test_fixture_wireguard(void **state)
{
	struct ct_node n = load_ok("wireguard-node.json");
	const struct ct_netns *h = &n.ns.v[0];
	assert_false(n.have_pods);
	assert_int_equal(n.ns.n, 1);
	const struct ct_link *wg = ct_link_by_name(h, "wireguard.cali");
	assert_non_null(wg);
	assert_string_equal(wg->kind, "wireguard");
	assert_int_equal(wg->mtu, 1440);
	const struct ct_rule *ru = NULL;
	for (size_t i = 0; i < h->rules.n; i++)
		if (h->rules.v[i].priority == 99)
			ru = &h->rules.v[i];
	assert_non_null(ru);
	assert_true(ru->has_fwmark);
	assert_int_equal(ru->fwmark, 0x100000);
	assert_int_equal(ru->fwmask, 0x100000);
	assert_true(ru->flags & FIB_RULE_INVERT);
	assert_int_equal(ru->table, 1);
	assert_int_equal(ru->action, FR_ACT_TO_TBL);
	const struct ct_route *r = find_route(h, 1, "172.168.135.128/26");
	assert_int_equal(r->oif, wg->ifindex);
	r = find_route(h, 1, "172.168.195.0/26");
	assert_int_equal(r->oif, wg->ifindex);
	assert_int_equal(r->protocol, 80);
	ct_node_free(&n);
}

static void test_fixture_ipv6(void **state)
{
	struct ct_node n = load_ok("ipv6-node.json");
	const struct ct_netns *h = &n.ns.v[0], *p = &n.ns.v[1];
	const struct ct_link *vx6 = ct_link_by_name(h, "vxlan-v6.calico");
	assert_non_null(vx6);
	assert_string_equal(vx6->kind, "vxlan");
	assert_int_equal(vx6->u.vxlan.vni, 4096);
	assert_int_equal(vx6->u.vxlan.port, 4789);
	assert_int_equal(vx6->u.vxlan.local.family, AF_INET6);
	assert_false(vx6->u.vxlan.learning);
	assert_true(n.has_vtep);
	const struct ct_route *r = find_route(h, RT_TABLE_MAIN, "fd00:172:168:4a:1b2c:3d4e:5f60:7a82/128");
	assert_true(strncmp(ct_link_by_ifindex(h, r->oif)->name, "cali", 4) == 0);
	r = find_route(h, RT_TABLE_MAIN, "fd00:172:168:4a:1b2c:3d4e:5f60:8cc0/122");
	assert_int_equal(r->oif, vx6->ifindex);
	r = find_route(p, RT_TABLE_MAIN, "::/0");
	assert_ip(&r->gw, "fe80::ecee:eeff:feee:eeee");
	int found = 0;
	for (size_t i = 0; i < p->neighs.n; i++) {
		char b[64];
		if (strcmp(ct_ip_fmt(&p->neighs.v[i].dst, b, sizeof(b)),
			   "fe80::ecee:eeff:feee:eeee") == 0) {
			found = 1;
			assert_memory_equal(p->neighs.v[i].lladdr, "\xee\xee\xee\xee\xee\xee", 6);
		}
	}
	assert_true(found);
	assert_int_equal(n.pods.v[0].n_ips, 2);
	ct_node_free(&n);
}

/* The writer reproduces each hand-written fixture (as JSON values, but source). */
static void check_canonical(const char *name)
{
	struct ct_node n = load_ok(name);
	size_t len;
	char *buf = write_mem(&n, &len);
	json_t *got = json_loadb(buf, len, JSON_REJECT_DUPLICATES, NULL);
	json_t *want = json_load_file(fixture(name), JSON_REJECT_DUPLICATES, NULL);
	assert_non_null(got);
	assert_non_null(want);
	json_object_del(json_object_get(got, "node"), "source");
	json_object_del(json_object_get(want, "node"), "source");
	if (!json_equal(got, want)) {
		char *g = json_dumps(got, JSON_INDENT(1) | JSON_SORT_KEYS);
		fail_msg("%s: written snapshot differs from the fixture:\n%s", name, g);
	}
	json_decref(got);
	json_decref(want);
	free(buf);
	ct_node_free(&n);
}

static void test_fixtures_canonical(void **state)
{
	check_canonical("ipip-node.json");
	check_canonical("wireguard-node.json");
	check_canonical("ipv6-node.json");
}

/* ---- bad snapshots ---- */

static void load_bad(const char *name, const char *want)
{
	struct ct_node n;
	struct ct_err err = {0};
	char start[600];
	const char *path = fixture(name);
	assert_int_equal(ct_snapshot_load(&n, path, &err), -1);
	assert_int_equal(err.exit_code, CT_EXIT_GATHER);
	snprintf(start, sizeof(start), "snapshot '%s'", path);
	if (strncmp(err.msg, start, strlen(start)) != 0 || !strstr(err.msg, want))
		fail_msg("%s: got '%s', want '%s' ... '%s'", name, err.msg, start, want);
	assert_null(strchr(err.msg, '\n'));
	assert_int_equal(n.ns.n, 0);
	assert_null(n.ns.v);
	ct_node_free(&n);
}

static void test_bad_fixtures(void **state)
{
	char want[600];
	snprintf(want, sizeof(want),
		 "snapshot '%s' has schema_version '2.0'; this caltrace reads 1.x (upgrade caltrace)",
		 fixture("bad/wrong-major.json"));
	load_bad("bad/wrong-major.json", want);
	load_bad("bad/truncated.json", "not valid JSON at line 27, column");
	load_bad("bad/truncated.json", "(is the file truncated?)");
	load_bad("bad/wrong-types.json", "': netns[0].links[3].mtu: expected an integer");
	load_bad("bad/overlong-name.json",
		 "': netns[0].links[5].name: interface name 'calic10780a64b4f0' is longer than 15");
	load_bad("bad/not-json.txt", "not valid JSON at line 1, column");
}

static void test_missing_file(void **state)
{
	struct ct_node n;
	struct ct_err err = {0};
	assert_int_equal(ct_snapshot_load(&n, "tests/fixtures/no-such.json", &err), -1);
	assert_int_equal(err.exit_code, CT_EXIT_GATHER);
	assert_string_equal(err.msg, "cannot open snapshot 'tests/fixtures/no-such.json': No such "
				     "file or directory");
	memset(&err, 0, sizeof(err));
	assert_int_equal(ct_snapshot_load(&n, fixture("bad"), &err), -1);
	assert_int_equal(err.exit_code, CT_EXIT_GATHER);
	assert_non_null(strstr(err.msg, "Is a directory"));
	ct_node_free(&n);
}

/* Load every prefix: each fails cleanly or succeeds, never crashes (ASan in CI). */
static void test_truncation_loop(void **state)
{
	size_t len;
	char *doc = slurp(fixture("ipv6-node.json"), &len);
	size_t last = len;
	while (last > 0 && doc[last - 1] != '}')
		last--;
	for (size_t i = 0; i <= len; i++) {
		struct ct_node n;
		struct ct_err err = {0};
		char *cut = malloc(i ? i : 1); /* exact size: ASan sees any overread */
		memcpy(cut, doc, i);
		int rc = ct_snapshot_load_buf(&n, cut, i, &err);
		if (i < last) {
			assert_int_equal(rc, -1);
			assert_int_equal(err.exit_code, CT_EXIT_GATHER);
			assert_true(strncmp(err.msg, "snapshot '<buffer>': ", 21) == 0);
			assert_int_equal(n.ns.n, 0);
		} else {
			assert_int_equal(rc, 0);
		}
		ct_node_free(&n);
		free(cut);
	}
	free(doc);
}

/* ---- one change to a good document, and the message it must give ---- */

struct mutation {
	const char *at;    /* object: dot path of keys and indices from the root */
	const char *key;   /* member to set (or delete) */
	const char *value; /* JSON text, or NULL to delete the member */
	const char *want;  /* substring of the message; NULL when the load must succeed */
};

static json_t *walk(json_t *j, const char *path)
{
	char buf[256], *save = NULL;
	snprintf(buf, sizeof(buf), "%s", path);
	for (char *t = strtok_r(buf, ".", &save); t; t = strtok_r(NULL, ".", &save))
		j = json_is_array(j) ? json_array_get(j, strtoul(t, NULL, 10)) : json_object_get(j, t);
	assert_non_null(j);
	return j;
}

static const struct mutation mutations[] = {
	{"netns.0.links.3", "mtu", "\"x\"", "': netns[0].links[3].mtu: expected an integer"},
	{"netns.0", "links", "{}", "netns[0].links: expected an array"},
	{"netns.0.addresses.1", "address", "\"192.168.31.300/24\"",
	 "netns[0].addresses[1].address: expected an address/length prefix, got '192.168.31.300/24'"},
	{"netns.0.addresses.1", "address", "\"192.168.31.3/+24\"", "netns[0].addresses[1].address"},
	{"netns.0.addresses.1", "address", "\"192.168.31.3/33\"", "netns[0].addresses[1].address"},
	{"netns.0.links.0", "ifindex", "0",
	 "netns[0].links[0].ifindex: expected an integer from 1 to 2147483647, got 0"},
	{"netns.0.links.0", "ifindex", "2147483648", "netns[0].links[0].ifindex"},
	{"netns.0.links.0", "ifindex", "1.0", "netns[0].links[0].ifindex: expected an integer"},
	{"netns.0.links.1", "ifindex", "1", "netns[0].links[1].ifindex: duplicate ifindex 1"},
	{"netns.0.links.2", "name", "\"tunl0-long-name-x\"",
	 "netns[0].links[2].name: interface name 'tunl0-long-name-x' is longer than 15 bytes"},
	{"netns.0.links.1", "name", "\"eth/0\"", "netns[0].links[1].name: 'eth/0' is not a valid"},
	{"netns.0.links.1", "name", "\"\"", "netns[0].links[1].name: empty interface name"},
	{"netns.0.links.1", "name", "\"..\"", "netns[0].links[1].name"},
	{"netns.0.links.1", "kind", "\"a-kind-longer-than-15\"",
	 "netns[0].links[1].kind: longer than 15 bytes (21)"},
	{"netns.0.links.1", "name", "\"e\\u001b[31mth-long-name\"",
	 "interface name 'e\\x1b[31mth-long-name' is longer"},
	/* the JSON rule of model/esc.h: only what its writer writes is read */
	{"netns.0.links.1", "name", "\"eth\\\\q\"",
	 "netns[0].links[1].name: 'eth\\\\q': a backslash that is not"},
	{"netns.0.links.1", "name", "\"eth\\\\\"", "netns[0].links[1].name: 'eth\\\\': a backslash"},
	{"netns.0.links.1", "name", "\"eth\\\\x41\"", "\\\\xNN of a byte that is valid UTF-8"},
	{"netns.0.links.1", "name", "\"eth\\\\xFA\"", "a backslash that is not"},
	{"netns.0.links.1", "name",
	 "\"\\\\xfa\\\\xfa\\\\xfa\\\\xfa\\\\xfa\\\\xfa\\\\xfa\\\\xfa"
	 "\\\\xfa\\\\xfa\\\\xfa\\\\xfa\\\\xfa\\\\xfa\\\\xfa\\\\xfa\"",
	 "interface name '\\xfa\\xfa\\xfa"},
	{"netns.0.links.5", "peer_ns", "2",
	 "netns[0].links[5].peer_ns: expected an integer from 0 to 1, got 2"},
	{"netns.0.links.5", "peer_ns", "-1", "netns[0].links[5].peer_ns"},
	{"netns.0.links.1", "state", "\"sideways\"",
	 "netns[0].links[1].state: unknown value 'sideways'"},
	{"netns.0.links.1", "state", "7", "netns[0].links[1].state: expected a value from 0 to 6"},
	{"netns.0.links.1", "state", "true", "netns[0].links[1].state: expected a name or a number"},
	{"netns.0.links.1", "mac", "\"00:0c:29:3a:5b:7c:11\"", "netns[0].links[1].mac: expected a"},
	{"netns.0.links.1", "mac", "\"00:0c:29:3a:5b:7g\"", "netns[0].links[1].mac"},
	/* a bad first digit: hexval's -1 was shifted left (UBSan under make asan) */
	{"netns.0.links.1", "mac", "\"g0:0c:29:3a:5b:7c\"", "netns[0].links[1].mac: expected a"},
	{"netns.0.links.1", "mac", "\"00:0c:29:3a:5b:z0\"", "netns[0].links[1].mac: expected a"},
	{"netns.0.links.1", "mac", "\"00-0c-29-3a-5b-7c\"", "netns[0].links[1].mac"},
	{"netns.0.links.1", "mac", "\"0:0c:29:3a:5b:7c\"", "netns[0].links[1].mac"},
	{"netns.0.links.1", "mac", "\"\"", "netns[0].links[1].mac"},
	{"netns.0.links.1", "mac", "5", "netns[0].links[1].mac: expected a string or null"},
	{"netns.0.links.1", "master", "-1", "netns[0].links[1].master"},
	{"netns.0.links.1", "forwarding", "\"1\"",
	 "netns[0].links[1].forwarding: expected an integer or null"},
	{"netns.0.links.1", "forwarding", "4294967296", "netns[0].links[1].forwarding"},
	{"netns.0.links.1", "stats", "[]", "netns[0].links[1].stats: expected an object"},
	{"netns.0.links.1.stats", "rx_bytes", "-1",
	 "netns[0].links[1].stats.rx_bytes: expected an unsigned 64-bit integer"},
	{"netns.0.links.1.stats", "rx_bytes", "\"18446744073709551616\"",
	 "netns[0].links[1].stats.rx_bytes"},
	{"netns.0.links.1.stats", "rx_bytes", "\"+1\"", "netns[0].links[1].stats.rx_bytes"},
	{"netns.0.links.1.stats", "tx_dropped", NULL, "netns[0].links[1].stats.tx_dropped: missing"},
	{"netns.0.links.2", "iptun", "5", "netns[0].links[2].iptun: expected an object or null"},
	{"netns.0.links.2.iptun", "ttl", "256",
	 "netns[0].links[2].iptun.ttl: expected an integer from 0 to 255, got 256"},
	{"netns.0.links.2.iptun", "local", "\"any\"",
	 "netns[0].links[2].iptun.local: expected an IP address, got 'any'"},
	{"netns.0.routes.0", "family", "\"inet6\"",
	 "netns[0].routes[0].dst: the address is not of the route's family"},
	{"netns.0.routes.0", "family", "\"bridge\"",
	 "netns[0].routes[0].family: expected \"inet\" or \"inet6\", got 'bridge'"},
	{"netns.0.routes.0", "protocol", "\"ospf3\"",
	 "netns[0].routes[0].protocol: unknown value 'ospf3'"},
	{"netns.0.routes.0", "protocol", "\"300\"", "netns[0].routes[0].protocol"},
	{"netns.0.routes.0", "table", "-1", "netns[0].routes[0].table"},
	{"netns.0.routes.0", "gateway", "\"192.168.31\"", "netns[0].routes[0].gateway"},
	{"netns.0.routes.0", "nexthops", "[{\"gateway\":null,\"oif\":2,\"weight\":1,\"flags\":0}]",
	 "netns[0].routes[0].nexthops: a multipath route has 2 to 65535 nexthops, not 1"},
	{"netns.0.routes.0", "nexthops",
	 "[{\"gateway\":null,\"oif\":2,\"weight\":1,\"flags\":0},{\"gateway\":null,\"oif\":-2,"
	 "\"weight\":1,\"flags\":0}]",
	 "netns[0].routes[0].nexthops[1].oif"},
	{"netns.0.routes.0", "nexthops", "[1,2]", "netns[0].routes[0].nexthops[0]: expected an object"},
	{"netns.0.rules.0", "iifname", "\"calic10780a64b4xx\"", "netns[0].rules[0].iifname"},
	{"netns.0.rules.0", "src", "\"10.0.0.0/8/8\"", "netns[0].rules[0].src"},
	{"netns.0.neighbours.0", "lladdr", "\"not-a-mac\"",
	 "netns[0].neighbours[0].lladdr: expected a link-layer address"},
	{"netns.0.neighbours.0", "dst", "5", "netns[0].neighbours[0].dst: expected a string or null"},
	{"netns.0.neighbours.0", "state", "65536", "netns[0].neighbours[0].state"},
	{"netns.0.fdb.0", "mac", "\"33:33:00:00:01\"",
	 "netns[0].fdb[0].mac: expected a MAC address like aa:bb:cc:dd:ee:ff, got '33:33:00:00:01'"},
	{"netns.0.neigh_tables.0", "name", "\"a_very_long_cache\"", "netns[0].neigh_tables[0].name"},
	{"netns.0.gw_checks.0", "err", "-22", "netns[0].gw_checks[0].err"},
	{"netns.0.gw_checks.0", "iif", "0", "netns[0].gw_checks[0].iif"},
	{"netns.0", "conf", "null", "netns[0].conf: expected an object"},
	{"netns.0.conf", "ip_forward", NULL, "netns[0].conf.ip_forward: missing"},
	{"netns.0", "inode", "-5", "netns[0].inode: expected an unsigned 64-bit integer"},
	{"netns.1", "name", NULL, "netns[1].name: missing"},
	{"node", "taken_at", "\"2026-02-29T00:00:00Z\"",
	 "node.taken_at: expected an RFC 3339 time like 2026-11-26T04:28:14Z, got '2026-02-29"},
	{"node", "taken_at", "\"2026-11-26 04:28:14Z\"", "node.taken_at"},
	{"node", "taken_at", "\"2026-11-26T24:00:00Z\"", "node.taken_at"},
	{"node", "taken_at", "\"+026-11-26T04:28:14Z\"", "node.taken_at"},
	{"node", "taken_at", "\"2026-11-26T04:28:14\"", "node.taken_at"},
	{"node", "taken_at", "1795667294", "node.taken_at: expected a string or null"},
	{"node", "underlay_ips", "[\"1.2.3.4\",\"nope\"]",
	 "node.underlay_ips[1]: expected an IP address, got 'nope'"},
	{"node", "underlay_ips", "[\"1.1.1.1\",\"1.1.1.2\",\"1.1.1.3\",\"1.1.1.4\",\"1.1.1.5\","
				 "\"1.1.1.6\",\"1.1.1.7\",\"1.1.1.8\",\"1.1.1.9\"]",
	 "node.underlay_ips: more than 8 addresses (9)"},
	{"node", "vtep", "{\"ip\":\"10.0.0.1\",\"mac\":\"aa:bb\"}", "node.vtep.mac"},
	{"node", "kernel", NULL, "node.kernel: missing"},
	{"node", "dump_intr", "\"2\"", "node.dump_intr: expected an integer"},
	{"pods.0", "ips", "[\"10.0.0.1\",\"10.0.0.2\",\"10.0.0.3\",\"10.0.0.4\",\"10.0.0.5\"]",
	 "pods[0].ips: more than 4 addresses (5)"},
	{"pods.0", "phase", "\"RunningRunningRunningRunningRunning\"",
	 "pods[0].phase: longer than 31 bytes (35)"},
	{"pods.0", "host_network", "0", "pods[0].host_network: expected true or false"},
	{"", "pods", "{}", "': pods: expected an array or null"},
	{"", "netns", "[]", "': netns: expected at least one namespace"},
	{"", "netns", "[[]]", "': netns[0]: expected an object"},
	{"", "command", "\"links\"", "': command: expected \"snapshot\", got 'links'"},
	{"", "schema_version", NULL, "': schema_version: missing"},
	{"", "schema_version", "1", "': schema_version: expected a string"},
	{"", "schema_version", "\"0.9\"", "has schema_version '0.9'; this caltrace reads 1.x"},
	{"", "schema_version", "\"10.0\"", "reads 1.x (upgrade caltrace)"},
	{"", "schema_version", "\"1.x\"", "has schema_version '1.x'"},
	{"", "schema_version", "\"1.\"", "has schema_version '1.'"},
	{"", "synthetic", "\"yes\"", "': synthetic: expected true or false"},
	{"", "bgp", NULL, "': bgp: missing"},
	/* accepted: new minor versions, unknown keys, lenient spellings */
	{"", "schema_version", "\"1.7.2\"", NULL},
	{"", "schema_version", "\"1\"", NULL},
	{"", "future_key", "{\"a\":[1,2,3]}", NULL},
	{"netns.0.links.0", "future_key", "\"x\"", NULL},
	{"netns.0.routes.0", "nexthops", "null", NULL},
	{"netns.0.links.1", "mac", "\"00:0C:29:3A:5B:7C\"", NULL},
	{"netns.0.links.1.stats", "rx_bytes", "\"18446744073709551615\"", NULL},
	{"node", "taken_at", "null", NULL},
	{"node", "dump_intr", NULL, NULL},
	{"node", "source", NULL, NULL},
	{"", "items", NULL, NULL},
	{"", "bgp", "{\"peers\":[]}", NULL},
	{"", "bgp", "\"text\"", "': bgp: expected an object"}, /* parsed on load */
};

static void test_mutations(void **state)
{
	json_t *orig = json_load_file(fixture("ipip-node.json"), 0, NULL);
	assert_non_null(orig);
	for (size_t i = 0; i < sizeof(mutations) / sizeof(mutations[0]); i++) {
		const struct mutation *m = &mutations[i];
		json_t *doc = json_deep_copy(orig);
		json_t *at = *m->at ? walk(doc, m->at) : doc;
		if (!json_is_object(at)) {
			json_decref(doc);
			continue;
		}
		if (m->value) {
			json_t *v = json_loads(m->value, JSON_DECODE_ANY, NULL);
			assert_non_null(v);
			json_object_set_new(at, m->key, v);
		} else {
			json_object_del(at, m->key);
		}
		char *buf = json_dumps(doc, JSON_COMPACT);
		struct ct_node n;
		struct ct_err err = {0};
		int rc = ct_snapshot_load_buf(&n, buf, strlen(buf), &err);
		if (!m->want && rc)
			fail_msg("%s.%s=%s: unexpected error: %s", m->at, m->key, m->value, err.msg);
		if (m->want) {
			/* the message as shown: escaped once (model/esc.h) */
			char shown[4 * sizeof(err.msg)];
			ct_esc_str(shown, sizeof(shown), err.msg);
			if (rc != -1 || err.exit_code != CT_EXIT_GATHER || !strstr(shown, m->want))
				fail_msg("%s.%s=%s: got rc %d '%s', want '%s'", m->at, m->key,
					 m->value, rc, shown, m->want);
			assert_true(strncmp(err.msg, "snapshot '<buffer>'", 19) == 0);
			for (const char *c = shown; *c; c++)
				assert_true((unsigned char)*c >= 0x20 && (unsigned char)*c < 0x7f);
			assert_int_equal(n.ns.n, 0);
		}
		ct_node_free(&n);
		free(buf);
		json_decref(doc);
	}
	json_decref(orig);
}

static void test_lenient_values(void **state)
{
	size_t len;
	char *doc = slurp(fixture("ipip-node.json"), &len);
	struct ct_node n;
	struct ct_err err = {0};
	/* "default" and a protocol number mean the same as their written forms */
	json_t *j = json_loadb(doc, len, 0, NULL);
	json_t *r0 = walk(j, "netns.0.routes.0");
	json_object_set_new(r0, "dst", json_string("default"));
	json_object_set_new(r0, "protocol", json_integer(4));
	json_object_set_new(walk(j, "node"), "taken_at", json_string("2026-11-26T05:28:14.9+01:00"));
	char *buf = json_dumps(j, 0);
	assert_int_equal(ct_snapshot_load_buf(&n, buf, strlen(buf), &err), 0);
	assert_int_equal(n.ns.v[0].routes.v[0].dst.len, 0);
	assert_int_equal(n.ns.v[0].routes.v[0].dst.ip.family, AF_INET);
	assert_int_equal(n.ns.v[0].routes.v[0].protocol, RTPROT_STATIC);
	assert_int_equal(n.taken_at, 1795667294);
	ct_node_free(&n);
	free(buf);
	json_decref(j);

	/* duplicate keys, NUL in strings, trailing garbage: invalid JSON */
	static const char *bad[] = {
		"{\"schema_version\":\"1.0\",\"schema_version\":\"1.0\"}",
		"{\"schema_version\":\"1\\u0000.0\"}",
		"{\"schema_version\":\"1.0\"} x",
		"[",
		"",
		"\xff\xfe{}",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&err, 0, sizeof(err));
		assert_int_equal(ct_snapshot_load_buf(&n, bad[i], strlen(bad[i]), &err), -1);
		assert_non_null(strstr(err.msg, "snapshot '<buffer>': not valid JSON at line"));
		ct_node_free(&n);
	}
	memset(&err, 0, sizeof(err));
	assert_int_equal(ct_snapshot_load_buf(&n, "[]", 2, &err), -1);
	assert_string_equal(err.msg, "snapshot '<buffer>': expected a JSON object at the top level");
	free(doc);
}

/* Each fixed buffer takes exactly its size - 1 bytes, and one more is an error. */
static void test_length_limits(void **state)
{
	static const struct {
		const char *at, *key, *path;
		size_t max;
	} f[] = {
		{"node", "name", "node.name", CT_NAME_LEN - 1},
		{"node", "kernel", "node.kernel", CT_NAME_LEN - 1},
		{"netns.1", "name", "netns[1].name", CT_NAME_LEN - 1},
		{"netns.1", "path", "netns[1].path", CT_PATH_LEN - 1},
		{"netns.0.links.1", "name", "netns[0].links[1].name", CT_IFNAMSIZ - 1},
		{"netns.0.links.1", "kind", "netns[0].links[1].kind", CT_KIND_LEN - 1},
		{"netns.0.rules.0", "iifname", "netns[0].rules[0].iifname", CT_IFNAMSIZ - 1},
		{"netns.0.rules.0", "oifname", "netns[0].rules[0].oifname", CT_IFNAMSIZ - 1},
		{"netns.0.neigh_tables.0", "name", "netns[0].neigh_tables[0].name", 15},
		{"pods.0", "namespace", "pods[0].namespace", CT_NAME_LEN - 1},
		{"pods.0", "name", "pods[0].name", CT_NAME_LEN - 1},
		{"pods.0", "node", "pods[0].node", CT_NAME_LEN - 1},
		{"pods.0", "phase", "pods[0].phase", 31},
		{"pods.0", "veth", "pods[0].veth", CT_IFNAMSIZ - 1},
	};
	json_t *orig = json_load_file(fixture("ipip-node.json"), 0, NULL);
	char val[CT_PATH_LEN + 2];
	assert_non_null(orig);
	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		for (size_t len = f[i].max; len <= f[i].max + 1; len++) {
			json_t *doc = json_deep_copy(orig);
			memset(val, 'x', len);
			val[len] = 0;
			json_object_set_new(walk(doc, f[i].at), f[i].key, json_string(val));
			char *buf = json_dumps(doc, JSON_COMPACT);
			struct ct_node n;
			struct ct_err err = {0};
			int rc = ct_snapshot_load_buf(&n, buf, strlen(buf), &err);
			if (len == f[i].max && rc)
				fail_msg("%s of %zu bytes: %s", f[i].path, len, err.msg);
			if (len > f[i].max && (rc == 0 || !strstr(err.msg, f[i].path) ||
					       !strstr(err.msg, "longer than")))
				fail_msg("%s of %zu bytes: rc %d '%s'", f[i].path, len, rc, err.msg);
			ct_node_free(&n);
			free(buf);
			json_decref(doc);
		}
	}
	json_decref(orig);
}

/* 100k routes: stream out and back (the scale the lab notes measure) */
static void test_scale(void **state)
{
	struct ct_node a, b;
	struct ct_err err = {0};
	size_t len;

	ct_node_init(&a);
	struct ct_netns *ns = ct_node_add_ns(&a);
	add_link(ns, 2, "eth0", "", 1500);
	for (uint32_t i = 0; i < 100000; i++) {
		struct ct_route *r = ct_push_route(ns);
		assert_non_null(r);
		r->dst.ip.family = AF_INET;
		r->dst.ip.a[0] = 10;
		r->dst.ip.a[1] = (uint8_t)(i >> 16);
		r->dst.ip.a[2] = (uint8_t)(i >> 8);
		r->dst.ip.a[3] = (uint8_t)i;
		r->dst.len = 32;
		r->table = RT_TABLE_MAIN;
		r->protocol = RTPROT_BIRD;
		r->type = RTN_UNICAST;
		ip(&r->gw, "192.168.31.10");
		r->oif = 2;
	}
	char *buf = write_mem(&a, &len);
	if (ct_snapshot_load_buf(&b, buf, len, &err))
		fail_msg("%s", err.msg);
	node_eq(&a, &b);
	free(buf);
	ct_node_free(&a);
	ct_node_free(&b);
}

/* "-" reads stdin (last: it replaces this process's stdin) */
static void test_stdin(void **state)
{
	struct ct_node n;
	struct ct_err err = {0};
	assert_non_null(freopen(fixture("wireguard-node.json"), "r", stdin));
	if (ct_snapshot_load(&n, "-", &err))
		fail_msg("%s", err.msg);
	assert_string_equal(n.source, "-");
	assert_string_equal(n.name, "k8s-node02");
	ct_node_free(&n);

	assert_non_null(freopen(fixture("bad/wrong-types.json"), "r", stdin));
	memset(&err, 0, sizeof(err));
	assert_int_equal(ct_snapshot_load(&n, "-", &err), -1);
	assert_string_equal(err.msg,
			    "snapshot '<stdin>': netns[0].links[3].mtu: expected an integer");
	ct_node_free(&n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip_full),
		cmocka_unit_test(test_write_layout),
		cmocka_unit_test(test_roundtrip_file),
		cmocka_unit_test(test_write_clamps),
		cmocka_unit_test(test_write_errors),
		cmocka_unit_test(test_times),
		cmocka_unit_test(test_fixture_ipip),
		cmocka_unit_test(test_fixture_wireguard),
		cmocka_unit_test(test_fixture_ipv6),
		cmocka_unit_test(test_fixtures_canonical),
		cmocka_unit_test(test_bad_fixtures),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_truncation_loop),
		cmocka_unit_test(test_mutations),
		cmocka_unit_test(test_lenient_values),
		cmocka_unit_test(test_length_limits),
		cmocka_unit_test(test_scale),
		cmocka_unit_test(test_stdin),
	};
	return cmocka_run_group_tests_name("snapshot", tests, NULL, NULL);
}
