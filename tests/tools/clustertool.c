/* SPDX-License-Identifier: MIT */
/*
 * clustertool: loads several nodes into one container (live namespaces and
 * snapshots, probes/cluster_load.h) and answers cross-node lookups, one per
 * line on standard input:
 *   underlay IP | vtep-ip IP | vtep-mac MAC | pod IP
 * Each answer is "KIND KEY NODE POD_NETNS" ("-" when unknown, "none" when no
 * node holds the key). Then one "dup KIND NODE NODE" line per duplicate key.
 * Usage: clustertool NAME=NETNS|NAME=@SNAPSHOT...   (tests/integration/lab-cluster.sh)
 */
#include <stdio.h>
#include <string.h>

#include "model/cluster.h"
#include "probes/cluster_load.h"

static const char *const kinds[] = { "underlay", "vtep-ip", "vtep-mac", "pod" };

int main(int argc, char **argv)
{
	struct ct_cluster c;
	struct ct_err err = { 0 };
	char line[256], kind[32], key[128];

	ct_cluster_init(&c, NULL);
	for (int i = 1; i < argc; i++) {
		if (ct_cluster_load_arg(&c, argv[i], &err) < 0) {
			fprintf(stderr, "clustertool: %s\n", err.msg);
			ct_cluster_free(&c);
			return err.exit_code ? err.exit_code : 3;
		}
	}
	while (fgets(line, sizeof(line), stdin)) {
		if (sscanf(line, "%31s %127s", kind, key) != 2)
			continue;
		const struct ct_cluster_owner *o = NULL;
		struct ct_ip ip;
		uint8_t mac[6];
		if (!strcmp(kind, "vtep-mac")) {
			if (ct_mac_parse(key, mac) == 0)
				o = ct_cluster_by_vtep_mac(&c, mac);
		} else if (ct_ip_parse(key, &ip) == 0) {
			if (!strcmp(kind, "underlay"))
				o = ct_cluster_by_underlay(&c, &ip);
			else if (!strcmp(kind, "vtep-ip"))
				o = ct_cluster_by_vtep_ip(&c, &ip);
			else if (!strcmp(kind, "pod"))
				o = ct_cluster_by_pod_ip(&c, &ip);
		}
		if (!o) {
			printf("%s %s none -\n", kind, key);
			continue;
		}
		const struct ct_node *n = ct_cluster_node(&c, o->node);
		const char *pns = o->ns >= 0 && (size_t)o->ns < n->ns.n ? n->ns.v[o->ns].name : "-";
		printf("%s %s %s %s\n", kind, key, n->name, pns);
	}
	for (size_t i = 0; i < c.dups.n; i++) {
		const struct ct_cluster_dup *d = &c.dups.v[i];
		printf("dup %s %s %s\n", kinds[d->kind], ct_cluster_node(&c, d->first.node)->name,
		       ct_cluster_node(&c, d->other.node)->name);
	}
	ct_cluster_free(&c);
	return 0;
}
