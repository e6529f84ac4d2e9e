/* SPDX-License-Identifier: MIT */
/*
 * The frame of `caltrace top`: from the model, two sets of counters (the
 * previous tick's and this one's), BIRD's answer, the policy drop counters,
 * the SNMP counters and the findings, the panes as data (a header, workloads,
 * tunnels, BGP peers, neighbour tables, drops by reason, findings, events).
 * text (`top -b`), JSON (`top -b -j`) and the curses dashboard draw the same
 * rows through render/views_top.c. Pure: no I/O, no printing.
 *
 * Rates: counters are the kernel's 64-bit link counters; a delta is taken
 * modulo 2^64 (a counter that wrapped gives the right small delta), over the
 * time between the two reads. An interface without a previous read (new, or
 * the first tick) has no rate (null), one that is gone has no row. RX on a
 * caliX interface is what the pod sent, TX what it received.
 */
#ifndef CT_ANALYSIS_TOP_H
#define CT_ANALYSIS_TOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analysis/analysis.h"
#include "analysis/flows.h"
#include "analysis/findings.h"
#include "model/bgp.h"
#include "model/model.h"
#include "model/nstat.h"

#define CT_TOP_EVENTS 200 /* the events list keeps the last ones */

/* One read of the link counters of a namespace (RTM_GETSTATS), sorted by ifindex. */
struct ct_top_ctr {
	int ifindex;
	struct ct_stats s;
};
struct ct_top_ctrs {
	int64_t at_ms; /* when read (monotonic milliseconds); 0: never */
	struct ct_top_ctr *v;
	size_t n, cap;
};
void ct_top_ctrs_init(struct ct_top_ctrs *c);
void ct_top_ctrs_free(struct ct_top_ctrs *c);
/* Sorts by ifindex (after filling v in any order). */
void ct_top_ctrs_sort(struct ct_top_ctrs *c);
/* The counters of ifindex, or NULL. */
const struct ct_stats *ct_top_ctrs_get(const struct ct_top_ctrs *c, int ifindex);

/* Rates between two reads: per second; known false when a read is missing or
 * dt is not positive. */
struct ct_top_rate {
	bool known;
	double rx_pps, tx_pps, rx_bps, tx_bps; /* bits per second */
	uint64_t errors, dropped;	       /* in the interval, rx + tx */
};
void ct_top_rate(const struct ct_stats *prev, const struct ct_stats *cur, int64_t dt_ms,
		 struct ct_top_rate *r);

/* A time-stamped event (interface added or removed, route withdrawn, BGP state
 * change, resync). */
struct ct_top_event {
	int64_t at; /* unix milliseconds */
	char
	    kind[16]; /* "link_added", "link_removed", "route_withdrawn", "bgp", "resync", "note" */
	char text[224];
};

/* Felix's policy drop counter of one workload interface. */
struct ct_top_poldrop {
	char iface[CT_IFNAMSIZ];
	uint64_t dropped;
};

/* The drop counters (ct_top_drop_counters' order) of one pod namespace, as the engine read
 * them on the last two ticks. */
#define CT_TOP_DROPS_MAX 16
struct ct_top_nsdrops {
	char netns[CT_PATH_LEN]; /* the namespace's name in the model */
	bool known;		 /* false: not read, note says why */
	char note[160];
	int64_t v[CT_TOP_DROPS_MAX], pv[CT_TOP_DROPS_MAX]; /* this read, the one before */
	uint32_t have, phave;				   /* bit i: v[i] / pv[i] read */
	int64_t dt_ms;					   /* between the two reads */
};

struct ct_top_input {
	const struct ct_node *n;
	const struct ct_netns *ns; /* the node namespace */
	const struct ct_prefixes *pfx;
	const struct ct_top_ctrs *prev, *cur; /* NULL: none (no rates) */
	bool stats_ok;
	const char *stats_note;			       /* counters could not be read: why */
	const struct ct_nstat *nstat_prev, *nstat_cur; /* NULL: none */
	int64_t nstat_dt_ms;
	const char *nstat_note;		  /* "" or why the SNMP counters are unknown */
	/* the pod namespaces' drop counters: a row per non-zero counter (a pod namespace
	 * whose counters are all zero has none), one `?` row for a namespace not read */
	const struct ct_top_nsdrops *podns;
	size_t npodns;
	const struct ct_bgp *bgp;	  /* BIRD's last answer, NULL none */
	const char *bird_error;		  /* why BIRD could not be asked, "" */
	bool bird_pending;		  /* not asked yet */
	const struct ct_top_poldrop *pol; /* policy drops, NULL: unknown */
	size_t npol;
	const char *pol_note;		    /* why unknown, "" */
	const struct ct_findings *findings; /* the live doctor's (not owned) */
	const struct ct_top_event *events;  /* oldest first */
	size_t nevents;
	int64_t now;	  /* unix milliseconds */
	int64_t model_at; /* when the model was last known current */
	unsigned resyncs;
	bool stale;	       /* events lost, no resync yet */
	const char *live_note; /* the header's message ("" none) */
	const char *source;    /* "live" or the snapshot */
	unsigned ticks;
	/* --flows: the top flows, ranked by bytes (NULL and 0 without --flows) */
	const struct ct_flow_sum *flows;
	size_t nflows, flows_total;
	bool flows_on;
	const char *flows_note; /* why the flows are unknown, "" */
};

struct ct_top_wl {
	const struct ct_workload *w;
	char pod[2 * CT_NAME_LEN + 2]; /* "ns/name", "" unknown */
	struct ct_top_rate r;	       /* rx: from the pod, tx: to the pod */
	bool have_ctr;
	struct ct_stats total; /* the counters as read */
	bool pol_known;
	uint64_t pol_dropped;
};

struct ct_top_tun {
	const struct ct_tunnel *t;
	struct ct_top_rate r;
	bool have_ctr;
	struct ct_stats total;
};

struct ct_top_peer {
	const struct ct_bgp_peer *p;
	bool established;
	char cause[192]; /* why not Established, "" when it is */
};

struct ct_top_ntbl {
	const struct ct_neightbl *t;
	unsigned reachable, stale, failed, incomplete, permanent, other;
	uint32_t gc;  /* entries the collector can take */
	int pressure; /* -1 none, CT_SEV_WARN, CT_SEV_FAIL */
};

struct ct_top_drop {
	const char *netns;
	bool unknown; /* a pod namespace not read: counter "?", reason says why */
	const char *counter; /* the kernel's name ("TcpExtIPReversePathFilter") */
	const char *reason;  /* what it means ("reverse path filter") */
	int64_t value;
	bool rate_known;
	double per_s;
};

struct ct_top_header {
	const char *node, *netns, *source, *mode;
	const char *bird;      /* "up", "down", "?" (not asked yet) */
	const char *bird_note; /* BIRD's error when down */
	size_t workloads, tunnels, peers, peers_up, routes, neighs;
	size_t fail, warn, info; /* findings by severity */
	double age_s;		 /* the model's age */
	unsigned resyncs;
	bool stale;
	const char *note; /* resync message, "" */
	unsigned tick;
	int64_t at; /* unix milliseconds of the frame */
};

struct ct_top_frame {
	struct ct_top_header h;
	const struct ct_node *n; /* what the frame was built from */
	const struct ct_netns *ns;
	const struct ct_prefixes *pfx;
	struct ct_workload *wl_src; /* owned (ct_workloads) */
	struct ct_top_wl *wl;
	size_t nwl;
	struct ct_tunnels tunnels; /* owned */
	struct ct_top_tun *tun;
	size_t ntun;
	struct ct_top_peer *peers;
	size_t npeers;
	struct ct_top_ntbl *ntbl;
	size_t nntbl;
	struct ct_top_drop *drops;
	size_t ndrops;
	const struct ct_findings *findings;
	const struct ct_top_event *events;
	size_t nevents;
	const char *stats_note, *nstat_note, *pol_note, *flows_note;
	const struct ct_flow_sum *flows; /* --flows: the top ones (the engine's) */
	size_t nflows, flows_total;
	bool flows_on;
	/* a filter for panes (the dashboard's '/'): rows whose name holds it */
	char filter[64];
};

/* Builds the frame (in->n and what it points to must outlive it). 0 or -1 (memory). */
int ct_top_frame_build(const struct ct_top_input *in, struct ct_top_frame *fr);
void ct_top_frame_free(struct ct_top_frame *fr);

/* The live doctor: every node check over the model (n->bgp as it is). */
int ct_top_findings(const struct ct_node *n, const struct ct_netns *ns,
		    const struct ct_prefixes *pfx, struct ct_findings *f);
/* Exit status of a frame as doctor's: 1 with a warn or fail finding, else 0. */
int ct_top_exit(const struct ct_top_frame *fr);

/* The cause of a BGP peer that is not Established, as the user should read it
 * (BIRD's last error, else its state and info). Returns false when it is. */
bool ct_top_peer_cause(const struct ct_bgp_peer *p, char *buf, size_t len);

/* The SNMP counters shown as drops, with their meaning (NULL-terminated pairs). */
extern const char *const ct_top_drop_counters[][2];

#endif
