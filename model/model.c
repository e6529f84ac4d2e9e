/* SPDX-License-Identifier: MIT */
#include "model.h"
#include "bgp.h"

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
	free(ns->link_idx);
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
	memset(n, 0, sizeof(*n));
}

struct ct_netns *ct_node_add_ns(struct ct_node *n)
{
	struct ct_netns *ns = VEC_PUSH(n->ns);
	if (ns)
		ct_netns_init(ns);
	return ns;
}

struct ct_link *ct_push_link(struct ct_netns *ns)
{
	struct ct_link *l = VEC_PUSH(ns->links);
	if (l) {
		l->link_netnsid = -1;
		l->peer_ns = -1;
		l->forwarding = l->rp_filter = l->proxy_arp = -1;
		l->proxy_delay = l->route_localnet = l->forwarding6 = -1;
		l->eff_rp_filter = l->eff_proxy_arp = -1;
	}
	return l;
}
struct ct_addr *ct_push_addr(struct ct_netns *ns) { return VEC_PUSH(ns->addrs); }
struct ct_route *ct_push_route(struct ct_netns *ns) { return VEC_PUSH(ns->routes); }
struct ct_rule *ct_push_rule(struct ct_netns *ns) { return VEC_PUSH(ns->rules); }
struct ct_neigh *ct_push_neigh(struct ct_netns *ns) { return VEC_PUSH(ns->neighs); }
struct ct_fdb *ct_push_fdb(struct ct_netns *ns) { return VEC_PUSH(ns->fdb); }
struct ct_neightbl *ct_push_neightbl(struct ct_netns *ns) { return VEC_PUSH(ns->neightbls); }
struct ct_gwcheck *ct_push_gwcheck(struct ct_netns *ns) { return VEC_PUSH(ns->gwchecks); }
struct ct_pod *ct_push_pod(struct ct_node *n) { return VEC_PUSH(n->pods); }

/* ifindex -> links position, open addressing keyed by ifindex */
int ct_netns_index(struct ct_netns *ns)
{
	size_t cap = 16;
	while (cap < ns->links.n * 2 + 1)
		cap *= 2;
	if (cap != ns->link_idx_cap) {
		int *p = realloc(ns->link_idx, cap * sizeof(int));
		if (!p)
			return -ENOMEM;
		ns->link_idx = p;
		ns->link_idx_cap = cap;
	}
	for (size_t i = 0; i < cap; i++)
		ns->link_idx[i] = -1;
	for (size_t i = 0; i < ns->links.n; i++) {
		size_t h = (uint32_t)ns->links.v[i].ifindex * 2654435761u & (cap - 1);
		while (ns->link_idx[h] >= 0)
			h = (h + 1) & (cap - 1);
		ns->link_idx[h] = (int)i;
	}
	return 0;
}

struct ct_link *ct_link_by_ifindex(const struct ct_netns *ns, int ifindex)
{
	if (ifindex <= 0)
		return NULL;
	if (ns->link_idx_cap) {
		size_t cap = ns->link_idx_cap;
		size_t h = (uint32_t)ifindex * 2654435761u & (cap - 1);
		while (ns->link_idx[h] >= 0) {
			struct ct_link *l = &ns->links.v[ns->link_idx[h]];
			if (l->ifindex == ifindex)
				return l;
			h = (h + 1) & (cap - 1);
		}
		return NULL;
	}
	for (size_t i = 0; i < ns->links.n; i++)
		if (ns->links.v[i].ifindex == ifindex)
			return &ns->links.v[i];
	return NULL;
}

struct ct_link *ct_link_by_name(const struct ct_netns *ns, const char *name)
{
	for (size_t i = 0; i < ns->links.n; i++)
		if (strcmp(ns->links.v[i].name, name) == 0)
			return &ns->links.v[i];
	return NULL;
}

int ct_link_upsert(struct ct_netns *ns, const struct ct_link *l)
{
	struct ct_link *cur = ct_link_by_ifindex(ns, l->ifindex);
	if (cur) {
		*cur = *l;
		return 0;
	}
	cur = ct_push_link(ns);
	if (!cur)
		return -ENOMEM;
	*cur = *l;
	return ct_netns_index(ns);
}

int ct_link_delete(struct ct_netns *ns, int ifindex)
{
	for (size_t i = 0; i < ns->links.n; i++) {
		if (ns->links.v[i].ifindex == ifindex) {
			memmove(&ns->links.v[i], &ns->links.v[i + 1],
				(ns->links.n - i - 1) * sizeof(ns->links.v[0]));
			ns->links.n--;
			return ct_netns_index(ns);
		}
	}
	return -ENOENT;
}

bool ct_route_same_key(const struct ct_route *a, const struct ct_route *b)
{
	return a->dst.ip.family == b->dst.ip.family && a->table == b->table &&
	       a->dst.len == b->dst.len && a->tos == b->tos && a->priority == b->priority &&
	       memcmp(a->dst.ip.a, b->dst.ip.a, 16) == 0;
}

int ct_route_upsert(struct ct_netns *ns, struct ct_route *r)
{
	for (size_t i = 0; i < ns->routes.n; i++) {
		if (ct_route_same_key(&ns->routes.v[i], r)) {
			ct_route_clear(&ns->routes.v[i]);
			ns->routes.v[i] = *r;
			r->nh = NULL;
			r->nh_count = 0;
			return 0;
		}
	}
	struct ct_route *n = ct_push_route(ns);
	if (!n)
		return -ENOMEM;
	*n = *r;
	r->nh = NULL;
	r->nh_count = 0;
	return 0;
}

int ct_route_delete(struct ct_netns *ns, const struct ct_route *key)
{
	for (size_t i = 0; i < ns->routes.n; i++) {
		if (ct_route_same_key(&ns->routes.v[i], key)) {
			ct_route_clear(&ns->routes.v[i]);
			ns->routes.v[i] = ns->routes.v[--ns->routes.n];
			return 0;
		}
	}
	return -ENOENT;
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
	if (n < ns->routes.n)
		ns->routes.n = n;
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

bool ct_neigh_same_key(const struct ct_neigh *a, const struct ct_neigh *b)
{
	return a->ifindex == b->ifindex && ct_ip_eq(&a->dst, &b->dst) &&
	       (a->flags & 0x08) == (b->flags & 0x08); /* NTF_PROXY entries are separate */
}

int ct_neigh_upsert(struct ct_netns *ns, const struct ct_neigh *nb)
{
	for (size_t i = 0; i < ns->neighs.n; i++) {
		if (ct_neigh_same_key(&ns->neighs.v[i], nb)) {
			ns->neighs.v[i] = *nb;
			return 0;
		}
	}
	struct ct_neigh *n = ct_push_neigh(ns);
	if (!n)
		return -ENOMEM;
	*n = *nb;
	return 0;
}

int ct_neigh_delete(struct ct_netns *ns, const struct ct_neigh *key)
{
	for (size_t i = 0; i < ns->neighs.n; i++) {
		if (ct_neigh_same_key(&ns->neighs.v[i], key)) {
			ns->neighs.v[i] = ns->neighs.v[--ns->neighs.n];
			return 0;
		}
	}
	return -ENOENT;
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
