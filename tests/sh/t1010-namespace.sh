#!/bin/sh
# shellcheck disable=SC1091,SC2016,SC2034 # bodies are single-quoted for eval; lib.sh is sourced at run time
test_description='the root: what ls -a shows and hides, escaped names, lookups, inodes, times, df'
. "${top_srcdir:-$(dirname "$0")/../..}/tests/sh/lib.sh"

printf "k,v\n1,one\n" >a.csv

test_expect_success 'setup' '
	mount_db -o create &&
	cp a.csv "$MNT/t.csv" &&
	cp a.csv "$MNT/u.csv"
'

test_expect_success 'ls -a of the root: tables and .schema; not .sessions or .backup' '
	printf "%s\n" . .. .schema t.csv u.csv >expect &&
	ls -a "$MNT" | sort >actual &&
	test_cmp expect actual
'

# .backup/ (the physical backup) is its own issue: here only that it is
# not listed; reachable once it exists.
test_expect_success '.sessions is reachable by name' '
	test -d "$MNT/.sessions" &&
	ls -a "$MNT/.sessions" >/dev/null
'

test_expect_success '.schema lists one file per table' '
	printf "%s\n" t u >expect &&
	ls "$MNT/.schema" >actual &&
	test_cmp expect actual &&
	test -s "$MNT/.schema/t" &&
	test_stat_size "$MNT/.schema/t"
'

test_expect_success 'a name that needs escaping: a/b is a%2Fb.csv' '
	cp a.csv "$MNT/a%2Fb.csv" &&
	ls "$MNT" >actual &&
	grep -qx "a%2Fb.csv" actual &&
	ls "$MNT/.schema" >actual &&
	grep -qx "a%2Fb" actual &&
	cat "$MNT/a%2Fb.csv" >actual &&
	test_cmp a.csv actual
'

test_expect_success 'UTF-8 in a name is kept as it is' '
	cp a.csv "$MNT/café menu.csv" &&
	ls "$MNT" >actual &&
	grep -qx "café menu.csv" actual &&
	cat "$MNT/café menu.csv" >actual &&
	test_cmp a.csv actual
'

test_expect_success 'lookup ignores case, the listing keeps the name as created' '
	cat "$MNT/T.csv" >actual &&
	test_cmp a.csv actual &&
	! ls "$MNT" | grep -qx T.csv
'

test_expect_success 'missing and invalid names' '
	test_equal ENOENT "$(jop read "$MNT/nosuch.csv")" "read nosuch.csv" &&
	test_equal ENOENT "$(jop read "$MNT/.schema/nosuch")" "read .schema/nosuch" &&
	test_one_of "EINVAL|ENOENT" "$(jop read "$MNT/%2f.csv")" "read a non-canonical escape" &&
	test_equal ENAMETOOLONG "$(jop read "$MNT/$(printf "%0300d" 0).csv")" "read a 300-byte name"
'

test_expect_success 'inode numbers are stable and distinct' '
	i1=$(stat -c %i "$MNT/t.csv") &&
	i2=$(stat -c %i "$MNT/u.csv") &&
	test "$i1" != "$i2" &&
	printf "k,v\n2,two\n" | jw "$MNT/t.csv" &&
	test_equal "$i1" "$(stat -c %i "$MNT/t.csv")" "inode after a write"
'

test_expect_success 'st_mtime moves with a commit that changes the table, not with a read' '
	m1=$(stat -c %Y "$MNT/u.csv") &&
	sleep 1.1 &&
	cat "$MNT/u.csv" >/dev/null &&
	test_equal "$m1" "$(stat -c %Y "$MNT/u.csv")" "mtime after a read" &&
	printf "k,v\n1,uno\n" >b.csv &&
	cp b.csv "$MNT/u.csv" &&
	m2=$(stat -c %Y "$MNT/u.csv") &&
	{ test "$m2" -gt "$m1" ||
	{ echo "mtime did not move: $m1 then $m2"; false; }; }
'

test_expect_success 'touch -d sets st_mtime (utimes)' '
	touch -d "2001-02-03 04:05:06 UTC" "$MNT/u.csv" &&
	test_equal 981173106 "$(stat -c %Y "$MNT/u.csv")" "mtime after touch -d"
'

test_expect_success 'file types; reading a directory is EISDIR' '
	test -f "$MNT/t.csv" &&
	test -d "$MNT/.schema" &&
	test -f "$MNT/.schema/t" &&
	test -r "$MNT/t.csv" && test -w "$MNT/t.csv" &&
	test_equal EISDIR "$(jop read "$MNT/.schema")" "read of a directory"
'

test_expect_success 'df reports the file system' '
	df "$MNT" >df.out &&
	cat df.out &&
	test "$(wc -l <df.out)" -ge 2
'

test_expect_success 'unmount' '
	umount_db
'

test_done
