#!/bin/sh
# t6002-jetutil-csv.sh - jetutil export and import, no mount needed (TAP).
#
# A folder written by hand in jetfs's canonical form (every column type:
# NULL and empty, binary with NUL bytes, UTF-8 through code pages 1252,
# 1200 and 65001, long values past a page, multi-valued columns, indexes
# ascending, descending, unique, a table without a primary index, an
# escaped table name, a table without columns, a CSV without a schema,
# autoincrement columns) is imported and exported again: the folder must come back byte
# for byte. A database the writer filled is exported, imported into a new
# database and exported again: both folders equal, the new database passes
# check. Then the refusals and errors.

top_builddir=${top_builddir:-.}
JETUTIL=${JETUTIL:-$top_builddir/tools/jetutil}
WRITER=${WRITER:-$top_builddir/tests/sh/jetutil_writer}
T=$(mktemp -d "${TMPDIR:-/tmp}/t6002.XXXXXX") || exit 1
[ -n "$KEEP" ] && echo "# kept $T" || trap 'rm -rf "$T"' EXIT
n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); echo "not ok $n - $1"; }
# expect RC DESCRIPTION -- COMMAND...: the command's exit code must be RC.
expect() {
	want=$1
	what=$2
	shift 3
	"$@" >"$T/out.new" 2>"$T/err.new"
	got=$?
	mv "$T/out.new" "$T/out"
	mv "$T/err.new" "$T/err"
	if [ "$got" = "$want" ]; then
		ok "$what"
	else
		not_ok "$what (exit $got, expected $want)"
		sed 's/^/# /' "$T/out" "$T/err" | head -20
	fi
}

PLAN=29
echo "1..$PLAN"
if [ ! -x "$JETUTIL" ] || [ ! -x "$WRITER" ] || ! command -v python3 >/dev/null; then
	i=0
	while [ $i -lt $PLAN ]; do i=$((i + 1)); echo "ok $i # SKIP jetutil, the writer or python3 missing"; done
	exit 0
fi
cd "$T" || exit 1

# --- a folder in canonical form -------------------------------------------
S=$T/src
mkdir -p "$S/.schema"
cat >"$S/.schema/all" <<'EOF'
# jetfs schema of table all
column k         Long not-null
column b         Bit
column ub        UnsignedByte
column sh        Short
column ush       UnsignedShort
column l         Long
column ul        UnsignedLong
column ll        LongLong
column ull       UnsignedLongLong
column cur       Currency
column f         IEEESingle
column d         IEEEDouble
column dt        DateTime
column g         GUID
column t         Text(255) cp=1252
column tu        Text(200) cp=1200
column bin       Binary(255)
column lt        LongText cp=65001
column lb        LongBinary
column mv        Long multi-valued
column mvt       LongText cp=65001 multi-valued
index  primary   primary unique +k
index  by_t      +t -k
index  by_l_desc unique -ll
EOF
python3 - "$S/all.csv" <<'EOF'
import sys
big = ''.join(chr(ord('a') + i % 26) for i in range(100000)) + ' é 日本 😀'
rows = [
 'k,b,ub,sh,ush,l,ul,ll,ull,cur,f,d,dt,g,t,tu,bin,lt,lb,mv,mvt',
 # minima, zeros and every empty value ("" is empty, not NULL)
 '1,0,0,-32768,0,-2147483648,0,-9223372036854775808,0,-922337203685477.5808,-0,-0,'
 '1899-12-30T00:00:00,00000000-0000-0000-0000-000000000000,"","","","","",,',
 # maxima, text needing quotes, code pages, NUL bytes, multi-valued literals
 '2,1,255,32767,65535,2147483647,4294967295,9223372036854775807,18446744073709551615,'
 '922337203685477.5807,3.4028235e+38,1.7976931348623157e+308,9999-12-31T23:59:59,'
 'ffffffff-ffff-ffff-ffff-ffffffffffff,plain €uro ÿ,日本語 😀,\\x00ff10,'
 '"line1\nline2, ""quoted""\r\nend",\\x' + '00' * 5000 + 'ff,"{-1000,0,1000}","{a,"""",""x,y""}"',
 # every column NULL but the key
 '3,,,,,,,,,,,,,,,,,,,,',
 # long values past a page, spaces kept
 '4,1,7,-1,1,-1,1,-1,1,0.0001,0.1,5e-324,2023-07-16T12:30:00.5,'
 '00112233-4455-6677-8899-aabbccddeeff, padded ,"a,b",\\x00,' + big + ',\\x' + 'ab' * 70000 + ',{7},{x}',
 # odd floats and dates, the text NULL
 '5,0,1,1,1,1,1,1,1,1.0000,inf,nan,@-0.5,00112233-4455-6677-8899-aabbccddeeff,NULL,"",\\xff,"",\\x01,,"{""NULL""}"',
]
open(sys.argv[1], 'w', encoding='utf-8', newline='').write('\n'.join(rows) + '\n')
EOF
# An escaped name ('%' is %25), no primary index: rows keep file order.
cat >"$S/.schema/my table%25x" <<'EOF'
# jetfs schema of table my table%x
column n         Long
column a         LongText cp=65001
EOF
printf 'n,a\n2,second\n1,first\n,""\n3,\n' >"$S/my table%25x.csv"
cat >"$S/.schema/empty" <<'EOF'
# jetfs schema of table empty
column id        Long not-null
index  primary   primary unique +id
EOF
printf 'id\n' >"$S/empty.csv"
cat >"$S/.schema/nocols" <<'EOF'
# jetfs schema of table nocols
EOF
: >"$S/nocols.csv"

expect 0 "import of a hand-written folder" -- "$JETUTIL" import "$S" "$T/db1"
expect 0 "check of the imported database" -- "$JETUTIL" check "$T/db1"
expect 0 "export of it" -- "$JETUTIL" export "$T/db1" "$T/out1"
expect 0 "the export equals the folder byte for byte" -- diff -r "$S" "$T/out1"

# A CSV without a schema: LongText columns, in header order.
mkdir -p "$T/plain"
printf 'x,y\n1,2\n,""\n' >"$T/plain/p.csv"
expect 0 "import of a CSV without a schema file" -- "$JETUTIL" import "$T/plain" "$T/db2"
expect 0 "export of it" -- "$JETUTIL" export "$T/db2" "$T/out2"
expect 0 "  same rows" -- cmp "$T/plain/p.csv" "$T/out2/p.csv"
expect 0 "  LongText columns" -- grep -q '^column y *LongText cp=65001$' "$T/out2/.schema/p"

# Autoincrement: the engine numbers imported rows (ESE cannot set them):
# dense values from 1 come back, a gap is renumbered and import says so.
mkdir -p "$T/ai/.schema"
printf '# jetfs schema of table ai\ncolumn id        Long not-null autoincrement\ncolumn v         Text(20) cp=1252\nindex  primary   primary unique +id\n' >"$T/ai/.schema/ai"
printf 'id,v\n1,a\n2,b\n3,c\n' >"$T/ai/ai.csv"
"$JETUTIL" import "$T/ai" "$T/dbai" >/dev/null 2>&1
"$JETUTIL" export "$T/dbai" "$T/outai" >/dev/null 2>&1
expect 0 "autoincrement values 1..n come back" -- diff -r "$T/ai" "$T/outai"
printf 'id,v\n1,a\n5,b\n' >"$T/ai/ai.csv"
expect 0 "a gap in autoincrement values is renumbered" -- "$JETUTIL" import "$T/ai" "$T/dbai2"
expect 0 "  and import says so" -- grep -q "^ai: an autoincrement column" "$T/out"

# --- a database the writer filled: export, import, export -----------------
expect 0 "create" -- "$JETUTIL" create "$T/w"
expect 0 "writer fills T (2000 rows, two indexes, long values)" -- "$WRITER" fill "$T/w" T 2000
expect 0 "writer fills U" -- "$WRITER" fill "$T/w" U 300
expect 0 "export" -- "$JETUTIL" export "$T/w" "$T/e1"
expect 0 "import into a new database" -- "$JETUTIL" import "$T/e1" "$T/w2"
expect 0 "export again" -- "$JETUTIL" export "$T/w2" "$T/e2"
expect 0 "the two exports are equal" -- diff -r "$T/e1" "$T/e2"
"$WRITER" print "$T/w" T >"$T/p1"
"$WRITER" print "$T/w2" T >"$T/p2"
expect 0 "the rows read through the JET API are equal" -- cmp "$T/p1" "$T/p2"
expect 0 "check of the new database" -- "$JETUTIL" check "$T/w2"

# --- refusals and errors --------------------------------------------------
expect 4 "import into an existing database is refused" -- "$JETUTIL" import "$T/e1" "$T/w2"
expect 4 "export into a folder that is not empty is refused" -- "$JETUTIL" export "$T/w" "$T/e1"
mkdir -p "$T/bad/.schema"
printf '# x\ncolumn id Long not-null\nindex primary primary unique +id\n' >"$T/bad/.schema/t"
printf 'id\n1\nnot-a-number\n' >"$T/bad/t.csv"
expect 4 "import of a bad value fails" -- "$JETUTIL" import "$T/bad" "$T/db3"
expect 0 "  saying which line" -- grep -q "line 3" "$T/err"
if [ ! -e "$T/db3" ]; then ok "  and removes the new database"; else not_ok "  and removes the new database"; fi
# "Mounted": this shell holds the lock file as a jetfs would (fd 9).
exec 9>>"$T/w.jetlog/lock"
flock -n 9 || echo "# could not take the lock"
expect 4 "export of a mounted database is refused" -- "$JETUTIL" export "$T/w" "$T/e3"
expect 0 "  saying it is mounted" -- grep -q "mounted" "$T/err"
exec 9>&-
expect 0 "export --help" -- "$JETUTIL" export --help
expect 2 "import without arguments: usage" -- "$JETUTIL" import

[ "$n" = $PLAN ] || echo "# ran $n tests, planned $PLAN"
exit 0
