/* SPDX-License-Identifier: MIT */
/*
 * Pure parsers of `kubectl get pods -A -o json` and `crictl pods -o json`.
 * jansson reads the bytes; no json_t leaves this file. Every field is checked
 * for its type and size before it is copied into a fixed buffer, and a failure
 * names the field by its path (items[3].metadata.name).
 */
#include "pods.h"

#include "model/esc.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PODS_DEFAULT_PREFIX "cali"
#define PODS_MAX_IPS ((int)(sizeof(((struct ct_pod *)0)->ips) / sizeof(struct ct_ip)))

struct pods_ctx {
	char label[96];     /* the source for messages: raw, clipped (escaped where shown) */
	const char *prefix; /* interface prefix for veth names */
	struct ct_err *err;
	struct ct_node tmp; /* pods parsed so far; moved into the node on success */
};

__attribute__((format(printf, 3, 4))) static int pods_fail(struct pods_ctx *c, const char *at,
							     const char *fmt, ...)
{
	char what[320];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (at && *at)
		return ct_err_set(c->err, CT_EXIT_GATHER, "pods from '%s': %s: %s", c->label, at,
				  what);
	return ct_err_set(c->err, CT_EXIT_GATHER, "pods from '%s': %s", c->label, what);
}

static const char *json_type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
	case JSON_REAL:
		return "a number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	case JSON_NULL:
		return "null";
	}
	return "something else";
}

/* Member key of obj as an object. Returns 1 present, 0 absent (or null) when
 * optional, -1 on error. */
static int get_obj(struct pods_ctx *c, json_t *obj, const char *key, const char *at, bool required,
		   json_t **out)
{
	char path[128];
	snprintf(path, sizeof(path), "%s%s%s", at, *at ? "." : "", key);
	*out = NULL;
	json_t *v = json_object_get(obj, key);
	if (!v || json_is_null(v))
		return required ? pods_fail(c, path, "missing") : 0;
	if (!json_is_object(v))
		return pods_fail(c, path, "expected an object, got %s", json_type_name(v));
	*out = v;
	return 1;
}

/* Member key of obj copied into out (outsz bytes). Same returns as get_obj. */
static int get_str(struct pods_ctx *c, json_t *obj, const char *key, const char *at, bool required,
		   char *out, size_t outsz)
{
	char path[128];
	snprintf(path, sizeof(path), "%s%s%s", at, *at ? "." : "", key);
	out[0] = 0;
	json_t *v = json_object_get(obj, key);
	if (!v || json_is_null(v))
		return required ? pods_fail(c, path, "missing") : 0;
	if (!json_is_string(v))
		return pods_fail(c, path, "expected a string, got %s", json_type_name(v));
	size_t l = json_string_length(v);
	if (l >= outsz)
		return pods_fail(c, path, "too long (%zu bytes, at most %zu)", l, outsz - 1);
	memcpy(out, json_string_value(v), l);
	out[l] = 0;
	return 1;
}

static int check_name(struct pods_ctx *c, const char *at, const char *key, const char *s,
		      bool label)
{
	size_t len = strlen(s);
	size_t max = label ? 63 : 253;
	if (label ? ct_k8s_label_ok(s, len) : ct_k8s_subdomain_ok(s))
		return 0;
	char path[128], e[80];
	snprintf(path, sizeof(path), "%s.%s", at, key);
	if (len > max)
		return pods_fail(c, path, "longer than %zu characters", max);
	ct_esc_clip(e, sizeof(e), s, len);
	return pods_fail(c, path, "not a valid Kubernetes name: '%s'", e);
}

static int set_veth(struct pods_ctx *c, const char *at, struct ct_pod *p)
{
	if (p->host_network)
		return 0; /* a hostNetwork pod has no veth */
	if (ct_veth_name(c->prefix, p->ns, p->name, p->veth, sizeof(p->veth)) < 0)
		return pods_fail(c, at, "cannot form a veth name");
	return 0;
}

static int push(struct pods_ctx *c, const struct ct_pod *p)
{
	struct ct_pod *d = ct_push_pod(&c->tmp);
	if (!d)
		return pods_fail(c, NULL, "out of memory");
	*d = *p;
	return 0;
}

static int add_ip(struct pods_ctx *c, struct ct_pod *p, const char *path, const char *s)
{
	struct ct_ip ip;
	if (ct_ip_parse(s, &ip) < 0) {
		char e[80];
		ct_esc_clip(e, sizeof(e), s, strlen(s));
		return pods_fail(c, path, "not an IP address: '%s'", e);
	}
	if (p->n_ips < PODS_MAX_IPS)
		p->ips[p->n_ips++] = ip;
	return 0;
}

/* status.podIPs[].ip, or else status.podIP. */
static int kubectl_ips(struct pods_ctx *c, json_t *status, const char *at, struct ct_pod *p)
{
	char path[128], ip[64];
	snprintf(path, sizeof(path), "%s.podIPs", at);
	json_t *ips = json_object_get(status, "podIPs");
	if (ips && !json_is_null(ips)) {
		if (!json_is_array(ips))
			return pods_fail(c, path, "expected an array, got %s", json_type_name(ips));
		for (size_t j = 0; j < json_array_size(ips); j++) {
			json_t *e = json_array_get(ips, j);
			snprintf(path, sizeof(path), "%s.podIPs[%zu]", at, j);
			if (!json_is_object(e))
				return pods_fail(c, path, "expected an object, got %s",
						 json_type_name(e));
			if (get_str(c, e, "ip", path, true, ip, sizeof(ip)) < 0)
				return -1;
			snprintf(path, sizeof(path), "%s.podIPs[%zu].ip", at, j);
			if (add_ip(c, p, path, ip) < 0)
				return -1;
		}
	}
	int r = get_str(c, status, "podIP", at, false, ip, sizeof(ip));
	if (r < 0)
		return -1;
	if (r > 0 && ip[0] && p->n_ips == 0) {
		snprintf(path, sizeof(path), "%s.podIP", at);
		return add_ip(c, p, path, ip);
	}
	return 0;
}

static bool phase_ok(const char *s)
{
	for (; *s; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z')))
			return false;
	return true;
}

static int kubectl_item(struct pods_ctx *c, json_t *item, size_t i)
{
	char at[48], at2[80];
	struct ct_pod p;
	json_t *md, *spec, *status;
	char kind[32];
	int r;

	memset(&p, 0, sizeof(p));
	snprintf(at, sizeof(at), "items[%zu]", i);
	if (!json_is_object(item))
		return pods_fail(c, at, "expected an object, got %s", json_type_name(item));
	if (get_str(c, item, "kind", at, false, kind, sizeof(kind)) < 0)
		return -1;
	if (kind[0] && strcmp(kind, "Pod") != 0) {
		char e[48];
		snprintf(at2, sizeof(at2), "%s.kind", at);
		return pods_fail(c, at2, "expected 'Pod', got '%s'",
				 ct_esc_clip(e, sizeof(e), kind, strlen(kind)));
	}

	if (get_obj(c, item, "metadata", at, true, &md) < 0)
		return -1;
	snprintf(at2, sizeof(at2), "%s.metadata", at);
	if (get_str(c, md, "namespace", at2, true, p.ns, sizeof(p.ns)) < 0 ||
	    check_name(c, at2, "namespace", p.ns, true) < 0)
		return -1;
	if (get_str(c, md, "name", at2, true, p.name, sizeof(p.name)) < 0 ||
	    check_name(c, at2, "name", p.name, false) < 0)
		return -1;

	if (get_obj(c, item, "spec", at, false, &spec) < 0)
		return -1;
	if (spec) {
		snprintf(at2, sizeof(at2), "%s.spec", at);
		r = get_str(c, spec, "nodeName", at2, false, p.node, sizeof(p.node));
		if (r < 0 || (r > 0 && p.node[0] && check_name(c, at2, "nodeName", p.node, false) < 0))
			return -1;
		json_t *hn = json_object_get(spec, "hostNetwork");
		if (hn && !json_is_null(hn)) {
			if (!json_is_boolean(hn)) {
				snprintf(at2, sizeof(at2), "%s.spec.hostNetwork", at);
				return pods_fail(c, at2, "expected true or false, got %s",
						 json_type_name(hn));
			}
			p.host_network = json_is_true(hn);
		}
	}

	if (get_obj(c, item, "status", at, false, &status) < 0)
		return -1;
	if (status) {
		snprintf(at2, sizeof(at2), "%s.status", at);
		if (get_str(c, status, "phase", at2, false, p.phase, sizeof(p.phase)) < 0)
			return -1;
		if (!phase_ok(p.phase)) {
			char e[48];
			snprintf(at2, sizeof(at2), "%s.status.phase", at);
			return pods_fail(c, at2, "not a pod phase: '%s'",
					 ct_esc_clip(e, sizeof(e), p.phase, strlen(p.phase)));
		}
		if (kubectl_ips(c, status, at2, &p) < 0)
			return -1;
	}

	if (set_veth(c, at, &p) < 0)
		return -1;
	return push(c, &p);
}

static int kubectl_root(struct pods_ctx *c, json_t *root)
{
	char kind[32];
	if (get_str(c, root, "kind", "", false, kind, sizeof(kind)) < 0)
		return -1;
	if (kind[0] && strcmp(kind, "List") != 0 && strcmp(kind, "PodList") != 0) {
		char e[48];
		return pods_fail(c, "kind", "expected 'List' or 'PodList', got '%s'",
				 ct_esc_clip(e, sizeof(e), kind, strlen(kind)));
	}
	json_t *items = json_object_get(root, "items");
	if (!items || json_is_null(items))
		return pods_fail(c, "items", "missing");
	if (!json_is_array(items))
		return pods_fail(c, "items", "expected an array, got %s", json_type_name(items));
	for (size_t i = 0; i < json_array_size(items); i++)
		if (kubectl_item(c, json_array_get(items, i), i) < 0)
			return -1;
	return 0;
}

static int crictl_item(struct pods_ctx *c, json_t *item, size_t i)
{
	char at[48], at2[80], state[32];
	struct ct_pod p;
	json_t *md;
	int r;

	memset(&p, 0, sizeof(p));
	snprintf(at, sizeof(at), "items[%zu]", i);
	if (!json_is_object(item))
		return pods_fail(c, at, "expected an object, got %s", json_type_name(item));
	if (get_obj(c, item, "metadata", at, true, &md) < 0)
		return -1;
	snprintf(at2, sizeof(at2), "%s.metadata", at);
	if (get_str(c, md, "namespace", at2, true, p.ns, sizeof(p.ns)) < 0 ||
	    check_name(c, at2, "namespace", p.ns, true) < 0)
		return -1;
	if (get_str(c, md, "name", at2, true, p.name, sizeof(p.name)) < 0 ||
	    check_name(c, at2, "name", p.name, false) < 0)
		return -1;
	/* proto3 JSON omits a field at its default: no "state" is SANDBOX_READY (0). */
	r = get_str(c, item, "state", at, false, state, sizeof(state));
	if (r < 0)
		return -1;
	snprintf(p.phase, sizeof(p.phase), "%s",
		 r == 0 || strcmp(state, "SANDBOX_READY") == 0 ? "Running" : "NotReady");
	if (set_veth(c, at, &p) < 0)
		return -1;
	return push(c, &p);
}

static int crictl_cmp(const void *a, const void *b)
{
	const struct ct_pod *x = a, *y = b;
	int d = strcmp(x->ns, y->ns);
	if (!d)
		d = strcmp(x->name, y->name);
	if (!d) /* the ready sandbox first */
		d = (strcmp(y->phase, "Running") == 0) - (strcmp(x->phase, "Running") == 0);
	return d;
}

static int crictl_root(struct pods_ctx *c, json_t *root)
{
	json_t *items = json_object_get(root, "items");
	if (!items || json_is_null(items))
		return pods_fail(c, "items", "missing");
	if (!json_is_array(items))
		return pods_fail(c, "items", "expected an array, got %s", json_type_name(items));
	for (size_t i = 0; i < json_array_size(items); i++)
		if (crictl_item(c, json_array_get(items, i), i) < 0)
			return -1;
	/* A pod that got a new sandbox keeps its old, NOTREADY one: list it once. */
	struct ct_pod *v = c->tmp.pods.v;
	size_t n = c->tmp.pods.n, o = 0;
	if (n > 1)
		qsort(v, n, sizeof(*v), crictl_cmp);
	for (size_t i = 0; i < n; i++) {
		if (o && strcmp(v[o - 1].ns, v[i].ns) == 0 && strcmp(v[o - 1].name, v[i].name) == 0)
			continue;
		if (o != i)
			v[o] = v[i];
		o++;
	}
	c->tmp.pods.n = o;
	return 0;
}

static json_t *pods_load(struct pods_ctx *c, const char *buf, size_t len)
{
	if (!buf || len == 0) {
		pods_fail(c, NULL, "no output (empty input)");
		return NULL;
	}
	json_error_t je;
	json_t *root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
	if (!root) {
		char t[96];
		ct_esc_clip(t, sizeof(t), je.text, strnlen(je.text, sizeof(je.text)));
		if (json_error_code(&je) == json_error_premature_end_of_input)
			pods_fail(c, NULL, "truncated JSON: the input ends at line %d column %d",
				  je.line, je.column);
		else
			pods_fail(c, NULL, "invalid JSON at line %d column %d: %s", je.line,
				  je.column, t);
		return NULL;
	}
	if (!json_is_object(root)) {
		pods_fail(c, NULL, "expected a JSON object with items, got %s",
			  json_type_name(root));
		json_decref(root);
		return NULL;
	}
	return root;
}

static int pods_begin(struct pods_ctx *c, const char *prefix, const char *label,
		      struct ct_err *err)
{
	char v[CT_IFNAMSIZ];
	memset(c, 0, sizeof(*c));
	c->err = err;
	c->prefix = prefix ? prefix : PODS_DEFAULT_PREFIX;
	label = label ? label : "";
	ct_esc_clip(c->label, sizeof(c->label), label, strlen(label));
	ct_node_init(&c->tmp);
	if (ct_veth_name(c->prefix, "default", "pod", v, sizeof(v)) == 0)
		return 0;
	char e[48];
	ct_esc_clip(e, sizeof(e), c->prefix, strnlen(c->prefix, 64));
	return ct_err_set(err, CT_EXIT_USAGE,
			  "interface prefix '%s' cannot start a veth name: Calico adds 11 hex digits "
			  "and the name must fit 15 characters, so use 1 to 4 characters without "
			  "'/', ':' or blanks",
			  e);
}

/* Moves the parsed pods into the node, or drops them; returns rc. */
static int pods_end(struct pods_ctx *c, struct ct_node *n, int rc)
{
	if (rc == 0) {
		free(n->pods.v);
		n->pods = c->tmp.pods;
		memset(&c->tmp.pods, 0, sizeof(c->tmp.pods));
		n->have_pods = true;
	}
	ct_node_free(&c->tmp);
	return rc;
}

enum pods_fmt { PODS_KUBECTL, PODS_CRICTL, PODS_ANY };

static int pods_parse(struct ct_node *n, const char *buf, size_t len, const char *prefix,
		      const char *label, enum pods_fmt fmt, struct ct_err *err)
{
	struct pods_ctx c;
	if (pods_begin(&c, prefix, label, err) < 0)
		return pods_end(&c, n, -1);
	json_t *root = pods_load(&c, buf, len);
	if (!root)
		return pods_end(&c, n, -1);
	if (fmt == PODS_ANY) {
		json_t *items = json_object_get(root, "items");
		json_t *first = json_array_get(items, 0); /* NULL unless a non-empty array */
		fmt = PODS_KUBECTL;
		if (!json_object_get(root, "kind") && !json_object_get(root, "apiVersion") &&
		    json_is_object(first) &&
		    (json_object_get(first, "state") || json_object_get(first, "id")) &&
		    !json_object_get(first, "kind") && !json_object_get(first, "spec") &&
		    !json_object_get(first, "status"))
			fmt = PODS_CRICTL;
	}
	int rc = fmt == PODS_CRICTL ? crictl_root(&c, root) : kubectl_root(&c, root);
	json_decref(root);
	return pods_end(&c, n, rc);
}

int ct_pods_parse_kubectl(struct ct_node *n, const char *buf, size_t len, const char *prefix,
			  struct ct_err *err)
{
	return pods_parse(n, buf, len, prefix, "kubectl", PODS_KUBECTL, err);
}

int ct_pods_parse_crictl(struct ct_node *n, const char *buf, size_t len, const char *prefix,
			 struct ct_err *err)
{
	return pods_parse(n, buf, len, prefix, "crictl", PODS_CRICTL, err);
}

int ct_pods_parse_any(struct ct_node *n, const char *buf, size_t len, const char *prefix,
		      const char *label, struct ct_err *err)
{
	return pods_parse(n, buf, len, prefix, label, PODS_ANY, err);
}
