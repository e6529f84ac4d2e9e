/* SPDX-License-Identifier: MIT */
/*
 * BIRD's control socket: connect, greet, ask, read until the LAST line; and
 * where to find the socket. See probes/bird.h. The bytes are parsed by the
 * strict splitter of model/bird_parse.c; this file only moves them, with a
 * timeout on every wait.
 */
#include "probes/bird.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "model/esc.h"

/* ---- time ---- */

static double mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* poll() timeout for s seconds, rounded up so that a wait never ends early. */
static int poll_ms(double s)
{
	if (s <= 0)
		return 0;
	double ms = s * 1000.0 + 0.999;
	return ms > (double)INT_MAX ? INT_MAX : (int)ms;
}

static double dmin(double a, double b)
{
	return a < b ? a : b;
}

/* ---- messages ---- */

static const char *esc(char *buf, size_t len, const char *s)
{
	return ct_esc_clip(buf, len, s, s ? strlen(s) : 0);
}

static int connect_fail(struct ct_bird_client *c, int e, const char *target, struct ct_err *err)
{
	struct stat st;

	switch (e) {
	case ENOENT:
		return ct_err_set(
			err, CT_EXIT_GATHER,
			"cannot connect to '%s': %s (is calico-node running in a BGP mode?)",
			c->qpath, strerror(e));
	case ECONNREFUSED:
		/* connect() on a file that is not a socket also says ECONNREFUSED */
		if (stat(target, &st) == 0 && !S_ISSOCK(st.st_mode))
			return ct_err_set(err, CT_EXIT_GATHER,
					  "cannot connect to '%s': not a socket", c->qpath);
		return ct_err_set(err, CT_EXIT_GATHER,
				  "cannot connect to '%s': %s (BIRD is not running)", c->qpath,
				  strerror(e));
	case EACCES:
	case EPERM:
		if (stat(target, &st) == 0 && st.st_uid != 0)
			return ct_err_set(err, CT_EXIT_GATHER,
					  "cannot connect to '%s': permission denied (the socket "
					  "belongs to uid %u; run as that user or root)",
					  c->qpath, (unsigned)st.st_uid);
		return ct_err_set(err, CT_EXIT_GATHER,
				  "cannot connect to '%s': permission denied (the socket belongs "
				  "to root; run as root)",
				  c->qpath);
	default:
		return ct_err_set(err, CT_EXIT_GATHER, "cannot connect to '%s': %s", c->qpath,
				  strerror(e));
	}
}

/* ---- connecting ---- */

static void client_reset(struct ct_bird_client *c)
{
	c->fd = -1;
	c->broken = false;
	c->over_cap = false;
	c->off = c->len = 0;
	c->n_async = 0;
	c->greeting[0] = 0;
	c->max_reply = CT_BIRD_MAX_REPLY;
	ct_bird_splitter_init(&c->sp);
	ct_bird_reply_init(&c->hello);
	ct_bird_reply_init(&c->async);
}

/* Waits for a non-blocking connect() to finish: 0, or -1 with *e set. */
static int connect_wait(int fd, double until, int *e)
{
	for (;;) {
		double left = until - mono_now();
		if (left <= 0) {
			*e = ETIMEDOUT;
			return -1;
		}
		struct pollfd p = {.fd = fd, .events = POLLOUT};
		int n = poll(&p, 1, poll_ms(left));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			*e = errno;
			return -1;
		}
		if (n == 0)
			continue;
		int soerr = 0;
		socklen_t sl = sizeof(soerr);
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0) {
			*e = errno;
			return -1;
		}
		if (soerr) {
			*e = soerr;
			return -1;
		}
		return 0;
	}
}

/* Where the lines of the reply being read go: async lines to c->async, the
 * others to fn, numbered within the reply as the parsers count them. */
struct sink {
	struct ct_bird_client *c;
	ct_bird_reply_fn fn;
	void *arg;
	size_t lineno;
};

/* A reply kept whole, and what it costs so far. */
struct kept {
	struct ct_bird_client *c;
	struct ct_bird_reply *r;
	size_t bytes;
};

static int read_reply(struct ct_bird_client *c, struct sink *sk, bool greeting,
		      struct ct_err *err);
static int reply_sink(void *arg, int code, enum ct_bird_kind kind, const char *text, size_t len,
		      size_t lineno, struct ct_err *err);

int ct_bird_connect(struct ct_bird_client *c, const char *path, const struct ct_bird_timeouts *t,
		    struct ct_err *err)
{
	double start = mono_now();
	int pfd = -1;

	client_reset(c);
	c->path[0] = c->qpath[0] = 0;
	if (!path || !*path)
		return ct_err_set(err, CT_EXIT_USAGE, "no BIRD control socket path given");
	esc(c->qpath, sizeof(c->qpath), path);
	if (strlen(path) >= sizeof(c->path))
		return ct_err_set(err, CT_EXIT_USAGE, "BIRD control socket path '%s' is too long",
				  c->qpath);
	strcpy(c->path, path);

	c->t.connect_s = t && t->connect_s > 0 ? t->connect_s : CT_BIRD_CONNECT_S;
	c->t.idle_s = t && t->idle_s > 0 ? t->idle_s : CT_BIRD_IDLE_S;
	c->t.total_s = t && t->total_s > 0 ? t->total_s : CT_BIRD_TOTAL_S;
	c->deadline = start + c->t.total_s;
	double cdead = start + dmin(c->t.connect_s, c->t.total_s);

	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	const char *target = path;
	char fdpath[64];
	if (strlen(path) >= sizeof(sa.sun_path)) {
		/* too long for sun_path: connect through the descriptor's magic link */
		pfd = open(path, O_PATH | O_CLOEXEC);
		if (pfd < 0)
			return connect_fail(c, errno, path, err);
		snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", pfd);
		target = fdpath;
	}
	memcpy(sa.sun_path, target, strlen(target) + 1);

	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		int e = errno;
		if (pfd >= 0)
			close(pfd);
		return ct_err_set(err, CT_EXIT_GATHER, "cannot create a socket for '%s': %s",
				  c->qpath, strerror(e));
	}
	int rc, e = 0;
	for (;;) {
		rc = connect(c->fd, (struct sockaddr *)&sa, sizeof(sa));
		if (rc == 0)
			break;
		e = errno;
		if (e == EINPROGRESS || e == EINTR) {
			rc = connect_wait(c->fd, cdead, &e);
			break;
		}
		if (e == EAGAIN) {
			/* the listener's backlog is full: BIRD is not accepting */
			double left = cdead - mono_now();
			if (left <= 0) {
				e = ETIMEDOUT;
				break;
			}
			struct timespec ts = {0, (long)(dmin(left, 0.02) * 1e9)};
			nanosleep(&ts, NULL);
			continue;
		}
		break;
	}
	if (pfd >= 0)
		close(pfd);
	if (rc < 0) {
		close(c->fd);
		c->fd = -1;
		if (e == ETIMEDOUT)
			return ct_err_set(err, CT_EXIT_GATHER,
					  "BIRD at '%s' did not accept the connection within %g s",
					  c->qpath, dmin(c->t.connect_s, c->t.total_s));
		return connect_fail(c, e, path, err);
	}

	struct kept hkept = {.c = c, .r = &c->hello};
	struct sink hk = {.c = c, .fn = reply_sink, .arg = &hkept};
	if (read_reply(c, &hk, true, err) < 0) {
		ct_bird_close(c);
		return -1;
	}
	const struct ct_bird_line *l = c->hello.n ? &c->hello.v[c->hello.n - 1] : NULL;
	if (!l || c->hello.final_code != 1 || strncmp(l->text, "BIRD ", 5) != 0) {
		char q[128];
		esc(q, sizeof(q), l ? l->text : "");
		ct_err_set(err, CT_EXIT_GATHER,
			   "BIRD at '%s' greeted with '%04d %s', not '0001 BIRD ... ready.'",
			   c->qpath, c->hello.final_code, q);
		ct_bird_close(c);
		return -1;
	}
	snprintf(c->greeting, sizeof(c->greeting), "%s", l->text);
	return 0;
}

void ct_bird_close(struct ct_bird_client *c)
{
	if (!c)
		return;
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->off = c->len = 0;
	ct_bird_reply_free(&c->hello);
	ct_bird_reply_free(&c->async);
}

/* ---- reading ---- */

/* Keeps an async line in c->async (the first CT_BIRD_ASYNC_KEEP of them). */
static void keep_async(struct ct_bird_client *c, const char *text, size_t len)
{
	struct ct_bird_reply *a = &c->async;

	c->n_async++;
	if (a->n >= CT_BIRD_ASYNC_KEEP)
		return;
	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 8;
		struct ct_bird_line *v = realloc(a->v, cap * sizeof(*v));
		if (!v)
			return;
		a->v = v;
		a->cap = cap;
	}
	char *t = malloc(len + 1);
	if (!t)
		return;
	memcpy(t, text, len);
	t[len] = 0;
	a->v[a->n++] = (struct ct_bird_line){.code = -1, .kind = CT_BIRD_ASYNC, .text = t};
}

static int sink_line(void *arg, int code, enum ct_bird_kind kind, const char *text, size_t len,
		     struct ct_err *err)
{
	struct sink *k = arg;

	if (kind == CT_BIRD_ASYNC) {
		keep_async(k->c, text, len);
		return 0;
	}
	k->lineno++;
	return k->fn(k->arg, code, kind, text, len, k->lineno, err);
}

/* "64 MiB", "1000 bytes": a cap in a message. */
static const char *size_words(char *buf, size_t len, size_t n)
{
	if (n >= (1u << 20) && n % (1u << 20) == 0)
		snprintf(buf, len, "%zu MiB", n >> 20);
	else if (n >= 1024 && n % 1024 == 0)
		snprintf(buf, len, "%zu KiB", n >> 10);
	else
		snprintf(buf, len, "%zu bytes", n);
	return buf;
}

/* Appends the line to a struct ct_bird_reply, within c->max_reply. */
static int reply_sink(void *arg, int code, enum ct_bird_kind kind, const char *text, size_t len,
		      size_t lineno, struct ct_err *err)
{
	struct kept *kp = arg;
	struct ct_bird_reply *r = kp->r;

	(void)lineno;
	kp->bytes += len + CT_BIRD_LINE_COST;
	if (kp->bytes > kp->c->max_reply) {
		char sz[32];
		kp->c->over_cap = true;
		return ct_err_set(err, CT_EXIT_GATHER,
				  "BIRD at '%s' sent a reply of more than %s (the limit); stopped "
				  "reading there (is that a BIRD control socket?)",
				  kp->c->qpath, size_words(sz, sizeof(sz), kp->c->max_reply));
	}
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 64;
		struct ct_bird_line *v = realloc(r->v, cap * sizeof(*v));
		if (!v)
			return ct_err_set(err, CT_EXIT_GATHER, "bird reply: out of memory");
		r->v = v;
		r->cap = cap;
	}
	char *t = malloc(len + 1);
	if (!t)
		return ct_err_set(err, CT_EXIT_GATHER, "bird reply: out of memory");
	memcpy(t, text, len);
	t[len] = 0;
	r->v[r->n++] = (struct ct_bird_line){.code = code, .kind = kind, .text = t};
	if (kind == CT_BIRD_LAST)
		r->final_code = code;
	return 0;
}

static int stream_fail(struct ct_bird_client *c, struct ct_err *err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int stream_fail(struct ct_bird_client *c, struct ct_err *err, const char *fmt, ...)
{
	char m[sizeof(err->msg)];
	va_list ap;

	c->broken = true;
	va_start(ap, fmt);
	vsnprintf(m, sizeof(m), fmt, ap);
	va_end(ap);
	return ct_err_set(err, CT_EXIT_GATHER, "%s", m);
}

/* Feeds what is buffered: 1 reply complete, 0 need more, -1 error. */
static int feed_buffered(struct ct_bird_client *c, struct sink *k, struct ct_err *err)
{
	if (c->off >= c->len) {
		c->off = c->len = 0;
		return 0;
	}
	struct ct_err e = {0};
	size_t used = 0;
	int rc = ct_bird_feed_fn(&c->sp, c->buf + c->off, c->len - c->off, sink_line, k, &used, &e);
	c->off += used;
	if (c->off >= c->len)
		c->off = c->len = 0;
	if (rc < 0 && c->over_cap) /* the message names the socket */
		return stream_fail(c, err, "%s", e.msg);
	if (rc < 0)
		return stream_fail(c, err, "BIRD at '%s': %s", c->qpath,
				   e.msg[0] ? e.msg : "malformed reply");
	return rc;
}

/* Reads one reply (the greeting, or the answer to a command just sent),
 * handing each line to k as it is split. */
static int read_reply(struct ct_bird_client *c, struct sink *sk, bool greeting,
		      struct ct_err *err)
{
	double last = mono_now();
	size_t lines0 = sk->lineno;

	for (;;) {
		int rc = feed_buffered(c, sk, err);
		if (rc != 0)
			return rc < 0 ? -1 : 0;
		/* a reply has begun once a line of it or part of a line is in */
		bool begun = sk->lineno > lines0 || c->sp.len > 0;
		double now = mono_now();
		if (now >= c->deadline)
			return stream_fail(
				c, err,
				"BIRD at '%s' did not finish %s within %g s (the overall "
				"deadline)",
				c->qpath, greeting ? "its greeting" : "its reply", c->t.total_s);
		if (now - last >= c->t.idle_s) {
			if (begun)
				return stream_fail(
					c, err,
					"BIRD at '%s' sent nothing for %g s in the middle "
					"of a reply",
					c->qpath, c->t.idle_s);
			return stream_fail(c, err, "BIRD at '%s' did not answer within %g s",
					   c->qpath, c->t.idle_s);
		}
		struct pollfd p = {.fd = c->fd, .events = POLLIN};
		int n = poll(&p, 1, poll_ms(dmin(c->deadline - now, last + c->t.idle_s - now)));
		if (n < 0 && errno != EINTR)
			return stream_fail(c, err, "cannot wait for BIRD at '%s': %s", c->qpath,
					   strerror(errno));
		if (n <= 0)
			continue;
		ssize_t k = recv(c->fd, c->buf, sizeof(c->buf), MSG_DONTWAIT);
		if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
			continue;
		if (k < 0 && errno != ECONNRESET)
			return stream_fail(c, err, "cannot read from BIRD at '%s': %s", c->qpath,
					   strerror(errno));
		if (k <= 0) {
			if (begun)
				return stream_fail(
					c, err,
					"BIRD at '%s' closed the connection in the middle "
					"of a reply",
					c->qpath);
			return stream_fail(c, err, "BIRD at '%s' closed the connection %s",
					   c->qpath,
					   greeting ? "without a greeting" : "before answering");
		}
		c->off = 0;
		c->len = (size_t)k;
		last = mono_now();
	}
}

/* ---- commands ---- */

static int send_all(struct ct_bird_client *c, const char *s, size_t n, struct ct_err *err)
{
	while (n > 0) {
		ssize_t k = send(c->fd, s, n, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (k > 0) {
			s += k;
			n -= (size_t)k;
			continue;
		}
		int e = k < 0 ? errno : EIO;
		if (e == EINTR)
			continue;
		if (e == EAGAIN || e == EWOULDBLOCK) {
			double now = mono_now();
			double left = dmin(c->deadline - now, c->t.idle_s);
			if (c->deadline - now <= 0)
				return stream_fail(
					c, err,
					"BIRD at '%s' did not take the command within %g s "
					"(the overall deadline)",
					c->qpath, c->t.total_s);
			struct pollfd p = {.fd = c->fd, .events = POLLOUT};
			int m = poll(&p, 1, poll_ms(left));
			if (m == 0)
				return stream_fail(
					c, err, "BIRD at '%s' did not take the command within %g s",
					c->qpath, left);
			continue;
		}
		if (e == EPIPE || e == ECONNRESET)
			return stream_fail(c, err,
					   "BIRD at '%s' closed the connection before the command "
					   "was sent",
					   c->qpath);
		return stream_fail(c, err, "cannot write to BIRD at '%s': %s", c->qpath,
				   strerror(e));
	}
	return 0;
}

static int no_line(void *arg, int code, enum ct_bird_kind kind, const char *text, size_t len,
		   size_t lineno, struct ct_err *err)
{
	(void)arg, (void)code, (void)kind, (void)text, (void)len, (void)lineno, (void)err;
	return 0;
}

int ct_bird_command_fn(struct ct_bird_client *c, const char *cmd, ct_bird_reply_fn fn, void *arg,
		       struct ct_err *err)
{
	char q[128];
	char line[CT_BIRD_MAX_CMD + 2];

	if (!c || !fn || !cmd)
		return ct_err_set(err, CT_EXIT_USAGE, "bird command: no client, command or reply");
	size_t n = strlen(cmd);
	esc(q, sizeof(q), cmd);
	if (n == 0)
		return ct_err_set(err, CT_EXIT_USAGE, "empty BIRD command");
	if (n > CT_BIRD_MAX_CMD)
		return ct_err_set(err, CT_EXIT_USAGE, "BIRD command '%s' is longer than %d bytes",
				  q, CT_BIRD_MAX_CMD);
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)cmd[i];
		if (ch < 0x20 || ch == 0x7f)
			return ct_err_set(err, CT_EXIT_USAGE,
					  "BIRD command '%s' holds a control character", q);
	}
	if (c->fd < 0)
		return ct_err_set(err, CT_EXIT_GATHER, "BIRD at '%s': not connected", c->qpath);
	if (c->broken)
		return ct_err_set(err, CT_EXIT_GATHER,
				  "BIRD at '%s': the connection is unusable after an earlier error",
				  c->qpath);

	/* bytes that came after the previous reply may only be async lines: a
	 * reply nobody asked for would be taken for the answer to this command */
	struct sink pre = {.c = c, .fn = no_line};
	int rc = feed_buffered(c, &pre, err);
	if (rc < 0)
		return -1;
	if (rc == 1 || pre.lineno > 0)
		return stream_fail(c, err, "BIRD at '%s' sent a reply before the command '%s'",
				   c->qpath, q);

	memcpy(line, cmd, n);
	line[n] = '\n';
	if (send_all(c, line, n + 1, err) < 0)
		return -1;
	struct sink k = {.c = c, .fn = fn, .arg = arg};
	return read_reply(c, &k, false, err);
}

int ct_bird_command(struct ct_bird_client *c, const char *cmd, struct ct_bird_reply *reply,
		    struct ct_err *err)
{
	if (!reply)
		return ct_err_set(err, CT_EXIT_USAGE, "bird command: no client, command or reply");
	struct kept k = {.c = c, .r = reply};
	return ct_bird_command_fn(c, cmd, reply_sink, &k, err);
}

/* ---- finding the socket ---- */

static const char *const defaults_v4[] = {"/var/run/calico/bird.ctl", "/var/run/bird/bird.ctl",
					  "/run/bird/bird.ctl", NULL};
static const char *const defaults_v6[] = {"/var/run/calico/bird6.ctl", "/var/run/bird/bird6.ctl",
					  "/run/bird/bird6.ctl", NULL};

/* Where BIRD 1.6 and 2 put the socket when started without -s: the Debian
 * packages' /run/bird, the same through /var/run, and upstream's defaults. */
static const char *const compiled_v4[] = {"/run/bird/bird.ctl", "/var/run/bird/bird.ctl",
					  "/var/run/bird.ctl", "/usr/local/var/run/bird.ctl", NULL};
static const char *const compiled_v6[] = {"/run/bird/bird6.ctl", "/var/run/bird/bird6.ctl",
					  "/var/run/bird6.ctl", "/usr/local/var/run/bird6.ctl",
					  NULL};

static int set_out(char *out, size_t outlen, const char *path, char *how, size_t howlen,
		   const char *how_s, struct ct_err *err)
{
	int n = snprintf(out, outlen, "%s", path);
	if (n < 0 || (size_t)n >= outlen) {
		char q[128];
		return ct_err_set(err, CT_EXIT_GATHER, "BIRD control socket path '%s' is too long",
				  esc(q, sizeof(q), path));
	}
	if (how && howlen)
		snprintf(how, howlen, "%s", how_s);
	return 0;
}

static bool exists(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0;
}

/* Reads a small file whole (NUL-terminated; embedded NULs kept). Length or -1. */
static ssize_t read_small(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	size_t got = 0;
	while (got + 1 < len) {
		ssize_t k = read(fd, buf + got, len - 1 - got);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		got += (size_t)k;
	}
	close(fd);
	buf[got] = 0;
	return (ssize_t)got;
}

/* What BIRD's argv says about its socket, read the way its getopt() does
 * (BIRD 1.6 "c:dD:ps:P:u:g:flRh", BIRD 2 adds "B:"). */
struct bird_args {
	const char *sock; /* -s value, points into the cmdline buffer */
	bool local;	  /* -l: bird.ctl in the working directory */
};

static void parse_cmdline(char *buf, size_t len, struct bird_args *a)
{
	static const char with_arg[] = "BcDsPug";
	char *argv[256];
	size_t argc = 0;

	memset(a, 0, sizeof(*a));
	for (size_t i = 0; i < len && argc < sizeof(argv) / sizeof(argv[0]);) {
		argv[argc++] = buf + i;
		i += strnlen(buf + i, len - i) + 1;
	}
	for (size_t i = 1; i < argc; i++) {
		const char *s = argv[i];
		if (strcmp(s, "--") == 0)
			break;
		if (s[0] != '-' || s[1] == 0 || s[1] == '-')
			continue; /* operand or long option (--version, --help) */
		for (const char *p = s + 1; *p; p++) {
			if (!strchr(with_arg, *p)) {
				if (*p == 'l')
					a->local = true;
				continue;
			}
			const char *val = p[1] ? p + 1 : (i + 1 < argc ? argv[++i] : NULL);
			if (*p == 's' && val && *val)
				a->sock = val;
			break;
		}
	}
}

/* The bird process of this network namespace, lowest PID first: its PID, or
 * 0 when there is none. */
static long find_bird_pid(const char *proc_root, const char *comm_want)
{
	char p[PATH_MAX];
	struct stat self, st;

	snprintf(p, sizeof(p), "%s/thread-self/ns/net", proc_root);
	if (stat(p, &self) < 0) {
		snprintf(p, sizeof(p), "%s/self/ns/net", proc_root);
		if (stat(p, &self) < 0)
			return 0;
	}
	DIR *d = opendir(proc_root);
	if (!d)
		return 0;
	long best = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		char *end;
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		long pid = strtol(de->d_name, &end, 10);
		if (*end || pid <= 0 || (best && pid >= best))
			continue;
		char comm[64];
		snprintf(p, sizeof(p), "%s/%ld/comm", proc_root, pid);
		ssize_t n = read_small(p, comm, sizeof(comm));
		if (n <= 0)
			continue;
		if (comm[n - 1] == '\n')
			comm[n - 1] = 0;
		if (strcmp(comm, comm_want) != 0)
			continue;
		snprintf(p, sizeof(p), "%s/%ld/ns/net", proc_root, pid);
		if (stat(p, &st) < 0 || st.st_dev != self.st_dev || st.st_ino != self.st_ino)
			continue;
		best = pid;
	}
	closedir(d);
	return best;
}

static int sock_of(const struct bird_args *ap, const char *comm, int ipv6, const char *proc_root,
		   long pid, char *out, size_t outlen, char *how, size_t howlen, char *note,
		   size_t notelen, struct ct_err *err);

/* Step 2: 1 found (out, how set), 0 not found, -1 error. note says why a
 * bird process was found but not used. */
static int from_process(int ipv6, const char *proc_root, char *out, size_t outlen, char *how,
			size_t howlen, char *note, size_t notelen, struct ct_err *err)
{
	const char *comm = ipv6 ? "bird6" : "bird";
	long pid = find_bird_pid(proc_root, comm);
	if (!pid)
		return 0;

	char p[PATH_MAX];
	const size_t cmd_len = 65536;
	char *cmd = malloc(cmd_len);
	if (!cmd)
		return ct_err_set(err, CT_EXIT_GATHER, "bird socket: out of memory");
	snprintf(p, sizeof(p), "%s/%ld/cmdline", proc_root, pid);
	ssize_t n = read_small(p, cmd, cmd_len);
	if (n < 0) {
		free(cmd);
		return 0; /* gone meanwhile */
	}
	struct bird_args a;
	parse_cmdline(cmd, (size_t)n, &a);
	int rc = sock_of(&a, comm, ipv6, proc_root, pid, out, outlen, how, howlen, note, notelen,
			 err);
	free(cmd);
	return rc;
}

/* The socket of bird process pid whose arguments are a: as from_process. */
static int sock_of(const struct bird_args *ap, const char *comm, int ipv6, const char *proc_root,
		   long pid, char *out, size_t outlen, char *how, size_t howlen, char *note,
		   size_t notelen, struct ct_err *err)
{
	const struct bird_args a = *ap;

	const char *single[2] = {NULL, NULL};
	const char *const *cands = ipv6 ? compiled_v6 : compiled_v4;
	char local[16];
	if (a.sock) {
		single[0] = a.sock;
		cands = single;
	} else if (a.local) {
		snprintf(local, sizeof(local), "%s.ctl", comm);
		single[0] = local;
		cands = single;
	}

	int denied = 0;
	char denied_path[PATH_MAX] = "", denied_how[512] = "", first_q[128] = "";
	for (size_t i = 0; cands[i]; i++) {
		const char *s = cands[i];
		char q[128], via[PATH_MAX], hs[512];
		esc(q, sizeof(q), s);
		if (i == 0)
			snprintf(first_q, sizeof(first_q), "%s", q);
		const char *what = a.sock ? "-s" : a.local ? "-l" : "no -s, default";
		/* a relative path is relative to the process's working directory */
		const char *base = s[0] == '/' ? "root" : "cwd";
		int k = snprintf(via, sizeof(via), "%s/%ld/%s%s%s", proc_root, pid, base,
				 s[0] == '/' ? "" : "/", s);
		if (k < 0 || (size_t)k >= sizeof(via))
			continue;
		struct stat st;
		if (stat(via, &st) == 0) {
			snprintf(hs, sizeof(hs), "bird process %ld (%s %s) via %s/%ld/%s", pid,
				 what, q, proc_root, pid, base);
			return set_out(out, outlen, via, how, howlen, hs, err) < 0 ? -1 : 1;
		}
		if (errno == EACCES || errno == EPERM) {
			if (!denied) {
				snprintf(denied_path, sizeof(denied_path), "%s", via);
				snprintf(denied_how, sizeof(denied_how),
					 "bird process %ld (%s %s) via %s/%ld/%s", pid, what, q,
					 proc_root, pid, base);
			}
			denied++;
		}
		if (s[0] == '/' && exists(s)) {
			snprintf(hs, sizeof(hs), "bird process %ld (%s %s)", pid, what, q);
			return set_out(out, outlen, s, how, howlen, hs, err) < 0 ? -1 : 1;
		}
	}
	if (denied) {
		/* it is there but not ours to see: connecting says so plainly */
		return set_out(out, outlen, denied_path, how, howlen, denied_how, err) < 0 ? -1 : 1;
	}
	snprintf(note, notelen, "; bird process %ld has no socket at '%s'", pid, first_q);
	return 0;
}

int ct_bird_find_socket_in(const char *explicit_path, int ipv6, const char *proc_root,
			   const char *const *defaults, char *out, size_t outlen, char *how,
			   size_t howlen, struct ct_err *err)
{
	if (!out || outlen == 0)
		return ct_err_set(err, CT_EXIT_GATHER, "bird socket: no output buffer");
	out[0] = 0;
	if (how && howlen)
		how[0] = 0;
	if (explicit_path && *explicit_path)
		return set_out(out, outlen, explicit_path, how, howlen, "--bird-socket", err);

	char note[256] = "";
	int rc = from_process(ipv6, proc_root && *proc_root ? proc_root : "/proc", out, outlen, how,
			      howlen, note, sizeof(note), err);
	if (rc != 0)
		return rc < 0 ? -1 : 0;

	char tried[512];
	size_t tl = (size_t)snprintf(tried, sizeof(tried), "a %s process in this network namespace",
				     ipv6 ? "bird6" : "bird");
	for (size_t i = 0; defaults && defaults[i]; i++) {
		if (exists(defaults[i]))
			return set_out(out, outlen, defaults[i], how, howlen, "default path", err);
		if (tl < sizeof(tried))
			tl += (size_t)snprintf(tried + tl, sizeof(tried) - tl, ", %s", defaults[i]);
	}
	return ct_err_set(err, CT_EXIT_GATHER,
			  "no BIRD control socket found (tried %s%s); is calico-node running in a "
			  "BGP mode? pass --bird-socket PATH",
			  tried, note);
}

int ct_bird_find_socket(const char *explicit_path, int ipv6, const char *proc_root, char *out,
			size_t outlen, char *how, size_t howlen, struct ct_err *err)
{
	return ct_bird_find_socket_in(explicit_path, ipv6, proc_root,
				      ipv6 ? defaults_v6 : defaults_v4, out, outlen, how, howlen,
				      err);
}
