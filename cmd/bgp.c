/* SPDX-License-Identifier: MIT */
/* caltrace bgp [PEER]; caltrace bgp routes [PEER] [--exported] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/results.h"
#include "cmd/cmd.h"
#include "model/bgp.h"
#include "probes/gather.h"
#include "render/views.h"

int cmd_bgp(struct ct_ctx *c)
{
	bool routes = c->o.argc > 0 && !strcmp(c->o.argv[0], "routes");
	int first = routes ? 1 : 0;
	if (c->o.argc - first > 1) {
		fprintf(stderr, "caltrace: bgp takes at most one PEER (a protocol name or an address)\n");
		return CT_EXIT_USAGE;
	}
	if (c->o.exported && !routes) {
		fprintf(stderr, "caltrace: --exported goes with 'bgp routes PEER'\n");
		return CT_EXIT_USAGE;
	}
	const char *peer_arg = c->o.argc > first ? c->o.argv[first] : NULL;
	if (c->o.exported && !peer_arg) {
		fprintf(stderr, "caltrace: --exported needs a PEER: the routes this node advertises to it\n");
		return CT_EXIT_USAGE;
	}
	struct ct_node n;
	struct ct_netns *ns;
	/* the kernel's routes only matter for the routes view */
	unsigned what = CT_G_LINKS | CT_G_NODEINFO | (routes ? CT_G_ROUTES : 0);
	if (ct_load_node(c, &n, what, 0, &ns) < 0) {
		ct_node_free(&n);
		return ct_report_err(c);
	}
	/* live: ask BIRD; from a snapshot: its bgp section */
	char query[160] = "";
	if (!c->o.from) {
		if (ct_bgp_ask(c, &n, routes && !peer_arg, NULL, NULL, &c->err) < 0) {
			ct_node_free(&n);
			return ct_report_err(c);
		}
	} else if (n.bgp_error[0]) {
		/* the snapshot was taken while BIRD could not be asked: the same answer as live */
		ct_err_set(&c->err, CT_EXIT_GATHER, "%s (from snapshot '%s')", n.bgp_error, c->o.from);
		ct_node_free(&n);
		return ct_report_err(c);
	} else if (!n.bgp) {
		ct_err_set(&c->err, CT_EXIT_GATHER, "snapshot '%s' has no BGP state (taken without BIRD?)", c->o.from);
		ct_node_free(&n);
		return ct_report_err(c);
	}
	const struct ct_bgp_peer *peer = NULL;
	if (peer_arg) {
		peer = ct_bgp_find_peer(n.bgp, peer_arg);
		if (!peer) {
			ct_err_set(&c->err, CT_EXIT_GATHER,
				   "no BGP peer '%s' in BIRD (%zu peers; see 'caltrace bgp')", peer_arg,
				   n.bgp->n_peers);
			ct_node_free(&n);
			return ct_report_err(c);
		}
		if (routes && c->o.from) {
			ct_err_set(&c->err, CT_EXIT_GATHER,
				   "a snapshot keeps only the routes BIRD exports to the kernel; run 'bgp routes' without a PEER");
			ct_node_free(&n);
			return ct_report_err(c);
		}
		if (routes) {
			/* the routes learned from this peer, or advertised to it */
			snprintf(query, sizeof(query), "show route %s %s all",
				 c->o.exported ? "export" : "protocol", peer->name);
			if (ct_bgp_ask(c, &n, false, query, n.bgp->socket, &c->err) < 0) {
				ct_node_free(&n);
				return ct_report_err(c);
			}
			peer = ct_bgp_find_peer(n.bgp, peer_arg);
		}
	}
	struct ct_bgp_result r;
	struct ct_findings f;
	ct_findings_init(&f);
	ct_bgp_result_build(&n, ns, n.bgp, peer, routes, !query[0], &r, &f);
	ct_begin(c, &n, ns, "bgp");
	ct_views_bgp(&c->out, &r);
	int rc = ct_finish(c, &n, &f);
	ct_bgp_result_free(&r);
	ct_findings_free(&f);
	ct_node_free(&n);
	return rc;
}
