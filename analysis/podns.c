/* SPDX-License-Identifier: MIT */
/* A pod's own namespace: recognised by its veth peer, and given pod checks. Pure. */
#include "analysis/podns.h"
#include "analysis/analysis.h"
#include "model/plural.h"

#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

const struct ct_link *ct_podns_candidate(const struct ct_netns *ns, const struct ct_prefixes *p)
{
	const struct ct_link *best = NULL;
	for (size_t i = 0; i < ns->links.n; i++) {
		const struct ct_link *l = &ns->links.v[i];
		if (ct_is_workload(p, l->name))
			return NULL; /* a node: it holds workload interfaces */
		if (strcmp(l->kind, "veth") || l->link <= 0)
			continue;
		if (!best || (!strcmp(l->name, "eth0") && strcmp(best->name, "eth0")))
			best = l;
	}
	return best;
}

const struct ct_link *ct_podns_eth0(const struct ct_netns *ns, const struct ct_netns *host,
				    const struct ct_prefixes *p, const struct ct_link **host_side)
{
	*host_side = NULL;
	const struct ct_link *l = ct_podns_candidate(ns, p);
	if (!l || !host || host == ns)
		return NULL;
	const struct ct_link *h = ct_link_by_ifindex(host, l->link);
	if (!h || strcmp(h->kind, "veth") || !ct_is_workload(p, h->name))
		return NULL;
	*host_side = h;
	return l;
}

static bool holds(const struct ct_netns *ns, int ifindex, const struct ct_ip *ip)
{
	for (size_t i = 0; i < ns->addrs.n; i++)
		if (ns->addrs.v[i].ifindex == ifindex && ct_ip_eq(&ns->addrs.v[i].pfx.ip, ip))
			return true;
	return false;
}

/* the main table's route to dst/len of family fam through oif with gateway gw
 * (gw NULL: no gateway, and the prefix only has to cover *cover) */
static const struct ct_route *pod_route(const struct ct_netns *ns, int oif, uint8_t fam, int len,
					const struct ct_ip *gw, const struct ct_ip *cover)
{
	for (size_t i = 0; i < ns->routes.n; i++) {
		const struct ct_route *r = &ns->routes.v[i];
		if (r->table != RT_TABLE_MAIN || r->dst.ip.family != fam || r->type != RTN_UNICAST ||
		    r->nh_count > 1 || r->oif != oif)
			continue;
		if (gw ? (r->dst.len == len && ct_ip_eq(&r->gw, gw))
		       : (!ct_ip_is_set(&r->gw) && ct_prefix_contains(&r->dst, cover)))
			return r;
	}
	return NULL;
}

/* what the namespace has instead: "default via X dev Y" or "no default route" */
static void default_is(const struct ct_netns *ns, uint8_t fam, char *buf, size_t len)
{
	for (size_t i = 0; i < ns->routes.n; i++) {
		const struct ct_route *r = &ns->routes.v[i];
		if (r->table != RT_TABLE_MAIN || r->dst.ip.family != fam || r->dst.len)
			continue;
		const struct ct_link *l = ct_link_by_ifindex(ns, r->oif);
		char g[64] = "";
		if (ct_ip_is_set(&r->gw))
			ct_ip_fmt(&r->gw, g, sizeof(g));
		snprintf(buf, len, "the default route is%s%s dev %s", g[0] ? " via " : "", g,
			 l ? l->name : "?");
		return;
	}
	snprintf(buf, len, "no %s default route", fam == AF_INET ? "IPv4" : "IPv6");
}

static bool has_global(const struct ct_netns *ns, int ifindex, uint8_t fam)
{
	for (size_t i = 0; i < ns->addrs.n; i++) {
		const struct ct_addr *a = &ns->addrs.v[i];
		if (a->ifindex == ifindex && a->pfx.ip.family == fam && a->scope == RT_SCOPE_UNIVERSE)
			return true;
	}
	return false;
}

static const char routes_fix[] =
	"restore the routes Calico's CNI plugin installs in the pod (or delete the pod so it is "
	"recreated)";

static void run_routes4(struct ct_finding *x, const struct ct_netns *ns, const char *dev)
{
	ct_finding_run(x, ns, "ip", "route", "replace", "169.254.1.1", "dev", dev, "scope", "link",
		       NULL);
	ct_finding_run(x, ns, "ip", "route", "replace", "default", "via", "169.254.1.1", "dev", dev,
		       NULL);
}

static void run_routes6(struct ct_finding *x, const struct ct_netns *ns, const char *dev)
{
	ct_finding_run(x, ns, "ip", "-6", "route", "replace", "default", "via",
		       "fe80::ecee:eeff:feee:eeee", "dev", dev, NULL);
}

static void check_routes(const struct ct_netns *ns, const struct ct_link *eth0,
			 struct ct_findings *f)
{
	char ev[320], have[160];
	const char *dev = eth0->name;
	/* IPv4: default via 169.254.1.1 dev eth0, and 169.254.1.1 reachable on eth0 */
	const struct ct_route *def = pod_route(ns, eth0->ifindex, AF_INET, 0, &ct_gw4, NULL);
	const struct ct_route *lr = pod_route(ns, eth0->ifindex, AF_INET, 0, NULL, &ct_gw4);
	if (!def) {
		default_is(ns, AF_INET, have, sizeof(have));
		snprintf(ev, sizeof(ev), "no 'default via 169.254.1.1 dev %s' in the main table; %s",
			 dev, have);
		struct ct_finding *x = ct_finding_add(
			f, "pod_no_default_route", ns->name, "0.0.0.0/0", ev, routes_fix,
			"the pod has no IPv4 default route via 169.254.1.1 on %s: it reaches nothing "
			"off its own address", dev);
		run_routes4(x, ns, dev);
	} else if (!(def->flags & RTNH_F_ONLINK) && !lr) {
		snprintf(ev, sizeof(ev), "default via 169.254.1.1 dev %s, but no route puts "
			 "169.254.1.1 on %s (no '169.254.1.1 dev %s scope link', no onlink)", dev, dev,
			 dev);
		struct ct_finding *x = ct_finding_add(
			f, "pod_no_default_route", ns->name, "0.0.0.0/0", ev, routes_fix,
			"the pod's default gateway 169.254.1.1 is not reachable through %s", dev);
		run_routes4(x, ns, dev);
	}
	/* IPv6, for a pod with a global IPv6 address */
	if (has_global(ns, eth0->ifindex, AF_INET6) &&
	    !pod_route(ns, eth0->ifindex, AF_INET6, 0, &ct_gw6, NULL)) {
		default_is(ns, AF_INET6, have, sizeof(have));
		snprintf(ev, sizeof(ev), "no 'default via fe80::ecee:eeff:feee:eeee dev %s'; %s", dev,
			 have);
		struct ct_finding *x = ct_finding_add(
			f, "pod_no_default_route", ns->name, "::/0", ev, routes_fix,
			"the pod has no IPv6 default route via fe80::ecee:eeff:feee:eeee on %s", dev);
		run_routes6(x, ns, dev);
	}
}

int ct_analyze_podns(const struct ct_netns *ns, const struct ct_link *eth0,
		     const struct ct_netns *host, const struct ct_link *host_side,
		     struct ct_findings *f_if, struct ct_findings *f_rt)
{
	char ev[320];
	const char *dev = eth0->name;
	if (!(eth0->flags & IFF_UP)) {
		/* the kernel removed the routes through it, and IPv6 addresses with them:
		 * consequences, not findings of their own */
		snprintf(ev, sizeof(ev), "%s is down; the kernel removed the routes through it", dev);
		struct ct_finding *x = ct_finding_add(
			f_if, "pod_eth0_down", ns->name, dev, ev,
			"bring it up, then restore the routes Calico's CNI plugin installs (and an IPv6 "
			"address and default route if the pod had them), or delete the pod so it is "
			"recreated",
			"the pod's %s is down: the pod has no network", dev);
		ct_finding_run(x, ns, "ip", "link", "set", "dev", dev, "up", NULL);
		if (!pod_route(ns, eth0->ifindex, AF_INET, 0, &ct_gw4, NULL))
			run_routes4(x, ns, dev);
		return 0;
	}
	check_routes(ns, eth0, f_rt);
	/* its address: what the host routes to the host side, else any global address */
	bool routed = false;
	for (size_t i = 0; host && host_side && i < host->routes.n; i++) {
		const struct ct_route *r = &host->routes.v[i];
		if (r->table != RT_TABLE_MAIN || r->oif != host_side->ifindex || r->nh_count > 1 ||
		    r->dst.len != (r->dst.ip.family == AF_INET ? 32 : 128))
			continue;
		routed = true;
		if (holds(ns, eth0->ifindex, &r->dst.ip))
			continue;
		char ip[64], pfx[72];
		ct_ip_fmt(&r->dst.ip, ip, sizeof(ip));
		ct_prefix_fmt(&r->dst, pfx, sizeof(pfx));
		snprintf(ev, sizeof(ev), "the node routes %s to %s, but %s does not hold %s", pfx,
			 host_side->name, dev, ip);
		ct_finding_run(ct_finding_add(f_if, "pod_eth0_no_address", ns->name, dev, ev,
					      "give eth0 its address back (or delete the pod so it is "
					      "recreated)",
					      "the pod's %s does not hold its address %s: traffic to it is "
					      "dropped in the pod", dev, ip),
			       ns, "ip", "addr", "add", pfx, "dev", dev, NULL);
	}
	if (!routed && !has_global(ns, eth0->ifindex, AF_INET) &&
	    !has_global(ns, eth0->ifindex, AF_INET6)) {
		snprintf(ev, sizeof(ev), "%s has no global address", dev);
		ct_finding_add(f_if, "pod_eth0_no_address", ns->name, dev, ev,
			       "delete the pod so that Calico's CNI plugin sets it up again",
			       "the pod's %s has no address", dev);
	}
	if (host_side && host_side->mtu && eth0->mtu != host_side->mtu) {
		char m[16];
		snprintf(ev, sizeof(ev), "%s mtu %u; host side %s mtu %u", dev, eth0->mtu,
			 host_side->name, host_side->mtu);
		snprintf(m, sizeof(m), "%u", host_side->mtu);
		ct_finding_run(ct_finding_add(f_if, "pod_mtu_mismatch", ns->name, dev, ev,
					      "Calico gives both ends the MTU it is configured with: "
					      "set the pod's side to the host side's",
					      "the pod's %s has MTU %u, its host side %s %u: %s", dev,
					      eth0->mtu, host_side->name, host_side->mtu,
					      eth0->mtu > host_side->mtu
						      ? "large packets from the pod are dropped"
						      : "large packets to the pod are dropped"),
			       ns, "ip", "link", "set", "dev", dev, "mtu", m, NULL);
	}
	return 0;
}

static void gateway_row(const struct ct_netns *ns, const struct ct_link *eth0,
			const struct ct_ip *gw, struct ct_pod_gateway *g)
{
	if (g->present)
		return;
	memset(g, 0, sizeof(*g));
	g->present = true;
	g->gw = *gw;
	g->ifindex = eth0->ifindex;
	for (size_t i = 0; i < ns->neighs.n && !g->entry; i++) {
		const struct ct_neigh *x = &ns->neighs.v[i];
		if (x->ifindex == eth0->ifindex && ct_ip_eq(&x->dst, gw) && !(x->flags & NTF_PROXY))
			g->entry = x;
	}
}

int ct_podns_neigh(const struct ct_netns *ns, const struct ct_link *eth0,
		   struct ct_pod_gateway *gw4, struct ct_pod_gateway *gw6, struct ct_findings *f)
{
	if (!(eth0->flags & IFF_UP))
		return 0;
	check_routes(ns, eth0, f);
	gateway_row(ns, eth0, &ct_gw4, gw4);
	if (has_global(ns, eth0->ifindex, AF_INET6))
		gateway_row(ns, eth0, &ct_gw6, gw6);
	return 0;
}

int ct_doctor_pod_result_build(const struct ct_node *n, const struct ct_netns *ns,
			       const struct ct_link *eth0, const struct ct_netns *host,
			       const struct ct_link *host_side, const struct ct_prefixes *p,
			       struct ct_doctor_result *r, struct ct_findings *all)
{
	static const char *const names[CT_DOCTOR_AREAS][2] = {
		{"pod", "the pod's interface: up, its address, MTU against the host side"},
		{"routes", "the route to 169.254.1.1 and the IPv6 default through it"},
		{"neigh", "the gateway's neighbour entry"},
		{"node", "node checks (forwarding, rp_filter, conntrack, ...)"},
		{"tunnel", "encapsulation devices and VTEPs"},
		{"bgp", "BIRD sessions and routes"},
	};
	struct ct_findings f[CT_DOCTOR_AREAS];
	memset(r, 0, sizeof(*r));
	for (int i = 0; i < CT_DOCTOR_AREAS; i++) {
		r->a[i].name = names[i][0];
		r->a[i].what = names[i][1];
		ct_findings_init(&f[i]);
	}
	struct ct_doctor_area *a = r->a;
	ct_analyze_podns(ns, eth0, host, host_side, &f[0], &f[1]);
	if (host_side)
		snprintf(a[0].note, sizeof(a[0].note), "%s, peer of workload interface %s", eth0->name,
			 host_side->name);
	else
		snprintf(a[0].note, sizeof(a[0].note), "%s; its host side could not be read",
			 eth0->name);
	snprintf(a[1].note, sizeof(a[1].note), "%zu %s", ns->routes.n,
		 ct_plural(ns->routes.n, "route", "routes"));
	/* the gateway's entry only: the neighbour tables are the node's */
	struct ct_findings nf;
	ct_findings_init(&nf);
	struct ct_pod_gateway g4, g6;
	ct_analyze_neigh(n, ns, p, host, &g4, &g6, &nf);
	static const char *const gw[] = {"pod_gateway_"};
	ct_findings_take(&f[2], &nf, gw, 1);
	ct_findings_free(&nf);
	snprintf(a[2].note, sizeof(a[2].note), "%s",
		 g4.entry || g6.entry ? "entry checked" : "no entry for the gateway (none needed yet)");
	for (int i = 3; i < CT_DOCTOR_AREAS; i++) {
		a[i].skipped = true;
		snprintf(a[i].note, sizeof(a[i].note), "a pod's namespace: not checked here");
	}
	int rc = 0;
	for (int i = 0; i < CT_DOCTOR_AREAS; i++) {
		a[i].worst = CT_SEV_INFO;
		for (size_t k = 0; k < f[i].n; k++) {
			a[i].problems += f[i].v[k].sev >= CT_SEV_WARN;
			if (f[i].v[k].sev > a[i].worst)
				a[i].worst = f[i].v[k].sev;
		}
		static const char *const every[] = {""};
		if (ct_findings_take(all, &f[i], every, 1) < 0)
			rc = -1;
		ct_findings_free(&f[i]);
	}
	return rc;
}
