/* SPDX-License-Identifier: MIT */
/*
 * rtnetlink decoders: the bytes of one nlmsghdr in, one model struct out.
 * Pure functions (no I/O, no printing): dumps (probes/gather.c), events
 * (probes/events.c) and replayed recordings (tests, fuzz) all go through them.
 * Each message type is parsed with its own libnl nla_policy, so an attribute
 * of the wrong size is rejected by the parser, not read past.
 *
 * Every decoder takes a message whose nlmsg_len has been checked against the
 * buffer it came in (NLMSG_OK) and returns:
 *   CT_RTNL_OK (0)    out is filled
 *   CT_RTNL_SKIP (1)  a well-formed message this model does not keep (another
 *                     family, a cloned route, an unrelated type); out untouched
 *   -EINVAL           malformed: header too short, attributes that fail the policy
 * A decoded route owns its next hops (ct_route_clear frees them).
 */
#ifndef CT_MODEL_RTNL_H
#define CT_MODEL_RTNL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/netlink.h>

#include "model/model.h"

#define CT_RTNL_OK 0
#define CT_RTNL_SKIP 1

/* A netconf row (RTM_NEWNETCONF): a device, or the "all" / "default" rows. */
#define CT_NETCONF_ALL (-1)     /* NETCONFA_IFINDEX_ALL */
#define CT_NETCONF_DEFAULT (-2) /* NETCONFA_IFINDEX_DEFAULT */
struct ct_netconf {
	uint8_t family; /* AF_INET or AF_INET6 */
	int ifindex;    /* a device, CT_NETCONF_ALL or CT_NETCONF_DEFAULT */
	int forwarding, rp_filter, proxy_neigh, mc_forwarding, ignore_linkdown; /* -1 absent */
};

/* RTM_NEWNEIGHTBL carries either a table's own message (thresholds, entry
 * count) or one device's parameters (NDTA_PARMS with NDTPA_IFINDEX). */
struct ct_neigh_parms {
	uint8_t family;
	int ifindex;           /* 0: the table's default parameters */
	int proxy_delay;       /* in USER_HZ ticks (as /proc/sys shows it), -1 absent */
};

enum ct_rtnl_kind {
	CT_RTNL_NONE = 0,
	CT_RTNL_LINK,
	CT_RTNL_ADDR,
	CT_RTNL_ROUTE,
	CT_RTNL_RULE,
	CT_RTNL_NEIGH,
	CT_RTNL_FDB,
	CT_RTNL_NETCONF,
	CT_RTNL_NEIGHTBL,   /* the table's own message */
	CT_RTNL_NEIGHPARMS, /* one device's parameters */
	CT_RTNL_NSID,       /* RTM_NEWNSID / RTM_DELNSID: u.nsid */
};

/* Any rtnetlink message, decoded: what events and recordings hand around. */
struct ct_rtnl_msg {
	enum ct_rtnl_kind kind;
	bool del; /* RTM_DEL*: a removal; the struct holds the key fields */
	/* nlmsg_flags of the message (NLM_F_REPLACE, NLM_F_CREATE, NLM_F_APPEND: an
	 * event tells a route replaced from one added beside another of the same
	 * key); 0 when unknown. ct_netns_apply reads it for routes. */
	uint16_t nlflags;
	union {
		struct ct_link link;
		struct ct_addr addr;
		struct ct_route route; /* owns route.nh: ct_rtnl_msg_clear */
		struct ct_rule rule;
		struct ct_neigh neigh;
		struct ct_fdb fdb;
		struct ct_netconf netconf;
		struct ct_neightbl neightbl;
		struct ct_neigh_parms parms;
		int nsid;
	} u;
};

int ct_rtnl_link(const struct nlmsghdr *h, struct ct_link *out);
int ct_rtnl_addr(const struct nlmsghdr *h, struct ct_addr *out);
int ct_rtnl_route(const struct nlmsghdr *h, struct ct_route *out);
/* The same, keeping a cloned route (RTM_F_CLONED): the answer to RTM_GETROUTE. */
int ct_rtnl_route_reply(const struct nlmsghdr *h, struct ct_route *out);
int ct_rtnl_rule(const struct nlmsghdr *h, struct ct_rule *out);
int ct_rtnl_neigh(const struct nlmsghdr *h, struct ct_neigh *out); /* AF_INET, AF_INET6 */
int ct_rtnl_fdb(const struct nlmsghdr *h, struct ct_fdb *out);     /* AF_BRIDGE */
int ct_rtnl_netconf(const struct nlmsghdr *h, struct ct_netconf *out);
/* Fills tbl (returns CT_RTNL_OK, *is_parms false) or parms (*is_parms true). */
int ct_rtnl_neightbl(const struct nlmsghdr *h, struct ct_neightbl *tbl,
		     struct ct_neigh_parms *parms, bool *is_parms);

/* Dispatches on nlmsg_type (RTM_NEW* and RTM_DEL*). Same return values. */
int ct_rtnl_decode(const struct nlmsghdr *h, struct ct_rtnl_msg *out);
void ct_rtnl_msg_clear(struct ct_rtnl_msg *m);

#endif
