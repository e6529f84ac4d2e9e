/* SPDX-License-Identifier: MIT */
/*
 * rtnetlink decoders (contract in model/rtnl.h). Each message type has its
 * own nla_policy, so libnl's parser rejects an attribute shorter than its type
 * (or a string without its NUL) before anything here reads it; addresses,
 * whose size depends on the family in the fixed header, are checked by hand.
 * Signed 32-bit attributes use NLA_U32 in the policies: libnl 3.7 has no
 * minimum length for NLA_S32, so it would let a 2-byte value through.
 * Nothing is read outside [h, h + nlmsg_len): nlmsg_parse checks the fixed
 * header against nlmsg_len, and nested parsing stays inside the parent.
 *
 * Kernel facts used here:
 * - RTM_NEWLINK carries every IPv4 per-device sysctl in IFLA_AF_SPEC ->
 *   AF_INET -> IFLA_INET_CONF, a u32 array indexed by IPV4_DEVCONF_* - 1
 *   (the same values /proc/sys/net/ipv4/conf/DEV shows).
 * - RTM_NEWNEIGHTBL per-device messages carry NDTA_NAME and NDTA_PARMS only
 *   (no NDTA_THRESH*, no NDTA_CONFIG); NDTPA_PROXY_DELAY is in milliseconds,
 *   /proc/sys shows USER_HZ (100 Hz) ticks, so ticks = ms / 10.
 */
#include "model/rtnl.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/fib_rules.h>
#include <linux/if_link.h>
#include <linux/if_tunnel.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/neighbour.h>
#include <linux/net_namespace.h>
#include <linux/netconf.h>
#include <linux/rtnetlink.h>

#include <netlink/attr.h>
#include <netlink/msg.h>

#define USER_HZ_MS 10 /* one USER_HZ tick in milliseconds */

/* ---- readers: the policy has checked the minimum length already ---- */

static uint32_t get_u32(const struct nlattr *a)
{
	uint32_t v;
	memcpy(&v, nla_data(a), sizeof(v));
	return v;
}

static uint64_t get_u64(const struct nlattr *a)
{
	uint64_t v;
	memcpy(&v, nla_data(a), sizeof(v));
	return v;
}

static uint16_t get_u16(const struct nlattr *a)
{
	uint16_t v;
	memcpy(&v, nla_data(a), sizeof(v));
	return v;
}

static uint8_t get_u8(const struct nlattr *a)
{
	return *(const uint8_t *)nla_data(a);
}

static void get_str(const struct nlattr *a, char *dst, size_t size)
{
	if (!a) {
		dst[0] = 0;
		return;
	}
	nla_strlcpy(dst, a, size);
	dst[size - 1] = 0;
}

static int fam_len(uint8_t family)
{
	return family == AF_INET ? 4 : family == AF_INET6 ? 16 : -1;
}

/* An address attribute of the message's family: 0 absent, 1 read, -EINVAL
 * when its size is not the family's (family 0: 4 or 16 bytes decide). */
static int get_ip(const struct nlattr *a, uint8_t family, struct ct_ip *out)
{
	if (!a)
		return 0;
	int len = nla_len(a);
	if (family == 0)
		family = len == 4 ? AF_INET : len == 16 ? AF_INET6 : 0;
	int need = fam_len(family);
	if (need < 0 || len != need)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	out->family = family;
	memcpy(out->a, nla_data(a), (size_t)need);
	return 1;
}

static uint8_t clamp_len(uint8_t len, uint8_t family)
{
	uint8_t max = ct_ip_maxlen(family);
	return len > max ? max : len;
}

static bool is_inet(uint8_t family)
{
	return family == AF_INET || family == AF_INET6;
}

/* nlmsg_parse, with a length check first so that reading the family from the
 * fixed header is safe; 0 or -EINVAL. */
static int parse(const struct nlmsghdr *h, size_t hlen, struct nlattr **tb, int max,
		 const struct nla_policy *pol)
{
	if (h->nlmsg_len < NLMSG_HDRLEN || h->nlmsg_len < NLMSG_LENGTH(hlen))
		return -EINVAL;
	return nlmsg_parse((struct nlmsghdr *)h, (int)hlen, tb, max, (struct nla_policy *)pol) < 0
		       ? -EINVAL
		       : 0;
}

static int parse_nested(struct nlattr **tb, int max, const struct nlattr *a,
			const struct nla_policy *pol)
{
	return nla_parse_nested(tb, max, (struct nlattr *)a, (struct nla_policy *)pol) < 0
		       ? -EINVAL
		       : 0;
}

/* ---- links ---- */

static const struct nla_policy link_pol[IFLA_MAX + 1] = {
	[IFLA_IFNAME] = { .type = NLA_STRING, .maxlen = CT_IFNAMSIZ },
	[IFLA_MTU] = { .type = NLA_U32 },
	[IFLA_OPERSTATE] = { .type = NLA_U8 },
	[IFLA_MASTER] = { .type = NLA_U32 },
	[IFLA_LINK] = { .type = NLA_U32 },
	[IFLA_LINK_NETNSID] = { .type = NLA_U32 },
	[IFLA_STATS] = { .minlen = 8 * sizeof(uint32_t) },
	[IFLA_STATS64] = { .minlen = 8 * sizeof(uint64_t) },
	[IFLA_LINKINFO] = { .type = NLA_NESTED },
	[IFLA_AF_SPEC] = { .type = NLA_NESTED },
};

static const struct nla_policy info_pol[IFLA_INFO_MAX + 1] = {
	[IFLA_INFO_KIND] = { .type = NLA_STRING },
	[IFLA_INFO_DATA] = { .type = NLA_NESTED },
};

static const struct nla_policy vxlan_pol[IFLA_VXLAN_MAX + 1] = {
	[IFLA_VXLAN_ID] = { .type = NLA_U32 },
	[IFLA_VXLAN_PORT] = { .type = NLA_U16 },
	[IFLA_VXLAN_LOCAL] = { .minlen = 4, .maxlen = 4 },
	[IFLA_VXLAN_LOCAL6] = { .minlen = 16, .maxlen = 16 },
	[IFLA_VXLAN_GROUP] = { .minlen = 4, .maxlen = 4 },
	[IFLA_VXLAN_GROUP6] = { .minlen = 16, .maxlen = 16 },
	[IFLA_VXLAN_LINK] = { .type = NLA_U32 },
	[IFLA_VXLAN_LEARNING] = { .type = NLA_U8 },
	[IFLA_VXLAN_TTL] = { .type = NLA_U8 },
};

static const struct nla_policy iptun_pol[IFLA_IPTUN_MAX + 1] = {
	[IFLA_IPTUN_LINK] = { .type = NLA_U32 },
	[IFLA_IPTUN_TTL] = { .type = NLA_U8 },
	[IFLA_IPTUN_PMTUDISC] = { .type = NLA_U8 },
};

static const struct nla_policy inet_pol[IFLA_INET_MAX + 1] = {
	[IFLA_INET_CONF] = { .minlen = 4 },
};

static const struct nla_policy inet6_pol[IFLA_INET6_MAX + 1] = {
	[IFLA_INET6_CONF] = { .minlen = 4 },
};

/* IFLA_INET6_CONF: an s32 array indexed by DEVCONF_* (from 0). A new device's
 * IPv6 netconf row can arrive before its RTM_NEWLINK; the link carries the
 * value itself, so its forwarding is never lost. */
static int link_inet6(struct ct_link *l, const struct nlattr *af)
{
	struct nlattr *tb[IFLA_INET6_MAX + 1];

	if (parse_nested(tb, IFLA_INET6_MAX, af, inet6_pol) < 0)
		return -EINVAL;
	if (!tb[IFLA_INET6_CONF])
		return 0;
	int len = nla_len(tb[IFLA_INET6_CONF]);
	if (len % 4)
		return -EINVAL;
	if ((size_t)len / 4 > DEVCONF_FORWARDING) {
		int32_t v;
		memcpy(&v, (const uint8_t *)nla_data(tb[IFLA_INET6_CONF]) + 4 * DEVCONF_FORWARDING,
		       sizeof(v));
		l->forwarding6 = v;
	}
	return 0;
}

static int link_vxlan(struct ct_link *l, const struct nlattr *data)
{
	struct nlattr *tb[IFLA_VXLAN_MAX + 1];
	struct ct_vxlan_info *x = &l->u.vxlan;

	if (parse_nested(tb, IFLA_VXLAN_MAX, data, vxlan_pol) < 0)
		return -EINVAL;
	if (tb[IFLA_VXLAN_ID])
		x->vni = get_u32(tb[IFLA_VXLAN_ID]);
	if (tb[IFLA_VXLAN_PORT])
		x->port = ntohs(get_u16(tb[IFLA_VXLAN_PORT])); /* network byte order */
	if (get_ip(tb[IFLA_VXLAN_LOCAL], AF_INET, &x->local) == 0)
		get_ip(tb[IFLA_VXLAN_LOCAL6], AF_INET6, &x->local);
	if (get_ip(tb[IFLA_VXLAN_GROUP], AF_INET, &x->group) == 0)
		get_ip(tb[IFLA_VXLAN_GROUP6], AF_INET6, &x->group);
	if (tb[IFLA_VXLAN_LINK])
		x->parent_ifindex = (int)get_u32(tb[IFLA_VXLAN_LINK]);
	if (tb[IFLA_VXLAN_LEARNING])
		x->learning = get_u8(tb[IFLA_VXLAN_LEARNING]) != 0;
	if (tb[IFLA_VXLAN_TTL])
		x->ttl = get_u8(tb[IFLA_VXLAN_TTL]);
	return 0;
}

static bool ip_is_zero(const struct ct_ip *ip)
{
	static const uint8_t zero[16];

	return memcmp(ip->a, zero, sizeof(zero)) == 0;
}

static int link_iptun(struct ct_link *l, const struct nlattr *data)
{
	struct nlattr *tb[IFLA_IPTUN_MAX + 1];
	struct ct_iptun_info *t = &l->u.iptun;

	if (parse_nested(tb, IFLA_IPTUN_MAX, data, iptun_pol) < 0)
		return -EINVAL;
	/* 4 bytes for ipip/sit, 16 for ip6tnl; "any" stays unset */
	if (get_ip(tb[IFLA_IPTUN_LOCAL], 0, &t->local) < 0 ||
	    get_ip(tb[IFLA_IPTUN_REMOTE], 0, &t->remote) < 0)
		return -EINVAL;
	if (ip_is_zero(&t->local))
		memset(&t->local, 0, sizeof(t->local));
	if (ip_is_zero(&t->remote))
		memset(&t->remote, 0, sizeof(t->remote));
	if (tb[IFLA_IPTUN_TTL])
		t->ttl = get_u8(tb[IFLA_IPTUN_TTL]);
	if (tb[IFLA_IPTUN_PMTUDISC])
		t->pmtudisc = get_u8(tb[IFLA_IPTUN_PMTUDISC]) != 0;
	if (tb[IFLA_IPTUN_LINK])
		t->parent_ifindex = (int)get_u32(tb[IFLA_IPTUN_LINK]);
	return 0;
}

static int link_info(struct ct_link *l, const struct nlattr *li)
{
	struct nlattr *tb[IFLA_INFO_MAX + 1];

	if (parse_nested(tb, IFLA_INFO_MAX, li, info_pol) < 0)
		return -EINVAL;
	get_str(tb[IFLA_INFO_KIND], l->kind, sizeof(l->kind));
	if (!tb[IFLA_INFO_DATA])
		return 0;
	if (strcmp(l->kind, "vxlan") == 0)
		return link_vxlan(l, tb[IFLA_INFO_DATA]);
	if (strcmp(l->kind, "ipip") == 0 || strcmp(l->kind, "sit") == 0 ||
	    strcmp(l->kind, "ip6tnl") == 0)
		return link_iptun(l, tb[IFLA_INFO_DATA]);
	return 0;
}

/* IFLA_AF_SPEC: one nested attribute per address family. */
static int link_af_spec(struct ct_link *l, const struct nlattr *spec)
{
	struct nlattr *af;
	int rem;

	nla_for_each_nested(af, (struct nlattr *)spec, rem) {
		struct nlattr *tb[IFLA_INET_MAX + 1];
		if (nla_type(af) == AF_INET6) {
			if (link_inet6(l, af) < 0)
				return -EINVAL;
			continue;
		}
		if (nla_type(af) != AF_INET)
			continue;
		if (parse_nested(tb, IFLA_INET_MAX, af, inet_pol) < 0)
			return -EINVAL;
		if (!tb[IFLA_INET_CONF])
			continue;
		int len = nla_len(tb[IFLA_INET_CONF]);
		if (len % 4)
			return -EINVAL;
		size_t n = (size_t)len / 4;
		const uint8_t *p = nla_data(tb[IFLA_INET_CONF]);
		struct {
			int *field, idx;
		} const map[] = {
			{ &l->forwarding, IPV4_DEVCONF_FORWARDING },
			{ &l->rp_filter, IPV4_DEVCONF_RP_FILTER },
			{ &l->proxy_arp, IPV4_DEVCONF_PROXY_ARP },
			{ &l->route_localnet, IPV4_DEVCONF_ROUTE_LOCALNET },
		};
		for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
			size_t k = (size_t)map[i].idx - 1;
			int32_t v;
			if (k >= n)
				continue;
			memcpy(&v, p + 4 * k, sizeof(v));
			*map[i].field = v;
		}
	}
	return 0;
}

static void link_stats(struct ct_link *l, const struct nlattr *s64, const struct nlattr *s32)
{
	struct ct_stats *s = &l->stats;

	/* both structs start rx/tx packets, bytes, errors, dropped */
	if (s64) {
		uint64_t v[8];
		memcpy(v, nla_data(s64), sizeof(v));
		s->rx_packets = v[0], s->tx_packets = v[1], s->rx_bytes = v[2];
		s->tx_bytes = v[3], s->rx_errors = v[4], s->tx_errors = v[5];
		s->rx_dropped = v[6], s->tx_dropped = v[7];
	} else if (s32) {
		uint32_t v[8];
		memcpy(v, nla_data(s32), sizeof(v));
		s->rx_packets = v[0], s->tx_packets = v[1], s->rx_bytes = v[2];
		s->tx_bytes = v[3], s->rx_errors = v[4], s->tx_errors = v[5];
		s->rx_dropped = v[6], s->tx_dropped = v[7];
	}
}

int ct_rtnl_link(const struct nlmsghdr *h, struct ct_link *out)
{
	struct nlattr *tb[IFLA_MAX + 1];
	struct ifinfomsg ifi;
	struct ct_link l;

	if (h->nlmsg_type != RTM_NEWLINK && h->nlmsg_type != RTM_DELLINK)
		return CT_RTNL_SKIP;
	if (parse(h, sizeof(ifi), tb, IFLA_MAX, link_pol) < 0)
		return -EINVAL;
	memcpy(&ifi, nlmsg_data(h), sizeof(ifi));
	/* a bridge port's own notification (AF_BRIDGE) is not the device */
	if (ifi.ifi_family != AF_UNSPEC)
		return CT_RTNL_SKIP;
	ct_link_init(&l); /* what the message does not carry stays unknown (-1) */
	l.ifindex = ifi.ifi_index;
	l.flags = ifi.ifi_flags;
	get_str(tb[IFLA_IFNAME], l.name, sizeof(l.name));
	if (tb[IFLA_OPERSTATE]) {
		uint8_t op = get_u8(tb[IFLA_OPERSTATE]);
		if (op < CT_OPER__COUNT)
			l.oper = (enum ct_oper)op; /* IF_OPER_* has the same order */
	}
	if (tb[IFLA_MTU])
		l.mtu = get_u32(tb[IFLA_MTU]);
	if (tb[IFLA_ADDRESS] && nla_len(tb[IFLA_ADDRESS]) == 6) {
		memcpy(l.mac, nla_data(tb[IFLA_ADDRESS]), 6);
		l.mac_len = 6;
	}
	if (tb[IFLA_MASTER])
		l.master = (int)get_u32(tb[IFLA_MASTER]);
	if (tb[IFLA_LINK])
		l.link = (int)get_u32(tb[IFLA_LINK]);
	if (tb[IFLA_LINK_NETNSID])
		l.link_netnsid = (int32_t)get_u32(tb[IFLA_LINK_NETNSID]);
	link_stats(&l, tb[IFLA_STATS64], tb[IFLA_STATS]);
	if (tb[IFLA_LINKINFO] && link_info(&l, tb[IFLA_LINKINFO]) < 0)
		return -EINVAL;
	if (tb[IFLA_AF_SPEC] && link_af_spec(&l, tb[IFLA_AF_SPEC]) < 0)
		return -EINVAL;
	*out = l;
	return CT_RTNL_OK;
}

/* ---- addresses ---- */

static const struct nla_policy addr_pol[IFA_MAX + 1] = {
	[IFA_FLAGS] = { .type = NLA_U32 },
	[IFA_LABEL] = { .type = NLA_STRING },
};

int ct_rtnl_addr(const struct nlmsghdr *h, struct ct_addr *out)
{
	struct nlattr *tb[IFA_MAX + 1];
	struct ifaddrmsg ifa;
	struct ct_ip ip, peer;
	int rl, ra;

	if (h->nlmsg_type != RTM_NEWADDR && h->nlmsg_type != RTM_DELADDR)
		return CT_RTNL_SKIP;
	if (parse(h, sizeof(ifa), tb, IFA_MAX, addr_pol) < 0)
		return -EINVAL;
	memcpy(&ifa, nlmsg_data(h), sizeof(ifa));
	if (!is_inet(ifa.ifa_family))
		return CT_RTNL_SKIP;
	/* IFA_LOCAL is this end; IFA_ADDRESS is the peer on point-to-point links */
	rl = get_ip(tb[IFA_LOCAL], ifa.ifa_family, &ip);
	ra = get_ip(tb[IFA_ADDRESS], ifa.ifa_family, &peer);
	if (rl < 0 || ra < 0)
		return -EINVAL;
	if (rl == 0 && ra == 0)
		return CT_RTNL_SKIP;
	memset(out, 0, sizeof(*out));
	out->ifindex = (int)ifa.ifa_index;
	out->pfx.ip = rl ? ip : peer;
	out->pfx.len = clamp_len(ifa.ifa_prefixlen, ifa.ifa_family);
	out->scope = ifa.ifa_scope;
	out->flags = ifa.ifa_flags;
	if (tb[IFA_FLAGS])
		out->flags = get_u32(tb[IFA_FLAGS]);
	return CT_RTNL_OK;
}

/* ---- routes ---- */

static const struct nla_policy route_pol[RTA_MAX + 1] = {
	[RTA_IIF] = { .type = NLA_U32 },
	[RTA_OIF] = { .type = NLA_U32 },
	[RTA_PRIORITY] = { .type = NLA_U32 },
	[RTA_TABLE] = { .type = NLA_U32 },
	[RTA_MARK] = { .type = NLA_U32 },
	[RTA_VIA] = { .minlen = sizeof(uint16_t) },
	[RTA_MULTIPATH] = { .minlen = sizeof(struct rtnexthop) },
};

/* RTA_GATEWAY (same family) or RTA_VIA (struct rtvia: any family). */
static int route_gw(const struct nlattr *gw, const struct nlattr *via, uint8_t family,
		    struct ct_ip *out)
{
	int r = get_ip(gw, family, out);

	if (r != 0 || !via)
		return r < 0 ? -EINVAL : 0;
	const uint8_t *p = nla_data(via);
	uint16_t vf;
	int alen = nla_len(via) - (int)sizeof(uint16_t);
	memcpy(&vf, p, sizeof(vf));
	if ((vf != AF_INET && vf != AF_INET6) || alen != fam_len((uint8_t)vf))
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	out->family = (uint8_t)vf;
	memcpy(out->a, p + sizeof(uint16_t), (size_t)alen);
	return 0;
}

static int route_multipath(struct ct_route *r, const struct nlattr *mp, uint8_t family)
{
	const uint8_t *p = nla_data(mp);
	int rem = nla_len(mp);
	size_t count = 0;
	/* at most one next hop per rtnexthop header that fits */
	struct ct_nexthop *v = calloc((size_t)rem / sizeof(struct rtnexthop) + 1, sizeof(*v));

	if (!v)
		return -ENOMEM;
	while (rem >= (int)sizeof(struct rtnexthop)) {
		struct nlattr *tb[RTA_MAX + 1];
		struct rtnexthop nh;
		struct ct_nexthop *x;

		memcpy(&nh, p, sizeof(nh));
		if (nh.rtnh_len < sizeof(nh) || nh.rtnh_len > rem || count == UINT16_MAX)
			goto bad;
		x = &v[count++];
		x->oif = nh.rtnh_ifindex;
		x->flags = nh.rtnh_flags;
		x->weight = nh.rtnh_hops == UINT8_MAX ? UINT8_MAX : (uint8_t)(nh.rtnh_hops + 1);
		int alen = (int)nh.rtnh_len - (int)RTNH_LENGTH(0);
		if (alen > 0) {
			if (nla_parse(tb, RTA_MAX, (struct nlattr *)(p + RTNH_LENGTH(0)), alen,
				      (struct nla_policy *)route_pol) < 0 ||
			    route_gw(tb[RTA_GATEWAY], tb[RTA_VIA], family, &x->gw) < 0)
				goto bad;
		}
		int step = (int)RTNH_ALIGN(nh.rtnh_len);
		if (step >= rem)
			break;
		p += step;
		rem -= step;
	}
	if (count == 0)
		goto bad;
	/* a single path written as multipath is kept inline */
	int rc = ct_route_set_nexthops(r, v, count);
	free(v);
	return rc;
bad:
	free(v);
	return -EINVAL;
}

static int route_decode(const struct nlmsghdr *h, struct ct_route *out, bool keep_cloned)
{
	struct nlattr *tb[RTA_MAX + 1];
	struct ct_route r;
	struct rtmsg rtm;

	if (h->nlmsg_type != RTM_NEWROUTE && h->nlmsg_type != RTM_DELROUTE)
		return CT_RTNL_SKIP;
	if (parse(h, sizeof(rtm), tb, RTA_MAX, route_pol) < 0)
		return -EINVAL;
	memcpy(&rtm, nlmsg_data(h), sizeof(rtm));
	if (!is_inet(rtm.rtm_family) || (!keep_cloned && (rtm.rtm_flags & RTM_F_CLONED)))
		return CT_RTNL_SKIP;
	memset(&r, 0, sizeof(r));
	r.dst.ip.family = rtm.rtm_family;
	if (get_ip(tb[RTA_DST], rtm.rtm_family, &r.dst.ip) < 0 ||
	    get_ip(tb[RTA_PREFSRC], rtm.rtm_family, &r.src) < 0)
		return -EINVAL;
	r.dst.len = clamp_len(rtm.rtm_dst_len, rtm.rtm_family);
	r.table = rtm.rtm_table;
	if (tb[RTA_TABLE])
		r.table = get_u32(tb[RTA_TABLE]);
	if (tb[RTA_PRIORITY])
		r.priority = get_u32(tb[RTA_PRIORITY]);
	r.flags = rtm.rtm_flags;
	r.protocol = rtm.rtm_protocol;
	r.scope = rtm.rtm_scope;
	r.type = rtm.rtm_type;
	r.tos = rtm.rtm_tos;
	if (route_gw(tb[RTA_GATEWAY], tb[RTA_VIA], rtm.rtm_family, &r.gw) < 0)
		return -EINVAL;
	if (tb[RTA_OIF])
		r.oif = (int)get_u32(tb[RTA_OIF]);
	if (tb[RTA_MULTIPATH]) {
		int rc = route_multipath(&r, tb[RTA_MULTIPATH], rtm.rtm_family);
		if (rc < 0)
			return rc;
	}
	*out = r;
	return CT_RTNL_OK;
}

int ct_rtnl_route(const struct nlmsghdr *h, struct ct_route *out)
{
	return route_decode(h, out, false);
}

int ct_rtnl_route_reply(const struct nlmsghdr *h, struct ct_route *out)
{
	return route_decode(h, out, true);
}

/* ---- rules ---- */

static const struct nla_policy rule_pol[FRA_MAX + 1] = {
	[FRA_TABLE] = { .type = NLA_U32 },
	[FRA_PRIORITY] = { .type = NLA_U32 },
	[FRA_FWMARK] = { .type = NLA_U32 },
	[FRA_FWMASK] = { .type = NLA_U32 },
	[FRA_IIFNAME] = { .type = NLA_STRING },
	[FRA_OIFNAME] = { .type = NLA_STRING },
};

int ct_rtnl_rule(const struct nlmsghdr *h, struct ct_rule *out)
{
	struct nlattr *tb[FRA_MAX + 1];
	struct fib_rule_hdr frh;
	struct ct_rule ru;
	int rs, rd;

	if (h->nlmsg_type != RTM_NEWRULE && h->nlmsg_type != RTM_DELRULE)
		return CT_RTNL_SKIP;
	if (parse(h, sizeof(frh), tb, FRA_MAX, rule_pol) < 0)
		return -EINVAL;
	memcpy(&frh, nlmsg_data(h), sizeof(frh));
	if (!is_inet(frh.family))
		return CT_RTNL_SKIP;
	memset(&ru, 0, sizeof(ru));
	ru.family = frh.family;
	ru.action = frh.action;
	ru.flags = frh.flags;
	ru.table = frh.table;
	if (tb[FRA_TABLE])
		ru.table = get_u32(tb[FRA_TABLE]);
	if (tb[FRA_PRIORITY])
		ru.priority = get_u32(tb[FRA_PRIORITY]);
	if (tb[FRA_FWMARK]) {
		ru.fwmark = get_u32(tb[FRA_FWMARK]);
		ru.has_fwmark = true;
	}
	if (tb[FRA_FWMASK]) {
		ru.fwmask = get_u32(tb[FRA_FWMASK]);
		ru.has_fwmark = true;
	}
	rs = get_ip(tb[FRA_SRC], frh.family, &ru.src.ip);
	rd = get_ip(tb[FRA_DST], frh.family, &ru.dst.ip);
	if (rs < 0 || rd < 0)
		return -EINVAL;
	if (rs)
		ru.src.len = frh.src_len > ct_ip_maxlen(frh.family) ? 0 : frh.src_len;
	if (rd)
		ru.dst.len = frh.dst_len > ct_ip_maxlen(frh.family) ? 0 : frh.dst_len;
	get_str(tb[FRA_IIFNAME], ru.iifname, sizeof(ru.iifname));
	get_str(tb[FRA_OIFNAME], ru.oifname, sizeof(ru.oifname));
	*out = ru;
	return CT_RTNL_OK;
}

/* ---- neighbours and FDB ---- */

static const struct nla_policy neigh_pol[NDA_MAX + 1] = {
	[NDA_VNI] = { .type = NLA_U32 },
	[NDA_MASTER] = { .type = NLA_U32 },
	[NDA_IFINDEX] = { .type = NLA_U32 },
	[NDA_PORT] = { .type = NLA_U16 },
};

int ct_rtnl_neigh(const struct nlmsghdr *h, struct ct_neigh *out)
{
	struct nlattr *tb[NDA_MAX + 1];
	struct ndmsg ndm;
	struct ct_neigh n;

	if (h->nlmsg_type != RTM_NEWNEIGH && h->nlmsg_type != RTM_DELNEIGH)
		return CT_RTNL_SKIP;
	if (parse(h, sizeof(ndm), tb, NDA_MAX, neigh_pol) < 0)
		return -EINVAL;
	memcpy(&ndm, nlmsg_data(h), sizeof(ndm));
	if (!is_inet(ndm.ndm_family))
		return CT_RTNL_SKIP;
	memset(&n, 0, sizeof(n));
	n.ifindex = ndm.ndm_ifindex;
	if (get_ip(tb[NDA_DST], ndm.ndm_family, &n.dst) < 0)
		return -EINVAL;
	/* longer hardware addresses (ip6tnl's 16 bytes) are not kept; a TUN's
	 * 0-byte address stays unset */
	if (tb[NDA_LLADDR] && nla_len(tb[NDA_LLADDR]) > 0 &&
	    nla_len(tb[NDA_LLADDR]) <= (int)sizeof(n.lladdr)) {
		n.lladdr_len = (uint8_t)nla_len(tb[NDA_LLADDR]);
		memcpy(n.lladdr, nla_data(tb[NDA_LLADDR]), n.lladdr_len);
	}
	n.state = ndm.ndm_state;
	n.flags = ndm.ndm_flags;
	*out = n;
	return CT_RTNL_OK;
}

int ct_rtnl_fdb(const struct nlmsghdr *h, struct ct_fdb *out)
{
	struct nlattr *tb[NDA_MAX + 1];
	struct ndmsg ndm;
	struct ct_fdb f;

	if (h->nlmsg_type != RTM_NEWNEIGH && h->nlmsg_type != RTM_DELNEIGH)
		return CT_RTNL_SKIP;
	if (parse(h, sizeof(ndm), tb, NDA_MAX, neigh_pol) < 0)
		return -EINVAL;
	memcpy(&ndm, nlmsg_data(h), sizeof(ndm));
	if (ndm.ndm_family != AF_BRIDGE || !tb[NDA_LLADDR] || nla_len(tb[NDA_LLADDR]) != 6)
		return CT_RTNL_SKIP;
	memset(&f, 0, sizeof(f));
	f.ifindex = ndm.ndm_ifindex;
	memcpy(f.mac, nla_data(tb[NDA_LLADDR]), 6);
	if (get_ip(tb[NDA_DST], 0, &f.dst) < 0)
		return -EINVAL;
	if (tb[NDA_VNI])
		f.vni = get_u32(tb[NDA_VNI]);
	if (tb[NDA_MASTER])
		f.master = (int)get_u32(tb[NDA_MASTER]);
	f.state = ndm.ndm_state;
	f.flags = ndm.ndm_flags;
	*out = f;
	return CT_RTNL_OK;
}

/* ---- netconf ---- */

static const struct nla_policy netconf_pol[NETCONFA_MAX + 1] = {
	[NETCONFA_IFINDEX] = { .type = NLA_U32 },
	[NETCONFA_FORWARDING] = { .type = NLA_U32 },
	[NETCONFA_RP_FILTER] = { .type = NLA_U32 },
	[NETCONFA_MC_FORWARDING] = { .type = NLA_U32 },
	[NETCONFA_PROXY_NEIGH] = { .type = NLA_U32 },
	[NETCONFA_IGNORE_ROUTES_WITH_LINKDOWN] = { .type = NLA_U32 },
};

int ct_rtnl_netconf(const struct nlmsghdr *h, struct ct_netconf *out)
{
	struct nlattr *tb[NETCONFA_MAX + 1];
	struct netconfmsg ncm;
	struct ct_netconf c;

	if (h->nlmsg_type != RTM_NEWNETCONF && h->nlmsg_type != RTM_DELNETCONF)
		return CT_RTNL_SKIP;
	if (parse(h, sizeof(ncm), tb, NETCONFA_MAX, netconf_pol) < 0)
		return -EINVAL;
	memcpy(&ncm, nlmsg_data(h), sizeof(ncm));
	if (!is_inet(ncm.ncm_family) || !tb[NETCONFA_IFINDEX])
		return CT_RTNL_SKIP;
	c.family = ncm.ncm_family;
	c.ifindex = (int32_t)get_u32(tb[NETCONFA_IFINDEX]);
	struct {
		int *field, type;
	} const map[] = {
		{ &c.forwarding, NETCONFA_FORWARDING },
		{ &c.rp_filter, NETCONFA_RP_FILTER },
		{ &c.proxy_neigh, NETCONFA_PROXY_NEIGH },
		{ &c.mc_forwarding, NETCONFA_MC_FORWARDING },
		{ &c.ignore_linkdown, NETCONFA_IGNORE_ROUTES_WITH_LINKDOWN },
	};
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		*map[i].field = tb[map[i].type] ? (int32_t)get_u32(tb[map[i].type]) : -1;
	*out = c;
	return CT_RTNL_OK;
}

/* ---- neighbour tables ---- */

static const struct nla_policy ndt_pol[NDTA_MAX + 1] = {
	[NDTA_NAME] = { .type = NLA_STRING },
	[NDTA_THRESH1] = { .type = NLA_U32 },
	[NDTA_THRESH2] = { .type = NLA_U32 },
	[NDTA_THRESH3] = { .type = NLA_U32 },
	[NDTA_CONFIG] = { .minlen = sizeof(struct ndt_config) },
	[NDTA_PARMS] = { .type = NLA_NESTED },
	[NDTA_GC_INTERVAL] = { .type = NLA_U64 },
};

static const struct nla_policy ndtp_pol[NDTPA_MAX + 1] = {
	[NDTPA_IFINDEX] = { .type = NLA_U32 },
	[NDTPA_PROXY_DELAY] = { .type = NLA_U64 },
};

int ct_rtnl_neightbl(const struct nlmsghdr *h, struct ct_neightbl *tbl,
		     struct ct_neigh_parms *parms, bool *is_parms)
{
	struct nlattr *tb[NDTA_MAX + 1];
	struct ndtmsg ndtm;

	if (h->nlmsg_type != RTM_NEWNEIGHTBL)
		return CT_RTNL_SKIP;
	if (parse(h, sizeof(ndtm), tb, NDTA_MAX, ndt_pol) < 0)
		return -EINVAL;
	memcpy(&ndtm, nlmsg_data(h), sizeof(ndtm));
	if (!is_inet(ndtm.ndtm_family))
		return CT_RTNL_SKIP;
	if (tb[NDTA_THRESH1] || tb[NDTA_CONFIG]) {
		struct ct_neightbl t;
		struct ndt_config cfg;
		memset(&t, 0, sizeof(t));
		get_str(tb[NDTA_NAME], t.name, sizeof(t.name));
		t.family = ndtm.ndtm_family;
		if (tb[NDTA_THRESH1])
			t.gc_thresh1 = get_u32(tb[NDTA_THRESH1]);
		if (tb[NDTA_THRESH2])
			t.gc_thresh2 = get_u32(tb[NDTA_THRESH2]);
		if (tb[NDTA_THRESH3])
			t.gc_thresh3 = get_u32(tb[NDTA_THRESH3]);
		if (tb[NDTA_CONFIG]) {
			memcpy(&cfg, nla_data(tb[NDTA_CONFIG]), sizeof(cfg));
			t.entries = cfg.ndtc_entries;
		}
		if (tb[NDTA_PARMS]) { /* validated, not kept */
			struct nlattr *pt[NDTPA_MAX + 1];
			if (parse_nested(pt, NDTPA_MAX, tb[NDTA_PARMS], ndtp_pol) < 0)
				return -EINVAL;
		}
		*tbl = t;
		*is_parms = false;
		return CT_RTNL_OK;
	}
	/* a device's parameters */
	struct nlattr *pt[NDTPA_MAX + 1];
	if (!tb[NDTA_PARMS])
		return CT_RTNL_SKIP;
	if (parse_nested(pt, NDTPA_MAX, tb[NDTA_PARMS], ndtp_pol) < 0)
		return -EINVAL;
	parms->family = ndtm.ndtm_family;
	parms->ifindex = pt[NDTPA_IFINDEX] ? (int)get_u32(pt[NDTPA_IFINDEX]) : 0;
	parms->proxy_delay = -1;
	if (pt[NDTPA_PROXY_DELAY]) {
		uint64_t ms = get_u64(pt[NDTPA_PROXY_DELAY]);
		uint64_t ticks = ms / USER_HZ_MS;
		parms->proxy_delay = ticks > INT32_MAX ? INT32_MAX : (int)ticks;
	}
	*is_parms = true;
	return CT_RTNL_OK;
}

/* ---- namespace ids ---- */

static const struct nla_policy nsid_pol[NETNSA_MAX + 1] = {
	[NETNSA_NSID] = { .type = NLA_U32 },
};

static int nsid_decode(const struct nlmsghdr *h, int *nsid)
{
	struct nlattr *tb[NETNSA_MAX + 1];

	if (parse(h, sizeof(struct rtgenmsg), tb, NETNSA_MAX, nsid_pol) < 0)
		return -EINVAL;
	if (!tb[NETNSA_NSID])
		return CT_RTNL_SKIP;
	*nsid = (int32_t)get_u32(tb[NETNSA_NSID]);
	return CT_RTNL_OK;
}

/* ---- any message ---- */

int ct_rtnl_decode(const struct nlmsghdr *h, struct ct_rtnl_msg *out)
{
	int r;

	memset(out, 0, sizeof(*out));
	if (h->nlmsg_len < NLMSG_HDRLEN)
		return -EINVAL;
	switch (h->nlmsg_type) {
	case RTM_NEWLINK:
	case RTM_DELLINK:
		out->kind = CT_RTNL_LINK;
		r = ct_rtnl_link(h, &out->u.link);
		break;
	case RTM_NEWADDR:
	case RTM_DELADDR:
		out->kind = CT_RTNL_ADDR;
		r = ct_rtnl_addr(h, &out->u.addr);
		break;
	case RTM_NEWROUTE:
	case RTM_DELROUTE:
		out->kind = CT_RTNL_ROUTE;
		r = ct_rtnl_route(h, &out->u.route);
		break;
	case RTM_NEWRULE:
	case RTM_DELRULE:
		out->kind = CT_RTNL_RULE;
		r = ct_rtnl_rule(h, &out->u.rule);
		break;
	case RTM_NEWNEIGH:
	case RTM_DELNEIGH: {
		struct ndmsg ndm;
		if (h->nlmsg_len < NLMSG_LENGTH(sizeof(ndm)))
			return -EINVAL;
		memcpy(&ndm, nlmsg_data(h), sizeof(ndm));
		if (ndm.ndm_family == AF_BRIDGE) {
			out->kind = CT_RTNL_FDB;
			r = ct_rtnl_fdb(h, &out->u.fdb);
		} else {
			out->kind = CT_RTNL_NEIGH;
			r = ct_rtnl_neigh(h, &out->u.neigh);
		}
		break;
	}
	case RTM_NEWNETCONF:
	case RTM_DELNETCONF:
		out->kind = CT_RTNL_NETCONF;
		r = ct_rtnl_netconf(h, &out->u.netconf);
		break;
	case RTM_NEWNEIGHTBL: {
		bool is_parms = false;
		r = ct_rtnl_neightbl(h, &out->u.neightbl, &out->u.parms, &is_parms);
		out->kind = is_parms ? CT_RTNL_NEIGHPARMS : CT_RTNL_NEIGHTBL;
		break;
	}
	case RTM_NEWNSID:
	case RTM_DELNSID:
		out->kind = CT_RTNL_NSID;
		r = nsid_decode(h, &out->u.nsid);
		break;
	default:
		r = CT_RTNL_SKIP;
		break;
	}
	if (r != CT_RTNL_OK) {
		memset(out, 0, sizeof(*out));
		return r;
	}
	out->del = h->nlmsg_type == RTM_DELLINK || h->nlmsg_type == RTM_DELADDR ||
		   h->nlmsg_type == RTM_DELROUTE || h->nlmsg_type == RTM_DELRULE ||
		   h->nlmsg_type == RTM_DELNEIGH || h->nlmsg_type == RTM_DELNETCONF ||
		   h->nlmsg_type == RTM_DELNSID;
	/* NLM_F_REPLACE / NLM_F_CREATE / NLM_F_APPEND of an event: how a route joins its table */
	out->nlflags = h->nlmsg_flags;
	return CT_RTNL_OK;
}

void ct_rtnl_msg_clear(struct ct_rtnl_msg *m)
{
	if (m->kind == CT_RTNL_ROUTE)
		ct_route_clear(&m->u.route);
	memset(m, 0, sizeof(*m));
}
