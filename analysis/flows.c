/* SPDX-License-Identifier: MIT */
/* Flows from decoded packets (see flows.h). Pure: no I/O, no printing. */
#include "analysis/flows.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>

#define US_PER_S   1000000ull
#define GROW_FIRST 1024u	 /* entries allocated first */
#define NONE	   UINT32_MAX /* no entry */

_Static_assert(sizeof(struct ct_flow) == 96, "a flow entry is 96 bytes: see flows.h");

enum { IPP_ICMP = 1, IPP_IPIP = 4, IPP_TCP = 6, IPP_UDP = 17, IPP_IPV6 = 41, IPP_ICMP6 = 58 };

/* The entries and the index live in anonymous mappings: they start zeroed and
 * only the pages touched count. Both ask for transparent huge pages, aligned:
 * on this project's VMs first-touching 24 MB in 4 KB pages costs about 13 ms
 * (6,000 faults, a third of a bare pcap loop over the bench file), in 2 MB
 * pages about 2 ms. The entries reserve room for the cap at their first use
 * (MAP_NORESERVE: untouched pages cost nothing, and no mremap moves them off
 * the 2 MB alignment); growing by mremap is the fallback when that fails. The
 * index is sized for min(cap, the default cap) from the start (no rehash on the
 * way up). The price: a capture of a few flows touches one huge page of each,
 * about 4 MB more than with 4 KB pages. */
#define HUGE_MIN (2u << 20)

static void *big_map(size_t bytes, bool huge)
{
	/* from 2 MB on, aligned to 2 MB so huge pages can cover all of it */
	huge = huge && bytes >= HUGE_MIN;
	size_t slack = huge ? HUGE_MIN : 0;
	uint8_t *p = mmap(NULL, bytes + slack, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	if (slack) {
		size_t head = (HUGE_MIN - (uintptr_t)p % HUGE_MIN) % HUGE_MIN;
		if (head)
			munmap(p, head);
		if (slack - head)
			munmap(p + head + bytes, slack - head);
		p += head;
	}
#if defined(MADV_HUGEPAGE) && !defined(CT_NO_THP)
	if (huge)
		madvise(p, bytes, MADV_HUGEPAGE); /* a hint: without it, 4 KB pages */
#endif
	return p;
}

static void *big_remap(void *old, size_t old_bytes, size_t bytes)
{
	if (!old)
		return big_map(bytes, true);
	void *p = mremap(old, old_bytes, bytes, MREMAP_MAYMOVE);
	if (p == MAP_FAILED)
		return NULL;
#if defined(MADV_HUGEPAGE) && !defined(CT_NO_THP)
	if (bytes >= HUGE_MIN)
		madvise(p, bytes, MADV_HUGEPAGE);
#endif
	return p;
}

static void big_unmap(void *p, size_t bytes)
{
	if (p)
		munmap(p, bytes);
}

int ct_flows_init(struct ct_flows *t, size_t max)
{
	memset(t, 0, sizeof(*t));
	t->max = max ? max : CT_FLOWS_MAX_DEFAULT;
	if (t->max > CT_FLOWS_MAX_LIMIT)
		t->max = CT_FLOWS_MAX_LIMIT;
	t->pairs = calloc(CT_FLOWS_PAIR_SLOTS, sizeof(*t->pairs));
	return t->pairs ? 0 : -1;
}

void ct_flows_free(struct ct_flows *t)
{
	big_unmap(t->e, t->n_alloc * sizeof(*t->e));
	big_unmap(t->slot, t->nslot * sizeof(*t->slot));
	free(t->pairs);
	free(t->errs);
	free(t->outers);
	free(t->wide);
	big_unmap(t->oslot, t->n_oslot * sizeof(*t->oslot));
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

static inline uint64_t ld64(const void *p, size_t off)
{
	uint64_t w;
	memcpy(&w, (const uint8_t *)p + off, 8);
	return w;
}

/* five words to 32 bits: independent multiplies, then a finalizer */
static inline uint32_t hash5(uint64_t w0, uint64_t w1, uint64_t w2, uint64_t w3, uint64_t w4)
{
	uint64_t h = (w0 * 0xbf58476d1ce4e5b9ull) ^ (w1 * 0x94d049bb133111ebull) ^
		     (w2 * 0x9e3779b97f4a7c15ull) ^ (w3 * 0xc2b2ae3d27d4eb4full) ^
		     (w4 * 0x165667b19e3779f9ull);
	h ^= h >> 32;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 29;
	h *= 0xc4ceb9fe1a85ec53ull;
	return (uint32_t)(h ^ (h >> 32));
}

/* the 17 bytes of an address */
static bool ip_same(const struct ct_ip *x, const struct ct_ip *y)
{
	return ((ld64(x, 0) ^ ld64(y, 0)) | (ld64(x, 8) ^ ld64(y, 8)) | (ld64(x, 9) ^ ld64(y, 9))) ==
	       0;
}

static inline uint64_t be64(const uint8_t *p)
{
	uint64_t w;
	memcpy(&w, p, 8);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	w = __builtin_bswap64(w);
#endif
	return w;
}

/* unused address bytes zeroed, so keys compare and hash as raw bytes */
static inline void ip_norm(struct ct_ip *o, const struct ct_ip *i)
{
	memset(o, 0, sizeof(*o));
	o->family = i->family;
	/* fixed sizes: inlined stores, not a memcpy call */
	if (i->family == AF_INET)
		memcpy(o->a, i->a, 4);
	else if (i->family == AF_INET6)
		memcpy(o->a, i->a, 16);
}

/* dir: 0 when src is the key's a side. The order is endpoint_cmp's on the
 * normalized addresses, computed on the address bytes in use only. */
static void key_make(struct ct_flow_key *k, uint8_t *dir, const struct ct_ip *src,
		     const struct ct_ip *dst, uint16_t sport, uint16_t dport, uint8_t proto,
		     bool has_vni, uint32_t vni)
{
	int c;
	if (src->family != dst->family) {
		c = src->family < dst->family ? -1 : 1;
	} else {
		uint64_t x = 0, y = 0;
		if (src->family == AF_INET) {
			x = be64(src->a) >> 32, y = be64(dst->a) >> 32;
		} else if (src->family == AF_INET6) {
			x = be64(src->a), y = be64(dst->a);
			if (x == y)
				x = be64(src->a + 8), y = be64(dst->a + 8);
		}
		c = x < y ? -1 : x > y ? 1 : sport < dport ? -1 : sport > dport ? 1 : 0;
	}
	memset(k, 0, sizeof(*k));
	*dir = c > 0;
	ip_norm(&k->a, *dir ? dst : src);
	ip_norm(&k->b, *dir ? src : dst);
	k->aport = *dir ? dport : sport;
	k->bport = *dir ? sport : dport;
	k->proto = proto;
	k->has_vni = has_vni;
	k->vni = has_vni ? vni : 0;
}

#define TUPLE_LEN offsetof(struct ct_flow_key, has_vni)
_Static_assert(sizeof(struct ct_flow_key) == 44 && TUPLE_LEN == 39, "key layout");

/* the 5-tuple's 39 bytes: four words and one overlapping the fourth */
static bool tuple_eq(const struct ct_flow_key *x, const struct ct_flow_key *y)
{
	return ((ld64(x, 0) ^ ld64(y, 0)) | (ld64(x, 8) ^ ld64(y, 8)) | (ld64(x, 16) ^ ld64(y, 16)) |
		(ld64(x, 24) ^ ld64(y, 24)) | (ld64(x, 31) ^ ld64(y, 31))) == 0;
}

static bool key_eq(const struct ct_flow_key *x, const struct ct_flow_key *y)
{
	return tuple_eq(x, y) && ld64(x, 36) == ld64(y, 36);
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

/* The index's tag: the hash of the 5-tuple. The VNI and the interface stay out, so
 * a tuple's entries (one per interface, with and without a VNI) share a probe run
 * and a decapsulated copy (vxlan.calico, caliX) finds its VXLAN flow. */
static inline uint32_t tuple_tag(const struct ct_flow_key *k)
{
	/* the tuple's 39 bytes as in tuple_eq: the last word overlaps the fourth by one */
	return hash5(ld64(k, 0), ld64(k, 8), ld64(k, 16), ld64(k, 24), ld64(k, 31));
}

/* key_make and tuple_tag for two IPv4 addresses, with the key written in whole
 * words and its tag hashed from the same words in registers: hashing the key
 * back from memory right after byte and halfword stores made every load wait
 * for those stores (a failed store forward, five times a packet, just before
 * the index slot's address is known). The same bytes and the same tag as
 * key_make and tuple_tag; little-endian only (the words are the bytes as
 * ld64 reads them). */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
_Static_assert(offsetof(struct ct_flow_key, a) == 0 && offsetof(struct ct_flow_key, b) == 17 &&
		   offsetof(struct ct_flow_key, aport) == 34 &&
		   offsetof(struct ct_flow_key, bport) == 36 &&
		   offsetof(struct ct_flow_key, proto) == 38 &&
		   offsetof(struct ct_flow_key, has_vni) == 39 &&
		   offsetof(struct ct_flow_key, vni) == 40,
	       "key layout of key_make4");

static inline uint32_t key_make4(struct ct_flow_key *k, uint8_t *dir, const struct ct_ip *src,
				 const struct ct_ip *dst, uint16_t sport, uint16_t dport,
				 uint8_t proto, bool has_vni, uint32_t vni)
{
	uint32_t x, y;
	memcpy(&x, src->a, 4);
	memcpy(&y, dst->a, 4);
	uint32_t hx = __builtin_bswap32(x), hy = __builtin_bswap32(y);
	int c = hx < hy ? -1 : hx > hy ? 1 : sport < dport ? -1 : sport > dport ? 1 : 0;
	bool d = c > 0;
	uint32_t a = d ? y : x, b = d ? x : y;
	uint16_t ap = d ? dport : sport, bp = d ? sport : dport;
	/* scalars stored one word each (an array would go through the stack and
	 * be copied with wider loads: the same stall again) */
	uint64_t w0 = AF_INET | (uint64_t)a << 8;		 /* a.family, a.a[0..6] */
	uint64_t w2 = (uint64_t)AF_INET << 8 | (uint64_t)b << 16; /* a.a[15], b.family, b.a[0..5] */
	/* b.a[14..15], aport, bport, proto, has_vni */
	uint64_t w4 = (uint64_t)ap << 16 | (uint64_t)bp << 32 | (uint64_t)proto << 48 |
		      (uint64_t)has_vni << 56;
	uint64_t zero = 0; /* a.a[7..14], b.a[6..13] */
	uint8_t *kb = (uint8_t *)k;
	memcpy(kb, &w0, 8);
	memcpy(kb + 8, &zero, 8);
	memcpy(kb + 16, &w2, 8);
	memcpy(kb + 24, &zero, 8);
	memcpy(kb + 32, &w4, 8);
	uint32_t v = has_vni ? vni : 0;
	memcpy(&k->vni, &v, 4);
	*dir = d;
	/* the tuple's last word starts at byte 31 (b.a[13], which is 0 here) */
	return hash5(w0, 0, w2, 0, (w4 & 0x00ffffffffffffffull) << 8);
}
#endif

/* ---- open-addressing index (linear probing, no tombstones) ---- */

static void slot_put(struct ct_flow_slot *s, size_t n, uint32_t idx1, uint32_t tag)
{
	size_t m = n - 1, i = tag & m;
	while (s[i].idx)
		i = (i + 1) & m;
	s[i].idx = idx1;
	s[i].tag = tag;
}

/* Empties slot i and moves later members of its run back (backward-shift deletion). */
static void slot_del(struct ct_flow_slot *s, size_t n, size_t i)
{
	size_t m = n - 1, j = i;
	for (;;) {
		j = (j + 1) & m;
		if (!s[j].idx)
			break;
		size_t h = s[j].tag & m;
		/* s[j] may fill the hole at i unless its home lies cyclically in (i, j] */
		bool stays = i <= j ? (h > i && h <= j) : (h > i || h <= j);
		if (!stays) {
			s[i] = s[j];
			i = j;
		}
	}
	s[i].idx = 0;
	s[i].tag = 0;
}

/* Slot of idx1 (which must be there). */
static size_t slot_find(const struct ct_flow_slot *s, size_t n, uint32_t idx1, uint32_t tag)
{
	size_t m = n - 1, i = tag & m;
	while (s[i].idx != idx1)
		i = (i + 1) & m;
	return i;
}

/* Room for need members at load 1/2 or less. 0 or -1. */
static int slot_reserve(struct ct_flow_slot **sp, size_t *np, size_t need)
{
	size_t n = *np ? *np : 64;
	while (n < need * 2)
		n *= 2;
	if (n == *np)
		return 0;
	struct ct_flow_slot *s = big_map(n * sizeof(*s), true);
	if (!s)
		return -1;
	for (size_t i = 0; i < *np; i++)
		if ((*sp)[i].idx)
			slot_put(s, n, (*sp)[i].idx, (*sp)[i].tag);
	big_unmap(*sp, *np * sizeof(**sp));
	*sp = s;
	*np = n;
	return 0;
}

/* ---- side tables: outer pairs (shared, counted) and ICMP errors ---- */

static uint32_t outer_tag(const struct ct_ip *src, const struct ct_ip *dst, uint16_t dport,
			  uint8_t encap)
{
	/* 17-byte addresses: words at 0 and 9 cover each */
	return hash5(ld64(src, 0), ld64(src, 9), ld64(dst, 0), ld64(dst, 9),
		     (uint64_t)dport << 8 | encap);
}

static bool outer_is(const struct ct_flow_outer *o, const struct ct_ip *src,
		     const struct ct_ip *dst, uint16_t dport, uint8_t encap)
{
	return o->dport == dport && o->encap == encap && ip_same(&o->src, src) &&
	       ip_same(&o->dst, dst);
}

/* A reference to the outer pair (src, dst normalized): index + 1, 0 when out of memory. */
static uint32_t outer_get(struct ct_flows *t, const struct ct_ip *src, const struct ct_ip *dst,
			  uint16_t dport, uint8_t encap)
{
	uint32_t tag = outer_tag(src, dst, dport, encap);
	if (t->n_oslot) {
		size_t m = t->n_oslot - 1;
		for (size_t i = tag & m; t->oslot[i].idx; i = (i + 1) & m) {
			struct ct_flow_outer *o = &t->outers[t->oslot[i].idx - 1];
			if (t->oslot[i].tag == tag && outer_is(o, src, dst, dport, encap)) {
				o->refs++;
				return t->oslot[i].idx;
			}
		}
	}
	if (slot_reserve(&t->oslot, &t->n_oslot, t->outers_used + 1) < 0)
		return 0;
	uint32_t idx;
	if (t->outers_free) {
		idx = t->outers_free - 1;
		t->outers_free = t->outers[idx].next;
	} else {
		if (t->top_outers == t->n_outers) {
			size_t na = t->n_outers ? t->n_outers * 2 : 16;
			struct ct_flow_outer *v = realloc(t->outers, na * sizeof(*v));
			if (!v)
				return 0;
			t->outers = v;
			t->n_outers = na;
		}
		idx = (uint32_t)t->top_outers++;
	}
	struct ct_flow_outer *o = &t->outers[idx];
	memset(o, 0, sizeof(*o));
	o->src = *src;
	o->dst = *dst;
	o->dport = dport;
	o->encap = encap;
	o->refs = 1;
	slot_put(t->oslot, t->n_oslot, idx + 1, tag);
	t->outers_used++;
	return idx + 1;
}

static void outer_put(struct ct_flows *t, uint32_t idx1)
{
	struct ct_flow_outer *o = &t->outers[idx1 - 1];
	if (--o->refs)
		return;
	uint32_t tag = outer_tag(&o->src, &o->dst, o->dport, o->encap);
	slot_del(t->oslot, t->n_oslot, slot_find(t->oslot, t->n_oslot, idx1, tag));
	o->next = t->outers_free;
	t->outers_free = idx1;
	t->outers_used--;
}

/* The entry's error record, made (zeroed) when it has none. NULL: out of memory. */
static struct ct_flow_err *err_of(struct ct_flows *t, struct ct_flow *f)
{
	if (f->err)
		return &t->errs[f->err - 1].e;
	uint32_t idx;
	if (t->errs_free) {
		idx = t->errs_free - 1;
		t->errs_free = t->errs[idx].next;
	} else {
		if (t->top_errs == t->n_errs) {
			size_t na = t->n_errs ? t->n_errs * 2 : 16;
			struct ct_flow_errslot *v = realloc(t->errs, na * sizeof(*v));
			if (!v)
				return NULL;
			t->errs = v;
			t->n_errs = na;
		}
		idx = (uint32_t)t->top_errs++;
	}
	memset(&t->errs[idx], 0, sizeof(t->errs[idx]));
	f->err = idx + 1;
	return &t->errs[idx].e;
}

static const struct ct_flow_err *err_get(const struct ct_flows *t, const struct ct_flow *f)
{
	return f->err ? &t->errs[f->err - 1].e : NULL;
}

/* An entry's counters, wherever they are. */
static inline uint64_t ent_packets(const struct ct_flows *t, const struct ct_flow *f, int d)
{
	return f->flags & CT_FLOW_F_WIDE ? t->wide[f->packets[0] - 1].packets[d] : f->packets[d];
}

static inline uint64_t ent_bytes(const struct ct_flows *t, const struct ct_flow *f, int d)
{
	return f->flags & CT_FLOW_F_WIDE ? t->wide[f->packets[0] - 1].bytes[d] : f->bytes[d];
}

/* Moves the entry's counters to t->wide. 0 or -1 (no memory). */
static int ent_widen(struct ct_flows *t, struct ct_flow *f)
{
	uint32_t idx;
	if (t->wide_free) {
		idx = t->wide_free - 1;
		t->wide_free = (uint32_t)t->wide[idx].packets[0];
	} else {
		if (t->top_wide == t->n_wide) {
			size_t na = t->n_wide ? t->n_wide * 2 : 16;
			struct ct_flow_wide *v = realloc(t->wide, na * sizeof(*v));
			if (!v)
				return -1;
			t->wide = v;
			t->n_wide = na;
		}
		idx = (uint32_t)t->top_wide++;
	}
	struct ct_flow_wide *w = &t->wide[idx];
	for (int d = 0; d < 2; d++) {
		w->packets[d] = f->packets[d];
		w->bytes[d] = f->bytes[d];
	}
	f->packets[0] = idx + 1;
	f->packets[1] = f->bytes[0] = f->bytes[1] = 0;
	f->flags |= CT_FLOW_F_WIDE;
	return 0;
}

/* ---- table ---- */

/* The entries of one probe run: the entry for (k, iface), the key's entry with the
 * highest index (any interface), whether any entry has k's 5-tuple. */
struct run {
	uint32_t exact, any;
	bool tuple;
};

static void run_scan(const struct ct_flows *t, const struct ct_flow_key *k, uint32_t tag,
		     uint16_t iface, struct run *r)
{
	r->exact = r->any = NONE;
	r->tuple = false;
	if (!t->nslot)
		return;
	size_t m = t->nslot - 1;
	for (size_t i = tag & m; t->slot[i].idx; i = (i + 1) & m) {
		if (t->slot[i].tag != tag)
			continue;
		uint32_t x = t->slot[i].idx - 1;
		const struct ct_flow *f = &t->e[x];
		if (!tuple_eq(&f->key, k))
			continue;
		r->tuple = true;
		if (!key_eq(&f->key, k))
			continue;
		if (f->iface == iface)
			r->exact = x;
		if (r->any == NONE || x > r->any)
			r->any = x;
	}
}

/* The key's entry with the highest index below `below` (entries of one flow, from
 * the most recently created: the order summaries list them in), NONE when none. */
static uint32_t grp_next(const struct ct_flows *t, const struct ct_flow_key *k, uint32_t tag,
			 uint32_t below)
{
	uint32_t best = NONE;
	size_t m = t->nslot - 1;
	for (size_t i = tag & m; t->slot[i].idx; i = (i + 1) & m) {
		uint32_t x = t->slot[i].idx - 1;
		if (t->slot[i].tag != tag || x >= below || (best != NONE && x < best))
			continue;
		if (key_eq(&t->e[x].key, k))
			best = x;
	}
	return best;
}

/* A plain packet of a tuple carried in VXLAN elsewhere takes that flow's VNI (the
 * most recently seen; on a tie the newest entry); a VXLAN packet gives its VNI to
 * plain entries of its tuple seen before (unless that interface already has an
 * entry with the VNI). */
static void vni_adopt(struct ct_flows *t, struct ct_flow_key *k, uint32_t tag)
{
	size_t m = t->nslot - 1;
	if (!k->has_vni) {
		uint64_t best = 0;
		uint32_t bx = NONE;
		for (size_t i = tag & m; t->slot[i].idx; i = (i + 1) & m) {
			uint32_t x = t->slot[i].idx - 1;
			const struct ct_flow *f = &t->e[x];
			if (t->slot[i].tag != tag || !f->key.has_vni || !tuple_eq(&f->key, k))
				continue;
			if (bx == NONE || f->last_us > best || (f->last_us == best && x > bx)) {
				best = f->last_us;
				bx = x;
			}
		}
		if (bx != NONE) {
			k->has_vni = true;
			k->vni = t->e[bx].key.vni;
		}
		return;
	}
	for (size_t i = tag & m; t->slot[i].idx; i = (i + 1) & m) {
		struct ct_flow *f = &t->e[t->slot[i].idx - 1];
		if (t->slot[i].tag != tag || f->key.has_vni || !tuple_eq(&f->key, k))
			continue;
		bool taken = false;
		for (size_t j = tag & m; t->slot[j].idx && !taken; j = (j + 1) & m) {
			const struct ct_flow *g = &t->e[t->slot[j].idx - 1];
			taken = t->slot[j].tag == tag && key_eq(&g->key, k) && g->iface == f->iface;
		}
		if (!taken) {
			f->key.has_vni = true;
			f->key.vni = k->vni;
		}
	}
}

static uint64_t ent_last(const struct ct_flows *t, const struct ct_flow *f)
{
	const struct ct_flow_err *e = err_get(t, f);
	return e && e->last_us > f->last_us ? e->last_us : f->last_us;
}

/* The clock hand: evicts the least recently seen of the CT_FLOWS_EVICT_WINDOW
 * entries from the hand (the first on a tie) and moves just past it. */
static void evict_one(struct ct_flows *t)
{
	size_t n = t->top;
	if (!n)
		return;
	uint32_t best = NONE;
	uint64_t best_last = UINT64_MAX;
	size_t i = t->hand % n;
	for (size_t tried = 0, seen = 0; tried < n && seen < CT_FLOWS_EVICT_WINDOW; tried++) {
		const struct ct_flow *f = &t->e[i];
		if (f->flags & CT_FLOW_F_USED) {
			seen++;
			uint64_t l = ent_last(t, f);
			if (l < best_last) {
				best_last = l;
				best = (uint32_t)i;
			}
		}
		i = i + 1 == n ? 0 : i + 1;
	}
	if (best == NONE)
		return;
	struct ct_flow *f = &t->e[best];
	slot_del(t->slot, t->nslot, slot_find(t->slot, t->nslot, best + 1, tuple_tag(&f->key)));
	for (int d = 0; d < 2; d++)
		if (f->outer[d])
			outer_put(t, f->outer[d]);
	if (f->err) {
		t->errs[f->err - 1].next = t->errs_free;
		t->errs_free = f->err;
	}
	if (f->flags & CT_FLOW_F_WIDE) {
		t->wide[f->packets[0] - 1].packets[0] = t->wide_free;
		t->wide_free = f->packets[0];
	}
	/* two halves: one memset of 96 bytes compiles to rep stos, slow to start */
	memset(f, 0, sizeof(*f) / 2);
	memset((uint8_t *)f + sizeof(*f) / 2, 0, sizeof(*f) - sizeof(*f) / 2);
	f->err = t->free_head; /* the free list runs through err */
	t->free_head = best + 1;
	t->hand = best + 1;
	t->used--;
	t->evicted++;
	/* the next victim is most often the entry at the hand: its index slot, a
	 * random place in the index, is on its way while the next packet decodes */
	const struct ct_flow *g = &t->e[t->hand < n ? t->hand : 0];
	if (g->flags & CT_FLOW_F_USED)
		__builtin_prefetch(&t->slot[tuple_tag(&g->key) & (t->nslot - 1)]);
}

/* A fresh entry for key on iface, in the index. Index or NONE (no memory). multi:
 * another entry has the key's 5-tuple. */
static uint32_t ent_new(struct ct_flows *t, const struct ct_flow_key *k, uint32_t tag,
			uint16_t iface, uint8_t dir, uint64_t ts, bool multi)
{
	if (t->used >= t->max)
		evict_one(t);
	/* the index: first for min(max, the default cap), then doubling beyond */
	size_t need = t->used + 1;
	if (!t->nslot && need < CT_FLOWS_MAX_DEFAULT)
		need = t->max < CT_FLOWS_MAX_DEFAULT ? t->max : CT_FLOWS_MAX_DEFAULT;
	if (t->nslot < need * 2 && slot_reserve(&t->slot, &t->nslot, need) < 0)
		return NONE;
	uint32_t idx;
	if (t->free_head) {
		idx = t->free_head - 1;
		t->free_head = t->e[idx].err;
	} else {
		if (!t->e) {
			/* room for the cap at once, touched as it fills (no remap, and huge
			 * pages stay aligned); the growth below is the fallback */
			t->e = big_map(t->max * sizeof(*t->e), true);
			if (t->e)
				t->n_alloc = t->max;
		}
		if (t->top == t->n_alloc) {
			size_t na = t->n_alloc ? t->n_alloc * 2 : GROW_FIRST;
			if (na > t->max)
				na = t->max;
			if (na <= t->n_alloc)
				return NONE;
			struct ct_flow *e =
			    big_remap(t->e, t->n_alloc * sizeof(*e), na * sizeof(*e));
			if (!e)
				return NONE;
			t->e = e;
			t->n_alloc = na;
		}
		idx = (uint32_t)t->top++;
	}
	/* every field, one store each (no padding in the entry): a zeroing memset of
	 * the fresh line costs more than the stores */
	struct ct_flow *f = &t->e[idx];
	f->key = *k;
	f->iface = iface;
	f->flags = (uint8_t)(CT_FLOW_F_USED | (dir ? CT_FLOW_F_INIT_DIR : 0));
	f->seen = 0;
	f->err = 0;
	f->outer[0] = f->outer[1] = 0;
	f->outer_sport[0] = f->outer_sport[1] = 0;
	f->first_us = f->last_us = ts;
	f->packets[0] = f->packets[1] = 0;
	f->bytes[0] = f->bytes[1] = 0;
	if (idx + 4 < t->n_alloc)
		__builtin_prefetch(&t->e[idx + 4], 1); /* the entries to come, when appending */
	slot_put(t->slot, t->nslot, idx + 1, tag);
	t->used++;
	if (multi) {
		size_t m = t->nslot - 1;
		for (size_t i = tag & m; t->slot[i].idx; i = (i + 1) & m) {
			struct ct_flow *g = &t->e[t->slot[i].idx - 1];
			if (t->slot[i].tag == tag && tuple_eq(&g->key, k))
				g->flags |= CT_FLOW_F_MULTI;
		}
	}
	return idx;
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

static int add_error(struct ct_flows *t, const struct ct_pkt *p, const struct ct_pkt_ip *ip,
		     const struct ct_pkt_l4 *l4, uint64_t ts, uint16_t iface)
{
	t->errors++;
	if (!l4->quoted_present || !l4->quoted.present)
		return 0;
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
	uint32_t tag = tuple_tag(&k);
	struct run r;
	run_scan(t, &k, tag, iface, &r);
	if (r.exact == NONE && r.any == NONE && r.tuple) {
		vni_adopt(t, &k, tag);
		run_scan(t, &k, tag, iface, &r);
	}
	uint32_t i = r.exact != NONE ? r.exact : r.any;
	if (i != NONE) {
		struct ct_flow_err *fe = err_of(t, &t->e[i]);
		if (!fe)
			return -1;
		err_merge(fe, &e);
		return 0;
	}
	/* else it quotes an outer header (IPIP, VXLAN) or a flow not seen (yet): keep it by
	 * its pair; summaries match it against their outer (or own) pair */
	struct ct_flow_pair *pr = &t->pairs[pair_slot(&q->src, &q->dst)];
	if (!pr->used || !ct_ip_eq(&pr->src, &q->src) || !ct_ip_eq(&pr->dst, &q->dst)) {
		if (!pr->used)
			t->pairs_used++;
		memset(pr, 0, sizeof(*pr));
		pr->used = true;
		ip_norm(&pr->src, &q->src);
		ip_norm(&pr->dst, &q->dst);
	}
	pair_merge(pr, &e);
	return 0;
}

/* Accounts one queued packet. 0 or -1 (no memory). */
static int pend_run(struct ct_flows *t, struct ct_flow_pend *q)
{
	struct run r;
	run_scan(t, &q->key, q->tag, q->iface, &r);
	uint32_t i = r.exact;
	if (i == NONE && r.tuple) {
		vni_adopt(t, &q->key, q->tag);
		run_scan(t, &q->key, q->tag, q->iface, &r);
		i = r.exact;
	}
	if (i == NONE) {
		i = ent_new(t, &q->key, q->tag, q->iface, q->dir, q->ts_us, r.tuple);
		if (i == NONE)
			return -1;
	}
	struct ct_flow *f = &t->e[i];
	uint8_t dir = q->dir;
	if (q->encap) {
		uint32_t cur = f->outer[dir];
		if (!cur || !outer_is(&t->outers[cur - 1], &q->osrc, &q->odst, q->odport, q->encap)) {
			uint32_t o = outer_get(t, &q->osrc, &q->odst, q->odport, q->encap);
			if (!o)
				return -1;
			if (cur)
				outer_put(t, cur);
			f->outer[dir] = o;
		}
		if (q->vx)
			f->outer_sport[dir] = q->osport;
		f->seen |= (uint8_t)(CT_FLOW_SEEN_ENCAP << (2 * dir));
	} else {
		f->seen |= (uint8_t)(CT_FLOW_SEEN_PLAIN << (2 * dir));
	}
	if (q->ts_us < f->first_us) {
		f->first_us = q->ts_us;
		f->flags = (uint8_t)((f->flags & ~CT_FLOW_F_INIT_DIR) | (dir ? CT_FLOW_F_INIT_DIR : 0));
	}
	if (q->ts_us > f->last_us)
		f->last_us = q->ts_us;
	if (!(f->flags & CT_FLOW_F_WIDE)) {
		if (f->packets[dir] < UINT32_MAX && f->bytes[dir] <= UINT32_MAX - q->len) {
			f->packets[dir]++;
			f->bytes[dir] += q->len;
			return 0;
		}
		if (ent_widen(t, f) < 0)
			return -1;
	}
	struct ct_flow_wide *w = &t->wide[f->packets[0] - 1];
	w->packets[dir]++;
	w->bytes[dir] += q->len;
	return 0;
}

/* Accounts the oldest queued packet, and prefetches the entry the next one will
 * probably hit (its index slot was prefetched when it was queued). */
static int pend_pop(struct ct_flows *t)
{
	int rc = pend_run(t, &t->pend[t->pend_head]);
	t->pend_head = (t->pend_head + 1) % CT_FLOWS_PIPE;
	t->pend_n--;
	if (t->pend_n && t->nslot) {
		const struct ct_flow_pend *q = &t->pend[t->pend_head];
		const struct ct_flow_slot *sl = &t->slot[q->tag & (t->nslot - 1)];
		if (sl->idx && sl->tag == q->tag)
			__builtin_prefetch(&t->e[sl->idx - 1]);
	}
	return rc;
}

int ct_flows_flush(struct ct_flows *t)
{
	int rc = 0;
	while (t->pend_n)
		if (pend_pop(t) < 0)
			rc = -1;
	return rc;
}

bool ct_flow_ip_group(const struct ct_ip *a)
{
	if (a->family == AF_INET)
		return (a->a[0] & 0xf0) == 0xe0 ||
		       (a->a[0] == 255 && a->a[1] == 255 && a->a[2] == 255 && a->a[3] == 255);
	if (a->family == AF_INET6)
		return a->a[0] == 0xff;
	return false;
}

bool ct_flow_key_group(const struct ct_flow_key *k)
{
	return ct_flow_ip_group(&k->a) || ct_flow_ip_group(&k->b);
}

/* A frame sent to a link-layer broadcast or multicast address, as far as the
 * capture tells: Ethernet's group bit, or a cooked capture's packet type
 * (PACKET_BROADCAST 1, PACKET_MULTICAST 2; an outgoing one does not say). */
static bool link_group(const struct ct_pkt *p)
{
	if (p->has_eth)
		return p->eth_dst[0] & 1;
	return p->sll_pkttype == 1 || p->sll_pkttype == 2;
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
	if (!p->outer.present && p->status != CT_PKT_TRUNCATED && p->status != CT_PKT_INVALID &&
	    link_group(p))
		t->l2_group++;
	if (!ip->present || !ct_ip_is_set(&ip->src))
		return 0;
	if (ts_us > t->now_us)
		t->now_us = ts_us;
	if (l4->present && (l4->proto == IPP_ICMP || l4->proto == IPP_ICMP6) &&
	    ct_icmp_is_error(l4->proto == IPP_ICMP6, l4->icmp_type)) {
		/* errors look flows up: every packet before this one is accounted first */
		int rc = ct_flows_flush(t);
		return add_error(t, p, ip, l4, ts_us, iface) < 0 ? -1 : rc;
	}
	int rc = 0;
	if (t->pend_n == CT_FLOWS_PIPE)
		rc = pend_pop(t);
	struct ct_flow_pend *q = &t->pend[(t->pend_head + t->pend_n) % CT_FLOWS_PIPE];
	t->pend_n++;
	uint16_t sp, dp;
	ports_of(l4, ip->proto, &sp, &dp);
	bool vx = p->encap == CT_ENCAP_VXLAN;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	if (ip->src.family == AF_INET && ip->dst.family == AF_INET) {
		q->tag = key_make4(&q->key, &q->dir, &ip->src, &ip->dst, sp, dp, ip->proto, vx,
				   p->vni);
	} else
#endif
	{
		key_make(&q->key, &q->dir, &ip->src, &ip->dst, sp, dp, ip->proto, vx, p->vni);
		q->tag = tuple_tag(&q->key);
	}
#ifdef CT_FLOWS_CHECK_KEY4
	{
		struct ct_flow_key k2;
		uint8_t d2;
		key_make(&k2, &d2, &ip->src, &ip->dst, sp, dp, ip->proto, vx, p->vni);
		if (memcmp(&k2, &q->key, sizeof(k2)) || d2 != q->dir || tuple_tag(&k2) != q->tag)
			abort();
	}
#endif
	q->iface = iface;
	q->ts_us = ts_us;
	q->len = ip->total_len ? ip->total_len : p->len;
	q->encap = (uint8_t)p->encap;
	if (encap) {
		ip_norm(&q->osrc, &p->outer.src);
		ip_norm(&q->odst, &p->outer.dst);
		q->vx = p->encap == CT_ENCAP_VXLAN && p->outer_l4.present;
		q->odport = q->vx ? p->outer_l4.dport : 0;
		q->osport = q->vx ? p->outer_l4.sport : 0;
	}
	if (t->nslot)
		__builtin_prefetch(&t->slot[q->tag & (t->nslot - 1)]);
	return rc;
}

void ct_flow_ent_dir(const struct ct_flows *t, uint32_t ent, int dir, struct ct_flow_dir *out)
{
	const struct ct_flow *f = &t->e[ent];
	memset(out, 0, sizeof(*out));
	out->packets = ent_packets(t, f, dir);
	out->bytes = ent_bytes(t, f, dir);
	out->seen = (uint8_t)((f->seen >> (2 * dir)) & 3);
	if (f->outer[dir]) {
		const struct ct_flow_outer *o = &t->outers[f->outer[dir] - 1];
		out->encap = o->encap;
		out->outer_src = o->src;
		out->outer_dst = o->dst;
		out->outer_dport = o->dport;
		out->outer_sport = f->outer_sport[dir];
	}
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
	uint32_t tag = tuple_tag(k);
	memset(s, 0, sizeof(*s));
	/* orientation: the earliest entry's first packet */
	uint64_t first = UINT64_MAX;
	uint8_t fwd = 0;
	for (uint32_t i = grp_next(t, k, tag, head + 1); i != NONE; i = grp_next(t, k, tag, i)) {
		const struct ct_flow *f = &t->e[i];
		if (f->first_us < first) {
			first = f->first_us;
			fwd = f->flags & CT_FLOW_F_INIT_DIR ? 1 : 0;
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
	for (uint32_t i = grp_next(t, k, tag, head + 1); i != NONE; i = grp_next(t, k, tag, i)) {
		const struct ct_flow *f = &t->e[i];
		struct ct_flow_dir dd[2];
		ct_flow_ent_dir(t, i, 0, &dd[0]);
		ct_flow_ent_dir(t, i, 1, &dd[1]);
		if (s->n_ent < CT_FLOW_SUM_IFACES)
			s->ent[s->n_ent++] = i;
		s->n_ifaces++;
		if (f->first_us < s->first_us)
			s->first_us = f->first_us;
		if (f->last_us > s->last_us)
			s->last_us = f->last_us;
		for (int sd = 0; sd < 2; sd++) {
			const struct ct_flow_dir *d = &dd[sd == 0 ? fwd : 1 - fwd];
			if (d->packets > s->packets[sd])
				s->packets[sd] = d->packets;
			if (d->bytes > s->bytes[sd])
				s->bytes[sd] = d->bytes;
			if ((d->seen & CT_FLOW_SEEN_ENCAP) && d->packets > enc_best[sd]) {
				enc_best[sd] = d->packets;
				s->encap[sd] = d->encap;
				s->outer_src[sd] = d->outer_src;
				s->outer_dst[sd] = d->outer_dst;
				s->outer_sport[sd] = d->outer_sport;
				s->outer_dport[sd] = d->outer_dport;
			}
		}
		for (int sd = 0; sd < 2; sd++)
			if (dd[sd].seen == CT_FLOW_SEEN_ENCAP && dd[1 - sd].seen == CT_FLOW_SEEN_PLAIN)
				s->asymmetric = true;
		const struct ct_flow_err *fe = err_get(t, f);
		if (fe && fe->count && (!s->n_err || fe->count > s->err[0].count)) {
			s->n_err = 1;
			s->err[0] = *fe;
		}
	}
	if (s->first_us == UINT64_MAX)
		s->first_us = first;
	/* one direction only, and not just a request whose reply may be on its way:
	 * at least two packets unanswered, or the first a second old */
	bool any0 = s->packets[0] > 0, any1 = s->packets[1] > 0;
	s->multicast = ct_flow_key_group(k);
	if (!s->multicast && any0 != any1 &&
	    (s->packets[0] + s->packets[1] >= 2 ||
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
	if (!t->pairs_used)
		return; /* and the pair table's pages stay untouched */
	for (size_t i = 0; i < CT_FLOWS_PAIR_SLOTS; i++)
		if (ct_flows_view_orphan(t, v, i))
			for (int k = 0; k < CT_FLOW_ERR_KINDS; k++)
				v->orphans += t->pairs[i].err[k].count > 0;
}

/* Whether a lone entry's flow is one-way and asymmetric, as sum_build decides them. */
static void lone_flags(const struct ct_flows *t, const struct ct_flow *f, uint64_t now_us,
		       bool *one_way, bool *asym)
{
	uint64_t p0 = ent_packets(t, f, 0), p1 = ent_packets(t, f, 1);
	bool any0 = p0 > 0, any1 = p1 > 0;
	*one_way = !ct_flow_key_group(&f->key) && any0 != any1 &&
		   (p0 + p1 >= 2 || (now_us >= f->first_us && now_us - f->first_us >= US_PER_S));
	uint8_t s0 = f->seen & 3, s1 = (f->seen >> 2) & 3;
	*asym = (s0 == CT_FLOW_SEEN_ENCAP && s1 == CT_FLOW_SEEN_PLAIN) ||
		(s1 == CT_FLOW_SEEN_ENCAP && s0 == CT_FLOW_SEEN_PLAIN);
}

/* Keeps the best limit flows of v[0..*n) sorted, adding r. */
static void top_insert(struct ct_flow_rank *v, size_t *n, size_t limit,
		       const struct ct_flow_rank *r)
{
	if (*n == limit && rank_cmp(r, &v[limit - 1]) >= 0)
		return;
	size_t i = *n < limit ? (*n)++ : limit - 1;
	while (i > 0 && rank_cmp(r, &v[i - 1]) < 0) {
		v[i] = v[i - 1];
		i--;
	}
	v[i] = *r;
}

int ct_flows_rank_top(struct ct_flows *t, uint64_t now_us, size_t limit,
		      struct ct_flows_view *out)
{
	memset(out, 0, sizeof(*out));
	if (ct_flows_flush(t) < 0)
		return -1;
	if (!t->used) {
		orphans_count(t, out);
		return 0;
	}
	if (limit > t->used)
		limit = 0;
	out->v = malloc((limit ? limit : t->used) * sizeof(*out->v));
	if (!out->v)
		return -1;
	size_t n = 0, nv = 0;
	struct ct_flow_sum s;
	for (size_t i = 0; i < t->top; i++) {
		const struct ct_flow *f = &t->e[i];
		if (!(f->flags & CT_FLOW_F_USED))
			continue;
		/* one flow per key: at its entry with the highest index */
		if ((f->flags & CT_FLOW_F_MULTI) &&
		    grp_next(t, &f->key, tuple_tag(&f->key), NONE) != (uint32_t)i)
			continue;
		struct ct_flow_rank r = {.head = (uint32_t)i};
		if (!(f->flags & CT_FLOW_F_MULTI) && !f->err && !t->pairs_used) {
			/* a lone entry and no error anywhere: the summary's figures directly */
			bool ow, as;
			lone_flags(t, f, now_us, &ow, &as);
			r.bytes = ent_bytes(t, f, 0) + ent_bytes(t, f, 1);
			out->one_way += ow;
			out->asymmetric += as;
			if (ct_flow_key_group(&f->key)) {
				out->multicast++;
				out->multicast_packets +=
				    ent_packets(t, f, 0) + ent_packets(t, f, 1);
			}
		} else {
			sum_build(t, &s, (uint32_t)i, now_us);
			r.bytes = s.bytes[0] + s.bytes[1];
			out->one_way += s.one_way;
			out->asymmetric += s.asymmetric;
			if (s.multicast) {
				out->multicast++;
				out->multicast_packets += s.packets[0] + s.packets[1];
			}
			out->with_errors += s.n_err > 0;
			if (s.err_pair >= 0)
				out->pair_used[s.err_pair / 8] |= (uint8_t)(1u << (s.err_pair % 8));
		}
		n++;
		if (limit)
			top_insert(out->v, &nv, limit, &r);
		else
			out->v[nv++] = r;
	}
	orphans_count(t, out);
	if (!limit)
		qsort(out->v, nv, sizeof(*out->v), rank_cmp);
	out->n = n;
	out->n_v = nv;
	return 0;
}

int ct_flows_rank(struct ct_flows *t, uint64_t now_us, struct ct_flows_view *out)
{
	return ct_flows_rank_top(t, now_us, 0, out);
}

void ct_flows_view_free(struct ct_flows_view *v)
{
	free(v->v);
	memset(v, 0, sizeof(*v));
}
