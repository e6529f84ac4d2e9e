/* SPDX-License-Identifier: MIT */
#include "probes/events.h"

#include "model/rtnl.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/net_namespace.h>
#include <linux/rtnetlink.h>

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

/* One notification is one skb of at most a page or two; 64 KiB leaves room. */
#define EV_BUF (64 * 1024)

static const unsigned ev_groups[] = {
	RTNLGRP_LINK,	      RTNLGRP_IPV4_IFADDR,  RTNLGRP_IPV6_IFADDR, RTNLGRP_IPV4_ROUTE,
	RTNLGRP_IPV6_ROUTE,   RTNLGRP_IPV4_RULE,    RTNLGRP_IPV6_RULE,	 RTNLGRP_NEIGH,
	RTNLGRP_IPV4_NETCONF, RTNLGRP_IPV6_NETCONF, RTNLGRP_NSID,
};

struct ev_open_arg {
	int rcvbuf;
	int fd;
	bool forced;
	int granted;
};

/* Runs inside the node namespace: the socket is bound to it for good. */
static int ev_socket(void *p)
{
	struct ev_open_arg *a = p;
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int one = 1, fd, r;
	socklen_t sl = sizeof(a->granted);

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	a->fd = fd;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &a->rcvbuf, sizeof(a->rcvbuf)) == 0)
		a->forced = true;
	else if (setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &a->rcvbuf, sizeof(a->rcvbuf)) < 0)
		return -errno;
	if (getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &a->granted, &sl) < 0)
		a->granted = -1;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -errno;
	for (size_t i = 0; i < sizeof(ev_groups) / sizeof(ev_groups[0]); i++) {
		unsigned g = ev_groups[i];
		if (setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &g, sizeof(g)) < 0)
			return -errno;
	}
	if (setsockopt(fd, SOL_NETLINK, NETLINK_LISTEN_ALL_NSID, &one, sizeof(one)) < 0)
		return -errno;
	r = 0;
	return r;
}

int ct_ev_nsid_of(struct ct_ev_src *es, int fd, int *nsid)
{
	return ct_nl_get_nsid(&es->req, fd, nsid);
}

static int ev_add(struct ct_ev_src *es, int fd, int nsid, int tag)
{
	if (es->n_ns == es->cap_ns) {
		size_t nc = es->cap_ns ? es->cap_ns * 2 : 8;
		struct ct_ev_ns *p = realloc(es->ns, nc * sizeof(*p));
		if (!p)
			return -ENOMEM;
		es->ns = p;
		es->cap_ns = nc;
	}
	es->ns[es->n_ns++] = (struct ct_ev_ns){ .fd = fd, .nsid = nsid, .tag = tag };
	return 0;
}

int ct_ev_open(struct ct_ev_src *es, int nsfd, int node_tag, int rcvbuf)
{
	struct ev_open_arg a = { .rcvbuf = rcvbuf > 0 ? rcvbuf : CT_EV_RCVBUF_DEFAULT, .fd = -1 };
	int r, self = -1;

	memset(es, 0, sizeof(*es));
	es->fd = -1;
	es->self_nsid = -1;
	r = ct_nl_call_in(nsfd, ev_socket, &a);
	if (r < 0) {
		if (a.fd >= 0)
			close(a.fd);
		return r;
	}
	es->fd = a.fd;
	es->rcvbuf = a.granted;
	es->rcvbuf_forced = a.forced;
	r = ct_nl_open_in(&es->req, nsfd);
	if (r < 0)
		goto fail;
	es->buflen = EV_BUF;
	es->buf = malloc(es->buflen);
	if (!es->buf) {
		r = -ENOMEM;
		goto fail;
	}
	r = ev_add(es, -1, -1, node_tag);
	if (r < 0)
		goto fail;
	/* the node's id for itself, if it has one, tags its own messages too */
	self = nsfd >= 0 ? dup(nsfd) : open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0) {
		r = -errno;
		goto fail;
	}
	r = ct_ev_nsid_of(es, self, &es->self_nsid);
	close(self);
	if (r < 0)
		goto fail;
	es->ns[0].nsid = es->self_nsid;
	return 0;
fail:
	ct_ev_close(es);
	return r;
}

void ct_ev_close(struct ct_ev_src *es)
{
	if (es->fd >= 0)
		close(es->fd);
	es->fd = -1;
	if (es->req.sk)
		ct_nl_close(&es->req);
	for (size_t i = 0; i < es->n_ns; i++)
		if (es->ns[i].fd >= 0)
			close(es->ns[i].fd);
	free(es->ns);
	free(es->buf);
	es->ns = NULL;
	es->buf = NULL;
	es->n_ns = es->cap_ns = 0;
}

int ct_ev_watch(struct ct_ev_src *es, int nsfd, int tag)
{
	int fd, nsid, r;

	for (size_t i = 0; i < es->n_ns; i++)
		if (es->ns[i].tag == tag)
			return -EEXIST;
	fd = fcntl(nsfd, F_DUPFD_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	r = ct_ev_nsid_of(es, fd, &nsid);
	if (r == 0)
		r = ev_add(es, fd, nsid, tag);
	if (r < 0)
		close(fd);
	return r;
}

int ct_ev_unwatch(struct ct_ev_src *es, int tag)
{
	for (size_t i = 1; i < es->n_ns; i++) {
		if (es->ns[i].tag != tag)
			continue;
		close(es->ns[i].fd);
		es->ns[i] = es->ns[--es->n_ns];
		return 0;
	}
	return -ENOENT;
}

const struct ct_ev_ns *ct_ev_by_nsid(const struct ct_ev_src *es, int nsid)
{
	if (nsid < 0)
		return NULL;
	for (size_t i = 0; i < es->n_ns; i++)
		if (es->ns[i].nsid == nsid)
			return &es->ns[i];
	return NULL;
}

/* An id appeared or went away in the node namespace: watched namespaces
 * without one ask again; one that lost its id forgets it. */
static int ev_nsid_change(struct ct_ev_src *es, const struct nlmsghdr *h)
{
	struct ct_rtnl_msg m;
	int id, r;

	if (ct_rtnl_decode(h, &m) != CT_RTNL_OK || m.kind != CT_RTNL_NSID)
		return 0;
	id = m.u.nsid;
	for (size_t i = 1; i < es->n_ns; i++) {
		struct ct_ev_ns *n = &es->ns[i];
		if (h->nlmsg_type == RTM_DELNSID) {
			if (n->nsid == id)
				n->nsid = -1;
		} else if (n->nsid < 0) {
			r = ct_ev_nsid_of(es, n->fd, &n->nsid);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

/* The watched namespace a message came from, NULL when none. */
static const struct ct_ev_ns *ev_source(const struct ct_ev_src *es, int nsid)
{
	if (nsid < 0 || nsid == es->self_nsid)
		return &es->ns[0];
	return ct_ev_by_nsid(es, nsid);
}

int ct_ev_read(struct ct_ev_src *es, ct_ev_handler fn, void *arg, unsigned max)
{
	int kept = 0;

	for (unsigned d = 0; max == 0 || d < max; d++) {
		union {
			struct cmsghdr c;
			uint8_t b[CMSG_SPACE(sizeof(int))];
		} ctl;
		struct sockaddr_nl sa;
		struct iovec iov = { .iov_base = es->buf, .iov_len = es->buflen };
		struct msghdr m = { 0 };
		int nsid = -1;
		ssize_t n;

		/* reset every time: recvmsg() shrinks msg_controllen to what it wrote */
		memset(&ctl, 0, sizeof(ctl));
		m.msg_name = &sa;
		m.msg_namelen = sizeof(sa);
		m.msg_iov = &iov;
		m.msg_iovlen = 1;
		m.msg_control = ctl.b;
		m.msg_controllen = sizeof(ctl.b);
		n = recvmsg(es->fd, &m, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			if (errno == ENOBUFS) {
				es->overruns++;
				return -ENOBUFS;
			}
			return -errno;
		}
		es->datagrams++;
		if (m.msg_flags & MSG_TRUNC) {
			es->truncated++;
			return -EMSGSIZE;
		}
		if (m.msg_namelen < sizeof(sa) || sa.nl_family != AF_NETLINK || sa.nl_pid != 0) {
			es->bad++; /* only the kernel speaks on this socket */
			continue;
		}
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
			if (c->cmsg_level == SOL_NETLINK && c->cmsg_type == NETLINK_LISTEN_ALL_NSID &&
			    c->cmsg_len >= CMSG_LEN(sizeof(int)))
				memcpy(&nsid, CMSG_DATA(c), sizeof(int));
		}
		/* NLMSG_OK / NLMSG_NEXT, with unsigned sizes */
		size_t len = (size_t)n, off = 0;
		while (len - off >= sizeof(struct nlmsghdr)) {
			struct nlmsghdr *h = (struct nlmsghdr *)(es->buf + off);
			if (h->nlmsg_len < sizeof(*h) || h->nlmsg_len > len - off)
				break;
			size_t step = NLMSG_ALIGN(h->nlmsg_len);
			off += step < len - off ? step : len - off;
			es->msgs++;
			if (h->nlmsg_type < RTM_BASE)
				continue; /* NOOP, ERROR, DONE: not notifications */
			const struct ct_ev_ns *src = ev_source(es, nsid);
			if (!src) {
				es->foreign++;
				continue;
			}
			/* the node's own id table changed: resolve watched namespaces */
			if (src == &es->ns[0] &&
			    (h->nlmsg_type == RTM_NEWNSID || h->nlmsg_type == RTM_DELNSID)) {
				int r = ev_nsid_change(es, h);
				if (r < 0)
					return r;
			}
			struct ct_ev ev = { .h = h, .nsid = nsid, .tag = src->tag };
			es->kept++;
			kept++;
			if (fn) {
				int r = fn(&ev, arg);
				if (r < 0)
					return r;
			}
		}
		if (off < len)
			es->bad++; /* a trailing partial message */
	}
	return kept;
}

int ct_ev_flush(struct ct_ev_src *es)
{
	int n = 0;

	for (;;) {
		ssize_t r = recv(es->fd, es->buf, es->buflen, MSG_TRUNC);
		if (r >= 0) {
			n++;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno == ENOBUFS) {
			es->overruns++;
			continue;
		}
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return n;
		return -errno;
	}
}

const char *ct_ev_type_name(uint16_t type)
{
	switch (type) {
	case RTM_NEWLINK: return "newlink";
	case RTM_DELLINK: return "dellink";
	case RTM_NEWADDR: return "newaddr";
	case RTM_DELADDR: return "deladdr";
	case RTM_NEWROUTE: return "newroute";
	case RTM_DELROUTE: return "delroute";
	case RTM_NEWNEIGH: return "newneigh";
	case RTM_DELNEIGH: return "delneigh";
	case RTM_NEWRULE: return "newrule";
	case RTM_DELRULE: return "delrule";
	case RTM_NEWNETCONF: return "newnetconf";
	case RTM_DELNETCONF: return "delnetconf";
	case RTM_NEWNSID: return "newnsid";
	case RTM_DELNSID: return "delnsid";
	case RTM_NEWNEIGHTBL: return "newneightbl";
	default: return "?";
	}
}
