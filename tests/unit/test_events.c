/* SPDX-License-Identifier: MIT */
/*
 * The event source (probes/events.c) and kept handles (ct_nl_open_in) against
 * the kernel, with iproute2 as the oracle for namespace ids and links. Builds
 * namespaces ctev-PID-n (the node), ctev-PID-p (a pod behind a veth: it has an
 * id in the node), ctev-PID-u (unrelated, but given an id: the kernel sends its
 * events, the source must drop them) and ctev-PID-l (a pod that gets its id
 * late). Needs root; skips without it. Namespaces are always deleted.
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
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/rtnetlink.h>

#include "probes/events.h"
#include "probes/live.h"

static char N[64], PNS[64], U[64], L[64], X[64];
static bool lab_up;

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

/* The oracle for namespace ids: `ip -n NODE netns list-id` (nsid N (... name: X)). */
static int oracle_nsid(const char *name)
{
	char cmd[256], line[512];
	int id = -1;

	snprintf(cmd, sizeof(cmd), "ip -n %s netns list-id 2>/dev/null", N);
	FILE *f = popen(cmd, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		int v;
		char nm[128];
		if (sscanf(line, "nsid %d (iproute2 netns name: %127[^)])", &v, nm) == 2 &&
		    strcmp(nm, name) == 0)
			id = v;
	}
	pclose(f);
	return id;
}

static void lab_down(void)
{
	if (!N[0])
		return;
	sh("ip netns del %s 2>/dev/null; ip netns del %s 2>/dev/null; ip netns del %s 2>/dev/null;"
	   " ip netns del %s 2>/dev/null; ip netns del %s 2>/dev/null",
	   N, PNS, U, L, X);
	lab_up = false;
}

static int setup(void **state)
{
	(void)state;
	if (geteuid() != 0)
		return 0;
	snprintf(N, sizeof(N), "ctev-%d-n", (int)getpid());
	snprintf(PNS, sizeof(PNS), "ctev-%d-p", (int)getpid());
	snprintf(U, sizeof(U), "ctev-%d-u", (int)getpid());
	snprintf(L, sizeof(L), "ctev-%d-l", (int)getpid());
	snprintf(X, sizeof(X), "ctev-%d-x", (int)getpid());
	atexit(lab_down);
	if (sh("set -e; ip netns add %s; ip netns add %s; ip netns add %s; ip netns add %s;"
	       " ip -n %s link add cali0123456789a type veth peer name eth0 netns %s;"
	       " ip -n %s link set cali0123456789a up; ip -n %s link set eth0 up;"
	       " ip -n %s link set lo up; ip -n %s netns set %s 42",
	       N, PNS, U, L, N, PNS, N, PNS, N, N, U) != 0)
		return -1;
	lab_up = true;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	lab_down();
	return 0;
}

static int ns_fd(const char *name)
{
	char path[256];

	snprintf(path, sizeof(path), "/var/run/netns/%s", name);
	return open(path, O_RDONLY | O_CLOEXEC);
}

static uint64_t thread_ns_inode(void)
{
	struct stat st;

	return stat("/proc/thread-self/ns/net", &st) == 0 ? (uint64_t)st.st_ino : 0;
}

/* ---- what a read collected ---- */

struct seen {
	int nsid, tag;
	uint16_t type;
	char dst[64]; /* a route's destination, "" otherwise */
};

struct coll {
	struct seen v[4096];
	size_t n;
};

static int collect(const struct ct_ev *ev, void *arg)
{
	struct coll *c = arg;
	struct seen *s;

	if (c->n == sizeof(c->v) / sizeof(c->v[0]))
		return 0;
	s = &c->v[c->n++];
	memset(s, 0, sizeof(*s));
	s->nsid = ev->nsid;
	s->tag = ev->tag;
	s->type = ev->h->nlmsg_type;
	if (s->type == RTM_NEWROUTE || s->type == RTM_DELROUTE) {
		struct nlattr *tb[RTA_MAX + 1];
		struct rtmsg *r = nlmsg_data(ev->h);
		if (nlmsg_parse((struct nlmsghdr *)ev->h, sizeof(*r), tb, RTA_MAX, NULL) == 0 &&
		    tb[RTA_DST] && nla_len(tb[RTA_DST]) >= 4 && r->rtm_family == AF_INET) {
			char a[32];
			inet_ntop(AF_INET, nla_data(tb[RTA_DST]), a, sizeof(a));
			snprintf(s->dst, sizeof(s->dst), "%s/%u", a, r->rtm_dst_len);
		}
	}
	return 0;
}

/* Reads until the queue stays empty; ENOBUFS is counted, not fatal here. */
static int drain(struct ct_ev_src *es, struct coll *c, int *lost)
{
	int total = 0;

	for (int quiet = 0; quiet < 3;) {
		int r = ct_ev_read(es, collect, c, 0);
		if (r == -ENOBUFS) {
			if (lost)
				(*lost)++;
			quiet = 0;
			continue;
		}
		if (r < 0)
			return r;
		total += r;
		if (r == 0) {
			quiet++;
			usleep(50 * 1000);
		} else {
			quiet = 0;
		}
	}
	return total;
}

static const struct seen *find_route(const struct coll *c, uint16_t type, const char *dst)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->v[i].type == type && strcmp(c->v[i].dst, dst) == 0)
			return &c->v[i];
	return NULL;
}

#define NEED_LAB()                                                                         \
	do {                                                                               \
		if (geteuid() != 0 || !lab_up)                                             \
			skip();                                                            \
	} while (0)

/* ---- tests ---- */

static int count_link(struct nlmsghdr *h, void *arg)
{
	if (h->nlmsg_type == RTM_NEWLINK)
		(*(int *)arg)++;
	return 0;
}

/* A kept handle answers for its namespace, and the thread is back where it was. */
static void test_open_in(void **state)
{
	uint64_t before = thread_ns_inode();
	struct ct_nl nl;
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	int fd, n = 0, want = 0;
	char cmd[256], line[512];

	(void)state;
	NEED_LAB();
	snprintf(cmd, sizeof(cmd), "ip -n %s -o link show", N);
	FILE *f = popen(cmd, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		want++;
	pclose(f);
	fd = ns_fd(N);
	assert_true(fd >= 0);
	assert_int_equal(ct_nl_open_in(&nl, fd), 0);
	close(fd);
	assert_int_equal(thread_ns_inode(), before);
	/* the handle keeps answering for N, many times, without entering it again */
	for (int i = 0; i < 3; i++) {
		n = 0;
		assert_int_equal(ct_nl_dump(&nl, RTM_GETLINK, &ifi, sizeof(ifi), count_link, &n), 0);
		assert_int_equal(n, want);
	}
	ct_nl_close(&nl);
	assert_int_equal(want, 2); /* lo and the veth: the host has more */
	assert_int_equal(ct_nl_open_in(&nl, -1), 0);
	ct_nl_close(&nl);
	assert_int_equal(ct_nl_open_in(&nl, 12345), -EBADF);
}

/* Node events untagged, pod events with the pod's id, the unrelated one dropped. */
static void test_sources(void **state)
{
	static struct coll c;
	struct ct_ev_src es;
	int nfd, pfd;

	(void)state;
	NEED_LAB();
	memset(&c, 0, sizeof(c));
	nfd = ns_fd(N);
	pfd = ns_fd(PNS);
	assert_true(nfd >= 0 && pfd >= 0);
	assert_int_equal(ct_ev_open(&es, nfd, 0, 0), 0);
	assert_int_equal(ct_ev_watch(&es, pfd, 7), 0);
	assert_int_equal(ct_ev_watch(&es, pfd, 7), -EEXIST);
	int pid = oracle_nsid(PNS), uid = oracle_nsid(U);
	assert_true(pid >= 0);
	assert_int_equal(uid, 42);
	assert_non_null(ct_ev_by_nsid(&es, pid));
	assert_int_equal(ct_ev_by_nsid(&es, pid)->tag, 7);
	assert_true(es.rcvbuf_forced);
	assert_true(es.rcvbuf >= CT_EV_RCVBUF_DEFAULT);

	assert_int_equal(sh("ip -n %s route add blackhole 10.201.0.0/16 &&"
			    " ip -n %s route add blackhole 10.202.0.0/16 &&"
			    " ip -n %s route add blackhole 10.203.0.0/16 &&"
			    " ip -n %s route del blackhole 10.201.0.0/16",
			    N, PNS, U, N),
			 0);
	assert_true(drain(&es, &c, NULL) >= 3);
	const struct seen *s = find_route(&c, RTM_NEWROUTE, "10.201.0.0/16");
	assert_non_null(s);
	assert_int_equal(s->nsid, -1);
	assert_int_equal(s->tag, 0);
	s = find_route(&c, RTM_DELROUTE, "10.201.0.0/16");
	assert_non_null(s);
	assert_int_equal(s->tag, 0);
	s = find_route(&c, RTM_NEWROUTE, "10.202.0.0/16");
	assert_non_null(s);
	assert_int_equal(s->nsid, pid);
	assert_int_equal(s->tag, 7);
	assert_null(find_route(&c, RTM_NEWROUTE, "10.203.0.0/16"));
	assert_true(es.foreign >= 1);
	assert_int_equal(es.overruns, 0);

	/* unwatched, the pod's events are dropped too */
	assert_int_equal(ct_ev_unwatch(&es, 7), 0);
	assert_int_equal(ct_ev_unwatch(&es, 7), -ENOENT);
	uint64_t f0 = es.foreign;
	c.n = 0;
	assert_int_equal(sh("ip -n %s route add blackhole 10.204.0.0/16", PNS), 0);
	drain(&es, &c, NULL);
	assert_null(find_route(&c, RTM_NEWROUTE, "10.204.0.0/16"));
	assert_true(es.foreign > f0);
	ct_ev_close(&es);
	close(nfd);
	close(pfd);
}

/* A watched namespace without an id is resolved when RTM_NEWNSID appears. */
static void test_late_nsid(void **state)
{
	static struct coll c;
	struct ct_ev_src es;
	int nfd, lfd;

	(void)state;
	NEED_LAB();
	memset(&c, 0, sizeof(c));
	nfd = ns_fd(N);
	lfd = ns_fd(L);
	assert_true(nfd >= 0 && lfd >= 0);
	assert_int_equal(oracle_nsid(L), -1);
	assert_int_equal(ct_ev_open(&es, nfd, 0, 0), 0);
	assert_int_equal(ct_ev_watch(&es, lfd, 3), 0);
	assert_int_equal(es.ns[es.n_ns - 1].nsid, -1);
	/* a veth into L gives L an id in N */
	assert_int_equal(sh("ip -n %s link add cali00000000lat type veth peer name eth0 netns %s &&"
			    " ip -n %s route add blackhole 10.205.0.0/16",
			    N, L, L),
			 0);
	drain(&es, &c, NULL);
	int lid = oracle_nsid(L);
	assert_true(lid >= 0);
	bool saw_newnsid = false;
	for (size_t i = 0; i < c.n; i++)
		if (c.v[i].type == RTM_NEWNSID && c.v[i].tag == 0)
			saw_newnsid = true;
	assert_true(saw_newnsid);
	const struct seen *s = find_route(&c, RTM_NEWROUTE, "10.205.0.0/16");
	assert_non_null(s);
	assert_int_equal(s->nsid, lid);
	assert_int_equal(s->tag, 3);
	ct_ev_close(&es);
	close(nfd);
	close(lfd);
}

/* A queue too small for a burst: ENOBUFS once, counted; the socket reads on. */
static void test_enobufs(void **state)
{
	static struct coll c;
	struct ct_ev_src es;
	int nfd, lost = 0;
	char path[128];

	(void)state;
	NEED_LAB();
	memset(&c, 0, sizeof(c));
	nfd = ns_fd(N);
	assert_true(nfd >= 0);
	assert_int_equal(ct_ev_open(&es, nfd, 0, 4096), 0);
	assert_true(es.rcvbuf < 64 * 1024);
	snprintf(path, sizeof(path), "/tmp/ctev-%d.batch", (int)getpid());
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	for (int i = 0; i < 500; i++)
		fprintf(f, "route add blackhole 10.210.%d.%d/32\n", i / 250, i % 250);
	fclose(f);
	/* nothing reads while the burst arrives */
	assert_int_equal(sh("ip -n %s -batch %s", N, path), 0);
	unlink(path);
	int r = ct_ev_read(&es, collect, &c, 0);
	while (r > 0)
		r = ct_ev_read(&es, collect, &c, 0);
	assert_int_equal(r, -ENOBUFS);
	assert_int_equal(es.overruns, 1);
	assert_true(c.n < 500);
	/* what a resync does first: empty the queue; nothing is left to read */
	assert_true(ct_ev_flush(&es) >= 0);
	assert_int_equal(ct_ev_read(&es, collect, &c, 0), 0);
	/* the socket is still good: a later event arrives */
	c.n = 0;
	drain(&es, &c, &lost);
	assert_int_equal(sh("ip -n %s route add blackhole 10.211.0.0/16", N), 0);
	drain(&es, &c, &lost);
	assert_non_null(find_route(&c, RTM_NEWROUTE, "10.211.0.0/16"));
	assert_int_equal(lost, 0);
	ct_ev_close(&es);
	close(nfd);
}

/* ---- the live model (probes/live.c) ---- */

static size_t count_routes(const struct ct_netns *ns, const char *prefix)
{
	size_t n = 0;
	char b[64];

	for (size_t i = 0; i < ns->routes.n; i++)
		if (ns->routes.v[i].dst.ip.family == AF_INET &&
		    strncmp(ct_ip_fmt(&ns->routes.v[i].dst.ip, b, sizeof(b)), prefix,
			    strlen(prefix)) == 0)
			n++;
	return n;
}

static struct ct_netns *live_ns(struct ct_live *lv, const char *name)
{
	for (size_t j = 0; j < lv->node.ns.n; j++)
		if (strcmp(lv->node.ns.v[j].name, name) == 0)
			return &lv->node.ns.v[j];
	return NULL;
}

/* Steps until the model has want routes under prefix in namespace name (or gives up). */
static size_t live_until(struct ct_live *lv, const char *name, const char *prefix, size_t want)
{
	struct ct_err err = { 0 };
	size_t got = 0;

	for (int i = 0; i < 50; i++) {
		assert_true(ct_live_step(lv, &err) >= 0);
		struct ct_netns *ns = live_ns(lv, name);
		got = ns ? count_routes(ns, prefix) : 0;
		if (got == want)
			break;
		usleep(50 * 1000);
	}
	return got;
}

/* Node and pod changes land in the right namespace of the model, without a resync. */
static void test_live_follow(void **state)
{
	struct ct_live_opts o = { .netns_spec = N };
	struct ct_err err = { 0 };
	struct ct_live lv;
	char msg[128];

	(void)state;
	NEED_LAB();
	assert_int_equal(ct_live_open(&lv, &o, &err), 0);
	assert_non_null(live_ns(&lv, PNS));
	assert_int_equal(sh("ip -n %s route add blackhole 10.221.0.0/16 &&"
			    " ip -n %s route add blackhole 10.222.0.0/16",
			    N, PNS),
			 0);
	assert_int_equal(live_until(&lv, N, "10.221.", 1), 1);
	assert_int_equal(live_until(&lv, PNS, "10.222.", 1), 1);
	assert_int_equal(count_routes(&lv.node.ns.v[0], "10.222."), 0);
	assert_int_equal(sh("ip -n %s route del blackhole 10.221.0.0/16", N), 0);
	assert_int_equal(live_until(&lv, N, "10.221.", 0), 0);
	assert_int_equal(lv.resyncs, 0);
	assert_false(ct_live_message(&lv, msg, sizeof(msg)));
	ct_live_close(&lv);
}

/* A pod namespace that appears later is found (a rescan) and followed. */
static void test_live_newpod(void **state)
{
	struct ct_live_opts o = { .netns_spec = N };
	struct ct_err err = { 0 };
	struct ct_live lv;

	(void)state;
	NEED_LAB();
	assert_int_equal(ct_live_open(&lv, &o, &err), 0);
	assert_null(live_ns(&lv, X));
	assert_int_equal(sh("ip netns add %s && ip -n %s link add cali0000000000x type veth peer"
			    " name eth0 netns %s",
			    X, N, X),
			 0);
	for (int i = 0; i < 50 && !live_ns(&lv, X); i++) {
		assert_true(ct_live_step(&lv, &err) >= 0);
		usleep(50 * 1000);
	}
	assert_non_null(live_ns(&lv, X));
	assert_true(lv.rescans >= 1);
	assert_int_equal(sh("ip -n %s route add blackhole 10.223.0.0/16", X), 0);
	assert_int_equal(live_until(&lv, X, "10.223.", 1), 1);
	assert_int_equal(lv.resyncs, 0);
	ct_live_close(&lv);
}

/* Events lost: a resync, the user told once, and the model right again. */
static void test_live_lost(void **state)
{
	struct ct_live_opts o = { .netns_spec = N, .rcvbuf = 4096 };
	struct ct_err err = { 0 };
	struct ct_live lv;
	char path[128], msg[128];

	(void)state;
	NEED_LAB();
	assert_int_equal(ct_live_open(&lv, &o, &err), 0);
	snprintf(path, sizeof(path), "/tmp/ctev-%d-live.batch", (int)getpid());
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	for (int i = 0; i < 500; i++)
		fprintf(f, "route add blackhole 10.224.%d.%d/32\n", i / 250, i % 250);
	fclose(f);
	assert_int_equal(sh("ip -n %s -batch %s", N, path), 0);
	unlink(path);
	assert_int_equal(live_until(&lv, N, "10.224.", 500), 500);
	assert_true(lv.resyncs >= 1);
	assert_false(lv.stale);
	assert_true(ct_live_message(&lv, msg, sizeof(msg)));
	assert_string_equal(msg, CT_LIVE_LOST_MSG);
	assert_false(ct_live_message(&lv, msg, sizeof(msg)));
	ct_live_close(&lv);
}

/* What no event announces (proxy_delay, counters) is re-read by ct_live_poll, with its age. */
static void test_live_poll(void **state)
{
	struct ct_live_opts o = { .netns_spec = N };
	struct ct_err err = { 0 };
	struct ct_live lv;
	char cmd[256], line[64] = "";

	(void)state;
	NEED_LAB();
	assert_int_equal(ct_live_open(&lv, &o, &err), 0);
	struct ct_link *l = ct_link_by_name(&lv.node.ns.v[0], "cali0123456789a");
	assert_non_null(l);
	int before = l->proxy_delay;
	int want = before >= 30 && before <= 40 ? 123 : 37;
	assert_int_equal(sh("ip netns exec %s sh -c 'echo %d > "
			    "/proc/sys/net/ipv4/neigh/cali0123456789a/proxy_delay'",
			    N, want),
			 0);
	/* the oracle: what /proc/sys says now */
	snprintf(cmd, sizeof(cmd),
		 "ip netns exec %s cat /proc/sys/net/ipv4/neigh/cali0123456789a/proxy_delay", N);
	FILE *f = popen(cmd, "r");
	assert_non_null(f);
	assert_non_null(fgets(line, sizeof(line), f));
	pclose(f);
	int oracle = atoi(line); /* the kernel keeps jiffies: 37 may read back as 36 */
	assert_true(oracle != before);
	int64_t age = lv.ages.parms_at;
	usleep(20 * 1000);
	assert_int_equal(ct_live_poll(&lv, &err), 0);
	l = ct_link_by_name(&lv.node.ns.v[0], "cali0123456789a");
	assert_non_null(l);
	assert_int_equal(l->proxy_delay, oracle);
	assert_true(lv.ages.parms_at > age);
	assert_true(lv.ages.stats_at >= lv.ages.parms_at);
	ct_live_close(&lv);
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(ct_ev_type_name(RTM_NEWLINK), "newlink");
	assert_string_equal(ct_ev_type_name(RTM_DELNSID), "delnsid");
	assert_string_equal(ct_ev_type_name(9999), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),	  cmocka_unit_test(test_open_in),
		cmocka_unit_test(test_sources),
		cmocka_unit_test(test_late_nsid),     cmocka_unit_test(test_enobufs),
		cmocka_unit_test(test_live_follow),   cmocka_unit_test(test_live_newpod),
		cmocka_unit_test(test_live_lost),     cmocka_unit_test(test_live_poll),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
