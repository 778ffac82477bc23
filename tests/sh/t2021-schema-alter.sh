#!/bin/sh
# shellcheck disable=SC1091,SC2016,SC2034 # bodies are single-quoted for eval; lib.sh is sourced at run time
test_description='changing a table through its schema file: add and drop columns, a bad text changes nothing; the table and schema files stay reachable'
. "${top_srcdir:-$(dirname "$0")/../..}/tests/sh/lib.sh"

test_expect_success 'setup: a typed table with two rows' '
	mount_db -o create &&
	make_table typed id:Long:key:notnull price:Currency when:DateTime &&
	printf "id,price,when\n1,-0.2500,1900-01-01T00:00:00\n2,1.5000,2023-07-16T12:30:00\n" >"$MNT/typed.csv"
'

test_expect_success 'adding a column through the schema file keeps the rows' '
	schema_text id:Long:key:notnull price:Currency when:DateTime note:LongText:cp=65001 >s2 &&
	cp s2 "$MNT/.schema/typed" &&
	printf "id,price,when,note\n1,-0.2500,1900-01-01T00:00:00,\n2,1.5000,2023-07-16T12:30:00,\n" >expect &&
	{ cat "$MNT/typed.csv" >actual || { ls -la "$MNT" "$MNT/.schema"; false; }; } &&
	test_cmp expect actual &&
	test_stat_size "$MNT/typed.csv"
'

test_expect_success 'dropping a column through the schema file' '
	schema_text id:Long:key:notnull when:DateTime note:LongText:cp=65001 >s3 &&
	cp s3 "$MNT/.schema/typed" &&
	printf "id,when,note\n1,1900-01-01T00:00:00,\n2,2023-07-16T12:30:00,\n" >expect &&
	{ cat "$MNT/typed.csv" >actual || { ls -la "$MNT" "$MNT/.schema"; false; }; } &&
	test_cmp expect actual &&
	test_stat_size "$MNT/typed.csv"
'

test_expect_success 'a schema text that does not parse is refused, nothing changes' '
	cp "$MNT/.schema/typed" before &&
	echo "this is not a schema" | jw "$MNT/.schema/typed" >res ;
	cat res &&
	test_one_of "write EINVAL|close EINVAL" "$(cat res)" "writing a bad schema" &&
	test_cmp before "$MNT/.schema/typed" &&
	{ cat "$MNT/typed.csv" >actual || { ls -la "$MNT" "$MNT/.schema"; false; }; } &&
	test_cmp expect actual
'

test_expect_success 'the files stay reachable right after a schema change' '
	schema_text id:Long:key:notnull when:DateTime note:LongText:cp=65001 extra:Long >s4 &&
	stat "$MNT/typed.csv" "$MNT/.schema/typed" >/dev/null &&
	cp s4 "$MNT/.schema/typed" &&
	stat "$MNT/typed.csv" >/dev/null &&
	stat "$MNT/.schema/typed" >/dev/null &&
	cp s4 "$MNT/.schema/typed"
'

test_expect_success 'unmount' '
	umount_db
'

test_done
