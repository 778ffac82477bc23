#!/bin/sh
# shellcheck disable=SC1091,SC2016,SC2034 # bodies are single-quoted for eval; lib.sh is sourced at run time
test_description='jetfs -o ro on databases written by Microsoft ESE (../shared/data/ese-samples): every user table as CSV, the same bytes as jetutil export, writes refused, a damaged page is EIO'
. "${top_srcdir:-$(dirname "$0")/../..}/tests/sh/lib.sh"

S=${JET_ESE_SAMPLES:-$top_srcdir/../shared/data/ese-samples}
test -f "$S/SRUDB.dat" || skip_all "no ESE samples at $S"
JETUTIL=${JETUTIL:-$top_builddir/tools/jetutil}

cp "$S/SRUDB.dat" srudb.dat && chmod u+w srudb.dat

test_expect_success 'mount SRUDB.dat read-only' '
	mount_at srudb.dat "$MNT" -o ro
'

test_expect_success 'ls: the ten user tables, as .csv files' '
	ls "$MNT" >ls.out &&
	cat ls.out &&
	test_equal 10 "$(grep -c "\.csv$" ls.out)" "table files" &&
	grep -qx "SruDbIdMapTable.csv" ls.out &&
	grep -qx "{5C8CF1C7-7257-4F13-B223-970EF5939312}.csv" ls.out &&
	! grep -q MSysObjects ls.out
'

test_expect_success 'every table reads as jetutil export writes it' '
	"$JETUTIL" export srudb.dat exp 2>/dev/null &&
	for f in "$MNT"/*.csv; do
		cmp "$f" "exp/${f##*/}" || return 1
	done
'

test_expect_success 'row counts and an OLE date' '
	test_equal 1142 "$(wc -l <"$MNT/SruDbIdMapTable.csv")" "lines" &&
	test_equal 4039 "$(wc -l <"$MNT/{5C8CF1C7-7257-4F13-B223-970EF5939312}.csv")" "lines" &&
	grep -qx "1,2021-10-07T08:26:00,189,155,1,1124,0" "$MNT/{D10CA2FE-6FCF-4F6D-848E-B2E99266FA86}.csv"
'

test_expect_success 'st_size is what cat gives' '
	test_equal "$(cat "$MNT/SruDbIdMapTable.csv" | wc -c)" "$(stat -c %s "$MNT/SruDbIdMapTable.csv")" "size"
'

test_expect_success 'writes are refused' '
	! sh -c "echo 1,2, >>\"$MNT/SruDbIdMapTable.csv\"" 2>/dev/null &&
	! touch "$MNT/new.csv" 2>/dev/null &&
	cmp srudb.dat "$S/SRUDB.dat"
'

test_expect_success 'unmount' '
	umount_at "$MNT"
'

# A flipped byte in a leaf of {5C8CF1C7-...} (page 50, 4 KiB pages).
cp "$S/SRUDB.dat" bad.dat && chmod u+w bad.dat
printf '\377' | dd of=bad.dat bs=1 seek=$((51 * 4096 + 1000)) conv=notrunc 2>/dev/null

test_expect_success 'a damaged copy mounts; the damaged table is EIO, the others read' '
	mount_at bad.dat "$MNT" -o ro &&
	! cat "$MNT/{5C8CF1C7-7257-4F13-B223-970EF5939312}.csv" >/dev/null 2>err &&
	cat err &&
	grep -qi "input/output error" err &&
	test_equal 1142 "$(wc -l <"$MNT/SruDbIdMapTable.csv")" "lines" &&
	umount_at "$MNT"
'

cp "$S/qmgr.db" qmgr.db && chmod u+w qmgr.db
test_expect_success 'the dirty qmgr.db (16 KiB pages) mounts as it is on disk' '
	mount_at qmgr.db "$MNT" -o ro &&
	ls -la "$MNT" &&
	umount_at "$MNT"
'

test_done
