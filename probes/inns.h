/* SPDX-License-Identifier: MIT */
#ifndef CT_INNS_H
#define CT_INNS_H

#include "model/err.h"

/* Runs fn(arg, err) inside the network namespace named by spec (as -n takes
 * it; NULL: the current one) and always comes back. Returns fn's result, or -1
 * with err set when the namespace cannot be entered or left. */
int ct_netns_run(const char *spec, int (*fn)(void *arg, struct ct_err *err), void *arg,
		 struct ct_err *err);

#endif
