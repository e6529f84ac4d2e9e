/* SPDX-License-Identifier: MIT */
/* One cause, one finding (analysis/fold.h). Pure. */
#include "analysis/fold.h"
#include "model/esc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The table. caltrace(1)'s FINDINGS section lists every row (docs.sh checks it);
 * tests/unit/test_fold.c folds every row, and tests/integration/lab-onecause.sh
 * raises the faults behind them. Order is priority: the first row that covers a
 * finding names its parent. */
const struct ct_fold_rule ct_fold_rules[] = {
	/* net.ipv4.ip_forward=0: the kernel sets every interface's forwarding to 0 and
	 * refuses every forwarded packet (EHOSTUNREACH) */
	{"ip_forward_off", NULL, "forwarding_off", CT_FOLD_NS, "ipv4", false,
	 "ip_forward=0 turns forwarding off on every interface"},
	{"ip_forward_off", NULL, "pod_gateway_unroutable", CT_FOLD_NS, "ip_forward_off forwarding_off", false,
	 "the kernel refuses 169.254.1.1 from the pod because forwarding is off"},
	{"ip_forward_off", NULL, "workload_route_shadowed", CT_FOLD_NS, "ip_forward_off forwarding_off", false,
	 "the kernel refuses to forward to the pod because forwarding is off"},
	/* links' own word for ip_forward=0 (links has no ip_forward_off) */
	{"forwarding_off", "net.ipv4.ip_forward", "forwarding_off", CT_FOLD_NS, "ipv4", false,
	 "ip_forward=0 turns forwarding off on every interface"},
	{"forwarding_off", "net.ipv4.ip_forward", "pod_gateway_unroutable", CT_FOLD_NS,
	 "ip_forward_off forwarding_off", false,
	 "the kernel refuses 169.254.1.1 from the pod because forwarding is off"},
	{"forwarding_off", "net.ipv4.ip_forward", "workload_route_shadowed", CT_FOLD_NS,
	 "ip_forward_off forwarding_off", false,
	 "the kernel refuses to forward to the pod because forwarding is off"},
	/* net.ipv6.conf.all.forwarding=0: the IPv6 gateway check names it */
	{"forwarding_off", "net.ipv6.conf.all.forwarding", "pod_gateway_unroutable", CT_FOLD_NS,
	 "ipv6_forward_off", false,
	 "IPv6 forwarding off: the node routes nothing for its pods' IPv6"},
	{"forwarding_off", NULL, "pod_gateway_unroutable", CT_FOLD_SUBJECT, "forwarding_off", false,
	 "forwarding off on caliX: the kernel refuses 169.254.1.1 from its pod"},
	/* no route covers 169.254.1.1: every pod's gateway check says so */
	{"no_route_to_pod_gateway", NULL, "pod_gateway_unroutable", CT_FOLD_NS, "no_route", false,
	 "no route covers 169.254.1.1, so the kernel refuses it from every pod"},
	/* a workload interface down: the kernel deleted its routes and refuses its pod */
	{"workload_link_down", NULL, "workload_no_route", CT_FOLD_SUBJECT, NULL, false,
	 "setting caliX down deletes its pod's routes"},
	{"workload_link_down", NULL, "route_to_down_link", CT_FOLD_SUBJECT, NULL, false,
	 "the pod's route points at the interface that is down"},
	{"workload_link_down", NULL, "pod_gateway_unroutable", CT_FOLD_SUBJECT, "link_down", false,
	 "the kernel refuses 169.254.1.1 from a pod whose interface is down"},
	/* the pod's /32 missing or shadowed: the reverse-path check fails */
	{"workload_no_route", NULL, "pod_gateway_unroutable", CT_FOLD_SUBJECT, "pod_route_missing", true,
	 "no route back to the pod: the reverse-path check refuses 169.254.1.1"},
	{"workload_route_shadowed", NULL, "pod_gateway_unroutable", CT_FOLD_ADDR, "pod_route_shadowed", false,
	 "the route back to the pod is shadowed: the reverse-path check refuses 169.254.1.1"},
	/* a pod block routed via a gateway that is no node */
	{"tunnel_gateway_not_a_node", NULL, "vxlan_gateway_no_neigh", CT_FOLD_ADDR_SUBJECT, NULL, false,
	 "no node, so Felix programs no neighbour entry for it"},
	{"tunnel_gateway_not_a_node", NULL, "vxlan_gateway_no_fdb", CT_FOLD_ADDR_SUBJECT, NULL, false,
	 "no node, so Felix programs no FDB entry for it"},
	{"tunnel_gateway_not_a_node", NULL, "ipip_gateway_unreachable", CT_FOLD_ADDR_SUBJECT, NULL, false,
	 "no node, so nothing routes to it"},
	/* BIRD gone: the routes it left behind (persist) are stale */
	{"bird_unreachable", NULL, "bgp_route_stale", CT_FOLD_NS, NULL, false,
	 "the routes a dead BIRD left in the kernel are kept current by nobody"},
	{NULL, NULL, NULL, 0, NULL, false, NULL},
};

/* Is word w one of the space-separated words of list? */
static bool word_in(const char *w, const char *list)
{
	size_t n = strlen(w);
	if (!n)
		return false;
	for (const char *p = list; *p;) {
		size_t k = strcspn(p, " ");
		if (k == n && !strncmp(p, w, n))
			return true;
		p += k;
		p += strspn(p, " ");
	}
	return false;
}

bool ct_fold_covers(const struct ct_fold_rule *r, const struct ct_finding *c,
		    const struct ct_finding *x)
{
	if (c == x || strcmp(c->def->code, r->cause) || strcmp(x->def->code, r->consequence) ||
	    strcmp(c->netns, x->netns))
		return false;
	if (r->cause_subject && strcmp(c->subject, r->cause_subject))
		return false;
	if (r->causes && !word_in(x->cause, r->causes))
		return false;
	switch (r->rel) {
	case CT_FOLD_NS:
		return true;
	case CT_FOLD_SUBJECT:
		return c->subject[0] && !strcmp(c->subject, x->subject);
	case CT_FOLD_ADDR:
		return c->addr[0] && !strcmp(c->addr, x->addr);
	case CT_FOLD_ADDR_SUBJECT:
		return c->addr[0] && !strcmp(c->addr, x->subject);
	}
	return false;
}

static void cons_add(struct ct_finding *root, const struct ct_finding_def *def,
		     const char *subject, const char *evidence)
{
	if (root->n_cons >= CT_FINDING_CONS) {
		root->cons_more++;
		return;
	}
	struct ct_consequence *k = &root->cons[root->n_cons++];
	k->def = def;
	snprintf(k->subject, sizeof(k->subject), "%s", subject);
	size_t n = ct_utf8_cut(evidence, strlen(evidence), sizeof(k->evidence) - 1);
	memcpy(k->evidence, evidence, n);
	k->evidence[n] = '\0';
}

void ct_finding_fold_into(struct ct_finding *root, const struct ct_finding *x, bool take_run)
{
	cons_add(root, x->def, x->subject, x->evidence);
	for (unsigned i = 0; i < x->n_cons && i < CT_FINDING_CONS; i++)
		cons_add(root, x->cons[i].def, x->cons[i].subject, x->cons[i].evidence);
	root->cons_more += x->cons_more;
	/* a root with no command of its own (it could not tell the pod's address)
	 * takes those of a consequence its row ties to the same cause */
	if (take_run && !root->n_run && x->n_run) {
		memcpy(root->run, x->run, sizeof(root->run));
		root->n_run = x->n_run;
	}
	if (x->sev > root->sev)
		root->sev = x->sev;
}

static int cmp_cons(const void *a, const void *b)
{
	const struct ct_consequence *x = a, *y = b;
	int c = strcmp(x->def->code, y->def->code);
	return c ? c : strcmp(x->subject, y->subject);
}

int ct_findings_fold(struct ct_findings *f)
{
	if (f->n < 2)
		return 0;
	/* each rule's candidate causes, found once: a node with a thousand pods and
	 * ip_forward=0 has thousands of findings, nearly all of them consequences */
	enum { MAX_RULES = 64 };
	const struct ct_finding_def *xd[MAX_RULES];
	size_t nr = 0, first[MAX_RULES + 1], ncand = 0;
	for (const struct ct_fold_rule *r = ct_fold_rules; r->cause && nr < MAX_RULES; r++)
		nr++;
	long *parent = malloc(f->n * sizeof(*parent));
	bool *take = malloc(f->n * sizeof(*take));
	size_t *cand = malloc(f->n * nr * sizeof(*cand));
	if (!parent || !take || !cand) {
		free(parent);
		free(take);
		free(cand);
		return -1;
	}
	for (size_t k = 0; k < nr; k++) {
		const struct ct_fold_rule *r = &ct_fold_rules[k];
		const struct ct_finding_def *cd = ct_finding_def(r->cause);
		xd[k] = ct_finding_def(r->consequence);
		first[k] = ncand;
		for (size_t j = 0; cd && j < f->n; j++)
			if (f->v[j].def == cd && (!r->cause_subject || !strcmp(f->v[j].subject, r->cause_subject)))
				cand[ncand++] = j;
	}
	first[nr] = ncand;
	for (size_t i = 0; i < f->n; i++) {
		parent[i] = -1;
		take[i] = false;
		for (size_t k = 0; k < nr && parent[i] < 0; k++) {
			if (!xd[k] || f->v[i].def != xd[k])
				continue;
			for (size_t c = first[k]; c < first[k + 1] && parent[i] < 0; c++)
				if (ct_fold_covers(&ct_fold_rules[k], &f->v[cand[c]], &f->v[i])) {
					parent[i] = (long)cand[c];
					take[i] = ct_fold_rules[k].take_run;
				}
		}
	}
	free(cand);
	/* a loop is cut at its first finding; then every finding points at its root */
	for (size_t i = 0; i < f->n; i++) {
		long p = parent[i];
		for (size_t steps = 0; p >= 0 && (size_t)p != i && steps < f->n; steps++)
			p = parent[p];
		if (p >= 0 && (size_t)p == i)
			parent[i] = -1;
	}
	for (size_t i = 0; i < f->n; i++) {
		long p = parent[i];
		while (p >= 0 && parent[p] >= 0)
			p = parent[p];
		parent[i] = p;
	}
	size_t o = 0;
	for (size_t i = 0; i < f->n; i++)
		if (parent[i] >= 0)
			ct_finding_fold_into(&f->v[parent[i]], &f->v[i], take[i]);
	for (size_t i = 0; i < f->n; i++) {
		if (parent[i] >= 0)
			continue;
		struct ct_finding *x = &f->v[i];
		if (x->n_cons > 1)
			qsort(x->cons, x->n_cons, sizeof(x->cons[0]), cmp_cons);
		if (o != i)
			f->v[o] = *x;
		o++;
	}
	f->n = o;
	free(parent);
	free(take);
	return 0;
}
