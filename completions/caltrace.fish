# fish completion for caltrace(1)
# SPDX-License-Identifier: MIT
#
# Mirrors the command and option tables in cmd/main.c (ct_cmds, ct_opts_table);
# tests/integration/docs.sh fails when this file, `caltrace --help` and the man
# page disagree.

# Prints "cmd ns from prefix nargs" (one a line, "" when absent) from the tokens
# before the cursor: the command, -n/--netns, --from, --prefix, and how many
# arguments follow the command. Words after "--" are arguments, not options.
function __caltrace_state
    set -l toks (commandline -opc)
    set -e toks[1]
    set -l cmd ''
    set -l ns ''
    set -l from ''
    set -l pfx ''
    set -l nargs 0
    set -l expect ''
    set -l dashdash 0
    for t in $toks
        if test $dashdash = 0 -a -z "$expect" -a "$t" = --
            # "--" ends the options: every word after it is an argument
            set dashdash 1
            continue
        end
        if test $dashdash = 1
            if test -z "$cmd"
                set cmd $t
            else
                set nargs (math $nargs + 1)
            end
            continue
        end
        switch $expect
            case netns
                set ns $t
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
            case skip
                set expect ''
                continue
        end
        if string match -qr -- '^-[jhV]+[no]$' $t
            # bundled short options ending in one that takes a value: -jn NS
            string match -q -- '*n' $t; and set expect netns; or set expect skip
            continue
        end
        switch $t
            case -n --netns
                set expect netns
            case --from
                set expect from
            case --prefix
                set expect prefix
            case --color --pods -o --output --timeout
                set expect skip
            case '--netns=*'
                set ns (string replace -r '^[^=]*=' '' -- $t)
            case '--from=*'
                set from (string replace -r '^[^=]*=' '' -- $t)
            case '--prefix=*'
                set pfx (string replace -r '^[^=]*=' '' -- $t)
            case '-n?*'
                set ns (string sub -s 3 -- $t)
            case '-*'
            case '*'
                if test -z "$cmd"
                    set cmd $t
                else
                    set nargs (math $nargs + 1)
                end
        end
    end
    set from (string replace -r '^~/' "$HOME/" -- $from)
    printf '%s\n' $cmd $ns $from $pfx $nargs
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
        case snapshot
            contains -- $argv[1] pods output timeout
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

complete -c caltrace -e
complete -c caltrace -f

# commands
complete -c caltrace -n __caltrace_needs_command -a links -d 'workload interfaces (cali*): pod, IPs, sysctls, counters, and what is wrong with them'
complete -c caltrace -n __caltrace_needs_command -a tunnel -d 'encapsulation devices (tunl0, vxlan.calico, wireguard.cali) and the mode they imply'
complete -c caltrace -n __caltrace_needs_command -a routes -d 'every route classified (workload, blackhole, ipip, vxlan, native, ...) with its owner'
complete -c caltrace -n __caltrace_needs_command -a neigh -d 'neighbour (ARP/ND) entries, table pressure, and the pod gateway entry'
complete -c caltrace -n __caltrace_needs_command -a snapshot -d 'save the node\'s state (host and pod namespaces) as JSON for --from'
complete -c caltrace -n __caltrace_needs_command -a veth-name -d 'print the host-side interface name Calico gives a pod'
complete -c caltrace -n __caltrace_needs_command -a help -d 'show help for caltrace or one command'
complete -c caltrace -n __caltrace_needs_command -a version -d 'print the version'

# options every command takes
complete -c caltrace -s n -l netns -x -a '(__caltrace_netns)' -d 'network namespace: a name under /var/run/netns, a path, or pid:PID'
complete -c caltrace -s j -l json -d 'print JSON'
complete -c caltrace -l color -x -a 'auto always never' -d 'colour text output'
complete -c caltrace -l prefix -x -d 'workload interface prefixes, comma-separated'
complete -c caltrace -s h -l help -d 'show help'
complete -c caltrace -s V -l version -d 'print the version'
# options of some commands
complete -c caltrace -n '__caltrace_takes from' -l from -r -F -d 'read a snapshot instead of the live kernel'
complete -c caltrace -n '__caltrace_takes pods' -l pods -r -F -a 'kubectl\t"run kubectl get pods -A -o json" crictl\t"run crictl pods -o json" -\t"standard input"' -d 'pods from kubectl, crictl or a file'
complete -c caltrace -n '__caltrace_takes output' -s o -l output -r -F -d 'snapshot: write to FILE instead of standard output'
complete -c caltrace -n '__caltrace_takes timeout' -l timeout -x -d 'deadline for child processes such as kubectl, in seconds'

# arguments
complete -c caltrace -n '__caltrace_using links' -a '(__caltrace_ifaces workload)' -d 'workload interface'
complete -c caltrace -n '__caltrace_using neigh 0' -a '(__caltrace_ifaces)' -d interface
complete -c caltrace -n '__caltrace_using routes 0' -a '(__caltrace_routes)' -d route
complete -c caltrace -n '__caltrace_using help 0' -a 'links tunnel routes neigh snapshot veth-name help version'
