/* SPDX-License-Identifier: MIT */
/*
 * What each read command hands to its views: the analysis result of one
 * command (the rows it shows and the findings in its scope), built here from
 * the model so that cmd/ only turns argv into a query, loads and renders.
 * Pure: no I/O, no printing.
 *
 * The rules that colour a cell are the rules that make the finding about it:
 * each ct_rule_* below is used by the finding code and by the view's colour.
 */
#ifndef CT_RESULTS_H
#define CT_RESULTS_H

#include "analysis/analysis.h"

struct ct_bgp_peer;

/* ---- shared rules (finding and colour) ---- */

/* Admin up and not oper down/lowerlayerdown (workload_link_down). */
bool ct_rule_link_up(const struct ct_link *l);
/* MAC is Calico's ee:ee:ee:ee:ee:ee (workload_mac_unexpected when a 6-byte MAC is not). */
bool ct_rule_mac_ok(const struct ct_link *l);
/* A per-device sysctl that must be 1 (forwarding_off, proxy_arp_off): WARN-free when
 * unknown (-1) or 1, fail otherwise. */
bool ct_rule_sysctl_bad(int v);
/* FAILED or INCOMPLETE (neigh_failed, pod_gateway_failed). */
bool ct_rule_nud_bad(uint16_t state);
/* Neighbour table pressure: -1 none, CT_SEV_WARN above gc_thresh2, CT_SEV_FAIL at 90% of
 * gc_thresh3, counting the entries the collector can take (neigh_table_pressure/_overflow).
 * *gc gets that count, *perm the permanent entries of ns left out of it. */
int ct_rule_neightbl(const struct ct_netns *ns, const struct ct_neightbl *t, uint32_t *gc,
		     uint32_t *perm);
/* A tunnel device that is down (tunnel_down when routes use it). */
bool ct_rule_tunnel_up(const struct ct_link *l);
/* Tunnel MTU plus overhead above the underlay's (tunnel_mtu_too_large). */
bool ct_rule_tunnel_mtu_bad(const struct ct_tunnel *x);
/* BGP session established; a peer that is down (disabled) is a warning, else a failure. */
int ct_rule_bgp_peer(const struct ct_bgp_peer *p); /* -1 established, else a ct_sev */
/* Kernel TCP 179 states that are fine (ESTABLISHED, LISTEN). */
bool ct_rule_tcp179_ok(const char *state);

/* ---- findings scope ---- */

/* Folds f (analysis/fold.h: consequences under their root cause), then keeps only
 * findings whose subject is in keep[] (n entries), or starts with one followed by a
 * space, and the roots with a consequence whose subject is (those show only their
 * consequences in scope). */
void ct_findings_keep(struct ct_findings *f, const char *const *keep, size_t n);

/* ---- every command ---- */

/* Findings about how the node was loaded (dump_interrupted), for every command. */
void ct_analyze_load(const struct ct_node *n, struct ct_findings *f);

/* ---- links ---- */

struct ct_policy;
struct ct_links_result {
	const struct ct_node *n;
	const struct ct_netns *ns;
	struct ct_workload *w; /* shown rows, sorted by name */
	size_t nw;
	const struct ct_policy *policy; /* Felix's policy (model/policy.h), NULL: not read */
};
/* names: IFACE arguments (n of them, 0: every workload interface). */
int ct_links_result_build(const struct ct_node *n, const struct ct_netns *ns,
			  const struct ct_prefixes *p, const char *const *names, size_t nnames,
			  struct ct_links_result *r, struct ct_findings *f);
void ct_links_result_free(struct ct_links_result *r);

/* ---- routes ---- */

struct ct_routes_result {
	const struct ct_netns *ns;
	uint8_t *cls;          /* class of each route of ns */
	bool filter;           /* show only routes that contain or are in want */
	struct ct_prefix want;
};
int ct_routes_result_build(const struct ct_node *n, const struct ct_netns *ns,
			   const struct ct_prefixes *p, const struct ct_prefix *want,
			   struct ct_routes_result *r, struct ct_findings *f);
void ct_routes_result_free(struct ct_routes_result *r);
/* Is route i shown? */
bool ct_routes_result_shows(const struct ct_routes_result *r, size_t i);

/* ---- tunnel ---- */

struct ct_tunnel_result {
	const struct ct_netns *ns;
	struct ct_tunnels t;
};
int ct_tunnel_result_build(const struct ct_node *n, const struct ct_netns *ns,
			   const struct ct_prefixes *p, struct ct_tunnel_result *r,
			   struct ct_findings *f);
void ct_tunnel_result_free(struct ct_tunnel_result *r);
/* Remote VTEPs of every device, flattened: row i. */
size_t ct_tunnels_vtep_count(const struct ct_tunnels *t);
const struct ct_vtep *ct_tunnels_vtep(const struct ct_tunnels *t, size_t i,
				      const struct ct_tunnel **dev);

/* ---- neigh ---- */

/* A pod address of a workload interface with the host's entry for it. */
struct ct_neigh_wl {
	const struct ct_link *link;
	struct ct_ip ip;
	const struct ct_neigh *entry; /* NULL: none */
};

struct ct_neigh_result {
	const struct ct_netns *ns;
	int only;                     /* ifindex of the IFACE argument, 0 none */
	uint32_t *ord;                /* entries, FAILED and INCOMPLETE first */
	struct ct_neigh_dev *devs;
	size_t ndevs;
	struct ct_pod_gateway gw[2];  /* IPv4, IPv6 */
	struct ct_neigh_wl *wl;       /* NULL: no workload section */
	size_t nwl;
	struct ct_tunnels t;          /* VTEPs */
};
/* host: the pod's host namespace (ct_netns_host_of, or gathered), NULL unknown.
 * only: ifindex to show, 0 all; only_name its name (findings scope). */
int ct_neigh_result_build(const struct ct_node *n, const struct ct_netns *ns,
			  const struct ct_prefixes *p, const struct ct_netns *host, int only,
			  const char *only_name, struct ct_neigh_result *r, struct ct_findings *f);
void ct_neigh_result_free(struct ct_neigh_result *r);
/* The host namespace of pod namespace ns within n: the one with a veth whose
 * peer is ns; NULL when n does not hold it. */
const struct ct_netns *ct_netns_host_of(const struct ct_node *n, const struct ct_netns *ns);

/* ---- bgp ---- */

struct ct_bgp_result {
	const struct ct_netns *ns;
	const struct ct_bgp *b;
	const struct ct_bgp_peer *only; /* the PEER argument */
	bool routes;                    /* the routes view */
	bool kernel;                    /* routes BIRD exports to the kernel */
	struct ct_bgp_check *checks;
	size_t nchecks;
};
/* PEER: a protocol name or a neighbour address. */
const struct ct_bgp_peer *ct_bgp_find_peer(const struct ct_bgp *b, const char *peer);
/* The session findings (bgp) or the route findings (bgp routes) of one command.
 * m: a match (of b, kernel) that has seen the kernel's routes as they streamed
 * in, or NULL to match ns->routes. */
int ct_bgp_result_build(const struct ct_node *n, const struct ct_netns *ns,
			const struct ct_bgp *b, const struct ct_bgp_peer *only, bool routes,
			bool kernel, struct ct_bgp_match *m, struct ct_bgp_result *r,
			struct ct_findings *f);
void ct_bgp_result_free(struct ct_bgp_result *r);

/* ---- doctor ---- */

enum { CT_DOCTOR_AREAS = 6 };

struct ct_doctor_area {
	const char *name;
	const char *what;
	char note[320];
	bool skipped;
	size_t problems;   /* warn and fail findings */
	enum ct_sev worst; /* of them */
};

struct ct_doctor_result {
	struct ct_doctor_area a[CT_DOCTOR_AREAS];
};
/* Every node check. env NULL: a snapshot (NetworkManager not checked). The BGP
 * area uses n->bgp / n->bgp_error as loaded. */
int ct_doctor_result_build(const struct ct_node *n, const struct ct_netns *ns,
			   const struct ct_prefixes *p, const struct ct_host_env *env,
			   struct ct_doctor_result *r, struct ct_findings *f);
/* "ok", "skipped" or the worst severity's name; its colour severity in *sev
 * (-1: skipped, 10: ok, else a ct_sev). */
const char *ct_doctor_area_status(const struct ct_doctor_area *a, int *sev);
/* BIRD could not be asked: bird_unreachable, and every kernel route of protocol
 * bird as bgp_route_stale when BIRD is expected here (its routes or a listener on
 * 179), else bgp_not_running worded for mode (ct_tunnels.mode; NULL when unknown), and nothing
 * in a pod's namespace. Returns the note of the BGP area in note. */
void ct_analyze_bird_absent_mode(const struct ct_node *n, const struct ct_netns *ns, const char *mode,
				 struct ct_findings *f, bool *skipped, char *note, size_t len);

#endif
