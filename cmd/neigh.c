/* SPDX-License-Identifier: MIT */
/* caltrace neigh [IFACE] */
#include <linux/neighbour.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/analysis.h"
#include "cmd/cmd.h"
#include "model/names.h"
#include "probes/gather.h"

/* The host namespace of a pod namespace: from the snapshot, the namespace with
 * a veth whose peer is the pod's; live, gathered through the pod veth's peer. */
static const struct ct_netns *host_of(struct ct_ctx *c, const struct ct_node *n,
				      const struct ct_netns *ns, struct ct_node *extra)
{
	long idx = ns - n->ns.v;
	for (size_t i = 0; i < n->ns.n; i++) {
		const struct ct_netns *h = &n->ns.v[i];
		if (h == ns)
			continue;
		for (size_t k = 0; k < h->links.n; k++)
			if (h->links.v[k].peer_ns == idx)
				return h;
	}
	if (c->o.from)
		return NULL;
	/* live: the pod's veth peer lives in another namespace that NSNAMES resolved */
	for (size_t k = 0; k < ns->links.n; k++) {
		const struct ct_link *l = &ns->links.v[k];
		if (strcmp(l->kind, "veth") || l->peer_ns < 0 || (size_t)l->peer_ns >= n->ns.n)
			continue;
		const struct ct_netns *peer = &n->ns.v[l->peer_ns];
		if (!peer->path[0])
			continue;
		struct ct_gather_opts g = {
			.netns_spec = peer->path,
			.what = CT_G_LINKS | CT_G_ROUTES | CT_G_NETCONF | CT_G_GWCHECK,
			.prefixes = &c->o.prefixes,
			.proc_root = c->proc_root,
		};
		struct ct_err e = {0};
		ct_node_init(extra);
		if (ct_gather(extra, &g, &e) == 0 && extra->ns.n)
			return &extra->ns.v[0];
		ct_node_free(extra);
		ct_node_init(extra);
	}
	return NULL;
}

/* also the text table of `caltrace tunnel` */
void ct_emit_vteps(struct ct_out *o, const struct ct_tunnels *t)
{
	char b[64], ip[64], mac[32];
	bool any = false;
	for (size_t i = 0; i < t->n; i++)
		any |= t->v[i].n_vteps > 0;
	if (!any)
		return;
	ct_out_section(o, "vteps", "remote VTEPs (permanent neighbour + FDB entry)");
	for (size_t i = 0; i < t->n; i++)
		for (size_t k = 0; k < t->v[i].n_vteps; k++) {
			const struct ct_vtep *v = &t->v[i].vteps[k];
			bool ok = v->has_neigh && v->has_fdb;
			ct_rec_begin(o);
			ct_rec_str(o, "DEVICE", "dev", t->v[i].link->name, CT_HL_NONE);
			ct_rec_str(o, "VTEP IP", "ip", v->has_neigh ? ct_ip_fmt(&v->ip, ip, sizeof(ip)) : NULL,
				   CT_HL_NONE);
			ct_rec_str(o, "MAC", "mac", ct_mac_fmt(v->mac, 6, mac, sizeof(mac)), CT_HL_NONE);
			ct_rec_str(o, "NEIGH", "neigh_state",
				   v->has_neigh ? ct_nud_name(v->neigh_state, b, sizeof(b)) : NULL,
				   v->has_neigh ? CT_HL_NONE : CT_HL_FAIL);
			ct_rec_str(o, "FDB DST", "fdb_dst",
				   v->has_fdb && ct_ip_is_set(&v->fdb_dst) ? ct_ip_fmt(&v->fdb_dst, ip, sizeof(ip)) : NULL,
				   v->has_fdb ? CT_HL_NONE : CT_HL_FAIL);
			ct_rec_str(o, "AGREE", NULL, ok ? "yes" : "no", ok ? CT_HL_OK : CT_HL_FAIL);
			ct_rec_bool(o, NULL, "agree", ok, CT_HL_NONE);
			ct_rec_end(o);
		}
	ct_out_section_end(o);
}

int cmd_neigh(struct ct_ctx *c)
{
	if (c->o.argc > 1) {
		fprintf(stderr, "caltrace: neigh takes at most one IFACE\n");
		return CT_EXIT_USAGE;
	}
	struct ct_node n, extra;
	struct ct_netns *ns;
	ct_node_init(&extra);
	unsigned what = CT_G_LINKS | CT_G_ROUTES_WL | CT_G_NEIGH | CT_G_FDB_TUN | CT_G_NEIGHTBL |
			CT_G_NSNAMES | CT_G_NODEINFO;
	if (ct_load_node(c, &n, what, 0, &ns) < 0) {
		ct_node_free(&n);
		return ct_report_err(c);
	}
	int only = 0;
	if (c->o.argc) {
		const struct ct_link *l = ct_link_by_name(ns, c->o.argv[0]);
		if (!l) {
			ct_err_set(&c->err, CT_EXIT_GATHER, "no interface '%s' in network namespace '%s'",
				   c->o.argv[0], ns->name);
			ct_node_free(&n);
			return ct_report_err(c);
		}
		only = l->ifindex;
	}
	const struct ct_netns *host = ct_netns_is_pod(ns) ? host_of(c, &n, ns, &extra) : NULL;
	struct ct_findings f;
	struct ct_pod_gateway gw4, gw6;
	ct_findings_init(&f);
	ct_analyze_neigh(&n, ns, &c->o.prefixes, host, &gw4, &gw6, &f);
	struct ct_tunnels t;
	if (ct_tunnels_build(&n, ns, &c->o.prefixes, &t) == 0) {
		/* VTEP neighbour/FDB agreement is part of the neighbour picture */
		struct ct_findings tf;
		ct_findings_init(&tf);
		ct_analyze_tunnels(ns, &t, &tf);
		static const char *const vtep[] = {"vtep_"};
		ct_findings_take(&f, &tf, vtep, 1);
		ct_findings_free(&tf);
	} else {
		memset(&t, 0, sizeof(t));
	}
	if (only) {
		const char *keep[1] = {c->o.argv[0]};
		ct_findings_keep(&f, keep, 1);
	}
	struct ct_out *o = &c->out;
	ct_begin(c, &n, ns, "neigh");
	uint32_t *ord = NULL;
	ct_neigh_order(ns, &ord);
	char ip[64], mac[32], st[32], fam[16];
	/* devices: the histogram, failed and incomplete first */
	struct ct_neigh_dev *d = NULL;
	size_t nd = 0;
	ct_neigh_devices(ns, &d, &nd);
	ct_out_section(o, "devices", "per device");
	for (size_t i = 0; i < nd; i++) {
		if (only && d[i].ifindex != only)
			continue;
		const struct ct_link *l = ct_link_by_ifindex(ns, d[i].ifindex);
		ct_rec_begin(o);
		ct_rec_str(o, "DEVICE", "dev", l ? l->name : NULL, CT_HL_NONE);
		ct_rec_int(o, NULL, "ifindex", d[i].ifindex, true, CT_HL_NONE);
		ct_rec_int(o, "TOTAL", "total", d[i].total, true, CT_HL_NONE);
		ct_rec_obj_begin(o, "states");
		for (int b = 0; b < CT_NUD_BUCKETS; b++)
			if (d[i].by_state[b])
				ct_rec_int(o, NULL, ct_nud_name(ct_nud_bucket_state[b], st, sizeof(st)),
					   d[i].by_state[b], true, CT_HL_NONE);
		ct_rec_obj_end(o);
		ct_rec_int(o, "FAILED", NULL, d[i].by_state[1], true, d[i].by_state[1] ? CT_HL_FAIL : CT_HL_NONE);
		ct_rec_int(o, "INCOMPL", NULL, d[i].by_state[0], true, d[i].by_state[0] ? CT_HL_WARN : CT_HL_NONE);
		ct_rec_int(o, "REACH", NULL, d[i].by_state[2], true, CT_HL_NONE);
		ct_rec_int(o, "STALE", NULL, d[i].by_state[3], true, CT_HL_NONE);
		ct_rec_int(o, "PERM", NULL, d[i].by_state[6], true, CT_HL_NONE);
		ct_rec_int(o, "OTHER", NULL, d[i].by_state[4] + d[i].by_state[5] + d[i].by_state[7] + d[i].by_state[8],
			   true, CT_HL_NONE);
		ct_rec_end(o);
	}
	ct_out_section_end(o);
	ct_out_section(o, "tables", "neighbour tables (global across namespaces)");
	for (size_t i = 0; i < ns->neightbls.n; i++) {
		const struct ct_neightbl *x = &ns->neightbls.v[i];
		enum ct_hl hl = x->gc_thresh3 && (uint64_t)x->entries * 10 >= (uint64_t)x->gc_thresh3 * 9 ? CT_HL_FAIL
				: x->entries > x->gc_thresh2 ? CT_HL_WARN : CT_HL_NONE;
		ct_rec_begin(o);
		ct_rec_str(o, "TABLE", "name", x->name, CT_HL_NONE);
		ct_rec_str(o, NULL, "family", ct_name_of(ct_families, x->family, fam, sizeof(fam)), CT_HL_NONE);
		ct_rec_int(o, "ENTRIES", "entries", x->entries, true, hl);
		ct_rec_int(o, "GC_THRESH1", "gc_thresh1", x->gc_thresh1, true, CT_HL_NONE);
		ct_rec_int(o, "GC_THRESH2", "gc_thresh2", x->gc_thresh2, true, CT_HL_NONE);
		ct_rec_int(o, "GC_THRESH3", "gc_thresh3", x->gc_thresh3, true, CT_HL_NONE);
		ct_rec_end(o);
	}
	ct_out_section_end(o);
	/* the pod's gateway */
	if (gw4.present || gw6.present) {
		ct_out_section(o, "gateway", "pod gateway");
		const struct ct_pod_gateway *gws[2] = {&gw4, &gw6};
		for (int k = 0; k < 2; k++) {
			const struct ct_pod_gateway *g = gws[k];
			if (!g->present)
				continue;
			const struct ct_link *l = ct_link_by_ifindex(ns, g->ifindex);
			bool bad = g->entry && (g->entry->state & (NUD_FAILED | NUD_INCOMPLETE));
			bool macok = g->entry && g->entry->lladdr_len == 6 && !memcmp(g->entry->lladdr, ct_calico_mac, 6);
			ct_rec_begin(o);
			ct_rec_str(o, "GATEWAY", "dst", ct_ip_fmt(&g->gw, ip, sizeof(ip)), CT_HL_NONE);
			ct_rec_str(o, "DEVICE", "dev", l ? l->name : NULL, CT_HL_NONE);
			ct_rec_str(o, "LLADDR", "lladdr",
				   g->entry && g->entry->lladdr_len ? ct_mac_fmt(g->entry->lladdr, g->entry->lladdr_len, mac, sizeof(mac)) : NULL,
				   g->entry && !macok && !bad ? CT_HL_FAIL : CT_HL_NONE);
			ct_rec_str(o, "STATE", "state", g->entry ? ct_nud_name(g->entry->state, st, sizeof(st)) : NULL,
				   bad ? CT_HL_FAIL : CT_HL_NONE);
			ct_rec_bool(o, NULL, "mac_ok", g->entry ? macok : -1, CT_HL_NONE);
			ct_rec_end(o);
		}
		ct_out_section_end(o);
	}
	/* each pod's entry on its workload interface */
	struct ct_workload *w = NULL;
	size_t nw = 0;
	if (ct_workloads(&n, ns, &c->o.prefixes, &w, &nw) == 0 && nw) {
		/* the host's entry for each pod address, in one pass over the entries */
		const struct ct_neigh **ent = calloc(nw * 8, sizeof(*ent));
		int *wpos = malloc((ns->links.n ? ns->links.n : 1) * sizeof(int));
		if (ent && wpos) {
			for (size_t i = 0; i < ns->links.n; i++)
				wpos[i] = -1;
			for (size_t i = 0; i < nw; i++)
				wpos[w[i].link - ns->links.v] = (int)i;
			for (size_t j = 0; j < ns->neighs.n; j++) {
				const struct ct_neigh *e = &ns->neighs.v[j];
				const struct ct_link *l = ct_link_by_ifindex(ns, e->ifindex);
				int wi = l ? wpos[l - ns->links.v] : -1;
				if (wi < 0 || (e->flags & NTF_PROXY))
					continue;
				for (int k = 0; k < w[wi].n_ips; k++)
					if (ct_ip_eq(&w[wi].ips[k], &e->dst))
						ent[wi * 8 + k] = e;
			}
		}
		ct_out_section(o, "workloads", "pod entries on workload interfaces");
		for (size_t i = 0; ent && wpos && i < nw; i++) {
			const struct ct_link *l = w[i].link;
			if (only && l->ifindex != only)
				continue;
			for (int k = 0; k < w[i].n_ips; k++) {
				const struct ct_neigh *e = ent[i * 8 + k];
				bool bad = e && (e->state & (NUD_FAILED | NUD_INCOMPLETE));
				ct_rec_begin(o);
				ct_rec_str(o, "DEVICE", "dev", l->name, CT_HL_NONE);
				ct_rec_str(o, "POD IP", "dst", ct_ip_fmt(&w[i].ips[k], ip, sizeof(ip)), CT_HL_NONE);
				ct_rec_str(o, "LLADDR", "lladdr",
					   e && e->lladdr_len ? ct_mac_fmt(e->lladdr, e->lladdr_len, mac, sizeof(mac)) : NULL,
					   CT_HL_NONE);
				ct_rec_str(o, "STATE", "state", e ? ct_nud_name(e->state, st, sizeof(st)) : NULL,
					   bad ? CT_HL_FAIL : CT_HL_NONE);
				ct_rec_end(o);
			}
		}
		ct_out_section_end(o);
		free(ent);
		free(wpos);
	}
	free(w);
	/* VXLAN: permanent neighbour entries against the FDB */
	ct_emit_vteps(o, &t);
	ct_out_section(o, "items", "entries (FAILED and INCOMPLETE first)");
	for (size_t i = 0; ord && i < ns->neighs.n; i++) {
		const struct ct_neigh *x = &ns->neighs.v[ord[i]];
		if (only && x->ifindex != only)
			continue;
		const struct ct_link *l = ct_link_by_ifindex(ns, x->ifindex);
		bool bad = x->state & (NUD_FAILED | NUD_INCOMPLETE);
		ct_rec_begin(o);
		ct_rec_str(o, "DEVICE", "dev", l ? l->name : NULL, CT_HL_NONE);
		ct_rec_int(o, NULL, "ifindex", x->ifindex, true, CT_HL_NONE);
		ct_rec_str(o, NULL, "family", ct_name_of(ct_families, x->dst.family, fam, sizeof(fam)), CT_HL_NONE);
		ct_rec_str(o, "ADDRESS", "dst", ct_ip_fmt(&x->dst, ip, sizeof(ip)), CT_HL_NONE);
		ct_rec_str(o, "LLADDR", "lladdr", x->lladdr_len ? ct_mac_fmt(x->lladdr, x->lladdr_len, mac, sizeof(mac)) : NULL,
			   CT_HL_NONE);
		ct_rec_str(o, "STATE", "state", ct_nud_name(x->state, st, sizeof(st)), bad ? CT_HL_FAIL : CT_HL_NONE);
		ct_rec_bool(o, "PROXY", "proxy", (x->flags & NTF_PROXY) != 0, CT_HL_NONE);
		ct_rec_bool(o, NULL, "router", (x->flags & NTF_ROUTER) != 0, CT_HL_NONE);
		ct_rec_end(o);
	}
	ct_out_section_end(o);
	int rc = ct_finish(c, &n, &f);
	free(ord);
	free(d);
	ct_tunnels_free(&t);
	ct_findings_free(&f);
	ct_node_free(&extra);
	ct_node_free(&n);
	return rc;
}
