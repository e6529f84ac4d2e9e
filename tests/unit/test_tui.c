/* SPDX-License-Identifier: MIT */
/*
 * render/tui: untrusted text made displayable, clipping by terminal columns
 * (wide characters count two; the oracle is glibc's wcswidth), the monochrome
 * stand-ins, the words beside every colour, and refusing a non-terminal.
 * Drawing runs on a curses screen bound to /dev/null (newterm needs no TTY)
 * and is read back from the window with winnstr/win_wch.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wchar.h>

#include "render/tui.h"

static SCREEN *scr;
static FILE *fo, *fi;

static int setup(void **state)
{
	(void)state;
	if (!setlocale(LC_ALL, "C.UTF-8"))
		return -1;
	fo = fopen("/dev/null", "w");
	fi = fopen("/dev/null", "r");
	scr = newterm("xterm", fo, fi);
	return scr ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	endwin();
	delscreen(scr);
	fclose(fo);
	fclose(fi);
	return 0;
}

/* the row y of w as text (what is on the screen) */
static void row_text(WINDOW *w, int y, char *out, size_t len)
{
	wchar_t ws[256];
	int n = getmaxx(w);
	int i = 0;
	for (int x = 0; x < n && i < 255; x++) {
		cchar_t c;
		wchar_t wc[CCHARW_MAX + 1];
		attr_t a;
		short p;
		if (mvwin_wch(w, y, x, &c) == ERR)
			break;
		getcchar(&c, wc, &a, &p, NULL);
		ws[i++] = wc[0];
		if (wcwidth(wc[0]) == 2)
			x++; /* the second cell of a wide character */
	}
	ws[i] = 0;
	wcstombs(out, ws, len);
	size_t k = strlen(out);
	while (k && out[k - 1] == ' ')
		out[--k] = 0;
}

static void test_text_escapes_controls(void **state)
{
	(void)state;
	struct ct_tui t = {.utf8 = true};
	char out[128];
	/* ESC would start a terminal sequence: it must arrive as four characters */
	assert_string_equal(ct_tui_text(&t, out, sizeof(out), "cali\x1b[2Jx"), "cali\\x1b[2Jx");
	assert_string_equal(ct_tui_text(&t, out, sizeof(out), "caf\xc3\xa9"), "caf\xc3\xa9");
	/* LANG=C: UTF-8 is shown as bytes, so no multibyte output reaches the terminal */
	t.utf8 = false;
	assert_string_equal(ct_tui_text(&t, out, sizeof(out), "caf\xc3\xa9\x07"),
			    "caf\\xc3\\xa9\\x07");
	assert_string_equal(ct_tui_text(&t, out, sizeof(out), NULL), "");
	/* small buffer: cut, NUL-terminated, no half escape */
	char small[6];
	ct_tui_text(&t, small, sizeof(small), "\x01\x02\x03");
	assert_true(strlen(small) < sizeof(small));
	assert_true(strlen(small) % 4 == 0 || strstr(small, "...") != NULL);
}

static void test_put_clips_by_columns(void **state)
{
	(void)state;
	struct ct_tui t = {.utf8 = true, .open = true};
	WINDOW *w = newwin(3, 40, 0, 0);
	assert_non_null(w);
	/* "日本語pod": 3 wide characters (2 columns each) then 3 narrow */
	const char *s = "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e" "pod";
	wchar_t ws[16];
	mbstowcs(ws, s, 16);
	int full = wcswidth(ws, 16);
	assert_int_equal(full, 9);
	assert_int_equal(ct_tui_put(&t, w, 0, 0, 40, CT_TUI_NORMAL, s), full);
	/* 5 columns: two wide characters (4), the third would cross the edge */
	assert_int_equal(ct_tui_put(&t, w, 1, 0, 5, CT_TUI_NORMAL, s), 4);
	char row[256];
	row_text(w, 1, row, sizeof(row));
	assert_string_equal(row, "\xe6\x97\xa5\xe6\x9c\xac");
	/* an escape is drawn as its text, and clipped like any text */
	wmove(w, 2, 0);
	wclrtoeol(w);
	assert_int_equal(ct_tui_put(&t, w, 2, 0, 6, CT_TUI_NORMAL, "a\x1b" "b"), 6);
	row_text(w, 2, row, sizeof(row));
	assert_string_equal(row, "a\\x1bb");
	/* nothing outside the window */
	assert_int_equal(ct_tui_put(&t, w, 0, 39, 10, CT_TUI_NORMAL, "xyz"), 1);
	assert_int_equal(ct_tui_put(&t, w, 0, 40, 10, CT_TUI_NORMAL, "xyz"), 0);
	delwin(w);
}

static void test_roles_mean_without_colour(void **state)
{
	(void)state;
	struct ct_tui mono = {.utf8 = false, .color = false};
	/* monochrome: failures and warnings stand out, selection is reverse video */
	assert_true(ct_tui_attr(&mono, CT_TUI_FAIL) & A_BOLD);
	assert_true(ct_tui_attr(&mono, CT_TUI_SELECTED) & A_REVERSE);
	assert_int_equal(ct_tui_attr(&mono, CT_TUI_FAIL) & A_COLOR, 0);
	/* every severity has a word, in either locale, and the words differ */
	enum ct_tui_role r[] = {CT_TUI_FAIL, CT_TUI_WARN, CT_TUI_INFO, CT_TUI_OK, CT_TUI_UNKNOWN};
	struct ct_tui utf = {.utf8 = true};
	for (size_t i = 0; i < 5; i++) {
		const char *a = ct_tui_sev_word(&mono, r[i]);
		assert_true(strlen(a) > 2);
		for (const char *p = a; *p; p++)
			assert_true((unsigned char)*p < 0x80); /* LANG=C: ASCII only */
		assert_non_null(strstr(ct_tui_sev_word(&utf, r[i]), a + 2));
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(a, ct_tui_sev_word(&mono, r[j]));
	}
	assert_int_equal(ct_tui_role_hl(CT_HL_FAIL), CT_TUI_FAIL);
	assert_int_equal(ct_tui_role_hl(CT_HL_NONE), CT_TUI_NORMAL);
	/* out-of-range roles are plain text, not a read past the table */
	assert_int_equal(ct_tui_attr(&mono, (enum ct_tui_role)99), A_NORMAL);
}

static void test_open_refuses_non_terminal(void **state)
{
	(void)state;
	struct ct_tui t;
	struct ct_err err = {0};
	/* the unit runner's stdin/stdout are not a terminal (ctest, CI) */
	if (isatty(0) && isatty(1))
		skip();
	assert_int_equal(ct_tui_open(&t, CT_COLOR_AUTO, "'caltrace top -b'", &err), -1);
	assert_int_equal(err.exit_code, CT_EXIT_USAGE);
	assert_non_null(strstr(err.msg, "caltrace top -b"));
	assert_false(t.open);
	ct_tui_close(&t); /* harmless when not open, twice too */
	ct_tui_close(&t);
	assert_int_equal(ct_tui_signal(), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_escapes_controls),
		cmocka_unit_test(test_put_clips_by_columns),
		cmocka_unit_test(test_roles_mean_without_colour),
		cmocka_unit_test(test_open_refuses_non_terminal),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
