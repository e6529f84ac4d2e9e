# bash completion for caltrace(1)                           -*- shell-script -*-
# SPDX-License-Identifier: MIT
#
# Mirrors the command and option tables in cmd/main.c (ct_cmds, ct_opts_table);
# tests/integration/docs.sh fails when this file, `caltrace --help` and the man
# page disagree. Needs no bash-completion helpers.

_caltrace_cmds=(links tunnel routes neigh bgp doctor snapshot sniff path top veth-name shell help version)
# options every command takes
_caltrace_global_opts=(-n --netns -j --json --color --prefix -h --help -V --version)
# options only some commands take
_caltrace_links_opts=(--from --pods --timeout)
_caltrace_model_opts=(--from) # tunnel, routes, neigh
_caltrace_bgp_opts=(--from --bird-socket --timeout --exported)
_caltrace_doctor_opts=(--from --bird-socket --timeout --pods)
_caltrace_snapshot_opts=(--pods -o --output --timeout --bird-socket)
_caltrace_sniff_opts=(-i --interface -r --read -w --write -c --count -s --snaplen --inner --flows
	--interval --max-flows --vxlan-port --checksums -Z --user)
_caltrace_path_opts=(--from --pods --timeout --bird-socket --node --nodes --proto --port --to-backend --probe -c --count --wait --size --mtu --no-reverse -Z --user --tui)
_caltrace_top_opts=(--from --pods --timeout --bird-socket -b --batch -d --delay -c --count --log --policy-interval --flows)
# short options that take a value, by their long name
declare -gA _caltrace_short_arg=([n]=netns [o]=output [i]=interface [r]=read [w]=write [c]=count
	[s]=snaplen [Z]=user [d]=delay)

# _caltrace_ip NS ARGS...: runs ip(8) in network namespace NS as -n takes it
# (a name under /var/run/netns, a path, or pid:PID); "" is the current one.
_caltrace_ip()
{
	local ns=$1
	shift
	case $ns in
	"") ip "$@" ;;
	pid:*) nsenter --net="/proc/${ns#pid:}/ns/net" ip "$@" ;;
	*/*) nsenter --net="$ns" ip "$@" ;;
	*) ip -n "$ns" "$@" ;;
	esac
}

# _caltrace_snap_ns FILE NS JQ-FILTER: applies the filter to the namespace NS
# (default: the first) of a snapshot
_caltrace_snap_ns()
{
	command -v jq >/dev/null 2>&1 || return 1
	jq -r --arg ns "$2" "(if \$ns == \"\" then .netns[0] else (.netns[] | select(.name == \$ns)) end) | $3" \
		-- "$1" 2>/dev/null
}

# _caltrace_ifaces NS FROM: interface names, from a snapshot or the kernel
_caltrace_ifaces()
{
	if [[ -n $2 && -f $2 && -r $2 ]]; then
		_caltrace_snap_ns "$2" "$1" '.links[].name'
		return
	fi
	_caltrace_ip "$1" -o link show 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1
}

# _caltrace_capture_ifaces VALUE NS...: values for sniff -i: "any" and the
# interfaces of every -n namespace (the current one without -n); after
# "NS:", the interfaces of NS
_caltrace_capture_ifaces()
{
	local val=$1 n
	shift
	if [[ $val == *:* && ! $val =~ ^pid:[0-9]*$ ]]; then
		n=${val%:*}
		printf '%s\n' "$n:any"
		_caltrace_ifaces "$n" "" | awk -v p="$n:" '{ print p $0 }'
		return
	fi
	echo any
	(($#)) || set -- ""
	for n in "$@"; do
		_caltrace_ifaces "$n" ""
	done | awk '!seen[$0]++'
}

# _caltrace_prefixes NS FROM: route destinations, for `routes PREFIX`
_caltrace_prefixes()
{
	if [[ -n $2 && -f $2 && -r $2 ]]; then
		_caltrace_snap_ns "$2" "$1" '.routes[].dst // empty'
		return
	fi
	{
		_caltrace_ip "$1" -4 route show
		_caltrace_ip "$1" -6 route show
	} 2>/dev/null | awk '{ d = $1 }
		d ~ /^(blackhole|unreachable|prohibit|throw|local|broadcast|anycast|multicast|nat)$/ { d = $2 }
		d != "default" && !seen[d]++ { print d }'
}

# _caltrace_bgp_peers PROG NS FROM SOCKET: BIRD's BGP protocol names, as
# `caltrace bgp` lists them (with the -n, --from and --bird-socket given);
# nothing when that fails
_caltrace_bgp_peers()
{
	command -v jq >/dev/null 2>&1 || return 0
	command -v -- "$1" >/dev/null 2>&1 || return 0
	local -a a=(-j --timeout 2)
	[[ -n $2 ]] && a+=(-n "$2")
	[[ -n $3 ]] && a+=(--from "$3")
	[[ -n $4 ]] && a+=(--bird-socket "$4")
	"$1" "${a[@]}" bgp 2>/dev/null </dev/null | jq -r '.items[].name // empty' 2>/dev/null
}

# _caltrace_pod_ips NS...: pod addresses (routes through workload interfaces) in each namespace
_caltrace_pod_ips()
{
	local n
	for n in "$@"; do
		{
			_caltrace_ip "$n" -4 route show
			_caltrace_ip "$n" -6 route show
		} 2>/dev/null | awk '$2 == "dev" && $3 ~ /^cali/ { sub(/\/.*/, "", $1); print $1 }'
	done | awk '!seen[$0]++'
}

# _caltrace_path_ends NS NODESFILE PODS NODE...: SRC and DST for path: the pods of --pods FILE
# (NAMESPACE/POD) and the pod addresses of the namespace and of every live --node/--nodes node
_caltrace_path_ends()
{
	local ns=$1 nf=$2 pods=$3 n
	shift 3
	local -a spaces=("$ns")
	for n in "$@"; do [[ $n == *=* && ${n#*=} != @* ]] && spaces+=("${n#*=}"); done
	if [[ -n $nf && -f $nf && -r $nf ]]; then
		while read -r _ n _; do [[ -n $n && $n != @* ]] && spaces+=("$n"); done < <(sed 's/#.*//' -- "$nf")
	fi
	if [[ -n $pods && -f $pods && -r $pods ]] && command -v jq >/dev/null 2>&1; then
		jq -r '.items[]? | .metadata.namespace + "/" + .metadata.name' -- "$pods" 2>/dev/null
	fi
	_caltrace_pod_ips "${spaces[@]}"
}

# _caltrace_netns FROM VALUE: values for -n
_caltrace_netns()
{
	if [[ -n $1 && -f $1 && -r $1 ]] && command -v jq >/dev/null 2>&1; then
		jq -r '.netns[].name' -- "$1" 2>/dev/null
		return
	fi
	ip netns list 2>/dev/null | awk '{print $1}'
	echo "pid:"
	if [[ $2 == pid:* ]]; then
		local p
		for p in /proc/[0-9]*; do
			echo "pid:${p#/proc/}"
		done
	fi
}

_caltrace()
{
	COMPREPLY=()
	# Rebuild the words bash split at COMP_WORDBREAKS (--color=auto, pid:1, fe80::1).
	local -a w=()
	local i t glue=0
	for ((i = 0; i <= COMP_CWORD; i++)); do
		t=${COMP_WORDS[i]}
		if ((i > 0)) && { [[ $t =~ ^[=:]+$ ]] || ((glue)); }; then
			w[${#w[@]} - 1]+=$t
		else
			w+=("$t")
		fi
		[[ $t =~ ^[=:]+$ ]] && glue=1 || glue=0
	done
	local cur=${w[${#w[@]} - 1]}
	# readline replaces only the text after the last word break
	local rw=${COMP_WORDS[COMP_CWORD]}
	[[ $rw =~ ^[=:]+$ ]] && rw=""
	local pre=${cur%"$rw"}

	# What came before: the command, its arguments, and -n (every one: sniff
	# takes several), --from, --prefix and --bird-socket.
	local cmd="" ns="" from="" pfx="" sock="" arg1="" expect="" dashdash=0 nargs=0 k ch
	local nodesf="" podsf=""
	local -a nss=() nodes=()
	for ((i = 1; i < ${#w[@]} - 1; i++)); do
		t=${w[i]}
		if [[ -n $expect ]]; then
			case $expect in
			netns) ns=$t nss+=("$t") ;;
			from) from=$t ;;
			prefix) pfx=$t ;;
			bird-socket) sock=$t ;;
			node) nodes+=("$t") ;;
			nodes) nodesf=$t ;;
			pods) podsf=$t ;;
			esac
			expect=""
			continue
		fi
		if ((!dashdash)) && [[ $t == -?* ]]; then
			case $t in
			--) dashdash=1 ;;
			--netns | --from | --prefix | --bird-socket | --color | --pods | --output | --timeout | \
				--interface | --read | --write | --count | --snaplen | --inner | --interval | \
				--max-flows | --vxlan-port | --user | --node | --nodes | --proto | --port | --to-backend | \
				--wait | --size | --delay | --log | --policy-interval)
				expect=${t#--} ;;
			--node=*) nodes+=("${t#*=}") ;;
			--nodes=*) nodesf=${t#*=} ;;
			--pods=*) podsf=${t#*=} ;;
			--netns=*) ns=${t#*=} nss+=("$ns") ;;
			--from=*) from=${t#*=} ;;
			--prefix=*) pfx=${t#*=} ;;
			--bird-socket=*) sock=${t#*=} ;;
			--*) ;;
			*)
				# a cluster of short options: -jn NS, -nNS, -jc5
				for ((k = 1; k < ${#t}; k++)); do
					ch=${t:k:1}
					[[ $ch == [jhVb] ]] && continue
					[[ -n ${_caltrace_short_arg[$ch]-} ]] || break
					if ((k + 1 < ${#t})); then
						[[ $ch == n ]] && ns=${t:k+1} nss+=("$ns")
					else
						expect=${_caltrace_short_arg[$ch]}
					fi
					break
				done
				;;
			esac
			continue
		fi
		if [[ -z $cmd ]]; then
			cmd=$t
		else
			nargs=$((nargs + 1))
			((nargs == 1)) && arg1=$t
		fi
	done
	[[ $from == \~/* ]] && from=$HOME/${from#\~/}
	[[ $sock == \~/* ]] && sock=$HOME/${sock#\~/}

	local -a cands=()
	local files="" val="" opt=""
	if [[ -n $expect ]]; then
		opt=$expect val=$cur
	elif ((!dashdash)) && [[ $cur == --*=* ]]; then
		opt=${cur%%=*} opt=${opt#--} val=${cur#*=}
	fi
	if [[ -n $opt ]]; then
		case $opt in
		n | netns) mapfile -t cands < <(_caltrace_netns "$from" "$val") ;;
		color) cands=(auto always never) ;;
		pods) cands=(kubectl crictl -) files=1 ;;
		from | output | bird-socket | read | write | nodes | log) files=1 ;;
		proto) cands=(icmp tcp udp) ;;
		node)
			# NAME=NETNS or NAME=@FILE: after "NAME=", namespaces and @files
			if [[ $val == *=* ]]; then
				local nn=${val%%=*} v2=${val#*=} x
				if [[ $v2 == @* ]]; then
					while read -r x; do cands+=("$nn=@$x"); done < <(compgen -f -- "${v2#@}")
				else
					while read -r x; do cands+=("$nn=$x"); done < <(_caltrace_netns "" "$v2")
				fi
			fi
			;;
		interface) mapfile -t cands < <(_caltrace_capture_ifaces "$val" "${nss[@]}") ;;
		user) mapfile -t cands < <(compgen -u -- "$val") ;;
		esac
		if [[ -n $files ]]; then
			mapfile -t -O "${#cands[@]}" cands < <(compgen -f -- "$val")
			compopt -o filenames 2>/dev/null
		fi
		if [[ $cur != "$val" ]]; then # --opt=value: candidates are whole words
			for i in "${!cands[@]}"; do
				cands[i]=${cur%%=*}=${cands[i]}
			done
		fi
	elif ((!dashdash)) && [[ $cur == -* ]]; then
		cands=("${_caltrace_global_opts[@]}")
		case $cmd in
		"") cands+=(--from --exported "${_caltrace_snapshot_opts[@]}" "${_caltrace_sniff_opts[@]}" --node --nodes --proto --port --to-backend --probe --wait --size --mtu --no-reverse --tui -b --batch -d --delay --log --policy-interval) ;; # every option
		links) cands+=("${_caltrace_links_opts[@]}") ;;
		tunnel | routes | neigh) cands+=("${_caltrace_model_opts[@]}") ;;
		bgp) cands+=("${_caltrace_bgp_opts[@]}") ;;
		doctor) cands+=("${_caltrace_doctor_opts[@]}") ;;
		snapshot) cands+=("${_caltrace_snapshot_opts[@]}") ;;
		sniff) cands+=("${_caltrace_sniff_opts[@]}") ;;
		path) cands+=("${_caltrace_path_opts[@]}") ;;
		shell) cands+=(--pods) ;;
		top) cands+=("${_caltrace_top_opts[@]}") ;;
		esac
	elif [[ -z $cmd ]]; then
		cands=("${_caltrace_cmds[@]}")
	else
		case $cmd in
		links)
			# workload interfaces (--prefix, $FELIX_INTERFACEPREFIX, cali); else all
			local -a all=() prefixes=()
			local a p
			mapfile -t all < <(_caltrace_ifaces "$ns" "$from")
			IFS=, read -ra prefixes <<<"${pfx:-${FELIX_INTERFACEPREFIX:-cali}}"
			for a in "${all[@]}"; do
				for p in "${prefixes[@]}"; do
					[[ -n $p && $a == "$p"* ]] && cands+=("$a") && break
				done
			done
			((${#cands[@]})) || cands=("${all[@]}")
			;;
		neigh) ((nargs)) || mapfile -t cands < <(_caltrace_ifaces "$ns" "$from") ;;
		routes) ((nargs)) || mapfile -t cands < <(_caltrace_prefixes "$ns" "$from") ;;
		bgp)
			# [routes] [PEER]; a snapshot keeps no routes of a PEER
			local prog=${w[0]}
			[[ $prog == \~/* ]] && prog=$HOME/${prog#\~/}
			((nargs)) || cands=(routes)
			if ((nargs == 0)) || { ((nargs == 1)) && [[ $arg1 == routes && -z $from ]]; }; then
				mapfile -t -O "${#cands[@]}" cands < <(_caltrace_bgp_peers "$prog" "$ns" "$from" "$sock")
			fi
			;;
		path) ((nargs < 2)) && mapfile -t cands < <(_caltrace_path_ends "$ns" "$nodesf" "$podsf" "${nodes[@]}") ;;
		help) ((nargs)) || cands=("${_caltrace_cmds[@]}") ;;
		esac
	fi

	local c
	for c in "${cands[@]}"; do
		[[ -n $c && $c == "$cur"* ]] && COMPREPLY+=("${c#"$pre"}")
	done
	# pid: and --opt= want their value right after them
	if ((${#COMPREPLY[@]} == 1)) && [[ ${COMPREPLY[0]} == *[:=] ]]; then
		compopt -o nospace 2>/dev/null
	fi
	return 0
}
complete -F _caltrace caltrace
