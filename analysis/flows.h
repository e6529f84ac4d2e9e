/* SPDX-License-Identifier: MIT */
/*
 * Flows from decoded packets: pure (decoded packets, timestamps and interface
 * ids in; a table and summaries out), no I/O, no printing.
 *
 * A flow is the canonical 5-tuple of the innermost IP packet (both directions
 * meet on one key) plus the VXLAN VNI. The table keeps one entry per (flow,
 * interface): one packet seen on several interfaces (-i any sees a pod's
 * packet on caliX, tunl0 and eth0) is never added up across them; a summary
 * reports, per direction, the most any one interface saw. Each entry keeps,
 * per direction, whether it went encapsulated or plain and the last outer
 * pair (VXLAN's outer UDP source port differs per direction).
 *
 * ICMP errors do not make flows of their own: they attach to the flow whose
 * header they quote, or, when they quote an encapsulating header (IPIP's
 * protocol 4, VXLAN's UDP), to the flows that travel between that outer pair.
 * A flow entry keeps the latest kind of error (type, code) and how often it
 * came; a tunnel pair keeps two kinds (say frag-needed and protocol 4
 * unreachable between the same two nodes).
 *
 * Memory is bounded: at most max entries (the least recently seen of a small
 * sample is evicted when full) plus a fixed table of tunnel-level errors.
 */
#ifndef CT_FLOWS_H
#define CT_FLOWS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/model.h"
#include "model/pkt.h"

#define CT_FLOWS_MAX_DEFAULT (1u << 18) /* entries: about 60 MB at most */
#define CT_FLOWS_PAIR_SLOTS  4096	/* tunnel-level ICMP errors */
#define CT_FLOW_SUM_IFACES   8		/* interfaces listed per flow summary */
#define CT_FLOW_ERR_KINDS    2		/* distinct ICMP errors kept per tunnel pair and flow */

/* Canonical key: (a, aport) sorts before (b, bport). */
struct ct_flow_key {
	struct ct_ip a, b;
	uint16_t aport, bport; /* TCP/UDP ports; ICMP echo: the identifier on both */
	uint8_t proto;
	bool has_vni;
	uint32_t vni;
};

enum { CT_FLOW_SEEN_ENCAP = 1, CT_FLOW_SEEN_PLAIN = 2 };

struct ct_flow_dir {
	uint64_t packets, bytes; /* bytes: the innermost IP packet's length */
	uint64_t first_us, last_us;
	struct ct_ip outer_src, outer_dst; /* of the last encapsulated packet */
	uint16_t outer_sport, outer_dport; /* VXLAN's UDP ports */
	uint8_t encap;			   /* enum ct_encap of the last encapsulated packet */
	uint8_t seen;			   /* CT_FLOW_SEEN_* */
};

struct ct_flow_err {
	uint32_t count;
	uint16_t iface; /* counted on this interface only (the first that saw one) */
	bool v6;	/* ICMPv6 */
	uint8_t type, code;
	uint16_t mtu; /* frag-needed / packet-too-big */
	uint8_t quoted_proto;
	struct ct_ip from; /* who sent the error */
	uint64_t last_us;
};

struct ct_flow {
	struct ct_flow_key key;
	uint32_t next; /* hash chain: index + 1, 0 = end (free list when unused) */
	uint16_t iface;
	uint8_t init_dir; /* direction of the first packet: 0 a->b, 1 b->a */
	bool used;
	uint64_t first_us; /* first packet on this entry, either direction */
	struct ct_flow_dir d[2];
	struct ct_flow_err err;
};

struct ct_flow_pair {
	bool used;
	struct ct_ip src, dst;			   /* the quoted (outer) header's pair */
	struct ct_flow_err err[CT_FLOW_ERR_KINDS]; /* one per kind (type, code); count 0: empty */
};

struct ct_flows {
	struct ct_flow *e;
	size_t n_alloc; /* entries allocated (grows to max) */
	size_t top;	/* entries [0, top) were handed out at least once */
	size_t used;
	uint32_t free_head; /* index + 1 */
	uint32_t *bucket;   /* index + 1 */
	size_t nbucket;	    /* power of two */
	size_t max;
	size_t hand;		    /* eviction sampling position */
	uint64_t evicted;	    /* entries evicted to stay under max */
	uint64_t errors;	    /* ICMP errors seen */
	uint64_t now_us;	    /* newest timestamp seen */
	struct ct_flow_pair *pairs; /* CT_FLOWS_PAIR_SLOTS, direct-mapped */
};

/* max: entry cap (0: CT_FLOWS_MAX_DEFAULT). 0 or -1 (no memory). */
int ct_flows_init(struct ct_flows *t, size_t max);
void ct_flows_free(struct ct_flows *t);

/* Accounts one decoded packet seen at ts_us on interface iface. Packets
 * without an IP layer (ARP, a VXLAN frame without inner IP) are skipped.
 * 0, or -1 when out of memory (the packet is not counted). */
int ct_flows_add(struct ct_flows *t, const struct ct_pkt *p, uint64_t ts_us, uint16_t iface);

/* One flow across its interfaces, oriented by its first packet: index 0 is
 * src -> dst (the initiator's direction), 1 the reply. */
struct ct_flow_sum {
	struct ct_ip src, dst;
	uint16_t sport, dport;
	uint8_t proto;
	bool has_vni;
	uint32_t vni;
	uint64_t packets[2], bytes[2]; /* per direction, the most one interface saw */
	uint64_t first_us, last_us;
	/* per direction: an encapsulated sighting (from the entry that saw most) */
	uint8_t encap[2]; /* enum ct_encap, CT_ENCAP_NONE when never */
	struct ct_ip outer_src[2], outer_dst[2];
	uint16_t outer_sport[2], outer_dport[2];
	bool one_way;	  /* only one direction seen, with two packets or more or for 1 s */
	bool asymmetric;  /* on one interface, one direction encapsulated and the other plain */
	const char *note; /* why one_way/asymmetric matters (static), NULL when neither */
	int n_err;	  /* ICMP errors attached, distinct kinds, most recent first */
	struct ct_flow_err err[CT_FLOW_ERR_KINDS];
	bool err_tunnel[CT_FLOW_ERR_KINDS];	 /* it quoted the outer (tunnel) header */
	const char *err_note[CT_FLOW_ERR_KINDS]; /* static, NULL when nothing to add */
	int err_pair; /* errors came from t->pairs[err_pair]; -1 otherwise */
	uint8_t fwd;  /* canonical index of direction 0 (entries' d[fwd] is src->dst) */
	uint32_t ent[CT_FLOW_SUM_IFACES]; /* entries (indexes into t->e), one per interface */
	int n_ent;
	int n_ifaces; /* all interfaces, also those beyond CT_FLOW_SUM_IFACES */
};

/* Every flow of the table ranked by bytes (both directions), largest first;
 * build each one's summary with ct_flow_summary. */
struct ct_flow_rank {
	uint64_t bytes;
	uint32_t head; /* the flow's first entry (index into t->e) */
};

struct ct_flows_view {
	struct ct_flow_rank *v;
	size_t n; /* flows */
	uint64_t one_way, asymmetric, with_errors;
	/* tunnel-level errors (t->pairs) that no flow matched: they quote traffic not
	 * seen (filtered out, on another interface, or evicted) */
	uint8_t pair_used[CT_FLOWS_PAIR_SLOTS / 8];
	size_t orphans; /* error kinds in those */
};

/* Whether pair slot i holds errors that no flow of the view matched. */
bool ct_flows_view_orphan(const struct ct_flows *t, const struct ct_flows_view *v, size_t i);

/* Ranks the flows as of now_us (for one-way's age). 0 or -1 (no memory). The
 * view is valid until the table changes. */
int ct_flows_rank(const struct ct_flows *t, uint64_t now_us, struct ct_flows_view *out);
void ct_flows_view_free(struct ct_flows_view *v);
/* The summary of the flow whose first entry is head. */
void ct_flow_summary(const struct ct_flows *t, uint32_t head, uint64_t now_us,
		     struct ct_flow_sum *s);

/* What an ICMP error means for Calico traffic (static), or NULL. quoted_proto is
 * the protocol of the quoted header; tunnel: it quoted an encapsulating header. */
const char *ct_flow_err_note(bool v6, uint8_t type, uint8_t code, uint8_t quoted_proto,
			     bool tunnel);
/* Whether this ICMP/ICMPv6 type is an error that quotes a packet. */
bool ct_icmp_is_error(bool v6, uint8_t type);

#endif
