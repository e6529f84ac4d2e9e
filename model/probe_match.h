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

/* The direction of p for k, and for ICMP the index of the probe (0 .. count-1) in *idx
 * (0 for TCP and UDP). A TCP SYN seen while !k->isn_known fixes k->isn. */
enum ct_probe_dir ct_probe_match(struct ct_probe_key *k, const struct ct_pkt *p, unsigned *idx);

#endif
