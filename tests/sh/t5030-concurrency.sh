#!/bin/sh
# shellcheck disable=SC1091,SC2016,SC2034 # bodies are single-quoted for eval; lib.sh is sourced at run time
test_description='several processes reading and writing different and the same tables for a bounded time: no crash, no lost commit, whole snapshots'
. "${top_srcdir:-$(dirname "$0")/../..}/tests/sh/lib.sh"

SECONDS_TO_RUN=${JETFS_TEST_SECONDS:-8}
NROWS=200

# appender N: appends row K to own table aN.csv, K = 1, 2, ...; each
# successful close is recorded in appender.N (the last K).
appender() {
	end=$(($(date +%s) + SECONDS_TO_RUN))
	k=1
	while test "$(date +%s)" -lt $end; do
		r=$(printf "%d,w%d-%d\n" $k "$1" $k | jw -a "$MNT/a$1.csv")
		if test "$r" = ok; then
			echo $k >"appender.$1"
			k=$((k + 1))
		else
			echo "appender $1: row $k: $r"
			exit 1
		fi
	done
}

# replacer N: replaces shared.csv with NROWS rows that all say "N-K";
# records every successful K in replacer.N; EBUSY at close is a conflict
# (allowed), anything else is an error.
replacer() {
	end=$(($(date +%s) + SECONDS_TO_RUN))
	k=1
	while test "$(date +%s)" -lt $end; do
		awk -v n=$NROWS -v tag="$1-$k" 'BEGIN { print "k,v"; for (i = 1; i <= n; i++) printf "%d,%s\n", i, tag }' >"rep.$1.csv"
		r=$(jw "$MNT/shared.csv" <"rep.$1.csv")
		case $r in
		ok) echo "$1-$k" >>"replacer.$1" ;;
		"close EBUSY") echo "$1-$k" >>"conflicts.$1" ;;
		*) echo "replacer $1: $r"; exit 1 ;;
		esac
		k=$((k + 1))
	done
}

# reader: reads shared.csv and every aN.csv until the end; each read must be
# a whole snapshot: shared.csv has NROWS rows with one tag; aN.csv has rows
# 1..K without a gap.
reader() {
	end=$(($(date +%s) + SECONDS_TO_RUN))
	n=0
	while test "$(date +%s)" -lt $end; do
		cat "$MNT/shared.csv" >"rd.$1" || { echo "reader $1: cat shared.csv failed"; exit 1; }
		tags=$(tail -n +2 "rd.$1" | cut -d, -f2 | sort -u | wc -l)
		rows=$(tail -n +2 "rd.$1" | wc -l)
		if test "$rows" != $NROWS || test "$tags" != 1; then
			echo "reader $1: shared.csv torn: $rows rows, $tags tags"
			exit 1
		fi
		for a in 1 2 3; do
			cat "$MNT/a$a.csv" >"rd.$1" || { echo "reader $1: cat a$a.csv failed"; exit 1; }
			last=$(tail -n +2 "rd.$1" | tail -n 1 | cut -d, -f1)
			test -z "$last" && last=0
			awk -F, -v last="$last" 'NR > 1 && $1 != NR - 1 { bad = 1 } END { exit bad || NR - 1 != last }' "rd.$1" ||
				{ echo "reader $1: a$a.csv is not rows 1..$last"; cat "rd.$1"; exit 1; }
		done
		n=$((n + 1))
	done
	echo "reader $1: $n rounds"
}

test_expect_success 'setup' '
	mount_db -o create &&
	for a in 1 2 3; do
		make_table a$a k:Long:key:notnull v:LongText:cp=65001 || exit 1
	done &&
	make_table shared k:Long:key:notnull v:LongText:cp=65001 &&
	awk -v n=$NROWS "BEGIN { print \"k,v\"; for (i = 1; i <= n; i++) printf \"%d,init\\n\", i }" >"$MNT/shared.csv"
'

test_expect_success 'appenders, replacers and readers at once' '
	pids= &&
	for a in 1 2 3; do bg_start appender $a; pids="$pids $BG_PID"; done &&
	for r in 1 2; do bg_start replacer $r; pids="$pids $BG_PID"; done &&
	for r in 1 2 3; do bg_start reader $r; pids="$pids $BG_PID"; done &&
	ls_rounds=0 &&
	end=$(($(date +%s) + SECONDS_TO_RUN)) &&
	while test "$(date +%s)" -lt $end; do
		ls -l "$MNT" >/dev/null && stat "$MNT/shared.csv" >/dev/null || exit 1
		ls_rounds=$((ls_rounds + 1))
		sleep 0.2
	done
	bg_wait $pids;
	rc=$?
	cat bg.log
	test $rc = 0 &&
	jetfs_alive
'

test_expect_success 'no lost commit: each appended table holds every appended row' '
	for a in 1 2 3; do
		n=$(cat appender.$a) &&
		awk -v n=$n -v a=$a "BEGIN { print \"k,v\"; for (i = 1; i <= n; i++) printf \"%d,w%d-%d\\n\", i, a, i }" >expect.$a &&
		cat "$MNT/a$a.csv" >actual.$a &&
		test_cmp expect.$a actual.$a || exit 1
		echo "a$a: $n rows"
	done
'

test_expect_success 'shared.csv is whole and holds the last successful replace' '
	cat "$MNT/shared.csv" >final &&
	tag=$(sed -n 2p final | cut -d, -f2) &&
	awk -v n=$NROWS -v tag="$tag" "BEGIN { print \"k,v\"; for (i = 1; i <= n; i++) printf \"%d,%s\\n\", i, tag }" >expect &&
	test_cmp expect final &&
	w=${tag%-*} &&
	test_equal "$tag" "$(tail -n 1 replacer.$w)" "the last successful replace of replacer $w" &&
	cat replacer.1 replacer.2 2>/dev/null | wc -l &&
	cat conflicts.1 conflicts.2 2>/dev/null | wc -l
'

test_expect_success 'everything survives a remount' '
	cat "$MNT/a1.csv" >a1.before &&
	cat "$MNT/shared.csv" >shared.before &&
	umount_db &&
	mount_db &&
	test_cmp a1.before "$MNT/a1.csv" &&
	test_cmp shared.before "$MNT/shared.csv"
'

test_expect_success 'unmount' '
	umount_db
'

test_done
