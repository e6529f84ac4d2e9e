/* SPDX-License-Identifier: MIT */
/* The model's route lookup: see model/lookup.h for the kernel behaviour it follows. */
#include "model/lookup.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/fib_rules.h>
#include <linux/if.h>
#include <linux/rtnetlink.h>

#include "model/names.h"

/* One lookup as the kernel's flowi sees it. */
struct flow {
	uint8_t family;
	struct ct_ip dst, src; /* src: the zero address when none */
	const char *iifname;   /* "lo" for a locally generated packet, "" unknown */
	int oif;               /* output lookups only */
	const char *oifname;   /* its name, "" when none (input lookups) */
	const struct ct_lookup_index *ix; /* NULL or stale: scan the routes */
	bool oif_strict;       /* next hops must use oif: IPv4 always, IPv6 without a source
				* (ip6_route_output_flags: RT6_LOOKUP_F_IFACE) */
	uint32_t mark;
	bool ignore_linkdown;
};

/* The kernel's rules when a namespace has none of a family (fib_default_rules_init,
 * fib6_rules_net_init). */
static const struct ct_rule default4[] = {
	{ .family = AF_INET, .action = FR_ACT_TO_TBL, .priority = 0, .table = RT_TABLE_LOCAL },
	{ .family = AF_INET, .action = FR_ACT_TO_TBL, .priority = 32766, .table = RT_TABLE_MAIN },
	{ .family = AF_INET, .action = FR_ACT_TO_TBL, .priority = 32767,
	  .table = RT_TABLE_DEFAULT },
};
static const struct ct_rule default6[] = {
	{ .family = AF_INET6, .action = FR_ACT_TO_TBL, .priority = 0, .table = RT_TABLE_LOCAL },
	{ .family = AF_INET6, .action = FR_ACT_TO_TBL, .priority = 32766, .table = RT_TABLE_MAIN },
};

static const char *const why_names[CT_LOOKUP__COUNT] = {
	[CT_LOOKUP_ROUTE] = "route",
	[CT_LOOKUP_NO_ROUTE] = "no_route",
	[CT_LOOKUP_RULE_ACTION] = "rule",
	[CT_LOOKUP_NO_FORWARDING] = "no_forwarding",
	[CT_LOOKUP_MARTIAN_SRC] = "martian_source",
	[CT_LOOKUP_BAD_TYPE] = "bad_type",
	[CT_LOOKUP_RPF] = "reverse_path",
	[CT_LOOKUP_ONLINK] = "onlink",
	[CT_LOOKUP_BAD_QUERY] = "bad_query",
};

const char *ct_lookup_why_name(enum ct_lookup_why why)
{
	return (unsigned)why < CT_LOOKUP__COUNT ? why_names[why] : "unknown";
}

/* The errno a route type gives (fib_props[].error, ip6_rt_type_to_error);
 * EAGAIN: continue with the next rule. */
static int type_err(uint8_t type)
{
	switch (type) {
	case RTN_BLACKHOLE:
		return EINVAL;
	case RTN_UNREACHABLE:
		return EHOSTUNREACH;
	case RTN_PROHIBIT:
		return EACCES;
	case RTN_THROW:
		return EAGAIN;
	case RTN_NAT:
	case RTN_XRESOLVE:
		return EINVAL;
	default:
		return 0;
	}
}

static bool nh_good(const struct ct_netns *ns, const struct ct_route *r,
		    const struct ct_nexthop *nh, const struct flow *fl)
{
	if (nh->flags & RTNH_F_DEAD)
		return false;
	if (fl->ignore_linkdown && (nh->flags & RTNH_F_LINKDOWN))
		return false;
	if (r->type == RTN_UNICAST && r->scope != RT_SCOPE_HOST && nh->oif) {
		const struct ct_link *l = ct_link_by_ifindex(ns, nh->oif);
		if (l && !(l->flags & IFF_UP))
			return false;
	}
	if (fl->oif && fl->oif_strict && nh->oif != fl->oif)
		return false;
	return true;
}

static bool route_on_dev(const struct ct_route *r, int ifindex)
{
	const struct ct_nexthop *nh;
	struct ct_nexthop tmp;
	size_t n = ct_route_nexthops(r, &nh, &tmp);

	for (size_t i = 0; i < n; i++)
		if (nh[i].oif == ifindex)
			return true;
	return false;
}

static bool route_usable(const struct ct_netns *ns, const struct ct_route *r,
			 const struct flow *fl)
{
	const struct ct_nexthop *nh;
	struct ct_nexthop tmp;
	size_t n = ct_route_nexthops(r, &nh, &tmp);

	for (size_t i = 0; i < n; i++)
		if (nh_good(ns, r, &nh[i], fl))
			return true;
	return false;
}

/* Order of candidates inside a table: longer prefix, lower metric, table order. */
static bool before(const struct ct_route *a, size_t ia, const struct ct_route *b, size_t ib)
{
	if (a->dst.len != b->dst.len)
		return a->dst.len > b->dst.len;
	if (a->priority != b->priority)
		return a->priority < b->priority;
	return ia < ib;
}

/* ---- the index: routes by (family, table, prefix length, prefix) ---- */

static void mask_addr(const struct ct_ip *ip, uint8_t len, uint8_t out[16])
{
	memset(out, 0, 16);
	for (unsigned i = 0; i < 16 && len; i++) {
		uint8_t bits = len >= 8 ? 8 : len;
		out[i] = ip->a[i] & (uint8_t)(0xff00u >> bits);
		len = (uint8_t)(len - bits);
	}
}

static uint64_t key_hash(uint8_t family, uint32_t table, uint8_t len, const struct ct_ip *ip)
{
	uint8_t m[16];
	uint64_t h = 1469598103934665603ull;

	mask_addr(ip, len, m);
	h = (h ^ family) * 1099511628211ull;
	h = (h ^ len) * 1099511628211ull;
	for (int i = 0; i < 4; i++)
		h = (h ^ ((table >> (8 * i)) & 0xff)) * 1099511628211ull;
	for (int i = 0; i < (family == AF_INET ? 4 : 16); i++)
		h = (h ^ m[i]) * 1099511628211ull;
	return h ^ (h >> 29);
}

void ct_lookup_index_init(struct ct_lookup_index *ix)
{
	memset(ix, 0, sizeof(*ix));
}

void ct_lookup_index_free(struct ct_lookup_index *ix)
{
	free(ix->head);
	free(ix->next);
	free(ix->tabs);
	ct_lookup_index_init(ix);
}

static struct ct_lookup_tab *tab_find(const struct ct_lookup_index *ix, uint8_t family,
				      uint32_t table)
{
	for (size_t i = 0; i < ix->ntabs; i++)
		if (ix->tabs[i].family == family && ix->tabs[i].table == table)
			return &ix->tabs[i];
	return NULL;
}

int ct_lookup_index_build(struct ct_lookup_index *ix, const struct ct_netns *ns)
{
	size_t cap = 16;

	ct_lookup_index_free(ix);
	if (ns->routes.n >= UINT32_MAX / 4)
		return -ENOMEM;
	while (cap < ns->routes.n * 2)
		cap <<= 1;
	ix->head = calloc(cap, sizeof(*ix->head));
	ix->next = calloc(ns->routes.n ? ns->routes.n : 1, sizeof(*ix->next));
	if (!ix->head || !ix->next) {
		ct_lookup_index_free(ix);
		return -ENOMEM;
	}
	ix->cap = cap;
	for (size_t i = ns->routes.n; i-- > 0;) {
		const struct ct_route *r = &ns->routes.v[i];
		uint8_t fam = r->dst.ip.family;
		if ((fam != AF_INET && fam != AF_INET6) || r->dst.len > ct_ip_maxlen(fam))
			continue; /* never a candidate (ct_prefix_contains refuses it too) */
		struct ct_lookup_tab *t = tab_find(ix, fam, r->table);
		if (!t) {
			if (ix->ntabs == ix->tabcap) {
				size_t nc = ix->tabcap ? ix->tabcap * 2 : 8;
				struct ct_lookup_tab *nt = realloc(ix->tabs, nc * sizeof(*nt));
				if (!nt) {
					ct_lookup_index_free(ix);
					return -ENOMEM;
				}
				ix->tabs = nt;
				ix->tabcap = nc;
			}
			t = &ix->tabs[ix->ntabs++];
			memset(t, 0, sizeof(*t));
			t->family = fam;
			t->table = r->table;
		}
		t->lens[r->dst.len / 64] |= 1ull << (r->dst.len % 64);
		size_t h = key_hash(fam, r->table, r->dst.len, &r->dst.ip) & (cap - 1);
		ix->next[i] = ix->head[h];
		ix->head[h] = (uint32_t)(i + 1);
	}
	ix->ns = ns;
	ix->n = ns->routes.n;
	ix->gen = ns->gen.routes;
	return 0;
}

static bool ix_valid(const struct ct_lookup_index *ix, const struct ct_netns *ns)
{
	return ix && ix->head && ix->ns == ns && ix->n == ns->routes.n &&
	       ix->gen == ns->gen.routes;
}

static bool candidate(const struct ct_route *r, uint32_t table, const struct flow *fl)
{
	return r->table == table && r->dst.ip.family == fl->family && !r->tos &&
	       ct_prefix_contains(&r->dst, &fl->dst);
}

/* The first candidate after (last, last_i) in the order of before(), or NULL. */
static const struct ct_route *next_cand(const struct ct_netns *ns, uint32_t table,
					const struct flow *fl, const struct ct_route *last,
					size_t last_i, size_t *out_i)
{
	const struct ct_route *best = NULL;
	size_t best_i = 0;

	if (ix_valid(fl->ix, ns)) {
		const struct ct_lookup_tab *t = tab_find(fl->ix, fl->family, table);
		int top = last ? last->dst.len : ct_ip_maxlen(fl->family);
		for (int len = top; t && len >= 0; len--) {
			if (!(t->lens[len / 64] & (1ull << (len % 64))))
				continue;
			size_t h = key_hash(fl->family, table, (uint8_t)len, &fl->dst) &
				   (fl->ix->cap - 1);
			for (uint32_t s = fl->ix->head[h]; s; s = fl->ix->next[s - 1]) {
				const struct ct_route *r = &ns->routes.v[s - 1];
				if (r->dst.len != len || !candidate(r, table, fl))
					continue;
				if (last && !before(last, last_i, r, s - 1))
					continue;
				if (!best || before(r, s - 1, best, best_i)) {
					best = r;
					best_i = s - 1;
				}
			}
			if (best)
				break;
		}
		*out_i = best_i;
		return best;
	}
	for (size_t i = 0; i < ns->routes.n; i++) {
		const struct ct_route *r = &ns->routes.v[i];
		if (!candidate(r, table, fl))
			continue;
		if (last && !before(last, last_i, r, i))
			continue;
		if (!best || before(r, i, best, best_i)) {
			best = r;
			best_i = i;
		}
	}
	*out_i = best_i;
	return best;
}

/* Longest-prefix match in one table. 0 with *out a usable route; a positive
 * errno with *out the reject route; EAGAIN for none (out NULL) or a throw route. */
static int table_lookup(const struct ct_netns *ns, uint32_t table, const struct flow *fl,
			const struct ct_route **out)
{
	const struct ct_route *last = NULL; /* the candidate passed over last */
	size_t last_i = 0;

	*out = NULL;
	for (;;) {
		size_t best_i = 0;
		const struct ct_route *best = next_cand(ns, table, fl, last, last_i, &best_i);
		if (!best)
			return EAGAIN;
		/* IPv6 scores every route by device, reject routes (on lo) too */
		if (fl->family == AF_INET6 && fl->oif && fl->oif_strict &&
		    !route_on_dev(best, fl->oif)) {
			last = best;
			last_i = best_i;
			continue;
		}
		int e = type_err(best->type);
		if (e) {
			*out = best;
			return e;
		}
		if (route_usable(ns, best, fl)) {
			*out = best;
			return 0;
		}
		last = best;
		last_i = best_i;
	}
}

static bool rule_match(const struct ct_rule *ru, const struct flow *fl)
{
	bool m = true;

	/* the kernel compares ifindexes; a rule naming a missing device never matches,
	 * as a name no device of the flow carries */
	if (ru->iifname[0] && strncmp(ru->iifname, fl->iifname, CT_IFNAMSIZ) != 0)
		m = false;
	if (m && ru->oifname[0] && strncmp(ru->oifname, fl->oifname, CT_IFNAMSIZ) != 0)
		m = false;
	if (m && ru->has_fwmark) {
		uint32_t mask = ru->fwmask ? ru->fwmask : 0xffffffffu;
		if ((ru->fwmark ^ fl->mark) & mask)
			m = false;
	}
	if (m && ru->src.len && !ct_prefix_contains(&ru->src, &fl->src))
		m = false;
	if (m && ru->dst.len && !ct_prefix_contains(&ru->dst, &fl->dst))
		m = false;
	return (ru->flags & FIB_RULE_INVERT) ? !m : m;
}

/* The next rule of family after (prio, idx) in the kernel's order; idx SIZE_MAX
 * starts. Rules of a priority keep table order. */
static const struct ct_rule *next_rule(const struct ct_netns *ns, uint8_t family,
				       const struct ct_rule *prev, size_t *idx)
{
	const struct ct_rule *best = NULL;
	size_t best_i = 0;

	for (size_t i = 0; i < ns->rules.n; i++) {
		const struct ct_rule *ru = &ns->rules.v[i];
		if (ru->family != family)
			continue;
		if (prev && (ru->priority < prev->priority ||
			     (ru->priority == prev->priority && i <= *idx)))
			continue;
		if (!best || ru->priority < best->priority) {
			best = ru;
			best_i = i;
		}
	}
	*idx = best_i;
	return best;
}

static bool has_rules(const struct ct_netns *ns, uint8_t family)
{
	for (size_t i = 0; i < ns->rules.n; i++)
		if (ns->rules.v[i].family == family)
			return true;
	return false;
}

/* One rule's part; returns EAGAIN to continue, else the result (0 or errno). */
static int rule_apply(const struct ct_netns *ns, const struct ct_rule *ru, const struct flow *fl,
		      struct ct_lookup_result *res)
{
	const struct ct_route *rt;
	int e;

	switch (ru->action) {
	case FR_ACT_TO_TBL:
		break;
	case FR_ACT_GOTO:
		res->uncertain = true;
		return EAGAIN;
	case FR_ACT_NOP:
		return EAGAIN;
	case FR_ACT_UNREACHABLE:
		res->why = CT_LOOKUP_RULE_ACTION;
		return ENETUNREACH;
	case FR_ACT_PROHIBIT:
		res->why = CT_LOOKUP_RULE_ACTION;
		return EACCES;
	default: /* FR_ACT_BLACKHOLE and unknown actions */
		res->why = CT_LOOKUP_RULE_ACTION;
		return EINVAL;
	}
	e = table_lookup(ns, ru->table, fl, &rt);
	if (e == EAGAIN)
		return EAGAIN;
	res->route = rt;
	res->why = CT_LOOKUP_ROUTE;
	return e;
}

/* fib_rules_lookup: the rules in order, then ENETUNREACH (ESRCH). */
static int rules_lookup(const struct ct_netns *ns, const struct flow *fl,
			struct ct_lookup_result *res)
{
	res->route = NULL;
	res->rule = NULL;
	res->why = CT_LOOKUP_NO_ROUTE;
	if (!has_rules(ns, fl->family)) {
		const struct ct_rule *d = fl->family == AF_INET ? default4 : default6;
		size_t n = fl->family == AF_INET ? 3 : 2;
		res->default_rules = true;
		for (size_t i = 0; i < n; i++) {
			int e = rule_apply(ns, &d[i], fl, res);
			if (e != EAGAIN) {
				res->rule = &d[i];
				return e;
			}
		}
		return ENETUNREACH;
	}
	size_t idx = 0;
	for (const struct ct_rule *ru = next_rule(ns, fl->family, NULL, &idx); ru;
	     ru = next_rule(ns, fl->family, ru, &idx)) {
		if (!rule_match(ru, fl))
			continue;
		int e = rule_apply(ns, ru, fl, res);
		if (e != EAGAIN) {
			res->rule = ru;
			return e;
		}
	}
	res->route = NULL;
	res->why = CT_LOOKUP_NO_ROUTE;
	return ENETUNREACH;
}

static bool v4_zero(const struct ct_ip *a)
{
	return !a->a[0] && !a->a[1] && !a->a[2] && !a->a[3];
}

static bool v4_multicast(const struct ct_ip *a)
{
	return (a->a[0] & 0xf0) == 0xe0;
}

static bool v4_lbcast(const struct ct_ip *a)
{
	return a->a[0] == 255 && a->a[1] == 255 && a->a[2] == 255 && a->a[3] == 255;
}

static bool is_local_addr(const struct ct_netns *ns, const struct ct_ip *ip)
{
	for (size_t i = 0; i < ns->addrs.n; i++)
		if (ct_ip_eq(&ns->addrs.v[i].pfx.ip, ip))
			return true;
	return false;
}

/* __ip_dev_find: an address of the namespace, or covered by a local route of the
 * local table */
static bool src_is_local(const struct ct_netns *ns, const struct flow *fl)
{
	struct flow f = *fl;
	const struct ct_route *r;

	if (is_local_addr(ns, &fl->src))
		return true;
	f.dst = fl->src;
	f.oif = 0;
	return table_lookup(ns, RT_TABLE_LOCAL, &f, &r) == 0 && r->type == RTN_LOCAL;
}

static bool dev_has_v4_addr(const struct ct_netns *ns, int ifindex)
{
	for (size_t i = 0; i < ns->addrs.n; i++)
		if (ns->addrs.v[i].ifindex == ifindex && ns->addrs.v[i].pfx.ip.family == AF_INET)
			return true;
	return false;
}

static int route_first_oif(const struct ct_netns *ns, const struct ct_route *r,
			   const struct flow *fl)
{
	const struct ct_nexthop *nh;
	struct ct_nexthop tmp;
	size_t n = ct_route_nexthops(r, &nh, &tmp);

	for (size_t i = 0; i < n; i++)
		if (nh_good(ns, r, &nh[i], fl))
			return nh[i].oif;
	return n ? nh[0].oif : 0;
}

static bool custom_rules4(const struct ct_netns *ns)
{
	for (size_t i = 0; i < ns->rules.n; i++) {
		const struct ct_rule *ru = &ns->rules.v[i];
		if (ru->family != AF_INET)
			continue;
		bool dflt = false;
		for (size_t k = 0; k < 3; k++)
			if (ru->priority == default4[k].priority && ru->table == default4[k].table &&
			    ru->action == FR_ACT_TO_TBL && !ru->has_fwmark && !ru->src.len &&
			    !ru->dst.len && !ru->iifname[0] && !ru->oifname[0] && !ru->flags)
				dflt = true;
		if (!dflt)
			return true;
	}
	return false;
}

/* fib_validate_source for a packet from q->src arriving on in (a forwarded or local
 * delivery); oif the forward route's device (0 for local). 0 or EINVAL. */
static int validate_source(const struct ct_netns *ns, const struct ct_lookup_index *ix,
			   const struct ct_lookup_query *q,
			   const struct ct_link *in, int oif, struct ct_lookup_result *res)
{
	int rpf = in->eff_rp_filter;

	if (rpf < 0) {
		rpf = in->rp_filter > ns->conf.rp_filter ? in->rp_filter : ns->conf.rp_filter;
		if (rpf < 0)
			rpf = 0;
	}
	if (!rpf && !custom_rules4(ns))
		return is_local_addr(ns, &q->src) ? EINVAL : 0;

	const struct ct_link *ol = oif ? ct_link_by_ifindex(ns, oif) : NULL;
	struct flow rev = {
		.family = AF_INET,
		.dst = q->src,
		.src = q->dst,
		.iifname = ol ? ol->name : "lo",
		.oifname = "",
		.ix = ix,
		.ignore_linkdown = q->ignore_linkdown,
	};
	struct ct_lookup_result r2 = { 0 };
	int e = rules_lookup(ns, &rev, &r2);
	res->rpf_route = r2.route;
	if (e)
		return rpf ? EINVAL : 0; /* last_resort */
	if (r2.route->type != RTN_UNICAST)
		return EINVAL;
	if (route_on_dev(r2.route, in->ifindex))
		return 0;
	if (!dev_has_v4_addr(ns, in->ifindex))
		return rpf ? EINVAL : 0;
	if (rpf == 1)
		return EINVAL;
	return 0;
}

int ct_lookup(const struct ct_netns *ns, const struct ct_lookup_query *q,
	      struct ct_lookup_result *res)
{
	return ct_lookup_ix(ns, NULL, q, res);
}

int ct_lookup_ix(const struct ct_netns *ns, const struct ct_lookup_index *ix,
		 const struct ct_lookup_query *q, struct ct_lookup_result *res)
{
	struct flow fl = { .family = q->dst.family, .dst = q->dst, .mark = q->fwmark,
			   .ignore_linkdown = q->ignore_linkdown, .ix = ix };
	const struct ct_link *in = NULL;
	int e;

	memset(res, 0, sizeof(*res));
	if ((q->dst.family != AF_INET && q->dst.family != AF_INET6) ||
	    (q->src.family && q->src.family != q->dst.family)) {
		res->why = CT_LOOKUP_BAD_QUERY;
		res->err = EINVAL;
		return -EINVAL;
	}
	if (q->src.family)
		fl.src = q->src;
	else
		fl.src.family = q->dst.family;
	if (q->iif) {
		in = ct_link_by_ifindex(ns, q->iif);
		fl.iifname = in ? in->name : "";
	} else {
		fl.iifname = "lo";
		fl.oif = q->oif;
		fl.oif_strict = q->dst.family == AF_INET || !q->src.family;
	}
	const struct ct_link *out = fl.oif ? ct_link_by_ifindex(ns, fl.oif) : NULL;
	fl.oifname = out ? out->name : "";
	bool v4 = q->dst.family == AF_INET;

	/* ip_route_input_slow's checks before the lookup */
	if (v4 && q->iif &&
	    (v4_multicast(&fl.src) || v4_lbcast(&fl.src) || v4_zero(&fl.src))) {
		res->why = CT_LOOKUP_MARTIAN_SRC;
		res->err = EINVAL;
		return 0;
	}
	/* ip_route_output_key_hash_rcu: a martian source is EINVAL, a source that is
	 * not local (__ip_dev_find: an address, or a local route) ENETUNREACH */
	if (v4 && !q->iif && q->src.family && !v4_zero(&fl.src)) {
		if (v4_multicast(&fl.src) || v4_lbcast(&fl.src)) {
			res->why = CT_LOOKUP_MARTIAN_SRC;
			res->err = EINVAL;
			return 0;
		}
		if (!src_is_local(ns, &fl)) {
			res->why = CT_LOOKUP_MARTIAN_SRC;
			res->err = ENETUNREACH;
			return 0;
		}
	}

	e = rules_lookup(ns, &fl, res);
	res->err = e;
	if (!v4)
		return 0;
	if (!q->iif) {
		if (e && q->oif) {
			res->why = CT_LOOKUP_ONLINK;
			res->err = 0;
		}
		return 0;
	}
	bool fwd_off = in && in->forwarding == 0;
	if (e) {
		if (fwd_off) {
			res->why = CT_LOOKUP_NO_FORWARDING;
			res->err = EHOSTUNREACH;
		}
		return 0;
	}
	if (res->route->type == RTN_BROADCAST)
		return 0;
	if (res->route->type == RTN_LOCAL) {
		if (in && validate_source(ns, ix, q, in, 0, res)) {
			res->why = CT_LOOKUP_RPF;
			res->err = EINVAL;
		}
		return 0;
	}
	if (fwd_off) {
		res->why = CT_LOOKUP_NO_FORWARDING;
		res->err = EHOSTUNREACH;
		return 0;
	}
	if (res->route->type != RTN_UNICAST) {
		res->why = CT_LOOKUP_BAD_TYPE;
		res->err = EINVAL;
		return 0;
	}
	if (in && validate_source(ns, ix, q, in, route_first_oif(ns, res->route, &fl), res)) {
		res->why = CT_LOOKUP_RPF;
		res->err = EINVAL;
	}
	return 0;
}

/* ---- explanation ---- */

__attribute__((format(printf, 4, 5))) static void put(char *buf, size_t len, size_t *at,
							  const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*at + 1 >= len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *at, len - *at, fmt, ap);
	va_end(ap);
	if (n > 0)
		*at += (size_t)n < len - *at ? (size_t)n : len - *at - 1;
}

static void put_route(const struct ct_netns *ns, const struct ct_route *r, char *buf, size_t len,
		      size_t *at)
{
	char t[64], p[64], b[64], tb[16], pr[16];
	const struct ct_link *l = r->oif ? ct_link_by_ifindex(ns, r->oif) : NULL;

	put(buf, len, at, "%s %s", ct_name_of(ct_rt_types, r->type, t, sizeof(t)),
	    ct_prefix_fmt(&r->dst, p, sizeof(p)));
	if (ct_ip_is_set(&r->gw) && !ct_ip_is_any(&r->gw))
		put(buf, len, at, " via %s", ct_ip_fmt(&r->gw, b, sizeof(b)));
	if (type_err(r->type))
		; /* a reject route's device is lo: not worth naming */
	else if (l)
		put(buf, len, at, " dev '%s'", l->name);
	else if (r->nh_count > 1)
		put(buf, len, at, " (%u next hops)", r->nh_count);
	put(buf, len, at, " table %s proto %s", ct_name_of(ct_rt_tables, (int)r->table, tb, sizeof(tb)),
	    ct_name_of(ct_rt_protocols, r->protocol, pr, sizeof(pr)));
}

static void put_rule(const struct ct_lookup_result *res, char *buf, size_t len, size_t *at)
{
	char pr[16], tb[16], an[16];

	if (!res->rule)
		return;
	snprintf(pr, sizeof(pr), "%u", res->rule->priority);
	if (res->rule->action == FR_ACT_TO_TBL)
		put(buf, len, at, " (rule %s lookup %s", pr,
		    ct_name_of(ct_rt_tables, (int)res->rule->table, tb, sizeof(tb)));
	else
		put(buf, len, at, " (rule %s %s", pr,
		    ct_name_of(ct_rule_actions, res->rule->action, an, sizeof(an)));
	put(buf, len, at, "%s)", res->default_rules ? ", default rules" : "");
}

char *ct_lookup_explain(const struct ct_netns *ns, const struct ct_lookup_result *res,
			int kernel_err, char *buf, size_t len)
{
	size_t at = 0;

	if (!len)
		return buf;
	buf[0] = '\0';
	switch (res->why) {
	case CT_LOOKUP_ROUTE:
	case CT_LOOKUP_BAD_TYPE:
		if (!res->route) {
			put(buf, len, &at, "no route");
			break;
		}
		if (res->err == 0 && res->route->type == RTN_UNICAST &&
		    (kernel_err == EINVAL || kernel_err == EXDEV))
			put(buf, len, &at, "reverse path check (rp_filter) or source refused; "
			    "the forward match is ");
		if (res->why == CT_LOOKUP_BAD_TYPE)
			put(buf, len, &at, "not forwarded: ");
		put_route(ns, res->route, buf, len, &at);
		put_rule(res, buf, len, &at);
		break;
	case CT_LOOKUP_NO_ROUTE:
		put(buf, len, &at, "no route in any table");
		break;
	case CT_LOOKUP_RULE_ACTION: {
		char an[16], pr[16];
		snprintf(pr, sizeof(pr), "%u", res->rule ? res->rule->priority : 0);
		put(buf, len, &at, "rule %s %s", pr,
		    res->rule ? ct_name_of(ct_rule_actions, res->rule->action, an, sizeof(an)) : "?");
		break;
	}
	case CT_LOOKUP_NO_FORWARDING:
		put(buf, len, &at, "forwarding is off on the input device");
		if (res->route) {
			put(buf, len, &at, "; the route is ");
			put_route(ns, res->route, buf, len, &at);
		}
		break;
	case CT_LOOKUP_MARTIAN_SRC:
		put(buf, len, &at, "source address refused (martian, or not an address of this namespace)");
		break;
	case CT_LOOKUP_RPF:
		put(buf, len, &at, "reverse path check (rp_filter) failed for ");
		if (res->route)
			put_route(ns, res->route, buf, len, &at);
		if (res->rpf_route) {
			put(buf, len, &at, "; the way back is ");
			put_route(ns, res->rpf_route, buf, len, &at);
		} else {
			put(buf, len, &at, "; no route back to the source");
		}
		break;
	case CT_LOOKUP_ONLINK:
		put(buf, len, &at, "no route; the kernel assumes the destination is on the given "
				   "output device");
		break;
	default:
		put(buf, len, &at, "bad query");
		break;
	}
	if (res->uncertain)
		put(buf, len, &at, " [a goto rule was passed over: its target is not in the "
				   "model]");
	return buf;
}
