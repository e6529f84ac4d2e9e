/* SPDX-License-Identifier: MIT */
/* Encapsulation devices, the mode they imply, VTEPs and tunnel findings. Pure. */
#include "analysis.h"
#include "analysis/results.h"
#include "model/plural.h"

#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

const char *const ct_tunnel_role_names[CT_TR__COUNT] = {
	"ipip", "vxlan", "vxlan-v6", "flannel", "wireguard",
};

static bool l3_tunnel_used(const struct ct_netns *ns, const struct ct_link *l,
			   const struct ct_prefixes *p, int *routes)
{
	int cnt = 0;
	for (size_t i = 0; i < ns->routes.n; i++) {
		const struct ct_route *r = &ns->routes.v[i];
		if (r->oif == l->ifindex && r->table != RT_TABLE_LOCAL &&
		    ct_route_classify(ns, r, p) == CT_RC_IPIP)
			cnt++;
	}
	*routes = cnt;
	return cnt > 0;
}

bool ct_netns_is_pod(const struct ct_netns *ns)
{
	for (size_t i = 0; i < ns->routes.n; i++) {
		const struct ct_route *r = &ns->routes.v[i];
		if (ct_ip_eq(&r->gw, &ct_gw4) || ct_ip_eq(&r->gw, &ct_gw6))
			return true;
	}
	return false;
}

static uint32_t underlay_mtu(const struct ct_node *n, const struct ct_netns *ns,
			     const struct ct_link *t)
{
	int parent = !strcmp(t->kind, "vxlan") ? t->u.vxlan.parent_ifindex
		     : (!strcmp(t->kind, "ipip") || !strcmp(t->kind, "sit")) ? t->u.iptun.parent_ifindex
									     : 0;
	const struct ct_link *pl = ct_link_by_ifindex(ns, parent);
	if (pl)
		return pl->mtu;
	/* the link holding the node's underlay address, else the default route's */
	for (size_t i = 0; i < ns->addrs.n; i++)
		for (int k = 0; k < n->n_underlay; k++)
			if (ct_ip_eq(&ns->addrs.v[i].pfx.ip, &n->underlay_ips[k])) {
				const struct ct_link *l = ct_link_by_ifindex(ns, ns->addrs.v[i].ifindex);
				if (l)
					return l->mtu;
			}
	for (size_t i = 0; i < ns->routes.n; i++) {
		const struct ct_route *r = &ns->routes.v[i];
		if (r->table == RT_TABLE_MAIN && r->dst.len == 0 && r->dst.ip.family == AF_INET) {
			const struct ct_link *l = ct_link_by_ifindex(ns, r->oif);
			if (l && strcmp(l->kind, "vxlan") && !ct_link_is_l3_tunnel(l))
				return l->mtu;
		}
	}
	return 0;
}

static int build_vteps(const struct ct_netns *ns, struct ct_tunnel *t)
{
	int ifi = t->link->ifindex;
	size_t cap = 0;
	for (size_t i = 0; i < ns->neighs.n; i++)
		cap += ns->neighs.v[i].ifindex == ifi;
	for (size_t i = 0; i < ns->fdb.n; i++)
		cap += ns->fdb.v[i].ifindex == ifi;
	t->vteps = calloc(cap ? cap : 1, sizeof(*t->vteps));
	if (!t->vteps)
		return -1;
	for (size_t i = 0; i < ns->neighs.n; i++) {
		const struct ct_neigh *x = &ns->neighs.v[i];
		if (x->ifindex != ifi || !(x->state & NUD_PERMANENT) || x->lladdr_len != 6 ||
		    (x->flags & NTF_PROXY))
			continue;
		struct ct_vtep *v = &t->vteps[t->n_vteps++];
		v->ip = x->dst;
		memcpy(v->mac, x->lladdr, 6);
		v->has_neigh = true;
		v->neigh_state = x->state;
	}
	for (size_t i = 0; i < ns->fdb.n; i++) {
		const struct ct_fdb *x = &ns->fdb.v[i];
		static const uint8_t zero[6];
		if (x->ifindex != ifi || !memcmp(x->mac, zero, 6) || (x->mac[0] & 1))
			continue;
		struct ct_vtep *v = NULL;
		for (size_t k = 0; k < t->n_vteps; k++)
			if (!memcmp(t->vteps[k].mac, x->mac, 6))
				v = &t->vteps[k];
		if (!v) {
			/* skip the device's own address entries */
			if (t->link->mac_len == 6 && !memcmp(t->link->mac, x->mac, 6))
				continue;
			if (!ct_ip_is_set(&x->dst))
				continue;
			v = &t->vteps[t->n_vteps++];
			memcpy(v->mac, x->mac, 6);
		}
		v->has_fdb = true;
		v->fdb_dst = x->dst;
	}
	return 0;
}

int ct_tunnels_build(const struct ct_node *n, const struct ct_netns *ns,
		     const struct ct_prefixes *p, struct ct_tunnels *t)
{
	memset(t, 0, sizeof(*t));
	t->v = calloc(ns->links.n ? ns->links.n : 1, sizeof(*t->v));
	if (!t->v)
		return -1;
	bool pod = ct_netns_is_pod(ns);
	int enc_ipip = 0, enc_vxlan = 0, enc_wg = 0;
	for (size_t i = 0; i < ns->links.n; i++) {
		const struct ct_link *l = &ns->links.v[i];
		struct ct_tunnel x = {.link = l};
		int used = 0;
		if (!strcmp(l->kind, "vxlan")) {
			if (l->u.vxlan.port == 8472)
				x.role = CT_TR_FLANNEL;
			else if (l->u.vxlan.local.family == AF_INET6)
				x.role = CT_TR_VXLAN6;
			else
				x.role = CT_TR_VXLAN;
			x.overhead = x.role == CT_TR_VXLAN6 ? 70 : 50;
		} else if (!strcmp(l->kind, "wireguard")) {
			x.role = CT_TR_WIREGUARD;
			x.overhead = 60;
		} else if (!strcmp(l->kind, "ipip") || (ct_link_is_l3_tunnel(l) &&
							 l3_tunnel_used(ns, l, p, &used))) {
			if (!strcmp(l->kind, "sit"))
				continue;
			x.role = CT_TR_IPIP;
			x.overhead = 20;
			x.fallback = pod && !strcmp(l->kind, "ipip") && ct_ip_is_any(&l->u.iptun.local) &&
				     ct_ip_is_any(&l->u.iptun.remote);
		} else {
			continue;
		}
		/* routes that send traffic through the device: remote blocks, not the
		 * kernel's own link routes (fe80::/64) */
		for (size_t k = 0; k < ns->routes.n; k++) {
			const struct ct_route *r = &ns->routes.v[k];
			if (r->oif != l->ifindex || r->table == RT_TABLE_LOCAL)
				continue;
			enum ct_route_class c = ct_route_classify(ns, r, p);
			x.routes += c == CT_RC_IPIP || c == CT_RC_VXLAN || c == CT_RC_WIREGUARD;
		}
		x.underlay_mtu = x.fallback ? 0 : underlay_mtu(n, ns, l);
		if (x.role != CT_TR_IPIP && x.role != CT_TR_WIREGUARD && build_vteps(ns, &x) < 0)
			return -1;
		if (x.routes) {
			if (x.role == CT_TR_IPIP)
				enc_ipip++;
			else if (x.role == CT_TR_WIREGUARD)
				enc_wg++;
			else
				enc_vxlan++;
		}
		t->v[t->n++] = x;
	}
	int kinds = (enc_ipip > 0) + (enc_vxlan > 0) + (enc_wg > 0);
	t->mode = kinds > 1 ? "mixed" : enc_ipip ? "ipip" : enc_vxlan ? "vxlan" : enc_wg ? "wireguard" : "none";
	return 0;
}

void ct_tunnels_free(struct ct_tunnels *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->v[i].vteps);
	free(t->v);
	memset(t, 0, sizeof(*t));
}

int ct_analyze_tunnels(const struct ct_netns *ns, const struct ct_tunnels *t,
		       struct ct_findings *f)
{
	char ev[256];
	if (!strcmp(t->mode, "mixed"))
		ct_finding_add(f, "tunnel_mode_mixed", ns->name, "routes", "routes use more than one encapsulation device",
			       "", "routes use more than one encapsulation (IP pools with different modes?)");
	for (size_t i = 0; i < t->n; i++) {
		const struct ct_tunnel *x = &t->v[i];
		const struct ct_link *l = x->link;
		if (x->fallback) {
			snprintf(ev, sizeof(ev), "%s kind ipip, local any, remote any, in a pod namespace", l->name);
			ct_finding_add(f, "tunl0_fallback", ns->name, l->name, ev, "",
				       "%s is the kernel's fallback IPIP device of this namespace, not a problem", l->name);
			continue;
		}
		if (x->routes && !ct_rule_tunnel_up(l)) {
			snprintf(ev, sizeof(ev), "%s is down; %d %s it", l->name, x->routes,
				 ct_plural((unsigned)x->routes, "route uses", "routes use"));
			ct_finding_run(ct_finding_add(f, "tunnel_down", ns->name, l->name, ev,
						      "bring the tunnel up",
						      "tunnel %s is down but %d %s traffic through it", l->name,
						      x->routes, ct_plural((unsigned)x->routes, "route sends", "routes send")),
				       ns, "ip", "link", "set", "dev", l->name, "up", NULL);
		}
		if (ct_rule_tunnel_mtu_bad(x)) {
			snprintf(ev, sizeof(ev), "%s mtu %u + %u bytes of %s overhead > underlay mtu %u",
				 l->name, l->mtu, x->overhead, ct_tunnel_role_names[x->role], x->underlay_mtu);
			char mtu[16];
			snprintf(mtu, sizeof(mtu), "%u", x->underlay_mtu - x->overhead);
			ct_finding_run(ct_finding_add(f, "tunnel_mtu_too_large", ns->name, l->name, ev,
						      "lower the tunnel's MTU, and set it where Calico keeps it (the calico-config ConfigMap or FelixConfiguration) so that it stays",
						      "%s's MTU leaves no room for encapsulation: large packets will be dropped", l->name),
				       ns, "ip", "link", "set", "dev", l->name, "mtu", mtu, NULL);
		}
		/* errors only: drops are normal here (vxlan.calico drops the link-local multicast it
		 * sends, IPv6 router solicitations and MLD, having no FDB entry for them: a healthy
		 * lab node counts 4 with 0 packets sent); they are shown as context */
		const struct ct_stats *st = &l->stats;
		if (st->rx_errors || st->tx_errors) {
			snprintf(ev, sizeof(ev), "%s rx_errors %llu tx_errors %llu rx_dropped %llu tx_dropped %llu",
				 l->name, (unsigned long long)st->rx_errors, (unsigned long long)st->tx_errors,
				 (unsigned long long)st->rx_dropped, (unsigned long long)st->tx_dropped);
			ct_finding_run(ct_finding_add(f, "tunnel_errors", ns->name, l->name, ev,
						      "see which counters grow",
						      "%s counts errors", l->name),
				       ns, "ip", "-s", "-d", "link", "show", "dev", l->name, NULL);
		}
		for (size_t k = 0; k < x->n_vteps; k++) {
			const struct ct_vtep *v = &x->vteps[k];
			char ip[64], m[32], subj[96];
			ct_ip_fmt(&v->ip, ip, sizeof(ip));
			ct_mac_fmt(v->mac, 6, m, sizeof(m));
			snprintf(subj, sizeof(subj), "%s %s", l->name, v->has_neigh ? ip : m);
			if (v->has_neigh && !v->has_fdb) {
				snprintf(ev, sizeof(ev), "neighbour %s lladdr %s PERMANENT; no FDB entry for %s", ip, m, m);
				ct_finding_run(ct_finding_add(f, "vtep_fdb_missing", ns->name, subj, ev,
							      "Felix programs it: check calico-node logs",
							      "VTEP %s (%s) has no FDB entry: the kernel does not know which node to send to", ip, m),
					       ns, "bridge", "fdb", "show", "dev", l->name, NULL);
			} else if (!v->has_neigh && v->has_fdb) {
				char d[64];
				ct_ip_fmt(&v->fdb_dst, d, sizeof(d));
				snprintf(ev, sizeof(ev), "fdb %s dst %s; no permanent neighbour with lladdr %s", m, d, m);
				ct_finding_run(ct_finding_add(f, "vtep_neigh_missing", ns->name, subj, ev,
							      "Felix programs it: check calico-node logs",
							      "FDB entry %s -> %s has no permanent neighbour", m, d),
					       ns, "ip", "neigh", "show", "dev", l->name, "nud", "permanent", NULL);
			}
		}
	}
	return 0;
}
