/* SPDX-License-Identifier: MIT */
/* caltrace tunnel */
#include <stdio.h>

#include "analysis/results.h"
#include "cmd/cmd.h"
#include "probes/gather.h"
#include "render/views.h"

int cmd_tunnel(struct ct_ctx *c)
{
	if (c->o.argc) {
		fprintf(stderr, "caltrace: tunnel takes no arguments\n");
		return CT_EXIT_USAGE;
	}
	struct ct_node n;
	struct ct_netns *ns;
	unsigned what = CT_G_LINKS | CT_G_ADDRS | CT_G_ROUTES | CT_G_NEIGH | CT_G_FDB |
			CT_G_NODEINFO;
	if (ct_load_node(c, &n, what, 0, &ns) < 0) {
		ct_node_free(&n);
		return ct_report_err(c);
	}
	struct ct_tunnel_result r;
	struct ct_findings f;
	ct_findings_init(&f);
	if (ct_tunnel_result_build(&n, ns, &c->o.prefixes, &r, &f) < 0) {
		ct_tunnel_result_free(&r);
		ct_findings_free(&f);
		ct_node_free(&n);
		ct_err_set(&c->err, CT_EXIT_GATHER, "out of memory");
		return ct_report_err(c);
	}
	ct_begin(c, &n, ns, "tunnel");
	ct_views_tunnel(&c->out, &r);
	int rc = ct_finish(c, &n, &f);
	ct_findings_free(&f);
	ct_tunnel_result_free(&r);
	ct_node_free(&n);
	return rc;
}
