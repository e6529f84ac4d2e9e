/* SPDX-License-Identifier: MIT */
/*
 * Felix's policy: iptables-save text parsing and following the dispatch per workload.
 * The fixtures in tests/fixtures/policy are the output of the real iptables-legacy-save
 * and iptables-nft-save after restoring Felix-like rules into an empty namespace. The
 * oracle for counts and counters is awk over the same file (never this parser's output).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/fixture.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "model/policy.h"

static char *fixture(const char *name, size_t *len, char *path, size_t plen)
{
	return ct_fx_read("policy", name, len, path, plen);
}

/* The first line of an awk program's output as a number (the oracle). */
static uint64_t awk_u64(const char *prog, const char *path)
{
	char cmd[4096], line[128] = "";
	snprintf(cmd, sizeof(cmd), "awk '%s' '%s'", prog, path);
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	if (!fgets(line, sizeof(line), p))
		line[0] = 0;
	assert_int_equal(pclose(p), 0);
	assert_true(line[0] >= '0' && line[0] <= '9');
	return strtoull(line, NULL, 10);
}

/* Packets counted by the rule of chain whose line also contains text (awk). */
static uint64_t awk_counter(const char *path, const char *chain, const char *text)
{
	char prog[1024];
	snprintf(prog, sizeof(prog),
		 "index($0, \"-A %s \") && index($0, \"%s\") "
		 "{ s = $1; gsub(/[\\[\\]]/, \"\", s); split(s, a, \":\"); print a[1]; exit }",
		 chain, text);
	return awk_u64(prog, path);
}

static void parse_fixture(const char *name, struct ct_ipt_ruleset *rs, char *path, size_t plen)
{
	size_t len;
	char *buf = fixture(name, &len, path, plen);
	struct ct_err err = {0};
	ct_ipt_ruleset_init(rs);
	int rc = ct_ipt_parse(rs, buf, len, &err);
	if (rc != 0)
		fail_msg("%s: %s", name, err.msg);
	free(buf);
}

static void test_parse_counts(void **state)
{
	(void)state;
	const char *names[] = {"felix-iptables-legacy.save", "felix-iptables-nft.save",
			       "felix-dispatch-children.save"};
	for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
		char path[PATH_MAX + 64];
		struct ct_ipt_ruleset rs;
		parse_fixture(names[k], &rs, path, sizeof(path));
		assert_int_equal(rs.nchains, awk_u64("/^:/ { n++ } END { print n + 0 }", path));
		assert_int_equal(rs.nrules, awk_u64("/-A / { n++ } END { print n + 0 }", path));
		assert_int_equal(rs.ntables, awk_u64("/^\\*/ { n++ } END { print n + 0 }", path));
		/* each chain's rules are its own, in file order: the first rule of the filter
		 * table's FORWARD carries the counter awk finds first */
		const struct ct_ipt_chain *fw = ct_ipt_chain_find(&rs, "filter", "FORWARD");
		assert_non_null(fw);
		assert_true(fw->n > 0);
		assert_int_equal(rs.rules[fw->first].pkts,
				 awk_counter(path, "FORWARD", "-j cali-FORWARD"));
		ct_ipt_ruleset_free(&rs);
	}
}

static void test_follow_flat(void **state)
{
	(void)state;
	const char *names[] = {"felix-iptables-legacy.save", "felix-iptables-nft.save"};
	for (size_t k = 0; k < 2; k++) {
		char path[PATH_MAX + 64];
		struct ct_policy p;
		ct_policy_init(&p);
		parse_fixture(names[k], &p.rs[k], path, sizeof(path));
		p.read[k] = true;
		const char *ifs[] = {"calie57ed5aa5ae", "cali68caf03a5f4", "caliee58aa3412c"};
		assert_int_equal(ct_policy_follow(&p, ifs, 3), 0);
		assert_true(p.dispatch);
		assert_int_equal(p.dispatch_backend, (int)k);

		/* the web pod: profiles only, dispatched both ways */
		const struct ct_wl_policy *w = ct_policy_of(&p, "cali68caf03a5f4");
		assert_non_null(w);
		assert_int_equal(w->backend, (int)k);
		assert_true(w->from.present && w->from.dispatched && !w->from.unknown);
		assert_string_equal(w->from.via, "cali-from-wl-dispatch");
		assert_true(w->to.present && w->to.dispatched);
		assert_string_equal(w->to.via, "cali-to-wl-dispatch");
		assert_int_equal(w->from.policies + w->to.policies, 0);
		assert_int_equal(w->from.profiles, 2);
		assert_int_equal(w->to.profiles, 2);

		/* the db pod: an ingress policy, and the end of tier dropped packets */
		w = ct_policy_of(&p, "calie57ed5aa5ae");
		assert_non_null(w);
		assert_int_equal(w->to.policies, 1);
		bool found = false;
		uint64_t sum = 0;
		for (size_t i = 0; i < w->ndrops; i++) {
			const struct ct_pol_drop *d = &w->drops[i];
			sum += d->pkts;
			if (d->kind == CT_POL_DROP_END_OF_TIER) {
				found = true;
				assert_string_equal(d->chain, "cali-tw-calie57ed5aa5ae");
				assert_int_equal(d->pkts,
						 awk_counter(path, "cali-tw-calie57ed5aa5ae",
							     "Drop if no policies passed packet"));
				assert_true(d->pkts > 0);
			}
		}
		assert_true(found);
		assert_int_equal(sum, w->dropped);
		/* every DROP of its two chains (awk counts them) */
		assert_int_equal(
		    w->ndrops,
		    awk_u64("/-A cali-[ft]w-calie57ed5aa5ae .*-j DROP/ { n++ } END { print n + 0 }",
			    path));

		/* the new pod: no chains; its packets end on "Unknown interface" */
		w = ct_policy_of(&p, "caliee58aa3412c");
		assert_non_null(w);
		assert_int_equal(w->backend, -1);
		assert_false(w->from.present);
		assert_false(w->to.present);
		assert_true(w->from.unknown);
		assert_true(w->to.unknown);
		assert_null(ct_policy_of(&p, "cali0000000000"));
		ct_policy_free(&p);
	}
}

static void test_follow_children(void **state)
{
	(void)state;
	char path[PATH_MAX + 64];
	struct ct_policy p;
	ct_policy_init(&p);
	parse_fixture("felix-dispatch-children.save", &p.rs[CT_POL_IPT_LEGACY], path, sizeof(path));
	p.read[CT_POL_IPT_LEGACY] = true;
	const char *ifs[] = {"cali6a01b2c3d4e", "cali68caf03a5f4", "calie57ed5aa5ae",
			     "cali7000000000a"};
	assert_int_equal(ct_policy_follow(&p, ifs, 4), 0);

	const struct ct_wl_policy *w = ct_policy_of(&p, "cali6a01b2c3d4e");
	assert_non_null(w);
	assert_true(w->from.dispatched);
	assert_string_equal(w->from.via, "cali-from-wl-dispatch-6");
	assert_int_equal(w->from.policies, 1);
	assert_int_equal(w->nchains,
			 3); /* cali-po-..., cali-pro-kns.default, cali-pri-kns.default */
	/* the policy's REJECT and its DROP without a comment are drops too */
	int reject = 0, bare = 0, tier = 0;
	for (size_t i = 0; i < w->ndrops; i++) {
		if (strcmp(w->drops[i].target, "REJECT") == 0)
			reject++;
		if (!w->drops[i].comment[0] && w->drops[i].kind == CT_POL_DROP_OTHER)
			bare++;
		if (w->drops[i].kind == CT_POL_DROP_END_OF_TIER) {
			tier++;
			assert_int_equal(
			    w->drops[i].pkts,
			    awk_counter(path, "cali-fw-cali6a01b2c3d4e", "End of tier"));
		}
	}
	assert_int_equal(reject, 1);
	assert_int_equal(bare, 2);
	assert_int_equal(tier, 1);

	/* chains exist, but the to-dispatch child has no rule for it */
	w = ct_policy_of(&p, "calie57ed5aa5ae");
	assert_non_null(w);
	assert_true(w->from.dispatched);
	assert_string_equal(w->from.via, "cali-from-wl-dispatch-e");
	assert_true(w->to.present);
	assert_false(w->to.dispatched);
	assert_true(w->to.unknown);

	/* no child chain for the prefix: the top dispatch chain's Unknown interface */
	w = ct_policy_of(&p, "cali7000000000a");
	assert_non_null(w);
	assert_true(w->from.unknown && w->to.unknown);
	ct_policy_free(&p);
}

static void test_if_match(void **state)
{
	(void)state;
	assert_true(ct_ipt_if_match("cali+", "cali123"));
	assert_true(ct_ipt_if_match("+", "eth0"));
	assert_true(ct_ipt_if_match("cali123", "cali123"));
	assert_false(ct_ipt_if_match("cali123", "cali1234"));
	assert_false(ct_ipt_if_match("cali1+", "cali2"));
}

static int parse_str(const char *s, struct ct_err *err)
{
	struct ct_ipt_ruleset rs;
	ct_ipt_ruleset_init(&rs);
	memset(err, 0, sizeof(*err));
	int rc = ct_ipt_parse(&rs, s, strlen(s), err);
	ct_ipt_ruleset_free(&rs);
	return rc;
}

static void test_malformed(void **state)
{
	(void)state;
	static const struct {
		const char *text, *why;
	} bad[] = {
	    {"*filter\n:INPUT ACCEPT [0:0]\n", "no COMMIT"},
	    {":INPUT ACCEPT [0:0]\n", "outside a table"},
	    {"*filter\n:INPUT ACCEPT [0:x]\nCOMMIT\n", "bad chain counters"},
	    {"*filter\n:INPUT ACCEPT [18446744073709551616:0]\nCOMMIT\n", "bad chain counters"},
	    {"*filter\n:INPUT ACCEPT\nCOMMIT\n", "a chain line needs"},
	    {"*filter\n:INPUT ACCEPT [0:0]\n[1:2] -A FOO -j DROP\nCOMMIT\n", "undeclared chain"},
	    {"*filter\n:INPUT ACCEPT [0:0]\n[1:2 -A INPUT -j DROP\nCOMMIT\n", "bad rule counters"},
	    {"*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -m comment --comment \"abc -j DROP\nCOMMIT\n",
	     "unterminated quoted string"},
	    {"*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -j\nCOMMIT\n", "without a target"},
	    {"*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -j DROP -g X\nCOMMIT\n", NULL},
	    {"*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -i\nCOMMIT\n", "without an interface"},
	    {"*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -i caliaaaaaaaaaaaaaaaaa -j DROP\nCOMMIT\n",
	     "bad interface name"},
	    {"*filter\n:INPUT ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\nCOMMIT\n", "declared twice"},
	    {"*filter\n*nat\nCOMMIT\n", "before COMMIT"},
	    {"COMMIT\n", "COMMIT outside"},
	    {"*filter\n:INPUT ACCEPT [0:0]\nhello\nCOMMIT\n", "not a chain, a rule"},
	    {"*filter\n:IN\x01PUT ACCEPT [0:0]\nCOMMIT\n", "bad chain name"},
	    {"*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -m comment --comment \"a\"b -j DROP\nCOMMIT\n",
	     "closing quote"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct ct_err err;
		int rc = parse_str(bad[i].text, &err);
		if (!bad[i].why) { /* accepted: the options after the target are the target's */
			assert_int_equal(rc, 0);
			continue;
		}
		if (rc != -1)
			fail_msg("case %zu accepted: %s", i, bad[i].text);
		assert_int_equal(err.exit_code, 3);
		if (!strstr(err.msg, bad[i].why) ||
		    strncmp(err.msg, "iptables-save output line ", 26))
			fail_msg("case %zu: '%s' lacks '%s'", i, err.msg, bad[i].why);
	}
	/* a long comment: 255 bytes fit, 256 do not */
	char big[1024];
	for (int l = 255; l <= 256; l++) {
		int n = snprintf(big, sizeof(big),
				 "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -m comment --comment \"");
		memset(big + n, 'x', (size_t)l);
		snprintf(big + n + l, sizeof(big) - (size_t)(n + l), "\" -j DROP\nCOMMIT\n");
		struct ct_err err;
		assert_int_equal(parse_str(big, &err), l == 255 ? 0 : -1);
	}
	/* escaped quotes and backslashes are unescaped, CRLF lines accepted */
	struct ct_ipt_ruleset rs;
	struct ct_err err = {0};
	const char *s = "*filter\r\n:INPUT ACCEPT [0:0]\r\n[3:4] -A INPUT -m comment --comment "
			"\"say \\\"hi\\\" \\\\ there\" -j REJECT --reject-with "
			"icmp-port-unreachable\r\nCOMMIT\r\n";
	ct_ipt_ruleset_init(&rs);
	assert_int_equal(ct_ipt_parse(&rs, s, strlen(s), &err), 0);
	assert_int_equal(rs.nrules, 1);
	assert_string_equal(rs.rules[0].comment, "say \"hi\" \\ there");
	assert_string_equal(rs.rules[0].target, "REJECT");
	assert_false(rs.rules[0].other_match);
	assert_int_equal(rs.rules[0].pkts, 3);
	ct_ipt_ruleset_free(&rs);
	/* a NUL byte inside is an error, not the end */
	const char nul[] = "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT\0 -j DROP\nCOMMIT\n";
	ct_ipt_ruleset_init(&rs);
	assert_int_equal(ct_ipt_parse(&rs, nul, sizeof(nul) - 1, &err), -1);
	assert_non_null(strstr(err.msg, "NUL"));
	ct_ipt_ruleset_free(&rs);
}

/* Every prefix of a real file: parsed or refused with a line number, never a crash;
 * a cut inside a table is always refused. */
static void test_truncation(void **state)
{
	(void)state;
	char path[PATH_MAX + 64];
	size_t len;
	char *buf = fixture("felix-dispatch-children.save", &len, path, sizeof(path));
	size_t last_commit = 0;
	for (size_t i = 0; i + 7 <= len; i++)
		if (memcmp(buf + i, "COMMIT\n", 7) == 0)
			last_commit = i + 6;
	for (size_t cut = 0; cut <= len; cut++) {
		struct ct_ipt_ruleset rs;
		struct ct_err err = {0};
		ct_ipt_ruleset_init(&rs);
		char *copy = malloc(cut ? cut : 1); /* exact size: ASan sees any overread */
		assert_non_null(copy);
		memcpy(copy, buf, cut);
		int rc = ct_ipt_parse(&rs, copy, cut, &err);
		if (rc < 0)
			assert_non_null(strstr(err.msg, "iptables-save output line "));
		bool inside = cut > 0 && memchr(buf, '*', cut) && cut < last_commit;
		if (inside && rc == 0)
			fail_msg("cut at %zu accepted", cut);
		free(copy);
		ct_ipt_ruleset_free(&rs);
	}
	free(buf);
}

/* A jq program's output as a number (the oracle for the nftables JSON). */
static uint64_t jq_u64(const char *prog, const char *path)
{
	char cmd[4096], line[128] = "";
	snprintf(cmd, sizeof(cmd), "jq -r '%s' '%s'", prog, path);
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	if (!fgets(line, sizeof(line), p))
		line[0] = 0;
	assert_int_equal(pclose(p), 0);
	assert_true(line[0] >= '0' && line[0] <= '9');
	return strtoull(line, NULL, 10);
}

/* The real `nft -j list ruleset` of a Calico-like nftables ruleset ("ip calico", dispatch by
 * verdict map) beside iptables-nft's "ip filter" (felix-dispatch-children.save restored). */
static void test_nft(void **state)
{
	(void)state;
	char path[PATH_MAX + 64], spath[PATH_MAX + 64];
	size_t len;
	char *buf = fixture("calico-nftables.json", &len, path, sizeof(path));
	struct ct_ipt_ruleset all, skip;
	struct ct_err err = {0};

	ct_ipt_ruleset_init(&all);
	assert_int_equal(ct_nft_parse(&all, buf, len, &err), 0);
	assert_int_equal(all.ntables, jq_u64("[.nftables[] | select(.table)] | length", path));
	assert_int_equal(all.nchains, jq_u64("[.nftables[] | select(.chain)] | length", path));
	ct_ipt_ruleset_free(&all);

	parse_fixture("felix-dispatch-children.save", &skip, spath, sizeof(spath));
	/* the table list: iptables-nft's "ip filter" is left out with skip */
	char tables[4][2][CT_POL_TABLE];
	size_t nt = 0;
	assert_int_equal(ct_nft_table_list(buf, len, NULL, tables, 4, &nt, &err), 0);
	assert_int_equal(nt, jq_u64("[.nftables[] | select(.table)] | length", path));
	assert_int_equal(ct_nft_table_list(buf, len, &skip, tables, 4, &nt, &err), 0);
	assert_int_equal(nt, 1);
	assert_string_equal(tables[0][0], "ip");
	assert_string_equal(tables[0][1], "calico");
	struct ct_policy p;
	ct_policy_init(&p);
	assert_int_equal(ct_nft_parse_skip(&p.rs[CT_POL_NFTABLES], buf, len, &skip, &err), 0);
	p.read[CT_POL_NFTABLES] = true;
	assert_int_equal(p.rs[CT_POL_NFTABLES].ntables, 1);
	assert_int_equal(
	    p.rs[CT_POL_NFTABLES].nchains,
	    jq_u64("[.nftables[] | select(.chain.table == \"calico\")] | length", path));
	for (size_t i = 0; i < p.rs[CT_POL_NFTABLES].nchains; i++)
		assert_string_equal(p.rs[CT_POL_NFTABLES].chains[i].table, "ip calico");

	const char *ifs[] = {"calie57ed5aa5ae", "cali68caf03a5f4", "cali0000000000a"};
	assert_int_equal(ct_policy_follow(&p, ifs, 3), 0);
	assert_true(p.dispatch);
	const struct ct_wl_policy *w = ct_policy_of(&p, "calie57ed5aa5ae");
	assert_non_null(w);
	assert_int_equal(w->backend, CT_POL_NFTABLES);
	assert_true(w->from.dispatched && w->to.dispatched);
	assert_string_equal(w->from.via, "filter-cali-from-wl-dispatch");
	assert_string_equal(w->to.via, "filter-cali-to-wl-dispatch");
	assert_int_equal(w->to.policies, 1);
	bool tier = false;
	for (size_t i = 0; i < w->ndrops; i++)
		if (w->drops[i].kind == CT_POL_DROP_END_OF_TIER) {
			tier = true;
			assert_int_equal(
			    w->drops[i].pkts,
			    jq_u64(".nftables[] | .rule? | select(.chain == "
				   "\"filter-cali-tw-calie57ed5aa5ae\") "
				   "| select(.comment // \"\" | test(\"Drop if no policies\")) "
				   "| .expr[] | .counter? | select(.) | .packets",
				   path));
		}
	assert_true(tier);
	w = ct_policy_of(&p, "cali68caf03a5f4");
	assert_non_null(w);
	assert_int_equal(w->from.profiles, 1);
	w = ct_policy_of(&p, "cali0000000000a");
	assert_non_null(w);
	assert_int_equal(w->backend, -1);
	assert_true(w->from.unknown && w->to.unknown);
	ct_policy_free(&p);
	ct_ipt_ruleset_free(&skip);

	/* malformed */
	static const char *const bad[] = {
	    "",
	    "{",
	    "[]",
	    "{\"nftables\": 5}",
	    "{\"nftables\": [1]}",
	    "{\"nftables\": [{\"a\": 1, \"b\": 2}]}",
	    "{\"nftables\": [{\"chain\": {\"name\": \"x\"}}]}",
	    "{\"nftables\": [{\"table\": {\"family\": \"ip\", \"name\": \"t\"}}, "
	    "{\"chain\": {\"family\": \"ip\", \"table\": \"t\", \"name\": \"c\"}}, "
	    "{\"rule\": {\"family\": \"ip\", \"table\": \"t\", \"chain\": \"c\"}}]}",
	    "{\"nftables\": [{\"table\": {\"family\": \"ip\", \"name\": \"t\"}}, "
	    "{\"chain\": {\"family\": \"ip\", \"table\": \"t\", \"name\": \"c\"}}, "
	    "{\"rule\": {\"family\": \"ip\", \"table\": \"t\", \"chain\": \"c\", \"expr\": [5]}}]}",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct ct_ipt_ruleset rs;
		ct_ipt_ruleset_init(&rs);
		memset(&err, 0, sizeof(err));
		if (ct_nft_parse(&rs, bad[i], strlen(bad[i]), &err) != -1)
			fail_msg("nft case %zu accepted", i);
		assert_int_equal(err.exit_code, 3);
		assert_int_equal(strncmp(err.msg, "nftables JSON: ", 15), 0);
		ct_ipt_ruleset_free(&rs);
	}
	/* every prefix of the real document but the whole is refused, never a crash */
	for (size_t cut = 0; cut < len; cut += 7) {
		struct ct_ipt_ruleset rs;
		char *copy = malloc(cut ? cut : 1);
		assert_non_null(copy);
		memcpy(copy, buf, cut);
		ct_ipt_ruleset_init(&rs);
		size_t end = len;
		while (end && (buf[end - 1] == '\n' || buf[end - 1] == ' '))
			end--;
		if (cut < end)
			assert_int_equal(ct_nft_parse(&rs, copy, cut, &err), -1);
		ct_ipt_ruleset_free(&rs);
		free(copy);
	}
	free(buf);
}

/* Calico's dual-stack nftables mode: "ip calico" and "ip6 calico" hold chains of the same
 * names (the fixture lists ip6 first); each jump stays in its own table and the IPv4 table
 * is the one followed. */
static void test_nft_dualstack(void **state)
{
	(void)state;
	char path[PATH_MAX + 64];
	size_t len;
	char *buf = fixture("calico-nftables-dualstack.json", &len, path, sizeof(path));
	struct ct_policy p;
	struct ct_err err = {0};
	ct_policy_init(&p);
	assert_int_equal(ct_nft_parse(&p.rs[CT_POL_NFTABLES], buf, len, &err), 0);
	p.read[CT_POL_NFTABLES] = true;
	assert_int_equal(p.rs[CT_POL_NFTABLES].ntables, 2);
	const char *ifs[] = {"calie57ed5aa5ae"};
	assert_int_equal(ct_policy_follow(&p, ifs, 1), 0);
	const struct ct_wl_policy *w = ct_policy_of(&p, "calie57ed5aa5ae");
	assert_non_null(w);
	assert_true(w->from.dispatched && w->to.dispatched);
	assert_int_equal(w->to.policies, 1);
	uint64_t eot = 0;
	for (size_t i = 0; i < w->ndrops; i++)
		if (w->drops[i].kind == CT_POL_DROP_END_OF_TIER)
			eot += w->drops[i].pkts;
	assert_int_equal(eot, jq_u64(".nftables[] | .rule? | select(.) | select(.family == \"ip\") "
				     "| select(.chain == \"filter-cali-tw-calie57ed5aa5ae\") "
				     "| select(.comment // \"\" | test(\"Drop if no policies\")) "
				     "| .expr[] | .counter? | select(.) | .packets",
				     path));
	ct_policy_free(&p);
	free(buf);
}

int main(void)
{
	ct_fx_find_root("policy");
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_counts),
	    cmocka_unit_test(test_follow_flat),
	    cmocka_unit_test(test_follow_children),
	    cmocka_unit_test(test_if_match),
	    cmocka_unit_test(test_malformed),
	    cmocka_unit_test(test_truncation),
	    cmocka_unit_test(test_nft),
	    cmocka_unit_test(test_nft_dualstack),
	};
	return cmocka_run_group_tests_name("policy", tests, NULL, NULL);
}
