/* SPDX-License-Identifier: MIT */
/*
 * Packet capture with libpcap: I/O only. One ct_cap holds any number of
 * sources, each a pcap handle on one (network namespace, interface) or one
 * file, so sniff, `path --probe` and the dashboard can watch several
 * namespaces from one poll loop:
 *
 *	ct_cap_init(&cap);
 *	ct_cap_open_live(&cap, "node1", "eth0", &o, &err);   (any number of times)
 *	ct_cap_open_live(&cap, NULL, "any", &o, &err);
 *	ct_cap_set_filter(&cap, "udp port 4789", &err);
 *	ct_cap_drop_privileges(&who, &err);                     (before any packet is read)
 *	loop: ct_cap_pollfds(&cap, fds, n); poll(fds, ...);
 *	      ct_cap_dispatch(&cap, i, max, cb, arg, &err) for each ready source
 *	ct_cap_free(&cap);
 *
 * Live handles are non-blocking, in immediate mode, with a selectable fd;
 * "any" is switched to LINUX_SLL2 so each packet names its interface (an
 * ifindex, turned into a name with ct_cap_ifname through a socket opened in the
 * source's own namespace). A handle stays bound to the namespace it was opened
 * in; the caller's thread is always back in its own namespace on return.
 *
 * Inner filters: a BPF expression compiled by libpcap itself for a raw IP
 * packet (IPIP's inner packet) and for an Ethernet frame (VXLAN's inner
 * frame), run with pcap_offline_filter on the inner bytes.
 */
#ifndef CT_CAPTURE_H
#define CT_CAPTURE_H

#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "model/err.h"
#include "model/model.h"
#include "probes/outfile.h"

#define CT_CAP_SNAPLEN_DEFAULT 262144
#define CT_CAP_TIMEOUT_MS      100 /* pcap_set_timeout: the longest libpcap may hold a packet */
#define CT_CAP_IFNAME_SLOTS    256

struct ct_cap_ifname {
	int ifindex;   /* 0: empty */
	char name[16]; /* IFNAMSIZ, as the kernel gave it (escape before printing) */
};

struct pcap;
struct pcap_dumper;

struct ct_cap_src {
	struct pcap *p;
	int fd;	      /* selectable fd; -1 for a file */
	int linktype; /* DLT_* after activation (LINUX_SLL2 for "any") */
	bool offline;
	bool any; /* the "any" pseudo-interface: the interface comes with each packet */
	char
	    netns[CT_NAME_LEN]; /* display name: "host" for the caller's namespace, "" for a file */
	char iface[CT_PATH_LEN]; /* interface name, or the file name */
	int ifsock;		 /* a socket in the source's namespace, for ifindex -> name; -1 */
	struct ct_cap_ifname ifnames[CT_CAP_IFNAME_SLOTS]; /* cache, direct-mapped by ifindex */
	uint64_t packets;				   /* records handed to the callback */
	bool eof; /* a file read to its end (or ended by an error) */
};

struct ct_cap {
	struct ct_cap_src *src;
	size_t n, cap;
	struct pcap_dumper *dump; /* -w */
	int dump_linktype;
	struct ct_outfile dumpf; /* the -w file under dump (probes/outfile.h) */
};

struct ct_cap_opts {
	int snaplen;   /* 0: CT_CAP_SNAPLEN_DEFAULT */
	bool promisc;  /* default off: Calico's veths and tunnels see their traffic anyway */
	int buffer_kb; /* kernel ring size; 0: 4096 KiB */
};

void ct_cap_init(struct ct_cap *c);
void ct_cap_free(struct ct_cap *c);

/* Opens a live capture on iface ("any" for all) in the namespace named by
 * netns_spec (as -n takes it; NULL: the caller's). Errors: no such interface or
 * namespace, permission (names CAP_NET_RAW) -> CT_EXIT_GATHER. Index of the
 * new source or -1 with err set. */
int ct_cap_open_live(struct ct_cap *c, const char *netns_spec, const char *iface,
		     const struct ct_cap_opts *o, struct ct_err *err);
/* Opens a pcap or pcapng file ("-" for standard input). Index or -1 (CT_EXIT_GATHER). */
int ct_cap_open_file(struct ct_cap *c, const char *path, struct ct_err *err);

/* Compiles expr for each source (its own link type) and installs it. A bad
 * expression is CT_EXIT_USAGE with pcap's message. 0 or -1. */
int ct_cap_set_filter(struct ct_cap *c, const char *expr, struct ct_err *err);

/* One captured record, as the callback sees it (data valid during the call). */
struct ct_cap_rec {
	int64_t sec;
	int32_t usec;
	uint32_t caplen, len;
	const uint8_t *data;
};

/* Opens path ("-": standard output) for writing packets as pcap, with
 * ct_outfile_open's rules: a symbolic link, a directory, a socket or a block
 * device is refused; a FIFO or a character device is written as it is; a new
 * file is created with O_EXCL, an existing regular file truncated. No
 * ownership is changed: to write as another user, drop privileges first
 * (ct_cap_drop_privileges) and open the file then, so that the kernel checks
 * that user's rights. All sources must share one link type. The pcap header
 * is flushed at once, so a file that takes nothing (/dev/full) fails here.
 * 0 or -1 (CT_EXIT_USAGE for mixed link types, CT_EXIT_GATHER when it cannot
 * be written). c must not move while the file is open. */
int ct_cap_dump_open(struct ct_cap *c, const char *path, struct ct_err *err);
/* Appends one record (pcap_dump); nothing once a write has failed. */
void ct_cap_dump(struct ct_cap *c, const struct ct_cap_rec *r);
/* The errno of the first failed write to the -w file; 0 while all is well (or no file). */
int ct_cap_dump_errno(const struct ct_cap *c);
/* Flushes the dump file; -1 with err ("writing 'PATH': REASON") on a write error. */
int ct_cap_dump_flush(struct ct_cap *c, struct ct_err *err);
/* Flushes and closes the dump file, checking every write, the flush and the
 * close. 0 (also without a file), or -1 with err ("writing 'PATH': REASON"). */
int ct_cap_dump_close(struct ct_cap *c, struct ct_err *err);

/* Fills fds[] with the live sources' selectable fds (POLLIN); returns how many
 * (at most max). src_of[k] is the source index of fds[k]. */
size_t ct_cap_pollfds(const struct ct_cap *c, struct pollfd *fds, size_t *src_of, size_t max);

/* Called for each packet with the source index. */
typedef void (*ct_cap_cb)(void *arg, size_t src, const struct ct_cap_rec *r);

/* Reads up to max packets (max <= 0: what is ready) from source i. Returns the
 * number handed to cb (0: none ready, or a file's end: src->eof), or -1 with
 * err (a read error; for a file, "truncated" when its last record is cut off). */
int ct_cap_dispatch(struct ct_cap *c, size_t i, int max, ct_cap_cb cb, void *arg,
		    struct ct_err *err);
/* Makes a dispatch in progress return (from a callback or signal handler). */
void ct_cap_break(struct ct_cap *c);

/* Kernel counters of a live source; false for a file or when pcap has none. */
bool ct_cap_stats(const struct ct_cap *c, size_t i, uint64_t *received, uint64_t *dropped,
		  uint64_t *ifdropped);

/* The name of ifindex in source i's namespace (cached); "" when unknown. */
const char *ct_cap_ifname(struct ct_cap *c, size_t i, int ifindex);

/* ---- time order across sources ----
 *
 * Each source delivers its packets in its own order, and a poll loop reads the
 * sources one after the other: a burst read from one interface would be
 * printed before a packet that another interface saw in the middle of it. The
 * order queue holds copies of the records (libpcap reuses its buffer) in a
 * min-heap by timestamp (then arrival, so equal stamps keep their order) and
 * lets each one go once no record stamped earlier can still come: when the
 * window has passed since its own timestamp, by the wall clock sampled when it
 * was read, and at the latest the window after it was read (a wall clock that
 * steps back holds nothing longer than that). A record that reaches the
 * caller more than the window after an earlier-stamped one went out is handed
 * out as it comes, out of order. Past max_recs records or max_bytes of
 * packet bytes held, the earliest goes out at once (counted in early).
 * Pure bookkeeping: the caller passes the clocks in.
 */
#define CT_CAP_ORDER_WINDOW_US (CT_CAP_TIMEOUT_MS * 1000u)
#define CT_CAP_ORDER_MAX_BYTES (64u << 20)
#define CT_CAP_ORDER_MAX_RECS  (1u << 18)

struct ct_cap_held;

/* A heap slot: the sort key inline, so that sifting does not touch the records. */
struct ct_cap_hslot {
	int64_t ts;   /* us */
	uint64_t seq; /* arrival order, the tie-break */
	struct ct_cap_held *h;
};

struct ct_cap_order {
	struct ct_cap_hslot *heap;
	size_t n, cap;
	uint64_t seq;	    /* the next arrival number */
	uint64_t window_us; /* how long a record may wait for earlier ones */
	size_t bytes;	    /* packet bytes held */
	size_t max_bytes, max_recs;
	struct ct_cap_held *out; /* the record handed out last (freed on the next call) */
	uint64_t early;		 /* records let go before their time because of the caps */
};

/* window_us 0: CT_CAP_ORDER_WINDOW_US; max_bytes, max_recs 0: the defaults above. */
void ct_cap_order_init(struct ct_cap_order *q, uint64_t window_us, size_t max_bytes,
		       size_t max_recs);
void ct_cap_order_free(struct ct_cap_order *q);
/* Holds a copy of r from source src, read at now_mono_us (CLOCK_MONOTONIC) and
 * now_real_us (the wall clock, which the timestamps follow). 0, or -1 when
 * out of memory (the caller then handles r at once). */
int ct_cap_order_push(struct ct_cap_order *q, size_t src, const struct ct_cap_rec *r,
		      uint64_t now_mono_us, uint64_t now_real_us);
/* The earliest held record if it may go at now_mono_us (all: whatever its
 * time, to empty the queue). Its data stay valid until the next call on q.
 * false when nothing may go yet. */
bool ct_cap_order_next(struct ct_cap_order *q, uint64_t now_mono_us, bool all, size_t *src,
		       struct ct_cap_rec *r);
/* Microseconds until the earliest held record may go (0: now), or -1 when
 * nothing is held. */
int64_t ct_cap_order_wait_us(const struct ct_cap_order *q, uint64_t now_mono_us);

/* ---- inner filter ---- */

struct ct_inner_filter;

/* Compiles expr for DLT_RAW and DLT_EN10MB (it must compile for at least one;
 * else CT_EXIT_USAGE with pcap's message). The filter or NULL with err. */
struct ct_inner_filter *ct_inner_compile(const char *expr, int snaplen, struct ct_err *err);
void ct_inner_free(struct ct_inner_filter *f);
/* Runs the filter on the bytes from off on. eth: VXLAN's inner Ethernet frame. */
bool ct_inner_match(const struct ct_inner_filter *f, bool eth, const uint8_t *data, uint32_t caplen,
		    uint32_t len, uint32_t off);

/* ---- privileges ---- */

struct ct_cap_user {
	bool set;
	char name[64];
	uid_t uid;
	gid_t gid;
};

/* Looks USER up (a name or a numeric uid). CT_EXIT_USAGE when unknown. */
int ct_cap_user_lookup(struct ct_cap_user *u, const char *user, struct ct_err *err);
/* Drops what capturing needed once every handle is open: with a user,
 * supplementary groups, gid and uid become the user's; in every case the
 * capability bounding and ambient sets are cleared (when allowed), the
 * permitted, effective and inheritable sets emptied and no_new_privs set.
 * 0 or -1 (CT_EXIT_GATHER). */
int ct_cap_drop_privileges(const struct ct_cap_user *u, struct ct_err *err);

#endif
