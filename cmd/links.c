/* SPDX-License-Identifier: MIT */
/* caltrace links [IFACE...] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/analysis.h"
#include "cmd/cmd.h"
#include "model/names.h"
#include "probes/gather.h"

void ct_emit_stats(struct ct_out *o, const struct ct_stats *s)
{
	ct_rec_obj_begin(o, "stats");
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


static enum ct_hl hl_flag(int v, int want)
{
	return v < 0 ? CT_HL_NONE : v == want ? CT_HL_NONE : CT_HL_FAIL;
}

int cmd_links(struct ct_ctx *c)
{
	struct ct_node n;
	struct ct_netns *ns;
	unsigned what = CT_G_LINKS | CT_G_ADDRS | CT_G_ROUTES_WL | CT_G_NETCONF | CT_G_NSNAMES |
			CT_G_NODEINFO;
	if (ct_load_node(c, &n, what, 0, &ns) < 0) {
		ct_node_free(&n);
		return ct_report_err(c);
	}
	for (int i = 0; i < c->o.argc; i++) {
		const struct ct_link *l = ct_link_by_name(ns, c->o.argv[i]);
		if (!l || !ct_is_workload(&c->o.prefixes, l->name)) {
			ct_err_set(&c->err, CT_EXIT_GATHER,
				   l ? "'%s' is not a workload interface (prefixes: %s); try 'caltrace tunnel' or 'ip link show'"
				     : "no interface '%s' in network namespace '%s'",
				   c->o.argv[i], l ? c->o.prefixes.list[0] : ns->name);
			ct_node_free(&n);
			return ct_report_err(c);
		}
	}
	struct ct_workload *w;
	size_t nw;
	if (ct_workloads(&n, ns, &c->o.prefixes, &w, &nw) < 0) {
		ct_node_free(&n);
		return CT_EXIT_GATHER;
	}
	if (c->o.argc) {
		size_t k = 0;
		for (size_t i = 0; i < nw; i++)
			for (int j = 0; j < c->o.argc; j++)
				if (!strcmp(w[i].link->name, c->o.argv[j])) {
					w[k++] = w[i];
					break;
				}
		nw = k;
	}
	struct ct_findings f;
	ct_findings_init(&f);
	ct_analyze_links(&n, ns, &c->o.prefixes, w, nw, &f);
	/* route findings that concern workload interfaces belong to this scope too */
	struct ct_findings rf;
	ct_findings_init(&rf);
	ct_analyze_routes(&n, ns, &c->o.prefixes, NULL, &rf);
	static const char *const wl_codes[] = {"route_to_missing_link", "route_to_down_link",
					       "pod_gateway_unroutable", "pod_gateway_via_workload"};
	ct_findings_take(&f, &rf, wl_codes, 4);
	ct_findings_free(&rf);
	if (c->o.argc)
		ct_findings_keep(&f, (const char *const *)c->o.argv, (size_t)c->o.argc);

	struct ct_out *o = &c->out;
	ct_begin(c, &n, ns, "links");
	ct_out_section(o, "items", "workload interfaces");
	char buf[64], mac[32], pod[CT_NAME_LEN * 2 + 2];
	for (size_t i = 0; i < nw; i++) {
		const struct ct_link *l = w[i].link;
		char ipbuf[8][64];
		const char *ips[8];
		for (int k = 0; k < w[i].n_ips; k++)
			ips[k] = ct_ip_fmt(&w[i].ips[k], ipbuf[k], sizeof(ipbuf[k]));
		ct_rec_begin(o);
		ct_rec_str(o, "IFACE", "name", l->name, CT_HL_NONE);
		ct_rec_int(o, NULL, "ifindex", l->ifindex, true, CT_HL_NONE);
		ct_rec_str(o, NULL, "kind", l->kind[0] ? l->kind : NULL, CT_HL_NONE);
		const char *st = ct_name_of(ct_oper_states, l->oper, buf, sizeof(buf));
		bool up = (l->flags & 1) && l->oper != CT_OPER_DOWN && l->oper != CT_OPER_LOWERLAYERDOWN;
		ct_rec_str(o, "STATE", "state", (l->flags & 1) ? st : "down", up ? CT_HL_OK : CT_HL_FAIL);
		ct_rec_bool(o, NULL, "admin_up", (l->flags & 1) != 0, CT_HL_NONE);
		ct_rec_int(o, "MTU", "mtu", l->mtu, true, CT_HL_NONE);
		bool mac_ok = l->mac_len == 6 && !memcmp(l->mac, ct_calico_mac, 6);
		ct_rec_str(o, "MAC", "mac", l->mac_len ? ct_mac_fmt(l->mac, l->mac_len, mac, sizeof(mac)) : NULL,
			   mac_ok ? CT_HL_NONE : CT_HL_WARN);
		ct_rec_bool(o, NULL, "mac_ok", mac_ok, CT_HL_NONE);
		ct_rec_strv(o, "POD IPS", "pod_ips", ips, (size_t)w[i].n_ips);
		if (w[i].pod)
			snprintf(pod, sizeof(pod), "%s/%s", w[i].pod->ns, w[i].pod->name);
		ct_rec_str(o, "POD", "pod", w[i].pod ? pod : NULL, CT_HL_NONE);
		ct_rec_str(o, "PEER NETNS", "peer_netns", w[i].peer_netns, CT_HL_NONE);
		ct_rec_int(o, NULL, "peer_ifindex", l->link, l->link > 0, CT_HL_NONE);
		ct_rec_int(o, "FWD", "forwarding", l->forwarding, l->forwarding >= 0, hl_flag(l->forwarding, 1));
		ct_rec_int(o, "PARP", "proxy_arp", l->eff_proxy_arp, l->eff_proxy_arp >= 0,
			   hl_flag(l->eff_proxy_arp, 1));
		ct_rec_int(o, NULL, "proxy_arp_dev", l->proxy_arp, l->proxy_arp >= 0, CT_HL_NONE);
		ct_rec_int(o, "RPF", "rp_filter", l->eff_rp_filter, l->eff_rp_filter >= 0, CT_HL_NONE);
		ct_rec_int(o, NULL, "rp_filter_dev", l->rp_filter, l->rp_filter >= 0, CT_HL_NONE);
		ct_rec_int(o, NULL, "proxy_delay", l->proxy_delay, l->proxy_delay >= 0, CT_HL_NONE);
		ct_rec_int(o, NULL, "route_localnet", l->route_localnet, l->route_localnet >= 0, CT_HL_NONE);
		ct_rec_uint(o, "RX PKTS", NULL, l->stats.rx_packets);
		ct_rec_uint(o, "TX PKTS", NULL, l->stats.tx_packets);
		ct_emit_stats(o, &l->stats);
		ct_rec_end(o);
	}
	ct_out_section_end(o);
	int rc = ct_finish(c, &n, &f);
	ct_findings_free(&f);
	free(w);
	ct_node_free(&n);
	return rc;
}
