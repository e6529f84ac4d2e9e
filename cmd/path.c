/* SPDX-License-Identifier: MIT */
/*
 * caltrace path SRC DST: the static path hop by hop across the nodes given
 * (analysis/path.h). Loads the nodes (live namespaces with their pods, or
 * snapshots), asks each live node's BIRD, reads Felix's policy on the nodes
 * that hold SRC and DST, and keeps one netlink handle per live node for the
 * kernel's forwarding decisions.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "analysis/path.h"
#include "cmd/cmd.h"
#include "model/esc.h"
#include "probes/bgp_gather.h"
#include "probes/cluster_load.h"
#include "probes/nl.h"
#include "probes/pods_exec.h"
#include "probes/policy.h"
#include "probes/probe.h"
#include "probes/route_get.h"
#include "probes/svc.h"
#include "render/views_path.h"

#define NODES_FILE_MAX (1u << 20)

struct live {
	struct ct_nl nl;
	int state; /* 0 not opened, 1 open, -1 cannot */
};

struct fibctx {
	const struct ct_cluster *c;
	struct live *l; /* per node */
};

static int fib_lookup(void *arg, int node, const struct ct_lookup_query *q,
		      struct ct_path_fib_answer *a)
{
	struct fibctx *f = arg;
	const struct ct_node *n = ct_cluster_node(f->c, node);
	if (!n || strcmp(n->source, "live"))
		return -1;
	struct live *l = &f->l[node];
	if (l->state == 0) {
		const char *path = n->ns.n ? n->ns.v[0].path : "";
		int fd = -1;
		if (path[0]) {
			fd = open(path, O_RDONLY | O_CLOEXEC);
			if (fd < 0) {
				l->state = -1;
				return -1;
			}
		}
		int r = ct_nl_open_in(&l->nl, fd);
		if (fd >= 0)
			close(fd);
		l->state = r == 0 ? 1 : -1;
	}
	if (l->state != 1)
		return -1;
	struct ct_route_query rq;
	memset(&rq, 0, sizeof(rq));
	rq.dst = q->dst;
	rq.src = q->src;
	rq.iif = q->iif;
	rq.oif = q->oif;
	rq.ip_proto = q->ip_proto;
	rq.dport = q->dport;
	struct ct_route_answer ans;
	memset(&ans, 0, sizeof(ans));
	if (ct_route_get(&l->nl, &rq, &ans) < 0)
		return -1;
	memset(a, 0, sizeof(*a));
	a->err = ans.err;
	if (!ans.err) {
		const struct ct_nexthop *nh;
		struct ct_nexthop tmp;
		ct_route_nexthops(&ans.route, &nh, &tmp);
		a->oif = nh[0].oif;
		a->gw = nh[0].gw;
		a->type = ans.route.type;
	}
	ct_route_answer_clear(&ans);
	return 0;
}

static int read_nodes_file(struct ct_ctx *c, struct ct_path_nodespec *v, size_t *n)
{
	const char *name = c->o.nodes_file;
	char q[256];
	ct_esc_clip(q, sizeof(q), name, strlen(name));
	FILE *f = fopen(name, "r");
	if (!f)
		return ct_err_set(&c->err, CT_EXIT_GATHER, "cannot read nodes file '%s': %s", q,
				  strerror(errno));
	char *buf = malloc(NODES_FILE_MAX + 1);
	if (!buf) {
		fclose(f);
		return ct_err_set(&c->err, CT_EXIT_GATHER, "out of memory");
	}
	size_t len = fread(buf, 1, NODES_FILE_MAX + 1, f);
	int rerr = ferror(f);
	fclose(f);
	if (rerr || len > NODES_FILE_MAX) {
		free(buf);
		return ct_err_set(&c->err, rerr ? CT_EXIT_GATHER : CT_EXIT_USAGE,
				  "nodes file '%s': %s", q, rerr ? "read error" : "larger than 1 MiB");
	}
	char why[256];
	int r = ct_path_nodes_parse(buf, len, v, CT_PATH_MAX_NODES, n, why, sizeof(why));
	free(buf);
	if (r < 0) {
		char e[300];
		ct_esc_clip(e, sizeof(e), why, strlen(why));
		return ct_err_set(&c->err, CT_EXIT_USAGE, "nodes file '%s' %s", q, e);
	}
	return 0;
}

struct gjob {
	struct ct_ctx *c;
	struct ct_node *n;
	const char *spec, *sock;
	struct ct_policy *pol; /* NULL: not wanted */
	char *pinit;
	bool pol_ok;
};

/* Follows the chains of node n's workloads in pol; true when that worked. */
static bool follow_workloads(struct ct_ctx *c, const struct ct_node *n, struct ct_policy *pol)
{
	const char *ifs[256];
	size_t nif = 0;
	const struct ct_netns *h = &n->ns.v[0];
	for (size_t k = 0; k < h->links.n && nif < 256; k++)
		if (ct_is_workload(&c->o.prefixes, h->links.v[k].name))
			ifs[nif++] = h->links.v[k].name;
	return ct_policy_follow(pol, ifs, nif) == 0;
}

/* Felix's policy on live node n into pol (once: *pinit says it was read; the Services read
 * reuses its rulesets); true when it was gathered and its chains followed. */
static bool read_policy(struct ct_ctx *c, struct ct_node *n, struct ct_policy *pol, char *pinit)
{
	ct_policy_init(pol);
	*pinit = 1;
	const char *nsp = n->ns.v[0].path;
	struct ct_err perr = {0};
	if (ct_policy_gather(pol, nsp[0] ? nsp : NULL, c->o.timeout, &perr) != 0)
		return false;
	return follow_workloads(c, n, pol);
}

/* A snapshot node: the rules it holds (snapshot 1.1) move to j->pol and are followed for its
 * workloads; an older snapshot holds none (the policy hops say so). */
static void snapshot_node_policy(struct gjob *j)
{
	struct ct_node *n = j->n;
	if (!j->pol || !n->policy || !n->ns.n)
		return;
	*j->pol = *n->policy;
	free(n->policy);
	n->policy = NULL;
	*j->pinit = 1;
	j->pol_ok = follow_workloads(j->c, n, j->pol);
}

static void gather_node(struct gjob *j)
{
	struct ct_node *n = j->n;
	if (strcmp(n->source, "live")) {
		snapshot_node_policy(j);
		return;
	}
	/* BIRD only where its routes are (or a socket was named): finding a BIRD that is not
	 * there means scanning every process */
	bool bird = j->sock != NULL;
	const struct ct_netns *h0 = &n->ns.v[0];
	for (size_t k = 0; k < h0->routes.n && !bird; k++)
		bird = h0->routes.v[k].protocol == 12 /* RTPROT_BIRD */;
	if (!n->bgp && bird) {
		struct ct_bgp_gather_opts g = {
			.netns_spec = j->spec[0] ? j->spec : NULL,
			.socket = j->sock,
			.proc_root = j->c->proc_root,
			.timeout_s = j->c->o.timeout,
			.routes = true,
		};
		struct ct_err berr = {0};
		if (ct_bgp_gather(n, &g, &berr) < 0)
			snprintf(n->bgp_error, sizeof(n->bgp_error), "%s", berr.msg);
	}
	if (!j->pol || *j->pinit) /* not wanted, or read already (with the Services) */
		return;
	j->pol_ok = read_policy(j->c, n, j->pol, j->pinit);
}

/* A node's IPv6 BIRD (bird6), read for an IPv6 path. */
struct bird6 {
	struct ct_bgp b;
	bool init;
	char error[512];
};

/* bird6's socket beside a bird socket that was named (--bird-socket, bird= of --nodes): the
 * same folder, "bird" in the file name turned into "bird6" (Calico's bird.ctl and bird6.ctl,
 * the lab's bird-n1.ctl and bird6-n1.ctl), when that is a socket; else "" (then it is looked
 * for as bird's is: a bird6 process in the namespace, bird6.ctl at its usual paths). */
static void bird6_beside(const char *sock, char *out, size_t len)
{
	out[0] = 0;
	if (!sock)
		return;
	const char *base = strrchr(sock, '/');
	base = base ? base + 1 : sock;
	if (strncmp(base, "bird", 4) || base[4] == '6')
		return;
	int w = snprintf(out, len, "%.*s6%s", (int)(base + 4 - sock), sock, base + 4);
	struct stat sb;
	if (w < 0 || (size_t)w >= len || stat(out, &sb) < 0 || !S_ISSOCK(sb.st_mode))
		out[0] = 0;
}

/* bird6 on live node n, when it has IPv6 `proto bird` routes and its BIRD is not BIRD 2
 * (which serves both families on the socket read already): into *o and its answer a. sock:
 * bird's socket when one was named, else NULL. */
static void gather_bird6(struct ct_ctx *c, struct ct_node *n, const char *spec, const char *sock,
			 struct bird6 *o, struct ct_path_bird6 *a)
{
	if (strcmp(n->source, "live") || !n->ns.n ||
	    (n->bgp && n->bgp->status.flavour == CT_BIRD_V2))
		return;
	const struct ct_netns *h0 = &n->ns.v[0];
	bool bird = false;
	for (size_t k = 0; k < h0->routes.n && !bird; k++)
		bird = h0->routes.v[k].protocol == 12 /* RTPROT_BIRD */ &&
		       h0->routes.v[k].dst.ip.family == AF_INET6;
	if (!bird)
		return;
	ct_bgp_init(&o->b);
	o->init = true;
	char s6[CT_PATH_LEN];
	bird6_beside(sock, s6, sizeof(s6));
	struct ct_bgp_gather_opts g = {
		.netns_spec = spec[0] ? spec : NULL,
		.socket = s6[0] ? s6 : NULL,
		.proc_root = c->proc_root,
		.timeout_s = c->o.timeout,
		.routes = true,
		.ipv6 = true,
	};
	struct ct_err berr = {0};
	a->asked = true;
	if (ct_bgp_gather_bgp(&o->b, &g, &berr) < 0) {
		snprintf(o->error, sizeof(o->error), "%s", berr.msg);
		a->error = o->error;
		return;
	}
	a->b = &o->b;
	a->error = "";
}

static uint8_t proto_of(const char *p, uint8_t family)
{
	if (p && !strcmp(p, "tcp"))
		return IPPROTO_TCP;
	if (p && !strcmp(p, "udp"))
		return IPPROTO_UDP;
	return family == AF_INET6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP;
}

/* The Services of node sn (live: kube-proxy's rules read in its namespace; snapshot: what
 * the model holds, IPVS addresses and eBPF). On a live node the policy read (pol, *pinit,
 * *pol_ok: read_policy's) comes first and its rulesets are the Services' too: the
 * `*tables-save` commands run once. 0, or -1 when a live namespace cannot be entered (err
 * set). */
static int read_services(struct ct_ctx *c, struct ct_node *n, struct ct_svcs *s,
			 struct ct_policy *pol, char *pinit, bool *pol_ok, struct ct_err *err)
{
	if (strcmp(n->source, "live")) {
		if (n->ns.n)
			ct_svc_from_node(s, &n->ns.v[0]);
		ct_svcs_finish(s);
		return 0;
	}
	const char *nsp = n->ns.n ? n->ns.v[0].path : "";
	if (!*pinit)
		*pol_ok = read_policy(c, n, pol, pinit);
	return ct_svc_gather_from_policy(s, pol, nsp[0] ? nsp : NULL, c->o.timeout, err);
}

/* What says that a node's Services cannot be read, or NULL. */
static const char *services_unreadable(const struct ct_svcs *s)
{
	const char *why = ct_svcs_unreadable(s);
	if (!why && s->no_cap)
		why = "reading kube-proxy's rules needs CAP_NET_ADMIN";
	return why;
}

/* --to-backend: IP must be one of v's backends. 0, or prints one line and returns 2. */
static int backend_check(const char *word, const struct ct_svc *v)
{
	struct ct_ip ip;
	if (ct_ip_parse(word, &ip) < 0)
		return CT_EXIT_USAGE;
	for (size_t i = 0; i < v->nbe; i++)
		if (ct_ip_eq(&v->be[i].ip, &ip))
			return 0;
	char hp[64], vb[64], list[512] = "";
	ct_ip_fmt(&v->vip, vb, sizeof(vb));
	for (size_t i = 0; i < v->nbe && i < 16; i++) {
		ct_ip_fmt(&v->be[i].ip, hp, sizeof(hp));
		size_t u = strlen(list);
		snprintf(list + u, sizeof(list) - u, "%s%s", i ? ", " : "", hp);
	}
	if (v->nbe_total > 16) {
		size_t u = strlen(list);
		snprintf(list + u, sizeof(list) - u, " and %zu more", v->nbe_total - 16);
	}
	char q[64], n[CT_SVC_NAME + 8];
	const char *name = v->name[0] ? v->name : "(no name)";
	ct_esc_clip(q, sizeof(q), word, strlen(word));
	ct_esc_clip(n, sizeof(n), name, strlen(name));
	if (v->no_endpoints || !v->nbe)
		fprintf(stderr, "caltrace: --to-backend %s: Service %s at %s has no endpoints\n", q, n, vb);
	else
		fprintf(stderr, "caltrace: --to-backend %s is not a backend of Service %s at %s: its backends are %s\n",
			q, n, vb, list);
	return CT_EXIT_USAGE;
}

/* ---- --probe ---- */

static bool watchable(enum ct_hop_kind k)
{
	return k == CT_HOP_POD_EGRESS || k == CT_HOP_WORKLOAD_IN || k == CT_HOP_EGRESS ||
	       k == CT_HOP_INGRESS || k == CT_HOP_WORKLOAD_OUT || k == CT_HOP_POD_INGRESS;
}

/* The path of the namespace a hop is in on a live node, or NULL. */
static const char *hop_ns_path(const struct ct_cluster *cl, const struct ct_hop *h)
{
	const struct ct_node *n = h->node >= 0 ? ct_cluster_node(cl, h->node) : NULL;
	if (!n || strcmp(n->source, "live") || !h->netns[0])
		return NULL;
	for (size_t i = 0; i < n->ns.n; i++)
		if (!strcmp(n->ns.v[i].name, h->netns))
			return n->ns.v[i].path;
	return NULL;
}

/* A tunnel hop (its device a vxlan, ipip or tun link): the device of the node's underlay
 * address, or NULL. */
static const char *underlay_of(const struct ct_cluster *cl, const struct ct_hop *h)
{
	const struct ct_node *n = h->node >= 0 ? ct_cluster_node(cl, h->node) : NULL;
	if (!n || !n->ns.n || !n->n_underlay || strcmp(h->netns, n->ns.v[0].name))
		return NULL;
	const struct ct_netns *ns = &n->ns.v[0];
	const struct ct_link *t = ct_link_by_name(ns, h->subject);
	if (!t || (strcmp(t->kind, "vxlan") && strcmp(t->kind, "ipip") && strcmp(t->kind, "tun")))
		return NULL;
	for (size_t i = 0; i < ns->addrs.n; i++)
		if (ct_ip_eq(&ns->addrs.v[i].pfx.ip, &n->underlay_ips[0])) {
			const struct ct_link *l = ct_link_by_ifindex(ns, ns->addrs.v[i].ifindex);
			return l && strcmp(l->name, h->subject) ? l->name : NULL;
		}
	return NULL;
}

static void progress(void *arg, unsigned sent, unsigned received)
{
	(void)arg;
	fprintf(stderr, "\rprobing: sent %u, received %u ", sent, received);
}

/* a policy hop's chain direction: does this drop belong to it? */
static bool drop_of_dir(const char *chain, bool to_wl)
{
	static const char *const in[] = {"cali-tw-", "cali-pi-", "cali-pri-"};
	static const char *const out[] = {"cali-fw-", "cali-po-", "cali-pro-"};
	const char *const *t = to_wl ? in : out;
	for (int i = 0; i < 3; i++)
		if (!strncmp(chain, t[i], strlen(t[i])))
			return true;
	return false;
}

static void moved_add(struct ct_path_probe *pr, int node, int hop, const char *name, int64_t d,
		      bool link, const char *netns)
{
	if (pr->n_moved >= CT_PROBE_MOVED)
		return;
	struct ct_probe_moved *m = &pr->moved[pr->n_moved++];
	m->node = node;
	m->hop = hop;
	snprintf(m->name, sizeof(m->name), "%s", name);
	m->delta = d;
	m->link = link;
	snprintf(m->netns, sizeof(m->netns), "%s", netns);
}

static void missing_add(struct ct_path_probe *pr, const char *what)
{
	size_t u = strlen(pr->missing);
	snprintf(pr->missing + u, sizeof(pr->missing) - u, "%s%s", u ? "; " : "", what);
}

/* A namespace on the path whose counters are read before and after (a node's own, or a
 * pod's). */
struct site {
	int node;
	const char *path;  /* as -n takes it, "" the caller's */
	const char *netns; /* the hops' netns name */
	bool host;	   /* the node's own namespace */
	int fds[CT_PROBE_NSTAT_FILES];
	bool ok;
	const char *ifs[32]; /* interfaces watched in it */
	size_t nif;
	struct ct_nstat before, after;
};

/* The first hop in netns whose interface (or underlay device watched under it) is
 * name[0..il), or -1. */
static int hop_of_iface(const struct ct_path *path, const struct ct_probe_watch *w, const int *hww,
			const char *netns, const char *name, size_t il)
{
	for (size_t k = 0; k < path->n; k++) {
		const struct ct_hop *h = &path->v[k];
		if (strcmp(h->netns, netns))
			continue;
		if (strlen(h->subject) == il && !memcmp(h->subject, name, il))
			return (int)k;
		const char *u = hww[k] >= 0 ? w[hww[k]].iface : "";
		if (strlen(u) == il && !memcmp(u, name, il))
			return (int)k;
	}
	return -1;
}

/* The counters of every site read again (after), and those that moved since before
 * into pr. */
static void kernel_moved(struct ct_path_probe *pr, struct ct_path *path,
			 const struct ct_probe_watch *w, const int *hww, struct site *st,
			 size_t nst)
{
	for (size_t i = 0; i < nst; i++) {
		struct site *y = &st[i];
		if (!y->ok)
			continue;
		struct ct_err e = {0};
		if (ct_probe_nstat_read(y->fds, y->ifs, y->nif, &y->after, &e) < 0) {
			char m[CT_NAME_LEN + 32];
			snprintf(m, sizeof(m), "kernel counters of %s (after)", y->netns);
			missing_add(pr, m);
			y->ok = false;
			continue;
		}
		for (size_t k = 0; k < y->after.n; k++) {
			int64_t v0;
			const struct ct_nstat_ent *x = &y->after.e[k];
			if (!ct_nstat_get(&y->before, x->name, &v0) || x->v - v0 < 1)
				continue;
			const char *sp = strchr(x->name, ' ');
			if (sp) { /* "IFACE rx_dropped" */
				int hk = hop_of_iface(path, w, hww, y->netns, x->name,
						      (size_t)(sp - x->name));
				if (hk >= 0)
					moved_add(pr, y->node, hk, x->name, x->v - v0, true, "");
			} else if (ct_path_probe_counter_known(x->name)) {
				moved_add(pr, y->node, -1, x->name, x->v - v0, false,
					  y->host ? "" : y->netns);
			}
		}
	}
}

/* The policy chains' DROP counters read again on every node whose chains were read before
 * (before[i]), those that moved into pr. now (per node, or NULL): keeps what was read, for
 * the next comparison (now_ok[i] says it was). */
static void policy_moved(struct ct_ctx *c, struct ct_cluster *cl, struct ct_path *path,
			 struct ct_path_probe *pr, struct ct_policy *const *before, bool dropped,
			 struct ct_policy *now_keep, bool *now_ok)
{
	size_t nn = cl->nodes.n, nh = path->n;
	for (size_t i = 0; i < nn; i++) {
		if (!before[i])
			continue;
		struct ct_node *n = ct_cluster_node(cl, (int)i);
		if (strcmp(n->source, "live"))
			continue; /* a snapshot's counters stay as it recorded them */
		if (dropped) {
			char m[128];
			snprintf(m, sizeof(m),
				 "policy counters of %s after the probe (privileges dropped)",
				 n->name);
			missing_add(pr, m);
			continue;
		}
		struct ct_policy now;
		ct_policy_init(&now);
		const char *nsp = n->ns.v[0].path;
		struct ct_err e = {0};
		const char *ifs[256];
		size_t nif = 0;
		for (size_t k = 0; k < n->ns.v[0].links.n && nif < 256; k++)
			if (ct_is_workload(&c->o.prefixes, n->ns.v[0].links.v[k].name))
				ifs[nif++] = n->ns.v[0].links.v[k].name;
		if (ct_policy_gather(&now, nsp[0] ? nsp : NULL, c->o.timeout, &e) < 0 ||
		    ct_policy_follow(&now, ifs, nif) < 0) {
			char m[128];
			snprintf(m, sizeof(m), "policy counters of %s (after)", n->name);
			missing_add(pr, m);
			ct_policy_free(&now);
			continue;
		}
		for (size_t k = 0; k < nh; k++) {
			const struct ct_hop *h = &path->v[k];
			bool in = h->kind == CT_HOP_POLICY_IN;
			if ((size_t)h->node != i || (!in && h->kind != CT_HOP_POLICY_OUT) ||
			    strlen(h->subject) <= 8)
				continue;
			const char *ifn = h->subject + 8; /* cali-tw- / cali-fw- */
			const struct ct_wl_policy *a = ct_policy_of(before[i], ifn);
			const struct ct_wl_policy *b = ct_policy_of(&now, ifn);
			if (!a || !b)
				continue;
			for (size_t d = 0; d < b->ndrops; d++) {
				const struct ct_pol_drop *y = &b->drops[d];
				if (!drop_of_dir(y->chain, in))
					continue;
				for (size_t d0 = 0; d0 < a->ndrops; d0++) {
					const struct ct_pol_drop *x0 = &a->drops[d0];
					if (strcmp(x0->chain, y->chain) || x0->rule != y->rule ||
					    y->pkts <= x0->pkts)
						continue;
					char nm[64];
					snprintf(nm, sizeof(nm), "%.40s rule %u %s", y->chain,
						 y->rule, y->target);
					moved_add(pr, (int)i, (int)k, nm,
						  (int64_t)(y->pkts - x0->pkts), false, "");
				}
			}
		}
		if (now_keep) {
			now_keep[i] = now;
			now_ok[i] = true;
		} else {
			ct_policy_free(&now);
		}
	}
}

/* One direction's result into pr. */
static void fill_result(struct ct_path_probe *pr, const struct ct_probe_result *r, uint8_t proto,
			unsigned size, bool v6, const struct ct_probe_side *sd)
{
	pr->done = true;
	pr->icmp_id = proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6 ? sd->key.id : -1;
	pr->v6 = v6;
	pr->ip_proto = proto == IPPROTO_ICMP && v6 ? IPPROTO_ICMPV6 : proto;
	pr->sent = r->sent;
	pr->received = r->received;
	pr->rtt_us = r->rtt_us;
	pr->size = size;
	pr->send_errno = r->send_errno;
	if (!r->icmp)
		return;
	char f[64];
	ct_ip_fmt(&r->icmp_from, f, sizeof(f));
	const char *from = r->icmp_from.family ? f : "?";
	pr->icmp_type = r->icmp_type;
	pr->icmp_code = r->icmp_code;
	pr->icmp_mtu = r->icmp_mtu;
	const char *nm = ct_probe_icmp_name(v6, r->icmp_type, r->icmp_code);
	if (ct_probe_icmp_too_big(v6, r->icmp_type, r->icmp_code))
		snprintf(pr->icmp_error, sizeof(pr->icmp_error), "%s mtu %u from %s", nm,
			 r->icmp_mtu, from);
	else if (v6 && nm)
		snprintf(pr->icmp_error, sizeof(pr->icmp_error),
			 "%s (ICMPv6 type %u code %u) from %s", nm, r->icmp_type, r->icmp_code,
			 from);
	else
		snprintf(pr->icmp_error, sizeof(pr->icmp_error), "ICMP%s type %u code %u from %s",
			 v6 ? "v6" : "", r->icmp_type, r->icmp_code, from);
}

/* What each hop's capture saw of one direction's probes (rev: the reverse probe's). */
static void fill_hops(struct ct_path *path, const struct ct_probe_watch *w, const int *hw,
		      const int *hww, bool rev)
{
	for (size_t k = 0; k < path->n; k++) {
		struct ct_hop_probe *hp = rev ? &path->v[k].rprobe : &path->v[k].probe;
		if (hww[k] >= 0 && w[hww[k]].src >= 0) {
			const struct ct_probe_watch *y = &w[hww[k]];
			hp->wire_watched = true;
			snprintf(hp->wire_iface, sizeof(hp->wire_iface), "%s", y->iface);
			hp->wire_req_seen = y->req_seen;
			hp->wire_rep_seen = y->rep_seen;
		}
		if (hw[k] < 0)
			continue;
		const struct ct_probe_watch *x = &w[hw[k]];
		if (x->src < 0)
			continue;
		hp->watched = true;
		hp->req_seen = x->req_seen;
		hp->rep_seen = x->rep_seen;
		hp->req_n = x->req_n;
		hp->rep_n = x->rep_n;
		hp->req_us = x->req_us;
		hp->rep_us = x->rep_us;
	}
}

/* DST's namespace, for the reverse probe: its path (as -n takes it), or NULL with why. */
static const char *reverse_from(struct ct_cluster *cl, const struct ct_path_query *q, char *why,
				size_t len)
{
	const struct ct_node *n = q->dst.node >= 0 ? ct_cluster_node(cl, q->dst.node) : NULL;
	if (!n) {
		snprintf(why, len, "no known node holds DST");
		return NULL;
	}
	if (q->dst.is_node) {
		snprintf(why, len, "DST is the address of node %s, not a pod", n->name);
		return NULL;
	}
	if (strcmp(n->source, "live")) {
		snprintf(why, len, "DST's node %s is a snapshot", n->name);
		return NULL;
	}
	if (q->dst.ns <= 0 || (size_t)q->dst.ns >= n->ns.n) {
		snprintf(why, len, "DST's pod namespace was not found on %s", n->name);
		return NULL;
	}
	return n->ns.v[q->dst.ns].path;
}

/* Sends the probes and fills path->probe and the hops' probe. 0, or an exit code with a
 * message printed. pols: the policy read before (per node, NULL not read). The capture
 * handles stay open in *pbp (*pb_open) for the caller to close once the answer is out:
 * closing a packet socket waits for the kernel (about 25 ms each). */
static int run_probe(struct ct_ctx *c, struct ct_cluster *cl, const struct ct_path_query *q,
		     struct ct_path *path, struct ct_policy *const *pols, struct ct_probe *pbp,
		     bool *pb_open)
{
	struct ct_path_probe *pr = &path->probe;
	struct ct_node *sn = q->src.node >= 0 ? ct_cluster_node(cl, q->src.node) : NULL;
	if (!sn || strcmp(sn->source, "live")) {
		fprintf(
		    stderr,
		    "caltrace: --probe sends from SRC's namespace: SRC must be on a live node\n");
		return CT_EXIT_USAGE;
	}
	int sni = q->src.ns > 0 && (size_t)q->src.ns < sn->ns.n ? q->src.ns : 0;
	const char *srcns = sn->ns.v[sni].path;
	struct ct_probe_opts po;
	memset(&po, 0, sizeof(po));
	po.src_netns = srcns[0] ? srcns : NULL;
	po.src = q->src.ip;
	po.dst = q->dst.ip;
	po.proto = q->ip_proto;
	po.port = q->port;
	po.count = c->o.count ? (unsigned)c->o.count : 1;
	po.wait_s = c->o.wait > 0 ? c->o.wait : 1;
	po.size = c->o.size;
	po.pmtu_probe = c->o.size_set || c->o.mtu;
	bool tty = isatty(2) && !c->o.json && !c->probe_tap;
	if (tty)
		po.progress = progress;
	po.tap = c->probe_tap; /* path --tui */
	/* one watch per (namespace, interface) */
	size_t nh = path->n;
	struct ct_probe_watch *w = calloc(nh ? 2 * nh : 1, sizeof(*w));
	int *hw = calloc(nh ? nh : 1, sizeof(*hw));
	int *hww = calloc(nh ? nh : 1, sizeof(*hww));
	size_t nw = 0;
	size_t nn = cl->nodes.n;
	struct site *st = calloc(nh ? nh : 1, sizeof(*st));
	size_t nst = 0;
	int rc = 0;
	struct ct_policy *pnow = NULL; /* the policy read after the forward probe */
	bool *pnow_ok = NULL;
	struct ct_policy **pnowp = NULL;
	struct ct_probe_watch *rw = NULL; /* what the captures saw of the reverse probe */
	if (!w || !hw || !hww || !st) {
		fprintf(stderr, "caltrace: out of memory\n");
		rc = CT_EXIT_GATHER;
		goto out;
	}
	for (size_t k = 0; k < nh; k++) {
		const struct ct_hop *h = &path->v[k];
		hw[k] = -1;
		const char *nsp = hop_ns_path(cl, h);
		size_t si;
		for (si = 0; nsp && si < nst; si++)
			if (!strcmp(st[si].path, nsp))
				break;
		if (nsp && si == nst) {
			const struct ct_node *n = ct_cluster_node(cl, h->node);
			st[nst] = (struct site){.node = h->node,
						.path = nsp,
						.netns = h->netns,
						.host = !strcmp(h->netns, n->ns.v[0].name)};
			for (int f = 0; f < CT_PROBE_NSTAT_FILES; f++)
				st[nst].fds[f] = -1;
			nst++;
		}
		if (!watchable(h->kind) || !nsp || !h->subject[0] || !strcmp(h->subject, "?"))
			continue;
		size_t i;
		for (i = 0; i < nw; i++)
			if (!strcmp(w[i].netns, nsp) && !strcmp(w[i].iface, h->subject))
				break;
		if (i == nw) {
			snprintf(w[nw].netns, sizeof(w[nw].netns), "%s", nsp);
			snprintf(w[nw].iface, sizeof(w[nw].iface), "%s", h->subject);
			nw++;
		}
		hw[k] = (int)i;
	}
	/* the underlay device under a tunnel's egress and ingress */
	for (size_t k = 0; k < nh; k++) {
		const struct ct_hop *h = &path->v[k];
		hww[k] = -1;
		bool tun = (h->kind == CT_HOP_EGRESS || h->kind == CT_HOP_INGRESS) && hw[k] >= 0;
		const char *u = tun ? underlay_of(cl, h) : NULL;
		if (!u)
			continue;
		char nsp[CT_PATH_LEN];
		snprintf(nsp, sizeof(nsp), "%s", w[hw[k]].netns);
		size_t i;
		for (i = 0; i < nw; i++)
			if (!strcmp(w[i].netns, nsp) && !strcmp(w[i].iface, u))
				break;
		if (i == nw) {
			snprintf(w[nw].netns, sizeof(w[nw].netns), "%s", nsp);
			snprintf(w[nw].iface, sizeof(w[nw].iface), "%s", u);
			nw++;
		}
		hww[k] = (int)i;
	}
	for (size_t i = 0; i < nw; i++)
		for (size_t k = 0; k < nst; k++)
			if (!strcmp(w[i].netns, st[k].path) && st[k].nif < 32)
				st[k].ifs[st[k].nif++] = w[i].iface;
	struct ct_probe *pb = pbp;
	if (ct_probe_open(pb, &po, w, nw, &c->err) < 0) {
		rc = ct_report_err(c);
		goto out;
	}
	*pb_open = true;
	/* the reverse probe's sockets in DST's namespace, before privileges drop */
	struct ct_path_probe *rp = &path->rprobe;
	const char *dstns = NULL;
	if (c->o.no_reverse)
		snprintf(rp->not_sent, sizeof(rp->not_sent), "--no-reverse");
	else
		dstns = reverse_from(cl, q, rp->not_sent, sizeof(rp->not_sent));
	bool rev = false;
	if (dstns) {
		struct ct_err e = {0};
		if (ct_probe_open_reverse(pb, dstns[0] ? dstns : NULL, &e) == 0)
			rev = true;
		else
			snprintf(rp->not_sent, sizeof(rp->not_sent), "%s", e.msg);
	}
	/* the counters before */
	for (size_t i = 0; i < nst; i++) {
		struct site *x = &st[i];
		struct ct_err e = {0};
		x->ok = ct_probe_nstat_open(x->path[0] ? x->path : NULL, x->fds, &e) == 0 &&
			ct_probe_nstat_read(x->fds, x->ifs, x->nif, &x->before, &e) == 0;
		if (!x->ok) {
			char m[CT_NAME_LEN + 32];
			snprintf(m, sizeof(m), "kernel counters of %s", x->netns);
			missing_add(pr, m);
		}
	}
	/* -Z: everything that needs privileges is open (captures, sockets, the counters' files);
	 * the policy chains cannot be read again without CAP_NET_ADMIN */
	bool dropped = false;
	if (c->o.user) {
		struct ct_cap_user u = {0};
		if (ct_cap_user_lookup(&u, c->o.user, &c->err) < 0 ||
		    ct_cap_drop_privileges(&u, &c->err) < 0) {
			rc = ct_report_err(c);
			goto out;
		}
		dropped = true;
	}
	struct ct_probe_result r;
	ct_probe_run(pb, &r, &c->err);
	if (tty)
		fprintf(stderr, "\r\033[K");
	/* the counters after: what moved */
	kernel_moved(pr, path, w, hww, st, nst);
	pnow = calloc(nn ? nn : 1, sizeof(*pnow));
	pnow_ok = calloc(nn ? nn : 1, sizeof(*pnow_ok));
	if (!pnow || !pnow_ok) {
		fprintf(stderr, "caltrace: out of memory\n");
		rc = CT_EXIT_GATHER;
		goto out;
	}
	policy_moved(c, cl, path, pr, pols, dropped, rev ? pnow : NULL, pnow_ok);
	/* the reverse probe, once the forward one is counted; its counters from there */
	if (rev) {
		rw = calloc(nw ? nw : 1, sizeof(*rw));
		pnowp = calloc(nn ? nn : 1, sizeof(*pnowp));
		if (!rw || !pnowp) {
			fprintf(stderr, "caltrace: out of memory\n");
			rc = CT_EXIT_GATHER;
			goto out;
		}
		for (size_t i = 0; i < nst; i++)
			st[i].before = st[i].after;
		struct ct_probe_result rr;
		ct_probe_run_reverse(pb, rw, &rr, &c->err);
		if (tty)
			fprintf(stderr, "\r\033[K");
		kernel_moved(rp, path, rw, hww, st, nst);
		for (size_t i = 0; i < nn; i++)
			pnowp[i] = pnow_ok[i] ? &pnow[i] : NULL;
		policy_moved(c, cl, path, rp, pnowp, dropped, NULL, NULL);
		fill_result(rp, &rr, po.proto, pb->o.size, po.dst.family == AF_INET6, &pb->side[1]);
		fill_hops(path, rw, hw, hww, true);
		for (size_t i = 0; i < nw; i++)
			if (rw[i].src < 0) {
				char m[200];
				snprintf(m, sizeof(m), "capture on %s: %s", rw[i].iface, rw[i].err);
				missing_add(rp, m);
			}
	}
	/* --mtu: after the counters, so that its probes do not move them */
	if (c->o.mtu) {
		unsigned hi = nh && path->v[0].mtu ? path->v[0].mtu : 1500;
		if (ct_probe_mtu(pb, hi, &pr->mtu_largest, &c->err) < 0) {
			rc = ct_report_err(c);
			goto out;
		}
		pr->mtu_asked = true;
	}
	/* into the path */
	fill_result(pr, &r, po.proto, pb->o.size, po.dst.family == AF_INET6, &pb->side[0]);
	fill_hops(path, w, hw, hww, false);
	for (size_t i = 0; i < nw; i++)
		if (w[i].src < 0) {
			char m[200];
			snprintf(m, sizeof(m), "capture on %s: %s", w[i].iface, w[i].err);
			missing_add(pr, m);
		}
	ct_path_probe_judge(path);
	if (rev)
		ct_path_probe_judge_reverse(path);
out:
	for (size_t i = 0; pnow_ok && i < nn; i++)
		if (pnow_ok[i])
			ct_policy_free(&pnow[i]);
	free(pnow);
	free(pnow_ok);
	free(pnowp);
	free(rw);
	free(w);
	free(hw);
	free(hww);
	for (size_t i = 0; i < nst; i++)
		ct_probe_nstat_close(st[i].fds);
	free(st);
	return rc;
}

/* path --tui's `p`: one probe as --probe sends it, the captures closed after */
struct tui_probe_arg {
	struct ct_ctx *c;
	struct ct_cluster *cl;
	const struct ct_path_query *q;
	struct ct_path *path;
	struct ct_policy *const *pols;
	unsigned runs;
};

static int tui_probe(void *arg)
{
	struct tui_probe_arg *a = arg;
	struct ct_path *p = a->path;
	/* after the first probe, the policy counters "before" are read again, as --probe
	 * would read them at its start (else a DROP of an earlier probe would count) */
	for (size_t i = 0; a->runs && i < a->cl->nodes.n; i++) {
		struct ct_policy *pol = a->pols[i];
		const struct ct_node *n = ct_cluster_node(a->cl, (int)i);
		if (!pol || !n->ns.n || strcmp(n->source, "live"))
			continue;
		ct_policy_free(pol);
		ct_policy_init(pol);
		const char *nsp = n->ns.v[0].path;
		const char *ifs[256];
		size_t nif = 0;
		for (size_t k = 0; k < n->ns.v[0].links.n && nif < 256; k++)
			if (ct_is_workload(&a->c->o.prefixes, n->ns.v[0].links.v[k].name))
				ifs[nif++] = n->ns.v[0].links.v[k].name;
		struct ct_err e = {0};
		if (ct_policy_gather(pol, nsp[0] ? nsp : NULL, a->c->o.timeout, &e) == 0)
			ct_policy_follow(pol, ifs, nif);
	}
	a->runs++;
	memset(&p->probe, 0, sizeof(p->probe));
	for (size_t k = 0; k < p->n; k++)
		memset(&p->v[k].probe, 0, sizeof(p->v[k].probe));
	if (a->q->svc && !a->q->to_backend) {
		fprintf(stderr, "caltrace: --probe to a Service VIP needs --to-backend\n");
		return CT_EXIT_USAGE;
	}
	struct ct_probe pb;
	bool open = false;
	/* p sends the forward probe only: the screen lights the forward hops with the request
	 * and the reverse hops with its reply (a reverse probe's own drops would be counted
	 * into the forward probe's policy counters) */
	bool nr = a->c->o.no_reverse;
	a->c->o.no_reverse = true;
	int rc = run_probe(a->c, a->cl, a->q, p, a->pols, &pb, &open);
	a->c->o.no_reverse = nr;
	if (open)
		ct_probe_close(&pb);
	return rc;
}

int cmd_path(struct ct_ctx *c)
{
	int rc0;
	if (c->o.argc != 2) {
		fprintf(stderr, "caltrace: path takes SRC and DST (a pod address, NAMESPACE/POD or a node address)\n");
		return CT_EXIT_USAGE;
	}
	bool probing = c->o.probe || c->o.tui; /* --tui probes on p */
	if (c->o.tui && (rc0 = cmd_path_tui_check(c)) != 0)
		return rc0;
	if (!probing &&
	    (c->o.wait > 0 || c->o.size_set || c->o.count || c->o.mtu || c->o.no_reverse)) {
		fprintf(stderr,
			"caltrace: --wait, --size, --count, --mtu and --no-reverse go with --probe\n");
		return CT_EXIT_USAGE;
	}
	if (c->o.user && !probing) {
		fprintf(stderr, "caltrace: -Z goes with --probe\n");
		return CT_EXIT_USAGE;
	}
	if (c->o.mtu && c->o.proto && strcmp(c->o.proto, "icmp")) {
		fprintf(stderr, "caltrace: --mtu probes with ICMP echo, not --proto %s\n",
			c->o.proto);
		return CT_EXIT_USAGE;
	}
	if (probing && c->o.proto && strcmp(c->o.proto, "icmp") && !c->o.port) {
		fprintf(stderr, "caltrace: --probe with --proto %s needs --port\n", c->o.proto);
		return CT_EXIT_USAGE;
	}
	if (probing && c->o.count > CT_PROBE_MAX_COUNT) {
		fprintf(stderr, "caltrace: --count: at most %d probes\n", CT_PROBE_MAX_COUNT);
		return CT_EXIT_USAGE;
	}
	if (c->o.port && (!c->o.proto || !strcmp(c->o.proto, "icmp"))) {
		fprintf(stderr, "caltrace: --port needs --proto tcp or udp\n");
		return CT_EXIT_USAGE;
	}
	static struct ct_path_nodespec specs[CT_PATH_MAX_NODES];
	size_t nspec = 0;
	if (c->o.nodes_file && read_nodes_file(c, specs, &nspec) < 0)
		return ct_report_err(c);
	for (int i = 0; i < c->o.n_node; i++) {
		const char *a = c->o.node_list[i];
		const char *eq = strchr(a, '=');
		char q[128];
		ct_esc_clip(q, sizeof(q), a, strlen(a));
		if (!eq || eq == a || !eq[1] || (size_t)(eq - a) >= CT_NAME_LEN ||
		    strlen(eq + 1) >= CT_PATH_LEN || !strcmp(eq + 1, "@")) {
			fprintf(stderr, "caltrace: a node is NAME=NETNS or NAME=@SNAPSHOT, not '%s'\n", q);
			return CT_EXIT_USAGE;
		}
		if (nspec >= CT_PATH_MAX_NODES) {
			fprintf(stderr, "caltrace: too many nodes (at most 64)\n");
			return CT_EXIT_USAGE;
		}
		struct ct_path_nodespec *e = &specs[nspec++];
		memset(e, 0, sizeof(*e));
		memcpy(e->name, a, (size_t)(eq - a));
		snprintf(e->spec, sizeof(e->spec), "%s", eq + 1);
		for (size_t k = 0; k + 1 < nspec; k++)
			if (!strcmp(specs[k].name, e->name)) {
				fprintf(stderr, "caltrace: node '%s' given twice\n", q);
				return CT_EXIT_USAGE;
			}
	}
	/* the local node: -n or --from, unless a --node names the same */
	char local_spec[CT_PATH_LEN + 1];
	if (c->o.from)
		snprintf(local_spec, sizeof(local_spec), "@%s", c->o.from);
	else
		snprintf(local_spec, sizeof(local_spec), "%s", c->o.netns ? c->o.netns : "");
	bool local_listed = false;
	for (size_t k = 0; k < nspec; k++)
		local_listed |= !strcmp(specs[k].spec, local_spec);

	struct ct_cluster cl;
	ct_cluster_init(&cl, &c->o.prefixes);
	int rc = CT_EXIT_OK;
	struct live *lv = NULL;
	struct ct_policy *pols = NULL;
	const struct ct_policy **polp = NULL;
	char *pinit = NULL;
	struct bird6 *b6 = NULL;
	struct ct_path_bird6 *b6a = NULL;
	struct ct_path path;
	ct_path_init(&path);
	struct ct_svcs svcs;
	ct_svcs_init(&svcs);
	struct ct_probe pb;
	bool pb_open = false;

	if (!local_listed) {
		if (ct_cluster_load(&cl, "", local_spec, &c->err) < 0) {
			rc = ct_report_err(c);
			goto out;
		}
	}
	for (size_t k = 0; k < nspec; k++) {
		if (ct_cluster_load(&cl, specs[k].name, specs[k].spec, &c->err) < 0) {
			if (c->err.exit_code == CT_EXIT_USAGE)
				c->err.exit_code = CT_EXIT_GATHER;
			rc = ct_report_err(c);
			goto out;
		}
	}
	size_t nn = cl.nodes.n;
	lv = calloc(nn, sizeof(*lv));
	pols = calloc(nn, sizeof(*pols));
	polp = calloc(nn, sizeof(*polp));
	pinit = calloc(nn, 1);
	b6 = calloc(nn, sizeof(*b6));
	b6a = calloc(nn, sizeof(*b6a));
	if (!lv || !pols || !polp || !pinit || !b6 || !b6a) {
		fprintf(stderr, "caltrace: out of memory\n");
		rc = CT_EXIT_GATHER;
		goto out;
	}
	if (c->o.pods) {
		struct ct_node *n0 = ct_cluster_node(&cl, 0);
		if (ct_pods_load(n0, c->o.pods, c->o.prefixes.list[0], c->o.timeout, &c->err) < 0) {
			rc = ct_report_err(c);
			goto out;
		}
	}
	struct ct_path_query q;
	memset(&q, 0, sizeof(q));
	char why[320];
	for (int e = 0; e < 2; e++) {
		struct ct_path_end *end = e ? &q.dst : &q.src;
		if (ct_path_end_resolve(&cl, &c->o.prefixes, c->o.argv[e], end, why, sizeof(why)) < 0) {
			char esc[400];
			fprintf(stderr, "caltrace: %s %s\n", e ? "DST:" : "SRC:",
				ct_escape(why, esc, sizeof(esc)));
			rc = CT_EXIT_USAGE;
			goto out;
		}
	}
	if (q.src.ip.family != q.dst.ip.family) {
		fprintf(stderr, "caltrace: SRC and DST are of different address families\n");
		rc = CT_EXIT_USAGE;
		goto out;
	}
	if (q.src.node < 0 && q.dst.node < 0) {
		char a[64], b[64];
		ct_ip_fmt(&q.src.ip, a, sizeof(a));
		ct_ip_fmt(&q.dst.ip, b, sizeof(b));
		fprintf(stderr, "caltrace: no known node holds %s or %s; add the nodes with --node or --nodes\n",
			a, b);
		rc = CT_EXIT_USAGE;
		goto out;
	}
	/* DST a Service VIP? The Services of SRC's node (else the local node), read when DST is
	 * no pod (or --to-backend asks) */
	const struct ct_svc *sv = NULL;
	const char *svc_why = NULL;
	int svc_node = q.src.node >= 0 ? q.src.node : 0;
	bool svc_pol_ok = false; /* the policy read the Services read made on svc_node */
	if (c->o.to_backend || q.dst.node < 0 || q.dst.is_node) {
		struct ct_err serr = {0};
		if (read_services(c, ct_cluster_node(&cl, svc_node), &svcs, &pols[svc_node],
				  &pinit[svc_node], &svc_pol_ok, &serr) == 0) {
			uint8_t sp = c->o.proto && strcmp(c->o.proto, "icmp")
					     ? ct_svc_proto_parse(c->o.proto)
					     : 0;
			sv = ct_svc_find(&svcs, &q.dst.ip, sp, sp ? c->o.port : 0);
			svc_why = sv ? NULL : services_unreadable(&svcs);
		} else if (c->o.to_backend) {
			c->err = serr;
			rc = ct_report_err(c);
			goto out;
		}
	}
	if (c->o.to_backend) {
		char db[64];
		ct_ip_fmt(&q.dst.ip, db, sizeof(db));
		if (!sv && svc_why) {
			fprintf(stderr, "caltrace: --to-backend: cannot tell whether %s is a Service VIP: %s\n",
				db, svc_why);
			rc = CT_EXIT_GATHER;
			goto out;
		}
		if (!sv) {
			fprintf(stderr, "caltrace: --to-backend needs DST to be a Service VIP%s%s: %s is none on %s\n",
				c->o.proto ? " for " : "", c->o.proto ? c->o.proto : "", db,
				ct_cluster_node(&cl, svc_node)->name);
			rc = CT_EXIT_USAGE;
			goto out;
		}
		if ((rc = backend_check(c->o.to_backend, sv)) != 0)
			goto out;
		if (ct_path_end_resolve(&cl, &c->o.prefixes, c->o.to_backend, &q.dst, why,
					sizeof(why)) < 0) {
			char esc[400];
			fprintf(stderr, "caltrace: --to-backend: %s\n", ct_escape(why, esc, sizeof(esc)));
			rc = CT_EXIT_USAGE;
			goto out;
		}
		/* shown as "VIP (BACKEND) on NODE": what the user asked, where it goes */
		snprintf(q.dst.label, sizeof(q.dst.label), "%s", db);
	}
	q.svc = sv;
	q.to_backend = c->o.to_backend != NULL;
	q.svc_node = svc_node;
	q.svc_unreadable = svc_why;
	/* BIRD on every live node (a snapshot keeps what BIRD said when it was taken), and
	 * Felix's policy on the live nodes of SRC and DST, one node after the other (threads
	 * were tried: the probes are not written for them, a BIRD read failed with EBADF) */
	struct gjob *jobs = calloc(nn, sizeof(*jobs));
	if (!jobs) {
		fprintf(stderr, "caltrace: out of memory\n");
		rc = CT_EXIT_GATHER;
		goto out;
	}
	for (size_t i = 0; i < nn && !(sv && !q.to_backend); i++) {
		struct gjob *j = &jobs[i];
		j->c = c;
		j->n = ct_cluster_node(&cl, (int)i);
		j->spec = local_spec;
		j->sock = c->o.bird_socket;
		for (size_t k = 0; k < nspec; k++)
			if (!strcmp(specs[k].name, j->n->name)) {
				j->spec = specs[k].spec;
				j->sock = specs[k].bird[0] ? specs[k].bird : NULL;
			}
		j->pol = (int)i == q.src.node || (int)i == q.dst.node ? &pols[i] : NULL;
		j->pinit = &pinit[i];
		j->pol_ok = (int)i == svc_node && svc_pol_ok;
		gather_node(j);
		if (j->pol && j->pol_ok)
			polp[i] = &pols[i];
		if (q.dst.ip.family == AF_INET6)
			gather_bird6(c, j->n, j->spec, j->sock, &b6[i], &b6a[i]);
	}
	free(jobs);
	q.bird6 = b6a;
	struct fibctx fc = {&cl, lv};
	q.ip_proto = proto_of(c->o.proto, q.dst.ip.family);
	q.port = c->o.port;
	q.now = (int64_t)time(NULL);
	q.prefixes = &c->o.prefixes;
	q.policy = polp;
	q.fib.lookup = fib_lookup;
	q.fib.arg = &fc;
	if (ct_path_build(&cl, &q, &path) < 0) {
		fprintf(stderr, "caltrace: out of memory\n");
		rc = CT_EXIT_GATHER;
		goto out;
	}
	if (c->o.tui) {
		struct tui_probe_arg ta = {c, &cl, &q, &path, (struct ct_policy *const *)polp, 0};
		rc = cmd_path_tui(c, &cl, &q, &path, tui_probe, &ta);
		goto out;
	}
	if (c->o.probe) {
		if (sv && !q.to_backend) {
			fprintf(stderr, "caltrace: --probe to a Service VIP needs --to-backend\n");
			rc = CT_EXIT_USAGE;
			goto out;
		}
		if ((rc = run_probe(c, &cl, &q, &path, (struct ct_policy *const *)polp, &pb,
				    &pb_open)) != 0)
			goto out;
	}
	struct ct_node *n0 = ct_cluster_node(&cl, q.src.node >= 0 ? q.src.node : 0);
	ct_out_begin(&c->out, "path", n0->name, n0->source[0] ? n0->source : "live",
		     n0->ns.n ? n0->ns.v[0].name : "host", n0->synthetic);
	ct_views_path(&c->out, &cl, &q, &path, c->o.proto ? c->o.proto : "icmp");
	ct_findings_sort(&path.findings);
	ct_out_end(&c->out, &path.findings);
	rc = ct_path_worst(&path) >= CT_HOP_WARN ? CT_EXIT_PROBLEMS : CT_EXIT_OK;
	if ((path.probe.done && path.probe.received < path.probe.sent) ||
	    (path.rprobe.done && path.rprobe.received < path.rprobe.sent))
		rc = CT_EXIT_PROBLEMS;
out:
	if (pb_open) {
		ct_out_flush(&c->out); /* the answer out before the captures close */
		ct_probe_close(&pb);
	}
	ct_path_free(&path);
	ct_svcs_free(&svcs);
	for (size_t i = 0; lv && i < cl.nodes.n; i++)
		if (lv[i].state == 1)
			ct_nl_close(&lv[i].nl);
	for (size_t i = 0; pinit && i < cl.nodes.n; i++)
		if (pinit[i])
			ct_policy_free(&pols[i]);
	free(pinit);
	for (size_t i = 0; b6 && i < cl.nodes.n; i++)
		if (b6[i].init)
			ct_bgp_free(&b6[i].b);
	free(b6);
	free(b6a);
	free(lv);
	free(pols);
	free(polp);
	ct_cluster_free(&cl);
	return rc;
}
