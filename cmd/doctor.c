/* SPDX-License-Identifier: MIT */
/* caltrace doctor: every node check in one run. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/podns.h"
#include "analysis/results.h"
#include "cmd/cmd.h"
#include "model/bgp.h"
#include "probes/gather.h"
#include "probes/host_env.h"
#include "render/views.h"

/* The namespace at the other end of ns's candidate pod interface (a veth that is
 * not a workload interface, in a namespace that holds none): from the loaded
 * node, else (live) gathered into extra. NULL when ns is no pod's or unknown. */
static const struct ct_netns *pod_host(struct ct_ctx *c, const struct ct_node *n,
				       const struct ct_netns *ns, struct ct_node *extra)
{
	const struct ct_link *l = ct_podns_candidate(ns, &c->o.prefixes);
	if (!l)
		return NULL;
	const struct ct_netns *h = ct_netns_host_of(n, ns);
	if (h || c->o.from || l->peer_ns < 0 || (size_t)l->peer_ns >= n->ns.n)
		return h;
	const struct ct_netns *peer = &n->ns.v[l->peer_ns];
	if (!peer->path[0])
		return NULL;
	struct ct_gather_opts g = {
		.netns_spec = peer->path,
		/* the gateway check too: pod_gateway_failed names the host's own refusal, as
		 * neigh does */
		.what = CT_G_LINKS | CT_G_ROUTES | CT_G_NETCONF | CT_G_GWCHECK,
		.prefixes = &c->o.prefixes,
		.proc_root = c->proc_root,
	};
	struct ct_err e = {0};
	if (ct_gather(extra, &g, &e) == 0 && extra->ns.n)
		return &extra->ns.v[0];
	ct_node_free(extra);
	ct_node_init(extra);
	return NULL;
}

int cmd_doctor(struct ct_ctx *c)
{
	if (c->o.argc) {
		fprintf(stderr, "caltrace: doctor takes no arguments\n");
		return CT_EXIT_USAGE;
	}
	struct ct_node n;
	struct ct_netns *ns;
	unsigned what = (CT_G_ALL & ~(unsigned)CT_G_PODNS) | CT_G_WLROUTE;
	if (ct_load_node(c, &n, what, 0, &ns) < 0) {
		ct_node_free(&n);
		return ct_report_err(c);
	}
	/* BIRD first: the node checks use its router id */
	if (!c->o.from)
		ct_bgp_ask_best_effort(c, &n);
	struct ct_host_env env;
	const char *etc = getenv("CALTRACE_ETC_ROOT");
	if (!c->o.from)
		ct_host_env_probe(&env, c->proc_root, etc && *etc ? etc : "/etc");

	struct ct_doctor_result r;
	struct ct_findings f;
	ct_findings_init(&f);
	/* a pod's namespace (its eth0 the peer of a workload interface) gets pod checks */
	struct ct_node extra;
	ct_node_init(&extra);
	const struct ct_link *hs = NULL;
	const struct ct_netns *host = pod_host(c, &n, ns, &extra);
	const struct ct_link *eth0 = ct_podns_eth0(ns, host, &c->o.prefixes, &hs);
	/* the host side unknown (a snapshot of the pod alone): routes via 169.254.1.1 */
	if (!eth0 && !host && ct_netns_is_pod(ns))
		eth0 = ct_podns_candidate(ns, &c->o.prefixes);
	if (eth0)
		ct_doctor_pod_result_build(&n, ns, eth0, host, hs, &c->o.prefixes, &r, &f);
	else
		ct_doctor_result_build(&n, ns, &c->o.prefixes, c->o.from ? NULL : &env, &r, &f);
	char note[400] = "";
	if (!eth0) {
		/* the firewall's encapsulation findings belong to the tunnel area */
		struct ct_findings ef;
		static const char *const every[] = {""};
		ct_findings_init(&ef);
		ct_encap_check(c, &n, ns, &ef, note, sizeof(note));
		for (size_t i = 0; i < CT_DOCTOR_AREAS; i++) {
			if (strcmp(r.a[i].name, "tunnel") != 0)
				continue;
			for (size_t k = 0; k < ef.n; k++) {
				r.a[i].problems += ef.v[k].sev >= CT_SEV_WARN;
				if (ef.v[k].sev > r.a[i].worst)
					r.a[i].worst = ef.v[k].sev;
			}
		}
		ct_findings_take(&f, &ef, every, 1);
		ct_findings_free(&ef);
	}
	ct_begin(c, &n, ns, "doctor");
	if (note[0])
		ct_out_top_str(&c->out, "encap_note", "encap note", note, CT_HL_NONE);
	ct_views_doctor(&c->out, &r);
	int rc = ct_finish(c, &n, &f);
	ct_findings_free(&f);
	ct_node_free(&extra);
	ct_node_free(&n);
	return rc;
}
