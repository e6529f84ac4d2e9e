/* SPDX-License-Identifier: MIT */
/* caltrace routes [PREFIX] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/results.h"
#include "cmd/cmd.h"
#include "probes/gather.h"
#include "render/views.h"
#include "model/plural.h"

int cmd_routes(struct ct_ctx *c)
{
	struct ct_prefix want;
	if (c->o.argc > 1) {
		fprintf(stderr, "caltrace: routes takes at most one PREFIX\n");
		return CT_EXIT_USAGE;
	}
	if (c->o.argc == 1 && ct_prefix_parse(c->o.argv[0], &want) < 0) {
		char e[128];
		fprintf(stderr, "caltrace: '%s' is not an address or prefix; use e.g. 172.168.195.12 or 172.168.195.0/26\n",
			ct_escape(c->o.argv[0], e, sizeof(e)));
		return CT_EXIT_USAGE;
	}
	struct ct_node n;
	struct ct_netns *ns;
	unsigned what = CT_G_LINKS | CT_G_ROUTES | CT_G_NEIGH | CT_G_FDB | CT_G_GWCHECK |
			CT_G_NETCONF | CT_G_NODEINFO | CT_G_RULES | CT_G_WLROUTE; /* netconf: the gateway check's cause */
	if (ct_load_node(c, &n, what, 0, &ns) < 0) {
		ct_node_free(&n);
		return ct_report_err(c);
	}
	struct ct_routes_result r;
	struct ct_findings f;
	ct_findings_init(&f);
	if (ct_routes_result_build(&n, ns, &c->o.prefixes, c->o.argc ? &want : NULL, &r, &f) < 0) {
		ct_routes_result_free(&r);
		ct_findings_free(&f);
		ct_node_free(&n);
		ct_err_set(&c->err, CT_EXIT_GATHER, "out of memory analysing %zu %s", ns->routes.n,
			   ct_plural(ns->routes.n, "route", "routes"));
		return ct_report_err(c);
	}
	ct_begin(c, &n, ns, "routes");
	ct_views_routes(&c->out, &r);
	int rc = ct_finish(c, &n, &f);
	ct_findings_free(&f);
	ct_routes_result_free(&r);
	ct_node_free(&n);
	return rc;
}
