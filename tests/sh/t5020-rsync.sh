#!/bin/sh
# shellcheck disable=SC1091,SC2016,SC2034 # bodies are single-quoted for eval; lib.sh is sourced at run time
test_description='rsync -a from the mount into a directory and back into an empty database: identical tables and schemas'
. "${top_srcdir:-$(dirname "$0")/../..}/tests/sh/lib.sh"

test_have_prereq RSYNC || skip_all "rsync is not installed"

MNT2=$TRASH/mnt2
DB2=$TRASH/copy.jdb

make_rows 5000 >plain.csv
cat >typed.csv <<\EOF
id,price,when,note,blob
1,0.5000,2023-07-16T12:30:00,"Smith, John",\x00ff
2,-12.3400,1900-01-01T00:00:00.1,"",
3,0.0000,,"two
lines",""
EOF
printf "k,v\n1,slash\n" >slash.csv

test_expect_success 'setup: plain, typed and escaped-name tables' '
	mount_db -o create &&
	cp plain.csv "$MNT/plain.csv" &&
	make_table typed id:Long:key:notnull price:Currency when:DateTime note:LongText:cp=65001 blob:LongBinary &&
	cp typed.csv "$MNT/typed.csv" &&
	cp slash.csv "$MNT/a%2Fb.csv" &&
	printf "x\n" >"$MNT/empty.csv"
'

test_expect_success 'rsync -a from the mount' '
	rsync -a "$MNT/" copy/ &&
	printf "%s\n" .schema a%2Fb.csv empty.csv plain.csv typed.csv >expect &&
	ls -A copy | sort >actual &&
	test_cmp expect actual &&
	test_cmp plain.csv copy/plain.csv &&
	test_cmp typed.csv copy/typed.csv &&
	test_cmp slash.csv "copy/a%2Fb.csv"
'

test_expect_success 'a second rsync of the unchanged mount transfers nothing' '
	rsync -a --itemize-changes "$MNT/" copy/ >changes &&
	cat changes &&
	! test -s changes
'

test_expect_success 'rsync -a back into an empty database' '
	mount_at "$DB2" "$MNT2" -o create &&
	rsync -a copy/ "$MNT2/" &&
	ls -A "$MNT2" | sort >actual &&
	test_cmp expect actual
'

test_expect_success 'the tables are identical, byte for byte' '
	for f in plain.csv typed.csv a%2Fb.csv empty.csv; do
		cat "$MNT/$f" >a1 && cat "$MNT2/$f" >a2 &&
		test_cmp a1 a2 || exit 1
	done
'

test_expect_success 'the schemas are identical (types, keys, not the text-only default)' '
	for f in plain typed a%2Fb empty; do
		test_cmp "$MNT/.schema/$f" "$MNT2/.schema/$f" || exit 1
	done
'

test_expect_success 'rsync of a changed file replaces the table through its temp file' '
	sed "s/^2,-12.3400/2,-99.0000/" typed.csv >copy/typed.csv &&
	touch -d "2030-01-01 00:00:00 UTC" copy/typed.csv &&
	rsync -a copy/ "$MNT2/" &&
	cat "$MNT2/typed.csv" >actual &&
	test_cmp copy/typed.csv actual &&
	test_cmp "$MNT/.schema/typed" "$MNT2/.schema/typed" &&
	! ls -A "$MNT2" | grep "^\.typed"
'

test_expect_success 'unmount both' '
	umount_at "$MNT2" &&
	umount_db
'

test_done
