#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Docs drift: fails when the command table, `--help`, the man page, the shell
# completions, the finding-code registry and the JSON the commands emit
# disagree.
#
# The truth is the binary ($CALTRACE, default ./caltrace): `caltrace --help`
# lists the commands and options, `caltrace help CMD` each command's usage and
# options. Checked against it:
#   man/caltrace.1       rendered (groff, else mandoc): SYNOPSIS, COMMANDS,
#                        OPTIONS (with "Commands: ..." per option), FINDINGS,
#                        JSON OUTPUT (one subsection per command), ENVIRONMENT
#   completions/         bash, zsh and fish, by running them when the shell is
#                        installed (zsh through a pty), else by reading them
#   analysis/findings.c  every registered code, severity and command in the man page
#   JSON keys            from the ct_rec_* / put() calls in the code, and from
#                        `caltrace --from FIXTURE -j CMD` on the snapshot fixtures
#   usage errors         unknown command or option, abbreviated option -> 2
# No lab and no root. TAP: "ok - ..." or "not ok - ..." per check, "1..N" last.
# Text is searched with here-strings, not `printf | grep -q`: under pipefail the writer of a
# pipe that grep -q closes early dies of SIGPIPE and the match would count as a miss.
set -u -o pipefail
cd "$(dirname "$0")/../.." || exit 2
TOP=$PWD
CALTRACE=${CALTRACE_ABS:-${CALTRACE:-./caltrace}}
case $CALTRACE in /*) ;; *) CALTRACE=$TOP/$CALTRACE ;; esac
MAN=$TOP/man/caltrace.1
BASH_C=$TOP/completions/caltrace.bash
ZSH_C=$TOP/completions/_caltrace
FISH_C=$TOP/completions/caltrace.fish
REGISTRY=$TOP/analysis/findings.c

TMP=$(mktemp -d /tmp/caltrace-docs.XXXXXX) || exit 2
trap 'rm -rf "$TMP"' EXIT INT TERM
mkdir "$TMP/empty" # completions run here, so no file name looks like a command

# ---------------------------------------------------------------- TAP
T_N=0
T_FAIL=0
ok() {
	T_N=$((T_N + 1))
	echo "ok - $1"
}
not_ok() {
	T_N=$((T_N + 1))
	T_FAIL=$((T_FAIL + 1))
	echo "not ok - $1"
	[ -z "${2:-}" ] || sed -n '1,30s/^/#   /p' <<<"$2"
	return 0
}
skip() {
	T_N=$((T_N + 1))
	echo "ok - $1 # SKIP $2"
}
finish() {
	echo "1..$T_N"
	[ "$T_FAIL" = 0 ]
	exit
}
bail() {
	not_ok "$1" "${2:-}"
	finish
}
# is NAME GOT WANT
is() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "got:  '$2'
want: '$3'"; fi
}
# same_set NAME GOT WANT: two lists of lines, compared as sets
same_set() {
	local got want missing extra
	got=$(printf '%s\n' "$2" | sed '/^$/d' | sort -u)
	want=$(printf '%s\n' "$3" | sed '/^$/d' | sort -u)
	if [ "$got" = "$want" ]; then
		ok "$1"
		return
	fi
	missing=$(comm -13 <(echo "$got") <(echo "$want") | tr '\n' ' ')
	extra=$(comm -23 <(echo "$got") <(echo "$want") | tr '\n' ' ')
	not_ok "$1" "missing: ${missing:-none}
extra:   ${extra:-none}"
}
# in_list WORD LIST: WORD is one of the lines of LIST
in_list() { grep -Fxq -- "$1" <<<"$2"; }
# has_word TEXT WORD: WORD appears in TEXT, not as part of a longer identifier
has_word() { grep -Eq -- "(^|[^A-Za-z0-9_])$(re_quote "$2")([^A-Za-z0-9_]|\$)" <<<"$1"; }
# has_opt TEXT OPT: the option (-n, --netns) appears in TEXT as a whole token
has_opt() { grep -Eq -- "(^|[^A-Za-z0-9-])$(re_quote "$2")([^A-Za-z0-9-]|\$)" <<<"$1"; }
# joinw LINES: the words on one line
joinw() { printf '%s\n' "$1" | tr '\n' ' ' | sed 's/  */ /g; s/^ //; s/ $//'; }
re_quote() { printf '%s' "$1" | sed 's/[][\.*^$+?(){}|/]/\\&/g'; }

# ---------------------------------------------------------------- the truth: the binary
[ -x "$CALTRACE" ] || bail "caltrace binary at '$CALTRACE'" "build it with make, or set CALTRACE"
help_all=$("$CALTRACE" --help 2>&1)
rc=$?
[ $rc = 0 ] || bail "caltrace --help exits 0" "exit $rc: $help_all"

# parse_opts: reads help text, prints "SHORT LONG ARG" per option ("-" when none)
parse_opts() {
	awk '
		/^options:/ { on = 1; next }
		/^$/ { on = 0 }
		on && /^  / {
			line = $0
			short = "-"; arg = "-"
			if (line ~ /^  -[A-Za-z0-9], --/) { short = substr(line, 4, 1); sub(/^  -[A-Za-z0-9], /, "", line) }
			else sub(/^ +/, "", line)
			if (line !~ /^--[a-z]/) next
			split(line, w, " ")
			long = substr(w[1], 3)
			if (w[2] ~ /^[A-Z][A-Z_]*$/) arg = w[2]
			print short, long, arg
		}'
}
commands=$(printf '%s\n' "$help_all" | awk '/^commands:/ { on = 1; next } /^$/ { on = 0 } on && /^  [a-z]/ { print $1 }')
opts=$(printf '%s\n' "$help_all" | parse_opts)
[ -n "$commands" ] || bail "caltrace --help lists commands" "$help_all"
[ -n "$opts" ] || bail "caltrace --help lists options" "$help_all"
longs=$(printf '%s\n' "$opts" | awk '{ print "--" $2 }')
all_opt_words=$(printf '%s\n' "$opts" | awk '$1 != "-" { print "-" $1 } { print "--" $2 }')
ok "caltrace --help lists $(echo "$commands" | wc -l) commands and $(echo "$opts" | wc -l) options"

declare -A usage_args cmd_opts cmd_opt_words
for c in $commands; do
	out=$("$CALTRACE" help "$c" 2>&1)
	rc=$?
	first=$(printf '%s\n' "$out" | head -n 1)
	if [ $rc = 0 ] && [[ $first == "usage: caltrace $c [OPTIONS]"* ]]; then
		ok "caltrace help $c exits 0 with its usage"
	else
		not_ok "caltrace help $c exits 0 with its usage" "exit $rc: $first"
	fi
	a=${first#"usage: caltrace $c [OPTIONS]"}
	usage_args[$c]=${a# }
	o=$(printf '%s\n' "$out" | parse_opts)
	cmd_opts[$c]=$(printf '%s\n' "$o" | awk '{ print "--" $2 }')
	cmd_opt_words[$c]=$(printf '%s\n' "$o" | awk '$1 != "-" { print "-" $1 } { print "--" $2 }')
done
out=$("$CALTRACE" help 2>&1)
rc=$?
is "caltrace help exits 0 and prints what caltrace --help prints" "$rc $out" "0 $help_all"

# ---------------------------------------------------------------- usage errors
# expect_usage NAME ARGS...: exit 2, nothing on stdout, one line on stderr
expect_usage() {
	local name=$1 rc out err
	shift
	out=$("$CALTRACE" "$@" 2>"$TMP/err")
	rc=$?
	err=$(cat "$TMP/err")
	if [ $rc = 2 ] && [ -z "$out" ] && [ "$(printf '%s\n' "$err" | wc -l)" = 1 ] && [ -n "$err" ]; then
		ok "$name"
	else
		not_ok "$name" "caltrace $*: exit $rc (want 2)
stdout: $out
stderr: $err"
	fi
}
expect_usage "unknown command: exit 2, one line on stderr" nosuchcommand
expect_usage "unknown long option: exit 2, one line on stderr" --no-such-option version
expect_usage "unknown short option: exit 2, one line on stderr" -Q version
expect_usage "help for an unknown command: exit 2, one line on stderr" help nosuchcommand
expect_usage "a value for an option that takes none: exit 2" --json=yes version
# every option: its name minus the last letter is refused (exact names only),
# so --jso is not --json
while read -r s l a; do
	p=--${l%?}
	in_list "$p" "$longs" && continue
	if [ "$a" = - ]; then
		expect_usage "$p (a prefix of --$l) is refused: exit 2" "$p" version
	else
		expect_usage "$p (a prefix of --$l) is refused: exit 2" "$p=x" version
	fi
done <<<"$opts"
# an option a command does not take is refused before anything is gathered
for c in $commands; do
	bad=""
	for l in $longs; do
		in_list "$l" "${cmd_opts[$c]}" && continue
		a=$(printf '%s\n' "$opts" | awk -v l="${l#--}" '$2 == l { print $3 }')
		if [ "$a" = "-" ]; then set -- "$l"; else set -- "$l" x; fi
		"$CALTRACE" "$c" "$@" >/dev/null 2>&1
		rc=$?
		[ $rc = 2 ] || bad="$bad $l (exit $rc)"
	done
	if [ -z "$bad" ]; then
		ok "$c refuses the options its help does not list"
	else
		not_ok "$c refuses the options its help does not list" "accepted:$bad"
	fi
done
out=$("$CALTRACE" 2>"$TMP/err")
rc=$?
if [ $rc = 2 ] && [ -z "$out" ] && grep -q '^usage: caltrace' "$TMP/err"; then
	ok "no command: usage on stderr, exit 2"
else
	not_ok "no command: usage on stderr, exit 2" "exit $rc"
fi
version=$("$CALTRACE" --version 2>&1)
rc=$?
is "caltrace --version exits 0" "$rc" 0
out=$("$CALTRACE" version 2>&1)
rc=$?
is "caltrace version exits 0 and prints what --version prints" "$rc $out" "0 $version"

# ---------------------------------------------------------------- the man page
man_txt=""
if [ ! -f "$MAN" ]; then
	not_ok "man page $MAN exists"
elif command -v groff >/dev/null 2>&1; then
	warn=$(groff -t -man -Tutf8 -ww -z "$MAN" 2>&1)
	is "man page renders without groff warnings" "$warn" ""
	man_txt=$(groff -t -man -Tascii -rLL=250n -rHY=0 -P-cbou "$MAN" 2>/dev/null)
elif command -v mandoc >/dev/null 2>&1; then
	man_txt=$(mandoc -Tascii -O width=250 "$MAN" 2>/dev/null | sed 's/.\x08//g')
fi
if command -v mandoc >/dev/null 2>&1 && [ -f "$MAN" ]; then
	lint=$(mandoc -T lint -W warning "$MAN" 2>&1)
	is "mandoc -T lint finds no warning in the man page" "$lint" ""
fi

# man_section NAME: the rendered section's lines
man_section() { printf '%s\n' "$man_txt" | awk -v s="$1" '/^[A-Z]/ { on = ($0 == s); next } on'; }
# subsection TEXT NAME: lines of the subsection whose heading starts with the word NAME
subsection() {
	printf '%s\n' "$1" | awk -v s="$2" '/^   [^ ]/ { split($0, w, " "); on = (w[1] == s); next } on'
}
# tag_para TEXT MODE VALUE: the .TP paragraphs (tag at indent 5-8) whose tag
# starts with the word VALUE (MODE prefix) or holds the token VALUE (MODE token)
tag_para() {
	printf '%s\n' "$1" | awk -v mode="$2" -v v="$3" '
		function ind(s) { match(s, /[^ ]/); return RSTART - 1 }
		/[^ ]/ && ind($0) >= 5 && ind($0) <= 8 {
			t = $0; sub(/^ +/, "", t)
			if (mode == "prefix")
				on = substr(t, 1, length(v)) == v && (length(t) == length(v) || substr(t, length(v) + 1, 1) == " ")
			else {
				p = " " t " "; gsub(/,/, " ", p)
				on = index(p, " " v " ") > 0
			}
		}
		on'
}

if [ -z "$man_txt" ]; then
	skip "man page checks" "neither groff nor mandoc to render man/caltrace.1"
else
	synopsis=$(man_section SYNOPSIS | sed 's/^ *//; s/ *$//')
	sec_cmds=$(man_section COMMANDS)
	sec_opts=$(man_section OPTIONS)
	sec_json=$(man_section "JSON OUTPUT")
	sec_find=$(man_section FINDINGS)
	sec_env=$(man_section ENVIRONMENT)
	sec_exit=$(man_section "EXIT STATUS")

	case $man_txt in
	*"$version"*) ok "man page names the version ($version)" ;;
	*) not_ok "man page names the version ($version)" "$(printf '%s\n' "$man_txt" | head -n 1)" ;;
	esac
	for c in $commands; do
		want="caltrace [OPTIONS] $c${usage_args[$c]:+ ${usage_args[$c]}}"
		if in_list "$want" "$synopsis"; then
			ok "man SYNOPSIS has '$want'"
		else
			not_ok "man SYNOPSIS has '$want'" "$synopsis"
		fi
		want="$c${usage_args[$c]:+ ${usage_args[$c]}}"
		if [ -n "$(tag_para "$sec_cmds" prefix "$want")" ]; then
			ok "man COMMANDS describes '$want'"
		else
			not_ok "man COMMANDS describes '$want'"
		fi
	done
	# nothing documented that the binary does not have
	syn_cmds=$(printf '%s\n' "$synopsis" | awk '$1 == "caltrace" && $2 == "[OPTIONS]" { print $3 }')
	same_set "man SYNOPSIS lists exactly the commands of --help" "$syn_cmds" "$commands"

	for l in $longs; do
		read -r s _ a < <(printf '%s\n' "$opts" | awk -v l="${l#--}" '$2 == l')
		p=$(tag_para "$sec_opts" token "$l")
		tag=$(printf '%s\n' "$p" | head -n 1 | sed 's/^ *//')
		if [ -z "$p" ]; then
			not_ok "man OPTIONS describes $l"
			continue
		fi
		# -n NS, --netns NS | -j, --json | --from FILE | --json
		want=$l
		[ "$a" = - ] || want="$l $a"
		if [ "$s" != - ]; then
			if [ "$a" = - ]; then want="-$s, $want"; else want="-$s $a, $want"; fi
		fi
		is "man OPTIONS tag for $l reads '$want'" "$tag" "$want"
		# "Commands: all." or "Commands: a, b." as `caltrace help CMD` has it
		takers=""
		for c in $commands; do
			in_list "$l" "${cmd_opts[$c]}" && takers="$takers $c"
		done
		if [ "$(joinw "$takers")" = "$(joinw "$commands")" ]; then
			want_takers=all
		else
			want_takers=$(joinw "$takers" | sed 's/ /, /g')
		fi
		got_takers=$(printf '%s\n' "$p" | sed -n 's/^ *Commands: \(.*\)\.$/\1/p' | head -n 1)
		is "man OPTIONS: $l is taken by: $want_takers" "$got_takers" "$want_takers"
	done
	man_opts=$(printf '%s\n' "$sec_opts" | awk '
		function ind(s) { match(s, /[^ ]/); return RSTART - 1 }
		/[^ ]/ && ind($0) >= 5 && ind($0) <= 8 { gsub(/,/, " "); for (i = 1; i <= NF; i++) if ($i ~ /^--/) print $i }')
	same_set "man OPTIONS lists exactly the long options of --help" "$man_opts" "$longs"

	# exit statuses 0 to 3, and info never counts
	for s in 0 1 2 3; do
		if [ -n "$(tag_para "$sec_exit" prefix "$s")" ]; then
			ok "man EXIT STATUS describes $s"
		else
			not_ok "man EXIT STATUS describes $s"
		fi
	done

	# environment variables the code reads
	envs=$(grep -rhoE 'getenv\("[A-Z_]+"\)' --include='*.c' cmd model probes analysis render 2>/dev/null |
		sed 's/getenv("\(.*\)")/\1/' | sort -u)
	for e in $envs; do
		if [ -n "$(tag_para "$sec_env" prefix "$e")" ]; then
			ok "man ENVIRONMENT describes $e"
		else
			not_ok "man ENVIRONMENT describes $e (the code reads it)"
		fi
	done
fi

# ---------------------------------------------------------------- finding codes
registry=$(sed -n 's/^[[:space:]]*{"\([a-z0-9_]*\)", CT_SEV_\([A-Z]*\), "\([a-z]*\)".*/\1 \2 \3/p' "$REGISTRY" |
	awk '{ print $1, tolower($2), $3 }')
if [ -z "$registry" ]; then
	not_ok "finding registry parsed from analysis/findings.c"
elif [ -n "$man_txt" ]; then
	ok "finding registry parsed: $(echo "$registry" | wc -l) codes"
	table=$(printf '%s\n' "$sec_find" | awk '$1 ~ /^[a-z0-9_]+$/ && $2 ~ /^(info|warn|fail)$/ { print $1, $2, $3 }')
	while read -r code sev scope; do
		got=$(printf '%s\n' "$table" | awk -v c="$code" '$1 == c')
		is "man FINDINGS: $code is $sev, raised by $scope" "$got" "$code $sev $scope"
		if in_list "$scope" "$commands"; then
			if has_word "$(tag_para "$sec_cmds" prefix "$scope")" "$code"; then
				ok "man COMMANDS: $scope lists $code"
			else
				not_ok "man COMMANDS: $scope lists $code"
			fi
		fi
	done <<<"$registry"
	same_set "man FINDINGS lists exactly the registered codes" \
		"$(printf '%s\n' "$table" | awk '{ print $1 }')" "$(printf '%s\n' "$registry" | awk '{ print $1 }')"
	for k in code severity subject netns message evidence fix run; do
		if [ -n "$(tag_para "$sec_find" prefix "$k")" ]; then
			ok "man FINDINGS describes the finding key $k"
		else
			not_ok "man FINDINGS describes the finding key $k"
		fi
	done
fi

# ---------------------------------------------------------------- JSON keys
# doc_keys WHERE WHAT KEYS: every key is in the man text WHERE
doc_keys() {
	local missing="" k
	for k in $3; do
		has_word "$1" "$k" || missing="$missing $k"
	done
	if [ -z "$missing" ]; then
		ok "man JSON OUTPUT documents every key $2"
	else
		not_ok "man JSON OUTPUT documents every key $2" "undocumented:$missing"
	fi
}
if [ -n "$man_txt" ]; then
	# 1. from the code: ct_rec_*(o, HDR, "key", ...) and sections, attributed to
	#    the cmd_NAME function they are in (else to the file's command)
	declare -A code_keys
	while IFS=$'\t' read -r where line; do
		k=""
		if [[ $line =~ ct_rec_(str|int|uint|bool|strv)\([^,]+,[[:space:]]*(NULL|\"[^\"]*\"),[[:space:]]*\"([a-z0-9_]+)\" ]]; then
			k=${BASH_REMATCH[3]}
		elif [[ $line =~ ct_rec_(obj|arr)_begin\([^,]+,[[:space:]]*\"([a-z0-9_]+)\" ]]; then
			k=${BASH_REMATCH[2]}
		elif [[ $line =~ ct_out_(section|top_str)\([^,]+,[[:space:]]*\"([a-z0-9_]+)\" ]]; then
			k=${BASH_REMATCH[2]}
		fi
		[ -n "$k" ] && [ "$k" != items ] && code_keys[$where]+="$k"$'\n'
	done < <(awk '
		FNR == 1 { f = FILENAME; sub(/.*\//, "", f); sub(/\.c$/, "", f); cur = f }
		/^[a-z].*\(/ && !/;[[:space:]]*$/ {
			n = $0; sub(/\(.*/, "", n); sub(/.*[ *]/, "", n)
			if (n ~ /^cmd_/) { cur = substr(n, 5); gsub(/_/, "-", cur) } else cur = f
		}
		/ct_rec_|ct_out_section|ct_out_top_str/ { print cur "\t" $0 }' cmd/*.c)
	for where in "${!code_keys[@]}"; do
		keys=$(printf '%s' "${code_keys[$where]}" | sort -u)
		if in_list "$where" "$commands"; then
			doc_keys "$(subsection "$sec_json" "$where")" "cmd/*.c emits for $where" "$keys"
		else
			doc_keys "$sec_json" "cmd/$where.c emits" "$keys"
		fi
	done
	# the envelope and the findings (render/out.c)
	keys=$(grep -oE 'json_key\(o, "[a-z0-9_]+"\)|json_open\(o, "[a-z0-9_]+"' render/out.c |
		sed 's/.*"\(.*\)".*/\1/' | sort -u)
	doc_keys "$sec_json
$sec_find" "of the envelope and findings (render/out.c)" "$keys"
	# the snapshot writer (model/snapshot.c)
	keys=$( {
		grep -oE 'put\(w, [a-z]+, "[a-z0-9_]+"' model/snapshot.c | sed 's/.*"\(.*\)"$/\1/'
		grep -oE '\\"[a-z0-9_]+\\":' model/snapshot.c | tr -d '\\":'
	} | sort -u)
	doc_keys "$(subsection "$sec_json" snapshot)" "of the snapshot format (model/snapshot.c)" "$keys"

	# 2. from the output: every command that reads a snapshot, on every fixture
	#    and every namespace in it; the fixture itself for the snapshot format
	if ! command -v jq >/dev/null 2>&1; then
		skip "JSON keys of the commands' output" "jq is not installed"
	else
		fixtures=""
		for f in tests/fixtures/*.json; do
			[ -f "$f" ] || continue
			[ "$(jq -r '.command? // empty' "$f" 2>/dev/null)" = snapshot ] && fixtures="$fixtures $f"
		done
		if [ -z "$fixtures" ] && "$CALTRACE" snapshot -o "$TMP/live.json" >/dev/null 2>&1; then
			fixtures=$TMP/live.json
		fi
		declare -A out_keys
		env_keys=""
		snap_keys=""
		for f in $fixtures; do
			snap_keys="$snap_keys
$(jq -r '[del(.bgp) | .. | objects | keys[]] | unique[]' "$f")"
			for ns in "" $(jq -r '.netns[].name' "$f"); do
				for c in $commands; do
					"$CALTRACE" --from "$f" ${ns:+-n "$ns"} -j "$c" >"$TMP/out.json" 2>/dev/null
					rc=$?
					{ [ $rc = 0 ] || [ $rc = 1 ]; } || continue
					[ "$(jq -r '.command? // empty' "$TMP/out.json" 2>/dev/null)" = "$c" ] || continue
					out_keys[$c]+=$(jq -r '
						del(.node, .findings, .schema_version, .command) | to_entries[] |
						(.value | .. | objects | keys[]), (select(.key != "items") | .key)' "$TMP/out.json")$'\n'
					env_keys="$env_keys
$(jq -r 'keys[], (.node | keys[]), (.findings[] | keys[])' "$TMP/out.json")"
				done
			done
		done
		# veth-name needs no node
		rc=0
		if in_list veth-name "$commands"; then
			"$CALTRACE" -j veth-name default/web-1 >"$TMP/out.json" 2>/dev/null
			rc=$?
			is "caltrace -j veth-name default/web-1 exits 0" "$rc" 0
		fi
		if in_list veth-name "$commands" && [ "$rc" = 0 ]; then
			out_keys[veth-name]+=$(jq -r 'del(.node, .findings, .schema_version, .command) |
				to_entries[] | (.value | .. | objects | keys[]), (select(.key != "items") | .key)' \
				"$TMP/out.json")$'\n'
		fi
		if [ -z "$fixtures" ]; then
			skip "JSON keys of the commands' output" "no snapshot fixture in tests/fixtures and no live snapshot"
		else
			doc_keys "$(subsection "$sec_json" snapshot)" "in the snapshot fixtures" \
				"$(printf '%s\n' "$snap_keys" | sort -u)"
			doc_keys "$sec_json
$sec_find" "of the envelope and findings in the output" "$(printf '%s\n' "$env_keys" | sort -u)"
		fi
		for c in "${!out_keys[@]}"; do
			doc_keys "$(subsection "$sec_json" "$c")" "caltrace -j $c prints" \
				"$(printf '%s' "${out_keys[$c]}" | sort -u)"
		done
	fi
fi

# ---------------------------------------------------------------- completions
# Each shell: the commands offered first, each command's options (as its help
# lists them), and whether an option expects a value (then no command is offered).
want_opts() { # CMD ("" = before any command): option words its help lists
	if [ -z "$1" ]; then printf '%s\n' "$all_opt_words"; else printf '%s\n' "${cmd_opt_words[$1]}"; fi
}

# check_shell SHELL FILE RUNNER STATIC-CMD-PATTERN STATIC-OPT-FORMAT
#   RUNNER WORDS... prints the candidates for the last word, one a line
check_shell() {
	local sh=$1 file=$2 run=$3 c l s a got
	got=$($run caltrace "")
	for c in $commands; do
		if in_list "$c" "$got"; then ok "$sh completion offers the command $c"; else
			not_ok "$sh completion offers the command $c" "offered: $(joinw "$got")"; fi
	done
	same_set "$sh completion offers no command that caltrace lacks" \
		"$(printf '%s\n' "$got" | grep -v '^-')" "$commands"
	same_set "$sh completion offers every option before the command" "$($run caltrace -)" "$all_opt_words"
	for c in $commands; do
		same_set "$sh completion offers the options of $c" "$($run caltrace "$c" -)" "$(want_opts "$c")"
	done
	got=$($run caltrace help "")
	same_set "$sh completion: help completes command names" "$got" "$commands"
	while read -r s l a; do
		got=$($run caltrace "--$l" "")
		if [ "$a" = - ]; then
			if in_list "$(echo "$commands" | head -n 1)" "$got"; then ok "$sh completion: --$l takes no value"; else
				not_ok "$sh completion: --$l takes no value" "offered after it: $(joinw "$got")"; fi
		else
			if grep -Fxqf <(echo "$commands") <<<"$got"; then
				not_ok "$sh completion: --$l takes a value ($a)" "offered commands after it: $(joinw "$got")"
			else ok "$sh completion: --$l takes a value ($a)"; fi
		fi
	done <<<"$opts"
	same_set "$sh completion: --color completes auto, always, never" "$($run caltrace --color "")" \
		"$(printf '%s\n' auto always never)"
}

# static checks: the file names every command and option
check_static() { # SHELL FILE
	local sh=$1 file=$2 c s l a o found text
	text=$(cat "$file")
	for c in $commands; do
		case $sh in
		bash) found=$(grep -E '^_caltrace_cmds=\(' "$file" | tr '()' '  ' | grep -Fw -- "$c") ;;
		zsh) found=$(grep -F -- "'$c:" "$file") ;;
		fish) found=$(grep -F -- "-a $c " "$file") ;;
		esac
		if [ -n "$found" ]; then ok "$sh completion file names the command $c"; else
			not_ok "$sh completion file names the command $c"; fi
	done
	while read -r s l a; do
		for o in "--$l" "-$s"; do
			[ "$o" = -- ] && continue
			case $sh:$o in
			fish:--*) grep -Fq -- "-l ${o#--} " "$file" ;;
			fish:*) grep -Fq -- "-s ${o#-} " "$file" ;;
			*) has_opt "$text" "$o" ;;
			esac
			found=$?
			if [ $found = 0 ]; then ok "$sh completion file names $o"; else
				not_ok "$sh completion file names $o"; fi
		done
	done <<<"$opts"
}

# -- bash
# shellcheck disable=SC2317,SC2016 # called through check_shell; $1 is the inner shell's
run_bash() {
	(cd "$TMP/empty" && bash --norc --noprofile -c '
		source "$1" || exit 1
		shift
		COMP_WORDS=("$@")
		COMP_CWORD=$(($# - 1))
		_caltrace
		printf "%s\n" "${COMPREPLY[@]}"' _ "$BASH_C" "$@" </dev/null 2>/dev/null)
}
if [ ! -f "$BASH_C" ]; then
	not_ok "bash completion $BASH_C exists"
else
	check_static bash "$BASH_C"
	if bash -n "$BASH_C" 2>"$TMP/err"; then ok "bash completion parses"; else
		not_ok "bash completion parses" "$(cat "$TMP/err")"; fi
	check_shell bash "$BASH_C" run_bash
fi

# -- fish
# shellcheck disable=SC2317,SC2016 # called through check_shell; $argv is fish's
run_fish() {
	local line="" w
	for w in "$@"; do line="$line${line:+ }$w"; done
	(cd "$TMP/empty" && fish --no-config -c 'source $argv[1]; and complete -C $argv[2]' "$FISH_C" "$line" </dev/null 2>/dev/null |
		cut -f1)
}
if [ ! -f "$FISH_C" ]; then
	not_ok "fish completion $FISH_C exists"
else
	check_static fish "$FISH_C"
	if command -v fish >/dev/null 2>&1; then
		if fish --no-config -n "$FISH_C" 2>"$TMP/err"; then ok "fish completion parses"; else
			not_ok "fish completion parses" "$(cat "$TMP/err")"; fi
		check_shell fish "$FISH_C" run_fish
	else
		skip "fish completion behaviour" "fish is not installed"
	fi
fi

# -- zsh: an interactive zsh in a pty completes every line at once; compadd is
# wrapped to print what it is given (after zsh-capture-completion)
cat >"$TMP/zc.zsh" <<'EOF'
zmodload zsh/zpty || exit 2
zpty z zsh -f -i
zpty -w z "PS1='' PROMPT='' RPROMPT='' LISTMAX=100000; unsetopt zle_bracketed_paste 2>/dev/null; fpath=(${(q)1} \$fpath); autoload -U compinit; compinit -u -D"
zpty -w z "zstyle ':completion:*' list-grouped false; zstyle ':completion:*' insert-tab false"
zpty -w z 'compadd () {
  [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]] && { builtin compadd "$@"; return $? }
  typeset -a __hits __dscr
  (( $@[(I)-d] )) && { __dscr=( "${(@P)${@[$[${@[(i)-d]}+1]]}}" ) }
  builtin compadd -A __hits -D __dscr "$@"
  setopt localoptions norcexpandparam extendedglob
  typeset -A apre hpre hsuf asuf
  zparseopts -E P:=apre p:=hpre S:=asuf s:=hsuf
  local i
  for i in {1..$#__hits}; do print -r -- "CTHIT:${apre[-P]}${hpre[-p]}${__hits[i]}${hsuf[-s]}${asuf[-S]}"; done
}'
zpty -w z 'bindkey "^I" complete-word; zle -C complete-word complete-word _main_complete; ct-done () { print -n -- "\0"; BUFFER=""; }; zle -N ct-done; bindkey "^@" ct-done; print CT""READY'
zpty -r z line '*CTREADY*' || exit 3 # the echo of the command reads CT""READY
while IFS= read -r l; do
  zpty -w -n z "$l"$'\t'
  zpty -w -n z $'\0'
  # the NUL ct-done prints ends the answer; no newline follows it, so poll
  out= n=0
  while (( n++ < 1000 )); do
    if zpty -r -t z chunk; then
      out+=$chunk
      [[ $out == *$'\0'* ]] && break
    else
      sleep 0.01
    fi
  done
  print -r -- "=CTLINE $l"
  print -r -- "$out" | tr -d '\r' | grep -ao 'CTHIT:[^[:cntrl:]]*' | sed 's/^CTHIT://' | grep -v '^$' | grep -vF '${' | sort -u
done
zpty -d z
EOF
declare -A ZR
run_zsh() {
	local line="" w
	for w in "$@"; do line="$line$w "; done
	line=${line% }
	printf '%s' "${ZR[$line]-}"
}
if [ ! -f "$ZSH_C" ]; then
	not_ok "zsh completion $ZSH_C exists"
else
	check_static zsh "$ZSH_C"
	if command -v zsh >/dev/null 2>&1; then
		if zsh -n "$ZSH_C" 2>"$TMP/err"; then ok "zsh completion parses"; else
			not_ok "zsh completion parses" "$(cat "$TMP/err")"; fi
		mkdir "$TMP/zfunc"
		cp "$ZSH_C" "$TMP/zfunc/_caltrace"
		printf '#compdef ctdocprobe\ncompadd alpha beta\n' >"$TMP/zfunc/_ctdocprobe"
		# every line check_shell asks for, in one zsh
		{
			echo "ctdocprobe "
			echo "caltrace "
			echo "caltrace -"
			echo "caltrace help "
			echo "caltrace --color "
			for c in $commands; do echo "caltrace $c -"; done
			for l in $longs; do echo "caltrace $l "; done
		} >"$TMP/zlines"
		(cd "$TMP/empty" && timeout 60 zsh -f "$TMP/zc.zsh" "$TMP/zfunc" <"$TMP/zlines" >"$TMP/zout" 2>/dev/null)
		cur=""
		while IFS= read -r l; do
			case $l in
			"=CTLINE "*) cur=${l#=CTLINE } ZR[$cur]="" ;;
			*) ZR[$cur]+="$l"$'\n' ;;
			esac
		done <"$TMP/zout"
		if [ "$(run_zsh ctdocprobe "")" != "alpha
beta" ]; then
			skip "zsh completion behaviour" "the pty harness does not work here ($(wc -l <"$TMP/zout") lines)"
		else
			check_shell zsh "$ZSH_C" run_zsh
		fi
	else
		skip "zsh completion behaviour" "zsh is not installed"
	fi
fi

finish
