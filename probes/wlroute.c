/* SPDX-License-Identifier: MIT */
#include "probes/wlroute.h"

#include <errno.h>
#include <net/if.h>
#include <string.h>

#include <linux/rtnetlink.h>

#include "probes/route_get.h"

#define WLROUTE_MAX_INGRESS 8

struct ingress {
	int iif;
	struct ct_ip src; /* a remote pod address routed back through iif */
};

/* A device that carries traffic between nodes: a vxlan device, an L3 tunnel
 * (no link-layer address), or the underlay a BGP route goes through. */
static bool remote_route(const struct ct_netns *ns, const struct ct_route *r,
			 const struct ct_prefixes *pfx)
{
	const struct ct_link *l;

	if (r->table != RT_TABLE_MAIN || r->type != RTN_UNICAST || r->nh_count > 1 || !r->oif ||
	    r->dst.len == 0 || r->dst.len >= ct_ip_maxlen(r->dst.ip.family))
		return false;
	l = ct_link_by_ifindex(ns, r->oif);
	if (!l || !(l->flags & IFF_UP) || ct_is_workload(pfx, l->name))
		return false;
	if (r->protocol == RTPROT_BIRD || r->protocol == 80 /* felix */)
		return true;
	return !strcmp(l->kind, "vxlan") && ct_ip_is_set(&r->gw);
}

/* The first host address of a block (its network address + 1; the address
 * itself for a /31 or /127 and longer). */
static struct ct_ip block_host(const struct ct_prefix *p)
{
	struct ct_ip ip = p->ip;
	int n = ip.family == AF_INET ? 4 : 16;

	if (p->len < ct_ip_maxlen(ip.family) - 1) {
		for (int i = n - 1; i >= 0; i--)
			if (++ip.a[i])
				break;
	}
	return ip;
}

static size_t ingresses(const struct ct_netns *ns, const struct ct_prefixes *pfx, uint8_t family,
			struct ingress *out)
{
	size_t n = 0;

	for (size_t i = 0; i < ns->routes.n && n < WLROUTE_MAX_INGRESS; i++) {
		const struct ct_route *r = &ns->routes.v[i];
		bool seen = false;
		if (r->dst.ip.family != family || !remote_route(ns, r, pfx))
			continue;
		for (size_t k = 0; k < n && !seen; k++)
			seen = out[k].iif == r->oif;
		if (seen)
			continue;
		out[n].iif = r->oif;
		out[n].src = block_host(&r->dst);
		n++;
	}
	return n;
}

static int ask(struct ct_nl *nl, struct ct_netns *ns, const struct ct_ip *dst, int wl,
	       const struct ingress *in)
{
	struct ct_route_query q = { .dst = *dst };
	struct ct_route_answer a;
	struct ct_wlroute *w;
	int r;

	if (in) {
		q.iif = in->iif;
		q.src = in->src;
	}
	r = ct_route_get(nl, &q, &a);
	if (r < 0)
		return r;
	w = ct_push_wlroute(ns);
	if (!w) {
		ct_route_answer_clear(&a);
		return -ENOMEM;
	}
	memset(w, 0, sizeof(*w));
	w->dst = *dst;
	w->wl = wl;
	w->iif = in ? in->iif : 0;
	if (in)
		w->src = in->src;
	w->err = a.err;
	w->oif = a.err ? 0 : a.route.oif;
	w->type = a.err ? 0 : a.route.type;
	ct_route_answer_clear(&a);
	return 0;
}

int ct_wlroute_gather(struct ct_nl *nl, struct ct_netns *ns, const struct ct_prefixes *pfx)
{
	struct ingress in4[WLROUTE_MAX_INGRESS], in6[WLROUTE_MAX_INGRESS];
	size_t n4 = ingresses(ns, pfx, AF_INET, in4), n6 = ingresses(ns, pfx, AF_INET6, in6);
	size_t nroutes = ns->routes.n; /* ask() pushes no routes, but keep the bound fixed */

	ns->wlroutes.n = 0;
	for (size_t i = 0; i < nroutes; i++) {
		const struct ct_route *r = &ns->routes.v[i];
		const struct ct_link *l;
		if (r->table != RT_TABLE_MAIN || r->type != RTN_UNICAST || r->nh_count > 1 ||
		    (r->dst.ip.family != AF_INET && r->dst.ip.family != AF_INET6) ||
		    r->dst.len != ct_ip_maxlen(r->dst.ip.family))
			continue;
		l = ct_link_by_ifindex(ns, r->oif);
		if (!l || !(l->flags & IFF_UP) || !ct_is_workload(pfx, l->name))
			continue;
		const struct ct_ip dst = r->dst.ip;
		const int wl = r->oif;
		int rc = ask(nl, ns, &dst, wl, NULL);
		const struct ingress *in = dst.family == AF_INET ? in4 : in6;
		size_t nin = dst.family == AF_INET ? n4 : n6;
		for (size_t k = 0; rc == 0 && k < nin; k++)
			rc = ask(nl, ns, &dst, wl, &in[k]);
		if (rc < 0)
			return rc;
	}
	return 0;
}
