/* SPDX-License-Identifier: MIT */
/* Unit tests for the pure parts of `path --probe`: the /proc/net/snmp and
 * /proc/net/netstat parser (model/nstat.c) with truncated and malformed input,
 * matching a decoded packet to a probe (model/probe_match.c) on packets built
 * here byte by byte, ICMPv6 messages as an ICMPv6 socket hands them over (no
 * IPv6 header: ct_probe_icmp6_decode) whole, truncated and malformed, and the
 * verdict (analysis/path_probe.c) on hand-made hop lists, both probes. The
 * expectations come from the bytes and hops built here (RFC 4443 for ICMPv6). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/path.h"
#include "model/nstat.h"
#include "model/pkt.h"
#include "model/probe_match.h"

/* ---- nstat ---- */

static const char snmp[] = "Ip: Forwarding DefaultTTL InReceives InHdrErrors InAddrErrors\n"
			   "Ip: 1 64 865 0 7\n"
			   "Tcp: RtoAlgorithm MaxConn\n"
			   "Tcp: 1 -1\n";
static const char netstat[] = "TcpExt: SyncookiesSent IPReversePathFilter\n"
			      "TcpExt: 0 3\n"
			      "IpExt: InNoRoutes InTruncatedPkts\n"
			      "IpExt: 2 0\n";

static struct ct_nstat ns;

static void test_nstat_ok(void **state)
{
	(void)state;
	char why[128];
	ct_nstat_init(&ns);
	assert_int_equal(ct_nstat_parse(&ns, snmp, strlen(snmp), why, sizeof(why)), 0);
	assert_int_equal(ct_nstat_parse(&ns, netstat, strlen(netstat), why, sizeof(why)), 0);
	assert_int_equal(ns.n, 11);
	int64_t v;
	assert_true(ct_nstat_get(&ns, "IpInAddrErrors", &v));
	assert_int_equal(v, 7);
	assert_true(ct_nstat_get(&ns, "TcpMaxConn", &v));
	assert_int_equal(v, -1);
	assert_true(ct_nstat_get(&ns, "TcpExtIPReversePathFilter", &v));
	assert_int_equal(v, 3);
	assert_true(ct_nstat_get(&ns, "IpExtInNoRoutes", &v));
	assert_int_equal(v, 2);
	assert_false(ct_nstat_get(&ns, "IpExtNoSuch", &v));
	/* without the final newline, and with an empty input */
	ct_nstat_init(&ns);
	assert_int_equal(ct_nstat_parse(&ns, snmp, strlen(snmp) - 1, why, sizeof(why)), 0);
	assert_int_equal(ns.n, 7);
	assert_int_equal(ct_nstat_parse(&ns, "", 0, why, sizeof(why)), 0);
	assert_int_equal(ns.n, 7);
}

static void bad(const char *text, const char *want)
{
	char why[128] = "";
	ct_nstat_init(&ns);
	assert_int_equal(ct_nstat_parse(&ns, "Ip: A\nIp: 1\n", 12, why, sizeof(why)), 0);
	assert_int_equal(ct_nstat_parse(&ns, text, strlen(text), why, sizeof(why)), -1);
	assert_string_equal(why, want);
	assert_int_equal(ns.n, 1); /* nothing half added */
}

static void test_nstat_bad(void **state)
{
	(void)state;
	/* truncated: a header without its values, cut inside the values */
	bad("Ip: Forwarding DefaultTTL\n", "line 1: truncated: a header without its values");
	bad("Ip: Forwarding DefaultTTL\nIp: 1",
	    "line 2: the value line has not as many words as its header");
	bad("Ip: A B\nIp: 1 2\nTcp: X\n", "line 3: truncated: a header without its values");
	/* malformed */
	bad("Ip: A B\nTcp: 1 2\n", "line 2: the value line's section is not its header's");
	bad("Ip: A B\nIp: 1 2 3\n", "line 2: the value line has not as many words as its header");
	bad("Ip: A\nIp: x1\n", "line 2: a value that is not a decimal integer");
	bad("Ip: A\nIp: -\n", "line 2: a value that is not a decimal integer");
	bad("Ip: A\nIp: 99999999999999999999999\n",
	    "line 2: a value that is not a decimal integer");
	bad("Ip A\nIp 1\n", "line 1: no section before ':'");
	bad("Ip: A\n\nIp: 1\n", "line 2: an empty line after a header");
	bad("Ip: A\tB\nIp: 1\n", "line 1: a control character or NUL");
	char nul[] = "Ip: A\nIp: 1\0\n";
	char why[128];
	ct_nstat_init(&ns);
	assert_int_equal(ct_nstat_parse(&ns, nul, sizeof(nul) - 1, why, sizeof(why)), -1);
	assert_string_equal(why, "line 2: a control character or NUL");
	char longname[200];
	snprintf(longname, sizeof(longname), "Ip: %0100d\nIp: 1\n", 0);
	bad(longname, "line 1: a counter name too long");
}

static void test_netdev_ctstat(void **state)
{
	(void)state;
	static const char dev[] =
	    "Inter-|   Receive                                                |  Transmit\n"
	    " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets "
	    "errs drop fifo colls carrier compressed\n"
	    "    lo:    9801      87    0    0    0     0          0         0     9801      87    "
	    "0    0    0     0       0          0\n"
	    "  eth0:    1000      10    1    2    0     0          0         0     2000      20    "
	    "3    4    0     0       0          0\n"
	    "cali0761ccbeace: 5 5 0 9 0 0 0 0 5 5 0 11 0 0 0 0\n";
	const char *ifs[] = {"eth0", "cali0761ccbeace"};
	char why[128];
	int64_t v;
	ct_nstat_init(&ns);
	assert_int_equal(ct_netdev_parse(&ns, dev, strlen(dev), ifs, 2, why, sizeof(why)), 0);
	assert_int_equal(ns.n, 8); /* lo not asked for */
	assert_true(ct_nstat_get(&ns, "eth0 rx_errors", &v));
	assert_int_equal(v, 1);
	assert_true(ct_nstat_get(&ns, "eth0 rx_dropped", &v));
	assert_int_equal(v, 2);
	assert_true(ct_nstat_get(&ns, "eth0 tx_errors", &v));
	assert_int_equal(v, 3);
	assert_true(ct_nstat_get(&ns, "eth0 tx_dropped", &v));
	assert_int_equal(v, 4);
	assert_true(ct_nstat_get(&ns, "cali0761ccbeace tx_dropped", &v));
	assert_int_equal(v, 11);
	assert_false(ct_nstat_get(&ns, "lo rx_dropped", &v));
	/* truncated and malformed lines */
	char bad[600];
	snprintf(bad, sizeof(bad), "%.*s  eth0: 1 2 3\n",
		 (int)(strchr(strchr(dev, '\n') + 1, '\n') - dev + 1), dev);
	ct_nstat_init(&ns);
	assert_int_equal(ct_netdev_parse(&ns, bad, strlen(bad), ifs, 2, why, sizeof(why)), -1);
	assert_string_equal(why, "line 3: not 16 decimal counters");
	assert_int_equal(ct_netdev_parse(&ns, "eth0: 1\n", 8, ifs, 2, why, sizeof(why)), -1);
	assert_string_equal(why, "line 1: not the header of /proc/net/dev");
	snprintf(bad, sizeof(bad), "a|\nb|\n  eth0 1 2\n");
	assert_int_equal(ct_netdev_parse(&ns, bad, strlen(bad), ifs, 2, why, sizeof(why)), -1);
	assert_string_equal(why, "line 3: no ':' after the interface name");
	assert_int_equal(ns.n, 0);

	static const char ct[] =
	    "entries  clashres found new invalid ignore delete chainlength insert insert_failed "
	    "drop early_drop icmp_error  expect_new expect_create expect_delete search_restart\n"
	    "0000000a  00000000 00000000 00000000 0000000f 00000000 00000000 00000000 00000000 "
	    "00000000 00000001 00000000 00000000  00000000 00000000 00000000 00000000\n"
	    "0000000a  00000000 00000000 00000000 00000001 00000000 00000000 00000000 00000000 "
	    "00000002 00000000 00000000 00000000  00000000 00000000 00000000 00000000\n";
	ct_nstat_init(&ns);
	assert_int_equal(ct_ctstat_parse(&ns, ct, strlen(ct), why, sizeof(why)), 0);
	assert_true(ct_nstat_get(&ns, "ConntrackInvalid", &v));
	assert_int_equal(v, 16);
	assert_true(ct_nstat_get(&ns, "ConntrackDrop", &v));
	assert_int_equal(v, 1);
	assert_true(ct_nstat_get(&ns, "ConntrackInsertFailed", &v));
	assert_int_equal(v, 2);
	ct_nstat_init(&ns);
	assert_int_equal(
	    ct_ctstat_parse(&ns, "entries invalid\n0000000g 1\n", 26, why, sizeof(why)), -1);
	assert_string_equal(why, "line 2: a value that is not hexadecimal");
	assert_int_equal(ct_ctstat_parse(&ns, "entries invalid\n1\n", 18, why, sizeof(why)), -1);
	assert_string_equal(why, "line 2: not as many hexadecimal values as the header");
	assert_int_equal(ns.n, 0);
}

/* ---- packets ---- */

static void ip4(const char *s, struct ct_ip *ip)
{
	memset(ip, 0, sizeof(*ip));
	ip->family = AF_INET;
	assert_int_equal(inet_pton(AF_INET, s, ip->a), 1);
}

static uint16_t cks(const uint8_t *b, size_t n)
{
	uint32_t s = 0;
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(b[i] << 8 | b[i + 1]);
	if (n & 1)
		s += (uint32_t)b[n - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* an IPv4 header at b for proto, l4 bytes after it; returns the total length */
static size_t ipv4(uint8_t *b, const char *src, const char *dst, uint8_t proto, size_t l4)
{
	memset(b, 0, 20);
	b[0] = 0x45;
	size_t tot = 20 + l4;
	b[2] = (uint8_t)(tot >> 8);
	b[3] = (uint8_t)tot;
	b[8] = 64;
	b[9] = proto;
	inet_pton(AF_INET, src, b + 12);
	inet_pton(AF_INET, dst, b + 16);
	uint16_t c = cks(b, 20);
	b[10] = (uint8_t)(c >> 8);
	b[11] = (uint8_t)c;
	return tot;
}

static size_t echo(uint8_t *b, const char *src, const char *dst, uint8_t type, uint16_t id,
		   uint16_t seq)
{
	uint8_t *i = b + 20;
	memset(i, 0, 16);
	i[0] = type;
	i[4] = (uint8_t)(id >> 8);
	i[5] = (uint8_t)id;
	i[6] = (uint8_t)(seq >> 8);
	i[7] = (uint8_t)seq;
	return ipv4(b, src, dst, IPPROTO_ICMP, 16);
}

static size_t tcp(uint8_t *b, const char *src, const char *dst, uint16_t sp, uint16_t dp,
		  uint32_t seq, uint32_t ack, uint8_t flags)
{
	uint8_t *t = b + 20;
	memset(t, 0, 20);
	t[0] = (uint8_t)(sp >> 8), t[1] = (uint8_t)sp, t[2] = (uint8_t)(dp >> 8),
	t[3] = (uint8_t)dp;
	for (int k = 0; k < 4; k++) {
		t[4 + k] = (uint8_t)(seq >> (24 - 8 * k));
		t[8 + k] = (uint8_t)(ack >> (24 - 8 * k));
	}
	t[12] = 5 << 4;
	t[13] = flags;
	return ipv4(b, src, dst, IPPROTO_TCP, 20);
}

static enum ct_probe_dir match(struct ct_probe_key *k, const uint8_t *b, size_t n, unsigned *idx)
{
	struct ct_pkt p;
	struct ct_decode_opts o;
	memset(&o, 0, sizeof(o));
	ct_pkt_decode(b, (uint32_t)n, (uint32_t)n, CT_DLT_RAW, &o, &p);
	return ct_probe_match(k, &p, idx);
}

static void test_match_icmp(void **state)
{
	(void)state;
	struct ct_probe_key k;
	memset(&k, 0, sizeof(k));
	ip4("10.244.1.2", &k.src);
	ip4("10.244.2.5", &k.dst);
	k.proto = IPPROTO_ICMP;
	k.id = 0x1234;
	k.seq0 = 0xfffe; /* the range wraps */
	k.count = 3;
	uint8_t b[128];
	unsigned idx;
	size_t n = echo(b, "10.244.1.2", "10.244.2.5", 8, 0x1234, 0x0000);
	assert_int_equal(match(&k, b, n, &idx), CT_PROBE_REQUEST);
	assert_int_equal(idx, 2);
	n = echo(b, "10.244.2.5", "10.244.1.2", 0, 0x1234, 0xfffe);
	assert_int_equal(match(&k, b, n, &idx), CT_PROBE_REPLY);
	assert_int_equal(idx, 0);
	n = echo(b, "10.244.1.2", "10.244.2.5", 8, 0x1235, 0xfffe); /* another id */
	assert_int_equal(match(&k, b, n, &idx), CT_PROBE_NONE);
	n = echo(b, "10.244.1.2", "10.244.2.5", 8, 0x1234, 0x0001); /* past the range */
	assert_int_equal(match(&k, b, n, &idx), CT_PROBE_NONE);
	n = echo(b, "10.244.2.5", "10.244.1.2", 8, 0x1234, 0xfffe); /* a request the other way */
	assert_int_equal(match(&k, b, n, &idx), CT_PROBE_NONE);
	n = echo(b, "10.244.1.9", "10.244.2.5", 8, 0x1234, 0xfffe); /* another source */
	assert_int_equal(match(&k, b, n, &idx), CT_PROBE_NONE);
	/* cut inside the ICMP header: not a probe */
	n = echo(b, "10.244.1.2", "10.244.2.5", 8, 0x1234, 0xfffe);
	assert_int_equal(match(&k, b, 24, &idx), CT_PROBE_NONE);
}

static void test_match_tcp_udp(void **state)
{
	(void)state;
	struct ct_probe_key k;
	memset(&k, 0, sizeof(k));
	ip4("10.244.1.2", &k.src);
	ip4("10.244.2.5", &k.dst);
	k.proto = IPPROTO_TCP;
	k.sport = 40000;
	k.dport = 80;
	uint8_t b[160];
	unsigned idx;
	size_t n = tcp(b, "10.244.1.2", "10.244.2.5", 40000, 80, 1000, 0, 0x02);
	assert_int_equal(match(&k, b, n, &idx), CT_PROBE_REQUEST);
	assert_true(k.isn_known);
	assert_int_equal(k.isn, 1000);
	/* another SYN on the same 4-tuple with another ISN: not this probe */
	n = tcp(b, "10.244.1.2", "10.244.2.5", 40000, 80, 5000, 0, 0x02);
	assert_int_equal(match(&k, b, n, &idx), CT_PROBE_NONE);
	/* a SYN-ACK that acknowledges ISN + 1, one that does not, a RST-ACK */
	n = tcp(b, "10.244.2.5", "10.244.1.2", 80, 40000, 7, 1001, 0x12);
	assert_int_equal(match(&k, b, n, &idx), CT_PROBE_REPLY);
	n = tcp(b, "10.244.2.5", "10.244.1.2", 80, 40000, 7, 1002, 0x12);
	assert_int_equal(match(&k, b, n, &idx), CT_PROBE_NONE);
	n = tcp(b, "10.244.2.5", "10.244.1.2", 80, 40000, 0, 1001, 0x14);
	assert_int_equal(match(&k, b, n, &idx), CT_PROBE_REPLY);
	/* an ACK of the handshake is no request */
	n = tcp(b, "10.244.1.2", "10.244.2.5", 40000, 80, 1001, 8, 0x10);
	assert_int_equal(match(&k, b, n, &idx), CT_PROBE_NONE);

	/* UDP: the datagram, and port unreachable from DST quoting it */
	k.proto = IPPROTO_UDP;
	k.sport = 40001;
	k.dport = 53;
	uint8_t *u = b + 20;
	memset(u, 0, 16);
	u[0] = 40001 >> 8, u[1] = 40001 & 0xff, u[3] = 53, u[5] = 16;
	n = ipv4(b, "10.244.1.2", "10.244.2.5", IPPROTO_UDP, 16);
	assert_int_equal(match(&k, b, n, &idx), CT_PROBE_REQUEST);
	uint8_t e[200];
	memset(e, 0, sizeof(e));
	e[20] = 3, e[21] = 3;  /* port unreachable */
	memcpy(e + 28, b, 36); /* the quoted request: its IP header and 16 bytes */
	size_t en = ipv4(e, "10.244.2.5", "10.244.1.2", IPPROTO_ICMP, 8 + 36);
	assert_int_equal(match(&k, e, en, &idx), CT_PROBE_REPLY);
	/* the same error from a router on the way: not an answer from DST */
	en = ipv4(e, "10.0.0.1", "10.244.1.2", IPPROTO_ICMP, 8 + 36);
	assert_int_equal(match(&k, e, en, &idx), CT_PROBE_NONE);
}

/* VXLAN on the underlay: matched by the inner packet */
static void test_match_vxlan(void **state)
{
	(void)state;
	struct ct_probe_key k;
	memset(&k, 0, sizeof(k));
	ip4("10.244.1.2", &k.src);
	ip4("10.244.2.5", &k.dst);
	k.proto = IPPROTO_ICMP;
	k.id = 7;
	k.count = 1;
	uint8_t in[64], b[200];
	size_t inn = echo(in, "10.244.1.2", "10.244.2.5", 8, 7, 0);
	memset(b, 0, sizeof(b));
	uint8_t *udp = b + 20, *vx = udp + 8, *eth = vx + 8;
	udp[0] = 0x12, udp[1] = 0x34, udp[2] = 4789 >> 8, udp[3] = 4789 & 0xff;
	size_t l4 = 8 + 8 + 14 + inn;
	udp[4] = (uint8_t)(l4 >> 8), udp[5] = (uint8_t)l4;
	vx[0] = 0x08, vx[6] = 0x10; /* I flag, VNI 4096 */
	eth[12] = 0x08;
	memcpy(eth + 14, in, inn);
	size_t n = ipv4(b, "10.0.0.1", "10.0.0.2", IPPROTO_UDP, l4);
	unsigned idx;
	assert_int_equal(match(&k, b, n, &idx), CT_PROBE_REQUEST);
}

/* ---- ICMPv6 from a socket ---- */

static void ip6(const char *s, struct ct_ip *ip)
{
	memset(ip, 0, sizeof(*ip));
	ip->family = AF_INET6;
	assert_int_equal(inet_pton(AF_INET6, s, ip->a), 1);
}

/* an ICMPv6 echo message (no IPv6 header) at b: 8 bytes of header, 8 of data */
static size_t echo6(uint8_t *b, uint8_t type, uint16_t id, uint16_t seq)
{
	memset(b, 0, 16);
	b[0] = type;
	b[4] = (uint8_t)(id >> 8);
	b[5] = (uint8_t)id;
	b[6] = (uint8_t)(seq >> 8);
	b[7] = (uint8_t)seq;
	return 16;
}

/* an ICMPv6 error (type, code, its 32-bit field) quoting an echo request src -> dst: the
 * quoted IPv6 header (payload length 16) and the echo */
static size_t err6(uint8_t *b, uint8_t type, uint8_t code, uint32_t field, const char *src,
		   const char *dst, uint16_t id, uint16_t seq)
{
	memset(b, 0, 8 + 40 + 16);
	b[0] = type;
	b[1] = code;
	for (int k = 0; k < 4; k++)
		b[4 + k] = (uint8_t)(field >> (24 - 8 * k));
	uint8_t *q = b + 8;
	q[0] = 0x60;
	q[5] = 16;
	q[6] = 58;
	q[7] = 64;
	inet_pton(AF_INET6, src, q + 8);
	inet_pton(AF_INET6, dst, q + 24);
	echo6(q + 40, 128, id, seq);
	return 8 + 40 + 16;
}

static void test_icmp6_decode(void **state)
{
	(void)state;
	struct ct_ip a, b;
	ip6("fd00:172:168:1::2", &a);
	ip6("fd00:172:168:1::3", &b);
	struct ct_probe_key k;
	memset(&k, 0, sizeof(k));
	k.src = a;
	k.dst = b;
	k.proto = IPPROTO_ICMPV6;
	k.id = 0xbeef;
	k.seq0 = 10;
	k.count = 2;
	uint8_t m[128];
	struct ct_pkt p;
	unsigned idx;
	/* an echo reply from DST: the reply to probe 1 */
	size_t n = echo6(m, 129, 0xbeef, 11);
	assert_int_equal(ct_probe_icmp6_decode(m, n, &b, &a, &p), 0);
	assert_int_equal(p.status, CT_PKT_OK);
	assert_int_equal(p.outer_l4.proto, IPPROTO_ICMPV6);
	assert_int_equal(p.outer_l4.icmp_type, 129);
	assert_int_equal(ct_probe_match(&k, &p, &idx), CT_PROBE_REPLY);
	assert_int_equal(idx, 1);
	/* an echo request (type 128) the other way, another identifier: not it */
	n = echo6(m, 128, 0xbeef, 11);
	ct_probe_icmp6_decode(m, n, &b, &a, &p);
	assert_int_equal(ct_probe_match(&k, &p, &idx), CT_PROBE_NONE);
	n = echo6(m, 129, 0xbeee, 11);
	ct_probe_icmp6_decode(m, n, &b, &a, &p);
	assert_int_equal(ct_probe_match(&k, &p, &idx), CT_PROBE_NONE);
	/* destination unreachable, admin-prohibited (code 1), from a router, quoting probe 0 */
	struct ct_ip r;
	ip6("fe80::ecee:eeff:feee:eeee", &r);
	n = err6(m, 1, 1, 0, "fd00:172:168:1::2", "fd00:172:168:1::3", 0xbeef, 10);
	assert_int_equal(ct_probe_icmp6_decode(m, n, &r, &a, &p), 0);
	assert_int_equal(p.status, CT_PKT_OK);
	assert_int_equal(p.outer_l4.icmp_type, 1);
	assert_int_equal(p.outer_l4.icmp_code, 1);
	assert_true(p.outer_l4.quoted_present);
	assert_int_equal(p.outer_l4.quoted.proto, IPPROTO_ICMPV6);
	assert_true(ct_ip_eq(&p.outer_l4.quoted.src, &a));
	assert_true(ct_ip_eq(&p.outer_l4.quoted.dst, &b));
	assert_int_equal(p.outer_l4.quoted.total_len, 56);
	assert_true(ct_ip_eq(&p.outer.src, &r));
	/* packet too big: the MTU from the 32-bit field */
	n = err6(m, 2, 0, 1280, "fd00:172:168:1::2", "fd00:172:168:1::3", 0xbeef, 10);
	ct_probe_icmp6_decode(m, n, &r, &a, &p);
	assert_int_equal(p.outer_l4.icmp_mtu, 1280);
	/* an MTU beyond 16 bits is clamped, not wrapped */
	n = err6(m, 2, 0, 0x10005, "fd00:172:168:1::2", "fd00:172:168:1::3", 0xbeef, 10);
	ct_probe_icmp6_decode(m, n, &r, &a, &p);
	assert_int_equal(p.outer_l4.icmp_mtu, 65535);
	/* port unreachable from DST itself quoting the request: it arrived */
	n = err6(m, 1, 4, 0, "fd00:172:168:1::2", "fd00:172:168:1::3", 0xbeef, 10);
	/* a UDP probe here: the quoted protocol and ports are compared (the ports are the
	 * quoted echo's first four bytes: type 128, code 0, checksum 0) */
	k.proto = IPPROTO_UDP;
	k.sport = 0x8000;
	k.dport = 0;
	m[8 + 6] = IPPROTO_UDP;
	ct_probe_icmp6_decode(m, n, &b, &a, &p);
	assert_int_equal(p.status, CT_PKT_OK);
	assert_int_equal(ct_probe_match(&k, &p, &idx), CT_PROBE_REPLY);
	k.proto = IPPROTO_ICMPV6;
}

static void test_icmp6_decode_bad(void **state)
{
	(void)state;
	struct ct_ip a, b, v4;
	ip6("fd00::2", &a);
	ip6("fd00::3", &b);
	ip4("10.0.0.1", &v4);
	uint8_t m[128];
	struct ct_pkt p;
	/* shorter than an ICMPv6 header: the message's own length cannot hold one (invalid,
	 * as the decoder says of a header longer than its stated length), in every length */
	size_t n = echo6(m, 129, 1, 1);
	for (size_t cut = 0; cut < 8; cut++) {
		assert_int_equal(ct_probe_icmp6_decode(m, cut, &b, &a, &p), 0);
		assert_int_equal(p.status, CT_PKT_INVALID);
		assert_false(p.outer_l4.present);
	}
	/* an error whose quoted header is cut: the error decodes, the quote is not there */
	n = err6(m, 1, 3, 0, "fd00::2", "fd00::3", 1, 1);
	assert_int_equal(ct_probe_icmp6_decode(m, 8 + 20, &b, &a, &p), 0);
	assert_int_equal(p.outer_l4.icmp_type, 1);
	assert_false(p.outer_l4.quoted_present);
	/* a quoted header that is not IPv6 (version 4 nibble): no quote */
	n = err6(m, 1, 3, 0, "fd00::2", "fd00::3", 1, 1);
	m[8] = 0x45;
	ct_probe_icmp6_decode(m, n, &b, &a, &p);
	assert_false(p.outer_l4.quoted_present && p.outer_l4.quoted.version == 6);
	/* refused: IPv4 addresses, a message too long for an IPv6 payload, no bytes */
	assert_int_equal(ct_probe_icmp6_decode(m, 16, &v4, &a, &p), -1);
	assert_int_equal(p.status, CT_PKT_INVALID);
	assert_int_equal(ct_probe_icmp6_decode(m, 65536, &b, &a, &p), -1);
	assert_int_equal(ct_probe_icmp6_decode(NULL, 16, &b, &a, &p), -1);
	assert_int_equal(ct_probe_icmp6_decode(NULL, 0, &b, &a, &p), 0);
	assert_int_equal(p.status, CT_PKT_INVALID);
}

/* where the nonce is: after the echo header, raw and under Ethernet with a VLAN tag */
static void test_payload_off(void **state)
{
	(void)state;
	uint8_t f[256];
	struct ct_pkt p;
	struct ct_decode_opts o;
	memset(&o, 0, sizeof(o));
	size_t off;
	size_t n = echo(f, "10.244.1.2", "10.244.2.5", 8, 1, 1);
	ct_pkt_decode(f, (uint32_t)n, (uint32_t)n, CT_DLT_RAW, &o, &p);
	assert_true(ct_probe_payload_off(&p, CT_DLT_RAW, &off));
	assert_int_equal(off, 28);
	/* Ethernet, one 802.1Q tag */
	memset(f, 0, 18);
	f[12] = 0x81, f[13] = 0x00, f[16] = 0x08, f[17] = 0x00;
	n = echo(f + 18, "10.244.1.2", "10.244.2.5", 0, 1, 1);
	ct_pkt_decode(f, (uint32_t)(18 + n), (uint32_t)(18 + n), CT_DLT_EN10MB, &o, &p);
	assert_int_equal(p.status, CT_PKT_OK);
	assert_true(ct_probe_payload_off(&p, CT_DLT_EN10MB, &off));
	assert_int_equal(off, 18 + 28);
	/* not an echo (a TCP SYN), an unknown link type: none */
	n = tcp(f, "10.244.1.2", "10.244.2.5", 1, 2, 3, 0, 0x02);
	ct_pkt_decode(f, (uint32_t)n, (uint32_t)n, CT_DLT_RAW, &o, &p);
	assert_false(ct_probe_payload_off(&p, CT_DLT_RAW, &off));
	n = echo(f, "10.244.1.2", "10.244.2.5", 8, 1, 1);
	ct_pkt_decode(f, (uint32_t)n, (uint32_t)n, CT_DLT_RAW, &o, &p);
	assert_false(ct_probe_payload_off(&p, 9999, &off));
	/* an ICMPv6 error: no nonce there */
	uint8_t m[128];
	struct ct_ip a, b;
	ip6("fd00::2", &a);
	ip6("fd00::3", &b);
	n = err6(m, 1, 1, 0, "fd00::2", "fd00::3", 1, 1);
	ct_probe_icmp6_decode(m, n, &b, &a, &p);
	assert_false(ct_probe_payload_off(&p, CT_DLT_RAW, &off));
	n = echo6(m, 129, 1, 1);
	ct_probe_icmp6_decode(m, n, &b, &a, &p);
	assert_true(ct_probe_payload_off(&p, CT_DLT_RAW, &off));
	assert_int_equal(off, 48);
}

static void test_icmp_names(void **state)
{
	(void)state;
	/* RFC 4443: type 1 codes 0 no route, 1 admin-prohibited, 3 address unreachable,
	 * 4 port unreachable; type 2 packet too big; type 3 time exceeded */
	assert_string_equal(ct_probe_icmp_name(true, 1, 0), "no-route");
	assert_string_equal(ct_probe_icmp_name(true, 1, 1), "admin-prohibited");
	assert_string_equal(ct_probe_icmp_name(true, 1, 3), "address-unreachable");
	assert_string_equal(ct_probe_icmp_name(true, 1, 4), "port-unreachable");
	assert_string_equal(ct_probe_icmp_name(true, 2, 0), "packet-too-big");
	assert_string_equal(ct_probe_icmp_name(true, 3, 0), "time-exceeded");
	assert_null(ct_probe_icmp_name(true, 1, 200));
	assert_null(ct_probe_icmp_name(true, 129, 0));
	/* RFC 792 / 1812 */
	assert_string_equal(ct_probe_icmp_name(false, 3, 4), "frag-needed");
	assert_string_equal(ct_probe_icmp_name(false, 3, 13), "admin-prohibited");
	assert_string_equal(ct_probe_icmp_name(false, 3, 1), "host-unreachable");
	assert_null(ct_probe_icmp_name(false, 3, 2));
	assert_true(ct_probe_icmp_too_big(true, 2, 0));
	assert_false(ct_probe_icmp_too_big(true, 3, 4));
	assert_true(ct_probe_icmp_too_big(false, 3, 4));
	assert_false(ct_probe_icmp_too_big(false, 2, 0));
}

/* ---- the verdict ---- */

static struct ct_hop hops[16];

/* A then B: pod_egress workload_in policy_out forward egress | ingress forward policy_in
 * workload_out pod_ingress, then the reverse pod_egress(B) ... pod_ingress(A). */
static void mkpath(struct ct_path *p)
{
	static const struct {
		bool rev;
		enum ct_hop_kind k;
		int node;
		bool watched;
	} t[] = {
	    {false, CT_HOP_POD_EGRESS, 0, true},   {false, CT_HOP_WORKLOAD_IN, 0, true},
	    {false, CT_HOP_POLICY_OUT, 0, false},  {false, CT_HOP_FORWARD, 0, false},
	    {false, CT_HOP_EGRESS, 0, true},	   {false, CT_HOP_INGRESS, 1, true},
	    {false, CT_HOP_FORWARD, 1, false},	   {false, CT_HOP_POLICY_IN, 1, false},
	    {false, CT_HOP_WORKLOAD_OUT, 1, true}, {false, CT_HOP_POD_INGRESS, 1, true},
	    {false, CT_HOP_MTU, 0, false},	   {true, CT_HOP_POD_EGRESS, 1, true},
	    {true, CT_HOP_WORKLOAD_IN, 1, true},   {true, CT_HOP_FORWARD, 1, false},
	    {true, CT_HOP_WORKLOAD_OUT, 0, true},  {true, CT_HOP_POD_INGRESS, 0, true},
	};
	ct_path_init(p);
	memset(hops, 0, sizeof(hops));
	for (size_t i = 0; i < 16; i++) {
		hops[i].reverse = t[i].rev;
		hops[i].kind = t[i].k;
		hops[i].node = t[i].node;
		snprintf(hops[i].node_name, sizeof(hops[i].node_name), "n%d", t[i].node + 1);
		snprintf(hops[i].subject, sizeof(hops[i].subject), "if%zu", i);
		hops[i].probe.watched = t[i].watched;
	}
	p->v = hops;
	p->n = 16;
	p->probe.done = true;
	p->probe.sent = 1;
}

/* every watched hop of a direction before index stop saw it */
static void seen_until(struct ct_path *p, bool rev, size_t stop)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->v[i].reverse == rev && i < stop) {
			if (rev)
				p->v[i].probe.rep_seen = true;
			else
				p->v[i].probe.req_seen = true;
		}
}

static void test_judge_healthy(void **state)
{
	(void)state;
	struct ct_path p;
	mkpath(&p);
	seen_until(&p, false, 99);
	seen_until(&p, true, 99);
	p.probe.received = 1;
	ct_path_probe_judge(&p);
	assert_int_equal(p.probe.lost_hop, -1);
	for (size_t i = 0; i < p.n; i++)
		assert_false(p.v[i].probe.lost_here);
}

static void test_judge_policy(void **state)
{
	(void)state;
	struct ct_path p;
	mkpath(&p);
	seen_until(&p, false, 6); /* up to the ingress on B */
	p.probe.n_moved = 2;
	/* an unrelated counter on A, and the tw chain's DROP on B's policy hop */
	p.probe.moved[0] =
	    (struct ct_probe_moved){0, -1, "TcpExtIPReversePathFilter", 1, false, ""};
	p.probe.moved[1] = (struct ct_probe_moved){1, 7, "cali-tw-x rule 5 DROP", 1, false, ""};
	ct_path_probe_judge(&p);
	assert_int_equal(p.probe.lost_hop, 7);
	assert_false(p.probe.lost_reply);
	assert_true(p.v[7].probe.lost_here);
	assert_string_equal(p.probe.cause,
			    "cali-tw-x rule 5 DROP moved by 1: the policy dropped it");
}

static void test_judge_rp_filter(void **state)
{
	(void)state;
	struct ct_path p;
	mkpath(&p);
	seen_until(&p, false, 99);
	seen_until(&p, true, 13); /* the reply leaves B's pod, is gone before A's caliX */
	p.probe.n_moved = 2;
	/* on A too, later on the way: the first node that shows a cause wins */
	p.probe.moved[0] = (struct ct_probe_moved){0, -1, "IpExtInNoRoutes", 2, false, ""};
	p.probe.moved[1] =
	    (struct ct_probe_moved){1, -1, "TcpExtIPReversePathFilter", 1, false, ""};
	ct_path_probe_judge(&p);
	assert_true(p.probe.lost_reply);
	assert_int_equal(p.probe.lost_hop, 13); /* B's forwarding decision */
	assert_string_equal(p.probe.cause,
			    "TcpExtIPReversePathFilter moved by 1 on n2: the reverse "
			    "path filter (rp_filter) dropped it");
}

static void test_judge_send_and_icmp(void **state)
{
	(void)state;
	struct ct_path p;
	mkpath(&p);
	p.probe.send_errno = EMSGSIZE;
	p.probe.size = 1440;
	ct_path_probe_judge(&p);
	assert_int_equal(p.probe.lost_hop, 0);
	assert_non_null(strstr(p.probe.cause, "EMSGSIZE"));

	mkpath(&p);
	seen_until(&p, false, 2);
	p.probe.size = 1440;
	p.probe.icmp_type = 3;
	p.probe.icmp_code = 4;
	snprintf(p.probe.icmp_error, sizeof(p.probe.icmp_error),
		 "frag-needed mtu 1450 from 10.0.0.1");
	ct_path_probe_judge(&p);
	assert_int_equal(p.probe.lost_hop, 4); /* the egress out of A */
	assert_non_null(strstr(p.probe.cause, "frag-needed mtu 1450"));
}

static void test_judge_decap_and_unexplained(void **state)
{
	(void)state;
	struct ct_path p;
	mkpath(&p);
	seen_until(&p, false, 5);
	p.v[5].probe.wire_watched = true;
	p.v[5].probe.wire_req_seen = true;
	snprintf(p.v[5].probe.wire_iface, sizeof(p.v[5].probe.wire_iface), "eth0");
	ct_path_probe_judge(&p);
	assert_int_equal(p.probe.lost_hop, 5);
	assert_non_null(strstr(p.probe.cause, "arrived encapsulated on n2's eth0"));

	/* not on the wire either: no cause to name, the first watched hop that missed it */
	p.v[5].probe.wire_req_seen = false;
	ct_path_probe_judge(&p);
	assert_int_equal(p.probe.lost_hop, 5);
	assert_string_equal(p.probe.cause,
			    "the request not seen here; no counter that was read moved to say why");
	/* an interface on the stretch that counted a drop names the hop */
	mkpath(&p);
	seen_until(&p, false, 8);
	p.probe.n_moved = 1;
	p.probe.moved[0] = (struct ct_probe_moved){1, 8, "if8 tx_dropped", 1, true, ""};
	ct_path_probe_judge(&p);
	assert_int_equal(p.probe.lost_hop, 8);
	assert_string_equal(p.probe.cause,
			    "if8 tx_dropped moved by 1 on n2: the interface dropped packets");
	/* a kernel counter of the destination pod's namespace names its hop */
	mkpath(&p);
	seen_until(&p, false, 9);
	snprintf(p.v[9].netns, sizeof(p.v[9].netns), "podB");
	p.probe.n_moved = 1;
	p.probe.moved[0] = (struct ct_probe_moved){1, -1, "IpInAddrErrors", 1, false, "podB"};
	ct_path_probe_judge(&p);
	assert_int_equal(p.probe.lost_hop, 9);
	assert_string_equal(p.probe.cause, "IpInAddrErrors moved by 1 in podB: its address is not "
					   "valid here (InAddrErrors)");
	/* a capture that missed a packet later hops saw is skipped */
	mkpath(&p);
	seen_until(&p, false, 9);
	p.v[1].probe.req_seen = false;
	ct_path_probe_judge(&p);
	assert_int_equal(p.probe.lost_hop, 9);
}

/* the reverse probe: its request takes the reverse hops, its reply the forward ones */
static void test_judge_reverse(void **state)
{
	(void)state;
	struct ct_path p;
	mkpath(&p);
	/* the forward probe answered */
	seen_until(&p, false, 99);
	seen_until(&p, true, 99);
	p.probe.received = 1;
	/* the reverse one: seen leaving B (hops 11, 12), not at A's caliX (14) */
	p.rprobe.done = true;
	p.rprobe.sent = 1;
	for (size_t i = 0; i < p.n; i++)
		p.v[i].rprobe.watched = p.v[i].probe.watched;
	p.v[11].rprobe.req_seen = p.v[12].rprobe.req_seen = true;
	p.rprobe.n_moved = 1;
	p.rprobe.moved[0] = (struct ct_probe_moved){0, 13, "cali-tw-a rule 5 DROP", 1, false, ""};
	ct_path_probe_judge(&p);
	ct_path_probe_judge_reverse(&p);
	assert_int_equal(p.probe.lost_hop, -1);
	assert_int_equal(p.rprobe.lost_hop, 13);
	assert_false(p.rprobe.lost_reply);
	assert_true(p.v[13].rprobe.lost_here);
	assert_false(p.v[13].probe.lost_here);
	assert_string_equal(p.rprobe.cause,
			    "cali-tw-a rule 5 DROP moved by 1: the policy dropped it");
	/* everything put back where it was */
	assert_true(p.v[11].reverse);
	assert_false(p.v[0].reverse);
	assert_true(p.v[11].probe.rep_seen);
	assert_int_equal(p.probe.received, 1);
	/* its reply lost on the forward hops: after A's caliX (1), before the egress (4) */
	for (size_t i = 11; i < 16; i++)
		p.v[i].rprobe.req_seen = true;
	p.v[0].rprobe.rep_seen = p.v[1].rprobe.rep_seen = true;
	p.rprobe.n_moved = 0;
	ct_path_probe_judge_reverse(&p);
	assert_true(p.rprobe.lost_reply);
	assert_int_equal(p.rprobe.lost_hop, 4);
	assert_string_equal(p.rprobe.cause,
			    "the reply not seen here; no counter that was read moved to say why");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_nstat_ok),
	    cmocka_unit_test(test_nstat_bad),
	    cmocka_unit_test(test_netdev_ctstat),
	    cmocka_unit_test(test_match_icmp),
	    cmocka_unit_test(test_match_tcp_udp),
	    cmocka_unit_test(test_match_vxlan),
	    cmocka_unit_test(test_judge_healthy),
	    cmocka_unit_test(test_judge_policy),
	    cmocka_unit_test(test_judge_rp_filter),
	    cmocka_unit_test(test_judge_send_and_icmp),
	    cmocka_unit_test(test_judge_decap_and_unexplained),
	    cmocka_unit_test(test_icmp6_decode),
	    cmocka_unit_test(test_icmp6_decode_bad),
	    cmocka_unit_test(test_icmp_names),
	    cmocka_unit_test(test_payload_off),
	    cmocka_unit_test(test_judge_reverse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
