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

struct ct_rkey_nh {
	int oif;
	struct ct_ip gw;
};

struct ct_rkey {
	uint64_t hash;
	uint32_t table, metric;
	uint8_t type, tos, dst_len, src_len;
	uint8_t dst[16], src[16];
	/* the next hop of a single-path route; a multipath one's are nh[nh_off..+nh_n) */
	struct ct_rkey_nh one;
	uint32_t nh_off, nh_n; /* nh_n 0: single path */
};

void ct_rkeys_init(struct ct_rkeys *k)
{
	memset(k, 0, sizeof(*k));
}

void ct_rkeys_clear(struct ct_rkeys *k)
{
	k->kn = k->nhn = 0;
	if (k->slot)
		memset(k->slot, 0, k->nslot * sizeof(*k->slot));
}

void ct_rkeys_free(struct ct_rkeys *k)
{
	free(k->kv);
	free(k->nh);
	free(k->slot);
	ct_rkeys_init(k);
}

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

static uint64_t mix_nh(uint64_t h, int oif, const struct ct_ip *ip)
{
	uint64_t a = 0, b = 0;
	if (ip->family) {
		memcpy(&a, ip->a, 8);
		memcpy(&b, ip->a + 8, 8);
	}
	return mix(mix(mix(mix(h, (uint32_t)oif), ip->family), a), b);
}

static bool multipath(const struct ct_route *r)
{
	return r->nh_count > 1 && r->nh; /* the test of ct_route_nexthops() */
}

/* The key of the route message h decoded as r (RTA_SRC is not in the model);
 * its multipath next hops are compared from r. */
static void rkey_of(struct ct_rkey *k, const struct nlmsghdr *h, const struct ct_route *r)
{
	const struct rtmsg *rtm = nlmsg_data(h);
	struct nlattr *src = nlmsg_find_attr((struct nlmsghdr *)h, sizeof(*rtm), RTA_SRC);

	memset(k, 0, sizeof(*k));
	k->table = r->table;
	k->metric = r->priority;
	k->type = r->type;
	k->tos = r->tos;
	k->dst_len = r->dst.len;
	memcpy(k->dst, r->dst.ip.a, sizeof(k->dst));
	k->src_len = rtm->rtm_src_len;
	if (src && nla_len(src) > 0)
		memcpy(k->src, nla_data(src),
		       (size_t)nla_len(src) < sizeof(k->src) ? (size_t)nla_len(src) : sizeof(k->src));
	uint64_t hh = mix(mix(mix(0, k->table), k->metric),
			  (uint64_t)k->type << 24 | (uint64_t)k->tos << 16 |
				  (uint64_t)k->dst_len << 8 | k->src_len);
	for (int i = 0; i < 16; i += 8) {
		uint64_t a, b;
		memcpy(&a, k->dst + i, 8);
		memcpy(&b, k->src + i, 8);
		hh = mix(mix(hh, a), b);
	}
	if (multipath(r)) {
		hh = mix(hh, r->nh_count);
		for (size_t i = 0; i < r->nh_count; i++)
			hh = mix_nh(hh, r->nh[i].oif, &r->nh[i].gw);
	} else {
		k->one.oif = r->oif;
		k->one.gw = r->gw;
		hh = mix_nh(mix(hh, 1), r->oif, &r->gw);
	}
	k->hash = hh;
}

static bool ip_same(const struct ct_ip *a, const struct ct_ip *b)
{
	return a->family == b->family && (!a->family || ct_ip_eq(a, b));
}

/* Is the stored key a the key b of route r? */
static bool rkey_same(const struct ct_rkeys *k, const struct ct_rkey *a, const struct ct_rkey *b,
		      const struct ct_route *r)
{
	if (a->hash != b->hash || a->table != b->table || a->metric != b->metric ||
	    a->type != b->type || a->tos != b->tos || a->dst_len != b->dst_len ||
	    a->src_len != b->src_len || memcmp(a->dst, b->dst, 16) || memcmp(a->src, b->src, 16))
		return false;
	if (!multipath(r))
		return a->nh_n == 0 && a->one.oif == b->one.oif && ip_same(&a->one.gw, &b->one.gw);
	if (a->nh_n != r->nh_count)
		return false;
	for (size_t i = 0; i < r->nh_count; i++) {
		const struct ct_rkey_nh *x = &k->nh[a->nh_off + i];
		if (x->oif != r->nh[i].oif || !ip_same(&x->gw, &r->nh[i].gw))
			return false;
	}
	return true;
}

static int rkeys_grow(struct ct_rkeys *k)
{
	size_t cap = k->kcap ? k->kcap * 2 : 256, nslot = cap * 2;
	if (cap >= UINT32_MAX / 2)
		return -ENOMEM;
	struct ct_rkey *kv = realloc(k->kv, cap * sizeof(*kv));
	if (!kv)
		return -ENOMEM;
	k->kv = kv;
	k->kcap = cap;
	uint32_t *slot = calloc(nslot, sizeof(*slot));
	if (!slot)
		return -ENOMEM;
	for (size_t i = 0; i < k->kn; i++) {
		size_t s = (size_t)k->kv[i].hash & (nslot - 1);
		while (slot[s])
			s = (s + 1) & (nslot - 1);
		slot[s] = (uint32_t)i + 1;
	}
	free(k->slot);
	k->slot = slot;
	k->nslot = nslot;
	return 0;
}

int ct_rkeys_seen(struct ct_rkeys *k, const struct nlmsghdr *h, const struct ct_route *r)
{
	struct ct_rkey key;
	size_t s;

	rkey_of(&key, h, r);
	if (k->nslot)
		for (s = (size_t)key.hash & (k->nslot - 1); k->slot[s]; s = (s + 1) & (k->nslot - 1)) {
			k->probes++;
			if (rkey_same(k, &k->kv[k->slot[s] - 1], &key, r))
				return 1;
		}
	if (k->kn == k->kcap && rkeys_grow(k) < 0)
		return -ENOMEM;
	if (multipath(r)) {
		if (k->nhn + r->nh_count > k->nhcap) {
			size_t cap = k->nhcap ? k->nhcap : 256;
			while (cap < k->nhn + r->nh_count)
				cap *= 2;
			if (cap >= UINT32_MAX)
				return -ENOMEM;
			struct ct_rkey_nh *nh = realloc(k->nh, cap * sizeof(*nh));
			if (!nh)
				return -ENOMEM;
			k->nh = nh;
			k->nhcap = cap;
		}
		key.nh_off = (uint32_t)k->nhn;
		key.nh_n = r->nh_count;
		for (size_t i = 0; i < r->nh_count; i++)
			k->nh[k->nhn++] = (struct ct_rkey_nh){ r->nh[i].oif, r->nh[i].gw };
	}
	k->kv[k->kn] = key;
	for (s = (size_t)key.hash & (k->nslot - 1); k->slot[s]; s = (s + 1) & (k->nslot - 1))
		;
	k->slot[s] = (uint32_t)++k->kn;
	return 0;
}

void ct_route_dump_init(struct ct_route_dump *d, struct ct_netns *ns, uint8_t family, bool keys)
{
	memset(d, 0, sizeof(*d));
	d->ns = ns;
	d->family = family;
	d->keys = keys;
	ct_rkeys_init(&d->seen);
}

void ct_route_dump_restart(struct ct_route_dump *d)
{
	ct_rkeys_clear(&d->seen);
	d->repeated = false;
	d->n_repeats = 0;
}

void ct_route_dump_free(struct ct_route_dump *d)
{
	ct_rkeys_free(&d->seen);
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
		rc = ct_rkeys_seen(&d->seen, h, &tmp);
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

	if (src)
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
		if (!(l->flags & IFF_UP) || !ct_is_workload(&g->pfx, l->name))
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
	if (what & CT_G_GWCHECK) {
		if (what & (CT_G_ROUTES | CT_G_ROUTES_WL))
			return gather_gwcheck(g, nl, ns, ns);
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

static int gather_nsnames(struct gctx *g, struct ct_nl *nl, uint64_t self_inode,
			  struct nsmap *m)
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
		if (id < 0)
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
	if (r == 0 && (what & CT_G_NSNAMES))
		r = gather_nsnames(g, &nl, g->node->ns.v[0].inode, &m);
	ct_nl_close(&nl);
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
