/* SPDX-License-Identifier: MIT */
#include "probes/route_get.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/rtnetlink.h>

#include "model/rtnl.h"

struct reply {
	struct ct_route *route;
	bool got;
	int err; /* a reply the decoder refused */
};

static int reply_cb(struct nlmsghdr *h, void *arg)
{
	struct reply *r = arg;
	int rc;

	if (r->got || h->nlmsg_type != RTM_NEWROUTE)
		return 0;
	rc = ct_rtnl_route_reply(h, r->route);
	if (rc == CT_RTNL_OK)
		r->got = true;
	else
		r->err = rc < 0 ? rc : -EPROTO;
	return 0;
}

static int addr_len(uint8_t family)
{
	return family == AF_INET ? 4 : family == AF_INET6 ? 16 : -1;
}

int ct_route_get(struct ct_nl *nl, const struct ct_route_query *q, struct ct_route_answer *a)
{
	int len = addr_len(q->dst.family);
	struct rtmsg rtm = { .rtm_family = q->dst.family };
	struct reply rep = { .route = &a->route };
	struct nl_msg *msg;
	int r;

	memset(a, 0, sizeof(*a));
	if (len < 0 || (q->src.family && q->src.family != q->dst.family))
		return -EINVAL;
	rtm.rtm_dst_len = (uint8_t)(len * 8);
	if (q->src.family)
		rtm.rtm_src_len = (uint8_t)(len * 8);
	if (q->fibmatch)
		rtm.rtm_flags |= RTM_F_FIB_MATCH;
	msg = nlmsg_alloc_simple(RTM_GETROUTE, 0);
	if (!msg)
		return -ENOMEM;
	if (nlmsg_append(msg, &rtm, sizeof(rtm), NLMSG_ALIGNTO) < 0 ||
	    nla_put(msg, RTA_DST, len, q->dst.a) < 0 ||
	    (q->src.family && nla_put(msg, RTA_SRC, len, q->src.a) < 0) ||
	    (q->iif && nla_put_u32(msg, RTA_IIF, (uint32_t)q->iif) < 0) ||
	    (q->oif && nla_put_u32(msg, RTA_OIF, (uint32_t)q->oif) < 0) ||
	    (q->has_fwmark && nla_put_u32(msg, RTA_MARK, q->fwmark) < 0) ||
	    (q->ip_proto && nla_put_u8(msg, RTA_IP_PROTO, q->ip_proto) < 0) ||
	    (q->sport && nla_put_u16(msg, RTA_SPORT, htons(q->sport)) < 0) ||
	    (q->dport && nla_put_u16(msg, RTA_DPORT, htons(q->dport)) < 0)) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	r = ct_nl_request(nl, msg, reply_cb, &rep);
	if (r < 0 && nl->kerr) {
		ct_route_answer_clear(a);
		a->err = nl->kerr;
		return 0;
	}
	if (r < 0 || rep.err < 0 || !rep.got) {
		ct_route_answer_clear(a);
		return r < 0 ? r : rep.err < 0 ? rep.err : -EPROTO;
	}
	return 0;
}

void ct_route_answer_clear(struct ct_route_answer *a)
{
	ct_route_clear(&a->route);
	memset(a, 0, sizeof(*a));
}

void ct_route_answer_explain(const struct ct_netns *ns, const struct ct_route_query *q,
			     struct ct_route_answer *a)
{
	struct ct_lookup_query lq = {
		.dst = q->dst,
		.src = q->src,
		.iif = q->iif,
		.oif = q->oif,
		.fwmark = q->has_fwmark ? q->fwmark : 0,
		.ip_proto = q->ip_proto,
		.sport = q->sport,
		.dport = q->dport,
	};

	if (!ns || !a->err)
		return;
	ct_lookup(ns, &lq, &a->model);
	ct_lookup_explain(ns, &a->model, a->err, a->explain, sizeof(a->explain));
	a->explained = true;
}

int ct_route_get_explained(struct ct_nl *nl, const struct ct_route_query *q,
			   const struct ct_netns *ns, struct ct_route_answer *a)
{
	int r = ct_route_get(nl, q, a);

	if (r == 0)
		ct_route_answer_explain(ns, q, a);
	return r;
}
