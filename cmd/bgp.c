/* SPDX-License-Identifier: MIT */
/* caltrace bgp [PEER]; caltrace bgp routes [PEER] [--exported] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/results.h"
#include "cmd/cmd.h"
#include "model/bgp.h"
#include "probes/bgp_gather.h"
#include "probes/gather.h"
#include "render/views.h"
#include "model/plural.h"

static void match_reset(void *arg)
{
	ct_bgp_match_reset(arg);
}

static int match_route(void *arg, const struct ct_route *r)
{
	return ct_bgp_match_route(arg, r);
}

/* Live: the kernel's routes matched against BIRD's as the dump streams in, so
 * that 100k routes are never held twice (the model's table would be 96 bytes a
 * route; a check keeps about a third of it). */
static int match_kernel(struct ct_ctx *c, struct ct_node *n, const struct ct_netns *ns,
			bool kernel_export, struct ct_bgp_match *m)
{
	if (ct_bgp_match_init(m, n->bgp, kernel_export) < 0)
		return ct_err_set(&c->err, CT_EXIT_GATHER, "out of memory");
	struct ct_route_sink s = {.arg = m, .reset = match_reset, .route = match_route};
	if (ct_bgp_kernel_routes(n, c->o.netns, ns->name, &s, &c->err) < 0) {
		ct_bgp_match_free(m);
		return -1;
	}
	return 0;
}

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
	/* the kernel's routes only matter for the routes view: live, they are
	 * streamed through the match below after BIRD has answered */
	unsigned what = CT_G_LINKS | CT_G_NODEINFO;
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
				   "no BGP peer '%s' in BIRD (%zu %s; see 'caltrace bgp')", peer_arg,
				   n.bgp->n_peers, ct_plural(n.bgp->n_peers, "peer", "peers"));
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
	struct ct_bgp_match m = {0}, *mp = NULL;
	if (routes && !c->o.from) {
		if (match_kernel(c, &n, ns, !query[0], &m) < 0) {
			ct_node_free(&n);
			return ct_report_err(c);
		}
		mp = &m;
	}
	struct ct_bgp_result r;
	struct ct_findings f;
	ct_findings_init(&f);
	ct_bgp_result_build(&n, ns, n.bgp, peer, routes, !query[0], mp, &r, &f);
	ct_bgp_match_free(&m);
	ct_begin(c, &n, ns, "bgp");
	ct_views_bgp(&c->out, &r);
	int rc = ct_finish(c, &n, &f);
	ct_bgp_result_free(&r);
	ct_findings_free(&f);
	ct_node_free(&n);
	return rc;
}
