/* SPDX-License-Identifier: MIT */
/* The snapshot's "bgp" section: struct ct_bgp to and from JSON (jansson). */
#include "model/bgp_json.h"
#include "model/esc.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A string from BIRD by the JSON rule of model/esc.h (json_string would refuse
 * bytes that are not UTF-8); "" is null. */
static json_t *jstr(const char *s)
{
	if (!s || !s[0])
		return json_null();
	size_t n = strlen(s), vl = ct_esc_json_len(s, n);
	if (vl == n)
		return json_stringn_nocheck(s, n);
	char *v = malloc(vl);
	if (!v)
		return NULL;
	ct_esc_json_put(v, s, n);
	json_t *j = json_stringn_nocheck(v, vl);
	free(v);
	return j;
}

static json_t *jip(const struct ct_ip *ip)
{
	char b[64];
	return ct_ip_is_set(ip) ? json_string(ct_ip_fmt(ip, b, sizeof(b))) : json_null();
}

static json_t *jint(long long v, bool valid)
{
	return valid ? json_integer(v) : json_null();
}

int ct_bgp_to_json(const struct ct_bgp *b, const char *error, char **out)
{
	json_t *root = json_object(), *a;
	const struct ct_bird_status *s = &b->status;
	json_t *st = json_object();
	json_object_set_new(st, "version", jstr(s->version));
	json_object_set_new(st, "greeting", jstr(s->greeting));
	json_object_set_new(st, "router_id", jstr(s->router_id));
	json_object_set_new(st, "server_time", jstr(s->server_time));
	json_object_set_new(st, "last_reboot", jstr(s->last_reboot));
	json_object_set_new(st, "last_reconfiguration", jstr(s->last_reconfig));
	json_object_set_new(st, "state", jstr(s->state));
	json_object_set_new(st, "flavour", json_integer(s->flavour));
	json_object_set_new(root, "status", st);
	json_object_set_new(root, "socket", jstr(b->socket));
	json_object_set_new(root, "kernel_protocol", jstr(b->kernel_proto));
	json_object_set_new(root, "error", jstr(error));
	a = json_array();
	for (size_t i = 0; i < b->n_peers; i++) {
		const struct ct_bgp_peer *p = &b->peers[i];
		json_t *o = json_object();
		json_object_set_new(o, "name", jstr(p->name));
		json_object_set_new(o, "type", jstr(p->type));
		json_object_set_new(o, "proto", jstr(p->proto));
		json_object_set_new(o, "table", jstr(p->table));
		json_object_set_new(o, "state", jstr(p->state));
		json_object_set_new(o, "since", jstr(p->since));
		json_object_set_new(o, "info", jstr(p->info));
		json_object_set_new(o, "bgp_state", jstr(p->bgp_state));
		json_object_set_new(o, "last_error", jstr(p->last_error));
		json_object_set_new(o, "neighbor", jip(&p->neighbor));
		json_object_set_new(o, "neighbor_as", jint(p->neighbor_as, p->has_neighbor_as));
		json_object_set_new(o, "local_as", jint(p->local_as, p->has_local_as));
		json_object_set_new(o, "source", jip(&p->source));
		json_object_set_new(o, "neighbor_id", jstr(p->neighbor_id));
		json_object_set_new(o, "hold_now", json_integer(p->hold_now));
		json_object_set_new(o, "hold_max", json_integer(p->hold_max));
		json_object_set_new(o, "keepalive_now", json_integer(p->keepalive_now));
		json_object_set_new(o, "keepalive_max", json_integer(p->keepalive_max));
		json_object_set_new(o, "imported", jint(p->imported, p->has_routes));
		json_object_set_new(o, "exported", jint(p->exported, p->has_routes));
		json_object_set_new(o, "preferred", jint(p->preferred, p->has_routes));
		json_object_set_new(o, "passive", p->passive < 0 ? json_null() : json_boolean(p->passive));
		json_object_set_new(o, "description", jstr(p->description));
		json_array_append_new(a, o);
	}
	json_object_set_new(root, "peers", a);
	a = json_array();
	for (size_t i = 0; i < b->n_routes; i++) {
		const struct ct_bgp_route *r = &b->routes[i];
		const struct ct_bgp_rattr *ra = r->at;
		char d[64];
		json_t *o = json_object();
		char ab[64];
		/* always address/length: "default" would not say which family */
		snprintf(d, sizeof(d), "%s/%u", ct_ip_fmt(&r->dst.ip, ab, sizeof(ab)), r->dst.len);
		json_object_set_new(o, "dst", json_string(d));
		json_object_set_new(o, "via", jip(&ra->via));
		json_object_set_new(o, "dev", jstr(ra->dev));
		json_object_set_new(o, "proto", jstr(ra->proto));
		json_object_set_new(o, "bgp_next_hop", jip(&ra->bgp_next_hop));
		json_object_set_new(o, "primary", json_boolean(r->primary));
		json_object_set_new(o, "blackhole", json_boolean(ra->blackhole));
		json_object_set_new(o, "unreachable", json_boolean(ra->unreachable));
		json_object_set_new(o, "type", jstr(ra->type));
		json_array_append_new(a, o);
	}
	json_object_set_new(root, "routes", a);
	if (b->have_sessions) {
		a = json_array();
		for (size_t i = 0; i < b->n_sessions; i++) {
			const struct ct_tcp179 *t = &b->sessions[i];
			json_t *o = json_object();
			json_object_set_new(o, "local", jip(&t->local));
			json_object_set_new(o, "local_port", json_integer(t->lport));
			json_object_set_new(o, "remote", jip(&t->remote));
			json_object_set_new(o, "remote_port", json_integer(t->rport));
			json_object_set_new(o, "state", jstr(t->state));
			json_array_append_new(a, o);
		}
		json_object_set_new(root, "sessions", a);
	} else {
		json_object_set_new(root, "sessions", json_null());
	}
	*out = json_dumps(root, JSON_COMPACT);
	json_decref(root);
	return *out ? 0 : -1;
}

/* ---- loading: strict about types, lenient about missing optional keys ---- */

struct rd {
	const char *src;
	const char *path;
	struct ct_err *err;
	int bad;
};

static void fail(struct rd *r, const char *where, const char *what)
{
	if (!r->bad)
		ct_err_set(r->err, CT_EXIT_GATHER, "snapshot '%s': bgp.%s: %s", r->src, where, what);
	r->bad = 1;
}

static void get_str(struct rd *r, json_t *o, const char *key, char *dst, size_t len, const char *where)
{
	json_t *v = json_object_get(o, key);
	char w[128];
	dst[0] = 0;
	if (!v || json_is_null(v))
		return;
	snprintf(w, sizeof(w), "%s.%s", where, key);
	if (!json_is_string(v)) {
		fail(r, w, "expected a string");
		return;
	}
	size_t n;
	int rc = ct_esc_json_decode(dst, len, json_string_value(v), json_string_length(v), &n);
	if (rc == CT_ESC_ESPACE)
		fail(r, w, "string too long");
	else if (rc)
		fail(r, w, ct_esc_strerror(rc));
	else if (strlen(dst) != n)
		fail(r, w, "string contains a NUL byte");
	if (rc)
		dst[0] = 0;
}

static void get_ip(struct rd *r, json_t *o, const char *key, struct ct_ip *ip, const char *where)
{
	char b[64], w[128];
	memset(ip, 0, sizeof(*ip));
	get_str(r, o, key, b, sizeof(b), where);
	snprintf(w, sizeof(w), "%s.%s", where, key);
	if (b[0] && ct_ip_parse(b, ip) < 0)
		fail(r, w, "not an IP address");
}

static long long get_int(struct rd *r, json_t *o, const char *key, long long lo, long long hi,
			 long long dflt, bool *present, const char *where)
{
	json_t *v = json_object_get(o, key);
	char w[128];
	if (present)
		*present = false;
	if (!v || json_is_null(v))
		return dflt;
	snprintf(w, sizeof(w), "%s.%s", where, key);
	if (!json_is_integer(v)) {
		fail(r, w, "expected an integer");
		return dflt;
	}
	long long x = json_integer_value(v);
	if (x < lo || x > hi) {
		fail(r, w, "out of range");
		return dflt;
	}
	if (present)
		*present = true;
	return x;
}

static bool get_bool(struct rd *r, json_t *o, const char *key, const char *where)
{
	json_t *v = json_object_get(o, key);
	char w[128];
	if (!v || json_is_null(v))
		return false;
	snprintf(w, sizeof(w), "%s.%s", where, key);
	if (!json_is_boolean(v)) {
		fail(r, w, "expected true or false");
		return false;
	}
	return json_is_true(v);
}

static json_t *get_arr(struct rd *r, json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	if (!v || json_is_null(v))
		return NULL;
	if (!json_is_array(v)) {
		fail(r, key, "expected an array");
		return NULL;
	}
	return v;
}

int ct_bgp_from_json(const char *json, const char *src, struct ct_bgp *b, char *error,
		     size_t errlen, struct ct_err *err)
{
	json_error_t je;
	struct rd r = {.src = src, .err = err};
	json_t *root = json_loads(json, JSON_REJECT_DUPLICATES, &je);
	if (error && errlen)
		error[0] = 0;
	if (!root || !json_is_object(root)) {
		json_decref(root);
		return ct_err_set(err, CT_EXIT_GATHER, "snapshot '%s': bgp: expected an object", src);
	}
	json_t *st = json_object_get(root, "status");
	if (st && json_is_object(st)) {
		struct ct_bird_status *s = &b->status;
		get_str(&r, st, "version", s->version, sizeof(s->version), "status");
		get_str(&r, st, "greeting", s->greeting, sizeof(s->greeting), "status");
		get_str(&r, st, "router_id", s->router_id, sizeof(s->router_id), "status");
		get_str(&r, st, "server_time", s->server_time, sizeof(s->server_time), "status");
		get_str(&r, st, "last_reboot", s->last_reboot, sizeof(s->last_reboot), "status");
		get_str(&r, st, "last_reconfiguration", s->last_reconfig, sizeof(s->last_reconfig), "status");
		get_str(&r, st, "state", s->state, sizeof(s->state), "status");
		s->flavour = (enum ct_bird_flavour)get_int(&r, st, "flavour", 0, 2, 0, NULL, "status");
	} else if (st && !json_is_null(st)) {
		fail(&r, "status", "expected an object");
	}
	get_str(&r, root, "socket", b->socket, sizeof(b->socket), "bgp");
	get_str(&r, root, "kernel_protocol", b->kernel_proto, sizeof(b->kernel_proto), "bgp");
	if (error)
		get_str(&r, root, "error", error, errlen, "bgp");
	json_t *a = get_arr(&r, root, "peers");
	size_t n = a ? json_array_size(a) : 0;
	if (n) {
		b->peers = calloc(n, sizeof(*b->peers));
		if (!b->peers)
			fail(&r, "peers", "out of memory");
	}
	for (size_t i = 0; b->peers && i < n && !r.bad; i++) {
		json_t *o = json_array_get(a, i);
		char w[32];
		snprintf(w, sizeof(w), "peers[%zu]", i);
		if (!json_is_object(o)) {
			fail(&r, w, "expected an object");
			break;
		}
		struct ct_bgp_peer *p = &b->peers[b->n_peers++];
		get_str(&r, o, "name", p->name, sizeof(p->name), w);
		get_str(&r, o, "type", p->type, sizeof(p->type), w);
		get_str(&r, o, "proto", p->proto, sizeof(p->proto), w);
		get_str(&r, o, "table", p->table, sizeof(p->table), w);
		get_str(&r, o, "state", p->state, sizeof(p->state), w);
		get_str(&r, o, "since", p->since, sizeof(p->since), w);
		get_str(&r, o, "info", p->info, sizeof(p->info), w);
		get_str(&r, o, "bgp_state", p->bgp_state, sizeof(p->bgp_state), w);
		get_str(&r, o, "last_error", p->last_error, sizeof(p->last_error), w);
		get_ip(&r, o, "neighbor", &p->neighbor, w);
		p->neighbor_as = (uint32_t)get_int(&r, o, "neighbor_as", 0, UINT32_MAX, 0, &p->has_neighbor_as, w);
		p->local_as = (uint32_t)get_int(&r, o, "local_as", 0, UINT32_MAX, 0, &p->has_local_as, w);
		get_ip(&r, o, "source", &p->source, w);
		get_str(&r, o, "neighbor_id", p->neighbor_id, sizeof(p->neighbor_id), w);
		p->hold_now = (int)get_int(&r, o, "hold_now", -1, 1 << 20, -1, NULL, w);
		p->hold_max = (int)get_int(&r, o, "hold_max", -1, 1 << 20, -1, NULL, w);
		p->keepalive_now = (int)get_int(&r, o, "keepalive_now", -1, 1 << 20, -1, NULL, w);
		p->keepalive_max = (int)get_int(&r, o, "keepalive_max", -1, 1 << 20, -1, NULL, w);
		bool has;
		p->imported = (uint32_t)get_int(&r, o, "imported", 0, UINT32_MAX, 0, &has, w);
		p->has_routes = has;
		p->exported = (uint32_t)get_int(&r, o, "exported", 0, UINT32_MAX, 0, NULL, w);
		p->preferred = (uint32_t)get_int(&r, o, "preferred", 0, UINT32_MAX, 0, NULL, w);
		json_t *pv = json_object_get(o, "passive");
		p->passive = !pv || json_is_null(pv) ? -1 : get_bool(&r, o, "passive", w);
		get_str(&r, o, "description", p->description, sizeof(p->description), w);
	}
	a = get_arr(&r, root, "routes");
	n = a ? json_array_size(a) : 0;
	for (size_t i = 0; i < n && !r.bad; i++) {
		json_t *o = json_array_get(a, i);
		char w[32], d[64];
		snprintf(w, sizeof(w), "routes[%zu]", i);
		if (!json_is_object(o)) {
			fail(&r, w, "expected an object");
			break;
		}
		struct ct_prefix dst;
		struct ct_bgp_rattr x;
		memset(&dst, 0, sizeof(dst));
		memset(&x, 0, sizeof(x));
		get_str(&r, o, "dst", d, sizeof(d), w);
		if (!r.bad && ct_prefix_parse(d, &dst) < 0)
			fail(&r, w, "dst is not a prefix");
		get_ip(&r, o, "via", &x.via, w);
		get_str(&r, o, "dev", x.dev, sizeof(x.dev), w);
		get_str(&r, o, "proto", x.proto, sizeof(x.proto), w);
		get_ip(&r, o, "bgp_next_hop", &x.bgp_next_hop, w);
		bool primary = get_bool(&r, o, "primary", w);
		x.blackhole = get_bool(&r, o, "blackhole", w);
		x.unreachable = get_bool(&r, o, "unreachable", w);
		get_str(&r, o, "type", x.type, sizeof(x.type), w);
		if (!r.bad && ct_bgp_route_add(b, &dst, primary, &x) < 0)
			fail(&r, "routes", "out of memory");
	}
	a = get_arr(&r, root, "sessions");
	n = a ? json_array_size(a) : 0;
	b->have_sessions = a != NULL;
	if (n && !r.bad) {
		b->sessions = calloc(n, sizeof(*b->sessions));
		if (!b->sessions)
			fail(&r, "sessions", "out of memory");
	}
	for (size_t i = 0; b->sessions && i < n && !r.bad; i++) {
		json_t *o = json_array_get(a, i);
		char w[32];
		snprintf(w, sizeof(w), "sessions[%zu]", i);
		if (!json_is_object(o)) {
			fail(&r, w, "expected an object");
			break;
		}
		struct ct_tcp179 *t = &b->sessions[b->n_sessions++];
		get_ip(&r, o, "local", &t->local, w);
		t->lport = (uint16_t)get_int(&r, o, "local_port", 0, 65535, 0, NULL, w);
		get_ip(&r, o, "remote", &t->remote, w);
		t->rport = (uint16_t)get_int(&r, o, "remote_port", 0, 65535, 0, NULL, w);
		get_str(&r, o, "state", t->state, sizeof(t->state), w);
	}
	json_decref(root);
	return r.bad ? -1 : 0;
}
