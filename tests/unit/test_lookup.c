/* SPDX-License-Identifier: MIT */
/* Unit tests for the model's route lookup (model/lookup.c) on hand-made
 * namespaces. The expected answers are the kernel's, derived by hand from
 * fib_rules_lookup, fib_table_lookup and ip_route_input_slow (Linux 6.18) and
 * checked against the kernel itself by tests/integration/lab-lookup.sh for
 * the same kinds of tables; they are not copies of this module's output. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <linux/fib_rules.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "model/lookup.h"
#include "model/model.h"

#include "nsbuild.h"

static struct ct_rule *add_rule(struct ct_netns *ns, uint8_t family, uint32_t prio,
				uint8_t action, uint32_t table)
{
	struct ct_rule *ru = ct_push_rule(ns);
	assert_non_null(ru);
	ru->family = family;
	ru->priority = prio;
	ru->action = action;
	ru->table = table;
	return ru;
}

/* The node every test starts from: eth0 10.0.0.1/24 (default via 10.0.0.254), eth1
 * 10.1.0.1/24, cali (no address, a pod 10.65.0.5/32 behind it, rp_filter 1), nofwd
 * (forwarding 0), IPv6 fd00::1/64 on eth0. No rules: the kernel's defaults apply. */
static void node(struct ct_netns *ns)
{
	ct_netns_init(ns);
	add_link(ns, LO, "lo", true, 1, 0);
	add_link(ns, ETH0, "eth0", true, 1, 0);
	add_link(ns, ETH1, "eth1", true, 1, 0);
	add_link(ns, CALI, "cali1234", true, 1, 1);
	add_link(ns, NOFWD, "nofwd", true, 0, 0);
	add_addr(ns, LO, "127.0.0.1/8");
	add_addr(ns, ETH0, "10.0.0.1/24");
	add_addr(ns, ETH1, "10.1.0.1/24");
	add_addr(ns, ETH0, "fd00::1/64");
	add_route(ns, RTN_UNICAST, "0.0.0.0/0", "10.0.0.254", ETH0, RT_TABLE_MAIN, 0);
	add_route(ns, RTN_UNICAST, "10.0.0.0/24", NULL, ETH0, RT_TABLE_MAIN, 0);
	add_route(ns, RTN_UNICAST, "10.1.0.0/24", NULL, ETH1, RT_TABLE_MAIN, 0);
	add_route(ns, RTN_UNICAST, "10.65.0.5/32", NULL, CALI, RT_TABLE_MAIN, 0);
	add_route(ns, RTN_LOCAL, "10.0.0.1/32", NULL, ETH0, RT_TABLE_LOCAL, 0);
	add_route(ns, RTN_LOCAL, "127.0.0.0/8", NULL, LO, RT_TABLE_LOCAL, 0);
	add_route(ns, RTN_UNICAST, "fd00::/64", NULL, ETH0, RT_TABLE_MAIN, 256);
	add_route(ns, RTN_UNICAST, "::/0", "fd00::fe", ETH0, RT_TABLE_MAIN, 1024);
}

static void done(struct ct_netns *ns)
{
	assert_int_equal(ct_netns_index(ns), 0);
}

/* Runs a lookup: "DST", optional "SRC" (NULL none), iif, mark. */
static struct ct_lookup_result look(const struct ct_netns *ns, const char *dst, const char *src,
				   int iif, uint32_t mark)
{
	struct ct_lookup_query q = { .iif = iif, .fwmark = mark };
	struct ct_lookup_result res;

	ip_(&q.dst, dst);
	if (src)
		ip_(&q.src, src);
	assert_int_equal(ct_lookup(ns, &q, &res), 0);
	/* the index gives the very same answer as the scan */
	struct ct_lookup_index ix;
	struct ct_lookup_result res2;
	ct_lookup_index_init(&ix);
	assert_int_equal(ct_lookup_index_build(&ix, ns), 0);
	assert_int_equal(ct_lookup_ix(ns, &ix, &q, &res2), 0);
	assert_memory_equal(&res, &res2, sizeof(res));
	ct_lookup_index_free(&ix);
	return res;
}

static void assert_route(const struct ct_lookup_result *res, const char *pfx, uint32_t table,
			 uint8_t type)
{
	char b[64];
	assert_non_null(res->route);
	assert_string_equal(ct_prefix_fmt(&res->route->dst, b, sizeof(b)), pfx);
	assert_int_equal(res->route->table, table);
	assert_int_equal(res->route->type, type);
}

static void t_default_rules_lpm(void **state)
{
	struct ct_netns ns;
	node(&ns);
	add_route(&ns, RTN_UNICAST, "10.2.0.0/16", "10.1.0.254", ETH1, RT_TABLE_MAIN, 0);
	add_route(&ns, RTN_UNICAST, "10.2.5.0/24", "10.0.0.253", ETH0, RT_TABLE_MAIN, 10);
	add_route(&ns, RTN_UNICAST, "10.2.5.0/24", "10.1.0.253", ETH1, RT_TABLE_MAIN, 5);
	done(&ns);
	struct ct_lookup_result r = look(&ns, "10.2.3.4", NULL, 0, 0);
	assert_int_equal(r.err, 0);
	assert_true(r.default_rules);
	assert_route(&r, "10.2.0.0/16", RT_TABLE_MAIN, RTN_UNICAST);
	assert_int_equal(r.rule->priority, 32766);
	/* the more specific prefix, and of two equal prefixes the lower metric */
	r = look(&ns, "10.2.5.9", NULL, 0, 0);
	assert_route(&r, "10.2.5.0/24", RT_TABLE_MAIN, RTN_UNICAST);
	assert_int_equal(r.route->priority, 5);
	/* a local address: rule 0, table local */
	r = look(&ns, "10.0.0.1", NULL, 0, 0);
	assert_route(&r, "10.0.0.1/32", RT_TABLE_LOCAL, RTN_LOCAL);
	assert_int_equal(r.rule->priority, 0);
	r = look(&ns, "127.0.0.9", NULL, 0, 0);
	assert_route(&r, "127.0.0.0/8", RT_TABLE_LOCAL, RTN_LOCAL);
	r = look(&ns, "8.8.8.8", NULL, 0, 0);
	assert_route(&r, "default", RT_TABLE_MAIN, RTN_UNICAST);
	ct_netns_free(&ns);
}

static void t_reject_types(void **state)
{
	struct ct_netns ns;
	node(&ns);
	add_route(&ns, RTN_BLACKHOLE, "10.65.0.0/26", NULL, 0, RT_TABLE_MAIN, 0)->protocol =
		RTPROT_BIRD;
	add_route(&ns, RTN_UNREACHABLE, "10.4.0.0/24", NULL, 0, RT_TABLE_MAIN, 0);
	add_route(&ns, RTN_PROHIBIT, "10.5.0.0/24", NULL, 0, RT_TABLE_MAIN, 0);
	add_route(&ns, RTN_THROW, "10.6.0.0/24", NULL, 0, RT_TABLE_MAIN, 0);
	done(&ns);
	struct ct_lookup_result r = look(&ns, "10.65.0.9", NULL, 0, 0);
	assert_int_equal(r.err, EINVAL);
	assert_int_equal(r.why, CT_LOOKUP_ROUTE);
	assert_route(&r, "10.65.0.0/26", RT_TABLE_MAIN, RTN_BLACKHOLE);
	/* the pod's /32 is more specific than the block's blackhole */
	r = look(&ns, "10.65.0.5", NULL, 0, 0);
	assert_int_equal(r.err, 0);
	assert_route(&r, "10.65.0.5/32", RT_TABLE_MAIN, RTN_UNICAST);
	r = look(&ns, "10.4.0.1", NULL, 0, 0);
	assert_int_equal(r.err, EHOSTUNREACH);
	assert_route(&r, "10.4.0.0/24", RT_TABLE_MAIN, RTN_UNREACHABLE);
	r = look(&ns, "10.5.0.1", NULL, 0, 0);
	assert_int_equal(r.err, EACCES);
	assert_route(&r, "10.5.0.0/24", RT_TABLE_MAIN, RTN_PROHIBIT);
	/* throw leaves main for rule 32767's empty table: no route, although the
	 * default route of main covers the address */
	r = look(&ns, "10.6.0.1", NULL, 0, 0);
	assert_int_equal(r.err, ENETUNREACH);
	assert_int_equal(r.why, CT_LOOKUP_NO_ROUTE);
	assert_null(r.route);
	char line[256];
	ct_lookup_explain(&ns, &r, ENETUNREACH, line, sizeof(line));
	assert_string_equal(line, "no route in any table");
	r = look(&ns, "10.65.0.9", NULL, 0, 0);
	ct_lookup_explain(&ns, &r, EINVAL, line, sizeof(line));
	assert_string_equal(line,
			    "blackhole 10.65.0.0/26 table main proto bird (rule 32766 lookup main, "
			    "default rules)");
	ct_netns_free(&ns);
}

/* `ip route prepend blackhole POD/32` before the workload route: same key, the
 * blackhole first in the kernel's list (and in a dump's order), so it wins. */
static void t_prepended_blackhole(void **state)
{
	struct ct_netns ns;
	ct_netns_init(&ns);
	add_link(&ns, LO, "lo", true, 1, 0);
	add_link(&ns, CALI, "cali1234", true, 1, 0);
	add_route(&ns, RTN_BLACKHOLE, "10.65.0.6/32", NULL, 0, RT_TABLE_MAIN, 0);
	add_route(&ns, RTN_UNICAST, "10.65.0.6/32", NULL, CALI, RT_TABLE_MAIN, 0);
	done(&ns);
	struct ct_lookup_result r = look(&ns, "10.65.0.6", NULL, 0, 0);
	assert_int_equal(r.err, EINVAL);
	assert_route(&r, "10.65.0.6/32", RT_TABLE_MAIN, RTN_BLACKHOLE);
	ct_netns_free(&ns);
}

static void t_rules_priority_fwmark_iif(void **state)
{
	struct ct_netns ns;
	node(&ns);
	add_route(&ns, RTN_UNICAST, "10.8.0.0/16", NULL, ETH1, 100, 0);
	add_route(&ns, RTN_PROHIBIT, "10.8.0.0/16", NULL, 0, 200, 0);
	add_route(&ns, RTN_UNICAST, "10.8.1.0/24", NULL, ETH1, 200, 0);
	add_route(&ns, RTN_UNICAST, "10.9.0.0/16", "10.1.0.9", ETH1, 300, 0);
	/* pushed out of order: 2000 first, then 1000; the kernel walks 1000 first */
	add_rule(&ns, AF_INET, 2000, FR_ACT_TO_TBL, 100);
	struct ct_rule *ru = add_rule(&ns, AF_INET, 1000, FR_ACT_TO_TBL, 200);
	ru->has_fwmark = true;
	ru->fwmark = 0x10;
	ru->fwmask = 0xf0;
	ru = add_rule(&ns, AF_INET, 1500, FR_ACT_TO_TBL, 300);
	ru->has_fwmark = true; /* no mask: all 32 bits */
	ru->fwmark = 0x3;
	ru = add_rule(&ns, AF_INET, 1600, FR_ACT_BLACKHOLE, 0);
	snprintf(ru->iifname, sizeof(ru->iifname), "cali1234");
	assert_int_equal(ct_prefix_parse("10.11.0.0/16", &ru->dst), 0);
	ru = add_rule(&ns, AF_INET, 1700, FR_ACT_PROHIBIT, 0);
	snprintf(ru->iifname, sizeof(ru->iifname), "lo");
	assert_int_equal(ct_prefix_parse("10.12.0.0/16", &ru->dst), 0);
	add_rule(&ns, AF_INET, 0, FR_ACT_TO_TBL, RT_TABLE_LOCAL);
	add_rule(&ns, AF_INET, 32766, FR_ACT_TO_TBL, RT_TABLE_MAIN);
	done(&ns);

	/* mark 0x13 & 0xf0 = 0x10: rule 1000, table 200 */
	struct ct_lookup_result r = look(&ns, "10.8.1.1", NULL, 0, 0x13);
	assert_int_equal(r.err, 0);
	assert_false(r.default_rules);
	assert_route(&r, "10.8.1.0/24", 200, RTN_UNICAST);
	assert_int_equal(r.rule->priority, 1000);
	r = look(&ns, "10.8.2.1", NULL, 0, 0x13);
	assert_int_equal(r.err, EACCES);
	assert_route(&r, "10.8.0.0/16", 200, RTN_PROHIBIT);
	/* mark 0x23 misses the mask: rule 2000, table 100 */
	r = look(&ns, "10.8.2.1", NULL, 0, 0x23);
	assert_int_equal(r.err, 0);
	assert_route(&r, "10.8.0.0/16", 100, RTN_UNICAST);
	assert_int_equal(r.rule->priority, 2000);
	/* exact mark 3 vs 0x103 (full mask) */
	r = look(&ns, "10.9.1.1", NULL, 0, 3);
	assert_route(&r, "10.9.0.0/16", 300, RTN_UNICAST);
	r = look(&ns, "10.9.1.1", NULL, 0, 0x103);
	assert_route(&r, "default", RT_TABLE_MAIN, RTN_UNICAST);
	/* iif rules: a forwarded packet from the workload, a locally sent one */
	r = look(&ns, "10.11.0.1", "10.65.0.5", CALI, 0);
	assert_int_equal(r.err, EINVAL);
	assert_int_equal(r.why, CT_LOOKUP_RULE_ACTION);
	assert_int_equal(r.rule->priority, 1600);
	r = look(&ns, "10.11.0.1", NULL, 0, 0);
	assert_int_equal(r.err, 0);
	r = look(&ns, "10.12.0.1", NULL, 0, 0);
	assert_int_equal(r.err, EACCES);
	assert_int_equal(r.why, CT_LOOKUP_RULE_ACTION);
	r = look(&ns, "10.12.0.1", "10.65.0.5", CALI, 0);
	assert_int_equal(r.err, 0);
	ct_netns_free(&ns);
}

static void t_throw_and_other_table(void **state)
{
	struct ct_netns ns;
	node(&ns);
	add_route(&ns, RTN_UNICAST, "10.2.0.0/16", "10.1.0.254", ETH1, RT_TABLE_MAIN, 0);
	add_route(&ns, RTN_UNICAST, "10.2.0.0/24", "10.1.0.200", ETH1, 100, 0);
	add_route(&ns, RTN_THROW, "10.2.1.0/24", NULL, 0, 100, 0);
	add_route(&ns, RTN_BLACKHOLE, "10.2.2.0/24", NULL, 0, 100, 0);
	add_rule(&ns, AF_INET, 0, FR_ACT_TO_TBL, RT_TABLE_LOCAL);
	struct ct_rule *ru = add_rule(&ns, AF_INET, 100, FR_ACT_TO_TBL, 100);
	assert_int_equal(ct_prefix_parse("10.2.0.0/22", &ru->dst), 0);
	add_rule(&ns, AF_INET, 150, FR_ACT_NOP, 0);
	add_rule(&ns, AF_INET, 32766, FR_ACT_TO_TBL, RT_TABLE_MAIN);
	done(&ns);
	/* a more specific route in table 100, reached by rule 100 */
	struct ct_lookup_result r = look(&ns, "10.2.0.9", NULL, 0, 0);
	assert_route(&r, "10.2.0.0/24", 100, RTN_UNICAST);
	assert_int_equal(r.rule->priority, 100);
	/* throw: on to main's /16 */
	r = look(&ns, "10.2.1.9", NULL, 0, 0);
	assert_int_equal(r.err, 0);
	assert_route(&r, "10.2.0.0/16", RT_TABLE_MAIN, RTN_UNICAST);
	assert_int_equal(r.rule->priority, 32766);
	/* table 100 has nothing for 10.2.3.9: main */
	r = look(&ns, "10.2.3.9", NULL, 0, 0);
	assert_route(&r, "10.2.0.0/16", RT_TABLE_MAIN, RTN_UNICAST);
	r = look(&ns, "10.2.2.9", NULL, 0, 0);
	assert_int_equal(r.err, EINVAL);
	assert_route(&r, "10.2.2.0/24", 100, RTN_BLACKHOLE);
	char line[256];
	ct_lookup_explain(&ns, &r, EINVAL, line, sizeof(line));
	assert_string_equal(line, "blackhole 10.2.2.0/24 table 100 proto boot (rule 100 lookup 100)");
	ct_netns_free(&ns);
}

static void t_invert_goto(void **state)
{
	struct ct_netns ns;
	node(&ns);
	add_route(&ns, RTN_UNREACHABLE, "0.0.0.0/0", NULL, 0, 300, 0);
	add_rule(&ns, AF_INET, 0, FR_ACT_TO_TBL, RT_TABLE_LOCAL);
	add_rule(&ns, AF_INET, 50, FR_ACT_GOTO, 0);
	struct ct_rule *ru = add_rule(&ns, AF_INET, 100, FR_ACT_TO_TBL, 300);
	assert_int_equal(ct_prefix_parse("10.0.0.0/8", &ru->dst), 0);
	ru->flags = FIB_RULE_INVERT;
	add_rule(&ns, AF_INET, 32766, FR_ACT_TO_TBL, RT_TABLE_MAIN);
	done(&ns);
	struct ct_lookup_result r = look(&ns, "8.8.8.8", NULL, 0, 0);
	assert_int_equal(r.err, EHOSTUNREACH);
	assert_route(&r, "default", 300, RTN_UNREACHABLE);
	assert_true(r.uncertain);
	r = look(&ns, "10.9.9.9", NULL, 0, 0);
	assert_int_equal(r.err, 0);
	assert_route(&r, "default", RT_TABLE_MAIN, RTN_UNICAST);
	char line[256];
	ct_lookup_explain(&ns, &r, 0, line, sizeof(line));
	assert_non_null(strstr(line, "goto"));
	ct_netns_free(&ns);
}

static void t_dead_linkdown_down(void **state)
{
	struct ct_netns ns;
	node(&ns);
	add_route(&ns, RTN_UNICAST, "10.3.0.0/16", "10.1.0.254", ETH1, RT_TABLE_MAIN, 0);
	add_route(&ns, RTN_UNICAST, "10.3.1.0/24", "10.0.0.250", ETH0, RT_TABLE_MAIN, 0)->flags =
		RTNH_F_DEAD;
	add_route(&ns, RTN_UNICAST, "10.3.2.0/24", "10.0.0.250", ETH0, RT_TABLE_MAIN, 0)->flags =
		RTNH_F_LINKDOWN;
	struct ct_nexthop nh[2] = {
		{ .oif = ETH0, .flags = RTNH_F_DEAD },
		{ .oif = ETH1 },
	};
	struct ct_route *mp = add_route(&ns, RTN_UNICAST, "10.3.3.0/24", NULL, 0, RT_TABLE_MAIN, 0);
	assert_int_equal(ct_route_set_nexthops(mp, nh, 2), 0);
	done(&ns);
	struct ct_lookup_result r = look(&ns, "10.3.1.1", NULL, 0, 0);
	assert_route(&r, "10.3.0.0/16", RT_TABLE_MAIN, RTN_UNICAST); /* dead: next prefix */
	r = look(&ns, "10.3.2.1", NULL, 0, 0);
	assert_route(&r, "10.3.2.0/24", RT_TABLE_MAIN, RTN_UNICAST); /* linkdown used... */
	struct ct_lookup_query q = { .ignore_linkdown = true };
	ip_(&q.dst, "10.3.2.1");
	assert_int_equal(ct_lookup(&ns, &q, &r), 0);
	assert_route(&r, "10.3.0.0/16", RT_TABLE_MAIN, RTN_UNICAST); /* ...unless ignored */
	r = look(&ns, "10.3.3.1", NULL, 0, 0);
	assert_route(&r, "10.3.3.0/24", RT_TABLE_MAIN, RTN_UNICAST); /* one live next hop */
	/* the device of a unicast route down */
	ct_link_by_ifindex(&ns, ETH1)->flags = 0;
	r = look(&ns, "10.3.3.1", NULL, 0, 0);
	assert_route(&r, "default", RT_TABLE_MAIN, RTN_UNICAST);
	r = look(&ns, "10.3.0.1", NULL, 0, 0);
	assert_route(&r, "default", RT_TABLE_MAIN, RTN_UNICAST);
	ct_netns_free(&ns);
}

static void t_input_path(void **state)
{
	struct ct_netns ns;
	node(&ns);
	add_route(&ns, RTN_BLACKHOLE, "10.65.0.0/26", NULL, 0, RT_TABLE_MAIN, 0);
	done(&ns);
	/* from the pod: forwarded via the default route */
	struct ct_lookup_result r = look(&ns, "10.9.9.9", "10.65.0.5", CALI, 0);
	assert_int_equal(r.err, 0);
	assert_route(&r, "default", RT_TABLE_MAIN, RTN_UNICAST);
	/* a source without its /32 on cali (rp_filter 1, cali has no address) */
	r = look(&ns, "10.9.9.9", "10.65.0.7", CALI, 0);
	assert_int_equal(r.err, EINVAL);
	assert_int_equal(r.why, CT_LOOKUP_RPF);
	assert_route(&r, "default", RT_TABLE_MAIN, RTN_UNICAST);
	assert_non_null(r.rpf_route); /* the way back: the block's blackhole */
	assert_int_equal(r.rpf_route->type, RTN_BLACKHOLE);
	char line[320];
	ct_lookup_explain(&ns, &r, EINVAL, line, sizeof(line));
	assert_non_null(strstr(line, "reverse path"));
	/* no source */
	r = look(&ns, "10.9.9.9", NULL, CALI, 0);
	assert_int_equal(r.err, EINVAL);
	assert_int_equal(r.why, CT_LOOKUP_MARTIAN_SRC);
	/* a blackhole stays EINVAL on input */
	r = look(&ns, "10.65.0.9", "10.65.0.5", CALI, 0);
	assert_int_equal(r.err, EINVAL);
	assert_route(&r, "10.65.0.0/26", RT_TABLE_MAIN, RTN_BLACKHOLE);
	/* forwarding off hides every route type */
	r = look(&ns, "10.9.9.9", "10.0.0.50", NOFWD, 0);
	assert_int_equal(r.err, EHOSTUNREACH);
	assert_int_equal(r.why, CT_LOOKUP_NO_FORWARDING);
	r = look(&ns, "10.65.0.9", "10.0.0.50", NOFWD, 0);
	assert_int_equal(r.err, EHOSTUNREACH);
	assert_route(&r, "10.65.0.0/26", RT_TABLE_MAIN, RTN_BLACKHOLE);
	/* the model found a usable route but the kernel said EXDEV (before 6.13) */
	r = look(&ns, "10.9.9.9", "10.65.0.5", CALI, 0);
	ct_lookup_explain(&ns, &r, EXDEV, line, sizeof(line));
	assert_non_null(strstr(line, "reverse path"));
	assert_non_null(strstr(line, "default via 10.0.0.254 dev 'eth0' table main"));
	/* output: a source that is not local */
	r = look(&ns, "10.9.9.9", "9.9.9.9", 0, 0);
	assert_int_equal(r.err, ENETUNREACH);
	assert_int_equal(r.why, CT_LOOKUP_MARTIAN_SRC);
	r = look(&ns, "10.9.9.9", "10.0.0.1", 0, 0);
	assert_int_equal(r.err, 0);
	r = look(&ns, "10.9.9.9", "127.0.0.5", 0, 0); /* covered by local 127.0.0.0/8 */
	assert_int_equal(r.err, 0);
	ct_netns_free(&ns);
}

static void t_oif_onlink(void **state)
{
	struct ct_netns ns;
	node(&ns);
	add_route(&ns, RTN_BLACKHOLE, "10.65.0.0/26", NULL, 0, RT_TABLE_MAIN, 0);
	add_route(&ns, RTN_UNICAST, "10.14.0.0/16", "10.1.0.99", ETH1, RT_TABLE_MAIN, 0);
	done(&ns);
	struct ct_lookup_query q = { .oif = ETH1 };
	struct ct_lookup_result r;
	ip_(&q.dst, "10.14.1.1");
	assert_int_equal(ct_lookup(&ns, &q, &r), 0);
	assert_route(&r, "10.14.0.0/16", RT_TABLE_MAIN, RTN_UNICAST);
	/* the default route is on eth0: with oif eth1 nothing matches, sent on-link */
	ip_(&q.dst, "10.99.0.1");
	assert_int_equal(ct_lookup(&ns, &q, &r), 0);
	assert_int_equal(r.err, 0);
	assert_int_equal(r.why, CT_LOOKUP_ONLINK);
	ip_(&q.dst, "10.65.0.9");
	assert_int_equal(ct_lookup(&ns, &q, &r), 0);
	assert_int_equal(r.err, 0);
	assert_int_equal(r.why, CT_LOOKUP_ONLINK);
	ct_netns_free(&ns);
}

static void t_ipv6(void **state)
{
	struct ct_netns ns;
	node(&ns);
	add_route(&ns, RTN_BLACKHOLE, "fd00:2::/48", NULL, 0, RT_TABLE_MAIN, 1024);
	add_route(&ns, RTN_UNREACHABLE, "fd00:3::/48", NULL, 0, RT_TABLE_MAIN, 1024);
	add_route(&ns, RTN_PROHIBIT, "fd00:4::/48", NULL, 0, RT_TABLE_MAIN, 1024);
	add_route(&ns, RTN_UNICAST, "fd00:5::/64", NULL, ETH1, 100, 1024);
	add_route(&ns, RTN_BLACKHOLE, "fd00:1:0:1::/64", NULL, 0, 101, 1024);
	/* IPv4 rules exist, IPv6 has none: its defaults apply */
	add_rule(&ns, AF_INET, 0, FR_ACT_TO_TBL, RT_TABLE_LOCAL);
	add_rule(&ns, AF_INET, 32766, FR_ACT_TO_TBL, RT_TABLE_MAIN);
	done(&ns);
	struct ct_lookup_result r = look(&ns, "fd00::5", NULL, 0, 0);
	assert_int_equal(r.err, 0);
	assert_true(r.default_rules);
	assert_route(&r, "fd00::/64", RT_TABLE_MAIN, RTN_UNICAST);
	r = look(&ns, "fd00:2::1", NULL, 0, 0);
	assert_int_equal(r.err, EINVAL);
	r = look(&ns, "fd00:3::1", NULL, 0, 0);
	assert_int_equal(r.err, EHOSTUNREACH);
	r = look(&ns, "fd00:4::1", NULL, 0, 0);
	assert_int_equal(r.err, EACCES);
	/* table 100 is not reached without a rule: the default route */
	r = look(&ns, "fd00:5::1", NULL, 0, 0);
	assert_route(&r, "default", RT_TABLE_MAIN, RTN_UNICAST);
	add_rule(&ns, AF_INET6, 0, FR_ACT_TO_TBL, RT_TABLE_LOCAL);
	struct ct_rule *ru = add_rule(&ns, AF_INET6, 1000, FR_ACT_TO_TBL, 100);
	assert_int_equal(ct_prefix_parse("fd00:5::/48", &ru->dst), 0);
	ru = add_rule(&ns, AF_INET6, 1100, FR_ACT_TO_TBL, 101);
	ru->has_fwmark = true;
	ru->fwmark = 7;
	done(&ns);
	r = look(&ns, "fd00:5::1", NULL, 0, 0);
	assert_route(&r, "fd00:5::/64", 100, RTN_UNICAST);
	assert_false(r.default_rules);
	r = look(&ns, "fd00:1:0:1::1", NULL, 0, 7);
	assert_int_equal(r.err, EINVAL);
	assert_route(&r, "fd00:1:0:1::/64", 101, RTN_BLACKHOLE);
	/* no IPv6 rule to main now: nothing else */
	r = look(&ns, "fd00::5", NULL, 0, 0);
	assert_int_equal(r.err, ENETUNREACH);
	assert_int_equal(r.why, CT_LOOKUP_NO_ROUTE);
	ct_netns_free(&ns);
}

static void t_bad_query(void **state)
{
	struct ct_netns ns;
	struct ct_lookup_query q = { 0 };
	struct ct_lookup_result r;
	char line[8];

	node(&ns);
	done(&ns);
	assert_int_equal(ct_lookup(&ns, &q, &r), -EINVAL);
	assert_int_equal(r.why, CT_LOOKUP_BAD_QUERY);
	ip_(&q.dst, "10.0.0.1");
	ip_(&q.src, "fd00::1");
	assert_int_equal(ct_lookup(&ns, &q, &r), -EINVAL);
	/* a short buffer is cut, terminated */
	ct_lookup_explain(&ns, &r, 0, line, sizeof(line));
	assert_int_equal(strlen(line), 7);
	assert_string_equal(ct_lookup_why_name(CT_LOOKUP_RPF), "reverse_path");
	assert_string_equal(ct_lookup_why_name((enum ct_lookup_why)99), "unknown");
	ct_netns_free(&ns);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_default_rules_lpm),
		cmocka_unit_test(t_reject_types),
		cmocka_unit_test(t_prepended_blackhole),
		cmocka_unit_test(t_rules_priority_fwmark_iif),
		cmocka_unit_test(t_throw_and_other_table),
		cmocka_unit_test(t_invert_goto),
		cmocka_unit_test(t_dead_linkdown_down),
		cmocka_unit_test(t_input_path),
		cmocka_unit_test(t_oif_onlink),
		cmocka_unit_test(t_ipv6),
		cmocka_unit_test(t_bad_query),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
