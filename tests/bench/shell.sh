#!/bin/bash
# caltrace shell (issue 11): what running a command through the shell costs. Each command line
# runs in a forked child that calls the dispatcher main uses (no exec), so the goal is a ratio of
# about 1 against running caltrace itself, and the same order as ip(8), measured in the same run:
#   links on $BENCH_SHELL_VETHS workload veths: `ip -j -d link show`, `caltrace links`, and
#   `printf 'links\n' | caltrace shell`;
#   $BENCH_SHELL_CMDS commands: that many `caltrace version` processes against one shell that
#   reads that many `version` lines (the per-command cost: fork against fork+exec).
# Prints figures and ratios only; exits 0 unless setup fails. Run alone (as root) or from
# tests/bench/bench.sh.
set -u
. "$(dirname "$0")/lib.sh"
bench_init shell
bench_need_root
bench_need_cmd sha1sum
N=${BENCH_SHELL_VETHS:-500}
M=${BENCH_SHELL_CMDS:-100}
NS="ct$$shb"
bench_netns "$NS"
ip -n "$NS" link set lo up || exit 3
for ((i = 0; i < N; i++)); do
	h=$(printf 'bench.pod-%d' "$i" | sha1sum | cut -c1-11)
	printf 'link add cali%s type veth peer name p%d\n' "$h" "$i"
	printf 'link set cali%s up\n' "$h"
done >"$TMP/batch"
ip -n "$NS" -batch "$TMP/batch" || bench_die "ip -batch"

printf 'links\n' >"$TMP/links.in"
for ((i = 0; i < M; i++)); do echo version; done >"$TMP/version.in"
direct_versions() {
	local i
	for ((i = 0; i < M; i++)); do "$CALTRACE" version || return; done
}
shell_in() { "$CALTRACE" -n "$NS" --color never shell <"$1"; }

ip_t=$(bench_time_us ip -n "$NS" -j -d link show)
direct_t=$(bench_time_us "$CALTRACE" -n "$NS" --color never links)
shell_t=$(bench_time_us shell_in "$TMP/links.in")
dv_t=$(bench_time_us direct_versions)
sv_t=$(bench_time_us shell_in "$TMP/version.in")
echo "shell: $(ip -n "$NS" -o link show | grep -c ' cali') workload veths, $M commands (median of $RUNS)"
awk -v ip="$ip_t" -v d="$direct_t" -v s="$shell_t" -v dv="$dv_t" -v sv="$sv_t" -v m="$M" 'BEGIN {
	printf "  ip -j -d link show                   %8.1f ms\n", ip / 1000
	printf "  caltrace links                       %8.1f ms  %.2fx ip\n", d / 1000, d / ip
	printf "  caltrace shell <<< links             %8.1f ms  %.2fx ip, %.2fx caltrace links\n",
		s / 1000, s / ip, s / d
	printf "  %d x caltrace version               %8.1f ms  %.2f ms each\n", m, dv / 1000, dv / 1000 / m
	printf "  caltrace shell, %d x version        %8.1f ms  %.2f ms each, %.2fx separate processes\n",
		m, sv / 1000, sv / 1000 / m, sv / dv }'
exit 0
