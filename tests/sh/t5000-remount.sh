#!/bin/sh
# shellcheck disable=SC1091,SC2016,SC2034 # bodies are single-quoted for eval; lib.sh is sourced at run time
test_description='lifecycle: unmount and remount keep data, a second jetfs is refused, -o ro refuses writes with EROFS, SIGTERM ends cleanly'
. "${top_srcdir:-$(dirname "$0")/../..}/tests/sh/lib.sh"

make_rows 2000 >data.csv
printf "k,v\n1,one\n2,two\n" >small.csv

test_expect_success 'setup: two tables, one typed' '
	mount_db -o create &&
	cp data.csv "$MNT/t.csv" &&
	make_table s k:Long:key:notnull v:LongText:cp=65001 &&
	cp small.csv "$MNT/s.csv" &&
	cp "$MNT/.schema/s" schema.s &&
	stat -c "%s %Y" "$MNT/t.csv" "$MNT/s.csv" >stat.before
'

test_expect_success 'the database and its log directory are there' '
	test -f "$DB" &&
	test -d "$DB.jetlog"
'

test_expect_success 'a second jetfs on the same database is refused with a message' '
	mkdir mnt2 &&
	timeout 20 "$JETFS" -f "$DB" "$TRASH/mnt2" >second.out 2>&1 </dev/null;
	rc=$? &&
	cat second.out &&
	test $rc != 0 && test $rc != 124 &&
	! _is_mounted "$TRASH/mnt2" &&
	test -s second.out &&
	cat "$MNT/s.csv" >actual &&
	test_cmp small.csv actual
'

test_expect_success 'a second jetfs with -o create is refused too, data kept' '
	timeout 20 "$JETFS" -f -o create "$DB" "$TRASH/mnt2" >second.out 2>&1 </dev/null;
	rc=$? &&
	cat second.out &&
	test $rc != 0 && test $rc != 124 &&
	! _is_mounted "$TRASH/mnt2" &&
	cat "$MNT/t.csv" >actual &&
	test_cmp data.csv actual
'

test_expect_success 'unmount, remount: rows, schemas, sizes and times kept' '
	umount_db &&
	! _is_mounted "$MNT" &&
	mount_db &&
	cat "$MNT/t.csv" >actual &&
	test_cmp data.csv actual &&
	cat "$MNT/s.csv" >actual &&
	test_cmp small.csv actual &&
	test_cmp schema.s "$MNT/.schema/s" &&
	stat -c "%s %Y" "$MNT/t.csv" "$MNT/s.csv" >stat.after &&
	test_cmp stat.before stat.after
'

test_expect_success 'SIGTERM unmounts and exits 0' '
	test_equal 0 "$(kill_db TERM)" "exit status after SIGTERM" &&
	! _is_mounted "$MNT" &&
	mount_db &&
	cat "$MNT/s.csv" >actual &&
	test_cmp small.csv actual
'

test_expect_success 'SIGINT unmounts and exits 0' '
	test_equal 0 "$(kill_db INT)" "exit status after SIGINT" &&
	! _is_mounted "$MNT"
'

test_expect_success 'mount -o ro: reads work' '
	mount_db -o ro &&
	cat "$MNT/t.csv" >actual &&
	test_cmp data.csv actual &&
	ls "$MNT/.schema" >/dev/null
'

test_expect_success '-o ro: every write is EROFS, nothing changes' '
	sha=$(test_file_sha "$MNT/t.csv") &&
	test_equal "open EROFS" "$(jw "$MNT/t.csv" <small.csv)" "write t.csv" &&
	test_equal "open EROFS" "$(jw -a "$MNT/t.csv" <small.csv)" "append to t.csv" &&
	test_equal "open EROFS" "$(jw "$MNT/new.csv" <small.csv)" "create new.csv" &&
	test_equal "open EROFS" "$(jw "$MNT/.schema/s" <schema.s)" "write .schema/s" &&
	test_equal EROFS "$(jop truncate "$MNT/t.csv" 0)" "truncate" &&
	test_equal EROFS "$(jop unlink "$MNT/t.csv")" "unlink" &&
	test_equal EROFS "$(jop rename "$MNT/t.csv" "$MNT/u.csv")" "rename" &&
	test_equal EROFS "$(jop utime "$MNT/t.csv")" "utime" &&
	r=$(jop mkdir "$MNT/.sessions/x") &&
	test_one_of "ok|EROFS" "$r" "mkdir a session (a read-only session is fine)" &&
	if test "$r" = ok; then
		test_equal "open EROFS" "$(jw "$MNT/.sessions/x/t.csv" <small.csv)" "write in a session" &&
		rmdir "$MNT/.sessions/x"
	fi &&
	test_must_fail cp small.csv "$MNT/t.csv" &&
	test_must_fail sed -i s/x/y/ "$MNT/s.csv" &&
	test_unchanged "$MNT/t.csv" "$sha" &&
	ls "$MNT" >ls.out &&
	! grep -q "new.csv" ls.out
'

test_expect_success 'remount read-write: writes work again' '
	umount_db &&
	mount_db &&
	printf "3,three\n" >>"$MNT/s.csv" &&
	printf "k,v\n1,one\n2,two\n3,three\n" >expect &&
	cat "$MNT/s.csv" >actual &&
	test_cmp expect actual
'

test_expect_success 'jetfs --help and --version' '
	timeout 10 "$JETFS" --help >help.out 2>&1;
	cat help.out &&
	grep -qi "usage" help.out &&
	timeout 10 "$JETFS" --version >version.out 2>&1 &&
	test -s version.out
'

test_expect_success 'a missing database without -o create: refused, nothing created' '
	timeout 20 "$JETFS" -f "$TRASH/missing.jdb" "$TRASH/mnt2" >missing.out 2>&1 </dev/null;
	rc=$? &&
	cat missing.out &&
	test $rc != 0 && test $rc != 124 &&
	! test -e "$TRASH/missing.jdb" &&
	! _is_mounted "$TRASH/mnt2"
'

test_expect_success 'unmount' '
	umount_db
'

test_done
