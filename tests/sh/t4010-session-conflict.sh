#!/bin/sh
# shellcheck disable=SC1091,SC2016,SC2034 # bodies are single-quoted for eval; lib.sh is sourced at run time
test_description='write conflicts: two sessions writing the same row, the second fails with EBUSY at close and changes nothing'
. "${top_srcdir:-$(dirname "$0")/../..}/tests/sh/lib.sh"

printf "k,v\n1,one\n2,two\n3,three\n" >base.csv
S=$MNT/.sessions

test_expect_success 'setup' '
	mount_db -o create &&
	make_table t k:Long:key:notnull v:LongText:cp=65001 &&
	cp base.csv "$MNT/t.csv" &&
	mkdir "$S/a" "$S/b"
'

test_expect_success 'two sessions write row 2: the second close fails with EBUSY' '
	sed "s/^2,two/2,from a/" base.csv >a.csv &&
	sed "s/^2,two/2,from b/" base.csv >b.csv &&
	test_equal ok "$(jw "$S/a/t.csv" <a.csv)" "write in session a" &&
	test_equal "close EBUSY" "$(jw "$S/b/t.csv" <b.csv)" "write in session b" &&
	cat "$S/b/t.csv" >actual &&
	test_cmp base.csv actual &&
	test_stat_size "$S/b/t.csv"
'

test_expect_success 'cp in the second session fails too; a commits; b sees a after its rollback' '
	test_must_fail cp b.csv "$S/b/t.csv" &&
	echo commit >"$S/a/ctl" &&
	cat "$MNT/t.csv" >actual &&
	test_cmp a.csv actual &&
	echo rollback >"$S/b/ctl" &&
	cat "$S/b/t.csv" >actual &&
	test_cmp a.csv actual
'

test_expect_success 'different rows of the same table do not conflict' '
	sed "s/^1,one/1,A/" a.csv >a2.csv &&
	sed "s/^3,three/3,B/" a.csv >b2.csv &&
	sed -e "s/^1,one/1,A/" -e "s/^3,three/3,B/" a.csv >both.csv &&
	cat a2.csv >"$S/a/t.csv" &&
	test_equal ok "$(jw "$S/b/t.csv" <b2.csv)" "b: a write that changes row 3 only" &&
	echo commit >"$S/a/ctl" &&
	echo commit >"$S/b/ctl" &&
	cat "$MNT/t.csv" >actual &&
	test_cmp both.csv actual
'

# A session's transaction began when it last committed or rolled back, so
# its snapshot may be older than the root: roll back (nothing) to catch up.
test_expect_success 'a plain cp to the root conflicts with a session holding the row' '
	echo rollback >"$S/a/ctl" &&
	cat "$MNT/t.csv" >cur.csv &&
	test_cmp cur.csv "$S/a/t.csv" &&
	sed "s/^1,A/1,session/" cur.csv >s.csv &&
	sed "s/^1,A/1,root/" cur.csv >r.csv &&
	cat s.csv >"$S/a/t.csv" &&
	test_equal "close EBUSY" "$(jw "$MNT/t.csv" <r.csv)" "root write of a row session a holds" &&
	cat "$MNT/t.csv" >actual &&
	test_cmp cur.csv actual &&
	echo commit >"$S/a/ctl" &&
	cat "$MNT/t.csv" >actual &&
	test_cmp s.csv actual
'

test_expect_success 'the loser can retry after the winner commits' '
	echo rollback >"$S/a/ctl" &&
	echo rollback >"$S/b/ctl" &&
	cat "$MNT/t.csv" >cur.csv &&
	sed "s/^2,from a/2,a again/" cur.csv >a3.csv &&
	sed "s/^2,from a/2,b again/" cur.csv >b3.csv &&
	cat a3.csv >"$S/a/t.csv" &&
	test_equal "close EBUSY" "$(jw "$S/b/t.csv" <b3.csv)" "b before a commits" &&
	echo commit >"$S/a/ctl" &&
	echo rollback >"$S/b/ctl" &&
	test_equal ok "$(jw "$S/b/t.csv" <b3.csv)" "b after a commits" &&
	echo commit >"$S/b/ctl" &&
	cat "$MNT/t.csv" >actual &&
	test_cmp b3.csv actual
'

test_expect_success 'unmount' '
	rmdir "$S/a" "$S/b" &&
	umount_db
'

test_done
