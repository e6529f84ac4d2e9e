/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the input is one captured frame. It is decoded under every
 * link type ct_pkt_decode knows, with checksums off and on, as an outgoing
 * Linux-cooked frame whose checksums are offloaded, with VXLAN on a port taken
 * from the input, and as a capture cut short of the wire (len > caplen). The
 * buffer libFuzzer hands over is exactly `size` bytes, so ASan sees any read
 * past the capture. Every result must hold the invariants of model/pkt.h, and
 * checksums must change nothing but the csum_ok fields.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "model/pkt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x)                                                                                   \
	do {                                                                                       \
		if (!(x))                                                                          \
			__builtin_trap();                                                          \
	} while (0)

static const int DLTS[] = {CT_DLT_EN10MB, CT_DLT_RAW,      101, 14, CT_DLT_LINUX_SLL,
			   CT_DLT_LINUX_SLL2, 228, 229, 0};

static const char *const FAULTS[] = {
	"ethernet", "vlan", "sll", "sll2", "ip", "ipv4", "ipv6", "ipv6 extension header", "tcp",
	"udp", "icmp", "icmpv6", "vxlan", "inner ethernet", "inner vlan", "inner ipv4",
	"inner ipv6", "inner ipv6 extension header", "inner tcp", "inner udp", "inner icmp",
	"inner icmpv6", NULL,
};

static bool known_fault(const char *f)
{
	for (int i = 0; FAULTS[i]; i++)
		if (strcmp(f, FAULTS[i]) == 0)
			return true;
	return false;
}

static void ip_ok(const struct ct_pkt_ip *ip, bool csum, bool quoted)
{
	if (!ip->present)
		return;
	CHECK(ip->version == 4 || ip->version == 6);
	CHECK(ip->src.family == ip->dst.family);
	CHECK(ip->csum_ok >= -1 && ip->csum_ok <= 1);
	if (!csum || quoted || ip->version == 6)
		CHECK(ip->csum_ok == -1);
	if (ip->version == 6)
		CHECK(ip->hdr_len >= 40 && (ip->hdr_len - 40) % 8 == 0 &&
		      ip->flow_label <= 0xfffff);
	else
		CHECK(ip->hdr_len % 4 == 0 && ip->hdr_len <= 60 && ip->frag_off % 8 == 0);
}

static void l4_ok(const struct ct_pkt_l4 *l4, const struct ct_pkt_ip *ip, bool csum, uint32_t len)
{
	if (!l4->present)
		return;
	CHECK(ip->present);
	CHECK(l4->proto == ip->proto);
	CHECK(l4->proto == 6 || l4->proto == 17 || l4->proto == 1 || l4->proto == 58);
	CHECK(l4->csum_ok >= -1 && l4->csum_ok <= 2);
	if (!csum)
		CHECK(l4->csum_ok == -1);
	CHECK(l4->payload_len <= (len > 65535 ? len : 65535));
	if (l4->quoted_present) {
		CHECK(l4->proto == 1 || l4->proto == 58);
		ip_ok(&l4->quoted, csum, true);
		CHECK(l4->quoted.version == (l4->proto == 1 ? 4 : 6));
	}
	if (l4->proto != 6 && l4->proto != 17)
		CHECK(l4->sport == 0 && l4->dport == 0);
}

static void pkt_ok(const struct ct_pkt *p, int dlt, size_t size, uint32_t len, bool csum)
{
	CHECK(p->status <= CT_PKT_UNSUPPORTED);
	CHECK(p->caplen == size && p->len == len);
	if (p->status == CT_PKT_TRUNCATED || p->status == CT_PKT_INVALID)
		CHECK(p->fault && known_fault(p->fault));
	else
		CHECK(p->fault == NULL);
	/* nothing is cut when the whole wire length was captured, but a fragment
	 * can end inside a header that goes on in the next one */
	if (len == size && p->status == CT_PKT_TRUNCATED)
		CHECK(p->outer.mf || p->inner.mf);
	CHECK(p->n_vlan >= 0 && p->n_vlan <= 2);
	if (dlt != CT_DLT_EN10MB)
		CHECK(!p->has_eth);
	if (dlt != CT_DLT_LINUX_SLL && dlt != CT_DLT_LINUX_SLL2)
		CHECK(p->sll_pkttype == 0xffff && (dlt == CT_DLT_EN10MB || p->n_vlan == 0));
	if (dlt == CT_DLT_LINUX_SLL2)
		CHECK(p->sll_pkttype <= 0xff || p->sll_pkttype == 0xffff);
	else
		CHECK(p->sll_ifindex == 0);
	ip_ok(&p->outer, csum, false);
	ip_ok(&p->inner, csum, false);
	l4_ok(&p->outer_l4, &p->outer, csum, len);
	l4_ok(&p->inner_l4, &p->inner, csum, len);
	switch (p->encap) {
	case CT_ENCAP_NONE:
		CHECK(!p->inner.present && !p->has_inner_eth && p->vni == 0);
		break;
	case CT_ENCAP_IPIP:
	case CT_ENCAP_SIT:
		CHECK(p->outer.present && p->outer.proto == (p->encap == CT_ENCAP_IPIP ? 4 : 41));
		CHECK(!p->outer_l4.present && !p->has_inner_eth);
		CHECK(p->inner_ip_off >= p->outer.hdr_len && p->inner_ip_off <= size);
		if (p->inner.present)
			CHECK(p->inner.version == (p->encap == CT_ENCAP_IPIP ? 4 : 6));
		break;
	case CT_ENCAP_VXLAN:
		CHECK(p->outer_l4.present && p->outer_l4.proto == 17 && p->vni <= 0xffffff);
		if (p->has_inner_eth)
			CHECK(p->inner_eth_off + 14 <= size &&
			      (p->inner_ip_off == 0 || (p->inner_ip_off >= p->inner_eth_off + 14 &&
							p->inner_ip_off <= size)));
		if (p->inner.present)
			CHECK(p->has_inner_eth);
		break;
	default:
		CHECK(0);
	}
	/* an inner packet is never encapsulated again */
	if (p->inner_l4.present)
		CHECK(p->inner.proto != 4 && p->inner.proto != 41);
	/* the top layers are the innermost that exist */
	const struct ct_pkt_ip *ip = ct_pkt_top_ip(p);
	const struct ct_pkt_l4 *l4 = ct_pkt_top_l4(p);
	CHECK(ip == (p->inner.present ? &p->inner : p->outer.present ? &p->outer : NULL));
	if (l4)
		CHECK((l4 == &p->inner_l4 && ip == &p->inner && p->inner_l4.present) ||
		      (l4 == &p->outer_l4 && ip == &p->outer && p->outer_l4.present));
	else
		CHECK(!ip || !(ip == &p->inner ? p->inner_l4.present : p->outer_l4.present));
	if (p->status == CT_PKT_OK && p->outer.present) {
		CHECK(p->outer.hdr_len >= (p->outer.version == 4 ? 20 : 40));
		if (p->inner.present)
			CHECK(p->inner.hdr_len >= (p->inner.version == 4 ? 20 : 40));
	}
}

static void same_ip(const struct ct_pkt_ip *a, const struct ct_pkt_ip *b)
{
	CHECK(a->present == b->present);
	if (!a->present)
		return;
	CHECK(a->version == b->version && a->proto == b->proto && a->ttl == b->ttl &&
	      a->tos == b->tos && a->id == b->id && a->df == b->df && a->mf == b->mf &&
	      a->frag_off == b->frag_off && a->hdr_len == b->hdr_len &&
	      a->total_len == b->total_len && a->flow_label == b->flow_label);
	CHECK(a->src.family == b->src.family && memcmp(a->src.a, b->src.a, 16) == 0);
	CHECK(a->dst.family == b->dst.family && memcmp(a->dst.a, b->dst.a, 16) == 0);
}

static void same_l4(const struct ct_pkt_l4 *a, const struct ct_pkt_l4 *b)
{
	CHECK(a->present == b->present);
	if (!a->present)
		return;
	CHECK(a->proto == b->proto && a->sport == b->sport && a->dport == b->dport &&
	      a->seq == b->seq && a->ack == b->ack && a->tcp_flags == b->tcp_flags &&
	      a->window == b->window && a->icmp_type == b->icmp_type &&
	      a->icmp_code == b->icmp_code && a->icmp_id == b->icmp_id &&
	      a->icmp_seq == b->icmp_seq && a->icmp_mtu == b->icmp_mtu &&
	      a->payload_len == b->payload_len && a->quoted_present == b->quoted_present &&
	      a->quoted_sport == b->quoted_sport && a->quoted_dport == b->quoted_dport);
	if (a->quoted_present)
		same_ip(&a->quoted, &b->quoted);
}

/* Equal in everything a reader may look at, checksum verdicts aside. */
static void same(const struct ct_pkt *a, const struct ct_pkt *b)
{
	CHECK(a->status == b->status && a->fault == b->fault && a->caplen == b->caplen &&
	      a->len == b->len);
	CHECK(a->has_eth == b->has_eth && a->ethertype == b->ethertype && a->n_vlan == b->n_vlan &&
	      a->sll_pkttype == b->sll_pkttype && a->sll_ifindex == b->sll_ifindex);
	if (a->has_eth)
		CHECK(!memcmp(a->eth_src, b->eth_src, 6) && !memcmp(a->eth_dst, b->eth_dst, 6));
	for (int i = 0; i < a->n_vlan; i++)
		CHECK(a->vlan[i] == b->vlan[i]);
	same_ip(&a->outer, &b->outer);
	same_l4(&a->outer_l4, &b->outer_l4);
	CHECK(a->encap == b->encap && a->vni == b->vni && a->has_inner_eth == b->has_inner_eth &&
	      a->inner_ip_off == b->inner_ip_off && a->inner_eth_off == b->inner_eth_off &&
	      a->inner_ethertype == b->inner_ethertype);
	if (a->has_inner_eth)
		CHECK(!memcmp(a->inner_eth_src, b->inner_eth_src, 6) &&
		      !memcmp(a->inner_eth_dst, b->inner_eth_dst, 6));
	same_ip(&a->inner, &b->inner);
	same_l4(&a->inner_l4, &b->inner_l4);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ct_pkt a, b, c;
	struct ct_decode_opts off = {.checksums = false};
	struct ct_decode_opts on = {.checksums = true};
	struct ct_decode_opts out = {.checksums = true, .outgoing_unverifiable = true};
	struct ct_decode_opts port = {.checksums = true, .n_vxlan_ports = 1};
	uint32_t n = (uint32_t)size;

	if (size > 1 << 20)
		return 0;
	port.vxlan_ports[0] = size >= 2 ? (uint16_t)(data[0] << 8 | data[1]) : 4789;

	for (int i = 0; DLTS[i]; i++) {
		int dlt = DLTS[i];
		/* a struct full of leftovers must not change the answer */
		memset(&a, 0x00, sizeof(a));
		memset(&b, 0xff, sizeof(b));
		ct_pkt_decode(data, n, n, dlt, &off, &a);
		pkt_ok(&a, dlt, size, n, false);
		ct_pkt_decode(data, n, n, dlt, &on, &b);
		pkt_ok(&b, dlt, size, n, true);
		same(&a, &b);
		ct_pkt_decode(data, n, n, dlt, NULL, &c);
		pkt_ok(&c, dlt, size, n, false);
		same(&a, &c);
		/* offloaded outgoing frames: the same decode, 2 where a check failed */
		ct_pkt_decode(data, n, n, dlt, &out, &c);
		pkt_ok(&c, dlt, size, n, true);
		same(&b, &c);
		if (c.sll_pkttype == 4) {
			CHECK(c.outer_l4.csum_ok != 0 && c.inner_l4.csum_ok != 0);
		} else {
			CHECK(c.outer_l4.csum_ok == b.outer_l4.csum_ok);
			CHECK(c.inner_l4.csum_ok == b.inner_l4.csum_ok);
		}
		CHECK(c.outer.csum_ok == b.outer.csum_ok && c.inner.csum_ok == b.inner.csum_ok);
		/* a VXLAN port from the input */
		ct_pkt_decode(data, n, n, dlt, &port, &c);
		pkt_ok(&c, dlt, size, n, true);
		if (c.encap == CT_ENCAP_VXLAN)
			CHECK(c.outer_l4.sport == port.vxlan_ports[0] ||
			      c.outer_l4.dport == port.vxlan_ports[0]);
		/* the same bytes as the start of a longer frame: cut, never invalid for
		 * want of bytes, and the checksums of what is not all there unchecked */
		ct_pkt_decode(data, n, n + 1500, dlt, &on, &c);
		pkt_ok(&c, dlt, size, n + 1500, true);
		if (c.status == CT_PKT_OK && b.status == CT_PKT_OK && c.outer_l4.present &&
		    b.outer_l4.present && c.encap == b.encap)
			CHECK(c.outer_l4.sport == b.outer_l4.sport);
		/* and half of it */
		ct_pkt_decode(data, n / 2, n, dlt, &on, &c);
		pkt_ok(&c, dlt, n / 2, n, true);
	}
	return 0;
}
