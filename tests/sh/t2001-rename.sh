#!/bin/sh
# shellcheck disable=SC1091,SC2016,SC2034 # bodies are single-quoted for eval; lib.sh is sourced at run time
test_description='mv of table files: rename a table (and its schema), replace one, refuse a non-table target; in a session too'
. "${top_srcdir:-$(dirname "$0")/../..}/tests/sh/lib.sh"

make_rows 500 >data.csv
make_rows 300 1000 >other.csv
S=$MNT/.sessions

test_expect_success 'setup' '
	mount_db -o create &&
	cp data.csv "$MNT/t.csv"
'

test_expect_success 'mv renames the table and its schema' '
	cp data.csv "$MNT/t.csv" &&
	mv "$MNT/t.csv" "$MNT/renamed.csv" &&
	! test -e "$MNT/t.csv" &&
	! test -e "$MNT/.schema/t" &&
	test -f "$MNT/.schema/renamed" &&
	cat "$MNT/renamed.csv" >actual &&
	test_cmp data.csv actual
'

test_expect_success 'mv onto an existing table replaces it' '
	cp other.csv "$MNT/v.csv" &&
	mv -f "$MNT/renamed.csv" "$MNT/v.csv" &&
	! test -e "$MNT/renamed.csv" &&
	cat "$MNT/v.csv" >actual &&
	test_cmp data.csv actual &&
	ls "$MNT/.schema" >actual &&
	! grep -qx renamed actual
'

test_expect_success 'mv to a name that is not a table file is refused, table kept' '
	test_one_of "EINVAL|EPERM|EACCES|EXDEV" "$(jop rename "$MNT/v.csv" "$MNT/.schema/v.csv")" \
		"rename into .schema" &&
	cat "$MNT/v.csv" >actual &&
	test_cmp data.csv actual
'

test_expect_success 'mv inside a session stays inside until commit' '
	printf "a,b\n1,2\n" >n.csv &&
	cp n.csv "$MNT/n.csv" &&
	mkdir "$S/a" &&
	mv "$S/a/n.csv" "$S/a/m.csv" &&
	test -e "$MNT/n.csv" && ! test -e "$MNT/m.csv" &&
	echo commit >"$S/a/ctl" &&
	! test -e "$MNT/n.csv" &&
	cat "$MNT/m.csv" >actual &&
	test_cmp n.csv actual &&
	rmdir "$S/a"
'

test_expect_success 'unmount' '
	umount_db
'

test_done
