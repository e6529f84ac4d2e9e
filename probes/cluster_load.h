/* SPDX-License-Identifier: MIT */
/*
 * Fills the several-node container (model/cluster.h) from live network
 * namespaces and snapshots: the ground of `path --node NAME=NETNS|@FILE`.
 * I/O only; no printing.
 */
#ifndef CT_PROBES_CLUSTER_LOAD_H
#define CT_PROBES_CLUSTER_LOAD_H

#include "model/cluster.h"
#include "model/err.h"

/* Adds node NAME to c from SPEC: "@FILE" (a snapshot taken on that node), or
 * a network namespace as -n takes it (a name, a path or pid:PID; "" for the
 * current one), gathered in full with its pod namespaces. NAME, when not empty,
 * replaces the name the node gave itself (lab nodes share one host name).
 * Returns the node's index, or -1 with err set. */
int ct_cluster_load(struct ct_cluster *c, const char *name, const char *spec,
		    struct ct_err *err);

/* The same for one "NAME=SPEC" word (--node's argument). */
int ct_cluster_load_arg(struct ct_cluster *c, const char *arg, struct ct_err *err);

#endif
