/* SPDX-License-Identifier: MIT */
/*
 * The BIRD control-socket client, socket discovery and the port-179 sock_diag
 * probe.
 *
 * Client: a fake BIRD (a forked child with an AF_UNIX listener in a temp dir)
 * plays a script of bytes taken from real BIRD 1.6.8 replies
 * (/work/shared/reference/bird/bird16-wire-*.repr.txt): normal replies, two
 * commands on one connection, silence, a close in the middle of a reply, a
 * byte every 50 ms, an over-long line, async '+' lines; plus a missing socket,
 * a socket without a listener, a full backlog, a permission error.
 * Discovery: a fake proc root (comm, cmdline, ns/net, root and cwd links).
 * As root, in a fresh network namespace: the real BIRD 1.6 found through
 * /proc and asked, with `birdc -v` as the oracle; and TCP sockets on port 179
 * dumped with sock_diag, with `ss -tan` as the oracle.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "model/esc.h"
#include "probes/bird.h"
#include "probes/sockdiag.h"

static char T[64]; /* the temp dir */

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void msleep(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/* ---- bytes of real BIRD 1.6.8 replies (reference/bird/bird16-wire-*.repr.txt) ---- */

#define GREET "0001 BIRD 1.6.8 ready.\n"
#define STATUS                                                                                     \
	"1000-BIRD 1.6.8\n"                                                                        \
	"1011-Router ID is 192.168.31.201\n"                                                       \
	" Current server time is 2026-11-26 03:48:57\n"                                            \
	" Last reboot on 2026-11-26 03:48:36\n"                                                    \
	" Last reconfiguration on 2026-11-26 03:48:36\n"                                           \
	"0013 Daemon is up and running\n"
#define PROTOCOLS                                                                                  \
	"2002-name     proto    table    state  since       info\n"                                \
	"1002-static1  Static   master   up     03:48:36    \n"                                    \
	" kernel1  Kernel   master   up     03:48:36    \n"                                        \
	" device1  Device   master   up     03:48:36    \n"                                        \
	" direct1  Direct   master   up     03:48:36    \n"                                        \
	" Mesh_192_168_31_202 BGP      master   up     03:48:38    Established   \n"               \
	" Mesh_192_168_31_203 BGP      master   up     03:48:42    Established   \n"               \
	"0000 \n"
#define MEMORY                                                                                     \
	"1018-BIRD memory usage\n"                                                                 \
	" Routing tables:     35 kB\n"                                                             \
	" Route attributes: 9984  B\n"                                                             \
	" ROA tables:        192  B\n"                                                             \
	" Protocols:          35 kB\n"                                                             \
	" Total:             123 kB\n"                                                             \
	"0000 \n"

struct want_line {
	int code;
	enum ct_bird_kind kind;
	const char *text;
};

static void check_reply(const struct ct_bird_reply *r, const struct want_line *w, size_t n,
			int final_code)
{
	assert_int_equal(r->n, n);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(r->v[i].code, w[i].code);
		assert_int_equal(r->v[i].kind, w[i].kind);
		assert_string_equal(r->v[i].text, w[i].text);
	}
	assert_int_equal(r->final_code, final_code);
}

static const struct want_line want_status[] = {
	{1000, CT_BIRD_MORE, "BIRD 1.6.8"},
	{1011, CT_BIRD_MORE, "Router ID is 192.168.31.201"},
	{1011, CT_BIRD_CONT, "Current server time is 2026-11-26 03:48:57"},
	{1011, CT_BIRD_CONT, "Last reboot on 2026-11-26 03:48:36"},
	{1011, CT_BIRD_CONT, "Last reconfiguration on 2026-11-26 03:48:36"},
	{13, CT_BIRD_LAST, "Daemon is up and running"},
};

static const struct want_line want_protocols[] = {
	{2002, CT_BIRD_MORE, "name     proto    table    state  since       info"},
	{1002, CT_BIRD_MORE, "static1  Static   master   up     03:48:36    "},
	{1002, CT_BIRD_CONT, "kernel1  Kernel   master   up     03:48:36    "},
	{1002, CT_BIRD_CONT, "device1  Device   master   up     03:48:36    "},
	{1002, CT_BIRD_CONT, "direct1  Direct   master   up     03:48:36    "},
	{1002, CT_BIRD_CONT,
	 "Mesh_192_168_31_202 BGP      master   up     03:48:38    Established   "},
	{1002, CT_BIRD_CONT,
	 "Mesh_192_168_31_203 BGP      master   up     03:48:42    Established   "},
	{0, CT_BIRD_LAST, ""},
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ---- the fake BIRD ---- */

typedef void (*script_fn)(int fd);

struct srv {
	pid_t pid;
	char path[PATH_MAX];
};

static void say(int fd, const char *s, size_t n)
{
	while (n > 0) {
		ssize_t k = write(fd, s, n);
		if (k <= 0)
			_exit(0);
		s += k;
		n -= (size_t)k;
	}
}
#define SAY(fd, lit) say(fd, lit, sizeof(lit) - 1)

/* Reads one command line; a wrong one is answered with a 9xxx error that the
 * test sees as a wrong reply. */
static void expect(int fd, const char *want)
{
	char line[1100];
	size_t n = 0;
	for (;;) {
		char ch;
		ssize_t k = read(fd, &ch, 1);
		if (k <= 0)
			_exit(0);
		if (n < sizeof(line) - 1)
			line[n++] = ch;
		if (ch == '\n')
			break;
	}
	line[n] = 0;
	if (strcmp(line, want) != 0) {
		SAY(fd, "9999 fake bird: unexpected command\n");
		_exit(0);
	}
}

/* Stays connected until the client goes away (or the test kills us). */
static void hold(int fd)
{
	char b[256];
	while (read(fd, b, sizeof(b)) > 0)
		;
}

static int bind_listen(const char *path, int backlog)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	assert_true(strlen(path) < sizeof(sa.sun_path));
	strcpy(sa.sun_path, path);
	unlink(path);
	int l = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(l >= 0);
	assert_int_equal(bind(l, (struct sockaddr *)&sa, sizeof(sa)), 0);
	if (backlog >= 0)
		assert_int_equal(listen(l, backlog), 0);
	return l;
}

static void srv_start(struct srv *s, const char *name, script_fn fn)
{
	snprintf(s->path, sizeof(s->path), "%s/%s", T, name);
	int l = bind_listen(s->path, 4);
	s->pid = fork();
	assert_true(s->pid >= 0);
	if (s->pid == 0) {
		alarm(10); /* never outlive the test */
		signal(SIGPIPE, SIG_IGN);
		int fd = accept(l, NULL, NULL);
		close(l);
		if (fd >= 0)
			fn(fd);
		_exit(0);
	}
	close(l);
}

static void srv_stop(struct srv *s)
{
	if (s->pid > 0) {
		kill(s->pid, SIGKILL);
		waitpid(s->pid, NULL, 0);
	}
	s->pid = 0;
	unlink(s->path);
}

static void sc_normal(int fd)
{
	SAY(fd, GREET);
	expect(fd, "show status\n");
	SAY(fd, STATUS);
	expect(fd, "show protocols\n");
	SAY(fd, PROTOCOLS);
	hold(fd);
}

static void sc_silent(int fd)
{
	hold(fd);
}

static void sc_greet_silent(int fd)
{
	SAY(fd, GREET);
	hold(fd);
}

static void sc_close_now(int fd)
{
	close(fd);
}

static void sc_greet_close(int fd)
{
	SAY(fd, GREET);
	close(fd);
}

static void sc_midclose(int fd)
{
	SAY(fd, GREET);
	expect(fd, "show status\n");
	SAY(fd, "1000-BIRD 1.6.8\n1011-Router ID is 192.1");
	close(fd);
}

static void sc_drip(int fd)
{
	static const char reply[] = "0013 Daemon up\n";
	SAY(fd, GREET);
	expect(fd, "show status\n");
	for (size_t i = 0; i < sizeof(reply) - 1; i++) {
		say(fd, reply + i, 1);
		msleep(50);
	}
	hold(fd);
}

static void sc_huge(int fd)
{
	static char x[8192];
	SAY(fd, GREET);
	expect(fd, "show status\n");
	memset(x, 'x', sizeof(x));
	say(fd, x, sizeof(x));
	hold(fd);
}

static void sc_huge_greeting(int fd)
{
	static char x[8192];
	memset(x, '7', sizeof(x));
	say(fd, x, sizeof(x));
	hold(fd);
}

/* Endless "1007-" lines of 59 bytes (64 on the wire) after the command. */
static void sc_endless(int fd)
{
	static char x[64 * 256];
	SAY(fd, GREET);
	expect(fd, "show status\n");
	for (size_t i = 0; i < sizeof(x); i += 64) {
		memcpy(x + i, "1007-", 5);
		memset(x + i + 5, 'r', 58);
		x[i + 63] = '\n';
	}
	for (;;)
		say(fd, x, sizeof(x));
}

/* An endless greeting of "0001-" lines. */
static void sc_endless_greeting(int fd)
{
	static char x[64 * 256];
	for (size_t i = 0; i < sizeof(x); i += 64) {
		memcpy(x + i, "0001-", 5);
		memset(x + i + 5, 'g', 58);
		x[i + 63] = '\n';
	}
	for (;;)
		say(fd, x, sizeof(x));
}

static void sc_garbage(int fd)
{
	SAY(fd, GREET);
	expect(fd, "show status\n");
	SAY(fd, "hello world\n");
	hold(fd);
}

static void sc_bad_greeting(int fd)
{
	SAY(fd, "9001 syntax error\n");
	hold(fd);
}

static void sc_async(int fd)
{
	SAY(fd, GREET "+early news\n");
	expect(fd, "show status\n");
	SAY(fd, "+log one\n"
		"1000-BIRD 1.6.8\n"
		"+log two\n"
		"1011-Router ID is 192.168.31.201\n"
		" Current server time is 2026-11-26 03:48:57\n"
		"0013 Daemon is up and running\n"
		"+log three\n");
	expect(fd, "show memory\n");
	msleep(20);
	SAY(fd, "+log four\n" MEMORY);
	hold(fd);
}

/* ---- helpers ---- */

static const struct ct_bird_timeouts quick = {.connect_s = 1, .idle_s = 0.3, .total_s = 5};

/* The message as the user sees it: escaped once (model/esc.h) when shown. */
static void expect_err(const struct ct_err *e, int code, const char *needle)
{
	char shown[4 * sizeof(e->msg)];
	ct_esc_str(shown, sizeof(shown), e->msg);
	if (e->exit_code != code || !strstr(shown, needle))
		fail_msg("want exit %d and '%s' in the message, got exit %d: '%s'", code, needle,
			 e->exit_code, shown);
	if (strchr(shown, '\n'))
		fail_msg("message is not one line: '%s'", shown);
}

/* ---- client tests ---- */

/* A reply kept whole stops at c.max_reply: lines of 58 bytes of text cost
 * 58 + CT_BIRD_LINE_COST, so a cap of 100 lines' worth keeps 100 lines and
 * fails on the 101st, with the client unusable afterwards. The default cap
 * is CT_BIRD_MAX_REPLY. */
static void test_reply_cap(void **state)
{
	struct srv s;
	struct ct_bird_client c;
	struct ct_err err = {0};
	struct ct_bird_reply r;

	srv_start(&s, "endless.ctl", sc_endless);
	assert_int_equal(ct_bird_connect(&c, s.path, &quick, &err), 0);
	assert_int_equal(c.max_reply, CT_BIRD_MAX_REPLY);
	c.max_reply = 100 * (58 + CT_BIRD_LINE_COST);
	ct_bird_reply_init(&r);
	assert_int_equal(ct_bird_command(&c, "show status", &r, &err), -1);
	expect_err(&err, CT_EXIT_GATHER, "sent a reply of more than");
	char want[256];
	snprintf(want, sizeof(want), "BIRD at '%s' sent a reply of more than %zu bytes (the limit)",
		 s.path, (size_t)(100 * (58 + CT_BIRD_LINE_COST)));
	expect_err(&err, CT_EXIT_GATHER, want);
	assert_int_equal(r.n, 100);
	assert_int_equal(strlen(r.v[99].text), 58);
	ct_bird_reply_free(&r);
	/* the stream is in an unknown state: no further command */
	struct ct_err e2 = {0};
	ct_bird_reply_init(&r);
	assert_int_equal(ct_bird_command(&c, "show status", &r, &e2), -1);
	expect_err(&e2, CT_EXIT_GATHER, "unusable");
	ct_bird_reply_free(&r);
	ct_bird_close(&c);
	srv_stop(&s);

	/* an endless greeting stops at the default cap (64 MiB), long before
	 * the deadline of a generous timeout */
	struct ct_bird_timeouts slow = {.connect_s = 5, .idle_s = 5, .total_s = 60};
	memset(&err, 0, sizeof(err));
	srv_start(&s, "endless-greeting.ctl", sc_endless_greeting);
	assert_int_equal(ct_bird_connect(&c, s.path, &slow, &err), -1);
	snprintf(want, sizeof(want), "BIRD at '%s' sent a reply of more than 64 MiB (the limit)",
		 s.path);
	expect_err(&err, CT_EXIT_GATHER, want);
	ct_bird_close(&c);
	srv_stop(&s);
}

static void test_normal_two_commands(void **state)
{
	struct srv s;
	struct ct_bird_client c;
	struct ct_err err = {0};
	struct ct_bird_reply r;

	srv_start(&s, "normal.ctl", sc_normal);
	assert_int_equal(ct_bird_connect(&c, s.path, &quick, &err), 0);
	assert_string_equal(c.greeting, "BIRD 1.6.8 ready.");
	assert_int_equal(c.hello.final_code, 1);

	ct_bird_reply_init(&r);
	if (ct_bird_command(&c, "show status", &r, &err) < 0)
		fail_msg("%s", err.msg);
	check_reply(&r, want_status, N(want_status), 13);
	/* and the parser (model/bird_parse.c) takes it */
	struct ct_bird_status st;
	memset(&st, 0, sizeof(st));
	assert_int_equal(ct_bird_parse_status(&r, &st, &err), 0);
	assert_string_equal(st.router_id, "192.168.31.201");
	ct_bird_reply_free(&r);

	ct_bird_reply_init(&r);
	if (ct_bird_command(&c, "show protocols", &r, &err) < 0)
		fail_msg("%s", err.msg);
	check_reply(&r, want_protocols, N(want_protocols), 0);
	ct_bird_reply_free(&r);
	assert_int_equal(c.n_async, 0);
	ct_bird_close(&c);
	ct_bird_close(&c); /* twice is harmless */
	srv_stop(&s);
}

static void test_silent_server(void **state)
{
	struct srv s;
	struct ct_bird_client c;
	struct ct_err err = {0};
	char want[PATH_MAX + 64];

	/* accepts and never greets */
	srv_start(&s, "silent.ctl", sc_silent);
	double t0 = now_s();
	assert_int_equal(ct_bird_connect(&c, s.path, &quick, &err), -1);
	double dt = now_s() - t0;
	snprintf(want, sizeof(want), "BIRD at '%s' did not answer within 0.3 s", s.path);
	expect_err(&err, CT_EXIT_GATHER, want);
	assert_true(dt >= 0.28 && dt < 3.0); /* honoured; < 3 s: 10x, only "no hang" */
	ct_bird_close(&c);
	srv_stop(&s);

	/* greets, then never answers a command */
	memset(&err, 0, sizeof(err));
	srv_start(&s, "silent2.ctl", sc_greet_silent);
	assert_int_equal(ct_bird_connect(&c, s.path, &quick, &err), 0);
	struct ct_bird_reply r;
	ct_bird_reply_init(&r);
	t0 = now_s();
	assert_int_equal(ct_bird_command(&c, "show status", &r, &err), -1);
	dt = now_s() - t0;
	snprintf(want, sizeof(want), "BIRD at '%s' did not answer within 0.3 s", s.path);
	expect_err(&err, CT_EXIT_GATHER, want);
	assert_true(dt >= 0.28 && dt < 3.0); /* honoured; < 3 s: 10x, only "no hang" */
	/* the connection is not reused after that */
	struct ct_err e2 = {0};
	assert_int_equal(ct_bird_command(&c, "show status", &r, &e2), -1);
	expect_err(&e2, CT_EXIT_GATHER, "unusable after an earlier error");
	ct_bird_reply_free(&r);
	ct_bird_close(&c);
	srv_stop(&s);
}

static void test_closed(void **state)
{
	struct srv s;
	struct ct_bird_client c;
	struct ct_err err = {0};
	struct ct_bird_reply r;
	char want[PATH_MAX + 64];

	srv_start(&s, "mid.ctl", sc_midclose);
	assert_int_equal(ct_bird_connect(&c, s.path, &quick, &err), 0);
	ct_bird_reply_init(&r);
	assert_int_equal(ct_bird_command(&c, "show status", &r, &err), -1);
	snprintf(want, sizeof(want), "BIRD at '%s' closed the connection in the middle of a reply",
		 s.path);
	expect_err(&err, CT_EXIT_GATHER, want);
	ct_bird_reply_free(&r);
	ct_bird_close(&c);
	srv_stop(&s);

	memset(&err, 0, sizeof(err));
	srv_start(&s, "nogreet.ctl", sc_close_now);
	assert_int_equal(ct_bird_connect(&c, s.path, &quick, &err), -1);
	expect_err(&err, CT_EXIT_GATHER, "closed the connection without a greeting");
	ct_bird_close(&c);
	srv_stop(&s);

	/* gone after the greeting: writing must not raise SIGPIPE (the default
	 * action would end this test program) */
	memset(&err, 0, sizeof(err));
	srv_start(&s, "gone.ctl", sc_greet_close);
	assert_int_equal(ct_bird_connect(&c, s.path, &quick, &err), 0);
	waitpid(s.pid, NULL, 0);
	s.pid = 0;
	ct_bird_reply_init(&r);
	assert_int_equal(ct_bird_command(&c, "show status", &r, &err), -1);
	expect_err(&err, CT_EXIT_GATHER, "closed the connection");
	ct_bird_reply_free(&r);
	ct_bird_close(&c);
	srv_stop(&s);
}

static void test_drip(void **state)
{
	struct srv s;
	struct ct_bird_client c;
	struct ct_err err = {0};
	struct ct_bird_reply r;

	/* 15 bytes, one per 50 ms: each wait is within the idle timeout */
	srv_start(&s, "drip.ctl", sc_drip);
	struct ct_bird_timeouts slow = {.connect_s = 1, .idle_s = 0.3, .total_s = 10};
	assert_int_equal(ct_bird_connect(&c, s.path, &slow, &err), 0);
	ct_bird_reply_init(&r);
	if (ct_bird_command(&c, "show status", &r, &err) < 0)
		fail_msg("%s", err.msg);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.final_code, 13);
	assert_string_equal(r.v[0].text, "Daemon up");
	ct_bird_reply_free(&r);
	ct_bird_close(&c);
	srv_stop(&s);

	/* the same with an overall deadline of 0.35 s */
	memset(&err, 0, sizeof(err));
	srv_start(&s, "drip2.ctl", sc_drip);
	struct ct_bird_timeouts tight = {.connect_s = 1, .idle_s = 0.3, .total_s = 0.35};
	double t0 = now_s();
	assert_int_equal(ct_bird_connect(&c, s.path, &tight, &err), 0);
	ct_bird_reply_init(&r);
	assert_int_equal(ct_bird_command(&c, "show status", &r, &err), -1);
	double dt = now_s() - t0;
	expect_err(&err, CT_EXIT_GATHER, "did not finish its reply within 0.35 s");
	expect_err(&err, CT_EXIT_GATHER, s.path);
	assert_true(dt >= 0.33 && dt < 3.5); /* honoured; < 3.5 s: 10x, only "no hang" */
	ct_bird_reply_free(&r);
	ct_bird_close(&c);
	srv_stop(&s);

	/* and with an idle timeout shorter than the drip */
	memset(&err, 0, sizeof(err));
	srv_start(&s, "drip3.ctl", sc_drip);
	struct ct_bird_timeouts jumpy = {.connect_s = 1, .idle_s = 0.03, .total_s = 10};
	assert_int_equal(ct_bird_connect(&c, s.path, &jumpy, &err), 0);
	ct_bird_reply_init(&r);
	assert_int_equal(ct_bird_command(&c, "show status", &r, &err), -1);
	expect_err(&err, CT_EXIT_GATHER, "sent nothing for 0.03 s in the middle of a reply");
	ct_bird_reply_free(&r);
	ct_bird_close(&c);
	srv_stop(&s);
}

static void test_bad_bytes(void **state)
{
	struct srv s;
	struct ct_bird_client c;
	struct ct_err err = {0};
	struct ct_bird_reply r;
	char want[PATH_MAX + 64];

	/* 8 KiB without a newline: the splitter's error, with the socket */
	srv_start(&s, "huge.ctl", sc_huge);
	assert_int_equal(ct_bird_connect(&c, s.path, &quick, &err), 0);
	ct_bird_reply_init(&r);
	assert_int_equal(ct_bird_command(&c, "show status", &r, &err), -1);
	snprintf(want, sizeof(want), "BIRD at '%s': ", s.path);
	expect_err(&err, CT_EXIT_GATHER, want);
	expect_err(&err, CT_EXIT_GATHER, "longer than 4096 bytes");
	assert_int_equal(r.n, 0);
	ct_bird_reply_free(&r);
	ct_bird_close(&c);
	srv_stop(&s);

	memset(&err, 0, sizeof(err));
	srv_start(&s, "hugegreet.ctl", sc_huge_greeting);
	assert_int_equal(ct_bird_connect(&c, s.path, &quick, &err), -1);
	expect_err(&err, CT_EXIT_GATHER, "longer than 4096 bytes");
	ct_bird_close(&c);
	srv_stop(&s);

	memset(&err, 0, sizeof(err));
	srv_start(&s, "garbage.ctl", sc_garbage);
	assert_int_equal(ct_bird_connect(&c, s.path, &quick, &err), 0);
	ct_bird_reply_init(&r);
	assert_int_equal(ct_bird_command(&c, "show status", &r, &err), -1);
	snprintf(want, sizeof(want), "BIRD at '%s': ", s.path);
	expect_err(&err, CT_EXIT_GATHER, want);
	expect_err(&err, CT_EXIT_GATHER, "hello world");
	ct_bird_reply_free(&r);
	ct_bird_close(&c);
	srv_stop(&s);

	memset(&err, 0, sizeof(err));
	srv_start(&s, "badgreet.ctl", sc_bad_greeting);
	assert_int_equal(ct_bird_connect(&c, s.path, &quick, &err), -1);
	expect_err(&err, CT_EXIT_GATHER, "greeted with '9001 syntax error'");
	ct_bird_close(&c);
	srv_stop(&s);
}

static void test_async(void **state)
{
	struct srv s;
	struct ct_bird_client c;
	struct ct_err err = {0};
	struct ct_bird_reply r;

	srv_start(&s, "async.ctl", sc_async);
	assert_int_equal(ct_bird_connect(&c, s.path, &quick, &err), 0);
	ct_bird_reply_init(&r);
	if (ct_bird_command(&c, "show status", &r, &err) < 0)
		fail_msg("%s", err.msg);
	static const struct want_line w1[] = {
		{1000, CT_BIRD_MORE, "BIRD 1.6.8"},
		{1011, CT_BIRD_MORE, "Router ID is 192.168.31.201"},
		{1011, CT_BIRD_CONT, "Current server time is 2026-11-26 03:48:57"},
		{13, CT_BIRD_LAST, "Daemon is up and running"},
	};
	check_reply(&r, w1, N(w1), 13);
	ct_bird_reply_free(&r);

	ct_bird_reply_init(&r);
	if (ct_bird_command(&c, "show memory", &r, &err) < 0)
		fail_msg("%s", err.msg);
	assert_int_equal(r.n, 7);
	assert_int_equal(r.v[0].code, 1018);
	assert_string_equal(r.v[5].text, "Total:             123 kB");
	assert_int_equal(r.final_code, 0);
	for (size_t i = 0; i < r.n; i++)
		assert_int_not_equal(r.v[i].kind, CT_BIRD_ASYNC);
	ct_bird_reply_free(&r);

	static const char *const logs[] = {"early news", "log one", "log two", "log three",
					   "log four"};
	assert_int_equal(c.n_async, N(logs));
	assert_int_equal(c.async.n, N(logs));
	for (size_t i = 0; i < N(logs); i++) {
		assert_int_equal(c.async.v[i].kind, CT_BIRD_ASYNC);
		assert_string_equal(c.async.v[i].text, logs[i]);
	}
	ct_bird_close(&c);
	srv_stop(&s);
}

static void test_bad_command(void **state)
{
	struct srv s;
	struct ct_bird_client c;
	struct ct_err err = {0};
	struct ct_bird_reply r;

	srv_start(&s, "cmd.ctl", sc_normal);
	assert_int_equal(ct_bird_connect(&c, s.path, &quick, &err), 0);
	ct_bird_reply_init(&r);
	assert_int_equal(ct_bird_command(&c, "show status\nshow protocols", &r, &err), -1);
	expect_err(&err, CT_EXIT_USAGE, "control character");
	memset(&err, 0, sizeof(err));
	assert_int_equal(ct_bird_command(&c, "", &r, &err), -1);
	expect_err(&err, CT_EXIT_USAGE, "empty BIRD command");
	/* refused commands leave the connection usable */
	memset(&err, 0, sizeof(err));
	if (ct_bird_command(&c, "show status", &r, &err) < 0)
		fail_msg("%s", err.msg);
	check_reply(&r, want_status, N(want_status), 13);
	ct_bird_reply_free(&r);
	ct_bird_close(&c);
	srv_stop(&s);
}

static void test_connect_errors(void **state)
{
	struct ct_bird_client c;
	struct ct_err err = {0};
	char p[PATH_MAX], want[PATH_MAX + 128];

	/* no socket */
	snprintf(p, sizeof(p), "%s/none.ctl", T);
	assert_int_equal(ct_bird_connect(&c, p, &quick, &err), -1);
	snprintf(want, sizeof(want), "cannot connect to '%s': %s", p, strerror(ENOENT));
	expect_err(&err, CT_EXIT_GATHER, want);
	expect_err(&err, CT_EXIT_GATHER, "is calico-node running in a BGP mode?");
	ct_bird_close(&c);

	/* a socket file nobody listens on: what a dead BIRD leaves */
	memset(&err, 0, sizeof(err));
	snprintf(p, sizeof(p), "%s/dead.ctl", T);
	close(bind_listen(p, -1));
	assert_int_equal(ct_bird_connect(&c, p, &quick, &err), -1);
	snprintf(want, sizeof(want), "cannot connect to '%s': %s", p, strerror(ECONNREFUSED));
	expect_err(&err, CT_EXIT_GATHER, want);
	ct_bird_close(&c);
	unlink(p);

	/* a plain file */
	memset(&err, 0, sizeof(err));
	snprintf(p, sizeof(p), "%s/plain.ctl", T);
	close(open(p, O_CREAT | O_WRONLY, 0600));
	assert_int_equal(ct_bird_connect(&c, p, &quick, &err), -1);
	snprintf(want, sizeof(want), "cannot connect to '%s': not a socket", p);
	expect_err(&err, CT_EXIT_GATHER, want);
	unlink(p);

	/* a listener that never accepts, its backlog full */
	memset(&err, 0, sizeof(err));
	snprintf(p, sizeof(p), "%s/full.ctl", T);
	int l = bind_listen(p, 0), fill[16], nf = 0;
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	strcpy(sa.sun_path, p);
	for (; nf < 16; nf++) {
		fill[nf] = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
		if (connect(fill[nf], (struct sockaddr *)&sa, sizeof(sa)) < 0) {
			assert_int_equal(errno, EAGAIN);
			close(fill[nf]);
			break;
		}
	}
	assert_true(nf < 16);
	struct ct_bird_timeouts t = {.connect_s = 0.3, .idle_s = 0.3, .total_s = 5};
	double t0 = now_s();
	assert_int_equal(ct_bird_connect(&c, p, &t, &err), -1);
	double dt = now_s() - t0;
	expect_err(&err, CT_EXIT_GATHER, "did not accept the connection within 0.3 s");
	assert_true(dt >= 0.28 && dt < 3.0); /* honoured; < 3 s: 10x, only "no hang" */
	for (int i = 0; i < nf; i++)
		close(fill[i]);
	close(l);
	unlink(p);

	/* no path */
	memset(&err, 0, sizeof(err));
	assert_int_equal(ct_bird_connect(&c, "", &quick, &err), -1);
	assert_int_equal(err.exit_code, CT_EXIT_USAGE);
}

/* A path longer than sun_path (108 bytes) still connects. */
static void test_long_path(void **state)
{
	struct srv s;
	char dir[PATH_MAX], p[PATH_MAX];
	struct ct_bird_client c;
	struct ct_err err = {0};

	snprintf(dir, sizeof(dir), "%s/%s", T,
		 "a-directory-with-a-rather-long-name-to-push-the-socket-path-past-sun_path-"
		 "which-holds-108-bytes");
	assert_int_equal(mkdir(dir, 0700), 0);
	srv_start(&s, "short.ctl", sc_normal);
	snprintf(p, sizeof(p), "%s/bird.ctl", dir);
	assert_true(strlen(p) > sizeof(((struct sockaddr_un *)0)->sun_path));
	assert_int_equal(rename(s.path, p), 0);
	if (ct_bird_connect(&c, p, &quick, &err) < 0)
		fail_msg("%s", err.msg);
	assert_string_equal(c.greeting, "BIRD 1.6.8 ready.");
	ct_bird_close(&c);
	srv_stop(&s);
	unlink(p);
	rmdir(dir);
}

/* Root only: a socket only root may write to, asked by nobody. */
static void test_permission(void **state)
{
	if (geteuid() != 0)
		skip();
	struct srv s;
	srv_start(&s, "perm.ctl", sc_normal);
	assert_int_equal(chmod(s.path, 0600), 0);
	assert_int_equal(chmod(T, 0711), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct ct_bird_client c;
		struct ct_err err = {0};
		if (setgroups(0, NULL) < 0 || setgid(65534) < 0 || setuid(65534) < 0)
			_exit(2);
		if (ct_bird_connect(&c, s.path, &quick, &err) == 0)
			_exit(3);
		char want[PATH_MAX + 128];
		snprintf(want, sizeof(want),
			 "cannot connect to '%s': permission denied (the socket belongs to root; "
			 "run as root)",
			 s.path);
		if (strcmp(err.msg, want) != 0 || err.exit_code != CT_EXIT_GATHER) {
			fprintf(stderr, "got: %s\n", err.msg);
			_exit(4);
		}
		_exit(0);
	}
	int ws;
	waitpid(pid, &ws, 0);
	chmod(T, 0700);
	srv_stop(&s);
	assert_true(WIFEXITED(ws));
	assert_int_equal(WEXITSTATUS(ws), 0);
}

/* ---- discovery over a fake proc root ---- */

static void put(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
}

static void mkdirs(const char *path)
{
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s", path);
	for (char *q = p + 1; *q; q++) {
		if (*q != '/')
			continue;
		*q = 0;
		mkdir(p, 0755);
		*q = '/';
	}
	mkdir(p, 0755);
}

static void pathf(char *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void pathf(char *out, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(out, PATH_MAX, fmt, ap);
	va_end(ap);
}

/* proc/PID with comm, cmdline, ns/net (this namespace or another one), root
 * and cwd links. */
static void fake_proc(const char *proc, long pid, const char *comm, const char *cmdline,
		      size_t cl_len, bool same_ns, const char *root, const char *cwd)
{
	char p[PATH_MAX], c[64];
	pathf(p, "%s/%ld/ns", proc, pid);
	mkdirs(p);
	pathf(p, "%s/%ld/comm", proc, pid);
	snprintf(c, sizeof(c), "%s\n", comm);
	put(p, c, strlen(c));
	pathf(p, "%s/%ld/cmdline", proc, pid);
	put(p, cmdline, cl_len);
	pathf(p, "%s/%ld/ns/net", proc, pid);
	unlink(p);
	if (same_ns)
		assert_int_equal(symlink("/proc/self/ns/net", p), 0);
	else
		put(p, "x", 1); /* another inode: another namespace */
	pathf(p, "%s/%ld/root", proc, pid);
	unlink(p);
	if (root)
		assert_int_equal(symlink(root, p), 0);
	pathf(p, "%s/%ld/cwd", proc, pid);
	unlink(p);
	if (cwd)
		assert_int_equal(symlink(cwd, p), 0);
}

static void set_cmdline(const char *proc, long pid, const char *cl, size_t len)
{
	char p[PATH_MAX];
	pathf(p, "%s/%ld/cmdline", proc, pid);
	put(p, cl, len);
}
#define CL(lit) lit, sizeof(lit) - 1

struct found {
	int rc;
	char out[PATH_MAX], how[512];
	struct ct_err err;
};

static void find(struct found *f, const char *explicit_path, int ipv6, const char *proc,
		 const char *const *defaults)
{
	memset(f, 0, sizeof(*f));
	f->rc = ct_bird_find_socket_in(explicit_path, ipv6, proc, defaults, f->out, sizeof(f->out),
				       f->how, sizeof(f->how), &f->err);
}

static char PROC[PATH_MAX], ROOTFS[PATH_MAX], ROOT50[PATH_MAX], CWD[PATH_MAX];

static void discovery_tree(void)
{
	char p[PATH_MAX];
	pathf(PROC, "%s/proc", T);
	pathf(ROOTFS, "%s/rootfs", T);
	pathf(ROOT50, "%s/rootfs50", T);
	pathf(CWD, "%s/cwd", T);
	pathf(p, "%s/self/ns", PROC);
	mkdirs(p);
	pathf(p, "%s/self/ns/net", PROC);
	unlink(p);
	assert_int_equal(symlink("/proc/self/ns/net", p), 0);
	pathf(p, "%s/tmp", ROOTFS);
	mkdirs(p);
	pathf(p, "%s/tmp/x.ctl", ROOTFS);
	put(p, "", 0);
	pathf(p, "%s/var/run/calico", ROOTFS);
	mkdirs(p);
	pathf(p, "%s/var/run/calico/bird6.ctl", ROOTFS);
	put(p, "", 0);
	pathf(p, "%s/tmp", ROOT50);
	mkdirs(p);
	pathf(p, "%s/tmp/x.ctl", ROOT50);
	put(p, "", 0);
	mkdirs(CWD);
	pathf(p, "%s/bird.ctl", CWD);
	put(p, "", 0);
	pathf(p, "%s/rel.ctl", CWD);
	put(p, "", 0);

	/* Calico's own command line, in this namespace */
	fake_proc(PROC, 100, "bird",
		  CL("bird\0-R\0-s\0/tmp/x.ctl\0-d\0-c\0/etc/calico/confd/config/bird.cfg\0"), true,
		  ROOTFS, CWD);
	/* a lower PID in another namespace: not ours */
	fake_proc(PROC, 50, "bird", CL("bird\0-s\0/tmp/x.ctl\0"), false, ROOT50, NULL);
	/* bird6 beside it; a name that only starts with bird */
	fake_proc(PROC, 300, "bird6", CL("bird6\0-s/var/run/calico/bird6.ctl\0"), true, ROOTFS,
		  NULL);
	fake_proc(PROC, 20, "birdcl", CL("birdcl\0-s\0/tmp/x.ctl\0"), true, ROOT50, NULL);
}

static void test_discovery(void **state)
{
	struct found f;
	char want[PATH_MAX], d1[PATH_MAX], d2[PATH_MAX];
	pathf(d1, "%s/def1.ctl", T);
	pathf(d2, "%s/def2.ctl", T);
	const char *const defaults[] = {d1, d2, NULL};

	discovery_tree();

	/* --bird-socket wins */
	find(&f, "/some/where.ctl", 0, PROC, defaults);
	assert_int_equal(f.rc, 0);
	assert_string_equal(f.out, "/some/where.ctl");
	assert_string_equal(f.how, "--bird-socket");

	/* the bird process of this namespace, through its root */
	find(&f, NULL, 0, PROC, defaults);
	if (f.rc)
		fail_msg("%s", f.err.msg);
	pathf(want, "%s/100/root/tmp/x.ctl", PROC);
	assert_string_equal(f.out, want);
	pathf(want, "bird process 100 (-s /tmp/x.ctl) via %s/100/root", PROC);
	assert_string_equal(f.how, want);

	/* bird6 for IPv6, "-sPATH" in one argument */
	find(&f, NULL, 1, PROC, defaults);
	if (f.rc)
		fail_msg("%s", f.err.msg);
	pathf(want, "%s/300/root/var/run/calico/bird6.ctl", PROC);
	assert_string_equal(f.out, want);

	/* getopt's ways of writing -s */
	pathf(want, "%s/100/root/tmp/x.ctl", PROC);
	set_cmdline(PROC, 100, CL("bird\0-fRs\0/tmp/x.ctl\0"));
	find(&f, NULL, 0, PROC, defaults);
	assert_string_equal(f.out, want);
	set_cmdline(PROC, 100, CL("bird\0-d\0-s/tmp/x.ctl"));
	find(&f, NULL, 0, PROC, defaults);
	assert_string_equal(f.out, want);
	set_cmdline(PROC, 100, CL("bird\0-c\0/etc/b.conf\0-s\0/tmp/x.ctl")); /* no final NUL */
	find(&f, NULL, 0, PROC, defaults);
	assert_string_equal(f.out, want);

	/* a relative -s and -l are relative to the working directory */
	set_cmdline(PROC, 100, CL("bird\0-s\0rel.ctl\0"));
	find(&f, NULL, 0, PROC, defaults);
	pathf(want, "%s/100/cwd/rel.ctl", PROC);
	assert_string_equal(f.out, want);
	set_cmdline(PROC, 100, CL("bird\0-l\0"));
	find(&f, NULL, 0, PROC, defaults);
	pathf(want, "%s/100/cwd/bird.ctl", PROC);
	assert_string_equal(f.out, want);

	/* no -s (here -c takes "-s" as its file; "--" ends the options): BIRD's
	 * compiled default, Debian's /run/bird/bird.ctl */
	char p[PATH_MAX];
	pathf(p, "%s/run/bird", ROOTFS);
	mkdirs(p);
	pathf(p, "%s/run/bird/bird.ctl", ROOTFS);
	put(p, "", 0);
	pathf(want, "%s/100/root/run/bird/bird.ctl", PROC);
	set_cmdline(PROC, 100, CL("bird\0-c\0-s\0"));
	find(&f, NULL, 0, PROC, defaults);
	assert_string_equal(f.out, want);
	assert_non_null(strstr(f.how, "no -s, default"));
	set_cmdline(PROC, 100, CL("bird\0--\0-s\0/tmp/x.ctl\0"));
	find(&f, NULL, 0, PROC, defaults);
	assert_string_equal(f.out, want);
	set_cmdline(PROC, 100, CL("bird\0-s"));
	find(&f, NULL, 0, PROC, defaults);
	assert_string_equal(f.out, want);
	unlink(p);

	/* the path itself when the process's root does not have it */
	pathf(p, "%s/direct.ctl", T);
	put(p, "", 0);
	char cl[PATH_MAX + 16];
	int n = snprintf(cl, sizeof(cl), "bird%c-s%c%s", 0, 0, p);
	set_cmdline(PROC, 100, cl, (size_t)n + 1);
	find(&f, NULL, 0, PROC, defaults);
	assert_string_equal(f.out, p);
	pathf(want, "bird process 100 (-s %s)", p);
	assert_string_equal(f.how, want);
	unlink(p);

	/* the process's socket is missing: the first default that exists */
	set_cmdline(PROC, 100, CL("bird\0-s\0/nonexistent/caltrace-test.ctl\0"));
	put(d2, "", 0);
	find(&f, NULL, 0, PROC, defaults);
	assert_int_equal(f.rc, 0);
	assert_string_equal(f.out, d2);
	assert_string_equal(f.how, "default path");
	put(d1, "", 0);
	find(&f, NULL, 0, PROC, defaults);
	assert_string_equal(f.out, d1);
	unlink(d1);
	unlink(d2);

	/* nothing at all */
	find(&f, NULL, 0, PROC, defaults);
	assert_int_equal(f.rc, -1);
	pathf(want,
	      "no BIRD control socket found (tried a bird process in this network namespace, "
	      "%s, %s; bird process 100 has no socket at '/nonexistent/caltrace-test.ctl'); is "
	      "calico-node running in a BGP mode? pass --bird-socket PATH",
	      d1, d2);
	assert_string_equal(f.err.msg, want);
	assert_int_equal(f.err.exit_code, CT_EXIT_GATHER);

	/* no bird process here (the one of PID 50 lives in another namespace) */
	pathf(p, "%s/100/comm", PROC);
	put(p, "sleep\n", 6);
	pathf(p, "%s/300/comm", PROC);
	put(p, "sleep\n", 6);
	find(&f, NULL, 1, PROC, defaults);
	assert_int_equal(f.rc, -1);
	pathf(want,
	      "no BIRD control socket found (tried a bird6 process in this network namespace, "
	      "%s, %s); is calico-node running in a BGP mode? pass --bird-socket PATH",
	      d1, d2);
	assert_string_equal(f.err.msg, want);
}

/* ---- root only: a fresh network namespace ---- */

#define CHECK(cond, ...)                                                                           \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: ", __FILE__, __LINE__);                            \
			fprintf(stderr, __VA_ARGS__);                                              \
			fprintf(stderr, "\n");                                                     \
			_exit(1);                                                                  \
		}                                                                                  \
	} while (0)

/* Runs fn in a forked child inside a new network namespace; the child's
 * exit status is the verdict. */
static void in_fresh_netns(int (*fn)(void))
{
	if (geteuid() != 0)
		skip();
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		alarm(20);
		if (unshare(CLONE_NEWNET) < 0) {
			fprintf(stderr, "unshare: %s\n", strerror(errno));
			_exit(77);
		}
		_exit(fn());
	}
	int ws;
	assert_int_equal(waitpid(pid, &ws, 0), pid);
	if (WIFEXITED(ws) && WEXITSTATUS(ws) == 77)
		skip();
	if (!WIFEXITED(ws) || WEXITSTATUS(ws) != 0)
		fail_msg("the namespace child failed (status 0x%x)", ws);
}

/* Our reply lines as `birdc -v` prints them (it leaves out an empty final
 * "0000 " line and prints a continuation as five spaces and the text). */
static size_t as_birdc(const struct ct_bird_reply *r, char out[][512], size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < r->n && n < max; i++) {
		const struct ct_bird_line *l = &r->v[i];
		if (l->kind == CT_BIRD_LAST && l->code == 0 && !l->text[0])
			continue;
		if (l->kind == CT_BIRD_CONT)
			snprintf(out[n++], 512, "     %s", l->text);
		else
			snprintf(out[n++], 512, "%04d%c%s", l->code,
				 l->kind == CT_BIRD_LAST ? ' ' : '-', l->text);
	}
	return n;
}

static size_t run_lines(const char *cmd, char out[][512], size_t max)
{
	FILE *p = popen(cmd, "r");
	CHECK(p, "popen %s", cmd);
	size_t n = 0;
	char line[1024];
	while (fgets(line, sizeof(line), p)) {
		line[strcspn(line, "\n")] = 0;
		if (n < max)
			snprintf(out[n++], 512, "%s", line);
	}
	pclose(p);
	return n;
}

static int real_bird_child(void)
{
	char dir[PATH_MAX], conf[PATH_MAX], sock[PATH_MAX];
	pathf(dir, "%s/realbird", T);
	mkdirs(dir);
	pathf(conf, "%s/bird.conf", dir);
	pathf(sock, "%s/bird.ctl", dir);
	static const char cfg[] = "router id 10.9.9.9;\nprotocol device {}\n"
				  "protocol static s1 { route 10.99.0.0/16 blackhole; }\n";
	put(conf, cfg, sizeof(cfg) - 1);

	pid_t b = fork();
	CHECK(b >= 0, "fork");
	if (b == 0) {
		int nul = open("/dev/null", O_RDWR);
		dup2(nul, 1);
		dup2(nul, 2);
		execl("/usr/sbin/bird", "bird", "-f", "-c", conf, "-s", sock, (char *)NULL);
		_exit(127);
	}
	struct stat st;
	/* does-not-hang guard: a loaded machine may take seconds to start bird */
	for (int i = 0; i < 1000 && stat(sock, &st) < 0; i++)
		msleep(10);
	int rc = 1;
	char out[PATH_MAX], how[512], want[PATH_MAX + 64];
	struct ct_err err = {0};
	if (stat(sock, &st) < 0) {
		fprintf(stderr, "bird did not create %s\n", sock);
		goto done;
	}
	/* the only bird in this namespace, found through the real /proc */
	if (ct_bird_find_socket(NULL, 0, NULL, out, sizeof(out), how, sizeof(how), &err) < 0) {
		fprintf(stderr, "find: %s\n", err.msg);
		goto done;
	}
	pathf(want, "/proc/%d/root%s", (int)b, sock);
	if (strcmp(out, want) != 0) {
		fprintf(stderr, "found '%s' (%s), want '%s'\n", out, how, want);
		goto done;
	}
	pathf(want, "bird process %d (-s %s) via /proc/%d/root", (int)b, sock, (int)b);
	if (strcmp(how, want) != 0) {
		fprintf(stderr, "how '%s', want '%s'\n", how, want);
		goto done;
	}

	struct ct_bird_client c;
	struct ct_bird_timeouts t = {.connect_s = 2, .idle_s = 2, .total_s = 10};
	if (ct_bird_connect(&c, out, &t, &err) < 0) {
		fprintf(stderr, "connect: %s\n", err.msg);
		goto done;
	}
	static const char *const cmds[] = {"show status", "show protocols", "show route all",
					   "show interfaces"};
	static char mine[64][512], theirs[64][512];
	/* A daemon that has just started may still move a protocol from "start" to "up"
	 * between our query and birdc's: a command whose two replies differ is asked
	 * again, and only a difference that persists fails. */
	for (size_t k = 0; k < N(cmds); k++) {
		char why[1024] = "";
		for (int attempt = 0; attempt < 5; attempt++) {
			struct ct_bird_reply r;
			ct_bird_reply_init(&r);
			if (ct_bird_command(&c, cmds[k], &r, &err) < 0) {
				fprintf(stderr, "%s: %s\n", cmds[k], err.msg);
				ct_bird_reply_free(&r);
				ct_bird_close(&c);
				goto done;
			}
			size_t nm = as_birdc(&r, mine, 64);
			ct_bird_reply_free(&r);
			char cmd[PATH_MAX + 64];
			snprintf(cmd, sizeof(cmd), "birdc -v -s '%s' '%s' 2>&1", sock, cmds[k]);
			size_t nt = run_lines(cmd, theirs, 64);
			/* birdc prints the greeting first */
			snprintf(want, sizeof(want), "0001 %s", c.greeting);
			why[0] = 0;
			if (nt < 1 || strcmp(theirs[0], want) != 0) {
				snprintf(why, sizeof(why), "birdc greeted '%s', we read '%s'",
					 nt ? theirs[0] : "", want);
			} else if (nt - 1 != nm) {
				snprintf(why, sizeof(why), "%s: birdc %zu lines, we %zu", cmds[k], nt - 1,
					 nm);
			} else {
				for (size_t i = 0; i < nm && !why[0]; i++) {
					if (strstr(mine[i], "server time"))
						continue; /* the clock moved on */
					if (strcmp(mine[i], theirs[i + 1]) != 0)
						snprintf(why, sizeof(why), "%s line %zu: birdc '%s', we '%s'",
							 cmds[k], i, theirs[i + 1], mine[i]);
				}
			}
			if (!why[0])
				break;
			msleep(200);
		}
		if (why[0]) {
			fprintf(stderr, "%s\n", why);
			ct_bird_close(&c);
			goto done;
		}
	}
	ct_bird_close(&c);
	rc = 0;
done:
	kill(b, SIGKILL);
	waitpid(b, NULL, 0);
	unlink(sock);
	return rc;
}

static void test_real_bird(void **state)
{
	if (access("/usr/sbin/bird", X_OK) < 0 || access("/usr/sbin/birdc", X_OK) < 0)
		skip();
	in_fresh_netns(real_bird_child);
}

static int lo_up(void)
{
	struct ifreq ifr;
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	int rc = ioctl(s, SIOCGIFFLAGS, &ifr);
	ifr.ifr_flags |= IFF_UP;
	if (rc == 0)
		rc = ioctl(s, SIOCSIFFLAGS, &ifr);
	close(s);
	return rc;
}

static int tcp_listen(int fam, const char *addr, int port)
{
	int s = socket(fam, SOCK_STREAM, 0);
	CHECK(s >= 0, "socket");
	int one = 1;
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof(ss));
	if (fam == AF_INET) {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;
		a->sin_family = AF_INET;
		a->sin_port = htons((uint16_t)port);
		inet_pton(AF_INET, addr, &a->sin_addr);
	} else {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)port);
		inet_pton(AF_INET6, addr, &a->sin6_addr);
	}
	CHECK(bind(s, (struct sockaddr *)&ss, sizeof(ss)) == 0, "bind %s:%d: %s", addr, port,
	      strerror(errno));
	CHECK(listen(s, 8) == 0, "listen");
	return s;
}

static int tcp_connect(int fam, const char *addr, int port)
{
	int s = socket(fam, SOCK_STREAM, 0);
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof(ss));
	if (fam == AF_INET) {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;
		a->sin_family = AF_INET;
		a->sin_port = htons((uint16_t)port);
		inet_pton(AF_INET, addr, &a->sin_addr);
	} else {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)port);
		inet_pton(AF_INET6, addr, &a->sin6_addr);
	}
	CHECK(connect(s, (struct sockaddr *)&ss, sizeof(ss)) == 0, "connect %s:%d: %s", addr, port,
	      strerror(errno));
	return s;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp((const char *)a, (const char *)b);
}

/* "STATE local:port remote:port", sorted, for the sessions with port 179. */
static size_t ours(const struct ct_bgp *b, char out[][128], size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < b->n_sessions && n < max; i++) {
		const struct ct_tcp179 *t = &b->sessions[i];
		char l[INET6_ADDRSTRLEN], r[INET6_ADDRSTRLEN];
		inet_ntop(t->local.family, t->local.a, l, sizeof(l));
		inet_ntop(t->remote.family, t->remote.a, r, sizeof(r));
		bool v6 = t->local.family == AF_INET6;
		snprintf(out[n++], 128, "%s %s%s%s:%u %s%s%s:%u", t->state, v6 ? "[" : "", l,
			 v6 ? "]" : "", t->lport, v6 ? "[" : "", r, v6 ? "]" : "", t->rport);
	}
	qsort(out, n, 128, cmp_str);
	return n;
}

/* ss's address "[::ffff:1.2.3.4]:5" -> "1.2.3.4:5", port "*" -> 0. */
static void ss_addr(const char *in, char *out, size_t len, unsigned *port)
{
	const char *colon = strrchr(in, ':');
	*port = colon && colon[1] != '*' ? (unsigned)atoi(colon + 1) : 0;
	size_t alen = colon ? (size_t)(colon - in) : strlen(in);
	char a[128];
	snprintf(a, sizeof(a), "%.*s", (int)alen, in);
	if (strncmp(a, "[::ffff:", 8) == 0 && strchr(a, '.')) {
		snprintf(out, len, "%.*s", (int)(strlen(a) - 9), a + 8);
		return;
	}
	snprintf(out, len, "%s", a);
}

static size_t from_ss(char out[][128], size_t max)
{
	FILE *p = popen("ss -Htan 2>/dev/null", "r");
	CHECK(p, "popen ss");
	size_t n = 0;
	char line[512];
	while (fgets(line, sizeof(line), p) && n < max) {
		char st[32], la[128], ra[128], l[128], r[128];
		unsigned lp, rp;
		if (sscanf(line, "%31s %*s %*s %127s %127s", st, la, ra) != 3)
			continue;
		ss_addr(la, l, sizeof(l), &lp);
		ss_addr(ra, r, sizeof(r), &rp);
		if (lp != 179 && rp != 179)
			continue;
		const char *name = strcmp(st, "ESTAB") == 0    ? "ESTABLISHED"
				   : strcmp(st, "UNCONN") == 0 ? "CLOSE"
							       : st;
		if (strcmp(r, "*") == 0)
			snprintf(r, sizeof(r), "%s", strchr(l, '[') ? "[::]" : "0.0.0.0");
		snprintf(out[n++], 128, "%s %s:%u %s:%u", name, l, lp, r, rp);
	}
	pclose(p);
	qsort(out, n, 128, cmp_str);
	return n;
}

static bool has(char v[][128], size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i], s) == 0)
			return true;
	return false;
}

static int sockdiag_child(void)
{
	CHECK(lo_up() == 0, "lo up: %s", strerror(errno));
	int l4 = tcp_listen(AF_INET, "127.0.0.1", 179);
	int l6 = tcp_listen(AF_INET6, "::1", 179);
	int other = tcp_listen(AF_INET, "127.0.0.1", 8179);
	int c1 = tcp_connect(AF_INET, "127.0.0.1", 179), a1 = accept(l4, NULL, NULL);
	int c2 = tcp_connect(AF_INET6, "::ffff:127.0.0.1", 179), a2 = accept(l4, NULL, NULL);
	int c3 = tcp_connect(AF_INET6, "::1", 179), a3 = accept(l6, NULL, NULL);
	int c5 = tcp_connect(AF_INET, "127.0.0.1", 8179), a5 = accept(other, NULL, NULL);
	/* the active closer ends in TIME-WAIT */
	int c4 = tcp_connect(AF_INET, "127.0.0.1", 179), a4 = accept(l4, NULL, NULL);
	CHECK(a1 >= 0 && a2 >= 0 && a3 >= 0 && a4 >= 0 && a5 >= 0, "accept");
	close(c4);
	char b;
	CHECK(read(a4, &b, 1) == 0, "no EOF on the closed connection");
	close(a4);

	static char mine[64][128], before[64][128], after[64][128];
	struct sockaddr_in sin;
	socklen_t sl = sizeof(sin);
	getsockname(c1, (struct sockaddr *)&sin, &sl);
	unsigned p1 = ntohs(sin.sin_port);

	for (int attempt = 0;; attempt++) {
		struct ct_bgp bgp;
		struct ct_err err = {0};
		ct_bgp_init(&bgp);
		size_t nb = from_ss(before, 64);
		CHECK(ct_tcp179_dump(&bgp, &err) == 0, "dump: %s", err.msg);
		CHECK(bgp.have_sessions, "have_sessions not set");
		size_t nm = ours(&bgp, mine, 64);
		size_t na = from_ss(after, 64);
		ct_bgp_free(&bgp);
		bool stable = nb == na;
		for (size_t i = 0; stable && i < nb; i++)
			stable = strcmp(before[i], after[i]) == 0;
		if (!stable && attempt < 10) {
			msleep(50);
			continue;
		}
		CHECK(nb > 0, "ss printed nothing (is ss there?)");
		bool same = nm == nb;
		for (size_t i = 0; same && i < nm; i++)
			same = strcmp(mine[i], before[i]) == 0;
		if (!same) {
			for (size_t i = 0; i < nb; i++)
				fprintf(stderr, "ss:   %s\n", before[i]);
			for (size_t i = 0; i < nm; i++)
				fprintf(stderr, "ours: %s\n", mine[i]);
			CHECK(false, "sock_diag and ss differ");
		}
		/* and what the test built is there: 2 listeners, 3 x 2 established
		 * ends, 1 TIME-WAIT; nothing on port 8179 */
		char w[128];
		CHECK(has(mine, nm, "LISTEN 127.0.0.1:179 0.0.0.0:0"), "no v4 listener");
		CHECK(has(mine, nm, "LISTEN [::1]:179 [::]:0"), "no v6 listener");
		snprintf(w, sizeof(w), "ESTABLISHED 127.0.0.1:%u 127.0.0.1:179", p1);
		CHECK(has(mine, nm, w), "no %s", w);
		snprintf(w, sizeof(w), "ESTABLISHED 127.0.0.1:179 127.0.0.1:%u", p1);
		CHECK(has(mine, nm, w), "no %s", w);
		size_t tw = 0, est = 0;
		for (size_t i = 0; i < nm; i++) {
			CHECK(!strstr(mine[i], ":8179"), "port 8179 leaked in: %s", mine[i]);
			tw += strncmp(mine[i], "TIME-WAIT ", 10) == 0;
			est += strncmp(mine[i], "ESTABLISHED ", 12) == 0;
		}
		CHECK(est == 6, "%zu established, want 6", est);
		CHECK(tw == 1, "%zu in TIME-WAIT, want 1", tw);
		CHECK(nm == 9, "%zu sessions, want 9", nm);
		break;
	}
	close(c1), close(a1), close(c2), close(a2), close(c3), close(a3), close(c5), close(a5);
	close(l4), close(l6), close(other);
	return 0;
}

static void test_sockdiag_netns(void **state)
{
	in_fresh_netns(sockdiag_child);
}

/* Anywhere: the dump works in the current namespace and keeps to port 179. */
static void test_sockdiag_here(void **state)
{
	struct ct_bgp b;
	struct ct_err err = {0};
	ct_bgp_init(&b);
	if (ct_tcp179_dump(&b, &err) < 0)
		fail_msg("%s", err.msg);
	assert_true(b.have_sessions);
	for (size_t i = 0; i < b.n_sessions; i++) {
		assert_true(b.sessions[i].lport == 179 || b.sessions[i].rport == 179);
		assert_true(b.sessions[i].state[0] != 0);
		assert_string_not_equal(b.sessions[i].state, "UNKNOWN");
	}
	ct_bgp_free(&b);
	assert_string_equal(ct_tcp_state_name(1), "ESTABLISHED");
	assert_string_equal(ct_tcp_state_name(10), "LISTEN");
	assert_string_equal(ct_tcp_state_name(99), "UNKNOWN");
}

/* ---- `show route` parsed as it streams (ct_bird_command_fn) ---- */

/* The fake BIRD's route listing: N_BIG routes in BIRD 1.6's shape, written in
 * pieces of odd sizes (lines cross the reads), optionally cut mid-line. */
#define N_BIG 20000
static size_t big_cut; /* 0: the whole reply; else close after this many bytes */

static char *big_reply(size_t *len)
{
	size_t cap = (size_t)N_BIG * 160 + 64, n = 0;
	char *b = malloc(cap);
	assert_non_null(b);
	for (unsigned i = 0; i < N_BIG; i++) {
		n += (size_t)snprintf(b + n, cap - n,
				      "1007-10.%u.%u.%u/32 via 192.168.31.%u on eth0 [static1 "
				      "03:48:36] * (200)\n1008-\tType: static unicast univ\n",
				      i >> 16, (i >> 8) & 255, i & 255, 2 + i % 3);
	}
	n += (size_t)snprintf(b + n, cap - n, "0000 \n");
	*len = n;
	return b;
}

static void sc_big_routes(int fd)
{
	size_t len, off = 0, step = 1;
	char *b = big_reply(&len);
	SAY(fd, GREET);
	expect(fd, "show route export kernel1 all\n");
	size_t end = big_cut ? big_cut : len;
	while (off < end) {
		size_t k = step < end - off ? step : end - off;
		say(fd, b + off, k);
		off += k;
		step = step * 7 % 9973 + 1; /* 1 byte to ~10 KB */
	}
	free(b);
	if (big_cut) {
		close(fd);
		return;
	}
	hold(fd);
}

static int big_line(void *arg, int code, enum ct_bird_kind kind, const char *text, size_t len,
		    size_t lineno, struct ct_err *err)
{
	return ct_bird_routes_line(arg, code, kind, text, len, lineno, err);
}

/* 20,000 routes streamed through the client: every one, as the generator
 * wrote it; a reply cut mid-line: the client's error, and nothing kept. */
static void test_routes_streamed(void **state)
{
	const struct ct_bird_timeouts t = {.connect_s = 2, .idle_s = 2, .total_s = 60};
	struct srv s;
	struct ct_bird_client c;
	struct ct_err err = {0};
	struct ct_bgp b;
	struct ct_bird_route_stream rs;

	big_cut = 0;
	srv_start(&s, "big.ctl", sc_big_routes);
	assert_int_equal(ct_bird_connect(&c, s.path, &t, &err), 0);
	ct_bgp_init(&b);
	ct_bird_routes_begin(&rs, &b);
	if (ct_bird_command_fn(&c, "show route export kernel1 all", big_line, &rs, &err) < 0)
		fail_msg("%s", err.msg);
	if (ct_bird_routes_end(&rs, &err) < 0)
		fail_msg("%s", err.msg);
	assert_int_equal(b.n_routes, N_BIG);
	for (unsigned i = 0; i < N_BIG; i++) {
		char want[32], got[64], gw[32];
		snprintf(want, sizeof(want), "10.%u.%u.%u/32", i >> 16, (i >> 8) & 255, i & 255);
		assert_string_equal(ct_prefix_fmt(&b.routes[i].dst, got, sizeof(got)), want);
		snprintf(gw, sizeof(gw), "192.168.31.%u", 2 + i % 3);
		assert_string_equal(ct_ip_fmt(&b.routes[i].at->via, got, sizeof(got)), gw);
		assert_string_equal(b.routes[i].at->dev, "eth0");
		assert_string_equal(b.routes[i].at->proto, "static1");
		assert_string_equal(b.routes[i].at->type, "static unicast univ");
		assert_true(b.routes[i].primary);
	}
	/* three gateways: three attribute sets */
	assert_true(b.routes[0].at == b.routes[3].at && b.routes[0].at != b.routes[1].at);
	ct_bird_close(&c);
	srv_stop(&s);

	/* cut in the middle of a line about half-way */
	size_t len;
	char *full = big_reply(&len);
	big_cut = len / 2;
	while (full[big_cut - 1] == '\n')
		big_cut++;
	free(full);
	size_t before = b.n_routes;
	srv_start(&s, "bigcut.ctl", sc_big_routes);
	assert_int_equal(ct_bird_connect(&c, s.path, &t, &err), 0);
	ct_bird_routes_begin(&rs, &b);
	assert_int_equal(
		ct_bird_command_fn(&c, "show route export kernel1 all", big_line, &rs, &err), -1);
	expect_err(&err, CT_EXIT_GATHER, "closed the connection in the middle of a reply");
	assert_int_equal(ct_bird_routes_end(&rs, &err), -1);
	assert_int_equal(b.n_routes, before);
	ct_bird_close(&c);
	srv_stop(&s);
	big_cut = 0;
	ct_bgp_free(&b);
}

static void sc_routes_overlong(int fd)
{
	static char x[CT_BIRD_MAX_LINE + 100];
	SAY(fd, GREET);
	expect(fd, "show route export kernel1 all\n");
	SAY(fd, "1007-10.0.0.0/24 via 10.9.0.1 on eth0 [static1 10:00:00] * (200)\n"
		"1007-10.0.1.0/24 via 10.9.0.1 on eth0 [static1 10:00:00] * (200)");
	memset(x, 'x', sizeof(x));
	say(fd, x, sizeof(x));
	SAY(fd, "\n0000 \n");
	hold(fd);
}

/* A line longer than the splitter holds, after good routes: the client's
 * error names the socket and the line; the routes before it are dropped. */
static void test_routes_streamed_overlong(void **state)
{
	struct srv s;
	struct ct_bird_client c;
	struct ct_err err = {0};
	struct ct_bgp b;
	struct ct_bird_route_stream rs;

	srv_start(&s, "routeslong.ctl", sc_routes_overlong);
	assert_int_equal(ct_bird_connect(&c, s.path, &quick, &err), 0);
	ct_bgp_init(&b);
	ct_bird_routes_begin(&rs, &b);
	assert_int_equal(
		ct_bird_command_fn(&c, "show route export kernel1 all", big_line, &rs, &err), -1);
	expect_err(&err, CT_EXIT_GATHER, "bird reply line 2: line longer than 4096 bytes");
	assert_int_equal(ct_bird_routes_end(&rs, &err), -1);
	assert_int_equal(b.n_routes, 0);
	/* the stream is in an unknown state now */
	memset(&err, 0, sizeof(err));
	ct_bird_routes_begin(&rs, &b);
	assert_int_equal(ct_bird_command_fn(&c, "show route", big_line, &rs, &err), -1);
	expect_err(&err, CT_EXIT_GATHER, "unusable after an earlier error");
	ct_bird_close(&c);
	srv_stop(&s);
	ct_bgp_free(&b);
}

/* ---- setup ---- */

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	return remove(p);
}

static int setup(void **state)
{
	signal(SIGPIPE, SIG_DFL); /* the client must never raise it */
	snprintf(T, sizeof(T), "/tmp/ct-bird-XXXXXX");
	return mkdtemp(T) ? 0 : -1;
}

static int teardown(void **state)
{
	chmod(T, 0700);
	return nftw(T, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_normal_two_commands),
		cmocka_unit_test(test_reply_cap),
		cmocka_unit_test(test_silent_server),
		cmocka_unit_test(test_closed),
		cmocka_unit_test(test_drip),
		cmocka_unit_test(test_bad_bytes),
		cmocka_unit_test(test_async),
		cmocka_unit_test(test_bad_command),
		cmocka_unit_test(test_connect_errors),
		cmocka_unit_test(test_long_path),
		cmocka_unit_test(test_permission),
		cmocka_unit_test(test_discovery),
		cmocka_unit_test(test_real_bird),
		cmocka_unit_test(test_sockdiag_netns),
		cmocka_unit_test(test_sockdiag_here),
		cmocka_unit_test(test_routes_streamed),
		cmocka_unit_test(test_routes_streamed_overlong),
	};
	return cmocka_run_group_tests_name("bird_client", tests, setup, teardown);
}
