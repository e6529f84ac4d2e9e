/* SPDX-License-Identifier: MIT */
/*
 * Derived values, computed in one place from the model: the probes fill raw
 * facts (netconf rows, links, addresses), and these functions turn them into
 * what the kernel applies (effective rp_filter and proxy_arp) and what the
 * node is (its underlay addresses, its VTEP). The live gatherer, the snapshot
 * loader and ct_netns_apply all call them, so an event on conf.all recomputes
 * every link.
 */
#include <net/if.h>
#include <string.h>
#include <sys/socket.h>

#include "model/model.h"

#define CT_RT_SCOPE_UNIVERSE 0

bool ct_link_derive(const struct ct_netns *ns, struct ct_link *l)
{
	int rpf = l->eff_rp_filter, parp = l->eff_proxy_arp;
	int all_rpf = ns->conf.rp_filter, all_parp = ns->conf.proxy_arp;
	/* the kernel applies max(all, dev) for rp_filter and (all OR dev) for proxy_arp */
	if (l->rp_filter >= 0 && all_rpf >= 0)
		l->eff_rp_filter = l->rp_filter > all_rpf ? l->rp_filter : all_rpf;
	if (l->proxy_arp >= 0 && all_parp >= 0)
		l->eff_proxy_arp = l->proxy_arp || all_parp;
	return rpf != l->eff_rp_filter || parp != l->eff_proxy_arp;
}

bool ct_netns_derive(struct ct_netns *ns)
{
	bool ch = false;
	for (size_t i = 0; i < ns->links.n; i++)
		ch |= ct_link_derive(ns, &ns->links.v[i]);
	if (ch)
		ns->gen.links++;
	return ch;
}

bool ct_link_is_tunnel(const struct ct_link *l)
{
	static const char *const kinds[] = {"vxlan",	 "ipip", "sit",	   "ip6tnl", "tun",
					    "wireguard", "gre",	 "gretap", "geneve"};

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(l->kind, kinds[i]) == 0)
			return true;
	return strcmp(l->name, "tunl0") == 0 || strncmp(l->name, "vxlan", 5) == 0;
}

void ct_node_derive_from(struct ct_node *node, const struct ct_netns *ns, const struct ct_netns *an,
			 const struct ct_prefixes *p)
{
	const int max_underlay = (int)(sizeof(node->underlay_ips) / sizeof(node->underlay_ips[0]));
	node->n_underlay = 0;
	for (size_t i = 0; i < an->addrs.n; i++) {
		const struct ct_addr *a = &an->addrs.v[i];
		const struct ct_link *l = ct_link_by_ifindex(ns, a->ifindex);
		if (!l || a->scope != CT_RT_SCOPE_UNIVERSE || !(l->flags & IFF_UP) ||
		    (l->flags & IFF_LOOPBACK) || ct_link_is_tunnel(l) || ct_is_workload(p, l->name))
			continue;
		if (node->n_underlay < max_underlay)
			node->underlay_ips[node->n_underlay++] = a->pfx.ip;
	}
	const struct ct_link *v = ct_link_by_name(ns, CT_VTEP_NAME);
	node->has_vtep = v != NULL;
	memset(&node->vtep_ip, 0, sizeof(node->vtep_ip));
	memset(node->vtep_mac, 0, sizeof(node->vtep_mac));
	if (v) {
		if (v->mac_len == 6)
			memcpy(node->vtep_mac, v->mac, 6);
		for (size_t i = 0; i < an->addrs.n; i++) {
			if (an->addrs.v[i].ifindex == v->ifindex &&
			    an->addrs.v[i].pfx.ip.family == AF_INET) {
				node->vtep_ip = an->addrs.v[i].pfx.ip;
				break;
			}
		}
	}
}

void ct_node_derive(struct ct_node *node, const struct ct_prefixes *p)
{
	if (node->ns.n)
		ct_node_derive_from(node, &node->ns.v[0], &node->ns.v[0], p);
}
