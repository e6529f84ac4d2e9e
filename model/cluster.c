/* SPDX-License-Identifier: MIT */
#include "model/cluster.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define CT_RT_TABLE_MAIN     254
#define CT_RTN_UNICAST	     1
#define CT_RT_SCOPE_UNIVERSE 0

struct ct_cluster_entry {
	uint8_t kind;
	struct ct_ip ip;
	uint8_t mac[6];
	struct ct_cluster_owner owner;
};

void ct_cluster_init(struct ct_cluster *c, const struct ct_prefixes *p)
{
	memset(c, 0, sizeof(*c));
	if (p)
		c->prefixes = *p;
	else
		ct_prefixes_parse("cali", &c->prefixes);
}

void ct_cluster_free(struct ct_cluster *c)
{
	for (size_t i = 0; i < c->nodes.n; i++) {
		ct_node_free(c->nodes.v[i]);
		free(c->nodes.v[i]);
	}
	free(c->nodes.v);
	free(c->ent);
	free(c->slot);
	free(c->dups.v);
	memset(c, 0, sizeof(*c));
}

struct ct_node *ct_cluster_node(const struct ct_cluster *c, int i)
{
	return i >= 0 && (size_t)i < c->nodes.n ? c->nodes.v[i] : NULL;
}

static size_t ipbytes(uint8_t family)
{
	return family == AF_INET6 ? 16 : family == AF_INET ? 4 : 0;
}

static uint32_t ent_hash(const struct ct_cluster_entry *e)
{
	uint32_t h = 2166136261u;
	uint8_t buf[1 + 1 + 16 + 6];
	size_t n = 0;
	buf[n++] = e->kind;
	if (e->kind == CT_CLUSTER_VTEP_MAC) {
		memcpy(buf + n, e->mac, 6);
		n += 6;
	} else {
		buf[n++] = e->ip.family;
		memcpy(buf + n, e->ip.a, ipbytes(e->ip.family));
		n += ipbytes(e->ip.family);
	}
	for (size_t i = 0; i < n; i++) {
		h ^= buf[i];
		h *= 16777619u;
	}
	h ^= h >> 15;
	h *= 0x2c1b3c6du;
	h ^= h >> 12;
	return h;
}

static bool ent_same(const struct ct_cluster_entry *a, const struct ct_cluster_entry *b)
{
	if (a->kind != b->kind)
		return false;
	if (a->kind == CT_CLUSTER_VTEP_MAC)
		return memcmp(a->mac, b->mac, 6) == 0;
	return ct_ip_eq(&a->ip, &b->ip);
}

static const struct ct_cluster_entry *find(const struct ct_cluster *c,
					   const struct ct_cluster_entry *k)
{
	if (!c->cap)
		return NULL;
	size_t m = c->cap - 1;
	for (size_t i = ent_hash(k) & m; c->slot[i]; i = (i + 1) & m)
		if (ent_same(&c->ent[c->slot[i] - 1], k))
			return &c->ent[c->slot[i] - 1];
	return NULL;
}

static int grow(struct ct_cluster *c)
{
	if (c->n_ent == c->cap_ent) {
		size_t nc = c->cap_ent ? c->cap_ent * 2 : 64;
		struct ct_cluster_entry *p = realloc(c->ent, nc * sizeof(*p));
		if (!p)
			return -ENOMEM;
		c->ent = p;
		c->cap_ent = nc;
	}
	if ((c->n_ent + 1) * 2 <= c->cap)
		return 0;
	size_t cap = c->cap ? c->cap * 2 : 128;
	uint32_t *s = calloc(cap, sizeof(*s));
	if (!s)
		return -ENOMEM;
	free(c->slot);
	c->slot = s;
	c->cap = cap;
	for (size_t e = 0; e < c->n_ent; e++) {
		size_t i = ent_hash(&c->ent[e]) & (cap - 1);
		while (s[i])
			i = (i + 1) & (cap - 1);
		s[i] = (uint32_t)e + 1;
	}
	return 0;
}

static int dup_add(struct ct_cluster *c, const struct ct_cluster_entry *first,
		   const struct ct_cluster_entry *k)
{
	/* one clash is listed once, though a pod IP has two sources on a node */
	for (size_t i = 0; i < c->dups.n; i++) {
		const struct ct_cluster_dup *d = &c->dups.v[i];
		if (d->kind == (enum ct_cluster_kind)k->kind && ct_ip_eq(&d->ip, &k->ip) &&
		    !memcmp(d->mac, k->mac, 6) && d->other.node == k->owner.node &&
		    d->other.ns == k->owner.ns)
			return 0;
	}
	if (c->dups.n == c->dups.cap) {
		size_t nc = c->dups.cap ? c->dups.cap * 2 : 8;
		struct ct_cluster_dup *p = realloc(c->dups.v, nc * sizeof(*p));
		if (!p)
			return -ENOMEM;
		c->dups.v = p;
		c->dups.cap = nc;
	}
	struct ct_cluster_dup *d = &c->dups.v[c->dups.n++];
	memset(d, 0, sizeof(*d));
	d->kind = (enum ct_cluster_kind)k->kind;
	d->ip = k->ip;
	memcpy(d->mac, k->mac, 6);
	d->first = first->owner;
	d->other = k->owner;
	return 0;
}

static int put(struct ct_cluster *c, enum ct_cluster_kind kind, const struct ct_ip *ip,
	       const uint8_t *mac, int node, int ns)
{
	struct ct_cluster_entry k;
	memset(&k, 0, sizeof(k));
	k.kind = (uint8_t)kind;
	if (ip)
		k.ip = *ip;
	if (mac)
		memcpy(k.mac, mac, 6);
	k.owner.node = node;
	k.owner.ns = ns;
	const struct ct_cluster_entry *cur = find(c, &k);
	if (cur) {
		if (cur->owner.node == node &&
		    (cur->owner.ns == ns || ns < 0 || kind != CT_CLUSTER_POD_IP))
			return 0; /* the same holder seen twice (route and address) */
		if (cur->owner.node == node && cur->owner.ns < 0) {
			/* the route named no namespace; the pod's address does */
			((struct ct_cluster_entry *)cur)->owner.ns = ns;
			return 0;
		}
		return dup_add(c, cur, &k);
	}
	int r = grow(c);
	if (r)
		return r;
	c->ent[c->n_ent] = k;
	size_t m = c->cap - 1, i = ent_hash(&k) & m;
	while (c->slot[i])
		i = (i + 1) & m;
	c->slot[i] = (uint32_t)++c->n_ent;
	return 0;
}

static bool is_host_prefix(const struct ct_prefix *p)
{
	return ct_ip_is_set(&p->ip) && p->len == ct_ip_maxlen(p->ip.family);
}

static int index_node(struct ct_cluster *c, int ni)
{
	const struct ct_node *n = c->nodes.v[ni];
	int r = 0;
	int nu = n->n_underlay < 0 ? 0 : n->n_underlay > 8 ? 8 : n->n_underlay;
	for (int i = 0; i < nu && !r; i++)
		if (ct_ip_is_set(&n->underlay_ips[i]))
			r = put(c, CT_CLUSTER_UNDERLAY, &n->underlay_ips[i], NULL, ni, -1);
	if (!r && n->has_vtep && ct_ip_is_set(&n->vtep_ip))
		r = put(c, CT_CLUSTER_VTEP_IP, &n->vtep_ip, NULL, ni, -1);
	static const uint8_t zero[6];
	if (!r && n->has_vtep && memcmp(n->vtep_mac, zero, 6) != 0)
		r = put(c, CT_CLUSTER_VTEP_MAC, NULL, n->vtep_mac, ni, -1);
	if (r || !n->ns.n)
		return r;
	/* pod IPs: the host's workload routes */
	const struct ct_netns *h = &n->ns.v[0];
	for (size_t i = 0; i < h->routes.n && !r; i++) {
		const struct ct_route *rt = &h->routes.v[i];
		if (rt->table != CT_RT_TABLE_MAIN || rt->type != CT_RTN_UNICAST ||
		    !is_host_prefix(&rt->dst) || rt->nh_count > 1)
			continue;
		const struct ct_link *l = ct_link_by_ifindex(h, rt->oif);
		if (!l || !ct_is_workload(&c->prefixes, l->name))
			continue;
		int pns = l->peer_ns > 0 && (size_t)l->peer_ns < n->ns.n ? l->peer_ns : -1;
		r = put(c, CT_CLUSTER_POD_IP, &rt->dst.ip, NULL, ni, pns);
	}
	/* and the pod namespaces' eth0 addresses */
	for (size_t k = 1; k < n->ns.n && !r; k++) {
		const struct ct_netns *p = &n->ns.v[k];
		const struct ct_link *eth0 = ct_link_by_name(p, "eth0");
		if (!eth0)
			continue;
		for (size_t i = 0; i < p->addrs.n && !r; i++) {
			const struct ct_addr *a = &p->addrs.v[i];
			if (a->ifindex == eth0->ifindex && a->scope == CT_RT_SCOPE_UNIVERSE)
				r = put(c, CT_CLUSTER_POD_IP, &a->pfx.ip, NULL, ni, (int)k);
		}
	}
	return r;
}

int ct_cluster_add(struct ct_cluster *c, struct ct_node *moved_in)
{
	if (c->nodes.n == c->nodes.cap) {
		size_t nc = c->nodes.cap ? c->nodes.cap * 2 : 4;
		struct ct_node **p = realloc(c->nodes.v, nc * sizeof(*p));
		if (!p)
			return -ENOMEM;
		c->nodes.v = p;
		c->nodes.cap = nc;
	}
	struct ct_node *n = malloc(sizeof(*n));
	if (!n)
		return -ENOMEM;
	*n = *moved_in;
	ct_node_init(moved_in);
	int ni = (int)c->nodes.n;
	c->nodes.v[c->nodes.n++] = n;
	int r = index_node(c, ni);
	return r < 0 ? r : ni;
}

int ct_cluster_reindex(struct ct_cluster *c)
{
	c->n_ent = 0;
	c->dups.n = 0;
	if (c->cap)
		memset(c->slot, 0, c->cap * sizeof(*c->slot));
	for (size_t i = 0; i < c->nodes.n; i++) {
		int r = index_node(c, (int)i);
		if (r)
			return r;
	}
	return 0;
}

static const struct ct_cluster_owner *by(const struct ct_cluster *c, enum ct_cluster_kind kind,
					 const struct ct_ip *ip, const uint8_t *mac)
{
	struct ct_cluster_entry k;
	memset(&k, 0, sizeof(k));
	k.kind = (uint8_t)kind;
	if (ip)
		k.ip = *ip;
	if (mac)
		memcpy(k.mac, mac, 6);
	const struct ct_cluster_entry *e = find(c, &k);
	return e ? &e->owner : NULL;
}

const struct ct_cluster_owner *ct_cluster_by_underlay(const struct ct_cluster *c,
						      const struct ct_ip *ip)
{
	return by(c, CT_CLUSTER_UNDERLAY, ip, NULL);
}

const struct ct_cluster_owner *ct_cluster_by_vtep_ip(const struct ct_cluster *c,
						     const struct ct_ip *ip)
{
	return by(c, CT_CLUSTER_VTEP_IP, ip, NULL);
}

const struct ct_cluster_owner *ct_cluster_by_vtep_mac(const struct ct_cluster *c,
						      const uint8_t mac[6])
{
	return by(c, CT_CLUSTER_VTEP_MAC, NULL, mac);
}

const struct ct_cluster_owner *ct_cluster_by_pod_ip(const struct ct_cluster *c,
						    const struct ct_ip *ip)
{
	return by(c, CT_CLUSTER_POD_IP, ip, NULL);
}
