/* SPDX-License-Identifier: MIT */
/*
 * Streaming rtnetlink on libnl-3 core: one request at a time, each reply
 * message handed to a callback as it arrives (no nl_cache). Checks sequence
 * numbers, reports NLMSG_ERROR as an errno, notes NLM_F_DUMP_INTR, and never
 * blocks longer than the socket's receive timeout.
 *
 * Internal to probes/: no libnl type leaves this directory.
 */
#ifndef CT_PROBES_NL_H
#define CT_PROBES_NL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>

#include "model/model.h"

#define CT_NL_TIMEOUT_SEC 5

/* Handles one reply message; returns 0, CT_NL_STOP (ends the request early: the
 * socket then holds an unfinished dump and must be closed), or a negative errno
 * (the request then drains the rest of the reply and fails with that errno). */
#define CT_NL_STOP 1
typedef int (*ct_nl_handler)(struct nlmsghdr *h, void *arg);

struct ct_nl {
	struct nl_sock *sk;
	struct nl_cb *cb; /* the socket's callbacks, referenced */
	/* state of the request in flight */
	ct_nl_handler fn;
	void *arg;
	uint32_t seq;
	bool dump;
	bool done;
	bool intr; /* the kernel flagged the dump NLM_F_DUMP_INTR */
	bool stopped; /* a handler returned CT_NL_STOP */
	int kerr;  /* positive errno from NLMSG_ERROR / NLMSG_DONE, 0 none */
	int herr;  /* first negative errno returned by the handler */
	void *rec; /* FILE * that ct_nl_record appends each received message to, or NULL */
	int rec_err; /* first errno writing the recording, 0 none */
};

/* Opens a NETLINK_ROUTE socket in the calling thread's network namespace.
 * Returns 0 or a negative errno. */
int ct_nl_open(struct ct_nl *nl);
/* Opens a NETLINK_ROUTE socket in the network namespace behind nsfd and comes
 * back: the calling thread enters nsfd, opens the socket, and returns to the
 * namespace it was in. The socket stays bound to nsfd's namespace for its whole
 * life, so one process can keep handles to several namespaces and ask them
 * questions without entering them again. nsfd -1: the current namespace.
 * Returns 0 or a negative errno; -ENOTRECOVERABLE when the thread could not
 * return to its namespace (the socket is then closed). */
int ct_nl_open_in(struct ct_nl *nl, int nsfd);
/* Runs open_fn(arg) with the calling thread inside nsfd's namespace and always
 * comes back (same contract as ct_nl_open_in); for sockets other than ct_nl
 * (the event source's). open_fn returns a value >= 0 or a negative errno. */
int ct_nl_call_in(int nsfd, int (*open_fn)(void *arg), void *arg);
void ct_nl_close(struct ct_nl *nl);

/* Dumps (NLM_F_DUMP) message type with the fixed header hdr of hlen bytes.
 * Returns 0 or a negative errno (the kernel's for NLMSG_ERROR); nl->intr
 * tells whether the dump was interrupted. */
int ct_nl_dump(struct ct_nl *nl, int type, const void *hdr, size_t hlen, ct_nl_handler fn,
	       void *arg);

/* Sends msg (consumed, freed) as a single request and waits for its reply
 * (a message or an error). Returns 0, or a negative errno; the kernel's own
 * error is also left in nl->kerr. */
int ct_nl_request(struct ct_nl *nl, struct nl_msg *msg, ct_nl_handler fn, void *arg);

/* Turns kernel-side filtering of dumps by header fields (NETLINK_GET_STRICT_CHK,
 * Linux 4.20+) on or off. Returns 0 or a negative errno. */
int ct_nl_strict(struct ct_nl *nl, bool on);

/* The id the socket's namespace gives the namespace behind fd (RTM_GETNSID),
 * without assigning one: *nsid -1 when there is none, or when fd is not a
 * namespace or is gone. 0, or a negative errno on a transport error. */
int ct_nl_get_nsid(struct ct_nl *nl, int fd, int *nsid);

/* Records every message this handle receives from now on (dump parts, replies,
 * NLMSG_DONE and NLMSG_ERROR), one pcap record each, into f: a pcap file of
 * link type NETLINK (253), whose records start with a 16-byte Linux cooked
 * header (ARPHRD_NETLINK, protocol NETLINK_ROUTE) before the nlmsghdr in host
 * byte order, as tshark's netlink dissector reads them. Writes the pcap file
 * header first when f is at offset 0. f NULL stops recording. Returns 0 or a
 * negative errno; a later write error is kept in nl->rec_err. */
int ct_nl_record(struct ct_nl *nl, FILE *f);

/* Bounds-checked attribute readers: false (and *v untouched) when a is NULL
 * or shorter than the type. */
bool ct_nla_u8(const struct nlattr *a, uint8_t *v);
bool ct_nla_u16(const struct nlattr *a, uint16_t *v);
bool ct_nla_u32(const struct nlattr *a, uint32_t *v);
bool ct_nla_s32(const struct nlattr *a, int32_t *v);
/* An address of family (AF_INET 4 bytes, AF_INET6 16 bytes); family 0 infers
 * it from the length. */
bool ct_nla_ip(const struct nlattr *a, uint8_t family, struct ct_ip *out);
/* Copies a string attribute into dst (always NUL-terminated, truncated). */
void ct_nla_str(const struct nlattr *a, char *dst, size_t size);

#endif
