/* SPDX-License-Identifier: MIT */
/* BGP sessions and BIRD's routes against the kernel. Pure. */
#include "analysis.h"
#include "model/bgp.h"

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

static void peer_findings(const struct ct_netns *ns, const struct ct_bgp *b,
			  const struct ct_bgp_peer *p, struct ct_findings *f)
{
	char ip[64], ev[320], fix[256];
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
		snprintf(fix, sizeof(fix), "birdc -s %s enable %s (and check the BIRD configuration for 'disabled')",
			 b->socket[0] ? b->socket : "<socket>", p->name);
		ct_finding_add(f, "bgp_peer_disabled", ns->name, p->name, ev, fix,
			       "BGP protocol %s (peer %s) is disabled", p->name, who);
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
		snprintf(fix, sizeof(fix), "check packet loss to %s (ping, MTU) and its load; caltrace -n <peer> bgp", who);
		ct_finding_add(f, "bgp_hold_timer_expired", ns->name, p->name, ev, fix,
			       "the session with %s timed out: keepalives stopped arriving", who);
		return;
	}
	if (has(err, "Connection refused")) {
		snprintf(fix, sizeof(fix), "on %s: is calico-node (BIRD) running and listening on 179 (ss -tlnp 'sport = :179')? is a firewall rejecting?", who);
		ct_finding_add(f, "bgp_connection_refused", ns->name, p->name, ev, fix,
			       "nothing listens on %s:179: its BIRD is down, or a firewall rejects the connection", who);
		return;
	}
	if (!strcasecmp(p->bgp_state, "Passive") || p->passive) {
		snprintf(fix, sizeof(fix), "run caltrace bgp on %s: Calico's mesh is one-directional, the peer connects to this node", who);
		ct_finding_add(f, "bgp_passive_waiting", ns->name, p->name, ev, fix,
			       "waiting for %s to connect (this side is passive); the cause is on the peer's side", who);
		return;
	}
	if ((!strcasecmp(p->bgp_state, "Connect") || !strcasecmp(p->bgp_state, "Active")) &&
	    (!err[0] || has(err, "Connection timed out") || has(err, "No route to host"))) {
		snprintf(fix, sizeof(fix), "packets to %s:179 vanish: check firewalls/security groups for TCP 179 and the route to %s (ip route get %s)",
			 who, who, who);
		ct_finding_add(f, "bgp_no_response", ns->name, p->name, ev, fix,
			       "connecting to %s:179 gets no answer%s", who,
			       tcp && !strcmp(tcp, "SYN-SENT") ? " (the kernel's SYN is unanswered)" : "");
		return;
	}
	snprintf(fix, sizeof(fix), "birdc -s %s show protocols all %s", b->socket[0] ? b->socket : "<socket>", p->name);
	ct_finding_add(f, "bgp_peer_down", ns->name, p->name, ev, fix, "BGP session with %s is %s%s%s", who,
		       p->bgp_state[0] ? p->bgp_state : p->state, err[0] ? ": " : "", err);
}

/* Exact-prefix index over a set of prefixes (kernel main-table routes, BIRD's
 * routes): both tables can hold 100k entries, so no pairwise comparison. */
struct pfx_index {
	uint32_t *heads, *next;
	size_t nb;
};

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

/* get(i) returns the prefix of element i, or NULL to leave it out */
static int pfx_index_build(struct pfx_index *x, size_t n,
			   const struct ct_prefix *(*get)(const void *, size_t), const void *arg)
{
	x->nb = 64;
	while (x->nb < n * 2)
		x->nb *= 2;
	x->heads = malloc(x->nb * sizeof(uint32_t));
	x->next = malloc((n ? n : 1) * sizeof(uint32_t));
	if (!x->heads || !x->next) {
		free(x->heads);
		free(x->next);
		return -1;
	}
	memset(x->heads, 0xff, x->nb * sizeof(uint32_t));
	for (size_t i = 0; i < n; i++) {
		const struct ct_prefix *p = get(arg, i);
		if (!p)
			continue;
		size_t b = pfx_key(p) & (x->nb - 1);
		x->next[i] = x->heads[b];
		x->heads[b] = (uint32_t)i;
	}
	return 0;
}

static void pfx_index_free(struct pfx_index *x)
{
	free(x->heads);
	free(x->next);
}

static const struct ct_prefix *kernel_main(const void *arg, size_t i)
{
	const struct ct_route *r = &((const struct ct_netns *)arg)->routes.v[i];
	return r->table == RT_TABLE_MAIN ? &r->dst : NULL;
}

static const struct ct_prefix *bird_route(const void *arg, size_t i)
{
	return &((const struct ct_bgp *)arg)->routes[i].dst;
}

/* The kernel's main-table route for exactly this prefix (any protocol), lowest metric. */
static const struct ct_route *kernel_route(const struct ct_netns *ns, const struct pfx_index *x,
					   const struct ct_prefix *p)
{
	const struct ct_route *best = NULL;
	for (uint32_t i = x->heads[pfx_key(p) & (x->nb - 1)]; i != UINT32_MAX; i = x->next[i]) {
		const struct ct_route *r = &ns->routes.v[i];
		if (!pfx_same(&r->dst, p))
			continue;
		if (!best || r->priority < best->priority)
			best = r;
	}
	return best;
}

int ct_analyze_bgp(const struct ct_node *n, const struct ct_netns *ns, const struct ct_bgp *b,
		   bool kernel_export, struct ct_bgp_check **checks, size_t *nchecks,
		   struct ct_findings *f)
{
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
			snprintf(ev, sizeof(ev), "%zu Mesh_ peers; pods run on at least %zu other nodes", mesh, nodes);
			ct_finding_add(f, "bgp_mesh_incomplete", ns->name, "node-to-node mesh", ev,
				       "calicoctl get nodes -o wide (a node without a BGP address is left out of the mesh)",
				       "the mesh is missing peers: %zu other nodes run pods, BIRD has %zu Mesh_ peers", nodes, mesh);
		}
	}
	if (mesh + 1 > 100) {
		snprintf(ev, sizeof(ev), "%zu Mesh_ peers: a mesh of %zu nodes keeps %zu sessions", mesh, mesh + 1,
			 (mesh + 1) * mesh / 2);
		ct_finding_add(f, "bgp_mesh_large", ns->name, "node-to-node mesh", ev,
			       "disable the node-to-node mesh and peer with route reflectors (calicoctl patch bgpconfiguration default ...)",
			       "the full mesh has %zu nodes; past about 100, route reflectors scale better", mesh + 1);
	}
	struct ct_bgp_check *cv = calloc(b->n_routes ? b->n_routes : 1, sizeof(*cv));
	struct pfx_index kx, bx;
	if (!cv)
		return -1;
	if (pfx_index_build(&kx, ns->routes.n, kernel_main, ns) < 0) {
		free(cv);
		return -1;
	}
	if (pfx_index_build(&bx, b->n_routes, bird_route, b) < 0) {
		pfx_index_free(&kx);
		free(cv);
		return -1;
	}
	size_t nc = 0;
	for (size_t i = 0; i < b->n_routes; i++) {
		const struct ct_bgp_route *r = &b->routes[i];
		const struct ct_bgp_rattr *ra = r->at;
		if (!r->primary)
			continue;
		struct ct_bgp_check *c = &cv[nc++];
		c->bird = r;
		c->kernel = kernel_route(ns, &kx, &r->dst);
		/* the next hop the kernel should use: BGP.next_hop (not the peer's address,
		 * which differs under route reflectors), else BIRD's "via" */
		const struct ct_ip *want = ct_ip_is_set(&ra->bgp_next_hop) ? &ra->bgp_next_hop : &ra->via;
		ct_prefix_fmt(&r->dst, d, sizeof(d));
		if (!c->kernel && kernel_export) {
			snprintf(ev, sizeof(ev), "BIRD exports %s%s%s from %s; the kernel's main table has no route for it",
				 d, ct_ip_is_set(want) ? " via " : "", ct_ip_is_set(want) ? ct_ip_fmt(want, g, sizeof(g)) : "",
				 ra->proto);
			snprintf(fix, sizeof(fix), "check BIRD's kernel protocol export filter and its log; ip route show %s", d);
			ct_finding_add(f, "bgp_route_missing_in_kernel", ns->name, d, ev, fix,
				       "%s is exported by BIRD but missing from the kernel", d);
			continue;
		}
		if (!c->kernel)
			continue;
		bool gw_ok = !ct_ip_is_set(want) || ra->blackhole || ct_ip_eq(&c->kernel->gw, want) ||
			     c->kernel->nh_count > 1;
		if (ra->blackhole)
			gw_ok = c->kernel->type == RTN_BLACKHOLE;
		/* the device the mode implies: BIRD's own ("on eth0"), or an IPIP tunnel,
		 * which Calico's BIRD programs for IPIP pools (krt_tunnel) */
		const struct ct_link *kl = ct_link_by_ifindex(ns, c->kernel->oif);
		bool dev_ok = !ra->dev[0] || !kl || c->kernel->nh_count > 1 || !strcmp(kl->name, ra->dev) ||
			      ct_link_is_l3_tunnel(kl);
		c->ok = gw_ok && dev_ok;
		if (gw_ok && !dev_ok) {
			snprintf(ev, sizeof(ev), "BIRD: %s via %s on %s; kernel: dev %s", d,
				 ct_ip_is_set(want) ? ct_ip_fmt(want, g, sizeof(g)) : "-", ra->dev, kl->name);
			snprintf(fix, sizeof(fix), "ip route show %s; check which program owns it (proto %u)", d,
				 c->kernel->protocol);
			ct_finding_add(f, "bgp_route_mismatch", ns->name, d, ev, fix,
				       "the kernel sends %s out of %s, not %s as BIRD's route says", d, kl->name, ra->dev);
		}
		if (!gw_ok) {
			snprintf(ev, sizeof(ev), "BIRD: %s via %s; kernel: %s %s", d, ct_ip_fmt(want, g, sizeof(g)),
				 d, ct_ip_is_set(&c->kernel->gw) ? ct_ip_fmt(&c->kernel->gw, k, sizeof(k)) : "without a gateway");
			snprintf(fix, sizeof(fix), "ip route show %s; another program (proto %u) may own the prefix", d,
				 c->kernel->protocol);
			ct_finding_add(f, "bgp_route_mismatch", ns->name, d, ev, fix,
				       "the kernel's route for %s does not use BIRD's next hop %s", d, g);
		}
	}
	/* kernel routes of protocol bird that BIRD does not export: stale */
	if (kernel_export) {
		for (size_t i = 0; i < ns->routes.n; i++) {
			const struct ct_route *r = &ns->routes.v[i];
			if (r->protocol != RTPROT_BIRD || r->table != RT_TABLE_MAIN)
				continue;
			bool exported = false;
			for (uint32_t j = bx.heads[pfx_key(&r->dst) & (bx.nb - 1)]; j != UINT32_MAX && !exported;
			     j = bx.next[j])
				exported = pfx_same(&b->routes[j].dst, &r->dst);
			if (exported)
				continue;
			ct_prefix_fmt(&r->dst, d, sizeof(d));
			snprintf(ev, sizeof(ev), "kernel: %s proto bird; BIRD's %s protocol does not export it", d,
				 b->kernel_proto[0] ? b->kernel_proto : "kernel");
			snprintf(fix, sizeof(fix), "if BIRD is healthy and the prefix is gone from BGP: ip route del %s proto bird", d);
			ct_finding_add(f, "bgp_route_stale", ns->name, d, ev, fix,
				       "%s is a stale BIRD route (left behind by a BIRD that died with 'persist'?)", d);
		}
	}
	pfx_index_free(&kx);
	pfx_index_free(&bx);
	(void)n;
	if (checks) {
		*checks = cv;
		*nchecks = nc;
	} else {
		free(cv);
	}
	return 0;
}
