/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for analysis/flows.c on synthetic decoded packets. Each scenario
 * states its traffic, and the expected counts follow from that traffic by
 * hand (a packet A->B and its reply B->A are one flow with one packet each
 * way; one packet seen on two interfaces is still one packet), not from
 * caltrace's own output.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "analysis/flows.h"

#define S 1000000ull /* one second in microseconds */

static struct ct_ip ip(const char *s)
{
	struct ct_ip a;
	memset(&a, 0, sizeof(a));
	if (inet_pton(AF_INET, s, a.a) == 1)
		a.family = AF_INET;
	else if (inet_pton(AF_INET6, s, a.a) == 1)
		a.family = AF_INET6;
	else
		fail_msg("bad address %s", s);
	return a;
}

static void set_ip(struct ct_pkt_ip *h, const char *src, const char *dst, uint8_t proto,
		   uint16_t len)
{
	memset(h, 0, sizeof(*h));
	h->present = true;
	h->src = ip(src);
	h->dst = ip(dst);
	h->version = h->src.family == AF_INET ? 4 : 6;
	h->proto = proto;
	h->ttl = 64;
	h->hdr_len = h->version == 4 ? 20 : 40;
	h->total_len = len;
	h->csum_ok = -1;
}

static void set_l4(struct ct_pkt_l4 *l, uint8_t proto, uint16_t sport, uint16_t dport)
{
	memset(l, 0, sizeof(*l));
	l->present = true;
	l->proto = proto;
	l->sport = sport;
	l->dport = dport;
	l->csum_ok = -1;
}

static void pkt_init(struct ct_pkt *p)
{
	memset(p, 0, sizeof(*p));
	p->status = CT_PKT_OK;
	p->sll_pkttype = 0xffff;
	p->outer.csum_ok = p->inner.csum_ok = -1;
}

/* a pod's packet as caliX or tunl0 sees it */
static struct ct_pkt plain(const char *src, uint16_t sport, const char *dst, uint16_t dport,
			   uint8_t proto, uint16_t len)
{
	struct ct_pkt p;
	pkt_init(&p);
	set_ip(&p.outer, src, dst, proto, len);
	set_l4(&p.outer_l4, proto, sport, dport);
	p.len = p.caplen = len + 14u;
	return p;
}

/* the same packet as eth0 sees it, in IPIP between two nodes */
static struct ct_pkt ipip(const char *osrc, const char *odst, const char *src, uint16_t sport,
			  const char *dst, uint16_t dport, uint8_t proto, uint16_t len)
{
	struct ct_pkt p;
	pkt_init(&p);
	set_ip(&p.outer, osrc, odst, 4, (uint16_t)(len + 20));
	p.encap = CT_ENCAP_IPIP;
	set_ip(&p.inner, src, dst, proto, len);
	set_l4(&p.inner_l4, proto, sport, dport);
	p.len = p.caplen = len + 34u;
	return p;
}

/* in VXLAN: outer UDP from osport to 4789 */
static struct ct_pkt vxlan(const char *osrc, uint16_t osport, const char *odst, uint32_t vni,
			   const char *src, uint16_t sport, const char *dst, uint16_t dport,
			   uint8_t proto, uint16_t len)
{
	struct ct_pkt p;
	pkt_init(&p);
	set_ip(&p.outer, osrc, odst, 17, (uint16_t)(len + 50));
	set_l4(&p.outer_l4, 17, osport, 4789);
	p.encap = CT_ENCAP_VXLAN;
	p.vni = vni;
	p.has_inner_eth = true;
	set_ip(&p.inner, src, dst, proto, len);
	set_l4(&p.inner_l4, proto, sport, dport);
	p.len = p.caplen = len + 64u;
	return p;
}

static struct ct_pkt echo(const char *src, const char *dst, uint8_t type, uint16_t id)
{
	struct ct_pkt p;
	pkt_init(&p);
	set_ip(&p.outer, src, dst, 1, 84);
	set_l4(&p.outer_l4, 1, 0, 0);
	p.outer_l4.icmp_type = type;
	p.outer_l4.icmp_id = id;
	return p;
}

/* an ICMPv4 error from `from` to `to`, quoting a header qsrc -> qdst */
static struct ct_pkt icmp_err(const char *from, const char *to, uint8_t type, uint8_t code,
			      uint16_t mtu, const char *qsrc, uint16_t qsport, const char *qdst,
			      uint16_t qdport, uint8_t qproto)
{
	struct ct_pkt p;
	pkt_init(&p);
	set_ip(&p.outer, from, to, 1, 576);
	set_l4(&p.outer_l4, 1, 0, 0);
	p.outer_l4.icmp_type = type;
	p.outer_l4.icmp_code = code;
	p.outer_l4.icmp_mtu = mtu;
	p.outer_l4.quoted_present = true;
	set_ip(&p.outer_l4.quoted, qsrc, qdst, qproto, 1500);
	p.outer_l4.quoted_sport = qsport;
	p.outer_l4.quoted_dport = qdport;
	return p;
}

static void add(struct ct_flows *t, const struct ct_pkt *p, uint64_t ts, uint16_t iface)
{
	assert_int_equal(ct_flows_add(t, p, ts, iface), 0);
}

/* All flows, ranked; sums[] filled in rank order. Returns how many. */
static size_t all(struct ct_flows *t, uint64_t now, struct ct_flow_sum *sums, size_t max)
{
	struct ct_flows_view v;
	assert_int_equal(ct_flows_rank(t, now, &v), 0);
	size_t n = v.n < max ? v.n : max;
	for (size_t i = 0; i < n; i++)
		ct_flow_summary(t, v.v[i].head, now, &sums[i]);
	size_t total = v.n;
	ct_flows_view_free(&v);
	return total;
}

static bool is(const struct ct_ip *a, const char *s)
{
	struct ct_ip b = ip(s);
	return ct_ip_eq(a, &b);
}

/* ---- canonical keys ---- */

static void test_both_directions_meet(void **state)
{
	(void)state;
	struct ct_flows t;
	assert_int_equal(ct_flows_init(&t, 0), 0);
	/* client 10.0.0.9:40000 opens to 10.0.0.1:80 (the server's address sorts first) */
	struct ct_pkt syn = plain("10.0.0.9", 40000, "10.0.0.1", 80, 6, 60);
	struct ct_pkt synack = plain("10.0.0.1", 80, "10.0.0.9", 40000, 6, 60);
	struct ct_pkt data = plain("10.0.0.9", 40000, "10.0.0.1", 80, 6, 1000);
	add(&t, &syn, 1 * S, 0);
	add(&t, &synack, 1 * S + 100, 0);
	add(&t, &data, 1 * S + 200, 0);
	struct ct_flow_sum s[4];
	assert_int_equal(all(&t, 2 * S, s, 4), 1);
	/* oriented by the first packet: the client is src whatever the address order */
	assert_true(is(&s[0].src, "10.0.0.9"));
	assert_int_equal(s[0].sport, 40000);
	assert_true(is(&s[0].dst, "10.0.0.1"));
	assert_int_equal(s[0].dport, 80);
	assert_int_equal(s[0].proto, 6);
	assert_int_equal(s[0].packets[0], 2);
	assert_int_equal(s[0].packets[1], 1);
	assert_int_equal(s[0].bytes[0], 1060);
	assert_int_equal(s[0].bytes[1], 60);
	assert_int_equal(s[0].first_us, 1 * S);
	assert_int_equal(s[0].last_us, 1 * S + 200);
	assert_false(s[0].one_way);
	/* another source port is another flow */
	struct ct_pkt other = plain("10.0.0.9", 40001, "10.0.0.1", 80, 6, 60);
	add(&t, &other, 1 * S + 300, 0);
	assert_int_equal(all(&t, 2 * S, s, 4), 2);
	/* ping and its reply: one flow keyed by the identifier */
	struct ct_pkt req = echo("10.0.0.9", "10.0.0.1", 8, 17);
	struct ct_pkt rep = echo("10.0.0.1", "10.0.0.9", 0, 17);
	add(&t, &req, 1 * S + 400, 0);
	add(&t, &rep, 1 * S + 500, 0);
	assert_int_equal(all(&t, 2 * S, s, 4), 3);
	bool found = false;
	for (int i = 0; i < 3; i++)
		if (s[i].proto == 1) {
			found = true;
			assert_int_equal(s[i].packets[0], 1);
			assert_int_equal(s[i].packets[1], 1);
			assert_int_equal(s[i].sport, 17);
		}
	assert_true(found);
	ct_flows_free(&t);
}

/* IPv4 keys for packets take a path of their own (key_make4); the keys of headers quoted by
 * ICMP errors take the general one. Both must agree, or an error would miss its flow; and a
 * packet's two directions must meet. Cases where the byte order and the numeric order of
 * the addresses disagree, and one address on both sides (the ports decide). */
static void test_ipv4_key_orders(void **state)
{
	(void)state;
	static const struct {
		const char *a, *b;
		uint16_t ap, bp;
	} c[] = {
	    {"1.0.0.2", "2.0.0.1", 5000, 80},
	    {"2.0.0.1", "1.0.0.2", 5000, 80},
	    {"10.0.0.7", "10.0.0.7", 9000, 53},
	    {"10.0.0.7", "10.0.0.7", 53, 9001},
	    {"10.0.0.7", "10.0.0.7", 80, 80},
	    {"255.0.0.1", "0.255.255.254", 1, 65535},
	};
	const size_t n = sizeof(c) / sizeof(c[0]);
	struct ct_flows t;
	assert_int_equal(ct_flows_init(&t, 0), 0);
	for (size_t i = 0; i < n; i++) {
		struct ct_pkt q = plain(c[i].a, c[i].ap, c[i].b, c[i].bp, 17, 100);
		struct ct_pkt r = plain(c[i].b, c[i].bp, c[i].a, c[i].ap, 17, 200);
		struct ct_pkt e =
		    icmp_err(c[i].b, c[i].a, 3, 3, 0, c[i].a, c[i].ap, c[i].b, c[i].bp, 17);
		add(&t, &q, i * S, 0);
		add(&t, &r, i * S + 1, 0);
		add(&t, &e, i * S + 2, 0);
	}
	struct ct_flow_sum s[8];
	assert_int_equal(all(&t, 100 * S, s, 8), n);
	for (size_t i = 0; i < n; i++) {
		/* both directions of 10.0.0.7:80 <-> 10.0.0.7:80 are one and the same */
		bool same = s[i].sport == s[i].dport && ct_ip_eq(&s[i].src, &s[i].dst);
		assert_int_equal(s[i].packets[0], same ? 2 : 1);
		assert_int_equal(s[i].packets[1], same ? 0 : 1);
		assert_int_equal(s[i].bytes[0] + s[i].bytes[1], 300);
		assert_int_equal(s[i].n_err, 1);
		assert_int_equal(s[i].err_pair, -1);
	}
	ct_flows_free(&t);
}

static void test_ipv6_and_encapsulated_meet(void **state)
{
	(void)state;
	struct ct_flows t;
	assert_int_equal(ct_flows_init(&t, 0), 0);
	/* the request in IPIP node1 -> node2, the reply in IPIP node2 -> node1 */
	struct ct_pkt a = ipip("192.168.31.201", "192.168.31.202", "172.168.1.2", 5000,
			       "172.168.2.3", 53, 17, 80);
	struct ct_pkt b = ipip("192.168.31.202", "192.168.31.201", "172.168.2.3", 53, "172.168.1.2",
			       5000, 17, 120);
	add(&t, &a, 10 * S, 3);
	add(&t, &b, 10 * S + 5, 3);
	struct ct_pkt c = plain("fd00::2", 1000, "fd00::1", 22, 6, 100);
	struct ct_pkt d = plain("fd00::1", 22, "fd00::2", 1000, 6, 100);
	add(&t, &c, 10 * S, 3);
	add(&t, &d, 10 * S + 5, 3);
	struct ct_flow_sum s[4];
	assert_int_equal(all(&t, 11 * S, s, 4), 2);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(s[i].packets[0], 1);
		assert_int_equal(s[i].packets[1], 1);
	}
	/* ranked by bytes: the DNS flow (200) before the SSH one (200 too: then by first entry) */
	const struct ct_flow_sum *dns = s[0].proto == 17 ? &s[0] : &s[1];
	assert_int_equal(dns->encap[0], CT_ENCAP_IPIP);
	assert_int_equal(dns->encap[1], CT_ENCAP_IPIP);
	assert_true(is(&dns->outer_src[0], "192.168.31.201"));
	assert_true(is(&dns->outer_dst[0], "192.168.31.202"));
	assert_true(is(&dns->outer_src[1], "192.168.31.202"));
	ct_flows_free(&t);
}

/* ---- VNI ---- */

static void test_vni_separates(void **state)
{
	(void)state;
	struct ct_flows t;
	assert_int_equal(ct_flows_init(&t, 0), 0);
	/* the same inner 5-tuple in two VXLAN networks: two flows */
	struct ct_pkt a = vxlan("192.168.31.201", 40001, "192.168.31.202", 4096, "10.1.0.2", 3333,
				"10.1.0.3", 80, 6, 100);
	struct ct_pkt b = vxlan("192.168.31.201", 40002, "192.168.31.202", 4097, "10.1.0.2", 3333,
				"10.1.0.3", 80, 6, 100);
	/* the reply in 4096, from the other node with its own outer source port */
	struct ct_pkt r = vxlan("192.168.31.202", 51234, "192.168.31.201", 4096, "10.1.0.3", 80,
				"10.1.0.2", 3333, 6, 100);
	add(&t, &a, 1 * S, 0);
	add(&t, &b, 1 * S + 1, 0);
	add(&t, &r, 1 * S + 2, 0);
	struct ct_flow_sum s[4];
	assert_int_equal(all(&t, 1 * S + 3, s, 4), 2);
	bool seen4096 = false, seen4097 = false;
	for (int i = 0; i < 2; i++) {
		assert_true(s[i].has_vni);
		if (s[i].vni == 4096) {
			seen4096 = true;
			assert_int_equal(s[i].packets[0], 1);
			assert_int_equal(s[i].packets[1], 1);
			/* VXLAN's outer source port differs per direction, kept per direction */
			assert_int_equal(s[i].outer_sport[0], 40001);
			assert_int_equal(s[i].outer_sport[1], 51234);
			assert_int_equal(s[i].outer_dport[1], 4789);
		} else if (s[i].vni == 4097) {
			seen4097 = true;
			assert_int_equal(s[i].packets[0], 1);
			assert_int_equal(s[i].packets[1], 0);
		}
	}
	assert_true(seen4096 && seen4097);
	ct_flows_free(&t);
}

static void test_vxlan_plain_copy_joins(void **state)
{
	(void)state;
	struct ct_flows t;
	assert_int_equal(ct_flows_init(&t, 0), 0);
	/* -i any on a VXLAN node: the pod's packet on caliX (plain, no VNI) first, then on
	 * eth0 in VXLAN 4096; the reply on eth0 then caliX. One flow, VNI 4096. */
	struct ct_pkt c = plain("10.244.1.5", 3333, "10.244.2.7", 80, 6, 100);
	struct ct_pkt e = vxlan("192.168.31.201", 40001, "192.168.31.202", 4096, "10.244.1.5", 3333,
				"10.244.2.7", 80, 6, 100);
	struct ct_pkt re = vxlan("192.168.31.202", 40002, "192.168.31.201", 4096, "10.244.2.7", 80,
				 "10.244.1.5", 3333, 6, 40);
	struct ct_pkt rc = plain("10.244.2.7", 80, "10.244.1.5", 3333, 6, 40);
	add(&t, &c, 1 * S, 1);
	add(&t, &e, 1 * S + 1, 2);
	add(&t, &re, 1 * S + 100, 2);
	add(&t, &rc, 1 * S + 101, 1);
	add(&t, &c, 1 * S + 200, 1);
	struct ct_flow_sum s[2];
	assert_int_equal(all(&t, 2 * S, s, 2), 1);
	assert_true(s[0].has_vni);
	assert_int_equal(s[0].vni, 4096);
	assert_int_equal(s[0].n_ifaces, 2);
	assert_int_equal(s[0].packets[0], 2); /* caliX saw two requests, eth0 one */
	assert_int_equal(s[0].packets[1], 1);
	assert_true(is(&s[0].src, "10.244.1.5"));
	ct_flows_free(&t);
}

/* ---- one-way ---- */

static void test_one_way(void **state)
{
	(void)state;
	struct ct_flows t;
	assert_int_equal(ct_flows_init(&t, 0), 0);
	/* pings in IPIP every second and no reply: IPIP blocked between the nodes */
	for (int i = 0; i < 3; i++) {
		struct ct_pkt p = ipip("192.168.31.201", "192.168.31.202", "172.168.1.2", 0,
				       "172.168.2.3", 0, 1, 84);
		p.inner_l4.icmp_type = 8;
		p.inner_l4.icmp_id = 99;
		p.inner_l4.icmp_seq = (uint16_t)i;
		add(&t, &p, (uint64_t)(5 + i) * S, 1);
	}
	/* a healthy exchange beside it */
	struct ct_pkt q = plain("10.0.0.1", 1, "10.0.0.2", 2, 17, 50);
	struct ct_pkt r = plain("10.0.0.2", 2, "10.0.0.1", 1, 17, 50);
	add(&t, &q, 5 * S, 1);
	add(&t, &r, 5 * S + 10, 1);
	/* a request a moment ago: too young to call one-way */
	struct ct_pkt y = plain("10.0.0.1", 7, "10.0.0.3", 8, 17, 50);
	add(&t, &y, 8 * S - 10, 1);
	struct ct_flow_sum s[4];
	assert_int_equal(all(&t, 8 * S, s, 4), 3);
	int one_way = 0;
	for (int i = 0; i < 3; i++) {
		if (s[i].proto == 1) {
			assert_true(s[i].one_way);
			assert_int_equal(s[i].packets[0], 3);
			assert_int_equal(s[i].packets[1], 0);
			assert_int_equal(s[i].encap[0], CT_ENCAP_IPIP);
			assert_non_null(s[i].note);
			assert_non_null(strstr(s[i].note, "IPIP"));
		}
		one_way += s[i].one_way;
	}
	assert_int_equal(one_way, 1);
	/* once it is old enough, the lone UDP request is one-way too */
	assert_int_equal(all(&t, 10 * S, s, 4), 3);
	one_way = 0;
	for (int i = 0; i < 3; i++)
		one_way += s[i].one_way;
	assert_int_equal(one_way, 2);
	ct_flows_free(&t);
}

static void test_one_way_burst(void **state)
{
	(void)state;
	struct ct_flows t;
	assert_int_equal(ct_flows_init(&t, 0), 0);
	/* a SYN and its retransmission, 200 ms apart, no SYN-ACK: one-way without waiting */
	struct ct_pkt syn = plain("10.0.0.1", 40000, "10.0.0.2", 443, 6, 60);
	add(&t, &syn, 1 * S, 0);
	struct ct_flow_sum s[1];
	assert_int_equal(all(&t, 1 * S + 200000, s, 1), 1);
	assert_false(s[0].one_way);
	add(&t, &syn, 1 * S + 200000, 0);
	assert_int_equal(all(&t, 1 * S + 200000, s, 1), 1);
	assert_true(s[0].one_way);
	assert_int_equal(s[0].encap[0], CT_ENCAP_NONE);
	assert_non_null(s[0].note);
	assert_null(strstr(s[0].note, "IPIP"));
	ct_flows_free(&t);
}

static void test_asymmetric(void **state)
{
	(void)state;
	struct ct_flows t;
	assert_int_equal(ct_flows_init(&t, 0), 0);
	/* on eth0: requests leave in IPIP, replies come back plain */
	struct ct_pkt a =
	    ipip("192.168.31.201", "192.168.31.202", "172.168.1.2", 4000, "172.168.2.3", 80, 6, 60);
	struct ct_pkt b = plain("172.168.2.3", 80, "172.168.1.2", 4000, 6, 60);
	add(&t, &a, 1 * S, 2);
	add(&t, &b, 1 * S + 1, 2);
	struct ct_flow_sum s[2];
	assert_int_equal(all(&t, 5 * S, s, 2), 1);
	assert_true(s[0].asymmetric);
	assert_false(s[0].one_way);
	assert_int_equal(s[0].encap[0], CT_ENCAP_IPIP);
	assert_int_equal(s[0].encap[1], CT_ENCAP_NONE);
	assert_non_null(s[0].note);
	ct_flows_free(&t);
}

/* ---- -i any: one packet on several interfaces ---- */

static void test_any_duplicates_not_added(void **state)
{
	(void)state;
	struct ct_flows t;
	assert_int_equal(ct_flows_init(&t, 0), 0);
	/* each request is seen on cali1 (plain), tunl0 (plain) and eth0 (IPIP); each reply on
	 * eth0 only: 4 requests and 4 replies went over the wire */
	for (int i = 0; i < 4; i++) {
		uint64_t ts = 1 * S + (uint64_t)i * 1000;
		struct ct_pkt c = plain("172.168.1.2", 4000, "172.168.2.3", 80, 6, 100);
		struct ct_pkt e = ipip("192.168.31.201", "192.168.31.202", "172.168.1.2", 4000,
				       "172.168.2.3", 80, 6, 100);
		struct ct_pkt r = ipip("192.168.31.202", "192.168.31.201", "172.168.2.3", 80,
				       "172.168.1.2", 4000, 6, 40);
		add(&t, &c, ts, 10);
		add(&t, &c, ts + 1, 11);
		add(&t, &e, ts + 2, 12);
		add(&t, &r, ts + 500, 12);
	}
	struct ct_flow_sum s[2];
	assert_int_equal(all(&t, 2 * S, s, 2), 1);
	assert_int_equal(s[0].packets[0], 4);
	assert_int_equal(s[0].bytes[0], 400);
	assert_int_equal(s[0].packets[1], 4);
	assert_int_equal(s[0].bytes[1], 160);
	assert_int_equal(s[0].n_ifaces, 3);
	/* the outer pair comes from eth0, the only interface that saw it encapsulated */
	assert_int_equal(s[0].encap[0], CT_ENCAP_IPIP);
	assert_true(is(&s[0].outer_src[0], "192.168.31.201"));
	/* cali1 and tunl0 saw no replies, but the flow as a whole is not one-way,
	 * and plain on one interface, IPIP on another is not asymmetric */
	assert_false(s[0].one_way);
	assert_false(s[0].asymmetric);
	ct_flows_free(&t);
}

/* ---- ICMP errors ---- */

static void test_icmp_errors_attach(void **state)
{
	(void)state;
	struct ct_flows t;
	assert_int_equal(ct_flows_init(&t, 0), 0);
	/* a TCP flow in IPIP, and the far node answering its IPIP with protocol 4 unreachable */
	struct ct_pkt a =
	    ipip("192.168.31.201", "192.168.31.202", "172.168.1.2", 4000, "172.168.2.3", 80, 6, 60);
	add(&t, &a, 1 * S, 0);
	struct ct_pkt u = icmp_err("192.168.31.202", "192.168.31.201", 3, 2, 0, "192.168.31.201", 0,
				   "192.168.31.202", 0, 4);
	add(&t, &u, 1 * S + 10, 0);
	add(&t, &u, 1 * S + 20, 0);
	/* the same error seen again on a second interface is not counted twice */
	add(&t, &u, 1 * S + 21, 5);
	/* a plain UDP flow and frag-needed quoting it */
	struct ct_pkt b = plain("10.0.0.1", 5555, "10.0.0.2", 4789, 17, 1500);
	add(&t, &b, 1 * S, 0);
	struct ct_pkt f =
	    icmp_err("10.0.0.254", "10.0.0.1", 3, 4, 1450, "10.0.0.1", 5555, "10.0.0.2", 4789, 17);
	add(&t, &f, 1 * S + 30, 0);
	/* the path between the nodes also too small for the IPIP packets: a second kind on the
	 * same tunnel pair, kept beside the first */
	struct ct_pkt m = icmp_err("192.168.31.254", "192.168.31.201", 3, 4, 1400, "192.168.31.201",
				   0, "192.168.31.202", 0, 4);
	add(&t, &m, 1 * S + 50, 0);
	/* an error quoting nothing we saw */
	struct ct_pkt x =
	    icmp_err("10.9.9.9", "10.9.9.8", 3, 3, 0, "10.9.9.8", 1, "10.9.9.7", 2, 17);
	add(&t, &x, 1 * S + 40, 0);
	struct ct_flow_sum s[4];
	/* errors make no flows of their own */
	assert_int_equal(all(&t, 2 * S, s, 4), 2);
	int checked = 0;
	for (int i = 0; i < 2; i++) {
		if (s[i].proto == 6) {
			/* the most recent kind first: frag-needed, then protocol 4 unreachable */
			assert_int_equal(s[i].n_err, 2);
			assert_true(s[i].err_tunnel[0] && s[i].err_tunnel[1]);
			assert_int_equal(s[i].err[0].code, 4);
			assert_int_equal(s[i].err[0].mtu, 1400);
			assert_int_equal(s[i].err[0].count, 1);
			assert_int_equal(s[i].err[1].type, 3);
			assert_int_equal(s[i].err[1].code, 2);
			assert_int_equal(s[i].err[1].quoted_proto, 4);
			assert_int_equal(s[i].err[1].count, 2);
			assert_true(is(&s[i].err[1].from, "192.168.31.202"));
			assert_non_null(s[i].err_note[1]);
			assert_non_null(
			    strstr(s[i].err_note[1], "IPIP not accepted by the far node"));
			checked++;
		} else {
			assert_int_equal(s[i].n_err, 1);
			assert_false(s[i].err_tunnel[0]);
			assert_int_equal(s[i].err[0].code, 4);
			assert_int_equal(s[i].err[0].mtu, 1450);
			assert_int_equal(s[i].err[0].count, 1);
			checked++;
		}
	}
	assert_int_equal(checked, 2);
	assert_int_equal(t.errors, 6);
	/* the error about unseen traffic is reported on its own */
	struct ct_flows_view v;
	assert_int_equal(ct_flows_rank(&t, 2 * S, &v), 0);
	assert_int_equal(v.orphans, 1);
	assert_int_equal(v.with_errors, 2);
	ct_flows_view_free(&v);
	ct_flows_free(&t);
}

/* ---- bounded memory ---- */

static void test_bounded(void **state)
{
	(void)state;
	struct ct_flows t;
	assert_int_equal(ct_flows_init(&t, 16), 0);
	char a[32];
	size_t alloc_at_100 = 0;
	for (int i = 0; i < 1000; i++) {
		snprintf(a, sizeof(a), "10.%d.%d.1", i / 256, i % 256);
		struct ct_pkt p = plain(a, 1000, "10.255.0.1", 80, 6, 60);
		add(&t, &p, (uint64_t)i * S, 0);
		assert_true(t.used <= 16);
		if (i == 99)
			alloc_at_100 = t.n_alloc;
	}
	assert_int_equal(ct_flows_flush(&t), 0);
	/* memory stays flat: the same allocation after 100 and after 1000 flows */
	assert_true(t.n_alloc <= 16);
	assert_int_equal(t.n_alloc, alloc_at_100);
	assert_int_equal(t.used, 16);
	assert_int_equal(t.evicted, 1000 - 16);
	/* the newest flow is kept (the least recently seen go first) */
	struct ct_flow_sum s[16];
	assert_int_equal(all(&t, 1000 * S, s, 16), 16);
	bool newest = false;
	for (int i = 0; i < 16; i++)
		newest = newest || is(&s[i].src, "10.3.231.1"); /* i = 999 */
	assert_true(newest);
	/* a flow that keeps talking survives a flood of new ones */
	struct ct_flows u;
	assert_int_equal(ct_flows_init(&u, 64), 0);
	struct ct_pkt keep = plain("192.0.2.1", 1, "192.0.2.2", 2, 17, 10);
	for (int i = 0; i < 5000; i++) {
		snprintf(a, sizeof(a), "10.%d.%d.2", i / 256 % 256, i % 256);
		struct ct_pkt p = plain(a, 1000, "10.255.0.1", 80, 6, 60);
		add(&u, &p, (uint64_t)i * 1000, 0);
		add(&u, &keep, (uint64_t)i * 1000 + 1, 0);
	}
	struct ct_flow_sum v[64];
	assert_int_equal(all(&u, 6 * S, v, 64), 64);
	assert_true(is(&v[0].src, "192.0.2.1")); /* the biggest */
	assert_int_equal(v[0].packets[0], 5000);
	ct_flows_free(&u);
	ct_flows_free(&t);
}

/* ---- eviction (the rule in flows.h: the clock hand evicts the least recently seen
 * of the CT_FLOWS_EVICT_WINDOW entries in front of it and moves just past it) ---- */

/* src of flow i: 10.(i / 65536).(i / 256 % 256).(i % 256) */
static struct ct_pkt nth(int i, uint16_t len)
{
	char a[32];
	snprintf(a, sizeof(a), "10.%d.%d.%d", i / 65536, i / 256 % 256, i % 256);
	return plain(a, 1000, "192.0.2.1", 80, 6, len);
}

static int nth_of(const struct ct_ip *src)
{
	return src->a[1] * 65536 + src->a[2] * 256 + src->a[3];
}

static void test_evict_scan_keeps_newest(void **state)
{
	(void)state;
	/* a scan: 1000 flows of one packet each, in time order, through a table of 100. By the
	 * rule the hand always finds the oldest in its window, so exactly the last 100 stay. */
	struct ct_flows t;
	struct ct_flow_sum s[128];
	assert_int_equal(ct_flows_init(&t, 100), 0);
	for (int i = 0; i < 1000; i++) {
		struct ct_pkt p = nth(i, 60);
		add(&t, &p, 1 * S + (uint64_t)i, 0);
		/* at every step, not only at the end: flows i-99..i */
		size_t n = all(&t, 2 * S, s, 128);
		assert_int_equal(n, i < 100 ? i + 1 : 100);
		int lo = i;
		for (size_t k = 0; k < n; k++)
			lo = nth_of(&s[k].src) < lo ? nth_of(&s[k].src) : lo;
		assert_int_equal(lo, i < 100 ? 0 : i - 99);
	}
	assert_int_equal(all(&t, 2 * S, s, 128), 100);
	assert_int_equal(t.used, 100);
	assert_int_equal(t.evicted, 900);
	bool kept[100] = {false};
	for (int i = 0; i < 100; i++) {
		int n = nth_of(&s[i].src);
		assert_true(n >= 900 && n < 1000);
		assert_false(kept[n - 900]);
		kept[n - 900] = true;
	}
	ct_flows_free(&t);
}

static void test_evict_error_counts_as_seen(void **state)
{
	(void)state;
	/* flows 0..7 fill a table of 8; an ICMP error quoting flow 0 comes later, then 4 new
	 * flows: flows 1..4, the least recently seen, go; flow 0 and its error stay */
	struct ct_flows t;
	assert_int_equal(ct_flows_init(&t, 8), 0);
	for (int i = 0; i < 8; i++) {
		struct ct_pkt p = nth(i, 60);
		add(&t, &p, (uint64_t)i * S, 0);
	}
	struct ct_pkt e = icmp_err("10.0.0.254", "10.0.0.0", 3, 4, 1400, "10.0.0.0", 1000,
				   "192.0.2.1", 80, 6);
	add(&t, &e, 100 * S, 0);
	for (int i = 8; i < 12; i++) {
		struct ct_pkt p = nth(i, 60);
		add(&t, &p, (uint64_t)(100 + i) * S, 0);
	}
	struct ct_flow_sum s[8];
	assert_int_equal(all(&t, 200 * S, s, 8), 8);
	assert_int_equal(t.evicted, 4);
	int mask = 0;
	for (int i = 0; i < 8; i++) {
		int n = nth_of(&s[i].src);
		mask |= 1 << n;
		if (n == 0) {
			assert_int_equal(s[i].n_err, 1);
			assert_int_equal(s[i].err[0].mtu, 1400);
		} else {
			assert_int_equal(s[i].n_err, 0);
		}
	}
	assert_int_equal(mask, 0x1 | 0xe0 | 0xf00); /* 0, 5, 6, 7, 8..11 */
	ct_flows_free(&t);
}

static void test_evict_one_interface_of_a_flow(void **state)
{
	(void)state;
	/* flow A on interfaces 1 and 2, then B and C on 1, through a table of 3 entries: A's
	 * entry on 1 (the oldest) goes; A stays with its entry on 2 */
	struct ct_flows t;
	assert_int_equal(ct_flows_init(&t, 3), 0);
	struct ct_pkt a = nth(1, 100), b = nth(2, 60), c = nth(3, 60);
	add(&t, &a, 1 * S, 1);
	add(&t, &a, 2 * S, 2);
	add(&t, &b, 3 * S, 1);
	add(&t, &c, 4 * S, 1);
	struct ct_flow_sum s[4];
	assert_int_equal(all(&t, 5 * S, s, 4), 3);
	assert_int_equal(t.evicted, 1);
	assert_int_equal(nth_of(&s[0].src), 1); /* the most bytes */
	assert_int_equal(s[0].n_ifaces, 1);
	assert_int_equal(t.e[s[0].ent[0]].iface, 2);
	assert_int_equal(s[0].packets[0], 1);
	ct_flows_free(&t);
}

static void test_evict_memory_flat(void **state)
{
	(void)state;
	/* 20000 VXLAN flows, each between its own pair of nodes, each with an ICMP error, through
	 * a table of 256: the entries, the index, the outer pairs and the error records stop
	 * growing once the table is full (freed with the entries they belong to) */
	struct ct_flows t;
	assert_int_equal(ct_flows_init(&t, 256), 0);
	size_t n_alloc = 0, nslot = 0, top_outers = 0, top_errs = 0;
	char o[32], in[32];
	for (int i = 0; i < 20000; i++) {
		snprintf(o, sizeof(o), "192.168.%d.%d", i / 256 % 256, i % 256);
		snprintf(in, sizeof(in), "10.1.%d.%d", i / 256 % 256, i % 256);
		struct ct_pkt p = vxlan(o, 40000, "192.168.255.1", 4096, in, 1000, "10.2.0.1", 80, 6, 60);
		struct ct_pkt r = vxlan("192.168.255.1", 40001, o, 4096, "10.2.0.1", 80, in, 1000, 6, 60);
		/* as the pod's interface sees it: plain, it joins the VXLAN flow */
		struct ct_pkt e = icmp_err("10.2.0.254", in, 3, 4, 1400, in, 1000, "10.2.0.1", 80, 6);
		add(&t, &p, (uint64_t)i * 10, 0);
		add(&t, &r, (uint64_t)i * 10 + 1, 0);
		add(&t, &e, (uint64_t)i * 10 + 2, 0);
		if (i == 999) {
			assert_int_equal(ct_flows_flush(&t), 0);
			n_alloc = t.n_alloc, nslot = t.nslot;
			top_outers = t.top_outers, top_errs = t.top_errs;
		}
	}
	assert_int_equal(ct_flows_flush(&t), 0);
	assert_int_equal(t.used, 256);
	assert_int_equal(t.evicted, 20000 - 256);
	assert_int_equal(t.n_alloc, n_alloc);
	assert_int_equal(t.nslot, nslot);
	assert_int_equal(t.top_outers, top_outers);
	assert_int_equal(t.top_errs, top_errs);
	/* two outer pairs per live entry (one each way), no more */
	assert_int_equal(t.outers_used, 2 * 256);
	assert_true(t.top_errs <= 256 + 1);
	/* the kept flows are whole: both directions, their outer pairs and their error */
	struct ct_flow_sum s[1];
	assert_int_equal(all(&t, 20000 * 10, s, 1), 256);
	assert_int_equal(s[0].packets[0], 1);
	assert_int_equal(s[0].packets[1], 1);
	assert_int_equal(s[0].encap[0], CT_ENCAP_VXLAN);
	assert_int_equal(s[0].outer_sport[1], 40001);
	assert_int_equal(s[0].n_err, 1);
	int n = s[0].outer_src[0].a[2] * 256 + s[0].outer_src[0].a[3];
	assert_true(n >= 20000 - 256 && n < 20000);
	assert_true(is(&s[0].outer_dst[0], "192.168.255.1"));
	ct_flows_free(&t);
}

static void test_wide_counters(void **state)
{
	(void)state;
	/* 70000 packets of 65535 bytes one way: 4587450000 bytes, past 32 bits; the counts stay
	 * exact. Then, in a table of 2, two new flows evict it, and a second big flow reuses the
	 * record of the first. */
	struct ct_flows t;
	assert_int_equal(ct_flows_init(&t, 2), 0);
	struct ct_pkt big = plain("10.0.0.1", 5000, "10.0.0.2", 5001, 17, 65535);
	struct ct_pkt back = plain("10.0.0.2", 5001, "10.0.0.1", 5000, 17, 100);
	for (int i = 0; i < 70000; i++)
		add(&t, &big, (uint64_t)i, 0);
	add(&t, &back, 70000, 0);
	struct ct_flow_sum s[2];
	assert_int_equal(all(&t, 70001, s, 2), 1);
	assert_int_equal(s[0].packets[0], 70000);
	assert_int_equal(s[0].bytes[0], 70000ull * 65535);
	assert_int_equal(s[0].packets[1], 1);
	assert_int_equal(s[0].bytes[1], 100);
	assert_int_equal(t.top_wide, 1);
	struct ct_pkt a = nth(1, 60), b = nth(2, 60);
	add(&t, &a, 80000, 0);
	add(&t, &b, 80001, 0);
	struct ct_pkt big2 = plain("10.0.0.2", 5001, "10.0.0.1", 5000, 17, 65535);
	for (int i = 0; i < 70000; i++)
		add(&t, &big2, 90000 + (uint64_t)i, 0);
	assert_int_equal(all(&t, 200000, s, 2), 2);
	assert_int_equal(t.evicted, 2); /* the first big flow, then flow 1 */
	assert_int_equal(s[0].packets[0], 70000);
	assert_int_equal(s[0].bytes[0], 70000ull * 65535);
	assert_true(is(&s[0].src, "10.0.0.2"));
	assert_int_equal(t.top_wide, 1); /* the freed record, reused */
	ct_flows_free(&t);
}

static void test_churn_index_consistent(void **state)
{
	(void)state;
	/* 20000 packets over 400 tuples and 3 interfaces through a table of 64: lookups, inserts
	 * and evictions (deletions from the index) interleave. Afterwards each flow is listed
	 * once, the flows' interfaces add up to the entries in use, and a packet for every kept
	 * (flow, interface) finds its entry: nothing is created, nothing evicted. */
	struct ct_flows t;
	assert_int_equal(ct_flows_init(&t, 64), 0);
	uint32_t x = 12345;
	for (int i = 0; i < 20000; i++) {
		x = x * 1103515245u + 12345u;
		int k = (int)(x >> 8) % 400, ifc = (int)(x >> 20) % 3;
		struct ct_pkt p = (x >> 30) & 1 ? nth(k, 60) : plain("192.0.2.1", 80, "10.0.0.0", 1000, 6, 60);
		if (!((x >> 30) & 1)) {
			char a[32];
			snprintf(a, sizeof(a), "10.%d.%d.%d", k / 65536, k / 256 % 256, k % 256);
			p = plain("192.0.2.1", 80, a, 1000, 6, 40); /* the reply direction */
		}
		add(&t, &p, (uint64_t)i, (uint16_t)ifc);
	}
	struct ct_flow_sum s[64];
	size_t n = all(&t, 30000, s, 64);
	assert_int_equal(t.used, 64);
	int ents = 0;
	for (size_t i = 0; i < n; i++) {
		ents += s[i].n_ifaces;
		/* a flow is its 10.x side (the other is 192.0.2.1) */
		const struct ct_ip *ki = s[i].src.a[0] == 10 ? &s[i].src : &s[i].dst;
		for (size_t j = 0; j < i; j++) {
			const struct ct_ip *kj = s[j].src.a[0] == 10 ? &s[j].src : &s[j].dst;
			assert_int_not_equal(nth_of(ki), nth_of(kj));
		}
	}
	assert_int_equal(ents, 64);
	uint64_t ev = t.evicted;
	for (size_t i = 0; i < n; i++)
		for (int e = 0; e < s[i].n_ent; e++) {
			struct ct_pkt p = plain("10.0.0.0", 1, "10.0.0.0", 1, 6, 1);
			p.outer.src = s[i].src;
			p.outer.dst = s[i].dst;
			p.outer_l4.sport = s[i].sport;
			p.outer_l4.dport = s[i].dport;
			add(&t, &p, 40000, t.e[s[i].ent[e]].iface);
		}
	assert_int_equal(ct_flows_flush(&t), 0);
	assert_int_equal(t.used, 64);
	assert_int_equal(t.evicted, ev);
	ct_flows_free(&t);
}

static void test_cap_bounds(void **state)
{
	(void)state;
	/* 0 is the default; above the limit, the limit */
	struct ct_flows t;
	assert_int_equal(ct_flows_init(&t, 0), 0);
	assert_int_equal(t.max, CT_FLOWS_MAX_DEFAULT);
	ct_flows_free(&t);
	assert_int_equal(ct_flows_init(&t, (size_t)CT_FLOWS_MAX_LIMIT * 4), 0);
	assert_int_equal(t.max, CT_FLOWS_MAX_LIMIT);
	ct_flows_free(&t);
	/* a table of one: each new flow replaces the last */
	assert_int_equal(ct_flows_init(&t, 1), 0);
	for (int i = 0; i < 5; i++) {
		struct ct_pkt p = nth(i, 60);
		add(&t, &p, (uint64_t)i, 0);
	}
	struct ct_flow_sum s[2];
	assert_int_equal(all(&t, 10, s, 2), 1);
	assert_int_equal(nth_of(&s[0].src), 4);
	assert_int_equal(t.evicted, 4);
	ct_flows_free(&t);
}

/* packets without IP, and an encapsulated frame without an inner packet, make no flow */
static void test_skips_non_ip(void **state)
{
	(void)state;
	struct ct_flows t;
	assert_int_equal(ct_flows_init(&t, 0), 0);
	struct ct_pkt arp;
	pkt_init(&arp);
	arp.has_eth = true;
	arp.ethertype = 0x0806;
	arp.status = CT_PKT_UNSUPPORTED;
	add(&t, &arp, 1, 0);
	struct ct_pkt v =
	    vxlan("192.168.31.201", 1, "192.168.31.202", 4096, "10.0.0.1", 0, "10.0.0.2", 0, 6, 10);
	v.inner.present = false;
	v.inner_l4.present = false;
	add(&t, &v, 2, 0);
	assert_int_equal(t.used, 0);
	struct ct_flow_sum s[1];
	assert_int_equal(all(&t, 3, s, 1), 0);
	ct_flows_free(&t);
}

/* ---- multicast and broadcast ---- */

/* Traffic to a group address never gets a reply: never one-way, counted apart
 * (flows and packets) in the view, whichever path ranks it (a lone entry, or a
 * summary when an ICMP error makes the table take the long way); a subnet's
 * directed broadcast is not known and stays unicast. */
static void multicast_case(bool with_error)
{
	struct ct_flows t;
	assert_int_equal(ct_flows_init(&t, 0), 0);
	const char *group[] = {"224.0.0.251", "239.255.255.250", "255.255.255.255", "ff02::2",
			       "ff05::1:3"};
	const char *unicast[] = {"10.0.0.255", "223.255.255.255", "240.0.0.1", "fe80::2",
				 "fd00::ff"};
	for (int k = 0; k < 5; k++)
		for (int i = 0; i < 3; i++) {
			bool v6 = strchr(group[k], ':') != NULL;
			struct ct_pkt g =
			    plain(v6 ? "fe80::1" : "10.0.0.1", 5353, group[k], 5353, 17, 60);
			add(&t, &g, (uint64_t)(1 + i) * S, 1);
			/* the same multicast seen on a second interface: still one flow */
			if (k == 0)
				add(&t, &g, (uint64_t)(1 + i) * S + 5, 2);
			v6 = strchr(unicast[k], ':') != NULL;
			struct ct_pkt u =
			    plain(v6 ? "fe80::1" : "10.0.0.1", 4000, unicast[k], 4001, 17, 60);
			add(&t, &u, (uint64_t)(1 + i) * S, 1);
		}
	if (with_error) {
		struct ct_pkt e =
		    icmp_err("10.9.9.9", "10.0.0.1", 3, 1, 0, "10.0.0.1", 1, "10.0.0.8", 2, 17);
		add(&t, &e, 4 * S, 1);
	}
	struct ct_flows_view v;
	assert_int_equal(ct_flows_rank(&t, 5 * S, &v), 0);
	assert_int_equal(v.n, 10);
	assert_int_equal(v.one_way, 5);
	assert_int_equal(v.multicast, 5);
	assert_int_equal(v.multicast_packets, 15); /* the most one interface saw: 3 each */
	int mc = 0, ow = 0;
	for (size_t i = 0; i < v.n; i++) {
		struct ct_flow_sum s;
		ct_flow_summary(&t, v.v[i].head, 5 * S, &s);
		bool grp = false;
		for (int k = 0; k < 5; k++)
			grp |= is(&s.dst, group[k]);
		assert_int_equal(s.multicast, grp);
		assert_true(!(s.multicast && s.one_way));
		if (s.multicast)
			assert_null(s.note);
		mc += s.multicast;
		ow += s.one_way;
	}
	assert_int_equal(mc, 5);
	assert_int_equal(ow, 5);
	ct_flows_view_free(&v);
	ct_flows_free(&t);
}

static void test_multicast_not_one_way(void **state)
{
	(void)state;
	multicast_case(false);
	multicast_case(true);
}

/* Frames without IP: counted when sent to a link-layer group address, as
 * Ethernet's group bit or a cooked capture's packet type says. */
static void test_link_group_frames(void **state)
{
	(void)state;
	struct ct_flows t;
	assert_int_equal(ct_flows_init(&t, 0), 0);
	struct ct_pkt f;
	static const uint8_t bc[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
			     lldp[6] = {0x01, 0x80, 0xc2, 0x00, 0x00, 0x0e},
			     uc[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
	const uint8_t *dst[3] = {bc, lldp, uc};
	for (int k = 0; k < 3; k++) {
		pkt_init(&f);
		f.has_eth = true;
		memcpy(f.eth_dst, dst[k], 6);
		f.ethertype = k == 1 ? 0x88cc : 0x0806;
		f.status = CT_PKT_UNSUPPORTED;
		add(&t, &f, 1, 0);
	}
	assert_int_equal(t.l2_group, 2);
	/* Linux cooked: 1 broadcast, 2 multicast, 0 to us, 4 outgoing (does not say) */
	const uint16_t types[4] = {1, 2, 0, 4};
	for (int k = 0; k < 4; k++) {
		pkt_init(&f);
		f.sll_pkttype = types[k];
		f.ethertype = 0x0806;
		f.status = CT_PKT_UNSUPPORTED;
		add(&t, &f, 1, 0);
	}
	assert_int_equal(t.l2_group, 4);
	/* an IP packet to a broadcast MAC is a flow, not a frame without IP; a truncated
	 * frame is not counted */
	struct ct_pkt g = plain("10.0.0.1", 1, "10.0.0.255", 2, 17, 50);
	g.has_eth = true;
	memcpy(g.eth_dst, bc, 6);
	add(&t, &g, 2, 0);
	pkt_init(&f);
	f.has_eth = true;
	memcpy(f.eth_dst, bc, 6);
	f.status = CT_PKT_TRUNCATED;
	add(&t, &f, 3, 0);
	assert_int_equal(t.l2_group, 4);
	assert_int_equal(ct_flows_flush(&t), 0);
	assert_int_equal(t.used, 1);
	ct_flows_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_both_directions_meet),
	    cmocka_unit_test(test_ipv4_key_orders),
	    cmocka_unit_test(test_ipv6_and_encapsulated_meet),
	    cmocka_unit_test(test_vni_separates),
	    cmocka_unit_test(test_vxlan_plain_copy_joins),
	    cmocka_unit_test(test_one_way),
	    cmocka_unit_test(test_one_way_burst),
	    cmocka_unit_test(test_asymmetric),
	    cmocka_unit_test(test_any_duplicates_not_added),
	    cmocka_unit_test(test_icmp_errors_attach),
	    cmocka_unit_test(test_bounded),
	    cmocka_unit_test(test_evict_scan_keeps_newest),
	    cmocka_unit_test(test_evict_error_counts_as_seen),
	    cmocka_unit_test(test_evict_one_interface_of_a_flow),
	    cmocka_unit_test(test_evict_memory_flat),
	    cmocka_unit_test(test_cap_bounds),
	    cmocka_unit_test(test_wide_counters),
	    cmocka_unit_test(test_churn_index_consistent),
	    cmocka_unit_test(test_skips_non_ip),
	    cmocka_unit_test(test_multicast_not_one_way),
	    cmocka_unit_test(test_link_group_frames),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
