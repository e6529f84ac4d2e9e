/* SPDX-License-Identifier: MIT */
/* Findings about Felix's policy (model/policy.h). Pure. */
#ifndef CT_ANALYSIS_POLICY_H
#define CT_ANALYSIS_POLICY_H

#include "analysis/findings.h"
#include "model/policy.h"

/* workload_policy_missing (fail) for each workload interface of p->wl that has no chains in
 * any backend read while Felix's dispatch chains exist. Nothing with the eBPF dataplane or
 * when the rules could not be read. netns names the namespace in the findings. */
void ct_policy_analyze(const struct ct_policy *p, const char *netns, struct ct_findings *f);

#endif
