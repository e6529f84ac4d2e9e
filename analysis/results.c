/* SPDX-License-Identifier: MIT */
/* Each read command's result: the rows it shows and the findings in its scope. Pure. */
#include "analysis/results.h"
#include "analysis/fold.h"
#include "analysis/shadow.h"

#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "model/bgp.h"
#include "model/plural.h"

/* ---- shared rules ---- */

bool ct_rule_link_up(const struct ct_link *l)
{
	return (l->flags & 1) && l->oper != CT_OPER_DOWN && l->oper != CT_OPER_LOWERLAYERDOWN;
}

bool ct_rule_mac_ok(const struct ct_link *l)
{
	return l->mac_len == 6 && !memcmp(l->mac, ct_calico_mac, 6);
}

bool ct_rule_sysctl_bad(int v)
{
	return v >= 0 && v != 1;
}

bool ct_rule_nud_bad(uint16_t state)
{
	return (state & (NUD_FAILED | NUD_INCOMPLETE)) != 0;
}

int ct_rule_neightbl(const struct ct_netns *ns, const struct ct_neightbl *t, uint32_t *gc,
		     uint32_t *perm)
{
	/* since Linux 4.19 the collector ignores permanent entries; the table's
	 * count includes them, so take off those of this namespace (VXLAN VTEPs
	 * are permanent) */
	uint32_t p = 0;
	for (size_t k = 0; k < ns->neighs.n; k++)
		p += ns->neighs.v[k].dst.family == t->family && (ns->neighs.v[k].state & NUD_PERMANENT) &&
		     !(ns->neighs.v[k].flags & NTF_PROXY);
	uint32_t g = t->entries > p ? t->entries - p : 0;
	if (gc)
		*gc = g;
	if (perm)
		*perm = p;
	if (!t->gc_thresh3)
		return -1;
	if ((uint64_t)g * 10 >= (uint64_t)t->gc_thresh3 * 9)
		return CT_SEV_FAIL;
	if (g > t->gc_thresh2)
		return CT_SEV_WARN;
	return -1;
}

bool ct_rule_tunnel_up(const struct ct_link *l)
{
	return (l->flags & 1) && l->oper != CT_OPER_DOWN;
}

bool ct_rule_tunnel_mtu_bad(const struct ct_tunnel *x)
{
	return x->underlay_mtu && x->link->mtu + x->overhead > x->underlay_mtu;
}

int ct_rule_bgp_peer(const struct ct_bgp_peer *p)
{
	if (!strcasecmp(p->bgp_state, "Established"))
		return -1;
	return !strcasecmp(p->state, "down") ? CT_SEV_WARN : CT_SEV_FAIL;
}

bool ct_rule_tcp179_ok(const char *state)
{
	return !strcmp(state, "ESTABLISHED") || !strcmp(state, "LISTEN");
}

/* ---- findings scope ---- */

static bool keep_subject(const char *subject, const char *const *keep, size_t n)
{
	for (size_t j = 0; j < n; j++) {
		size_t l = strlen(keep[j]);
		if (!strncmp(subject, keep[j], l) && (subject[l] == 0 || subject[l] == ' '))
			return true;
	}
	return false;
}

void ct_findings_keep(struct ct_findings *f, const char *const *keep, size_t n)
{
	/* out of memory: nothing folds, the scope still applies */
	(void)ct_findings_fold(f);
	size_t o = 0;
	for (size_t i = 0; i < f->n; i++) {
		struct ct_finding *x = &f->v[i];
		if (!keep_subject(x->subject, keep, n)) {
			/* a root out of scope stays for its consequences in scope, and
			 * shows only those */
			unsigned k = 0;
			for (unsigned c = 0; c < x->n_cons && c < CT_FINDING_CONS; c++)
				if (keep_subject(x->cons[c].subject, keep, n))
					x->cons[k++] = x->cons[c];
			if (!k)
				continue;
			x->n_cons = k;
			x->cons_more = 0;
		}
		if (o != i)
			f->v[o] = *x;
		o++;
	}
	f->n = o;
}

/* ---- every command ---- */

void ct_analyze_load(const struct ct_node *n, struct ct_findings *f)
{
	if (n->dump_intr)
		ct_finding_add(f, "dump_interrupted", "", "netlink", "still inconsistent after 3 retries: the kernel set NLM_F_DUMP_INTR, or an IPv6 route came twice in one dump",
			       "run the command again; the table was changing while read",
			       "%d netlink %s interrupted; the data may be inconsistent", n->dump_intr,
			       ct_plural((unsigned)n->dump_intr, "dump was", "dumps were"));
}

/* ---- links ---- */

int ct_links_result_build(const struct ct_node *n, const struct ct_netns *ns,
			  const struct ct_prefixes *p, const char *const *names, size_t nnames,
			  struct ct_links_result *r, struct ct_findings *f)
{
	memset(r, 0, sizeof(*r));
	r->n = n;
	r->ns = ns;
	if (ct_workloads(n, ns, p, &r->w, &r->nw) < 0)
		return -1;
	/* every workload is checked (whether the node is dual-stack is a fact of all of
	 * them), then the scope keeps the findings of the named ones */
	ct_analyze_links(n, ns, p, r->w, r->nw, f);
	if (nnames) {
		size_t k = 0;
		for (size_t i = 0; i < r->nw; i++)
			for (size_t j = 0; j < nnames; j++)
				if (!strcmp(r->w[i].link->name, names[j])) {
					r->w[k++] = r->w[i];
					break;
				}
		r->nw = k;
	}
	/* route findings that concern workload interfaces belong to this scope too */
	struct ct_findings rf;
	ct_findings_init(&rf);
	ct_analyze_routes(n, ns, p, NULL, &rf);
	static const char *const wl_codes[] = {"route_to_missing_link", "route_to_down_link",
					       "no_route_to_pod_gateway", "pod_gateway_unroutable",
					       "pod_gateway_unchecked", "pod_gateway_via_workload"};
	ct_findings_take(f, &rf, wl_codes, sizeof(wl_codes) / sizeof(wl_codes[0]));
	ct_findings_free(&rf);
	if (nnames)
		ct_findings_keep(f, names, nnames);
	return 0;
}

void ct_links_result_free(struct ct_links_result *r)
{
	free(r->w);
	memset(r, 0, sizeof(*r));
}

/* ---- routes ---- */

bool ct_routes_result_shows(const struct ct_routes_result *r, size_t i)
{
	const struct ct_route *x = &r->ns->routes.v[i];
	return !r->filter || ct_prefix_contains_prefix(&x->dst, &r->want) ||
	       ct_prefix_contains_prefix(&r->want, &x->dst);
}

int ct_routes_result_build(const struct ct_node *n, const struct ct_netns *ns,
			   const struct ct_prefixes *p, const struct ct_prefix *want,
			   struct ct_routes_result *r, struct ct_findings *f)
{
	memset(r, 0, sizeof(*r));
	r->ns = ns;
	r->cls = malloc(ns->routes.n ? ns->routes.n : 1);
	if (!r->cls || ct_analyze_routes(n, ns, p, r->cls, f) < 0)
		return -1;
	if (!want)
		return 0;
	r->filter = true;
	r->want = *want;
	/* findings about the shown routes only: subjects are a destination or a gateway */
	const char **keep = calloc(ns->routes.n * 2 + 1, sizeof(*keep));
	char(*buf)[64] = calloc(ns->routes.n * 2 + 1, sizeof(*buf));
	size_t nkeep = 0;
	if (!keep || !buf) {
		free(keep);
		free(buf);
		return -1;
	}
	for (size_t i = 0; i < ns->routes.n; i++) {
		const struct ct_route *x = &ns->routes.v[i];
		if (!ct_routes_result_shows(r, i))
			continue;
		ct_prefix_fmt(&x->dst, buf[nkeep], 64);
		if (!buf[nkeep][0]) /* a route without a destination attribute is the default */
			snprintf(buf[nkeep], 64, "default");
		keep[nkeep] = buf[nkeep];
		nkeep++;
		if (ct_ip_is_set(&x->gw)) {
			ct_ip_fmt(&x->gw, buf[nkeep], 64);
			keep[nkeep] = buf[nkeep];
			nkeep++;
		}
	}
	ct_findings_keep(f, keep, nkeep);
	free(keep);
	free(buf);
	return ct_analyze_addr_unused(ns, r->cls, want, f);
}

void ct_routes_result_free(struct ct_routes_result *r)
{
	free(r->cls);
	memset(r, 0, sizeof(*r));
}

/* ---- tunnel ---- */

int ct_tunnel_result_build(const struct ct_node *n, const struct ct_netns *ns,
			   const struct ct_prefixes *p, struct ct_tunnel_result *r,
			   struct ct_findings *f)
{
	memset(r, 0, sizeof(*r));
	r->ns = ns;
	if (ct_tunnels_build(n, ns, p, &r->t) < 0)
		return -1;
	return ct_analyze_tunnels(ns, &r->t, f);
}

void ct_tunnel_result_free(struct ct_tunnel_result *r)
{
	ct_tunnels_free(&r->t);
}

size_t ct_tunnels_vtep_count(const struct ct_tunnels *t)
{
	size_t n = 0;
	for (size_t i = 0; i < t->n; i++)
		n += t->v[i].n_vteps;
	return n;
}

const struct ct_vtep *ct_tunnels_vtep(const struct ct_tunnels *t, size_t i,
				      const struct ct_tunnel **dev)
{
	for (size_t k = 0; k < t->n; k++) {
		if (i < t->v[k].n_vteps) {
			*dev = &t->v[k];
			return &t->v[k].vteps[i];
		}
		i -= t->v[k].n_vteps;
	}
	return NULL;
}

/* ---- neigh ---- */

const struct ct_netns *ct_netns_host_of(const struct ct_node *n, const struct ct_netns *ns)
{
	long idx = ns - n->ns.v;
	for (size_t i = 0; i < n->ns.n; i++) {
		const struct ct_netns *h = &n->ns.v[i];
		if (h == ns)
			continue;
		for (size_t k = 0; k < h->links.n; k++)
			if (h->links.v[k].peer_ns == idx)
				return h;
	}
	return NULL;
}

/* the host's entry for each pod address, in one pass over the entries */
static int workload_entries(const struct ct_node *n, const struct ct_netns *ns,
			    const struct ct_prefixes *p, struct ct_neigh_result *r)
{
	struct ct_workload *w = NULL;
	size_t nw = 0;
	if (ct_workloads(n, ns, p, &w, &nw) < 0)
		return -1;
	if (!nw) {
		free(w);
		return 0;
	}
	size_t cnt = 0;
	for (size_t i = 0; i < nw; i++)
		cnt += (size_t)w[i].n_ips;
	int *wpos = malloc((ns->links.n ? ns->links.n : 1) * sizeof(int));
	size_t *first = malloc(nw * sizeof(*first));
	r->wl = calloc(cnt ? cnt : 1, sizeof(*r->wl));
	if (!wpos || !first || !r->wl) {
		free(wpos);
		free(first);
		free(w);
		return -1;
	}
	for (size_t i = 0; i < ns->links.n; i++)
		wpos[i] = -1;
	for (size_t i = 0; i < nw; i++) {
		wpos[w[i].link - ns->links.v] = (int)i;
		first[i] = r->nwl;
		for (int k = 0; k < w[i].n_ips; k++)
			r->wl[r->nwl++] = (struct ct_neigh_wl){w[i].link, w[i].ips[k], NULL};
	}
	for (size_t j = 0; j < ns->neighs.n; j++) {
		const struct ct_neigh *e = &ns->neighs.v[j];
		const struct ct_link *l = ct_link_by_ifindex(ns, e->ifindex);
		int wi = l ? wpos[l - ns->links.v] : -1;
		if (wi < 0 || (e->flags & NTF_PROXY))
			continue;
		for (int k = 0; k < w[wi].n_ips; k++)
			if (ct_ip_eq(&w[wi].ips[k], &e->dst))
				r->wl[first[wi] + (size_t)k].entry = e;
	}
	free(wpos);
	free(first);
	free(w);
	return 0;
}

int ct_neigh_result_build(const struct ct_node *n, const struct ct_netns *ns,
			  const struct ct_prefixes *p, const struct ct_netns *host, int only,
			  const char *only_name, struct ct_neigh_result *r, struct ct_findings *f)
{
	memset(r, 0, sizeof(*r));
	r->ns = ns;
	r->only = only;
	ct_analyze_neigh(n, ns, p, host, &r->gw[0], &r->gw[1], f);
	if (ct_tunnels_build(n, ns, p, &r->t) == 0) {
		/* VTEP neighbour/FDB agreement is part of the neighbour picture */
		struct ct_findings tf;
		ct_findings_init(&tf);
		ct_analyze_tunnels(ns, &r->t, &tf);
		static const char *const vtep[] = {"vtep_"};
		ct_findings_take(f, &tf, vtep, 1);
		ct_findings_free(&tf);
	} else {
		memset(&r->t, 0, sizeof(r->t));
	}
	if (only && only_name) {
		const char *keep[1] = {only_name};
		ct_findings_keep(f, keep, 1);
	}
	ct_neigh_order(ns, &r->ord);
	ct_neigh_devices(ns, &r->devs, &r->ndevs);
	return workload_entries(n, ns, p, r);
}

void ct_neigh_result_free(struct ct_neigh_result *r)
{
	free(r->ord);
	free(r->devs);
	free(r->wl);
	ct_tunnels_free(&r->t);
	memset(r, 0, sizeof(*r));
}

/* ---- bgp ---- */

const struct ct_bgp_peer *ct_bgp_find_peer(const struct ct_bgp *b, const char *peer)
{
	struct ct_ip ip;
	bool is_ip = ct_ip_parse(peer, &ip) == 0;
	for (size_t i = 0; i < b->n_peers; i++)
		if (!strcmp(b->peers[i].name, peer) || (is_ip && ct_ip_eq(&b->peers[i].neighbor, &ip)))
			return &b->peers[i];
	return NULL;
}

int ct_bgp_result_build(const struct ct_node *n, const struct ct_netns *ns,
			const struct ct_bgp *b, const struct ct_bgp_peer *only, bool routes,
			bool kernel, struct ct_bgp_match *m, struct ct_bgp_result *r,
			struct ct_findings *f)
{
	memset(r, 0, sizeof(*r));
	r->ns = ns;
	r->b = b;
	r->only = only;
	r->routes = routes;
	r->kernel = kernel;
	if (m)
		ct_analyze_bgp_matched(n, ns, m, &r->checks, &r->nchecks, f);
	else
		ct_analyze_bgp(n, ns, b, kernel, &r->checks, &r->nchecks, f);
	if (only && !routes) {
		/* findings about this peer only */
		const char *keep[1] = {only->name};
		ct_findings_keep(f, keep, 1);
	}
	if (!routes) {
		/* route findings belong to `bgp routes` */
		struct ct_findings kept;
		ct_findings_init(&kept);
		static const char *const sess[] = {"bgp_connection", "bgp_no_response", "bgp_bad_peer",
						   "bgp_hold", "bgp_peer", "bgp_passive", "bgp_mesh"};
		/* (bgp_mesh_incomplete needs --pods, which doctor takes) */
		ct_findings_take(&kept, f, sess, sizeof(sess) / sizeof(sess[0]));
		ct_findings_free(f);
		*f = kept;
	}
	return 0;
}

void ct_bgp_result_free(struct ct_bgp_result *r)
{
	free(r->checks);
	memset(r, 0, sizeof(*r));
}

/* ---- doctor ---- */

/* BIRD is expected when the kernel has its routes or something listens on 179. */
static bool bgp_expected(const struct ct_netns *ns, const struct ct_bgp *b)
{
	for (size_t i = 0; i < ns->routes.n; i++)
		if (ns->routes.v[i].protocol == RTPROT_BIRD)
			return true;
	for (size_t i = 0; b && i < b->n_sessions; i++)
		if (!strcmp(b->sessions[i].state, "LISTEN"))
			return true;
	return false;
}

/* What a node without BIRD and without BIRD routes runs, from the mode its tunnel devices and
 * routes show (ct_tunnels.mode). */
static const char *bird_absent_mode(const char *mode)
{
	if (!mode)
		return "the tunnel mode is not known";
	if (!strcmp(mode, "none"))
		return "no routes through a tunnel either: policy-only mode, or routes from elsewhere?";
	if (!strcmp(mode, "ipip"))
		return "IPIP mode, routes via tunl0 not from BIRD";
	if (!strcmp(mode, "vxlan"))
		return "VXLAN mode, routes from Felix";
	if (!strcmp(mode, "wireguard"))
		return "WireGuard routes, none from BIRD";
	return "routes through more than one kind of tunnel, none from BIRD";
}

void ct_analyze_bird_absent_mode(const struct ct_node *n, const struct ct_netns *ns, const char *mode,
				 struct ct_findings *f, bool *skipped, char *note, size_t len)
{
	*skipped = false;
	if (!bgp_expected(ns, n->bgp)) {
		*skipped = true;
		if (ct_netns_is_pod(ns)) {
			/* a pod runs no BIRD: BGP is its node's business, nothing to report here */
			snprintf(note, len, "skipped: a pod's namespace (BGP is the node's)");
			return;
		}
		ct_finding_add(f, "bgp_not_running", ns->name, "BIRD", n->bgp_error[0] ? n->bgp_error : "no BIRD",
			       "", "no BIRD and no BIRD routes on this node: BGP checks skipped (%s)",
			       bird_absent_mode(mode));
		snprintf(note, len, "skipped: no BIRD here");
		return;
	}
	const char *why = n->bgp_error[0] ? n->bgp_error : "no BGP state in the snapshot";
	/* the calico-node pod of this node, when kubectl listed it */
	const struct ct_pod *cn = NULL;
	for (size_t i = 0; n->have_pods && i < n->pods.n && !cn; i++) {
		const struct ct_pod *pd = &n->pods.v[i];
		if (!strncmp(pd->name, "calico-node-", 12) &&
		    (!pd->node[0] || !n->name[0] || !strcmp(pd->node, n->name)))
			cn = pd;
	}
	struct ct_finding *x = ct_finding_add(
		f, "bird_unreachable", ns->name, n->bgp && n->bgp->socket[0] ? n->bgp->socket : "BIRD",
		why,
		cn ? "check calico-node's log; if BIRD listens elsewhere, pass --bird-socket PATH"
		   : "check the log of this node's calico-node pod (container calico-node); if BIRD "
		     "listens elsewhere, pass --bird-socket PATH",
		"BIRD cannot be asked, but this node has BIRD routes or a BGP listener: %s", why);
	if (cn)
		ct_finding_run(x, NULL, "kubectl", "-n", cn->ns, "logs", cn->name, "-c", "calico-node",
			       NULL);
	/* with no BIRD to program them, the kernel's BIRD routes are leftovers: those of the
	 * family it serves. Calico runs BIRD 1.x, one daemon per family, and the one asked is
	 * bird (IPv4); IPv6 routes are bird6's, not judged here, unless it answered before as
	 * BIRD 2 (both families in one daemon) */
	uint8_t fam = n->bgp && n->bgp->status.flavour == CT_BIRD_V2 ? 0 : AF_INET;
	if (fam && (strstr(why, "bird6") || (n->bgp && strstr(n->bgp->socket, "bird6"))))
		fam = AF_INET6; /* the socket asked was bird6's */
	size_t stale = 0, other = 0;
	for (size_t i = 0; i < ns->routes.n; i++) {
		const struct ct_route *r = &ns->routes.v[i];
		if (r->protocol != RTPROT_BIRD || r->table != RT_TABLE_MAIN)
			continue;
		if (fam && r->dst.ip.family != fam) {
			other++;
			continue;
		}
		char d[64], ev[200];
		ct_prefix_fmt(&r->dst, d, sizeof(d));
		snprintf(ev, sizeof(ev), "kernel: %s proto bird; no BIRD is running to keep it current", d);
		ct_finding_run(ct_finding_add(f, "bgp_route_stale", ns->name, d, ev,
					      "bring BIRD back (calico-node); if the node left BGP, delete the route",
					      "%s was left behind by a BIRD that is gone (persist)", d),
			       ns, "ip", "route", "del", d, "proto", "bird", NULL);
		stale++;
	}
	snprintf(note, len, "BIRD unreachable; %zu kernel %s of protocol bird left%s", stale,
		 ct_plural(stale, "route", "routes"),
		 !other ? "" : fam == AF_INET ? " (IPv6 ones: bird6's, not judged)"
					     : " (IPv4 ones: bird's, not judged)");
}

static void area_sum(struct ct_doctor_area *a, const struct ct_findings *f)
{
	a->worst = CT_SEV_INFO;
	a->problems = 0;
	for (size_t i = 0; i < f->n; i++) {
		a->problems += f->v[i].sev >= CT_SEV_WARN;
		if (f->v[i].sev > a->worst)
			a->worst = f->v[i].sev;
	}
}

const char *ct_doctor_area_status(const struct ct_doctor_area *a, int *sev)
{
	if (a->skipped) {
		*sev = -1;
		return "skipped";
	}
	if (!a->problems) {
		*sev = 10;
		return "ok";
	}
	*sev = (int)a->worst;
	return ct_sev_name(a->worst);
}

int ct_doctor_result_build(const struct ct_node *n, const struct ct_netns *ns,
			   const struct ct_prefixes *p, const struct ct_host_env *env,
			   struct ct_doctor_result *r, struct ct_findings *all)
{
	static const char *const names[CT_DOCTOR_AREAS][2] = {
		{"node", "forwarding, rp_filter, conntrack, node address, dataplane, NetworkManager"},
		{"links", "workload interfaces"},
		{"routes", "routes and the pod gateway"},
		{"tunnel", "encapsulation devices and VTEPs"},
		{"neigh", "neighbour tables"},
		{"bgp", "BIRD sessions and routes"},
	};
	struct ct_findings f[CT_DOCTOR_AREAS];
	memset(r, 0, sizeof(*r));
	for (int i = 0; i < CT_DOCTOR_AREAS; i++) {
		r->a[i].name = names[i][0];
		r->a[i].what = names[i][1];
		ct_findings_init(&f[i]);
	}
	struct ct_doctor_area *a = r->a;

	ct_analyze_node(n, ns, env, &f[0]);
	if (!env)
		snprintf(a[0].note, sizeof(a[0].note), "NetworkManager not checked (a snapshot)");

	struct ct_workload *w = NULL;
	size_t nw = 0;
	if (ct_workloads(n, ns, p, &w, &nw) == 0)
		ct_analyze_links(n, ns, p, w, nw, &f[1]);
	snprintf(a[1].note, sizeof(a[1].note), "%zu workload %s", nw, ct_plural(nw, "interface", "interfaces"));
	free(w);
	/* ip_forward is a node check here */
	for (size_t i = 0; i < f[1].n; i++)
		if (!strcmp(f[1].v[i].subject, "net.ipv4.ip_forward"))
			f[1].v[i] = f[1].v[--f[1].n];

	ct_analyze_routes(n, ns, p, NULL, &f[2]);
	snprintf(a[2].note, sizeof(a[2].note), "%zu %s", ns->routes.n, ct_plural(ns->routes.n, "route", "routes"));

	struct ct_tunnels t;
	const char *mode = NULL;
	if (ct_tunnels_build(n, ns, p, &t) == 0) {
		mode = t.mode;
		ct_analyze_tunnels(ns, &t, &f[3]);
		snprintf(a[3].note, sizeof(a[3].note), "mode %s, %zu %s", t.mode, t.n, ct_plural(t.n, "device", "devices"));
		ct_tunnels_free(&t);
	}

	struct ct_pod_gateway g4, g6;
	ct_analyze_neigh(n, ns, p, NULL, &g4, &g6, &f[4]);
	snprintf(a[4].note, sizeof(a[4].note), "%zu %s", ns->neighs.n, ct_plural(ns->neighs.n, "entry", "entries"));

	bool bird_ok = n->bgp && !n->bgp_error[0] && n->bgp->status.version[0];
	if (bird_ok) {
		ct_analyze_bgp(n, ns, n->bgp, true, NULL, NULL, &f[5]);
		size_t up = 0;
		for (size_t i = 0; i < n->bgp->n_peers; i++)
			up += !strcasecmp(n->bgp->peers[i].bgp_state, "Established");
		snprintf(a[5].note, sizeof(a[5].note), "BIRD %s, %zu of %zu %s Established",
			 n->bgp->status.version, up, n->bgp->n_peers, ct_plural(n->bgp->n_peers, "session", "sessions"));
	} else {
		ct_analyze_bird_absent_mode(n, ns, mode, &f[5], &a[5].skipped, a[5].note, sizeof(a[5].note));
	}

	int rc = 0;
	for (int i = 0; i < CT_DOCTOR_AREAS; i++) {
		area_sum(&a[i], &f[i]);
		static const char *const every[] = {""};
		if (ct_findings_take(all, &f[i], every, 1) < 0)
			rc = -1;
		ct_findings_free(&f[i]);
	}
	return rc;
}
