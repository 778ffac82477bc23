#!/bin/sh
# shellcheck disable=SC1091,SC2016,SC2034 # bodies are single-quoted for eval; lib.sh is sourced at run time
test_description='long values: LongText and LongBinary values of 8 KiB to 1 MiB round-trip'
. "${top_srcdir:-$(dirname "$0")/../..}/tests/sh/lib.sh"

test_expect_success 'setup' '
	mount_db -o create
'

test_expect_success 'an 8 KiB LongBinary value round-trips' '
	schema_text id:Long:key:notnull b:LongBinary >s &&
	cp s "$MNT/.schema/lb" &&
	awk "BEGIN { printf \"id,b\\n1,\\\\x\"; for (i = 0; i < 8192; i++) printf \"%02x\", i % 256; printf \"\\n\" }" >lb.csv &&
	cp lb.csv "$MNT/lb.csv" &&
	cat "$MNT/lb.csv" >actual &&
	test_cmp lb.csv actual
'

test_expect_success 'a long text value (1 MiB) round-trips' '
	awk "BEGIN { printf \"id,v\\n1,\"; for (i = 0; i < 16384; i++) printf \"%064d\", i; printf \"\\n\" }" >long.csv &&
	schema_text id:Long:key:notnull v:LongText:cp=65001 >s &&
	cp s "$MNT/.schema/lng" &&
	cp long.csv "$MNT/lng.csv" &&
	test_equal "$(test_file_sha long.csv)" "$(test_file_sha "$MNT/lng.csv")" "sha256 of lng.csv" &&
	test_stat_size "$MNT/lng.csv"
'

test_expect_success 'unmount' '
	umount_db
'

test_done
