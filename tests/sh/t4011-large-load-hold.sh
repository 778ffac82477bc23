#!/bin/sh
# shellcheck disable=SC1091,SC2016,SC2034 # bodies are single-quoted for eval; lib.sh is sourced at run time
test_description='a load of 8 MiB or more holds its table against other writers (JET_bitTableDenyWrite, no per-row locks) until its transaction ends; readers go on'
. "${top_srcdir:-$(dirname "$0")/../..}/tests/sh/lib.sh"

S=$MNT/.sessions
printf "k,v\n1,one\n2,two\n" >base.csv
# 10 MiB, above apply.c's APPLY_EXCL_BYTES (8 MiB)
awk 'BEGIN { print "k,v"; for (i = 1; i <= 200000; i++) printf "%d,row %d of a load big enough to be held whole\n", i, i }' >big.csv

test_expect_success 'setup' '
	test "$(wc -c <big.csv)" -ge 8388608 &&
	mount_db -o create &&
	make_table t k:Long:key:notnull v:LongText:cp=65001 &&
	cp base.csv "$MNT/t.csv" &&
	mkdir "$S/a"
'

test_expect_success 'a large cp in session a holds t: a root writer gets EBUSY, a reader the old rows' '
	cp big.csv "$S/a/t.csv" &&
	cat "$S/a/t.csv" >actual &&
	test_cmp big.csv actual &&
	test_equal "close EBUSY" "$(printf "999999,a row a did not write\n" | jw -a "$MNT/t.csv")" "root append of another row while a holds t" &&
	cat "$MNT/t.csv" >actual &&
	test_cmp base.csv actual
'

test_expect_success 'after the commit the root writes again' '
	echo commit >"$S/a/ctl" &&
	test_equal ok "$(printf "200001,after\n" | jw -a "$MNT/t.csv")" "root append after the commit" &&
	{ cat big.csv && printf "200001,after\n"; } >expect &&
	cat "$MNT/t.csv" >actual &&
	test_cmp expect actual
'

test_expect_success 'a rolled-back large cp gives the table back as it was' '
	echo rollback >"$S/a/ctl" &&
	cat "$MNT/t.csv" >before &&
	sed "s/^2,row 2 of/2,ROW 2 of/" big.csv >big2.csv &&
	cp big2.csv "$S/a/t.csv" &&
	test_equal "close EBUSY" "$(printf "200002,x\n" | jw -a "$MNT/t.csv")" "root append while a holds t" &&
	echo rollback >"$S/a/ctl" &&
	cat "$MNT/t.csv" >actual &&
	test_cmp before actual &&
	test_equal ok "$(printf "200002,x\n" | jw -a "$MNT/t.csv")" "root append after the rollback"
'

test_expect_success 'unmount' '
	rmdir "$S/a" &&
	umount_db
'

test_done
