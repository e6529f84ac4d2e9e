/* SPDX-License-Identifier: MIT */
/*
 * encap_blocked and encap_peer_not_allowed (analysis/encap.c) over the rule parsers'
 * new fields. The fixtures are real tool output from an empty namespace:
 * felix-encap-iptables-nft.save (iptables-nft-restore -c, then iptables-nft-save -c),
 * felix-encap-nftables.json (nft -f, then nft -j list ruleset), felix-encap.ipset
 * (ipset restore, then ipset save). The oracle for counters, handles and set members is
 * awk, jq and grep over the same files, never this code's output.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/fixture.h"

#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "analysis/encap.h"
#include "model/model.h"
#include "model/policy.h"

static char *slurp(const char *name, size_t *len, char *path, size_t plen)
{
	return ct_fx_read("policy", name, len, path, plen);
}

/* The first line a shell command prints (the oracle), trimmed. */
static void sh_line(char *out, size_t len, const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	if (!fgets(out, (int)len, p))
		out[0] = 0;
	pclose(p);
	out[strcspn(out, "\n")] = 0;
}

enum { LO = 1, ETH0 = 2, VXLAN = 3, TUNL = 4, CALI = 5 };

static void link_(struct ct_netns *ns, int ix, const char *name, const char *kind, unsigned flags)
{
	struct ct_link *l = ct_push_link(ns);
	assert_non_null(l);
	l->ifindex = ix;
	snprintf(l->name, sizeof(l->name), "%s", name);
	snprintf(l->kind, sizeof(l->kind), "%s", kind);
	l->flags = flags;
	l->link_netnsid = -1;
	l->peer_ns = -1;
}

/* A node using VXLAN (port 4789; FDB to .202, in the sets, and .201, in neither) and IPIP
 * (a route via tunl0 to .203, in no hosts set). */
static void node(struct ct_netns *ns, bool vxlan, bool ipip)
{
	ct_netns_init(ns);
	snprintf(ns->name, sizeof(ns->name), "n2");
	snprintf(ns->path, sizeof(ns->path), "/var/run/netns/n2");
	link_(ns, LO, "lo", "", IFF_UP | IFF_LOOPBACK);
	link_(ns, ETH0, "eth0", "veth", IFF_UP);
	link_(ns, CALI, "cali0761ccbeace", "veth", IFF_UP);
	if (vxlan) {
		link_(ns, VXLAN, "vxlan.calico", "vxlan", IFF_UP);
		ct_link_by_name(ns, "vxlan.calico")->u.vxlan.port = 4789;
		const char *dst[] = {"192.168.31.202", "192.168.31.201"};
		for (int i = 0; i < 2; i++) {
			struct ct_fdb *e = ct_push_fdb(ns);
			assert_non_null(e);
			e->ifindex = VXLAN;
			assert_int_equal(ct_ip_parse(dst[i], &e->dst), 0);
		}
	}
	link_(ns, TUNL, "tunl0", "ipip", 0); /* the kernel's fallback device: down, unused */
	if (ipip) {
		struct ct_route *r = ct_push_route(ns);
		assert_non_null(r);
		assert_int_equal(ct_prefix_parse("172.168.61.64/26", &r->dst), 0);
		assert_int_equal(ct_ip_parse("192.168.31.203", &r->gw), 0);
		r->oif = TUNL;
		r->type = 1;
	}
}

static const struct ct_finding *find(const struct ct_findings *f, const char *code,
				     const char *needle)
{
	for (size_t i = 0; i < f->n; i++) /* the subject first, then the evidence */
		if (strcmp(f->v[i].def->code, code) == 0 && strcmp(f->v[i].subject, needle) == 0)
			return &f->v[i];
	for (size_t i = 0; i < f->n; i++)
		if (strcmp(f->v[i].def->code, code) == 0 && strstr(f->v[i].evidence, needle))
			return &f->v[i];
	return NULL;
}

static size_t count(const struct ct_findings *f, const char *code)
{
	size_t n = 0;
	for (size_t i = 0; i < f->n; i++)
		n += strcmp(f->v[i].def->code, code) == 0;
	return n;
}

/* iptables: "[P:B] -A CHAIN ... TEXT" -> P, by awk */
static void ipt_counter(char *out, size_t len, const char *path, const char *chain,
			const char *text)
{
	sh_line(
	    out, len,
	    "awk 'index($0, \"-A %s \") && index($0, \"%s\") { s = $1; gsub(/[\\[\\]]/, \"\", s); "
	    "split(s, a, \":\"); print a[1]; exit }' '%s'",
	    chain, text, path);
	assert_true(out[0] >= '0' && out[0] <= '9');
}

static void test_ipt(void **state)
{
	(void)state;
	char path[PATH_MAX + 64], ipath[PATH_MAX + 64], want[64], ev[64];
	size_t len, ilen;
	char *buf = slurp("felix-encap-iptables-nft.save", &len, path, sizeof(path));
	char *ibuf = slurp("felix-encap.ipset", &ilen, ipath, sizeof(ipath));
	struct ct_policy p;
	struct ct_err err = {0};
	ct_policy_init(&p);
	assert_int_equal(ct_ipt_parse(&p.rs[CT_POL_IPT_NFT], buf, len, &err), 0);
	p.read[CT_POL_IPT_NFT] = true;
	assert_int_equal(ct_ipset_parse(&p.ipsets, ibuf, ilen, &err), 0);
	p.ipset_read = true;

	/* the parser's fields */
	const struct ct_ipt_chain *fw = ct_ipt_chain_find(&p.rs[CT_POL_IPT_NFT], NULL, "FW-IN");
	assert_non_null(fw);
	const struct ct_ipt_rule *r0 = &p.rs[CT_POL_IPT_NFT].rules[fw->first];
	assert_true(r0->has_proto && r0->proto == 17 && !r0->unparsed);
	assert_int_equal(r0->ndport, 2);
	assert_int_equal(r0->dport[0].lo, 8472);
	assert_int_equal(r0->dport[1].lo, 4789);
	assert_true(p.rs[CT_POL_IPT_NFT].rules[fw->first + 1].unparsed); /* -s */
	assert_true(p.rs[CT_POL_IPT_NFT].rules[fw->first + 3].dport_neg);
	const struct ct_ipt_rule *r4 = &p.rs[CT_POL_IPT_NFT].rules[fw->first + 4];
	assert_int_equal(r4->dport[0].lo, 4789);
	assert_int_equal(r4->dport[0].hi, 4800);
	assert_string_equal(r4->in_if, "eth0");
	const struct ct_ipt_chain *ci =
	    ct_ipt_chain_find(&p.rs[CT_POL_IPT_NFT], NULL, "cali-INPUT");
	assert_non_null(ci);
	assert_string_equal(p.rs[CT_POL_IPT_NFT].rules[ci->first].set, "cali40all-vxlan-net");
	assert_true(p.rs[CT_POL_IPT_NFT].rules[ci->first].dst_local);
	assert_string_equal(ct_ipt_chain_find(&p.rs[CT_POL_IPT_NFT], "raw", "PREROUTING")->hook,
			    "prerouting");
	assert_string_equal(fw->hook, "");

	/* the sets, against grep */
	const struct ct_pol_set *vs = ct_pol_set_find(&p.ipsets, NULL, "cali40all-vxlan-net");
	assert_non_null(vs);
	sh_line(want, sizeof(want), "grep -c '^add cali40all-vxlan-net ' '%s'", ipath);
	assert_int_equal(vs->n, strtoul(want, NULL, 10));
	assert_int_equal(ct_pol_set_find(&p.ipsets, NULL, "kube-ports")->n, 0);

	struct ct_prefixes pfx;
	assert_int_equal(ct_prefixes_parse("cali", &pfx), 0);
	struct ct_netns ns;
	struct ct_findings f;

	/* VXLAN only */
	node(&ns, true, false);
	ct_findings_init(&f);
	ct_encap_analyze(&p, &ns, NULL, &pfx, &f);
	assert_int_equal(count(&f, "encap_blocked"), 2);
	ipt_counter(want, sizeof(want), path, "FW-IN", "8472,4789");
	snprintf(ev, sizeof(ev), "counter: %s packets", want);
	const struct ct_finding *x =
	    find(&f, "encap_blocked", "chain FW-IN rule 1 (reached from INPUT):");
	assert_non_null(x);
	assert_non_null(strstr(x->evidence, ev));
	assert_non_null(strstr(x->evidence, "(reached from INPUT)"));
	assert_string_equal(x->run[0], "ip netns exec n2 iptables-nft -t filter -D FW-IN 1");
	x = find(&f, "encap_blocked", "chain FW-IN rule 5 (reached from INPUT):");
	assert_non_null(x);
	ipt_counter(want, sizeof(want), path, "FW-IN", "-i eth0");
	snprintf(ev, sizeof(ev), "counter: %s packets", want);
	assert_non_null(strstr(x->evidence, ev));
	/* .201 is in no VXLAN set line: the one peer not allowed */
	sh_line(want, sizeof(want), "grep -c '^add cali40all-vxlan-net 192.168.31.201$' '%s'",
		ipath);
	assert_string_equal(want, "0");
	assert_int_equal(count(&f, "encap_peer_not_allowed"), 1);
	x = find(&f, "encap_peer_not_allowed", "192.168.31.201");
	assert_non_null(x);
	ipt_counter(want, sizeof(want), path, "cali-INPUT", "Drop IPv4 VXLAN");
	snprintf(ev, sizeof(ev), ": %s packets dropped so far", want);
	assert_non_null(strstr(x->evidence, ev));
	assert_non_null(strstr(x->evidence, "10.1.0.0/16"));
	assert_string_equal(x->run[0],
			    "ip netns exec n2 ipset add cali40all-vxlan-net 192.168.31.201 -exist");
	ct_findings_free(&f);
	ct_netns_free(&ns);

	/* IPIP only: raw PREROUTING's protocol 4 drop, .203 missing from the hosts set */
	node(&ns, false, true);
	ct_findings_init(&f);
	ct_encap_analyze(&p, &ns, NULL, &pfx, &f);
	assert_int_equal(count(&f, "encap_blocked"), 1);
	x = find(&f, "encap_blocked", "table raw chain PREROUTING rule 1:");
	assert_non_null(x);
	ipt_counter(want, sizeof(want), path, "PREROUTING", "ipencap");
	snprintf(ev, sizeof(ev), "counter: %s packets", want);
	assert_non_null(strstr(x->evidence, ev));
	assert_int_equal(count(&f, "encap_peer_not_allowed"), 1);
	assert_non_null(find(&f, "encap_peer_not_allowed", "192.168.31.203"));
	ct_findings_free(&f);

	/* neither set read: no peer check; no rules read: nothing */
	p.ipset_read = false;
	ct_findings_init(&f);
	ct_encap_analyze(&p, &ns, NULL, &pfx, &f);
	assert_int_equal(count(&f, "encap_peer_not_allowed"), 0);
	assert_true(ct_encap_needs_ipsets(&p, &ns)); /* so the command says so */
	p.no_cap = true;
	ct_encap_analyze(&p, &ns, NULL, &pfx, &f);
	assert_int_equal(f.n, 1);
	ct_findings_free(&f);
	ct_netns_free(&ns);

	/* no encapsulation in use: nothing, whatever the rules */
	p.no_cap = false;
	p.ipset_read = true;
	node(&ns, false, false);
	ct_findings_init(&f);
	ct_encap_analyze(&p, &ns, NULL, &pfx, &f);
	assert_int_equal(f.n, 0);
	ct_findings_free(&f);
	ct_netns_free(&ns);

	ct_policy_free(&p);
	free(buf);
	free(ibuf);
}

/* nft: the handle of the rule in CHAIN of TABLE whose counter is PKTS, by jq */
static void nft_handle(char *out, size_t len, const char *path, const char *table,
		       const char *chain, const char *pkts)
{
	sh_line(
	    out, len,
	    "jq -r '.nftables[] | .rule? // empty | select(.table == \"%s\" and .chain == \"%s\") "
	    "| select([.expr[] | .counter?.packets // empty] == [%s]) | .handle' '%s'",
	    table, chain, pkts, path);
	assert_true(out[0] >= '1' && out[0] <= '9');
}

static void test_nft(void **state)
{
	(void)state;
	char path[PATH_MAX + 64], want[64], ev[96];
	size_t len;
	char *buf = slurp("felix-encap-nftables.json", &len, path, sizeof(path));
	struct ct_policy p;
	struct ct_err err = {0};
	ct_policy_init(&p);
	assert_int_equal(ct_nft_parse(&p.rs[CT_POL_NFTABLES], buf, len, &err), 0);
	p.read[CT_POL_NFTABLES] = true;
	/* the sets, against jq */
	const struct ct_pol_set *vs =
	    ct_pol_set_find(&p.rs[CT_POL_NFTABLES].sets, "ip calico", "cali40all-vxlan-net");
	assert_non_null(vs);
	sh_line(want, sizeof(want),
		"jq '[.nftables[] | .set? // empty | select(.name == \"cali40all-vxlan-net\") | "
		".elem[]] | length' '%s'",
		path);
	assert_int_equal(vs->n, strtoul(want, NULL, 10));
	uint8_t a[4] = {192, 168, 31, 202};
	const struct ct_pol_set *hs =
	    ct_pol_set_find(&p.rs[CT_POL_NFTABLES].sets, "ip calico", "cali40all-hosts-net");
	assert_true(ct_pol_set_has(hs, AF_INET, a)); /* a range 201-202 */
	a[3] = 203;
	assert_false(ct_pol_set_has(hs, AF_INET, a));

	struct ct_prefixes pfx;
	assert_int_equal(ct_prefixes_parse("cali", &pfx), 0);
	struct ct_netns ns;
	struct ct_findings f;
	node(&ns, true, true);
	ct_findings_init(&f);
	ct_encap_analyze(&p, &ns, NULL, &pfx, &f);
	/* inet filter input (11), fw_in's reject (3) and set (7), natty's output (2) */
	assert_int_equal(count(&f, "encap_blocked"), 4);
	const char *cases[][3] = {{"inet filter", "input", "11"},
				  {"inet filter", "fw_in", "3"},
				  {"inet filter", "fw_in", "7"},
				  {"ip natty", "out", "2"}};
	for (size_t i = 0; i < 4; i++) {
		const char *tab = strchr(cases[i][0], ' ') + 1;
		nft_handle(want, sizeof(want), path, tab, cases[i][1], cases[i][2]);
		snprintf(ev, sizeof(ev), "table %s chain %s handle %s%s:", cases[i][0], cases[i][1],
			 want, strcmp(cases[i][1], "fw_in") == 0 ? " (reached from input)" : "");
		const struct ct_finding *x = find(&f, "encap_blocked", ev);
		if (!x)
			fail_msg("no encap_blocked with '%s'", ev);
		snprintf(ev, sizeof(ev), "counter: %s packets", cases[i][2]);
		assert_non_null(strstr(x->evidence, ev));
		char run[128];
		snprintf(run, sizeof(run), "ip netns exec n2 nft delete rule %s %s handle %s",
			 cases[i][0], cases[i][1], want);
		assert_string_equal(x->run[0], run);
	}
	assert_non_null(strstr(find(&f, "encap_blocked", "natty")->message, "sent"));
	/* Felix's table: its drops are not encap_blocked, its sets are checked */
	assert_null(find(&f, "encap_blocked", "calico"));
	assert_int_equal(count(&f, "encap_peer_not_allowed"), 2);
	const struct ct_finding *x = find(&f, "encap_peer_not_allowed", "192.168.31.201");
	assert_non_null(x);
	if (!strstr(x->evidence, "nftables set cali40all-vxlan-net"))
		fail_msg("%s", x->evidence);
	assert_string_equal(
	    x->run[0],
	    "ip netns exec n2 nft add element ip calico cali40all-vxlan-net '{ 192.168.31.201 }'");
	assert_non_null(find(&f, "encap_peer_not_allowed", "192.168.31.203"));
	ct_findings_free(&f);
	ct_netns_free(&ns);
	ct_policy_free(&p);
	free(buf);
}

/* VXLAN over IPv6: ip6tables and an ip6 nftables table see only vxlan-v6.calico's packets. */
static void test_v6(void **state)
{
	(void)state;
	char path[PATH_MAX + 64], ipath[PATH_MAX + 64], npath[PATH_MAX + 64], want[64], ev[64];
	size_t len, ilen, nlen;
	char *buf = slurp("felix-encap6-iptables-legacy.save", &len, path, sizeof(path));
	char *ibuf = slurp("felix-encap6.ipset", &ilen, ipath, sizeof(ipath));
	char *nbuf = slurp("felix-encap6-nftables.json", &nlen, npath, sizeof(npath));
	struct ct_policy p;
	struct ct_err err = {0};
	ct_policy_init(&p);
	assert_int_equal(ct_ipt_parse(&p.rs[CT_POL_IP6T_LEGACY], buf, len, &err), 0);
	p.read[CT_POL_IP6T_LEGACY] = true;
	assert_int_equal(ct_nft_parse(&p.rs[CT_POL_NFTABLES], nbuf, nlen, &err), 0);
	p.read[CT_POL_NFTABLES] = true;
	assert_int_equal(ct_ipset_parse(&p.ipsets, ibuf, ilen, &err), 0);
	p.ipset_read = true;

	struct ct_netns ns;
	struct ct_findings f;
	/* IPv4 VXLAN only: the IPv6 rules drop none of its packets */
	node(&ns, true, false);
	ct_findings_init(&f);
	ct_encap_analyze(&p, &ns, NULL, NULL, &f);
	assert_int_equal(f.n, 0);
	ct_findings_free(&f);
	/* and vxlan-v6.calico, FDB to fd00:31::202 (in the set) and fd00:31::201 */
	link_(&ns, 6, "vxlan-v6.calico", "vxlan", IFF_UP);
	ct_link_by_name(&ns, "vxlan-v6.calico")->u.vxlan.port = 4789;
	const char *dst[] = {"fd00:31::202", "fd00:31::201"};
	for (int i = 0; i < 2; i++) {
		struct ct_fdb *e = ct_push_fdb(&ns);
		assert_non_null(e);
		e->ifindex = 6;
		assert_int_equal(ct_ip_parse(dst[i], &e->dst), 0);
	}
	ct_findings_init(&f);
	ct_encap_analyze(&p, &ns, NULL, NULL, &f);
	assert_int_equal(count(&f, "encap_blocked"), 2);
	const struct ct_finding *x = find(&f, "encap_blocked", "table filter chain INPUT rule 2:");
	assert_non_null(x);
	assert_non_null(strstr(x->message, "VXLAN over IPv6"));
	ipt_counter(want, sizeof(want), path, "INPUT", "--dport 4789 -j DROP");
	snprintf(ev, sizeof(ev), "counter: %s packets", want);
	assert_non_null(strstr(x->evidence, ev));
	assert_string_equal(x->run[0], "ip netns exec n2 ip6tables-legacy -t filter -D INPUT 2");
	x = find(&f, "encap_blocked", "table ip6 filter6 chain input");
	assert_non_null(x);
	sh_line(
	    want, sizeof(want),
	    "jq '[.nftables[] | .rule? // empty | .expr[] | .counter?.packets // empty][0]' '%s'",
	    npath);
	snprintf(ev, sizeof(ev), "counter: %s packets", want);
	assert_non_null(strstr(x->evidence, ev));
	sh_line(want, sizeof(want), "grep -c '^add cali60all-vxlan-net fd00:31::201$' '%s'", ipath);
	assert_string_equal(want, "0");
	assert_int_equal(count(&f, "encap_peer_not_allowed"), 1);
	x = find(&f, "encap_peer_not_allowed", "fd00:31::201");
	assert_non_null(x);
	ipt_counter(want, sizeof(want), path, "cali-INPUT", "Drop IPv6 VXLAN");
	snprintf(ev, sizeof(ev), ": %s packets dropped so far", want);
	assert_non_null(strstr(x->evidence, ev));
	assert_string_equal(x->run[0],
			    "ip netns exec n2 ipset add cali60all-vxlan-net fd00:31::201 -exist");
	ct_findings_free(&f);
	ct_netns_free(&ns);
	ct_policy_free(&p);
	free(buf);
	free(ibuf);
	free(nbuf);
}

/* Rules and sets that are malformed or cut short: an error naming the line, or a rule
 * whose match is unparsed, never a crash. */
static void test_malformed(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		int ok;	       /* ct_ipt_parse's result */
		bool unparsed; /* of the one rule */
	} ipt[] = {
	    {"*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p\nCOMMIT\n", 0, true},
	    {"*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p udp --dport\nCOMMIT\n", 0, true},
	    {"*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -m set --match-set x\nCOMMIT\n", 0, true},
	    {"*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -m addrtype --dst-type\nCOMMIT\n", 0, true},
	    {"*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p udp --dport 70000 -j DROP\nCOMMIT\n", 0,
	     true},
	    {"*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p udp --dport 5:4 -j DROP\nCOMMIT\n", 0,
	     true},
	    {"*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p udp --dports 1,2,3,4,5,6,7,8,9 -j "
	     "DROP\nCOMMIT\n",
	     0, true},
	    {"*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p udp --dports 1, -j DROP\nCOMMIT\n", 0,
	     true},
	    {"*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p 256 -j DROP\nCOMMIT\n", 0, true},
	    {"*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p nosuchproto -j DROP\nCOMMIT\n", 0, true},
	    {"*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -m set --match-set x dst -j DROP\nCOMMIT\n", 0,
	     true},
	    {"*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -m addrtype --dst-type UNICAST -j "
	     "DROP\nCOMMIT\n",
	     0, true},
	    {"*filter\n:INPUT ACCEPT [0:0]\n-A INPUT ! -p udp -j DROP\nCOMMIT\n", 0, false},
	};
	for (size_t i = 0; i < sizeof(ipt) / sizeof(ipt[0]); i++) {
		struct ct_ipt_ruleset rs;
		struct ct_err err = {0};
		ct_ipt_ruleset_init(&rs);
		int rc = ct_ipt_parse(&rs, ipt[i].text, strlen(ipt[i].text), &err);
		if (rc != ipt[i].ok)
			fail_msg("case %zu: rc %d (%s)", i, rc, err.msg);
		if (rc == 0) {
			assert_int_equal(rs.nrules, 1);
			if (rs.rules[0].unparsed != ipt[i].unparsed)
				fail_msg("case %zu: unparsed %d", i, rs.rules[0].unparsed);
		} else {
			assert_non_null(strstr(err.msg, "line 3"));
		}
		ct_ipt_ruleset_free(&rs);
	}

	/* nftables JSON: matches of a shape the encapsulation checks do not know leave the rule
	 * unparsed; set elements of another shape are left out */
#define NFT_RULE(E)                                                                                \
	"{\"nftables\": [{\"table\": {\"family\": \"inet\", \"name\": \"t\"}}, {\"chain\": "       \
	"{\"family\": \"inet\", \"table\": \"t\", \"name\": \"input\", \"hook\": \"input\", "      \
	"\"policy\": \"accept\"}}, {\"rule\": {\"family\": \"inet\", \"table\": \"t\", "           \
	"\"chain\": "                                                                              \
	"\"input\", \"handle\": 3, \"expr\": [" E ", {\"drop\": null}]}}]}"
#define DPORT(R)                                                                                   \
	"{\"match\": {\"op\": \"==\", \"left\": {\"payload\": {\"protocol\": \"udp\", \"field\": " \
	"\"dport\"}}, \"right\": " R "}}"
	static const struct {
		const char *json;
		bool unparsed;
		uint8_t ndport;
	} nft[] = {
	    {NFT_RULE(DPORT("4789")), false, 1},
	    {NFT_RULE(DPORT("{\"range\": [4800, 4789]}")), true, 0},
	    {NFT_RULE(DPORT("{\"range\": [4789]}")), true, 0},
	    {NFT_RULE(DPORT("70000")), true, 0},
	    {NFT_RULE(DPORT("-1")), true, 0},
	    {NFT_RULE(DPORT("\"4789\"")), true, 0},
	    {NFT_RULE(DPORT("{\"set\": [1, 2, 3, 4, 5, 6, 7, 8, 9]}")), true, 0},
	    {NFT_RULE(DPORT("{\"set\": []}")), true, 0},
	    {NFT_RULE(DPORT("4789") ", " DPORT("4790")), true, 1},
	    {NFT_RULE("{\"match\": {\"op\": \"==\", \"left\": {\"meta\": {\"key\": \"l4proto\"}}, "
		      "\"right\": 300}}"),
	     true, 0},
	    {NFT_RULE("{\"match\": {\"op\": \"<\", \"left\": {\"meta\": {\"key\": \"l4proto\"}}, "
		      "\"right\": 17}}"),
	     true, 0},
	    {NFT_RULE("{\"match\": {\"op\": \"==\", \"left\": {\"payload\": {\"protocol\": \"ip\", "
		      "\"field\": \"saddr\"}}, \"right\": \"@\"}}"),
	     true, 0},
	};
	for (size_t i = 0; i < sizeof(nft) / sizeof(nft[0]); i++) {
		struct ct_ipt_ruleset rs;
		struct ct_err err = {0};
		ct_ipt_ruleset_init(&rs);
		if (ct_nft_parse(&rs, nft[i].json, strlen(nft[i].json), &err) != 0)
			fail_msg("nft case %zu: %s", i, err.msg);
		assert_int_equal(rs.nrules, 1);
		if (rs.rules[0].unparsed != nft[i].unparsed || rs.rules[0].ndport != nft[i].ndport)
			fail_msg("nft case %zu: unparsed %d ndport %u", i, rs.rules[0].unparsed,
				 rs.rules[0].ndport);
		assert_int_equal(rs.rules[0].handle, 3);
		assert_string_equal(rs.chains[0].hook, "input");
		ct_ipt_ruleset_free(&rs);
	}
	static const char *const sets =
	    "{\"nftables\": [{\"table\": {\"family\": \"ip\", \"name\": \"c\"}}, {\"set\": "
	    "{\"family\": \"ip\", \"table\": \"c\", \"name\": \"s\", \"type\": \"ipv4_addr\", "
	    "\"elem\": "
	    "[\"10.0.0.1\", {\"prefix\": {\"addr\": \"10.1.0.0\", \"len\": 99}}, {\"range\": "
	    "[\"10.2.0.9\", "
	    "\"10.2.0.1\"]}, 7, {\"elem\": {\"val\": \"10.3.0.1\", \"timeout\": 5}}, \"not an "
	    "address\"]}}, "
	    "{\"set\": {\"family\": \"ip\", \"table\": \"c\", \"name\": \"p\", \"type\": "
	    "\"inet_service\", \"elem\": [80]}}]}";
	struct ct_ipt_ruleset srs;
	struct ct_err serr = {0};
	ct_ipt_ruleset_init(&srs);
	assert_int_equal(ct_nft_parse(&srs, sets, strlen(sets), &serr), 0);
	assert_int_equal(srs.sets.n, 1);      /* the port set is no address set */
	assert_int_equal(srs.sets.v[0].n, 2); /* 10.0.0.1 and 10.3.0.1 */
	assert_string_equal(srs.sets.v[0].m[1].text, "10.3.0.1");
	ct_ipt_ruleset_free(&srs);

	static const struct {
		const char *text;
		int ok;
	} ips[] = {
	    {"create a hash:net family inet\nadd a 10.0.0.0/8\n", 0},
	    {"create a hash:ip family inet\nadd a 10.0.0.1-10.0.0.9\n", 0},
	    {"add a 10.0.0.1\n", -1},				  /* no create */
	    {"create a hash:net\ncreate a hash:net\n", -1},	  /* twice */
	    {"create a hash:net\nadd a 10.0.0.0/33\n", -1},	  /* bad prefix */
	    {"create a hash:net\nadd a 10.0.0.9-10.0.0.1\n", -1}, /* backwards range */
	    {"create a hash:net\nadd a 10.0.0.1-::1\n", -1},	  /* two families */
	    {"create a hash:net\nadd a\n", -1},
	    {"create a\n", -1},
	    {"flush a\n", -1},
	    {"create a hash:net\nadd a 10.0.0.1\x01\n", -1},
	    {"create a hash:net\nadd a 10.0.0.1", 0}, /* no final newline */
	    {"create a hash:net\nadd a 10.0.", -1},   /* cut inside a member */
	};
	for (size_t i = 0; i < sizeof(ips) / sizeof(ips[0]); i++) {
		struct ct_pol_sets s = {0};
		struct ct_err err = {0};
		int rc = ct_ipset_parse(&s, ips[i].text, strlen(ips[i].text), &err);
		if (rc != ips[i].ok)
			fail_msg("ipset case %zu: rc %d (%s)", i, rc, err.msg);
		if (rc < 0)
			assert_non_null(strstr(err.msg, "ipset save output line "));
		ct_pol_sets_free(&s);
	}
}

/* Every prefix of the fixtures: the parsers stop with an error or parse what is there. */
static void test_truncation(void **state)
{
	(void)state;
	const char *names[] = {"felix-encap-iptables-nft.save", "felix-encap.ipset",
			       "felix-encap-nftables.json"};
	for (size_t k = 0; k < 3; k++) {
		char path[PATH_MAX + 64];
		size_t len;
		char *buf = slurp(names[k], &len, path, sizeof(path));
		for (size_t l = 0; l < len; l += k == 2 ? 7 : 1) {
			struct ct_policy p;
			struct ct_err err = {0};
			ct_policy_init(&p);
			char *cut = malloc(l + 1);
			assert_non_null(cut);
			memcpy(cut, buf, l);
			if (k == 0)
				(void)ct_ipt_parse(&p.rs[CT_POL_IPT_NFT], cut, l, &err);
			else if (k == 1)
				(void)ct_ipset_parse(&p.ipsets, cut, l, &err);
			else
				(void)ct_nft_parse(&p.rs[CT_POL_NFTABLES], cut, l, &err);
			p.read[k == 2 ? CT_POL_NFTABLES : CT_POL_IPT_NFT] = true;
			p.ipset_read = k == 1;
			struct ct_netns ns;
			struct ct_findings f;
			node(&ns, true, true);
			ct_findings_init(&f);
			ct_encap_analyze(&p, &ns, NULL, NULL, &f);
			ct_findings_free(&f);
			ct_netns_free(&ns);
			ct_policy_free(&p);
			free(cut);
		}
		free(buf);
	}
}

int main(void)
{
	ct_fx_find_root("policy");
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ipt),	       cmocka_unit_test(test_nft),
	    cmocka_unit_test(test_v6),	       cmocka_unit_test(test_malformed),
	    cmocka_unit_test(test_truncation),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
