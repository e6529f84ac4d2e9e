/* SPDX-License-Identifier: MIT */
/* The shared curses layer: see tui.h. */
#include "render/tui.h"

#include <errno.h>
#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <wchar.h>

#include <term.h>

#include "model/esc.h"

/* ---- what the signal handlers use: set at open, read-only afterwards ---- */
static struct termios saved_tio;
static volatile sig_atomic_t have_tio;
static volatile sig_atomic_t stop_sig;
static char reset_seq[256]; /* leave the alternate screen, show the cursor, plain text */
static size_t reset_len;

static const int stop_sigs[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT};
static const int crash_sigs[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
#define NSTOP (sizeof(stop_sigs) / sizeof(stop_sigs[0]))
#define NCRASH (sizeof(crash_sigs) / sizeof(crash_sigs[0]))
static struct sigaction old_stop[NSTOP], old_crash[NCRASH];
static bool handlers_set;

static void on_stop(int sig) { stop_sig = sig; }

static void on_crash(int sig)
{
	/* only async-signal-safe calls: write(2), tcsetattr(3), raise(3) */
	if (reset_len) {
		ssize_t w = write(STDOUT_FILENO, reset_seq, reset_len);
		(void)w;
	}
	if (have_tio)
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_tio);
	/* SA_RESETHAND put the default action back: the re-raised signal ends the
	 * process (and dumps core) once this handler returns */
	raise(sig);
}

static void add_seq(const char *cap)
{
	char *s = tigetstr((char *)cap);
	if (!s || s == (char *)-1)
		return;
	size_t n = strlen(s);
	if (reset_len + n >= sizeof(reset_seq))
		return;
	memcpy(reset_seq + reset_len, s, n);
	reset_len += n;
}

int ct_tui_signal(void) { return stop_sig; }

void ct_tui_reraise(void)
{
	int sig = stop_sig;
	if (!sig)
		return;
	signal(sig, SIG_DFL);
	sigset_t m;
	sigemptyset(&m);
	sigaddset(&m, sig);
	sigprocmask(SIG_UNBLOCK, &m, NULL);
	raise(sig);
}

/* ---- colours: the one table ---- */
struct role_def {
	short fg, bg; /* colour pair; -1 default */
	attr_t mono;  /* the monochrome stand-in, also added in colour */
};

static const struct role_def roles[CT_TUI_NROLES] = {
	[CT_TUI_NORMAL] = {-1, -1, A_NORMAL},
	[CT_TUI_OK] = {COLOR_GREEN, -1, A_NORMAL},
	[CT_TUI_INFO] = {COLOR_CYAN, -1, A_NORMAL},
	[CT_TUI_WARN] = {COLOR_YELLOW, -1, A_BOLD},
	[CT_TUI_FAIL] = {COLOR_RED, -1, A_BOLD},
	[CT_TUI_UNKNOWN] = {COLOR_MAGENTA, -1, A_NORMAL},
	[CT_TUI_DIM] = {-1, -1, A_DIM},
	[CT_TUI_TITLE] = {COLOR_WHITE, COLOR_BLUE, A_BOLD},
	[CT_TUI_SELECTED] = {-1, -1, A_REVERSE},
	[CT_TUI_ACTIVE] = {COLOR_BLACK, COLOR_GREEN, A_STANDOUT},
};

attr_t ct_tui_attr(const struct ct_tui *t, enum ct_tui_role r)
{
	if ((int)r < 0 || r >= CT_TUI_NROLES)
		r = CT_TUI_NORMAL;
	attr_t a = roles[r].mono;
	if (t && t->color && r != CT_TUI_NORMAL && (roles[r].fg >= 0 || roles[r].bg >= 0))
		a |= COLOR_PAIR((short)r);
	return a;
}

enum ct_tui_role ct_tui_role_hl(enum ct_hl hl)
{
	switch (hl) {
	case CT_HL_FAIL: return CT_TUI_FAIL;
	case CT_HL_WARN: return CT_TUI_WARN;
	case CT_HL_INFO: return CT_TUI_INFO;
	case CT_HL_OK: return CT_TUI_OK;
	case CT_HL_DIM: return CT_TUI_DIM;
	default: return CT_TUI_NORMAL;
	}
}

const char *ct_tui_sev_word(const struct ct_tui *t, enum ct_tui_role r)
{
	bool u = t && t->utf8;
	switch (r) {
	case CT_TUI_FAIL: return u ? "\u2716 fail" : "X fail";
	case CT_TUI_WARN: return u ? "\u25b2 warn" : "! warn";
	case CT_TUI_INFO: return u ? "\u25cf info" : "i info";
	case CT_TUI_OK: return u ? "\u2714 ok" : "+ ok";
	case CT_TUI_UNKNOWN: return "? unknown";
	default: return "";
	}
}

/* ---- text ---- */
char *ct_tui_text(const struct ct_tui *t, char *out, size_t outlen, const char *in)
{
	if (!outlen)
		return out;
	ct_esc_str(out, outlen, in ? in : "");
	if (t && t->utf8)
		return out;
	/* a non-UTF-8 locale: the escaped text's UTF-8 bytes as \xNN as well */
	size_t n = strlen(out), extra = 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)out[i] >= 0x80)
			extra += 3;
	if (!extra)
		return out;
	static const char hx[] = "0123456789abcdef";
	char tmp[1024];
	size_t o = 0;
	for (size_t i = 0; i < n && o + 5 < sizeof(tmp) && o + 5 < outlen; i++) {
		unsigned char c = (unsigned char)out[i];
		if (c >= 0x80) {
			tmp[o++] = '\\';
			tmp[o++] = 'x';
			tmp[o++] = hx[c >> 4];
			tmp[o++] = hx[c & 15];
		} else {
			tmp[o++] = (char)c;
		}
	}
	tmp[o] = '\0';
	memcpy(out, tmp, o + 1);
	return out;
}

/* draws s (displayable already) clipped to maxw columns */
static int put_clipped(const struct ct_tui *t, WINDOW *w, int y, int x, int maxw,
		       enum ct_tui_role r, const char *s)
{
	if (!w || maxw <= 0 || y < 0 || x < 0)
		return 0;
	int wmax = getmaxx(w) - x;
	if (maxw > wmax)
		maxw = wmax;
	if (maxw <= 0)
		return 0;
	size_t n = strlen(s), bytes = 0;
	int cols = 0;
	mbstate_t st;
	memset(&st, 0, sizeof(st));
	while (bytes < n) {
		wchar_t wc;
		size_t k = t && t->utf8 ? mbrtowc(&wc, s + bytes, n - bytes, &st) : 1;
		if (k == (size_t)-1 || k == (size_t)-2 || k == 0) {
			k = 1;
			wc = '?';
			memset(&st, 0, sizeof(st));
		}
		int cw = t && t->utf8 ? wcwidth(wc) : 1;
		if (cw < 0)
			cw = 1;
		if (cols + cw > maxw)
			break;
		cols += cw;
		bytes += k;
	}
	attr_t a = ct_tui_attr(t, r);
	wattron(w, a);
	mvwaddnstr(w, y, x, s, (int)bytes);
	wattroff(w, a);
	return cols;
}

int ct_tui_put(const struct ct_tui *t, WINDOW *w, int y, int x, int maxw, enum ct_tui_role r,
	       const char *s)
{
	char buf[1024];
	return put_clipped(t, w, y, x, maxw, r, ct_tui_text(t, buf, sizeof(buf), s));
}

int ct_tui_putl(const struct ct_tui *t, WINDOW *w, int y, int x, int maxw, enum ct_tui_role r,
		const char *s)
{
	return put_clipped(t, w, y, x, maxw, r, s ? s : "");
}

bool ct_tui_fits(struct ct_tui *t, int min_rows, int min_cols)
{
	getmaxyx(stdscr, t->rows, t->cols);
	if (t->rows >= min_rows && t->cols >= min_cols)
		return true;
	char msg[128];
	snprintf(msg, sizeof(msg), "terminal too small: %dx%d needed, %dx%d here", min_cols,
		 min_rows, t->cols, t->rows);
	erase();
	int len = (int)strlen(msg);
	int x = t->cols > len ? (t->cols - len) / 2 : 0;
	ct_tui_putl(t, stdscr, t->rows / 2, x, t->cols, CT_TUI_WARN, msg);
	refresh();
	return false;
}

/* ---- set-up ---- */
int ct_tui_open(struct ct_tui *t, enum ct_color_mode mode, const char *batch_hint,
		struct ct_err *err)
{
	memset(t, 0, sizeof(*t));
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
		return ct_err_set(err, CT_EXIT_USAGE,
				  "standard input and output must be a terminal for the full screen%s%s",
				  batch_hint ? "; use " : "", batch_hint ? batch_hint : "");
	setlocale(LC_ALL, "");
	const char *cs = nl_langinfo(CODESET);
	t->utf8 = cs && strcmp(cs, "UTF-8") == 0;

	if (tcgetattr(STDIN_FILENO, &saved_tio) == 0)
		have_tio = 1;
	stop_sig = 0;
	/* ours before initscr: ncurses leaves handlers alone that are not SIG_DFL */
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_stop;
	for (size_t i = 0; i < NSTOP; i++)
		sigaction(stop_sigs[i], &sa, &old_stop[i]);
	sa.sa_handler = on_crash;
	sa.sa_flags = (int)SA_RESETHAND | SA_NODEFER;
	for (size_t i = 0; i < NCRASH; i++)
		sigaction(crash_sigs[i], &sa, &old_crash[i]);
	handlers_set = true;

	const char *term = getenv("TERM");
	SCREEN *scr = newterm(term && *term ? term : "dumb", stdout, stdin);
	if (!scr) {
		ct_tui_close(t);
		return ct_err_set(err, CT_EXIT_USAGE,
				  "terminal type '%s' is not known to terminfo; set TERM (e.g. TERM=xterm)%s%s",
				  term ? term : "", batch_hint ? " or use " : "",
				  batch_hint ? batch_hint : "");
	}
	set_term(scr);
	t->open = true;
	reset_len = 0;
	add_seq("rmcup");
	add_seq("cnorm");
	add_seq("sgr0");
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	const char *nc = getenv("NO_COLOR");
	bool want = mode != CT_COLOR_NEVER && !(nc && *nc && mode != CT_COLOR_ALWAYS);
	if (want && has_colors() && start_color() == OK) {
		use_default_colors();
		t->color = true;
		for (int r = 1; r < CT_TUI_NROLES; r++)
			if (roles[r].fg >= 0 || roles[r].bg >= 0)
				init_pair((short)r, roles[r].fg, roles[r].bg);
	}
	getmaxyx(stdscr, t->rows, t->cols);
	return 0;
}

void ct_tui_close(struct ct_tui *t)
{
	if (t->open) {
		curs_set(1);
		endwin();
		t->open = false;
	}
	if (have_tio)
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_tio);
	have_tio = 0;
	reset_len = 0;
	if (handlers_set) {
		for (size_t i = 0; i < NCRASH; i++)
			sigaction(crash_sigs[i], &old_crash[i], NULL);
		for (size_t i = 0; i < NSTOP; i++)
			sigaction(stop_sigs[i], &old_stop[i], NULL);
		handlers_set = false;
	}
}

int ct_tui_fd(const struct ct_tui *t)
{
	(void)t;
	return STDIN_FILENO;
}

int ct_tui_key(struct ct_tui *t)
{
	wint_t wc;
	int r = get_wch(&wc);
	if (r == ERR)
		return -1;
	if (r == KEY_CODE_YES) {
		if (wc == KEY_RESIZE)
			getmaxyx(stdscr, t->rows, t->cols);
		return CT_TUI_KEY((int)wc);
	}
	return (int)wc;
}
