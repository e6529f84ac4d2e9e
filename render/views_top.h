/* SPDX-License-Identifier: MIT */
/*
 * The panes of `caltrace top`, each declared once as a view (render/view.h)
 * over a struct ct_top_frame (analysis/top.h): `top -b` writes them as text,
 * `top -b -j` as one JSON object a line, and the curses dashboard
 * (render/tui_top.c) iterates the same rows and columns.
 */
#ifndef CT_VIEWS_TOP_H
#define CT_VIEWS_TOP_H

#include "analysis/top.h"
#include "render/view.h"

/* ctx: struct ct_top_frame. Rows: the header (one), struct ct_top_wl, ct_top_tun,
 * ct_top_peer, ct_top_ntbl, ct_top_drop, ct_flow_sum (--flows), ct_top_event (newest first). */
extern const struct ct_view ct_view_top_header, ct_view_top_workloads, ct_view_top_tunnels,
    ct_view_top_peers, ct_view_top_neigh, ct_view_top_drops, ct_view_top_flows, ct_view_top_events;
/* The panes in the order they are shown, NULL-terminated (header first). */
extern const struct ct_view *const ct_views_top_panes[];

/* One frame as a document (ct_out_begin ... ct_out_end with the findings). */
void ct_views_top(struct ct_out *o, const struct ct_top_frame *fr);

/* A rate as text: "0", "950", "12.3k", "4.51M", "1.20G". Returns buf. */
const char *ct_top_rate_text(double v, char *buf, size_t len);

/* Rewrites the JSON document in buf[0..*len) as one line: whitespace outside
 * strings removed (strings keep their escapes). */
void ct_top_json_compact(char *buf, size_t *len);

#endif
