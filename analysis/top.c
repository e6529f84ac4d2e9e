/* SPDX-License-Identifier: MIT */
/* The frame of `caltrace top` (analysis/top.h). Pure. */
#include <linux/neighbour.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/fold.h"
#include "analysis/results.h"
#include "analysis/top.h"

void ct_top_ctrs_init(struct ct_top_ctrs *c)
{
	memset(c, 0, sizeof(*c));
}

void ct_top_ctrs_free(struct ct_top_ctrs *c)
{
	free(c->v);
	memset(c, 0, sizeof(*c));
}

static int ctr_cmp(const void *a, const void *b)
{
	int x = ((const struct ct_top_ctr *)a)->ifindex,
	    y = ((const struct ct_top_ctr *)b)->ifindex;
	return (x > y) - (x < y);
}

void ct_top_ctrs_sort(struct ct_top_ctrs *c)
{
	if (c->n > 1)
		qsort(c->v, c->n, sizeof(*c->v), ctr_cmp);
}

const struct ct_stats *ct_top_ctrs_get(const struct ct_top_ctrs *c, int ifindex)
{
	if (!c)
		return NULL;
	size_t lo = 0, hi = c->n;
	while (lo < hi) {
		size_t m = lo + (hi - lo) / 2;
		if (c->v[m].ifindex == ifindex)
			return &c->v[m].s;
		if (c->v[m].ifindex < ifindex)
			lo = m + 1;
		else
			hi = m;
	}
	return NULL;
}

void ct_top_rate(const struct ct_stats *prev, const struct ct_stats *cur, int64_t dt_ms,
		 struct ct_top_rate *r)
{
	memset(r, 0, sizeof(*r));
	if (!prev || !cur || dt_ms <= 0)
		return;
	double s = (double)dt_ms / 1000.0;
	/* unsigned subtraction: modulo 2^64, so a wrapped counter gives the small delta */
	r->known = true;
	r->rx_pps = (double)(cur->rx_packets - prev->rx_packets) / s;
	r->tx_pps = (double)(cur->tx_packets - prev->tx_packets) / s;
	r->rx_bps = (double)(cur->rx_bytes - prev->rx_bytes) * 8.0 / s;
	r->tx_bps = (double)(cur->tx_bytes - prev->tx_bytes) * 8.0 / s;
	r->errors = (cur->rx_errors - prev->rx_errors) + (cur->tx_errors - prev->tx_errors);
	r->dropped = (cur->rx_dropped - prev->rx_dropped) + (cur->tx_dropped - prev->tx_dropped);
}

const char *const ct_top_drop_counters[][2] = {
    {"TcpExtIPReversePathFilter", "reverse path filter"},
    {"IpExtInNoRoutes", "no route"},
    {"IpOutNoRoutes", "no route (sent)"},
    {"IpInAddrErrors", "bad destination address"},
    {"IpInHdrErrors", "bad IP header"},
    {"IpInDiscards", "discarded on input"},
    {"IpOutDiscards", "discarded on output"},
    {"IpExtInCsumErrors", "bad checksum"},
    {"Ip6InNoRoutes", "no route (IPv6)"},
    {"Ip6InAddrErrors", "bad destination address (IPv6)"},
    {"ConntrackInvalid", "conntrack invalid"},
    {"ConntrackDrop", "conntrack table full"},
    {"ConntrackInsertFailed", "conntrack insert failed"},
    {NULL, NULL},
};

bool ct_top_peer_cause(const struct ct_bgp_peer *p, char *buf, size_t len)
{
	buf[0] = 0;
	if (!strcmp(p->bgp_state, "Established"))
		return false;
	const char *st = p->bgp_state[0] ? p->bgp_state : p->state[0] ? p->state : "unknown";
	if (p->last_error[0])
		snprintf(buf, len, "%s: %s", st, p->last_error);
	else if (p->info[0] && strcmp(p->info, st) != 0)
		snprintf(buf, len, "%s: %s", st, p->info);
	else if (!strcmp(p->state, "down"))
		snprintf(buf, len, "%s: the protocol is down in BIRD", st);
	else
		snprintf(buf, len, "%s: no session with %s yet", st, p->name);
	return true;
}

int ct_top_findings(const struct ct_node *n, const struct ct_netns *ns,
		    const struct ct_prefixes *pfx, struct ct_findings *f)
{
	struct ct_doctor_result r;
	if (ct_doctor_result_build(n, ns, pfx, NULL, &r, f) < 0)
		return -1;
	ct_analyze_load(n, f);
	(void)ct_findings_fold(f);
	ct_findings_sort(f);
	return 0;
}

int ct_top_exit(const struct ct_top_frame *fr)
{
	return fr->h.fail + fr->h.warn > 0 ? 1 : 0;
}

static void ntbl_count(const struct ct_netns *ns, struct ct_top_ntbl *x)
{
	for (size_t i = 0; i < ns->neighs.n; i++) {
		const struct ct_neigh *e = &ns->neighs.v[i];
		if (e->flags & NTF_PROXY)
			continue;
		if ((x->t->family == 2 && e->dst.family != 2) ||
		    (x->t->family == 10 && e->dst.family != 10))
			continue;
		if (e->state & NUD_REACHABLE)
			x->reachable++;
		else if (e->state & (NUD_STALE | NUD_DELAY | NUD_PROBE))
			x->stale++;
		else if (e->state & NUD_FAILED)
			x->failed++;
		else if (e->state & NUD_INCOMPLETE)
			x->incomplete++;
		else if (e->state & (NUD_PERMANENT | NUD_NOARP))
			x->permanent++;
		else
			x->other++;
	}
	uint32_t perm = 0;
	x->pressure = ct_rule_neightbl(ns, x->t, &x->gc, &perm);
}

static bool is_bgp_peer(const struct ct_bgp_peer *p)
{
	return !strcmp(p->proto, "BGP");
}

int ct_top_frame_build(const struct ct_top_input *in, struct ct_top_frame *fr)
{
	memset(fr, 0, sizeof(*fr));
	const struct ct_netns *ns = in->ns;
	fr->n = in->n;
	fr->ns = ns;
	fr->pfx = in->pfx;
	fr->findings = in->findings;
	fr->events = in->events;
	fr->nevents = in->nevents;
	fr->stats_note = in->stats_note ? in->stats_note : "";
	fr->nstat_note = in->nstat_note ? in->nstat_note : "";
	fr->pol_note = in->pol_note ? in->pol_note : "";
	fr->flows_note = in->flows_note ? in->flows_note : "";
	fr->flows = in->flows;
	fr->nflows = in->nflows;
	fr->flows_total = in->flows_total;
	fr->flows_on = in->flows_on;
	int64_t dt = in->prev && in->cur ? in->cur->at_ms - in->prev->at_ms : 0;

	/* workloads */
	if (ct_workloads(in->n, ns, in->pfx, &fr->wl_src, &fr->nwl) < 0)
		goto oom;
	fr->wl = calloc(fr->nwl ? fr->nwl : 1, sizeof(*fr->wl));
	if (!fr->wl)
		goto oom;
	for (size_t i = 0; i < fr->nwl; i++) {
		struct ct_top_wl *x = &fr->wl[i];
		x->w = &fr->wl_src[i];
		if (x->w->pod)
			snprintf(x->pod, sizeof(x->pod), "%s/%s", x->w->pod->ns, x->w->pod->name);
		int ifi = x->w->link->ifindex;
		const struct ct_stats *c = ct_top_ctrs_get(in->cur, ifi);
		if (c) {
			x->have_ctr = true;
			x->total = *c;
			ct_top_rate(ct_top_ctrs_get(in->prev, ifi), c, dt, &x->r);
		}
		for (size_t k = 0; in->pol && k < in->npol; k++)
			if (!strcmp(in->pol[k].iface, x->w->link->name)) {
				x->pol_known = true;
				x->pol_dropped = in->pol[k].dropped;
			}
	}
	/* tunnels */
	if (ct_tunnels_build(in->n, ns, in->pfx, &fr->tunnels) < 0)
		goto oom;
	fr->ntun = fr->tunnels.n;
	fr->tun = calloc(fr->ntun ? fr->ntun : 1, sizeof(*fr->tun));
	if (!fr->tun)
		goto oom;
	for (size_t i = 0; i < fr->ntun; i++) {
		struct ct_top_tun *x = &fr->tun[i];
		x->t = &fr->tunnels.v[i];
		int ifi = x->t->link->ifindex;
		const struct ct_stats *c = ct_top_ctrs_get(in->cur, ifi);
		if (c) {
			x->have_ctr = true;
			x->total = *c;
			ct_top_rate(ct_top_ctrs_get(in->prev, ifi), c, dt, &x->r);
		}
	}
	/* BGP peers */
	size_t np = 0;
	for (size_t i = 0; in->bgp && i < in->bgp->n_peers; i++)
		np += is_bgp_peer(&in->bgp->peers[i]);
	fr->peers = calloc(np ? np : 1, sizeof(*fr->peers));
	if (!fr->peers)
		goto oom;
	for (size_t i = 0; in->bgp && i < in->bgp->n_peers; i++) {
		const struct ct_bgp_peer *p = &in->bgp->peers[i];
		if (!is_bgp_peer(p))
			continue;
		struct ct_top_peer *x = &fr->peers[fr->npeers++];
		x->p = p;
		x->established = !ct_top_peer_cause(p, x->cause, sizeof(x->cause));
		fr->h.peers_up += x->established;
	}
	/* neighbour tables */
	fr->ntbl = calloc(ns->neightbls.n ? ns->neightbls.n : 1, sizeof(*fr->ntbl));
	if (!fr->ntbl)
		goto oom;
	for (size_t i = 0; i < ns->neightbls.n; i++) {
		struct ct_top_ntbl *x = &fr->ntbl[fr->nntbl++];
		x->t = &ns->neightbls.v[i];
		ntbl_count(ns, x);
	}
	/* drops by reason */
	size_t nd = 0;
	while (ct_top_drop_counters[nd][0])
		nd++;
	size_t pd = 0; /* rows of the pod namespaces */
	for (size_t i = 0; in->podns && i < in->npodns; i++) {
		const struct ct_top_nsdrops *e = &in->podns[i];
		if (!e->known) {
			pd++;
			continue;
		}
		for (size_t k = 0; k < nd && k < CT_TOP_DROPS_MAX; k++)
			pd += (e->have >> k & 1) && e->v[k] != 0;
	}
	fr->drops = calloc(nd + pd, sizeof(*fr->drops));
	if (!fr->drops)
		goto oom;
	for (size_t i = 0; in->nstat_cur && i < nd; i++) {
		int64_t v, pv;
		if (!ct_nstat_get(in->nstat_cur, ct_top_drop_counters[i][0], &v))
			continue;
		struct ct_top_drop *x = &fr->drops[fr->ndrops++];
		x->netns = ns->name;
		x->counter = ct_top_drop_counters[i][0];
		x->reason = ct_top_drop_counters[i][1];
		x->value = v;
		if (in->nstat_prev && in->nstat_dt_ms > 0 &&
		    ct_nstat_get(in->nstat_prev, x->counter, &pv) && v >= pv) {
			x->rate_known = true;
			x->per_s = (double)(v - pv) * 1000.0 / (double)in->nstat_dt_ms;
		}
	}
	for (size_t i = 0; in->podns && i < in->npodns; i++) {
		const struct ct_top_nsdrops *e = &in->podns[i];
		if (!e->known) {
			struct ct_top_drop *x = &fr->drops[fr->ndrops++];
			x->netns = e->netns;
			x->unknown = true;
			x->counter = "?";
			x->reason = e->note[0] ? e->note : "not read";
			continue;
		}
		for (size_t k = 0; k < nd && k < CT_TOP_DROPS_MAX; k++) {
			if (!(e->have >> k & 1) || e->v[k] == 0)
				continue;
			struct ct_top_drop *x = &fr->drops[fr->ndrops++];
			x->netns = e->netns;
			x->counter = ct_top_drop_counters[k][0];
			x->reason = ct_top_drop_counters[k][1];
			x->value = e->v[k];
			if ((e->phave >> k & 1) && e->dt_ms > 0 && e->v[k] >= e->pv[k]) {
				x->rate_known = true;
				x->per_s = (double)(e->v[k] - e->pv[k]) * 1000.0 / (double)e->dt_ms;
			}
		}
	}
	/* header */
	struct ct_top_header *h = &fr->h;
	h->node = in->n->name;
	h->netns = ns->name;
	h->source = in->source ? in->source : "live";
	h->mode = fr->tunnels.mode ? fr->tunnels.mode : "none";
	/* not allowed to ask is not knowing: "?", the note says why */
	bool denied = in->bird_error && (strstr(in->bird_error, "ermission denied") ||
					 strstr(in->bird_error, "CAP_"));
	/* no BIRD and none expected (VXLAN mode: doctor's bgp_not_running) is not a BIRD down */
	bool none = false;
	for (size_t i = 0; !in->bgp && in->findings && i < in->findings->n; i++)
		none |= !strcmp(in->findings->v[i].def->code, "bgp_not_running");
	h->bird = in->bgp ? "up" : in->bird_pending || denied ? "?" : none ? "none" : "down";
	h->bird_note = in->bgp ? "" : in->bird_error ? in->bird_error : "";
	h->workloads = fr->nwl;
	h->tunnels = fr->ntun;
	h->peers = fr->npeers;
	h->routes = ns->routes.n;
	h->neighs = ns->neighs.n;
	for (size_t i = 0; in->findings && i < in->findings->n; i++) {
		enum ct_sev s = in->findings->v[i].sev;
		h->fail += s == CT_SEV_FAIL;
		h->warn += s == CT_SEV_WARN;
		h->info += s == CT_SEV_INFO;
	}
	h->age_s =
	    in->model_at && in->now >= in->model_at ? (double)(in->now - in->model_at) / 1000.0 : 0;
	h->resyncs = in->resyncs;
	h->stale = in->stale;
	h->note = in->live_note ? in->live_note : "";
	h->tick = in->ticks;
	h->at = in->now;
	return 0;
oom:
	ct_top_frame_free(fr);
	return -1;
}

void ct_top_frame_free(struct ct_top_frame *fr)
{
	free(fr->wl_src);
	free(fr->wl);
	ct_tunnels_free(&fr->tunnels);
	free(fr->tun);
	free(fr->peers);
	free(fr->ntbl);
	free(fr->drops);
	memset(fr, 0, sizeof(*fr));
}
