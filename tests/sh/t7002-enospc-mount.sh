#!/bin/sh
# shellcheck disable=SC1091,SC2016,SC2034 # bodies are single-quoted for eval; lib.sh is sourced at run time
test_description='a full disk through the mount: the database on a 16 MiB tmpfs, appends until one fails with ENOSPC, every acknowledged append kept, work resumes once space is back (in place or after a remount) (issue 6)'
. "${top_srcdir:-$(dirname "$0")/../..}/tests/sh/lib.sh"

test "$(id -u)" = 0 || skip_all "needs root to mount a tmpfs"
DISK=$TRASH/disk
mkdir "$DISK" || exit 1
mount -t tmpfs -o size=16m tmpfs "$DISK" 2>/dev/null || skip_all "cannot mount a tmpfs"
# The tmpfs is recorded as a mount of lib.sh's state, held by a sleeper, so
# that the cleanup and the watchdog unmount it (umount -l) in every case.
bg_start sleep 3600
echo "$BG_PID $DISK" >"$STATE/mount.tmpfs"
DB=$DISK/test.jdb

# batch N: 100 rows of ~300 bytes, ids N*1000+1..N*1000+100.
batch() {
	awk -v n="$1" 'BEGIN { for (i = 1; i <= 100; i++) {
		printf "%d,", n * 1000 + i; for (k = 0; k < 30; k++) printf "row%06d:", n; print "" } }'
}

# expect_acked: t.csv holds exactly the acknowledged batches, whole.
expect_acked() {
	{ echo "id,pad"; while read -r n; do batch "$n"; done <acked; } >expect &&
	cat "$MNT/t.csv" >actual &&
	test_cmp expect actual
}

test_expect_success 'setup: table t; 3 MiB of filler to give back later' '
	dd if=/dev/zero of="$DISK/filler" bs=64k count=48 2>/dev/null &&
	mount_db -o create &&
	make_table t id:Long:key:notnull pad:LongText &&
	: >acked
'

test_expect_success 'appends until the disk is full: the failing one says ENOSPC' '
	n=1 && res=ok &&
	while test $n -le 2000; do
		batch $n >b.csv &&
		res=$(jw -a "$MNT/t.csv" <b.csv) || break
		echo $n >>acked
		n=$((n + 1))
	done &&
	echo "$(wc -l <acked) appends acknowledged, then: $res" &&
	df -k "$DISK" &&
	test_one_of "write ENOSPC|close ENOSPC" "$res" "the append that met the full disk" &&
	test -s acked &&
	echo "$res" >first.err
'

test_expect_success 'while full: jetfs alive; the next append fails with ENOSPC too' '
	jetfs_alive &&
	batch 99999 >b.csv &&
	{ res=$(jw -a "$MNT/t.csv" <b.csv) || :; } &&
	test_one_of "open ENOSPC|write ENOSPC|close ENOSPC" "$res" "an append while still full" &&
	jetfs_alive
'

test_expect_success 'space is back: work resumes (in place, or after a remount) and nothing acknowledged is lost' '
	rm "$DISK/filler" &&
	batch 5000 >b.csv &&
	{ res=$(jw -a "$MNT/t.csv" <b.csv) || :; } &&
	echo "append after the space came back, same mount: $res" &&
	if test "$res" = ok; then
		echo 5000 >>acked
	else
		test_one_of "open ENOSPC|write ENOSPC|close ENOSPC" "$res" "the dead instance" &&
		umount_db &&
		mount_db
	fi &&
	expect_acked &&
	batch 5001 >b.csv &&
	test_equal ok "$(jw -a "$MNT/t.csv" <b.csv)" "an append after the space came back" &&
	echo 5001 >>acked &&
	expect_acked
'

test_expect_success 'unmount, remount: every acknowledged append is there' '
	umount_db &&
	mount_db &&
	expect_acked &&
	umount_db
'

test_done
