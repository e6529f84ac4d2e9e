/* SPDX-License-Identifier: MIT */
/* Workload interfaces (the host side of each pod's veth) and their findings. Pure. */
#include "analysis.h"
#include "analysis/results.h"
#include "model/plural.h"

#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static int cmp_wl(const void *a, const void *b)
{
	const struct ct_workload *x = a, *y = b;
	return strcmp(x->link->name, y->link->name);
}

static const struct ct_pod *pod_by_veth(const struct ct_node *n, const char *name)
{
	for (size_t i = 0; i < n->pods.n; i++)
		if (n->pods.v[i].veth[0] && !strcmp(n->pods.v[i].veth, name))
			return &n->pods.v[i];
	return NULL;
}

int ct_workloads(const struct ct_node *n, const struct ct_netns *ns, const struct ct_prefixes *p,
		 struct ct_workload **out, size_t *nout)
{
	size_t cnt = 0;
	for (size_t i = 0; i < ns->links.n; i++)
		if (ct_is_workload(p, ns->links.v[i].name))
			cnt++;
	struct ct_workload *w = calloc(cnt ? cnt : 1, sizeof(*w));
	if (!w)
		return -1;
	/* position of each link in w, by links.v position */
	int *pos = malloc((ns->links.n ? ns->links.n : 1) * sizeof(int));
	if (!pos) {
		free(w);
		return -1;
	}
	size_t k = 0;
	for (size_t i = 0; i < ns->links.n; i++) {
		const struct ct_link *l = &ns->links.v[i];
		pos[i] = -1;
		if (!ct_is_workload(p, l->name))
			continue;
		pos[i] = (int)k;
		w[k].link = l;
		w[k].pod = pod_by_veth(n, l->name);
		if (l->peer_ns >= 0 && (size_t)l->peer_ns < n->ns.n)
			w[k].peer_netns = n->ns.v[l->peer_ns].name;
		k++;
	}
	for (size_t i = 0; i < ns->routes.n; i++) {
		const struct ct_route *r = &ns->routes.v[i];
		if (r->table != RT_TABLE_MAIN || r->type != RTN_UNICAST || r->nh_count > 1 ||
		    r->dst.len != ct_ip_maxlen(r->dst.ip.family) || ct_ip_is_set(&r->gw))
			continue;
		const struct ct_link *l = ct_link_by_ifindex(ns, r->oif);
		if (!l)
			continue;
		int j = pos[l - ns->links.v];
		if (j >= 0 && w[j].n_ips < 8)
			w[j].ips[w[j].n_ips++] = r->dst.ip;
	}
	free(pos);
	qsort(w, k, sizeof(*w), cmp_wl);
	*out = w;
	*nout = k;
	return 0;
}

int ct_analyze_links(const struct ct_node *n, const struct ct_netns *ns,
		     const struct ct_prefixes *p, const struct ct_workload *w, size_t nw,
		     struct ct_findings *f)
{
	char ev[256], fix[256];
	/* a node is dual-stack when its workloads have routes of both families; a
	 * workload missing one family then has lost a route */
	int fam4 = 0, fam6 = 0;
	for (size_t i = 0; i < nw; i++) {
		bool has4 = false, has6 = false;
		for (int k = 0; k < w[i].n_ips; k++) {
			has4 |= w[i].ips[k].family == AF_INET;
			has6 |= w[i].ips[k].family == AF_INET6;
		}
		fam4 += has4;
		fam6 += has6;
	}
	/* the fold tag says which family's switch (analysis/fold.c) */
	struct ct_finding *fx;
	if (ns->conf.ip_forward == 0 && nw) {
		fx = ct_finding_add(f, "forwarding_off", ns->name, "net.ipv4.ip_forward",
				   "net.ipv4.ip_forward = 0",
				   "turn IPv4 forwarding on (and persist it in /etc/sysctl.d)",
				   "IPv4 forwarding is off: no pod traffic leaves this node");
		ct_finding_run(fx, ns, "sysctl", "-w", "net.ipv4.ip_forward=1", NULL);
		ct_finding_tag(fx, "ipv4", NULL);
	}
	/* IPv6's switch is its own cause: only where the workloads have IPv6 (many
	 * nodes are IPv4-only and leave it off) */
	if (ns->conf.forwarding6 == 0 && fam6) {
		fx = ct_finding_add(f, "forwarding_off", ns->name, "net.ipv6.conf.all.forwarding",
				   "net.ipv6.conf.all.forwarding = 0",
				   "turn IPv6 forwarding on (and persist it in /etc/sysctl.d)",
				   "IPv6 forwarding is off: no pod IPv6 traffic leaves this node");
		ct_finding_run(fx, ns, "sysctl", "-w", "net.ipv6.conf.all.forwarding=1", NULL);
		ct_finding_tag(fx, "ipv6", NULL);
	}
	for (size_t i = 0; i < nw; i++) {
		const struct ct_link *l = w[i].link;
		const char *nm = l->name;
		bool up = l->flags & 1;
		if (!ct_rule_link_up(l)) {
			snprintf(ev, sizeof(ev), "%s: admin %s, oper %s", nm, up ? "up" : "down",
				 l->oper == CT_OPER_LOWERLAYERDOWN ? "lowerlayerdown (the pod side is gone or down)"
				 : l->oper == CT_OPER_DOWN ? "down" : "up");
			snprintf(fix, sizeof(fix), "%s",
				 up ? "the pod's side of the veth is down: restart the pod"
				    : "bring it up, then let Felix restore the route (or restart the pod)");
			struct ct_finding *x = ct_finding_add(f, "workload_link_down", ns->name, nm, ev,
							      fix, "workload interface %s is down", nm);
			if (!up)
				ct_finding_run(x, ns, "ip", "link", "set", "dev", nm, "up", NULL);
		}
		bool has4 = false, has6 = false;
		for (int k = 0; k < w[i].n_ips; k++) {
			has4 |= w[i].ips[k].family == AF_INET;
			has6 |= w[i].ips[k].family == AF_INET6;
		}
		if (w[i].n_ips == 0) {
			snprintf(ev, sizeof(ev), "no /32 or /128 route with dev %s in table main", nm);
			struct ct_finding *x = ct_finding_add(
				f, "workload_no_route", ns->name, nm, ev,
				w[i].pod && w[i].pod->n_ips
					? "re-add the pod's routes (its IPs as kubectl reports them)"
					: "check the pod's IP (kubectl get pod -o wide) and re-add its route: "
					  "ip route add POD_IP dev INTERFACE scope link",
				"%s has no route to its pod: traffic to the pod has nowhere to go", nm);
			for (int k = 0; w[i].pod && k < w[i].pod->n_ips; k++) {
				char ip[64];
				ct_ip_fmt(&w[i].pod->ips[k], ip, sizeof(ip));
				ct_finding_run(x, ns, "ip", "route", "add", ip, "dev", nm, "scope", "link",
					       NULL);
			}
		} else if ((!has4 && fam4 > 0) || (!has6 && fam6 > 0)) {
			const char *fam = !has4 ? "IPv4 (/32)" : "IPv6 (/128)";
			int others = !has4 ? fam4 : fam6;
			snprintf(ev, sizeof(ev), "no %s route with dev %s; %d other %s one", fam, nm, others,
				 ct_plural((unsigned)others, "workload has", "workloads have"));
			ct_finding_add(f, "workload_no_route", ns->name, nm, ev,
				       "check the pod's IPs (kubectl get pod -o wide) and re-add the missing "
				       "route: ip route add POD_IP dev INTERFACE scope link",
				       "%s has no %s route to its pod on this dual-stack node", nm, fam);
		}
		/* every address kubectl reports for the pod needs its route */
		for (int k = 0; w[i].pod && k < w[i].pod->n_ips; k++) {
			bool found = false;
			for (int j = 0; j < w[i].n_ips && !found; j++)
				found = ct_ip_eq(&w[i].ips[j], &w[i].pod->ips[k]);
			if (found || w[i].n_ips == 0)
				continue;
			char ip[64];
			ct_ip_fmt(&w[i].pod->ips[k], ip, sizeof(ip));
			snprintf(ev, sizeof(ev), "pod %s/%s has IP %s; no route %s dev %s", w[i].pod->ns,
				 w[i].pod->name, ip, ip, nm);
			ct_finding_run(ct_finding_add(f, "workload_no_route", ns->name, nm, ev,
						      "re-add the pod's route",
						      "%s has no route for its pod's address %s", nm, ip),
				       ns, "ip", "route", "add", ip, "dev", nm, "scope", "link", NULL);
		}
		if (ct_rule_sysctl_bad(l->eff_proxy_arp)) {
			snprintf(ev, sizeof(ev), "net.ipv4.conf.%s.proxy_arp = %d, conf.all.proxy_arp = %d",
				 nm, l->proxy_arp, ns->conf.proxy_arp);
			ct_finding_run_sysctl(
				ct_finding_add(f, "proxy_arp_off", ns->name, nm, ev,
					       "turn proxy ARP on (Felix sets it; check calico-node if it goes off again)",
					       "proxy ARP is off on %s: the pod cannot resolve its gateway 169.254.1.1", nm),
				ns, "net.ipv4.conf", nm, "proxy_arp", "1");
		}
		if (ct_rule_sysctl_bad(l->forwarding)) {
			snprintf(ev, sizeof(ev), "net.ipv4.conf.%s.forwarding = 0", nm);
			fx = ct_finding_add(f, "forwarding_off", ns->name, nm, ev,
					    "turn forwarding on for this interface",
					    "forwarding is off on %s: packets from the pod are dropped", nm);
			ct_finding_run_sysctl(fx, ns, "net.ipv4.conf", nm, "forwarding", "1");
			ct_finding_tag(fx, "ipv4", NULL);
		}
		if (l->mac_len == 6 && !ct_rule_mac_ok(l)) {
			char m[32];
			ct_mac_fmt(l->mac, l->mac_len, m, sizeof(m));
			snprintf(ev, sizeof(ev), "%s link/ether %s", nm, m);
			ct_finding_add(f, "workload_mac_unexpected", ns->name, nm, ev,
				       "check that Calico (not another CNI) created this interface",
				       "%s has MAC %s, not Calico's ee:ee:ee:ee:ee:ee", nm, m);
		}
		if (n->have_pods && !w[i].pod) {
			snprintf(ev, sizeof(ev), "no pod of this node hashes to %s", nm);
			ct_finding_run(ct_finding_add(f, "orphan_veth", ns->name, nm, ev,
						      "if no pod uses it (check the prefix with --prefix first), delete it",
						      "%s belongs to no known pod (leftover from a deleted pod?)", nm),
				       ns, "ip", "link", "del", "dev", nm, NULL);
		}
	}
	if (n->have_pods) {
		for (size_t i = 0; i < n->pods.n; i++) {
			const struct ct_pod *pod = &n->pods.v[i];
			if (pod->host_network || strcmp(pod->phase, "Running") != 0 || !pod->veth[0])
				continue;
			if (pod->node[0] && n->name[0] && strcmp(pod->node, n->name) != 0)
				continue;
			bool found = false;
			for (size_t j = 0; j < nw && !found; j++)
				found = !strcmp(w[j].link->name, pod->veth);
			if (found)
				continue;
			char subj[CT_NAME_LEN * 2 + 2];
			snprintf(subj, sizeof(subj), "%s/%s", pod->ns, pod->name);
			snprintf(ev, sizeof(ev), "expected interface %s is not in this namespace", pod->veth);
			ct_finding_add(f, "pod_without_veth", ns->name, subj, ev,
				       "check the CNI plugin log (/var/log/calico/cni/cni.log) and restart the pod",
				       "Running pod %s has no workload interface", subj);
		}
	}
	return ct_newfind_links(n, ns, p, w, nw, f);
}
