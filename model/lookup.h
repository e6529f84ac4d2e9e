/* SPDX-License-Identifier: MIT */
/*
 * The model's own route lookup: policy rules, then longest-prefix match, the
 * way the kernel's fib_rules and fib_trie do it (Linux 6.18), over a ct_netns.
 * Pure: no I/O. Its job is to name the route (and the rule) behind a lookup,
 * above all behind one the kernel refused: the kernel's errno stays the truth
 * (probes/route_get.c), the model says which route caused it.
 *
 * Rules: the namespace's rules of the query's family in priority order (equal
 * priorities in table order, which is the kernel's order after a dump); when
 * the model holds none of that family, the kernel's defaults (IPv4: 0 local,
 * 32766 main, 32767 default; IPv6: 0 local, 32766 main). A rule matches on its
 * src/dst prefixes, iifname (a locally generated packet comes from "lo"),
 * oifname (output lookups only), fwmark/fwmask (no mask: all 32 bits), with
 * FIB_RULE_INVERT. Actions: to table; nop; blackhole -> EINVAL, unreachable ->
 * ENETUNREACH, prohibit -> EACCES (the rule's own errno). A table with no
 * matching route, a missing table and a `throw` route continue with the next
 * rule; nothing left gives ENETUNREACH.
 * Not kept by the model, so not matched: a rule's tos/dscp, ip_proto, port
 * ranges, uid range, l3mdev, suppress_prefixlen, and goto's target (a goto rule
 * is passed over as the kernel does when its target is gone, and the result is
 * marked uncertain).
 *
 * Inside a table: the most specific prefix first; among routes of the same
 * prefix the lowest priority (metric), then table order; routes with a tos
 * are skipped (the query has none). A blackhole, unreachable or prohibit route
 * ends the lookup with EINVAL, EHOSTUNREACH, EACCES; a throw route continues
 * with the next rule. Other routes need a usable next hop: not RTNH_F_DEAD,
 * not RTNH_F_LINKDOWN when ignore_linkdown (the model does not keep the
 * device's ignore_routes_with_linkdown: the caller says), a device that is up
 * for a unicast route, and the query's oif when given (IPv4; IPv6 when no
 * source is given, and there reject routes too, whose device is lo); a route
 * with none is passed over for the next shorter prefix.
 *
 * IPv4 input (iif set), as ip_route_input_slow: a source of 0.0.0.0, multicast
 * or 255.255.255.255 -> EINVAL; forwarding off on iif -> EHOSTUNREACH, hiding
 * every route type; a type other than unicast, local or broadcast -> EINVAL;
 * then the reverse-path check of fib_validate_source with the effective
 * rp_filter (the reverse lookup from src to dst, iif the route's device):
 * EINVAL (EXDEV before 6.13). With rp_filter 0 the kernel skips the check
 * unless custom rules exist (it remembers rules added once and deleted since,
 * and local routes in other tables: the model sees only the rules it holds);
 * then a source that is a local address is refused. IPv4 output: a given src that is multicast or
 * broadcast -> EINVAL, one that is not local -> ENETUNREACH (before any rule);
 * a lookup that fails with an oif given succeeds on-link.
 * IPv6 sees neither forwarding nor reverse paths.
 */
#ifndef CT_MODEL_LOOKUP_H
#define CT_MODEL_LOOKUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/model.h"

struct ct_lookup_query {
	struct ct_ip dst;      /* AF_INET or AF_INET6 */
	struct ct_ip src;      /* family 0: none */
	int iif, oif;          /* ifindex, 0: none; iif set: a packet arriving there */
	uint32_t fwmark;       /* 0: none */
	uint8_t ip_proto;      /* kept for callers; rules matching on it are not modelled */
	uint16_t sport, dport; /* idem */
	bool ignore_linkdown;  /* the devices' ignore_routes_with_linkdown */
};

enum ct_lookup_why {
	CT_LOOKUP_ROUTE = 0,    /* route matched: a usable route, or a reject/throw type */
	CT_LOOKUP_NO_ROUTE,     /* no route in any table the rules reached: ENETUNREACH */
	CT_LOOKUP_RULE_ACTION,  /* a rule's blackhole/unreachable/prohibit action */
	CT_LOOKUP_NO_FORWARDING,/* input: forwarding off on iif: EHOSTUNREACH */
	CT_LOOKUP_MARTIAN_SRC,  /* a martian source: EINVAL; output: src not local: ENETUNREACH */
	CT_LOOKUP_BAD_TYPE,     /* input: a route type the forwarding path refuses: EINVAL */
	CT_LOOKUP_RPF,          /* input: the reverse-path check failed: EINVAL */
	CT_LOOKUP_ONLINK,       /* output with oif: the lookup failed, the kernel assumes on-link */
	CT_LOOKUP_BAD_QUERY,    /* no usable dst, or src of another family */
	CT_LOOKUP__COUNT
};

struct ct_lookup_result {
	int err;                      /* the errno the kernel gives, 0 for a route */
	enum ct_lookup_why why;
	const struct ct_route *route; /* the winning route, a pointer into ns->routes, or NULL;
				       * NO_FORWARDING: the forward match hidden by it;
				       * ONLINK: the route whose failure the kernel overrode */
	const struct ct_rule *rule;   /* the rule that led there (a static default rule when the
				       * namespace has none), NULL when no rule did */
	bool default_rules;           /* the kernel's default rules were assumed */
	bool uncertain;               /* a goto rule was passed over (its target is not kept) */
	const struct ct_route *rpf_route; /* CT_LOOKUP_RPF: the reverse lookup's route or NULL */
};

/* An optional index over ns's routes by (family, table, prefix length,
 * prefix), so a lookup costs a probe per prefix length in use instead of a
 * scan of every route per table consulted (100,000 routes: see
 * tests/bench/lookup.sh). Valid while the namespace keeps the same route
 * count and ns->gen.routes (the update functions bump it); a stale or foreign
 * index is ignored (the lookup scans). Rebuild after changing routes in place
 * or with the push helpers. */
struct ct_lookup_tab {
	uint8_t family;
	uint32_t table;
	uint64_t lens[3]; /* bit n: a route of prefix length n (0..128) */
};
struct ct_lookup_index {
	const struct ct_netns *ns; /* built for */
	size_t n;                  /* ns->routes.n then */
	uint64_t gen;              /* ns->gen.routes then */
	uint32_t *head;            /* cap buckets: route position + 1, 0 empty */
	uint32_t *next;            /* per route: the next in its bucket, + 1 */
	size_t cap;
	struct ct_lookup_tab *tabs;
	size_t ntabs, tabcap;
};
void ct_lookup_index_init(struct ct_lookup_index *ix);
/* 0 or -ENOMEM (ix is then empty, and lookups scan). */
int ct_lookup_index_build(struct ct_lookup_index *ix, const struct ct_netns *ns);
void ct_lookup_index_free(struct ct_lookup_index *ix);

/* Walks the rules and tables of ns for q. Returns 0 with res filled (res->err
 * is the kernel's answer class), or -EINVAL for a bad query (res->why says so).
 * The pointers in res stay valid until ns changes. */
int ct_lookup(const struct ct_netns *ns, const struct ct_lookup_query *q,
	      struct ct_lookup_result *res);
/* The same with an index (NULL: ct_lookup). */
int ct_lookup_ix(const struct ct_netns *ns, const struct ct_lookup_index *ix,
		 const struct ct_lookup_query *q, struct ct_lookup_result *res);

/* A stable word for res->why ("route", "no_route", "rule", "no_forwarding",
 * "martian_source", "bad_type", "reverse_path", "onlink", "bad_query"). */
const char *ct_lookup_why_name(enum ct_lookup_why why);

/* One line naming what the model found, for a person: e.g.
 *   "blackhole 10.65.0.0/26 table main proto bird (rule 32766 lookup main)"
 *   "no route in any table"
 *   "forwarding is off on 'cali12'"
 * kernel_err is the kernel's own errno for the same lookup (0 unknown): when
 * it refused (EINVAL or EXDEV) a lookup whose forward match is a usable unicast
 * route, the line says "reverse path" even when the model's check passed.
 * Writes at most len bytes (NUL included) and returns buf. */
char *ct_lookup_explain(const struct ct_netns *ns, const struct ct_lookup_result *res,
			int kernel_err, char *buf, size_t len);

#endif
