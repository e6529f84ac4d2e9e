/* SPDX-License-Identifier: MIT */
/* Route classification, longest-prefix match and route findings. Pure. */
#include "analysis.h"
#include "analysis/shadow.h"
#include "analysis/gwcause.h"
#include "model/names.h"

#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

const char *const ct_route_class_names[CT_RC__COUNT] = {
	"workload", "blackhole", "ipip", "vxlan", "wireguard", "native", "default", "host", "other",
};

const struct ct_ip ct_gw4 = {.family = AF_INET, .a = {169, 254, 1, 1}};
const struct ct_ip ct_gw6 = {.family = AF_INET6,
			     .a = {0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0xec, 0xee, 0xee, 0xff, 0xfe, 0xee,
				   0xee, 0xee}};
const uint8_t ct_calico_mac[6] = {0xee, 0xee, 0xee, 0xee, 0xee, 0xee};

/* ---- LPM: one hash table over (family, len, masked address) ---- */

static uint64_t pfx_hash(uint8_t family, uint8_t len, const uint8_t *a)
{
	uint64_t h = 1469598103934665603ull ^ family ^ ((uint64_t)len << 8);
	size_t nb = family == AF_INET6 ? 16 : 4;
	for (size_t i = 0; i < nb; i++)
		h = (h ^ a[i]) * 1099511628211ull;
	return h;
}

static void mask_addr(uint8_t *out, const uint8_t *in, uint8_t family, uint8_t len)
{
	size_t nb = family == AF_INET6 ? 16 : 4;
	memset(out, 0, 16);
	for (size_t i = 0; i < nb; i++) {
		int bits = (int)len - (int)i * 8;
		if (bits >= 8)
			out[i] = in[i];
		else if (bits > 0)
			out[i] = in[i] & (uint8_t)(0xff << (8 - bits));
	}
}

int ct_lpm_build(struct ct_lpm *l, const struct ct_netns *ns, uint32_t table)
{
	memset(l, 0, sizeof(*l));
	l->ns = ns;
	l->table = table;
	size_t cnt = 0;
	for (size_t i = 0; i < ns->routes.n; i++)
		if (ns->routes.v[i].table == table)
			cnt++;
	l->nbuckets = 64;
	while (l->nbuckets < cnt * 2)
		l->nbuckets *= 2;
	l->heads = malloc(l->nbuckets * sizeof(uint32_t));
	l->ents = malloc((cnt ? cnt : 1) * sizeof(*l->ents));
	if (!l->heads || !l->ents) {
		ct_lpm_free(l);
		return -1;
	}
	memset(l->heads, 0xff, l->nbuckets * sizeof(uint32_t));
	for (size_t i = 0; i < ns->routes.n; i++) {
		const struct ct_route *r = &ns->routes.v[i];
		if (r->table != table)
			continue;
		uint8_t m[16];
		mask_addr(m, r->dst.ip.a, r->dst.ip.family, r->dst.len);
		size_t b = pfx_hash(r->dst.ip.family, r->dst.len, m) & (l->nbuckets - 1);
		l->ents[l->nents] = (struct ct_lpm_ent){.route = (uint32_t)i, .next = l->heads[b]};
		l->heads[b] = (uint32_t)l->nents++;
		if (r->dst.ip.family == AF_INET && r->dst.len <= 32)
			l->lens4[r->dst.len] = 1;
		else if (r->dst.ip.family == AF_INET6 && r->dst.len <= 128)
			l->lens6[r->dst.len] = 1;
	}
	return 0;
}

void ct_lpm_free(struct ct_lpm *l)
{
	free(l->heads);
	free(l->ents);
	memset(l, 0, sizeof(*l));
}

const struct ct_route *ct_lpm_lookup(const struct ct_lpm *l, const struct ct_ip *ip,
				     bool (*skip)(const struct ct_netns *, const struct ct_route *,
						  void *),
				     void *arg)
{
	if (!l->heads)
		return NULL;
	int max = ip->family == AF_INET6 ? 128 : 32;
	const uint8_t *lens = ip->family == AF_INET6 ? l->lens6 : l->lens4;
	for (int len = max; len >= 0; len--) {
		if (!lens[len])
			continue;
		uint8_t m[16];
		mask_addr(m, ip->a, ip->family, (uint8_t)len);
		size_t b = pfx_hash(ip->family, (uint8_t)len, m) & (l->nbuckets - 1);
		const struct ct_route *best = NULL;
		for (uint32_t e = l->heads[b]; e != UINT32_MAX; e = l->ents[e].next) {
			const struct ct_route *r = &l->ns->routes.v[l->ents[e].route];
			if (r->dst.ip.family != ip->family || r->dst.len != len)
				continue;
			uint8_t rm[16];
			mask_addr(rm, r->dst.ip.a, r->dst.ip.family, r->dst.len);
			if (memcmp(rm, m, 16) != 0)
				continue;
			if (skip && skip(l->ns, r, arg))
				continue;
			/* the kernel prefers the lowest metric, then the first */
			if (!best || r->priority < best->priority)
				best = r;
		}
		if (best)
			return best;
	}
	return NULL;
}

/* ---- classification ---- */

const char *ct_route_owner(uint8_t protocol, char *buf, size_t len)
{
	return ct_name_of(ct_rt_protocols, protocol, buf, len);
}

bool ct_link_is_l3_tunnel(const struct ct_link *l)
{
	if (!strcmp(l->kind, "ipip") || !strcmp(l->kind, "sit"))
		return true;
	/* a TUN (or kind-less) device without a link-layer address carrying IP */
	return (!strcmp(l->kind, "tun") || !l->kind[0]) && l->mac_len == 0 &&
	       !(l->flags & 0x8 /* IFF_LOOPBACK */);
}

enum ct_route_class ct_route_classify(const struct ct_netns *ns, const struct ct_route *r,
				      const struct ct_prefixes *p)
{
	if (r->type == RTN_BLACKHOLE)
		return CT_RC_BLACKHOLE;
	if (r->table == RT_TABLE_LOCAL || (r->type != RTN_UNICAST && r->type != RTN_UNREACHABLE &&
					   r->type != RTN_PROHIBIT && r->type != RTN_THROW))
		return CT_RC_HOST;
	if (r->type != RTN_UNICAST)
		return CT_RC_OTHER;
	if (r->dst.len == 0)
		return CT_RC_DEFAULT;
	const struct ct_link *l = r->nh_count > 1 ? NULL : ct_link_by_ifindex(ns, r->oif);
	if (l && ct_is_workload(p, l->name) && r->dst.len == ct_ip_maxlen(r->dst.ip.family) &&
	    !ct_ip_is_set(&r->gw))
		return CT_RC_WORKLOAD;
	/* the kernel's own connected routes (an address's subnet, fe80::/64) */
	if (r->protocol == RTPROT_KERNEL && !ct_ip_is_set(&r->gw) && r->nh_count <= 1)
		return CT_RC_HOST;
	if (l && !strcmp(l->kind, "vxlan"))
		return CT_RC_VXLAN;
	if (l && !strcmp(l->kind, "wireguard"))
		return CT_RC_WIREGUARD;
	if (l && ct_link_is_l3_tunnel(l) && (ct_ip_is_set(&r->gw) || !strcmp(l->kind, "ipip")))
		return CT_RC_IPIP;
	if (ct_ip_is_set(&r->gw) || r->nh_count > 1)
		return CT_RC_NATIVE;
	if (r->dst.ip.family == AF_INET6 && r->dst.ip.a[0] == 0xfe && (r->dst.ip.a[1] & 0xc0) == 0x80)
		return CT_RC_HOST;
	return CT_RC_OTHER;
}

/* ---- findings ---- */

static bool skip_tunnel(const struct ct_netns *ns, const struct ct_route *r, void *arg)
{
	const struct ct_link *l = ct_link_by_ifindex(ns, r->oif);
	if (r->type != RTN_UNICAST)
		return false; /* a blackhole is still the answer: and it means unreachable */
	return l && (ct_link_is_l3_tunnel(l) || !strcmp(l->kind, "vxlan") ||
		     !strcmp(l->kind, "wireguard"));
}

struct owner_ent {
	uint64_t h;
	uint32_t route;
	uint32_t next;
};

static void owners_check(const struct ct_netns *ns, struct ct_findings *f)
{
	size_t n = ns->routes.n, nb = 64;
	while (nb < n * 2)
		nb *= 2;
	uint32_t *heads = malloc(nb * sizeof(uint32_t));
	struct owner_ent *e = malloc((n ? n : 1) * sizeof(*e));
	if (!heads || !e)
		goto out;
	memset(heads, 0xff, nb * sizeof(uint32_t));
	for (size_t i = 0; i < n; i++) {
		const struct ct_route *r = &ns->routes.v[i];
		if (r->table == RT_TABLE_LOCAL || r->dst.len == 0)
			continue;
		uint64_t h = pfx_hash(r->dst.ip.family, r->dst.len, r->dst.ip.a) ^ r->table;
		size_t b = h & (nb - 1);
		bool reported = false;
		for (uint32_t k = heads[b]; k != UINT32_MAX && !reported; k = e[k].next) {
			const struct ct_route *o = &ns->routes.v[e[k].route];
			if (e[k].h != h || o->table != r->table || o->dst.len != r->dst.len ||
			    !ct_ip_eq(&o->dst.ip, &r->dst.ip) || o->protocol == r->protocol)
				continue;
			char d[64], ab[32], bb[32], ev[200];
			ct_prefix_fmt(&r->dst, d, sizeof(d));
			/* the owner's name is returned: the buffer is only used for unknown ones */
			const char *a = ct_route_owner(o->protocol, ab, sizeof(ab));
			const char *b2 = ct_route_owner(r->protocol, bb, sizeof(bb));
			snprintf(ev, sizeof(ev), "%s: proto %s metric %u and proto %s metric %u", d, a,
				 o->priority, b2, r->priority);
			ct_finding_run(ct_finding_add(f, "prefix_multiple_owners", ns->name, d, ev,
						      "see both routes and keep the one of the program that should own it",
						      "%s is programmed by both %s and %s", d, a, b2),
				       ns, "ip", "route", "show", d, "table", "all", NULL);
			reported = true;
		}
		e[i] = (struct owner_ent){.h = h, .route = (uint32_t)i, .next = heads[b]};
		heads[b] = (uint32_t)i;
	}
out:
	free(heads);
	free(e);
}

/* gateway results are cached: a node has few distinct gateways */
struct gw_cache {
	struct ct_ip ip[64];
	int oif[64];
	bool ok[64];
	int n;
};

int ct_analyze_routes(const struct ct_node *n, const struct ct_netns *ns,
		      const struct ct_prefixes *p, uint8_t *classes, struct ct_findings *f)
{
	struct ct_lpm main;
	if (ct_lpm_build(&main, ns, RT_TABLE_MAIN) < 0)
		return -1;
	struct gw_cache cache;
	cache.n = 0;
	/* local blackhole blocks, for borrowed IPs */
	const struct ct_route *holes[64];
	int nholes = 0;
	for (size_t i = 0; i < ns->routes.n && nholes < 64; i++) {
		const struct ct_route *r = &ns->routes.v[i];
		if (r->type == RTN_BLACKHOLE && r->table == RT_TABLE_MAIN && r->dst.len > 0)
			holes[nholes++] = r;
	}
	for (size_t i = 0; i < ns->routes.n; i++) {
		const struct ct_route *r = &ns->routes.v[i];
		enum ct_route_class c = ct_route_classify(ns, r, p);
		if (classes)
			classes[i] = (uint8_t)c;
		char d[64], g[64], ev[256], fix[200];
		const struct ct_link *l = ct_link_by_ifindex(ns, r->oif);
		/* a route whose device looks like a workload by name */
		if (r->type == RTN_UNICAST && r->dst.len == ct_ip_maxlen(r->dst.ip.family) &&
		    r->nh_count <= 1 && r->table != RT_TABLE_LOCAL) {
			if (r->oif && !l) {
				ct_prefix_fmt(&r->dst, d, sizeof(d));
				snprintf(ev, sizeof(ev), "%s dev ifindex %d: no such interface", d,
					 r->oif);
				ct_finding_run(ct_finding_add(f, "route_to_missing_link", ns->name, d, ev,
							      "delete the route",
							      "route to %s points at a missing interface", d),
					       ns, "ip", "route", "del", d, NULL);
			} else if (c == CT_RC_WORKLOAD &&
				   (!(l->flags & 1 /* IFF_UP */) || l->oper == CT_OPER_DOWN ||
				    l->oper == CT_OPER_LOWERLAYERDOWN || (r->flags & RTNH_F_LINKDOWN))) {
				ct_prefix_fmt(&r->dst, d, sizeof(d));
				snprintf(ev, sizeof(ev), "%s dev %s: link %s%s", d, l->name,
					 l->flags & 1 ? "up, carrier " : "down", l->flags & 1 ? "lost" : "");
				bool adm = l->flags & 1;
				struct ct_finding *x = ct_finding_add(
					f, "route_to_down_link", ns->name, l->name, ev,
					adm ? "the pod's side of the veth is down: restart the pod"
					    : "bring the interface up (or restart the pod)",
					"route to %s points at %s, which is down", d, l->name);
				if (!adm)
					ct_finding_run(x, ns, "ip", "link", "set", "dev", l->name, "up", NULL);
			}
		}
		if (c == CT_RC_IPIP && ct_ip_is_set(&r->gw)) {
			int k;
			for (k = 0; k < cache.n; k++)
				if (ct_ip_eq(&cache.ip[k], &r->gw))
					break;
			if (k == cache.n) {
				const struct ct_route *via = ct_lpm_lookup(&main, &r->gw, skip_tunnel, NULL);
				bool ok = via && via->type == RTN_UNICAST;
				if (k < 64) {
					cache.ip[k] = r->gw;
					cache.ok[k] = ok;
					cache.n++;
				}
				if (!ok) {
					ct_prefix_fmt(&r->dst, d, sizeof(d));
					ct_ip_fmt(&r->gw, g, sizeof(g));
					snprintf(ev, sizeof(ev), "%s via %s dev %s onlink; no non-tunnel route to %s%s",
						 d, g, l ? l->name : "?", g,
						 via ? " (it hits a blackhole or unreachable route)" : "");
					snprintf(fix, sizeof(fix), "add an underlay route to the node %s", g);
					ct_finding_run(ct_finding_add(f, "ipip_gateway_unreachable", ns->name, g, ev, fix,
								      "IPIP gateway %s (for %s) is not reachable on the underlay", g, d),
						       ns, "ip", "route", "get", g, NULL);
				}
			}
		}
		if (c == CT_RC_VXLAN && ct_ip_is_set(&r->gw) && l) {
			const struct ct_neigh *nb = NULL;
			for (size_t j = 0; j < ns->neighs.n; j++) {
				const struct ct_neigh *x = &ns->neighs.v[j];
				if (x->ifindex == r->oif && ct_ip_eq(&x->dst, &r->gw) && !(x->flags & 0x08)) {
					nb = x;
					break;
				}
			}
			ct_prefix_fmt(&r->dst, d, sizeof(d));
			ct_ip_fmt(&r->gw, g, sizeof(g));
			if (!nb || !(nb->state & 0x80 /* NUD_PERMANENT */) || nb->lladdr_len != 6) {
				snprintf(ev, sizeof(ev), "%s via %s dev %s: neighbour %s", d, g, l->name,
					 nb ? "not permanent" : "missing");
				ct_finding_run(ct_finding_add(f, "vxlan_gateway_no_neigh", ns->name, g, ev,
							      "check calico-node (Felix) logs on this node",
							      "VXLAN gateway %s has no permanent neighbour on %s", g, l->name),
					       ns, "ip", "neigh", "show", "dev", l->name, NULL);
			} else {
				bool fdb = false;
				for (size_t j = 0; j < ns->fdb.n && !fdb; j++)
					fdb = ns->fdb.v[j].ifindex == r->oif &&
					      !memcmp(ns->fdb.v[j].mac, nb->lladdr, 6) &&
					      ct_ip_is_set(&ns->fdb.v[j].dst);
				if (!fdb) {
					char m[32];
					ct_mac_fmt(nb->lladdr, 6, m, sizeof(m));
					snprintf(ev, sizeof(ev), "%s via %s dev %s: neighbour %s, no FDB entry for %s",
						 d, g, l->name, m, m);
					ct_finding_run(ct_finding_add(f, "vxlan_gateway_no_fdb", ns->name, g, ev,
								      "check calico-node (Felix) logs on this node",
								      "VXLAN gateway %s: no FDB entry tells the kernel where to send %s", g, m),
						       ns, "bridge", "fdb", "show", "dev", l->name, NULL);
				}
			}
		}
		if ((c == CT_RC_IPIP || c == CT_RC_VXLAN || c == CT_RC_NATIVE || c == CT_RC_WIREGUARD) &&
		    r->table == RT_TABLE_MAIN) {
			for (int h = 0; h < nholes; h++) {
				if (holes[h]->dst.len < r->dst.len &&
				    ct_prefix_contains_prefix(&holes[h]->dst, &r->dst)) {
					char hb[64];
					ct_prefix_fmt(&r->dst, d, sizeof(d));
					ct_prefix_fmt(&holes[h]->dst, hb, sizeof(hb));
					snprintf(ev, sizeof(ev), "%s routes away from this node inside blackhole %s", d, hb);
					ct_finding_add(f, "borrowed_ip", ns->name, d, ev, "",
						       "%s is borrowed from this node's block %s by another node", d, hb);
					break;
				}
			}
		}
	}
	ct_lpm_free(&main);
	owners_check(ns, f);
	/* the kernel's own decision for the pod gateway, per workload interface */
	for (size_t i = 0; i < ns->gwchecks.n; i++) {
		const struct ct_gwcheck *gc = &ns->gwchecks.v[i];
		const struct ct_link *wl = ct_link_by_ifindex(ns, gc->iif);
		const char *name = wl ? wl->name : "?";
		char ev[256];
		if (gc->err || gc->unasked) {
			ct_gw_finding(ns, gc, f); /* analysis/gwcause.c */
		} else {
			const struct ct_link *ol = ct_link_by_ifindex(ns, gc->oif);
			if (ol && gc->oif == gc->iif) {
				snprintf(ev, sizeof(ev), "ip route get 169.254.1.1 iif %s: dev %s", name, ol->name);
				ct_finding_run(ct_finding_add(f, "pod_gateway_via_workload", ns->name, name, ev,
							      "delete the route that sends it to the pod",
							      "169.254.1.1 from %s routes back out of %s itself: proxy ARP will not answer", name, ol->name),
					       ns, "ip", "route", "show", "169.254.1.1", NULL);
			}
		}
	}
	ct_gw_findings6(ns, f); /* IPv6's gateway, from netconf (analysis/gwcause.c) */
	(void)n;
	if (ct_newfind_routes(n, ns, p, f) < 0)
		return -1;
	return ct_analyze_shadow(ns, f);
}
