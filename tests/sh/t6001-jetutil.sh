#!/bin/sh
# t6001-jetutil.sh - jetutil on databases made here, no mount needed (TAP).
#
# create and check; every kind of dump (and its --json through python3);
# corruptions made by hand, each found by check with exit 1 and the right
# page number: a flipped bit in a data leaf and in an index leaf, a branch
# whose child link points elsewhere, a directory entry (the catalog's table
# -> tree root) pointing at a free page, a leaked page; a killed writer
# recovered to clean; compact after deleting most rows (same rows after,
# smaller file); backup and restore; refusals when "mounted" (compact,
# backup and restore pointing at .backup/, recover); progress bars on a
# terminal (script(1)) for check, compact, backup and import and none
# otherwise; --help of every command; usage errors.
#
# "A broken sibling link": this format has no sibling pointers (copy-on-write
# trees, see src/btree.h); the links between pages are branch -> child, and
# the broken child link below is that case.
#
# Structural corruptions keep the page checksum valid (recomputed by the
# python helper below), so check has to find them by structure.

top_builddir=${top_builddir:-.}
JETUTIL=${JETUTIL:-$top_builddir/tools/jetutil}
WRITER=${WRITER:-$top_builddir/tests/sh/jetutil_writer}
T=$(mktemp -d "${TMPDIR:-/tmp}/t6001.XXXXXX") || exit 1
[ -n "$KEEP" ] && echo "# kept $T" || trap 'rm -rf "$T"' EXIT
n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; }
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
# Did the last command's output mention page P?
mentions_page() {
	if grep -q "page $1:" "$T/out"; then ok "$2 names page $1"; else
		not_ok "$2 names page $1"
		sed 's/^/# /' "$T/out" | head -10
	fi
}

# python3 helpers: JSON fields, page patches with a recomputed checksum.
py() { python3 - "$@"; }
jget() { # jget FILE EXPR  (EXPR over d, the parsed JSON)
	py "$1" "$2" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
print(eval(sys.argv[2]))
EOF
}
# patch DB PAGE OFFSET HEXBYTES [nocrc]: write bytes into a page, then fix its checksum.
patch() {
	py "$@" <<'EOF'
import struct, sys
db, pg, off, data = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), bytes.fromhex(sys.argv[4])
fix = len(sys.argv) < 6
f = open(db, 'r+b')
hdr = f.read(64)
ps = struct.unpack_from('<I', hdr, 36)[0]
f.seek(pg * ps)
p = bytearray(f.read(ps))
p[off:off + len(data)] = data
if fix:
    tab = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        tab.append(c)
    crc = 0xFFFFFFFF
    for b in struct.pack('<I', pg) + bytes(p[4:]):
        crc = tab[(crc ^ b) & 0xFF] ^ (crc >> 8)
    struct.pack_into('<I', p, 0, crc ^ 0xFFFFFFFF)
f.seek(pg * ps)
f.write(p)
f.close()
EOF
}
PLAN=74
le32() { py "$1" <<'EOF'
import struct, sys
print(struct.pack('<I', int(sys.argv[1])).hex())
EOF
}

echo "1..$PLAN"

if [ ! -x "$JETUTIL" ] || [ ! -x "$WRITER" ] || ! command -v python3 >/dev/null; then
	i=0
	while [ $i -lt $PLAN ]; do i=$((i + 1)); echo "ok $i # SKIP jetutil, the writer or python3 missing"; done
	exit 0
fi

cd "$T" || exit 1
DB=$T/db

# --- create, check, dumps -------------------------------------------------
expect 0 "create" -- "$JETUTIL" create "$DB"
expect 0 "check of a new database" -- "$JETUTIL" check "$DB"
expect 0 "writer fills table T (3000 rows, two indexes, long values)" -- "$WRITER" fill "$DB" T 3000
expect 0 "check after writes" -- "$JETUTIL" check "$DB"
expect 0 "check --json" -- "$JETUTIL" check --json "$DB"
expect 0 "check --json is JSON" -- python3 -m json.tool "$T/out"
for kind in header space catalog log; do
	expect 0 "dump $kind" -- "$JETUTIL" dump "$kind" "$DB"
	"$JETUTIL" dump --json "$kind" "$DB" >"$T/$kind.json"
	expect 0 "dump --json $kind is JSON" -- python3 -m json.tool "$T/$kind.json"
done
ROOT=$(jget "$T/catalog.json" "[t for t in d['tables'] if t['name']=='T'][0]['root']")
IXROOT=$(jget "$T/catalog.json" "[i for t in d['tables'] for i in t['indexes'] if i['name']=='byname'][0]['root']")
"$JETUTIL" dump --json page "$ROOT" "$DB" >"$T/root.json"
expect 0 "dump --json page is JSON" -- python3 -m json.tool "$T/root.json"
expect 0 "dump page (human)" -- "$JETUTIL" dump page "$ROOT" "$DB"
TYPE=$(jget "$T/root.json" "d['type']")
if [ "$TYPE" = branch ]; then ok "T's root $ROOT is a branch"; else not_ok "T's root $ROOT is a branch (it is $TYPE)"; fi
LEAF=$(jget "$T/root.json" "d['cells'][1]['child']")
LEAF2=$(jget "$T/root.json" "d['cells'][2]['child']")
"$JETUTIL" dump --json page "$IXROOT" "$DB" >"$T/ixroot.json"
IXLEAF=$(jget "$T/ixroot.json" "d['cells'][1]['child'] if d['type']=='branch' else d['page']")
FREEPG=$(jget "$T/space.json" "d['extents'][0][0]")
"$JETUTIL" dump --json header "$DB" >"$T/hdr.json"
DIRROOT=$(jget "$T/hdr.json" "d['dir_root']")
FLHEAD=$(jget "$T/hdr.json" "d['freelist_head']")
PS=$(jget "$T/hdr.json" "d['page_size']")

# --- corruptions, each on its own copy ------------------------------------
flip() { # flip DB PAGE OFFSET: one bit, checksum left wrong
	b=$(od -An -tu1 -j $(($2 * PS + $3)) -N1 "$1" | tr -d ' ')
	printf "$(printf '\\%03o' $((b ^ 16)))" | dd of="$1" bs=1 seek=$(($2 * PS + $3)) conv=notrunc 2>/dev/null
}
cp "$DB" "$T/c1"
flip "$T/c1" "$LEAF" 200
expect 1 "check finds a flipped bit in a data page" -- "$JETUTIL" check "$T/c1"
mentions_page "$LEAF" "the report"

cp "$DB" "$T/c2"
flip "$T/c2" "$IXLEAF" 300
expect 1 "check finds a flipped bit in an index page" -- "$JETUTIL" check "$T/c2"
mentions_page "$IXLEAF" "the report"

# Branch cell 1's child link now points at cell 2's child (checksum valid).
cp "$DB" "$T/c3"
OFF=$(jget "$T/root.json" "d['cells'][1]['offset']")
patch "$T/c3" "$ROOT" "$OFF" "$(le32 "$LEAF2")"
expect 1 "check finds a broken child link in a branch page" -- "$JETUTIL" check "$T/c3"
expect 0 "  (and the page's checksum was valid)" -- sh -c "! grep -q 'bad checksum' '$T/out'"

# The directory maps T's objid to a root page: point it at a free page.
cp "$DB" "$T/c4"
"$JETUTIL" dump --json page "$DIRROOT" "$DB" >"$T/dir.json"
DOFF=$(jget "$T/dir.json" "[c['offset'] for c in d['cells'] if c['key']=='%08x' % 16][0]")
patch "$T/c4" "$DIRROOT" $((DOFF + 8)) "$(le32 "$FREEPG")"
expect 1 "check finds a catalog entry (table -> tree root) pointing at a free page" -- "$JETUTIL" check "$T/c4"
mentions_page "$FREEPG" "the report"

# Drop the free list's last extent: its pages are then neither free nor used.
cp "$DB" "$T/c5"
"$JETUTIL" dump --json page "$FLHEAD" "$DB" >"$T/fl.json"
NEXT=$(jget "$T/fl.json" "len(d['extents'])")
LEAKED=$(jget "$T/fl.json" "d['extents'][-1][0]")
patch "$T/c5" "$FLHEAD" 28 "$(le32 $((NEXT - 1)))"
expect 1 "check finds a leaked page" -- "$JETUTIL" check "$T/c5"
mentions_page "$LEAKED" "the leak report"
expect 0 "  and says leaked" -- grep -q leaked "$T/out"

cp "$DB" "$T/c6"
flip "$T/c6" 0 40
flip "$T/c6" 1 40
expect 1 "check finds both header copies damaged" -- "$JETUTIL" check "$T/c6"

# --- a killed writer, recovered -------------------------------------------
expect 0 "writer commits 2000 rows to U and is killed" -- "$WRITER" fill "$DB" U 2000 kill
"$JETUTIL" dump --json header "$DB" >"$T/h2.json"
STATE=$(jget "$T/h2.json" "d['state']")
if [ "$STATE" = dirty ]; then ok "the database is dirty"; else not_ok "the database is dirty (it is $STATE)"; fi
expect 0 "check of a dirty database checks its checkpoint" -- "$JETUTIL" check "$DB"
expect 0 "  and says it is dirty" -- grep -q dirty "$T/out"
expect 0 "recover" -- "$JETUTIL" recover "$DB"
"$JETUTIL" info --json "$DB" >"$T/info.json"
R=$(jget "$T/info.json" "d['state'] + ' ' + str([t['rows'] for t in d['tables'] if t['name']=='U'])")
if [ "$R" = "clean [2000]" ]; then ok "clean, with U's 2000 rows"; else not_ok "clean, with U's 2000 rows (got $R)"; fi
expect 0 "check after recovery" -- "$JETUTIL" check "$DB"

# --- compact --------------------------------------------------------------
"$WRITER" print "$DB" T >"$T/before.txt"
expect 0 "writer deletes 90% of T" -- "$WRITER" delete "$DB" T 10
"$WRITER" print "$DB" T >"$T/kept.txt"
S1=$(wc -c <"$DB")
expect 0 "compact" -- "$JETUTIL" compact "$DB"
S2=$(wc -c <"$DB")
if [ "$S2" -lt "$S1" ]; then ok "compact shrinks the file ($S1 -> $S2)"; else not_ok "compact shrinks the file ($S1 -> $S2)"; fi
expect 0 "check after compact" -- "$JETUTIL" check "$DB"
"$WRITER" print "$DB" T >"$T/after.txt"
expect 0 "the rows are unchanged by compact" -- cmp "$T/kept.txt" "$T/after.txt"
awk -F, '$1 % 10 == 0' "$T/before.txt" >"$T/expected.txt"
expect 0 "and are exactly the rows kept" -- cmp "$T/expected.txt" "$T/after.txt"

# --- backup, restore, mounted refusal -------------------------------------
expect 0 "backup" -- "$JETUTIL" backup "$DB" "$T/bk"
expect 0 "writer adds table V" -- "$WRITER" fill "$DB" V 10
expect 0 "restore" -- "$JETUTIL" restore "$T/bk" "$DB"
"$JETUTIL" info --json "$DB" >"$T/info2.json"
R=$(jget "$T/info2.json" "sorted(t['name'] for t in d['tables'])")
if [ "$R" = "['T', 'U']" ]; then ok "the restored database is the backup"; else not_ok "the restored database is the backup (tables $R)"; fi
# "Mounted": this shell holds the lock file as a jetfs would (fd 9).
exec 9>>"$DB.jetlog/lock"
flock -n 9 || echo "# could not take the lock"
expect 4 "compact of a mounted database is refused" -- "$JETUTIL" compact "$DB"
expect 0 "  saying it is mounted" -- grep -q "mounted" "$T/err"
expect 4 "backup of a mounted database is refused" -- "$JETUTIL" backup "$DB" "$T/bk2"
expect 0 "  pointing at the mount's .backup/" -- grep -q "mounted.*\.backup/" "$T/err"
expect 4 "restore over a mounted database is refused" -- "$JETUTIL" restore "$T/bk" "$DB"
expect 0 "  pointing at the mount's .backup/" -- grep -q "mounted.*\.backup/" "$T/err"
expect 4 "recover of a mounted database is refused" -- "$JETUTIL" recover "$DB"
if [ ! -e "$T/bk2" ]; then ok "  and nothing was copied"; else not_ok "  and nothing was copied"; fi
exec 9>&-

# --- progress bars: on a terminal only -------------------------------------
# script(1) runs the command on a pseudo-terminal; the bar is "NAME [###  ] P%".
if command -v script >/dev/null; then
	for c in "check $DB" "compact $DB" "backup $DB $T/bk3" "import $T/exp $T/imp"; do
		case $c in import*) "$JETUTIL" export "$DB" "$T/exp" >/dev/null ;; esac
		script -qec "$JETUTIL $c" /dev/null >"$T/tty.out" 2>&1
		if tr '\r' '\n' <"$T/tty.out" | grep -a -q "^${c%% *}  *\[#* *\] *[0-9]*%"; then ok "progress bar on a terminal: ${c%% *}"; else
			not_ok "progress bar on a terminal: ${c%% *}"
			sed 's/^/# /' "$T/tty.out" | head -5
		fi
	done
else
	for c in check compact backup import; do ok "progress bar on a terminal: $c # SKIP no script(1)"; done
fi
rm -rf "$T/exp" "$T/imp" "$T/imp.jetlog"
"$JETUTIL" export "$DB" "$T/exp" >/dev/null
for c in "check $DB" "compact $DB" "backup $DB $T/bk4" "import $T/exp $T/imp"; do
	"$JETUTIL" $c >"$T/out" 2>"$T/err"
	if grep -q '%' "$T/err"; then not_ok "no progress bar when not a terminal: ${c%% *}"; else ok "no progress bar when not a terminal: ${c%% *}"; fi
done

# --- usage ----------------------------------------------------------------
for c in create check dump recover compact backup restore info export import; do
	"$JETUTIL" $c --help >"$T/out" 2>"$T/err"
	if [ $? = 0 ] && grep -q "^usage: jetutil $c" "$T/out"; then ok "$c --help"; else not_ok "$c --help"; fi
done
expect 2 "unknown command: exit 2" -- "$JETUTIL" frobnicate
expect 2 "export without a folder: usage, exit 2" -- "$JETUTIL" export "$DB"

[ "$n" = $PLAN ] || echo "# ran $n tests, planned $PLAN"
exit 0
