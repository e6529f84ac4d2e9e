/* SPDX-License-Identifier: MIT */
#include "model.h"
#include "bgp.h"
#include "model/policy.h"
#include "model/rtnl.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static void *vec_grow(void **v, size_t *n, size_t *cap, size_t elem)
{
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 16;
		void *p = realloc(*v, nc * elem);
		if (!p)
			return NULL;
		*v = p;
		*cap = nc;
	}
	void *e = (char *)*v + *n * elem;
	memset(e, 0, elem);
	(*n)++;
	return e;
}

#define VEC_PUSH(vec) vec_grow((void **)&(vec).v, &(vec).n, &(vec).cap, sizeof(*(vec).v))

void ct_netns_init(struct ct_netns *ns)
{
	memset(ns, 0, sizeof(*ns));
	ns->nsid = -1;
}

void ct_netns_free(struct ct_netns *ns)
{
	free(ns->links.v);
	free(ns->addrs.v);
	ct_netns_truncate_routes(ns, 0);
	free(ns->routes.v);
	free(ns->rules.v);
	free(ns->neighs.v);
	free(ns->fdb.v);
	free(ns->neightbls.v);
	free(ns->gwchecks.v);
	free(ns->wlroutes.v);
	free(ns->link_ix.slot);
	free(ns->addr_ix.slot);
	free(ns->route_ix.slot);
	free(ns->rule_ix.slot);
	free(ns->neigh_ix.slot);
	free(ns->fdb_ix.slot);
	memset(ns, 0, sizeof(*ns));
	ns->nsid = -1;
}

void ct_node_init(struct ct_node *n)
{
	memset(n, 0, sizeof(*n));
}

void ct_node_free(struct ct_node *n)
{
	for (size_t i = 0; i < n->ns.n; i++)
		ct_netns_free(&n->ns.v[i]);
	free(n->ns.v);
	free(n->pods.v);
	free(n->bgp_json);
	if (n->bgp) {
		ct_bgp_free(n->bgp);
		free(n->bgp);
	}
	if (n->policy) {
		ct_policy_free(n->policy);
		free(n->policy);
	}
	memset(n, 0, sizeof(*n));
}

struct ct_netns *ct_node_add_ns(struct ct_node *n)
{
	struct ct_netns *ns = VEC_PUSH(n->ns);
	if (ns)
		ct_netns_init(ns);
	return ns;
}

/* a table filled by pushes needs its index rebuilt before the next lookup */
#define IX_STALE SIZE_MAX

void ct_link_init(struct ct_link *l)
{
	memset(l, 0, sizeof(*l));
	l->link_netnsid = -1;
	l->peer_ns = -1;
	l->forwarding = l->rp_filter = l->proxy_arp = -1;
	l->proxy_delay = l->route_localnet = l->forwarding6 = -1;
	l->eff_rp_filter = l->eff_proxy_arp = -1;
}

struct ct_link *ct_push_link(struct ct_netns *ns)
{
	struct ct_link *l = VEC_PUSH(ns->links);
	ns->link_ix.n = IX_STALE;
	if (l)
		ct_link_init(l);
	return l;
}
struct ct_addr *ct_push_addr(struct ct_netns *ns)
{
	ns->addr_ix.n = IX_STALE;
	return VEC_PUSH(ns->addrs);
}
struct ct_route *ct_push_route(struct ct_netns *ns)
{
	ns->route_ix.n = IX_STALE;
	return VEC_PUSH(ns->routes);
}
struct ct_rule *ct_push_rule(struct ct_netns *ns)
{
	ns->rule_ix.n = IX_STALE;
	return VEC_PUSH(ns->rules);
}
struct ct_neigh *ct_push_neigh(struct ct_netns *ns)
{
	ns->neigh_ix.n = IX_STALE;
	return VEC_PUSH(ns->neighs);
}
struct ct_fdb *ct_push_fdb(struct ct_netns *ns)
{
	ns->fdb_ix.n = IX_STALE;
	return VEC_PUSH(ns->fdb);
}
struct ct_neightbl *ct_push_neightbl(struct ct_netns *ns) { return VEC_PUSH(ns->neightbls); }
struct ct_gwcheck *ct_push_gwcheck(struct ct_netns *ns) { return VEC_PUSH(ns->gwchecks); }
struct ct_wlroute *ct_push_wlroute(struct ct_netns *ns) { return VEC_PUSH(ns->wlroutes); }
struct ct_pod *ct_push_pod(struct ct_node *n) { return VEC_PUSH(n->pods); }

/* ---- hashed indexes ---- */

/* murmur3's block step: a word at a time */
static uint32_t h_u32(uint32_t h, uint32_t k)
{
	k *= 0xcc9e2d51u;
	k = (k << 15) | (k >> 17);
	k *= 0x1b873593u;
	h ^= k;
	h = (h << 13) | (h >> 19);
	return h * 5 + 0xe6546b64u;
}

static uint32_t h_bytes(uint32_t h, const void *p, size_t n)
{
	const uint8_t *b = p;
	size_t i = 0;
	for (; i + 4 <= n; i += 4) {
		uint32_t w;
		memcpy(&w, b + i, 4);
		h = h_u32(h, w);
	}
	if (i < n) {
		uint32_t w = 0;
		memcpy(&w, b + i, n - i);
		h = h_u32(h, w ^ (uint32_t)(n - i) << 24);
	}
	return h;
}

static uint32_t h_fin(uint32_t h)
{
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h;
}

#define H0 2166136261u

static size_t ip_len(uint8_t family)
{
	return family == AF_INET6 ? 16 : family == AF_INET ? 4 : 0;
}

static uint32_t h_ip(uint32_t h, const struct ct_ip *ip)
{
	h = h_u32(h, ip->family);
	return h_bytes(h, ip->a, ip_len(ip->family));
}

/* One table as the index engine sees it. */
struct tdesc {
	size_t elem;
	uint32_t (*hash)(const void *e);
};

#define ELEM(base, d, i) ((const char *)(base) + (size_t)(i) * (d)->elem)

static void ix_put(struct ct_index *ix, uint32_t h, size_t pos)
{
	size_t m = ix->cap - 1, i = h & m;
	while (ix->slot[i])
		i = (i + 1) & m;
	ix->slot[i] = (uint32_t)pos + 1;
}

static int ix_build(struct ct_index *ix, const void *base, size_t n, const struct tdesc *d)
{
	size_t cap = 16;
	if (n >= UINT32_MAX)
		return -E2BIG;
	while (cap < n * 2 + 2)
		cap *= 2;
	if (cap != ix->cap) {
		uint32_t *p = realloc(ix->slot, cap * sizeof(*p));
		if (!p)
			return -ENOMEM;
		ix->slot = p;
		ix->cap = cap;
	}
	memset(ix->slot, 0, cap * sizeof(*ix->slot));
	for (size_t i = 0; i < n; i++)
		ix_put(ix, d->hash(ELEM(base, d, i)), i);
	ix->n = n;
	return 0;
}

static bool ix_current(const struct ct_index *ix, size_t n)
{
	return ix->cap && ix->n == n;
}

static int ix_ready(struct ct_index *ix, const void *base, size_t n, const struct tdesc *d)
{
	return ix_current(ix, n) ? 0 : ix_build(ix, base, n, d);
}

/* the element at position n - 1 was just pushed onto a table indexed up to n - 1 */
static int ix_added(struct ct_index *ix, const void *base, size_t n, const struct tdesc *d)
{
	if (n * 2 + 2 > ix->cap || ix->n != n - 1)
		return ix_build(ix, base, n, d);
	ix_put(ix, d->hash(ELEM(base, d, n - 1)), n - 1);
	ix->n = n;
	return 0;
}

static size_t ix_slot_of(const struct ct_index *ix, uint32_t h, size_t pos)
{
	size_t m = ix->cap - 1, i = h & m;
	for (size_t k = 0; k < ix->cap && ix->slot[i]; k++, i = (i + 1) & m)
		if (ix->slot[i] == pos + 1)
			return i;
	return SIZE_MAX;
}

/* empties slot i, shifting back later entries of its probe run (no tombstones) */
static void ix_del_slot(struct ct_index *ix, const void *base, const struct tdesc *d, size_t i)
{
	size_t m = ix->cap - 1, j = i;
	for (;;) {
		j = (j + 1) & m;
		if (!ix->slot[j])
			break;
		size_t k = d->hash(ELEM(base, d, ix->slot[j] - 1)) & m;
		/* the entry at j may fill i unless its home k lies cyclically in (i, j] */
		bool stay = i <= j ? (k > i && k <= j) : (k > i || k <= j);
		if (!stay) {
			ix->slot[i] = ix->slot[j];
			i = j;
		}
	}
	ix->slot[i] = 0;
}

/* Swap-remove the element at pos from an indexed table of *n elements. */
static void ix_remove(struct ct_index *ix, void *base, size_t *n, const struct tdesc *d, size_t pos)
{
	size_t last = *n - 1;
	bool ok = ix_current(ix, *n);
	if (ok) {
		size_t s = ix_slot_of(ix, d->hash(ELEM(base, d, pos)), pos);
		ok = s != SIZE_MAX;
		if (ok)
			ix_del_slot(ix, base, d, s);
	}
	if (ok && pos != last) {
		size_t t = ix_slot_of(ix, d->hash(ELEM(base, d, last)), last);
		ok = t != SIZE_MAX;
		if (ok)
			ix->slot[t] = (uint32_t)pos + 1;
	}
	if (pos != last)
		memcpy((char *)base + pos * d->elem, ELEM(base, d, last), d->elem);
	(*n)--;
	ix->n = ok ? *n : IX_STALE; /* never expected: rebuilt on next use */
}

/* iterate the positions whose hash run starts at h: for (IX_EACH(ix, h, it, pos)) */
#define IX_EACH(ix, h, it, pos)                                                                    \
	size_t it = (h) & ((ix)->cap - 1), pos;                                                    \
	(ix)->slot[it] && ((pos = (ix)->slot[it] - 1), 1);                                         \
	it = (it + 1) & ((ix)->cap - 1)

/* ---- key hashes ---- */

static uint32_t link_hash(const void *e)
{
	return h_fin(h_u32(H0, (uint32_t)((const struct ct_link *)e)->ifindex));
}

static uint32_t addr_hash(const void *e)
{
	const struct ct_addr *a = e;
	uint32_t h = h_u32(H0, (uint32_t)a->ifindex);
	h = h_ip(h, &a->pfx.ip);
	return h_fin(h_u32(h, a->pfx.len));
}

static uint32_t route_hash(const void *e)
{
	const struct ct_route *r = e;
	uint32_t h = h_ip(H0, &r->dst.ip);
	h = h_u32(h, r->dst.len);
	h = h_u32(h, r->table);
	h = h_u32(h, r->tos);
	return h_fin(h_u32(h, r->priority));
}

static uint32_t h_prefix(uint32_t h, const struct ct_prefix *p)
{
	return h_u32(h_ip(h, &p->ip), p->len);
}

static uint32_t h_str(uint32_t h, const char *s, size_t max)
{
	return h_bytes(h, s, strnlen(s, max));
}

static uint32_t rule_hash(const void *e)
{
	const struct ct_rule *r = e;
	uint32_t h = h_u32(H0, r->family);
	h = h_u32(h, r->action);
	h = h_u32(h, r->priority);
	h = h_u32(h, r->table);
	h = h_u32(h, r->has_fwmark);
	h = h_u32(h, r->fwmark);
	h = h_u32(h, r->fwmask);
	h = h_prefix(h, &r->src);
	h = h_prefix(h, &r->dst);
	h = h_str(h, r->iifname, sizeof(r->iifname));
	h = h_str(h, r->oifname, sizeof(r->oifname));
	return h_fin(h_u32(h, r->flags));
}

#define NTF_PROXY_BIT 0x08

static uint32_t neigh_hash(const void *e)
{
	const struct ct_neigh *n = e;
	uint32_t h = h_u32(H0, (uint32_t)n->ifindex);
	h = h_ip(h, &n->dst);
	return h_fin(h_u32(h, n->flags & NTF_PROXY_BIT));
}

static uint32_t fdb_hash(const void *e)
{
	const struct ct_fdb *f = e;
	uint32_t h = h_u32(H0, (uint32_t)f->ifindex);
	h = h_bytes(h, f->mac, 6);
	h = h_ip(h, &f->dst);
	return h_fin(h_u32(h, f->vni));
}

static const struct tdesc LINK_T = {sizeof(struct ct_link), link_hash};
static const struct tdesc ADDR_T = {sizeof(struct ct_addr), addr_hash};
static const struct tdesc ROUTE_T = {sizeof(struct ct_route), route_hash};
static const struct tdesc RULE_T = {sizeof(struct ct_rule), rule_hash};
static const struct tdesc NEIGH_T = {sizeof(struct ct_neigh), neigh_hash};
static const struct tdesc FDB_T = {sizeof(struct ct_fdb), fdb_hash};

int ct_netns_index(struct ct_netns *ns)
{
	if (ix_build(&ns->link_ix, ns->links.v, ns->links.n, &LINK_T) ||
	    ix_build(&ns->addr_ix, ns->addrs.v, ns->addrs.n, &ADDR_T) ||
	    ix_build(&ns->route_ix, ns->routes.v, ns->routes.n, &ROUTE_T) ||
	    ix_build(&ns->rule_ix, ns->rules.v, ns->rules.n, &RULE_T) ||
	    ix_build(&ns->neigh_ix, ns->neighs.v, ns->neighs.n, &NEIGH_T) ||
	    ix_build(&ns->fdb_ix, ns->fdb.v, ns->fdb.n, &FDB_T))
		return -ENOMEM;
	return 0;
}

/* ---- links ---- */

static long link_pos(const struct ct_netns *ns, int ifindex)
{
	if (ix_current(&ns->link_ix, ns->links.n)) {
		struct ct_link k = {.ifindex = ifindex};
		for (IX_EACH(&ns->link_ix, link_hash(&k), it, pos))
			if (ns->links.v[pos].ifindex == ifindex)
				return (long)pos;
		return -1;
	}
	for (size_t i = 0; i < ns->links.n; i++)
		if (ns->links.v[i].ifindex == ifindex)
			return (long)i;
	return -1;
}

struct ct_link *ct_link_by_ifindex(const struct ct_netns *ns, int ifindex)
{
	if (ifindex <= 0)
		return NULL;
	long p = link_pos(ns, ifindex);
	return p < 0 ? NULL : &ns->links.v[p];
}

struct ct_link *ct_link_by_name(const struct ct_netns *ns, const char *name)
{
	for (size_t i = 0; i < ns->links.n; i++)
		if (strcmp(ns->links.v[i].name, name) == 0)
			return &ns->links.v[i];
	return NULL;
}

/* A link message carries what RTM_NEWLINK has; values it leaves unknown (-1)
 * come from other sources (netconf, neighbour parameters, the model's peer
 * mapping) and are kept. */
static void link_merge(struct ct_link *nl, const struct ct_link *old)
{
	if (nl->forwarding < 0)
		nl->forwarding = old->forwarding;
	if (nl->rp_filter < 0)
		nl->rp_filter = old->rp_filter;
	if (nl->proxy_arp < 0)
		nl->proxy_arp = old->proxy_arp;
	if (nl->proxy_delay < 0)
		nl->proxy_delay = old->proxy_delay;
	if (nl->route_localnet < 0)
		nl->route_localnet = old->route_localnet;
	if (nl->forwarding6 < 0)
		nl->forwarding6 = old->forwarding6;
	if (nl->peer_ns < 0)
		nl->peer_ns = old->peer_ns;
}

int ct_link_upsert(struct ct_netns *ns, const struct ct_link *l)
{
	int r = ix_ready(&ns->link_ix, ns->links.v, ns->links.n, &LINK_T);
	if (r)
		return r;
	long p = link_pos(ns, l->ifindex);
	struct ct_link nl = *l;
	if (p >= 0) {
		struct ct_link *cur = &ns->links.v[p];
		link_merge(&nl, cur);
		ct_link_derive(ns, &nl);
		if (memcmp(cur, &nl, sizeof(nl)) != 0) {
			*cur = nl;
			ns->gen.links++;
		}
		return 0;
	}
	struct ct_link *cur = VEC_PUSH(ns->links);
	if (!cur)
		return -ENOMEM;
	ct_link_derive(ns, &nl);
	*cur = nl;
	ns->gen.links++;
	return ix_added(&ns->link_ix, ns->links.v, ns->links.n, &LINK_T);
}

int ct_link_delete(struct ct_netns *ns, int ifindex)
{
	int r = ix_ready(&ns->link_ix, ns->links.v, ns->links.n, &LINK_T);
	if (r)
		return r;
	long p = link_pos(ns, ifindex);
	if (p < 0)
		return -ENOENT;
	ix_remove(&ns->link_ix, ns->links.v, &ns->links.n, &LINK_T, (size_t)p);
	ns->gen.links++;
	return 0;
}

/* ---- addresses ---- */

static bool addr_same_key(const struct ct_addr *a, const struct ct_addr *b)
{
	return a->ifindex == b->ifindex && ct_ip_eq(&a->pfx.ip, &b->pfx.ip) &&
	       a->pfx.len == b->pfx.len;
}

static long addr_pos(const struct ct_netns *ns, const struct ct_addr *key)
{
	if (ix_current(&ns->addr_ix, ns->addrs.n)) {
		for (IX_EACH(&ns->addr_ix, addr_hash(key), it, pos))
			if (addr_same_key(&ns->addrs.v[pos], key))
				return (long)pos;
		return -1;
	}
	for (size_t i = 0; i < ns->addrs.n; i++)
		if (addr_same_key(&ns->addrs.v[i], key))
			return (long)i;
	return -1;
}

struct ct_addr *ct_addr_find(const struct ct_netns *ns, const struct ct_addr *key)
{
	long p = addr_pos(ns, key);
	return p < 0 ? NULL : &ns->addrs.v[p];
}

static bool addr_eq(const struct ct_addr *a, const struct ct_addr *b)
{
	return addr_same_key(a, b) && a->scope == b->scope && a->flags == b->flags;
}

int ct_addr_upsert(struct ct_netns *ns, const struct ct_addr *a)
{
	int r = ix_ready(&ns->addr_ix, ns->addrs.v, ns->addrs.n, &ADDR_T);
	if (r)
		return r;
	long p = addr_pos(ns, a);
	if (p >= 0) {
		if (!addr_eq(&ns->addrs.v[p], a)) {
			ns->addrs.v[p] = *a;
			ns->gen.addrs++;
		}
		return 0;
	}
	struct ct_addr *n = VEC_PUSH(ns->addrs);
	if (!n)
		return -ENOMEM;
	*n = *a;
	ns->gen.addrs++;
	return ix_added(&ns->addr_ix, ns->addrs.v, ns->addrs.n, &ADDR_T);
}

int ct_addr_delete(struct ct_netns *ns, const struct ct_addr *key)
{
	int r = ix_ready(&ns->addr_ix, ns->addrs.v, ns->addrs.n, &ADDR_T);
	if (r)
		return r;
	long p = addr_pos(ns, key);
	if (p < 0)
		return -ENOENT;
	ix_remove(&ns->addr_ix, ns->addrs.v, &ns->addrs.n, &ADDR_T, (size_t)p);
	ns->gen.addrs++;
	return 0;
}

/* ---- routes ---- */

bool ct_route_same_key(const struct ct_route *a, const struct ct_route *b)
{
	return a->dst.ip.family == b->dst.ip.family && a->table == b->table &&
	       a->dst.len == b->dst.len && a->tos == b->tos && a->priority == b->priority &&
	       memcmp(a->dst.ip.a, b->dst.ip.a, 16) == 0;
}

#define CT_RTPROT_RA 9

/* rt6_qualify_for_ecmp: a gateway, not learnt from a router advertisement */
static bool v6_ecmp(const struct ct_route *r)
{
	if (r->nh_count > 1)
		return true;
	return ct_ip_is_set(&r->gw) && r->protocol != CT_RTPROT_RA;
}

static bool nh_same(const struct ct_nexthop *a, const struct ct_nexthop *b)
{
	return a->oif == b->oif && ct_ip_eq(&a->gw, &b->gw);
}

/* the same next hops in the same order (gateway and device only) */
static bool route_same_paths(const struct ct_route *a, const struct ct_route *b)
{
	const struct ct_nexthop *na, *nb;
	struct ct_nexthop ta, tb;
	size_t ca = ct_route_nexthops(a, &na, &ta), cb = ct_route_nexthops(b, &nb, &tb);
	if (ca != cb)
		return false;
	for (size_t i = 0; i < ca; i++)
		if (!nh_same(&na[i], &nb[i]))
			return false;
	return true;
}

/* The kernel's identity of a route (see model.h) beyond the key. */
static bool route_ident(const struct ct_route *a, const struct ct_route *b)
{
	if (a->dst.ip.family != AF_INET6)
		return true;
	bool ea = v6_ecmp(a), eb = v6_ecmp(b);
	if (ea || eb)
		return ea && eb;
	return a->oif == b->oif && ct_ip_eq(&a->gw, &b->gw);
}

/* For IPv4: the candidate with the same type and next hops, else the first. */
static long route_pos(const struct ct_netns *ns, const struct ct_route *r)
{
	long first = -1;
	bool v4 = r->dst.ip.family != AF_INET6;
	if (ix_current(&ns->route_ix, ns->routes.n)) {
		for (IX_EACH(&ns->route_ix, route_hash(r), it, pos)) {
			const struct ct_route *c = &ns->routes.v[pos];
			if (!ct_route_same_key(c, r) || !route_ident(c, r))
				continue;
			if (!v4 || (c->type == r->type && route_same_paths(c, r)))
				return (long)pos;
			if (first < 0)
				first = (long)pos;
		}
		return first;
	}
	for (size_t i = 0; i < ns->routes.n; i++) {
		const struct ct_route *c = &ns->routes.v[i];
		if (!ct_route_same_key(c, r) || !route_ident(c, r))
			continue;
		if (!v4 || (c->type == r->type && route_same_paths(c, r)))
			return (long)i;
		if (first < 0)
			first = (long)i;
	}
	return first;
}

struct ct_route *ct_route_find(const struct ct_netns *ns, const struct ct_route *r)
{
	long p = route_pos(ns, r);
	return p < 0 ? NULL : &ns->routes.v[p];
}

static bool route_eq(const struct ct_route *a, const struct ct_route *b)
{
	if (!ct_route_same_key(a, b) || !ct_ip_eq(&a->src, &b->src) || a->flags != b->flags ||
	    a->protocol != b->protocol || a->scope != b->scope || a->type != b->type ||
	    !ct_ip_eq(&a->gw, &b->gw) || a->oif != b->oif || a->nh_count != b->nh_count)
		return false;
	for (size_t i = 0; i < a->nh_count; i++) {
		const struct ct_nexthop *x = &a->nh[i], *y = &b->nh[i];
		if (!nh_same(x, y) || x->weight != y->weight || x->flags != y->flags)
			return false;
	}
	return true;
}

/* the same key, type and next hops: what the kernel refuses to add twice */
static long route_pos_exact(const struct ct_netns *ns, const struct ct_route *r)
{
	for (IX_EACH(&ns->route_ix, route_hash(r), it, pos)) {
		const struct ct_route *c = &ns->routes.v[pos];
		if (ct_route_same_key(c, r) && c->type == r->type && route_same_paths(c, r))
			return (long)pos;
	}
	return -1;
}

/* the first route of the key, whatever its next hops (NLM_F_REPLACE) */
static long route_pos_key(const struct ct_netns *ns, const struct ct_route *r)
{
	for (IX_EACH(&ns->route_ix, route_hash(r), it, pos))
		if (ct_route_same_key(&ns->routes.v[pos], r))
			return (long)pos;
	return -1;
}

static int route_upsert(struct ct_netns *ns, struct ct_route *r, uint16_t nlflags)
{
	int rc = ix_ready(&ns->route_ix, ns->routes.v, ns->routes.n, &ROUTE_T);
	if (rc)
		return rc;
	long p;
	if (nlflags & NLM_F_REPLACE) {
		/* fib_table_insert / fib6_add_rt2node with NLM_F_REPLACE */
		p = route_pos(ns, r);
		if (p < 0)
			p = route_pos_key(ns, r);
	} else if ((nlflags & NLM_F_CREATE) && r->dst.ip.family == AF_INET) {
		/* IPv4 without NLM_F_REPLACE: a new alias beside the key's others
		 * (ip route prepend/append), unless the very same route is there */
		p = route_pos_exact(ns, r);
	} else {
		p = route_pos(ns, r);
	}
	if (p >= 0) {
		struct ct_route *cur = &ns->routes.v[p];
		if (!route_eq(cur, r))
			ns->gen.routes++;
		ct_route_clear(cur);
		*cur = *r;
		r->nh = NULL;
		r->nh_count = 0;
		return 0;
	}
	struct ct_route *n = VEC_PUSH(ns->routes);
	if (!n)
		return -ENOMEM;
	*n = *r;
	r->nh = NULL;
	r->nh_count = 0;
	ns->gen.routes++;
	return ix_added(&ns->route_ix, ns->routes.v, ns->routes.n, &ROUTE_T);
}

int ct_route_upsert(struct ct_netns *ns, struct ct_route *r)
{
	return route_upsert(ns, r, 0);
}

static void route_remove_at(struct ct_netns *ns, size_t p)
{
	ct_route_clear(&ns->routes.v[p]);
	ix_remove(&ns->route_ix, ns->routes.v, &ns->routes.n, &ROUTE_T, p);
	ns->gen.routes++;
	/* give memory back when a table shrank to a quarter (100k routes withdrawn) */
	if (ns->routes.cap > 1024 && ns->routes.n < ns->routes.cap / 4) {
		size_t nc = ns->routes.cap / 2;
		struct ct_route *v = realloc(ns->routes.v, nc * sizeof(*v));
		if (v) {
			ns->routes.v = v;
			ns->routes.cap = nc;
		}
		if (ns->route_ix.cap > 1024 && ns->routes.n * 8 < ns->route_ix.cap &&
		    ix_current(&ns->route_ix, ns->routes.n)) {
			free(ns->route_ix.slot);
			ns->route_ix.slot = NULL;
			ns->route_ix.cap = 0;
			ix_build(&ns->route_ix, ns->routes.v, ns->routes.n, &ROUTE_T);
		}
	}
}

/* Keeps the next hops of r for which keep() holds; returns how many are left
 * (0: the caller removes the route). A single one left is stored inline. */
static size_t route_filter_paths(struct ct_route *r,
				 bool (*drop)(const struct ct_nexthop *nh, const void *arg),
				 const void *arg)
{
	if (r->nh_count <= 1) {
		struct ct_nexthop t = {.gw = r->gw, .oif = r->oif, .flags = r->flags};
		return drop(&t, arg) ? 0 : 1;
	}
	size_t o = 0;
	for (size_t i = 0; i < r->nh_count; i++)
		if (!drop(&r->nh[i], arg))
			r->nh[o++] = r->nh[i];
	if (o == r->nh_count)
		return o;
	if (o == 1) {
		struct ct_nexthop one = r->nh[0];
		ct_route_clear(r);
		r->gw = one.gw;
		r->oif = one.oif;
		r->flags |= one.flags;
	} else if (o > 1) {
		r->nh_count = (uint16_t)o;
	}
	return o;
}

static bool drop_listed(const struct ct_nexthop *nh, const void *arg)
{
	const struct ct_route *key = arg;
	const struct ct_nexthop *v;
	struct ct_nexthop t;
	size_t n = ct_route_nexthops(key, &v, &t);
	for (size_t i = 0; i < n; i++)
		if (nh_same(nh, &v[i]))
			return true;
	return false;
}

int ct_route_delete(struct ct_netns *ns, const struct ct_route *key)
{
	int rc = ix_ready(&ns->route_ix, ns->routes.v, ns->routes.n, &ROUTE_T);
	if (rc)
		return rc;
	long p = route_pos(ns, key);
	if (p < 0)
		return -ENOENT;
	struct ct_route *cur = &ns->routes.v[p];
	/* IPv6: a sibling removed from an ECMP route (the message names it alone) */
	if (cur->dst.ip.family == AF_INET6 && cur->nh_count > 1 &&
	    (key->nh_count > 1 ? key->nh_count : 1) < cur->nh_count) {
		size_t before = cur->nh_count;
		size_t left = route_filter_paths(cur, drop_listed, key);
		if (left == before)
			return -ENOENT;
		if (left > 0) {
			ns->gen.routes++;
			return 0;
		}
	}
	route_remove_at(ns, (size_t)p);
	return 0;
}

void ct_route_clear(struct ct_route *r)
{
	free(r->nh);
	r->nh = NULL;
	r->nh_count = 0;
}

void ct_netns_truncate_routes(struct ct_netns *ns, size_t n)
{
	for (size_t i = n; i < ns->routes.n; i++)
		ct_route_clear(&ns->routes.v[i]);
	if (n < ns->routes.n) {
		ns->routes.n = n;
		ns->route_ix.n = IX_STALE;
	}
}

int ct_route_set_nexthops(struct ct_route *r, const struct ct_nexthop *nh, size_t n)
{
	ct_route_clear(r);
	if (n == 0)
		return 0;
	if (n == 1) {
		r->gw = nh[0].gw;
		r->oif = nh[0].oif;
		r->flags |= nh[0].flags;
		return 0;
	}
	if (n > UINT16_MAX)
		return -E2BIG;
	r->nh = malloc(n * sizeof(*nh));
	if (!r->nh)
		return -ENOMEM;
	memcpy(r->nh, nh, n * sizeof(*nh));
	r->nh_count = (uint16_t)n;
	return 0;
}

/* ---- rules ---- */

static bool prefix_eq(const struct ct_prefix *a, const struct ct_prefix *b)
{
	return a->len == b->len && ct_ip_eq(&a->ip, &b->ip);
}

bool ct_rule_same(const struct ct_rule *a, const struct ct_rule *b)
{
	return a->family == b->family && a->action == b->action && a->priority == b->priority &&
	       a->table == b->table && a->has_fwmark == b->has_fwmark && a->fwmark == b->fwmark &&
	       a->fwmask == b->fwmask && prefix_eq(&a->src, &b->src) &&
	       prefix_eq(&a->dst, &b->dst) &&
	       strncmp(a->iifname, b->iifname, sizeof(a->iifname)) == 0 &&
	       strncmp(a->oifname, b->oifname, sizeof(a->oifname)) == 0 && a->flags == b->flags;
}

static long rule_pos(const struct ct_netns *ns, const struct ct_rule *key)
{
	if (ix_current(&ns->rule_ix, ns->rules.n)) {
		for (IX_EACH(&ns->rule_ix, rule_hash(key), it, pos))
			if (ct_rule_same(&ns->rules.v[pos], key))
				return (long)pos;
		return -1;
	}
	for (size_t i = 0; i < ns->rules.n; i++)
		if (ct_rule_same(&ns->rules.v[i], key))
			return (long)i;
	return -1;
}

struct ct_rule *ct_rule_find(const struct ct_netns *ns, const struct ct_rule *key)
{
	long p = rule_pos(ns, key);
	return p < 0 ? NULL : &ns->rules.v[p];
}

int ct_rule_upsert(struct ct_netns *ns, const struct ct_rule *ru)
{
	int r = ix_ready(&ns->rule_ix, ns->rules.v, ns->rules.n, &RULE_T);
	if (r)
		return r;
	if (rule_pos(ns, ru) >= 0)
		return 0; /* the key is the whole content: nothing to change */
	struct ct_rule *n = VEC_PUSH(ns->rules);
	if (!n)
		return -ENOMEM;
	*n = *ru;
	ns->gen.rules++;
	return ix_added(&ns->rule_ix, ns->rules.v, ns->rules.n, &RULE_T);
}

int ct_rule_delete(struct ct_netns *ns, const struct ct_rule *key)
{
	int r = ix_ready(&ns->rule_ix, ns->rules.v, ns->rules.n, &RULE_T);
	if (r)
		return r;
	long p = rule_pos(ns, key);
	if (p < 0)
		return -ENOENT;
	ix_remove(&ns->rule_ix, ns->rules.v, &ns->rules.n, &RULE_T, (size_t)p);
	ns->gen.rules++;
	return 0;
}

/* ---- neighbours ---- */

bool ct_neigh_same_key(const struct ct_neigh *a, const struct ct_neigh *b)
{
	return a->ifindex == b->ifindex && ct_ip_eq(&a->dst, &b->dst) &&
	       (a->flags & NTF_PROXY_BIT) == (b->flags & NTF_PROXY_BIT);
}

static long neigh_pos(const struct ct_netns *ns, const struct ct_neigh *key)
{
	if (ix_current(&ns->neigh_ix, ns->neighs.n)) {
		for (IX_EACH(&ns->neigh_ix, neigh_hash(key), it, pos))
			if (ct_neigh_same_key(&ns->neighs.v[pos], key))
				return (long)pos;
		return -1;
	}
	for (size_t i = 0; i < ns->neighs.n; i++)
		if (ct_neigh_same_key(&ns->neighs.v[i], key))
			return (long)i;
	return -1;
}

struct ct_neigh *ct_neigh_find(const struct ct_netns *ns, const struct ct_neigh *key)
{
	long p = neigh_pos(ns, key);
	return p < 0 ? NULL : &ns->neighs.v[p];
}

static bool neigh_eq(const struct ct_neigh *a, const struct ct_neigh *b)
{
	return ct_neigh_same_key(a, b) && a->lladdr_len == b->lladdr_len &&
	       memcmp(a->lladdr, b->lladdr, sizeof(a->lladdr)) == 0 && a->state == b->state &&
	       a->flags == b->flags;
}

int ct_neigh_upsert(struct ct_netns *ns, const struct ct_neigh *nb)
{
	int r = ix_ready(&ns->neigh_ix, ns->neighs.v, ns->neighs.n, &NEIGH_T);
	if (r)
		return r;
	long p = neigh_pos(ns, nb);
	if (p >= 0) {
		if (!neigh_eq(&ns->neighs.v[p], nb)) {
			ns->neighs.v[p] = *nb;
			ns->gen.neighs++;
		}
		return 0;
	}
	struct ct_neigh *n = VEC_PUSH(ns->neighs);
	if (!n)
		return -ENOMEM;
	*n = *nb;
	ns->gen.neighs++;
	return ix_added(&ns->neigh_ix, ns->neighs.v, ns->neighs.n, &NEIGH_T);
}

int ct_neigh_delete(struct ct_netns *ns, const struct ct_neigh *key)
{
	int r = ix_ready(&ns->neigh_ix, ns->neighs.v, ns->neighs.n, &NEIGH_T);
	if (r)
		return r;
	long p = neigh_pos(ns, key);
	if (p < 0)
		return -ENOENT;
	ix_remove(&ns->neigh_ix, ns->neighs.v, &ns->neighs.n, &NEIGH_T, (size_t)p);
	ns->gen.neighs++;
	return 0;
}

/* ---- FDB ---- */

bool ct_fdb_same_key(const struct ct_fdb *a, const struct ct_fdb *b)
{
	return a->ifindex == b->ifindex && memcmp(a->mac, b->mac, 6) == 0 &&
	       ct_ip_eq(&a->dst, &b->dst) && a->vni == b->vni;
}

static long fdb_pos(const struct ct_netns *ns, const struct ct_fdb *key)
{
	if (ix_current(&ns->fdb_ix, ns->fdb.n)) {
		for (IX_EACH(&ns->fdb_ix, fdb_hash(key), it, pos))
			if (ct_fdb_same_key(&ns->fdb.v[pos], key))
				return (long)pos;
		return -1;
	}
	for (size_t i = 0; i < ns->fdb.n; i++)
		if (ct_fdb_same_key(&ns->fdb.v[i], key))
			return (long)i;
	return -1;
}

struct ct_fdb *ct_fdb_find(const struct ct_netns *ns, const struct ct_fdb *key)
{
	long p = fdb_pos(ns, key);
	return p < 0 ? NULL : &ns->fdb.v[p];
}

static bool fdb_eq(const struct ct_fdb *a, const struct ct_fdb *b)
{
	return ct_fdb_same_key(a, b) && a->state == b->state && a->flags == b->flags &&
	       a->master == b->master;
}

int ct_fdb_upsert(struct ct_netns *ns, const struct ct_fdb *e)
{
	int r = ix_ready(&ns->fdb_ix, ns->fdb.v, ns->fdb.n, &FDB_T);
	if (r)
		return r;
	long p = fdb_pos(ns, e);
	if (p >= 0) {
		if (!fdb_eq(&ns->fdb.v[p], e)) {
			ns->fdb.v[p] = *e;
			ns->gen.fdb++;
		}
		return 0;
	}
	struct ct_fdb *n = VEC_PUSH(ns->fdb);
	if (!n)
		return -ENOMEM;
	*n = *e;
	ns->gen.fdb++;
	return ix_added(&ns->fdb_ix, ns->fdb.v, ns->fdb.n, &FDB_T);
}

int ct_fdb_delete(struct ct_netns *ns, const struct ct_fdb *key)
{
	int r = ix_ready(&ns->fdb_ix, ns->fdb.v, ns->fdb.n, &FDB_T);
	if (r)
		return r;
	long p = fdb_pos(ns, key);
	if (p < 0)
		return -ENOENT;
	ix_remove(&ns->fdb_ix, ns->fdb.v, &ns->fdb.n, &FDB_T, (size_t)p);
	ns->gen.fdb++;
	return 0;
}

/* ---- neighbour tables: a handful per namespace, scanned ---- */

static long neightbl_pos(const struct ct_netns *ns, const struct ct_neightbl *key)
{
	for (size_t i = 0; i < ns->neightbls.n; i++)
		if (ns->neightbls.v[i].family == key->family &&
		    strncmp(ns->neightbls.v[i].name, key->name, sizeof(key->name)) == 0)
			return (long)i;
	return -1;
}

int ct_neightbl_upsert(struct ct_netns *ns, const struct ct_neightbl *t)
{
	long p = neightbl_pos(ns, t);
	if (p >= 0) {
		struct ct_neightbl *c = &ns->neightbls.v[p];
		if (c->gc_thresh1 != t->gc_thresh1 || c->gc_thresh2 != t->gc_thresh2 ||
		    c->gc_thresh3 != t->gc_thresh3 || c->entries != t->entries) {
			*c = *t;
			ns->gen.neightbls++;
		}
		return 0;
	}
	struct ct_neightbl *n = VEC_PUSH(ns->neightbls);
	if (!n)
		return -ENOMEM;
	*n = *t;
	ns->gen.neightbls++;
	return 0;
}

int ct_neightbl_delete(struct ct_netns *ns, const struct ct_neightbl *key)
{
	long p = neightbl_pos(ns, key);
	if (p < 0)
		return -ENOENT;
	ns->neightbls.v[p] = ns->neightbls.v[--ns->neightbls.n];
	ns->gen.neightbls++;
	return 0;
}

size_t ct_route_nexthops(const struct ct_route *r, const struct ct_nexthop **out,
			 struct ct_nexthop *tmp)
{
	if (r->nh_count > 1 && r->nh) {
		*out = r->nh;
		return r->nh_count;
	}
	memset(tmp, 0, sizeof(*tmp));
	tmp->gw = r->gw;
	tmp->oif = r->oif;
	tmp->flags = r->flags;
	*out = tmp;
	return 1;
}

/* ---- addresses ---- */

uint8_t ct_ip_maxlen(uint8_t family)
{
	return family == AF_INET6 ? 128 : 32;
}

static size_t ip_bytes(uint8_t family)
{
	return family == AF_INET6 ? 16 : family == AF_INET ? 4 : 0;
}

bool ct_ip_eq(const struct ct_ip *a, const struct ct_ip *b)
{
	return a->family == b->family && memcmp(a->a, b->a, ip_bytes(a->family)) == 0;
}

bool ct_ip_is_set(const struct ct_ip *a)
{
	return a->family == AF_INET || a->family == AF_INET6;
}

bool ct_ip_is_any(const struct ct_ip *a)
{
	static const uint8_t zero[16];
	return !ct_ip_is_set(a) || memcmp(a->a, zero, ip_bytes(a->family)) == 0;
}

static bool bits_match(const uint8_t *a, const uint8_t *b, unsigned bits)
{
	unsigned full = bits / 8, rest = bits % 8;
	if (memcmp(a, b, full) != 0)
		return false;
	if (rest) {
		uint8_t mask = (uint8_t)(0xff << (8 - rest));
		if ((a[full] & mask) != (b[full] & mask))
			return false;
	}
	return true;
}

bool ct_prefix_contains(const struct ct_prefix *p, const struct ct_ip *ip)
{
	if (p->ip.family != ip->family || p->len > ct_ip_maxlen(ip->family))
		return false;
	return bits_match(p->ip.a, ip->a, p->len);
}

bool ct_prefix_contains_prefix(const struct ct_prefix *outer, const struct ct_prefix *inner)
{
	return inner->len >= outer->len && ct_prefix_contains(outer, &inner->ip);
}

int ct_ip_parse(const char *s, struct ct_ip *out)
{
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, s, out->a) == 1) {
		out->family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, out->a) == 1) {
		out->family = AF_INET6;
		return 0;
	}
	return -1;
}

int ct_prefix_parse(const char *s, struct ct_prefix *out)
{
	char buf[64];
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	if (alen == 0 || alen >= sizeof(buf))
		return -1;
	memcpy(buf, s, alen);
	buf[alen] = 0;
	if (ct_ip_parse(buf, &out->ip) < 0)
		return -1;
	unsigned max = ct_ip_maxlen(out->ip.family);
	if (!slash) {
		out->len = (uint8_t)max;
		return 0;
	}
	char *end;
	errno = 0;
	long l = strtol(slash + 1, &end, 10);
	if (errno || end == slash + 1 || *end || l < 0 || (unsigned long)l > max)
		return -1;
	out->len = (uint8_t)l;
	return 0;
}

/* IPv4 by hand: glibc's inet_ntop formats IPv4 with sprintf, which dominates
 * the cost of printing a 100k-route table */
static size_t fmt_u8(char *o, unsigned v)
{
	size_t n = 0;
	if (v >= 100)
		o[n++] = (char)('0' + v / 100);
	if (v >= 10)
		o[n++] = (char)('0' + v / 10 % 10);
	o[n++] = (char)('0' + v % 10);
	return n;
}

char *ct_ip_fmt(const struct ct_ip *ip, char *buf, size_t len)
{
	if (ip->family == AF_INET && len >= 16) {
		size_t o = 0;
		for (int i = 0; i < 4; i++) {
			if (i)
				buf[o++] = '.';
			o += fmt_u8(buf + o, ip->a[i]);
		}
		buf[o] = 0;
		return buf;
	}
	if (!ct_ip_is_set(ip) || !inet_ntop(ip->family, ip->a, buf, (socklen_t)len))
		snprintf(buf, len, "%s", "");
	return buf;
}

char *ct_prefix_fmt(const struct ct_prefix *p, char *buf, size_t len)
{
	if (!ct_ip_is_set(&p->ip) || len < INET6_ADDRSTRLEN + 5) {
		snprintf(buf, len, "%s", "");
		return buf;
	}
	if (p->len == 0) {
		snprintf(buf, len, "default");
		return buf;
	}
	ct_ip_fmt(&p->ip, buf, len);
	size_t o = strlen(buf);
	buf[o++] = '/';
	o += fmt_u8(buf + o, p->len);
	buf[o] = 0;
	return buf;
}

char *ct_mac_fmt(const uint8_t *mac, size_t mac_len, char *buf, size_t len)
{
	size_t o = 0;
	buf[0] = 0;
	for (size_t i = 0; i < mac_len && o + 3 < len; i++)
		o += (size_t)snprintf(buf + o, len - o, i ? ":%02x" : "%02x", mac[i]);
	return buf;
}

int ct_mac_parse(const char *s, uint8_t mac[6])
{
	unsigned b[6];
	char tail;
	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5],
		   &tail) != 6)
		return -1;
	if (strlen(s) != 17)
		return -1;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)b[i];
	return 0;
}

/* ---- workload interfaces ---- */

int ct_prefixes_parse(const char *s, struct ct_prefixes *out)
{
	memset(out, 0, sizeof(*out));
	const char *p = s;
	while (*p) {
		const char *c = strchr(p, ',');
		size_t l = c ? (size_t)(c - p) : strlen(p);
		if (l == 0 || l >= CT_IFNAMSIZ - 1 || out->n == 8)
			return -1;
		for (size_t i = 0; i < l; i++) {
			unsigned char ch = (unsigned char)p[i];
			if (ch <= ' ' || ch == '/' || ch >= 0x7f)
				return -1;
		}
		memcpy(out->list[out->n], p, l);
		out->list[out->n][l] = 0;
		out->n++;
		if (!c)
			break;
		p = c + 1;
		if (!*p)
			return -1;
	}
	return out->n ? 0 : -1;
}

bool ct_is_workload(const struct ct_prefixes *p, const char *ifname)
{
	for (int i = 0; i < p->n; i++)
		if (strncmp(ifname, p->list[i], strlen(p->list[i])) == 0)
			return true;
	return false;
}

/* ---- applying rtnetlink messages, and the kernel's silent cascades ---- */

#define CT_IFF_UP 0x1
#define CT_IFF_LOWER_UP 0x10000
#define CT_RTN_LOCAL 2
#define CT_RTNH_F_DEAD 1
#define CT_RTNH_F_LINKDOWN 16
#define CT_NUD_PERMANENT 0x80
#define CT_NUD_NOARP 0x40

static bool route_uses(const struct ct_route *r, int ifindex)
{
	const struct ct_nexthop *v;
	struct ct_nexthop t;
	size_t n = ct_route_nexthops(r, &v, &t);
	for (size_t i = 0; i < n; i++)
		if (v[i].oif == ifindex)
			return true;
	return false;
}

static bool drop_on_dev(const struct ct_nexthop *nh, const void *arg)
{
	return nh->oif == *(const int *)arg;
}

/* RTM_DELLINK: what went with the device, unannounced */
static void cascade_link_gone(struct ct_netns *ns, int ifindex)
{
	for (size_t i = ns->addrs.n; i-- > 0;)
		if (ns->addrs.v[i].ifindex == ifindex)
			ix_remove(&ns->addr_ix, ns->addrs.v, &ns->addrs.n, &ADDR_T, i), ns->gen.addrs++;
	for (size_t i = ns->neighs.n; i-- > 0;)
		if (ns->neighs.v[i].ifindex == ifindex)
			ix_remove(&ns->neigh_ix, ns->neighs.v, &ns->neighs.n, &NEIGH_T, i),
				ns->gen.neighs++;
	for (size_t i = ns->fdb.n; i-- > 0;)
		if (ns->fdb.v[i].ifindex == ifindex)
			ix_remove(&ns->fdb_ix, ns->fdb.v, &ns->fdb.n, &FDB_T, i), ns->gen.fdb++;
	for (size_t i = ns->routes.n; i-- > 0;) {
		struct ct_route *r = &ns->routes.v[i];
		if (!route_uses(r, ifindex))
			continue;
		if (r->dst.ip.family == AF_INET6 && r->nh_count > 1 &&
		    route_filter_paths(r, drop_on_dev, &ifindex) > 0) {
			ns->gen.routes++;
			continue;
		}
		route_remove_at(ns, i);
	}
}

static bool mark_dead(struct ct_route *r, int ifindex)
{
	bool alive = false;
	for (size_t k = 0; k < r->nh_count; k++) {
		if (r->nh[k].oif == ifindex)
			r->nh[k].flags |= CT_RTNH_F_DEAD | CT_RTNH_F_LINKDOWN;
		if (!(r->nh[k].flags & CT_RTNH_F_DEAD))
			alive = true;
	}
	return alive;
}

/* IFF_UP cleared: fib_disable_ip (IPv4 routes, not local ones), rt6_sync_down_dev
 * (IPv6: notified for single routes, silent for an ECMP sibling's flags) and the
 * neighbour flush of both families */
static void cascade_link_down(struct ct_netns *ns, int ifindex)
{
	for (size_t i = ns->routes.n; i-- > 0;) {
		struct ct_route *r = &ns->routes.v[i];
		if ((r->dst.ip.family == AF_INET && r->type == CT_RTN_LOCAL) || !route_uses(r, ifindex))
			continue;
		if (r->nh_count > 1 && mark_dead(r, ifindex)) {
			ns->gen.routes++;
			continue;
		}
		route_remove_at(ns, i);
	}
	for (size_t i = ns->neighs.n; i-- > 0;)
		if (ns->neighs.v[i].ifindex == ifindex && !(ns->neighs.v[i].flags & NTF_PROXY_BIT))
			ix_remove(&ns->neigh_ix, ns->neighs.v, &ns->neighs.n, &NEIGH_T, i),
				ns->gen.neighs++;
}

/* IFF_UP set again: fib_sync_up and rt6_sync_up revive the multipath next hops
 * through it, silently */
static void cascade_link_up(struct ct_netns *ns, int ifindex)
{
	for (size_t i = 0; i < ns->routes.n; i++) {
		struct ct_route *r = &ns->routes.v[i];
		if (r->nh_count <= 1)
			continue;
		for (size_t k = 0; k < r->nh_count; k++)
			if (r->nh[k].oif == ifindex && (r->nh[k].flags & CT_RTNH_F_DEAD)) {
				r->nh[k].flags &= ~(uint32_t)CT_RTNH_F_DEAD;
				ns->gen.routes++;
			}
	}
}

/* carrier lost or back on an up device: RTNH_F_LINKDOWN on its next hops, and
 * on loss the non-permanent neighbours go (neigh_carrier_down) */
static void cascade_carrier(struct ct_netns *ns, int ifindex, bool carrier)
{
	for (size_t i = 0; i < ns->routes.n; i++) {
		struct ct_route *r = &ns->routes.v[i];
		if (r->type == CT_RTN_LOCAL || !route_uses(r, ifindex))
			continue;
		uint32_t before = r->flags;
		if (r->nh_count > 1) {
			for (size_t k = 0; k < r->nh_count; k++) {
				if (r->nh[k].oif != ifindex)
					continue;
				uint32_t f = r->nh[k].flags;
				if (carrier)
					r->nh[k].flags &= ~(uint32_t)CT_RTNH_F_LINKDOWN;
				else
					r->nh[k].flags |= CT_RTNH_F_LINKDOWN;
				if (f != r->nh[k].flags)
					ns->gen.routes++;
			}
			continue;
		}
		if (carrier)
			r->flags &= ~(uint32_t)CT_RTNH_F_LINKDOWN;
		else
			r->flags |= CT_RTNH_F_LINKDOWN;
		if (before != r->flags)
			ns->gen.routes++;
	}
	if (carrier)
		return;
	for (size_t i = ns->neighs.n; i-- > 0;) {
		const struct ct_neigh *nb = &ns->neighs.v[i];
		if (nb->ifindex == ifindex && !(nb->flags & NTF_PROXY_BIT) &&
		    !(nb->state & (CT_NUD_PERMANENT | CT_NUD_NOARP)))
			ix_remove(&ns->neigh_ix, ns->neighs.v, &ns->neighs.n, &NEIGH_T, i),
				ns->gen.neighs++;
	}
}

static int apply_link(struct ct_netns *ns, struct ct_link *l, bool del)
{
	int r = ix_ready(&ns->link_ix, ns->links.v, ns->links.n, &LINK_T);
	if (r)
		return r;
	if (ix_ready(&ns->addr_ix, ns->addrs.v, ns->addrs.n, &ADDR_T) ||
	    ix_ready(&ns->route_ix, ns->routes.v, ns->routes.n, &ROUTE_T) ||
	    ix_ready(&ns->neigh_ix, ns->neighs.v, ns->neighs.n, &NEIGH_T) ||
	    ix_ready(&ns->fdb_ix, ns->fdb.v, ns->fdb.n, &FDB_T))
		return -ENOMEM;
	const struct ct_link *old = ct_link_by_ifindex(ns, l->ifindex);
	if (del) {
		if (!old)
			return 0;
		r = ct_link_delete(ns, l->ifindex);
		cascade_link_gone(ns, l->ifindex);
		return r;
	}
	unsigned of = old ? old->flags : 0, nf = l->flags;
	r = ct_link_upsert(ns, l);
	if (r || !old)
		return r;
	if ((of & CT_IFF_UP) && !(nf & CT_IFF_UP))
		cascade_link_down(ns, l->ifindex);
	else if (!(of & CT_IFF_UP) && (nf & CT_IFF_UP))
		cascade_link_up(ns, l->ifindex);
	if ((nf & CT_IFF_UP) && (of & CT_IFF_LOWER_UP) != (nf & CT_IFF_LOWER_UP))
		cascade_carrier(ns, l->ifindex, (nf & CT_IFF_LOWER_UP) != 0);
	return 0;
}

static bool set_if(int *dst, int v)
{
	if (v < 0 || *dst == v)
		return false;
	*dst = v;
	return true;
}

int ct_netconf_apply(struct ct_netns *ns, const struct ct_netconf *c)
{
	bool ch = false;
	if (c->family == AF_INET6) {
		if (c->ifindex == CT_NETCONF_ALL) {
			ch = set_if(&ns->conf.forwarding6, c->forwarding);
		} else if (c->ifindex > 0) {
			struct ct_link *l = ct_link_by_ifindex(ns, c->ifindex);
			if (l)
				ch = set_if(&l->forwarding6, c->forwarding);
		}
	} else if (c->family == AF_INET) {
		if (c->ifindex == CT_NETCONF_ALL) {
			ch |= set_if(&ns->conf.forwarding, c->forwarding);
			ch |= set_if(&ns->conf.ip_forward, c->forwarding); /* the same devconf */
			ch |= set_if(&ns->conf.rp_filter, c->rp_filter);
			ch |= set_if(&ns->conf.proxy_arp, c->proxy_neigh);
			if (ch)
				ct_netns_derive(ns);
		} else if (c->ifindex == CT_NETCONF_DEFAULT) {
			ch = set_if(&ns->conf.def_rp_filter, c->rp_filter);
		} else {
			struct ct_link *l = ct_link_by_ifindex(ns, c->ifindex);
			if (l) {
				ch |= set_if(&l->forwarding, c->forwarding);
				ch |= set_if(&l->rp_filter, c->rp_filter);
				ch |= set_if(&l->proxy_arp, c->proxy_neigh);
				if (ch && ct_link_derive(ns, l))
					ns->gen.links++;
			}
		}
	}
	if (ch)
		ns->gen.netconf++;
	return 0;
}

int ct_neigh_parms_apply(struct ct_netns *ns, const struct ct_neigh_parms *p)
{
	if (p->family != AF_INET || p->ifindex <= 0)
		return 0; /* proxy_delay is kept for IPv4 only; table defaults are not kept */
	struct ct_link *l = ct_link_by_ifindex(ns, p->ifindex);
	if (l && set_if(&l->proxy_delay, p->proxy_delay))
		ns->gen.links++;
	return 0;
}

static int no_enoent(int r)
{
	return r == -ENOENT ? 0 : r;
}

int ct_netns_apply(struct ct_netns *ns, struct ct_rtnl_msg *m)
{
	switch (m->kind) {
	case CT_RTNL_LINK:
		return apply_link(ns, &m->u.link, m->del);
	case CT_RTNL_ADDR:
		return no_enoent(m->del ? ct_addr_delete(ns, &m->u.addr) : ct_addr_upsert(ns, &m->u.addr));
	case CT_RTNL_ROUTE: {
		int r = m->del ? ct_route_delete(ns, &m->u.route)
			       : route_upsert(ns, &m->u.route, m->nlflags);
		ct_route_clear(&m->u.route);
		return no_enoent(r);
	}
	case CT_RTNL_RULE:
		return no_enoent(m->del ? ct_rule_delete(ns, &m->u.rule) : ct_rule_upsert(ns, &m->u.rule));
	case CT_RTNL_NEIGH:
		return no_enoent(m->del ? ct_neigh_delete(ns, &m->u.neigh)
					: ct_neigh_upsert(ns, &m->u.neigh));
	case CT_RTNL_FDB:
		return no_enoent(m->del ? ct_fdb_delete(ns, &m->u.fdb) : ct_fdb_upsert(ns, &m->u.fdb));
	case CT_RTNL_NETCONF:
		return m->del ? 0 : ct_netconf_apply(ns, &m->u.netconf);
	case CT_RTNL_NEIGHTBL:
		return no_enoent(m->del ? ct_neightbl_delete(ns, &m->u.neightbl)
					: ct_neightbl_upsert(ns, &m->u.neightbl));
	case CT_RTNL_NEIGHPARMS:
		return m->del ? 0 : ct_neigh_parms_apply(ns, &m->u.parms);
	case CT_RTNL_NSID:
		return 0; /* the namespace map is the event source's */
	case CT_RTNL_NONE:
		break;
	}
	return -EINVAL;
}

int ct_node_apply(struct ct_node *node, size_t ns_index, struct ct_rtnl_msg *m,
		  const struct ct_prefixes *p)
{
	if (ns_index >= node->ns.n) {
		if (m->kind == CT_RTNL_ROUTE)
			ct_route_clear(&m->u.route);
		return -EINVAL;
	}
	struct ct_netns *ns = &node->ns.v[ns_index];
	uint64_t links = ns->gen.links, addrs = ns->gen.addrs;
	int r = ct_netns_apply(ns, m);
	if (ns_index == 0 && (ns->gen.links != links || ns->gen.addrs != addrs))
		ct_node_derive(node, p);
	return r;
}
