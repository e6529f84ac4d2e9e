/* SPDX-License-Identifier: MIT */
/*
 * Reads kube-proxy's Services in a network namespace (model/svc.h holds them):
 *  - iptables-legacy-save -c, ip6tables-legacy-save -c, iptables-nft-save -c and
 *    ip6tables-nft-save -c (every table they print; the nat and filter tables are used). Only
 *    `-save` without -t is run: it is read-only, where `-t nat` or -L would create a legacy
 *    table that was not there;
 *  - libnftables: "list table ip kube-proxy" and "list table ip6 kube-proxy" as JSON (a table
 *    that is not there is no error: kube-proxy is in another mode);
 *  - /proc/net/ip_vs (it follows the namespace; absent without IPVS), and the addresses of
 *    kube-ipvs0 (getifaddrs, netlink in this namespace);
 *  - bpfin.cali present: Calico's eBPF dataplane, Services not readable (s->ebpf).
 * Each command runs with a deadline (probes/pods_exec.c's runner). I/O only; no printing.
 */
#ifndef CT_PROBE_SVC_H
#define CT_PROBE_SVC_H

#include "model/err.h"
#include "model/svc.h"

#define CT_SVC_MAX_OUTPUT (256u << 20) /* more output than this from one command is refused */

/*
 * netns_spec: as -n takes it (NULL: the current namespace). timeout_s: per command (<= 0:
 * 10 s). Without CAP_NET_ADMIN nothing runs and s->no_cap is set. A source whose command
 * fails (not installed, an error, a timeout, unparsable output) leaves its reason in
 * s->error[source] and the others still run; one that runs is marked read. Calls
 * ct_svcs_finish. Returns 0, or -1 with err set when the namespace cannot be entered.
 */
int ct_svc_gather(struct ct_svcs *s, const char *netns_spec, double timeout_s, struct ct_err *err);

/*
 * The same, for a namespace whose policy was just read (ct_policy_gather on the same
 * netns_spec): the Services of the rulesets that read already holds (its iptables-legacy,
 * iptables-nft, ip6tables-legacy and ip6tables-nft ones, through ct_svc_from_ipt; a backend
 * that failed there fails here with its reason), so that no `*tables-save` runs twice; only
 * kube-proxy's nftables tables, /proc/net/ip_vs and kube-ipvs0 are read in the namespace.
 */
struct ct_policy;
int ct_svc_gather_from_policy(struct ct_svcs *s, const struct ct_policy *p,
			      const char *netns_spec, double timeout_s, struct ct_err *err);

#endif
