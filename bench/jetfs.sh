#!/bin/sh
# bench/jetfs.sh - jetfs through real tools, side by side with sqlite3 and
# the local disk, in one run (docs/PERFORMANCE.md, "jetfs"; issue 4's
# benchmark items). Not a test: it prints figures and ratios.
#
#   bench/jetfs.sh [--rows N] [--tables N] [--rounds N] [--big-rows N] [--dir DIR]
#
#   --rows N      rows of the large table (default 1,000,000)
#   --tables N    tables for the ls -l test (default 1,000)
#   --rounds N    repetitions of the short timings; the median is shown (5)
#   --big-rows N  rows of an extra load + cat for peak RSS only (default 0:
#                 the large table is used); 20,000,000 rows is about 1.1 GB
#   --dir DIR     where the scratch directory goes (default $TMPDIR or /tmp)
#
# Workloads:
#   load   `cp data.csv MNT/t.csv` into a table whose schema was written first
#          vs `sqlite3 db .import` into the same columns (one transaction)
#   cat    `cat MNT/t.csv >/dev/null` vs `sqlite3 -csv db 'select * from t'`
#          vs `cat` of the same CSV on the local disk and through libfuse's
#          passthrough_ll example (built from libfuse3-dev's example source
#          when found, or $PASSTHROUGH)
#   tail   `tail -n 10 MNT/t.csv` on the large table vs on a 1,000-row table
#   ls     `ls -l MNT` with N tables vs `ls -l` of N local files
#   rss    jetfs's peak RSS (VmHWM, reset before each phase) during the load
#          and during the cat (with --big-rows: the cat on a fresh mount)
#   rsync  `rsync -a MNT/ copy/` twice: bytes jetfs sent to the kernel
#          (/proc/PID/io wchar) and files rsync transferred, first vs second
#
# Run from the build tree (fuse/jetfs is used); needs sqlite3, rsync,
# fusermount3. Exit 0 when every step ran, 1 otherwise.
set -u

ROWS=1000000
TABLES=1000
ROUNDS=5
BIG=0
DIR=${TMPDIR:-/tmp}
while test $# -gt 0; do
	case $1 in
	--rows) ROWS=$2; shift 2 ;;
	--tables) TABLES=$2; shift 2 ;;
	--rounds) ROUNDS=$2; shift 2 ;;
	--big-rows) BIG=$2; shift 2 ;;
	--dir) DIR=$2; shift 2 ;;
	*) echo "usage: bench/jetfs.sh [--rows N] [--tables N] [--rounds N] [--big-rows N] [--dir DIR]" >&2; exit 2 ;;
	esac
done

JETFS=${JETFS:-$PWD/fuse/jetfs}
test -x "$JETFS" || { echo "bench/jetfs.sh: $JETFS not built (run from the build tree)" >&2; exit 1; }
for p in sqlite3 rsync fusermount3 mountpoint; do
	command -v $p >/dev/null || { echo "bench/jetfs.sh: $p not found" >&2; exit 1; }
done

W=$(mktemp -d "$DIR/jetfs-bench.XXXXXX") || exit 1
MNT=$W/mnt
JPID=
cleanup() {
	if test -n "$JPID"; then
		fusermount3 -u -z "$MNT" 2>/dev/null
		kill "$JPID" 2>/dev/null
		sleep 0.5
		kill -9 "$JPID" 2>/dev/null
	fi
	rm -rf --one-file-system "$W"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

now() { date +%s.%N; }
# t CMD...: runs CMD, prints its wall time in seconds
t() {
	_a=$(now)
	"$@" || { echo "bench/jetfs.sh: failed: $*" >&2; exit 1; }
	_b=$(now)
	echo "$_a $_b" | awk '{ printf "%.4f\n", $2 - $1 }'
}
# med CMD...: median wall time of ROUNDS runs
med() {
	_i=0
	: >"$W/times"
	while test $_i -lt "$ROUNDS"; do
		t "$@" >>"$W/times" || exit 1
		_i=$((_i + 1))
	done
	sort -n "$W/times" | awk '{ v[NR] = $1 } END { printf "%.4f\n", v[int((NR + 1) / 2)] }'
}
ratio() { echo "$1 $2" | awk '{ if ($2 > 0) printf "%.2f\n", $1 / $2; else print "inf" }'; }
mb() { echo "$1" | awk '{ printf "%.1f\n", $1 / 1048576 }'; }

mount_jetfs() {
	mkdir -p "$MNT"
	"$JETFS" -f "$@" "$W/db.jdb" "$MNT" >>"$W/jetfs.log" 2>&1 &
	JPID=$!
	_i=0
	until mountpoint -q "$MNT"; do
		_i=$((_i + 1))
		test $_i -lt 100 || { echo "bench/jetfs.sh: no mount; jetfs said:" >&2; cat "$W/jetfs.log" >&2; exit 1; }
		sleep 0.1
	done
}
umount_jetfs() {
	fusermount3 -u "$MNT"
	wait "$JPID"
	JPID=
}
hwm_reset() { echo 5 >"/proc/$JPID/clear_refs" 2>/dev/null; }
hwm() { awk '/^VmHWM/ { printf "%.1f\n", $2 / 1024 }' "/proc/$JPID/status"; }
wchar() { awk '/^wchar/ { print $2 }' "/proc/$JPID/io"; }

# The benchmark table as CSV with a header, columns in the order jetfs
# renders them (columnid: fixed, then variable, then tagged columns).
gen_rows() { # gen_rows N FILE
	awk -v n="$1" 'BEGIN {
		print "id,value,qty,name,note"
		for (i = 1; i <= n; i++)
			printf "%d,%d.%d,%d,name %d,note for row %d of the benchmark\n", i, i % 9973, i % 9 + 1, (i * 7919) % 100000, i, i
	}' >"$2"
}
SCHEMA='column id Long not-null
column name Text cp=65001
column value IEEEDouble
column qty Long
column note LongText cp=65001
index pk primary +id'
SQL='create table t(id integer primary key, value real, qty integer, name text, note text);'

echo "jetfs benchmark: $ROWS rows, $TABLES tables, median of $ROUNDS; $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "main at $(git -C "$(dirname "$0")" rev-parse --short HEAD 2>/dev/null || echo '?')"

gen_rows "$ROWS" "$W/data.csv"
gen_rows 1000 "$W/small.csv"
BYTES=$(wc -c <"$W/data.csv")
echo "data.csv: $(mb "$BYTES") MiB"

# ---- load ----
mount_jetfs -o create
printf '%s\n' "$SCHEMA" >"$MNT/.schema/t"
printf '%s\n' "$SCHEMA" >"$MNT/.schema/small"
cp "$W/small.csv" "$MNT/small.csv"
sync
hwm_reset
T_LOAD=$(t cp "$W/data.csv" "$MNT/t.csv")
RSS_LOAD=$(hwm)
cmp -s "$W/data.csv" "$MNT/t.csv" || { echo "bench/jetfs.sh: t.csv does not read back as data.csv" >&2; exit 1; }
printf '%s\n' "$SQL" | sqlite3 "$W/s.db"
T_SQLOAD=$(t sqlite3 "$W/s.db" ".mode csv" ".import --skip 1 $W/data.csv t")
echo
echo "load (new table, $ROWS rows)"
echo "  jetfs cp data.csv MNT/t.csv       $T_LOAD s   $(echo "$BYTES $T_LOAD" | awk '{ printf "%.1f", $1 / $2 / 1048576 }') MiB/s"
echo "  sqlite3 .import                   $T_SQLOAD s"
echo "  jetfs / sqlite3 speed             $(ratio "$T_SQLOAD" "$T_LOAD")x   (target >= 1.5x)"

# ---- cat ----
cat "$MNT/t.csv" >/dev/null
hwm_reset
T_CAT=$(med sh -c "cat '$MNT/t.csv' >/dev/null")
RSS_CAT=$(hwm)
T_SQCAT=$(med sh -c "sqlite3 -csv '$W/s.db' 'select * from t' >/dev/null")
T_LCAT=$(med sh -c "cat '$W/data.csv' >/dev/null")
# the same CSV through libfuse's passthrough_ll example (built from the
# libfuse3-dev example source unless $PASSTHROUGH names a binary)
T_PCAT=
PT=${PASSTHROUGH:-}
PTSRC=/usr/share/doc/libfuse3-dev/examples/passthrough_ll.c
if test -z "$PT" && test -r "$PTSRC" && command -v pkg-config >/dev/null &&
	${CC:-cc} -O2 -D_FILE_OFFSET_BITS=64 "$PTSRC" -o "$W/passthrough_ll" \
		$(pkg-config --cflags --libs fuse3) 2>/dev/null; then
	PT=$W/passthrough_ll
fi
if test -n "$PT"; then
	mkdir -p "$W/pt"
	"$PT" -f -o source="$W" "$W/pt" >/dev/null 2>&1 &
	PTPID=$!
	_i=0
	while ! mountpoint -q "$W/pt" && test $_i -lt 50; do sleep 0.1; _i=$((_i + 1)); done
	if mountpoint -q "$W/pt"; then
		T_PCAT=$(med sh -c "cat '$W/pt/data.csv' >/dev/null")
		fusermount3 -u "$W/pt"
	fi
	wait $PTPID 2>/dev/null
fi
echo
echo "cat (whole table)"
echo "  jetfs cat MNT/t.csv               $T_CAT s   $(echo "$BYTES $T_CAT" | awk '{ printf "%.1f", $1 / $2 / 1048576 }') MiB/s"
echo "  sqlite3 -csv select *             $T_SQCAT s"
echo "  cat of the local CSV              $T_LCAT s"
echo "  jetfs / sqlite3 speed             $(ratio "$T_SQCAT" "$T_CAT")x   (target >= 3x)"
echo "  jetfs / local disk speed          $(ratio "$T_LCAT" "$T_CAT")x"
if test -n "$T_PCAT"; then
	echo "  cat through passthrough_ll        $T_PCAT s"
	echo "  jetfs / passthrough FUSE speed    $(ratio "$T_PCAT" "$T_CAT")x"
fi

# ---- tail ----
T_TAILB=$(med sh -c "tail -n 10 '$MNT/t.csv' >/dev/null")
T_TAILS=$(med sh -c "tail -n 10 '$MNT/small.csv' >/dev/null")
test "$(tail -n 10 "$MNT/t.csv")" = "$(tail -n 10 "$W/data.csv")" || { echo "bench/jetfs.sh: tail differs" >&2; exit 1; }
echo
echo "tail -n 10"
echo "  $ROWS rows                       $T_TAILB s"
echo "  1000 rows                         $T_TAILS s"
echo "  large / small                     $(ratio "$T_TAILB" "$T_TAILS")x   (target < 2x)"

# ---- rsync ----
W0=$(wchar)
rsync -a "$MNT/" "$W/copy/" || { echo "bench/jetfs.sh: rsync failed" >&2; exit 1; }
W1=$(wchar)
rsync -a --stats "$MNT/" "$W/copy/" >"$W/rsync2" || { echo "bench/jetfs.sh: rsync failed" >&2; exit 1; }
W2=$(wchar)
echo
echo "rsync -a MNT/ copy/ (jetfs's bytes to the kernel)"
echo "  first                             $(mb $((W1 - W0))) MiB"
echo "  second (unchanged)                $(mb $((W2 - W1))) MiB; $(grep 'regular files transferred' "$W/rsync2" | sed 's/^ *//')"
umount_jetfs

# ---- ls -l ----
rm -rf "$W/db.jdb" "$W/db.jdb.jetlog"
mount_jetfs -o create
mkdir -p "$W/local"
i=1
while test $i -le "$TABLES"; do
	printf 'a,b\n%d,x\n' $i >"$W/local/t$i.csv"
	i=$((i + 1))
done
cp "$W"/local/*.csv "$MNT/"
test "$(ls "$MNT" | wc -l)" = "$TABLES" || { echo "bench/jetfs.sh: $TABLES tables expected" >&2; exit 1; }
umount_jetfs
mount_jetfs
T_LSJ1=$(t sh -c "ls -l '$MNT' >/dev/null")
T_LSJ=$(med sh -c "ls -l '$MNT' >/dev/null")
T_LSL=$(med sh -c "ls -l '$W/local' >/dev/null")
echo
echo "ls -l of $TABLES tables"
echo "  jetfs, first after the mount      $T_LSJ1 s"
echo "  jetfs, median of $ROUNDS               $T_LSJ s"
echo "  local files                       $T_LSL s"
echo "  jetfs / local time                $(ratio "$T_LSJ" "$T_LSL")x   (target <= 3x)"
umount_jetfs

# ---- peak RSS ----
if test "$BIG" -gt 0; then
	rm -rf "$W/db.jdb" "$W/db.jdb.jetlog" "$W/s.db" "$W/copy"
	gen_rows "$BIG" "$W/data.csv"
	BIGB=$(wc -c <"$W/data.csv")
	mount_jetfs -o create
	printf '%s\n' "$SCHEMA" >"$MNT/.schema/t"
	hwm_reset
	T_BLOAD=$(t cp "$W/data.csv" "$MNT/t.csv")
	RSS_LOAD=$(hwm)
	# a fresh process: what the load left allocated is not the cat's
	umount_jetfs
	mount_jetfs
	T_BCAT=$(t sh -c "cat '$MNT/t.csv' >/dev/null")
	RSS_CAT=$(hwm)
	umount_jetfs
	echo
	echo "large table: $BIG rows, $(mb "$BIGB") MiB: load $T_BLOAD s, cat $T_BCAT s"
fi
echo
echo "jetfs peak RSS (VmHWM)"
echo "  during the load                   $RSS_LOAD MiB   (target < 256 MiB)"
echo "  during the cat                    $RSS_CAT MiB   (target < 256 MiB)"
exit 0
