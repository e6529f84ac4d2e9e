/* SPDX-License-Identifier: MIT */
/*
 * evtest: prints the events caltrace's event source (probes/events.c) keeps,
 * one line each, so tests/integration/lab-events.sh can compare them with
 * `ip monitor label all-nsid` run in the same namespace at the same time.
 *
 * usage: evtest [-n NETNS] [-w NETNS]... [-b RCVBUF] [-s SECONDS] [-q] [-c COUNT]
 *   -n  the node namespace (a name under /var/run/netns; default: the current one)
 *   -w  a pod namespace whose events are kept (repeatable; tag = its position)
 *   -b  receive buffer in bytes (default CT_EV_RCVBUF_DEFAULT)
 *   -s  stop after SECONDS (default: at SIGTERM or SIGINT)
 *   -q  quiet: count, print no event lines (for tests/bench/events.sh)
 *   -c  stop once COUNT events were kept
 * Lines:  ev nsid=<N|current> ns=<node|NAME> cat=<LINK|ADDR|ROUTE|NEIGH|RULE|NETCONF|NSID>
 *            del=<0|1> type=<newroute..> key=<what it is about>
 *         lost <errno name>              (ENOBUFS: events were dropped by the kernel)
 *         ready                          (the source is open and subscribed; on stderr)
 *         stats datagrams=.. msgs=.. kept=.. foreign=.. overruns=.. rcvbuf=.. forced=..
 *               cpu_ms=.. (user + system time of this process)
 * Exit: 0, 2 usage, 3 could not open.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <linux/fib_rules.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/net_namespace.h>
#include <linux/netconf.h>
#include <linux/rtnetlink.h>
#include <netlink/msg.h>

#include "probes/events.h"

static volatile sig_atomic_t stop;
static void on_sig(int s)
{
	(void)s;
	stop = 1;
}

static const char *names[64];
static bool quiet;
static unsigned long long want, seen;

static const char *cat_of(uint16_t t)
{
	switch (t) {
	case RTM_NEWLINK: case RTM_DELLINK: return "LINK";
	case RTM_NEWADDR: case RTM_DELADDR: return "ADDR";
	case RTM_NEWROUTE: case RTM_DELROUTE: return "ROUTE";
	case RTM_NEWNEIGH: case RTM_DELNEIGH: return "NEIGH";
	case RTM_NEWRULE: case RTM_DELRULE: return "RULE";
	case RTM_NEWNETCONF: case RTM_DELNETCONF: return "NETCONF";
	case RTM_NEWNSID: case RTM_DELNSID: return "NSID";
	default: return "OTHER";
	}
}

static void ipstr(int fam, const struct nlattr *a, char *out, size_t len)
{
	if (!a || (fam == AF_INET && nla_len(a) < 4) || (fam == AF_INET6 && nla_len(a) < 16) ||
	    (fam != AF_INET && fam != AF_INET6) || !inet_ntop(fam, nla_data(a), out, (socklen_t)len))
		snprintf(out, len, "-");
}

/* A short description of what the message is about (bounds-checked by nlmsg_parse). */
static void key_of(const struct nlmsghdr *hc, char *k, size_t len)
{
	struct nlmsghdr *h = (struct nlmsghdr *)hc;
	struct nlattr *tb[64];
	char a[64];

	memset(tb, 0, sizeof(tb));
	snprintf(k, len, "-");
	switch (h->nlmsg_type) {
	case RTM_NEWLINK: case RTM_DELLINK: {
		struct ifinfomsg *i = nlmsg_data(h);
		if (nlmsg_parse(h, sizeof(*i), tb, IFLA_MAX < 63 ? IFLA_MAX : 63, NULL) < 0)
			return;
		snprintf(k, len, "%d:%s", i->ifi_index, tb[IFLA_IFNAME] ? (char *)nla_data(tb[IFLA_IFNAME]) : "?");
		break;
	}
	case RTM_NEWADDR: case RTM_DELADDR: {
		struct ifaddrmsg *i = nlmsg_data(h);
		if (nlmsg_parse(h, sizeof(*i), tb, IFA_MAX, NULL) < 0)
			return;
		ipstr(i->ifa_family, tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS], a, sizeof(a));
		snprintf(k, len, "%d:%s/%u", i->ifa_index, a, i->ifa_prefixlen);
		break;
	}
	case RTM_NEWROUTE: case RTM_DELROUTE: {
		struct rtmsg *r = nlmsg_data(h);
		uint32_t table = 0;
		if (nlmsg_parse(h, sizeof(*r), tb, RTA_MAX, NULL) < 0)
			return;
		table = r->rtm_table;
		if (tb[RTA_TABLE] && nla_len(tb[RTA_TABLE]) >= 4)
			table = nla_get_u32(tb[RTA_TABLE]);
		ipstr(r->rtm_family, tb[RTA_DST], a, sizeof(a));
		snprintf(k, len, "%u:%s/%u", table, tb[RTA_DST] ? a : "default", r->rtm_dst_len);
		break;
	}
	case RTM_NEWNEIGH: case RTM_DELNEIGH: {
		struct ndmsg *n = nlmsg_data(h);
		if (nlmsg_parse(h, sizeof(*n), tb, NDA_MAX, NULL) < 0)
			return;
		ipstr(n->ndm_family, tb[NDA_DST], a, sizeof(a));
		snprintf(k, len, "%d:%s:%s", n->ndm_ifindex, n->ndm_family == AF_BRIDGE ? "bridge" : "ip", a);
		break;
	}
	case RTM_NEWRULE: case RTM_DELRULE: {
		struct fib_rule_hdr *f = nlmsg_data(h);
		uint32_t prio = 0;
		if (nlmsg_parse(h, sizeof(*f), tb, FRA_MAX, NULL) < 0)
			return;
		if (tb[FRA_PRIORITY] && nla_len(tb[FRA_PRIORITY]) >= 4)
			prio = nla_get_u32(tb[FRA_PRIORITY]);
		snprintf(k, len, "%u", prio);
		break;
	}
	case RTM_NEWNETCONF: case RTM_DELNETCONF: {
		int32_t ifi = 0;
		if (nlmsg_parse(h, sizeof(struct netconfmsg), tb, NETCONFA_MAX, NULL) < 0)
			return;
		if (tb[NETCONFA_IFINDEX] && nla_len(tb[NETCONFA_IFINDEX]) >= 4)
			ifi = (int32_t)nla_get_u32(tb[NETCONFA_IFINDEX]);
		snprintf(k, len, "%d", ifi);
		break;
	}
	case RTM_NEWNSID: case RTM_DELNSID: {
		if (nlmsg_parse(h, sizeof(struct rtgenmsg), tb, NETNSA_MAX, NULL) < 0)
			return;
		if (tb[NETNSA_NSID] && nla_len(tb[NETNSA_NSID]) >= 4)
			snprintf(k, len, "%d", (int32_t)nla_get_u32(tb[NETNSA_NSID]));
		break;
	}
	}
}

static int print_ev(const struct ct_ev *ev, void *arg)
{
	char k[160], ns[16];
	uint16_t t = ev->h->nlmsg_type;
	bool del = t == RTM_DELLINK || t == RTM_DELADDR || t == RTM_DELROUTE || t == RTM_DELNEIGH ||
		   t == RTM_DELRULE || t == RTM_DELNETCONF || t == RTM_DELNSID;

	(void)arg;
	seen++;
	if (want && seen >= want)
		stop = 1;
	if (quiet)
		return 0;
	key_of(ev->h, k, sizeof(k));
	if (ev->nsid < 0)
		snprintf(ns, sizeof(ns), "current");
	else
		snprintf(ns, sizeof(ns), "%d", ev->nsid);
	printf("ev nsid=%s ns=%s cat=%s del=%d type=%s key=%s\n", ns,
	       ev->tag >= 0 && ev->tag < 64 && names[ev->tag] ? names[ev->tag] : "?", cat_of(t),
	       del, ct_ev_type_name(t), k);
	return 0;
}

static int open_ns(const char *name)
{
	char path[512];

	snprintf(path, sizeof(path), "%s%s", strchr(name, '/') ? "" : "/var/run/netns/", name);
	return open(path, O_RDONLY | O_CLOEXEC);
}

int main(int argc, char **argv)
{
	const char *node = NULL, *pods[62];
	int npods = 0, rcvbuf = 0, secs = 0, opt, nodefd = -1, r;
	struct ct_ev_src es;

	while ((opt = getopt(argc, argv, "n:w:b:s:qc:")) != -1) {
		switch (opt) {
		case 'n': node = optarg; break;
		case 'w':
			if (npods == 62)
				return 2;
			pods[npods++] = optarg;
			break;
		case 'b': rcvbuf = atoi(optarg); break;
		case 's': secs = atoi(optarg); break;
		case 'q': quiet = true; break;
		case 'c': want = strtoull(optarg, NULL, 10); break;
		default:
			fprintf(stderr, "usage: evtest [-n NETNS] [-w NETNS]... [-b RCVBUF] [-s SECONDS]\n");
			return 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGTERM, on_sig);
	signal(SIGINT, on_sig);
	if (node && (nodefd = open_ns(node)) < 0) {
		fprintf(stderr, "evtest: cannot open namespace '%s': %s\n", node, strerror(errno));
		return 3;
	}
	names[0] = "node";
	r = ct_ev_open(&es, nodefd, 0, rcvbuf);
	if (r < 0) {
		fprintf(stderr, "evtest: cannot open the event source: %s\n", strerror(-r));
		return 3;
	}
	for (int i = 0; i < npods; i++) {
		int fd = open_ns(pods[i]);
		if (fd < 0 || (r = ct_ev_watch(&es, fd, i + 1)) < 0) {
			fprintf(stderr, "evtest: cannot watch '%s'\n", pods[i]);
			return 3;
		}
		close(fd);
		names[i + 1] = pods[i];
	}
	fprintf(stderr, "ready\n");
	time_t end = secs > 0 ? time(NULL) + secs : 0;
	while (!stop && (!end || time(NULL) < end)) {
		struct pollfd p = { .fd = es.fd, .events = POLLIN };
		if (poll(&p, 1, 100) < 0 && errno != EINTR)
			break;
		r = ct_ev_read(&es, print_ev, NULL, 0);
		if (r == -ENOBUFS || r == -EMSGSIZE)
			printf("lost %s\n", r == -ENOBUFS ? "ENOBUFS" : "EMSGSIZE");
		else if (r < 0) {
			fprintf(stderr, "evtest: read: %s\n", strerror(-r));
			break;
		}
	}
	/* what is still queued */
	while (!want && (r = ct_ev_read(&es, print_ev, NULL, 0)) != 0 && (r == -ENOBUFS || r > 0))
		if (r < 0)
			printf("lost ENOBUFS\n");
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	long cpu_ms = (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000L +
		      (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000L;
	printf("stats datagrams=%llu msgs=%llu kept=%llu foreign=%llu overruns=%llu rcvbuf=%d "
	       "forced=%d cpu_ms=%ld\n",
	       (unsigned long long)es.datagrams, (unsigned long long)es.msgs,
	       (unsigned long long)es.kept, (unsigned long long)es.foreign,
	       (unsigned long long)es.overruns, es.rcvbuf, es.rcvbuf_forced, cpu_ms);
	ct_ev_close(&es);
	if (nodefd >= 0)
		close(nodefd);
	return 0;
}
