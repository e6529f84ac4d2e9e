/* SPDX-License-Identifier: MIT */
/* Unit tests for the word splitter of `caltrace shell` (cmd/shellwords.c). The expected
 * words are what bash gives for the same lines (eval "set -- LINE"), lines chosen with
 * nothing bash would expand; the unbalanced cases are those bash refuses too. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"

/* the words of line, each in [], then " N" */
static const char *split(const char *line, bool tolerant, char *buf, size_t len)
{
	struct ct_words w;
	const char *why = NULL;
	if (ct_words_split(line, &w, tolerant, &why) < 0) {
		snprintf(buf, len, "error: %s", why ? why : "?");
		return buf;
	}
	size_t o = 0;
	buf[0] = 0;
	for (int i = 0; i < w.n; i++)
		o += (size_t)snprintf(buf + o, len - o, "[%s]", w.v[i]);
	snprintf(buf + o, len - o, " %d", w.n);
	assert_null(w.v[w.n]);
	ct_words_free(&w);
	return buf;
}

static void test_like_bash(void **state)
{
	(void)state;
	static const struct {
		const char *line, *want;
	} cases[] = {
		{"links", "[links] 1"},
		{"  path   web-1\tdb-1  ", "[path][web-1][db-1] 3"},
		{"links -n 'my ns' --color=never", "[links][-n][my ns][--color=never] 4"},
		{"veth-name \"default/pod A\"", "[veth-name][default/pod A] 2"},
		{"a''b \"\" ''", "[ab][][] 3"},
		{"sniff 'udp port 4789' and\\ host", "[sniff][udp port 4789][and host] 3"},
		{"echo \"a\\\"b\" \"c\\\\d\" \"e\\nf\" \"g\\$h\"", "[echo][a\"b][c\\d][e\\nf][g$h] 5"},
		{"a\\'b \\\"c", "[a'b][\"c] 2"},
		{"x #comment here", "[x] 1"},
		{"x#y", "[x#y] 1"},
		{"'it''s' \"mix\"'ed'\\ word", "[its][mixed word] 2"},
		{"", " 0"},
		{"   \t ", " 0"},
		{"# only a comment", " 0"},
	};
	char buf[512];
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_string_equal(split(cases[i].line, false, buf, sizeof(buf)), cases[i].want);
}

static void test_unbalanced(void **state)
{
	(void)state;
	char buf[512];
	assert_string_equal(split("veth-name 'a/b", false, buf, sizeof(buf)),
			    "error: unbalanced single quote (')");
	assert_string_equal(split("links \"cali1", false, buf, sizeof(buf)),
			    "error: unbalanced double quote (\")");
	assert_string_equal(split("links \\", false, buf, sizeof(buf)),
			    "error: a backslash ends the line");
	/* a quote inside the other kind is a byte, not an open quote */
	assert_string_equal(split("a \"it's\" 'say \"x'", false, buf, sizeof(buf)),
			    "[a][it's][say \"x] 3");
	/* tolerant (completion): the open word ends the line */
	assert_string_equal(split("use 'ct", true, buf, sizeof(buf)), "[use][ct] 2");
	assert_string_equal(split("use \"ct", true, buf, sizeof(buf)), "[use][ct] 2");
	assert_string_equal(split("use ct\\", true, buf, sizeof(buf)), "[use][ct] 2");
}

/* every short line of a small alphabet: no crash, and the words fit (ASan checks the bounds) */
static void test_all_short_lines(void **state)
{
	(void)state;
	static const char alpha[] = {'a', ' ', '\'', '"', '\\', '#', '\t'};
	enum { K = sizeof(alpha), L = 6 };
	char line[L + 1], buf[512];
	unsigned long total = 1;
	for (int i = 0; i < L; i++)
		total *= K;
	for (unsigned long x = 0; x < total; x++) {
		unsigned long y = x;
		for (int i = 0; i < L; i++, y /= K)
			line[i] = alpha[y % K];
		line[L] = 0;
		split(line, false, buf, sizeof(buf));
		split(line, true, buf, sizeof(buf));
		assert_true(strncmp(buf, "error", 5) != 0); /* tolerant never fails */
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_like_bash),
		cmocka_unit_test(test_unbalanced),
		cmocka_unit_test(test_all_short_lines),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
