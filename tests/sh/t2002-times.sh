#!/bin/sh
# shellcheck disable=SC1091,SC2016,SC2034 # bodies are single-quoted for eval; lib.sh is sourced at run time
test_description='times: cp -p and rsync -a into the mount keep the mtime they set (utimes on an open or scratch file), so a second rsync transfers nothing'
. "${top_srcdir:-$(dirname "$0")/../..}/tests/sh/lib.sh"

make_rows 500 >data.csv

test_expect_success 'setup' '
	mount_db -o create
'

test_expect_success 'cp -p keeps the mtime (utimes), so rsync sees the file unchanged' '
	touch -d "2020-01-01 00:00:00 UTC" data.csv &&
	cp -p data.csv "$MNT/w.csv" &&
	test_equal "$(stat -c %Y data.csv)" "$(stat -c %Y "$MNT/w.csv")" "mtime after cp -p"
'

test_expect_success RSYNC 'rsync -a into the mount keeps mtimes; a second rsync transfers nothing' '
	mkdir src &&
	cp data.csv src/r.csv &&
	printf "x\n1\n" >src/s.csv &&
	touch -d "2020-01-01 00:00:00 UTC" src/r.csv src/s.csv &&
	rsync -a src/ "$MNT/" &&
	(cd src && stat -c "%n %s %Y" r.csv s.csv) >s1 &&
	(cd "$MNT" && stat -c "%n %s %Y" r.csv s.csv) >s2 &&
	test_cmp s1 s2 &&
	rsync -a --itemize-changes src/ "$MNT/" >changes &&
	cat changes &&
	! grep "^[<>]f" changes
'

test_expect_success 'the times survive a remount' '
	umount_db &&
	mount_db &&
	test_equal "$(stat -c %Y data.csv)" "$(stat -c %Y "$MNT/w.csv")" "mtime after a remount"
'

test_expect_success 'touch of a table sets its mtime; its size stays exact' '
	touch -d "2021-06-01 12:00:00 UTC" "$MNT/w.csv" &&
	test_equal "$(date -d "2021-06-01 12:00:00 UTC" +%s)" "$(stat -c %Y "$MNT/w.csv")" "mtime after touch" &&
	test_equal "$(stat -c %s data.csv)" "$(stat -c %s "$MNT/w.csv")" "size after touch"
'

test_expect_success 'unmount' '
	umount_db
'

test_done
