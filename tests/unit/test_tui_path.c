/* SPDX-License-Identifier: MIT */
/*
 * render/tui_path: `path --tui`'s pure parts (which hops a direction shows, the probe cell,
 * where a hop is, the detail pane's lines, the layout, the keys) against expectations
 * written out here from a small hand-made path, and one drawing on a curses screen bound
 * to /dev/null, read back from stdscr: an interface name holding ESC arrives escaped.
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
#include <wchar.h>

#include "render/tui_path.h"

static const struct ct_finding_def deny = {"path_policy_denies", CT_SEV_FAIL, "path", "x"};

/* 3 forward hops, 2 reverse: pod eth0, caliA, policy_in (fail, a finding), then back */
static struct ct_path P;

static void hop(size_t i, bool rev, enum ct_hop_kind k, const char *node, const char *ns,
		const char *subj, enum ct_hop_verdict v, const char *sum)
{
	struct ct_hop *h = &P.v[i];
	memset(h, 0, sizeof(*h));
	h->reverse = rev;
	h->kind = k;
	h->node = 0;
	snprintf(h->node_name, sizeof(h->node_name), "%s", node);
	snprintf(h->netns, sizeof(h->netns), "%s", ns);
	snprintf(h->subject, sizeof(h->subject), "%s", subj);
	h->verdict = v;
	snprintf(h->summary, sizeof(h->summary), "%s", sum);
}

static int setup_path(void)
{
	memset(&P, 0, sizeof(P));
	P.v = calloc(5, sizeof(*P.v));
	if (!P.v)
		return -1;
	P.n = P.cap = 5;
	hop(0, false, CT_HOP_POD_EGRESS, "n1", "pod-a", "eth0", CT_HOP_OK, "10.0.0.1 up");
	P.v[0].mtu = 1450;
	hop(1, false, CT_HOP_WORKLOAD_IN, "n1", "host1", "cali\x1b[2Jx", CT_HOP_OK, "up");
	hop(2, false, CT_HOP_POLICY_IN, "n2", "host2", "cali-tw-caliB", CT_HOP_FAIL, "1 policy");
	struct ct_hop *h = &P.v[2];
	snprintf(h->evidence[0], sizeof(h->evidence[0]), "rule 3 DROP");
	snprintf(h->evidence[1], sizeof(h->evidence[1]), "chain cali-pi-x");
	h->n_evidence = 2;
	struct ct_finding *f = &h->findings[0];
	f->def = &deny;
	f->sev = CT_SEV_FAIL;
	snprintf(f->message, sizeof(f->message), "policy denies it");
	snprintf(f->fix, sizeof(f->fix), "Allow it in a NetworkPolicy.");
	snprintf(f->run[0], sizeof(f->run[0]), "kubectl get networkpolicy -A");
	snprintf(f->run[1], sizeof(f->run[1]), "iptables-save -c -t filter");
	f->n_run = 2;
	h->n_findings = 1;
	hop(3, true, CT_HOP_POD_EGRESS, "n2", "pod-b", "eth0", CT_HOP_OK, "10.0.1.1 up");
	hop(4, true, CT_HOP_POD_INGRESS, "n1", "pod-a", "eth0", CT_HOP_UNKNOWN, "?");
	return 0;
}

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
	if (!scr)
		return -1;
	return setup_path();
}

static int teardown(void **state)
{
	(void)state;
	endwin();
	delscreen(scr);
	fclose(fo);
	fclose(fi);
	free(P.v);
	return 0;
}

static void test_rows_by_direction(void **state)
{
	(void)state;
	size_t idx[8];
	assert_int_equal(ct_tuip_rows(&P, CT_TUIP_FORWARD, idx, 8), 3);
	assert_int_equal(idx[0], 0);
	assert_int_equal(idx[2], 2);
	assert_int_equal(ct_tuip_rows(&P, CT_TUIP_REVERSE, idx, 8), 2);
	assert_int_equal(idx[0], 3);
	assert_int_equal(idx[1], 4);
	assert_int_equal(ct_tuip_rows(&P, CT_TUIP_BOTH, idx, 8), 5);
	/* a short array: filled as far as it goes, the count is the whole */
	size_t one[1];
	assert_int_equal(ct_tuip_rows(&P, CT_TUIP_BOTH, one, 1), 5);
	assert_int_equal(one[0], 0);
	assert_int_equal(ct_tuip_rows(NULL, CT_TUIP_BOTH, one, 1), 0);
}

static void test_probe_cell(void **state)
{
	(void)state;
	char b[64];
	ct_tuip_probe_cell(true, false, false, false, false, false, b, sizeof(b));
	assert_string_equal(b, "-");
	ct_tuip_probe_cell(true, false, false, false, false, true, b, sizeof(b));
	assert_string_equal(b, "lost here");
	ct_tuip_probe_cell(true, true, true, true, false, false, b, sizeof(b));
	assert_string_equal(b, "req \u2714 rep \u2714");
	ct_tuip_probe_cell(true, true, true, false, false, false, b, sizeof(b));
	assert_string_equal(b, "req \u2714 rep \u2716");
	/* in flight: not seen yet is not "not seen" */
	ct_tuip_probe_cell(true, true, true, false, true, false, b, sizeof(b));
	assert_string_equal(b, "req \u2714 rep \u2026");
	/* LANG=C: ASCII only, and the three states differ */
	char a1[32], a2[32], a3[32];
	ct_tuip_probe_cell(false, true, true, true, false, false, a1, sizeof(a1));
	ct_tuip_probe_cell(false, true, false, false, false, false, a2, sizeof(a2));
	ct_tuip_probe_cell(false, true, false, false, true, false, a3, sizeof(a3));
	assert_string_equal(a1, "req + rep +");
	assert_string_equal(a2, "req x rep x");
	assert_string_equal(a3, "req . rep .");
	/* cut to the buffer, NUL-terminated */
	char small[5];
	ct_tuip_probe_cell(true, true, true, true, false, false, small, sizeof(small));
	assert_int_equal(strlen(small), 4);
}

static void test_where(void **state)
{
	(void)state;
	char b[128];
	ct_tuip_where(&P.v[0], "host1", b, sizeof(b));
	assert_string_equal(b, "n1 pod-a eth0");
	ct_tuip_where(&P.v[2], "host2", b, sizeof(b));
	assert_string_equal(b, "n2 cali-tw-caliB"); /* the node's own namespace: left out */
	ct_tuip_where(&P.v[2], NULL, b, sizeof(b));
	assert_string_equal(b, "n2 host2 cali-tw-caliB");
	struct ct_hop u;
	memset(&u, 0, sizeof(u));
	ct_tuip_where(&u, NULL, b, sizeof(b));
	assert_string_equal(b, "?");
}

static void test_detail_lines(void **state)
{
	(void)state;
	struct ct_tuip_line l[32];
	size_t n = ct_tuip_detail(&P, 2, NULL, true, l, 32);
	/* hop, verdict, summary, 2 evidence, the finding, its fix, 2 run lines (no mtu, no
	 * probe yet) */
	const char *labels[] = {"hop", "verdict", "summary", "evidence", "evidence", "fail",
				"  fix", "  run", "  run"};
	assert_int_equal(n, 9);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(l[i].label, labels[i]);
	assert_string_equal(l[0].text, "forward policy_in, node n2, namespace host2, cali-tw-caliB");
	assert_string_equal(l[1].text, "fail");
	assert_int_equal(l[1].role, CT_TUI_FAIL);
	assert_string_equal(l[3].text, "rule 3 DROP");
	assert_string_equal(l[5].text, "path_policy_denies: policy denies it");
	assert_string_equal(l[6].text, "Allow it in a NetworkPolicy.");
	assert_string_equal(l[8].text, "iptables-save -c -t filter");
	/* the MTU when the hop has one */
	n = ct_tuip_detail(&P, 0, NULL, true, l, 32);
	assert_int_equal(n, 4);
	assert_string_equal(l[1].label, "mtu");
	assert_string_equal(l[1].text, "1450");
	/* a probe in flight: the live state, lit */
	struct ct_tuip_live lv = {.watched = true, .req = true};
	n = ct_tuip_detail(&P, 0, &lv, true, l, 32);
	assert_int_equal(n, 5);
	assert_string_equal(l[4].label, "probe");
	assert_string_equal(l[4].text, "req \u2714 rep \u2026");
	assert_int_equal(l[4].role, CT_TUI_ACTIVE);
	/* after a probe lost at hop 3: the probe line and the cause */
	P.probe.done = true;
	P.v[2].probe.lost_here = true;
	snprintf(P.v[2].probe.cause, sizeof(P.v[2].probe.cause), "rule 3 DROP moved by 1");
	n = ct_tuip_detail(&P, 2, NULL, true, l, 32);
	assert_int_equal(n, 11);
	assert_string_equal(l[5].label, "probe");
	assert_string_equal(l[5].text, "not watched (no interface captured here)");
	assert_string_equal(l[6].label, "lost here");
	assert_string_equal(l[6].text, "rule 3 DROP moved by 1");
	assert_int_equal(l[6].role, CT_TUI_FAIL);
	/* a short array: the count is still the whole */
	assert_int_equal(ct_tuip_detail(&P, 2, NULL, true, l, 2), 11);
	assert_int_equal(ct_tuip_detail(&P, 9, NULL, true, l, 32), 0);
	memset(&P.probe, 0, sizeof(P.probe));
	memset(&P.v[2].probe, 0, sizeof(P.v[2].probe));
}

static void test_layout(void **state)
{
	(void)state;
	struct ct_tuip_layout l;
	ct_tuip_layout(40, 120, 100, &l);
	assert_int_equal(l.list_y, 2);
	assert_int_equal(l.status_y, 39);
	assert_int_equal(l.detail_y, l.list_y + l.list_h);
	assert_int_equal(l.detail_y + l.detail_h, l.status_y);
	assert_true(l.list_h >= 3 && l.detail_h >= 3);
	/* few hops: the list takes only their rows, the detail pane the rest */
	ct_tuip_layout(40, 120, 5, &l);
	assert_int_equal(l.list_h, 5);
	assert_int_equal(l.detail_y + l.detail_h, 39);
	/* the smallest screen still has a list and a detail pane */
	ct_tuip_layout(CT_TUIP_MIN_ROWS, CT_TUIP_MIN_COLS, 0, &l);
	assert_true(l.list_h >= 3 && l.detail_h >= 3);
	assert_int_equal(l.detail_y + l.detail_h, CT_TUIP_MIN_ROWS - 1);
}

static void test_keys(void **state)
{
	(void)state;
	struct ct_tuip_view v;
	memset(&v, 0, sizeof(v));
	v.path = &P;
	assert_int_equal(ct_tuip_key(&v, 'j', 10), CT_TUIP_REDRAW);
	assert_int_equal(v.sel, 1);
	ct_tuip_key(&v, CT_TUI_KEY(KEY_DOWN), 10);
	ct_tuip_key(&v, 'j', 10); /* the last forward hop: stays */
	assert_int_equal(v.sel, 2);
	ct_tuip_key(&v, CT_TUI_KEY(KEY_HOME), 10);
	assert_int_equal(v.sel, 0);
	ct_tuip_key(&v, CT_TUI_KEY(KEY_END), 10);
	assert_int_equal(v.sel, 2);
	ct_tuip_key(&v, 'k', 10);
	assert_int_equal(v.sel, 1);
	/* a page of 1 row: the first row shown follows the selection */
	ct_tuip_key(&v, CT_TUI_KEY(KEY_NPAGE), 1);
	assert_int_equal(v.sel, 2);
	assert_int_equal(v.top, 2);
	ct_tuip_key(&v, CT_TUI_KEY(KEY_PPAGE), 1);
	assert_int_equal(v.sel, 1);
	assert_int_equal(v.top, 1);
	/* r: reverse (hop 2 is not in it: the first row), both (hop kept), forward */
	ct_tuip_key(&v, 'r', 10);
	assert_int_equal(v.dir, CT_TUIP_REVERSE);
	assert_int_equal(v.sel, 0);
	ct_tuip_key(&v, 'j', 10);
	assert_int_equal(v.sel, 1); /* hop 5 */
	ct_tuip_key(&v, 'r', 10);
	assert_int_equal(v.dir, CT_TUIP_BOTH);
	assert_int_equal(v.sel, 4); /* still hop 5 */
	ct_tuip_key(&v, 'r', 10);
	assert_int_equal(v.dir, CT_TUIP_FORWARD);
	/* Enter: the arrows scroll the detail pane, not the hops */
	size_t sel = v.sel;
	ct_tuip_key(&v, '\r', 10);
	assert_true(v.detail_focus);
	ct_tuip_key(&v, 'j', 10);
	ct_tuip_key(&v, 'j', 10);
	assert_int_equal(v.sel, sel);
	assert_int_equal(v.detail_top, 2);
	ct_tuip_key(&v, CT_TUI_KEY(KEY_HOME), 10);
	assert_int_equal(v.detail_top, 0);
	ct_tuip_key(&v, 'k', 10);
	assert_int_equal(v.detail_top, 0);
	ct_tuip_key(&v, '\n', 10);
	assert_false(v.detail_focus);
	/* help: shown, any key but q closes it */
	assert_int_equal(ct_tuip_key(&v, '?', 10), CT_TUIP_REDRAW);
	assert_true(v.help);
	assert_int_equal(ct_tuip_key(&v, 'j', 10), CT_TUIP_REDRAW);
	assert_false(v.help);
	assert_int_equal(v.sel, sel);
	ct_tuip_key(&v, '?', 10);
	assert_int_equal(ct_tuip_key(&v, 'q', 10), CT_TUIP_QUIT);
	v.help = false;
	/* p: a probe, but not a second one while the first is in flight */
	assert_int_equal(ct_tuip_key(&v, 'p', 10), CT_TUIP_PROBE);
	v.probe = CT_TUIP_PROBING;
	assert_int_equal(ct_tuip_key(&v, 'p', 10), CT_TUIP_NONE);
	assert_int_equal(ct_tuip_key(&v, 'q', 10), CT_TUIP_QUIT);
	assert_int_equal(ct_tuip_key(&v, 27, 10), CT_TUIP_QUIT);
	assert_int_equal(ct_tuip_key(&v, 'z', 10), CT_TUIP_NONE);
}

/* the row y of stdscr as text */
static void row_text(int y, char *out, size_t len)
{
	wchar_t ws[512];
	int n = getmaxx(stdscr), i = 0;
	for (int x = 0; x < n && i < 511; x++) {
		cchar_t c;
		wchar_t wc[CCHARW_MAX + 1];
		attr_t a;
		short p;
		if (mvwin_wch(stdscr, y, x, &c) == ERR)
			break;
		getcchar(&c, wc, &a, &p, NULL);
		ws[i++] = wc[0];
	}
	ws[i] = 0;
	wcstombs(out, ws, len);
	size_t k = strlen(out);
	while (k && out[k - 1] == ' ')
		out[--k] = 0;
}

static void test_draw(void **state)
{
	(void)state;
	resizeterm(30, 120);
	struct ct_tui t = {.open = true, .utf8 = true};
	struct ct_tuip_view v;
	memset(&v, 0, sizeof(v));
	v.path = &P;
	v.src_label = "default/web\x07";
	v.dst_label = "10.0.1.1";
	v.proto = "icmp";
	ct_tuip_draw(&t, &v);
	char b[1024];
	row_text(0, b, sizeof(b));
	assert_non_null(strstr(b, "path default/web\\x07 \u2192 10.0.1.1"));
	assert_non_null(strstr(b, "forward (SRC to DST)"));
	row_text(3, b, sizeof(b)); /* hop 2: its name escaped, never raw */
	assert_non_null(strstr(b, "cali\\x1b[2Jx"));
	assert_null(strchr(b, 0x1b));
	assert_non_null(strstr(b, "\u2714 ok"));
	row_text(4, b, sizeof(b));
	assert_non_null(strstr(b, "\u2716 fail"));
	/* too small */
	resizeterm(8, 40);
	ct_tuip_draw(&t, &v);
	row_text(4, b, sizeof(b));
	assert_non_null(strstr(b, "terminal too small"));
	resizeterm(30, 120);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows_by_direction), cmocka_unit_test(test_probe_cell),
		cmocka_unit_test(test_where),		  cmocka_unit_test(test_detail_lines),
		cmocka_unit_test(test_layout),		  cmocka_unit_test(test_keys),
		cmocka_unit_test(test_draw),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
