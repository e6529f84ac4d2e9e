# fish completion for caltrace(1)
# SPDX-License-Identifier: MIT
#
# Mirrors the command and option tables in cmd/main.c (ct_cmds, ct_opts_table);
# tests/integration/docs.sh fails when this file, `caltrace --help` and the man
# page disagree.

# Prints "cmd ns from prefix nargs socket arg1" (one a line, "" when absent)
# from the tokens before the cursor: the command, -n/--netns, --from, --prefix,
# how many arguments follow the command, --bird-socket, and the first argument.
# Words after "--" are arguments, not options. With the argument "netns", prints
# every -n instead (sniff takes several), one a line.
function __caltrace_state
    set -l toks (commandline -opc)
    set -e toks[1]
    set -l cmd ''
    set -l ns ''
    set -l from ''
    set -l pfx ''
    set -l sock ''
    set -l arg1 ''
    set -l nargs 0
    set -l expect ''
    set -l dashdash 0
    set -l nss
    for t in $toks
        # (string match, not test: test reads a word such as -n as an operator)
        if test $dashdash = 0 -a -z "$expect"; and string match -q -- -- $t
            # "--" ends the options: every word after it is an argument
            set dashdash 1
            continue
        end
        if test $dashdash = 1
            if test -z "$cmd"
                set cmd $t
            else
                set nargs (math $nargs + 1)
                test $nargs = 1; and set arg1 $t
            end
            continue
        end
        switch $expect
            case netns
                set ns $t
                set -a nss $t
                set expect ''
                continue
            case from
                set from $t
                set expect ''
                continue
            case prefix
                set pfx $t
                set expect ''
                continue
            case sock
                set sock $t
                set expect ''
                continue
            case skip
                set expect ''
                continue
        end
        if string match -qr -- '^-[jhVb]*[noirwcsZd]$' $t
            # short options ending in one that takes a value: -n NS, -jn NS
            string match -q -- '*n' $t; and set expect netns; or set expect skip
            continue
        end
        if string match -qr -- '^-[jhVb]*[noirwcsZd].' $t
            # ... with its value attached: -nNS, -jc5
            set -l v (string replace -r -- '^-[jhVb]*' '' $t)
            if string match -q -- 'n*' $v
                set ns (string sub -s 2 -- $v)
                set -a nss $ns
            end
            continue
        end
        switch $t
            case -n --netns
                set expect netns
            case --from
                set expect from
            case --prefix
                set expect prefix
            case --bird-socket
                set expect sock
            case --color --pods --output --timeout --interface --read --write --count --snaplen \
                --inner --interval --max-flows --vxlan-port --user --node --nodes --proto --port --to-backend \
                --wait --size --delay --log --policy-interval
                set expect skip
            case '--netns=*'
                set ns (string replace -r '^[^=]*=' '' -- $t)
                set -a nss $ns
            case '--from=*'
                set from (string replace -r '^[^=]*=' '' -- $t)
            case '--prefix=*'
                set pfx (string replace -r '^[^=]*=' '' -- $t)
            case '--bird-socket=*'
                set sock (string replace -r '^[^=]*=' '' -- $t)
            case '-*'
            case '*'
                if test -z "$cmd"
                    set cmd $t
                else
                    set nargs (math $nargs + 1)
                    test $nargs = 1; and set arg1 $t
                end
        end
    end
    set from (string replace -r '^~/' "$HOME/" -- $from)
    set sock (string replace -r '^~/' "$HOME/" -- $sock)
    if test "$argv[1]" = netns
        printf '%s\n' $nss
        return
    end
    printf '%s\n' $cmd $ns $from $pfx $nargs $sock $arg1
end

# no command yet
function __caltrace_needs_command
    set -l s (__caltrace_state)
    test -z "$s[1]"
end

# __caltrace_using CMD [NARGS]: the command is CMD (and has NARGS arguments)
function __caltrace_using
    set -l s (__caltrace_state)
    test "$s[1]" = "$argv[1]"; or return 1
    test (count $argv) -lt 2; or test "$s[5]" = "$argv[2]"
end

# __caltrace_takes OPT: the command on the line takes OPT (any before a command)
function __caltrace_takes
    set -l s (__caltrace_state)
    switch "$s[1]"
        case ''
            return 0
        case links
            contains -- $argv[1] from pods timeout
        case tunnel routes neigh
            contains -- $argv[1] from
        case bgp
            contains -- $argv[1] from bird-socket timeout exported
        case doctor
            contains -- $argv[1] from bird-socket timeout pods
        case snapshot
            contains -- $argv[1] pods output timeout bird-socket
        case sniff
            contains -- $argv[1] interface read write count snaplen inner flows interval max-flows vxlan-port checksums user
        case path
            contains -- $argv[1] from pods timeout bird-socket node nodes proto port to-backend probe count wait size mtu no-reverse user tui
        case shell
            contains -- $argv[1] pods
        case top
            contains -- $argv[1] from pods timeout bird-socket batch delay count log policy-interval flows
        case '*'
            return 1
    end
end

# __caltrace_ip NS ARGS...: ip(8) in the namespace as -n takes it
function __caltrace_ip
    set -l ns $argv[1]
    set -e argv[1]
    switch "$ns"
        case ''
            ip $argv 2>/dev/null
        case 'pid:*'
            nsenter --net=/proc/(string sub -s 5 -- $ns)/ns/net ip $argv 2>/dev/null
        case '*/*'
            nsenter --net=$ns ip $argv 2>/dev/null
        case '*'
            ip -n $ns $argv 2>/dev/null
    end
end

# __caltrace_snap JQ-FILTER: the filter applied to the namespace of --from
function __caltrace_snap
    set -l s (__caltrace_state)
    command -q jq; or return 1
    jq -r --arg ns "$s[2]" "(if \$ns == \"\" then .netns[0] else (.netns[] | select(.name == \$ns)) end) | $argv[1]" -- $s[3] 2>/dev/null
end

function __caltrace_from_snapshot
    set -l s (__caltrace_state)
    test -n "$s[3]" -a -f "$s[3]" -a -r "$s[3]"
end

# -n: names under /var/run/netns and pid:PID; with --from, the snapshot's
function __caltrace_netns
    set -l s (__caltrace_state)
    if __caltrace_from_snapshot; and command -q jq
        jq -r '.netns[].name' -- $s[3] 2>/dev/null
        return
    end
    ip netns list 2>/dev/null | string replace -r ' .*' ''
    printf '%s\t%s\n' 'pid:' 'namespace of a process'
    if string match -q 'pid:*' -- (commandline -ct)
        __fish_complete_pids | string replace -r '^' 'pid:'
    end
end

# interface names; "workload" prefers those with a workload prefix
function __caltrace_ifaces
    set -l s (__caltrace_state)
    set -l all
    if __caltrace_from_snapshot
        set all (__caltrace_snap '.links[].name')
    else
        set all (__caltrace_ip "$s[2]" -o link show | string replace -r '^[0-9]+: ([^:@ ]+).*' '$1')
    end
    if test "$argv[1]" = workload
        set -l pfx $s[4]
        test -n "$pfx"; or set pfx $FELIX_INTERFACEPREFIX
        test -n "$pfx"; or set pfx cali
        set -l wl
        for a in $all
            for p in (string split , -- $pfx)
                if test -n "$p"; and string match -q -- "$p*" $a
                    set -a wl $a
                    break
                end
            end
        end
        test (count $wl) -gt 0; and set all $wl
    end
    printf '%s\n' $all
end

# sniff -i: "any" and the interfaces of every -n namespace (the current one
# without -n); after "NS:", the interfaces of NS
function __caltrace_capture_ifaces
    set -l cur (commandline -ct)
    string match -q -- '--*=*' $cur; and set cur (string replace -r -- '^[^=]*=' '' $cur)
    if string match -q -- '*:*' $cur; and not string match -qr -- '^pid:[0-9]*$' $cur
        set -l n (string replace -r -- ':[^:]*$' '' $cur)
        printf '%s\n' any (__caltrace_ip $n -o link show | string replace -r '^[0-9]+: ([^:@ ]+).*' '$1') |
            string replace -r '^' "$n:"
        return
    end
    set -l nss (__caltrace_state netns)
    test (count $nss) -gt 0; or set nss ''
    begin
        echo any
        for n in $nss
            __caltrace_ip "$n" -o link show | string replace -r '^[0-9]+: ([^:@ ]+).*' '$1'
        end
    end | awk '!seen[$0]++'
end

# route destinations, for `routes PREFIX`
function __caltrace_routes
    set -l s (__caltrace_state)
    if __caltrace_from_snapshot
        __caltrace_snap '.routes[].dst // empty'
        return
    end
    begin
        __caltrace_ip "$s[2]" -4 route show
        __caltrace_ip "$s[2]" -6 route show
    end | awk '{ d = $1 }
        d ~ /^(blackhole|unreachable|prohibit|throw|local|broadcast|anycast|multicast|nat)$/ { d = $2 }
        d != "default" && !seen[d]++ { print d }'
end

# bgp [routes] [PEER]: a peer first, or after routes (not from a snapshot,
# which keeps no routes of a PEER)
function __caltrace_bgp_wants_peer
    set -l s (__caltrace_state)
    test "$s[1]" = bgp; or return 1
    test "$s[5]" = 0; and return 0
    test "$s[5]" = 1 -a "$s[7]" = routes -a -z "$s[3]"
end

# BIRD's BGP protocol names, as `caltrace bgp` lists them (with the -n, --from
# and --bird-socket given); nothing when that fails
function __caltrace_bgp_peers
    set -l s (__caltrace_state)
    command -q jq; or return 0
    set -l prog (commandline -opc)[1]
    set prog (string replace -r '^~/' "$HOME/" -- $prog)
    if not command -q -- $prog
        test -x "$prog"; and string match -q -- '*/*' $prog; or return 0
    end
    set -l a -j --timeout 2
    test -n "$s[2]"; and set -a a -n $s[2]
    test -n "$s[3]"; and set -a a --from $s[3]
    test -n "$s[6]"; and set -a a --bird-socket $s[6]
    command $prog $a bgp 2>/dev/null </dev/null | jq -r '.items[].name // empty' 2>/dev/null
end

# path SRC DST: pod addresses (routes through workload interfaces) of the namespace of -n
function __caltrace_pod_ips
    set -l s (__caltrace_state)
    begin
        __caltrace_ip "$s[2]" -4 route show
        __caltrace_ip "$s[2]" -6 route show
    end | awk '$2 == "dev" && $3 ~ /^cali/ { sub(/\/.*/, "", $1); print $1 }'
end

complete -c caltrace -e
complete -c caltrace -f

# commands
complete -c caltrace -n __caltrace_needs_command -a links -d 'workload interfaces (cali*): pod, IPs, sysctls, counters, and what is wrong with them'
complete -c caltrace -n __caltrace_needs_command -a tunnel -d 'encapsulation devices (tunl0, vxlan.calico, wireguard.cali) and the mode they imply'
complete -c caltrace -n __caltrace_needs_command -a routes -d 'every route classified (workload, blackhole, ipip, vxlan, native, ...) with its owner'
complete -c caltrace -n __caltrace_needs_command -a neigh -d 'neighbour (ARP/ND) entries, table pressure, and the pod gateway entry'
complete -c caltrace -n __caltrace_needs_command -a bgp -d 'BGP sessions from BIRD\'s control socket, the kernel\'s TCP 179, and BIRD\'s routes against the kernel'
complete -c caltrace -n __caltrace_needs_command -a doctor -d 'every node check in one run: links, routes, tunnels, neighbours, BGP, and node settings'
complete -c caltrace -n __caltrace_needs_command -a snapshot -d 'save the node\'s state (host and pod namespaces, BIRD\'s view) as JSON for --from'
complete -c caltrace -n __caltrace_needs_command -a sniff -d 'capture and decode IPIP and VXLAN traffic, outer and inner, live in several namespaces or from a pcap; flows with --flows'
complete -c caltrace -n __caltrace_needs_command -a path -d 'the path from SRC to DST hop by hop across nodes, forward and back, each hop with its verdict; --probe sends real packets'
complete -c caltrace -n __caltrace_needs_command -a top -d 'a live dashboard of the node: workloads, tunnels, BGP peers, neighbours, drops, findings and events; -b for text'
complete -c caltrace -n __caltrace_needs_command -a veth-name -d 'print the host-side interface name Calico gives a pod'
complete -c caltrace -n __caltrace_needs_command -a shell -d 'an interactive shell: every command without the caltrace prefix, with completion, history and use NS'
complete -c caltrace -n __caltrace_needs_command -a help -d 'show help for caltrace or one command'
complete -c caltrace -n __caltrace_needs_command -a version -d 'print the version'

# options every command takes
complete -c caltrace -s n -l netns -x -a '(__caltrace_netns)' -d 'network namespace: a name under /var/run/netns, a path, or pid:PID (sniff: repeatable)'
complete -c caltrace -s j -l json -d 'print JSON'
complete -c caltrace -l color -x -a 'auto always never' -d 'colour text output'
complete -c caltrace -l prefix -x -d 'workload interface prefixes, comma-separated'
complete -c caltrace -s h -l help -d 'show help'
complete -c caltrace -s V -l version -d 'print the version'
# options of some commands
complete -c caltrace -n '__caltrace_takes from' -l from -r -F -d 'read a snapshot instead of the live kernel'
complete -c caltrace -n '__caltrace_takes pods' -l pods -r -F -a 'kubectl\t"run kubectl get pods -A -o json" crictl\t"run crictl pods -o json" -\t"standard input"' -d 'pods from kubectl, crictl or a file'
complete -c caltrace -n '__caltrace_takes output' -s o -l output -r -F -d 'snapshot: write to FILE instead of standard output'
complete -c caltrace -n '__caltrace_takes timeout' -l timeout -x -d 'deadline for kubectl/crictl and for the whole BIRD exchange, in seconds'
complete -c caltrace -n '__caltrace_takes bird-socket' -l bird-socket -r -F -d 'BIRD\'s control socket'
complete -c caltrace -n '__caltrace_takes exported' -l exported -d 'bgp routes PEER: the routes advertised to PEER instead of those learned from it'
complete -c caltrace -n '__caltrace_takes interface' -s i -l interface -x -a '(__caltrace_capture_ifaces)' -d 'sniff: capture on IFACE, or NS:IFACE in namespace NS'
complete -c caltrace -n '__caltrace_takes read' -s r -l read -r -F -d 'sniff: read packets from a pcap or pcapng file'
complete -c caltrace -n '__caltrace_takes write' -s w -l write -r -F -d 'sniff: write the packets to a pcap file'
complete -c caltrace -n '__caltrace_takes count' -s c -l count -x -d 'sniff: stop after N packets'
complete -c caltrace -n '__caltrace_takes batch' -s b -l batch -d 'top: no curses, one frame per tick on standard output'
complete -c caltrace -n '__caltrace_takes delay' -s d -l delay -x -d 'top: seconds between two frames'
complete -c caltrace -n '__caltrace_takes log' -l log -r -F -d 'top: also write each event to FILE'
complete -c caltrace -n '__caltrace_takes policy-interval' -l policy-interval -x -d 'top: seconds between two reads of the policy drop counters'
complete -c caltrace -n '__caltrace_takes snaplen' -s s -l snaplen -x -d 'sniff: capture at most N bytes of each packet'
complete -c caltrace -n '__caltrace_takes inner' -l inner -x -d 'sniff: only packets whose inner packet matches the pcap filter'
complete -c caltrace -n '__caltrace_takes flows' -l flows -d 'sniff: print flows instead of packets; top: a pane of the live flows'
complete -c caltrace -n '__caltrace_takes interval' -l interval -x -d 'sniff --flows: also report the top flows every SECONDS'
complete -c caltrace -n '__caltrace_takes max-flows' -l max-flows -x -d 'sniff --flows: keep at most N flow entries'
complete -c caltrace -n '__caltrace_takes vxlan-port' -l vxlan-port -x -d 'sniff: decode UDP to PORT as VXLAN'
complete -c caltrace -n '__caltrace_takes checksums' -l checksums -d 'sniff: verify IPv4 header, TCP, UDP and ICMP checksums'
complete -c caltrace -n '__caltrace_takes user' -s Z -l user -x -a '(__fish_complete_users)' -d 'sniff: once the capture is open, run as USER'
complete -c caltrace -n '__caltrace_takes node' -l node -x -a '(ip netns list 2>/dev/null | string replace -r " .*" "" | string replace -r "^" "NAME=")' -d 'path: another node, NAME=NETNS or NAME=@SNAPSHOT'
complete -c caltrace -n '__caltrace_takes nodes' -l nodes -r -F -d 'path: the nodes from FILE (NAME NETNS|@SNAPSHOT [bird=PATH])'
complete -c caltrace -n '__caltrace_takes proto' -l proto -x -a 'icmp tcp udp' -d 'path: the packet\'s protocol'
complete -c caltrace -n '__caltrace_takes port' -l port -x -d 'path: with --proto tcp or udp, the destination port'
complete -c caltrace -n '__caltrace_takes to-backend' -l to-backend -x -d 'path: when DST is a Service VIP, trace to this backend of it'
complete -c caltrace -n '__caltrace_takes probe' -l probe -d 'path: send real packets from SRC and watch every hop'
complete -c caltrace -n '__caltrace_takes wait' -l wait -x -d 'path --probe: seconds before a probe is lost'
complete -c caltrace -n '__caltrace_takes size' -l size -x -d 'path --probe: payload bytes of each probe, DF set'
complete -c caltrace -n '__caltrace_takes mtu' -l mtu -d 'path --probe: find the largest packet that passes end to end'
complete -c caltrace -n '__caltrace_takes no-reverse' -l no-reverse -d 'path --probe: do not also probe from DST back to SRC'
complete -c caltrace -n '__caltrace_takes tui' -l tui -d 'path: full screen, the reverse path on r, a live probe on p'

# arguments
complete -c caltrace -n '__caltrace_using links' -a '(__caltrace_ifaces workload)' -d 'workload interface'
complete -c caltrace -n '__caltrace_using neigh 0' -a '(__caltrace_ifaces)' -d interface
complete -c caltrace -n '__caltrace_using routes 0' -a '(__caltrace_routes)' -d route
complete -c caltrace -n '__caltrace_using bgp 0' -a routes -d 'BIRD\'s routes against the kernel'
complete -c caltrace -n __caltrace_bgp_wants_peer -a '(__caltrace_bgp_peers)' -d 'BGP peer'
complete -c caltrace -n '__caltrace_using path 0' -a '(__caltrace_pod_ips)' -d 'pod address'
complete -c caltrace -n '__caltrace_using path 1' -a '(__caltrace_pod_ips)' -d 'pod address'
complete -c caltrace -n '__caltrace_using help 0' -a 'links tunnel routes neigh bgp doctor snapshot sniff path top veth-name shell help version'
