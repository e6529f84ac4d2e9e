/* SPDX-License-Identifier: MIT */
/* The panes of `caltrace top` as views (render/views_top.h). */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "analysis/results.h"
#include "model/names.h"
#include "render/views_top.h"

#define ROW(type, name) const type *name = row_
#define CTX(type, name) const type *name = ctx_
#define CELL(fn) static void fn(const void *row_, const void *ctx_, struct ct_cell *c)
#define COLOR(fn) static enum ct_hl fn(const void *row_, const void *ctx_)

const char *ct_top_rate_text(double v, char *buf, size_t len)
{
	if (v < 1000)
		snprintf(buf, len, "%.0f", v);
	else if (v < 1e6)
		snprintf(buf, len, "%.1fk", v / 1e3);
	else if (v < 1e9)
		snprintf(buf, len, "%.2fM", v / 1e6);
	else
		snprintf(buf, len, "%.2fG", v / 1e9);
	return buf;
}

static void rate_cell(struct ct_cell *c, bool known, double v)
{
	ct_cell_int(c, (int64_t)(v + 0.5), known);
}

static bool filtered(const struct ct_top_frame *fr, const char *a, const char *b)
{
	if (!fr->filter[0])
		return false;
	return !(a && strstr(a, fr->filter)) && !(b && strstr(b, fr->filter));
}

static const char *iso(int64_t ms, char *buf, size_t len)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	gmtime_r(&t, &tm);
	size_t n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, len - n, ".%03dZ", (int)(ms % 1000));
	return buf;
}

/* ================================================================ header */

#define HD() CTX(struct ct_top_frame, fr); const struct ct_top_header *h = &fr->h; (void)row_
CELL(hd_node) { HD(); ct_cell_str(c, h->node); }
CELL(hd_netns) { HD(); ct_cell_str(c, h->netns); }
CELL(hd_source) { HD(); ct_cell_str(c, h->source); }
CELL(hd_mode) { HD(); ct_cell_str(c, h->mode); }
CELL(hd_bird) { HD(); ct_cell_str(c, h->bird); }
COLOR(hd_bird_hl)
{
	HD();
	return !strcmp(h->bird, "up") ? CT_HL_OK : !strcmp(h->bird, "down") ? CT_HL_FAIL : CT_HL_DIM;
}
CELL(hd_bird_note) { HD(); ct_cell_str(c, h->bird_note[0] ? h->bird_note : NULL); }
CELL(hd_workloads) { HD(); ct_cell_uint(c, h->workloads); }
CELL(hd_tunnels) { HD(); ct_cell_uint(c, h->tunnels); }
CELL(hd_peers) { HD(); ct_cell_uint(c, h->peers); }
CELL(hd_peers_up) { HD(); ct_cell_uint(c, h->peers_up); }
CELL(hd_routes) { HD(); ct_cell_uint(c, h->routes); }
CELL(hd_neighs) { HD(); ct_cell_uint(c, h->neighs); }
CELL(hd_fail) { HD(); ct_cell_uint(c, h->fail); }
CELL(hd_warn) { HD(); ct_cell_uint(c, h->warn); }
CELL(hd_info) { HD(); ct_cell_uint(c, h->info); }
CELL(hd_age) { HD(); ct_cell_int(c, (int64_t)(h->age_s * 1000.0 + 0.5), true); }
CELL(hd_resyncs) { HD(); ct_cell_uint(c, h->resyncs); }
CELL(hd_stale) { HD(); ct_cell_bool(c, h->stale); }
COLOR(hd_stale_hl) { HD(); return h->stale ? CT_HL_WARN : CT_HL_NONE; }
CELL(hd_note) { HD(); ct_cell_str(c, h->note[0] ? h->note : NULL); }
CELL(hd_tick) { HD(); ct_cell_uint(c, h->tick); }
CELL(hd_at) { HD(); ct_cell_str(c, iso(h->at, c->buf, sizeof(c->buf))); }

static const struct ct_view_col header_cols[] = {
	{"node", "NODE", CT_ALIGN_AUTO, 12, hd_node, NULL, NULL},
	{"netns", "NETNS", CT_ALIGN_AUTO, 8, hd_netns, NULL, NULL},
	{"source", NULL, CT_ALIGN_AUTO, 0, hd_source, NULL, NULL},
	{"mode", "MODE", CT_ALIGN_AUTO, 6, hd_mode, NULL, NULL},
	{"bird", "BIRD", CT_ALIGN_AUTO, 4, hd_bird, hd_bird_hl, NULL},
	{"bird_error", NULL, CT_ALIGN_AUTO, 0, hd_bird_note, NULL, NULL},
	{"workloads", "WORKLOADS", CT_ALIGN_AUTO, 5, hd_workloads, NULL, NULL},
	{"tunnels", "TUNNELS", CT_ALIGN_AUTO, 3, hd_tunnels, NULL, NULL},
	{"peers", "PEERS", CT_ALIGN_AUTO, 3, hd_peers, NULL, NULL},
	{"peers_established", "UP", CT_ALIGN_AUTO, 3, hd_peers_up, NULL, NULL},
	{"routes", "ROUTES", CT_ALIGN_AUTO, 6, hd_routes, NULL, NULL},
	{"neighbours", "NEIGH", CT_ALIGN_AUTO, 5, hd_neighs, NULL, NULL},
	{"findings_fail", "FAIL", CT_ALIGN_AUTO, 3, hd_fail, NULL, NULL},
	{"findings_warn", "WARN", CT_ALIGN_AUTO, 3, hd_warn, NULL, NULL},
	{"findings_info", "INFO", CT_ALIGN_AUTO, 3, hd_info, NULL, NULL},
	{"model_age_ms", "AGE_MS", CT_ALIGN_AUTO, 6, hd_age, NULL, NULL},
	{"resyncs", "RESYNCS", CT_ALIGN_AUTO, 3, hd_resyncs, NULL, NULL},
	{"stale", "STALE", CT_ALIGN_AUTO, 3, hd_stale, hd_stale_hl, NULL},
	{"note", NULL, CT_ALIGN_AUTO, 0, hd_note, NULL, NULL},
	{"tick", NULL, CT_ALIGN_AUTO, 0, hd_tick, NULL, NULL},
	{"at", NULL, CT_ALIGN_AUTO, 0, hd_at, NULL, NULL},
};

static size_t one_count(const void *ctx) { (void)ctx; return 1; }
static const void *one_row(const void *ctx, size_t i) { (void)i; return ctx; }

const struct ct_view ct_view_top_header = {"header", "node", true, CT_VIEW_COLS(header_cols),
					    one_count, one_row};

/* ================================================================ workloads */

#define WL() ROW(struct ct_top_wl, x); const struct ct_link *l = x->w->link; (void)ctx_; (void)l
CELL(wl_name) { WL(); ct_cell_str(c, l->name); }
CELL(wl_pod) { WL(); ct_cell_str(c, x->pod[0] ? x->pod : NULL); }
CELL(wl_netns) { WL(); ct_cell_str(c, x->w->peer_netns); }
CELL(wl_state)
{
	WL();
	ct_cell_str(c, (l->flags & 1) ? ct_name_of(ct_oper_states, l->oper, c->buf, sizeof(c->buf)) : "down");
}
COLOR(wl_state_hl) { WL(); return ct_rule_link_up(l) ? CT_HL_OK : CT_HL_FAIL; }
CELL(wl_mtu) { WL(); ct_cell_int(c, l->mtu, true); }
CELL(wl_mac) { WL(); ct_cell_str(c, l->mac_len ? ct_mac_fmt(l->mac, l->mac_len, c->buf, sizeof(c->buf)) : NULL); }
COLOR(wl_mac_hl) { WL(); return ct_rule_mac_ok(l) ? CT_HL_NONE : CT_HL_WARN; }
CELL(wl_ips)
{
	WL();
	size_t n = 0;
	for (int i = 0; i < x->w->n_ips && n < CT_CELL_VMAX; i++, n++)
		c->vv[n] = ct_ip_fmt(&x->w->ips[i], c->vbuf[n], sizeof(c->vbuf[n]));
	ct_cell_strv(c, c->vv, n);
}
CELL(wl_from_pps) { WL(); rate_cell(c, x->r.known, x->r.rx_pps); }
CELL(wl_from_bps) { WL(); rate_cell(c, x->r.known, x->r.rx_bps); }
CELL(wl_to_pps) { WL(); rate_cell(c, x->r.known, x->r.tx_pps); }
CELL(wl_to_bps) { WL(); rate_cell(c, x->r.known, x->r.tx_bps); }
CELL(wl_drops)
{
	WL();
	ct_cell_int(c, (int64_t)(x->total.rx_dropped + x->total.tx_dropped), x->have_ctr);
}
COLOR(wl_drops_hl) { WL(); return x->r.known && x->r.dropped ? CT_HL_WARN : CT_HL_NONE; }
CELL(wl_errors) { WL(); ct_cell_int(c, (int64_t)(x->total.rx_errors + x->total.tx_errors), x->have_ctr); }
CELL(wl_pol) { WL(); ct_cell_int(c, (int64_t)x->pol_dropped, x->pol_known); }
COLOR(wl_pol_hl) { WL(); return x->pol_known && x->pol_dropped ? CT_HL_WARN : CT_HL_NONE; }

static const struct ct_view_col wl_cols[] = {
	{"name", "INTERFACE", CT_ALIGN_AUTO, 15, wl_name, NULL, NULL},
	{"pod", "POD", CT_ALIGN_AUTO, 20, wl_pod, NULL, NULL},
	{"pod_netns", "NETNS", CT_ALIGN_AUTO, 12, wl_netns, NULL, NULL},
	{"state", "STATE", CT_ALIGN_AUTO, 7, wl_state, wl_state_hl, NULL},
	{"mtu", "MTU", CT_ALIGN_AUTO, 5, wl_mtu, NULL, NULL},
	{"mac", NULL, CT_ALIGN_AUTO, 17, wl_mac, wl_mac_hl, NULL},
	{"ips", "IPS", CT_ALIGN_AUTO, 18, wl_ips, NULL, NULL},
	{"from_pod_pps", "FROM_PPS", CT_ALIGN_AUTO, 8, wl_from_pps, NULL, NULL},
	{"from_pod_bps", "FROM_BPS", CT_ALIGN_AUTO, 9, wl_from_bps, NULL, NULL},
	{"to_pod_pps", "TO_PPS", CT_ALIGN_AUTO, 8, wl_to_pps, NULL, NULL},
	{"to_pod_bps", "TO_BPS", CT_ALIGN_AUTO, 9, wl_to_bps, NULL, NULL},
	{"dropped", "DROPS", CT_ALIGN_AUTO, 6, wl_drops, wl_drops_hl, NULL},
	{"errors", "ERRS", CT_ALIGN_AUTO, 5, wl_errors, NULL, NULL},
	{"policy_dropped", "POL_DROPS", CT_ALIGN_AUTO, 9, wl_pol, wl_pol_hl, NULL},
};

static size_t wl_count(const void *ctx) { return ((const struct ct_top_frame *)ctx)->nwl; }
static const void *wl_row(const void *ctx, size_t i)
{
	const struct ct_top_frame *fr = ctx;
	const struct ct_top_wl *x = &fr->wl[i];
	return filtered(fr, x->w->link->name, x->pod) ? NULL : x;
}
const struct ct_view ct_view_top_workloads = {"workloads", "workloads", false, CT_VIEW_COLS(wl_cols),
					       wl_count, wl_row};

/* ================================================================ tunnels */

#define TU() ROW(struct ct_top_tun, x); const struct ct_link *l = x->t->link; (void)ctx_; (void)l
CELL(tu_name) { TU(); ct_cell_str(c, l->name); }
CELL(tu_kind) { TU(); ct_cell_str(c, l->kind[0] ? l->kind : NULL); }
CELL(tu_role) { TU(); ct_cell_str(c, ct_tunnel_role_names[x->t->role]); }
CELL(tu_state)
{
	TU();
	ct_cell_str(c, (l->flags & 1) ? ct_name_of(ct_oper_states, l->oper, c->buf, sizeof(c->buf)) : "down");
}
COLOR(tu_state_hl) { TU(); return ct_rule_tunnel_up(l) ? CT_HL_OK : CT_HL_FAIL; }
CELL(tu_mtu) { TU(); ct_cell_int(c, l->mtu, true); }
CELL(tu_rx_pps) { TU(); rate_cell(c, x->r.known, x->r.rx_pps); }
CELL(tu_rx_bps) { TU(); rate_cell(c, x->r.known, x->r.rx_bps); }
CELL(tu_tx_pps) { TU(); rate_cell(c, x->r.known, x->r.tx_pps); }
CELL(tu_tx_bps) { TU(); rate_cell(c, x->r.known, x->r.tx_bps); }
CELL(tu_errors) { TU(); ct_cell_int(c, (int64_t)(x->total.rx_errors + x->total.tx_errors), x->have_ctr); }
COLOR(tu_errors_hl) { TU(); return x->r.known && x->r.errors ? CT_HL_WARN : CT_HL_NONE; }
CELL(tu_drops) { TU(); ct_cell_int(c, (int64_t)(x->total.rx_dropped + x->total.tx_dropped), x->have_ctr); }
CELL(tu_routes) { TU(); ct_cell_int(c, x->t->routes, true); }

static const struct ct_view_col tun_cols[] = {
	{"name", "DEVICE", CT_ALIGN_AUTO, 14, tu_name, NULL, NULL},
	{"kind", "KIND", CT_ALIGN_AUTO, 6, tu_kind, NULL, NULL},
	{"role", "ROLE", CT_ALIGN_AUTO, 6, tu_role, NULL, NULL},
	{"state", "STATE", CT_ALIGN_AUTO, 7, tu_state, tu_state_hl, NULL},
	{"mtu", "MTU", CT_ALIGN_AUTO, 5, tu_mtu, NULL, NULL},
	{"routes", "ROUTES", CT_ALIGN_AUTO, 6, tu_routes, NULL, NULL},
	{"rx_pps", "RX_PPS", CT_ALIGN_AUTO, 8, tu_rx_pps, NULL, NULL},
	{"rx_bps", "RX_BPS", CT_ALIGN_AUTO, 9, tu_rx_bps, NULL, NULL},
	{"tx_pps", "TX_PPS", CT_ALIGN_AUTO, 8, tu_tx_pps, NULL, NULL},
	{"tx_bps", "TX_BPS", CT_ALIGN_AUTO, 9, tu_tx_bps, NULL, NULL},
	{"errors", "ERRS", CT_ALIGN_AUTO, 5, tu_errors, tu_errors_hl, NULL},
	{"dropped", "DROPS", CT_ALIGN_AUTO, 6, tu_drops, NULL, NULL},
};

static size_t tun_count(const void *ctx) { return ((const struct ct_top_frame *)ctx)->ntun; }
static const void *tun_row(const void *ctx, size_t i)
{
	const struct ct_top_frame *fr = ctx;
	return filtered(fr, fr->tun[i].t->link->name, NULL) ? NULL : &fr->tun[i];
}
const struct ct_view ct_view_top_tunnels = {"tunnels", "tunnels", false, CT_VIEW_COLS(tun_cols),
					     tun_count, tun_row};

/* ================================================================ BGP peers */

#define PE() ROW(struct ct_top_peer, x); const struct ct_bgp_peer *p = x->p; (void)ctx_; (void)p
CELL(pe_name) { PE(); ct_cell_str(c, p->name); }
CELL(pe_neighbor) { PE(); ct_cell_str(c, ct_ip_is_set(&p->neighbor) ? ct_ip_fmt(&p->neighbor, c->buf, sizeof(c->buf)) : NULL); }
CELL(pe_state) { PE(); ct_cell_str(c, p->state[0] ? p->state : NULL); }
CELL(pe_bgp_state) { PE(); ct_cell_str(c, p->bgp_state[0] ? p->bgp_state : NULL); }
COLOR(pe_bgp_state_hl)
{
	PE();
	int r = ct_rule_bgp_peer(p);
	return r < 0 ? CT_HL_OK : (enum ct_hl)r;
}
CELL(pe_since) { PE(); ct_cell_str(c, p->since[0] ? p->since : NULL); }
CELL(pe_established) { PE(); ct_cell_bool(c, x->established); }
CELL(pe_imported) { PE(); ct_cell_int(c, p->imported, p->has_routes); }
CELL(pe_exported) { PE(); ct_cell_int(c, p->exported, p->has_routes); }
CELL(pe_cause) { PE(); ct_cell_str(c, x->cause[0] ? x->cause : NULL); }
COLOR(pe_cause_hl) { PE(); return x->cause[0] ? CT_HL_FAIL : CT_HL_NONE; }

static const struct ct_view_col peer_cols[] = {
	{"name", "PEER", CT_ALIGN_AUTO, 20, pe_name, NULL, NULL},
	{"neighbor", "NEIGHBOR", CT_ALIGN_AUTO, 15, pe_neighbor, NULL, NULL},
	{"state", "STATE", CT_ALIGN_AUTO, 5, pe_state, NULL, NULL},
	{"bgp_state", "BGP_STATE", CT_ALIGN_AUTO, 11, pe_bgp_state, pe_bgp_state_hl, NULL},
	{"established", NULL, CT_ALIGN_AUTO, 0, pe_established, NULL, NULL},
	{"since", "SINCE", CT_ALIGN_AUTO, 19, pe_since, NULL, NULL},
	{"imported", "IMP", CT_ALIGN_AUTO, 4, pe_imported, NULL, NULL},
	{"exported", "EXP", CT_ALIGN_AUTO, 4, pe_exported, NULL, NULL},
	{"cause", "CAUSE", CT_ALIGN_AUTO, 30, pe_cause, pe_cause_hl, NULL},
};

static size_t peer_count(const void *ctx) { return ((const struct ct_top_frame *)ctx)->npeers; }
static const void *peer_row(const void *ctx, size_t i)
{
	const struct ct_top_frame *fr = ctx;
	return filtered(fr, fr->peers[i].p->name, NULL) ? NULL : &fr->peers[i];
}
const struct ct_view ct_view_top_peers = {"peers", "BGP peers", false, CT_VIEW_COLS(peer_cols),
					   peer_count, peer_row};

/* ================================================================ neighbour tables */

#define NT() ROW(struct ct_top_ntbl, x); (void)ctx_
CELL(nt_name) { NT(); ct_cell_str(c, x->t->name); }
CELL(nt_entries) { NT(); ct_cell_uint(c, x->t->entries); }
CELL(nt_gc) { NT(); ct_cell_uint(c, x->gc); }
CELL(nt_t2) { NT(); ct_cell_uint(c, x->t->gc_thresh2); }
CELL(nt_t3) { NT(); ct_cell_uint(c, x->t->gc_thresh3); }
CELL(nt_reach) { NT(); ct_cell_uint(c, x->reachable); }
CELL(nt_stale) { NT(); ct_cell_uint(c, x->stale); }
CELL(nt_failed) { NT(); ct_cell_uint(c, x->failed); }
COLOR(nt_failed_hl) { NT(); return x->failed ? CT_HL_WARN : CT_HL_NONE; }
CELL(nt_incomplete) { NT(); ct_cell_uint(c, x->incomplete); }
CELL(nt_perm) { NT(); ct_cell_uint(c, x->permanent); }
CELL(nt_pressure) { NT(); ct_cell_str(c, x->pressure < 0 ? "none" : ct_sev_name((enum ct_sev)x->pressure)); }
COLOR(nt_pressure_hl) { NT(); return x->pressure < 0 ? CT_HL_OK : (enum ct_hl)x->pressure; }

static const struct ct_view_col ntbl_cols[] = {
	{"table", "TABLE", CT_ALIGN_AUTO, 11, nt_name, NULL, NULL},
	{"entries", "ENTRIES", CT_ALIGN_AUTO, 7, nt_entries, NULL, NULL},
	{"collectable", "GC", CT_ALIGN_AUTO, 6, nt_gc, NULL, NULL},
	{"gc_thresh2", "THRESH2", CT_ALIGN_AUTO, 7, nt_t2, NULL, NULL},
	{"gc_thresh3", "THRESH3", CT_ALIGN_AUTO, 7, nt_t3, NULL, NULL},
	{"reachable", "REACH", CT_ALIGN_AUTO, 5, nt_reach, NULL, NULL},
	{"stale", "STALE", CT_ALIGN_AUTO, 5, nt_stale, NULL, NULL},
	{"failed", "FAILED", CT_ALIGN_AUTO, 6, nt_failed, nt_failed_hl, NULL},
	{"incomplete", "INCOMPL", CT_ALIGN_AUTO, 7, nt_incomplete, NULL, NULL},
	{"permanent", "PERM", CT_ALIGN_AUTO, 5, nt_perm, NULL, NULL},
	{"pressure", "PRESSURE", CT_ALIGN_AUTO, 8, nt_pressure, nt_pressure_hl, NULL},
};

static size_t ntbl_count(const void *ctx) { return ((const struct ct_top_frame *)ctx)->nntbl; }
static const void *ntbl_row(const void *ctx, size_t i)
{
	return &((const struct ct_top_frame *)ctx)->ntbl[i];
}
const struct ct_view ct_view_top_neigh = {"neighbours", "neighbour tables", false,
					   CT_VIEW_COLS(ntbl_cols), ntbl_count, ntbl_row};

/* ================================================================ drops */

#define DR() ROW(struct ct_top_drop, x); (void)ctx_
CELL(dr_netns) { DR(); ct_cell_str(c, x->netns); }
CELL(dr_reason) { DR(); ct_cell_str(c, x->reason); }
CELL(dr_counter) { DR(); ct_cell_str(c, x->counter); }
CELL(dr_value) { DR(); ct_cell_int(c, x->value, !x->unknown); }
CELL(dr_rate) { DR(); rate_cell(c, x->rate_known, x->per_s); }
COLOR(dr_rate_hl) { DR(); return x->rate_known && x->per_s > 0 ? CT_HL_WARN : CT_HL_NONE; }

static const struct ct_view_col drop_cols[] = {
	{"netns", "NETNS", CT_ALIGN_AUTO, 8, dr_netns, NULL, NULL},
	{"reason", "REASON", CT_ALIGN_AUTO, 24, dr_reason, NULL, NULL},
	{"counter", "COUNTER", CT_ALIGN_AUTO, 26, dr_counter, NULL, NULL},
	{"value", "TOTAL", CT_ALIGN_AUTO, 8, dr_value, NULL, NULL},
	{"per_s", "PER_S", CT_ALIGN_AUTO, 6, dr_rate, dr_rate_hl, NULL},
};

static size_t drop_count(const void *ctx) { return ((const struct ct_top_frame *)ctx)->ndrops; }
static const void *drop_row(const void *ctx, size_t i)
{
	return &((const struct ct_top_frame *)ctx)->drops[i];
}
const struct ct_view ct_view_top_drops = {"drops", "drops by reason", false, CT_VIEW_COLS(drop_cols),
					   drop_count, drop_row};

/* ================================================================ flows */

#define FL() ROW(struct ct_flow_sum, x); (void)ctx_
CELL(fl_src) { FL(); ct_cell_str(c, ct_ip_fmt(&x->src, c->buf, sizeof(c->buf))); }
CELL(fl_dst) { FL(); ct_cell_str(c, ct_ip_fmt(&x->dst, c->buf, sizeof(c->buf))); }
CELL(fl_proto)
{
	FL();
	const char *n = x->proto == 6 ? "tcp" : x->proto == 17 ? "udp" : x->proto == 1 ? "icmp"
		      : x->proto == 58 ? "icmp6" : NULL;
	if (!n)
		snprintf(c->buf, sizeof(c->buf), "%u", x->proto);
	ct_cell_str(c, n ? n : c->buf);
}
CELL(fl_sport) { FL(); ct_cell_int(c, x->sport, x->proto == 6 || x->proto == 17); }
CELL(fl_dport) { FL(); ct_cell_int(c, x->dport, x->proto == 6 || x->proto == 17); }
CELL(fl_pk0) { FL(); ct_cell_uint(c, x->packets[0]); }
CELL(fl_pk1) { FL(); ct_cell_uint(c, x->packets[1]); }
CELL(fl_by0) { FL(); ct_cell_uint(c, x->bytes[0]); }
CELL(fl_by1) { FL(); ct_cell_uint(c, x->bytes[1]); }
CELL(fl_oneway) { FL(); ct_cell_bool(c, x->one_way); }
COLOR(fl_oneway_hl) { FL(); return x->one_way ? CT_HL_WARN : CT_HL_NONE; }
CELL(fl_note) { FL(); ct_cell_str(c, x->note); }

static const struct ct_view_col flow_cols[] = {
	{"src", "SRC", CT_ALIGN_AUTO, 15, fl_src, NULL, NULL},
	{"dst", "DST", CT_ALIGN_AUTO, 15, fl_dst, NULL, NULL},
	{"proto", "PROTO", CT_ALIGN_AUTO, 5, fl_proto, NULL, NULL},
	{"sport", "SPORT", CT_ALIGN_AUTO, 5, fl_sport, NULL, NULL},
	{"dport", "DPORT", CT_ALIGN_AUTO, 5, fl_dport, NULL, NULL},
	{"packets", "PKTS", CT_ALIGN_AUTO, 7, fl_pk0, NULL, NULL},
	{"reply_packets", "REPLY_PKTS", CT_ALIGN_AUTO, 10, fl_pk1, NULL, NULL},
	{"bytes", NULL, CT_ALIGN_AUTO, 0, fl_by0, NULL, NULL},
	{"reply_bytes", NULL, CT_ALIGN_AUTO, 0, fl_by1, NULL, NULL},
	{"one_way", "ONE_WAY", CT_ALIGN_AUTO, 7, fl_oneway, fl_oneway_hl, NULL},
	{"note", "NOTE", CT_ALIGN_AUTO, 30, fl_note, NULL, NULL},
};

static size_t flow_count(const void *ctx) { return ((const struct ct_top_frame *)ctx)->nflows; }
static const void *flow_row(const void *ctx, size_t i)
{
	return &((const struct ct_top_frame *)ctx)->flows[i];
}
const struct ct_view ct_view_top_flows = {"flows", "flows (encapsulated, top by bytes)", false,
					   CT_VIEW_COLS(flow_cols), flow_count, flow_row};

/* ================================================================ events */

#define EV() ROW(struct ct_top_event, x); (void)ctx_
CELL(ev_at) { EV(); ct_cell_str(c, iso(x->at, c->buf, sizeof(c->buf))); }
CELL(ev_kind) { EV(); ct_cell_str(c, x->kind); }
CELL(ev_text) { EV(); ct_cell_str(c, x->text); }

static const struct ct_view_col ev_cols[] = {
	{"at", "TIME", CT_ALIGN_AUTO, 24, ev_at, NULL, NULL},
	{"kind", "KIND", CT_ALIGN_AUTO, 15, ev_kind, NULL, NULL},
	{"text", "EVENT", CT_ALIGN_AUTO, 40, ev_text, NULL, NULL},
};

static size_t ev_count(const void *ctx) { return ((const struct ct_top_frame *)ctx)->nevents; }
static const void *ev_row(const void *ctx, size_t i)
{
	const struct ct_top_frame *fr = ctx;
	const struct ct_top_event *e = &fr->events[fr->nevents - 1 - i];
	return filtered(fr, e->text, e->kind) ? NULL : e;
}
const struct ct_view ct_view_top_events = {"events", "events", false, CT_VIEW_COLS(ev_cols),
					    ev_count, ev_row};

const struct ct_view *const ct_views_top_panes[] = {
	&ct_view_top_header, &ct_view_top_workloads, &ct_view_top_tunnels, &ct_view_top_peers,
	&ct_view_top_neigh,  &ct_view_top_drops,     &ct_view_top_flows,   &ct_view_top_events,
	NULL,
};

void ct_views_top(struct ct_out *o, const struct ct_top_frame *fr)
{
	ct_out_begin(o, "top", fr->h.node, fr->h.source, fr->h.netns, false);
	if (fr->stats_note[0])
		ct_out_top_str(o, "stats_note", "counters note", fr->stats_note, CT_HL_NONE);
	if (fr->nstat_note[0])
		ct_out_top_str(o, "drops_note", "drops note", fr->nstat_note, CT_HL_NONE);
	if (fr->pol_note[0])
		ct_out_top_str(o, "policy_note", "policy note", fr->pol_note, CT_HL_NONE);
	if (fr->flows_on && fr->flows_note[0])
		ct_out_top_str(o, "flows_note", "flows note", fr->flows_note, CT_HL_NONE);
	for (size_t i = 0; ct_views_top_panes[i]; i++) {
		/* the flows pane exists with --flows only */
		if (ct_views_top_panes[i] == &ct_view_top_flows && !fr->flows_on)
			continue;
		ct_view_write(o, ct_views_top_panes[i], fr);
	}
	ct_out_end(o, fr->findings);
}

void ct_top_json_compact(char *buf, size_t *len)
{
	size_t w = 0;
	bool in = false, esc = false;
	for (size_t r = 0; r < *len; r++) {
		char ch = buf[r];
		if (in) {
			buf[w++] = ch;
			if (esc)
				esc = false;
			else if (ch == '\\')
				esc = true;
			else if (ch == '"')
				in = false;
			continue;
		}
		if (ch == ' ' || ch == '\n' || ch == '\t' || ch == '\r')
			continue;
		if (ch == '"')
			in = true;
		buf[w++] = ch;
	}
	*len = w;
}
