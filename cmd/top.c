/* SPDX-License-Identifier: MIT */
/* caltrace top: the live dashboard (curses), or -b: one frame of the panes per tick. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "analysis/top.h"
#include "cmd/cmd.h"
#include "probes/gather.h"
#include "probes/pods_exec.h"
#include "probes/top.h"
#include "render/tui_top.h"
#include "render/views_top.h"

static volatile sig_atomic_t stop_sig;

static void on_stop(int sig)
{
	stop_sig = sig;
}

/* Writes one frame to standard output: text, or one JSON line. 0 or an errno. */
static int put_frame(struct ct_ctx *c, const struct ct_top_frame *fr)
{
	struct ct_out o;
	if (!c->o.json) {
		if (ct_out_init(&o, stdout, false, c->o.color) < 0)
			return ENOMEM;
		ct_views_top(&o, fr);
		ct_out_free(&o);
		if (!o.err)
			fputc('\n', stdout);
		if (!o.err && fflush(stdout) != 0)
			o.err = errno;
		return o.err;
	}
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	if (!m)
		return errno;
	if (ct_out_init(&o, m, true, CT_COLOR_NEVER) < 0) {
		fclose(m);
		free(buf);
		return ENOMEM;
	}
	ct_views_top(&o, fr);
	ct_out_free(&o);
	fclose(m);
	ct_top_json_compact(buf, &len);
	int e = 0;
	if (fwrite(buf, 1, len, stdout) != len || fputc('\n', stdout) == EOF || fflush(stdout) != 0)
		e = errno ? errno : EIO;
	free(buf);
	return e;
}

/* Hands the terminal to `caltrace path SRC DST --tui` (the same binary) and takes it back. */
static void run_path(struct ct_ctx *c, struct ct_top_ui *u, const char *netns, const char *arg)
{
	char a[128] = "", b[128] = "";
	if (sscanf(arg, "%127s %127s", a, b) != 2)
		return;
	def_prog_mode();
	endwin();
	struct sigaction ign, old_int, old_quit;
	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	sigaction(SIGINT, &ign, &old_int); /* Ctrl-C is the child's */
	sigaction(SIGQUIT, &ign, &old_quit);
	pid_t pid = fork();
	if (pid == 0) {
		signal(SIGINT, SIG_DFL);
		signal(SIGQUIT, SIG_DFL);
		char *argv[12];
		int k = 0;
		argv[k++] = "caltrace";
		if (netns) {
			argv[k++] = "-n";
			argv[k++] = (char *)netns;
		}
		if (c->o.prefix_str) {
			argv[k++] = "--prefix";
			argv[k++] = (char *)c->o.prefix_str;
		}
		argv[k++] = "path";
		argv[k++] = a;
		argv[k++] = b;
		argv[k++] = "--tui";
		argv[k] = NULL;
		execv("/proc/self/exe", argv);
		_exit(127);
	}
	int st = 0;
	if (pid > 0)
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGQUIT, &old_quit, NULL);
	reset_prog_mode();
	refresh();
	ct_top_ui_invalidate(u);
	if (pid < 0)
		snprintf(u->msg, sizeof(u->msg), "path: fork: %s", strerror(errno));
	else if (WIFEXITED(st) && WEXITSTATUS(st) == 127)
		snprintf(u->msg, sizeof(u->msg), "path: could not run caltrace");
	else if (WIFEXITED(st) && WEXITSTATUS(st) == 2)
		snprintf(u->msg, sizeof(u->msg),
			 "path %s %s --tui: usage error (see caltrace help path)", a, b);
}

static int top_tui_frozen(struct ct_ctx *c, struct ct_top_frame *fr)
{
	struct ct_top_ui *u = calloc(1, sizeof(*u));
	if (!u) {
		ct_err_set(&c->err, CT_EXIT_GATHER, "out of memory");
		return ct_report_err(c);
	}
	if (ct_top_ui_open(u, c->o.color, &c->err) < 0) {
		free(u);
		return ct_report_err(c);
	}
	bool draw = true, quit = false;
	while (!quit && !ct_tui_signal()) {
		if (draw)
			ct_top_ui_draw(u, fr);
		draw = false;
		struct pollfd pfd = {.fd = ct_tui_fd(&u->t), .events = POLLIN};
		if (poll(&pfd, 1, -1) < 0 && errno != EINTR)
			break;
		int k;
		char arg[256];
		while ((k = ct_tui_key(&u->t)) != -1) {
			enum ct_top_act a = ct_top_ui_key(u, k, fr, arg, sizeof(arg));
			if (a == CT_TOP_ACT_QUIT)
				quit = true;
			else if (a == CT_TOP_ACT_USE)
				snprintf(u->msg, sizeof(u->msg),
					 "a snapshot: run caltrace --from FILE -n NS top");
			else if (a == CT_TOP_ACT_PATH)
				run_path(c, u, c->o.netns, arg);
			draw = draw || a != CT_TOP_ACT_NONE;
		}
	}
	ct_top_ui_close(u);
	free(u);
	ct_tui_reraise();
	return CT_EXIT_OK;
}

/* The live dashboard: the engine's fds and the keyboard in one poll loop. While paused,
 * nothing is read (the frame's pointers into the model stay valid); events queue in the
 * kernel meanwhile, and a resync follows if they overflowed. */
static int top_tui(struct ct_ctx *c, struct ct_top_src **sp, struct ct_top_opts *to)
{
	struct ct_top_src *s = *sp;
	struct ct_top_ui *u = calloc(1, sizeof(*u));
	if (!u) {
		ct_err_set(&c->err, CT_EXIT_GATHER, "out of memory");
		return ct_report_err(c);
	}
	if (ct_top_ui_open(u, c->o.color, &c->err) < 0) {
		free(u);
		return ct_report_err(c);
	}
	struct ct_top_frame fr;
	bool have = false, need = true, draw = true, quit = false;
	struct ct_err err = {0};
	char *use_ns = NULL; /* the namespace of the last :use (the engine's o points to it) */
	while (!quit && !ct_tui_signal()) {
		if (!u->paused && ct_top_due(s)) {
			char wl[CT_IFNAMSIZ];
			ct_top_set_focus(s, have && ct_top_ui_selected_wl(u, &fr, wl, sizeof(wl))
						? wl
						: NULL);
			ct_top_tick(s, &err);
			need = true;
		}
		if (need) {
			if (have)
				ct_top_frame_free(&fr);
			have = ct_top_frame(s, &fr) == 0;
			need = false;
			draw = true;
		}
		if (draw && have)
			ct_top_ui_draw(u, &fr);
		draw = false;
		/* after the screen shows the change: the findings come on the next draw */
		if (!u->paused && have && ct_top_update_findings(s, false) > 0) {
			need = true;
			continue;
		}
		struct pollfd pfd[CT_TOP_MAXFDS + 1];
		size_t n = u->paused ? 0 : ct_top_fds(s, pfd);
		pfd[n] = (struct pollfd){.fd = ct_tui_fd(&u->t), .events = POLLIN};
		int r = poll(pfd, n + 1, u->paused ? -1 : ct_top_timeout_ms(s));
		if (r < 0 && errno != EINTR)
			break;
		int k;
		char arg[256];
		while (have && (k = ct_tui_key(&u->t)) != -1) {
			enum ct_top_act a = ct_top_ui_key(u, k, &fr, arg, sizeof(arg));
			if (a == CT_TOP_ACT_QUIT) {
				quit = true;
				break;
			}
			if (a == CT_TOP_ACT_USE) {
				struct ct_top_src *ns = calloc(1, sizeof(*ns));
				struct ct_err e2 = {0};
				char *spec = strdup(arg);
				struct ct_top_opts o2 = *to;
				o2.netns_spec = spec;
				/* another namespace has its own BIRD: found there, not
				 * --bird-socket's */
				o2.bird_socket = NULL;
				if (ns && spec && ct_top_open(ns, &o2, &e2) == 0) {
					ct_top_frame_free(&fr);
					have = false;
					ct_top_close(s);
					free(s);
					*sp = s = ns;
					*to = o2;
					free(use_ns);
					use_ns = spec;
					need = true;
					snprintf(u->msg, sizeof(u->msg), "watching %s",
						 s->lv.node.ns.v[0].name);
					memset(u->sel, 0, sizeof(u->sel));
					memset(u->off, 0, sizeof(u->off));
					u->picked = false;
					break;
				}
				free(ns);
				free(spec);
				char e[200];
				snprintf(u->msg, sizeof(u->msg), "use: %s",
					 ct_tui_text(&u->t, e, sizeof(e), e2.msg));
			} else if (a == CT_TOP_ACT_PATH) {
				run_path(c, u, s->o.netns_spec, arg);
			} else if (a == CT_TOP_ACT_PAUSE && !u->paused) {
				need = true;
			}
			draw = draw || a != CT_TOP_ACT_NONE;
		}
		if (!quit && !u->paused && r > 0 && have) {
			ct_top_service(s, pfd, n, &err);
			need = true;
		} else if (!quit && !u->paused && have && s->bird.pid + s->pol.pid > 0) {
			ct_top_service(s, pfd, 0, &err); /* the children's deadlines */
		}
	}
	if (have)
		ct_top_frame_free(&fr);
	ct_top_ui_close(u);
	free(u);
	/* the engine still points to use_ns: it is closed first by the caller */
	*to = (struct ct_top_opts){0};
	(*sp)->o.netns_spec = NULL;
	free(use_ns);
	return CT_EXIT_OK;
}

/* --from: a frozen frame of the snapshot (no rates: one set of counters). */
static int top_from(struct ct_ctx *c)
{
	struct ct_node n;
	struct ct_netns *ns;
	if (ct_load_node(c, &n, CT_G_ALL, 0, &ns) < 0) {
		ct_node_free(&n);
		return ct_report_err(c);
	}
	struct ct_findings f;
	ct_findings_init(&f);
	if (ct_top_findings(&n, ns, &c->o.prefixes, &f) < 0) {
		ct_findings_free(&f);
		ct_node_free(&n);
		return CT_EXIT_GATHER;
	}
	struct ct_top_ctrs cur;
	ct_top_ctrs_init(&cur);
	cur.v = calloc(ns->links.n ? ns->links.n : 1, sizeof(*cur.v));
	for (size_t i = 0; cur.v && i < ns->links.n; i++)
		cur.v[cur.n++] = (struct ct_top_ctr){ns->links.v[i].ifindex, ns->links.v[i].stats};
	ct_top_ctrs_sort(&cur);
	cur.at_ms = 1;
	struct ct_top_input in = {
	    .n = &n,
	    .ns = ns,
	    .pfx = &c->o.prefixes,
	    .cur = &cur,
	    .stats_ok = true,
	    .nstat_note = "a snapshot holds no SNMP counters",
	    .bgp = n.bgp,
	    .bird_error = n.bgp_error,
	    .pol_note = "a snapshot holds no policy counters",
	    .findings = &f,
	    .now = n.taken_at * 1000,
	    .model_at = n.taken_at * 1000,
	    .source = n.source,
	};
	struct ct_top_frame fr;
	int rc = CT_EXIT_GATHER;
	if (ct_top_frame_build(&in, &fr) == 0) {
		if (c->o.batch) {
			unsigned long long k = c->o.count ? c->o.count : 1;
			int e = 0;
			for (unsigned long long i = 0; i < k && !e; i++)
				e = put_frame(c, &fr);
			rc = e && e != EPIPE ? CT_EXIT_GATHER : ct_top_exit(&fr);
		} else {
			rc = top_tui_frozen(c, &fr);
		}
		ct_top_frame_free(&fr);
	}
	ct_top_ctrs_free(&cur);
	ct_findings_free(&f);
	ct_node_free(&n);
	return rc;
}

/* Waits (poll) until the tick is due or a signal came, serving events and children. */
static void wait_tick(struct ct_top_src *s, struct ct_err *err)
{
	while (!stop_sig && !ct_top_due(s)) {
		struct pollfd pfd[CT_TOP_MAXFDS];
		size_t n = ct_top_fds(s, pfd);
		int r = poll(pfd, n, ct_top_timeout_ms(s));
		if (r < 0 && errno == EINTR)
			continue;
		ct_top_service(s, pfd, r > 0 ? n : 0, err);
	}
}

/* The first frame waits for BIRD's and the policy's first answers (each bounded by its
 * deadline), so a single frame (-c 1) is complete. */
static void wait_children(struct ct_top_src *s, struct ct_err *err)
{
	while (!stop_sig && (s->bird.pid > 0 || s->pol.pid > 0)) {
		struct pollfd pfd[CT_TOP_MAXFDS];
		size_t n = ct_top_fds(s, pfd);
		int r = poll(pfd, n, 100);
		if (r < 0 && errno == EINTR)
			continue;
		ct_top_service(s, pfd, r > 0 ? n : 0, err);
	}
}

static int top_batch(struct ct_ctx *c, struct ct_top_src *s)
{
	int rc = CT_EXIT_OK;
	unsigned long long frames = 0;
	struct ct_err err = {0};
	for (;;) {
		ct_top_tick(s, &err);
		if (frames == 0)
			wait_children(s, &err);
		if (stop_sig)
			break;
		/* the first and the last frame carry current findings (the exit status) */
		bool last = c->o.count && frames + 1 >= c->o.count;
		if ((frames == 0 || last) && ct_top_update_findings(s, true) < 0) {
			ct_err_set(&c->err, CT_EXIT_GATHER, "out of memory");
			return ct_report_err(c);
		}
		struct ct_top_frame fr;
		if (ct_top_frame(s, &fr) < 0) {
			ct_err_set(&c->err, CT_EXIT_GATHER, "out of memory");
			return ct_report_err(c);
		}
		int e = put_frame(c, &fr);
		rc = ct_top_exit(&fr);
		ct_top_frame_free(&fr);
		if (e) {
			if (e == EPIPE)
				break;
			c->write_failed = true;
			fprintf(stderr, "caltrace: writing standard output: %s\n", strerror(e));
			return CT_EXIT_GATHER;
		}
		frames++;
		if (c->o.count && frames >= c->o.count)
			break;
		ct_top_update_findings(s, false); /* after the frame: it is not delayed by them */
		wait_tick(s, &err);
		if (stop_sig)
			break;
	}
	return rc;
}

int cmd_top(struct ct_ctx *c)
{
	if (c->o.argc) {
		fprintf(stderr, "caltrace: top takes no arguments\n");
		return CT_EXIT_USAGE;
	}
	if (c->o.json && !c->o.batch) {
		fprintf(stderr, "caltrace: top -j needs -b (JSON is written in batch mode)\n");
		return CT_EXIT_USAGE;
	}
	if (c->o.from)
		return top_from(c);
	struct ct_top_opts to = {
	    .netns_spec = c->o.netns,
	    .prefixes = &c->o.prefixes,
	    .proc_root = c->proc_root,
	    .bird_socket = c->o.bird_socket,
	    .timeout_s = c->o.timeout,
	    .tick_s = c->o.delay > 0 ? c->o.delay : 1,
	    .policy_interval_s = c->o.policy_interval > 0 ? c->o.policy_interval : 10,
	    .log_path = c->o.log_file,
	    .flows = c->o.flows,
	};
	/* --pods: read once, before the loop (kubectl may take seconds: never inside it) */
	struct ct_node *pods = NULL;
	if (c->o.pods) {
		pods = calloc(1, sizeof(*pods));
		if (!pods) {
			ct_err_set(&c->err, CT_EXIT_GATHER, "out of memory");
			return ct_report_err(c);
		}
		if (ct_pods_load(pods, c->o.pods, c->o.prefixes.list[0], c->o.timeout, &c->err) < 0) {
			ct_node_free(pods);
			free(pods);
			return ct_report_err(c);
		}
		to.pods_from = pods;
	}
	struct ct_top_src *s = calloc(1, sizeof(*s));
	if (!s) {
		if (pods) {
			ct_node_free(pods);
			free(pods);
		}
		ct_err_set(&c->err, CT_EXIT_GATHER, "out of memory");
		return ct_report_err(c);
	}
	if (ct_top_open(s, &to, &c->err) < 0) {
		if (pods) {
			ct_node_free(pods);
			free(pods);
		}
		free(s);
		if (c->o.log_file && !strncmp(c->err.msg, "writing", 7))
			c->write_failed = true;
		return ct_report_err(c);
	}
	int rc;
	if (c->o.batch) {
		struct sigaction sa, old_term, old_int, old_hup;
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_stop;
		sigaction(SIGTERM, &sa, &old_term);
		sigaction(SIGINT, &sa, &old_int);
		sigaction(SIGHUP, &sa, &old_hup);
		signal(SIGPIPE, SIG_IGN);
		rc = top_batch(c, s);
		ct_top_close(s);
		free(s);
		if (pods) {
			ct_node_free(pods);
			free(pods);
		}
		sigaction(SIGTERM, &old_term, NULL);
		sigaction(SIGINT, &old_int, NULL);
		sigaction(SIGHUP, &old_hup, NULL);
		if (stop_sig) {
			fflush(stdout);
			raise(stop_sig);
		}
		return rc;
	}
	rc = top_tui(c, &s, &to);
	ct_top_close(s);
	free(s);
	if (pods) {
		ct_node_free(pods);
		free(pods);
	}
	ct_tui_reraise(); /* ended by SIGTERM, SIGINT, SIGHUP: by that signal, the terminal restored
			   */
	return rc;
}
