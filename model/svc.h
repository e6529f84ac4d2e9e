/* SPDX-License-Identifier: MIT */
/*
 * Kubernetes Services as kube-proxy programs them on a node: a VIP (cluster, external or load
 * balancer IP; v4 or v6), a protocol and a port, the Service's name from kube-proxy's own
 * comments ("namespace/name:portname"; "namespace/name" for an unnamed port), its backends
 * (the DNAT targets) or none, and where they were read. So that `path` can say that a DST is a
 * Service VIP instead of tracing it as a pod, and list where it really goes.
 *
 * Pure: no I/O, no printing. Every byte is untrusted; a name that is not a Kubernetes-like
 * name (letters, digits and -._/:) is left empty rather than kept.
 *
 * Readers, one per kube-proxy mode:
 *  - iptables (legacy or nft backend), from `iptables-save -c` as model/policy.h parses it:
 *    nat KUBE-SERVICES rules `-d VIP/32 -p P -m P --dport PORT -j KUBE-SVC-X` (or KUBE-EXT-X,
 *    KUBE-FW-X) commented "ns/name:port cluster IP" (or "external IP", "loadbalancer IP"),
 *    whose chains jump (KUBE-SVC-X -m statistic ... -j KUBE-SEP-Y) to endpoint chains that
 *    `-j DNAT --to-destination IP:PORT`; a Service without endpoints has no nat rule but a
 *    filter KUBE-SERVICES (or KUBE-EXTERNAL-SERVICES) rule `-j REJECT` commented
 *    "ns/name:port has no endpoints".
 *  - nftables, from libnftables' JSON of `table ip kube-proxy` / `table ip6 kube-proxy`: the
 *    verdict map service-ips (VIP . proto . port : goto service-HASH-ns/name/proto/port or
 *    external-...), service chains whose `numgen random mod N vmap` goes to endpoint chains
 *    that `dnat to IP:PORT`; the map no-endpoint-services (elements commented with the
 *    name, verdict `goto reject-chain` or `drop`).
 *  - IPVS, from /proc/net/ip_vs (the kernel's text: "TCP  0A60000A:0035 rr" then
 *    "  -> 0AF40002:0035      Masq    1      0          0"; IPv6 as [ADDR]:PORT). IPVS has no
 *    names. kube-proxy's IPVS mode also assigns every VIP to the dummy device kube-ipvs0:
 *    ct_svc_ipvs_local marks the VIPs found there.
 *  - Calico's eBPF dataplane (bpfin.cali present) handles Services in BPF maps: not readable
 *    here; ct_svcs.ebpf says so.
 */
#ifndef CT_SVC_H
#define CT_SVC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/err.h"
#include "model/model.h"
#include "model/policy.h"

#define CT_SVC_NAME	   160	      /* "namespace/name:port": 63 + 1 + 63 + 1 + 15, with room */
#define CT_SVC_MAX_BACKEND 4096	      /* backends kept per Service; more are counted, not kept */
#define CT_SVC_MAX	   (1u << 20) /* Services kept per node */

enum ct_svc_source {
	CT_SVC_IPT_LEGACY = 0, /* iptables-legacy-save / ip6tables-legacy-save */
	CT_SVC_IPT_NFT,	       /* iptables-nft-save / ip6tables-nft-save */
	CT_SVC_NFTABLES,       /* kube-proxy's nftables mode: table ip/ip6 kube-proxy */
	CT_SVC_IPVS,	       /* /proc/net/ip_vs */
	CT_SVC_EBPF,	       /* Calico's eBPF dataplane: not readable */
	CT_SVC_NSOURCES,
};
extern const char *const ct_svc_source_names[CT_SVC_NSOURCES];

/* What kube-proxy's rule says the VIP is (from the comment's last words). */
enum ct_svc_kind {
	CT_SVC_KIND_UNKNOWN = 0, /* no comment (IPVS) or another one */
	CT_SVC_KIND_CLUSTER_IP,
	CT_SVC_KIND_EXTERNAL_IP,
	CT_SVC_KIND_LB_IP,
	CT_SVC_NKINDS,
};
extern const char *const ct_svc_kind_names[CT_SVC_NKINDS];

struct ct_svc_backend {
	struct ct_ip ip;
	uint16_t port; /* 0 when the DNAT keeps the port */
};

struct ct_svc {
	struct ct_ip vip;
	uint8_t proto; /* IPPROTO_TCP, IPPROTO_UDP or IPPROTO_SCTP */
	uint16_t port;
	char name[CT_SVC_NAME]; /* "" when unknown (IPVS) or not a plausible name */
	enum ct_svc_kind kind;
	enum ct_svc_source source;
	bool no_endpoints; /* kube-proxy rejects (or drops) it: no backend */
	bool vip_local;	   /* IPVS: the VIP is an address of kube-ipvs0 */
	bool vip_checked;  /* IPVS: kube-ipvs0's addresses were given (ct_svc_ipvs_local) */
	struct ct_svc_backend *be;
	size_t nbe;	  /* kept in be */
	size_t nbe_total; /* found (more than nbe past CT_SVC_MAX_BACKEND) */
};

struct ct_svcs {
	struct ct_svc *v; /* sorted by (vip, proto, port, source) after ct_svcs_finish */
	size_t n, cap;
	bool read[CT_SVC_NSOURCES];	  /* sources that were read (even with no Service) */
	char error[CT_SVC_NSOURCES][256]; /* why a source could not be read, "" */
	bool ebpf;			  /* Calico's eBPF dataplane: Services are in BPF */
	bool no_cap;			  /* reading needs CAP_NET_ADMIN and lacks it */
	size_t dropped;			  /* Services past CT_SVC_MAX, not kept */
};

void ct_svcs_init(struct ct_svcs *s);
void ct_svcs_free(struct ct_svcs *s);

/* Adds the Services of an iptables-save ruleset (both tables, nat and filter, of one family
 * or both) read from source (CT_SVC_IPT_LEGACY or CT_SVC_IPT_NFT). Rules that are not
 * kube-proxy's are ignored. 0, or -1 with err when memory runs out. */
int ct_svc_from_ipt(struct ct_svcs *s, const struct ct_ipt_ruleset *rs, enum ct_svc_source source,
		    struct ct_err *err);
/* Adds the Services of libnftables' JSON (`nft -j list table ip kube-proxy`, or a whole
 * ruleset: only the tables named kube-proxy are read). 0, or -1 with err (CT_EXIT_GATHER,
 * "kube-proxy nftables JSON: ..."). */
int ct_svc_parse_nft(struct ct_svcs *s, const char *json, size_t len, struct ct_err *err);
/* Adds the virtual services of /proc/net/ip_vs text. A line that fits no rule of the format
 * is an error naming it ("/proc/net/ip_vs line N: ..."), CT_EXIT_GATHER; what was parsed
 * before stays. */
int ct_svc_parse_ipvs(struct ct_svcs *s, const char *text, size_t len, struct ct_err *err);
/* Marks the IPVS Services whose VIP is one of addrs[0..n) (kube-ipvs0's addresses). */
void ct_svc_ipvs_local(struct ct_svcs *s, const struct ct_ip *addrs, size_t n);
/* The same from the node model: kube-ipvs0's addresses in ns (a live node or a snapshot); and
 * Calico's eBPF dataplane (a link bpfin.cali in ns) sets s->ebpf. */
void ct_svc_from_node(struct ct_svcs *s, const struct ct_netns *ns);

/* Sorts and merges: one Service per (vip, proto, port, source); a filter REJECT "has no
 * endpoints" and its nat rules (a sync in between) merge with the backends winning. Call
 * after the readers, before ct_svc_find. */
void ct_svcs_finish(struct ct_svcs *s);

/* The Service at vip, proto (0: any) and port (0: any), or NULL. With several sources
 * (iptables and nftables both programmed) the first in ct_svc_source order. */
const struct ct_svc *ct_svc_find(const struct ct_svcs *s, const struct ct_ip *vip, uint8_t proto,
				 uint16_t port);
/* Any Service with that VIP? */
bool ct_svc_is_vip(const struct ct_svcs *s, const struct ct_ip *vip);

/* "tcp", "udp", "sctp", or NULL; and back (0 unknown). */
const char *ct_svc_proto_name(uint8_t proto);
uint8_t ct_svc_proto_parse(const char *s);

/* One line for a path hop (NUL-terminated, truncated to cap):
 *   "10.96.0.10:53/udp is Service kube-system/kube-dns:dns (iptables-nft), 2 backends:
 *    10.244.0.2:53, 10.244.1.3:53"
 *   "10.96.0.20:80/tcp is Service default/empty:http (nftables), which has no endpoints:
 *    kube-proxy rejects it"
 *   "192.168.99.30:8080/tcp is Service shop/web (external IP, iptables-legacy), 1 backend: ..."
 * At most 8 backends are listed, then "and N more". Returns the length it wanted. */
size_t ct_svc_describe(const struct ct_svc *v, char *buf, size_t cap);
/* The line for a node whose Services cannot be read (eBPF), or NULL when they can. */
const char *ct_svcs_unreadable(const struct ct_svcs *s);

#endif
