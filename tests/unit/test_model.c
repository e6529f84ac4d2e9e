/* SPDX-License-Identifier: MIT */
/* Unit tests for the model's update functions, hashed indexes, change counters,
 * derived values and the cascades ct_netns_apply performs for the kernel.
 *
 * The oracle for the random test is a plain list per table, scanned linearly,
 * whose key rules are written here from the kernel's (model.h's comment is the
 * contract, not this file's code): after every step the model's table and the
 * oracle's must hold the same entries (compared as sorted sets of their full
 * content), and every entry of the model must be found through its index. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <linux/fib_rules.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "model/model.h"
#include "model/rtnl.h"

#ifndef IFF_LOWER_UP
#define IFF_LOWER_UP 0x10000 /* linux/if.h, which clashes with net/if.h */
#endif

/* ---- a fixed-seed generator ---- */

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng % n);
}

static void ip4(struct ct_ip *ip, uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	memset(ip, 0, sizeof(*ip));
	ip->family = AF_INET;
	ip->a[0] = a, ip->a[1] = b, ip->a[2] = c, ip->a[3] = d;
}

static void ip6(struct ct_ip *ip, uint8_t last, uint8_t net)
{
	memset(ip, 0, sizeof(*ip));
	ip->family = AF_INET6;
	ip->a[0] = 0xfd;
	ip->a[1] = net;
	ip->a[15] = last;
}

/* ---- canonical text of an entry: full content, for set comparison ---- */

static void s_ip(char *o, size_t n, const struct ct_ip *ip)
{
	char b[64];
	snprintf(o, n, "%u:%s", ip->family, ct_ip_fmt(ip, b, sizeof(b)));
}

static void canon_route(const struct ct_route *r, char *o, size_t n)
{
	char d[80], s[80], g[80], x[600] = "";
	s_ip(d, sizeof(d), &r->dst.ip);
	s_ip(s, sizeof(s), &r->src);
	s_ip(g, sizeof(g), &r->gw);
	for (size_t i = 0; i < r->nh_count; i++) {
		char y[80];
		s_ip(y, sizeof(y), &r->nh[i].gw);
		size_t l = strlen(x);
		snprintf(x + l, sizeof(x) - l, "[%s %d %u %u]", y, r->nh[i].oif, r->nh[i].weight,
			 r->nh[i].flags);
	}
	snprintf(o, n, "%s/%u t%u p%u f%u pr%u sc%u ty%u tos%u src %s gw %s oif %d nh%u %s", d,
		 r->dst.len, r->table, r->priority, r->flags, r->protocol, r->scope, r->type,
		 r->tos, s, g, r->oif, r->nh_count, x);
}

static void canon_addr(const struct ct_addr *a, char *o, size_t n)
{
	char p[80];
	s_ip(p, sizeof(p), &a->pfx.ip);
	snprintf(o, n, "%d %s/%u %u %u", a->ifindex, p, a->pfx.len, a->scope, a->flags);
}

static void canon_neigh(const struct ct_neigh *nb, char *o, size_t n)
{
	char p[80], m[40];
	s_ip(p, sizeof(p), &nb->dst);
	snprintf(o, n, "%d %s %s %u %u", nb->ifindex, p,
		 ct_mac_fmt(nb->lladdr, nb->lladdr_len, m, sizeof(m)), nb->state, nb->flags);
}

static void canon_fdb(const struct ct_fdb *f, char *o, size_t n)
{
	char p[80], m[40];
	s_ip(p, sizeof(p), &f->dst);
	snprintf(o, n, "%d %s %s %u %u %u %d", f->ifindex, ct_mac_fmt(f->mac, 6, m, sizeof(m)), p,
		 f->vni, f->state, f->flags, f->master);
}

static void canon_rule(const struct ct_rule *r, char *o, size_t n)
{
	char s[80], d[80];
	s_ip(s, sizeof(s), &r->src.ip);
	s_ip(d, sizeof(d), &r->dst.ip);
	snprintf(o, n, "%u %u %u %u %d %u %u %s/%u %s/%u %.16s %.16s %u", r->family, r->action,
		 r->priority, r->table, r->has_fwmark, r->fwmark, r->fwmask, s, r->src.len, d,
		 r->dst.len, r->iifname, r->oifname, r->flags);
}

static void canon_link(const struct ct_link *l, char *o, size_t n)
{
	snprintf(o, n, "%d %.16s %u %u %d %d %d", l->ifindex, l->name, l->flags, l->mtu,
		 l->rp_filter, l->eff_rp_filter, l->proxy_arp);
}

static int cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

#define CANON 1024

/* both tables as sorted lists of canonical strings must be equal */
static void same_set(const void *mv, size_t mn, const void *ov, size_t on, size_t elem,
		     void (*canon)(const void *, char *, size_t), const char *what, int step)
{
	if (mn != on)
		fail_msg("step %d: %s: model has %zu entries, oracle %zu", step, what, mn, on);
	char **a = calloc(mn + 1, sizeof(char *)), **b = calloc(on + 1, sizeof(char *));
	assert_non_null(a);
	assert_non_null(b);
	for (size_t i = 0; i < mn; i++) {
		a[i] = malloc(CANON);
		b[i] = malloc(CANON);
		canon((const char *)mv + i * elem, a[i], CANON);
		canon((const char *)ov + i * elem, b[i], CANON);
	}
	qsort(a, mn, sizeof(char *), cmpstr);
	qsort(b, mn, sizeof(char *), cmpstr);
	for (size_t i = 0; i < mn; i++)
		if (strcmp(a[i], b[i]))
			fail_msg("step %d: %s differ:\n model  %s\n oracle %s", step, what, a[i],
				 b[i]);
	for (size_t i = 0; i < mn; i++) {
		free(a[i]);
		free(b[i]);
	}
	free(a);
	free(b);
}

#define CANON_FN(T, f)                                                                             \
	static void f##_v(const void *e, char *o, size_t n)                                        \
	{                                                                                          \
		f((const T *)e, o, n);                                                             \
	}
CANON_FN(struct ct_route, canon_route)
CANON_FN(struct ct_addr, canon_addr)
CANON_FN(struct ct_neigh, canon_neigh)
CANON_FN(struct ct_fdb, canon_fdb)
CANON_FN(struct ct_rule, canon_rule)
CANON_FN(struct ct_link, canon_link)

/* ---- the oracle: plain arrays, linear scans, keys written out again ---- */

#define OMAX 4096
struct oracle {
	struct ct_route routes[OMAX];
	size_t nr;
	struct ct_addr addrs[OMAX];
	size_t na;
	struct ct_neigh neighs[OMAX];
	size_t nn;
	struct ct_fdb fdb[OMAX];
	size_t nf;
	struct ct_rule rules[OMAX];
	size_t nu;
	struct ct_link links[OMAX];
	size_t nl;
};

static bool o_route_key(const struct ct_route *a, const struct ct_route *b)
{
	/* the kernel's fib key: family, table, dst/len, tos, metric */
	if (a->dst.ip.family != b->dst.ip.family || a->table != b->table ||
	    a->dst.len != b->dst.len || a->tos != b->tos || a->priority != b->priority ||
	    memcmp(a->dst.ip.a, b->dst.ip.a, 16))
		return false;
	if (a->dst.ip.family == AF_INET)
		return true;
	/* IPv6: gateway routes are one ECMP route; device routes differ by device */
	bool ga = a->nh_count > 1 || a->gw.family, gb = b->nh_count > 1 || b->gw.family;
	if (ga != gb)
		return false;
	return ga || a->oif == b->oif;
}

static void o_route_upsert(struct oracle *o, struct ct_route *r)
{
	for (size_t i = 0; i < o->nr; i++)
		if (o_route_key(&o->routes[i], r)) {
			ct_route_clear(&o->routes[i]);
			o->routes[i] = *r;
			if (r->nh_count > 1) {
				o->routes[i].nh = malloc(r->nh_count * sizeof(*r->nh));
				memcpy(o->routes[i].nh, r->nh, r->nh_count * sizeof(*r->nh));
			}
			return;
		}
	assert_true(o->nr < OMAX);
	o->routes[o->nr] = *r;
	if (r->nh_count > 1) {
		o->routes[o->nr].nh = malloc(r->nh_count * sizeof(*r->nh));
		memcpy(o->routes[o->nr].nh, r->nh, r->nh_count * sizeof(*r->nh));
	}
	o->nr++;
}

static void o_route_delete(struct oracle *o, const struct ct_route *r)
{
	for (size_t i = 0; i < o->nr; i++)
		if (o_route_key(&o->routes[i], r)) {
			struct ct_route *c = &o->routes[i];
			size_t named = r->nh_count > 1 ? r->nh_count : 1;
			if (c->dst.ip.family == AF_INET6 && c->nh_count > named) {
				/* IPv6 sibling removal: keep the next hops not named */
				struct ct_nexthop keep[8];
				size_t k = 0;
				for (size_t j = 0; j < c->nh_count; j++) {
					bool gone = false;
					for (size_t x = 0; x < named; x++) {
						const struct ct_ip *g =
						    r->nh_count > 1 ? &r->nh[x].gw : &r->gw;
						int oif = r->nh_count > 1 ? r->nh[x].oif : r->oif;
						gone |= c->nh[j].oif == oif &&
							ct_ip_eq(&c->nh[j].gw, g);
					}
					if (!gone)
						keep[k++] = c->nh[j];
				}
				if (k == c->nh_count)
					return;
				if (k > 0) {
					uint32_t f = c->flags;
					ct_route_set_nexthops(c, keep, k);
					if (k == 1)
						c->flags = f | keep[0].flags;
					return;
				}
			}
			ct_route_clear(&o->routes[i]);
			memmove(&o->routes[i], &o->routes[i + 1], (o->nr - i - 1) * sizeof(*r));
			o->nr--;
			return;
		}
}

#define O_GENERIC(name, T, arr, cnt, keyexpr)                                                      \
	static bool o_##name##_key(const T *a, const T *b)                                         \
	{                                                                                          \
		return keyexpr;                                                                    \
	}                                                                                          \
	static void o_##name##_upsert(struct oracle *o, const T *e)                                \
	{                                                                                          \
		for (size_t i = 0; i < o->cnt; i++)                                                \
			if (o_##name##_key(&o->arr[i], e)) {                                       \
				o->arr[i] = *e;                                                    \
				return;                                                            \
			}                                                                          \
		assert_true(o->cnt < OMAX);                                                        \
		o->arr[o->cnt++] = *e;                                                             \
	}                                                                                          \
	static void o_##name##_delete(struct oracle *o, const T *e)                                \
	{                                                                                          \
		for (size_t i = 0; i < o->cnt; i++)                                                \
			if (o_##name##_key(&o->arr[i], e)) {                                       \
				memmove(&o->arr[i], &o->arr[i + 1], (o->cnt - i - 1) * sizeof(T)); \
				o->cnt--;                                                          \
				return;                                                            \
			}                                                                          \
	}

O_GENERIC(addr, struct ct_addr, addrs, na,
	  a->ifindex == b->ifindex && a->pfx.ip.family == b->pfx.ip.family &&
	      !memcmp(a->pfx.ip.a, b->pfx.ip.a, 16) && a->pfx.len == b->pfx.len)
O_GENERIC(neigh, struct ct_neigh, neighs, nn,
	  a->ifindex == b->ifindex && a->dst.family == b->dst.family &&
	      !memcmp(a->dst.a, b->dst.a, 16) && (a->flags & NTF_PROXY) == (b->flags & NTF_PROXY))
O_GENERIC(fdb, struct ct_fdb, fdb, nf,
	  a->ifindex == b->ifindex && !memcmp(a->mac, b->mac, 6) &&
	      a->dst.family == b->dst.family && !memcmp(a->dst.a, b->dst.a, 16) && a->vni == b->vni)
O_GENERIC(link, struct ct_link, links, nl, a->ifindex == b->ifindex)

static bool o_rule_key(const struct ct_rule *a, const struct ct_rule *b)
{
	return a->family == b->family && a->action == b->action && a->priority == b->priority &&
	       a->table == b->table && a->has_fwmark == b->has_fwmark && a->fwmark == b->fwmark &&
	       a->fwmask == b->fwmask && a->flags == b->flags && a->src.len == b->src.len &&
	       a->dst.len == b->dst.len && !memcmp(&a->src.ip, &b->src.ip, sizeof(a->src.ip)) &&
	       !memcmp(&a->dst.ip, &b->dst.ip, sizeof(a->dst.ip)) &&
	       !strncmp(a->iifname, b->iifname, 16) && !strncmp(a->oifname, b->oifname, 16);
}

static void o_rule_upsert(struct oracle *o, const struct ct_rule *e)
{
	for (size_t i = 0; i < o->nu; i++)
		if (o_rule_key(&o->rules[i], e))
			return;
	o->rules[o->nu++] = *e;
}

static void o_rule_delete(struct oracle *o, const struct ct_rule *e)
{
	for (size_t i = 0; i < o->nu; i++)
		if (o_rule_key(&o->rules[i], e)) {
			memmove(&o->rules[i], &o->rules[i + 1], (o->nu - i - 1) * sizeof(*e));
			o->nu--;
			return;
		}
}

/* ---- random entries from small key spaces, so replaces and deletes hit ---- */

static void rand_route(struct ct_route *r)
{
	memset(r, 0, sizeof(*r));
	bool v6 = rnd(3) == 0;
	if (v6) {
		ip6(&r->dst.ip, 0, (uint8_t)rnd(6));
		r->dst.len = 64;
	} else {
		ip4(&r->dst.ip, 10, (uint8_t)rnd(4), (uint8_t)rnd(12), 0);
		r->dst.len = 24;
	}
	r->table = rnd(4) ? RT_TABLE_MAIN : 100;
	r->priority = rnd(2) * 100;
	r->tos = 0;
	r->protocol = (uint8_t)(rnd(2) ? RTPROT_BOOT : 80);
	r->type = (uint8_t)(rnd(8) ? RTN_UNICAST : RTN_BLACKHOLE);
	r->oif = (int)rnd(4) + 1;
	int kind = (int)rnd(3);
	if (kind == 1) {
		if (v6)
			ip6(&r->gw, (uint8_t)(rnd(4) + 1), 0xee);
		else
			ip4(&r->gw, 192, 168, 0, (uint8_t)(rnd(4) + 1));
	} else if (kind == 2) {
		struct ct_nexthop nh[3];
		memset(nh, 0, sizeof(nh));
		size_t n = 2 + rnd(2);
		for (size_t i = 0; i < n; i++) {
			if (v6)
				ip6(&nh[i].gw, (uint8_t)(i + 1), 0xee);
			else
				ip4(&nh[i].gw, 192, 168, 0, (uint8_t)(i + 1));
			nh[i].oif = (int)i + 1;
			nh[i].weight = (uint8_t)(rnd(3) + 1);
		}
		r->oif = 0;
		assert_int_equal(ct_route_set_nexthops(r, nh, n), 0);
	}
}

static void rand_addr(struct ct_addr *a)
{
	memset(a, 0, sizeof(*a));
	a->ifindex = (int)rnd(3) + 1;
	if (rnd(2))
		ip4(&a->pfx.ip, 10, 0, 0, (uint8_t)rnd(8));
	else
		ip6(&a->pfx.ip, (uint8_t)rnd(8), 1);
	a->pfx.len = (uint8_t)(rnd(2) ? 24 : 32);
	a->scope = (uint8_t)(rnd(2) ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK);
	a->flags = rnd(2) * 0x80;
}

static void rand_neigh(struct ct_neigh *nb)
{
	memset(nb, 0, sizeof(*nb));
	nb->ifindex = (int)rnd(3) + 1;
	if (rnd(2))
		ip4(&nb->dst, 10, 0, 1, (uint8_t)rnd(12));
	else
		ip6(&nb->dst, (uint8_t)rnd(12), 2);
	nb->lladdr_len = 6;
	memset(nb->lladdr, (int)rnd(256), 6);
	nb->state = (uint16_t)(rnd(2) ? NUD_REACHABLE : NUD_PERMANENT);
	nb->flags = (uint8_t)(rnd(4) == 0 ? NTF_PROXY : 0);
}

static void rand_fdb(struct ct_fdb *f)
{
	memset(f, 0, sizeof(*f));
	f->ifindex = (int)rnd(2) + 1;
	memset(f->mac, (int)rnd(8), 6);
	if (rnd(2))
		ip4(&f->dst, 192, 168, 0, (uint8_t)rnd(4));
	f->vni = rnd(2) * 4096;
	f->state = (uint16_t)(rnd(2) ? NUD_PERMANENT : NUD_REACHABLE);
	f->flags = NTF_SELF;
}

static void rand_rule(struct ct_rule *r)
{
	memset(r, 0, sizeof(*r));
	r->family = (uint8_t)(rnd(2) ? AF_INET : AF_INET6);
	r->action = FR_ACT_TO_TBL;
	r->priority = rnd(3) * 1000;
	r->table = 100 + rnd(2);
	if (rnd(2)) {
		r->has_fwmark = true;
		r->fwmark = rnd(3);
		r->fwmask = 0xff;
	}
	if (rnd(2))
		snprintf(r->iifname, sizeof(r->iifname), "cali%u", rnd(3));
}

static void rand_link(struct ct_link *l)
{
	memset(l, 0, sizeof(*l));
	l->ifindex = (int)rnd(40) + 1;
	snprintf(l->name, sizeof(l->name), "if%d", l->ifindex);
	l->flags = IFF_UP | IFF_LOWER_UP;
	l->mtu = 1400 + rnd(3) * 50;
	l->link_netnsid = -1;
	l->peer_ns = -1;
	l->forwarding = l->proxy_arp = 1;
	l->rp_filter = (int)rnd(3);
	l->proxy_delay = l->route_localnet = l->forwarding6 = -1;
	l->eff_rp_filter = l->eff_proxy_arp = -1;
}

/* every entry of the model is found through its (current) index */
static void check_index(struct ct_netns *ns, int step)
{
	assert_true(ns->route_ix.n == ns->routes.n);
	for (size_t i = 0; i < ns->routes.n; i++)
		if (ct_route_find(ns, &ns->routes.v[i]) != &ns->routes.v[i])
			fail_msg("step %d: route %zu not found through the index", step, i);
	for (size_t i = 0; i < ns->addrs.n; i++)
		assert_ptr_equal(ct_addr_find(ns, &ns->addrs.v[i]), &ns->addrs.v[i]);
	for (size_t i = 0; i < ns->neighs.n; i++)
		assert_ptr_equal(ct_neigh_find(ns, &ns->neighs.v[i]), &ns->neighs.v[i]);
	for (size_t i = 0; i < ns->fdb.n; i++)
		assert_ptr_equal(ct_fdb_find(ns, &ns->fdb.v[i]), &ns->fdb.v[i]);
	for (size_t i = 0; i < ns->rules.n; i++)
		assert_ptr_equal(ct_rule_find(ns, &ns->rules.v[i]), &ns->rules.v[i]);
	for (size_t i = 0; i < ns->links.n; i++)
		assert_ptr_equal(ct_link_by_ifindex(ns, ns->links.v[i].ifindex), &ns->links.v[i]);
}

static void test_random_against_oracle(void **state)
{
	(void)state;
	struct ct_netns ns;
	struct oracle *o = calloc(1, sizeof(*o));
	assert_non_null(o);
	ct_netns_init(&ns);
	ns.conf.rp_filter = ns.conf.proxy_arp = -1; /* no derived values: links compare raw */
	/* TEST_MODEL_STEPS: fewer under valgrind */
	const char *env = getenv("TEST_MODEL_STEPS");
	const int steps = env && atoi(env) > 0 ? atoi(env) : 40000;
	for (int step = 0; step < steps; step++) {
		bool del = rnd(5) < 2;
		int table = (int)rnd(6);
		switch (table) {
		case 0: {
			struct ct_route r, copy;
			rand_route(&r);
			copy = r;
			if (r.nh_count > 1) {
				copy.nh = malloc(r.nh_count * sizeof(*r.nh));
				memcpy(copy.nh, r.nh, r.nh_count * sizeof(*r.nh));
			}
			if (del) {
				/* a deletion names the route as the kernel does: all of it */
				const struct ct_route *cur = ct_route_find(&ns, &r);
				if (cur && rnd(2)) {
					ct_route_clear(&r);
					r = *cur;
					r.nh = NULL;
					r.nh_count = 0;
					if (cur->nh_count > 1)
						ct_route_set_nexthops(&r, cur->nh, cur->nh_count);
				}
				int rc = ct_route_delete(&ns, &r);
				assert_true(rc == 0 || rc == -ENOENT);
				o_route_delete(o, &r);
				ct_route_clear(&r);
			} else {
				assert_int_equal(ct_route_upsert(&ns, &r), 0);
				assert_null(r.nh); /* moved in */
				o_route_upsert(o, &copy);
			}
			ct_route_clear(&copy);
			break;
		}
		case 1: {
			struct ct_addr a;
			rand_addr(&a);
			if (del) {
				ct_addr_delete(&ns, &a);
				o_addr_delete(o, &a);
			} else {
				assert_int_equal(ct_addr_upsert(&ns, &a), 0);
				o_addr_upsert(o, &a);
			}
			break;
		}
		case 2: {
			struct ct_neigh nb;
			rand_neigh(&nb);
			if (del) {
				ct_neigh_delete(&ns, &nb);
				o_neigh_delete(o, &nb);
			} else {
				assert_int_equal(ct_neigh_upsert(&ns, &nb), 0);
				o_neigh_upsert(o, &nb);
			}
			break;
		}
		case 3: {
			struct ct_fdb f;
			rand_fdb(&f);
			if (del) {
				ct_fdb_delete(&ns, &f);
				o_fdb_delete(o, &f);
			} else {
				assert_int_equal(ct_fdb_upsert(&ns, &f), 0);
				o_fdb_upsert(o, &f);
			}
			break;
		}
		case 4: {
			struct ct_rule ru;
			rand_rule(&ru);
			if (del) {
				ct_rule_delete(&ns, &ru);
				o_rule_delete(o, &ru);
			} else {
				assert_int_equal(ct_rule_upsert(&ns, &ru), 0);
				o_rule_upsert(o, &ru);
			}
			break;
		}
		default: {
			struct ct_link l;
			rand_link(&l);
			if (del) {
				ct_link_delete(&ns, l.ifindex);
				o_link_delete(o, &l);
			} else {
				assert_int_equal(ct_link_upsert(&ns, &l), 0);
				o_link_upsert(o, &l);
			}
			break;
		}
		}
		/* the table touched after every step (the others cannot move), all of
		 * them and every index lookup now and then */
		bool all = step % 500 == 0 || step == steps - 1;
		if (all || table == 0)
			same_set(ns.routes.v, ns.routes.n, o->routes, o->nr,
				 sizeof(struct ct_route), canon_route_v, "routes", step);
		if (all || table == 1)
			same_set(ns.addrs.v, ns.addrs.n, o->addrs, o->na, sizeof(struct ct_addr),
				 canon_addr_v, "addresses", step);
		if (all || table == 2)
			same_set(ns.neighs.v, ns.neighs.n, o->neighs, o->nn,
				 sizeof(struct ct_neigh), canon_neigh_v, "neighbours", step);
		if (all || table == 3)
			same_set(ns.fdb.v, ns.fdb.n, o->fdb, o->nf, sizeof(struct ct_fdb),
				 canon_fdb_v, "fdb", step);
		if (all || table == 4)
			same_set(ns.rules.v, ns.rules.n, o->rules, o->nu, sizeof(struct ct_rule),
				 canon_rule_v, "rules", step);
		if (all || table == 5)
			same_set(ns.links.v, ns.links.n, o->links, o->nl, sizeof(struct ct_link),
				 canon_link_v, "links", step);
		if (ns.route_ix.cap && (all || step % 7 == 0))
			check_index(&ns, step);
	}
	/* the tables filled (so upserts replaced and deletes hit) */
	print_message("final sizes: routes %zu addrs %zu neighs %zu fdb %zu rules %zu links %zu\n",
		      ns.routes.n, ns.addrs.n, ns.neighs.n, ns.fdb.n, ns.rules.n, ns.links.n);
	assert_true(ns.routes.n > 50);
	for (size_t i = 0; i < o->nr; i++)
		ct_route_clear(&o->routes[i]);
	free(o);
	ct_netns_free(&ns);
}

/* A table filled by pushes (as the gatherer and the snapshot loader do) gets
 * its index on the first update; many entries and deletions keep it right. */
static void test_bulk_then_updates(void **state)
{
	(void)state;
	struct ct_netns ns;
	ct_netns_init(&ns);
	for (int i = 0; i < 20000; i++) {
		struct ct_route *r = ct_push_route(&ns);
		ip4(&r->dst.ip, 10, (uint8_t)(i >> 8), (uint8_t)i, 0);
		r->dst.len = 24;
		r->table = RT_TABLE_MAIN;
		r->oif = 3;
	}
	struct ct_route k;
	memset(&k, 0, sizeof(k));
	ip4(&k.dst.ip, 10, 1, 2, 0);
	k.dst.len = 24;
	k.table = RT_TABLE_MAIN;
	assert_non_null(ct_route_find(&ns, &k)); /* stale index: scanned */
	k.oif = 7;
	assert_int_equal(ct_route_upsert(&ns, &k), 0);
	assert_int_equal(ns.routes.n, 20000);
	assert_int_equal(ct_route_find(&ns, &k)->oif, 7);
	/* delete every other one, in an order unlike the table's */
	for (int i = 19999; i >= 0; i -= 2) {
		memset(&k, 0, sizeof(k));
		ip4(&k.dst.ip, 10, (uint8_t)(i >> 8), (uint8_t)i, 0);
		k.dst.len = 24;
		k.table = RT_TABLE_MAIN;
		assert_int_equal(ct_route_delete(&ns, &k), 0);
		assert_int_equal(ct_route_delete(&ns, &k), -ENOENT);
	}
	assert_int_equal(ns.routes.n, 10000);
	for (int i = 0; i < 20000; i++) {
		memset(&k, 0, sizeof(k));
		ip4(&k.dst.ip, 10, (uint8_t)(i >> 8), (uint8_t)i, 0);
		k.dst.len = 24;
		k.table = RT_TABLE_MAIN;
		if (i % 2 == 0)
			assert_non_null(ct_route_find(&ns, &k));
		else
			assert_null(ct_route_find(&ns, &k));
	}
	ct_netns_free(&ns);
}

static struct ct_route v6route(int oif, const char *gw)
{
	struct ct_route r;
	memset(&r, 0, sizeof(r));
	ct_prefix_parse("fd00:10::/64", &r.dst);
	r.table = RT_TABLE_MAIN;
	r.priority = 1024;
	r.type = RTN_UNICAST;
	r.protocol = RTPROT_BOOT;
	r.oif = oif;
	if (gw)
		ct_ip_parse(gw, &r.gw);
	return r;
}

/* IPv6 identity: device routes of one prefix and metric coexist; gateway
 * routes are one ECMP route whose siblings come and go */
static void test_ipv6_identity(void **state)
{
	(void)state;
	struct ct_netns ns;
	ct_netns_init(&ns);
	struct ct_route a = v6route(2, NULL), b = v6route(3, NULL);
	assert_int_equal(ct_route_upsert(&ns, &a), 0);
	assert_int_equal(ct_route_upsert(&ns, &b), 0);
	assert_int_equal(ns.routes.n, 2); /* fe80::/64 on every device, in short */

	/* RTM_NEWROUTE after `ip -6 route append`: the whole group in RTA_MULTIPATH */
	struct ct_route g = v6route(0, NULL);
	struct ct_nexthop nh[3];
	memset(nh, 0, sizeof(nh));
	ct_ip_parse("fe80::1", &nh[0].gw), nh[0].oif = 2, nh[0].weight = 1;
	ct_ip_parse("fe80::2", &nh[1].gw), nh[1].oif = 3, nh[1].weight = 1;
	ct_ip_parse("fe80::3", &nh[2].gw), nh[2].oif = 4, nh[2].weight = 1;
	struct ct_route one = v6route(2, "fe80::1");
	assert_int_equal(ct_route_upsert(&ns, &one), 0);
	assert_int_equal(ns.routes.n, 3);
	ct_route_set_nexthops(&g, nh, 3);
	assert_int_equal(ct_route_upsert(&ns, &g), 0);
	assert_int_equal(ns.routes.n, 3); /* replaced the single gateway route */
	struct ct_route *cur = ct_route_find(&ns, &one);
	assert_non_null(cur);
	assert_int_equal(cur->nh_count, 3);

	/* `ip -6 route del ... via fe80::2`: the message names that sibling alone */
	struct ct_route d = v6route(3, "fe80::2");
	uint64_t gen = ns.gen.routes;
	assert_int_equal(ct_route_delete(&ns, &d), 0);
	assert_true(ns.gen.routes > gen);
	cur = ct_route_find(&ns, &one);
	assert_int_equal(cur->nh_count, 2);
	d = v6route(4, "fe80::3");
	assert_int_equal(ct_route_delete(&ns, &d), 0);
	cur = ct_route_find(&ns, &one);
	assert_int_equal(cur->nh_count, 0); /* one left: inline */
	assert_int_equal(cur->oif, 2);
	assert_null(cur->nh);
	assert_int_equal(ct_route_delete(&ns, &one), 0);
	assert_int_equal(ns.routes.n, 2);
	assert_int_equal(ct_route_delete(&ns, &a), 0);
	assert_int_equal(ns.routes.n, 1);
	assert_int_equal(ns.routes.v[0].oif, 3);
	ct_netns_free(&ns);
}

/* IPv4: a replace of the same key changes the route, the counter moves only
 * on a change */
static void test_ipv4_replace_and_counters(void **state)
{
	(void)state;
	struct ct_netns ns;
	ct_netns_init(&ns);
	struct ct_route r;
	memset(&r, 0, sizeof(r));
	ct_prefix_parse("10.65.0.0/26", &r.dst);
	r.table = RT_TABLE_MAIN;
	r.type = RTN_UNICAST;
	r.oif = 4;
	struct ct_route keep = r;
	assert_int_equal(ct_route_upsert(&ns, &r), 0);
	assert_int_equal(ns.gen.routes, 1);
	r = keep;
	assert_int_equal(ct_route_upsert(&ns, &r), 0);
	assert_int_equal(ns.gen.routes, 1); /* the same route again: no change */
	r = keep;
	r.type = RTN_BLACKHOLE;
	r.oif = 0;
	assert_int_equal(ct_route_upsert(&ns, &r), 0);
	assert_int_equal(ns.gen.routes, 2);
	assert_int_equal(ns.routes.n, 1);
	assert_int_equal(ns.routes.v[0].type, RTN_BLACKHOLE);
	/* other tables' counters did not move */
	assert_int_equal(ns.gen.links + ns.gen.addrs + ns.gen.neighs + ns.gen.fdb + ns.gen.rules +
			     ns.gen.netconf + ns.gen.neightbls,
			 0);
	struct ct_neightbl t = {.name = "arp_cache", .family = AF_INET, .gc_thresh3 = 1024};
	assert_int_equal(ct_neightbl_upsert(&ns, &t), 0);
	assert_int_equal(ct_neightbl_upsert(&ns, &t), 0);
	assert_int_equal(ns.gen.neightbls, 1);
	t.entries = 7;
	assert_int_equal(ct_neightbl_upsert(&ns, &t), 0);
	assert_int_equal(ns.neightbls.n, 1);
	assert_int_equal(ns.neightbls.v[0].entries, 7);
	assert_int_equal(ns.gen.neightbls, 2);
	ct_netns_free(&ns);
}

/* An event's flags: NLM_F_REPLACE replaces the key's route (IPv6 device
 * routes too), NLM_F_CREATE alone adds an IPv4 alias beside (ip route
 * prepend blackhole POD/32: LAB-NOTES); a delete names the one it removes. */
static void test_route_event_flags(void **state)
{
	(void)state;
	struct ct_netns ns;
	ct_netns_init(&ns);
	struct ct_rtnl_msg m = {.kind = CT_RTNL_ROUTE, .nlflags = NLM_F_CREATE | NLM_F_EXCL};
	ct_prefix_parse("10.65.0.5/32", &m.u.route.dst);
	m.u.route.table = RT_TABLE_MAIN;
	m.u.route.type = RTN_UNICAST;
	m.u.route.oif = 5;
	struct ct_route wl = m.u.route;
	assert_int_equal(ct_netns_apply(&ns, &m), 0);
	m.nlflags = NLM_F_CREATE; /* prepend */
	m.u.route = wl;
	m.u.route.type = RTN_BLACKHOLE;
	m.u.route.oif = 0;
	struct ct_route bh = m.u.route;
	assert_int_equal(ct_netns_apply(&ns, &m), 0);
	assert_int_equal(ns.routes.n, 2);
	m.u.route = bh; /* the same again (a dump racing the event): still two */
	assert_int_equal(ct_netns_apply(&ns, &m), 0);
	assert_int_equal(ns.routes.n, 2);
	m = (struct ct_rtnl_msg){.kind = CT_RTNL_ROUTE, .del = true};
	m.u.route = bh;
	assert_int_equal(ct_netns_apply(&ns, &m), 0);
	assert_int_equal(ns.routes.n, 1);
	assert_int_equal(ns.routes.v[0].type, RTN_UNICAST);
	/* replace: one route for the key */
	m = (struct ct_rtnl_msg){.kind = CT_RTNL_ROUTE, .nlflags = NLM_F_REPLACE | NLM_F_CREATE};
	m.u.route = wl;
	m.u.route.oif = 9;
	assert_int_equal(ct_netns_apply(&ns, &m), 0);
	assert_int_equal(ns.routes.n, 1);
	assert_int_equal(ns.routes.v[0].oif, 9);
	/* IPv6: `ip -6 route replace` onto another device */
	m = (struct ct_rtnl_msg){.kind = CT_RTNL_ROUTE, .nlflags = NLM_F_CREATE | NLM_F_EXCL};
	m.u.route = v6route(2, NULL);
	assert_int_equal(ct_netns_apply(&ns, &m), 0);
	m = (struct ct_rtnl_msg){.kind = CT_RTNL_ROUTE, .nlflags = NLM_F_REPLACE};
	m.u.route = v6route(3, NULL);
	assert_int_equal(ct_netns_apply(&ns, &m), 0);
	assert_int_equal(ns.routes.n, 2);
	struct ct_route k = v6route(3, NULL);
	assert_non_null(ct_route_find(&ns, &k));
	ct_netns_free(&ns);
}

/* ---- ct_netns_apply ---- */

static struct ct_link mklink(int idx, const char *name, unsigned flags)
{
	struct ct_link l;
	memset(&l, 0, sizeof(l));
	l.ifindex = idx;
	snprintf(l.name, sizeof(l.name), "%s", name);
	l.flags = flags;
	l.link_netnsid = l.peer_ns = -1;
	l.forwarding = l.rp_filter = l.proxy_arp = -1;
	l.proxy_delay = l.route_localnet = l.forwarding6 = -1;
	l.eff_rp_filter = l.eff_proxy_arp = -1;
	return l;
}

static int apply_link(struct ct_netns *ns, struct ct_link l, bool del)
{
	struct ct_rtnl_msg m = {.kind = CT_RTNL_LINK, .del = del};
	m.u.link = l;
	return ct_netns_apply(ns, &m);
}

static int apply_route(struct ct_netns *ns, const char *dst, int oif, uint8_t type, uint8_t fam)
{
	struct ct_rtnl_msg m = {.kind = CT_RTNL_ROUTE};
	assert_int_equal(ct_prefix_parse(dst, &m.u.route.dst), 0);
	assert_int_equal(m.u.route.dst.ip.family, fam);
	m.u.route.table = type == RTN_LOCAL ? RT_TABLE_LOCAL : RT_TABLE_MAIN;
	m.u.route.type = type;
	m.u.route.oif = oif;
	return ct_netns_apply(ns, &m);
}

static void test_apply_cascades(void **state)
{
	(void)state;
	struct ct_netns ns;
	ct_netns_init(&ns);
	const unsigned up = IFF_UP | IFF_LOWER_UP;
	assert_int_equal(apply_link(&ns, mklink(5, "cali1", up), false), 0);
	assert_int_equal(apply_link(&ns, mklink(6, "eth0", up), false), 0);
	assert_int_equal(apply_route(&ns, "10.65.0.5/32", 5, RTN_UNICAST, AF_INET), 0);
	assert_int_equal(apply_route(&ns, "10.65.0.6/32", 6, RTN_UNICAST, AF_INET), 0);
	assert_int_equal(apply_route(&ns, "10.0.0.5/32", 5, RTN_LOCAL, AF_INET), 0);
	assert_int_equal(apply_route(&ns, "fd00:65::5/128", 5, RTN_UNICAST, AF_INET6), 0);
	/* a multipath IPv4 route through both devices */
	struct ct_rtnl_msg m = {.kind = CT_RTNL_ROUTE};
	ct_prefix_parse("10.66.0.0/24", &m.u.route.dst);
	m.u.route.table = RT_TABLE_MAIN;
	m.u.route.type = RTN_UNICAST;
	struct ct_nexthop nh[2];
	memset(nh, 0, sizeof(nh));
	ct_ip_parse("10.0.0.1", &nh[0].gw), nh[0].oif = 5;
	ct_ip_parse("10.0.0.2", &nh[1].gw), nh[1].oif = 6;
	ct_route_set_nexthops(&m.u.route, nh, 2);
	assert_int_equal(ct_netns_apply(&ns, &m), 0);
	assert_null(m.u.route.nh); /* moved into the model */
	struct ct_rtnl_msg nm = {.kind = CT_RTNL_NEIGH};
	nm.u.neigh.ifindex = 5;
	ct_ip_parse("10.65.0.5", &nm.u.neigh.dst);
	nm.u.neigh.state = NUD_REACHABLE;
	assert_int_equal(ct_netns_apply(&ns, &nm), 0);
	nm.u.neigh.ifindex = 6;
	nm.u.neigh.state = NUD_PERMANENT;
	assert_int_equal(ct_netns_apply(&ns, &nm), 0);
	assert_int_equal(ns.routes.n, 5);

	/* carrier lost on eth0: linkdown marks, non-permanent neighbours only */
	assert_int_equal(apply_link(&ns, mklink(6, "eth0", IFF_UP), false), 0);
	struct ct_route k;
	memset(&k, 0, sizeof(k));
	ct_prefix_parse("10.65.0.6/32", &k.dst);
	k.table = RT_TABLE_MAIN;
	k.type = RTN_UNICAST;
	k.oif = 6;
	assert_true(ct_route_find(&ns, &k)->flags & RTNH_F_LINKDOWN);
	assert_int_equal(ns.neighs.n, 2); /* the permanent one on eth0 stays */
	assert_int_equal(apply_link(&ns, mklink(6, "eth0", up), false), 0);
	assert_false(ct_route_find(&ns, &k)->flags & RTNH_F_LINKDOWN);

	/* cali1 set down: its IPv4 /32 goes silently (LAB-NOTES), the local route
	 * stays, the IPv6 route goes, the multipath route keeps a dead next hop
	 * (as ip route showed on 6.18) */
	uint64_t gen = ns.gen.routes;
	assert_int_equal(apply_link(&ns, mklink(5, "cali1", 0), false), 0);
	assert_true(ns.gen.routes > gen);
	assert_int_equal(ns.routes.n, 3);
	memset(&k, 0, sizeof(k));
	ct_prefix_parse("10.65.0.5/32", &k.dst);
	k.table = RT_TABLE_MAIN;
	assert_null(ct_route_find(&ns, &k));
	ct_prefix_parse("10.66.0.0/24", &k.dst);
	const struct ct_route *mp = ct_route_find(&ns, &k);
	assert_non_null(mp);
	assert_int_equal(mp->nh_count, 2);
	for (int i = 0; i < 2; i++)
		assert_int_equal((mp->nh[i].flags & RTNH_F_DEAD) != 0, mp->nh[i].oif == 5);
	assert_int_equal(ns.neighs.n, 1); /* cali1's neighbour flushed */
	/* back up: the next hop revives; the /32 is not restored (LAB-NOTES) */
	assert_int_equal(apply_link(&ns, mklink(5, "cali1", up), false), 0);
	mp = ct_route_find(&ns, &k);
	assert_false(mp->nh[0].flags & RTNH_F_DEAD);
	assert_false(mp->nh[1].flags & RTNH_F_DEAD);
	assert_int_equal(ns.routes.n, 3);

	/* an address on cali1, then the link deleted: everything on it goes */
	struct ct_rtnl_msg am = {.kind = CT_RTNL_ADDR};
	am.u.addr.ifindex = 5;
	ct_prefix_parse("10.0.0.5/32", &am.u.addr.pfx);
	assert_int_equal(ct_netns_apply(&ns, &am), 0);
	struct ct_rtnl_msg fm = {.kind = CT_RTNL_FDB};
	fm.u.fdb.ifindex = 5;
	assert_int_equal(ct_netns_apply(&ns, &fm), 0);
	assert_int_equal(apply_link(&ns, mklink(5, "cali1", up), true), 0);
	assert_null(ct_link_by_ifindex(&ns, 5));
	assert_int_equal(ns.addrs.n, 0);
	assert_int_equal(ns.fdb.n, 0);
	for (size_t i = 0; i < ns.routes.n; i++) {
		const struct ct_nexthop *v;
		struct ct_nexthop t;
		size_t n = ct_route_nexthops(&ns.routes.v[i], &v, &t);
		for (size_t j = 0; j < n; j++)
			assert_int_not_equal(v[j].oif, 5);
	}
	assert_int_equal(ns.routes.n, 1); /* only eth0's /32: the multipath route went whole */
	/* a deletion of something already gone is not an error */
	assert_int_equal(apply_route(&ns, "10.65.0.5/32", 5, RTN_UNICAST, AF_INET), 0);
	m = (struct ct_rtnl_msg){.kind = CT_RTNL_ROUTE, .del = true};
	ct_prefix_parse("10.99.0.0/24", &m.u.route.dst);
	assert_int_equal(ct_netns_apply(&ns, &m), 0);
	m = (struct ct_rtnl_msg){.kind = CT_RTNL_NONE};
	assert_int_equal(ct_netns_apply(&ns, &m), -EINVAL);
	ct_netns_free(&ns);
}

/* conf.all changes recompute every link's effective values; a netconf message
 * carries only the field that changed */
static void test_apply_netconf_derive(void **state)
{
	(void)state;
	struct ct_netns ns;
	ct_netns_init(&ns);
	ns.conf.rp_filter = ns.conf.proxy_arp = ns.conf.forwarding = -1;
	ns.conf.ip_forward = ns.conf.def_rp_filter = ns.conf.forwarding6 = -1;
	for (int i = 1; i <= 3; i++) {
		struct ct_link l = mklink(i, i == 1 ? "eth0" : "cali", IFF_UP);
		l.rp_filter = i - 1; /* 0, 1, 2 */
		l.proxy_arp = i == 2;
		assert_int_equal(apply_link(&ns, l, false), 0);
		assert_int_equal(ct_link_by_ifindex(&ns, i)->eff_rp_filter, -1); /* all unknown */
	}
	struct ct_rtnl_msg m = {.kind = CT_RTNL_NETCONF};
	m.u.netconf = (struct ct_netconf){AF_INET, CT_NETCONF_ALL, 1, 1, 0, -1, -1};
	assert_int_equal(ct_netns_apply(&ns, &m), 0);
	assert_int_equal(ns.conf.ip_forward, 1);
	int want_rpf[3] = {1, 1, 2}, want_parp[3] = {0, 1, 0};
	for (int i = 1; i <= 3; i++) {
		assert_int_equal(ct_link_by_ifindex(&ns, i)->eff_rp_filter, want_rpf[i - 1]);
		assert_int_equal(ct_link_by_ifindex(&ns, i)->eff_proxy_arp, want_parp[i - 1]);
	}
	uint64_t gl = ns.gen.links, gn = ns.gen.netconf;
	/* echo net.ipv4.conf.all.rp_filter=2: only NETCONFA_RP_FILTER */
	m.u.netconf = (struct ct_netconf){AF_INET, CT_NETCONF_ALL, -1, 2, -1, -1, -1};
	assert_int_equal(ct_netns_apply(&ns, &m), 0);
	assert_int_equal(ns.conf.forwarding, 1);
	assert_int_equal(ns.conf.proxy_arp, 0);
	for (int i = 1; i <= 3; i++)
		assert_int_equal(ct_link_by_ifindex(&ns, i)->eff_rp_filter, 2);
	assert_true(ns.gen.links > gl);
	assert_true(ns.gen.netconf > gn);
	/* proxy_arp on a device */
	m.u.netconf = (struct ct_netconf){AF_INET, 3, -1, -1, 1, -1, -1};
	assert_int_equal(ct_netns_apply(&ns, &m), 0);
	assert_int_equal(ct_link_by_ifindex(&ns, 3)->eff_proxy_arp, 1);
	/* the same value again: no change counted */
	gn = ns.gen.netconf;
	assert_int_equal(ct_netns_apply(&ns, &m), 0);
	assert_int_equal(ns.gen.netconf, gn);
	/* a link message without netconf values keeps them */
	assert_int_equal(apply_link(&ns, mklink(3, "cali", IFF_UP), false), 0);
	assert_int_equal(ct_link_by_ifindex(&ns, 3)->proxy_arp, 1);
	assert_int_equal(ct_link_by_ifindex(&ns, 3)->eff_rp_filter, 2);
	/* IPv6 and default rows, per-device neighbour parameters */
	m.u.netconf = (struct ct_netconf){AF_INET6, 2, 1, -1, -1, -1, -1};
	assert_int_equal(ct_netns_apply(&ns, &m), 0);
	assert_int_equal(ct_link_by_ifindex(&ns, 2)->forwarding6, 1);
	m.u.netconf = (struct ct_netconf){AF_INET, CT_NETCONF_DEFAULT, -1, 1, -1, -1, -1};
	assert_int_equal(ct_netns_apply(&ns, &m), 0);
	assert_int_equal(ns.conf.def_rp_filter, 1);
	struct ct_rtnl_msg p = {.kind = CT_RTNL_NEIGHPARMS};
	p.u.parms = (struct ct_neigh_parms){AF_INET, 2, 0};
	assert_int_equal(ct_netns_apply(&ns, &p), 0);
	assert_int_equal(ct_link_by_ifindex(&ns, 2)->proxy_delay, 0);
	ct_netns_free(&ns);
}

/* tunnels and the underlay, the way gather_nodeinfo decided them */
static void test_node_derive(void **state)
{
	(void)state;
	struct ct_node n;
	struct ct_prefixes p;
	ct_node_init(&n);
	ct_prefixes_parse("cali,tap", &p);
	struct ct_netns *ns = ct_node_add_ns(&n);
	const char *names[] = {"lo", "eth0", "vxlan.calico", "cali123", "tunl0", "eth1", "tap9"};
	const char *kinds[] = {"", "", "vxlan", "veth", "tun", "", "tun"};
	for (int i = 0; i < 7; i++) {
		struct ct_link *l = ct_push_link(ns);
		l->ifindex = i + 1;
		snprintf(l->name, sizeof(l->name), "%s", names[i]);
		snprintf(l->kind, sizeof(l->kind), "%s", kinds[i]);
		l->flags = IFF_UP | (i == 0 ? IFF_LOOPBACK : 0);
		if (i == 5)
			l->flags = 0; /* eth1 is down */
		if (i == 2) {
			l->mac_len = 6;
			memset(l->mac, 0x66, 6);
		}
		struct ct_addr *a = ct_push_addr(ns);
		a->ifindex = i + 1;
		ip4(&a->pfx.ip, 192, 168, 0, (uint8_t)(i + 1));
		a->pfx.len = 24;
	}
	struct ct_addr *a6 = ct_push_addr(ns);
	a6->ifindex = 2;
	ip6(&a6->pfx.ip, 2, 0x31);
	a6->pfx.len = 64;
	struct ct_addr *ll = ct_push_addr(ns);
	ll->ifindex = 2;
	ip6(&ll->pfx.ip, 3, 0x32);
	ll->scope = RT_SCOPE_LINK;
	ct_netns_index(ns);
	assert_true(ct_link_is_tunnel(ct_link_by_name(ns, "vxlan.calico")));
	assert_true(ct_link_is_tunnel(ct_link_by_name(ns, "tunl0")));
	assert_false(ct_link_is_tunnel(ct_link_by_name(ns, "eth0")));
	ct_node_derive(&n, &p);
	assert_int_equal(n.n_underlay, 2); /* eth0's IPv4 and IPv6 universe addresses */
	char b[64];
	assert_string_equal(ct_ip_fmt(&n.underlay_ips[0], b, sizeof(b)), "192.168.0.2");
	assert_true(n.has_vtep);
	assert_string_equal(ct_ip_fmt(&n.vtep_ip, b, sizeof(b)), "192.168.0.3");
	assert_int_equal(n.vtep_mac[5], 0x66);
	/* events: eth1 comes up, eth0's IPv4 address goes; the node follows */
	struct ct_rtnl_msg m = {.kind = CT_RTNL_LINK};
	m.u.link = *ct_link_by_name(ns, "eth1");
	m.u.link.flags = IFF_UP;
	assert_int_equal(ct_node_apply(&n, 0, &m, &p), 0);
	assert_int_equal(n.n_underlay, 3);
	m = (struct ct_rtnl_msg){.kind = CT_RTNL_ADDR, .del = true};
	m.u.addr.ifindex = 2;
	ip4(&m.u.addr.pfx.ip, 192, 168, 0, 2);
	m.u.addr.pfx.len = 24;
	assert_int_equal(ct_node_apply(&n, 0, &m, &p), 0);
	assert_int_equal(n.n_underlay, 2);
	assert_string_equal(ct_ip_fmt(&n.underlay_ips[0], b, sizeof(b)), "192.168.0.6");
	/* the VTEP's MAC changes */
	m = (struct ct_rtnl_msg){.kind = CT_RTNL_LINK};
	m.u.link = *ct_link_by_name(ns, "vxlan.calico");
	m.u.link.mac[5] = 0x67;
	assert_int_equal(ct_node_apply(&n, 0, &m, &p), 0);
	assert_int_equal(n.vtep_mac[5], 0x67);
	assert_int_equal(ct_node_apply(&n, 5, &m, &p), -EINVAL);
	ct_node_free(&n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_random_against_oracle),
	    cmocka_unit_test(test_bulk_then_updates),
	    cmocka_unit_test(test_ipv6_identity),
	    cmocka_unit_test(test_ipv4_replace_and_counters),
	    cmocka_unit_test(test_route_event_flags),
	    cmocka_unit_test(test_apply_cascades),
	    cmocka_unit_test(test_apply_netconf_derive),
	    cmocka_unit_test(test_node_derive),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
