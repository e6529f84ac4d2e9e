/* SPDX-License-Identifier: MIT */
/*
 * Enum <-> string tables, one per enum, shared by text, JSON, completion and
 * docs. Unknown numeric values format as their number.
 */
#ifndef CT_NAMES_H
#define CT_NAMES_H

#include <stddef.h>
#include <stdint.h>

struct ct_name {
	int value;
	const char *name;
};

/* Returns the name, or writes the decimal value into buf and returns it. */
const char *ct_name_of(const struct ct_name *tbl, int value, char *buf, size_t len);
/* Returns the value for name, or parses a decimal; -1 when neither. */
int ct_value_of(const struct ct_name *tbl, const char *name);

extern const struct ct_name ct_rt_protocols[]; /* "boot", "kernel", "static", "bird", "felix" (80) ... */
extern const struct ct_name ct_rt_types[];     /* "unicast", "local", "blackhole", ... */
extern const struct ct_name ct_rt_scopes[];    /* "universe", "link", "host", ... */
extern const struct ct_name ct_rt_tables[];    /* "main", "local", "default" */
extern const struct ct_name ct_families[];     /* "inet", "inet6", "bridge" */
extern const struct ct_name ct_nud_states[];   /* single NUD_* bits: "reachable", "failed" ... */
extern const struct ct_name ct_oper_states[];  /* enum ct_oper */
extern const struct ct_name ct_rule_actions[]; /* "to_tbl", "blackhole", ... */

/* A neighbour state as one word (the most significant NUD bit). */
const char *ct_nud_name(uint16_t state, char *buf, size_t len);

#endif
