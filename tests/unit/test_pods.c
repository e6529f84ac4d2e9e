/* SPDX-License-Identifier: MIT */
/*
 * Pods: Calico veth names, kubectl/crictl parsers, and loading through the
 * stub commands in tests/stubs. Oracles: sha1sum for veth names, jq for what
 * the fixtures hold, /proc for leftover processes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "model/esc.h"
#include "model/pods.h"
#include "probes/pods_exec.h"

struct tctx {
	char root[PATH_MAX];  /* the source tree */
	char path0[8192];     /* PATH at start */
};

static bool file_exists(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0;
}

/* CT_SRCDIR, else three levels above the binary (build/tests/test_pods), else ".". */
static int setup(void **state)
{
	struct tctx *t = calloc(1, sizeof(*t));
	char exe[PATH_MAX], probe[PATH_MAX + 64];
	const char *env = getenv("CT_SRCDIR");
	if (!t)
		return -1;
	snprintf(t->root, sizeof(t->root), ".");
	if (env && *env) {
		snprintf(t->root, sizeof(t->root), "%s", env);
	} else {
		ssize_t l = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
		if (l > 0) {
			exe[l] = 0;
			for (int up = 0; up < 3; up++) {
				char *s = strrchr(exe, '/');
				if (s)
					*s = 0;
			}
			snprintf(probe, sizeof(probe), "%s/tests/stubs/kubectl", exe);
			if (file_exists(probe))
				snprintf(t->root, sizeof(t->root), "%s", exe);
		}
	}
	const char *p = getenv("PATH");
	snprintf(t->path0, sizeof(t->path0), "%s", p ? p : "/usr/bin:/bin");
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	free(*state);
	return 0;
}

static char *fixture_path(const struct tctx *t, const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "%s/tests/fixtures/pods/%s", t->root, name);
	return buf;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open fixture '%s': %s", path, strerror(errno));
	char *buf = NULL;
	size_t cap = 0, n = 0, r;
	do {
		if (n == cap) {
			cap = cap ? cap * 2 : 65536;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
		r = fread(buf + n, 1, cap - n, f);
		n += r;
	} while (r > 0);
	fclose(f);
	*len = n;
	return buf;
}

/* Runs a shell command line and returns its whole stdout (caller frees). */
static char *run_capture(const char *cmd)
{
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	char *buf = NULL;
	size_t cap = 0, n = 0, r;
	do {
		if (n + 1 >= cap) {
			cap = cap ? cap * 2 : 4096;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
		r = fread(buf + n, 1, cap - n - 1, p);
		n += r;
	} while (r > 0);
	buf[n] = 0;
	int st = pclose(p);
	if (st != 0)
		fail_msg("'%s' failed (status %d)", cmd, st);
	return buf;
}

static bool have_tool(const char *name)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1", name);
	return system(cmd) == 0;
}

/* Oracle: prefix + first 11 hex digits of sha1sum("ns.pod"). */
static void oracle_veth(const char *prefix, const char *ns, const char *pod, char *out, size_t len)
{
	char cmd[1024];
	snprintf(cmd, sizeof(cmd), "printf '%%s' '%s.%s' | sha1sum", ns, pod);
	char *o = run_capture(cmd);
	assert_true(strlen(o) >= 40);
	snprintf(out, len, "%s%.11s", prefix, o);
	free(o);
}

/* ---- veth names ---- */

static void test_veth_calico_vector(void **state)
{
	char out[CT_IFNAMSIZ];
	assert_int_equal(ct_veth_name("cali", "default", "podA", out, sizeof(out)), 0);
	assert_string_equal(out, "cali7f94ce7c295");
}

static void test_veth_oracle(void **state)
{
	static const char *const cases[][3] = {
		{"cali", "default", "podA"},
		{"cali", "kube-system", "coredns-5d78c9869d-8xk2m"},
		{"cali", "default", "web-7c5ddbdf54-2xkqn"},
		{"tap", "shop", "cart.v2-0"},
		{"vxl", "a", "b"},
		{"c", "x1", "0"},
		{"azv", "calico-apiserver", "calico-apiserver-6f4c8d9b7-lw2xp"},
		{"cali", "ns-with-a-label-that-is-exactly-sixty-three-characters-long-xyz",
		 "pod.with.several.labels-0"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char got[CT_IFNAMSIZ], want[64];
		oracle_veth(cases[i][0], cases[i][1], cases[i][2], want, sizeof(want));
		assert_int_equal(ct_veth_name(cases[i][0], cases[i][1], cases[i][2], got,
					      sizeof(got)),
				 0);
		assert_string_equal(got, want);
		assert_true(strlen(got) <= CT_IFNAMSIZ - 1);
	}
	/* The longest pod name Kubernetes allows: 253 characters in labels of at most 63. */
	char pod[254], got[CT_IFNAMSIZ], want[64];
	memset(pod, 'p', 253);
	pod[63] = pod[127] = pod[191] = '.';
	pod[253] = 0;
	oracle_veth("cali", "default", pod, want, sizeof(want));
	assert_int_equal(ct_veth_name("cali", "default", pod, got, sizeof(got)), 0);
	assert_string_equal(got, want);
}

static void test_veth_invalid(void **state)
{
	char out[CT_IFNAMSIZ], ns64[65], pod254[255];
	memset(ns64, 'n', 64);
	ns64[64] = 0;
	memset(pod254, 'p', 254);
	pod254[254] = 0;

	/* prefix: 4 characters fit (4 + 11 = 15), 5 do not */
	assert_int_equal(ct_veth_name("cali", "default", "pod", out, sizeof(out)), 0);
	assert_int_equal(strlen(out), 15);
	assert_int_equal(ct_veth_name("calic", "default", "pod", out, sizeof(out)), -1);
	assert_string_equal(out, "");
	assert_int_equal(ct_veth_name("", "default", "pod", out, sizeof(out)), -1);
	assert_int_equal(ct_veth_name("a/b", "default", "pod", out, sizeof(out)), -1);
	assert_int_equal(ct_veth_name("a b", "default", "pod", out, sizeof(out)), -1);
	assert_int_equal(ct_veth_name("a:", "default", "pod", out, sizeof(out)), -1);
	assert_int_equal(ct_veth_name(NULL, "default", "pod", out, sizeof(out)), -1);
	/* output too small for "cali" + 11 + NUL */
	assert_int_equal(ct_veth_name("cali", "default", "pod", out, 15), -1);

	static const char *const bad_ns[] = {"", "kube.system", "-ns", "ns-", "ns_1", "n s",
					     "ns\n", "ns\x1b"};
	for (size_t i = 0; i < sizeof(bad_ns) / sizeof(bad_ns[0]); i++)
		assert_int_equal(ct_veth_name("cali", bad_ns[i], "pod", out, sizeof(out)), -1);
	assert_int_equal(ct_veth_name("cali", ns64, "pod", out, sizeof(out)), -1);
	ns64[63] = 0;
	assert_int_equal(ct_veth_name("cali", ns64, "pod", out, sizeof(out)), 0);

	static const char *const bad_pod[] = {"", "-pod", "pod-", ".pod", "pod.", "a..b",
					      "a.-b", "pod_1", "pod/x", "pod\t"};
	for (size_t i = 0; i < sizeof(bad_pod) / sizeof(bad_pod[0]); i++)
		assert_int_equal(ct_veth_name("cali", "default", bad_pod[i], out, sizeof(out)),
				 -1);
	assert_int_equal(ct_veth_name("cali", "default", pod254, out, sizeof(out)), -1);
	/* 254 characters in valid labels: one too many */
	pod254[63] = pod254[127] = pod254[191] = '.';
	assert_int_equal(ct_veth_name("cali", "default", pod254, out, sizeof(out)), -1);
	pod254[253] = 0; /* 253: fits */
	assert_int_equal(ct_veth_name("cali", "default", pod254, out, sizeof(out)), 0);
	/* a label of 64 characters inside a pod name */
	char lab64[70];
	memset(lab64, 'q', 64);
	strcpy(lab64 + 64, ".a");
	assert_int_equal(ct_veth_name("cali", "default", lab64, out, sizeof(out)), -1);
	lab64[62] = '.'; /* q*62 . q . a */
	assert_int_equal(ct_veth_name("cali", "default", lab64, out, sizeof(out)), 0);
	assert_int_equal(ct_veth_name("cali", "default", NULL, out, sizeof(out)), -1);
	assert_int_equal(ct_veth_name("cali", NULL, "pod", out, sizeof(out)), -1);
}

/* ---- parsers ---- */

static void check_ips(const struct ct_pod *p, const char *csv)
{
	char buf[512];
	snprintf(buf, sizeof(buf), "%s", csv);
	int n = 0;
	for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		uint8_t a[16] = {0};
		int fam = strchr(tok, ':') ? AF_INET6 : AF_INET;
		assert_int_equal(inet_pton(fam, tok, a), 1);
		assert_true(n < p->n_ips);
		assert_int_equal(p->ips[n].family, fam);
		assert_memory_equal(p->ips[n].a, a, fam == AF_INET ? 4 : 16);
		n++;
	}
	assert_int_equal(n, p->n_ips);
}

static void test_kubectl_fixture(void **state)
{
	struct tctx *t = *state;
	char path[PATH_MAX + 64], cmd[PATH_MAX + 512];
	size_t len;
	if (!have_tool("jq") || !have_tool("sha1sum"))
		skip();
	fixture_path(t, "kubectl-pods.json", path, sizeof(path));
	char *buf = slurp(path, &len);
	struct ct_node n;
	struct ct_err err = {0};
	ct_node_init(&n);
	assert_int_equal(ct_pods_parse_kubectl(&n, buf, len, "cali", &err), 0);
	assert_int_equal(err.exit_code, 0);
	assert_true(n.have_pods);

	snprintf(cmd, sizeof(cmd),
		 "jq -r '.items[] | [.metadata.namespace, .metadata.name, (.spec.nodeName // \"\"), "
		 "(.spec.hostNetwork // false | tostring), (.status.phase // \"\"), "
		 "((if ((.status.podIPs // []) | length) > 0 then [.status.podIPs[].ip] "
		 "elif .status.podIP then [.status.podIP] else [] end) | join(\",\"))] | @tsv' '%s'",
		 path);
	char *tsv = run_capture(cmd);
	size_t row = 0;
	int hostnet = 0, pending = 0, dual = 0, nodes1 = 0, nodes2 = 0;
	for (char *save = NULL, *line = strtok_r(tsv, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save), row++) {
		char *f[6], *s = line;
		for (int i = 0; i < 6; i++)
			f[i] = strsep(&s, "\t");
		assert_non_null(f[5]);
		assert_true(row < n.pods.n);
		const struct ct_pod *p = &n.pods.v[row];
		assert_string_equal(p->ns, f[0]);
		assert_string_equal(p->name, f[1]);
		assert_string_equal(p->node, f[2]);
		assert_int_equal(p->host_network, strcmp(f[3], "true") == 0);
		assert_string_equal(p->phase, f[4]);
		check_ips(p, f[5]);
		if (p->host_network) {
			assert_string_equal(p->veth, "");
			hostnet++;
		} else {
			char want[64];
			oracle_veth("cali", p->ns, p->name, want, sizeof(want));
			assert_string_equal(p->veth, want);
		}
		pending += strcmp(p->phase, "Pending") == 0;
		dual += p->n_ips == 2;
		nodes1 += strcmp(p->node, "lab-node1") == 0;
		nodes2 += strcmp(p->node, "lab-node2") == 0;
	}
	assert_int_equal(row, n.pods.n);
	/* the fixture covers what it claims to */
	assert_true(row >= 10);
	assert_true(hostnet >= 2 && pending >= 1 && dual >= 2 && nodes1 >= 2 && nodes2 >= 2);
	free(tsv);

	/* another prefix gives other veth names */
	assert_int_equal(ct_pods_parse_kubectl(&n, buf, len, "tap", &err), 0);
	for (size_t i = 0; i < n.pods.n; i++)
		if (!n.pods.v[i].host_network)
			assert_memory_equal(n.pods.v[i].veth, "tap", 3);
	/* NULL means Calico's default */
	assert_int_equal(ct_pods_parse_kubectl(&n, buf, len, NULL, &err), 0);
	assert_memory_equal(n.pods.v[2].veth, "cali", 4);
	ct_node_free(&n);
	free(buf);
}

static void test_crictl_fixture(void **state)
{
	struct tctx *t = *state;
	char path[PATH_MAX + 64], cmd[PATH_MAX + 512];
	size_t len;
	if (!have_tool("jq") || !have_tool("sha1sum"))
		skip();
	fixture_path(t, "crictl-pods.json", path, sizeof(path));
	char *buf = slurp(path, &len);
	struct ct_node n;
	struct ct_err err = {0};
	ct_node_init(&n);
	assert_int_equal(ct_pods_parse_crictl(&n, buf, len, "cali", &err), 0);
	assert_true(n.have_pods);

	/* one row per pod, ready if any of its sandboxes is, sorted by namespace/name */
	snprintf(cmd, sizeof(cmd),
		 "jq -r '[.items[] | {ns: .metadata.namespace, name: .metadata.name, "
		 "r: (.state == \"SANDBOX_READY\")}] | group_by([.ns, .name]) | .[] | "
		 "[.[0].ns, .[0].name, (if any(.[]; .r) then \"Running\" else \"NotReady\" end)] "
		 "| @tsv' '%s'",
		 path);
	char *tsv = run_capture(cmd);
	size_t row = 0;
	for (char *save = NULL, *line = strtok_r(tsv, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save), row++) {
		char *f[3], *s = line;
		for (int i = 0; i < 3; i++)
			f[i] = strsep(&s, "\t");
		assert_non_null(f[2]);
		assert_true(row < n.pods.n);
		const struct ct_pod *p = &n.pods.v[row];
		char want[64];
		assert_string_equal(p->ns, f[0]);
		assert_string_equal(p->name, f[1]);
		assert_string_equal(p->phase, f[2]);
		assert_string_equal(p->node, "");
		assert_int_equal(p->n_ips, 0);
		assert_false(p->host_network);
		oracle_veth("cali", p->ns, p->name, want, sizeof(want));
		assert_string_equal(p->veth, want);
	}
	assert_int_equal(row, n.pods.n);
	snprintf(cmd, sizeof(cmd), "jq '.items | length' '%s'", path);
	char *cnt = run_capture(cmd);
	assert_true((size_t)atoi(cnt) > n.pods.n); /* the fixture has a stale sandbox */
	free(cnt);
	free(tsv);
	ct_node_free(&n);
	free(buf);
}

/* Every malformed fixture, the parser for it, and what the message must name. */
static const struct bad_case {
	const char *file;
	const char *expect;
} bad_cases[] = {
	{"kubectl-bad-name-type.json", "items[3].metadata.name: expected a string"},
	{"kubectl-bad-items-type.json", "items: expected an array"},
	{"kubectl-bad-items-missing.json", "items: missing"},
	{"kubectl-bad-hostnetwork.json", "items[0].spec.hostNetwork: expected true or false"},
	{"kubectl-bad-podip.json", "items[4].status.podIPs[1].ip: not an IP address: "
				   "'fd5b:7c2e:91a4:5c80:ba51:3f0e:1a2b:zz83'"},
	{"kubectl-bad-podip-fallback.json", "items[10].status.podIP: not an IP address"},
	{"kubectl-bad-name-long.json", "items[2].metadata.name: too long"},
	{"kubectl-bad-name-chars.json",
	 "items[5].metadata.name: not a valid Kubernetes name: 'coredns\\x1b[2J\\x1b[31m'"},
	{"kubectl-bad-namespace-missing.json", "items[1].metadata.namespace: missing"},
	{"kubectl-bad-namespace-long.json", "items[6].metadata.namespace: longer than 63"},
	{"kubectl-bad-podips-type.json", "items[6].status.podIPs: expected an array"},
	{"kubectl-bad-podips-item.json", "items[6].status.podIPs[0]: expected an object"},
	{"kubectl-bad-phase-type.json", "items[3].status.phase: expected a string"},
	{"kubectl-bad-phase-long.json", "items[3].status.phase: too long"},
	{"kubectl-bad-nodename.json", "items[0].spec.nodeName: not a valid Kubernetes name"},
	{"kubectl-bad-metadata-type.json", "items[7].metadata: expected an object"},
	{"kubectl-bad-spec-type.json", "items[8].spec: expected an object"},
	{"kubectl-bad-item-type.json", "items[9]: expected an object"},
	{"kubectl-bad-kind.json", "kind: expected 'List' or 'PodList', got 'NodeList'"},
	{"kubectl-bad-item-kind.json", "items[2].kind: expected 'Pod', got 'Service'"},
	{"kubectl-bad-toplevel.json", "expected a JSON object"},
	{"kubectl-bad-syntax.json", "invalid JSON at line"},
	{"kubectl-bad-duplicate-key.json", "duplicate object key"},
	{"kubectl-truncated.json", "truncated JSON"},
	{"crictl-bad-state.json", "items[1].state: expected a string"},
	{"crictl-bad-metadata.json", "items[0].metadata: expected an object"},
	{"crictl-bad-name-missing.json", "items[2].metadata.name: missing"},
	{"crictl-bad-namespace-type.json", "items[4].metadata.namespace: expected a string"},
	{"crictl-bad-items-type.json", "items: expected an array"},
	{"crictl-truncated.json", "truncated JSON"},
};

/* jq, as an independent parser, must place a syntax error where we do. */
static void check_position_with_jq(const char *path, const char *msg)
{
	char cmd[PATH_MAX + 128], want[64];
	int line, col;
	snprintf(cmd, sizeof(cmd), "jq . '%s' 2>&1 >/dev/null; true", path);
	char *o = run_capture(cmd);
	const char *at = strstr(o, " at line ");
	if (!at || sscanf(at, " at line %d, column %d", &line, &col) != 2)
		fail_msg("jq gave no position for '%s': %s", path, o);
	snprintf(want, sizeof(want), "line %d column %d", line, col);
	if (!strstr(msg, want))
		fail_msg("'%s': jq says %s, we say \"%s\"", path, want, msg);
	free(o);
}

/* The message as shown (escaped once, model/esc.h) is one line of printable text. */
static bool msg_is_one_clean_line(const char *raw)
{
	char m[4 * sizeof(((struct ct_err *)0)->msg)];
	ct_esc_str(m, sizeof(m), raw);
	if (!*m)
		return false;
	for (const unsigned char *p = (const unsigned char *)m; *p; p++)
		if (*p < 0x20 || *p >= 0x7f)
			return false;
	return true;
}

static void test_malformed(void **state)
{
	struct tctx *t = *state;
	char path[PATH_MAX + 64], want[512];
	size_t glen;
	char *good = slurp(fixture_path(t, "kubectl-pods.json", path, sizeof(path)), &glen);

	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *c = &bad_cases[i];
		bool crictl = strncmp(c->file, "crictl", 6) == 0;
		size_t len;
		char *buf = slurp(fixture_path(t, c->file, path, sizeof(path)), &len);
		struct ct_node n;
		struct ct_err err = {0};
		ct_node_init(&n);
		/* a failed parse leaves the earlier list alone */
		assert_int_equal(ct_pods_parse_kubectl(&n, good, glen, NULL, &err), 0);
		size_t before = n.pods.n;
		int rc = crictl ? ct_pods_parse_crictl(&n, buf, len, "cali", &err)
				: ct_pods_parse_kubectl(&n, buf, len, "cali", &err);
		snprintf(want, sizeof(want), "pods from '%s': ", crictl ? "crictl" : "kubectl");
		/* the message as shown: escaped once (model/esc.h) */
		char shown[4 * sizeof(err.msg)];
		ct_esc_str(shown, sizeof(shown), err.msg);
		if (rc != -1 || err.exit_code != 3 || strncmp(shown, want, strlen(want)) != 0 ||
		    !strstr(shown, c->expect))
			fail_msg("%s: rc %d exit %d msg \"%s\", expected \"%s%s\"", c->file, rc,
				 err.exit_code, shown, want, c->expect);
		assert_true(msg_is_one_clean_line(shown));
		assert_int_equal(n.pods.n, before);
		if ((strstr(c->expect, "invalid JSON") || strstr(c->expect, "truncated JSON")) &&
		    have_tool("jq"))
			check_position_with_jq(path, err.msg);
		assert_true(n.have_pods);

		/* the same through format detection, named after the file */
		struct ct_err err2 = {0};
		assert_int_equal(ct_pods_parse_any(&n, buf, len, "cali", c->file, &err2), -1);
		assert_int_equal(err2.exit_code, 3);
		assert_true(msg_is_one_clean_line(err2.msg));
		ct_node_free(&n);
		free(buf);
	}
	free(good);

	/* every malformed fixture on disk has a case above */
	char dpath[PATH_MAX + 64];
	snprintf(dpath, sizeof(dpath), "%s/tests/fixtures/pods", t->root);
	DIR *d = opendir(dpath);
	assert_non_null(d);
	int seen = 0;
	for (struct dirent *e; (e = readdir(d));) {
		if (!strstr(e->d_name, "-bad-") && !strstr(e->d_name, "truncated"))
			continue;
		bool found = false;
		for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++)
			found |= strcmp(bad_cases[i].file, e->d_name) == 0;
		if (!found)
			fail_msg("fixture '%s' has no expected message in test_pods.c", e->d_name);
		seen++;
	}
	closedir(d);
	assert_int_equal(seen, (int)(sizeof(bad_cases) / sizeof(bad_cases[0])));
}

static bool only_space(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!strchr(" \t\r\n", s[i]))
			return false;
	return true;
}

static void truncate_all(const struct tctx *t, const char *file, bool crictl)
{
	char path[PATH_MAX + 64];
	size_t len;
	char *buf = slurp(fixture_path(t, file, path, sizeof(path)), &len);
	struct ct_node n;
	ct_node_init(&n);
	for (size_t l = 0; l <= len; l++) {
		/* a copy of exactly l bytes, so ASan sees any read past the end */
		char *p = malloc(l ? l : 1);
		assert_non_null(p);
		memcpy(p, buf, l);
		struct ct_err err = {0};
		int rc = crictl ? ct_pods_parse_crictl(&n, p, l, "cali", &err)
				: ct_pods_parse_kubectl(&n, p, l, "cali", &err);
		bool complete = only_space(buf + l, len - l);
		if (rc != (complete ? 0 : -1))
			fail_msg("%s cut at %zu of %zu: rc %d (%s)", file, l, len, rc, err.msg);
		if (rc < 0) {
			assert_int_equal(err.exit_code, 3);
			assert_true(msg_is_one_clean_line(err.msg));
		}
		free(p);
	}
	ct_node_free(&n);
	free(buf);
}

static void test_truncation_kubectl(void **state)
{
	truncate_all(*state, "kubectl-pods.json", false);
}

static void test_truncation_crictl(void **state)
{
	truncate_all(*state, "crictl-pods.json", true);
}

static void test_parse_edges(void **state)
{
	struct ct_node n;
	struct ct_err err = {0};
	ct_node_init(&n);

	assert_int_equal(ct_pods_parse_kubectl(&n, NULL, 0, NULL, &err), -1);
	assert_int_equal(err.exit_code, 3);
	assert_false(n.have_pods);

	static const char empty[] = "{\"apiVersion\":\"v1\",\"items\":[],\"kind\":\"List\"}";
	memset(&err, 0, sizeof(err));
	assert_int_equal(ct_pods_parse_kubectl(&n, empty, strlen(empty), NULL, &err), 0);
	assert_true(n.have_pods);
	assert_int_equal(n.pods.n, 0);

	/* a prefix that cannot start a veth name is a usage error */
	static const char one[] = "{\"items\":[{\"metadata\":{\"namespace\":\"default\","
				  "\"name\":\"podA\"}}]}";
	memset(&err, 0, sizeof(err));
	assert_int_equal(ct_pods_parse_kubectl(&n, one, strlen(one), "calico", &err), -1);
	assert_int_equal(err.exit_code, CT_EXIT_USAGE);
	assert_non_null(strstr(err.msg, "interface prefix 'calico'"));

	/* optional fields absent: still a pod */
	memset(&err, 0, sizeof(err));
	assert_int_equal(ct_pods_parse_kubectl(&n, one, strlen(one), "cali", &err), 0);
	assert_int_equal(n.pods.n, 1);
	assert_string_equal(n.pods.v[0].veth, "cali7f94ce7c295");
	assert_string_equal(n.pods.v[0].node, "");
	assert_string_equal(n.pods.v[0].phase, "");
	assert_int_equal(n.pods.v[0].n_ips, 0);

	/* nulls count as absent; more than 4 IPs keep the first 4 */
	static const char many[] =
		"{\"items\":[{\"metadata\":{\"namespace\":\"a\",\"name\":\"b\"},\"spec\":{\"nodeName\":"
		"null,\"hostNetwork\":null},\"status\":{\"phase\":null,\"podIPs\":[{\"ip\":\"10.0.0.1\"},"
		"{\"ip\":\"10.0.0.2\"},{\"ip\":\"10.0.0.3\"},{\"ip\":\"10.0.0.4\"},{\"ip\":\"10.0.0.5\"}],"
		"\"podIP\":\"10.0.0.9\"}}]}";
	memset(&err, 0, sizeof(err));
	assert_int_equal(ct_pods_parse_kubectl(&n, many, strlen(many), "cali", &err), 0);
	assert_int_equal(n.pods.v[0].n_ips, 4);
	assert_int_equal(n.pods.v[0].ips[3].a[3], 4);

	/* a NUL inside a string is refused, not cut short */
	static const char nul[] = "{\"items\":[{\"metadata\":{\"namespace\":\"a\",\"name\":\"b\\u0000c\"}}]}";
	memset(&err, 0, sizeof(err));
	assert_int_equal(ct_pods_parse_kubectl(&n, nul, strlen(nul), "cali", &err), -1);
	assert_int_equal(err.exit_code, 3);

	/* proto3 JSON drops a default: no state means SANDBOX_READY */
	static const char cr[] = "{\"items\":[{\"id\":\"x\",\"metadata\":{\"namespace\":\"a\","
				 "\"name\":\"b\"}},{\"metadata\":{\"namespace\":\"a\",\"name\":\"c\"},"
				 "\"state\":\"SANDBOX_NOTREADY\"}]}";
	memset(&err, 0, sizeof(err));
	assert_int_equal(ct_pods_parse_crictl(&n, cr, strlen(cr), NULL, &err), 0);
	assert_int_equal(n.pods.n, 2);
	assert_string_equal(n.pods.v[0].phase, "Running");
	assert_string_equal(n.pods.v[1].phase, "NotReady");

	/* format detection */
	memset(&err, 0, sizeof(err));
	assert_int_equal(ct_pods_parse_any(&n, cr, strlen(cr), NULL, "f.json", &err), 0);
	assert_string_equal(n.pods.v[1].phase, "NotReady");
	ct_node_free(&n);
}

/* ---- loading through the stubs ---- */

static void set_path(const struct tctx *t, const char *first)
{
	char p[sizeof(t->path0) + PATH_MAX + 2];
	snprintf(p, sizeof(p), "%s:%s", first, t->path0);
	setenv("PATH", p, 1);
}

static void stubs_path(const struct tctx *t)
{
	char s[PATH_MAX + 32];
	snprintf(s, sizeof(s), "%s/tests/stubs", t->root);
	set_path(t, s);
}

static void restore(const struct tctx *t)
{
	setenv("PATH", t->path0, 1);
	unsetenv("CT_STUB_MODE");
	unsetenv("CT_STUB_MESSAGE");
	unsetenv("CT_STUB_FIXTURE");
	unsetenv("CT_STUB_PIDFILE");
}

static void assert_no_children(void)
{
	errno = 0;
	assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
}

static void test_load_stubs(void **state)
{
	struct tctx *t = *state;
	struct ct_node n;
	struct ct_err err = {0};
	ct_node_init(&n);
	stubs_path(t);

	assert_int_equal(ct_pods_load(&n, "kubectl", "cali", 10, &err), 0);
	assert_int_equal(n.pods.n, 11);
	assert_string_equal(n.pods.v[3].name, "web-7c5ddbdf54-2xkqn");
	assert_string_equal(n.pods.v[3].node, "lab-node1");

	/* stderr chatter on success is not an error */
	setenv("CT_STUB_MODE", "noisy", 1);
	assert_int_equal(ct_pods_load(&n, NULL, NULL, 0, &err), 0);
	assert_int_equal(n.pods.n, 11);
	unsetenv("CT_STUB_MODE");

	assert_int_equal(ct_pods_load(&n, "crictl", "cali", 10, &err), 0);
	assert_int_equal(n.pods.n, 5);
	assert_string_equal(n.pods.v[0].ns, "calico-system");
	assert_string_equal(n.pods.v[0].node, "");
	assert_int_equal(err.exit_code, 0);
	assert_no_children();
	restore(t);
	ct_node_free(&n);
}

static void test_load_failures(void **state)
{
	struct tctx *t = *state;
	struct ct_node n;
	struct ct_err err = {0};
	char path[PATH_MAX + 64];
	ct_node_init(&n);
	stubs_path(t);

	/* kubectl with no API server: its own summary line, not the klog noise */
	setenv("CT_STUB_MODE", "refused", 1);
	assert_int_equal(ct_pods_load(&n, "kubectl", NULL, 10, &err), -1);
	assert_int_equal(err.exit_code, 3);
	assert_string_equal(err.msg, "kubectl failed with exit status 1: The connection to the "
				     "server localhost:8080 was refused - did you specify the "
				     "right host or port?");
	assert_false(n.have_pods);

	/* control characters in stderr are escaped once, where the message is shown */
	setenv("CT_STUB_MODE", "fail", 1);
	setenv("CT_STUB_MESSAGE", "error: bad \x1b]0;owned\x07 context", 1);
	memset(&err, 0, sizeof(err));
	assert_int_equal(ct_pods_load(&n, "kubectl", NULL, 10, &err), -1);
	char shown[4 * sizeof(err.msg)];
	assert_string_equal(ct_esc_str(shown, sizeof(shown), err.msg),
			    "kubectl failed with exit status 1: error: bad \\x1b]0;owned\\x07 context");

	/* only klog lines: the first, without its header */
	setenv("CT_STUB_MESSAGE", "E0101 00:00:00.000001  1 loader.go:1] boom", 1);
	memset(&err, 0, sizeof(err));
	assert_int_equal(ct_pods_load(&n, "kubectl", NULL, 10, &err), -1);
	assert_string_equal(err.msg, "kubectl failed with exit status 1: boom");
	unsetenv("CT_STUB_MODE");

	/* bad output names its source */
	setenv("CT_STUB_FIXTURE", fixture_path(t, "kubectl-bad-name-type.json", path, sizeof(path)),
	       1);
	memset(&err, 0, sizeof(err));
	assert_int_equal(ct_pods_load(&n, "kubectl", NULL, 10, &err), -1);
	assert_string_equal(err.msg, "pods from 'kubectl': items[3].metadata.name: expected a "
				     "string, got a number");
	unsetenv("CT_STUB_FIXTURE");

	/* not on PATH */
	char empty[] = "/tmp/ct-test-pods-XXXXXX";
	assert_non_null(mkdtemp(empty));
	setenv("PATH", empty, 1);
	memset(&err, 0, sizeof(err));
	assert_int_equal(ct_pods_load(&n, "kubectl", NULL, 10, &err), -1);
	assert_int_equal(err.exit_code, 3);
	assert_string_equal(err.msg, "kubectl not found on PATH; pass --pods FILE");
	memset(&err, 0, sizeof(err));
	assert_int_equal(ct_pods_load(&n, "crictl", NULL, 10, &err), -1);
	assert_string_equal(err.msg, "crictl not found on PATH; pass --pods FILE");
	rmdir(empty);
	assert_no_children();
	restore(t);
	ct_node_free(&n);
}

static void test_load_files(void **state)
{
	struct tctx *t = *state;
	struct ct_node n;
	struct ct_err err = {0};
	char path[PATH_MAX + 64];
	ct_node_init(&n);

	assert_int_equal(
		ct_pods_load(&n, fixture_path(t, "kubectl-pods.json", path, sizeof(path)), NULL, 0,
			     &err),
		0);
	assert_int_equal(n.pods.n, 11);
	assert_int_equal(
		ct_pods_load(&n, fixture_path(t, "crictl-pods.json", path, sizeof(path)), NULL, 0,
			     &err),
		0);
	assert_int_equal(n.pods.n, 5); /* detected as crictl: deduplicated */

	fixture_path(t, "kubectl-bad-podip.json", path, sizeof(path));
	assert_int_equal(ct_pods_load(&n, path, NULL, 0, &err), -1);
	assert_non_null(strstr(err.msg, "kubectl-bad-podip.json': items[4].status.podIPs[1].ip"));
	assert_int_equal(n.pods.n, 5);

	memset(&err, 0, sizeof(err));
	assert_int_equal(ct_pods_load(&n, "/nonexistent/pods.json", NULL, 0, &err), -1);
	assert_int_equal(err.exit_code, 3);
	assert_string_equal(err.msg,
			    "cannot open pods file '/nonexistent/pods.json': No such file or directory");

	/* "-" is stdin */
	int saved = dup(0);
	int fd = open(fixture_path(t, "kubectl-pods.json", path, sizeof(path)), O_RDONLY);
	assert_true(saved >= 0 && fd >= 0);
	dup2(fd, 0);
	close(fd);
	memset(&err, 0, sizeof(err));
	assert_int_equal(ct_pods_load(&n, "-", NULL, 0, &err), 0);
	dup2(saved, 0);
	close(saved);
	assert_int_equal(n.pods.n, 11);
	ct_node_free(&n);
}

static double mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Live (non-zombie) processes whose process group is pgid. */
static int live_in_group(pid_t pgid)
{
	DIR *d = opendir("/proc");
	int live = 0;
	assert_non_null(d);
	for (struct dirent *e; (e = readdir(d));) {
		char p[64], buf[512];
		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(p, sizeof(p), "/proc/%s/stat", e->d_name);
		FILE *f = fopen(p, "r");
		if (!f)
			continue;
		size_t r = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
		buf[r] = 0;
		char *rp = strrchr(buf, ')'); /* comm may hold spaces */
		char st;
		int ppid, pgrp;
		if (rp && sscanf(rp + 1, " %c %d %d", &st, &ppid, &pgrp) == 3 && pgrp == pgid &&
		    st != 'Z' && st != 'X')
			live++;
	}
	closedir(d);
	return live;
}

static void test_load_hang(void **state)
{
	struct tctx *t = *state;
	struct ct_node n;
	struct ct_err err = {0};
	char dir[] = "/tmp/ct-test-hang-XXXXXX", link[64], target[PATH_MAX + 64], pidf[64];
	ct_node_init(&n);

	assert_non_null(mkdtemp(dir));
	snprintf(link, sizeof(link), "%s/kubectl", dir);
	snprintf(pidf, sizeof(pidf), "%s/pid", dir);
	snprintf(target, sizeof(target), "%s/tests/stubs/kubectl-hang", t->root);
	char abs[PATH_MAX];
	assert_non_null(realpath(target, abs));
	assert_int_equal(symlink(abs, link), 0);
	set_path(t, dir);
	setenv("CT_STUB_PIDFILE", pidf, 1);

	double t0 = mono();
	assert_int_equal(ct_pods_load(&n, "kubectl", NULL, 1.0, &err), -1);
	double took = mono() - t0;
	assert_int_equal(err.exit_code, 3);
	assert_string_equal(err.msg, "kubectl did not answer within 1 s (killed); check the API "
				     "server or pass --pods FILE");
	if (took < 0.9 || took > 2.0)
		fail_msg("the 1 s timeout took %.2f s", took);
	assert_no_children();

	/* the stub's shell and its sleep are gone: the whole group was killed */
	FILE *f = fopen(pidf, "r");
	assert_non_null(f);
	int pid = 0;
	assert_int_equal(fscanf(f, "%d", &pid), 1);
	fclose(f);
	assert_true(pid > 1);
	int live = 1;
	for (int i = 0; i < 100 && (live = live_in_group(pid)) > 0; i++)
		usleep(10000);
	assert_int_equal(live, 0);

	unlink(pidf);
	unlink(link);
	rmdir(dir);
	restore(t);
	ct_node_free(&n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_veth_calico_vector),
		cmocka_unit_test(test_veth_oracle),
		cmocka_unit_test(test_veth_invalid),
		cmocka_unit_test(test_kubectl_fixture),
		cmocka_unit_test(test_crictl_fixture),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_truncation_kubectl),
		cmocka_unit_test(test_truncation_crictl),
		cmocka_unit_test(test_parse_edges),
		cmocka_unit_test(test_load_stubs),
		cmocka_unit_test(test_load_failures),
		cmocka_unit_test(test_load_files),
		cmocka_unit_test(test_load_hang),
	};
	return cmocka_run_group_tests_name("pods", tests, setup, teardown);
}
