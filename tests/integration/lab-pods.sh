#!/bin/bash
# caltrace links with pods from kubectl JSON (a file, the kubectl stub, the crictl stub) on the
# lab: each cali interface is matched to its pod by Calico's naming rule (the lab names its
# veths with sha1sum, independently of caltrace), orphans and pods without a veth are flagged,
# and a hanging kubectl is killed at the deadline.
set -u -o pipefail
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd ip jq
need_caltrace

TMPD=$(mktemp -d /tmp/ct-pods.XXXXXX)
trap 'rm -rf "$TMPD"; lab_cleanup' EXIT
NODE=$(hostname)

lab_up vxlan || bail "lab up failed"
# lab_up sets its own EXIT trap; keep ours as well
trap 'rm -rf "$TMPD"; lab_cleanup' EXIT
# kubectl get pods -A -o json for the lab's pods; node 1's pods are on this node ($NODE)
pods_json() { # [skip K8S] [extra K8S]
	local skip=${1:-} extra=${2:-} i items=()
	for ((i = 1; i <= LAB_POD_COUNT; i++)); do
		local k8s v="LAB_POD_${i}_K8S" ip="LAB_POD_${i}_IP" node="LAB_POD_${i}_NODE"
		k8s=${!v}
		[ "$k8s" = "$skip" ] && continue
		local nodename="othernode"
		[ "${!node}" = 1 ] && nodename=$NODE
		items+=("$(jq -n --arg ns "${k8s%%/*}" --arg name "${k8s#*/}" --arg ip "${!ip}" --arg node "$nodename" \
			'{metadata:{namespace:$ns,name:$name},spec:{nodeName:$node},status:{phase:"Running",podIP:$ip,podIPs:[{ip:$ip}]}}')")
	done
	if [ -n "$extra" ]; then
		items+=("$(jq -n --arg ns "${extra%%/*}" --arg name "${extra#*/}" --arg node "$NODE" \
			'{metadata:{namespace:$ns,name:$name},spec:{nodeName:$node},status:{phase:"Running",podIP:"172.168.135.140"}}')")
	fi
	printf '%s\n' "${items[@]}" | jq -s '{apiVersion:"v1",kind:"List",items:.}'
}

# node 1's pods (index, k8s name, veth) from the lab
N1_PODS=()
for ((i = 1; i <= LAB_POD_COUNT; i++)); do
	v="LAB_POD_${i}_NODE"
	[ "${!v}" = 1 ] && N1_PODS+=("$i")
done
first=${N1_PODS[0]}
k="LAB_POD_${first}_K8S"; FIRST_K8S=${!k}
v="LAB_POD_${first}_VETH"; FIRST_VETH=${!v}

pods_json >"$TMPD/all.json"
out=$("$CALTRACE" -n "$LAB_N1" links -j --pods "$TMPD/all.json"); rc=$?
is "--pods FILE: healthy node, exit 0" "$rc" 0
for i in "${N1_PODS[@]}"; do
	k="LAB_POD_${i}_K8S"; v="LAB_POD_${i}_VETH"
	json_eq "--pods FILE: ${!v} belongs to ${!k}" "$out" ".items[] | select(.name == \"${!v}\") | .pod" "${!k}"
done

# a pod missing from the API (deleted, veth left behind) and a Running pod without a veth
pods_json "$FIRST_K8S" "default/ghost-1" >"$TMPD/orphan.json"
out=$("$CALTRACE" -n "$LAB_N1" links -j --pods "$TMPD/orphan.json"); rc=$?
is "orphans: exit 1" "$rc" 1
json_eq "orphans: $FIRST_VETH is an orphan_veth" "$out" \
	"[.findings[] | select(.code == \"orphan_veth\") | .subject] | join(\",\")" "$FIRST_VETH"
json_eq "orphans: default/ghost-1 is a pod_without_veth" "$out" \
	"[.findings[] | select(.code == \"pod_without_veth\") | .subject] | join(\",\")" "default/ghost-1"
json_eq "orphans: $FIRST_VETH shows no pod" "$out" ".items[] | select(.name == \"$FIRST_VETH\") | .pod" "null"

# through the kubectl stub on PATH
out=$(PATH="$TOP/tests/stubs:$PATH" CT_STUB_FIXTURE="$TMPD/all.json" "$CALTRACE" -n "$LAB_N1" links -j --pods kubectl); rc=$?
is "--pods kubectl (stub): exit 0" "$rc" 0
json_eq "--pods kubectl (stub): $FIRST_VETH belongs to $FIRST_K8S" "$out" \
	".items[] | select(.name == \"$FIRST_VETH\") | .pod" "$FIRST_K8S"

# a kubectl that never answers is killed at the deadline
mkdir -p "$TMPD/hang"
ln -s "$TOP/tests/stubs/kubectl-hang" "$TMPD/hang/kubectl"
# (timeout(1) only guards the suite: a hang shows as its 124, not as a timing threshold)
err=$(PATH="$TMPD/hang:$PATH" timeout 120 "$CALTRACE" -n "$LAB_N1" links --pods kubectl --timeout 1 2>&1 >/dev/null); rc=$?
is "hanging kubectl: exit 3 (not killed by the guard)" "$rc" 3
check "hanging kubectl: one line naming kubectl and the timeout" \
	bash -c '[ "$(printf "%s\n" "$1" | wc -l)" = 1 ] && [[ $1 == *kubectl* ]]' _ "$err"

done_testing
