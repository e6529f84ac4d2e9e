/* SPDX-License-Identifier: MIT */
#include "model/nstat.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ct_nstat_init(struct ct_nstat *s)
{
	s->n = 0;
}

/* One line [p, e): its words (separated by single or repeated spaces) after "Sect:". */
struct line {
	const char *p;
	size_t len;
};

static int fail(char *why, size_t whylen, unsigned ln, const char *msg)
{
	snprintf(why, whylen, "line %u: %s", ln, msg);
	return -1;
}

/* The section of l (the bytes before ':'), its length, or 0 when l has none. */
static size_t section_len(const struct line *l)
{
	const char *c = memchr(l->p, ':', l->len);
	if (!c || c == l->p)
		return 0;
	for (const char *k = l->p; k < c; k++)
		if (*k == ' ')
			return 0;
	return (size_t)(c - l->p);
}

/* The next word of l from *off, or false at its end. */
static bool next_word(const struct line *l, size_t *off, const char **w, size_t *wl)
{
	size_t i = *off;
	while (i < l->len && l->p[i] == ' ')
		i++;
	if (i >= l->len)
		return false;
	size_t b = i;
	while (i < l->len && l->p[i] != ' ')
		i++;
	*w = l->p + b;
	*wl = i - b;
	*off = i;
	return true;
}

static bool parse_int(const char *w, size_t wl, int64_t *v)
{
	char buf[32];
	if (!wl || wl >= sizeof(buf))
		return false;
	memcpy(buf, w, wl);
	buf[wl] = 0;
	const char *d = buf[0] == '-' ? buf + 1 : buf;
	if (!*d)
		return false;
	for (const char *k = d; *k; k++)
		if (*k < '0' || *k > '9')
			return false;
	errno = 0;
	char *end;
	if (buf[0] == '-') {
		long long x = strtoll(buf, &end, 10);
		if (errno || *end)
			return false;
		*v = x;
	} else {
		unsigned long long x = strtoull(buf, &end, 10);
		if (errno || *end)
			return false;
		*v = (int64_t)x; /* a u64 counter past INT64_MAX wraps, as nstat's does */
	}
	return true;
}

static int pair_add(struct ct_nstat *s, const struct line *h, const struct line *v, unsigned ln,
		    char *why, size_t whylen)
{
	size_t sl = section_len(h);
	if (!sl)
		return fail(why, whylen, ln, "no section before ':'");
	if (section_len(v) != sl || memcmp(h->p, v->p, sl))
		return fail(why, whylen, ln + 1, "the value line's section is not its header's");
	size_t ho = sl + 1, vo = sl + 1;
	const char *hw, *vw;
	size_t hl, vl;
	for (;;) {
		bool a = next_word(h, &ho, &hw, &hl), b = next_word(v, &vo, &vw, &vl);
		if (!a && !b)
			return 0;
		if (a != b)
			return fail(why, whylen, ln + 1,
				    "the value line has not as many words as its header");
		if (sl + hl >= CT_NSTAT_NAME)
			return fail(why, whylen, ln, "a counter name too long");
		int64_t x;
		if (!parse_int(vw, vl, &x))
			return fail(why, whylen, ln + 1, "a value that is not a decimal integer");
		if (s->n >= CT_NSTAT_MAX)
			return fail(why, whylen, ln, "more than 1024 counters");
		struct ct_nstat_ent *e = &s->e[s->n++];
		memcpy(e->name, h->p, sl);
		memcpy(e->name + sl, hw, hl);
		e->name[sl + hl] = 0;
		e->v = x;
	}
}

int ct_nstat_parse(struct ct_nstat *s, const char *text, size_t len, char *why, size_t whylen)
{
	size_t n0 = s->n;
	struct line pend = {NULL, 0};
	unsigned ln = 0, pend_ln = 0;
	size_t i = 0;
	while (i < len) {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t e = nl ? (size_t)(nl - text) : len;
		struct line l = {text + i, e - i};
		ln++;
		i = nl ? e + 1 : len;
		for (size_t k = 0; k < l.len; k++) {
			unsigned char ch = (unsigned char)l.p[k];
			if (ch < 0x20 || ch == 0x7f) {
				s->n = n0;
				return fail(why, whylen, ln, "a control character or NUL");
			}
		}
		if (!l.len) {
			if (pend.p) {
				s->n = n0;
				return fail(why, whylen, ln, "an empty line after a header");
			}
			continue;
		}
		if (!pend.p) {
			pend = l;
			pend_ln = ln;
			continue;
		}
		if (pair_add(s, &pend, &l, pend_ln, why, whylen) < 0) {
			s->n = n0;
			return -1;
		}
		pend.p = NULL;
	}
	if (pend.p) {
		s->n = n0;
		return fail(why, whylen, pend_ln, "truncated: a header without its values");
	}
	return 0;
}

static bool add(struct ct_nstat *s, const char *a, size_t al, const char *b, int64_t v)
{
	if (s->n >= CT_NSTAT_MAX || al + strlen(b) + 1 >= CT_NSTAT_NAME)
		return false;
	struct ct_nstat_ent *e = &s->e[s->n++];
	memcpy(e->name, a, al);
	snprintf(e->name + al, sizeof(e->name) - al, "%s", b);
	e->v = v;
	return true;
}

int ct_netdev_parse(struct ct_nstat *s, const char *text, size_t len, const char *const *ifaces,
		    size_t n, char *why, size_t whylen)
{
	size_t n0 = s->n;
	unsigned ln = 0;
	size_t i = 0;
	while (i < len) {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t e = nl ? (size_t)(nl - text) : len;
		struct line l = {text + i, e - i};
		ln++;
		i = nl ? e + 1 : len;
		if (ln <= 2) {
			if (!memchr(l.p, '|', l.len)) {
				s->n = n0;
				return fail(why, whylen, ln, "not the header of /proc/net/dev");
			}
			continue;
		}
		const char *c = memchr(l.p, ':', l.len);
		if (!c) {
			s->n = n0;
			return fail(why, whylen, ln, "no ':' after the interface name");
		}
		const char *nb = l.p;
		while (nb < c && *nb == ' ')
			nb++;
		size_t nlen = (size_t)(c - nb);
		if (!nlen || nlen > 15) {
			s->n = n0;
			return fail(why, whylen, ln, "an interface name that is empty or too long");
		}
		int64_t v[16];
		struct line r = {c + 1, l.len - (size_t)(c + 1 - l.p)};
		size_t off = 0;
		const char *w;
		size_t wl;
		int k = 0;
		while (next_word(&r, &off, &w, &wl)) {
			if (k == 16 || !parse_int(w, wl, &v[k]) || v[k] < 0) {
				s->n = n0;
				return fail(why, whylen, ln, "not 16 decimal counters");
			}
			k++;
		}
		if (k != 16) {
			s->n = n0;
			return fail(why, whylen, ln, "not 16 decimal counters");
		}
		bool want = false;
		for (size_t f = 0; f < n && !want; f++)
			want = strlen(ifaces[f]) == nlen && !memcmp(ifaces[f], nb, nlen);
		if (!want)
			continue;
		char nm[24];
		memcpy(nm, nb, nlen);
		nm[nlen] = ' ';
		if (!add(s, nm, nlen + 1, "rx_errors", v[2]) ||
		    !add(s, nm, nlen + 1, "rx_dropped", v[3]) ||
		    !add(s, nm, nlen + 1, "tx_errors", v[10]) ||
		    !add(s, nm, nlen + 1, "tx_dropped", v[11])) {
			s->n = n0;
			return fail(why, whylen, ln, "more than 1024 counters");
		}
	}
	return 0;
}

int ct_ctstat_parse(struct ct_nstat *s, const char *text, size_t len, char *why, size_t whylen)
{
	static const struct {
		const char *col, *name;
	} want[] = {
	    {"invalid", "ConntrackInvalid"},
	    {"drop", "ConntrackDrop"},
	    {"insert_failed", "ConntrackInsertFailed"},
	    {"early_drop", "ConntrackEarlyDrop"},
	};
	enum { NW = sizeof(want) / sizeof(want[0]) };
	int col[NW];
	int64_t sum[NW] = {0};
	int ncols = 0;
	unsigned ln = 0;
	size_t i = 0;
	for (int k = 0; k < NW; k++)
		col[k] = -1;
	while (i < len) {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t e = nl ? (size_t)(nl - text) : len;
		struct line l = {text + i, e - i};
		ln++;
		i = nl ? e + 1 : len;
		size_t off = 0;
		const char *w;
		size_t wl;
		int k = 0;
		if (ln == 1) {
			while (next_word(&l, &off, &w, &wl)) {
				for (int q = 0; q < NW; q++)
					if (strlen(want[q].col) == wl &&
					    !memcmp(want[q].col, w, wl))
						col[q] = k;
				k++;
			}
			ncols = k;
			if (!ncols)
				return fail(why, whylen, ln, "no header");
			continue;
		}
		if (!l.len)
			continue;
		while (next_word(&l, &off, &w, &wl)) {
			if (k == ncols || wl > 16)
				return fail(why, whylen, ln,
					    "not as many hexadecimal values as the header");
			uint64_t x = 0;
			for (size_t q = 0; q < wl; q++) {
				char ch = w[q];
				int d = ch >= '0' && ch <= '9'	 ? ch - '0'
					: ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
					: ch >= 'A' && ch <= 'F' ? ch - 'A' + 10
								 : -1;
				if (d < 0)
					return fail(why, whylen, ln,
						    "a value that is not hexadecimal");
				x = x << 4 | (uint64_t)d;
			}
			for (int q = 0; q < NW; q++)
				if (col[q] == k)
					sum[q] += (int64_t)x;
			k++;
		}
		if (k != ncols)
			return fail(why, whylen, ln,
				    "not as many hexadecimal values as the header");
	}
	if (!ln)
		return fail(why, whylen, 1, "empty");
	size_t n0 = s->n;
	for (int q = 0; q < NW; q++)
		if (col[q] >= 0 && !add(s, want[q].name, strlen(want[q].name), "", sum[q])) {
			s->n = n0;
			return fail(why, whylen, 1, "more than 1024 counters");
		}
	return 0;
}

bool ct_nstat_get(const struct ct_nstat *s, const char *name, int64_t *v)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->e[i].name, name)) {
			*v = s->e[i].v;
			return true;
		}
	return false;
}
