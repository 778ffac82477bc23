#!/bin/sh
# shellcheck disable=SC1091,SC2016,SC2034 # bodies are single-quoted for eval; lib.sh is sourced at run time
test_description='a backup with rsync -a of a session directory while a writer commits is one consistent snapshot'
. "${top_srcdir:-$(dirname "$0")/../..}/tests/sh/lib.sh"

S=$MNT/.sessions
SECONDS_TO_RUN=${JETFS_TEST_SECONDS:-6}

# writer: in session w, each transaction writes the same counter to a.csv
# and b.csv (and appends row N to c.csv), then commits; the last committed
# counter is kept in writer.last (a second run goes on from it).
writer() {
	end=$(($(date +%s) + SECONDS_TO_RUN))
	i=$(($(cat writer.last 2>/dev/null || echo 0) + 1))
	mkdir "$S/w" || exit 1
	while test "$(date +%s)" -lt $end; do
		printf "k,v\n1,%d\n" $i | jw "$S/w/a.csv" >/dev/null || { echo "writer: a.csv failed at $i"; exit 1; }
		printf "k,v\n1,%d\n" $i | jw "$S/w/b.csv" >/dev/null || { echo "writer: b.csv failed at $i"; exit 1; }
		printf "%d,row %d\n" $i $i | jw -a "$S/w/c.csv" >/dev/null || { echo "writer: c.csv failed at $i"; exit 1; }
		echo commit >"$S/w/ctl" || { echo "writer: commit failed at $i"; exit 1; }
		echo $i >writer.last
		i=$((i + 1))
	done
	rmdir "$S/w"
}

# check_copy DIR: a.csv and b.csv hold the same counter N, c.csv rows 1..N.
check_copy() {
	cmp "$1/a.csv" "$1/b.csv" || {
		echo "$1: a.csv and b.csv differ:"
		cat "$1/a.csv" "$1/b.csv"
		return 1
	}
	n=$(sed -n 2p "$1/a.csv" | cut -d, -f2)
	{
		echo "k,v"
		i=1
		while test $i -le "$n"; do
			echo "$i,row $i"
			i=$((i + 1))
		done
	} >"$1.expect-c"
	test_cmp "$1.expect-c" "$1/c.csv" || {
		echo "$1: c.csv does not hold rows 1..$n"
		return 1
	}
	test -f "$1/.schema/a" && test -f "$1/.schema/c" &&
		! test -e "$1/ctl"
}

test_expect_success 'setup' '
	mount_db -o create &&
	make_table a k:Long:key:notnull v:Long &&
	make_table b k:Long:key:notnull v:Long &&
	make_table c k:Long:key:notnull v:LongText:cp=65001 &&
	printf "k,v\n1,0\n" >"$MNT/a.csv" &&
	printf "k,v\n1,0\n" >"$MNT/b.csv"
'

test_expect_success RSYNC 'backups taken while the writer runs are each consistent' '
	bg_start writer &&
	w=$BG_PID &&
	sleep 0.5 &&
	j=0 &&
	end=$(($(date +%s) + SECONDS_TO_RUN - 1)) &&
	while test "$(date +%s)" -lt $end; do
		j=$((j + 1)) &&
		mkdir "$S/bk$j" &&
		rsync -a "$S/bk$j/" "dest$j/" &&
		rmdir "$S/bk$j" &&
		check_copy "dest$j" &&
		echo "backup $j: counter $(sed -n 2p dest$j/a.csv)" || exit 1
	done &&
	bg_wait $w &&
	test "$j" -ge 2 &&
	test "$(sed -n 2p dest$j/a.csv | cut -d, -f2)" -gt 0
'

test_expect_success 'no commit was lost: the root shows the last committed counter' '
	cat bg.log &&
	n=$(cat writer.last) &&
	printf "k,v\n1,%d\n" $n >expect &&
	cat "$MNT/a.csv" >actual &&
	test_cmp expect actual &&
	cat "$MNT/b.csv" >actual &&
	test_cmp expect actual &&
	test_equal "$((n + 1))" "$(wc -l <"$MNT/c.csv")" "lines of c.csv"
'

test_expect_success 'a reader in the root meanwhile never sees a torn table' '
	bg_start writer &&
	w=$BG_PID &&
	end=$(($(date +%s) + SECONDS_TO_RUN - 1)) &&
	k=0 &&
	while test "$(date +%s)" -lt $end; do
		k=$((k + 1))
		cp "$MNT/c.csv" snap.csv &&
		n=$(tail -n 1 snap.csv | cut -d, -f1) &&
		test "$(wc -l <snap.csv)" = "$((n + 1))" ||
		{ echo "read $k: c.csv has $(wc -l <snap.csv) lines, last key $n"; exit 1; }
	done &&
	bg_wait $w
'

test_expect_success 'unmount' '
	umount_db
'

test_done
