#!/bin/sh
# bench/jetutil-check.sh - `jetutil check` of a large database against one
# read of the file (issue 5's target: check < 2x `cat db > /dev/null`).
#
#   bench/jetutil-check.sh [--size MiB] [--dir DIR] [--rounds N] [--keep]
#
# Builds (once; kept with --keep and reused when present) a database of at
# least MiB mebibytes in DIR with tests/sh/jetutil_writer (tables of 200,000
# rows: an integer key, a text column with a secondary index, a binary
# payload of 20..120 bytes, every 7th row 2,500 bytes), then alternates for
# N rounds: evict the file from the page cache (posix_fadvise DONTNEED;
# "cold-ish": the device's own cache stays), time `cat`; evict, time `dd
# bs=8M` (the same large reads check makes); evict, time `jetutil check`. Then the same warm (file in the page cache). Prints each
# time and the median ratios. Run from the build tree after `make` and
# `make tests/sh/jetutil_writer`.
size=1024
dir=${TMPDIR:-/tmp}
rounds=3
keep=
while [ $# -gt 0 ]; do
	case $1 in
	--size) size=$2; shift 2 ;;
	--dir) dir=$2; shift 2 ;;
	--rounds) rounds=$2; shift 2 ;;
	--keep) keep=1; shift ;;
	*) echo "usage: $0 [--size MiB] [--dir DIR] [--rounds N] [--keep]" >&2; exit 2 ;;
	esac
done
B=${top_builddir:-.}
JETUTIL=$B/tools/jetutil
WRITER=$B/tests/sh/jetutil_writer
[ -x "$JETUTIL" ] && [ -x "$WRITER" ] || { echo "$0: build tools/jetutil and tests/sh/jetutil_writer first" >&2; exit 2; }
DB=$dir/jetutil-bench-$size.db
[ -n "$keep" ] || trap 'rm -rf "$DB" "$DB.jetlog"' EXIT

if [ ! -f "$DB" ]; then
	"$JETUTIL" create "$DB" >/dev/null || exit 1
	i=0
	t0=$(date +%s)
	while [ $(($(stat -c %s "$DB") / 1048576)) -lt "$size" ]; do
		i=$((i + 1))
		"$WRITER" fill "$DB" "T$i" 200000 || exit 1
	done
	echo "built $DB: $(stat -c %s "$DB") bytes, $i tables, in $(($(date +%s) - t0)) s"
fi
bytes=$(stat -c %s "$DB")

evict() { python3 -c 'import os, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)' "$1"; }
now() { date +%s.%N; }
secs() { echo "$1 $2" | awk '{ printf "%.3f", $2 - $1 }'; }
median() { tr ' ' '\n' | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

sync
cold_cat= cold_dd= cold_chk= warm_cat= warm_chk=
r=0
while [ $r -lt "$rounds" ]; do
	r=$((r + 1))
	evict "$DB"; a=$(now); cat "$DB" >/dev/null; b=$(now)
	c1=$(secs "$a" "$b")
	evict "$DB"; a=$(now); dd if="$DB" of=/dev/null bs=8M 2>/dev/null; b=$(now)
	d1=$(secs "$a" "$b")
	evict "$DB"; a=$(now); "$JETUTIL" check "$DB" >/dev/null || { echo "check failed" >&2; exit 1; }; b=$(now)
	k1=$(secs "$a" "$b")
	a=$(now); cat "$DB" >/dev/null; b=$(now)
	c2=$(secs "$a" "$b")
	a=$(now); "$JETUTIL" check "$DB" >/dev/null; b=$(now)
	k2=$(secs "$a" "$b")
	echo "round $r: cold cat $c1 s, cold dd bs=8M $d1 s, cold check $k1 s; warm cat $c2 s, warm check $k2 s"
	cold_cat="$cold_cat $c1" cold_dd="$cold_dd $d1" cold_chk="$cold_chk $k1" warm_cat="$warm_cat $c2" warm_chk="$warm_chk $k2"
done
# CPU seconds (user + sys), which a loaded machine does not inflate as it
# does wall time.
cpu() { /usr/bin/time -f '%U %S' "$@" 2>&1 >/dev/null | tail -1 | awk '{ printf "%.2f", $1 + $2 }'; }
if [ -x /usr/bin/time ]; then
	echo "cpu (warm): cat $(cpu cat "$DB") s, check $(cpu "$JETUTIL" check "$DB") s"
fi
cc=$(echo $cold_cat | median) cd=$(echo $cold_dd | median) ck=$(echo $cold_chk | median)
wc=$(echo $warm_cat | median) wk=$(echo $warm_chk | median)
echo "$bytes bytes; median of $rounds: cold cat $cc s ($(echo "$bytes $cc" | awk '{ printf "%.0f", $1 / $2 / 1048576 }') MiB/s), cold dd $cd s, cold check $ck s: ratio to cat $(echo "$ck $cc" | awk '{ printf "%.2f", $1 / $2 }'), to dd $(echo "$ck $cd" | awk '{ printf "%.2f", $1 / $2 }'); warm cat $wc s, warm check $wk s"
