/* SPDX-License-Identifier: MIT */
/*
 * model/esc: the terminal text rule and the JSON rule. Expected strings are
 * spelled from the rule in esc.h by hand; UTF-8 validity is checked against
 * glibc's iconv (an independent decoder: it rejects overlongs, surrogates and
 * code points above U+10FFFF); round trips and uniqueness run over random byte
 * strings from a fixed seed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/esc.h"

/* iconv's verdict: is s[0..n) valid UTF-8? */
static bool iconv_valid(const char *s, size_t n)
{
	iconv_t cd = iconv_open("UTF-32LE", "UTF-8");
	assert_true(cd != (iconv_t)-1);
	size_t cap = 4 * n + 4;
	char *out = malloc(cap);
	assert_non_null(out);
	char *ip = (char *)s, *op = out;
	size_t il = n, ol = cap;
	size_t r = iconv(cd, &ip, &il, &op, &ol);
	iconv_close(cd);
	free(out);
	return r != (size_t)-1 && il == 0;
}

static const char *text(const char *s, size_t n)
{
	static char b[1024];
	size_t need = ct_esc_text(b, sizeof(b), s, n);
	assert_true(need < sizeof(b));
	assert_int_equal(strlen(b), need);
	assert_int_equal(ct_esc_text_len(s, n), need);
	return b;
}

static const char *json(const char *s, size_t n)
{
	static char b[1024];
	size_t need = ct_esc_json_len(s, n);
	assert_true(need < sizeof(b));
	char *e = ct_esc_json_put(b, s, n);
	assert_int_equal((size_t)(e - b), need);
	*e = 0;
	return b;
}

static void test_utf8_seq(void **state)
{
	(void)state;
	/* each case: bytes, expected sequence length at offset 0 */
	static const struct {
		const char *s;
		size_t n, want;
	} t[] = {
		{"A", 1, 1},
		{"\x00", 1, 1},
		{"\x7f", 1, 1},
		{"\x80", 1, 0},                 /* lone continuation */
		{"\xc0\xaf", 2, 0},             /* overlong '/' */
		{"\xc1\xbf", 2, 0},             /* overlong */
		{"\xc2\x80", 2, 2},             /* U+0080 */
		{"\xc3\xa9", 2, 2},             /* é */
		{"\xc3", 1, 0},                 /* truncated */
		{"\xc3\x41", 2, 0},             /* bad continuation */
		{"\xe0\x80\xaf", 3, 0},         /* overlong '/' */
		{"\xe0\xa0\x80", 3, 3},         /* U+0800 */
		{"\xe2\x80\xae", 3, 3},         /* U+202E */
		{"\xe2\x80", 2, 0},             /* truncated */
		{"\xed\x9f\xbf", 3, 3},         /* U+D7FF */
		{"\xed\xa0\x80", 3, 0},         /* surrogate D800 */
		{"\xed\xbf\xbf", 3, 0},         /* surrogate DFFF */
		{"\xee\x80\x80", 3, 3},         /* U+E000 */
		{"\xef\xbf\xbf", 3, 3},         /* U+FFFF */
		{"\xf0\x8f\xbf\xbf", 4, 0},     /* overlong */
		{"\xf0\x90\x80\x80", 4, 4},     /* U+10000 */
		{"\xf4\x8f\xbf\xbf", 4, 4},     /* U+10FFFF */
		{"\xf4\x90\x80\x80", 4, 0},     /* U+110000 */
		{"\xf5\x80\x80\x80", 4, 0},
		{"\xff", 1, 0},
		{"\xf0\x9f\x98", 3, 0},         /* truncated 4-byte */
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		assert_int_equal(ct_utf8_seq(t[i].s, t[i].n), t[i].want);
		/* the oracle agrees on whole-buffer validity */
		assert_int_equal(iconv_valid(t[i].s, t[i].n), t[i].want == t[i].n);
	}
	assert_int_equal(ct_utf8_seq("", 0), 0);
}

static void test_text_classes(void **state)
{
	(void)state;
	assert_string_equal(text("cali7f94ce7c295", 15), "cali7f94ce7c295");
	assert_string_equal(text("\x1b[31mX", 6), "\\x1b[31mX");         /* ESC */
	assert_string_equal(text("a\nb\tc\r", 6), "a\\x0ab\\x09c\\x0d"); /* C0 */
	assert_string_equal(text("\x00z", 2), "\\x00z");                 /* NUL with a length */
	assert_string_equal(text("x\x7f", 2), "x\\x7f");                 /* DEL */
	assert_string_equal(text("a\\b", 3), "a\\\\b");                  /* backslash */
	assert_string_equal(text("cali\\xfa", 8), "cali\\\\xfa");        /* ASCII \xfa */
	assert_string_equal(text("cali\xfa", 5), "cali\\xfa");           /* the byte */
	assert_string_equal(text("caf\xc3\xa9", 5), "caf\xc3\xa9");      /* é passes */
	assert_string_equal(text("\xe6\x97\xa5\xf0\x9f\x98\x80", 7), "\xe6\x97\xa5\xf0\x9f\x98\x80");
	assert_string_equal(text("\xc2\x9b", 2), "\\xc2\\x9b");          /* C1 CSI */
	assert_string_equal(text("\xc2\x80\xc2\x9f\xc2\xa0", 6), "\\xc2\\x80\\xc2\\x9f\xc2\xa0");
	/* bidi: the edges of both ranges are escaped, their neighbours are not */
	assert_string_equal(text("\xe2\x80\xa9", 3), "\xe2\x80\xa9");    /* U+2029 */
	assert_string_equal(text("\xe2\x80\xaa", 3), "\\xe2\\x80\\xaa"); /* U+202A */
	assert_string_equal(text("\xe2\x80\xae", 3), "\\xe2\\x80\\xae"); /* U+202E */
	assert_string_equal(text("\xe2\x80\xaf", 3), "\xe2\x80\xaf");    /* U+202F */
	assert_string_equal(text("\xe2\x81\xa5", 3), "\xe2\x81\xa5");    /* U+2065 */
	assert_string_equal(text("\xe2\x81\xa6", 3), "\\xe2\\x81\\xa6"); /* U+2066 */
	assert_string_equal(text("\xe2\x81\xa9", 3), "\\xe2\\x81\\xa9"); /* U+2069 */
	assert_string_equal(text("\xe2\x81\xaa", 3), "\xe2\x81\xaa");    /* U+206A */
	/* invalid UTF-8, one byte at a time */
	assert_string_equal(text("\xe0\x80\xaf", 3), "\\xe0\\x80\\xaf");
	assert_string_equal(text("\xed\xa0\x80", 3), "\\xed\\xa0\\x80");
	assert_string_equal(text("\xf4\x90\x80\x80", 4), "\\xf4\\x90\\x80\\x80");
	assert_string_equal(text("\xff\xfe", 2), "\\xff\\xfe");
	/* truncated at the end of the buffer: each byte */
	assert_string_equal(text("ab\xe2\x80", 4), "ab\\xe2\\x80");
	assert_string_equal(text("\xf0\x9f\x98", 3), "\\xf0\\x9f\\x98");
	assert_string_equal(text("\xc3", 1), "\\xc3");
	/* the length given is honoured: the byte after it is not read */
	assert_string_equal(text("caf\xc3\xa9", 4), "caf\\xc3");
	char b[8];
	assert_string_equal(ct_esc_str(b, sizeof(b), NULL), "");
}

static void test_text_bounded(void **state)
{
	(void)state;
	char b[64];
	/* fits exactly: len 7 in 8 bytes */
	assert_int_equal(ct_esc_text(b, 8, "a\x1b" "b", 3), 6);
	assert_string_equal(b, "a\\x1bb");
	/* cut between whole escapes, marked "..." */
	assert_int_equal(ct_esc_text(b, 8, "\x01\x02\x03", 3), 12);
	assert_string_equal(b, "\\x01...");
	assert_int_equal(ct_esc_text(b, 7, "\x01\x02\x03", 3), 12);
	assert_string_equal(b, "...");
	/* never half a UTF-8 character */
	assert_int_equal(ct_esc_text(b, 6, "ab\xc3\xa9\xc3\xa9", 6), 6);
	assert_string_equal(b, "ab...");
	assert_int_equal(ct_esc_text(b, 8, "ab\xc3\xa9\xc3\xa9\xc3\xa9z", 9), 9);
	assert_string_equal(b, "ab\xc3\xa9...");
	/* never half a "\\" */
	assert_int_equal(ct_esc_text(b, 7, "abc\\de", 6), 7);
	assert_string_equal(b, "abc...");
	assert_int_equal(ct_esc_text(b, 3, "abcdef", 6), 6);
	assert_string_equal(b, "..");
	assert_int_equal(ct_esc_text(b, 1, "abcdef", 6), 6);
	assert_string_equal(b, "");
	assert_int_equal(ct_esc_text(NULL, 0, "abc", 3), 3);
}

static void test_clip(void **state)
{
	(void)state;
	char b[16];
	/* raw bytes stay raw: escaping happens once, where the message is shown */
	assert_string_equal(ct_esc_clip(b, sizeof(b), "a\x1b[1m\n", 6), "a\x1b[1m\n");
	assert_string_equal(ct_esc_clip(b, sizeof(b), "0123456789abcde", 15), "0123456789abcde");
	assert_string_equal(ct_esc_clip(b, sizeof(b), "0123456789abcdef", 16), "0123456789ab...");
	/* never half a character: é would straddle the cut */
	assert_string_equal(ct_esc_clip(b, sizeof(b), "0123456789a\xc3\xa9zzz", 16),
			    "0123456789a...");
	/* an invalid byte is one unit */
	assert_string_equal(ct_esc_clip(b, sizeof(b), "0123456789a\xfa\xfazzz", 16),
			    "0123456789a\xfa...");
	/* a NUL ends the excerpt, visibly */
	assert_string_equal(ct_esc_clip(b, sizeof(b), "ab\0cd", 5), "ab...");
	assert_string_equal(ct_esc_clip(b, 4, "abcdef", 6), "...");
	assert_string_equal(ct_esc_clip(b, 1, "abcdef", 6), "");
	assert_string_equal(ct_esc_clip(b, sizeof(b), NULL, 3), "");
}

static void test_width(void **state)
{
	(void)state;
	assert_int_equal(ct_esc_width("cali7f94ce7c295"), 15);
	assert_int_equal(ct_esc_width("caf\xc3\xa9"), 4);              /* é */
	assert_int_equal(ct_esc_width("cafe\xcc\x81"), 4);             /* e + combining acute */
	assert_int_equal(ct_esc_width("\xe6\x97\xa5\xe6\x9c\xac"), 4);  /* 日本 */
	assert_int_equal(ct_esc_width("\xf0\x9f\x98\x80!"), 3);         /* emoji */
	assert_int_equal(ct_esc_width("\\xfa"), 4); /* the escape of the byte 0xfa */
	assert_int_equal(ct_esc_width(""), 0);
}

static void test_json_classes(void **state)
{
	(void)state;
	assert_string_equal(json("cali\xfa", 5), "cali\\xfa");
	assert_string_equal(json("cali\\xfa", 8), "cali\\\\xfa"); /* differs from the byte */
	assert_string_equal(json("\xe0\x80\xaf", 3), "\\xe0\\x80\\xaf");
	assert_string_equal(json("caf\xc3\xa9", 5), "caf\xc3\xa9");
	assert_string_equal(json("\x1b\x7f\xc2\x9b\xe2\x80\xae", 7), "\x1b\x7f\xc2\x9b\xe2\x80\xae");
	assert_string_equal(json("\xed\xa0\x80", 3), "\\xed\\xa0\\x80");
	assert_string_equal(json("a\xc3", 2), "a\\xc3");
	assert_string_equal(json("\"q\"", 3), "\"q\"");

	char b[128];
	const char *s = "a\"\\\x1b\x7f\xfa\xc3\xa9";
	*ct_esc_jlit_put(b, s, strlen(s)) = 0;
	assert_string_equal(b, "\"a\\\"\\\\\\\\\\u001b\\u007f\\\\xfa\xc3\xa9\"");
	*ct_esc_jlit_put(b, "", 0) = 0;
	assert_string_equal(b, "\"\"");
}

static void test_decode(void **state)
{
	(void)state;
	char b[32];
	size_t n;
	assert_int_equal(ct_esc_json_decode(b, sizeof(b), "cali\\xfa", 8, &n), CT_ESC_OK);
	assert_int_equal(n, 5);
	assert_memory_equal(b, "cali\xfa", 6);
	assert_int_equal(ct_esc_json_decode(b, sizeof(b), "cali\\\\xfa", 9, &n), CT_ESC_OK);
	assert_string_equal(b, "cali\\xfa");
	assert_int_equal(ct_esc_json_decode(b, sizeof(b), "caf\xc3\xa9", 5, &n), CT_ESC_OK);
	assert_string_equal(b, "caf\xc3\xa9");
	/* what the writer never writes */
	assert_int_equal(ct_esc_json_decode(b, sizeof(b), "a\\", 2, &n), CT_ESC_EESCAPE);
	assert_int_equal(ct_esc_json_decode(b, sizeof(b), "a\\n", 3, &n), CT_ESC_EESCAPE);
	assert_int_equal(ct_esc_json_decode(b, sizeof(b), "\\x", 2, &n), CT_ESC_EESCAPE);
	assert_int_equal(ct_esc_json_decode(b, sizeof(b), "\\xf", 3, &n), CT_ESC_EESCAPE);
	assert_int_equal(ct_esc_json_decode(b, sizeof(b), "\\xFA", 4, &n), CT_ESC_EESCAPE);
	assert_int_equal(ct_esc_json_decode(b, sizeof(b), "\\xg0", 4, &n), CT_ESC_EESCAPE);
	assert_int_equal(ct_esc_json_decode(b, sizeof(b), "\\u0041", 6, &n), CT_ESC_EESCAPE);
	assert_int_equal(ct_esc_json_decode(b, sizeof(b), "\\x41", 4, &n), CT_ESC_ECANON);
	assert_int_equal(ct_esc_json_decode(b, sizeof(b), "\\x00", 4, &n), CT_ESC_ECANON);
	assert_int_equal(ct_esc_json_decode(b, sizeof(b), "\\x5c", 4, &n), CT_ESC_ECANON);
	/* é spelled as two escapes decodes to valid UTF-8: not the writer's spelling */
	assert_int_equal(ct_esc_json_decode(b, sizeof(b), "\\xc3\\xa9", 8, &n), CT_ESC_ECANON);
	assert_int_equal(ct_esc_json_decode(b, sizeof(b), "\\xc3\xa9", 6, &n), CT_ESC_EUTF8);
	/* a raw invalid byte in the value */
	assert_int_equal(ct_esc_json_decode(b, sizeof(b), "a\xfa", 2, &n), CT_ESC_EUTF8);
	/* room: 3 bytes and the NUL */
	assert_int_equal(ct_esc_json_decode(b, 4, "abc", 3, &n), CT_ESC_OK);
	assert_int_equal(ct_esc_json_decode(b, 3, "abc", 3, &n), CT_ESC_ESPACE);
	assert_int_equal(ct_esc_json_decode(b, 2, "\\xfa\\xfb", 8, &n), CT_ESC_ESPACE);
	assert_string_equal(ct_esc_strerror(CT_ESC_EESCAPE),
			    "a backslash that is not \\\\ or \\xNN (lowercase hex)");
}

/* xorshift: a fixed seed, so a failure reproduces */
static uint64_t rnd_state = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

/* Random bytes biased toward what matters: backslash, x, hex digits, lead and
 * continuation bytes, controls, C1 and bidi sequences. */
static size_t rnd_bytes(char *s, size_t max)
{
	static const char *const pieces[] = {"\\", "x", "f", "a", "\\x", "\\xfa", "\xfa", "\xc3",
					     "\xa9", "\xe0", "\x80", "\xaf", "\xed", "\xa0", "\xf4",
					     "\x90", "\x1b", "\x7f", "\xc2\x9b", "\xe2\x80\xae",
					     "\xc3\xa9", "\xf0\x9f\x98\x80", "\"", "\n", "A"};
	size_t n = 0, want = rnd() % (max + 1);
	while (n < want) {
		if (rnd() % 3 == 0) {
			s[n++] = (char)(rnd() & 0xff);
		} else {
			const char *p = pieces[rnd() % (sizeof(pieces) / sizeof(pieces[0]))];
			size_t l = strlen(p);
			if (n + l > want)
				break;
			memcpy(s + n, p, l);
			n += l;
		}
	}
	return n;
}

static bool text_is_safe(const char *t, size_t n)
{
	if (!iconv_valid(t, n))
		return false;
	for (size_t i = 0; i < n; i++) {
		const unsigned char *u = (const unsigned char *)t + i;
		if (u[0] < 0x20 || u[0] == 0x7f)
			return false;
		if (u[0] == 0xc2 && i + 1 < n && u[1] >= 0x80 && u[1] <= 0x9f)
			return false;
		if (u[0] == 0xe2 && i + 2 < n && u[1] == 0x80 && u[2] >= 0xaa && u[2] <= 0xae)
			return false;
		if (u[0] == 0xe2 && i + 2 < n && u[1] == 0x81 && u[2] >= 0xa6 && u[2] <= 0xa9)
			return false;
	}
	return true;
}

/* Reverses the text rule, written independently of esc.c: "\\" and "\xNN". */
static size_t text_unescape(const char *t, size_t n, char *out)
{
	size_t o = 0;
	for (size_t i = 0; i < n;) {
		if (t[i] == '\\' && t[i + 1] == '\\') {
			out[o++] = '\\';
			i += 2;
		} else if (t[i] == '\\') {
			assert_int_equal(t[i + 1], 'x');
			unsigned v;
			char h[3] = {t[i + 2], t[i + 3], 0};
			assert_int_equal(sscanf(h, "%2x", &v), 1);
			out[o++] = (char)v;
			i += 4;
		} else {
			out[o++] = t[i++];
		}
	}
	return o;
}

#define NRAND 20000
#define RMAX 24

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

struct pair {
	const char *v, *s;
	size_t sn;
};

static int cmp_pair(const void *a, const void *b)
{
	const struct pair *x = a, *y = b;
	int c = strcmp(x->v, y->v);
	if (c)
		return c;
	if (x->sn != y->sn)
		return x->sn < y->sn ? -1 : 1;
	return memcmp(x->s, y->s, x->sn);
}

static void test_random_round_trips(void **state)
{
	(void)state;
	char s[RMAX], v[CT_ESC_JLIT_MAX(RMAX) + 1], d[RMAX + 1], t[CT_ESC_TEXT_MAX(RMAX) + 1];
	char **vals = calloc(NRAND, sizeof(*vals)), **srcs = calloc(NRAND, sizeof(*srcs));
	size_t *slen = calloc(NRAND, sizeof(*slen));
	assert_non_null(vals);
	assert_non_null(srcs);
	assert_non_null(slen);
	for (int i = 0; i < NRAND; i++) {
		size_t n = rnd_bytes(s, RMAX);
		/* JSON value: valid UTF-8, decodes back to the bytes */
		size_t vl = (size_t)(ct_esc_json_put(v, s, n) - v);
		assert_int_equal(vl, ct_esc_json_len(s, n));
		assert_true(vl <= CT_ESC_JSON_MAX(n));
		assert_true(iconv_valid(v, vl));
		size_t dn;
		assert_int_equal(ct_esc_json_decode(d, sizeof(d), v, vl, &dn), CT_ESC_OK);
		assert_int_equal(dn, n);
		assert_memory_equal(d, s, n);
		/* the literal stays within its bound and is valid UTF-8 */
		char lit[CT_ESC_JLIT_MAX(RMAX) + 1];
		size_t lln = (size_t)(ct_esc_jlit_put(lit, s, n) - lit);
		assert_true(lln <= CT_ESC_JLIT_MAX(n));
		assert_true(iconv_valid(lit, lln));
		/* text: safe to print, within its bound, and reversible too */
		size_t tl = (size_t)(ct_esc_text_put(t, s, n) - t);
		assert_int_equal(tl, ct_esc_text_len(s, n));
		assert_true(tl <= CT_ESC_TEXT_MAX(n));
		assert_true(text_is_safe(t, tl));
		t[tl] = 0;
		assert_int_equal(text_unescape(t, tl, d), n);
		assert_memory_equal(d, s, n);
		/* kept for the uniqueness check (no NUL bytes in C strings: skip them) */
		if (!memchr(s, 0, n)) {
			v[vl] = 0;
			vals[i] = strdup(v);
			srcs[i] = malloc(n + 1);
			assert_non_null(srcs[i]);
			memcpy(srcs[i], s, n);
			srcs[i][n] = 0;
			slen[i] = n;
		}
	}
	/* no two different inputs give the same value: sort by value, then source */
	struct pair *pairs = calloc(NRAND, sizeof(*pairs));
	assert_non_null(pairs);
	size_t m = 0;
	for (int i = 0; i < NRAND; i++)
		if (vals[i])
			pairs[m++] = (struct pair){vals[i], srcs[i], slen[i]};
	qsort(pairs, m, sizeof(*pairs), cmp_pair);
	size_t distinct = 0, collisions = 0;
	for (size_t i = 0; i < m; i++) {
		if (i && cmp_pair(&pairs[i], &pairs[i - 1]) == 0)
			continue; /* the same input drawn twice */
		distinct++;
		if (i && strcmp(pairs[i].v, pairs[i - 1].v) == 0)
			collisions++;
	}
	assert_int_equal(collisions, 0);
	assert_true(distinct > NRAND / 2);
	free(pairs);
	for (int i = 0; i < NRAND; i++) {
		free(vals[i]);
		free(srcs[i]);
	}
	free(vals);
	free(srcs);
	free(slen);
}

/* Every byte string of 1 or 2 bytes: reversible, and no two the same value. */
static void test_exhaustive_short(void **state)
{
	(void)state;
	/* 1 and 2 byte inputs: 256 + 65536 values, all distinct and reversible */
	static char seen[256 + 65536][9];
	static bool nul[256 + 65536];
	size_t k = 0;
	char s[2], d[4];
	for (int len = 1; len <= 2; len++) {
		for (int x = 0; x < (len == 1 ? 256 : 65536); x++) {
			if (len == 1)
				s[0] = (char)x;
			else {
				s[0] = (char)(x >> 8);
				s[1] = (char)(x & 0xff);
			}
			nul[k] = memchr(s, 0, (size_t)len) != NULL;
			char *e = ct_esc_json_put(seen[k], s, (size_t)len);
			*e = 0;
			size_t dn;
			assert_int_equal(ct_esc_json_decode(d, sizeof(d), seen[k], (size_t)(e - seen[k]),
							    &dn),
					 CT_ESC_OK);
			assert_int_equal(dn, (size_t)len);
			assert_memory_equal(d, s, dn);
			k++;
		}
	}
	/* the NUL-free ones (C strings, as names are) are pairwise distinct */
	static char *ptr[256 + 65536];
	size_t m = 0;
	for (size_t i = 0; i < k; i++)
		if (!nul[i])
			ptr[m++] = seen[i];
	assert_int_equal(m, 255 + 255 * 255);
	qsort(ptr, m, sizeof(ptr[0]), cmp_str);
	for (size_t i = 1; i < m; i++)
		assert_true(strcmp(ptr[i], ptr[i - 1]) != 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utf8_seq),
		cmocka_unit_test(test_text_classes),
		cmocka_unit_test(test_text_bounded),
		cmocka_unit_test(test_clip),
		cmocka_unit_test(test_width),
		cmocka_unit_test(test_json_classes),
		cmocka_unit_test(test_decode),
		cmocka_unit_test(test_random_round_trips),
		cmocka_unit_test(test_exhaustive_short),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
