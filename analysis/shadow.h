/* SPDX-License-Identifier: MIT */
/*
 * workload_route_shadowed (the kernel's route to a workload address leaves
 * elsewhere: ns->wlroutes) and workload_address_unused (`routes ADDR` for an
 * address of this node's block that no workload's /32 or /128 holds). Pure.
 */
#ifndef CT_ANALYSIS_SHADOW_H
#define CT_ANALYSIS_SHADOW_H

#include <stdint.h>

#include "analysis/findings.h"
#include "model/model.h"

int ct_analyze_shadow(const struct ct_netns *ns, struct ct_findings *f);
/* cls: ct_route_classify per route of ns (CT_RC_*); want: the address asked for. */
int ct_analyze_addr_unused(const struct ct_netns *ns, const uint8_t *cls,
			   const struct ct_prefix *want, struct ct_findings *f);

#endif
