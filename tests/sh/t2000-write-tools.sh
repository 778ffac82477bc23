#!/bin/sh
# shellcheck disable=SC1091,SC2016,SC2034 # bodies are single-quoted for eval; lib.sh is sourced at run time
test_description='writing table files with the usual tools: cp, cat >, >>, truncate, rm (mv: t2001)'
. "${top_srcdir:-$(dirname "$0")/../..}/tests/sh/lib.sh"

make_rows 500 >data.csv
make_rows 300 1000 >other.csv

test_expect_success 'setup' '
	mount_db -o create
'

test_expect_success 'cp in creates a table; cp out gives it back' '
	cp data.csv "$MNT/t.csv" &&
	cp "$MNT/t.csv" out.csv &&
	test_cmp data.csv out.csv &&
	test_stat_size "$MNT/t.csv"
'

test_expect_success 'cp in over an existing table replaces its rows' '
	cp other.csv "$MNT/t.csv" &&
	cat "$MNT/t.csv" >actual &&
	test_cmp other.csv actual &&
	test_stat_size "$MNT/t.csv"
'

test_expect_success 'cat > replaces the rows' '
	cat data.csv >"$MNT/t.csv" &&
	cat "$MNT/t.csv" >actual &&
	test_cmp data.csv actual
'

test_expect_success 'a write changing a few rows: only those change' '
	sed -e "s/^17,name 17,/17,seventeen,/" -e "/^300,/d" data.csv >expect &&
	cat expect >"$MNT/t.csv" &&
	cat "$MNT/t.csv" >actual &&
	test_cmp expect actual &&
	test_stat_size "$MNT/t.csv" &&
	cat data.csv >"$MNT/t.csv"
'

test_expect_success 'write(2) in small pieces (a quoted field split across writes)' '
	printf "a,b\n1,\"x,\ny\"\"z\"\n2,plain\n" >pieces.csv &&
	test_equal ok "$(jw "$MNT/p.csv" 3 <pieces.csv)" "jw in 3-byte writes" &&
	cat "$MNT/p.csv" >actual &&
	test_cmp pieces.csv actual
'

test_expect_success '>> appends rows' '
	cp data.csv expect &&
	printf "501,name 501,5\n502,\"a, b\",6\n" >more.csv &&
	cat more.csv >>expect &&
	cat more.csv >>"$MNT/t.csv" &&
	cat "$MNT/t.csv" >actual &&
	test_cmp expect actual &&
	test_stat_size "$MNT/t.csv"
'

test_expect_success '>> of a file with the header row appends its rows only' '
	printf "id,name,qty\n503,x,1\n" >hdr.csv &&
	cat "$MNT/t.csv" >expect &&
	printf "503,x,1\n" >>expect &&
	cat hdr.csv >>"$MNT/t.csv" &&
	cat "$MNT/t.csv" >actual &&
	test_cmp expect actual
'

test_expect_success 'echo >> appends one row' '
	cat "$MNT/t.csv" >expect &&
	echo "504,echoed,0" >>expect &&
	echo "504,echoed,0" >>"$MNT/t.csv" &&
	cat "$MNT/t.csv" >actual &&
	test_cmp expect actual
'

test_expect_success 'truncate -s 0 empties the table, which keeps its columns' '
	schema=$(cat "$MNT/.schema/t") &&
	truncate -s 0 "$MNT/t.csv" &&
	head -n 1 data.csv >expect &&
	cat "$MNT/t.csv" >actual &&
	test_cmp expect actual &&
	test_stat_size "$MNT/t.csv" &&
	test_equal "$schema" "$(cat "$MNT/.schema/t")" "schema after truncate"
'

test_expect_success 'rm deletes the table and its schema' '
	cp data.csv "$MNT/v.csv" &&
	rm "$MNT/v.csv" &&
	! test -e "$MNT/v.csv" &&
	! test -e "$MNT/.schema/v" &&
	! ls "$MNT" | grep -q "^v\.csv$" &&
	test_equal ENOENT "$(jop unlink "$MNT/v.csv")" "second unlink"
'

test_expect_success 'a deleted name can be created again' '
	cp other.csv "$MNT/v.csv" &&
	cat "$MNT/v.csv" >actual &&
	test_cmp other.csv actual
'

test_expect_success 'CRLF input is accepted and rendered with LF' '
	printf "a,b\r\n1,x\r\n2,\"p\r\nq\"\r\n" >crlf.csv &&
	printf "a,b\n1,x\n2,\"p\r\nq\"\n" >expect &&
	cp crlf.csv "$MNT/c.csv" &&
	cat "$MNT/c.csv" >actual &&
	test_cmp expect actual
'

test_expect_success 'a large write (spills to disk) reads back' '
	make_rows 100000 >big.csv &&
	cp big.csv "$MNT/big.csv" &&
	test_stat_size "$MNT/big.csv" &&
	test_equal "$(test_file_sha big.csv)" "$(test_file_sha "$MNT/big.csv")" "sha256 of big.csv"
'

test_expect_success 'unmount' '
	umount_db
'

test_done
