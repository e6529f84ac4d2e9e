/* SPDX-License-Identifier: MIT */
#include "probes/live.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include "model/rtnl.h"
#include "probes/netns.h"

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void ct_live_gather_opts(const struct ct_live *lv, struct ct_gather_opts *g)
{
	memset(g, 0, sizeof(*g));
	g->netns_spec = lv->spec[0] ? lv->spec : NULL;
	g->what = CT_G_ALL | (lv->o.no_pods ? 0 : CT_G_PODNS);
	g->pod_what = CT_G_ALL & ~(unsigned)(CT_G_PODNS | CT_G_NSNAMES | CT_G_NODEINFO);
	g->prefixes = &lv->pfx;
	g->proc_root = lv->o.proc_root;
}

/* Every pod namespace of the model, watched under its index in node.ns. */
static int live_watch(struct ct_live *lv, struct ct_err *err)
{
	/* forget the old indexes: the new model may order its namespaces differently */
	while (lv->ev.n_ns > 1)
		ct_ev_unwatch(&lv->ev, lv->ev.ns[1].tag);
	for (size_t j = 1; j < lv->node.ns.n; j++) {
		struct ct_netns *ns = &lv->node.ns.v[j];
		int fd, r;

		if (!ns->path[0])
			continue;
		fd = open(ns->path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue; /* gone since the gather: its events stop too */
		r = ct_ev_watch(&lv->ev, fd, (int)j);
		close(fd);
		if (r < 0)
			return ct_err_errno(err, -r, "watch the events of", ns->name);
	}
	return 0;
}

/* A full gather into a new model that replaces the current one on success. */
static int live_gather(struct ct_live *lv, struct ct_err *err)
{
	struct ct_gather_opts g;
	struct ct_node fresh;

	ct_live_gather_opts(lv, &g);
	ct_node_init(&fresh);
	if (ct_gather(&fresh, &g, err) < 0) {
		ct_node_free(&fresh);
		return -1;
	}
	ct_node_free(&lv->node);
	lv->node = fresh;
	int64_t t = now_ms();
	lv->ages = (struct ct_live_ages){ t, t, t, t, t, t };
	lv->rescan = false;
	return live_watch(lv, err);
}

int ct_live_open(struct ct_live *lv, const struct ct_live_opts *o, struct ct_err *err)
{
	char path[CT_PATH_LEN], name[CT_NAME_LEN];
	int r;

	memset(lv, 0, sizeof(*lv));
	lv->nodefd = -1;
	lv->ev.fd = -1;
	lv->o = *o;
	ct_node_init(&lv->node);
	if (o->prefixes)
		lv->pfx = *o->prefixes;
	else
		ct_prefixes_parse("cali", &lv->pfx);
	if (o->netns_spec) {
		snprintf(lv->spec, sizeof(lv->spec), "%s", o->netns_spec);
		if (ct_netns_resolve(o->netns_spec, path, sizeof(path), name, sizeof(name), err) < 0)
			return -1;
		lv->nodefd = ct_ns_open(path, name, err);
		if (lv->nodefd < 0)
			return -1;
	} else {
		snprintf(name, sizeof(name), "host");
	}
	/* subscribe first: what changes during the gather is queued, not missed */
	r = ct_ev_open(&lv->ev, lv->nodefd, 0, o->rcvbuf);
	if (r < 0) {
		ct_err_errno(err, -r, "listen to the network events of", name);
		ct_live_close(lv);
		return -1;
	}
	if (live_gather(lv, err) < 0 || ct_live_step(lv, err) < 0) {
		ct_live_close(lv);
		return -1;
	}
	return 0;
}

void ct_live_close(struct ct_live *lv)
{
	if (lv->ev.fd >= 0 || lv->ev.ns)
		ct_ev_close(&lv->ev);
	ct_node_free(&lv->node);
	if (lv->nodefd >= 0)
		close(lv->nodefd);
	lv->nodefd = -1;
}

int ct_live_fd(const struct ct_live *lv)
{
	return lv->ev.fd;
}

static bool live_knows_nsid(const struct ct_live *lv, int nsid)
{
	for (size_t j = 1; j < lv->node.ns.n; j++)
		if (lv->node.ns.v[j].nsid == nsid)
			return true;
	for (unsigned i = 0; i < lv->n_unmapped; i++)
		if (lv->unmapped[i] == nsid)
			return true;
	return false;
}

static int live_apply(const struct ct_ev *ev, void *arg)
{
	struct ct_live *lv = arg;
	struct ct_rtnl_msg m;
	struct ct_netns *ns;
	int r;

	if (ev->tag < 0 || (size_t)ev->tag >= lv->node.ns.n) {
		lv->skipped++;
		return 0;
	}
	/* a bridge port's RTM_NEWLINK / RTM_DELLINK of family AF_BRIDGE (port state, or a
	 * port leaving the bridge) is not the link itself: the decoder skips it */
	memset(&m, 0, sizeof(m));
	r = ct_rtnl_decode(ev->h, &m);
	if (r < 0) {
		lv->malformed++;
		return 0;
	}
	if (r == CT_RTNL_SKIP) {
		lv->skipped++;
		return 0;
	}
	ns = &lv->node.ns.v[ev->tag];
	if (lv->o.drop && lv->o.drop(&m, ev->tag, lv->o.drop_arg)) {
		lv->dropped++;
		ct_rtnl_msg_clear(&m);
		return 0;
	}
	if (m.kind == CT_RTNL_NSID) {
		/* a namespace got an id in the node: a pod appears when a veth points at it */
		lv->skipped++;
		ct_rtnl_msg_clear(&m);
		return 0;
	}
	/* a new device's netconf rows come before its RTM_NEWLINK (kernel 6.18); the link
	 * message carries the same values (IFLA_INET_CONF, IFLA_INET6_CONF), so the rows of
	 * a device the model does not have yet are not needed */
	if (m.kind == CT_RTNL_NETCONF && m.u.netconf.ifindex > 0 &&
	    !ct_link_by_ifindex(ns, m.u.netconf.ifindex)) {
		lv->skipped++;
		ct_rtnl_msg_clear(&m);
		return 0;
	}
	if (ev->tag == 0 && m.kind == CT_RTNL_LINK && !m.del && m.u.link.link_netnsid >= 0 &&
	    !lv->o.no_pods && !live_knows_nsid(lv, m.u.link.link_netnsid) &&
	    m.u.link.link_netnsid != lv->ev.self_nsid) {
		lv->rescan = true;
		lv->rescan_nsid = m.u.link.link_netnsid;
	}
	r = ct_netns_apply(ns, &m);
	ct_rtnl_msg_clear(&m);
	if (r < 0) {
		lv->failed++;
		return r == -ENOMEM ? r : 0;
	}
	lv->applied++;
	return 0;
}

static void live_derive(struct ct_live *lv)
{
	for (size_t j = 0; j < lv->node.ns.n; j++)
		ct_netns_derive(&lv->node.ns.v[j]);
	ct_node_derive(&lv->node, &lv->pfx);
}

int ct_live_resync(struct ct_live *lv, struct ct_err *err)
{
	if (live_gather(lv, err) < 0)
		return -1;
	lv->stale = false;
	return 0;
}

int ct_live_step(struct ct_live *lv, struct ct_err *err)
{
	uint64_t before = lv->applied;
	int r;

	for (;;) {
		r = ct_ev_read(&lv->ev, live_apply, lv, 0);
		if (r == -ENOBUFS || r == -EMSGSIZE) {
			/* the kernel dropped events: nothing short of a full dump is right */
			lv->stale = true;
			lv->resyncs++;
			snprintf(lv->msg, sizeof(lv->msg), "%s", CT_LIVE_LOST_MSG);
			/* empty the queue first: until it is empty the kernel drops without
			 * telling, which could hide a change made while the dump runs */
			r = ct_ev_flush(&lv->ev);
			if (r < 0)
				return ct_err_errno(err, -r, "read the network events of",
						    lv->node.ns.n ? lv->node.ns.v[0].name : "the node");
			if (ct_live_resync(lv, err) < 0)
				return -1;
			continue; /* what was queued after the loss is applied on top */
		}
		if (r < 0)
			return ct_err_errno(err, -r, "read the network events of",
					    lv->node.ns.n ? lv->node.ns.v[0].name : "the node");
		if (r == 0)
			break;
	}
	if (lv->rescan) {
		int want = lv->rescan_nsid;
		lv->rescans++;
		if (live_gather(lv, err) < 0)
			return -1;
		/* a peer the gather could not find (no name, no process): do not ask again */
		if (!live_knows_nsid(lv, want)) {
			const unsigned cap = sizeof(lv->unmapped) / sizeof(lv->unmapped[0]);
			if (lv->n_unmapped == cap) {
				memmove(&lv->unmapped[0], &lv->unmapped[1],
					(cap - 1) * sizeof(lv->unmapped[0]));
				lv->n_unmapped--;
			}
			lv->unmapped[lv->n_unmapped++] = want;
		}
	}
	live_derive(lv);
	return (int)(lv->applied - before);
}

static struct ct_netns *ns_by_name(struct ct_node *n, const char *name)
{
	for (size_t j = 0; j < n->ns.n; j++)
		if (strcmp(n->ns.v[j].name, name) == 0)
			return &n->ns.v[j];
	return NULL;
}

int ct_live_poll(struct ct_live *lv, struct ct_err *err)
{
	struct ct_gather_opts g;
	struct ct_node p;

	ct_live_gather_opts(lv, &g);
	g.what = CT_G_LINKS | CT_G_NETCONF | CT_G_NEIGHTBL | CT_G_GWCHECK | CT_G_ROUTES_WL |
		 (lv->o.no_pods ? 0 : CT_G_PODNS);
	g.pod_what = CT_G_LINKS | CT_G_NETCONF;
	ct_node_init(&p);
	if (ct_gather(&p, &g, err) < 0) {
		ct_node_free(&p);
		return -1;
	}
	for (size_t j = 0; j < p.ns.n; j++) {
		struct ct_netns *src = &p.ns.v[j];
		struct ct_netns *dst = j == 0 ? &lv->node.ns.v[0] : ns_by_name(&lv->node, src->name);
		if (!dst)
			continue;
		for (size_t i = 0; i < src->links.n; i++) {
			const struct ct_link *s = &src->links.v[i];
			struct ct_link *d = ct_link_by_ifindex(dst, s->ifindex);
			if (!d)
				continue;
			d->stats = s->stats;
			d->route_localnet = s->route_localnet;
			d->proxy_delay = s->proxy_delay;
		}
		dst->conf.conntrack_count = src->conf.conntrack_count;
		dst->conf.conntrack_max = src->conf.conntrack_max;
		if (j == 0) {
			/* swap the polled tables in */
			void *tv = dst->neightbls.v;
			size_t tn = dst->neightbls.n, tc = dst->neightbls.cap;
			dst->neightbls.v = src->neightbls.v;
			dst->neightbls.n = src->neightbls.n;
			dst->neightbls.cap = src->neightbls.cap;
			src->neightbls.v = tv;
			src->neightbls.n = tn;
			src->neightbls.cap = tc;
			void *gv = dst->gwchecks.v;
			size_t gn = dst->gwchecks.n, gc = dst->gwchecks.cap;
			dst->gwchecks.v = src->gwchecks.v;
			dst->gwchecks.n = src->gwchecks.n;
			dst->gwchecks.cap = src->gwchecks.cap;
			src->gwchecks.v = gv;
			src->gwchecks.n = gn;
			src->gwchecks.cap = gc;
		}
	}
	ct_node_free(&p);
	int64_t t = now_ms();
	lv->ages = (struct ct_live_ages){ t, t, t, t, t, t };
	return 0;
}

bool ct_live_message(struct ct_live *lv, char *buf, size_t len)
{
	if (!lv->msg[0])
		return false;
	if (len)
		snprintf(buf, len, "%s", lv->msg);
	lv->msg[0] = 0;
	return true;
}
