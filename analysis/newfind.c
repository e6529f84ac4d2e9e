/* SPDX-License-Identifier: MIT */
/*
 * Faults that gave no finding before (issue 9): workload_mtu_too_large,
 * neigh_pinned, tunnel_gateway_not_a_node, and the next hop whose neighbour
 * entry bgp_hold_timer_expired points at. Pure.
 */
#include "analysis.h"
#include "model/bgp.h"

#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define RTPROT_FELIX 80

/* ---- workload_mtu_too_large ---- */

/* The largest IP packet the encapsulation in use lets through (the tunnel
 * device's MTU, or the underlay's less the overhead, whichever is smaller), 0
 * when there is none. The devices that routes use; when no route uses one
 * (or, as for links, only workload routes were read), every tunnel device that
 * is up. *tun gets the device that sets it. */
static uint32_t encap_limit(const struct ct_tunnels *t, const struct ct_tunnel **tun)
{
	uint32_t best = 0;
	bool routed = false;
	*tun = NULL;
	for (size_t i = 0; i < t->n; i++)
		routed |= t->v[i].routes > 0 && !t->v[i].fallback && t->v[i].role != CT_TR_FLANNEL;
	for (size_t i = 0; i < t->n; i++) {
		const struct ct_tunnel *x = &t->v[i];
		if (x->fallback || x->role == CT_TR_FLANNEL || (routed && !x->routes) ||
		    (!routed && !(x->link->flags & 1 /* IFF_UP */)))
			continue;
		unsigned oh = x->overhead;
		uint32_t lim = x->link->mtu;
		if (x->underlay_mtu > oh && x->underlay_mtu - oh < lim)
			lim = x->underlay_mtu - oh;
		if (lim && (!best || lim < best)) {
			best = lim;
			*tun = x;
		}
	}
	return best;
}

int ct_newfind_links(const struct ct_node *n, const struct ct_netns *ns,
		     const struct ct_prefixes *p, const struct ct_workload *w, size_t nw,
		     struct ct_findings *f)
{
	if (!nw || ct_netns_is_pod(ns))
		return 0;
	struct ct_tunnels t;
	if (ct_tunnels_build(n, ns, p, &t) < 0)
		return -1;
	const struct ct_tunnel *tun;
	uint32_t lim = encap_limit(&t, &tun);
	for (size_t i = 0; lim && i < nw; i++) {
		const struct ct_link *l = w[i].link;
		/* the pod's side, when its namespace was gathered */
		const struct ct_netns *pns = NULL;
		const struct ct_link *pl = NULL;
		if (l->peer_ns >= 0 && (size_t)l->peer_ns < n->ns.n) {
			pns = &n->ns.v[l->peer_ns];
			pl = ct_link_by_ifindex(pns, l->link);
		}
		uint32_t mtu = l->mtu;
		if (pl && pl->mtu > mtu)
			mtu = pl->mtu;
		if (mtu <= lim)
			continue;
		const struct ct_link *tl = tun->link;
		char ev[320], why[160], lims[16], cmd[96];
		if (tun->underlay_mtu > lim)
			snprintf(why, sizeof(why), "%s mtu %u, underlay mtu %u less %u bytes of %s overhead: %u",
				 tl->name, tl->mtu, tun->underlay_mtu, tun->overhead,
				 ct_tunnel_role_names[tun->role], tun->underlay_mtu - tun->overhead);
		else
			snprintf(why, sizeof(why), "%s mtu %u", tl->name, tl->mtu);
		if (pl)
			snprintf(ev, sizeof(ev), "%s mtu %u, pod's %s mtu %u; %s", l->name, l->mtu,
				 pl->name, pl->mtu, why);
		else
			snprintf(ev, sizeof(ev), "%s mtu %u; %s", l->name, l->mtu, why);
		snprintf(lims, sizeof(lims), "%u", lim);
		/* the probe that shows it: IPv4 header 20 + ICMP header 8 */
		snprintf(cmd, sizeof(cmd), "ping -M do -s %u", lim - 28);
		char fix[320];
		snprintf(fix, sizeof(fix),
			 "set the workload MTU to %u on both ends of the veth, and in Calico's "
			 "configuration (FelixConfiguration or the CNI config) so new pods get it; "
			 "'%s' to a remote pod passes, one byte more does not", lim, cmd);
		struct ct_finding *x = ct_finding_add(
			f, "workload_mtu_too_large", ns->name, l->name, ev, fix,
			"%s's MTU %u is larger than %s allows: the largest IP packet that passes is %u "
			"bytes (ping -M do -s %u); larger ones are dropped unless path MTU discovery works",
			l->name, mtu, tl->name, lim, lim - 28);
		ct_finding_run(x, ns, "ip", "link", "set", "dev", l->name, "mtu", lims, NULL);
		if (pl)
			ct_finding_run(x, pns, "ip", "link", "set", "dev", pl->name, "mtu", lims, NULL);
	}
	ct_tunnels_free(&t);
	return 0;
}

/* ---- who the nodes are ---- */

/* A set of addresses, each with why it is there: filled with ipset_add (any
 * order, duplicates allowed), then ipset_seal sorts it for ipset_has. A node
 * can have 100k routes and a thousand peers, so nothing here is pairwise. */
struct ipset_ent {
	struct ct_ip ip;
	const char *why;
	size_t order; /* the first reason added wins */
};

struct ipset {
	struct ipset_ent *v;
	size_t n, cap;
};

static int cmp_ip(const struct ct_ip *a, const struct ct_ip *b)
{
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return memcmp(a->a, b->a, 16);
}

static int cmp_ent(const void *a, const void *b)
{
	const struct ipset_ent *x = a, *y = b;
	int c = cmp_ip(&x->ip, &y->ip);
	if (c)
		return c;
	return x->order < y->order ? -1 : x->order > y->order;
}

static int ipset_add(struct ipset *s, const struct ct_ip *ip, const char *why)
{
	if (!ct_ip_is_set(ip))
		return 0;
	if (s->n == s->cap) {
		size_t nc = s->cap ? s->cap * 2 : 16;
		struct ipset_ent *v = realloc(s->v, nc * sizeof(*v));
		if (!v)
			return -1;
		s->v = v;
		s->cap = nc;
	}
	s->v[s->n] = (struct ipset_ent){.ip = *ip, .why = why, .order = s->n};
	s->n++;
	return 0;
}

static void ipset_seal(struct ipset *s)
{
	if (!s->n)
		return;
	qsort(s->v, s->n, sizeof(*s->v), cmp_ent);
	size_t k = 1;
	for (size_t i = 1; i < s->n; i++)
		if (cmp_ip(&s->v[i].ip, &s->v[k - 1].ip))
			s->v[k++] = s->v[i];
	s->n = k;
}

static const char *ipset_has(const struct ipset *s, const struct ct_ip *ip)
{
	size_t lo = 0, hi = s->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = cmp_ip(&s->v[mid].ip, ip);
		if (!c)
			return s->v[mid].why;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static void ipset_free(struct ipset *s)
{
	free(s->v);
	memset(s, 0, sizeof(*s));
}

static bool is_encap(const struct ct_link *l)
{
	return !strcmp(l->kind, "vxlan") || !strcmp(l->kind, "wireguard") || ct_link_is_l3_tunnel(l);
}

/* This node's IPAM blocks (its blackhole routes), sorted by address. */
struct blocks {
	struct ct_prefix *v;
	size_t n;
};

static int cmp_pfx(const void *a, const void *b)
{
	const struct ct_prefix *x = a, *y = b;
	int c = cmp_ip(&x->ip, &y->ip);
	return c ? c : (x->len < y->len ? -1 : x->len > y->len);
}

static int blocks_build(const struct ct_netns *ns, struct blocks *b)
{
	b->n = 0;
	b->v = malloc((ns->routes.n ? ns->routes.n : 1) * sizeof(*b->v));
	if (!b->v)
		return -1;
	for (size_t i = 0; i < ns->routes.n; i++) {
		const struct ct_route *r = &ns->routes.v[i];
		if (r->type == RTN_BLACKHOLE && r->table != RT_TABLE_LOCAL && r->dst.len > 0)
			b->v[b->n++] = r->dst;
	}
	qsort(b->v, b->n, sizeof(*b->v), cmp_pfx);
	return 0;
}

/* Does p cover one of the blocks? The blocks inside p are contiguous in address order. */
static bool blocks_covered(const struct blocks *b, const struct ct_prefix *p)
{
	struct ct_prefix net = *p;
	uint8_t m[16] = {0};
	size_t nb = p->ip.family == AF_INET6 ? 16 : 4;
	for (size_t i = 0; i < nb; i++) {
		int bits = (int)p->len - (int)i * 8;
		m[i] = bits >= 8 ? p->ip.a[i] : bits > 0 ? (uint8_t)(p->ip.a[i] & (0xff << (8 - bits))) : 0;
	}
	memcpy(net.ip.a, m, 16);
	size_t lo = 0, hi = b->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (cmp_ip(&b->v[mid].ip, &net.ip) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo; i < b->n && ct_prefix_contains(p, &b->v[i].ip); i++)
		if (b->v[i].len >= p->len)
			return true;
	return false;
}

/* A route to a pod block: Felix's or BIRD's, or covering one of this node's
 * IPAM blocks, with one gateway. */
static bool pod_block_route(const struct blocks *b, const struct ct_route *r)
{
	if (r->type != RTN_UNICAST || r->table == RT_TABLE_LOCAL || !ct_ip_is_set(&r->gw) ||
	    r->nh_count > 1 || r->dst.len == 0)
		return false;
	if (r->protocol == RTPROT_BIRD || r->protocol == RTPROT_FELIX)
		return true;
	return blocks_covered(b, &r->dst);
}

/* ---- tunnel_gateway_not_a_node ---- */

int ct_newfind_routes(const struct ct_node *n, const struct ct_netns *ns,
		      const struct ct_prefixes *p, struct ct_findings *f)
{
	if (ct_netns_is_pod(ns))
		return 0;
	struct ipset known = {0};
	int rc = 0;
	/* a route is judged only against a source that names nodes: BGP for any
	 * route, the FDB for vxlan.calico's routes and Felix's underlay ones */
	bool by_bgp = false, by_fdb = false;
	uint8_t bgp_family = n->bgp ? ct_bgp_family(n->bgp) : 0; /* BIRD 1.x: one family */
	if (n->bgp && n->bgp->n_peers) {
		by_bgp = true;
		for (size_t i = 0; i < n->bgp->n_peers && rc == 0; i++)
			rc = ipset_add(&known, &n->bgp->peers[i].neighbor, "BGP peer");
		for (size_t i = 0; i < n->bgp->n_routes && rc == 0; i++)
			if (n->bgp->routes[i].at) {
				rc = ipset_add(&known, &n->bgp->routes[i].at->via, "BGP next hop");
				if (rc == 0)
					rc = ipset_add(&known, &n->bgp->routes[i].at->bgp_next_hop, "BGP next hop");
			}
	}
	/* VXLAN: VTEP addresses whose MAC has an FDB entry, and the underlay
	 * addresses the FDB sends to */
	struct ct_tunnels t;
	if (rc == 0 && ct_tunnels_build(n, ns, p, &t) == 0) {
		for (size_t i = 0; i < t.n && rc == 0; i++)
			for (size_t k = 0; k < t.v[i].n_vteps && rc == 0; k++) {
				const struct ct_vtep *v = &t.v[i].vteps[k];
				if (!v->has_fdb)
					continue;
				by_fdb = true;
				rc = ipset_add(&known, &v->fdb_dst, "FDB destination");
				if (rc == 0 && v->has_neigh)
					rc = ipset_add(&known, &v->ip, "VTEP");
			}
		ct_tunnels_free(&t);
	} else {
		rc = -1;
	}
	struct blocks blk = {0};
	if (rc < 0 || (!by_bgp && !by_fdb) || blocks_build(ns, &blk) < 0) {
		/* nothing names the nodes: no way to tell */
		ipset_free(&known);
		return rc < 0 || (!by_bgp && !by_fdb) ? rc : -1;
	}
	ipset_seal(&known);
	for (size_t i = 0; i < ns->routes.n; i++) {
		const struct ct_route *r = &ns->routes.v[i];
		const struct ct_link *l = ct_link_by_ifindex(ns, r->oif);
		if (!l || ct_is_workload(p, l->name) || !strcmp(l->kind, "wireguard"))
			continue;
		bool judged = (by_bgp && (!bgp_family || r->dst.ip.family == bgp_family)) || (by_fdb && (!strcmp(l->kind, "vxlan") ||
						    (!is_encap(l) && r->protocol == RTPROT_FELIX)));
		if (!judged || !pod_block_route(&blk, r) || ipset_has(&known, &r->gw))
			continue;
		char d[64], g[64], ev[320], own[32], subj[128];
		ct_prefix_fmt(&r->dst, d, sizeof(d));
		ct_ip_fmt(&r->gw, g, sizeof(g));
		const char *o = ct_route_owner(r->protocol, own, sizeof(own));
		snprintf(ev, sizeof(ev), "%s via %s dev %s proto %s; %s is no BGP peer, BGP next hop, "
			 "VTEP or FDB destination (%zu known)", d, g, l->name, o, g, known.n);
		snprintf(subj, sizeof(subj), "%s", d);
		struct ct_finding *x = ct_finding_add(
			f, "tunnel_gateway_not_a_node", ns->name, subj, ev,
			"the route's owner should program a node's address: check which program wrote it "
			"(calico-node's log), and delete it so the owner puts it back",
			"the route to pod block %s goes via %s on %s, which is not a node", d, g,
			l->name);
		ct_finding_run(x, ns, "ip", "route", "show", d, NULL);
		ct_finding_run(x, ns, "ip", "route", "del", d, "via", g, "dev", l->name, NULL);
		ct_finding_tag(x, NULL, g); /* the gateway: what it causes is about it (analysis/fold.h) */
	}
	ipset_free(&known);
	free(blk.v);
	return 0;
}

/* ---- neigh_pinned ---- */

int ct_newfind_neigh(const struct ct_node *n, const struct ct_netns *ns,
		     const struct ct_prefixes *p, struct ct_findings *f)
{
	if (ct_netns_is_pod(ns))
		return 0;
	struct ipset want = {0};
	struct blocks blk = {0};
	int rc = blocks_build(ns, &blk);
	for (size_t i = 0; n->bgp && i < n->bgp->n_peers && rc == 0; i++)
		rc = ipset_add(&want, &n->bgp->peers[i].neighbor, "BGP peer");
	for (size_t i = 0; i < ns->routes.n && rc == 0; i++) {
		const struct ct_route *r = &ns->routes.v[i];
		const struct ct_link *l = ct_link_by_ifindex(ns, r->oif);
		/* IPIP gateways and native (underlay) pod-block gateways are underlay addresses */
		if (l && !strcmp(l->kind, "vxlan"))
			continue;
		if (l && ((ct_link_is_l3_tunnel(l) && ct_ip_is_set(&r->gw)) ||
			  (!is_encap(l) && !ct_is_workload(p, l->name) && pod_block_route(&blk, r))))
			rc = ipset_add(&want, &r->gw, "tunnel gateway");
	}
	for (size_t i = 0; i < ns->fdb.n && rc == 0; i++)
		rc = ipset_add(&want, &ns->fdb.v[i].dst, "VXLAN FDB destination");
	free(blk.v);
	if (rc < 0) {
		ipset_free(&want);
		return -1;
	}
	ipset_seal(&want);
	for (size_t i = 0; i < ns->neighs.n; i++) {
		const struct ct_neigh *x = &ns->neighs.v[i];
		const struct ct_link *l = ct_link_by_ifindex(ns, x->ifindex);
		if (!l || !(x->state & NUD_PERMANENT) || (x->flags & NTF_PROXY) || is_encap(l) ||
		    ct_is_workload(p, l->name))
			continue; /* vxlan.calico's permanent VTEP entries are Felix's */
		const char *why = ipset_has(&want, &x->dst);
		if (!why)
			continue;
		char ip[64], m[32] = "", ev[320], subj[96];
		ct_ip_fmt(&x->dst, ip, sizeof(ip));
		if (x->lladdr_len)
			ct_mac_fmt(x->lladdr, x->lladdr_len, m, sizeof(m));
		snprintf(subj, sizeof(subj), "%s %s", l->name, ip);
		snprintf(ev, sizeof(ev), "%s dev %s lladdr %s PERMANENT; %s is a %s", ip, l->name,
			 m[0] ? m : "none", ip, why);
		ct_finding_run(ct_finding_add(f, "neigh_pinned", ns->name, subj, ev,
					      "delete the entry so the kernel resolves the address again "
					      "(if it was pinned on purpose, check the MAC against that node's)",
					      "the neighbour entry for %s %s on %s is pinned (PERMANENT) to %s: "
					      "if it is wrong nothing corrects it",
					      why, ip, l->name, m[0] ? m : "no address"),
			       ns, "ip", "neigh", "del", ip, "dev", l->name, NULL);
	}
	ipset_free(&want);
	return 0;
}

/* ---- the next hop to an address ---- */

int ct_newfind_nexthop(const struct ct_netns *ns, const struct ct_ip *ip, struct ct_ip *nh,
		       const struct ct_link **dev)
{
	struct ct_lpm l;
	*dev = NULL;
	if (!ns || ct_lpm_build(&l, ns, RT_TABLE_MAIN) < 0)
		return -1;
	const struct ct_route *r = ct_lpm_lookup(&l, ip, NULL, NULL);
	int rc = -1;
	if (r && r->type == RTN_UNICAST && r->nh_count <= 1) {
		*nh = ct_ip_is_set(&r->gw) ? r->gw : *ip;
		*dev = ct_link_by_ifindex(ns, r->oif);
		rc = *dev ? 0 : -1;
	}
	ct_lpm_free(&l);
	return rc;
}
