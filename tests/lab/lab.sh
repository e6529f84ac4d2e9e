#!/bin/bash
# A Calico-like three-node Kubernetes network in network namespaces, for caltrace's tests.
#
# usage: lab.sh up MODE [PREFIX]       MODE: bgp | bgp2 | vxlan | ipip
#        lab.sh down [PREFIX]
#        lab.sh env [PREFIX]           shell assignments describing the lab (eval them)
#        lab.sh fault NAME on|off [PREFIX]
#                   NAME: proxy_arp route calidown nogw noforward denypolicy pinpeer shadow
#                   shadowrule; podmtu peernotallowed (vxlan, ipip); badgw (vxlan); encapdrop;
#                   birdkill peerdisable badas asymrp (bgp, bgp2); bird6kill (bgp with IPv6)
#        lab.sh list                   prefixes of the labs that are up
#
# Everything the lab creates carries PREFIX (letters, digits, '-', at most 13 characters;
# default for `up`: ctlab<pid>-): the namespaces ${P}sw, ${P}n1..${P}n3, ${P}n<k>-<pod>, the
# switch ports and bridge inside ${P}sw, and the state folder $LAB_RUN/${P} (pid files, BIRD
# configurations, logs and control sockets). Addresses, routes and sysctls are set only inside
# those namespaces; the host's network namespace is never touched, and nothing routes out of
# the lab. `down` removes exactly those names and the processes the lab started, and works on
# a half-built lab too. See tests/lab/README.md.
#
# The nodes file $LAB_RUN/${P}/nodes (LAB_NODES_FILE in `env`), written at `up` once the lab
# works and removed at `down`: '#' comment lines, then one line per node, as caltrace's
# `--nodes FILE` reads it: `NAME NETNS [bird=SOCKET]`, e.g. `n1 ${P}n1 bird=$LAB_RUN/${P}/bird-n1.ctl`
# (bird= only in the modes that run BIRD: that node's control socket).
#
# Environment: LAB_RUN (state folders, default /run/caltrace-lab), TUNENCAP (the encapsulator
# for ipip mode, default build/tests/tunencap, built with make when missing), LAB_IPV6 (0 turns
# off the pods' IPv6 addresses), LAB_BGP_TIMEOUT (seconds, default 30), LAB_KEEP=1 (keep a
# lab whose `up` failed, for debugging), LAB_QUIET=1, LAB_BIRD2_CACHE (where mode bgp2 keeps
# the bird2 .deb and its extracted tree, default /var/cache/caltrace-lab), LAB_BIRD2_ROOT (an
# extracted bird2 package to use instead: ROOT/usr/sbin/bird and birdc).
set -eu
set -o pipefail

LAB_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LAB_TOP=$(cd "$LAB_HERE/../.." && pwd)
LAB_RUN=${LAB_RUN:-/run/caltrace-lab}
TUNENCAP=${TUNENCAP:-$LAB_TOP/build/tests/tunencap}
LAB_BGP_TIMEOUT=${LAB_BGP_TIMEOUT:-30}
LAB_BIRD2_CACHE=${LAB_BIRD2_CACHE:-/var/cache/caltrace-lab}

# ---------------------------------------------------------------- topology (fixed)
GW=192.168.31.1 # on the switch's bridge: the nodes' default gateway
UNDERLAY_PLEN=24
POOL=172.168.0.0/16
POOL6=fd00:172:168::/48
AS=64512
VNI=4096
VXLAN_PORT=4789
CALI_MAC=ee:ee:ee:ee:ee:ee
CALI_LL6=fe80::ecee:eeff:feee:eeee # the cali side's link-local address (from CALI_MAC)
NODES="1 2 3"
# index 0 unused
NODE_IP=(- 192.168.31.201 192.168.31.202 192.168.31.203)
NODE_MAC=(- 02:42:c0:a8:1f:c9 02:42:c0:a8:1f:ca 02:42:c0:a8:1f:cb)
NODE_BLOCK=(- 172.168.135.128/26 172.168.195.0/26 172.168.61.64/26)
NODE_TUN_IP=(- 172.168.135.128 172.168.195.0 172.168.61.64) # vxlan.calico / tunl0 address
NODE_VTEP_MAC=(- 66:ca:1c:87:80:01 66:ca:1c:c3:00:02 66:ca:1c:3d:40:03)
NODE_BLOCK6=(- fd00:172:168:1::/122 fd00:172:168:2::/122 fd00:172:168:3::/122)
# IPv6 (when on): the nodes' underlay addresses on eth0, and in vxlan mode Felix's second VTEP
# vxlan-v6.calico (VNI 4096, port 4790, IPv6 underlay, MTU 1430: 70 bytes of overhead), the
# block's first address /128 on it, its own MAC per node
UNDERLAY6_PLEN=64
NODE_IP6=(- fd00:192:168:31::201 fd00:192:168:31::202 fd00:192:168:31::203)
NODE_TUN_IP6=(- fd00:172:168:1:: fd00:172:168:2:: fd00:172:168:3::)
NODE_VTEP_MAC6=(- 66:ca:1c:87:86:01 66:ca:1c:c3:06:02 66:ca:1c:3d:46:03)
VXLAN6_PORT=4790
VXLAN6_DEV=vxlan-v6.calico
PODS="1 2 3 4 5 6"
POD_NODE=(- 1 1 2 2 3 3)
POD_K8S=(- default/web-1 default/db-1 default/web-2 default/db-2 default/web-3 prod/db-3)
POD_IP=(- 172.168.135.130 172.168.135.131 172.168.195.12 172.168.195.13 172.168.61.66 172.168.61.67)
POD_IP6=(- fd00:172:168:1::2 fd00:172:168:1::3 fd00:172:168:2::2 fd00:172:168:2::3
	fd00:172:168:3::2 fd00:172:168:3::3)
FAULT_POD=1 # faults on a workload hit n1's first pod (default/web-1)
FAULT_BADGW=172.168.9.9           # badgw: a gateway that is no node
FAULT_PIN_MAC=02:00:00:00:00:99     # pinpeer: the wrong MAC
FAULT_BIRD_NODE=2   # birdkill: n2's BIRD dies (bird6kill: n2's bird6)
FAULT_DISABLE_NODE=1 # peerdisable: n1 disables its session to ...
FAULT_DISABLE_PEER=2 # ... n2
FAULT_BADAS_NODE=3  # badas: n3 expects ...
FAULT_BADAS_PEER=1  # ... n1 to be in ...
BAD_AS=64513        # ... this AS
BGP_FAULTS="birdkill peerdisable badas bird6kill"
# asymrp: a second underlay link between n1 and n2 (eth1 in both, addresses inside the lab), n2's
# route back to the first half of n1's block (web-1 and db-1) over it, strict rp_filter on n2
ASYM_NET=192.168.32
ASYM_A=1 # the pods of this node send ...
ASYM_B=2 # ... to this node, whose return leaves by eth1

# ---------------------------------------------------------------- helpers
say() { [ "${LAB_QUIET:-0}" = 1 ] || echo "lab: $*" >&2; }
die() {
	echo "lab: $*" >&2
	exit "${DIE_RC:-1}"
}
usage() {
	sed -n '3,11s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2
	exit 2
}
now_ms() { date +%s%3N; }

check_prefix() {
	case "$1" in
	"" | *[!A-Za-z0-9-]* | -*) DIE_RC=2 die "bad prefix '$1' (letters, digits and '-', not starting with '-')" ;;
	esac
	[ "${#1}" -le 13 ] || DIE_RC=2 die "prefix '$1' is longer than 13 characters (interface names)"
}

# names, all derived from the prefix P
sw_ns() { echo "${P}sw"; }
node_ns() { echo "${P}n$1"; }
pod_name() { echo "${POD_K8S[$1]#*/}"; }
pod_k8s_ns() { echo "${POD_K8S[$1]%%/*}"; }
pod_ns() { echo "${P}n${POD_NODE[$1]}-$(pod_name "$1")"; }
# Calico's host-side name: "cali" + the first 11 hex digits of SHA-1("<namespace>.<pod>")
pod_veth() {
	local h
	h=$(printf '%s' "$(pod_k8s_ns "$1").$(pod_name "$1")" | sha1sum)
	echo "cali${h:0:11}"
}
lab_dir() { echo "$LAB_RUN/$P"; }
nodes_file() { echo "$LAB_RUN/$P/nodes"; }
# every namespace the lab may create, in teardown order (pods, nodes, switch, scratch)
all_ns() {
	local i k
	for i in $PODS; do pod_ns "$i"; done
	for k in $NODES; do node_ns "$k"; done
	sw_ns
	echo "${P}scratch"
}
ns_exists() { [ -e "/run/netns/$1" ] || ip netns list 2>/dev/null | awk '{print $1}' | grep -qxF "$1"; }

# sysctls inside a namespace: ns_sysctl NS path/under/proc/sys=value ...
ns_sysctl() {
	local ns=$1
	shift
	# shellcheck disable=SC2016 # expanded by the inner shell
	ip netns exec "$ns" sh -c 'for kv do
		printf "%s\n" "${kv#*=}" >"/proc/sys/${kv%%=*}" || { echo "cannot set ${kv}" >&2; exit 1; }
	done' sh "$@"
}

# a pid the lab started: alive and its command line names this lab's state folder
pid_ours() {
	local pid=$1
	case "$pid" in "" | *[!0-9]*) return 1 ;; esac
	[ -r "/proc/$pid/cmdline" ] || return 1
	tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF "$(lab_dir)/"
}

# alive and not a zombie (a daemon's zombie lingers until its reaper gets to it)
pid_alive() {
	local st
	st=$(sed -n 's/^State:[[:space:]]*\([A-Z]\).*/\1/p' "/proc/$1/status" 2>/dev/null) || return 1
	[ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

# IPv6 for the pods: decided at `up` (LAB_IPV6, kernel support), recorded in the state folder
ipv6_on() {
	if [ -f "$(lab_dir)/ipv6" ]; then
		[ "$(cat "$(lab_dir)/ipv6")" = 1 ]
	else
		[ "${LAB_IPV6:-1}" = 1 ] && [ -d /proc/sys/net/ipv6 ]
	fi
}
v6() { if ipv6_on; then echo "$1"; fi; } # an IPv6 value, or nothing when IPv6 is off

mode_of() { cat "$(lab_dir)/mode" 2>/dev/null || true; }

# ---------------------------------------------------------------- BIRD
# Mode bgp runs the system's BIRD 1.6 (`bird`, `birdc` on PATH); mode bgp2 runs BIRD 2 from an
# extracted bird2 package (Debian's bird2 conflicts with bird, so it is never installed). `up`
# records the daemon and client it chose in the state folder, for `fault` and `env`.
bird_cfg() { echo "$(lab_dir)/bird-n$1.cfg"; }
bird_sock() { echo "$(lab_dir)/bird-n$1.ctl"; }
bird_pidfile() { echo "$(lab_dir)/bird-n$1.pid"; }
lab_bird() { cat "$(lab_dir)/bird-bin" 2>/dev/null || command -v bird; }
lab_birdc() { cat "$(lab_dir)/birdc-bin" 2>/dev/null || command -v birdc; }
is_bgp_mode() { case "$1" in bgp | bgp2) return 0 ;; *) return 1 ;; esac; }

# bird2_tree: prints the root of a working extracted bird2 package (ROOT/usr/sbin/bird), after
# downloading (`apt-get download bird2`) and extracting it into $LAB_BIRD2_CACHE when needed.
# Dies with exit 3 and the reason when it cannot.
bird2_tree() {
	local root cache=$LAB_BIRD2_CACHE deb tmp out
	if [ -n "${LAB_BIRD2_ROOT:-}" ]; then
		root=$LAB_BIRD2_ROOT
	else
		root=$cache/bird2
		command -v dpkg-deb >/dev/null || DIE_RC=3 die "mode bgp2 needs dpkg-deb to unpack bird2"
		mkdir -p "$cache" || DIE_RC=3 die "cannot create $cache (LAB_BIRD2_CACHE)"
		# one download at a time, whatever the number of labs coming up
		exec 9>"$cache/.lock"
		flock 9
		if [ ! -x "$root/usr/sbin/bird" ]; then
			deb=$(find "$cache" -maxdepth 1 -name 'bird2_*.deb' 2>/dev/null | sort | tail -n 1)
			if [ -z "$deb" ]; then
				say "mode bgp2: downloading bird2 into $cache (apt-get download)"
				command -v apt-get >/dev/null || DIE_RC=3 die "mode bgp2 needs BIRD 2: no apt-get to download bird2"
				out=$(cd "$cache" && timeout 120 apt-get download -q -o APT::Sandbox::User=root \
					-o Acquire::Retries=0 -o Acquire::http::Timeout=15 bird2 2>&1) ||
					DIE_RC=3 die "mode bgp2 needs BIRD 2, and 'apt-get download bird2' failed (no network to the Debian mirror? put a bird2_*.deb into $cache, or set LAB_BIRD2_ROOT to an extracted one): $(tail -n 2 <<<"$out" | xargs)"
				deb=$(find "$cache" -maxdepth 1 -name 'bird2_*.deb' | sort | tail -n 1)
				[ -n "$deb" ] || DIE_RC=3 die "mode bgp2: apt-get download bird2 left no bird2_*.deb in $cache"
			fi
			tmp=$(mktemp -d "$cache/unpack.XXXXXX")
			dpkg-deb -x "$deb" "$tmp" || {
				rm -rf "$tmp" "$deb" # a broken download: fetch it again next time
				DIE_RC=3 die "mode bgp2: cannot unpack $deb (removed)"
			}
			rm -rf "$root"
			mv "$tmp" "$root"
		fi
		flock -u 9
		exec 9>&-
	fi
	[ -x "$root/usr/sbin/bird" ] && [ -x "$root/usr/sbin/birdc" ] ||
		DIE_RC=3 die "mode bgp2: no usr/sbin/bird and usr/sbin/birdc under $root"
	out=$("$root/usr/sbin/bird" --version 2>&1) ||
		DIE_RC=3 die "mode bgp2: $root/usr/sbin/bird does not run (it needs libssh-gcrypt-4: apt-get install libssh-gcrypt-4, or make deps): $(head -n 2 <<<"$out" | xargs)"
	case "$out" in
	"BIRD version 2."*) ;;
	*) DIE_RC=3 die "mode bgp2: $root/usr/sbin/bird is not BIRD 2 ('$out')" ;;
	esac
	echo "$root"
}

# bird_write_cfg K [BADPEER]: node K's configuration from the mode's template; with BADPEER,
# the mesh session to that node expects AS $BAD_AS instead of $AS (fault badas)
bird_write_cfg() {
	local k=$1 bad=${2:-} r mesh="" tmpl as
	for r in $NODES; do
		[ "$r" = "$k" ] && continue
		as=$AS
		[ "$r" = "$bad" ] && as=$BAD_AS
		mesh+="
# For peer /host/node$r/ip_addr_v4
protocol bgp Mesh_${NODE_IP[$r]//./_} from bgp_template {
  neighbor ${NODE_IP[$r]} as $as;
  source address ${NODE_IP[$k]};  # The local address we use for the TCP connection"
		# Calico's template: {{if gt \$onode_ip \$node_ip}} passive on; {{end}}, a string
		# comparison; the node with the lower address waits, the higher one connects.
		if [[ "${NODE_IP[$r]}" > "${NODE_IP[$k]}" ]]; then
			mesh+="
  passive on; # Mesh is unidirectional, peer will connect to us."
		fi
		mesh+="
  graceful restart time 120;
}
"
	done
	case "$(mode_of)" in
	bgp2) tmpl=$(<"$LAB_HERE/bird2.cfg.in") ;;
	*) tmpl=$(<"$LAB_HERE/bird.cfg.in") ;;
	esac
	tmpl=${tmpl//@NODE@/n$k}
	tmpl=${tmpl//@NODE_IP@/${NODE_IP[$k]}}
	tmpl=${tmpl//@BLOCK@/${NODE_BLOCK[$k]}}
	tmpl=${tmpl//@POOL@/$POOL}
	tmpl=${tmpl//@AS@/$AS}
	tmpl=${tmpl//@LOG@/$(lab_dir)/bird-n$k.log}
	tmpl=${tmpl//@MESH@/$mesh}
	printf '%s\n' "$tmpl" >"$(bird_cfg "$k").tmp"
	"$(lab_bird)" -p -c "$(bird_cfg "$k").tmp" || die "BIRD rejects $(bird_cfg "$k").tmp"
	mv "$(bird_cfg "$k").tmp" "$(bird_cfg "$k")"
}

bird_start() {
	local k=$1 i
	rm -f "$(bird_pidfile "$k")"
	ip netns exec "$(node_ns "$k")" "$(lab_bird)" -c "$(bird_cfg "$k")" -s "$(bird_sock "$k")" \
		-P "$(bird_pidfile "$k")" </dev/null >>"$(lab_dir)/bird-n$k.log" 2>&1 ||
		die "BIRD did not start in $(node_ns "$k") (see $(lab_dir)/bird-n$k.log)"
	for i in $(seq 50); do
		[ -s "$(bird_pidfile "$k")" ] && return 0
		sleep 0.1
	done
	die "BIRD in $(node_ns "$k") wrote no pid file"
}

# birdc_to K COMMAND...: node K's BIRD
birdc_to() {
	local k=$1
	shift
	"$(lab_birdc)" -s "$(bird_sock "$k")" "$@"
}

# ---- bird6: mode bgp with IPv6 on runs the system's bird6 (BIRD 1.x has one daemon per address
# family) next to bird in every node, with its own configuration (tests/lab/bird6.cfg.in), log,
# control socket and pid file in the state folder; its mesh peers the nodes' IPv6 underlay
# addresses and exports each node's /122 block. (bgp2 gets no IPv6 routes between nodes.)
bird6_cfg() { echo "$(lab_dir)/bird6-n$1.cfg"; }
bird6_sock() { echo "$(lab_dir)/bird6-n$1.ctl"; }
bird6_pidfile() { echo "$(lab_dir)/bird6-n$1.pid"; }
bird6_on() { [ "$(mode_of)" = bgp ] && ipv6_on; }

bird6_write_cfg() {
	local k=$1 r mesh="" tmpl
	for r in $NODES; do
		[ "$r" = "$k" ] && continue
		mesh+="
# For peer /host/node$r/ip_addr_v6
protocol bgp Mesh_${NODE_IP6[$r]//:/_} from bgp_template {
  neighbor ${NODE_IP6[$r]} as $AS;
  source address ${NODE_IP6[$k]};  # The local address we use for the TCP connection"
		if [[ "${NODE_IP6[$r]}" > "${NODE_IP6[$k]}" ]]; then
			mesh+="
  passive on; # Mesh is unidirectional, peer will connect to us."
		fi
		mesh+="
  graceful restart time 120;
}
"
	done
	tmpl=$(<"$LAB_HERE/bird6.cfg.in")
	tmpl=${tmpl//@NODE@/n$k}
	tmpl=${tmpl//@NODE_IP@/${NODE_IP[$k]}}
	tmpl=${tmpl//@NODE_IP6@/${NODE_IP6[$k]}}
	tmpl=${tmpl//@BLOCK6@/${NODE_BLOCK6[$k]}}
	tmpl=${tmpl//@POOL6@/$POOL6}
	tmpl=${tmpl//@AS@/$AS}
	tmpl=${tmpl//@LOG@/$(lab_dir)/bird6-n$k.log}
	tmpl=${tmpl//@MESH@/$mesh}
	printf '%s\n' "$tmpl" >"$(bird6_cfg "$k").tmp"
	bird6 -p -c "$(bird6_cfg "$k").tmp" || die "bird6 rejects $(bird6_cfg "$k").tmp"
	mv "$(bird6_cfg "$k").tmp" "$(bird6_cfg "$k")"
}

bird6_start() {
	local k=$1 i
	rm -f "$(bird6_pidfile "$k")"
	ip netns exec "$(node_ns "$k")" bird6 -c "$(bird6_cfg "$k")" -s "$(bird6_sock "$k")" \
		-P "$(bird6_pidfile "$k")" </dev/null >>"$(lab_dir)/bird6-n$k.log" 2>&1 ||
		die "bird6 did not start in $(node_ns "$k") (see $(lab_dir)/bird6-n$k.log)"
	for i in $(seq 50); do
		[ -s "$(bird6_pidfile "$k")" ] && return 0
		sleep 0.1
	done
	die "bird6 in $(node_ns "$k") wrote no pid file"
}

# bird6's mesh Established, its blackhole and the other nodes' /122 blocks in the kernel
bgp6_node_ready() {
	local k=$1 r est routes
	est=$(birdc6 -s "$(bird6_sock "$k")" show protocols 2>/dev/null | grep -c '^Mesh_.*Established') ||
		return 1
	[ "$est" = 2 ] || return 1
	routes=$(ip -n "$(node_ns "$k")" -6 route show proto bird) || return 1
	grep -qE "^blackhole ${NODE_BLOCK6[$k]}( |$)" <<<"$routes" || return 1
	for r in $NODES; do
		[ "$r" = "$k" ] && continue
		grep -q "^${NODE_BLOCK6[$r]} via ${NODE_IP6[$r]} dev eth0 " <<<"$routes" || return 1
	done
}

# all of n's mesh sessions Established, its own blackhole and the other blocks in the kernel
# (BIRD 2 adds "metric 32" to its kernel routes)
bgp_node_ready() {
	local k=$1 r est routes
	est=$(birdc_to "$k" show protocols 2>/dev/null | grep -c '^Mesh_.*Established') || return 1
	[ "$est" = 2 ] || return 1
	routes=$(ip -n "$(node_ns "$k")" -4 route show proto bird) || return 1
	grep -qE "^blackhole ${NODE_BLOCK[$k]}( |$)" <<<"$routes" || return 1
	for r in $NODES; do
		[ "$r" = "$k" ] && continue
		grep -q "^${NODE_BLOCK[$r]} via ${NODE_IP[$r]} dev eth0 " <<<"$routes" || return 1
	done
	if bird6_on; then bgp6_node_ready "$k"; fi
}

bgp_wait() {
	local t0 k ok
	t0=$(now_ms)
	while :; do
		ok=1
		for k in $NODES; do bgp_node_ready "$k" || { ok=0 && break; }; done
		[ "$ok" = 1 ] && return 0
		if [ $(($(now_ms) - t0)) -gt $((LAB_BGP_TIMEOUT * 1000)) ]; then
			for k in $NODES; do
				echo "--- $(node_ns "$k"): birdc show protocols; ip route show proto bird" >&2
				birdc_to "$k" show protocols >&2 || true
				ip -n "$(node_ns "$k")" route show proto bird >&2 || true
				if bird6_on; then
					birdc6 -s "$(bird6_sock "$k")" show protocols >&2 || true
					ip -n "$(node_ns "$k")" -6 route show proto bird >&2 || true
				fi
			done
			die "BGP mesh not ready after ${LAB_BGP_TIMEOUT}s"
		fi
		sleep 0.2
	done
}

# bgp_wait_unless NAME: the mesh heals when fault NAME goes off, unless another BGP fault is on
bgp_wait_unless() {
	local f others=""
	for f in $BGP_FAULTS; do
		[ "$f" = "$1" ] && continue
		grep -qx "$f" "$(lab_dir)/faults" 2>/dev/null && others+=" $f"
	done
	if [ -n "$others" ]; then
		say "fault $1 off: not waiting for the mesh (still on:$others)"
	else
		bgp_wait
	fi
}

# bird_wait_for K PROTOCOL PATTERN: until `birdc show protocols PROTOCOL` on node K matches
# (grep -E), at most LAB_BGP_TIMEOUT seconds
bird_wait_for() {
	local k=$1 proto=$2 pat=$3 t0
	t0=$(now_ms)
	until birdc_to "$k" show protocols "$proto" 2>/dev/null | grep -qE "$pat"; do
		[ $(($(now_ms) - t0)) -le $((LAB_BGP_TIMEOUT * 1000)) ] ||
			die "n$k: $proto does not show '$pat' after ${LAB_BGP_TIMEOUT}s: $(birdc_to "$k" show protocols "$proto" 2>&1 | tail -n 1)"
		sleep 0.1
	done
}

# ---------------------------------------------------------------- building blocks
up_switch() {
	local sw br
	sw=$(sw_ns)
	br="${P}br"
	ip -n "$sw" link add "$br" type bridge
	ip -n "$sw" addr add "$GW/$UNDERLAY_PLEN" dev "$br"
	ip -n "$sw" link set "$br" up
}

up_node() {
	local k=$1 ns sw port
	ns=$(node_ns "$k")
	sw=$(sw_ns)
	port="${P}n$k"
	ns_sysctl "$ns" net/ipv4/ip_forward=1
	ipv6_on && ns_sysctl "$ns" net/ipv6/conf/all/forwarding=1 net/ipv6/conf/default/accept_dad=0
	ip -n "$sw" link add "$port" type veth peer name eth0 netns "$ns"
	ip -n "$sw" link set "$port" master "${P}br" up
	ip -n "$ns" link set eth0 address "${NODE_MAC[$k]}" up
	ip -n "$ns" addr add "${NODE_IP[$k]}/$UNDERLAY_PLEN" dev eth0
	if ipv6_on; then ip -n "$ns" addr add "${NODE_IP6[$k]}/$UNDERLAY6_PLEN" dev eth0 nodad; fi
	# without a default route the node never proxy-answers for 169.254.1.1
	ip -n "$ns" route add default via "$GW" dev eth0
}

up_pod() {
	local i=$1 mtu=$2 node pod cali
	node=$(node_ns "${POD_NODE[$i]}")
	pod=$(pod_ns "$i")
	cali=$(pod_veth "$i")
	ip -n "$node" link add "$cali" mtu "$mtu" address "$CALI_MAC" type veth \
		peer name eth0 mtu "$mtu" netns "$pod"
	ns_sysctl "$node" "net/ipv4/conf/$cali/proxy_arp=1" "net/ipv4/neigh/$cali/proxy_delay=0" \
		"net/ipv4/conf/$cali/forwarding=1" "net/ipv4/conf/$cali/rp_filter=1"
	ip -n "$node" link set "$cali" up
	ip -n "$node" route add "${POD_IP[$i]}" dev "$cali" scope link
	ip -n "$pod" link set eth0 up
	ip -n "$pod" addr add "${POD_IP[$i]}/32" dev eth0
	ip -n "$pod" route add 169.254.1.1 dev eth0 scope link
	ip -n "$pod" route add default via 169.254.1.1 dev eth0
	if ipv6_on; then
		ip -n "$pod" addr add "${POD_IP6[$i]}/128" dev eth0 nodad
		ip -n "$pod" -6 route add default via "$CALI_LL6" dev eth0
		ip -n "$node" -6 route add "${POD_IP6[$i]}" dev "$cali"
	fi
}

up_vxlan() {
	local k=$1 r ns
	ns=$(node_ns "$k")
	ip -n "$ns" link add vxlan.calico address "${NODE_VTEP_MAC[$k]}" mtu 1450 type vxlan \
		id "$VNI" dstport "$VXLAN_PORT" local "${NODE_IP[$k]}" dev eth0 nolearning
	ip -n "$ns" link set vxlan.calico up
	ip -n "$ns" addr add "${NODE_TUN_IP[$k]}/32" dev vxlan.calico
	for r in $NODES; do
		[ "$r" = "$k" ] && continue
		ip -n "$ns" neigh add "${NODE_TUN_IP[$r]}" lladdr "${NODE_VTEP_MAC[$r]}" \
			dev vxlan.calico nud permanent
		ip netns exec "$ns" bridge fdb add "${NODE_VTEP_MAC[$r]}" dev vxlan.calico \
			dst "${NODE_IP[$r]}" self permanent
		ip -n "$ns" route add "${NODE_BLOCK[$r]}" via "${NODE_TUN_IP[$r]}" dev vxlan.calico \
			onlink proto 80
	done
	ip -n "$ns" route add blackhole "${NODE_BLOCK[$k]}" proto 80
	ipv6_on || return 0
	# IPv6 as Felix programs it: a second VTEP over the IPv6 underlay
	ip -n "$ns" link add "$VXLAN6_DEV" address "${NODE_VTEP_MAC6[$k]}" mtu 1430 type vxlan \
		id "$VNI" dstport "$VXLAN6_PORT" local "${NODE_IP6[$k]}" dev eth0 nolearning
	ip -n "$ns" link set "$VXLAN6_DEV" up
	ip -n "$ns" addr add "${NODE_TUN_IP6[$k]}/128" dev "$VXLAN6_DEV" nodad
	for r in $NODES; do
		[ "$r" = "$k" ] && continue
		ip -n "$ns" -6 neigh add "${NODE_TUN_IP6[$r]}" lladdr "${NODE_VTEP_MAC6[$r]}" \
			dev "$VXLAN6_DEV" nud permanent
		ip netns exec "$ns" bridge fdb add "${NODE_VTEP_MAC6[$r]}" dev "$VXLAN6_DEV" \
			dst "${NODE_IP6[$r]}" self permanent
		ip -n "$ns" -6 route add "${NODE_BLOCK6[$r]}" via "${NODE_TUN_IP6[$r]}" dev "$VXLAN6_DEV" \
			onlink proto 80
	done
	ip -n "$ns" -6 route add blackhole "${NODE_BLOCK6[$k]}" proto 80
}

# does this kernel create ipip links? (tried in a scratch namespace, never in the host's)
kernel_has_ipip() {
	local s="${P}scratch" rc=1
	ip netns add "$s"
	ip -n "$s" link add name "${P}t" type ipip local 192.0.2.1 2>/dev/null && rc=0
	ip netns del "$s"
	return $rc
}

up_ipip() {
	local k=$1 real=$2 r ns map="" i
	ns=$(node_ns "$k")
	for r in $NODES; do
		[ "$r" = "$k" ] || map+=" ${NODE_BLOCK[$r]}=${NODE_IP[$r]}"
	done
	if [ "$real" = 1 ]; then
		# the ipip module gives every namespace a fallback tunl0
		ip -n "$ns" link show tunl0 >/dev/null 2>&1 || ip -n "$ns" link add tunl0 type ipip
	else
		local pidf
		pidf="$(lab_dir)/tunencap-n$k.pid"
		# shellcheck disable=SC2086 # map is a list of words
		ip netns exec "$ns" "$TUNENCAP" -i tunl0 -p "$pidf" $map \
			</dev/null >>"$(lab_dir)/tunencap-n$k.log" 2>&1 &
		for i in $(seq 50); do
			[ -s "$pidf" ] && break
			sleep 0.1
		done
		[ -s "$pidf" ] || die "tunencap did not start in $ns (see $(lab_dir)/tunencap-n$k.log)"
		ip -n "$ns" link set tunl0 addrgenmode none
	fi
	ip -n "$ns" link set tunl0 mtu 1480 up
	ip -n "$ns" addr add "${NODE_TUN_IP[$k]}/32" dev tunl0
	for r in $NODES; do
		[ "$r" = "$k" ] && continue
		ip -n "$ns" route add "${NODE_BLOCK[$r]}" via "${NODE_IP[$r]}" dev tunl0 onlink proto 80
	done
	ip -n "$ns" route add blackhole "${NODE_BLOCK[$k]}" proto 80
	ipv6_on || return 0
	# tunl0 carries no IPv6: Calico routes it natively between nodes (calico-node's bird6 would
	# program these; this mode runs no BIRD, so they are static, via each peer's IPv6 underlay)
	for r in $NODES; do
		[ "$r" = "$k" ] && continue
		ip -n "$ns" -6 route add "${NODE_BLOCK6[$r]}" via "${NODE_IP6[$r]}" dev eth0 proto static
	done
	ip -n "$ns" -6 route add blackhole "${NODE_BLOCK6[$k]}" proto static
}

# ---------------------------------------------------------------- commands
cmd_up() {
	local mode=$1 t0 k i ns mtu v6 real_ipip=0 bird2="" what=""
	case "$mode" in
	bgp | bgp2) mtu=1500 ;;
	vxlan) mtu=1450 ;;
	ipip) mtu=1480 ;;
	*) DIE_RC=2 die "unknown mode '$mode' (bgp, bgp2, vxlan or ipip)" ;;
	esac
	need_root
	for c in ip bridge sha1sum; do command -v "$c" >/dev/null || DIE_RC=3 die "'$c' is missing"; done
	if [ "$mode" = bgp ]; then
		command -v bird >/dev/null && command -v birdc >/dev/null ||
			DIE_RC=3 die "BIRD 1.6 is missing (apt-get install bird, or make deps)"
		if [ "${LAB_IPV6:-1}" = 1 ] && [ -d /proc/sys/net/ipv6 ]; then
			command -v bird6 >/dev/null && command -v birdc6 >/dev/null ||
				DIE_RC=3 die "bird6 is missing (Debian's bird package has it; or LAB_IPV6=0)"
		fi
	fi
	for ns in $(all_ns); do
		ns_exists "$ns" && DIE_RC=3 die "namespace '$ns' exists already; run: lab.sh down $P"
	done
	[ -e "$(lab_dir)" ] && DIE_RC=3 die "'$(lab_dir)' exists already; run: lab.sh down $P"
	# before anything is built: a missing BIRD 2 leaves nothing behind
	if [ "$mode" = bgp2 ]; then bird2=$(bird2_tree) || exit $?; fi
	if [ "$mode" = ipip ]; then
		if kernel_has_ipip; then
			real_ipip=1
		elif [ ! -x "$TUNENCAP" ]; then
			say "building $TUNENCAP"
			make -s -C "$LAB_TOP" build/tests/tunencap >&2 || DIE_RC=3 die "cannot build tunencap"
		fi
	fi

	t0=$(now_ms)
	mkdir -p "$(lab_dir)"
	trap 'up_failed' EXIT
	trap 'exit 129' HUP
	trap 'exit 130' INT
	trap 'exit 143' TERM
	echo "$mode" >"$(lab_dir)/mode"
	: >"$(lab_dir)/faults"
	case "$mode" in
	bgp)
		command -v bird >"$(lab_dir)/bird-bin"
		command -v birdc >"$(lab_dir)/birdc-bin"
		;;
	bgp2)
		echo "$bird2/usr/sbin/bird" >"$(lab_dir)/bird-bin"
		echo "$bird2/usr/sbin/birdc" >"$(lab_dir)/birdc-bin"
		;;
	esac
	v6=0
	ipv6_on && v6=1
	echo "$v6" >"$(lab_dir)/ipv6"
	# Calico gives the workloads the smallest MTU of the encapsulations in use: with IPv6 VXLAN
	# (vxlan-v6.calico, 70 bytes of overhead) that is 1430
	if [ "$mode" = vxlan ] && [ "$v6" = 1 ]; then mtu=1430; fi
	echo "$mtu" >"$(lab_dir)/pod-mtu"

	for ns in $(sw_ns) $(for k in $NODES; do node_ns "$k"; done) \
		$(for i in $PODS; do pod_ns "$i"; done); do
		ip netns add "$ns"
		ip -n "$ns" link set lo up
		ns_sysctl "$ns" net/ipv4/conf/all/rp_filter=0 net/ipv4/conf/default/rp_filter=0 \
			net/ipv4/conf/all/proxy_arp=0 net/ipv4/conf/default/proxy_arp=0 net/ipv4/ip_forward=0
	done
	up_switch
	for k in $NODES; do up_node "$k"; done
	for i in $PODS; do up_pod "$i" "$mtu"; done
	[ "${LAB_FELIX_POLICY:-1}" = 0 ] || for k in $NODES; do felix_policy "$k" up; done
	case "$mode" in
	bgp | bgp2)
		for k in $NODES; do bird_write_cfg "$k"; done
		if bird6_on; then for k in $NODES; do bird6_write_cfg "$k"; done; fi
		for k in $NODES; do bird_start "$k"; done
		if bird6_on; then for k in $NODES; do bird6_start "$k"; done; fi
		bgp_wait
		;;
	vxlan)
		for k in $NODES; do up_vxlan "$k"; done
		;;
	ipip)
		echo "$real_ipip" >"$(lab_dir)/ipip-kernel"
		for k in $NODES; do up_ipip "$k" "$real_ipip"; done
		;;
	esac
	write_nodes_file "$mode"
	trap - EXIT HUP INT TERM
	[ "$mode" = ipip ] && [ "$real_ipip" = 0 ] && what=" (tunencap)"
	is_bgp_mode "$mode" && what=" ($("$(lab_bird)" --version 2>&1 | sed 's/ version / /'))"
	say "lab '$P' up: mode $mode$what, 3 nodes, 6 pods, $(($(now_ms) - t0)) ms"
	say "  eval \"\$($0 env $P)\"   ...   $0 down $P"
}

# the nodes file (see the header): written to a temporary name and renamed, so a reader never
# sees half of it
write_nodes_file() {
	local mode=$1 k f
	f=$(nodes_file)
	{
		echo "# caltrace lab '$P', mode $mode: one line per node, NAME NETNS [bird=SOCKET]"
		echo "# (caltrace --nodes FILE); written by tests/lab/lab.sh up, removed by down"
		for k in $NODES; do
			if is_bgp_mode "$mode"; then
				echo "n$k $(node_ns "$k") bird=$(bird_sock "$k")"
			else
				echo "n$k $(node_ns "$k")"
			fi
		done
	} >"$f.tmp"
	mv "$f.tmp" "$f"
}

up_failed() {
	local rc=$?
	trap - EXIT
	[ "$rc" = 0 ] && return 0
	if [ "${LAB_KEEP:-0}" = 1 ]; then
		echo "lab: up failed (exit $rc); LAB_KEEP=1 keeps '$P' for debugging" >&2
	else
		echo "lab: up failed (exit $rc); removing the half-built lab '$P'" >&2
		LAB_QUIET=1 cmd_down || true
	fi
	exit "$rc"
}

cmd_down() {
	local t0 dir f pid ns pids="" birds="" i alive
	t0=$(now_ms)
	dir=$(lab_dir)
	# 0. the nodes file first: nothing reads a lab that is going away
	rm -f -- "$(nodes_file)" "$(nodes_file).tmp"
	# 1. the daemons the lab started, by pid file (checked: alive and started by this lab)
	for f in "$dir"/bird-n*.pid "$dir"/bird6-n*.pid "$dir"/tunencap-n*.pid; do
		[ -f "$f" ] || continue
		pid=$(cat "$f" 2>/dev/null || true)
		pid_ours "$pid" || continue
		case "$f" in */bird-*) birds+=" $pid" ;; *) pids+=" $pid" ;; esac
	done
	# 2. anything else still running inside the lab's namespaces (captures started by tests)
	for ns in $(all_ns); do
		ns_exists "$ns" || continue
		pids+=" $(ip netns pids "$ns" 2>/dev/null | tr '\n' ' ')"
	done
	# BIRD keeps its routes (persist) and the namespaces go anyway: no graceful stop needed
	# shellcheck disable=SC2086
	[ -z "${birds// /}" ] || kill -KILL $birds 2>/dev/null || true
	# shellcheck disable=SC2086
	[ -z "${pids// /}" ] || kill -TERM $pids 2>/dev/null || true
	for i in $(seq 30); do
		alive=""
		for pid in $birds $pids; do pid_alive "$pid" && alive+=" $pid"; done
		[ -z "$alive" ] && break
		sleep 0.1
	done
	# shellcheck disable=SC2086
	[ -z "$alive" ] || kill -KILL $alive 2>/dev/null || true
	# 3. the namespaces (pods first: that removes the cali/eth0 pairs), then the state folder
	for ns in $(all_ns); do
		ns_exists "$ns" || continue
		ip netns del "$ns" || echo "lab: could not delete namespace '$ns'" >&2
	done
	case "$dir" in "$LAB_RUN/$P") rm -rf -- "$dir" ;; esac
	rmdir "$LAB_RUN" 2>/dev/null || true
	say "lab '$P' down, $(($(now_ms) - t0)) ms"
}

cmd_env() {
	local mode k i r pods
	mode=$(mode_of)
	[ -n "$mode" ] || DIE_RC=3 die "no lab '$P' is up (no $(lab_dir)/mode)"
	q() { printf "%s='%s'\n" "$1" "$2"; }
	q LAB_PREFIX "$P"
	q LAB_MODE "$mode"
	q LAB_DIR "$(lab_dir)"
	q LAB_NODES_FILE "$(nodes_file)"
	q LAB_SWITCH "$(sw_ns)"
	q LAB_BRIDGE "${P}br"
	q LAB_GW "$GW"
	q LAB_POOL "$POOL"
	q LAB_POOL6 "$(v6 "$POOL6")"
	q LAB_AS "$AS"
	q LAB_NODES "$(for k in $NODES; do node_ns "$k"; done | xargs)"
	q LAB_PODS "$(for i in $PODS; do pod_ns "$i"; done | xargs)"
	q LAB_POD_COUNT "$(wc -w <<<"$PODS")"
	q LAB_FAULTS "$(xargs <"$(lab_dir)/faults" 2>/dev/null || true)"
	q LAB_FAULT_POD "$FAULT_POD"
	q LAB_FAULT_BIRD_NODE "$FAULT_BIRD_NODE"
	if is_bgp_mode "$mode"; then
		q LAB_BIRD "$(lab_bird)"
		q LAB_BIRDC "$(lab_birdc)"
		q LAB_BIRD_VERSION "$("$(lab_bird)" --version 2>&1 | sed -n 's/^BIRD version //p')"
		q LAB_FAULT_DISABLE_NODE "$FAULT_DISABLE_NODE"
		q LAB_FAULT_DISABLE_PEER "Mesh_${NODE_IP[$FAULT_DISABLE_PEER]//./_}"
		q LAB_FAULT_BADAS_NODE "$FAULT_BADAS_NODE"
		q LAB_FAULT_BADAS_PEER "Mesh_${NODE_IP[$FAULT_BADAS_PEER]//./_}"
		q LAB_FAULT_BADAS_AS "$BAD_AS"
	fi
	for k in $NODES; do
		pods=""
		for i in $PODS; do [ "${POD_NODE[$i]}" = "$k" ] && pods+=" $(pod_ns "$i")"; done
		q "LAB_N${k}" "$(node_ns "$k")"
		q "LAB_N${k}_IP" "${NODE_IP[$k]}"
		q "LAB_N${k}_MAC" "${NODE_MAC[$k]}"
		q "LAB_N${k}_BLOCK" "${NODE_BLOCK[$k]}"
		q "LAB_N${k}_BLOCK6" "$(v6 "${NODE_BLOCK6[$k]}")"
		q "LAB_N${k}_IP6" "$(v6 "${NODE_IP6[$k]}")"
		q "LAB_N${k}_PODS" "${pods# }"
		q "LAB_N${k}_POD_IDS" "$(for i in $PODS; do [ "${POD_NODE[$i]}" = "$k" ] && echo "$i"; done | xargs)"
		q "LAB_N${k}_PEER" "Mesh_${NODE_IP[$k]//./_}" # how the other nodes name their session to it
		case "$mode" in
		bgp | bgp2)
			q "LAB_N${k}_BIRD_SOCK" "$(bird_sock "$k")"
			q "LAB_N${k}_BIRD_PIDFILE" "$(bird_pidfile "$k")"
			q "LAB_N${k}_BIRD_CFG" "$(bird_cfg "$k")"
			if bird6_on; then q "LAB_N${k}_BIRD6_SOCK" "$(bird6_sock "$k")"; fi
			;;
		vxlan)
			q "LAB_N${k}_TUN_DEV" vxlan.calico
			q "LAB_N${k}_TUN_IP" "${NODE_TUN_IP[$k]}"
			q "LAB_N${k}_VTEP_MAC" "${NODE_VTEP_MAC[$k]}"
			q "LAB_N${k}_TUN_DEV6" "$(v6 "$VXLAN6_DEV")"
			q "LAB_N${k}_TUN_IP6" "$(v6 "${NODE_TUN_IP6[$k]}")"
			q "LAB_N${k}_VTEP_MAC6" "$(v6 "${NODE_VTEP_MAC6[$k]}")"
			;;
		ipip)
			q "LAB_N${k}_TUN_DEV" tunl0
			q "LAB_N${k}_TUN_IP" "${NODE_TUN_IP[$k]}"
			;;
		esac
	done
	for i in $PODS; do
		q "LAB_POD_${i}_NS" "$(pod_ns "$i")"
		q "LAB_POD_${i}_IP" "${POD_IP[$i]}"
		q "LAB_POD_${i}_IP6" "$(v6 "${POD_IP6[$i]}")"
		q "LAB_POD_${i}_VETH" "$(pod_veth "$i")"
		q "LAB_POD_${i}_K8S" "${POD_K8S[$i]}"
		q "LAB_POD_${i}_NODE" "${POD_NODE[$i]}"
		q "LAB_POD_${i}_NODE_NS" "$(node_ns "${POD_NODE[$i]}")"
	done
}

# Felix-like policy chains (tests/lab/felix-policy.sh): n2 through iptables-legacy, the other
# nodes through iptables-nft, so both backends are in every lab; LAB_FELIX_POLICY=0 leaves them out
felix_policy_backend() { if [ "$1" = 2 ]; then echo legacy; else echo nft; fi; }
felix_policy() { # NODE up | NODE deny on|off
	local k=$1 i ifs=() hosts="" encap=none
	shift
	# the encapsulation's allow set and rules, as Felix programs them (felix-policy.sh)
	case "$(mode_of)" in ipip | vxlan) encap=$(mode_of) ;; esac
	for i in $NODES; do hosts="$hosts ${NODE_IP[$i]}"; done
	export FELIX_ENCAP=$encap FELIX_HOSTS=$hosts FELIX_VXLAN_PORT=$VXLAN_PORT
	for i in $PODS; do [ "${POD_NODE[$i]}" = "$k" ] && ifs+=("$(pod_veth "$i")"); done
	if [ "$1" = up ]; then
		bash "$LAB_HERE/felix-policy.sh" up "$(node_ns "$k")" "$(felix_policy_backend "$k")" "${ifs[@]}"
	else
		bash "$LAB_HERE/felix-policy.sh" deny "$(node_ns "$k")" "$(felix_policy_backend "$k")" \
			"$2" "$(pod_veth "$FAULT_POD")" "${ifs[@]}"
	fi
}

# faults, applied and reverted in place
fault_mark() { # NAME on|off
	local f
	f="$(lab_dir)/faults"
	grep -vx "$1" "$f" >"$f.tmp" 2>/dev/null || true
	[ "$2" = on ] && echo "$1" >>"$f.tmp"
	mv "$f.tmp" "$f"
}

# forget the pod's entry for its gateway, so the next packet asks again (and shows the fault)
pod_forget_gw() { ip -n "$(pod_ns "$FAULT_POD")" neigh del 169.254.1.1 dev eth0 2>/dev/null || true; }

# the BGP faults, applied and reverted in place; `on` returns once BIRD shows the fault, `off`
# once the mesh is Established again (unless another BGP fault is still on)
fault_bgp() {
	local name=$1 state=$2 k pid out
	case "$name/$state" in
	birdkill/on)
		k=$FAULT_BIRD_NODE
		pid=$(cat "$(bird_pidfile "$k")" 2>/dev/null || true)
		if pid_ours "$pid"; then
			kill -KILL "$pid" # a crash: persist leaves its routes, peers see the TCP close
			while pid_alive "$pid"; do sleep 0.05; done
		fi
		;;
	birdkill/off)
		k=$FAULT_BIRD_NODE
		pid=$(cat "$(bird_pidfile "$k")" 2>/dev/null || true)
		pid_ours "$pid" || bird_start "$k"
		bgp_wait_unless "$name"
		;;
	bird6kill/on) # the same for bird6: its peers keep its routes (graceful restart), stale
		k=$FAULT_BIRD_NODE
		pid=$(cat "$(bird6_pidfile "$k")" 2>/dev/null || true)
		if pid_ours "$pid"; then
			kill -KILL "$pid"
			while pid_alive "$pid"; do sleep 0.05; done
		fi
		;;
	bird6kill/off)
		k=$FAULT_BIRD_NODE
		pid=$(cat "$(bird6_pidfile "$k")" 2>/dev/null || true)
		pid_ours "$pid" || bird6_start "$k"
		bgp_wait_unless "$name"
		;;
	peerdisable/on)
		k=$FAULT_DISABLE_NODE
		out=$(birdc_to "$k" disable "Mesh_${NODE_IP[$FAULT_DISABLE_PEER]//./_}" 2>&1) ||
			die "n$k: birdc disable failed: $out"
		grep -qE 'disabled' <<<"$out" || die "n$k: birdc disable: $out"
		bird_wait_for "$k" "Mesh_${NODE_IP[$FAULT_DISABLE_PEER]//./_}" ' down '
		;;
	peerdisable/off)
		k=$FAULT_DISABLE_NODE
		out=$(birdc_to "$k" enable "Mesh_${NODE_IP[$FAULT_DISABLE_PEER]//./_}" 2>&1) ||
			die "n$k: birdc enable failed: $out"
		grep -qE 'enabled' <<<"$out" || die "n$k: birdc enable: $out"
		bgp_wait_unless "$name"
		;;
	badas/on | badas/off)
		k=$FAULT_BADAS_NODE
		if [ "$state" = on ]; then bird_write_cfg "$k" "$FAULT_BADAS_PEER"; else bird_write_cfg "$k"; fi
		out=$(birdc_to "$k" configure 2>&1) || die "n$k: birdc configure failed: $out"
		grep -qE 'Reconfigured|Reconfiguration in progress' <<<"$out" || die "n$k: birdc configure: $out"
		if [ "$state" = on ]; then
			bird_wait_for "$k" "Mesh_${NODE_IP[$FAULT_BADAS_PEER]//./_}" 'BGP Error: Bad peer AS'
		else
			# the errors grew the peer's error wait (5, 10, 20, 40, 60 s: "error wait time
			# 5,60"); a restart resets it (n3's session is new anyway: its configuration changed)
			birdc_to "$FAULT_BADAS_PEER" restart "Mesh_${NODE_IP[$k]//./_}" >/dev/null 2>&1 || true
			bgp_wait_unless "$name"
		fi
		;;
	esac
}

cmd_fault() {
	local name=$1 state=$2 mode node cali podip k
	case "$state" in on | off) ;; *) DIE_RC=2 die "fault state must be on or off, not '$state'" ;; esac
	mode=$(mode_of)
	[ -n "$mode" ] || DIE_RC=3 die "no lab '$P' is up"
	node=$(node_ns "${POD_NODE[$FAULT_POD]}")
	cali=$(pod_veth "$FAULT_POD")
	podip=${POD_IP[$FAULT_POD]}
	case "$name/$state" in
	proxy_arp/on)
		ns_sysctl "$node" "net/ipv4/conf/$cali/proxy_arp=0"
		pod_forget_gw
		;;
	proxy_arp/off)
		ns_sysctl "$node" "net/ipv4/conf/$cali/proxy_arp=1"
		pod_forget_gw
		;;
	# a blackhole /32 prepended over the pod's route; a policy rule to a blackhole in table 100
	shadow/on) ip -n "$node" route prepend blackhole "$podip/32" ;;
	shadow/off) ip -n "$node" route del blackhole "$podip/32" 2>/dev/null || true ;;
	shadowrule/on)
		ip -n "$node" route replace blackhole "$podip/32" table 100
		ip -n "$node" rule add to "$podip/32" lookup 100
		;;
	shadowrule/off)
		while ip -n "$node" rule del to "$podip/32" lookup 100 2>/dev/null; do :; done
		ip -n "$node" route flush table 100 2>/dev/null || true
		;;
	route/on) ip -n "$node" route del "$podip" dev "$cali" 2>/dev/null || true ;;
	route/off) ip -n "$node" route replace "$podip" dev "$cali" scope link ;;
	calidown/on) ip -n "$node" link set "$cali" down ;;
	calidown/off)
		ip -n "$node" link set "$cali" up
		# link-down made the kernel delete the pod's routes; link-up does not restore them
		ip -n "$node" route replace "$podip" dev "$cali" scope link
		if ipv6_on; then ip -n "$node" -6 route replace "${POD_IP6[$FAULT_POD]}" dev "$cali"; fi
		;;
	nogw/on)
		ip -n "$node" route del default 2>/dev/null || true
		pod_forget_gw
		;;
	nogw/off)
		ip -n "$node" route replace default via "$GW" dev eth0
		pod_forget_gw
		;;
	# forwarding off on the fault pod's node; ip_forward and all.forwarding also set every
	# device's own forwarding (the kernel copies them), so off turns the cali ones on again
	noforward/on)
		ns_sysctl "$node" net/ipv4/ip_forward=0
		if ipv6_on; then ns_sysctl "$node" net/ipv6/conf/all/forwarding=0; fi
		;;
	noforward/off)
		ns_sysctl "$node" net/ipv4/ip_forward=1
		if ipv6_on; then ns_sysctl "$node" net/ipv6/conf/all/forwarding=1; fi
		;;
	denypolicy/on | denypolicy/off)
		[ "${LAB_FELIX_POLICY:-1}" = 0 ] && DIE_RC=2 die "fault denypolicy needs the policy chains (LAB_FELIX_POLICY=0)"
		felix_policy "${POD_NODE[$FAULT_POD]}" deny "$state"
		;;
	podmtu/on | podmtu/off) # the pod's veth, both ends, at the underlay's MTU (over the tunnel's limit)
		case "$mode" in vxlan | ipip) k=$(cat "$(lab_dir)/pod-mtu") ;; *) DIE_RC=2 die "fault podmtu needs a lab in vxlan or ipip mode (this one: $mode)" ;; esac
		[ "$state" = on ] && k=$(ip -n "$node" -j link show dev eth0 | sed -n 's/.*"mtu":\([0-9]*\).*/\1/p')
		ip -n "$node" link set dev "$cali" mtu "$k"
		ip -n "$(pod_ns "$FAULT_POD")" link set dev eth0 mtu "$k"
		;;
	badgw/on | badgw/off) # Felix's route to n2's block via an address that is no node (or back)
		[ "$mode" = vxlan ] || DIE_RC=2 die "fault badgw needs a lab in vxlan mode (this one: $mode)"
		k=${NODE_TUN_IP[2]}
		[ "$state" = on ] && k=$FAULT_BADGW
		ip -n "$node" route replace "${NODE_BLOCK[2]}" via "$k" dev vxlan.calico onlink proto 80
		;;
	pinpeer/on) # n2's underlay entry pinned PERMANENT to a wrong MAC
		ip -n "$node" neigh replace "${NODE_IP[2]}" lladdr "$FAULT_PIN_MAC" nud permanent dev eth0
		;;
	pinpeer/off) ip -n "$node" neigh del "${NODE_IP[2]}" dev eth0 2>/dev/null || true ;;
	encapdrop/on) # n2's input drops the tunnel in a table of its own (not Felix's)
		k="ip protocol 4"
		[ "$mode" = vxlan ] && k="udp dport $VXLAN_PORT"
		ip netns exec "$(node_ns 2)" nft -f - <<-EOF
			table inet filter {
				chain input {
					type filter hook input priority 0; policy accept;
					$k counter drop
				}
			}
		EOF
		;;
	encapdrop/off) ip netns exec "$(node_ns 2)" nft delete table inet filter 2>/dev/null || true ;;
	peernotallowed/on | peernotallowed/off) # n1's underlay address out of (back in) n2's allow set
		case "$mode" in
		ipip) k=cali40all-hosts-net ;;
		vxlan) k=cali40all-vxlan-net ;;
		*) DIE_RC=2 die "fault peernotallowed needs a lab in vxlan or ipip mode (this one: $mode)" ;;
		esac
		[ "${LAB_FELIX_POLICY:-1}" = 0 ] && DIE_RC=2 die "fault peernotallowed needs the policy chains (LAB_FELIX_POLICY=0)"
		if [ "$state" = on ]; then
			ip netns exec "$(node_ns 2)" ipset del "$k" "${NODE_IP[1]}" -exist
		else
			ip netns exec "$(node_ns 2)" ipset add "$k" "${NODE_IP[1]}" -exist
		fi
		;;
	birdkill/* | peerdisable/* | badas/*)
		is_bgp_mode "$mode" || DIE_RC=2 die "fault $name needs a lab in bgp or bgp2 mode (this one: $mode)"
		fault_bgp "$name" "$state"
		;;
	bird6kill/*)
		bird6_on || DIE_RC=2 die "fault bird6kill needs a lab in bgp mode with IPv6 (this one: $mode)"
		fault_bgp "$name" "$state"
		;;
	asymrp/on) # n2 answers n1's pods by another link than theirs arrive on, rp_filter strict
		is_bgp_mode "$mode" || DIE_RC=2 die "fault asymrp needs a lab in bgp or bgp2 mode (this one: $mode)"
		local na nb
		na=$(node_ns "$ASYM_A") nb=$(node_ns "$ASYM_B")
		ip -n "$na" link show eth1 >/dev/null 2>&1 || ip -n "$na" link add eth1 type veth peer name eth1 netns "$nb"
		ip -n "$na" addr replace "$ASYM_NET.$((200 + ASYM_A))/24" dev eth1
		ip -n "$nb" addr replace "$ASYM_NET.$((200 + ASYM_B))/24" dev eth1
		ip -n "$na" link set eth1 up
		ip -n "$nb" link set eth1 up
		# a static /27 (BIRD leaves proto static alone) beats BIRD's /26 via eth0
		k=${NODE_BLOCK[$ASYM_A]%/*}
		ip -n "$nb" route replace "$k/27" via "$ASYM_NET.$((200 + ASYM_A))" dev eth1 proto static
		ns_sysctl "$nb" net/ipv4/conf/all/rp_filter=1 net/ipv4/conf/eth0/rp_filter=1
		;;
	asymrp/off)
		ip -n "$(node_ns "$ASYM_A")" link del eth1 2>/dev/null || true # both ends, and the /27
		ns_sysctl "$(node_ns "$ASYM_B")" net/ipv4/conf/all/rp_filter=0 net/ipv4/conf/eth0/rp_filter=0
		;;
	*) DIE_RC=2 die "unknown fault '$name' (proxy_arp route calidown nogw noforward denypolicy birdkill bird6kill peerdisable badas asymrp podmtu badgw pinpeer shadow shadowrule encapdrop peernotallowed)" ;;
	esac
	fault_mark "$name" "$state"
	say "fault $name $state in '$P'"
}

# the prefix of `down`, `env` or `fault` when none is given: the only lab that is up
only_prefix() {
	local d n=0 found=""
	for d in "$LAB_RUN"/*/; do
		[ -f "$d/mode" ] || continue
		n=$((n + 1))
		found=$(basename "$d")
	done
	[ "$n" = 1 ] || DIE_RC=2 die "$n labs are up ($(cmd_list | xargs)); name the prefix"
	echo "$found"
}

cmd_list() {
	local d
	for d in "$LAB_RUN"/*/; do [ -f "$d/mode" ] && basename "$d"; done
	return 0
}

# ---------------------------------------------------------------- main
# the prefix argument at position $1 of the remaining words, or the only lab that is up
pick_prefix() {
	if [ -n "${1:-}" ]; then P=$1; else P=$(only_prefix) || exit 2; fi
	check_prefix "$P"
}
need_root() { [ "$(id -u)" = 0 ] || DIE_RC=3 die "must run as root"; }

[ $# -ge 1 ] || usage
cmd=$1
shift
case "$cmd" in
up)
	[ $# -ge 1 ] && [ $# -le 2 ] || usage
	P=${2:-ctlab$$-}
	check_prefix "$P"
	cmd_up "$1"
	;;
down)
	[ $# -le 1 ] || usage
	need_root
	pick_prefix "${1:-}"
	cmd_down
	;;
env)
	[ $# -le 1 ] || usage
	pick_prefix "${1:-}"
	cmd_env
	;;
fault)
	[ $# -ge 2 ] && [ $# -le 3 ] || usage
	need_root
	pick_prefix "${3:-}"
	cmd_fault "$1" "$2"
	;;
list) cmd_list ;;
*) usage ;;
esac
