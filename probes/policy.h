/* SPDX-License-Identifier: MIT */
/*
 * Reads Felix's policy rules in a network namespace: `iptables-legacy-save -c`,
 * `iptables-nft-save -c`, `ip6tables-legacy-save -c` and `ip6tables-nft-save -c` (one text
 * format, parsed by model/policy.c), then libnftables' "list ruleset" as JSON
 * (model/policy_nft.c) for Calico's nftables mode and native rulesets, without the tables
 * ip(6)tables-nft-save already printed. Only `-save` is
 * read-only: listing a legacy table with -L or -S creates it, so nothing else is run.
 * I/O only; no printing, no exit.
 */
#ifndef CT_PROBE_POLICY_H
#define CT_PROBE_POLICY_H

#include "model/err.h"
#include "model/policy.h"

#define CT_POLICY_MAX_OUTPUT (64u << 20) /* more iptables-save output than this is refused */

/*
 * netns_spec: as -n takes it (NULL: the current namespace). timeout_s: per command (<= 0:
 * 10 s). Without CAP_NET_ADMIN nothing runs and p->no_cap is set. Each backend that runs
 * and prints at least one table is marked read; one that fails (not installed, an error,
 * a timeout, unparsable output) leaves its reason in p->error[b] and the others still run.
 * Returns 0, or -1 with err set when the namespace cannot be entered.
 */
int ct_policy_gather(struct ct_policy *p, const char *netns_spec, double timeout_s,
		     struct ct_err *err);

/* The same, and `ipset save` (read-only) into p->ipsets (p->ipset_read, or why not in
 * p->ipset_error): for the encapsulation checks (analysis/encap.h). */
int ct_policy_gather_sets(struct ct_policy *p, const char *netns_spec, double timeout_s,
			  struct ct_err *err);

#endif
