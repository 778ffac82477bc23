#!/bin/sh
# shellcheck disable=SC1091,SC2016,SC2034 # bodies are single-quoted for eval; lib.sh is sourced at run time
test_description='hostile names, CSV and schema text through the mount: each refused with a clear errno, the table byte-identical afterwards, the database unchanged, jetfs alive (issue 6)'
. "${top_srcdir:-$(dirname "$0")/../..}/tests/sh/lib.sh"

S=$MNT/.sessions
cat >good.csv <<\EOF
id,qty,name,note
1,10,apple,a
2,20,pear,b
EOF

# state: what the mount holds (listing of the root and of .schema, every
# table and schema file's sha256), as a fresh session sees it.
state() {
	v=$S/v$$.$(date +%s%N)
	mkdir "$v" || return 1
	(cd "$v" && ls -a . .schema && for f in *.csv .schema/*; do
		printf "%s " "$f" && test_file_sha "$f" || return 1
	done)
	rc=$?
	rmdir "$v"
	return $rc
}

# refused WANT CMD...: CMD (jw or jop) prints one of WANT; the mount's
# state is what it was before, jetfs alive.
refused() {
	_want=$1
	shift
	state >state.before || return 1
	_res=$("$@")
	test_one_of "$_want" "$_res" "$*" || return 1
	state >state.after || return 1
	diff state.before state.after || return 1
	jetfs_alive
}

# refused_new TABLE WANT CMD...: as refused, for content written to a new
# name: the open(O_CREAT) made the file, as on any filesystem, so table
# TABLE is there and empty (no rows, no columns); once it is removed the
# mount's state is what it was before.
refused_new() {
	_t=$1
	shift
	state >state.before || return 1
	_want=$1
	shift
	_res=$("$@")
	test_one_of "$_want" "$_res" "$*" || return 1
	test_equal "" "$(cat "$MNT/$_t.csv")" "$_t.csv after the refused write" || return 1
	test_equal "" "$(grep -v "^#" "$MNT/.schema/$_t")" ".schema/$_t after the refused write" || return 1
	rm "$MNT/$_t.csv" || return 1
	state >state.after || return 1
	diff state.before state.after || return 1
	jetfs_alive
}

test_expect_success 'setup: t with a key, a Text(255) and a LongText column' '
	mount_db -o create &&
	make_table t id:Long:key:notnull qty:Long name:Text:notnull note:LongText &&
	cp good.csv "$MNT/t.csv" &&
	cat "$MNT/t.csv" >actual &&
	test_cmp good.csv actual
'

# --- names ---

test_expect_success 'escaped / and .. that would climb out: EINVAL' '
	refused "open EINVAL" jw "$MNT/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd.csv" <good.csv &&
	refused "open EINVAL" jw "$MNT/.schema/%2E%2E" <good.csv &&
	refused "open EINVAL" jw "$MNT/%2e%2e%2fx.csv" <good.csv &&
	refused "EINVAL" jop rename "$MNT/t.csv" "$MNT/%2E%2E%2Ft.csv"
'

test_expect_success ".. and . as names: no table is made of them" '
	refused "EINVAL|EEXIST|ENOTEMPTY|EBUSY" jop rename "$MNT/t.csv" "$MNT/.." &&
	refused "open EISDIR|open EINVAL|open EEXIST" jw "$MNT/.schema/.." <good.csv
'

test_expect_success 'a newline in a name, raw or escaped: EINVAL' '
	nl=$(printf "a\nb") &&
	refused "open EINVAL" jw "$MNT/$nl.csv" <good.csv &&
	refused "open EINVAL" jw "$MNT/a%0Ab.csv" <good.csv &&
	refused "open EINVAL" jw "$MNT/.schema/$nl" <good.csv &&
	refused "EINVAL" jop rename "$MNT/t.csv" "$MNT/$nl.csv"
'

test_expect_success 'an escaped NUL: EINVAL' '
	refused "open EINVAL" jw "$MNT/a%00b.csv" <good.csv
'

test_expect_success '4 KiB names: ENAMETOOLONG' '
	n4k=$(head -c 4096 /dev/zero | tr "\0" x) &&
	refused "open ENAMETOOLONG" jw "$MNT/$n4k.csv" <good.csv &&
	refused "open ENAMETOOLONG" jw "$MNT/.schema/$n4k" <good.csv &&
	refused "ENAMETOOLONG" jop rename "$MNT/t.csv" "$MNT/$n4k.csv" &&
	refused "ENAMETOOLONG" jop read "$MNT/$n4k.csv" &&
	b4k=$(head -c 4096 /dev/zero | tr "\0" "\377") &&
	refused "open ENAMETOOLONG" jw "$MNT/$b4k.csv" <good.csv
'

test_expect_success 'invalid UTF-8 in a name: EINVAL' '
	refused "open EINVAL" jw "$MNT/$(printf "a\377b").csv" <good.csv &&
	refused "open EINVAL" jw "$MNT/$(printf "caf\303").csv" <good.csv &&
	refused "open EINVAL" jw "$MNT/$(printf "\300\257x").csv" <good.csv &&
	refused "open EINVAL" jw "$MNT/.schema/$(printf "x\355\240\200")" <good.csv &&
	refused "EINVAL" jop rename "$MNT/t.csv" "$MNT/$(printf "\376\377").csv"
'

test_expect_success 'valid UTF-8 and an escaped / are names like others' '
	cp good.csv "$MNT/caf$(printf "\303\251").csv" &&
	cp good.csv "$MNT/a%2Fb.csv" &&
	cat "$MNT/a%2Fb.csv" >actual && test_cmp good.csv actual &&
	rm "$MNT/caf$(printf "\303\251").csv" "$MNT/a%2Fb.csv"
'

# --- CSV ---

test_expect_success 'unbalanced quotes: EINVAL, t unchanged' '
	printf "id,qty,name,note\n1,10,\"apple,a\n2,20,pear,b\n" >q1.csv &&
	refused "write EINVAL|close EINVAL" jw "$MNT/t.csv" <q1.csv &&
	printf "id,qty,\"name,note\n1,10,apple,a\n" >q2.csv &&
	refused "write EINVAL|close EINVAL" jw "$MNT/t.csv" <q2.csv &&
	printf "\"" >q3.csv &&
	refused "write EINVAL|close EINVAL" jw "$MNT/t.csv" <q3.csv &&
	refused_new new1 "write EINVAL|close EINVAL" jw "$MNT/new1.csv" <q2.csv
'

test_expect_success 'a 10 MiB field: refused in Text, Long and the header, t unchanged' '
	{ printf "id,qty,name,note\n1,10,"; head -c 10485760 /dev/zero | tr "\0" x; printf ",a\n"; } >big1.csv &&
	refused "write EINVAL|close EINVAL" jw "$MNT/t.csv" <big1.csv &&
	{ printf "id,qty,name,note\n1,"; head -c 10485760 /dev/zero | tr "\0" 7; printf ",x,a\n"; } >big2.csv &&
	refused "write EINVAL|close EINVAL|write ERANGE" jw "$MNT/t.csv" <big2.csv &&
	{ printf "\""; head -c 10485760 /dev/zero | tr "\0" y; printf "\",qty\n1,2\n"; } >big3.csv &&
	refused "write ENOENT" jw "$MNT/t.csv" <big3.csv &&
	refused_new new2 "write EINVAL|close EINVAL|write ENAMETOOLONG" jw "$MNT/new2.csv" <big3.csv
'

test_expect_success 'a 10 MiB quoted field followed by a bad row: nothing of it stays' '
	{ printf "id,qty,name,note\n3,30,fig,\""; head -c 10485760 /dev/zero | tr "\0" z; printf "\"\n4,x,kiwi,d\n"; } >big4.csv &&
	refused "write EINVAL|close EINVAL" jw "$MNT/t.csv" <big4.csv
'

test_expect_success 'a header of a million columns: refused, t unchanged, a new name stays empty' '
	awk "BEGIN { for (i = 1; i < 1000000; i++) printf \"c%d,\", i; print \"c0\" }" >wide.csv &&
	refused "write EINVAL" jw "$MNT/t.csv" <wide.csv &&
	refused_new wide "write EINVAL" jw "$MNT/wide.csv" <wide.csv &&
	awk "BEGIN { for (i = 1; i < 1000000; i++) printf \",\"; print \"\" }" >commas.csv &&
	refused_new commas "write EINVAL" jw "$MNT/commas.csv" <commas.csv
'

test_expect_success 'binary garbage (1 MiB with NULs): refused, t unchanged' '
	head -c 1048576 /dev/urandom >garbage.bin &&
	refused "write EINVAL|write ENOENT" jw "$MNT/t.csv" <garbage.bin &&
	refused_new garbage "write EINVAL" jw "$MNT/garbage.csv" <garbage.bin &&
	{ cat good.csv; head -c 65536 /dev/urandom; } >tail.bin &&
	refused "write EINVAL|close EINVAL" jw -a "$MNT/t.csv" <tail.bin
'

# --- schema text ---

test_expect_success 'a schema naming unknown types: EINVAL, t unchanged, a new name stays empty' '
	printf "column a Foo\n" >s1 &&
	refused_new n1 "write EINVAL|close EINVAL" jw "$MNT/.schema/n1" <s1 &&
	printf "column id Long not-null\ncolumn x Text(9999)\n" >s2 &&
	refused_new n2 "write EINVAL|close EINVAL" jw "$MNT/.schema/n2" <s2 &&
	{ cat "$MNT/.schema/t"; printf "column extra Quaternion\n"; } >s3 &&
	refused "write EINVAL|close EINVAL" jw "$MNT/.schema/t" <s3 &&
	printf "column a Long\nindex i +nosuchcolumn\n" >s4 &&
	refused_new n4 "write EINVAL|close EINVAL|write ENOENT|close ENOENT" jw "$MNT/.schema/n4" <s4 &&
	head -c 65536 /dev/urandom >s5 &&
	refused "write EINVAL|close EINVAL" jw "$MNT/.schema/t" <s5
'

test_expect_success 'after all that, t is as it was and jetfs is alive' '
	cat "$MNT/t.csv" >actual &&
	test_cmp good.csv actual &&
	ls "$MNT" >list &&
	test_equal "t.csv" "$(cat list)" "the root" &&
	jetfs_alive
'

test_expect_success 'unmount (jetfs exits 0), remount: t as it was' '
	umount_db &&
	mount_db &&
	cat "$MNT/t.csv" >actual &&
	test_cmp good.csv actual &&
	umount_db
'

test_done
