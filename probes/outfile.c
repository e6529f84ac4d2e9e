/* SPDX-License-Identifier: MIT */
/* Output files that are safe to write as root (see outfile.h). System calls only: no printing. */
#include "probes/outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* the temporary file's name keeps at most this much of the target's */
#define TMP_BASE_MAX 200

const char *ct_outfile_name(const struct ct_outfile *of)
{
	return of->kind == CT_OUTFILE_STDOUT ? "standard output" : of->path;
}

void ct_outfile_fail(struct ct_outfile *of, int e)
{
	if (!of->werr)
		of->werr = e ? e : EIO;
}

int ct_outfile_write_err(const struct ct_outfile *of, int e, struct ct_err *err)
{
	if (of->kind == CT_OUTFILE_STDOUT)
		return ct_err_set(err, CT_EXIT_GATHER, "writing standard output: %s", strerror(e));
	return ct_err_set(err, CT_EXIT_GATHER, "writing '%s': %s", of->path, strerror(e));
}

/* ---- the stream: every write goes to fd, the first error is kept with its errno ---- */

static ssize_t cookie_write(void *cookie, const char *buf, size_t size)
{
	struct ct_outfile *of = cookie;
	size_t done = 0;
	if (of->werr) {
		errno = of->werr;
		return 0;
	}
	while (done < size) {
		ssize_t n = write(of->fd, buf + done, size - done);
		if (n > 0) {
			done += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			/* a descriptor someone else made non-blocking: wait until it takes more */
			struct pollfd p = {.fd = of->fd, .events = POLLOUT};
			if (poll(&p, 1, -1) >= 0 || errno == EINTR)
				continue;
		}
		ct_outfile_fail(of, n < 0 ? errno : EIO);
		errno = of->werr;
		return (ssize_t)done;
	}
	return (ssize_t)done;
}

static int cookie_close(void *cookie)
{
	struct ct_outfile *of = cookie;
	int fd = of->fd;
	of->f = NULL;
	of->fd = -1;
	if (of->kind == CT_OUTFILE_STDOUT || fd < 0)
		return 0;
	/* the temporary file reaches the disk before it is renamed over the old one */
	if (of->kind == CT_OUTFILE_TEMP && !of->werr && fsync(fd) < 0)
		ct_outfile_fail(of, errno);
	if (close(fd) < 0 && errno != EINTR)
		ct_outfile_fail(of, errno);
	return of->werr ? -1 : 0;
}

static void unmask(struct ct_outfile *of)
{
	if (of->masked) {
		sigprocmask(SIG_SETMASK, &of->oldmask, NULL);
		of->masked = false;
	}
}

/* Drops everything open: the descriptor, the temporary file, the signal mask. */
static void drop(struct ct_outfile *of)
{
	if (of->f) {
		ct_outfile_fail(of, ECANCELED); /* cookie_close: no fsync for a file going away */
		fclose(of->f);
	} else if (of->fd >= 0 && of->kind != CT_OUTFILE_STDOUT)
		close(of->fd);
	of->f = NULL;
	of->fd = -1;
	if (of->tmp[0]) {
		unlink(of->tmp);
		of->tmp[0] = 0;
	}
	unmask(of);
}

static int make_stream(struct ct_outfile *of, struct ct_err *err)
{
	cookie_io_functions_t io = {.write = cookie_write, .close = cookie_close};
	of->f = fopencookie(of, "w", io);
	if (!of->f) {
		int e = errno;
		drop(of);
		return ct_err_set(err, CT_EXIT_GATHER, "cannot write to '%s': %s", of->path,
				  strerror(e));
	}
	return 0; /* fully buffered, as glibc makes every cookie stream */
}

/* path's folder: "." for a bare name, "/" for a file at the root */
static void folder_of(const char *path, char *dir, size_t len)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		snprintf(dir, len, ".");
	else if (slash == path)
		snprintf(dir, len, "/");
	else
		snprintf(dir, len, "%.*s", (int)(slash - path), path);
}

static int folder_err(const struct ct_outfile *of, int e, struct ct_err *err)
{
	char dir[PATH_MAX], abs[PATH_MAX];
	folder_of(of->path, dir, sizeof(dir));
	/* "." says little: the folder's own name where it can be found */
	const char *name = dir[0] != '/' && realpath(dir, abs) ? abs : dir;
	return ct_err_set(err, CT_EXIT_GATHER, "cannot create a file in '%s': %s", name,
			  strerror(e));
}

static const char *kind_phrase(mode_t m)
{
	if (S_ISDIR(m))
		return "it is a directory";
	if (S_ISSOCK(m))
		return "it is a socket";
	if (S_ISBLK(m))
		return "it is a block device";
	if (S_ISLNK(m))
		return "it is a symbolic link, which caltrace does not follow";
	return "it is not a regular file, a FIFO or a character device";
}

static int refuse(const struct ct_outfile *of, mode_t m, struct ct_err *err)
{
	return ct_err_set(err, CT_EXIT_GATHER, "cannot write to '%s': %s", of->path,
			  kind_phrase(m));
}

/* CT_OUTFILE_APPEND takes regular files only: a symbolic link as ever, and a FIFO or a
 * device as well. */
static int refuse_append(const struct ct_outfile *of, mode_t m, struct ct_err *err)
{
	if (S_ISFIFO(m) || S_ISCHR(m))
		return ct_err_set(err, CT_EXIT_GATHER,
				  "cannot append to '%s': it is not a regular file", of->path);
	return refuse(of, m, err);
}

/* A new file in path's folder, renamed over path at close. Signals that would end the
 * process are held back while it exists. */
static int open_temp(struct ct_outfile *of, struct ct_err *err)
{
	char dir[PATH_MAX];
	folder_of(of->path, dir, sizeof(dir));
	const char *slash = strrchr(of->path, '/');
	const char *base = slash ? slash + 1 : of->path;
	size_t blen = strlen(base);
	if (blen > TMP_BASE_MAX)
		blen = TMP_BASE_MAX;
	int n = snprintf(of->tmp, sizeof(of->tmp), "%s/.%.*s.XXXXXX", dir, (int)blen, base);
	if (n < 0 || (size_t)n >= sizeof(of->tmp)) {
		of->tmp[0] = 0;
		return folder_err(of, ENAMETOOLONG, err);
	}
	sigset_t block;
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGQUIT);
	if (sigprocmask(SIG_BLOCK, &block, &of->oldmask) == 0)
		of->masked = true;
	of->fd = mkostemp(of->tmp, O_CLOEXEC);
	if (of->fd < 0) {
		int e = errno;
		of->tmp[0] = 0;
		unmask(of);
		return folder_err(of, e, err);
	}
	of->kind = CT_OUTFILE_TEMP;
	if (fchmod(of->fd, 0600) < 0) {
		int e = errno;
		drop(of);
		return ct_err_set(err, CT_EXIT_GATHER, "cannot write to '%s': %s", of->path,
				  strerror(e));
	}
	return make_stream(of, err);
}

/* Opens what lstat saw (st) without following a link, and checks it is still that. */
static int open_existing(struct ct_outfile *of, const struct stat *st, unsigned flags,
			 struct ct_err *err)
{
	bool append = (flags & CT_OUTFILE_APPEND) != 0;
	/* O_NONBLOCK is not used: a FIFO's open waits for its reader, as a shell's > does */
	int fd = open(of->path,
		      O_WRONLY | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC | (append ? O_APPEND : 0));
	if (fd < 0) {
		if (errno == ELOOP)
			return refuse(of, S_IFLNK, err);
		return ct_err_errno(err, errno, "write to", of->path);
	}
	struct stat now;
	if (fstat(fd, &now) < 0) {
		int e = errno;
		close(fd);
		return ct_err_errno(err, e, "write to", of->path);
	}
	if ((now.st_mode & S_IFMT) != (st->st_mode & S_IFMT) || now.st_dev != st->st_dev ||
	    now.st_ino != st->st_ino || (append && !S_ISREG(now.st_mode))) {
		close(fd);
		if (!S_ISREG(now.st_mode) && !S_ISFIFO(now.st_mode) && !S_ISCHR(now.st_mode))
			return refuse(of, now.st_mode, err);
		return ct_err_set(err, CT_EXIT_GATHER,
				  "cannot write to '%s': it changed while it was being opened",
				  of->path);
	}
	of->fd = fd;
	if (S_ISREG(now.st_mode)) {
		of->kind = CT_OUTFILE_REGULAR;
		if (!append && ftruncate(fd, 0) < 0) {
			int e = errno;
			drop(of);
			return ct_outfile_write_err(of, e, err);
		}
	} else {
		of->kind = S_ISFIFO(now.st_mode) ? CT_OUTFILE_FIFO : CT_OUTFILE_CHARDEV;
	}
	return make_stream(of, err);
}

int ct_outfile_open(struct ct_outfile *of, const char *path, unsigned flags, struct ct_err *err)
{
	memset(of, 0, sizeof(*of));
	of->fd = -1;
	if (strlen(path) >= sizeof(of->path))
		return ct_err_set(err, CT_EXIT_GATHER, "cannot write to '%.200s...': %s", path,
				  strerror(ENAMETOOLONG));
	snprintf(of->path, sizeof(of->path), "%s", path);
	if (!strcmp(path, "-")) {
		of->kind = CT_OUTFILE_STDOUT;
		of->fd = STDOUT_FILENO;
		return make_stream(of, err);
	}
	if (!*path)
		return ct_err_set(err, CT_EXIT_GATHER, "cannot write to '': %s", strerror(ENOENT));
	size_t len = strlen(path);
	/* a created file just lost the race to another one of that name: look again */
	for (int attempt = 0; attempt < 3; attempt++) {
		struct stat st;
		if (lstat(path, &st) < 0) {
			if (errno != ENOENT)
				return ct_err_errno(err, errno, "write to", path);
			if (path[len - 1] == '/')
				return ct_err_set(err, CT_EXIT_GATHER,
						  "cannot write to '%s': it names a folder", path);
			if (flags & CT_OUTFILE_REPLACE)
				return open_temp(of, err);
			bool append = (flags & CT_OUTFILE_APPEND) != 0;
			int fd = open(path,
				      O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_NOCTTY |
					  O_CLOEXEC | (append ? O_APPEND : 0),
				      append ? 0600 : 0666);
			if (fd < 0 && errno == EEXIST)
				continue;
			if (fd < 0)
				return folder_err(of, errno, err);
			of->fd = fd;
			of->kind = CT_OUTFILE_NEW;
			return make_stream(of, err);
		}
		if ((flags & CT_OUTFILE_APPEND) && !S_ISREG(st.st_mode))
			return refuse_append(of, st.st_mode, err);
		if (S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode))
			return open_existing(of, &st, flags, err);
		if ((flags & CT_OUTFILE_REPLACE) && (S_ISREG(st.st_mode) || S_ISLNK(st.st_mode)))
			return open_temp(of, err);
		if (S_ISREG(st.st_mode))
			return open_existing(of, &st, flags, err);
		return refuse(of, st.st_mode, err);
	}
	return ct_err_set(err, CT_EXIT_GATHER,
			  "cannot write to '%s': it keeps changing while it is being created",
			  path);
}

int ct_outfile_check(const char *path, unsigned flags, struct ct_err *err)
{
	struct stat st;
	if (!strcmp(path, "-") || lstat(path, &st) < 0)
		return 0; /* standard output, or a file to create: ct_outfile_open says the rest */
	if ((flags & CT_OUTFILE_APPEND) && !S_ISREG(st.st_mode)) {
		struct ct_outfile of = {.fd = -1};
		snprintf(of.path, sizeof(of.path), "%s", path);
		return refuse_append(&of, st.st_mode, err);
	}
	if (S_ISREG(st.st_mode) || S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode) ||
	    (S_ISLNK(st.st_mode) && (flags & CT_OUTFILE_REPLACE)))
		return 0;
	return ct_err_set(err, CT_EXIT_GATHER, "cannot write to '%s': %s", path,
			  kind_phrase(st.st_mode));
}

int ct_outfile_close(struct ct_outfile *of, struct ct_err *err)
{
	if (of->f) {
		errno = 0;
		if (fclose(of->f) != 0) /* through cookie_close, which clears of->f */
			ct_outfile_fail(of, errno);
	}
	of->f = NULL;
	if (of->werr) {
		int e = of->werr;
		drop(of);
		return ct_outfile_write_err(of, e, err);
	}
	if (of->kind == CT_OUTFILE_TEMP && of->tmp[0]) {
		struct stat st;
		/* what is at path now must still be something a rename may replace */
		if (lstat(of->path, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode)) {
			drop(of);
			return refuse(of, st.st_mode, err);
		}
		if (rename(of->tmp, of->path) < 0) {
			int e = errno;
			drop(of);
			return ct_err_set(err, CT_EXIT_GATHER, "cannot write to '%s': %s", of->path,
					  strerror(e));
		}
		of->tmp[0] = 0;
	}
	unmask(of);
	return 0;
}

void ct_outfile_abort(struct ct_outfile *of)
{
	drop(of);
}
