#!/bin/bash
# The README's examples against a `make demo` run (tests/lab/demo.sh's transcript).
#
# usage: demo-readme.sh check README TRANSCRIPT     do they agree? (exit 0 yes, 1 no)
#        demo-readme.sh update README TRANSCRIPT    rewrite README's example blocks from the run
#        demo-readme.sh skeleton README|TRANSCRIPT  what check compares, one line per item
#
# A README example is a fenced block (```) whose first line starts with `$ caltrace`: the
# command, its output, and `(exit status N)` as its last line. Prose and every other block are
# left alone. A transcript example is demo.sh's `$ caltrace ...` line, the output, and the
# `(exit status N)` line; the transcript's first line names its namespace prefix.
#
# check compares, example by example in order, after putting the README's prefix (rd1-, or
# README_PREFIX) where the transcript has its own:
#   - the command line;
#   - the section headers: output lines that start with a letter and hold no run of two spaces
#     (table rows and the finding lines do), with every number written N ("workload
#     interfaces", "findings", "no problems found", "caltrace: snapshot of N ...");
#   - the finding codes with their severities, in order ("fail proxy_arp_off");
#   - the number of packet lines (sniff: lines that start with a time of day);
#   - the exit status.
# Values that change from run to run (MACs, counters, ages, pids, table widths) are in table
# rows and finding texts, which are not compared. It fails when the README has fewer than 5
# examples, when the counts differ, or when any example differs (a diff says where); on
# success it prints "N examples agree", N being the README's count.
#
# update replaces each README example block, in order, by the transcript's example (the prefix
# written as the README's), and refuses (README untouched) when the counts differ or when a
# block's command is not the demo's: to add an example, add it to demo.sh and put a block
# holding just its `$ caltrace ...` line where it belongs in the README, then update.
# `sh THIS` works too: it runs itself with bash
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
set -u -o pipefail
README_PREFIX=${README_PREFIX:-rd1-}
MIN_EXAMPLES=5

usage() {
	sed -n '4,6s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2
	exit 2
}

# parse FILE: one record per line, tab-separated:
#   prefix\tP                       (transcript only)
#   ex\tI\tLINE_NO                  an example starts (README: the block's opening fence line)
#   cmd\tI\tCOMMAND                 (the "$ caltrace ..." line, verbatim)
#   out\tI\tLINE                    an output line, verbatim
#   rc\tI\tN
#   end\tI\tLINE_NO                 (README: the closing fence's line)
#   norc\tMESSAGE                   (README: a block without its exit status: to be filled)
#   error\tMESSAGE
# The kind (readme or transcript) is told by the first line: demo.sh's starts "caltrace demo:".
parse() {
	awk -v q="'" '
	function fail(msg) { print "error\t" FILENAME ":" NR ": " msg; bad = 1 }
	NR == 1 {
		kind = "readme"
		head = "caltrace demo: namespace prefix " q
		if (index($0, head) == 1) {
			kind = "transcript"
			p = substr($0, length(head) + 1)
			p = substr(p, 1, index(p, q) - 1)
			print "prefix\t" p
			next
		}
	}
	kind == "transcript" {
		if (!inex && $0 ~ /^\$ caltrace( |$)/) {
			n++; inex = 1
			print "ex\t" n "\t" NR
			print "cmd\t" n "\t" $0
			next
		}
		if (inex && $0 ~ /^\(exit status [0-9]+\)$/) {
			s = $0; gsub(/[^0-9]/, "", s)
			print "rc\t" n "\t" s
			print "end\t" n "\t" NR
			inex = 0
			next
		}
		if (inex) print "out\t" n "\t" $0
		next
	}
	# the README: fenced blocks
	!infence && /^```/ { infence = 1; fence = NR; first = 1; next }
	infence && /^```[[:space:]]*$/ {
		if (inex) {
			# a block with no status: an error for check, a block to fill for update
			if (!haverc)
				print "norc\t" FILENAME ":" NR ": example " n " (" cmd ") has no \"(exit status N)\" line"
			print "end\t" n "\t" NR
		}
		infence = 0; inex = 0
		next
	}
	infence && first {
		first = 0
		if ($0 ~ /^\$ caltrace( |$)/) {
			n++; inex = 1; haverc = 0; cmd = $0
			print "ex\t" n "\t" fence
			print "cmd\t" n "\t" $0
		}
		next
	}
	infence && inex {
		if (haverc && $0 !~ /^[[:space:]]*$/)
			fail("example " n ": output after its \"(exit status N)\" line")
		if ($0 ~ /^\(exit status [0-9]+\)$/) {
			s = $0; gsub(/[^0-9]/, "", s)
			print "rc\t" n "\t" s
			haverc = 1
		} else if (!haverc)
			print "out\t" n "\t" $0
		next
	}
	END {
		if (kind == "transcript" && inex) fail("example " n " has no \"(exit status N)\" line")
		if (kind == "readme" && infence) fail("a fenced block opened on line " fence " is not closed")
	}
	' "$1"
}

# skeleton FILE: what check compares (prefix written {P})
skeleton() {
	local f=$1 pfx
	parse "$f" >"$TMP/parsed" || return 2
	if grep -qE '^(error|norc)' "$TMP/parsed"; then
		sed -nE 's/^(error|norc)\t//p' "$TMP/parsed" >&2
		sed -nE 's/^(error|norc)\t/error /p' "$TMP/parsed"
		return 0
	fi
	pfx=$(sed -n 's/^prefix\t//p' "$TMP/parsed")
	[ -n "$pfx" ] || pfx=$README_PREFIX
	awk -F '\t' -v pfx="$pfx" '
	function unprefix(s,   out, i) {
		out = ""
		while ((i = index(s, pfx)) > 0) {
			out = out substr(s, 1, i - 1) "{P}"
			s = substr(s, i + length(pfx))
		}
		return out s
	}
	$1 == "ex" { print "example " $2 }
	$1 == "cmd" {
		c = unprefix($3)
		gsub(/[[:space:]]+/, " ", c); sub(/ $/, "", c)
		print "  command " c
	}
	$1 == "out" {
		l = $0; sub(/^out\t[0-9]+\t/, "", l)
		sub(/[[:space:]]+$/, "", l)
		if (match(l, /^(info|warn|fail) +[a-z][a-z0-9_]* /)) {
			split(l, w, / +/)
			print "  finding " w[1] " " w[2]
		} else if (l ~ /^[A-Za-z]/ && l !~ /  /) {
			l = unprefix(l)
			gsub(/[0-9]+/, "N", l)
			print "  section " l
		}
	}
	# sniff: the number of packet lines (they start with a time of day)
	$1 == "out" && $3 ~ /^[0-9][0-9]:[0-9][0-9]:[0-9][0-9]\.[0-9]+ / { pk[$2]++ }
	$1 == "rc" {
		if (pk[$2]) print "  packet lines " pk[$2]
		print "  exit status " $3
	}
	' "$TMP/parsed"
}

count_examples() { grep -c '^example ' "$1"; }

cmd_check() {
	local readme=$1 transcript=$2 nr nd rc=0
	skeleton "$readme" >"$TMP/readme.sk"
	skeleton "$transcript" >"$TMP/demo.sk"
	if grep -q '^error' "$TMP/readme.sk" "$TMP/demo.sk"; then
		echo "demo-readme: cannot read the examples (above)" >&2
		return 1
	fi
	nr=$(count_examples "$TMP/readme.sk")
	nd=$(count_examples "$TMP/demo.sk")
	if [ "$nr" -lt "$MIN_EXAMPLES" ]; then
		echo "demo-readme: $readme has $nr examples (\`\`\` blocks starting with \$ caltrace), fewer than $MIN_EXAMPLES" >&2
		rc=1
	fi
	if [ "$nr" != "$nd" ]; then
		echo "demo-readme: $readme has $nr examples, the demo ran $nd" >&2
		rc=1
	fi
	if ! diff -u --label "README ($readme)" --label "demo ($transcript)" \
		"$TMP/readme.sk" "$TMP/demo.sk" >"$TMP/diff"; then
		echo "demo-readme: the README and the demo disagree (- README, + demo):" >&2
		cat "$TMP/diff" >&2
		rc=1
	fi
	[ "$rc" = 0 ] && echo "$nr examples agree (commands, section headers, finding codes, exit statuses)"
	return "$rc"
}

cmd_update() {
	local readme=$1 transcript=$2 nr nd pfx
	parse "$readme" >"$TMP/r.parsed"
	parse "$transcript" >"$TMP/t.parsed"
	if grep -h '^error' "$TMP/r.parsed" "$TMP/t.parsed" | cut -f 2- >&2; then
		echo "demo-readme: cannot read the examples (above); $readme not changed" >&2
		return 1
	fi
	grep -q '^prefix' "$TMP/t.parsed" || {
		echo "demo-readme: $transcript is not a demo transcript (no 'caltrace demo:' first line)" >&2
		return 1
	}
	nr=$(grep -c '^ex' "$TMP/r.parsed")
	nd=$(grep -c '^ex' "$TMP/t.parsed")
	if [ "$nr" != "$nd" ]; then
		echo "demo-readme: $readme has $nr examples, the demo ran $nd; $readme not changed" >&2
		echo "  README: $(sed -n 's/^cmd\t[0-9]*\t//p' "$TMP/r.parsed" | paste -sd '|' | sed 's/|/; /g')" >&2
		echo "  demo:   $(sed -n 's/^cmd\t[0-9]*\t//p' "$TMP/t.parsed" | paste -sd '|' | sed 's/|/; /g')" >&2
		return 1
	fi
	pfx=$(sed -n 's/^prefix\t//p' "$TMP/t.parsed")
	[ "$pfx" = "$README_PREFIX" ] ||
		echo "demo-readme: note: the demo ran with prefix '$pfx', written as '$README_PREFIX' (table columns may be off)" >&2
	# the new README: lines outside the example blocks as they are, each block from the demo
	awk -F '\t' -v pfx="$pfx" -v rp="$README_PREFIX" -v tfile="$TMP/t.parsed" -v rfile="$TMP/r.parsed" '
	function swap(s,   out, i) {
		if (pfx == rp) return s
		out = ""
		while ((i = index(s, pfx)) > 0) {
			out = out substr(s, 1, i - 1) rp
			s = substr(s, i + length(pfx))
		}
		return out s
	}
	function norm(s) { gsub(/[[:space:]]+/, " ", s); sub(/ $/, "", s); return s }
	BEGIN {
		while ((getline l < tfile) > 0) {
			split(l, f, "\t")
			rest = l; sub(/^[^\t]*\t[^\t]*\t/, "", rest)
			if (f[1] == "cmd") tcmd[f[2]] = swap(rest)
			else if (f[1] == "out") tout[f[2]] = tout[f[2]] swap(rest) "\n"
			else if (f[1] == "rc") trc[f[2]] = rest
		}
		while ((getline l < rfile) > 0) {
			split(l, f, "\t")
			rest = l; sub(/^[^\t]*\t[^\t]*\t/, "", rest)
			if (f[1] == "ex") start[rest] = f[2]
			else if (f[1] == "end") stop[f[2]] = rest
			else if (f[1] == "cmd") rcmd[f[2]] = rest
		}
		for (i in rcmd)
			if (norm(rcmd[i]) != norm(tcmd[i])) {
				printf "demo-readme: README example %d runs \"%s\", the demo'"'"'s example %d \"%s\"\n",
					i, rcmd[i], i, tcmd[i] > "/dev/stderr"
				bad = 1
			}
		if (bad) exit 1
	}
	FNR in start { ex = start[FNR]; print; printf "%s\n%s(exit status %s)\n", tcmd[ex], tout[ex], trc[ex]; skip = 1; next }
	skip && FNR == stop[ex] { skip = 0; print; next }
	skip { next }
	{ print }
	' "$readme" >"$TMP/new" || {
		echo "demo-readme: $readme not changed" >&2
		return 1
	}
	cmd_check "$TMP/new" "$transcript" >/dev/null || {
		echo "demo-readme: the rewritten README does not check against the demo (a bug here); $readme not changed" >&2
		return 1
	}
	if cmp -s "$TMP/new" "$readme"; then
		echo "demo-readme: $readme: $nr examples, already as the demo prints them"
		return 0
	fi
	cat "$TMP/new" >"$readme" || return 1
	echo "demo-readme: $readme: $nr examples rewritten from the demo"
}

[ $# -ge 2 ] || usage
TMP=$(mktemp -d /tmp/caltrace-demo-readme.XXXXXX) || exit 3
trap 'rm -rf "$TMP"' EXIT
case "$1" in
check)
	[ $# = 3 ] || usage
	for f in "$2" "$3"; do [ -r "$f" ] || { echo "demo-readme: cannot read '$f'" >&2 && exit 2; }; done
	cmd_check "$2" "$3"
	;;
update)
	[ $# = 3 ] || usage
	for f in "$2" "$3"; do [ -r "$f" ] || { echo "demo-readme: cannot read '$f'" >&2 && exit 2; }; done
	cmd_update "$2" "$3"
	;;
skeleton)
	[ $# = 2 ] || usage
	[ -r "$2" ] || { echo "demo-readme: cannot read '$2'" >&2 && exit 2; }
	skeleton "$2"
	;;
*) usage ;;
esac
