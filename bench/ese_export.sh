#!/bin/sh
# bench/ese_export.sh - reading a database written by Microsoft's ESE:
# `jetutil export` (src/esefmt.c) against Debian's esedbexport
# (libesedb-utils) on the same file, in one run: wall time and peak RSS
# (GNU time), best of RUNS. Usage: bench/ese_export.sh [FILE] (default: the
# SRUDB.dat sample beside the repository). Needs /usr/bin/time and
# esedbexport; says so and exits 0 when either is missing.
top_builddir=${top_builddir:-.}
top_srcdir=${top_srcdir:-.}
JETUTIL=${JETUTIL:-$top_builddir/tools/jetutil}
F=${1:-${JET_ESE_SAMPLES:-$top_srcdir/../shared/data/ese-samples}/SRUDB.dat}
RUNS=${RUNS:-5}
for p in /usr/bin/time esedbexport; do
	command -v "$p" >/dev/null || { echo "ese_export: $p not installed: skipped"; exit 0; }
done
[ -f "$F" ] || { echo "ese_export: no $F: skipped"; exit 0; }
T=$(mktemp -d "${TMPDIR:-/tmp}/ese_bench.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
best() { sort -n | head -1; }
for i in $(seq "$RUNS"); do
	rm -rf "$T/j"
	/usr/bin/time -f "%e %M" -o "$T/tj.$i" "$JETUTIL" export "$F" "$T/j" >/dev/null 2>&1
	rm -rf "$T/e.export"
	(cd "$T" && /usr/bin/time -f "%e %M" -o "$T/te.$i" esedbexport -t e "$F" >/dev/null 2>&1)
done
jt=$(cat "$T"/tj.* | awk '{print $1}' | best); jm=$(cat "$T"/tj.* | awk '{print $2}' | best)
et=$(cat "$T"/te.* | awk '{print $1}' | best); em=$(cat "$T"/te.* | awk '{print $2}' | best)
echo "file: $F ($(wc -c < "$F") bytes), best of $RUNS"
printf '%-22s %8s s %8s KiB peak RSS\n' "jetutil export" "$jt" "$jm" "esedbexport" "$et" "$em"
awk -v a="$et" -v b="$jt" -v c="$em" -v d="$jm" \
	'BEGIN { printf "ratio: %.1fx faster, %.2f of esedbexport'"'"'s peak memory\n", (b > 0 ? a / b : 0), d / c }'

# The issue's measure: cat of every table through `jetfs -o ro` (mount,
# cat *.csv, jetfs's own peak RSS from /proc, unmount). Needs /dev/fuse.
JETFS=${JETFS:-$top_builddir/fuse/jetfs}
if [ -x "$JETFS" ] && [ -e /dev/fuse ] && command -v fusermount3 >/dev/null; then
	cp "$F" "$T/m.edb"
	mkdir "$T/mnt"
	trap 'fusermount3 -u -z "$T/mnt" 2>/dev/null; rm -rf "$T"' EXIT
	timeout 300 "$JETFS" -f -o ro "$T/m.edb" "$T/mnt" >/dev/null 2>&1 &
	pid=$!
	i=0
	while ! mountpoint -q "$T/mnt" && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	start=$(date +%s.%N)
	cat "$T/mnt"/*.csv >/dev/null
	end=$(date +%s.%N)
	jp=$(pgrep -P "$pid" | head -1) # jetfs, under timeout
	mm=$(awk '/VmHWM/ { print $2 }' "/proc/${jp:-$pid}/status")
	fusermount3 -u -z "$T/mnt"
	wait $pid 2>/dev/null
	awk -v s="$start" -v e="$end" -v m="$mm" -v et="$et" -v em="$em" 'BEGIN {
		printf "%-22s %8.2f s %8s KiB peak RSS (jetfs)\n", "cat through the mount", e - s, m
		printf "ratio: %.1fx faster, %.2f of esedbexport'"'"'s peak memory\n", et / (e - s), m / em }'
fi
