/* SPDX-License-Identifier: MIT */
/*
 * Output: each field is emitted once, with a JSON key and (optionally) a text
 * column header; the writer decides which to print. Text output is an aligned
 * table per section with severity colours on a TTY; JSON output is the
 * envelope {"schema_version","command","node","items",...,"findings"} written
 * one record at a time, so big tables stream.
 */
#ifndef CT_OUT_H
#define CT_OUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "analysis/findings.h"

#define CT_SCHEMA_VERSION "1.0"

enum ct_color_mode { CT_COLOR_AUTO, CT_COLOR_ALWAYS, CT_COLOR_NEVER };

/* Cell colour: a severity, or CT_HL_NONE / CT_HL_OK. */
enum ct_hl { CT_HL_NONE = -1, CT_HL_INFO = CT_SEV_INFO, CT_HL_WARN = CT_SEV_WARN,
	     CT_HL_FAIL = CT_SEV_FAIL, CT_HL_OK = 10, CT_HL_DIM = 11 };

struct ct_out_priv;
struct ct_out {
	FILE *f;
	bool json;
	bool color;
	/* the errno of the first write, flush or close of f that failed; 0 while every byte
	 * reached f. Once set, nothing more is written to f (a long table stops costing
	 * system calls); ct_out_init clears it and ct_out_free keeps it for the caller. */
	int err;
	struct ct_out_priv *p;
};

/* color: resolved from the mode, isatty(f) and NO_COLOR. */
int ct_out_init(struct ct_out *o, FILE *f, bool json, enum ct_color_mode color);
/* Writes what is still buffered and frees the writer; o->f and o->err stay. */
void ct_out_free(struct ct_out *o);

/* ---- write errors: every write to o->f is checked (the callers print, exit 3) */

/* Text written as it is (not escaped: the caller escapes untrusted bytes), checked like
 * every other write. Nothing is written once o->err is set. */
void ct_out_printf(struct ct_out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Records that a write to o->f made elsewhere (a streaming writer of its own, stdio
 * calls on the same FILE) failed with errno e; the first error is kept. */
void ct_out_fail(struct ct_out *o, int e);
/* Writes the writer's buffer, fflush()es o->f; o->err (0: every byte so far was written). */
int ct_out_flush(struct ct_out *o);
/* The end of o->f: ct_out_flush, then fclose(o->f), whose error counts too (a file on NFS
 * may report it only there). A close that fails with EBADF when nothing was ever written
 * is not an error: a command run with standard output closed that prints nothing. Returns
 * o->err; o->f is NULL afterwards. */
int ct_out_close(struct ct_out *o);

/* Envelope. node_* are untrusted strings (escaped as needed). */
void ct_out_begin(struct ct_out *o, const char *command, const char *node_name,
		  const char *source, const char *netns, bool synthetic);
/* Top-level scalar: JSON key, text "label: value" line before the tables. */
void ct_out_top_str(struct ct_out *o, const char *key, const char *label, const char *value,
		    enum ct_hl hl);
/* A section: key "items" for the main table; other keys for extra tables.
 * title is shown above the text table (NULL: none). */
void ct_out_section(struct ct_out *o, const char *key, const char *title);
void ct_out_section_end(struct ct_out *o);
/* A top-level object: JSON key:{...}; text: a one-row table under title.
 * Fill it with ct_rec_* fields between begin and end. */
void ct_out_object_begin(struct ct_out *o, const char *key, const char *title);
void ct_out_object_end(struct ct_out *o);
/* One record (row). */
void ct_rec_begin(struct ct_out *o);
void ct_rec_end(struct ct_out *o);
/* Fields. hdr NULL = JSON only; key NULL = text only. value NULL = JSON null, text "-". */
void ct_rec_str(struct ct_out *o, const char *hdr, const char *key, const char *value,
		enum ct_hl hl);
void ct_rec_int(struct ct_out *o, const char *hdr, const char *key, int64_t v, bool valid,
		enum ct_hl hl);
void ct_rec_uint(struct ct_out *o, const char *hdr, const char *key, uint64_t v);
void ct_rec_bool(struct ct_out *o, const char *hdr, const char *key, int v /* -1 null */,
		 enum ct_hl hl);
/* Array of strings: JSON array, text comma-joined. */
void ct_rec_strv(struct ct_out *o, const char *hdr, const char *key, const char *const *v,
		 size_t n);
/* Nested JSON-only object or array of objects inside the current record. */
void ct_rec_obj_begin(struct ct_out *o, const char *key);
void ct_rec_obj_end(struct ct_out *o);
void ct_rec_arr_begin(struct ct_out *o, const char *key);
void ct_rec_arr_end(struct ct_out *o);

/* Findings, then the closing of the document. */
void ct_out_end(struct ct_out *o, const struct ct_findings *f);

/* The terminal text rule of model/esc.h (ct_esc_str): a cut output ends in "...".
 * Returns out. */
char *ct_escape(const char *in, char *out, size_t outlen);

#endif
