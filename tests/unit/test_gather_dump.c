/* SPDX-License-Identifier: MIT */
/*
 * probes/gather.c's route dump handler (ct_route_dump_msg) fed synthetic
 * RTM_NEWROUTE sequences built here with libnl, as the kernel sends them in an
 * IPv6 dump that restarted its walk: a route that comes twice in one dump is
 * not kept twice and marks the dump repeated (ct_gather then retries it like
 * NLM_F_DUMP_INTR). The oracle is the sequence itself: which messages repeat
 * an earlier one is known by construction. Routes the kernel holds side by side
 * (fe80::/64 on several devices, the same prefix in two tables, with two metrics,
 * from two sources, appended with another gateway) must not count as repeats.
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
#include <sys/socket.h>

#include <linux/rtnetlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>

#include "probes/gather.h"

struct rt {
	const char *dst; /* "addr/len" */
	const char *src; /* RTA_SRC "addr/len" or NULL */
	uint32_t table, metric;
	uint8_t type;
	int oif;
	const char *gw;
	/* multipath: up to 3 next hops (oif, gateway); n_nh 0 = single path */
	int n_nh;
	int nh_oif[3];
	const char *nh_gw[3];
	uint8_t family; /* 0: AF_INET6 */
};

static void put_prefix(struct nl_msg *m, int attr, const char *p, uint8_t family,
		       unsigned char *len)
{
	char a[64];
	unsigned char buf[16];
	const char *slash = strchr(p, '/');
	assert_non_null(slash);
	snprintf(a, sizeof(a), "%.*s", (int)(slash - p), p);
	assert_int_equal(inet_pton(family, a, buf), 1);
	*len = (unsigned char)atoi(slash + 1);
	assert_int_equal(nla_put(m, attr, family == AF_INET6 ? 16 : 4, buf), 0);
}

static struct nl_msg *msg_of(const struct rt *r)
{
	uint8_t fam = r->family ? r->family : AF_INET6;
	size_t alen = fam == AF_INET6 ? 16 : 4;
	struct nl_msg *m = nlmsg_alloc_simple(RTM_NEWROUTE, NLM_F_MULTI);
	assert_non_null(m);
	struct rtmsg rtm = { .rtm_family = fam, .rtm_table = RT_TABLE_UNSPEC,
			     .rtm_protocol = RTPROT_STATIC, .rtm_scope = RT_SCOPE_UNIVERSE,
			     .rtm_type = r->type ? r->type : RTN_UNICAST };
	struct rtmsg *hdr = nlmsg_reserve(m, sizeof(rtm), NLMSG_ALIGNTO);
	assert_non_null(hdr);
	unsigned char dl = 0, sl = 0;
	put_prefix(m, RTA_DST, r->dst, fam, &dl);
	if (r->src)
		put_prefix(m, RTA_SRC, r->src, fam, &sl);
	rtm.rtm_dst_len = dl;
	rtm.rtm_src_len = sl;
	memcpy(hdr, &rtm, sizeof(rtm));
	assert_int_equal(nla_put_u32(m, RTA_TABLE, r->table), 0);
	assert_int_equal(nla_put_u32(m, RTA_PRIORITY, r->metric), 0);
	unsigned char gw[16];
	if (!r->n_nh) {
		if (r->oif)
			assert_int_equal(nla_put_u32(m, RTA_OIF, (uint32_t)r->oif), 0);
		if (r->gw) {
			assert_int_equal(inet_pton(fam, r->gw, gw), 1);
			assert_int_equal(nla_put(m, RTA_GATEWAY, (int)alen, gw), 0);
		}
	} else {
		/* RTA_MULTIPATH: rtnexthop + RTA_GATEWAY each, built by hand */
		unsigned char mp[3 * 64];
		size_t o = 0;
		for (int i = 0; i < r->n_nh; i++) {
			struct rtnexthop nh = { .rtnh_ifindex = r->nh_oif[i] };
			size_t start = o;
			o += RTNH_ALIGN(sizeof(nh));
			struct rtattr a = { .rta_type = RTA_GATEWAY,
					    .rta_len = (unsigned short)RTA_LENGTH(alen) };
			memcpy(mp + o, &a, sizeof(a));
			assert_int_equal(inet_pton(fam, r->nh_gw[i], gw), 1);
			memcpy(mp + o + RTA_LENGTH(0), gw, alen);
			o += RTA_SPACE(alen);
			nh.rtnh_len = (unsigned short)(o - start);
			memcpy(mp + start, &nh, sizeof(nh));
		}
		assert_int_equal(nla_put(m, RTA_MULTIPATH, (int)o, mp), 0);
	}
	return m;
}

/* Feeds the routes in order; returns how many of them the handler kept. */
static size_t feed(struct ct_route_dump *d, const struct rt *v, size_t n)
{
	size_t before = d->ns->routes.n;
	for (size_t i = 0; i < n; i++) {
		struct nl_msg *m = msg_of(&v[i]);
		assert_int_equal(ct_route_dump_msg(nlmsg_hdr(m), d), 0);
		nlmsg_free(m);
	}
	return d->ns->routes.n - before;
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* What the kernel holds side by side: none of these repeats another. */
static const struct rt distinct[] = {
	{ .dst = "fe80::/64", .table = 254, .metric = 256, .oif = 2 },
	{ .dst = "fe80::/64", .table = 254, .metric = 256, .oif = 3 },
	{ .dst = "fe80::/64", .table = 254, .metric = 256, .oif = 4 },
	{ .dst = "2001:db8::/64", .table = 254, .metric = 1024, .oif = 2 },
	{ .dst = "2001:db8::/64", .table = 100, .metric = 1024, .oif = 2 },
	{ .dst = "2001:db8::/64", .table = 254, .metric = 1025, .oif = 2 },
	{ .dst = "2001:db8::/64", .src = "2001:db8:1::/48", .table = 254, .metric = 1024, .oif = 2 },
	{ .dst = "2001:db8::/64", .src = "2001:db8:2::/48", .table = 254, .metric = 1024, .oif = 2 },
	{ .dst = "2001:db8::/64", .table = 254, .metric = 1024, .oif = 2, .gw = "fe80::1" },
	{ .dst = "2001:db8::/64", .table = 254, .metric = 1024, .oif = 2, .gw = "fe80::2" },
	{ .dst = "2001:db8::/63", .table = 254, .metric = 1024, .oif = 2 },
	{ .dst = "2001:db8::/64", .table = 254, .metric = 1024, .type = RTN_BLACKHOLE },
	{ .dst = "::/0", .table = 254, .metric = 1024, .n_nh = 2, .nh_oif = { 2, 3 },
	  .nh_gw = { "fe80::1", "fe80::2" } },
	{ .dst = "::/0", .table = 254, .metric = 1024, .n_nh = 2, .nh_oif = { 2, 3 },
	  .nh_gw = { "fe80::1", "fe80::3" } },
	{ .dst = "::/0", .table = 254, .metric = 1024, .n_nh = 3, .nh_oif = { 2, 3, 4 },
	  .nh_gw = { "fe80::1", "fe80::2", "fe80::4" } },
};

static void test_distinct_routes_kept(void **state)
{
	(void)state;
	struct ct_netns ns;
	struct ct_route_dump d;
	ct_netns_init(&ns);
	ct_route_dump_init(&d, &ns, AF_INET6, true);
	assert_int_equal(feed(&d, distinct, N(distinct)), N(distinct));
	assert_false(d.repeated);
	assert_int_equal(d.n_repeats, 0);
	ct_route_dump_free(&d);
	ct_netns_free(&ns);
}

/* The kernel's restarted walk: rows 0..k-1, then again from row j < k. */
static void test_restart_repeats(void **state)
{
	(void)state;
	for (size_t k = 1; k <= N(distinct); k++) {
		for (size_t j = 0; j < k; j++) {
			struct rt seq[2 * N(distinct)];
			size_t n = 0;
			for (size_t i = 0; i < k; i++)
				seq[n++] = distinct[i];
			for (size_t i = j; i < N(distinct); i++)
				seq[n++] = distinct[i];
			struct ct_netns ns;
			struct ct_route_dump d;
			ct_netns_init(&ns);
			ct_route_dump_init(&d, &ns, AF_INET6, true);
			/* every route once, the repeats not kept */
			assert_int_equal(feed(&d, seq, n), N(distinct));
			assert_true(d.repeated);
			assert_int_equal(d.n_repeats, k - j);
			/* a retry starts over: the same rows are new again */
			ct_netns_truncate_routes(&ns, 0);
			ct_route_dump_restart(&d);
			assert_false(d.repeated);
			assert_int_equal(feed(&d, distinct, N(distinct)), N(distinct));
			assert_false(d.repeated);
			ct_route_dump_free(&d);
			ct_netns_free(&ns);
		}
	}
}

/* A multipath route is one message: its repeat is the same message again. */
static void test_multipath_repeat(void **state)
{
	(void)state;
	const struct rt mp = { .dst = "2001:db8:5::/64", .table = 254, .metric = 1024, .n_nh = 2,
			       .nh_oif = { 2, 3 }, .nh_gw = { "fe80::1", "fe80::2" } };
	const struct rt seq[] = { mp, distinct[0], mp };
	struct ct_netns ns;
	struct ct_route_dump d;
	ct_netns_init(&ns);
	ct_route_dump_init(&d, &ns, AF_INET6, true);
	assert_int_equal(feed(&d, seq, N(seq)), 2);
	assert_true(d.repeated);
	assert_int_equal(d.n_repeats, 1);
	assert_int_equal(ns.routes.v[0].nh_count, 2);
	ct_route_dump_free(&d);
	ct_netns_free(&ns);
}

/* Keys off (IPv4 dumps): nothing is checked, everything kept as before. */
static void test_keys_off(void **state)
{
	(void)state;
	const struct rt v4 = { .dst = "10.0.0.0/24", .table = 254, .metric = 0, .oif = 2,
			       .family = AF_INET };
	const struct rt seq[] = { v4, v4 };
	struct ct_netns ns;
	struct ct_route_dump d;
	ct_netns_init(&ns);
	ct_route_dump_init(&d, &ns, AF_INET, false);
	assert_int_equal(feed(&d, seq, N(seq)), 2);
	assert_false(d.repeated);
	/* the family filter: an IPv6 message in an IPv4 dump is not kept */
	assert_int_equal(feed(&d, distinct, 1), 0);
	ct_route_dump_free(&d);
	ct_netns_free(&ns);
}

/* Many routes (the key set grows and rehashes), each repeated once at the end. */
static void test_many(void **state)
{
	(void)state;
	enum { M = 5000 };
	struct ct_netns ns;
	struct ct_route_dump d;
	ct_netns_init(&ns);
	ct_route_dump_init(&d, &ns, AF_INET6, true);
	char dst[64];
	struct rt r = { .dst = dst, .table = 254, .metric = 1024, .oif = 2 };
	for (int pass = 0; pass < 2; pass++) {
		for (int i = 0; i < M; i++) {
			snprintf(dst, sizeof(dst), "2001:db8:%x:%x::/64", i >> 8, i & 0xff);
			r.metric = 1024 + (uint32_t)(i % 3);
			size_t kept = feed(&d, &r, 1);
			assert_int_equal(kept, pass == 0 ? 1 : 0);
		}
		assert_int_equal(d.repeated, pass == 1);
	}
	assert_int_equal(ns.routes.n, M);
	assert_int_equal(d.n_repeats, M);
	/* the keys spread over the table: addresses that differ only in their high
	 * bytes once all hashed to one run of slots (quadratic work) */
	if (d.probes > 4 * 2 * (size_t)M)
		fail_msg("%zu slots looked at for %d lookups", d.probes, 2 * M);
	ct_route_dump_free(&d);
	ct_netns_free(&ns);
}

/* Source-specific routes: the source prefix (RTA_SRC, not in the model) is part
 * of the key, and a repeat of one is still found once the key table has grown. */
static void test_source_prefixes(void **state)
{
	(void)state;
	enum { M = 3000 };
	struct ct_netns ns;
	struct ct_route_dump d;
	char src[64];
	struct rt r = { .dst = "2001:db8:1::/64", .src = src, .table = 254, .metric = 1024,
			.oif = 2 };
	ct_netns_init(&ns);
	ct_route_dump_init(&d, &ns, AF_INET6, true);
	for (int i = 0; i < M; i++) {
		snprintf(src, sizeof(src), "2001:db8:%x::/48", 0x100 + i);
		assert_int_equal(feed(&d, &r, 1), 1);
	}
	assert_false(d.repeated);
	r.src = NULL; /* no source: another route still */
	assert_int_equal(feed(&d, &r, 1), 1);
	r.src = src;
	snprintf(src, sizeof(src), "2001:db8:%x::/48", 0x100 + 7);
	assert_int_equal(feed(&d, &r, 1), 0);
	snprintf(src, sizeof(src), "2001:db8:%x::/56", 0x100 + 7); /* another length */
	assert_int_equal(feed(&d, &r, 1), 1);
	assert_true(d.repeated);
	assert_int_equal(d.n_repeats, 1);
	assert_int_equal(ns.routes.n, M + 2);
	ct_route_dump_free(&d);
	ct_netns_free(&ns);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_distinct_routes_kept),
		cmocka_unit_test(test_restart_repeats),
		cmocka_unit_test(test_multipath_repeat),
		cmocka_unit_test(test_keys_off),
		cmocka_unit_test(test_many),
		cmocka_unit_test(test_source_prefixes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
