/* SPDX-License-Identifier: MIT */
#include "model/probe_match.h"

#include <netinet/in.h>

static bool icmp_proto(uint8_t p)
{
	return p == IPPROTO_ICMP || p == IPPROTO_ICMPV6;
}

/* an ICMP error from the destination itself that quotes the request: it arrived */
static bool dst_error(const struct ct_probe_key *k, const struct ct_pkt_ip *ip,
		      const struct ct_pkt_l4 *l4)
{
	if (!icmp_proto(l4->proto) || !l4->quoted_present)
		return false;
	bool unreach = ip->version == 4 ? l4->icmp_type == 3 : l4->icmp_type == 1;
	if (!unreach || !ct_ip_eq(&ip->src, &k->dst) || !ct_ip_eq(&ip->dst, &k->src))
		return false;
	const struct ct_pkt_ip *q = &l4->quoted;
	if (q->proto != k->proto || !ct_ip_eq(&q->src, &k->src) || !ct_ip_eq(&q->dst, &k->dst))
		return false;
	if (k->proto == IPPROTO_TCP || k->proto == IPPROTO_UDP)
		return l4->quoted_sport == k->sport && l4->quoted_dport == k->dport;
	return true;
}

enum ct_probe_dir ct_probe_match(struct ct_probe_key *k, const struct ct_pkt *p, unsigned *idx)
{
	*idx = 0;
	const struct ct_pkt_ip *ip = ct_pkt_top_ip(p);
	const struct ct_pkt_l4 *l4 = ct_pkt_top_l4(p);
	if (!ip || !l4 || !ip->present || !l4->present)
		return CT_PROBE_NONE;
	if (ip->frag_off)
		return CT_PROBE_NONE;
	bool fwd = ct_ip_eq(&ip->src, &k->src) && ct_ip_eq(&ip->dst, &k->dst);
	bool back = ct_ip_eq(&ip->src, &k->dst) && ct_ip_eq(&ip->dst, &k->src);
	if (!fwd && !back)
		return CT_PROBE_NONE;
	if (back && k->proto != l4->proto && dst_error(k, ip, l4))
		return CT_PROBE_REPLY;
	if (l4->proto != k->proto)
		return CT_PROBE_NONE;
	switch (k->proto) {
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6: {
		bool v6 = k->proto == IPPROTO_ICMPV6;
		uint8_t want = fwd ? (v6 ? 128 : 8) : (v6 ? 129 : 0);
		if (l4->icmp_type != want || l4->icmp_code != 0 || l4->icmp_id != k->id)
			return CT_PROBE_NONE;
		uint16_t d = (uint16_t)(l4->icmp_seq - k->seq0);
		if (d >= k->count)
			return CT_PROBE_NONE;
		*idx = d;
		return fwd ? CT_PROBE_REQUEST : CT_PROBE_REPLY;
	}
	case IPPROTO_TCP: {
		uint16_t f = l4->tcp_flags & 0x17; /* SYN RST ACK FIN */
		if (fwd) {
			if (l4->sport != k->sport || l4->dport != k->dport || f != 0x02)
				return CT_PROBE_NONE;
			if (!k->isn_known) {
				k->isn = l4->seq;
				k->isn_known = true;
			}
			return l4->seq == k->isn ? CT_PROBE_REQUEST : CT_PROBE_NONE;
		}
		if (l4->sport != k->dport || l4->dport != k->sport)
			return CT_PROBE_NONE;
		if (f != 0x12 && !(l4->tcp_flags & 0x04))
			return CT_PROBE_NONE;
		/* the answer acknowledges the SYN (ISN + 1); a RST without ACK cannot say */
		if (k->isn_known && (l4->tcp_flags & 0x10) && l4->ack != k->isn + 1)
			return CT_PROBE_NONE;
		return CT_PROBE_REPLY;
	}
	case IPPROTO_UDP:
		if (fwd)
			return l4->sport == k->sport && l4->dport == k->dport ? CT_PROBE_REQUEST
									      : CT_PROBE_NONE;
		return l4->sport == k->dport && l4->dport == k->sport ? CT_PROBE_REPLY
								      : CT_PROBE_NONE;
	}
	return CT_PROBE_NONE;
}
