/* SPDX-License-Identifier: MIT */
#include "probes/netns.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "model/esc.h"
#include "probes/gather.h"

/* A user-supplied string quoted in a message: raw, clipped; the message is
 * escaped once where it is shown (model/esc.h), so no byte is lost to '?'. */
static const char *ns_quote(const char *s, char *buf, size_t len)
{
	return ct_esc_clip(buf, len, s, strlen(s));
}

static int ns_copy(char *dst, size_t dlen, const char *src, struct ct_err *err)
{
	int n = snprintf(dst, dlen, "%s", src);

	if (n < 0 || (size_t)n >= dlen) {
		char q[64];
		return ct_err_set(err, CT_EXIT_USAGE, "network namespace '%s' is too long",
				  ns_quote(src, q, sizeof(q)));
	}
	return 0;
}

static int ns_missing(const char *spec, struct ct_err *err)
{
	char q[CT_NAME_LEN];

	return ct_err_set(err, CT_EXIT_GATHER,
			  "no network namespace '%s' (not under " CT_NETNS_DIR
			  "; use a name from 'ip netns list', a path, or pid:PID)",
			  ns_quote(spec, q, sizeof(q)));
}

static int resolve_pid(const char *spec, char *path, size_t plen, char *name, size_t nlen,
		       struct ct_err *err)
{
	const char *p = spec + 4;
	char q[64], dir[64];
	struct stat st;
	char *end;
	long pid;

	errno = 0;
	pid = strtol(p, &end, 10);
	if (!isdigit((unsigned char)*p) || *end || errno || pid <= 0 || pid > INT_MAX)
		return ct_err_set(err, CT_EXIT_USAGE,
				  "bad network namespace '%s': expected pid:PID with a process id",
				  ns_quote(spec, q, sizeof(q)));
	snprintf(dir, sizeof(dir), "/proc/%ld", pid);
	if (stat(dir, &st) < 0) {
		if (errno == ENOENT)
			return ct_err_set(err, CT_EXIT_GATHER,
					  "no network namespace 'pid:%ld': no process %ld", pid,
					  pid);
		return ct_err_errno(err, errno, "look up process", dir);
	}
	if ((size_t)snprintf(path, plen, "/proc/%ld/ns/net", pid) >= plen ||
	    (size_t)snprintf(name, nlen, "pid:%ld", pid) >= nlen)
		return ct_err_set(err, CT_EXIT_USAGE, "network namespace buffer too small");
	return 0;
}

int ct_netns_resolve(const char *spec, char *path, size_t plen, char *name, size_t nlen,
		     struct ct_err *err)
{
	char q[CT_NAME_LEN];
	struct stat st;

	if (!spec || !*spec)
		return ct_err_set(err, CT_EXIT_USAGE, "empty network namespace name");
	if (strncmp(spec, "pid:", 4) == 0)
		return resolve_pid(spec, path, plen, name, nlen, err);
	if (strchr(spec, '/')) {
		int fd = open(spec, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return ct_err_errno(err, errno, "open network namespace",
					    ns_quote(spec, q, sizeof(q)));
		close(fd);
		if (ns_copy(path, plen, spec, err) < 0 || ns_copy(name, nlen, spec, err) < 0)
			return -1;
		return 0;
	}
	if (strcmp(spec, ".") == 0 || strcmp(spec, "..") == 0)
		return ns_missing(spec, err);
	if ((size_t)snprintf(path, plen, "%s/%s", CT_NETNS_DIR, spec) >= plen)
		return ct_err_set(err, CT_EXIT_USAGE, "network namespace '%s' is too long",
				  ns_quote(spec, q, 64));
	if (stat(path, &st) < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return ns_missing(spec, err);
		return ct_err_errno(err, errno, "look up network namespace",
				    ns_quote(spec, q, sizeof(q)));
	}
	if (S_ISDIR(st.st_mode))
		return ns_missing(spec, err);
	return ns_copy(name, nlen, spec, err);
}

int ct_ns_open_self(struct ct_err *err)
{
	/* thread-self: setns() changes only the calling thread */
	int fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ct_err_errno(err, errno, "open the current network namespace",
				    "/proc/thread-self/ns/net");
	return fd;
}

int ct_ns_open(const char *path, const char *name, struct ct_err *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return ct_err_errno(err, errno, "open network namespace", name);
	return fd;
}

int ct_ns_enter(int fd, const char *name, struct ct_err *err)
{
	if (setns(fd, CLONE_NEWNET) == 0)
		return 0;
	if (errno == EINVAL)
		return ct_err_set(err, CT_EXIT_GATHER,
				  "cannot enter network namespace '%s': not a network namespace",
				  name);
	return ct_err_errno(err, errno, "enter network namespace", name);
}

uint64_t ct_ns_inode(int fd)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return 0;
	return (uint64_t)st.st_ino;
}

struct ns_seen {
	uint64_t *v;
	size_t n, cap;
};

static bool seen_has(const struct ns_seen *s, uint64_t ino)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i] == ino)
			return true;
	return false;
}

static int seen_add(struct ns_seen *s, uint64_t ino)
{
	if (s->n == s->cap) {
		size_t nc = s->cap ? s->cap * 2 : 64;
		uint64_t *p = realloc(s->v, nc * sizeof(*p));
		if (!p)
			return -ENOMEM;
		s->v = p;
		s->cap = nc;
	}
	s->v[s->n++] = ino;
	return 0;
}

/* Stats path, skips seen namespaces, opens and visits a new one. */
static int scan_one(struct ns_seen *seen, struct ct_ns_cand *c, ct_ns_visit fn, void *arg)
{
	struct stat st;
	int r;

	if (stat(c->path, &st) < 0 || S_ISDIR(st.st_mode))
		return 0;
	c->inode = (uint64_t)st.st_ino;
	if (seen_has(seen, c->inode))
		return 0;
	if (seen_add(seen, c->inode) < 0)
		return -ENOMEM;
	c->fd = open(c->path, O_RDONLY | O_CLOEXEC);
	if (c->fd < 0)
		return 0;
	r = fn(c, arg);
	if (c->fd >= 0)
		close(c->fd);
	return r;
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

int ct_ns_scan(const char *netns_dir, const char *proc_root, uint64_t skip_inode,
	       ct_ns_visit fn, void *arg)
{
	struct ns_seen seen = { 0 };
	struct ct_ns_cand c;
	struct dirent *de;
	DIR *d;
	int r = 0;

	if (skip_inode && seen_add(&seen, skip_inode) < 0)
		return -ENOMEM;
	d = netns_dir ? opendir(netns_dir) : NULL;
	while (d && r == 0 && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		memset(&c, 0, sizeof(c));
		if ((size_t)snprintf(c.path, sizeof(c.path), "%s/%s", netns_dir, de->d_name) >=
			    sizeof(c.path) ||
		    (size_t)snprintf(c.name, sizeof(c.name), "%s", de->d_name) >= sizeof(c.name))
			continue;
		r = scan_one(&seen, &c, fn, arg);
	}
	if (d)
		closedir(d);
	d = r == 0 ? opendir(proc_root) : NULL;
	while (d && r == 0 && (de = readdir(d))) {
		if (!all_digits(de->d_name) || strlen(de->d_name) > 10)
			continue;
		memset(&c, 0, sizeof(c));
		if ((size_t)snprintf(c.path, sizeof(c.path), "%s/%s/ns/net", proc_root,
				     de->d_name) >= sizeof(c.path))
			continue;
		snprintf(c.name, sizeof(c.name), "pid:%.10s", de->d_name);
		r = scan_one(&seen, &c, fn, arg);
	}
	if (d)
		closedir(d);
	free(seen.v);
	return r;
}
