/* SPDX-License-Identifier: MIT */
/*
 * Encapsulated traffic and the node's firewall (issue 9). Pure: the model of the namespace
 * and the rules read by probes/policy.c in, findings out.
 *
 * encap_blocked (fail): a DROP or REJECT, in a chain that is not Felix's, of IP protocol 4
 * (IPIP) or of UDP to vxlan.calico's own port (IFLA_VXLAN_PORT), reached from a base chain
 * at prerouting, input or output: iptables' PREROUTING, INPUT and OUTPUT of every table and
 * the user chains they jump or go to; nftables' chains with those hooks and theirs. Felix's
 * are left out (chains cali-*, the tables "ip calico" / "ip6 calico"): they drop tunnel
 * packets from unknown hosts by design. A rule with matches caltrace does not evaluate
 * (addresses, conntrack state, marks, address sets) may or may not hit tunnel packets and
 * is not reported; neither are chain policies and rules without a protocol. Only for an
 * encapsulation the node uses: vxlan.calico present (VXLAN), vxlan-v6.calico (VXLAN over
 * IPv6), tunl0 with routes or up with an address (IPIP). A rule counts for the IP family
 * its rules see: iptables IPv4, ip6tables IPv6, an nftables table by its family (inet both).
 *
 * encap_peer_not_allowed (fail): Felix's "Drop IPIP packets from non-Calico hosts" /
 * "Drop IPv4 VXLAN packets from non-allowed hosts" rule exists, and a node this one
 * exchanges tunnel packets with is not in the set its "Allow" rule names
 * (cali40all-hosts-net / cali40all-vxlan-net: an ipset, or an nftables set in Felix's
 * nftables mode): the gateways of routes via tunl0 and the BGP peers (IPIP), the underlay
 * addresses of vxlan.calico's FDB entries (VXLAN); for VXLAN over IPv6, "Drop IPv6 VXLAN
 * packets from non-allowed hosts", cali60all-vxlan-net and vxlan-v6.calico's FDB.
 */
#ifndef CT_ANALYSIS_ENCAP_H
#define CT_ANALYSIS_ENCAP_H

#include <stdbool.h>
#include <stdint.h>

#include "analysis/findings.h"
#include "model/model.h"
#include "model/policy.h"

struct ct_bgp;

struct ct_encap_use {
	bool ipip, vxlan, vxlan6;
	uint16_t vxlan_port;  /* vxlan.calico's IFLA_VXLAN_PORT */
	uint16_t vxlan6_port; /* vxlan-v6.calico's */
};

/* Which encapsulations the namespace uses (see above). */
struct ct_encap_use ct_encap_use(const struct ct_netns *ns);

/* Does encap_peer_not_allowed need the ipsets here (Felix's drop rule for an encapsulation
 * ns uses is in an iptables backend read)? Without them it is not checked: say so. */
bool ct_encap_needs_ipsets(const struct ct_policy *p, const struct ct_netns *ns);

/* Both checks; nothing when p read no rules (p->no_cap: the caller says so in a note).
 * bgp: BIRD's peers (NULL: not asked). prefixes: the workload interface prefixes (an
 * interface match that only workload interfaces, tunnels or loopback pass is not the
 * underlay's). */
void ct_encap_analyze(const struct ct_policy *p, const struct ct_netns *ns,
		      const struct ct_bgp *bgp, const struct ct_prefixes *prefixes,
		      struct ct_findings *f);

#endif
