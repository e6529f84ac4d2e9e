/* SPDX-License-Identifier: MIT */
/*
 * kube-proxy's Services (model/svc.h): the iptables reader on the real iptables-legacy-save,
 * iptables-nft-save and ip6tables-legacy-save output of the tests/fixtures/svc rules files restored
 * into an empty namespace; the nftables reader on `nft -j list table` of kube-proxy.nft loaded
 * the same way; the IPVS reader on /proc/net/ip_vs text written here with the kernel's own
 * format (ip_vs_ctl.c: "%s  %08X:%04X %s" of the host-order address and port) from a table of
 * Services, and on a fixture. The expected Services are the ones the rules files were written
 * with, never this parser's output pasted in. Truncated and malformed input of each.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/fixture.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <net/if.h>

#include "model/svc.h"

static char *fixture(const char *name, size_t *len)
{
	return ct_fx_read("svc", name, len, NULL, 0);
}

/* What a Service must look like: "VIP PROTO PORT NAME" and its backends, "" for none. */
struct want {
	const char *vip, *proto;
	uint16_t port;
	const char *name;
	const char *be[3]; /* "IP:PORT" in kube-proxy's order */
};

/* The Services kube-proxy-iptables.rules and kube-proxy.nft were written with (IPv4). */
static const struct want want_v4[] = {
    {"10.96.0.10", "udp", 53, "kube-system/kube-dns:dns", {"10.244.0.2:53", "10.244.1.3:53"}},
    {"10.96.0.20", "tcp", 80, "default/empty:http", {NULL}},
    {"10.96.0.30", "tcp", 8080, "shop/web", {"10.244.2.7:80"}},
    {"192.168.99.30", "tcp", 8080, "shop/web", {"10.244.2.7:80"}},
};
static const struct want want_api = {
    "10.96.0.1", "tcp", 443, "default/kubernetes:https", {"192.168.31.201:6443"}};
static const struct want want_v6[] = {
    {"fd00:10:96::a",
     "udp",
     53,
     "kube-system/kube-dns:dns",
     {"[fd00:10:244::2]:53", "[fd00:10:244:1::3]:53"}},
    {"fd00:10:96::20", "tcp", 80, "default/empty6:http", {NULL}},
};

static void backend_str(const struct ct_svc_backend *b, char *out, size_t cap)
{
	char a[64];
	ct_ip_fmt(&b->ip, a, sizeof(a));
	snprintf(out, cap, b->ip.family == AF_INET6 ? "[%s]:%u" : "%s:%u", a, b->port);
}

static void check_want(const struct ct_svcs *s, const struct want *w, enum ct_svc_source src)
{
	struct ct_ip vip;
	assert_int_equal(ct_ip_parse(w->vip, &vip), 0);
	const struct ct_svc *v = ct_svc_find(s, &vip, ct_svc_proto_parse(w->proto), w->port);
	if (!v)
		fail_msg("no Service %s:%u/%s", w->vip, w->port, w->proto);
	assert_int_equal(v->source, src);
	assert_string_equal(v->name, w->name);
	size_t n = 0;
	while (n < 3 && w->be[n])
		n++;
	assert_int_equal(v->nbe, n);
	assert_int_equal(v->nbe_total, n);
	assert_int_equal(v->no_endpoints, n == 0);
	for (size_t i = 0; i < n; i++) {
		char b[80];
		backend_str(&v->be[i], b, sizeof(b));
		assert_string_equal(b, w->be[i]);
	}
}

static void load_ipt(struct ct_svcs *s, const char *name, enum ct_svc_source src)
{
	size_t len;
	char *buf = fixture(name, &len);
	struct ct_ipt_ruleset rs;
	struct ct_err err = {0};
	ct_ipt_ruleset_init(&rs);
	if (ct_ipt_parse(&rs, buf, len, &err) < 0)
		fail_msg("%s: %s", name, err.msg);
	assert_int_equal(ct_svc_from_ipt(s, &rs, src, &err), 0);
	ct_ipt_ruleset_free(&rs);
	free(buf);
}

static void test_iptables(void **state)
{
	(void)state;
	const char *names[] = {"kube-proxy-iptables-legacy.save", "kube-proxy-iptables-nft.save"};
	for (int k = 0; k < 2; k++) {
		struct ct_svcs s;
		ct_svcs_init(&s);
		load_ipt(&s, names[k], k ? CT_SVC_IPT_NFT : CT_SVC_IPT_LEGACY);
		ct_svcs_finish(&s);
		assert_int_equal(s.n, 5); /* the four, and default/kubernetes */
		for (size_t i = 0; i < 4; i++)
			check_want(&s, &want_v4[i], k ? CT_SVC_IPT_NFT : CT_SVC_IPT_LEGACY);
		check_want(&s, &want_api, k ? CT_SVC_IPT_NFT : CT_SVC_IPT_LEGACY);
		/* the kinds from the comments */
		struct ct_ip ip;
		ct_ip_parse("192.168.99.30", &ip);
		assert_int_equal(ct_svc_find(&s, &ip, 0, 0)->kind, CT_SVC_KIND_EXTERNAL_IP);
		char line[256];
		ct_svc_describe(ct_svc_find(&s, &ip, 0, 0), line, sizeof(line));
		assert_non_null(strstr(line, "is Service shop/web (external IP, iptables-"));
		ct_ip_parse("10.96.0.10", &ip);
		assert_int_equal(ct_svc_find(&s, &ip, 0, 0)->kind, CT_SVC_KIND_CLUSTER_IP);
		/* the wrong protocol or port is not the Service; a node port is no VIP */
		assert_null(ct_svc_find(&s, &ip, IPPROTO_TCP, 53));
		assert_null(ct_svc_find(&s, &ip, IPPROTO_UDP, 54));
		assert_non_null(ct_svc_find(&s, &ip, 0, 53));
		ct_ip_parse("10.96.0.11", &ip);
		assert_false(ct_svc_is_vip(&s, &ip));
		ct_svcs_free(&s);
	}
	struct ct_svcs s;
	ct_svcs_init(&s);
	load_ipt(&s, "kube-proxy-ip6tables-legacy.save", CT_SVC_IPT_LEGACY);
	ct_svcs_finish(&s);
	assert_int_equal(s.n, 2);
	for (size_t i = 0; i < 2; i++)
		check_want(&s, &want_v6[i], CT_SVC_IPT_LEGACY);
	ct_svcs_free(&s);
}

static void load_nft(struct ct_svcs *s, const char *name)
{
	size_t len;
	char *buf = fixture(name, &len);
	struct ct_err err = {0};
	if (ct_svc_parse_nft(s, buf, len, &err) < 0)
		fail_msg("%s: %s", name, err.msg);
	free(buf);
}

static void test_nftables(void **state)
{
	(void)state;
	struct ct_svcs s;
	ct_svcs_init(&s);
	load_nft(&s, "kube-proxy-nft-ip.json");
	load_nft(&s, "kube-proxy-nft-ip6.json");
	ct_svcs_finish(&s);
	assert_int_equal(s.n, 6);
	for (size_t i = 0; i < 4; i++)
		check_want(&s, &want_v4[i], CT_SVC_NFTABLES);
	for (size_t i = 0; i < 2; i++)
		check_want(&s, &want_v6[i], CT_SVC_NFTABLES);
	ct_svcs_free(&s);
}

/* Both modes programmed (a node moving from iptables to nftables): one Service per source,
 * the iptables one found first; a filter REJECT and nat rules of one key merge. */
static void test_merge(void **state)
{
	(void)state;
	struct ct_svcs s;
	ct_svcs_init(&s);
	load_nft(&s, "kube-proxy-nft-ip.json");
	load_ipt(&s, "kube-proxy-iptables-nft.save", CT_SVC_IPT_NFT);
	ct_svcs_finish(&s);
	assert_int_equal(s.n, 9);
	struct ct_ip ip;
	ct_ip_parse("10.96.0.10", &ip);
	assert_int_equal(ct_svc_find(&s, &ip, IPPROTO_UDP, 53)->source, CT_SVC_IPT_NFT);
	ct_svcs_free(&s);

	const char *txt =
	    "*filter\n:KUBE-SERVICES - [0:0]\n"
	    "-A KUBE-SERVICES -d 10.96.0.40/32 -p tcp -m comment --comment "
	    "\"a/b:c has no endpoints\" -m tcp --dport 80 -j REJECT\nCOMMIT\n"
	    "*nat\n:KUBE-SERVICES - [0:0]\n:KUBE-SVC-X - [0:0]\n:KUBE-SEP-Y - [0:0]\n"
	    "-A KUBE-SERVICES -d 10.96.0.40/32 -p tcp -m comment --comment "
	    "\"a/b:c cluster IP\" -m tcp --dport 80 -j KUBE-SVC-X\n"
	    "-A KUBE-SVC-X -j KUBE-SEP-Y\n"
	    "-A KUBE-SEP-Y -p tcp -m tcp -j DNAT --to-destination 10.0.0.9:8080\n"
	    "-A KUBE-SERVICES -d 10.96.0.41/24 -p tcp -m tcp --dport 80 -j KUBE-SVC-X\n"
	    "-A KUBE-SERVICES ! -d 10.96.0.42/32 -p tcp -m tcp --dport 80 -j KUBE-SVC-X\n"
	    "-A KUBE-SERVICES -d 10.96.0.43/32 -p tcp -m tcp --dport 80 -j NOCHAIN\n"
	    "-A KUBE-SERVICES -d 10.96.0.44/32 -p tcp -m comment --comment "
	    "\"x/\\\"y\\\" z cluster IP\" -m tcp --dport 80 -j KUBE-SVC-X\n"
	    "COMMIT\n";
	struct ct_ipt_ruleset rs;
	struct ct_err err = {0};
	ct_svcs_init(&s);
	ct_ipt_ruleset_init(&rs);
	assert_int_equal(ct_ipt_parse(&rs, txt, strlen(txt), &err), 0);
	assert_int_equal(ct_svc_from_ipt(&s, &rs, CT_SVC_IPT_LEGACY, &err), 0);
	ct_svcs_finish(&s);
	/* .40 once (with its backend), .44 with no name (quotes in it); no /24, !-d or missing
	 * chain */
	assert_int_equal(s.n, 2);
	ct_ip_parse("10.96.0.40", &ip);
	const struct ct_svc *v = ct_svc_find(&s, &ip, IPPROTO_TCP, 80);
	assert_non_null(v);
	assert_false(v->no_endpoints);
	assert_int_equal(v->nbe, 1);
	assert_int_equal(v->be[0].port, 8080);
	assert_string_equal(v->name, "a/b:c");
	ct_ip_parse("10.96.0.44", &ip);
	v = ct_svc_find(&s, &ip, IPPROTO_TCP, 80);
	assert_non_null(v);
	assert_string_equal(v->name, "");
	ct_ipt_ruleset_free(&rs);
	ct_svcs_free(&s);
}

/* /proc/net/ip_vs written as the kernel writes it, from this table. */
static const struct {
	const char *proto, *vip;
	uint16_t port;
	const char *be[2];
	uint16_t beport;
} ipvs_tab[] = {
    {"TCP", "10.96.0.1", 443, {"192.168.31.201", NULL}, 6443},
    {"UDP", "10.96.0.10", 53, {"10.244.0.2", "10.244.1.3"}, 53},
    {"TCP", "10.96.0.20", 80, {NULL, NULL}, 0},
    {"SCTP", "10.96.0.50", 9999, {"10.244.3.3", NULL}, 9999},
};

static size_t ipvs_text(char *buf, size_t cap)
{
	size_t n = (size_t)snprintf(buf, cap,
				    "IP Virtual Server version 1.2.1 (size=4096)\n"
				    "Prot LocalAddress:Port Scheduler Flags\n"
				    "  -> RemoteAddress:Port Forward Weight ActiveConn "
				    "InActConn\n");
	for (size_t i = 0; i < sizeof(ipvs_tab) / sizeof(ipvs_tab[0]); i++) {
		struct in_addr a;
		inet_pton(AF_INET, ipvs_tab[i].vip, &a);
		n += (size_t)snprintf(buf + n, cap - n, "%s  %08X:%04X %s \n", ipvs_tab[i].proto,
				      ntohl(a.s_addr), ipvs_tab[i].port, "rr");
		for (int k = 0; k < 2 && ipvs_tab[i].be[k]; k++) {
			inet_pton(AF_INET, ipvs_tab[i].be[k], &a);
			n += (size_t)snprintf(buf + n, cap - n,
					      "  -> %08X:%04X      %-7s %-6d %-10d %-10d\n",
					      ntohl(a.s_addr), ipvs_tab[i].beport, "Masq", 1, 0, 0);
		}
	}
	return n;
}

static void test_ipvs(void **state)
{
	(void)state;
	char buf[4096];
	size_t len = ipvs_text(buf, sizeof(buf));
	struct ct_svcs s;
	struct ct_err err = {0};
	ct_svcs_init(&s);
	assert_int_equal(ct_svc_parse_ipvs(&s, buf, len, &err), 0);
	ct_svcs_finish(&s);
	assert_int_equal(s.n, 4);
	for (size_t i = 0; i < 4; i++) {
		struct ct_ip vip;
		ct_ip_parse(ipvs_tab[i].vip, &vip);
		const struct ct_svc *v =
		    ct_svc_find(&s, &vip, ct_svc_proto_parse(ipvs_tab[i].proto), ipvs_tab[i].port);
		assert_non_null(v);
		assert_int_equal(v->source, CT_SVC_IPVS);
		assert_string_equal(v->name, "");
		size_t n = ipvs_tab[i].be[0] ? ipvs_tab[i].be[1] ? 2 : 1 : 0;
		assert_int_equal(v->nbe, n);
		assert_int_equal(v->no_endpoints, n == 0);
		for (size_t k = 0; k < n; k++) {
			struct ct_ip b;
			ct_ip_parse(ipvs_tab[i].be[k], &b);
			assert_true(ct_ip_eq(&v->be[k].ip, &b));
			assert_int_equal(v->be[k].port, ipvs_tab[i].beport);
		}
	}
	/* kube-ipvs0 holds 10.96.0.10 only */
	struct ct_ip local;
	ct_ip_parse("10.96.0.10", &local);
	ct_svc_ipvs_local(&s, &local, 1);
	char line[512];
	const struct ct_svc *v = ct_svc_find(&s, &local, 0, 0);
	assert_true(v->vip_local);
	ct_svc_describe(v, line, sizeof(line));
	assert_string_equal(line, "10.96.0.10:53/udp is a Service VIP (ipvs, no name there), 2 "
				  "backends: 10.244.0.2:53, 10.244.1.3:53");
	ct_ip_parse("10.96.0.1", &local);
	ct_svc_describe(ct_svc_find(&s, &local, 0, 0), line, sizeof(line));
	assert_non_null(strstr(line, "(the VIP is not on kube-ipvs0)"));
	ct_ip_parse("10.96.0.20", &local);
	ct_svc_describe(ct_svc_find(&s, &local, 0, 0), line, sizeof(line));
	assert_non_null(strstr(line, "which has no endpoints: IPVS has no real server for it"));
	ct_svcs_free(&s);

	/* the fixture: IPv6, persistent, weight 0 (terminating), a firewall-mark service */
	char *fx = fixture("ip_vs.txt", &len);
	ct_svcs_init(&s);
	assert_int_equal(ct_svc_parse_ipvs(&s, fx, len, &err), 0);
	ct_svcs_finish(&s);
	assert_int_equal(s.n, 5);
	ct_ip_parse("10.96.0.30", &local);
	v = ct_svc_find(&s, &local, IPPROTO_TCP, 8080);
	assert_non_null(v);
	assert_int_equal(v->nbe, 1); /* the weight-0 one is left out */
	ct_ip_parse("fd00:10:96::a", &local);
	v = ct_svc_find(&s, &local, IPPROTO_UDP, 53);
	assert_non_null(v);
	assert_int_equal(v->nbe, 1);
	ct_ip_parse("fd00:10:244::2", &local);
	assert_true(ct_ip_eq(&v->be[0].ip, &local));
	ct_svcs_free(&s);
	free(fx);
}

static void expect_ipvs_error(const char *text, const char *msg)
{
	struct ct_svcs s;
	struct ct_err err = {0};
	ct_svcs_init(&s);
	assert_int_equal(ct_svc_parse_ipvs(&s, text, strlen(text), &err), -1);
	assert_int_equal(err.exit_code, CT_EXIT_GATHER);
	if (!strstr(err.msg, msg))
		fail_msg("'%s' does not say '%s'", err.msg, msg);
	ct_svcs_free(&s);
}

#define HDR                                                                                        \
	"IP Virtual Server version 1.2.1 (size=4096)\nProt LocalAddress:Port Scheduler Flags\n"    \
	"  -> RemoteAddress:Port Forward Weight ActiveConn InActConn\n"

static void test_ipvs_malformed(void **state)
{
	(void)state;
	expect_ipvs_error("", "line 0: truncated");
	expect_ipvs_error("hello\n", "line 1: not /proc/net/ip_vs");
	expect_ipvs_error("IP Virtual Server version 1.2.1 (size=4096)\nProt\n", "line 2:");
	expect_ipvs_error(HDR "  -> 0AF40002:0035      Masq    1      0          0\n",
			  "line 4: a real server before any virtual service");
	expect_ipvs_error(HDR "TCP  0A60000:0035 rr\n", "line 4: a virtual service address");
	expect_ipvs_error(HDR "TCP  0A60000G:0035 rr\n", "line 4:");
	expect_ipvs_error(HDR "TCP  [fd00::zz]:0035 rr\n", "line 4:");
	expect_ipvs_error(HDR "TCP  [10.0.0.1]:0035 rr\n", "line 4:");
	expect_ipvs_error(HDR "XYZ  0A60000A:0035 rr\n", "line 4: an unknown protocol");
	expect_ipvs_error(HDR "TCP  0A60000A:0035 rr\n  -> 0AF40002:0035      Masq    x      0  "
			      "        0\n",
			  "line 5: a real server line");
	expect_ipvs_error(HDR "TCP  0A60000A:0035 rr\n  -> 0AF40002:0035\n", "line 5:");
	expect_ipvs_error(HDR "TCP  0A60000A:0035 rr\n   junk\n", "line 5: an indented line");
	expect_ipvs_error(HDR "TCP  0A60000A:0035 rr\n\n", "line 5: an empty line");
	expect_ipvs_error(HDR "TCP\t0A60000A:0035 rr\n", "line 4: a NUL byte or a tab");
	expect_ipvs_error(HDR "TCP  0A60000A:0035\n", "line 4: a virtual service line without");
	expect_ipvs_error(HDR "TCP  0A60000A:0035 rr a b c d e f\n", "line 4: too many words");
}

/* Cut at every byte: an error, or a prefix of the whole (never a Service the whole lacks, a
 * backend more, or a crash). */
static void test_truncation(void **state)
{
	(void)state;
	char buf[4096];
	size_t len = ipvs_text(buf, sizeof(buf));
	for (size_t cut = 0; cut < len; cut++) {
		struct ct_svcs s;
		struct ct_err err = {0};
		ct_svcs_init(&s);
		if (ct_svc_parse_ipvs(&s, buf, cut, &err) == 0) {
			assert_true(cut >= 100);
			for (size_t i = 0; i < s.n; i++)
				assert_true(s.v[i].nbe <= 2);
		}
		ct_svcs_free(&s);
	}
	size_t flen;
	char *fx = fixture("kube-proxy-iptables-nft.save", &flen);
	for (size_t cut = 0; cut < flen; cut += 7) {
		struct ct_ipt_ruleset rs;
		struct ct_svcs s;
		struct ct_err err = {0};
		ct_ipt_ruleset_init(&rs);
		ct_svcs_init(&s);
		ct_ipt_parse(&rs, fx, cut, &err);
		/* what was parsed before the error still reads without a crash */
		assert_int_equal(ct_svc_from_ipt(&s, &rs, CT_SVC_IPT_NFT, &err), 0);
		ct_svcs_finish(&s);
		assert_true(s.n <= 5);
		for (size_t i = 0; i < s.n; i++)
			assert_true(s.v[i].nbe <= 2);
		ct_svcs_free(&s);
		ct_ipt_ruleset_free(&rs);
	}
	free(fx);
	fx = fixture("kube-proxy-nft-ip.json", &flen);
	for (size_t cut = 0; cut + 1 < flen; cut += 5) {
		struct ct_svcs s;
		struct ct_err err = {0};
		ct_svcs_init(&s);
		assert_int_equal(ct_svc_parse_nft(&s, fx, cut, &err), -1);
		assert_non_null(strstr(err.msg, "kube-proxy nftables JSON: "));
		ct_svcs_free(&s);
	}
	free(fx);
}

static void expect_nft(const char *json, int rc, size_t n, const char *msg)
{
	struct ct_svcs s;
	struct ct_err err = {0};
	ct_svcs_init(&s);
	assert_int_equal(ct_svc_parse_nft(&s, json, strlen(json), &err), rc);
	assert_int_equal(s.n, n);
	if (msg && !strstr(err.msg, msg))
		fail_msg("'%s' does not say '%s'", err.msg, msg);
	ct_svcs_free(&s);
}

static void test_nft_malformed(void **state)
{
	(void)state;
	expect_nft("", -1, 0, "kube-proxy nftables JSON");
	expect_nft("[]", -1, 0, "no \"nftables\" array");
	expect_nft("{\"nftables\": 3}", -1, 0, "no \"nftables\" array");
	expect_nft("{\"nftables\": [{\"rule\": {\"family\": \"ip\"}}]}", -1, 0, "a rule without");
	expect_nft("{\"nftables\": [{\"map\": {\"elem\": []}}]}", -1, 0, "a map without");
	/* elements of other shapes are left out; a map of another table is not kube-proxy's */
#define MAP                                                                                        \
	"{\"nftables\": [{\"map\": {\"family\": \"ip\", \"table\": \"%s\", "                       \
	"\"name\": \"service-ips\", \"elem\": [%s]}}]}"
	char doc[1024];
	snprintf(doc, sizeof(doc), MAP, "kube-proxy",
		 "3, [], [1, 2], [{\"concat\": [\"10.0.0.1\", \"tcp\"]}, {\"goto\": {\"target\": "
		 "\"x\"}}], [{\"concat\": [\"10.0.0.1\", \"icmp\", 80]}, {\"goto\": {\"target\": "
		 "\"x\"}}], [{\"concat\": [\"10.0.0.1\", \"tcp\", 70000]}, {\"goto\": {\"target\": "
		 "\"x\"}}], [{\"concat\": [\"fd00::1\", \"tcp\", 80]}, {\"goto\": {\"target\": "
		 "\"x\"}}], [{\"concat\": [\"10.0.0.2\", 6, \"80\"]}, {\"goto\": {\"target\": "
		 "\"service-AAAAAAAA-a/b/tcp/p\"}}]");
	expect_nft(doc, 0, 1, NULL); /* only the last: an ip map holds no IPv6 VIP */
	snprintf(doc, sizeof(doc), MAP, "filter",
		 "[{\"concat\": [\"10.0.0.2\", \"tcp\", 80]}, {\"goto\": {\"target\": \"x\"}}]");
	expect_nft(doc, 0, 0, NULL);
	/* a chain that jumps to itself ends */
	expect_nft("{\"nftables\": [{\"map\": {\"family\": \"ip\", \"table\": \"kube-proxy\", "
		   "\"name\": \"service-ips\", \"elem\": [[{\"concat\": [\"10.0.0.2\", \"tcp\", "
		   "80]}, {\"goto\": {\"target\": \"loop\"}}]]}}, {\"rule\": {\"family\": \"ip\", "
		   "\"table\": \"kube-proxy\", \"chain\": \"loop\", \"expr\": [{\"jump\": "
		   "{\"target\": \"loop\"}}, {\"dnat\": {\"addr\": \"10.1.1.1\", \"port\": 80}}, "
		   "{\"dnat\": {\"addr\": \"bogus\", \"port\": 80}}]}}]}",
		   0, 1, NULL);
}

static void test_describe(void **state)
{
	(void)state;
	struct ct_svc v;
	struct ct_svc_backend be[12];
	char line[1024];
	memset(&v, 0, sizeof(v));
	ct_ip_parse("fd00:10:96::a", &v.vip);
	v.proto = IPPROTO_TCP;
	v.port = 443;
	v.source = CT_SVC_NFTABLES;
	snprintf(v.name, sizeof(v.name), "ns/web:https");
	for (int i = 0; i < 12; i++) {
		char a[64];
		snprintf(a, sizeof(a), "fd00:10:244::%x", i + 1);
		ct_ip_parse(a, &be[i].ip);
		be[i].port = 8443;
	}
	v.be = be;
	v.nbe = v.nbe_total = 12;
	size_t want = ct_svc_describe(&v, line, sizeof(line));
	assert_int_equal(want, strlen(line));
	assert_non_null(strstr(line, "[fd00:10:96::a]:443/tcp is Service ns/web:https (nftables), "
				     "12 backends: [fd00:10:244::1]:8443, "));
	assert_non_null(strstr(line, "[fd00:10:244::8]:8443 and 4 more"));
	assert_null(strstr(line, "::9]"));
	/* truncated to the buffer, the length it wanted returned */
	char small[20];
	assert_int_equal(ct_svc_describe(&v, small, sizeof(small)), want);
	assert_int_equal(strlen(small), sizeof(small) - 1);
	v.nbe = v.nbe_total = 1;
	ct_svc_describe(&v, line, sizeof(line));
	assert_non_null(strstr(line, ", 1 backend: [fd00:10:244::1]:8443"));

	struct ct_svcs s;
	ct_svcs_init(&s);
	assert_null(ct_svcs_unreadable(&s));
	s.ebpf = true;
	assert_non_null(strstr(ct_svcs_unreadable(&s), "eBPF dataplane (bpfin.cali)"));
	/* names: only Kubernetes-like bytes */
	assert_int_equal(ct_svc_proto_parse("SCTP"), IPPROTO_SCTP);
	assert_int_equal(ct_svc_proto_parse("icmp"), 0);
	assert_null(ct_svc_proto_name(1));
}

/* kube-ipvs0's addresses and bpfin.cali from the node model (a live node or a snapshot). */
static void test_from_node(void **state)
{
	(void)state;
	char buf[4096];
	size_t len = ipvs_text(buf, sizeof(buf));
	struct ct_svcs s;
	struct ct_err err = {0};
	struct ct_netns ns;
	ct_svcs_init(&s);
	assert_int_equal(ct_svc_parse_ipvs(&s, buf, len, &err), 0);
	ct_svcs_finish(&s);
	ct_netns_init(&ns);
	struct ct_link *l = ct_push_link(&ns);
	assert_non_null(l);
	l->ifindex = 7;
	snprintf(l->name, sizeof(l->name), "kube-ipvs0");
	const char *vips[] = {"10.96.0.1/32", "10.96.0.20/32"};
	for (int i = 0; i < 2; i++) {
		struct ct_addr *a = ct_push_addr(&ns);
		assert_non_null(a);
		a->ifindex = 7;
		assert_int_equal(ct_prefix_parse(vips[i], &a->pfx), 0);
	}
	assert_int_equal(ct_netns_index(&ns), 0);
	ct_svc_from_node(&s, &ns);
	assert_false(s.ebpf);
	size_t local = 0;
	for (size_t i = 0; i < s.n; i++) {
		assert_true(s.v[i].vip_checked);
		local += s.v[i].vip_local;
	}
	assert_int_equal(local, 2);
	l = ct_push_link(&ns);
	assert_non_null(l);
	l->ifindex = 8;
	snprintf(l->name, sizeof(l->name), "bpfin.cali");
	assert_int_equal(ct_netns_index(&ns), 0);
	ct_svc_from_node(&s, &ns);
	assert_true(s.ebpf);
	assert_non_null(ct_svcs_unreadable(&s));
	ct_netns_free(&ns);
	ct_svcs_free(&s);
}

/* What model/policy.c keeps of a rule for the Service readers. */
static void test_rule_fields(void **state)
{
	(void)state;
	const char *txt =
	    "*nat\n:A - [0:0]\n"
	    "-A A ! -s 10.0.0.0/8 -d 10.96.0.1/32 -p tcp -m tcp --dport 443 -j KUBE-MARK-MASQ\n"
	    "-A A ! -d 10.96.0.2/32 ! -p udp -j B\n"
	    "-A A -p tcp -m tcp -j DNAT --to-destination [fd00::1]:80 --random\n"
	    "-A A -d 10.96.0.3/32 -p tcp -m tcp --dport 99999999999999 -j DROP\n"
	    "COMMIT\n";
	struct ct_ipt_ruleset rs;
	struct ct_err err = {0};
	ct_ipt_ruleset_init(&rs);
	assert_int_equal(ct_ipt_parse(&rs, txt, strlen(txt), &err), 0);
	assert_int_equal(rs.nrules, 4);
	assert_string_equal(rs.rules[0].svc.dst, "10.96.0.1/32");
	assert_false(rs.rules[0].svc.dst_neg);
	assert_string_equal(rs.rules[0].svc.proto, "tcp");
	assert_string_equal(rs.rules[0].svc.dport, "443");
	assert_true(rs.rules[0].other_match);
	assert_string_equal(rs.rules[0].target, "KUBE-MARK-MASQ");
	assert_true(rs.rules[1].svc.dst_neg);
	assert_string_equal(rs.rules[1].svc.proto, ""); /* "! -p" is not kept */
	assert_string_equal(rs.rules[1].target, "B");
	assert_string_equal(rs.rules[2].svc.to_dest, "[fd00::1]:80");
	assert_string_equal(rs.rules[2].target, "DNAT");
	assert_string_equal(rs.rules[3].svc.dport, ""); /* longer than its field: not kept */
	ct_ipt_ruleset_free(&rs);
}

int main(void)
{
	ct_fx_find_root("svc");
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_iptables),	   cmocka_unit_test(test_nftables),
	    cmocka_unit_test(test_merge),	   cmocka_unit_test(test_ipvs),
	    cmocka_unit_test(test_ipvs_malformed), cmocka_unit_test(test_truncation),
	    cmocka_unit_test(test_nft_malformed),  cmocka_unit_test(test_describe),
	    cmocka_unit_test(test_from_node),	   cmocka_unit_test(test_rule_fields),
	};
	return cmocka_run_group_tests_name("svc", tests, NULL, NULL);
}
