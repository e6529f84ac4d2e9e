/* SPDX-License-Identifier: MIT */
/*
 * Live gathering over rtnetlink. Every table is a streaming dump: each reply
 * message is parsed as it arrives and written straight into the model (no
 * nl_cache), which keeps 100,000 routes at a few hundredths of a second.
 * Interrupted dumps (NLM_F_DUMP_INTR), and IPv6 route dumps that repeat a route
 * (see ct_route_dump_msg in gather.h), are retried, then kept and counted.
 */
#include "probes/gather.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <linux/fib_rules.h>
#include <linux/if_link.h>
#include <linux/if_tunnel.h>
#include <linux/neighbour.h>
#include <linux/net_namespace.h>
#include <linux/netconf.h>
#include <linux/rtnetlink.h>

#include "model/rtnl.h"
#include "probes/netns.h"
#include "probes/nl.h"
#include "probes/route_get.h"
#include "probes/wlroute.h"

#define DUMP_RETRIES 3
#define CALICO_NODENAME "/var/lib/calico/nodename"
/* bits that only make sense for the target namespace */
#define TARGET_ONLY (CT_G_NSNAMES | CT_G_PODNS | CT_G_NODEINFO)

struct gctx {
	struct ct_node *node;
	struct ct_err *err;
	unsigned pod_what;
	const char *proc_root;
	struct ct_prefixes pfx;
	bool moved; /* this thread has called setns() */
};

/* What a dump handler writes into. */
struct dumparg {
	struct ct_netns *ns;
	uint8_t family; /* expected family, 0 any */
	bool conf;      /* links: keep the IPv4 sysctls of IFLA_INET_CONF */
	bool tables;    /* neighbour tables: keep the table's own message */
	bool parms;     /* neighbour tables: read each device's parameters */
};

/* ---- dumps with retry ---- */

struct ns_counts {
	size_t links, addrs, routes, rules, neighs, fdb, neightbls;
};

static void counts_save(const struct ct_netns *ns, struct ns_counts *c)
{
	c->links = ns->links.n;
	c->addrs = ns->addrs.n;
	c->routes = ns->routes.n;
	c->rules = ns->rules.n;
	c->neighs = ns->neighs.n;
	c->fdb = ns->fdb.n;
	c->neightbls = ns->neightbls.n;
}

static void counts_restore(struct ct_netns *ns, const struct ns_counts *c)
{
	ns->links.n = c->links;
	ns->addrs.n = c->addrs;
	ct_netns_truncate_routes(ns, c->routes);
	ns->rules.n = c->rules;
	ns->neighs.n = c->neighs;
	ns->fdb.n = c->fdb;
	ns->neightbls.n = c->neightbls;
}

/* Dumps type into ns with fn(msg, arg); a dump the kernel keeps marking
 * interrupted (or, with rd, repeating a route) is kept after DUMP_RETRIES
 * retries and counted in node->dump_intr. An optional dump (IPv6 on a kernel
 * without it) may fail as unsupported. */
static int dump_arg(struct gctx *g, struct ct_nl *nl, struct ct_netns *ns, const char *what,
		    int type, const void *hdr, size_t hlen, ct_nl_handler fn, void *arg,
		    struct ct_route_dump *rd, bool optional)
{
	struct ns_counts c;
	char buf[96];

	for (int attempt = 0;; attempt++) {
		counts_save(ns, &c);
		if (rd)
			ct_route_dump_restart(rd);
		int r = ct_nl_dump(nl, type, hdr, hlen, fn, arg);
		if (r < 0) {
			counts_restore(ns, &c);
			if (optional && (r == -EAFNOSUPPORT || r == -EOPNOTSUPP ||
					 r == -EPROTONOSUPPORT))
				return 0;
			snprintf(buf, sizeof(buf), "dump %s in network namespace", what);
			return ct_err_errno(g->err, -r, buf, ns->name);
		}
		if (!nl->intr && !(rd && rd->repeated))
			return 0;
		if (attempt == DUMP_RETRIES) {
			g->node->dump_intr++;
			return 0;
		}
		counts_restore(ns, &c);
	}
}

static int dump_with(struct gctx *g, struct ct_nl *nl, struct ct_netns *ns, const char *what,
		     int type, const void *hdr, size_t hlen, struct dumparg da, ct_nl_handler fn,
		     bool optional)
{
	return dump_arg(g, nl, ns, what, type, hdr, hlen, fn, &da, NULL, optional);
}

/* A route dump of rtm's family (and filter), IPv6 checked for repeated routes. */
static int dump_rt(struct gctx *g, struct ct_nl *nl, struct ct_netns *ns, const char *what,
		   const struct rtmsg *rtm, bool optional)
{
	struct ct_route_dump rd;

	ct_route_dump_init(&rd, ns, rtm->rtm_family, rtm->rtm_family == AF_INET6);
	int r = dump_arg(g, nl, ns, what, RTM_GETROUTE, rtm, sizeof(*rtm), ct_route_dump_msg, &rd,
			 &rd, optional);
	ct_route_dump_free(&rd);
	return r;
}

static int dump(struct gctx *g, struct ct_nl *nl, struct ct_netns *ns, const char *what,
		int type, const void *hdr, size_t hlen, uint8_t family, ct_nl_handler fn,
		bool optional)
{
	struct dumparg da = { .ns = ns, .family = family };

	return dump_with(g, nl, ns, what, type, hdr, hlen, da, fn, optional);
}

/* ---- dump handlers: decode (model/rtnl.c), then push ----
 * A message the decoder finds malformed (-EINVAL) is skipped like one it does
 * not keep, as the parsers here always did. */

static int link_cb(struct nlmsghdr *h, void *arg)
{
	struct dumparg *da = arg;
	struct ct_link tmp, *l;

	if (ct_rtnl_link(h, &tmp) != CT_RTNL_OK || h->nlmsg_type != RTM_NEWLINK)
		return 0;
	if (!da->conf) /* the IPv4 sysctls are shown only to those who asked */
		tmp.forwarding = tmp.rp_filter = tmp.proxy_arp = tmp.route_localnet = -1;
	l = ct_push_link(da->ns);
	if (!l)
		return -ENOMEM;
	*l = tmp;
	return 0;
}

static int addr_cb(struct nlmsghdr *h, void *arg)
{
	struct dumparg *da = arg;
	struct ct_addr tmp, *a;

	if (ct_rtnl_addr(h, &tmp) != CT_RTNL_OK || h->nlmsg_type != RTM_NEWADDR ||
	    (da->family && tmp.pfx.ip.family != da->family))
		return 0;
	a = ct_push_addr(da->ns);
	if (!a)
		return -ENOMEM;
	*a = tmp;
	return 0;
}

/* ---- route dumps: repeated keys (probes/gather.h) ---- */

struct ct_rkey_src {
	uint32_t i; /* index - base */
	uint8_t len;
	uint8_t a[16];
};

/* MurmurHash3's 64-bit finaliser over h and v: every input bit reaches the low
 * bits that pick a slot (addresses differ in their high bytes). */
static uint64_t mix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9e3779b97f4a7c15ull;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	return h;
}

static uint64_t mix16(uint64_t h, const uint8_t *p)
{
	uint64_t a, b;
	memcpy(&a, p, 8);
	memcpy(&b, p + 8, 8);
	return mix(mix(h, a), b);
}

static uint64_t mix_nh(uint64_t h, int oif, const struct ct_ip *ip)
{
	static const uint8_t zero[16];
	return mix16(mix(mix(h, (uint32_t)oif), ip->family), ip->family ? ip->a : zero);
}

static bool multipath(const struct ct_route *r)
{
	return r->nh_count > 1 && r->nh; /* the test of ct_route_nexthops() */
}

/* The key's hash: r and its source prefix (src_len bits of src). */
static uint64_t rkey_hash(const struct ct_route *r, uint8_t src_len, const uint8_t src[16])
{
	uint64_t h = mix(mix(mix(0, r->table), r->priority),
			 (uint64_t)r->type << 24 | (uint64_t)r->tos << 16 |
				 (uint64_t)r->dst.len << 8 | src_len);
	h = mix16(mix16(mix(h, r->dst.ip.family), r->dst.ip.a), src);
	if (!multipath(r))
		return mix_nh(mix(h, 1), r->oif, &r->gw);
	h = mix(h, r->nh_count);
	for (size_t i = 0; i < r->nh_count; i++)
		h = mix_nh(h, r->nh[i].oif, &r->nh[i].gw);
	return h;
}

static bool ip_same(const struct ct_ip *a, const struct ct_ip *b)
{
	return a->family == b->family && (!a->family || ct_ip_eq(a, b));
}

static bool nh_same(const struct ct_route *a, const struct ct_route *b)
{
	if (multipath(a) != multipath(b))
		return false;
	if (!multipath(a))
		return a->oif == b->oif && ip_same(&a->gw, &b->gw);
	if (a->nh_count != b->nh_count)
		return false;
	for (size_t i = 0; i < a->nh_count; i++)
		if (a->nh[i].oif != b->nh[i].oif || !ip_same(&a->nh[i].gw, &b->nh[i].gw))
			return false;
	return true;
}

/* The source prefix of the route pushed at base + i (binary search; none: length 0). */
static const struct ct_rkey_src *src_of(const struct ct_route_dump *d, size_t i)
{
	size_t lo = 0, hi = d->nsrc;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (d->src[mid].i == i)
			return &d->src[mid];
		if (d->src[mid].i < i)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static uint64_t slot_val(uint64_t hash, size_t i)
{
	return (hash & 0xffffffff00000000ull) | (uint32_t)(i + 1);
}

static int slots_grow(struct ct_route_dump *d)
{
	static const uint8_t zero[16];
	size_t nslot = d->nslot ? d->nslot * 2 : 512;
	if (nslot >= UINT32_MAX)
		return -ENOMEM;
	uint64_t *slot = calloc(nslot, sizeof(*slot));
	if (!slot)
		return -ENOMEM;
	for (size_t i = 0; i < d->n; i++) {
		const struct ct_rkey_src *sp = src_of(d, i);
		uint64_t h = rkey_hash(&d->ns->routes.v[d->base + i], sp ? sp->len : 0,
				       sp ? sp->a : zero);
		size_t s = (size_t)h & (nslot - 1);
		while (slot[s])
			s = (s + 1) & (nslot - 1);
		slot[s] = slot_val(h, i);
	}
	free(d->slot);
	d->slot = slot;
	d->nslot = nslot;
	return 0;
}

/* 1 when the route r of message h repeats a route pushed since the last restart;
 * else 0, and its key is kept as the route that the caller pushes next. -ENOMEM. */
static int rkey_seen(struct ct_route_dump *d, const struct nlmsghdr *h, const struct ct_route *r)
{
	const struct rtmsg *rtm = nlmsg_data(h);
	struct nlattr *sa = nlmsg_find_attr((struct nlmsghdr *)h, sizeof(*rtm), RTA_SRC);
	uint8_t src[16] = {0};
	uint8_t src_len = rtm->rtm_src_len;
	size_t s;

	if (sa && nla_len(sa) > 0)
		memcpy(src, nla_data(sa),
		       (size_t)nla_len(sa) < sizeof(src) ? (size_t)nla_len(sa) : sizeof(src));
	uint64_t hash = rkey_hash(r, src_len, src);
	if (d->nslot)
		for (s = (size_t)hash & (d->nslot - 1); d->slot[s]; s = (s + 1) & (d->nslot - 1)) {
			uint64_t v = d->slot[s];
			d->probes++;
			if ((v ^ hash) >> 32)
				continue;
			size_t i = (uint32_t)v - 1;
			const struct ct_route *q = &d->ns->routes.v[d->base + i];
			const struct ct_rkey_src *sp = src_of(d, i);
			if (q->table == r->table && q->priority == r->priority &&
			    q->type == r->type && q->tos == r->tos && q->dst.len == r->dst.len &&
			    ip_same(&q->dst.ip, &r->dst.ip) && (sp ? sp->len : 0) == src_len &&
			    memcmp(sp ? sp->a : (const uint8_t[16]){0}, src, 16) == 0 &&
			    nh_same(q, r))
				return 1;
		}
	if (d->ns->routes.n != d->base + d->n)
		return -EINVAL; /* someone else pushed routes: the indexes would be wrong */
	if (2 * (d->n + 1) > d->nslot && slots_grow(d) < 0)
		return -ENOMEM;
	if (src_len || sa) {
		if (d->nsrc == d->srccap) {
			size_t cap = d->srccap ? d->srccap * 2 : 16;
			struct ct_rkey_src *v = realloc(d->src, cap * sizeof(*v));
			if (!v)
				return -ENOMEM;
			d->src = v;
			d->srccap = cap;
		}
		struct ct_rkey_src *e = &d->src[d->nsrc++];
		e->i = (uint32_t)d->n;
		e->len = src_len;
		memcpy(e->a, src, 16);
	}
	for (s = (size_t)hash & (d->nslot - 1); d->slot[s]; s = (s + 1) & (d->nslot - 1))
		;
	d->slot[s] = slot_val(hash, d->n++);
	return 0;
}

void ct_route_dump_init(struct ct_route_dump *d, struct ct_netns *ns, uint8_t family, bool keys)
{
	memset(d, 0, sizeof(*d));
	d->ns = ns;
	d->family = family;
	d->keys = keys;
	d->base = ns->routes.n;
}

void ct_route_dump_restart(struct ct_route_dump *d)
{
	d->base = d->ns->routes.n;
	d->n = d->nsrc = 0;
	if (d->slot)
		memset(d->slot, 0, d->nslot * sizeof(*d->slot));
	d->repeated = false;
	d->n_repeats = 0;
}

void ct_route_dump_free(struct ct_route_dump *d)
{
	free(d->slot);
	free(d->src);
	d->slot = NULL;
	d->src = NULL;
	d->nslot = d->n = d->nsrc = d->srccap = 0;
}

int ct_route_dump_msg(struct nlmsghdr *h, void *arg)
{
	struct ct_route_dump *d = arg;
	struct ct_route tmp, *r;
	int rc = ct_rtnl_route(h, &tmp);

	if (rc == -ENOMEM)
		return rc;
	if (rc != CT_RTNL_OK)
		return 0;
	if (h->nlmsg_type != RTM_NEWROUTE || (d->family && tmp.dst.ip.family != d->family)) {
		ct_route_clear(&tmp);
		return 0;
	}
	if (d->keys) {
		rc = rkey_seen(d, h, &tmp);
		if (rc) {
			ct_route_clear(&tmp);
			if (rc < 0)
				return rc;
			d->repeated = true;
			d->n_repeats++;
			return 0;
		}
	}
	r = ct_push_route(d->ns);
	if (!r) {
		ct_route_clear(&tmp);
		return -ENOMEM;
	}
	*r = tmp; /* the next hops move with it */
	return 0;
}

static int rule_cb(struct nlmsghdr *h, void *arg)
{
	struct dumparg *da = arg;
	struct ct_rule tmp, *ru;

	if (ct_rtnl_rule(h, &tmp) != CT_RTNL_OK || h->nlmsg_type != RTM_NEWRULE ||
	    (da->family && tmp.family != da->family))
		return 0;
	ru = ct_push_rule(da->ns);
	if (!ru)
		return -ENOMEM;
	*ru = tmp;
	return 0;
}

static int neigh_cb(struct nlmsghdr *h, void *arg)
{
	struct dumparg *da = arg;
	struct ct_neigh tmp, *n;

	if (ct_rtnl_neigh(h, &tmp) != CT_RTNL_OK || h->nlmsg_type != RTM_NEWNEIGH ||
	    (da->family && tmp.dst.family && tmp.dst.family != da->family))
		return 0;
	n = ct_push_neigh(da->ns);
	if (!n)
		return -ENOMEM;
	*n = tmp;
	return 0;
}

static int fdb_cb(struct nlmsghdr *h, void *arg)
{
	struct dumparg *da = arg;
	struct ct_fdb tmp, *f;

	if (ct_rtnl_fdb(h, &tmp) != CT_RTNL_OK || h->nlmsg_type != RTM_NEWNEIGH)
		return 0;
	f = ct_push_fdb(da->ns);
	if (!f)
		return -ENOMEM;
	*f = tmp;
	return 0;
}

/* The table's own message (kept when da->tables) and, when da->parms, each
 * device's parameters (its proxy_delay). Without da->parms the dump stops at
 * the first device message: the kernel sends the table's own first. */
static int neightbl_cb(struct nlmsghdr *h, void *arg)
{
	struct dumparg *da = arg;
	struct ct_neigh_parms parms;
	struct ct_neightbl tmp, *t;
	bool is_parms = false;

	if (ct_rtnl_neightbl(h, &tmp, &parms, &is_parms) != CT_RTNL_OK)
		return 0;
	if (is_parms) {
		if (!da->parms)
			return da->family ? CT_NL_STOP : 0;
		struct ct_link *l = parms.ifindex ? ct_link_by_ifindex(da->ns, parms.ifindex) : NULL;
		if (l)
			l->proxy_delay = parms.proxy_delay;
		return 0;
	}
	if (!da->tables)
		return 0;
	t = ct_push_neightbl(da->ns);
	if (!t)
		return -ENOMEM;
	*t = tmp;
	return 0;
}

/* ---- netconf and /proc/sys ---- */

static int netconf_cb(struct nlmsghdr *h, void *arg)
{
	struct dumparg *da = arg;
	struct ct_conf_all *c = &da->ns->conf;
	struct ct_netconf nc;

	if (h->nlmsg_type != RTM_NEWNETCONF || ct_rtnl_netconf(h, &nc) != CT_RTNL_OK ||
	    nc.family != da->family)
		return 0;
	if (nc.family == AF_INET6) {
		struct ct_link *l = ct_link_by_ifindex(da->ns, nc.ifindex);
		if (l)
			l->forwarding6 = nc.forwarding;
		else if (nc.ifindex == CT_NETCONF_ALL && c->forwarding6 < 0)
			c->forwarding6 = nc.forwarding;
		return 0;
	}
	if (nc.ifindex == CT_NETCONF_ALL) {
		c->forwarding = nc.forwarding;
		c->rp_filter = nc.rp_filter;
		c->proxy_arp = nc.proxy_neigh;
	} else if (nc.ifindex == CT_NETCONF_DEFAULT) {
		c->def_rp_filter = nc.rp_filter;
	} else {
		struct ct_link *l = ct_link_by_ifindex(da->ns, nc.ifindex);
		if (l) {
			l->forwarding = nc.forwarding;
			l->rp_filter = nc.rp_filter;
			l->proxy_arp = nc.proxy_neigh;
		}
	}
	return 0;
}

/* Reads one integer from a /proc/sys file; -1 when absent or malformed. */
static int read_sysctl(const char *path)
{
	char buf[32], *end;
	ssize_t n;
	long v;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	errno = 0;
	v = strtol(buf, &end, 10);
	if (end == buf || errno || (*end && *end != '\n') || v < -1 || v > INT32_MAX)
		return -1;
	return (int)v;
}

static int gather_netconf(struct gctx *g, struct ct_nl *nl, struct ct_netns *ns)
{
	struct netconfmsg ncm = { .ncm_family = AF_INET };
	char path[CT_PATH_LEN + 64];

	if (dump(g, nl, ns, "netconf", RTM_GETNETCONF, &ncm, sizeof(ncm), AF_INET, netconf_cb,
		 false) < 0)
		return -1;
	ncm.ncm_family = AF_INET6;
	if (dump(g, nl, ns, "inet6 netconf", RTM_GETNETCONF, &ncm, sizeof(ncm), AF_INET6,
		 netconf_cb, true) < 0)
		return -1;
	/* /proc/sys follows the thread's network namespace after setns() */
	snprintf(path, sizeof(path), "%s/sys/net/ipv4/ip_forward", g->proc_root);
	ns->conf.ip_forward = read_sysctl(path);
	snprintf(path, sizeof(path), "%s/sys/net/netfilter/nf_conntrack_count", g->proc_root);
	ns->conf.conntrack_count = read_sysctl(path);
	snprintf(path, sizeof(path), "%s/sys/net/netfilter/nf_conntrack_max", g->proc_root);
	ns->conf.conntrack_max = read_sysctl(path);
	snprintf(path, sizeof(path), "%s/sys/net/ipv6/conf/all/forwarding", g->proc_root);
	int f6 = read_sysctl(path);
	if (f6 >= 0)
		ns->conf.forwarding6 = f6;
	ct_netns_derive(ns); /* effective rp_filter and proxy_arp (model/derive.c) */
	return 0;
}

/* ---- the kernel's forwarding decision for 169.254.1.1 from each workload ---- */

/* A pod address routed to ifindex: the dst of a v4 /32 route out of it. */
static const struct ct_ip *pod_ip_of(const struct ct_netns *rt, int ifindex)
{
	const struct ct_ip *best = NULL;

	for (size_t i = 0; i < rt->routes.n; i++) {
		const struct ct_route *r = &rt->routes.v[i];
		if (r->dst.ip.family != AF_INET || r->dst.len != 32 || r->oif != ifindex ||
		    r->nh_count > 1 || r->type != RTN_UNICAST)
			continue;
		if (r->table == RT_TABLE_MAIN)
			return &r->dst.ip;
		if (!best)
			best = &r->dst.ip;
	}
	return best;
}

/* One use of the general lookup: 169.254.1.1 from the pod (src) arriving on l. */
static int gwcheck_one(struct gctx *g, struct ct_nl *nl, struct ct_netns *ns,
		       const struct ct_link *l, const struct ct_ip *src)
{
	struct ct_route_query q = { .dst = { .family = AF_INET, .a = { 169, 254, 1, 1 } },
				    .iif = l->ifindex };
	struct ct_route_answer ans;
	struct ct_gwcheck *c;
	int r;

	if (!src) { /* never ask with 0.0.0.0: say the check could not be made */
		c = ct_push_gwcheck(ns);
		if (!c)
			return ct_err_errno(g->err, ENOMEM, "record the route from", l->name);
		c->iif = l->ifindex;
		c->unasked = true;
		return 0;
	}
	q.src = *src;
	r = ct_route_get(nl, &q, &ans);
	if (r == -ENOMEM)
		return ct_err_errno(g->err, ENOMEM, "build a route request for", l->name);
	if (r < 0)
		return ct_err_errno(g->err, -r, "ask the kernel for the route from", l->name);
	c = ct_push_gwcheck(ns);
	if (!c) {
		ct_route_answer_clear(&ans);
		return ct_err_errno(g->err, ENOMEM, "record the route from", l->name);
	}
	c->iif = l->ifindex;
	c->src = *src;
	c->err = ans.err;
	c->oif = ans.err ? 0 : ans.route.oif;
	c->type = ans.err ? 0 : ans.route.type;
	ct_route_answer_clear(&ans);
	return 0;
}

static int gather_gwcheck(struct gctx *g, struct ct_nl *nl, struct ct_netns *ns,
			  const struct ct_netns *rt)
{
	for (size_t i = 0; i < ns->links.n; i++) {
		const struct ct_link *l = &ns->links.v[i];
		/* down links too: the kernel refuses them (their /32 is gone: the pod's
		 * address then comes from its namespace, gwcheck_pods) */
		if (!ct_is_workload(&g->pfx, l->name))
			continue;
		if (gwcheck_one(g, nl, ns, l, pod_ip_of(rt, l->ifindex)) < 0)
			return -1;
	}
	return 0;
}

/* ---- one namespace ---- */

static int dump_routes(struct gctx *g, struct ct_nl *nl, struct ct_netns *ns, bool v6)
{
	struct rtmsg rtm = { .rtm_family = AF_INET }; /* table 0: every table */

	if (dump_rt(g, nl, ns, "routes", &rtm, false) < 0)
		return -1;
	rtm.rtm_family = AF_INET6;
	if (v6 && dump_rt(g, nl, ns, "inet6 routes", &rtm, true) < 0)
		return -1;
	return 0;
}

/* Workload routes through a kernel-side filter (table main, unicast, protocol
 * boot): a namespace with 100k BGP routes then costs a walk, not a copy, of
 * its FIB. Completeness is checked, and a full dump replaces it when a
 * workload link or the whole namespace is left without a route (a cluster
 * that sets Felix's DeviceRouteProtocol, a pod whose routes came another way). */
static int dump_routes_wl(struct gctx *g, struct ct_nl *nl, struct ct_netns *ns)
{
	size_t base = ns->routes.n;
	bool complete = ct_nl_strict(nl, true) == 0;

	if (complete) {
		static const uint8_t fams[2] = { AF_INET, AF_INET6 };
		for (int i = 0; i < 2 && complete; i++) {
			struct rtmsg rtm = { .rtm_family = fams[i], .rtm_table = RT_TABLE_MAIN,
					     .rtm_protocol = RTPROT_BOOT, .rtm_type = RTN_UNICAST };
			if (dump_rt(g, nl, ns, "workload routes", &rtm, fams[i] == AF_INET6) < 0) {
				/* a kernel that rejects the filter: fall back below */
				g->err->exit_code = 0;
				g->err->msg[0] = 0;
				complete = false;
			}
		}
		ct_nl_strict(nl, false);
	}
	if (complete && ns->routes.n == base)
		complete = false;
	for (size_t i = 0; complete && i < ns->links.n; i++) {
		const struct ct_link *l = &ns->links.v[i];
		if (!(l->flags & IFF_UP) || !ct_is_workload(&g->pfx, l->name))
			continue;
		bool found = false;
		for (size_t k = base; k < ns->routes.n && !found; k++)
			found = ns->routes.v[k].oif == l->ifindex;
		complete = found;
	}
	if (complete)
		return 0;
	ct_netns_truncate_routes(ns, base);
	return dump_routes(g, nl, ns, true);
}

/* FDB entries of the vxlan devices only (strict dump filtered by ifindex). */
static int dump_fdb_tun(struct gctx *g, struct ct_nl *nl, struct ct_netns *ns)
{
	size_t base = ns->fdb.n;
	if (ct_nl_strict(nl, true) == 0) {
		int r = 0;
		for (size_t i = 0; i < ns->links.n && r == 0; i++) {
			if (strcmp(ns->links.v[i].kind, "vxlan"))
				continue;
			struct ndmsg ndm = { .ndm_family = AF_BRIDGE,
					     .ndm_ifindex = ns->links.v[i].ifindex };
			r = dump(g, nl, ns, "fdb", RTM_GETNEIGH, &ndm, sizeof(ndm), AF_BRIDGE, fdb_cb,
				 true);
		}
		ct_nl_strict(nl, false);
		if (r == 0)
			return 0;
		g->err->exit_code = 0;
		g->err->msg[0] = 0;
		ns->fdb.n = base;
	}
	struct ndmsg ndm = { .ndm_family = AF_BRIDGE };
	return dump(g, nl, ns, "fdb", RTM_GETNEIGH, &ndm, sizeof(ndm), AF_BRIDGE, fdb_cb, true);
}

/* The neighbour tables and the IPv4 per-device parameters. tables: keep each
 * family's table message; parms: read the IPv4 dump to its end for every
 * device's proxy_delay (one message per device; the links must be in ns).
 * A dump read only for its table message runs on a socket of its own that is
 * closed after that message: the per-device messages that follow (a thousand
 * on a node with a thousand pods) are never read. */
static int dump_neightbls(struct gctx *g, struct ct_nl *nl, struct ct_netns *ns, bool tables,
			  bool parms)
{
	static const uint8_t fams[2] = { AF_INET, AF_INET6 };
	for (int i = 0; i < 2; i++) {
		struct ndtmsg ndtm = { .ndtm_family = fams[i] };
		struct dumparg da = { .ns = ns, .family = fams[i], .tables = tables };
		bool opt = fams[i] == AF_INET6;
		if (fams[i] == AF_INET && parms) {
			da.parms = true;
			if (dump_with(g, nl, ns, "neighbour tables", RTM_GETNEIGHTBL, &ndtm,
				      sizeof(ndtm), da, neightbl_cb, opt) < 0)
				return -1;
			continue;
		}
		if (!tables)
			continue;
		struct ct_nl tnl;
		int r = ct_nl_open(&tnl);
		if (r < 0)
			return ct_err_errno(g->err, -r, "open a netlink socket in", ns->name);
		r = dump_with(g, &tnl, ns, "neighbour tables", RTM_GETNEIGHTBL, &ndtm, sizeof(ndtm),
			      da, neightbl_cb, opt);
		ct_nl_close(&tnl);
		if (r < 0)
			return -1;
	}
	return 0;
}

static int dump_addrs(struct gctx *g, struct ct_nl *nl, struct ct_netns *ns)
{
	struct ifaddrmsg ifa = { .ifa_family = AF_INET };

	if (dump(g, nl, ns, "addresses", RTM_GETADDR, &ifa, sizeof(ifa), AF_INET, addr_cb,
		 false) < 0)
		return -1;
	ifa.ifa_family = AF_INET6;
	return dump(g, nl, ns, "inet6 addresses", RTM_GETADDR, &ifa, sizeof(ifa), AF_INET6,
		    addr_cb, true);
}

static int gather_ns(struct gctx *g, struct ct_nl *nl, struct ct_netns *ns, unsigned what)
{
	/* links carry everything per device, so any consumer of them gets them */
	if (what & (CT_G_LINKS | CT_G_NETCONF | CT_G_GWCHECK | CT_G_NSNAMES | CT_G_PODNS |
		    CT_G_NODEINFO)) {
		struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
		struct dumparg da = { .ns = ns, .conf = (what & CT_G_NETCONF) != 0 };
		if (dump_with(g, nl, ns, "links", RTM_GETLINK, &ifi, sizeof(ifi), da, link_cb,
			      false) < 0)
			return -1;
		if (ct_netns_index(ns) < 0)
			return ct_err_errno(g->err, ENOMEM, "index the links of", ns->name);
	}
	if ((what & CT_G_ADDRS) && dump_addrs(g, nl, ns) < 0)
		return -1;
	if ((what & CT_G_ROUTES) && dump_routes(g, nl, ns, true) < 0)
		return -1;
	if ((what & (CT_G_ROUTES | CT_G_ROUTES_WL)) == CT_G_ROUTES_WL &&
	    dump_routes_wl(g, nl, ns) < 0)
		return -1;
	if (what & CT_G_RULES) {
		struct fib_rule_hdr frh = { .family = AF_INET };
		if (dump(g, nl, ns, "rules", RTM_GETRULE, &frh, sizeof(frh), AF_INET, rule_cb,
			 false) < 0)
			return -1;
		frh.family = AF_INET6;
		if (dump(g, nl, ns, "inet6 rules", RTM_GETRULE, &frh, sizeof(frh), AF_INET6,
			 rule_cb, true) < 0)
			return -1;
	}
	if (what & CT_G_NEIGH) {
		static const uint8_t fams[2] = { AF_INET, AF_INET6 };
		for (int i = 0; i < 2; i++) {
			struct ndmsg ndm = { .ndm_family = fams[i] };
			bool opt = fams[i] == AF_INET6;
			if (dump(g, nl, ns, "neighbours", RTM_GETNEIGH, &ndm, sizeof(ndm), fams[i],
				 neigh_cb, opt) < 0)
				return -1;
			/* proxy entries only come from a dump asking for NTF_PROXY */
			ndm.ndm_flags = NTF_PROXY;
			if (dump(g, nl, ns, "proxy neighbours", RTM_GETNEIGH, &ndm, sizeof(ndm),
				 fams[i], neigh_cb, opt) < 0)
				return -1;
		}
	}
	if (what & CT_G_FDB) {
		struct ndmsg ndm = { .ndm_family = AF_BRIDGE };
		if (dump(g, nl, ns, "fdb", RTM_GETNEIGH, &ndm, sizeof(ndm), AF_BRIDGE, fdb_cb,
			 true) < 0)
			return -1;
	} else if ((what & CT_G_FDB_TUN) && dump_fdb_tun(g, nl, ns) < 0) {
		return -1;
	}
	if ((what & (CT_G_NEIGHTBL | CT_G_NETCONF)) &&
	    dump_neightbls(g, nl, ns, what & CT_G_NEIGHTBL, what & CT_G_NETCONF) < 0)
		return -1;
	if ((what & CT_G_NETCONF) && gather_netconf(g, nl, ns) < 0)
		return -1;
	if ((what & (CT_G_WLROUTE | CT_G_ROUTES)) == (CT_G_WLROUTE | CT_G_ROUTES)) {
		int r = ct_wlroute_gather(nl, ns, &g->pfx);
		if (r < 0)
			return ct_err_errno(g->err, -r, "ask the kernel for the routes to the workloads of",
					    ns->name);
	}
	if (what & CT_G_GWCHECK) {
		if (what & CT_G_ROUTES)
			return gather_gwcheck(g, nl, ns, ns);
		if (what & CT_G_ROUTES_WL) {
			size_t before = ns->gwchecks.n;
			if (gather_gwcheck(g, nl, ns, ns) < 0)
				return -1;
			/* a refusal is classified from every route (analysis/gwcause.c): the
			 * workload routes alone cannot name a reject or shadowing route */
			for (size_t i = before; i < ns->gwchecks.n; i++)
				if (ns->gwchecks.v[i].err) {
					ct_netns_truncate_routes(ns, 0);
					return dump_routes(g, nl, ns, true);
				}
			return 0;
		}
		struct ct_netns rt;
		ct_netns_init(&rt);
		snprintf(rt.name, sizeof(rt.name), "%s", ns->name);
		int r = dump_routes(g, nl, &rt, false);
		if (r == 0)
			r = gather_gwcheck(g, nl, ns, &rt);
		ct_netns_free(&rt);
		return r;
	}
	return 0;
}

static void ns_prepare(struct ct_netns *ns, const char *name, const char *path)
{
	snprintf(ns->name, sizeof(ns->name), "%s", name);
	snprintf(ns->path, sizeof(ns->path), "%s", path);
	ns->conf.forwarding = ns->conf.rp_filter = ns->conf.proxy_arp = -1;
	ns->conf.def_rp_filter = ns->conf.ip_forward = ns->conf.forwarding6 = -1;
	ns->conf.conntrack_count = ns->conf.conntrack_max = -1;
}

/* ---- node info ---- */

/* Reads Calico's node name file: one printable line. */
static bool read_nodename(char *out, size_t len)
{
	char buf[CT_NAME_LEN];
	ssize_t n;
	int fd = open(CALICO_NODENAME, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = 0;
	buf[strcspn(buf, "\r\n")] = 0;
	for (char *p = buf; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p == 0x7f)
			return false;
	if (!buf[0])
		return false;
	snprintf(out, len, "%s", buf);
	return true;
}

static int gather_nodeinfo(struct gctx *g, struct ct_nl *nl, struct ct_netns *ns, bool have_addrs)
{
	struct ct_node *node = g->node;
	struct ct_netns tmp, *an = ns;
	struct utsname u;

	if (!have_addrs) {
		ct_netns_init(&tmp);
		snprintf(tmp.name, sizeof(tmp.name), "%s", ns->name);
		if (dump_addrs(g, nl, &tmp) < 0) {
			ct_netns_free(&tmp);
			return -1;
		}
		an = &tmp;
	}
	if (!read_nodename(node->name, sizeof(node->name))) {
		char h[CT_NAME_LEN] = "";
		if (gethostname(h, sizeof(h) - 1) < 0)
			h[0] = 0;
		snprintf(node->name, sizeof(node->name), "%s", h);
	}
	if (uname(&u) == 0)
		snprintf(node->kernel, sizeof(node->kernel), "%s", u.release);
	/* underlay addresses and VTEP (model/derive.c) */
	ct_node_derive_from(node, ns, an, &g->pfx);
	node->taken_at = (int64_t)time(NULL);
	snprintf(node->source, sizeof(node->source), "live");
	if (an == &tmp)
		ct_netns_free(&tmp);
	return 0;
}

/* ---- peer namespaces ---- */

struct nsmap {
	struct gctx *g;
	struct ct_nl *nl;
	int *want; /* distinct peer nsids not yet found */
	size_t nwant;
	int *fds; /* fds[i] for node->ns.v[i], -1 when not held */
	size_t nfds;
};

static int nsmap_visit(struct ct_ns_cand *c, void *arg)
{
	struct nsmap *m = arg;
	struct ct_node *node = m->g->node;
	struct ct_netns *ns;
	int nsid, r;
	size_t i;

	r = ct_nl_get_nsid(m->nl, c->fd, &nsid);
	if (r < 0)
		return r;
	if (nsid < 0)
		return 0;
	for (i = 0; i < m->nwant && m->want[i] != nsid; i++)
		;
	if (i == m->nwant)
		return 0;
	m->want[i] = m->want[--m->nwant];
	if (node->ns.n + 1 > m->nfds) {
		size_t nc = (node->ns.n + 1) * 2;
		int *p = realloc(m->fds, nc * sizeof(*p));
		if (!p)
			return -ENOMEM;
		for (size_t k = m->nfds; k < nc; k++)
			p[k] = -1;
		m->fds = p;
		m->nfds = nc;
	}
	ns = ct_node_add_ns(node);
	if (!ns)
		return -ENOMEM;
	ns_prepare(ns, c->name, c->path);
	ns->nsid = nsid;
	ns->inode = c->inode;
	m->fds[node->ns.n - 1] = c->fd;
	c->fd = -1; /* kept: the pod namespace may be entered next */
	return m->nwant == 0 ? 1 : 0;
}

/* Maps the peer namespaces of the target's links; with workloads_only (pod namespaces are
 * gathered next) only those behind workload interfaces, so that the underlay's peer (a switch,
 * another host) is never taken for a pod. */
static int gather_nsnames(struct gctx *g, struct ct_nl *nl, uint64_t self_inode,
			  struct nsmap *m, bool workloads_only)
{
	struct ct_netns *host = &g->node->ns.v[0];
	int r;

	m->g = g;
	m->nl = nl;
	m->want = calloc(host->links.n ? host->links.n : 1, sizeof(int));
	if (!m->want)
		return ct_err_errno(g->err, ENOMEM, "map peer namespaces of", host->name);
	for (size_t i = 0; i < host->links.n; i++) {
		int id = host->links.v[i].link_netnsid;
		size_t k;
		if (id < 0 || (workloads_only && !ct_is_workload(&g->pfx, host->links.v[i].name)))
			continue;
		for (k = 0; k < m->nwant && m->want[k] != id; k++)
			;
		if (k == m->nwant)
			m->want[m->nwant++] = id;
	}
	r = m->nwant ? ct_ns_scan(CT_NETNS_DIR, g->proc_root, self_inode, nsmap_visit, m) : 0;
	free(m->want);
	m->want = NULL;
	if (r < 0)
		return ct_err_errno(g->err, -r, "map peer namespaces of", g->node->ns.v[0].name);
	host = &g->node->ns.v[0]; /* ns.v may have moved */
	for (size_t i = 0; i < host->links.n; i++) {
		struct ct_link *l = &host->links.v[i];
		if (l->link_netnsid < 0)
			continue;
		for (size_t j = 1; j < g->node->ns.n; j++)
			if (g->node->ns.v[j].nsid == l->link_netnsid)
				l->peer_ns = (int)j;
	}
	return 0;
}

/* Gathers pod_what in each peer namespace, then returns to the target. */
static int gather_pods(struct gctx *g, struct nsmap *m, int target_fd)
{
	unsigned what = g->pod_what & ~(unsigned)TARGET_ONLY;

	for (size_t j = 1; j < g->node->ns.n && j < m->nfds; j++) {
		struct ct_netns *ns = &g->node->ns.v[j];
		struct ct_nl nl;
		int r, back;

		if (m->fds[j] < 0)
			continue;
		g->moved = true;
		if (ct_ns_enter(m->fds[j], ns->name, g->err) < 0)
			return -1;
		r = ct_nl_open(&nl);
		if (r < 0) {
			ct_err_errno(g->err, -r, "open a netlink socket in", ns->name);
		} else {
			r = gather_ns(g, &nl, ns, what);
			int hid;
			/* the pod's eth0 points back at the target namespace */
			if (r == 0 && ct_nl_get_nsid(&nl, target_fd, &hid) == 0 && hid >= 0)
				for (size_t i = 0; i < ns->links.n; i++)
					if (ns->links.v[i].link_netnsid == hid)
						ns->links.v[i].peer_ns = 0;
			ct_nl_close(&nl);
		}
		back = ct_ns_enter(target_fd, g->node->ns.v[0].name, g->err);
		if (r < 0 || back < 0)
			return -1;
	}
	return 0;
}

/* The checks not made for want of a pod address (no /32 route: deleted, or the
 * link is down), asked with the address of the pod's eth0, read in its
 * namespace (the veth peer's). Ends in the target namespace. */
static bool any_unasked(const struct ct_netns *ns)
{
	for (size_t i = 0; i < ns->gwchecks.n; i++)
		if (ns->gwchecks.v[i].unasked)
			return true;
	return false;
}

static int gwcheck_pods(struct gctx *g, struct nsmap *m, int target_fd)
{
	struct ct_netns *host = &g->node->ns.v[0];

	for (size_t i = 0; i < host->gwchecks.n; i++) {
		struct ct_gwcheck *c = &host->gwchecks.v[i];
		const struct ct_link *l = ct_link_by_ifindex(host, c->iif);
		struct ct_ip src = { 0 };
		struct ct_netns tmp;
		struct ct_nl nl;
		int r, back;

		if (!c->unasked || !l || l->peer_ns < 1 || (size_t)l->peer_ns >= m->nfds ||
		    m->fds[l->peer_ns] < 0)
			continue;
		ct_netns_init(&tmp);
		g->moved = true;
		if (ct_ns_enter(m->fds[l->peer_ns], g->node->ns.v[l->peer_ns].name, g->err) < 0) {
			ct_netns_free(&tmp);
			return -1;
		}
		r = ct_nl_open(&nl);
		if (r < 0) {
			ct_err_errno(g->err, -r, "open a netlink socket in",
				     g->node->ns.v[l->peer_ns].name);
		} else {
			r = dump_addrs(g, &nl, &tmp);
			ct_nl_close(&nl);
		}
		for (size_t k = 0; r == 0 && k < tmp.addrs.n && !src.family; k++)
			if (tmp.addrs.v[k].ifindex == l->link &&
			    tmp.addrs.v[k].pfx.ip.family == AF_INET &&
			    tmp.addrs.v[k].scope == RT_SCOPE_UNIVERSE)
				src = tmp.addrs.v[k].pfx.ip;
		ct_netns_free(&tmp);
		back = ct_ns_enter(target_fd, host->name, g->err);
		if (r < 0 || back < 0)
			return -1;
		if (!src.family)
			continue;
		struct ct_route_query q = { .dst = { .family = AF_INET, .a = { 169, 254, 1, 1 } },
					    .src = src, .iif = c->iif };
		struct ct_route_answer ans;
		r = ct_nl_open(&nl);
		if (r < 0)
			return ct_err_errno(g->err, -r, "open a netlink socket in", host->name);
		r = ct_route_get(&nl, &q, &ans);
		ct_nl_close(&nl);
		if (r < 0)
			return ct_err_errno(g->err, -r, "ask the kernel for the route from", l->name);
		c->unasked = false;
		c->src = src;
		c->err = ans.err;
		c->oif = ans.err ? 0 : ans.route.oif;
		c->type = ans.err ? 0 : ans.route.type;
		ct_route_answer_clear(&ans);
	}
	return 0;
}

/* ---- entry points ---- */

static int gather_target(struct gctx *g, unsigned what, int target_fd)
{
	struct nsmap m = { 0 };
	struct ct_nl nl;
	int r;

	r = ct_nl_open(&nl);
	if (r < 0)
		return ct_err_errno(g->err, -r, "open a netlink socket in", g->node->ns.v[0].name);
	if (what & CT_G_PODNS)
		what |= CT_G_NSNAMES;
	r = gather_ns(g, &nl, &g->node->ns.v[0], what);
	if (r == 0 && (what & CT_G_NODEINFO))
		r = gather_nodeinfo(g, &nl, &g->node->ns.v[0], (what & CT_G_ADDRS) != 0);
	bool unasked = (what & CT_G_GWCHECK) && any_unasked(&g->node->ns.v[0]);
	if (r == 0 && ((what & CT_G_NSNAMES) || unasked))
		r = gather_nsnames(g, &nl, g->node->ns.v[0].inode, &m, (what & CT_G_PODNS) != 0);
	ct_nl_close(&nl);
	if (r == 0 && unasked)
		r = gwcheck_pods(g, &m, target_fd);
	if (r == 0 && (what & CT_G_PODNS))
		r = gather_pods(g, &m, target_fd);
	for (size_t i = 0; i < m.nfds; i++)
		if (m.fds[i] >= 0)
			close(m.fds[i]);
	free(m.fds);
	return r;
}

int ct_gather(struct ct_node *node, const struct ct_gather_opts *o, struct ct_err *err)
{
	struct gctx g = { .node = node, .err = err };
	char path[CT_PATH_LEN] = "", name[CT_NAME_LEN] = "host";
	int orig = -1, target = -1, rc = -1;
	struct ct_netns *ns;

	g.pod_what = o->pod_what;
	g.proc_root = o->proc_root && *o->proc_root ? o->proc_root : "/proc";
	if (o->prefixes)
		g.pfx = *o->prefixes;
	else
		ct_prefixes_parse("cali", &g.pfx);
	/* ns.v[0] becomes the target: start from an empty namespace list */
	for (size_t i = 0; i < node->ns.n; i++)
		ct_netns_free(&node->ns.v[i]);
	node->ns.n = 0;

	if (o->netns_spec &&
	    ct_netns_resolve(o->netns_spec, path, sizeof(path), name, sizeof(name), err) < 0)
		return -1;
	orig = ct_ns_open_self(err);
	if (orig < 0)
		return -1;
	if (o->netns_spec) {
		target = ct_ns_open(path, name, err);
		if (target < 0)
			goto out;
		g.moved = true;
		if (ct_ns_enter(target, name, err) < 0)
			goto out;
	} else {
		target = dup(orig);
		if (target < 0) {
			ct_err_errno(err, errno, "open the current network namespace", "host");
			goto out;
		}
	}
	ns = ct_node_add_ns(node);
	if (!ns) {
		ct_err_errno(err, ENOMEM, "gather network namespace", name);
		goto out;
	}
	ns_prepare(ns, name, path);
	ns->is_host = true;
	ns->inode = ct_ns_inode(target);
	rc = gather_target(&g, o->what, target);
out:
	/* always back to where the caller was, whatever happened above */
	if (g.moved && setns(orig, CLONE_NEWNET) < 0)
		rc = ct_err_errno(err, errno, "return to the original network namespace", "self");
	if (target >= 0)
		close(target);
	close(orig);
	return rc;
}
