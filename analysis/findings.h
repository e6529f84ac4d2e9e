/* SPDX-License-Identifier: MIT */
/*
 * Findings: {code, severity, subject, netns, message, evidence, fix, run}. Codes
 * come from one registry (ct_finding_defs), listed in caltrace(1).
 *
 * A fix has two parts: fix, a sentence for people, and run, zero or more
 * commands that a root bash can paste as they are. Run lines are built only
 * from argv words (ct_finding_run and friends), each word shell-quoted by
 * model/shq.h, and prefixed with the words that enter the finding's network
 * namespace; no call site formats a command line itself.
 */
#ifndef CT_FINDINGS_H
#define CT_FINDINGS_H

#include <stdbool.h>
#include <stddef.h>

struct ct_netns;

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

#define CT_FINDING_RUNS 4
#define CT_FINDING_RUN_LEN 512
/* consequences kept per root finding (analysis/fold.h); the rest are counted */
#define CT_FINDING_CONS 8

/* A finding folded under its root cause: what it said, in short. */
struct ct_consequence {
	const struct ct_finding_def *def;
	char subject[128];
	char evidence[200]; /* cut at a UTF-8 boundary when longer */
};

struct ct_finding {
	const struct ct_finding_def *def;
	enum ct_sev sev;
	char subject[128];
	char netns[128];
	char message[320];
	char evidence[320];
	char fix[320]; /* a sentence for people */
	/* commands, each a complete shell line (see model/shq.h): printed as they
	 * are, never through the terminal escape */
	char run[CT_FINDING_RUNS][CT_FINDING_RUN_LEN];
	unsigned n_run;
	bool run_dropped; /* a command did not fit: fix says so */
	/* for the fold (analysis/fold.h), never printed: the cause the producer
	 * classified ("" none; ct_gw_cause_name's words: "ip_forward_off",
	 * "pod_route_missing", ...) and the address the finding concerns besides its
	 * subject (a pod's address, a route's gateway; "" none) */
	char cause[24];
	char addr[48];
	/* findings this one causes, folded under it: consequences[0..n_cons), and
	 * cons_more more that did not fit */
	struct ct_consequence cons[CT_FINDING_CONS];
	unsigned n_cons, cons_more;
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
/* Sets x's fold tags (cause, addr; NULL leaves one as it is); x NULL: nothing. */
void ct_finding_tag(struct ct_finding *x, const char *cause, const char *addr);
/* Adds a run line to x (NULL: does nothing, -1): the words given (the list ends
 * with NULL), each shell-quoted, after the words that enter ns when it is not
 * the namespace caltrace runs in (ns NULL or with no path: none; a
 * /var/run/netns name: ip netns exec NAME; pid:PID: nsenter -t PID -n; another
 * path: nsenter --net=PATH). A line that does not fit, or a fifth one, is
 * dropped, never cut: fix then ends in "(command too long to print)". */
int ct_finding_run(struct ct_finding *x, const struct ct_netns *ns, ...)
	__attribute__((sentinel));
int ct_finding_runv(struct ct_finding *x, const struct ct_netns *ns, const char *const *argv,
		    size_t argc);
/* A run line that sets a per-interface sysctl: sysctl -w BASE.DEV.LEAF=VALUE
 * with sysctl's rule for dots in DEV (written as slashes); for a name that
 * holds '=' (sysctl -w cannot write it): echo VALUE | tee /proc/sys/.../LEAF,
 * tee run in ns. No line for a name that is not a valid interface name. */
int ct_finding_run_sysctl(struct ct_finding *x, const struct ct_netns *ns, const char *base,
			  const char *dev, const char *leaf, const char *value);
/* Appends copies of the findings of src whose code starts with one of the
 * prefixes (a whole code is its own prefix). */
int ct_findings_take(struct ct_findings *dst, const struct ct_findings *src,
		     const char *const *prefixes, size_t n);
/* Stable order: fail first, then warn, then info; then by subject. */
void ct_findings_sort(struct ct_findings *f);
/* CT_EXIT_PROBLEMS when any warn or fail finding, else CT_EXIT_OK. */
int ct_findings_exit(const struct ct_findings *f);

#endif
