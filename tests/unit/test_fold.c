/* SPDX-License-Identifier: MIT */
/*
 * analysis/fold: one cause, one finding. The findings are made by hand (code,
 * subject, namespace and the producers' tags, as analysis/gwcause.c, shadow.c
 * and newfind.c set them) and the expected roots and consequences are spelled
 * out here; tests/integration/lab-onecause.sh checks the same against the kernel.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "analysis/findings.h"
#include "analysis/fold.h"
#include "analysis/results.h"
#include "render/out.h"

static struct ct_finding *add(struct ct_findings *f, const char *code, const char *ns,
			      const char *subject, const char *cause, const char *addr)
{
	struct ct_finding *x = ct_finding_add(f, code, ns, subject, "ev", "fix", "%s", code);
	assert_non_null(x);
	assert_string_equal(x->def->code, code); /* a code of the registry */
	ct_finding_tag(x, cause, addr);
	return x;
}

static const struct ct_finding *find(const struct ct_findings *f, const char *code,
				     const char *subject)
{
	for (size_t i = 0; i < f->n; i++)
		if (!strcmp(f->v[i].def->code, code) && !strcmp(f->v[i].subject, subject))
			return &f->v[i];
	return NULL;
}

static bool has_cons(const struct ct_finding *x, const char *code, const char *subject)
{
	for (unsigned i = 0; i < x->n_cons; i++)
		if (!strcmp(x->cons[i].def->code, code) && !strcmp(x->cons[i].subject, subject))
			return true;
	return false;
}

/* ip_forward=0 on a node with two pods, as doctor saw it in the lab: seven findings, one root */
static void test_ip_forward(void **state)
{
	(void)state;
	struct ct_findings f;
	ct_findings_init(&f);
	add(&f, "forwarding_off", "n1", "caliA", "ipv4", NULL);
	add(&f, "pod_gateway_unroutable", "n1", "caliA", "ip_forward_off", "10.0.0.2");
	add(&f, "ip_forward_off", "n1", "net.ipv4.ip_forward", NULL, NULL);
	add(&f, "forwarding_off", "n1", "caliB", "ipv4", NULL);
	add(&f, "pod_gateway_unroutable", "n1", "caliB", "ip_forward_off", "10.0.0.3");
	add(&f, "workload_route_shadowed", "n1", "10.0.0.2/32", "ip_forward_off", "10.0.0.2");
	add(&f, "workload_route_shadowed", "n1", "10.0.0.3/32", "forwarding_off", "10.0.0.3");
	assert_int_equal(ct_findings_fold(&f), 0);
	assert_int_equal(f.n, 1);
	const struct ct_finding *r = &f.v[0];
	assert_string_equal(r->def->code, "ip_forward_off");
	assert_int_equal(r->sev, CT_SEV_FAIL);
	assert_int_equal(r->n_cons, 6);
	assert_int_equal(r->cons_more, 0);
	assert_true(has_cons(r, "forwarding_off", "caliA"));
	assert_true(has_cons(r, "forwarding_off", "caliB"));
	assert_true(has_cons(r, "pod_gateway_unroutable", "caliA"));
	assert_true(has_cons(r, "pod_gateway_unroutable", "caliB"));
	assert_true(has_cons(r, "workload_route_shadowed", "10.0.0.2/32"));
	assert_true(has_cons(r, "workload_route_shadowed", "10.0.0.3/32"));
	/* sorted by code, then subject */
	assert_string_equal(r->cons[0].def->code, "forwarding_off");
	assert_string_equal(r->cons[0].subject, "caliA");
	assert_string_equal(r->cons[5].subject, "10.0.0.3/32");
	assert_string_equal(r->cons[0].evidence, "ev");
	/* folding again changes nothing */
	assert_int_equal(ct_findings_fold(&f), 0);
	assert_int_equal(f.n, 1);
	assert_int_equal(f.v[0].n_cons, 6);
	ct_findings_free(&f);
}

/* both switches off: IPv4's and IPv6's are two causes, two roots, and neither takes the
 * other; IPv6's covers the pods' IPv6 gateway checks only */
static void test_two_families(void **state)
{
	(void)state;
	struct ct_findings f;
	ct_findings_init(&f);
	add(&f, "forwarding_off", "n1", "net.ipv6.conf.all.forwarding", "ipv6", NULL);
	add(&f, "pod_gateway_unroutable", "n1", "caliA", "ipv6_forward_off", NULL);
	add(&f, "pod_gateway_unroutable", "n1", "caliA", "ip_forward_off", "10.0.0.2");
	add(&f, "forwarding_off", "n1", "caliA", "ipv4", NULL);
	add(&f, "ip_forward_off", "n1", "net.ipv4.ip_forward", NULL, NULL);
	assert_int_equal(ct_findings_fold(&f), 0);
	assert_int_equal(f.n, 2);
	const struct ct_finding *r4 = find(&f, "ip_forward_off", "net.ipv4.ip_forward");
	const struct ct_finding *r6 = find(&f, "forwarding_off", "net.ipv6.conf.all.forwarding");
	assert_non_null(r4);
	assert_non_null(r6);
	assert_int_equal(r4->n_cons, 2);
	assert_true(has_cons(r4, "forwarding_off", "caliA"));
	assert_true(has_cons(r4, "pod_gateway_unroutable", "caliA"));
	assert_int_equal(r6->n_cons, 1);
	assert_true(has_cons(r6, "pod_gateway_unroutable", "caliA"));
	ct_findings_free(&f);
	/* links' word for ip_forward=0 does not take IPv6's switch either */
	ct_findings_init(&f);
	add(&f, "forwarding_off", "n1", "net.ipv6.conf.all.forwarding", "ipv6", NULL);
	add(&f, "forwarding_off", "n1", "net.ipv4.ip_forward", "ipv4", NULL);
	assert_int_equal(ct_findings_fold(&f), 0);
	assert_int_equal(f.n, 2);
	ct_findings_free(&f);
}

/* links says forwarding_off for net.ipv4.ip_forward; doctor's ip_forward_off takes it and
 * its consequences when both are there (a chain ends at one root) */
static void test_chain(void **state)
{
	(void)state;
	struct ct_findings f;
	ct_findings_init(&f);
	add(&f, "pod_gateway_unroutable", "n1", "caliA", "forwarding_off", "10.0.0.2");
	add(&f, "forwarding_off", "n1", "net.ipv4.ip_forward", "ipv4", NULL);
	add(&f, "forwarding_off", "n1", "caliA", "ipv4", NULL);
	assert_int_equal(ct_findings_fold(&f), 0);
	assert_int_equal(f.n, 1);
	assert_string_equal(f.v[0].subject, "net.ipv4.ip_forward");
	assert_int_equal(f.v[0].n_cons, 2);
	/* a root that meets its own cause later moves under it with its consequences */
	add(&f, "ip_forward_off", "n1", "net.ipv4.ip_forward", NULL, NULL);
	assert_int_equal(ct_findings_fold(&f), 0);
	assert_int_equal(f.n, 1);
	assert_string_equal(f.v[0].def->code, "ip_forward_off");
	assert_int_equal(f.v[0].n_cons, 3);
	assert_true(has_cons(&f.v[0], "forwarding_off", "net.ipv4.ip_forward"));
	assert_true(has_cons(&f.v[0], "forwarding_off", "caliA"));
	assert_true(has_cons(&f.v[0], "pod_gateway_unroutable", "caliA"));
	ct_findings_free(&f);
}

/* Every row of the table folds a pair made to fit it, and does not when the namespace,
 * the relation or the classified cause differs. */
static void test_every_row(void **state)
{
	(void)state;
	size_t rows = 0;
	for (const struct ct_fold_rule *r = ct_fold_rules; r->cause; r++, rows++) {
		char first[32] = "";
		if (r->causes)
			snprintf(first, sizeof(first), "%.*s", (int)strcspn(r->causes, " "), r->causes);
		const char *csubj = r->cause_subject ? r->cause_subject : "caliA";
		const char *xsubj = r->rel == CT_FOLD_SUBJECT	   ? csubj
				    : r->rel == CT_FOLD_ADDR_SUBJECT ? "10.0.0.9"
								     : "caliZ";
		for (int variant = 0; variant < 5; variant++) {
			struct ct_findings f;
			ct_findings_init(&f);
			add(&f, r->consequence, variant == 1 ? "n2" : "n1", xsubj, first,
			    variant == 2 ? "10.0.0.8" : "10.0.0.9");
			add(&f, r->cause, "n1", csubj, NULL, "10.0.0.9");
			if (variant == 3)
				ct_finding_tag(&f.v[0], "no_such_cause", NULL);
			if (variant == 4)
				snprintf(f.v[0].subject, sizeof(f.v[0].subject), "caliY");
			bool expect = variant == 0 ||
				      (variant == 2 && r->rel != CT_FOLD_ADDR) ||
				      (variant == 3 && !r->causes) ||
				      (variant == 4 && r->rel != CT_FOLD_SUBJECT &&
				       r->rel != CT_FOLD_ADDR_SUBJECT);
			assert_int_equal(ct_findings_fold(&f), 0);
			if (f.n != (expect ? 1u : 2u))
				fail_msg("row %s -> %s, variant %d: %zu findings", r->cause,
					 r->consequence, variant, f.n);
			const struct ct_finding *c = find(&f, r->cause, csubj);
			assert_non_null(c);
			assert_int_equal(c->n_cons, expect ? 1 : 0);
			if (expect) {
				assert_string_equal(c->cons[0].def->code, r->consequence);
				assert_string_equal(c->cons[0].subject, variant == 4 ? "caliY" : xsubj);
			}
			ct_findings_free(&f);
		}
	}
	assert_true(rows >= 16);
}

/* a consequence whose cause is not among the findings stays a finding of its own */
static void test_cause_absent(void **state)
{
	(void)state;
	struct ct_findings f;
	ct_findings_init(&f);
	add(&f, "pod_gateway_unroutable", "n1", "caliA", "pod_route_missing", "10.0.0.2");
	add(&f, "vxlan_gateway_no_neigh", "n1", "10.9.9.9", NULL, NULL);
	add(&f, "forwarding_off", "n1", "caliB", "ipv4", NULL); /* covers caliB only */
	add(&f, "workload_no_route", "n1", "caliC", NULL, NULL); /* covers caliC only */
	assert_int_equal(ct_findings_fold(&f), 0);
	assert_int_equal(f.n, 4);
	for (size_t i = 0; i < f.n; i++)
		assert_int_equal(f.v[i].n_cons, 0);
	ct_findings_free(&f);
}

/* two causes at once: each keeps its own; the weaker root takes its consequence's severity */
static void test_two_causes(void **state)
{
	(void)state;
	struct ct_findings f;
	ct_findings_init(&f);
	add(&f, "pod_gateway_unroutable", "n1", "caliA", "pod_route_missing", "10.0.0.2");
	add(&f, "workload_link_down", "n1", "caliB", NULL, NULL);
	add(&f, "workload_no_route", "n1", "caliA", NULL, NULL);
	add(&f, "workload_no_route", "n1", "caliB", NULL, NULL);
	add(&f, "pod_gateway_unroutable", "n1", "caliB", "link_down", "10.0.0.3");
	add(&f, "tunnel_gateway_not_a_node", "n1", "10.1.0.0/26", NULL, "10.9.9.9");
	add(&f, "vxlan_gateway_no_neigh", "n1", "10.9.9.9", NULL, NULL);
	add(&f, "vxlan_gateway_no_neigh", "n1", "10.9.9.8", NULL, NULL); /* another gateway */
	assert_int_equal(f.v[2].sev, CT_SEV_WARN);
	assert_int_equal(ct_findings_fold(&f), 0);
	assert_int_equal(f.n, 4);
	const struct ct_finding *a = find(&f, "workload_no_route", "caliA");
	const struct ct_finding *b = find(&f, "workload_link_down", "caliB");
	const struct ct_finding *t = find(&f, "tunnel_gateway_not_a_node", "10.1.0.0/26");
	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(t);
	assert_non_null(find(&f, "vxlan_gateway_no_neigh", "10.9.9.8"));
	assert_int_equal(a->sev, CT_SEV_FAIL); /* warn, raised by what it breaks */
	assert_int_equal(a->n_cons, 1);
	assert_true(has_cons(a, "pod_gateway_unroutable", "caliA"));
	assert_int_equal(b->n_cons, 2);
	assert_true(has_cons(b, "workload_no_route", "caliB"));
	assert_true(has_cons(b, "pod_gateway_unroutable", "caliB"));
	assert_int_equal(t->n_cons, 1);
	assert_true(has_cons(t, "vxlan_gateway_no_neigh", "10.9.9.9"));
	assert_int_equal(ct_findings_exit(&f), 1);
	ct_findings_free(&f);
}

/* a root without a command takes its consequence's where its row says so (workload_no_route
 * cannot tell the pod's address; the gateway check asked with it); a root with its own keeps
 * them */
static void test_run_adopted(void **state)
{
	(void)state;
	struct ct_findings f;
	ct_findings_init(&f);
	add(&f, "workload_no_route", "n1", "caliA", NULL, NULL);
	struct ct_finding *g = add(&f, "pod_gateway_unroutable", "n1", "caliA", "pod_route_missing",
				   "10.0.0.2");
	assert_int_equal(ct_finding_run(g, NULL, "ip", "route", "add", "10.0.0.2", "dev", "caliA",
					"scope", "link", NULL), 0);
	add(&f, "workload_link_down", "n1", "caliB", NULL, NULL);
	assert_int_equal(ct_finding_run(&f.v[2], NULL, "ip", "link", "set", "caliB", "up", NULL), 0);
	g = add(&f, "pod_gateway_unroutable", "n1", "caliB", "link_down", "10.0.0.3");
	assert_int_equal(ct_finding_run(g, NULL, "ip", "link", "set", "dev", "caliB", "up", NULL), 0);
	assert_int_equal(ct_findings_fold(&f), 0);
	assert_int_equal(f.n, 2);
	const struct ct_finding *a = find(&f, "workload_no_route", "caliA");
	const struct ct_finding *b = find(&f, "workload_link_down", "caliB");
	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(a->n_run, 1);
	assert_string_equal(a->run[0], "ip route add 10.0.0.2 dev caliA scope link");
	assert_int_equal(b->n_run, 1);
	assert_string_equal(b->run[0], "ip link set caliB up");
	ct_findings_free(&f);

	/* only where the row says so: deleting a stale route does not bring BIRD back */
	ct_findings_init(&f);
	add(&f, "bird_unreachable", "n2", "BIRD", NULL, NULL);
	g = add(&f, "bgp_route_stale", "n2", "10.1.0.0/26", NULL, NULL);
	assert_int_equal(ct_finding_run(g, NULL, "ip", "route", "del", "10.1.0.0/26", NULL), 0);
	assert_int_equal(ct_findings_fold(&f), 0);
	assert_int_equal(f.n, 1);
	assert_int_equal(f.v[0].n_cons, 1);
	assert_int_equal(f.v[0].n_run, 0);
	ct_findings_free(&f);
}

/* more consequences than fit: counted */
static void test_overflow(void **state)
{
	(void)state;
	struct ct_findings f;
	ct_findings_init(&f);
	add(&f, "ip_forward_off", "n1", "net.ipv4.ip_forward", NULL, NULL);
	for (int i = 0; i < CT_FINDING_CONS + 3; i++) {
		char s[16];
		snprintf(s, sizeof(s), "cali%02d", i);
		add(&f, "forwarding_off", "n1", s, "ipv4", NULL);
	}
	assert_int_equal(ct_findings_fold(&f), 0);
	assert_int_equal(f.n, 1);
	assert_int_equal(f.v[0].n_cons, CT_FINDING_CONS);
	assert_int_equal(f.v[0].cons_more, 3);
	ct_findings_free(&f);
}

/* a scope (links caliA) keeps a root for its consequence in scope, showing only those */
static void test_keep(void **state)
{
	(void)state;
	struct ct_findings f;
	ct_findings_init(&f);
	add(&f, "forwarding_off", "n1", "net.ipv4.ip_forward", "ipv4", NULL);
	add(&f, "forwarding_off", "n1", "caliA", "ipv4", NULL);
	add(&f, "forwarding_off", "n1", "caliB", "ipv4", NULL);
	add(&f, "pod_gateway_unroutable", "n1", "caliA", "ip_forward_off", "10.0.0.2");
	add(&f, "pod_gateway_unroutable", "n1", "caliB", "ip_forward_off", "10.0.0.3");
	add(&f, "proxy_arp_off", "n1", "caliB", NULL, NULL);
	const char *keep[] = {"caliA"};
	ct_findings_keep(&f, keep, 1);
	assert_int_equal(f.n, 1);
	assert_string_equal(f.v[0].subject, "net.ipv4.ip_forward");
	assert_int_equal(f.v[0].n_cons, 2);
	assert_true(has_cons(&f.v[0], "forwarding_off", "caliA"));
	assert_true(has_cons(&f.v[0], "pod_gateway_unroutable", "caliA"));
	ct_findings_free(&f);

	/* nothing of the root in scope: gone; the root itself in scope: all of it */
	ct_findings_init(&f);
	add(&f, "workload_link_down", "n1", "caliB", NULL, NULL);
	add(&f, "workload_no_route", "n1", "caliB", NULL, NULL);
	const char *other[] = {"caliC"};
	ct_findings_keep(&f, other, 1);
	assert_int_equal(f.n, 0);
	add(&f, "workload_link_down", "n1", "caliB", NULL, NULL);
	add(&f, "workload_no_route", "n1", "caliB", NULL, NULL);
	add(&f, "route_to_down_link", "n1", "caliB", NULL, NULL);
	const char *b[] = {"caliB"};
	ct_findings_keep(&f, b, 1);
	assert_int_equal(f.n, 1);
	assert_int_equal(f.v[0].n_cons, 2);
	ct_findings_free(&f);
}

/* long evidence is cut at a UTF-8 boundary, never inside a character */
static void test_evidence_cut(void **state)
{
	(void)state;
	struct ct_findings f;
	ct_findings_init(&f);
	add(&f, "ip_forward_off", "n1", "net.ipv4.ip_forward", NULL, NULL);
	struct ct_finding *x = add(&f, "forwarding_off", "n1", "caliA", "ipv4", NULL);
	memset(x->evidence, 'a', sizeof(x->evidence) - 1);
	x->evidence[sizeof(x->evidence) - 1] = '\0';
	/* an e-acute (c3 a9) across the consequence's limit (199 bytes) */
	x->evidence[198] = (char)0xc3;
	x->evidence[199] = (char)0xa9;
	assert_int_equal(ct_findings_fold(&f), 0);
	assert_int_equal(f.v[0].n_cons, 1);
	assert_int_equal(strlen(f.v[0].cons[0].evidence), 198);
	ct_findings_free(&f);
}

/* render: JSON (read back by jansson) carries consequences[] on every finding ([] when none)
 * and consequences_more only when some did not fit; text prints one escaped line each */
static char *render(const struct ct_findings *f, bool json)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	assert_non_null(m);
	struct ct_out o;
	assert_int_equal(ct_out_init(&o, m, json, CT_COLOR_NEVER), 0);
	ct_out_begin(&o, "doctor", "node-1", "live", "n1", false);
	ct_out_end(&o, f);
	ct_out_free(&o);
	assert_int_equal(ct_out_close(&o), 0);
	return buf;
}

static void test_render(void **state)
{
	(void)state;
	struct ct_findings f;
	ct_findings_init(&f);
	static const char esc[] = "cali\x1b[31m";
	add(&f, "ip_forward_off", "n1", "net.ipv4.ip_forward", NULL, NULL);
	struct ct_finding *x = add(&f, "forwarding_off", "n1", esc, "ipv4", NULL);
	snprintf(x->evidence, sizeof(x->evidence), "net.ipv4.conf.%s.forwarding = 0", esc);
	add(&f, "proxy_arp_off", "n1", "caliB", NULL, NULL);
	for (int i = 0; i <= CT_FINDING_CONS; i++) { /* one more than fits */
		char s[16];
		snprintf(s, sizeof(s), "10.0.0.%d", i);
		add(&f, "bgp_route_stale", "n1", s, NULL, NULL);
	}
	add(&f, "bird_unreachable", "n1", "BIRD", NULL, NULL);
	assert_int_equal(ct_findings_fold(&f), 0);
	ct_findings_sort(&f);
	assert_int_equal(f.n, 3);

	char *j = render(&f, true);
	json_error_t je;
	json_t *doc = json_loads(j, 0, &je);
	if (!doc)
		fail_msg("not JSON: %s", je.text);
	json_t *fs = json_object_get(doc, "findings");
	assert_int_equal(json_array_size(fs), 3);
	size_t i;
	json_t *v;
	int seen = 0;
	json_array_foreach(fs, i, v) {
		const char *code = json_string_value(json_object_get(v, "code"));
		json_t *c = json_object_get(v, "consequences");
		assert_true(json_is_array(c));
		if (!strcmp(code, "ip_forward_off")) {
			seen |= 1;
			assert_int_equal(json_array_size(c), 1);
			json_t *k = json_array_get(c, 0);
			assert_string_equal(json_string_value(json_object_get(k, "code")), "forwarding_off");
			assert_string_equal(json_string_value(json_object_get(k, "subject")), esc);
			assert_string_equal(json_string_value(json_object_get(k, "evidence")),
					    "net.ipv4.conf.cali\x1b[31m.forwarding = 0");
			assert_null(json_object_get(v, "consequences_more"));
			assert_int_equal(json_object_size(k), 3);
		} else if (!strcmp(code, "bird_unreachable")) {
			seen |= 2;
			assert_int_equal(json_array_size(c), CT_FINDING_CONS);
			assert_int_equal(json_integer_value(json_object_get(v, "consequences_more")), 1);
		} else {
			assert_string_equal(code, "proxy_arp_off");
			assert_int_equal(json_array_size(c), 0);
		}
	}
	assert_int_equal(seen, 3);
	json_decref(doc);
	free(j);

	char *t = render(&f, false);
	assert_null(strchr(t, '\x1b'));
	assert_non_null(strstr(t, "\n     causes: forwarding_off  cali"));
	assert_non_null(strstr(t, "\n     causes: bgp_route_stale  10.0.0.0: ev\n"));
	assert_non_null(strstr(t, "\n     causes: 1 more\n"));
	size_t lines = 0;
	for (const char *p = t; (p = strstr(p, "     causes: ")); p++)
		lines++;
	assert_int_equal(lines, 1 + CT_FINDING_CONS + 1);
	free(t);
	ct_findings_free(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ip_forward),
		cmocka_unit_test(test_two_families), cmocka_unit_test(test_chain),
		cmocka_unit_test(test_every_row),  cmocka_unit_test(test_cause_absent),
		cmocka_unit_test(test_two_causes), cmocka_unit_test(test_overflow),
		cmocka_unit_test(test_keep),	   cmocka_unit_test(test_evidence_cut),
		cmocka_unit_test(test_run_adopted), cmocka_unit_test(test_render),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
