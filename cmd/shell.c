/* SPDX-License-Identifier: MIT */
/*
 * `caltrace shell`: an interactive REPL (GNU readline) over the same command table.
 *
 * Each command line runs in a forked child that calls ct_main, the dispatcher main
 * uses, with the shell's state in front of the words the user typed (-n for `use NS`,
 * -j for `set json on`, --color, --prefix), so a command's exit(), a crash or a leak
 * never reaches the shell. On a terminal the child gets its own process group and the
 * terminal's foreground while it runs: Ctrl-C stops the command, not the shell, and
 * the shell takes the terminal back and restores its modes afterwards (a curses
 * command that crashed leaves no raw terminal behind).
 *
 * Standard input not a terminal (`echo links | caltrace shell`): one command a line,
 * no prompt, no readline, no history; the exit status is the last command's.
 *
 * Completion reads ct_cmds and ct_opts_table directly (the tables the completion
 * files mirror). Values that come from the node (interface names, pod addresses,
 * BIRD's peers) are gathered in a forked child with a deadline (it is killed after
 * it), so completion never hangs, and kept for CACHE_SECONDS.
 *
 * History: $XDG_STATE_HOME/caltrace/history (default ~/.local/state/caltrace/history),
 * at most HIST_MAX lines, read with O_NOFOLLOW and written whole through
 * probes/outfile's replace mode after each line (a new 0600 file renamed over the old
 * one: a symbolic link is never followed); the folder is made 0700. A history that
 * cannot be read or written is one warning line.
 *
 * readline's callbacks take no argument: the shell's state is reached through one
 * file-local pointer (sh_cur), set while cmd_shell runs.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <readline/history.h>
#include <readline/readline.h>

#include "cmd/cmd.h"
#include "model/bgp.h"
#include "probes/bgp_gather.h"
#include "probes/gather.h"
#include "probes/netns.h"
#include "probes/outfile.h"
#include "probes/pods_exec.h"

#define HIST_MAX	  1000
#define HIST_READ_MAX	  (1 << 20) /* bytes of history read at start */
#define CACHE_SECONDS	  5
#define FETCH_DEADLINE_MS 2500 /* a completion child is killed after it */
#define BIRD_TIMEOUT_S	  1.5
#define PODS_TIMEOUT_S	  2.0 /* kubectl or crictl, killed by ct_pods_load before the deadline */
#define NODENAME_FILE	  "/var/lib/calico/nodename"

/* the shell's own verbs, for help and completion */
static const struct {
	const char *name, *args, *help;
} verbs[] = {
    {"use", "[NS]",
     "run the commands that follow in namespace NS (as -n NS); alone: back to the namespace the "
     "shell started in"},
    {"set", "[json on|off] [color auto|always|never]",
     "-j and --color for the commands that follow; alone: the current settings"},
    {"help", "[COMMAND]", "the list of commands, or one command's help"},
    {"exit", "[N]", "leave the shell (also quit and Ctrl-D)"},
    {"quit", "", "leave the shell"},
};

struct strv {
	char **v;
	size_t n, cap;
};

struct cache {
	char key[CT_PATH_LEN + 8];
	struct timespec at;
	bool valid;
	struct strv ifaces, wl_ifaces, pod_ips, pod_names, peers;
};

struct sh {
	struct ct_ctx *c;
	const char *start_ns;	  /* -n given to the shell, NULL: the namespace it runs in */
	char use_ns[CT_PATH_LEN]; /* `use NS`; "" follows start_ns */
	bool json;
	const char *color; /* NULL: not given */
	bool tty, jobctl;
	int last_rc;
	char prompt[512];
	struct termios tio;
	bool have_tio;
	char hist[PATH_MAX]; /* "" when there is none */
	bool hist_warned;
	char *line; /* a complete line from readline, not yet run */
	bool eof;
	struct cache node_cache, peer_cache;
	struct strv cands; /* the candidates of the completion in progress */
	size_t cand_i;
};

static struct sh *sh_cur; /* see the header: readline's callbacks reach the state here */
static volatile sig_atomic_t got_int, got_winch, got_term;

/* ---- small helpers */

static void strv_add(struct strv *s, const char *w)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		char **v = realloc(s->v, cap * sizeof(*v));
		if (!v)
			return;
		s->v = v;
		s->cap = cap;
	}
	char *d = strdup(w);
	if (d)
		s->v[s->n++] = d;
}

static void strv_clear(struct strv *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

static bool strv_has(const struct strv *s, const char *w)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->v[i], w))
			return true;
	return false;
}

/* a word a terminal may show as it is (completion lists print candidates raw) */
static bool printable(const char *w)
{
	for (const unsigned char *p = (const unsigned char *)w; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return false;
	return *w != 0;
}

static const char *cur_ns(const struct sh *s)
{
	if (s->use_ns[0])
		return s->use_ns;
	return s->start_ns;
}

/* ---- the node's name, for the prompt */

static void node_name(const struct sh *s, char *out, size_t len)
{
	const char *ns = cur_ns(s);
	if (ns) {
		char path[CT_PATH_LEN], name[CT_NAME_LEN];
		struct ct_err err;
		memset(&err, 0, sizeof(err));
		if (ct_netns_resolve(ns, path, sizeof(path), name, sizeof(name), &err) == 0)
			snprintf(out, len, "%s", name);
		else
			snprintf(out, len, "%s", ns);
		return;
	}
	char buf[CT_NAME_LEN] = "";
	int fd = open(NODENAME_FILE, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		ssize_t n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		buf[n > 0 ? n : 0] = 0;
		buf[strcspn(buf, "\r\n")] = 0;
	}
	if (!buf[0] && gethostname(buf, sizeof(buf) - 1) < 0)
		buf[0] = 0;
	buf[sizeof(buf) - 1] = 0;
	snprintf(out, len, "%s", buf[0] ? buf : "?");
}

static void prompt_update(struct sh *s)
{
	char raw[CT_NAME_LEN], esc[256];
	node_name(s, raw, sizeof(raw));
	snprintf(s->prompt, sizeof(s->prompt), "caltrace(%s)> ", ct_escape(raw, esc, sizeof(esc)));
}

/* ---- history */

static void hist_warn(struct sh *s, const char *what, const char *why)
{
	if (s->hist_warned)
		return;
	s->hist_warned = true;
	char esc[PATH_MAX + 64];
	fprintf(stderr, "caltrace: warning: history %s '%s': %s\n", what,
		ct_escape(s->hist, esc, sizeof(esc)), why);
}

/* mkdir -p of dir's missing folders, each 0700; the last must be a directory of ours */
static int hist_mkdirs(char *dir)
{
	for (char *p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		int r = mkdir(dir, 0700);
		*p = '/';
		if (r < 0 && errno != EEXIST)
			return -1;
	}
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return -1;
	struct stat st;
	if (lstat(dir, &st) < 0)
		return -1;
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid()) {
		errno = S_ISDIR(st.st_mode) ? EPERM : ENOTDIR;
		return -1;
	}
	return 0;
}

static void hist_path(struct sh *s)
{
	const char *st = getenv("XDG_STATE_HOME");
	const char *home = getenv("HOME");
	char dir[PATH_MAX];
	s->hist[0] = 0;
	if (st && st[0] == '/') {
		snprintf(dir, sizeof(dir), "%s/caltrace", st);
	} else {
		if (!home || home[0] != '/') {
			struct passwd *pw = getpwuid(geteuid());
			home = pw ? pw->pw_dir : NULL;
		}
		if (!home || home[0] != '/')
			return;
		snprintf(dir, sizeof(dir), "%s/.local/state/caltrace", home);
	}
	snprintf(s->hist, sizeof(s->hist), "%s/history", dir);
	if (hist_mkdirs(dir) < 0)
		hist_warn(s, "folder for", strerror(errno));
}

static void hist_load(struct sh *s)
{
	if (!s->hist[0])
		return;
	int fd = open(s->hist, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		if (errno != ENOENT)
			hist_warn(s, "not read from", strerror(errno));
		return;
	}
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		hist_warn(s, "not read from", "not a regular file");
		return;
	}
	off_t start = st.st_size > HIST_READ_MAX ? st.st_size - HIST_READ_MAX : 0;
	char *buf = malloc(HIST_READ_MAX + 1);
	ssize_t n = buf ? pread(fd, buf, HIST_READ_MAX, start) : -1;
	close(fd);
	if (n < 0) {
		free(buf);
		hist_warn(s, "not read from", strerror(errno));
		return;
	}
	buf[n] = 0;
	/* a read that starts inside the file starts inside a line: skip it; stifle_history
	 * keeps the last HIST_MAX of the others */
	char *p = buf;
	if (start)
		p = strchr(buf, '\n') ? strchr(buf, '\n') + 1 : buf + n;
	for (char *l = strtok(p, "\n"); l; l = strtok(NULL, "\n"))
		if (*l)
			add_history(l);
	free(buf);
}

static void hist_save(struct sh *s)
{
	if (!s->hist[0])
		return;
	struct ct_outfile of;
	struct ct_err err;
	memset(&err, 0, sizeof(err));
	if (ct_outfile_open(&of, s->hist, CT_OUTFILE_REPLACE, &err) < 0) {
		hist_warn(s, "not saved to", err.msg);
		return;
	}
	HIST_ENTRY **h = history_list();
	for (int i = 0; h && h[i]; i++)
		fprintf(of.f, "%s\n", h[i]->line);
	if (ct_outfile_close(&of, &err) < 0)
		hist_warn(s, "not saved to", err.msg);
}

static void hist_add(struct sh *s, const char *line)
{
	if (!s->tty || !line[0] || line[0] == ' ' || strchr(line, '\n'))
		return;
	HIST_ENTRY *last = history_length ? history_get(history_base + history_length - 1) : NULL;
	if (last && !strcmp(last->line, line))
		return;
	add_history(line);
	hist_save(s);
}

/* ---- running a command */

static void child_signals(void)
{
	static const int sigs[] = {SIGINT,   SIGQUIT, SIGTSTP, SIGTTIN, SIGTTOU,
				   SIGWINCH, SIGTERM, SIGHUP,  SIGPIPE, SIGCHLD};
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		signal(sigs[i], SIG_DFL);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

static const char *exit_meaning(int rc)
{
	switch (rc) {
	case 1:
		return "problems found";
	case 2:
		return "usage error";
	case 3:
		return "could not gather";
	}
	return "";
}

/* Runs argv (argv[0] "caltrace") in a child; returns its exit status (128+N for a
 * signal N), or 3 when it could not start. */
static int sh_run(struct sh *s, char **argv, int argc)
{
	fflush(NULL);
	struct sigaction ign = {.sa_handler = SIG_IGN}, old_int;
	sigemptyset(&ign.sa_mask);
	if (!s->jobctl)
		sigaction(SIGINT, &ign, &old_int); /* the command's Ctrl-C: the command's */
	pid_t pid = fork();
	if (pid < 0) {
		fprintf(stderr, "caltrace: cannot start the command: %s\n", strerror(errno));
		if (!s->jobctl)
			sigaction(SIGINT, &old_int, NULL);
		return CT_EXIT_GATHER;
	}
	if (pid == 0) {
		if (s->jobctl) {
			setpgid(0, 0);
			signal(SIGTTOU, SIG_IGN);
			tcsetpgrp(STDIN_FILENO, getpid());
		}
		child_signals();
		if (!s->tty) {
			/* the script's next lines are the shell's, not the command's */
			int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
			if (fd >= 0) {
				dup2(fd, STDIN_FILENO);
				close(fd);
			}
		}
		exit(ct_main(argc, argv));
	}
	if (s->jobctl) {
		setpgid(pid, pid);
		tcsetpgrp(STDIN_FILENO, pid);
	}
	int st = 0, rc;
	for (;;) {
		pid_t r = waitpid(pid, &st, WUNTRACED);
		if (r < 0 && errno == EINTR) {
			if (got_term)
				kill(s->jobctl ? -pid : pid, SIGTERM);
			continue;
		}
		if (r < 0) {
			st = CT_EXIT_GATHER << 8;
			break;
		}
		if (WIFSTOPPED(st)) { /* no job control here: it goes on in the foreground */
			kill(s->jobctl ? -pid : pid, SIGCONT);
			continue;
		}
		break;
	}
	if (s->jobctl) {
		tcsetpgrp(STDIN_FILENO, getpgrp());
		if (s->have_tio)
			tcsetattr(STDIN_FILENO, TCSADRAIN, &s->tio);
	}
	if (!s->jobctl)
		sigaction(SIGINT, &old_int, NULL);
	if (WIFEXITED(st)) {
		rc = WEXITSTATUS(st);
		if (rc && s->tty)
			fprintf(stderr, "[exit %d%s%s]\n", rc, exit_meaning(rc)[0] ? ": " : "",
				exit_meaning(rc));
	} else if (WIFSIGNALED(st)) {
		rc = 128 + WTERMSIG(st);
		if (s->tty) {
			if (WTERMSIG(st) == SIGINT)
				fprintf(stderr, "\n[interrupted]\n");
			else
				fprintf(stderr, "[killed by signal %d: %s]\n", WTERMSIG(st),
					strsignal(WTERMSIG(st)));
		}
	} else {
		rc = CT_EXIT_GATHER;
	}
	return rc;
}

/* The index of the option of long name lng in ct_opts_table */
static int opt_index(const char *lng)
{
	for (int i = 0; ct_opts_table[i].lng; i++)
		if (!strcmp(ct_opts_table[i].lng, lng))
			return i;
	return -1;
}

/* Was option lng given in the user's words? (parsed as caltrace would; a line that
 * does not parse gets nothing added: its error is the command's to tell) */
static bool user_gave(const struct ct_parsed *p, const char *lng)
{
	int i = opt_index(lng);
	return i >= 0 && p->count && p->count[i] > 0;
}

static int sh_command(struct sh *s, char **words, int n)
{
	/* "caltrace" + the shell's options + the words + NULL */
	char **argv = calloc((size_t)n + 10, sizeof(*argv));
	char **probe = calloc((size_t)n + 2, sizeof(*probe));
	if (!argv || !probe) {
		free(argv);
		free(probe);
		fprintf(stderr, "caltrace: out of memory\n");
		return CT_EXIT_GATHER;
	}
	probe[0] = "caltrace";
	memcpy(probe + 1, words, (size_t)n * sizeof(*words));
	struct ct_opts o;
	struct ct_parsed p;
	struct ct_err err;
	memset(&o, 0, sizeof(o));
	memset(&p, 0, sizeof(p));
	memset(&err, 0, sizeof(err));
	bool parsed = ct_parse_args(ct_cmds, ct_opts_table, n + 1, probe, &o, &p, &err) == 0;
	if (parsed && p.cmd && !strcmp(p.cmd->name, "shell") && !p.want_help && !p.want_version) {
		fprintf(stderr, "caltrace: already in caltrace shell\n");
		ct_parsed_free(&p);
		free(argv);
		free(probe);
		return CT_EXIT_USAGE;
	}
	int k = 0;
	argv[k++] = "caltrace";
	if (parsed) {
		const char *ns = cur_ns(s);
		if (ns && !user_gave(&p, "netns") && !user_gave(&p, "from")) {
			argv[k++] = "-n";
			argv[k++] = (char *)ns;
		}
		if (s->json && !user_gave(&p, "json"))
			argv[k++] = "-j";
		if (s->color && !user_gave(&p, "color")) {
			argv[k++] = "--color";
			argv[k++] = (char *)s->color;
		}
		if (s->c->o.pods && p.cmd && ct_cmd_takes(p.cmd, "pods") &&
		    !user_gave(&p, "pods")) {
			argv[k++] = "--pods";
			argv[k++] = (char *)s->c->o.pods;
		}
		if (s->c->o.prefix_str && !user_gave(&p, "prefix")) {
			argv[k++] = "--prefix";
			argv[k++] = (char *)s->c->o.prefix_str;
		}
	}
	ct_parsed_free(&p);
	for (int i = 0; i < n; i++)
		argv[k++] = words[i];
	argv[k] = NULL;
	int rc = sh_run(s, argv, k);
	free(argv);
	free(probe);
	return rc;
}

/* ---- the shell's verbs */

static int verb_use(struct sh *s, char **w, int n)
{
	if (n > 2) {
		fprintf(stderr,
			"caltrace: use takes one namespace (a name under %s, a path or pid:PID)\n",
			CT_NETNS_DIR);
		return CT_EXIT_USAGE;
	}
	if (n == 1) {
		s->use_ns[0] = 0;
		prompt_update(s);
		return CT_EXIT_OK;
	}
	char path[CT_PATH_LEN], name[CT_NAME_LEN];
	struct ct_err err;
	memset(&err, 0, sizeof(err));
	int fd = -1;
	if (ct_netns_resolve(w[1], path, sizeof(path), name, sizeof(name), &err) == 0)
		fd = ct_ns_open(path, name, &err);
	if (fd < 0) {
		fprintf(stderr, "caltrace: use: %s; still in the namespace before\n", err.msg);
		return err.exit_code ? err.exit_code : CT_EXIT_GATHER;
	}
	close(fd);
	snprintf(s->use_ns, sizeof(s->use_ns), "%s", w[1]);
	prompt_update(s);
	return CT_EXIT_OK;
}

static int verb_set(struct sh *s, char **w, int n)
{
	if (n == 1) {
		printf("json %s\ncolor %s\n", s->json ? "on" : "off", s->color ? s->color : "auto");
		return CT_EXIT_OK;
	}
	for (int i = 1; i < n; i += 2) {
		const char *v = i + 1 < n ? w[i + 1] : NULL;
		if (!strcmp(w[i], "json") && v && (!strcmp(v, "on") || !strcmp(v, "off"))) {
			s->json = !strcmp(v, "on");
		} else if (!strcmp(w[i], "color") && v &&
			   (!strcmp(v, "auto") || !strcmp(v, "always") || !strcmp(v, "never"))) {
			s->color = !strcmp(v, "always")	 ? "always"
				   : !strcmp(v, "never") ? "never"
							 : "auto";
		} else {
			fprintf(stderr,
				"caltrace: set takes json on|off or color auto|always|never\n");
			return CT_EXIT_USAGE;
		}
	}
	return CT_EXIT_OK;
}

static void verbs_help(FILE *f)
{
	fprintf(f, "\nshell verbs (caltrace shell):\n");
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++) {
		char left[64];
		snprintf(left, sizeof(left), "%s%s%s", verbs[i].name, verbs[i].args[0] ? " " : "",
			 verbs[i].args);
		if (strlen(left) > 22)
			fprintf(f, "  %s\n  %-22s %s\n", left, "", verbs[i].help);
		else
			fprintf(f, "  %-22s %s\n", left, verbs[i].help);
	}
	fprintf(f, "Commands run without the caltrace prefix, with the shell's namespace and\n"
		   "settings; Ctrl-C stops a running command, Tab completes.\n");
}

static int verb_help(struct sh *s, char **w, int n)
{
	if (n > 2) {
		fprintf(stderr, "caltrace: help takes one command name\n");
		return CT_EXIT_USAGE;
	}
	if (n == 1) {
		ct_usage(stdout);
		verbs_help(stdout);
		fflush(stdout);
		return CT_EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (!strcmp(w[1], verbs[i].name)) {
			printf("usage: %s%s%s\n\n%s\n", verbs[i].name, verbs[i].args[0] ? " " : "",
			       verbs[i].args, verbs[i].help);
			fflush(stdout);
			return CT_EXIT_OK;
		}
	int rc = ct_help_cmd(stdout, w[1]);
	fflush(stdout);
	return rc;
}

/* One line: 0.. the status, -1: leave with *exit_rc. */
static int sh_line(struct sh *s, const char *line, int *exit_rc)
{
	struct ct_words w;
	const char *why = NULL;
	if (ct_words_split(line, &w, false, &why) < 0) {
		fprintf(stderr, "caltrace: %s; nothing run\n", why);
		return CT_EXIT_USAGE;
	}
	char **v = w.v;
	int n = w.n;
	if (n && !strcmp(v[0], "caltrace")) { /* typed out of habit */
		v++;
		n--;
	}
	int rc = s->last_rc;
	if (!n) {
		ct_words_free(&w);
		return rc;
	}
	if (!strcmp(v[0], "exit") || !strcmp(v[0], "quit")) {
		char *end = NULL;
		long x = n == 2 ? strtol(v[1], &end, 10) : 0;
		if (n > 2 || (n == 2 && (!*v[1] || *end || x < 0 || x > 255))) {
			fprintf(stderr, "caltrace: %s takes an exit status from 0 to 255\n", v[0]);
			ct_words_free(&w);
			return CT_EXIT_USAGE;
		}
		*exit_rc = n == 2 ? (int)x : s->tty ? CT_EXIT_OK : s->last_rc;
		ct_words_free(&w);
		return -1;
	}
	if (!strcmp(v[0], "use"))
		rc = verb_use(s, v, n);
	else if (!strcmp(v[0], "set"))
		rc = verb_set(s, v, n);
	else if (!strcmp(v[0], "help"))
		rc = verb_help(s, v, n);
	else
		rc = sh_command(s, v, n);
	ct_words_free(&w);
	return rc;
}

/* ---- completion data, gathered in a child with a deadline */

static double since(const struct timespec *t)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t->tv_sec) + (double)(now.tv_nsec - t->tv_nsec) / 1e9;
}

static void put_line(int fd, char kind, const char *w)
{
	char buf[CT_PATH_LEN + 4];
	int l = snprintf(buf, sizeof(buf), "%c %s\n", kind, w);
	if (l > 0 && (size_t)l < sizeof(buf) && !strchr(w, '\n'))
		(void)!write(fd, buf, (size_t)l);
}

/* in the child: interface names (i), workload ones (w), pod addresses (a), peers (p) */
static void fetch_child(const struct sh *s, bool peers, int fd)
{
	const char *ns = cur_ns(s);
	struct ct_node node;
	struct ct_err err;
	memset(&err, 0, sizeof(err));
	ct_node_init(&node);
	const struct ct_prefixes *pfx = &s->c->o.prefixes;
	if (!peers) {
		struct ct_gather_opts go = {.netns_spec = ns,
					    .what = CT_G_LINKS | CT_G_ROUTES_WL,
					    .prefixes = pfx,
					    .proc_root = s->c->proc_root};
		if (ct_gather(&node, &go, &err) < 0 || !node.ns.n)
			return;
		const struct ct_netns *t = &node.ns.v[0];
		for (size_t i = 0; i < t->links.n; i++) {
			put_line(fd, 'i', t->links.v[i].name);
			if (ct_is_workload(pfx, t->links.v[i].name))
				put_line(fd, 'w', t->links.v[i].name);
		}
		for (size_t i = 0; i < t->routes.n; i++) {
			const struct ct_route *r = &t->routes.v[i];
			bool wl = false;
			for (size_t j = 0; j < t->links.n && !wl; j++)
				wl = t->links.v[j].ifindex == r->oif &&
				     ct_is_workload(pfx, t->links.v[j].name);
			char ip[64];
			if (wl && !r->nh_count && ct_ip_fmt(&r->dst.ip, ip, sizeof(ip)))
				put_line(fd, 'a', ip);
		}
		/* --pods: NAMESPACE/POD and the pods' addresses, on every node */
		if (s->c->o.pods && ct_pods_load(&node, s->c->o.pods, pfx->n ? pfx->list[0] : NULL,
						 PODS_TIMEOUT_S, &err) == 0) {
			for (size_t i = 0; i < node.pods.n; i++) {
				const struct ct_pod *pd = &node.pods.v[i];
				char nm[2 * CT_NAME_LEN + 2], ip[64];
				snprintf(nm, sizeof(nm), "%s/%s", pd->ns, pd->name);
				put_line(fd, 'n', nm);
				for (int j = 0; j < pd->n_ips && j < 4; j++)
					if (ct_ip_fmt(&pd->ips[j], ip, sizeof(ip)))
						put_line(fd, 'a', ip);
			}
		}
	} else {
		struct ct_bgp_gather_opts bo = {.netns_spec = ns,
						.socket = s->c->o.bird_socket,
						.proc_root = s->c->proc_root,
						.timeout_s = BIRD_TIMEOUT_S};
		ct_bgp_gather(&node, &bo, &err);
		for (size_t i = 0; node.bgp && i < node.bgp->n_peers; i++)
			if (!strcmp(node.bgp->peers[i].proto, "BGP"))
				put_line(fd, 'p', node.bgp->peers[i].name);
	}
	ct_node_free(&node);
}

static void cache_fill(struct sh *s, struct cache *c, bool peers)
{
	char key[sizeof(c->key)];
	snprintf(key, sizeof(key), "%s", cur_ns(s) ? cur_ns(s) : "");
	if (c->valid && !strcmp(c->key, key) && since(&c->at) < CACHE_SECONDS)
		return;
	strv_clear(&c->ifaces);
	strv_clear(&c->wl_ifaces);
	strv_clear(&c->pod_ips);
	strv_clear(&c->pod_names);
	strv_clear(&c->peers);
	snprintf(c->key, sizeof(c->key), "%s", key);
	clock_gettime(CLOCK_MONOTONIC, &c->at);
	c->valid = true;
	int pfd[2];
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return;
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return;
	}
	if (pid == 0) {
		close(pfd[0]);
		child_signals();
		signal(SIGINT, SIG_IGN);
		int dn = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (dn >= 0) { /* nothing of it may reach the screen */
			dup2(dn, STDIN_FILENO);
			dup2(dn, STDOUT_FILENO);
			dup2(dn, STDERR_FILENO);
		}
		fetch_child(s, peers, pfd[1]);
		_exit(0);
	}
	close(pfd[1]);
	char *buf = NULL;
	size_t len = 0, cap = 0;
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		int left = FETCH_DEADLINE_MS - (int)(since(&t0) * 1000);
		if (left <= 0)
			break;
		struct pollfd p = {.fd = pfd[0], .events = POLLIN};
		int r = poll(&p, 1, left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		if (len + 4096 + 1 > cap) {
			size_t nc = cap ? cap * 2 : 8192;
			char *nb = nc <= (1u << 24) ? realloc(buf, nc) : NULL;
			if (!nb)
				break;
			buf = nb;
			cap = nc;
		}
		ssize_t n = read(pfd[0], buf + len, 4096);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(pfd[0]);
	kill(pid, SIGKILL); /* finished or not: it is done */
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	if (!buf)
		return;
	buf[len] = 0;
	/* only whole lines: a child killed in the middle of one leaves it out */
	char *end = strrchr(buf, '\n');
	if (end)
		end[1] = 0;
	else
		buf[0] = 0;
	for (char *l = strtok(buf, "\n"); l; l = strtok(NULL, "\n")) {
		if (strlen(l) < 3 || l[1] != ' ' || !printable(l + 2))
			continue;
		struct strv *d = l[0] == 'i'   ? &c->ifaces
				 : l[0] == 'w' ? &c->wl_ifaces
				 : l[0] == 'a' ? &c->pod_ips
				 : l[0] == 'n' ? &c->pod_names
				 : l[0] == 'p' ? &c->peers
					       : NULL;
		if (d && !strv_has(d, l + 2))
			strv_add(d, l + 2);
	}
	free(buf);
}

static void add_netns(struct strv *out)
{
	DIR *d = opendir(CT_NETNS_DIR);
	if (!d)
		return;
	for (struct dirent *e; (e = readdir(d));)
		if (e->d_name[0] != '.' && printable(e->d_name))
			strv_add(out, e->d_name);
	closedir(d);
}

static void add_all(struct strv *out, const struct strv *in)
{
	for (size_t i = 0; i < in->n; i++)
		strv_add(out, in->v[i]);
}

static void add_words(struct strv *out, const char *const *w)
{
	for (; *w; w++)
		strv_add(out, *w);
}

static void add_commands(struct strv *out, bool with_verbs)
{
	for (const struct ct_cmd *c = ct_cmds; c->name; c++)
		if (strcmp(c->name, "shell"))
			strv_add(out, c->name);
	for (size_t i = 0; with_verbs && i < sizeof(verbs) / sizeof(verbs[0]); i++)
		strv_add(out, verbs[i].name);
}

/* values of option x; false: file names (readline's own completion) */
static bool add_values(struct sh *s, const struct ct_opt *x, struct strv *out)
{
	const char *k = x->complete ? x->complete : "";
	if (!strcmp(k, "netns")) {
		add_netns(out);
	} else if (!strcmp(k, "color")) {
		add_words(out, (const char *const[]){"auto", "always", "never", NULL});
	} else if (!strcmp(k, "proto")) {
		add_words(out, (const char *const[]){"icmp", "tcp", "udp", NULL});
	} else if (!strcmp(k, "pods")) {
		add_words(out, (const char *const[]){"kubectl", "crictl", "-", NULL});
		return false;
	} else if (!strcmp(k, "iface")) {
		strv_add(out, "any");
		cache_fill(s, &s->node_cache, false);
		add_all(out, &s->node_cache.ifaces);
	} else if (!strcmp(k, "file")) {
		return false;
	}
	return true;
}

static char *cand_gen(const char *text, int state)
{
	struct sh *s = sh_cur;
	if (!state)
		s->cand_i = 0;
	size_t l = strlen(text);
	while (s->cand_i < s->cands.n) {
		const char *c = s->cands.v[s->cand_i++];
		if (!strncmp(c, text, l))
			return strdup(c);
	}
	return NULL;
}

static const struct ct_opt *opt_by_word(const char *w, bool *takes_value_next)
{
	*takes_value_next = false;
	if (w[0] != '-' || !w[1])
		return NULL;
	if (w[1] == '-') {
		size_t l = strcspn(w + 2, "=");
		for (const struct ct_opt *x = ct_opts_table; x->lng; x++)
			if (strlen(x->lng) == l && !strncmp(x->lng, w + 2, l)) {
				*takes_value_next = x->arg && !w[2 + l];
				return x;
			}
		return NULL;
	}
	/* a cluster of short options: the first one with a value ends it */
	for (const char *p = w + 1; *p; p++)
		for (const struct ct_opt *x = ct_opts_table; x->lng; x++)
			if (x->id == (unsigned char)*p) {
				if (x->arg) {
					*takes_value_next = !p[1];
					return x;
				}
				break;
			}
	return NULL;
}

static char **sh_complete(const char *text, int start, int end)
{
	struct sh *s = sh_cur;
	(void)end;
	rl_attempted_completion_over = 1;
	strv_clear(&s->cands);
	char *before = strndup(rl_line_buffer, (size_t)start);
	struct ct_words w;
	const char *why;
	if (!before || ct_words_split(before, &w, true, &why) < 0) {
		free(before);
		return NULL;
	}
	/* an open quote before the cursor: the word being completed is inside it */
	bool eq = start > 0 && rl_line_buffer[start - 1] == '=';
	char **v = w.v;
	int n = w.n;
	if (n && !strcmp(v[0], "caltrace")) {
		v++;
		n--;
	}
	/* with "--opt=", the last word is "--opt=" (readline breaks at '=') */
	const struct ct_opt *expect = NULL;
	const struct ct_cmd *cmd = NULL;
	const char *verb = NULL;
	int nargs = 0;
	const char *arg1 = NULL;
	bool dashdash = false;
	for (int i = 0; i < n; i++) {
		bool last = i == n - 1;
		if (expect) {
			expect = NULL;
			continue;
		}
		bool next = false;
		const struct ct_opt *x = !dashdash ? opt_by_word(v[i], &next) : NULL;
		if (!dashdash && !strcmp(v[i], "--")) {
			dashdash = true;
			continue;
		}
		if (!dashdash && v[i][0] == '-') {
			if (x && (next || (last && eq)))
				expect = x;
			continue;
		}
		if (!cmd && !verb) {
			cmd = ct_cmd_find(v[i]);
			for (size_t k = 0; !cmd && k < sizeof(verbs) / sizeof(verbs[0]); k++)
				if (!strcmp(v[i], verbs[k].name))
					verb = verbs[k].name;
			if (!cmd && !verb)
				verb = "?"; /* unknown: nothing to offer after it */
			continue;
		}
		if (!nargs++)
			arg1 = v[i];
	}
	bool complete = true;
	if (expect) {
		complete = add_values(s, expect, &s->cands);
		if (!complete)
			rl_attempted_completion_over = 0;
	} else if (!dashdash && text[0] == '-' && (!verb)) {
		for (const struct ct_opt *x = ct_opts_table; x->lng; x++) {
			bool any = false;
			for (const struct ct_cmd *k = ct_cmds; !cmd && k->name && !any; k++)
				any = ct_cmd_takes(k, x->lng);
			if (cmd ? !ct_cmd_takes(cmd, x->lng) : !any)
				continue;
			char o[64];
			snprintf(o, sizeof(o), "--%s", x->lng);
			strv_add(&s->cands, o);
			if (x->id < 256) {
				snprintf(o, sizeof(o), "-%c", x->id);
				strv_add(&s->cands, o);
			}
		}
	} else if (!cmd && !verb) {
		add_commands(&s->cands, true);
	} else if (verb) {
		if (!strcmp(verb, "use") && nargs == 0) {
			add_netns(&s->cands);
		} else if (!strcmp(verb, "help") && nargs == 0) {
			add_commands(&s->cands, true);
		} else if (!strcmp(verb, "set")) {
			if (nargs % 2 == 0)
				add_words(&s->cands, (const char *const[]){"json", "color", NULL});
			else if (!strcmp(v[n - 1], "json"))
				add_words(&s->cands, (const char *const[]){"on", "off", NULL});
			else if (!strcmp(v[n - 1], "color"))
				add_words(&s->cands,
					  (const char *const[]){"auto", "always", "never", NULL});
		}
	} else {
		const char *k = cmd->complete ? cmd->complete : "";
		if (!strcmp(k, "iface") && (!strcmp(cmd->name, "links") || nargs == 0)) {
			cache_fill(s, &s->node_cache, false);
			if (!strcmp(cmd->name, "links") && s->node_cache.wl_ifaces.n)
				add_all(&s->cands, &s->node_cache.wl_ifaces);
			else
				add_all(&s->cands, &s->node_cache.ifaces);
		} else if (!strcmp(k, "peer") &&
			   (nargs == 0 || (nargs == 1 && !strcmp(arg1, "routes")))) {
			if (nargs == 0)
				strv_add(&s->cands, "routes");
			cache_fill(s, &s->peer_cache, true);
			add_all(&s->cands, &s->peer_cache.peers);
		} else if (!strcmp(k, "pod") && (strcmp(cmd->name, "path") || nargs < 2)) {
			/* path: NAMESPACE/POD (with --pods) and addresses; veth-name: the names */
			cache_fill(s, &s->node_cache, false);
			add_all(&s->cands, &s->node_cache.pod_names);
			if (!strcmp(cmd->name, "path"))
				add_all(&s->cands, &s->node_cache.pod_ips);
		} else if (!strcmp(k, "command") && nargs == 0) {
			add_commands(&s->cands, false);
		}
	}
	ct_words_free(&w);
	free(before);
	if (!complete && !s->cands.n)
		return NULL;
	char **m = rl_completion_matches(text, cand_gen);
	if (!m && !complete)
		rl_attempted_completion_over = 0;
	return m;
}

/* ---- the loops */

static void on_signal(int sig)
{
	if (sig == SIGINT)
		got_int = 1;
	else if (sig == SIGWINCH)
		got_winch = 1;
	else
		got_term = sig;
}

static void on_line(char *line)
{
	struct sh *s = sh_cur;
	if (!line) {
		s->eof = true;
		return;
	}
	free(s->line);
	s->line = line;
	rl_callback_handler_remove(); /* the command gets the terminal as it was */
}

static int loop_tty(struct sh *s)
{
	struct sigaction sa = {.sa_handler = on_signal}; /* no SA_RESTART: ppoll returns */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGWINCH, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGTTOU, SIG_IGN); /* taking the terminal back from a command */
	signal(SIGTSTP, SIG_IGN);
	sigset_t block, orig;
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGWINCH);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigprocmask(SIG_BLOCK, &block, &orig);

	rl_readline_name = "caltrace";
	rl_catch_signals = 0;
	rl_catch_sigwinch = 0;
	rl_attempted_completion_function = sh_complete;
	rl_completer_word_break_characters = " \t\n\"'=";
	rl_completer_quote_characters = "'\"";
	rl_callback_handler_install(s->prompt, on_line);
	int exit_rc = CT_EXIT_OK;
	for (;;) {
		if (got_term)
			break;
		if (got_winch) {
			got_winch = 0;
			rl_resize_terminal();
		}
		if (got_int) { /* Ctrl-C at the prompt: a new, empty line, as bash does */
			got_int = 0;
			rl_free_line_state();
			rl_callback_sigcleanup();
			rl_replace_line("", 0);
			rl_point = rl_end = 0;
			fputs("^C\n", rl_outstream ? rl_outstream : stdout);
			rl_on_new_line();
			rl_redisplay();
		}
		if (s->eof) {
			fputc('\n', stdout);
			break;
		}
		if (s->line) {
			char *line = s->line;
			s->line = NULL;
			sigprocmask(SIG_SETMASK, &orig, NULL);
			hist_add(s, line);
			int rc = sh_line(s, line, &exit_rc);
			free(line);
			sigprocmask(SIG_BLOCK, &block, NULL);
			if (rc < 0)
				break;
			s->last_rc = rc;
			got_int = 0; /* a Ctrl-C meant for the command */
			rl_callback_handler_install(s->prompt, on_line);
			continue;
		}
		struct pollfd p = {.fd = STDIN_FILENO, .events = POLLIN};
		int r = ppoll(&p, 1, NULL, &orig);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 || (p.revents & (POLLERR | POLLNVAL))) {
			s->eof = true;
			continue;
		}
		if (p.revents & (POLLIN | POLLHUP))
			rl_callback_read_char();
	}
	rl_callback_handler_remove();
	if (s->have_tio)
		tcsetattr(STDIN_FILENO, TCSADRAIN, &s->tio);
	sigprocmask(SIG_SETMASK, &orig, NULL);
	if (got_term) {
		signal(got_term, SIG_DFL);
		raise(got_term);
	}
	return exit_rc;
}

static int loop_pipe(struct sh *s)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int exit_rc = -1;
	while ((n = getline(&line, &cap, stdin)) >= 0) {
		if (n && line[n - 1] == '\n')
			line[n - 1] = 0;
		int rc = sh_line(s, line, &exit_rc);
		if (rc < 0)
			break;
		s->last_rc = rc;
		if (ferror(stdout)) /* the shell's own output failed: main says why, exit 3 */
			break;
	}
	free(line);
	return exit_rc >= 0 ? exit_rc : s->last_rc;
}

int cmd_shell(struct ct_ctx *c)
{
	if (c->o.argc) {
		fprintf(stderr,
			"caltrace: shell takes no arguments; type commands at its prompt\n");
		return CT_EXIT_USAGE;
	}
	if (c->o.pods && !strcmp(c->o.pods, "-")) {
		fprintf(stderr, "caltrace: shell --pods takes kubectl, crictl or a file; its "
				"standard input is its commands\n");
		return CT_EXIT_USAGE;
	}
	struct sh s;
	memset(&s, 0, sizeof(s));
	s.c = c;
	s.start_ns = c->o.netns;
	s.json = c->o.json;
	if (c->o.color == CT_COLOR_ALWAYS)
		s.color = "always";
	else if (c->o.color == CT_COLOR_NEVER)
		s.color = "never";
	if (s.start_ns) { /* as `use` would: a namespace that does not exist ends it here */
		char path[CT_PATH_LEN], name[CT_NAME_LEN];
		int fd = -1;
		if (ct_netns_resolve(s.start_ns, path, sizeof(path), name, sizeof(name), &c->err) ==
		    0)
			fd = ct_ns_open(path, name, &c->err);
		if (fd < 0)
			return ct_report_err(c);
		close(fd);
	}
	s.tty = isatty(STDIN_FILENO);
	sh_cur = &s;
	int rc;
	if (!s.tty) {
		rc = loop_pipe(&s);
	} else {
		s.have_tio = tcgetattr(STDIN_FILENO, &s.tio) == 0;
		s.jobctl = s.have_tio && tcgetpgrp(STDIN_FILENO) == getpgrp();
		prompt_update(&s);
		hist_path(&s);
		using_history();
		stifle_history(HIST_MAX);
		hist_load(&s);
		rc = loop_tty(&s);
	}
	strv_clear(&s.cands);
	for (int i = 0; i < 2; i++) {
		struct cache *k = i ? &s.peer_cache : &s.node_cache;
		strv_clear(&k->ifaces);
		strv_clear(&k->wl_ifaces);
		strv_clear(&k->pod_ips);
		strv_clear(&k->pod_names);
		strv_clear(&k->peers);
	}
	free(s.line);
	clear_history();
	sh_cur = NULL;
	return rc;
}
