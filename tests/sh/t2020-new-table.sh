#!/bin/sh
# shellcheck disable=SC1091,SC2016,SC2034 # bodies are single-quoted for eval; lib.sh is sourced at run time
test_description='new tables: from a CSV (LongText, hidden key), from a schema file first (schema changes: t2021)'
. "${top_srcdir:-$(dirname "$0")/../..}/tests/sh/lib.sh"

cat >people.csv <<\EOF
name,city,note
Ann,Oslo,
Bob,"Paris, FR",""
Ann,Oslo,duplicate rows are fine without a key
EOF

test_expect_success 'setup' '
	mount_db -o create
'

test_expect_success 'cp of a CSV to a new name creates the table' '
	cp people.csv "$MNT/people.csv" &&
	cat "$MNT/people.csv" >actual &&
	test_cmp people.csv actual &&
	test -f "$MNT/.schema/people"
'

test_expect_success 'its schema: the header columns, in order, as long text' '
	cat "$MNT/.schema/people" >schema &&
	cat schema &&
	grep -q "city" schema &&
	grep -q "note" schema &&
	grep -qi "longtext\|long text" schema &&
	l1=$(grep -n "name" schema | head -n1 | cut -d: -f1) &&
	l2=$(grep -n "city" schema | head -n1 | cut -d: -f1) &&
	l3=$(grep -n "note" schema | head -n1 | cut -d: -f1) &&
	test "$l1" -lt "$l2" && test "$l2" -lt "$l3"
'

test_expect_success 'cat > of a new name creates it too; a header-only file makes an empty table' '
	printf "x,y\n" >"$MNT/empty.csv" &&
	test_equal "x,y" "$(cat "$MNT/empty.csv")" "empty table" &&
	printf "1,2\n" >>"$MNT/empty.csv" &&
	printf "x,y\n1,2\n" >expect &&
	cat "$MNT/empty.csv" >actual &&
	test_cmp expect actual
'

test_expect_success 'a schema written first types the table the CSV then fills' '
	make_table typed id:Long:key:notnull price:Currency when:DateTime &&
	test -f "$MNT/typed.csv" &&
	test_equal "id,price,when" "$(cat "$MNT/typed.csv")" "header of the empty typed table" &&
	printf "id,price,when\n2,1.5000,2023-07-16T12:30:00\n1,-0.2500,1900-01-01T00:00:00\n" >in.csv &&
	cp in.csv "$MNT/typed.csv" &&
	printf "id,price,when\n1,-0.2500,1900-01-01T00:00:00\n2,1.5000,2023-07-16T12:30:00\n" >expect &&
	cat "$MNT/typed.csv" >actual &&
	test_cmp expect actual
'

test_expect_success 'the schema file reads back as a text that, written again, changes nothing' '
	cp "$MNT/.schema/typed" s1 &&
	cat s1 &&
	m=$(stat -c %Y "$MNT/typed.csv") &&
	cp s1 "$MNT/.schema/typed" &&
	test_cmp s1 "$MNT/.schema/typed" &&
	cat "$MNT/typed.csv" >actual &&
	test_cmp expect actual
'

test_expect_success 'unmount' '
	umount_db
'

test_done
