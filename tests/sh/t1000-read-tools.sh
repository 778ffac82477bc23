#!/bin/sh
# shellcheck disable=SC1091,SC2016,SC2034 # bodies are single-quoted for eval; lib.sh is sourced at run time
test_description='reading a table file with the usual tools: ls, stat, cat, head, tail, wc, grep, sort, sha256sum, tar, diff, dd'
. "${top_srcdir:-$(dirname "$0")/../..}/tests/sh/lib.sh"

# A table with a hidden sequential key renders its rows in the order they
# were written, so the file reads back exactly as data.csv (~260 KB: many
# FUSE reads, a tail far from the start).
make_rows 12000 >data.csv

test_expect_success 'setup: mount a new database, create t from a CSV' '
	mount_db -o create &&
	cp data.csv "$MNT/t.csv"
'

test_expect_success 'cat gives back the bytes written' '
	cat "$MNT/t.csv" >actual &&
	test_cmp data.csv actual
'

test_expect_success 'diff against the expected file finds nothing' '
	diff data.csv "$MNT/t.csv"
'

test_expect_success 'ls -l shows a regular file with the exact size' '
	ls -l "$MNT" >ls.out &&
	cat ls.out &&
	grep -q "^-.* t\.csv$" ls.out &&
	size=$(awk "\$NF == \"t.csv\" { print \$5 }" ls.out) &&
	test_equal "$(wc -c <data.csv)" "$size" "size in ls -l"
'

test_expect_success 'stat: st_size is what cat gives, st_blocks covers it' '
	test_stat_size "$MNT/t.csv" &&
	test_equal "$(wc -c <data.csv)" "$(stat -c %s "$MNT/t.csv")" "st_size" &&
	size=$(stat -c %s "$MNT/t.csv") &&
	blocks=$(stat -c %b "$MNT/t.csv") &&
	bsize=$(stat -c %B "$MNT/t.csv") &&
	{ test $((blocks * bsize)) -ge "$size" ||
	{ echo "st_blocks $blocks x $bsize < st_size $size: cp would take the file for sparse"; false; }; }
'

test_expect_success 'stat: stable inode, mtime and size across calls' '
	stat -c "%i %s %Y" "$MNT/t.csv" >s1 &&
	cat "$MNT/t.csv" >/dev/null &&
	stat -c "%i %s %Y" "$MNT/t.csv" >s2 &&
	test_cmp s1 s2
'

test_expect_success 'head -n, head -c' '
	head -n 5 data.csv >expect &&
	head -n 5 "$MNT/t.csv" >actual &&
	test_cmp expect actual &&
	head -c 1000 data.csv >expect &&
	head -c 1000 "$MNT/t.csv" >actual &&
	test_cmp expect actual
'

test_expect_success 'tail -n and tail -c (reads at the end)' '
	tail -n 3 data.csv >expect &&
	tail -n 3 "$MNT/t.csv" >actual &&
	test_cmp expect actual &&
	tail -n 1 data.csv >expect &&
	tail -n 1 "$MNT/t.csv" >actual &&
	test_cmp expect actual &&
	tail -c 4097 data.csv >expect &&
	tail -c 4097 "$MNT/t.csv" >actual &&
	test_cmp expect actual
'

test_expect_success 'reads at offsets (dd skip), forward and backward' '
	for skip in 150 3 77 0 200 259; do
		dd if=data.csv bs=1000 skip=$skip count=2 2>/dev/null >expect &&
		dd if="$MNT/t.csv" bs=1000 skip=$skip count=2 2>/dev/null >actual &&
		test_cmp expect actual || exit 1
	done
'

test_expect_success 'wc -l and wc -c' '
	test_equal "12001" "$(wc -l <"$MNT/t.csv")" "wc -l" &&
	test_equal "$(wc -c <data.csv)" "$(wc -c <"$MNT/t.csv")" "wc -c"
'

test_expect_success 'grep' '
	test_equal "5678,name 5678,$((5678 * 7919 % 1000))" "$(grep "^5678," "$MNT/t.csv")" "grep ^5678," &&
	test_equal 1 "$(grep -c "^id,name,qty$" "$MNT/t.csv")" "header count"
'

test_expect_success 'sort' '
	sort -t, -k3,3n -k1,1n data.csv >expect &&
	sort -t, -k3,3n -k1,1n "$MNT/t.csv" >actual &&
	test_cmp expect actual
'

test_expect_success 'sha256sum is the same on every read' '
	want=$(test_file_sha data.csv) &&
	for i in 1 2 3; do
		test_unchanged "$MNT/t.csv" "$want" || exit 1
	done &&
	(cd "$MNT" && sha256sum t.csv) >sum1 &&
	(cd "$MNT" && sha256sum t.csv) >sum2 &&
	test_cmp sum1 sum2
'

test_expect_success 'tar -c reads the table without "file changed as we read it"' '
	tar -C "$MNT" -cf t.tar t.csv 2>tar.err &&
	cat tar.err &&
	! grep -i "changed" tar.err &&
	tar -xOf t.tar t.csv >actual &&
	test_cmp data.csv actual
'

test_expect_success 'tar of the whole mount: tables and schemas, no sessions, no warnings' '
	tar -C "$MNT" -cf all.tar . 2>tar.err &&
	cat tar.err &&
	! test -s tar.err &&
	tar -tf all.tar | sort >list &&
	cat list &&
	grep -q "^\./t\.csv$" list &&
	grep -q "^\./\.schema/t$" list &&
	! grep -q "\.sessions\|\.backup" list
'

test_expect_success 'an empty table is its header row' '
	printf "a,b\n" >empty.csv &&
	cp empty.csv "$MNT/e.csv" &&
	cat "$MNT/e.csv" >actual &&
	test_cmp empty.csv actual &&
	test_stat_size "$MNT/e.csv"
'

test_expect_success 'two readers at once each read the whole table' '
	cat "$MNT/t.csv" >r1 &
	p=$!
	cat "$MNT/t.csv" >r2 &&
	wait $p &&
	test_cmp data.csv r1 &&
	test_cmp data.csv r2
'

test_expect_success 'cp out' '
	cp "$MNT/t.csv" out.csv &&
	test_cmp data.csv out.csv
'

test_expect_success 'unmount: jetfs exits 0' '
	umount_db
'

test_done
