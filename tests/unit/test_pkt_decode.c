/* SPDX-License-Identifier: MIT */
/*
 * Packet decoder (model/pkt_decode.c). Frames are built here byte by byte by a
 * small frame builder whose checksums come from its own routine (16-bit words,
 * one at a time, unlike the decoder's); the same frames are written to pcap
 * files and read back by tshark, when it is installed, as an independent oracle
 * for both the builder and the decoder. Every prefix of every frame is decoded
 * from a buffer of exactly that size (ASan catches a read past it).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "model/pkt.h"

/* ---- reference checksum ---- */

static uint32_t ref_sum(uint32_t acc, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		acc += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		acc += (uint32_t)p[n - 1] << 8;
	return acc;
}

static uint16_t ref_fold(uint32_t acc)
{
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return (uint16_t)acc;
}

/* ---- frame builder ---- */

#define MAXF 2048

enum kind { K_LINK, K_IP_OUT, K_L4_OUT, K_VXLAN, K_ETH_IN, K_IP_IN, K_L4_IN, K_N };

struct lay {
	char name[48];
	enum kind kind;
	size_t end; /* the header ends here: a shorter capture cuts it */
};

struct fb {
	uint8_t b[MAXF];
	size_t n;
	bool inner; /* names get "inner " */
	struct lay lay[24];
	int nlay;
};

static void put(struct fb *f, const void *p, size_t n)
{
	assert_true(f->n + n <= MAXF);
	memcpy(f->b + f->n, p, n);
	f->n += n;
}

static void put8(struct fb *f, unsigned v)
{
	uint8_t b = (uint8_t)v;
	put(f, &b, 1);
}

static void put16(struct fb *f, unsigned v)
{
	put8(f, v >> 8);
	put8(f, v);
}

static void put32(struct fb *f, uint32_t v)
{
	put16(f, v >> 16);
	put16(f, v & 0xffff);
}

static void wr16(struct fb *f, size_t off, unsigned v)
{
	f->b[off] = (uint8_t)(v >> 8);
	f->b[off + 1] = (uint8_t)v;
}

static void mark(struct fb *f, const char *name, enum kind k)
{
	assert_true(f->nlay < 24);
	struct lay *l = &f->lay[f->nlay++];
	snprintf(l->name, sizeof(l->name), "%s%s", f->inner ? "inner " : "", name);
	if (f->inner && k == K_IP_OUT)
		k = K_IP_IN;
	if (f->inner && k == K_L4_OUT)
		k = K_L4_IN;
	l->kind = k;
	l->end = f->n;
}

static const uint8_t MAC_A[6] = {0x02, 0x42, 0xc0, 0xa8, 0x1f, 0xc9};
static const uint8_t MAC_B[6] = {0x02, 0x42, 0xc0, 0xa8, 0x1f, 0xca};
static const uint8_t MAC_EE[6] = {0xee, 0xee, 0xee, 0xee, 0xee, 0xee};
static const uint8_t MAC_POD[6] = {0x66, 0x22, 0x33, 0x44, 0x55, 0x01};

static void b_eth(struct fb *f, const uint8_t *dst, const uint8_t *src, unsigned type)
{
	put(f, dst, 6);
	put(f, src, 6);
	put16(f, type);
	mark(f, "ethernet", f->inner ? K_ETH_IN : K_LINK);
}

static void b_vlan(struct fb *f, unsigned tci, unsigned next)
{
	put16(f, tci);
	put16(f, next);
	mark(f, "vlan", f->inner ? K_ETH_IN : K_LINK);
}

static void b_sll(struct fb *f, unsigned pkttype, unsigned proto)
{
	put16(f, pkttype);
	put16(f, 1); /* ARPHRD_ETHER */
	put16(f, 6);
	put(f, MAC_A, 6);
	put16(f, 0);
	put16(f, proto);
	mark(f, "sll", K_LINK);
}

static void b_sll2(struct fb *f, unsigned proto, uint32_t ifindex, unsigned pkttype)
{
	put16(f, proto);
	put16(f, 0);
	put32(f, ifindex);
	put16(f, 1);
	put8(f, pkttype);
	put8(f, 6);
	put(f, MAC_B, 6);
	put16(f, 0);
	mark(f, "sll2", K_LINK);
}

static void addr(struct fb *f, int af, const char *s)
{
	uint8_t a[16];
	assert_int_equal(inet_pton(af, s, a), 1);
	put(f, a, af == AF_INET ? 4 : 16);
}

/* flags_fo: DF 0x4000, MF 0x2000, offset in 8-byte units */
static size_t b_ip4(struct fb *f, const char *src, const char *dst, unsigned proto, unsigned ttl,
		    unsigned id, unsigned flags_fo, unsigned optwords)
{
	size_t off = f->n;
	put8(f, 0x40 | (5 + optwords));
	put8(f, 0xb8); /* DSCP EF */
	put16(f, 0);
	put16(f, id);
	put16(f, flags_fo);
	put8(f, ttl);
	put8(f, proto);
	put16(f, 0);
	addr(f, AF_INET, src);
	addr(f, AF_INET, dst);
	for (unsigned i = 0; i < optwords * 4; i++)
		put8(f, 1); /* NOP */
	mark(f, "ipv4", K_IP_OUT);
	return off;
}

static void ip4_csum(struct fb *f, size_t off)
{
	size_t hl = (f->b[off] & 15u) * 4;
	wr16(f, off + 10, 0);
	wr16(f, off + 10, (uint16_t)~ref_fold(ref_sum(0, f->b + off, hl)));
}

static void b_ip4_end(struct fb *f, size_t off)
{
	wr16(f, off + 2, (unsigned)(f->n - off));
	ip4_csum(f, off);
}

static size_t b_ip6(struct fb *f, const char *src, const char *dst, unsigned nh, unsigned hlim)
{
	size_t off = f->n;
	put32(f, 0x6u << 28 | 0x2eu << 20 | 0x12345);
	put16(f, 0);
	put8(f, nh);
	put8(f, hlim);
	addr(f, AF_INET6, src);
	addr(f, AF_INET6, dst);
	mark(f, "ipv6", K_IP_OUT);
	return off;
}

static void b_ip6_end(struct fb *f, size_t off)
{
	wr16(f, off + 4, (unsigned)(f->n - off - 40));
}

/* hop-by-hop / routing / destination options: (units + 1) * 8 bytes of PadN */
static void b_ip6x(struct fb *f, unsigned next, unsigned units)
{
	size_t size = (units + 1) * 8;
	put8(f, next);
	put8(f, units);
	put8(f, 1); /* PadN */
	put8(f, size - 4);
	for (size_t i = 4; i < size; i++)
		put8(f, 0);
	mark(f, "ipv6 extension header", K_IP_OUT);
}

static void b_ip6frag(struct fb *f, unsigned next, unsigned off8, bool m, uint32_t id)
{
	put8(f, next);
	put8(f, 0);
	put16(f, off8 << 3 | (m ? 1 : 0));
	put32(f, id);
	mark(f, "ipv6 extension header", K_IP_OUT);
}

/* The pseudo-header of the IP header at ipoff (no routing header in these frames). */
static uint32_t ref_pseudo(const struct fb *f, size_t ipoff, unsigned proto, size_t len)
{
	uint8_t t[8] = {0};
	if (f->b[ipoff] >> 4 == 4) {
		uint32_t acc = ref_sum(0, f->b + ipoff + 12, 8);
		t[1] = (uint8_t)proto;
		t[2] = (uint8_t)(len >> 8);
		t[3] = (uint8_t)len;
		return ref_sum(acc, t, 4);
	}
	uint32_t acc = ref_sum(0, f->b + ipoff + 8, 32);
	t[0] = (uint8_t)(len >> 24);
	t[1] = (uint8_t)(len >> 16);
	t[2] = (uint8_t)(len >> 8);
	t[3] = (uint8_t)len;
	t[7] = (uint8_t)proto;
	return ref_sum(acc, t, 8);
}

static size_t b_udp(struct fb *f, unsigned sport, unsigned dport)
{
	size_t off = f->n;
	put16(f, sport);
	put16(f, dport);
	put16(f, 0);
	put16(f, 0);
	mark(f, "udp", K_L4_OUT);
	return off;
}

/* with_csum false leaves 0 (no checksum), as Linux VXLAN over IPv4 does */
static void b_udp_end(struct fb *f, size_t off, size_t ipoff, bool with_csum)
{
	size_t len = f->n - off;
	wr16(f, off + 4, (unsigned)len);
	wr16(f, off + 6, 0);
	if (!with_csum)
		return;
	uint16_t c = (uint16_t)~ref_fold(ref_sum(ref_pseudo(f, ipoff, 17, len), f->b + off, len));
	wr16(f, off + 6, c ? c : 0xffff);
}

static size_t b_tcp(struct fb *f, unsigned sport, unsigned dport, uint32_t seq, uint32_t ack,
		    unsigned flags, unsigned win, unsigned optwords)
{
	size_t off = f->n;
	put16(f, sport);
	put16(f, dport);
	put32(f, seq);
	put32(f, ack);
	put8(f, (5 + optwords) << 4);
	put8(f, flags);
	put16(f, win);
	put16(f, 0);
	put16(f, 0);
	for (unsigned i = 0; i < optwords * 4; i++)
		put8(f, 1);
	mark(f, "tcp", K_L4_OUT);
	return off;
}

static void b_tcp_end(struct fb *f, size_t off, size_t ipoff)
{
	size_t len = f->n - off;
	wr16(f, off + 16, 0);
	uint32_t sum = ref_sum(ref_pseudo(f, ipoff, 6, len), f->b + off, len);
	wr16(f, off + 16, (uint16_t)~ref_fold(sum));
}

static size_t b_icmp(struct fb *f, unsigned type, unsigned code, uint32_t rest, bool v6)
{
	size_t off = f->n;
	put8(f, type);
	put8(f, code);
	put16(f, 0);
	put32(f, rest);
	mark(f, v6 ? "icmpv6" : "icmp", K_L4_OUT);
	return off;
}

static void b_icmp_end(struct fb *f, size_t off)
{
	wr16(f, off + 2, 0);
	wr16(f, off + 2, (uint16_t)~ref_fold(ref_sum(0, f->b + off, f->n - off)));
}

static void b_icmp6_end(struct fb *f, size_t off, size_t ipoff)
{
	size_t len = f->n - off;
	wr16(f, off + 2, 0);
	wr16(f, off + 2,
	     (uint16_t)~ref_fold(ref_sum(ref_pseudo(f, ipoff, 58, len), f->b + off, len)));
}

/* Appends n bytes of the packet at o->b[ipoff..] as an ICMP error's quote; the
 * ICMP header (the last layer) now ends `extent` bytes into the quote. */
static void b_quote(struct fb *f, const struct fb *o, size_t ipoff, size_t n, size_t extent)
{
	size_t at = f->n;
	put(f, o->b + ipoff, n);
	f->lay[f->nlay - 1].end = at + extent;
}

static void b_vxlan(struct fb *f, unsigned flags, uint32_t vni)
{
	put8(f, flags);
	put8(f, 0);
	put16(f, 0);
	put32(f, vni << 8);
	mark(f, "vxlan", K_VXLAN);
}

static void b_data(struct fb *f, size_t n)
{
	for (size_t i = 0; i < n; i++)
		put8(f, (unsigned)(i * 7 + 3));
}

/* ---- decoding helpers ---- */

static const struct ct_decode_opts OPT_CSUM = {.checksums = true};
static const struct ct_decode_opts OPT_NONE = {.checksums = false};

static void dec(const struct fb *f, int dlt, const struct ct_decode_opts *o, struct ct_pkt *p)
{
	memset(p, 0xa5, sizeof(*p)); /* the decoder must not rely on a cleared struct */
	ct_pkt_decode(f->b, (uint32_t)f->n, (uint32_t)f->n, dlt, o, p);
}

static void assert_ip4(const struct ct_ip *a, const char *s)
{
	uint8_t b[4];
	assert_int_equal(inet_pton(AF_INET, s, b), 1);
	assert_int_equal(a->family, AF_INET);
	assert_memory_equal(a->a, b, 4);
}

static void assert_ip6(const struct ct_ip *a, const char *s)
{
	uint8_t b[16];
	assert_int_equal(inet_pton(AF_INET6, s, b), 1);
	assert_int_equal(a->family, AF_INET6);
	assert_memory_equal(a->a, b, 16);
}

static void assert_ok(const struct ct_pkt *p)
{
	if (p->status != CT_PKT_OK)
		fail_msg("status %s at '%s'", ct_pkt_status_names[p->status],
			 p->fault ? p->fault : "(null)");
	assert_null(p->fault);
}

static void assert_fault(const struct ct_pkt *p, enum ct_pkt_status st, const char *fault)
{
	if (p->status != st || !p->fault || strcmp(p->fault, fault) != 0)
		fail_msg("want %s at '%s', got %s at '%s'", ct_pkt_status_names[st], fault,
			 ct_pkt_status_names[p->status], p->fault ? p->fault : "(null)");
}

/* ---- the frames ---- */

/* Ethernet, IPv4 with one option word, TCP with 12 bytes of options, 100 bytes. */
static void fr_eth_tcp(struct fb *f)
{
	b_eth(f, MAC_B, MAC_A, 0x0800);
	size_t ip = b_ip4(f, "10.244.1.5", "10.244.2.7", 6, 64, 0x1234, 0x4000, 1);
	size_t t = b_tcp(f, 40000, 80, 1000000, 2000000, 0x18, 512, 3);
	b_data(f, 100);
	b_tcp_end(f, t, ip);
	b_ip4_end(f, ip);
}

/* QinQ: 802.1ad 100, 802.1Q 200, IPv4, UDP DNS. */
static void fr_qinq_udp(struct fb *f)
{
	b_eth(f, MAC_B, MAC_A, 0x88a8);
	b_vlan(f, 0x2000 | 100, 0x8100);
	b_vlan(f, 200, 0x0800);
	size_t ip = b_ip4(f, "192.168.31.201", "192.168.31.10", 17, 63, 7, 0, 0);
	size_t u = b_udp(f, 5353, 53);
	b_data(f, 21);
	b_udp_end(f, u, ip, true);
	b_ip4_end(f, ip);
}

/* SLL, IPv6 with hop-by-hop and destination options, TCP. */
static void fr_sll_v6ext_tcp(struct fb *f)
{
	b_sll(f, 0, 0x86dd);
	size_t ip = b_ip6(f, "fd00:10:244::5", "fd00:10:244:1::7", 0, 62);
	b_ip6x(f, 60, 0);
	b_ip6x(f, 6, 1);
	size_t t = b_tcp(f, 443, 51000, 0xfffffff0, 0x10, 0x12, 65535, 0);
	b_data(f, 11);
	b_tcp_end(f, t, ip);
	b_ip6_end(f, ip);
}

/* SLL2, outgoing (pkttype 4), ICMP echo request with 56 bytes. */
static void fr_sll2_echo(struct fb *f)
{
	b_sll2(f, 0x0800, 7, 4);
	size_t ip = b_ip4(f, "10.244.1.5", "10.244.2.7", 1, 64, 0xbeef, 0x4000, 0);
	size_t ic = b_icmp(f, 8, 0, 0x42420007, false);
	b_data(f, 56);
	b_icmp_end(f, ic);
	b_ip4_end(f, ip);
}

static void fr_raw_udp(struct fb *f)
{
	size_t ip = b_ip4(f, "172.16.0.1", "172.16.0.2", 17, 1, 99, 0, 0);
	size_t u = b_udp(f, 33434, 33435);
	b_data(f, 32);
	b_udp_end(f, u, ip, true);
	b_ip4_end(f, ip);
}

static void fr_raw6_echo(struct fb *f)
{
	size_t ip = b_ip6(f, "2001:db8::1", "2001:db8::2", 58, 64);
	size_t ic = b_icmp(f, 129, 0, 0x00110022, true);
	b_data(f, 16);
	b_icmp6_end(f, ic, ip);
	b_ip6_end(f, ip);
}

/* Calico IPIP: node to node, pod to pod inside. */
static void fr_ipip(struct fb *f)
{
	b_eth(f, MAC_B, MAC_A, 0x0800);
	size_t ip = b_ip4(f, "192.168.31.201", "192.168.31.202", 4, 64, 1, 0x4000, 0);
	f->inner = true;
	size_t in = b_ip4(f, "10.244.1.5", "10.244.2.7", 6, 63, 0x55aa, 0x4000, 0);
	size_t t = b_tcp(f, 41000, 8080, 7, 0, 0x02, 64240, 5);
	b_tcp_end(f, t, in);
	b_ip4_end(f, in);
	f->inner = false;
	b_ip4_end(f, ip);
}

/* IPv6 in IPv4 (protocol 41), UDP inside. */
static void fr_sit(struct fb *f)
{
	b_eth(f, MAC_B, MAC_A, 0x0800);
	size_t ip = b_ip4(f, "192.0.2.1", "192.0.2.2", 41, 30, 2, 0, 0);
	f->inner = true;
	size_t in = b_ip6(f, "2001:db8:1::1", "2001:db8:2::2", 17, 55);
	size_t u = b_udp(f, 1000, 2000);
	b_data(f, 9);
	b_udp_end(f, u, in, true);
	b_ip6_end(f, in);
	f->inner = false;
	b_ip4_end(f, ip);
}

/* Calico VXLAN: VNI 4096, port 4789, no outer UDP checksum, inner TCP. */
static void fr_vxlan(struct fb *f, unsigned port, uint32_t vni)
{
	b_eth(f, MAC_B, MAC_A, 0x0800);
	size_t ip = b_ip4(f, "192.168.31.201", "192.168.31.202", 17, 64, 0x777, 0, 0);
	size_t u = b_udp(f, 54321, port);
	b_vxlan(f, 0x08, vni);
	f->inner = true;
	b_eth(f, MAC_EE, MAC_POD, 0x0800);
	size_t in = b_ip4(f, "10.244.1.5", "10.244.2.7", 6, 63, 0x99, 0x4000, 0);
	size_t t = b_tcp(f, 40001, 443, 1, 2, 0x10, 1000, 0);
	b_data(f, 40);
	b_tcp_end(f, t, in);
	b_ip4_end(f, in);
	f->inner = false;
	b_udp_end(f, u, ip, false);
	b_ip4_end(f, ip);
}

static void fr_vxlan4789(struct fb *f)
{
	fr_vxlan(f, 4789, 4096);
}

/* flannel: port 8472, VNI 1, inner ICMP echo reply. */
static void fr_flannel(struct fb *f)
{
	b_eth(f, MAC_B, MAC_A, 0x0800);
	size_t ip = b_ip4(f, "192.168.31.202", "192.168.31.201", 17, 64, 3, 0, 0);
	size_t u = b_udp(f, 40000, 8472);
	b_vxlan(f, 0x08, 1);
	f->inner = true;
	b_eth(f, MAC_POD, MAC_EE, 0x0800);
	size_t in = b_ip4(f, "10.244.2.7", "10.244.1.5", 1, 63, 4, 0, 0);
	size_t ic = b_icmp(f, 0, 0, 0x12340001, false);
	b_data(f, 24);
	b_icmp_end(f, ic);
	b_ip4_end(f, in);
	f->inner = false;
	b_udp_end(f, u, ip, true);
	b_ip4_end(f, ip);
}

/* VXLAN over IPv6 with a UDP checksum, inner IPv6 UDP. */
static void fr_vxlan6(struct fb *f)
{
	b_eth(f, MAC_B, MAC_A, 0x86dd);
	size_t ip = b_ip6(f, "fd00::c9", "fd00::ca", 17, 64);
	size_t u = b_udp(f, 50000, 4789);
	b_vxlan(f, 0x08, 0xabcdef);
	f->inner = true;
	b_eth(f, MAC_EE, MAC_POD, 0x86dd);
	size_t in = b_ip6(f, "fd00:10:244::5", "fd00:10:244:1::7", 17, 63);
	size_t iu = b_udp(f, 5000, 6000);
	b_data(f, 13);
	b_udp_end(f, iu, in, true);
	b_ip6_end(f, in);
	f->inner = false;
	b_udp_end(f, u, ip, true);
	b_ip6_end(f, ip);
}

/* The original packet an ICMP error quotes. */
static size_t orig_tcp(struct fb *o)
{
	size_t ip = b_ip4(o, "10.244.1.5", "10.96.0.10", 6, 63, 0x4321, 0x4000, 0);
	size_t t = b_tcp(o, 40000, 443, 5, 6, 0x18, 100, 0);
	b_data(o, 1400);
	b_tcp_end(o, t, ip);
	b_ip4_end(o, ip);
	return ip;
}

/* Frag needed (3/4), MTU 1430, quoting IP header + the TCP header. */
static void fr_fragneeded(struct fb *f)
{
	struct fb o = {0};
	size_t oip = orig_tcp(&o);
	b_eth(f, MAC_A, MAC_B, 0x0800);
	size_t ip = b_ip4(f, "192.168.31.202", "10.244.1.5", 1, 64, 9, 0, 0);
	size_t ic = b_icmp(f, 3, 4, 1430, false);
	b_quote(f, &o, oip, 40, 24);
	b_icmp_end(f, ic);
	b_ip4_end(f, ip);
}

/* Time exceeded (11/0) on SLL2, quoting IP header + 8 bytes of UDP. */
static void fr_ttl_exceeded(struct fb *f)
{
	struct fb o = {0};
	size_t oip = b_ip4(&o, "10.244.1.5", "8.8.8.8", 17, 1, 77, 0, 0);
	size_t ou = b_udp(&o, 33434, 33435);
	b_data(&o, 32);
	b_udp_end(&o, ou, oip, true);
	b_ip4_end(&o, oip);
	b_sll2(f, 0x0800, 3, 0);
	size_t ip = b_ip4(f, "192.168.31.1", "10.244.1.5", 1, 255, 10, 0, 0);
	size_t ic = b_icmp(f, 11, 0, 0, false);
	b_quote(f, &o, oip, 28, 24);
	b_icmp_end(f, ic);
	b_ip4_end(f, ip);
}

/* ICMPv6 packet too big, MTU 1280, quoting IPv6 + UDP. */
static void fr_ptb(struct fb *f)
{
	struct fb o = {0};
	size_t oip = b_ip6(&o, "fd00:10:244::5", "fd00:10:96::a", 17, 64);
	size_t ou = b_udp(&o, 12345, 53);
	b_data(&o, 1300);
	b_udp_end(&o, ou, oip, true);
	b_ip6_end(&o, oip);
	b_eth(f, MAC_A, MAC_B, 0x86dd);
	size_t ip = b_ip6(f, "fd00::1", "fd00:10:244::5", 58, 64);
	size_t ic = b_icmp(f, 2, 0, 1280, true);
	b_quote(f, &o, oip, 120, 44);
	b_icmp6_end(f, ic, ip);
	b_ip6_end(f, ip);
}

struct frame {
	const char *name;
	int dlt;
	void (*build)(struct fb *);
};

static const struct frame FRAMES[] = {
	{"eth_tcp", CT_DLT_EN10MB, fr_eth_tcp},
	{"qinq_udp", CT_DLT_EN10MB, fr_qinq_udp},
	{"sll_v6ext_tcp", CT_DLT_LINUX_SLL, fr_sll_v6ext_tcp},
	{"sll2_echo", CT_DLT_LINUX_SLL2, fr_sll2_echo},
	{"raw_udp", CT_DLT_RAW, fr_raw_udp},
	{"raw6_echo", CT_DLT_RAW, fr_raw6_echo},
	{"ipip", CT_DLT_EN10MB, fr_ipip},
	{"sit", CT_DLT_EN10MB, fr_sit},
	{"vxlan4789", CT_DLT_EN10MB, fr_vxlan4789},
	{"flannel", CT_DLT_EN10MB, fr_flannel},
	{"vxlan6", CT_DLT_EN10MB, fr_vxlan6},
	{"fragneeded", CT_DLT_EN10MB, fr_fragneeded},
	{"ttl_exceeded", CT_DLT_LINUX_SLL2, fr_ttl_exceeded},
	{"ptb", CT_DLT_EN10MB, fr_ptb},
};
#define N_FRAMES (sizeof(FRAMES) / sizeof(FRAMES[0]))

static void build(const struct frame *fr, struct fb *f)
{
	memset(f, 0, sizeof(*f));
	fr->build(f);
}

/* ---- every field of every frame ---- */

static void test_eth_tcp(void **state)
{
	struct fb f = {0};
	struct ct_pkt p;
	fr_eth_tcp(&f);
	dec(&f, CT_DLT_EN10MB, &OPT_CSUM, &p);
	assert_ok(&p);
	assert_int_equal(p.caplen, f.n);
	assert_int_equal(p.len, f.n);
	assert_true(p.has_eth);
	assert_memory_equal(p.eth_dst, MAC_B, 6);
	assert_memory_equal(p.eth_src, MAC_A, 6);
	assert_int_equal(p.ethertype, 0x0800);
	assert_int_equal(p.n_vlan, 0);
	assert_int_equal(p.sll_pkttype, 0xffff);
	assert_int_equal(p.sll_ifindex, 0);
	const struct ct_pkt_ip *ip = &p.outer;
	assert_true(ip->present);
	assert_int_equal(ip->version, 4);
	assert_ip4(&ip->src, "10.244.1.5");
	assert_ip4(&ip->dst, "10.244.2.7");
	assert_int_equal(ip->proto, 6);
	assert_int_equal(ip->ttl, 64);
	assert_int_equal(ip->tos, 0xb8);
	assert_int_equal(ip->id, 0x1234);
	assert_true(ip->df);
	assert_false(ip->mf);
	assert_int_equal(ip->frag_off, 0);
	assert_int_equal(ip->hdr_len, 24);
	assert_int_equal(ip->total_len, 24 + 32 + 100);
	assert_int_equal(ip->csum_ok, 1);
	const struct ct_pkt_l4 *l4 = &p.outer_l4;
	assert_true(l4->present);
	assert_int_equal(l4->proto, 6);
	assert_int_equal(l4->sport, 40000);
	assert_int_equal(l4->dport, 80);
	assert_int_equal(l4->seq, 1000000);
	assert_int_equal(l4->ack, 2000000);
	assert_int_equal(l4->tcp_flags, 0x18);
	assert_int_equal(l4->window, 512);
	assert_int_equal(l4->payload_len, 100);
	assert_int_equal(l4->csum_ok, 1);
	assert_false(l4->quoted_present);
	assert_int_equal(p.encap, CT_ENCAP_NONE);
	assert_false(p.has_inner_eth);
	assert_false(p.inner.present);
	assert_false(p.inner_l4.present);
	assert_ptr_equal(ct_pkt_top_ip(&p), &p.outer);
	assert_ptr_equal(ct_pkt_top_l4(&p), &p.outer_l4);

	/* the same without checksums: nothing checked */
	dec(&f, CT_DLT_EN10MB, &OPT_NONE, &p);
	assert_ok(&p);
	assert_int_equal(p.outer.csum_ok, -1);
	assert_int_equal(p.outer_l4.csum_ok, -1);
	/* and with no options at all */
	dec(&f, CT_DLT_EN10MB, NULL, &p);
	assert_ok(&p);
	assert_int_equal(p.outer_l4.sport, 40000);
	assert_int_equal(p.outer_l4.csum_ok, -1);
}

static void test_qinq_udp(void **state)
{
	struct fb f = {0};
	struct ct_pkt p;
	fr_qinq_udp(&f);
	dec(&f, CT_DLT_EN10MB, &OPT_CSUM, &p);
	assert_ok(&p);
	assert_int_equal(p.n_vlan, 2);
	assert_int_equal(p.vlan[0], 100);
	assert_int_equal(p.vlan[1], 200);
	assert_int_equal(p.ethertype, 0x0800);
	assert_ip4(&p.outer.src, "192.168.31.201");
	assert_ip4(&p.outer.dst, "192.168.31.10");
	assert_int_equal(p.outer.ttl, 63);
	assert_false(p.outer.df);
	assert_int_equal(p.outer.hdr_len, 20);
	assert_int_equal(p.outer.csum_ok, 1);
	assert_int_equal(p.outer_l4.proto, 17);
	assert_int_equal(p.outer_l4.sport, 5353);
	assert_int_equal(p.outer_l4.dport, 53);
	assert_int_equal(p.outer_l4.payload_len, 21);
	assert_int_equal(p.outer_l4.csum_ok, 1);
}

static void test_sll_v6ext_tcp(void **state)
{
	struct fb f = {0};
	struct ct_pkt p;
	fr_sll_v6ext_tcp(&f);
	dec(&f, CT_DLT_LINUX_SLL, &OPT_CSUM, &p);
	assert_ok(&p);
	assert_false(p.has_eth);
	assert_int_equal(p.sll_pkttype, 0);
	assert_int_equal(p.sll_ifindex, 0);
	assert_int_equal(p.ethertype, 0x86dd);
	const struct ct_pkt_ip *ip = &p.outer;
	assert_int_equal(ip->version, 6);
	assert_ip6(&ip->src, "fd00:10:244::5");
	assert_ip6(&ip->dst, "fd00:10:244:1::7");
	assert_int_equal(ip->proto, 6);
	assert_int_equal(ip->ttl, 62);
	assert_int_equal(ip->tos, 0x2e);
	assert_int_equal(ip->flow_label, 0x12345);
	assert_int_equal(ip->hdr_len, 40 + 8 + 16);
	assert_int_equal(ip->total_len, f.n - 16);
	assert_int_equal(ip->csum_ok, -1);
	assert_int_equal(p.outer_l4.sport, 443);
	assert_int_equal(p.outer_l4.dport, 51000);
	assert_int_equal(p.outer_l4.seq, 0xfffffff0);
	assert_int_equal(p.outer_l4.ack, 0x10);
	assert_int_equal(p.outer_l4.tcp_flags, 0x12);
	assert_int_equal(p.outer_l4.window, 65535);
	assert_int_equal(p.outer_l4.payload_len, 11);
	assert_int_equal(p.outer_l4.csum_ok, 1);
}

static void test_sll2_echo(void **state)
{
	struct fb f = {0};
	struct ct_pkt p;
	fr_sll2_echo(&f);
	dec(&f, CT_DLT_LINUX_SLL2, &OPT_CSUM, &p);
	assert_ok(&p);
	assert_int_equal(p.sll_pkttype, 4);
	assert_int_equal(p.sll_ifindex, 7);
	assert_int_equal(p.outer.id, 0xbeef);
	assert_int_equal(p.outer_l4.proto, 1);
	assert_int_equal(p.outer_l4.icmp_type, 8);
	assert_int_equal(p.outer_l4.icmp_code, 0);
	assert_int_equal(p.outer_l4.icmp_id, 0x4242);
	assert_int_equal(p.outer_l4.icmp_seq, 7);
	assert_int_equal(p.outer_l4.icmp_mtu, 0);
	assert_int_equal(p.outer_l4.sport, 0);
	assert_int_equal(p.outer_l4.payload_len, 56);
	assert_int_equal(p.outer_l4.csum_ok, 1);
}

static void test_raw_linktypes(void **state)
{
	struct fb f = {0}, g = {0};
	struct ct_pkt p;
	fr_raw_udp(&f);
	fr_raw6_echo(&g);
	const int v4[] = {CT_DLT_RAW, 101, 14, 228};
	for (size_t i = 0; i < 4; i++) {
		dec(&f, v4[i], &OPT_CSUM, &p);
		assert_ok(&p);
		assert_false(p.has_eth);
		assert_int_equal(p.ethertype, 0);
		assert_ip4(&p.outer.src, "172.16.0.1");
		assert_int_equal(p.outer.ttl, 1);
		assert_int_equal(p.outer_l4.sport, 33434);
		assert_int_equal(p.outer_l4.dport, 33435);
		assert_int_equal(p.outer_l4.payload_len, 32);
		assert_int_equal(p.outer_l4.csum_ok, 1);
	}
	const int v6[] = {CT_DLT_RAW, 101, 14, 229};
	for (size_t i = 0; i < 4; i++) {
		dec(&g, v6[i], &OPT_CSUM, &p);
		assert_ok(&p);
		assert_ip6(&p.outer.dst, "2001:db8::2");
		assert_int_equal(p.outer_l4.proto, 58);
		assert_int_equal(p.outer_l4.icmp_type, 129);
		assert_int_equal(p.outer_l4.icmp_id, 0x11);
		assert_int_equal(p.outer_l4.icmp_seq, 0x22);
		assert_int_equal(p.outer_l4.payload_len, 16);
		assert_int_equal(p.outer_l4.csum_ok, 1);
	}
	/* DLT_IPV4 says IPv4: a version-6 header there is invalid, and the other way round */
	dec(&g, 228, &OPT_CSUM, &p);
	assert_fault(&p, CT_PKT_INVALID, "ipv4");
	dec(&f, 229, &OPT_CSUM, &p);
	assert_fault(&p, CT_PKT_INVALID, "ipv6");
	/* raw with a version that is neither */
	f.b[0] = 0x55;
	dec(&f, CT_DLT_RAW, &OPT_CSUM, &p);
	assert_fault(&p, CT_PKT_INVALID, "ip");
	ct_pkt_decode(f.b, 0, 60, CT_DLT_RAW, &OPT_CSUM, &p);
	assert_fault(&p, CT_PKT_TRUNCATED, "ip");
}

static void test_ipip(void **state)
{
	struct fb f = {0};
	struct ct_pkt p;
	fr_ipip(&f);
	dec(&f, CT_DLT_EN10MB, &OPT_CSUM, &p);
	assert_ok(&p);
	assert_int_equal(p.encap, CT_ENCAP_IPIP);
	assert_ip4(&p.outer.src, "192.168.31.201");
	assert_ip4(&p.outer.dst, "192.168.31.202");
	assert_int_equal(p.outer.proto, 4);
	assert_int_equal(p.outer.total_len, 20 + 20 + 40);
	assert_int_equal(p.outer.csum_ok, 1);
	assert_false(p.outer_l4.present);
	assert_false(p.has_inner_eth);
	assert_int_equal(p.inner_ip_off, 14 + 20);
	assert_true(p.inner.present);
	assert_ip4(&p.inner.src, "10.244.1.5");
	assert_ip4(&p.inner.dst, "10.244.2.7");
	assert_int_equal(p.inner.id, 0x55aa);
	assert_int_equal(p.inner.ttl, 63);
	assert_int_equal(p.inner.total_len, 40 + 20);
	assert_int_equal(p.inner.csum_ok, 1);
	assert_int_equal(p.inner_l4.sport, 41000);
	assert_int_equal(p.inner_l4.dport, 8080);
	assert_int_equal(p.inner_l4.tcp_flags, 0x02);
	assert_int_equal(p.inner_l4.window, 64240);
	assert_int_equal(p.inner_l4.payload_len, 0);
	assert_int_equal(p.inner_l4.csum_ok, 1);
	assert_ptr_equal(ct_pkt_top_ip(&p), &p.inner);
	assert_ptr_equal(ct_pkt_top_l4(&p), &p.inner_l4);
	/* the same packet as a TUN device (tunl0) shows it: raw IP */
	struct fb r = {0};
	memcpy(r.b, f.b + 14, f.n - 14);
	r.n = f.n - 14;
	dec(&r, CT_DLT_RAW, &OPT_CSUM, &p);
	assert_ok(&p);
	assert_int_equal(p.encap, CT_ENCAP_IPIP);
	assert_int_equal(p.inner_ip_off, 20);
	assert_int_equal(p.inner_l4.dport, 8080);
}

static void test_sit(void **state)
{
	struct fb f = {0};
	struct ct_pkt p;
	fr_sit(&f);
	dec(&f, CT_DLT_EN10MB, &OPT_CSUM, &p);
	assert_ok(&p);
	assert_int_equal(p.encap, CT_ENCAP_SIT);
	assert_int_equal(p.outer.proto, 41);
	assert_int_equal(p.inner.version, 6);
	assert_ip6(&p.inner.src, "2001:db8:1::1");
	assert_ip6(&p.inner.dst, "2001:db8:2::2");
	assert_int_equal(p.inner.ttl, 55);
	assert_int_equal(p.inner_ip_off, 34);
	assert_int_equal(p.inner_l4.proto, 17);
	assert_int_equal(p.inner_l4.sport, 1000);
	assert_int_equal(p.inner_l4.dport, 2000);
	assert_int_equal(p.inner_l4.payload_len, 9);
	assert_int_equal(p.inner_l4.csum_ok, 1);
}

static void check_vxlan_frame(const struct ct_pkt *p, unsigned port, uint32_t vni)
{
	assert_ok(p);
	assert_int_equal(p->encap, CT_ENCAP_VXLAN);
	assert_int_equal(p->vni, vni);
	assert_int_equal(p->outer_l4.proto, 17);
	assert_int_equal(p->outer_l4.sport, 54321);
	assert_int_equal(p->outer_l4.dport, port);
	assert_int_equal(p->outer_l4.payload_len, 8 + 14 + 20 + 20 + 40);
	assert_int_equal(p->outer_l4.csum_ok, -1); /* 0: no checksum */
	assert_true(p->has_inner_eth);
	assert_memory_equal(p->inner_eth_dst, MAC_EE, 6);
	assert_memory_equal(p->inner_eth_src, MAC_POD, 6);
	assert_int_equal(p->inner_ethertype, 0x0800);
	assert_int_equal(p->inner_eth_off, 14 + 20 + 8 + 8);
	assert_int_equal(p->inner_ip_off, 14 + 20 + 8 + 8 + 14);
	assert_ip4(&p->inner.src, "10.244.1.5");
	assert_ip4(&p->inner.dst, "10.244.2.7");
	assert_true(p->inner.df);
	assert_int_equal(p->inner.csum_ok, 1);
	assert_int_equal(p->inner_l4.sport, 40001);
	assert_int_equal(p->inner_l4.dport, 443);
	assert_int_equal(p->inner_l4.seq, 1);
	assert_int_equal(p->inner_l4.ack, 2);
	assert_int_equal(p->inner_l4.payload_len, 40);
	assert_int_equal(p->inner_l4.csum_ok, 1);
	assert_ptr_equal(ct_pkt_top_ip(p), &p->inner);
	assert_ptr_equal(ct_pkt_top_l4(p), &p->inner_l4);
}

static void test_vxlan(void **state)
{
	struct fb f = {0};
	struct ct_pkt p;
	fr_vxlan4789(&f);
	dec(&f, CT_DLT_EN10MB, &OPT_CSUM, &p);
	check_vxlan_frame(&p, 4789, 4096);
	/* the port on the source side counts too */
	struct fb g = f;
	wr16(&g, 34, 4789);
	wr16(&g, 36, 1234);
	dec(&g, CT_DLT_EN10MB, &OPT_CSUM, &p);
	assert_ok(&p);
	assert_int_equal(p.encap, CT_ENCAP_VXLAN);
	assert_int_equal(p.vni, 4096);
}

static void test_vxlan_flannel_8472(void **state)
{
	struct fb f = {0};
	struct ct_pkt p;
	fr_flannel(&f);
	dec(&f, CT_DLT_EN10MB, &OPT_CSUM, &p);
	assert_ok(&p);
	assert_int_equal(p.encap, CT_ENCAP_VXLAN);
	assert_int_equal(p.vni, 1);
	assert_int_equal(p.outer_l4.dport, 8472);
	assert_int_equal(p.outer_l4.csum_ok, 1);
	assert_int_equal(p.inner_l4.proto, 1);
	assert_int_equal(p.inner_l4.icmp_type, 0);
	assert_int_equal(p.inner_l4.icmp_id, 0x1234);
	assert_int_equal(p.inner_l4.icmp_seq, 1);
	assert_int_equal(p.inner_l4.csum_ok, 1);
	assert_ip4(&p.inner.src, "10.244.2.7");
}

static void test_vxlan_custom_port(void **state)
{
	struct fb f = {0};
	struct ct_pkt p;
	fr_vxlan(&f, 4790, 77);
	/* not a VXLAN port by default: plain UDP */
	dec(&f, CT_DLT_EN10MB, &OPT_CSUM, &p);
	assert_ok(&p);
	assert_int_equal(p.encap, CT_ENCAP_NONE);
	assert_int_equal(p.outer_l4.dport, 4790);
	assert_false(p.inner.present);
	assert_ptr_equal(ct_pkt_top_l4(&p), &p.outer_l4);
	struct ct_decode_opts o = {.vxlan_ports = {4790}, .n_vxlan_ports = 1, .checksums = true};
	dec(&f, CT_DLT_EN10MB, &o, &p);
	check_vxlan_frame(&p, 4790, 77);
	/* a custom list replaces the defaults */
	struct fb g = {0};
	fr_vxlan4789(&g);
	dec(&g, CT_DLT_EN10MB, &o, &p);
	assert_ok(&p);
	assert_int_equal(p.encap, CT_ENCAP_NONE);
	/* the last of eight ports, and a count past eight is clamped */
	struct ct_decode_opts o8 = {.vxlan_ports = {1, 2, 3, 4, 5, 6, 7, 4790},
				    .n_vxlan_ports = 99};
	dec(&f, CT_DLT_EN10MB, &o8, &p);
	assert_int_equal(p.encap, CT_ENCAP_VXLAN);
	assert_int_equal(p.vni, 77);
}

static void test_vxlan6(void **state)
{
	struct fb f = {0};
	struct ct_pkt p;
	fr_vxlan6(&f);
	dec(&f, CT_DLT_EN10MB, &OPT_CSUM, &p);
	assert_ok(&p);
	assert_int_equal(p.encap, CT_ENCAP_VXLAN);
	assert_int_equal(p.vni, 0xabcdef);
	assert_int_equal(p.outer.version, 6);
	assert_int_equal(p.outer_l4.csum_ok, 1);
	assert_int_equal(p.inner_ethertype, 0x86dd);
	assert_ip6(&p.inner.src, "fd00:10:244::5");
	assert_int_equal(p.inner_l4.sport, 5000);
	assert_int_equal(p.inner_l4.payload_len, 13);
	assert_int_equal(p.inner_l4.csum_ok, 1);
}

static void test_icmp_frag_needed(void **state)
{
	struct fb f = {0};
	struct ct_pkt p;
	fr_fragneeded(&f);
	dec(&f, CT_DLT_EN10MB, &OPT_CSUM, &p);
	assert_ok(&p);
	const struct ct_pkt_l4 *l4 = &p.outer_l4;
	assert_int_equal(l4->icmp_type, 3);
	assert_int_equal(l4->icmp_code, 4);
	assert_int_equal(l4->icmp_mtu, 1430);
	assert_int_equal(l4->icmp_id, 0);
	assert_int_equal(l4->payload_len, 40);
	assert_int_equal(l4->csum_ok, 1);
	assert_true(l4->quoted_present);
	assert_int_equal(l4->quoted.version, 4);
	assert_ip4(&l4->quoted.src, "10.244.1.5");
	assert_ip4(&l4->quoted.dst, "10.96.0.10");
	assert_int_equal(l4->quoted.proto, 6);
	assert_int_equal(l4->quoted.id, 0x4321);
	assert_true(l4->quoted.df);
	/* the quote's total length is the original's, not what was quoted */
	assert_int_equal(l4->quoted.total_len, 20 + 20 + 1400);
	assert_int_equal(l4->quoted.csum_ok, -1);
	assert_int_equal(l4->quoted_sport, 40000);
	assert_int_equal(l4->quoted_dport, 443);
	/* MTU never comes from the captured length: a capture cut after the
	 * ICMP header still says 1430 */
	ct_pkt_decode(f.b, 14 + 20 + 8, (uint32_t)f.n, CT_DLT_EN10MB, &OPT_CSUM, &p);
	assert_fault(&p, CT_PKT_TRUNCATED, "icmp");
	assert_int_equal(p.outer_l4.icmp_mtu, 1430);
	assert_int_equal(p.outer_l4.csum_ok, -1);
	assert_false(p.outer_l4.quoted_present);
	/* a quote that ends (by the IP length) before the ports: less in it, not an error */
	struct fb g = {0};
	struct fb o = {0};
	size_t oip = orig_tcp(&o);
	b_eth(&g, MAC_A, MAC_B, 0x0800);
	size_t ip = b_ip4(&g, "192.168.31.202", "10.244.1.5", 1, 64, 9, 0, 0);
	size_t ic = b_icmp(&g, 3, 4, 1430, false);
	b_quote(&g, &o, oip, 22, 22);
	b_icmp_end(&g, ic);
	b_ip4_end(&g, ip);
	dec(&g, CT_DLT_EN10MB, &OPT_CSUM, &p);
	assert_ok(&p);
	assert_true(p.outer_l4.quoted_present);
	assert_int_equal(p.outer_l4.quoted_sport, 0);
	/* an impossible quoted header (IHL 3) is invalid */
	g.b[14 + 20 + 8] = 0x43;
	dec(&g, CT_DLT_EN10MB, &OPT_CSUM, &p);
	assert_fault(&p, CT_PKT_INVALID, "icmp");
	assert_int_equal(p.outer_l4.icmp_mtu, 1430);
}

static void test_icmp_ttl_exceeded(void **state)
{
	struct fb f = {0};
	struct ct_pkt p;
	fr_ttl_exceeded(&f);
	dec(&f, CT_DLT_LINUX_SLL2, &OPT_CSUM, &p);
	assert_ok(&p);
	assert_int_equal(p.sll_ifindex, 3);
	assert_int_equal(p.outer_l4.icmp_type, 11);
	assert_int_equal(p.outer_l4.icmp_mtu, 0);
	assert_true(p.outer_l4.quoted_present);
	assert_int_equal(p.outer_l4.quoted.proto, 17);
	assert_int_equal(p.outer_l4.quoted.ttl, 1);
	assert_ip4(&p.outer_l4.quoted.dst, "8.8.8.8");
	assert_int_equal(p.outer_l4.quoted_sport, 33434);
	assert_int_equal(p.outer_l4.quoted_dport, 33435);
	assert_int_equal(p.outer_l4.csum_ok, 1);
}

static void test_icmp6_ptb(void **state)
{
	struct fb f = {0};
	struct ct_pkt p;
	fr_ptb(&f);
	dec(&f, CT_DLT_EN10MB, &OPT_CSUM, &p);
	assert_ok(&p);
	const struct ct_pkt_l4 *l4 = &p.outer_l4;
	assert_int_equal(l4->proto, 58);
	assert_int_equal(l4->icmp_type, 2);
	assert_int_equal(l4->icmp_mtu, 1280);
	assert_int_equal(l4->csum_ok, 1);
	assert_true(l4->quoted_present);
	assert_int_equal(l4->quoted.version, 6);
	assert_ip6(&l4->quoted.src, "fd00:10:244::5");
	assert_ip6(&l4->quoted.dst, "fd00:10:96::a");
	assert_int_equal(l4->quoted.proto, 17);
	assert_int_equal(l4->quoted.total_len, 40 + 8 + 1300);
	assert_int_equal(l4->quoted_sport, 12345);
	assert_int_equal(l4->quoted_dport, 53);
	/* a 32-bit MTU past 65535 saturates */
	wr16(&f, 14 + 40 + 4, 1);
	wr16(&f, 14 + 40 + 6, 0x1170);
	dec(&f, CT_DLT_EN10MB, &OPT_CSUM, &p);
	assert_ok(&p);
	assert_int_equal(p.outer_l4.icmp_mtu, 65535);
	assert_int_equal(p.outer_l4.csum_ok, 0);
}

static void test_fragments(void **state)
{
	struct fb f = {0};
	struct ct_pkt p;
	/* not the first fragment: no L4, even though the bytes would parse as UDP */
	b_eth(&f, MAC_B, MAC_A, 0x0800);
	size_t ip = b_ip4(&f, "10.0.0.1", "10.0.0.2", 17, 64, 0x77, 0x2000 | 185, 0);
	b_data(&f, 64);
	b_ip4_end(&f, ip);
	dec(&f, CT_DLT_EN10MB, &OPT_CSUM, &p);
	assert_ok(&p);
	assert_int_equal(p.outer.proto, 17);
	assert_int_equal(p.outer.frag_off, 1480);
	assert_true(p.outer.mf);
	assert_int_equal(p.outer.csum_ok, 1);
	assert_false(p.outer_l4.present);
	assert_null(ct_pkt_top_l4(&p));
	/* the last fragment, carrying "IPIP": still no inner */
	f.b[14 + 9] = 4;
	wr16(&f, 14 + 6, 185);
	ip4_csum(&f, 14);
	dec(&f, CT_DLT_EN10MB, &OPT_CSUM, &p);
	assert_ok(&p);
	assert_false(p.outer.mf);
	assert_int_equal(p.encap, CT_ENCAP_NONE);
	assert_false(p.inner.present);

	/* the first fragment: L4 is there, its checksum cannot be checked, the UDP
	 * length is the whole datagram's */
	struct fb g = {0};
	b_eth(&g, MAC_B, MAC_A, 0x0800);
	ip = b_ip4(&g, "10.0.0.1", "10.0.0.2", 17, 64, 0x78, 0x2000, 0);
	size_t u = b_udp(&g, 1111, 2222);
	b_data(&g, 2000);
	b_udp_end(&g, u, ip, true);
	g.n = 14 + 20 + 1480;
	b_ip4_end(&g, ip);
	dec(&g, CT_DLT_EN10MB, &OPT_CSUM, &p);
	assert_ok(&p);
	assert_true(p.outer.mf);
	assert_int_equal(p.outer.frag_off, 0);
	assert_true(p.outer_l4.present);
	assert_int_equal(p.outer_l4.sport, 1111);
	assert_int_equal(p.outer_l4.payload_len, 2000);
	assert_int_equal(p.outer_l4.csum_ok, -1);

	/* VXLAN fragmented by a small underlay MTU: the first fragment still has
	 * the whole inner header, and lengths that reach into the next fragment */
	struct fb vf = {0};
	b_eth(&vf, MAC_B, MAC_A, 0x0800);
	ip = b_ip4(&vf, "192.168.31.201", "192.168.31.202", 17, 64, 0x321, 0x2000, 0);
	u = b_udp(&vf, 54321, 4789);
	b_vxlan(&vf, 0x08, 4096);
	vf.inner = true;
	b_eth(&vf, MAC_EE, MAC_POD, 0x0800);
	size_t in = b_ip4(&vf, "10.244.1.5", "10.244.2.7", 6, 63, 0x99, 0x4000, 0);
	size_t th = b_tcp(&vf, 40001, 443, 1, 2, 0x10, 1000, 0);
	b_data(&vf, 1400);
	b_tcp_end(&vf, th, in);
	b_ip4_end(&vf, in);
	b_udp_end(&vf, u, ip, false);
	vf.n = 14 + 1000;
	b_ip4_end(&vf, ip);
	dec(&vf, CT_DLT_EN10MB, &OPT_CSUM, &p);
	assert_ok(&p);
	assert_true(p.outer.mf);
	assert_int_equal(p.encap, CT_ENCAP_VXLAN);
	assert_int_equal(p.outer_l4.payload_len, 8 + 14 + 20 + 20 + 1400);
	assert_int_equal(p.inner.total_len, 1440);
	assert_int_equal(p.inner_l4.payload_len, 1400);
	assert_int_equal(p.inner_l4.csum_ok, -1);
	/* a fragment that ends inside the inner TCP header is cut, not invalid */
	vf.n = 14 + 20 + 8 + 8 + 14 + 20 + 10;
	b_ip4_end(&vf, ip);
	dec(&vf, CT_DLT_EN10MB, &OPT_CSUM, &p);
	assert_fault(&p, CT_PKT_TRUNCATED, "inner tcp");
	assert_true(p.inner.present);

	/* IPv6: a fragment header, not the first */
	struct fb h = {0};
	b_eth(&h, MAC_B, MAC_A, 0x86dd);
	ip = b_ip6(&h, "fd00::1", "fd00::2", 44, 64);
	b_ip6frag(&h, 17, 100, true, 0xdeadbeef);
	b_data(&h, 32);
	b_ip6_end(&h, ip);
	dec(&h, CT_DLT_EN10MB, &OPT_CSUM, &p);
	assert_ok(&p);
	assert_int_equal(p.outer.proto, 17);
	assert_int_equal(p.outer.frag_off, 800);
	assert_true(p.outer.mf);
	assert_int_equal(p.outer.hdr_len, 48);
	assert_false(p.outer_l4.present);

	/* an atomic fragment (offset 0, no M, RFC 6946) is a whole packet */
	struct fb at = {0};
	b_eth(&at, MAC_B, MAC_A, 0x86dd);
	ip = b_ip6(&at, "fd00::1", "fd00::2", 44, 64);
	b_ip6frag(&at, 17, 0, false, 2);
	u = b_udp(&at, 53, 5353);
	b_data(&at, 10);
	b_ip6_end(&at, ip);
	b_udp_end(&at, u, ip, true);
	dec(&at, CT_DLT_EN10MB, &OPT_CSUM, &p);
	assert_ok(&p);
	assert_false(p.outer.mf);
	assert_int_equal(p.outer.hdr_len, 48);
	assert_int_equal(p.outer_l4.payload_len, 10);
	assert_int_equal(p.outer_l4.csum_ok, 1);
	/* cut inside the UDP header, by the capture */
	ct_pkt_decode(at.b, 14 + 48 + 4, (uint32_t)at.n, CT_DLT_EN10MB, &OPT_CSUM, &p);
	assert_fault(&p, CT_PKT_TRUNCATED, "udp");
	/* and by its own payload length: invalid, not truncated */
	wr16(&at, 14 + 4, 8 + 4);
	dec(&at, CT_DLT_EN10MB, &OPT_CSUM, &p);
	assert_fault(&p, CT_PKT_INVALID, "udp");

	/* IPv6 first fragment: UDP decoded, checksum not checked */
	struct fb k = {0};
	b_eth(&k, MAC_B, MAC_A, 0x86dd);
	ip = b_ip6(&k, "fd00::1", "fd00::2", 44, 64);
	b_ip6frag(&k, 17, 0, true, 1);
	u = b_udp(&k, 53, 5353);
	b_data(&k, 100);
	wr16(&k, u + 4, 3000);
	wr16(&k, u + 6, 0x1234);
	b_ip6_end(&k, ip);
	dec(&k, CT_DLT_EN10MB, &OPT_CSUM, &p);
	assert_ok(&p);
	assert_int_equal(p.outer.frag_off, 0);
	assert_true(p.outer.mf);
	assert_int_equal(p.outer_l4.dport, 5353);
	assert_int_equal(p.outer_l4.payload_len, 3000 - 8);
	assert_int_equal(p.outer_l4.csum_ok, -1);
}

static void test_padding_snaplen_tso(void **state)
{
	struct fb f = {0};
	struct ct_pkt p;
	/* a short packet padded to Ethernet's 60 bytes: the padding is not payload */
	b_eth(&f, MAC_B, MAC_A, 0x0800);
	size_t ip = b_ip4(&f, "10.0.0.1", "10.0.0.2", 17, 64, 1, 0, 0);
	size_t u = b_udp(&f, 7, 7);
	b_data(&f, 4);
	b_udp_end(&f, u, ip, true);
	b_ip4_end(&f, ip);
	while (f.n < 60)
		put8(&f, 0xff);
	dec(&f, CT_DLT_EN10MB, &OPT_CSUM, &p);
	assert_ok(&p);
	assert_int_equal(p.outer.total_len, 32);
	assert_int_equal(p.outer_l4.payload_len, 4);
	assert_int_equal(p.outer_l4.csum_ok, 1);
	/* a TCP segment padded the same way */
	struct fb t = {0};
	b_eth(&t, MAC_B, MAC_A, 0x0800);
	ip = b_ip4(&t, "10.0.0.1", "10.0.0.2", 6, 64, 1, 0, 0);
	size_t th = b_tcp(&t, 1, 2, 3, 4, 0x10, 5, 0);
	b_tcp_end(&t, th, ip);
	b_ip4_end(&t, ip);
	while (t.n < 60)
		put8(&t, 0xff);
	dec(&t, CT_DLT_EN10MB, &OPT_CSUM, &p);
	assert_ok(&p);
	assert_int_equal(p.outer_l4.payload_len, 0);
	assert_int_equal(p.outer_l4.csum_ok, 1);

	/* snaplen 96 of a 1514-byte frame: headers fine, lengths from the headers */
	struct fb g = {0};
	b_eth(&g, MAC_B, MAC_A, 0x0800);
	ip = b_ip4(&g, "10.0.0.1", "10.0.0.2", 6, 64, 1, 0x4000, 0);
	th = b_tcp(&g, 1, 2, 3, 4, 0x10, 5, 0);
	b_data(&g, 1460);
	b_tcp_end(&g, th, ip);
	b_ip4_end(&g, ip);
	assert_int_equal(g.n, 1514);
	uint8_t *cut = malloc(96);
	assert_non_null(cut);
	memcpy(cut, g.b, 96);
	ct_pkt_decode(cut, 96, 1514, CT_DLT_EN10MB, &OPT_CSUM, &p);
	free(cut);
	assert_ok(&p);
	assert_int_equal(p.caplen, 96);
	assert_int_equal(p.len, 1514);
	assert_int_equal(p.outer.total_len, 1500);
	assert_int_equal(p.outer.csum_ok, 1);
	assert_int_equal(p.outer_l4.payload_len, 1460);
	assert_int_equal(p.outer_l4.csum_ok, -1);

	/* a TSO super-packet captured before segmentation: IPv4 total length 0, the
	 * wire length rules */
	struct fb s = g;
	wr16(&s, 14 + 2, 0);
	ip4_csum(&s, 14);
	dec(&s, CT_DLT_EN10MB, &OPT_CSUM, &p);
	assert_ok(&p);
	assert_int_equal(p.outer.total_len, 0);
	assert_int_equal(p.outer.csum_ok, 1);
	assert_int_equal(p.outer_l4.payload_len, 1460);
	assert_int_equal(p.outer_l4.csum_ok, 1); /* the length in the pseudo-header is the wire's */
}

static void test_invalid(void **state)
{
	struct fb f = {0}, g;
	struct ct_pkt p;
	fr_eth_tcp(&f);

	/* IHL 4 */
	g = f;
	g.b[14] = 0x44;
	dec(&g, CT_DLT_EN10MB, &OPT_CSUM, &p);
	assert_fault(&p, CT_PKT_INVALID, "ipv4");
	assert_true(p.has_eth);
	assert_memory_equal(p.eth_src, MAC_A, 6);
	assert_true(p.outer.present);
	assert_int_equal(p.outer.hdr_len, 16);
	assert_false(p.outer_l4.present);
	assert_null(ct_pkt_top_l4(&p));
	/* total length shorter than the header */
	g = f;
	wr16(&g, 16, 20);
	dec(&g, CT_DLT_EN10MB, &OPT_CSUM, &p);
	assert_fault(&p, CT_PKT_INVALID, "ipv4");
	assert_int_equal(p.outer.total_len, 20);
	assert_ip4(&p.outer.src, "10.244.1.5");
	/* total length longer than the frame on the wire */
	g = f;
	wr16(&g, 16, 1500);
	dec(&g, CT_DLT_EN10MB, &OPT_CSUM, &p);
	assert_fault(&p, CT_PKT_INVALID, "ipv4");
	/* ... but a capture cut short of the wire length is only truncated payload */
	ct_pkt_decode(g.b, (uint32_t)g.n, 1514, CT_DLT_EN10MB, &OPT_CSUM, &p);
	assert_ok(&p);
	assert_int_equal(p.outer_l4.payload_len, 1500 - 24 - 32);
	/* ethertype IPv4, version 6 */
	g = f;
	g.b[14] = 0x65;
	dec(&g, CT_DLT_EN10MB, &OPT_CSUM, &p);
	assert_fault(&p, CT_PKT_INVALID, "ipv4");
	assert_false(p.outer.present);
	/* TCP data offset 3 */
	g = f;
	g.b[14 + 24 + 12] = 0x30;
	dec(&g, CT_DLT_EN10MB, &OPT_CSUM, &p);
	assert_fault(&p, CT_PKT_INVALID, "tcp");
	assert_true(p.outer.present);
	assert_int_equal(p.outer.csum_ok, 1);
	assert_true(p.outer_l4.present);
	assert_int_equal(p.outer_l4.sport, 40000);
	/* TCP header longer than the IP packet says */
	g = f;
	wr16(&g, 16, 24 + 28);
	ip4_csum(&g, 14);
	dec(&g, CT_DLT_EN10MB, &OPT_CSUM, &p);
	assert_fault(&p, CT_PKT_INVALID, "tcp");
	/* IP length leaves 10 bytes for TCP */
	wr16(&g, 16, 24 + 10);
	ip4_csum(&g, 14);
	dec(&g, CT_DLT_EN10MB, &OPT_CSUM, &p);
	assert_fault(&p, CT_PKT_INVALID, "tcp");
	assert_false(p.outer_l4.present);

	/* VXLAN without the I flag: outer kept */
	struct fb v = {0};
	fr_vxlan4789(&v);
	v.b[14 + 20 + 8] = 0x00;
	dec(&v, CT_DLT_EN10MB, &OPT_CSUM, &p);
	assert_fault(&p, CT_PKT_INVALID, "vxlan");
	assert_int_equal(p.encap, CT_ENCAP_VXLAN);
	assert_ip4(&p.outer.src, "192.168.31.201");
	assert_int_equal(p.outer_l4.dport, 4789);
	assert_false(p.has_inner_eth);
	assert_false(p.inner.present);
	assert_ptr_equal(ct_pkt_top_ip(&p), &p.outer);
	/* other flag bits alone do not make it valid */
	v.b[14 + 20 + 8] = 0xf7;
	dec(&v, CT_DLT_EN10MB, &OPT_CSUM, &p);
	assert_fault(&p, CT_PKT_INVALID, "vxlan");
	/* an impossible inner IPv4 header */
	fr_vxlan4789(memset(&v, 0, sizeof(v)));
	v.b[14 + 20 + 8 + 8 + 14] = 0x41;
	dec(&v, CT_DLT_EN10MB, &OPT_CSUM, &p);
	assert_fault(&p, CT_PKT_INVALID, "inner ipv4");
	assert_int_equal(p.vni, 4096);
	assert_true(p.has_inner_eth);
	/* inner IPIP total length past the outer */
	struct fb ii = {0};
	fr_ipip(&ii);
	wr16(&ii, 14 + 20 + 2, 200);
	dec(&ii, CT_DLT_EN10MB, &OPT_CSUM, &p);
	assert_fault(&p, CT_PKT_INVALID, "inner ipv4");
	assert_int_equal(p.encap, CT_ENCAP_IPIP);
	assert_int_equal(p.outer.csum_ok, 1);

	/* IPv6: nine destination options headers (a loop), and hop-by-hop not first */
	struct fb x = {0};
	b_eth(&x, MAC_B, MAC_A, 0x86dd);
	size_t ip = b_ip6(&x, "fd00::1", "fd00::2", 60, 64);
	for (int i = 0; i < 9; i++)
		b_ip6x(&x, i == 8 ? 59 : 60, 0);
	b_ip6_end(&x, ip);
	dec(&x, CT_DLT_EN10MB, &OPT_CSUM, &p);
	assert_fault(&p, CT_PKT_INVALID, "ipv6 extension header");
	assert_true(p.outer.present);
	assert_ip6(&p.outer.dst, "fd00::2");
	/* eight is fine */
	struct fb y = {0};
	b_eth(&y, MAC_B, MAC_A, 0x86dd);
	ip = b_ip6(&y, "fd00::1", "fd00::2", 60, 64);
	for (int i = 0; i < 8; i++)
		b_ip6x(&y, i == 7 ? 59 : 60, 0);
	b_ip6_end(&y, ip);
	dec(&y, CT_DLT_EN10MB, &OPT_CSUM, &p);
	assert_ok(&p);
	assert_int_equal(p.outer.proto, 59);
	assert_int_equal(p.outer.hdr_len, 40 + 64);
	struct fb z = {0};
	b_eth(&z, MAC_B, MAC_A, 0x86dd);
	ip = b_ip6(&z, "fd00::1", "fd00::2", 60, 64);
	b_ip6x(&z, 0, 0);
	b_ip6x(&z, 59, 0);
	b_ip6_end(&z, ip);
	dec(&z, CT_DLT_EN10MB, &OPT_CSUM, &p);
	assert_fault(&p, CT_PKT_INVALID, "ipv6 extension header");
	/* an extension header longer than the payload length */
	struct fb w = {0};
	b_eth(&w, MAC_B, MAC_A, 0x86dd);
	ip = b_ip6(&w, "fd00::1", "fd00::2", 60, 64);
	b_ip6x(&w, 59, 0);
	b_ip6_end(&w, ip);
	w.b[14 + 40 + 1] = 3;
	put32(&w, 0);
	put32(&w, 0);
	dec(&w, CT_DLT_EN10MB, &OPT_CSUM, &p);
	assert_fault(&p, CT_PKT_INVALID, "ipv6 extension header");
	/* IPv6 payload length past the frame */
	wr16(&w, 14 + 4, 100);
	dec(&w, CT_DLT_EN10MB, &OPT_CSUM, &p);
	assert_fault(&p, CT_PKT_INVALID, "ipv6");

	/* UDP length below 8, and past the IP payload */
	struct fb u = {0};
	fr_qinq_udp(&u);
	size_t uo = 14 + 8 + 20;
	wr16(&u, uo + 4, 7);
	dec(&u, CT_DLT_EN10MB, &OPT_CSUM, &p);
	assert_fault(&p, CT_PKT_INVALID, "udp");
	assert_int_equal(p.n_vlan, 2);
	wr16(&u, uo + 4, 8 + 22);
	dec(&u, CT_DLT_EN10MB, &OPT_CSUM, &p);
	assert_fault(&p, CT_PKT_INVALID, "udp");
	/* shorter than the IP payload: fine, and it bounds the payload */
	wr16(&u, uo + 4, 8 + 20);
	dec(&u, CT_DLT_EN10MB, &OPT_NONE, &p);
	assert_ok(&p);
	assert_int_equal(p.outer_l4.payload_len, 20);
}

static void test_unsupported(void **state)
{
	struct fb f = {0};
	struct ct_pkt p;
	b_eth(&f, MAC_B, MAC_A, 0x0806);
	b_data(&f, 28);
	dec(&f, CT_DLT_EN10MB, &OPT_CSUM, &p);
	assert_int_equal(p.status, CT_PKT_UNSUPPORTED);
	assert_true(p.has_eth);
	assert_int_equal(p.ethertype, 0x0806);
	assert_false(p.outer.present);
	assert_null(ct_pkt_top_ip(&p));
	assert_null(ct_pkt_top_l4(&p));
	/* three tags */
	struct fb g = {0};
	b_eth(&g, MAC_B, MAC_A, 0x88a8);
	b_vlan(&g, 1, 0x8100);
	b_vlan(&g, 2, 0x8100);
	b_vlan(&g, 3, 0x0800);
	b_data(&g, 40);
	dec(&g, CT_DLT_EN10MB, &OPT_CSUM, &p);
	assert_int_equal(p.status, CT_PKT_UNSUPPORTED);
	assert_int_equal(p.n_vlan, 2);
	/* a link type we do not decode */
	dec(&g, 105, &OPT_CSUM, &p);
	assert_int_equal(p.status, CT_PKT_UNSUPPORTED);
	assert_false(p.has_eth);
	/* ARP inside VXLAN: the outer layers stay */
	struct fb v = {0};
	fr_vxlan4789(&v);
	wr16(&v, 14 + 20 + 8 + 8 + 12, 0x0806);
	dec(&v, CT_DLT_EN10MB, &OPT_CSUM, &p);
	assert_int_equal(p.status, CT_PKT_UNSUPPORTED);
	assert_int_equal(p.encap, CT_ENCAP_VXLAN);
	assert_int_equal(p.vni, 4096);
	assert_true(p.has_inner_eth);
	assert_int_equal(p.inner_ethertype, 0x0806);
	assert_false(p.inner.present);
	assert_ptr_equal(ct_pkt_top_ip(&p), &p.outer);
	assert_ptr_equal(ct_pkt_top_l4(&p), &p.outer_l4);
	/* an IP protocol we do not decode (GRE): fine, no L4 */
	struct fb r = {0};
	size_t ip = b_ip4(&r, "10.0.0.1", "10.0.0.2", 47, 64, 1, 0, 0);
	b_data(&r, 24);
	b_ip4_end(&r, ip);
	dec(&r, CT_DLT_RAW, &OPT_CSUM, &p);
	assert_ok(&p);
	assert_int_equal(p.outer.proto, 47);
	assert_false(p.outer_l4.present);
	/* SLL with VLAN tag libpcap put back after the header */
	struct fb s = {0};
	b_sll(&s, 0, 0x8100);
	b_vlan(&s, 42, 0x0800);
	ip = b_ip4(&s, "10.0.0.1", "10.0.0.2", 17, 64, 1, 0, 0);
	size_t u = b_udp(&s, 1, 2);
	b_udp_end(&s, u, ip, true);
	b_ip4_end(&s, ip);
	dec(&s, CT_DLT_LINUX_SLL, &OPT_CSUM, &p);
	assert_ok(&p);
	assert_int_equal(p.n_vlan, 1);
	assert_int_equal(p.vlan[0], 42);
	assert_int_equal(p.ethertype, 0x0800);
	assert_int_equal(p.outer_l4.csum_ok, 1);
}

/* ---- checksums ---- */

static void flip(struct fb *f, size_t off)
{
	f->b[off] ^= 0x01;
}

static void test_checksums(void **state)
{
	struct fb f = {0}, g;
	struct ct_pkt p;
	fr_eth_tcp(&f);
	/* a bad IPv4 header checksum */
	g = f;
	flip(&g, 14 + 10);
	dec(&g, CT_DLT_EN10MB, &OPT_CSUM, &p);
	assert_ok(&p);
	assert_int_equal(p.outer.csum_ok, 0);
	assert_int_equal(p.outer_l4.csum_ok, 1);
	/* a changed TTL: header bad, TCP still good (TTL is not in the pseudo-header) */
	g = f;
	g.b[14 + 8] = 9;
	dec(&g, CT_DLT_EN10MB, &OPT_CSUM, &p);
	assert_int_equal(p.outer.csum_ok, 0);
	assert_int_equal(p.outer_l4.csum_ok, 1);
	/* a payload byte: TCP bad */
	g = f;
	flip(&g, g.n - 1);
	dec(&g, CT_DLT_EN10MB, &OPT_CSUM, &p);
	assert_int_equal(p.outer.csum_ok, 1);
	assert_int_equal(p.outer_l4.csum_ok, 0);
	/* a source address byte: IP and TCP (pseudo-header) bad */
	g = f;
	flip(&g, 14 + 12);
	dec(&g, CT_DLT_EN10MB, &OPT_CSUM, &p);
	assert_int_equal(p.outer.csum_ok, 0);
	assert_int_equal(p.outer_l4.csum_ok, 0);

	/* CHECKSUM_PARTIAL: the field holds the pseudo-header sum the NIC would finish */
	g = f;
	size_t t = 14 + 24, len = g.n - t;
	wr16(&g, t + 16, ref_fold(ref_pseudo(&g, 14, 6, len)));
	dec(&g, CT_DLT_EN10MB, &OPT_CSUM, &p);
	assert_ok(&p);
	assert_int_equal(p.outer_l4.csum_ok, 2);
	/* some drivers leave it without the length */
	wr16(&g, t + 16, ref_fold(ref_pseudo(&g, 14, 6, 0)));
	dec(&g, CT_DLT_EN10MB, &OPT_CSUM, &p);
	assert_int_equal(p.outer_l4.csum_ok, 2);

	/* UDP: bad, zero over IPv4, partial over IPv6 */
	struct fb u = {0};
	fr_qinq_udp(&u);
	size_t uo = 14 + 8 + 20;
	flip(&u, uo + 6);
	dec(&u, CT_DLT_EN10MB, &OPT_CSUM, &p);
	assert_int_equal(p.outer_l4.csum_ok, 0);
	wr16(&u, uo + 6, 0);
	dec(&u, CT_DLT_EN10MB, &OPT_CSUM, &p);
	assert_int_equal(p.outer_l4.csum_ok, -1);
	struct fb s = {0};
	fr_sit(&s);
	dec(&s, CT_DLT_EN10MB, &OPT_CSUM, &p);
	assert_int_equal(p.inner_l4.csum_ok, 1);
	size_t iu = 14 + 20 + 40;
	wr16(&s, iu + 6, ref_fold(ref_pseudo(&s, 14 + 20, 17, s.n - iu)));
	dec(&s, CT_DLT_EN10MB, &OPT_CSUM, &p);
	assert_int_equal(p.inner_l4.csum_ok, 2);
	/* a zero UDP checksum over IPv6 is bad, except to a VXLAN port (RFC 6935) */
	wr16(&s, iu + 6, 0);
	dec(&s, CT_DLT_EN10MB, &OPT_CSUM, &p);
	assert_int_equal(p.inner_l4.csum_ok, 0);
	struct fb v6 = {0};
	fr_vxlan6(&v6);
	wr16(&v6, 14 + 40 + 6, 0);
	dec(&v6, CT_DLT_EN10MB, &OPT_CSUM, &p);
	assert_ok(&p);
	assert_int_equal(p.outer_l4.csum_ok, -1);
	assert_int_equal(p.inner_l4.csum_ok, 1);

	/* ICMP and ICMPv6 */
	struct fb e = {0};
	fr_sll2_echo(&e);
	flip(&e, e.n - 3);
	dec(&e, CT_DLT_LINUX_SLL2, &OPT_CSUM, &p);
	assert_int_equal(p.outer_l4.csum_ok, 0);
	/* outgoing (pkttype 4) and the caller says such checksums are offloaded */
	struct ct_decode_opts out = {.checksums = true, .outgoing_unverifiable = true};
	dec(&e, CT_DLT_LINUX_SLL2, &out, &p);
	assert_int_equal(p.outer_l4.csum_ok, 2);
	assert_int_equal(p.outer.csum_ok, 1); /* the IP header is never offloaded */
	/* a good one stays good */
	fr_sll2_echo(memset(&e, 0, sizeof(e)));
	dec(&e, CT_DLT_LINUX_SLL2, &out, &p);
	assert_int_equal(p.outer_l4.csum_ok, 1);
	/* incoming (pkttype 0) with the same options: bad is bad */
	struct fb h = {0};
	fr_sll_v6ext_tcp(&h);
	flip(&h, h.n - 1);
	dec(&h, CT_DLT_LINUX_SLL, &out, &p);
	assert_int_equal(p.outer_l4.csum_ok, 0);
	wr16(&h, 0, 4);
	dec(&h, CT_DLT_LINUX_SLL, &out, &p);
	assert_int_equal(p.outer_l4.csum_ok, 2);
	dec(&h, CT_DLT_LINUX_SLL, &OPT_CSUM, &p);
	assert_int_equal(p.outer_l4.csum_ok, 0);
	struct fb r6 = {0};
	fr_raw6_echo(&r6);
	flip(&r6, 8); /* the source address: ICMPv6 has a pseudo-header */
	dec(&r6, CT_DLT_RAW, &OPT_CSUM, &p);
	assert_int_equal(p.outer_l4.csum_ok, 0);

	/* inner checksums of VXLAN and IPIP */
	struct fb v = {0};
	fr_vxlan4789(&v);
	flip(&v, v.n - 1);
	dec(&v, CT_DLT_EN10MB, &OPT_CSUM, &p);
	assert_int_equal(p.outer.csum_ok, 1);
	assert_int_equal(p.inner.csum_ok, 1);
	assert_int_equal(p.inner_l4.csum_ok, 0);
	struct fb ii = {0};
	fr_ipip(&ii);
	flip(&ii, 14 + 20 + 10);
	dec(&ii, CT_DLT_EN10MB, &OPT_CSUM, &p);
	assert_int_equal(p.outer.csum_ok, 1);
	assert_int_equal(p.inner.csum_ok, 0);
	assert_int_equal(p.inner_l4.csum_ok, 1);
	dec(&ii, CT_DLT_EN10MB, &OPT_NONE, &p);
	assert_int_equal(p.outer.csum_ok, -1);
	assert_int_equal(p.inner.csum_ok, -1);
	assert_int_equal(p.inner_l4.csum_ok, -1);
}

/* ---- every prefix of every frame ---- */

static void assert_ip_same(const struct ct_pkt_ip *a, const struct ct_pkt_ip *b, bool csum)
{
	assert_int_equal(a->present, b->present);
	assert_int_equal(a->version, b->version);
	assert_int_equal(a->src.family, b->src.family);
	assert_memory_equal(a->src.a, b->src.a, a->version == 6 ? 16 : 4);
	assert_int_equal(a->dst.family, b->dst.family);
	assert_memory_equal(a->dst.a, b->dst.a, a->version == 6 ? 16 : 4);
	assert_int_equal(a->proto, b->proto);
	assert_int_equal(a->ttl, b->ttl);
	assert_int_equal(a->tos, b->tos);
	assert_int_equal(a->id, b->id);
	assert_int_equal(a->df, b->df);
	assert_int_equal(a->mf, b->mf);
	assert_int_equal(a->frag_off, b->frag_off);
	assert_int_equal(a->hdr_len, b->hdr_len);
	assert_int_equal(a->total_len, b->total_len);
	assert_int_equal(a->flow_label, b->flow_label);
	if (csum)
		assert_int_equal(a->csum_ok, b->csum_ok);
}

static void assert_l4_same(const struct ct_pkt_l4 *a, const struct ct_pkt_l4 *b)
{
	assert_int_equal(a->present, b->present);
	assert_int_equal(a->proto, b->proto);
	assert_int_equal(a->sport, b->sport);
	assert_int_equal(a->dport, b->dport);
	assert_int_equal(a->seq, b->seq);
	assert_int_equal(a->ack, b->ack);
	assert_int_equal(a->tcp_flags, b->tcp_flags);
	assert_int_equal(a->window, b->window);
	assert_int_equal(a->icmp_type, b->icmp_type);
	assert_int_equal(a->icmp_code, b->icmp_code);
	assert_int_equal(a->icmp_id, b->icmp_id);
	assert_int_equal(a->icmp_seq, b->icmp_seq);
	assert_int_equal(a->icmp_mtu, b->icmp_mtu);
	assert_int_equal(a->quoted_present, b->quoted_present);
	if (a->quoted_present)
		assert_ip_same(&a->quoted, &b->quoted, true);
	assert_int_equal(a->quoted_sport, b->quoted_sport);
	assert_int_equal(a->quoted_dport, b->quoted_dport);
	assert_int_equal(a->payload_len, b->payload_len);
}

static void check_prefixes(const struct frame *fr, const struct ct_decode_opts *o)
{
	struct fb f;
	struct ct_pkt full, p;
	build(fr, &f);
	ct_pkt_decode(f.b, (uint32_t)f.n, (uint32_t)f.n, fr->dlt, o, &full);
	assert_ok(&full);
	size_t done[K_N] = {0}; /* where each kind of layer is complete */
	for (int i = 0; i < f.nlay; i++)
		if (f.lay[i].end > done[f.lay[i].kind])
			done[f.lay[i].kind] = f.lay[i].end;
	for (size_t k = 0; k <= f.n; k++) {
		uint8_t *buf = malloc(k ? k : 1);
		assert_non_null(buf);
		memcpy(buf, f.b, k);
		memset(&p, 0x5a, sizeof(p));
		ct_pkt_decode(k ? buf : NULL, (uint32_t)k, (uint32_t)f.n, fr->dlt, o, &p);
		free(buf);
		/* raw IP: without its first byte, not even the version is known */
		const char *want = k == 0 && fr->dlt == CT_DLT_RAW ? "ip" : NULL;
		for (int i = 0; i < f.nlay && !want; i++)
			if (f.lay[i].end > k)
				want = f.lay[i].name;
		if (want) {
			if (p.status != CT_PKT_TRUNCATED || !p.fault || strcmp(p.fault, want))
				fail_msg("%s: %zu of %zu bytes: want truncated at '%s', got %s at "
					 "'%s'",
					 fr->name, k, f.n, want, ct_pkt_status_names[p.status],
					 p.fault ? p.fault : "(null)");
		} else if (p.status != CT_PKT_OK) {
			fail_msg("%s: %zu of %zu bytes: want ok, got %s at '%s'", fr->name, k, f.n,
				 ct_pkt_status_names[p.status], p.fault ? p.fault : "(null)");
		}
		assert_int_equal(p.caplen, k);
		assert_int_equal(p.len, f.n);
		/* what is complete is the same as in the whole frame */
		if (k >= done[K_LINK]) {
			assert_int_equal(p.has_eth, full.has_eth);
			if (p.has_eth) {
				assert_memory_equal(p.eth_src, full.eth_src, 6);
				assert_memory_equal(p.eth_dst, full.eth_dst, 6);
			}
			assert_int_equal(p.ethertype, full.ethertype);
			assert_int_equal(p.n_vlan, full.n_vlan);
			for (int v = 0; v < p.n_vlan; v++)
				assert_int_equal(p.vlan[v], full.vlan[v]);
			assert_int_equal(p.sll_pkttype, full.sll_pkttype);
			assert_int_equal(p.sll_ifindex, full.sll_ifindex);
		}
		if (done[K_IP_OUT] && k >= done[K_IP_OUT]) {
			assert_ip_same(&p.outer, &full.outer, true);
			/* IPIP is known from the IP header, VXLAN from the UDP one */
			if (full.encap != CT_ENCAP_VXLAN || k >= done[K_L4_OUT])
				assert_int_equal(p.encap, full.encap);
		}
		if (done[K_L4_OUT] && k >= done[K_L4_OUT]) {
			assert_l4_same(&p.outer_l4, &full.outer_l4);
			if (k < f.n && p.outer_l4.csum_ok != -1)
				fail_msg("%s: %zu bytes: L4 checksum judged on part of a segment",
					 fr->name, k);
		}
		if (done[K_VXLAN] && k >= done[K_VXLAN])
			assert_int_equal(p.vni, full.vni);
		if (done[K_ETH_IN] && k >= done[K_ETH_IN]) {
			assert_true(p.has_inner_eth);
			assert_memory_equal(p.inner_eth_src, full.inner_eth_src, 6);
			assert_memory_equal(p.inner_eth_dst, full.inner_eth_dst, 6);
			assert_int_equal(p.inner_eth_off, full.inner_eth_off);
			assert_int_equal(p.inner_ethertype, full.inner_ethertype);
		}
		if (done[K_IP_IN] && k >= done[K_IP_IN]) {
			assert_ip_same(&p.inner, &full.inner, true);
			assert_int_equal(p.inner_ip_off, full.inner_ip_off);
			assert_ptr_equal(ct_pkt_top_ip(&p), &p.inner);
		} else if (p.outer.present) {
			assert_ptr_equal(ct_pkt_top_ip(&p), p.inner.present ? &p.inner : &p.outer);
		}
		if (done[K_L4_IN] && k >= done[K_L4_IN]) {
			assert_l4_same(&p.inner_l4, &full.inner_l4);
			assert_ptr_equal(ct_pkt_top_l4(&p), &p.inner_l4);
			if (k < f.n)
				assert_int_equal(p.inner_l4.csum_ok, -1);
		}
	}
}

static void test_truncation(void **state)
{
	for (size_t i = 0; i < N_FRAMES; i++) {
		check_prefixes(&FRAMES[i], &OPT_CSUM);
		check_prefixes(&FRAMES[i], &OPT_NONE);
	}
}

/* A frame captured in full whose wire length is what the capture says: a
 * header cut by the end of the frame itself is invalid, never a crash. */
static void test_short_frames(void **state)
{
	for (size_t i = 0; i < N_FRAMES; i++) {
		struct fb f;
		struct ct_pkt p;
		build(&FRAMES[i], &f);
		for (size_t k = 0; k < f.n; k++) {
			uint8_t *buf = malloc(k ? k : 1);
			assert_non_null(buf);
			memcpy(buf, f.b, k);
			ct_pkt_decode(buf, (uint32_t)k, (uint32_t)k, FRAMES[i].dlt, &OPT_CSUM, &p);
			free(buf);
			assert_true(p.status == CT_PKT_OK || p.status == CT_PKT_INVALID);
			assert_true(p.status == CT_PKT_OK ? p.fault == NULL : p.fault != NULL);
		}
	}
}

/* ---- names ---- */

static void test_names(void **state)
{
	assert_string_equal(ct_encap_names[CT_ENCAP_NONE], "none");
	assert_string_equal(ct_encap_names[CT_ENCAP_IPIP], "ipip");
	assert_string_equal(ct_encap_names[CT_ENCAP_SIT], "sit");
	assert_string_equal(ct_encap_names[CT_ENCAP_VXLAN], "vxlan");
	assert_null(ct_encap_names[CT_ENCAP_VXLAN + 1]);
	assert_string_equal(ct_pkt_status_names[CT_PKT_OK], "ok");
	assert_string_equal(ct_pkt_status_names[CT_PKT_TRUNCATED], "truncated");
	assert_string_equal(ct_pkt_status_names[CT_PKT_INVALID], "invalid");
	assert_string_equal(ct_pkt_status_names[CT_PKT_UNSUPPORTED], "unsupported");
	assert_null(ct_pkt_status_names[CT_PKT_UNSUPPORTED + 1]);
}

/* ---- tshark as the oracle ---- */

static void pcap_write(FILE *fp, int linktype, const struct fb *frames, size_t n)
{
	uint32_t gh[6] = {0xa1b2c3d4, 0x00040002, 0, 0, 65535, (uint32_t)linktype};
	fwrite(gh, sizeof(gh), 1, fp);
	for (size_t i = 0; i < n; i++) {
		uint32_t rh[4] = {(uint32_t)(1700000000 + i), 0, (uint32_t)frames[i].n,
				  (uint32_t)frames[i].n};
		fwrite(rh, sizeof(rh), 1, fp);
		fwrite(frames[i].b, frames[i].n, 1, fp);
	}
}

static void cat_ip(char *s, size_t len, const struct ct_pkt_ip *ip, int version)
{
	char a[64], b[64];
	if (!ip->present || ip->version != version)
		return;
	int af = version == 4 ? AF_INET : AF_INET6;
	inet_ntop(af, ip->src.a, a, sizeof(a));
	inet_ntop(af, ip->dst.a, b, sizeof(b));
	size_t n = strlen(s);
	snprintf(s + n, len - n, "%s%s>%s", n ? "," : "", a, b);
}

static void cat_ports(char *s, size_t len, unsigned sp, unsigned dp)
{
	size_t n = strlen(s);
	snprintf(s + n, len - n, "%s%u>%u", n ? "," : "", sp, dp);
}

/* One line the way the tshark command below prints it. */
static void expect_line(const struct ct_pkt *p, char *out, size_t len)
{
	char v4[256] = "", v6[256] = "", tcp[128] = "", udp[128] = "", vni[16] = "",
	     icmp[32] = "", icmp6[32] = "", vlan[32] = "";
	const struct ct_pkt_ip *ips[] = {&p->outer, &p->outer_l4.quoted, &p->inner,
					 &p->inner_l4.quoted};
	const struct ct_pkt_l4 *l4s[] = {&p->outer_l4, &p->inner_l4};
	for (int i = 0; i < 4; i++) {
		if (i % 2 && !l4s[i / 2]->quoted_present)
			continue;
		cat_ip(v4, sizeof(v4), ips[i], 4);
		cat_ip(v6, sizeof(v6), ips[i], 6);
	}
	for (int i = 0; i < 2; i++) {
		const struct ct_pkt_l4 *l = l4s[i];
		if (!l->present)
			continue;
		if (l->proto == 6)
			cat_ports(tcp, sizeof(tcp), l->sport, l->dport);
		if (l->proto == 17)
			cat_ports(udp, sizeof(udp), l->sport, l->dport);
		if (l->quoted_present && l->quoted.proto == 6)
			cat_ports(tcp, sizeof(tcp), l->quoted_sport, l->quoted_dport);
		if (l->quoted_present && l->quoted.proto == 17)
			cat_ports(udp, sizeof(udp), l->quoted_sport, l->quoted_dport);
		char *t = l->proto == 1 ? icmp : l->proto == 58 ? icmp6 : NULL;
		if (t) {
			size_t n = strlen(t);
			snprintf(t + n, 32 - n, "%s%u", n ? "," : "", l->icmp_type);
			if (l->icmp_mtu)
				snprintf(t + strlen(t), 32 - strlen(t), "/%u", l->icmp_mtu);
		}
	}
	if (p->encap == CT_ENCAP_VXLAN)
		snprintf(vni, sizeof(vni), "%u", p->vni);
	for (int i = 0; i < p->n_vlan; i++)
		snprintf(vlan + strlen(vlan), sizeof(vlan) - strlen(vlan), "%s%u", i ? "," : "",
			 p->vlan[i]);
	snprintf(out, len, "%s|%s|%s|%s|%s|%s|%s|%s", v4, v6, tcp, udp, vni, icmp, icmp6, vlan);
}

/* Runs tshark on path; up to max lines of output into lines[]; returns how many. */
static size_t tshark_lines(const char *path, const char *args, char lines[][4096], size_t max)
{
	char cmd[2048];
	snprintf(cmd, sizeof(cmd), "tshark -n -r %s %s 2>/dev/null", path, args);
	FILE *pp = popen(cmd, "r");
	size_t n = 0;
	if (!pp)
		return 0;
	while (n < max && fgets(lines[n], 4096, pp)) {
		lines[n][strcspn(lines[n], "\n")] = 0;
		n++;
	}
	pclose(pp);
	return n;
}

/* one line per frame: 20 tab-separated fields, occurrences joined with ',' */
static const char TSHARK_FIELDS[] =
	"-d udp.port==8472,vxlan -o ip.check_checksum:TRUE -o tcp.check_checksum:TRUE "
	"-o udp.check_checksum:TRUE -T fields -E occurrence=a -E aggregator=, -E separator=/t "
	"-e ip.src -e ip.dst -e ipv6.src -e ipv6.dst -e tcp.srcport -e tcp.dstport "
	"-e udp.srcport -e udp.dstport -e vxlan.vni -e icmp.type -e icmp.mtu -e icmpv6.type "
	"-e icmpv6.mtu -e vlan.id -e ip.checksum.status -e tcp.checksum.status "
	"-e udp.checksum.status -e icmp.checksum.status -e icmpv6.checksum.status "
	"-e ieee8021ad.id";

/* tshark's line in the shape expect_line gives ours */
static void tshark_shape(char *line, char *got, size_t len, char **fld)
{
	char *s = line;
	for (int k = 0; k < 20; k++) {
		fld[k] = s ? s : "";
		s = s ? strchr(s, '\t') : NULL;
		if (s)
			*s++ = 0;
	}
	char v4[256] = "", v6[256] = "", tcp[128] = "", udp[128] = "";
	/* pair sources with destinations: a>b,c>d */
	struct {
		const char *src, *dst;
		char *out;
		size_t cap;
	} pairs[4] = {{fld[0], fld[1], v4, sizeof(v4)},
		      {fld[2], fld[3], v6, sizeof(v6)},
		      {fld[4], fld[5], tcp, sizeof(tcp)},
		      {fld[6], fld[7], udp, sizeof(udp)}};
	for (int pi = 0; pi < 4; pi++) {
		char a[512], b[512], *sa, *sb;
		snprintf(a, sizeof(a), "%s", pairs[pi].src);
		snprintf(b, sizeof(b), "%s", pairs[pi].dst);
		char *ta = strtok_r(a, ",", &sa), *tb = strtok_r(b, ",", &sb);
		while (ta && tb) {
			size_t m = strlen(pairs[pi].out);
			snprintf(pairs[pi].out + m, pairs[pi].cap - m, "%s%s>%s", m ? "," : "", ta,
				 tb);
			ta = strtok_r(NULL, ",", &sa);
			tb = strtok_r(NULL, ",", &sb);
		}
	}
	char icmp[64], icmp6[64], vlan[64];
	snprintf(icmp, sizeof(icmp), "%s%s%s", fld[9], *fld[10] ? "/" : "", fld[10]);
	snprintf(icmp6, sizeof(icmp6), "%s%s%s", fld[11], *fld[12] ? "/" : "", fld[12]);
	/* the 802.1ad tag is tshark's ieee8021ad, the 802.1Q one its vlan */
	snprintf(vlan, sizeof(vlan), "%s%s%s", fld[19], *fld[19] && *fld[13] ? "," : "", fld[13]);
	snprintf(got, len, "%s|%s|%s|%s|%s|%s|%s|%s", v4, v6, tcp, udp, fld[8], icmp, icmp6, vlan);
}

static void test_tshark_oracle(void **state)
{
	if (system("command -v tshark >/dev/null 2>&1") != 0)
		skip();
	static char out[N_FRAMES + 1][4096];
	struct fb frames[N_FRAMES], bad = {0};
	int dlts[N_FRAMES];
	size_t n = 0, nout = 0, nbad;
	char dir[] = "/tmp/ct-pkt-test.XXXXXX", path[128];
	assert_non_null(mkdtemp(dir));

	/* one pcap per link type, in FRAMES order within each */
	const int linktypes[] = {CT_DLT_EN10MB, CT_DLT_LINUX_SLL, CT_DLT_LINUX_SLL2, CT_DLT_RAW};
	for (size_t li = 0; li < 4; li++) {
		size_t first = n;
		for (size_t i = 0; i < N_FRAMES; i++)
			if (FRAMES[i].dlt == linktypes[li]) {
				build(&FRAMES[i], &frames[n]);
				dlts[n++] = FRAMES[i].dlt;
			}
		snprintf(path, sizeof(path), "%s/f%zu.pcap", dir, li);
		FILE *fp = fopen(path, "wb");
		if (fp) {
			pcap_write(fp, linktypes[li] == CT_DLT_RAW ? 101 : linktypes[li],
				   frames + first, n - first);
			fclose(fp);
			nout += tshark_lines(path, TSHARK_FIELDS, out + nout, n - first);
			unlink(path);
		}
	}
	/* a frame with a bad TCP checksum */
	fr_eth_tcp(&bad);
	bad.b[bad.n - 1] ^= 1;
	snprintf(path, sizeof(path), "%s/bad.pcap", dir);
	FILE *fp = fopen(path, "wb");
	if (fp) {
		pcap_write(fp, 1, &bad, 1);
		fclose(fp);
	}
	nbad = tshark_lines(path,
			    "-o ip.check_checksum:TRUE -o tcp.check_checksum:TRUE -T fields "
			    "-e ip.checksum.status -e tcp.checksum.status",
			    out + N_FRAMES, 1);
	unlink(path);
	rmdir(dir);

	assert_int_equal(n, N_FRAMES);
	assert_int_equal(nout, N_FRAMES);
	for (size_t i = 0; i < n; i++) {
		char got[1024], want[1024], *fld[20];
		struct ct_pkt p;
		tshark_shape(out[i], got, sizeof(got), fld);
		dec(&frames[i], dlts[i], &OPT_CSUM, &p);
		assert_ok(&p);
		expect_line(&p, want, sizeof(want));
		if (strcmp(got, want) != 0)
			fail_msg("frame %zu: tshark '%s', caltrace '%s'", i, got, want);
		/* tshark finds no bad checksum in these frames, and neither do we. (It
		 * checks a TCP or UDP header quoted by an ICMP error over the quoted
		 * bytes alone, so those it calls bad.) */
		for (int k = 14; k < 19; k++) {
			bool quoted_l4 = (k == 15 || k == 16) && p.outer_l4.quoted_present;
			if (!quoted_l4 && strchr(fld[k], '0'))
				fail_msg("frame %zu: tshark says a checksum is bad: %s", i, fld[k]);
		}
		assert_true(p.outer.csum_ok != 0 && p.outer_l4.csum_ok != 0 &&
			    p.inner.csum_ok != 0 && p.inner_l4.csum_ok != 0);
	}
	/* the bad one: tshark and caltrace agree */
	assert_int_equal(nbad, 1);
	assert_string_equal(out[N_FRAMES], "1\t0");
	struct ct_pkt p;
	dec(&bad, CT_DLT_EN10MB, &OPT_CSUM, &p);
	assert_int_equal(p.outer.csum_ok, 1);
	assert_int_equal(p.outer_l4.csum_ok, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_eth_tcp),
		cmocka_unit_test(test_qinq_udp),
		cmocka_unit_test(test_sll_v6ext_tcp),
		cmocka_unit_test(test_sll2_echo),
		cmocka_unit_test(test_raw_linktypes),
		cmocka_unit_test(test_ipip),
		cmocka_unit_test(test_sit),
		cmocka_unit_test(test_vxlan),
		cmocka_unit_test(test_vxlan_flannel_8472),
		cmocka_unit_test(test_vxlan_custom_port),
		cmocka_unit_test(test_vxlan6),
		cmocka_unit_test(test_icmp_frag_needed),
		cmocka_unit_test(test_icmp_ttl_exceeded),
		cmocka_unit_test(test_icmp6_ptb),
		cmocka_unit_test(test_fragments),
		cmocka_unit_test(test_padding_snaplen_tso),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_unsupported),
		cmocka_unit_test(test_checksums),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_short_frames),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_tshark_oracle),
	};
	return cmocka_run_group_tests_name("pkt_decode", tests, NULL, NULL);
}
