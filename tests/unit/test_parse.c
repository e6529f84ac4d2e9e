/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for cmd/parse.c with tables of the test's own: what a command row
 * declares (its options, the ones it repeats, its needs) is what the parser
 * accepts, and nothing in the parser limits how many options or arguments
 * there are. Expected values follow from the argv each test writes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"

static int run_nop(struct ct_ctx *c)
{
	(void)c;
	return 0;
}

static const struct ct_cmd cmds[] = {
	{"once", run_nop, CT_NEED_NETLINK | CT_NEED_SNAPSHOT, "", "takes everything once",
	 "pods pad0 pad39 timeout", "", "", "", "", ""},
	{"many", run_nop, CT_NEED_NETLINK | CT_NEED_SNAPSHOT, "", "takes -n and --from several times", "", "",
	 "netns from", "", "", ""},
	{"live", run_nop, CT_NEED_NETLINK | CT_NEED_BIRD, "", "no --from; --bird-socket from its needs", "", "",
	 "", "", "", ""},
	{"offline", run_nop, CT_NEED_NONE, "", "nothing but the global options", "", "", "", "", "", ""},
	{NULL, NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL},
};

#define PAD 40
/* PAD flag options first (ids 1000+), then the real ones past index 31 */
static struct ct_opt opts[PAD + 16];
static char padnames[PAD][16];

static int setup(void **state)
{
	(void)state;
	size_t k = 0;
	for (int i = 0; i < PAD; i++, k++) {
		snprintf(padnames[i], sizeof(padnames[i]), "pad%d", i);
		opts[k] = (struct ct_opt){1000 + i, padnames[i], NULL, NULL, "padding", ""};
	}
	/* the value descriptions are the test's own: the messages must take them from here */
	opts[k++] = (struct ct_opt){'n', "netns", "NS", "a namespace (test)", "", ""};
	opts[k++] = (struct ct_opt){'j', "json", NULL, NULL, "", ""};
	opts[k++] = (struct ct_opt){CT_OPT_FROM, "from", "FILE", "a snapshot (test)", "", ""};
	opts[k++] = (struct ct_opt){CT_OPT_COLOR, "color", "WHEN", "auto, always or never (test)", "", ""};
	opts[k++] = (struct ct_opt){CT_OPT_PREFIX, "prefix", "LIST", "prefixes (test)", "", ""};
	opts[k++] = (struct ct_opt){CT_OPT_PODS, "pods", "SOURCE", "a pod source (test)", "", ""};
	opts[k++] = (struct ct_opt){CT_OPT_BIRD_SOCKET, "bird-socket", "PATH", "a socket path (test)", "", ""};
	opts[k++] = (struct ct_opt){CT_OPT_TIMEOUT, "timeout", "SECONDS", "seconds above 0, at most 3600 (test)", "", ""};
	opts[k++] = (struct ct_opt){'h', "help", NULL, NULL, "", ""};
	opts[k++] = (struct ct_opt){'V', "version", NULL, NULL, "", ""};
	opts[k] = (struct ct_opt){0, NULL, NULL, NULL, NULL, NULL};
	return 0;
}

struct run {
	struct ct_opts o;
	struct ct_parsed p;
	struct ct_err err;
	int rc;
};

/* argv from a NULL-terminated list; argv[0] is "caltrace" */
static void parse(struct run *r, const char *first, ...)
{
	static char *argv[4096];
	int argc = 0;
	va_list ap;
	argv[argc++] = "caltrace";
	va_start(ap, first);
	for (const char *a = first; a; a = va_arg(ap, const char *))
		argv[argc++] = (char *)a;
	va_end(ap);
	argv[argc] = NULL;
	memset(r, 0, sizeof(*r));
	r->rc = ct_parse_args(cmds, opts, argc, argv, &r->o, &r->p, &r->err);
}

static void done(struct run *r)
{
	ct_parsed_free(&r->p);
}

/* an option past the 32nd row of the table is an option like any other */
static void test_no_limit_on_options(void **state)
{
	(void)state;
	struct run r;
	parse(&r, "--pad39", "--pad0", "--from", "snap.json", "-j", "once", NULL);
	assert_int_equal(r.rc, 0);
	assert_non_null(r.p.cmd);
	assert_string_equal(r.p.cmd->name, "once");
	assert_string_equal(r.o.from, "snap.json");
	assert_true(r.o.json);
	assert_int_equal(r.p.count[39], 1);
	assert_int_equal(r.p.count[0], 1);
	done(&r);
}

static void test_no_limit_on_arguments(void **state)
{
	(void)state;
	static char *argv[2002];
	static char num[2000][8];
	int argc = 0;
	argv[argc++] = "caltrace";
	argv[argc++] = "once";
	for (int i = 0; i < 2000 - 2; i++) {
		snprintf(num[i], sizeof(num[i]), "%d", i);
		argv[argc++] = num[i];
	}
	argv[argc] = NULL;
	struct ct_opts o = {0};
	struct ct_parsed p;
	struct ct_err err = {0};
	assert_int_equal(ct_parse_args(cmds, opts, argc, argv, &o, &p, &err), 0);
	assert_int_equal(o.argc, 1998);
	assert_string_equal(o.argv[0], "0");
	assert_string_equal(o.argv[1997], "1997");
	ct_parsed_free(&p);
}

/* "repeatable" is the command row's: many keeps every -n and --from in order */
static void test_repeat_declared(void **state)
{
	(void)state;
	struct run r;
	parse(&r, "-n", "a", "--from", "s1", "many", "-n", "b", "--from", "s2", "-n", "c", NULL);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.o.n_netns, 3);
	assert_string_equal(r.o.netns_list[0], "a");
	assert_string_equal(r.o.netns_list[2], "c");
	assert_string_equal(r.o.netns, "a");
	assert_int_equal(r.o.n_from, 2);
	assert_string_equal(r.o.from_list[1], "s2");
	assert_string_equal(r.o.from, "s1");
	done(&r);
}

static void test_repeat_refused(void **state)
{
	(void)state;
	struct run r;
	parse(&r, "-n", "a", "-n", "b", "once", NULL);
	assert_int_equal(r.rc, -1);
	assert_int_equal(r.err.exit_code, CT_EXIT_USAGE);
	assert_string_equal(r.err.msg, "-n is given 2 times; only 'many' takes several namespaces");
	done(&r);
	parse(&r, "--from", "x", "once", "--from", "y", NULL);
	assert_int_equal(r.rc, -1);
	assert_string_equal(r.err.msg, "option '--from' is given 2 times; 'once' takes it once");
	done(&r);
	/* a flag given twice is harmless */
	parse(&r, "-j", "once", "-j", NULL);
	assert_int_equal(r.rc, 0);
	done(&r);
}

/* --from comes with CT_NEED_SNAPSHOT, --bird-socket with CT_NEED_BIRD */
static void test_needs_decide_options(void **state)
{
	(void)state;
	struct run r;
	parse(&r, "--from", "x", "live", NULL);
	assert_int_equal(r.rc, -1);
	assert_string_equal(r.err.msg, "option '--from' does not apply to 'live'; see 'caltrace help live'");
	done(&r);
	parse(&r, "--bird-socket", "/run/b.ctl", "live", NULL);
	assert_int_equal(r.rc, 0);
	assert_string_equal(r.o.bird_socket, "/run/b.ctl");
	done(&r);
	parse(&r, "--bird-socket", "/run/b.ctl", "once", NULL);
	assert_int_equal(r.rc, -1);
	done(&r);
	parse(&r, "offline", "--pods", "f", NULL);
	assert_int_equal(r.rc, -1);
	assert_string_equal(r.err.msg, "option '--pods' does not apply to 'offline'; see 'caltrace help offline'");
	done(&r);
	assert_true(ct_cmd_takes(&cmds[0], "from"));
	assert_false(ct_cmd_takes(&cmds[2], "from"));
	assert_true(ct_cmd_takes(&cmds[3], "netns")); /* global */
}

static void test_errors(void **state)
{
	(void)state;
	struct run r;
	parse(&r, "--jso", "once", NULL); /* exact names only */
	assert_int_equal(r.rc, -1);
	assert_string_equal(r.err.msg, "unknown option '--jso'; run 'caltrace --help'");
	done(&r);
	parse(&r, "--json=1", "once", NULL);
	assert_string_equal(r.err.msg, "option '--json=1' takes no value");
	done(&r);
	parse(&r, "--color", "sometimes", "once", NULL);
	assert_string_equal(r.err.msg, "--color needs auto, always or never (test), not 'sometimes'");
	done(&r);
	parse(&r, "-Q", "once", NULL);
	assert_string_equal(r.err.msg, "unknown option '-Q'; run 'caltrace --help'");
	done(&r);
	parse(&r, "nosuch", NULL);
	assert_string_equal(r.err.msg, "unknown command 'nosuch'; run 'caltrace help' for the list");
	done(&r);
	/* an argument is escaped once, in the message */
	parse(&r, "no\033such", NULL);
	assert_string_equal(r.err.msg, "unknown command 'no\\x1bsuch'; run 'caltrace help' for the list");
	done(&r);
}

/* A value left out is not an unknown option: the message names the option as written
 * (short or long) and says what its value is, from the option table */
static void test_missing_value(void **state)
{
	(void)state;
	struct run r;
	parse(&r, "once", "-n", NULL);
	assert_int_equal(r.rc, -1);
	assert_int_equal(r.err.exit_code, CT_EXIT_USAGE);
	assert_string_equal(r.err.msg, "option '-n' needs a value (a namespace (test))");
	done(&r);
	parse(&r, "once", "--netns", NULL);
	assert_int_equal(r.rc, -1);
	assert_string_equal(r.err.msg, "option '--netns' needs a value (a namespace (test))");
	done(&r);
	parse(&r, "once", "-jn", NULL); /* inside a cluster of flags */
	assert_int_equal(r.rc, -1);
	assert_string_equal(r.err.msg, "option '-n' needs a value (a namespace (test))");
	done(&r);
	parse(&r, "once", "--timeout", NULL);
	assert_int_equal(r.rc, -1);
	assert_int_equal(r.err.exit_code, CT_EXIT_USAGE);
	assert_string_equal(r.err.msg, "option '--timeout' needs a value (seconds above 0, at most 3600 (test))");
	done(&r);
	/* an unknown letter in a cluster is named alone */
	parse(&r, "once", "-jQ", NULL);
	assert_string_equal(r.err.msg, "unknown option '-Q'; run 'caltrace --help'");
	done(&r);
}

/* No option takes an empty value; numbers are checked against their range */
static void test_bad_values(void **state)
{
	(void)state;
	struct run r;
	static const char *const empty[][2] = {
		{"--bird-socket=", "--bird-socket needs a socket path (test), not ''"},
		{"--from=", "--from needs a snapshot (test), not ''"},
		{"--pods=", "--pods needs a pod source (test), not ''"},
		{"--netns=", "-n needs a namespace (test), not ''"},
		{"--prefix=", "--prefix needs prefixes (test), not ''"},
		{"--color=", "--color needs auto, always or never (test), not ''"},
		{"--timeout=", "--timeout needs seconds above 0, at most 3600 (test), not ''"},
	};
	for (size_t i = 0; i < sizeof(empty) / sizeof(empty[0]); i++) {
		const char *cmd = !strncmp(empty[i][0], "--bird", 6) ? "live" : "once";
		parse(&r, cmd, empty[i][0], NULL);
		assert_int_equal(r.rc, -1);
		assert_int_equal(r.err.exit_code, CT_EXIT_USAGE);
		assert_string_equal(r.err.msg, empty[i][1]);
		done(&r);
	}
	parse(&r, "live", "--bird-socket", "", NULL); /* the same as a separate word */
	assert_int_equal(r.rc, -1);
	assert_string_equal(r.err.msg, "--bird-socket needs a socket path (test), not ''");
	done(&r);
	static const char *const bad_timeouts[] = {"0", "3601", "-1", "ten", "1e999", "nan", "0x"};
	for (size_t i = 0; i < sizeof(bad_timeouts) / sizeof(bad_timeouts[0]); i++) {
		char want[128];
		snprintf(want, sizeof(want), "--timeout needs seconds above 0, at most 3600 (test), not '%s'",
			 bad_timeouts[i]);
		parse(&r, "once", "--timeout", bad_timeouts[i], NULL);
		assert_int_equal(r.rc, -1);
		assert_string_equal(r.err.msg, want);
		done(&r);
	}
	static const char *const good_timeouts[] = {"3600", "0.5", "1"};
	static const double good_values[] = {3600, 0.5, 1};
	for (size_t i = 0; i < 3; i++) {
		parse(&r, "once", "--timeout", good_timeouts[i], NULL);
		assert_int_equal(r.rc, 0);
		assert_true(r.o.timeout == good_values[i]);
		done(&r);
	}
}

static void test_dashdash_help_version(void **state)
{
	(void)state;
	struct run r;
	parse(&r, "once", "--", "-j", "--from", NULL);
	assert_int_equal(r.rc, 0);
	assert_false(r.o.json);
	assert_int_equal(r.o.argc, 2);
	assert_string_equal(r.o.argv[0], "-j");
	done(&r);
	parse(&r, "-h", "once", NULL);
	assert_int_equal(r.rc, 0);
	assert_true(r.p.want_help);
	assert_string_equal(r.p.cmd->name, "once");
	done(&r);
	parse(&r, "-V", "--color", "bad", NULL); /* -V stops parsing where it is */
	assert_int_equal(r.rc, 0);
	assert_true(r.p.want_version);
	done(&r);
	parse(&r, "--version", "-j", NULL); /* a JSON version, -j after -V */
	assert_int_equal(r.rc, 0);
	assert_true(r.p.want_version);
	assert_true(r.o.json);
	done(&r);
	parse(&r, "-V", "--", "-j", NULL); /* after "--" it is an argument */
	assert_int_equal(r.rc, 0);
	assert_false(r.o.json);
	done(&r);
	parse(&r, NULL);
	assert_int_equal(r.rc, 0);
	assert_null(r.p.cmd);
	done(&r);
	/* twice in one process: the same answer */
	for (int i = 0; i < 2; i++) {
		parse(&r, "-j", "once", "x", NULL);
		assert_int_equal(r.rc, 0);
		assert_true(r.o.json);
		assert_int_equal(r.o.argc, 1);
		done(&r);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_limit_on_options),
		cmocka_unit_test(test_no_limit_on_arguments),
		cmocka_unit_test(test_repeat_declared),
		cmocka_unit_test(test_repeat_refused),
		cmocka_unit_test(test_needs_decide_options),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_missing_value),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_dashdash_help_version),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
