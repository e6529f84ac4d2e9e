/* SPDX-License-Identifier: MIT */
/*
 * A client for BIRD's control socket that speaks the line protocol itself (no
 * birdc, no shell), and the search for that socket. I/O only: the bytes go
 * through the strict splitter of model/bird_parse.c, whose replies the pure
 * parsers read, or, with ct_bird_command_fn, whose lines a parser takes one at
 * a time as they arrive (a 100k-route `show route` is never held whole). No
 * printing, no exit; every error is one line naming the socket, with exit code
 * CT_EXIT_GATHER (a bad command string: CT_EXIT_USAGE).
 *
 * Nothing blocks forever: connecting has its own timeout, every wait for bytes
 * has the idle timeout, and the whole life of a client (connect, greeting and
 * every command) has one overall deadline, because a 100k-route `show route`
 * streams for longer than any sensible idle timeout. The socket is written with
 * send(MSG_NOSIGNAL), so a BIRD that goes away cannot raise SIGPIPE.
 */
#ifndef CT_PROBES_BIRD_H
#define CT_PROBES_BIRD_H

#include <stdbool.h>
#include <stddef.h>

#include "model/bgp.h"
#include "model/err.h"
#include "model/model.h"

/* Seconds; a value <= 0 takes the default. */
struct ct_bird_timeouts {
	double connect_s; /* connect(), default CT_BIRD_CONNECT_S */
	double idle_s;	  /* longest wait for the next bytes, default CT_BIRD_IDLE_S */
	double total_s;	  /* everything from connect on, default CT_BIRD_TOTAL_S */
};
#define CT_BIRD_CONNECT_S 2.0
#define CT_BIRD_IDLE_S 2.0
#define CT_BIRD_TOTAL_S 30.0

/* A command longer than this is refused (BIRD's own client reads lines of
 * about this size). */
#define CT_BIRD_MAX_CMD 1000
/* Asynchronous ('+') lines kept in ct_bird_client.async; more are counted. */
#define CT_BIRD_ASYNC_KEEP 32

struct ct_bird_client {
	int fd;			     /* -1 when closed */
	char path[2 * CT_PATH_LEN];  /* as given */
	char qpath[2 * CT_PATH_LEN]; /* for messages: raw, clipped (escaped where shown) */
	struct ct_bird_timeouts t;   /* with defaults filled in */
	double deadline;	     /* CLOCK_MONOTONIC seconds */
	bool broken;		     /* an earlier error left the stream in an unknown state */
	bool over_cap;		     /* a reply kept whole grew past max_reply */
	struct ct_bird_splitter sp;
	char buf[16384]; /* bytes read and not yet fed to the splitter: buf[off..len) */
	size_t off, len;
	struct ct_bird_reply hello; /* the greeting as a reply ("0001 BIRD 1.6.8 ready.") */
	char greeting[128];	    /* its text: "BIRD 1.6.8 ready." */
	struct ct_bird_reply async; /* the first CT_BIRD_ASYNC_KEEP async lines seen */
	size_t n_async;		    /* all async lines seen */
	/* the most a reply kept whole (the greeting, ct_bird_command) may take,
	 * counted as CT_BIRD_LINE_COST per line plus its text: CT_BIRD_MAX_REPLY
	 * after ct_bird_connect, which a caller may change for later commands */
	size_t max_reply;
};
/* What a kept line costs besides its text: its struct ct_bird_line, the
 * allocator's header and the NUL. */
#define CT_BIRD_LINE_COST 48

/* Connects to the AF_UNIX stream socket at path (a path too long for
 * sun_path is reached through an O_PATH descriptor), reads the greeting into
 * c->hello and c->greeting. t may be NULL for the defaults. 0, or -1 with err
 * set; c is always left safe to pass to ct_bird_close(). */
int ct_bird_connect(struct ct_bird_client *c, const char *path, const struct ct_bird_timeouts *t,
		    struct ct_err *err);

/* Writes "cmd\n" and reads until the reply's LAST line. reply must have been
 * set up with ct_bird_reply_init(); the lines are appended to it, asynchronous
 * ('+') lines excepted (they go to c->async). Several commands may follow each
 * other on one client; after an error the client refuses further commands.
 * 0, or -1 with err set (reply then holds what was read; free it either way).
 * A reply of BIRD's own errors (8xxx, 9xxx) is not an error here: it is a
 * reply, for the parsers to judge. A reply bigger than c->max_reply is: "BIRD
 * at 'SOCK' sent a reply of more than 64 MiB (the limit); ...", and the client
 * is then unusable. */
int ct_bird_command(struct ct_bird_client *c, const char *cmd, struct ct_bird_reply *reply,
		    struct ct_err *err);

/* The same, with each line of the reply handed to fn as it streams in
 * (asynchronous lines excepted) instead of kept: text is len bytes,
 * NUL-terminated, valid during the call only; lineno counts the lines of this
 * reply from 1, as ct_bird_reply would hold them. fn returns 0, or -1 with err
 * set, which ends the command with that error (the connection is then
 * unusable). Nothing is kept but one line's bytes and one read's buffer. */
typedef int (*ct_bird_reply_fn)(void *arg, int code, enum ct_bird_kind kind, const char *text,
				size_t len, size_t lineno, struct ct_err *err);
int ct_bird_command_fn(struct ct_bird_client *c, const char *cmd, ct_bird_reply_fn fn, void *arg,
		       struct ct_err *err);

void ct_bird_close(struct ct_bird_client *c);

/*
 * Finds BIRD's control socket, first match wins:
 *  1. explicit_path (--bird-socket), as given;
 *  2. the socket of a `bird` (`bird6` when ipv6) process in the current
 *     network namespace (same inode as proc_root/thread-self/ns/net): its -s
 *     argument from proc_root/PID/cmdline (BIRD's compiled defaults when it has
 *     none), opened through proc_root/PID/root, so that it works where the
 *     calico-node hostPath is not mounted; the path itself when that is not
 *     reachable but the path is;
 *  3. the first that exists of /var/run/calico/bird.ctl, /var/run/bird/bird.ctl,
 *     /run/bird/bird.ctl (bird6.ctl for IPv6).
 * out gets the path to connect to, how says where it came from
 * ("--bird-socket", "bird process 1234 (-s /var/run/calico/bird.ctl) via
 * /proc/1234/root", "default path"). proc_root NULL means "/proc".
 * 0, or -1 with err (exit CT_EXIT_GATHER) when nothing is found.
 */
int ct_bird_find_socket(const char *explicit_path, int ipv6, const char *proc_root, char *out,
			size_t outlen, char *how, size_t howlen, struct ct_err *err);

/* The same with the list of step 3 given (NULL-terminated), for tests. */
int ct_bird_find_socket_in(const char *explicit_path, int ipv6, const char *proc_root,
			   const char *const *defaults, char *out, size_t outlen, char *how,
			   size_t howlen, struct ct_err *err);

#endif
