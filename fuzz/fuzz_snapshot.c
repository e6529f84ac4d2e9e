/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the snapshot loader: any bytes must load or fail with
 * a message, never crash. What loads must also survive a round trip: writing
 * it and loading that again succeeds, and writes the very same bytes. Felix's
 * rules a snapshot holds (its "policy" member; seed:
 * tests/fixtures/policy/snapshot-with-policy.json) are followed for the target
 * namespace's interfaces, as links and path do with them.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/policy.h"
#include "model/snapshot.h"

static char *write_mem(const struct ct_node *n, size_t *len)
{
	char *buf = NULL;
	struct ct_err err = {0};
	FILE *f = open_memstream(&buf, len);
	if (!f)
		abort();
	if (ct_snapshot_write(n, f, &err)) {
		fprintf(stderr, "write failed: %s\n", err.msg);
		abort();
	}
	fclose(f);
	return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ct_node n, m;
	struct ct_err err = {0};
	size_t len1, len2;

	if (ct_snapshot_load_buf(&n, (const char *)data, size, &err)) {
		if (err.exit_code != CT_EXIT_GATHER || !err.msg[0])
			abort(); /* a failure always explains itself */
		ct_node_free(&n);
		return 0;
	}
	if (n.policy && n.ns.n) {
		const struct ct_netns *h = &n.ns.v[0];
		const char *ifs[64];
		size_t nif = 0;
		for (size_t k = 0; k < h->links.n && nif < 64; k++)
			ifs[nif++] = h->links.v[k].name;
		if (ct_policy_follow(n.policy, ifs, nif) < 0)
			abort(); /* only out of memory fails */
	}
	char *w1 = write_mem(&n, &len1);
	if (ct_snapshot_load_buf(&m, w1, len1, &err)) {
		fprintf(stderr, "reload failed: %s\n", err.msg);
		abort();
	}
	char *w2 = write_mem(&m, &len2);
	if (len1 != len2 || memcmp(w1, w2, len1) != 0) {
		fprintf(stderr, "round trip differs:\n%s\n---\n%s\n", w1, w2);
		abort();
	}
	free(w1);
	free(w2);
	ct_node_free(&m);
	ct_node_free(&n);
	return 0;
}
