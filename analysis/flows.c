/* SPDX-License-Identifier: MIT */
/* Flows from decoded packets (see flows.h). Pure: no I/O, no printing. */
#include "analysis/flows.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define US_PER_S     1000000ull
#define EVICT_SAMPLE 8

enum { IPP_ICMP = 1, IPP_IPIP = 4, IPP_TCP = 6, IPP_UDP = 17, IPP_IPV6 = 41, IPP_ICMP6 = 58 };

int ct_flows_init(struct ct_flows *t, size_t max)
{
	memset(t, 0, sizeof(*t));
	t->max = max ? max : CT_FLOWS_MAX_DEFAULT;
	if (t->max > UINT32_MAX - 1)
		t->max = UINT32_MAX - 1;
	t->pairs = calloc(CT_FLOWS_PAIR_SLOTS, sizeof(*t->pairs));
	return t->pairs ? 0 : -1;
}

void ct_flows_free(struct ct_flows *t)
{
	free(t->e);
	free(t->bucket);
	free(t->pairs);
	memset(t, 0, sizeof(*t));
}

bool ct_icmp_is_error(bool v6, uint8_t type)
{
	if (v6)
		return type >= 1 && type <= 4;
	return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
}

static bool icmp_is_echo(bool v6, uint8_t type)
{
	return v6 ? type == 128 || type == 129 : type == 0 || type == 8;
}

const char *ct_flow_err_note(bool v6, uint8_t type, uint8_t code, uint8_t quoted_proto, bool tunnel)
{
	if (v6) {
		if (type == 2)
			return "packet too big: the path's MTU is smaller than the packets; lower "
			       "the "
			       "pod (and tunnel) MTU";
		if (type == 1 && code == 1)
			return "administratively prohibited: a firewall rejects it";
		if (type == 1 && code == 4)
			return tunnel
				   ? "port unreachable for the VXLAN port: the far node does not "
				     "listen for VXLAN there (no vxlan.calico, or another port)"
				   : "port unreachable: nothing listens on that port";
		if (type == 1)
			return "unreachable: no route to it from the router that answered";
		if (type == 3)
			return "hop limit exceeded: a routing loop, or a traceroute";
		return NULL;
	}
	if (type == 3) {
		switch (code) {
		case 0:
		case 1:
			return "net/host unreachable: the router that answered has no route to it "
			       "(or its ARP for the next hop failed)";
		case 2:
			if (quoted_proto == IPP_IPIP)
				return "protocol 4 unreachable: IPIP not accepted by the far node "
				       "(no "
				       "IPIP tunnel device there, or IPIP is off on that node)";
			return "protocol unreachable: the far end does not speak this protocol";
		case 3:
			return tunnel
				   ? "port unreachable for the VXLAN port: the far node does not "
				     "listen for VXLAN there (no vxlan.calico, or another port)"
				   : "port unreachable: nothing listens on that port";
		case 4:
			return "fragmentation needed: the path's MTU is smaller than the packets "
			       "and "
			       "DF is set; lower the pod (and tunnel) MTU (IPIP takes 20 bytes, "
			       "VXLAN 50)";
		case 9:
		case 10:
		case 13:
			return "administratively prohibited: a firewall rejects it";
		default:
			return NULL;
		}
	}
	if (type == 11)
		return code == 0
			   ? "TTL exceeded: a routing loop, or a traceroute"
			   : "fragment reassembly time exceeded: fragments are lost on the way";
	if (type == 5)
		return "redirect: the sender uses a next hop that is not the best one";
	if (type == 12)
		return "parameter problem: a router found a bad header";
	return NULL;
}

/* ---- keys ---- */

static size_t ip_len(uint8_t family)
{
	return family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0;
}

/* unused address bytes zeroed, so keys compare and hash as raw bytes */
static void ip_norm(struct ct_ip *o, const struct ct_ip *i)
{
	memset(o, 0, sizeof(*o));
	o->family = i->family;
	memcpy(o->a, i->a, ip_len(i->family));
}

static int endpoint_cmp(const struct ct_ip *a, uint16_t ap, const struct ct_ip *b, uint16_t bp)
{
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	int c = memcmp(a->a, b->a, 16);
	if (c)
		return c;
	return ap < bp ? -1 : ap > bp ? 1 : 0;
}

/* dir: 0 when src is the key's a side */
static void key_make(struct ct_flow_key *k, uint8_t *dir, const struct ct_ip *src,
		     const struct ct_ip *dst, uint16_t sport, uint16_t dport, uint8_t proto,
		     bool has_vni, uint32_t vni)
{
	struct ct_ip s, d;
	memset(k, 0, sizeof(*k));
	ip_norm(&s, src);
	ip_norm(&d, dst);
	if (endpoint_cmp(&s, sport, &d, dport) <= 0) {
		k->a = s, k->aport = sport, k->b = d, k->bport = dport;
		*dir = 0;
	} else {
		k->a = d, k->aport = dport, k->b = s, k->bport = sport;
		*dir = 1;
	}
	k->proto = proto;
	k->has_vni = has_vni;
	k->vni = has_vni ? vni : 0;
}

static bool key_eq(const struct ct_flow_key *x, const struct ct_flow_key *y)
{
	return memcmp(x, y, sizeof(*x)) == 0;
}

static uint64_t mix64(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	return h;
}

static uint64_t hash_bytes(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint64_t h = 0x9e3779b97f4a7c15ull ^ n;
	while (n >= 8) {
		uint64_t w;
		memcpy(&w, b, 8);
		h = mix64(h ^ w);
		b += 8;
		n -= 8;
	}
	uint64_t w = 0;
	memcpy(&w, b, n);
	return mix64(h ^ w);
}

/* The VNI stays out of the hash: a tuple's entries with and without a VNI share a
 * chain, so a decapsulated copy (vxlan.calico, caliX) finds its VXLAN flow. */
static uint64_t key_hash(const struct ct_flow_key *k)
{
	return hash_bytes(k, offsetof(struct ct_flow_key, has_vni));
}

static bool tuple_eq(const struct ct_flow_key *x, const struct ct_flow_key *y)
{
	return memcmp(x, y, offsetof(struct ct_flow_key, has_vni)) == 0;
}

/* A plain packet of a tuple carried in VXLAN elsewhere takes that flow's VNI; a
 * VXLAN packet gives its VNI to plain entries of its tuple seen before (unless
 * that interface already has an entry with the VNI). */
static void vni_adopt(struct ct_flows *t, struct ct_flow_key *k)
{
	if (!t->nbucket)
		return;
	uint32_t head = t->bucket[key_hash(k) & (t->nbucket - 1)];
	if (!k->has_vni) {
		uint64_t best = 0;
		for (uint32_t i = head; i; i = t->e[i - 1].next) {
			const struct ct_flow *f = &t->e[i - 1];
			uint64_t l =
			    f->d[0].last_us > f->d[1].last_us ? f->d[0].last_us : f->d[1].last_us;
			if (f->key.has_vni && tuple_eq(&f->key, k) && (!k->has_vni || l > best)) {
				k->has_vni = true;
				k->vni = f->key.vni;
				best = l;
			}
		}
		return;
	}
	for (uint32_t i = head; i; i = t->e[i - 1].next) {
		struct ct_flow *f = &t->e[i - 1];
		if (f->key.has_vni || !tuple_eq(&f->key, k))
			continue;
		bool taken = false;
		for (uint32_t j = head; j && !taken; j = t->e[j - 1].next)
			taken = key_eq(&t->e[j - 1].key, k) && t->e[j - 1].iface == f->iface;
		if (!taken) {
			f->key.has_vni = true;
			f->key.vni = k->vni;
		}
	}
}

/* ---- table ---- */

static uint64_t ent_last(const struct ct_flow *f)
{
	uint64_t l = f->d[0].last_us > f->d[1].last_us ? f->d[0].last_us : f->d[1].last_us;
	return f->err.last_us > l ? f->err.last_us : l;
}

static void bucket_link(struct ct_flows *t, uint32_t idx)
{
	size_t b = key_hash(&t->e[idx].key) & (t->nbucket - 1);
	t->e[idx].next = t->bucket[b];
	t->bucket[b] = idx + 1;
}

static int grow(struct ct_flows *t)
{
	size_t na = t->n_alloc ? t->n_alloc * 2 : 64;
	if (na > t->max)
		na = t->max;
	struct ct_flow *e = realloc(t->e, na * sizeof(*e));
	if (!e)
		return -1;
	t->e = e;
	t->n_alloc = na;
	size_t nb = t->nbucket ? t->nbucket : 64;
	while (nb < na)
		nb *= 2;
	if (nb != t->nbucket) {
		uint32_t *b = calloc(nb, sizeof(*b));
		if (!b)
			return -1;
		free(t->bucket);
		t->bucket = b;
		t->nbucket = nb;
		for (size_t i = 0; i < t->top; i++)
			if (t->e[i].used)
				bucket_link(t, (uint32_t)i);
	}
	return 0;
}

static void unlink_ent(struct ct_flows *t, uint32_t idx)
{
	size_t b = key_hash(&t->e[idx].key) & (t->nbucket - 1);
	uint32_t *pp = &t->bucket[b];
	while (*pp && *pp != idx + 1)
		pp = &t->e[*pp - 1].next;
	if (*pp)
		*pp = t->e[idx].next;
}

/* Evicts the least recently seen of a few entries from the sampling hand. */
static void evict_one(struct ct_flows *t)
{
	uint32_t best = UINT32_MAX;
	uint64_t best_last = UINT64_MAX;
	for (size_t tried = 0, seen = 0; tried < t->top && seen < EVICT_SAMPLE; tried++) {
		size_t i = t->hand++ % t->top;
		if (!t->e[i].used)
			continue;
		seen++;
		uint64_t l = ent_last(&t->e[i]);
		if (l < best_last) {
			best_last = l;
			best = (uint32_t)i;
		}
	}
	if (best == UINT32_MAX)
		return;
	unlink_ent(t, best);
	t->e[best].used = false;
	t->e[best].next = t->free_head;
	t->free_head = best + 1;
	t->used--;
	t->evicted++;
}

/* A fresh entry for key on iface, linked in its bucket. Index or -1. */
static int64_t ent_new(struct ct_flows *t, const struct ct_flow_key *k, uint16_t iface, uint8_t dir,
		       uint64_t ts)
{
	if (t->used >= t->max)
		evict_one(t);
	uint32_t idx;
	if (t->free_head) {
		idx = t->free_head - 1;
		t->free_head = t->e[idx].next;
	} else {
		if (t->top == t->n_alloc && grow(t) < 0)
			return -1;
		if (t->top == t->n_alloc)
			return -1;
		idx = (uint32_t)t->top++;
	}
	struct ct_flow *f = &t->e[idx];
	memset(f, 0, sizeof(*f));
	f->key = *k;
	f->iface = iface;
	f->init_dir = dir;
	f->first_us = ts;
	f->used = true;
	bucket_link(t, idx);
	t->used++;
	return idx;
}

/* The entry for (key, iface), or with any_iface the first entry of key (preferring iface). */
static int64_t ent_find(const struct ct_flows *t, const struct ct_flow_key *k, uint16_t iface,
			bool any_iface)
{
	if (!t->nbucket)
		return -1;
	int64_t first = -1;
	for (uint32_t i = t->bucket[key_hash(k) & (t->nbucket - 1)]; i; i = t->e[i - 1].next) {
		const struct ct_flow *f = &t->e[i - 1];
		if (!key_eq(&f->key, k))
			continue;
		if (f->iface == iface)
			return i - 1;
		if (first < 0)
			first = i - 1;
	}
	return any_iface ? first : -1;
}

static void ports_of(const struct ct_pkt_l4 *l4, uint8_t proto, uint16_t *sp, uint16_t *dp)
{
	*sp = *dp = 0;
	if (!l4->present)
		return;
	if (proto == IPP_TCP || proto == IPP_UDP) {
		*sp = l4->sport;
		*dp = l4->dport;
	} else if ((proto == IPP_ICMP || proto == IPP_ICMP6) &&
		   icmp_is_echo(proto == IPP_ICMP6, l4->icmp_type)) {
		*sp = *dp = l4->icmp_id;
	}
}

static bool err_same_kind(const struct ct_flow_err *a, const struct ct_flow_err *b)
{
	return a->v6 == b->v6 && a->type == b->type && a->code == b->code &&
	       a->quoted_proto == b->quoted_proto;
}

/* Counts an error of one kind once per interface: the first interface that saw
 * it keeps counting. Another kind replaces it. */
static void err_merge(struct ct_flow_err *dst, const struct ct_flow_err *e)
{
	if (!dst->count || !err_same_kind(dst, e)) {
		*dst = *e;
		return;
	}
	if (dst->iface != e->iface)
		return;
	uint32_t n = dst->count + 1;
	*dst = *e;
	dst->count = n;
}

/* A pair keeps CT_FLOW_ERR_KINDS kinds; a new kind replaces the least recent. */
static void pair_merge(struct ct_flow_pair *pr, const struct ct_flow_err *e)
{
	int old = 0;
	for (int k = 0; k < CT_FLOW_ERR_KINDS; k++) {
		if (pr->err[k].count && err_same_kind(&pr->err[k], e)) {
			err_merge(&pr->err[k], e);
			return;
		}
		if (!pr->err[k].count) {
			pr->err[k] = *e;
			return;
		}
		if (pr->err[k].last_us < pr->err[old].last_us)
			old = k;
	}
	pr->err[old] = *e;
}

static size_t pair_slot(const struct ct_ip *src, const struct ct_ip *dst)
{
	struct ct_ip p[2];
	ip_norm(&p[0], src);
	ip_norm(&p[1], dst);
	return hash_bytes(p, sizeof(p)) & (CT_FLOWS_PAIR_SLOTS - 1);
}

static const struct ct_flow_pair *pair_find(const struct ct_flows *t, const struct ct_ip *src,
					    const struct ct_ip *dst, int *slot)
{
	size_t i = pair_slot(src, dst);
	const struct ct_flow_pair *p = &t->pairs[i];
	if (p->used && ct_ip_eq(&p->src, src) && ct_ip_eq(&p->dst, dst)) {
		*slot = (int)i;
		return p;
	}
	return NULL;
}

static void add_error(struct ct_flows *t, const struct ct_pkt *p, const struct ct_pkt_ip *ip,
		      const struct ct_pkt_l4 *l4, uint64_t ts, uint16_t iface)
{
	t->errors++;
	if (!l4->quoted_present || !l4->quoted.present)
		return;
	const struct ct_pkt_ip *q = &l4->quoted;
	struct ct_flow_err e = {
	    .count = 1,
	    .iface = iface,
	    .v6 = l4->proto == IPP_ICMP6,
	    .type = l4->icmp_type,
	    .code = l4->icmp_code,
	    .mtu = l4->icmp_mtu,
	    .quoted_proto = q->proto,
	    .last_us = ts,
	};
	ip_norm(&e.from, &ip->src);
	/* the flow it quotes (same VNI: the error travels the tunnel the flow did) */
	struct ct_flow_key k;
	uint8_t dir;
	uint16_t sp = 0, dp = 0;
	if (q->proto == IPP_TCP || q->proto == IPP_UDP || q->proto == IPP_ICMP ||
	    q->proto == IPP_ICMP6)
		sp = l4->quoted_sport, dp = l4->quoted_dport;
	key_make(&k, &dir, &q->src, &q->dst, sp, dp, q->proto, p->encap == CT_ENCAP_VXLAN, p->vni);
	int64_t i = ent_find(t, &k, iface, true);
	if (i < 0) {
		vni_adopt(t, &k);
		i = ent_find(t, &k, iface, true);
	}
	if (i >= 0) {
		err_merge(&t->e[i].err, &e);
		return;
	}
	/* else it quotes an outer header (IPIP, VXLAN) or a flow not seen (yet): keep it by
	 * its pair; summaries match it against their outer (or own) pair */
	struct ct_flow_pair *pr = &t->pairs[pair_slot(&q->src, &q->dst)];
	if (!pr->used || !ct_ip_eq(&pr->src, &q->src) || !ct_ip_eq(&pr->dst, &q->dst)) {
		memset(pr, 0, sizeof(*pr));
		pr->used = true;
		ip_norm(&pr->src, &q->src);
		ip_norm(&pr->dst, &q->dst);
	}
	pair_merge(pr, &e);
}

int ct_flows_add(struct ct_flows *t, const struct ct_pkt *p, uint64_t ts_us, uint16_t iface)
{
	const struct ct_pkt_ip *ip;
	const struct ct_pkt_l4 *l4;
	bool encap = p->encap != CT_ENCAP_NONE;
	if (encap) {
		ip = &p->inner;
		l4 = &p->inner_l4;
	} else {
		ip = &p->outer;
		l4 = &p->outer_l4;
	}
	if (!ip->present || !ct_ip_is_set(&ip->src))
		return 0;
	if (ts_us > t->now_us)
		t->now_us = ts_us;
	if (l4->present && (l4->proto == IPP_ICMP || l4->proto == IPP_ICMP6) &&
	    ct_icmp_is_error(l4->proto == IPP_ICMP6, l4->icmp_type)) {
		add_error(t, p, ip, l4, ts_us, iface);
		return 0;
	}
	struct ct_flow_key k;
	uint8_t dir;
	uint16_t sp, dp;
	ports_of(l4, ip->proto, &sp, &dp);
	key_make(&k, &dir, &ip->src, &ip->dst, sp, dp, ip->proto, p->encap == CT_ENCAP_VXLAN,
		 p->vni);
	int64_t i = ent_find(t, &k, iface, false);
	if (i < 0) {
		vni_adopt(t, &k);
		i = ent_find(t, &k, iface, false);
	}
	if (i < 0) {
		i = ent_new(t, &k, iface, dir, ts_us);
		if (i < 0)
			return -1;
	}
	struct ct_flow *f = &t->e[i];
	struct ct_flow_dir *d = &f->d[dir];
	if (!d->packets || ts_us < d->first_us)
		d->first_us = ts_us;
	if (ts_us > d->last_us)
		d->last_us = ts_us;
	if (ts_us < f->first_us) {
		f->first_us = ts_us;
		f->init_dir = dir;
	}
	d->packets++;
	d->bytes += ip->total_len ? ip->total_len : p->len;
	if (encap) {
		d->seen |= CT_FLOW_SEEN_ENCAP;
		d->encap = (uint8_t)p->encap;
		ip_norm(&d->outer_src, &p->outer.src);
		ip_norm(&d->outer_dst, &p->outer.dst);
		if (p->encap == CT_ENCAP_VXLAN && p->outer_l4.present) {
			d->outer_sport = p->outer_l4.sport;
			d->outer_dport = p->outer_l4.dport;
		}
	} else {
		d->seen |= CT_FLOW_SEEN_PLAIN;
	}
	return 0;
}

/* ---- summaries ---- */

static const char *one_way_note(uint8_t encap)
{
	switch (encap) {
	case CT_ENCAP_IPIP:
		return "IPIP requests and no reply: IP protocol 4 is blocked between the nodes (a "
		       "cloud firewall or security group), the far node drops it, or the reply "
		       "takes "
		       "another path (asymmetric routing)";
	case CT_ENCAP_VXLAN:
		return "VXLAN requests and no reply: the VXLAN UDP port is blocked between the "
		       "nodes "
		       "(a cloud firewall or security group), the far node drops it, or the reply "
		       "takes another path (asymmetric routing)";
	case CT_ENCAP_SIT:
		return "IPv6-in-IPv4 requests and no reply: IP protocol 41 is blocked between the "
		       "nodes, the far node drops it, or the reply takes another path";
	default:
		return "no reply seen on the captured interfaces: the far end does not answer, a "
		       "policy drops it, or the reply takes another path";
	}
}

static const char *const asym_note =
    "one direction encapsulated and the other not on the same interface: the two nodes route "
    "this pair differently (asymmetric routing, or a tunnel mode that differs between them)";

static void sum_build(const struct ct_flows *t, struct ct_flow_sum *s, uint32_t head,
		      uint64_t now_us)
{
	const struct ct_flow_key *k = &t->e[head].key;
	memset(s, 0, sizeof(*s));
	/* orientation: the earliest entry's first packet */
	uint64_t first = UINT64_MAX;
	uint8_t fwd = 0;
	for (uint32_t i = head + 1; i; i = t->e[i - 1].next) {
		const struct ct_flow *f = &t->e[i - 1];
		if (key_eq(&f->key, k) && f->first_us < first) {
			first = f->first_us;
			fwd = f->init_dir;
		}
	}
	s->fwd = fwd;
	if (fwd == 0) {
		s->src = k->a, s->sport = k->aport, s->dst = k->b, s->dport = k->bport;
	} else {
		s->src = k->b, s->sport = k->bport, s->dst = k->a, s->dport = k->aport;
	}
	s->proto = k->proto;
	s->has_vni = k->has_vni;
	s->vni = k->vni;
	s->first_us = UINT64_MAX;
	uint64_t enc_best[2] = {0, 0};
	for (uint32_t i = head + 1; i; i = t->e[i - 1].next) {
		const struct ct_flow *f = &t->e[i - 1];
		if (!key_eq(&f->key, k))
			continue;
		if (s->n_ent < CT_FLOW_SUM_IFACES)
			s->ent[s->n_ent++] = i - 1;
		s->n_ifaces++;
		for (int sd = 0; sd < 2; sd++) {
			const struct ct_flow_dir *d = &f->d[sd == 0 ? fwd : 1 - fwd];
			if (d->packets > s->packets[sd])
				s->packets[sd] = d->packets;
			if (d->bytes > s->bytes[sd])
				s->bytes[sd] = d->bytes;
			if (d->packets && d->first_us < s->first_us)
				s->first_us = d->first_us;
			if (d->last_us > s->last_us)
				s->last_us = d->last_us;
			if ((d->seen & CT_FLOW_SEEN_ENCAP) && d->packets > enc_best[sd]) {
				enc_best[sd] = d->packets;
				s->encap[sd] = d->encap;
				s->outer_src[sd] = d->outer_src;
				s->outer_dst[sd] = d->outer_dst;
				s->outer_sport[sd] = d->outer_sport;
				s->outer_dport[sd] = d->outer_dport;
			}
		}
		for (int sd = 0; sd < 2; sd++) {
			const struct ct_flow_dir *a = &f->d[sd], *b = &f->d[1 - sd];
			if (a->seen == CT_FLOW_SEEN_ENCAP && b->seen == CT_FLOW_SEEN_PLAIN)
				s->asymmetric = true;
		}
		if (f->err.count && (!s->n_err || f->err.count > s->err[0].count)) {
			s->n_err = 1;
			s->err[0] = f->err;
		}
	}
	if (s->first_us == UINT64_MAX)
		s->first_us = first;
	/* one direction only, and not just a request whose reply may be on its way:
	 * at least two packets unanswered, or the first a second old */
	bool any0 = s->packets[0] > 0, any1 = s->packets[1] > 0;
	if (any0 != any1 && (s->packets[0] + s->packets[1] >= 2 ||
			     (now_us >= s->first_us && now_us - s->first_us >= US_PER_S)))
		s->one_way = true;
	if (s->one_way)
		s->note = one_way_note(s->encap[any0 ? 0 : 1]);
	else if (s->asymmetric)
		s->note = asym_note;
	/* errors kept by pair: a tunnel's outer pair, or the flow's own pair */
	s->err_pair = -1;
	for (int sd = 0; sd < 2 && !s->n_err; sd++) {
		int slot = -1;
		const struct ct_flow_pair *pr = NULL;
		bool tunnel = s->encap[sd] != CT_ENCAP_NONE;
		if (tunnel)
			pr = pair_find(t, &s->outer_src[sd], &s->outer_dst[sd], &slot);
		if (!pr) {
			tunnel = false;
			pr = sd == 0 ? pair_find(t, &s->src, &s->dst, &slot)
				     : pair_find(t, &s->dst, &s->src, &slot);
		}
		if (!pr)
			continue;
		for (int ek = 0; ek < CT_FLOW_ERR_KINDS; ek++) {
			const struct ct_flow_err *e = &pr->err[ek];
			if (!e->count || (!tunnel && e->quoted_proto != s->proto))
				continue;
			s->err_tunnel[s->n_err] = tunnel;
			s->err[s->n_err++] = *e;
			s->err_pair = slot;
		}
		/* the most recent first */
		if (s->n_err == 2 && s->err[1].last_us > s->err[0].last_us) {
			struct ct_flow_err x = s->err[0];
			bool tx = s->err_tunnel[0];
			s->err[0] = s->err[1];
			s->err_tunnel[0] = s->err_tunnel[1];
			s->err[1] = x;
			s->err_tunnel[1] = tx;
		}
	}
	for (int ek = 0; ek < s->n_err; ek++)
		s->err_note[ek] = ct_flow_err_note(s->err[ek].v6, s->err[ek].type, s->err[ek].code,
						   s->err[ek].quoted_proto, s->err_tunnel[ek]);
}

static int rank_cmp(const void *x, const void *y)
{
	const struct ct_flow_rank *a = x, *b = y;
	if (a->bytes != b->bytes)
		return a->bytes > b->bytes ? -1 : 1;
	return a->head < b->head ? -1 : a->head > b->head;
}

void ct_flow_summary(const struct ct_flows *t, uint32_t head, uint64_t now_us,
		     struct ct_flow_sum *s)
{
	sum_build(t, s, head, now_us);
}

bool ct_flows_view_orphan(const struct ct_flows *t, const struct ct_flows_view *v, size_t i)
{
	return i < CT_FLOWS_PAIR_SLOTS && t->pairs[i].used &&
	       !(v->pair_used[i / 8] & (1u << (i % 8)));
}

static void orphans_count(const struct ct_flows *t, struct ct_flows_view *v)
{
	for (size_t i = 0; i < CT_FLOWS_PAIR_SLOTS; i++)
		if (ct_flows_view_orphan(t, v, i))
			for (int k = 0; k < CT_FLOW_ERR_KINDS; k++)
				v->orphans += t->pairs[i].err[k].count > 0;
}

int ct_flows_rank(const struct ct_flows *t, uint64_t now_us, struct ct_flows_view *out)
{
	memset(out, 0, sizeof(*out));
	if (!t->used) {
		orphans_count(t, out);
		return 0;
	}
	out->v = malloc(t->used * sizeof(*out->v));
	if (!out->v)
		return -1;
	size_t k = 0;
	struct ct_flow_sum s;
	for (size_t b = 0; b < t->nbucket; b++) {
		for (uint32_t i = t->bucket[b]; i; i = t->e[i - 1].next) {
			/* one flow per key: at the key's first entry in the chain */
			bool dup = false;
			for (uint32_t j = t->bucket[b]; j != i; j = t->e[j - 1].next)
				if (key_eq(&t->e[j - 1].key, &t->e[i - 1].key)) {
					dup = true;
					break;
				}
			if (dup || k >= t->used)
				continue;
			sum_build(t, &s, i - 1, now_us);
			out->v[k].bytes = s.bytes[0] + s.bytes[1];
			out->v[k++].head = i - 1;
			out->one_way += s.one_way;
			out->asymmetric += s.asymmetric;
			out->with_errors += s.n_err > 0;
			if (s.err_pair >= 0)
				out->pair_used[s.err_pair / 8] |= (uint8_t)(1u << (s.err_pair % 8));
		}
	}
	orphans_count(t, out);
	qsort(out->v, k, sizeof(*out->v), rank_cmp);
	out->n = k;
	return 0;
}

void ct_flows_view_free(struct ct_flows_view *v)
{
	free(v->v);
	memset(v, 0, sizeof(*v));
}
