/* SPDX-License-Identifier: MIT */
/* caltrace doctor: every node check in one run. */
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/analysis.h"
#include "cmd/cmd.h"
#include "model/bgp.h"
#include "probes/gather.h"
#include "probes/host_env.h"

struct area {
	const char *name;
	const char *what;
	struct ct_findings f;
	char note[320];
	bool skipped;
};

static enum ct_sev worst(const struct ct_findings *f, bool *any)
{
	enum ct_sev w = CT_SEV_INFO;
	*any = false;
	for (size_t i = 0; i < f->n; i++) {
		if (f->v[i].sev >= CT_SEV_WARN)
			*any = true;
		if (f->v[i].sev > w)
			w = f->v[i].sev;
	}
	return w;
}

/* BIRD is expected when the kernel has its routes or something listens on 179. */
static bool bgp_expected(const struct ct_netns *ns, const struct ct_bgp *b)
{
	for (size_t i = 0; i < ns->routes.n; i++)
		if (ns->routes.v[i].protocol == RTPROT_BIRD)
			return true;
	for (size_t i = 0; b && i < b->n_sessions; i++)
		if (!strcmp(b->sessions[i].state, "LISTEN"))
			return true;
	return false;
}

int cmd_doctor(struct ct_ctx *c)
{
	if (c->o.argc) {
		fprintf(stderr, "caltrace: doctor takes no arguments\n");
		return CT_EXIT_USAGE;
	}
	struct ct_node n;
	struct ct_netns *ns;
	unsigned what = CT_G_ALL & ~(unsigned)CT_G_PODNS;
	if (ct_load_node(c, &n, what, 0, &ns) < 0) {
		ct_node_free(&n);
		return ct_report_err(c);
	}
	struct area a[6] = {
		{.name = "node", .what = "forwarding, rp_filter, conntrack, node address, dataplane, NetworkManager"},
		{.name = "links", .what = "workload interfaces"},
		{.name = "routes", .what = "routes and the pod gateway"},
		{.name = "tunnel", .what = "encapsulation devices and VTEPs"},
		{.name = "neigh", .what = "neighbour tables"},
		{.name = "bgp", .what = "BIRD sessions and routes"},
	};
	for (int i = 0; i < 6; i++)
		ct_findings_init(&a[i].f);

	/* BIRD first: the node checks use its router id */
	if (!c->o.from)
		ct_bgp_ask_best_effort(c, &n);
	bool bird_ok = n.bgp && !n.bgp_error[0] && n.bgp->status.version[0];

	struct ct_host_env env;
	const char *etc = getenv("CALTRACE_ETC_ROOT");
	if (!c->o.from)
		ct_host_env_probe(&env, c->proc_root, etc && *etc ? etc : "/etc");
	ct_analyze_node(&n, ns, c->o.from ? NULL : &env, &a[0].f);
	if (c->o.from)
		snprintf(a[0].note, sizeof(a[0].note), "NetworkManager not checked (a snapshot)");

	struct ct_workload *w = NULL;
	size_t nw = 0;
	if (ct_workloads(&n, ns, &c->o.prefixes, &w, &nw) == 0)
		ct_analyze_links(&n, ns, &c->o.prefixes, w, nw, &a[1].f);
	snprintf(a[1].note, sizeof(a[1].note), "%zu workload interfaces", nw);
	free(w);
	/* ip_forward is a node check here */
	for (size_t i = 0; i < a[1].f.n; i++)
		if (!strcmp(a[1].f.v[i].subject, "net.ipv4.ip_forward"))
			a[1].f.v[i] = a[1].f.v[--a[1].f.n];

	ct_analyze_routes(&n, ns, &c->o.prefixes, NULL, &a[2].f);
	snprintf(a[2].note, sizeof(a[2].note), "%zu routes", ns->routes.n);

	struct ct_tunnels t;
	if (ct_tunnels_build(&n, ns, &c->o.prefixes, &t) == 0) {
		ct_analyze_tunnels(ns, &t, &a[3].f);
		snprintf(a[3].note, sizeof(a[3].note), "mode %s, %zu devices", t.mode, t.n);
		ct_tunnels_free(&t);
	}

	struct ct_pod_gateway g4, g6;
	ct_analyze_neigh(&n, ns, &c->o.prefixes, NULL, &g4, &g6, &a[4].f);
	snprintf(a[4].note, sizeof(a[4].note), "%zu entries", ns->neighs.n);

	if (bird_ok) {
		ct_analyze_bgp(&n, ns, n.bgp, true, NULL, NULL, &a[5].f);
		size_t up = 0;
		for (size_t i = 0; i < n.bgp->n_peers; i++)
			up += !strcasecmp(n.bgp->peers[i].bgp_state, "Established");
		snprintf(a[5].note, sizeof(a[5].note), "BIRD %s, %zu of %zu sessions Established",
			 n.bgp->status.version, up, n.bgp->n_peers);
	} else if (bgp_expected(ns, n.bgp)) {
		const char *why = n.bgp_error[0] ? n.bgp_error : "no BGP state in the snapshot";
		ct_finding_add(&a[5].f, "bird_unreachable", ns->name, n.bgp && n.bgp->socket[0] ? n.bgp->socket : "BIRD",
			       why, "check calico-node (kubectl -n kube-system logs <calico-node pod> -c calico-node); pass --bird-socket PATH",
			       "BIRD cannot be asked, but this node has BIRD routes or a BGP listener: %s", why);
		/* with no BIRD to program them, the kernel's BIRD routes are leftovers */
		size_t stale = 0;
		for (size_t i = 0; i < ns->routes.n; i++) {
			const struct ct_route *r = &ns->routes.v[i];
			if (r->protocol != RTPROT_BIRD || r->table != RT_TABLE_MAIN)
				continue;
			char d[64], ev[200];
			ct_prefix_fmt(&r->dst, d, sizeof(d));
			snprintf(ev, sizeof(ev), "kernel: %s proto bird; no BIRD is running to keep it current", d);
			ct_finding_add(&a[5].f, "bgp_route_stale", ns->name, d, ev,
				       "bring BIRD back (calico-node); if the node left BGP: ip route del <prefix> proto bird",
				       "%s was left behind by a BIRD that is gone (persist)", d);
			stale++;
		}
		snprintf(a[5].note, sizeof(a[5].note), "BIRD unreachable; %zu kernel routes of protocol bird left", stale);
	} else {
		a[5].skipped = true;
		ct_finding_add(&a[5].f, "bgp_not_running", ns->name, "BIRD", n.bgp_error[0] ? n.bgp_error : "no BIRD",
			       "", "no BIRD and no BIRD routes on this node: BGP checks skipped (VXLAN or policy-only mode?)");
		snprintf(a[5].note, sizeof(a[5].note), "skipped: no BIRD here");
	}

	struct ct_out *o = &c->out;
	ct_begin(c, &n, ns, "doctor");
	ct_out_section(o, "items", "checks");
	struct ct_findings all;
	ct_findings_init(&all);
	for (int i = 0; i < 6; i++) {
		bool problems;
		enum ct_sev s = worst(&a[i].f, &problems);
		const char *status = a[i].skipped ? "skipped" : !problems ? "ok" : ct_sev_name(s);
		enum ct_hl hl = a[i].skipped ? CT_HL_DIM : !problems ? CT_HL_OK : (enum ct_hl)s;
		size_t cnt = 0;
		for (size_t k = 0; k < a[i].f.n; k++)
			cnt += a[i].f.v[k].sev >= CT_SEV_WARN;
		ct_rec_begin(o);
		ct_rec_str(o, "CHECK", "check", a[i].name, CT_HL_NONE);
		ct_rec_str(o, "STATUS", "status", status, hl);
		ct_rec_int(o, "PROBLEMS", "problems", (int64_t)cnt, true, cnt ? hl : CT_HL_NONE);
		ct_rec_str(o, "WHAT", "what", a[i].what, CT_HL_NONE);
		ct_rec_str(o, "NOTE", "note", a[i].note[0] ? a[i].note : NULL, CT_HL_NONE);
		ct_rec_end(o);
		static const char *const every[] = {""};
		ct_findings_take(&all, &a[i].f, every, 1);
		ct_findings_free(&a[i].f);
	}
	ct_out_section_end(o);
	int rc = ct_finish(c, &n, &all);
	ct_findings_free(&all);
	ct_node_free(&n);
	return rc;
}
