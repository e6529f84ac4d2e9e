/* SPDX-License-Identifier: MIT */
/* The view engine: a view's rows and columns into out.c's field writers. */
#include "render/view.h"

#include <stdio.h>
#include <string.h>

const void *ct_view_row(const struct ct_view *v, const void *ctx, size_t i)
{
	return v->row(ctx, i);
}

void ct_view_cell(const struct ct_view_col *col, const void *row, const void *ctx,
		  struct ct_cell *c)
{
	c->type = CT_CELL_STR;
	c->null = true;
	c->s = NULL;
	if (col->cell)
		col->cell(row, ctx, c);
}

enum ct_hl ct_view_color(const struct ct_view_col *col, const void *row, const void *ctx)
{
	return col->color ? col->color(row, ctx) : CT_HL_NONE;
}

enum ct_align ct_view_align(const struct ct_view_col *col, const struct ct_cell *c)
{
	if (col->align != CT_ALIGN_AUTO)
		return col->align;
	return c->type == CT_CELL_INT || c->type == CT_CELL_UINT ? CT_ALIGN_RIGHT : CT_ALIGN_LEFT;
}

const char *ct_cell_text(const struct ct_cell *c, char *buf, size_t len)
{
	if (c->null)
		return "-";
	switch (c->type) {
	case CT_CELL_STR:
		return c->s;
	case CT_CELL_INT:
		snprintf(buf, len, "%lld", (long long)c->i);
		return buf;
	case CT_CELL_UINT:
		snprintf(buf, len, "%llu", (unsigned long long)c->u);
		return buf;
	case CT_CELL_BOOL:
		return c->i ? "yes" : "no";
	case CT_CELL_STRV: {
		size_t off = 0;
		if (len)
			buf[0] = 0;
		for (size_t i = 0; i < c->n && off + 1 < len; i++)
			off += (size_t)snprintf(buf + off, len - off, "%s%s", i ? "," : "", c->v[i]);
		return buf;
	}
	}
	return "-";
}

static void write_cell(struct ct_out *o, const struct ct_view_col *col, const struct ct_cell *c,
		       enum ct_hl hl)
{
	switch (c->type) {
	case CT_CELL_STR:
		ct_rec_str(o, col->hdr, col->key, c->null ? NULL : c->s, hl);
		break;
	case CT_CELL_INT:
		ct_rec_int(o, col->hdr, col->key, c->i, !c->null, hl);
		break;
	case CT_CELL_UINT:
		ct_rec_uint(o, col->hdr, col->key, c->u);
		break;
	case CT_CELL_BOOL:
		ct_rec_bool(o, col->hdr, col->key, c->null ? -1 : (int)c->i, hl);
		break;
	case CT_CELL_STRV:
		ct_rec_strv(o, col->hdr, col->key, c->v, c->n);
		break;
	}
}

static void write_row(struct ct_out *o, const struct ct_view *v, const void *row, const void *ctx,
		      struct ct_cell *c)
{
	for (size_t k = 0; k < v->ncols; k++) {
		const struct ct_view_col *col = &v->cols[k];
		if (o->json ? !col->key : !col->hdr)
			continue; /* this output does not show the column */
		if (col->nested) {
			col->nested(o, col->key, row, ctx);
			continue;
		}
		ct_view_cell(col, row, ctx, c);
		/* JSON has no colours: the colour rule only runs for text */
		write_cell(o, col, c, o->json ? CT_HL_NONE : ct_view_color(col, row, ctx));
	}
}

void ct_view_write(struct ct_out *o, const struct ct_view *v, const void *ctx)
{
	struct ct_cell c;
	size_t n = v->count(ctx);
	if (v->object) {
		ct_out_object_begin(o, v->key, v->title);
		const void *row = n ? v->row(ctx, 0) : NULL;
		if (row)
			write_row(o, v, row, ctx, &c);
		ct_out_object_end(o);
		return;
	}
	ct_out_section(o, v->key, v->title);
	for (size_t i = 0; i < n; i++) {
		const void *row = v->row(ctx, i);
		if (!row)
			continue;
		ct_rec_begin(o);
		write_row(o, v, row, ctx, &c);
		ct_rec_end(o);
	}
	ct_out_section_end(o);
}
