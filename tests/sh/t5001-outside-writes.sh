#!/bin/sh
# shellcheck disable=SC1091,SC2016,SC2034 # bodies are single-quoted for eval; lib.sh is sourced at run time
test_description='a table changed by another program (the JET API, not jetfs): jetfs recounts its size once at mount, then st_size is exact without rendering'
. "${top_srcdir:-$(dirname "$0")/../..}/tests/sh/lib.sh"

WRITER=$top_builddir/tests/sh/jetutil_writer
test -x "$WRITER" || skip_all "tests/sh/jetutil_writer is not built"

test_expect_success 'setup: a database, then rows written through the JET API' '
	mount_db -o create &&
	cp /dev/null "$MNT/empty.csv" &&
	umount_db &&
	"$WRITER" fill "$DB" ext 700 &&
	"$WRITER" fill "$DB" ext2 30
'

test_expect_success 'the mount recounts both tables; their sizes are exact' '
	mount_db &&
	grep "recounted the sizes of 2 tables changed outside jetfs" jetfs.log &&
	test_stat_size "$MNT/ext.csv" &&
	test_stat_size "$MNT/ext2.csv" &&
	test_equal 701 "$(wc -l <"$MNT/ext.csv")" "lines of ext.csv"
'

test_expect_success 'jetfs writes keep the recounted sizes exact; the next mount recounts nothing' '
	printf "%s\n" "$(sed -n 2p "$MNT/ext2.csv")" >row &&
	sed -n 1p "$MNT/ext2.csv" >ext2.new &&
	sed -n 2,10p "$MNT/ext2.csv" >>ext2.new &&
	cp ext2.new "$MNT/ext2.csv" &&
	test_stat_size "$MNT/ext2.csv" &&
	umount_db &&
	mount_db &&
	test_equal 1 "$(grep -c "recounted the sizes" jetfs.log)" "mounts that recounted" &&
	test_stat_size "$MNT/ext2.csv" &&
	test_cmp ext2.new "$MNT/ext2.csv"
'

test_expect_success 'a read-only mount recounts nothing' '
	umount_db &&
	"$WRITER" delete "$DB" ext 2 &&
	mount_db -o ro &&
	test_equal 1 "$(grep -c "recounted the sizes" jetfs.log)" "mounts that recounted" &&
	test_stat_size "$MNT/ext.csv"
'

test_expect_success 'unmount' '
	umount_db
'

test_done
