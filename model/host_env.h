/* SPDX-License-Identifier: MIT */
/* The node's host environment as data: what probes/host_env.c finds on the
 * host (NetworkManager and its configuration), read by analysis. */
#ifndef CT_MODEL_HOST_ENV_H
#define CT_MODEL_HOST_ENV_H

struct ct_host_env {
	int nm_running;      /* NetworkManager process found: 1, 0, -1 unknown */
	int nm_unmanaged_ok; /* its configuration leaves cali*, tunl*, vxlan.calico unmanaged */
	char nm_conf[256];   /* where that was read, for the evidence */
};

#endif
