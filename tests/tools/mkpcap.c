// SPDX-License-Identifier: MIT
/*
 * mkpcap: deterministic packet captures for caltrace's sniff tests and benchmark, written by
 * hand (classic pcap: global header + records; pcapng when OUT ends in ".pcapng"), with correct
 * IPv4 header, TCP, UDP, ICMP and ICMPv6 checksums everywhere except in kind "badsum".
 *
 *   mkpcap KIND OUT [COUNT] [SEED]
 *   mkpcap send-ipip IFACE SRC DST INNER_SRC INNER_DST [COUNT] [ID]
 *
 * KIND (COUNT applies to the first group and the bench kinds; the others are fixed sets):
 *   ipip       eth/IPv4/IPv4 + ICMP echo, TCP (SYN with options, SYN-ACK, ACK, PSH-ACK, FIN, RST), UDP
 *   vxlan      eth/IPv4/UDP 4789/VXLAN VNI 4096/eth/IPv4/... (outer UDP checksum 0 as Linux
 *              sends it, computed on every 5th)
 *   vxlan8472  the same on UDP port 8472
 *   ipv6       eth/IPv6 TCP, UDP, ICMPv6 echo (some behind a hop-by-hop header) and
 *              eth/IPv4 proto 41/IPv6 (sit)
 *   vlan       802.1Q tagged IPIP (PCP bits set), every 4th frame QinQ (0x88a8 200 + 0x8100 100+i%3)
 *   sll2       LINKTYPE_LINUX_SLL2 (276) + IPIP, packet types host and outgoing
 *   sll        LINKTYPE_LINUX_SLL (113) + IPIP
 *   raw        LINKTYPE_RAW (101): inner packets only, as tcpdump -i tunl0 sees them (and one IPv6)
 *   icmperr    each after the packet it quotes: ICMP frag-needed MTU 1480 quoting an IPIP
 *              header, protocol-unreachable (3/2) quoting IPIP, frag-needed inside IPIP quoting
 *              the inner TCP, time-exceeded and port-unreachable quoting UDP, ICMPv6
 *              packet-too-big (MTU 1280) quoting TCP, ICMPv6 port-unreachable; a plain echo last
 *   truncated  capture length ending inside: the Ethernet header, the outer IPv4 header, the
 *              inner IPv4 header, the inner TCP header, the outer UDP header, the VXLAN header,
 *              the inner Ethernet header, an ICMP header; one cut in the payload only (headers
 *              complete) and a whole frame last
 *   cutshort   COUNT whole IPIP frames, then a record whose data ends early (the file is cut)
 *   malformed  IHL 4 (outer; inner in IPIP), IPv4 total length < header length, TCP data offset
 *              3 (plain; inside IPIP), VXLAN flags without I, and a good frame last
 *   badsum     a bad IPv4 header checksum (outer; inner), bad TCP, UDP, ICMP checksums inside
 *              IPIP, a bad outer VXLAN UDP checksum, a bad IPv6 UDP checksum, good frames between
 *   bench300   COUNT IPIP frames (inner ICMP/TCP/UDP) in 3000 conversations among 300 pod
 *              addresses on 10 nodes
 *   benchrand  COUNT IPIP frames, random inner addresses (10.0.0.0/8) and ports, 10 nodes
 *   benchflows COUNT IPIP frames among bench300's 300 pod addresses, in many short flows (a scan,
 *              a busy DNS service): 4 in 5 open a flow of their own, 1 in 5 answers a recent one,
 *              so about 0.8 * COUNT flows (240,000 at 300,000 frames)
 * COUNT defaults to 48 (bench kinds: 300000), SEED to 1. Timestamps start at 2023-11-14
 * 22:13:20 UTC (1700000000) and advance about 1 ms per frame.
 *
 * send-ipip sends COUNT (default 1) IP protocol 4 packets from SRC to DST out of IFACE with a raw
 * socket (the kernel writes the outer header), each carrying an IPv4 ICMP echo request
 * INNER_SRC -> INNER_DST with identifier ID (default 4660) and sequence 0..COUNT-1, 10 ms apart.
 *
 * Build: cc -O2 -o build/tests/mkpcap tests/tools/mkpcap.c
 * Exit: 0 done, 2 usage, 1 I/O or socket error.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define PK_MAX 4096

/* ------------------------------------------------------------------ random (xorshift64*) */
static uint64_t rng_s = 1;
static uint32_t rnd(void)
{
	rng_s ^= rng_s >> 12;
	rng_s ^= rng_s << 25;
	rng_s ^= rng_s >> 27;
	return (uint32_t)((rng_s * 0x2545F4914F6CDD1DULL) >> 32);
}
static uint32_t rndn(uint32_t n) { return n ? rnd() % n : 0; }

/* ------------------------------------------------------------------ packet buffer */
struct pk {
	uint8_t b[PK_MAX];
	uint32_t n;
};
static void p8(struct pk *p, uint8_t v) { p->b[p->n++] = v; }
static void p16(struct pk *p, uint16_t v) { p8(p, v >> 8); p8(p, v & 0xff); }
static void p32(struct pk *p, uint32_t v) { p16(p, v >> 16); p16(p, v & 0xffff); }
static void pmem(struct pk *p, const void *d, uint32_t n) { memcpy(p->b + p->n, d, n); p->n += n; }
static void pfill(struct pk *p, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		p8(p, (uint8_t)('a' + i % 26));
}
static void set16(uint8_t *at, uint16_t v) { at[0] = v >> 8; at[1] = v & 0xff; }
static uint16_t get16(const uint8_t *at) { return (uint16_t)(at[0] << 8 | at[1]); }

static uint32_t csum_add(uint32_t sum, const uint8_t *d, uint32_t n)
{
	uint32_t i;
	for (i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)(d[i] << 8 | d[i + 1]);
	if (n & 1)
		sum += (uint32_t)d[n - 1] << 8;
	return sum;
}
static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* ------------------------------------------------------------------ addresses */
static uint32_t ip4a(const char *s)
{
	struct in_addr a;
	if (inet_pton(AF_INET, s, &a) != 1) {
		fprintf(stderr, "mkpcap: bad IPv4 address '%s'\n", s);
		exit(2);
	}
	return ntohl(a.s_addr);
}
static void ip6a(const char *s, uint8_t out[16])
{
	if (inet_pton(AF_INET6, s, out) != 1) {
		fprintf(stderr, "mkpcap: bad IPv6 address '%s'\n", s);
		exit(2);
	}
}
/* a MAC derived from an IPv4 address: 02:00:a.b.c.d */
static void mac_of(uint32_t ip, uint8_t m[6])
{
	m[0] = 0x02; m[1] = 0x00;
	m[2] = ip >> 24; m[3] = ip >> 16; m[4] = ip >> 8; m[5] = ip;
}
static void vtep_mac(uint32_t ip, uint8_t m[6])
{
	m[0] = 0x66; m[1] = 0xca; m[2] = 0x1c;
	m[3] = ip >> 16; m[4] = ip >> 8; m[5] = ip;
}

/* ------------------------------------------------------------------ headers */
static void eth(struct pk *p, const uint8_t dst[6], const uint8_t src[6], uint16_t type)
{
	pmem(p, dst, 6);
	pmem(p, src, 6);
	p16(p, type);
}
static void eth_ip(struct pk *p, uint32_t src, uint32_t dst, uint16_t type)
{
	uint8_t s[6], d[6];
	mac_of(src, s);
	mac_of(dst, d);
	eth(p, d, s, type);
}

struct ip4 {
	uint32_t src, dst;
	uint8_t proto, ttl, tos;
	uint16_t id;
	int df, mf;
	uint16_t frag8; /* fragment offset in 8-byte units */
};
static uint32_t ip4_begin(struct pk *p, const struct ip4 *h)
{
	uint32_t off = p->n;
	p8(p, 0x45);
	p8(p, h->tos);
	p16(p, 0);
	p16(p, h->id);
	p16(p, (uint16_t)((h->df ? 0x4000 : 0) | (h->mf ? 0x2000 : 0) | (h->frag8 & 0x1fff)));
	p8(p, h->ttl ? h->ttl : 64);
	p8(p, h->proto);
	p16(p, 0);
	p32(p, h->src);
	p32(p, h->dst);
	return off;
}
static void ip4_csum(struct pk *p, uint32_t off)
{
	uint32_t hl = (uint32_t)(p->b[off] & 0x0f) * 4;
	if (hl < 20)
		hl = 20;
	set16(p->b + off + 10, 0);
	set16(p->b + off + 10, csum_fold(csum_add(0, p->b + off, hl)));
}
static void ip4_end(struct pk *p, uint32_t off)
{
	set16(p->b + off + 2, (uint16_t)(p->n - off));
	ip4_csum(p, off);
}

static uint32_t ip6_begin(struct pk *p, const uint8_t src[16], const uint8_t dst[16], uint8_t nxt,
			  uint8_t hlim, uint8_t tclass, uint32_t flow)
{
	uint32_t off = p->n;
	p32(p, 0x60000000u | (uint32_t)tclass << 20 | (flow & 0xfffff));
	p16(p, 0);
	p8(p, nxt);
	p8(p, hlim);
	pmem(p, src, 16);
	pmem(p, dst, 16);
	return off;
}
static void ip6_end(struct pk *p, uint32_t off) { set16(p->b + off + 4, (uint16_t)(p->n - off - 40)); }

/* L4 checksum with the pseudo-header of the IP header at ipoff (v4 or v6) */
static uint16_t l4_csum(const struct pk *p, uint32_t ipoff, uint32_t l4off, uint8_t proto)
{
	uint32_t len = p->n - l4off, sum = 0;
	if ((p->b[ipoff] >> 4) == 4) {
		sum = csum_add(sum, p->b + ipoff + 12, 8);
		sum += proto;
		sum += len;
	} else {
		sum = csum_add(sum, p->b + ipoff + 8, 32);
		sum += len >> 16;
		sum += len & 0xffff;
		sum += proto;
	}
	return csum_fold(csum_add(sum, p->b + l4off, len));
}

enum { TF_FIN = 1, TF_SYN = 2, TF_RST = 4, TF_PSH = 8, TF_ACK = 16, TF_URG = 32, TF_ECE = 64, TF_CWR = 128 };

static uint32_t tcp_begin(struct pk *p, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
			  uint8_t flags, uint16_t win, int synopts)
{
	uint32_t off = p->n;
	p16(p, sport);
	p16(p, dport);
	p32(p, seq);
	p32(p, ack);
	p8(p, (uint8_t)((synopts ? 10 : 5) << 4));
	p8(p, flags);
	p16(p, win);
	p16(p, 0);
	p16(p, 0);
	if (synopts) { /* MSS 1410, SACK permitted, timestamps, NOP, window scale 7: 20 bytes */
		p8(p, 2); p8(p, 4); p16(p, 1410);
		p8(p, 4); p8(p, 2);
		p8(p, 8); p8(p, 10); p32(p, 0x01020304); p32(p, 0);
		p8(p, 1);
		p8(p, 3); p8(p, 3); p8(p, 7);
	}
	return off;
}
static void tcp_end(struct pk *p, uint32_t off, uint32_t ipoff)
{
	set16(p->b + off + 16, 0);
	set16(p->b + off + 16, l4_csum(p, ipoff, off, 6));
}

static uint32_t udp_begin(struct pk *p, uint16_t sport, uint16_t dport)
{
	uint32_t off = p->n;
	p16(p, sport);
	p16(p, dport);
	p16(p, 0);
	p16(p, 0);
	return off;
}
/* zero: leave the checksum 0 (IPv4 only: "not computed") */
static void udp_end(struct pk *p, uint32_t off, uint32_t ipoff, int zero)
{
	uint16_t c;
	set16(p->b + off + 4, (uint16_t)(p->n - off));
	set16(p->b + off + 6, 0);
	if (zero)
		return;
	c = l4_csum(p, ipoff, off, 17);
	set16(p->b + off + 6, c ? c : 0xffff);
}

static uint32_t icmp_begin(struct pk *p, uint8_t type, uint8_t code, uint32_t rest)
{
	uint32_t off = p->n;
	p8(p, type);
	p8(p, code);
	p16(p, 0);
	p32(p, rest);
	return off;
}
static void icmp_end(struct pk *p, uint32_t off)
{
	set16(p->b + off + 2, 0);
	set16(p->b + off + 2, csum_fold(csum_add(0, p->b + off, p->n - off)));
}
static void icmp6_end(struct pk *p, uint32_t off, uint32_t ipoff)
{
	set16(p->b + off + 2, 0);
	set16(p->b + off + 2, l4_csum(p, ipoff, off, 58));
}

static void vxlan_hdr(struct pk *p, uint8_t flags, uint32_t vni)
{
	p8(p, flags);
	p8(p, 0); p8(p, 0); p8(p, 0);
	p32(p, vni << 8);
}

/* ------------------------------------------------------------------ what rides inside */
enum l4kind { K_ECHO_REQ, K_ECHO_REP, K_SYN, K_SYNACK, K_ACK, K_PSH, K_UDP, K_FIN, K_RST, K_NKIND };
struct l4 {
	enum l4kind kind;
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint16_t win;
	uint16_t id, sq;   /* ICMP echo */
	uint32_t plen;     /* payload bytes */
};

/* writes an L4 header + payload for an IP header at ipoff (v4 or v6) */
static void put_l4(struct pk *p, uint32_t ipoff, const struct l4 *l, int v6)
{
	uint32_t o;
	switch (l->kind) {
	case K_ECHO_REQ:
	case K_ECHO_REP:
		if (v6)
			o = icmp_begin(p, l->kind == K_ECHO_REQ ? 128 : 129, 0, (uint32_t)l->id << 16 | l->sq);
		else
			o = icmp_begin(p, l->kind == K_ECHO_REQ ? 8 : 0, 0, (uint32_t)l->id << 16 | l->sq);
		pfill(p, l->plen);
		if (v6)
			icmp6_end(p, o, ipoff);
		else
			icmp_end(p, o);
		return;
	case K_UDP:
		o = udp_begin(p, l->sport, l->dport);
		pfill(p, l->plen);
		udp_end(p, o, ipoff, 0);
		return;
	default: {
		static const uint8_t fl[K_NKIND] = {
			[K_SYN] = TF_SYN, [K_SYNACK] = TF_SYN | TF_ACK, [K_ACK] = TF_ACK,
			[K_PSH] = TF_PSH | TF_ACK, [K_FIN] = TF_FIN | TF_ACK, [K_RST] = TF_RST | TF_ACK,
		};
		int syn = l->kind == K_SYN || l->kind == K_SYNACK;
		o = tcp_begin(p, l->sport, l->dport, l->seq, l->kind == K_SYN ? 0 : l->ack, fl[l->kind],
			      l->win, syn);
		pfill(p, l->plen);
		tcp_end(p, o, ipoff);
		return;
	}
	}
}
static uint8_t l4_proto(const struct l4 *l, int v6)
{
	if (l->kind == K_ECHO_REQ || l->kind == K_ECHO_REP)
		return v6 ? 58 : 1;
	return l->kind == K_UDP ? 17 : 6;
}
/* a whole IPv4 packet (header, L4, payload) */
static void put_ip4_pkt(struct pk *p, uint32_t src, uint32_t dst, uint8_t ttl, uint8_t tos, uint16_t id,
			int df, const struct l4 *l)
{
	struct ip4 h = { .src = src, .dst = dst, .proto = l4_proto(l, 0), .ttl = ttl, .tos = tos, .id = id, .df = df };
	uint32_t o = ip4_begin(p, &h);
	put_l4(p, o, l, 0);
	ip4_end(p, o);
}

/* a random packet of a conversation between two pods: the reply kinds go b -> a */
struct pair {
	uint32_t a, b;     /* pods */
	uint32_t na, nb;   /* their nodes */
};
static void mk_l4(struct l4 *l, enum l4kind k, int pairno, uint32_t serial)
{
	memset(l, 0, sizeof(*l));
	l->kind = k;
	l->sport = (uint16_t)(40000 + pairno * 7);
	l->dport = k == K_UDP ? ((pairno & 1) ? 53 : 8125) : ((pairno & 1) ? 443 : 8080);
	l->seq = rnd();
	l->ack = rnd();
	l->win = (uint16_t)(1024 + rndn(63000));
	l->id = (uint16_t)(17 + pairno);
	l->sq = (uint16_t)serial;
	switch (k) {
	case K_ECHO_REQ:
	case K_ECHO_REP: l->plen = 56; break;
	case K_PSH: l->plen = 1 + rndn(1300); break;
	case K_UDP: l->plen = rndn(600); break;
	default: l->plen = 0;
	}
}
/* reply direction: the kinds that go from b to a */
static int is_reply(enum l4kind k) { return k == K_ECHO_REP || k == K_SYNACK || k == K_RST; }
static void swap_ports(struct l4 *l)
{
	uint16_t t = l->sport;
	l->sport = l->dport;
	l->dport = t;
}

/* the lab's nodes and pods */
static const char *const NODE[3] = { "192.168.31.201", "192.168.31.202", "192.168.31.203" };
static const char *const POD[6] = { "172.168.135.130", "172.168.135.131", "172.168.195.12",
				    "172.168.195.13", "172.168.61.66", "172.168.61.67" };
static const char *const POD6[6] = { "fd00:172:168:1::2", "fd00:172:168:1::3", "fd00:172:168:2::2",
				     "fd00:172:168:2::3", "fd00:172:168:3::2", "fd00:172:168:3::3" };
#define N_PAIRS 6
static struct pair pairs[N_PAIRS];
static void init_pairs(void)
{
	/* pods on different nodes: (pod, pod) */
	static const int pp[N_PAIRS][2] = { { 0, 2 }, { 0, 4 }, { 1, 3 }, { 2, 5 }, { 3, 4 }, { 5, 1 } };
	for (int i = 0; i < N_PAIRS; i++) {
		pairs[i].a = ip4a(POD[pp[i][0]]);
		pairs[i].b = ip4a(POD[pp[i][1]]);
		pairs[i].na = ip4a(NODE[pp[i][0] / 2]);
		pairs[i].nb = ip4a(NODE[pp[i][1] / 2]);
	}
}

/* ------------------------------------------------------------------ output */
struct out {
	FILE *f;
	int ng;
	uint32_t n;
	const char *path;
};
static void wr(struct out *o, const void *d, size_t n)
{
	if (n && fwrite(d, 1, n, o->f) != n) {
		fprintf(stderr, "mkpcap: write %s: %s\n", o->path, strerror(errno));
		exit(1);
	}
}
static void wr32(struct out *o, uint32_t v) { wr(o, &v, 4); } /* host order, as the magic says */
static void wr16(struct out *o, uint16_t v) { wr(o, &v, 2); }

static void out_open(struct out *o, const char *path, int linktype, uint32_t snaplen)
{
	size_t l = strlen(path);
	o->path = path;
	o->n = 0;
	o->ng = l > 7 && strcmp(path + l - 7, ".pcapng") == 0;
	o->f = fopen(path, "wb");
	if (!o->f) {
		fprintf(stderr, "mkpcap: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	if (o->ng) {
		/* section header block */
		wr32(o, 0x0A0D0D0A); wr32(o, 28); wr32(o, 0x1A2B3C4D); wr16(o, 1); wr16(o, 0);
		wr32(o, 0xffffffff); wr32(o, 0xffffffff); wr32(o, 28);
		/* interface description block, microsecond timestamps (the default) */
		wr32(o, 1); wr32(o, 20); wr16(o, (uint16_t)linktype); wr16(o, 0); wr32(o, snaplen); wr32(o, 20);
	} else {
		wr32(o, 0xa1b2c3d4); wr16(o, 2); wr16(o, 4); wr32(o, 0); wr32(o, 0);
		wr32(o, snaplen); wr32(o, (uint32_t)linktype);
	}
}
/* one record: caplen bytes of data, wire length len; written = bytes actually written (for a
 * record cut short by the end of the file) */
static void out_rec_raw(struct out *o, uint64_t ts_us, const uint8_t *d, uint32_t caplen, uint32_t len,
			uint32_t written)
{
	static const uint8_t zero[4];
	if (o->ng) {
		uint32_t pad = (4 - caplen % 4) % 4, tot = 32 + caplen + pad;
		wr32(o, 6); wr32(o, tot); wr32(o, 0);
		wr32(o, (uint32_t)(ts_us >> 32)); wr32(o, (uint32_t)ts_us);
		wr32(o, caplen); wr32(o, len);
		wr(o, d, written);
		if (written < caplen)
			return;
		wr(o, zero, pad);
		wr32(o, tot);
	} else {
		wr32(o, (uint32_t)(ts_us / 1000000)); wr32(o, (uint32_t)(ts_us % 1000000));
		wr32(o, caplen); wr32(o, len);
		wr(o, d, written);
	}
	o->n++;
}
static uint64_t ts_of(uint32_t i) { return 1700000000ULL * 1000000 + (uint64_t)i * 1000 + (i * 7919u) % 997; }
static void out_pk(struct out *o, const struct pk *p, uint32_t caplen)
{
	if (caplen == 0 || caplen > p->n)
		caplen = p->n;
	out_rec_raw(o, ts_of(o->n), p->b, caplen, p->n, caplen);
}
static void out_close(struct out *o)
{
	if (fclose(o->f) != 0) {
		fprintf(stderr, "mkpcap: close %s: %s\n", o->path, strerror(errno));
		exit(1);
	}
}

/* ------------------------------------------------------------------ frame builders */
/* the IPIP packet of conversation packet i (outer + inner), at the buffer's end */
static void put_ipip(struct pk *p, uint32_t na, uint32_t nb, uint32_t a, uint32_t b, const struct l4 *l,
		     uint32_t i)
{
	struct ip4 oh = { .src = na, .dst = nb, .proto = 4, .ttl = (uint8_t)(i % 5 == 3 ? 63 : 64),
			  .tos = (uint8_t)(i % 7 == 2 ? 0x10 : 0), .id = (uint16_t)rnd(), .df = (i % 3) != 0 };
	uint32_t o = ip4_begin(p, &oh);
	put_ip4_pkt(p, a, b, 63, (uint8_t)(i % 11 == 5 ? 0xb8 : 0), (uint16_t)rnd(), (i % 4) != 1, l);
	ip4_end(p, o);
}
/* conversation packet i: which pair, which kind, the addresses in the packet's direction */
static void conv_pkt(uint32_t i, struct l4 *l, uint32_t *na, uint32_t *nb, uint32_t *a, uint32_t *b)
{
	int pn = (int)rndn(N_PAIRS);
	enum l4kind k = (enum l4kind)(i % K_NKIND);
	const struct pair *pr = &pairs[pn];
	mk_l4(l, k, pn, i / K_NKIND);
	if (is_reply(k)) {
		swap_ports(l);
		*na = pr->nb; *nb = pr->na; *a = pr->b; *b = pr->a;
	} else {
		*na = pr->na; *nb = pr->nb; *a = pr->a; *b = pr->b;
	}
}
static void frame_ipip(struct pk *p, uint32_t i)
{
	struct l4 l;
	uint32_t na, nb, a, b;
	conv_pkt(i, &l, &na, &nb, &a, &b);
	p->n = 0;
	eth_ip(p, na, nb, 0x0800);
	put_ipip(p, na, nb, a, b, &l, i);
}
static void put_vxlan(struct pk *p, uint32_t na, uint32_t nb, uint32_t a, uint32_t b, const struct l4 *l,
		      uint32_t i, uint16_t port, uint8_t flags)
{
	struct ip4 oh = { .src = na, .dst = nb, .proto = 17, .ttl = 64, .id = (uint16_t)rnd(), .df = (i % 2) == 0 };
	uint8_t sm[6], dm[6];
	uint32_t o = ip4_begin(p, &oh), u = udp_begin(p, (uint16_t)(32768 + rndn(28000)), port);
	vxlan_hdr(p, flags, 4096);
	vtep_mac(na, sm);
	vtep_mac(nb, dm);
	eth(p, dm, sm, 0x0800);
	put_ip4_pkt(p, a, b, 63, 0, (uint16_t)rnd(), 1, l);
	udp_end(p, u, o, i % 5 != 0);
	ip4_end(p, o);
}
static void frame_vxlan(struct pk *p, uint32_t i, uint16_t port)
{
	struct l4 l;
	uint32_t na, nb, a, b;
	conv_pkt(i, &l, &na, &nb, &a, &b);
	p->n = 0;
	eth_ip(p, na, nb, 0x0800);
	put_vxlan(p, na, nb, a, b, &l, i, port, 0x08);
}

/* ------------------------------------------------------------------ kinds */
static void kind_ipip(struct out *o, uint32_t count)
{
	struct pk p;
	for (uint32_t i = 0; i < count; i++) {
		frame_ipip(&p, i);
		out_pk(o, &p, 0);
	}
}
static void kind_vxlan(struct out *o, uint32_t count, uint16_t port)
{
	struct pk p;
	for (uint32_t i = 0; i < count; i++) {
		frame_vxlan(&p, i, port);
		out_pk(o, &p, 0);
	}
}
static void kind_ipv6(struct out *o, uint32_t count)
{
	struct pk p;
	for (uint32_t i = 0; i < count; i++) {
		struct l4 l;
		uint8_t s6[16], d6[16];
		/* IPv6 pod pairs on one node (the lab's IPv6 works per node), or across for sit */
		int x = (int)rndn(6), y = x ^ 1;
		enum l4kind k = (enum l4kind)(i % K_NKIND);
		mk_l4(&l, k, x, i / K_NKIND);
		if (is_reply(k)) {
			int t = x;
			x = y;
			y = t;
			swap_ports(&l);
		}
		p.n = 0;
		if (i % 4 == 3) {
			/* sit: IPv6 in IPv4 protocol 41 between nodes */
			uint32_t na = ip4a(NODE[i % 3]), nb = ip4a(NODE[(i + 1) % 3]);
			struct ip4 oh = { .src = na, .dst = nb, .proto = 41, .ttl = 64, .id = (uint16_t)rnd(), .df = 1 };
			uint32_t oo, io;
			ip6a(POD6[(i % 3) * 2], s6);
			ip6a(POD6[((i + 1) % 3) * 2 + 1], d6);
			eth_ip(&p, na, nb, 0x0800);
			oo = ip4_begin(&p, &oh);
			io = ip6_begin(&p, s6, d6, l4_proto(&l, 1), 63, 0, rndn(0x100000));
			put_l4(&p, io, &l, 1);
			ip6_end(&p, io);
			ip4_end(&p, oo);
		} else {
			uint8_t sm[6] = { 0xee, 0xee, 0xee, 0xee, 0xee, 0xee }, dm[6] = { 0x02, 0x42, 0xac, 0, 0, (uint8_t)y };
			uint32_t io;
			ip6a(POD6[x], s6);
			ip6a(POD6[y], d6);
			eth(&p, dm, sm, 0x86dd);
			if (i % 5 == 4) {
				/* hop-by-hop options (PadN), then the L4 header */
				io = ip6_begin(&p, s6, d6, 0, 64, (uint8_t)(i % 2 ? 0x28 : 0), rndn(0x100000));
				p8(&p, l4_proto(&l, 1));
				p8(&p, 0);
				p8(&p, 1); p8(&p, 4); p32(&p, 0);
			} else {
				io = ip6_begin(&p, s6, d6, l4_proto(&l, 1), 64, 0, rndn(0x100000));
			}
			put_l4(&p, io, &l, 1);
			ip6_end(&p, io);
		}
		out_pk(o, &p, 0);
	}
}
static void kind_vlan(struct out *o, uint32_t count)
{
	struct pk p, q;
	for (uint32_t i = 0; i < count; i++) {
		frame_ipip(&q, i);
		p.n = 0;
		pmem(&p, q.b, 12);
		if (i % 4 == 3) {
			p16(&p, 0x88a8);
			p16(&p, 200);
			p16(&p, 0x8100);
			p16(&p, (uint16_t)(100 + i % 3));
		} else {
			p16(&p, 0x8100);
			p16(&p, (uint16_t)(3 << 13 | 100)); /* PCP 3, VID 100 */
		}
		pmem(&p, q.b + 12, q.n - 12);
		out_pk(o, &p, 0);
	}
}
static void kind_sll(struct out *o, uint32_t count, int v2)
{
	struct pk p, q;
	for (uint32_t i = 0; i < count; i++) {
		uint8_t pkttype = (i % 3 == 1) ? 4 : 0;
		frame_ipip(&q, i);
		p.n = 0;
		if (v2) {
			p16(&p, 0x0800);
			p16(&p, 0);
			p32(&p, 2);      /* ifindex */
			p16(&p, 1);      /* ARPHRD_ETHER */
			p8(&p, pkttype);
			p8(&p, 6);
			pmem(&p, q.b + 6, 6); /* the sender's address */
			p16(&p, 0);
		} else {
			p16(&p, pkttype);
			p16(&p, 1);
			p16(&p, 6);
			pmem(&p, q.b + 6, 6);
			p16(&p, 0);
			p16(&p, 0x0800);
		}
		pmem(&p, q.b + 14, q.n - 14);
		out_pk(o, &p, 0);
	}
}
static void kind_raw(struct out *o, uint32_t count)
{
	struct pk p;
	for (uint32_t i = 0; i < count; i++) {
		struct l4 l;
		uint32_t na, nb, a, b;
		conv_pkt(i, &l, &na, &nb, &a, &b);
		p.n = 0;
		if (i == count / 2) {
			uint8_t s6[16], d6[16];
			uint32_t io;
			ip6a(POD6[0], s6);
			ip6a(POD6[1], d6);
			mk_l4(&l, K_ECHO_REQ, 0, 0);
			io = ip6_begin(&p, s6, d6, 58, 64, 0, 0x12345);
			put_l4(&p, io, &l, 1);
			ip6_end(&p, io);
		} else {
			put_ip4_pkt(&p, a, b, 63, 0, (uint16_t)rnd(), 1, &l);
		}
		out_pk(o, &p, 0);
	}
}

/* an ICMPv4 error from node `from` to `to` quoting the first `quote` bytes of q (an IP packet) */
static void icmp_err(struct pk *p, uint32_t from, uint32_t to, uint8_t type, uint8_t code, uint32_t rest,
		     const struct pk *q, uint32_t quote, int eth_hdr)
{
	struct ip4 h = { .src = from, .dst = to, .proto = 1, .ttl = 64, .tos = 0xc0, .id = (uint16_t)rnd() };
	uint32_t io, c;
	if (eth_hdr)
		eth_ip(p, from, to, 0x0800);
	io = ip4_begin(p, &h);
	c = icmp_begin(p, type, code, rest);
	pmem(p, q->b, quote < q->n ? quote : q->n);
	icmp_end(p, c);
	ip4_end(p, io);
}
/* Each error follows the packet it quotes, as a capture on the path shows them; every flow
 * gets at most one error. */
static void eth6(struct pk *p)
{
	uint8_t sm[6] = { 0xee, 0xee, 0xee, 0xee, 0xee, 0xee }, dm[6] = { 0x02, 0x42, 0xac, 0, 0, 1 };
	eth(p, dm, sm, 0x86dd);
}
static void kind_icmperr(struct out *o)
{
	struct pk p, q;
	struct l4 l;
	uint32_t gw = ip4a("192.168.31.1"), n1 = ip4a(NODE[0]), n2 = ip4a(NODE[1]), n3 = ip4a(NODE[2]);
	uint32_t w1 = ip4a(POD[0]), w2 = ip4a(POD[2]), w3 = ip4a(POD[4]), d3 = ip4a(POD[5]);
	uint8_t s6[16], d6[16];
	uint32_t io, c, qo;

	/* A: IPIP n1 -> n3 carrying TCP web-1:40000 -> web-3:8080, 1500 bytes; the gateway answers
	 * frag-needed MTU 1480 quoting the outer header (proto 4) and what follows, up to 576 bytes */
	mk_l4(&l, K_PSH, 0, 0);
	l.plen = 1440;
	q.n = 0;
	put_ipip(&q, n1, n3, w1, w3, &l, 1);
	p.n = 0;
	eth_ip(&p, n1, n3, 0x0800);
	pmem(&p, q.b, q.n);
	out_pk(o, &p, 0);
	p.n = 0;
	icmp_err(&p, gw, n1, 3, 4, 1480, &q, 576 - 28, 1);
	out_pk(o, &p, 0);
	/* B: IPIP n2 -> n3 carrying an echo web-2 -> web-3; n3 has no protocol 4 listener:
	 * protocol-unreachable (3/2) quoting the whole packet */
	mk_l4(&l, K_ECHO_REQ, 1, 0);
	q.n = 0;
	put_ipip(&q, n2, n3, w2, w3, &l, 1);
	p.n = 0;
	eth_ip(&p, n2, n3, 0x0800);
	pmem(&p, q.b, q.n);
	out_pk(o, &p, 0);
	p.n = 0;
	icmp_err(&p, n3, n2, 3, 2, 0, &q, q.n, 1);
	out_pk(o, &p, 0);
	/* C: IPIP n1 -> n2 carrying TCP web-1:40014 -> web-2:8080; back inside IPIP n2 -> n1, a
	 * frag-needed MTU 1480 from n2's tunnel address to web-1 quoting the inner TCP segment */
	mk_l4(&l, K_PSH, 2, 0);
	l.plen = 1460;
	q.n = 0;
	put_ip4_pkt(&q, w1, w2, 63, 0, 0x4242, 1, &l);
	p.n = 0;
	eth_ip(&p, n1, n2, 0x0800);
	{
		struct ip4 oh = { .src = n1, .dst = n2, .proto = 4, .ttl = 64, .id = 6, .df = 1 };
		uint32_t oo = ip4_begin(&p, &oh);
		pmem(&p, q.b, q.n);
		ip4_end(&p, oo);
	}
	out_pk(o, &p, 0);
	p.n = 0;
	eth_ip(&p, n2, n1, 0x0800);
	{
		struct ip4 oh = { .src = n2, .dst = n1, .proto = 4, .ttl = 64, .id = 7, .df = 1 };
		uint32_t oo = ip4_begin(&p, &oh);
		icmp_err(&p, ip4a("172.168.195.0"), w1, 3, 4, 1480, &q, 576 - 28, 0);
		ip4_end(&p, oo);
	}
	out_pk(o, &p, 0);
	/* D: UDP web-1:40007 -> db-3:53 with TTL 1; time exceeded from n3 quoting 28 bytes */
	mk_l4(&l, K_UDP, 1, 0);
	l.plen = 20;
	q.n = 0;
	put_ip4_pkt(&q, w1, d3, 1, 0, 0x99, 0, &l);
	p.n = 0;
	eth_ip(&p, w1, d3, 0x0800);
	pmem(&p, q.b, q.n);
	out_pk(o, &p, 0);
	p.n = 0;
	icmp_err(&p, n3, w1, 11, 0, 0, &q, 28, 1);
	out_pk(o, &p, 0);
	/* E: UDP web-1:40021 -> db-3:53; port unreachable from db-3 quoting all of it */
	mk_l4(&l, K_UDP, 3, 0);
	l.plen = 20;
	q.n = 0;
	put_ip4_pkt(&q, w1, d3, 62, 0, 0x9a, 0, &l);
	p.n = 0;
	eth_ip(&p, w1, d3, 0x0800);
	pmem(&p, q.b, q.n);
	out_pk(o, &p, 0);
	p.n = 0;
	icmp_err(&p, d3, w1, 3, 3, 0, &q, q.n, 1);
	out_pk(o, &p, 0);
	/* F: IPv6 TCP; packet too big, MTU 1280, quoting as much as fits in 1280 bytes */
	ip6a(POD6[0], s6);
	ip6a(POD6[1], d6);
	mk_l4(&l, K_PSH, 2, 0);
	l.plen = 1400;
	q.n = 0;
	qo = ip6_begin(&q, s6, d6, 6, 64, 0, 0x54321);
	put_l4(&q, qo, &l, 1);
	ip6_end(&q, qo);
	p.n = 0;
	eth6(&p);
	pmem(&p, q.b, q.n);
	out_pk(o, &p, 0);
	p.n = 0;
	eth6(&p);
	io = ip6_begin(&p, d6, s6, 58, 64, 0, 0);
	c = icmp_begin(&p, 2, 0, 1280);
	pmem(&p, q.b, 1280 - 48);
	icmp6_end(&p, c, io);
	ip6_end(&p, io);
	out_pk(o, &p, 0);
	/* G: IPv6 UDP; port unreachable */
	mk_l4(&l, K_UDP, 3, 0);
	l.plen = 12;
	q.n = 0;
	qo = ip6_begin(&q, s6, d6, 17, 64, 0, 0);
	put_l4(&q, qo, &l, 1);
	ip6_end(&q, qo);
	p.n = 0;
	eth6(&p);
	pmem(&p, q.b, q.n);
	out_pk(o, &p, 0);
	p.n = 0;
	eth6(&p);
	io = ip6_begin(&p, d6, s6, 58, 64, 0, 0);
	c = icmp_begin(&p, 1, 4, 0);
	pmem(&p, q.b, q.n);
	icmp6_end(&p, c, io);
	ip6_end(&p, io);
	out_pk(o, &p, 0);
	/* H: a plain echo request, no error */
	mk_l4(&l, K_ECHO_REQ, 4, 3);
	p.n = 0;
	eth_ip(&p, n1, n3, 0x0800);
	put_ip4_pkt(&p, n1, n3, 64, 0, 1, 1, &l);
	out_pk(o, &p, 0);
}

static void kind_truncated(struct out *o)
{
	struct pk p;
	struct l4 l;
	uint32_t n1 = ip4a(NODE[0]), n2 = ip4a(NODE[1]), w1 = ip4a(POD[0]), w2 = ip4a(POD[2]);
	/* inside the Ethernet header */
	frame_ipip(&p, 0);
	out_pk(o, &p, 10);
	/* inside the outer IPv4 header */
	frame_ipip(&p, 1);
	out_pk(o, &p, 14 + 12);
	/* inside the inner IPv4 header */
	frame_ipip(&p, 2);
	out_pk(o, &p, 14 + 20 + 8);
	/* inside the inner TCP header */
	mk_l4(&l, K_PSH, 0, 0);
	p.n = 0;
	eth_ip(&p, n1, n2, 0x0800);
	put_ipip(&p, n1, n2, w1, w2, &l, 3);
	out_pk(o, &p, 14 + 20 + 20 + 10);
	/* inside the outer UDP header of a VXLAN frame */
	mk_l4(&l, K_ECHO_REQ, 0, 1);
	p.n = 0;
	eth_ip(&p, n1, n2, 0x0800);
	put_vxlan(&p, n1, n2, w1, w2, &l, 4, 4789, 0x08);
	out_pk(o, &p, 14 + 20 + 4);
	/* inside the VXLAN header */
	out_pk(o, &p, 14 + 20 + 8 + 4);
	/* inside the inner Ethernet header */
	out_pk(o, &p, 14 + 20 + 8 + 8 + 6);
	/* inside the inner IPv4 header of the VXLAN frame */
	out_pk(o, &p, 14 + 20 + 8 + 8 + 14 + 10);
	/* inside a plain ICMP header */
	p.n = 0;
	eth_ip(&p, n1, n2, 0x0800);
	put_ip4_pkt(&p, n1, n2, 64, 0, 5, 1, &l);
	out_pk(o, &p, 14 + 20 + 4);
	/* headers complete, payload cut */
	mk_l4(&l, K_ECHO_REQ, 0, 2);
	p.n = 0;
	eth_ip(&p, n1, n2, 0x0800);
	put_ipip(&p, n1, n2, w1, w2, &l, 5);
	out_pk(o, &p, 14 + 20 + 20 + 8 + 10);
	/* a whole frame */
	frame_ipip(&p, 6);
	out_pk(o, &p, 0);
}

static void kind_cutshort(struct out *o, uint32_t count)
{
	struct pk p;
	uint32_t i;
	for (i = 0; i < count; i++) {
		frame_ipip(&p, i);
		out_pk(o, &p, 0);
	}
	frame_ipip(&p, i);
	out_rec_raw(o, ts_of(i), p.b, p.n, p.n, 40);
}

static void kind_malformed(struct out *o)
{
	struct pk p;
	struct l4 l;
	uint32_t n1 = ip4a(NODE[0]), n2 = ip4a(NODE[1]), w1 = ip4a(POD[0]), w2 = ip4a(POD[2]);
	/* outer IHL 4 */
	frame_ipip(&p, 0);
	p.b[14] = 0x44;
	ip4_csum(&p, 14);
	out_pk(o, &p, 0);
	/* inner IHL 4 */
	frame_ipip(&p, 1);
	p.b[34] = 0x44;
	ip4_csum(&p, 34);
	ip4_csum(&p, 14);
	out_pk(o, &p, 0);
	/* outer total length 12 < header length 20 */
	frame_ipip(&p, 2);
	set16(p.b + 16, 12);
	ip4_csum(&p, 14);
	out_pk(o, &p, 0);
	/* plain TCP, data offset 3 */
	mk_l4(&l, K_ACK, 0, 0);
	p.n = 0;
	eth_ip(&p, n1, n2, 0x0800);
	put_ip4_pkt(&p, n1, n2, 64, 0, 3, 1, &l);
	p.b[14 + 20 + 12] = 0x30;
	tcp_end(&p, 34, 14);
	out_pk(o, &p, 0);
	/* TCP data offset 3 inside IPIP */
	p.n = 0;
	eth_ip(&p, n1, n2, 0x0800);
	put_ipip(&p, n1, n2, w1, w2, &l, 4);
	p.b[14 + 40 + 12] = 0x30;
	tcp_end(&p, 54, 34);
	out_pk(o, &p, 0);
	/* VXLAN flags 0x00: no I flag */
	mk_l4(&l, K_ECHO_REQ, 0, 5);
	p.n = 0;
	eth_ip(&p, n1, n2, 0x0800);
	put_vxlan(&p, n1, n2, w1, w2, &l, 5, 4789, 0x00);
	out_pk(o, &p, 0);
	/* a good frame */
	frame_ipip(&p, 6);
	out_pk(o, &p, 0);
}

static void kind_badsum(struct out *o)
{
	struct pk p;
	struct l4 l;
	uint32_t n1 = ip4a(NODE[0]), n2 = ip4a(NODE[1]), w1 = ip4a(POD[0]), w2 = ip4a(POD[2]);
	uint8_t s6[16], d6[16];
	uint32_t io;
	/* bad outer IPv4 header checksum (a plain echo) */
	mk_l4(&l, K_ECHO_REQ, 0, 0);
	p.n = 0;
	eth_ip(&p, n1, n2, 0x0800);
	put_ip4_pkt(&p, n1, n2, 64, 0, 11, 1, &l);
	p.b[24] ^= 0x5a;
	out_pk(o, &p, 0);
	frame_ipip(&p, 0);
	out_pk(o, &p, 0);
	/* bad inner IPv4 header checksum */
	frame_ipip(&p, 1);
	p.b[34 + 10] ^= 0x01;
	out_pk(o, &p, 0);
	/* bad TCP, UDP and ICMP checksums inside IPIP */
	static const enum l4kind ks[3] = { K_PSH, K_UDP, K_ECHO_REP };
	for (int k = 0; k < 3; k++) {
		mk_l4(&l, ks[k], 0, (uint32_t)k);
		if (ks[k] == K_ECHO_REP)
			swap_ports(&l);
		p.n = 0;
		eth_ip(&p, n1, n2, 0x0800);
		put_ipip(&p, n1, n2, w1, w2, &l, (uint32_t)k + 2);
		p.b[54 + (ks[k] == K_PSH ? 16 : ks[k] == K_UDP ? 6 : 2)] ^= 0x20;
		out_pk(o, &p, 0);
		frame_ipip(&p, (uint32_t)k + 10);
		out_pk(o, &p, 0);
	}
	/* bad outer UDP checksum on a VXLAN frame (a computed one: i % 5 == 0) */
	mk_l4(&l, K_ECHO_REQ, 0, 7);
	p.n = 0;
	eth_ip(&p, n1, n2, 0x0800);
	put_vxlan(&p, n1, n2, w1, w2, &l, 0, 4789, 0x08);
	p.b[34 + 6] ^= 0x10;
	if (get16(p.b + 40) == 0) /* keep it nonzero: 0 means "none" */
		p.b[40] = 0x10;
	out_pk(o, &p, 0);
	/* bad IPv6 UDP checksum */
	ip6a(POD6[0], s6);
	ip6a(POD6[1], d6);
	mk_l4(&l, K_UDP, 3, 0);
	l.plen = 30;
	p.n = 0;
	{
		uint8_t sm[6] = { 0xee, 0xee, 0xee, 0xee, 0xee, 0xee }, dm[6] = { 0x02, 0x42, 0xac, 0, 0, 1 };
		eth(&p, dm, sm, 0x86dd);
	}
	io = ip6_begin(&p, s6, d6, 17, 64, 0, 0);
	put_l4(&p, io, &l, 1);
	ip6_end(&p, io);
	p.b[14 + 40 + 6] ^= 0x77;
	out_pk(o, &p, 0);
	frame_vxlan(&p, 5, 4789);
	out_pk(o, &p, 0);
}

/* bench300: 300 pods on 10 nodes (30 each, 172.168.(10+4k).2-31) holding 3000 conversations
 * (ICMP echo, TCP, UDP between pods of different nodes); each packet belongs to a random one,
 * in a random direction. benchrand: random inner addresses in 10.0.0.0/8 and random ports, so
 * almost every packet is a flow of its own (the worst case for address caches and flow tables).
 * Outer headers between the 10 nodes either way; inner payloads of 0..199 bytes. */
#define BENCH_CONV 3000
static void kind_bench(struct out *o, uint32_t count, int random_inner)
{
	struct pk p;
	uint32_t nodes[10], pods[300];
	static struct { int a, b; uint8_t cls; uint16_t sport, dport; } conv[BENCH_CONV];
	for (int k = 0; k < 10; k++) {
		nodes[k] = ip4a("192.168.31.201") + (uint32_t)k;
		for (int j = 0; j < 30; j++)
			pods[k * 30 + j] = ip4a("172.168.0.0") + ((uint32_t)(10 + 4 * k) << 8) + 2 + (uint32_t)j;
	}
	for (int c = 0; c < BENCH_CONV; c++) {
		conv[c].a = (int)rndn(300);
		conv[c].b = (conv[c].a / 30 * 30 + 30 + (int)rndn(270)) % 300; /* another node */
		conv[c].cls = (uint8_t)rndn(3);
		conv[c].sport = (uint16_t)(32768 + rndn(28000));
		conv[c].dport = conv[c].cls == 2 ? 53 : (uint16_t)(rndn(2) ? 443 : 8080);
	}
	for (uint32_t i = 0; i < count; i++) {
		struct l4 l;
		int na, nb, rev = 0;
		uint32_t a, b;
		if (random_inner) {
			static const enum l4kind ks[8] = { K_ECHO_REQ, K_ECHO_REP, K_SYN, K_ACK, K_PSH, K_PSH, K_UDP, K_UDP };
			na = (int)rndn(10);
			nb = (int)((na + 1 + rndn(9)) % 10);
			a = 0x0a000000u | (rnd() & 0xffffff);
			b = 0x0a000000u | (rnd() & 0xffffff);
			mk_l4(&l, ks[i % 8], (int)rndn(64), i / 8);
			l.sport = (uint16_t)(1024 + rndn(64000));
		} else {
			int c = (int)rndn(BENCH_CONV);
			static const enum l4kind kc[3][2] = { { K_ECHO_REQ, K_ECHO_REP }, { K_PSH, K_ACK }, { K_UDP, K_UDP } };
			rev = (int)rndn(2);
			mk_l4(&l, kc[conv[c].cls][rev], 0, i);
			l.sport = conv[c].sport;
			l.dport = conv[c].dport;
			l.id = conv[c].sport;
			if (rev)
				swap_ports(&l);
			a = pods[rev ? conv[c].b : conv[c].a];
			b = pods[rev ? conv[c].a : conv[c].b];
			na = (rev ? conv[c].b : conv[c].a) / 30;
			nb = (rev ? conv[c].a : conv[c].b) / 30;
		}
		if (l.plen > 200)
			l.plen = rndn(200);
		p.n = 0;
		eth_ip(&p, nodes[na], nodes[nb], 0x0800);
		put_ipip(&p, nodes[na], nodes[nb], a, b, &l, i);
		out_pk(o, &p, 0);
	}
}

/* benchflows: bench300's 300 pods on 10 nodes; each frame opens a new flow (ICMP echo, TCP SYN,
 * or a UDP query to port 53, between pods of different nodes, a random source port or echo id)
 * except 1 in 5, the answer to one of the last 1024 flows opened (echo reply, SYN-ACK, UDP
 * reply). A new flow's tuple repeats an earlier one with a probability of about 1 in 10^5. */
#define BENCH_RECENT 1024
static void kind_benchflows(struct out *o, uint32_t count)
{
	struct pk p;
	uint32_t nodes[10], pods[300];
	static struct { int a, b; uint8_t cls; uint16_t sport, dport; } recent[BENCH_RECENT];
	uint32_t n_recent = 0;
	for (int k = 0; k < 10; k++) {
		nodes[k] = ip4a("192.168.31.201") + (uint32_t)k;
		for (int j = 0; j < 30; j++)
			pods[k * 30 + j] = ip4a("172.168.0.0") + ((uint32_t)(10 + 4 * k) << 8) + 2 + (uint32_t)j;
	}
	for (uint32_t i = 0; i < count; i++) {
		static const enum l4kind kc[3][2] = { { K_ECHO_REQ, K_ECHO_REP }, { K_SYN, K_SYNACK }, { K_UDP, K_UDP } };
		struct l4 l;
		int rev = n_recent > 0 && rndn(5) == 0, x, y;
		uint32_t slot = rev ? rndn(n_recent < BENCH_RECENT ? n_recent : BENCH_RECENT)
				    : n_recent++ % BENCH_RECENT;
		if (!rev) {
			recent[slot].a = (int)rndn(300);
			recent[slot].b = (recent[slot].a / 30 * 30 + 30 + (int)rndn(270)) % 300;
			recent[slot].cls = (uint8_t)rndn(3);
			recent[slot].sport = (uint16_t)(1024 + rndn(64000));
			recent[slot].dport = recent[slot].cls == 2 ? 53 : (uint16_t)(rndn(2) ? 443 : 8080);
		}
		mk_l4(&l, kc[recent[slot].cls][rev], 0, i);
		l.sport = recent[slot].sport;
		l.dport = recent[slot].dport;
		l.id = recent[slot].sport;
		if (rev)
			swap_ports(&l);
		if (l.plen > 200)
			l.plen = rndn(200);
		x = rev ? recent[slot].b : recent[slot].a;
		y = rev ? recent[slot].a : recent[slot].b;
		p.n = 0;
		eth_ip(&p, nodes[x / 30], nodes[y / 30], 0x0800);
		put_ipip(&p, nodes[x / 30], nodes[y / 30], pods[x], pods[y], &l, i);
		out_pk(o, &p, 0);
	}
}

/* ------------------------------------------------------------------ send-ipip */
static int send_ipip(int argc, char **argv)
{
	const char *dev = argv[2];
	uint32_t src = ip4a(argv[3]), dst = ip4a(argv[4]), isrc = ip4a(argv[5]), idst = ip4a(argv[6]);
	unsigned long count = argc > 7 ? strtoul(argv[7], NULL, 10) : 1;
	uint16_t id = (uint16_t)(argc > 8 ? strtoul(argv[8], NULL, 10) : 4660);
	struct sockaddr_in sa = { .sin_family = AF_INET };
	int fd = socket(AF_INET, SOCK_RAW, IPPROTO_IPIP);
	if (fd < 0) {
		perror("mkpcap: socket(AF_INET, SOCK_RAW, IPPROTO_IPIP)");
		return 1;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, dev, (socklen_t)strlen(dev) + 1) < 0) {
		fprintf(stderr, "mkpcap: SO_BINDTODEVICE %s: %s\n", dev, strerror(errno));
		return 1;
	}
	sa.sin_addr.s_addr = htonl(src);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "mkpcap: bind %s: %s\n", argv[3], strerror(errno));
		return 1;
	}
	sa.sin_addr.s_addr = htonl(dst);
	for (unsigned long i = 0; i < count; i++) {
		struct pk p;
		struct l4 l;
		struct timespec ts = { 0, 10 * 1000 * 1000 };
		memset(&l, 0, sizeof(l));
		l.kind = K_ECHO_REQ;
		l.id = id;
		l.sq = (uint16_t)i;
		l.plen = 56;
		p.n = 0;
		put_ip4_pkt(&p, isrc, idst, 64, 0, (uint16_t)(0x100 + i), 1, &l);
		if (sendto(fd, p.b, p.n, 0, (struct sockaddr *)&sa, sizeof(sa)) != (ssize_t)p.n) {
			fprintf(stderr, "mkpcap: sendto %s: %s\n", argv[4], strerror(errno));
			return 1;
		}
		if (i + 1 < count)
			nanosleep(&ts, NULL);
	}
	close(fd);
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: mkpcap KIND OUT [COUNT] [SEED]\n"
			"       mkpcap send-ipip IFACE SRC DST INNER_SRC INNER_DST [COUNT] [ID]\n"
			"KIND: ipip vxlan vxlan8472 ipv6 vlan sll2 sll raw icmperr truncated cutshort\n"
			"      malformed badsum bench300 benchrand benchflows\n"
			"      (OUT ending in .pcapng: pcapng)\n");
	return 2;
}

int main(int argc, char **argv)
{
	const char *kind, *path;
	uint32_t count;
	int bench;
	struct out o;

	if (argc >= 7 && strcmp(argv[1], "send-ipip") == 0)
		return send_ipip(argc, argv);
	if (argc < 3 || argc > 5)
		return usage();
	kind = argv[1];
	path = argv[2];
	bench = strncmp(kind, "bench", 5) == 0;
	count = argc > 3 ? (uint32_t)strtoul(argv[3], NULL, 10) : (bench ? 300000 : 48);
	rng_s = argc > 4 ? strtoull(argv[4], NULL, 10) : 1;
	if (rng_s == 0)
		rng_s = 1;
	rng_s *= 0x9E3779B97F4A7C15ULL;
	init_pairs();

	if (!strcmp(kind, "sll2"))
		out_open(&o, path, 276, 262144);
	else if (!strcmp(kind, "sll"))
		out_open(&o, path, 113, 262144);
	else if (!strcmp(kind, "raw"))
		out_open(&o, path, 101, 262144);
	else
		out_open(&o, path, 1, 262144);

	if (!strcmp(kind, "ipip"))
		kind_ipip(&o, count);
	else if (!strcmp(kind, "vxlan"))
		kind_vxlan(&o, count, 4789);
	else if (!strcmp(kind, "vxlan8472"))
		kind_vxlan(&o, count, 8472);
	else if (!strcmp(kind, "ipv6"))
		kind_ipv6(&o, count);
	else if (!strcmp(kind, "vlan"))
		kind_vlan(&o, count);
	else if (!strcmp(kind, "sll2"))
		kind_sll(&o, count, 1);
	else if (!strcmp(kind, "sll"))
		kind_sll(&o, count, 0);
	else if (!strcmp(kind, "raw"))
		kind_raw(&o, count);
	else if (!strcmp(kind, "icmperr"))
		kind_icmperr(&o);
	else if (!strcmp(kind, "truncated"))
		kind_truncated(&o);
	else if (!strcmp(kind, "cutshort"))
		kind_cutshort(&o, count);
	else if (!strcmp(kind, "malformed"))
		kind_malformed(&o);
	else if (!strcmp(kind, "badsum"))
		kind_badsum(&o);
	else if (!strcmp(kind, "bench300"))
		kind_bench(&o, count, 0);
	else if (!strcmp(kind, "benchrand"))
		kind_bench(&o, count, 1);
	else if (!strcmp(kind, "benchflows"))
		kind_benchflows(&o, count);
	else {
		fclose(o.f);
		unlink(path);
		return usage();
	}
	out_close(&o);
	return 0;
}
