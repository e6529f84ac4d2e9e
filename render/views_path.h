/* SPDX-License-Identifier: MIT */
/*
 * `caltrace path`: the hop list (analysis/path.h) as text like mtr (one hop a
 * line with its verdict and key evidence, then the details of every hop that
 * is not ok) or as JSON (the hops with stable snake_case keys). The dashboard
 * draws the same list.
 */
#ifndef CT_VIEWS_PATH_H
#define CT_VIEWS_PATH_H

#include "analysis/path.h"
#include "render/out.h"

/* The body of path's document (between ct_out_begin and ct_out_end). */
void ct_views_path(struct ct_out *o, const struct ct_cluster *c, const struct ct_path_query *q,
		   const struct ct_path *p, const char *proto);

#endif
