#!/bin/bash
# The kernel's forwarding decision against the model's own lookup (model/lookup.c), on every
# ordered pair of pods of every lab mode (LAB_MODES, default "bgp vxlan"), IPv4 and IPv6, on the
# healthy lab and under the faults that change the lookup (shadow, shadowrule, route, calidown,
# nogw, noforward). A snapshot (`caltrace -n NODE snapshot`) stands for what caltrace would
# know of a node it cannot reach live: the two answers must agree.
#
# For a pair (pod i on node A, pod j on node B), the lookups asked of each node the packet
# crosses:
#   node A: `DST from SRC iif caliA` (the packet arriving from pod i), and `DST` (node A's own
#           output lookup); and for each of its pods `169.254.1.1 from SRC iif caliA`, the
#           lookup behind the proxy ARP answer for the pod's gateway, and `DB3 from GW iif
#           caliA` (prod/db-3's address from the underlay's gateway: a source that is not the
#           pod's, for the reverse-path check);
#   node B, when B is not A: `DST from SRC iif IIF` with IIF the device the packet arrives on
#           there (eth0 in BGP modes, vxlan.calico, tunl0; for IPv6, which crosses nodes too:
#           vxlan-v6.calico in vxlan mode, eth0 in the others), and `DST`.
# Each node's queries go, in one process each, to the kernel (`ip -j -force -batch`: `route get
# ARGS` and `route get fibmatch ARGS`, in the node's namespace) and to the model (rtnltool batch
# on the node's snapshot). They agree when
#   - the kernel refuses: the model gives the same errno (EXDEV, a reverse-path failure before
#     Linux 6.13, is the model's EINVAL for a reverse-path failure);
#   - the kernel answers: the model names the route fibmatch names (type, prefix, table,
#     metric: for routes of equal prefix and metric, the kernel's dump order decides, so a
#     prepended blackhole wins) and, for a unicast route, the next hop `route get` chose
#     (gateway and device) is one of that route's next hops (ECMP).
# (IPv6 having neither a reverse-path check nor forwarding in the lookup is the kernel's rule the
# model follows: noforward and calidown exercise it.) Each fault must also change at least one
# kernel answer, so the queries do reach what the fault breaks. Last, three states of this
# test's own: n1 reaches half of n2's block over two next hops (ecmp), and web-1's cali in loose
# rp_filter mode without an address (loose: the kernel still refuses a source reached through
# eth0) and with one (looseaddr: it lets it pass). AGREE_KEEP=1 keeps the queries, snapshots
# and answers in /tmp/ct-agree.* for a look.
. "$(dirname "$0")/../lib.sh"
set -u -o pipefail
need_root
need_cmd ip jq awk
need_caltrace

TOOL=$(need_tool rtnltool) || bail "build tests/tools/rtnltool.c" "$TOOL"
TMPD=$(mktemp -d /tmp/ct-agree.XXXXXX) || bail "mktemp"
[ -n "${AGREE_KEEP:-}" ] || at_exit "rm -rf '$TMPD'"

FAULTS="shadow shadowrule route calidown nogw noforward"

# the device a packet from another node arrives on, per mode and family (4, 6): IPv6 crosses
# vxlan-v6.calico in vxlan mode, and the underlay natively in the others (tunl0 has no IPv6)
in_dev() {
	case "$1/$2" in
	bgp*) echo eth0 ;;
	vxlan/6) echo vxlan-v6.calico ;;
	vxlan/*) echo vxlan.calico ;;
	ipip/6) echo eth0 ;;
	ipip/*) echo tunl0 ;;
	esac
}

# queries K MODE: node K's queries, one a line (rtnltool's and `ip route get`'s words), each once
queries() {
	local k=$1 mode=$2 i j a b src dst fam
	for i in $(seq "$LAB_POD_COUNT"); do
		# the pod's gateway (the node proxy-answers ARP for it only when this lookup
		# succeeds), and a packet with a source that is not the pod's (the underlay's
		# gateway, reached through eth0): the reverse-path check, strict or loose, refuses
		# it on a cali interface, which has no address
		if [ "$(lab_var "LAB_POD_${i}_NODE")" = "$k" ]; then
			echo "169.254.1.1 from $(lab_var "LAB_POD_${i}_IP") iif $(lab_var "LAB_POD_${i}_VETH")"
			echo "$LAB_POD_6_IP from $LAB_GW iif $(lab_var "LAB_POD_${i}_VETH")"
		fi
		for j in $(seq "$LAB_POD_COUNT"); do
			[ "$i" = "$j" ] && continue
			a=$(lab_var "LAB_POD_${i}_NODE")
			b=$(lab_var "LAB_POD_${j}_NODE")
			for fam in "" 6; do
				src=$(lab_var "LAB_POD_${i}_IP$fam")
				dst=$(lab_var "LAB_POD_${j}_IP$fam")
				[ -n "$src" ] && [ -n "$dst" ] || continue
				if [ "$a" = "$k" ]; then
					echo "$dst from $src iif $(lab_var "LAB_POD_${i}_VETH")"
					echo "$dst"
				elif [ "$b" = "$k" ]; then
					echo "$dst from $src iif $(in_dev "$mode" "${fam:-4}")"
					echo "$dst"
				fi
			done
		done
	done | awk '!seen[$0]++'
}

# kernel_answers NS QFILE OUT: one line per query, "err=ERRNO" or "type=T dst=PREFIX table=N
# metric=N via=GW@DEV", from one `ip -batch` of route get and route get fibmatch per query
kernel_answers() {
	local ns=$1 q=$2 out=$3
	awk '{ print "route get " $0; print "route get fibmatch " $0 }' "$q" >"$out.batch"
	ip -n "$ns" -j -force -batch "$out.batch" >"$out.stdout" 2>"$out.stderr"
	# each successful command prints one JSON line; a failed one, its message and then
	# "Command failed FILE:LINE" on stderr
	jq -rc '.[0] | [(.type // "unicast"), .dst, (.table // "main"), (.metric // 0),
		(.gateway // "-"), (.dev // "-")] | @tsv' "$out.stdout" >"$out.tsv" || return 1
	awk -F'\t' -v errs="$out.stderr" -v nq="$(wc -l <"$q")" '
	function errno(m) {
		sub(/^RTNETLINK answers: /, "", m); sub(/^Error: /, "", m)
		if (m == "Invalid argument") return "EINVAL"
		if (m == "No route to host") return "EHOSTUNREACH"
		if (m == "Permission denied") return "EACCES"
		if (m == "Network is unreachable") return "ENETUNREACH"
		if (m == "Invalid cross-device link") return "EXDEV"
		gsub(/ /, "_", m); return "other(" m ")"
	}
	function pfx(d, fam) {
		if (d == "default" || d ~ /\//) return d
		return d (d ~ /:/ ? "/128" : "/32")
	}
	function tbl(t) { return t == "main" ? 254 : t == "local" ? 255 : t == "default" ? 253 : t }
	BEGIN {
		prev = ""
		while ((getline l < errs) > 0) {
			if (l ~ /^Command failed .*:[0-9]+$/) {
				n = l; sub(/.*:/, "", n); failed[n + 0] = errno(prev)
			}
			prev = l
		}
		line = 0
	}
	{ ok[++line] = $0 }
	END {
		s = 0
		for (c = 1; c <= 2 * nq; c++) {
			if (c in failed) { res[c] = "err=" failed[c]; continue }
			res[c] = ok[++s]
		}
		if (s != line) { print "kernel_answers: " line " answers for " s " commands" > "/dev/stderr"; exit 1 }
		for (i = 1; i <= nq; i++) {
			g = res[2 * i - 1]; f = res[2 * i]
			if (g ~ /^err=/) { print g; continue }
			if (f ~ /^err=/) { print "fibmatch_" f; continue }
			split(g, G, "\t"); split(f, F, "\t")
			printf "type=%s dst=%s table=%s metric=%s via=%s@%s\n", F[1], pfx(F[2]),
				tbl(F[3]), F[4], G[5], G[6]
		}
	}' "$out.tsv"
}

# compare QFILE KERNEL MODEL: per query "agree" or "DISAGREE", then the query and both answers
compare() {
	paste -d'|' "$1" "$2" "$3" | awk -F'|' '
	{
		q = $1; k = $2; m = $3
		delete M; delete K
		n = split(m, w, " "); for (x = 1; x <= n; x++) { split(w[x], kv, "="); M[kv[1]] = substr(w[x], length(kv[1]) + 2) }
		n = split(k, w, " "); for (x = 1; x <= n; x++) { split(w[x], kv, "="); K[kv[1]] = substr(w[x], length(kv[1]) + 2) }
		good = 0
		if (k ~ /^err=/) {
			good = M["err"] == K["err"] || (K["err"] == "EXDEV" && M["err"] == "EINVAL" && M["why"] == "reverse_path")
		} else if (k ~ /^type=/) {
			good = M["err"] == "0" && M["type"] == K["type"] && M["dst"] == K["dst"] &&
				M["table"] == K["table"] && M["metric"] == K["metric"]
			if (good && K["type"] == "unicast")
				good = index("," M["nh"] ",", "," K["via"] ",") > 0
		}
		printf "%s\t%s\tkernel: %s\tmodel: %s\n", good ? "agree" : "DISAGREE", q, k, m
	}'
}

# check_state MODE STATE: every node's queries, kernel against model; one TAP line per node
# and family; the kernel's answers kept in $TMPD/MODE-STATE-nK.k
check_state() {
	local mode=$1 state=$2 k ns base out rc fam n bad sel
	for k in 1 2 3; do
		ns=$(lab_var "LAB_N$k")
		base=$TMPD/$mode-$state-n$k
		[ -s "$TMPD/$mode-n$k.q" ] || queries "$k" "$mode" >"$TMPD/$mode-n$k.q"
		cp "$TMPD/$mode-n$k.q" "$base.q"
		out=$("$CALTRACE" -n "$ns" snapshot -o "$base.snap" 2>&1)
		rc=$?
		if [ "$rc" != 0 ]; then
			not_ok "$mode $state: caltrace -n $ns snapshot" "exit $rc: $out"
			continue
		fi
		"$TOOL" batch "$base.snap" "$base.q" >"$base.m" 2>"$base.merr"
		rc=$?
		if [ "$rc" != 0 ] || [ "$(wc -l <"$base.m")" != "$(wc -l <"$base.q")" ]; then
			not_ok "$mode $state: rtnltool batch on n$k" "exit $rc: $(cat "$base.merr")"
			continue
		fi
		if ! kernel_answers "$ns" "$base.q" "$base.kraw" >"$base.k" 2>"$base.kerr" ||
			[ "$(wc -l <"$base.k")" != "$(wc -l <"$base.q")" ]; then
			not_ok "$mode $state: the kernel's answers on n$k" "$(cat "$base.kerr")"
			continue
		fi
		compare "$base.q" "$base.k" "$base.m" >"$base.cmp"
		for fam in 4 6; do
			# the family by the destination's words
			sel='{ split($2, w, " "); v6 = index(w[1], ":") > 0 } (f == 6) == v6'
			n=$(awk -F'\t' -v f="$fam" "$sel" "$base.cmp" | wc -l)
			[ "$n" -gt 0 ] || continue
			bad=$(awk -F'\t' -v f="$fam" "$sel"' && $1 != "agree"' "$base.cmp")
			if [ -z "$bad" ]; then
				ok "$mode $state: n$k IPv$fam: kernel and model agree on $n lookups"
			else
				not_ok "$mode $state: n$k IPv$fam: kernel and model agree on $n lookups" "$bad"
			fi
		done
	done
}

# loose on|off: a test-local change: rp_filter 2 (loose) on web-1's cali, where Felix sets 1;
# looseaddr on|off: the same, and the cali gets an address (192.0.2.1/32), so that loose mode
# lets a source reached through another device pass
loose() {
	local v=1 out
	[ "$1" = on ] && v=2
	out=$(ip netns exec "$LAB_N1" sysctl -q -w "net.ipv4.conf.$LAB_POD_1_VETH.rp_filter=$v" 2>&1) || {
		diag "loose $1: $out"
		return 1
	}
}
looseaddr() {
	local out
	loose "$1" || return 1
	out=$(ip -n "$LAB_N1" addr "$([ "$1" = on ] && echo add || echo del)" 192.0.2.1/32 \
		dev "$LAB_POD_1_VETH" 2>&1) || {
		diag "looseaddr $1: $out"
		return 1
	}
}

# the kernel's answer on n1 to web-1's packet from the underlay's gateway, in STATE
spoofed_answer() {
	paste -d'|' "$TMPD/$1-$2-n1.q" "$TMPD/$1-$2-n1.k" |
		grep -F "$LAB_POD_6_IP from $LAB_GW iif $LAB_POD_1_VETH|" | cut -d'|' -f2
}

# ecmp on|off: a test-local change, not a lab fault: on n1, a route for the first half of n2's
# block (web-2 and db-2) with two next hops, n2 and n3, the way the mode reaches a node; proto
# static, which BIRD leaves alone. The kernel hashes each flow to one of them.
ecmp() {
	local hop2 hop3 dev pfx=${LAB_N2_BLOCK%/*}/27 out
	case "$LAB_MODE" in
	bgp | bgp2) hop2=$LAB_N2_IP hop3=$LAB_N3_IP dev=eth0 ;;
	*) hop2=$LAB_N2_TUN_IP hop3=$LAB_N3_TUN_IP dev=$LAB_N1_TUN_DEV ;;
	esac
	[ "$LAB_MODE" = ipip ] && hop2=$LAB_N2_IP hop3=$LAB_N3_IP
	if [ "$1" = on ]; then
		out=$(ip -n "$LAB_N1" route replace "$pfx" proto static nexthop via "$hop2" dev "$dev" onlink \
			nexthop via "$hop3" dev "$dev" onlink 2>&1)
	else
		out=$(ip -n "$LAB_N1" route del "$pfx" proto static 2>&1)
	fi || {
		diag "ecmp $1: $out"
		return 1
	}
}

# the fault changed at least one of the kernel's answers on its node (n1)
check_fault_seen() {
	local mode=$1 f=$2 d
	d=$(paste -d'|' "$TMPD/$mode-healthy-n1.q" "$TMPD/$mode-healthy-n1.k" |
		diff - <(paste -d'|' "$TMPD/$mode-$f-n1.q" "$TMPD/$mode-$f-n1.k") | grep -c '^>')
	if [ "${d:-0}" -gt 0 ]; then
		ok "$mode $f: the fault changes $d of the kernel's answers on n1"
	else
		not_ok "$mode $f: the fault changes the kernel's answers on n1" "no answer changed"
	fi
}

# cross6 MODE: on every node, the kernel forwards each pod's IPv6 packet to every pod of the
# other nodes (a unicast route, no error) and its lookups, checked above, cross nodes: the lab
# programs IPv6 between nodes
cross6() {
	local mode=$1 k blk n bad
	[ -n "$LAB_POD_1_IP6" ] || return 0
	for k in 1 2 3; do
		blk=$(lab_var "LAB_N${k}_BLOCK6")
		blk=${blk%%::/*}:
		n=$(paste -d'|' "$TMPD/$mode-healthy-n$k.q" "$TMPD/$mode-healthy-n$k.k" |
			awk -F'|' -v b="$blk" '{ split($1, w, " ") } w[1] ~ /:/ && index(w[1], b) != 1 && $1 ~ / iif cali/' |
			tee "$TMPD/$mode-cross6-n$k" | wc -l)
		bad=$(grep -v '|type=unicast ' "$TMPD/$mode-cross6-n$k")
		if [ "$n" -ge 8 ] && [ -z "$bad" ]; then
			ok "$mode: n$k forwards its pods' IPv6 packets to the other nodes' pods ($n pairs, kernel)"
		else
			not_ok "$mode: n$k forwards its pods' IPv6 packets to the other nodes' pods" "$n pairs; refused: $bad"
		fi
	done
}

for mode in ${LAB_MODES:-bgp vxlan}; do
	t0=$(now_ms)
	if ! lab_up "$mode"; then
		not_ok "$mode: lab up"
		continue
	fi
	check_state "$mode" healthy
	cross6 "$mode"
	for f in $FAULTS; do
		if ! lab_fault "$f" on; then
			not_ok "$mode: fault $f on"
			continue
		fi
		check_state "$mode" "$f"
		check_fault_seen "$mode" "$f"
		lab_fault "$f" off || not_ok "$mode: fault $f off"
	done
	for f in ecmp loose looseaddr; do
		if ! "$f" on; then
			not_ok "$mode: $f on"
			continue
		fi
		check_state "$mode" "$f"
		case "$f" in
		loose) is "$mode loose: the kernel refuses web-1's packet from $LAB_GW in loose mode too (its cali has no address)" \
			"$(spoofed_answer "$mode" loose)" err=EINVAL ;;
		looseaddr)
			check_fault_seen "$mode" "$f"
			is "$mode looseaddr: the kernel forwards web-1's packet from $LAB_GW once its cali has an address" \
				"$(spoofed_answer "$mode" looseaddr | cut -d' ' -f1)" type=unicast
			;;
		*) check_fault_seen "$mode" "$f" ;;
		esac
		"$f" off || not_ok "$mode: $f off"
	done
	lab_down
	diag "$mode: $(($(now_ms) - t0)) ms (lab up and down included)"
done

done_testing
