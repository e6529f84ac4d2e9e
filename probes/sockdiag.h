/* SPDX-License-Identifier: MIT */
/*
 * The kernel's own view of BGP: TCP sockets with local or remote port 179 in
 * the current network namespace, over NETLINK_SOCK_DIAG (what `ss` uses). No
 * privileges needed. I/O only.
 */
#ifndef CT_PROBES_SOCKDIAG_H
#define CT_PROBES_SOCKDIAG_H

#include "model/bgp.h"
#include "model/err.h"

/* How long to wait for each answer of the kernel. */
#define CT_SOCKDIAG_TIMEOUT_S 2

/* Replaces b->sessions with the TCP sockets (IPv4 and IPv6, every state) whose
 * local or remote port is 179, sorted by local address and port, then remote;
 * states are named as ss names them, ESTAB spelt ESTABLISHED and UNCONN CLOSE.
 * IPv4-mapped IPv6 addresses are given as IPv4. Sets b->have_sessions.
 * 0, or -1 with err set (exit CT_EXIT_GATHER) and b unchanged. */
int ct_tcp179_dump(struct ct_bgp *b, struct ct_err *err);

/* The name of TCP state st (TCP_ESTABLISHED...), "UNKNOWN" for others. */
const char *ct_tcp_state_name(unsigned st);

#endif
