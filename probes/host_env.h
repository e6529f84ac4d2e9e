/* SPDX-License-Identifier: MIT */
#ifndef CT_HOST_ENV_H
#define CT_HOST_ENV_H

#include <stdbool.h>

#include "model/host_env.h"

/* Is NetworkManager running (a process named NetworkManager under proc_root),
 * and does its configuration under etc_root leave Calico's devices unmanaged? */
void ct_host_env_probe(struct ct_host_env *env, const char *proc_root, const char *etc_root);

#endif
