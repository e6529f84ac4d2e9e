/* SPDX-License-Identifier: MIT */
/*
 * The engine of `caltrace top`: everything the dashboard shows, gathered
 * without ever blocking the loop. I/O only; no printing.
 *
 * - the model: ct_live (netlink events applied as they come; ENOBUFS -> a
 *   resync from a full dump, said in the header and the events);
 * - link counters on the refresh tick: one RTM_GETSTATS dump in the node
 *   namespace asking only IFLA_STATS_LINK_64 (not a link dump);
 * - the kernel's SNMP counters of the node namespace on the tick (files
 *   opened once in it: probes/probe.h's nstat files), and the drop counters of
 *   every pod namespace the model knows (files opened once in each when it
 *   appears, up to what RLIMIT_NOFILE allows; the others are shown as `?`),
 *   a new one at once, then each every 5 ticks in turn (a fifth a tick);
 * - the fields no event announces (sysctls, neighbour tables, the kernel's
 *   forwarding decision per workload): ct_live_poll every slow interval (60 s);
 * - BIRD every bird interval (3 s; 15 s while it cannot be reached) and
 *   Felix's policy drop counters every policy interval (the selected
 *   workload's, ct_top_set_focus, on every tick), each in a child process (fork) that writes its answer to a pipe
 *   the loop polls; a child that is not done by its deadline is killed
 *   (SIGKILL) and reported, so a hung BIRD or iptables never freezes the loop;
 * - an events list (interfaces added or removed, routes withdrawn in the node
 *   namespace, BGP state changes, resyncs), each line also appended to
 *   --log FILE (probes/outfile.h) as it happens.
 *
 * The loop: ct_top_fds() for poll(), ct_top_service() with what poll()
 * returned, ct_top_tick() when ct_top_due() says so (or at once on the first
 * call), then ct_top_frame() for the pure frame (analysis/top.h).
 */
#ifndef CT_PROBES_TOP_H
#define CT_PROBES_TOP_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "analysis/top.h"
#include "model/err.h"
#include "probes/capture.h"
#include "probes/live.h"
#include "probes/nl.h"
#include "probes/outfile.h"
#include "probes/probe.h"

struct ct_top_opts {
	const char *netns_spec; /* -n; NULL: the current namespace */
	const struct ct_prefixes *prefixes;
	const char *proc_root;
	const char *bird_socket;  /* NULL: discovered */
	double timeout_s;	  /* each child's deadline (BIRD, policy) */
	double tick_s;		  /* -d */
	double bird_interval_s;	  /* 0: 3 s */
	double policy_interval_s; /* 0: 10 s */
	double slow_interval_s;	  /* 0: 60 s (ct_live_poll) */
	const char *log_path;	  /* --log, NULL none */
	bool no_policy;		  /* never read the policy counters */
	bool flows;		  /* --flows: capture encapsulated traffic on "any" */
	/* --pods: pods read once at start (names and addresses); joined to the workloads
	 * like links --pods, again after every resync; NULL: none */
	const struct ct_node *pods_from;
};

struct ct_top_child {
	pid_t pid; /* 0: none running */
	int fd;	   /* the pipe's read end, -1 */
	char *buf;
	size_t len, cap;
	int64_t deadline; /* monotonic ms */
	int64_t next;	  /* monotonic ms of the next start */
	unsigned runs, timeouts;
};

/* A pod namespace's SNMP files (probes/probe.h's nstat files, /proc/net/dev closed). */
struct ct_top_podfd {
	int fds[CT_PROBE_NSTAT_FILES];
	bool open;
	bool seen; /* in the model at the last sync */
	uint64_t inode; /* the namespace's inode when opened (the model's), 0 unknown */
	int64_t at; /* monotonic ms of the last read */
};

struct ct_top_src {
	struct ct_top_opts o;
	struct ct_live lv;
	bool live_open;
	struct ct_nl st; /* RTM_GETSTATS in the node namespace */
	bool st_open;
	struct ct_top_ctrs ctr[2];
	int cur; /* ctr[cur] is the latest read, ctr[!cur] the one before */
	char stats_note[200];
	int nstat_fds[CT_PROBE_NSTAT_FILES];
	bool nstat_open;
	struct ct_nstat *nst[2];
	int64_t nst_at[2];
	int ncur; /* nst[ncur] latest */
	bool nst_have[2];
	char nstat_note[200];
	/* the pod namespaces' drop counters: their files opened once in each (when the
	 * namespace first appears), read on the tick; pnd and podfd have npnd entries */
	struct ct_top_nsdrops *pnd;
	struct ct_top_podfd *podfd;
	size_t npnd, pnd_cap;
	size_t pod_budget;	     /* namespaces that may hold files open (RLIMIT_NOFILE) */
	size_t pod_next;	     /* the next one to read in turn */
	struct ct_nstat *pscratch; /* one pod namespace's counters while they are read */
	char *nbuf; /* the /proc files' text */
	size_t nbuf_cap;
	/* BIRD */
	struct ct_top_child bird;
	struct ct_bgp *bgp; /* last answer, NULL: none or BIRD down */
	bool bird_asked;
	char bird_error[512];
	char *bird_last; /* the last answer as the child wrote it */
	size_t bird_last_len;
	/* policy */
	struct ct_top_child pol;
	struct ct_top_poldrop *polv;
	size_t npol;
	bool pol_known;
	char pol_note[256];
	/* the workload selected in the dashboard: its counter is read on every tick (the
	 * others keep the policy interval); "" none */
	char pol_focus[CT_IFNAMSIZ];
	bool pol_focus_run; /* the running policy child reads pol_focus only */
	unsigned pol_focus_reads;
	/* events */
	struct ct_top_event ev[CT_TOP_EVENTS];
	size_t nev;
	struct ct_outfile log;
	bool log_open;
	int log_err; /* errno of a failed log write, 0 */
	/* findings of the live doctor, recomputed when the model or BIRD changed */
	struct ct_findings findings;
	bool dirty;
	bool have_findings;
	int64_t next_findings; /* monotonic ms */
	int64_t model_at;      /* unix ms the model was last current */
	unsigned seen_resyncs;
	char live_note[256];
	int64_t next_tick, next_slow; /* monotonic ms */
	unsigned ticks;
	/* --flows */
	struct ct_cap cap;
	bool cap_open;
	struct ct_flows flows;
	bool flows_init;
	struct ct_decode_opts dopts;
	struct ct_pkt *pkt;
	struct ct_flow_sum *fsum; /* the top flows of the last frame */
	size_t nfsum, fsum_total;
	char flows_note[256];
};

/* Opens the live model and the counter sources. 0, or -1 with err (exit 3:
 * the node cannot be read). */
int ct_top_open(struct ct_top_src *s, const struct ct_top_opts *o, struct ct_err *err);
void ct_top_close(struct ct_top_src *s);

/* The descriptors to poll (events, children's pipes) into pfd (room for
 * CT_TOP_MAXFDS); returns how many. */
#define CT_TOP_MAXFDS 8
size_t ct_top_fds(const struct ct_top_src *s, struct pollfd *pfd);
/* Handles what poll() returned (pfd as ct_top_fds filled it, n entries) and
 * the children's deadlines. 0, or -1 with err (the model is then stale; a later
 * call retries). */
int ct_top_service(struct ct_top_src *s, const struct pollfd *pfd, size_t n, struct ct_err *err);
/* Milliseconds until the next tick or child deadline (0: due now). */
int ct_top_timeout_ms(const struct ct_top_src *s);
/* True when the refresh tick is due. */
bool ct_top_due(const struct ct_top_src *s);
/* The refresh tick: link counters, SNMP counters, the slow poll and the
 * children when they are due. 0 or -1 with err. */
int ct_top_tick(struct ct_top_src *s, struct ct_err *err);

/* The frame of the current state (analysis/top.h); free with ct_top_frame_free. Its
 * findings are the last ones ct_top_update_findings made (the first frame makes them).
 * 0 or -1 (memory). */
int ct_top_frame(struct ct_top_src *s, struct ct_top_frame *fr);
/* Runs the live doctor again when the model or BIRD's answer changed since the last run,
 * and (unless force) when a fifth of the time since then was not spent on it already:
 * on a node with thousands of findings this keeps the latency of a change to the screen
 * (the frame comes first, with the findings before the change). 1 when it ran, 0 when not,
 * -1 (memory). */
int ct_top_update_findings(struct ct_top_src *s, bool force);

/* The workload interface selected in the dashboard (NULL or "": none): while it is set, its
 * policy drop counter is read on every tick, in the same kind of child as the periodic read
 * (never blocking the loop); the other workloads keep --policy-interval. */
void ct_top_set_focus(struct ct_top_src *s, const char *iface);

/* Adds an event (time now) and appends it to the log. */
void ct_top_event(struct ct_top_src *s, const char *kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Monotonic milliseconds. */
int64_t ct_top_mono_ms(void);

#endif
