/* SPDX-License-Identifier: MIT */
/*
 * Several nodes in one process, each from a live namespace or a snapshot, and
 * a cross-node index over them: underlay address -> node, VTEP address and
 * VTEP MAC -> node, pod IP -> node and pod namespace. Pure: no I/O. Nodes are
 * filled by the loaders (cmd/common.c's ct_load_node: live or --from) and
 * moved in with ct_cluster_add.
 *
 * Sources of the index, per node:
 *   underlay  node->underlay_ips (model/derive.c's ct_node_derive, or as a
 *             snapshot recorded them)
 *   VTEP      node->vtep_ip and node->vtep_mac when node->has_vtep
 *   pod IP    the host namespace's workload routes (main table, unicast, a
 *             host prefix /32 or /128 through a workload interface: its peer
 *             namespace when known), and every pod namespace's eth0 addresses
 *             of universe scope
 * A key claimed by two nodes (or by two pod namespaces of one node) is not
 * merged: the first stays in the index and the clash is listed in dups.
 */
#ifndef CT_MODEL_CLUSTER_H
#define CT_MODEL_CLUSTER_H

#include "model/model.h"

enum ct_cluster_kind {
	CT_CLUSTER_UNDERLAY = 0,
	CT_CLUSTER_VTEP_IP,
	CT_CLUSTER_VTEP_MAC,
	CT_CLUSTER_POD_IP,
	CT_CLUSTER__COUNT
};

/* Who holds a key: a node, and for a pod IP the pod's namespace (an index into
 * that node's ns[], -1 when the route names no known namespace). */
struct ct_cluster_owner {
	int node;
	int ns;
};

struct ct_cluster_dup {
	enum ct_cluster_kind kind;
	struct ct_ip ip;		      /* the address (unset for a MAC) */
	uint8_t mac[6];			      /* CT_CLUSTER_VTEP_MAC */
	struct ct_cluster_owner first, other; /* first is the one the index keeps */
};

struct ct_cluster_entry;

struct ct_cluster {
	CT_VEC(struct ct_node *) nodes; /* owned; stable addresses */
	struct ct_prefixes prefixes;	/* workload interface prefixes */
	struct ct_cluster_entry *ent;
	size_t n_ent, cap_ent;
	uint32_t *slot; /* open addressing over ent, entry + 1 */
	size_t cap;
	CT_VEC(struct ct_cluster_dup) dups;
};

/* p: the workload prefixes (NULL: "cali"). */
void ct_cluster_init(struct ct_cluster *c, const struct ct_prefixes *p);
void ct_cluster_free(struct ct_cluster *c);
/* Moves *moved_in into the cluster (it is left empty, as after ct_node_init)
 * and indexes it. Returns the node's index, or -ENOMEM (moved_in untouched when
 * the node could not be stored; else it stays in the cluster, partly indexed). */
int ct_cluster_add(struct ct_cluster *c, struct ct_node *moved_in);
/* Rebuilds the index (and dups) after nodes changed, e.g. from events. */
int ct_cluster_reindex(struct ct_cluster *c);
struct ct_node *ct_cluster_node(const struct ct_cluster *c, int i);

/* Lookups: the owner, or NULL. */
const struct ct_cluster_owner *ct_cluster_by_underlay(const struct ct_cluster *c,
						      const struct ct_ip *ip);
const struct ct_cluster_owner *ct_cluster_by_vtep_ip(const struct ct_cluster *c,
						     const struct ct_ip *ip);
const struct ct_cluster_owner *ct_cluster_by_vtep_mac(const struct ct_cluster *c,
						      const uint8_t mac[6]);
const struct ct_cluster_owner *ct_cluster_by_pod_ip(const struct ct_cluster *c,
						    const struct ct_ip *ip);

#endif
