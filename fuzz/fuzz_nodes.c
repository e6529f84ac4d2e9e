/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the bytes of a `path --nodes FILE` (analysis/path.c's
 * ct_path_nodes_parse). Whatever the input, the parser returns 0 with entries
 * that hold their invariants (a name and a spec that are non-empty, without
 * blanks, control characters or '#', names unique, lines increasing, at most
 * the cap), or -1 with a reason that names a line.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/path.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_MAX_NODES 4

static void word_ok(const char *w, size_t cap)
{
	size_t n = strnlen(w, cap);
	if (n == 0 || n == cap)
		abort();
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)w[i];
		if (c < 0x21 || c == 0x7f || c == '#')
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ct_path_nodespec v[FUZZ_MAX_NODES];
	size_t n = 99;
	char why[256];
	memset(why, 0, sizeof(why));
	int r = ct_path_nodes_parse((const char *)data, size, v, FUZZ_MAX_NODES, &n, why,
				    sizeof(why));
	if (r == -1) {
		if (strncmp(why, "line ", 5))
			abort();
		return 0;
	}
	if (r != 0 || n > FUZZ_MAX_NODES)
		abort();
	for (size_t i = 0; i < n; i++) {
		word_ok(v[i].name, sizeof(v[i].name));
		word_ok(v[i].spec, sizeof(v[i].spec));
		if (strchr(v[i].name, '='))
			abort();
		if (v[i].bird[0])
			word_ok(v[i].bird, sizeof(v[i].bird));
		if (i && v[i].line <= v[i - 1].line)
			abort();
		for (size_t k = 0; k < i; k++)
			if (!strcmp(v[k].name, v[i].name))
				abort();
	}
	return 0;
}
