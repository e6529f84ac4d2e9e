/* SPDX-License-Identifier: MIT */
/* Node-wide checks that belong to no single command. Pure. */
#include "analysis.h"
#include "model/bgp.h"

#include <stdio.h>
#include <string.h>

static const struct ct_link *link_of_addr(const struct ct_netns *ns, const struct ct_ip *ip)
{
	for (size_t i = 0; i < ns->addrs.n; i++)
		if (ct_ip_eq(&ns->addrs.v[i].pfx.ip, ip))
			return ct_link_by_ifindex(ns, ns->addrs.v[i].ifindex);
	return NULL;
}

/* The addresses Calico chose for this node: BIRD's router id and session
 * sources, and the VXLAN devices' local addresses. */
static void check_node_address(const struct ct_node *n, const struct ct_netns *ns,
			       struct ct_findings *f)
{
	struct ct_ip cand[66];
	const char *why[66];
	int nc = 0;
	if (n->bgp) {
		if (ct_ip_parse(n->bgp->status.router_id, &cand[nc]) == 0)
			why[nc++] = "BIRD's router id";
		for (size_t i = 0; i < n->bgp->n_peers && nc < 64; i++)
			if (ct_ip_is_set(&n->bgp->peers[i].source)) {
				cand[nc] = n->bgp->peers[i].source;
				why[nc++] = "the source address of BGP sessions";
			}
	}
	for (size_t i = 0; i < ns->links.n && nc < 66; i++)
		if (!strcmp(ns->links.v[i].kind, "vxlan") && !ct_ip_is_any(&ns->links.v[i].u.vxlan.local)) {
			cand[nc] = ns->links.v[i].u.vxlan.local;
			why[nc++] = "the VXLAN device's local address";
		}
	for (int i = 0; i < nc; i++) {
		const struct ct_link *l = link_of_addr(ns, &cand[i]);
		if (!l || strcmp(l->kind, "bridge"))
			continue;
		bool dup = false;
		for (int k = 0; k < i && !dup; k++)
			dup = ct_ip_eq(&cand[k], &cand[i]);
		if (dup)
			continue;
		char ip[64], ev[256];
		ct_ip_fmt(&cand[i], ip, sizeof(ip));
		snprintf(ev, sizeof(ev), "%s %s is on %s (kind bridge)", why[i], ip, l->name);
		ct_finding_add(f, "node_address_on_bridge", ns->name, l->name, ev,
			       "set IP_AUTODETECTION_METHOD on calico-node (e.g. interface=eth0, or can-reach= "
			       "an address of another node)",
			       "Calico uses %s on bridge %s: other nodes cannot reach it", ip, l->name);
	}
}

int ct_analyze_node(const struct ct_node *n, const struct ct_netns *ns,
		    const struct ct_host_env *env, struct ct_findings *f)
{
	char ev[320];
	if (ns->conf.ip_forward == 0)
		ct_finding_run(ct_finding_add(f, "ip_forward_off", ns->name, "net.ipv4.ip_forward",
					      "net.ipv4.ip_forward = 0",
					      "turn IPv4 forwarding on, and persist it in /etc/sysctl.d",
					      "IPv4 forwarding is off: no pod traffic is routed"),
			       ns, "sysctl", "-w", "net.ipv4.ip_forward=1", NULL);
	if (ns->conf.rp_filter == 2)
		ct_finding_run(ct_finding_add(f, "rp_filter_loose_all", ns->name,
					      "net.ipv4.conf.all.rp_filter", "net.ipv4.conf.all.rp_filter = 2",
					      "set it to strict (1) or off (0), or set FELIX_IGNORELOOSERPF=true "
					      "on calico-node",
					      "all.rp_filter is loose (2): Felix refuses to start in this mode"),
			       ns, "sysctl", "-w", "net.ipv4.conf.all.rp_filter=1", NULL);
	/* strict reverse-path filtering where traffic may come back another way */
	for (size_t i = 0; i < ns->links.n; i++) {
		const struct ct_link *l = &ns->links.v[i];
		bool tunnel = !strcmp(l->kind, "vxlan") || !strcmp(l->kind, "ipip") ||
			      !strcmp(l->kind, "wireguard");
		bool underlay = false;
		for (int k = 0; k < n->n_underlay && !underlay; k++)
			underlay = link_of_addr(ns, &n->underlay_ips[k]) == l;
		if ((!tunnel && !underlay) || l->eff_rp_filter != 1)
			continue;
		snprintf(ev, sizeof(ev), "net.ipv4.conf.%s.rp_filter = %d, all = %d: strict", l->name,
			 l->rp_filter, ns->conf.rp_filter);
		ct_finding_run_sysctl(
			ct_finding_add(f, "rp_filter_strict_underlay", ns->name, l->name, ev,
				       "if return traffic is asymmetric, make it loose (2)",
				       "strict rp_filter on %s %s drops replies that come back on another interface",
				       tunnel ? "tunnel" : "underlay", l->name),
			ns, "net.ipv4.conf", l->name, "rp_filter", "2");
	}
	if (ns->conf.conntrack_max > 0 && ns->conf.conntrack_count >= 0) {
		long long c = ns->conf.conntrack_count, m = ns->conf.conntrack_max;
		snprintf(ev, sizeof(ev), "nf_conntrack_count %lld of nf_conntrack_max %lld (%lld%%)", c, m, c * 100 / m);
		static const char fix[] =
			"double the limit, then find what fills the table (conntrack -L, counted by source)";
		struct ct_finding *x = NULL;
		if (c * 10 >= m * 9)
			x = c >= m ? ct_finding_add(f, "conntrack_full", ns->name, "conntrack", ev, fix,
						    "the conntrack table is full (%lld of %lld entries): the kernel drops new connections (\"nf_conntrack: table full\")",
						    c, m)
				   : ct_finding_add(f, "conntrack_full", ns->name, "conntrack", ev, fix,
						    "the conntrack table is %lld%% full (%lld of %lld entries): at %lld the kernel drops new connections (\"nf_conntrack: table full\")",
						    c * 100 / m, c, m, m);
		else if (c * 4 >= m * 3)
			x = ct_finding_add(f, "conntrack_pressure", ns->name, "conntrack", ev, fix,
					   "the conntrack table is %lld%% full", c * 100 / m);
		char kv[96];
		snprintf(kv, sizeof(kv), "net.netfilter.nf_conntrack_max=%lld", m * 2);
		if (x)
			ct_finding_run(x, ns, "sysctl", "-w", kv, NULL);
	}
	check_node_address(n, ns, f);
	for (size_t i = 0; i < ns->links.n; i++)
		if (!strcmp(ns->links.v[i].name, "bpfin.cali") || !strcmp(ns->links.v[i].name, "bpfout.cali")) {
			ct_finding_add(f, "ebpf_dataplane", ns->name, ns->links.v[i].name,
				       "bpfin.cali/bpfout.cali exist: Calico's eBPF dataplane programs the data path",
				       "use calico-node -bpf (conntrack, routes, counters) for the data path",
				       "Calico's eBPF dataplane is active: routes and iptables do not tell the whole path");
			break;
		}
	if (env && env->nm_running == 1 && env->nm_unmanaged_ok == 0) {
		snprintf(ev, sizeof(ev), "NetworkManager is running; %s has no unmanaged-devices entry for cali*, tunl*, vxlan.calico",
			 env->nm_conf[0] ? env->nm_conf : "its configuration");
		ct_finding_add(f, "networkmanager_manages_calico", ns->name, "NetworkManager", ev,
			       "add to /etc/NetworkManager/conf.d/calico.conf: [keyfile] unmanaged-devices=interface-name:cali*;interface-name:tunl*;interface-name:vxlan.calico;interface-name:vxlan-v6.calico;interface-name:wireguard.cali",
			       "NetworkManager may take over Calico's interfaces and remove their routes");
	}
	return 0;
}
