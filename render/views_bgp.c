/* SPDX-License-Identifier: MIT */
/* Views of BIRD (status, peers, kernel TCP 179, routes against the kernel) and doctor. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "model/bgp.h"
#include "render/views.h"

#define ROW(type, name) const type *name = row_
#define CTX(type, name) const type *name = ctx_
#define CELL(fn) static void fn(const void *row_, const void *ctx_, struct ct_cell *c)
#define COLOR(fn) static enum ct_hl fn(const void *row_, const void *ctx_)

static const char *const flavours[] = {"unknown", "bird1", "bird2"};

static const char *str_or_null(const char *s)
{
	return s[0] ? s : NULL;
}

static const char *ip_or_null(const struct ct_ip *ip, struct ct_cell *c)
{
	return ct_ip_is_set(ip) ? ct_ip_fmt(ip, c->buf, sizeof(c->buf)) : NULL;
}

/* ================================================================ BIRD's status */

#define BS() ROW(struct ct_bgp, b); const struct ct_bird_status *s = &b->status; (void)ctx_, (void)s
CELL(bs_version) { BS(); ct_cell_str(c, str_or_null(s->version)); }
CELL(bs_flavour) { BS(); ct_cell_str(c, flavours[s->flavour <= CT_BIRD_V2 ? s->flavour : 0]); }
CELL(bs_router_id) { BS(); ct_cell_str(c, str_or_null(s->router_id)); }
CELL(bs_greeting) { BS(); ct_cell_str(c, str_or_null(s->greeting)); }
CELL(bs_server_time) { BS(); ct_cell_str(c, str_or_null(s->server_time)); }
CELL(bs_last_reboot) { BS(); ct_cell_str(c, str_or_null(s->last_reboot)); }
CELL(bs_last_reconfig) { BS(); ct_cell_str(c, str_or_null(s->last_reconfig)); }
CELL(bs_state) { BS(); ct_cell_str(c, str_or_null(s->state)); }
CELL(bs_socket) { BS(); ct_cell_str(c, str_or_null(b->socket)); }
CELL(bs_kernel_proto) { BS(); ct_cell_str(c, str_or_null(b->kernel_proto)); }

static const struct ct_view_col status_cols[] = {
	{"version", "VERSION", 0, 8, bs_version, NULL, NULL},
	{"flavour", "FLAVOUR", 0, 7, bs_flavour, NULL, NULL},
	{"router_id", "ROUTER ID", 0, 15, bs_router_id, NULL, NULL},
	{"greeting", NULL, 0, 0, bs_greeting, NULL, NULL},
	{"server_time", NULL, 0, 0, bs_server_time, NULL, NULL},
	{"last_reboot", "UP SINCE", 0, 19, bs_last_reboot, NULL, NULL},
	{"last_reconfiguration", NULL, 0, 0, bs_last_reconfig, NULL, NULL},
	{"state", NULL, 0, 0, bs_state, NULL, NULL},
	{"socket", "SOCKET", 0, 24, bs_socket, NULL, NULL},
	{"kernel_protocol", NULL, 0, 0, bs_kernel_proto, NULL, NULL},
};

static size_t one(const void *ctx_)
{
	(void)ctx_;
	return 1;
}

static const void *status_row(const void *ctx_, size_t i)
{
	CTX(struct ct_bgp_result, r);
	(void)i;
	return r->b;
}

const struct ct_view ct_view_bgp_status = {"status", "BIRD", true, CT_VIEW_COLS(status_cols), one,
					   status_row};

/* ================================================================ peers */

static enum ct_hl peer_hl(const struct ct_bgp_peer *p)
{
	int s = ct_rule_bgp_peer(p);
	return s < 0 ? CT_HL_OK : (enum ct_hl)s;
}

#define BP() ROW(struct ct_bgp_peer, p); (void)ctx_
CELL(bp_peer) { BP(); ct_cell_str(c, ip_or_null(&p->neighbor, c)); }
CELL(bp_type) { BP(); ct_cell_str(c, p->type); }
CELL(bp_name) { BP(); ct_cell_str(c, p->name); }
CELL(bp_state) { BP(); ct_cell_str(c, p->state); }
COLOR(bp_state_hl) { BP(); return peer_hl(p); }
CELL(bp_since) { BP(); ct_cell_str(c, str_or_null(p->since)); }
CELL(bp_bgp_state) { BP(); ct_cell_str(c, str_or_null(p->bgp_state)); }
CELL(bp_info) { BP(); ct_cell_str(c, str_or_null(p->info)); }
COLOR(bp_info_hl) { BP(); return ct_rule_bgp_peer(p) < 0 ? CT_HL_NONE : peer_hl(p); }
CELL(bp_last_error) { BP(); ct_cell_str(c, str_or_null(p->last_error)); }
CELL(bp_neighbor_as) { BP(); ct_cell_int(c, p->neighbor_as, p->has_neighbor_as); }
CELL(bp_local_as) { BP(); ct_cell_int(c, p->local_as, p->has_local_as); }
CELL(bp_source) { BP(); ct_cell_str(c, ip_or_null(&p->source, c)); }
CELL(bp_neighbor_id) { BP(); ct_cell_str(c, str_or_null(p->neighbor_id)); }
static void timer(struct ct_out *o, const char *key, int now, int max)
{
	ct_rec_obj_begin(o, key);
	ct_rec_int(o, NULL, "remaining", now, now >= 0, CT_HL_NONE);
	ct_rec_int(o, NULL, "configured", max, max >= 0, CT_HL_NONE);
	ct_rec_obj_end(o);
}
static void bp_hold(struct ct_out *o, const char *key, const void *row_, const void *ctx_)
{
	BP();
	timer(o, key, p->hold_now, p->hold_max);
}
static void bp_keepalive(struct ct_out *o, const char *key, const void *row_, const void *ctx_)
{
	BP();
	timer(o, key, p->keepalive_now, p->keepalive_max);
}
CELL(bp_imported) { BP(); ct_cell_int(c, p->imported, p->has_routes); }
CELL(bp_exported) { BP(); ct_cell_int(c, p->exported, p->has_routes); }
CELL(bp_preferred) { BP(); ct_cell_int(c, p->preferred, p->has_routes); }
CELL(bp_passive) { BP(); ct_cell_bool(c, p->passive); } /* -1: null */

static const struct ct_view_col peers_cols[] = {
	{"peer", "PEER ADDRESS", 0, 15, bp_peer, NULL, NULL},
	{"type", "TYPE", 0, 6, bp_type, NULL, NULL},
	{"name", "PROTOCOL", 0, 20, bp_name, NULL, NULL},
	{"state", "STATE", 0, 5, bp_state, bp_state_hl, NULL},
	{"since", "SINCE", 0, 19, bp_since, NULL, NULL},
	{"bgp_state", "BGP STATE", 0, 11, bp_bgp_state, bp_state_hl, NULL},
	{"info", "INFO", 0, 30, bp_info, bp_info_hl, NULL},
	{"last_error", NULL, 0, 0, bp_last_error, NULL, NULL},
	{"neighbor_as", "AS", 0, 6, bp_neighbor_as, NULL, NULL},
	{"local_as", NULL, 0, 0, bp_local_as, NULL, NULL},
	{"source", NULL, 0, 0, bp_source, NULL, NULL},
	{"neighbor_id", NULL, 0, 0, bp_neighbor_id, NULL, NULL},
	{"hold_timer", NULL, 0, 0, NULL, NULL, bp_hold},
	{"keepalive_timer", NULL, 0, 0, NULL, NULL, bp_keepalive},
	{"routes_imported", "IMP", 0, 5, bp_imported, NULL, NULL},
	{"routes_exported", "EXP", 0, 5, bp_exported, NULL, NULL},
	{"routes_preferred", NULL, 0, 0, bp_preferred, NULL, NULL},
	{"passive", NULL, 0, 0, bp_passive, NULL, NULL},
};

static size_t peers_count(const void *ctx_)
{
	CTX(struct ct_bgp_result, r);
	return r->b->n_peers;
}

static const void *peers_row(const void *ctx_, size_t i)
{
	CTX(struct ct_bgp_result, r);
	const struct ct_bgp_peer *p = &r->b->peers[i];
	return r->only && p != r->only ? NULL : p;
}

const struct ct_view ct_view_bgp_peers = {"items", "BGP peers", false, CT_VIEW_COLS(peers_cols), peers_count,
					  peers_row};

/* ================================================================ kernel TCP 179 */

#define BT() ROW(struct ct_tcp179, s); (void)ctx_
CELL(bt_local) { BT(); ct_cell_str(c, ct_ip_fmt(&s->local, c->buf, sizeof(c->buf))); }
CELL(bt_lport) { BT(); ct_cell_int(c, s->lport, true); }
CELL(bt_remote) { BT(); ct_cell_str(c, ct_ip_fmt(&s->remote, c->buf, sizeof(c->buf))); }
CELL(bt_rport) { BT(); ct_cell_int(c, s->rport, true); }
CELL(bt_state) { BT(); ct_cell_str(c, s->state); }
COLOR(bt_state_hl) { BT(); return ct_rule_tcp179_ok(s->state) ? CT_HL_NONE : CT_HL_WARN; }

static const struct ct_view_col sessions_cols[] = {
	{"local", "LOCAL", 0, 15, bt_local, NULL, NULL},
	{"local_port", "LPORT", 0, 5, bt_lport, NULL, NULL},
	{"remote", "REMOTE", 0, 15, bt_remote, NULL, NULL},
	{"remote_port", "RPORT", 0, 5, bt_rport, NULL, NULL},
	{"state", "STATE", 0, 11, bt_state, bt_state_hl, NULL},
};

static size_t sessions_count(const void *ctx_)
{
	CTX(struct ct_bgp_result, r);
	return r->b->n_sessions;
}

static const void *sessions_row(const void *ctx_, size_t i)
{
	CTX(struct ct_bgp_result, r);
	return &r->b->sessions[i];
}

const struct ct_view ct_view_bgp_sessions = {"sessions", "kernel TCP sessions on port 179", false,
					     CT_VIEW_COLS(sessions_cols), sessions_count, sessions_row};

/* ================================================================ routes against the kernel */

#define BR()                                                                                        \
	ROW(struct ct_bgp_check, x);                                                                \
	CTX(struct ct_bgp_result, r);                                                               \
	const struct ct_bgp_route *b = &r->b->routes[x->bird];                                      \
	(void)b
CELL(br_dst) { BR(); ct_cell_str(c, ct_prefix_fmt(&b->dst, c->buf, sizeof(c->buf))); }
CELL(br_via)
{
	BR();
	ct_cell_str(c, ct_ip_is_set(&b->at->via) ? ct_ip_fmt(&b->at->via, c->buf, sizeof(c->buf))
						 : (b->at->blackhole ? "blackhole" : NULL));
}
CELL(br_dev) { BR(); ct_cell_str(c, str_or_null(b->at->dev)); }
CELL(br_proto) { BR(); ct_cell_str(c, str_or_null(b->at->proto)); }
CELL(br_next_hop) { BR(); ct_cell_str(c, ip_or_null(&b->at->bgp_next_hop, c)); }
CELL(br_in_kernel) { BR(); ct_cell_bool(c, x->in_kernel); }
CELL(br_kernel_gw) { BR(); ct_cell_str(c, x->in_kernel ? ip_or_null(&x->kgw, c) : NULL); }
CELL(br_kernel_dev)
{
	BR();
	const struct ct_link *kl = x->in_kernel ? ct_link_by_ifindex(r->ns, x->koif) : NULL;
	ct_cell_str(c, kl ? kl->name : NULL);
}
CELL(br_ok_text) { BR(); ct_cell_str(c, x->ok ? "yes" : "no"); }
/* bgp_route_missing, bgp_route_mismatch (analysis/bgp.c) */
COLOR(br_ok_hl) { BR(); return x->ok ? CT_HL_OK : CT_HL_FAIL; }
CELL(br_ok) { BR(); ct_cell_bool(c, x->ok); }

static const struct ct_view_col routes_cols[] = {
	{"dst", "DST", 0, 18, br_dst, NULL, NULL},
	{"via", "VIA", 0, 15, br_via, NULL, NULL},
	{"dev", "DEV", 0, 12, br_dev, NULL, NULL},
	{"proto", "FROM", 0, 20, br_proto, NULL, NULL},
	{"bgp_next_hop", "BGP.NEXT_HOP", 0, 15, br_next_hop, NULL, NULL},
	{"in_kernel", NULL, 0, 0, br_in_kernel, NULL, NULL},
	{"kernel_gateway", "KERNEL GW", 0, 15, br_kernel_gw, NULL, NULL},
	{"kernel_dev", "KERNEL DEV", 0, 12, br_kernel_dev, NULL, NULL},
	{NULL, "OK", 0, 3, br_ok_text, br_ok_hl, NULL},
	{"ok", NULL, 0, 0, br_ok, NULL, NULL},
};

static size_t routes_count(const void *ctx_)
{
	CTX(struct ct_bgp_result, r);
	return r->nchecks;
}

static const void *routes_row(const void *ctx_, size_t i)
{
	CTX(struct ct_bgp_result, r);
	return &r->checks[i];
}

const struct ct_view ct_view_bgp_routes = {"items", "routes", false, CT_VIEW_COLS(routes_cols), routes_count,
					   routes_row};
const struct ct_view ct_view_bgp_kernel_routes = {"items", "routes BIRD exports to the kernel", false,
						  CT_VIEW_COLS(routes_cols), routes_count, routes_row};

void ct_views_bgp(struct ct_out *o, const struct ct_bgp_result *r)
{
	ct_view_write(o, &ct_view_bgp_status, r);
	if (r->routes)
		ct_view_write(o, r->kernel ? &ct_view_bgp_kernel_routes : &ct_view_bgp_routes, r);
	else
		ct_view_write(o, &ct_view_bgp_peers, r);
	if (r->b->have_sessions)
		ct_view_write(o, &ct_view_bgp_sessions, r);
}

/* ================================================================ doctor */

#define DA() ROW(struct ct_doctor_area, a); (void)ctx_
static enum ct_hl area_hl(const struct ct_doctor_area *a)
{
	int s;
	ct_doctor_area_status(a, &s);
	return s < 0 ? CT_HL_DIM : s == 10 ? CT_HL_OK : (enum ct_hl)s;
}
CELL(da_check) { DA(); ct_cell_str(c, a->name); }
CELL(da_status)
{
	DA();
	int s;
	ct_cell_str(c, ct_doctor_area_status(a, &s));
}
COLOR(da_status_hl) { DA(); return area_hl(a); }
CELL(da_problems) { DA(); ct_cell_int(c, (int64_t)a->problems, true); }
COLOR(da_problems_hl) { DA(); return a->problems ? area_hl(a) : CT_HL_NONE; }
CELL(da_what) { DA(); ct_cell_str(c, a->what); }
CELL(da_note) { DA(); ct_cell_str(c, str_or_null(a->note)); }

static const struct ct_view_col doctor_cols[] = {
	{"check", "CHECK", 0, 6, da_check, NULL, NULL},
	{"status", "STATUS", 0, 7, da_status, da_status_hl, NULL},
	{"problems", "PROBLEMS", 0, 8, da_problems, da_problems_hl, NULL},
	{"what", "WHAT", 0, 40, da_what, NULL, NULL},
	{"note", "NOTE", 0, 30, da_note, NULL, NULL},
};

static size_t doctor_count(const void *ctx_)
{
	(void)ctx_;
	return CT_DOCTOR_AREAS;
}

static const void *doctor_row(const void *ctx_, size_t i)
{
	CTX(struct ct_doctor_result, r);
	return &r->a[i];
}

const struct ct_view ct_view_doctor = {"items", "checks", false, CT_VIEW_COLS(doctor_cols), doctor_count,
				       doctor_row};

void ct_views_doctor(struct ct_out *o, const struct ct_doctor_result *r)
{
	ct_view_write(o, &ct_view_doctor, r);
}

const struct ct_view *const ct_views_all[] = {
	&ct_view_links,		   &ct_view_routes,	      &ct_view_tunnels,
	&ct_view_vteps,		   &ct_view_neigh_devices,    &ct_view_neigh_tables,
	&ct_view_neigh_gateway,	   &ct_view_neigh_workloads,  &ct_view_neigh_entries,
	&ct_view_bgp_status,	   &ct_view_bgp_peers,	      &ct_view_bgp_sessions,
	&ct_view_bgp_routes,	   &ct_view_bgp_kernel_routes, &ct_view_doctor,
	NULL,
};
