#!/bin/bash
# SPDX-License-Identifier: MIT
#
# A CLI that explains itself. The commands come from `caltrace -j help`; every other
# expectation comes from an independent source:
#   man/caltrace.1 (rendered)  OPTIONS' "Commands: ..." line says which commands take an
#                              option; FINDINGS' table lists the real codes; each command's
#                              paragraph in COMMANDS names the codes it raises
#   pkg-config, tcpdump        the versions of the libraries -j version reports
#   the usage errors           the exact lines the man page's OPTIONS section promises
# Checked: `caltrace CMD --help` (and `caltrace help CMD`, the same text) exits 0, fits 80
# columns, lists exactly the options the man page gives CMD, uses only those in its
# examples, and names only real finding codes, at least those the man page names for CMD;
# -j help and -j version are JSON whose keys the man page documents; a missing, empty or
# out-of-range option value is one line on stderr, nothing on stdout, exit 2.
# No lab and no root.
set -u -o pipefail
. "$(dirname "$0")/../lib.sh"
need_cmd jq python3
need_caltrace
command -v groff >/dev/null 2>&1 || skip_all "groff is not installed (to read the man page)"

TMP=$(mktemp -d /tmp/caltrace-clihelp.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
MAN=$TOP/man/caltrace.1

man_txt=$(groff -t -man -Tascii -rLL=250n -rHY=0 -P-cbou "$MAN" 2>/dev/null)
[ -n "$man_txt" ] || bail "man page renders" "groff gave nothing for $MAN"
# man_section NAME: the rendered section's lines
man_section() { printf '%s\n' "$man_txt" | awk -v s="$1" '/^[A-Z]/ { on = ($0 == s); next } on'; }
sec_opts=$(man_section OPTIONS)
sec_cmds=$(man_section COMMANDS)
sec_json=$(man_section "JSON OUTPUT")
# the real codes: the FINDINGS table's rows "code severity command ..."
man_codes=$(man_section FINDINGS | awk '$1 ~ /^[a-z0-9_]+$/ && $2 ~ /^(info|warn|fail)$/ { print $1 }' | sort -u)
[ -n "$man_codes" ] || bail "man FINDINGS lists codes"

# "LONG all" or "LONG cmd1 cmd2": which commands take each option, per the man page
man_takers=$(printf '%s\n' "$sec_opts" | awk '
	function ind(s) { match(s, /[^ ]/); return RSTART - 1 }
	/[^ ]/ && ind($0) >= 5 && ind($0) <= 8 {
		long = ""
		t = $0; gsub(/,/, " ", t); n = split(t, w, " ")
		for (i = 1; i <= n; i++) if (w[i] ~ /^--[a-z]/) long = substr(w[i], 3)
		next
	}
	long != "" && /^ *Commands: / {
		t = $0; sub(/^ *Commands: /, "", t); sub(/\.$/, "", t); gsub(/,/, "", t)
		print long, t; long = ""
	}')
[ -n "$man_takers" ] || bail "man OPTIONS says which commands take each option"
# man_opts CMD: the long options the man page gives CMD, one a line, sorted
man_opts() {
	printf '%s\n' "$man_takers" | awk -v c="$1" '{ for (i = 2; i <= NF; i++) if ($i == "all" || $i == c) { print "--" $1; break } }' | sort -u
}
# man_cmd_codes CMD: the codes the "Findings: ..." sentences of CMD's paragraph in COMMANDS
# name (not those it says another command raises)
man_cmd_codes() {
	printf '%s\n' "$sec_cmds" | awk -v c="$1" '
		function ind(s) { match(s, /[^ ]/); return RSTART - 1 }
		/[^ ]/ && ind($0) >= 5 && ind($0) <= 8 { split($0, w, " "); on = (w[1] == c); next }
		on' | tr '\n' ' ' | grep -oE 'Findings[^.]*\.' | sed -E 's/[a-z0-9_]+ \(raised by [a-z]+\)//g' |
		grep -oE '[a-z0-9_]+' |
		grep -Fxf <(printf '%s\n' "$man_codes") | sort -u
}

# joinw LINES: the lines as one line of words
joinw() { printf '%s\n' "$1" | tr '\n' ' ' | sed 's/  */ /g; s/^ //; s/ $//'; }

# ---------------------------------------------------------------- -j help, -j version
jhelp=$("$CALTRACE" -j help 2>"$TMP/err")
rc=$?
is "caltrace -j help exits 0, nothing on stderr" "$rc $(cat "$TMP/err")" "0 "
if printf '%s\n' "$jhelp" | python3 -m json.tool >/dev/null 2>&1 && json_valid "$jhelp"; then
	ok "caltrace -j help is JSON (python3 -m json.tool and jq)"
else
	not_ok "caltrace -j help is JSON (python3 -m json.tool and jq)" "$(printf '%s\n' "$jhelp" | head -n 5)"
	jhelp='{}'
fi
commands=$(json_get "$jhelp" '.commands[].name')
if [ -z "$commands" ]; then
	not_ok "caltrace -j help lists commands" "$jhelp"
	# go on with the text list, so that every other check still says what it finds
	fallback=$("$CALTRACE" --help)
	commands=$(printf '%s\n' "$fallback" | awk '/^commands:/ { on = 1; next } /^$/ { on = 0 } on && /^  [a-z]/ { print $1 }')
fi
is "caltrace -j help: command is help" "$(json_get "$jhelp" .command)" help
# the text list of caltrace --help names the same commands
help_all=$("$CALTRACE" --help)
rc=$?
text_cmds=$(printf '%s\n' "$help_all" | awk '/^commands:/ { on = 1; next } /^$/ { on = 0 } on && /^  [a-z]/ { print $1 }')
is "caltrace --help lists the commands of -j help" "$rc $(printf '%s\n' "$text_cmds" | tr '\n' ' ')" \
	"0 $(printf '%s\n' "$commands" | tr '\n' ' ')"
long=$(printf '%s\n' "$help_all" | awk 'length > 80')
is "caltrace --help fits in 80 columns" "$long" ""
out=$("$CALTRACE" help)
is "caltrace help prints what caltrace --help prints" "$out" "$help_all"

jver=$("$CALTRACE" -j version 2>"$TMP/err")
rc=$?
is "caltrace -j version exits 0, nothing on stderr" "$rc $(cat "$TMP/err")" "0 "
if printf '%s\n' "$jver" | python3 -m json.tool >/dev/null 2>&1 && json_valid "$jver"; then
	ok "caltrace -j version is JSON (python3 -m json.tool and jq)"
else
	not_ok "caltrace -j version is JSON (python3 -m json.tool and jq)" "$jver"
fi
text_ver=$("$CALTRACE" version)
is "caltrace -j version: the version of caltrace version" "caltrace $(json_get "$jver" .version)" "$text_ver"
jver2=$("$CALTRACE" -j --version)
is "caltrace -j --version prints what -j version prints" "$jver2" "$jver"
# library versions against pkg-config (the headers built against) and tcpdump (libpcap's own words)
lib_field() { json_get "$jver" ".libraries[] | select(.name == \"$1\") | .$2"; }
for pair in libnl-3:libnl-3.0 jansson:jansson libcrypto:libcrypto; do
	name=${pair%%:*} pc=${pair#*:}
	want=$(pkg-config --modversion "$pc" 2>/dev/null)
	if [ -z "$want" ]; then
		skip "-j version: $name built_with is pkg-config's" "pkg-config knows no $pc"
		continue
	fi
	is "-j version: $name built_with is pkg-config's $pc version" "$(lib_field "$name" built_with)" "$want"
	is "-j version: $name version running is a version" \
		"$(lib_field "$name" version | grep -cE '^[0-9]+\.[0-9]+')" 1
done
if command -v tcpdump >/dev/null 2>&1; then
	want=$(tcpdump --version 2>&1 | grep '^libpcap version')
	is "-j version: libpcap text is what tcpdump says of its libpcap" "$(lib_field libpcap text)" "$want"
else
	skip "-j version: libpcap text against tcpdump" "tcpdump is not installed"
fi
is "-j version: libpcap version is in its text" \
	"$(lib_field libpcap text | grep -cF " $(lib_field libpcap version)")" 1

# every key of the two documents is documented in its JSON OUTPUT subsection
subsection() { printf '%s\n' "$sec_json" | awk -v s="$1" '/^   [^ ]/ { split($0, w, " "); on = (w[1] == s); next } on'; }
doc_keys() { # NAME JSON SUBSECTION
	local missing="" k text
	text=$(subsection "$3")
	for k in $(printf '%s\n' "$2" | jq -r '[.. | objects | keys[]] | unique[]'); do
		grep -Eq "(^|[^a-z0-9_])${k}([^a-z0-9_]|\$)" <<<"$text" || missing="$missing $k"
	done
	is "$1: every key is in the man page's JSON OUTPUT, $3" "${missing# }" ""
}
doc_keys "caltrace -j help" "$jhelp" help
doc_keys "caltrace -j version" "$jver" version
one=$("$CALTRACE" -j help links)
is "caltrace -j help links: only links' row" "$(json_get "$one" '[.commands[].name] | join(" ")')" links

# ---------------------------------------------------------------- each command's help
for c in $commands; do
	out=$("$CALTRACE" "$c" --help 2>"$TMP/err")
	rc=$?
	is "$c --help exits 0, nothing on stderr" "$rc $(cat "$TMP/err")" "0 "
	out2=$("$CALTRACE" help "$c")
	is "caltrace help $c prints what $c --help prints" "$out2" "$out"
	long=$(printf '%s\n' "$out" | awk 'length > 80')
	is "$c --help fits in 80 columns" "$long" ""
	first=$(printf '%s\n' "$out" | head -n 1)
	case $first in
	"usage: caltrace $c [OPTIONS]"*) ok "$c --help starts with its usage" ;;
	*) not_ok "$c --help starts with its usage" "$first" ;;
	esac
	purpose=$(printf '%s\n' "$out" | sed -n '3p')
	is "$c --help: a line of purpose after the usage" "$([ -n "$purpose" ] && echo yes)" yes

	# the options section: "  -n, --netns NS   text" or "      --from FILE   text"
	got=$(printf '%s\n' "$out" | awk '
		/^options:/ { on = 1; next } /^$/ { on = 0 }
		on { t = $0; sub(/^  -[A-Za-z0-9], /, "", t); sub(/^ +/, "", t); if (t ~ /^--[a-z]/) { split(t, w, " "); print w[1] } }' | sort -u)
	want=$(man_opts "$c")
	is "$c --help lists exactly the options the man page gives $c" "$(printf '%s\n' "$got" | tr '\n' ' ')" \
		"$(printf '%s\n' "$want" | tr '\n' ' ')"
	# every option it takes is mentioned: the short form too, where it has one
	jopts=$(json_get "$jhelp" ".commands[] | select(.name == \"$c\") | .options[].long" | sed 's/^/--/' | sort -u)
	is "-j help: $c's options are those of $c --help" "$(printf '%s\n' "$jopts" | tr '\n' ' ')" \
		"$(printf '%s\n' "$got" | tr '\n' ' ')"

	# examples: each starts with caltrace, uses only options the man page gives the command
	ex=$(printf '%s\n' "$out" | awk '/^examples:/ { on = 1; next } /^$/ { on = 0 } on')
	n_ex=$(printf '%s\n' "$ex" | grep -c '^  caltrace ')
	if [ "$n_ex" -ge 2 ] && [ "$n_ex" -le 3 ]; then ok "$c --help has 2 or 3 examples"; else
		not_ok "$c --help has 2 or 3 examples" "$ex"; fi
	bad=""
	shorts=$(printf '%s\n' "$sec_opts" | grep -oE '^ {5,8}-[A-Za-z] [A-Z]*,? --[a-z-]+|^ {5,8}-[A-Za-z], --[a-z-]+' |
		sed -E 's/^ *-([A-Za-z]).* --([a-z-]+)$/\1 \2/')
	while read -r _ line; do
		for w in $line; do
			case $w in
			--*) l=${w#--} l=${l%%=*} ;;
			-?*) s=${w#-} s=${s:0:1} l=$(awk -v s="$s" '$1 == s { print $2 }' <<<"$shorts") ;;
			*) continue ;;
			esac
			grep -Fxq -- "--$l" <<<"$want" || bad="$bad $w"
		done
	done <<<"$ex"
	is "$c --help: its examples use only options $c takes" "${bad# }" ""

	# finding codes: real ones, and at least those the man page names for the command
	codes=$(printf '%s\n' "$out" | awk '/^findings/ { on = 1; next } /^$/ { on = 0 } on' | grep -oE '[a-z0-9_]+' | sort -u)
	fake=$(comm -23 <(printf '%s\n' "$codes" | sed '/^$/d') <(printf '%s\n' "$man_codes"))
	is "$c --help: every finding code it lists is in the man page's FINDINGS" "$(joinw "$fake")" ""
	man_c=$(man_cmd_codes "$c")
	if [ "$c" = doctor ]; then # "and those of links, routes, tunnel, neigh and bgp"
		for o in links routes tunnel neigh bgp; do man_c="$man_c
$(man_cmd_codes "$o")"; done
		man_c=$(printf '%s\n' "$man_c" | sed '/^$/d' | sort -u)
	fi
	if [ -n "$codes" ]; then # the oracle itself: the man page names codes for the command
		is "man COMMANDS names finding codes for $c" "$([ -n "$man_c" ] && echo yes)" yes
	fi
	missing=$(comm -13 <(printf '%s\n' "$codes" | sed '/^$/d') <(printf '%s\n' "$man_c" | sed '/^$/d'))
	is "$c --help lists every code the man page's COMMANDS names for $c" "$(joinw "$missing")" ""
	jcodes=$(json_get "$jhelp" ".commands[] | select(.name == \"$c\") | .findings[]" | sort -u)
	is "-j help: $c's findings are those of $c --help" "$(joinw "$jcodes")" "$(joinw "$codes")"
done

# ---------------------------------------------------------------- values: missing, empty, out of range
# usage_line NAME LINE ARGS...: exit 2, nothing on stdout, exactly LINE on stderr
usage_line() {
	local name=$1 want=$2 out rc
	shift 2
	out=$("$CALTRACE" "$@" 2>"$TMP/err")
	rc=$?
	is "$name" "exit=$rc stdout=${#out} stderr=$(cat "$TMP/err")" "exit=2 stdout=0 stderr=$want"
}
usage_line "links -n (no value)" \
	"caltrace: option '-n' needs a value (a network namespace name, pid:PID or a path)" links -n
usage_line "links --netns (no value)" \
	"caltrace: option '--netns' needs a value (a network namespace name, pid:PID or a path)" links --netns
usage_line "links --timeout (no value)" \
	"caltrace: option '--timeout' needs a value (seconds greater than 0 and at most 3600)" links --timeout
usage_line "sniff -jc (no value, in a cluster)" \
	"caltrace: option '-c' needs a value (a number of packets above 0)" sniff -jc
usage_line "--timeout 0" \
	"caltrace: --timeout needs seconds greater than 0 and at most 3600, not '0'" --timeout 0 links
usage_line "--timeout 3601" \
	"caltrace: --timeout needs seconds greater than 0 and at most 3600, not '3601'" --timeout 3601 links
usage_line "--bird-socket ''" \
	"caltrace: --bird-socket needs the path of BIRD's control socket, not ''" --bird-socket '' bgp
usage_line "--bird-socket= (empty)" \
	"caltrace: --bird-socket needs the path of BIRD's control socket, not ''" bgp --bird-socket=
usage_line "-n ''" \
	"caltrace: -n needs a network namespace name, pid:PID or a path, not ''" -n '' links
# every option that takes a value refuses an empty one, with one line naming it
while read -r l v; do
	[ "$v" = null ] && continue
	c=$(json_get "$jhelp" ".options[] | select(.long == \"$l\") | .commands[0]")
	out=$("$CALTRACE" "$c" "--$l" '' 2>"$TMP/err")
	rc=$?
	err=$(cat "$TMP/err")
	s=$(json_get "$jhelp" ".options[] | select(.long == \"$l\") | .short // empty")
	case $err in
	"caltrace: --$l needs "*", not ''" | "caltrace: -$s needs "*", not ''") named=yes ;;
	*) named=no ;;
	esac
	is "$c --$l '': exit 2, one line saying what --$l needs" \
		"exit=$rc stdout=${#out} lines=$(wc -l <"$TMP/err") named=$named" "exit=2 stdout=0 lines=1 named=yes"
done < <(json_get "$jhelp" '.options[] | "\(.long) \(.value)"')

done_testing
