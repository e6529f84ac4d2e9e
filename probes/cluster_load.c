/* SPDX-License-Identifier: MIT */
#include "probes/cluster_load.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "model/esc.h"
#include "model/snapshot.h"
#include "probes/gather.h"

/* What a node of a path needs: everything in the node, and in each pod the
 * interface, its addresses, routes and the gateway's neighbour entry. */
#define NODE_WHAT (CT_G_ALL | CT_G_PODNS)
#define POD_WHAT (CT_G_LINKS | CT_G_ADDRS | CT_G_ROUTES | CT_G_NEIGH)

int ct_cluster_load(struct ct_cluster *c, const char *name, const char *spec,
		    struct ct_err *err)
{
	struct ct_node n;
	int r;

	ct_node_init(&n);
	if (spec[0] == '@') {
		r = ct_snapshot_load(&n, spec + 1, err);
	} else {
		struct ct_gather_opts o = {
			.netns_spec = spec[0] ? spec : NULL,
			.what = NODE_WHAT,
			.pod_what = POD_WHAT,
			.prefixes = &c->prefixes,
		};
		r = ct_gather(&n, &o, err);
	}
	if (r < 0) {
		ct_node_free(&n);
		return -1;
	}
	if (name && name[0])
		snprintf(n.name, sizeof(n.name), "%s", name);
	r = ct_cluster_add(c, &n);
	if (r < 0) {
		ct_node_free(&n);
		char q[128];
		ct_esc_clip(q, sizeof(q), name ? name : "", name ? strlen(name) : 0);
		return ct_err_errno(err, -r, "add to the nodes", q);
	}
	return r;
}

int ct_cluster_load_arg(struct ct_cluster *c, const char *arg, struct ct_err *err)
{
	const char *eq = strchr(arg, '=');
	char name[CT_NAME_LEN], q[128];

	if (!eq || eq == arg || !eq[1] || (size_t)(eq - arg) >= sizeof(name)) {
		ct_esc_clip(q, sizeof(q), arg, strlen(arg));
		ct_err_set(err, CT_EXIT_USAGE,
			   "a node is NAME=NETNS or NAME=@SNAPSHOT, not '%s'", q);
		return -1;
	}
	memcpy(name, arg, (size_t)(eq - arg));
	name[eq - arg] = 0;
	return ct_cluster_load(c, name, eq + 1, err);
}
