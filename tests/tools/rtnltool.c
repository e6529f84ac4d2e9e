/* SPDX-License-Identifier: MIT */
/*
 * Test tool for the netlink layer (tests/integration/replay.sh, route-get.sh).
 *   rtnltool record OUT.pcap      dumps this namespace's tables as `caltrace snapshot`
 *                                 gathers them, recording every message (ct_nl_record)
 *   rtnltool replay IN.pcap OUT   decodes a recording with model/rtnl.c into a model and
 *                                 writes it as a snapshot (OUT "-" = stdout)
 *   rtnltool fields IN.pcap       one line per link/address/route/neighbour message the
 *                                 decoders kept, the fields tshark's dissector also shows
 *   rtnltool routeget DST [from SRC] [iif IFINDEX] [oif IFINDEX] [mark N] [ipproto N]
 *                     [sport N] [dport N] [fibmatch]
 *                                 one lookup (probes/route_get.c), a key=value line, or
 *                                 "error ERRNO-TEXT" for the kernel's refusal; with
 *                                 "explain SNAPSHOT" a refusal is followed by a line
 *                                 "model: ..." naming the route (probes/route_get.c)
 *   rtnltool lookup SNAPSHOT DST [from SRC] [iif NAME] [oif NAME] [mark N] [linkdown]
 *                                 the model's own lookup (model/lookup.c) on the snapshot's
 *                                 first namespace: one line "err=ERRNO-NAME why=WHY type=T
 *                                 dst=PREFIX table=N [dev=NAME metric=N] rule=PRIO"
 *                                 (type/dst/table "-" and no dev/metric without a route,
 *                                 rule "-" without a rule), then the explanation
 *   rtnltool lookups SNAPSHOT FILE [scan]
 *                                 one query per line of FILE (the words above), one result
 *                                 line each, and on stderr the index's build time and
 *                                 "lookups: N in T us" (with the index; "scan": without)
 *   rtnltool batch SNAPSHOT FILE  every query of FILE (the words of lookup, one query a line)
 *                                 on the snapshot's first namespace, in one process: per
 *                                 query one line "err=ERRNO-NAME why=WHY type=T dst=PREFIX
 *                                 table=N metric=N nh=GW@DEV[,GW@DEV...] rule=PRIO", every
 *                                 next hop of the route ("-" for no gateway or device, and
 *                                 type/dst/table/metric/nh "-" without a route); a query
 *                                 the model refuses gives "err=bad_query" (tests/integration/
 *                                 lab-agree.sh)
 * Build: cc -I. $(pkg-config --cflags ...) tests/tools/rtnltool.c build/libcaltrace.a $(libs)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <linux/fib_rules.h>
#include <linux/neighbour.h>
#include <linux/netconf.h>
#include <linux/rtnetlink.h>
#include <pcap/pcap.h>

#include "model/lookup.h"
#include "model/names.h"
#include "model/rtnl.h"
#include "model/snapshot.h"
#include "probes/nl.h"
#include "probes/route_get.h"

#define SLL_LEN 16

static int nothing(struct nlmsghdr *h, void *arg)
{
	return 0;
}

static int record(const char *path)
{
	FILE *f = fopen(path, "wb");
	struct ct_nl nl;
	int r;

	if (!f) {
		perror(path);
		return 2;
	}
	r = ct_nl_open(&nl);
	if (r < 0 || ct_nl_record(&nl, f) < 0) {
		fprintf(stderr, "rtnltool: netlink: %s\n", strerror(-r));
		return 2;
	}
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	struct ifaddrmsg ifa = { 0 };
	struct rtmsg rtm = { 0 };
	struct fib_rule_hdr frh = { 0 };
	struct ndmsg ndm = { 0 };
	struct ndtmsg ndtm = { 0 };
	struct netconfmsg ncm = { 0 };
	static const uint8_t fams[2] = { AF_INET, AF_INET6 };

	r = ct_nl_dump(&nl, RTM_GETLINK, &ifi, sizeof(ifi), nothing, NULL);
	for (int i = 0; i < 2 && r == 0; i++) {
		ifa.ifa_family = fams[i];
		r = ct_nl_dump(&nl, RTM_GETADDR, &ifa, sizeof(ifa), nothing, NULL);
	}
	for (int i = 0; i < 2 && r == 0; i++) {
		rtm.rtm_family = fams[i];
		r = ct_nl_dump(&nl, RTM_GETROUTE, &rtm, sizeof(rtm), nothing, NULL);
	}
	for (int i = 0; i < 2 && r == 0; i++) {
		frh.family = fams[i];
		r = ct_nl_dump(&nl, RTM_GETRULE, &frh, sizeof(frh), nothing, NULL);
	}
	for (int i = 0; i < 2 && r == 0; i++) {
		ndm.ndm_family = fams[i];
		ndm.ndm_flags = 0;
		r = ct_nl_dump(&nl, RTM_GETNEIGH, &ndm, sizeof(ndm), nothing, NULL);
		ndm.ndm_flags = NTF_PROXY;
		if (r == 0)
			r = ct_nl_dump(&nl, RTM_GETNEIGH, &ndm, sizeof(ndm), nothing, NULL);
	}
	if (r == 0) {
		struct ndmsg br = { .ndm_family = AF_BRIDGE };
		r = ct_nl_dump(&nl, RTM_GETNEIGH, &br, sizeof(br), nothing, NULL);
	}
	for (int i = 0; i < 2 && r == 0; i++) {
		ndtm.ndtm_family = fams[i];
		r = ct_nl_dump(&nl, RTM_GETNEIGHTBL, &ndtm, sizeof(ndtm), nothing, NULL);
	}
	for (int i = 0; i < 2 && r == 0; i++) {
		ncm.ncm_family = fams[i];
		r = ct_nl_dump(&nl, RTM_GETNETCONF, &ncm, sizeof(ncm), nothing, NULL);
	}
	if (r < 0 || nl.rec_err || fclose(f) != 0) {
		fprintf(stderr, "rtnltool: record: %s\n", strerror(r < 0 ? -r : nl.rec_err ? nl.rec_err : errno));
		return 2;
	}
	ct_nl_close(&nl);
	return 0;
}

/* Calls fn on each message of each record of a NETLINK pcap. */
typedef int (*msg_fn)(const struct nlmsghdr *h, long frame, void *arg);

static int walk(const char *path, msg_fn fn, void *arg)
{
	char eb[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *ph;
	const u_char *data;
	long frame = 0;
	int r;
	pcap_t *p = pcap_open_offline(path, eb);

	if (!p) {
		fprintf(stderr, "rtnltool: %s\n", eb);
		return 2;
	}
	if (pcap_datalink(p) != 253) {
		fprintf(stderr, "rtnltool: %s: link type %d, not NETLINK\n", path, pcap_datalink(p));
		pcap_close(p);
		return 2;
	}
	while ((r = pcap_next_ex(p, &ph, &data)) == 1) {
		frame++;
		if (ph->caplen < SLL_LEN)
			continue;
		size_t len = ph->caplen - SLL_LEN;
		/* an aligned copy: the decoders read the header in place */
		struct nlmsghdr *buf = malloc(len ? len : 1);
		if (!buf)
			break;
		memcpy(buf, data + SLL_LEN, len);
		int rem = (int)len;
		for (struct nlmsghdr *h = buf; NLMSG_OK(h, rem); h = NLMSG_NEXT(h, rem))
			if (fn(h, frame, arg) < 0) {
				free(buf);
				pcap_close(p);
				return 2;
			}
		free(buf);
	}
	pcap_close(p);
	return 0;
}

/* A recorded message goes through the same decoder and the same update function as an
 * event does (model/rtnl.h, ct_netns_apply). */
static int apply(const struct nlmsghdr *h, long frame, void *arg)
{
	struct ct_netns *ns = arg;
	struct ct_rtnl_msg m;
	int r = ct_rtnl_decode(h, &m);

	if (r < 0)
		fprintf(stderr, "rtnltool: frame %ld: malformed message type %u\n", frame,
			h->nlmsg_type);
	if (r != CT_RTNL_OK)
		return 0;
	r = ct_netns_apply(ns, &m);
	ct_rtnl_msg_clear(&m);
	return r == -ENOMEM ? -1 : 0;
}

static int replay(const char *in, const char *out)
{
	struct ct_node node;
	struct ct_err err = { 0 };
	struct ct_netns *ns;
	int r;

	ct_node_init(&node);
	ns = ct_node_add_ns(&node);
	if (!ns)
		return 2;
	snprintf(ns->name, sizeof(ns->name), "host");
	ns->is_host = true;
	ns->conf.forwarding = ns->conf.rp_filter = ns->conf.proxy_arp = -1;
	ns->conf.def_rp_filter = ns->conf.ip_forward = ns->conf.forwarding6 = -1;
	ns->conf.conntrack_count = ns->conf.conntrack_max = -1;
	snprintf(node.source, sizeof(node.source), "%s", in);
	r = walk(in, apply, ns);
	if (r == 0) {
		FILE *f = strcmp(out, "-") ? fopen(out, "w") : stdout;
		if (!f || ct_snapshot_write(&node, f, &err) < 0) {
			fprintf(stderr, "rtnltool: write %s: %s\n", out, err.msg[0] ? err.msg : strerror(errno));
			r = 2;
		}
		if (f && f != stdout)
			fclose(f);
	}
	ct_node_free(&node);
	return r;
}

static int fields_one(const struct nlmsghdr *h, long frame, void *arg)
{
	struct ct_rtnl_msg m;
	char a[64];

	if (ct_rtnl_decode(h, &m) != CT_RTNL_OK)
		return 0;
	switch (m.kind) {
	case CT_RTNL_LINK:
		printf("%ld link %d %s %u %d\n", frame, m.u.link.ifindex, m.u.link.name,
		       m.u.link.mtu, (int)m.u.link.oper);
		break;
	case CT_RTNL_ADDR:
		printf("%ld addr %d %d %u %d %s\n", frame, m.u.addr.pfx.ip.family, m.u.addr.pfx.len,
		       m.u.addr.scope, m.u.addr.ifindex, ct_ip_fmt(&m.u.addr.pfx.ip, a, sizeof(a)));
		break;
	case CT_RTNL_ROUTE:
		printf("%ld route %d %d %u %u %u %u %d\n", frame, m.u.route.dst.ip.family,
		       m.u.route.dst.len, m.u.route.table > 255 ? 252 : m.u.route.table,
		       m.u.route.protocol, m.u.route.scope, m.u.route.type, m.u.route.oif);
		break;
	case CT_RTNL_NEIGH:
		printf("%ld neigh %d %d %u %u\n", frame, m.u.neigh.dst.family, m.u.neigh.ifindex,
		       m.u.neigh.state, m.u.neigh.flags);
		break;
	default:
		break;
	}
	ct_rtnl_msg_clear(&m);
	return 0;
}

static int ip_arg(const char *s, struct ct_ip *ip)
{
	if (ct_ip_parse(s, ip) < 0) {
		fprintf(stderr, "rtnltool: bad address '%s'\n", s);
		return -1;
	}
	return 0;
}

static int routeget(int argc, char **argv)
{
	struct ct_route_query q = { 0 };
	struct ct_route_answer ans;
	struct ct_nl nl;
	struct ct_node node;
	struct ct_err err;
	const char *snap = NULL;
	char b1[64], b2[64], b3[64];
	int r;

	if (argc < 1 || ip_arg(argv[0], &q.dst) < 0)
		return 2;
	for (int i = 1; i < argc; i++) {
		const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(k, "fibmatch") == 0) {
			q.fibmatch = true;
			continue;
		}
		if (!v)
			return 2;
		i++;
		if (strcmp(k, "from") == 0) {
			if (ip_arg(v, &q.src) < 0)
				return 2;
		} else if (strcmp(k, "iif") == 0) {
			q.iif = atoi(v);
		} else if (strcmp(k, "oif") == 0) {
			q.oif = atoi(v);
		} else if (strcmp(k, "mark") == 0) {
			q.fwmark = (uint32_t)strtoul(v, NULL, 0);
			q.has_fwmark = true;
		} else if (strcmp(k, "ipproto") == 0) {
			q.ip_proto = (uint8_t)atoi(v);
		} else if (strcmp(k, "sport") == 0) {
			q.sport = (uint16_t)atoi(v);
		} else if (strcmp(k, "dport") == 0) {
			q.dport = (uint16_t)atoi(v);
		} else if (strcmp(k, "explain") == 0) {
			snap = v;
		} else {
			return 2;
		}
	}
	ct_node_init(&node);
	if (snap && ct_snapshot_load(&node, snap, &err) < 0) {
		fprintf(stderr, "rtnltool: %s\n", err.msg);
		ct_node_free(&node);
		return 2;
	}
	r = ct_nl_open(&nl);
	if (r < 0) {
		fprintf(stderr, "rtnltool: netlink: %s\n", strerror(-r));
		return 3;
	}
	r = ct_route_get_explained(&nl, &q, snap && node.ns.n ? &node.ns.v[0] : NULL, &ans);
	ct_nl_close(&nl);
	if (r < 0) {
		fprintf(stderr, "rtnltool: route get: %s\n", strerror(-r));
		ct_node_free(&node);
		return 3;
	}
	if (ans.err) {
		printf("error %s\n", strerror(ans.err));
		if (ans.explained)
			printf("model: %s\n", ans.explain);
		ct_route_answer_clear(&ans);
		ct_node_free(&node);
		return 1;
	}
	ct_node_free(&node);
	const struct ct_route *rt = &ans.route;
	printf("type=%u table=%u oif=%d gw=%s prefsrc=%s flags=0x%x dst=%s/%u protocol=%u "
	       "scope=%u\n",
	       rt->type, rt->table, rt->oif, ct_ip_is_set(&rt->gw) ? ct_ip_fmt(&rt->gw, b1, 64) : "-",
	       ct_ip_is_set(&rt->src) ? ct_ip_fmt(&rt->src, b2, 64) : "-", rt->flags,
	       ct_ip_fmt(&rt->dst.ip, b3, 64), rt->dst.len, rt->protocol, rt->scope);
	ct_route_answer_clear(&ans);
	return 0;
}

static int link_arg(const struct ct_netns *ns, const char *name, int *ifindex)
{
	const struct ct_link *l = ct_link_by_name(ns, name);

	if (!l) {
		fprintf(stderr, "rtnltool: no link '%s' in the model\n", name);
		return -1;
	}
	*ifindex = l->ifindex;
	return 0;
}

/* One query's words (DST [from SRC] [iif NAME] [oif NAME] [mark N] [linkdown]) into q. */
static int lookup_args(const struct ct_netns *ns, int argc, char **argv,
		       struct ct_lookup_query *q)
{
	memset(q, 0, sizeof(*q));
	if (argc < 1 || ip_arg(argv[0], &q->dst) < 0)
		return -1;
	for (int i = 1; i < argc; i++) {
		const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(k, "linkdown") == 0) {
			q->ignore_linkdown = true;
			continue;
		}
		if (!v)
			return -1;
		i++;
		if (strcmp(k, "from") == 0) {
			if (ip_arg(v, &q->src) < 0)
				return -1;
		} else if (strcmp(k, "iif") == 0) {
			if (link_arg(ns, v, &q->iif) < 0)
				return -1;
		} else if (strcmp(k, "oif") == 0) {
			if (link_arg(ns, v, &q->oif) < 0)
				return -1;
		} else if (strcmp(k, "mark") == 0) {
			q->fwmark = (uint32_t)strtoul(v, NULL, 0);
		} else {
			return -1;
		}
	}
	return 0;
}

static void lookup_print(const struct ct_netns *ns, const struct ct_lookup_result *res,
			 bool explain)
{
	const struct ct_route *r = res->route;
	char b[64], t[16], line[512];

	printf("err=%s why=%s type=%s dst=%s table=", res->err ? strerrorname_np(res->err) : "0",
	       ct_lookup_why_name(res->why), r ? ct_name_of(ct_rt_types, r->type, t, sizeof(t)) : "-",
	       r ? ct_prefix_fmt(&r->dst, b, sizeof(b)) : "-");
	if (r) {
		const struct ct_link *l = r->oif ? ct_link_by_ifindex(ns, r->oif) : NULL;
		printf("%u dev=%s metric=%u", r->table, l ? l->name : "-", r->priority);
	} else {
		printf("-");
	}
	if (res->rule)
		printf(" rule=%u\n", res->rule->priority);
	else
		printf(" rule=-\n");
	if (explain)
		printf("%s\n", ct_lookup_explain(ns, res, 0, line, sizeof(line)));
}

static int lookup(int argc, char **argv)
{
	struct ct_lookup_query q;
	struct ct_lookup_result res;
	struct ct_node node;
	struct ct_err err;
	int rc = 2;

	if (argc < 2)
		return 2;
	ct_node_init(&node);
	if (ct_snapshot_load(&node, argv[0], &err) < 0 || node.ns.n == 0) {
		fprintf(stderr, "rtnltool: %s\n", err.msg);
		goto out;
	}
	const struct ct_netns *ns = &node.ns.v[0];
	if (lookup_args(ns, argc - 1, argv + 1, &q) < 0 || ct_lookup(ns, &q, &res) < 0)
		goto out;
	lookup_print(ns, &res, true);
	rc = 0;
out:
	ct_node_free(&node);
	return rc;
}

/* Every line of FILE is one query; one result line each (no explanation), and on
 * stderr the time the lookups took (the snapshot's loading apart). */
static int lookups(const char *snap, const char *path, bool scan)
{
	struct ct_node node;
	struct ct_err err;
	FILE *f = NULL;
	char buf[512];
	int rc = 2;
	enum { MAXQ = 1000000 };
	struct ct_lookup_query *qs = NULL;
	size_t n = 0;

	ct_node_init(&node);
	if (ct_snapshot_load(&node, snap, &err) < 0 || node.ns.n == 0) {
		fprintf(stderr, "rtnltool: %s\n", err.msg);
		goto out;
	}
	const struct ct_netns *ns = &node.ns.v[0];
	f = fopen(path, "r");
	qs = calloc(MAXQ, sizeof(*qs));
	if (!f || !qs)
		goto out;
	while (n < MAXQ && fgets(buf, sizeof(buf), f)) {
		char *w[16];
		int c = 0;
		for (char *tok = strtok(buf, " \t\n"); tok && c < 16; tok = strtok(NULL, " \t\n"))
			w[c++] = tok;
		if (c == 0)
			continue;
		if (lookup_args(ns, c, w, &qs[n]) < 0) {
			fprintf(stderr, "rtnltool: bad query on line %zu\n", n + 1);
			goto out;
		}
		n++;
	}
	struct ct_lookup_result *res = calloc(n ? n : 1, sizeof(*res));
	if (!res)
		goto out;
	struct ct_lookup_index ix;
	struct timespec t0, t1, t2;
	ct_lookup_index_init(&ix);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (ct_lookup_index_build(&ix, ns) < 0)
		fprintf(stderr, "rtnltool: no index (out of memory): scanning\n");
	clock_gettime(CLOCK_MONOTONIC, &t1);
	for (size_t i = 0; i < n; i++)
		ct_lookup_ix(ns, scan ? NULL : &ix, &qs[i], &res[i]);
	clock_gettime(CLOCK_MONOTONIC, &t2);
	ct_lookup_index_free(&ix);
	fprintf(stderr, "index: built in %.0f us\n",
		(double)(t1.tv_sec - t0.tv_sec) * 1e6 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e3);
	t0 = t1;
	t1 = t2;
	for (size_t i = 0; i < n; i++)
		lookup_print(ns, &res[i], false);
	fprintf(stderr, "lookups: %zu in %.0f us\n", n,
		(double)(t1.tv_sec - t0.tv_sec) * 1e6 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e3);
	free(res);
	rc = 0;
out:
	if (f)
		fclose(f);
	free(qs);
	ct_node_free(&node);
	return rc;
}

/* batch's line: lookup_print's fields plus every next hop of the route. */
static void batch_print(const struct ct_netns *ns, const struct ct_lookup_result *res)
{
	const struct ct_route *r = res->route;
	char b[64], t[16];

	printf("err=%s why=%s", res->err ? strerrorname_np(res->err) : "0",
	       ct_lookup_why_name(res->why));
	if (!r) {
		printf(" type=- dst=- table=- metric=- nh=-");
	} else {
		const struct ct_nexthop *nh;
		struct ct_nexthop tmp;
		size_t n = ct_route_nexthops(r, &nh, &tmp);

		printf(" type=%s dst=%s table=%u metric=%u nh=",
		       ct_name_of(ct_rt_types, r->type, t, sizeof(t)),
		       ct_prefix_fmt(&r->dst, b, sizeof(b)), r->table, r->priority);
		if (n == 0)
			printf("-");
		for (size_t i = 0; i < n; i++) {
			const struct ct_link *l = nh[i].oif ? ct_link_by_ifindex(ns, nh[i].oif) : NULL;
			bool gw = ct_ip_is_set(&nh[i].gw) && !ct_ip_is_any(&nh[i].gw);
			printf("%s%s@%s", i ? "," : "", gw ? ct_ip_fmt(&nh[i].gw, b, sizeof(b)) : "-",
			       l ? l->name : "-");
		}
	}
	if (res->rule)
		printf(" rule=%u\n", res->rule->priority);
	else
		printf(" rule=-\n");
}

static int batch(const char *snap, const char *path)
{
	struct ct_node node;
	struct ct_err err;
	struct ct_lookup_index ix;
	FILE *f = NULL;
	char buf[512];
	int rc = 2;

	ct_node_init(&node);
	ct_lookup_index_init(&ix);
	if (ct_snapshot_load(&node, snap, &err) < 0 || node.ns.n == 0) {
		fprintf(stderr, "rtnltool: %s\n", err.msg);
		goto out;
	}
	const struct ct_netns *ns = &node.ns.v[0];
	f = fopen(path, "r");
	if (!f) {
		perror(path);
		goto out;
	}
	if (ct_lookup_index_build(&ix, ns) < 0)
		fprintf(stderr, "rtnltool: no index (out of memory): scanning\n");
	while (fgets(buf, sizeof(buf), f)) {
		struct ct_lookup_query q;
		struct ct_lookup_result res;
		char *w[16];
		int c = 0;

		for (char *tok = strtok(buf, " \t\n"); tok && c < 16; tok = strtok(NULL, " \t\n"))
			w[c++] = tok;
		if (c == 0)
			continue;
		if (lookup_args(ns, c, w, &q) < 0 || ct_lookup_ix(ns, &ix, &q, &res) < 0)
			printf("err=bad_query\n");
		else
			batch_print(ns, &res);
	}
	rc = ferror(f) ? 2 : 0;
out:
	if (f)
		fclose(f);
	ct_lookup_index_free(&ix);
	ct_node_free(&node);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc >= 3 && strcmp(argv[1], "record") == 0)
		return record(argv[2]);
	if (argc >= 4 && strcmp(argv[1], "replay") == 0)
		return replay(argv[2], argv[3]);
	if (argc >= 3 && strcmp(argv[1], "fields") == 0)
		return walk(argv[2], fields_one, NULL);
	if (argc >= 3 && strcmp(argv[1], "routeget") == 0)
		return routeget(argc - 2, argv + 2);
	if (argc >= 4 && strcmp(argv[1], "lookup") == 0)
		return lookup(argc - 2, argv + 2);
	if (argc >= 4 && strcmp(argv[1], "lookups") == 0)
		return lookups(argv[2], argv[3], argc >= 5 && strcmp(argv[4], "scan") == 0);
	if (argc >= 4 && strcmp(argv[1], "batch") == 0)
		return batch(argv[2], argv[3]);
	fprintf(stderr, "usage: rtnltool record OUT.pcap | replay IN.pcap OUT | fields IN.pcap | "
			"routeget DST [from SRC] [iif N] [oif N] [mark N] [ipproto N] [sport N] "
			"[dport N] [fibmatch] [explain SNAPSHOT] | lookup SNAPSHOT DST [from SRC] "
			"[iif NAME] [oif NAME] [mark N] [linkdown] | lookups SNAPSHOT FILE [scan] | "
			"batch SNAPSHOT FILE\n");
	return 2;
}
