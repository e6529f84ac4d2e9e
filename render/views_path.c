/* SPDX-License-Identifier: MIT */
#include "render/views_path.h"

#include <stdio.h>
#include <string.h>

static enum ct_hl verdict_hl(enum ct_hop_verdict v)
{
	switch (v) {
	case CT_HOP_OK:
		return CT_HL_OK;
	case CT_HOP_WARN:
		return CT_HL_WARN;
	case CT_HOP_FAIL:
		return CT_HL_FAIL;
	default:
		return CT_HL_DIM;
	}
}

static void end_label(const struct ct_cluster *c, const struct ct_path_end *e, char *buf,
		      size_t len)
{
	char ip[64];
	ct_ip_fmt(&e->ip, ip, sizeof(ip));
	const struct ct_node *n = e->node >= 0 ? ct_cluster_node(c, e->node) : NULL;
	const char *ns = n && e->ns > 0 && (size_t)e->ns < n->ns.n ? n->ns.v[e->ns].name : NULL;
	if (strcmp(e->label, ip))
		snprintf(buf, len, "%s (%s)", e->label, ip);
	else
		snprintf(buf, len, "%s", ip);
	size_t u = strlen(buf);
	if (n && ns)
		snprintf(buf + u, len - u, " on %s, pod namespace %s", n->name, ns);
	else if (n)
		snprintf(buf + u, len - u, " on %s%s", n->name, e->is_node ? " (the node)" : "");
	else
		snprintf(buf + u, len - u, " (no known node holds it)");
}

/* JSON only: the Service DST is (null when none); text has its hop line. */
static void service_json(struct ct_out *o, const struct ct_svc *v)
{
	if (!v) {
		ct_out_top_str(o, "service", NULL, NULL, CT_HL_NONE);
		return;
	}
	char b[64];
	ct_out_object_begin(o, "service", NULL);
	ct_ip_fmt(&v->vip, b, sizeof(b));
	ct_rec_str(o, NULL, "vip", b, CT_HL_NONE);
	ct_rec_int(o, NULL, "port", v->port, true, CT_HL_NONE);
	ct_rec_str(o, NULL, "proto", ct_svc_proto_name(v->proto), CT_HL_NONE);
	ct_rec_str(o, NULL, "name", v->name[0] ? v->name : NULL, CT_HL_NONE);
	ct_rec_str(o, NULL, "kind", v->kind ? ct_svc_kind_names[v->kind] : NULL, CT_HL_NONE);
	ct_rec_str(o, NULL, "source", ct_svc_source_names[v->source], CT_HL_NONE);
	ct_rec_bool(o, NULL, "no_endpoints", v->no_endpoints, CT_HL_NONE);
	ct_rec_arr_begin(o, "backends");
	for (size_t i = 0; i < v->nbe; i++) {
		ct_rec_obj_begin(o, NULL);
		ct_ip_fmt(&v->be[i].ip, b, sizeof(b));
		ct_rec_str(o, NULL, "ip", b, CT_HL_NONE);
		ct_rec_int(o, NULL, "port", v->be[i].port ? v->be[i].port : v->port, true, CT_HL_NONE);
		ct_rec_obj_end(o);
	}
	ct_rec_arr_end(o);
	ct_out_object_end(o);
}

/* Did an earlier unknown hop than i give this evidence line? (The hops on a node
 * that is not known share why and how to see them: said once.) */
static bool said_before(const struct ct_path *p, size_t i, const char *line)
{
	for (size_t j = 0; j < i; j++)
		if (p->v[j].verdict == CT_HOP_UNKNOWN)
			for (unsigned k = 0; k < p->v[j].n_evidence; k++)
				if (!strcmp(p->v[j].evidence[k], line))
					return true;
	return false;
}

static const struct ct_hop_probe *hop_probe(const struct ct_hop *h, bool rev)
{
	return rev ? &h->rprobe : &h->probe;
}

/* The hop's probe column: what its capture saw of the packet of its direction (rev: of the
 * reverse probe, whose request takes the reverse hops). */
static void probe_cell(const struct ct_path *p, size_t i, bool rev, char *b, size_t len)
{
	const struct ct_hop *h = &p->v[i];
	const struct ct_hop_probe *x = hop_probe(h, rev);
	bool back = h->reverse != rev; /* this hop carries the reply */
	if (!x->watched) {
		snprintf(b, len, "%s", x->lost_here ? "lost here" : "-");
		return;
	}
	bool seen = back ? x->rep_seen : x->req_seen;
	snprintf(b, len, "%s %s", back ? "reply" : "request", seen ? "seen" : "not seen");
	int64_t t = back ? x->rep_us : x->req_us;
	/* latency only against the first hop of the same node and direction that saw it */
	for (size_t k = 0; seen && k < i; k++) {
		const struct ct_hop *g = &p->v[k];
		const struct ct_hop_probe *gx = hop_probe(g, rev);
		int64_t t0 = back ? gx->rep_us : gx->req_us;
		if (g->reverse == h->reverse && g->node == h->node && gx->watched && t0 && t) {
			size_t u = strlen(b);
			snprintf(b + u, len - u, " +%lld us", (long long)(t - t0));
			break;
		}
	}
	if (x->wire_watched) {
		size_t u = strlen(b);
		bool ws = back ? x->wire_rep_seen : x->wire_req_seen;
		snprintf(b + u, len - u, "; encapsulated on %s: %s", x->wire_iface,
			 ws ? "seen" : "not seen");
	}
	if (x->lost_here) {
		size_t u = strlen(b);
		snprintf(b + u, len - u, ", lost here");
	}
}

/* one direction's members of the probe object (the forward's, or its "reverse" member's) */
static void probe_json(struct ct_out *o, const struct ct_path *p, const struct ct_path_probe *pr,
		       bool rev)
{
	ct_rec_str(o, NULL, "proto",
		   pr->ip_proto == 6	? "tcp"
		   : pr->ip_proto == 17 ? "udp"
		   : pr->ip_proto == 58 ? "icmpv6"
					: "icmp",
		   CT_HL_NONE);
	{
		ct_rec_int(o, NULL, "icmp_id", pr->icmp_id, pr->icmp_id >= 0, CT_HL_NONE);
		ct_rec_uint(o, NULL, "sent", pr->sent);
		ct_rec_uint(o, NULL, "received", pr->received);
		ct_rec_int(o, NULL, "rtt_us", pr->rtt_us, pr->rtt_us >= 0, CT_HL_NONE);
		ct_rec_uint(o, NULL, "size", pr->size);
		ct_rec_str(o, NULL, "send_error",
			   pr->send_errno ? strerrorname_np(pr->send_errno) : NULL, CT_HL_NONE);
		ct_rec_str(o, NULL, "icmp_error", pr->icmp_error[0] ? pr->icmp_error : NULL,
			   CT_HL_NONE);
		ct_rec_int(o, NULL, "lost_hop", pr->lost_hop + 1, pr->lost_hop >= 0, CT_HL_NONE);
		ct_rec_str(o, NULL, "lost_direction",
			   pr->lost_hop < 0	   ? NULL
			   : pr->lost_reply != rev ? "reverse"
						   : "forward",
			   CT_HL_NONE);
		ct_rec_str(o, NULL, "cause", pr->cause[0] ? pr->cause : NULL, CT_HL_NONE);
		ct_rec_str(o, NULL, "missing", pr->missing[0] ? pr->missing : NULL, CT_HL_NONE);
		ct_rec_int(o, NULL, "mtu_largest", pr->mtu_largest, pr->mtu_asked, CT_HL_NONE);
		ct_rec_arr_begin(o, "moved");
		for (unsigned i = 0; i < pr->n_moved; i++) {
			const struct ct_probe_moved *m = &pr->moved[i];
			ct_rec_obj_begin(o, NULL);
			const char *nn = NULL;
			for (size_t k = 0; k < p->n && !nn; k++)
				if (p->v[k].node == m->node && p->v[k].node_name[0])
					nn = p->v[k].node_name;
			ct_rec_str(o, NULL, "node", nn, CT_HL_NONE);
			ct_rec_str(o, NULL, "netns", m->netns[0] ? m->netns : NULL, CT_HL_NONE);
			ct_rec_str(o, NULL, "counter", m->name, CT_HL_NONE);
			ct_rec_int(o, NULL, "delta", m->delta, true, CT_HL_NONE);
			ct_rec_int(o, NULL, "hop", m->hop + 1, m->hop >= 0, CT_HL_NONE);
			ct_rec_obj_end(o);
		}
		ct_rec_arr_end(o);
	}
}

static void probe_summary(struct ct_out *o, const struct ct_path *p)
{
	const struct ct_path_probe *pr = &p->probe;
	const struct ct_path_probe *rp = &p->rprobe;
	char b[512];
	if (o->json) {
		ct_out_object_begin(o, "probe", NULL);
		probe_json(o, p, pr, false);
		if (rp->done) {
			ct_rec_obj_begin(o, "reverse");
			probe_json(o, p, rp, true);
			ct_rec_obj_end(o);
		} else {
			ct_rec_str(o, NULL, "reverse", NULL, CT_HL_NONE);
		}
		ct_rec_str(o, NULL, "reverse_not_sent", rp->not_sent[0] ? rp->not_sent : NULL,
			   CT_HL_NONE);
		ct_out_object_end(o);
		return;
	}
	snprintf(b, sizeof(b), "sent %u, received %u", pr->sent, pr->received);
	if (pr->rtt_us >= 0) {
		size_t u = strlen(b);
		snprintf(b + u, sizeof(b) - u, ", rtt %.3f ms", (double)pr->rtt_us / 1000.0);
	}
	ct_out_top_str(o, "probe", "probe", b, pr->received < pr->sent ? CT_HL_FAIL : CT_HL_OK);
	if (pr->lost_hop >= 0) {
		const struct ct_hop *h = &p->v[pr->lost_hop];
		snprintf(b, sizeof(b), "%s at hop %d (%s %s %s): %s",
			 pr->lost_reply ? "the reply is lost" : "the request is lost",
			 pr->lost_hop + 1, h->node_name[0] ? h->node_name : "?",
			 ct_hop_kind_names[h->kind], h->subject, pr->cause);
		ct_out_top_str(o, "lost", "lost", b, CT_HL_FAIL);
	}
	if (pr->mtu_asked) {
		if (pr->mtu_largest)
			snprintf(b, sizeof(b), "%u bytes (probed end to end, DF set)",
				 pr->mtu_largest);
		else
			snprintf(b, sizeof(b), "none: not even a 36-byte probe came back");
		ct_out_top_str(o, "mtu_largest", "largest packet that passes", b,
			       pr->mtu_largest ? CT_HL_NONE : CT_HL_FAIL);
	}
	if (pr->icmp_error[0])
		ct_out_top_str(o, "icmp_error", "icmp error", pr->icmp_error, CT_HL_WARN);
	if (pr->missing[0])
		ct_out_top_str(o, "missing", "not read", pr->missing, CT_HL_DIM);
	/* the reverse probe: DST -> SRC */
	if (!rp->done) {
		if (rp->not_sent[0]) {
			snprintf(b, sizeof(b), "not sent: %s", rp->not_sent);
			ct_out_top_str(o, "reverse_probe", "reverse probe", b, CT_HL_DIM);
		}
		return;
	}
	snprintf(b, sizeof(b), "sent %u, received %u", rp->sent, rp->received);
	if (rp->rtt_us >= 0) {
		size_t u = strlen(b);
		snprintf(b + u, sizeof(b) - u, ", rtt %.3f ms", (double)rp->rtt_us / 1000.0);
	}
	ct_out_top_str(o, "reverse_probe", "reverse probe", b,
		       rp->received < rp->sent ? CT_HL_FAIL : CT_HL_OK);
	if (rp->lost_hop >= 0) {
		const struct ct_hop *h = &p->v[rp->lost_hop];
		snprintf(b, sizeof(b), "%s at hop %d (%s %s %s): %s",
			 rp->lost_reply ? "its reply is lost" : "its request is lost",
			 rp->lost_hop + 1, h->node_name[0] ? h->node_name : "?",
			 ct_hop_kind_names[h->kind], h->subject, rp->cause);
		ct_out_top_str(o, "reverse_lost", "reverse lost", b, CT_HL_FAIL);
	}
	if (rp->icmp_error[0])
		ct_out_top_str(o, "reverse_icmp_error", "reverse icmp error", rp->icmp_error,
			       CT_HL_WARN);
}

static void hop_probe_json(struct ct_out *o, const char *key, const struct ct_hop_probe *x)
{
	ct_rec_obj_begin(o, key);
	ct_rec_bool(o, NULL, "watched", x->watched, CT_HL_NONE);
	ct_rec_bool(o, NULL, "request_seen", x->watched ? x->req_seen : -1, CT_HL_NONE);
	ct_rec_bool(o, NULL, "reply_seen", x->watched ? x->rep_seen : -1, CT_HL_NONE);
	ct_rec_uint(o, NULL, "request_count", x->req_n);
	ct_rec_uint(o, NULL, "reply_count", x->rep_n);
	ct_rec_int(o, NULL, "request_us", x->req_us, x->req_us != 0, CT_HL_NONE);
	ct_rec_int(o, NULL, "reply_us", x->rep_us, x->rep_us != 0, CT_HL_NONE);
	ct_rec_str(o, NULL, "wire_interface", x->wire_watched ? x->wire_iface : NULL, CT_HL_NONE);
	ct_rec_bool(o, NULL, "wire_request_seen", x->wire_watched ? x->wire_req_seen : -1,
		    CT_HL_NONE);
	ct_rec_bool(o, NULL, "wire_reply_seen", x->wire_watched ? x->wire_rep_seen : -1,
		    CT_HL_NONE);
	ct_rec_bool(o, NULL, "lost_here", x->lost_here, CT_HL_NONE);
	ct_rec_str(o, NULL, "cause", x->cause[0] ? x->cause : NULL, CT_HL_NONE);
	ct_rec_obj_end(o);
}

void ct_views_path(struct ct_out *o, const struct ct_cluster *c, const struct ct_path_query *q,
		   const struct ct_path *p, const char *proto)
{
	char b[512], e[1024];
	end_label(c, &q->src, b, sizeof(b));
	ct_out_top_str(o, "src", "from", b, CT_HL_NONE);
	end_label(c, &q->dst, b, sizeof(b));
	ct_out_top_str(o, "dst", "to", b, CT_HL_NONE);
	if (q->port)
		snprintf(b, sizeof(b), "%s port %u", proto, q->port);
	else
		snprintf(b, sizeof(b), "%s", proto);
	ct_out_top_str(o, "proto", "protocol", b, CT_HL_NONE);
	b[0] = 0;
	for (size_t i = 0; i < c->nodes.n; i++) {
		const struct ct_node *n = c->nodes.v[i];
		size_t u = strlen(b);
		snprintf(b + u, sizeof(b) - u, "%s%s (%s)", i ? ", " : "", n->name,
			 strcmp(n->source, "live") ? "snapshot" : "live");
	}
	ct_out_top_str(o, "nodes", "nodes", b, CT_HL_NONE);
	if (p->mtu_forward)
		snprintf(b, sizeof(b), "%u", p->mtu_forward);
	ct_out_top_str(o, "mtu_forward", "largest packet forward", p->mtu_forward ? b : NULL,
		       CT_HL_NONE);
	if (p->mtu_reverse)
		snprintf(b, sizeof(b), "%u", p->mtu_reverse);
	ct_out_top_str(o, "mtu_reverse", "largest packet back", p->mtu_reverse ? b : NULL,
		       CT_HL_NONE);
	if (o->json && p->n_notes > 1) {
		/* one key: the notes joined (a second "note" would not be JSON) */
		char all[4 * 260] = "";
		for (unsigned i = 0; i < p->n_notes; i++) {
			size_t u = strlen(all);
			snprintf(all + u, sizeof(all) - u, "%s%s", i ? "; " : "", p->notes[i]);
		}
		ct_out_top_str(o, "note", "note", all, CT_HL_NONE);
	} else {
		for (unsigned i = 0; i < p->n_notes; i++)
			ct_out_top_str(o, i ? NULL : "note", "note", p->notes[i], CT_HL_NONE);
	}
	if (o->json)
		service_json(o, q->svc);
	if (p->probe.done)
		probe_summary(o, p);

	ct_out_section(o, "hops", "hops");
	for (size_t i = 0; i < p->n; i++) {
		const struct ct_hop *h = &p->v[i];
		ct_rec_begin(o);
		ct_rec_int(o, "#", "hop", (int64_t)i + 1, true, CT_HL_NONE);
		ct_rec_str(o, "dir", "direction", h->reverse ? "reverse" : "forward", CT_HL_NONE);
		ct_rec_str(o, "node", "node", h->node_name[0] ? h->node_name : NULL, CT_HL_NONE);
		ct_rec_str(o, NULL, "netns", h->netns[0] ? h->netns : NULL, CT_HL_NONE);
		ct_rec_str(o, "hop", "kind", ct_hop_kind_names[h->kind], CT_HL_NONE);
		ct_rec_str(o, "subject", "subject", h->subject[0] ? h->subject : NULL, CT_HL_NONE);
		ct_rec_str(o, "verdict", "verdict", ct_hop_verdict_names[h->verdict],
			   verdict_hl(h->verdict));
		ct_rec_str(o, "evidence", "summary", h->summary, CT_HL_NONE);
		ct_rec_int(o, NULL, "mtu", h->mtu, h->mtu != 0, CT_HL_NONE);
		const char *ev[CT_HOP_EVIDENCE];
		for (unsigned k = 0; k < h->n_evidence; k++)
			ev[k] = h->evidence[k];
		ct_rec_strv(o, NULL, "evidence", ev, h->n_evidence);
		const char *codes[CT_HOP_FINDINGS];
		for (unsigned k = 0; k < h->n_findings; k++)
			codes[k] = h->findings[k].def ? h->findings[k].def->code : "";
		ct_rec_strv(o, NULL, "findings", codes, h->n_findings);
		if (p->probe.done && !o->json) {
			probe_cell(p, i, false, b, sizeof(b));
			ct_rec_str(o, "probe", "probe", b,
				   h->probe.lost_here ? CT_HL_FAIL : CT_HL_NONE);
			if (p->rprobe.done) {
				probe_cell(p, i, true, b, sizeof(b));
				ct_rec_str(o, "reverse probe", "reverse_probe", b,
					   h->rprobe.lost_here ? CT_HL_FAIL : CT_HL_NONE);
			}
		} else if (p->probe.done) {
			hop_probe_json(o, "probe", &h->probe);
			if (p->rprobe.done)
				hop_probe_json(o, "reverse_probe", &h->rprobe);
			else
				ct_rec_str(o, NULL, "reverse_probe", NULL, CT_HL_NONE);
		}
		ct_rec_end(o);
	}
	ct_out_section_end(o);
	if (o->json)
		return;
	/* the details of every hop that is not ok */
	bool any = false;
	for (size_t i = 0; i < p->n; i++) {
		const struct ct_hop *h = &p->v[i];
		if (h->verdict == CT_HOP_OK)
			continue;
		if (!any)
			ct_out_printf(o, "\ndetails\n");
		any = true;
		ct_escape(h->subject, b, sizeof(b));
		ct_out_printf(o, "  hop %zu, %s %s%s%s: %s\n", i + 1, h->node_name[0] ? h->node_name : "?",
			      ct_hop_kind_names[h->kind], b[0] ? " " : "", b,
			      ct_hop_verdict_names[h->verdict]);
		ct_out_printf(o, "    %s\n", ct_escape(h->summary, e, sizeof(e)));
		for (unsigned k = 0; k < h->n_evidence; k++)
			if (h->verdict != CT_HOP_UNKNOWN || !said_before(p, i, h->evidence[k]))
				ct_out_printf(o, "    %s\n", ct_escape(h->evidence[k], e, sizeof(e)));
		for (unsigned k = 0; k < h->n_findings; k++)
			ct_out_printf(o, "    %s: %s\n", h->findings[k].def ? h->findings[k].def->code : "?",
				      ct_escape(h->findings[k].message, e, sizeof(e)));
	}
}
