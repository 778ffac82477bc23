#!/bin/sh
# shellcheck disable=SC1091,SC2016,SC2034 # bodies are single-quoted for eval; lib.sh is sourced at run time
test_description='named sessions: mkdir begins, writes stay inside until commit, rmdir and rollback undo, ctl, implicit sessions listed'
. "${top_srcdir:-$(dirname "$0")/../..}/tests/sh/lib.sh"

printf "k,v\n1,one\n2,two\n" >v1.csv
printf "k,v\n1,one\n2,TWO\n3,three\n" >v2.csv
printf "k,v\n1,uno\n" >v3.csv
S=$MNT/.sessions

test_expect_success 'setup' '
	mount_db -o create &&
	make_table t k:Long:key:notnull v:LongText:cp=65001 &&
	cp v1.csv "$MNT/t.csv"
'

test_expect_success 'mkdir .sessions/a: the tables and schemas appear inside' '
	mkdir "$S/a" &&
	test -d "$S/a" &&
	ls "$S" | grep -qx a &&
	printf "%s\n" .schema t.csv >expect &&
	ls -A "$S/a" | sort >actual &&
	test_cmp expect actual &&
	cat "$S/a/t.csv" >actual &&
	test_cmp v1.csv actual &&
	test_cmp "$MNT/.schema/t" "$S/a/.schema/t"
'

test_expect_success 'ctl is reachable by name, not listed, and reads the state' '
	! ls -a "$S/a" | grep -qx ctl &&
	cat "$S/a/ctl" >ctl.out &&
	cat ctl.out &&
	test -s ctl.out
'

test_expect_success 'a write in the session is seen inside, not outside' '
	cat v2.csv >"$S/a/t.csv" &&
	cat "$S/a/t.csv" >actual &&
	test_cmp v2.csv actual &&
	test_stat_size "$S/a/t.csv" &&
	cat "$MNT/t.csv" >actual &&
	test_cmp v1.csv actual &&
	test_stat_size "$MNT/t.csv"
'

test_expect_success 'commit makes it visible outside; the session goes on' '
	echo commit >"$S/a/ctl" &&
	cat "$MNT/t.csv" >actual &&
	test_cmp v2.csv actual &&
	test_stat_size "$MNT/t.csv" &&
	test -d "$S/a" &&
	cat "$S/a/t.csv" >actual &&
	test_cmp v2.csv actual
'

test_expect_success 'rollback through ctl undoes the uncommitted write' '
	cat v3.csv >"$S/a/t.csv" &&
	cat "$S/a/t.csv" >actual &&
	test_cmp v3.csv actual &&
	echo rollback >"$S/a/ctl" &&
	cat "$S/a/t.csv" >actual &&
	test_cmp v2.csv actual &&
	cat "$MNT/t.csv" >actual &&
	test_cmp v2.csv actual
'

test_expect_success 'rmdir ends the session and rolls back what it did not commit' '
	mkdir "$S/b" &&
	cat v3.csv >"$S/b/t.csv" &&
	printf "x\n1\n" >"$S/b/newtab.csv" &&
	test -f "$S/b/newtab.csv" &&
	! test -e "$MNT/newtab.csv" &&
	rmdir "$S/b" &&
	! test -e "$S/b" &&
	cat "$MNT/t.csv" >actual &&
	test_cmp v2.csv actual &&
	! test -e "$MNT/newtab.csv" &&
	! test -e "$MNT/.schema/newtab"
'

test_expect_success 'a session reads one snapshot: commits from outside show after its next commit' '
	cat v1.csv >"$MNT/t.csv" &&
	cat "$S/a/t.csv" >actual &&
	test_cmp v2.csv actual &&
	echo commit >"$S/a/ctl" &&
	cat "$S/a/t.csv" >actual &&
	test_cmp v1.csv actual
'

test_expect_success 'a new table and a schema change in a session, invisible until commit' '
	printf "a,b\n1,2\n" >n.csv &&
	cp n.csv "$S/a/n.csv" &&
	! test -e "$MNT/n.csv" &&
	ls "$MNT" >ls.out && ! grep -qx n.csv ls.out &&
	echo commit >"$S/a/ctl" &&
	cat "$MNT/n.csv" >actual &&
	test_cmp n.csv actual
'

test_expect_success 'a scratch file renamed onto a table inside a session: atomic within it' '
	cp v3.csv "$S/a/.t.csv.XyZ123" &&
	mv -f "$S/a/.t.csv.XyZ123" "$S/a/t.csv" &&
	cat "$S/a/t.csv" >actual &&
	test_cmp v3.csv actual &&
	cat "$MNT/t.csv" >actual &&
	test_cmp v1.csv actual &&
	echo commit >"$S/a/ctl" &&
	cat "$MNT/t.csv" >actual &&
	test_cmp v3.csv actual
'

test_expect_success 'nested begin/commit' '
	echo begin >"$S/a/ctl" &&
	cat v2.csv >"$S/a/t.csv" &&
	echo commit >"$S/a/ctl" &&
	cat "$MNT/t.csv" >actual &&
	test_cmp v3.csv actual &&
	echo commit >"$S/a/ctl" &&
	cat "$MNT/t.csv" >actual &&
	test_cmp v2.csv actual
'

test_expect_success 'a bad ctl command is EINVAL' '
	test_equal "write EINVAL" "$(echo frobnicate | jw "$S/a/ctl")" "write frobnicate to ctl"
'

test_expect_success 'an open table file is listed as an implicit session with its owner pid' '
	sh -c "exec 3<\"\$MNT/t.csv\"; echo \$\$ >holder.pid; exec sleep 30" &
	holder=$!
	i=0; while ! test -s holder.pid && test $i -lt 50; do sleep 0.1; i=$((i + 1)); done
	pid=$(cat holder.pid) &&
	sleep 0.3 &&
	ls -A "$S" >list &&
	cat list &&
	found= &&
	for d in $(cat list); do
		cat "$S/$d/ctl" >ctl.$d 2>/dev/null &&
		grep -qw "$pid" ctl.$d && found=$d
	done;
	kill $holder; wait $holder;
	test -n "$found" || { echo "no session ctl names pid $pid"; false; }
'

test_expect_success 'mkdir of an existing session: EEXIST; rmdir of a missing one: ENOENT' '
	test_equal EEXIST "$(jop mkdir "$S/a")" "mkdir .sessions/a again" &&
	test_equal ENOENT "$(jop rmdir "$S/zz")" "rmdir .sessions/zz"
'

test_expect_success 'rmdir a; unmount with a session open rolls it back' '
	rmdir "$S/a" &&
	mkdir "$S/c" &&
	cat v1.csv >"$S/c/t.csv" &&
	umount_db &&
	mount_db &&
	cat "$MNT/t.csv" >actual &&
	test_cmp v2.csv actual &&
	! test -e "$S/c"
'

test_expect_success 'unmount' '
	umount_db
'

test_done
