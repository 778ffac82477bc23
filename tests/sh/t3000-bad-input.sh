#!/bin/sh
# shellcheck disable=SC1091,SC2016,SC2034 # bodies are single-quoted for eval; lib.sh is sourced at run time
test_description='bad input fails the writing command with a fitting errno, is logged with table and line, and leaves the table byte-identical'
. "${top_srcdir:-$(dirname "$0")/../..}/tests/sh/lib.sh"

S=$MNT/.sessions
cat >good.csv <<\EOF
id,qty,name
1,10,apple
2,20,pear
3,30,fig
EOF
good_sha=$(test_file_sha good.csv)

# table_sha: the sha256 of t.csv as a new session sees it. (A fresh view:
# right after a failed O_TRUNC open the root's t.csv may read short from
# the kernel's cache, a bug of its own, tested by t2003.)
table_sha() {
	v=$S/v$$.$(date +%s%N)
	mkdir "$v" || return 1
	test_file_sha "$v/t.csv"
	rmdir "$v"
}

# bad NAME WANT: writes $NAME (a file in $TRASH) to t.csv with jw and checks
# the call and errno (WANT: alternatives "write EINVAL|close EINVAL"), that
# cp of the same file fails, that the table is byte-identical and its
# schema unchanged, and that jetfs logged the table's name.
bad() {
	sha=$(table_sha)
	test_equal "$good_sha" "$sha" "sha256 of t.csv before" || return 1
	before=$(wc -l <"$TRASH/jetfs.log")
	res=$(jw "$MNT/t.csv" <"$1")
	test_one_of "$2" "$res" "jw t.csv <$1" || return 1
	test_equal "$sha" "$(table_sha)" "sha256 of t.csv after jw" || return 1
	test_must_fail cp "$1" "$MNT/t.csv" || return 1
	test_equal "$sha" "$(table_sha)" "sha256 of t.csv after cp" || return 1
	test_cmp schema.orig "$MNT/.schema/t" || return 1
	tail -n +$((before + 1)) "$TRASH/jetfs.log" >log.new
	cat log.new
	grep -q "jetfs: t: line [0-9]*: ." log.new ||
		{ echo "no log line \"jetfs: t: line N: REASON\""; return 1; }
}

test_expect_success 'setup: t has a primary key, a not-null column and a Long' '
	mount_db -o create &&
	make_table t id:Long:key:notnull qty:Long name:Text:notnull &&
	cp good.csv "$MNT/t.csv" &&
	cat "$MNT/t.csv" >actual &&
	test_cmp good.csv actual &&
	cp "$MNT/.schema/t" schema.orig
'

test_expect_success 'malformed CSV: a quote inside an unquoted field (write fails)' '
	printf "id,qty,name\n1,10,ap\"ple\n" >bad1.csv &&
	bad bad1.csv "write EINVAL" &&
	grep -q "line 2" log.new
'

test_expect_success 'malformed CSV: a character after a closing quote' '
	printf "id,qty,name\n1,10,\"apple\"x\n" >bad2.csv &&
	bad bad2.csv "write EINVAL" &&
	grep -q "line 2" log.new
'

test_expect_success 'malformed CSV: an unbalanced quote at the end (close fails)' '
	printf "id,qty,name\n1,10,apple\n2,20,\"pear\n" >bad3.csv &&
	bad bad3.csv "write EINVAL|close EINVAL" &&
	grep -q "line 3" log.new
'

test_expect_success 'a row with the wrong number of fields' '
	printf "id,qty,name\n1,10,apple\n2,20\n" >bad4.csv &&
	bad bad4.csv "write EINVAL|close EINVAL"
'

test_expect_success 'a wrong type: text in a Long column (write fails)' '
	printf "id,qty,name\n1,ten,apple\n" >bad5.csv &&
	bad bad5.csv "write EINVAL" &&
	grep -q "line 2" log.new
'

test_expect_success 'a wrong type: out of range, "" for a number' '
	printf "id,qty,name\n1,4294967296,apple\n" >bad6.csv &&
	bad bad6.csv "write EINVAL" &&
	printf "id,qty,name\n1,\"\",apple\n" >bad7.csv &&
	bad bad7.csv "write EINVAL"
'

test_expect_success 'a duplicate key (close fails with EEXIST)' '
	printf "id,qty,name\n1,10,apple\n2,20,pear\n1,11,again\n" >bad8.csv &&
	bad bad8.csv "close EEXIST|write EEXIST" &&
	grep -q "line 4" log.new
'

test_expect_success 'a duplicate key appended with >> (close fails with EEXIST)' '
	test_equal "close EEXIST" "$(printf "4,40,kiwi\n2,21,pear\n" | jw -a "$MNT/t.csv")" "append of a duplicate" &&
	test_equal "$good_sha" "$(table_sha)" "sha256 of t.csv"
'

test_expect_success 'NULL in a not-null column' '
	printf "id,qty,name\n1,10,\n" >bad9.csv &&
	bad bad9.csv "write EINVAL|close EINVAL" &&
	grep -q "line 2" log.new
'

test_expect_success 'NULL key' '
	printf "id,qty,name\n,10,x\n" >bad10.csv &&
	bad bad10.csv "write EINVAL|close EINVAL"
'

test_expect_success 'an unknown column in the header (write fails)' '
	printf "id,qty,colour\n1,10,red\n" >bad11.csv &&
	bad bad11.csv "write EINVAL|write ENOENT" &&
	grep -q "line 1" log.new
'

test_expect_success 'a value too long for a Text column' '
	awk "BEGIN { printf \"id,qty,name\\n1,1,\"; for (i = 0; i < 300; i++) printf \"x\"; print \"\" }" >bad12.csv &&
	bad bad12.csv "write EINVAL|close EINVAL"
'

test_expect_success 'an error late in a large write leaves every row as it was' '
	{ echo "id,qty,name"; awk "BEGIN { for (i = 1; i <= 20000; i++) printf \"%d,%d,n%d\\n\", i, i, i }"; echo "20001,notanumber,x"; } >bad13.csv &&
	bad bad13.csv "write EINVAL|close EINVAL" &&
	grep -q "line 20002" log.new
'

test_expect_success 'cat > of bad input: cat itself reports the failed write' '
	test_must_fail sh -c "cat bad5.csv >\"\$MNT/t.csv\"" &&
	test_equal "$good_sha" "$(table_sha)" "sha256 of t.csv"
'

test_expect_success 'sed -i that makes a row bad fails; the table stays' '
	test_must_fail sed -i -e "s/^2,20,pear/2,twenty,pear/" "$MNT/t.csv" &&
	test_equal "$good_sha" "$(table_sha)" "sha256 of t.csv" &&
	test_cmp schema.orig "$MNT/.schema/t"
'

test_expect_success RSYNC 'rsync of a bad file fails; the table stays' '
	mkdir -p rs && cp bad8.csv rs/t.csv &&
	test_must_fail rsync -r --checksum rs/t.csv "$MNT/t.csv" &&
	test_equal "$good_sha" "$(table_sha)" "sha256 of t.csv" &&
	! ls -a "$MNT" | grep "^\.t\.csv\."
'

test_expect_success 'an over-long table name: ENAMETOOLONG' '
	n65=$(printf "%065d" 0) &&
	test_equal "open ENAMETOOLONG" "$(jw "$MNT/$n65.csv" <good.csv)" "create a 65-byte name" &&
	test_must_fail cp good.csv "$MNT/$n65.csv" &&
	n300=$(printf "%0300d" 0) &&
	test_equal "open ENAMETOOLONG" "$(jw "$MNT/$n300.csv" <good.csv)" "create a 300-byte name" &&
	test_one_of "ENAMETOOLONG" "$(jop rename "$MNT/t.csv" "$MNT/$n65.csv")" "rename to a 65-byte name" &&
	n64=$(printf "%064d" 0) &&
	test_equal ok "$(jw "$MNT/$n64.csv" <good.csv)" "create a 64-byte name" &&
	rm "$MNT/$n64.csv"
'

test_expect_success 'names a table cannot have: EINVAL' '
	test_equal "open EINVAL" "$(jw "$MNT/a!b.csv" <good.csv)" "name with !" &&
	test_equal "open EINVAL" "$(jw "$MNT/ lead.csv" <good.csv)" "name with a leading space" &&
	test_equal "open EINVAL" "$(jw "$MNT/x.csv.csv" <good.csv)" "name with a dot" &&
	test_equal "open EINVAL" "$(jw "$MNT/%41.csv" <good.csv)" "needless escape"
'

test_expect_success 'after all that, t is as it was (also in the root, after the cache timeout) and jetfs is alive' '
	sleep 2 &&
	test_stat_size "$MNT/t.csv" &&
	cat "$MNT/t.csv" >actual &&
	test_cmp good.csv actual &&
	jetfs_alive
'

test_expect_success 'unmount' '
	umount_db
'

test_done
