/* SPDX-License-Identifier: MIT */
/* caltrace top: the live dashboard (curses), or -b: one frame of the panes per tick. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analysis/top.h"
#include "cmd/cmd.h"
#include "probes/gather.h"
#include "probes/top.h"
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

static int top_tui_frozen(struct ct_ctx *c, const struct ct_top_frame *fr)
{
	(void)fr;
	(void)c;
	fprintf(stderr, "caltrace: the curses dashboard is not built yet; use top -b\n");
	return CT_EXIT_USAGE;
}

static int top_tui(struct ct_ctx *c, struct ct_top_src *s)
{
	(void)s;
	(void)c;
	fprintf(stderr, "caltrace: the curses dashboard is not built yet; use top -b\n");
	return CT_EXIT_USAGE;
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
	};
	struct ct_top_src *s = calloc(1, sizeof(*s));
	if (!s) {
		ct_err_set(&c->err, CT_EXIT_GATHER, "out of memory");
		return ct_report_err(c);
	}
	if (ct_top_open(s, &to, &c->err) < 0) {
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
		sigaction(SIGTERM, &old_term, NULL);
		sigaction(SIGINT, &old_int, NULL);
		sigaction(SIGHUP, &old_hup, NULL);
		if (stop_sig) {
			fflush(stdout);
			raise(stop_sig);
		}
		return rc;
	}
	rc = top_tui(c, s);
	ct_top_close(s);
	free(s);
	return rc;
}
