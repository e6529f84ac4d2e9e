/* SPDX-License-Identifier: MIT */
/*
 * TCP sockets on port 179 through NETLINK_SOCK_DIAG, as `ss -tan '( sport =
 * :179 or dport = :179 )'` sees them. The kernel filters with a two-op
 * inet_diag bytecode; each answer is checked (sequence, sender, lengths,
 * family) and filtered again here, so a kernel that ignored the filter would
 * still give the right set. See probes/sockdiag.h.
 */
#include "probes/sockdiag.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>

#define BGP_PORT 179
#define DUMP_TRIES 3

/* The names ss prints (misc/ss.c sstate_name), with ESTAB and UNCONN spelt out. */
static const char *const tcp_states[] = {
	[1] = "ESTABLISHED", [2] = "SYN-SENT",	[3] = "SYN-RECV", [4] = "FIN-WAIT-1",
	[5] = "FIN-WAIT-2",  [6] = "TIME-WAIT", [7] = "CLOSE",	  [8] = "CLOSE-WAIT",
	[9] = "LAST-ACK",    [10] = "LISTEN",	[11] = "CLOSING", [12] = "SYN-RECV",
};

const char *ct_tcp_state_name(unsigned st)
{
	if (st < sizeof(tcp_states) / sizeof(tcp_states[0]) && tcp_states[st])
		return tcp_states[st];
	return "UNKNOWN";
}

struct sess_vec {
	struct ct_tcp179 *v;
	size_t n, cap;
};

static int vec_push(struct sess_vec *s, const struct ct_tcp179 *t)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		struct ct_tcp179 *v = realloc(s->v, cap * sizeof(*v));
		if (!v)
			return -1;
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = *t;
	return 0;
}

static void set_ip(struct ct_ip *ip, uint8_t family, const uint32_t a[4])
{
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

	memset(ip, 0, sizeof(*ip));
	if (family == AF_INET) {
		ip->family = AF_INET;
		memcpy(ip->a, a, 4);
		return;
	}
	if (memcmp(a, mapped, sizeof(mapped)) == 0) {
		ip->family = AF_INET;
		memcpy(ip->a, (const uint8_t *)a + 12, 4);
		return;
	}
	ip->family = AF_INET6;
	memcpy(ip->a, a, 16);
}

static int cmp_ip(const struct ct_ip *x, const struct ct_ip *y)
{
	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	return memcmp(x->a, y->a, sizeof(x->a));
}

static int cmp_sess(const void *pa, const void *pb)
{
	const struct ct_tcp179 *a = pa, *b = pb;
	int c = cmp_ip(&a->local, &b->local);
	if (c)
		return c;
	if (a->lport != b->lport)
		return a->lport < b->lport ? -1 : 1;
	c = cmp_ip(&a->remote, &b->remote);
	if (c)
		return c;
	if (a->rport != b->rport)
		return a->rport < b->rport ? -1 : 1;
	return strcmp(a->state, b->state);
}

/* The request: inet_diag_req_v2 and a bytecode for "sport == 179 || dport ==
 * 179". The kernel walks it (inet_diag_bc_run) taking an op's `yes` offset
 * when the condition holds and `no` otherwise, and accepts a socket when it
 * lands exactly on the end; its audit (inet_diag_bc_audit) wants every `no`
 * target to be reachable through `yes` offsets, so the ops follow each other
 * on `yes` and branch on `no`:
 *   0: S_COND :179  yes -> 1 (JMP)       no -> 2
 *   1: JMP          no -> end (accept)
 *   2: D_COND :179  yes -> end (accept)  no -> end + 4 (reject)
 */
/* inet_diag_hostcond without its flexible address array (no address is matched) */
struct hostcond_noaddr {
	uint8_t family;
	uint8_t prefix_len;
	int port;
};

struct bc_cond {
	struct inet_diag_bc_op op;
	struct hostcond_noaddr cond;
};

_Static_assert(sizeof(struct hostcond_noaddr) == sizeof(struct inet_diag_hostcond),
	       "the kernel's hostcond layout");

struct diag_req {
	struct nlmsghdr nlh;
	struct inet_diag_req_v2 r;
	struct nlattr bc_hdr;
	struct bc_cond sport;
	struct inet_diag_bc_op jmp;
	struct bc_cond dport;
};

_Static_assert(sizeof(struct bc_cond) == 12, "inet_diag op + hostcond");
_Static_assert(sizeof(struct diag_req) ==
		       sizeof(struct nlmsghdr) + sizeof(struct inet_diag_req_v2) + 4 + 12 + 4 + 12,
	       "no padding in the request");

static void build_req(struct diag_req *q, uint8_t family, uint32_t seq)
{
	const unsigned short c = sizeof(struct bc_cond), j = sizeof(struct inet_diag_bc_op);

	memset(q, 0, sizeof(*q));
	q->nlh.nlmsg_len = sizeof(*q);
	q->nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	q->nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	q->nlh.nlmsg_seq = seq;
	q->r.sdiag_family = family;
	q->r.sdiag_protocol = IPPROTO_TCP;
	q->r.idiag_states = ~0U; /* every state, request sockets (SYN-RECV) included */
	q->bc_hdr.nla_len = (unsigned short)(sizeof(q->bc_hdr) + 2 * c + j);
	q->bc_hdr.nla_type = INET_DIAG_REQ_BYTECODE;
	q->sport.op = (struct inet_diag_bc_op){INET_DIAG_BC_S_COND, (unsigned char)c, c + j};
	q->sport.cond = (struct hostcond_noaddr){.family = AF_UNSPEC, .port = BGP_PORT};
	q->jmp = (struct inet_diag_bc_op){INET_DIAG_BC_JMP, (unsigned char)j, j + c};
	q->dport.op = (struct inet_diag_bc_op){INET_DIAG_BC_D_COND, (unsigned char)c, c + 4};
	q->dport.cond = (struct hostcond_noaddr){.family = AF_UNSPEC, .port = BGP_PORT};
}

static int diag_fail(struct ct_err *err, const char *what, int e)
{
	if (e == EAGAIN || e == EWOULDBLOCK)
		return ct_err_set(err, CT_EXIT_GATHER,
				  "sock_diag: the kernel did not answer %s within %d s", what,
				  CT_SOCKDIAG_TIMEOUT_S);
	return ct_err_set(err, CT_EXIT_GATHER, "sock_diag: cannot %s: %s", what, strerror(e));
}

/* One family's dump into out. 0, 1 when the family is not there (no IPv6), -1. */
#define RX_LEN 65536
union rx_buf {
	struct nlmsghdr h;
	char b[RX_LEN];
};

static int dump_family(int fd, uint8_t family, uint32_t seq, union rx_buf *buf,
		       struct sess_vec *out, bool *intr, struct ct_err *err)
{
	struct diag_req q;
	struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};

	build_req(&q, family, seq);
	for (;;) {
		ssize_t k =
			sendto(fd, &q, sizeof(q), 0, (struct sockaddr *)&kernel, sizeof(kernel));
		if (k == (ssize_t)sizeof(q))
			break;
		if (k < 0 && errno == EINTR)
			continue;
		return diag_fail(err, "send the request", k < 0 ? errno : EIO);
	}
	for (;;) {
		struct sockaddr_nl from;
		struct iovec iov = {.iov_base = buf->b, .iov_len = sizeof(buf->b)};
		struct msghdr mh = {.msg_name = &from,
				    .msg_namelen = sizeof(from),
				    .msg_iov = &iov,
				    .msg_iovlen = 1};
		ssize_t k = recvmsg(fd, &mh, 0);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return diag_fail(err, "read the answer", errno);
		if (mh.msg_flags & MSG_TRUNC)
			return ct_err_set(err, CT_EXIT_GATHER,
					  "sock_diag: an answer was truncated");
		if (mh.msg_namelen < sizeof(from) || from.nl_pid != 0)
			continue; /* not from the kernel */
		size_t len = (size_t)k;
		for (struct nlmsghdr *h = &buf->h; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
			if (h->nlmsg_seq != seq)
				continue; /* an answer to an earlier request */
			if (h->nlmsg_flags & NLM_F_DUMP_INTR)
				*intr = true;
			if (h->nlmsg_type == NLMSG_DONE) {
				if (h->nlmsg_len >= NLMSG_LENGTH(sizeof(int))) {
					int e = *(int *)NLMSG_DATA(h);
					if (e < 0)
						return diag_fail(err, "dump TCP sockets", -e);
				}
				return 0;
			}
			if (h->nlmsg_type == NLMSG_ERROR) {
				if (h->nlmsg_len < NLMSG_LENGTH(sizeof(struct nlmsgerr)))
					return ct_err_set(err, CT_EXIT_GATHER,
							  "sock_diag: a truncated error message");
				const struct nlmsgerr *ne = NLMSG_DATA(h);
				int e = -ne->error;
				if (e == 0)
					continue;
				/* a kernel without IPv6 has no AF_INET6 handler */
				if (family == AF_INET6 && (e == ENOENT || e == EAFNOSUPPORT))
					return 1;
				return diag_fail(err, "dump TCP sockets", e);
			}
			if (h->nlmsg_type != SOCK_DIAG_BY_FAMILY)
				continue;
			if (h->nlmsg_len < NLMSG_LENGTH(sizeof(struct inet_diag_msg)))
				return ct_err_set(err, CT_EXIT_GATHER,
						  "sock_diag: a socket message of %u bytes is too "
						  "short",
						  h->nlmsg_len);
			const struct inet_diag_msg *m = NLMSG_DATA(h);
			if (m->idiag_family != family)
				continue;
			struct ct_tcp179 t;
			memset(&t, 0, sizeof(t));
			t.lport = ntohs(m->id.idiag_sport);
			t.rport = ntohs(m->id.idiag_dport);
			if (t.lport != BGP_PORT && t.rport != BGP_PORT)
				continue;
			set_ip(&t.local, family, m->id.idiag_src);
			set_ip(&t.remote, family, m->id.idiag_dst);
			snprintf(t.state, sizeof(t.state), "%s", ct_tcp_state_name(m->idiag_state));
			if (vec_push(out, &t) < 0)
				return ct_err_set(err, CT_EXIT_GATHER, "sock_diag: out of memory");
		}
	}
}

int ct_tcp179_dump(struct ct_bgp *b, struct ct_err *err)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (fd < 0)
		return diag_fail(err, "open a netlink socket", errno);
	struct timeval tv = {.tv_sec = CT_SOCKDIAG_TIMEOUT_S};
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0) {
		int e = errno;
		close(fd);
		return diag_fail(err, "set a receive timeout", e);
	}
	union rx_buf *buf = malloc(sizeof(*buf));
	if (!buf) {
		close(fd);
		return ct_err_set(err, CT_EXIT_GATHER, "sock_diag: out of memory");
	}
	uint32_t seq = (uint32_t)time(NULL);
	struct sess_vec v = {0};
	int rc = 0;
	/* a dump the kernel marks interrupted is taken again; after DUMP_TRIES
	 * the last one stands (inet_diag does not mark its dumps today) */
	for (int attempt = 0; attempt < DUMP_TRIES; attempt++) {
		bool intr = false;
		v.n = 0;
		rc = dump_family(fd, AF_INET, ++seq, buf, &v, &intr, err);
		if (rc == 0)
			rc = dump_family(fd, AF_INET6, ++seq, buf, &v, &intr, err);
		if (rc < 0 || !intr)
			break;
	}
	close(fd);
	free(buf);
	if (rc < 0) {
		free(v.v);
		return -1;
	}
	if (v.n > 1)
		qsort(v.v, v.n, sizeof(*v.v), cmp_sess);
	free(b->sessions);
	b->sessions = v.v;
	b->n_sessions = v.n;
	b->have_sessions = true;
	return 0;
}
