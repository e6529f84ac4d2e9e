/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/fold.h"
#include "analysis/results.h"
#include "cmd/cmd.h"
#include "model/bgp.h"
#include "model/snapshot.h"
#include "probes/bgp_gather.h"
#include "probes/gather.h"
#include "probes/pods_exec.h"

int ct_report_err(struct ct_ctx *c)
{
	char esc[sizeof(c->err.msg) * 4];
	/* what was printed comes first; a failure here is reported at the end (ct_stdout_finish) */
	if (fflush(stdout) != 0)
		ct_out_fail(&c->out, errno);
	fprintf(stderr, "caltrace: %s\n", ct_escape(c->err.msg, esc, sizeof(esc)));
	return c->err.exit_code ? c->err.exit_code : CT_EXIT_GATHER;
}

int ct_load_node(struct ct_ctx *c, struct ct_node *n, unsigned what, unsigned pod_what,
		 struct ct_netns **target)
{
	ct_node_init(n);
	if (c->o.from) {
		if (ct_snapshot_load(n, c->o.from, &c->err) < 0)
			return -1;
		if (!n->ns.n)
			return ct_err_set(&c->err, CT_EXIT_GATHER, "snapshot '%s' holds no network namespace",
					  c->o.from);
		*target = &n->ns.v[0];
		/* the snapshot loader parsed its BGP section too (model/snapshot.c) */
		if (c->o.netns) {
			*target = NULL;
			for (size_t i = 0; i < n->ns.n && !*target; i++)
				if (!strcmp(n->ns.v[i].name, c->o.netns))
					*target = &n->ns.v[i];
			if (!*target)
				return ct_err_set(&c->err, CT_EXIT_GATHER,
						  "snapshot '%s' has no network namespace '%s' (it has %zu; "
						  "see 'caltrace snapshot' output, netns[].name)",
						  c->o.from, c->o.netns, n->ns.n);
		}
	} else {
		struct ct_gather_opts g = {
			.netns_spec = c->o.netns,
			.what = what,
			.pod_what = pod_what,
			.prefixes = &c->o.prefixes,
			.proc_root = c->proc_root,
		};
		if (ct_gather(n, &g, &c->err) < 0)
			return -1;
		*target = &n->ns.v[0];
	}
	if (c->o.pods &&
	    ct_pods_load(n, c->o.pods, c->o.prefixes.list[0], c->o.timeout, &c->err) < 0)
		return -1;
	return 0;
}

void ct_begin(struct ct_ctx *c, const struct ct_node *n, const struct ct_netns *target,
	      const char *command)
{
	ct_out_begin(&c->out, command, n->name, n->source[0] ? n->source : "live",
		     target ? target->name : "host", n->synthetic);
}

int ct_finish(struct ct_ctx *c, const struct ct_node *n, struct ct_findings *f)
{
	ct_analyze_load(n, f);
	/* one cause, one finding (a command with a scope folded before it: ct_findings_keep) */
	(void)ct_findings_fold(f);
	ct_findings_sort(f);
	ct_out_end(&c->out, f);
	return ct_findings_exit(f);
}

const struct ct_netns *ct_load_host_of(struct ct_ctx *c, const struct ct_node *n,
				      const struct ct_netns *ns, struct ct_node *extra)
{
	const struct ct_netns *h = ct_netns_host_of(n, ns);
	if (h || c->o.from)
		return h;
	/* live: the pod's veth peer lives in another namespace that NSNAMES resolved */
	for (size_t k = 0; k < ns->links.n; k++) {
		const struct ct_link *l = &ns->links.v[k];
		if (strcmp(l->kind, "veth") || l->peer_ns < 0 || (size_t)l->peer_ns >= n->ns.n)
			continue;
		const struct ct_netns *peer = &n->ns.v[l->peer_ns];
		if (!peer->path[0])
			continue;
		struct ct_gather_opts g = {
			.netns_spec = peer->path,
			.what = CT_G_LINKS | CT_G_ROUTES | CT_G_NETCONF | CT_G_GWCHECK,
			.prefixes = &c->o.prefixes,
			.proc_root = c->proc_root,
		};
		struct ct_err e = {0};
		ct_node_init(extra);
		if (ct_gather(extra, &g, &e) == 0 && extra->ns.n)
			return &extra->ns.v[0];
		ct_node_free(extra);
		ct_node_init(extra);
	}
	return NULL;
}

int ct_bgp_ask(struct ct_ctx *c, struct ct_node *n, bool routes, const char *query,
	       const char *socket, struct ct_err *err)
{
	struct ct_bgp_gather_opts g = {
		.netns_spec = c->o.netns,
		.socket = socket ? socket : c->o.bird_socket,
		.proc_root = c->proc_root,
		.timeout_s = c->o.timeout,
		.routes = routes,
		.route_query = query,
	};
	return ct_bgp_gather(n, &g, err);
}

void ct_bgp_ask_best_effort(struct ct_ctx *c, struct ct_node *n)
{
	struct ct_err berr = {0};
	if (ct_bgp_ask(c, n, true, NULL, NULL, &berr) < 0)
		snprintf(n->bgp_error, sizeof(n->bgp_error), "%s", berr.msg);
}

int ct_stdout_finish(struct ct_out *o, int rc)
{
	int e = ct_out_close(o); /* o->f NULL: closed already (sniff -w -) */
	/* a reader that went away is not an error (SIGPIPE's default kills us before this
	 * when it is not ignored; sniff ignores it and ends on EPIPE) */
	if (!e || e == EPIPE)
		return rc;
	fprintf(stderr, "caltrace: writing standard output: %s\n", strerror(e));
	return CT_EXIT_GATHER;
}
