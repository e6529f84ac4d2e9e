/* SPDX-License-Identifier: MIT */
/*
 * The output writer. JSON records are written straight to the stream as their
 * fields arrive (no tree per record: building a jansson object per route costs
 * about 2.8 us, which alone is 2.5x the time `ip -j route` takes for a whole
 * 100k-route table), so a table of any size streams in constant memory. Text
 * records are collected per section and printed as an aligned table when the
 * section ends.
 */
#include "out.h"

#include "model/esc.h"
#include "model/shq.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_COLS 32
#define CT_NAME_BUF 1100
#define MAX_DEPTH 8

struct cell {
	char *s;
	enum ct_hl hl;
	bool right;
};

struct ct_out_priv {
	/* JSON output buffer: stdio's per-call locking costs more than the formatting */
	char jbuf[1 << 16];
	size_t jlen;
	/* JSON state */
	bool first[MAX_DEPTH]; /* no comma needed before the next element at this depth */
	int depth;
	bool began;
	/* text state */
	char title[128];
	const char *hdr[MAX_COLS];
	bool right[MAX_COLS];
	size_t width[MAX_COLS];
	int ncols;
	struct cell *cells; /* rows * MAX_COLS */
	size_t rows, cap;
	int col;          /* column of the record being built */
	bool in_rec;
	int nested;       /* >0: inside a JSON-only nested value (text ignores) */
	char *top_text;   /* "label: value" lines before the first table */
	size_t top_len;
};

static void jb_flush(struct ct_out *o);

/* ---- checked writes: every byte to o->f goes through these ---- */

void ct_out_fail(struct ct_out *o, int e)
{
	if (!o->err)
		o->err = e > 0 ? e : EIO;
}

static void out_vprintf(struct ct_out *o, const char *fmt, va_list ap)
{
	if (o->err)
		return;
	if (vfprintf(o->f, fmt, ap) < 0)
		ct_out_fail(o, errno);
}

void ct_out_printf(struct ct_out *o, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	out_vprintf(o, fmt, ap);
	va_end(ap);
}

static void out_puts(struct ct_out *o, const char *s)
{
	if (!o->err && fputs(s, o->f) == EOF)
		ct_out_fail(o, errno);
}

static void out_write(struct ct_out *o, const char *s, size_t n)
{
	if (!o->err && n && fwrite(s, 1, n, o->f) != n)
		ct_out_fail(o, errno);
}

int ct_out_flush(struct ct_out *o)
{
	if (o->p)
		jb_flush(o);
	if (o->f && !o->err && fflush(o->f) != 0)
		ct_out_fail(o, errno);
	return o->err;
}

static bool is_write_errno(int e)
{
	return e == ENOSPC || e == EDQUOT || e == EFBIG || e == EBADF || e == EPIPE || e == EIO;
}

int ct_out_close(struct ct_out *o)
{
	if (!o->f)
		return o->err;
	/* a write to f made outside this writer failed, and what stdio still holds went out
	 * (or nothing was left): errno may still say why, if it names a write error at all */
	int was = errno;
	ct_out_flush(o);
	if (!o->err && ferror(o->f))
		ct_out_fail(o, is_write_errno(was) ? was : EIO);
	bool flushed = !o->err;
	if (fclose(o->f) != 0 && !(flushed && errno == EBADF))
		ct_out_fail(o, errno);
	o->f = NULL;
	return o->err;
}

static const char *hl_on(const struct ct_out *o, enum ct_hl hl)
{
	if (!o->color)
		return "";
	switch (hl) {
	case CT_HL_FAIL:
		return "\033[1;31m";
	case CT_HL_WARN:
		return "\033[33m";
	case CT_HL_INFO:
		return "\033[36m";
	case CT_HL_OK:
		return "\033[32m";
	case CT_HL_DIM:
		return "\033[2m";
	default:
		return "";
	}
}

static const char *hl_off(const struct ct_out *o, enum ct_hl hl)
{
	return o->color && hl != CT_HL_NONE ? "\033[0m" : "";
}

int ct_out_init(struct ct_out *o, FILE *f, bool json, enum ct_color_mode color)
{
	memset(o, 0, sizeof(*o)); /* o->err too */
	o->f = f;
	o->json = json;
	const char *nc = getenv("NO_COLOR");
	if (json || color == CT_COLOR_NEVER)
		o->color = false;
	else if (color == CT_COLOR_ALWAYS)
		o->color = true;
	else
		o->color = isatty(fileno(f)) && !(nc && *nc);
	o->p = calloc(1, sizeof(*o->p));
	return o->p ? 0 : -1;
}

void ct_out_free(struct ct_out *o)
{
	if (!o->p)
		return;
	jb_flush(o);
	for (size_t r = 0; r < o->p->rows; r++)
		for (int c = 0; c < MAX_COLS; c++)
			free(o->p->cells[r * MAX_COLS + c].s);
	free(o->p->cells);
	free(o->p->top_text);
	free(o->p);
	o->p = NULL;
}

char *ct_escape(const char *in, char *out, size_t outlen)
{
	return ct_esc_str(out, outlen, in);
}

static void jb_flush(struct ct_out *o)
{
	struct ct_out_priv *p = o->p;
	out_write(o, p->jbuf, p->jlen);
	p->jlen = 0;
}

static inline void jb_write(struct ct_out *o, const char *s, size_t n)
{
	struct ct_out_priv *p = o->p;
	if (p->jlen + n > sizeof(p->jbuf)) {
		jb_flush(o);
		if (n > sizeof(p->jbuf)) {
			out_write(o, s, n);
			return;
		}
	}
	memcpy(p->jbuf + p->jlen, s, n);
	p->jlen += n;
}

static inline void jb_putc(struct ct_out *o, char c)
{
	struct ct_out_priv *p = o->p;
	if (p->jlen == sizeof(p->jbuf))
		jb_flush(o);
	p->jbuf[p->jlen++] = c;
}

static void jb_puts(struct ct_out *o, const char *s)
{
	jb_write(o, s, strlen(s));
}

static void jb_uint(struct ct_out *o, unsigned long long v)
{
	char b[24];
	int i = sizeof(b);
	do {
		b[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	jb_write(o, b + i, sizeof(b) - (size_t)i);
}

static void jb_int(struct ct_out *o, long long v)
{
	if (v < 0) {
		jb_putc(o, '-');
		jb_uint(o, 0ull - (unsigned long long)v);
	} else {
		jb_uint(o, (unsigned long long)v);
	}
}

/* ---- JSON primitives ---- */

/* Writes s as a JSON string by model/esc.h's JSON rule: valid UTF-8 as itself,
 * a backslash doubled and a byte that is not UTF-8 as \xNN in the value. */
static void json_str(struct ct_out *o, const char *s)
{
	struct ct_out_priv *p = o->p;
	size_t n = strlen(s), need = CT_ESC_JLIT_MAX(n);
	if (need <= sizeof(p->jbuf)) {
		if (p->jlen + need > sizeof(p->jbuf))
			jb_flush(o);
		p->jlen = (size_t)(ct_esc_jlit_put(p->jbuf + p->jlen, s, n) - p->jbuf);
		return;
	}
	char *t = malloc(need);
	if (!t) {
		jb_puts(o, "\"\""); /* keeps the document valid */
		return;
	}
	jb_write(o, t, (size_t)(ct_esc_jlit_put(t, s, n) - t));
	free(t);
}

/* A finding's run line as a plain JSON string: the command exactly, so that
 * jq -r gives a pasteable line. Run lines are printable UTF-8 (model/shq.h);
 * anything else falls back to the JSON rule. */
static void json_cmd(struct ct_out *o, const char *s)
{
	if (!ct_shq_printable(s)) {
		json_str(o, s);
		return;
	}
	jb_putc(o, '"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			jb_putc(o, '\\');
		jb_putc(o, *s);
	}
	jb_putc(o, '"');
}

static void json_sep(struct ct_out *o)
{
	struct ct_out_priv *p = o->p;
	if (!p->first[p->depth])
		jb_putc(o, ',');
	p->first[p->depth] = false;
}

/* keys are caltrace's own snake_case literals: no escaping needed */
static void json_key(struct ct_out *o, const char *key)
{
	json_sep(o);
	if (key) {
		jb_putc(o, '"');
		jb_puts(o, key);
		jb_write(o, "\":", 2);
	}
}

static void json_open(struct ct_out *o, const char *key, char c)
{
	json_key(o, key);
	jb_putc(o, c);
	if (o->p->depth + 1 < MAX_DEPTH)
		o->p->depth++;
	o->p->first[o->p->depth] = true;
}

static void json_close(struct ct_out *o, char c)
{
	jb_putc(o, c);
	if (o->p->depth > 0)
		o->p->depth--;
}

/* ---- envelope ---- */

void ct_out_begin(struct ct_out *o, const char *command, const char *node_name,
		  const char *source, const char *netns, bool synthetic)
{
	struct ct_out_priv *p = o->p;
	p->began = true;
	if (o->json) {
		p->depth = 0;
		p->first[0] = true;
		json_open(o, NULL, '{');
		json_key(o, "schema_version");
		json_str(o, CT_SCHEMA_VERSION);
		json_key(o, "command");
		json_str(o, command);
		json_open(o, "node", '{');
		json_key(o, "name");
		json_str(o, node_name ? node_name : "");
		json_key(o, "source");
		json_str(o, source ? source : "live");
		json_key(o, "netns");
		json_str(o, netns ? netns : "host");
		json_key(o, "synthetic");
		jb_puts(o, synthetic ? "true" : "false");
		json_close(o, '}');
		return;
	}
	char a[CT_NAME_BUF], b[CT_NAME_BUF], c[CT_NAME_BUF];
	ct_out_printf(o, "%snode %s%s  netns %s  source %s%s\n", hl_on(o, CT_HL_DIM),
		ct_escape(node_name, a, sizeof(a)), synthetic ? " (synthetic)" : "",
		ct_escape(netns ? netns : "host", b, sizeof(b)), ct_escape(source ? source : "live", c, sizeof(c)),
		hl_off(o, CT_HL_DIM));
}

void ct_out_top_str(struct ct_out *o, const char *key, const char *label, const char *value,
		    enum ct_hl hl)
{
	if (o->json) {
		json_key(o, key);
		if (value)
			json_str(o, value);
		else
			jb_puts(o, "null");
		return;
	}
	char e[CT_NAME_BUF];
	ct_out_printf(o, "%s: %s%s%s\n", label, hl_on(o, hl), ct_escape(value ? value : "-", e, sizeof(e)),
		hl_off(o, hl));
}

void ct_out_section(struct ct_out *o, const char *key, const char *title)
{
	struct ct_out_priv *p = o->p;
	if (o->json) {
		json_open(o, key, '[');
		return;
	}
	snprintf(p->title, sizeof(p->title), "%s", title ? title : "");
	p->ncols = 0;
	p->rows = 0;
	memset(p->width, 0, sizeof(p->width));
}

static void text_flush(struct ct_out *o)
{
	struct ct_out_priv *p = o->p;
	if (p->title[0])
		ct_out_printf(o, "\n%s\n", p->title);
	else
		out_puts(o, "\n");
	if (!p->rows) {
		ct_out_printf(o, "  (none)\n");
		return;
	}
	for (int c = 0; c < p->ncols; c++) {
		size_t l = strlen(p->hdr[c]);
		if (l > p->width[c])
			p->width[c] = l;
	}
	/* header */
	for (int c = 0; c < p->ncols; c++) {
		bool last = c == p->ncols - 1;
		ct_out_printf(o, "%s%s%-*s%s", c ? "  " : "", o->color ? "\033[1m" : "",
			last ? 0 : (int)p->width[c], p->hdr[c], o->color ? "\033[0m" : "");
	}
	out_puts(o, "\n");
	for (size_t r = 0; r < p->rows; r++) {
		for (int c = 0; c < p->ncols; c++) {
			struct cell *x = &p->cells[r * MAX_COLS + c];
			const char *s = x->s ? x->s : "";
			/* printf pads by bytes: add what multi-byte characters take beyond their width */
			int w = (int)(p->width[c] + strlen(s) - ct_esc_width(s));
			bool last = c == p->ncols - 1;
			if (c)
				out_puts(o, "  ");
			if (x->right)
				ct_out_printf(o, "%s%*s%s", hl_on(o, x->hl), w, s, hl_off(o, x->hl));
			else
				ct_out_printf(o, "%s%-*s%s", hl_on(o, x->hl), last ? 0 : w, s, hl_off(o, x->hl));
			free(x->s);
			x->s = NULL;
		}
		out_puts(o, "\n");
	}
	p->rows = 0;
}

void ct_out_section_end(struct ct_out *o)
{
	if (o->json) {
		json_close(o, ']');
		return;
	}
	text_flush(o);
}

void ct_out_object_begin(struct ct_out *o, const char *key, const char *title)
{
	if (o->json) {
		json_open(o, key, '{');
		o->p->in_rec = true;
		o->p->nested = 0;
		return;
	}
	ct_out_section(o, key, title);
	ct_rec_begin(o);
}

void ct_out_object_end(struct ct_out *o)
{
	if (o->json) {
		o->p->in_rec = false;
		json_close(o, '}');
		return;
	}
	ct_rec_end(o);
	ct_out_section_end(o);
}

void ct_rec_begin(struct ct_out *o)
{
	struct ct_out_priv *p = o->p;
	p->in_rec = true;
	p->nested = 0;
	if (o->json) {
		json_open(o, NULL, '{');
		return;
	}
	if (p->rows == p->cap) {
		size_t nc = p->cap ? p->cap * 2 : 64;
		struct cell *c = realloc(p->cells, nc * MAX_COLS * sizeof(*c));
		if (!c)
			return;
		p->cells = c;
		p->cap = nc;
	}
	memset(&p->cells[p->rows * MAX_COLS], 0, MAX_COLS * sizeof(struct cell));
	p->col = 0;
	p->rows++;
}

void ct_rec_end(struct ct_out *o)
{
	o->p->in_rec = false;
	if (o->json)
		json_close(o, '}');
	/* a JSON line per record keeps big documents greppable */
	if (o->json && o->p->depth == 2)
		jb_putc(o, '\n');
}

static void text_cell(struct ct_out *o, const char *hdr, const char *val, enum ct_hl hl,
		      bool right)
{
	struct ct_out_priv *p = o->p;
	if (!hdr || p->nested || !p->rows || p->col >= MAX_COLS)
		return;
	int c = p->col++;
	if (p->rows == 1 || c >= p->ncols) {
		p->hdr[c] = hdr;
		p->right[c] = right;
		if (c >= p->ncols)
			p->ncols = c + 1;
	}
	char esc[1024];
	ct_escape(val ? val : "-", esc, sizeof(esc));
	struct cell *x = &p->cells[(p->rows - 1) * MAX_COLS + c];
	x->s = strdup(esc);
	x->hl = val ? hl : CT_HL_DIM;
	x->right = right;
	size_t l = ct_esc_width(esc); /* columns, not bytes: "café" is 4 wide */
	if (l > p->width[c])
		p->width[c] = l;
}

void ct_rec_str(struct ct_out *o, const char *hdr, const char *key, const char *value,
		enum ct_hl hl)
{
	if (o->json) {
		if (!key)
			return;
		json_key(o, key);
		if (value)
			json_str(o, value);
		else
			jb_puts(o, "null");
		return;
	}
	text_cell(o, hdr, value, hl, false);
}

void ct_rec_int(struct ct_out *o, const char *hdr, const char *key, int64_t v, bool valid,
		enum ct_hl hl)
{
	if (o->json) {
		if (!key)
			return;
		json_key(o, key);
		if (valid)
			jb_int(o, (long long)v);
		else
			jb_puts(o, "null");
		return;
	}
	char b[32];
	snprintf(b, sizeof(b), "%lld", (long long)v);
	text_cell(o, hdr, valid ? b : NULL, hl, true);
}

void ct_rec_uint(struct ct_out *o, const char *hdr, const char *key, uint64_t v)
{
	if (o->json) {
		if (!key)
			return;
		json_key(o, key);
		jb_uint(o, (unsigned long long)v);
		return;
	}
	char b[32];
	snprintf(b, sizeof(b), "%llu", (unsigned long long)v);
	text_cell(o, hdr, b, CT_HL_NONE, true);
}

void ct_rec_bool(struct ct_out *o, const char *hdr, const char *key, int v, enum ct_hl hl)
{
	if (o->json) {
		if (!key)
			return;
		json_key(o, key);
		jb_puts(o, v < 0 ? "null" : v ? "true" : "false");
		return;
	}
	text_cell(o, hdr, v < 0 ? NULL : v ? "yes" : "no", hl, false);
}

void ct_rec_strv(struct ct_out *o, const char *hdr, const char *key, const char *const *v,
		 size_t n)
{
	if (o->json) {
		if (!key)
			return;
		json_open(o, key, '[');
		for (size_t i = 0; i < n; i++) {
			json_sep(o);
			json_str(o, v[i]);
		}
		json_close(o, ']');
		return;
	}
	char buf[512];
	size_t off = 0;
	buf[0] = 0;
	for (size_t i = 0; i < n && off < sizeof(buf) - 1; i++)
		off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%s%s", i ? "," : "", v[i]);
	if (off >= sizeof(buf))
		off = sizeof(buf) - 1;
	text_cell(o, hdr, n ? buf : NULL, CT_HL_NONE, false);
}

void ct_rec_obj_begin(struct ct_out *o, const char *key)
{
	o->p->nested++;
	if (o->json)
		json_open(o, key, '{');
}

void ct_rec_obj_end(struct ct_out *o)
{
	o->p->nested--;
	if (o->json)
		json_close(o, '}');
}

void ct_rec_arr_begin(struct ct_out *o, const char *key)
{
	o->p->nested++;
	if (o->json)
		json_open(o, key, '[');
}

void ct_rec_arr_end(struct ct_out *o)
{
	o->p->nested--;
	if (o->json)
		json_close(o, ']');
}

/* Inside an array opened with ct_rec_arr_begin, elements are records too. */

void ct_out_end(struct ct_out *o, const struct ct_findings *fs)
{
	if (o->json) {
		json_open(o, "findings", '[');
		for (size_t i = 0; fs && i < fs->n; i++) {
			const struct ct_finding *x = &fs->v[i];
			json_open(o, NULL, '{');
			json_key(o, "code");
			json_str(o, x->def->code);
			json_key(o, "severity");
			json_str(o, ct_sev_name(x->sev));
			json_key(o, "subject");
			json_str(o, x->subject);
			json_key(o, "netns");
			json_str(o, x->netns);
			json_key(o, "message");
			json_str(o, x->message);
			json_key(o, "evidence");
			json_str(o, x->evidence);
			json_key(o, "fix");
			json_str(o, x->fix);
			json_open(o, "run", '[');
			for (unsigned k = 0; k < x->n_run && k < CT_FINDING_RUNS; k++) {
				json_key(o, NULL);
				json_cmd(o, x->run[k]);
			}
			json_close(o, ']');
			/* the findings this one causes (analysis/fold.h), not listed again */
			json_open(o, "consequences", '[');
			for (unsigned k = 0; k < x->n_cons && k < CT_FINDING_CONS; k++) {
				json_open(o, NULL, '{');
				json_key(o, "code");
				json_str(o, x->cons[k].def->code);
				json_key(o, "subject");
				json_str(o, x->cons[k].subject);
				json_key(o, "evidence");
				json_str(o, x->cons[k].evidence);
				json_close(o, '}');
			}
			json_close(o, ']');
			if (x->cons_more) {
				json_key(o, "consequences_more");
				jb_uint(o, x->cons_more);
			}
			json_close(o, '}');
		}
		json_close(o, ']');
		json_close(o, '}');
		jb_putc(o, '\n');
		jb_flush(o);
		return;
	}
	if (!fs || !fs->n) {
		ct_out_printf(o, "\n%sno problems found%s\n", hl_on(o, CT_HL_OK), hl_off(o, CT_HL_OK));
		return;
	}
	ct_out_printf(o, "\nfindings\n");
	char a[512], b[512], c[512], d[512];
	for (size_t i = 0; i < fs->n; i++) {
		const struct ct_finding *x = &fs->v[i];
		enum ct_hl hl = (enum ct_hl)x->sev;
		ct_out_printf(o, "%s%-4s%s %s  %s%s%s: %s\n", hl_on(o, hl), ct_sev_name(x->sev),
			hl_off(o, hl), x->def->code, ct_escape(x->subject, a, sizeof(a)),
			x->netns[0] ? " in " : "", ct_escape(x->netns, b, sizeof(b)),
			ct_escape(x->message, c, sizeof(c)));
		if (x->evidence[0])
			ct_out_printf(o, "     evidence: %s\n", ct_escape(x->evidence, d, sizeof(d)));
		if (x->fix[0])
			ct_out_printf(o, "     fix: %s\n", ct_escape(x->fix, d, sizeof(d)));
		/* a run line is quoted to print as it is (model/shq.h); escaping
		 * it again would double the backslashes of its $'...' words */
		for (unsigned k = 0; k < x->n_run && k < CT_FINDING_RUNS; k++)
			ct_out_printf(o, "     run: %s\n",
				      ct_shq_printable(x->run[k]) ? x->run[k] : ct_escape(x->run[k], d, sizeof(d)));
		/* what it causes (analysis/fold.h), one line each */
		for (unsigned k = 0; k < x->n_cons && k < CT_FINDING_CONS; k++) {
			const struct ct_consequence *q = &x->cons[k];
			ct_out_printf(o, "     causes: %s  %s%s%s\n", q->def->code,
				      ct_escape(q->subject, a, sizeof(a)), q->evidence[0] ? ": " : "",
				      ct_escape(q->evidence, d, sizeof(d)));
		}
		if (x->cons_more)
			ct_out_printf(o, "     causes: %u more\n", x->cons_more);
	}
}
