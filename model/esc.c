/* SPDX-License-Identifier: MIT */
/* The text and JSON escaping rules (see esc.h). */
#include "model/esc.h"

#include <stdint.h>
#include <string.h>

static const char hexd[] = "0123456789abcdef";

size_t ct_utf8_seq(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	if (n == 0)
		return 0;
	unsigned char c = s[0];
	size_t len;
	uint32_t cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		cp = c & 0x07;
	} else {
		return 0; /* 80..c1 (continuation, overlong lead) and f5..ff */
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff)))
		return 0;
	if (len == 4 && (cp < 0x10000 || cp > 0x10ffff))
		return 0;
	return len;
}

size_t ct_utf8_cut(const char *s, size_t n, size_t max)
{
	if (n <= max)
		return n;
	size_t i = 0;
	while (i < max) {
		size_t q = ct_utf8_seq(s + i, n - i);
		if (!q)
			q = 1;
		if (i + q > max)
			break;
		i += q;
	}
	return i;
}

char *ct_esc_clip(char *out, size_t outlen, const char *in, size_t inlen)
{
	if (!out || outlen == 0)
		return out;
	size_t n = in ? strnlen(in, inlen) : 0, limit = outlen - 1;
	bool cut = n < inlen && in; /* a NUL inside: what follows is not shown */
	if (n > limit)
		cut = true;
	size_t room = cut ? (limit > 3 ? limit - 3 : 0) : limit;
	size_t k = ct_utf8_cut(in, n, room);
	if (k)
		memcpy(out, in, k);
	for (int i = 0; cut && i < 3 && k < limit; i++)
		out[k++] = '.';
	out[k] = 0;
	return out;
}

/* ---- terminal text ---- */

/* How the text rule treats the bytes at s: returns the number of bytes taken
 * (>= 1) and sets *esc when each of them is written as \xNN. A backslash is
 * reported as 1 byte, not escaped: callers spell it "\\". */
static size_t text_class(const unsigned char *s, size_t n, bool *esc)
{
	unsigned char c = s[0];
	if (c < 0x80) {
		*esc = c < 0x20 || c == 0x7f;
		return 1;
	}
	size_t q = ct_utf8_seq((const char *)s, n);
	if (!q) {
		*esc = true;
		return 1;
	}
	uint32_t cp;
	if (q == 2)
		cp = (uint32_t)(c & 0x1f) << 6 | (s[1] & 0x3f);
	else if (q == 3)
		cp = (uint32_t)(c & 0x0f) << 12 | (uint32_t)(s[1] & 0x3f) << 6 | (s[2] & 0x3f);
	else
		cp = 0x10000; /* nothing above U+FFFF is escaped */
	*esc = cp <= 0x9f || (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
	return q;
}

size_t ct_esc_text_len(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, len = 0;
	while (i < n) {
		if (u[i] >= 0x20 && u[i] < 0x7f) {
			len += u[i] == '\\' ? 2 : 1;
			i++;
			continue;
		}
		bool esc;
		size_t q = text_class(u + i, n - i, &esc);
		len += esc ? 4 * q : q;
		i += q;
	}
	return len;
}

/* Writes the unit at s (q bytes, classified by text_class) at o. */
static char *text_unit(char *o, const unsigned char *s, size_t q, bool esc)
{
	if (!esc) {
		if (q == 1 && s[0] == '\\') {
			*o++ = '\\';
			*o++ = '\\';
			return o;
		}
		memcpy(o, s, q);
		return o + q;
	}
	for (size_t k = 0; k < q; k++) {
		*o++ = '\\';
		*o++ = 'x';
		*o++ = hexd[s[k] >> 4];
		*o++ = hexd[s[k] & 15];
	}
	return o;
}

char *ct_esc_text_put(char *o, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;
	while (i < n) {
		/* the common case: a run of printable ASCII */
		size_t j = i;
		while (j < n && u[j] >= 0x20 && u[j] < 0x7f && u[j] != '\\')
			j++;
		if (j > i) {
			memcpy(o, s + i, j - i);
			o += j - i;
			i = j;
			continue;
		}
		bool esc;
		size_t q = text_class(u + i, n - i, &esc);
		o = text_unit(o, u + i, q, esc);
		i += q;
	}
	return o;
}

size_t ct_esc_text(char *out, size_t outlen, const char *s, size_t n)
{
	if (!s)
		n = 0;
	size_t total = ct_esc_text_len(s, n);
	if (!out || outlen == 0)
		return total;
	if (total < outlen) {
		*ct_esc_text_put(out, s, n) = 0;
		return total;
	}
	/* cut: whole units only, then "..." */
	size_t limit = outlen - 1;
	size_t room = limit > 3 ? limit - 3 : 0;
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, o = 0;
	while (i < n) {
		bool esc;
		size_t q = text_class(u + i, n - i, &esc);
		size_t w = esc ? 4 * q : (q == 1 && u[i] == '\\') ? 2 : q;
		if (o + w > room)
			break;
		text_unit(out + o, u + i, q, esc);
		o += w;
		i += q;
	}
	for (int k = 0; k < 3 && o < limit; k++)
		out[o++] = '.';
	out[o] = 0;
	return total;
}

char *ct_esc_str(char *out, size_t outlen, const char *s)
{
	ct_esc_text(out, outlen, s ? s : "", s ? strlen(s) : 0);
	return out;
}

/* Wide: the East Asian Wide and Fullwidth blocks and the emoji planes (a
 * coarse wcwidth, enough to keep a name column straight without a locale). */
static size_t cp_width(uint32_t cp)
{
	if ((cp >= 0x300 && cp <= 0x36f) || (cp >= 0x200b && cp <= 0x200f) ||
	    (cp >= 0xfe00 && cp <= 0xfe0f))
		return 0;
	if ((cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0xa4cf && cp != 0x303f) ||
	    (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff) ||
	    (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60) ||
	    (cp >= 0xffe0 && cp <= 0xffe6) || (cp >= 0x1f300 && cp <= 0x1f64f) ||
	    (cp >= 0x1f900 && cp <= 0x1f9ff) || (cp >= 0x20000 && cp <= 0x3fffd))
		return 2;
	return 1;
}

size_t ct_esc_width(const char *t)
{
	const unsigned char *u = (const unsigned char *)t;
	size_t w = 0, n = strlen(t), i = 0;
	while (i < n) {
		size_t q = ct_utf8_seq(t + i, n - i);
		if (q <= 1) {
			w++;
			i++;
			continue;
		}
		uint32_t cp = u[i] & (0xff >> (q + 1));
		for (size_t k = 1; k < q; k++)
			cp = cp << 6 | (u[i + k] & 0x3f);
		w += cp_width(cp);
		i += q;
	}
	return w;
}

/* ---- JSON ---- */

size_t ct_esc_json_len(const char *s, size_t n)
{
	size_t i = 0, len = 0;
	while (i < n) {
		size_t q = ct_utf8_seq(s + i, n - i);
		if (!q) {
			len += 4;
			i++;
		} else {
			len += q == 1 && s[i] == '\\' ? 2 : q;
			i += q;
		}
	}
	return len;
}

char *ct_esc_json_put(char *o, const char *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x80 && c != '\\') {
			*o++ = (char)c;
			i++;
			continue;
		}
		size_t q = ct_utf8_seq(s + i, n - i);
		if (!q) {
			*o++ = '\\';
			*o++ = 'x';
			*o++ = hexd[c >> 4];
			*o++ = hexd[c & 15];
			i++;
		} else if (c == '\\') {
			*o++ = '\\';
			*o++ = '\\';
			i++;
		} else {
			memcpy(o, s + i, q);
			o += q;
			i += q;
		}
	}
	return o;
}

char *ct_esc_jlit_put(char *o, const char *s, size_t n)
{
	size_t i = 0;
	*o++ = '"';
	while (i < n) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
			size_t j = i + 1;
			while (j < n && (unsigned char)s[j] >= 0x20 && (unsigned char)s[j] < 0x7f &&
			       s[j] != '"' && s[j] != '\\')
				j++;
			memcpy(o, s + i, j - i);
			o += j - i;
			i = j;
			continue;
		}
		if (c == '"') {
			*o++ = '\\';
			*o++ = '"';
			i++;
			continue;
		}
		if (c == '\\') { /* the value's "\\" in JSON syntax */
			memcpy(o, "\\\\\\\\", 4);
			o += 4;
			i++;
			continue;
		}
		if (c < 0x20 || c == 0x7f) {
			memcpy(o, "\\u00", 4);
			o += 4;
			*o++ = hexd[c >> 4];
			*o++ = hexd[c & 15];
			i++;
			continue;
		}
		size_t q = ct_utf8_seq(s + i, n - i);
		if (q) {
			memcpy(o, s + i, q);
			o += q;
			i += q;
		} else { /* the value's \xNN in JSON syntax */
			memcpy(o, "\\\\x", 3);
			o += 3;
			*o++ = hexd[c >> 4];
			*o++ = hexd[c & 15];
			i++;
		}
	}
	*o++ = '"';
	return o;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1; /* upper case is not what the writer writes */
}

/* Whether the JSON value of d[0..dn) is exactly v[0..n), without building it. */
static bool json_same(const char *d, size_t dn, const char *v, size_t n)
{
	size_t i = 0, k = 0;
	char u[4];
	while (i < dn) {
		size_t q = ct_utf8_seq(d + i, dn - i);
		size_t w;
		if (!q) {
			q = 1;
			w = (size_t)(ct_esc_json_put(u, d + i, 1) - u);
		} else if (d[i] == '\\') {
			w = 2;
			u[0] = u[1] = '\\';
		} else {
			w = q;
			memcpy(u, d + i, q);
		}
		if (k + w > n || memcmp(v + k, u, w) != 0)
			return false;
		k += w;
		i += q;
	}
	return k == n;
}

int ct_esc_json_decode(char *out, size_t outlen, const char *v, size_t n, size_t *outn)
{
	size_t i = 0, o = 0;
	if (outn)
		*outn = 0;
	if (!out || outlen == 0)
		return CT_ESC_ESPACE;
	out[0] = 0;
	while (i < n) {
		if (v[i] != '\\') {
			size_t q = ct_utf8_seq(v + i, n - i);
			if (!q)
				return CT_ESC_EUTF8;
			if (o + q >= outlen)
				return CT_ESC_ESPACE;
			memcpy(out + o, v + i, q);
			o += q;
			i += q;
			continue;
		}
		unsigned char b;
		if (i + 1 < n && v[i + 1] == '\\') {
			b = '\\';
			i += 2;
		} else if (i + 3 < n && v[i + 1] == 'x' && hexval(v[i + 2]) >= 0 &&
			   hexval(v[i + 3]) >= 0) {
			b = (unsigned char)(hexval(v[i + 2]) << 4 | hexval(v[i + 3]));
			i += 4;
		} else {
			return CT_ESC_EESCAPE;
		}
		if (o + 1 >= outlen)
			return CT_ESC_ESPACE;
		out[o++] = (char)b;
	}
	out[o] = 0;
	/* \xNN must stand for a byte that is invalid where it lands: re-encode and compare */
	if (!json_same(out, o, v, n)) {
		out[0] = 0;
		return CT_ESC_ECANON;
	}
	if (outn)
		*outn = o;
	return CT_ESC_OK;
}

const char *ct_esc_strerror(int e)
{
	switch (e) {
	case CT_ESC_OK:
		return "ok";
	case CT_ESC_EUTF8:
		return "not valid UTF-8";
	case CT_ESC_EESCAPE:
		return "a backslash that is not \\\\ or \\xNN (lowercase hex)";
	case CT_ESC_ECANON:
		return "\\xNN of a byte that is valid UTF-8 there (written as itself)";
	case CT_ESC_ESPACE:
		return "too long";
	}
	return "unknown error";
}
