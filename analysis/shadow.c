/* SPDX-License-Identifier: MIT */
/*
 * Routes that shadow a workload: the kernel's route to each workload address
 * (ns->wlroutes, probes/wlroute.c), from the node and from each ingress, must
 * leave through the workload's own interface; when it does not, the model's
 * lookup (model/lookup.h) names the route and rule that win.
 * And `routes ADDR` for an address of this node's block that no workload holds.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/rtnetlink.h>

#include "analysis/analysis.h"
#include "analysis/shadow.h"
#include "model/lookup.h"

static const char *type_word(uint8_t t)
{
	switch (t) {
	case RTN_BLACKHOLE: return "blackhole";
	case RTN_UNREACHABLE: return "unreachable";
	case RTN_PROHIBIT: return "prohibit";
	case RTN_THROW: return "throw";
	default: return NULL;
	}
}

/* "ip route get DST [from SRC iif DEV]" */
static void query_fmt(const struct ct_netns *ns, const struct ct_wlroute *w, char *buf, size_t len)
{
	char d[64], s[64];
	const struct ct_link *in = w->iif ? ct_link_by_ifindex(ns, w->iif) : NULL;

	ct_ip_fmt(&w->dst, d, sizeof(d));
	if (!w->iif) {
		snprintf(buf, len, "ip route get %s", d);
		return;
	}
	ct_ip_fmt(&w->src, s, sizeof(s));
	snprintf(buf, len, "ip route get %s from %s iif %s", d, s, in ? in->name : "?");
}

/* The run line that removes what wins: a policy rule of its own, else the route. */
static void run_fix(struct ct_finding *x, const struct ct_netns *ns,
		    const struct ct_lookup_result *res)
{
	const char *v = res->route && res->route->dst.ip.family == AF_INET6 ? "-6" : "-4";
	char pr[16], pfx[64], tb[16], met[16];
	const char *argv[16];
	size_t n = 0;

	if (res->rule && !res->default_rules && res->rule->table != RT_TABLE_MAIN &&
	    res->rule->table != RT_TABLE_LOCAL && res->rule->table != RT_TABLE_DEFAULT) {
		snprintf(pr, sizeof(pr), "%u", res->rule->priority);
		ct_finding_run(x, ns, "ip", res->rule->family == AF_INET6 ? "-6" : "-4", "rule", "del",
			       "priority", pr, NULL);
		return;
	}
	if (!res->route)
		return;
	const struct ct_route *r = res->route;
	argv[n++] = "ip";
	argv[n++] = v;
	argv[n++] = "route";
	argv[n++] = "del";
	if (type_word(r->type))
		argv[n++] = type_word(r->type);
	ct_prefix_fmt(&r->dst, pfx, sizeof(pfx));
	argv[n++] = pfx[0] ? pfx : "default";
	if (r->table != RT_TABLE_MAIN) {
		snprintf(tb, sizeof(tb), "%u", r->table);
		argv[n++] = "table";
		argv[n++] = tb;
	}
	const struct ct_link *l = r->oif && !type_word(r->type) ? ct_link_by_ifindex(ns, r->oif) : NULL;
	if (l) {
		argv[n++] = "dev";
		argv[n++] = l->name;
	}
	if (r->priority) {
		snprintf(met, sizeof(met), "%u", r->priority);
		argv[n++] = "metric";
		argv[n++] = met;
	}
	ct_finding_runv(x, ns, argv, n);
}

/* The workload route's prefix as the routes view shows it (the finding's subject). */
static void wl_subject(const struct ct_wlroute *w, char *buf, size_t len)
{
	struct ct_prefix p = { .ip = w->dst, .len = ct_ip_maxlen(w->dst.family) };
	ct_prefix_fmt(&p, buf, len);
}

static bool wlroute_ok(const struct ct_wlroute *w)
{
	return !w->err && w->oif == w->wl;
}

int ct_analyze_shadow(const struct ct_netns *ns, struct ct_findings *f)
{
	struct ct_lookup_index ix;

	ct_lookup_index_init(&ix);
	bool indexed = false;
	for (size_t i = 0; i < ns->wlroutes.n; i++) {
		const struct ct_wlroute *w = &ns->wlroutes.v[i];
		size_t others = 0;
		if (wlroute_ok(w))
			continue;
		/* one finding per address: the first path that fails, and how many more */
		bool dup = false;
		for (size_t k = 0; k < i && !dup; k++)
			dup = !wlroute_ok(&ns->wlroutes.v[k]) && ct_ip_eq(&ns->wlroutes.v[k].dst, &w->dst);
		if (dup)
			continue;
		for (size_t k = i + 1; k < ns->wlroutes.n; k++)
			others += !wlroute_ok(&ns->wlroutes.v[k]) && ct_ip_eq(&ns->wlroutes.v[k].dst, &w->dst);
		if (!indexed) {
			indexed = true;
			(void)ct_lookup_index_build(&ix, ns);
		}
		struct ct_lookup_query q = { .dst = w->dst, .src = w->src, .iif = w->iif };
		struct ct_lookup_result res;
		char expl[320] = "", subj[64], d[64], qs[160], ev[320], from[128], more[48] = "";
		const struct ct_link *wl = ct_link_by_ifindex(ns, w->wl);
		const struct ct_link *ol = w->oif ? ct_link_by_ifindex(ns, w->oif) : NULL;
		const struct ct_link *in = w->iif ? ct_link_by_ifindex(ns, w->iif) : NULL;
		const char *wn = wl ? wl->name : "?";
		if (ct_lookup_ix(ns, &ix, &q, &res) == 0)
			ct_lookup_explain(ns, &res, w->err, expl, sizeof(expl));
		else
			memset(&res, 0, sizeof(res));
		wl_subject(w, subj, sizeof(subj));
		ct_ip_fmt(&w->dst, d, sizeof(d));
		query_fmt(ns, w, qs, sizeof(qs));
		if (w->err)
			snprintf(ev, sizeof(ev), "%s: %s", qs, strerror(w->err));
		else
			snprintf(ev, sizeof(ev), "%s: dev %s", qs, ol ? ol->name : "?");
		if (w->iif) {
			char s[64];
			snprintf(from, sizeof(from), "arriving on %s from %s", in ? in->name : "?",
				 ct_ip_fmt(&w->src, s, sizeof(s)));
		} else {
			snprintf(from, sizeof(from), "from the node");
		}
		if (others)
			snprintf(more, sizeof(more), " (and %zu more %s)", others,
				 others == 1 ? "path" : "paths");
		/* the fold's tags (analysis/fold.h): the pod's address, and forwarding off
		 * where the traffic arrives (EHOSTUNREACH hides every route then) */
		const char *why = NULL;
		if (w->err == EHOSTUNREACH && w->iif && ns->conf.ip_forward == 0)
			why = "ip_forward_off";
		else if (w->err == EHOSTUNREACH && in && in->forwarding == 0)
			why = "forwarding_off";
		struct ct_finding *x = ct_finding_add(
			f, "workload_route_shadowed", ns->name, subj, ev,
			why ? "turn forwarding on where the traffic arrives: no route wins over the "
			      "workload's, the kernel forwards nothing" :
			      "remove the route or rule that wins, so the workload's own route is used",
			"traffic to %s %s%s does not leave through %s: %s", d, from, more, wn,
			expl[0] ? expl : (w->err ? strerror(w->err) : "another route wins"));
		ct_finding_tag(x, why, d);
		/* never a line that deletes the workload's own route: with forwarding off
		 * the lookup ends on it, refused */
		if (why && !strcmp(why, "ip_forward_off"))
			ct_finding_run(x, ns, "sysctl", "-w", "net.ipv4.ip_forward=1", NULL);
		else if (why && in)
			ct_finding_run_sysctl(x, ns, "net.ipv4.conf", in->name, "forwarding", "1");
		else if (!(res.route && res.route->oif == w->wl && res.route->type == RTN_UNICAST))
			run_fix(x, ns, &res);
		if (w->iif) {
			char s[64];
			ct_finding_run(x, ns, "ip", "route", "get", d, "from",
				       ct_ip_fmt(&w->src, s, sizeof(s)), "iif", in ? in->name : "lo", NULL);
		} else {
			ct_finding_run(x, ns, "ip", "route", "get", d, NULL);
		}
	}
	ct_lookup_index_free(&ix);
	return 0;
}

int ct_analyze_addr_unused(const struct ct_netns *ns, const uint8_t *cls, const struct ct_prefix *want,
			   struct ct_findings *f)
{
	const struct ct_route *hole = NULL;

	if (!cls || !want || want->len != ct_ip_maxlen(want->ip.family))
		return 0;
	for (size_t i = 0; i < ns->routes.n; i++) {
		const struct ct_route *r = &ns->routes.v[i];
		if (!ct_prefix_contains(&r->dst, &want->ip) && r->dst.len)
			continue;
		if (r->dst.len == 0)
			continue;
		if (cls[i] == CT_RC_WORKLOAD && r->dst.len == want->len)
			return 0; /* a workload holds it */
		if (cls[i] == CT_RC_BLACKHOLE && (!hole || r->dst.len > hole->dst.len))
			hole = r;
	}
	if (!hole)
		return 0;
	char a[64], hb[64], ev[200];
	ct_ip_fmt(&want->ip, a, sizeof(a));
	ct_prefix_fmt(&hole->dst, hb, sizeof(hb));
	snprintf(ev, sizeof(ev), "no /%u route for %s out of a workload interface; it matches blackhole %s",
		 want->len, a, hb);
	struct ct_finding *x = ct_finding_add(
		f, "workload_address_unused", ns->name, hb, ev,
		"find the pod that should hold it; if its interface exists, its route is missing "
		"(calico-node restores it)",
		"no workload on this node holds %s: traffic to it ends in this node's blackhole %s", a,
		hb);
	ct_finding_run(x, NULL, "kubectl", "get", "pods", "-A", "-o", "wide", "--field-selector",
		       (snprintf(ev, sizeof(ev), "status.podIP=%s", a), ev), NULL);
	return 0;
}
