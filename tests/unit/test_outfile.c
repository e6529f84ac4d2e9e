/* SPDX-License-Identifier: MIT */
/*
 * probes/outfile: what is at the path decides how it is written. Each case is
 * set up here with plain system calls and checked with stat(2) and read(2)
 * (the kernel's view), never with outfile's own answers alone. Needs no root:
 * devices are the host's /dev/null and /dev/full, written in place only (the
 * mknod'ed copies and CT_OUTFILE_REPLACE on them are in
 * tests/integration/files.sh, so a broken build cannot replace the host's).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "probes/outfile.h"

static char dir[64];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/ct-outfile.XXXXXX");
	umask(022);
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	DIR *d = opendir(dir);
	if (d) {
		struct dirent *e;
		char p[PATH_MAX];
		while ((e = readdir(d)))
			if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
				snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
				unlink(p);
			}
		closedir(d);
	}
	rmdir(dir);
	return 0;
}

static const char *at(const char *name)
{
	static char p[4][PATH_MAX];
	static int k;
	k = (k + 1) % 4;
	snprintf(p[k], sizeof(p[k]), "%s/%s", dir, name);
	return p[k];
}

static void put(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

/* the file's bytes as a string ("" when missing) */
static const char *get(const char *path)
{
	static char b[4096];
	b[0] = 0;
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return b;
	ssize_t n = read(fd, b, sizeof(b) - 1);
	close(fd);
	b[n > 0 ? n : 0] = 0;
	return b;
}

/* names in the folder other than those given (NULL-terminated), as one string */
static const char *others(const char *keep, ...)
{
	static char b[1024];
	b[0] = 0;
	DIR *d = opendir(dir);
	assert_non_null(d);
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		bool kept = false;
		va_list ap;
		va_start(ap, keep);
		for (const char *k = keep; k; k = va_arg(ap, const char *))
			if (!strcmp(k, e->d_name))
				kept = true;
		va_end(ap);
		if (!kept)
			snprintf(b + strlen(b), sizeof(b) - strlen(b), "%s ", e->d_name);
	}
	closedir(d);
	return b;
}

static bool sigint_blocked(void)
{
	sigset_t cur;
	sigprocmask(SIG_BLOCK, NULL, &cur);
	return sigismember(&cur, SIGINT) == 1;
}

static void test_new_file(void **state)
{
	(void)state;
	struct ct_outfile of;
	struct ct_err err = {0};
	assert_int_equal(ct_outfile_open(&of, at("new"), 0, &err), 0);
	assert_int_equal(of.kind, CT_OUTFILE_NEW);
	fputs("hello\n", of.f);
	assert_int_equal(ct_outfile_close(&of, &err), 0);
	assert_string_equal(get(at("new")), "hello\n");
	struct stat st;
	assert_int_equal(lstat(at("new"), &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0644); /* 0666 less the umask */
	assert_string_equal(others("new", NULL), "");
}

static void test_existing_truncated(void **state)
{
	(void)state;
	put(at("old"), "a much longer old content\n");
	struct stat before, after;
	assert_int_equal(lstat(at("old"), &before), 0);
	struct ct_outfile of;
	struct ct_err err = {0};
	assert_int_equal(ct_outfile_open(&of, at("old"), 0, &err), 0);
	assert_int_equal(of.kind, CT_OUTFILE_REGULAR);
	fputs("x\n", of.f);
	assert_int_equal(ct_outfile_close(&of, &err), 0);
	assert_string_equal(get(at("old")), "x\n");
	assert_int_equal(lstat(at("old"), &after), 0);
	assert_int_equal(after.st_ino, before.st_ino); /* the same file, written in place */
}

static void test_symlink_refused(void **state)
{
	(void)state;
	put(at("target"), "keep\n");
	assert_int_equal(symlink(at("target"), at("link")), 0);
	struct ct_outfile of;
	struct ct_err err = {0};
	assert_int_equal(ct_outfile_open(&of, at("link"), 0, &err), -1);
	assert_int_equal(err.exit_code, 3);
	assert_non_null(strstr(err.msg, "symbolic link"));
	assert_non_null(strstr(err.msg, at("link")));
	assert_string_equal(get(at("target")), "keep\n");
	struct stat st;
	assert_int_equal(lstat(at("link"), &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	/* the early check says the same */
	struct ct_err e2 = {0};
	assert_int_equal(ct_outfile_check(at("link"), 0, &e2), -1);
	assert_string_equal(e2.msg, err.msg);
	assert_string_equal(others("target", "link", NULL), "");
}

static void test_replace(void **state)
{
	(void)state;
	put(at("snap"), "old\n");
	struct stat before, tmp, after;
	assert_int_equal(lstat(at("snap"), &before), 0);
	struct ct_outfile of;
	struct ct_err err = {0};
	assert_int_equal(ct_outfile_open(&of, at("snap"), CT_OUTFILE_REPLACE, &err), 0);
	assert_int_equal(of.kind, CT_OUTFILE_TEMP);
	assert_true(sigint_blocked());
	fputs("new\n", of.f);
	fflush(of.f);
	/* until the close, the path holds the old file, and the new one is a 0600 temporary
	 * file named after it in the same folder */
	assert_string_equal(get(at("snap")), "old\n");
	assert_int_equal(strncmp(of.tmp, at(".snap."), strlen(at(".snap."))), 0);
	assert_int_equal(strlen(of.tmp), strlen(at(".snap.XXXXXX")));
	assert_int_equal(lstat(of.tmp, &tmp), 0);
	assert_int_equal(tmp.st_mode & 07777, 0600);
	char tmpname[PATH_MAX];
	snprintf(tmpname, sizeof(tmpname), "%s", of.tmp);
	assert_int_equal(ct_outfile_close(&of, &err), 0);
	assert_false(sigint_blocked());
	assert_string_equal(get(at("snap")), "new\n");
	assert_int_equal(lstat(at("snap"), &after), 0);
	assert_int_equal(after.st_ino, tmp.st_ino); /* renamed into place */
	assert_int_equal(after.st_mode & 07777, 0600);
	assert_int_equal(access(tmpname, F_OK), -1);
	assert_string_equal(others("snap", NULL), "");
}

static void test_replace_symlink(void **state)
{
	(void)state;
	put(at("target"), "keep\n");
	assert_int_equal(symlink(at("target"), at("link")), 0);
	struct ct_outfile of;
	struct ct_err err = {0};
	assert_int_equal(ct_outfile_open(&of, at("link"), CT_OUTFILE_REPLACE, &err), 0);
	fputs("new\n", of.f);
	assert_int_equal(ct_outfile_close(&of, &err), 0);
	struct stat st;
	assert_int_equal(lstat(at("link"), &st), 0);
	assert_true(S_ISREG(st.st_mode)); /* the link itself replaced */
	assert_string_equal(get(at("link")), "new\n");
	assert_string_equal(get(at("target")), "keep\n");
	assert_string_equal(others("target", "link", NULL), "");
}

static void test_abort(void **state)
{
	(void)state;
	put(at("snap"), "old\n");
	struct ct_outfile of;
	struct ct_err err = {0};
	assert_int_equal(ct_outfile_open(&of, at("snap"), CT_OUTFILE_REPLACE, &err), 0);
	fputs("half\n", of.f);
	ct_outfile_abort(&of);
	assert_false(sigint_blocked());
	assert_string_equal(get(at("snap")), "old\n");
	assert_string_equal(others("snap", NULL), "");
	/* and for a file that did not exist */
	assert_int_equal(ct_outfile_open(&of, at("fresh"), CT_OUTFILE_REPLACE, &err), 0);
	ct_outfile_abort(&of);
	assert_string_equal(others("snap", NULL), "");
}

static void test_full_device(void **state)
{
	(void)state;
	if (access("/dev/full", W_OK) < 0)
		skip();
	struct ct_outfile of;
	struct ct_err err = {0};
	assert_int_equal(ct_outfile_open(&of, "/dev/full", 0, &err), 0);
	assert_int_equal(of.kind, CT_OUTFILE_CHARDEV);
	fputs("anything\n", of.f);
	assert_int_equal(ct_outfile_close(&of, &err), -1);
	assert_int_equal(err.exit_code, 3);
	assert_string_equal(err.msg, "writing '/dev/full': No space left on device");
	/* the stream closed by its user (as pcap_dump_close does): the error is still known */
	struct ct_err e2 = {0};
	assert_int_equal(ct_outfile_open(&of, "/dev/full", 0, &e2), 0);
	char big[100000];
	memset(big, 'x', sizeof(big));
	fwrite(big, 1, sizeof(big), of.f); /* past the buffer: the write fails now */
	assert_int_equal(of.werr, ENOSPC);
	fclose(of.f);
	assert_null(of.f);
	assert_int_equal(ct_outfile_close(&of, &e2), -1);
	assert_string_equal(e2.msg, "writing '/dev/full': No space left on device");
}

static void test_null_device(void **state)
{
	(void)state;
	struct ct_outfile of;
	struct ct_err err = {0};
	assert_int_equal(ct_outfile_open(&of, "/dev/null", 0, &err), 0);
	assert_int_equal(of.kind, CT_OUTFILE_CHARDEV);
	fputs("gone\n", of.f);
	assert_int_equal(ct_outfile_close(&of, &err), 0);
	struct stat st;
	assert_int_equal(lstat("/dev/null", &st), 0);
	assert_true(S_ISCHR(st.st_mode));
}

static void test_fifo(void **state)
{
	(void)state;
	assert_int_equal(mkfifo(at("fifo"), 0600), 0);
	int rd = open(at("fifo"), O_RDONLY | O_NONBLOCK); /* a reader first: the writer's open returns */
	assert_true(rd >= 0);
	struct ct_outfile of;
	struct ct_err err = {0};
	assert_int_equal(ct_outfile_open(&of, at("fifo"), CT_OUTFILE_REPLACE, &err), 0);
	assert_int_equal(of.kind, CT_OUTFILE_FIFO);
	assert_false(sigint_blocked());
	fputs("through\n", of.f);
	assert_int_equal(ct_outfile_close(&of, &err), 0);
	char b[64] = "";
	assert_int_equal(read(rd, b, sizeof(b) - 1), 8);
	assert_string_equal(b, "through\n");
	close(rd);
	struct stat st;
	assert_int_equal(lstat(at("fifo"), &st), 0);
	assert_true(S_ISFIFO(st.st_mode));
	assert_string_equal(others("fifo", NULL), "");
}

static void test_refused(void **state)
{
	(void)state;
	assert_int_equal(mkdir(at("d"), 0755), 0);
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(s >= 0);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", at("sock"));
	assert_int_equal(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(s);
	const struct {
		const char *name, *why;
	} cases[] = {{"d", "it is a directory"}, {"sock", "it is a socket"}};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		for (unsigned flags = 0; flags <= CT_OUTFILE_REPLACE; flags += CT_OUTFILE_REPLACE) {
			struct ct_outfile of;
			struct ct_err err = {0}, e2 = {0};
			char want[PATH_MAX + 64];
			snprintf(want, sizeof(want), "cannot write to '%s': %s", at(cases[i].name),
				 cases[i].why);
			assert_int_equal(ct_outfile_open(&of, at(cases[i].name), flags, &err), -1);
			assert_string_equal(err.msg, want);
			assert_int_equal(ct_outfile_check(at(cases[i].name), flags, &e2), -1);
			assert_string_equal(e2.msg, want);
			assert_false(sigint_blocked());
		}
	struct stat st;
	assert_int_equal(lstat(at("sock"), &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_string_equal(others("d", "sock", NULL), "");
}

static void test_folder_named(void **state)
{
	(void)state;
	for (unsigned flags = 0; flags <= CT_OUTFILE_REPLACE; flags += CT_OUTFILE_REPLACE) {
		struct ct_outfile of;
		struct ct_err err = {0};
		char want[PATH_MAX + 64];
		snprintf(want, sizeof(want), "cannot create a file in '%s': %s", at("nosuch"),
			 strerror(ENOENT));
		assert_int_equal(ct_outfile_open(&of, at("nosuch/file"), flags, &err), -1);
		assert_string_equal(err.msg, want);
		assert_false(sigint_blocked());
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_new_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_existing_truncated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_symlink_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_replace, setup, teardown),
		cmocka_unit_test_setup_teardown(test_replace_symlink, setup, teardown),
		cmocka_unit_test_setup_teardown(test_abort, setup, teardown),
		cmocka_unit_test_setup_teardown(test_full_device, setup, teardown),
		cmocka_unit_test_setup_teardown(test_null_device, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fifo, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_folder_named, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
