/* SPDX-License-Identifier: MIT */
/*
 * The rtnetlink decoders (model/rtnl.c) on messages built by hand with libnl:
 * every field of each message type as put, RTM_DEL* keys, then every
 * truncation, attributes of the wrong size, malformed nested attributes and
 * byte flips. Each damaged message lives in a heap block of exactly its
 * length, so a read past the end is caught under ASan (make asan).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <sys/socket.h>

#include <linux/fib_rules.h>
#include <linux/if_link.h>
#include <linux/ipv6.h>
#include <linux/if_tunnel.h>
#include <linux/ip.h>
#include <linux/neighbour.h>
#include <linux/net_namespace.h>
#include <linux/netconf.h>
#include <linux/rtnetlink.h>

#include <netlink/attr.h>
#include <netlink/msg.h>

#include "model/rtnl.h"

/* ---- builders ---- */

static struct nl_msg *start(int type, const void *hdr, size_t hlen)
{
	struct nl_msg *m = nlmsg_alloc_simple(type, 0);
	assert_non_null(m);
	assert_int_equal(nlmsg_append(m, (void *)hdr, hlen, NLMSG_ALIGNTO), 0);
	return m;
}

/* A heap copy of exactly len bytes whose nlmsg_len says len. */
static struct nlmsghdr *cut(const struct nlmsghdr *h, size_t len)
{
	struct nlmsghdr *c = malloc(len ? len : 1);
	assert_non_null(c);
	memcpy(c, h, len);
	if (len >= sizeof(uint32_t))
		c->nlmsg_len = (uint32_t)len;
	return c;
}

static const uint8_t MAC[6] = { 0xee, 0xee, 0xee, 0xee, 0xee, 0xee };

static struct nl_msg *mk_link(int type, int bad)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = 7,
				 .ifi_flags = IFF_UP | IFF_RUNNING };
	struct nl_msg *m = start(type, &ifi, sizeof(ifi));
	uint32_t conf[IPV4_DEVCONF_MAX];

	for (int i = 0; i < IPV4_DEVCONF_MAX; i++)
		conf[i] = 0;
	conf[IPV4_DEVCONF_FORWARDING - 1] = 1;
	conf[IPV4_DEVCONF_RP_FILTER - 1] = 2;
	conf[IPV4_DEVCONF_PROXY_ARP - 1] = 1;
	conf[IPV4_DEVCONF_ROUTE_LOCALNET - 1] = 1;
	if (bad == 1) /* no NUL */
		nla_put(m, IFLA_IFNAME, 4, "cali");
	else
		nla_put_string(m, IFLA_IFNAME, "vxlan.calico");
	if (bad == 2)
		nla_put_u16(m, IFLA_MTU, 1450);
	else
		nla_put_u32(m, IFLA_MTU, 1450);
	nla_put_u8(m, IFLA_OPERSTATE, 6);
	nla_put(m, IFLA_ADDRESS, 6, MAC);
	nla_put_u32(m, IFLA_LINK, 3);
	nla_put_s32(m, IFLA_LINK_NETNSID, 4);
	uint64_t st[24] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	nla_put(m, IFLA_STATS64, bad == 3 ? 16 : (int)sizeof(st), st);
	struct nlattr *li = nla_nest_start(m, IFLA_LINKINFO);
	nla_put_string(m, IFLA_INFO_KIND, "vxlan");
	struct nlattr *data = nla_nest_start(m, IFLA_INFO_DATA);
	if (bad == 4)
		nla_put_u16(m, IFLA_VXLAN_ID, 4096);
	else
		nla_put_u32(m, IFLA_VXLAN_ID, 4096);
	nla_put_u16(m, IFLA_VXLAN_PORT, htons(4789));
	uint32_t local = htonl(0xc0a81f65);
	nla_put(m, IFLA_VXLAN_LOCAL, bad == 5 ? 3 : 4, &local);
	nla_put_u32(m, IFLA_VXLAN_LINK, 2);
	nla_put_u8(m, IFLA_VXLAN_LEARNING, 0);
	nla_put_u8(m, IFLA_VXLAN_TTL, 64);
	nla_nest_end(m, data);
	nla_nest_end(m, li);
	struct nlattr *spec = nla_nest_start(m, IFLA_AF_SPEC);
	struct nlattr *in6 = nla_nest_start(m, AF_INET6);
	nla_put_u32(m, 1, 99); /* not IPv4: ignored */
	nla_nest_end(m, in6);
	struct nlattr *in = nla_nest_start(m, AF_INET);
	nla_put(m, IFLA_INET_CONF, bad == 6 ? 6 : (int)sizeof(conf), conf);
	nla_nest_end(m, in);
	nla_nest_end(m, spec);
	return m;
}

static struct nl_msg *mk_addr(int type, int bad)
{
	struct ifaddrmsg ifa = { .ifa_family = AF_INET, .ifa_prefixlen = 24, .ifa_index = 2,
				 .ifa_scope = RT_SCOPE_UNIVERSE };
	struct nl_msg *m = start(type, &ifa, sizeof(ifa));
	uint32_t a[4] = { htonl(0xc0a81f65) }, p = htonl(0xc0a81f66);

	nla_put(m, IFA_ADDRESS, 4, &p);
	nla_put(m, IFA_LOCAL, bad == 1 ? 16 : 4, a);
	if (bad == 2)
		nla_put_u8(m, IFA_FLAGS, 1);
	else
		nla_put_u32(m, IFA_FLAGS, 0x80);
	return m;
}

static struct nl_msg *mk_route(int type, int bad, bool multipath)
{
	struct rtmsg rtm = { .rtm_family = AF_INET, .rtm_dst_len = 26, .rtm_table = RT_TABLE_MAIN,
			     .rtm_protocol = 12, .rtm_scope = RT_SCOPE_UNIVERSE,
			     .rtm_type = RTN_UNICAST, .rtm_flags = RTNH_F_ONLINK };
	struct nl_msg *m = start(type, &rtm, sizeof(rtm));
	uint32_t dst[2] = { htonl(0x0a000040) }, gw = htonl(0xc0a81f66), src = htonl(0xc0a81f65);

	nla_put(m, RTA_DST, bad == 1 ? 5 : 4, dst);
	nla_put_u32(m, RTA_TABLE, 254);
	nla_put_u32(m, RTA_PRIORITY, 20);
	nla_put(m, RTA_PREFSRC, 4, &src);
	if (!multipath) {
		nla_put(m, RTA_GATEWAY, 4, &gw);
		if (bad == 2)
			nla_put_u16(m, RTA_OIF, 3);
		else
			nla_put_u32(m, RTA_OIF, 3);
		return m;
	}
	/* two next hops, each an rtnexthop followed by its RTA_GATEWAY */
	uint8_t mp[2 * (sizeof(struct rtnexthop) + 8)];
	memset(mp, 0, sizeof(mp));
	for (int i = 0; i < 2; i++) {
		struct rtnexthop nh = { .rtnh_len = sizeof(struct rtnexthop) + 8,
					.rtnh_hops = (uint8_t)i, .rtnh_ifindex = 3 + i };
		if (bad == 3 && i == 1)
			nh.rtnh_len = 200;
		struct nlattr a = { .nla_len = 8, .nla_type = RTA_GATEWAY };
		if (bad == 4 && i == 0)
			a.nla_len = 6; /* a 2-byte gateway */
		uint32_t g = htonl(0xc0a81f66 + (uint32_t)i);
		uint8_t *p = mp + i * (sizeof(nh) + 8);
		memcpy(p, &nh, sizeof(nh));
		memcpy(p + sizeof(nh), &a, sizeof(a));
		memcpy(p + sizeof(nh) + sizeof(a), &g, 4);
	}
	nla_put(m, RTA_MULTIPATH, sizeof(mp), mp);
	return m;
}

static struct nl_msg *mk_rule(int type, int bad)
{
	struct fib_rule_hdr frh = { .family = AF_INET, .src_len = 16, .action = FR_ACT_TO_TBL };
	struct nl_msg *m = start(type, &frh, sizeof(frh));
	uint32_t src = htonl(0x0a010000);

	nla_put_u32(m, FRA_TABLE, 100);
	nla_put_u32(m, FRA_PRIORITY, 1000);
	nla_put_u32(m, FRA_FWMARK, 0x10);
	nla_put(m, FRA_SRC, bad == 1 ? 2 : 4, &src);
	nla_put_string(m, FRA_IIFNAME, "cali1");
	if (bad == 2)
		nla_put(m, FRA_OIFNAME, 3, "eth");
	return m;
}

static struct nl_msg *mk_neigh(int type, int bad)
{
	struct ndmsg ndm = { .ndm_family = AF_INET, .ndm_ifindex = 5, .ndm_state = NUD_REACHABLE };
	struct nl_msg *m = start(type, &ndm, sizeof(ndm));
	uint32_t dst[2] = { htonl(0xa9fe0101) };

	nla_put(m, NDA_DST, bad == 1 ? 5 : 4, dst);
	nla_put(m, NDA_LLADDR, 6, MAC);
	return m;
}

static struct nl_msg *mk_fdb(int type, int bad)
{
	struct ndmsg ndm = { .ndm_family = AF_BRIDGE, .ndm_ifindex = 4,
			     .ndm_state = NUD_PERMANENT, .ndm_flags = NTF_SELF };
	struct nl_msg *m = start(type, &ndm, sizeof(ndm));
	uint32_t dst = htonl(0xc0a81f66);

	nla_put(m, NDA_LLADDR, 6, MAC);
	nla_put(m, NDA_DST, 4, &dst);
	if (bad == 1)
		nla_put_u16(m, NDA_VNI, 1);
	else
		nla_put_u32(m, NDA_VNI, 4096);
	return m;
}

static struct nl_msg *mk_netconf(int bad)
{
	struct netconfmsg ncm = { .ncm_family = AF_INET };
	struct nl_msg *m = start(RTM_NEWNETCONF, &ncm, sizeof(ncm));

	if (bad == 1)
		nla_put_u16(m, NETCONFA_IFINDEX, 1);
	else
		nla_put_s32(m, NETCONFA_IFINDEX, NETCONFA_IFINDEX_ALL);
	nla_put_s32(m, NETCONFA_FORWARDING, 1);
	nla_put_s32(m, NETCONFA_RP_FILTER, 2);
	nla_put_s32(m, NETCONFA_PROXY_NEIGH, 0);
	return m;
}

static struct nl_msg *mk_neightbl(bool parms, int bad)
{
	struct ndtmsg ndtm = { .ndtm_family = AF_INET };
	struct nl_msg *m = start(RTM_NEWNEIGHTBL, &ndtm, sizeof(ndtm));

	nla_put_string(m, NDTA_NAME, "arp_cache");
	if (!parms) {
		struct ndt_config c = { .ndtc_entries = 42 };
		nla_put_u32(m, NDTA_THRESH1, 128);
		nla_put_u32(m, NDTA_THRESH2, 512);
		nla_put_u32(m, NDTA_THRESH3, 1024);
		nla_put(m, NDTA_CONFIG, bad == 1 ? 4 : (int)sizeof(c), &c);
	}
	struct nlattr *p = nla_nest_start(m, NDTA_PARMS);
	if (parms)
		nla_put_u32(m, NDTPA_IFINDEX, 9);
	if (bad == 2)
		nla_put_u32(m, NDTPA_PROXY_DELAY, 800);
	else
		nla_put_u64(m, NDTPA_PROXY_DELAY, 800);
	nla_nest_end(m, p);
	return m;
}

static struct nl_msg *mk_nsid(int type, int bad)
{
	struct rtgenmsg g = { .rtgen_family = AF_UNSPEC };
	struct nl_msg *m = start(type, &g, sizeof(g));

	if (bad == 1)
		nla_put_u16(m, NETNSA_NSID, 3);
	else
		nla_put_s32(m, NETNSA_NSID, 3);
	return m;
}

/* ---- checks ---- */

static int decode_copy(const struct nlmsghdr *h, size_t len, struct ct_rtnl_msg *out)
{
	struct nlmsghdr *c = cut(h, len);
	int r = ct_rtnl_decode(c, out);
	free(c);
	return r;
}

/* Every truncation and byte flip of a valid message decodes to OK, SKIP or
 * -EINVAL (ASan checks the reads). */
static void damage_all(struct nl_msg *m)
{
	const struct nlmsghdr *h = nlmsg_hdr(m);
	size_t len = h->nlmsg_len;
	struct ct_rtnl_msg out;

	for (size_t l = NLMSG_HDRLEN; l <= len; l++) {
		int r = decode_copy(h, l, &out);
		assert_true(r == CT_RTNL_OK || r == CT_RTNL_SKIP || r == -EINVAL);
		ct_rtnl_msg_clear(&out);
	}
	/* flips after the length field: every byte of the fixed header and attributes */
	static const uint8_t vals[] = { 0x00, 0x01, 0x03, 0x7f, 0x80, 0xff };
	for (size_t i = 4; i < len; i++) {
		for (size_t k = 0; k < sizeof(vals); k++) {
			struct nlmsghdr *c = cut(h, len);
			((uint8_t *)c)[i] = vals[k];
			int r = ct_rtnl_decode(c, &out);
			assert_true(r == CT_RTNL_OK || r == CT_RTNL_SKIP || r == -EINVAL);
			ct_rtnl_msg_clear(&out);
			free(c);
		}
	}
	nlmsg_free(m);
}

static void expect_einval(struct nl_msg *m)
{
	struct ct_rtnl_msg out;
	int r = decode_copy(nlmsg_hdr(m), nlmsg_hdr(m)->nlmsg_len, &out);
	assert_int_equal(r, -EINVAL);
	assert_int_equal(out.kind, CT_RTNL_NONE);
	nlmsg_free(m);
}

static void ip4(const struct ct_ip *ip, uint32_t host)
{
	uint32_t n = htonl(host);
	assert_int_equal(ip->family, AF_INET);
	assert_memory_equal(ip->a, &n, 4);
}

/* ---- tests ---- */

static void test_link(void **state)
{
	struct nl_msg *m = mk_link(RTM_NEWLINK, 0);
	struct ct_rtnl_msg out;

	assert_int_equal(ct_rtnl_decode(nlmsg_hdr(m), &out), CT_RTNL_OK);
	assert_int_equal(out.kind, CT_RTNL_LINK);
	assert_false(out.del);
	const struct ct_link *l = &out.u.link;
	assert_int_equal(l->ifindex, 7);
	assert_string_equal(l->name, "vxlan.calico");
	assert_int_equal(l->flags, IFF_UP | IFF_RUNNING);
	assert_int_equal(l->mtu, 1450);
	assert_int_equal(l->oper, CT_OPER_UP);
	assert_int_equal(l->mac_len, 6);
	assert_memory_equal(l->mac, MAC, 6);
	assert_int_equal(l->link, 3);
	assert_int_equal(l->link_netnsid, 4);
	assert_int_equal(l->peer_ns, -1);
	assert_int_equal(l->stats.rx_packets, 1);
	assert_int_equal(l->stats.tx_dropped, 8);
	assert_string_equal(l->kind, "vxlan");
	assert_int_equal(l->u.vxlan.vni, 4096);
	assert_int_equal(l->u.vxlan.port, 4789);
	ip4(&l->u.vxlan.local, 0xc0a81f65);
	assert_int_equal(l->u.vxlan.parent_ifindex, 2);
	assert_false(l->u.vxlan.learning);
	assert_int_equal(l->u.vxlan.ttl, 64);
	assert_int_equal(l->forwarding, 1);
	assert_int_equal(l->rp_filter, 2);
	assert_int_equal(l->proxy_arp, 1);
	assert_int_equal(l->route_localnet, 1);
	/* not in the link message */
	assert_int_equal(l->proxy_delay, -1);
	assert_int_equal(l->forwarding6, -1);
	assert_int_equal(l->eff_rp_filter, -1);
	ct_rtnl_msg_clear(&out);
	nlmsg_free(m);

	m = mk_link(RTM_DELLINK, 0);
	assert_int_equal(ct_rtnl_decode(nlmsg_hdr(m), &out), CT_RTNL_OK);
	assert_true(out.del);
	assert_int_equal(out.u.link.ifindex, 7);
	nlmsg_free(m);

	/* a bridge port notification (family AF_BRIDGE) is skipped */
	struct ifinfomsg br = { .ifi_family = AF_BRIDGE, .ifi_index = 7 };
	m = start(RTM_NEWLINK, &br, sizeof(br));
	nla_put_string(m, IFLA_IFNAME, "veth0");
	assert_int_equal(ct_rtnl_decode(nlmsg_hdr(m), &out), CT_RTNL_SKIP);
	assert_int_equal(out.kind, CT_RTNL_NONE);
	nlmsg_free(m);

	for (int bad = 1; bad <= 6; bad++)
		expect_einval(mk_link(RTM_NEWLINK, bad));
	damage_all(mk_link(RTM_NEWLINK, 0));
}

/* An IFLA_INET_CONF shorter than the kernel's: the missing entries stay -1. */
static void test_link_short_conf(void **state)
{
	struct ifinfomsg ifi = { .ifi_index = 1 };
	struct nl_msg *m = start(RTM_NEWLINK, &ifi, sizeof(ifi));
	uint32_t conf[IPV4_DEVCONF_RP_FILTER - 1] = { 1 };
	struct ct_link l;

	struct nlattr *spec = nla_nest_start(m, IFLA_AF_SPEC);
	struct nlattr *in = nla_nest_start(m, AF_INET);
	nla_put(m, IFLA_INET_CONF, sizeof(conf), conf);
	nla_nest_end(m, in);
	nla_nest_end(m, spec);
	assert_int_equal(ct_rtnl_link(nlmsg_hdr(m), &l), CT_RTNL_OK);
	assert_int_equal(l.forwarding, 1);
	assert_int_equal(l.proxy_arp, 0);
	assert_int_equal(l.rp_filter, -1);
	assert_int_equal(l.route_localnet, -1);
	nlmsg_free(m);
}

/* IPv6 forwarding from IFLA_AF_SPEC -> AF_INET6 -> IFLA_INET6_CONF (indexed from 0). */
static void test_link_inet6_conf(void **state)
{
	struct ifinfomsg ifi = { .ifi_index = 1 };
	int32_t conf[DEVCONF_FORWARDING + 4] = { 0 };
	struct ct_link l;

	for (int bad = 0; bad < 2; bad++) {
		struct nl_msg *m = start(RTM_NEWLINK, &ifi, sizeof(ifi));
		conf[DEVCONF_FORWARDING] = 1;
		struct nlattr *spec = nla_nest_start(m, IFLA_AF_SPEC);
		struct nlattr *in6 = nla_nest_start(m, AF_INET6);
		nla_put(m, IFLA_INET6_CONF, bad ? 6 : (int)sizeof(conf), conf);
		nla_nest_end(m, in6);
		nla_nest_end(m, spec);
		int r = ct_rtnl_link(nlmsg_hdr(m), &l);
		if (bad) {
			assert_int_equal(r, -EINVAL);
		} else {
			assert_int_equal(r, CT_RTNL_OK);
			assert_int_equal(l.forwarding6, 1);
			assert_int_equal(l.forwarding, -1); /* no IPv4 conf in this message */
		}
		nlmsg_free(m);
	}
}

static void test_addr(void **state)
{
	struct nl_msg *m = mk_addr(RTM_NEWADDR, 0);
	struct ct_rtnl_msg out;

	assert_int_equal(ct_rtnl_decode(nlmsg_hdr(m), &out), CT_RTNL_OK);
	assert_int_equal(out.kind, CT_RTNL_ADDR);
	assert_int_equal(out.u.addr.ifindex, 2);
	ip4(&out.u.addr.pfx.ip, 0xc0a81f65); /* IFA_LOCAL wins */
	assert_int_equal(out.u.addr.pfx.len, 24);
	assert_int_equal(out.u.addr.flags, 0x80);
	nlmsg_free(m);

	m = mk_addr(RTM_DELADDR, 0);
	assert_int_equal(ct_rtnl_decode(nlmsg_hdr(m), &out), CT_RTNL_OK);
	assert_true(out.del);
	nlmsg_free(m);

	/* no address at all, or another family: skipped */
	struct ifaddrmsg ifa = { .ifa_family = AF_INET, .ifa_index = 2 };
	m = start(RTM_NEWADDR, &ifa, sizeof(ifa));
	assert_int_equal(ct_rtnl_decode(nlmsg_hdr(m), &out), CT_RTNL_SKIP);
	nlmsg_free(m);
	ifa.ifa_family = AF_PACKET;
	m = start(RTM_NEWADDR, &ifa, sizeof(ifa));
	assert_int_equal(ct_rtnl_decode(nlmsg_hdr(m), &out), CT_RTNL_SKIP);
	nlmsg_free(m);

	for (int bad = 1; bad <= 2; bad++)
		expect_einval(mk_addr(RTM_NEWADDR, bad));
	damage_all(mk_addr(RTM_NEWADDR, 0));
}

static void test_route(void **state)
{
	struct nl_msg *m = mk_route(RTM_NEWROUTE, 0, false);
	struct ct_rtnl_msg out;

	assert_int_equal(ct_rtnl_decode(nlmsg_hdr(m), &out), CT_RTNL_OK);
	assert_int_equal(out.kind, CT_RTNL_ROUTE);
	const struct ct_route *r = &out.u.route;
	ip4(&r->dst.ip, 0x0a000040);
	assert_int_equal(r->dst.len, 26);
	ip4(&r->src, 0xc0a81f65);
	ip4(&r->gw, 0xc0a81f66);
	assert_int_equal(r->oif, 3);
	assert_int_equal(r->table, 254);
	assert_int_equal(r->priority, 20);
	assert_int_equal(r->protocol, 12);
	assert_int_equal(r->type, RTN_UNICAST);
	assert_int_equal(r->flags, RTNH_F_ONLINK);
	assert_int_equal(r->nh_count, 0);
	assert_null(r->nh);
	ct_rtnl_msg_clear(&out);
	nlmsg_free(m);

	m = mk_route(RTM_NEWROUTE, 0, true);
	assert_int_equal(ct_rtnl_decode(nlmsg_hdr(m), &out), CT_RTNL_OK);
	assert_int_equal(out.u.route.nh_count, 2);
	assert_non_null(out.u.route.nh);
	assert_int_equal(out.u.route.nh[0].oif, 3);
	assert_int_equal(out.u.route.nh[1].oif, 4);
	assert_int_equal(out.u.route.nh[0].weight, 1);
	assert_int_equal(out.u.route.nh[1].weight, 2);
	ip4(&out.u.route.nh[1].gw, 0xc0a81f67);
	ct_rtnl_msg_clear(&out);
	assert_null(out.u.route.nh);
	nlmsg_free(m);

	m = mk_route(RTM_DELROUTE, 0, false);
	assert_int_equal(ct_rtnl_decode(nlmsg_hdr(m), &out), CT_RTNL_OK);
	assert_true(out.del);
	ct_rtnl_msg_clear(&out);
	nlmsg_free(m);

	/* a cloned route: skipped by the dump decoder, kept by the reply decoder */
	struct rtmsg rtm = { .rtm_family = AF_INET, .rtm_flags = RTM_F_CLONED,
			     .rtm_type = RTN_UNICAST };
	struct ct_route rr;
	m = start(RTM_NEWROUTE, &rtm, sizeof(rtm));
	assert_int_equal(ct_rtnl_route(nlmsg_hdr(m), &rr), CT_RTNL_SKIP);
	assert_int_equal(ct_rtnl_route_reply(nlmsg_hdr(m), &rr), CT_RTNL_OK);
	ct_route_clear(&rr);
	nlmsg_free(m);

	expect_einval(mk_route(RTM_NEWROUTE, 1, false));
	expect_einval(mk_route(RTM_NEWROUTE, 2, false));
	expect_einval(mk_route(RTM_NEWROUTE, 3, true));
	expect_einval(mk_route(RTM_NEWROUTE, 4, true));
	damage_all(mk_route(RTM_NEWROUTE, 0, false));
	damage_all(mk_route(RTM_NEWROUTE, 0, true));
}

static void test_rule(void **state)
{
	struct nl_msg *m = mk_rule(RTM_NEWRULE, 0);
	struct ct_rtnl_msg out;

	assert_int_equal(ct_rtnl_decode(nlmsg_hdr(m), &out), CT_RTNL_OK);
	assert_int_equal(out.kind, CT_RTNL_RULE);
	assert_int_equal(out.u.rule.table, 100);
	assert_int_equal(out.u.rule.priority, 1000);
	assert_true(out.u.rule.has_fwmark);
	assert_int_equal(out.u.rule.fwmark, 0x10);
	ip4(&out.u.rule.src.ip, 0x0a010000);
	assert_int_equal(out.u.rule.src.len, 16);
	assert_string_equal(out.u.rule.iifname, "cali1");
	assert_string_equal(out.u.rule.oifname, "");
	nlmsg_free(m);
	m = mk_rule(RTM_DELRULE, 0);
	assert_int_equal(ct_rtnl_decode(nlmsg_hdr(m), &out), CT_RTNL_OK);
	assert_true(out.del);
	nlmsg_free(m);
	expect_einval(mk_rule(RTM_NEWRULE, 1));
	expect_einval(mk_rule(RTM_NEWRULE, 2));
	damage_all(mk_rule(RTM_NEWRULE, 0));
}

static void test_neigh_fdb(void **state)
{
	struct nl_msg *m = mk_neigh(RTM_NEWNEIGH, 0);
	struct ct_rtnl_msg out;

	assert_int_equal(ct_rtnl_decode(nlmsg_hdr(m), &out), CT_RTNL_OK);
	assert_int_equal(out.kind, CT_RTNL_NEIGH);
	assert_int_equal(out.u.neigh.ifindex, 5);
	ip4(&out.u.neigh.dst, 0xa9fe0101);
	assert_int_equal(out.u.neigh.lladdr_len, 6);
	assert_int_equal(out.u.neigh.state, NUD_REACHABLE);
	nlmsg_free(m);
	m = mk_neigh(RTM_DELNEIGH, 0);
	assert_int_equal(ct_rtnl_decode(nlmsg_hdr(m), &out), CT_RTNL_OK);
	assert_true(out.del);
	nlmsg_free(m);

	m = mk_fdb(RTM_NEWNEIGH, 0);
	assert_int_equal(ct_rtnl_decode(nlmsg_hdr(m), &out), CT_RTNL_OK);
	assert_int_equal(out.kind, CT_RTNL_FDB);
	assert_int_equal(out.u.fdb.ifindex, 4);
	assert_memory_equal(out.u.fdb.mac, MAC, 6);
	ip4(&out.u.fdb.dst, 0xc0a81f66);
	assert_int_equal(out.u.fdb.vni, 4096);
	assert_int_equal(out.u.fdb.flags, NTF_SELF);
	/* the neighbour decoder does not take a bridge entry, nor the FDB one an IPv4 one */
	struct ct_neigh n;
	assert_int_equal(ct_rtnl_neigh(nlmsg_hdr(m), &n), CT_RTNL_SKIP);
	nlmsg_free(m);
	m = mk_neigh(RTM_NEWNEIGH, 0);
	struct ct_fdb f;
	assert_int_equal(ct_rtnl_fdb(nlmsg_hdr(m), &f), CT_RTNL_SKIP);
	nlmsg_free(m);

	expect_einval(mk_neigh(RTM_NEWNEIGH, 1));
	expect_einval(mk_fdb(RTM_NEWNEIGH, 1));
	damage_all(mk_neigh(RTM_NEWNEIGH, 0));
	damage_all(mk_fdb(RTM_NEWNEIGH, 0));
}

static void test_netconf(void **state)
{
	struct nl_msg *m = mk_netconf(0);
	struct ct_rtnl_msg out;

	assert_int_equal(ct_rtnl_decode(nlmsg_hdr(m), &out), CT_RTNL_OK);
	assert_int_equal(out.kind, CT_RTNL_NETCONF);
	assert_int_equal(out.u.netconf.family, AF_INET);
	assert_int_equal(out.u.netconf.ifindex, CT_NETCONF_ALL);
	assert_int_equal(out.u.netconf.forwarding, 1);
	assert_int_equal(out.u.netconf.rp_filter, 2);
	assert_int_equal(out.u.netconf.proxy_neigh, 0);
	assert_int_equal(out.u.netconf.mc_forwarding, -1);
	nlmsg_free(m);
	expect_einval(mk_netconf(1));
	damage_all(mk_netconf(0));
}

static void test_neightbl(void **state)
{
	struct nl_msg *m = mk_neightbl(false, 0);
	struct ct_rtnl_msg out;

	assert_int_equal(ct_rtnl_decode(nlmsg_hdr(m), &out), CT_RTNL_OK);
	assert_int_equal(out.kind, CT_RTNL_NEIGHTBL);
	assert_string_equal(out.u.neightbl.name, "arp_cache");
	assert_int_equal(out.u.neightbl.gc_thresh3, 1024);
	assert_int_equal(out.u.neightbl.entries, 42);
	nlmsg_free(m);

	m = mk_neightbl(true, 0);
	assert_int_equal(ct_rtnl_decode(nlmsg_hdr(m), &out), CT_RTNL_OK);
	assert_int_equal(out.kind, CT_RTNL_NEIGHPARMS);
	assert_int_equal(out.u.parms.ifindex, 9);
	assert_int_equal(out.u.parms.proxy_delay, 80); /* 800 ms in USER_HZ ticks */
	nlmsg_free(m);

	expect_einval(mk_neightbl(false, 1));
	expect_einval(mk_neightbl(true, 2));
	damage_all(mk_neightbl(false, 0));
	damage_all(mk_neightbl(true, 0));
}

static void test_nsid(void **state)
{
	struct nl_msg *m = mk_nsid(RTM_NEWNSID, 0);
	struct ct_rtnl_msg out;

	assert_int_equal(ct_rtnl_decode(nlmsg_hdr(m), &out), CT_RTNL_OK);
	assert_int_equal(out.kind, CT_RTNL_NSID);
	assert_int_equal(out.u.nsid, 3);
	assert_false(out.del);
	nlmsg_free(m);
	m = mk_nsid(RTM_DELNSID, 0);
	assert_int_equal(ct_rtnl_decode(nlmsg_hdr(m), &out), CT_RTNL_OK);
	assert_true(out.del);
	nlmsg_free(m);
	expect_einval(mk_nsid(RTM_NEWNSID, 1));
	damage_all(mk_nsid(RTM_NEWNSID, 0));
}

/* Messages that are not rtnetlink data, and headers shorter than their type's. */
static void test_other(void **state)
{
	struct nlmsghdr h = { .nlmsg_len = NLMSG_HDRLEN, .nlmsg_type = NLMSG_DONE };
	struct ct_rtnl_msg out;

	assert_int_equal(ct_rtnl_decode(&h, &out), CT_RTNL_SKIP);
	h.nlmsg_type = RTM_GETLINK;
	assert_int_equal(ct_rtnl_decode(&h, &out), CT_RTNL_SKIP);
	static const int types[] = { RTM_NEWLINK, RTM_NEWADDR, RTM_NEWROUTE, RTM_NEWRULE,
				     RTM_NEWNEIGH, RTM_NEWNETCONF, RTM_NEWNEIGHTBL,
				     RTM_NEWNSID };
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		struct nlmsghdr *c = cut(&h, NLMSG_HDRLEN);
		c->nlmsg_type = (uint16_t)types[i];
		assert_int_equal(ct_rtnl_decode(c, &out), -EINVAL);
		free(c);
	}
	h.nlmsg_len = 3;
	assert_int_equal(ct_rtnl_decode(&h, &out), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_link),	   cmocka_unit_test(test_link_short_conf),
		cmocka_unit_test(test_link_inet6_conf),
		cmocka_unit_test(test_addr),	   cmocka_unit_test(test_route),
		cmocka_unit_test(test_rule),	   cmocka_unit_test(test_neigh_fdb),
		cmocka_unit_test(test_netconf),	   cmocka_unit_test(test_neightbl),
		cmocka_unit_test(test_nsid),	   cmocka_unit_test(test_other),
	};
	return cmocka_run_group_tests_name("rtnl", tests, NULL, NULL);
}
