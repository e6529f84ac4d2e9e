/* SPDX-License-Identifier: MIT */
/*
 * Which probe a decoded packet (model/pkt.h) is, for `path --probe`: pure.
 * A probe is known by its addresses and protocol plus
 *   ICMP echo: the identifier and a sequence number in [seq0, seq0 + count);
 *   TCP: the 4-tuple of the kernel's SYN and its initial sequence number (taken from the
 *        first SYN seen when the sender could not know it: isn_known);
 *   UDP: the 4-tuple.
 * The request goes SRC -> DST; the reply DST -> SRC: an echo reply, a SYN-ACK or a RST, a
 * UDP datagram back, or an ICMP error from DST itself quoting the request (port
 * unreachable: the request arrived). Encapsulated packets are matched by their inner
 * packet (ct_pkt_top_ip).
 */
#ifndef CT_PROBE_MATCH_H
#define CT_PROBE_MATCH_H

#include <stdbool.h>
#include <stdint.h>

#include "model/pkt.h"

struct ct_probe_key {
	struct ct_ip src, dst;
	uint8_t proto;	       /* IPPROTO_ICMP, TCP, UDP */
	uint16_t id;	       /* ICMP echo identifier */
	uint16_t seq0, count;  /* ICMP sequence numbers seq0 .. seq0 + count - 1 */
	uint16_t sport, dport; /* TCP, UDP */
	uint32_t isn;	       /* TCP: the SYN's sequence number */
	bool isn_known;
};

enum ct_probe_dir { CT_PROBE_NONE = 0, CT_PROBE_REQUEST, CT_PROBE_REPLY };

/* An ICMPv6 message as an ICMPv6 socket (raw or ping) hands it over: the kernel strips the
 * IPv6 header, so the message starts at its type. from: the sender (recvfrom's address);
 * to: the probe's source. Decoded into *p as if captured with an IPv6 header (payload length
 * len, next header 58, hop limit 64) built in front of it, so that ct_probe_match and an
 * error's quoted packet read the same as in a capture. Untrusted bytes: a message shorter
 * than an ICMPv6 header decodes as invalid (its own length cannot hold the header), an
 * error whose quote is cut has no quoted packet, one that cannot fit an IPv6 payload
 * (> 65535 bytes) or a family that is not AF_INET6 is refused. 0, or -1 (p->status then
 * CT_PKT_INVALID). */
int ct_probe_icmp6_decode(const uint8_t *msg, size_t len, const struct ct_ip *from,
			  const struct ct_ip *to, struct ct_pkt *p);

/* The name of an ICMP (v6 false) or ICMPv6 error as the prober reports it: "frag-needed",
 * "packet-too-big", "admin-prohibited", "no-route", "address-unreachable",
 * "port-unreachable", "net-unreachable", "host-unreachable", "time-exceeded", or NULL for
 * a type and code with no name here. */
const char *ct_probe_icmp_name(bool v6, uint8_t type, uint8_t code);
/* Is it an error that says the packet was too big (v4 frag-needed, v6 packet-too-big)? */
bool ct_probe_icmp_too_big(bool v6, uint8_t type, uint8_t code);

/* Where the probe's own bytes start in the frame p was decoded from (linktype as given to
 * ct_pkt_decode): the first byte after the innermost ICMP or ICMPv6 echo header or UDP
 * header, where the probes put their 8-byte nonce. false when p has no such layer, it is a
 * later fragment, or the link type is not one ct_pkt_decode knows. The offset may lie past
 * the captured bytes: the caller compares it with its caplen. */
bool ct_probe_payload_off(const struct ct_pkt *p, int linktype, size_t *off);

/* The direction of p for k, and for ICMP the index of the probe (0 .. count-1) in *idx
 * (0 for TCP and UDP). A TCP SYN seen while !k->isn_known fixes k->isn. */
enum ct_probe_dir ct_probe_match(struct ct_probe_key *k, const struct ct_pkt *p, unsigned *idx);

#endif
