/* SPDX-License-Identifier: MIT */
/*
 * A decoded packet: bytes in, this struct out (model/pkt_decode.c), no I/O and
 * no printing. Outer and inner headers side by side, so output, flows, the
 * path probe and the dashboard all read the same struct.
 *
 * Every read is bounds-checked. A header cut off by the capture length is
 * "truncated" (status CT_PKT_TRUNCATED, the layer that was cut is named);
 * a header whose own fields are impossible (IHL < 5, total length < IHL,
 * VXLAN flags without I) is "invalid" (CT_PKT_INVALID). Both are results,
 * never crashes, and what was decoded before the fault stays filled in.
 */
#ifndef CT_PKT_H
#define CT_PKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/model.h"

/* Link types we decode (values are libpcap's DLT_ numbers). */
enum ct_linktype {
	CT_DLT_EN10MB = 1,
	CT_DLT_RAW = 12,          /* also LINKTYPE_RAW 101 and DLT_IPV4 228 / DLT_IPV6 229 */
	CT_DLT_LINUX_SLL = 113,
	CT_DLT_LINUX_SLL2 = 276,
};

enum ct_pkt_status {
	CT_PKT_OK = 0,
	CT_PKT_TRUNCATED, /* captured bytes end inside a header */
	CT_PKT_INVALID,   /* a header's own fields are impossible */
	CT_PKT_UNSUPPORTED, /* a link type or ethertype we do not decode (not an error) */
};

enum ct_encap {
	CT_ENCAP_NONE = 0,
	CT_ENCAP_IPIP,   /* IPv4 in IPv4, IP protocol 4 */
	CT_ENCAP_SIT,    /* IPv6 in IPv4, IP protocol 41 */
	CT_ENCAP_VXLAN,  /* UDP to a VXLAN port, inner Ethernet */
};

/* One IP header and what rides on it. */
struct ct_pkt_ip {
	bool present;
	uint8_t version;   /* 4 or 6 */
	struct ct_ip src, dst;
	uint8_t proto;     /* IPv4 protocol / IPv6 next header after extension headers */
	uint8_t ttl;       /* TTL or hop limit */
	uint8_t tos;       /* DSCP+ECN / traffic class */
	uint16_t id;       /* IPv4 */
	bool df, mf;       /* IPv4 flags */
	uint16_t frag_off; /* IPv4, in bytes */
	uint16_t hdr_len;  /* IPv4 IHL*4, IPv6 40 (+ extension headers) */
	uint16_t total_len; /* IPv4 total length, IPv6 payload length + 40 */
	uint32_t flow_label; /* IPv6 */
	int csum_ok;       /* IPv4 header checksum: 1 good, 0 bad, -1 not checked */
};

struct ct_pkt_l4 {
	bool present;
	uint8_t proto;      /* 6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6 */
	uint16_t sport, dport;
	/* TCP */
	uint32_t seq, ack;
	uint16_t tcp_flags; /* FIN 0x01 SYN 0x02 RST 0x04 PSH 0x08 ACK 0x10 URG 0x20 ECE 0x40 CWR 0x80 */
	uint16_t window;
	/* ICMP / ICMPv6 */
	uint8_t icmp_type, icmp_code;
	uint16_t icmp_id, icmp_seq;  /* echo request/reply */
	uint16_t icmp_mtu;           /* frag-needed (v4 type 3 code 4) / packet-too-big (v6 type 2) */
	/* the header quoted by an ICMP error, when it is there */
	bool quoted_present;
	struct ct_pkt_ip quoted;
	uint16_t quoted_sport, quoted_dport;
	uint32_t payload_len; /* bytes after the L4 header, from the IP lengths (not the capture) */
	int csum_ok;          /* 1 good, 0 bad, -1 not checked, 2 unverifiable (offloaded) */
};

struct ct_pkt {
	enum ct_pkt_status status;
	const char *fault;    /* for TRUNCATED/INVALID: "ipv4 header", "vxlan", ... (static) */
	uint32_t caplen, len; /* captured and wire length */
	/* link layer */
	bool has_eth;
	uint8_t eth_src[6], eth_dst[6];
	uint16_t ethertype;
	uint16_t vlan[2];     /* 802.1Q tags, outermost first */
	int n_vlan;
	uint16_t sll_pkttype; /* Linux cooked: 0 host, 4 outgoing, ... (0xffff when not SLL) */
	int sll_ifindex;      /* SLL2 only, 0 otherwise */
	/* outer network layer and transport (the transport of the outer header is the
	 * VXLAN UDP for VXLAN; for plain traffic, the only l4) */
	struct ct_pkt_ip outer;
	struct ct_pkt_l4 outer_l4;
	/* encapsulation */
	enum ct_encap encap;
	uint32_t vni;         /* VXLAN */
	bool has_inner_eth;
	uint8_t inner_eth_src[6], inner_eth_dst[6];
	/* inner packet (when encapsulated) */
	struct ct_pkt_ip inner;
	struct ct_pkt_l4 inner_l4;
	/* where the inner IP header starts in the captured bytes (for --inner filters):
	 * inner_ip_off for DLT_RAW filters, inner_eth_off for VXLAN's inner frame */
	uint32_t inner_ip_off, inner_eth_off;
	uint16_t inner_ethertype; /* VXLAN: the inner frame's ethertype after its tags, else 0 */
};

struct ct_decode_opts {
	uint16_t vxlan_ports[8]; /* default {4789, 8472} when n_vxlan_ports == 0 */
	int n_vxlan_ports;
	bool checksums;          /* verify IPv4 header and L4 checksums */
	bool outgoing_unverifiable; /* SLL pkttype 4 (outgoing): L4 checksum offloaded, report 2 */
};

/* Decodes one captured frame. Never reads outside data[0..caplen). */
void ct_pkt_decode(const uint8_t *data, uint32_t caplen, uint32_t len, int linktype,
		   const struct ct_decode_opts *o, struct ct_pkt *out);

/* The outermost and innermost IP layers that exist (inner when encapsulated). */
const struct ct_pkt_ip *ct_pkt_top_ip(const struct ct_pkt *p);
const struct ct_pkt_l4 *ct_pkt_top_l4(const struct ct_pkt *p);

extern const char *const ct_encap_names[]; /* "none", "ipip", "sit", "vxlan" */
extern const char *const ct_pkt_status_names[]; /* "ok", "truncated", "invalid", "unsupported" */

#endif
