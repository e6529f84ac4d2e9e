/* SPDX-License-Identifier: MIT */
/*
 * `path --probe`: real packets from inside SRC's network namespace, watched on
 * every hop's interface at once. I/O only.
 *
 *	ct_probe_open(&pb, &o, watches, n, &err);   sockets in SRC's namespace, one capture per
 *	                                            (namespace, interface), a BPF filter each
 *	(read the counters before: ct_probe_read_nstat per namespace)
 *	ct_probe_run(&pb, &res, &err);              send, poll captures and socket, stop at the
 *	                                            reply or after o.wait_s per probe
 *	(read the counters after)
 *	ct_probe_close(&pb);
 *
 * ICMP echo from a raw socket (IPv4): identifier, sequence and an 8-byte nonce
 * at the start of the data, checked in the reply; ICMP errors quoting the
 * probe (frag-needed, unreachable, admin-prohibited) are read from the same
 * socket. ICMPv6 echo (IPv6): a ping socket (SOCK_DGRAM, IPPROTO_ICMPV6) when
 * net.ipv4.ping_group_range lets the caller's group open one in that namespace
 * (the kernel then picks the identifier: it is read back), else a raw ICMPv6
 * socket filtered to echo replies and errors; both hand over the message
 * without its IPv6 header (model/probe_match.h, ct_probe_icmp6_decode). Errors
 * (destination unreachable with its code, packet too big with its MTU) come
 * from the socket itself (raw) and from IPV6_RECVERR. TCP: a non-blocking connect() (the kernel's
 *own SYN, recognised by its 4-tuple and ISN, model/probe_match.h); a SYN-ACK or a RST is the reply.
 * UDP: a datagram whose payload starts with a nonce; a datagram back, or port
 * unreachable from DST itself, is the reply. TCP and UDP errors come from
 * IP_RECVERR. Never SO_MARK. With pmtu_probe, IP_MTU_DISCOVER is
 * IP_PMTUDISC_PROBE: DF set, a cached path MTU ignored; EMSGSIZE is reported.
 * Every wait has a deadline; nothing blocks.
 *
 * The reverse probe: the same probes from DST's namespace to SRC, sent after the forward
 * ones by ct_probe_run_reverse, watched by the same captures (the filter matches both
 * directions); its sockets are opened by ct_probe_open_reverse, before privileges drop.
 */
#ifndef CT_PROBES_PROBE_H
#define CT_PROBES_PROBE_H

#include <stdbool.h>
#include <stdint.h>

#include "model/err.h"
#include "model/model.h"
#include "model/nstat.h"
#include "model/probe_match.h"
#include "probes/capture.h"

#define CT_PROBE_MAX_COUNT 100

/* One interface to watch, and what it saw. */
struct ct_probe_watch {
	char netns[CT_PATH_LEN]; /* as -n takes it, "" the caller's namespace */
	char iface[CT_PATH_LEN];
	int src; /* capture source, -1 could not be opened (err says why) */
	char err[160];
	bool req_seen, rep_seen;
	unsigned req_n, rep_n;
	int64_t req_us, rep_us; /* unix microseconds of the first one */
};

/* Told while probes are in flight (`path --tui`): tick is called after every wait of the
 * loop (at most 50 ms, sooner when fd is readable) with the watches as they stand (req_seen,
 * rep_seen, counts) and the probes sent and answered so far; returning true stops the
 * probes (the result holds what was sent until then). fd: one more descriptor the wait
 * returns for (a terminal's keys), -1 none. */
struct ct_probe_tap {
	bool (*tick)(void *arg, const struct ct_probe_watch *w, size_t nw, unsigned sent,
		     unsigned received);
	void *arg;
	int fd;
};

struct ct_probe_opts {
	const char *src_netns; /* SRC's namespace, as -n takes it; NULL the caller's */
	struct ct_ip src, dst;
	bool reverse;	/* set by ct_probe_open_reverse */
	uint8_t proto;	/* IPPROTO_ICMP (ICMPv6 echo for IPv6: either value), TCP, UDP */
	uint16_t port;	/* TCP, UDP destination port */
	unsigned count; /* 1 .. CT_PROBE_MAX_COUNT */
	double wait_s;	/* per probe; <= 0: 1 s */
	unsigned size;	/* payload bytes (ICMP data, UDP payload); 0: 56 */
	bool pmtu_probe;
	/* called while probes are in flight (NULL: nothing) */
	void (*progress)(void *arg, unsigned sent, unsigned received);
	void *progress_arg;
	const struct ct_probe_tap *tap; /* NULL: nothing */
};

struct ct_probe_result {
	unsigned sent, received;
	int64_t rtt_us; /* smallest, -1 none */
	int send_errno;
	bool icmp; /* an ICMP error quoting a probe arrived */
	uint8_t icmp_type, icmp_code;
	uint16_t icmp_mtu;
	struct ct_ip icmp_from;
};

/* One direction's sockets and what recognises its packets. */
struct ct_probe_side {
	struct ct_ip src, dst;
	int socks[CT_PROBE_MAX_COUNT]; /* ICMP: socks[0] only; TCP, UDP: one per probe */
	unsigned nsocks;
	bool ping6; /* ICMPv6 through a ping socket: the kernel chose key.id */
	struct ct_probe_key key;
	uint64_t nonce;
};

struct ct_probe {
	struct ct_probe_opts o;
	struct ct_cap cap;
	struct ct_probe_side side[2]; /* [0] SRC -> DST, [1] DST -> SRC (o.reverse) */
	int cur;		      /* the side being sent */
	struct ct_probe_watch *w;
	size_t nw;
};

/* Opens what the probes need. 0, or -1 with err (SRC's namespace or socket: CT_EXIT_GATHER;
 * a watch that cannot be opened is not an error: its src is -1 and err says why). */
int ct_probe_open(struct ct_probe *pb, const struct ct_probe_opts *o, struct ct_probe_watch *w,
		  size_t nw, struct ct_err *err);
/* The reverse probe's sockets, in DST's namespace (as -n takes it, NULL the caller's), after
 * ct_probe_open and before privileges drop. 0, or -1 with err (the forward probe is still
 * whole). */
int ct_probe_open_reverse(struct ct_probe *pb, const char *dst_netns, struct ct_err *err);
/* Sends the probes one after the other and watches. 0, or -1 with err. */
int ct_probe_run(struct ct_probe *pb, struct ct_probe_result *r, struct ct_err *err);
/* o.reverse: the same probes from DST to SRC, after ct_probe_run. What the captures saw of
 * them goes to rw[0..nw) (same interfaces as ct_probe_open's watches, copied and cleared
 * here): rw[i].req_seen is the reverse request (DST -> SRC), rep_seen its reply.
 * 0, or -1 with err (no reverse sockets). */
int ct_probe_run_reverse(struct ct_probe *pb, struct ct_probe_watch *rw, struct ct_probe_result *r,
			 struct ct_err *err);
/* --mtu (ICMP only, pmtu_probe set): the largest IP packet, at most hi bytes, for which an
 * echo comes back, by binary search (each size waits for the reply, an ICMP error quoting
 * it or o.wait_s). Captures are not read. *largest 0: not even the smallest came back.
 * 0, or -1 with err. */
int ct_probe_mtu(struct ct_probe *pb, unsigned hi, unsigned *largest, struct ct_err *err);
void ct_probe_close(struct ct_probe *pb);

/* Opens /proc/net/snmp, /proc/net/netstat, /proc/net/dev and /proc/net/stat/nf_conntrack
 * (optional: -1 when absent) inside netns (as -n takes it, NULL the
 * caller's): the files stay bound to that namespace, so they can be read again later
 * without entering it, and after privileges are dropped. fds[0], fds[1]; 0, or -1 with err. */
#define CT_PROBE_NSTAT_FILES 4 /* snmp, netstat, dev, stat/nf_conntrack (when there) */
int ct_probe_nstat_open(const char *netns, int fds[CT_PROBE_NSTAT_FILES], struct ct_err *err);
/* Reads the files from their start into s (emptied first): model/nstat.h's names, the
 * drop and error counters of the interfaces ifaces[0..n) and conntrack's (when its file
 * could be opened). 0, or -1 with err. */
int ct_probe_nstat_read(const int fds[CT_PROBE_NSTAT_FILES], const char *const *ifaces, size_t n,
			struct ct_nstat *s, struct ct_err *err);
void ct_probe_nstat_close(int fds[CT_PROBE_NSTAT_FILES]);

#endif
