/* SPDX-License-Identifier: MIT */
/* Views of links, routes, tunnel devices, VTEPs and neighbours. */
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "model/names.h"
#include "model/policy.h"
#include "render/views.h"

#define ROW(type, name) const type *name = row_
#define CTX(type, name) const type *name = ctx_
#define CELL(fn) static void fn(const void *row_, const void *ctx_, struct ct_cell *c)
#define COLOR(fn) static enum ct_hl fn(const void *row_, const void *ctx_)

void ct_view_stats(struct ct_out *o, const char *key, const struct ct_stats *s)
{
	ct_rec_obj_begin(o, key);
	ct_rec_uint(o, NULL, "rx_packets", s->rx_packets);
	ct_rec_uint(o, NULL, "tx_packets", s->tx_packets);
	ct_rec_uint(o, NULL, "rx_bytes", s->rx_bytes);
	ct_rec_uint(o, NULL, "tx_bytes", s->tx_bytes);
	ct_rec_uint(o, NULL, "rx_errors", s->rx_errors);
	ct_rec_uint(o, NULL, "tx_errors", s->tx_errors);
	ct_rec_uint(o, NULL, "rx_dropped", s->rx_dropped);
	ct_rec_uint(o, NULL, "tx_dropped", s->tx_dropped);
	ct_rec_obj_end(o);
}

static const char *mac_or_null(const uint8_t *mac, size_t len, struct ct_cell *c)
{
	return len ? ct_mac_fmt(mac, len, c->buf, sizeof(c->buf)) : NULL;
}

static const char *ip_or_null(const struct ct_ip *ip, struct ct_cell *c)
{
	return ct_ip_is_set(ip) ? ct_ip_fmt(ip, c->buf, sizeof(c->buf)) : NULL;
}

/* 1 must be 1: anything else known is a failure (forwarding_off, proxy_arp_off) */
static enum ct_hl hl_sysctl(int v)
{
	return ct_rule_sysctl_bad(v) ? CT_HL_FAIL : CT_HL_NONE;
}

/* ================================================================ links */

#define WL() ROW(struct ct_workload, w); const struct ct_link *l = w->link; (void)ctx_
CELL(wl_name) { WL(); ct_cell_str(c, l->name); }
CELL(wl_ifindex) { WL(); ct_cell_int(c, l->ifindex, true); }
CELL(wl_kind) { WL(); ct_cell_str(c, l->kind[0] ? l->kind : NULL); }
CELL(wl_state)
{
	WL();
	ct_cell_str(c, (l->flags & 1) ? ct_name_of(ct_oper_states, l->oper, c->buf, sizeof(c->buf)) : "down");
}
COLOR(wl_state_hl) { WL(); return ct_rule_link_up(l) ? CT_HL_OK : CT_HL_FAIL; }
CELL(wl_admin_up) { WL(); ct_cell_bool(c, (l->flags & 1) != 0); }
CELL(wl_mtu) { WL(); ct_cell_int(c, l->mtu, true); }
CELL(wl_mac) { WL(); ct_cell_str(c, mac_or_null(l->mac, l->mac_len, c)); }
COLOR(wl_mac_hl) { WL(); return ct_rule_mac_ok(l) ? CT_HL_NONE : CT_HL_WARN; }
CELL(wl_mac_ok) { WL(); ct_cell_bool(c, ct_rule_mac_ok(l)); }
CELL(wl_pod_ips)
{
	WL();
	(void)l;
	for (int k = 0; k < w->n_ips && k < CT_CELL_VMAX; k++)
		c->vv[k] = ct_ip_fmt(&w->ips[k], c->vbuf[k], sizeof(c->vbuf[k]));
	ct_cell_strv(c, c->vv, (size_t)w->n_ips);
}
CELL(wl_pod)
{
	WL();
	(void)l;
	if (w->pod)
		snprintf(c->buf, sizeof(c->buf), "%s/%s", w->pod->ns, w->pod->name);
	ct_cell_str(c, w->pod ? c->buf : NULL);
}
CELL(wl_peer_netns) { WL(); (void)l; ct_cell_str(c, w->peer_netns); }
CELL(wl_peer_ifindex) { WL(); ct_cell_int(c, l->link, l->link > 0); }
CELL(wl_fwd) { WL(); ct_cell_int(c, l->forwarding, l->forwarding >= 0); }
COLOR(wl_fwd_hl) { WL(); return hl_sysctl(l->forwarding); }
CELL(wl_parp) { WL(); ct_cell_int(c, l->eff_proxy_arp, l->eff_proxy_arp >= 0); }
COLOR(wl_parp_hl) { WL(); return hl_sysctl(l->eff_proxy_arp); }
CELL(wl_parp_dev) { WL(); ct_cell_int(c, l->proxy_arp, l->proxy_arp >= 0); }
CELL(wl_rpf) { WL(); ct_cell_int(c, l->eff_rp_filter, l->eff_rp_filter >= 0); }
CELL(wl_rpf_dev) { WL(); ct_cell_int(c, l->rp_filter, l->rp_filter >= 0); }
CELL(wl_proxy_delay) { WL(); ct_cell_int(c, l->proxy_delay, l->proxy_delay >= 0); }
CELL(wl_route_localnet) { WL(); ct_cell_int(c, l->route_localnet, l->route_localnet >= 0); }
CELL(wl_rx) { WL(); ct_cell_uint(c, l->stats.rx_packets); }
CELL(wl_tx) { WL(); ct_cell_uint(c, l->stats.tx_packets); }
static void wl_stats(struct ct_out *o, const char *key, const void *row_, const void *ctx_)
{
	WL();
	ct_view_stats(o, key, &l->stats);
}

/* Felix's policy for the row: "?" without CAP_NET_ADMIN, "bpf" with the eBPF dataplane, null
 * when no rules were read, "none" when it has no chains, else the chains present, policies
 * applied and packets dropped so far. */
static const struct ct_wl_policy *wl_policy(const void *row_, const void *ctx_)
{
	ROW(struct ct_workload, w);
	CTX(struct ct_links_result, r);
	if (!r->policy || r->policy->no_cap || r->policy->bpf || !ct_policy_any_read(r->policy))
		return NULL;
	return ct_policy_of(r->policy, w->link->name);
}
CELL(wl_policy_cell)
{
	CTX(struct ct_links_result, r);
	const struct ct_wl_policy *p = wl_policy(row_, ctx_);
	if (r->policy && r->policy->no_cap)
		return ct_cell_str(c, "?");
	if (r->policy && r->policy->bpf)
		return ct_cell_str(c, "bpf");
	if (!p)
		return ct_cell_str(c, NULL);
	if (p->backend < 0)
		return ct_cell_str(c, "none");
	snprintf(c->buf, sizeof(c->buf), "%s%s%s pol=%u drop=%llu", p->from.present ? "fw" : "",
		 p->from.present && p->to.present ? "," : "", p->to.present ? "tw" : "",
		 p->from.policies + p->to.policies, (unsigned long long)p->dropped);
	ct_cell_str(c, c->buf);
}
COLOR(wl_policy_hl)
{
	const struct ct_wl_policy *p = wl_policy(row_, ctx_);
	CTX(struct ct_links_result, r);
	return p && p->backend < 0 && r->policy->dispatch ? CT_HL_FAIL : CT_HL_NONE;
}
static void pol_dir(struct ct_out *o, const char *key, const struct ct_pol_dir *d)
{
	ct_rec_obj_begin(o, key);
	ct_rec_bool(o, NULL, "present", d->present, CT_HL_NONE);
	ct_rec_bool(o, NULL, "dispatched", d->dispatched, CT_HL_NONE);
	ct_rec_str(o, NULL, "via", d->via[0] ? d->via : NULL, CT_HL_NONE);
	ct_rec_bool(o, NULL, "unknown_interface", d->unknown, CT_HL_NONE);
	ct_rec_uint(o, NULL, "policies", d->policies);
	ct_rec_uint(o, NULL, "profiles", d->profiles);
	ct_rec_obj_end(o);
}
static void wl_policy_json(struct ct_out *o, const char *key, const void *row_, const void *ctx_)
{
	const struct ct_wl_policy *p = wl_policy(row_, ctx_);
	if (!p) {
		ct_rec_str(o, NULL, key, NULL, CT_HL_NONE);
		return;
	}
	ct_rec_obj_begin(o, key);
	ct_rec_str(o, NULL, "backend", p->backend >= 0 ? ct_pol_backend_names[p->backend] : NULL,
		   CT_HL_NONE);
	pol_dir(o, "from_workload", &p->from);
	pol_dir(o, "to_workload", &p->to);
	ct_rec_arr_begin(o, "chains");
	for (size_t i = 0; i < p->nchains; i++) {
		ct_rec_obj_begin(o, NULL);
		ct_rec_str(o, NULL, "name", p->chains[i], CT_HL_NONE);
		ct_rec_str(o, NULL, "kind",
			   !strncmp(p->chains[i], "cali-pi-", 8) || !strncmp(p->chains[i], "cali-po-", 8)
				   ? "policy"
				   : "profile",
			   CT_HL_NONE);
		ct_rec_obj_end(o);
	}
	ct_rec_arr_end(o);
	ct_rec_arr_begin(o, "drops");
	for (size_t i = 0; i < p->ndrops; i++) {
		const struct ct_pol_drop *d = &p->drops[i];
		ct_rec_obj_begin(o, NULL);
		ct_rec_str(o, NULL, "chain", d->chain, CT_HL_NONE);
		ct_rec_uint(o, NULL, "rule", d->rule);
		ct_rec_str(o, NULL, "target", d->target, CT_HL_NONE);
		ct_rec_str(o, NULL, "kind", ct_pol_drop_kind_names[d->kind], CT_HL_NONE);
		ct_rec_str(o, NULL, "comment", d->comment[0] ? d->comment : NULL, CT_HL_NONE);
		ct_rec_uint(o, NULL, "packets", d->pkts);
		ct_rec_uint(o, NULL, "bytes", d->bytes);
		ct_rec_obj_end(o);
	}
	ct_rec_arr_end(o);
	ct_rec_uint(o, NULL, "dropped_packets", p->dropped);
	ct_rec_obj_end(o);
}

static const struct ct_view_col links_cols[] = {
	{"name", "IFACE", 0, 15, wl_name, NULL, NULL},
	{"ifindex", NULL, 0, 0, wl_ifindex, NULL, NULL},
	{"kind", NULL, 0, 0, wl_kind, NULL, NULL},
	{"state", "STATE", 0, 7, wl_state, wl_state_hl, NULL},
	{"admin_up", NULL, 0, 0, wl_admin_up, NULL, NULL},
	{"mtu", "MTU", 0, 5, wl_mtu, NULL, NULL},
	{"mac", "MAC", 0, 17, wl_mac, wl_mac_hl, NULL},
	{"mac_ok", NULL, 0, 0, wl_mac_ok, NULL, NULL},
	{"pod_ips", "POD IPS", 0, 15, wl_pod_ips, NULL, NULL},
	{"pod", "POD", 0, 24, wl_pod, NULL, NULL},
	{"peer_netns", "PEER NETNS", 0, 16, wl_peer_netns, NULL, NULL},
	{"peer_ifindex", NULL, 0, 0, wl_peer_ifindex, NULL, NULL},
	{"forwarding", "FWD", 0, 3, wl_fwd, wl_fwd_hl, NULL},
	{"proxy_arp", "PARP", 0, 4, wl_parp, wl_parp_hl, NULL},
	{"proxy_arp_dev", NULL, 0, 0, wl_parp_dev, NULL, NULL},
	{"rp_filter", "RPF", 0, 3, wl_rpf, NULL, NULL},
	{"rp_filter_dev", NULL, 0, 0, wl_rpf_dev, NULL, NULL},
	{"proxy_delay", NULL, 0, 0, wl_proxy_delay, NULL, NULL},
	{"route_localnet", NULL, 0, 0, wl_route_localnet, NULL, NULL},
	{NULL, "RX PKTS", 0, 9, wl_rx, NULL, NULL},
	{NULL, "TX PKTS", 0, 9, wl_tx, NULL, NULL},
	{NULL, "POLICY", 0, 22, wl_policy_cell, wl_policy_hl, NULL},
	{"stats", NULL, 0, 0, NULL, NULL, wl_stats},
	{"policy", NULL, 0, 0, NULL, NULL, wl_policy_json},
};

static size_t links_count(const void *ctx_)
{
	CTX(struct ct_links_result, r);
	return r->nw;
}

static const void *links_row(const void *ctx_, size_t i)
{
	CTX(struct ct_links_result, r);
	return &r->w[i];
}

const struct ct_view ct_view_links = {"items", "workload interfaces", false, CT_VIEW_COLS(links_cols),
				      links_count, links_row};

void ct_views_links(struct ct_out *o, const struct ct_links_result *r)
{
	ct_view_write(o, &ct_view_links, r);
}

/* ================================================================ routes */

static void flags_of(uint32_t fl, const char **v, size_t *n)
{
	*n = 0;
	if (fl & RTNH_F_ONLINK)
		v[(*n)++] = "onlink";
	if (fl & RTNH_F_DEAD)
		v[(*n)++] = "dead";
	if (fl & RTNH_F_LINKDOWN)
		v[(*n)++] = "linkdown";
	if (fl & RTNH_F_PERVASIVE)
		v[(*n)++] = "pervasive";
}

static const char *dev_name(const struct ct_netns *ns, int ifindex, char *buf, size_t len)
{
	const struct ct_link *l = ct_link_by_ifindex(ns, ifindex);
	if (l)
		return l->name;
	if (!ifindex)
		return NULL;
	snprintf(buf, len, "if%d", ifindex);
	return buf;
}

#define RT() ROW(struct ct_route, x); CTX(struct ct_routes_result, r); (void)r
CELL(rt_dst)
{
	RT();
	ct_prefix_fmt(&x->dst, c->buf, sizeof(c->buf));
	if (!c->buf[0]) /* a route without a destination attribute is the default */
		snprintf(c->buf, sizeof(c->buf), "default");
	ct_cell_str(c, c->buf);
}
CELL(rt_family) { RT(); ct_cell_str(c, ct_name_of(ct_families, x->dst.ip.family, c->buf, sizeof(c->buf))); }
CELL(rt_table) { RT(); ct_cell_str(c, ct_name_of(ct_rt_tables, (int)x->table, c->buf, sizeof(c->buf))); }
CELL(rt_class) { RT(); ct_cell_str(c, ct_route_class_names[r->cls[x - r->ns->routes.v]]); }
COLOR(rt_class_hl)
{
	RT();
	return r->cls[x - r->ns->routes.v] == CT_RC_BLACKHOLE ? CT_HL_DIM : CT_HL_NONE;
}
CELL(rt_owner) { RT(); ct_cell_str(c, ct_route_owner(x->protocol, c->buf, sizeof(c->buf))); }
CELL(rt_protocol) { RT(); ct_cell_str(c, ct_name_of(ct_rt_protocols, x->protocol, c->buf, sizeof(c->buf))); }
CELL(rt_type) { RT(); ct_cell_str(c, ct_name_of(ct_rt_types, x->type, c->buf, sizeof(c->buf))); }
CELL(rt_scope) { RT(); ct_cell_str(c, ct_name_of(ct_rt_scopes, x->scope, c->buf, sizeof(c->buf))); }

/* text: every next hop's gateway (devs false) or device in one cell */
static void rt_joined(const struct ct_netns *ns, const struct ct_route *x, bool devs, struct ct_cell *c)
{
	const struct ct_nexthop *nh;
	struct ct_nexthop tmp;
	size_t k = ct_route_nexthops(x, &nh, &tmp);
	char gws[256] = "", dvs[256] = "", g[64], dv[32];
	size_t og = 0, od = 0;
	for (size_t j = 0; j < k && og < sizeof(gws) - 1 && od < sizeof(dvs) - 1; j++) {
		og += (size_t)snprintf(gws + og, sizeof(gws) - og, "%s%s", j ? "," : "",
				       ct_ip_fmt(&nh[j].gw, g, sizeof(g)));
		od += (size_t)snprintf(dvs + od, sizeof(dvs) - od, "%s%s", j ? "," : "",
				       dev_name(ns, nh[j].oif, dv, sizeof(dv)) ?: "-");
	}
	snprintf(c->buf, sizeof(c->buf), "%s", devs ? dvs : gws);
	ct_cell_str(c, c->buf);
}
CELL(rt_gw_text)
{
	RT();
	if (x->nh_count > 1)
		rt_joined(r->ns, x, false, c);
	else
		ct_cell_str(c, ip_or_null(&x->gw, c));
}
CELL(rt_gw_json) { RT(); ct_cell_str(c, x->nh_count > 1 ? NULL : ip_or_null(&x->gw, c)); }
CELL(rt_dev_text)
{
	RT();
	if (x->nh_count > 1)
		rt_joined(r->ns, x, true, c);
	else
		ct_cell_str(c, dev_name(r->ns, x->oif, c->buf, sizeof(c->buf)));
}
COLOR(rt_dev_hl)
{
	RT();
	return x->nh_count <= 1 && x->oif && !ct_link_by_ifindex(r->ns, x->oif) ? CT_HL_FAIL : CT_HL_NONE;
}
CELL(rt_dev_json) { RT(); ct_cell_str(c, x->nh_count > 1 ? NULL : dev_name(r->ns, x->oif, c->buf, sizeof(c->buf))); }
CELL(rt_metric) { RT(); ct_cell_int(c, x->priority, x->priority != 0); }
CELL(rt_prefsrc) { RT(); ct_cell_str(c, ip_or_null(&x->src, c)); }
CELL(rt_flags)
{
	RT();
	size_t n;
	flags_of(x->flags, c->vv, &n);
	ct_cell_strv(c, c->vv, n);
}
static void rt_nexthops(struct ct_out *o, const char *key, const void *row_, const void *ctx_)
{
	RT();
	if (x->nh_count <= 1)
		return;
	const struct ct_nexthop *nh;
	struct ct_nexthop tmp;
	size_t k = ct_route_nexthops(x, &nh, &tmp);
	char g[64], dv[32];
	const char *fl[8];
	size_t nfl;
	ct_rec_arr_begin(o, key);
	for (size_t j = 0; j < k; j++) {
		ct_rec_obj_begin(o, NULL);
		ct_rec_str(o, NULL, "gateway", ct_ip_is_set(&nh[j].gw) ? ct_ip_fmt(&nh[j].gw, g, sizeof(g)) : NULL,
			   CT_HL_NONE);
		ct_rec_str(o, NULL, "dev", dev_name(r->ns, nh[j].oif, dv, sizeof(dv)), CT_HL_NONE);
		ct_rec_int(o, NULL, "weight", nh[j].weight, true, CT_HL_NONE);
		flags_of(nh[j].flags, fl, &nfl);
		ct_rec_strv(o, NULL, "flags", fl, nfl);
		ct_rec_obj_end(o);
	}
	ct_rec_arr_end(o);
}

static const struct ct_view_col routes_cols[] = {
	{"dst", "DST", 0, 18, rt_dst, NULL, NULL},
	{"family", NULL, 0, 0, rt_family, NULL, NULL},
	{"table", "TABLE", 0, 5, rt_table, NULL, NULL},
	{"class", "CLASS", 0, 9, rt_class, rt_class_hl, NULL},
	{"owner", "OWNER", 0, 6, rt_owner, NULL, NULL},
	{"protocol", NULL, 0, 0, rt_protocol, NULL, NULL},
	{"type", "TYPE", 0, 9, rt_type, NULL, NULL},
	{"scope", NULL, 0, 0, rt_scope, NULL, NULL},
	{NULL, "GATEWAY", 0, 15, rt_gw_text, NULL, NULL},
	{"gateway", NULL, 0, 0, rt_gw_json, NULL, NULL},
	{NULL, "DEV", 0, 15, rt_dev_text, rt_dev_hl, NULL},
	{"dev", NULL, 0, 0, rt_dev_json, NULL, NULL},
	{"metric", "METRIC", 0, 6, rt_metric, NULL, NULL},
	{"prefsrc", NULL, 0, 0, rt_prefsrc, NULL, NULL},
	{"flags", "FLAGS", 0, 8, rt_flags, NULL, NULL},
	{"nexthops", NULL, 0, 0, NULL, NULL, rt_nexthops},
};

static size_t routes_count(const void *ctx_)
{
	CTX(struct ct_routes_result, r);
	return r->ns->routes.n;
}

static const void *routes_row(const void *ctx_, size_t i)
{
	CTX(struct ct_routes_result, r);
	return ct_routes_result_shows(r, i) ? &r->ns->routes.v[i] : NULL;
}

const struct ct_view ct_view_routes = {"items", "routes", false, CT_VIEW_COLS(routes_cols), routes_count,
				       routes_row};

void ct_views_routes(struct ct_out *o, const struct ct_routes_result *r)
{
	ct_view_write(o, &ct_view_routes, r);
}

/* ================================================================ tunnel devices */

#define TU()                                                                                        \
	ROW(struct ct_tunnel, x);                                                                   \
	CTX(struct ct_tunnel_result, r);                                                            \
	const struct ct_link *l = x->link;                                                          \
	bool vx = !strcmp(l->kind, "vxlan");                                                        \
	bool iptun = !strcmp(l->kind, "ipip") || !strcmp(l->kind, "sit");                           \
	(void)r, (void)vx, (void)iptun
CELL(tu_name) { TU(); ct_cell_str(c, l->name); }
CELL(tu_ifindex) { TU(); ct_cell_int(c, l->ifindex, true); }
CELL(tu_kind) { TU(); ct_cell_str(c, l->kind[0] ? l->kind : NULL); }
CELL(tu_role) { TU(); ct_cell_str(c, ct_tunnel_role_names[x->role]); }
CELL(tu_state)
{
	TU();
	ct_cell_str(c, (l->flags & 1) ? ct_name_of(ct_oper_states, l->oper, c->buf, sizeof(c->buf)) : "down");
}
/* tunnel_down when routes use it */
COLOR(tu_state_hl) { TU(); return ct_rule_tunnel_up(l) ? CT_HL_OK : x->routes ? CT_HL_FAIL : CT_HL_DIM; }
CELL(tu_admin_up) { TU(); ct_cell_bool(c, (l->flags & 1) != 0); }
CELL(tu_mtu) { TU(); ct_cell_int(c, l->mtu, true); }
COLOR(tu_mtu_hl) { TU(); return ct_rule_tunnel_mtu_bad(x) ? CT_HL_WARN : CT_HL_NONE; }
CELL(tu_underlay_mtu) { TU(); ct_cell_int(c, x->underlay_mtu, x->underlay_mtu > 0); }
CELL(tu_overhead) { TU(); ct_cell_int(c, x->overhead, true); }
CELL(tu_addresses)
{
	TU();
	const struct ct_netns *ns = r->ns;
	size_t na = 0;
	for (size_t k = 0; k < ns->addrs.n && na < 8; k++)
		if (ns->addrs.v[k].ifindex == l->ifindex &&
		    !(ns->addrs.v[k].pfx.ip.family == AF_INET6 && ns->addrs.v[k].scope == 253)) {
			c->vv[na] = ct_prefix_fmt(&ns->addrs.v[k].pfx, c->vbuf[na], sizeof(c->vbuf[na]));
			na++;
		}
	ct_cell_strv(c, c->vv, na);
}
CELL(tu_mac) { TU(); ct_cell_str(c, mac_or_null(l->mac, l->mac_len, c)); }
CELL(tu_local)
{
	TU();
	const struct ct_ip *loc = vx ? &l->u.vxlan.local : iptun ? &l->u.iptun.local : NULL;
	ct_cell_str(c, loc && !ct_ip_is_any(loc) ? ct_ip_fmt(loc, c->buf, sizeof(c->buf)) : (iptun ? "any" : NULL));
}
CELL(tu_remote)
{
	TU();
	ct_cell_str(c, iptun ? (!ct_ip_is_any(&l->u.iptun.remote) ? ct_ip_fmt(&l->u.iptun.remote, c->buf, sizeof(c->buf))
								    : "any")
			     : NULL);
}
CELL(tu_ttl) { TU(); ct_cell_int(c, iptun ? l->u.iptun.ttl : vx ? l->u.vxlan.ttl : 0, iptun || vx); }
CELL(tu_pmtudisc) { TU(); ct_cell_bool(c, iptun ? l->u.iptun.pmtudisc : -1); }
CELL(tu_vni) { TU(); ct_cell_int(c, vx ? l->u.vxlan.vni : 0, vx); }
CELL(tu_port) { TU(); ct_cell_int(c, vx ? l->u.vxlan.port : 0, vx); }
CELL(tu_parent)
{
	TU();
	const struct ct_link *par = vx ? ct_link_by_ifindex(r->ns, l->u.vxlan.parent_ifindex) : NULL;
	ct_cell_str(c, par ? par->name : NULL);
}
CELL(tu_learning) { TU(); ct_cell_bool(c, vx ? l->u.vxlan.learning : -1); }
CELL(tu_routes) { TU(); ct_cell_int(c, x->routes, true); }
CELL(tu_fallback) { TU(); ct_cell_bool(c, x->fallback); }
CELL(tu_rx_err) { TU(); ct_cell_int(c, (int64_t)l->stats.rx_errors, true); }
COLOR(tu_rx_err_hl) { TU(); return l->stats.rx_errors ? CT_HL_WARN : CT_HL_NONE; }
CELL(tu_tx_err) { TU(); ct_cell_int(c, (int64_t)l->stats.tx_errors, true); }
COLOR(tu_tx_err_hl) { TU(); return l->stats.tx_errors ? CT_HL_WARN : CT_HL_NONE; }
static void tu_stats(struct ct_out *o, const char *key, const void *row_, const void *ctx_)
{
	TU();
	ct_view_stats(o, key, &l->stats);
}
static void tu_vteps(struct ct_out *o, const char *key, const void *row_, const void *ctx_)
{
	TU();
	char b[64], ip[64], mac[32];
	ct_rec_arr_begin(o, key);
	for (size_t k = 0; k < x->n_vteps; k++) {
		const struct ct_vtep *v = &x->vteps[k];
		ct_rec_obj_begin(o, NULL);
		ct_rec_str(o, NULL, "ip", v->has_neigh ? ct_ip_fmt(&v->ip, ip, sizeof(ip)) : NULL, CT_HL_NONE);
		ct_rec_str(o, NULL, "mac", ct_mac_fmt(v->mac, 6, mac, sizeof(mac)), CT_HL_NONE);
		ct_rec_str(o, NULL, "neigh_state", v->has_neigh ? ct_nud_name(v->neigh_state, b, sizeof(b)) : NULL,
			   CT_HL_NONE);
		ct_rec_str(o, NULL, "fdb_dst",
			   v->has_fdb && ct_ip_is_set(&v->fdb_dst) ? ct_ip_fmt(&v->fdb_dst, ip, sizeof(ip)) : NULL,
			   CT_HL_NONE);
		ct_rec_bool(o, NULL, "agree", v->has_neigh && v->has_fdb, CT_HL_NONE);
		ct_rec_obj_end(o);
	}
	ct_rec_arr_end(o);
}

static const struct ct_view_col tunnel_cols[] = {
	{"name", "DEVICE", 0, 12, tu_name, NULL, NULL},
	{"ifindex", NULL, 0, 0, tu_ifindex, NULL, NULL},
	{"kind", "KIND", 0, 9, tu_kind, NULL, NULL},
	{"role", "ROLE", 0, 9, tu_role, NULL, NULL},
	{"state", "STATE", 0, 7, tu_state, tu_state_hl, NULL},
	{"admin_up", NULL, 0, 0, tu_admin_up, NULL, NULL},
	{"mtu", "MTU", 0, 5, tu_mtu, tu_mtu_hl, NULL},
	{"underlay_mtu", NULL, 0, 0, tu_underlay_mtu, NULL, NULL},
	{"overhead", NULL, 0, 0, tu_overhead, NULL, NULL},
	{"addresses", "ADDRESS", 0, 18, tu_addresses, NULL, NULL},
	{"mac", NULL, 0, 0, tu_mac, NULL, NULL},
	{"local", "LOCAL", 0, 15, tu_local, NULL, NULL},
	{"remote", NULL, 0, 0, tu_remote, NULL, NULL},
	{"ttl", NULL, 0, 0, tu_ttl, NULL, NULL},
	{"pmtudisc", NULL, 0, 0, tu_pmtudisc, NULL, NULL},
	{"vni", "VNI", 0, 5, tu_vni, NULL, NULL},
	{"port", "PORT", 0, 5, tu_port, NULL, NULL},
	{"parent", NULL, 0, 0, tu_parent, NULL, NULL},
	{"learning", NULL, 0, 0, tu_learning, NULL, NULL},
	{"routes", "ROUTES", 0, 6, tu_routes, NULL, NULL},
	{"fallback", NULL, 0, 0, tu_fallback, NULL, NULL},
	{NULL, "RX ERR", 0, 6, tu_rx_err, tu_rx_err_hl, NULL},
	{NULL, "TX ERR", 0, 6, tu_tx_err, tu_tx_err_hl, NULL},
	{"stats", NULL, 0, 0, NULL, NULL, tu_stats},
	{"vteps", NULL, 0, 0, NULL, NULL, tu_vteps},
};

static size_t tunnels_count(const void *ctx_)
{
	CTX(struct ct_tunnel_result, r);
	return r->t.n;
}

static const void *tunnels_row(const void *ctx_, size_t i)
{
	CTX(struct ct_tunnel_result, r);
	return &r->t.v[i];
}

const struct ct_view ct_view_tunnels = {"items", "tunnel devices", false, CT_VIEW_COLS(tunnel_cols),
					tunnels_count, tunnels_row};

/* ================================================================ VTEPs */

static const struct ct_tunnel *vtep_dev(const struct ct_tunnels *t, const struct ct_vtep *v)
{
	for (size_t i = 0; i < t->n; i++)
		if (v >= t->v[i].vteps && v < t->v[i].vteps + t->v[i].n_vteps)
			return &t->v[i];
	return NULL;
}

#define VT() ROW(struct ct_vtep, v); CTX(struct ct_tunnels, t); bool ok = v->has_neigh && v->has_fdb; (void)t, (void)ok
CELL(vt_dev)
{
	VT();
	const struct ct_tunnel *d = vtep_dev(t, v);
	ct_cell_str(c, d ? d->link->name : NULL);
}
CELL(vt_ip) { VT(); ct_cell_str(c, v->has_neigh ? ct_ip_fmt(&v->ip, c->buf, sizeof(c->buf)) : NULL); }
CELL(vt_mac) { VT(); ct_cell_str(c, ct_mac_fmt(v->mac, 6, c->buf, sizeof(c->buf))); }
CELL(vt_neigh) { VT(); ct_cell_str(c, v->has_neigh ? ct_nud_name(v->neigh_state, c->buf, sizeof(c->buf)) : NULL); }
/* vtep_neigh_missing, vtep_fdb_missing */
COLOR(vt_neigh_hl) { VT(); return v->has_neigh ? CT_HL_NONE : CT_HL_FAIL; }
CELL(vt_fdb)
{
	VT();
	ct_cell_str(c, v->has_fdb && ct_ip_is_set(&v->fdb_dst) ? ct_ip_fmt(&v->fdb_dst, c->buf, sizeof(c->buf)) : NULL);
}
COLOR(vt_fdb_hl) { VT(); return v->has_fdb ? CT_HL_NONE : CT_HL_FAIL; }
CELL(vt_agree_text) { VT(); ct_cell_str(c, ok ? "yes" : "no"); }
COLOR(vt_agree_hl) { VT(); return ok ? CT_HL_OK : CT_HL_FAIL; }
CELL(vt_agree) { VT(); ct_cell_bool(c, ok); }

static const struct ct_view_col vteps_cols[] = {
	{"dev", "DEVICE", 0, 12, vt_dev, NULL, NULL},
	{"ip", "VTEP IP", 0, 15, vt_ip, NULL, NULL},
	{"mac", "MAC", 0, 17, vt_mac, NULL, NULL},
	{"neigh_state", "NEIGH", 0, 9, vt_neigh, vt_neigh_hl, NULL},
	{"fdb_dst", "FDB DST", 0, 15, vt_fdb, vt_fdb_hl, NULL},
	{NULL, "AGREE", 0, 5, vt_agree_text, vt_agree_hl, NULL},
	{"agree", NULL, 0, 0, vt_agree, NULL, NULL},
};

static size_t vteps_count(const void *ctx_)
{
	return ct_tunnels_vtep_count(ctx_);
}

static const void *vteps_row(const void *ctx_, size_t i)
{
	const struct ct_tunnel *dev;
	return ct_tunnels_vtep(ctx_, i, &dev);
}

const struct ct_view ct_view_vteps = {"vteps", "remote VTEPs (permanent neighbour + FDB entry)", false,
				      CT_VIEW_COLS(vteps_cols), vteps_count, vteps_row};

/* the VTEP table, when there are VTEPs */
static void write_vteps(struct ct_out *o, const struct ct_tunnels *t)
{
	if (ct_tunnels_vtep_count(t))
		ct_view_write(o, &ct_view_vteps, t);
}

void ct_views_tunnel(struct ct_out *o, const struct ct_tunnel_result *r)
{
	ct_out_top_str(o, "mode", "encapsulation", r->t.mode,
		       !strcmp(r->t.mode, "mixed") ? CT_HL_WARN : CT_HL_NONE);
	ct_view_write(o, &ct_view_tunnels, r);
	/* VTEP table for people; JSON has it inside each device */
	if (!o->json)
		write_vteps(o, &r->t);
}

/* ================================================================ neighbours */

#define NR() CTX(struct ct_neigh_result, r); (void)r

/* ---- per device */
#define ND() ROW(struct ct_neigh_dev, d); NR()
CELL(nd_dev)
{
	ND();
	const struct ct_link *l = ct_link_by_ifindex(r->ns, d->ifindex);
	ct_cell_str(c, l ? l->name : NULL);
}
CELL(nd_ifindex) { ND(); ct_cell_int(c, d->ifindex, true); }
CELL(nd_total) { ND(); ct_cell_int(c, d->total, true); }
static void nd_states(struct ct_out *o, const char *key, const void *row_, const void *ctx_)
{
	ND();
	char st[32];
	ct_rec_obj_begin(o, key);
	for (int b = 0; b < CT_NUD_BUCKETS; b++)
		if (d->by_state[b])
			ct_rec_int(o, NULL, ct_nud_name(ct_nud_bucket_state[b], st, sizeof(st)), d->by_state[b], true,
				   CT_HL_NONE);
	ct_rec_obj_end(o);
}
CELL(nd_failed) { ND(); ct_cell_int(c, d->by_state[1], true); }
/* neigh_failed */
COLOR(nd_failed_hl) { ND(); return d->by_state[1] ? CT_HL_FAIL : CT_HL_NONE; }
CELL(nd_incompl) { ND(); ct_cell_int(c, d->by_state[0], true); }
COLOR(nd_incompl_hl) { ND(); return d->by_state[0] ? CT_HL_WARN : CT_HL_NONE; }
CELL(nd_reach) { ND(); ct_cell_int(c, d->by_state[2], true); }
CELL(nd_stale) { ND(); ct_cell_int(c, d->by_state[3], true); }
CELL(nd_perm) { ND(); ct_cell_int(c, d->by_state[6], true); }
CELL(nd_other)
{
	ND();
	ct_cell_int(c, d->by_state[4] + d->by_state[5] + d->by_state[7] + d->by_state[8], true);
}

static const struct ct_view_col ndev_cols[] = {
	{"dev", "DEVICE", 0, 15, nd_dev, NULL, NULL},
	{"ifindex", NULL, 0, 0, nd_ifindex, NULL, NULL},
	{"total", "TOTAL", 0, 5, nd_total, NULL, NULL},
	{"states", NULL, 0, 0, NULL, NULL, nd_states},
	{NULL, "FAILED", 0, 6, nd_failed, nd_failed_hl, NULL},
	{NULL, "INCOMPL", 0, 7, nd_incompl, nd_incompl_hl, NULL},
	{NULL, "REACH", 0, 5, nd_reach, NULL, NULL},
	{NULL, "STALE", 0, 5, nd_stale, NULL, NULL},
	{NULL, "PERM", 0, 4, nd_perm, NULL, NULL},
	{NULL, "OTHER", 0, 5, nd_other, NULL, NULL},
};

static size_t ndev_count(const void *ctx_)
{
	NR();
	return r->ndevs;
}

static const void *ndev_row(const void *ctx_, size_t i)
{
	NR();
	return r->only && r->devs[i].ifindex != r->only ? NULL : &r->devs[i];
}

const struct ct_view ct_view_neigh_devices = {"devices", "per device", false, CT_VIEW_COLS(ndev_cols),
					      ndev_count, ndev_row};

/* ---- neighbour tables */
#define NT() ROW(struct ct_neightbl, x); NR()
CELL(nt_name) { NT(); ct_cell_str(c, x->name); }
CELL(nt_family) { NT(); ct_cell_str(c, ct_name_of(ct_families, x->family, c->buf, sizeof(c->buf))); }
CELL(nt_entries) { NT(); ct_cell_int(c, x->entries, true); }
/* neigh_table_pressure, neigh_table_overflow */
COLOR(nt_entries_hl)
{
	NT();
	int s = ct_rule_neightbl(r->ns, x, NULL, NULL);
	return s < 0 ? CT_HL_NONE : (enum ct_hl)s;
}
CELL(nt_gc1) { NT(); ct_cell_int(c, x->gc_thresh1, true); }
CELL(nt_gc2) { NT(); ct_cell_int(c, x->gc_thresh2, true); }
CELL(nt_gc3) { NT(); ct_cell_int(c, x->gc_thresh3, true); }

static const struct ct_view_col ntbl_cols[] = {
	{"name", "TABLE", 0, 10, nt_name, NULL, NULL},
	{"family", NULL, 0, 0, nt_family, NULL, NULL},
	{"entries", "ENTRIES", 0, 7, nt_entries, nt_entries_hl, NULL},
	{"gc_thresh1", "GC_THRESH1", 0, 10, nt_gc1, NULL, NULL},
	{"gc_thresh2", "GC_THRESH2", 0, 10, nt_gc2, NULL, NULL},
	{"gc_thresh3", "GC_THRESH3", 0, 10, nt_gc3, NULL, NULL},
};

static size_t ntbl_count(const void *ctx_)
{
	NR();
	return r->ns->neightbls.n;
}

static const void *ntbl_row(const void *ctx_, size_t i)
{
	NR();
	return &r->ns->neightbls.v[i];
}

const struct ct_view ct_view_neigh_tables = {"tables", "neighbour tables (global across namespaces)", false,
					     CT_VIEW_COLS(ntbl_cols), ntbl_count, ntbl_row};

/* ---- the pod's gateway */
#define NG()                                                                                        \
	ROW(struct ct_pod_gateway, g);                                                              \
	NR();                                                                                       \
	bool bad = g->entry && ct_rule_nud_bad(g->entry->state);                                    \
	bool macok = g->entry && g->entry->lladdr_len == 6 &&                                       \
		     !memcmp(g->entry->lladdr, ct_calico_mac, 6);                                   \
	(void)bad, (void)macok
CELL(ng_dst) { NG(); ct_cell_str(c, ct_ip_fmt(&g->gw, c->buf, sizeof(c->buf))); }
CELL(ng_dev)
{
	NG();
	const struct ct_link *l = ct_link_by_ifindex(r->ns, g->ifindex);
	ct_cell_str(c, l ? l->name : NULL);
}
CELL(ng_lladdr) { NG(); ct_cell_str(c, g->entry ? mac_or_null(g->entry->lladdr, g->entry->lladdr_len, c) : NULL); }
/* pod_gateway_wrong_mac */
COLOR(ng_lladdr_hl) { NG(); return g->entry && !macok && !bad ? CT_HL_FAIL : CT_HL_NONE; }
CELL(ng_state) { NG(); ct_cell_str(c, g->entry ? ct_nud_name(g->entry->state, c->buf, sizeof(c->buf)) : NULL); }
/* pod_gateway_failed */
COLOR(ng_state_hl) { NG(); return bad ? CT_HL_FAIL : CT_HL_NONE; }
CELL(ng_mac_ok) { NG(); ct_cell_bool(c, g->entry ? macok : -1); }

static const struct ct_view_col ngw_cols[] = {
	{"dst", "GATEWAY", 0, 15, ng_dst, NULL, NULL},
	{"dev", "DEVICE", 0, 6, ng_dev, NULL, NULL},
	{"lladdr", "LLADDR", 0, 17, ng_lladdr, ng_lladdr_hl, NULL},
	{"state", "STATE", 0, 10, ng_state, ng_state_hl, NULL},
	{"mac_ok", NULL, 0, 0, ng_mac_ok, NULL, NULL},
};

static size_t ngw_count(const void *ctx_)
{
	(void)ctx_;
	return 2;
}

static const void *ngw_row(const void *ctx_, size_t i)
{
	NR();
	return r->gw[i].present ? &r->gw[i] : NULL;
}

const struct ct_view ct_view_neigh_gateway = {"gateway", "pod gateway", false, CT_VIEW_COLS(ngw_cols),
					      ngw_count, ngw_row};

/* ---- each pod's entry on its workload interface */
#define NW() ROW(struct ct_neigh_wl, w); NR(); const struct ct_neigh *e = w->entry; (void)e
CELL(nw_dev) { NW(); ct_cell_str(c, w->link->name); }
CELL(nw_dst) { NW(); ct_cell_str(c, ct_ip_fmt(&w->ip, c->buf, sizeof(c->buf))); }
CELL(nw_lladdr) { NW(); ct_cell_str(c, e ? mac_or_null(e->lladdr, e->lladdr_len, c) : NULL); }
CELL(nw_state) { NW(); ct_cell_str(c, e ? ct_nud_name(e->state, c->buf, sizeof(c->buf)) : NULL); }
/* workload_neigh_failed */
COLOR(nw_state_hl) { NW(); return e && ct_rule_nud_bad(e->state) ? CT_HL_FAIL : CT_HL_NONE; }

static const struct ct_view_col nwl_cols[] = {
	{"dev", "DEVICE", 0, 15, nw_dev, NULL, NULL},
	{"dst", "POD IP", 0, 15, nw_dst, NULL, NULL},
	{"lladdr", "LLADDR", 0, 17, nw_lladdr, NULL, NULL},
	{"state", "STATE", 0, 10, nw_state, nw_state_hl, NULL},
};

static size_t nwl_count(const void *ctx_)
{
	NR();
	return r->nwl;
}

static const void *nwl_row(const void *ctx_, size_t i)
{
	NR();
	return r->only && r->wl[i].link->ifindex != r->only ? NULL : &r->wl[i];
}

const struct ct_view ct_view_neigh_workloads = {"workloads", "pod entries on workload interfaces", false,
						CT_VIEW_COLS(nwl_cols), nwl_count, nwl_row};

/* ---- every entry */
#define NE() ROW(struct ct_neigh, x); NR()
CELL(ne_dev)
{
	NE();
	const struct ct_link *l = ct_link_by_ifindex(r->ns, x->ifindex);
	ct_cell_str(c, l ? l->name : NULL);
}
CELL(ne_ifindex) { NE(); ct_cell_int(c, x->ifindex, true); }
CELL(ne_family) { NE(); ct_cell_str(c, ct_name_of(ct_families, x->dst.family, c->buf, sizeof(c->buf))); }
CELL(ne_dst) { NE(); ct_cell_str(c, ct_ip_fmt(&x->dst, c->buf, sizeof(c->buf))); }
CELL(ne_lladdr) { NE(); ct_cell_str(c, mac_or_null(x->lladdr, x->lladdr_len, c)); }
CELL(ne_state) { NE(); ct_cell_str(c, ct_nud_name(x->state, c->buf, sizeof(c->buf))); }
COLOR(ne_state_hl) { NE(); return ct_rule_nud_bad(x->state) ? CT_HL_FAIL : CT_HL_NONE; }
CELL(ne_proxy) { NE(); ct_cell_bool(c, (x->flags & NTF_PROXY) != 0); }
CELL(ne_router) { NE(); ct_cell_bool(c, (x->flags & NTF_ROUTER) != 0); }

static const struct ct_view_col nent_cols[] = {
	{"dev", "DEVICE", 0, 15, ne_dev, NULL, NULL},
	{"ifindex", NULL, 0, 0, ne_ifindex, NULL, NULL},
	{"family", NULL, 0, 0, ne_family, NULL, NULL},
	{"dst", "ADDRESS", 0, 15, ne_dst, NULL, NULL},
	{"lladdr", "LLADDR", 0, 17, ne_lladdr, NULL, NULL},
	{"state", "STATE", 0, 10, ne_state, ne_state_hl, NULL},
	{"proxy", "PROXY", 0, 5, ne_proxy, NULL, NULL},
	{"router", NULL, 0, 0, ne_router, NULL, NULL},
};

static size_t nent_count(const void *ctx_)
{
	NR();
	return r->ord ? r->ns->neighs.n : 0;
}

static const void *nent_row(const void *ctx_, size_t i)
{
	NR();
	const struct ct_neigh *x = &r->ns->neighs.v[r->ord[i]];
	return r->only && x->ifindex != r->only ? NULL : x;
}

const struct ct_view ct_view_neigh_entries = {"items", "entries (FAILED and INCOMPLETE first)", false,
					      CT_VIEW_COLS(nent_cols), nent_count, nent_row};

void ct_views_neigh(struct ct_out *o, const struct ct_neigh_result *r)
{
	ct_view_write(o, &ct_view_neigh_devices, r);
	ct_view_write(o, &ct_view_neigh_tables, r);
	if (r->gw[0].present || r->gw[1].present)
		ct_view_write(o, &ct_view_neigh_gateway, r);
	if (r->wl)
		ct_view_write(o, &ct_view_neigh_workloads, r);
	/* VXLAN: permanent neighbour entries against the FDB */
	write_vteps(o, &r->t);
	ct_view_write(o, &ct_view_neigh_entries, r);
}
