/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for probes/capture.c's order queue (ct_cap_order_*), with the
 * clocks given by the test. The oracle is the records' own timestamps: the
 * expected order is a sort of what was pushed (qsort by stamp, then by push
 * order), computed here apart from the heap; and the contract of capture.h
 * (held until the window has passed since the stamp, at most the window after
 * it was read; the caps let the earliest go at once).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probes/capture.h"

#define W 100000u /* the window used here, in us */

struct item {
	int64_t sec;
	int32_t usec;
	size_t src;
	uint32_t id; /* push order; also the packet's bytes */
};

static int item_cmp(const void *x, const void *y)
{
	const struct item *a = x, *b = y;
	if (a->sec != b->sec)
		return a->sec < b->sec ? -1 : 1;
	if (a->usec != b->usec)
		return a->usec < b->usec ? -1 : 1;
	return a->id < b->id ? -1 : a->id > b->id;
}

static void push(struct ct_cap_order *q, const struct item *it, uint64_t mono, uint64_t real)
{
	/* the caller's buffer is reused at once, as libpcap's is */
	uint8_t buf[64];
	uint32_t n = 4 + it->id % 50;
	memset(buf, 0, sizeof(buf));
	for (uint32_t k = 0; k < n; k++)
		buf[k] = (uint8_t)(it->id + k);
	struct ct_cap_rec r = {
	    .sec = it->sec, .usec = it->usec, .caplen = n, .len = n + 7, .data = buf};
	assert_int_equal(ct_cap_order_push(q, it->src, &r, mono, real), 0);
	memset(buf, 0xee, sizeof(buf));
}

static void check_rec(const struct ct_cap_rec *r, size_t src, const struct item *want)
{
	assert_int_equal(r->sec, want->sec);
	assert_int_equal(r->usec, want->usec);
	assert_int_equal(src, want->src);
	uint32_t n = 4 + want->id % 50;
	assert_int_equal(r->caplen, n);
	assert_int_equal(r->len, n + 7);
	for (uint32_t k = 0; k < n; k++)
		assert_int_equal(r->data[k], (uint8_t)(want->id + k));
}

/* Two sources read alternately in batches, each batch delivered late (up to half
 * the window): everything comes out in stamp order, nothing before its time. */
static void test_interleaved_in_order(void **state)
{
	(void)state;
	enum { N = 5000 };
	struct item *it = calloc(N, sizeof(*it)), *want = calloc(N, sizeof(*want));
	assert_non_null(it);
	assert_non_null(want);
	srand(7);
	/* stamps: source 0 a burst every so often, source 1 sparse, interleaved in time */
	uint64_t base = 1700000000ull * 1000000u;
	for (uint32_t i = 0; i < N; i++) {
		uint64_t ts = base + i * 13u + (uint64_t)(rand() % 5);
		it[i].sec = (int64_t)(ts / 1000000u);
		it[i].usec = (int32_t)(ts % 1000000u);
		it[i].src = i % 21 == 20 ? 1 : 0;
	}
	struct ct_cap_order q;
	ct_cap_order_init(&q, W, 0, 0);
	/* the reader: source 0's packets of a stretch, then source 1's; the clocks run ahead of
	 * the stamps by a delivery delay (below the window); mono = real - 1e12 */
	uint32_t pushed = 0, outn = 0;
	uint64_t last_ts = 0;
	struct item *sorted = want;
	size_t src;
	struct ct_cap_rec r;
	for (uint32_t lo = 0; lo < N; lo += 300) {
		uint32_t hi = lo + 300 < N ? lo + 300 : N;
		uint64_t hi_ts = (uint64_t)it[hi - 1].sec * 1000000u + (uint64_t)it[hi - 1].usec;
		uint64_t real = hi_ts + W / 2, mono = real - 1000000000000ull;
		for (int s = 0; s < 2; s++)
			for (uint32_t i = lo; i < hi; i++)
				if (it[i].src == (size_t)s) {
					it[i].id = pushed++;
					push(&q, &it[i], mono, real);
				}
		while (ct_cap_order_next(&q, mono, false, &src, &r)) {
			uint64_t ts = (uint64_t)r.sec * 1000000u + (uint64_t)r.usec;
			assert_true(ts + W <= real); /* not before its time */
			assert_true(ts >= last_ts);
			last_ts = ts;
			outn++;
		}
		int64_t w = ct_cap_order_wait_us(&q, mono);
		assert_true(w == -1 || (w > 0 && w <= (int64_t)W));
	}
	/* every record was pushed in id order; the expected output is the stable sort */
	memcpy(sorted, it, N * sizeof(*it));
	qsort(sorted, N, sizeof(*sorted), item_cmp);
	ct_cap_order_free(&q);

	/* again, checking each record's bytes against the sorted list, with everything out at
	 * the end (all) */
	ct_cap_order_init(&q, W, 0, 0);
	uint64_t mono = 5000;
	for (uint32_t lo = 0; lo < N; lo += 300) {
		uint32_t hi = lo + 300 < N ? lo + 300 : N;
		for (int s = 0; s < 2; s++)
			for (uint32_t i = lo; i < hi; i++)
				if (it[i].src == (size_t)s)
					push(&q, &it[i], mono, 0);
	}
	assert_false(ct_cap_order_next(&q, mono, false, &src, &r)); /* nothing due yet */
	for (uint32_t i = 0; i < N; i++) {
		assert_true(ct_cap_order_next(&q, mono, true, &src, &r));
		check_rec(&r, src, &sorted[i]);
	}
	assert_false(ct_cap_order_next(&q, mono, true, &src, &r));
	assert_int_equal(ct_cap_order_wait_us(&q, mono), -1);
	assert_int_equal(q.bytes, 0);
	ct_cap_order_free(&q);
	free(it);
	free(want);
	(void)outn;
}

/* Held until stamp + window on the wall clock; a stamp already older than that
 * goes at once; a stamp ahead of the wall clock (the clock stepped back) waits
 * at most the window after it was read. */
static void test_due_times(void **state)
{
	(void)state;
	struct ct_cap_order q;
	ct_cap_order_init(&q, W, 0, 0);
	uint64_t real = 1700000000ull * 1000000u + 500000u, mono = 1000;
	size_t src;
	struct ct_cap_rec r;
	/* stamped 30 ms before it is read: due 70 ms later */
	struct item a = {.sec = 1700000000, .usec = 470000, .src = 0, .id = 1};
	push(&q, &a, mono, real);
	assert_int_equal(ct_cap_order_wait_us(&q, mono), W - 30000);
	assert_false(ct_cap_order_next(&q, mono + W - 30000 - 1, false, &src, &r));
	assert_true(ct_cap_order_next(&q, mono + W - 30000, false, &src, &r));
	check_rec(&r, src, &a);
	/* stamped long ago: at once */
	struct item b = {.sec = 1699999990, .usec = 0, .src = 1, .id = 2};
	push(&q, &b, mono, real);
	assert_int_equal(ct_cap_order_wait_us(&q, mono), 0);
	assert_true(ct_cap_order_next(&q, mono, false, &src, &r));
	check_rec(&r, src, &b);
	/* stamped an hour ahead of the wall clock: the window after it was read, no more */
	struct item c = {.sec = 1700003600, .usec = 0, .src = 0, .id = 3};
	push(&q, &c, mono, real);
	assert_int_equal(ct_cap_order_wait_us(&q, mono), W);
	assert_false(ct_cap_order_next(&q, mono + W - 1, false, &src, &r));
	assert_true(ct_cap_order_next(&q, mono + W, false, &src, &r));
	check_rec(&r, src, &c);
	/* equal stamps keep their push order */
	struct item d[3] = {{.sec = 1700000001, .usec = 5, .src = 1, .id = 4},
			    {.sec = 1700000001, .usec = 5, .src = 0, .id = 5},
			    {.sec = 1700000001, .usec = 5, .src = 1, .id = 6}};
	for (int i = 0; i < 3; i++)
		push(&q, &d[i], mono, real);
	for (int i = 0; i < 3; i++) {
		assert_true(ct_cap_order_next(&q, mono, true, &src, &r));
		check_rec(&r, src, &d[i]);
	}
	assert_int_equal(q.early, 0);
	ct_cap_order_free(&q);
}

/* Past max_recs records or max_bytes bytes the earliest goes at once, counted. */
static void test_caps(void **state)
{
	(void)state;
	struct ct_cap_order q;
	size_t src;
	struct ct_cap_rec r;
	ct_cap_order_init(&q, W, 0, 4);
	uint64_t mono = 1;
	struct item it[6];
	for (uint32_t i = 0; i < 6; i++) {
		/* pushed newest first */
		it[i] =
		    (struct item){.sec = 100, .usec = (int32_t)(60 - 10 * i), .src = 0, .id = i};
		push(&q, &it[i], mono, 0);
	}
	assert_int_equal(ct_cap_order_wait_us(&q, mono), 0);
	assert_true(ct_cap_order_next(&q, mono, false, &src, &r));
	check_rec(&r, src, &it[5]);
	assert_true(ct_cap_order_next(&q, mono, false, &src, &r));
	check_rec(&r, src, &it[4]);
	assert_false(ct_cap_order_next(&q, mono, false, &src, &r)); /* 4 held: at the cap */
	assert_int_equal(q.early, 2);
	ct_cap_order_free(&q);

	ct_cap_order_init(&q, W, 100, 0);
	uint32_t bytes = 0, n = 0;
	for (uint32_t i = 0; bytes <= 100; i++, n++) {
		struct item x = {.sec = 100, .usec = (int32_t)i, .src = 0, .id = i};
		push(&q, &x, mono, 0);
		bytes += 4 + i % 50;
	}
	assert_true(ct_cap_order_next(&q, mono, false, &src, &r));
	assert_int_equal(r.usec, 0);
	assert_true(q.bytes <= 100 || q.n == n - 1);
	ct_cap_order_free(&q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_interleaved_in_order),
	    cmocka_unit_test(test_due_times),
	    cmocka_unit_test(test_caps),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
