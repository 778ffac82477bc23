#!/bin/sh
# shellcheck disable=SC1091,SC2016,SC2034 # bodies are single-quoted for eval; lib.sh is sourced at run time
test_description='what the kernel caches is invalidated by jetfs: sizes after a truncating open or a session commit, entries of tables deleted in a session'
. "${top_srcdir:-$(dirname "$0")/../..}/tests/sh/lib.sh"

make_rows 500 >data.csv
S=$MNT/.sessions

test_expect_success 'setup' '
	mount_db -o create &&
	cp data.csv "$MNT/t.csv"
'

test_expect_success ': > (O_TRUNC, nothing written) then cat shows the header, every time' '
	head -n 1 data.csv >expect &&
	i=0 &&
	while test $i -lt 20; do
		i=$((i + 1))
		cp data.csv "$MNT/t.csv" &&
		: >"$MNT/t.csv" &&
		cat "$MNT/t.csv" >actual &&
		test_cmp expect actual || { echo "round $i"; exit 1; }
	done
'

test_expect_success 'a failed cp (O_TRUNC, then an error) leaves the root file reading as before, every time' '
	make_table k id:Long:key:notnull v:Long &&
	printf "id,v\n1,1\n" >k.csv &&
	cp k.csv "$MNT/k.csv" &&
	printf "id,v\n1,x\n" >bad.csv &&
	i=0 &&
	while test $i -lt 20; do
		i=$((i + 1))
		test_must_fail cp bad.csv "$MNT/k.csv" 2>/dev/null &&
		cat "$MNT/k.csv" >actual &&
		test_cmp k.csv actual || { echo "round $i"; exit 1; }
	done
'

test_expect_success 'setup: n.csv and a session' '
	printf "a,b\n1,2\n" >n.csv &&
	cp n.csv "$MNT/n.csv" &&
	mkdir "$S/a"
'

test_expect_success 'rm inside a session stays inside until commit' '
	rm "$S/a/n.csv" &&
	{ ! test -e "$S/a/n.csv" || { echo "n.csv still in the session after rm"; false; }; } &&
	{ test -e "$MNT/n.csv" || { echo "n.csv gone from the root before commit"; false; }; } &&
	echo rollback >"$S/a/ctl" &&
	{ test -e "$S/a/n.csv" || { echo "n.csv not back in the session after rollback"; false; }; } &&
	rm "$S/a/n.csv" &&
	echo commit >"$S/a/ctl" &&
	{ ! test -e "$MNT/n.csv" || { echo "n.csv still in the root after commit"; false; }; }
'

test_expect_success 'a read in the root right after a session commits sees the new length and size, every time' '
	make_table c k:Long:key:notnull v:LongText:cp=65001 &&
	printf "k,v\n1,a\n" >"$MNT/c.csv" &&
	echo rollback >"$S/a/ctl" &&
	i=0 &&
	while test $i -lt 100; do
		i=$((i + 1))
		awk -v n=$((i % 7 + 1)) -v i=$i "BEGIN { print \"k,v\"; for (j = 1; j <= n; j++) printf \"%d,v%d\\n\", j, i }" >exp &&
		cat "$MNT/c.csv" >/dev/null &&
		stat -c %s "$MNT/c.csv" >/dev/null &&
		cat exp >"$S/a/c.csv" &&
		echo commit >"$S/a/ctl" &&
		test_equal "$(wc -c <exp)" "$(stat -c %s "$MNT/c.csv")" "st_size right after the commit, round $i" &&
		cat "$MNT/c.csv" >got &&
		test_cmp exp got || { echo "round $i"; exit 1; }
	done
'

test_expect_success 'unmount' '
	umount_db
'

test_done
