/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for the checked writes of render/out.c and render/pkt_text.c's
 * ct_wbuf, and for cmd/common.c's ct_stdout_finish (issue 8, "Every write
 * checked"). The oracle for a failure is the kernel: /dev/full answers every
 * write with ENOSPC, a closed descriptor with EBADF, a pipe without a reader
 * with EPIPE (SIGPIPE ignored here). A stream of fopencookie() counts the
 * writes that reach it, to show that nothing more is written after a failure.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "render/out.h"
#include "render/pkt_text.h"

/* Enough rows that the JSON writer's 64 KiB buffer and stdio's buffer both spill. */
#define ROWS 5000

static void write_table(struct ct_out *o, size_t rows)
{
	ct_out_begin(o, "test", "node-1", "live", "host", false);
	ct_out_section(o, "items", "rows");
	for (size_t i = 0; i < rows; i++) {
		char v[64];
		snprintf(v, sizeof(v), "value number %zu of the table", i);
		ct_rec_begin(o);
		ct_rec_str(o, "NAME", "name", v, CT_HL_NONE);
		ct_rec_uint(o, "N", "n", i);
		ct_rec_end(o);
	}
	ct_out_section_end(o);
	ct_out_end(o, NULL);
}

/* ---- a stream that counts its writes and fails them with a chosen errno */

struct sink {
	int fail_errno; /* 0: accept everything */
	size_t calls;	/* write calls that reached the sink */
	size_t bytes;	/* bytes accepted */
};

static ssize_t sink_write(void *cookie, const char *buf, size_t size)
{
	(void)buf;
	struct sink *s = cookie;
	s->calls++;
	if (s->fail_errno) {
		errno = s->fail_errno;
		return -1;
	}
	s->bytes += size;
	return (ssize_t)size;
}

static FILE *sink_open(struct sink *s)
{
	cookie_io_functions_t io = {.write = sink_write};
	FILE *f = fopencookie(s, "w", io);
	assert_non_null(f);
	return f;
}

static void check_full(bool json)
{
	FILE *f = fopen("/dev/full", "w");
	assert_non_null(f);
	struct ct_out o;
	assert_int_equal(ct_out_init(&o, f, json, CT_COLOR_NEVER), 0);
	write_table(&o, ROWS);
	ct_out_free(&o);
	assert_int_equal(ct_out_flush(&o), ENOSPC);
	assert_int_equal(ct_out_close(&o), ENOSPC);
	assert_null(o.f);
}

static void test_full_json(void **state)
{
	(void)state;
	check_full(true);
}

static void test_full_text(void **state)
{
	(void)state;
	check_full(false);
}

/* Short output stays in stdio's buffer: only the final flush sees the error. */
static void test_full_at_close(void **state)
{
	(void)state;
	FILE *f = fopen("/dev/full", "w");
	assert_non_null(f);
	struct ct_out o;
	assert_int_equal(ct_out_init(&o, f, false, CT_COLOR_NEVER), 0);
	ct_out_printf(&o, "cali7f94ce7c295\n");
	ct_out_free(&o);
	assert_int_equal(o.err, 0);
	assert_int_equal(ct_out_close(&o), ENOSPC);
}

/* A healthy stream: no error, and the JSON document is whole. */
static void test_ok_file(void **state)
{
	(void)state;
	char path[] = "/tmp/ct-test-out.XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	FILE *f = fdopen(fd, "w");
	assert_non_null(f);
	struct ct_out o;
	assert_int_equal(ct_out_init(&o, f, true, CT_COLOR_NEVER), 0);
	write_table(&o, ROWS);
	ct_out_free(&o);
	assert_int_equal(ct_out_close(&o), 0);
	json_error_t je;
	json_t *doc = json_load_file(path, 0, &je);
	unlink(path);
	if (!doc)
		fail_msg("not JSON: %s", je.text);
	assert_int_equal(json_array_size(json_object_get(doc, "items")), ROWS);
	json_decref(doc);
}

/* After the first failure nothing more reaches the stream: the rest of a long table
 * costs no write calls. */
static void check_stops(bool json)
{
	struct sink s = {.fail_errno = EIO};
	FILE *f = sink_open(&s);
	struct ct_out o;
	assert_int_equal(ct_out_init(&o, f, json, CT_COLOR_NEVER), 0);
	write_table(&o, ROWS);
	size_t calls = s.calls;
	assert_true(calls >= 1);
	assert_int_equal(o.err, EIO);
	write_table(&o, ROWS);
	ct_out_printf(&o, "more\n");
	ct_out_free(&o);
	assert_int_equal(ct_out_flush(&o), EIO);
	assert_int_equal(s.calls, calls);
	/* fclose flushes whatever stdio still holds: one more attempt at most */
	assert_int_equal(ct_out_close(&o), EIO);
	assert_true(s.calls <= calls + 1);
}

static void test_stops_json(void **state)
{
	(void)state;
	check_stops(true);
}

static void test_stops_text(void **state)
{
	(void)state;
	check_stops(false);
}

/* A write made to the stream outside the writer (stdio straight on stdout) that failed
 * still counts at the close: by errno when it names a write error, else as EIO. */
static void check_outside(int later_errno, int want)
{
	static char big[1 << 16];
	FILE *f = fopen("/dev/full", "w");
	assert_non_null(f);
	struct ct_out o;
	assert_int_equal(ct_out_init(&o, f, false, CT_COLOR_NEVER), 0);
	assert_true(fwrite(big, 1, sizeof(big), f) < sizeof(big)); /* past stdio's buffer */
	assert_true(ferror(f));
	errno = later_errno; /* whatever ran between that write and the end */
	ct_out_free(&o);
	assert_int_equal(ct_out_close(&o), want);
}

static void test_outside_write(void **state)
{
	(void)state;
	check_outside(ENOSPC, ENOSPC);
	check_outside(ENOENT, EIO);
}

/* The first error is the one kept. */
static void test_first_error_kept(void **state)
{
	(void)state;
	struct ct_out o;
	memset(&o, 0, sizeof(o));
	ct_out_fail(&o, ENOSPC);
	ct_out_fail(&o, EIO);
	assert_int_equal(o.err, ENOSPC);
	memset(&o, 0, sizeof(o));
	ct_out_fail(&o, 0); /* an unknown cause still counts */
	assert_int_equal(o.err, EIO);
}

/* Standard output closed: EBADF when something was written, nothing when nothing was. */
static void check_closed(bool write_something)
{
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	close(fds[0]);
	FILE *f = fdopen(fds[1], "w");
	assert_non_null(f);
	close(fds[1]); /* the descriptor is gone under the stream */
	struct ct_out o;
	assert_int_equal(ct_out_init(&o, f, false, CT_COLOR_NEVER), 0);
	if (write_something)
		ct_out_printf(&o, "caltrace 0.1.0\n");
	ct_out_free(&o);
	assert_int_equal(ct_out_close(&o), write_something ? EBADF : 0);
}

static void test_closed_written(void **state)
{
	(void)state;
	check_closed(true);
}

static void test_closed_silent(void **state)
{
	(void)state;
	check_closed(false);
}

/* ct_stdout_finish: a write error is exit 3 whatever the command found; a reader that
 * went away (EPIPE) keeps the command's status. */
static void test_finish(void **state)
{
	(void)state;
	struct ct_out o;
	memset(&o, 0, sizeof(o));
	o.f = fopen("/dev/full", "w");
	assert_non_null(o.f);
	ct_out_printf(&o, "x\n");
	assert_int_equal(ct_stdout_finish(&o, CT_EXIT_PROBLEMS), CT_EXIT_GATHER);

	int fds[2];
	assert_int_equal(pipe(fds), 0);
	close(fds[0]);
	memset(&o, 0, sizeof(o));
	o.f = fdopen(fds[1], "w");
	assert_non_null(o.f);
	ct_out_printf(&o, "x\n");
	assert_int_equal(ct_stdout_finish(&o, CT_EXIT_PROBLEMS), CT_EXIT_PROBLEMS);
	assert_int_equal(o.err, EPIPE);

	struct sink s = {0};
	memset(&o, 0, sizeof(o));
	o.f = sink_open(&s);
	ct_out_printf(&o, "x\n");
	assert_int_equal(ct_stdout_finish(&o, CT_EXIT_OK), CT_EXIT_OK);
	assert_int_equal(s.bytes, 2);
}

/* sniff's buffer: the errno of the first failure, and no write after it. */
static void test_wbuf(void **state)
{
	(void)state;
	FILE *f = fopen("/dev/full", "w");
	assert_non_null(f);
	struct ct_wbuf w;
	assert_int_equal(ct_wbuf_init(&w, f, 0), 0);
	struct ct_pkt_fmt fmt;
	ct_pkt_fmt_init(&fmt, &w, false, false);
	struct ct_pkt p;
	memset(&p, 0, sizeof(p));
	struct ct_pkt_meta m = {.sec = 1700000000, .linktype = 1};
	assert_int_equal(ct_wbuf_flush(&w), 0); /* nothing yet */
	ct_pkt_write(&fmt, &p, &m);
	assert_int_equal(ct_wbuf_flush(&w), -1);
	assert_true(w.failed);
	assert_int_equal(w.err, ENOSPC);
	ct_wbuf_free(&w);
	fclose(f);

	struct sink s = {.fail_errno = EPIPE};
	f = sink_open(&s);
	assert_int_equal(ct_wbuf_init(&w, f, 0), 0);
	ct_pkt_fmt_init(&fmt, &w, true, false);
	for (int i = 0; i < 100000 && !w.failed; i++)
		ct_pkt_write(&fmt, &p, &m);
	assert_true(w.failed);
	assert_int_equal(w.err, EPIPE);
	size_t calls = s.calls;
	for (int i = 0; i < 100000; i++)
		ct_pkt_write(&fmt, &p, &m);
	assert_int_equal(ct_wbuf_flush(&w), -1);
	assert_int_equal(s.calls, calls);
	ct_wbuf_free(&w);
	fclose(f);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN); /* the EPIPE cases */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_json),
		cmocka_unit_test(test_full_text),
		cmocka_unit_test(test_full_at_close),
		cmocka_unit_test(test_ok_file),
		cmocka_unit_test(test_stops_json),
		cmocka_unit_test(test_stops_text),
		cmocka_unit_test(test_outside_write),
		cmocka_unit_test(test_first_error_kept),
		cmocka_unit_test(test_closed_written),
		cmocka_unit_test(test_closed_silent),
		cmocka_unit_test(test_finish),
		cmocka_unit_test(test_wbuf),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
