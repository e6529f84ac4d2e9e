/* SPDX-License-Identifier: MIT */
/* Unit tests for the frame of `caltrace top` (analysis/top.c) and its views: rates from two
 * counter sets (expected values computed by hand from the deltas), the wrap of 64-bit
 * counters, a removed interface, a peer's cause, and the JSON line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <net/if.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/top.h"
#include "model/bgp.h"
#include "render/views_top.h"

static struct ct_prefixes pfx;

static struct ct_link *add_link(struct ct_netns *ns, int idx, const char *name)
{
	struct ct_link *l = ct_push_link(ns);
	l->ifindex = idx;
	snprintf(l->name, sizeof(l->name), "%s", name);
	snprintf(l->kind, sizeof(l->kind), "veth");
	l->flags = IFF_UP;
	l->oper = CT_OPER_UP;
	l->mtu = 1500;
	l->mac_len = 6;
	memset(l->mac, 0xee, 6);
	l->link_netnsid = -1;
	l->peer_ns = -1;
	return l;
}

static void add_pod_route(struct ct_netns *ns, const char *ip, int oif)
{
	struct ct_route *r = ct_push_route(ns);
	assert_int_equal(ct_prefix_parse(ip, &r->dst), 0);
	r->oif = oif;
	r->table = RT_TABLE_MAIN;
	r->scope = RT_SCOPE_LINK;
	r->type = RTN_UNICAST;
	r->protocol = RTPROT_BOOT;
}

static void ctrs_add(struct ct_top_ctrs *c, int ifindex, struct ct_stats s)
{
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 8;
		c->v = realloc(c->v, c->cap * sizeof(*c->v));
		assert_non_null(c->v);
	}
	c->v[c->n++] = (struct ct_top_ctr){ifindex, s};
}

static void test_rate_two_sets(void **state)
{
	(void)state;
	struct ct_stats a = {
	    .rx_packets = 100, .tx_packets = 50, .rx_bytes = 10000, .tx_bytes = 4000};
	struct ct_stats b = {.rx_packets = 300,
			     .tx_packets = 50,
			     .rx_bytes = 30000,
			     .tx_bytes = 5000,
			     .rx_dropped = 3,
			     .tx_errors = 2};
	struct ct_top_rate r;
	ct_top_rate(&a, &b, 2000, &r); /* over 2 s */
	assert_true(r.known);
	assert_true(r.rx_pps == 100.0); /* 200 packets / 2 s */
	assert_true(r.tx_pps == 0.0);
	assert_true(r.rx_bps == 80000.0); /* 20000 bytes * 8 / 2 s */
	assert_true(r.tx_bps == 4000.0);  /* 1000 * 8 / 2 */
	assert_int_equal(r.dropped, 3);
	assert_int_equal(r.errors, 2);
	/* no previous read, or no time between them: unknown, never a made-up zero */
	ct_top_rate(NULL, &b, 2000, &r);
	assert_false(r.known);
	ct_top_rate(&a, &b, 0, &r);
	assert_false(r.known);
}

static void test_rate_wrap64(void **state)
{
	(void)state;
	struct ct_stats a = {.rx_packets = UINT64_MAX - 9, .rx_bytes = UINT64_MAX - 999};
	struct ct_stats b = {.rx_packets = 10, .rx_bytes = 1000};
	struct ct_top_rate r;
	ct_top_rate(&a, &b, 1000, &r);
	assert_true(r.known);
	assert_true(r.rx_pps == 20.0);	  /* 10 to the top, 10 after the wrap */
	assert_true(r.rx_bps == 16000.0); /* 2000 bytes */
}

static void test_ctrs_lookup(void **state)
{
	(void)state;
	struct ct_top_ctrs c;
	ct_top_ctrs_init(&c);
	for (int i = 50; i > 0; i--)
		ctrs_add(&c, i * 3, (struct ct_stats){.rx_packets = (uint64_t)i});
	ct_top_ctrs_sort(&c);
	assert_non_null(ct_top_ctrs_get(&c, 30));
	assert_int_equal(ct_top_ctrs_get(&c, 30)->rx_packets, 10);
	assert_null(ct_top_ctrs_get(&c, 31));
	assert_null(ct_top_ctrs_get(NULL, 30));
	ct_top_ctrs_free(&c);
}

/* two workloads; the counters of a third interface (removed since the read) are there too */
static void test_frame_removed_iface(void **state)
{
	(void)state;
	struct ct_node n;
	ct_node_init(&n);
	snprintf(n.name, sizeof(n.name), "node1");
	struct ct_netns *ns = ct_node_add_ns(&n);
	snprintf(ns->name, sizeof(ns->name), "host");
	add_link(ns, 7, "cali1111111111a");
	add_link(ns, 9, "cali2222222222b");
	add_pod_route(ns, "10.0.0.7/32", 7);
	add_pod_route(ns, "10.0.0.9/32", 9);
	assert_int_equal(ct_netns_index(ns), 0);

	struct ct_top_ctrs prev, cur;
	ct_top_ctrs_init(&prev);
	ct_top_ctrs_init(&cur);
	prev.at_ms = 10000;
	cur.at_ms = 11000;
	ctrs_add(&prev, 7, (struct ct_stats){.rx_packets = 10, .tx_packets = 20, .rx_bytes = 1000});
	ctrs_add(&cur, 7, (struct ct_stats){.rx_packets = 15, .tx_packets = 40, .rx_bytes = 1500});
	ctrs_add(&prev, 8, (struct ct_stats){.rx_packets = 1});
	ctrs_add(&cur, 8, (struct ct_stats){.rx_packets = 2}); /* ifindex 8: gone from the model */
	ctrs_add(&cur, 9, (struct ct_stats){.rx_packets = 5}); /* 9: new since the previous read */
	ct_top_ctrs_sort(&prev);
	ct_top_ctrs_sort(&cur);

	struct ct_findings f;
	ct_findings_init(&f);
	struct ct_top_input in = {.n = &n,
				  .ns = ns,
				  .pfx = &pfx,
				  .prev = &prev,
				  .cur = &cur,
				  .findings = &f,
				  .now = 5000,
				  .model_at = 4000};
	struct ct_top_frame fr;
	assert_int_equal(ct_top_frame_build(&in, &fr), 0);
	assert_int_equal(fr.nwl, 2);
	assert_string_equal(fr.wl[0].w->link->name, "cali1111111111a");
	assert_true(fr.wl[0].r.known);
	assert_true(fr.wl[0].r.rx_pps == 5.0);	/* from the pod */
	assert_true(fr.wl[0].r.tx_pps == 20.0); /* to the pod */
	assert_true(fr.wl[0].r.rx_bps == 4000.0);
	assert_string_equal(fr.wl[1].w->link->name, "cali2222222222b");
	assert_true(fr.wl[1].have_ctr);
	assert_false(fr.wl[1].r.known);
	assert_int_equal(fr.h.workloads, 2);
	assert_true(fr.h.age_s == 1.0);
	assert_string_equal(fr.h.bird, "down");
	assert_int_equal(ct_top_exit(&fr), 0);

	/* the filter hides rows by name */
	snprintf(fr.filter, sizeof(fr.filter), "2222");
	assert_null(ct_view_row(&ct_view_top_workloads, &fr, 0));
	assert_non_null(ct_view_row(&ct_view_top_workloads, &fr, 1));
	fr.filter[0] = 0;
	ct_top_frame_free(&fr);

	/* the interface removed from the model: its row is gone */
	assert_int_equal(ct_link_delete(ns, 9), 0);
	assert_int_equal(ct_top_frame_build(&in, &fr), 0);
	assert_int_equal(fr.nwl, 1);
	assert_string_equal(fr.wl[0].w->link->name, "cali1111111111a");
	ct_top_frame_free(&fr);

	ct_findings_free(&f);
	ct_top_ctrs_free(&prev);
	ct_top_ctrs_free(&cur);
	ct_node_free(&n);
}

/* drops of pod namespaces: only non-zero counters, a rate from the two reads (hand computed),
 * one `?` row for a namespace not read */
static void test_frame_pod_drops(void **state)
{
	(void)state;
	struct ct_node n;
	ct_node_init(&n);
	struct ct_netns *ns = ct_node_add_ns(&n);
	snprintf(ns->name, sizeof(ns->name), "host");
	assert_int_equal(ct_netns_index(ns), 0);
	size_t k_rp = 0, k_nr = 0;
	while (strcmp(ct_top_drop_counters[k_rp][0], "TcpExtIPReversePathFilter"))
		k_rp++;
	while (strcmp(ct_top_drop_counters[k_nr][0], "IpOutNoRoutes"))
		k_nr++;
	struct ct_top_nsdrops pd[2];
	memset(pd, 0, sizeof(pd));
	snprintf(pd[0].netns, sizeof(pd[0].netns), "pod-a");
	pd[0].known = true;
	pd[0].have = pd[0].phave = 1u << k_rp | 1u << k_nr;
	pd[0].v[k_nr] = 12;
	pd[0].pv[k_nr] = 2;
	pd[0].dt_ms = 2000; /* (12 - 2) / 2 s = 5 per second; k_rp is 0: no row */
	snprintf(pd[1].netns, sizeof(pd[1].netns), "pod-b");
	snprintf(pd[1].note, sizeof(pd[1].note), "not read: no path to enter the namespace");
	struct ct_findings f;
	ct_findings_init(&f);
	struct ct_top_input in = {.n = &n, .ns = ns, .pfx = &pfx, .findings = &f,
				  .podns = pd, .npodns = 2, .now = 1, .model_at = 1};
	struct ct_top_frame fr;
	assert_int_equal(ct_top_frame_build(&in, &fr), 0);
	assert_int_equal(fr.ndrops, 2); /* no node counters given: the pods' rows only */
	assert_string_equal(fr.drops[0].netns, "pod-a");
	assert_string_equal(fr.drops[0].counter, "IpOutNoRoutes");
	assert_int_equal(fr.drops[0].value, 12);
	assert_true(fr.drops[0].rate_known);
	assert_true(fr.drops[0].per_s == 5.0);
	assert_string_equal(fr.drops[1].netns, "pod-b");
	assert_true(fr.drops[1].unknown);
	assert_string_equal(fr.drops[1].counter, "?");
	assert_string_equal(fr.drops[1].reason, "not read: no path to enter the namespace");
	ct_top_frame_free(&fr);
	ct_findings_free(&f);
	ct_node_free(&n);
}

static void test_peer_cause(void **state)
{
	(void)state;
	struct ct_bgp_peer p;
	memset(&p, 0, sizeof(p));
	snprintf(p.name, sizeof(p.name), "Mesh_192_168_31_202");
	snprintf(p.state, sizeof(p.state), "start");
	snprintf(p.bgp_state, sizeof(p.bgp_state), "Active");
	snprintf(p.last_error, sizeof(p.last_error), "Socket: Connection refused");
	char buf[192];
	assert_true(ct_top_peer_cause(&p, buf, sizeof(buf)));
	assert_string_equal(buf, "Active: Socket: Connection refused");
	snprintf(p.bgp_state, sizeof(p.bgp_state), "Established");
	assert_false(ct_top_peer_cause(&p, buf, sizeof(buf)));
	assert_string_equal(buf, "");
}

static void test_json_compact(void **state)
{
	(void)state;
	char doc[] = "{\n  \"a\": \"x y\\\" z\",\n  \"b\": [\n    1,\n    2\n  ]\n}\n";
	size_t len = strlen(doc);
	ct_top_json_compact(doc, &len);
	doc[len] = 0;
	assert_string_equal(doc, "{\"a\":\"x y\\\" z\",\"b\":[1,2]}");
}

static void test_rate_text(void **state)
{
	(void)state;
	char b[16];
	assert_string_equal(ct_top_rate_text(950, b, sizeof(b)), "950");
	assert_string_equal(ct_top_rate_text(12345, b, sizeof(b)), "12.3k");
	assert_string_equal(ct_top_rate_text(4510000, b, sizeof(b)), "4.51M");
}

int main(void)
{
	ct_prefixes_parse("cali", &pfx);
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rate_two_sets), cmocka_unit_test(test_rate_wrap64),
	    cmocka_unit_test(test_ctrs_lookup),	  cmocka_unit_test(test_frame_removed_iface),
	    cmocka_unit_test(test_peer_cause),	  cmocka_unit_test(test_json_compact),
	    cmocka_unit_test(test_rate_text),	  cmocka_unit_test(test_frame_pod_drops),
	};
	return cmocka_run_group_tests_name("top", tests, NULL, NULL);
}
