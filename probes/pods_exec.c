/* SPDX-License-Identifier: MIT */
/*
 * Runs kubectl or crictl (fork + execvp, no shell) with a deadline, or reads a
 * file, and hands the bytes to the parsers in model/pods.c.
 */
#include "pods_exec.h"

#include "model/esc.h"
#include "model/pods.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PODS_STDERR_KEEP 16384 /* bytes of stderr kept to pick a message from */
#define PODS_READ_CHUNK 65536

struct pods_cmd {
	const char *name;
	const char *const *argv;
	const char *hint;   /* what to check when it hangs */
	const char *remedy; /* the way around it, "" none */
	size_t max;         /* the most output taken */
};

static const char *const kubectl_argv[] = {"kubectl", "get", "pods", "-A", "-o", "json", NULL};
static const char *const crictl_argv[] = {"crictl", "pods", "-o", "json", NULL};

static const struct pods_cmd pods_cmds[] = {
	{"kubectl", kubectl_argv, "check the API server", "pass --pods FILE", CT_PODS_MAX_OUTPUT},
	{"crictl", crictl_argv, "check the container runtime", "pass --pods FILE",
	 CT_PODS_MAX_OUTPUT},
};

struct pods_buf {
	char *p;
	size_t n, cap;
};

/* Appends; returns -1 when memory runs out or the total would pass max. */
static int buf_append(struct pods_buf *b, const char *d, size_t l, size_t max)
{
	if (l > max - b->n)
		return -1;
	if (b->n + l > b->cap) {
		size_t nc = b->cap ? b->cap : 65536;
		while (nc < b->n + l)
			nc *= 2;
		if (nc > max)
			nc = max;
		char *p = realloc(b->p, nc);
		if (!p)
			return -1;
		b->p = p;
		b->cap = nc;
	}
	memcpy(b->p + b->n, d, l);
	b->n += l;
	return 0;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int ms_until(double deadline)
{
	double left = deadline - now_s();
	if (left <= 0)
		return 0;
	return left > 1e6 ? 1000000000 : (int)(left * 1000.0) + 1;
}

/* klog's header: "E1126 04:35:15.238952    4870 memcache.go:265] " */
static bool is_klog(const char *s, size_t l)
{
	static const char pat[] = "L0000 00:00:00.";
	if (l < sizeof(pat) - 1 || !strchr("IWEF", s[0]) || !memchr(s, ']', l))
		return false;
	for (size_t i = 1; i < sizeof(pat) - 1; i++) {
		if (pat[i] == '0' ? (s[i] < '0' || s[i] > '9') : s[i] != pat[i])
			return false;
	}
	return true;
}

/*
 * The most telling line of a command's stderr, raw (escaped where shown): the first non-blank
 * line that is not a klog line (kubectl logs the same klog error five times,
 * then states the problem), else the first line without its klog header.
 */
static void stderr_line(const char *s, size_t len, char *out, size_t outlen)
{
	const char *first = NULL;
	size_t flen = 0;
	out[0] = 0;
	while (len) {
		const char *nl = memchr(s, '\n', len);
		size_t l = nl ? (size_t)(nl - s) : len;
		size_t t = l;
		while (t && (s[t - 1] == '\r' || s[t - 1] == ' ' || s[t - 1] == '\t'))
			t--;
		if (t) {
			if (!is_klog(s, t)) {
				ct_esc_clip(out, outlen, s, t);
				return;
			}
			if (!first) {
				first = s;
				flen = t;
			}
		}
		if (!nl)
			break;
		len -= l + 1;
		s = nl + 1;
	}
	if (first) {
		const char *b = memchr(first, ']', flen);
		size_t skip = (size_t)(b - first) + 1;
		while (skip < flen && first[skip] == ' ')
			skip++;
		ct_esc_clip(out, outlen, first + skip, flen - skip);
	}
}

static void reap_killed(pid_t pid)
{
	kill(-pid, SIGKILL);
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* Moves fd above 2, so that the child's dup2 onto 0, 1 and 2 cannot collide
 * with it when the caller runs with a standard descriptor closed. */
static int lift_fd(int *fd)
{
	if (*fd > 2)
		return 0;
	int nfd = fcntl(*fd, F_DUPFD_CLOEXEC, 3);
	if (nfd < 0)
		return -1;
	close(*fd);
	*fd = nfd;
	return 0;
}

/* In the child, between fork and exec: async-signal-safe calls only. */
static void child_exec(const struct pods_cmd *cmd, int devnull, int out_w, int err_w, int exec_w)
{
	struct sigaction sa;
	sigset_t none;

	setpgid(0, 0);
	if (dup2(devnull, 0) < 0 || dup2(out_w, 1) < 0 || dup2(err_w, 2) < 0)
		goto fail;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigaction(SIGPIPE, &sa, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	execvp(cmd->argv[0], (char *const *)cmd->argv);
fail:;
	int e = errno;
	ssize_t w = write(exec_w, &e, sizeof(e));
	(void)w;
	_exit(127);
}

static int run_cmd(const struct pods_cmd *cmd, double timeout_s, struct pods_buf *out,
		   struct ct_err *err)
{
	int op[2] = {-1, -1}, ep[2] = {-1, -1}, xp[2] = {-1, -1}, devnull = -1;
	struct pods_buf eb = {0};
	int rc = -1, status = 0, e;
	double deadline = now_s() + timeout_s;

	if (pipe2(op, O_CLOEXEC) < 0 || pipe2(ep, O_CLOEXEC) < 0 || pipe2(xp, O_CLOEXEC) < 0 ||
	    (devnull = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0 || lift_fd(&op[0]) < 0 ||
	    lift_fd(&op[1]) < 0 || lift_fd(&ep[0]) < 0 || lift_fd(&ep[1]) < 0 ||
	    lift_fd(&xp[0]) < 0 || lift_fd(&xp[1]) < 0 || lift_fd(&devnull) < 0) {
		ct_err_errno(err, errno, "create pipes to run", cmd->name);
		goto out;
	}
	pid_t pid = fork();
	if (pid < 0) {
		ct_err_errno(err, errno, "fork to run", cmd->name);
		goto out;
	}
	if (pid == 0)
		child_exec(cmd, devnull, op[1], ep[1], xp[1]);
	setpgid(pid, pid); /* also in the child; whichever runs first wins */
	close_fd(&op[1]);
	close_fd(&ep[1]);
	close_fd(&xp[1]);
	close_fd(&devnull);

	/* The exec pipe closes on a successful exec or carries execvp's errno. */
	ssize_t r;
	e = 0;
	while ((r = read(xp[0], &e, sizeof(e))) < 0 && errno == EINTR)
		;
	if (r == (ssize_t)sizeof(e)) {
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		if (e == ENOENT)
			ct_err_set(err, CT_EXIT_GATHER, "%s not found on PATH%s%s", cmd->name,
				   cmd->remedy[0] ? "; " : "", cmd->remedy);
		else
			ct_err_errno(err, e, "run", cmd->name);
		goto out;
	}

	struct pollfd pf[2] = {{.fd = op[0], .events = POLLIN}, {.fd = ep[0], .events = POLLIN}};
	bool timed_out = false, too_big = false, failed = false;
	char chunk[PODS_READ_CHUNK];
	while (pf[0].fd >= 0 || pf[1].fd >= 0) {
		int ms = ms_until(deadline);
		if (ms == 0) {
			timed_out = true;
			break;
		}
		int pr = poll(pf, 2, ms);
		if (pr < 0 && errno != EINTR) {
			ct_err_errno(err, errno, "wait for the output of", cmd->name);
			failed = true;
			break;
		}
		for (int i = 0; pr > 0 && i < 2; i++) {
			if (pf[i].fd < 0 || !pf[i].revents)
				continue;
			r = read(pf[i].fd, chunk, sizeof(chunk));
			if (r < 0 && (errno == EINTR || errno == EAGAIN))
				continue;
			if (r <= 0) {
				close(pf[i].fd);
				pf[i].fd = -1;
			} else if (i == 0) {
				if (buf_append(out, chunk, (size_t)r, cmd->max) < 0) {
					if (out->n + (size_t)r > cmd->max)
						too_big = true;
					else
						failed = ct_err_set(err, CT_EXIT_GATHER,
								    "out of memory reading the "
								    "output of %s",
								    cmd->name) < 0;
					break;
				}
			} else if (eb.n < PODS_STDERR_KEEP) {
				size_t keep = (size_t)r;
				if (keep > PODS_STDERR_KEEP - eb.n)
					keep = PODS_STDERR_KEEP - eb.n;
				buf_append(&eb, chunk, keep, PODS_STDERR_KEEP);
			}
		}
		if (too_big || failed)
			break;
	}

	/* Both pipes closed: the command is ending. Wait for it within the deadline. */
	bool reaped = false;
	while (!timed_out && !too_big && !failed) {
		pid_t w = waitpid(pid, &status, WNOHANG);
		if (w == pid) {
			reaped = true;
			break;
		}
		if (w < 0 && errno != EINTR) {
			ct_err_errno(err, errno, "wait for", cmd->name);
			failed = true;
			break;
		}
		if (ms_until(deadline) == 0) {
			timed_out = true;
			break;
		}
		struct timespec ts = {0, 5 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	if (!reaped)
		reap_killed(pid);

	if (failed)
		goto out;
	if (timed_out) {
		ct_err_set(err, CT_EXIT_GATHER,
			   "%s did not answer within %g s (killed); %s%s%s", cmd->name, timeout_s,
			   cmd->hint, cmd->remedy[0] ? " or " : "", cmd->remedy);
		goto out;
	}
	if (too_big) {
		if (cmd->max == CT_PODS_MAX_OUTPUT)
			ct_err_set(err, CT_EXIT_GATHER,
				   "%s printed more than %u MiB (killed); pass --pods FILE with fewer pods",
				   cmd->name, CT_PODS_MAX_OUTPUT >> 20);
		else
			ct_err_set(err, CT_EXIT_GATHER, "%s printed more than %zu MiB (killed)",
				   cmd->name, cmd->max >> 20);
		goto out;
	}
	if (WIFSIGNALED(status)) {
		ct_err_set(err, CT_EXIT_GATHER, "%s was killed by signal %d (%s)", cmd->name,
			   WTERMSIG(status), strsignal(WTERMSIG(status)));
		goto out;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		char line[320];
		stderr_line(eb.p, eb.n, line, sizeof(line));
		if (line[0])
			ct_err_set(err, CT_EXIT_GATHER, "%s failed with exit status %d: %s",
				   cmd->name, WEXITSTATUS(status), line);
		else
			ct_err_set(err, CT_EXIT_GATHER,
				   "%s failed with exit status %d and no message", cmd->name,
				   WEXITSTATUS(status));
		goto out;
	}
	rc = 0;
out:
	close_fd(&op[0]);
	close_fd(&op[1]);
	close_fd(&ep[0]);
	close_fd(&ep[1]);
	close_fd(&xp[0]);
	close_fd(&xp[1]);
	close_fd(&devnull);
	free(eb.p);
	return rc;
}

int ct_exec_capture(const char *const *argv, const char *hint, double timeout_s, size_t max,
		    char **out, size_t *outlen, struct ct_err *err)
{
	struct pods_cmd cmd = {argv[0], argv, hint, "", max};
	struct pods_buf b = {0};
	*out = NULL;
	*outlen = 0;
	if (run_cmd(&cmd, timeout_s > 0 ? timeout_s : CT_PODS_TIMEOUT_S, &b, err) < 0) {
		free(b.p);
		return -1;
	}
	*out = b.p;
	*outlen = b.n;
	return 0;
}

static int read_file(const char *path, const char *shown, struct pods_buf *out,
		     struct ct_err *err)
{
	bool is_stdin = strcmp(path, "-") == 0;
	int fd = is_stdin ? 0 : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ct_err_errno(err, errno, "open pods file", shown);
	int rc = 0;
	char chunk[PODS_READ_CHUNK];
	for (;;) {
		ssize_t r = read(fd, chunk, sizeof(chunk));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = ct_err_errno(err, errno, "read pods file", shown);
			break;
		}
		if (r == 0)
			break;
		if (buf_append(out, chunk, (size_t)r, CT_PODS_MAX_OUTPUT) < 0) {
			rc = ct_err_set(err, CT_EXIT_GATHER,
					"pods file '%s' is larger than %u MiB or memory ran out",
					shown, CT_PODS_MAX_OUTPUT >> 20);
			break;
		}
	}
	if (!is_stdin)
		close(fd);
	return rc;
}

int ct_pods_load(struct ct_node *n, const char *source, const char *prefix, double timeout_s,
		 struct ct_err *err)
{
	struct pods_buf out = {0};
	int rc;

	if (!source)
		source = "kubectl";
	if (!(timeout_s > 0))
		timeout_s = CT_PODS_TIMEOUT_S;
	for (size_t i = 0; i < sizeof(pods_cmds) / sizeof(pods_cmds[0]); i++) {
		const struct pods_cmd *cmd = &pods_cmds[i];
		if (strcmp(source, cmd->name) != 0)
			continue;
		rc = run_cmd(cmd, timeout_s, &out, err);
		if (rc == 0)
			rc = i == 0 ? ct_pods_parse_kubectl(n, out.p, out.n, prefix, err)
				    : ct_pods_parse_crictl(n, out.p, out.n, prefix, err);
		free(out.p);
		return rc;
	}

	char shown[200];
	const char *label = strcmp(source, "-") == 0 ? "stdin" : source;
	ct_esc_clip(shown, sizeof(shown), label, strlen(label));
	rc = read_file(source, shown, &out, err);
	if (rc == 0)
		rc = ct_pods_parse_any(n, out.p, out.n, prefix, label, err);
	free(out.p);
	return rc;
}
