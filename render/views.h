/* SPDX-License-Identifier: MIT */
/*
 * The tables of the read commands, each declared once as a view (render/view.h),
 * and the documents that put them together. A command writes the envelope
 * (ct_out_begin), calls ct_views_X with the analysis result, then the findings.
 * A curses pane takes the same ct_view_* tables with the same result as ctx.
 */
#ifndef CT_VIEWS_H
#define CT_VIEWS_H

#include "analysis/results.h"
#include "render/view.h"

/* ctx: struct ct_links_result; row: struct ct_workload */
extern const struct ct_view ct_view_links;
/* ctx: struct ct_routes_result; row: struct ct_route */
extern const struct ct_view ct_view_routes;
/* ctx: struct ct_tunnel_result; row: struct ct_tunnel */
extern const struct ct_view ct_view_tunnels;
/* ctx: struct ct_tunnels; row: struct ct_vtep (its device from ct_tunnels_vtep) */
extern const struct ct_view ct_view_vteps;
/* ctx: struct ct_neigh_result; rows: struct ct_neigh_dev, ct_neightbl,
 * ct_pod_gateway, ct_neigh_wl, ct_neigh */
extern const struct ct_view ct_view_neigh_devices, ct_view_neigh_tables, ct_view_neigh_gateway,
	ct_view_neigh_workloads, ct_view_neigh_entries;
/* ctx: struct ct_bgp_result; rows: struct ct_bgp (one), ct_bgp_peer, ct_tcp179, ct_bgp_check */
extern const struct ct_view ct_view_bgp_status, ct_view_bgp_peers, ct_view_bgp_sessions,
	ct_view_bgp_routes, ct_view_bgp_kernel_routes;
/* ctx: struct ct_doctor_result; row: struct ct_doctor_area */
extern const struct ct_view ct_view_doctor;

/* Every view above, NULL-terminated (tests, docs). */
extern const struct ct_view *const ct_views_all[];

/* The "stats" object of a link (JSON only). */
void ct_view_stats(struct ct_out *o, const char *key, const struct ct_stats *s);

/* The body of each command's document (between ct_out_begin and ct_out_end). */
void ct_views_links(struct ct_out *o, const struct ct_links_result *r);
void ct_views_routes(struct ct_out *o, const struct ct_routes_result *r);
void ct_views_tunnel(struct ct_out *o, const struct ct_tunnel_result *r);
void ct_views_neigh(struct ct_out *o, const struct ct_neigh_result *r);
void ct_views_bgp(struct ct_out *o, const struct ct_bgp_result *r);
void ct_views_doctor(struct ct_out *o, const struct ct_doctor_result *r);

#endif
