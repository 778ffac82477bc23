#!/bin/sh
# bench/backup.sh - physical backup throughput: copying the database out of
# a live mount's .backup/ against cp of the database file with the engine
# stopped (the issue's target: at least 0.5x). Results: docs/PERFORMANCE.md.
#
#   bench/backup.sh [ROWS]      (default 400000 rows: a database of about 310 MB)
#
# Builds the database with jetutil create and tests/sh/jetutil_writer (make check builds it;
# or `make tests/sh/jetutil_writer`), in $TMPDIR (or /tmp). Both sides copy
# into a file on the same file system, from a warm page cache (one unmeasured
# copy first), three times each; the best time of each side is compared.
# Also timed: rsync -a of the database file (engine stopped) and of the whole
# .backup/ (database, logs, checkpoint file), each into a new folder. Run from the build tree (or set BUILD).
set -eu

ROWS=${1:-400000}
BUILD=${BUILD:-.}
JETFS=$BUILD/fuse/jetfs
JETUTIL=$BUILD/tools/jetutil
WRITER=$BUILD/tests/sh/jetutil_writer
for p in "$JETFS" "$JETUTIL" "$WRITER"; do
	test -x "$p" || { echo "bench/backup.sh: $p is not built" >&2; exit 2; }
done

D=$(mktemp -d "${TMPDIR:-/tmp}/jetfs-bench-backup.XXXXXX")
MNT=$D/mnt
PID=
cleanup() {
	if test -n "$PID"; then
		fusermount3 -u -z "$MNT" 2>/dev/null || true
		kill "$PID" 2>/dev/null || true
		wait "$PID" 2>/dev/null || true
	fi
	rm -rf "$D"
}
trap cleanup EXIT INT TERM HUP

now() { date +%s.%N; }

# best_of N CMD...: the shortest wall time of N runs of CMD (seconds).
best_of() {
	_n=$1
	shift
	_best=
	_i=0
	while test $_i -lt "$_n"; do
		_t0=$(now)
		"$@"
		_t1=$(now)
		_t=$(echo "$_t1 - $_t0" | bc -l)
		if test -z "$_best" || test "$(echo "$_t < $_best" | bc -l)" = 1; then _best=$_t; fi
		_i=$((_i + 1))
	done
	echo "$_best"
}

copy_stopped() { rm -f "$D/out.jdb"; cp "$D/b.jdb" "$D/out.jdb"; }
copy_backup() { rm -f "$D/out.jdb"; cp "$MNT/.backup/b.jdb" "$D/out.jdb"; }
rsync_stopped() { rm -rf "$D/rs"; mkdir "$D/rs"; rsync -a "$D/b.jdb" "$D/rs/"; }
rsync_backup() { rm -rf "$D/rs"; rsync -a "$MNT/.backup/" "$D/rs/"; }

echo "building a database of $ROWS rows ..."
"$JETUTIL" create "$D/b.jdb" >/dev/null
"$WRITER" fill "$D/b.jdb" t "$ROWS" >/dev/null
SIZE=$(stat -c %s "$D/b.jdb")
MB=$(echo "$SIZE / 1000000" | bc -l)

copy_stopped
T_CP=$(best_of 3 copy_stopped)
T_RSCP=$(best_of 1 rsync_stopped)

mkdir "$MNT"
"$JETFS" -f "$D/b.jdb" "$MNT" 2>"$D/jetfs.log" &
PID=$!
i=0
until mountpoint -q "$MNT"; do
	i=$((i + 1))
	test $i -lt 100 || { echo "jetfs did not mount" >&2; cat "$D/jetfs.log" >&2; exit 1; }
	sleep 0.1
done
copy_backup
T_BK=$(best_of 3 copy_backup)
cmp "$D/b.jdb" "$D/out.jdb" >/dev/null || true # the live file may have been checkpointed since
T_RS=$(best_of 1 rsync_backup)
RS_BYTES=$(du -sb "$D/rs" | cut -f1)
fusermount3 -u "$MNT"
wait "$PID"
PID=

printf "database: %d bytes (%d rows)\n" "$SIZE" "$ROWS"
printf "%-44s %8.3fs %8.1f MB/s\n" "cp DATABASE (engine stopped)" "$T_CP" "$(echo "$MB / $T_CP" | bc -l)"
printf "%-44s %8.3fs %8.1f MB/s\n" "cp MOUNT/.backup/DATABASE (engine live)" "$T_BK" "$(echo "$MB / $T_BK" | bc -l)"
printf "%-44s %8.3fs %8.1f MB/s\n" "rsync -a DATABASE (engine stopped)" "$T_RSCP" "$(echo "$MB / $T_RSCP" | bc -l)"
printf "%-44s %8.3fs %8.1f MB/s\n" "rsync -a MOUNT/.backup/ (db+logs+chk, new dir)" "$T_RS" "$(echo "$RS_BYTES / 1000000 / $T_RS" | bc -l)"
printf "backup / stopped cp throughput: %.2fx (target >= 0.5x)\n" "$(echo "$T_CP / $T_BK" | bc -l)"
