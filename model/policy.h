/* SPDX-License-Identifier: MIT */
/*
 * Felix's policy as data: the text of `iptables-save -c` (iptables-legacy-save and
 * iptables-nft-save print the same format) parsed into tables, chains and rules with
 * their counters, and what the chains do for each workload interface.
 *
 * Pure: no I/O, no printing. Every byte is untrusted: a line that fits no rule of the
 * format is an error naming its line number, never skipped silently; a name or
 * comment longer than its field is an error too (iptables' own limits are shorter).
 *
 * The format, as iptables-save 1.8 writes it:
 *   # comment                         (ignored)
 *   *TABLE                            (a table starts)
 *   :CHAIN POLICY [PKTS:BYTES]        (POLICY "-" for a user chain)
 *   [PKTS:BYTES] -A CHAIN MATCHES...  (a rule; without -c there is no counter)
 *   COMMIT                            (the table ends)
 * Strings with spaces are double-quoted, with \" and \\ escaped inside.
 *
 * Following the dispatch (ct_policy_follow): Felix sends a packet from workload
 * caliX to the chain cali-fw-caliX by goto from cali-from-wl-dispatch (or its
 * child chains cali-from-wl-dispatch-N when there are many workloads, selected by
 * an interface prefix such as "cali1+"), and to it through cali-to-wl-dispatch[-N]
 * to cali-tw-caliX by the output interface. A dispatch chain ends on a DROP with
 * the comment "Unknown interface". cali-fw/tw-X jump to policy chains (cali-pi-*,
 * cali-po-*), profile chains (cali-pri-*, cali-pro-*), and end on the end-of-tier
 * rule ("... Drop if no policies passed packet") and the profile end rule ("Drop
 * if no profiles matched"). Counters are evidence, not a verdict.
 */
#ifndef CT_POLICY_H
#define CT_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/err.h"

#define CT_POL_NAME    64 /* chain names: iptables allows 28 characters, nftables 255 */
#define CT_POL_TABLE   32
#define CT_POL_COMMENT 256 /* xt_comment allows 255 */
#define CT_POL_IFNAME  16
#define CT_POL_PORTS   8 /* destination port ranges kept per rule; more make the match unparsed */

enum ct_pol_backend {
	CT_POL_IPT_LEGACY = 0, /* iptables-legacy-save -c */
	CT_POL_IPT_NFT,	       /* iptables-nft-save -c */
	CT_POL_NFTABLES,       /* libnftables JSON (Calico's nftables mode) */
	CT_POL_IP6T_LEGACY,    /* ip6tables-legacy-save -c */
	CT_POL_IP6T_NFT,       /* ip6tables-nft-save -c */
	CT_POL_NBACKENDS,
};
extern const char *const ct_pol_backend_names[CT_POL_NBACKENDS];

/* What kube-proxy's Service rules match and where they DNAT to, kept as written (model/svc.c
 * reads them): "" when absent or longer than the field. They still make a rule other_match. */
struct ct_ipt_svcm {
	char dst[52];	  /* -d ADDR[/MASK] */
	bool dst_neg;	  /* ! -d */
	char proto[12];	  /* -p PROTO */
	char dport[12];	  /* --dport PORT (of -m tcp, udp or sctp) */
	char to_dest[56]; /* -j DNAT --to-destination ADDR[:PORT] or [ADDR6]:PORT */
};

struct ct_ipt_rule {
	uint32_t chain; /* index into the ruleset's chains */
	uint64_t pkts, bytes;
	bool counted;		  /* the line carried [PKTS:BYTES] */
	char target[CT_POL_NAME]; /* "DROP", "REJECT", "ACCEPT", a chain, "" when none */
	bool is_goto;		  /* -g rather than -j */
	char in_if[CT_POL_IFNAME], out_if[CT_POL_IFNAME]; /* "" when absent; may end in '+' */
	bool in_neg, out_neg;
	bool other_match; /* matches beyond -i/-o/comment (-m mark, -p, -s, ...) */
	/* what the encapsulation checks need of the other matches (analysis/encap.c); each of
	 * them also sets other_match, so the dispatch is followed as before */
	bool has_proto, proto_neg; /* -p P / ip protocol / meta l4proto / udp dport (implied) */
	uint8_t proto;		   /* the IP protocol number */
	struct ct_pol_ports {
		uint16_t lo, hi;
	} dport[CT_POL_PORTS]; /* --dport(s) / udp|th dport, ranges inclusive */
	uint8_t ndport;	       /* 0: no port match */
	bool dport_neg;
	char set[CT_POL_NAME]; /* -m set --match-set NAME src / ip saddr @NAME, "" none */
	bool set_neg;
	bool dst_local;	 /* -m addrtype --dst-type LOCAL / fib daddr type local */
	bool unparsed;	 /* a match none of the fields record (addresses, conntrack, marks...) */
	uint64_t handle; /* the nftables rule handle, 0 for iptables */
	char id[CT_POL_COMMENT];      /* the "cali:xxxx" comment, "" none */
	char comment[CT_POL_COMMENT]; /* the last other comment, "" none */
	struct ct_ipt_svcm svc;	      /* the matches kube-proxy's Service rules use */
};

struct ct_ipt_chain {
	char table[CT_POL_TABLE];
	char name[CT_POL_NAME];
	char policy[16]; /* "ACCEPT", "DROP" for a base chain; "-" for a user chain */
	char hook[12];	 /* a base chain's hook ("prerouting", "input", ...), "" a user chain */
	uint64_t pkts, bytes;
	uint32_t first, n; /* its rules: rules[first .. first+n), in order */
};

/* An address set: an ipset (`ipset save`) or an nftables set, its members as ranges. */
struct ct_pol_member {
	uint8_t family; /* AF_INET or AF_INET6 */
	uint8_t lo[16], hi[16];
	char text[48]; /* as written: "192.168.31.201", "10.0.0.0/8" */
};
struct ct_pol_set {
	char table[CT_POL_TABLE]; /* "ipset" for an ipset, else the nftables table ("ip calico") */
	char name[CT_POL_NAME];
	struct ct_pol_member *m;
	size_t n;
};
struct ct_pol_sets {
	struct ct_pol_set *v;
	size_t n;
};
void ct_pol_sets_free(struct ct_pol_sets *s);
/* The set of that name (table NULL: any), or NULL. */
const struct ct_pol_set *ct_pol_set_find(const struct ct_pol_sets *s, const char *table,
					 const char *name);
/* Does the set hold the address (family AF_INET/AF_INET6, 4 or 16 bytes at a)? */
bool ct_pol_set_has(const struct ct_pol_set *s, int family, const uint8_t *a);
/* Parses `ipset save` (`ipset list -o save`) text: "create NAME TYPE ..." and "add NAME
 * MEMBER [options]"; members of hash:ip, hash:net and their ranges ("a-b", "a/len"); other
 * set types (hash:ip,port...) are kept without members. Appends to s. 0, or -1 with err
 * (CT_EXIT_GATHER, "ipset save output line N: ..."). */
int ct_ipset_parse(struct ct_pol_sets *s, const char *text, size_t len, struct ct_err *err);

struct ct_ipt_ruleset {
	struct ct_ipt_chain *chains;
	size_t nchains, capchains;
	struct ct_ipt_rule *rules;
	size_t nrules, caprules;
	size_t ntables;
	struct ct_pol_sets sets; /* nftables: the tables' address sets */
};

void ct_ipt_ruleset_init(struct ct_ipt_ruleset *rs);
void ct_ipt_ruleset_free(struct ct_ipt_ruleset *rs);
/* Appends the tables of text (len bytes, NUL not needed) to rs. 0, or -1 with err
 * (CT_EXIT_GATHER, "iptables-save output line N: ..."). rs keeps what was parsed
 * before the error. */
int ct_ipt_parse(struct ct_ipt_ruleset *rs, const char *text, size_t len, struct ct_err *err);
/* An IP protocol's name as iptables-save and nft print it ("udp", "ipencap" = 4, "ipip" =
 * 94, as /etc/protocols has them) or its number, into *proto. false: neither. */
bool ct_pol_proto_parse(const char *s, uint8_t *proto);
/* Parses one set member: an address, "ADDR/LEN" or "ADDR-ADDR" (one family). false when
 * malformed. */
bool ct_pol_member_parse(struct ct_pol_member *m, const char *s);
/* The chain of that name in table (NULL: "filter"), or NULL. */
const struct ct_ipt_chain *ct_ipt_chain_find(const struct ct_ipt_ruleset *rs, const char *table,
					     const char *name);
/* Does the interface match of a rule (as written, "cali1+" a prefix) cover iface? */
bool ct_ipt_if_match(const char *pattern, const char *iface);

/* ---- per workload ---- */

enum ct_pol_drop_kind {
	CT_POL_DROP_OTHER = 0,	 /* any other DROP or REJECT (with or without a comment) */
	CT_POL_DROP_END_OF_TIER, /* "... Drop if no policies passed packet" */
	CT_POL_DROP_NO_PROFILE,	 /* "Drop if no profiles matched" */
};
extern const char *const ct_pol_drop_kind_names[3];

struct ct_pol_drop {
	char chain[CT_POL_NAME];
	uint32_t rule;	/* 1-based position in its chain */
	char target[8]; /* DROP or REJECT */
	enum ct_pol_drop_kind kind;
	uint64_t pkts, bytes;
	char comment[CT_POL_COMMENT];
};

/* One direction: from the workload (cali-fw-X) or to it (cali-tw-X). */
struct ct_pol_dir {
	bool present;	 /* the chain exists */
	bool dispatched; /* a dispatch chain or another rule sends this interface's packets to it */
	bool unknown; /* the dispatch chains end this interface's packets on "Unknown interface" */
	char via[CT_POL_NAME];	     /* the chain whose rule sends it there, "" none */
	uint32_t policies, profiles; /* cali-pi/po-* and cali-pri/pro-* chains it reaches */
};

struct ct_wl_policy {
	char iface[CT_POL_IFNAME];
	int backend; /* enum ct_pol_backend of the ruleset the chains were found in, -1 none */
	struct ct_pol_dir from, to;
	char (
	    *chains)[CT_POL_NAME]; /* policy and profile chains reached, in order of first reach */
	size_t nchains;
	struct ct_pol_drop *drops; /* every DROP/REJECT in cali-fw/tw-X and the chains reached */
	size_t ndrops;
	uint64_t dropped; /* sum of the drops' packet counters */
};

/* What the node's policy reader found. */
struct ct_policy {
	bool read[CT_POL_NBACKENDS];	   /* backends whose rules were read */
	char error[CT_POL_NBACKENDS][256]; /* why a backend could not be read, "" */
	bool no_cap;			   /* reading needs CAP_NET_ADMIN and lacks it */
	bool bpf;			   /* Calico's eBPF dataplane: policy lives in BPF */
	struct ct_pol_sets ipsets;	   /* `ipset save`, when ipset_read */
	bool ipset_read;
	char ipset_error[256]; /* why `ipset save` could not be read, "" */
	struct ct_ipt_ruleset
	    rs[CT_POL_NBACKENDS]; /* the nftables one holds the ruleset as chains */
	bool dispatch;		 /* cali-from-wl-dispatch or cali-to-wl-dispatch exists somewhere */
	int dispatch_backend;	 /* where, -1 none */
	struct ct_wl_policy *wl; /* sorted by iface */
	size_t nwl;
};

void ct_policy_init(struct ct_policy *p);
void ct_policy_free(struct ct_policy *p);
/* Any backend read? */
bool ct_policy_any_read(const struct ct_policy *p);
/* Computes p->wl for the workload interfaces ifaces[0..n) from the rulesets read.
 * 0, or -1 when memory runs out. */
int ct_policy_follow(struct ct_policy *p, const char *const *ifaces, size_t n);
/* The result for iface, or NULL. */
const struct ct_wl_policy *ct_policy_of(const struct ct_policy *p, const char *iface);

/* ---- libnftables JSON ---- */
/* Parses `nft -j list ruleset` (libnftables' JSON) into rs as tables/chains/rules: the
 * family and table form the table name ("ip calico"), verdicts (drop, reject, accept,
 * jump, goto) the target, "iifname"/"oifname" == matches the interfaces, the rule's
 * comment the comment, its counter statement the counters. Verdict maps (Calico's
 * nftables dispatch) become one goto rule per map element keyed by an interface name.
 * 0, or -1 with err. */
int ct_nft_parse(struct ct_ipt_ruleset *rs, const char *json, size_t len, struct ct_err *err);
/* The same, leaving out the family-ip tables that skip (iptables-nft-save's ruleset) holds:
 * there libnftables shows iptables-nft's matches and targets only as xt stubs. */
int ct_nft_parse_skip(struct ct_ipt_ruleset *rs, const char *json, size_t len,
		      const struct ct_ipt_ruleset *skip, struct ct_err *err);
/* The same, leaving out also the family-ip6 tables that skip6 (ip6tables-nft-save's) holds
 * (either may be NULL). */
int ct_nft_parse_skip2(struct ct_ipt_ruleset *rs, const char *json, size_t len,
		       const struct ct_ipt_ruleset *skip, const struct ct_ipt_ruleset *skip6,
		       struct ct_err *err);
/* The tables of `nft -j list tables` as {family, name} pairs, without those skip holds (as
 * ct_nft_parse_skip) and names a command line could not carry unquoted; at most max. So that
 * iptables-nft's tables, often the biggest, are never listed. 0, or -1 with err. */
int ct_nft_table_list(const char *json, size_t len, const struct ct_ipt_ruleset *skip,
		      char (*out)[2][CT_POL_TABLE], size_t max, size_t *n, struct ct_err *err);
/* The same, leaving out also the family-ip6 tables skip6 holds. */
int ct_nft_table_list2(const char *json, size_t len, const struct ct_ipt_ruleset *skip,
		       const struct ct_ipt_ruleset *skip6, char (*out)[2][CT_POL_TABLE], size_t max,
		       size_t *n, struct ct_err *err);

#endif
