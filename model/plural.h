/* SPDX-License-Identifier: MIT */
/*
 * The word that goes with a count, for every "N things" caltrace writes: "1 route",
 * "0 routes", "2 routes". Give the whole phrase whose words change, verb included
 * ("route uses" / "routes use"), so each message stays one readable format string.
 */
#ifndef CT_PLURAL_H
#define CT_PLURAL_H

static inline const char *ct_plural(unsigned long long n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

#endif
