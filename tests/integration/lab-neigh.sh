#!/bin/bash
# caltrace neigh in the lab's nodes and pods against `ip -j neigh show nud all` and
# `ip -j ntable`: the entries, the per-device totals, the table thresholds, and the pod's gateway
# entry for 169.254.1.1, healthy and then broken by the proxy_arp and nogw faults.
# The kernel's neighbour tables are global: their entry counts include every namespace on the
# machine, so this test checks thresholds, not counts or the findings about table pressure.
set -u -o pipefail
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd ip jq ping
need_caltrace

# "dev dst lladdr" per entry (no state: it moves on its own between two reads)
oracle_neigh() {
	ip -n "$1" -j neigh show nud all | jq -r '.[] |
		"\(.dev) \(.dst) \(if (.lladdr // "" | test("^([0-9a-f]{2}:){5}[0-9a-f]{2}$")) then .lladdr else "null" end)"' | sort
}
caltrace_neigh() { json_get "$1" '.items[] | "\(.dev) \(.dst) \(.lladdr)"' | sort; }
# caltrace's JSON in $out and the kernel's entries in $oracle, read before and after caltrace and
# equal: entries come and go on their own (IPv6 router solicitations, MLD) while a lab settles
snap() {
	local _ before
	for _ in 1 2 3 4 5; do
		before=$(oracle_neigh "$1")
		out=$("$CALTRACE" -n "$1" -j neigh)
		rc=$?
		oracle=$(oracle_neigh "$1")
		[ "$before" = "$oracle" ] && return 0
		sleep 0.5
	done
	diag "the neighbour entries of $1 kept changing; comparing with the last read"
}
caltrace_totals() { json_get "$1" '.devices[] | select(.total > 0) | "\(.dev) \(.total)"' | sort; }
oracle_thresh() { ip -n "$1" -j ntable show | jq -r '.[] | select(.dev == null) | "\(.name) \(.thresh1) \(.thresh2) \(.thresh3)"' | sort; }
caltrace_thresh() { json_get "$1" '.tables[] | "\(.name) \(.gc_thresh1) \(.gc_thresh2) \(.gc_thresh3)"' | sort; }
# the pod's entry for its gateway: "lladdr state", from the kernel and from caltrace
oracle_gw() { ip -n "$1" -j neigh show 169.254.1.1 dev eth0 nud all | jq -r '.[0] // {} | "\(.lladdr // "null") \((.state // ["null"])[0] | ascii_downcase)"'; }
caltrace_gw() { json_get "$1" '.gateway[] | select(.dst == "169.254.1.1") | "\(.lladdr) \(.state)"'; }
# findings other than the global table counts
own_findings() { json_get "$1" '[.findings[] | select(.code | startswith("neigh_table_") | not) | .code] | sort | join(",")'; }

for mode in $LAB_MODES; do
	lab_up "$mode" || {
		not_ok "$mode: lab up"
		continue
	}
	# traffic: every pod of n1 talks to a pod of each node, so there are entries to show
	for i in $LAB_N1_POD_IDS; do
		for d in "$LAB_POD_2_IP" "$LAB_POD_3_IP" "$LAB_POD_5_IP"; do pings "$(lab_var "LAB_POD_${i}_NS")" "$d"; done
	done
	for ns in "$LAB_N1" "$LAB_POD_1_NS"; do
		snap "$ns"
		json_eq "$mode: $ns neigh: one JSON document, command neigh" "$out" \
			'"\(.schema_version) \(.command) \(.node.netns)"' "1.0 neigh $ns"
		is "$mode: $ns neigh: no findings beyond global table counts" "$(own_findings "$out")" ""
		exit_agrees "$mode: $ns neigh: exit status as the findings say (table counts may warn)" "$rc" "$out"
		is "$mode: $ns neigh: every entry, as ip neigh show nud all lists them" \
			"$(caltrace_neigh "$out")" "$(cut -d' ' -f1-3 <<<"$oracle")"
		is "$mode: $ns neigh: per-device totals as the kernel's" \
			"$(caltrace_totals "$out")" "$(cut -d' ' -f1 <<<"$oracle" | uniq -c | awk '{print $2, $1}')"
		is "$mode: $ns neigh: table thresholds as ip ntable" \
			"$(caltrace_thresh "$out")" "$(oracle_thresh "$ns")"
	done
	out=$("$CALTRACE" -n "$LAB_POD_1_NS" -j neigh)
	rc=$?
	exit_agrees "$mode: web-1 neigh: exit status as the findings say" "$rc" "$out"
	is "$mode: web-1's gateway 169.254.1.1 resolved to ee:ee:ee:ee:ee:ee, as the kernel has it" \
		"$(caltrace_gw "$out")" "$(oracle_gw "$LAB_POD_1_NS")"
	ok_if "$mode: ... and the kernel has it as ee:ee:ee:ee:ee:ee" "$(oracle_gw "$LAB_POD_1_NS")" \
		grep -q '^ee:ee:ee:ee:ee:ee ' <<<"$(oracle_gw "$LAB_POD_1_NS")"

	# no proxy ARP answer for 169.254.1.1: the pod's gateway entry fails
	for f in proxy_arp nogw; do
		lab_fault "$f" on || not_ok "$mode: fault $f on"
		PING_WAIT=1 pings "$LAB_POD_1_NS" "$LAB_POD_3_IP"
		# the kernel gives up after ucast/mcast probes (about 3 s); wait until it says FAILED
		wait_until 30 sh -c "ip -n '$LAB_POD_1_NS' neigh show 169.254.1.1 dev eth0 nud all | grep -q FAILED"
		out=$("$CALTRACE" -n "$LAB_POD_1_NS" -j neigh)
		rc=$?
		is "$mode: fault $f: web-1's gateway entry as the kernel has it (failed)" \
			"$(caltrace_gw "$out")" "$(oracle_gw "$LAB_POD_1_NS")"
		is "$mode: fault $f: exit 1 and finding pod_gateway_failed" \
			"$rc $(json_get "$out" '[.findings[] | select(.code == "pod_gateway_failed")] | length > 0')" "1 true"
		# doctor in the pod names the same host-side cause as neigh (both ask the host's kernel)
		ev=$(json_get "$out" '[.findings[] | select(.code == "pod_gateway_failed")] | first | .evidence')
		out=$("$CALTRACE" -n "$LAB_POD_1_NS" -j doctor)
		rc=$?
		is "$mode: fault $f: doctor in the pod: pod_gateway_failed with neigh's evidence" \
			"$rc $(json_get "$out" '[.findings[] | select(.code == "pod_gateway_failed")] | first | .evidence')" "1 $ev"
		lab_fault "$f" off || not_ok "$mode: fault $f off"
		pings "$LAB_POD_1_NS" "$LAB_POD_3_IP"
		out=$("$CALTRACE" -n "$LAB_POD_1_NS" -j neigh)
		rc=$?
		exit_agrees "$mode: fault $f off: exit status as the findings say" "$rc" "$out"
		is "$mode: fault $f off: gateway resolved again, no findings beyond table counts" \
			"$(caltrace_gw "$out") $(own_findings "$out")" "$(oracle_gw "$LAB_POD_1_NS") "
	done
	lab_down
done

done_testing
