/* SPDX-License-Identifier: MIT */
/* Unit tests for the pod gateway classifier (analysis/gwcause.c): each row of
 * the errno table of issue 9, the errno the kernel gives (measured on 6.18 by
 * tests/integration/lab-gwcheck.sh with ip route get) fed in with the fault in
 * a hand-made model; the expected cause follows from the fault put in, not
 * from this module's output. */
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

#include "analysis/findings.h"
#include "analysis/gwcause.h"
#include "model/model.h"
#include "nsbuild.h"

/* A Calico node: eth0 10.0.0.1/24 with a default route, cali1234 (no address,
 * forwarding 1, rp_filter 1) with its pod 10.65.0.5/32, ip_forward 1. */
static void node(struct ct_netns *ns)
{
	ct_netns_init(ns);
	add_link(ns, LO, "lo", true, 1, 0);
	add_link(ns, ETH0, "eth0", true, 1, 0);
	add_link(ns, CALI, "cali1234", true, 1, 1);
	add_addr(ns, LO, "127.0.0.1/8");
	add_addr(ns, ETH0, "10.0.0.1/24");
	add_route(ns, RTN_UNICAST, "0.0.0.0/0", "10.0.0.254", ETH0, RT_TABLE_MAIN, 0);
	add_route(ns, RTN_UNICAST, "10.0.0.0/24", NULL, ETH0, RT_TABLE_MAIN, 0);
	add_route(ns, RTN_UNICAST, "10.65.0.5/32", NULL, CALI, RT_TABLE_MAIN, 0);
	add_route(ns, RTN_BLACKHOLE, "10.65.0.0/26", NULL, 0, RT_TABLE_MAIN, 0);
	add_route(ns, RTN_LOCAL, "10.0.0.1/32", NULL, ETH0, RT_TABLE_LOCAL, 0);
	ns->conf.ip_forward = 1;
	ns->conf.forwarding = 1;
	ns->conf.rp_filter = 0;
}

static enum ct_gw_cause classify(struct ct_netns *ns, const char *src, int err,
				 const struct ct_route **route)
{
	struct ct_ip s;
	struct ct_gw_verdict v;
	ip_(&s, src);
	ct_gw_classify(ns, CALI, &s, err, &v);
	assert_int_equal(v.err, err);
	if (route)
		*route = v.route;
	return v.cause;
}

static struct ct_route *find(struct ct_netns *ns, const char *pfx)
{
	struct ct_prefix p;
	assert_int_equal(ct_prefix_parse(pfx, &p), 0);
	for (size_t i = 0; i < ns->routes.n; i++)
		if (ns->routes.v[i].dst.len == p.len && ct_ip_eq(&ns->routes.v[i].dst.ip, &p.ip))
			return &ns->routes.v[i];
	return NULL;
}

static void test_ok(void **s)
{
	struct ct_netns ns;
	(void)s;
	node(&ns);
	assert_int_equal(classify(&ns, "10.65.0.5", 0, NULL), CT_GW_OK);
	ct_netns_free(&ns);
}

static void test_no_route_and_throw(void **s)
{
	struct ct_netns ns;
	const struct ct_route *r;
	(void)s;
	node(&ns);
	/* no default route */
	ns.routes.v[0] = ns.routes.v[--ns.routes.n];
	assert_int_equal(classify(&ns, "10.65.0.5", ENETUNREACH, &r), CT_GW_NO_ROUTE);
	assert_null(r);
	add_route(&ns, RTN_THROW, "169.254.0.0/16", NULL, 0, RT_TABLE_MAIN, 0);
	assert_int_equal(classify(&ns, "10.65.0.5", ENETUNREACH, &r), CT_GW_NO_ROUTE);
	assert_ptr_equal(r, find(&ns, "169.254.0.0/16"));
	assert_int_equal(ct_gw_cause_errno(CT_GW_NO_ROUTE, false), ENETUNREACH);
	ct_netns_free(&ns);
}

/* forwarding off hides every route type: an unreachable route present too */
static void test_forwarding_first(void **s)
{
	struct ct_netns ns;
	const struct ct_route *r;
	(void)s;
	node(&ns);
	add_route(&ns, RTN_UNREACHABLE, "169.254.1.1/32", NULL, 0, RT_TABLE_MAIN, 0);
	ns.conf.ip_forward = 0;
	ns.conf.forwarding = 0;
	assert_int_equal(classify(&ns, "10.65.0.5", EHOSTUNREACH, NULL), CT_GW_IP_FORWARD_OFF);
	ns.conf.ip_forward = ns.conf.forwarding = 1;
	ns.links.v[2].forwarding = 0;
	assert_int_equal(classify(&ns, "10.65.0.5", EHOSTUNREACH, NULL), CT_GW_FORWARDING_OFF);
	ns.links.v[2].forwarding = 1;
	assert_int_equal(classify(&ns, "10.65.0.5", EHOSTUNREACH, &r), CT_GW_UNREACHABLE);
	assert_ptr_equal(r, find(&ns, "169.254.1.1/32"));
	ct_netns_free(&ns);
}

static void test_prohibit(void **s)
{
	struct ct_netns ns;
	const struct ct_route *r;
	(void)s;
	node(&ns);
	add_route(&ns, RTN_PROHIBIT, "169.254.0.0/16", NULL, 0, RT_TABLE_MAIN, 0);
	assert_int_equal(classify(&ns, "10.65.0.5", EACCES, &r), CT_GW_PROHIBIT);
	assert_ptr_equal(r, find(&ns, "169.254.0.0/16"));
	ct_netns_free(&ns);
}

/* the reverse-path failure: EXDEV before 6.13, EINVAL since */
static void test_reverse_path(void **s)
{
	static const int errs[2] = { EXDEV, EINVAL };
	(void)s;
	for (int i = 0; i < 2; i++) {
		struct ct_netns ns;
		const struct ct_route *r;
		node(&ns);
		/* the pod's /32 deleted */
		ns.routes.v[2] = ns.routes.v[--ns.routes.n];
		assert_int_equal(classify(&ns, "10.65.0.5", errs[i], &r), CT_GW_POD_ROUTE_MISSING);
		assert_null(r);
		/* back, with a blackhole prepended over it (lower metric wins) */
		add_route(&ns, RTN_UNICAST, "10.65.0.5/32", NULL, CALI, RT_TABLE_MAIN, 1024);
		add_route(&ns, RTN_BLACKHOLE, "10.65.0.5/32", NULL, 0, RT_TABLE_MAIN, 0);
		assert_int_equal(classify(&ns, "10.65.0.5", errs[i], &r), CT_GW_POD_ROUTE_SHADOWED);
		assert_non_null(r);
		assert_int_equal(r->type, RTN_BLACKHOLE);
		assert_int_equal(ct_gw_cause_errno(CT_GW_POD_ROUTE_SHADOWED, errs[i] == EXDEV),
				 errs[i]);
		ct_netns_free(&ns);
	}
}

static void test_einval_rows(void **s)
{
	struct ct_netns ns;
	const struct ct_route *r;
	(void)s;
	node(&ns);
	add_route(&ns, RTN_BLACKHOLE, "169.254.1.1/32", NULL, 0, RT_TABLE_MAIN, 0);
	assert_int_equal(classify(&ns, "10.65.0.5", EINVAL, &r), CT_GW_BLACKHOLE);
	assert_ptr_equal(r, find(&ns, "169.254.1.1/32"));
	ns.routes.n--;
	assert_int_equal(classify(&ns, "10.0.0.1", EINVAL, NULL), CT_GW_BAD_SOURCE);
	assert_int_equal(classify(&ns, "224.0.0.5", EINVAL, NULL), CT_GW_BAD_SOURCE);
	ns.links.v[2].flags = 0;
	assert_int_equal(classify(&ns, "10.65.0.5", EINVAL, NULL), CT_GW_LINK_DOWN);
	ns.links.v[2].flags = IFF_UP;
	/* EINVAL with a usable route to 169.254.1.1 and the pod's route present: a rule
	 * or route the model misses shadows it */
	assert_int_equal(classify(&ns, "10.65.0.5", EINVAL, NULL), CT_GW_POD_ROUTE_SHADOWED);
	assert_int_equal(classify(&ns, "10.65.0.5", EPERM, NULL), CT_GW_UNKNOWN);
	ct_netns_free(&ns);
}

/* the finding: one per refusal, its cause named, run lines with real values */
static void test_findings(void **s)
{
	struct ct_netns ns;
	struct ct_findings f;
	struct ct_gwcheck gc = { .iif = CALI, .err = EINVAL };
	(void)s;
	node(&ns);
	ns.routes.v[2] = ns.routes.v[--ns.routes.n];
	ip_(&gc.src, "10.65.0.5");
	ct_findings_init(&f);
	ct_gw_finding(&ns, &gc, &f);
	assert_int_equal(f.n, 1);
	assert_string_equal(f.v[0].def->code, "pod_gateway_unroutable");
	assert_non_null(strstr(f.v[0].message, "reverse-path"));
	assert_int_equal(f.v[0].n_run, 1);
	assert_string_equal(f.v[0].run[0], "ip route add 10.65.0.5 dev cali1234 scope link");
	ct_findings_free(&f);
	ct_findings_init(&f);
	gc.err = EHOSTUNREACH;
	ns.conf.ip_forward = 0;
	ct_gw_finding(&ns, &gc, &f);
	assert_int_equal(f.n, 1);
	assert_string_equal(f.v[0].run[0], "sysctl -w net.ipv4.ip_forward=1");
	ct_findings_free(&f);
	ct_findings_init(&f);
	memset(&gc, 0, sizeof(gc));
	gc.iif = CALI;
	gc.unasked = true;
	ct_gw_finding(&ns, &gc, &f);
	assert_int_equal(f.n, 1);
	assert_string_equal(f.v[0].def->code, "pod_gateway_unchecked");
	ct_findings_free(&f);
	ct_netns_free(&ns);
}

/* IPv6: netconf is the answer, for interfaces with a pod's /128 only */
static void test_ipv6(void **s)
{
	struct ct_netns ns;
	struct ct_findings f;
	(void)s;
	node(&ns);
	snprintf(ns.links.v[2].kind, sizeof(ns.links.v[2].kind), "veth");
	ns.conf.forwarding6 = 1;
	ns.links.v[2].forwarding6 = 0;
	ct_findings_init(&f);
	ct_gw_findings6(&ns, &f);
	assert_int_equal(f.n, 0); /* no IPv6 pod route yet */
	add_route(&ns, RTN_UNICAST, "fd00:65::5/128", NULL, CALI, RT_TABLE_MAIN, 1024);
	add_route(&ns, RTN_UNICAST, "fd00:65::6/128", NULL, CALI, RT_TABLE_MAIN, 1024);
	ct_gw_findings6(&ns, &f);
	assert_int_equal(f.n, 1); /* one per interface */
	assert_non_null(strstr(f.v[0].evidence, "(ipv6_forwarding_off)"));
	assert_string_equal(f.v[0].run[0], "sysctl -w net.ipv6.conf.cali1234.forwarding=1");
	ct_findings_free(&f);
	ct_findings_init(&f);
	ns.links.v[2].forwarding6 = 1;
	ns.conf.forwarding6 = 0;
	ct_gw_findings6(&ns, &f);
	assert_int_equal(f.n, 1);
	assert_string_equal(f.v[0].run[0], "sysctl -w net.ipv6.conf.all.forwarding=1");
	ct_findings_free(&f);
	ct_findings_init(&f);
	ns.conf.forwarding6 = 1;
	ct_gw_findings6(&ns, &f);
	assert_int_equal(f.n, 0);
	ct_findings_free(&f);
	ct_netns_free(&ns);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ok),
		cmocka_unit_test(test_no_route_and_throw),
		cmocka_unit_test(test_forwarding_first),
		cmocka_unit_test(test_prohibit),
		cmocka_unit_test(test_reverse_path),
		cmocka_unit_test(test_einval_rows),
		cmocka_unit_test(test_findings),
		cmocka_unit_test(test_ipv6),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
