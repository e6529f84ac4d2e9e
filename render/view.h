/* SPDX-License-Identifier: MIT */
/*
 * Views: each table caltrace shows is declared once, as data. A view is a row
 * source (how many rows a result has, and row i of it) and a const array of
 * column descriptors: the JSON key, the text header, the alignment, a width
 * hint, the function that reads the cell from a row (a string, a number, a
 * yes/no, a list, or null) and the function that says its colour (a severity,
 * from the same analysis rule that makes the finding about it).
 *
 * The text table, the JSON document and a curses pane all read the same view:
 * ct_view_write() hands each cell to render/out.c's field writers (the back end
 * for text and JSON); a pane iterates rows and columns itself with ct_view_row(),
 * ct_view_cell() and ct_view_color(), and shows ct_cell_text().
 *
 * Contracts: a cell function never fails and never allocates; it may point
 * c->s or c->v into the row, into the result (ctx) or into the cell's own
 * scratch buffers. The colour of a null cell is CT_HL_DIM in text (out.c).
 */
#ifndef CT_VIEW_H
#define CT_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "render/out.h"

enum ct_cell_type {
	CT_CELL_STR,  /* s */
	CT_CELL_INT,  /* i */
	CT_CELL_UINT, /* u: a counter; never null, never coloured */
	CT_CELL_BOOL, /* i: 0 or 1; text "yes"/"no" */
	CT_CELL_STRV, /* v[0..n): JSON array, text comma-joined */
};

enum ct_align {
	CT_ALIGN_AUTO, /* numbers right, everything else left (what out.c does) */
	CT_ALIGN_LEFT,
	CT_ALIGN_RIGHT,
};

#define CT_CELL_BUF 1024
#define CT_CELL_VMAX 16

struct ct_cell {
	enum ct_cell_type type;
	bool null; /* JSON null, text "-" */
	const char *s;
	int64_t i;
	uint64_t u;
	const char *const *v;
	size_t n;
	/* scratch for the cell function */
	char buf[CT_CELL_BUF];
	const char *vv[CT_CELL_VMAX];
	char vbuf[CT_CELL_VMAX][64];
};

struct ct_view_col {
	const char *key; /* JSON key; NULL: a text-only column */
	const char *hdr; /* text header; NULL: a JSON-only field */
	enum ct_align align;
	int width; /* hint for fixed-width panes: the usual width in characters, 0 unknown */
	void (*cell)(const void *row, const void *ctx, struct ct_cell *c);
	enum ct_hl (*color)(const void *row, const void *ctx); /* NULL: no colour */
	/* instead of cell: a JSON-only nested value (object or array) under key */
	void (*nested)(struct ct_out *o, const char *key, const void *row, const void *ctx);
};

struct ct_view {
	const char *key;   /* JSON section key ("items", "vteps", ...) */
	const char *title; /* text title above the table, NULL none */
	bool object;       /* a single row written as a top-level object, not an array */
	const struct ct_view_col *cols;
	size_t ncols;
	size_t (*count)(const void *ctx);
	/* row i of the result, or NULL when row i is not shown (a filter) */
	const void *(*row)(const void *ctx, size_t i);
};

#define CT_VIEW_COLS(a) (a), (sizeof(a) / sizeof((a)[0]))

/* Cell setters for cell functions (inline: a table of 100k rows calls them a million
 * times). s may be NULL (null); bool v -1 is null. */
static inline void ct_cell_str(struct ct_cell *c, const char *s)
{
	c->type = CT_CELL_STR;
	c->null = s == NULL;
	c->s = s;
}

static inline void ct_cell_int(struct ct_cell *c, int64_t v, bool valid)
{
	c->type = CT_CELL_INT;
	c->null = !valid;
	c->i = v;
}

static inline void ct_cell_uint(struct ct_cell *c, uint64_t v)
{
	c->type = CT_CELL_UINT;
	c->null = false;
	c->u = v;
}

static inline void ct_cell_bool(struct ct_cell *c, int v)
{
	c->type = CT_CELL_BOOL;
	c->null = v < 0;
	c->i = v > 0;
}

static inline void ct_cell_strv(struct ct_cell *c, const char *const *v, size_t n)
{
	c->type = CT_CELL_STRV;
	c->null = n == 0;
	c->v = v;
	c->n = n;
}


/* Row i, or NULL when it is not shown. */
const void *ct_view_row(const struct ct_view *v, const void *ctx, size_t i);
/* Reads one cell (col->cell must be set). */
void ct_view_cell(const struct ct_view_col *col, const void *row, const void *ctx,
		  struct ct_cell *c);
enum ct_hl ct_view_color(const struct ct_view_col *col, const void *row, const void *ctx);
/* The alignment col has for cell c (AUTO resolved). */
enum ct_align ct_view_align(const struct ct_view_col *col, const struct ct_cell *c);
/* The cell as text before escaping: "-" for null, numbers in decimal, "yes"/"no",
 * lists comma-joined (cut at len). Returns buf or a constant. */
const char *ct_cell_text(const struct ct_cell *c, char *buf, size_t len);

/* Writes the view as one section (or object) of o. */
void ct_view_write(struct ct_out *o, const struct ct_view *v, const void *ctx);

#endif
