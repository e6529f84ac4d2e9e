/* SPDX-License-Identifier: MIT */
#include "probes/nl.h"

#include "model/rtnl.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <arpa/inet.h>

#include <linux/net_namespace.h>
#include <linux/netlink.h>
#include <netlink/errno.h>
#include <netlink/handlers.h>
#include <netlink/socket.h>

/* Kernel dump skbs are at most 32 KiB; peeking still grows the buffer for a
 * larger single message instead of truncating it. */
#define NL_MSG_BUF (64 * 1024)
#define NL_RCVBUF (4 * 1024 * 1024)

static int nle_to_errno(int nle)
{
	switch (nle < 0 ? -nle : nle) {
	case NLE_AGAIN:
		return ETIMEDOUT; /* SO_RCVTIMEO expired */
	case NLE_NOMEM:
		return ENOMEM;
	case NLE_PERM:
		return EPERM;
	case NLE_NOACCESS:
		return EACCES;
	case NLE_SEQ_MISMATCH:
	case NLE_MSG_TRUNC:
	case NLE_MSG_OVERFLOW:
	case NLE_MSG_TOOSHORT:
		return EPROTO;
	case NLE_BAD_SOCK:
		return EBADF;
	case NLE_NOADDR:
		return EADDRNOTAVAIL;
	default:
		return EIO;
	}
}

static int cb_seq(struct nl_msg *msg, void *arg)
{
	struct ct_nl *nl = arg;

	/* a late answer to an earlier request: not ours, skip it */
	return nlmsg_hdr(msg)->nlmsg_seq == nl->seq ? NL_OK : NL_SKIP;
}

static int cb_valid(struct nl_msg *msg, void *arg)
{
	struct ct_nl *nl = arg;

	if (!nl->dump)
		nl->done = true;
	if (nl->herr)
		return NL_SKIP; /* keep draining after a handler failure */
	if (nl->stopped)
		return NL_STOP;
	int r = nl->fn ? nl->fn(nlmsg_hdr(msg), nl->arg) : 0;
	if (r == CT_NL_STOP) {
		nl->stopped = nl->done = true;
		return NL_STOP;
	}
	if (r < 0)
		nl->herr = r;
	return NL_OK;
}

static int cb_finish(struct nl_msg *msg, void *arg)
{
	struct ct_nl *nl = arg;
	struct nlmsghdr *h = nlmsg_hdr(msg);
	int32_t e;

	/* NLMSG_DONE carries the dump's final status */
	if (h->nlmsg_len >= NLMSG_LENGTH(sizeof(e))) {
		memcpy(&e, nlmsg_data(h), sizeof(e));
		if (e < 0 && !nl->kerr)
			nl->kerr = -e;
	}
	nl->done = true;
	return NL_OK;
}

/* an ACK (error 0) ends a request that has no other answer */
static int cb_ack(struct nl_msg *msg, void *arg)
{
	struct ct_nl *nl = arg;

	nl->done = true;
	return NL_OK;
}

static int cb_intr(struct nl_msg *msg, void *arg)
{
	struct ct_nl *nl = arg;

	nl->intr = true;
	return NL_OK;
}

static int cb_err(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct ct_nl *nl = arg;

	if (!nl->kerr)
		nl->kerr = e->error < 0 ? -e->error : e->error;
	nl->done = true;
	return NL_SKIP;
}

/* ---- recording (pcap, LINKTYPE_NETLINK) ---- */

#define PCAP_MAGIC 0xa1b2c3d4
#define LINKTYPE_NETLINK 253
#define ARPHRD_NETLINK_ 824
#define REC_SNAPLEN 262144

struct pcap_rec_hdr {
	uint32_t sec, usec, caplen, len;
};

static int cb_rec(struct nl_msg *msg, void *arg)
{
	struct ct_nl *nl = arg;
	struct nlmsghdr *h = nlmsg_hdr(msg);
	FILE *f = nl->rec;
	struct timeval tv;
	uint16_t sll[8];

	if (!f || nl->rec_err)
		return NL_OK;
	/* cooked header: packet type, ARPHRD type, address length, 8 address bytes,
	 * protocol (the netlink family), all big endian */
	memset(sll, 0, sizeof(sll));
	sll[0] = htons(0); /* to us */
	sll[1] = htons(ARPHRD_NETLINK_);
	sll[7] = htons(NETLINK_ROUTE);
	uint32_t len = h->nlmsg_len;
	gettimeofday(&tv, NULL);
	struct pcap_rec_hdr r = { .sec = (uint32_t)tv.tv_sec, .usec = (uint32_t)tv.tv_usec,
				  .caplen = (uint32_t)sizeof(sll) + len,
				  .len = (uint32_t)sizeof(sll) + len };
	if (fwrite(&r, sizeof(r), 1, f) != 1 || fwrite(sll, sizeof(sll), 1, f) != 1 ||
	    fwrite(h, len, 1, f) != 1)
		nl->rec_err = errno ? errno : EIO;
	return NL_OK;
}

int ct_nl_record(struct ct_nl *nl, FILE *f)
{
	nl->rec = f;
	nl->rec_err = 0;
	if (!f)
		return 0;
	if (ftell(f) == 0) {
		struct {
			uint32_t magic;
			uint16_t major, minor;
			int32_t zone;
			uint32_t sigfigs, snaplen, linktype;
		} gh = { PCAP_MAGIC, 2, 4, 0, 0, REC_SNAPLEN, LINKTYPE_NETLINK };
		if (fwrite(&gh, sizeof(gh), 1, f) != 1)
			return -(errno ? errno : EIO);
	}
	int r = nl_socket_modify_cb(nl->sk, NL_CB_MSG_IN, NL_CB_CUSTOM, cb_rec, nl);
	return r < 0 ? -nle_to_errno(r) : 0;
}

int ct_nl_open(struct ct_nl *nl)
{
	struct timeval tv = { .tv_sec = CT_NL_TIMEOUT_SEC };
	int r;

	memset(nl, 0, sizeof(*nl));
	nl->sk = nl_socket_alloc();
	if (!nl->sk)
		return -ENOMEM;
	/* our own sequence check and completion tracking, no implicit ACKs */
	nl_socket_disable_auto_ack(nl->sk);
	r = nl_connect(nl->sk, NETLINK_ROUTE);
	if (r < 0)
		goto fail;
	if (setsockopt(nl_socket_get_fd(nl->sk), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0) {
		r = -errno;
		ct_nl_close(nl);
		return r;
	}
	/* best effort: capped by net.core.rmem_max */
	nl_socket_set_buffer_size(nl->sk, NL_RCVBUF, 0);
	r = nl_socket_set_msg_buf_size(nl->sk, NL_MSG_BUF);
	if (r < 0)
		goto fail;
	nl_socket_enable_msg_peek(nl->sk);
	nl->cb = nl_socket_get_cb(nl->sk);
	if (!nl->cb) {
		r = -NLE_NOMEM;
		goto fail;
	}
	if ((r = nl_socket_modify_cb(nl->sk, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, cb_seq, nl)) < 0 ||
	    (r = nl_socket_modify_cb(nl->sk, NL_CB_VALID, NL_CB_CUSTOM, cb_valid, nl)) < 0 ||
	    (r = nl_socket_modify_cb(nl->sk, NL_CB_FINISH, NL_CB_CUSTOM, cb_finish, nl)) < 0 ||
	    (r = nl_socket_modify_cb(nl->sk, NL_CB_DUMP_INTR, NL_CB_CUSTOM, cb_intr, nl)) < 0 ||
	    (r = nl_socket_modify_cb(nl->sk, NL_CB_ACK, NL_CB_CUSTOM, cb_ack, nl)) < 0 ||
	    (r = nl_socket_modify_err_cb(nl->sk, NL_CB_CUSTOM, cb_err, nl)) < 0)
		goto fail;
	return 0;
fail:
	ct_nl_close(nl);
	return -nle_to_errno(r);
}

void ct_nl_close(struct ct_nl *nl)
{
	if (nl->cb)
		nl_cb_put(nl->cb);
	if (nl->sk)
		nl_socket_free(nl->sk);
	nl->cb = NULL;
	nl->sk = NULL;
}

/* Sends msg (freed here) and reads until its reply is complete. */
static int nl_transact(struct ct_nl *nl, struct nl_msg *msg, bool dump, ct_nl_handler fn,
		       void *arg)
{
	int r;

	nl->fn = fn;
	nl->arg = arg;
	nl->dump = dump;
	nl->done = nl->intr = nl->stopped = false;
	nl->kerr = nl->herr = 0;
	r = nl_send_auto(nl->sk, msg);
	nl->seq = nlmsg_hdr(msg)->nlmsg_seq;
	nlmsg_free(msg);
	if (r < 0)
		return -nle_to_errno(r);
	while (!nl->done) {
		/* the number of messages read: 0 would mean end of file */
		r = nl_recvmsgs_report(nl->sk, nl->cb);
		if (r == -NLE_DUMP_INTR) {
			nl->intr = true;
			continue;
		}
		if (nl->stopped)
			return nl->herr;
		if (r < 0) {
			return -nle_to_errno(r);
		}
		if (r == 0)
			return -EIO;
	}
	if (nl->kerr)
		return -nl->kerr;
	return nl->herr;
}

int ct_nl_dump(struct ct_nl *nl, int type, const void *hdr, size_t hlen, ct_nl_handler fn,
	       void *arg)
{
	struct nl_msg *msg = nlmsg_alloc_simple(type, NLM_F_DUMP);

	if (!msg)
		return -ENOMEM;
	if (nlmsg_append(msg, (void *)hdr, hlen, NLMSG_ALIGNTO) < 0) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	return nl_transact(nl, msg, true, fn, arg);
}

int ct_nl_request(struct ct_nl *nl, struct nl_msg *msg, ct_nl_handler fn, void *arg)
{
	return nl_transact(nl, msg, false, fn, arg);
}

bool ct_nla_u8(const struct nlattr *a, uint8_t *v)
{
	if (!a || nla_len(a) < (int)sizeof(*v))
		return false;
	memcpy(v, nla_data(a), sizeof(*v));
	return true;
}

bool ct_nla_u16(const struct nlattr *a, uint16_t *v)
{
	if (!a || nla_len(a) < (int)sizeof(*v))
		return false;
	memcpy(v, nla_data(a), sizeof(*v));
	return true;
}

bool ct_nla_u32(const struct nlattr *a, uint32_t *v)
{
	if (!a || nla_len(a) < (int)sizeof(*v))
		return false;
	memcpy(v, nla_data(a), sizeof(*v));
	return true;
}

bool ct_nla_s32(const struct nlattr *a, int32_t *v)
{
	if (!a || nla_len(a) < (int)sizeof(*v))
		return false;
	memcpy(v, nla_data(a), sizeof(*v));
	return true;
}

bool ct_nla_ip(const struct nlattr *a, uint8_t family, struct ct_ip *out)
{
	if (!a)
		return false;
	int len = nla_len(a);
	if (family == 0)
		family = len == 4 ? AF_INET : len == 16 ? AF_INET6 : 0;
	int need = family == AF_INET ? 4 : family == AF_INET6 ? 16 : -1;
	if (need < 0 || len < need)
		return false;
	memset(out, 0, sizeof(*out));
	out->family = family;
	memcpy(out->a, nla_data(a), (size_t)need);
	return true;
}

void ct_nla_str(const struct nlattr *a, char *dst, size_t size)
{
	if (!size)
		return;
	if (!a) {
		dst[0] = 0;
		return;
	}
	nla_strlcpy(dst, a, size);
	dst[size - 1] = 0;
}

int ct_nl_strict(struct ct_nl *nl, bool on)
{
	int v = on;
	if (setsockopt(nl_socket_get_fd(nl->sk), SOL_NETLINK, NETLINK_GET_STRICT_CHK, &v,
		       sizeof(v)) < 0)
		return -errno;
	return 0;
}

int ct_nl_call_in(int nsfd, int (*open_fn)(void *arg), void *arg)
{
	int self, r;

	if (nsfd < 0)
		return open_fn(arg);
	self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0)
		return -errno;
	if (setns(nsfd, CLONE_NEWNET) < 0) {
		r = -errno;
		close(self);
		return r;
	}
	r = open_fn(arg);
	/* never go on in the wrong namespace: the caller must know */
	if (setns(self, CLONE_NEWNET) < 0)
		r = -ENOTRECOVERABLE;
	close(self);
	return r;
}

static int nl_open_cb(void *arg)
{
	return ct_nl_open(arg);
}

int ct_nl_open_in(struct ct_nl *nl, int nsfd)
{
	int r;

	memset(nl, 0, sizeof(*nl));
	r = ct_nl_call_in(nsfd, nl_open_cb, nl);
	if (r == -ENOTRECOVERABLE)
		ct_nl_close(nl);
	return r < 0 ? r : 0;
}

static int nsid_reply(struct nlmsghdr *h, void *arg)
{
	int *nsid = arg;
	struct ct_rtnl_msg m;

	if (h->nlmsg_type == RTM_NEWNSID && ct_rtnl_decode(h, &m) == CT_RTNL_OK &&
	    m.kind == CT_RTNL_NSID && m.u.nsid >= 0)
		*nsid = m.u.nsid;
	return 0;
}

int ct_nl_get_nsid(struct ct_nl *nl, int fd, int *nsid)
{
	struct rtgenmsg rt = { .rtgen_family = AF_UNSPEC };
	struct nl_msg *msg = nlmsg_alloc_simple(RTM_GETNSID, 0);
	int r;

	*nsid = -1;
	if (!msg || nlmsg_append(msg, &rt, sizeof(rt), NLMSG_ALIGNTO) < 0 ||
	    nla_put_u32(msg, NETNSA_FD, (uint32_t)fd) < 0) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	r = ct_nl_request(nl, msg, nsid_reply, nsid);
	if (r < 0 && nl->kerr) { /* not a namespace, or gone: no id */
		*nsid = -1;
		return 0;
	}
	return r;
}
