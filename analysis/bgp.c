/* SPDX-License-Identifier: MIT */
/* BGP sessions and BIRD's routes against the kernel. Pure. */
#include "analysis.h"
#include "model/bgp.h"
#include "model/plural.h"

#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

static bool has(const char *hay, const char *needle)
{
	return hay && strcasestr(hay, needle) != NULL;
}

/* The kernel's TCP session towards (or from) the peer on port 179, if any. */
static const char *tcp_state(const struct ct_bgp *b, const struct ct_ip *peer)
{
	for (size_t i = 0; i < b->n_sessions; i++)
		if (ct_ip_eq(&b->sessions[i].remote, peer) &&
		    (b->sessions[i].rport == 179 || b->sessions[i].lport == 179))
			return b->sessions[i].state;
	return NULL;
}

/* birdc with the control socket BIRD was reached on (a path: the same from
 * every namespace, so no namespace words) and the words w. */
static void birdc_run(struct ct_finding *x, const struct ct_bgp *b, const char *const *w,
		      size_t nw)
{
	const char *argv[8] = {"birdc"};
	size_t n = 1;
	if (b->socket[0]) {
		argv[n++] = "-s";
		argv[n++] = b->socket;
	}
	for (size_t i = 0; i < nw && n < 8; i++)
		argv[n++] = w[i];
	ct_finding_runv(x, NULL, argv, n);
}

static void peer_findings(const struct ct_netns *ns, const struct ct_bgp *b,
			  const struct ct_bgp_peer *p, struct ct_findings *f)
{
	char ip[64], ev[320], fix[320];
	ct_ip_fmt(&p->neighbor, ip, sizeof(ip));
	const char *who = ip[0] ? ip : p->name;
	const char *err = p->last_error[0] ? p->last_error : p->info;
	const char *tcp = b->have_sessions && ct_ip_is_set(&p->neighbor) ? tcp_state(b, &p->neighbor) : NULL;
	snprintf(ev, sizeof(ev), "%s: state %s, BGP state %s%s%s%s%s", p->name, p->state,
		 p->bgp_state[0] ? p->bgp_state : "?", err[0] ? ", " : "", err,
		 b->have_sessions ? "; kernel TCP session to port 179: " : "",
		 b->have_sessions ? (tcp ? tcp : "none") : "");

	if (!strcasecmp(p->bgp_state, "Established"))
		return;
	if (!strcasecmp(p->state, "down") || !strcasecmp(p->bgp_state, "Down")) {
		birdc_run(ct_finding_add(f, "bgp_peer_disabled", ns->name, p->name, ev,
					 "enable it, and check the BIRD configuration for 'disabled'",
					 "BGP protocol %s (peer %s) is disabled", p->name, who),
			  b, (const char *const[]){"enable", p->name}, 2);
		return;
	}
	if (has(err, "BGP Error: Bad peer AS")) {
		snprintf(fix, sizeof(fix), "this node's BGPPeer/mesh AS for %s is wrong: calicoctl get bgppeers; calicoctl get node -o yaml (spec.bgp.asNumber)", who);
		ct_finding_add(f, "bgp_bad_peer_as_local", ns->name, p->name, ev, fix,
			       "%s answers with another AS than this node expects (neighbour AS %u here)", who,
			       p->neighbor_as);
		return;
	}
	if (has(err, "Received: Bad peer AS")) {
		snprintf(fix, sizeof(fix), "fix the AS that %s expects for this node (calicoctl on that node's BGPPeer / node spec)", who);
		ct_finding_add(f, "bgp_bad_peer_as_remote", ns->name, p->name, ev, fix,
			       "%s rejects this node's AS: its configuration is wrong", who);
		return;
	}
	if (has(err, "Hold timer expired")) {
		struct ct_ip nh;
		const struct ct_link *nhdev = NULL;
		char nhs[64] = "";
		if (ct_ip_is_set(&p->neighbor) && ct_newfind_nexthop(ns, &p->neighbor, &nh, &nhdev) == 0)
			ct_ip_fmt(&nh, nhs, sizeof(nhs));
		if (nhs[0])
			snprintf(fix, sizeof(fix), "check the neighbour entry of the next hop %s on %s (a "
				 "PERMANENT one with a wrong MAC blackholes the peer), then packet loss to %s "
				 "(ping, MTU) and its load; run caltrace bgp on that node", nhs, nhdev->name, who);
		else
			snprintf(fix, sizeof(fix), "check packet loss to %s (ping, MTU) and its load; run caltrace bgp on that node", who);
		struct ct_finding *x = ct_finding_add(f, "bgp_hold_timer_expired", ns->name, p->name, ev, fix,
						      "the session with %s timed out: keepalives stopped arriving", who);
		if (nhs[0])
			ct_finding_run(x, ns, "ip", "neigh", "show", nhs, "dev", nhdev->name, NULL);
		return;
	}
	if (has(err, "Connection refused")) {
		snprintf(fix, sizeof(fix), "on %s: is calico-node (BIRD) running and listening on 179 (ss -tlnp 'sport = :179')? is a firewall rejecting?", who);
		ct_finding_add(f, "bgp_connection_refused", ns->name, p->name, ev, fix,
			       "nothing listens on %s:179: its BIRD is down, or a firewall rejects the connection", who);
		return;
	}
	if (!strcasecmp(p->bgp_state, "Passive") || p->passive > 0) {
		snprintf(fix, sizeof(fix), "run caltrace bgp on %s: Calico's mesh is one-directional, the peer connects to this node", who);
		ct_finding_add(f, "bgp_passive_waiting", ns->name, p->name, ev, fix,
			       "waiting for %s to connect (this side is passive); the cause is on the peer's side", who);
		return;
	}
	if ((!strcasecmp(p->bgp_state, "Connect") || !strcasecmp(p->bgp_state, "Active")) &&
	    (!err[0] || has(err, "Connection timed out") || has(err, "No route to host"))) {
		snprintf(fix, sizeof(fix), "packets to %s:179 vanish: check firewalls/security groups for TCP 179 and the route to %s",
			 who, who);
		struct ct_finding *x = ct_finding_add(f, "bgp_no_response", ns->name, p->name, ev, fix,
						      "connecting to %s:179 gets no answer%s", who,
						      tcp && !strcmp(tcp, "SYN-SENT") ? " (the kernel's SYN is unanswered)" : "");
		if (ip[0])
			ct_finding_run(x, ns, "ip", "route", "get", ip, NULL);
		return;
	}
	birdc_run(ct_finding_add(f, "bgp_peer_down", ns->name, p->name, ev,
				 "ask BIRD for the session's details",
				 "BGP session with %s is %s%s%s", who,
				 p->bgp_state[0] ? p->bgp_state : p->state, err[0] ? ": " : "", err),
		  b, (const char *const[]){"show", "protocols", "all", p->name}, 4);
}

/* Exact-prefix index over BIRD's routes: the kernel's table and BIRD's can
 * both hold 100k entries, so no pairwise comparison. */
static uint64_t pfx_key(const struct ct_prefix *p)
{
	uint64_t h = 1469598103934665603ull ^ p->ip.family ^ ((uint64_t)p->len << 8);
	size_t nb = p->ip.family == AF_INET6 ? 16 : 4;
	for (size_t i = 0; i < nb; i++)
		h = (h ^ p->ip.a[i]) * 1099511628211ull;
	return h;
}

static bool pfx_same(const struct ct_prefix *a, const struct ct_prefix *b)
{
	return a->len == b->len && ct_ip_eq(&a->ip, &b->ip);
}

void ct_bgp_match_reset(struct ct_bgp_match *m)
{
	/* zeroed padding too: checks compare as bytes */
	memset(m->cv, 0, m->b->n_routes * sizeof(*m->cv));
	for (size_t i = 0; i < m->b->n_routes; i++)
		m->cv[i].bird = (uint32_t)i;
	m->nstale = 0;
}

int ct_bgp_match_init(struct ct_bgp_match *m, const struct ct_bgp *b, bool kernel_export)
{
	size_t n = b->n_routes;

	memset(m, 0, sizeof(*m));
	m->b = b;
	m->kernel_export = kernel_export;
	m->family = ct_bgp_family(b);
	if (n >= UINT32_MAX)
		return -1;
	/* one bucket a route on average: the chains stay short and the heads small */
	m->nb = 64;
	while (m->nb < n)
		m->nb *= 2;
	m->heads = malloc(m->nb * sizeof(uint32_t));
	m->next = malloc((n ? n : 1) * sizeof(uint32_t));
	m->cv = malloc((n ? n : 1) * sizeof(*m->cv));
	if (!m->heads || !m->next || !m->cv) {
		ct_bgp_match_free(m);
		return -1;
	}
	memset(m->heads, 0xff, m->nb * sizeof(uint32_t));
	/* chained in reverse so that each chain lists its routes in BIRD's order */
	for (size_t i = n; i-- > 0;) {
		size_t k = pfx_key(&b->routes[i].dst) & (m->nb - 1);
		m->next[i] = m->heads[k];
		m->heads[k] = (uint32_t)i;
	}
	ct_bgp_match_reset(m);
	return 0;
}

void ct_bgp_match_free(struct ct_bgp_match *m)
{
	free(m->heads);
	free(m->next);
	free(m->cv);
	free(m->stale);
	memset(m, 0, sizeof(*m));
}

int ct_bgp_match_route(struct ct_bgp_match *m, const struct ct_route *r)
{
	if (r->table != RT_TABLE_MAIN)
		return 0;
	/* a BIRD 1.x daemon of one family: the other family's routes are the other daemon's */
	if (m->family && r->dst.ip.family != m->family)
		return 0;
	const struct ct_bgp *b = m->b;
	bool exported = false;
	uint32_t first = m->heads[pfx_key(&r->dst) & (m->nb - 1)];
	for (uint32_t j = first; j != UINT32_MAX; j = m->next[j]) {
		if (!pfx_same(&b->routes[j].dst, &r->dst))
			continue;
		exported = true;
		struct ct_bgp_check *c = &m->cv[j];
		if (!b->routes[j].primary)
			continue;
		/* the lowest metric; among equal metrics the last one the kernel gave,
		 * as this check always chose */
		if (c->in_kernel && r->priority > c->kmetric)
			continue;
		c->in_kernel = true;
		c->kgw = r->gw;
		c->koif = r->oif;
		c->ktype = r->type;
		c->kproto = r->protocol;
		c->knh = r->nh_count;
		c->kmetric = r->priority;
	}
	/* kernel routes of protocol bird that BIRD does not export: stale */
	if (exported || !m->kernel_export || r->protocol != RTPROT_BIRD)
		return 0;
	if (m->nstale == m->stale_cap) {
		size_t cap = m->stale_cap ? m->stale_cap * 2 : 16;
		struct ct_prefix *v = realloc(m->stale, cap * sizeof(*v));
		if (!v)
			return -1;
		m->stale = v;
		m->stale_cap = cap;
	}
	m->stale[m->nstale++] = r->dst;
	return 0;
}

int ct_analyze_bgp(const struct ct_node *n, const struct ct_netns *ns, const struct ct_bgp *b,
		   bool kernel_export, struct ct_bgp_check **checks, size_t *nchecks,
		   struct ct_findings *f)
{
	struct ct_bgp_match m;

	if (ct_bgp_match_init(&m, b, kernel_export) < 0)
		return -1;
	for (size_t i = 0; i < ns->routes.n; i++)
		if (ct_bgp_match_route(&m, &ns->routes.v[i]) < 0) {
			ct_bgp_match_free(&m);
			return -1;
		}
	int rc = ct_analyze_bgp_matched(n, ns, &m, checks, nchecks, f);
	ct_bgp_match_free(&m);
	return rc;
}

int ct_analyze_bgp_matched(const struct ct_node *n, const struct ct_netns *ns,
			   struct ct_bgp_match *m, struct ct_bgp_check **checks, size_t *nchecks,
			   struct ct_findings *f)
{
	const struct ct_bgp *b = m->b;
	bool kernel_export = m->kernel_export;
	char d[64], g[64], k[64], ev[320], fix[256];
	size_t mesh = 0;
	for (size_t i = 0; i < b->n_peers; i++) {
		peer_findings(ns, b, &b->peers[i], f);
		mesh += !strcmp(b->peers[i].type, "mesh");
	}
	/* a full mesh of N nodes has N-1 Mesh_ peers; the pods tell a lower bound of N */
	if (n->have_pods && mesh > 0) {
		size_t nodes = 0;
		for (size_t i = 0; i < n->pods.n; i++) {
			const char *nn = n->pods.v[i].node;
			bool seen = !nn[0] || !strcmp(nn, n->name);
			for (size_t j = 0; j < i && !seen; j++)
				seen = !strcmp(n->pods.v[j].node, nn);
			nodes += !seen;
		}
		if (mesh < nodes) {
			snprintf(ev, sizeof(ev), "%zu Mesh_ %s; pods run on at least %zu other %s", mesh,
				 ct_plural(mesh, "peer", "peers"), nodes, ct_plural(nodes, "node", "nodes"));
			ct_finding_run(ct_finding_add(f, "bgp_mesh_incomplete", ns->name, "node-to-node mesh", ev,
						      "list the nodes: a node without a BGP address is left out of the mesh",
						      "the mesh is missing peers: %zu other %s pods, BIRD has %zu Mesh_ %s",
						      nodes, ct_plural(nodes, "node runs", "nodes run"), mesh,
						      ct_plural(mesh, "peer", "peers")),
				       NULL, "calicoctl", "get", "nodes", "-o", "wide", NULL);
		}
	}
	if (mesh + 1 > 100) {
		snprintf(ev, sizeof(ev), "%zu Mesh_ peers: a mesh of %zu nodes keeps %zu sessions", mesh, mesh + 1,
			 (mesh + 1) * mesh / 2);
		ct_finding_add(f, "bgp_mesh_large", ns->name, "node-to-node mesh", ev,
			       "disable the node-to-node mesh and peer with route reflectors (calicoctl patch bgpconfiguration default ...)",
			       "the full mesh has %zu nodes; past about 100, route reflectors scale better", mesh + 1);
	}
	struct ct_bgp_check *cv = m->cv;
	size_t nc = 0;
	for (size_t i = 0; i < b->n_routes; i++) {
		const struct ct_bgp_route *r = &b->routes[i];
		const struct ct_bgp_rattr *ra = r->at;
		if (!r->primary)
			continue;
		/* the checks of primary routes, moved down in BIRD's order */
		struct ct_bgp_check *c = &cv[nc++];
		*c = cv[i];
		/* the next hop the kernel should use: BGP.next_hop (not the peer's address,
		 * which differs under route reflectors), else BIRD's "via" */
		const struct ct_ip *want = ct_ip_is_set(&ra->bgp_next_hop) ? &ra->bgp_next_hop : &ra->via;
		ct_prefix_fmt(&r->dst, d, sizeof(d));
		if (!c->in_kernel && kernel_export) {
			snprintf(ev, sizeof(ev), "BIRD exports %s%s%s from %s; the kernel's main table has no route for it",
				 d, ct_ip_is_set(want) ? " via " : "", ct_ip_is_set(want) ? ct_ip_fmt(want, g, sizeof(g)) : "",
				 ra->proto);
			ct_finding_run(ct_finding_add(f, "bgp_route_missing_in_kernel", ns->name, d, ev,
						      "check BIRD's kernel protocol export filter and its log",
						      "%s is exported by BIRD but missing from the kernel", d),
				       ns, "ip", "route", "show", d, NULL);
			continue;
		}
		if (!c->in_kernel)
			continue;
		bool gw_ok = !ct_ip_is_set(want) || ra->blackhole || ct_ip_eq(&c->kgw, want) ||
			     c->knh > 1;
		if (ra->blackhole)
			gw_ok = c->ktype == RTN_BLACKHOLE;
		/* the device the mode implies: BIRD's own ("on eth0"), or an IPIP tunnel,
		 * which Calico's BIRD programs for IPIP pools (krt_tunnel) */
		const struct ct_link *kl = ct_link_by_ifindex(ns, c->koif);
		bool dev_ok = !ra->dev[0] || !kl || c->knh > 1 || !strcmp(kl->name, ra->dev) ||
			      ct_link_is_l3_tunnel(kl);
		c->ok = gw_ok && dev_ok;
		if (gw_ok && !dev_ok) {
			snprintf(ev, sizeof(ev), "BIRD: %s via %s on %s; kernel: dev %s", d,
				 ct_ip_is_set(want) ? ct_ip_fmt(want, g, sizeof(g)) : "-", ra->dev, kl->name);
			snprintf(fix, sizeof(fix), "check which program owns the kernel's route (proto %u)",
				 c->kproto);
			ct_finding_run(ct_finding_add(f, "bgp_route_mismatch", ns->name, d, ev, fix,
						      "the kernel sends %s out of %s, not %s as BIRD's route says", d, kl->name, ra->dev),
				       ns, "ip", "route", "show", d, NULL);
		}
		if (!gw_ok) {
			snprintf(ev, sizeof(ev), "BIRD: %s via %s; kernel: %s %s", d, ct_ip_fmt(want, g, sizeof(g)),
				 d, ct_ip_is_set(&c->kgw) ? ct_ip_fmt(&c->kgw, k, sizeof(k)) : "without a gateway");
			snprintf(fix, sizeof(fix), "another program (proto %u) may own the prefix", c->kproto);
			ct_finding_run(ct_finding_add(f, "bgp_route_mismatch", ns->name, d, ev, fix,
						      "the kernel's route for %s does not use BIRD's next hop %s", d, g),
				       ns, "ip", "route", "show", d, NULL);
		}
	}
	/* kernel routes of protocol bird that BIRD does not export: stale */
	for (size_t i = 0; i < m->nstale; i++) {
		ct_prefix_fmt(&m->stale[i], d, sizeof(d));
		snprintf(ev, sizeof(ev), "kernel: %s proto bird; BIRD's %s protocol does not export it", d,
			 b->kernel_proto[0] ? b->kernel_proto : "kernel");
		ct_finding_run(ct_finding_add(f, "bgp_route_stale", ns->name, d, ev,
					      "if BIRD is healthy and the prefix is gone from BGP, delete the route",
					      "%s is a stale BIRD route (left behind by a BIRD that died with 'persist'?)", d),
			       ns, "ip", "route", "del", d, "proto", "bird", NULL);
	}
	(void)n;
	if (checks) {
		/* the array shrinks to the primary routes' checks; m keeps none */
		struct ct_bgp_check *v = realloc(cv, (nc ? nc : 1) * sizeof(*cv));
		*checks = v ? v : cv;
		*nchecks = nc;
		m->cv = NULL;
	}
	return 0;
}
