/* SPDX-License-Identifier: MIT */
/*
 * The static path of a packet from SRC to DST across the nodes of a cluster
 * (model/cluster.h), hop by hop, forward then reverse: `caltrace path`. Pure:
 * no I/O, no printing. Hops are data (struct ct_hop) so that text, JSON and
 * the dashboard draw the same list.
 *
 * A hop's verdict is the verdict of the node's own findings about the hop's
 * subject (the checks of links, routes, tunnel, neigh, bgp, doctor and the pod
 * checks, run once per node and filtered to the hop: never a second copy of a
 * rule), together with what only the path knows: the forwarding decision for
 * this destination (path_no_route), the policy chains on the way
 * (path_policy_denies), the next hop's MAC against the next node's interface
 * (path_next_hop_wrong_mac), the MTU budget (path_mtu) and an asymmetric
 * return (path_asymmetric).
 *
 * The forwarding decision is the kernel's when the caller gives a lookup
 * (struct ct_path_fib: a live node's kept netlink handle), else the model's
 * (model/lookup.h: snapshot nodes, unit tests). The model names the route
 * behind a refusal either way.
 *
 * Next node: the one whose underlay address (IPIP, native BGP) or VTEP address
 * and MAC (VXLAN) equals the hop's gateway. A gateway that is no known node
 * ends the known stretch: the underlay between them is `unknown`, and the
 * path goes on at the node the cross-node index says owns DST, or, when no
 * known node owns it, every hop there is `unknown` with what is expected and
 * how to get it.
 */
#ifndef CT_ANALYSIS_PATH_H
#define CT_ANALYSIS_PATH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analysis/findings.h"
#include "model/cluster.h"
#include "model/lookup.h"
#include "model/policy.h"
#include "model/svc.h"

struct ct_bgp;

enum ct_hop_verdict { CT_HOP_OK = 0, CT_HOP_UNKNOWN, CT_HOP_WARN, CT_HOP_FAIL, CT_HOP__COUNT };
extern const char *const ct_hop_verdict_names[CT_HOP__COUNT];

enum ct_hop_kind {
	CT_HOP_POD_EGRESS = 0, /* the source pod's eth0 */
	CT_HOP_WORKLOAD_IN,    /* the source pod's host-side interface (caliA) */
	CT_HOP_POLICY_OUT,     /* cali-fw-caliA */
	CT_HOP_FORWARD,        /* a node's forwarding decision */
	CT_HOP_EGRESS,         /* encapsulation or underlay next hop out of a node */
	CT_HOP_ROUTE_SOURCE,   /* who programmed the route: a BGP peer, Felix */
	CT_HOP_UNDERLAY,       /* between two nodes, not visible */
	CT_HOP_INGRESS,        /* the next node's arrival device (decapsulation) */
	CT_HOP_POLICY_IN,      /* cali-tw-caliB */
	CT_HOP_WORKLOAD_OUT,   /* caliB */
	CT_HOP_POD_INGRESS,    /* the destination pod's eth0 */
	CT_HOP_LOCAL,          /* delivered to the node itself (a node address) */
	CT_HOP_MTU,            /* the MTU budget of one direction */
	CT_HOP_SYMMETRY,       /* the reverse path against the forward one */
	CT_HOP_SERVICE,        /* DST is a Service VIP: kube-proxy's DNAT on the source's node */
	CT_HOP_KIND__COUNT
};
extern const char *const ct_hop_kind_names[CT_HOP_KIND__COUNT];

#define CT_HOP_EVIDENCE 6

/* What a capture on a hop's interface saw of the probes (`path --probe`). A hop is watched
 * when it has an interface (pod eth0, caliX, a tunnel or underlay device) in a namespace
 * that could be captured; the others (policy, forwarding decision) lie between two watched
 * hops. Timestamps: unix microseconds of the first packet seen, 0 none. */
struct ct_hop_probe {
	bool watched;
	bool req_seen, rep_seen;
	unsigned req_n, rep_n; /* how many of the probes */
	int64_t req_us, rep_us;
	/* a tunnel's egress or ingress: the node's underlay device, where the packet is
	 * encapsulated (VXLAN, IPIP), watched too */
	bool wire_watched;
	char wire_iface[16];
	bool wire_req_seen, wire_rep_seen;
	bool lost_here; /* the first hop where the packet disappears */
	char cause[256]; /* on that hop: why, "" */
};
#define CT_HOP_FINDINGS 6

struct ct_hop {
	bool reverse;                /* part of the reply path (DST to SRC) */
	enum ct_hop_kind kind;
	int node;                    /* index in the cluster, -1 unknown */
	char node_name[CT_NAME_LEN]; /* "" when unknown */
	char netns[CT_NAME_LEN];     /* the namespace the hop is in, "" unknown */
	char subject[128];           /* eth0, caliX, cali-fw-caliX, vxlan.calico, ... */
	enum ct_hop_verdict verdict;
	char summary[256];           /* key evidence, one line */
	char evidence[CT_HOP_EVIDENCE][256];
	unsigned n_evidence;
	uint32_t mtu;                /* the device's MTU where the hop has one, 0 */
	/* findings about the hop's subject (copies: code, message, fix, run) */
	struct ct_finding findings[CT_HOP_FINDINGS];
	unsigned n_findings;
	struct ct_hop_probe probe; /* `path --probe`: all zero without it */
	/* the reverse probe (DST -> SRC): its request travels the reverse hops, its reply the
	 * forward ones; all zero when it was not sent */
	struct ct_hop_probe rprobe;
};

/* A packet's end: a pod address, or a node address. */
struct ct_path_end {
	struct ct_ip ip;
	int node;       /* the owner in the cluster, -1 none known */
	int ns;         /* the pod's namespace in that node, -1 (a node address, or unknown) */
	bool is_node;   /* a node's own address */
	char label[CT_NAME_LEN]; /* what the user wrote ("default/web-1"), or the address */
};

/* The kernel's forwarding decision on a live node, asked by the caller. */
struct ct_path_fib_answer {
	int err;          /* 0 a route, else the kernel's positive errno */
	int oif;          /* output interface */
	struct ct_ip gw;  /* gateway, unset when direct */
	uint8_t type;     /* RTN_* */
};
struct ct_path_fib {
	/* Returns 0 with a filled, or -1 when the kernel of node (cluster index) cannot be
	 * asked (a snapshot node): the model's lookup answers instead. */
	int (*lookup)(void *arg, int node, const struct ct_lookup_query *q,
		      struct ct_path_fib_answer *a);
	void *arg;
};

struct ct_path_bird6 {
	bool asked;
	const struct ct_bgp *b; /* its answers, NULL when it could not be asked */
	const char *error;	/* why not ("" when it answered) */
};

struct ct_path_query {
	struct ct_path_end src, dst;
	uint8_t ip_proto; /* IPPROTO_ICMP (or ICMPV6), TCP, UDP */
	uint16_t port;    /* destination port, 0 none */
	int64_t now;      /* unix seconds, for the snapshot ages */
	const struct ct_prefixes *prefixes;
	/* per node (cluster index), NULL or entries NULL: not read */
	const struct ct_policy *const *policy;
	struct ct_path_fib fib; /* lookup NULL: the model's everywhere */
	/* DST is a Service VIP, found among the Services of node svc_node (the source's node,
	 * else the local one); NULL: not one. Without to_backend the path is the service hop
	 * alone (its backends, or a fail when it has none); with it, dst is one of svc's
	 * backends and the service hop (kube-proxy's DNAT, in PREROUTING) comes before the
	 * source's policy hop, the reverse path as usual (conntrack un-DNATs the replies). */
	const struct ct_svc *svc;
	bool to_backend;
	int svc_node;
	/* the Services of svc_node cannot be read (eBPF dataplane, no CAP_NET_ADMIN): why,
	 * NULL. With a DST no known node holds, the forward path gets an unknown service hop. */
	const char *svc_unreadable;
	/* per node (cluster index), NULL: not read. A node's IPv6 BIRD where BIRD 1.x serves
	 * IPv4 only (bird6 beside bird), asked for an IPv6 path: the route-source hop of an
	 * IPv6 `proto bird` route reads it instead of saying bird6 was not asked */
	const struct ct_path_bird6 *bird6;
};

/* ---- `path --probe`: where a real packet stops, and why ---- */

/* A counter that moved during the probes, on one node (cluster index; -1 the sender). */
struct ct_probe_moved {
	int node;
	int hop;                /* a hop it belongs to (policy chains), -1 the node as a whole */
	char name[64];          /* nstat's name (TcpExtIPReversePathFilter), or a chain's rule */
	int64_t delta;
	bool link;              /* an interface's drop or error counter ("eth0 rx_dropped") */
	/* a kernel counter of a pod's namespace (hops with this netns), "" the node's own */
	char netns[CT_NAME_LEN];
};

#define CT_PROBE_MOVED 32

struct ct_path_probe {
	bool done;
	bool v6;          /* IPv6: ICMPv6 echo, ICMPv6 errors */
	uint8_t ip_proto;
	int icmp_id;             /* ICMP echo: the identifier the probes carry, -1 none */
	unsigned sent, received; /* probes sent, answers back at the source */
	int64_t rtt_us;          /* the smallest round trip at the source, -1 none */
	unsigned size;           /* payload bytes of each probe (ICMP data, TCP/UDP payload) */
	int send_errno;          /* the first send error (EMSGSIZE: larger than the route's MTU) */
	/* an ICMP error the sender received: "frag-needed mtu 1450 from 172.168.135.128" */
	char icmp_error[128];
	uint8_t icmp_type, icmp_code;
	uint16_t icmp_mtu;
	struct ct_probe_moved moved[CT_PROBE_MOVED];
	unsigned n_moved;
	char missing[256];      /* evidence that could not be read ("policy counters of n2") */
	/* the result of ct_path_probe_judge */
	int lost_hop;           /* index in the hops, -1 nothing lost */
	bool lost_reply;        /* the request arrived, the reply did not */
	char cause[256];
	bool mtu_asked;         /* --mtu */
	unsigned mtu_largest;   /* --mtu: the largest packet (IP bytes) that passes, 0 none */
	/* the reverse probe only: why it was not sent ("DST is a node address"), "" */
	char not_sent[200];
};

struct ct_path {
	struct ct_hop *v;
	size_t n, cap;
	uint32_t mtu_forward, mtu_reverse; /* the largest IP packet each way, 0 unknown */
	char notes[4][256];                /* snapshot ages, nodes not known */
	unsigned n_notes;
	struct ct_path_probe probe; /* `path --probe`, done false without it */
	/* the same probes from DST to SRC (done false when not sent: not_sent says why) */
	struct ct_path_probe rprobe;
	/* every finding attached to a hop, once (for the findings list) */
	struct ct_findings findings;
};

/* Pure: names the first hop where the probes disappear and why, from what each watched
 * hop saw (p->v[].probe), the ICMP error and send error the sender got, the counters that
 * moved and the hops' own findings. Sets p->v[k].probe.lost_here and cause, and p->probe's
 * lost_hop, lost_reply and cause. A request that never comes back and is seen on no watched hop
 * after the source is lost at the first hop after the last that saw it; a counter on that
 * stretch that moved names the cause (a policy chain's DROP: path_policy_denies confirmed;
 * IPReversePathFilter: rp_filter; InNoRoutes/OutNoRoutes: no route; InAddrErrors). */
void ct_path_probe_judge(struct ct_path *p);
/* The same for the reverse probe (p->rprobe, p->v[].rprobe): its request goes along the
 * reverse hops and its reply along the forward ones. */
void ct_path_probe_judge_reverse(struct ct_path *p);
/* Is name (nstat's) a kernel counter ct_path_probe_judge reads as a cause? */
bool ct_path_probe_counter_known(const char *name);

void ct_path_init(struct ct_path *p);
void ct_path_free(struct ct_path *p);

/* Resolves an endpoint word: an address (v4 or v6) a pod or a node of c holds
 * (or any address when none does: node -1), or NAMESPACE/POD (by the pods
 * lists, else by its host-side veth name, prefix the first of p). 0, or -1
 * with why set (a sentence for the user). */
int ct_path_end_resolve(const struct ct_cluster *c, const struct ct_prefixes *p, const char *word,
			struct ct_path_end *e, char *why, size_t whylen);

/* Builds the hops, forward then reverse. 0, or -ENOMEM. */
int ct_path_build(const struct ct_cluster *c, const struct ct_path_query *q, struct ct_path *out);

/* The worst verdict of the path (unknown counts as ok for the exit status). */
enum ct_hop_verdict ct_path_worst(const struct ct_path *p);

/* ---- --nodes FILE: one node a line, `NAME NETNS|@SNAPSHOT [bird=PATH]`, '#' starts a
 * comment, blank lines ignored. Bytes are untrusted: a line longer than 4095 bytes, a NUL,
 * a control character, a missing or extra word, an unknown key or a name used twice is an
 * error naming the line. */
#define CT_PATH_MAX_NODES 64
struct ct_path_nodespec {
	char name[CT_NAME_LEN];
	char spec[CT_PATH_LEN]; /* a namespace as -n takes it, or @FILE */
	char bird[CT_PATH_LEN]; /* BIRD's control socket, "" to discover */
	unsigned line;
};
/* 0, or -1 with why ("line N: ...", without the file's name). */
int ct_path_nodes_parse(const char *text, size_t len, struct ct_path_nodespec *out, size_t max,
			size_t *n, char *why, size_t whylen);

#endif
