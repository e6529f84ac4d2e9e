/* SPDX-License-Identifier: MIT */
/*
 * Findings: {code, severity, subject, netns, message, evidence, fix}. Codes come
 * from one registry (ct_finding_defs), listed in caltrace(1).
 */
#ifndef CT_FINDINGS_H
#define CT_FINDINGS_H

#include <stdbool.h>
#include <stddef.h>

enum ct_sev { CT_SEV_INFO = 0, CT_SEV_WARN, CT_SEV_FAIL };

struct ct_finding_def {
	const char *code;
	enum ct_sev sev;
	const char *scope; /* command whose scope it belongs to: links, routes, tunnel, neigh */
	const char *summary; /* one line for the man page */
};

extern const struct ct_finding_def ct_finding_defs[];
const struct ct_finding_def *ct_finding_def(const char *code);
const char *ct_sev_name(enum ct_sev s);

struct ct_finding {
	const struct ct_finding_def *def;
	enum ct_sev sev;
	char subject[128];
	char netns[128];
	char message[320];
	char evidence[320];
	char fix[320];
};

struct ct_findings {
	struct ct_finding *v;
	size_t n, cap;
};

void ct_findings_init(struct ct_findings *f);
void ct_findings_free(struct ct_findings *f);
/* Adds a finding whose code must be in the registry (an unknown code aborts in
 * debug builds and is recorded as "internal_unknown_code"). message is printf. */
struct ct_finding *ct_finding_add(struct ct_findings *f, const char *code, const char *netns,
				  const char *subject, const char *evidence, const char *fix,
				  const char *fmt, ...) __attribute__((format(printf, 7, 8)));
/* Appends copies of the findings of src whose code starts with one of the
 * prefixes (a whole code is its own prefix). */
int ct_findings_take(struct ct_findings *dst, const struct ct_findings *src,
		     const char *const *prefixes, size_t n);
/* Stable order: fail first, then warn, then info; then by subject. */
void ct_findings_sort(struct ct_findings *f);
/* CT_EXIT_PROBLEMS when any warn or fail finding, else CT_EXIT_OK. */
int ct_findings_exit(const struct ct_findings *f);

#endif
