/* SPDX-License-Identifier: MIT */
/* Unit tests for model/cluster.c: several nodes and the cross-node index.
 * Expected answers for the fixture snapshots are read from the fixture JSON
 * itself with jansson (node.underlay_ips, node.vtep, the host's main-table
 * unicast host routes through cali* devices, pod namespaces' eth0 universe
 * addresses), not through caltrace's loader or its own output. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <jansson.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "model/cluster.h"
#include "model/snapshot.h"

static const char *fixture(const char *name)
{
	static char path[512];
	const char *dir = getenv("CT_FIXTURES");
	snprintf(path, sizeof(path), "%s/%s", dir ? dir : "tests/fixtures", name);
	return path;
}

static struct ct_ip ip_of(const char *s)
{
	struct ct_prefix p;
	if (ct_prefix_parse(s, &p))
		fail_msg("bad address in fixture: %s", s);
	return p.ip;
}

static const char *const fixtures[] = {"ipip-node.json", "ipv6-node.json", "wireguard-node.json"};

/* the expectations, straight from the JSON */
static void check_fixture(const struct ct_cluster *c, int ni, const char *name, size_t *n_pods)
{
	json_error_t je;
	json_t *doc = json_load_file(fixture(name), 0, &je);
	assert_non_null(doc);
	json_t *node = json_object_get(doc, "node"), *v;
	size_t i;
	json_array_foreach(json_object_get(node, "underlay_ips"), i, v)
	{
		struct ct_ip ip = ip_of(json_string_value(v));
		const struct ct_cluster_owner *o = ct_cluster_by_underlay(c, &ip);
		assert_non_null(o);
		assert_int_equal(o->node, ni);
		/* an underlay address is not a pod */
		assert_null(ct_cluster_by_pod_ip(c, &ip));
	}
	json_t *vtep = json_object_get(node, "vtep");
	if (json_is_object(vtep)) {
		struct ct_ip ip = ip_of(json_string_value(json_object_get(vtep, "ip")));
		const struct ct_cluster_owner *o = ct_cluster_by_vtep_ip(c, &ip);
		assert_non_null(o);
		assert_int_equal(o->node, ni);
		uint8_t mac[6];
		assert_int_equal(ct_mac_parse(json_string_value(json_object_get(vtep, "mac")), mac),
				 0);
		o = ct_cluster_by_vtep_mac(c, mac);
		assert_non_null(o);
		assert_int_equal(o->node, ni);
	}
	json_t *nss = json_object_get(doc, "netns"), *ns;
	size_t k;
	json_array_foreach(nss, k, ns)
	{
		json_t *links = json_object_get(ns, "links"), *l;
		if (k == 0) {
			json_t *r;
			json_array_foreach(json_object_get(ns, "routes"), i, r)
			{
				const char *dst = json_string_value(json_object_get(r, "dst"));
				const char *slash = strchr(dst, '/');
				int oif = (int)json_integer_value(json_object_get(r, "oif"));
				const char *dev = "";
				size_t j;
				json_array_foreach(
				    links, j,
				    l) if (json_integer_value(json_object_get(l, "ifindex")) == oif)
				    dev = json_string_value(json_object_get(l, "name"));
				bool host =
				    slash && (!strcmp(slash, "/32") || !strcmp(slash, "/128"));
				struct ct_ip ip = ip_of(dst);
				const struct ct_cluster_owner *o = ct_cluster_by_pod_ip(c, &ip);
				if (json_integer_value(json_object_get(r, "table")) == 254 &&
				    host &&
				    !strcmp(json_string_value(json_object_get(r, "type")),
					    "unicast") &&
				    !strncmp(dev, "cali", 4)) {
					if (!o)
						fail_msg("%s: pod %s (route via %s) not indexed",
							 name, dst, dev);
					assert_int_equal(o->node, ni);
					(*n_pods)++;
				}
			}
			continue;
		}
		int eth0 = -1;
		json_array_foreach(
		    links, i, l) if (!strcmp(json_string_value(json_object_get(l, "name")), "eth0"))
		    eth0 = (int)json_integer_value(json_object_get(l, "ifindex"));
		json_t *a;
		json_array_foreach(json_object_get(ns, "addresses"), i, a)
		{
			struct ct_ip ip = ip_of(json_string_value(json_object_get(a, "address")));
			const struct ct_cluster_owner *o = ct_cluster_by_pod_ip(c, &ip);
			bool pod =
			    json_integer_value(json_object_get(a, "ifindex")) == eth0 &&
			    !strcmp(json_string_value(json_object_get(a, "scope")), "universe");
			if (!pod) {
				/* loopback and link-local are no pod's address */
				assert_null(o);
				continue;
			}
			assert_non_null(o);
			assert_int_equal(o->node, ni);
			assert_int_equal(o->ns, (int)k);
			(*n_pods)++;
		}
	}
	json_decref(doc);
}

static void test_fixtures(void **state)
{
	(void)state;
	struct ct_cluster c;
	ct_cluster_init(&c, NULL);
	for (int i = 0; i < 3; i++) {
		struct ct_node n;
		struct ct_err err = {0};
		if (ct_snapshot_load(&n, fixture(fixtures[i]), &err))
			fail_msg("%s", err.msg);
		char name[CT_NAME_LEN];
		snprintf(name, sizeof(name), "%s", n.name);
		assert_int_equal(ct_cluster_add(&c, &n), i);
		assert_int_equal(n.ns.n, 0); /* moved out */
		assert_string_equal(ct_cluster_node(&c, i)->name, name);
	}
	size_t pods = 0;
	for (int i = 0; i < 3; i++)
		check_fixture(&c, i, fixtures[i], &pods);
	assert_true(pods >= 6);
	assert_int_equal(c.dups.n, 0); /* three different nodes share nothing */
	/* unknown keys */
	struct ct_ip x = ip_of("203.0.113.9");
	assert_null(ct_cluster_by_underlay(&c, &x));
	assert_null(ct_cluster_by_pod_ip(&c, &x));
	assert_null(ct_cluster_by_vtep_ip(&c, &x));
	static const uint8_t nomac[6] = {2, 0, 0, 0, 0, 1};
	assert_null(ct_cluster_by_vtep_mac(&c, nomac));
	/* a pod namespace's address whose host route is also there: one owner,
	 * with the namespace */
	struct ct_ip p = ip_of("172.168.122.130");
	const struct ct_cluster_owner *o = ct_cluster_by_pod_ip(&c, &p);
	assert_non_null(o);
	assert_int_equal(o->node, 1);
	assert_string_equal(ct_cluster_node(&c, 1)->ns.v[o->ns].name,
			    "cni-4f1b9d2e-6a7c-3e08-b5d1-92c0e7a4f361");
	ct_cluster_free(&c);
}

/* a hand-made node: host namespace with eth0, vxlan.calico and one workload
 * whose peer is the pod namespace ns[1] */
static void make_node(struct ct_node *n, const char *name, const char *underlay, const char *vtep,
		      uint8_t mac_last, const char *pod)
{
	ct_node_init(n);
	snprintf(n->name, sizeof(n->name), "%s", name);
	n->underlay_ips[0] = ip_of(underlay);
	n->n_underlay = 1;
	n->has_vtep = true;
	n->vtep_ip = ip_of(vtep);
	memset(n->vtep_mac, 0x66, 6);
	n->vtep_mac[5] = mac_last;
	struct ct_netns *h = ct_node_add_ns(n);
	snprintf(h->name, sizeof(h->name), "host");
	h->is_host = true;
	struct ct_link *l = ct_push_link(h);
	l->ifindex = 7;
	snprintf(l->name, sizeof(l->name), "cali0123456789a");
	l->flags = IFF_UP;
	l->peer_ns = 1;
	struct ct_route *r = ct_push_route(h);
	ct_prefix_parse(pod, &r->dst);
	r->table = RT_TABLE_MAIN;
	r->type = RTN_UNICAST;
	r->scope = RT_SCOPE_LINK;
	r->oif = 7;
	/* a blackhole for the block and a /32 in another table are no pods */
	r = ct_push_route(h);
	ct_prefix_parse("10.244.99.0/26", &r->dst);
	r->table = RT_TABLE_MAIN;
	r->type = RTN_BLACKHOLE;
	r = ct_push_route(h);
	ct_prefix_parse("10.244.99.77/32", &r->dst);
	r->table = 100;
	r->type = RTN_UNICAST;
	r->oif = 7;
	ct_netns_index(h);
	struct ct_netns *p = ct_node_add_ns(n);
	snprintf(p->name, sizeof(p->name), "cni-%s", name);
	l = ct_push_link(p);
	l->ifindex = 3;
	snprintf(l->name, sizeof(l->name), "eth0");
	struct ct_addr *a = ct_push_addr(p);
	a->ifindex = 3;
	ct_prefix_parse(pod, &a->pfx);
	ct_netns_index(p);
}

static void test_handmade_dups(void **state)
{
	(void)state;
	struct ct_cluster c;
	struct ct_node a, b, d;
	ct_cluster_init(&c, NULL);
	make_node(&a, "a", "192.0.2.1", "10.244.0.0", 1, "10.244.0.5/32");
	make_node(&b, "b", "192.0.2.2", "10.244.1.0", 2, "10.244.1.5/32");
	/* d: a clone of a's addresses (a misconfigured or re-created node) */
	make_node(&d, "d", "192.0.2.1", "10.244.0.0", 1, "10.244.0.5/32");
	assert_int_equal(ct_cluster_add(&c, &a), 0);
	assert_int_equal(ct_cluster_add(&c, &b), 1);
	assert_int_equal(c.dups.n, 0);
	struct ct_ip ip = ip_of("192.0.2.2");
	assert_int_equal(ct_cluster_by_underlay(&c, &ip)->node, 1);
	ip = ip_of("10.244.1.0");
	assert_int_equal(ct_cluster_by_vtep_ip(&c, &ip)->node, 1);
	uint8_t mac[6] = {0x66, 0x66, 0x66, 0x66, 0x66, 2};
	assert_int_equal(ct_cluster_by_vtep_mac(&c, mac)->node, 1);
	ip = ip_of("10.244.0.5");
	const struct ct_cluster_owner *o = ct_cluster_by_pod_ip(&c, &ip);
	assert_int_equal(o->node, 0);
	assert_int_equal(o->ns, 1);
	ip = ip_of("10.244.99.77");
	assert_null(ct_cluster_by_pod_ip(&c, &ip));
	ip = ip_of("10.244.99.0");
	assert_null(ct_cluster_by_pod_ip(&c, &ip));

	assert_int_equal(ct_cluster_add(&c, &d), 2);
	/* underlay, VTEP IP, VTEP MAC and the pod IP: four clashes, not merged */
	assert_int_equal(c.dups.n, 4);
	bool seen[CT_CLUSTER__COUNT] = {false};
	for (size_t i = 0; i < c.dups.n; i++) {
		assert_int_equal(c.dups.v[i].first.node, 0);
		assert_int_equal(c.dups.v[i].other.node, 2);
		seen[c.dups.v[i].kind] = true;
	}
	for (int k = 0; k < CT_CLUSTER__COUNT; k++)
		assert_true(seen[k]);
	ip = ip_of("192.0.2.1");
	assert_int_equal(ct_cluster_by_underlay(&c, &ip)->node, 0); /* the first stays */

	/* the pod on node a goes (an event deleted its route and namespace's
	 * address): after a reindex it is node d's, with no clash left for it */
	struct ct_node *na = ct_cluster_node(&c, 0);
	struct ct_route k;
	memset(&k, 0, sizeof(k));
	ct_prefix_parse("10.244.0.5/32", &k.dst);
	k.table = RT_TABLE_MAIN;
	assert_int_equal(ct_route_delete(&na->ns.v[0], &k), 0);
	struct ct_addr ka;
	memset(&ka, 0, sizeof(ka));
	ka.ifindex = 3;
	ct_prefix_parse("10.244.0.5/32", &ka.pfx);
	assert_int_equal(ct_addr_delete(&na->ns.v[1], &ka), 0);
	assert_int_equal(ct_cluster_reindex(&c), 0);
	ip = ip_of("10.244.0.5");
	o = ct_cluster_by_pod_ip(&c, &ip);
	assert_non_null(o);
	assert_int_equal(o->node, 2);
	assert_int_equal(c.dups.n, 3);
	ct_cluster_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fixtures),
	    cmocka_unit_test(test_handmade_dups),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
