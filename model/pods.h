/* SPDX-License-Identifier: MIT */
/*
 * Pods as kubectl or crictl report them: pure parsers from JSON bytes into
 * ct_node.pods. No I/O, no printing (probes/pods_exec.c runs the commands).
 *
 * Every byte is untrusted. On success the node's pod list is replaced and
 * n->have_pods is set; on failure the node is left as it was and err holds one
 * line such as
 *   pods from 'kubectl': items[3].metadata.name: expected a string
 * with exit code CT_EXIT_GATHER (CT_EXIT_USAGE for an interface prefix that
 * cannot form a veth name).
 *
 * prefix is one interface prefix (the first entry of FELIX_INTERFACEPREFIX);
 * NULL means "cali". ct_pod.veth is the host-side interface Calico would create
 * for the pod; it is "" for hostNetwork pods, which have no veth.
 */
#ifndef CT_PODS_H
#define CT_PODS_H

#include <stdbool.h>
#include <stddef.h>

#include "model/err.h"
#include "model/model.h"

/*
 * `kubectl get pods -A -o json`: a List (or PodList) with items[]. Per item:
 * metadata.namespace and metadata.name (required), spec.nodeName,
 * spec.hostNetwork, status.phase, status.podIPs[].ip or else status.podIP
 * (optional: a Pending pod has neither node nor IPs). At most 4 IPs are kept.
 * Pods keep kubectl's order.
 */
int ct_pods_parse_kubectl(struct ct_node *n, const char *buf, size_t len, const char *prefix,
			  struct ct_err *err);

/*
 * `crictl pods -o json`: {"items":[{"id","metadata":{"name","namespace","uid"},
 * "state":"SANDBOX_READY"|"SANDBOX_NOTREADY","labels":{..}}]}. crictl lists only
 * this node's sandboxes and no IPs: node is "", n_ips is 0, host_network is
 * false (crictl pods does not say), phase is "Running" for SANDBOX_READY and
 * "NotReady" otherwise. A pod restarted in a new sandbox appears once, ready
 * sandbox first. Pods are sorted by namespace, then name.
 */
int ct_pods_parse_crictl(struct ct_node *n, const char *buf, size_t len, const char *prefix,
			 struct ct_err *err);

/*
 * Either format, told apart by its shape: crictl's has no top-level "kind" or
 * "apiVersion" and its first item has "state" or "id" but no "kind", "spec" or
 * "status"; anything else is read as kubectl's.
 * label names the source in messages: "pods from '<label>': ...".
 */
int ct_pods_parse_any(struct ct_node *n, const char *buf, size_t len, const char *prefix,
		      const char *label, struct ct_err *err);

/*
 * Kubernetes names (RFC 1123). A label (a namespace) is 1-63 of [a-z0-9-],
 * starting and ending alphanumeric; a subdomain (a pod or node name) is at most
 * 253 characters of dot-separated labels. Upper case is accepted because Calico
 * hashes whatever name it is given and its own test vector is "default.podA".
 */
bool ct_k8s_label_ok(const char *s, size_t len);
bool ct_k8s_subdomain_ok(const char *s);

#endif
