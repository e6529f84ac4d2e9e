/* SPDX-License-Identifier: MIT */
/* BGP causes and the BIRD <-> kernel cross-check, on models built from the
 * states and messages of the reference BIRD transcripts
 * (../shared/reference/bird/); node-wide doctor checks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "analysis/analysis.h"
#include "model/bgp.h"
#include "model/bgp_json.h"

static bool has_code(const struct ct_findings *f, const char *code, const char *subject)
{
	for (size_t i = 0; i < f->n; i++)
		if (!strcmp(f->v[i].def->code, code) && (!subject || !strcmp(f->v[i].subject, subject)))
			return true;
	return false;
}

static struct ct_bgp_peer *add_peer(struct ct_bgp *b, const char *ip, const char *state,
				    const char *bgp_state, const char *err)
{
	b->peers = realloc(b->peers, (b->n_peers + 1) * sizeof(*b->peers));
	struct ct_bgp_peer *p = &b->peers[b->n_peers++];
	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "Mesh_%s", ip);
	for (char *c = p->name; *c; c++)
		if (*c == '.')
			*c = '_';
	snprintf(p->type, sizeof(p->type), "mesh");
	snprintf(p->proto, sizeof(p->proto), "BGP");
	snprintf(p->state, sizeof(p->state), "%s", state);
	snprintf(p->bgp_state, sizeof(p->bgp_state), "%s", bgp_state);
	snprintf(p->last_error, sizeof(p->last_error), "%s", err);
	ct_ip_parse(ip, &p->neighbor);
	p->neighbor_as = 64512;
	p->has_neighbor_as = true;
	p->hold_now = p->hold_max = p->keepalive_now = p->keepalive_max = -1;
	return p;
}

/* via NULL: a blackhole; nh NULL: BGP.next_hop = via */
static void add_broute_nh(struct ct_bgp *b, const char *dst, const char *via, const char *nh)
{
	struct ct_prefix d;
	struct ct_bgp_rattr a;
	memset(&a, 0, sizeof(a));
	assert_int_equal(ct_prefix_parse(dst, &d), 0);
	if (via) {
		ct_ip_parse(via, &a.via);
		a.bgp_next_hop = a.via;
		if (nh)
			ct_ip_parse(nh, &a.bgp_next_hop);
	} else {
		a.blackhole = true;
	}
	assert_int_equal(ct_bgp_route_add(b, &d, true, &a), 0);
}

static void add_broute(struct ct_bgp *b, const char *dst, const char *via)
{
	add_broute_nh(b, dst, via, NULL);
}

static struct ct_route *add_kroute(struct ct_netns *ns, const char *dst, const char *gw, uint8_t type)
{
	struct ct_route *r = ct_push_route(ns);
	ct_prefix_parse(dst, &r->dst);
	if (gw)
		ct_ip_parse(gw, &r->gw);
	r->table = RT_TABLE_MAIN;
	r->type = type;
	r->protocol = RTPROT_BIRD;
	r->oif = 2;
	return r;
}

static void node_with_bird(struct ct_node *n, struct ct_netns **ns)
{
	ct_node_init(n);
	*ns = ct_node_add_ns(n);
	snprintf((*ns)->name, sizeof((*ns)->name), "host");
	n->bgp = calloc(1, sizeof(*n->bgp));
	ct_bgp_init(n->bgp);
	snprintf(n->bgp->kernel_proto, sizeof(n->bgp->kernel_proto), "kernel1");
}

/* the degraded transcript: one peer reset, one refused; the node2-disabled one */
static void test_causes(void **state)
{
	struct ct_node n;
	struct ct_netns *ns;
	node_with_bird(&n, &ns);
	add_peer(n.bgp, "192.168.31.202", "up", "Established", "");
	add_peer(n.bgp, "192.168.31.203", "start", "Active", "Socket: Connection refused");
	add_peer(n.bgp, "192.168.31.204", "down", "Down", "");
	add_peer(n.bgp, "192.168.31.205", "start", "Idle", "BGP Error: Bad peer AS");
	add_peer(n.bgp, "192.168.31.206", "start", "Idle", "Received: Bad peer AS");
	add_peer(n.bgp, "192.168.31.207", "start", "Connect", "");
	add_peer(n.bgp, "192.168.31.208", "start", "Passive", "");
	add_peer(n.bgp, "192.168.31.209", "start", "Idle", "Hold timer expired");
	struct ct_findings f;
	ct_findings_init(&f);
	assert_int_equal(ct_analyze_bgp(&n, ns, n.bgp, true, NULL, NULL, &f), 0);
	assert_false(has_code(&f, "bgp_peer_down", "Mesh_192_168_31_202"));
	assert_true(has_code(&f, "bgp_connection_refused", "Mesh_192_168_31_203"));
	assert_true(has_code(&f, "bgp_peer_disabled", "Mesh_192_168_31_204"));
	assert_true(has_code(&f, "bgp_bad_peer_as_local", "Mesh_192_168_31_205"));
	assert_true(has_code(&f, "bgp_bad_peer_as_remote", "Mesh_192_168_31_206"));
	assert_true(has_code(&f, "bgp_no_response", "Mesh_192_168_31_207"));
	assert_true(has_code(&f, "bgp_passive_waiting", "Mesh_192_168_31_208"));
	assert_true(has_code(&f, "bgp_hold_timer_expired", "Mesh_192_168_31_209"));
	assert_int_equal(f.n, 7);
	ct_findings_free(&f);
	ct_node_free(&n);
}

static void test_kernel_crosscheck(void **state)
{
	struct ct_node n;
	struct ct_netns *ns;
	node_with_bird(&n, &ns);
	add_peer(n.bgp, "192.168.31.202", "up", "Established", "");
	/* in the kernel and right */
	add_broute(n.bgp, "172.168.0.64/26", "192.168.31.202");
	add_kroute(ns, "172.168.0.64/26", "192.168.31.202", RTN_UNICAST);
	/* BGP.next_hop differs from the peer (a route reflector): the kernel must follow next_hop */
	add_broute_nh(n.bgp, "172.168.0.128/26", "192.168.31.202", "192.168.31.203");
	add_kroute(ns, "172.168.0.128/26", "192.168.31.202", RTN_UNICAST);
	/* exported, missing from the kernel */
	add_broute(n.bgp, "172.168.1.0/26", "192.168.31.204");
	/* the own block as a blackhole */
	add_broute(n.bgp, "172.168.0.0/26", NULL);
	add_kroute(ns, "172.168.0.0/26", NULL, RTN_BLACKHOLE);
	/* a proto bird route BIRD no longer exports */
	add_kroute(ns, "172.168.9.0/26", "192.168.31.209", RTN_UNICAST);
	struct ct_findings f;
	struct ct_bgp_check *cv;
	size_t nc;
	ct_findings_init(&f);
	assert_int_equal(ct_analyze_bgp(&n, ns, n.bgp, true, &cv, &nc, &f), 0);
	assert_int_equal(nc, 4);
	assert_true(cv[0].ok);
	assert_false(cv[1].ok);
	assert_false(cv[2].in_kernel);
	assert_true(cv[3].ok);
	assert_true(has_code(&f, "bgp_route_mismatch", "172.168.0.128/26"));
	assert_true(has_code(&f, "bgp_route_missing_in_kernel", "172.168.1.0/26"));
	assert_true(has_code(&f, "bgp_route_stale", "172.168.9.0/26"));
	assert_false(has_code(&f, "bgp_route_stale", "172.168.0.0/26"));
	assert_int_equal(f.n, 3);
	free(cv);
	/* the kernel sends a BIRD route out of another device than BIRD says */
	struct ct_bgp_rattr a1 = *n.bgp->routes[0].at;
	snprintf(a1.dev, sizeof(a1.dev), "eth1");
	n.bgp->routes[0].at = ct_bgp_rattr_intern(n.bgp, &a1);
	assert_non_null(n.bgp->routes[0].at);
	struct ct_link *l = ct_push_link(ns);
	l->ifindex = 2;
	snprintf(l->name, sizeof(l->name), "eth0");
	l->mac_len = 6;
	ct_netns_index(ns);
	ct_findings_free(&f);
	ct_findings_init(&f);
	ct_analyze_bgp(&n, ns, n.bgp, true, NULL, NULL, &f);
	assert_true(has_code(&f, "bgp_route_mismatch", "172.168.0.64/26"));
	/* ... but an IPIP tunnel is what Calico's BIRD programs for IPIP pools */
	snprintf(l->kind, sizeof(l->kind), "ipip");
	ct_findings_free(&f);
	ct_findings_init(&f);
	ct_analyze_bgp(&n, ns, n.bgp, true, NULL, NULL, &f);
	assert_false(has_code(&f, "bgp_route_mismatch", "172.168.0.64/26"));
	/* the routes of one peer: no judgement on what is not shown */
	ct_findings_free(&f);
	ct_findings_init(&f);
	ct_analyze_bgp(&n, ns, n.bgp, false, NULL, NULL, &f);
	assert_false(has_code(&f, "bgp_route_stale", NULL));
	assert_false(has_code(&f, "bgp_route_missing_in_kernel", NULL));
	ct_findings_free(&f);
	ct_node_free(&n);
}

/* BIRD 1.x serves one family per daemon (bird, bird6): the IPv6 proto bird
 * routes beside an IPv4 bird are bird6's, never its stale routes; BIRD 2
 * serves both, and judges both. */
static void test_family(void **state)
{
	(void)state;
	struct ct_node n;
	struct ct_netns *ns;
	node_with_bird(&n, &ns);
	assert_int_equal(ct_bgp_family(n.bgp), 0); /* nothing tells */
	n.bgp->status.flavour = CT_BIRD_V1;
	add_peer(n.bgp, "192.168.31.202", "up", "Established", "");
	add_broute(n.bgp, "172.168.0.64/26", "192.168.31.202");
	add_kroute(ns, "172.168.0.64/26", "192.168.31.202", RTN_UNICAST);
	add_kroute(ns, "fd00:172:168:2::/122", "fd00:192:168:31::202", RTN_UNICAST);
	add_kroute(ns, "172.168.9.0/26", "192.168.31.209", RTN_UNICAST);
	assert_int_equal(ct_bgp_family(n.bgp), AF_INET);
	struct ct_findings f;
	ct_findings_init(&f);
	assert_int_equal(ct_analyze_bgp(&n, ns, n.bgp, true, NULL, NULL, &f), 0);
	assert_true(has_code(&f, "bgp_route_stale", "172.168.9.0/26"));
	assert_false(has_code(&f, "bgp_route_stale", "fd00:172:168:2::/122"));
	ct_findings_free(&f);
	/* BIRD 2: one daemon, both families */
	n.bgp->status.flavour = CT_BIRD_V2;
	assert_int_equal(ct_bgp_family(n.bgp), 0);
	ct_findings_init(&f);
	ct_analyze_bgp(&n, ns, n.bgp, true, NULL, NULL, &f);
	assert_true(has_code(&f, "bgp_route_stale", "fd00:172:168:2::/122"));
	ct_findings_free(&f);
	/* a 1.x daemon with peers of both families: nothing tells which is its own */
	n.bgp->status.flavour = CT_BIRD_V1;
	add_peer(n.bgp, "fd00:192:168:31::203", "up", "Established", "");
	assert_int_equal(ct_bgp_family(n.bgp), 0);
	ct_node_free(&n);
}

/* Findings as "code subject" lines, in order. */
static void findings_text(const struct ct_findings *f, char *out, size_t len)
{
	size_t o = 0;
	out[0] = 0;
	for (size_t i = 0; i < f->n && o < len; i++)
		o += (size_t)snprintf(out + o, len - o, "%s %s\n", f->v[i].def->code,
				      f->v[i].subject);
}

/* The kernel's routes fed one at a time (as a streamed dump hands them, with a
 * restart after an interrupted dump) give what the model's table gives; the
 * kernel route a check keeps is the main table's lowest metric, the last of
 * equal ones; stale routes come in the kernel's order. */
static void test_stream_match(void **state)
{
	struct ct_node n;
	struct ct_netns *ns;
	node_with_bird(&n, &ns);
	add_peer(n.bgp, "192.168.31.202", "up", "Established", "");
	add_broute(n.bgp, "172.168.0.64/26", "192.168.31.202");
	add_broute(n.bgp, "172.168.0.128/26", "192.168.31.203");
	add_broute(n.bgp, "172.168.1.0/26", "192.168.31.204");
	add_broute(n.bgp, "fd00:1::/122", "fd00::202");
	/* not the best route: no check, but it is exported (not stale) */
	struct ct_prefix d;
	struct ct_bgp_rattr a = {0};
	ct_prefix_parse("172.168.7.0/26", &d);
	ct_ip_parse("192.168.31.207", &a.via);
	assert_int_equal(ct_bgp_route_add(n.bgp, &d, false, &a), 0);
	/* 0.64: another table's route is ignored; metric 5 beats a later metric 9 */
	struct ct_route *k = add_kroute(ns, "172.168.0.64/26", "192.168.31.99", RTN_UNICAST);
	k->table = 100;
	k = add_kroute(ns, "172.168.0.64/26", "192.168.31.202", RTN_UNICAST);
	k->priority = 5;
	k = add_kroute(ns, "172.168.0.64/26", "192.168.31.98", RTN_UNICAST);
	k->priority = 9;
	/* 0.128: two of metric 0, the last one counts (right next hop) */
	add_kroute(ns, "172.168.0.128/26", "192.168.31.97", RTN_UNICAST);
	k = add_kroute(ns, "172.168.0.128/26", "192.168.31.203", RTN_UNICAST);
	k->protocol = RTPROT_STATIC;
	k->oif = 7;
	add_kroute(ns, "fd00:1::/122", "fd00::202", RTN_UNICAST);
	add_kroute(ns, "172.168.9.0/26", "192.168.31.209", RTN_UNICAST); /* stale */
	add_kroute(ns, "172.168.7.0/26", "192.168.31.207", RTN_UNICAST); /* exported */
	add_kroute(ns, "fd00:9::/122", "fd00::209", RTN_UNICAST);        /* stale */
	k = add_kroute(ns, "172.168.8.0/26", "192.168.31.208", RTN_UNICAST);
	k->table = 100; /* another table: not judged */

	struct ct_findings f1, f2;
	struct ct_bgp_check *c1, *c2;
	size_t n1, n2;
	ct_findings_init(&f1);
	ct_findings_init(&f2);
	assert_int_equal(ct_analyze_bgp(&n, ns, n.bgp, true, &c1, &n1, &f1), 0);
	assert_int_equal(n1, 4);
	assert_int_equal(c1[0].bird, 0);
	assert_true(c1[0].in_kernel);
	assert_int_equal(c1[0].kmetric, 5);
	assert_true(c1[0].ok);
	assert_int_equal(c1[1].bird, 1);
	assert_int_equal(c1[1].kproto, RTPROT_STATIC);
	assert_int_equal(c1[1].koif, 7);
	assert_true(c1[1].ok);
	assert_false(c1[2].in_kernel);
	assert_true(c1[3].in_kernel);
	assert_true(c1[3].ok);
	char t1[512], t2[512];
	findings_text(&f1, t1, sizeof(t1));
	assert_string_equal(t1, "bgp_route_missing_in_kernel 172.168.1.0/26\n"
				"bgp_route_stale 172.168.9.0/26\n"
				"bgp_route_stale fd00:9::/122\n");

	/* streamed: a first pass cut short by a restart, then the whole dump */
	struct ct_bgp_match m;
	assert_int_equal(ct_bgp_match_init(&m, n.bgp, true), 0);
	struct ct_route junk = ns->routes.v[0];
	junk.table = RT_TABLE_MAIN;
	junk.gw.a[3] = 1;
	ct_prefix_parse("172.168.5.0/26", &junk.dst);
	assert_int_equal(ct_bgp_match_route(&m, &junk), 0); /* would be stale */
	assert_int_equal(ct_bgp_match_route(&m, &ns->routes.v[1]), 0);
	ct_bgp_match_reset(&m);
	for (size_t i = 0; i < ns->routes.n; i++)
		assert_int_equal(ct_bgp_match_route(&m, &ns->routes.v[i]), 0);
	assert_int_equal(ct_analyze_bgp_matched(&n, ns, &m, &c2, &n2, &f2), 0);
	ct_bgp_match_free(&m);
	assert_int_equal(n2, n1);
	assert_memory_equal(c1, c2, n1 * sizeof(*c1));
	findings_text(&f2, t2, sizeof(t2));
	assert_string_equal(t1, t2);
	free(c1);
	free(c2);
	ct_findings_free(&f1);
	ct_findings_free(&f2);

	/* the routes of one peer: nothing stale, nothing missing */
	ct_findings_init(&f1);
	assert_int_equal(ct_bgp_match_init(&m, n.bgp, false), 0);
	for (size_t i = 0; i < ns->routes.n; i++)
		assert_int_equal(ct_bgp_match_route(&m, &ns->routes.v[i]), 0);
	assert_int_equal(ct_analyze_bgp_matched(&n, ns, &m, NULL, NULL, &f1), 0);
	ct_bgp_match_free(&m);
	assert_int_equal(f1.n, 0);
	ct_findings_free(&f1);
	ct_node_free(&n);
}

static void test_mesh_large(void **state)
{
	struct ct_node n;
	struct ct_netns *ns;
	node_with_bird(&n, &ns);
	char ip[32];
	for (int i = 1; i <= 100; i++) {
		snprintf(ip, sizeof(ip), "10.0.%d.%d", i / 250, i % 250 + 1);
		add_peer(n.bgp, ip, "up", "Established", "");
	}
	struct ct_findings f;
	ct_findings_init(&f);
	ct_analyze_bgp(&n, ns, n.bgp, true, NULL, NULL, &f);
	assert_true(has_code(&f, "bgp_mesh_large", NULL));
	assert_int_equal(ct_findings_exit(&f), 0); /* info only */
	ct_findings_free(&f);
	ct_node_free(&n);
}

static void test_mesh_incomplete(void **state)
{
	struct ct_node n;
	struct ct_netns *ns;
	node_with_bird(&n, &ns);
	snprintf(n.name, sizeof(n.name), "node1");
	add_peer(n.bgp, "192.168.31.202", "up", "Established", "");
	n.have_pods = true;
	const char *nodes[] = {"node1", "node2", "node3", "node3"};
	for (int i = 0; i < 4; i++) {
		struct ct_pod *p = ct_push_pod(&n);
		snprintf(p->node, sizeof(p->node), "%s", nodes[i]);
	}
	struct ct_findings f;
	ct_findings_init(&f);
	ct_analyze_bgp(&n, ns, n.bgp, true, NULL, NULL, &f);
	assert_true(has_code(&f, "bgp_mesh_incomplete", NULL));
	add_peer(n.bgp, "192.168.31.203", "up", "Established", "");
	ct_findings_free(&f);
	ct_findings_init(&f);
	ct_analyze_bgp(&n, ns, n.bgp, true, NULL, NULL, &f);
	assert_false(has_code(&f, "bgp_mesh_incomplete", NULL));
	ct_findings_free(&f);
	ct_node_free(&n);
}

static void test_json_roundtrip(void **state)
{
	struct ct_node n;
	struct ct_netns *ns;
	node_with_bird(&n, &ns);
	snprintf(n.bgp->status.version, sizeof(n.bgp->status.version), "v0.3.3+birdv1.6.8");
	snprintf(n.bgp->status.router_id, sizeof(n.bgp->status.router_id), "192.168.31.201");
	n.bgp->status.flavour = CT_BIRD_V1;
	struct ct_bgp_peer *p = add_peer(n.bgp, "192.168.31.202", "up", "Established", "");
	p->hold_now = 186;
	p->hold_max = 240;
	p->imported = 3;
	p->has_routes = true;
	add_broute(n.bgp, "172.168.0.64/26", "192.168.31.202");
	add_broute(n.bgp, "0.0.0.0/0", "192.168.31.1");
	add_broute(n.bgp, "::/0", "fe80::1");
	n.bgp->sessions = calloc(1, sizeof(*n.bgp->sessions));
	n.bgp->n_sessions = 1;
	n.bgp->have_sessions = true;
	ct_ip_parse("192.168.31.201", &n.bgp->sessions[0].local);
	ct_ip_parse("192.168.31.202", &n.bgp->sessions[0].remote);
	n.bgp->sessions[0].lport = 40000;
	n.bgp->sessions[0].rport = 179;
	snprintf(n.bgp->sessions[0].state, sizeof(n.bgp->sessions[0].state), "SYN-SENT");
	/* BIRD text that is not UTF-8 or holds a backslash: kept by the JSON rule */
	snprintf(p->description, sizeof(p->description), "rack\xfa \\xfa \xe0\x80\xaf caf\xc3\xa9");
	p->passive = -1; /* BIRD could not tell: null, and null reads back as unknown */
	char *js;
	assert_int_equal(ct_bgp_to_json(n.bgp, NULL, &js), 0);
	assert_non_null(strstr(js, "\"passive\":null"));
	assert_non_null(strstr(js, "\"description\":\"rack\\\\xfa \\\\\\\\xfa "
				   "\\\\xe0\\\\x80\\\\xaf caf\xc3\xa9\""));
	struct ct_bgp b2;
	struct ct_err err = {0};
	char e[64];
	ct_bgp_init(&b2);
	assert_int_equal(ct_bgp_from_json(js, "t.json", &b2, e, sizeof(e), &err), 0);
	assert_string_equal(b2.status.version, "v0.3.3+birdv1.6.8");
	assert_int_equal(b2.status.flavour, CT_BIRD_V1);
	assert_int_equal(b2.n_peers, 1);
	assert_string_equal(b2.peers[0].name, "Mesh_192_168_31_202");
	assert_string_equal(b2.peers[0].description, "rack\xfa \\xfa \xe0\x80\xaf caf\xc3\xa9");
	assert_int_equal(b2.peers[0].hold_now, 186);
	assert_int_equal(b2.peers[0].passive, -1);
	assert_int_equal(b2.peers[0].imported, 3);
	assert_true(ct_ip_eq(&b2.peers[0].neighbor, &p->neighbor));
	assert_int_equal(b2.n_routes, 3);
	assert_true(b2.routes[0].primary);
	/* default routes keep their family */
	assert_int_equal(b2.routes[1].dst.len, 0);
	assert_int_equal(b2.routes[1].dst.ip.family, AF_INET);
	assert_int_equal(b2.routes[2].dst.ip.family, AF_INET6);
	assert_int_equal(b2.n_sessions, 1);
	assert_string_equal(b2.sessions[0].state, "SYN-SENT");
	assert_int_equal(b2.sessions[0].rport, 179);
	ct_bgp_free(&b2);
	free(js);
	/* wrong types and garbage: one error naming the key, no crash */
	static const char *bad[] = {
		"[]", "{\"peers\":{}}", "{\"peers\":[{\"name\":5}]}",
		"{\"peers\":[{\"neighbor\":\"not-an-ip\"}]}", "{\"routes\":[{\"dst\":\"x\"}]}",
		"{\"sessions\":[{\"local_port\":70000}]}", "{\"status\":{\"flavour\":9}}", "{",
		"{\"peers\":[{\"name\":\"a\\\\q\"}]}", "{\"peers\":[{\"name\":\"\\\\x41\"}]}",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct ct_err e2 = {0};
		ct_bgp_init(&b2);
		assert_int_equal(ct_bgp_from_json(bad[i], "t.json", &b2, NULL, 0, &e2), -1);
		assert_int_equal(e2.exit_code, 3);
		assert_non_null(strstr(e2.msg, "t.json"));
		ct_bgp_free(&b2);
	}
	ct_node_free(&n);
}

static void test_doctor_node(void **state)
{
	struct ct_node n;
	ct_node_init(&n);
	struct ct_netns *ns = ct_node_add_ns(&n);
	ns->conf.ip_forward = 0;
	ns->conf.rp_filter = 2;
	ns->conf.conntrack_count = 950;
	ns->conf.conntrack_max = 1000;
	struct ct_link *br = ct_push_link(ns);
	br->ifindex = 3;
	snprintf(br->name, sizeof(br->name), "docker0");
	snprintf(br->kind, sizeof(br->kind), "bridge");
	struct ct_link *vx = ct_push_link(ns);
	vx->ifindex = 4;
	snprintf(vx->name, sizeof(vx->name), "vxlan.calico");
	snprintf(vx->kind, sizeof(vx->kind), "vxlan");
	ct_ip_parse("172.17.0.1", &vx->u.vxlan.local);
	vx->eff_rp_filter = 1;
	ct_netns_index(ns);
	struct ct_addr *a = ct_push_addr(ns);
	a->ifindex = 3;
	ct_prefix_parse("172.17.0.1/16", &a->pfx);
	struct ct_host_env env = {.nm_running = 1, .nm_unmanaged_ok = 0};
	struct ct_findings f;
	ct_findings_init(&f);
	ct_analyze_node(&n, ns, &env, &f);
	assert_true(has_code(&f, "ip_forward_off", NULL));
	assert_true(has_code(&f, "rp_filter_loose_all", NULL));
	assert_true(has_code(&f, "conntrack_full", NULL));
	assert_true(has_code(&f, "node_address_on_bridge", "docker0"));
	assert_true(has_code(&f, "rp_filter_strict_underlay", "vxlan.calico"));
	assert_true(has_code(&f, "networkmanager_manages_calico", NULL));
	/* healthy values: nothing */
	ns->conf.ip_forward = 1;
	ns->conf.rp_filter = 1;
	ns->conf.conntrack_count = 10;
	vx->eff_rp_filter = 0;
	ct_ip_parse("192.168.31.201", &vx->u.vxlan.local);
	env.nm_unmanaged_ok = 1;
	ct_findings_free(&f);
	ct_findings_init(&f);
	ct_analyze_node(&n, ns, &env, &f);
	assert_int_equal(f.n, 0);
	ct_findings_free(&f);
	ct_node_free(&n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_causes),
		cmocka_unit_test(test_kernel_crosscheck),
		cmocka_unit_test(test_family),
		cmocka_unit_test(test_stream_match),
		cmocka_unit_test(test_mesh_large),
		cmocka_unit_test(test_mesh_incomplete),
		cmocka_unit_test(test_json_roundtrip),
		cmocka_unit_test(test_doctor_node),
	};
	return cmocka_run_group_tests_name("bgp_analysis", tests, NULL, NULL);
}
