/* SPDX-License-Identifier: MIT */
/* The pod gateway's refusal, classified (analysis/gwcause.h). Pure. */
#include "analysis/gwcause.h"

#include <errno.h>
#include <linux/fib_rules.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "analysis/findings.h"
#include "model/names.h"

#include "model/lookup.h"

static const char *const cause_names[CT_GW__COUNT] = {
	[CT_GW_OK] = "ok",
	[CT_GW_NOT_CHECKED] = "not_checked",
	[CT_GW_NO_ROUTE] = "no_route",
	[CT_GW_IP_FORWARD_OFF] = "ip_forward_off",
	[CT_GW_FORWARDING_OFF] = "forwarding_off",
	[CT_GW_UNREACHABLE] = "unreachable_route",
	[CT_GW_PROHIBIT] = "prohibit_route",
	[CT_GW_POD_ROUTE_MISSING] = "pod_route_missing",
	[CT_GW_POD_ROUTE_SHADOWED] = "pod_route_shadowed",
	[CT_GW_BLACKHOLE] = "blackhole_route",
	[CT_GW_LINK_DOWN] = "link_down",
	[CT_GW_BAD_SOURCE] = "bad_source",
	[CT_GW_UNKNOWN] = "unknown",
};

const char *ct_gw_cause_name(enum ct_gw_cause c)
{
	return (unsigned)c < CT_GW__COUNT ? cause_names[c] : "unknown";
}

int ct_gw_cause_errno(enum ct_gw_cause c, bool rpf_exdev)
{
	switch (c) {
	case CT_GW_NO_ROUTE: return ENETUNREACH;
	case CT_GW_IP_FORWARD_OFF:
	case CT_GW_FORWARDING_OFF:
	case CT_GW_UNREACHABLE: return EHOSTUNREACH;
	case CT_GW_PROHIBIT: return EACCES;
	case CT_GW_POD_ROUTE_MISSING:
	case CT_GW_POD_ROUTE_SHADOWED: return rpf_exdev ? EXDEV : EINVAL;
	case CT_GW_BLACKHOLE:
	case CT_GW_LINK_DOWN:
	case CT_GW_BAD_SOURCE: return EINVAL;
	default: return 0;
	}
}

static const struct ct_ip gw_ip = { .family = AF_INET, .a = { 169, 254, 1, 1 } };

/* The most specific route of type t covering 169.254.1.1 in any table (the
 * model's lookup passes over throw routes; this names one). */
static const struct ct_route *covering(const struct ct_netns *ns, uint8_t t)
{
	const struct ct_route *best = NULL;
	for (size_t i = 0; i < ns->routes.n; i++) {
		const struct ct_route *r = &ns->routes.v[i];
		if (r->type == t && r->dst.ip.family == AF_INET && ct_prefix_contains(&r->dst, &gw_ip) &&
		    (!best || r->dst.len > best->dst.len))
			best = r;
	}
	return best;
}

static bool is_local(const struct ct_netns *ns, const struct ct_ip *ip)
{
	for (size_t i = 0; i < ns->addrs.n; i++)
		if (ct_ip_eq(&ns->addrs.v[i].pfx.ip, ip))
			return true;
	for (size_t i = 0; i < ns->routes.n; i++)
		if (ns->routes.v[i].type == RTN_LOCAL && ct_prefix_contains(&ns->routes.v[i].dst, ip))
			return true;
	return false;
}

static bool martian(const struct ct_ip *ip)
{
	const uint8_t *a = ip->a;
	return ip->family != AF_INET || (!a[0] && !a[1] && !a[2] && !a[3]) || (a[0] & 0xf0) == 0xe0 ||
	       (a[0] == 255 && a[1] == 255 && a[2] == 255 && a[3] == 255);
}

/* The reverse-path check failed: is the pod's own route (a unicast route to src
 * out of iif) missing, or does another route (or rule) win the lookup for src? */
static void reverse_path(const struct ct_netns *ns, int iif, const struct ct_ip *src,
			 struct ct_gw_verdict *v)
{
	struct ct_lookup_query q = { .dst = { .family = AF_INET } };
	struct ct_lookup_result res;
	bool own = false;

	for (size_t i = 0; i < ns->routes.n && !own; i++) {
		const struct ct_route *r = &ns->routes.v[i];
		own = r->dst.ip.family == AF_INET && r->oif == iif && r->type == RTN_UNICAST &&
		      (src ? ct_prefix_contains(&r->dst, src) : r->dst.len == 32);
	}
	v->cause = CT_GW_POD_ROUTE_MISSING;
	if (!own)
		return;
	v->cause = CT_GW_POD_ROUTE_SHADOWED;
	if (!src)
		return;
	q.dst = *src;
	/* the pod's route exists, so something wins over it: name it when the model
	 * sees it (a rule action or a route the model does not keep: NULL) */
	if (ct_lookup(ns, &q, &res) == 0 && res.route && res.route->oif != iif)
		v->route = res.route;
}

void ct_gw_classify(const struct ct_netns *ns, int iif, const struct ct_ip *src, int err,
		    struct ct_gw_verdict *v)
{
	const struct ct_link *l = ct_link_by_ifindex(ns, iif);

	memset(v, 0, sizeof(*v));
	v->err = err;
	if (!err) {
		v->cause = CT_GW_OK;
		return;
	}
	if (src && !src->family)
		src = NULL; /* an old snapshot: asked, the source not kept */
	switch (err) {
	case ENETUNREACH:
		v->cause = CT_GW_NO_ROUTE;
		v->route = covering(ns, RTN_THROW);
		return;
	case EHOSTUNREACH:
		/* forwarding off hides every route type: netconf first */
		if (ns->conf.ip_forward == 0 || ns->conf.forwarding == 0)
			v->cause = CT_GW_IP_FORWARD_OFF;
		else if (l && l->forwarding == 0)
			v->cause = CT_GW_FORWARDING_OFF;
		else {
			v->cause = CT_GW_UNREACHABLE;
			v->route = covering(ns, RTN_UNREACHABLE);
		}
		return;
	case EACCES:
		v->cause = CT_GW_PROHIBIT;
		v->route = covering(ns, RTN_PROHIBIT);
		return;
	case EXDEV:
		reverse_path(ns, iif, src, v);
		return;
	case EINVAL:
		break;
	default:
		v->cause = CT_GW_UNKNOWN;
		return;
	}
	/* EINVAL: the link, the source, the route's type, then the reverse path */
	if (l && !(l->flags & IFF_UP)) {
		v->cause = CT_GW_LINK_DOWN;
		return;
	}
	if (src && (martian(src) || is_local(ns, src))) {
		v->cause = CT_GW_BAD_SOURCE;
		return;
	}
	struct ct_lookup_query q = { .dst = gw_ip, .iif = iif };
	if (src)
		q.src = *src;
	struct ct_lookup_result res;
	if (ct_lookup(ns, &q, &res) == 0) {
		if (res.route && res.route->type == RTN_BLACKHOLE) {
			v->cause = CT_GW_BLACKHOLE;
			v->route = res.route;
			return;
		}
		if (res.why == CT_LOOKUP_RULE_ACTION && res.rule &&
		    res.rule->action == FR_ACT_BLACKHOLE) {
			v->cause = CT_GW_BLACKHOLE;
			return;
		}
	}
	reverse_path(ns, iif, src, v);
}

/* ip route del [TYPE] PREFIX [table T] [metric M] for route r. */
static void run_del(struct ct_finding *x, const struct ct_netns *ns, const struct ct_route *r)
{
	char d[64], tb[16], m[16], tn[16];
	const char *argv[12];
	size_t n = 0;

	if (!x || !r)
		return;
	ct_prefix_fmt(&r->dst, d, sizeof(d));
	argv[n++] = "ip";
	argv[n++] = "route";
	argv[n++] = "del";
	if (r->type != RTN_UNICAST)
		argv[n++] = ct_name_of(ct_rt_types, r->type, tn, sizeof(tn));
	argv[n++] = d;
	if (r->table != RT_TABLE_MAIN) {
		argv[n++] = "table";
		argv[n++] = ct_name_of(ct_rt_tables, (int)r->table, tb, sizeof(tb));
	}
	if (r->priority) {
		snprintf(m, sizeof(m), "%u", r->priority);
		argv[n++] = "metric";
		argv[n++] = m;
	}
	ct_finding_runv(x, ns, argv, n);
}

/* "blackhole 169.254.0.0/16 table main" */
static void route_words(const struct ct_route *r, char *buf, size_t len)
{
	char d[64], tb[16], tn[16];
	ct_prefix_fmt(&r->dst, d, sizeof(d));
	snprintf(buf, len, "%s %s table %s", ct_name_of(ct_rt_types, r->type, tn, sizeof(tn)), d,
		 ct_name_of(ct_rt_tables, (int)r->table, tb, sizeof(tb)));
}

/* The cause in words, for the finding and for the pod side's pod_gateway_failed. */
static void describe(const struct ct_gw_verdict *v, const char *name, const char *pod,
		     const char *rw, char *buf, size_t len)
{
	switch (v->cause) {
	case CT_GW_NO_ROUTE:
		if (v->route)
			snprintf(buf, len, "the throw route %s ends the lookup with no route", rw);
		else
			snprintf(buf, len, "no route covers 169.254.1.1 (the node has no default "
				 "route)");
		break;
	case CT_GW_IP_FORWARD_OFF:
		snprintf(buf, len, "net.ipv4.ip_forward is 0, the node forwards nothing");
		break;
	case CT_GW_FORWARDING_OFF:
		snprintf(buf, len, "forwarding is off on %s", name);
		break;
	case CT_GW_UNREACHABLE:
	case CT_GW_PROHIBIT:
	case CT_GW_BLACKHOLE:
		if (v->route)
			snprintf(buf, len, "169.254.1.1 hits the route %s", rw);
		else
			snprintf(buf, len, "169.254.1.1 hits a rule's %s action",
				 v->cause == CT_GW_UNREACHABLE ? "unreachable" :
				 v->cause == CT_GW_PROHIBIT ? "prohibit" : "blackhole");
		break;
	case CT_GW_POD_ROUTE_MISSING:
		snprintf(buf, len, "the reverse-path check fails: no route to the pod %s through %s",
			 pod, name);
		break;
	case CT_GW_POD_ROUTE_SHADOWED:
		snprintf(buf, len, "the reverse-path check fails: the route to the pod %s is "
			 "shadowed%s%s", pod, rw[0] ? " by " : "", rw);
		break;
	case CT_GW_LINK_DOWN:
		snprintf(buf, len, "%s is down", name);
		break;
	case CT_GW_BAD_SOURCE:
		snprintf(buf, len, "the source %s is invalid (a local or special address)", pod);
		break;
	default:
		snprintf(buf, len, "the kernel refuses it (%s)", strerror(v->err));
		break;
	}
}

bool ct_gw_why(const struct ct_netns *ns, const struct ct_gwcheck *gc, char *buf, size_t len)
{
	const struct ct_link *wl = ct_link_by_ifindex(ns, gc->iif);
	struct ct_gw_verdict v;
	char pod[64] = "the pod", rw[128] = "";

	if (gc->unasked)
		return false;
	ct_gw_classify(ns, gc->iif, &gc->src, gc->err, &v);
	if (v.cause == CT_GW_OK)
		return false;
	if (gc->src.family)
		ct_ip_fmt(&gc->src, pod, sizeof(pod));
	if (v.route)
		route_words(v.route, rw, sizeof(rw));
	describe(&v, wl ? wl->name : "?", pod, rw, buf, len);
	return true;
}

/* No route at all covers 169.254.1.1: one cause for every pod of the node, raised
 * once per namespace; each pod's pod_gateway_unroutable folds under it. */
static void no_route_root(const struct ct_netns *ns, struct ct_findings *f)
{
	for (size_t i = 0; i < f->n; i++)
		if (!strcmp(f->v[i].def->code, "no_route_to_pod_gateway") &&
		    !strcmp(f->v[i].netns, ns->name))
			return;
	ct_finding_add(f, "no_route_to_pod_gateway", ns->name, "169.254.1.1",
		       "no route of any table the rules reach covers 169.254.1.1 (no default route)",
		       "give the node a default route (any gateway, for instance the underlay's "
		       "router): proxy ARP answers only for an address the node can route",
		       "no route covers 169.254.1.1: proxy ARP answers none of the pods, and no pod "
		       "can send through its gateway");
}

void ct_gw_finding(const struct ct_netns *ns, const struct ct_gwcheck *gc, struct ct_findings *f)
{
	const struct ct_link *wl = ct_link_by_ifindex(ns, gc->iif);
	const char *name = wl ? wl->name : "?";
	struct ct_gw_verdict v;
	char ev[320], pod[64], rw[128] = "", fix[320], why[256];
	struct ct_finding *x;

	if (gc->unasked) {
		snprintf(ev, sizeof(ev), "no route to a pod address out of %s, and its namespace's "
			 "eth0 address is not known", name);
		ct_finding_run(ct_finding_add(f, "pod_gateway_unchecked", ns->name, name, ev,
					      "find the pod's address (its namespace's eth0) and ask "
					      "the kernel with it as the source",
					      "the route for 169.254.1.1 from %s could not be checked: "
					      "the pod's address is not known", name),
			       ns, "ip", "route", "show", "dev", name, NULL);
		return;
	}
	ct_gw_classify(ns, gc->iif, &gc->src, gc->err, &v);
	if (v.cause == CT_GW_OK)
		return;
	if (gc->src.family)
		ct_ip_fmt(&gc->src, pod, sizeof(pod));
	else
		snprintf(pod, sizeof(pod), "the pod");
	if (v.route)
		route_words(v.route, rw, sizeof(rw));
	snprintf(ev, sizeof(ev), "ip route get 169.254.1.1 from %s iif %s: %s (%s)%s%s", pod, name,
		 strerror(gc->err), ct_gw_cause_name(v.cause), rw[0] ? "; " : "", rw);
	describe(&v, name, pod, rw, why, sizeof(why));
	size_t first = f->n; /* the finding added below gets the fold's tags */
#define ADD(fx) ct_finding_add(f, "pod_gateway_unroutable", ns->name, name, ev, fx, \
			       "169.254.1.1 from %s: %s: proxy ARP will not answer the pod", name, why)
	switch (v.cause) {
	case CT_GW_NO_ROUTE:
		if (v.route) {
			x = ADD("delete the throw route, or give the node a default route (any gateway)");
			run_del(x, ns, v.route);
		} else {
			ADD("give the node a default route (any gateway, for instance the underlay's "
			    "router): proxy ARP answers only for an address the node can route");
			no_route_root(ns, f);
		}
		break;
	case CT_GW_IP_FORWARD_OFF:
		x = ADD("turn IPv4 forwarding on");
		ct_finding_run(x, ns, "sysctl", "-w", "net.ipv4.ip_forward=1", NULL);
		break;
	case CT_GW_FORWARDING_OFF:
		x = ADD("turn forwarding on for the workload interface (Felix sets it)");
		ct_finding_run_sysctl(x, ns, "net.ipv4.conf", name, "forwarding", "1");
		break;
	case CT_GW_UNREACHABLE:
	case CT_GW_PROHIBIT:
	case CT_GW_BLACKHOLE:
		snprintf(fix, sizeof(fix), "delete the %s %s over 169.254.1.1",
			 v.cause == CT_GW_UNREACHABLE ? "unreachable" :
			 v.cause == CT_GW_PROHIBIT ? "prohibit" : "blackhole",
			 v.route ? "route" : "rule");
		x = ADD(fix);
		run_del(x, ns, v.route);
		break;
	case CT_GW_POD_ROUTE_MISSING:
		snprintf(fix, sizeof(fix), "restore the pod's route %s/32 dev %s (Felix programs "
			 "it: check calico-node's logs)", pod, name);
		x = ADD(fix);
		if (gc->src.family)
			ct_finding_run(x, ns, "ip", "route", "add", pod, "dev", name, "scope", "link",
				       NULL);
		break;
	case CT_GW_POD_ROUTE_SHADOWED:
		x = ADD("delete the route that wins over the pod's own");
		if (v.route)
			run_del(x, ns, v.route);
		else if (gc->src.family)
			ct_finding_run(x, ns, "ip", "route", "get", pod, NULL);
		break;
	case CT_GW_LINK_DOWN:
		x = ADD("set the workload interface up and restore the pod's route (the kernel "
			"deleted it)");
		ct_finding_run(x, ns, "ip", "link", "set", name, "up", NULL);
		break;
	case CT_GW_BAD_SOURCE:
		snprintf(fix, sizeof(fix), "the pod's address %s must not be a local or special "
			 "address of the node", pod);
		x = ADD(fix);
		if (gc->src.family)
			ct_finding_run(x, ns, "ip", "addr", "show", "to", pod, NULL);
		break;
	default:
		ADD("check the node's routes and rules for 169.254.1.1");
		break;
	}
#undef ADD
	if (f->n > first)
		ct_finding_tag(&f->v[first], ct_gw_cause_name(v.cause), gc->src.family ? pod : NULL);
}

/* IPv6: the kernel's lookup sees neither forwarding nor reverse paths, so the
 * gateway fe80::ecee:eeff:feee:eeee is checked from netconf and link state, for
 * each interface with a pod's IPv6 /128 route. */
void ct_gw_findings6(const struct ct_netns *ns, struct ct_findings *f)
{
	for (size_t i = 0; i < ns->routes.n; i++) {
		const struct ct_route *r = &ns->routes.v[i];
		const struct ct_link *l;
		char ev[320];
		struct ct_finding *x;
		bool seen = false;

		if (r->dst.ip.family != AF_INET6 || r->dst.len != 128 || r->type != RTN_UNICAST ||
		    !r->oif || !(l = ct_link_by_ifindex(ns, r->oif)) || strncmp(l->kind, "veth", 5))
			continue;
		for (size_t k = 0; k < i && !seen; k++)
			seen = ns->routes.v[k].dst.ip.family == AF_INET6 &&
			       ns->routes.v[k].dst.len == 128 && ns->routes.v[k].oif == r->oif &&
			       ns->routes.v[k].type == RTN_UNICAST;
		if (seen)
			continue;
		if (ns->conf.forwarding6 == 0) {
			snprintf(ev, sizeof(ev), "net.ipv6.conf.all.forwarding = 0 (ipv6_forward_off)");
			x = ct_finding_add(f, "pod_gateway_unroutable", ns->name, l->name, ev,
					   "turn IPv6 forwarding on",
					   "fe80::ecee:eeff:feee:eeee from %s: IPv6 forwarding is off "
					   "(net.ipv6.conf.all.forwarding 0): the node routes nothing "
					   "for the pod", l->name);
			ct_finding_run(x, ns, "sysctl", "-w", "net.ipv6.conf.all.forwarding=1", NULL);
			ct_finding_tag(x, "ipv6_forward_off", NULL);
		} else if (l->forwarding6 == 0) {
			snprintf(ev, sizeof(ev), "net.ipv6.conf.%s.forwarding = 0 (ipv6_forwarding_off)",
				 l->name);
			x = ct_finding_add(f, "pod_gateway_unroutable", ns->name, l->name, ev,
					   "turn IPv6 forwarding on for the workload interface",
					   "fe80::ecee:eeff:feee:eeee from %s: IPv6 forwarding is off on "
					   "%s: the node routes nothing for the pod", l->name, l->name);
			ct_finding_run_sysctl(x, ns, "net.ipv6.conf", l->name, "forwarding", "1");
			ct_finding_tag(x, "ipv6_forwarding_off", NULL);
		} else if (!(l->flags & IFF_UP)) {
			snprintf(ev, sizeof(ev), "%s is down (ipv6_link_down)", l->name);
			x = ct_finding_add(f, "pod_gateway_unroutable", ns->name, l->name, ev,
					   "set the workload interface up",
					   "fe80::ecee:eeff:feee:eeee from %s: %s is down", l->name,
					   l->name);
			ct_finding_run(x, ns, "ip", "link", "set", l->name, "up", NULL);
			ct_finding_tag(x, "link_down", NULL);
		}
	}
}
