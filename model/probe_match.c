/* SPDX-License-Identifier: MIT */
#include "model/probe_match.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

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

int ct_probe_icmp6_decode(const uint8_t *msg, size_t len, const struct ct_ip *from,
			  const struct ct_ip *to, struct ct_pkt *p)
{
	memset(p, 0, sizeof(*p));
	if (!from || !to || from->family != AF_INET6 || to->family != AF_INET6 || len > 65535 ||
	    (len && !msg)) {
		p->status = CT_PKT_INVALID;
		p->fault = "icmpv6";
		return -1;
	}
	uint8_t *b = malloc(40 + len);
	if (!b) {
		p->status = CT_PKT_INVALID;
		p->fault = "icmpv6";
		return -1;
	}
	memset(b, 0, 40);
	b[0] = 0x60;
	b[4] = (uint8_t)(len >> 8);
	b[5] = (uint8_t)len;
	b[6] = 58;
	b[7] = 64;
	memcpy(b + 8, from->a, 16);
	memcpy(b + 24, to->a, 16);
	if (len)
		memcpy(b + 40, msg, len);
	struct ct_decode_opts o;
	memset(&o, 0, sizeof(o));
	ct_pkt_decode(b, (uint32_t)(40 + len), (uint32_t)(40 + len), CT_DLT_RAW, &o, p);
	free(b);
	return 0;
}

const char *ct_probe_icmp_name(bool v6, uint8_t type, uint8_t code)
{
	if (v6) {
		static const char *const unreach[] = {"no-route",	  "admin-prohibited",
						      "beyond-scope",	  "address-unreachable",
						      "port-unreachable", "source-policy-failed",
						      "reject-route"};
		if (type == 1)
			return code < sizeof(unreach) / sizeof(unreach[0]) ? unreach[code] : NULL;
		if (type == 2)
			return "packet-too-big";
		if (type == 3)
			return "time-exceeded";
		return NULL;
	}
	if (type == 11)
		return "time-exceeded";
	if (type != 3)
		return NULL;
	switch (code) {
	case 0:
		return "net-unreachable";
	case 1:
		return "host-unreachable";
	case 3:
		return "port-unreachable";
	case 4:
		return "frag-needed";
	case 9:
	case 10:
	case 13:
		return "admin-prohibited";
	}
	return NULL;
}

bool ct_probe_icmp_too_big(bool v6, uint8_t type, uint8_t code)
{
	return v6 ? type == 2 : type == 3 && code == 4;
}

bool ct_probe_payload_off(const struct ct_pkt *p, int linktype, size_t *off)
{
	const struct ct_pkt_ip *ip = ct_pkt_top_ip(p);
	const struct ct_pkt_l4 *l4 = ct_pkt_top_l4(p);
	if (!ip || !l4 || !ip->present || !l4->present || ip->frag_off)
		return false;
	bool echo = (l4->proto == IPPROTO_ICMP && (l4->icmp_type == 0 || l4->icmp_type == 8)) ||
		    (l4->proto == IPPROTO_ICMPV6 && (l4->icmp_type == 128 || l4->icmp_type == 129));
	if (!echo && l4->proto != IPPROTO_UDP)
		return false;
	size_t at;
	if (ip == &p->inner) {
		at = p->inner_ip_off;
	} else {
		switch (linktype) {
		case CT_DLT_EN10MB:
			at = 14 + 4 * (size_t)p->n_vlan;
			break;
		case CT_DLT_LINUX_SLL:
			at = 16;
			break;
		case CT_DLT_LINUX_SLL2:
			at = 20;
			break;
		case CT_DLT_RAW:
		case 101:
		case 14:
		case 228:
		case 229:
			at = 0;
			break;
		default:
			return false;
		}
	}
	*off = at + ip->hdr_len + 8;
	return true;
}
