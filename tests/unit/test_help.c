/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for cmd/help.c with tables of the test's own: a command's help lists
 * exactly the options ct_cmd_takes gives it (and no other), every line fits in 80
 * columns, a wrapped option text never starts a line with '-' (it would read as an
 * option), the finding codes follow the registry (analysis/findings.c, scanned here
 * independently), and the JSON documents parse and say the same.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <jansson.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/findings.h"
#include "cmd/cmd.h"

static int run_nop(struct ct_ctx *c)
{
	(void)c;
	return 0;
}

/* a help text long enough to wrap, with an option name where a line would break */
#define LONG_TEXT                                                                                  \
	"a text long enough to be wrapped twice over, with words that go on and on and on, "       \
	"y xxxxxxxxxx --then-an-option-name right where a break falls, and more "                  \
	"words after it to wrap once again before the end"

static const struct ct_cmd cmds[] = {
    {"alpha", run_nop, CT_NEED_NETLINK | CT_NEED_SNAPSHOT, "[IFACE...]",
     "the first command of the test, with a summary long enough to need a second line of text",
     "wide", "", "netns", "IFACE: an interface\nSECOND: another argument line",
     "caltrace alpha\ncaltrace alpha eth0", "links -workload_link_down dump_interrupted"},
    {"beta", run_nop, CT_NEED_BIRD, "", "the second", "", "", "", "", "",
     "-workload_link_down links"},
    {"gamma", run_nop, CT_NEED_NONE, "", "the third: nothing to raise", "", "", "", "", "", ""},
    {NULL, NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL},
};

static const struct ct_opt opts[] = {
    {'n', "netns", "NS", "a namespace", "general netns text", ""},
    {'j', "json", NULL, NULL, "general json text{from: and its from part}", ""},
    {CT_OPT_FROM, "from", "FILE", "a file", "general from text", ""},
    {CT_OPT_BIRD_SOCKET, "bird-socket", "PATH", "a path", "general bird text", ""},
    {'w', "wide", "N", "a number", LONG_TEXT, ""},
    {'h', "help", NULL, NULL, "general help text", ""},
    {0, NULL, NULL, NULL, NULL, NULL},
};

static const struct ct_opt_note notes[] = {
    {"beta", "netns", "beta's own netns text"},
    {"*", "help", "show this help"},
    {NULL, NULL, NULL},
};

static const struct ct_help_tables tables = {cmds, opts, notes};

/* text written by fn into a string */
static char *capture_cmd(const struct ct_cmd *c)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	assert_int_equal(ct_help_command(f, &tables, c), 0);
	fclose(f);
	return buf;
}

static void assert_fits(const char *text)
{
	for (const char *p = text; *p;) {
		size_t l = strcspn(p, "\n");
		if (l > 80)
			fail_msg("line of %zu columns: %.*s", l, (int)l, p);
		p += l + (p[l] == '\n');
	}
}

/* the long option names of the "options:" section, one "--name " each */
static void section_opts(const char *text, char *out, size_t len)
{
	const char *p = strstr(text, "\noptions:\n");
	assert_non_null(p);
	p += strlen("\noptions:\n");
	out[0] = 0;
	while (*p && *p != '\n') {
		size_t l = strcspn(p, "\n");
		char line[256];
		snprintf(line, sizeof(line), "%.*s", (int)l, p);
		const char *q = line;
		while (*q == ' ')
			q++;
		if (q[0] == '-' && q[1] != '-') /* "-n, --netns NS" */
			q += 4;
		if (!strncmp(q, "--", 2)) {
			size_t nl = strcspn(q + 2, " ");
			snprintf(out + strlen(out), len - strlen(out), "--%.*s ", (int)nl, q + 2);
		}
		p += l + (p[l] == '\n');
	}
}

static void test_command_help_lists_its_options(void **state)
{
	(void)state;
	for (const struct ct_cmd *c = cmds; c->name; c++) {
		char *t = capture_cmd(c);
		char want[512] = "", got[512];
		for (const struct ct_opt *x = opts; x->lng; x++)
			if (ct_cmd_takes(c, x->lng))
				snprintf(want + strlen(want), sizeof(want) - strlen(want), "--%s ",
					 x->lng);
		section_opts(t, got, sizeof(got));
		assert_string_equal(got, want);
		assert_fits(t);
		char usage[128];
		snprintf(usage, sizeof(usage), "usage: caltrace %s [OPTIONS]", c->name);
		assert_memory_equal(t, usage, strlen(usage));
		assert_non_null(strstr(t, "show this help")); /* the "*" note */
		assert_null(strstr(t, "general help text"));
		free(t);
	}
	/* alpha takes bird-socket? no: its needs bring --from only */
	assert_false(ct_cmd_takes(&cmds[0], "bird-socket"));
	assert_true(ct_cmd_takes(&cmds[1], "bird-socket"));
}

static void test_notes_and_repeat(void **state)
{
	(void)state;
	char *a = capture_cmd(&cmds[0]), *b = capture_cmd(&cmds[1]);
	assert_non_null(strstr(a, "general netns text; may be repeated"));
	assert_null(strstr(a, "beta's own"));
	assert_non_null(strstr(b, "beta's own netns text"));
	assert_null(strstr(b, "general netns text"));
	assert_null(strstr(b, "may be repeated"));
	/* "{from:...}": only where the command takes --from (alpha, by its needs) */
	assert_non_null(strstr(a, "general json text and its from part\n"));
	assert_non_null(strstr(b, "general json text\n"));
	assert_null(strstr(b, "from part"));
	assert_null(strchr(a, '{'));
	/* the arguments and examples, one a line */
	assert_non_null(
	    strstr(a, "\narguments:\n  IFACE: an interface\n  SECOND: another argument line\n"));
	assert_non_null(strstr(a, "\nexamples:\n  caltrace alpha\n  caltrace alpha eth0\n"));
	assert_null(strstr(b, "examples:"));
	free(a);
	free(b);
}

/* a continuation line of the options never starts with '-' */
static void test_wrap_keeps_options_apart(void **state)
{
	(void)state;
	char *t = capture_cmd(&cmds[0]);
	assert_non_null(strstr(t, "--then-an-option-name"));
	int opt_lines = 0;
	for (const char *p = strstr(t, "\noptions:\n") + 10; *p && *p != '\n';) {
		size_t l = strcspn(p, "\n");
		if (!strncmp(p, "                           ", 27))
			assert_true(p[27] != '-' && p[27] != ' ');
		else
			opt_lines++;
		p += l + (p[l] == '\n');
	}
	assert_int_equal(opt_lines, 5); /* netns json from wide help */
	free(t);
}

/* the codes: scanned from the registry here, by the words' meaning */
static void test_codes_follow_registry(void **state)
{
	(void)state;
	const char *got[128];
	size_t n = ct_help_codes(&cmds[0], got, 128);
	size_t k = 0;
	for (const struct ct_finding_def *d = ct_finding_defs; d->code; d++) {
		bool in = (!strcmp(d->scope, "links") && strcmp(d->code, "workload_link_down")) ||
			  !strcmp(d->code, "dump_interrupted");
		if (!in)
			continue;
		assert_true(k < n);
		assert_string_equal(got[k], d->code);
		k++;
	}
	assert_int_equal(k, n);
	assert_true(n > 2);
	/* words apply in order: "-code scope" gives the code back */
	size_t nb = ct_help_codes(&cmds[1], got, 128);
	bool seen = false;
	for (size_t i = 0; i < nb; i++)
		seen = seen || !strcmp(got[i], "workload_link_down");
	assert_true(seen);
	assert_int_equal(nb, n); /* all of links (n - 1 + 1), dump_interrupted not */
	assert_int_equal(ct_help_codes(&cmds[2], got, 128), 0);
	/* too small a buffer: the count is still right */
	assert_int_equal(ct_help_codes(&cmds[0], got, 1), n);

	char *t = capture_cmd(&cmds[0]);
	assert_int_equal(ct_help_codes(&cmds[0], got, 128), n);
	for (size_t i = 0; i < n; i++)
		assert_non_null(strstr(t, got[i]));
	assert_null(strstr(t, "workload_link_down"));
	free(t);
	t = capture_cmd(&cmds[2]);
	assert_null(strstr(t, "findings"));
	free(t);
}

static void test_usage(void **state)
{
	(void)state;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_int_equal(ct_help_usage(f, &tables), 0);
	fclose(f);
	assert_fits(buf);
	for (const struct ct_cmd *c = cmds; c->name; c++) {
		char w[64];
		snprintf(w, sizeof(w), "\n  %-10s ", c->name);
		assert_non_null(strstr(buf, w));
	}
	char got[512];
	section_opts(buf, got, sizeof(got));
	assert_string_equal(got, "--netns --json --from --bird-socket --wide --help ");
	/* general texts, and who takes an option not every command takes */
	assert_non_null(strstr(buf, "general help text"));
	assert_non_null(strstr(buf, "general json text and its from part\n"));
	assert_null(strchr(buf, '{'));
	assert_non_null(strstr(buf, "general bird text [beta]"));
	assert_non_null(strstr(buf, "general from text [alpha]"));
	free(buf);
}

static void test_json(void **state)
{
	(void)state;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_int_equal(ct_help_json(f, &tables, NULL), 0);
	fclose(f);
	json_error_t e;
	json_t *doc = json_loads(buf, 0, &e);
	assert_non_null(doc);
	assert_string_equal(json_string_value(json_object_get(doc, "command")), "help");
	json_t *cs = json_object_get(doc, "commands");
	assert_int_equal(json_array_size(cs), 3);
	json_t *a = json_array_get(cs, 0);
	assert_string_equal(json_string_value(json_object_get(a, "name")), "alpha");
	json_t *ao = json_object_get(a, "options");
	size_t i;
	json_t *v;
	size_t want = 0;
	for (const struct ct_opt *x = opts; x->lng; x++)
		want += ct_cmd_takes(&cmds[0], x->lng);
	assert_int_equal(json_array_size(ao), want);
	json_array_foreach(ao, i, v)
	{
		const char *l = json_string_value(json_object_get(v, "long"));
		assert_true(ct_cmd_takes(&cmds[0], l));
		assert_int_equal(json_is_true(json_object_get(v, "repeatable")),
				 !strcmp(l, "netns"));
	}
	assert_int_equal(json_array_size(json_object_get(a, "examples")), 2);
	const char *got[128];
	assert_int_equal(json_array_size(json_object_get(a, "findings")),
			 ct_help_codes(&cmds[0], got, 128));
	json_t *os = json_object_get(doc, "options");
	assert_int_equal(json_array_size(os), 6);
	json_t *o0 = json_array_get(os, 0);
	assert_string_equal(json_string_value(json_object_get(o0, "short")), "n");
	assert_string_equal(json_string_value(json_object_get(o0, "value_help")), "a namespace");
	assert_true(json_is_null(json_object_get(json_array_get(os, 2), "short")));
	json_decref(doc);
	free(buf);

	/* one command only */
	buf = NULL;
	f = open_memstream(&buf, &len);
	assert_int_equal(ct_help_json(f, &tables, &cmds[1]), 0);
	fclose(f);
	doc = json_loads(buf, 0, &e);
	assert_non_null(doc);
	assert_int_equal(json_array_size(json_object_get(doc, "commands")), 1);
	json_decref(doc);
	free(buf);
}

/* the library's own answer is the oracle for what -j version reports */
static void test_version_json(void **state)
{
	(void)state;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_int_equal(ct_version_json(f), 0);
	fclose(f);
	json_error_t e;
	json_t *doc = json_loads(buf, 0, &e);
	assert_non_null(doc);
	assert_string_equal(json_string_value(json_object_get(doc, "version")), CT_VERSION);
	json_t *libs = json_object_get(doc, "libraries"), *v;
	size_t i;
	int found = 0;
	json_array_foreach(libs, i, v)
	{
		const char *nm = json_string_value(json_object_get(v, "name"));
		if (!strcmp(nm, "libpcap")) {
			assert_string_equal(json_string_value(json_object_get(v, "text")),
					    pcap_lib_version());
			assert_non_null(strstr(pcap_lib_version(),
					       json_string_value(json_object_get(v, "version"))));
			found++;
		}
		if (!strcmp(nm, "jansson")) {
			assert_string_equal(json_string_value(json_object_get(v, "version")),
					    jansson_version_str());
			found++;
		}
	}
	assert_int_equal(found, 2);
	json_decref(doc);
	free(buf);
}

/* a write that fails is reported */
static void test_write_error(void **state)
{
	(void)state;
	FILE *f = fopen("/dev/full", "w");
	if (!f)
		skip();
	setvbuf(f, NULL, _IONBF, 0);
	assert_int_equal(ct_help_command(f, &tables, &cmds[0]), -1);
	fclose(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_command_help_lists_its_options),
	    cmocka_unit_test(test_notes_and_repeat),
	    cmocka_unit_test(test_wrap_keeps_options_apart),
	    cmocka_unit_test(test_codes_follow_registry),
	    cmocka_unit_test(test_usage),
	    cmocka_unit_test(test_json),
	    cmocka_unit_test(test_version_json),
	    cmocka_unit_test(test_write_error),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
