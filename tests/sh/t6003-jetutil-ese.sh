#!/bin/sh
# t6003-jetutil-ese.sh - jetutil info and export on databases written by
# Microsoft's ESE (the samples in ../shared/data/ese-samples, or
# $JET_ESE_SAMPLES), no mount needed (TAP). Skipped without the samples.
#
# info: format, state, page checks and per-table row counts; a dirty file
# (qmgr.db) warns that its logs are not replayed. export: one CSV per table,
# system tables under .system/, row counts as info says; a corrupted copy
# fails with exit 4 and the engine's error, never a crash.

top_srcdir=${top_srcdir:-.}
top_builddir=${top_builddir:-.}
JETUTIL=${JETUTIL:-$top_builddir/tools/jetutil}
S=${JET_ESE_SAMPLES:-$top_srcdir/../shared/data/ese-samples}
if [ ! -f "$S/SRUDB.dat" ]; then
	echo "1..0 # SKIP no ESE samples at $S"
	exit 0
fi
T=$(mktemp -d "${TMPDIR:-/tmp}/t6003.XXXXXX") || exit 1
[ -n "$KEEP" ] && echo "# kept $T" || trap 'rm -rf "$T"' EXIT
n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; }
check() { # DESCRIPTION COMMAND...: passes when the command succeeds
	what=$1
	shift
	if "$@"; then ok "$what"; else not_ok "$what"; fi
}
run() { # RC DESCRIPTION COMMAND...: the exit code must be RC
	want=$1
	what=$2
	shift 2
	timeout 120 "$@" >"$T/out" 2>"$T/err"
	got=$?
	if [ "$got" = "$want" ]; then ok "$what"; else
		not_ok "$what (exit $got, expected $want)"
		sed 's/^/# /' "$T/out" "$T/err" | head -20
	fi
}

run 0 "info SRUDB.dat" "$JETUTIL" info "$S/SRUDB.dat"
check "info: format, page size, clean, 14 tables" \
	sh -c "grep -q '^format: ESE' '$T/out' && grep -q '^page size: 4096' '$T/out' &&
		grep -q '^state: clean shutdown' '$T/out' && grep -q '^tables: 14' '$T/out' &&
		grep -q '(0 fail verification)' '$T/out'"
check "info: row counts" \
	sh -c "grep -q 'SruDbIdMapTable: 1141 rows' '$T/out' &&
		grep -q '{5C8CF1C7-7257-4F13-B223-970EF5939312}: 4038 rows' '$T/out'"
run 0 "info --json" "$JETUTIL" info --json "$S/SRUDB.dat"
if command -v python3 >/dev/null; then
	check "info --json parses, 14 tables" python3 -c "
import json,sys; d=json.load(open('$T/out')); sys.exit(0 if d['format']=='ese' and len(d['tables'])==14 else 1)"
fi

run 0 "info on the dirty qmgr.db (16 KiB pages)" "$JETUTIL" info "$S/qmgr.db"
check "dirty: warns that logs are not replayed" grep -q "not replayed" "$T/err"
check "16 KiB pages verify" sh -c "grep -q '^page size: 16384' '$T/out' && grep -q '(0 fail verification)' '$T/out'"

run 0 "export SRUDB.dat" "$JETUTIL" export "$S/SRUDB.dat" "$T/x"
check "export: user tables in the directory, MSys* under .system/" \
	sh -c "[ -f '$T/x/SruDbIdMapTable.csv' ] && [ -f '$T/x/.system/MSysObjects.csv' ] &&
		[ ! -f '$T/x/MSysObjects.csv' ]"
check "export: header + 1141 rows" sh -c "[ \$(wc -l < '$T/x/SruDbIdMapTable.csv') = 1142 ]"
check "export: header + 4038 rows" \
	sh -c "[ \$(wc -l < '$T/x/{5C8CF1C7-7257-4F13-B223-970EF5939312}.csv') = 4039 ]"
check "export: OLE dates as ISO text" \
	grep -q '^1,2021-10-07T08:26:00,189,155,1,1124,0$' "$T/x/{D10CA2FE-6FCF-4F6D-848E-B2E99266FA86}.csv"

for f in "$S"/UAL-*/*.mdb; do
	run 0 "export $(basename "$(dirname "$f")")/$(basename "$f")" "$JETUTIL" export "$f" "$T/u$n"
done

run 0 "export UAL-HyperV-PC/Current.mdb again" "$JETUTIL" export "$S/UAL-HyperV-PC/Current.mdb" "$T/ual"
check "UAL: FILETIMEs in DateTime columns show as dates, text without its NUL" \
	grep -qx '2021-06-23T11:47:36.276,10.0.0.10,gc' "$T/ual/DNS.csv"

# A flipped byte in a leaf page of SRUDB.dat (page 50, 4 KiB pages).
cp "$S/SRUDB.dat" "$T/bad.dat" && chmod u+w "$T/bad.dat"
printf '\377' | dd of="$T/bad.dat" bs=1 seek=$((51 * 4096 + 1000)) conv=notrunc 2>/dev/null
run 4 "export of a corrupted copy fails" "$JETUTIL" export "$T/bad.dat" "$T/bad"
check "... naming the verification failure" grep -q JET_errReadVerifyFailure "$T/err"
run 1 "info of a corrupted copy reports a bad page" "$JETUTIL" info "$T/bad.dat"
head -c 100000 "$S/SRUDB.dat" > "$T/short.dat"
run 4 "a truncated file is refused" "$JETUTIL" info "$T/short.dat"

echo "1..$n"
[ "$failed" = 0 ]
