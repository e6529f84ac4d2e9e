/* SPDX-License-Identifier: MIT */
/*
 * One cause, one finding: a pure pass over a command's findings that folds each
 * consequence under the finding of its root cause (struct ct_finding's cons[]),
 * driven by one table (ct_fold_rules). A row says that a finding of code CAUSE
 * (optionally only with subject CAUSE_SUBJECT) covers a finding of code
 * CONSEQUENCE in the same network namespace when their relation holds and, for
 * rows that name causes, when the consequence's classified cause (its fold tag,
 * set by its producer from the kernel's answer: analysis/gwcause.c) is one of
 * them. Codes alone never decide a fold that the kernel's answer can tell.
 *
 * The first row (in table order) that covers a finding picks its parent; chains
 * end at a root that nothing covers (a consequence's own consequences move up
 * with it), and a loop leaves its last link unfolded. A root's severity becomes
 * the highest of its own and its consequences': a cause is as bad as what it
 * breaks; a root without run lines takes those of a consequence its row says to
 * (take_run). A consequence whose cause is absent stays a finding of its own.
 * Folding twice changes nothing.
 */
#ifndef CT_ANALYSIS_FOLD_H
#define CT_ANALYSIS_FOLD_H

#include "analysis/findings.h"

enum ct_fold_rel {
	CT_FOLD_NS,           /* any such finding of the namespace */
	CT_FOLD_SUBJECT,      /* the same subject (the same interface) */
	CT_FOLD_ADDR,         /* the same address tag (the same pod) */
	CT_FOLD_ADDR_SUBJECT, /* the cause's address tag is the consequence's subject */
};

struct ct_fold_rule {
	const char *cause;
	const char *cause_subject; /* NULL: any subject */
	const char *consequence;
	enum ct_fold_rel rel;
	const char *causes; /* space-separated classified causes the consequence must carry; NULL any */
	bool take_run;      /* a root without run lines takes the consequence's: the cause could not
			     * say what to run (workload_no_route does not know the pod's address),
			     * the consequence, tied to it by the kernel's answer, could */
	const char *why;    /* for the man page's table */
};

extern const struct ct_fold_rule ct_fold_rules[]; /* ends with a NULL cause */

/* Does rule r make finding c the cause of finding x? */
bool ct_fold_covers(const struct ct_fold_rule *r, const struct ct_finding *c,
		    const struct ct_finding *x);
/* Folds f in place (see above). -1 only when out of memory (f unchanged). */
int ct_findings_fold(struct ct_findings *f);
/* Appends x and its consequences to root's consequences (counted when full),
 * raises root's severity to x's, and (take_run) gives root x's run lines when it
 * has none. */
void ct_finding_fold_into(struct ct_finding *root, const struct ct_finding *x, bool take_run);

#endif
