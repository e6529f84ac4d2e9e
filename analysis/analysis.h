/* SPDX-License-Identifier: MIT */
/*
 * Pure analysis: model -> views and findings. No I/O, no printing.
 */
#ifndef CT_ANALYSIS_H
#define CT_ANALYSIS_H

#include "analysis/findings.h"
#include "model/host_env.h"
#include "model/model.h"

/* ---- longest-prefix match over one routing table ---- */

struct ct_lpm_ent {
	uint32_t route; /* index into ns->routes.v */
	uint32_t next;  /* chain, UINT32_MAX = end */
};

struct ct_lpm {
	const struct ct_netns *ns;
	uint32_t table;
	uint32_t *heads; /* hash buckets */
	size_t nbuckets;
	struct ct_lpm_ent *ents;
	size_t nents;
	uint8_t lens4[33], lens6[129]; /* which prefix lengths exist */
};

/* Builds an LPM over the unicast/blackhole/... routes of one table (254 = main). */
int ct_lpm_build(struct ct_lpm *l, const struct ct_netns *ns, uint32_t table);
void ct_lpm_free(struct ct_lpm *l);
/* Best route for ip, skipping routes for which skip(route, arg) is true; NULL when none. */
const struct ct_route *ct_lpm_lookup(const struct ct_lpm *l, const struct ct_ip *ip,
				     bool (*skip)(const struct ct_netns *, const struct ct_route *,
						  void *),
				     void *arg);

/* ---- routes ---- */

enum ct_route_class {
	CT_RC_WORKLOAD,
	CT_RC_BLACKHOLE,
	CT_RC_IPIP,
	CT_RC_VXLAN,
	CT_RC_WIREGUARD,
	CT_RC_NATIVE,
	CT_RC_DEFAULT,
	CT_RC_HOST,
	CT_RC_OTHER,
	CT_RC__COUNT
};
extern const char *const ct_route_class_names[CT_RC__COUNT];

/* Owner of a route from its protocol: "bird", "felix" (80), "boot", "kernel", ... */
const char *ct_route_owner(uint8_t protocol, char *buf, size_t len);
enum ct_route_class ct_route_classify(const struct ct_netns *ns, const struct ct_route *r,
				      const struct ct_prefixes *p);
/* Is this link an IPIP-style L3 tunnel (kind ipip, or a device without a link-layer
 * address that carries `via X onlink` routes, like a TUN-based tunl0)? */
bool ct_link_is_l3_tunnel(const struct ct_link *l);

/* Route findings for ns (the routes command's scope). classes may be NULL or an
 * array of ns->routes.n entries to fill. */
int ct_analyze_routes(const struct ct_node *n, const struct ct_netns *ns,
		      const struct ct_prefixes *p, uint8_t *classes, struct ct_findings *f);

/* ---- links ---- */

struct ct_workload {
	const struct ct_link *link;
	struct ct_ip ips[8];
	int n_ips;
	const struct ct_pod *pod; /* matched by veth name, NULL when unknown */
	const char *peer_netns;   /* name of the peer's namespace, NULL when unknown */
};

/* Workload interfaces of ns with their pod IPs (from /32 and /128 routes), sorted by name.
 * *out is malloc'd. */
int ct_workloads(const struct ct_node *n, const struct ct_netns *ns, const struct ct_prefixes *p,
		 struct ct_workload **out, size_t *nout);
int ct_analyze_links(const struct ct_node *n, const struct ct_netns *ns,
		     const struct ct_prefixes *p, const struct ct_workload *w, size_t nw,
		     struct ct_findings *f);

/* ---- tunnels ---- */

enum ct_tunnel_role { CT_TR_IPIP, CT_TR_VXLAN, CT_TR_VXLAN6, CT_TR_FLANNEL, CT_TR_WIREGUARD,
		      CT_TR__COUNT };
extern const char *const ct_tunnel_role_names[CT_TR__COUNT];

struct ct_vtep {
	struct ct_ip ip;  /* VTEP address (neighbour) */
	uint8_t mac[6];
	bool has_neigh, has_fdb;
	uint16_t neigh_state;
	struct ct_ip fdb_dst; /* underlay address the FDB entry sends to */
};

struct ct_tunnel {
	const struct ct_link *link;
	enum ct_tunnel_role role;
	int routes; /* routes through it */
	uint32_t underlay_mtu; /* 0 unknown */
	unsigned overhead;
	bool fallback; /* the kernel's fallback tunl0 in a pod namespace */
	struct ct_vtep *vteps;
	size_t n_vteps;
};

struct ct_tunnels {
	struct ct_tunnel *v;
	size_t n;
	const char *mode; /* "ipip", "vxlan", "wireguard", "none", "mixed" */
};

int ct_tunnels_build(const struct ct_node *n, const struct ct_netns *ns,
		     const struct ct_prefixes *p, struct ct_tunnels *t);
void ct_tunnels_free(struct ct_tunnels *t);
int ct_analyze_tunnels(const struct ct_netns *ns, const struct ct_tunnels *t,
		       struct ct_findings *f);

/* ---- neighbours ---- */

/* True when ns looks like a Calico pod namespace (a route via 169.254.1.1 or
 * fe80::ecee:eeff:feee:eeee). */
bool ct_netns_is_pod(const struct ct_netns *ns);

struct ct_neigh_dev {
	int ifindex;
	unsigned total;
	unsigned by_state[9]; /* index: ct_nud_bucket() */
};
#define CT_NUD_BUCKETS 9
/* Bucket index of a state: 0 incomplete, 1 failed, 2 reachable, 3 stale, 4 delay,
 * 5 probe, 6 permanent, 7 noarp, 8 none. */
int ct_nud_bucket(uint16_t state);
extern const uint16_t ct_nud_bucket_state[CT_NUD_BUCKETS];

struct ct_pod_gateway {
	bool present;      /* the pod routes via the gateway */
	struct ct_ip gw;
	int ifindex;       /* pod-side device */
	const struct ct_neigh *entry; /* NULL when no entry */
};

/* order: FAILED and INCOMPLETE first, then by device and address; *out malloc'd indices */
int ct_neigh_order(const struct ct_netns *ns, uint32_t **out);
int ct_neigh_devices(const struct ct_netns *ns, struct ct_neigh_dev **out, size_t *nout);
/* host: the peer (host) namespace when it could be gathered, else NULL. */
int ct_analyze_neigh(const struct ct_node *n, const struct ct_netns *ns,
		     const struct ct_prefixes *p, const struct ct_netns *host,
		     struct ct_pod_gateway *gw4, struct ct_pod_gateway *gw6,
		     struct ct_findings *f);

/* Calico's pod gateway addresses and MAC. */
extern const struct ct_ip ct_gw4, ct_gw6;
extern const uint8_t ct_calico_mac[6];

/* ---- BGP ---- */

struct ct_bgp;
struct ct_bgp_route;

/* A route BIRD exports to the kernel, against the kernel's main table. Of the
 * kernel's route it keeps only what the checks and the views read, so the
 * kernel's routes can be matched as they stream in and never stored. */
struct ct_bgp_check {
	uint32_t bird;      /* index in b->routes */
	struct ct_ip kgw;   /* the kernel route's gateway (single path), unset none */
	bool in_kernel;     /* the kernel's main table has a route for the prefix */
	bool ok;
	uint8_t ktype, kproto;
	uint16_t knh;       /* next hops of a multipath kernel route, else 0 */
	int koif;
	uint32_t kmetric;
};

/* Kernel routes matched against BIRD's routes one at a time (a streamed dump
 * or a model's table): for each primary BIRD route, the kernel's main-table
 * route for exactly its prefix with the lowest metric; with kernel_export, the
 * kernel's main-table routes of protocol bird that BIRD does not export. */
struct ct_bgp_match {
	const struct ct_bgp *b;
	bool kernel_export;
	uint8_t family;          /* ct_bgp_family(b): kernel routes of another family are not b's */
	struct ct_bgp_check *cv; /* b->n_routes entries, by BIRD index */
	uint32_t *heads, *next;  /* exact-prefix index over b->routes */
	size_t nb;
	struct ct_prefix *stale; /* in the order the kernel gave them */
	size_t nstale, stale_cap;
};
int ct_bgp_match_init(struct ct_bgp_match *m, const struct ct_bgp *b, bool kernel_export);
/* Forget every kernel route seen (a dump that starts again). */
void ct_bgp_match_reset(struct ct_bgp_match *m);
/* One kernel route, any table or family; 0 or -1 (out of memory). */
int ct_bgp_match_route(struct ct_bgp_match *m, const struct ct_route *r);
void ct_bgp_match_free(struct ct_bgp_match *m);

/* Findings for BIRD's sessions and for its routes against the kernel (ns).
 * kernel_export: b->routes is what BIRD exports to its kernel protocol, so
 * missing and stale kernel routes can be judged; otherwise (routes of one
 * peer) only the routes shown are compared. checks (may be NULL) gets one
 * entry per primary route, *nchecks entries. */
int ct_analyze_bgp(const struct ct_node *n, const struct ct_netns *ns, const struct ct_bgp *b,
		   bool kernel_export, struct ct_bgp_check **checks, size_t *nchecks,
		   struct ct_findings *f);
/* The same from a match that has seen the kernel's routes (m->b, m->kernel_export);
 * ns gives the links. *checks takes m's check array (m keeps none). */
int ct_analyze_bgp_matched(const struct ct_node *n, const struct ct_netns *ns,
			   struct ct_bgp_match *m, struct ct_bgp_check **checks, size_t *nchecks,
			   struct ct_findings *f);

/* ---- node-wide checks (doctor) ---- */

/* struct ct_host_env: model/host_env.h */

int ct_analyze_node(const struct ct_node *n, const struct ct_netns *ns,
		    const struct ct_host_env *env, struct ct_findings *f);

/* ---- issue 9's new findings (analysis/newfind.c) ---- */

/* workload_mtu_too_large: links scope (ct_analyze_links calls it). */
int ct_newfind_links(const struct ct_node *n, const struct ct_netns *ns,
		     const struct ct_prefixes *p, const struct ct_workload *w, size_t nw,
		     struct ct_findings *f);
/* tunnel_gateway_not_a_node: routes scope (ct_analyze_routes calls it). */
int ct_newfind_routes(const struct ct_node *n, const struct ct_netns *ns,
		      const struct ct_prefixes *p, struct ct_findings *f);
/* neigh_pinned: neigh scope (ct_analyze_neigh calls it). */
int ct_newfind_neigh(const struct ct_node *n, const struct ct_netns *ns,
		     const struct ct_prefixes *p, struct ct_findings *f);
/* The next hop (gateway, or ip itself when on-link) and device of the main
 * table's route to ip; 0, or -1 when no single-path unicast route. */
int ct_newfind_nexthop(const struct ct_netns *ns, const struct ct_ip *ip, struct ct_ip *nh,
		       const struct ct_link **dev);

#endif
