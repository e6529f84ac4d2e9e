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
 * Memory is bounded and flat. An entry is 96 bytes of fixed size: the key,
 * the interface, per direction 32-bit packet and byte counters (64-bit ones in
 * a side table, t->wide, once they would overflow), the entry's first and last
 * packet time, and small indexes into side tables for what is rare or shared:
 * the ICMP error attached (t->errs), and per direction the outer pair of the
 * last encapsulated packet (t->outers, shared by every entry that crosses the
 * same two nodes, reference-counted). Entries live in one array in creation
 * order (room for the cap, max entries, reserved at once and touched as it
 * fills; grown by doubling when that reservation fails), found through an
 * open-addressing index (linear probing, a 32-bit hash tag per slot, load at
 * most 1/2, sized for min(max, the default cap) at once and doubled beyond)
 * whose hash leaves out the VNI and the interface, so the entries of one
 * 5-tuple sit in one probe run. An entry and its share of the index take about
 * 112 bytes; nothing is allocated per packet once the arrays have grown. The
 * side tables live and die with their entries, so all of it stays flat once
 * the table is full, however many distinct flows come after.
 *
 * Eviction, when a new entry would pass the cap: the clock hand looks at the
 * CT_FLOWS_EVICT_WINDOW entries from its position in the array (wrapping
 * around), evicts the one seen least recently (a packet or an ICMP error; the
 * first on a tie), and moves just past it. A new entry takes the freed place,
 * so the hand sweeps the table oldest first: with one packet per flow exactly
 * the most recent max flows are kept, and an entry seen more recently than
 * the others of its window is passed over (a flow that keeps talking stays).
 * The evicted count is reported ("evicted" in JSON).
 *
 * Multicast and broadcast: a flow to an IPv4 multicast address (224.0.0.0/4),
 * the limited broadcast 255.255.255.255 or an IPv6 multicast address
 * (ff00::/8) never gets a reply, by nature: it is never one-way, and a view
 * counts such flows and their packets apart. A subnet's directed broadcast
 * (10.0.0.255 in 10.0.0.0/24) is not known from packets alone and counts as
 * unicast. Frames without IP sent to a link-layer group address (ARP
 * requests, LLDP, STP: an Ethernet destination with the group bit, or a Linux
 * cooked capture's broadcast or multicast packet type) make no flow and are
 * only counted (t->l2_group).
 */
#ifndef CT_FLOWS_H
#define CT_FLOWS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/model.h"
#include "model/pkt.h"

#define CT_FLOWS_MAX_DEFAULT (1u << 18) /* entries (sniff --max-flows): about 28 MB at most */
#define CT_FLOWS_MAX_LIMIT   (1u << 24) /* the largest cap accepted: about 1.8 GB */
#define CT_FLOWS_EVICT_WINDOW 8		/* entries the clock hand compares */
#define CT_FLOWS_PAIR_SLOTS  4096	/* tunnel-level ICMP errors */
#define CT_FLOW_SUM_IFACES   8		/* interfaces listed per flow summary */
#define CT_FLOW_ERR_KINDS    2		/* distinct ICMP errors kept per tunnel pair and flow */

/* Canonical key: (a, aport) sorts before (b, bport). The 5-tuple is every byte
 * before has_vni (unused address bytes are zero). */
struct ct_flow_key {
	struct ct_ip a, b;
	uint16_t aport, bport; /* TCP/UDP ports; ICMP echo: the identifier on both */
	uint8_t proto;
	bool has_vni;
	uint32_t vni;
};

enum { CT_FLOW_SEEN_ENCAP = 1, CT_FLOW_SEEN_PLAIN = 2 };

/* One direction of an entry, as ct_flow_ent_dir expands it for a report. */
struct ct_flow_dir {
	uint64_t packets, bytes; /* bytes: the innermost IP packet's length */
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

/* One (flow, interface) entry: fixed size, see above. */
struct ct_flow {
	struct ct_flow_key key;
	uint16_t iface;
	uint8_t flags;		 /* CT_FLOW_F_* */
	uint8_t seen;		 /* CT_FLOW_SEEN_* of direction 0 in bits 0-1, direction 1 in 2-3 */
	uint32_t err;		 /* index + 1 into t->errs, 0: none */
	uint32_t outer[2];	 /* per direction: index + 1 into t->outers, 0: never encapsulated */
	uint16_t outer_sport[2]; /* per direction: VXLAN's outer UDP source port */
	uint64_t first_us;	 /* first packet, either direction */
	uint64_t last_us;	 /* last packet, either direction */
	/* per direction; once one would pass 2^32 - 1 (CT_FLOW_F_WIDE), all four move
	 * to t->wide and packets[0] holds the index + 1 there */
	uint32_t packets[2], bytes[2];
};

/* An entry's counters past 32 bits. */
struct ct_flow_wide {
	uint64_t packets[2], bytes[2]; /* packets[0]: the free list (index + 1) when free */
};

enum {
	CT_FLOW_F_INIT_DIR = 1, /* the first packet went b -> a */
	CT_FLOW_F_USED = 2,
	CT_FLOW_F_MULTI = 4, /* another entry had the same 5-tuple (another interface or VNI) */
	CT_FLOW_F_WIDE = 8,  /* the counters are in t->wide */
};

/* An outer pair, shared by the entries that saw it. */
struct ct_flow_outer {
	struct ct_ip src, dst;
	uint16_t dport; /* VXLAN's outer UDP destination port, 0 otherwise */
	uint8_t encap;	/* enum ct_encap */
	uint32_t refs;	/* directions of entries that point here; 0: free (next: the free list) */
	uint32_t next;
};

struct ct_flow_errslot {
	struct ct_flow_err e;
	uint32_t next; /* free list: index + 1 */
};

/* An index slot: idx entry index + 1 (0: empty), tag the hash's low 32 bits. */
struct ct_flow_slot {
	uint32_t idx, tag;
};

struct ct_flow_pair {
	bool used;
	struct ct_ip src, dst;			   /* the quoted (outer) header's pair */
	struct ct_flow_err err[CT_FLOW_ERR_KINDS]; /* one per kind (type, code); count 0: empty */
};

/* A packet queued for accounting (see ct_flows_add). */
struct ct_flow_pend {
	struct ct_flow_key key;
	uint32_t tag;
	uint16_t iface;
	uint8_t dir;   /* 0: key's a -> b */
	uint8_t encap; /* enum ct_encap */
	bool vx;       /* VXLAN with its outer UDP header */
	uint16_t osport, odport;
	uint32_t len;
	uint64_t ts_us;
	struct ct_ip osrc, odst; /* outer pair, normalized */
};

#ifndef CT_FLOWS_PIPE
#define CT_FLOWS_PIPE 8 /* packets queued while their index slot is prefetched */
#endif

struct ct_flows {
	struct ct_flow *e;
	size_t n_alloc; /* entries allocated (grows to max) */
	size_t top;	/* entries [0, top) were handed out at least once */
	size_t used;
	uint32_t free_head; /* index + 1 */
	struct ct_flow_slot *slot;
	size_t nslot; /* power of two, at least twice used */
	size_t max;
	size_t hand;		    /* eviction: the clock hand */
	uint64_t evicted;	    /* entries evicted to stay under max */
	uint64_t errors;	    /* ICMP errors seen */
	uint64_t now_us;	    /* newest timestamp seen */
	uint64_t l2_group;	    /* frames without IP to a link-layer broadcast/multicast */
	struct ct_flow_pair *pairs; /* CT_FLOWS_PAIR_SLOTS, direct-mapped */
	size_t pairs_used;	    /* pair slots ever used */
	/* side tables */
	struct ct_flow_errslot *errs;
	size_t n_errs, top_errs;
	uint32_t errs_free;
	struct ct_flow_outer *outers;
	size_t n_outers, top_outers;
	uint32_t outers_free;
	struct ct_flow_slot *oslot;
	size_t n_oslot, outers_used;
	struct ct_flow_wide *wide;
	size_t n_wide, top_wide;
	uint32_t wide_free;
	/* the packets not accounted yet, oldest at pend_head */
	struct ct_flow_pend pend[CT_FLOWS_PIPE];
	unsigned pend_head, pend_n;
};

/* max: entry cap (0: CT_FLOWS_MAX_DEFAULT; above CT_FLOWS_MAX_LIMIT: the limit).
 * 0 or -1 (no memory). */
int ct_flows_init(struct ct_flows *t, size_t max);
void ct_flows_free(struct ct_flows *t);

/* Accounts one decoded packet seen at ts_us on interface iface. Packets
 * without an IP layer (ARP, a VXLAN frame without inner IP) are skipped.
 * Packets are queued CT_FLOWS_PIPE deep and accounted in order (the queue hides
 * the index's cache misses); ct_flows_flush, the rank functions and an ICMP
 * error empty it, so read the table only after one of them.
 * 0, or -1 when out of memory (a packet, this one or a queued one, is not
 * counted). */
int ct_flows_add(struct ct_flows *t, const struct ct_pkt *p, uint64_t ts_us, uint16_t iface);
/* Accounts every queued packet. 0 or -1 (no memory: some were not counted). */
int ct_flows_flush(struct ct_flows *t);

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
	bool multicast;	  /* to a multicast or broadcast address: never one_way */
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

/* Every flow of the table ranked by bytes (both directions), largest first, then
 * by head (the flow's most recently created entry) ascending; build each one's
 * summary with ct_flow_summary. */
struct ct_flow_rank {
	uint64_t bytes;
	uint32_t head; /* the flow's most recently created entry (index into t->e) */
};

struct ct_flows_view {
	struct ct_flow_rank *v; /* the first n_v flows in rank order */
	size_t n;		/* flows */
	size_t n_v;		/* n, or fewer when ranked with a limit */
	uint64_t one_way, asymmetric, with_errors;
	/* flows to a multicast or broadcast address (never one-way), and their packets (per
	 * direction the most any one interface saw, as in a summary) */
	uint64_t multicast, multicast_packets;
	/* tunnel-level errors (t->pairs) that no flow matched: they quote traffic not
	 * seen (filtered out, on another interface, or evicted) */
	uint8_t pair_used[CT_FLOWS_PAIR_SLOTS / 8];
	size_t orphans; /* error kinds in those */
};

/* Whether pair slot i holds errors that no flow of the view matched. */
bool ct_flows_view_orphan(const struct ct_flows *t, const struct ct_flows_view *v, size_t i);

/* Ranks the flows as of now_us (for one-way's age), after ct_flows_flush. 0 or
 * -1 (no memory). The view is valid until the table changes. */
int ct_flows_rank(struct ct_flows *t, uint64_t now_us, struct ct_flows_view *out);
/* The same, keeping only the first limit flows in v (0: all); n and the counts
 * still cover every flow. */
int ct_flows_rank_top(struct ct_flows *t, uint64_t now_us, size_t limit,
		      struct ct_flows_view *out);
void ct_flows_view_free(struct ct_flows_view *v);
/* The summary of the flow whose first entry is head. */
void ct_flow_summary(const struct ct_flows *t, uint32_t head, uint64_t now_us,
		     struct ct_flow_sum *s);
/* Direction dir (0: the key's a -> b) of entry ent, expanded. */
void ct_flow_ent_dir(const struct ct_flows *t, uint32_t ent, int dir, struct ct_flow_dir *out);

/* What an ICMP error means for Calico traffic (static), or NULL. quoted_proto is
 * the protocol of the quoted header; tunnel: it quoted an encapsulating header. */
const char *ct_flow_err_note(bool v6, uint8_t type, uint8_t code, uint8_t quoted_proto,
			     bool tunnel);
/* Whether a is a multicast or broadcast destination: 224.0.0.0/4,
 * 255.255.255.255, ff00::/8. */
bool ct_flow_ip_group(const struct ct_ip *a);
/* Whether the flow's key has such an address at either end. */
bool ct_flow_key_group(const struct ct_flow_key *k);

/* Whether this ICMP/ICMPv6 type is an error that quotes a packet. */
bool ct_icmp_is_error(bool v6, uint8_t type);

#endif
