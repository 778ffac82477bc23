#!/bin/sh
# shellcheck disable=SC1091,SC2016,SC2034 # bodies are single-quoted for eval; lib.sh is sourced at run time
test_description='rsync --delete into the mount removes tables and their schema files (no stale .schema entry)'
. "${top_srcdir:-$(dirname "$0")/../..}/tests/sh/lib.sh"

test_have_prereq RSYNC || skip_all "rsync is not installed"

test_expect_success 'setup: a mount and a copy of it' '
	mount_db -o create &&
	printf "x\n1\n" >"$MNT/empty.csv" &&
	printf "k,v\n1,2\n" >"$MNT/t.csv" &&
	rsync -a "$MNT/" copy/ &&
	test -f "$MNT/.schema/empty"
'

test_expect_success 'rm of a table: its schema file is gone at once' '
	printf "x\n1\n" >"$MNT/gone.csv" &&
	stat "$MNT/.schema/gone" >/dev/null &&
	rm "$MNT/gone.csv" &&
	{ ! test -e "$MNT/.schema/gone" || { echo ".schema/gone is still there"; false; }; }
'

test_expect_success 'rsync --delete removes a table (its file and its schema gone from the source)' '
	rm copy/empty.csv copy/.schema/empty &&
	rsync -a --delete copy/ "$MNT/" &&
	ls -A "$MNT" "$MNT/.schema" &&
	{ ! test -e "$MNT/empty.csv" || { echo "empty.csv is still there"; false; }; } &&
	{ ! test -e "$MNT/.schema/empty" || { echo ".schema/empty is still there"; false; }; }
'

test_expect_success 'unmount' '
	umount_db
'

test_done
