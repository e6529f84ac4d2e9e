// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tunencap: a userspace IP-in-IP encapsulator for the caltrace lab.
 *
 * The lab's kernel has no ipip module, so it cannot create Calico's tunl0. This program opens a
 * TUN device (IFF_TUN | IFF_NO_PI, default name tunl0) in the network namespace it runs in, and
 * a raw socket for IP protocol 4 (IPPROTO_IPIP):
 *   - an IPv4 packet the kernel routes into the TUN device is sent as the payload of an IP
 *     protocol 4 packet to the node that owns the block of its destination (a static map given
 *     on the command line); the kernel writes the outer header, its source is the address the
 *     node would use to reach that node;
 *   - an IP protocol 4 packet addressed to this namespace loses its outer header, and the inner
 *     IPv4 packet is written to the TUN device, so the kernel forwards it as if tunl0 had
 *     decapsulated it.
 * Wire format is real IPIP (RFC 2003): captures show ip.proto == 4 with the pod packet inside.
 * The device shows as link kind "tun", not "ipip".
 *
 * usage: tunencap [-i DEV] [-p PIDFILE] [-t SECONDS] CIDR=NODEIP ...
 *   -i DEV      TUN device name (default tunl0)
 *   -p PIDFILE  written once the device and the socket are open (the lab waits for it)
 *   -t SECONDS  exit after this many seconds (default 0: run until SIGTERM, SIGINT or SIGHUP)
 * Exit status: 0 after a signal or the time limit, 2 on a usage error, 3 when the device or the
 * socket cannot be opened, 1 on a runtime error.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#ifndef IPPROTO_IPIP
#define IPPROTO_IPIP 4
#endif

#define TE_MAX_ROUTES 64
#define TE_BURST 64 /* packets read from one descriptor per wake-up */
#define TE_BUF 65536

struct te_route {
	uint32_t net;  /* host byte order */
	uint32_t mask; /* host byte order */
	int plen;
	struct in_addr via;
};

struct te_stats {
	unsigned long encap;     /* TUN -> wire */
	unsigned long decap;     /* wire -> TUN */
	unsigned long no_route;  /* inner destination in no block of the map */
	unsigned long malformed; /* too short, not IPv4, lengths that disagree */
	unsigned long errors;    /* failed sendto() or write() */
};

static volatile sig_atomic_t te_stop;

static void te_on_signal(int sig)
{
	(void)sig;
	te_stop = 1;
}

static uint16_t te_get16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static uint32_t te_get32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

/* "a.b.c.d/n=e.f.g.h" -> route; returns 0 or -1 */
static int te_route_parse(const char *arg, struct te_route *r)
{
	char buf[64];
	char *eq, *slash, *end;
	struct in_addr net;
	long plen;

	if (strlen(arg) >= sizeof(buf))
		return -1;
	strcpy(buf, arg);
	eq = strchr(buf, '=');
	slash = strchr(buf, '/');
	if (!eq || !slash || slash > eq)
		return -1;
	*eq = '\0';
	*slash = '\0';
	errno = 0;
	plen = strtol(slash + 1, &end, 10);
	if (errno || end == slash + 1 || *end != '\0' || plen < 0 || plen > 32)
		return -1;
	if (inet_pton(AF_INET, buf, &net) != 1 || inet_pton(AF_INET, eq + 1, &r->via) != 1)
		return -1;
	r->plen = (int)plen;
	r->mask = plen ? 0xffffffffu << (32 - plen) : 0;
	r->net = ntohl(net.s_addr) & r->mask;
	return 0;
}

/* longest prefix match; NULL when no block holds dst (host byte order) */
static const struct te_route *te_route_lookup(const struct te_route *rt, int n, uint32_t dst)
{
	const struct te_route *best = NULL;

	for (int i = 0; i < n; i++)
		if ((dst & rt[i].mask) == rt[i].net && (!best || rt[i].plen > best->plen))
			best = &rt[i];
	return best;
}

/*
 * Length of the IPv4 packet at p (its total length field), or 0 when the n octets there are not
 * one: too short for a header, not version 4, header length below 20 or beyond the total length,
 * total length beyond n.
 */
static size_t te_ipv4_len(const uint8_t *p, size_t n)
{
	size_t ihl, tot;

	if (n < 20 || (p[0] >> 4) != 4)
		return 0;
	ihl = (size_t)(p[0] & 0x0f) * 4;
	tot = te_get16(p + 2);
	if (ihl < 20 || tot < ihl || tot > n)
		return 0;
	return tot;
}

static int te_tun_open(const char *name)
{
	struct ifreq ifr;
	int fd;

	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "tunencap: cannot open '/dev/net/tun': %s\n", strerror(errno));
		return -1;
	}
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		fprintf(stderr, "tunencap: cannot create TUN device '%s': %s\n", name,
			strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static int te_raw_open(void)
{
	int fd = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_IPIP);

	if (fd < 0)
		fprintf(stderr, "tunencap: cannot open a raw IPPROTO_IPIP socket: %s\n",
			strerror(errno));
	return fd;
}

static int te_pidfile_write(const char *path)
{
	char tmp[4096];
	FILE *f;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return -1;
	f = fopen(tmp, "w");
	if (!f)
		return -1;
	fprintf(f, "%ld\n", (long)getpid());
	if (fclose(f) != 0 || rename(tmp, path) != 0) {
		unlink(tmp);
		return -1;
	}
	return 0;
}

/* TUN -> wire: at most TE_BURST packets */
static void te_encap(int tun, int raw, const struct te_route *rt, int nrt, uint8_t *buf,
		     struct te_stats *st)
{
	for (int i = 0; i < TE_BURST; i++) {
		ssize_t n = read(tun, buf, TE_BUF);
		const struct te_route *r;
		struct sockaddr_in to;
		size_t len;

		if (n < 0)
			return; /* EAGAIN: drained; anything else shows up in poll() */
		len = te_ipv4_len(buf, (size_t)n);
		if (!len) {
			st->malformed++; /* IPv6 router solicitations land here too */
			continue;
		}
		r = te_route_lookup(rt, nrt, te_get32(buf + 16));
		if (!r) {
			st->no_route++;
			continue;
		}
		memset(&to, 0, sizeof(to));
		to.sin_family = AF_INET;
		to.sin_addr = r->via;
		if (sendto(raw, buf, len, 0, (const struct sockaddr *)&to, sizeof(to)) < 0)
			st->errors++;
		else
			st->encap++;
	}
}

/* wire -> TUN: at most TE_BURST packets */
static void te_decap(int raw, int tun, uint8_t *buf, struct te_stats *st)
{
	for (int i = 0; i < TE_BURST; i++) {
		ssize_t n = recv(raw, buf, TE_BUF, 0);
		size_t outer, ihl, inner;

		if (n < 0)
			return;
		outer = te_ipv4_len(buf, (size_t)n);
		if (!outer || buf[9] != IPPROTO_IPIP) {
			st->malformed++;
			continue;
		}
		ihl = (size_t)(buf[0] & 0x0f) * 4;
		inner = te_ipv4_len(buf + ihl, outer - ihl);
		if (!inner) {
			st->malformed++;
			continue;
		}
		if (write(tun, buf + ihl, inner) != (ssize_t)inner)
			st->errors++;
		else
			st->decap++;
	}
}

static void te_usage(void)
{
	fprintf(stderr, "usage: tunencap [-i DEV] [-p PIDFILE] [-t SECONDS] CIDR=NODEIP ...\n");
}

int main(int argc, char **argv)
{
	static uint8_t buf[TE_BUF];
	struct te_route rt[TE_MAX_ROUTES];
	struct te_stats st = { 0 };
	const char *dev = "tunl0", *pidfile = NULL;
	struct sigaction sa;
	struct pollfd pfd[2];
	long limit = 0;
	time_t deadline = 0;
	int nrt = 0, opt, tun, raw, rc = 0;

	while ((opt = getopt(argc, argv, "i:p:t:h")) != -1) {
		char *end;

		switch (opt) {
		case 'i':
			if (strlen(optarg) == 0 || strlen(optarg) >= IFNAMSIZ) {
				fprintf(stderr, "tunencap: bad device name '%s'\n", optarg);
				return 2;
			}
			dev = optarg;
			break;
		case 'p':
			pidfile = optarg;
			break;
		case 't':
			errno = 0;
			limit = strtol(optarg, &end, 10);
			if (errno || end == optarg || *end != '\0' || limit < 0) {
				fprintf(stderr, "tunencap: bad time limit '%s'\n", optarg);
				return 2;
			}
			break;
		case 'h':
			te_usage();
			return 0;
		default:
			te_usage();
			return 2;
		}
	}
	if (optind >= argc) {
		te_usage();
		return 2;
	}
	for (int i = optind; i < argc; i++) {
		if (nrt == TE_MAX_ROUTES) {
			fprintf(stderr, "tunencap: more than %d routes\n", TE_MAX_ROUTES);
			return 2;
		}
		if (te_route_parse(argv[i], &rt[nrt]) < 0) {
			fprintf(stderr, "tunencap: bad route '%s' (want CIDR=NODEIP)\n", argv[i]);
			return 2;
		}
		nrt++;
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = te_on_signal; /* no SA_RESTART: poll() returns EINTR */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	tun = te_tun_open(dev);
	if (tun < 0)
		return 3;
	raw = te_raw_open();
	if (raw < 0) {
		close(tun);
		return 3;
	}
	if (pidfile && te_pidfile_write(pidfile) < 0) {
		fprintf(stderr, "tunencap: cannot write '%s': %s\n", pidfile, strerror(errno));
		close(raw);
		close(tun);
		return 3;
	}
	fprintf(stderr, "tunencap: pid %ld, device '%s', %d routes\n", (long)getpid(), dev, nrt);
	if (limit)
		deadline = time(NULL) + limit;

	pfd[0].fd = tun;
	pfd[0].events = POLLIN;
	pfd[1].fd = raw;
	pfd[1].events = POLLIN;
	while (!te_stop) {
		int n;

		if (deadline && time(NULL) >= deadline)
			break;
		n = poll(pfd, 2, 1000);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "tunencap: poll: %s\n", strerror(errno));
			rc = 1;
			break;
		}
		if ((pfd[0].revents | pfd[1].revents) & (POLLERR | POLLHUP | POLLNVAL)) {
			fprintf(stderr, "tunencap: descriptor error (revents %#x %#x)\n",
				(unsigned)pfd[0].revents, (unsigned)pfd[1].revents);
			rc = 1;
			break;
		}
		if (pfd[0].revents & POLLIN)
			te_encap(tun, raw, rt, nrt, buf, &st);
		if (pfd[1].revents & POLLIN)
			te_decap(raw, tun, buf, &st);
	}

	fprintf(stderr,
		"tunencap: exiting: encap %lu, decap %lu, no_route %lu, malformed %lu, errors %lu\n",
		st.encap, st.decap, st.no_route, st.malformed, st.errors);
	if (pidfile)
		unlink(pidfile);
	close(raw);
	close(tun);
	return rc;
}
