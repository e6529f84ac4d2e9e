/* SPDX-License-Identifier: MIT */
/*
 * livecmp: the proof that an event-fed model equals a dump. Keeps a live model
 * of a node namespace (probes/live.c) while the test drives changes, then, on
 * SIGUSR1, drains the events, takes a fresh full gather and compares the two
 * as canonical records, field by field. Links libcaltrace.
 *
 * usage: livecmp -n NETNS [-b RCVBUF] [-d DST/LEN] [-o DIR]
 *   -b  the event socket's receive buffer (bytes; small forces ENOBUFS)
 *   -d  drop every route event for DST/LEN (the negative check: must differ)
 *   -o  write both models as DIR/live.txt and DIR/dump.txt
 * stdout: "caltrace: <message>" for each thing the user is told (a resync),
 *         "differ <record>: <field> live=<v> dump=<v>" or "missing|extra <record>",
 *         "summary records=N differ=N resyncs=N rescans=N applied=N dropped=N malformed=N failed=N"
 * stderr: "ready" once the model is live.
 * Exit: 0 equal, 1 different, 3 could not gather.
 *
 * "Equal" covers every configuration field. Left out, and why:
 *   link stats (counters)                          polled: no event
 *   link proxy_delay                               polled: no event (neighbour parms)
 *   neighbour state and timers                     neighbours compare as dst, dev, lladdr,
 *                                                  permanence (and the proxy flag)
 *   neighbour tables (gc_thresh, entries)          polled
 *   conf.conntrack_count / conntrack_max           polled
 *   gwchecks (the kernel's forwarding decision)    polled
 *   node name, kernel, taken_at, pods, BGP         not rtnetlink
 *   NOARP neighbour entries (a multicast or broadcast destination such as ff02::2 ->
 *     33:33:00:00:00:02): the kernel creates them in NUD_NOARP without a notification
 *   FDB "self" entries of a device's own address lists (a veth's or bridge port's
 *     multicast and unicast MACs, ndo_dflt_fdb_dump): the kernel lists them in dumps but
 *     announces none, so they are polled state (bridge and vxlan FDB entries are compared)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "model/rtnl.h"
#include "probes/live.h"

static volatile sig_atomic_t go, resume = 1;
/* -W: read nothing until SIGUSR2, so that a small receive buffer surely overflows */
static void on_usr2(int s)
{
	(void)s;
	resume = 1;
}
static void on_usr1(int s)
{
	(void)s;
	go = 1;
}

/* ---- canonical records ---- */

struct rec {
	char key[512];
	char val[1024];
};

struct recs {
	struct rec *v;
	size_t n, cap;
};

static struct rec *rec_add(struct recs *r)
{
	if (r->n == r->cap) {
		size_t nc = r->cap ? r->cap * 2 : 1024;
		struct rec *p = realloc(r->v, nc * sizeof(*p));
		if (!p) {
			perror("livecmp");
			exit(3);
		}
		r->v = p;
		r->cap = nc;
	}
	memset(&r->v[r->n], 0, sizeof(r->v[0]));
	return &r->v[r->n++];
}

static void addf(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void addf(char *buf, size_t len, const char *fmt, ...)
{
	size_t o = strlen(buf);
	va_list ap;

	if (o >= len)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + o, len - o, fmt, ap);
	va_end(ap);
}

static const char *ip(const struct ct_ip *a, char *b)
{
	if (!ct_ip_is_set(a))
		return "-";
	return ct_ip_fmt(a, b, 64);
}

static const char *pfx(const struct ct_prefix *p, char *b)
{
	if (!ct_ip_is_set(&p->ip))
		return "-";
	return ct_prefix_fmt(p, b, 64);
}

static const char *mac(const uint8_t *m, size_t n, char *b)
{
	if (!n)
		return "-";
	return ct_mac_fmt(m, n, b, 64);
}

static bool is_kind(const struct ct_netns *ns, int ifindex, const char *kind)
{
	const struct ct_link *l = ct_link_by_ifindex(ns, ifindex);
	return l && strcmp(l->kind, kind) == 0;
}

static void canon_ns(const struct ct_netns *ns, struct recs *r)
{
	char a[64], b[64], c[64];
	struct rec *x;

	x = rec_add(r);
	snprintf(x->key, sizeof(x->key), "%s ns", ns->name);
	snprintf(x->val, sizeof(x->val),
		 "nsid=%d conf.forwarding=%d conf.rp_filter=%d conf.proxy_arp=%d "
		 "conf.def_rp_filter=%d conf.ip_forward=%d conf.forwarding6=%d",
		 ns->nsid, ns->conf.forwarding, ns->conf.rp_filter, ns->conf.proxy_arp,
		 ns->conf.def_rp_filter, ns->conf.ip_forward, ns->conf.forwarding6);
	for (size_t i = 0; i < ns->links.n; i++) {
		const struct ct_link *l = &ns->links.v[i];
		x = rec_add(r);
		snprintf(x->key, sizeof(x->key), "%s link %d", ns->name, l->ifindex);
		snprintf(x->val, sizeof(x->val),
			 "name=%s kind=%s flags=%#x oper=%d mtu=%u mac=%s master=%d link=%d "
			 "link_netnsid=%d peer_ns=%d forwarding=%d rp_filter=%d proxy_arp=%d "
			 "route_localnet=%d forwarding6=%d eff_rp_filter=%d eff_proxy_arp=%d",
			 l->name, l->kind[0] ? l->kind : "-", l->flags, (int)l->oper, l->mtu,
			 mac(l->mac, l->mac_len, a), l->master, l->link, l->link_netnsid, l->peer_ns,
			 l->forwarding, l->rp_filter, l->proxy_arp, l->route_localnet,
			 l->forwarding6, l->eff_rp_filter, l->eff_proxy_arp);
		if (strcmp(l->kind, "vxlan") == 0)
			addf(x->val, sizeof(x->val),
			     " vxlan.vni=%u vxlan.port=%u vxlan.local=%s vxlan.group=%s "
			     "vxlan.parent=%d vxlan.learning=%d vxlan.ttl=%u",
			     l->u.vxlan.vni, l->u.vxlan.port, ip(&l->u.vxlan.local, b),
			     ip(&l->u.vxlan.group, c), l->u.vxlan.parent_ifindex, l->u.vxlan.learning,
			     l->u.vxlan.ttl);
		else if (strcmp(l->kind, "ipip") == 0 || strcmp(l->kind, "sit") == 0)
			addf(x->val, sizeof(x->val),
			     " iptun.local=%s iptun.remote=%s iptun.ttl=%u iptun.pmtudisc=%d "
			     "iptun.parent=%d",
			     ip(&l->u.iptun.local, b), ip(&l->u.iptun.remote, c), l->u.iptun.ttl,
			     l->u.iptun.pmtudisc, l->u.iptun.parent_ifindex);
	}
	for (size_t i = 0; i < ns->addrs.n; i++) {
		const struct ct_addr *d = &ns->addrs.v[i];
		x = rec_add(r);
		snprintf(x->key, sizeof(x->key), "%s addr %d %s", ns->name, d->ifindex,
			 pfx(&d->pfx, a));
		snprintf(x->val, sizeof(x->val), "scope=%u flags=%#x", d->scope, d->flags);
	}
	for (size_t i = 0; i < ns->routes.n; i++) {
		const struct ct_route *rt = &ns->routes.v[i];
		const struct ct_nexthop *nh;
		struct ct_nexthop tmp;
		size_t n = ct_route_nexthops(rt, &nh, &tmp);
		x = rec_add(r);
		snprintf(x->key, sizeof(x->key), "%s route %s %u %s tos=%u metric=%u type=%u",
			 ns->name, rt->dst.ip.family == 10 ? "inet6" : "inet", rt->table,
			 ct_ip_is_set(&rt->dst.ip) ? pfx(&rt->dst, a) : "default", rt->tos,
			 rt->priority, rt->type);
		snprintf(x->val, sizeof(x->val), "src=%s protocol=%u scope=%u flags=%#x nexthops=",
			 ip(&rt->src, b), rt->protocol, rt->scope, rt->flags);
		/* next hops in a canonical order */
		char hops[8][128];
		size_t k = n < 8 ? n : 8;
		for (size_t j = 0; j < k; j++)
			snprintf(hops[j], sizeof(hops[j]), "%s@%d/w%u/f%#x", ip(&nh[j].gw, c),
				 nh[j].oif, nh[j].weight, nh[j].flags);
		for (size_t p = 1; p < k; p++)
			for (size_t q = p; q > 0 && strcmp(hops[q - 1], hops[q]) > 0; q--) {
				char t[128];
				memcpy(t, hops[q], sizeof(t));
				memcpy(hops[q], hops[q - 1], sizeof(t));
				memcpy(hops[q - 1], t, sizeof(t));
			}
		for (size_t j = 0; j < k; j++)
			addf(x->val, sizeof(x->val), "%s%s", j ? "," : "", hops[j]);
	}
	for (size_t i = 0; i < ns->rules.n; i++) {
		const struct ct_rule *u = &ns->rules.v[i];
		x = rec_add(r);
		snprintf(x->key, sizeof(x->key),
			 "%s rule %u prio=%u table=%u action=%u fwmark=%d:%#x/%#x src=%s dst=%s "
			 "iif=%s oif=%s flags=%#x",
			 ns->name, u->family, u->priority, u->table, u->action, u->has_fwmark,
			 u->fwmark, u->fwmask, pfx(&u->src, a), pfx(&u->dst, b), u->iifname,
			 u->oifname, u->flags);
		snprintf(x->val, sizeof(x->val), "present");
	}
	for (size_t i = 0; i < ns->neighs.n; i++) {
		const struct ct_neigh *nb = &ns->neighs.v[i];
		/* created in NUD_NOARP without a notification (see above) */
		if (nb->state & NUD_NOARP)
			continue;
		x = rec_add(r);
		snprintf(x->key, sizeof(x->key), "%s neigh %d %s%s", ns->name, nb->ifindex,
			 ip(&nb->dst, a), (nb->flags & NTF_PROXY) ? " proxy" : "");
		snprintf(x->val, sizeof(x->val), "lladdr=%s permanent=%d",
			 mac(nb->lladdr, nb->lladdr_len, b), !!(nb->state & NUD_PERMANENT));
	}
	for (size_t i = 0; i < ns->fdb.n; i++) {
		const struct ct_fdb *f = &ns->fdb.v[i];
		/* a device's own address-list entries: dumped, never announced (see above) */
		if ((f->flags & NTF_SELF) && !is_kind(ns, f->ifindex, "vxlan") &&
		    !is_kind(ns, f->ifindex, "bridge"))
			continue;
		x = rec_add(r);
		snprintf(x->key, sizeof(x->key), "%s fdb %d %s %s vni=%u", ns->name, f->ifindex,
			 mac(f->mac, 6, a), ip(&f->dst, b), f->vni);
		snprintf(x->val, sizeof(x->val), "permanent=%d flags=%#x master=%d",
			 !!(f->state & (NUD_PERMANENT | NUD_NOARP)), f->flags, f->master);
	}
}

static int rec_cmp(const void *a, const void *b)
{
	const struct rec *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	return c ? c : strcmp(x->val, y->val);
}

static void canon(const struct ct_node *n, struct recs *r)
{
	for (size_t j = 0; j < n->ns.n; j++)
		canon_ns(&n->ns.v[j], r);
	qsort(r->v, r->n, sizeof(r->v[0]), rec_cmp);
	/* equal keys (IPv6 routes to one prefix on several devices, routes added with
	 * `ip route prepend`) are numbered in the order of their values, so equal
	 * multisets pair up */
	for (size_t i = 0; i < r->n;) {
		size_t e = i + 1;
		while (e < r->n && strcmp(r->v[e].key, r->v[i].key) == 0)
			e++;
		if (e - i > 1)
			for (size_t k = i; k < e; k++)
				addf(r->v[k].key, sizeof(r->v[k].key), " #%zu", k - i + 1);
		i = e;
	}
}

static void write_recs(const char *dir, const char *name, const struct recs *r)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	if (!f)
		return;
	for (size_t i = 0; i < r->n; i++)
		fprintf(f, "%s | %s\n", r->v[i].key, r->v[i].val);
	fclose(f);
}

/* Prints each field of a and b whose values differ. */
static void diff_fields(const char *key, const char *a, const char *b)
{
	char ca[1024], cb[1024], *sa, *sb;

	snprintf(ca, sizeof(ca), "%s", a);
	snprintf(cb, sizeof(cb), "%s", b);
	char *ta = strtok_r(ca, " ", &sa), *tb = strtok_r(cb, " ", &sb);
	while (ta || tb) {
		const char *ea = ta ? strchr(ta, '=') : NULL, *eb = tb ? strchr(tb, '=') : NULL;
		if (!ta || !tb || !ea || !eb || strcmp(ta, tb) != 0) {
			int nl = ea ? (int)(ea - ta) : ta ? (int)strlen(ta) : 0;
			printf("differ %s: %.*s live=%s dump=%s\n", key, nl, ta ? ta : "?",
			       ea ? ea + 1 : "-", eb ? eb + 1 : "-");
		}
		ta = ta ? strtok_r(NULL, " ", &sa) : NULL;
		tb = tb ? strtok_r(NULL, " ", &sb) : NULL;
	}
}

static int compare(const struct recs *live, const struct recs *dump)
{
	size_t i = 0, j = 0;
	int differ = 0;

	while (i < live->n || j < dump->n) {
		int c = i == live->n ? 1 : j == dump->n ? -1 : strcmp(live->v[i].key, dump->v[j].key);
		if (c < 0) {
			printf("extra %s | %s (in the event-fed model only)\n", live->v[i].key,
			       live->v[i].val);
			i++;
			differ++;
		} else if (c > 0) {
			printf("missing %s | %s (in the dump only)\n", dump->v[j].key, dump->v[j].val);
			j++;
			differ++;
		} else {
			if (strcmp(live->v[i].val, dump->v[j].val) != 0) {
				diff_fields(live->v[i].key, live->v[i].val, dump->v[j].val);
				differ++;
			}
			i++;
			j++;
		}
	}
	return differ;
}

/* ---- the negative check: drop the route events for one prefix ---- */

static struct ct_prefix drop_dst;
static bool drop_route(const struct ct_rtnl_msg *m, int ns_index, void *arg)
{
	(void)arg;
	(void)ns_index;
	return m->kind == CT_RTNL_ROUTE && m->u.route.dst.len == drop_dst.len &&
	       ct_ip_eq(&m->u.route.dst.ip, &drop_dst.ip);
}

static void tell(struct ct_live *lv)
{
	char msg[256];

	while (ct_live_message(lv, msg, sizeof(msg)))
		printf("caltrace: %s\n", msg);
}

int main(int argc, char **argv)
{
	struct ct_live_opts o = { 0 };
	const char *dir = NULL;
	struct ct_err err = { 0 };
	struct ct_live lv;
	int opt;

	while ((opt = getopt(argc, argv, "n:b:d:o:W")) != -1) {
		switch (opt) {
		case 'n': o.netns_spec = optarg; break;
		case 'b': o.rcvbuf = atoi(optarg); break;
		case 'd':
			if (ct_prefix_parse(optarg, &drop_dst) < 0)
				return 2;
			o.drop = drop_route;
			break;
		case 'o': dir = optarg; break;
		case 'W': resume = 0; break;
		default:
			fprintf(stderr, "usage: livecmp -n NETNS [-b RCVBUF] [-d DST/LEN] [-o DIR] [-W]\n");
			return 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGUSR1, on_usr1);
	signal(SIGUSR2, on_usr2);
	if (ct_live_open(&lv, &o, &err) < 0) {
		fprintf(stderr, "livecmp: %s\n", err.msg);
		return 3;
	}
	fprintf(stderr, "ready rcvbuf=%d forced=%d\n", lv.ev.rcvbuf, lv.ev.rcvbuf_forced);
	while (!go) {
		struct pollfd p = { .fd = ct_live_fd(&lv), .events = POLLIN };
		if (!resume) {
			usleep(20 * 1000);
			continue;
		}
		if (poll(&p, 1, 200) < 0 && errno != EINTR)
			break;
		if (ct_live_step(&lv, &err) < 0) {
			fprintf(stderr, "livecmp: %s\n", err.msg);
			return 3;
		}
		tell(&lv);
	}
	/* the driver is done and every notification is queued: drain until quiet */
	for (int quiet = 0; quiet < 3;) {
		int r = ct_live_step(&lv, &err);
		if (r < 0) {
			fprintf(stderr, "livecmp: %s\n", err.msg);
			return 3;
		}
		tell(&lv);
		quiet = r == 0 ? quiet + 1 : 0;
		usleep(100 * 1000);
	}
	struct ct_gather_opts g;
	struct ct_node fresh;
	ct_live_gather_opts(&lv, &g);
	ct_node_init(&fresh);
	if (ct_gather(&fresh, &g, &err) < 0) {
		fprintf(stderr, "livecmp: %s\n", err.msg);
		return 3;
	}
	struct recs a = { 0 }, b = { 0 };
	canon(&lv.node, &a);
	canon(&fresh, &b);
	if (dir) {
		write_recs(dir, "live.txt", &a);
		write_recs(dir, "dump.txt", &b);
	}
	int differ = compare(&a, &b);
	printf("summary records=%zu differ=%d resyncs=%u rescans=%u applied=%llu dropped=%llu "
	       "malformed=%llu failed=%llu overruns=%llu\n",
	       b.n, differ, lv.resyncs, lv.rescans, (unsigned long long)lv.applied,
	       (unsigned long long)lv.dropped, (unsigned long long)lv.malformed,
	       (unsigned long long)lv.failed, (unsigned long long)lv.ev.overruns);
	free(a.v);
	free(b.v);
	ct_node_free(&fresh);
	ct_live_close(&lv);
	return differ ? 1 : 0;
}
