/* SPDX-License-Identifier: MIT */
/* caltrace tunnel */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "analysis/analysis.h"
#include "cmd/cmd.h"
#include "model/names.h"
#include "probes/gather.h"

int cmd_tunnel(struct ct_ctx *c)
{
	if (c->o.argc) {
		fprintf(stderr, "caltrace: tunnel takes no arguments\n");
		return CT_EXIT_USAGE;
	}
	struct ct_node n;
	struct ct_netns *ns;
	unsigned what = CT_G_LINKS | CT_G_ADDRS | CT_G_ROUTES | CT_G_NEIGH | CT_G_FDB |
			CT_G_NODEINFO;
	if (ct_load_node(c, &n, what, 0, &ns) < 0) {
		ct_node_free(&n);
		return ct_report_err(c);
	}
	struct ct_tunnels t;
	struct ct_findings f;
	ct_findings_init(&f);
	if (ct_tunnels_build(&n, ns, &c->o.prefixes, &t) < 0) {
		ct_node_free(&n);
		ct_err_set(&c->err, CT_EXIT_GATHER, "out of memory");
		return ct_report_err(c);
	}
	ct_analyze_tunnels(ns, &t, &f);
	struct ct_out *o = &c->out;
	ct_begin(c, &n, ns, "tunnel");
	ct_out_top_str(o, "mode", "encapsulation", t.mode,
		       !strcmp(t.mode, "mixed") ? CT_HL_WARN : CT_HL_NONE);
	ct_out_section(o, "items", "tunnel devices");
	char b[64], ip[64], mac[32];
	for (size_t i = 0; i < t.n; i++) {
		const struct ct_tunnel *x = &t.v[i];
		const struct ct_link *l = x->link;
		bool vx = !strcmp(l->kind, "vxlan");
		bool iptun = !strcmp(l->kind, "ipip") || !strcmp(l->kind, "sit");
		ct_rec_begin(o);
		ct_rec_str(o, "DEVICE", "name", l->name, CT_HL_NONE);
		ct_rec_int(o, NULL, "ifindex", l->ifindex, true, CT_HL_NONE);
		ct_rec_str(o, "KIND", "kind", l->kind[0] ? l->kind : NULL, CT_HL_NONE);
		ct_rec_str(o, "ROLE", "role", ct_tunnel_role_names[x->role], CT_HL_NONE);
		bool up = (l->flags & 1) && l->oper != CT_OPER_DOWN;
		ct_rec_str(o, "STATE", "state", (l->flags & 1) ? ct_name_of(ct_oper_states, l->oper, b, sizeof(b)) : "down",
			   up ? CT_HL_OK : x->routes ? CT_HL_FAIL : CT_HL_DIM);
		ct_rec_bool(o, NULL, "admin_up", (l->flags & 1) != 0, CT_HL_NONE);
		bool mtu_bad = x->underlay_mtu && l->mtu + x->overhead > x->underlay_mtu;
		ct_rec_int(o, "MTU", "mtu", l->mtu, true, mtu_bad ? CT_HL_WARN : CT_HL_NONE);
		ct_rec_int(o, NULL, "underlay_mtu", x->underlay_mtu, x->underlay_mtu > 0, CT_HL_NONE);
		ct_rec_int(o, NULL, "overhead", x->overhead, true, CT_HL_NONE);
		/* addresses on the device */
		char ab[8][64];
		const char *av[8];
		size_t na = 0;
		for (size_t k = 0; k < ns->addrs.n && na < 8; k++)
			if (ns->addrs.v[k].ifindex == l->ifindex &&
			    !(ns->addrs.v[k].pfx.ip.family == AF_INET6 && ns->addrs.v[k].scope == 253))
				av[na] = ct_prefix_fmt(&ns->addrs.v[k].pfx, ab[na], sizeof(ab[na])), na++;
		ct_rec_strv(o, "ADDRESS", "addresses", av, na);
		ct_rec_str(o, NULL, "mac", l->mac_len ? ct_mac_fmt(l->mac, l->mac_len, mac, sizeof(mac)) : NULL,
			   CT_HL_NONE);
		const struct ct_ip *loc = vx ? &l->u.vxlan.local : iptun ? &l->u.iptun.local : NULL;
		ct_rec_str(o, "LOCAL", "local", loc && !ct_ip_is_any(loc) ? ct_ip_fmt(loc, ip, sizeof(ip)) : (iptun ? "any" : NULL),
			   CT_HL_NONE);
		ct_rec_str(o, NULL, "remote",
			   iptun ? (!ct_ip_is_any(&l->u.iptun.remote) ? ct_ip_fmt(&l->u.iptun.remote, ip, sizeof(ip)) : "any") : NULL,
			   CT_HL_NONE);
		ct_rec_int(o, NULL, "ttl", iptun ? l->u.iptun.ttl : vx ? l->u.vxlan.ttl : 0, iptun || vx, CT_HL_NONE);
		ct_rec_bool(o, NULL, "pmtudisc", iptun ? l->u.iptun.pmtudisc : -1, CT_HL_NONE);
		ct_rec_int(o, "VNI", "vni", vx ? l->u.vxlan.vni : 0, vx, CT_HL_NONE);
		ct_rec_int(o, "PORT", "port", vx ? l->u.vxlan.port : 0, vx, CT_HL_NONE);
		const struct ct_link *par = vx ? ct_link_by_ifindex(ns, l->u.vxlan.parent_ifindex) : NULL;
		ct_rec_str(o, NULL, "parent", par ? par->name : NULL, CT_HL_NONE);
		ct_rec_bool(o, NULL, "learning", vx ? l->u.vxlan.learning : -1, CT_HL_NONE);
		ct_rec_int(o, "ROUTES", "routes", x->routes, true, CT_HL_NONE);
		ct_rec_bool(o, NULL, "fallback", x->fallback, CT_HL_NONE);
		ct_rec_int(o, "RX ERR", NULL, (int64_t)l->stats.rx_errors, true,
			   l->stats.rx_errors ? CT_HL_WARN : CT_HL_NONE);
		ct_rec_int(o, "TX ERR", NULL, (int64_t)l->stats.tx_errors, true,
			   l->stats.tx_errors ? CT_HL_WARN : CT_HL_NONE);
		ct_emit_stats(o, &l->stats);
		ct_rec_arr_begin(o, "vteps");
		for (size_t k = 0; k < x->n_vteps; k++) {
			const struct ct_vtep *v = &x->vteps[k];
			ct_rec_obj_begin(o, NULL);
			ct_rec_str(o, NULL, "ip", v->has_neigh ? ct_ip_fmt(&v->ip, ip, sizeof(ip)) : NULL, CT_HL_NONE);
			ct_rec_str(o, NULL, "mac", ct_mac_fmt(v->mac, 6, mac, sizeof(mac)), CT_HL_NONE);
			ct_rec_str(o, NULL, "neigh_state", v->has_neigh ? ct_nud_name(v->neigh_state, b, sizeof(b)) : NULL,
				   CT_HL_NONE);
			ct_rec_str(o, NULL, "fdb_dst", v->has_fdb && ct_ip_is_set(&v->fdb_dst) ? ct_ip_fmt(&v->fdb_dst, ip, sizeof(ip)) : NULL,
				   CT_HL_NONE);
			ct_rec_bool(o, NULL, "agree", v->has_neigh && v->has_fdb, CT_HL_NONE);
			ct_rec_obj_end(o);
		}
		ct_rec_arr_end(o);
		ct_rec_end(o);
	}
	ct_out_section_end(o);
	/* VTEP table for people; JSON has it inside each device */
	if (!o->json)
		ct_emit_vteps(o, &t);
	int rc = ct_finish(c, &n, &f);
	ct_findings_free(&f);
	ct_tunnels_free(&t);
	ct_node_free(&n);
	return rc;
}
