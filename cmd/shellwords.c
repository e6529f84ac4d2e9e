/* SPDX-License-Identifier: MIT */
/*
 * Word splitting for `caltrace shell` (cmd/shell.c): a command line into words as a POSIX
 * shell splits simple lines, with no expansion. Pure: no I/O.
 *
 * Words are separated by spaces, tabs, CR and LF. Inside a word, '...' keeps every byte up to
 * the next quote; "..." keeps every byte up to the next unescaped double quote, a backslash
 * there escaping only " \ $ and ` (before any other byte it stays, as in sh); a backslash
 * outside quotes keeps the next byte whatever it is. '' and "" give an empty word. A '#' that
 * starts a word starts a comment to the end of the line.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"

void ct_words_free(struct ct_words *w)
{
	free(w->v);
	free(w->buf);
	memset(w, 0, sizeof(*w));
}

/* 0, or -1 with why set (an unbalanced quote, a backslash at the end, no memory).
 * tolerant: an open quote or a final backslash ends the last word instead (for
 * completion, where the line is not finished). */
int ct_words_split(const char *line, struct ct_words *w, bool tolerant, const char **why)
{
	size_t len = strlen(line);
	memset(w, 0, sizeof(*w));
	w->buf = malloc(len + 1);
	w->v = calloc(len / 2 + 2, sizeof(*w->v));
	if (!w->buf || !w->v) {
		ct_words_free(w);
		*why = "out of memory";
		return -1;
	}
	char *o = w->buf;
	const char *p = line;
	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
			p++;
		if (!*p || *p == '#')
			break;
		w->v[w->n++] = o;
		while (*p && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r') {
			if (*p == '\'') {
				const char *e = strchr(p + 1, '\'');
				if (!e && !tolerant) {
					*why = "unbalanced single quote (')";
					ct_words_free(w);
					return -1;
				}
				if (!e)
					e = p + strlen(p);
				memcpy(o, p + 1, (size_t)(e - p - 1));
				o += e - p - 1;
				p = *e ? e + 1 : e;
			} else if (*p == '"') {
				p++;
				while (*p && *p != '"') {
					if (*p == '\\' && p[1] && strchr("\"\\$`", p[1]))
						p++;
					*o++ = *p++;
				}
				if (!*p && !tolerant) {
					*why = "unbalanced double quote (\")";
					ct_words_free(w);
					return -1;
				}
				if (*p)
					p++;
			} else if (*p == '\\') {
				if (!p[1]) {
					if (!tolerant) {
						*why = "a backslash ends the line";
						ct_words_free(w);
						return -1;
					}
					p++;
					break;
				}
				*o++ = p[1];
				p += 2;
			} else {
				*o++ = *p++;
			}
		}
		*o++ = 0;
	}
	w->v[w->n] = NULL;
	return 0;
}

