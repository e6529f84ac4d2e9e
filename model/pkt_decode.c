/* SPDX-License-Identifier: MIT */
/*
 * Packet decoder: captured bytes in, struct ct_pkt out (model/pkt.h). No I/O,
 * no allocation, no printing, no locale.
 *
 * Every read goes through a cursor over one window of the captured bytes:
 *
 *   off  the next byte
 *   end  where the captured bytes of this window stop
 *   lim  where the window stops by the lengths the headers state (>= end)
 *
 * A read that runs past end but not past lim ran into the end of the capture:
 * TRUNCATED. A read that runs past lim is a header that does not fit in the
 * length its own container states (an IPv4 total length shorter than the TCP
 * header it carries, a frame shorter than its IP header says): INVALID. Each
 * IP header narrows the window to its own total length, as tcpdump does, so
 * Ethernet padding is never read as payload; UDP narrows it to its length.
 *
 * A fragment's window has no known lim (LIM_UNKNOWN): the rest of the
 * datagram is in other packets, so a read past its end is TRUNCATED.
 *
 * What was decoded before a fault stays filled in. A header struct is
 * "present" once its fixed part was captured and read, even when a later
 * check of the same header fails (the fault names it). Fields of a struct
 * whose present is false are unspecified: the decoder clears a struct only
 * when it starts to fill it.
 */
#include "model/pkt.h"

#include <string.h>
#include <sys/socket.h>

#define LIM_UNKNOWN UINT32_MAX
#define IPV6_MAX_EXT 8 /* extension headers in one chain; more is a loop or an attack */

/* ---- cursor ---- */

struct cur {
	const uint8_t *b; /* the captured bytes, b[0..caplen) */
	uint32_t off, end, lim;
};

/* Why a read could not be done. R_SHORT: past lim (invalid for a header of
 * this packet, a normal end for a quote inside an ICMP error). */
enum res { R_OK = 0, R_TRUNC, R_INVAL, R_SHORT };

static inline bool has(const struct cur *c, uint32_t n)
{
	return c->end - c->off >= n;
}

static inline enum res need(const struct cur *c, uint32_t n)
{
	if (has(c, n))
		return R_OK;
	return (uint64_t)c->off + n > c->lim ? R_SHORT : R_TRUNC;
}

/* The readers fail cleanly: past the end they return 0 and leave the
 * cursor at its end, so every later read fails too. */
static inline uint8_t get8(struct cur *c)
{
	if (!has(c, 1)) {
		c->off = c->end;
		return 0;
	}
	return c->b[c->off++];
}

static inline uint16_t get16(struct cur *c)
{
	if (!has(c, 2)) {
		c->off = c->end;
		return 0;
	}
	const uint8_t *p = c->b + c->off;
	c->off += 2;
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline void skip(struct cur *c, uint32_t n)
{
	c->off = has(c, n) ? c->off + n : c->end;
}

/* Fixed headers are read in one piece: need() (or has()) first checks that all
 * of the header was captured, then these read it through a local pointer. The
 * cursor's fields are then loaded once, not again after every store to a
 * uint8_t field of the output (which may alias anything). */
static inline uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Bytes left by the stated lengths (the captured ones when lim is unknown). */
static inline uint32_t stated_left(const struct cur *c)
{
	return (c->lim == LIM_UNKNOWN ? c->end : c->lim) - c->off;
}

/* Narrows c to end at e (an absolute offset). False when e is past lim; an
 * unknown lim (a fragment's) becomes e. */
static inline bool narrow(struct cur *c, uint64_t e)
{
	if (c->lim != LIM_UNKNOWN && e > c->lim)
		return false;
	if (e < LIM_UNKNOWN)
		c->lim = (uint32_t)e;
	if (c->end > e)
		c->end = (uint32_t)e;
	return true;
}

/* ---- Internet checksum (RFC 1071) ---- */

/* Sums in native byte order, 32 bits at a time; csum_fold turns the result
 * into the network-order 16-bit sum. n must be even except for the last
 * block of a sum. */
static uint64_t csum_add(uint64_t acc, const uint8_t *p, uint32_t n)
{
	uint32_t w;
	while (n >= 16) {
		uint32_t a, b, x, y;
		memcpy(&a, p, 4);
		memcpy(&b, p + 4, 4);
		memcpy(&x, p + 8, 4);
		memcpy(&y, p + 12, 4);
		acc += (uint64_t)a + b + x + y;
		p += 16;
		n -= 16;
	}
	while (n >= 4) {
		memcpy(&w, p, 4);
		acc += w;
		p += 4;
		n -= 4;
	}
	if (n) {
		uint8_t t[4] = {0, 0, 0, 0};
		memcpy(t, p, n);
		memcpy(&w, t, 4);
		acc += w;
	}
	return acc;
}

static uint16_t csum_fold(uint64_t acc)
{
	acc = (acc & 0xffffffffu) + (acc >> 32);
	acc = (acc & 0xffffffffu) + (acc >> 32);
	acc = (acc & 0xffffu) + (acc >> 16);
	acc = (acc & 0xffffu) + (acc >> 16);
	uint16_t v = (uint16_t)acc;
	uint8_t t[2];
	memcpy(t, &v, 2);
	return (uint16_t)(t[0] << 8 | t[1]);
}

/* The pseudo-header of RFC 768/793 (IPv4) and RFC 8200 8.1 (IPv6). */
static uint64_t csum_pseudo(const struct ct_pkt_ip *ip, uint8_t proto, uint32_t len)
{
	uint8_t t[8];
	if (ip->version == 4) {
		uint64_t acc = csum_add(0, ip->src.a, 4);
		acc = csum_add(acc, ip->dst.a, 4);
		t[0] = 0;
		t[1] = proto;
		t[2] = (uint8_t)(len >> 8);
		t[3] = (uint8_t)len;
		return csum_add(acc, t, 4);
	}
	uint64_t acc = csum_add(0, ip->src.a, 16);
	acc = csum_add(acc, ip->dst.a, 16);
	t[0] = (uint8_t)(len >> 24);
	t[1] = (uint8_t)(len >> 16);
	t[2] = (uint8_t)(len >> 8);
	t[3] = (uint8_t)len;
	t[4] = t[5] = t[6] = 0;
	t[7] = proto;
	return csum_add(acc, t, 8);
}

/* Two ones' complement values are the same number (0x0000 and 0xffff are both zero). */
static bool csum_same(uint16_t a, uint16_t b)
{
	return a == b || ((a == 0 || a == 0xffff) && (b == 0 || b == 0xffff));
}

/* ---- decoder state ---- */

struct dec {
	struct ct_pkt *p;
	const uint16_t *ports; /* VXLAN UDP ports */
	int n_ports;
	bool csum;     /* verify checksums */
	bool outgoing; /* SLL "outgoing" and the caller says its L4 checksums are offloaded */
};

/* What an IP header tells the layer above it. */
struct l3 {
	struct cur w;      /* the payload window */
	uint32_t l4len;    /* the L4 length the IP header states */
	bool frag;         /* part of a fragmented datagram: no L4 checksum */
	bool nonfirst;     /* not the first fragment: no L4 header here */
	bool pseudo_ok;    /* the destination in the header is the final one */
};

enum lay { L_IPV4, L_IPV6, L_IPV6X, L_TCP, L_UDP, L_ICMP, L_ICMP6, L_VLAN, L_N };

static const char *const lay_name[2][L_N] = {
	{"ipv4", "ipv6", "ipv6 extension header", "tcp", "udp", "icmp", "icmpv6", "vlan"},
	{"inner ipv4", "inner ipv6", "inner ipv6 extension header", "inner tcp", "inner udp",
	 "inner icmp", "inner icmpv6", "inner vlan"},
};

static bool stop(struct dec *d, enum ct_pkt_status st, const char *fault)
{
	d->p->status = st;
	d->p->fault = fault;
	return false;
}

/* For a header of this packet: past lim is invalid. */
static bool stop_res(struct dec *d, enum res r, const char *fault)
{
	return stop(d, r == R_TRUNC ? CT_PKT_TRUNCATED : CT_PKT_INVALID, fault);
}

static void ip_clear(struct ct_pkt_ip *ip)
{
	memset(ip, 0, sizeof(*ip));
	ip->csum_ok = -1;
}

static void l4_clear(struct ct_pkt_l4 *l4)
{
	/* in three parts that GCC clears with vector stores: one memset of the whole
	 * became rep stos, whose start-up cost showed on every packet */
	const size_t q = offsetof(struct ct_pkt_l4, quoted), e = q + sizeof(l4->quoted);
	memset(l4, 0, q);
	memset(&l4->quoted, 0, sizeof(l4->quoted));
	memset((uint8_t *)l4 + e, 0, sizeof(*l4) - e);
	l4->csum_ok = -1;
	l4->quoted.csum_ok = -1;
}

/* ---- IPv4 and IPv6 headers ---- */

/* The IPv4 header at c->off, options included; c->off moves past it. */
static enum res ipv4_hdr(struct cur *c, struct ct_pkt_ip *ip)
{
	enum res r = need(c, 20);
	if (r)
		return r;
	const uint8_t *h = c->b + c->off;
	uint8_t vihl = h[0];
	if (vihl >> 4 != 4) {
		c->off++;
		return R_INVAL;
	}
	uint16_t hlen = (uint16_t)((vihl & 0x0f) * 4), tlen = rd16(h + 2), fo = rd16(h + 6);
	c->off += 20;
	ip->present = true;
	ip->version = 4;
	ip->hdr_len = hlen;
	ip->tos = h[1];
	ip->total_len = tlen;
	ip->id = rd16(h + 4);
	ip->df = fo & 0x4000;
	ip->mf = fo & 0x2000;
	ip->frag_off = (uint16_t)((fo & 0x1fff) * 8);
	ip->ttl = h[8];
	ip->proto = h[9];
	ip->src.family = ip->dst.family = AF_INET;
	memcpy(ip->src.a, h + 12, 4);
	memcpy(ip->dst.a, h + 16, 4);
	if (hlen < 20)
		return R_INVAL;
	/* 0 is what a TSO super-packet larger than 64k carries: the wire length rules */
	if (tlen && tlen < hlen)
		return R_INVAL;
	r = need(c, hlen - 20u);
	if (r)
		return r;
	c->off += hlen - 20u;
	return R_OK;
}

/* The fixed IPv6 header; ip->proto is its next header, *plen its payload length. */
static enum res ipv6_fixed(struct cur *c, struct ct_pkt_ip *ip, uint16_t *plen)
{
	enum res r = need(c, 40);
	if (r)
		return r;
	const uint8_t *h = c->b + c->off;
	uint32_t v = rd32(h);
	if (v >> 28 != 6) {
		c->off += 4;
		return R_INVAL;
	}
	c->off += 40;
	ip->present = true;
	ip->version = 6;
	ip->tos = (uint8_t)(v >> 20);
	ip->flow_label = v & 0xfffff;
	*plen = rd16(h + 4);
	ip->proto = h[6];
	ip->ttl = h[7];
	ip->src.family = ip->dst.family = AF_INET6;
	memcpy(ip->src.a, h + 8, 16);
	memcpy(ip->dst.a, h + 24, 16);
	ip->hdr_len = 40;
	/* saturates: a 65535-byte payload with its 40-byte header does not fit */
	ip->total_len = *plen > 65535 - 40 ? 65535 : (uint16_t)(*plen + 40);
	return R_OK;
}

struct ext {
	bool frag, nonfirst, routed;
};

/* Walks the extension headers at c->off (hop-by-hop, routing, destination
 * options, fragment); ip->proto becomes the upper-layer protocol and hdr_len
 * grows by their size. Hop-by-hop anywhere but first, or more than
 * IPV6_MAX_EXT headers, is invalid. A non-first fragment ends the walk. */
static enum res ipv6_ext(struct cur *c, struct ct_pkt_ip *ip, struct ext *e)
{
	uint32_t start = c->off;
	uint8_t nh = ip->proto;
	int n = 0;
	while (nh == 0 || nh == 43 || nh == 60 || nh == 44) {
		if ((nh == 0 && n > 0) || n == IPV6_MAX_EXT)
			return R_INVAL;
		n++;
		enum res r = need(c, 8);
		if (r)
			return r;
		uint32_t h = c->off;
		uint8_t next = get8(c);
		uint32_t size = 8;
		if (nh == 44) {
			skip(c, 1);
			uint16_t fo = get16(c);
			ip->frag_off = (uint16_t)(fo & 0xfff8);
			ip->mf = fo & 1;
			/* offset 0 without M is an atomic fragment (RFC 6946): a whole packet */
			e->frag = ip->frag_off != 0 || ip->mf;
			e->nonfirst = ip->frag_off != 0;
		} else {
			size = (get8(c) + 1u) * 8;
			if (nh == 43) {
				skip(c, 1);
				e->routed = get8(c) != 0; /* segments left */
			}
			c->off = h;
			r = need(c, size);
			if (r)
				return r;
		}
		c->off = h + size;
		nh = next;
		if (e->nonfirst)
			break;
	}
	ip->proto = nh;
	ip->hdr_len = (uint16_t)(ip->hdr_len + (c->off - start));
	return R_OK;
}

/* The IP header of this packet (outer or inner) at c->off, and the window of its payload. */
static bool ip_decode(struct dec *d, const struct cur *c, int version, int in, struct ct_pkt_ip *ip,
		      struct l3 *x)
{
	uint32_t start = c->off;
	/* field by field, each through a register: a wider load of fields just stored
	 * 4 bytes at a time (the caller's cursor) cannot be forwarded from the store
	 * buffer and waits, twice a packet; the empty asm keeps the compiler from
	 * merging the loads into one */
	uint32_t off = c->off, end = c->end, lim = c->lim;
	__asm__("" : "+r"(off), "+r"(end), "+r"(lim));
	x->w.b = c->b;
	x->w.off = off;
	x->w.end = end;
	x->w.lim = lim;
	ip_clear(ip);
	if (version == 4) {
		enum res r = ipv4_hdr(&x->w, ip);
		if (r)
			return stop_res(d, r, lay_name[in][L_IPV4]);
		if (ip->total_len && !narrow(&x->w, (uint64_t)start + ip->total_len))
			return stop(d, CT_PKT_INVALID, lay_name[in][L_IPV4]);
		if (d->csum)
			ip->csum_ok = csum_fold(csum_add(0, c->b + start, ip->hdr_len)) == 0xffff;
		x->nonfirst = ip->frag_off != 0;
		x->frag = x->nonfirst || ip->mf;
		x->pseudo_ok = true;
	} else {
		uint16_t plen;
		struct ext e = {false, false, false};
		enum res r = ipv6_fixed(&x->w, ip, &plen);
		if (r)
			return stop_res(d, r, lay_name[in][L_IPV6]);
		/* 0 is a jumbogram or a BIG TCP packet: the wire length rules */
		if (plen && !narrow(&x->w, (uint64_t)start + 40 + plen))
			return stop(d, CT_PKT_INVALID, lay_name[in][L_IPV6]);
		r = ipv6_ext(&x->w, ip, &e);
		if (r)
			return stop_res(d, r, lay_name[in][L_IPV6X]);
		x->nonfirst = e.nonfirst;
		x->frag = e.frag;
		x->pseudo_ok = !e.routed;
	}
	x->l4len = stated_left(&x->w);
	if (x->frag)
		x->w.lim = LIM_UNKNOWN;
	return true;
}

/* ---- transport ---- */

/* An L4 checksum: 1 good, 0 bad, -1 not checked, 2 unverifiable (offloaded). */
static int l4_csum(const struct dec *d, const struct l3 *x, const struct ct_pkt_ip *ip,
		   uint32_t start, uint32_t len, uint8_t proto, uint16_t field, bool partial)
{
	if (!d->csum || x->frag || !x->pseudo_ok)
		return -1;
	if ((uint64_t)start + len > x->w.end) /* the whole segment must be captured */
		return -1;
	uint64_t ps = proto == 1 ? 0 : csum_pseudo(ip, proto, len);
	if (csum_fold(csum_add(ps, x->w.b + start, len)) == 0xffff)
		return 1;
	if (d->outgoing)
		return 2;
	/* CHECKSUM_PARTIAL: the stack left the pseudo-header sum for the NIC to finish */
	if (partial && (csum_same(csum_fold(ps), field) ||
			csum_same(csum_fold(csum_pseudo(ip, proto, 0)), field)))
		return 2;
	return 0;
}

static bool has_ports(uint8_t proto)
{
	return proto == 6 || proto == 17 || proto == 33 || proto == 132 || proto == 136;
}

/* The header an ICMP error quotes, at c->off, and its ports. The quote's own
 * lengths describe the original packet, so they narrow nothing, and a quote
 * that ends early (as the ICMP length says) just has less in it. */
static bool quote(struct dec *d, const struct cur *c, int version, struct ct_pkt_l4 *l4,
		  const char *name)
{
	struct cur q = *c;
	struct ct_pkt_ip *ip = &l4->quoted;
	enum res r;
	bool nonfirst;
	if (version == 4) {
		r = ipv4_hdr(&q, ip);
		nonfirst = ip->frag_off != 0;
	} else {
		uint16_t plen;
		struct ext e = {false, false, false};
		r = ipv6_fixed(&q, ip, &plen);
		if (!r)
			r = ipv6_ext(&q, ip, &e);
		nonfirst = e.nonfirst;
	}
	l4->quoted_present = ip->present;
	if (r == R_SHORT)
		return true;
	if (r)
		return stop(d, r == R_TRUNC ? CT_PKT_TRUNCATED : CT_PKT_INVALID, name);
	if (nonfirst || !has_ports(ip->proto))
		return true;
	r = need(&q, 4);
	if (r == R_SHORT)
		return true;
	if (r)
		return stop(d, CT_PKT_TRUNCATED, name);
	l4->quoted_sport = get16(&q);
	l4->quoted_dport = get16(&q);
	return true;
}

static bool tcp(struct dec *d, struct l3 *x, const struct ct_pkt_ip *ip, struct ct_pkt_l4 *l4,
		int in)
{
	struct cur *c = &x->w;
	uint32_t start = c->off;
	enum res r = need(c, 20);
	if (r)
		return stop_res(d, r, lay_name[in][L_TCP]);
	const uint8_t *h = c->b + c->off;
	c->off += 20;
	l4_clear(l4);
	l4->present = true;
	l4->proto = 6;
	l4->sport = rd16(h);
	l4->dport = rd16(h + 2);
	l4->seq = rd32(h + 4);
	l4->ack = rd32(h + 8);
	uint32_t doff = (h[12] >> 4) * 4u;
	l4->tcp_flags = h[13];
	l4->window = rd16(h + 14);
	uint16_t field = rd16(h + 16);
	l4->payload_len = x->l4len > doff ? x->l4len - doff : 0;
	if (doff < 20)
		return stop(d, CT_PKT_INVALID, lay_name[in][L_TCP]);
	r = need(c, doff - 20);
	if (r)
		return stop_res(d, r, lay_name[in][L_TCP]);
	skip(c, doff - 20);
	l4->csum_ok = l4_csum(d, x, ip, start, x->l4len, 6, field, true);
	return true;
}

static bool is_vxlan_port(const struct dec *d, uint16_t port)
{
	for (int i = 0; i < d->n_ports; i++)
		if (d->ports[i] == port)
			return true;
	return false;
}

/* On return true, x->w is the UDP payload. */
static bool udp(struct dec *d, struct l3 *x, const struct ct_pkt_ip *ip, struct ct_pkt_l4 *l4,
		int in, bool *vxlan)
{
	struct cur *c = &x->w;
	uint32_t start = c->off;
	enum res r = need(c, 8);
	if (r)
		return stop_res(d, r, lay_name[in][L_UDP]);
	const uint8_t *h = c->b + c->off;
	c->off += 8;
	l4_clear(l4);
	l4->present = true;
	l4->proto = 17;
	l4->sport = rd16(h);
	l4->dport = rd16(h + 2);
	uint32_t ulen = rd16(h + 4);
	uint16_t field = rd16(h + 6);
	/* a jumbogram's UDP length is 0 (RFC 2675) */
	if (ulen == 0 && ip->version == 6 && ip->total_len == 40 && x->l4len > 65535)
		ulen = x->l4len;
	if (ulen < 8 || (!x->frag && ulen > x->l4len))
		return stop(d, CT_PKT_INVALID, lay_name[in][L_UDP]);
	l4->payload_len = ulen - 8;
	narrow(c, (uint64_t)start + ulen); /* cannot fail: ulen <= l4len, or lim unknown */
	*vxlan = !in && (is_vxlan_port(d, l4->dport) || is_vxlan_port(d, l4->sport));
	if (field == 0) /* no checksum: allowed for IPv4, and for tunnels over IPv6 (RFC 6935) */
		l4->csum_ok = d->csum && ip->version == 6 && !*vxlan ? (d->outgoing ? 2 : 0) : -1;
	else
		l4->csum_ok = l4_csum(d, x, ip, start, ulen, 17, field, true);
	return true;
}

static bool icmp(struct dec *d, struct l3 *x, const struct ct_pkt_ip *ip, struct ct_pkt_l4 *l4,
		 int in, bool v6)
{
	struct cur *c = &x->w;
	const char *name = lay_name[in][v6 ? L_ICMP6 : L_ICMP];
	uint32_t start = c->off;
	enum res r = need(c, 8);
	if (r)
		return stop_res(d, r, name);
	const uint8_t *h = c->b + c->off;
	c->off += 8;
	l4_clear(l4);
	l4->present = true;
	l4->proto = v6 ? 58 : 1;
	uint8_t type = l4->icmp_type = h[0];
	l4->icmp_code = h[1];
	uint16_t field = rd16(h + 2);
	uint32_t rest = rd32(h + 4);
	l4->payload_len = x->l4len > 8 ? x->l4len - 8 : 0;
	l4->csum_ok = l4_csum(d, x, ip, start, x->l4len, l4->proto, field, false);
	bool quotes;
	if (v6) {
		if (type == 128 || type == 129) {
			l4->icmp_id = (uint16_t)(rest >> 16);
			l4->icmp_seq = (uint16_t)rest;
		}
		if (type == 2)
			l4->icmp_mtu = rest > 65535 ? 65535 : (uint16_t)rest;
		quotes = type >= 1 && type <= 4;
	} else {
		if (type == 0 || type == 8) {
			l4->icmp_id = (uint16_t)(rest >> 16);
			l4->icmp_seq = (uint16_t)rest;
		}
		if (type == 3 && l4->icmp_code == 4)
			l4->icmp_mtu = (uint16_t)rest;
		quotes = type == 3 || type == 5 || type == 11 || type == 12;
	}
	return !quotes || quote(d, c, v6 ? 6 : 4, l4, name);
}

/* ---- link layer and encapsulation ---- */

static bool is_vlan_type(uint16_t t)
{
	return t == 0x8100 || t == 0x88a8 || t == 0x9100;
}

/* Up to two 802.1Q/802.1ad tags; *type becomes the ethertype they carry. */
static bool vlan_tags(struct dec *d, struct cur *c, uint16_t *type, uint16_t *ids, int *n,
		      const char *name)
{
	while (is_vlan_type(*type)) {
		if (*n == 2)
			return stop(d, CT_PKT_UNSUPPORTED, NULL);
		enum res r = need(c, 4);
		if (r)
			return stop_res(d, r, name);
		uint16_t tci = get16(c);
		if (ids)
			ids[*n] = tci & 0x0fff;
		(*n)++;
		*type = get16(c);
	}
	return true;
}

static void net(struct dec *d, const struct cur *c, int version, int in);

static void vxlan(struct dec *d, struct cur *c)
{
	struct ct_pkt *p = d->p;
	p->encap = CT_ENCAP_VXLAN;
	enum res r = need(c, 8);
	if (r) {
		stop_res(d, r, "vxlan");
		return;
	}
	const uint8_t *h = c->b + c->off;
	c->off += 8;
	uint8_t flags = h[0];
	uint32_t vni = rd32(h + 4) >> 8;
	if (!(flags & 0x08)) {
		stop(d, CT_PKT_INVALID, "vxlan");
		return;
	}
	p->vni = vni;
	p->inner_eth_off = c->off;
	r = need(c, 14);
	if (r) {
		stop_res(d, r, "inner ethernet");
		return;
	}
	h = c->b + c->off;
	c->off += 14;
	memcpy(p->inner_eth_dst, h, 6);
	memcpy(p->inner_eth_src, h + 6, 6);
	uint16_t type = rd16(h + 12);
	p->has_inner_eth = true;
	int n = 0;
	if (!vlan_tags(d, c, &type, NULL, &n, lay_name[1][L_VLAN]))
		return;
	p->inner_ethertype = type;
	p->inner_ip_off = c->off;
	if (type == 0x0800)
		net(d, c, 4, 1);
	else if (type == 0x86dd)
		net(d, c, 6, 1);
	else
		stop(d, CT_PKT_UNSUPPORTED, NULL);
}

/* An IP packet at c->off and everything it carries. */
static void net(struct dec *d, const struct cur *c, int version, int in)
{
	struct ct_pkt *p = d->p;
	struct ct_pkt_ip *ip = in ? &p->inner : &p->outer;
	struct ct_pkt_l4 *l4 = in ? &p->inner_l4 : &p->outer_l4;
	struct l3 x;
	bool vx = false;

	if (!ip_decode(d, c, version, in, ip, &x) || x.nonfirst)
		return;
	switch (ip->proto) {
	case 4:
	case 41:
		if (in)
			return; /* one level of encapsulation */
		p->encap = ip->proto == 4 ? CT_ENCAP_IPIP : CT_ENCAP_SIT;
		p->inner_ip_off = x.w.off;
		net(d, &x.w, ip->proto == 4 ? 4 : 6, 1);
		return;
	case 6:
		tcp(d, &x, ip, l4, in);
		return;
	case 17:
		if (udp(d, &x, ip, l4, in, &vx) && vx)
			vxlan(d, &x.w);
		return;
	case 1:
		icmp(d, &x, ip, l4, in, false);
		return;
	case 58:
		icmp(d, &x, ip, l4, in, true);
		return;
	default:
		return;
	}
}

static void ethertype(struct dec *d, const struct cur *c, uint16_t type)
{
	d->p->ethertype = type;
	if (type == 0x0800)
		net(d, c, 4, 0);
	else if (type == 0x86dd)
		net(d, c, 6, 0);
	else
		stop(d, CT_PKT_UNSUPPORTED, NULL);
}

static const uint16_t default_ports[] = {4789, 8472};

void ct_pkt_decode(const uint8_t *data, uint32_t caplen, uint32_t len, int linktype,
		   const struct ct_decode_opts *o, struct ct_pkt *out)
{
	struct ct_pkt *p = out;
	struct dec d = {p, default_ports, 2, false, false};
	struct cur c = {data, 0, data ? caplen : 0, 0};
	enum res r;
	uint16_t type;

	c.lim = len > c.end ? len : c.end;
	memset(p, 0, offsetof(struct ct_pkt, outer));
	p->caplen = caplen;
	p->len = len;
	p->sll_pkttype = 0xffff;
	p->outer.present = p->inner.present = false;
	p->outer.csum_ok = p->inner.csum_ok = -1;
	p->outer_l4.present = p->inner_l4.present = false;
	p->outer_l4.quoted_present = p->inner_l4.quoted_present = false;
	p->outer_l4.csum_ok = p->inner_l4.csum_ok = -1;
	p->encap = CT_ENCAP_NONE;
	p->vni = 0;
	p->has_inner_eth = false;
	p->inner_ip_off = p->inner_eth_off = 0;
	p->inner_ethertype = 0;

	if (o) {
		d.csum = o->checksums;
		if (o->n_vxlan_ports > 0) {
			d.ports = o->vxlan_ports;
			d.n_ports = o->n_vxlan_ports > 8 ? 8 : o->n_vxlan_ports;
		}
	}

	switch (linktype) {
	case CT_DLT_EN10MB:
		r = need(&c, 14);
		if (r) {
			stop_res(&d, r, "ethernet");
			return;
		}
		memcpy(p->eth_dst, c.b, 6);
		memcpy(p->eth_src, c.b + 6, 6);
		type = rd16(c.b + 12);
		c.off = 14;
		p->has_eth = true;
		p->ethertype = type;
		if (!vlan_tags(&d, &c, &type, p->vlan, &p->n_vlan, "vlan"))
			return;
		ethertype(&d, &c, type);
		return;
	case CT_DLT_LINUX_SLL:
		r = need(&c, 16);
		if (r) {
			stop_res(&d, r, "sll");
			return;
		}
		p->sll_pkttype = rd16(c.b);
		type = rd16(c.b + 14); /* hatype, halen, address before it */
		c.off = 16;
		break;
	case CT_DLT_LINUX_SLL2:
		r = need(&c, 20);
		if (r) {
			stop_res(&d, r, "sll2");
			return;
		}
		type = rd16(c.b);
		p->sll_ifindex = (int)rd32(c.b + 4);
		/* hatype at 8 */
		p->sll_pkttype = c.b[10];
		c.off = 20; /* halen, address */
		break;
	case CT_DLT_RAW:
	case 101: /* LINKTYPE_RAW */
	case 14:  /* DLT_RAW on OpenBSD */
		r = need(&c, 1);
		if (r) {
			stop_res(&d, r, "ip");
			return;
		}
		if (c.b[c.off] >> 4 == 4)
			net(&d, &c, 4, 0);
		else if (c.b[c.off] >> 4 == 6)
			net(&d, &c, 6, 0);
		else
			stop(&d, CT_PKT_INVALID, "ip");
		return;
	case 228: /* DLT_IPV4 */
		net(&d, &c, 4, 0);
		return;
	case 229: /* DLT_IPV6 */
		net(&d, &c, 6, 0);
		return;
	default:
		stop(&d, CT_PKT_UNSUPPORTED, NULL);
		return;
	}
	/* Linux cooked: the protocol is an ethertype; libpcap puts a VLAN tag it
	 * took from the skb right after the header, with protocol 0x8100 */
	d.outgoing = p->sll_pkttype == 4 && o && o->outgoing_unverifiable;
	p->ethertype = type;
	if (!vlan_tags(&d, &c, &type, p->vlan, &p->n_vlan, "vlan"))
		return;
	ethertype(&d, &c, type);
}

const struct ct_pkt_ip *ct_pkt_top_ip(const struct ct_pkt *p)
{
	if (p->encap != CT_ENCAP_NONE && p->inner.present)
		return &p->inner;
	return p->outer.present ? &p->outer : NULL;
}

const struct ct_pkt_l4 *ct_pkt_top_l4(const struct ct_pkt *p)
{
	if (p->encap != CT_ENCAP_NONE && p->inner.present)
		return p->inner_l4.present ? &p->inner_l4 : NULL;
	return p->outer.present && p->outer_l4.present ? &p->outer_l4 : NULL;
}

const char *const ct_encap_names[] = {
	[CT_ENCAP_NONE] = "none",
	[CT_ENCAP_IPIP] = "ipip",
	[CT_ENCAP_SIT] = "sit",
	[CT_ENCAP_VXLAN] = "vxlan",
	NULL,
};

const char *const ct_pkt_status_names[] = {
	[CT_PKT_OK] = "ok",
	[CT_PKT_TRUNCATED] = "truncated",
	[CT_PKT_INVALID] = "invalid",
	[CT_PKT_UNSUPPORTED] = "unsupported",
	NULL,
};
