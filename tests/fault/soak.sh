#!/bin/sh
# soak.sh SECONDS [SEED] - the reliability layers at length (make check-soak).
#
# Round r (seed S+r) runs, until SECONDS have passed:
#   1. tests/fault/crash_test: 200 kill -9 cycles (4 writer threads, bank
#      invariant, acknowledged-commit oracle);
#   2. tests/unit/test_faults with JET_TEST_SEED=S+r: power loss at every
#      sync (drop, keep, random x 3 seeds), torn tails, fsync EIO, ENOSPC,
#      bit flips, every crash point;
#   3. tests/unit/test_oom with JET_TEST_SEED=S+r and, every 4th round,
#      JET_TEST_SCALE=100 (every allocation of the workload, not a sample);
#   4. each libFuzzer target that `make fuzz-build` built: 60 s, -seed=S+r,
#      over a working copy of its corpus.
# A failure stops the soak and prints the seed and round that replay it:
#   make check-soak SECONDS=... SEED=S  (round r uses S+r).
# top_builddir and top_srcdir come from the make rule (default: . and the
# script's ../..).
set -u
secs=${1:-600}
seed=${2:-}
[ -n "$seed" ] || seed=$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')
b=${top_builddir:-.}
src=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
start=$(date +%s)
end=$((start + secs))
echo "soak: $secs s, seed $seed (replay: make check-soak SECONDS=$secs SEED=$seed)"

round=0
kills=0
fuzz_runs=0
fail() {
	echo "soak: FAILED in round $round (seed $((seed + round))): $1" >&2
	echo "soak: replay: make check-soak SECONDS=$secs SEED=$seed" >&2
	exit 1
}
left() { echo $((end - $(date +%s))); }

while [ "$(left)" -gt 0 ]; do
	s=$((seed + round))
	echo "== soak round $round, seed $s, $(left) s left"
	"$b/tests/fault/crash_test" --cycles 200 --seed "$s" --dir "${TMPDIR:-/tmp}/jet_soak_$$" ||
		fail "crash_test --cycles 200 --seed $s"
	kills=$((kills + 200))
	[ "$(left)" -gt 0 ] || break
	JET_TEST_SEED=$s CK_DEFAULT_TIMEOUT=1200 "$b/tests/unit/test_faults" ||
		fail "JET_TEST_SEED=$s tests/unit/test_faults"
	[ "$(left)" -gt 0 ] || break
	scale=1
	[ $((round % 4)) -eq 3 ] && scale=100
	if [ -x "$b/tests/unit/test_oom" ]; then
		JET_TEST_SEED=$s JET_TEST_SCALE=$scale CK_DEFAULT_TIMEOUT=3600 \
			"$b/tests/unit/test_oom" ||
			fail "JET_TEST_SEED=$s JET_TEST_SCALE=$scale tests/unit/test_oom"
	fi
	for t in csv dbfile log api ese; do
		f="$b/tests/fuzz/fuzz_$t"
		[ -x "$f" ] || continue
		l=$(left)
		[ "$l" -gt 0 ] || break
		[ "$l" -gt 60 ] && l=60
		mkdir -p "$b/tests/fuzz/work/$t"
		"$f" -max_total_time="$l" -seed="$s" -timeout=60 -print_final_stats=1 \
			-artifact_prefix="$b/tests/fuzz/crash-$t-" \
			"$b/tests/fuzz/work/$t" "$src/tests/fuzz/corpus/$t" >"$b/tests/fuzz/soak-$t.log" 2>&1 ||
			fail "tests/fuzz/fuzz_$t -seed=$s (see tests/fuzz/soak-$t.log)"
		n=$(sed -n 's/^stat::number_of_executed_units: *//p' "$b/tests/fuzz/soak-$t.log")
		echo "fuzz_$t: ${n:-?} executions"
		fuzz_runs=$((fuzz_runs + 1))
	done
	round=$((round + 1))
done
echo "soak: passed: $round rounds in $(($(date +%s) - start)) s, $kills kill cycles, $fuzz_runs fuzz runs, seed $seed"
