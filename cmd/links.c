/* SPDX-License-Identifier: MIT */
/* caltrace links [IFACE...] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/policy.h"
#include "analysis/results.h"
#include "cmd/cmd.h"
#include "probes/gather.h"
#include "probes/policy.h"
#include "render/views.h"

/* Felix's policy for the shown workloads: read live in the command's namespace, or taken
 * from a snapshot's "policy" (its target namespace only; a snapshot written before 1.1
 * holds no rules: no column then, as before), followed per interface, and its findings.
 * The text line names the backends read; a note says why the column could not be filled. */
static int links_policy(struct ct_ctx *c, struct ct_node *n, const struct ct_netns *ns,
			struct ct_links_result *r, struct ct_policy *pol, struct ct_findings *f,
			char *note, size_t notelen)
{
	note[0] = 0;
	if (c->o.from) {
		if (!n->policy || ns != &n->ns.v[0])
			return 0;
		*pol = *n->policy; /* the rules move to the command: freed with pol */
		free(n->policy);
		n->policy = NULL;
	}
	if (pol->bpf || ct_link_by_name(ns, "bpfin.cali")) {
		pol->bpf = true;
		snprintf(note, notelen, "Calico's eBPF dataplane is active (bpfin.cali): policy "
			 "lives in BPF programs and is not read");
		r->policy = pol;
		return 0;
	}
	if (!c->o.from && ct_policy_gather(pol, c->o.netns, c->o.timeout, &c->err) < 0)
		return -1;
	if (pol->no_cap) {
		snprintf(note, notelen, "reading the firewall rules needs CAP_NET_ADMIN: POLICY "
			 "not read");
		r->policy = pol;
		return 0;
	}
	const char **names = calloc(r->nw ? r->nw : 1, sizeof(*names));
	if (!names)
		return ct_err_set(&c->err, CT_EXIT_GATHER, "out of memory");
	for (size_t i = 0; i < r->nw; i++)
		names[i] = r->w[i].link->name;
	int rc = ct_policy_follow(pol, names, r->nw);
	free(names);
	if (rc < 0)
		return ct_err_set(&c->err, CT_EXIT_GATHER, "out of memory");
	r->policy = pol;
	if (!ct_policy_any_read(pol) && r->nw) {
		size_t o = (size_t)snprintf(note, notelen, "no iptables rules found");
		for (int b = 0; b < CT_POL_NBACKENDS && o < notelen; b++)
			if (pol->error[b][0])
				o += (size_t)snprintf(note + o, notelen - o, "; %s", pol->error[b]);
	}
	ct_policy_analyze(pol, ns->name, f);
	return 0;
}

int cmd_links(struct ct_ctx *c)
{
	struct ct_node n;
	struct ct_netns *ns;
	unsigned what = CT_G_LINKS | CT_G_ADDRS | CT_G_ROUTES_WL | CT_G_NETCONF | CT_G_NSNAMES |
			CT_G_NODEINFO | CT_G_GWCHECK;
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
	struct ct_policy pol;
	char note[768], read[128] = "";
	ct_policy_init(&pol);
	if (links_policy(c, &n, ns, &r, &pol, &f, note, sizeof(note)) < 0) {
		ct_policy_free(&pol);
		ct_findings_free(&f);
		ct_links_result_free(&r);
		ct_node_free(&n);
		return ct_report_err(c);
	}
	for (int b = 0; b < CT_POL_NBACKENDS; b++)
		if (pol.read[b])
			snprintf(read + strlen(read), sizeof(read) - strlen(read), "%s%s",
				 read[0] ? ", " : "", ct_pol_backend_names[b]);
	ct_begin(c, &n, ns, "links");
	if (read[0])
		ct_out_top_str(&c->out, "policy_read", "policy read from", read, CT_HL_NONE);
	if (note[0])
		ct_out_top_str(&c->out, "policy_note", "policy note", note, CT_HL_NONE);
	ct_views_links(&c->out, &r);
	int rc = ct_finish(c, &n, &f);
	ct_policy_free(&pol);
	ct_findings_free(&f);
	ct_links_result_free(&r);
	ct_node_free(&n);
	return rc;
}
