#!/bin/sh
# t7001-enospc.sh - a full disk for real: an 8 MiB tmpfs (needs root; else
# skipped). tests/fault/enospc_helper fills a database on it through the JET
# API until the engine reports JET_errDiskFull/LogDiskFull, then, with space
# given back (a filler file deleted; later the tmpfs remounted bigger),
# reopens it: recovery works, eng_db_check passes, every acknowledged
# transaction is there and none is half there, and new transactions commit.
# TAP output; the tmpfs is always unmounted (trap).

helper=${top_builddir:-.}/tests/fault/enospc_helper
echo "1..6"
if [ "$(id -u)" != 0 ]; then
	echo "ok 1 # SKIP not root: cannot mount a tmpfs"
	for i in 2 3 4 5 6; do echo "ok $i # SKIP not root"; done
	exit 0
fi
if [ ! -x "$helper" ]; then
	echo "Bail out! $helper is not built"
	exit 1
fi
T=$(mktemp -d "${TMPDIR:-/tmp}/t7001.XXXXXX") || exit 1
MNT=$T/mnt
ACKED=$T/acked
mounted=
cleanup() {
	[ -n "$mounted" ] && umount "$MNT" 2>/dev/null
	rm -rf --one-file-system "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
mkdir "$MNT"
if ! mount -t tmpfs -o size=8m tmpfs "$MNT" 2>"$T/mount.err"; then
	echo "ok 1 # SKIP cannot mount a tmpfs: $(cat "$T/mount.err")"
	for i in 2 3 4 5 6; do echo "ok $i # SKIP no tmpfs"; done
	exit 0
fi
mounted=1
: >"$ACKED"

# step N DESC CMD...: runs CMD, prints ok/not ok N - DESC and its output
step() {
	n=$1 desc=$2
	shift 2
	if "$@" >"$T/out" 2>&1; then
		echo "ok $n - $desc"
		sed 's/^/# /' "$T/out"
	else
		echo "not ok $n - $desc (exit $?)"
		sed 's/^/# /' "$T/out"
	fi
}

# 4 MiB of filler to give back later: recovery replays everything after the
# last checkpoint into new pages (copy-on-write), so it needs free space of
# the order of what was committed since then
dd if=/dev/zero of="$MNT/filler" bs=64k count=64 2>/dev/null
step 1 "filling the 8 MiB tmpfs ends in a disk-full error" \
	"$helper" fill "$MNT/d" "$ACKED"
df -k "$MNT" | sed 's/^/# /'
rm -f "$MNT/filler"
step 2 "after deleting the filler: recovery, check, every acknowledged commit, 20 more commit" \
	"$helper" verify "$MNT/d" "$ACKED" 20
step 3 "filling it again ends in a disk-full error" \
	"$helper" fill "$MNT/d" "$ACKED"
# Still full: recovery may need space it does not have; then it must say so
# (JET_errDiskFull) and change nothing, which step 5 shows.
if "$helper" verify "$MNT/d" "$ACKED" 0 >"$T/out" 2>&1 ||
	grep -q 'JET_errDiskFull' "$T/out"; then
	echo "ok 4 - still full: reopening works or fails with JET_errDiskFull"
else
	echo "not ok 4 - still full: reopening works or fails with JET_errDiskFull"
fi
sed 's/^/# /' "$T/out"
if mount -o remount,size=32m "$MNT"; then
	step 5 "remounted at 32 MiB: every acknowledged commit, and 100 more commit" \
		"$helper" verify "$MNT/d" "$ACKED" 100
else
	echo "not ok 5 - remounting the tmpfs at 32 MiB"
fi
step 6 "the acknowledged count is not zero" test -s "$ACKED"
