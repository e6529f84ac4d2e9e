/* SPDX-License-Identifier: MIT */
/*
 * Why the kernel refused 169.254.1.1 from a pod (`ip route get 169.254.1.1 from
 * POD iif caliX`, RTM_GETROUTE with RTA_IIF): pure, from the kernel's errno and
 * the model (netconf, link state, the model's lookup, model/lookup.h).
 *
 * IPv4, as the kernel answers (6.18; LAB-NOTES.md):
 *   ENETUNREACH   no route covers 169.254.1.1, or a throw route ends the lookup
 *   EHOSTUNREACH  forwarding off on caliX or ip_forward=0 (checked first: it hides
 *                 every route type), else an unreachable route
 *   EACCES        a prohibit route
 *   EXDEV         (before 6.13) the reverse-path check: the pod's /32 missing or shadowed
 *   EINVAL        caliX down, an invalid source, a blackhole over the address, else
 *                 (6.13 and later) the reverse-path check
 */
#ifndef CT_ANALYSIS_GWCAUSE_H
#define CT_ANALYSIS_GWCAUSE_H

#include "model/model.h"

enum ct_gw_cause {
	CT_GW_OK = 0,          /* the kernel found a route */
	CT_GW_NOT_CHECKED,     /* no pod address known: the kernel was not asked */
	CT_GW_NO_ROUTE,        /* ENETUNREACH: nothing covers 169.254.1.1 (route: a throw) */
	CT_GW_IP_FORWARD_OFF,  /* EHOSTUNREACH: net.ipv4.ip_forward (conf.all.forwarding) 0 */
	CT_GW_FORWARDING_OFF,  /* EHOSTUNREACH: net.ipv4.conf.caliX.forwarding 0 */
	CT_GW_UNREACHABLE,     /* EHOSTUNREACH: an unreachable route (route) */
	CT_GW_PROHIBIT,        /* EACCES: a prohibit route (route) */
	CT_GW_POD_ROUTE_MISSING,  /* EXDEV/EINVAL: reverse path: no route to the pod via caliX */
	CT_GW_POD_ROUTE_SHADOWED, /* EXDEV/EINVAL: reverse path: route wins over the pod's */
	CT_GW_BLACKHOLE,       /* EINVAL: a blackhole route (route) */
	CT_GW_LINK_DOWN,       /* EINVAL: caliX is down */
	CT_GW_BAD_SOURCE,      /* EINVAL: the source is martian or a local address */
	CT_GW_UNKNOWN,         /* an errno the table does not explain */
	CT_GW__COUNT
};

struct ct_gw_verdict {
	enum ct_gw_cause cause;
	int err;                      /* the kernel's errno, as given */
	const struct ct_route *route; /* the route named (throw, unreachable, prohibit,
				       * blackhole, the shadowing route), or NULL */
};

/* A stable word per cause ("no_route", "reverse_path_missing", ...). */
const char *ct_gw_cause_name(enum ct_gw_cause c);
/* The errno the kernel gives for a cause on this kernel generation (rpf_exdev:
 * a kernel before 6.13), 0 for OK and NOT_CHECKED. */
int ct_gw_cause_errno(enum ct_gw_cause c, bool rpf_exdev);

/* Classifies err (positive errno, 0: a route) for 169.254.1.1 from src (family
 * 0: unknown, the kernel was not asked) arriving on ifindex iif of ns. */
void ct_gw_classify(const struct ct_netns *ns, int iif, const struct ct_ip *src, int err,
		    struct ct_gw_verdict *v);

struct ct_findings;
/* The finding for one gateway check of ns (nothing when the kernel found a
 * route): pod_gateway_unroutable naming the cause, with its fix, or
 * pod_gateway_unchecked when no pod address was known. */
void ct_gw_finding(const struct ct_netns *ns, const struct ct_gwcheck *gc, struct ct_findings *f);
/* The host-side cause in words when the kernel refused gc (false: it did not,
 * or was not asked), for findings seen from elsewhere (pod_gateway_failed). */
bool ct_gw_why(const struct ct_netns *ns, const struct ct_gwcheck *gc, char *buf, size_t len);
/* IPv6: pod_gateway_unroutable for an interface with a pod's /128 route when
 * net.ipv6.conf.{all,IFACE}.forwarding is 0 or the interface is down (the
 * kernel's IPv6 lookup sees neither, so netconf is the answer). */
void ct_gw_findings6(const struct ct_netns *ns, struct ct_findings *f);

#endif
