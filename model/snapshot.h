/* SPDX-License-Identifier: MIT */
/*
 * Snapshot v1: the model (struct ct_node) written out as JSON, and read back.
 *
 * Document (schema_version "1.0", one netns/route/link... per line):
 *   {"schema_version":"1.0","command":"snapshot","synthetic":bool,
 *    "node":{"name","underlay_ips":[..],"vtep":{"ip","mac"}|null,
 *            "taken_at":"YYYY-MM-DDTHH:MM:SSZ"|null,"kernel","source","dump_intr"},
 *    "netns":[{"name","path","is_host","nsid","inode","conf":{..},"links":[..],
 *              "addresses":[..],"routes":[..],"rules":[..],"neighbours":[..],
 *              "fdb":[..],"neigh_tables":[..],"gw_checks":[..]}],
 *    "pods":null|[..],"bgp":null|{..},"items":[],"findings":[]}
 * ("bgp" is model/bgp_json.c's object, parsed on load)
 *
 * Conventions: an unknown int (-1) and an unset address are null; enums are
 * names from model/names.h (a decimal string when the table has no name); a
 * 64-bit counter above INT64_MAX is written as a decimal string, since JSON
 * readers such as jansson stop at int64. Every key listed is required on
 * load except "dump_intr" and the kind-specific "vxlan"/"iptun"/"nexthops";
 * unknown keys are ignored, so new keys keep the major version.
 *
 * Round trip: load(write(x)) == x for every field, with two normalisations:
 * node->source becomes the loaded path, and bgp_json becomes compact JSON.
 * Strings follow the JSON rule of model/esc.h (valid UTF-8 as itself, a
 * backslash doubled, any other byte as \xNN), and the loader reverses it
 * exactly, so names with any bytes round-trip; a value the rule cannot
 * produce is an error.
 */
#ifndef CT_SNAPSHOT_H
#define CT_SNAPSHOT_H

#include <stddef.h>
#include <stdio.h>

#include "model/err.h"
#include "model/model.h"

#define CT_SNAPSHOT_SCHEMA "1.0"
#define CT_SNAPSHOT_SCHEMA_POLICY "1.1" /* with the "policy" member */

/* Streams n to f, item by item. 0, or -1 with err set (CT_EXIT_GATHER) when
 * writing fails or bgp_json is not valid JSON. */
int ct_snapshot_write(const struct ct_node *n, FILE *f, struct ct_err *err);

/* Loads a snapshot file ("-" = stdin) into n, which is overwritten (not freed:
 * pass an empty node). Loading finishes the model as a live gather does: on
 * success node->source is path, every namespace is indexed (ct_netns_index),
 * effective values a snapshot left null are derived (model/derive.c), and a
 * "bgp" section is parsed into node->bgp (node->bgp_error gets its "error").
 * On error n is left empty (ct_node_free is safe) and err holds one line
 * naming the file and the JSON path, with exit_code CT_EXIT_GATHER. */
int ct_snapshot_load(struct ct_node *n, const char *path, struct ct_err *err);

/* Same, from memory; messages name the snapshot '<buffer>'. */
int ct_snapshot_load_buf(struct ct_node *n, const char *buf, size_t len, struct ct_err *err);

#endif
