#!/bin/sh
# shellcheck disable=SC1091,SC2016,SC2034 # bodies are single-quoted for eval; lib.sh is sourced at run time
test_description='round trip of every column type through cat > and cat: byte-identical (NULL vs empty, commas, quotes, newlines, UTF-8, binary, floats, dates, multi-valued)'
. "${top_srcdir:-$(dirname "$0")/../..}/tests/sh/lib.sh"

# Every value below is in its canonical spelling (docs/csv.md), rows in key
# order, so the file must read back byte for byte. Columns are in the
# engine's columnid order (fixed, then variable, then tagged columns), the
# order the file shows them in.
cols="id:Long:key:notnull b:Bit ub:UnsignedByte sh:Short ush:UnsignedShort ul:UnsignedLong
ll:LongLong ull:UnsignedLongLong cur:Currency f32:IEEESingle f64:IEEEDouble dt:DateTime g:GUID
bin:Binary txt:Text:cp=1252 lbin:LongBinary u16:LongText:cp=1200 lt:LongText:cp=65001
mv:LongText:cp=65001:multi"
hex300=$(awk 'BEGIN { for (i = 0; i < 300; i++) printf "%02x", (i * 37) % 256 }')
{
	printf '%s\n' "id,b,ub,sh,ush,ul,ll,ull,cur,f32,f64,dt,g,bin,txt,lbin,u16,lt,mv"
	# minimums and empty values
	printf '%s\n' '1,0,0,-32768,0,0,-9223372036854775808,0,-922337203685477.5808,-inf,-1.7976931348623157e+308,1900-01-01T00:00:00,00000000-0000-0000-0000-000000000000,"","","","","",{a}'
	# maximums; commas, quotes, newlines, CRLF inside quotes
	printf '%s\n' '2,1,255,32767,65535,4294967295,9223372036854775807,18446744073709551615,922337203685477.5807,3.4028235e+38,1.7976931348623157e+308,9999-12-31T23:59:59,ffffffff-ffff-ffff-ffff-ffffffffffff,\x00ff10,"say ""hi"", café €",\x0001,"日本語, 😀","line1' 'line2' "line3$(printf '\r')" 'end",'"\"{a,b}\""
	# NULL in every column but the key
	printf '%s\n' '3,,,,,,,,,,,,,,,,,,'
	# ordinary values, spaces kept, the text NULL, a lone quote
	printf '%s\n' "4,1,7,-1,1,1,-1,1,-12.3400,0.1,0.1,2023-07-16T12:30:00,00112233-4455-6677-8899-aabbccddeeff,\\xdeadbeef, padded ,\\x$hex300,NULL,\"\"\"\",\"{a,\"\"\"\",\"\"x,y\"\"}\""
	# signed zeros, fractions of seconds and of currency, OLE dates before 1899-12-30
	printf '%s\n' '5,0,1,0,0,1,0,1,0.0005,-0,-0,1900-01-01T00:00:00.1,00112233-4455-6677-8899-aabbccddeeff,\x00,x,\x00,"{""NULL""}",a b,"{""NULL""}"'
	# special floats and dates, bytes that are not UTF-8 and NUL in a cp 65001 column
	printf '6,1,2,3,4,5,6,7,1.0000,nan,inf,@-0.5,00000000-0000-0000-0000-000000000001,\\x7f,é,\\xff,é,a\000b\377c,"{""q\\""b\\\\s""}"\n'
	# denormals, the date 0
	printf '%s\n' '7,0,3,4,5,6,7,8,-0.0001,1e-45,5e-324,1899-12-30T00:00:00,00000000-0000-0000-0000-000000000002,"",,,,,"{1,2,3}"'
} >types.csv

test_expect_success 'setup: a table with a column of every type' '
	mount_db -o create &&
	make_table t $cols &&
	cat "$MNT/.schema/t"
'

test_expect_success 'cat > then cat: byte-identical' '
	cat types.csv >"$MNT/t.csv" &&
	cat "$MNT/t.csv" >actual &&
	test_cmp types.csv actual
'

test_expect_success 'st_size is exact for every type' '
	test_stat_size "$MNT/t.csv" &&
	test_equal "$(wc -c <types.csv)" "$(stat -c %s "$MNT/t.csv")" "st_size"
'

test_expect_success 'cat t.csv > x; cp x t.csv changes nothing (bytes, mtime)' '
	cat "$MNT/t.csv" >x &&
	m=$(stat -c %Y "$MNT/t.csv") &&
	sleep 1.1 &&
	cp x "$MNT/t.csv" &&
	cat "$MNT/t.csv" >actual &&
	test_cmp types.csv actual &&
	test_equal "$m" "$(stat -c %Y "$MNT/t.csv")" "mtime after writing the same rows"
'

test_expect_success 'rows in another order come back in key order' '
	{ head -n 1 types.csv; tail -n +2 types.csv | awk "NR == 1 { first = \$0; next } { print } END { print first }"; } >shuffled &&
	! cmp -s shuffled types.csv &&
	cat shuffled >"$MNT/t.csv" &&
	cat "$MNT/t.csv" >actual &&
	test_cmp types.csv actual
'

test_expect_success 'NULL and empty stay apart in text and binary columns' '
	schema_text id:Long:key:notnull txt:Text s:LongText:cp=65001 bin:LongBinary >s &&
	cp s "$MNT/.schema/ne" &&
	printf "id,txt,s,bin\n1,,,\n2,\"\",\"\",\"\"\n3,,\"\",\n4,,,\"\"\n5,\"\",,\n" >ne.csv &&
	cp ne.csv "$MNT/ne.csv" &&
	cat "$MNT/ne.csv" >actual &&
	test_cmp ne.csv actual
'

test_expect_success 'other accepted spellings are rendered canonically' '
	schema_text id:Long:key:notnull b:Bit n:Long c:Currency d:IEEEDouble dt:DateTime g:GUID bin:Binary >s &&
	cp s "$MNT/.schema/sp" &&
	printf "id,b,n,c,d,dt,g,bin\n+1,true,007,-12.34,1.50,2023-07-16 12:30,{00112233-4455-6677-8899-AABBCCDDEEFF},\\\\X00FF\n2,no,-0,.5,2E-3,2023-07-16,00112233-4455-6677-8899-aabbccddeeff,\\\\x\n" >sp.csv &&
	cat sp.csv &&
	printf "id,b,n,c,d,dt,g,bin\n1,1,7,-12.3400,1.5,2023-07-16T12:30:00,00112233-4455-6677-8899-aabbccddeeff,\\\\x00ff\n2,0,0,0.5000,0.002,2023-07-16T00:00:00,00112233-4455-6677-8899-aabbccddeeff,\"\"\n" >expect &&
	cp sp.csv "$MNT/sp.csv" &&
	cat "$MNT/sp.csv" >actual &&
	test_cmp expect actual
'

test_expect_success 'after a remount the bytes are the same' '
	umount_db &&
	mount_db &&
	cat "$MNT/t.csv" >actual &&
	test_cmp types.csv actual &&
	cat "$MNT/ne.csv" >actual &&
	test_cmp ne.csv actual
'

test_expect_success 'unmount' '
	umount_db
'

test_done
