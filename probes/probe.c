/* SPDX-License-Identifier: MIT */
#include "probes/probe.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/errqueue.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "model/pkt.h"
#include "probes/inns.h"

#define DEFAULT_SIZE 56
#define MAX_SIZE     65000

static int64_t mono_us(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000 + t.tv_nsec / 1000;
}

static void fill_sa(const struct ct_ip *ip, uint16_t port, struct sockaddr_storage *ss,
		    socklen_t *len)
{
	memset(ss, 0, sizeof(*ss));
	if (ip->family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		memcpy(&s6->sin6_addr, ip->a, 16);
		*len = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		memcpy(&s4->sin_addr, ip->a, 4);
		*len = sizeof(*s4);
	}
}

struct mk {
	struct ct_probe *pb;
	struct ct_probe_side *sd;
};

static bool is_icmp(uint8_t proto)
{
	return proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6;
}

/* ICMPv6 echo: a ping socket when ping_group_range allows it here, else a raw one that lets
 * only echo replies and errors through */
static int icmp6_socket(struct ct_probe_side *sd)
{
	int s = socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ICMPV6);
	if (s >= 0) {
		sd->ping6 = true;
		return s;
	}
	s = socket(AF_INET6, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ICMPV6);
	if (s < 0)
		return -1;
	struct icmp6_filter f;
	ICMP6_FILTER_SETBLOCKALL(&f);
	ICMP6_FILTER_SETPASS(ICMP6_ECHO_REPLY, &f);
	ICMP6_FILTER_SETPASS(ICMP6_DST_UNREACH, &f);
	ICMP6_FILTER_SETPASS(ICMP6_PACKET_TOO_BIG, &f);
	ICMP6_FILTER_SETPASS(ICMP6_TIME_EXCEEDED, &f);
	ICMP6_FILTER_SETPASS(ICMP6_PARAM_PROB, &f);
	setsockopt(s, IPPROTO_ICMPV6, ICMP6_FILTER, &f, sizeof(f));
	return s;
}

/* inside the sending namespace (SRC's, or DST's for the reverse probe): the sockets */
static int make_socks(void *arg, struct ct_err *err)
{
	struct ct_probe_side *sd = ((struct mk *)arg)->sd;
	const struct ct_probe_opts *o = &((struct mk *)arg)->pb->o;
	unsigned n = is_icmp(o->proto) ? 1 : o->count;
	for (unsigned i = 0; i < n; i++) {
		int s;
		if (is_icmp(o->proto) && sd->dst.family == AF_INET6)
			s = icmp6_socket(sd);
		else if (is_icmp(o->proto))
			s = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ICMP);
		else
			s = socket(sd->dst.family,
				   (o->proto == IPPROTO_TCP ? SOCK_STREAM : SOCK_DGRAM) |
				       SOCK_NONBLOCK | SOCK_CLOEXEC,
				   0);
		if (s < 0)
			return ct_err_set(err, CT_EXIT_GATHER,
					  "cannot open the probe's socket: %s%s", strerror(errno),
					  errno == EPERM ? " (it needs CAP_NET_RAW)" : "");
		sd->socks[sd->nsocks++] = s;
		int one = 1;
		if (sd->dst.family == AF_INET) {
			setsockopt(s, IPPROTO_IP, IP_RECVERR, &one, sizeof(one));
			if (o->pmtu_probe) {
				int v = IP_PMTUDISC_PROBE;
				setsockopt(s, IPPROTO_IP, IP_MTU_DISCOVER, &v, sizeof(v));
			}
		} else {
			setsockopt(s, IPPROTO_IPV6, IPV6_RECVERR, &one, sizeof(one));
			if (o->pmtu_probe) {
				int v = IPV6_PMTUDISC_PROBE;
				setsockopt(s, IPPROTO_IPV6, IPV6_MTU_DISCOVER, &v, sizeof(v));
			}
		}
		/* the source address: the probe leaves from SRC, whatever else the pod has */
		struct sockaddr_storage ss;
		socklen_t sl;
		fill_sa(&sd->src, 0, &ss, &sl);
		if (bind(s, (struct sockaddr *)&ss, sl) < 0)
			return ct_err_set(err, CT_EXIT_GATHER,
					  "cannot bind the probe to its source: %s",
					  strerror(errno));
		/* a ping socket's identifier is its port, chosen by the kernel at bind */
		if (sd->ping6) {
			struct sockaddr_in6 me;
			socklen_t ml = sizeof(me);
			if (getsockname(s, (struct sockaddr *)&me, &ml) < 0)
				return ct_err_set(err, CT_EXIT_GATHER,
						  "cannot read the ping socket's identifier: %s",
						  strerror(errno));
			sd->key.id = ntohs(me.sin6_port);
		}
	}
	return 0;
}

/* a side's key and nonce, fresh random values */
static void side_init(struct ct_probe_side *sd, const struct ct_probe_opts *o,
		      const struct ct_ip *src, const struct ct_ip *dst)
{
	uint16_t rnd[2] = {0, 0};
	if (getrandom(rnd, sizeof(rnd), 0) != sizeof(rnd))
		rnd[0] = (uint16_t)(getpid() + (src == &o->dst)), rnd[1] = (uint16_t)mono_us();
	if (getrandom(&sd->nonce, sizeof(sd->nonce), 0) != sizeof(sd->nonce))
		sd->nonce = (uint64_t)mono_us() * 2654435761u;
	sd->src = *src;
	sd->dst = *dst;
	sd->key.src = *src;
	sd->key.dst = *dst;
	sd->key.proto = is_icmp(o->proto)
			    ? (dst->family == AF_INET6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP)
			    : o->proto;
	sd->key.id = rnd[0];
	sd->key.seq0 = rnd[1] & 0x7fff;
	sd->key.count = (uint16_t)o->count;
	sd->key.dport = o->port;
}

static void filter_for(const struct ct_probe_opts *o, char *b, size_t len)
{
	char s[64], d[64];
	ct_ip_fmt(&o->src, s, sizeof(s));
	ct_ip_fmt(&o->dst, d, sizeof(d));
	const char *ipk = o->dst.family == AF_INET6 ? "ip6" : "ip";
	/* the probe itself, or encapsulated (VXLAN, IPIP): the inner packet is matched later */
	snprintf(b, len,
		 "(%s host %s and %s host %s) or udp port 4789 or udp port 8472 or ip proto 4", ipk,
		 s, ipk, d);
}

int ct_probe_open(struct ct_probe *pb, const struct ct_probe_opts *o, struct ct_probe_watch *w,
		  size_t nw, struct ct_err *err)
{
	memset(pb, 0, sizeof(*pb));
	pb->o = *o;
	if (pb->o.count < 1)
		pb->o.count = 1;
	if (pb->o.count > CT_PROBE_MAX_COUNT)
		pb->o.count = CT_PROBE_MAX_COUNT;
	if (pb->o.wait_s <= 0)
		pb->o.wait_s = 1;
	if (!pb->o.size && pb->o.proto != IPPROTO_TCP)
		pb->o.size = DEFAULT_SIZE;
	if (pb->o.size > MAX_SIZE)
		pb->o.size = MAX_SIZE;
	if (pb->o.proto == IPPROTO_ICMPV6)
		pb->o.proto = IPPROTO_ICMP;
	pb->w = w;
	pb->nw = nw;
	ct_cap_init(&pb->cap);
	side_init(&pb->side[0], &pb->o, &o->src, &o->dst);
	side_init(&pb->side[1], &pb->o, &o->dst, &o->src);
	struct mk m = {pb, &pb->side[0]};
	if (ct_netns_run(o->src_netns, make_socks, &m, err) < 0) {
		ct_probe_close(pb);
		return -1;
	}
	pb->o.reverse = false;
	struct ct_cap_opts co = {.snaplen = 512, .buffer_kb = 1024};
	char flt[256];
	filter_for(&pb->o, flt, sizeof(flt));
	for (size_t i = 0; i < nw; i++) {
		struct ct_err e = {0};
		w[i].src = ct_cap_open_live(&pb->cap, w[i].netns[0] ? w[i].netns : NULL, w[i].iface,
					    &co, &e);
		if (w[i].src < 0)
			snprintf(w[i].err, sizeof(w[i].err), "%s", e.msg);
	}
	if (pb->cap.n) {
		struct ct_err e = {0};
		if (ct_cap_set_filter(&pb->cap, flt, &e) < 0) {
			ct_probe_close(pb);
			return ct_err_set(err, CT_EXIT_GATHER, "probe filter: %s", e.msg);
		}
	}
	return 0;
}

int ct_probe_open_reverse(struct ct_probe *pb, const char *dst_netns, struct ct_err *err)
{
	struct mk m = {pb, &pb->side[1]};
	if (ct_netns_run(dst_netns, make_socks, &m, err) < 0) {
		struct ct_probe_side *sd = &pb->side[1];
		for (unsigned i = 0; i < sd->nsocks; i++)
			close(sd->socks[i]);
		sd->nsocks = 0;
		return -1;
	}
	pb->o.reverse = true;
	return 0;
}

void ct_probe_close(struct ct_probe *pb)
{
	for (int k = 0; k < 2; k++) {
		struct ct_probe_side *sd = &pb->side[k];
		for (unsigned i = 0; i < sd->nsocks; i++)
			if (sd->socks[i] >= 0)
				close(sd->socks[i]);
		sd->nsocks = 0;
	}
	ct_cap_free(&pb->cap);
}

static struct ct_probe_side *cur_side(struct ct_probe *pb)
{
	return &pb->side[pb->cur];
}

/* ---- the loop ---- */

struct loop {
	struct ct_probe *pb;
	struct ct_probe_result *r;
	bool answered;	 /* the current probe's reply came back */
	unsigned cur;	 /* index of the current probe */
	int64_t sent_us; /* when it was sent (monotonic) */
	bool stop;	 /* the tap asked to stop */
};

static void on_packet(void *arg, size_t src, const struct ct_cap_rec *rec)
{
	struct loop *L = arg;
	struct ct_probe *pb = L->pb;
	struct ct_pkt p;
	struct ct_decode_opts dopt;
	memset(&dopt, 0, sizeof(dopt));
	ct_pkt_decode(rec->data, rec->caplen, rec->len, pb->cap.src[src].linktype, &dopt, &p);
	unsigned idx;
	struct ct_probe_side *sd = cur_side(pb);
	enum ct_probe_dir d = ct_probe_match(&sd->key, &p, &idx);
	if (d == CT_PROBE_NONE)
		return;
	/* the nonce, where the probe carries it and the capture holds it: an ICMP echo's data
	 * both ways, a UDP request's payload (DST's answer need not echo it) */
	size_t off;
	bool udp = pb->o.proto == IPPROTO_UDP;
	if ((!udp || d == CT_PROBE_REQUEST) && !is_icmp(ct_pkt_top_l4(&p)->proto) == udp &&
	    ct_probe_payload_off(&p, pb->cap.src[src].linktype, &off) && off + 8 <= rec->caplen) {
		uint64_t want = sd->nonce ^ (udp ? L->cur : idx);
		if (memcmp(rec->data + off, &want, 8))
			return;
	}
	int64_t us = rec->sec * 1000000 + rec->usec;
	for (size_t i = 0; i < pb->nw; i++) {
		struct ct_probe_watch *w = &pb->w[i];
		if (w->src != (int)src)
			continue;
		if (d == CT_PROBE_REQUEST) {
			if (!w->req_n++)
				w->req_us = us;
			w->req_seen = true;
		} else {
			if (!w->rep_n++)
				w->rep_us = us;
			w->rep_seen = true;
		}
	}
}

static void note_icmp(struct ct_probe_result *r, uint8_t type, uint8_t code, uint16_t mtu,
		      const struct ct_ip *from)
{
	if (r->icmp)
		return;
	r->icmp = true;
	r->icmp_type = type;
	r->icmp_code = code;
	r->icmp_mtu = mtu;
	r->icmp_from = *from;
}

static void answered_now(struct loop *L);

/* an echo reply (decoded in p, its ICMP message at msg[0..n)): the current probe's? */
static void echo_reply(struct loop *L, const struct ct_pkt *p, const uint8_t *msg, size_t n)
{
	struct ct_probe_side *sd = cur_side(L->pb);
	unsigned idx;
	if (ct_probe_match(&sd->key, p, &idx) != CT_PROBE_REPLY || idx != L->cur)
		return;
	/* the nonce at the start of the echo data */
	uint64_t want = sd->nonce ^ idx;
	if (n < 16 || memcmp(msg + 8, &want, 8))
		return;
	answered_now(L);
}

/* an ICMP error quoting one of the current side's probes */
static bool quotes_probe(const struct ct_probe_side *sd, const struct ct_pkt_l4 *l4, bool v6)
{
	bool err = v6 ? l4->icmp_type >= 1 && l4->icmp_type <= 4
		      : l4->icmp_type == 3 || l4->icmp_type == 11;
	return err && l4->quoted_present &&
	       l4->quoted.proto == (v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP) &&
	       ct_ip_eq(&l4->quoted.src, &sd->key.src) && ct_ip_eq(&l4->quoted.dst, &sd->key.dst);
}

/* One message from an ICMP socket, decoded into p: 0, or -1 when nothing (more) is there or
 * it is not ICMP. The ICMP message itself: *msg, *mlen. IPv4 raw sockets hand over the IP
 * header too; ICMPv6 sockets do not. */
static int icmp_recv(int s, bool v6, const struct ct_ip *me, uint8_t *buf, size_t cap,
		     struct ct_pkt *p, const uint8_t **msg, size_t *mlen, bool *none)
{
	struct sockaddr_in6 from;
	socklen_t fl = sizeof(from);
	*none = false;
	ssize_t n = recvfrom(s, buf, cap, MSG_DONTWAIT, (struct sockaddr *)&from, &fl);
	if (n <= 0) {
		*none = true;
		return -1;
	}
	if (v6) {
		struct ct_ip f = {.family = AF_INET6};
		if (fl < sizeof(from) || from.sin6_family != AF_INET6)
			return -1;
		memcpy(f.a, &from.sin6_addr, 16);
		if (ct_probe_icmp6_decode(buf, (size_t)n, &f, me, p) < 0)
			return -1;
		*msg = buf;
		*mlen = (size_t)n;
	} else {
		struct ct_decode_opts dopt;
		memset(&dopt, 0, sizeof(dopt));
		ct_pkt_decode(buf, (uint32_t)n, (uint32_t)n, CT_DLT_RAW, &dopt, p);
		if (!p->outer.present || (size_t)p->outer.hdr_len > (size_t)n)
			return -1;
		*msg = buf + p->outer.hdr_len;
		*mlen = (size_t)n - p->outer.hdr_len;
	}
	if (!p->outer.present || !p->outer_l4.present ||
	    p->outer_l4.proto != (v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP))
		return -1;
	return 0;
}

/* the ICMP socket: echo replies and ICMP errors quoting a probe */
static void read_icmp(struct loop *L, int s)
{
	struct ct_probe_side *sd = cur_side(L->pb);
	bool v6 = sd->dst.family == AF_INET6;
	uint8_t buf[65536];
	for (int guard = 0; guard < 64; guard++) {
		struct ct_pkt p;
		const uint8_t *msg;
		size_t mlen;
		bool none;
		if (icmp_recv(s, v6, &sd->src, buf, sizeof(buf), &p, &msg, &mlen, &none) < 0) {
			if (none)
				return;
			continue;
		}
		const struct ct_pkt_l4 *l4 = &p.outer_l4;
		if (l4->icmp_type == (v6 ? 129 : 0))
			echo_reply(L, &p, msg, mlen);
		else if (quotes_probe(sd, l4, v6))
			note_icmp(L->r, l4->icmp_type, l4->icmp_code, l4->icmp_mtu, &p.outer.src);
	}
}

/* TCP, UDP: the error queue (IP_RECVERR) */
static void read_errqueue(struct loop *L, int s)
{
	for (int guard = 0; guard < 16; guard++) {
		char data[256], ctl[512];
		struct iovec iov = {data, sizeof(data)};
		struct msghdr mh = {.msg_iov = &iov,
				    .msg_iovlen = 1,
				    .msg_control = ctl,
				    .msg_controllen = sizeof(ctl)};
		if (recvmsg(s, &mh, MSG_ERRQUEUE | MSG_DONTWAIT) < 0)
			return;
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
			if (!((c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_RECVERR) ||
			      (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_RECVERR)))
				continue;
			struct sock_extended_err ee;
			if (c->cmsg_len < CMSG_LEN(sizeof(ee)))
				continue;
			memcpy(&ee, CMSG_DATA(c), sizeof(ee));
			if (ee.ee_origin == SO_EE_ORIGIN_LOCAL) {
				if (!L->r->send_errno)
					L->r->send_errno = (int)ee.ee_errno;
				continue;
			}
			if (ee.ee_origin != SO_EE_ORIGIN_ICMP && ee.ee_origin != SO_EE_ORIGIN_ICMP6)
				continue;
			struct ct_ip from = {0};
			struct sockaddr_storage off;
			size_t room = c->cmsg_len - CMSG_LEN(sizeof(ee));
			if (c->cmsg_len >= CMSG_LEN(sizeof(ee)) + sizeof(struct sockaddr_in)) {
				memset(&off, 0, sizeof(off));
				memcpy(&off,
				       SO_EE_OFFENDER((struct sock_extended_err *)CMSG_DATA(c)),
				       room < sizeof(struct sockaddr_in6)
					   ? room
					   : sizeof(struct sockaddr_in6));
				if (off.ss_family == AF_INET) {
					from.family = AF_INET;
					memcpy(from.a, &((struct sockaddr_in *)&off)->sin_addr, 4);
				} else if (off.ss_family == AF_INET6 &&
					   room >= sizeof(struct sockaddr_in6)) {
					from.family = AF_INET6;
					memcpy(from.a, &((struct sockaddr_in6 *)&off)->sin6_addr,
					       16);
				}
			}
			/* port unreachable from DST itself: the request arrived */
			bool port_unreach =
			    ee.ee_origin == SO_EE_ORIGIN_ICMP ? ee.ee_code == 3 : ee.ee_code == 4;
			if (port_unreach &&
			    (ct_ip_eq(&from, &cur_side(L->pb)->key.dst) || !from.family)) {
				answered_now(L);
				continue;
			}
			note_icmp(L->r, ee.ee_type, ee.ee_code, (uint16_t)ee.ee_info, &from);
		}
	}
}

static uint16_t csum(const uint8_t *b, size_t n)
{
	uint32_t s = 0;
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(b[i] << 8 | b[i + 1]);
	if (n & 1)
		s += (uint32_t)b[n - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static void answered_now(struct loop *L)
{
	if (L->answered)
		return;
	L->answered = true;
	L->r->received++;
	int64_t rtt = mono_us() - L->sent_us;
	if (L->r->rtt_us < 0 || rtt < L->r->rtt_us)
		L->r->rtt_us = rtt;
}

/* an echo request of size data bytes (at least 8: the nonce), sequence seq; 0 or errno */
static int send_echo(const struct ct_probe_side *sd, int s, unsigned size, uint16_t seq,
		     uint64_t nonce)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	fill_sa(&sd->dst, 0, &ss, &sl);
	size_t n = 8 + (size < 8 ? 8 : size);
	uint8_t *b = calloc(1, n);
	if (!b)
		return ENOMEM;
	bool v6 = sd->dst.family == AF_INET6;
	b[0] = v6 ? 128 : 8;
	b[4] = (uint8_t)(sd->key.id >> 8);
	b[5] = (uint8_t)sd->key.id;
	b[6] = (uint8_t)(seq >> 8);
	b[7] = (uint8_t)seq;
	memcpy(b + 8, &nonce, 8);
	for (size_t k = 16; k < n; k++)
		b[k] = (uint8_t)k;
	if (!v6) { /* ICMPv6: the kernel sums it, with the pseudo-header */
		uint16_t c = csum(b, n);
		b[2] = (uint8_t)(c >> 8);
		b[3] = (uint8_t)c;
	}
	ssize_t r = sendto(s, b, n, 0, (struct sockaddr *)&ss, sl);
	int e = r < 0 ? errno : 0;
	free(b);
	return e;
}

/* sends probe i; 0, or an errno the kernel gave at once */
static int send_one(struct loop *L, unsigned i, int *sock)
{
	struct ct_probe *pb = L->pb;
	struct ct_probe_side *sd = cur_side(pb);
	const struct ct_probe_opts *o = &pb->o;
	struct sockaddr_storage ss;
	socklen_t sl;
	fill_sa(&sd->dst, o->port, &ss, &sl);
	uint64_t nonce = sd->nonce ^ i;
	if (is_icmp(o->proto)) {
		*sock = sd->socks[0];
		return send_echo(sd, *sock, o->size, (uint16_t)(sd->key.seq0 + i), nonce);
	}
	*sock = sd->socks[i];
	struct sockaddr_storage me;
	socklen_t ml = sizeof(me);
	if (o->proto == IPPROTO_TCP) {
		int r = connect(*sock, (struct sockaddr *)&ss, sl);
		if (r < 0 && errno != EINPROGRESS)
			return errno;
		if (getsockname(*sock, (struct sockaddr *)&me, &ml) == 0)
			sd->key.sport = ntohs(((struct sockaddr_in *)&me)->sin_port);
		sd->key.isn_known = false;
		return 0;
	}
	if (connect(*sock, (struct sockaddr *)&ss, sl) < 0)
		return errno;
	if (getsockname(*sock, (struct sockaddr *)&me, &ml) == 0)
		sd->key.sport = ntohs(((struct sockaddr_in *)&me)->sin_port);
	size_t n = o->size < 8 ? 8 : o->size;
	uint8_t *b = calloc(1, n);
	if (!b)
		return ENOMEM;
	memcpy(b, &nonce, 8);
	ssize_t r = send(*sock, b, n, 0);
	int e = r < 0 ? errno : 0;
	free(b);
	return e;
}

/* the probe socket is ready */
static void on_sock(struct loop *L, int s, short revents)
{
	const struct ct_probe_opts *o = &L->pb->o;
	if (is_icmp(o->proto)) {
		read_icmp(L, s);
		read_errqueue(L, s);
		return;
	}
	if (o->proto == IPPROTO_TCP) {
		if (!(revents & (POLLOUT | POLLERR | POLLHUP)))
			return;
		int e = 0;
		socklen_t el = sizeof(e);
		getsockopt(s, SOL_SOCKET, SO_ERROR, &e, &el);
		if (e == 0 || e == ECONNREFUSED)
			answered_now(L);
		else
			read_errqueue(L, s);
		return;
	}
	char buf[2048];
	ssize_t n = recv(s, buf, sizeof(buf), MSG_DONTWAIT);
	if (n >= 0)
		answered_now(L);
	read_errqueue(L, s);
}

/* Every capture saw the request and as many replies (the usual end of a round trip: a
 * path's interfaces carry both ways). A capture may hand a packet over a little after the
 * socket got the reply. */
static bool settled(const struct ct_probe *pb)
{
	for (size_t i = 0; i < pb->nw; i++) {
		const struct ct_probe_watch *w = &pb->w[i];
		if (w->src >= 0 && (!w->req_n || w->req_n > w->rep_n))
			return false;
	}
	return true;
}

/* stop: 0 at the deadline only, 1 also once the answer is in, 2 also once settled */
static void pump(struct loop *L, int sock, int64_t until_mono, int stop)
{
	struct ct_probe *pb = L->pb;
	size_t n = pb->cap.n;
	const struct ct_probe_tap *tap = pb->o.tap;
	struct pollfd *fds = calloc(n + 2, sizeof(*fds));
	size_t *src_of = calloc(n + 1, sizeof(*src_of));
	if (!fds || !src_of) {
		free(fds);
		free(src_of);
		return;
	}
	for (;;) {
		int64_t now = mono_us();
		if (now >= until_mono || L->stop || (stop == 1 && L->answered) ||
		    (stop == 2 && L->answered && settled(pb)))
			break;
		size_t k = ct_cap_pollfds(&pb->cap, fds, src_of, n);
		fds[k].fd = sock;
		fds[k].events = pb->o.proto == IPPROTO_TCP && !L->answered ? POLLOUT : POLLIN;
		fds[k].revents = 0;
		size_t nfd = k + 1;
		if (tap && tap->fd >= 0)
			fds[nfd++] = (struct pollfd){.fd = tap->fd, .events = POLLIN};
		int64_t left = (until_mono - now) / 1000 + 1;
		int r = poll(fds, nfd, (int)(left > 50 ? 50 : left));
		if (r < 0 && errno != EINTR)
			break;
		for (size_t i = 0; i < k; i++) {
			struct ct_err e = {0};
			if (fds[i].revents)
				ct_cap_dispatch(&pb->cap, src_of[i], 0, on_packet, L, &e);
		}
		if (fds[k].revents)
			on_sock(L, sock, fds[k].revents);
		if (pb->o.progress)
			pb->o.progress(pb->o.progress_arg, L->r->sent, L->r->received);
		if (tap && tap->tick &&
		    tap->tick(tap->arg, pb->w, pb->nw, L->r->sent, L->r->received))
			L->stop = true;
	}
	/* what the captures still hold */
	for (size_t i = 0; i < pb->cap.n; i++) {
		struct ct_err e = {0};
		if (pb->cap.src[i].fd >= 0)
			ct_cap_dispatch(&pb->cap, i, 0, on_packet, L, &e);
	}
	free(fds);
	free(src_of);
}

static int run_side(struct ct_probe *pb, struct ct_probe_result *r, struct ct_err *err)
{
	memset(r, 0, sizeof(*r));
	r->rtt_us = -1;
	struct loop L = {.pb = pb, .r = r};
	int64_t wait_us = (int64_t)(pb->o.wait_s * 1e6);
	for (unsigned i = 0; i < pb->o.count && !L.stop; i++) {
		L.cur = i;
		L.answered = false;
		int sock = -1;
		L.sent_us = mono_us();
		int e = send_one(&L, i, &sock);
		r->sent++;
		if (e) {
			if (!r->send_errno)
				r->send_errno = e;
			if (sock >= 0)
				read_errqueue(&L, sock);
			continue;
		}
		pump(&L, sock, L.sent_us + wait_us, 1);
		/* the captures on the way back may trail the socket: until each interface that
		 * saw the request saw the reply, for at most 250 ms */
		pump(&L, sock, mono_us() + (L.answered ? 250000 : 30000), L.answered ? 2 : 0);
	}
	(void)err;
	return 0;
}

int ct_probe_run(struct ct_probe *pb, struct ct_probe_result *r, struct ct_err *err)
{
	pb->cur = 0;
	return run_side(pb, r, err);
}

int ct_probe_run_reverse(struct ct_probe *pb, struct ct_probe_watch *rw, struct ct_probe_result *r,
			 struct ct_err *err)
{
	memset(r, 0, sizeof(*r));
	r->rtt_us = -1;
	if (!pb->o.reverse || !pb->side[1].nsocks)
		return ct_err_set(err, CT_EXIT_USAGE, "no reverse probe was opened");
	for (size_t i = 0; i < pb->nw; i++) {
		memset(&rw[i], 0, sizeof(rw[i]));
		memcpy(rw[i].netns, pb->w[i].netns, sizeof(rw[i].netns));
		memcpy(rw[i].iface, pb->w[i].iface, sizeof(rw[i].iface));
		memcpy(rw[i].err, pb->w[i].err, sizeof(rw[i].err));
		rw[i].src = pb->w[i].src;
	}
	struct ct_probe_watch *fw = pb->w;
	pb->w = rw;
	pb->cur = 1;
	int rc = run_side(pb, r, err);
	pb->cur = 0;
	pb->w = fw;
	return rc;
}

/* one echo of size bytes of data with sequence seq: 1 answered, 0 not (an ICMP error quoting
 * it, a send error, or the wait ran out) */
static int mtu_try(struct ct_probe *pb, unsigned size, uint16_t seq)
{
	struct ct_probe_side *sd = &pb->side[0];
	int s = sd->socks[0];
	bool v6 = sd->dst.family == AF_INET6;
	unsigned ovh = v6 ? 48 : 28;
	if (send_echo(sd, s, size, seq, sd->nonce ^ seq))
		return 0;
	int64_t until = mono_us() + (int64_t)(pb->o.wait_s * 1e6);
	uint8_t buf[65536];
	for (;;) {
		int64_t left = (until - mono_us()) / 1000;
		if (left < 0)
			return 0;
		struct pollfd p = {s, POLLIN, 0};
		if (poll(&p, 1, (int)left + 1) <= 0)
			continue;
		for (int guard = 0; guard < 64; guard++) {
			struct ct_pkt pk;
			const uint8_t *msg;
			size_t mlen;
			bool none;
			if (icmp_recv(s, v6, &sd->src, buf, sizeof(buf), &pk, &msg, &mlen, &none) <
			    0) {
				if (none)
					break;
				continue;
			}
			const struct ct_pkt_l4 *l4 = &pk.outer_l4;
			if (l4->icmp_type == (v6 ? 129 : 0) && l4->icmp_id == sd->key.id &&
			    l4->icmp_seq == seq && ct_ip_eq(&pk.outer.src, &sd->key.dst))
				return 1;
			if (quotes_probe(sd, l4, v6) && l4->quoted.total_len == ovh + size)
				return 0;
		}
		/* the error queue (a ping socket's only way to hear of an error): drained, each
		 * entry carries the echo it quotes, this one's sequence ends the try */
		for (int guard = 0; guard < 64; guard++) {
			uint8_t data[64];
			char ctl[512];
			struct iovec iov = {data, sizeof(data)};
			struct msghdr mh = {.msg_iov = &iov,
					    .msg_iovlen = 1,
					    .msg_control = ctl,
					    .msg_controllen = sizeof(ctl)};
			ssize_t k = recvmsg(s, &mh, MSG_ERRQUEUE | MSG_DONTWAIT);
			if (k < 0)
				break;
			if (k >= 8 && (uint16_t)(data[6] << 8 | data[7]) == seq)
				return 0;
		}
	}
}

int ct_probe_mtu(struct ct_probe *pb, unsigned hi, unsigned *largest, struct ct_err *err)
{
	*largest = 0;
	struct ct_probe_side *sd = &pb->side[0];
	if (!is_icmp(pb->o.proto) || !sd->nsocks)
		return ct_err_set(err, CT_EXIT_USAGE, "--mtu probes with ICMP echo");
	unsigned ovh = sd->dst.family == AF_INET6 ? 48 : 28;
	if (hi < ovh + 8)
		return 0;
	uint16_t seq = (uint16_t)(sd->key.seq0 + 0x4000);
	unsigned lo = 8, top = hi - ovh; /* data bytes; lo known good once tried */
	if (!mtu_try(pb, lo, seq++))
		return 0;
	if (mtu_try(pb, top, seq++)) {
		*largest = hi;
		return 0;
	}
	/* lo passes, top does not */
	while (top - lo > 1) {
		unsigned mid = lo + (top - lo) / 2;
		if (mtu_try(pb, mid, seq++))
			lo = mid;
		else
			top = mid;
	}
	*largest = lo + ovh;
	return 0;
}

/* ---- counters ---- */

static const char *const nstat_files[CT_PROBE_NSTAT_FILES] = {
    "/proc/net/snmp", "/proc/net/netstat", "/proc/net/dev", "/proc/net/stat/nf_conntrack"};

struct nsopen {
	int *fds;
};

void ct_probe_nstat_close(int fds[CT_PROBE_NSTAT_FILES]);

static int nstat_open_in(void *arg, struct ct_err *err)
{
	struct nsopen *x = arg;
	for (int i = 0; i < CT_PROBE_NSTAT_FILES; i++) {
		x->fds[i] = open(nstat_files[i], O_RDONLY | O_CLOEXEC);
		if (x->fds[i] < 0 && i == 3)
			break; /* no conntrack in this namespace */
		if (x->fds[i] < 0) {
			int e = errno;
			ct_probe_nstat_close(x->fds);
			return ct_err_set(err, CT_EXIT_GATHER, "cannot open '%s': %s",
					  nstat_files[i], strerror(e));
		}
	}
	return 0;
}

int ct_probe_nstat_open(const char *netns, int fds[CT_PROBE_NSTAT_FILES], struct ct_err *err)
{
	for (int i = 0; i < CT_PROBE_NSTAT_FILES; i++)
		fds[i] = -1;
	struct nsopen x = {fds};
	return ct_netns_run(netns && netns[0] ? netns : NULL, nstat_open_in, &x, err);
}

void ct_probe_nstat_close(int fds[CT_PROBE_NSTAT_FILES])
{
	for (int i = 0; i < CT_PROBE_NSTAT_FILES; i++)
		if (fds[i] >= 0) {
			close(fds[i]);
			fds[i] = -1;
		}
}

/* the whole file from offset 0 (a seq_file: read until 0) */
static int read_all(int fd, char *buf, size_t cap, size_t *len)
{
	size_t n = 0;
	for (;;) {
		if (n == cap) {
			errno = EFBIG;
			return -1;
		}
		ssize_t r = pread(fd, buf + n, cap - n, (off_t)n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		n += (size_t)r;
	}
	*len = n;
	return 0;
}

int ct_probe_nstat_read(const int fds[CT_PROBE_NSTAT_FILES], const char *const *ifaces, size_t n,
			struct ct_nstat *s, struct ct_err *err)
{
	size_t cap = 1 << 20; /* /proc/net/dev with thousands of veths */
	char *buf = malloc(cap);
	if (!buf)
		return ct_err_set(err, CT_EXIT_GATHER, "out of memory");
	ct_nstat_init(s);
	for (size_t i = 0; i < CT_PROBE_NSTAT_FILES; i++) {
		size_t len;
		if (i == 3 && fds[i] < 0)
			break;
		if (fds[i] < 0 || read_all(fds[i], buf, cap, &len) < 0) {
			int e = fds[i] < 0 ? EBADF : errno;
			free(buf);
			return ct_err_set(err, CT_EXIT_GATHER, "cannot read '%s': %s",
					  nstat_files[i], strerror(e));
		}
		char why[128];
		int r = i < 2	 ? ct_nstat_parse(s, buf, len, why, sizeof(why))
			: i == 2 ? ct_netdev_parse(s, buf, len, ifaces, n, why, sizeof(why))
				 : ct_ctstat_parse(s, buf, len, why, sizeof(why));
		if (r < 0) {
			free(buf);
			return ct_err_set(err, CT_EXIT_GATHER, "'%s' %s", nstat_files[i], why);
		}
	}
	free(buf);
	return 0;
}
