/* SPDX-License-Identifier: MIT */
/* libFuzzer target: `iptables-save -c` bytes into the policy parser (or, when the input
 * starts with '{', libnftables JSON into the nftables one), then the dispatch followed for a
 * few interface names (the walk must terminate on any chain graph); the same bytes as
 * `ipset save` text, and the encapsulation checks (analysis/encap.c) over what was parsed,
 * on a namespace that uses VXLAN and IPIP. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <net/if.h>
#include <stdio.h>

#include "analysis/encap.h"
#include "model/model.h"
#include "model/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ct_policy p;
	struct ct_err err;

	ct_policy_init(&p);
	memset(&err, 0, sizeof(err));
	if (size && data[0] == '{') {
		char tables[8][2][CT_POL_TABLE];
		size_t nt = 0;
		if (ct_nft_table_list((const char *)data, size, NULL, tables, 8, &nt, &err) == 0 &&
		    nt > 8)
			__builtin_trap();
		memset(&err, 0, sizeof(err));
		if (ct_nft_parse(&p.rs[CT_POL_IPT_NFT], (const char *)data, size, &err) < 0 &&
		    (err.exit_code != CT_EXIT_GATHER ||
		     strncmp(err.msg, "nftables JSON: ", 15) != 0))
			__builtin_trap();
	} else if (ct_ipt_parse(&p.rs[CT_POL_IPT_NFT], (const char *)data, size, &err) < 0) {
		if (err.exit_code != CT_EXIT_GATHER ||
		    strncmp(err.msg, "iptables-save output line ", 26) != 0)
			__builtin_trap();
	}
	/* what was parsed before an error is still consistent */
	const struct ct_ipt_ruleset *rs = &p.rs[CT_POL_IPT_NFT];
	size_t total = 0;
	for (size_t i = 0; i < rs->nchains; i++) {
		if (rs->chains[i].first + (size_t)rs->chains[i].n > rs->nrules)
			__builtin_trap();
		total += rs->chains[i].n;
	}
	if (total != rs->nrules)
		__builtin_trap();
	p.read[CT_POL_IPT_NFT] = true;
	const char *ifs[] = {"cali1", "cali12345678901", "eth0", ""};
	if (ct_policy_follow(&p, ifs, 4) == 0) {
		for (size_t i = 0; i < p.nwl; i++) {
			uint64_t sum = 0;
			for (size_t k = 0; k < p.wl[i].ndrops; k++)
				sum += p.wl[i].drops[k].pkts;
			if (sum != p.wl[i].dropped)
				__builtin_trap();
		}
	}
	/* the same bytes as ipset save text: an error names its line */
	memset(&err, 0, sizeof(err));
	if (ct_ipset_parse(&p.ipsets, (const char *)data, size, &err) < 0 &&
	    strncmp(err.msg, "ipset save output line ", 23) != 0)
		__builtin_trap();
	p.ipset_read = true;
	for (size_t i = 0; i < p.ipsets.n; i++)
		for (size_t k = 0; k < p.ipsets.v[i].n; k++)
			if (memcmp(p.ipsets.v[i].m[k].lo, p.ipsets.v[i].m[k].hi, 16) > 0)
				__builtin_trap();
	struct ct_netns ns;
	ct_netns_init(&ns);
	struct ct_link *l = ct_push_link(&ns);
	if (l) {
		l->ifindex = 2;
		snprintf(l->name, sizeof(l->name), "vxlan.calico");
		snprintf(l->kind, sizeof(l->kind), "vxlan");
		l->u.vxlan.port = 4789;
	}
	l = ct_push_link(&ns);
	if (l) {
		l->ifindex = 3;
		snprintf(l->name, sizeof(l->name), "eth0");
		l->flags = IFF_UP;
	}
	struct ct_fdb *e = ct_push_fdb(&ns);
	if (e) {
		e->ifindex = 2;
		ct_ip_parse("192.168.31.201", &e->dst);
	}
	struct ct_findings f;
	ct_findings_init(&f);
	ct_encap_analyze(&p, &ns, NULL, NULL, &f);
	ct_findings_free(&f);
	ct_netns_free(&ns);
	ct_policy_free(&p);
	return 0;
}
