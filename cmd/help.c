/* SPDX-License-Identifier: MIT */
/*
 * Help and version, generated from the command and option tables (cmd/cmd.h), so
 * that `caltrace --help`, `caltrace CMD --help`, `caltrace -j help` and the parser
 * cannot disagree: a command's help lists exactly the options ct_cmd_takes says it
 * takes, and the finding codes its row names, looked up in the registry
 * (analysis/findings.c). Text is wrapped to 80 columns.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <netlink/version.h>
#include <openssl/crypto.h>
#include <pcap/pcap.h>

#include "analysis/findings.h"
#include "cmd/cmd.h"

#define WIDTH	80
#define OPT_COL 27 /* where an option's text starts: "  " + 24 + " " */

/* Prints text from column col (what is already on the line) with continuation lines
 * indented by indent, breaking between words so no line passes WIDTH (a word longer
 * than a line stands alone). A continuation line never starts with '-', so an
 * option named in the text (--flows) is not read as an option of the list. Ends
 * with a newline. */
static void wrap(FILE *f, int col, int indent, const char *text)
{
	const char *p = text;
	bool first = true;
	while (*p) {
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		size_t wl = strcspn(p, " ");
		/* the next word too, when it starts with '-': they move down together */
		size_t tl = wl;
		if (p[wl] == ' ' && p[wl + 1] == '-')
			tl = wl + 1 + strcspn(p + wl + 1, " ");
		if (!first && col + 1 + (int)tl > WIDTH) {
			fprintf(f, "\n%*s", indent, "");
			col = indent;
			first = true;
		}
		if (!first) {
			fputc(' ', f);
			col++;
		}
		fprintf(f, "%.*s", (int)wl, p);
		col += (int)wl;
		first = false;
		p += wl;
	}
	fputc('\n', f);
}

static bool takes_all(const struct ct_help_tables *t, const struct ct_opt *x)
{
	for (const struct ct_cmd *c = t->cmds; c->name; c++)
		if (!ct_cmd_takes(c, x->lng))
			return false;
	return true;
}

/* in with its "{OPT:text}" parts kept where c takes OPT (all of them when c is NULL) */
static const char *expand(const char *in, const struct ct_cmd *c, char *out, size_t len)
{
	size_t o = 0;
	for (const char *p = in; *p && o + 1 < len; p++) {
		const char *colon = p[0] == '{' ? strchr(p, ':') : NULL;
		const char *end = colon ? strchr(colon, '}') : NULL;
		if (!end) {
			out[o++] = *p;
			continue;
		}
		char opt[64];
		snprintf(opt, sizeof(opt), "%.*s", (int)(colon - p - 1), p + 1);
		if (!c || ct_cmd_takes(c, opt))
			for (const char *q = colon + 1; q < end && o + 1 < len; q++)
				out[o++] = *q;
		p = end;
	}
	out[o] = 0;
	return out;
}

const char *ct_help_opt_text(const struct ct_help_tables *t, const struct ct_cmd *c,
			     const struct ct_opt *x, char *buf, size_t len)
{
	const char *any = NULL, *text = x->help;
	for (const struct ct_opt_note *n = t->notes; c && n && n->cmd; n++) {
		if (strcmp(n->lng, x->lng))
			continue;
		if (!strcmp(n->cmd, c->name)) {
			any = n->help;
			break;
		}
		if (!strcmp(n->cmd, "*"))
			any = n->help;
	}
	return expand(any ? any : text, c, buf, len);
}

/* "  -n, --netns NS           text" wrapped; c NULL: the general text and, when not
 * every command takes it, which do */
static void opt_line(FILE *f, const struct ct_help_tables *t, const struct ct_cmd *c,
		     const struct ct_opt *x)
{
	char left[64], text[1024];
	if (x->id < 256)
		snprintf(left, sizeof(left), "-%c, --%s%s%s", x->id, x->lng, x->arg ? " " : "",
			 x->arg ? x->arg : "");
	else
		snprintf(left, sizeof(left), "    --%s%s%s", x->lng, x->arg ? " " : "",
			 x->arg ? x->arg : "");
	char base[1024];
	size_t off = (size_t)snprintf(text, sizeof(text), "%s",
				      ct_help_opt_text(t, c, x, base, sizeof(base)));
	if (c && x->arg && ct_cmd_repeats(c, x->lng) && off < sizeof(text))
		off += (size_t)snprintf(text + off, sizeof(text) - off, "; may be repeated");
	if (!c && !takes_all(t, x)) {
		const char *sep = " [";
		for (const struct ct_cmd *k = t->cmds; k->name && off < sizeof(text); k++) {
			if (!ct_cmd_takes(k, x->lng))
				continue;
			off +=
			    (size_t)snprintf(text + off, sizeof(text) - off, "%s%s", sep, k->name);
			sep = ", ";
		}
		if (off < sizeof(text))
			snprintf(text + off, sizeof(text) - off, "]");
	}
	int col = fprintf(f, "  %-24s", left);
	if (col > OPT_COL - 1) {
		fprintf(f, "\n%*s", OPT_COL - 1, "");
		col = OPT_COL - 1;
	}
	fputc(' ', f);
	wrap(f, col + 1, OPT_COL, text);
}

int ct_help_usage(FILE *f, const struct ct_help_tables *t)
{
	fprintf(f,
		"usage: caltrace [OPTIONS] COMMAND [ARGS]\n\n"
		"Why can't pod A reach pod B? caltrace reads a Calico node's kernel state\n"
		"(live, in any network namespace, or from a snapshot) and says what is wrong.\n\n"
		"commands:\n");
	for (const struct ct_cmd *c = t->cmds; c->name; c++) {
		int col = fprintf(f, "  %-10s ", c->name);
		wrap(f, col, 13, c->summary);
	}
	fprintf(f, "\noptions:\n");
	for (const struct ct_opt *x = t->opts; x->lng; x++)
		opt_line(f, t, NULL, x);
	fprintf(f,
		"\nexit status: 0 healthy, 1 problems found, 2 usage error, 3 could not gather.\n"
		"'caltrace help COMMAND' for one command; caltrace(1) for everything.\n");
	return fflush(f) != 0 || ferror(f) ? -1 : 0;
}

/* Does the findings word list of a command include the registry row d? Words are
 * read in order: a code or a scope includes, "-code" removes. */
static bool codes_include(const char *words, const struct ct_finding_def *d)
{
	bool in = false;
	for (const char *p = words ? words : ""; *p;) {
		while (*p == ' ')
			p++;
		size_t l = strcspn(p, " ");
		if (!l)
			break;
		bool minus = p[0] == '-';
		const char *w = p + minus;
		size_t wl = l - minus;
		bool code = strlen(d->code) == wl && !strncmp(d->code, w, wl);
		bool scope = !minus && strlen(d->scope) == wl && !strncmp(d->scope, w, wl);
		if (code || scope)
			in = !minus;
		p += l;
	}
	return in;
}

size_t ct_help_codes(const struct ct_cmd *c, const char **v, size_t n)
{
	size_t k = 0;
	for (const struct ct_finding_def *d = ct_finding_defs; d->code; d++) {
		if (!codes_include(c->findings, d))
			continue;
		if (k < n)
			v[k] = d->code;
		k++;
	}
	return k;
}

/* Every code of the registry, for the codes arrays */
static size_t n_defs(void)
{
	size_t n = 0;
	while (ct_finding_defs[n].code)
		n++;
	return n;
}

/* each line of s (lines separated by '\n') to fn */
static void each_line(const char *s, void (*fn)(void *, const char *, int), void *arg)
{
	for (const char *p = s ? s : ""; *p;) {
		size_t l = strcspn(p, "\n");
		if (l)
			fn(arg, p, (int)l);
		p += l;
		if (*p)
			p++;
	}
}

static void line_wrapped(void *arg, const char *s, int l)
{
	char buf[1024];
	snprintf(buf, sizeof(buf), "%.*s", l, s);
	fputs("  ", arg);
	wrap(arg, 2, 4, buf);
}

int ct_help_command(FILE *f, const struct ct_help_tables *t, const struct ct_cmd *c)
{
	fprintf(f, "usage: caltrace %s [OPTIONS]%s%s\n\n", c->name, c->args[0] ? " " : "", c->args);
	char purpose[512];
	snprintf(purpose, sizeof(purpose), "%s.", c->summary);
	purpose[0] = (char)toupper((unsigned char)purpose[0]);
	wrap(f, 0, 0, purpose);
	if (c->args_help && c->args_help[0]) {
		fprintf(f, "\narguments:\n");
		each_line(c->args_help, line_wrapped, f);
	}
	fprintf(f, "\noptions:\n");
	for (const struct ct_opt *x = t->opts; x->lng; x++)
		if (ct_cmd_takes(c, x->lng))
			opt_line(f, t, c, x);
	if (c->examples && c->examples[0]) {
		fprintf(f, "\nexamples:\n");
		each_line(c->examples, line_wrapped, f);
	}
	size_t nd = n_defs();
	const char **codes = calloc(nd + 1, sizeof(*codes));
	if (!codes)
		return -1;
	size_t n = ct_help_codes(c, codes, nd);
	if (n) {
		char text[4096];
		size_t off = 0;
		for (size_t i = 0; i < n && off < sizeof(text); i++)
			off += (size_t)snprintf(text + off, sizeof(text) - off, "%s%s",
						i ? ", " : "", codes[i]);
		fprintf(
		    f,
		    "\nfindings it can raise (caltrace(1), FINDINGS, says what each means):\n  ");
		wrap(f, 2, 2, text);
	}
	free(codes);
	return fflush(f) != 0 || ferror(f) ? -1 : 0;
}

/* ---- JSON */

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static void line_to_array(void *arg, const char *s, int l)
{
	json_array_append_new(arg, json_stringn(s, (size_t)l));
}

static json_t *lines(const char *s)
{
	json_t *a = json_array();
	each_line(s, line_to_array, a);
	return a;
}

static json_t *cmd_json(const struct ct_help_tables *t, const struct ct_cmd *c)
{
	json_t *o = json_object(), *opts = json_array(), *codes = json_array();
	json_object_set_new(o, "name", json_string(c->name));
	json_object_set_new(o, "args", json_string(c->args));
	json_object_set_new(o, "summary", json_string(c->summary));
	json_object_set_new(o, "arguments", lines(c->args_help));
	for (const struct ct_opt *x = t->opts; x->lng; x++) {
		if (!ct_cmd_takes(c, x->lng))
			continue;
		json_t *e = json_object();
		json_object_set_new(e, "long", json_string(x->lng));
		char buf[1024];
		json_object_set_new(e, "help",
				    json_string(ct_help_opt_text(t, c, x, buf, sizeof(buf))));
		json_object_set_new(e, "repeatable",
				    json_boolean(x->arg && ct_cmd_repeats(c, x->lng)));
		json_array_append_new(opts, e);
	}
	json_object_set_new(o, "options", opts);
	json_object_set_new(o, "examples", lines(c->examples));
	for (const struct ct_finding_def *d = ct_finding_defs; d->code; d++)
		if (codes_include(c->findings, d))
			json_array_append_new(codes, json_string(d->code));
	json_object_set_new(o, "findings", codes);
	return o;
}

static int dump(FILE *f, json_t *doc)
{
	int rc = doc ? json_dumpf(doc, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : -1;
	json_decref(doc);
	if (rc == 0)
		fputc('\n', f);
	return rc < 0 || fflush(f) != 0 || ferror(f) ? -1 : 0;
}

int ct_help_json(FILE *f, const struct ct_help_tables *t, const struct ct_cmd *only)
{
	json_t *doc = json_object(), *cmds = json_array(), *opts = json_array();
	json_object_set_new(doc, "schema_version", json_string("1.0"));
	json_object_set_new(doc, "command", json_string("help"));
	for (const struct ct_cmd *c = t->cmds; c->name; c++)
		if (!only || c == only)
			json_array_append_new(cmds, cmd_json(t, c));
	json_object_set_new(doc, "commands", cmds);
	for (const struct ct_opt *x = t->opts; x->lng; x++) {
		json_t *e = json_object(), *who = json_array();
		char s[2] = {(char)x->id, 0};
		json_object_set_new(e, "short", x->id < 256 ? json_string(s) : json_null());
		json_object_set_new(e, "long", json_string(x->lng));
		json_object_set_new(e, "value", str_or_null(x->arg));
		json_object_set_new(e, "value_help", str_or_null(x->arg ? x->value : NULL));
		char buf[1024];
		json_object_set_new(e, "help",
				    json_string(ct_help_opt_text(t, NULL, x, buf, sizeof(buf))));
		for (const struct ct_cmd *c = t->cmds; c->name; c++)
			if (ct_cmd_takes(c, x->lng))
				json_array_append_new(who, json_string(c->name));
		json_object_set_new(e, "commands", who);
		json_array_append_new(opts, e);
	}
	json_object_set_new(doc, "options", opts);
	return dump(f, doc);
}

static json_t *lib(const char *name, const char *version, const char *built_with, const char *text)
{
	json_t *o = json_object();
	json_object_set_new(o, "name", json_string(name));
	json_object_set_new(o, "version", str_or_null(version));
	json_object_set_new(o, "built_with", str_or_null(built_with));
	json_object_set_new(o, "text", str_or_null(text));
	return o;
}

/* "1.10.4" out of "libpcap version 1.10.4 (with TPACKET_V3)": the first word that
 * starts with a digit */
static const char *first_number(const char *s, char *buf, size_t len)
{
	for (const char *p = s; p && *p; p++)
		if (isdigit((unsigned char)*p) && (p == s || p[-1] == ' ')) {
			snprintf(buf, len, "%.*s", (int)strcspn(p, " "), p);
			return buf;
		}
	return NULL;
}

int ct_version_json(FILE *f)
{
	json_t *doc = json_object(), *libs = json_array();
	char nl[32], pc[64], ssl[64];
	json_object_set_new(doc, "schema_version", json_string("1.0"));
	json_object_set_new(doc, "command", json_string("version"));
	json_object_set_new(doc, "version", json_string(CT_VERSION));
	snprintf(nl, sizeof(nl), "%d.%d.%d", nl_ver_maj, nl_ver_min, nl_ver_mic);
	json_array_append_new(libs, lib("libnl-3", nl, LIBNL_VERSION, NULL));
	const char *pt = pcap_lib_version();
	json_array_append_new(libs, lib("libpcap", first_number(pt, pc, sizeof(pc)), NULL, pt));
	json_array_append_new(libs, lib("jansson", jansson_version_str(), JANSSON_VERSION, NULL));
	const char *st = OpenSSL_version(OPENSSL_VERSION);
	json_array_append_new(libs, lib("libcrypto", first_number(st, ssl, sizeof(ssl)),
#ifdef OPENSSL_VERSION_STR
					OPENSSL_VERSION_STR,
#else
					NULL,
#endif
					st));
	json_object_set_new(doc, "libraries", libs);
	return dump(f, doc);
}
