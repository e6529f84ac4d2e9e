/* SPDX-License-Identifier: MIT */
/*
 * Fixture files for the unit tests, shared by the tests that read
 * tests/fixtures/DIR/NAME: the source tree's root is CT_SRCDIR when set, else
 * three levels above the test binary (build/tests/test_x) when DIR is there,
 * else ".". Include after cmocka.h.
 */
#ifndef CT_TEST_FIXTURE_H
#define CT_TEST_FIXTURE_H

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char ct_fx_root[PATH_MAX] = ".";

/* dir: a folder under tests/fixtures that must exist at the root found */
static inline void ct_fx_find_root(const char *dir)
{
	const char *env = getenv("CT_SRCDIR");
	char exe[PATH_MAX], probe[PATH_MAX + 64];
	if (env && *env) {
		snprintf(ct_fx_root, sizeof(ct_fx_root), "%s", env);
		return;
	}
	ssize_t l = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (l <= 0)
		return;
	exe[l] = 0;
	for (int up = 0; up < 3; up++) {
		char *s = strrchr(exe, '/');
		if (s)
			*s = 0;
	}
	snprintf(probe, sizeof(probe), "%s/tests/fixtures/%s", exe, dir);
	if (access(probe, R_OK) == 0)
		snprintf(ct_fx_root, sizeof(ct_fx_root), "%s", exe);
}

/* The whole of tests/fixtures/DIR/NAME, malloc'd, with a NUL after its *len
 * bytes; its path in path (plen bytes, may be NULL). Fails the test when it
 * cannot be read. */
static inline char *ct_fx_read(const char *dir, const char *name, size_t *len, char *path,
			       size_t plen)
{
	char p[PATH_MAX + 128];
	snprintf(p, sizeof(p), "%s/tests/fixtures/%s/%s", ct_fx_root, dir, name);
	if (path)
		snprintf(path, plen, "%s", p);
	FILE *f = fopen(p, "rb");
	if (!f)
		fail_msg("cannot open fixture '%s': %s", p, strerror(errno));
	char *buf = NULL;
	size_t cap = 0, n = 0;
	for (;;) {
		if (n + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 65536;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
		size_t r = fread(buf + n, 1, cap - n - 1, f);
		if (!r)
			break;
		n += r;
	}
	fclose(f);
	buf[n] = 0;
	*len = n;
	return buf;
}

#endif
