/* SPDX-License-Identifier: MIT */
/*
 * The node as data. Plain C structs only: no libnl object, json_t or WINDOW*
 * crosses into or out of this module. Probes fill it, the snapshot loader fills
 * it, analysis and render read it.
 *
 * Tables are growable arrays with a hashed index each, for incremental updates
 * at O(1) on average (see "Keys and updates" below the structs).
 */
#ifndef CT_MODEL_H
#define CT_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CT_IFNAMSIZ 16
#define CT_KIND_LEN 16
#define CT_NAME_LEN 256
#define CT_PATH_LEN 256

/* An IPv4 or IPv6 address (family 0 = unset). */
struct ct_ip {
	uint8_t family; /* AF_INET, AF_INET6 or 0 */
	uint8_t a[16];
};

struct ct_prefix {
	struct ct_ip ip;
	uint8_t len;
};

/* ---- links ---- */

enum ct_oper {
	CT_OPER_UNKNOWN = 0,
	CT_OPER_NOTPRESENT,
	CT_OPER_DOWN,
	CT_OPER_LOWERLAYERDOWN,
	CT_OPER_TESTING,
	CT_OPER_DORMANT,
	CT_OPER_UP,
	CT_OPER__COUNT
};

struct ct_stats {
	uint64_t rx_packets, tx_packets, rx_bytes, tx_bytes;
	uint64_t rx_errors, tx_errors, rx_dropped, tx_dropped;
};

struct ct_vxlan_info {
	uint32_t vni;
	uint16_t port;
	struct ct_ip local;
	struct ct_ip group; /* remote/group when set */
	int parent_ifindex; /* IFLA_VXLAN_LINK, 0 when none */
	bool learning;
	uint8_t ttl;
};

struct ct_iptun_info { /* ipip, sit: IFLA_IPTUN_* */
	struct ct_ip local, remote;
	uint8_t ttl;
	bool pmtudisc;
	int parent_ifindex;
};

struct ct_link {
	int ifindex;
	char name[CT_IFNAMSIZ];
	char kind[CT_KIND_LEN]; /* "veth", "vxlan", "ipip", "tun", "bridge", "wireguard", "" */
	unsigned int flags;     /* IFF_* */
	enum ct_oper oper;
	uint32_t mtu;
	uint8_t mac[6];
	uint8_t mac_len; /* 0 when the device has none (tunl0, tun) */
	int master;      /* IFLA_MASTER or 0 */
	int link;        /* IFLA_LINK: veth peer ifindex (in peer ns), parent, 0 */
	int link_netnsid; /* IFLA_LINK_NETNSID, -1 when in this namespace */
	int peer_ns;      /* index into ct_node.ns[] of the peer namespace, -1 unknown */
	struct ct_stats stats;
	union {
		struct ct_vxlan_info vxlan;
		struct ct_iptun_info iptun;
	} u;
	/* per-device IPv4 configuration (netconf + /proc/sys), -1 = unknown */
	int forwarding, rp_filter, proxy_arp, proxy_delay, route_localnet;
	int forwarding6;
	/* effective values: rp_filter max(all, dev); proxy_arp all OR dev */
	int eff_rp_filter, eff_proxy_arp;
};

struct ct_addr {
	int ifindex;
	struct ct_prefix pfx;
	uint8_t scope;
	uint32_t flags;
};

/* ---- routes ---- */

struct ct_nexthop {
	struct ct_ip gw;
	int oif;
	uint8_t weight;
	uint32_t flags; /* RTNH_F_* (onlink, dead, linkdown) */
};

struct ct_route {
	struct ct_prefix dst;
	struct ct_ip src; /* preferred source (RTA_PREFSRC) */
	uint32_t table;
	uint32_t priority;
	uint32_t flags; /* rtm_flags | RTNH_F_* of a single-path route */
	uint8_t protocol, scope, type, tos;
	/* single path: gw and oif inline, nh NULL, nh_count 0; multipath: nh_count > 1 next
	 * hops in nh, a heap array the route owns (ct_route_clear frees it) */
	struct ct_ip gw;
	int oif;
	struct ct_nexthop *nh;
	uint16_t nh_count;
};

/* ---- policy rules ---- */

struct ct_rule {
	uint8_t family, action;
	uint32_t priority, table;
	uint32_t fwmark, fwmask;
	bool has_fwmark;
	struct ct_prefix src, dst;
	char iifname[CT_IFNAMSIZ], oifname[CT_IFNAMSIZ];
	uint32_t flags; /* FIB_RULE_INVERT etc. */
};

/* ---- neighbours and FDB ---- */

struct ct_neigh {
	int ifindex;
	struct ct_ip dst;
	uint8_t lladdr[6];
	uint8_t lladdr_len;
	uint16_t state; /* NUD_* */
	uint8_t flags;  /* NTF_* (NTF_PROXY for proxy entries) */
};

struct ct_fdb {
	int ifindex;
	uint8_t mac[6];
	struct ct_ip dst; /* VXLAN remote, unset for a bridge entry */
	uint32_t vni;     /* 0 when absent */
	uint16_t state;   /* NUD_* */
	uint8_t flags;    /* NTF_SELF, NTF_MASTER, ... */
	int master;
};

struct ct_neightbl {
	char name[16]; /* "arp_cache", "ndisc_cache" */
	uint8_t family;
	uint32_t gc_thresh1, gc_thresh2, gc_thresh3;
	uint32_t entries;
};

/* netconf rows that are not a device */
struct ct_conf_all {
	int forwarding, rp_filter, proxy_arp; /* "all" */
	int def_rp_filter;                    /* "default" */
	int ip_forward;                       /* net.ipv4.ip_forward */
	int forwarding6;                      /* net.ipv6.conf.all.forwarding */
	int conntrack_count, conntrack_max;   /* net.netfilter.nf_conntrack_{count,max}, -1 */
};

/* A growable array. */
#define CT_VEC(T)                                                                                  \
	struct {                                                                                   \
		T *v;                                                                              \
		size_t n, cap;                                                                     \
	}

/* The kernel's own forwarding decision for 169.254.1.1 arriving from a
 * workload interface (RTM_GETROUTE with RTA_IIF). */
struct ct_gwcheck {
	int iif;      /* workload ifindex */
	struct ct_ip src; /* the pod's address asked with; family 0: not known */
	bool unasked; /* no pod address known: the kernel was not asked (never with 0.0.0.0) */
	int err;      /* 0 when the kernel found a route, else positive errno */
	int oif;      /* output interface of that route */
	uint8_t type; /* route type returned */
};

/* The kernel's route to a workload address (RTM_GETROUTE), from the node
 * (iif 0) or as if arriving on an interface remote traffic uses (iif, with a
 * remote source): probes/wlroute.c, checked by analysis/shadow.c. */
struct ct_wlroute {
	struct ct_ip dst; /* the workload address */
	int wl;           /* the workload interface its /32 or /128 route names */
	int iif;          /* 0: from the node */
	struct ct_ip src; /* with iif: the remote source asked with */
	int err;          /* 0 when the kernel found a route, else positive errno */
	int oif;          /* output interface of that route */
	uint8_t type;     /* route type returned */
};

/* A hashed index over one table: open addressing with linear probing, slot
 * = position in the table + 1 (0 empty). Valid while n equals the table's
 * length; the update functions rebuild a stale one, pushes make it stale. */
struct ct_index {
	uint32_t *slot;
	size_t cap; /* a power of two, 0 when never built */
	size_t n;   /* table length it was built or kept for */
};

/* Change counters: each update that changes a table bumps its counter, so a
 * renderer redraws only what changed. netconf covers the per-device netconf
 * fields of links and the conf rows; links changes also bump it when derived
 * values move. */
struct ct_netns_gen {
	uint64_t links, addrs, routes, rules, neighs, fdb, netconf, neightbls;
};

/* One network namespace: the host's or a pod's. */
struct ct_netns {
	char name[CT_NAME_LEN]; /* "host", a /var/run/netns name, or "pid:N" */
	char path[CT_PATH_LEN]; /* how it was reached: /var/run/netns/X, /proc/N/ns/net, "" */
	bool is_host;           /* the namespace the command targets */
	int nsid;               /* id of this namespace as seen from the host ns, -1 */
	uint64_t inode;         /* namespace inode when known, 0 */
	CT_VEC(struct ct_link) links;
	CT_VEC(struct ct_addr) addrs;
	CT_VEC(struct ct_route) routes;
	CT_VEC(struct ct_rule) rules;
	CT_VEC(struct ct_neigh) neighs;
	CT_VEC(struct ct_fdb) fdb;
	CT_VEC(struct ct_neightbl) neightbls;
	struct ct_conf_all conf;
	/* lookup indexes (ct_netns_index builds them all; updates keep them) */
	struct ct_index link_ix, addr_ix, route_ix, rule_ix, neigh_ix, fdb_ix;
	struct ct_netns_gen gen;
	/* results of the kernel's own forwarding decision for 169.254.1.1 from each
	 * workload interface (RTM_GETROUTE iif caliX); filled by the live probe and
	 * kept in snapshots */
	CT_VEC(struct ct_gwcheck) gwchecks;
	CT_VEC(struct ct_wlroute) wlroutes;
};


/* A pod as kubectl/crictl reports it. */
struct ct_pod {
	char ns[CT_NAME_LEN];
	char name[CT_NAME_LEN];
	char node[CT_NAME_LEN];
	char phase[32];
	bool host_network;
	struct ct_ip ips[4];
	int n_ips;
	char veth[CT_IFNAMSIZ]; /* expected host veth name for the current prefix */
};

struct ct_node {
	char name[CT_NAME_LEN];
	char kernel[CT_NAME_LEN];
	int64_t taken_at; /* unix seconds */
	struct ct_ip underlay_ips[8];
	int n_underlay;
	struct ct_ip vtep_ip;
	uint8_t vtep_mac[6];
	bool has_vtep;
	bool synthetic; /* a fixture, not a real capture */
	char source[CT_PATH_LEN]; /* "live" or the snapshot path */
	CT_VEC(struct ct_netns) ns; /* ns.v[0] is the target (host) namespace */
	CT_VEC(struct ct_pod) pods;
	bool have_pods;
	char *bgp_json; /* a snapshot's "bgp" value as read, when it is not parsed into bgp */
	struct ct_bgp *bgp; /* BIRD's view (model/bgp.h), NULL when not gathered */
	char bgp_error[512]; /* why BIRD could not be asked, "" when it answered */
	int dump_intr;  /* dumps that stayed inconsistent after retries */
	/* Felix's rules as `caltrace snapshot` read them (model/policy.h), NULL when the
	 * snapshot holds none (taken by an older caltrace) or the node is live */
	struct ct_policy *policy;
};

struct ct_bgp;

/* ---- API ---- */

void ct_node_init(struct ct_node *n);
void ct_node_free(struct ct_node *n);
struct ct_netns *ct_node_add_ns(struct ct_node *n);
void ct_netns_init(struct ct_netns *ns);
void ct_netns_free(struct ct_netns *ns);

/* (Re)builds every table's index; call after filling tables with the push
 * helpers or after editing key fields in place. 0 or -ENOMEM. */
int ct_netns_index(struct ct_netns *ns);
/* Lookups use the index when it is current, else scan. */
struct ct_link *ct_link_by_ifindex(const struct ct_netns *ns, int ifindex);
struct ct_link *ct_link_by_name(const struct ct_netns *ns, const char *name);

/*
 * Keys and updates. Upserts insert or replace the entry with the same key;
 * deletes remove it (-ENOENT when absent) by swapping the last entry into its
 * place, so table order is not kept. Each bumps its table's counter in ns->gen
 * when something changed. 0, -ENOENT or -ENOMEM.
 *   links       ifindex
 *   addresses   (ifindex, family, address, prefix length)
 *   routes      (family, table, dst, dst_len, tos, priority), the kernel's IPv4
 *               key. IPv6 keeps several routes under one such key, as the
 *               kernel does: routes with a gateway (not RA) are one ECMP route
 *               (the kernel's siblings: RTM_NEWROUTE carries them all in
 *               RTA_MULTIPATH after an append), others differ by their next hop
 *               (fe80::/64 on every device). An IPv6 RTM_DELROUTE names the
 *               next hops it removed: fewer than the route has removes only
 *               those. IPv4 keeps several routes under one key after `ip route
 *               prepend/append`: an event's flags (ct_rtnl_msg.nlflags) tell
 *               them apart: NLM_F_REPLACE replaces the key's route (IPv6 too),
 *               NLM_F_CREATE without it adds an IPv4 route beside the others.
 *               Without flags (ct_route_upsert, dumps) an IPv4 route replaces
 *               the one of its key. A delete removes the route of that key with
 *               the same type and next hops, else the key's first.
 *   rules       their full content (the kernel allows rules that differ in any
 *               field, and exact duplicates only without NLM_F_EXCL: kept once)
 *   neighbours  (ifindex, family, dst, NTF_PROXY)
 *   fdb         (ifindex, mac, dst, vni)
 *   netconf     (family, ifindex or all/default): fields onto the link or
 *               ns->conf; absent fields (-1) leave the model's value
 *   neigh tables (family, name); per-device parameters onto the link
 *               (proxy_delay)
 * Routes are moved in: r's next hops belong to the table afterwards (r->nh is
 * NULL), a replaced route's are freed.
 */
int ct_link_upsert(struct ct_netns *ns, const struct ct_link *l);
int ct_link_delete(struct ct_netns *ns, int ifindex);
int ct_addr_upsert(struct ct_netns *ns, const struct ct_addr *a);
int ct_addr_delete(struct ct_netns *ns, const struct ct_addr *key);
struct ct_addr *ct_addr_find(const struct ct_netns *ns, const struct ct_addr *key);
bool ct_route_same_key(const struct ct_route *a, const struct ct_route *b);
int ct_route_upsert(struct ct_netns *ns, struct ct_route *r);
int ct_route_delete(struct ct_netns *ns, const struct ct_route *key);
/* The route the kernel would identify with r (the rules above), or NULL. */
struct ct_route *ct_route_find(const struct ct_netns *ns, const struct ct_route *r);
bool ct_rule_same(const struct ct_rule *a, const struct ct_rule *b);
int ct_rule_upsert(struct ct_netns *ns, const struct ct_rule *ru);
int ct_rule_delete(struct ct_netns *ns, const struct ct_rule *key);
struct ct_rule *ct_rule_find(const struct ct_netns *ns, const struct ct_rule *key);
bool ct_neigh_same_key(const struct ct_neigh *a, const struct ct_neigh *b);
int ct_neigh_upsert(struct ct_netns *ns, const struct ct_neigh *nb);
int ct_neigh_delete(struct ct_netns *ns, const struct ct_neigh *key);
struct ct_neigh *ct_neigh_find(const struct ct_netns *ns, const struct ct_neigh *key);
bool ct_fdb_same_key(const struct ct_fdb *a, const struct ct_fdb *b);
int ct_fdb_upsert(struct ct_netns *ns, const struct ct_fdb *e);
int ct_fdb_delete(struct ct_netns *ns, const struct ct_fdb *key);
struct ct_fdb *ct_fdb_find(const struct ct_netns *ns, const struct ct_fdb *key);
int ct_neightbl_upsert(struct ct_netns *ns, const struct ct_neightbl *t);
int ct_neightbl_delete(struct ct_netns *ns, const struct ct_neightbl *key);

/* Applying decoded rtnetlink messages (model/rtnl.h) and what the kernel does
 * without telling. ct_netns_apply applies one message, new or del (a route's
 * next hops are moved in: m->u.route.nh is NULL afterwards), then the cascades
 * the kernel performs silently, then recomputes derived values it touched:
 *   - RTM_DELLINK: the link's addresses, neighbours and FDB entries go, and
 *     every route with a next hop on it (IPv4: the whole route, as
 *     fib_sync_down_dev with force; IPv6: that next hop, the route when none is
 *     left). The kernel sends no RTM_DELROUTE for these.
 *   - a link set down (IFF_UP cleared): its IPv4 routes of any type but local
 *     go silently (fib_sync_down_dev without force skips next hops of scope
 *     host), its IPv6 routes go too (notified, applied here all the same); a
 *     multipath route of either family keeps the next hop marked RTNH_F_DEAD |
 *     RTNH_F_LINKDOWN (silently), and goes when all are dead; its neighbours
 *     of both families are flushed, permanent ones included (arp/ndisc ifdown).
 *   - a link set up: RTNH_F_DEAD cleared on its multipath next hops (fib_sync_up,
 *     rt6_sync_up: silent); the prefix and local routes of its addresses come
 *     back notified.
 *   Seen on 6.18 with ip monitor: down deletes 10.0.0.0/24 and the broadcast
 *   route without a message, IPv6's with one; up re-adds IPv4's with one.
 *   - carrier lost or back (IFF_LOWER_UP) on an up link: RTNH_F_LINKDOWN set or
 *     cleared on next hops through it; non-permanent neighbours flushed on loss.
 *   - a netconf change on "all" or a device, or a link's own values: the
 *     effective rp_filter and proxy_arp of the links concerned (ct_netns_derive).
 * Checked against the kernel by the events helper's proof test (a fresh dump
 * against the event-fed model). Returns 0 (also when a delete finds nothing:
 * the model already agrees), -EINVAL for an unknown kind, -ENOMEM. */
struct ct_rtnl_msg;
struct ct_netconf;
struct ct_neigh_parms;
struct ct_prefixes;
int ct_netns_apply(struct ct_netns *ns, struct ct_rtnl_msg *m);
/* ct_netns_apply on node->ns.v[ns_index]; when that is the host namespace and
 * its links or addresses changed, the node's underlay and VTEP are derived
 * again (ct_node_derive with the workload prefixes p). */
int ct_node_apply(struct ct_node *node, size_t ns_index, struct ct_rtnl_msg *m,
		  const struct ct_prefixes *p);
/* A netconf row onto the model (fields of -1 are absent and kept). */
int ct_netconf_apply(struct ct_netns *ns, const struct ct_netconf *c);
/* A device's neighbour parameters onto its link (proxy_delay). */
int ct_neigh_parms_apply(struct ct_netns *ns, const struct ct_neigh_parms *p);

/* Derived values (model/derive.c), computed in one place from the model. */
struct ct_prefixes;
/* Effective rp_filter (max of all and device) and proxy_arp (all OR device)
 * of every link; a value stays -1 while an input is unknown. Bumps gen.links
 * and returns true when a value changed. */
bool ct_netns_derive(struct ct_netns *ns);
bool ct_link_derive(const struct ct_netns *ns, struct ct_link *l);
/* A tunnel device: by kind (vxlan, ipip, sit, ip6tnl, tun, wireguard, gre,
 * gretap, geneve) or by Calico's names (tunl0, vxlan*). */
bool ct_link_is_tunnel(const struct ct_link *l);
/* The node's underlay addresses (universe scope on an up device that is not
 * loopback, a tunnel or a workload), and its VTEP (vxlan.calico's MAC and
 * first IPv4 address), from the links of links_ns and the addresses of
 * addrs_ns (usually both node->ns.v[0]). */
void ct_node_derive_from(struct ct_node *node, const struct ct_netns *links_ns,
			 const struct ct_netns *addrs_ns, const struct ct_prefixes *p);
void ct_node_derive(struct ct_node *node, const struct ct_prefixes *p);
#define CT_VTEP_NAME "vxlan.calico"

/* A link with nothing known: zero, and -1 in every field whose unknown is -1
 * (netconf values, proxy_delay, route_localnet, peer_ns, link_netnsid, eff_*).
 * Decoders start from it: a link message leaves those it does not carry at -1,
 * and ct_link_upsert keeps the model's values for them. */
void ct_link_init(struct ct_link *l);

/* Push helpers for gatherers; return a pointer to the new zeroed element or NULL. */
struct ct_link *ct_push_link(struct ct_netns *ns);
struct ct_addr *ct_push_addr(struct ct_netns *ns);
struct ct_route *ct_push_route(struct ct_netns *ns);
struct ct_rule *ct_push_rule(struct ct_netns *ns);
struct ct_neigh *ct_push_neigh(struct ct_netns *ns);
struct ct_fdb *ct_push_fdb(struct ct_netns *ns);
struct ct_neightbl *ct_push_neightbl(struct ct_netns *ns);
struct ct_gwcheck *ct_push_gwcheck(struct ct_netns *ns);
struct ct_wlroute *ct_push_wlroute(struct ct_netns *ns);
struct ct_pod *ct_push_pod(struct ct_node *n);

/* Nexthops of a route, single or multipath: *out points at r->nh, or at tmp
 * filled from the inline path. Returns the count (at least 1). */
size_t ct_route_nexthops(const struct ct_route *r, const struct ct_nexthop **out,
			 struct ct_nexthop *tmp);
/* Gives r a copy of n next hops (n > 1; n == 1 is stored inline). 0 or -ENOMEM. */
int ct_route_set_nexthops(struct ct_route *r, const struct ct_nexthop *nh, size_t n);
/* Frees what the route owns (its next hops) and zeroes nh/nh_count. */
void ct_route_clear(struct ct_route *r);
/* Drops routes from position n on (freeing their next hops). */
void ct_netns_truncate_routes(struct ct_netns *ns, size_t n);

/* Addresses and prefixes. */
bool ct_ip_eq(const struct ct_ip *a, const struct ct_ip *b);
bool ct_ip_is_set(const struct ct_ip *a);
/* Unset, 0.0.0.0 or :: (a tunnel endpoint of "any"). */
bool ct_ip_is_any(const struct ct_ip *a);
bool ct_prefix_contains(const struct ct_prefix *p, const struct ct_ip *ip);
bool ct_prefix_contains_prefix(const struct ct_prefix *outer, const struct ct_prefix *inner);
int ct_ip_parse(const char *s, struct ct_ip *out);          /* 0 ok, -1 bad */
int ct_prefix_parse(const char *s, struct ct_prefix *out);  /* "a.b.c.d/n" or bare address */
/* Format into buf (at least 64 bytes); returns buf. */
char *ct_ip_fmt(const struct ct_ip *ip, char *buf, size_t len);
char *ct_prefix_fmt(const struct ct_prefix *p, char *buf, size_t len);
char *ct_mac_fmt(const uint8_t *mac, size_t mac_len, char *buf, size_t len);
int ct_mac_parse(const char *s, uint8_t mac[6]);
uint8_t ct_ip_maxlen(uint8_t family);

/* Interface names are workload interfaces when they start with one of the
 * prefixes (comma-separated list, like FELIX_INTERFACEPREFIX). */
struct ct_prefixes {
	char list[8][CT_IFNAMSIZ];
	int n;
};
int ct_prefixes_parse(const char *s, struct ct_prefixes *out); /* 0 ok, -1 bad */
bool ct_is_workload(const struct ct_prefixes *p, const char *ifname);

/* Calico's host-side veth name: prefix + first 11 hex of SHA-1("ns.pod"). */
int ct_veth_name(const char *prefix, const char *pod_ns, const char *pod_name, char *out,
		 size_t outlen);

#endif
