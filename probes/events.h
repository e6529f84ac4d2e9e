/* SPDX-License-Identifier: MIT */
/*
 * The rtnetlink event source of one node: a non-blocking NETLINK_ROUTE socket
 * opened in the node's namespace, subscribed to link, IPv4/IPv6 address, route
 * and rule, neighbour (FDB entries too: family AF_BRIDGE), IPv4/IPv6 netconf and
 * nsid groups, with NETLINK_LISTEN_ALL_NSID so it also hears every namespace
 * the node namespace has an id for (as `ip monitor all-nsid`).
 *
 * Kernel facts this relies on:
 * - With NETLINK_LISTEN_ALL_NSID a message from another namespace carries that
 *   namespace's id (as the node namespace numbers it) in a SOL_NETLINK control
 *   message; libnl's nl_recv() drops control messages, so this reads with its
 *   own recvmsg() and a control buffer reset before every call. A message of
 *   the node namespace itself carries none (or the node's id for itself, when
 *   one was assigned). Namespaces without an id are never heard.
 * - Notifications carry no usable sequence number. The only sign of loss is
 *   ENOBUFS from recvmsg() once the receive queue overflowed (NETLINK_NO_ENOBUFS
 *   stays off): the reader must then resync from full dumps. The socket stays
 *   usable and later events keep coming.
 * - RTM_NEWNSID in the node namespace comes before the first message tagged
 *   with the new id, so a watched namespace that had no id is resolved (with
 *   RTM_GETNSID on its fd) when its id appears.
 * - Changing a per-device sysctl sends RTM_NEWNETCONF only for forwarding,
 *   rp_filter, proxy_arp, mc_forwarding and ignore_routes_with_linkdown;
 *   route_localnet and the neighbour parameters (proxy_delay) change silently.
 *
 * Only messages from watched namespaces (the node's own and the pods the
 * caller registered) reach the handler; the rest are counted and dropped.
 * I/O only: messages are handed on as bytes (decode with model/rtnl.h).
 */
#ifndef CT_PROBES_EVENTS_H
#define CT_PROBES_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/netlink.h>

#include "probes/nl.h"

/* Receive buffer asked for when the caller gives 0. */
#define CT_EV_RCVBUF_DEFAULT (8 * 1024 * 1024)

/* A namespace whose events are kept. */
struct ct_ev_ns {
	int fd;   /* the namespace (owned), -1 for the node namespace itself */
	int nsid; /* its id in the node namespace, -1 while it has none */
	int tag;  /* the caller's name for it (e.g. an index into ct_node.ns) */
};

struct ct_ev_src {
	int fd;            /* the event socket: poll() it for POLLIN */
	struct ct_nl req;  /* a request handle in the node namespace (RTM_GETNSID) */
	int self_nsid;     /* the node namespace's id for itself, normally -1 */
	int rcvbuf;        /* receive buffer the kernel granted (SO_RCVBUF reads it back) */
	bool rcvbuf_forced; /* SO_RCVBUFFORCE was allowed (root); else capped by rmem_max */
	struct ct_ev_ns *ns; /* ns[0] is the node namespace */
	size_t n_ns, cap_ns;
	uint8_t *buf;
	size_t buflen;
	/* counters since open */
	uint64_t datagrams, msgs; /* read from the socket */
	uint64_t kept;            /* handed to the handler */
	uint64_t foreign;         /* from a namespace with an id that is not watched */
	uint64_t overruns;        /* ENOBUFS: events were lost */
	uint64_t truncated;       /* datagrams larger than the buffer (lost too) */
	uint64_t bad;             /* not from the kernel, or malformed */
};

/* One message as it arrived. */
struct ct_ev {
	const struct nlmsghdr *h; /* nlmsg_len checked against the datagram */
	int nsid;                 /* the kernel's tag: -1 for the node namespace */
	int tag;                  /* the watched namespace it came from */
};

/* Returns 0 to go on, or a negative errno to stop reading (ct_ev_read returns it). */
typedef int (*ct_ev_handler)(const struct ct_ev *ev, void *arg);

/* Opens the event source in the namespace behind nsfd (-1: the current one;
 * the calling thread goes there and comes back). node_tag names the node
 * namespace in events. rcvbuf: bytes for the receive buffer, 0 for
 * CT_EV_RCVBUF_DEFAULT; SO_RCVBUFFORCE first, SO_RCVBUF (capped by
 * net.core.rmem_max) when not allowed. Returns 0 or a negative errno. */
int ct_ev_open(struct ct_ev_src *es, int nsfd, int node_tag, int rcvbuf);
void ct_ev_close(struct ct_ev_src *es);

/* Keeps events from the namespace behind nsfd (duplicated; the caller keeps
 * its own fd) under tag. Its id is asked with RTM_GETNSID now, and again when
 * an RTM_NEWNSID event appears while it has none. Returns 0, -EEXIST when tag
 * is already watched, or a negative errno. */
int ct_ev_watch(struct ct_ev_src *es, int nsfd, int tag);
/* Stops keeping events of tag (not the node's own). 0 or -ENOENT. */
int ct_ev_unwatch(struct ct_ev_src *es, int tag);
/* The watched namespace with this id, or NULL. */
const struct ct_ev_ns *ct_ev_by_nsid(const struct ct_ev_src *es, int nsid);

/* Reads what the socket holds now, without blocking, and hands each kept
 * message to fn in arrival order; stops after max datagrams (0: until the
 * queue is empty). Returns the number of messages kept (>= 0), -ENOBUFS when
 * the kernel dropped events since the last read (the counters say how often;
 * the caller must resync, and may read on), -EMSGSIZE when a datagram did not
 * fit (lost as well), fn's negative return, or another negative errno. */
int ct_ev_read(struct ct_ev_src *es, ct_ev_handler fn, void *arg, unsigned max);

/* Discards everything queued now (until the socket would block), ENOBUFS
 * included. Call it after a loss, before the resync's dump: the kernel reports
 * a further overflow only once the queue has been emptied (it stays
 * "congested" until then and drops silently), so a dump taken on a full queue
 * could miss a change that no event will bring. Returns the number of
 * datagrams discarded or a negative errno. */
int ct_ev_flush(struct ct_ev_src *es);

/* The id the node namespace gives the namespace behind fd (RTM_GETNSID), -1
 * when none. 0 or a negative errno. */
int ct_ev_nsid_of(struct ct_ev_src *es, int fd, int *nsid);

/* A name for a message type (RTM_NEWLINK -> "newlink"), "?" when unknown. */
const char *ct_ev_type_name(uint16_t type);

#endif
