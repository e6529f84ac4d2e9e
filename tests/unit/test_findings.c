/* SPDX-License-Identifier: MIT */
/*
 * analysis/findings: run lines. The expected lines are spelled by hand from
 * the rules in findings.h (namespace words) and model/shq.h (quoting);
 * tests/integration/lab-fixes.sh runs them in bash against the kernel.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/findings.h"
#include "model/model.h"

static struct ct_netns *mk(const char *name, const char *path)
{
	struct ct_netns *ns = malloc(sizeof(*ns));
	assert_non_null(ns);
	ct_netns_init(ns);
	snprintf(ns->name, sizeof(ns->name), "%s", name);
	snprintf(ns->path, sizeof(ns->path), "%s", path);
	return ns;
}

static void rm(struct ct_netns *ns)
{
	ct_netns_free(ns);
	free(ns);
}

static struct ct_finding *add(struct ct_findings *f, const char *fix)
{
	struct ct_finding *x = ct_finding_add(f, "proxy_arp_off", "n", "s", "e", fix, "%s", "m");
	assert_non_null(x);
	return x;
}

static void test_namespaces(void **state)
{
	(void)state;
	struct ct_findings f;
	ct_findings_init(&f);
	struct ct_netns *host = mk("host", ""),
			*named = mk("ct1 node$(id)", "/var/run/netns/ct1 node$(id)"),
			*pid = mk("pid:4242", "/proc/4242/ns/net"),
			*path = mk("/tmp/my ns", "/tmp/my ns"), *run = mk("n1", "/run/netns/n1");
	struct ct_finding *x = add(&f, "turn it on");
	assert_int_equal(ct_finding_run(x, host, "ip", "link", "set", "dev", "cali;x", "up", NULL),
			 0);
	assert_int_equal(ct_finding_run(x, NULL, "ip", "link", "set", "dev", "eth0", "up", NULL),
			 0);
	assert_int_equal(ct_finding_run(x, named, "ip", "neigh", "flush", "dev", "eth0", NULL), 0);
	assert_int_equal(ct_finding_run(x, pid, "ip", "route", "show", NULL), 0);
	assert_int_equal(x->n_run, 4);
	assert_string_equal(x->run[0], "ip link set dev 'cali;x' up");
	assert_string_equal(x->run[1], "ip link set dev eth0 up");
	assert_string_equal(x->run[2], "ip netns exec 'ct1 node$(id)' ip neigh flush dev eth0");
	assert_string_equal(x->run[3], "nsenter -t 4242 -n ip route show");
	/* a fifth line is dropped, and the sentence says so, once */
	assert_int_equal(ct_finding_run(x, NULL, "true", NULL), -1);
	assert_int_equal(ct_finding_run(x, NULL, "true", NULL), -1);
	assert_int_equal(x->n_run, 4);
	assert_string_equal(x->fix, "turn it on (command too long to print)");

	x = add(&f, "");
	assert_int_equal(ct_finding_run(x, path, "ip", "link", NULL), 0);
	assert_int_equal(ct_finding_run(x, run, "ip", "link", NULL), 0);
	assert_string_equal(x->run[0], "nsenter '--net=/tmp/my ns' ip link");
	assert_string_equal(x->run[1], "ip netns exec n1 ip link");
	assert_string_equal(x->fix, "");
	/* NULL finding (allocation failed): nothing happens */
	assert_int_equal(ct_finding_run(NULL, host, "ip", NULL), -1);
	rm(host);
	rm(named);
	rm(pid);
	rm(path);
	rm(run);
	ct_findings_free(&f);
}

static void test_too_long(void **state)
{
	(void)state;
	struct ct_findings f;
	ct_findings_init(&f);
	char big[CT_FINDING_RUN_LEN];
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	struct ct_finding *x = add(&f, "delete it");
	assert_int_equal(ct_finding_run(x, NULL, "ip", "route", "del", big, NULL), -1);
	assert_int_equal(x->n_run, 0);
	assert_string_equal(x->fix, "delete it (command too long to print)");
	/* the longest line that fits is kept whole */
	big[CT_FINDING_RUN_LEN - 1 - 3] = '\0';
	x = add(&f, "");
	assert_int_equal(ct_finding_run(x, NULL, "ip", big, NULL), 0);
	assert_int_equal(strlen(x->run[0]), CT_FINDING_RUN_LEN - 1);
	assert_string_equal(x->fix, "");
	/* a full sentence keeps its note: the sentence is cut, never the note */
	char fix[400];
	memset(fix, 'b', sizeof(fix) - 1);
	fix[sizeof(fix) - 1] = '\0';
	x = add(&f, fix);
	big[sizeof(big) - 1 - 3] = 'a';
	assert_int_equal(ct_finding_run(x, NULL, "ip", big, "x", NULL), -1);
	size_t n = strlen(x->fix);
	assert_true(n < sizeof(x->fix));
	assert_string_equal(x->fix + n - strlen(" (command too long to print)"),
			    " (command too long to print)");
	ct_findings_free(&f);
}

static void test_sysctl(void **state)
{
	(void)state;
	struct ct_findings f;
	ct_findings_init(&f);
	struct ct_netns *host = mk("host", ""), *named = mk("lab", "/var/run/netns/lab");
	struct ct_finding *x = add(&f, "s");
	ct_finding_run_sysctl(x, host, "net.ipv4.conf", "vxlan.calico", "rp_filter", "2");
	ct_finding_run_sysctl(x, named, "net.ipv4.conf", "cali$(id)", "proxy_arp", "1");
	ct_finding_run_sysctl(x, named, "net.ipv4.conf", "a=b.c", "proxy_arp", "1");
	ct_finding_run_sysctl(x, host, "net.ipv4.conf", "cali\x1b", "forwarding", "1");
	assert_int_equal(x->n_run, 4);
	assert_string_equal(x->run[0], "sysctl -w net.ipv4.conf.vxlan/calico.rp_filter=2");
	assert_string_equal(x->run[1],
			    "ip netns exec lab sysctl -w 'net.ipv4.conf.cali$(id).proxy_arp=1'");
	assert_string_equal(
	    x->run[2], "echo 1 | ip netns exec lab tee /proc/sys/net/ipv4/conf/a=b.c/proxy_arp");
	assert_string_equal(x->run[3], "sysctl -w $'net.ipv4.conf.cali\\x1b.forwarding=1'");
	/* not an interface name: no line at all (a snapshot's names are untrusted) */
	x = add(&f, "s");
	ct_finding_run_sysctl(x, host, "net.ipv4.conf", "../../kernel", "x", "1");
	ct_finding_run_sysctl(x, host, "net.ipv4.conf", "..", "x", "1");
	assert_int_equal(x->n_run, 0);
	rm(host);
	rm(named);
	ct_findings_free(&f);
}

/* ct_findings_take copies the run lines with the rest */
static void test_take(void **state)
{
	(void)state;
	struct ct_findings a, b;
	ct_findings_init(&a);
	ct_findings_init(&b);
	struct ct_finding *x = add(&a, "s");
	ct_finding_run(x, NULL, "ip", "a b", NULL);
	const char *pfx[] = {"proxy_arp"};
	assert_int_equal(ct_findings_take(&b, &a, pfx, 1), 0);
	assert_int_equal(b.n, 1);
	assert_int_equal(b.v[0].n_run, 1);
	assert_string_equal(b.v[0].run[0], "ip 'a b'");
	ct_findings_free(&a);
	ct_findings_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_namespaces),
	    cmocka_unit_test(test_too_long),
	    cmocka_unit_test(test_sysctl),
	    cmocka_unit_test(test_take),
	};
	return cmocka_run_group_tests_name("findings", tests, NULL, NULL);
}
