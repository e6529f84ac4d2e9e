/* SPDX-License-Identifier: MIT */
/*
 * The one place where outside bytes (interface, namespace and pod names, BIRD
 * and kubectl text, paths, argv) are made safe to show. Pure: no I/O.
 *
 * Two rules, both documented in caltrace(1) under STRINGS:
 *
 * Terminal text (ct_esc_text*): valid printable UTF-8 passes unchanged
 * ("café"); a backslash becomes "\\"; every other byte that is escaped becomes
 * "\xNN" (two lowercase hex digits): bytes 0x00-0x1f (ESC included) and 0x7f,
 * every byte that is not part of valid UTF-8, and each UTF-8 byte of a C1
 * control (U+0080-U+009F) or a bidirectional override or isolate (U+202A-U+202E,
 * U+2066-U+2069). The result is printable ASCII plus harmless UTF-8, and the
 * rule is reversible.
 *
 * JSON string values (ct_esc_json*): valid UTF-8 passes (control characters
 * included: the JSON writer then spells them \u00XX as JSON requires); a
 * backslash becomes two backslashes in the value; every byte that is not part
 * of valid UTF-8 becomes the four characters \xNN (lowercase hex). So every
 * value is valid UTF-8, two different byte strings never give the same value,
 * and ct_esc_json_decode gives the original bytes back. A value holding no
 * backslash and only valid UTF-8 stands for itself.
 *
 * Valid UTF-8 is RFC 3629's: overlong forms, surrogates (ed a0..ed bf) and code
 * points above U+10FFFF are invalid, and a sequence cut by the end of the
 * buffer is invalid (each of its bytes is escaped).
 *
 * Invalid bytes are escaped one byte at a time: e0 80 af is \xe0\x80\xaf.
 */
#ifndef CT_ESC_H
#define CT_ESC_H

#include <stdbool.h>
#include <stddef.h>

/* Length of the valid UTF-8 sequence at s (n bytes available): 1..4, or 0 when
 * s[0] does not start one (or n is 0). */
size_t ct_utf8_seq(const char *s, size_t n);

/* Largest length <= max that does not split a valid UTF-8 sequence of s[0..n)
 * (for cutting raw text that will be escaped later). */
size_t ct_utf8_cut(const char *s, size_t n, size_t max);

/* For messages: copies an excerpt of the raw bytes in[0..inlen) into out[outlen]
 * (NUL-terminated), stopping at a NUL byte, never splitting a valid UTF-8
 * character, and ending in "..." when it had to cut. The bytes stay raw: a
 * message is escaped once, where it is shown (ct_esc_text or the JSON rule).
 * Returns out. */
char *ct_esc_clip(char *out, size_t outlen, const char *in, size_t inlen);

/* ---- terminal text ---- */

/* Worst-case length of the text escape of n bytes (no NUL). */
#define CT_ESC_TEXT_MAX(n) (4 * (n))

/* Exact length the text escape of s[0..n) takes (no NUL). */
size_t ct_esc_text_len(const char *s, size_t n);
/* Writes the text escape of s[0..n) at o, which has room for ct_esc_text_len()
 * (or CT_ESC_TEXT_MAX(n)) bytes; no NUL. Returns the end. */
char *ct_esc_text_put(char *o, const char *s, size_t n);
/* Bounded: writes a NUL-terminated escape into out[outlen]. When it does not
 * fit, it is cut between two whole escapes or characters and ends in "..."
 * (never mid-escape). Returns ct_esc_text_len(s, n): a value >= outlen means
 * the output was cut, as with snprintf. */
size_t ct_esc_text(char *out, size_t outlen, const char *s, size_t n);
/* ct_esc_text of the C string s (NULL is ""); returns out. */
char *ct_esc_str(char *out, size_t outlen, const char *s);

/* Terminal columns that the escaped text t (valid UTF-8, as ct_esc_text writes
 * it) takes, for aligning tables: combining marks take 0, East Asian wide and
 * emoji characters 2, everything else 1. */
size_t ct_esc_width(const char *t);

/* ---- JSON string values ---- */

/* Worst-case length of the JSON value of n bytes, and of the quoted JSON
 * literal (a byte becomes at most \u00XX in JSON syntax). */
#define CT_ESC_JSON_MAX(n) (4 * (n))
#define CT_ESC_JLIT_MAX(n) (6 * (n) + 2)

/* Exact length of the JSON value (the rule above, before JSON syntax). */
size_t ct_esc_json_len(const char *s, size_t n);
/* Writes the JSON value of s[0..n) at o (room for ct_esc_json_len bytes), no
 * quotes, no NUL: this is what goes to json_stringn(). Returns the end. */
char *ct_esc_json_put(char *o, const char *s, size_t n);
/* Writes the value as a complete JSON string literal, quotes included, with
 * '"', '\\' and control characters (and DEL) escaped as JSON requires, at o
 * (room for CT_ESC_JLIT_MAX(n)). Returns the end. */
char *ct_esc_jlit_put(char *o, const char *s, size_t n);

enum ct_esc_err {
	CT_ESC_OK = 0,
	CT_ESC_EUTF8 = -1,   /* the value itself is not valid UTF-8 */
	CT_ESC_EESCAPE = -2, /* a backslash not followed by a backslash or x and two lowercase hex digits */
	CT_ESC_ECANON = -3,  /* \xNN of a byte that is valid UTF-8 there: the writer never spells it so */
	CT_ESC_ESPACE = -4,  /* out is too small */
};

/* Reverses the JSON rule: v[0..n) (the string value as a JSON parser returns
 * it) into out[outlen], NUL-terminated; *outn gets the byte count (which is
 * never more than n). Returns CT_ESC_OK or a negative enum ct_esc_err; only
 * values ct_esc_json_put can write are accepted, so the mapping is one to one. */
int ct_esc_json_decode(char *out, size_t outlen, const char *v, size_t n, size_t *outn);
/* A short lowercase description of a ct_esc_json_decode error. */
const char *ct_esc_strerror(int e);

#endif
