/* SPDX-License-Identifier: MIT */
/* caltrace bgp [PEER]; caltrace bgp routes [PEER] [--exported] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/analysis.h"
#include "cmd/cmd.h"
#include "model/bgp.h"
#include "probes/gather.h"

static const char *const flavours[] = {"unknown", "bird1", "bird2"};

/* PEER: a protocol name or a neighbour address */
static const struct ct_bgp_peer *find_peer(const struct ct_bgp *b, const char *peer)
{
	struct ct_ip ip;
	bool is_ip = ct_ip_parse(peer, &ip) == 0;
	for (size_t i = 0; i < b->n_peers; i++)
		if (!strcmp(b->peers[i].name, peer) || (is_ip && ct_ip_eq(&b->peers[i].neighbor, &ip)))
			return &b->peers[i];
	return NULL;
}

static void emit_status(struct ct_out *o, const struct ct_bgp *b)
{
	const struct ct_bird_status *s = &b->status;
	ct_out_object_begin(o, "status", "BIRD");
	ct_rec_str(o, "VERSION", "version", s->version[0] ? s->version : NULL, CT_HL_NONE);
	ct_rec_str(o, "FLAVOUR", "flavour", flavours[s->flavour <= CT_BIRD_V2 ? s->flavour : 0], CT_HL_NONE);
	ct_rec_str(o, "ROUTER ID", "router_id", s->router_id[0] ? s->router_id : NULL, CT_HL_NONE);
	ct_rec_str(o, NULL, "greeting", s->greeting[0] ? s->greeting : NULL, CT_HL_NONE);
	ct_rec_str(o, NULL, "server_time", s->server_time[0] ? s->server_time : NULL, CT_HL_NONE);
	ct_rec_str(o, "UP SINCE", "last_reboot", s->last_reboot[0] ? s->last_reboot : NULL, CT_HL_NONE);
	ct_rec_str(o, NULL, "last_reconfiguration", s->last_reconfig[0] ? s->last_reconfig : NULL, CT_HL_NONE);
	ct_rec_str(o, NULL, "state", s->state[0] ? s->state : NULL, CT_HL_NONE);
	ct_rec_str(o, "SOCKET", "socket", b->socket[0] ? b->socket : NULL, CT_HL_NONE);
	ct_rec_str(o, NULL, "kernel_protocol", b->kernel_proto[0] ? b->kernel_proto : NULL, CT_HL_NONE);
	ct_out_object_end(o);
}

static void emit_timer(struct ct_out *o, const char *key, int now, int max)
{
	ct_rec_obj_begin(o, key);
	ct_rec_int(o, NULL, "remaining", now, now >= 0, CT_HL_NONE);
	ct_rec_int(o, NULL, "configured", max, max >= 0, CT_HL_NONE);
	ct_rec_obj_end(o);
}

static void emit_peers(struct ct_out *o, const struct ct_bgp *b, const struct ct_bgp_peer *only)
{
	char ip[64], src[64], as[16], las[16];
	ct_out_section(o, "items", "BGP peers");
	for (size_t i = 0; i < b->n_peers; i++) {
		const struct ct_bgp_peer *p = &b->peers[i];
		if (only && p != only)
			continue;
		bool est = !strcasecmp(p->bgp_state, "Established");
		enum ct_hl hl = est ? CT_HL_OK : !strcasecmp(p->state, "down") ? CT_HL_WARN : CT_HL_FAIL;
		snprintf(as, sizeof(as), "%u", p->neighbor_as);
		snprintf(las, sizeof(las), "%u", p->local_as);
		ct_rec_begin(o);
		ct_rec_str(o, "PEER ADDRESS", "peer", ct_ip_is_set(&p->neighbor) ? ct_ip_fmt(&p->neighbor, ip, sizeof(ip)) : NULL,
			   CT_HL_NONE);
		ct_rec_str(o, "TYPE", "type", p->type, CT_HL_NONE);
		ct_rec_str(o, "PROTOCOL", "name", p->name, CT_HL_NONE);
		ct_rec_str(o, "STATE", "state", p->state, hl);
		ct_rec_str(o, "SINCE", "since", p->since[0] ? p->since : NULL, CT_HL_NONE);
		ct_rec_str(o, "BGP STATE", "bgp_state", p->bgp_state[0] ? p->bgp_state : NULL, hl);
		ct_rec_str(o, "INFO", "info", p->info[0] ? p->info : NULL, est ? CT_HL_NONE : hl);
		ct_rec_str(o, NULL, "last_error", p->last_error[0] ? p->last_error : NULL, CT_HL_NONE);
		ct_rec_int(o, "AS", "neighbor_as", p->neighbor_as, p->has_neighbor_as, CT_HL_NONE);
		ct_rec_int(o, NULL, "local_as", p->local_as, p->has_local_as, CT_HL_NONE);
		ct_rec_str(o, NULL, "source", ct_ip_is_set(&p->source) ? ct_ip_fmt(&p->source, src, sizeof(src)) : NULL,
			   CT_HL_NONE);
		ct_rec_str(o, NULL, "neighbor_id", p->neighbor_id[0] ? p->neighbor_id : NULL, CT_HL_NONE);
		emit_timer(o, "hold_timer", p->hold_now, p->hold_max);
		emit_timer(o, "keepalive_timer", p->keepalive_now, p->keepalive_max);
		ct_rec_int(o, "IMP", "routes_imported", p->imported, p->has_routes, CT_HL_NONE);
		ct_rec_int(o, "EXP", "routes_exported", p->exported, p->has_routes, CT_HL_NONE);
		ct_rec_int(o, NULL, "routes_preferred", p->preferred, p->has_routes, CT_HL_NONE);
		ct_rec_bool(o, NULL, "passive", p->passive, CT_HL_NONE);
		ct_rec_end(o);
	}
	ct_out_section_end(o);
}

static void emit_sessions(struct ct_out *o, const struct ct_bgp *b)
{
	char l[64], r[64];
	if (!b->have_sessions)
		return;
	ct_out_section(o, "sessions", "kernel TCP sessions on port 179");
	for (size_t i = 0; i < b->n_sessions; i++) {
		const struct ct_tcp179 *s = &b->sessions[i];
		bool ok = !strcmp(s->state, "ESTABLISHED") || !strcmp(s->state, "LISTEN");
		ct_rec_begin(o);
		ct_rec_str(o, "LOCAL", "local", ct_ip_fmt(&s->local, l, sizeof(l)), CT_HL_NONE);
		ct_rec_int(o, "LPORT", "local_port", s->lport, true, CT_HL_NONE);
		ct_rec_str(o, "REMOTE", "remote", ct_ip_fmt(&s->remote, r, sizeof(r)), CT_HL_NONE);
		ct_rec_int(o, "RPORT", "remote_port", s->rport, true, CT_HL_NONE);
		ct_rec_str(o, "STATE", "state", s->state, ok ? CT_HL_NONE : CT_HL_WARN);
		ct_rec_end(o);
	}
	ct_out_section_end(o);
}

static void emit_routes(struct ct_out *o, const struct ct_netns *ns, const struct ct_bgp_check *cv,
			size_t nc, bool kernel)
{
	char d[64], v[64], nh[64], kg[64];
	ct_out_section(o, "items", kernel ? "routes BIRD exports to the kernel" : "routes");
	for (size_t i = 0; i < nc; i++) {
		const struct ct_bgp_route *r = cv[i].bird;
		const struct ct_bgp_rattr *ra = r->at;
		const struct ct_route *k = cv[i].kernel;
		const struct ct_link *kl = k ? ct_link_by_ifindex(ns, k->oif) : NULL;
		ct_rec_begin(o);
		ct_rec_str(o, "DST", "dst", ct_prefix_fmt(&r->dst, d, sizeof(d)), CT_HL_NONE);
		ct_rec_str(o, "VIA", "via", ct_ip_is_set(&ra->via) ? ct_ip_fmt(&ra->via, v, sizeof(v)) : (ra->blackhole ? "blackhole" : NULL),
			   CT_HL_NONE);
		ct_rec_str(o, "DEV", "dev", ra->dev[0] ? ra->dev : NULL, CT_HL_NONE);
		ct_rec_str(o, "FROM", "proto", ra->proto[0] ? ra->proto : NULL, CT_HL_NONE);
		ct_rec_str(o, "BGP.NEXT_HOP", "bgp_next_hop",
			   ct_ip_is_set(&ra->bgp_next_hop) ? ct_ip_fmt(&ra->bgp_next_hop, nh, sizeof(nh)) : NULL, CT_HL_NONE);
		ct_rec_bool(o, NULL, "in_kernel", k != NULL, CT_HL_NONE);
		ct_rec_str(o, "KERNEL GW", "kernel_gateway",
			   k && ct_ip_is_set(&k->gw) ? ct_ip_fmt(&k->gw, kg, sizeof(kg)) : NULL, CT_HL_NONE);
		ct_rec_str(o, "KERNEL DEV", "kernel_dev", kl ? kl->name : NULL, CT_HL_NONE);
		ct_rec_str(o, "OK", NULL, cv[i].ok ? "yes" : "no", cv[i].ok ? CT_HL_OK : CT_HL_FAIL);
		ct_rec_bool(o, NULL, "ok", cv[i].ok, CT_HL_NONE);
		ct_rec_end(o);
	}
	ct_out_section_end(o);
}

int cmd_bgp(struct ct_ctx *c)
{
	bool routes = c->o.argc > 0 && !strcmp(c->o.argv[0], "routes");
	int first = routes ? 1 : 0;
	if (c->o.argc - first > 1) {
		fprintf(stderr, "caltrace: bgp takes at most one PEER (a protocol name or an address)\n");
		return CT_EXIT_USAGE;
	}
	if (c->o.exported && !routes) {
		fprintf(stderr, "caltrace: --exported goes with 'bgp routes PEER'\n");
		return CT_EXIT_USAGE;
	}
	const char *peer_arg = c->o.argc > first ? c->o.argv[first] : NULL;
	if (c->o.exported && !peer_arg) {
		fprintf(stderr, "caltrace: --exported needs a PEER: the routes this node advertises to it\n");
		return CT_EXIT_USAGE;
	}
	struct ct_node n;
	struct ct_netns *ns;
	/* the kernel's routes only matter for the routes view */
	unsigned what = CT_G_LINKS | CT_G_NODEINFO | (routes ? CT_G_ROUTES : 0);
	if (ct_load_node(c, &n, what, 0, &ns) < 0) {
		ct_node_free(&n);
		return ct_report_err(c);
	}
	/* live: ask BIRD; from a snapshot: its bgp section */
	char query[160] = "";
	if (!c->o.from) {
		if (ct_bgp_ask(c, &n, routes && !peer_arg, NULL, NULL, &c->err) < 0) {
			ct_node_free(&n);
			return ct_report_err(c);
		}
	} else if (n.bgp_error[0]) {
		/* the snapshot was taken while BIRD could not be asked: the same answer as live */
		ct_err_set(&c->err, CT_EXIT_GATHER, "%s (from snapshot '%s')", n.bgp_error, c->o.from);
		ct_node_free(&n);
		return ct_report_err(c);
	} else if (!n.bgp) {
		ct_err_set(&c->err, CT_EXIT_GATHER, "snapshot '%s' has no BGP state (taken without BIRD?)", c->o.from);
		ct_node_free(&n);
		return ct_report_err(c);
	}
	const struct ct_bgp_peer *peer = NULL;
	if (peer_arg) {
		peer = find_peer(n.bgp, peer_arg);
		if (!peer) {
			ct_err_set(&c->err, CT_EXIT_GATHER,
				   "no BGP peer '%s' in BIRD (%zu peers; see 'caltrace bgp')", peer_arg,
				   n.bgp->n_peers);
			ct_node_free(&n);
			return ct_report_err(c);
		}
		if (routes && c->o.from) {
			ct_err_set(&c->err, CT_EXIT_GATHER,
				   "a snapshot keeps only the routes BIRD exports to the kernel; run 'bgp routes' without a PEER");
			ct_node_free(&n);
			return ct_report_err(c);
		}
		if (routes) {
			/* the routes learned from this peer, or advertised to it */
			snprintf(query, sizeof(query), "show route %s %s all",
				 c->o.exported ? "export" : "protocol", peer->name);
			if (ct_bgp_ask(c, &n, false, query, n.bgp->socket, &c->err) < 0) {
				ct_node_free(&n);
				return ct_report_err(c);
			}
			peer = find_peer(n.bgp, peer_arg);
		}
	}
	struct ct_findings f;
	ct_findings_init(&f);
	struct ct_bgp_check *cv = NULL;
	size_t nc = 0;
	bool kernel_view = !query[0];
	ct_analyze_bgp(&n, ns, n.bgp, kernel_view, &cv, &nc, &f);
	if (peer) {
		/* findings about this peer (and its routes) only */
		const char *keep[1] = {peer->name};
		if (!routes)
			ct_findings_keep(&f, keep, 1);
	}
	if (!routes) {
		/* route findings belong to `bgp routes` */
		struct ct_findings kept;
		ct_findings_init(&kept);
		static const char *const sess[] = {"bgp_connection", "bgp_no_response", "bgp_bad_peer",
						   "bgp_hold", "bgp_peer", "bgp_passive", "bgp_mesh"};
		/* (bgp_mesh_incomplete needs --pods, which doctor takes) */
		ct_findings_take(&kept, &f, sess, sizeof(sess) / sizeof(sess[0]));
		ct_findings_free(&f);
		f = kept;
	}
	struct ct_out *o = &c->out;
	ct_begin(c, &n, ns, "bgp");
	emit_status(o, n.bgp);
	if (routes)
		emit_routes(o, ns, cv, nc, kernel_view);
	else
		emit_peers(o, n.bgp, peer);
	emit_sessions(o, n.bgp);
	int rc = ct_finish(c, &n, &f);
	free(cv);
	ct_findings_free(&f);
	ct_node_free(&n);
	return rc;
}
