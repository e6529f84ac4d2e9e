/* SPDX-License-Identifier: MIT */
#include "analysis/policy.h"

#include <stdio.h>

void ct_policy_analyze(const struct ct_policy *p, const char *netns, struct ct_findings *f)
{
	if (!p || p->bpf || p->no_cap || !p->dispatch)
		return;
	const char *be = ct_pol_backend_names[p->dispatch_backend];
	for (size_t i = 0; i < p->nwl; i++) {
		const struct ct_wl_policy *w = &p->wl[i];
		if (w->backend >= 0)
			continue;
		char ev[320];
		snprintf(ev, sizeof(ev), "%s: no cali-fw-%s or cali-tw-%s chain; %s", be, w->iface,
			 w->iface,
			 w->from.unknown || w->to.unknown
			     ? "cali-from/to-wl-dispatch end its packets on \"Unknown interface\""
			     : "no dispatch rule sends its packets anywhere");
		ct_finding_add(
		    f, "workload_policy_missing", netns, w->iface, ev,
		    "Felix programs a new pod's chains a moment after its veth appears: "
		    "look again; if they stay missing, read calico-node's (Felix's) log on "
		    "this node for this interface",
		    "workload %s has no policy chains while Felix's dispatch chains exist: "
		    "its traffic is dropped as from an unknown interface",
		    w->iface);
	}
}
