/* SPDX-License-Identifier: MIT */
/*
 * model/shq: shell quoting of run lines. Expected words are spelled by hand
 * from bash's quoting rules (bash(1), QUOTING); round trips go through a small
 * reader of those three forms written here from the same manual, independent
 * of the writer (it knows nothing of model/esc). bash itself is the oracle of
 * tests/integration/lab-fixes.sh, which pastes every byte value into it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/shq.h"

static const char *q(const char *s)
{
	static char b[2048];
	size_t n = ct_shq(b, sizeof(b), s);
	assert_true(n < sizeof(b));
	assert_int_equal(n, strlen(b));
	return b;
}

static int hexv(int c)
{
	return c >= '0' && c <= '9'   ? c - '0'
	       : c >= 'a' && c <= 'f' ? c - 'a' + 10
	       : c >= 'A' && c <= 'F' ? c - 'A' + 10
				      : -1;
}

/* Reads one shell word made of plain characters, '...' and $'...' parts (the
 * only forms the writer may use); returns its length in out, or -1 when the
 * word uses anything else (an unquoted metacharacter, a stray quote, space). */
static long bash_word(const char *w, char *out, size_t cap)
{
	size_t o = 0;
	while (*w) {
		if (w[0] == '$' && w[1] == '\'') {
			w += 2;
			while (*w != '\'') {
				if (!*w)
					return -1;
				int c = (unsigned char)*w++;
				if (c == '\\') {
					c = (unsigned char)*w++;
					if (c == 'x') {
						int h = hexv(*w);
						if (h < 0)
							return -1;
						c = h;
						w++;
						if (hexv(*w) >= 0)
							c = c * 16 + hexv(*w++);
					} else if (c != '\\' && c != '\'') {
						return -1; /* the writer uses no other escape */
					}
				}
				if (o + 1 >= cap)
					return -1;
				out[o++] = (char)c;
			}
			w++;
		} else if (*w == '\'') {
			w++;
			while (*w != '\'') {
				if (!*w || o + 1 >= cap)
					return -1;
				out[o++] = *w++;
			}
			w++;
		} else if (*w == '\\' && w[1] == '\'') {
			if (o + 1 >= cap)
				return -1;
			out[o++] = '\'';
			w += 2;
		} else {
			/* unquoted: only what bash never treats specially */
			if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
				    "_./:@%+=,-",
				    *w))
				return -1;
			if (o + 1 >= cap)
				return -1;
			out[o++] = *w++;
		}
	}
	out[o] = '\0';
	return (long)o;
}

static void round_trip(const char *s)
{
	char back[2048];
	long n = bash_word(q(s), back, sizeof(back));
	assert_true(n >= 0);
	assert_int_equal((size_t)n, strlen(s));
	assert_memory_equal(back, s, (size_t)n);
}

static void test_forms(void **state)
{
	(void)state;
	assert_string_equal(q("cali7f94ce7c295"), "cali7f94ce7c295");
	assert_string_equal(q("net.ipv4.conf.vxlan/calico.rp_filter=2"),
			    "net.ipv4.conf.vxlan/calico.rp_filter=2");
	assert_string_equal(q("172.168.0.1/32"), "172.168.0.1/32");
	assert_string_equal(q("fe80::1%eth0"), "fe80::1%eth0");
	assert_string_equal(q("--net=/proc/1/ns/net"), "--net=/proc/1/ns/net");
	assert_string_equal(q(""), "''");
	assert_string_equal(q("a b"), "'a b'");
	assert_string_equal(q("cali;x"), "'cali;x'");
	assert_string_equal(q("Mesh_$(id>/tmp/x)"), "'Mesh_$(id>/tmp/x)'");
	assert_string_equal(q("cali`id`"), "'cali`id`'");
	assert_string_equal(q("a'b"), "'a'\\''b'");
	assert_string_equal(q("~root"), "'~root'");
	assert_string_equal(q("a*"), "'a*'");
	assert_string_equal(q("back\\slash"), "'back\\slash'");
	assert_string_equal(q("!x"), "'!x'");
	assert_string_equal(q("café"), "'café'");
	/* bytes the terminal rule escapes: $'...' with \xNN, \\ and \' */
	assert_string_equal(q("cali\x1b"), "$'cali\\x1b'");
	assert_string_equal(q("\x1b[31m"), "$'\\x1b[31m'");
	assert_string_equal(q("a\x1b'b"), "$'a\\x1b\\'b'");
	assert_string_equal(q("a\x1b\\b"), "$'a\\x1b\\\\b'");
	assert_string_equal(q("\x7f"), "$'\\x7f'");
	assert_string_equal(q("\xff\xfe"), "$'\\xff\\xfe'");
	assert_string_equal(q("\x1b"
			      "1"),
			    "$'\\x1b1'"); /* bash reads two hex digits at most */
	assert_string_equal(q("x\ny"), "$'x\\x0ay'");
	assert_string_equal(q("\xe2\x80\xae"), "$'\\xe2\\x80\\xae'"); /* RIGHT-TO-LEFT OVERRIDE */
	assert_string_equal(q("\xc2\x9b"), "$'\\xc2\\x9b'");	      /* C1 CSI */
}

static void test_printable(void **state)
{
	(void)state;
	const char *words[] = {"a",	 "a b", "$(id)",    "\x1b", "\xff",
			       "a'\x1b", "\\",	"\xc2\x85", "é"};
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		const char *w = q(words[i]);
		assert_true(ct_shq_printable(w));
		for (const unsigned char *p = (const unsigned char *)w; *p; p++)
			assert_true(*p >= 0x20 && *p != 0x7f);
	}
	assert_false(ct_shq_printable("a\x1b"));
	assert_false(ct_shq_printable("a\xff"));
	assert_true(ct_shq_printable("$'a\\x1b'"));
}

static void test_round_trips(void **state)
{
	(void)state;
	char s[64];
	/* every byte value 1..255, alone and between letters */
	for (int c = 1; c < 256; c++) {
		s[0] = (char)c;
		s[1] = '\0';
		round_trip(s);
		snprintf(s, sizeof(s), "a%cb'%c", c, c);
		round_trip(s);
	}
	/* random strings from a fixed seed */
	srand(8);
	for (int k = 0; k < 20000; k++) {
		size_t n = (size_t)(rand() % 40);
		for (size_t i = 0; i < n; i++) {
			int c = rand() % 8 ? 1 + rand() % 255 : "'\\$`\x1b\xc3\xa9"[rand() % 7];
			s[i] = (char)(c ? c : 'x');
		}
		s[n] = '\0';
		round_trip(s);
	}
}

static void test_bounds(void **state)
{
	(void)state;
	char b[8];
	assert_int_equal(ct_shq(b, sizeof(b), "abcdefg"), 7);
	assert_string_equal(b, "abcdefg");
	/* a word that does not fit is never cut */
	assert_int_equal(ct_shq(b, sizeof(b), "abcdefgh"), 8);
	assert_string_equal(b, "");
	assert_int_equal(ct_shq(b, sizeof(b), "a b c"), 7);
	assert_string_equal(b, "'a b c'");
	assert_true(ct_shq(b, sizeof(b), "a\x1b") >= 7);
	char line[16];
	size_t pos = 0;
	line[0] = '\0';
	assert_int_equal(ct_shq_cat(line, sizeof(line), &pos, "ip"), 0);
	assert_int_equal(ct_shq_cat(line, sizeof(line), &pos, "a;b"), 0);
	assert_string_equal(line, "ip 'a;b'");
	assert_int_equal(ct_shq_cat(line, sizeof(line), &pos, "toolong"), -1);
	assert_string_equal(line, "ip 'a;b'"); /* unchanged */
	assert_int_equal(ct_shq_cat(line, sizeof(line), &pos, "x"), 0);
	assert_string_equal(line, "ip 'a;b' x");
}

static void test_sysctl_key(void **state)
{
	(void)state;
	char k[64];
	assert_int_equal(
	    ct_shq_sysctl_key(k, sizeof(k), "net.ipv4.conf", "vxlan.calico", "rp_filter"), 0);
	assert_string_equal(k, "net.ipv4.conf.vxlan/calico.rp_filter");
	assert_int_equal(ct_shq_sysctl_key(k, sizeof(k), "net.ipv4.conf", "cali;x", "proxy_arp"),
			 0);
	assert_string_equal(k, "net.ipv4.conf.cali;x.proxy_arp");
	/* sysctl -w splits at the first '=' */
	assert_int_equal(ct_shq_sysctl_key(k, sizeof(k), "net.ipv4.conf", "a=b", "proxy_arp"), -1);
	/* not interface names: never a path component */
	assert_int_equal(ct_shq_sysctl_key(k, sizeof(k), "net.ipv4.conf", "..", "proxy_arp"), -1);
	assert_int_equal(ct_shq_sysctl_key(k, sizeof(k), "net.ipv4.conf", "a/b", "proxy_arp"), -1);
	assert_int_equal(ct_shq_sysctl_key(k, sizeof(k), "net.ipv4.conf", "", "proxy_arp"), -1);
	assert_int_equal(ct_shq_sysctl_key(k, sizeof(k), "net.ipv4.conf", "a b", "proxy_arp"), -1);
	assert_int_equal(ct_shq_sysctl_key(k, sizeof(k), "net.ipv4.conf", "0123456789abcdef", "x"),
			 -1);
	assert_int_equal(ct_shq_sysctl_key(k, 20, "net.ipv4.conf", "eth0", "proxy_arp"), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_forms),	cmocka_unit_test(test_printable),
	    cmocka_unit_test(test_round_trips), cmocka_unit_test(test_bounds),
	    cmocka_unit_test(test_sysctl_key),
	};
	return cmocka_run_group_tests_name("shq", tests, NULL, NULL);
}
