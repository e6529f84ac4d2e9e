/* SPDX-License-Identifier: MIT */
/* Neighbour tables: histograms, table pressure, the pod gateway entry. Pure. */
#include "analysis.h"
#include "analysis/gwcause.h"
#include "analysis/results.h"
#include "model/plural.h"

#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

const uint16_t ct_nud_bucket_state[CT_NUD_BUCKETS] = {
	NUD_INCOMPLETE, NUD_FAILED, NUD_REACHABLE, NUD_STALE, NUD_DELAY,
	NUD_PROBE,      NUD_PERMANENT, NUD_NOARP,  NUD_NONE,
};

int ct_nud_bucket(uint16_t state)
{
	for (int i = 0; i < CT_NUD_BUCKETS - 1; i++)
		if (state & ct_nud_bucket_state[i])
			return i;
	return CT_NUD_BUCKETS - 1;
}

static int rank(const struct ct_neigh *x)
{
	int b = ct_nud_bucket(x->state);
	return b <= 1 ? b : 2; /* incomplete, failed, then the rest */
}

static int cmp_neigh(const void *a, const void *b, void *arg)
{
	const struct ct_netns *ns = arg;
	const struct ct_neigh *x = &ns->neighs.v[*(const uint32_t *)a];
	const struct ct_neigh *y = &ns->neighs.v[*(const uint32_t *)b];
	int rx = rank(x), ry = rank(y);
	if (rx != ry)
		return rx < ry ? -1 : 1;
	if (x->ifindex != y->ifindex)
		return x->ifindex < y->ifindex ? -1 : 1;
	if (x->dst.family != y->dst.family)
		return x->dst.family < y->dst.family ? -1 : 1;
	return memcmp(x->dst.a, y->dst.a, 16);
}

int ct_neigh_order(const struct ct_netns *ns, uint32_t **out)
{
	uint32_t *idx = malloc((ns->neighs.n ? ns->neighs.n : 1) * sizeof(uint32_t));
	if (!idx)
		return -1;
	for (size_t i = 0; i < ns->neighs.n; i++)
		idx[i] = (uint32_t)i;
	qsort_r(idx, ns->neighs.n, sizeof(uint32_t), cmp_neigh, (void *)ns);
	*out = idx;
	return 0;
}

int ct_neigh_devices(const struct ct_netns *ns, struct ct_neigh_dev **out, size_t *nout)
{
	struct ct_neigh_dev *d = calloc(ns->links.n ? ns->links.n : 1, sizeof(*d));
	size_t n = 0;
	if (!d)
		return -1;
	for (size_t i = 0; i < ns->links.n; i++)
		d[i].ifindex = ns->links.v[i].ifindex;
	for (size_t i = 0; i < ns->neighs.n; i++) {
		const struct ct_neigh *x = &ns->neighs.v[i];
		const struct ct_link *l = ct_link_by_ifindex(ns, x->ifindex);
		if (!l || (x->flags & NTF_PROXY))
			continue;
		struct ct_neigh_dev *e = &d[l - ns->links.v];
		e->total++;
		e->by_state[ct_nud_bucket(x->state)]++;
	}
	/* keep devices that have entries, FAILED/INCOMPLETE-heavy first */
	for (size_t i = 0; i < ns->links.n; i++)
		if (d[i].total)
			d[n++] = d[i];
	for (size_t i = 1; i < n; i++) {
		struct ct_neigh_dev t = d[i];
		unsigned bad = t.by_state[0] + t.by_state[1];
		size_t j = i;
		while (j > 0 && d[j - 1].by_state[0] + d[j - 1].by_state[1] < bad) {
			d[j] = d[j - 1];
			j--;
		}
		d[j] = t;
	}
	*out = d;
	*nout = n;
	return 0;
}

static void find_gateway(const struct ct_netns *ns, const struct ct_ip *gwip,
			 struct ct_pod_gateway *g)
{
	memset(g, 0, sizeof(*g));
	g->gw = *gwip;
	for (size_t i = 0; i < ns->routes.n; i++) {
		const struct ct_route *r = &ns->routes.v[i];
		if (r->table == RT_TABLE_MAIN && ct_ip_eq(&r->gw, gwip)) {
			g->present = true;
			g->ifindex = r->oif;
			break;
		}
	}
	if (!g->present)
		return;
	for (size_t i = 0; i < ns->neighs.n; i++) {
		const struct ct_neigh *x = &ns->neighs.v[i];
		if (x->ifindex == g->ifindex && ct_ip_eq(&x->dst, gwip) && !(x->flags & NTF_PROXY)) {
			g->entry = x;
			break;
		}
	}
}

/* Why the host side does not answer ARP/ND for the gateway, from the host namespace. */
static void gateway_why(const struct ct_netns *ns, const struct ct_netns *host, char *why,
			size_t len)
{
	const struct ct_link *pod_if = NULL;
	for (size_t i = 0; i < ns->links.n && !pod_if; i++)
		if (!strcmp(ns->links.v[i].kind, "veth"))
			pod_if = &ns->links.v[i];
	if (!host || !pod_if) {
		snprintf(why, len, "the host side of this pod's veth must answer with proxy ARP; run "
			 "'caltrace links' in the host namespace");
		return;
	}
	const struct ct_link *h = ct_link_by_ifindex(host, pod_if->link);
	if (!h) {
		snprintf(why, len, "the host side of the veth (ifindex %d) was not found", pod_if->link);
		return;
	}
	if (!(h->flags & 1)) {
		snprintf(why, len, "host side %s is down", h->name);
		return;
	}
	if (h->eff_proxy_arp == 0) {
		snprintf(why, len, "proxy_arp is off on host side %s", h->name);
		return;
	}
	for (size_t i = 0; i < host->gwchecks.n; i++) {
		const struct ct_gwcheck *gc = &host->gwchecks.v[i];
		char c[256];
		if (gc->iif == h->ifindex && ct_gw_why(host, gc, c, sizeof(c))) {
			/* the host side's own cause (analysis/gwcause.c) */
			snprintf(why, len, "the host refuses 169.254.1.1 from %s: %s", h->name, c);
			return;
		}
	}
	snprintf(why, len, "host side %s looks right (up, proxy_arp on, gateway routable); check "
		 "policy (iptables/nft) and arp_ignore on the host", h->name);
}

static void check_gateway(const struct ct_netns *ns, const struct ct_netns *host,
			  const struct ct_pod_gateway *g, struct ct_findings *f)
{
	char ip[64], ev[320], why[256], m[32];
	ct_ip_fmt(&g->gw, ip, sizeof(ip));
	const struct ct_link *dev = ct_link_by_ifindex(ns, g->ifindex);
	const char *dn = dev ? dev->name : "?";
	if (!g->entry)
		return; /* no entry yet: the pod has not sent anything; not a problem */
	if (ct_rule_nud_bad(g->entry->state)) {
		gateway_why(ns, host, why, sizeof(why));
		snprintf(ev, sizeof(ev), "%s dev %s %s; %s", ip, dn,
			 g->entry->state & NUD_FAILED ? "FAILED" : "INCOMPLETE", why);
		struct ct_finding *x = ct_finding_add(f, "pod_gateway_failed", ns->name, ip, ev,
						      "fix the cause above, then flush the pod's neighbour entries",
						      "the pod cannot resolve its gateway %s: %s", ip, why);
		if (dev)
			ct_finding_run(x, ns, "ip", "neigh", "flush", "dev", dn, NULL);
	} else if (g->entry->lladdr_len == 6 && memcmp(g->entry->lladdr, ct_calico_mac, 6)) {
		ct_mac_fmt(g->entry->lladdr, 6, m, sizeof(m));
		snprintf(ev, sizeof(ev), "%s dev %s lladdr %s", ip, dn, m);
		bool perm = g->entry->state & NUD_PERMANENT; /* flush leaves permanent entries */
		if (perm)
			snprintf(ev, sizeof(ev), "%s dev %s lladdr %s PERMANENT", ip, dn, m);
		struct ct_finding *x = ct_finding_add(f, "pod_gateway_wrong_mac", ns->name, ip, ev,
						      perm ? "check the host side's MAC (caltrace links), then delete the pod's permanent entry for the gateway"
							   : "check the host side's MAC (caltrace links), then flush the pod's neighbour entries",
						      "the gateway %s resolves to %s, not ee:ee:ee:ee:ee:ee", ip, m);
		if (dev && perm)
			ct_finding_run(x, ns, "ip", "neigh", "del", ip, "dev", dn, NULL);
		else if (dev)
			ct_finding_run(x, ns, "ip", "neigh", "flush", "dev", dn, NULL);
	}
}

int ct_analyze_neigh(const struct ct_node *n, const struct ct_netns *ns,
		     const struct ct_prefixes *p, const struct ct_netns *host,
		     struct ct_pod_gateway *gw4, struct ct_pod_gateway *gw6,
		     struct ct_findings *f)
{
	char ev[320], subj[96];
	(void)n;
	/* table pressure (the tables are global across namespaces) */
	for (size_t i = 0; i < ns->neightbls.n; i++) {
		const struct ct_neightbl *t = &ns->neightbls.v[i];
		if (!t->gc_thresh3)
			continue;
		uint32_t perm, gc;
		int level = ct_rule_neightbl(ns, t, &gc, &perm);
		snprintf(ev, sizeof(ev),
			 "%s: %u %s (%u permanent %s here, which the collector ignores); "
			 "gc_thresh1 %u, gc_thresh2 %u, gc_thresh3 %u",
			 t->name, t->entries, ct_plural(t->entries, "entry", "entries"), perm,
			 ct_plural(perm, "one", "ones"), t->gc_thresh1, t->gc_thresh2, t->gc_thresh3);
		const char *v6 = t->family == AF_INET6 ? "ipv6" : "ipv4";
		static const char fix[] = "double gc_thresh3 (and raise gc_thresh1 and gc_thresh2 with it), in the host's namespace: the tables are global and only it has the keys";
		char kv[96];
		snprintf(kv, sizeof(kv), "net.%s.neigh.default.gc_thresh3=%llu", v6,
			 (unsigned long long)t->gc_thresh3 * 2);
		struct ct_finding *x = NULL;
		if (level == CT_SEV_FAIL)
			x = ct_finding_add(f, "neigh_table_overflow", ns->name, t->name, ev, fix,
					   "%s is at %u of %u collectable %s: the kernel will log \"neighbour table overflow\" and drop",
					   t->name, gc, t->gc_thresh3, ct_plural(t->gc_thresh3, "entry", "entries"));
		else if (level == CT_SEV_WARN)
			x = ct_finding_add(f, "neigh_table_pressure", ns->name, t->name, ev, fix,
					   "%s has %u collectable %s, above gc_thresh2 %u", t->name, gc,
					   ct_plural(gc, "entry", "entries"), t->gc_thresh2);
		if (x)
			ct_finding_run(x, NULL, "sysctl", "-w", kv, NULL); /* global: only the host namespace has the keys */
	}
	/* failed entries per device */
	struct ct_neigh_dev *d;
	size_t nd;
	if (ct_neigh_devices(ns, &d, &nd) < 0)
		return -1;
	for (size_t i = 0; i < nd; i++) {
		unsigned bad = d[i].by_state[0] + d[i].by_state[1];
		const struct ct_link *l = ct_link_by_ifindex(ns, d[i].ifindex);
		if (!bad || !l)
			continue;
		if (ct_is_workload(p, l->name))
			continue; /* reported per pod below */
		if (ct_netns_is_pod(ns))
			continue; /* the gateway check says more */
		snprintf(ev, sizeof(ev), "%s: %u failed, %u incomplete of %u", l->name, d[i].by_state[1],
			 d[i].by_state[0], d[i].total);
		ct_finding_run(ct_finding_add(f, "neigh_failed", ns->name, l->name, ev,
					      "list them and check the neighbours they name",
					      "%u neighbour %s on %s %s", bad, ct_plural(bad, "entry", "entries"),
					      l->name, ct_plural(bad, "does not resolve", "do not resolve")),
			       ns, "ip", "neigh", "show", "dev", l->name, "nud", "failed", NULL);
	}
	free(d);
	ct_newfind_neigh(n, ns, p, f);
	/* each pod's entry on its cali interface */
	for (size_t i = 0; i < ns->neighs.n; i++) {
		const struct ct_neigh *x = &ns->neighs.v[i];
		const struct ct_link *l = ct_link_by_ifindex(ns, x->ifindex);
		if (!l || !ct_is_workload(p, l->name) || !(x->state & NUD_FAILED))
			continue;
		char ip[64];
		ct_ip_fmt(&x->dst, ip, sizeof(ip));
		snprintf(subj, sizeof(subj), "%s %s", l->name, ip);
		snprintf(ev, sizeof(ev), "%s dev %s FAILED", ip, l->name);
		ct_finding_add(f, "workload_neigh_failed", ns->name, subj, ev,
			       "check that the pod is running and owns this IP (kubectl get pod -o wide)",
			       "the host cannot reach pod address %s on %s", ip, l->name);
	}
	/* inside a pod: the gateway */
	find_gateway(ns, &ct_gw4, gw4);
	find_gateway(ns, &ct_gw6, gw6);
	if (gw4->present)
		check_gateway(ns, host, gw4, f);
	if (gw6->present)
		check_gateway(ns, host, gw6, f);
	return 0;
}
