/* SPDX-License-Identifier: MIT */
/*
 * svctool: loads kube-proxy's Services through probes/svc.c (a namespace) or model/svc.c
 * (files) and prints what it found, for tests/integration/lab-svc.sh and tests/bench/svc.sh.
 *   svctool [-n NETNS] [-t SECONDS] list
 *   svctool [-n NETNS] find VIP PROTO PORT
 *   svctool --ipt FILE | --nft FILE | --ipvs FILE  (list|find ...)
 * list prints one line per Service, sorted:
 *   SOURCE VIP PROTO PORT NAME STATE BACKENDS
 * (NAME "-" when none, STATE "ok" or "no_endpoints", BACKENDS "IP:PORT,..." sorted or "-"),
 * then "read SOURCE" per source read, "error SOURCE: MSG" per failure, "ebpf" when bpfin.cali
 * exists. find prints ct_svc_describe's line, or "none" (exit 1).
 */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/svc.h"
#include "probes/svc.h"

static int usage(void)
{
	fprintf(stderr, "usage: svctool [-n NETNS] [-t SECONDS] [--ipt|--nft|--ipvs FILE] "
			"list | find VIP PROTO PORT\n");
	return 2;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *buf = NULL;
	size_t cap = 0, n = 0;
	for (;;) {
		if (n + 65536 > cap) {
			cap = cap ? cap * 2 : 1 << 20;
			char *p = realloc(buf, cap);
			if (!p) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = p;
		}
		size_t r = fread(buf + n, 1, cap - n, f);
		if (r == 0)
			break;
		n += r;
	}
	fclose(f);
	*len = n;
	return buf;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void print_one(const struct ct_svc *v)
{
	char ip[64], *be[64];
	size_t nb = v->nbe < 64 ? v->nbe : 64;
	ct_ip_fmt(&v->vip, ip, sizeof(ip));
	for (size_t i = 0; i < nb; i++) {
		char a[64];
		be[i] = malloc(80);
		if (!be[i])
			exit(3);
		ct_ip_fmt(&v->be[i].ip, a, sizeof(a));
		if (v->be[i].ip.family == AF_INET6)
			snprintf(be[i], 80, "[%s]:%u", a, v->be[i].port);
		else
			snprintf(be[i], 80, "%s:%u", a, v->be[i].port);
	}
	qsort(be, nb, sizeof(be[0]), cmp_str);
	printf("%s %s %s %u %s %s ", ct_svc_source_names[v->source], ip,
	       ct_svc_proto_name(v->proto), v->port, v->name[0] ? v->name : "-",
	       v->no_endpoints ? "no_endpoints" : "ok");
	for (size_t i = 0; i < nb; i++) {
		printf("%s%s", i ? "," : "", be[i]);
		free(be[i]);
	}
	printf("%s\n", nb ? "" : "-");
}

int main(int argc, char **argv)
{
	const char *ns = NULL, *file = NULL, *kind = NULL;
	double timeout = 10;
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i += 2) {
		if (i + 1 >= argc)
			return usage();
		if (!strcmp(argv[i], "-n"))
			ns = argv[i + 1];
		else if (!strcmp(argv[i], "-t"))
			timeout = atof(argv[i + 1]);
		else if (!strcmp(argv[i], "--ipt") || !strcmp(argv[i], "--nft") ||
			 !strcmp(argv[i], "--ipvs")) {
			kind = argv[i] + 2;
			file = argv[i + 1];
		} else
			return usage();
	}
	if (i >= argc)
		return usage();
	struct ct_svcs s;
	struct ct_err err = {0};
	ct_svcs_init(&s);
	if (file) {
		size_t len = 0;
		char *buf = slurp(file, &len);
		if (!buf) {
			fprintf(stderr, "svctool: cannot read '%s'\n", file);
			return 3;
		}
		int rc;
		if (!strcmp(kind, "ipt")) {
			struct ct_ipt_ruleset rs;
			ct_ipt_ruleset_init(&rs);
			rc = ct_ipt_parse(&rs, buf, len, &err);
			if (rc == 0)
				rc = ct_svc_from_ipt(&s, &rs, CT_SVC_IPT_LEGACY, &err);
			ct_ipt_ruleset_free(&rs);
		} else if (!strcmp(kind, "nft")) {
			rc = ct_svc_parse_nft(&s, buf, len, &err);
		} else {
			rc = ct_svc_parse_ipvs(&s, buf, len, &err);
		}
		free(buf);
		if (rc < 0) {
			fprintf(stderr, "svctool: %s\n", err.msg);
			ct_svcs_free(&s);
			return 3;
		}
		ct_svcs_finish(&s);
	} else if (ct_svc_gather(&s, ns, timeout, &err) < 0) {
		fprintf(stderr, "svctool: %s\n", err.msg);
		ct_svcs_free(&s);
		return 3;
	}
	int rc = 0;
	if (!strcmp(argv[i], "list") && i + 1 == argc) {
		for (size_t k = 0; k < s.n; k++)
			print_one(&s.v[k]);
		for (int b = 0; b < CT_SVC_NSOURCES; b++) {
			if (s.read[b])
				printf("read %s\n", ct_svc_source_names[b]);
			if (s.error[b][0])
				printf("error %s: %s\n", ct_svc_source_names[b], s.error[b]);
		}
		if (s.ebpf)
			printf("ebpf %s\n", ct_svcs_unreadable(&s));
		if (s.no_cap)
			printf("no_cap\n");
	} else if (!strcmp(argv[i], "find") && i + 4 == argc) {
		struct ct_ip vip;
		uint8_t proto = ct_svc_proto_parse(argv[i + 2]);
		if (ct_ip_parse(argv[i + 1], &vip) < 0 || (!proto && strcmp(argv[i + 2], "any")))
			rc = usage();
		else {
			const struct ct_svc *v =
			    ct_svc_find(&s, &vip, proto, (uint16_t)atoi(argv[i + 3]));
			char line[1024];
			if (v) {
				ct_svc_describe(v, line, sizeof(line));
				printf("%s\n", line);
			} else {
				printf("none\n");
				rc = 1;
			}
		}
	} else {
		rc = usage();
	}
	ct_svcs_free(&s);
	return rc;
}
