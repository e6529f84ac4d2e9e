/* SPDX-License-Identifier: MIT */
/*
 * Live gathering: fills a ct_node from the kernel over rtnetlink and /proc/sys.
 * I/O only; no printing, no exit.
 */
#ifndef CT_GATHER_H
#define CT_GATHER_H

#include "model/err.h"
#include "model/model.h"

enum ct_gather_what {
	CT_G_LINKS = 1 << 0,    /* links with kind data, stats64, peer nsid */
	CT_G_ADDRS = 1 << 1,    /* addresses */
	CT_G_ROUTES = 1 << 2,   /* routes, all tables, v4 + v6, streamed (no nl_cache) */
	CT_G_RULES = 1 << 3,    /* policy rules v4 + v6 */
	CT_G_NEIGH = 1 << 4,    /* neighbours v4 + v6 (incl. proxy entries), streamed */
	CT_G_FDB = 1 << 5,      /* bridge FDB (AF_BRIDGE neighbours) */
	CT_G_NETCONF = 1 << 6,  /* RTM_GETNETCONF per link + all/default, /proc/sys extras */
	CT_G_NEIGHTBL = 1 << 7, /* RTM_GETNEIGHTBL: gc_thresh1/2/3, entries */
	CT_G_GWCHECK = 1 << 8,  /* RTM_GETROUTE 169.254.1.1 iif <each workload link> */
	CT_G_NSNAMES = 1 << 9,  /* map veth peers' link-netnsid to namespace names */
	CT_G_PODNS = 1 << 10,   /* also gather every pod namespace reachable through a veth peer */
	CT_G_NODEINFO = 1 << 11, /* node name, kernel, underlay IPs, VTEP */
	/* cheaper variants for commands that need only part of a big table */
	CT_G_ROUTES_WL = 1 << 12, /* main-table unicast routes of protocol boot (what Calico's
				     CNI and Felix give workload routes), filtered in the kernel;
				     a full dump when a workload link or the namespace is left
				     without a route */
	CT_G_FDB_TUN = 1 << 13,   /* FDB of vxlan devices only */
	CT_G_WLROUTE = 1 << 14,   /* with CT_G_ROUTES: RTM_GETROUTE to each workload address, from
				   * the node and from each ingress (probes/wlroute.h) */
	CT_G_ALL = (1 << 12) - 1, /* everything, in full */
};

struct ct_gather_opts {
	const char *netns_spec; /* -n argument or NULL for the current namespace */
	unsigned what;          /* CT_G_* bits for the target namespace */
	unsigned pod_what;      /* CT_G_* bits for pod namespaces (with CT_G_PODNS) */
	const struct ct_prefixes *prefixes;
	const char *proc_root;  /* "/proc" unless tests point it elsewhere */
};

/* Resolves a -n argument: a name under /var/run/netns, a path, or "pid:PID".
 * Fills path (to open) and a display name. */
int ct_netns_resolve(const char *spec, char *path, size_t plen, char *name, size_t nlen,
		     struct ct_err *err);

/* Gathers into node (ns.v[0] becomes the target namespace). 0 or -1 with err set. */
int ct_gather(struct ct_node *node, const struct ct_gather_opts *o, struct ct_err *err);

/* ---- one route dump (the handler ct_gather uses; public so that tests can feed it) ----
 *
 * ct_route_dump_msg decodes each RTM_NEWROUTE of the expected family (model/rtnl.c)
 * and pushes it into ns. With keys on (ct_gather turns them on for IPv6) it also
 * checks that no route comes twice in one dump: an IPv6 dump taken while routes
 * change can repeat rows (and skip others) without NLM_F_DUMP_INTR, because the
 * kernel restarts its walk and skips by count. A route's key is what the kernel
 * itself refuses to hold twice: table, destination and source prefixes, metric,
 * and the next hops (each one's device and gateway, in order: routes to fe80::/64
 * on several devices, or appended with the same metric, are different routes; a
 * multipath route is one message), plus type and TOS. A route whose key came
 * before in the same dump is not pushed; it sets repeated, and ct_gather then
 * retries the dump as for NLM_F_DUMP_INTR (dump_interrupted after the retries).
 * The keys are the routes already pushed into ns (a hash table of their indexes,
 * 8 bytes a route, and the source prefixes that RTA_SRC gives, which the model
 * does not keep). */
struct nlmsghdr;
struct ct_rkey_src;

struct ct_route_dump {
	struct ct_netns *ns;
	uint8_t family;   /* AF_INET or AF_INET6 (0: any) */
	bool keys;        /* check for repeated keys */
	bool repeated;    /* a key came twice since the last restart */
	size_t n_repeats; /* repeated messages since the last restart */
	size_t probes;    /* hash slots looked at since init (for tests) */
	/* private: the routes pushed since the last restart, ns->routes.v[base..] */
	size_t base, n;
	uint64_t *slot; /* open addressing: hash high 32 bits | route index - base + 1; 0 empty */
	size_t nslot;
	struct ct_rkey_src *src; /* routes with a source prefix, by increasing index */
	size_t nsrc, srccap;
};

void ct_route_dump_init(struct ct_route_dump *d, struct ct_netns *ns, uint8_t family, bool keys);
/* Forgets the keys and the repeat before another attempt; call it after the
 * caller has truncated ns to where the attempt starts. */
void ct_route_dump_restart(struct ct_route_dump *d);
void ct_route_dump_free(struct ct_route_dump *d);
/* The ct_nl_handler: arg is a struct ct_route_dump. 0, or -ENOMEM. */
int ct_route_dump_msg(struct nlmsghdr *h, void *arg);

#endif
