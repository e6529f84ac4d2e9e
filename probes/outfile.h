/* SPDX-License-Identifier: MIT */
/*
 * Output files that are safe to write as root (snapshot -o, sniff -w). I/O
 * only: system calls, errors in a ct_err (CT_EXIT_GATHER), never a print.
 *
 *	struct ct_outfile of;
 *	if (ct_outfile_open(&of, path, CT_OUTFILE_REPLACE, &err) < 0) ...
 *	write to of.f (a stdio stream; any error is kept in of.werr) ...
 *	if (ct_outfile_close(&of, &err) < 0) ...     (or ct_outfile_abort(&of) on any error)
 *
 * What PATH may be, by lstat(2) of its last component:
 *   "-"                     standard output (fd 1; closing never closes fd 1)
 *   missing                 created: O_CREAT|O_EXCL|O_NOFOLLOW, mode 0666 less the umask
 *   a regular file          opened with O_NOFOLLOW, checked to be that same file (fstat),
 *                           then truncated
 *   a FIFO, a char device   written directly (O_NOFOLLOW; a FIFO's open waits for a reader;
 *                           /dev/null stays /dev/null, /dev/full gives ENOSPC)
 *   a symbolic link         refused: never followed
 *   a directory, a socket,
 *   a block device          refused
 * With CT_OUTFILE_REPLACE (snapshot -o), a missing PATH, a regular file or a
 * symbolic link is never opened: the data goes to a new file made by
 * mkstemp(3) in PATH's folder (".NAME.XXXXXX", mode 0600), flushed, fsync'd
 * and renamed over PATH by ct_outfile_close, so PATH is either the old file or
 * the whole new one; a symbolic link at PATH is replaced by the file (rename
 * does not follow it), its target is never touched. SIGINT, SIGTERM, SIGHUP and
 * SIGQUIT are held back while that temporary file exists, so an interrupt
 * cannot leave it behind; ct_outfile_close and ct_outfile_abort remove it and
 * let them through.
 *
 * With CT_OUTFILE_APPEND (top --log), PATH must be a regular file or missing:
 * a missing one is created with O_EXCL|O_NOFOLLOW and mode 0600 (less the
 * umask), an existing one is opened with O_APPEND|O_NOFOLLOW, checked to be
 * what lstat saw, and never truncated; a symbolic link, a FIFO, a device or
 * anything else is refused ("cannot append to 'PATH': it is not a regular
 * file"). "-" is still standard output.
 *
 * Every byte goes through of.f, a stream whose writes record the first errno
 * in of.werr, so an error is known with its reason even when the writer
 * (libpcap's pcap_dump) ignores it. Messages: "writing 'PATH': REASON",
 * "cannot create a file in 'FOLDER': REASON" (a file that could not be made is
 * the folder's fault), "cannot write to 'PATH': it is a directory".
 */
#ifndef CT_OUTFILE_H
#define CT_OUTFILE_H

#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>

#include "model/err.h"

enum ct_outfile_kind {
	CT_OUTFILE_STDOUT,
	CT_OUTFILE_NEW,	    /* created by caltrace */
	CT_OUTFILE_REGULAR, /* an existing regular file, truncated */
	CT_OUTFILE_TEMP,    /* CT_OUTFILE_REPLACE: a temporary file renamed over path at close */
	CT_OUTFILE_FIFO,
	CT_OUTFILE_CHARDEV,
};

#define CT_OUTFILE_REPLACE 1u /* write a new file and rename it over path (see above) */
#define CT_OUTFILE_APPEND  2u /* top --log: regular files only, see above */

struct ct_outfile {
	FILE *f;  /* the stream to write; NULL once closed */
	int fd;	  /* under f; -1 once closed */
	int kind; /* enum ct_outfile_kind */
	int werr; /* first errno of a write, flush, fsync or close; 0: none */
	bool masked;
	sigset_t oldmask;    /* the signal mask to restore (masked) */
	char path[PATH_MAX]; /* as given */
	char tmp[PATH_MAX];  /* the temporary file (CT_OUTFILE_TEMP), "" otherwise */
};

/* Opens path as above. 0, or -1 with err set (CT_EXIT_GATHER) and nothing left behind. */
int ct_outfile_open(struct ct_outfile *of, const char *path, unsigned flags, struct ct_err *err);
/* What ct_outfile_open would refuse at once, found without opening anything
 * (a folder, a socket, a block device; a symbolic link without
 * CT_OUTFILE_REPLACE): 0, or -1 with err set as ct_outfile_open would. */
int ct_outfile_check(const char *path, unsigned flags, struct ct_err *err);
/* Flushes and closes (for CT_OUTFILE_TEMP: fsync, then rename over path). 0, or
 * -1 with err set ("writing 'PATH': REASON") and the temporary file removed.
 * The stream may already have been closed by its user (fclose(of->f), as
 * pcap_dump_close does): its errors are in of->werr. */
int ct_outfile_close(struct ct_outfile *of, struct ct_err *err);
/* Closes without committing: the temporary file is removed, path untouched. */
void ct_outfile_abort(struct ct_outfile *of);
/* "standard output" or the path (raw bytes: escape before printing). */
const char *ct_outfile_name(const struct ct_outfile *of);
/* Records a write error (e, or EIO for 0) unless one is already kept. */
void ct_outfile_fail(struct ct_outfile *of, int e);
/* Sets err to "writing 'PATH': strerror(e)" ("writing standard output: ..."); -1. */
int ct_outfile_write_err(const struct ct_outfile *of, int e, struct ct_err *err);

#endif
