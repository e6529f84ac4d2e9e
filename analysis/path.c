/* SPDX-License-Identifier: MIT */
/* The static path of a packet across the cluster's nodes (analysis/path.h). Pure. */
#include "analysis/path.h"

#include <errno.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "analysis/analysis.h"
#include "analysis/podns.h"
#include "analysis/policy.h"
#include "analysis/results.h"
#include "model/bgp.h"

const char *const ct_hop_verdict_names[CT_HOP__COUNT] = {"ok", "unknown", "warn", "fail"};
const char *const ct_hop_kind_names[CT_HOP_KIND__COUNT] = {
	"pod_egress",   "workload_in", "policy_out", "forward",      "egress",
	"route_source", "underlay",    "ingress",    "policy_in",    "workload_out",
	"pod_ingress",  "local",       "mtu",        "symmetry",     "service",
};

/* ---- per node and namespace: its findings, computed once */

struct nsfind {
	int node, ns;
	struct ct_findings f;
};

struct ctx {
	const struct ct_cluster *c;
	const struct ct_path_query *q;
	struct ct_path *out;
	struct nsfind *nf;
	size_t nnf, capnf;
	int err; /* -ENOMEM once memory ran out */
	/* nodes of the current direction, in order (for the symmetry check); -1 unknown */
	int seq[2][16];
	size_t nseq[2];
	uint32_t mtu; /* the current direction's budget, 0 unknown */
	bool arrived[2]; /* each direction reached DST's pod or node */
	bool svc_done;   /* the forward path's service hop is there */
};

static const struct ct_node *node_of(const struct ctx *x, int i)
{
	return i >= 0 && (size_t)i < x->c->nodes.n ? x->c->nodes.v[i] : NULL;
}

static const struct ct_netns *ns_of(const struct ctx *x, int node, int ns)
{
	const struct ct_node *n = node_of(x, node);
	if (!n || ns < 0 || (size_t)ns >= n->ns.n)
		return NULL;
	return &n->ns.v[ns];
}

static const struct ct_findings *findings_of(struct ctx *x, int node, int nsi)
{
	for (size_t i = 0; i < x->nnf; i++)
		if (x->nf[i].node == node && x->nf[i].ns == nsi)
			return &x->nf[i].f;
	const struct ct_node *n = node_of(x, node);
	const struct ct_netns *ns = ns_of(x, node, nsi);
	if (!n || !ns)
		return NULL;
	if (x->nnf == x->capnf) {
		size_t cap = x->capnf ? x->capnf * 2 : 8;
		struct nsfind *v = realloc(x->nf, cap * sizeof(*v));
		if (!v) {
			x->err = -ENOMEM;
			return NULL;
		}
		x->nf = v;
		x->capnf = cap;
	}
	struct nsfind *e = &x->nf[x->nnf++];
	e->node = node;
	e->ns = nsi;
	ct_findings_init(&e->f);
	struct ct_doctor_result r;
	if (nsi == 0) {
		ct_doctor_result_build(n, ns, x->q->prefixes, NULL, &r, &e->f);
		const struct ct_policy *pol = x->q->policy ? x->q->policy[node] : NULL;
		if (pol)
			ct_policy_analyze(pol, ns->name, &e->f);
	} else {
		const struct ct_link *hs = NULL;
		const struct ct_netns *host = &n->ns.v[0];
		const struct ct_link *eth0 = ct_podns_eth0(ns, host, x->q->prefixes, &hs);
		if (!eth0)
			eth0 = ct_podns_candidate(ns, x->q->prefixes);
		if (eth0)
			ct_doctor_pod_result_build(n, ns, eth0, host, hs, x->q->prefixes, &r, &e->f);
	}
	return &e->f;
}

/* ---- building hops */

static struct ct_hop *hop_add(struct ctx *x, bool rev, enum ct_hop_kind kind, int node, int nsi,
			      const char *subject)
{
	struct ct_path *p = x->out;
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 32;
		struct ct_hop *v = realloc(p->v, cap * sizeof(*v));
		if (!v) {
			x->err = -ENOMEM;
			return NULL;
		}
		p->v = v;
		p->cap = cap;
	}
	struct ct_hop *h = &p->v[p->n++];
	memset(h, 0, sizeof(*h));
	h->reverse = rev;
	h->kind = kind;
	h->node = node;
	const struct ct_node *n = node_of(x, node);
	if (n)
		snprintf(h->node_name, sizeof(h->node_name), "%s", n->name);
	const struct ct_netns *ns = ns_of(x, node, nsi);
	if (ns)
		snprintf(h->netns, sizeof(h->netns), "%s", ns->name);
	snprintf(h->subject, sizeof(h->subject), "%s", subject ? subject : "");
	h->verdict = CT_HOP_OK;
	return h;
}

static void hop_ev(struct ct_hop *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void hop_ev(struct ct_hop *h, const char *fmt, ...)
{
	if (!h || h->n_evidence >= CT_HOP_EVIDENCE)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(h->evidence[h->n_evidence++], sizeof(h->evidence[0]), fmt, ap);
	va_end(ap);
}

static void hop_sum(struct ct_hop *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void hop_sum(struct ct_hop *h, const char *fmt, ...)
{
	if (!h)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(h->summary, sizeof(h->summary), fmt, ap);
	va_end(ap);
}

static void verdict_at_least(struct ct_hop *h, enum ct_hop_verdict v)
{
	if (h && v > h->verdict)
		h->verdict = v;
}

static bool hop_has_fail(const struct ct_hop *h)
{
	for (unsigned i = 0; i < h->n_findings; i++)
		if (h->findings[i].sev == CT_SEV_FAIL)
			return true;
	return false;
}

/* Copies a finding onto the hop (and once into the path's list); its severity
 * raises the verdict (info does not). */
static void hop_attach(struct ctx *x, struct ct_hop *h, const struct ct_finding *f)
{
	if (!h)
		return;
	for (unsigned i = 0; i < h->n_findings; i++)
		if (h->findings[i].def == f->def && !strcmp(h->findings[i].subject, f->subject))
			return;
	if (h->n_findings < CT_HOP_FINDINGS)
		h->findings[h->n_findings++] = *f;
	if (f->sev == CT_SEV_FAIL)
		verdict_at_least(h, CT_HOP_FAIL);
	else if (f->sev == CT_SEV_WARN)
		verdict_at_least(h, CT_HOP_WARN);
	struct ct_findings *all = &x->out->findings;
	for (size_t i = 0; i < all->n; i++)
		if (all->v[i].def == f->def && !strcmp(all->v[i].subject, f->subject) &&
		    !strcmp(all->v[i].netns, f->netns))
			return;
	if (all->n == all->cap) {
		size_t cap = all->cap ? all->cap * 2 : 16;
		struct ct_finding *v = realloc(all->v, cap * sizeof(*v));
		if (!v) {
			x->err = -ENOMEM;
			return;
		}
		all->v = v;
		all->cap = cap;
	}
	all->v[all->n++] = *f;
}

/* A path finding of the hop itself: added to a scratch list, attached. */
static struct ct_finding *hop_finding(struct ctx *x, struct ct_hop *h, struct ct_findings *tmp,
				      const char *code, const char *evidence, const char *fix,
				      const char *msg)
{
	struct ct_finding *f = ct_finding_add(tmp, code, h->netns, h->subject, evidence, fix, "%s",
					      msg);
	(void)x;
	return f;
}

static void hop_attach_all(struct ctx *x, struct ct_hop *h, const struct ct_findings *tmp)
{
	for (size_t i = 0; i < tmp->n; i++)
		hop_attach(x, h, &tmp->v[i]);
}

static bool subject_is(const char *subject, const char *key)
{
	size_t k = strlen(key);
	return k && !strncmp(subject, key, k) && (subject[k] == 0 || subject[k] == ' ');
}

/* Attaches the findings of (node, ns) whose subject is one of keys (NULL-ended);
 * keys NULL: every finding of that namespace. only/skip: a code to keep or leave. */
static void hop_claim(struct ctx *x, struct ct_hop *h, int node, int nsi, const char *const *keys,
		      const char *only, const char *skip)
{
	const struct ct_findings *f = findings_of(x, node, nsi);
	if (!f || !h)
		return;
	for (size_t i = 0; i < f->n; i++) {
		const struct ct_finding *e = &f->v[i];
		const char *code = e->def ? e->def->code : "";
		if ((only && strcmp(code, only)) || (skip && !strcmp(code, skip)))
			continue;
		bool take = !keys;
		for (size_t k = 0; keys && keys[k] && !take; k++)
			take = subject_is(e->subject, keys[k]);
		if (take)
			hop_attach(x, h, e);
	}
}

/* ---- small model helpers */

static const struct ct_link *host_side_of(const struct ct_node *n, int pod_ns,
					  const struct ct_prefixes *p)
{
	const struct ct_netns *h = &n->ns.v[0];
	for (size_t i = 0; i < h->links.n; i++)
		if (h->links.v[i].peer_ns == pod_ns && ct_is_workload(p, h->links.v[i].name))
			return &h->links.v[i];
	return NULL;
}

/* The workload interface whose host route (/32 or /128, main table) holds ip. */
static const struct ct_link *workload_of_ip(const struct ct_node *n, const struct ct_ip *ip,
					    const struct ct_prefixes *p)
{
	const struct ct_netns *h = &n->ns.v[0];
	for (size_t i = 0; i < h->routes.n; i++) {
		const struct ct_route *r = &h->routes.v[i];
		if (r->type != RTN_UNICAST || r->dst.len != ct_ip_maxlen(ip->family) ||
		    !ct_ip_eq(&r->dst.ip, ip))
			continue;
		const struct ct_link *l = ct_link_by_ifindex(h, r->oif);
		if (l && ct_is_workload(p, l->name))
			return l;
	}
	return NULL;
}

static const struct ct_link *pod_eth0(const struct ct_netns *ns, const struct ct_prefixes *p)
{
	return ct_podns_candidate(ns, p);
}

static bool link_up(const struct ct_link *l)
{
	return ct_rule_link_up(l);
}

static const struct ct_neigh *neigh_find(const struct ct_netns *ns, int ifindex,
					 const struct ct_ip *ip)
{
	for (size_t i = 0; i < ns->neighs.n; i++) {
		const struct ct_neigh *e = &ns->neighs.v[i];
		if ((!ifindex || e->ifindex == ifindex) && ct_ip_eq(&e->dst, ip) &&
		    !(e->flags & 0x08 /* NTF_PROXY */))
			return e;
	}
	return NULL;
}

static const char *nud_name(uint16_t s)
{
	static const char *const names[CT_NUD_BUCKETS] = {"INCOMPLETE", "FAILED",    "REACHABLE",
							  "STALE",      "DELAY",     "PROBE",
							  "PERMANENT",  "NOARP",     "NONE"};
	int b = ct_nud_bucket(s);
	return b >= 0 && b < CT_NUD_BUCKETS ? names[b] : "?";
}

/* The link that holds address ip in ns, or NULL. */
static const struct ct_link *link_with_addr(const struct ct_netns *ns, const struct ct_ip *ip)
{
	for (size_t i = 0; i < ns->addrs.n; i++)
		if (ct_ip_eq(&ns->addrs.v[i].pfx.ip, ip))
			return ct_link_by_ifindex(ns, ns->addrs.v[i].ifindex);
	return NULL;
}

static const struct ct_ip *first_addr(const struct ct_netns *ns, int ifindex, uint8_t family)
{
	for (size_t i = 0; i < ns->addrs.n; i++)
		if (ns->addrs.v[i].ifindex == ifindex && ns->addrs.v[i].pfx.ip.family == family &&
		    ns->addrs.v[i].scope == 0)
			return &ns->addrs.v[i].pfx.ip;
	return NULL;
}

static const struct ct_link *underlay_link(const struct ct_node *n, uint8_t family)
{
	const struct ct_netns *ns = &n->ns.v[0];
	for (int i = 0; i < n->n_underlay; i++)
		if (n->underlay_ips[i].family == family) {
			const struct ct_link *l = link_with_addr(ns, &n->underlay_ips[i]);
			if (l)
				return l;
		}
	return NULL;
}

enum egress_kind { EG_UNDERLAY, EG_VXLAN, EG_IPIP, EG_WIREGUARD };
static const char *const egress_names[] = {"underlay", "vxlan", "ipip", "wireguard"};

static enum egress_kind egress_kind_of(const struct ct_link *l)
{
	if (!strcmp(l->kind, "vxlan"))
		return EG_VXLAN;
	if (!strcmp(l->kind, "wireguard") || !strncmp(l->name, "wireguard", 9))
		return EG_WIREGUARD;
	if (!strcmp(l->kind, "ipip") || !strcmp(l->name, "tunl0") || ct_link_is_l3_tunnel(l))
		return EG_IPIP;
	return EG_UNDERLAY;
}

static unsigned overhead_of(enum egress_kind k, uint8_t outer_family)
{
	switch (k) {
	case EG_VXLAN:
		return outer_family == AF_INET6 ? 70 : 50;
	case EG_IPIP:
		return 20;
	case EG_WIREGUARD:
		return outer_family == AF_INET6 ? 80 : 60;
	default:
		return 0;
	}
}

static void mtu_take(struct ctx *x, uint32_t m)
{
	if (m && (!x->mtu || m < x->mtu))
		x->mtu = m;
}

static void seq_push(struct ctx *x, bool rev, int node)
{
	size_t *n = &x->nseq[rev];
	if (*n < 16 && (!*n || x->seq[rev][*n - 1] != node))
		x->seq[rev][(*n)++] = node;
}

static bool is_ebpf(const struct ct_node *n)
{
	const struct ct_netns *ns = &n->ns.v[0];
	return ct_link_by_name(ns, "bpfin.cali") || ct_link_by_name(ns, "bpfout.cali");
}

static const char *snapshot_hint =
	"run `caltrace snapshot -o FILE` on that node, then add --node NAME=@FILE";

/* ---- the hops on a node that is not known */

static void unknown_hop(struct ctx *x, bool rev, enum ct_hop_kind kind, const char *subject,
			const char *expected, const char *why)
{
	struct ct_hop *h = hop_add(x, rev, kind, -1, -1, subject);
	if (!h)
		return;
	h->verdict = CT_HOP_UNKNOWN;
	hop_sum(h, "expected: %s", expected);
	hop_ev(h, "%s", why);
	hop_ev(h, "to see it: %s", snapshot_hint);
}

static void unknown_dest_side(struct ctx *x, bool rev, const char *dst, const char *why)
{
	char e[256];
	snprintf(e, sizeof(e), "the node's forwarding decision for %s", dst);
	unknown_hop(x, rev, CT_HOP_FORWARD, "", e, why);
	unknown_hop(x, rev, CT_HOP_POLICY_IN, "", "Felix's cali-tw chain of the workload", why);
	unknown_hop(x, rev, CT_HOP_WORKLOAD_OUT, "",
		    "the workload interface: up, proxy_arp on, forwarding on, a /32 route", why);
	snprintf(e, sizeof(e), "the pod's eth0 with %s", dst);
	unknown_hop(x, rev, CT_HOP_POD_INGRESS, "eth0", e, why);
}

static void unknown_src_side(struct ctx *x, bool rev, const char *src, const char *why)
{
	char e[256];
	snprintf(e, sizeof(e), "the pod's eth0 with %s, a default route via 169.254.1.1", src);
	unknown_hop(x, rev, CT_HOP_POD_EGRESS, "eth0", e, why);
	unknown_hop(x, rev, CT_HOP_WORKLOAD_IN, "",
		    "the workload interface: up, proxy_arp on, forwarding on", why);
	unknown_hop(x, rev, CT_HOP_POLICY_OUT, "", "Felix's cali-fw chain of the workload", why);
	unknown_hop(x, rev, CT_HOP_FORWARD, "", "the node's forwarding decision", why);
	unknown_hop(x, rev, CT_HOP_EGRESS, "", "the node's tunnel or underlay next hop", why);
}

/* ---- policy */

static const struct ct_ipt_chain *chain_any(const struct ct_ipt_ruleset *rs, const char *name,
					    size_t *idx)
{
	for (size_t i = 0; i < rs->nchains; i++)
		if (!strcmp(rs->chains[i].name, name)) {
			*idx = i;
			return &rs->chains[i];
		}
	return NULL;
}

/* On a snapshot node the counters are those it recorded: say how old they are. */
static void policy_snapshot_age(struct ctx *x, struct ct_hop *h, const struct ct_node *n)
{
	if (!strcmp(n->source, "live"))
		return;
	long long age = x->q->now - n->taken_at;
	hop_ev(h, "counters as of the snapshot, %lld s ago", age < 0 ? 0 : age);
}

/* A policy hop: the chain of the workload in that direction, its policies, and
 * whether every policy of its tier is empty (nothing can pass: the end-of-tier
 * rule drops). */
static void policy_hop(struct ctx *x, bool rev, int node, const struct ct_link *wl, bool to_wl)
{
	char chain[CT_POL_NAME + 8];
	snprintf(chain, sizeof(chain), "%s-%s", to_wl ? "cali-tw" : "cali-fw", wl->name);
	struct ct_hop *h = hop_add(x, rev, to_wl ? CT_HOP_POLICY_IN : CT_HOP_POLICY_OUT, node, 0,
				   chain);
	if (!h)
		return;
	const struct ct_node *n = node_of(x, node);
	const struct ct_policy *pol = x->q->policy ? x->q->policy[node] : NULL;
	const char *keys[] = {wl->name, NULL};
	if (is_ebpf(n)) {
		h->verdict = CT_HOP_UNKNOWN;
		hop_sum(h, "Calico's eBPF dataplane: policy is in BPF programs, not chains");
		hop_ev(h, "expected: the BPF policy of %s (calico-node -bpf)", wl->name);
		return;
	}
	if (!pol || !ct_policy_any_read(pol)) {
		h->verdict = CT_HOP_UNKNOWN;
		if (pol && pol->no_cap)
			hop_sum(h, "not read: reading the rules needs CAP_NET_ADMIN");
		else if (!pol && strcmp(n->source, "live"))
			hop_sum(h, "not read: a snapshot holds no policy rules");
		else
			hop_sum(h, "not read: no iptables or nftables rules could be read");
		hop_ev(h, "expected: %s with Felix's policies and profiles", chain);
		return;
	}
	hop_claim(x, h, node, 0, keys, "workload_policy_missing", NULL);
	const struct ct_wl_policy *w = ct_policy_of(pol, wl->name);
	if (!w || w->backend < 0) {
		if (!h->n_findings) {
			if (!pol->dispatch) {
				hop_sum(h, "no Felix chains in this namespace (no policy applies)");
			} else {
				h->verdict = CT_HOP_UNKNOWN;
				hop_sum(h, "%s not found", chain);
			}
		} else {
			hop_sum(h, "%s missing: Felix's dispatch drops as \"Unknown interface\"", chain);
		}
		return;
	}
	const struct ct_ipt_ruleset *rs = &pol->rs[w->backend];
	size_t ci;
	const struct ct_ipt_chain *ch = chain_any(rs, chain, &ci);
	if (!ch) {
		hop_sum(h, "%s not found in %s", chain, ct_pol_backend_names[w->backend]);
		h->verdict = CT_HOP_UNKNOWN;
		return;
	}
	const char *pfx = to_wl ? "cali-pi-" : "cali-po-";
	unsigned npol = 0, empty = 0;
	char names[160] = "";
	uint64_t tier_drop = 0;
	bool has_tier_drop = false;
	for (uint32_t r = 0; r < ch->n && ch->first + r < rs->nrules; r++) {
		const struct ct_ipt_rule *ru = &rs->rules[ch->first + r];
		if (!strncmp(ru->target, pfx, strlen(pfx))) {
			npol++;
			size_t pi;
			const struct ct_ipt_chain *pc = chain_any(rs, ru->target, &pi);
			if (pc && pc->n == 0)
				empty++;
			size_t used = strlen(names);
			snprintf(names + used, sizeof(names) - used, "%s%s", used ? ", " : "",
				 ru->target);
		}
		if ((!strcmp(ru->target, "DROP") || !strcmp(ru->target, "REJECT")) &&
		    strstr(ru->comment, "Drop if no policies passed packet")) {
			has_tier_drop = true;
			tier_drop += ru->pkts;
		}
	}
	uint64_t pk = 0;
	for (size_t i = 0; i < w->ndrops; i++)
		pk += w->drops[i].pkts;
	hop_sum(h, "%s: %u %s, %zu drop %s (%llu packets dropped)",
		ct_pol_backend_names[w->backend], npol, npol == 1 ? "policy" : "policies",
		w->ndrops, w->ndrops == 1 ? "rule" : "rules", (unsigned long long)pk);
	policy_snapshot_age(x, h, n);
	if (names[0])
		hop_ev(h, "policies: %s", names);
	for (size_t i = 0; i < w->ndrops && i < 3; i++)
		hop_ev(h, "%s rule %u: %s %s, %llu packets", w->drops[i].chain, w->drops[i].rule,
		       w->drops[i].target, ct_pol_drop_kind_names[w->drops[i].kind],
		       (unsigned long long)w->drops[i].pkts);
	if (npol && empty == npol && has_tier_drop) {
		char ev[320], msg[320];
		snprintf(ev, sizeof(ev), "%s: policies %s have no rule; the end-of-tier DROP counted %llu packets",
			 chain, names, (unsigned long long)tier_drop);
		snprintf(msg, sizeof(msg),
			 "every policy that applies to %s %s it has no rule: the end-of-tier rule drops %s",
			 wl->name, to_wl ? "into" : "out of", to_wl ? "what comes in" : "what goes out");
		struct ct_findings tmp;
		ct_findings_init(&tmp);
		struct ct_finding *f = hop_finding(
			x, h, &tmp, "path_policy_denies", ev,
			"add a NetworkPolicy that allows this traffic (or remove the deny-all policy); "
			"the counters show the drops",
			msg);
		ct_finding_run(f, &n->ns.v[0], "iptables-save", "-c", NULL);
		hop_attach_all(x, h, &tmp);
		ct_findings_free(&tmp);
	}
}

/* ---- pod and workload hops */

static void pod_hop(struct ctx *x, bool rev, int node, int pnsi, bool egress,
		    const struct ct_ip *peer)
{
	const struct ct_netns *ns = ns_of(x, node, pnsi);
	const struct ct_link *eth0 = ns ? pod_eth0(ns, x->q->prefixes) : NULL;
	struct ct_hop *h = hop_add(x, rev, egress ? CT_HOP_POD_EGRESS : CT_HOP_POD_INGRESS, node,
				   pnsi, eth0 ? eth0->name : "eth0");
	if (!h || !ns)
		return;
	hop_claim(x, h, node, pnsi, NULL, NULL, NULL);
	if (!eth0) {
		h->verdict = CT_HOP_UNKNOWN;
		hop_sum(h, "no pod interface in %s", ns->name);
		return;
	}
	h->mtu = eth0->mtu;
	mtu_take(x, eth0->mtu);
	uint8_t fam = peer->family;
	const struct ct_ip *a = first_addr(ns, eth0->ifindex, fam);
	char ab[64] = "-", gb[64] = "-", mb[32] = "";
	if (a)
		ct_ip_fmt(a, ab, sizeof(ab));
	const struct ct_ip *gw = fam == AF_INET6 ? &ct_gw6 : &ct_gw4;
	const struct ct_neigh *ne = neigh_find(ns, eth0->ifindex, gw);
	ct_ip_fmt(gw, gb, sizeof(gb));
	if (ne && ne->lladdr_len)
		ct_mac_fmt(ne->lladdr, ne->lladdr_len, mb, sizeof(mb));
	if (egress) {
		struct ct_lookup_query q = {.dst = *peer};
		if (a)
			q.src = *a;
		struct ct_lookup_result r;
		int rc = ct_lookup(ns, &q, &r);
		char why[320] = "";
		if (rc == 0 && r.err) {
			ct_lookup_explain(ns, &r, 0, why, sizeof(why));
			hop_ev(h, "route to the peer: %s (%s)", strerror(r.err), why);
			if (!hop_has_fail(h)) {
				char pb[64], msg[320];
				ct_ip_fmt(peer, pb, sizeof(pb));
				snprintf(msg, sizeof(msg), "the pod has no route to %s: %s", pb, why);
				struct ct_findings tmp;
				ct_findings_init(&tmp);
				hop_finding(x, h, &tmp, "path_no_route", why,
					    "restore the pod's routes (Calico's CNI plugin installs a default route via its gateway): delete the pod so it is set up again",
					    msg);
				hop_attach_all(x, h, &tmp);
				ct_findings_free(&tmp);
			}
		} else if (rc == 0 && r.route) {
			char rb[64];
			ct_prefix_fmt(&r.route->dst, rb, sizeof(rb));
			hop_ev(h, "route %s", rb);
		}
	}
	hop_sum(h, "%s %s mtu %u, gateway %s %s%s%s", ab, link_up(eth0) ? "up" : "DOWN", eth0->mtu,
		gb, ne ? nud_name(ne->state) : "no entry", mb[0] ? " " : "", mb);
}

static void workload_hop(struct ctx *x, bool rev, int node, const struct ct_link *wl, bool in,
			 const struct ct_ip *pod_ip)
{
	struct ct_hop *h = hop_add(x, rev, in ? CT_HOP_WORKLOAD_IN : CT_HOP_WORKLOAD_OUT, node, 0,
				   wl->name);
	if (!h)
		return;
	const char *keys[] = {wl->name, NULL};
	hop_claim(x, h, node, 0, keys, NULL, "workload_policy_missing");
	h->mtu = wl->mtu;
	mtu_take(x, wl->mtu);
	const struct ct_netns *hns = ns_of(x, node, 0);
	bool route = false;
	for (size_t i = 0; hns && i < hns->routes.n; i++) {
		const struct ct_route *r = &hns->routes.v[i];
		if (r->oif == wl->ifindex && r->dst.len == ct_ip_maxlen(pod_ip->family) &&
		    ct_ip_eq(&r->dst.ip, pod_ip) && r->type == RTN_UNICAST)
			route = true;
	}
	char m[32];
	ct_mac_fmt(wl->mac, wl->mac_len, m, sizeof(m));
	char pb[64];
	ct_ip_fmt(pod_ip, pb, sizeof(pb));
	hop_sum(h, "%s, proxy_arp %d, forwarding %d, %s, mtu %u, %s route %s",
		link_up(wl) ? "up" : "DOWN", wl->eff_proxy_arp, wl->forwarding, m, wl->mtu, pb,
		route ? "present" : "MISSING");
}

/* ---- the forwarding decision */

struct fwd {
	int err;
	int oif;
	struct ct_ip gw;
	uint8_t type;
	const struct ct_route *route; /* the model's route (when it agrees) */
};

static const struct ct_bgp_peer *peer_for(const struct ct_node *n, const struct ct_node *to)
{
	if (!n->bgp || !to)
		return NULL;
	for (size_t i = 0; i < n->bgp->n_peers; i++)
		for (int k = 0; k < to->n_underlay; k++)
			if (ct_ip_eq(&n->bgp->peers[i].neighbor, &to->underlay_ips[k]))
				return &n->bgp->peers[i];
	return NULL;
}

/* Where the route to dst should come from, in words. */
static void route_origin(const struct ctx *x, const struct ct_node *n, int dst_node, char *buf,
			 size_t len)
{
	const struct ct_node *to = node_of(x, dst_node);
	const struct ct_bgp_peer *pr = peer_for(n, to);
	if (pr)
		snprintf(buf, len, "BGP peer %s (%s): session %s", pr->name, to->name,
			 pr->bgp_state[0] ? pr->bgp_state : pr->state);
	else if (n->bgp && n->bgp->n_peers)
		snprintf(buf, len, "BIRD: no BGP peer for node %s", to ? to->name : "holding it");
	else if (ct_link_by_name(&n->ns.v[0], CT_VTEP_NAME))
		snprintf(buf, len, "Felix (VXLAN routes): check calico-node on %s", n->name);
	else
		snprintf(buf, len, "BIRD (BGP) or Felix: neither is known to program it here");
}

/* The ingress hop of node in direction rev just added (the packet's arrival), or NULL. */
static struct ct_hop *last_ingress(struct ctx *x, bool rev, int node)
{
	for (size_t i = x->out->n; i-- > 0;) {
		struct ct_hop *h = &x->out->v[i];
		if (h->reverse == rev && h->node == node && h->kind == CT_HOP_INGRESS)
			return h;
		if (h->reverse == rev && h->node != node)
			break;
	}
	return NULL;
}

/* The kernel refused an IPv4 packet arriving on il by its reverse-path check (EINVAL, EXDEV
 * before Linux 6.13, the model naming the check), il is in strict mode, and the node's route
 * back to the source leaves by another device: strict rp_filter with an asymmetric return.
 * A finding on the arrival (ingress) hop and on the forwarding decision; true when made. */
static bool rpf_asymmetric(struct ctx *x, struct ct_hop *h, int node, const struct ct_link *il,
			   const struct ct_ip *src, const struct ct_ip *dst, int err,
			   const struct ct_lookup_result *mr, bool kernel)
{
	const struct ct_node *n = node_of(x, node);
	const struct ct_netns *ns = &n->ns.v[0];
	if (!il || src->family != AF_INET || (err != EINVAL && err != EXDEV) ||
	    mr->why != CT_LOOKUP_RPF || il->eff_rp_filter != 1)
		return false;
	/* the route back to the source: the kernel's own output lookup, else the model's */
	struct ct_lookup_query rq = {.dst = *src};
	struct ct_path_fib_answer ka;
	int roif = 0;
	struct ct_ip rgw = {0};
	if (kernel && x->q->fib.lookup && x->q->fib.lookup(x->q->fib.arg, node, &rq, &ka) == 0 &&
	    !ka.err) {
		roif = ka.oif;
		rgw = ka.gw;
	} else if (mr->rpf_route) {
		const struct ct_nexthop *nh;
		struct ct_nexthop tmp;
		ct_route_nexthops(mr->rpf_route, &nh, &tmp);
		roif = nh[0].oif;
		rgw = nh[0].gw;
	}
	const struct ct_link *rl = roif ? ct_link_by_ifindex(ns, roif) : NULL;
	if (!rl || rl->ifindex == il->ifindex)
		return false;
	char sb[64], db[64], gb[64] = "", rb[64] = "", ev[320], msg[320], fix[256];
	ct_ip_fmt(src, sb, sizeof(sb));
	ct_ip_fmt(dst, db, sizeof(db));
	if (ct_ip_is_set(&rgw))
		ct_ip_fmt(&rgw, gb, sizeof(gb));
	if (mr->rpf_route)
		ct_prefix_fmt(&mr->rpf_route->dst, rb, sizeof(rb));
	char back[160];
	snprintf(back, sizeof(back), "%s%s%s%s%sdev %s", rb, rb[0] ? " " : "", gb[0] ? "via " : "",
		 gb, gb[0] ? " " : "", rl->name);
	snprintf(ev, sizeof(ev),
		 "route lookup %s from %s iif %s: %s (errno %d); rp_filter on %s: 1 (strict; "
		 "all %d, %s %d); route back to %s: %s",
		 db, sb, il->name, strerror(err), err, il->name, ns->conf.rp_filter, il->name,
		 il->rp_filter, sb, back);
	snprintf(msg, sizeof(msg),
		 "%s drops %s -> %s arriving on %s: strict rp_filter there, and its route back to %s "
		 "leaves by %s (an asymmetric return)",
		 n->name, sb, db, il->name, sb, rl->name);
	snprintf(fix, sizeof(fix),
		 "set loose reverse-path filtering (rp_filter=2) on %s, as Calico does for asymmetric "
		 "routes, or make the route back to %s leave by %s",
		 il->name, sb, il->name);
	struct ct_hop *ih = last_ingress(x, h->reverse, node);
	struct ct_hop *on = ih ? ih : h;
	struct ct_findings tmp;
	ct_findings_init(&tmp);
	struct ct_finding *f = hop_finding(x, on, &tmp, "path_rp_filter_asymmetric", ev, fix, msg);
	ct_finding_run_sysctl(f, ns, "net.ipv4.conf", il->name, "rp_filter", "2");
	hop_attach_all(x, on, &tmp);
	if (on != h)
		hop_attach_all(x, h, &tmp);
	ct_findings_free(&tmp);
	if (ih) {
		hop_ev(ih, "the kernel refuses what arrives here from %s: strict rp_filter, the route back leaves by %s",
		       sb, rl->name);
	}
	return true;
}

static int forward_hop(struct ctx *x, bool rev, int node, int iif, const struct ct_ip *src,
		       const struct ct_ip *dst, int dst_node, struct fwd *out)
{
	const struct ct_node *n = node_of(x, node);
	const struct ct_netns *ns = &n->ns.v[0];
	const struct ct_link *il = iif ? ct_link_by_ifindex(ns, iif) : NULL;
	char db[64], sb[64];
	ct_ip_fmt(dst, db, sizeof(db));
	ct_ip_fmt(src, sb, sizeof(sb));
	struct ct_hop *h = hop_add(x, rev, CT_HOP_FORWARD, node, 0, db);
	if (!h)
		return -1;
	seq_push(x, rev, node);
	struct ct_lookup_query q = {.dst = *dst, .iif = iif, .ip_proto = x->q->ip_proto,
				    .dport = x->q->port};
	if (iif || link_with_addr(ns, src))
		q.src = *src;
	struct ct_lookup_result mr;
	memset(&mr, 0, sizeof(mr));
	int mrc = ct_lookup(ns, &q, &mr);
	struct ct_path_fib_answer ka;
	bool kernel = x->q->fib.lookup && x->q->fib.lookup(x->q->fib.arg, node, &q, &ka) == 0;
	memset(out, 0, sizeof(*out));
	if (kernel) {
		out->err = ka.err;
		out->oif = ka.oif;
		out->gw = ka.gw;
		out->type = ka.type;
	} else if (mrc == 0) {
		out->err = mr.err;
		if (mr.route) {
			const struct ct_nexthop *nh;
			struct ct_nexthop tmp;
			ct_route_nexthops(mr.route, &nh, &tmp);
			out->oif = nh[0].oif;
			out->gw = nh[0].gw;
			out->type = mr.route->type;
		}
	} else {
		out->err = EINVAL;
	}
	if (mrc == 0 && !mr.err)
		out->route = mr.route;
	const char *keys[5] = {"net.ipv4.ip_forward", db, NULL, NULL, NULL};
	char rb[64] = "";
	if (mrc == 0 && mr.route) {
		ct_prefix_fmt(&mr.route->dst, rb, sizeof(rb));
		keys[2] = rb;
	}
	hop_claim(x, h, node, 0, keys, NULL, NULL);
	hop_ev(h, "asked: %s from %s%s%s (%s)", db, sb, il ? " iif " : "", il ? il->name : "",
	       kernel ? "the kernel's lookup" : "the model's lookup");
	if (out->err) {
		char why[320];
		ct_lookup_explain(ns, &mr, kernel ? out->err : 0, why, sizeof(why));
		char origin[256] = "";
		bool block_missing = mrc == 0 && (mr.why == CT_LOOKUP_NO_ROUTE);
		if (block_missing && dst_node != node)
			route_origin(x, n, dst_node, origin, sizeof(origin));
		hop_sum(h, "refused: %s: %s", strerror(out->err), why);
		if (origin[0])
			hop_ev(h, "the route should come from %s", origin);
		if (!hop_has_fail(h) && mrc == 0)
			rpf_asymmetric(x, h, node, il, src, dst, out->err, &mr, kernel);
		if (!hop_has_fail(h)) {
			char msg[320], ev[320];
			snprintf(msg, sizeof(msg), "%s does not forward %s -> %s%s%s: %s", n->name, sb, db,
				 il ? " from " : "", il ? il->name : "", why);
			snprintf(ev, sizeof(ev), "route lookup: %s (errno %d)%s%s", strerror(out->err),
				 out->err, origin[0] ? "; expected from " : "", origin);
			struct ct_findings tmp;
			ct_findings_init(&tmp);
			struct ct_finding *f = hop_finding(
				x, h, &tmp, "path_no_route", ev,
				origin[0] ? "restore the route to the destination's block where it comes from (see the evidence)"
					  : "fix or remove the route or rule named, then ask the kernel again",
				msg);
			if (il)
				ct_finding_run(f, ns, "ip", "route", "get", db, "from", sb, "iif", il->name,
					       NULL);
			else
				ct_finding_run(f, ns, "ip", "route", "get", db, NULL);
			hop_attach_all(x, h, &tmp);
			ct_findings_free(&tmp);
		}
		verdict_at_least(h, CT_HOP_FAIL);
		return 0;
	}
	const struct ct_link *ol = ct_link_by_ifindex(ns, out->oif);
	char gb[64] = "";
	if (ct_ip_is_set(&out->gw))
		ct_ip_fmt(&out->gw, gb, sizeof(gb));
	char ob[32] = "";
	const char *own = out->route ? ct_route_owner(out->route->protocol, ob, sizeof(ob)) : "";
	hop_sum(h, "%s%s%s%sdev %s%s%s%s%s", out->type == RTN_LOCAL ? "local " : "",
		gb[0] ? "via " : "", gb, gb[0] ? " " : "", ol ? ol->name : "?", rb[0] ? " (route " : "",
		rb, own[0] ? " proto " : "", own);
	if (rb[0])
		strncat(h->summary, ")", sizeof(h->summary) - strlen(h->summary) - 1);
	/* a destination pod of another known node reached only by a default route */
	if (out->route && out->route->dst.len == 0 && dst_node >= 0 && dst_node != node &&
	    !hop_has_fail(h)) {
		char origin[256], msg[320], ev[320];
		route_origin(x, n, dst_node, origin, sizeof(origin));
		snprintf(msg, sizeof(msg),
			 "%s has no route to the block of %s (on %s): only its default route, via %s", n->name,
			 db, node_of(x, dst_node)->name, gb[0] ? gb : "?");
		snprintf(ev, sizeof(ev), "route %s; expected from %s", rb, origin);
		hop_ev(h, "the route should come from %s", origin);
		struct ct_findings tmp;
		ct_findings_init(&tmp);
		struct ct_finding *f = hop_finding(
			x, h, &tmp, "path_no_route", ev,
			"restore the route to the destination's block where it comes from (see the evidence)",
			msg);
		ct_finding_run(f, ns, "ip", "route", "get", db, NULL);
		hop_attach_all(x, h, &tmp);
		ct_findings_free(&tmp);
	}
	return 0;
}

/* ---- egress, route source, ingress */

struct next {
	int node;              /* -1 unknown */
	enum egress_kind kind;
	struct ct_ip outer;    /* the underlay address the packet is sent to */
	char dev[CT_IFNAMSIZ]; /* egress device */
};

static int egress_hop(struct ctx *x, bool rev, int node, const struct fwd *fw, struct next *nx)
{
	const struct ct_node *n = node_of(x, node);
	const struct ct_netns *ns = &n->ns.v[0];
	const struct ct_link *ol = ct_link_by_ifindex(ns, fw->oif);
	memset(nx, 0, sizeof(*nx));
	nx->node = -1;
	struct ct_hop *h = hop_add(x, rev, CT_HOP_EGRESS, node, 0, ol ? ol->name : "?");
	if (!h || !ol)
		return -1;
	snprintf(nx->dev, sizeof(nx->dev), "%s", ol->name);
	nx->kind = egress_kind_of(ol);
	h->mtu = ol->mtu;
	char gb[64] = "";
	if (ct_ip_is_set(&fw->gw))
		ct_ip_fmt(&fw->gw, gb, sizeof(gb));
	const char *keys[] = {ol->name, gb[0] ? gb : NULL, NULL};
	hop_claim(x, h, node, 0, keys, NULL, NULL);
	const struct ct_cluster_owner *ow = NULL;
	switch (nx->kind) {
	case EG_VXLAN: {
		const struct ct_neigh *ne = neigh_find(ns, ol->ifindex, &fw->gw);
		char mb[32] = "-", ob[64] = "-";
		const struct ct_fdb *fd = NULL;
		if (ne && ne->lladdr_len == 6) {
			ct_mac_fmt(ne->lladdr, 6, mb, sizeof(mb));
			for (size_t i = 0; i < ns->fdb.n && !fd; i++)
				if (ns->fdb.v[i].ifindex == ol->ifindex &&
				    !memcmp(ns->fdb.v[i].mac, ne->lladdr, 6))
					fd = &ns->fdb.v[i];
		}
		if (fd) {
			nx->outer = fd->dst;
			ct_ip_fmt(&fd->dst, ob, sizeof(ob));
		}
		ow = ct_cluster_by_vtep_ip(x->c, &fw->gw);
		const struct ct_cluster_owner *om = ne ? ct_cluster_by_vtep_mac(x->c, ne->lladdr) : NULL;
		if (!ow)
			ow = om;
		/* the FDB entry's destination is the node's underlay address (IPv6 for
		 * vxlan-v6.calico, whose VTEP the cluster index does not hold) */
		if (!ow && fd)
			ow = ct_cluster_by_underlay(x->c, &fd->dst);
		hop_sum(h, "vxlan VTEP %s lladdr %s (%s), fdb dst %s, mtu %u", gb, mb,
			ne ? nud_name(ne->state) : "no neighbour", ob, ol->mtu);
		if (!ne || !fd) {
			verdict_at_least(h, CT_HOP_FAIL);
			if (!h->n_findings) {
				struct ct_findings tmp;
				ct_findings_init(&tmp);
				char msg[320];
				snprintf(msg, sizeof(msg), "VTEP %s: %s", gb,
					 !ne ? "no neighbour entry on the VXLAN device"
					     : "no FDB entry for its MAC: the kernel does not know which node to send to");
				struct ct_finding *f = hop_finding(
					x, h, &tmp, !ne ? "vxlan_gateway_no_neigh" : "vxlan_gateway_no_fdb",
					msg, "Felix programs it: check calico-node logs", msg);
				ct_finding_run(f, ns, "bridge", "fdb", "show", "dev", ol->name, NULL);
				hop_attach_all(x, h, &tmp);
				ct_findings_free(&tmp);
			}
		}
		uint8_t ofam = fd && fd->dst.family == AF_INET6 ? AF_INET6 : AF_INET;
		const struct ct_link *ul = underlay_link(n, ofam);
		mtu_take(x, ol->mtu);
		if (ul && ul->mtu > overhead_of(EG_VXLAN, ofam))
			mtu_take(x, ul->mtu - overhead_of(EG_VXLAN, ofam));
		break;
	}
	case EG_IPIP: {
		nx->outer = fw->gw;
		const struct ct_ip *os = n->n_underlay ? &n->underlay_ips[0] : NULL;
		char sb[64] = "-";
		if (os)
			ct_ip_fmt(os, sb, sizeof(sb));
		hop_sum(h, "ipip outer %s -> %s, mtu %u", sb, gb, ol->mtu);
		ow = ct_cluster_by_underlay(x->c, &fw->gw);
		const struct ct_link *ul = underlay_link(n, AF_INET);
		mtu_take(x, ol->mtu);
		if (ul && ul->mtu > 20)
			mtu_take(x, ul->mtu - 20);
		break;
	}
	case EG_WIREGUARD:
		hop_sum(h, "wireguard %s (peer key, endpoint and handshake not read)", ol->name);
		verdict_at_least(h, CT_HOP_UNKNOWN);
		hop_ev(h, "expected: a peer of %s whose allowed IPs hold the destination", ol->name);
		mtu_take(x, ol->mtu);
		break;
	case EG_UNDERLAY: {
		const struct ct_ip *nh = ct_ip_is_set(&fw->gw) ? &fw->gw : NULL;
		nx->outer = nh ? *nh : (struct ct_ip){0};
		const struct ct_neigh *ne = nh ? neigh_find(ns, ol->ifindex, nh) : NULL;
		char mb[32] = "-";
		if (ne && ne->lladdr_len)
			ct_mac_fmt(ne->lladdr, ne->lladdr_len, mb, sizeof(mb));
		ow = nh ? ct_cluster_by_underlay(x->c, nh) : NULL;
		hop_sum(h, "underlay next hop %s lladdr %s (%s), mtu %u", gb[0] ? gb : "direct", mb,
			ne ? nud_name(ne->state) : "no entry yet", ol->mtu);
		mtu_take(x, ol->mtu);
		if (ow && ne && ne->lladdr_len == 6) {
			const struct ct_node *nn = node_of(x, ow->node);
			const struct ct_link *rl = link_with_addr(&nn->ns.v[0], nh);
			if (rl && rl->mac_len == 6 && memcmp(rl->mac, ne->lladdr, 6)) {
				char rm[32], msg[320], ev[320];
				ct_mac_fmt(rl->mac, 6, rm, sizeof(rm));
				snprintf(ev, sizeof(ev), "%s's entry for %s: %s %s; %s's %s has %s", n->name, gb,
					 mb, nud_name(ne->state), nn->name, rl->name, rm);
				snprintf(msg, sizeof(msg),
					 "the next hop %s resolves to %s, but %s's %s has MAC %s: frames go nowhere",
					 gb, mb, nn->name, rl->name, rm);
				struct ct_findings tmp;
				ct_findings_init(&tmp);
				struct ct_finding *f = hop_finding(
					x, h, &tmp, "path_next_hop_wrong_mac", ev,
					"delete the wrong entry so the kernel resolves the address again", msg);
				ct_finding_run(f, ns, "ip", "neigh", "del", gb, "dev", ol->name, NULL);
				hop_attach_all(x, h, &tmp);
				ct_findings_free(&tmp);
			}
		}
		break;
	}
	}
	nx->node = ow ? ow->node : -1;
	if (nx->node == node)
		nx->node = -1;
	if (ow && nx->node >= 0)
		hop_ev(h, "next node: %s", node_of(x, nx->node)->name);
	return 0;
}

/* An IPv6 `proto bird` route where the node's bird6 was asked (x->q->bird6): the peer that
 * BIRD's route came from (the protocol of bird6's exported route for that prefix, else the
 * peer of the next node or of the gateway) and its session, with bird6's findings about that
 * peer. False when bird6 was not asked: the caller says so. */
static bool route_source_bird6(struct ctx *x, bool rev, int node, const struct fwd *fw,
			       const struct next *nx, const char *rb)
{
	const struct ct_path_bird6 *b6 = x->q->bird6 ? &x->q->bird6[node] : NULL;
	if (!b6 || !b6->asked || fw->route->dst.ip.family != AF_INET6)
		return false;
	const struct ct_node *n = node_of(x, node);
	const struct ct_node *to = node_of(x, nx->node);
	const struct ct_bgp *b = b6->b;
	if (!b) {
		struct ct_hop *h = hop_add(x, rev, CT_HOP_ROUTE_SOURCE, node, 0, "bird6");
		if (!h)
			return true;
		h->verdict = CT_HOP_UNKNOWN;
		hop_sum(h, "route %s proto bird; bird6 cannot be asked", rb);
		hop_ev(h, "%s", b6->error && b6->error[0] ? b6->error : "no answer");
		hop_ev(h, "expected: bird6's session to %s Established (birdc6 -s ITS_SOCKET show protocols)",
		       to ? to->name : "the next node");
		return true;
	}
	const struct ct_bgp_peer *pr = NULL;
	const char *via = NULL; /* the protocol bird6's route names */
	for (size_t i = 0; i < b->n_routes && !via; i++) {
		const struct ct_bgp_route *r = &b->routes[i];
		if (r->primary && r->at && r->dst.len == fw->route->dst.len &&
		    ct_ip_eq(&r->dst.ip, &fw->route->dst.ip))
			via = r->at->proto;
	}
	for (size_t i = 0; via && i < b->n_peers && !pr; i++)
		if (!strcmp(b->peers[i].name, via))
			pr = &b->peers[i];
	for (size_t i = 0; to && !pr && i < b->n_peers; i++)
		for (int k = 0; k < to->n_underlay && !pr; k++)
			if (ct_ip_eq(&b->peers[i].neighbor, &to->underlay_ips[k]))
				pr = &b->peers[i];
	for (size_t i = 0; !pr && i < b->n_peers; i++)
		if (ct_ip_eq(&b->peers[i].neighbor, &fw->gw))
			pr = &b->peers[i];
	struct ct_hop *h = hop_add(x, rev, CT_HOP_ROUTE_SOURCE, node, 0, pr ? pr->name : "bird6");
	if (!h)
		return true;
	if (!pr) {
		h->verdict = CT_HOP_UNKNOWN;
		hop_sum(h, "route %s proto bird; bird6 (%s) has no BGP peer for its gateway", rb,
			b->socket);
		return true;
	}
	char nb[64];
	ct_ip_fmt(&pr->neighbor, nb, sizeof(nb));
	bool est = !strcasecmp(pr->bgp_state, "Established");
	hop_sum(h, "route %s from BGP peer %s (%s, bird6): %s", rb, pr->name, nb,
		pr->bgp_state[0] ? pr->bgp_state : pr->state);
	hop_ev(h, "bird6 at %s%s%s", b->socket, pr->info[0] ? ": " : "", pr->info);
	if (pr->last_error[0])
		hop_ev(h, "last error: %s", pr->last_error);
	/* bird6's own findings about this peer and this route, as doctor makes them for bird */
	struct ct_findings tmp;
	ct_findings_init(&tmp);
	if (n && n->ns.n && ct_analyze_bgp(n, &n->ns.v[0], b, true, NULL, NULL, &tmp) == 0)
		for (size_t i = 0; i < tmp.n; i++)
			if (subject_is(tmp.v[i].subject, pr->name) || subject_is(tmp.v[i].subject, rb))
				hop_attach(x, h, &tmp.v[i]);
	ct_findings_free(&tmp);
	if (!est)
		verdict_at_least(h, CT_HOP_WARN);
	return true;
}

static void route_source_hop(struct ctx *x, bool rev, int node, const struct fwd *fw,
			     const struct next *nx)
{
	if (!fw->route)
		return;
	const struct ct_node *n = node_of(x, node);
	char ob[32];
	const char *own = ct_route_owner(fw->route->protocol, ob, sizeof(ob));
	char rb[64];
	ct_prefix_fmt(&fw->route->dst, rb, sizeof(rb));
	if (!strcmp(own, "bird")) {
		if (route_source_bird6(x, rev, node, fw, nx, rb))
			return;
		const struct ct_node *to = node_of(x, nx->node);
		/* BIRD 1.x serves one family per daemon: a route of the other family is the
		 * other daemon's (bird6 for IPv6), whose answers were not read */
		uint8_t bf = ct_bgp_family(n->bgp);
		bool other = bf && fw->route->dst.ip.family != bf;
		const struct ct_bgp_peer *pr = other ? NULL : peer_for(n, to);
		if (!pr && n->bgp && !other)
			for (size_t i = 0; i < n->bgp->n_peers && !pr; i++)
				if (ct_ip_eq(&n->bgp->peers[i].neighbor, &fw->gw))
					pr = &n->bgp->peers[i];
		const char *daemon = bf == AF_INET ? "bird6" : "bird";
		struct ct_hop *h = hop_add(x, rev, CT_HOP_ROUTE_SOURCE, node, 0,
					   pr ? pr->name : other ? daemon : "bird");
		if (!h)
			return;
		if (other) {
			h->verdict = CT_HOP_UNKNOWN;
			hop_sum(h, "route %s proto bird, from %s: not asked (the BIRD asked is 1.x and serves IPv%c only)",
				rb, daemon, bf == AF_INET ? '4' : '6');
			hop_ev(h, "expected: %s's session to %s Established (%s -s ITS_SOCKET show protocols)",
			       daemon, to ? to->name : "the next node", bf == AF_INET ? "birdc6" : "birdc");
			return;
		}
		if (n->bgp_error[0]) {
			hop_claim(x, h, node, 0, NULL, "bird_unreachable", NULL);
			verdict_at_least(h, CT_HOP_UNKNOWN);
			hop_sum(h, "route %s proto bird; BIRD cannot be asked: %s", rb, n->bgp_error);
			return;
		}
		if (!n->bgp) {
			h->verdict = CT_HOP_UNKNOWN;
			hop_sum(h, "route %s proto bird; BIRD was not asked%s%s", rb,
				n->bgp_error[0] ? ": " : "", n->bgp_error);
			return;
		}
		const char *keys[] = {pr ? pr->name : "", rb, NULL};
		hop_claim(x, h, node, 0, keys, NULL, NULL);
		if (!pr) {
			h->verdict = CT_HOP_UNKNOWN;
			hop_sum(h, "route %s proto bird; no BGP peer for its gateway", rb);
			return;
		}
		bool est = !strcasecmp(pr->bgp_state, "Established");
		hop_sum(h, "route %s from BGP peer %s: %s", rb, pr->name,
			pr->bgp_state[0] ? pr->bgp_state : pr->state);
		if (!est)
			verdict_at_least(h, CT_HOP_WARN);
		return;
	}
	struct ct_hop *h = hop_add(x, rev, CT_HOP_ROUTE_SOURCE, node, 0, own);
	if (!h)
		return;
	if (fw->route->protocol == 80)
		hop_sum(h, "route %s programmed by Felix (proto 80)", rb);
	else
		hop_sum(h, "route %s proto %s", rb, own);
}

/* The device a packet of kind k arrives on at node (iif of its forwarding decision). */
static const struct ct_link *ingress_link(const struct ctx *x, int node, const struct next *nx)
{
	const struct ct_node *n = node_of(x, node);
	const struct ct_netns *ns = &n->ns.v[0];
	switch (nx->kind) {
	case EG_VXLAN:
		/* the device of the same name (vxlan.calico, vxlan-v6.calico), else Calico's */
		if (nx->dev[0] && ct_link_by_name(ns, nx->dev) &&
		    !strcmp(ct_link_by_name(ns, nx->dev)->kind, "vxlan"))
			return ct_link_by_name(ns, nx->dev);
		return ct_link_by_name(ns, CT_VTEP_NAME) ? ct_link_by_name(ns, CT_VTEP_NAME)
							 : ct_link_by_name(ns, nx->dev);
	case EG_IPIP:
	case EG_WIREGUARD:
		return ct_link_by_name(ns, nx->dev);
	default:
		if (ct_ip_is_set(&nx->outer)) {
			const struct ct_link *l = link_with_addr(ns, &nx->outer);
			if (l)
				return l;
		}
		return underlay_link(n, AF_INET);
	}
}

/* ---- one direction */

/* ---- a Service VIP (q->svc): kube-proxy's DNAT on the source's node */

static void hostport(char *buf, size_t len, const struct ct_ip *ip, uint16_t port)
{
	char a[64];
	ct_ip_fmt(ip, a, sizeof(a));
	snprintf(buf, len, ip->family == AF_INET6 ? "[%s]:%u" : "%s:%u", a, port);
}

/* The Service's namespace and name from kube-proxy's "namespace/name:port"; false when
 * the name is not known. */
static bool svc_ns_name(const struct ct_svc *v, char *ns, size_t nslen, char *name, size_t namelen)
{
	const char *slash = strchr(v->name, '/');
	if (!slash || slash == v->name || (size_t)(slash - v->name) >= nslen)
		return false;
	size_t n = strcspn(slash + 1, ":");
	if (!n || n >= namelen)
		return false;
	memcpy(ns, v->name, (size_t)(slash - v->name));
	ns[slash - v->name] = 0;
	memcpy(name, slash + 1, n);
	name[n] = 0;
	return true;
}

static void service_no_endpoints(struct ctx *x, struct ct_hop *h, const struct ct_svc *v,
				 const char *line)
{
	char ns[80], name[80], sel[128];
	bool named = svc_ns_name(v, ns, sizeof(ns), name, sizeof(name));
	struct ct_findings tmp;
	ct_findings_init(&tmp);
	struct ct_finding *f = hop_finding(
		x, h, &tmp, "path_service_no_endpoints", line,
		named ? "check the Service's selector and whether its pods are Ready: kube-proxy programs only ready endpoints"
		      : "check the Service's selector and whether its pods are Ready (IPVS does not name the Service: find it by its VIP with kubectl get services -A)",
		v->source == CT_SVC_IPVS ? "the Service has no endpoints: IPVS has no real server for it"
					 : "the Service has no endpoints: kube-proxy rejects its packets");
	if (f && named) {
		snprintf(sel, sizeof(sel), "kubernetes.io/service-name=%s", name);
		ct_finding_run(f, NULL, "kubectl", "-n", ns, "get", "endpointslices", "-l", sel, NULL);
	}
	hop_attach_all(x, h, &tmp);
	ct_findings_free(&tmp);
}

/* The service hop: the Service and its backends (q->to_backend false), or the DNAT to
 * the backend that is DST; or unknown when the node's Services cannot be read. */
static void service_hop(struct ctx *x)
{
	const struct ct_path_query *q = x->q;
	const struct ct_svc *v = q->svc;
	if (x->svc_done || (!v && (!q->svc_unreadable || q->dst.node >= 0)))
		return;
	x->svc_done = true;
	char sub[128], line[512], hp[80];
	if (!v) {
		ct_ip_fmt(&q->dst.ip, sub, sizeof(sub));
		struct ct_hop *h = hop_add(x, false, CT_HOP_SERVICE, q->svc_node, 0, sub);
		if (h) {
			h->verdict = CT_HOP_UNKNOWN;
			hop_sum(h, "whether %s is a Service VIP is not known: %s", sub, q->svc_unreadable);
		}
		return;
	}
	const char *pn = ct_svc_proto_name(v->proto);
	hostport(hp, sizeof(hp), &v->vip, v->port);
	snprintf(sub, sizeof(sub), "%s/%s", hp, pn ? pn : "?");
	struct ct_hop *h = hop_add(x, false, CT_HOP_SERVICE, q->svc_node, 0, sub);
	if (!h)
		return;
	ct_svc_describe(v, line, sizeof(line));
	if (q->to_backend) {
		uint16_t bport = v->port;
		for (size_t i = 0; i < v->nbe; i++)
			if (ct_ip_eq(&v->be[i].ip, &q->dst.ip) && v->be[i].port) {
				bport = v->be[i].port;
				break;
			}
		char bhp[80];
		hostport(bhp, sizeof(bhp), &q->dst.ip, bport);
		hop_sum(h, "%s -> %s: kube-proxy's DNAT in PREROUTING, before Felix's cali-fw chain", hp,
			bhp);
		hop_ev(h, "%s", line);
		hop_ev(h, "replies from %s are un-DNATed by conntrack: they return with source %s", bhp,
		       hp);
		return;
	}
	hop_sum(h, "%s", line);
	if (v->no_endpoints) {
		hop_ev(h, "no endpoints: kube-proxy rejects it");
		service_no_endpoints(x, h, v, line);
		return;
	}
	size_t shown = v->nbe < CT_HOP_EVIDENCE - 1 ? v->nbe : CT_HOP_EVIDENCE - 1;
	for (size_t i = 0; i < shown; i++) {
		hostport(hp, sizeof(hp), &v->be[i].ip, v->be[i].port ? v->be[i].port : v->port);
		hop_ev(h, "backend %s", hp);
	}
	if (v->nbe_total > shown)
		hop_ev(h, "and %zu more backends", v->nbe_total - shown);
}

static void walk(struct ctx *x, const struct ct_path_end *s, const struct ct_path_end *d, bool rev)
{
	char sb[64], db[64];
	ct_ip_fmt(&s->ip, sb, sizeof(sb));
	ct_ip_fmt(&d->ip, db, sizeof(db));
	x->mtu = 0;
	int node = s->node;
	int iif = 0, guard = 0;
	const struct ct_link *wl_src = NULL;
	struct next nx = {.node = -1};
	if (node < 0) {
		if (!rev)
			service_hop(x);
		char why[256];
		snprintf(why, sizeof(why), "no known node holds %s", sb);
		unknown_src_side(x, rev, sb, why);
		seq_push(x, rev, -1);
		struct ct_hop *h = hop_add(x, rev, CT_HOP_UNDERLAY, -1, -1, "underlay");
		if (h) {
			h->verdict = CT_HOP_UNKNOWN;
			hop_sum(h, "underlay between the node holding %s and %s: not visible", sb,
				d->node >= 0 ? node_of(x, d->node)->name : "?");
		}
		if (d->node < 0)
			return;
		node = d->node;
		/* guess the arrival: the destination node's encapsulation, else its underlay */
		const struct ct_netns *dn = &node_of(x, node)->ns.v[0];
		nx.kind = ct_link_by_name(dn, CT_VTEP_NAME) ? EG_VXLAN
			  : ct_link_by_name(dn, "tunl0") ? EG_IPIP
							  : EG_UNDERLAY;
		snprintf(nx.dev, sizeof(nx.dev), "%s",
			 nx.kind == EG_VXLAN ? CT_VTEP_NAME : nx.kind == EG_IPIP ? "tunl0" : "");
		goto arrive;
	}
	if (s->ns > 0 || !s->is_node) {
		const struct ct_node *n = node_of(x, node);
		if (s->ns > 0) {
			pod_hop(x, rev, node, s->ns, true, &d->ip);
			wl_src = host_side_of(n, s->ns, x->q->prefixes);
		} else {
			/* the pod's namespace was not read: its interface from its route */
			wl_src = workload_of_ip(n, &s->ip, x->q->prefixes);
			struct ct_hop *h = hop_add(x, rev, CT_HOP_POD_EGRESS, node, -1, "eth0");
			if (h) {
				h->verdict = CT_HOP_UNKNOWN;
				hop_sum(h, "the pod's namespace%s%s was not read", wl_src ? " behind " : "",
					wl_src ? wl_src->name : "");
			}
		}
		if (wl_src) {
			workload_hop(x, rev, node, wl_src, true, &s->ip);
			/* DNAT happens in PREROUTING, before Felix's forward chains */
			if (!rev)
				service_hop(x);
			policy_hop(x, rev, node, wl_src, false);
			iif = wl_src->ifindex;
		}
	}
	if (!rev)
		service_hop(x); /* a no-op once there, or unless DST is (or may be) a VIP */
	for (; guard < 8; guard++) {
		const struct ct_node *n = node_of(x, node);
		if (is_ebpf(n)) {
			struct ct_hop *h = hop_add(x, rev, CT_HOP_FORWARD, node, 0, db);
			if (h) {
				h->verdict = CT_HOP_UNKNOWN;
				hop_sum(h, "Calico's eBPF dataplane (bpfin.cali): BPF programs forward, not routes");
				hop_ev(h, "expected: calico-node -bpf routes and conntrack on %s", n->name);
			}
			return;
		}
		struct fwd fw;
		if (forward_hop(x, rev, node, iif, &s->ip, &d->ip, d->node, &fw) < 0)
			return;
		const struct ct_netns *ns = &n->ns.v[0];
		const struct ct_link *ol = fw.err ? NULL : ct_link_by_ifindex(ns, fw.oif);
		if (fw.err) {
			/* the destination's own hops on this node still tell why */
			if (d->node == node && d->ns > 0) {
				const struct ct_link *wl = host_side_of(n, d->ns, x->q->prefixes);
				if (wl) {
					policy_hop(x, rev, node, wl, true);
					workload_hop(x, rev, node, wl, false, &d->ip);
				}
				pod_hop(x, rev, node, d->ns, false, &s->ip);
			}
			return;
		}
		if (fw.type == RTN_LOCAL || (ol && !strcmp(ol->name, "lo"))) {
			struct ct_hop *h = hop_add(x, rev, CT_HOP_LOCAL, node, 0, db);
			hop_sum(h, "delivered to %s itself", n->name);
			x->arrived[rev] = true;
			return;
		}
		if (ol && ct_is_workload(x->q->prefixes, ol->name)) {
			policy_hop(x, rev, node, ol, true);
			const struct ct_ip *pip = &d->ip;
			workload_hop(x, rev, node, ol, false, pip);
			x->arrived[rev] = true;
			int pns = ol->peer_ns;
			if (pns > 0)
				pod_hop(x, rev, node, pns, false, &s->ip);
			else {
				struct ct_hop *h = hop_add(x, rev, CT_HOP_POD_INGRESS, node, -1, "eth0");
				if (h) {
					h->verdict = CT_HOP_UNKNOWN;
					hop_sum(h, "the pod's namespace behind %s was not read", ol->name);
				}
			}
			return;
		}
		if (egress_hop(x, rev, node, &fw, &nx) < 0)
			return;
		route_source_hop(x, rev, node, &fw, &nx);
		if (nx.node < 0) {
			struct ct_hop *h = hop_add(x, rev, CT_HOP_UNDERLAY, -1, -1, "underlay");
			char gb[64] = "?";
			if (ct_ip_is_set(&nx.outer))
				ct_ip_fmt(&nx.outer, gb, sizeof(gb));
			else if (ct_ip_is_set(&fw.gw))
				ct_ip_fmt(&fw.gw, gb, sizeof(gb));
			if (h) {
				h->verdict = CT_HOP_UNKNOWN;
				hop_sum(h, "underlay between %s and %s: not visible", n->name, gb);
				if (d->node >= 0 && d->node != node)
					hop_ev(h, "%s holds %s: the path goes on there", node_of(x, d->node)->name,
					       db);
			}
			seq_push(x, rev, -1);
			if (d->node < 0 || d->node == node) {
				char why[256];
				snprintf(why, sizeof(why), "%s is no known node, and no known node holds %s", gb,
					 db);
				unknown_dest_side(x, rev, db, why);
				return;
			}
			nx.node = d->node;
		}
		node = nx.node;
	arrive:;
		const struct ct_link *il = ingress_link(x, node, &nx);
		struct ct_hop *h = hop_add(x, rev, CT_HOP_INGRESS, node, 0, il ? il->name : "?");
		if (h) {
			if (!il) {
				h->verdict = CT_HOP_UNKNOWN;
				hop_sum(h, "no %s device to arrive on", egress_names[nx.kind]);
				return;
			}
			const char *keys[] = {il->name, NULL};
			hop_claim(x, h, node, 0, keys, NULL, NULL);
			h->mtu = il->mtu;
			mtu_take(x, il->mtu);
			hop_sum(h, "%s %s %s, mtu %u", egress_names[nx.kind], il->name,
				link_up(il) ? "up" : "DOWN", il->mtu);
			const struct ct_node *nn = node_of(x, node);
			if (strcmp(nn->source, "live")) {
				long long age = x->q->now - nn->taken_at;
				hop_ev(h, "%s: snapshot taken %lld s ago", nn->name, age < 0 ? 0 : age);
			}
			if (!link_up(il))
				verdict_at_least(h, CT_HOP_FAIL);
		}
		iif = il ? il->ifindex : 0;
	}
	struct ct_hop *h = hop_add(x, rev, CT_HOP_FORWARD, node, 0, db);
	if (h) {
		h->verdict = CT_HOP_FAIL;
		hop_sum(h, "more than 8 nodes on the way: a routing loop?");
	}
}

static void mtu_hop(struct ctx *x, bool rev, const struct ct_path_end *s)
{
	struct ct_hop *h = hop_add(x, rev, CT_HOP_MTU, s->node, s->ns > 0 ? s->ns : 0, "mtu");
	if (!h)
		return;
	/* the sender's MTU: the first MTU on the way, when that hop is on the sender's node (with
	 * the sender's node unknown, the first one known is some arrival device, not the sender's) */
	uint32_t first = 0;
	for (size_t i = 0; i < x->out->n; i++)
		if (x->out->v[i].reverse == rev && x->out->v[i].mtu) {
			if (s->node >= 0 && x->out->v[i].node == s->node)
				first = x->out->v[i].mtu;
			break;
		}
	if (rev)
		x->out->mtu_reverse = x->mtu;
	else
		x->out->mtu_forward = x->mtu;
	h->mtu = x->mtu;
	if (!x->mtu) {
		h->verdict = CT_HOP_UNKNOWN;
		hop_sum(h, "no MTU known on the way");
		return;
	}
	if (first)
		hop_sum(h, "largest IP packet end to end: %u bytes (the sender's interface: %u)", x->mtu,
			first);
	else
		hop_sum(h, "largest IP packet end to end: %u bytes (the sender's interface: unknown)",
			x->mtu);
	if (first > x->mtu && s->ns <= 0) {
		/* the node itself sends (its tunnel device's MTU, e.g. vxlan.calico's 1450 where the
		 * pods have 1430 for IPv6 VXLAN): the hop that is too small is the node's own
		 * forwarding or the next node's, whose frag-needed reaches the node's kernel, which
		 * lowers its path MTU; not a workload misconfiguration */
		hop_ev(h, "the sender is a node: its kernel learns the path MTU of %u from the "
			  "frag-needed the smaller hop sends", x->mtu);
	} else if (first > x->mtu) {
		char ev[320], msg[320];
		snprintf(ev, sizeof(ev), "sender's MTU %u; the path carries %u (encapsulation included)",
			 first, x->mtu);
		snprintf(msg, sizeof(msg),
			 "packets of %u bytes leave the sender but only %u pass: large packets are dropped unless PMTU discovery works",
			 first, x->mtu);
		struct ct_findings tmp;
		ct_findings_init(&tmp);
		char sz[16];
		snprintf(sz, sizeof(sz), "%u", x->mtu > 28 ? x->mtu - 28 : 0);
		hop_finding(x, h, &tmp, "path_mtu", ev,
			    "give the workloads Calico's MTU for this encapsulation (FelixConfiguration or the calico-config ConfigMap)",
			    msg);
		hop_attach_all(x, h, &tmp);
		ct_findings_free(&tmp);
	}
}

static void symmetry_hop(struct ctx *x)
{
	struct ct_hop *h = hop_add(x, true, CT_HOP_SYMMETRY, -1, -1, "symmetry");
	if (!h)
		return;
	bool unknown = false, same = x->nseq[0] == x->nseq[1];
	for (size_t i = 0; i < x->nseq[0]; i++)
		unknown |= x->seq[0][i] < 0;
	for (size_t i = 0; i < x->nseq[1]; i++)
		unknown |= x->seq[1][i] < 0;
	for (size_t i = 0; same && i < x->nseq[0]; i++)
		same = x->seq[0][i] == x->seq[1][x->nseq[1] - 1 - i];
	char fwd[256] = "", rv[256] = "";
	for (size_t i = 0; i < x->nseq[0]; i++) {
		const struct ct_node *n = node_of(x, x->seq[0][i]);
		size_t u = strlen(fwd);
		snprintf(fwd + u, sizeof(fwd) - u, "%s%s", i ? " > " : "", n ? n->name : "?");
	}
	for (size_t i = 0; i < x->nseq[1]; i++) {
		const struct ct_node *n = node_of(x, x->seq[1][i]);
		size_t u = strlen(rv);
		snprintf(rv + u, sizeof(rv) - u, "%s%s", i ? " > " : "", n ? n->name : "?");
	}
	hop_sum(h, "forward %s; reverse %s", fwd[0] ? fwd : "-", rv[0] ? rv : "-");
	if (!x->arrived[0] || !x->arrived[1]) {
		h->verdict = CT_HOP_UNKNOWN;
		hop_ev(h, "not compared: the %s path does not arrive",
		       !x->arrived[0] ? "forward" : "reverse");
		return;
	}
	if (unknown) {
		h->verdict = CT_HOP_UNKNOWN;
		return;
	}
	if (!same) {
		char msg[320];
		snprintf(msg, sizeof(msg), "replies take other nodes than requests: forward %s, reverse %s",
			 fwd, rv);
		struct ct_findings tmp;
		ct_findings_init(&tmp);
		hop_finding(x, h, &tmp, "path_asymmetric", msg,
			    "strict rp_filter and stateful policy drop asymmetric replies: make the routes symmetric",
			    msg);
		hop_attach_all(x, h, &tmp);
		ct_findings_free(&tmp);
	}
}

/* ---- API */

void ct_path_init(struct ct_path *p)
{
	memset(p, 0, sizeof(*p));
	ct_findings_init(&p->findings);
}

void ct_path_free(struct ct_path *p)
{
	free(p->v);
	ct_findings_free(&p->findings);
	memset(p, 0, sizeof(*p));
}

static void note(struct ct_path *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(struct ct_path *p, const char *fmt, ...)
{
	if (p->n_notes >= 4)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(p->notes[p->n_notes++], sizeof(p->notes[0]), fmt, ap);
	va_end(ap);
}

int ct_path_build(const struct ct_cluster *c, const struct ct_path_query *q, struct ct_path *out)
{
	struct ctx x;
	memset(&x, 0, sizeof(x));
	x.c = c;
	x.q = q;
	x.out = out;
	for (size_t i = 0; i < c->nodes.n; i++) {
		const struct ct_node *n = c->nodes.v[i];
		if (strcmp(n->source, "live")) {
			long long age = q->now - n->taken_at;
			note(out, "%s: snapshot taken %lld s ago", n->name, age < 0 ? 0 : age);
		}
	}
	if (c->nodes.n == 1)
		note(out, "only %s is known: hops on other nodes are unknown (add --node NAME=NETNS or NAME=@SNAPSHOT)",
		     c->nodes.v[0]->name);
	if (q->svc && !q->to_backend) {
		/* DST is a Service VIP: not traced as if it were a pod */
		service_hop(&x);
		note(out, "DST is a Service VIP: trace one backend with --to-backend IP");
		goto done;
	}
	walk(&x, &q->src, &q->dst, false);
	mtu_hop(&x, false, &q->src);
	walk(&x, &q->dst, &q->src, true);
	mtu_hop(&x, true, &q->dst);
	symmetry_hop(&x);
done:
	for (size_t i = 0; i < x.nnf; i++)
		ct_findings_free(&x.nf[i].f);
	free(x.nf);
	return x.err;
}

enum ct_hop_verdict ct_path_worst(const struct ct_path *p)
{
	enum ct_hop_verdict w = CT_HOP_OK;
	for (size_t i = 0; i < p->n; i++)
		if (p->v[i].verdict > w)
			w = p->v[i].verdict;
	return w;
}

/* ---- endpoints */

int ct_path_end_resolve(const struct ct_cluster *c, const struct ct_prefixes *p, const char *word,
			struct ct_path_end *e, char *why, size_t whylen)
{
	memset(e, 0, sizeof(*e));
	e->node = -1;
	e->ns = -1;
	snprintf(e->label, sizeof(e->label), "%s", word);
	struct ct_ip ip;
	if (ct_ip_parse(word, &ip) == 0) {
		e->ip = ip;
		const struct ct_cluster_owner *o = ct_cluster_by_pod_ip(c, &ip);
		if (o) {
			e->node = o->node;
			e->ns = o->ns;
			return 0;
		}
		o = ct_cluster_by_underlay(c, &ip);
		if (o) {
			e->node = o->node;
			e->is_node = true;
			return 0;
		}
		return 0; /* held by no known node */
	}
	const char *slash = strchr(word, '/');
	if (!slash || slash == word || !slash[1] || strchr(slash + 1, '/')) {
		snprintf(why, whylen, "'%s' is neither an address nor NAMESPACE/POD", word);
		return -1;
	}
	char pns[CT_NAME_LEN], pname[CT_NAME_LEN];
	size_t nl = (size_t)(slash - word);
	if (nl >= sizeof(pns) || strlen(slash + 1) >= sizeof(pname)) {
		snprintf(why, whylen, "pod name too long");
		return -1;
	}
	memcpy(pns, word, nl);
	pns[nl] = 0;
	snprintf(pname, sizeof(pname), "%s", slash + 1);
	/* the pods lists first */
	for (size_t i = 0; i < c->nodes.n; i++) {
		const struct ct_node *n = c->nodes.v[i];
		for (size_t k = 0; k < n->pods.n; k++) {
			const struct ct_pod *pd = &n->pods.v[k];
			if (strcmp(pd->ns, pns) || strcmp(pd->name, pname) || !pd->n_ips)
				continue;
			e->ip = pd->ips[0];
			const struct ct_cluster_owner *o = ct_cluster_by_pod_ip(c, &e->ip);
			if (o) {
				e->node = o->node;
				e->ns = o->ns;
			}
			return 0;
		}
	}
	char veth[CT_IFNAMSIZ];
	if (ct_veth_name(p && p->n ? p->list[0] : "cali", pns, pname, veth, sizeof(veth)) < 0) {
		snprintf(why, whylen, "cannot compute the interface name of '%s'", word);
		return -1;
	}
	for (size_t i = 0; i < c->nodes.n; i++) {
		const struct ct_node *n = c->nodes.v[i];
		const struct ct_netns *h = &n->ns.v[0];
		const struct ct_link *l = ct_link_by_name(h, veth);
		if (!l)
			continue;
		for (size_t r = 0; r < h->routes.n; r++) {
			const struct ct_route *rt = &h->routes.v[r];
			if (rt->oif == l->ifindex && rt->dst.ip.family == AF_INET &&
			    rt->dst.len == 32 && rt->type == RTN_UNICAST) {
				e->ip = rt->dst.ip;
				e->node = (int)i;
				e->ns = l->peer_ns;
				return 0;
			}
		}
		/* no route: the pod's own eth0 address */
		if (l->peer_ns > 0 && (size_t)l->peer_ns < n->ns.n) {
			const struct ct_netns *pn = &n->ns.v[l->peer_ns];
			const struct ct_link *eth0 = pod_eth0(pn, p);
			const struct ct_ip *a = eth0 ? first_addr(pn, eth0->ifindex, AF_INET) : NULL;
			if (a) {
				e->ip = *a;
				e->node = (int)i;
				e->ns = l->peer_ns;
				return 0;
			}
		}
		snprintf(why, whylen, "pod '%s' (interface %s on %s) has no address known", word, veth,
			 n->name);
		return -1;
	}
	snprintf(why, whylen, "no known node has pod '%s' (no interface %s; give --pods or its address)",
		 word, veth);
	return -1;
}

/* ---- --nodes FILE */

static int nodes_err(char *why, size_t len, unsigned line, const char *what)
{
	snprintf(why, len, "line %u: %s", line, what);
	return -1;
}

int ct_path_nodes_parse(const char *text, size_t len, struct ct_path_nodespec *out, size_t max,
			size_t *n, char *why, size_t whylen)
{
	*n = 0;
	unsigned line = 0;
	size_t i = 0;
	while (i < len) {
		line++;
		size_t end = i;
		while (end < len && text[end] != '\n')
			end++;
		if (end - i > 4095)
			return nodes_err(why, whylen, line, "longer than 4095 bytes");
		if (memchr(text + i, 0, end - i))
			return nodes_err(why, whylen, line, "a NUL byte");
		char buf[4096];
		memcpy(buf, text + i, end - i);
		buf[end - i] = 0;
		i = end + 1;
		char *hash = strchr(buf, '#');
		if (hash)
			*hash = 0;
		for (char *c = buf; *c; c++) {
			unsigned char u = (unsigned char)*c;
			if (u == '\r' && c[1] == 0) {
				*c = 0;
				break;
			}
			if (u < 0x20 && u != '\t')
				return nodes_err(why, whylen, line, "a control character");
			if (u == 0x7f)
				return nodes_err(why, whylen, line, "a control character");
		}
		char *words[4];
		int nw = 0;
		char *save = NULL;
		for (char *w = strtok_r(buf, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
			if (nw == 3)
				return nodes_err(why, whylen, line,
						 "too many words (NAME NETNS|@SNAPSHOT [bird=PATH])");
			words[nw++] = w;
		}
		if (nw == 0)
			continue;
		if (nw == 1)
			return nodes_err(why, whylen, line,
					 "a node needs a namespace or @SNAPSHOT after its name");
		if (*n >= max)
			return nodes_err(why, whylen, line, "too many nodes (at most 64)");
		struct ct_path_nodespec *e = &out[*n];
		memset(e, 0, sizeof(*e));
		e->line = line;
		if (strlen(words[0]) >= sizeof(e->name) || strlen(words[1]) >= sizeof(e->spec))
			return nodes_err(why, whylen, line, "a word is too long");
		if (strchr(words[0], '='))
			return nodes_err(why, whylen, line, "a node's name cannot hold '='");
		if (!strcmp(words[1], "@"))
			return nodes_err(why, whylen, line, "'@' needs a snapshot file after it");
		snprintf(e->name, sizeof(e->name), "%s", words[0]);
		snprintf(e->spec, sizeof(e->spec), "%s", words[1]);
		if (nw == 3) {
			if (strncmp(words[2], "bird=", 5) || !words[2][5])
				return nodes_err(why, whylen, line, "the third word must be bird=PATH");
			if (strlen(words[2] + 5) >= sizeof(e->bird))
				return nodes_err(why, whylen, line, "a word is too long");
			snprintf(e->bird, sizeof(e->bird), "%s", words[2] + 5);
		}
		for (size_t k = 0; k < *n; k++)
			if (!strcmp(out[k].name, e->name)) {
				char m[CT_NAME_LEN + 64];
				snprintf(m, sizeof(m), "node name used twice (first on line %u)", out[k].line);
				return nodes_err(why, whylen, line, m);
			}
		(*n)++;
	}
	return 0;
}
