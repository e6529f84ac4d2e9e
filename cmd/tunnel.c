/* SPDX-License-Identifier: MIT */
/* caltrace tunnel */
#include <stdio.h>

#include "analysis/encap.h"
#include "analysis/results.h"
#include "cmd/cmd.h"
#include "probes/gather.h"
#include "probes/policy.h"
#include "render/views.h"

/* --from: the rules the snapshot holds (1.1), of its target namespace; a snapshot written
 * before holds none, and nothing is checked, as before. */
static void encap_check_snapshot(struct ct_ctx *c, const struct ct_node *n,
				 const struct ct_netns *ns, struct ct_findings *f, char *note,
				 size_t notelen)
{
	const struct ct_policy *pol = n->policy;
	if (!pol || ns != &n->ns.v[0])
		return;
	struct ct_encap_use u = ct_encap_use(ns);
	if (!u.ipip && !u.vxlan && !u.vxlan6)
		return;
	if (pol->no_cap)
		snprintf(note, notelen, "the snapshot was taken without CAP_NET_ADMIN: "
			 "encap_blocked and encap_peer_not_allowed not checked");
	else
		ct_encap_analyze(pol, ns, n->bgp, &c->o.prefixes, f);
	if (!note[0] && !pol->no_cap && !pol->ipset_read && ct_encap_needs_ipsets(pol, ns))
		snprintf(note, notelen, "%s: encap_peer_not_allowed not checked", pol->ipset_error);
}

void ct_encap_check(struct ct_ctx *c, const struct ct_node *n, const struct ct_netns *ns,
		    struct ct_findings *f, char *note, size_t notelen)
{
	note[0] = 0;
	if (c->o.from) {
		encap_check_snapshot(c, n, ns, f, note, notelen);
		return;
	}
	struct ct_encap_use u = ct_encap_use(ns);
	if (!u.ipip && !u.vxlan && !u.vxlan6)
		return;
	struct ct_policy pol;
	struct ct_err e = {0};
	ct_policy_init(&pol);
	if (ct_policy_gather_sets(&pol, c->o.netns, c->o.timeout, &e) < 0)
		snprintf(note, notelen, "the firewall rules could not be read: %s", e.msg);
	else if (pol.no_cap)
		snprintf(note, notelen, "reading the firewall rules needs CAP_NET_ADMIN: "
			 "encap_blocked and encap_peer_not_allowed not checked");
	else
		ct_encap_analyze(&pol, ns, n->bgp, &c->o.prefixes, f);
	if (!note[0] && !pol.no_cap && !pol.ipset_read && ct_encap_needs_ipsets(&pol, ns))
		snprintf(note, notelen, "%s: encap_peer_not_allowed not checked", pol.ipset_error);
	ct_policy_free(&pol);
}

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
	char note[400];
	ct_encap_check(c, &n, ns, &f, note, sizeof(note));
	ct_begin(c, &n, ns, "tunnel");
	if (note[0])
		ct_out_top_str(&c->out, "encap_note", "encap note", note, CT_HL_NONE);
	ct_views_tunnel(&c->out, &r);
	int rc = ct_finish(c, &n, &f);
	ct_findings_free(&f);
	ct_tunnel_result_free(&r);
	ct_node_free(&n);
	return rc;
}
