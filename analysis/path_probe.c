/* SPDX-License-Identifier: MIT */
/*
 * `path --probe`: the first hop where the probes disappear, and why (analysis/path.h,
 * ct_path_probe_judge). Pure.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "analysis/path.h"
#include "model/probe_match.h"

static bool is_step(const struct ct_hop *h)
{
	return h->kind != CT_HOP_MTU && h->kind != CT_HOP_SYMMETRY;
}

static bool seen(const struct ct_hop *h, bool rep)
{
	return rep ? h->probe.rep_seen : h->probe.req_seen;
}

/* What a node counter that moved says. NULL: not one that explains a loss. */
static const char *counter_says(const char *name)
{
	static const struct {
		const char *name, *says;
	} t[] = {
	    {"TcpExtIPReversePathFilter", "the reverse path filter (rp_filter) dropped it"},
	    {"IpExtInNoRoutes", "no route for it (InNoRoutes)"},
	    {"IpOutNoRoutes", "no route for it (OutNoRoutes)"},
	    {"IpInAddrErrors", "its address is not valid here (InAddrErrors)"},
	    {"IpInHdrErrors", "a bad IP header (InHdrErrors)"},
	    {"IpInDiscards", "the kernel discarded it on input (InDiscards)"},
	    {"IpOutDiscards", "the kernel discarded it on output (OutDiscards)"},
	    {"IpFragFails", "it needed fragmenting and DF was set (FragFails)"},
	    {"IpExtInTruncatedPkts", "it arrived truncated (InTruncatedPkts)"},
	    {"IpExtInCsumErrors", "a bad checksum (InCsumErrors)"},
	    {"UdpInErrors", "UDP input errors (UdpInErrors)"},
	    {"UdpNoPorts", "no socket on that UDP port (UdpNoPorts)"},
	    {"TcpExtTCPBacklogDrop", "the socket backlog was full"},
	    {"ConntrackInvalid", "conntrack found it invalid (Felix drops ctstate INVALID)"},
	    {"ConntrackDrop", "conntrack dropped it (its table is full?)"},
	    {"ConntrackInsertFailed", "conntrack could not insert its entry"},
	    {"ConntrackEarlyDrop", "conntrack evicted entries early (its table is full)"},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (!strcmp(t[i].name, name))
			return t[i].says;
	return NULL;
}

bool ct_path_probe_counter_known(const char *name)
{
	return counter_says(name) != NULL;
}

static void blame(struct ct_path *p, size_t k, bool rep, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#include <stdarg.h>
static void blame(struct ct_path *p, size_t k, bool rep, const char *fmt, ...)
{
	struct ct_path_probe *pr = &p->probe;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(pr->cause, sizeof(pr->cause), fmt, ap);
	va_end(ap);
	pr->lost_hop = (int)k;
	pr->lost_reply = rep;
	p->v[k].probe.lost_here = true;
	snprintf(p->v[k].probe.cause, sizeof(p->v[k].probe.cause), "%s", pr->cause);
}

/* The first hop in [a, b] on node of one of the kinds, in order of preference; b when none. */
static size_t pick(const struct ct_path *p, size_t a, size_t b, int node,
		   const enum ct_hop_kind *kinds, size_t nk)
{
	for (size_t i = 0; i < nk; i++)
		for (size_t k = a; k <= b; k++)
			if (p->v[k].kind == kinds[i] && (node < 0 || p->v[k].node == node))
				return k;
	for (size_t k = a; k <= b; k++)
		if (node >= 0 && p->v[k].node == node)
			return k;
	return b;
}

static const char *icmp_says(const struct ct_path_probe *pr)
{
	if (pr->v6) {
		if (pr->icmp_type == 2)
			return "packet too big";
		if (pr->icmp_type == 1 && pr->icmp_code == 1)
			return "administratively prohibited";
		if (pr->icmp_type == 1)
			return "unreachable";
		if (pr->icmp_type == 3)
			return "time exceeded";
		return "an ICMP error";
	}
	if (pr->icmp_type == 3 && pr->icmp_code == 4)
		return "frag-needed";
	if (pr->icmp_type == 3 &&
	    (pr->icmp_code == 13 || pr->icmp_code == 9 || pr->icmp_code == 10))
		return "administratively prohibited";
	if (pr->icmp_type == 3)
		return "unreachable";
	if (pr->icmp_type == 11)
		return "time exceeded";
	return "an ICMP error";
}

/* The stretch (a, b] of the direction rep where the packet was lost, judged. */
static void judge_stretch(struct ct_path *p, size_t a, size_t b, bool rep)
{
	struct ct_path_probe *pr = &p->probe;
	const char *what = rep ? "the reply" : "the request";
	/* a send error: the source's kernel refused it */
	if (!rep && pr->send_errno) {
		size_t k = a;
		if (pr->send_errno == EMSGSIZE)
			blame(p, k, rep,
			      "EMSGSIZE: the kernel refused to send %u bytes: larger than "
			      "the MTU of the route out of the source",
			      pr->size);
		else
			blame(p, k, rep, "the kernel refused to send it: %s",
			      strerror(pr->send_errno));
		return;
	}
	/* frag-needed: at the egress out of the node that said it */
	if (!rep && pr->icmp_error[0] &&
	    ct_probe_icmp_too_big(pr->v6, pr->icmp_type, pr->icmp_code)) {
		static const enum ct_hop_kind ks[] = {CT_HOP_EGRESS, CT_HOP_FORWARD};
		size_t k = pick(p, a, b, -1, ks, 2);
		blame(p, k, rep,
		      "%s: the probe (%u bytes of payload) is larger than the path allows",
		      pr->icmp_error, pr->size);
		return;
	}
	/* arrived encapsulated on the underlay, never came out of the tunnel device */
	const struct ct_hop *bh = &p->v[b];
	if (bh->kind == CT_HOP_INGRESS && bh->probe.wire_watched &&
	    (rep ? bh->probe.wire_rep_seen : bh->probe.wire_req_seen)) {
		bool moved = false;
		for (unsigned i = 0; i < pr->n_moved; i++)
			moved |= pr->moved[i].node == bh->node && pr->moved[i].hop < 0;
		if (!moved) {
			blame(p, b, rep,
			      "%s arrived encapsulated on %s's %s and never came out of %s: "
			      "dropped before decapsulation (a firewall on %s's input for the "
			      "tunnel's "
			      "packets, or a port or VNI that does not match)",
			      what, bh->node_name[0] ? bh->node_name : "?", bh->probe.wire_iface,
			      bh->subject, bh->node_name[0] ? bh->node_name : "?");
			return;
		}
	}
	/* a policy chain's DROP that moved on a hop of the stretch */
	for (unsigned i = 0; i < pr->n_moved; i++) {
		const struct ct_probe_moved *m = &pr->moved[i];
		if (m->link || m->hop < 0 || (size_t)m->hop < a || (size_t)m->hop > b)
			continue;
		const struct ct_hop *h = &p->v[m->hop];
		bool denies = false;
		for (unsigned f = 0; f < h->n_findings; f++)
			denies |= h->findings[f].def &&
				  !strcmp(h->findings[f].def->code, "path_policy_denies");
		blame(p, (size_t)m->hop, rep, "%s moved by %lld: %s", m->name, (long long)m->delta,
		      denies ? "path_policy_denies confirmed" : "the policy dropped it");
		return;
	}
	/* an interface on the stretch that counted drops or errors */
	for (unsigned i = 0; i < pr->n_moved; i++) {
		const struct ct_probe_moved *m = &pr->moved[i];
		if (!m->link || m->hop < 0 || (size_t)m->hop < a || (size_t)m->hop > b)
			continue;
		const struct ct_hop *h = &p->v[m->hop];
		blame(p, (size_t)m->hop, rep,
		      "%s moved by %lld on %s: the interface dropped packets", m->name,
		      (long long)m->delta, h->node_name[0] ? h->node_name : "?");
		return;
	}
	/* a kernel counter that moved on a node or in a pod's namespace of the stretch: the
	 * first on the way */
	for (size_t j = a; j <= b; j++) {
		if (p->v[j].node < 0)
			continue;
		for (unsigned i = 0; i < pr->n_moved; i++) {
			const struct ct_probe_moved *m = &pr->moved[i];
			const char *says = m->hop < 0 ? counter_says(m->name) : NULL;
			if (!says)
				continue;
			if (m->netns[0]) {
				if (strcmp(m->netns, p->v[j].netns))
					continue;
				blame(p, j, rep, "%s moved by %lld in %s: %s", m->name,
				      (long long)m->delta, m->netns, says);
				return;
			}
			if (m->node != p->v[j].node || (j > a && p->v[j].node == p->v[j - 1].node))
				continue;
			static const enum ct_hop_kind ks[] = {CT_HOP_FORWARD, CT_HOP_INGRESS};
			size_t k = pick(p, j, b, m->node, ks, 2);
			blame(p, k, rep, "%s moved by %lld on %s: %s", m->name, (long long)m->delta,
			      p->v[k].node_name[0] ? p->v[k].node_name : "?", says);
			return;
		}
	}
	if (!rep && pr->icmp_error[0]) {
		/* at the hop of the stretch whose own checks fail (the forwarding decision that
		 * has no route), else where the capture lost it */
		size_t k = b;
		for (size_t j = a; j <= b; j++)
			if (p->v[j].verdict == CT_HOP_FAIL) {
				k = j;
				break;
			}
		blame(p, k, rep, "%s: %s", icmp_says(pr), pr->icmp_error);
		return;
	}
	/* the stretch's own checks */
	for (size_t k = a; k <= b; k++) {
		const struct ct_hop *h = &p->v[k];
		if (h->verdict == CT_HOP_FAIL && h->n_findings && h->findings[0].def) {
			blame(p, k, rep, "%s not seen past here; this hop's checks: %s", what,
			      h->findings[0].def->code);
			return;
		}
	}
	blame(p, b, rep, "%s not seen here; no counter that was read moved to say why", what);
}

/* Looks at one direction. true when the packet was lost in it (judged). */
static bool judge_dir(struct ct_path *p, bool rep)
{
	size_t first = (size_t)-1, last_seen = (size_t)-1, lost = (size_t)-1;
	for (size_t k = 0; k < p->n; k++) {
		const struct ct_hop *h = &p->v[k];
		if (h->reverse != rep || !is_step(h))
			continue;
		if (first == (size_t)-1)
			first = k;
		if (!h->probe.watched)
			continue;
		if (seen(h, rep))
			last_seen = k;
		else if (lost == (size_t)-1)
			lost = k;
	}
	if (first == (size_t)-1)
		return false;
	/* a watched hop after the last one that saw it did not see it */
	if (lost != (size_t)-1 && (last_seen == (size_t)-1 || lost < last_seen)) {
		/* not seen at lost, yet seen later: a capture that missed it; look past it */
		if (last_seen != (size_t)-1) {
			lost = (size_t)-1;
			for (size_t k = last_seen + 1; k < p->n; k++) {
				const struct ct_hop *h = &p->v[k];
				if (h->reverse == rep && is_step(h) && h->probe.watched &&
				    !seen(h, rep)) {
					lost = k;
					break;
				}
			}
		}
	}
	if (lost == (size_t)-1)
		return false;
	size_t a = last_seen == (size_t)-1 || last_seen > lost ? first : last_seen + 1;
	judge_stretch(p, a, lost, rep);
	return true;
}

void ct_path_probe_judge(struct ct_path *p)
{
	struct ct_path_probe *pr = &p->probe;
	pr->lost_hop = -1;
	pr->lost_reply = false;
	pr->cause[0] = 0;
	for (size_t k = 0; k < p->n; k++) {
		p->v[k].probe.lost_here = false;
		p->v[k].probe.cause[0] = 0;
	}
	if (pr->sent && pr->received >= pr->sent)
		return;
	if (judge_dir(p, false))
		return;
	if (judge_dir(p, true))
		return;
	/* every watched hop saw both, yet the source got no answer: the last hop back */
	for (size_t k = p->n; k-- > 0;) {
		if (p->v[k].reverse && is_step(&p->v[k])) {
			blame(p, k, true,
			      "every watched hop saw the reply, the source's socket did "
			      "not get it");
			return;
		}
	}
	for (size_t k = 0; k < p->n; k++)
		if (is_step(&p->v[k])) {
			blame(p, k, false, "no answer, and no watched hop to say where it stopped");
			return;
		}
}

/* The forward judge on the path seen from DST: each hop's rprobe in place of its probe,
 * rprobe in place of probe, and every hop's direction turned around (the reverse hops carry
 * this probe's request), then everything put back. */
static void turn(struct ct_path *p)
{
	struct ct_path_probe t = p->probe;
	p->probe = p->rprobe;
	p->rprobe = t;
	for (size_t k = 0; k < p->n; k++) {
		struct ct_hop *h = &p->v[k];
		struct ct_hop_probe x = h->probe;
		h->probe = h->rprobe;
		h->rprobe = x;
		h->reverse = !h->reverse;
	}
}

void ct_path_probe_judge_reverse(struct ct_path *p)
{
	turn(p);
	ct_path_probe_judge(p);
	turn(p);
}
