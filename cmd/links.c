/* SPDX-License-Identifier: MIT */
/* caltrace links [IFACE...] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/results.h"
#include "cmd/cmd.h"
#include "probes/gather.h"
#include "render/views.h"

int cmd_links(struct ct_ctx *c)
{
	struct ct_node n;
	struct ct_netns *ns;
	unsigned what = CT_G_LINKS | CT_G_ADDRS | CT_G_ROUTES_WL | CT_G_NETCONF | CT_G_NSNAMES |
			CT_G_NODEINFO;
	if (ct_load_node(c, &n, what, 0, &ns) < 0) {
		ct_node_free(&n);
		return ct_report_err(c);
	}
	for (int i = 0; i < c->o.argc; i++) {
		const struct ct_link *l = ct_link_by_name(ns, c->o.argv[i]);
		if (!l || !ct_is_workload(&c->o.prefixes, l->name)) {
			ct_err_set(&c->err, CT_EXIT_GATHER,
				   l ? "'%s' is not a workload interface (prefixes: %s); try 'caltrace tunnel' or 'ip link show'"
				     : "no interface '%s' in network namespace '%s'",
				   c->o.argv[i], l ? c->o.prefixes.list[0] : ns->name);
			ct_node_free(&n);
			return ct_report_err(c);
		}
	}
	struct ct_links_result r;
	struct ct_findings f;
	ct_findings_init(&f);
	if (ct_links_result_build(&n, ns, &c->o.prefixes, (const char *const *)c->o.argv,
				  (size_t)c->o.argc, &r, &f) < 0) {
		ct_findings_free(&f);
		ct_node_free(&n);
		return CT_EXIT_GATHER;
	}
	ct_begin(c, &n, ns, "links");
	ct_views_links(&c->out, &r);
	int rc = ct_finish(c, &n, &f);
	ct_findings_free(&f);
	ct_links_result_free(&r);
	ct_node_free(&n);
	return rc;
}
