/* SPDX-License-Identifier: MIT */
/*
 * The live probe against a real namespace, with iproute2 as the oracle:
 * builds a small Calico-like node in namespaces ctgt-PID (host) and
 * ctgt-PID-pod (a pod behind a cali veth), gathers it with ct_gather(), and
 * compares every table with `ip -j` / `bridge -j` output and /proc/sys.
 * The namespace tests need root and skip without it; the resolve and error
 * tests run anywhere. Namespaces are always deleted (teardown and atexit).
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
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>

#include "probes/gather.h"

#define WL "cali0123456789a"  /* the pod's host-side veth */
#define WL2 "cali0000000000b" /* up, no /32 route */
#define WL3 "cali00000000dwn" /* admin down: never checked */
#define N_BULK 2000

static char H[64], P[64];
static bool lab_up, lab_failed;
static struct ct_node node;
static struct ct_err gerr;
static int grc = -1;
static uint64_t ino_before, ino_after;

/* ---- helpers ---- */

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

static char *out_of(const char *cmd)
{
	FILE *f = popen(cmd, "r");
	size_t n = 0, cap = 4096;
	char *buf = malloc(cap);

	if (!f || !buf) {
		free(buf);
		if (f)
			pclose(f);
		return NULL;
	}
	for (;;) {
		if (n + 1024 > cap) {
			cap *= 2;
			buf = realloc(buf, cap);
			if (!buf)
				break;
		}
		size_t r = fread(buf + n, 1, cap - n - 1, f);
		if (r == 0)
			break;
		n += r;
	}
	pclose(f);
	if (buf)
		buf[n] = 0;
	return buf;
}

static json_t *jcmd(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static json_t *jcmd(const char *fmt, ...)
{
	char cmd[1024];
	json_error_t je;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	char *s = out_of(cmd);
	assert_non_null(s);
	json_t *j = json_loads(s, 0, &je);
	if (!j)
		fail_msg("'%s' gave no JSON: %s", cmd, je.text);
	free(s);
	assert_true(json_is_array(j));
	return j;
}

static const char *jstr(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

static long jint(json_t *o, const char *key, long dflt)
{
	json_t *v = json_object_get(o, key);
	if (json_is_integer(v))
		return (long)json_integer_value(v);
	if (json_is_string(v))
		return strtol(json_string_value(v), NULL, 0);
	return dflt;
}

static bool jarr_has(json_t *o, const char *key, const char *word)
{
	json_t *a = json_object_get(o, key), *v;
	size_t i;

	json_array_foreach(a, i, v)
		if (json_is_string(v) && strcmp(json_string_value(v), word) == 0)
			return true;
	return false;
}

static uint64_t thread_ns_inode(void)
{
	struct stat st;

	if (stat("/proc/thread-self/ns/net", &st) < 0)
		return 0;
	return (uint64_t)st.st_ino;
}

static struct ct_netns *host(void)
{
	return &node.ns.v[0];
}

static int ifindex_of(const struct ct_netns *ns, const char *name)
{
	const struct ct_link *l = name ? ct_link_by_name(ns, name) : NULL;
	return l ? l->ifindex : 0;
}

static void ip_expect(const struct ct_ip *ip, const char *want)
{
	struct ct_ip w;
	char buf[64];

	if (!want) {
		assert_false(ct_ip_is_set(ip));
		return;
	}
	assert_int_equal(ct_ip_parse(want, &w), 0);
	if (!ct_ip_eq(ip, &w))
		fail_msg("address %s, oracle %s", ct_ip_fmt(ip, buf, sizeof(buf)), want);
}

/* ---- the lab ---- */

static void lab_down(void)
{
	if (!H[0])
		return;
	sh("ip netns del %s 2>/dev/null; ip netns del %s 2>/dev/null", P, H);
	lab_up = false;
}

static int lab_build(void)
{
	char script[] = "/tmp/ctgt-XXXXXX", batch[] = "/tmp/ctgt-batch-XXXXXX";
	int fs = mkstemp(script), fb = mkstemp(batch);
	FILE *f, *b;
	int rc;

	if (fs < 0 || fb < 0)
		return -1;
	f = fdopen(fs, "w");
	b = fdopen(fb, "w");
	for (int i = 0; i < N_BULK; i++)
		fprintf(b, "route add 10.200.%d.%d/32 via 203.0.113.9 proto 80\n", i / 256,
			i % 256);
	fclose(b);
	fprintf(f,
		"set -e\n"
		"H=%s P=%s\n"
		"ip netns add $H\n"
		"ip netns add $P\n"
		/* no IPv6 link-local addresses: no DAD, router solicitations or MLD
		 * reports, so no neighbour entries appear while the oracle runs */
		"for n in $H $P; do ip netns exec $n sysctl -qw "
		"net.ipv6.conf.default.addr_gen_mode=1 net.ipv6.conf.all.addr_gen_mode=1; done\n"
		"ip -n $H link set lo up\n"
		"ip -n $H link add " WL " type veth peer name eth0 netns $P\n"
		"ip -n $H link set " WL " address ee:ee:ee:ee:ee:ee up\n"
		"ip -n $P link set lo up\n"
		"ip -n $P link set eth0 up\n"
		"ip -n $P addr add 10.65.0.5/32 dev eth0\n"
		"ip -n $P route add 169.254.1.1 dev eth0 scope link\n"
		"ip -n $P route add default via 169.254.1.1 dev eth0\n"
		"ip -n $H link add " WL2 " type veth peer name ctgtpeer1\n"
		"ip -n $H link set " WL2 " up\n"
		"ip -n $H link set ctgtpeer1 up\n"
		"ip -n $H link add " WL3 " type veth peer name ctgtpeer2\n"
		"ip -n $H link add ctup0 type veth peer name ctup1\n"
		"ip -n $H addr add 203.0.113.1/24 dev ctup0\n"
		"ip -n $H link set ctup0 up\n"
		"ip -n $H link set ctup1 up\n"
		"ip -n $H route add default via 203.0.113.254 dev ctup0\n"
		"ip -n $H route add 10.65.0.5/32 dev " WL "\n"
		"ip -n $H route add blackhole 10.65.0.0/26 proto 80\n"
		"ip -n $H route add 198.51.100.0/24 proto static "
		"nexthop via 203.0.113.10 dev ctup0 weight 2 nexthop via 203.0.113.11 dev ctup0\n"
		"ip -n $H route add 192.0.2.0/24 via 203.0.113.9 table 100 metric 5\n"
		"ip -n $H route add 192.0.2.128/25 via 198.18.0.1 dev ctup0 onlink\n"
		"ip -n $H -6 route add 2001:db8::/64 via fe80::1 dev ctup0 metric 1024\n"
		"ip -n $H neigh add 203.0.113.7 lladdr 02:00:00:00:00:07 dev ctup0 nud permanent\n"
		"ip -n $H neigh add proxy 203.0.113.50 dev ctup0\n"
		"ip -n $H -6 neigh add 2001:db8::7 lladdr 02:00:00:00:00:08 dev ctup0 nud "
		"permanent\n"
		"ip -n $H -6 neigh add proxy 2001:db8::50 dev ctup0\n"
		"ip -n $H rule add fwmark 0x10/0xff table 100 pref 1000\n"
		"ip -n $H rule add from 10.65.0.0/26 iif " WL " table 100 pref 1001\n"
		"ip -n $H link add vxlan.calico type vxlan id 4096 dstport 4789 local 203.0.113.1 "
		"dev ctup0 nolearning\n"
		"ip -n $H link set vxlan.calico mtu 1450 up\n"
		"ip -n $H addr add 10.65.0.0/32 dev vxlan.calico\n"
		"ip -n $H neigh add 10.65.1.0 lladdr 66:77:88:99:aa:bb dev vxlan.calico nud "
		"permanent\n"
		"ip netns exec $H bridge fdb append 66:77:88:99:aa:bb dst 203.0.113.2 dev "
		"vxlan.calico self permanent\n"
		"ip netns exec $H sh -ec 'cd /proc/sys/net/ipv4; echo 1 > ip_forward; "
		"echo 2 > conf/all/rp_filter; echo 1 > conf/" WL "/rp_filter; "
		"echo 1 > conf/" WL "/proxy_arp; echo 0 > neigh/" WL "/proxy_delay; "
		"echo 1 > conf/ctup0/route_localnet'\n"
		"ip -n $H -batch %s\n",
		H, P, batch);
	fclose(f);
	rc = sh("sh %s >/dev/null 2>&1", script);
	unlink(script);
	unlink(batch);
	return rc == 0 ? 0 : -1;
}

static int group_setup(void **state)
{
	snprintf(H, sizeof(H), "ctgt-%d", (int)getpid());
	snprintf(P, sizeof(P), "ctgt-%d-pod", (int)getpid());
	ct_node_init(&node);
	if (geteuid() != 0)
		return 0;
	atexit(lab_down);
	lab_down();
	if (lab_build() < 0) {
		lab_failed = true;
		lab_down();
		return 0;
	}
	lab_up = true;

	struct ct_prefixes pfx;
	ct_prefixes_parse("cali", &pfx);
	struct ct_gather_opts o = {
		.netns_spec = H,
		.what = CT_G_ALL,
		.pod_what = CT_G_LINKS | CT_G_ADDRS | CT_G_ROUTES | CT_G_NEIGH,
		.prefixes = &pfx,
	};
	ino_before = thread_ns_inode();
	grc = ct_gather(&node, &o, &gerr);
	ino_after = thread_ns_inode();
	return 0;
}

static int group_teardown(void **state)
{
	ct_node_free(&node);
	lab_down();
	return 0;
}

static void need_lab(void)
{
	if (lab_failed)
		fail_msg("could not build the namespace lab (ip, bridge, veth, vxlan needed)");
	if (!lab_up)
		skip();
	if (grc != 0)
		fail_msg("ct_gather failed: %s", gerr.msg);
}

/* ---- resolve and errors (no root needed) ---- */

static void test_resolve(void **state)
{
	char path[CT_PATH_LEN], name[CT_NAME_LEN], spec[64], want[128];
	struct ct_err e = { 0 };

	snprintf(spec, sizeof(spec), "ctgt-nope-%d", (int)getpid());
	assert_int_equal(ct_netns_resolve(spec, path, sizeof(path), name, sizeof(name), &e), -1);
	assert_int_equal(e.exit_code, CT_EXIT_GATHER);
	snprintf(want, sizeof(want), "no network namespace '%s'", spec);
	assert_non_null(strstr(e.msg, want));
	assert_non_null(strstr(e.msg, "ip netns list"));

	static const char *const usage[] = { "", "pid:", "pid:x1", "pid:0", "pid:-3", "pid:1x" };
	for (size_t i = 0; i < sizeof(usage) / sizeof(usage[0]); i++) {
		memset(&e, 0, sizeof(e));
		assert_int_equal(
			ct_netns_resolve(usage[i], path, sizeof(path), name, sizeof(name), &e), -1);
		assert_int_equal(e.exit_code, CT_EXIT_USAGE);
	}
	memset(&e, 0, sizeof(e));
	assert_int_equal(ct_netns_resolve("pid:2147483647", path, sizeof(path), name,
					  sizeof(name), &e),
			 -1);
	assert_int_equal(e.exit_code, CT_EXIT_GATHER);
	assert_non_null(strstr(e.msg, "pid:2147483647"));

	memset(&e, 0, sizeof(e));
	assert_int_equal(ct_netns_resolve("/nonexistent/ctgt", path, sizeof(path), name,
					  sizeof(name), &e),
			 -1);
	assert_int_equal(e.exit_code, CT_EXIT_GATHER);
	assert_non_null(strstr(e.msg, "'/nonexistent/ctgt'"));

	memset(&e, 0, sizeof(e));
	assert_int_equal(ct_netns_resolve("pid:1", path, sizeof(path), name, sizeof(name), &e), 0);
	assert_string_equal(path, "/proc/1/ns/net");
	assert_string_equal(name, "pid:1");
	assert_int_equal(ct_netns_resolve("/proc/self/ns/net", path, sizeof(path), name,
					  sizeof(name), &e),
			 0);
	assert_string_equal(path, "/proc/self/ns/net");
	assert_string_equal(name, "/proc/self/ns/net");
	if (lab_up) {
		assert_int_equal(ct_netns_resolve(H, path, sizeof(path), name, sizeof(name), &e),
				 0);
		snprintf(want, sizeof(want), "/var/run/netns/%s", H);
		assert_string_equal(path, want);
		assert_string_equal(name, H);
	}
}

static void test_gather_errors(void **state)
{
	struct ct_gather_opts o = { .what = CT_G_LINKS };
	uint64_t ino = thread_ns_inode();
	struct ct_node n;
	struct ct_err e = { 0 };
	char spec[64];

	ct_node_init(&n);
	snprintf(spec, sizeof(spec), "ctgt-nope-%d", (int)getpid());
	o.netns_spec = spec;
	assert_int_equal(ct_gather(&n, &o, &e), -1);
	assert_int_equal(e.exit_code, CT_EXIT_GATHER);
	assert_non_null(strstr(e.msg, spec));

	/* openable, but not a namespace: setns fails, we stay where we were */
	memset(&e, 0, sizeof(e));
	o.netns_spec = "/proc/self/status";
	assert_int_equal(ct_gather(&n, &o, &e), -1);
	assert_int_equal(e.exit_code, CT_EXIT_GATHER);
	assert_non_null(strstr(e.msg, "not a network namespace"));
	assert_true(ino == thread_ns_inode());
	ct_node_free(&n);
}

/* The current namespace without -n: same links as `ip -j link show`. */
static void test_gather_self(void **state)
{
	struct ct_gather_opts o = { .what = CT_G_LINKS | CT_G_ADDRS };
	struct ct_node n;
	struct ct_err e = { 0 };

	ct_node_init(&n);
	assert_int_equal(ct_gather(&n, &o, &e), 0);
	assert_int_equal(n.ns.n, 1);
	assert_string_equal(n.ns.v[0].name, "host");
	assert_true(n.ns.v[0].is_host);
	json_t *j = jcmd("ip -j link show");
	assert_int_equal(n.ns.v[0].links.n, json_array_size(j));
	json_decref(j);
	ct_node_free(&n);
}

/* ---- the lab, against iproute2 ---- */

static void test_target_entry(void **state)
{
	need_lab();
	assert_true(ino_before == ino_after); /* back in our own namespace */
	assert_int_equal(node.dump_intr, 0);
	assert_string_equal(host()->name, H);
	assert_true(host()->is_host);
	assert_non_null(strstr(host()->path, H));
	struct stat st;
	assert_int_equal(stat(host()->path, &st), 0);
	assert_true(host()->inode == (uint64_t)st.st_ino);
}

static enum ct_oper oper_of(const char *s)
{
	static const char *const names[] = { "UNKNOWN", "NOTPRESENT", "DOWN", "LOWERLAYERDOWN",
					     "TESTING", "DORMANT", "UP" };
	for (int i = 0; s && i < CT_OPER__COUNT; i++)
		if (strcmp(s, names[i]) == 0)
			return (enum ct_oper)i;
	return CT_OPER_UNKNOWN;
}

static void test_links(void **state)
{
	json_t *j, *o;
	size_t i;

	need_lab();
	j = jcmd("ip -n %s -j -d -s link show", H);
	assert_int_equal(host()->links.n, json_array_size(j));
	json_array_foreach(j, i, o) {
		const struct ct_link *l = ct_link_by_ifindex(host(), (int)jint(o, "ifindex", -1));
		assert_non_null(l);
		assert_string_equal(l->name, jstr(o, "ifname"));
		assert_int_equal(l->mtu, jint(o, "mtu", -1));
		assert_int_equal(!!(l->flags & IFF_UP), jarr_has(o, "flags", "UP"));
		assert_int_equal(l->oper, oper_of(jstr(o, "operstate")));
		const char *lt = jstr(o, "link_type");
		if (lt && strcmp(lt, "ether") == 0) {
			char mac[32];
			assert_int_equal(l->mac_len, 6);
			assert_string_equal(ct_mac_fmt(l->mac, 6, mac, sizeof(mac)),
					    jstr(o, "address"));
		}
		json_t *li = json_object_get(o, "linkinfo");
		const char *kind = li ? jstr(li, "info_kind") : NULL;
		assert_string_equal(l->kind, kind ? kind : "");
		assert_int_equal(l->link_netnsid, jint(o, "link_netnsid", -1));
		if (json_object_get(o, "link_index"))
			assert_int_equal(l->link, jint(o, "link_index", -1));
		else if (jstr(o, "link"))
			assert_int_equal(l->link, ifindex_of(host(), jstr(o, "link")));
		/* counters only grow: the oracle ran after us */
		json_t *st = json_object_get(o, "stats64");
		if (st) {
			json_t *rx = json_object_get(st, "rx"), *tx = json_object_get(st, "tx");
			assert_true(l->stats.rx_packets <= (uint64_t)jint(rx, "packets", 0));
			assert_true(l->stats.tx_packets <= (uint64_t)jint(tx, "packets", 0));
			assert_true(l->stats.rx_bytes <= (uint64_t)jint(rx, "bytes", 0));
			assert_true(l->stats.tx_bytes <= (uint64_t)jint(tx, "bytes", 0));
		}
		if (kind && strcmp(kind, "vxlan") == 0) {
			json_t *d = json_object_get(li, "info_data");
			assert_int_equal(l->u.vxlan.vni, jint(d, "id", -1));
			assert_int_equal(l->u.vxlan.port, jint(d, "port", -1));
			ip_expect(&l->u.vxlan.local, jstr(d, "local"));
			assert_int_equal(l->u.vxlan.learning,
					 json_is_true(json_object_get(d, "learning")));
			assert_int_equal(l->u.vxlan.ttl, jint(d, "ttl", 0));
			assert_int_equal(l->u.vxlan.parent_ifindex,
					 ifindex_of(host(), jstr(d, "link")));
		}
	}
	json_decref(j);
	const struct ct_link *v = ct_link_by_name(host(), "vxlan.calico");
	assert_non_null(v);
	assert_int_equal(v->u.vxlan.port, 4789); /* host order */
	assert_int_equal(v->u.vxlan.vni, 4096);
	/* the index was built */
	assert_true(ct_link_by_ifindex(host(), v->ifindex) == v);
}

/* "default", "a.b.c.d" (a host route) or "a.b.c.d/n" */
static void oracle_prefix(const char *s, uint8_t family, struct ct_prefix *p)
{
	memset(p, 0, sizeof(*p));
	if (strcmp(s, "default") == 0) {
		p->ip.family = family;
		return;
	}
	assert_int_equal(ct_prefix_parse(s, p), 0);
}

static void check_nexthops(const struct ct_netns *ns, const struct ct_route *r, json_t *o)
{
	json_t *nhs = json_object_get(o, "nexthops"), *x;
	const struct ct_nexthop *out;
	struct ct_nexthop tmp;
	size_t n = ct_route_nexthops(r, &out, &tmp), i;

	if (!nhs) {
		assert_int_equal(r->nh_count, 0);
		ip_expect(&r->gw, jstr(o, "gateway"));
		assert_int_equal(r->oif, ifindex_of(ns, jstr(o, "dev")));
		assert_int_equal(!!(r->flags & RTNH_F_ONLINK), jarr_has(o, "flags", "onlink"));
		return;
	}
	assert_int_equal(n, json_array_size(nhs));
	json_array_foreach(nhs, i, x) {
		ip_expect(&out[i].gw, jstr(x, "gateway"));
		assert_int_equal(out[i].oif, ifindex_of(ns, jstr(x, "dev")));
		assert_int_equal(out[i].weight, jint(x, "weight", 1));
	}
}

/* Every route of `ip -N -j route show table all` has exactly one match. */
static void check_routes(const struct ct_netns *ns, const char *nsname, int family)
{
	uint8_t fam = family == 6 ? AF_INET6 : AF_INET;
	json_t *j = jcmd("ip -n %s -%d -N -j route show table all", nsname, family), *o;
	size_t ours = 0, i;
	bool *used = calloc(ns->routes.n + 1, 1);

	for (size_t k = 0; k < ns->routes.n; k++)
		ours += ns->routes.v[k].dst.ip.family == fam;
	assert_int_equal(ours, json_array_size(j));
	json_array_foreach(j, i, o) {
		struct ct_prefix dst;
		uint32_t table = (uint32_t)jint(o, "table", RT_TABLE_MAIN);
		unsigned type = (unsigned)jint(o, "type", RTN_UNICAST);
		uint32_t metric = (uint32_t)jint(o, "metric", 0);
		int oif = ifindex_of(ns, jstr(o, "dev"));
		const struct ct_route *hit = NULL;

		oracle_prefix(jstr(o, "dst"), fam, &dst);
		for (size_t k = 0; k < ns->routes.n && !hit; k++) {
			const struct ct_route *r = &ns->routes.v[k];
			if (!used[k] && ct_ip_eq(&r->dst.ip, &dst.ip) && r->dst.len == dst.len &&
			    r->table == table && r->type == type && r->priority == metric &&
			    (!oif || r->oif == oif)) {
				used[k] = true;
				hit = r;
			}
		}
		if (!hit)
			fail_msg("route %s table %u not gathered", jstr(o, "dst"), table);
		assert_int_equal(hit->protocol, jint(o, "protocol", RTPROT_BOOT));
		assert_int_equal(hit->scope, jint(o, "scope", RT_SCOPE_UNIVERSE));
		ip_expect(&hit->src, jstr(o, "prefsrc"));
		check_nexthops(ns, hit, o);
	}
	free(used);
	json_decref(j);
}

static void test_routes(void **state)
{
	need_lab();
	check_routes(host(), H, 4);
	check_routes(host(), H, 6);
	assert_true(host()->routes.n > N_BULK);
	/* the pieces the lab put there on purpose */
	size_t blackholes = 0, multipath = 0;
	for (size_t i = 0; i < host()->routes.n; i++) {
		const struct ct_route *r = &host()->routes.v[i];
		blackholes += r->type == RTN_BLACKHOLE && r->protocol == 80;
		multipath += r->nh_count == 2;
	}
	assert_int_equal(blackholes, 1);
	assert_int_equal(multipath, 1);
}

static void test_rules(void **state)
{
	need_lab();
	for (int fam = 4; fam <= 6; fam += 2) {
		uint8_t af = fam == 6 ? AF_INET6 : AF_INET;
		json_t *j = jcmd("ip -n %s -%d -N -j rule show", H, fam), *o;
		size_t i, ours = 0;

		for (size_t k = 0; k < host()->rules.n; k++)
			ours += host()->rules.v[k].family == af;
		assert_int_equal(ours, json_array_size(j));
		json_array_foreach(j, i, o) {
			const struct ct_rule *hit = NULL;
			for (size_t k = 0; k < host()->rules.n && !hit; k++)
				if (host()->rules.v[k].family == af &&
				    host()->rules.v[k].priority == (uint32_t)jint(o, "priority", 0))
					hit = &host()->rules.v[k];
			assert_non_null(hit);
			assert_int_equal(hit->table, jint(o, "table", 0));
			assert_int_equal(hit->has_fwmark, json_object_get(o, "fwmark") != NULL);
			if (hit->has_fwmark) {
				assert_int_equal(hit->fwmark, jint(o, "fwmark", 0));
				assert_int_equal(hit->fwmask, jint(o, "fwmask", 0xffffffff));
			}
			const char *iif = jstr(o, "iif");
			assert_string_equal(hit->iifname, iif ? iif : "");
			const char *src = jstr(o, "src");
			if (src && strcmp(src, "all") != 0) {
				struct ct_prefix p;
				char b1[64], b2[64];
				assert_int_equal(ct_prefix_parse(src, &p), 0);
				p.len = (uint8_t)jint(o, "srclen", p.len);
				assert_string_equal(ct_prefix_fmt(&hit->src, b1, sizeof(b1)),
						    ct_prefix_fmt(&p, b2, sizeof(b2)));
			} else {
				assert_false(ct_ip_is_set(&hit->src.ip));
			}
		}
		json_decref(j);
	}
}

static uint16_t nud_of(json_t *o)
{
	static const struct {
		const char *s;
		uint16_t v;
	} t[] = { { "INCOMPLETE", NUD_INCOMPLETE }, { "REACHABLE", NUD_REACHABLE },
		  { "STALE", NUD_STALE },	    { "DELAY", NUD_DELAY },
		  { "PROBE", NUD_PROBE },	    { "FAILED", NUD_FAILED },
		  { "NOARP", NUD_NOARP },	    { "PERMANENT", NUD_PERMANENT } };
	json_t *a = json_object_get(o, "state"), *v;
	uint16_t st = 0;
	size_t i;

	json_array_foreach(a, i, v)
		for (size_t k = 0; k < sizeof(t) / sizeof(t[0]); k++)
			if (json_is_string(v) && strcmp(json_string_value(v), t[k].s) == 0)
				st |= t[k].v;
	return st;
}

static void check_neigh(const struct ct_netns *ns, json_t *j, bool proxy)
{
	json_t *o;
	size_t i, ours = 0;

	for (size_t k = 0; k < ns->neighs.n; k++)
		ours += !!(ns->neighs.v[k].flags & NTF_PROXY) == proxy;
	assert_int_equal(ours, json_array_size(j));
	json_array_foreach(j, i, o) {
		struct ct_ip dst;
		const struct ct_neigh *hit = NULL;
		int ifi = ifindex_of(ns, jstr(o, "dev"));

		assert_int_equal(ct_ip_parse(jstr(o, "dst"), &dst), 0);
		for (size_t k = 0; k < ns->neighs.n && !hit; k++) {
			const struct ct_neigh *nb = &ns->neighs.v[k];
			if (nb->ifindex == ifi && ct_ip_eq(&nb->dst, &dst) &&
			    !!(nb->flags & NTF_PROXY) == proxy)
				hit = nb;
		}
		if (!hit)
			fail_msg("neighbour %s dev %s not gathered", jstr(o, "dst"),
				 jstr(o, "dev"));
		if (proxy)
			continue;
		assert_int_equal(hit->state, nud_of(o));
		const char *ll = jstr(o, "lladdr");
		char mac[32];
		assert_string_equal(ct_mac_fmt(hit->lladdr, hit->lladdr_len, mac, sizeof(mac)),
				    ll ? ll : "");
	}
}

static void test_neigh(void **state)
{
	need_lab();
	json_t *j = jcmd("ip -n %s -j neigh show nud all", H);
	check_neigh(host(), j, false);
	json_decref(j);
	j = jcmd("ip -n %s -j neigh show proxy", H);
	check_neigh(host(), j, true);
	json_decref(j);
	assert_non_null(ct_link_by_name(host(), "ctup0"));
}

static void test_fdb(void **state)
{
	json_t *j, *o;
	size_t i;

	need_lab();
	j = jcmd("ip netns exec %s bridge -j fdb show", H);
	assert_int_equal(host()->fdb.n, json_array_size(j));
	json_array_foreach(j, i, o) {
		uint8_t mac[6];
		const char *dev = jstr(o, "ifname") ? jstr(o, "ifname") : jstr(o, "dev");
		int ifi = ifindex_of(host(), dev);
		const struct ct_fdb *hit = NULL;
		struct ct_ip dst = { 0 };

		assert_int_equal(ct_mac_parse(jstr(o, "mac"), mac), 0);
		if (jstr(o, "dst"))
			assert_int_equal(ct_ip_parse(jstr(o, "dst"), &dst), 0);
		for (size_t k = 0; k < host()->fdb.n && !hit; k++) {
			const struct ct_fdb *f = &host()->fdb.v[k];
			if (f->ifindex == ifi && !memcmp(f->mac, mac, 6) &&
			    ct_ip_eq(&f->dst, &dst))
				hit = f;
		}
		if (!hit)
			fail_msg("fdb %s not gathered", jstr(o, "mac"));
		assert_int_equal(!!(hit->flags & NTF_SELF), jarr_has(o, "flags", "self"));
		const char *st = jstr(o, "state");
		assert_int_equal(!!(hit->state & NUD_PERMANENT), st && !strcmp(st, "permanent"));
	}
	json_decref(j);
}

/* /proc/sys in the lab namespace, read by a shell there. */
static void test_netconf(void **state)
{
	char cmd[1024], *out, *line, *save = NULL;
	const struct ct_conf_all *c;

	need_lab();
	c = &host()->conf;
	snprintf(cmd, sizeof(cmd),
		 "ip netns exec %s sh -c 'cd /proc/sys/net/ipv4/conf; for d in *; do "
		 "echo \"$d $(cat $d/forwarding) $(cat $d/rp_filter) $(cat $d/proxy_arp) "
		 "$(cat $d/route_localnet) "
		 "$(cat ../neigh/$d/proxy_delay 2>/dev/null || echo -1)\"; done; "
		 "echo \"=fwd $(cat ../ip_forward) "
		 "$(cat /proc/sys/net/ipv6/conf/all/forwarding)\"'",
		 H);
	out = out_of(cmd);
	assert_non_null(out);
	int all_rpf = -1, all_parp = -1, lines = 0;
	/* first pass for "all": effective values need it */
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char name[64];
		int fwd, rpf, parp, rl, pd;
		if (sscanf(line, "=fwd %d %d", &fwd, &rpf) == 2) {
			assert_int_equal(c->ip_forward, fwd);
			assert_int_equal(c->forwarding6, rpf);
			continue;
		}
		int got = sscanf(line, "%63s %d %d %d %d %d", name, &fwd, &rpf, &parp, &rl, &pd);
		assert_int_equal(got, 6);
		lines++;
		if (strcmp(name, "all") == 0) {
			assert_int_equal(c->forwarding, fwd);
			assert_int_equal(c->rp_filter, rpf);
			assert_int_equal(c->proxy_arp, parp);
			all_rpf = rpf;
			all_parp = parp;
			continue;
		}
		if (strcmp(name, "default") == 0) {
			assert_int_equal(c->def_rp_filter, rpf);
			continue;
		}
		const struct ct_link *l = ct_link_by_name(host(), name);
		assert_non_null(l);
		assert_int_equal(l->forwarding, fwd);
		assert_int_equal(l->rp_filter, rpf);
		assert_int_equal(l->proxy_arp, parp);
		assert_int_equal(l->route_localnet, rl);
		assert_int_equal(l->proxy_delay, pd);
	}
	free(out);
	assert_int_equal((size_t)lines, host()->links.n + 2);
	assert_int_equal(all_rpf, 2);
	for (size_t i = 0; i < host()->links.n; i++) {
		const struct ct_link *l = &host()->links.v[i];
		assert_int_equal(l->eff_rp_filter, l->rp_filter > all_rpf ? l->rp_filter : all_rpf);
		assert_int_equal(l->eff_proxy_arp, l->proxy_arp || all_parp);
	}
	const struct ct_link *w = ct_link_by_name(host(), WL);
	assert_int_equal(w->rp_filter, 1);
	assert_int_equal(w->eff_rp_filter, 2);
	assert_int_equal(w->eff_proxy_arp, 1);
	assert_int_equal(w->proxy_delay, 0);
	assert_int_equal(ct_link_by_name(host(), "ctup0")->route_localnet, 1);
}

static void test_neightbl(void **state)
{
	json_t *j, *o;
	size_t i, seen = 0;

	need_lab();
	j = jcmd("ip -n %s -j ntable show", H);
	json_array_foreach(j, i, o) {
		if (json_object_get(o, "dev") || !json_object_get(o, "thresh1"))
			continue;
		const char *fam = jstr(o, "family");
		uint8_t af = fam && !strcmp(fam, "inet") ? AF_INET
			     : fam && !strcmp(fam, "inet6") ? AF_INET6
							     : 0;
		if (!af)
			continue;
		const struct ct_neightbl *hit = NULL;
		for (size_t k = 0; k < host()->neightbls.n && !hit; k++)
			if (host()->neightbls.v[k].family == af &&
			    !strcmp(host()->neightbls.v[k].name, jstr(o, "name")))
				hit = &host()->neightbls.v[k];
		assert_non_null(hit);
		assert_int_equal(hit->gc_thresh1, jint(o, "thresh1", -1));
		assert_int_equal(hit->gc_thresh2, jint(o, "thresh2", -1));
		assert_int_equal(hit->gc_thresh3, jint(o, "thresh3", -1));
		seen++;
	}
	assert_int_equal(seen, host()->neightbls.n);
	assert_true(seen >= 1);
	json_decref(j);
}

/* The kernel's decision, asked again through `ip route get`. */
static void test_gwcheck(void **state)
{
	need_lab();
	int w1 = ifindex_of(host(), WL), w2 = ifindex_of(host(), WL2), w3 = ifindex_of(host(), WL3);
	const struct ct_gwcheck *g1 = NULL, *g2 = NULL, *g3 = NULL;

	assert_int_equal(host()->gwchecks.n, 3); /* WL3 is down: checked too */
	for (size_t i = 0; i < host()->gwchecks.n; i++) {
		const struct ct_gwcheck *g = &host()->gwchecks.v[i];
		if (g->iif == w3)
			g3 = g;
		if (g->iif == w1)
			g1 = g;
		if (g->iif == w2)
			g2 = g;
	}
	assert_non_null(g1);
	assert_non_null(g2);
	assert_non_null(g3);
	/* a down link: the kernel refuses it, or no pod address was known to ask with */
	assert_true(g3->unasked || g3->err == EINVAL);
	json_t *j = jcmd("ip -n %s -j route get 169.254.1.1 from 10.65.0.5 iif " WL, H);
	assert_int_equal(json_array_size(j), 1);
	assert_int_equal(g1->err, 0);
	assert_int_equal(g1->oif, ifindex_of(host(), jstr(json_array_get(j, 0), "dev")));
	assert_int_equal(g1->type, RTN_UNICAST);
	json_decref(j);
	/* no pod route, no source: the kernel is not asked with 0.0.0.0 (it would
	 * refuse, as ip does), the check is marked as not made */
	assert_int_not_equal(
		sh("ip -n %s route get 169.254.1.1 iif " WL2 " >/dev/null 2>&1", H), 0);
	assert_true(g2->unasked);
	assert_int_equal(g2->err, 0);
	assert_int_equal(g2->src.family, 0);
	assert_true(g1->src.family == AF_INET && !g1->unasked);
}

static void test_podns(void **state)
{
	need_lab();
	assert_int_equal(node.ns.n, 2); /* only namespaces that are peers */
	const struct ct_netns *pod = &node.ns.v[1];
	const struct ct_link *w = ct_link_by_name(host(), WL);

	assert_string_equal(pod->name, P);
	assert_false(pod->is_host);
	assert_int_equal(w->peer_ns, 1);
	assert_int_equal(pod->nsid, w->link_netnsid);
	assert_int_equal(ct_link_by_name(host(), WL2)->peer_ns, -1);
	json_t *j = jcmd("ip -n %s -j netns list-id", H), *o;
	size_t i;
	bool found = false;
	json_array_foreach(j, i, o)
		if (jint(o, "nsid", -2) == pod->nsid) {
			assert_string_equal(jstr(o, "name"), P);
			found = true;
		}
	assert_true(found);
	json_decref(j);

	/* gathered inside the pod */
	const struct ct_link *eth0 = ct_link_by_name(pod, "eth0");
	assert_non_null(eth0);
	assert_int_equal(eth0->ifindex, w->link);
	assert_int_equal(w->ifindex, eth0->link);
	assert_int_equal(eth0->peer_ns, 0);
	j = jcmd("ip -n %s -j link show", P);
	assert_int_equal(pod->links.n, json_array_size(j));
	json_decref(j);
	check_routes(pod, P, 4);
	j = jcmd("ip -n %s -j neigh show nud all", P);
	check_neigh(pod, j, false);
	json_decref(j);
	bool has_ip = false;
	for (size_t k = 0; k < pod->addrs.n; k++) {
		char b[64];
		has_ip |= pod->addrs.v[k].ifindex == eth0->ifindex &&
			  !strcmp(ct_ip_fmt(&pod->addrs.v[k].pfx.ip, b, sizeof(b)), "10.65.0.5");
	}
	assert_true(has_ip);
	assert_int_equal(pod->fdb.n, 0); /* not in pod_what */
}

static void test_nodeinfo(void **state)
{
	struct utsname u;
	char b[64];

	need_lab();
	assert_int_equal(uname(&u), 0);
	assert_string_equal(node.kernel, u.release);
	assert_string_equal(node.source, "live");
	assert_true(node.name[0] != 0);
	assert_true(llabs(node.taken_at - (int64_t)time(NULL)) < 60);
	assert_int_equal(node.n_underlay, 1);
	assert_string_equal(ct_ip_fmt(&node.underlay_ips[0], b, sizeof(b)), "203.0.113.1");
	assert_true(node.has_vtep);
	assert_string_equal(ct_ip_fmt(&node.vtep_ip, b, sizeof(b)), "10.65.0.0");
	json_t *j = jcmd("ip -n %s -j link show vxlan.calico", H);
	assert_string_equal(ct_mac_fmt(node.vtep_mac, 6, b, sizeof(b)),
			    jstr(json_array_get(j, 0), "address"));
	json_decref(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_resolve),	     cmocka_unit_test(test_gather_errors),
		cmocka_unit_test(test_gather_self),  cmocka_unit_test(test_target_entry),
		cmocka_unit_test(test_links),	     cmocka_unit_test(test_routes),
		cmocka_unit_test(test_rules),	     cmocka_unit_test(test_neigh),
		cmocka_unit_test(test_fdb),	     cmocka_unit_test(test_netconf),
		cmocka_unit_test(test_neightbl),     cmocka_unit_test(test_gwcheck),
		cmocka_unit_test(test_podns),	     cmocka_unit_test(test_nodeinfo),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
