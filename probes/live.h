/* SPDX-License-Identifier: MIT */
/*
 * A node model kept current: a full gather (probes/gather.c), then the node's
 * rtnetlink events (probes/events.c) decoded with ct_rtnl_decode and applied
 * with ct_netns_apply to the namespace they came from (the node's, or a pod's
 * by its nsid). The event socket is opened before the gather, so nothing that
 * happens during the dump is missed: events queued meanwhile are applied on
 * top, and each carries the whole object, so the model converges.
 *
 * Loss: when the kernel drops events (ENOBUFS, or a datagram too large), the
 * model is marked stale and a fresh gather replaces it (a resync); the resync
 * counter goes up and ct_live_message() holds what to tell the user. A new pod
 * namespace (an nsid the model does not know, on a new veth) makes a rescan:
 * a full gather as well, but no loss.
 *
 * Fields the kernel never announces are re-read by ct_live_poll() and carry
 * the time of that read (doc/DESIGN-NOTES.md lists which source owns which
 * field). I/O only; no printing.
 */
#ifndef CT_PROBES_LIVE_H
#define CT_PROBES_LIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/err.h"
#include "model/model.h"
#include "model/rtnl.h"
#include "probes/events.h"
#include "probes/gather.h"

#define CT_LIVE_LOST_MSG "events were lost; resynced from a full dump"

struct ct_live_opts {
	const char *netns_spec; /* the node namespace as -n takes it; NULL: the current one */
	const struct ct_prefixes *prefixes; /* NULL: "cali" */
	const char *proc_root;  /* NULL: "/proc" */
	int rcvbuf;             /* event socket receive buffer in bytes; 0: CT_EV_RCVBUF_DEFAULT */
	bool no_pods;           /* the node namespace only */
	/* a test hook: called with each decoded message before it is applied; returning
	 * true drops it (the proof test drops one on purpose to show it can fail) */
	bool (*drop)(const struct ct_rtnl_msg *m, int ns_index, void *arg);
	void *drop_arg;
};

/* When each polled field was last read: unix milliseconds, 0 never. */
struct ct_live_ages {
	int64_t stats_at;     /* link counters */
	int64_t sysctl_at;    /* route_localnet and the other IPv4 devconf values */
	int64_t parms_at;     /* proxy_delay (neighbour-table per-device parameters) */
	int64_t neightbl_at;  /* gc_thresh1/2/3, entries */
	int64_t conntrack_at; /* nf_conntrack_count / max */
	int64_t gwcheck_at;   /* the kernel's forwarding decision per workload link */
};

struct ct_live {
	struct ct_node node; /* the model; ns.v[0] is the node namespace */
	struct ct_ev_src ev;
	struct ct_live_opts o;
	struct ct_prefixes pfx;
	char spec[CT_PATH_LEN]; /* copy of o.netns_spec */
	int nodefd;             /* the node namespace, -1: the current one */
	bool stale;             /* events were lost and no resync has succeeded yet */
	bool rescan;            /* a new namespace appeared: gather again after this read */
	unsigned resyncs;       /* full gathers after a loss */
	unsigned rescans;       /* full gathers after a new pod namespace */
	uint64_t applied, skipped, dropped, malformed, failed; /* messages */
	struct ct_live_ages ages;
	char msg[256];          /* for the user, "" when nothing new; ct_live_message */
	/* nsids a rescan could not map to a namespace: not rescanned for again */
	int unmapped[16];
	unsigned n_unmapped;
	int rescan_nsid; /* the nsid that asked for the rescan in progress */
};

/* Opens the event source in the node namespace, gathers the node (and its
 * pod namespaces), watches the pods, applies what arrived meanwhile. 0, or -1
 * with err set. */
int ct_live_open(struct ct_live *lv, const struct ct_live_opts *o, struct ct_err *err);
void ct_live_close(struct ct_live *lv);

/* The fd to poll() for POLLIN beside capture and BIRD fds. */
int ct_live_fd(const struct ct_live *lv);

/* Reads and applies every queued event without blocking; resyncs on loss and
 * rescans for a new pod namespace. Returns the number of messages applied, or
 * -1 with err set (the model is then stale, and a later step tries again). */
int ct_live_step(struct ct_live *lv, struct ct_err *err);

/* A full gather replacing the model (also after a loss). 0 or -1 with err. */
int ct_live_resync(struct ct_live *lv, struct ct_err *err);

/* Re-reads the fields no event announces (link counters, IPv4 devconf values,
 * proxy_delay, neighbour tables, conntrack counts) and stamps their ages.
 * 0 or -1 with err. */
int ct_live_poll(struct ct_live *lv, struct ct_err *err);

/* What the user must be told since the last call (e.g. CT_LIVE_LOST_MSG):
 * copies it into buf and returns true, once; false when there is nothing. */
bool ct_live_message(struct ct_live *lv, char *buf, size_t len);

/* What ct_live_open and ct_live_resync gather (a fresh dump to compare with
 * uses the same). */
void ct_live_gather_opts(const struct ct_live *lv, struct ct_gather_opts *g);

#endif
