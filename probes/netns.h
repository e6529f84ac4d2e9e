/* SPDX-License-Identifier: MIT */
/*
 * Network namespace plumbing for the live probe: open, enter, restore, and
 * enumerate the namespaces a node has (/var/run/netns and /proc/PID/ns/net).
 * ct_netns_resolve() itself is declared in probes/gather.h.
 */
#ifndef CT_PROBES_NETNS_H
#define CT_PROBES_NETNS_H

#include <stdint.h>

#include "model/err.h"
#include "model/model.h"

#define CT_NETNS_DIR "/var/run/netns"

/* Opens the calling thread's current network namespace. fd or -1 with err. */
int ct_ns_open_self(struct ct_err *err);
/* Opens path (display name) as a namespace fd. fd or -1 with err. */
int ct_ns_open(const char *path, const char *name, struct ct_err *err);
/* setns(fd, CLONE_NEWNET); name is for the message. 0 or -1 with err. */
int ct_ns_enter(int fd, const char *name, struct ct_err *err);
/* Inode of the namespace behind fd, 0 when unknown. */
uint64_t ct_ns_inode(int fd);

/* A namespace found while scanning. The visitor may keep fd by setting it
 * to -1; otherwise the scanner closes it. */
struct ct_ns_cand {
	char name[CT_NAME_LEN]; /* /var/run/netns name or "pid:N" */
	char path[CT_PATH_LEN];
	uint64_t inode;
	int fd;
};

/* Returns 0 to go on, 1 to stop the scan, or a negative errno to abort. */
typedef int (*ct_ns_visit)(struct ct_ns_cand *c, void *arg);

/* Visits each distinct namespace once (by inode), names under netns_dir first,
 * then /proc/PID/ns/net under proc_root, skipping skip_inode. Namespaces that
 * vanish or cannot be opened are skipped. 0, 1 (stopped) or a negative errno. */
int ct_ns_scan(const char *netns_dir, const char *proc_root, uint64_t skip_inode,
	       ct_ns_visit fn, void *arg);

#endif
